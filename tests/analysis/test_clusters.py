"""Contiguous clusters: hand-made footprints with answers worked out by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from fireriskmap.analysis import rules as rules_module
from fireriskmap.analysis.clusters import (CLASSES, BuildingLayerError, find_clusters, link_pairs,
                                           separation_classes, separation_matrix)
from fireriskmap.core.spec import get_spec
from fireriskmap.errors import Cancelled, CRSError, FireRiskError
from fireriskmap.i18n import set_language

CRS = "EPSG:4545"  # CGCS2000 / 3-degree GK CM 108E


@pytest.fixture(autouse=True)
def chinese():
    set_language("zh_CN")
    yield
    set_language(None)


def boxes(*xs: float, width: float = 10.0, depth: float = 10.0, **columns) -> gpd.GeoDataFrame:
    """Square-ish houses in a row, left edges at ``xs`` (metres)."""
    geoms = [shapely.box(x, 0, x + width, depth) for x in xs]
    return gpd.GeoDataFrame(dict(columns), geometry=geoms, crs=CRS)


def pair(gap: float, rating_a=None, rating_b=None, **extra) -> gpd.GeoDataFrame:
    cols = {"fire_rating": [rating_a, rating_b]}
    cols.update(extra)
    return boxes(0.0, 10.0 + gap, **cols)


def linked(frame: gpd.GeoDataFrame, **kw) -> bool:
    return len(link_pairs(frame, **kw).i) == 1


# -- linking -------------------------------------------------------------------------------------

def test_three_touching_and_one_apart_make_two_groups():
    b = boxes(0, 10, 20, 100, fire_rating=["2"] * 4)
    result = find_clusters(b)
    ids = result.cluster_id.tolist()
    assert ids[0] == ids[1] == ids[2] == 1
    assert ids[3] == -1  # linked to nothing: not part of a cluster
    assert len(result.clusters) == 1
    row = result.clusters.iloc[0]
    assert row["buildings"] == 3
    assert row["footprint_m2"] == pytest.approx(300.0)
    assert set(map(tuple, result.links[["i", "j"]].to_numpy())) == {(0, 1), (1, 2)}  # 0–2 are 10 m apart ≥ 6 m


def test_rating_dependent_distances_from_table_5_2_2():
    assert not linked(pair(7.0, "1", "2"))  # 一、二级 need 6 m: 7 m is enough
    assert linked(pair(5.9, "1", "2"))
    assert not linked(pair(6.0, "2", "2"))  # exactly the distance: compliant, not linked
    assert linked(pair(11.0, "4", "4"))  # 四级 need 12 m
    assert linked(pair(9.5, "3", "4"))  # 三级–四级 10 m
    assert not linked(pair(10.5, "3", "4"))
    assert linked(pair(6.5, "2", "3"))  # 一二级–三级 7 m
    links = link_pairs(pair(11.0, "4", "4"))
    assert links.gap[0] == pytest.approx(11.0) and links.required[0] == 12.0


def test_timber_table_11_0_10():
    timber = {"structure": ["timber", "timber"]}
    assert linked(pair(9.5, **timber))  # timber–timber 10 m
    assert not linked(pair(10.0, **timber))
    assert not linked(pair(8.5, "1", None, structure=[None, "timber"]))  # timber–一二级 8 m
    assert linked(pair(7.5, "1", None, structure=[None, "timber"]))
    assert linked(pair(8.5, "3", None, structure=[None, "timber"]))  # timber–三级 9 m
    assert linked(pair(10.5, "4", None, structure=[None, "timber"]))  # timber–四级 11 m
    assert not linked(pair(11.0, "4", None, structure=[None, "timber"]))


def test_high_rise_row_of_the_table():
    tower = {"height": [30.0, None], "use": ["residential", "residential"]}
    assert not linked(pair(9.5, "2", "2", **tower))  # high-rise–一二级 9 m
    assert linked(pair(13.5, "2", "4", **tower))  # high-rise–四级 14 m
    both = {"storeys": [12, 11], "use": ["residential", "residential"]}  # 36 m and 33 m from storeys
    assert linked(pair(12.5, "1", "1", **both))  # high-rise–high-rise 13 m
    classes = separation_classes(pair(1.0, "2", "2", **tower))
    assert classes.tolist() == ["highrise", "r12"]


def test_unknown_rating_defaults_to_class_4_and_structure_inference():
    assert linked(pair(11.0))  # nothing known: 四级 both, 12 m
    assert not linked(pair(11.0), rules={"clusters.default_rating": "2"})
    assert not linked(pair(7.0, structure=["brick_concrete", "reinforced_concrete"]))  # ≈ 二级: 6 m
    assert linked(pair(7.0, structure=["brick_concrete", "reinforced_concrete"]),
                  rules={"rating_from_structure": {}})  # inference switched off: 四级
    assert separation_classes(pair(1.0, structure=["brick_timber", None])).tolist() == ["r3", "r4"]
    shares = find_clusters(pair(1.0, "4", None)).clusters.iloc[0]
    assert shares["timber_share"] == 0.5 and shares["unknown_rating_share"] == 0.5  # assumed 四级 is not counted


def test_separation_matrix_is_the_rules_table():
    m = separation_matrix()
    assert m.shape == (5, 5) and np.allclose(m, m.T)
    r12, r4, hr, timber = CLASSES.index("r12"), CLASSES.index("r4"), CLASSES.index("highrise"), CLASSES.index("timber")
    assert m[r12, r12] == 6 and m[r4, r4] == 12 and m[hr, r4] == 14 and m[timber, timber] == 10
    sources = rules_module.defaults()
    assert sources["clusters.separation_r4_r4"].source.startswith("GB 50016-2014 表5.2.2")
    assert "11.0.10" in sources["clusters.separation_timber_timber"].source
    assert separation_matrix({"separation_r12_r12": 8})[r12, r12] == 8
    with pytest.raises(BuildingLayerError):
        separation_matrix({"separation_r12_r12": -1})


def test_uniform_gap_mode():
    b = boxes(0, 14, 30, fire_rating=["1", "4", "4"])  # gaps 4 m and 6 m
    links = link_pairs(b, gap_m=5.0)
    assert list(zip(links.i, links.j)) == [(0, 1)]
    assert links.required.tolist() == [5.0]
    result = find_clusters(b, mode="gap", gap_m=5.0)
    assert result.cluster_id.tolist() == [1, 1, -1]
    assert result.params["mode"] == "gap"
    with pytest.raises(BuildingLayerError):
        find_clusters(b, mode="gap")
    with pytest.raises(BuildingLayerError):
        find_clusters(b, mode="rating", gap_m=5.0)
    with pytest.raises(BuildingLayerError):
        find_clusters(b, mode="nearby")


def test_matches_brute_force_on_random_villages():
    rng = np.random.default_rng(7)
    n = 300
    x, y = rng.uniform(0, 400, n), rng.uniform(0, 400, n)
    w, d, angle = rng.uniform(5, 12, n), rng.uniform(5, 12, n), rng.uniform(0, np.pi, n)
    geoms = [shapely.affinity.rotate(shapely.box(x[k], y[k], x[k] + w[k], y[k] + d[k]), angle[k], use_radians=True)
             for k in range(n)]
    ratings = rng.choice(np.array(["1", "2", "3", "4", None], dtype=object), n)
    structure = np.where(rng.random(n) < 0.15, "timber", None)
    b = gpd.GeoDataFrame({"fire_rating": ratings, "structure": structure}, geometry=geoms, crs=CRS)
    links = link_pairs(b)
    classes = separation_classes(b).cat.codes.to_numpy()
    matrix = separation_matrix()
    g = np.asarray(b.geometry.values)
    i, j = np.triu_indices(n, 1)
    gap = shapely.distance(g[i], g[j])
    expected = gap < matrix[classes[i], classes[j]] - 1e-6
    assert set(zip(i[expected], j[expected])) == set(zip(links.i.tolist(), links.j.tolist()))
    assert np.all(links.gap < links.required)


# -- households and the flag ---------------------------------------------------------------------

def test_households_flag_at_50():
    row = boxes(*[10.0 * k for k in range(25)], width=10, depth=5, households=[2] * 25)  # touching, 50 户
    result = find_clusters(row)
    c = result.clusters.iloc[0]
    assert c["households"] == 50 and bool(c["flagged"])
    assert "50 户 ≥ 50 户" in c["flag_reason"]
    assert "2500" not in c["flag_reason"]  # 1250 m²: the area rule did not fire
    fewer = row.assign(households=[2] * 24 + [1])
    c = find_clusters(fewer).clusters.iloc[0]
    assert c["households"] == 49 and not bool(c["flagged"]) and c["flag_reason"] == ""
    assert bool(find_clusters(fewer, households_threshold=30).clusters.iloc[0]["flagged"])
    assert bool(find_clusters(fewer, rules={"clusters.households_threshold": 40}).clusters.iloc[0]["flagged"])


def test_area_flag_over_2500_and_reason_in_english():
    big = boxes(0, 30, 60, width=30, depth=30, households=[1, 1, 1])  # 3 × 900 = 2700 m²
    c = find_clusters(big).clusters.iloc[0]
    assert bool(c["flagged"]) and c["footprint_m2"] == pytest.approx(2700)
    assert "2700 m² > 2500 m²" in c["flag_reason"] and "5.2.4" in c["flag_reason"]
    set_language("en")
    c = find_clusters(big).clusters.iloc[0]
    assert c["flag_reason"].startswith("footprint 2700 m² > 2500 m²")


def test_missing_households_count_one_per_home():
    b = boxes(0, 10, 20, 30, households=[3, None, None, None], use=["residential", "residential", "warehouse", None])
    result = find_clusters(b)
    assert result.households.tolist() == [3, 1, 0, 1]  # home 1, warehouse 0, unknown use 1
    assert result.clusters.iloc[0]["households"] == 5


def test_timber_share_village_and_ordering():
    b = boxes(0, 10, 20, 200, 210, fire_rating=["4", "2", "2", "2", "2"],
              structure=[None, "timber", None, None, None], households=[1, 1, 1, 5, 5],
              village=["甲村", "甲村", "乙村", "丙村", "丙村"])
    result = find_clusters(b)
    # the two-building cluster has more households: it is number 1
    assert result.cluster_id.tolist() == [2, 2, 2, 1, 1]
    c = result.clusters.set_index("cluster_id")
    assert c.loc[2, "timber_share"] == pytest.approx(2 / 3)
    assert c.loc[2, "village"] == "甲村" and c.loc[1, "village"] == "丙村"
    assert c.loc[1, "households"] == 10


def test_outlines_cover_the_members_and_layer_fields():
    b = boxes(0, 10, 25, fire_rating=["4", "4", "4"])
    result = find_clusters(b)
    outline = result.clusters.geometry.iloc[0]
    assert outline.covers(shapely.union_all(b.geometry.values))
    assert result.clusters.crs == b.crs
    for name in get_spec("clusters").field_names:
        assert name in result.clusters.columns
    assert find_clusters(b, outlines=False).clusters.geometry.isna().all()


def test_summary_for_json():
    b = boxes(0, 10, 20, 100, households=[20, 20, 20, 1])
    summary = find_clusters(b).summary()
    assert summary["clusters"] == 1 and summary["flagged_clusters"] == 1
    assert summary["households_in_flagged"] == 60 and summary["buildings_in_clusters"] == 3
    import json

    json.dumps(summary)


# -- the interface: inputs, errors, progress ----------------------------------------------------

def test_input_not_mutated_and_index_kept():
    b = boxes(0, 10, 50, fire_rating=["4", "4", "2"], households=[1, None, 2])
    b.index = pd.Index(["a", "b", "c"], name="id")
    before = b.copy(deep=True)
    result = find_clusters(b)
    assert_geodataframe_equal(b, before)
    assert list(result.cluster_id.index) == ["a", "b", "c"]
    assert result.links["building_i"].tolist() == ["a"] and result.links["building_j"].tolist() == ["b"]


def test_empty_layer():
    empty = gpd.GeoDataFrame({"fire_rating": []}, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
    result = find_clusters(empty)
    assert len(result.cluster_id) == 0 and len(result.clusters) == 0 and len(result.links) == 0
    assert result.summary()["clusters"] == 0
    assert len(link_pairs(empty).i) == 0


def test_bad_geometries_are_reported_not_fatal():
    bowtie = shapely.Polygon([(10, 0), (20, 10), (20, 0), (10, 10)])  # self-intersecting
    geoms = [shapely.box(0, 0, 10, 10), bowtie, None, shapely.Polygon(), shapely.Point(5, 5), shapely.box(100, 0, 110, 10)]
    b = gpd.GeoDataFrame({"fire_rating": ["4"] * 6}, geometry=geoms, crs=CRS)
    result = find_clusters(b)
    ids = result.cluster_id
    assert ids.iloc[0] == ids.iloc[1] == 1  # the repaired bow-tie still touches the first house
    assert ids.iloc[2:5].isna().all() and ids.iloc[5] == -1
    texts = [str(m) for m in result.issues]
    assert any("修复" in t and "1" in t for t in texts)
    assert any("没有几何" in t and "2, 3" in t for t in texts)
    assert any("不是面状" in t and "4" in t for t in texts)
    assert b.geometry.iloc[1].equals(bowtie)  # the input keeps its bow-tie


def test_unusable_layers_raise_clear_errors():
    only_empty = gpd.GeoDataFrame({"fire_rating": ["4"]}, geometry=[shapely.Polygon()], crs=CRS)
    with pytest.raises(BuildingLayerError) as info:
        find_clusters(only_empty)
    assert isinstance(info.value, FireRiskError) and isinstance(info.value, ValueError)
    assert "没有可用的面状几何" in str(info.value)
    lonlat = boxes(0, 10).set_crs("EPSG:4490", allow_override=True)
    with pytest.raises(CRSError):
        find_clusters(lonlat)
    with pytest.raises(BuildingLayerError):
        find_clusters(pd.DataFrame({"x": [1]}))
    with pytest.raises(BuildingLayerError):
        find_clusters(boxes(0, 10), households_threshold=0)


def test_progress_and_cancel():
    b = boxes(0, 10, 20)
    seen = []
    find_clusters(b, progress=lambda f, m="": seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(m for _, m in seen)

    def stop(fraction, message=""):
        if fraction > 0.5:
            raise Cancelled()

    with pytest.raises(Cancelled):
        find_clusters(b, progress=stop)
