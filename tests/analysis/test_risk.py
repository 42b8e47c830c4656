"""Risk scoring on hand-made townships with answers worked out by hand.

The small model used in most tests (``tiny_model``): three indicators with linear normalisation,

    timber   share of timber buildings          n = share            weight 0.5
    water    share of buildings beyond water    n = share            weight 0.3
    chimney  chimney-building candidates        n = count / 4        weight 0.2

on three 1 km × 1 km villages: 甲村 (4 buildings: 2 timber, 2 uncovered, 1 chimney candidate),
乙村 (2 timber buildings, both uncovered, no candidate) and 丙村 (no buildings).
By hand: 甲村 = 100 × (0.5·0.5 + 0.3·0.5 + 0.2·0.25) = 45; 乙村 = 100 × (0.5·1 + 0.3·1 + 0) = 80.
"""

from __future__ import annotations

import json
import tomllib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from fireriskmap import i18n
from fireriskmap.analysis.pipeline import analyse, apply_outcome
from fireriskmap.analysis.risk import (DEFAULT_MODEL_PATH, RiskInputError, RiskModelError, hit_curve, load_model,
                                       priorities, score_areas, season_multipliers)
from fireriskmap.analysis.risk.levels import assign_levels
from fireriskmap.cli import main
from fireriskmap.core.project import Project
from fireriskmap.errors import Cancelled

CRS = "EPSG:4545"
X0, Y0 = 500_000.0, 2_900_000.0


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_current", None)
    monkeypatch.delenv("FIRERISKMAP_LANG", raising=False)


def houses(xs, y, size=10.0):
    return [shapely.box(x, y, x + size, y + size) for x in xs]


def village_boxes(n):
    return [shapely.box(X0 + 1000 * i, Y0, X0 + 1000 * (i + 1), Y0 + 1000) for i in range(n)]


def tiny_project(*, water_layers: bool = True) -> Project:
    p = Project.new(CRS, name="测试乡")
    p.set_layer("villages", gpd.GeoDataFrame({
        "name": ["甲村", "乙村", "丙村"], "population": [100, 50, 20], "resident_population": [90, 40, 20],
        "elderly_alone": [9, 2, 1], "left_behind_children": [3, 2, 1], "disabled": [3, None, 0],
        "contact": ["张三丰", "李四光", "王五"], "phone": ["13800001111", "13900002222", "13700003333"],
    }, geometry=village_boxes(3), crs=CRS))
    geoms = houses([X0 + 100, X0 + 130, X0 + 160, X0 + 190], Y0 + 100) + houses([X0 + 1100, X0 + 1130], Y0 + 100)
    p.set_layer("buildings", gpd.GeoDataFrame({
        "structure": ["timber", "timber", "brick_concrete", "reinforced_concrete", "timber", "timber"],
        "storeys": pd.array([3, 2, 2, 2, 1, 1], dtype="Int64"),
        "households": pd.array([1, 1, 1, 1, 2, 2], dtype="Int64"),
        "occupants": pd.array([4, 3, 3, 2, 5, 5], dtype="Int64"),
        "chimney_candidate": pd.array([True, False, False, False, False, False], dtype="boolean"),
        "high_rise": pd.array([False] * 6, dtype="boolean"),
        "steel_or_panel": pd.array([False] * 6, dtype="boolean"),
        "water_covered": pd.array([False, False, True, True, False, False], dtype="boolean"),
        "within_5min": pd.array([True, True, True, True, False, False], dtype="boolean"),
        "response_s": [200.0, 200.0, 220.0, 240.0, 900.0, 960.0],
        "cluster_id": pd.array([1, 1, -1, -1, 2, 2], dtype="Int64"),
    }, geometry=geoms, crs=CRS))
    if water_layers:
        p.set_layer("hydrants", gpd.GeoDataFrame({"name": ["1号"], "working": [True]},
                                                 geometry=[shapely.Point(X0 + 180, Y0 + 150)], crs=CRS))
    p.set_layer("clusters", gpd.GeoDataFrame(
        {"cluster_id": [1, 2], "buildings": [2, 2], "households": [2, 4], "village": ["甲村", "乙村"]},
        geometry=[shapely.box(X0 + 100, Y0 + 100, X0 + 140, Y0 + 110), shapely.box(X0 + 1100, Y0 + 100,
                                                                                 X0 + 1140, Y0 + 110)], crs=CRS))
    return p


def base_model() -> dict:
    with open(DEFAULT_MODEL_PATH, "rb") as fh:
        return tomllib.load(fh)


