"""The briefing model (no Qt): KPIs, snapshots and their changes, tour steps, measures, photos."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from fireriskmap.errors import BriefingError
from fireriskmap.export import briefing_data as bd

CRS = "EPSG:4545"
X0, Y0 = 500_000.0, 2_900_000.0


def _project():
    """Three risk areas (red, orange, yellow), hazards of every status, a patrol plan visiting two areas."""
    from fireriskmap.core.project import Project

    p = Project.new(CRS, name="测试镇")
    areas = [box(X0 + i * 1000, Y0, X0 + i * 1000 + 900, Y0 + 900) for i in range(3)]
    p.set_layer("villages", gpd.GeoDataFrame({"name": ["甲村", "乙村", "丙村"]}, geometry=areas, crs=CRS))
    p.set_layer("risk_areas", gpd.GeoDataFrame(
        {"unit_id": ["A1", "A2", "A3"], "name": ["甲村", "乙村", "丙村"], "unit_type": ["village"] * 3,
         "level": ["orange", "red", "yellow"], "score": [60.0, 80.0, 30.0], "rank": [2, 1, 3],
         "reasons_zh": ["最大连片 60 户", "120 户（80%）不在消防水源150米覆盖内；70% 建筑为木结构或四级耐火", "无"],
         "reasons_en": ["largest cluster 60 households", "120 households beyond 150 m of water; 70% timber", "none"],
         "c_water": [1.0, 30.0, 0.0], "c_timber": [5.0, 10.0, 0.0], "c_cluster": [20.0, 0.0, 0.0]},
        geometry=areas, crs=CRS))
    statuses = ["open", "rectifying", "overdue", "closed", "void", "open"]
    severities = ["major", "major", "major", "major", "major", "general"]
    p.set_layer("hazards", gpd.GeoDataFrame(
        {"severity": severities, "status": statuses, "found_date": ["2027-01-01"] * 6},
        geometry=[Point(X0 + 100 + 10 * i, Y0 + 100) for i in range(6)], crs=CRS))
    p.set_layer("patrol_stops", gpd.GeoDataFrame(
        {"team": ["第1组"] * 3, "seq": [1, 2, 3], "target_id": ["A:A2", "A:A2#2", "K:school"]},
        geometry=[Point(X0 + 1500, Y0 + 400), Point(X0 + 1500, Y0 + 450), Point(X0 + 100, Y0 + 100)], crs=CRS))
    p.record_run("patrol", params={"levels": ["red", "orange"]}, summary={"visits_wanted": 4, "visits_made": 3})
    p.metadata["demo_as_of"] = "2027-01-20"
    return p


def test_open_major_hazards_ignores_closed_and_void():
    assert bd.open_major_hazards(_project()) == 3  # open, rectifying, overdue


def test_patrol_coverage_counts_priority_areas_visited():
    cov = bd.patrol_coverage(_project())
    assert cov["areas"] == 2  # red and orange
    assert cov["covered"] == 1  # A2 (twice), not A1
    assert cov["share"] == pytest.approx(0.5)
    assert cov["visits_made"] == 3 and cov["visits_wanted"] == 4


def test_kpi_values_and_levels():
    values = bd.kpi_values(_project())
    assert values["level.red"] == 1 and values["level.orange"] == 1 and values["level.yellow"] == 1
    assert values["major_hazards_open"] == 3
    assert values["patrol_coverage"] == pytest.approx(0.5)
    assert values["water_share"] is None  # coverage not analysed: unknown, never 0


def test_snapshot_and_deltas():
    p = _project()
    model = bd.briefing_model(p, lang="zh_CN")
    assert model.snapshot_date is None
    assert all(k.delta is None for k in model.kpis)
    snap = bd.take_snapshot(p)
    assert p.settings[bd.SNAPSHOT_KEY][-1] == snap
    assert snap["values"]["major_hazards_open"] == 3
    # one major hazard closed, one more priority area visited
    h = p.layers["hazards"].copy()
    h.loc[0, "status"] = "closed"
    p.set_layer("hazards", h)
    s = p.layers["patrol_stops"].copy()
    s.loc[2, "target_id"] = "A:A1"
    p.set_layer("patrol_stops", s)
    model = bd.briefing_model(p, lang="zh_CN")
    by = {k.key: k for k in model.kpis}
    assert model.snapshot_date == snap["date"]
    assert by["major_hazards_open"].delta == -1 and by["major_hazards_open"].trend == 1  # fewer is better
    assert by["patrol_coverage"].delta == pytest.approx(0.5) and by["patrol_coverage"].trend == 1
    assert "50.0" in by["patrol_coverage"].delta_text
    assert by["chimney"].delta is None  # not known
    levels = by["levels"].levels
    assert all(d == 0 for _i, _n, d in levels)


def test_snapshot_same_day_replaces():
    p = _project()
    bd.take_snapshot(p)
    bd.take_snapshot(p)
    assert len(bd.snapshots(p)) == 1
    p.settings[bd.SNAPSHOT_KEY].insert(0, {"date": "2020-12-01", "values": {"major_hazards_open": 9}})
    assert bd.last_snapshot(p)["date"] == dt.date.today().isoformat()


def test_tour_steps_follow_the_rank():
    model = bd.briefing_model(_project(), top=2, lang="zh_CN")
    assert [s.name for s in model.steps] == ["乙村", "甲村"]
    assert [s.rank for s in model.steps] == [1, 2]
    first = model.steps[0]
    assert first.level.code == "red" and first.score == pytest.approx(80.0)
    assert first.reasons[0].startswith("120 户")
    assert first.measures[0] == "增设市政消火栓或消防水池"  # water adds most to its score
    assert model.steps[1].measures[0].startswith("实施寨改")  # cluster first for 甲村
    x0, y0, x1, y1 = first.extent
    assert x0 < X0 + 1000 and x1 > X0 + 1900  # the area with a margin
    assert [p["name"] for p in model.priorities] == ["乙村", "甲村"]


def test_date_and_season_in_force():
    model = bd.briefing_model(_project(), lang="zh_CN")
    assert model.date == dt.date(2027, 1, 20)
    assert "取暖季" in model.season
    assert model.date_text == "2027 年 1 月 20 日"
    model = bd.briefing_model(_project(), lang="en", date="2027-07-01")
    assert model.season == [] and model.season_text == "no key period"


def test_measures_in_english_and_default():
    assert bd.measures_for({"c_response": 9.0}, "en")[0].startswith("Set up a micro fire station")
    assert bd.measures_for({}, "zh_CN") == ["开展消防安全全面检查", "加强防火宣传和夜间巡查"]
    assert len(bd.measures_for({"c_water": 3, "c_timber": 2, "c_cluster": 1}, "zh_CN")) == 4


def test_photo_from_attachments_folder(tmp_path):
    from PyQt6.QtGui import QColor, QImage

    p = _project()
    p.path = tmp_path / "town.gpkg"
    photos = tmp_path / "town.files" / "photos"
    photos.mkdir(parents=True)
    img = QImage(40, 30, QImage.Format.Format_RGB32)
    img.fill(QColor("#884422"))
    img.save(str(photos / "乙村.png"))
    model = bd.briefing_model(p, lang="zh_CN")
    assert model.steps[0].photo == photos / "乙村.png"
    assert model.steps[1].photo is None


def test_bad_arguments():
    with pytest.raises(BriefingError):
        bd.briefing_model(_project(), top=0)
    with pytest.raises(ValueError):
        bd.briefing_model(_project(), date="20.1.2027")


def test_without_risk_results():
    from fireriskmap.core.project import Project

    p = Project.new(CRS, name="空")
    model = bd.briefing_model(p, lang="zh_CN")
    assert not model.has_risk and model.steps == [] and model.priorities == []
    assert model.kpis[0].text == "—"
