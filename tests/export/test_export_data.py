"""What goes into the exports: levels, the priority table, per-area figures, extents, privacy (no Qt)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from fireriskmap.core.project import Project
from fireriskmap.export import data as D

GK = "EPSG:4545"
X0, Y0 = 500_000.0, 2_900_000.0


def fresh(project) -> Project:
    """A copy of a (session) project whose layers can be changed."""
    out = Project.new(project.crs, name=project.name)
    for kind, gdf in project.layers.items():
        out.layers[kind] = gdf.copy()
    out.metadata.update(project.metadata)
    return out


def add_risk(project, *, with_labels: bool = True) -> Project:
    """A hand-made risk_areas layer over the town's six villages (as the risk step writes it)."""
    v = project.layers["villages"]
    n = len(v)
    levels = ["red", "orange", "yellow", "blue", "unknown", "orange"][:n]
    data = {
        "unit_id": [f"V{i + 1:02d}" for i in range(n)], "name": v["name"].tolist(), "unit_type": ["village"] * n,
        "score": [92.5, 61.0, 30.2, 8.4, np.nan, 48.0][:n], "level": levels, "rank": [1, 2, 4, 5, 0, 3][:n],
        "reasons_zh": ["木结构占比 68%；最大连片 207 户；水源覆盖 12%", "烟囱楼 12 栋", "钢结构 3 栋", "", "", "响应 7 分钟"][:n],
        "reasons_en": ["timber 68%; cluster 207 households; water 12%", "12 chimney", "3 steel", "", "", "7 min"][:n],
        "completeness": [0.95, 0.9, 0.8, 0.85, 0.3, 0.9][:n],
        "c_timber_share": [30.1, 12.0, 5.0, 1.0, np.nan, 9.0][:n],
    }
    if with_labels:
        zh = {"red": "重大风险", "orange": "较大风险", "yellow": "一般风险", "blue": "低风险", "unknown": "数据不足"}
        colour = {"red": "#e53935", "orange": "#fb8c00", "yellow": "#fdd835", "blue": "#1e88e5", "unknown": "#9e9e9e"}
        data["level_zh"] = [zh[c] for c in levels]
        data["level_en"] = [c.title() for c in levels]
        data["colour"] = [colour[c] for c in levels]
    project.set_layer("risk_areas", gpd.GeoDataFrame(data, geometry=v.geometry.values, crs=v.crs))
    return project


def test_level_info_uses_the_area_colour_then_the_scheme_then_the_builtin_table():
    info = D.level_info("red", label="红（重大）", colour="#ff0000")
    assert (info.label, info.colour, info.text_colour, info.order) == ("红（重大）", "#ff0000", "#ffffff", 0)
    assert D.level_info("yellow").text_colour == "#000000"  # dark text on yellow
    old = D.level_info("major")  # codes of earlier versions
    assert old.order == 0 and old.colour == "#e53935" and "重大" in old.label
    unknown = D.level_info(None)
    assert unknown.unknown and unknown.order > 10
    assert D.short_level(D.level_info("x", label="红（重大风险）")) == "红"


def test_priority_rows_follow_the_risk_layer(town):
    project = add_risk(fresh(town))
    rows = D.priority_rows(project, lang="zh_CN")
    risk = project.layers["risk_areas"]
    ranked = risk[risk["rank"] > 0].sort_values("rank")
    assert [r.name for r in rows][:5] == ranked["name"].tolist()
    top = rows[0]
    assert top.rank == 1 and top.level.code == "red" and top.level.label == "重大风险" and top.level.top
    assert top.score == pytest.approx(92.5)
    assert top.reasons == ["木结构占比 68%", "最大连片 207 户", "水源覆盖 12%"]
    assert top.indicators == {"c_timber_share": pytest.approx(30.1)}
    last = rows[-1]  # not ranked (too little data): last, without a rank
    assert last.rank is None and last.level.unknown
    en = D.priority_rows(project, lang="en")
    assert en[0].reasons[0].startswith("timber") and en[0].level.label == "Red"


def no_risk(project) -> Project:
    project.remove_layer("risk_areas")
    return project


def test_priority_rows_without_the_risk_layer_is_none(town):
    project = no_risk(fresh(town))
    assert D.priority_rows(project) is None
    assert D.level_counts(project) is None
    figures = D.summary_figures(project, lang="zh_CN")
    assert figures[0].text == "风险评估尚未运行"


def test_older_level_codes_without_ranks_still_make_a_table(town):
    rows = D.priority_rows(fresh(town))  # the fixture's risk layer: major/high/... and no rank
    assert [r.level.code for r in rows] == ["major", "high", "high", "moderate", "low", "unknown"]
    assert rows[1].score > rows[2].score  # same level: higher score first
    assert rows[0].level.colour == "#e53935" and rows[0].level.label == "重大风险"
    assert [lv.code for lv, _n in D.level_counts(fresh(town))] == ["major", "high", "moderate", "low", "unknown"]