def tiny_model(**changes) -> dict:
    m = base_model()
    m["indicators"] = [
        {"key": "timber", "group": "hazard", "weight": 0.5, "zh": "木结构占比", "en": "Timber share", "measure": "share",
         "inputs": {"where": {"structure": ["timber"]}}, "normalise": {"method": "linear", "points": [[0, 0], [1, 1]]},
         "reason": {"zh": "{pct}% 建筑为木结构", "en": "{pct}% timber buildings"}},
        {"key": "water", "group": "capability", "weight": 0.3, "zh": "消防水源覆盖", "en": "Water coverage",
         "measure": "share", "inputs": {"flag": "water_covered", "flag_value": False,
                                         "requires_layers": ["hydrants", "water_sources"]},
         "normalise": {"method": "linear", "points": [[0, 0], [1, 1]]},
         "reason": {"zh": "{pct}% 建筑不在消防水源150米覆盖内", "en": "{pct}% of buildings beyond 150 m of water"}},
        {"key": "chimney", "group": "hazard", "weight": 0.2, "zh": "烟囱楼候选", "en": "Chimney candidates",
         "measure": "count", "inputs": {"flag": "chimney_candidate", "known": ["storeys", "height"]},
         "normalise": {"method": "linear", "points": [[0, 0], [4, 1]]},
         "reason": {"zh": "{n} 个烟囱楼候选", "en": "{n} chimney-building candidates"}},
    ]
    m["seasons"] = {"periods": [], "lunar_new_year": {}}
    m.pop("ahp", None)
    for key, value in changes.items():
        table, _, name = key.partition("__")
        if name:
            m.setdefault(table, {})[name] = value
        else:
            m[key] = value
    return m


def by_name(result):
    return result.areas.set_index("name")


# -- the model ------------------------------------------------------------------------------------

def test_default_model_is_valid_and_sums_to_one():
    m = load_model()
    assert abs(m.weights().sum() - 1) < 1e-9 and not m.issues
    assert set(m.group_weights().index) == {"hazard", "exposure", "capability", "history"}
    assert {"timber", "cluster", "chimney", "steel", "water", "response", "fire_lane", "people", "vulnerable",
            "open_hazards", "incidents"} <= set(m.keys)
    assert m.scheme == "standard" and [lv.code for lv in m.active_scheme.levels] == ["red", "orange", "yellow", "blue"]
    assert m.thresholds == (75, 35, 15)
    h = m.ahp_weights()  # the shipped judgement matrices are consistent
    assert h.groups.cr < 0.1 and all(r.cr < 0.1 for r in h.members.values())
    assert abs(h.weights.sum() - 1) < 1e-9


@pytest.mark.parametrize("change, key", [
    (lambda m: m["indicators"][0].update(measure="magic"), "indicators.timber.measure"),
    (lambda m: m["indicators"][0].update(group="nowhere"), "indicators.timber.group"),
    (lambda m: m["indicators"][0]["reason"].update(zh="{households} 户"), "indicators.timber.reason.zh"),
    (lambda m: m["levels"].update(thresholds=[75, 35]), "levels.thresholds"),
    (lambda m: m["levels"].update(scheme="rainbow"), "levels.scheme"),
    (lambda m: m["indicators"][1].update(weight=-0.1), "indicators.water.weight"),
    (lambda m: m["indicators"][2]["normalise"].update(points=[[4, 0], [0, 1]]), "indicators.chimney.normalise.points"),
    (lambda m: m.update(seasons={"periods": [{"key": "x", "zh": "x", "en": "x", "start": "13-01", "end": "01-02"}]}),
     "seasons.periods.x.start"),
    (lambda m: m.update(seasons={"periods": [{"key": "x", "zh": "x", "en": "x", "start": "01-01", "end": "01-02",
                                              "multipliers": {"nothing": 2}}]}), "seasons.periods.x.multipliers"),
])
def test_bad_model_names_the_key(change, key):
    m = tiny_model()
    change(m)
    with pytest.raises(RiskModelError) as info:
        load_model(m)
    assert info.value.params["key"] == key
    assert key in info.value.message("en") and "风险模型" in info.value.message("zh_CN")


def test_bad_toml_file_names_the_file(tmp_path):
    bad = tmp_path / "office.toml"
    bad.write_text("version = 1\n[[indicators]\n", encoding="utf-8")
    with pytest.raises(RiskModelError) as info:
        load_model(bad)
    assert info.value.params["file"] == "office.toml"


def test_weights_not_summing_to_one_are_scaled_with_a_message():
    m = tiny_model()
    for ind, w in zip(m["indicators"], (1.0, 0.6, 0.4)):  # sums to 2
        ind["weight"] = w
    model = load_model(m)
    assert model.weights().to_dict() == pytest.approx({"timber": 0.5, "water": 0.3, "chimney": 0.2})
    assert any("2.000" in msg.render("en") and "scaled" in msg.render("en") for msg in model.issues)
    # the same through the settings an office changes
    model = load_model(tiny_model(), settings={"risk.weights": {"timber": 0.7}})
    assert model.weights()["timber"] == pytest.approx(0.7 / 1.2)
    assert model.issues
    with pytest.raises(RiskModelError):
        load_model(tiny_model(), settings={"risk.weights": {"nonsense": 1}})


