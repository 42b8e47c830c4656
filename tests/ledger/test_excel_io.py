"""Importing the offices' own Excel ledgers and exporting the ledger in the same shape."""

from __future__ import annotations

import csv
import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point, box

from fireriskmap.core.project import Project
from fireriskmap.ledger import Ledger, add_inspections
from fireriskmap.export.ledger_excel import export_ledger
from fireriskmap.io.ledger import import_ledger, read_ledger_table

from .office_files import LAT, LON, office_ledger

GK = "EPSG:4545"


@pytest.fixture
def project(tmp_path, make_tiny):
    p = make_tiny()
    p.path = tmp_path / "镇.gpkg"
    p.set_setting("ledger.today", "2023-12-25")
    return p


def test_reads_title_rows_merged_two_row_headers_and_skips_the_footer(tmp_path):
    frame, sheet, notes = read_ledger_table(office_ledger(tmp_path / "台账.xlsx"))
    assert sheet == "隐患台账"
    assert list(frame.index) == [5, 6, 7, 8, 9, 10]  # Excel row numbers; title, header and footer left out
    for col in ("编号", "排查日期", "责任单位", "整改责任人", "整改期限", "整改完成情况", "经度", "纬度"):
        assert col in frame.columns
    assert "11" in notes[0]  # the footer row is named


def test_import_office_ledger(project, tmp_path):
    f = office_ledger(tmp_path / "台账.xlsx")
    s = import_ledger(project, f)
    assert s.read == 6
    assert len(s.added) == 4 and s.added == ["YH00001", "YH00002", "YH00003", "YH00004"]
    # rows 6 and 10 have an address only: kept, to place on the map
    assert s.unplaced == ["YH00002", "YH00004"]
    # row 8 (no date, no description) and row 9 (severity 较大) are rejected with reasons
    assert [(r["row"], r["reason"]) for r in s.rejected] == [(8, "empty"), (9, "severity_bad")]
    assert "较大" in s.rejected[1]["message"]
    assert [(w["row"], w["reason"]) for w in s.warnings] == [(10, "type_unknown")]
    items = project.layer("hazards").set_index("hazard_id")
    a, b, c, d = (items.loc[i] for i in s.added)
    assert (a.found_date, b.found_date, c.found_date, d.found_date) == (
        "2023-12-07", "2023-12-07", "2023-12-08", "2023-12-10")  # 2023年12月7日, 2023.12.7, Excel date
    assert (a.status, b.status, c.status, d.status) == ("closed", "open", "rectifying", "overdue")
    assert (a.severity, a.hazard_type, c.hazard_type, d.hazard_type) == ("major", "wiring", "ebike", "other")
    assert "烟囱楼" in d.description  # the office's word is kept
    assert (a.ref, a.responsible_person, a.responsible_unit, a.deadline) == ("A-001", "张三", "岩寨村委", "2023-12-20")
    assert b.deadline == "2023-12-15" and c.deadline == "2023-12-30"
    assert bool(a.placed) and not bool(b.placed) and b.geometry is None
    # the coordinates (WGS84 lon/lat) land in the project CRS
    ll = gpd.GeoSeries([a.geometry], crs=GK).to_crs(4326).iloc[0]
    assert ll.x == pytest.approx(LON + 0.001, abs=1e-7) and ll.y == pytest.approx(LAT + 0.001, abs=1e-7)
    # the audit trail records the import with the file name
    audit = project.table("hazard_audit")
    imported = audit[audit["action"] == "import"]
    assert sorted(imported["hazard_id"]) == s.added and set(imported["note"]) == {"台账.xlsx"}
    # FILE.rejected.csv beside the project, with every rejected row and the warning
    assert s.report_path == tmp_path / "台账.rejected.csv"
    with s.report_path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "行号"
    assert [r[0] for r in rows[1:]] == ["8", "9", "10"]
    d_ = s.to_dict()
    assert (d_["added"], d_["unplaced"], d_["rejected"], d_["duplicates"]) == (4, 2, 2, 0)
    assert "待标注" in s.describe()