def test_level_counts_and_export_style(town):
    project = add_risk(fresh(town), with_labels=False)
    counts = {lv.code: n for lv, n in D.level_counts(project)}
    assert counts["orange"] == 2 and counts["red"] == 1 and counts["unknown"] == 1
    from fireriskmap.render.style import default_style

    style = D.export_style(project, default_style())
    classes = style.layers["risk_areas"].classes
    assert classes["red"].fill == D.level_info("red", project=project).colour
    assert classes["unknown"].pattern == "bdiag"
    # drawn in level order: the legend reads red, orange, yellow, blue, unknown
    assert list(classes)[:5] == ["red", "orange", "yellow", "blue", "unknown"]


def test_area_stats_counts_inside_each_area():
    project = Project.new(GK, name="t")
    project.set_layer("buildings", gpd.GeoDataFrame(
        {"structure": ["timber", "timber", "steel", "brick_concrete"], "households": [2, 1, 0, 3],
         "chimney_candidate": [True, False, False, None], "steel_or_panel": [False, False, True, False],
         "water_covered": [True, False, None, True], "within_5min": [True, True, False, False]},
        geometry=[box(X0 + 10, Y0 + 10, X0 + 20, Y0 + 20), box(X0 + 30, Y0 + 10, X0 + 40, Y0 + 20),
                  box(X0 + 510, Y0 + 10, X0 + 520, Y0 + 20), box(X0 + 530, Y0 + 10, X0 + 540, Y0 + 20)], crs=GK))
    project.set_layer("hazards", gpd.GeoDataFrame(
        {"found_date": ["2026-12-01"] * 3, "hazard_type": ["wiring"] * 3, "severity": ["major", "general", "major"],
         "status": ["open", "closed", "overdue"]},
        geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 60, Y0 + 50), Point(X0 + 560, Y0 + 50)], crs=GK))
    areas = gpd.GeoSeries([box(X0, Y0, X0 + 500, Y0 + 500), box(X0 + 500, Y0, X0 + 1000, Y0 + 500)], crs=GK)
    s = D.area_stats(project, areas)
    assert s["buildings"].tolist() == [2, 2]
    assert s["households"].tolist() == [3, 3]
    assert s["chimney"].tolist() == [1, 0] and s["steel"].tolist() == [0, 1]
    assert s["timber_share"].tolist() == [1.0, 0.0]
    assert s["water_share"].tolist() == [0.5, 1.0]  # unknown is not counted as uncovered
    assert s["share_5min"].tolist() == [1.0, 0.0]
    assert s["hazards"].tolist() == [2, 1] and s["hazards_closed"].tolist() == [1, 0]
    assert s["hazards_major_open"].tolist() == [1, 1] and s["hazards_overdue"].tolist() == [0, 1]
    assert math.isnan(D.area_stats(Project.new(GK), areas)["water_share"].iloc[0])


def test_village_table_sums_and_takes_the_risk_level(town):
    project = add_risk(fresh(town))
    table = D.village_table(project, lang="zh_CN")
    assert table["name"].tolist() == project.layers["villages"]["name"].tolist()
    assert table["buildings"].sum() <= len(project.layers["buildings"])
    assert table["buildings"].sum() >= 0.95 * len(project.layers["buildings"])
    # households: the village layer's figure when filled in
    assert table["households"].tolist() == project.layers["villages"]["households"].astype(float).tolist()
    assert table["risk_level"].iloc[0].code == "red" and table["risk_score"].iloc[0] == pytest.approx(92.5)
    assert table["hazards"].sum() == len(project.layers["hazards"])


def test_resolve_extent(town):
    name = town.layers["villages"]["name"].iloc[2]
    focus = D.resolve_extent(town, f"village:{name}")
    geom = town.layers["villages"].geometry.iloc[2]
    x0, y0, x1, y1 = focus.extent
    gx0, gy0, gx1, gy1 = geom.bounds
    assert x0 < gx0 and y0 < gy0 and x1 > gx1 and y1 > gy1 and focus.name == name
    assert D.resolve_extent(town, "500000,2900000,501000,2901000").extent == (500000, 2900000, 501000, 2901000)
    assert D.resolve_extent(town, None) is None
    with pytest.raises(D.ExportError, match="不存在村"):
        D.resolve_extent(town, "village:不存在村")
    with pytest.raises(ValueError):  # ExportError is a ValueError
        D.resolve_extent(town, "somewhere")


def test_personal_fields_are_never_public():
    personal = D.personal_field_names()
    assert {"contact", "phone", "manager", "responsible_person"} <= personal
    cols = D.public_columns("villages", ["name", "households", "contact", "phone", "elderly_alone", "geometry"])
    assert cols == ["name", "households", "elderly_alone"]  # counts of vulnerable residents only
    # a column named like a personal field of another layer is personal everywhere
    assert D.public_columns("buildings", ["name", "phone"]) == ["name"]


def test_crs_note_and_sources(town):
    note = D.crs_note(town, "zh_CN")
    assert "CGCS2000" in note and "108" in note and "EPSG:4545" in note
    assert "CGCS2000" in D.crs_note(town, "en")
    assert D.sources_note(town, "zh_CN").startswith("数据来源")
    assert D.format_date(__import__("datetime").date(2027, 1, 20), "zh_CN") == "2027 年 1 月 20 日"
    assert D.season_label(__import__("datetime").date(2027, 1, 20), "zh_CN").startswith("2026")
