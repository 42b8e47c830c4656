"""The Excel workbook: sheets, Chinese headers, frozen headers, level colours, flagged first, totals."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from openpyxl import load_workbook

from fireriskmap.core.project import Project
from fireriskmap.export import data as D
from fireriskmap.export.excel import export_xlsx

PERSONAL = ("张三丰", "13800001111", "李四光", "王五六")
SHEETS_ZH = ["重点区域排序", "集中连片村寨", "烟囱楼与钢结构", "水源覆盖盲区", "建议新增消火栓", "分村周推进表"]


def fresh(project) -> Project:
    out = Project.new(project.crs, name=project.name)
    for kind, gdf in project.layers.items():
        out.layers[kind] = gdf.copy()
    return out


@pytest.fixture(scope="module")
def analysed(town):
    """The town after classify, clusters and coverage (a few seconds), with risk and personal data."""
    from fireriskmap.analysis.pipeline import analyse, apply_outcome

    project = fresh(town)
    apply_outcome(project, analyse(project, steps=["classify", "clusters", "coverage", "siting"], sites=3))
    v = project.layers["villages"].copy()
    v["contact"], v["phone"] = PERSONAL[0], PERSONAL[1]
    project.set_layer("villages", v)
    k = project.layers["key_places"].copy()
    k["manager"] = PERSONAL[2]
    project.set_layer("key_places", k)
    h = project.layers["hazards"].copy()
    h["responsible_person"] = PERSONAL[3]
    project.set_layer("hazards", h)
    n = len(v)
    project.set_layer("risk_areas", gpd.GeoDataFrame({
        "unit_id": [f"V{i + 1:02d}" for i in range(n)], "name": v["name"].tolist(), "unit_type": ["village"] * n,
        "level": (["red", "orange", "yellow", "blue", "unknown", "orange"])[:n],
        "score": [92.5, 61.0, 30.2, 8.4, np.nan, 48.0][:n], "rank": [1, 2, 4, 5, 0, 3][:n],
        "reasons_zh": ["木结构占比高；连片 207 户"] * n, "completeness": [0.9] * n,
        "c_timber_share": [30.0, 12.0, 5.0, 1.0, np.nan, 9.0][:n]}, geometry=v.geometry.values, crs=v.crs))
    return project


@pytest.fixture(scope="module")
def book(analysed, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "tables.xlsx"
    result = export_xlsx(analysed, out, lang="zh_CN", office="测试乡安委办")
    return result, load_workbook(out)


def cell_fill(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:].lower()


def test_sheets_and_headers(book):
    result, wb = book
    assert wb.sheetnames == SHEETS_ZH == result.extra["sheets"]
    pr = wb["重点区域排序"]
    assert [pr.cell(3, c).value for c in range(1, 9)] == ["排名", "区域编号", "区域名称", "类型", "风险等级", "分值",
                                                         "主要原因", "数据完整度"]
    assert "重点风险区域排序表" in pr["A1"].value and "内部资料 注意保存" in [c.value for c in pr[2]]
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None and int(ws.freeze_panes[1:].lstrip("ABCDEFGH") or 0) >= 4, ws.title
        assert ws.column_dimensions["A"].width >= 6


def test_priority_sheet_matches_the_risk_layer_with_level_colours(book, analysed):
    _result, wb = book
    ws = wb["重点区域排序"]
    rows = D.priority_rows(analysed, lang="zh_CN")
    first = 5  # title, subtitle, grouped header (contributions), header
    assert ws.freeze_panes == "D5"
    for i, r in enumerate(rows):
        row = [c.value for c in ws[first + i]]
        assert row[2] == r.name
        assert row[0] == r.rank
        assert cell_fill(ws.cell(first + i, 5)) == r.level.colour.lstrip("#")
    assert ws.cell(first, 5).value == "重大风险" and ws.cell(first, 6).value == pytest.approx(92.5)
    assert ws.cell(first, 6).number_format == "0.0" and ws.cell(first, 8).number_format == "0.0%"


def test_clusters_flagged_first(book, analysed):
    _result, wb = book
    ws = wb["集中连片村寨"]
    flags = [ws.cell(r, 3).value for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value is not None]
    assert len(flags) == len(analysed.layers["clusters"])
    if "是" in flags and "否" in flags:
        assert flags.index("否") > max(i for i, f in enumerate(flags) if f == "是")


def test_chimney_and_steel_buildings_and_proposed_hydrants(book, analysed):
    _result, wb = book
    b = analysed.layers["buildings"]
    flagged = (b["chimney_candidate"].fillna(False).astype(bool) | b["steel_or_panel"].fillna(False).astype(bool)).sum()
    ws = wb["烟囱楼与钢结构"]
    assert ws.max_row - 3 == flagged
    hy = wb["建议新增消火栓"]
    assert [hy.cell(r, 1).value for r in range(4, hy.max_row + 1)] == list(range(1, len(analysed.layers["proposed_hydrants"]) + 1))


def test_weekly_progress_table_by_village(book, analysed):
    _result, wb = book
    ws = wb["分村周推进表"]
    assert "每周推进情况表" in ws["A1"].value and "测试乡安委办" in ws["A2"].value
    assert ws.cell(3, 5).value == "集中连片村寨" and ws.cell(4, 5).value.startswith("集中连片村寨")
    assert ws.freeze_panes == "C5"
    names = analysed.layers["villages"]["name"].tolist()
    assert [ws.cell(5 + i, 2).value for i in range(len(names))] == names
    total = 5 + len(names)
    assert ws.cell(total, 2).value == "合计"
    assert ws.cell(total, 4).value == sum(ws.cell(5 + i, 4).value or 0 for i in range(len(names)))
    assert cell_fill(ws.cell(5, 20)) == "e53935"  # 风险等级 of the first village: red


def test_no_personal_data_anywhere(book):
    _result, wb = book
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    assert not any(p in value for p in PERSONAL), (ws.title, value)


def test_english_headers_and_no_risk(town, tmp_path):
    project = fresh(town)
    project.remove_layer("risk_areas")
    out = tmp_path / "en.xlsx"
    export_xlsx(project, out, lang="en")
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "Priority areas" and wb["Priority areas"].cell(3, 1).value == "Rank"
    assert "Risk assessment not run" in wb["Priority areas"].cell(4, 1).value
    assert "not analysed" in wb["Chimney and steel"].cell(4, 1).value.lower()