def test_reimport_adds_nothing_twice(project, tmp_path):
    f = office_ledger(tmp_path / "台账.xlsx")
    first = import_ledger(project, f)
    again = import_ledger(project, f)
    assert again.added == [] and len(project.layer("hazards")) == 4
    assert [(d["row"], d["id"]) for d in again.duplicates] == list(zip([5, 6, 7, 10], first.added))
    assert "已在台账中" in again.duplicates[0]["reason"]
    # a new week's file: the same rows plus one new row → only that one is added
    f2 = office_ledger(tmp_path / "台账2.xlsx", extra_rows=[
        [7, "A-007", "2023年12月20日", "岩寨村", "岩寨村8组1号", "私拉乱接", "一般", "私拉电线", "整改",
         "户主", "孙八", "2023.12.31", "未整改", None, None]])
    third = import_ledger(project, f2)
    assert third.added == ["YH00005"] and len(third.duplicates) == 4


def test_rows_repeated_inside_the_file_are_reported(project, tmp_path):
    f = office_ledger(tmp_path / "台账.xlsx", extra_rows=[
        [7, "A-001", "2023年12月7日", "岩寨村", "岩寨村3组12号", "私拉乱接", "重大", "厨房私拉电线", "重新布线",
         "岩寨村委", "张三", "2023年12月20日", "已整改", None, None]])
    s = import_ledger(project, f)
    assert len(s.added) == 4
    assert s.duplicates == [{"row": 11, "id": "", "reason": "与本表第 5 行重复"}]


def test_csv_ledger_without_coordinates_and_gcj02_option(project, tmp_path):
    f = tmp_path / "ledger.csv"
    f.write_text("XX镇隐患台账\n序号,检查日期,村,详细地址,问题描述,等级,是否整改\n"
                 "1,2023/12/7,岩寨村,岩寨村1号,柴草乱堆,一般,否\n"
                 "2,,岩寨村,岩寨村2号,,一般,否\n", encoding="gbk")
    s = import_ledger(project, f)
    assert len(s.added) == 1 and s.unplaced == s.added
    assert [r["row"] for r in s.rejected] == [4]  # CSV line numbers
    item = project.layer("hazards").iloc[0]
    assert (item.found_date, item.status, item.address) == ("2023-12-07", "open", "岩寨村1号")
    # 序号 is a running number: the same rows sorted differently are still recognised
    f.write_text("序号,检查日期,村,详细地址,问题描述,等级,是否整改\n"
                 "1,2023/12/8,岩寨村,岩寨村9号,电线老化,一般,否\n"
                 "2,2023/12/7,岩寨村,岩寨村1号,柴草乱堆,一般,否\n", encoding="gbk")
    again = import_ledger(project, f)
    assert len(again.added) == 1 and [d["row"] for d in again.duplicates] == [3]
    assert "序号" not in again.mapping
    # the same lon/lat read as GCJ-02 lands a few hundred metres away from the WGS84 reading
    g1, g2 = (tmp_path / "w.xlsx"), (tmp_path / "g.xlsx")
    office_ledger(g1)
    office_ledger(g2)
    p1, p2 = Project.new(GK), Project.new(GK)
    import_ledger(p1, g1, report_dir=tmp_path)
    import_ledger(p2, g2, coords="gcj02", report_dir=tmp_path)
    shift = p1.layer("hazards").geometry.iloc[0].distance(p2.layer("hazards").geometry.iloc[0])
    assert 100 < shift < 1000


def test_an_office_hazard_number_column_becomes_ref(project, tmp_path):
    f = tmp_path / "l.csv"
    f.write_text("隐患编号,排查日期,地点,存在问题\n2023-017,2023.12.7,岩寨村1号,私拉电线\n", encoding="utf-8")
    s = import_ledger(project, f)
    item = project.layer("hazards").iloc[0]
    assert (item.hazard_id, item.ref) == (s.added[0], "2023-017") and s.mapping["隐患编号"] == "ref"


def test_a_file_that_is_no_ledger_is_refused(project, tmp_path):
    from openpyxl import Workbook

    from fireriskmap.errors import ImportFileError

    wb = Workbook()
    wb.active.append(["名称", "数量"])
    wb.active.append(["灭火器", 3])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(ImportFileError) as err:
        import_ledger(project, tmp_path / "x.xlsx")
    assert "台账" in str(err.value)


