"""Benchmark: water coverage on a synthetic 200,000-edge road graph (issue 3, part 4).

100,000 buildings and 5,000 hydrants. Measures

* the **cold run**: graph noding, snapping every building and hydrant, the bounded multi-source
  hose-path search and the per-building distances (target ≤ 5 s);
* the **re-run after moving one hydrant**: graph and snaps come from the cache (target ≤ 0.5 s);
* the **network part** (multi-source Dijkstra from the hydrants, bounded at the search limit,
  then the per-building distances) against ``networkx.multi_source_dijkstra_path_length`` on the
  same graph with the same virtual source nodes, measured in the same run, as a ratio
  (networkx time / ours). The two distance sets are compared.

Run: ``python bench/coverage.py [--edges 200000 --buildings 100000 --hydrants 5000]``.
Ends with ``RESULT edges=... buildings=... hydrants=... cold_s=... rerun_s=... networkx_ratio=...``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fireriskmap.analysis.coverage import water_coverage  # noqa: E402
from fireriskmap.analysis.network import clear_graph_cache, road_graph  # noqa: E402

CRS = "EPSG:4545"


def synthetic(n_edges: int, n_buildings: int, n_hydrants: int, seed: int = 3):
    """A jittered 100 m street grid (one line per street segment, shared vertices), buildings
    beside random streets (8–40 m off the road), hydrants 1–3 m off random streets."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_edges / 2))) + 2
    x0, y0 = 500_000.0, 2_900_000.0
    gx, gy = np.meshgrid(np.arange(side) * 100.0, np.arange(side) * 100.0)
    nodes = np.column_stack([gx.ravel() + x0, gy.ravel() + y0]) + rng.normal(0, 8, (side * side, 2))
    idx = np.arange(side * side).reshape(side, side)
    pairs = np.vstack([np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()]),
                       np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()])])
    pairs = pairs[rng.permutation(len(pairs))[:n_edges]]
    a, b = nodes[pairs[:, 0]], nodes[pairs[:, 1]]
    roads = gpd.GeoDataFrame({"road_class": rng.choice(["local", "lane", "collector"], n_edges, p=[.6, .3, .1]),
                              "width": rng.choice([3.0, 4.5, 6.0, np.nan], n_edges)},
                             geometry=shapely.linestrings(np.stack([a, b], axis=1)), crs=CRS)

    def beside(count, lo, hi):
        e = rng.integers(0, n_edges, count)
        t = rng.uniform(0.05, 0.95, count)
        d = b[e] - a[e]
        normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None]
        side_ = rng.choice([-1.0, 1.0], count)
        return a[e] + t[:, None] * d + normal * (side_ * rng.uniform(lo, hi, count))[:, None]

    centres = beside(n_buildings, 8, 40)
    w = rng.uniform(3, 6, n_buildings)
    buildings = gpd.GeoDataFrame({"households": rng.integers(1, 4, n_buildings)},
                                 geometry=shapely.box(centres[:, 0] - w, centres[:, 1] - w,
                                                      centres[:, 0] + w, centres[:, 1] + w), crs=CRS)
    hydrants = gpd.GeoDataFrame({"working": rng.random(n_hydrants) > 0.05},
                                geometry=shapely.points(beside(n_hydrants, 1, 3)), crs=CRS)
    return roads, buildings, hydrants


