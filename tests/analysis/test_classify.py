"""Building classes: high-rise, chimney-building candidates, steel / sandwich panel, 三合一."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fireriskmap.analysis.classify import CLASS_COLUMNS, BuildingLayerError, classify_buildings, effective_height
from fireriskmap.i18n import set_language

NYC = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "osm" / "nyc.osm.pbf"


@pytest.fixture(autouse=True)
def chinese():
    set_language("zh_CN")
    yield
    set_language(None)


def one(**values) -> pd.Series:
    """Classify one building given as keyword columns."""
    frame = pd.DataFrame({k: [v] for k, v in values.items()}) if values else pd.DataFrame(index=[0])
    return classify_buildings(frame).iloc[0]


# -- high-rise (GB 50016 2.1.1) -------------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ({"height": 28.0, "use": "residential"}, True),
    ({"height": 27.0, "use": "residential"}, False),  # "greater than" 27 m
    ({"height": 25.0, "use": "office"}, True),
    ({"height": 25.0, "use": "office", "storeys": 1}, False),  # single-storey: not high-rise
    ({"height": 25.0, "use": "dormitory"}, True),  # dormitories follow the 24 m rule (5.1.1 note)
    ({"storeys": 10, "use": "residential"}, True),  # 10 × 3 m = 30 m
    ({"storeys": 9, "use": "residential"}, False),  # 27 m
    ({"storeys": 9, "use": "commercial"}, True),  # 27 m > 24 m
    ({"height": 25.0}, True),  # unknown use: judged as non-residential
])
def test_high_rise(values, expected):
    assert bool(one(**values)["high_rise"]) is expected


def test_high_rise_reasons():
    r = one(height=30.0, use="residential")["high_rise_reason"]
    assert r == "高度 30 m（实测）> 27 m，住宅（GB 50016-2014 2.1.1）"
    r = one(storeys=10, use="residential")["high_rise_reason"]
    assert "按 10 层×3 m 估算" in r
    assert "用途不详" in one(height=25.0)["high_rise_reason"]
    assert one(height=20.0, use="residential")["high_rise_reason"] == ""
    unknown = one(use="residential")
    assert not unknown["high_rise"] and unknown["high_rise_reason"].startswith("数据不足")
    set_language("en")
    assert one(height=30.0, use="residential")["high_rise_reason"] == \
        "height 30 m (measured) > 27 m, residential (GB 50016-2014 2.1.1)"


def test_high_rise_rules_are_settings():
    frame = pd.DataFrame({"height": [26.0], "use": ["residential"]})
    assert not classify_buildings(frame)["high_rise"].iloc[0]
    assert classify_buildings(frame, rules={"buildings.high_rise_residential_m": 25})["high_rise"].iloc[0]
    heights, estimated = effective_height(pd.DataFrame({"height": [None, 12.0], "storeys": [4, 9]}),
                                          rules={"storey_height_m": 3.5})
    assert heights.tolist() == [14.0, 12.0] and estimated.tolist() == [True, False]


# -- chimney-building candidates ------------------------------------------------------------------

SHOP_HOUSE = {"storeys": 4, "use": "shop_residential", "open_stair": True, "stair_count": 1}


def test_chimney_candidate_with_aggravating_flags():
    r = one(**SHOP_HOUSE, anti_theft_bars=True, ebike_indoor=True, self_built=True)
    assert r["chimney_candidate"]
    reason = r["chimney_candidate_reason"]
    assert "4 层" in reason and "一部敞开楼梯" in reason and "下店上宅" in reason
    assert "加重因素：防盗窗，室内停放/充电电动车" in reason and "冬季电取暖" not in reason
    assert "烟囱楼" in reason


@pytest.mark.parametrize("change, expected", [
    ({}, True),
    ({"stair_count": 2}, False),  # a second stair
    ({"open_stair": False}, False),  # enclosed stair
    ({"storeys": 2}, False),
    ({"use": "residential"}, False),  # no mixed use
    ({"use": "residential", "ground_commercial": True}, True),  # ground-floor business
    ({"use": "rental"}, True),  # rooms let to tenants
    ({"use": "commercial", "people_sleep_inside": True}, True),
    ({"self_built": False}, False),  # built by a developer
])
def test_chimney_rule(change, expected):
    assert bool(one(**{**SHOP_HOUSE, **change})["chimney_candidate"]) is expected


def test_chimney_with_unknown_stair_or_storeys():
    unknown_stair = {"storeys": 3, "use": "rental"}
    r = one(**unknown_stair)
    assert r["chimney_candidate"] and "楼梯情况不详，需现场核查" in r["chimney_candidate_reason"]
    frame = pd.DataFrame({k: [v] for k, v in unknown_stair.items()})
    strict = classify_buildings(frame, rules={"chimney_unknown_stair_candidate": False})
    assert not strict["chimney_candidate"].iloc[0]
    r = one(use="shop_residential", open_stair=True)
    assert not r["chimney_candidate"] and r["chimney_candidate_reason"] == "数据不足：层数不详"
    r = one(height=10.5, use="shop_residential", open_stair=True)  # about 4 storeys from the height
    assert r["chimney_candidate"] and "约 4 层" in r["chimney_candidate_reason"]


# -- steel / sandwich panel and 三合一 -------------------------------------------------------------

@pytest.mark.parametrize("values, expected", [
    ({"structure": "steel", "use": "warehouse"}, True),
    ({"structure": "steel", "use": "factory"}, True),
    ({"structure": "steel"}, True),  # use unknown
    ({"structure": "steel", "use": "residential"}, False),
    ({"sandwich_panel": True, "use": "residential"}, True),  # any sandwich-panel building
    ({"structure": "brick_concrete", "use": "warehouse"}, False),
])
def test_steel_or_panel(values, expected):
    assert bool(one(**values)["steel_or_panel"]) is expected


def test_steel_reasons():
    r = one(structure="steel", use="warehouse", people_sleep_inside=True)["steel_or_panel_reason"]
    assert r.startswith("钢结构仓库，内部住人") and "15–30" in r
    assert "夹芯板" in one(sandwich_panel=True)["steel_or_panel_reason"]
    assert one(use="warehouse")["steel_or_panel_reason"] == "数据不足：结构不详"
    set_language("en")
    assert one(structure="steel", use="factory")["steel_or_panel_reason"].startswith("steel-structure factory")


@pytest.mark.parametrize("values, expected", [
    ({"use": "warehouse", "people_sleep_inside": True}, True),
    ({"use": "factory", "people_sleep_inside": True}, True),
    ({"use": "commercial", "people_sleep_inside": True}, True),
    ({"use": "residential", "people_sleep_inside": True}, False),
    ({"use": "warehouse", "people_sleep_inside": False}, False),
    ({"use": "warehouse"}, False),
    ({"people_sleep_inside": True}, True),  # recorded as lived in, use unknown
])
def test_three_in_one(values, expected):
    r = one(**values)
    assert bool(r["three_in_one"]) is expected
    assert (r["three_in_one_reason"] != "") is expected
    if expected:
        assert "XF 703-2007" in r["three_in_one_reason"]


# -- frames as they come --------------------------------------------------------------------------

def test_raw_chinese_values_and_alignment():
    frame = pd.DataFrame({
        "height": ["30米", None, None],
        "storeys": [None, "4层", None],
        "use": ["住宅", "下店上宅", "仓库"],
        "structure": [None, "砖混", "钢结构"],
        "open_stair": [None, "是", None],
        "people_sleep_inside": [None, None, "有"],
    }, index=pd.Index([101, 205, 307], name="fid"))
    before = frame.copy(deep=True)
    out = classify_buildings(frame)
    assert list(out.columns) == list(CLASS_COLUMNS)
    assert list(out.index) == [101, 205, 307]
    assert out["high_rise"].tolist() == [True, False, False]
    assert out["chimney_candidate"].tolist() == [False, True, False]
    assert out["steel_or_panel"].tolist() == [False, False, True]
    assert out["three_in_one"].tolist() == [False, False, True]
    pd.testing.assert_frame_equal(frame, before)
    for flag, reason in zip(CLASS_COLUMNS[::2], CLASS_COLUMNS[1::2]):
        assert out[flag].dtype == bool and out[reason].map(type).eq(str).all()


def test_nullable_booleans_and_empty_frames():
    frame = pd.DataFrame({"storeys": pd.array([4, 4], dtype="Int64"), "use": ["rental", "rental"],
                          "open_stair": pd.array([pd.NA, False], dtype="boolean")})
    assert classify_buildings(frame)["chimney_candidate"].tolist() == [True, False]
    empty = classify_buildings(pd.DataFrame({"height": []}))
    assert len(empty) == 0 and list(empty.columns) == list(CLASS_COLUMNS)
    bare = classify_buildings(pd.DataFrame(index=range(3)))  # no columns at all: all unknown
    assert not bare["high_rise"].any() and bare["high_rise_reason"].str.startswith("数据不足").all()
    with pytest.raises(BuildingLayerError):
        classify_buildings([1, 2, 3])


# -- OpenStreetMap: Lower/Midtown Manhattan ---------------------------------------------------------

_TAG = re.compile(r'"([^"]+)"=>"((?:[^"\\]|\\.)*)"')


def _osm_buildings() -> pd.DataFrame:
    """Buildings of the NYC extract with the columns an OSM import fills (see the layer spec)."""
    import pyogrio

    from fireriskmap.core.spec import get_spec

    raw = pyogrio.read_dataframe(NYC, layer="multipolygons")
    raw = raw[raw["building"].notna()].reset_index(drop=True)
    tags = raw["other_tags"].fillna("").map(lambda text: dict(_TAG.findall(text)))
    spec = get_spec("buildings")

    def number(value):
        match = re.match(r"\s*([0-9]+(?:\.[0-9]+)?)", str(value)) if value else None
        return float(match.group(1)) if match else None

    def parse(field, value):
        try:
            return spec.field(field).parse(value)
        except ValueError:
            return None

    return pd.DataFrame({
        "height": tags.map(lambda t: number(t.get("height") or t.get("building:height"))),
        "storeys": tags.map(lambda t: number(t.get("building:levels"))),
        "structure": tags.map(lambda t: parse("structure", t.get("building:material"))),
        "use": raw["building"].map(lambda v: parse("use", v)),
    })


@pytest.mark.skipif(not NYC.exists(), reason=f"real data not found: {NYC}")
def test_osm_manhattan_high_rises():
    b = _osm_buildings()
    assert len(b) > 1000
    out = classify_buildings(b)
    height = b["height"].to_numpy(dtype=float)
    levels = b["storeys"].to_numpy(dtype=float)
    known = np.isfinite(height) | np.isfinite(levels)
    assert known.mean() > 0.9  # the extract has heights: few "insufficient data" notes
    flagged = out["high_rise"].to_numpy()
    assert 50 < flagged.sum() < len(b) / 10  # 61 buildings over 27 m in this low-rise part of Manhattan
    # every building over 27 m is a high-rise whatever its use; none at or under 24 m is
    assert flagged[height > 27].all()
    assert not flagged[height <= 24].any()
    estimated = ~np.isfinite(height) & np.isfinite(levels)
    assert (flagged[estimated] == (levels[estimated] * 3 > 24)).all() or estimated.sum() == 0
    reasons = out["high_rise_reason"][flagged]
    assert reasons.str.contains("GB 50016-2014 2.1.1").all()
    assert out.loc[~known, "high_rise_reason"].str.startswith("数据不足").all()
    steel = out["steel_or_panel"].to_numpy()
    assert (b.loc[steel, "structure"] == "steel").all()  # building:material=metal → steel structure


@pytest.mark.skipif(not NYC.exists(), reason=f"real data not found: {NYC}")
def test_osm_manhattan_through_the_importer():
    try:
        from fireriskmap.io.importer import read_file
    except ImportError:
        pytest.skip("fireriskmap.io.importer is not available")
    from fireriskmap.analysis.clusters import find_clusters

    frame = read_file(NYC, kind="buildings").frame
    out = classify_buildings(frame)
    height = pd.to_numeric(frame["height"], errors="coerce").to_numpy(dtype=float)
    assert out["high_rise"].to_numpy()[height > 27].all()
    assert 50 < out["high_rise"].sum() < len(frame) / 10
    clusters = find_clusters(frame.to_crs(32618))  # UTM 18N: Manhattan's blocks of touching buildings
    assert clusters.summary()["flagged_clusters"] > 10