def _ledger_project(tmp_path):
    """A small ledger with every kind of item: closed with evidence, void, overdue, unplaced."""
    p = Project.new(GK, name="测试镇")
    p.path = tmp_path / "测试镇.gpkg"
    x0, y0 = 500_000.0, 2_900_000.0
    p.set_layer("villages", gpd.GeoDataFrame({"name": ["岩寨村", "高坪村"], "households": [100, 50]},
                                             geometry=[box(x0, y0, x0 + 1000, y0 + 1000),
                                                       box(x0 + 1000, y0, x0 + 2000, y0 + 1000)], crs=GK))
    p.set_layer("incidents", gpd.GeoDataFrame(
        {"date": ["2027-01-21"], "cause": ["electrical"], "place": ["高坪村5号"], "village": ["高坪村"],
         "loss_yuan": [5000.0], "deaths": [0], "injuries": [1], "description": ["电线短路"]},
        geometry=[Point(x0 + 1500, y0 + 500)], crs=GK))
    led = Ledger(p, user="测试", today=dt.date(2027, 1, 20))
    a = led.add({"found_date": "2027-01-05", "hazard_type": "wiring", "severity": "major", "deadline": "2027-01-10",
                 "village": "岩寨村", "address": "岩寨村1号", "description": "私拉电线", "measure": "重新布线",
                 "responsible_unit": "户主", "responsible_person": "张三", "ref": "A-1", "finder": "李四"},
                x=x0 + 100.123, y=y0 + 200.456)
    b = led.add({"found_date": "2027-01-06", "hazard_type": "firewood", "village": "高坪村", "address": "高坪村2号",
                 "description": "柴草", "deadline": "2027-01-30"})  # unplaced
    c = led.add({"found_date": "2027-01-07", "hazard_type": "ebike", "village": "岩寨村", "address": "岩寨村3号",
                 "description": "电动车"}, x=x0 + 300, y=y0 + 300)
    d = led.add({"found_date": "2027-01-08", "village": "岩寨村", "address": "岩寨村4号", "description": "误录"},
                x=x0 + 400, y=y0 + 400)
    photo = tmp_path / "整改后.jpg"
    photo.write_bytes(b"jpeg")
    led.set_status(c, "rectifying", note="已安排")
    led.close(c, evidence=[photo], note="复查合格", closed_date="2027-01-15")
    led.void(d, "重复录入")
    add_inspections(p, [{"date": "2027-01-12", "village": "岩寨村", "households": 60, "target_type": "village",
                         "target_ref": "1组"}], user="测试")
    return p, led, (a, b, c, d)