def test_normalisations_by_hand():
    from fireriskmap.analysis.risk.model import Normalisation

    x = np.array([2.0, 4.0, 6.0, np.nan])
    assert np.allclose(Normalisation("minmax").apply(x), [0, 0.5, 1, np.nan], equal_nan=True)
    assert Normalisation("minmax").apply(np.array([3.0, 3.0])).tolist() == [0.5, 0.5]
    ranks = Normalisation("percentile").apply(np.array([10.0, 20, 20, 40]))  # mean ranks 1, 2.5, 2.5, 4
    assert ranks.tolist() == pytest.approx([0, 0.5, 0.5, 1])
    steps = Normalisation("linear", ((0, 0), (50, 0.5), (200, 1))).apply(np.array([-5.0, 25, 125, 999]))
    assert steps.tolist() == pytest.approx([0, 0.25, 0.75, 1])
    assert Normalisation("linear", ((0, 0), (1, 1)), "lower_worse").apply(np.array([0.2])).tolist() == pytest.approx([0.8])


def test_settings_change_the_model():
    m = load_model(settings={"risk.normalise.timber": {"method": "percentile"}, "risk.seasons.heating": False,
                             "risk.seasons.new_year": {"multipliers": {"people": 2.0}}, "risk.scheme": "hainan",
                             "risk.level_method": "quantiles", "risk.units": "hex:250", "other.key": 1})
    assert m.indicator("timber").normalise.method == "percentile"
    assert "heating" not in [p.key for p in m.periods]
    assert next(p for p in m.periods if p.key == "new_year").multipliers == {"people": 2.0}
    assert [lv.code for lv in m.active_scheme.levels] == ["red", "yellow", "blue", "green"] and m.units == "hex:250"
    for bad in ({"risk.seasons.nothing": False}, {"risk.thresholds": [80, 90, 10]}, {"risk.thresholds": "high"},
                {"risk.level_method": "feelings"}, {"risk.units": "counties"}):
        with pytest.raises(RiskModelError):
            load_model(settings=bad)


# -- scores, contributions, unknowns ------------------------------------------------------------------

def test_scores_and_contributions_by_hand():
    p = tiny_project()
    before = {k: v.copy() for k, v in p.layers.items()}
    r = score_areas(p, model=tiny_model(), date="2027-06-01")
    for kind, gdf in before.items():  # the project is not changed
        pd.testing.assert_frame_equal(p.layers[kind], gdf)
    a = by_name(r)
    assert a.loc["甲村", "score"] == pytest.approx(45.0)
    assert a.loc["乙村", "score"] == pytest.approx(80.0)
    assert a.loc["甲村", ["c_timber", "c_water", "c_chimney"]].tolist() == pytest.approx([25.0, 15.0, 5.0])
    contrib = a[["c_timber", "c_water", "c_chimney"]].sum(axis=1, min_count=1)
    assert np.allclose(contrib[["甲村", "乙村"]], a.loc[["甲村", "乙村"], "score"])
    assert a.loc["甲村", ["v_timber", "v_water", "v_chimney"]].tolist() == pytest.approx([0.5, 0.5, 1.0])
    assert a.loc["乙村", "level"] == "red" and a.loc["甲村", "level"] == "orange"  # 80 > 75; 35 < 45 ≤ 75
    assert a.loc["乙村", "rank"] == 1 and a.loc["甲村", "rank"] == 2
    # 丙村 has no buildings: every indicator unknown → no score, grey, not ranked
    assert np.isnan(a.loc["丙村", "score"]) and a.loc["丙村", "level"] == "unknown"
    assert pd.isna(a.loc["丙村", "rank"]) and a.loc["丙村", "completeness"] == 0
    assert a.loc["丙村", "colour"] == "#9e9e9e"
    assert "数据不足：木结构占比、消防水源覆盖、烟囱楼候选" in a.loc["丙村", "reasons_zh"]
    # reasons in plain words, largest contribution first, both languages
    assert a.loc["甲村", "reasons_zh"] == "50% 建筑为木结构；50% 建筑不在消防水源150米覆盖内；1 个烟囱楼候选"
    assert a.loc["甲村", "reasons_en"] == ("50% timber buildings; 50% of buildings beyond 150 m of water; "
                                         "1 chimney-building candidates")
    assert a.loc["乙村", "reasons_en"] == "100% timber buildings; 100% of buildings beyond 150 m of water"
    assert list(r.areas.columns[:9]) == ["unit_id", "name", "unit_type", "score", "level", "rank", "reasons_zh",
                                         "reasons_en", "completeness"]
    assert r.top(1)["name"].tolist() == ["乙村"]


