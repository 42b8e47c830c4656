"""Road network: noding, snapping by projection, bounded shortest paths, caching, bad input.

Hand-made data with answers worked out by hand: a 100 m grid of roads 0–300 m.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from fireriskmap.analysis import network
from fireriskmap.analysis.network import (AnalysisInputError, NetworkError, RoadGraph, clear_graph_cache,
                                          road_graph)
from fireriskmap.errors import CRSError, FireRiskError

CRS = "EPSG:4545"


def grid_roads(n: int = 4, spacing: float = 100.0, *, x0: float = 0.0, y0: float = 0.0, **columns) -> gpd.GeoDataFrame:
    """``n`` horizontal and ``n`` vertical roads across the whole grid: they cross without sharing
    vertices, so noding must find the junctions."""
    end = (n - 1) * spacing
    lines = [LineString([(x0, y0 + k * spacing), (x0 + end, y0 + k * spacing)]) for k in range(n)]
    lines += [LineString([(x0 + k * spacing, y0), (x0 + k * spacing, y0 + end)]) for k in range(n)]
    data = {"road_class": ["local"] * len(lines)}
    data.update(columns)
    return gpd.GeoDataFrame(data, geometry=lines, crs=CRS)


def segment_roads(n: int = 4, spacing: float = 100.0) -> gpd.GeoDataFrame:
    """The same grid as one line per block edge, sharing vertices (OSM style)."""
    lines = []
    for a in range(n):
        for b in range(n - 1):
            lines.append(LineString([(b * spacing, a * spacing), ((b + 1) * spacing, a * spacing)]))
            lines.append(LineString([(a * spacing, b * spacing), (a * spacing, (b + 1) * spacing)]))
    return gpd.GeoDataFrame({"road_class": ["local"] * len(lines)}, geometry=lines, crs=CRS)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_graph_cache()
    yield
    clear_graph_cache()


# -- noding ----------------------------------------------------------------------------------------

def test_grid_of_crossing_lines_is_noded_at_every_crossing():
    g = RoadGraph.from_roads(grid_roads())
    assert g.n_nodes == 16
    assert g.n_edges == 24
    assert g.components.count == 1
    assert g.edge_length.sum() == pytest.approx(2400.0)
    assert np.allclose(np.sort(g.edge_length), 100.0)
    assert g.stats["crossings"] == 4  # the four inner crossings; the rest are ends on lines


def test_grid_of_segments_sharing_vertices_gives_the_same_graph():
    a = RoadGraph.from_roads(grid_roads())
    b = RoadGraph.from_roads(segment_roads())
    assert (a.n_nodes, a.n_edges) == (b.n_nodes, b.n_edges)
    assert b.stats["crossings"] == 0
    assert sorted(map(tuple, np.round(a.node_xy, 6))) == sorted(map(tuple, np.round(b.node_xy, 6)))


def test_road_ending_short_of_another_is_joined_within_the_tolerance():
    roads = gpd.GeoDataFrame({"road_class": ["local", "local"]}, geometry=[
        LineString([(0, 0), (200, 0)]), LineString([(100, 0.6), (100, 100)])], crs=CRS)
    g = RoadGraph.from_roads(roads)
    assert g.components.count == 1
    assert g.n_edges == 3
    assert g.stats["joined_ends"] == 1
    # the end moved onto the main road: the side road is 100 m long from the junction
    assert sorted(np.round(g.edge_length, 6)) == [100.0, 100.0, 100.0]
    strict = RoadGraph.from_roads(roads, rules={"network.snap_tolerance_m": 0.1})
    assert strict.components.count == 2


def test_t_junction_exactly_on_a_line_without_shared_vertex():
    roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (200, 0)]), LineString([(50, 0), (50, 80)])], crs=CRS)
    g = RoadGraph.from_roads(roads, rules={"network.snap_tolerance_m": 0.0})
    assert g.components.count == 1
    assert sorted(np.round(g.edge_length, 6)) == [50.0, 80.0, 150.0]


def test_bridge_does_not_meet_the_road_below():
    lines = [LineString([(0, 50), (100, 50)]), LineString([(50, 0), (50, 100)])]
    crossing = RoadGraph.from_roads(gpd.GeoDataFrame(geometry=lines, crs=CRS))
    assert crossing.n_edges == 4 and crossing.components.count == 1
    bridge = RoadGraph.from_roads(gpd.GeoDataFrame({"bridge": ["yes", None]}, geometry=lines, crs=CRS))
    assert bridge.n_edges == 2 and bridge.components.count == 2
    layered = RoadGraph.from_roads(gpd.GeoDataFrame({"layer": [1, 0]}, geometry=lines, crs=CRS))
    assert layered.components.count == 2


def test_multilinestrings_and_duplicate_roads():
    roads = gpd.GeoDataFrame(geometry=[
        shapely.MultiLineString([[(0, 0), (100, 0)], [(100, 0), (100, 100)]]),
        LineString([(0, 0), (100, 0)]),  # the same road digitised twice
    ], crs=CRS)
    g = RoadGraph.from_roads(roads)
    assert g.components.count == 1
    d = g.cost_matrix(g.snap(np.array([[0.0, 0.0]])), g.snap(np.array([[100.0, 100.0]])))
    assert d[0, 0] == pytest.approx(200.0)


# -- attributes ------------------------------------------------------------------------------------

def test_passable_by_engine_and_speeds():
    roads = gpd.GeoDataFrame({
        "road_class": ["local", "local", "local", "path", "arterial", None],
        "width": [3.0, 4.0, np.nan, 6.0, 8.0, np.nan],
        "max_height": [np.nan, np.nan, np.nan, np.nan, 3.5, np.nan],
    }, geometry=[LineString([(k * 1000, 0), (k * 1000 + 100, 0)]) for k in range(6)], crs=CRS)
    g = RoadGraph.from_roads(roads)
    order = np.argsort(g.edge_road)
    assert g.edge_passable[order].tolist() == [False, True, True, False, False, True]
    assert g.edge_speed_kmh[order].tolist() == [25.0, 25.0, 25.0, 5.0, 40.0, 25.0]
    strict = RoadGraph.from_roads(roads, rules={"network.unknown_width_passable": False})
    assert strict.edge_passable[np.argsort(strict.edge_road)].tolist() == [False, True, False, False, False, False]
    # engine time over 100 m of village road at 25 km/h
    assert g.edge_cost("engine")[order][1] == pytest.approx(100 / (25 / 3.6))
    frame = g.edges_frame()
    assert {"u", "v", "length_m", "road", "road_class", "speed_kmh", "passable_by_engine", "part"} <= set(frame.columns)


def test_oneway_respected_only_when_asked():
    roads = gpd.GeoDataFrame({"oneway": [True]}, geometry=[LineString([(0, 0), (100, 0)])], crs=CRS)
    a = np.array([[0.0, 0.0]])
    b = np.array([[100.0, 0.0]])
    g = RoadGraph.from_roads(roads)
    assert np.isfinite(g.cost_matrix(g.snap(b), g.snap(a), profile="engine")).all()
    g1 = RoadGraph.from_roads(roads, rules={"network.respect_oneway": True})
    fwd = g1.cost_matrix(g1.snap(a, profile="engine"), g1.snap(b, profile="engine"), profile="engine")
    back = g1.cost_matrix(g1.snap(b, profile="engine"), g1.snap(a, profile="engine"), profile="engine")
    assert fwd[0, 0] == pytest.approx(100 / (25 / 3.6))
    assert np.isinf(back[0, 0])
    assert np.isfinite(g1.cost_matrix(g1.snap(b), g1.snap(a), profile="hose")).all()  # hoses ignore it


# -- snapping and distances -------------------------------------------------------------------------

def test_snap_projects_onto_the_edge_not_the_nearest_node():
    g = RoadGraph.from_roads(grid_roads())
    s = g.snap(gpd.GeoSeries([box(45, 3, 55, 7), Point(200, 0)], crs=CRS))
    assert s.offroad_m.tolist() == pytest.approx([5.0, 0.0])
    xy = g.snap_xy(s)
    assert xy[0].tolist() == pytest.approx([50.0, 0.0])
    # hose path: 5 m off the road + 150 m along it (not via the node (100, 0) 50.2 m away)
    cost = g.cost_matrix(s.take([1]), s.take([0]))
    assert cost[0, 0] == pytest.approx(155.0)


def test_points_on_the_same_edge_go_straight_along_it():
    g = RoadGraph.from_roads(grid_roads())
    s = g.snap(np.array([[20.0, 2.0], [70.0, -3.0]]))
    assert g.cost_matrix(s.take([0]), s.take([1]))[0, 0] == pytest.approx(2 + 50 + 3)
    cost, which = g.nearest_costs(s.take([0]), s.take([1]), limit=100)
    assert cost[0] == pytest.approx(55.0) and which[0] == 0


def test_nearest_costs_limit_and_multi_source():
    g = RoadGraph.from_roads(grid_roads())
    src = g.snap(np.array([[300.0, 300.0], [200.0, 0.0]]))
    tgt = g.snap(np.array([[50.0, 5.0], [290.0, 300.0], [0.0, 300.0]]))
    cost, which = g.nearest_costs(src, tgt, limit=150)
    assert np.isinf(cost[0])           # 155 m > 150 m: beyond the limit
    assert cost[1] == pytest.approx(10.0) and which[1] == 0
    assert np.isinf(cost[2]) and which[2] == -1
    cost, which = g.nearest_costs(src, tgt, limit=300)
    assert cost.tolist() == pytest.approx([155.0, 10.0, 300.0])
    assert which.tolist() == [1, 0, 0]
    full = g.cost_matrix(src, tgt)
    assert full.min(axis=0) == pytest.approx([155.0, 10.0, 300.0])
    s, t, c = g.pair_costs(src, tgt, limit=200)
    assert sorted(zip(s.tolist(), t.tolist(), np.round(c, 6).tolist())) == [(0, 1, 10.0), (1, 0, 155.0)]


def test_far_points_are_not_attached():
    g = RoadGraph.from_roads(grid_roads())
    s = g.snap(np.array([[150.0, 2300.0], [np.nan, np.nan], [150.0, 250.0]]))
    assert s.status.tolist() == [network.SNAP_TOO_FAR, network.SNAP_NO_GEOMETRY, network.SNAP_OK]
    assert s.status_labels().tolist() == ["too_far", "no_geometry", "ok"]
    assert s.attached.tolist() == [False, False, True]
    near = g.snap(np.array([[150.0, 2300.0]]), max_snap_m=5000)
    assert near.offroad_m[0] == pytest.approx(2000.0)


def test_disconnected_network_is_reported_not_fatal():
    roads = pd.concat([grid_roads(), grid_roads(3, x0=2000.0)], ignore_index=True)
    g = RoadGraph.from_roads(roads)
    assert g.components.count == 2
    assert g.components.length_m.tolist() == pytest.approx([2400.0, 1200.0])
    assert g.components.largest_share == pytest.approx(2 / 3)
    assert any(m.key == "network.issue.parts" for m in g.issues)
    src = g.snap(np.array([[0.0, 0.0]]))
    tgt = g.snap(np.array([[2000.0, 0.0], [300.0, 0.0]]))
    cost, which = g.nearest_costs(src, tgt)
    assert np.isinf(cost[0]) and which[0] == -1
    assert cost[1] == pytest.approx(300.0)


def test_roads_without_any_junction():
    roads = gpd.GeoDataFrame(geometry=[LineString([(0, k * 50), (500, k * 50)]) for k in range(4)], crs=CRS)
    g = RoadGraph.from_roads(roads)
    assert g.components.count == 4
    msg = next(m for m in g.issues if m.key == "network.issue.no_junctions")
    assert "junctions" in msg.render("en") and "交叉口" in msg.render("zh_CN")


def test_sample_points_along_edges():
    g = RoadGraph.from_roads(segment_roads(2))
    s = g.sample(30.0)
    # each 100 m edge: 4 pieces → 5 points
    assert len(s) == 4 * 5
    assert s.offroad_m.max() == 0.0 and s.offset_m.max() == pytest.approx(100.0)


# -- caching ---------------------------------------------------------------------------------------

def test_graph_is_cached_per_roads_content():
    roads = grid_roads()
    a = road_graph(roads)
    assert road_graph(roads.copy()) is a
    wider = roads.copy()
    wider["width"] = 6.0
    assert road_graph(wider) is not a
    assert road_graph(roads, rules={"network.speed_local_kmh": 30}) is not a
    moved = roads.copy()
    moved.loc[0, "geometry"] = LineString([(0, 1), (300, 1)])
    assert road_graph(moved) is not a


def test_resnapping_an_edited_layer_snaps_only_the_moved_point(monkeypatch):
    g = road_graph(grid_roads())
    pts = np.array([[10.0, 3.0], [120.0, 50.0], [250.0, 199.0]])
    first = g.snap(pts)
    calls = []
    original = RoadGraph._snap_nearest

    def counting(self, xy, mask_kind, max_snap):
        calls.append(len(xy))
        return original(self, xy, mask_kind, max_snap)

    monkeypatch.setattr(RoadGraph, "_snap_nearest", counting)
    again = g.snap(pts)
    assert calls == []
    assert again.edge.tolist() == first.edge.tolist()
    moved = pts.copy()
    moved[1] = [150.0, 203.0]
    third = g.snap(moved)
    assert calls == [1]
    assert third.offroad_m[1] == pytest.approx(3.0)


# -- bad input -------------------------------------------------------------------------------------

def test_geographic_crs_is_refused():
    roads = grid_roads().set_crs("EPSG:4490", allow_override=True)
    with pytest.raises(CRSError) as err:
        road_graph(roads)
    assert "geographic" in err.value.message("en")


def test_no_usable_lines():
    roads = gpd.GeoDataFrame(geometry=[None, shapely.Point(0, 0), shapely.LineString()], crs=CRS)
    with pytest.raises(NetworkError) as err:
        RoadGraph.from_roads(roads)
    assert isinstance(err.value, ValueError)
    assert "road" in err.value.message("en")
    assert "道路" in err.value.message("zh_CN")


def test_partial_roads_layer_keeps_the_usable_lines():
    roads = grid_roads()
    extra = gpd.GeoDataFrame({"road_class": ["local", "local"]}, geometry=[None, shapely.Point(5, 5)], crs=CRS)
    g = RoadGraph.from_roads(pd.concat([roads, extra], ignore_index=True))
    assert g.n_edges == 24
    keys = {m.key for m in g.issues}
    assert {"network.issue.roads_empty", "network.issue.roads_not_lines"} <= keys


def test_not_a_frame_and_bad_setting():
    with pytest.raises(AnalysisInputError):
        road_graph([LineString([(0, 0), (1, 1)])])
    with pytest.raises(FireRiskError):
        RoadGraph.from_roads(grid_roads(), rules={"network.speed_local_kmh": 0})
    with pytest.raises(AnalysisInputError):
        RoadGraph.from_roads(grid_roads()).snap(np.zeros((1, 2)), profile="helicopter")


def test_inputs_are_not_modified():
    roads = grid_roads(width=[3.0, 5.0] * 4)
    before = roads.copy()
    g = RoadGraph.from_roads(roads)
    pts = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(50, 5)], crs=CRS)
    pts_before = pts.copy()
    g.snap(pts)
    pd.testing.assert_frame_equal(roads, before)
    pd.testing.assert_frame_equal(pts, pts_before)
