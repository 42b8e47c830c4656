"""Water coverage: hose paths on a 100 m road grid, straight-line mode, gaps, 120 m spacing, bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from fireriskmap.analysis.coverage import coverage_gaps, hydrant_spacing, water_coverage
from fireriskmap.analysis.network import AnalysisInputError, clear_graph_cache
from fireriskmap.core.spec import get_spec
from fireriskmap.errors import Cancelled, CRSError

CRS = "EPSG:4545"


def grid_roads(n: int = 4, spacing: float = 100.0) -> gpd.GeoDataFrame:
    end = (n - 1) * spacing
    lines = [LineString([(0, k * spacing), (end, k * spacing)]) for k in range(n)]
    lines += [LineString([(k * spacing, 0), (k * spacing, end)]) for k in range(n)]
    names = [f"横{k}路" for k in range(n)] + [f"纵{k}路" for k in range(n)]
    return gpd.GeoDataFrame({"road_class": ["local"] * len(lines), "name": names}, geometry=lines, crs=CRS)


def house(x: float, y: float, half: float = 3.0) -> Polygon:
    return box(x - half, y - half, x + half, y + half)


def points(*xy, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[Point(p) for p in xy], crs=CRS)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_graph_cache()
    yield


def test_hose_path_through_the_projected_point():
    """Building at (50, 5), hydrant at the node (200, 0): 5 m off-road + 150 m along the road."""
    b = gpd.GeoDataFrame({"households": [2]}, geometry=[house(50, 5)], crs=CRS)
    res = water_coverage(b, grid_roads(), points((200, 0)))
    row = res.buildings.iloc[0]
    assert row["water_distance_m"] == pytest.approx(155.0)
    assert not bool(row["water_covered"])
    assert row["water_status"] == "ok" and row["water_mode"] == "network"
    assert row["water_source_layer"] == "hydrants" and row["water_source_id"] == 0
    wider = water_coverage(b, grid_roads(), points((200, 0)), radius_m=160)
    assert bool(wider.buildings["water_covered"].iloc[0])
    assert res.summary["covered"] == 0 and wider.summary["covered_share"] == 1.0


def test_only_working_sources_and_the_nearest_one():
    b = gpd.GeoDataFrame(geometry=[house(50, 5), house(250, 105)], crs=CRS)
    h = points((60, 0), (100, 100), (300, 100), working=[False, True, pd.NA])
    res = water_coverage(b, grid_roads(), h)
    d = res.buildings["water_distance_m"].tolist()
    # building 0: broken hydrant at (60, 0) ignored → 5 + 50 + 100 to (100, 100)
    assert d[0] == pytest.approx(155.0)
    # building 1: missing "working" counts as working: (300, 100) is 5 + 50 away
    assert d[1] == pytest.approx(55.0)
    assert res.buildings["water_source_id"].tolist() == [1, 2]
    assert any(m.key == "water.issue.not_working" for m in res.issues)


def test_water_sources_count_with_their_own_radius():
    b = gpd.GeoDataFrame(geometry=[house(50, 5)], crs=CRS)
    pool = gpd.GeoDataFrame({"source_type": ["fire_pool"]}, geometry=[Point(100, 30)], crs=CRS)
    res = water_coverage(b, grid_roads(), None, pool)
    assert res.buildings["water_distance_m"].iloc[0] == pytest.approx(5 + 50 + 30)
    assert res.buildings["water_source_layer"].iloc[0] == "water_sources"
    small = water_coverage(b, grid_roads(), None, pool, rules={"water.water_source_radius_m": 80})
    assert not bool(small.buildings["water_covered"].iloc[0])


def test_unreachable_and_over_the_search_limit_are_nan():
    b = gpd.GeoDataFrame(geometry=[house(50, 5), house(290, 295)], crs=CRS)
    res = water_coverage(b, grid_roads(), points((300, 300)), rules={"water.search_limit_m": 300})
    d = res.buildings["water_distance_m"]
    assert np.isnan(d.iloc[0])                      # 5 + 550 m: beyond the 300 m limit
    assert res.buildings["water_status"].iloc[0] == "unreachable"
    assert not bool(res.buildings["water_covered"].iloc[0])
    assert d.iloc[1] == pytest.approx(15.0)         # 5 m off the road at x = 300 … hose 5 + 10


def test_straight_line_mode_is_explicit():
    b = gpd.GeoDataFrame(geometry=[house(50, 5)], crs=CRS)
    res = water_coverage(b, None, points((200, 0)), mode="straight_line")
    assert res.mode == "straight_line"
    assert res.buildings["water_mode"].iloc[0] == "straight_line"
    assert res.buildings["water_distance_m"].iloc[0] == pytest.approx(np.hypot(150, 5))
    assert not bool(res.buildings["water_covered"].iloc[0])
    assert any(m.key == "water.issue.straight_line" for m in res.issues)
    with pytest.raises(AnalysisInputError):
        water_coverage(b, None, points((200, 0)))  # the network mode needs roads
    with pytest.raises(AnalysisInputError):
        water_coverage(b, grid_roads(), points((200, 0)), mode="crow")


def test_hydrant_far_from_every_road_is_reported_and_not_used():
    b = gpd.GeoDataFrame(geometry=[house(150, 2100)], crs=CRS)
    h = points((150, 2110), (100, 100))
    res = water_coverage(b, grid_roads(), h)
    assert res.sources["status"].tolist() == ["too_far", "ok"]
    keys = {m.key for m in res.issues}
    assert {"water.issue.sources_off_network", "water.issue.buildings_off_network"} <= keys
    assert res.buildings["water_status"].iloc[0] == "off_network"
    assert np.isnan(res.buildings["water_distance_m"].iloc[0])
    assert res.summary["sources_off_network"] == 1
    text = next(m for m in res.issues if m.key == "water.issue.sources_off_network").render("en")
    assert "200 m" in text and "hydrants:0" in text


def test_buildings_with_empty_or_invalid_geometry():
    bowtie = Polygon([(40, 5), (60, 15), (60, 5), (40, 15)])  # self-intersecting
    b = gpd.GeoDataFrame({"households": [1, 1, 1]}, geometry=[None, bowtie, Polygon()], crs=CRS)
    res = water_coverage(b, grid_roads(), points((100, 0)))
    assert res.buildings["water_status"].tolist() == ["no_geometry", "ok", "no_geometry"]
    assert res.buildings["water_covered"].isna().tolist() == [True, False, True]
    assert bool(res.buildings["water_covered"].iloc[1])
    assert res.summary["buildings_analysed"] == 1
    assert any(m.key == "water.issue.buildings_no_geometry" for m in res.issues)


def test_roads_without_junctions_give_partial_results():
    roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (500, 0)]), LineString([(0, 100), (500, 100)])], crs=CRS)
    b = gpd.GeoDataFrame(geometry=[house(50, 5), house(50, 95)], crs=CRS)
    res = water_coverage(b, roads, points((100, 0)))
    assert res.buildings["water_distance_m"].iloc[0] == pytest.approx(55.0)
    assert np.isnan(res.buildings["water_distance_m"].iloc[1])   # other road, not connected
    assert any(m.key == "network.issue.no_junctions" for m in res.issues)


def test_geographic_crs_refused():
    b = gpd.GeoDataFrame(geometry=[Point(108.0, 26.0)], crs="EPSG:4490")
    with pytest.raises(CRSError):
        water_coverage(b, grid_roads(), points((0, 0)))
    other = gpd.GeoDataFrame(geometry=[house(50, 5)], crs="EPSG:4546")
    with pytest.raises(AnalysisInputError):
        water_coverage(other, grid_roads(), points((0, 0)))


# -- gaps ------------------------------------------------------------------------------------------

def test_coverage_gaps_group_and_rank_uncovered_buildings():
    geoms = [house(0, 0), house(20, 0), house(40, 0),      # one group (gaps of 14 m)
             house(500, 0), house(515, 0),                  # a second group
             house(1000, 0)]                                # covered
    b = gpd.GeoDataFrame({"households": [1, 1, 1, 5, pd.NA, 9], "village": ["甲", "甲", "乙", "乙", "乙", "甲"],
                          "risk": [1.0, 1.0, 1.0, 0.5, 0.5, 3.0]}, geometry=geoms, crs=CRS)
    covered = pd.Series([False, False, False, False, False, True])
    gaps = coverage_gaps(b, covered)
    assert gaps["buildings"].tolist() == [2, 3]          # ranked by households: 5 > 3
    assert gaps["households"].tolist() == [5, 3]
    assert gaps["rank"].tolist() == [1, 2] and gaps["gap_id"].tolist() == [1, 2]
    assert gaps["village"].tolist() == ["乙", "甲"]
    assert gaps.geometry.iloc[1].contains(shapely.union_all(geoms[:3]))
    assert gaps.geometry.iloc[1].distance(geoms[5]) > 0
    by_risk = coverage_gaps(b, covered, rank_by="risk")
    assert by_risk["buildings"].tolist() == [3, 2] and by_risk["risk"].tolist() == pytest.approx([3.0, 1.0])
    spec = get_spec("coverage_gaps")
    assert set(spec.field_names) <= set(gaps.columns)
    none = coverage_gaps(b, pd.Series([True] * 6))
    assert len(none) == 0 and set(spec.field_names) <= set(none.columns)


def test_coverage_result_has_gaps_in_the_water_coverage_run():
    b = gpd.GeoDataFrame({"households": [3, 2]}, geometry=[house(50, 5), house(250, 295)], crs=CRS)
    res = water_coverage(b, grid_roads(), points((0, 0)))
    assert res.buildings["water_covered"].tolist() == [True, False]
    assert len(res.gaps) == 1 and res.gaps["households"].iloc[0] == 2


# -- spacing ---------------------------------------------------------------------------------------

def test_hydrant_spacing_flags_stretches_over_120_m():
    roads = gpd.GeoDataFrame({"name": ["寨中路", "寨中路", None]}, geometry=[
        LineString([(0, 0), (150, 0)]), LineString([(150, 0), (400, 0)]),   # one road in two pieces
        LineString([(0, 500), (400, 500)])], crs=CRS)
    h = points((0, 2), (100, -1), (300, 1.5), (400, 0), (0, 500), (110, 500), (390, 500), (200, 530),
               working=[True, True, True, True, True, True, True, True])
    flags = hydrant_spacing(roads, h)
    assert flags["spacing_m"].tolist() == pytest.approx([200.0, 280.0])
    assert flags["road"].iloc[0] == "寨中路"
    assert flags[["from_hydrant", "to_hydrant"]].values.tolist() == [[1, 2], [5, 6]]
    assert flags.geometry.length.tolist() == pytest.approx([200.0, 280.0])
    assert "GB 50974" in flags["rule"].iloc[0]
    broken = h.copy()
    broken.loc[1, "working"] = False
    again = hydrant_spacing(roads, broken)
    assert again["spacing_m"].tolist() == pytest.approx([300.0, 280.0])
    assert len(hydrant_spacing(roads, h, max_spacing_m=300)) == 0


def test_spacing_stretch_follows_a_bending_road():
    road = gpd.GeoDataFrame({"name": ["弯路"]}, geometry=[LineString([(0, 0), (100, 0), (100, 100)])], crs=CRS)
    flags = hydrant_spacing(road, points((10, 0), (100, 90)))
    assert flags["spacing_m"].iloc[0] == pytest.approx(180.0)
    assert list(flags.geometry.iloc[0].coords) == [(10, 0), (100, 0), (100, 90)]


# -- habits ----------------------------------------------------------------------------------------

def test_progress_and_cancel():
    b = gpd.GeoDataFrame(geometry=[house(50, 5)], crs=CRS)
    seen = []
    water_coverage(b, grid_roads(), points((0, 0)), progress=lambda f, m="": seen.append(f))
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)

    def stop(fraction, message=""):
        if fraction > 0.3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        water_coverage(b, grid_roads(), points((0, 0)), progress=stop)


def test_inputs_are_not_modified_and_index_is_kept():
    b = gpd.GeoDataFrame({"households": [1, 2]}, geometry=[house(50, 5), house(250, 205)], crs=CRS,
                         index=pd.Index(["b7", "b9"], name="id"))
    roads, h = grid_roads(), points((0, 0), (300, 200))
    copies = [b.copy(), roads.copy(), h.copy()]
    res = water_coverage(b, roads, h)
    for frame, copy in zip((b, roads, h), copies):
        pd.testing.assert_frame_equal(frame, copy)
    assert res.buildings.index.equals(b.index)