def test_missing_hydrants_make_water_unknown_not_zero():
    """Without hydrants or water sources the water indicator is unknown: the score is taken over the
    known weight share (0.7): 甲村 = 100 × (0.25 + 0.05) / 0.7 = 42.857; 乙村 = 100 × 0.5 / 0.7 = 71.429."""
    r = score_areas(tiny_project(water_layers=False), model=tiny_model(), date="2027-06-01")
    a = by_name(r)
    assert a.loc["甲村", "score"] == pytest.approx(300 / 7, abs=0.01)
    assert a.loc["乙村", "score"] == pytest.approx(500 / 7, abs=0.01)
    assert a.loc["甲村", "completeness"] == pytest.approx(0.7)
    assert np.isnan(a.loc["甲村", "c_water"])
    assert a.loc["甲村", "c_timber"] + a.loc["甲村", "c_chimney"] == pytest.approx(a.loc["甲村", "score"], abs=0.01)
    assert a.loc["甲村", "reasons_zh"].endswith("数据不足：消防水源覆盖")
    assert a.loc["甲村", "reasons_en"].endswith("unknown: Water coverage")
    assert a.loc["甲村", "unknown"] == "water"
    texts = [m.render("en") for m in r.issues]
    assert any("'Water coverage' is unknown" in t and "Hydrants" in t and "not counted as 0" in t for t in texts)


def test_analysis_not_run_and_empty_storeys_make_indicators_unknown():
    p = tiny_project()
    b = p.layer("buildings").drop(columns=["water_covered"])  # coverage not run
    b["storeys"] = pd.array([None] * len(b), dtype="Int64")  # all storeys empty
    p.set_layer("buildings", b)
    r = score_areas(p, model=tiny_model(), date="2027-06-01")
    a = by_name(r)
    assert a.loc["甲村", "unknown"] == "water,chimney"
    assert a.loc["甲村", "score"] == pytest.approx(50.0)  # timber only: 0.5
    texts = [m.render("zh_CN") for m in r.issues]
    assert any("消防水源覆盖" in t and "尚未进行消防水源覆盖分析" in t for t in texts)
    # completeness 0.5 is still enough (min_completeness 0.5); 0.6 is not
    r = score_areas(p, model=tiny_model(levels__min_completeness=0.6), date="2027-06-01")
    assert (r.areas["level"] == "unknown").all() and r.areas["rank"].isna().all()
    assert r.top(5).empty


def test_village_without_figures_is_unknown_for_that_indicator():
    m = tiny_model()
    m["indicators"].append({
        "key": "vulnerable", "group": "exposure", "weight": 0.25, "zh": "弱势群体比例", "en": "Vulnerable residents",
        "measure": "village_rate", "inputs": {"numerator": ["elderly_alone", "left_behind_children", "disabled"],
                                              "denominator": ["resident_population", "population"]},
        "normalise": {"method": "linear", "points": [[0, 0], [20, 1]]},
        "reason": {"zh": "每百人 {rate} 人", "en": "{rate} per 100 residents"}})
    r = score_areas(tiny_project(), model=m, date="2027-06-01")
    a = by_name(r)
    assert a.loc["甲村", "v_vulnerable"] == pytest.approx(100 * 15 / 90)  # (9 + 3 + 3) / 90 residents
    assert np.isnan(a.loc["乙村", "v_vulnerable"])  # 乙村 left 'disabled' empty: unknown, not 0
    assert a.loc["丙村", "v_vulnerable"] == pytest.approx(10.0)  # 2 / 20, known though it has no buildings
    # the grid gets the village's figures shared out by households
    g = score_areas(tiny_project(), model=m, units="grid:500", date="2027-06-01")
    cell = g.areas.set_index("unit_id").loc["G500_1000_5800"]
    assert cell["v_vulnerable"] == pytest.approx(100 * 15 / 90)


def test_personal_data_never_appears():
    p = tiny_project()
    p.set_layer("key_places", gpd.GeoDataFrame(
        {"name": ["加油站"], "place_type": ["hazardous_goods"], "manager": ["赵六六"], "phone": ["13512345678"]},
        geometry=[shapely.Point(X0 + 500, Y0 + 500)], crs=CRS))
    r = score_areas(p, date="2027-06-01")  # the default model, which reads villages and key places
    text = r.areas.drop(columns="geometry").astype(str).to_csv() + json.dumps(r.to_dict(), ensure_ascii=False)
    for secret in ("张三丰", "李四光", "13800001111", "赵六六", "13512345678"):
        assert secret not in text
    assert not {"contact", "phone", "manager"} & set(r.areas.columns)


def test_default_model_on_a_small_project():
    p = tiny_project()
    p.set_layer("fire_stations", gpd.GeoDataFrame({"name": ["志愿队"], "force_type": ["volunteer"]},
                                                  geometry=[shapely.Point(X0 + 50, Y0 + 50)], crs=CRS))
    r = score_areas(p, date="2027-06-01")
    a = by_name(r)
    assert a.loc["甲村", "v_cluster"] == 2 and a.loc["乙村", "v_cluster"] == 4  # from the clusters layer
    assert a.loc["乙村", "v_response"] == pytest.approx(15.5)  # median of 900 s and 960 s, in minutes
    assert a.loc["甲村", "v_water"] == 2  # households beyond water
    unknown = set(a.loc["甲村", "unknown"].split(","))
    assert {"patrol", "incidents", "open_hazards", "hazardous", "fire_lane"} <= unknown  # no such layers
    assert 0 < a.loc["甲村", "completeness"] < 1
    c = a[[f"c_{k}" for k in r.indicator_keys]].sum(axis=1, min_count=1)
    assert np.allclose(c[["甲村", "乙村"]], a.loc[["甲村", "乙村"], "score"])