def networkx_part(graph, h_snap, b_snap, limit):
    """The same bounded multi-source search with networkx; returns (seconds, building distances)."""
    import networkx as nx

    G = nx.DiGraph()
    u, v, w = graph.edge_u, graph.edge_v, graph.edge_length
    G.add_weighted_edges_from(zip(u.tolist(), v.tolist(), w.tolist()))
    G.add_weighted_edges_from(zip(v.tolist(), u.tolist(), w.tolist()))
    n = graph.n_nodes
    att = np.nonzero(h_snap.attached)[0]
    e = h_snap.edge[att]
    a = h_snap.offset_m[att]
    length = graph.edge_length[e]
    off = h_snap.offroad_m[att]
    virt = n + np.arange(len(att))
    G.add_weighted_edges_from(zip(virt.tolist(), graph.edge_u[e].tolist(), (off + a).tolist()))
    G.add_weighted_edges_from(zip(virt.tolist(), graph.edge_v[e].tolist(), (off + length - a).tolist()))
    t0 = time.perf_counter()
    dist = nx.multi_source_dijkstra_path_length(G, set(virt.tolist()), cutoff=limit)
    node_d = np.full(n + len(att), np.inf)
    keys = np.fromiter(dist.keys(), dtype=np.int64, count=len(dist))
    node_d[keys] = np.fromiter(dist.values(), dtype=float, count=len(dist))
    bt = np.nonzero(b_snap.attached)[0]
    be = b_snap.edge[bt]
    ba = b_snap.offset_m[bt]
    best = np.minimum(node_d[graph.edge_u[be]] + ba, node_d[graph.edge_v[be]] + graph.edge_length[be] - ba) \
        + b_snap.offroad_m[bt]
    seconds = time.perf_counter() - t0
    out = np.full(len(b_snap), np.inf)
    out[bt] = best
    return seconds, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edges", type=int, default=200_000)
    ap.add_argument("--buildings", type=int, default=100_000)
    ap.add_argument("--hydrants", type=int, default=5_000)
    ap.add_argument("--no-networkx", action="store_true")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    roads, buildings, hydrants = synthetic(args.edges, args.buildings, args.hydrants)
    print(f"synthetic data: {len(roads)} road lines, {len(buildings)} buildings, {len(hydrants)} hydrants "
          f"({time.perf_counter() - t:.1f} s to generate)")

    clear_graph_cache()
    t = time.perf_counter()
    cold = water_coverage(buildings, roads, hydrants, gaps=False, spacing=False)
    cold_s = time.perf_counter() - t
    graph = road_graph(roads)  # from the cache
    print(f"cold run: {cold_s:.2f} s  ({graph.n_nodes} nodes, {graph.n_edges} edges, "
          f"{graph.components.count} parts; covered {cold.summary['covered_share']:.1%})")

    moved = hydrants.copy()
    first = moved.index[0]
    p = moved.geometry.iloc[0]
    moved.loc[first, "geometry"] = shapely.Point(p.x + 37.0, p.y - 21.0)
    t = time.perf_counter()
    rerun = water_coverage(buildings, roads, moved, gaps=False, spacing=False)
    rerun_s = time.perf_counter() - t
    changed = int((cold.buildings["water_distance_m"].fillna(-1) != rerun.buildings["water_distance_m"].fillna(-1)).sum())
    print(f"re-run after moving one hydrant: {rerun_s:.3f} s  ({changed} buildings changed distance)")

    t = time.perf_counter()
    full = water_coverage(buildings, roads, hydrants)
    print(f"with coverage gaps and 120 m spacing: {time.perf_counter() - t:.2f} s "
          f"({len(full.gaps)} gaps, {len(full.spacing)} stretches)")

    ratio = float("nan")
    if not args.no_networkx:
        try:
            import networkx  # noqa: F401
        except ImportError:
            print("networkx is not installed: no comparison (pip install networkx)")
        else:
            limit = 300.0
            h_snap = graph.snap(hydrants.geometry[hydrants["working"]])
            b_snap = graph.snap(buildings.geometry)
            reps = 3
            t = time.perf_counter()
            for _ in range(reps):
                ours, _ = graph.nearest_costs(h_snap, b_snap, profile="hose", limit=limit)
            ours_s = (time.perf_counter() - t) / reps
            nx_s, theirs = networkx_part(graph, h_snap, b_snap, limit)
            theirs[theirs > limit] = np.inf
            both = np.isfinite(ours) | np.isfinite(theirs)
            # ours also takes the straight path along a shared edge, which can only be shorter
            agree = np.isclose(ours[both], theirs[both]) | (ours[both] < theirs[both])
            ratio = nx_s / ours_s
            print(f"network part: ours {ours_s * 1000:.0f} ms, networkx {nx_s * 1000:.0f} ms "
                  f"(ratio {ratio:.1f}); distances agree for {agree.mean():.2%} of {both.sum()} buildings")
    print(f"RESULT edges={len(roads)} buildings={len(buildings)} hydrants={len(hydrants)} "
          f"cold_s={cold_s:.2f} rerun_s={rerun_s:.3f} networkx_ratio={ratio:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
