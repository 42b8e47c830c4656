"""The hazard ledger core: status workflow, audit trail, overdue, nothing deletable, storage, risk link."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from fireriskmap.core.project import Project
from fireriskmap.errors import LedgerError
from fireriskmap.ledger import Ledger, add_inspections, display_status, inspection_coverage, overdue_mask
from fireriskmap.ledger.model import evidence_paths

CRS = "EPSG:4545"
TODAY = dt.date(2027, 1, 20)


def _project(tmp_path=None) -> Project:
    p = Project.new(CRS, name="测试镇")
    p.set_layer("villages", gpd.GeoDataFrame(
        {"name": ["甲村", "乙村"], "households": [100, 40]},
        geometry=[Point(500000, 3000000).buffer(500, cap_style=3), Point(502000, 3000000).buffer(500, cap_style=3)],
        crs=CRS))
    p.set_layer("hazards", gpd.GeoDataFrame({
        "found_date": ["2027-01-02", "2027-01-05", "2027-01-10"],
        "hazard_type": ["wiring", "firewood", "ebike"],
        "severity": ["major", "general", "general"],
        "status": ["open", "rectifying", "closed"],
        "deadline": ["2027-01-15", "2027-02-01", "2027-01-12"],
        "village": ["甲村", "甲村", "乙村"],
    }, geometry=[Point(500010, 3000010), Point(500100, 2999900), Point(502050, 3000020)], crs=CRS))
    if tmp_path is not None:
        p.path = tmp_path / "测试镇.gpkg"
    return p


@pytest.fixture
def ledger(tmp_path):
    p = _project(tmp_path)
    led = Ledger(p, user="张三", today=TODAY)
    led.ensure_ids()
    return led


def test_ids_are_assigned_once_and_recorded(ledger):
    assert ledger.ids() == ["YH00001", "YH00002", "YH00003"]
    assert ledger.ensure_ids() == 0
    audit = ledger.history()
    assert list(audit["action"]) == ["register"] * 3 and list(audit["user"]) == ["张三"] * 3
    new = ledger.add({"hazard_type": "三合一", "severity": "一般", "village": "乙村"}, x=502100, y=3000100)
    assert new == "YH00004"
    assert ledger.normalise_id("4") == ledger.normalise_id("yh4") == "YH00004"


def test_overdue_is_computed_from_deadline_and_date(ledger):
    items = ledger.items
    mask = overdue_mask(items, TODAY)
    # 1: open, deadline 01-15 passed -> overdue; 2: rectifying, deadline 02-01 ahead; 3: closed
    assert list(mask) == [True, False, False]
    assert list(display_status(items, TODAY)) == ["overdue", "rectifying", "closed"]
    assert list(overdue_mask(items, dt.date(2027, 1, 15))) == [False, False, False]  # deadline day itself
    assert list(overdue_mask(items, dt.date(2027, 2, 2))) == [True, True, False]
    view = ledger.view()
    assert list(view["days_overdue"]) == [5, 0, 0]
    # extending the deadline ends the overdue state; the change is audited
    ledger.edit("YH00001", {"deadline": "2027-02-10"}, note="延期")
    assert not ledger.overdue().iloc[0]
    last = ledger.history("YH00001").iloc[-1]
    assert (last["field"], last["old"], last["new"], last["note"]) == ("deadline", "2027-01-15", "2027-02-10", "延期")


def test_status_workflow_and_audit_trail(ledger, tmp_path):
    photo = tmp_path / "整改后.jpg"
    photo.write_bytes(b"\xff\xd8 photo")
    ledger.set_status("YH00001", "rectifying", note="已通知户主")
    with pytest.raises(LedgerError, match="佐证"):
        ledger.close("YH00001")
    with pytest.raises(LedgerError):
        ledger.set_status("YH00001", "closed")
    stored = ledger.close("YH00001", evidence=[photo], note="已更换线路", closed_date="2027年1月18日")
    assert stored == ["evidence/YH00001/整改后.jpg"]
    row = ledger.get("YH00001")
    assert (row["status"], row["closed_date"], row["close_note"]) == ("closed", "2027-01-18", "已更换线路")
    copied = evidence_paths(ledger.project, row["evidence"])
    assert copied[0].read_bytes() == photo.read_bytes()
    assert copied[0].parent == tmp_path / "测试镇.files" / "evidence" / "YH00001"
    # closed -> closed is refused; reopen needs a reason
    with pytest.raises(LedgerError):
        ledger.close("YH00001", evidence=[photo])
    with pytest.raises(LedgerError):
        ledger.reopen("YH00001", "  ")
    ledger.reopen("YH00001", "复查发现线路又被私接")
    assert ledger.get("YH00001")["status"] == "open"
    assert ledger.get("YH00001")["closed_date"] is None
    ledger.void("YH00001", "与 YH00002 重复")
    with pytest.raises(LedgerError):
        ledger.reopen("YH00001", "x")
    with pytest.raises(LedgerError):
        ledger.edit("YH00001", {"measure": "x"})
    trail = ledger.history("YH00001")
    moves = trail[trail["field"] == "status"]
    assert list(zip(moves["old"], moves["new"])) == [
        ("open", "rectifying"), ("rectifying", "closed"), ("closed", "open"), ("open", "void")]
    assert list(moves["action"]) == ["status", "close", "reopen", "void"]
    assert trail["seq"].is_monotonic_increasing
    assert set(trail["user"]) == {"张三"}
    assert "与 YH00002 重复" in set(trail["note"])


def test_closing_before_found_and_missing_evidence_are_refused(ledger, tmp_path):
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"x")
    with pytest.raises(LedgerError, match="早于"):
        ledger.close("YH00002", evidence=[photo], closed_date="2027-01-01")
    with pytest.raises(LedgerError, match="找不到"):
        ledger.close("YH00002", evidence=[tmp_path / "nope.jpg"])
    with pytest.raises(LedgerError):
        ledger.edit("YH00002", {"status": "closed"})
    with pytest.raises(LedgerError):
        ledger.edit("YH00002", {"severity": "极其严重"})
    with pytest.raises(LedgerError):
        ledger.get("YH00099")
    # a note-only close is allowed when the office turns the evidence rule off
    ledger.project.set_setting("ledger.close_requires_evidence", False)
    ledger.close("YH00002", note="现场复查已整改（电话核实）")
    assert ledger.get("YH00002")["status"] == "closed"


def test_nothing_can_be_deleted(ledger):
    p = ledger.project
    with pytest.raises(LedgerError, match="不能删除"):
        ledger.delete("YH00002")
    with pytest.raises(LedgerError, match="不能删除"):
        p.set_layer("hazards", p.layer("hazards").iloc[:2])
    with pytest.raises(LedgerError):
        p.remove_layer("hazards")
    # reordering or appending is fine; the rows are all still there
    p.set_layer("hazards", p.layer("hazards").iloc[::-1])
    assert sorted(ledger.ids()) == ["YH00001", "YH00002", "YH00003"]
    ledger.void("YH00002", "误报")
    assert len(ledger.items) == 3 and ledger.get("YH00002")["void_reason"] == "误报"


def test_unplaced_items_and_placing(ledger):
    hid = ledger.add({"hazard_type": "违规住人", "village": "乙村", "address": "乙村5组12号"})
    row = ledger.get(hid)
    assert row["placed"] is False or row["placed"] == False  # noqa: E712 (pandas boolean)
    assert row.geometry is None or row.geometry.is_empty
    rec = [r for r in ledger.records() if r["id"] == hid][0]
    assert rec["placed"] is False and rec["x"] is None
    ledger.place(hid, 502030, 3000040)
    row = ledger.get(hid)
    assert bool(row["placed"]) and row.geometry.x == pytest.approx(502030)
    assert ledger.history(hid).iloc[-1]["action"] == "place"


def test_records_json_shape(ledger):
    recs = ledger.records()
    assert [r["id"] for r in recs] == ["YH00001", "YH00002", "YH00003"]
    for key in ("id", "status", "severity", "deadline", "overdue"):
        assert key in recs[0]
    assert recs[0]["overdue"] is True and recs[0]["status"] == "overdue" and recs[0]["severity"] == "major"
    assert [r["id"] for r in ledger.records(overdue_only=True)] == ["YH00001"]


def test_ledger_and_audit_survive_save_and_open(ledger, tmp_path):
    photo = tmp_path / "p.png"
    photo.write_bytes(b"png")
    ledger.close("YH00001", evidence=[photo], note="ok")
    hid = ledger.add({"hazard_type": "柴草", "village": "乙村", "address": "待定位"})
    add_inspections(ledger.project, [{"date": "2027.1.6", "village": "甲村", "households": 60}])
    path = ledger.project.save()
    q = Project.open(path)
    again = Ledger(q, user="李四", today=TODAY)
    assert again.ids() == ledger.ids()
    assert again.get(hid).geometry is None or again.get(hid).geometry.is_empty
    assert len(again.history()) == len(ledger.history())
    assert again.history("YH00001")["new"].tolist() == ledger.history("YH00001")["new"].tolist()
    assert q.table("inspections")["households"].tolist() == [60]
    # new changes continue the sequence with the new user
    again.set_status("YH00002", "open")
    assert again.history().iloc[-1]["seq"] == len(ledger.history()) + 1
    assert again.history().iloc[-1]["user"] == "李四"
    assert q.metadata["file_schema_version"] == "2"


def test_old_project_files_still_open():
    from pathlib import Path

    q = Project.open(Path(__file__).parents[1] / "fixtures" / "project_schema1.gpkg")
    assert q.metadata["file_schema_version"] == "1"
    assert len(q.table("hazard_audit")) == 0 and len(q.table("inspections")) == 0


def test_inspection_coverage_against_target(ledger):
    p = ledger.project
    p.set_layer("clusters", gpd.GeoDataFrame(
        {"cluster_id": [1], "households": [80], "flagged": [True], "village": ["甲村"]},
        geometry=[Point(500000, 3000000).buffer(100)], crs=CRS))
    ids = add_inspections(p, [
        {"date": "2027-01-05", "village": "甲村", "target_type": "cluster", "target_ref": "1号片区", "households": 60},
        {"date": "2027-01-06", "village": "甲村", "target_type": "cluster", "target_ref": "1号片区", "households": 60},
        {"date": "2027年1月7日", "village": "甲村", "households": 30, "result": "hazard_found"},
        {"date": "2027-01-08", "village": "甲村", "households": 5, "result": "not_home"},
        {"date": "2027-01-09", "village": "乙村", "households": 40},
    ])
    assert ids == ["XC00001", "XC00002", "XC00003", "XC00004", "XC00005"]
    cov = inspection_coverage(p).set_index("village")
    # 甲村: the cluster counted once (60) + 30; the not-home visit not counted -> 90 / 100
    assert cov.loc["甲村", "inspected"] == 90 and cov.loc["甲村", "share"] == pytest.approx(0.9)
    assert cov.loc["甲村", "target"] == 1.0 and cov.loc["甲村", "met"] is False
    assert cov.loc["甲村", "visits"] == 4 and cov.loc["甲村", "hazards_found"] == 1
    assert cov.loc["乙村", "share"] == pytest.approx(1.0) and pd.isna(cov.loc["乙村", "target"])
    early = inspection_coverage(p, end="2027-01-06").set_index("village")
    assert early.loc["甲村", "inspected"] == 60 and early.loc["乙村", "inspected"] == 0
    with pytest.raises(LedgerError):
        add_inspections(p, [{"date": "某天", "village": "甲村"}])
    with pytest.raises(LedgerError):
        add_inspections(p, [{"date": "2027-01-09", "village": "甲村", "result": "maybe"}])
    assert len(p.table("inspections")) == 5  # a bad batch adds nothing


def test_closing_a_major_hazard_lowers_the_area_score(town):
    from fireriskmap.analysis.risk import score_areas

    p = Project.new(CRS, name="t")
    for kind, gdf in town.layers.items():
        p.layers[kind] = gdf.copy()
    led = Ledger(p, user="t", today=dt.date(2025, 1, 10))
    led.ensure_ids()
    major = [r for r in led.records() if r["severity"] == "major"][0]
    before = score_areas(p, units="villages", date="2025-01-10").areas
    photo_dir = p.path
    assert photo_dir is None  # unsaved project: evidence kept by absolute path
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        photo = Path(d) / "done.jpg"
        photo.write_bytes(b"x")
        led.close(major["id"], evidence=[photo], note="整改完成")
        assert Path(led.get(major["id"])["evidence"]).is_absolute()
    after = score_areas(p, units="villages", date="2025-01-10").areas
    hazard_pt = led.get(major["id"]).geometry
    area = before.index[before.geometry.contains(hazard_pt)][0]
    assert after.loc[area, "score"] < before.loc[area, "score"]
    assert after.loc[area, "c_open_hazards"] < before.loc[area, "c_open_hazards"]
    others = before.index != area
    assert (after.loc[others, "c_open_hazards"] == before.loc[others, "c_open_hazards"]).all()


def test_audit_times_are_on_the_ledger_date(tmp_path):
    p = _project(tmp_path)
    p.metadata["as_of"] = "2027-03-02"  # a project "as of" another day, like the demo
    led = Ledger(p, user="王五")
    led.ensure_ids()
    assert set(led.history()["at"].str[:10]) == {"2027-03-02"}