# -- levels ---------------------------------------------------------------------------------------

def test_level_thresholds_at_the_boundaries():
    model = load_model(tiny_model())
    scores = np.array([100, 75.01, 75, 35.01, 35, 15.01, 15, 0, np.nan])
    levels, cuts = assign_levels(scores, np.isfinite(scores), model)
    assert levels.tolist() == ["red", "red", "orange", "orange", "yellow", "yellow", "blue", "blue", "unknown"]
    assert cuts.tolist() == [75, 35, 15]


def test_quartiles_and_other_schemes():
    model = load_model(tiny_model(levels__method="quantiles"))
    scores = np.arange(1.0, 9.0)  # 1 … 8: quartile cut points 6.25, 4.5, 2.75
    levels, cuts = assign_levels(scores, np.ones(8, bool), model)
    assert cuts.tolist() == pytest.approx([6.25, 4.5, 2.75])
    assert levels.tolist() == ["blue", "blue", "yellow", "yellow", "orange", "orange", "red", "red"]
    wz = load_model(tiny_model(), settings={"risk.scheme": "wenzhou", "risk.level_method": "quartiles"})
    levels, _ = assign_levels(np.array([10.0, 20, 30, 40]), np.ones(4, bool), wz)
    assert levels.tolist() == ["green", "grey", "yellow", "red"]
    r = score_areas(tiny_project(), model=tiny_model(), date="2027-06-01")
    lv = r.levels
    assert lv.index.tolist() == ["red", "orange", "yellow", "blue", "unknown"]
    assert lv.loc["red", "colour"] == "#e53935" and lv.loc["red", "zh"] == "重大风险" and lv.loc["red", "count"] == 1
    assert r.level_counts() == {"red": 1, "orange": 1, "yellow": 0, "blue": 0, "unknown": 1}


# -- seasons ----------------------------------------------------------------------------------------

def test_season_periods_of_the_default_calendar():
    m = load_model()
    sf = season_multipliers("2027-02-06", m)  # 春节 2027 = 6 February, in the heating season too
    assert {p.key for p in sf.periods} == {"heating", "spring_festival"}
    assert sf.multipliers["timber"] == pytest.approx(1.15 * 1.2)
    assert season_multipliers("2027-02-20", m).names("zh_CN") == ["取暖季", "元宵"]  # 正月十五
    assert [p.key for p in season_multipliers("2026-12-31", m).periods] == ["heating", "new_year"]
    assert [p.key for p in season_multipliers("2027年1月2日", m).periods] == ["heating", "new_year"]
    summer = season_multipliers("2027-07-01", m)
    assert not summer.periods and (summer.multipliers == 1).all()
    assert "不在任何重点时段" in summer.issues[0].render("zh_CN")
    far = season_multipliers("2040-02-01", m)  # no Spring Festival date for 2040 in the table
    assert any("2040" in msg.render("en") for msg in far.issues)
    with pytest.raises(RiskInputError):
        season_multipliers("next Tuesday", m)


def test_score_with_a_season_multiplier_inside_and_outside_the_period():
    """A period in January multiplies timber by 1.5: 甲村 0.5 → 0.75, 乙村 1 → capped at 1.
    Inside: 甲村 = 100 × (0.5·0.75 + 0.3·0.5 + 0.2·0.25) = 57.5; outside it stays 45."""
    m = tiny_model()
    m["seasons"] = {"periods": [{"key": "test", "zh": "测试期", "en": "Test period", "start": "01-01", "end": "01-31",
                                 "multipliers": {"timber": 1.5}}]}
    inside = by_name(score_areas(tiny_project(), model=m, date="2027-01-15"))
    outside = by_name(score_areas(tiny_project(), model=m, date="2027-02-15"))
    assert inside.loc["甲村", "score"] == pytest.approx(57.5) and outside.loc["甲村", "score"] == pytest.approx(45.0)
    assert inside.loc["乙村", "score"] == pytest.approx(80.0)  # capped: n stays ≤ 1
    assert inside.loc["甲村", "c_timber"] == pytest.approx(37.5)


# -- weighting -----------------------------------------------------------------------------------------

def test_weighting_methods():
    p = tiny_project()
    direct = score_areas(p, model=tiny_model(), date="2027-06-01")
    ent = score_areas(p, model=tiny_model(weighting__method="entropy"), date="2027-06-01")
    comb = score_areas(p, model=tiny_model(weighting__method="combined", weighting__alpha=0.5), date="2027-06-01")
    assert ent.weights.sum() == pytest.approx(1) and comb.weights.sum() == pytest.approx(1)
    assert comb.weights.to_numpy() == pytest.approx(0.5 * direct.weights.to_numpy() + 0.5 * ent.weights.to_numpy())
    m = tiny_model(weighting__method="ahp")
    m["ahp"] = {"groups": {"order": ["hazard", "capability"], "matrix": [[1, 3], [1 / 3, 1]]},
                "hazard": {"order": ["timber", "chimney"], "matrix": [[1, 2], [0.5, 1]]}}
    ahp = score_areas(p, model=m, date="2027-06-01")
    assert ahp.weights.to_dict() == pytest.approx({"timber": 0.5, "water": 0.25, "chimney": 0.25})
    m["ahp"]["groups"]["matrix"] = [[1, 3], [3, 1]]  # not reciprocal: refused where the model is loaded
    with pytest.raises(RiskModelError) as info:
        load_model(m)
    assert info.value.params["key"] == "ahp"


