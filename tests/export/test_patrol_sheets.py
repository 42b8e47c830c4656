"""Route sheets of a patrol plan: Excel (Chinese headers), PDF (text extractable), GPX (WGS84)."""

from __future__ import annotations

import shutil
import subprocess

import geopandas as gpd
import gpxpy
import openpyxl
import pytest
from shapely.geometry import LineString, Point

from fireriskmap.analysis import patrol
from fireriskmap.analysis.network import clear_graph_cache
from fireriskmap.export import patrol_sheets

CRS = "EPSG:4545"
X0, Y0 = 500_000.0, 2_940_000.0
RULES = {"patrol.speed_car_kmh": 36.0}


def _grid(n: int = 4) -> gpd.GeoDataFrame:
    lines = []
    for k in range(n):
        lines.append(LineString([(X0, Y0 + k * 1000), (X0 + (n - 1) * 1000, Y0 + k * 1000)]))
        lines.append(LineString([(X0 + k * 1000, Y0), (X0 + k * 1000, Y0 + (n - 1) * 1000)]))
    return gpd.GeoDataFrame({"road_class": ["arterial"] * len(lines)}, geometry=lines, crs=CRS)


@pytest.fixture(scope="module")
def plan():
    clear_graph_cache()
    rows = [("枫岭镇敬老院", "red", 1, 1), ("民族路一带烟囱楼候选", "orange", 2, 1), ("集贸市场", "orange", 3, 3),
            ("上寨村集中连片村寨", "red", 0, 3), ("远山", "orange", 30, 30)]
    frame = gpd.GeoDataFrame({"name": [r[0] for r in rows], "level": [r[1] for r in rows],
                              "checks": ["电动车违规停放、飞线充电；疏散通道是否堵塞"] * len(rows)},
                             geometry=[Point(X0 + r[2] * 1000, Y0 + r[3] * 1000) for r in rows], crs=CRS)
    targets = patrol.manual_targets(frame, rules=RULES)
    teams = [patrol.Team(name="第1组", start=(X0, Y0), base="镇专职消防队"),
             patrol.Team(name="第2组", start=(X0 + 3000, Y0), base="工业园区微型消防站", mode="ebike")]
    return patrol.plan_patrols(targets, teams, _grid(), rules=RULES, night="2027-01-20", time_limit_s=1.0, seed=4)


def test_excel_has_chinese_headers_widths_and_frozen_header(plan, tmp_path):
    path = patrol_sheets.write_excel(plan, tmp_path / "巡防.xlsx", title="测试镇夜间巡防计划")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "汇总" and "第1组" in wb.sheetnames and wb.sheetnames[-1] == "未安排"
    ws = wb["第1组"]
    header = [c.value for c in ws[3]]
    assert header[:4] == ["序号", "到达", "离开", "地点"] and "检查内容" in header and "签到/情况记录" in header
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["D"].width >= 30
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert body[0][3].startswith("从 镇专职消防队") and body[-1][3].startswith("返回")
    names = {r[3] for r in body}
    assert plan.stops[plan.stops["team"] == "第1组"]["name"].isin(names).all()
    assert all(r[1] is None or len(r[1]) == 5 for r in body[1:])   # HH:MM
    unv = wb["未安排"]
    assert [c.value for c in unv[1]][-1] == "原因"
    assert unv.cell(row=2, column=2).value == "远山" and "米内没有" in unv.cell(row=2, column=7).value
    summary = wb["汇总"]
    assert summary.cell(row=1, column=1).value == "测试镇夜间巡防计划"
    assert [c.value for c in summary[3]][:3] == ["巡防组", "出发地", "方式"]


def test_excel_in_english(plan, tmp_path):
    wb = openpyxl.load_workbook(patrol_sheets.write_excel(plan, tmp_path / "p.xlsx", lang="en"))
    assert wb.sheetnames[0] == "Summary"
    assert [c.value for c in wb["第1组"][3]][:4] == ["No.", "Arrive", "Leave", "Place"]


def test_pdf_is_written_and_its_chinese_text_extracts(plan, tmp_path):
    path = patrol_sheets.write_pdf(plan, tmp_path / "巡防.pdf", roads=_grid(), title="测试镇夜间巡防计划")
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for needle in ("测试镇夜间巡防计划", "第1组 夜间巡防路线单", "第2组 夜间巡防路线单", "枫岭镇敬老院", "检查内容",
                   "巡防人员签字", "远山", "fireriskmap"):
        assert needle in text, needle
    assert text.count("\f") >= 3   # overview + one sheet per team


def test_gpx_parses_with_wgs84_stops_and_track(plan, tmp_path):
    paths = patrol_sheets.write_gpx(plan, tmp_path)
    assert len(paths) == len(plan.routes)
    for path in paths:
        gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
        team = gpx.tracks[0].name
        stops = plan.team_stops(team)
        assert len(gpx.waypoints) == len(stops)
        first = gpx.waypoints[0]
        assert 107.9 < first.longitude < 108.1 and 26.5 < first.latitude < 26.7
        assert first.name.startswith("01 ")
        assert first.time.utcoffset().total_seconds() == 8 * 3600
        assert first.time.strftime("%H:%M") == stops["arrival"].iloc[0] or abs(
            first.time.hour * 60 + first.time.minute - int(stops["arrival"].iloc[0][:2]) * 60
            - int(stops["arrival"].iloc[0][3:])) <= 1
        assert sum(len(s.points) for s in gpx.tracks[0].segments) >= 3


def test_write_sheets_all_formats(plan, tmp_path):
    out = patrol_sheets.write_sheets(plan, tmp_path / "out", roads=_grid())
    assert set(out) == {"pdf", "xlsx", "gpx"}
    assert all(p.exists() for files in out.values() for p in files)
    assert not list((tmp_path / "out").glob("*.tmp"))