def test_export_has_the_office_shape(tmp_path):
    p, led, (a, b, c, d) = _ledger_project(tmp_path)
    out = tmp_path / "台账导出.xlsx"
    result = export_ledger(p, out, ledger=led)
    assert result.extra["sheets"] == ["隐患台账", "整改记录", "入户排查", "火灾事故登记台账"]
    wb = load_workbook(out)
    ws = wb["隐患台账"]
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert ws["A1"].value == "测试镇火灾隐患排查整改台账（内部资料）" and "A1:X1" in merged
    assert [ws.cell(3, c).value for c in range(1, 5)] == ["序号", "台账编号", "原编号", "发现日期"]
    # 整改情况 over 责任单位 | 责任人 | 整改期限 | 整改状态 | 销号日期
    assert ws["L3"].value == "整改情况" and "L3:P3" in merged
    assert [ws.cell(4, c).value for c in range(12, 17)] == ["责任单位", "责任人", "整改期限", "整改状态", "销号日期"]
    rows = {ws.cell(r, 2).value: r for r in range(5, 9)}
    ra, rc, rd = rows[a], rows[c], rows[d]
    assert ws.cell(ra, 4).value == dt.datetime(2027, 1, 5) and ws.cell(ra, 4).number_format == 'yyyy"年"m"月"d"日"'
    assert ws.cell(ra, 15).value == "未整改" and ws.cell(ra, 17).value == "逾期10天"
    assert ws.cell(ra, 1).fill.fgColor.rgb.endswith("FDECEA")  # the overdue row is highlighted
    assert ws.cell(rc, 15).value == "已销号" and ws.cell(rc, 18).value == f"evidence/{c}/整改后.jpg"
    assert ws.cell(rd, 15).value == "已作废" and ws.cell(rd, 20).value == "重复录入"
    assert ws.freeze_panes == "D5"
    audit = wb["整改记录"]
    actions = [audit.cell(r, 5).value for r in range(4, audit.max_row + 1)]
    assert {"新增", "状态变更", "销号", "作废"} <= set(actions)
    insp = wb["入户排查"]
    assert insp.cell(4, 2).value == "岩寨村" and insp.cell(4, 4).value == 60 and insp.cell(4, 5).value == 0.6
    inc = wb["火灾事故登记台账"]
    assert [inc.cell(3, c).value for c in (2, 3, 4, 5)] == ["发生日期", "起火地点", "所属村/社区", "起火原因"]
    assert inc.cell(4, 3).value == "高坪村5号" and inc.cell(4, 5).value == "电气火灾" and inc.cell(4, 8).value == 1
    # without personal data
    export_ledger(p, tmp_path / "公开.xlsx", ledger=led, personal=False)
    ws2 = load_workbook(tmp_path / "公开.xlsx")["隐患台账"]
    heads = [ws2.cell(4, c).value for c in range(1, ws2.max_column + 1)] + \
            [ws2.cell(3, c).value for c in range(1, ws2.max_column + 1)]
    assert "责任人" not in heads and "排查人" not in heads and "内部资料" not in ws2["A1"].value


def test_round_trip_export_import_gives_the_same_items(tmp_path):
    p, led, ids = _ledger_project(tmp_path)
    out = tmp_path / "台账导出.xlsx"
    export_ledger(p, out, ledger=led)
    empty = Project.new(GK)
    s = import_ledger(empty, out, report_dir=tmp_path)
    assert s.rejected == [] and len(s.added) == 4 and s.unplaced == [ids[1]]
    src, dst = p.layer("hazards"), empty.layer("hazards")
    fields = ["hazard_id", "found_date", "hazard_type", "severity", "status", "deadline", "responsible_unit",
              "responsible_person", "measure", "description", "village", "address", "ref", "finder",
              "closed_date", "evidence", "close_note", "void_reason", "placed"]
    for f in fields:
        left = [None if v is None or v is np.nan or (isinstance(v, float) and np.isnan(v)) else v for v in src[f]]
        right = [None if v is None or v is np.nan or (isinstance(v, float) and np.isnan(v)) else v for v in dst[f]]
        assert [str(v) if v is not None else None for v in left] == \
               [str(v) if v is not None else None for v in right], f
    placed = src.geometry.notna()
    assert src.geometry[placed].distance(dst.geometry[placed]).max() < 0.05  # metres
    # importing the export again into the same project adds nothing
    again = import_ledger(empty, out, report_dir=tmp_path)
    assert again.added == [] and len(again.duplicates) == 4


def test_import_is_reasonably_fast(tmp_path):
    """300 rows (the 2,000-row figure is measured in bench/, not timed here)."""
    import time

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["XX镇隐患台账"])
    ws.append(["序号", "编号", "排查日期", "所在村", "隐患地点", "隐患类型", "隐患等级", "存在问题", "整改期限",
               "整改情况", "经度", "纬度"])
    for i in range(300):
        ws.append([i + 1, f"B-{i}", f"2023年12月{1 + i % 28}日", "岩寨村", f"岩寨村{i}号", "私拉乱接", "一般",
                   "私拉电线", "2024.1.15", "未整改" if i % 3 else "已整改",
                   LON + (i % 50) * 1e-4 if i % 4 else None, LAT + (i // 50) * 1e-4 if i % 4 else None])
    wb.save(tmp_path / "big.xlsx")
    p = Project.new(GK)
    t0 = time.perf_counter()
    s = import_ledger(p, tmp_path / "big.xlsx", report_dir=tmp_path)
    assert len(s.added) == 300 and len(s.unplaced) == 75
    assert time.perf_counter() - t0 < 10