# -- units ------------------------------------------------------------------------------------------

def test_square_and_hex_grids():
    p = tiny_project()
    r = score_areas(p, model=tiny_model(), units="grid:100", date="2027-06-01")
    # 甲村's houses at x = 100 … 200 m (representative points 105 … 195) fall in cells 1 and 1 (x) …
    ids = sorted(r.areas["unit_id"])
    assert ids == ["G100_5001_29001", "G100_5011_29001"]
    assert (r.areas.geometry.area == 10_000).all() and set(r.areas["unit_type"]) == {"grid"}
    assert r.areas.set_index("unit_id").loc["G100_5011_29001", "name"] == "乙村 G100_5011_29001"
    h = score_areas(p, model=tiny_model(), units="hex:250", date="2027-06-01")
    hexes = h.areas.geometry
    assert np.allclose(hexes.area, 250 ** 2 * np.sqrt(3) / 2)  # across flats 250 m
    pts = p.layer("buildings").geometry.representative_point()
    inside = np.array([[hx.contains(pt) for hx in hexes] for pt in pts])
    assert (inside.sum(axis=1) == 1).all()  # every building in exactly one hex
    assert h.areas["v_timber"].notna().all()


def test_cluster_units_and_unit_errors():
    p = tiny_project()
    r = score_areas(p, model=tiny_model(), units="clusters", date="2027-06-01")
    a = r.areas.set_index("unit_id")
    assert a.index.tolist() == ["C1", "C2"] and a.loc["C1", "name"] == "甲村 C1"
    assert a.loc["C1", "v_timber"] == 1.0 and a.loc["C1", "v_water"] == 1.0  # the two timber houses of 甲村
    p.remove_layer("clusters")
    with pytest.raises(RiskInputError):
        score_areas(p, model=tiny_model(), units="clusters")
    p.remove_layer("villages")
    with pytest.raises(RiskInputError) as info:
        score_areas(p, model=tiny_model(), units="villages")
    assert "grid:500" in info.value.message("en")
    assert len(score_areas(p, model=tiny_model(), units="auto").areas) == 2  # falls back to the grid
    with pytest.raises(RiskInputError):
        score_areas(p, model=tiny_model(), units="grid:abc")


# -- sensitivity and back-test -------------------------------------------------------------------------

def two_indicator_project() -> tuple[Project, dict]:
    """Villages A: one timber covered house; B: one brick uncovered; C: one of each.
    n(A) = (1, 0), n(B) = (0, 1), n(C) = (0.5, 0.5); weights 0.52 / 0.48 → A 52, C 50, B 48."""
    p = Project.new(CRS, name="敏感性")
    p.set_layer("villages", gpd.GeoDataFrame({"name": ["A", "B", "C"]}, geometry=village_boxes(3), crs=CRS))
    p.set_layer("buildings", gpd.GeoDataFrame({
        "structure": ["timber", "brick_concrete", "timber", "brick_concrete"],
        "water_covered": pd.array([True, False, True, False], dtype="boolean")},
        geometry=houses([X0 + 100], Y0 + 100) + houses([X0 + 1100], Y0 + 100) + houses([X0 + 2100, X0 + 2200], Y0 + 100),
        crs=CRS))
    p.set_layer("hydrants", gpd.GeoDataFrame({"working": [True]}, geometry=[shapely.Point(X0, Y0)], crs=CRS))
    m = tiny_model()
    m["indicators"] = m["indicators"][:2]
    m["indicators"][0]["weight"], m["indicators"][1]["weight"] = 0.52, 0.48
    return p, m


def test_sensitivity_on_a_tiny_case():
    """±20 % on each weight (renormalised): timber −20 % → (0.4643, 0.5357) puts B (53.6) over C (50) over
    A (46.4); water +20 % likewise; the other two keep the order. Spearman ρ: +1 twice, −1 twice."""
    p, m = two_indicator_project()
    r = score_areas(p, model=m, date="2027-06-01")
    assert by_name(r)["score"].to_dict() == pytest.approx({"A": 52.0, "B": 48.0, "C": 50.0})
    s = r.sensitivity(change=0.2, top=1)
    scen = s.scenarios.set_index(["indicator", "change"])["spearman"]
    assert scen.to_dict() == pytest.approx({("timber", 0.2): 1.0, ("timber", -0.2): -1.0,
                                            ("water", 0.2): -1.0, ("water", -0.2): 1.0})
    assert s.spearman_min == pytest.approx(-1.0) and s.spearman_mean == pytest.approx(0.0)
    ranges = s.areas.set_index("unit_id")[["rank_min", "rank_max"]]
    assert ranges.loc["V01"].tolist() == [1, 3] and ranges.loc["V02"].tolist() == [1, 3]
    assert ranges.loc["V03"].tolist() == [2, 2]
    assert s.robust_top() == []  # A is first only half of the time
    assert s.areas.set_index("unit_id").loc["V01", "top_share"] == pytest.approx(0.6)  # base + 2 of 4 scenarios
    assert len(r.sensitivity(samples=50, seed=1).scenarios) == 4 + 50


