"""``fireriskmap ledger`` end to end on a small project and on a copy of the demo township."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fireriskmap.cli import main
from fireriskmap.core.project import Project

from .office_files import office_ledger

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_township.gpkg"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def project_file(tmp_path, make_tiny):
    p = make_tiny()
    p.set_setting("ledger.today", "2023-12-25")
    path = tmp_path / "镇.gpkg"
    p.save(path)
    return path


def test_import_list_close_void_inspect_weekly(project_file, tmp_path, capsys):
    xlsx = office_ledger(tmp_path / "台账.xlsx")
    code, out, _ = run(capsys, "ledger", project_file, "import", xlsx, "--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["added"], summary["unplaced"], summary["rejected"]) == (4, 2, 2)
    assert Path(summary["report_path"]).name == "台账.rejected.csv"
    # saved: a fresh open sees the items
    assert len(Project.open(project_file).layer("hazards")) == 4
    # importing again adds nothing
    code, out, _ = run(capsys, "ledger", project_file, "import", xlsx)
    assert code == 0 and "新增 0 条" in out and "已在台账中 4 条" in out

    code, out, _ = run(capsys, "ledger", project_file, "list", "--json")
    items = json.loads(out)
    assert isinstance(items, list) and len(items) == 4
    for item in items:
        assert {"id", "status", "severity", "deadline", "overdue"} <= set(item)
        assert isinstance(item["overdue"], bool)
    by_id = {i["id"]: i for i in items}
    assert by_id["YH00001"]["status"] == "closed" and by_id["YH00001"]["severity"] == "major"
    assert by_id["YH00002"]["overdue"] and by_id["YH00002"]["deadline"] == "2023-12-15"
    code, out, _ = run(capsys, "ledger", project_file, "list", "--overdue", "--json")
    assert [i["id"] for i in json.loads(out)] == ["YH00002", "YH00004"]
    code, out, _ = run(capsys, "ledger", project_file, "list", "--status", "整改中", "--json")
    assert [i["id"] for i in json.loads(out)] == ["YH00003"]
    code, out, _ = run(capsys, "ledger", project_file, "list")
    assert "YH00002" in out and "逾期 10 天" in out and "共 4 条" in out

    photo, photo2 = tmp_path / "整改照片.jpg", tmp_path / "复查.jpg"
    photo.write_bytes(b"photo")
    photo2.write_bytes(b"photo2")
    code, out, _ = run(capsys, "ledger", project_file, "close", "2", "--evidence", photo, "--evidence", photo2,
                       "--note", "已清理", "--date", "2023年12月24日")
    assert code == 0 and "YH00002 已销号" in out
    folder = project_file.with_name("镇.files") / "evidence" / "YH00002"
    assert (folder / "整改照片.jpg").read_bytes() == b"photo" and (folder / "复查.jpg").exists()
    item = Project.open(project_file).layer("hazards").set_index("hazard_id").loc["YH00002"]
    assert (item.status, item.closed_date, item.close_note) == ("closed", "2023-12-24", "已清理")
    assert item.evidence == "evidence/YH00002/整改照片.jpg;evidence/YH00002/复查.jpg"

    code, out, _ = run(capsys, "ledger", project_file, "void", "YH00003", "--reason", "重复录入")
    assert code == 0 and "已作废" in out
    code, out, _ = run(capsys, "ledger", project_file, "inspect", "--village", "岩寨村", "--date", "2023.12.20",
                       "--households", "12", "--json")
    assert code == 0 and json.loads(out)["ids"] == ["XC00001"]
    saved = Project.open(project_file)
    assert saved.table("inspections")["households"].tolist() == [12]
    audit = saved.table("hazard_audit")
    assert {"import", "close", "void"} <= set(audit["action"])

    # weekly: 2023-W51 = 18–24 December
    code, out, _ = run(capsys, "ledger", project_file, "weekly", "--week", "2023-W51", "--json",
                       "--xlsx", tmp_path / "周报.xlsx", "--pdf", tmp_path / "周报.pdf")
    assert code == 0
    week = json.loads(out)
    assert week["start"] == "2023-12-18" and week["totals"]["fixed"] == 1  # YH00002 closed on the 24th
    assert (tmp_path / "周报.xlsx").exists() and (tmp_path / "周报.pdf").exists()
    code, out, _ = run(capsys, "ledger", project_file, "weekly", "--week", "2023-W51")
    assert code == 0 and "每周工作推进情况表" in out and "岩寨村" in out and "本周新排查隐患" in out

    code, out, _ = run(capsys, "ledger", project_file, "export", tmp_path / "导出.xlsx")
    assert code == 0 and (tmp_path / "导出.xlsx").exists() and "隐患 4 条" in out


def test_errors_are_in_chinese_with_exit_2(project_file, tmp_path, capsys):
    code, _, err = run(capsys, "ledger", project_file, "close", "YH09999", "--evidence", tmp_path / "x.jpg")
    assert code == 2 and err.startswith("错误：")
    code, _, err = run(capsys, "ledger", project_file, "weekly", "--week", "下周")
    assert code == 2 and "错误：" in err and "2027-W03" in err
    code, _, err = run(capsys, "ledger", project_file, "import", tmp_path / "没有.xlsx")
    assert code == 2 and "错误：" in err
    code, _, err = run(capsys, "ledger", tmp_path / "没有.gpkg", "list")
    assert code == 2 and "错误：" in err


def test_demo_township_end_to_end(tmp_path, capsys):
    """On a copy of the demo: list, close one overdue item with evidence, print the weekly table."""
    if not DEMO.exists():
        pytest.skip("demo township not built")
    path = tmp_path / "demo.gpkg"
    shutil.copy(DEMO, path)
    code, out, _ = run(capsys, "ledger", path, "list", "--overdue", "--json")
    overdue = json.loads(out)
    assert code == 0 and overdue and all(i["overdue"] for i in overdue)
    target = overdue[0]["id"]
    photo = tmp_path / "整改后.jpg"
    photo.write_bytes(b"jpeg")
    code, out, _ = run(capsys, "ledger", path, "weekly", "--json")
    before = json.loads(out)
    code, out, _ = run(capsys, "ledger", path, "close", target, "--evidence", photo, "--note", "复查合格")
    assert code == 0 and (tmp_path / "demo.files" / "evidence" / target / "整改后.jpg").exists()
    code, out, _ = run(capsys, "ledger", path, "weekly", "--json")
    after = json.loads(out)
    assert after["totals"]["fixed"] == before["totals"]["fixed"] + 1
    assert after["totals"]["open"] == before["totals"]["open"] - 1
    code, out, _ = run(capsys, "ledger", path, "weekly")
    assert code == 0 and "枫岭镇" in out and "合计" in out
