"""Siting: exact vs brute force on small instances, greedy vs exact, OR-Library pmed, hydrants, stations."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from shapely.geometry import LineString, Point, box

from fireriskmap.analysis.network import AnalysisInputError, clear_graph_cache
from fireriskmap.analysis.siting import (candidate_sites, ortools_available, read_orlib_pmed, site_hydrants,
                                         site_stations, solve_max_coverage, solve_p_median)
from fireriskmap.core.spec import get_spec

CRS = "EPSG:4545"
DATA = Path(__file__).parents[2].parent / "shared/data/location"
needs_ortools = pytest.mark.skipif(not ortools_available(), reason="OR-Tools is not installed")


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_graph_cache()
    yield


def brute_coverage(cover: np.ndarray, w: np.ndarray, k: int) -> float:
    best = 0.0
    for combo in itertools.combinations(range(cover.shape[1]), k):
        best = max(best, float(w[cover[:, combo].any(axis=1)].sum()))
    return best


def brute_pmedian(cost: np.ndarray, w: np.ndarray, p: int, fixed: np.ndarray | None = None) -> float:
    best = np.inf
    for combo in itertools.combinations(range(cost.shape[1]), p):
        c = cost[:, combo].min(axis=1)
        if fixed is not None:
            c = np.minimum(c, fixed)
        best = min(best, float((w * c).sum()))
    return best


# -- solvers ---------------------------------------------------------------------------------------

@needs_ortools
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_max_coverage_exact_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    cover = rng.random((30, 10)) < 0.2
    w = rng.integers(1, 10, 30).astype(float)
    for k in (1, 2, 3):
        sol = solve_max_coverage(sp.csr_matrix(cover), w, k, method="exact")
        assert sol.method == "exact" and sol.optimal
        assert sol.objective == pytest.approx(brute_coverage(cover, w, k))
        greedy = solve_max_coverage(sp.csr_matrix(cover), w, k, method="greedy")
        assert greedy.method == "greedy_lazy" and not greedy.optimal
        assert greedy.objective <= sol.objective + 1e-9
        assert greedy.objective >= (1 - 1 / np.e) * sol.objective - 1e-9
        assert np.all(np.diff(sol.gains) <= 1e-9)  # build order: largest gain first


@needs_ortools
def test_greedy_is_beaten_where_it_is_known_to_fail():
    # one site covers the middle 4; two others cover 3 each, disjoint: greedy takes the 4 first
    cover = np.zeros((6, 3), dtype=bool)
    cover[[0, 1, 2], 0] = True
    cover[[3, 4, 5], 1] = True
    cover[[1, 2, 3, 4], 2] = True
    w = np.ones(6)
    greedy = solve_max_coverage(sp.csr_matrix(cover), w, 2, method="greedy")
    exact = solve_max_coverage(sp.csr_matrix(cover), w, 2)
    assert greedy.objective == 5 and exact.objective == 6
    assert exact.method == "exact" and sorted(exact.selected.tolist()) == [0, 1]
    small_limit = solve_max_coverage(sp.csr_matrix(cover), w, 2, max_pairs=3)
    assert small_limit.method == "greedy_lazy"      # over the size limit: greedy, and says so


@needs_ortools
@pytest.mark.parametrize("seed", [0, 1])
def test_p_median_exact_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 100, (25, 2))
    cand = rng.uniform(0, 100, (9, 2))
    cost = np.hypot(*(pts[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 5, 25).astype(float)
    for p in (1, 2, 3):
        sol = solve_p_median(cost, w, p, method="exact")
        assert sol.optimal and sol.objective == pytest.approx(brute_pmedian(cost, w, p))
        heur = solve_p_median(cost, w, p, method="greedy")
        assert heur.method == "greedy_lazy_swap" and heur.objective >= sol.objective - 1e-9
    fixed = cost[:, 0] * 0.8
    sol = solve_p_median(cost, w, 2, fixed_cost=fixed, method="exact")
    assert sol.objective == pytest.approx(brute_pmedian(cost, w, 2, fixed))


def test_solvers_reject_bad_input():
    with pytest.raises(AnalysisInputError):
        solve_max_coverage(sp.csr_matrix(np.ones((2, 2))), np.array([1.0, -1.0]), 1)
    with pytest.raises(AnalysisInputError):
        solve_p_median(np.array([[1.0, np.inf]]), None, 1)
    with pytest.raises(AnalysisInputError):
        solve_p_median(np.ones((2, 2)), None, 1, method="magic")


def test_read_orlib_later_edge_wins(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text(" 3 4 1\n 1 2 10\n 2 3 10\n 1 3 50\n 3 1 5\n")
    cost, p = read_orlib_pmed(f)
    assert p == 1
    assert cost[0, 2] == 5 and cost[0, 1] == 10 and cost[1, 2] == 10


@needs_ortools
@pytest.mark.parametrize("name", ["pmed1", "pmed2"])
def test_or_library_optimum(name):
    if not (DATA / f"{name}.txt").is_file():
        pytest.skip(f"OR-Library data not found in {DATA} (../shared/data/location)")
    optima = dict(line.split() for line in (DATA / "pmedopt.txt").read_text().splitlines() if line.strip())
    cost, p = read_orlib_pmed(DATA / f"{name}.txt")
    sol = solve_p_median(cost, None, p, time_limit_s=120)
    assert sol.method == "exact" and sol.optimal
    assert sol.objective == pytest.approx(float(optima[name]))


# -- on the map ------------------------------------------------------------------------------------

def roads_line() -> gpd.GeoDataFrame:
    """A 1 km street (width 6 m) and a 200 m footpath."""
    return gpd.GeoDataFrame({"road_class": ["local", "path"], "width": [6.0, np.nan], "name": ["长街", "小路"]},
                            geometry=[LineString([(0, 0), (1000, 0)]), LineString([(0, 500), (200, 500)])], crs=CRS)


def test_candidate_sites_along_passable_roads():
    c = candidate_sites(roads_line(), spacing_m=100)
    assert len(c) == 10 and (c["candidate"] == "road").all()
    assert sorted(c.geometry.x.round(6)) == [50.0 + 100 * k for k in range(10)]
    assert set(c["road"]) == {0}                     # not along the footpath
    extra = gpd.GeoSeries([Point(5, 5)], crs=CRS)
    both = candidate_sites(roads_line(), spacing_m=100, extra=extra)
    assert both["candidate"].tolist()[-1] == "user" and len(both) == 11


@needs_ortools
def test_site_hydrants_covers_the_uncovered_buildings():
    # one hydrant at x = 0 covers the west end; two hamlets at x ≈ 450 and x ≈ 900 are uncovered
    b = gpd.GeoDataFrame({"households": [1, 1, 4, 4, 1, 1, 1]},
                         geometry=[box(x - 3, 10, x + 3, 16) for x in (20, 60, 430, 470, 880, 920, 960)], crs=CRS)
    h = gpd.GeoDataFrame({"working": [True]}, geometry=[Point(0, 1)], crs=CRS)
    res = site_hydrants(b, roads_line(), h, k=2, rules={"water.candidate_spacing_m": 25})
    spec = get_spec("proposed_hydrants")
    assert set(spec.field_names) <= set(res.sites.columns)
    assert res.method == "exact" and res.optimal
    assert res.sites["order"].tolist() == [1, 2]
    assert res.sites["gain_weight"].tolist() == [8.0, 3.0]   # the 8-household hamlet first
    assert res.sites["gain_buildings"].tolist() == [2, 3]
    x = res.sites.geometry.x.tolist()
    assert 320 <= x[0] <= 580 and 810 <= x[1] <= 1000
    assert res.curve["weight"].tolist() == [8.0, 11.0]
    assert res.curve["buildings"].tolist() == [2, 5]
    assert res.summary["gain_buildings"] == 5
    greedy = site_hydrants(b, roads_line(), h, k=2, method="greedy")
    assert greedy.method == "greedy_lazy" and set(greedy.sites["method"]) == {"greedy_lazy"}
    risk = site_hydrants(b, roads_line(), h, k=1, weight=pd.Series([0, 0, 0, 0, 5, 5, 5.0]))
    assert risk.sites.geometry.x.iloc[0] > 800


@needs_ortools
def test_site_stations_p_median():
    b = gpd.GeoDataFrame({"households": [1] * 6},
                         geometry=[box(x - 3, 10, x + 3, 16) for x in (50, 100, 150, 850, 900, 950)], crs=CRS)
    res = site_stations(b, roads_line(), p=2, rules={"response.station_candidate_spacing_m": 50})
    assert res.method == "exact" and res.optimal
    x = sorted(res.sites.geometry.x.tolist())
    assert x == pytest.approx([100.0, 900.0], abs=30)
    assert res.curve["k"].tolist() == [1, 2]
    assert res.curve["objective"].is_monotonic_decreasing
    existing = gpd.GeoDataFrame({"name": ["西站"], "force_type": ["government"]}, geometry=[Point(100, 0)], crs=CRS)
    one = site_stations(b, roads_line(), p=1, existing=existing, rules={"response.station_candidate_spacing_m": 50})
    assert one.sites.geometry.x.iloc[0] == pytest.approx(900.0, abs=30)
    assert one.summary["within_5min_after"] >= one.summary["within_5min_before"]


def test_inputs_are_not_modified():
    b = gpd.GeoDataFrame({"households": [1, 2]}, geometry=[box(427, 10, 433, 16), box(877, 10, 883, 16)], crs=CRS)
    roads = roads_line()
    h = gpd.GeoDataFrame(geometry=[Point(0, 1)], crs=CRS)
    copies = [b.copy(), roads.copy(), h.copy()]
    site_hydrants(b, roads, h, k=1, method="greedy", curve=False)
    site_stations(b, roads, p=1, method="greedy", curve=False)
    for frame, copy in zip((b, roads, h), copies):
        pd.testing.assert_frame_equal(frame, copy)


def test_all_parts_on_the_synthetic_township(town):
    """Coverage, response and siting together on the shared test township; JSON-ready summaries."""
    import json

    from fireriskmap.analysis.coverage import water_coverage
    from fireriskmap.analysis.response import response_times

    b, roads, h, w, st = (town.layer(k) for k in ("buildings", "roads", "hydrants", "water_sources", "fire_stations"))
    cov = water_coverage(b, roads, h, w)
    resp = response_times(b, roads, st)
    hyd = site_hydrants(b, roads, h, w, k=3, coverage=cov)
    sta = site_stations(b, roads, p=1, existing=st, curve=False)
    for summary in (cov.summary, resp.summary, hyd.summary, sta.summary):
        json.dumps(summary)
    assert 0 < cov.summary["covered_share"] < 1
    assert {"water_distance_m", "water_covered"} <= set(cov.buildings.columns)
    assert {"response_s", "first_due_station"} <= set(resp.buildings.columns)
    assert cov.buildings.index.equals(b.index) and resp.buildings.index.equals(b.index)
    assert hyd.curve["weight"].is_monotonic_increasing and len(hyd.sites) == 3
    assert sta.summary["within_5min_after"] >= sta.summary["within_5min_before"]