def test_hit_curve_by_hand():
    """Scores 90, 60, 30, 10 with 2, 0, 1, 1 incidents: cumulative 0.5, 0.5, 0.75, 1 at x = ¼ … 1;
    AUC = ¼·(0.25 + 0.5 + 0.625 + 0.875) = 0.5625. People 10, 40, 30, 20 order B, C, D, A:
    0, 0.25, 0.5, 1 → AUC = ¼·(0 + 0.125 + 0.375 + 0.75) = 0.3125."""
    counts = np.array([2, 0, 1, 1])
    x, y, auc = hit_curve(np.array([90, 60, 30, 10.0]), counts)
    assert y.tolist() == [0, 0.5, 0.5, 0.75, 1.0] and auc == pytest.approx(0.5625)
    _, yb, auc_b = hit_curve(np.array([10, 40, 30, 20.0]), counts)
    assert yb.tolist() == [0, 0, 0.25, 0.5, 1.0] and auc_b == pytest.approx(0.3125)
    _, _, auc_nan = hit_curve(np.array([np.nan, 60, 30, 10.0]), counts)  # unknown scores go last
    assert auc_nan == pytest.approx(0.25 * (0 + 0.125 + 0.375 + 0.75))


def backtest_project(incidents_xy) -> Project:
    p = Project.new(CRS, name="回测")
    p.set_layer("villages", gpd.GeoDataFrame({"name": list("ABCD")}, geometry=village_boxes(4), crs=CRS))
    counts, people = [9, 6, 3, 1], [[2] + [1] * 8, [10, 10, 10, 5, 3, 2], [10, 10, 10], [20]]
    geoms, occ = [], []
    for v, (n, ppl) in enumerate(zip(counts, people)):
        geoms += houses([X0 + 1000 * v + 50 + 20 * i for i in range(n)], Y0 + 100)
        occ += ppl
    p.set_layer("buildings", gpd.GeoDataFrame({
        "chimney_candidate": pd.array([True] * len(geoms), dtype="boolean"),
        "storeys": pd.array([3] * len(geoms), dtype="Int64"), "occupants": pd.array(occ, dtype="Int64")},
        geometry=geoms, crs=CRS))
    p.set_layer("incidents", gpd.GeoDataFrame(
        {"date": ["2025-01-01"] * len(incidents_xy)},
        geometry=[shapely.Point(X0 + x, Y0 + y) for x, y in incidents_xy], crs=CRS))
    return p


def test_backtest_on_a_hand_made_case():
    m = tiny_model()
    m["indicators"] = [m["indicators"][2]]
    m["indicators"][0]["normalise"]["points"] = [[0, 0], [10, 1]]  # scores 90, 60, 30, 10
    # two fires in A, one in C, one in D, one outside every village
    p = backtest_project([(500, 500), (600, 600), (2500, 500), (3500, 500), (-500, 500)])
    r = score_areas(p, model=m, date="2027-06-01")
    assert r.areas["score"].tolist() == pytest.approx([90, 60, 30, 10])
    assert r.population.tolist() == pytest.approx([10, 40, 30, 20])
    bt = r.backtest()
    assert bt.incidents == 4 and bt.outside == 1
    assert bt.auc == pytest.approx(0.5625) and bt.baseline_auc == pytest.approx(0.3125)
    assert bt.hits[0.25] == pytest.approx(0.5) and not bt.worse_than_baseline
    assert not any("回测" in msg.render("zh_CN") for msg in r.issues)
    # fires in B and C only: the population ranking (B, C first) beats the model → a warning
    p = backtest_project([(1500, 500), (1600, 500), (2500, 500)])
    r = score_areas(p, model=m, date="2027-06-01")
    assert r.backtest().worse_than_baseline
    assert any("Back-test" in msg.render("en") for msg in r.issues)
    assert r.to_dict()["backtest"]["worse_than_baseline"] is True


# -- API, pipeline and CLI ------------------------------------------------------------------------------

def test_progress_and_cancel():
    calls = []
    score_areas(tiny_project(), model=tiny_model(), progress=lambda f, m="": calls.append(f))
    assert calls[-1] == 1.0 and calls == sorted(calls)

    def cancel(fraction, message=""):
        if fraction > 0.3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        score_areas(tiny_project(), model=tiny_model(), progress=cancel)


