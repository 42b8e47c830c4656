"""Proposed fire breaks: hand-made rows and blocks, and the heuristic against the exact optimum."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from fireriskmap.analysis.clusters import BuildingLayerError, find_clusters
from fireriskmap.analysis.firebreaks import (cut_cost, link_costs, optimal_split, propose_firebreaks,
                                             split_cluster)
from fireriskmap.core.spec import get_spec
from fireriskmap.errors import Cancelled
from fireriskmap.i18n import set_language
from tests.analysis.firebreak_cases import random_cluster

CRS = "EPSG:4545"


@pytest.fixture(autouse=True)
def chinese():
    set_language("zh_CN")
    yield
    set_language(None)


def row(gaps: list[float], width: float = 6.0, depth: float = 6.0, **columns) -> gpd.GeoDataFrame:
    """Houses in a row along x with the given gaps between them."""
    xs = np.concatenate([[0.0], np.cumsum(np.asarray(gaps) + width)])
    geoms = [shapely.box(x, 0, x + width, depth) for x in xs]
    return gpd.GeoDataFrame(dict(columns), geometry=geoms, crs=CRS)


# -- the hand-made row ---------------------------------------------------------------------------

def test_row_of_60_houses_is_cut_at_the_wide_gap():
    gaps = [3.0] * 59
    gaps[19] = 8.0  # between house 19 and house 20
    b = row(gaps, fire_rating=["4"] * 60)  # 60 houses, 1 household each, 2160 m²: flagged by households
    result = propose_firebreaks(b)
    assert len(result.summary) == 1
    s = result.summary.iloc[0]
    assert s["parts"] == 2 and s["part_sizes"] == "40, 20" and s["links_cut"] == 1
    cut = result.cut_links.iloc[0]
    assert (cut["building_i"], cut["building_j"]) == (19, 20)
    # cost by hand: shortfall 12 − 8 = 4 m over 6 m of facing walls, plus 10 for the link
    assert cut["shortfall_m"] == pytest.approx(4.0) and cut["facing_m"] == pytest.approx(6.0)
    assert s["cost"] == pytest.approx(4 * 6 + 10)
    fb = result.firebreaks
    assert len(fb) == 1
    line = fb.geometry.iloc[0]
    gap_middle = 20 * 6 + 19 * 3 + 4.0  # left edge of the gap + half of it
    assert line.centroid.x == pytest.approx(gap_middle) and line.length == pytest.approx(6.0)
    assert fb.iloc[0]["width_m"] == 12 and fb.iloc[0]["buildings_involved"] == "19, 20"
    assert {fb.iloc[0]["households_a"], fb.iloc[0]["households_b"]} == {40, 20}
    assert result.part_id.iloc[0] == 2 and result.part_id.iloc[19] == 2 and result.part_id.iloc[20] == 1  # 1 = most households
    for name in get_spec("firebreaks").field_names:
        assert name in fb.columns
    assert fb.crs == b.crs


def test_a_uniform_row_needs_one_cut_near_the_middle():
    b = row([3.0] * 59, fire_rating=["4"] * 60)
    result = propose_firebreaks(b)
    s = result.summary.iloc[0]
    assert s["links_cut"] == 1
    sizes = sorted(int(x) for x in s["part_sizes"].split(", "))
    assert sizes[0] >= 11 and sizes[1] <= 49  # both parts under 50


def test_touching_walls_are_dear():
    b = row([0.0, 3.0], fire_rating=["4"] * 3)
    g = np.asarray(b.geometry.values)
    costs = link_costs(g[[0, 1]], g[[1, 2]], np.array([0.0, 3.0]), np.array([12.0, 12.0]))
    # touching: (12 m × 6 m + 10) × 2 = 164; 3 m gap: 9 × 6 + 10 = 64
    assert costs["cost"].tolist() == pytest.approx([164.0, 64.0])
    assert costs["touching"].tolist() == [True, False]
    assert costs["facing_m"].tolist() == pytest.approx([6.0, 6.0])
    cheaper = link_costs(g[[1]], g[[2]], np.array([3.0]), np.array([12.0]), rules={"firebreak_cost_per_link": 0})
    assert cheaper["cost"].iloc[0] == pytest.approx(54.0)


def test_breaks_avoid_touching_walls():
    # 30 households in each of two terraces joined by one 3 m gap: cutting a party wall costs more
    gaps = [0.0] * 29 + [3.0] + [0.0] * 29
    b = row(gaps, fire_rating=["4"] * 60)
    result = propose_firebreaks(b)
    cut = result.cut_links
    # the break runs through the 3 m gap: 29–30 (3 m) and the links across it, 28–30 and 29–31 (9 m)
    assert set(zip(cut["building_i"], cut["building_j"])) == {(29, 30), (28, 30), (29, 31)}
    assert not cut["touching"].any()
    assert result.summary.iloc[0]["part_sizes"] == "30, 30"
    assert result.summary.iloc[0]["cost"] == pytest.approx((9 * 6 + 10) + 2 * (3 * 6 + 10))


def test_every_part_is_under_the_thresholds_in_a_block():
    rng = np.random.default_rng(3)
    i, j = np.meshgrid(np.arange(12), np.arange(10))
    x = i.ravel() * 13 + rng.uniform(-1.5, 1.5, i.size)
    y = j.ravel() * 13 + rng.uniform(-1.5, 1.5, i.size)
    geoms = shapely.box(x, y, x + 8, y + 8)
    b = gpd.GeoDataFrame({"structure": "timber", "households": rng.integers(1, 4, i.size)}, geometry=geoms, crs=CRS)
    clusters = find_clusters(b)
    assert len(clusters.clusters) == 1
    result = propose_firebreaks(b, clusters=clusters)
    parts = pd.DataFrame({"part": result.part_id.to_numpy(dtype=float), "h": clusters.households,
                          "a": clusters.footprint_m2})
    sums = parts.groupby("part").sum()
    assert (sums["h"] < 50).all() and (sums["a"] <= 2500).all()
    assert result.summary.iloc[0]["cost"] == pytest.approx(result.cut_links["cost"].sum())
    # the buildings of every part are connected once the cut links are removed
    links = clusters.links
    kept = ~links.set_index(["i", "j"]).index.isin(result.cut_links.set_index(["i", "j"]).index)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(b)
    k = links[kept]
    _, comp = connected_components(coo_matrix((np.ones(len(k)), (k["i"], k["j"])), shape=(n, n)), directed=False)
    assert pd.Series(comp).groupby(result.part_id.to_numpy()).nunique().max() == 1
    assert len(result.firebreaks) > 0 and result.firebreaks.geometry.is_valid.all()


def test_a_straight_break_through_an_even_block():
    # 8 × 4 equal houses (6 m, 3 m apart): the cheapest cut is one straight line across the short side
    i, j = np.meshgrid(np.arange(8), np.arange(4))
    x, y = i.ravel() * 9.0, j.ravel() * 9.0
    b = gpd.GeoDataFrame({"fire_rating": ["4"] * x.size, "households": [2] * x.size},
                         geometry=shapely.box(x, y, x + 6, y + 6), crs=CRS)
    result = propose_firebreaks(b)  # 64 households → two parts; any column gap costs the same
    assert result.summary.iloc[0]["parts"] == 2 and len(result.firebreaks) == 1
    line = np.array(result.firebreaks.geometry.iloc[0].coords)
    assert np.ptp(line[:, 0]) == pytest.approx(0.0, abs=1e-6)  # one straight vertical line …
    assert (line[0, 0] + 1.5) % 9 == pytest.approx(0.0, abs=1e-6)  # … in the middle of a column gap
    assert np.ptp(line[:, 1]) >= 3 * 9  # across the whole block


def test_a_building_too_big_on_its_own_is_reported():
    b = row([2.0, 2.0], households=[60, 1, 1], fire_rating=["4"] * 3)
    result = propose_firebreaks(b)
    assert result.summary.iloc[0]["oversized_buildings"] == 1
    assert any("本身已超过阈值" in str(m) for m in result.issues)
    assert result.cut_links[["building_i", "building_j"]].values.tolist() == [[0, 1], [0, 2]]  # 0–2: 10 m < 12 m


def test_nothing_flagged_gives_an_empty_layer():
    b = row([2.0] * 5, fire_rating=["4"] * 6)
    result = propose_firebreaks(b)
    assert len(result.firebreaks) == 0 and len(result.summary) == 0
    for name in get_spec("firebreaks").field_names:
        assert name in result.firebreaks.columns
    assert result.part_id.isna().all()
    assert result.totals()["breaks"] == 0


def test_methods_and_input_untouched():
    gaps = [3.0, 3.0, 5.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    b = row(gaps, households=[8, 7, 9, 6, 8, 5, 7, 6, 4], fire_rating=["4"] * 9)  # 60 户
    before = b.copy(deep=True)
    exact = propose_firebreaks(b, method="exact")
    heuristic = propose_firebreaks(b, method="heuristic")
    assert exact.summary.iloc[0]["method"] == "exact" and heuristic.summary.iloc[0]["method"] == "heuristic"
    assert heuristic.summary.iloc[0]["cost"] == pytest.approx(exact.summary.iloc[0]["cost"])
    assert propose_firebreaks(b).summary.iloc[0]["method"] == "exact"  # auto: 9 buildings
    assert_geodataframe_equal(b, before)
    with pytest.raises(BuildingLayerError):
        propose_firebreaks(b, method="magic")
    set_language("en")
    assert "flagged_clusters" in exact.totals()


def test_progress_and_cancel():
    b = row([3.0] * 59, fire_rating=["4"] * 60)
    seen = []
    propose_firebreaks(b, progress=lambda f, m="": seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0

    def stop(fraction, message=""):
        if fraction > 0.4:
            raise Cancelled()

    with pytest.raises(Cancelled):
        propose_firebreaks(b, progress=stop)


# -- exactness and the optimality ratio ----------------------------------------------------------

def test_exact_method_equals_brute_force_on_tiny_graphs():
    rng = np.random.default_rng(11)
    for _ in range(25):
        n = int(rng.integers(3, 7))
        edges = [(u, v) for u, v in itertools.combinations(range(n), 2) if rng.random() < 0.6]
        if not edges:
            continue
        ei, ej = np.array(edges).T
        cost = rng.uniform(1, 10, len(edges))
        h = rng.integers(1, 5, n).astype(float)
        a = rng.uniform(50, 150, n)
        limit = float(rng.integers(3, 10))
        best = np.inf
        for mask in range(1 << len(edges)):  # every set of links to break
            keep = np.array([not (mask >> k) & 1 for k in range(len(edges))])
            from scipy.sparse import coo_matrix
            from scipy.sparse.csgraph import connected_components

            _, comp = connected_components(coo_matrix((np.ones(keep.sum()), (ei[keep], ej[keep])), shape=(n, n)),
                                           directed=False)
            ok = all((comp == c).sum() == 1 or h[comp == c].sum() < limit for c in np.unique(comp))
            if ok:
                best = min(best, cost[~keep].sum())
        labels, value = optimal_split(h, a, ei, ej, cost, households_threshold=limit, area_threshold_m2=1e9)
        assert value == pytest.approx(best)
        assert cut_cost(labels, ei, ej, cost) == pytest.approx(best)


def test_heuristic_is_close_to_the_optimum_on_small_clusters():
    rng = np.random.default_rng(2024)
    ratios = []
    for _ in range(40):
        n = int(rng.integers(8, 12))
        h, a, xy, ei, ej, cost, limit = random_cluster(rng, n)
        labels = split_cluster(h, a, xy, ei, ej, cost, households_threshold=limit, area_threshold_m2=1e9)
        for part in np.unique(labels):
            members = labels == part
            assert members.sum() == 1 or h[members].sum() < limit
        found = cut_cost(labels, ei, ej, cost)
        _, best = optimal_split(h, a, ei, ej, cost, households_threshold=limit, area_threshold_m2=1e9)
        assert found >= best - 1e-6
        ratios.append(found / best if best > 0 else 1.0)
    ratios = np.array(ratios)
    print(f"firebreak heuristic / optimum on {len(ratios)} clusters: mean {ratios.mean():.4f}, "
          f"max {ratios.max():.4f}, optimal in {np.mean(ratios < 1 + 1e-9):.0%}")
    assert ratios.mean() <= 1.02
    assert ratios.max() <= 1.25
    assert np.mean(ratios < 1 + 1e-9) >= 0.8