def test_pipeline_scores_the_fresh_results_and_stores_the_layer(tmp_path):
    p = tiny_project()
    p.settings["risk.level_method"] = "thresholds"
    b = p.layer("buildings").drop(columns=["chimney_candidate", "high_rise", "steel_or_panel"])
    p.set_layer("buildings", b)
    outcome = analyse(p, steps=["classify", "risk"], risk_units="villages", risk_date="2027-01-28")
    assert outcome.steps == ["classify", "risk"]
    assert "risk_areas" not in p.layers  # analyse does not change the project
    # classify ran in the same call: its chimney column was scored, not "analysis not run"
    assert "chimney" not in by_name(outcome.risk).loc["甲村", "unknown"].split(",")
    apply_outcome(p, outcome)
    stored = p.layer("risk_areas")
    assert {"unit_id", "name", "unit_type", "score", "level", "rank", "reasons_zh", "reasons_en",
            "completeness", "c_timber", "c_water", "v_timber"} <= set(stored.columns)
    q = Project.open(p.save(tmp_path / "t.gpkg"))
    layer = q.layer("risk_areas")
    assert layer["level"].tolist() == stored["level"].tolist()
    assert str(layer["rank"].dtype) == "Int64" and layer["reasons_zh"].iloc[0] == stored["reasons_zh"].iloc[0]
    assert q.runs[-1]["params"]["steps"] == ["classify", "risk"]
    assert outcome.headline()["risk_levels"] == outcome.risk.level_counts()
    table = priorities(q, top=5)  # from the stored layer
    assert table["rank"].tolist() == [1, 2] and table["reasons"].iloc[0] == layer.sort_values("rank")["reasons_zh"].iloc[0]


def test_cli_analyse_risk_json_and_priorities(tmp_path, capsys, monkeypatch):
    path = tiny_project().save(tmp_path / "t.gpkg")
    assert main(["analyse", str(path), "--risk", "--date", "2027-01-28", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["steps"] == ["risk"]
    risk = data["risk"]
    assert risk["units"] == "villages" and risk["as_of"] == "2027-01-28"
    assert sum(risk["levels"].values()) == 3 and risk["season"]["periods"] == ["heating"]
    assert risk["top"][0]["rank"] == 1 and risk["top"][0]["reasons_zh"]
    assert "risk_areas" in Project.open(path).layers
    assert main(["analyse", str(path), "--risk", "--units", "grid:500", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Priority areas" in out and "units grid:500" in out
    monkeypatch.setattr(i18n, "_current", None)  # --lang en stays in force in this process
    assert main(["priorities", str(path), "--top", "1", "--json"]) == 0
    pr = json.loads(capsys.readouterr().out)
    assert len(pr["areas"]) == 1 and pr["areas"][0]["rank"] == 1 and pr["areas"][0]["unit_id"].startswith("G500")
    xlsx = tmp_path / "p.xlsx"
    assert main(["priorities", str(path), "--top", "5", "--units", "villages", "--xlsx", str(xlsx)]) == 0
    assert "1." in capsys.readouterr().out
    sheet = pd.read_excel(xlsx)
    assert list(sheet.columns) == ["排名", "编号", "名称", "风险分值", "风险等级", "主要原因", "数据完整度"]
    assert len(sheet) == 2
    assert main(["analyse", str(path), "--risk", "--units", "nonsense"]) == 0  # the step fails, the run reports it
    assert "风险评估失败" in capsys.readouterr().out


def test_cli_ahp(tmp_path, capsys, monkeypatch):
    ok = tmp_path / "ok.csv"
    ok.write_text(",水源,道路\n水源,1,3\n道路,1/3,1\n", encoding="utf-8")
    assert main(["ahp", str(ok), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["weights"] == pytest.approx([0.75, 0.25]) and data["cr"] == 0 and data["labels"] == ["水源", "道路"]
    assert {"weights", "lambda_max", "ci", "cr"} <= set(data)
    bad = tmp_path / "inconsistent.csv"
    bad.write_text("\n".join(",".join(f"{v:.6g}" for v in row) for row in HOUSE_ROWS), encoding="utf-8")
    assert main(["ahp", str(bad), "--json"]) == 1  # CR ≥ 0.10: non-zero exit with the explanation
    data = json.loads(capsys.readouterr().out)
    assert data["cr"] == pytest.approx(0.169, abs=5e-4) and not data["acceptable"]
    assert "不可接受" in data["explanation"] and "“C3”相对“C7”给了 6" in data["explanation"]
    assert main(["ahp", str(bad), "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert "not acceptable" in captured.err and "C1" in captured.out
    monkeypatch.setattr(i18n, "_current", None)
    nonrec = tmp_path / "nonrec.csv"
    nonrec.write_text("1,3\n3,1\n", encoding="utf-8")
    assert main(["ahp", str(nonrec)]) == 2
    assert "不互反" in capsys.readouterr().err


HOUSE_ROWS = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4], [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7], [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8], [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6], [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2], [4, 7, 5, 8, 6, 6, 2, 1],
]
