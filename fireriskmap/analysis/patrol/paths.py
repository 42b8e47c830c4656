"""Route geometry along the roads: the shortest path of each leg, rebuilt from Dijkstra predecessors.

The travel-time matrix (:meth:`RoadGraph.cost_matrix`) gives costs only; the map needs the roads a
team drives. For each leg between two snapped points the path is *point → its road (walked) →
along its edge to an end node → shortest path between nodes → along the last edge → point*, or
straight along the edge when both points lie on the same edge — the same composition the matrix
uses, so the drawn path is the one that was costed. One bounded Dijkstra with predecessors is run
from the two end nodes of each distinct leg start (``scipy.sparse.csgraph.dijkstra``), in chunks to
keep memory near ``chunk × n_nodes``.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from scipy.sparse.csgraph import dijkstra

from fireriskmap.analysis.network import RoadGraph, Snapped

__all__ = ["leg_paths"]


def _chain(pred_row: np.ndarray, target: int) -> list[int]:
    nodes = [target]
    k = target
    while True:
        k = int(pred_row[k])
        if k < 0:
            break
        nodes.append(k)
    nodes.reverse()
    return nodes


def leg_paths(graph: RoadGraph, points: Snapped, legs: Sequence[tuple[int, int]], *, profile: str,
              speeds: Mapping[str, float] | None = None) -> list[np.ndarray | None]:
    """Coordinates of the cheapest road path of each leg ``(a, b)`` (positions in ``points``).

    Returns one ``(k, 2)`` array per leg (from the point ``a`` to the point ``b``, in the graph's
    CRS) or ``None`` when either point is not attached or there is no path.
    """
    out: list[np.ndarray | None] = [None] * len(legs)
    if not len(legs):
        return out
    csr = graph.csr(profile, speeds)
    directed = graph.directed(profile)
    cost = graph.edge_cost(profile, speeds)
    length = graph.edge_length
    per_m = np.where(length > 0, cost / np.where(length > 0, length, 1), 0.0)
    snap_xy = graph.snap_xy(points)
    att = points.attached

    def end_costs(p: int) -> tuple[int, int, float, float]:
        e = int(points.edge[p])
        a = float(points.offset_m[p])
        to_u = a * per_m[e]                      # point → u: against the edge's direction
        to_v = (length[e] - a) * per_m[e]        # point → v: along it
        if directed and graph.edge_oneway[e]:
            to_u = np.inf
        return int(graph.edge_u[e]), int(graph.edge_v[e]), to_u, to_v

    def from_costs(p: int) -> tuple[int, int, float, float]:
        e = int(points.edge[p])
        a = float(points.offset_m[p])
        from_u = a * per_m[e]                    # u → point: along
        from_v = (length[e] - a) * per_m[e]      # v → point: against
        if directed and graph.edge_oneway[e]:
            from_v = np.inf
        return int(graph.edge_u[e]), int(graph.edge_v[e]), from_u, from_v

    todo = [(k, int(a), int(b)) for k, (a, b) in enumerate(legs) if att[a] and att[b]]
    sources = sorted({a for _, a, _ in todo})
    n = graph.n_nodes
    chunk = max(1, int(2_000_000 // max(2 * n, 1)))
    for lo in range(0, len(sources), chunk):
        block = sources[lo:lo + chunk]
        rows = {}
        idx = []
        for a in block:
            u, v, _, _ = end_costs(a)
            rows[a] = (len(idx), len(idx) + 1)
            idx += [u, v]
        dist, pred = dijkstra(csr, directed=True, indices=np.asarray(idx), return_predecessors=True)
        for k, a, b in todo:
            if a not in rows:
                continue
            ra_u, ra_v = rows[a]
            au, av, a_to_u, a_to_v = end_costs(a)
            bu, bv, u_to_b, v_to_b = from_costs(b)
            options = []
            for row, start_node, c0 in ((ra_u, au, a_to_u), (ra_v, av, a_to_v)):
                for end_node, c1 in ((bu, u_to_b), (bv, v_to_b)):
                    options.append((c0 + dist[row, end_node] + c1, row, start_node, end_node))
            same = None
            if points.edge[a] == points.edge[b]:
                e = int(points.edge[a])
                delta = float(points.offset_m[b] - points.offset_m[a])
                c = abs(delta) * per_m[e]
                if not (directed and graph.edge_oneway[e] and delta < 0):
                    same = c
            best = min(options, key=lambda o: o[0])
            start_xy = points.xy[a]
            end_xy = points.xy[b]
            if same is not None and same <= best[0]:
                coords = [start_xy, snap_xy[a], snap_xy[b], end_xy]
            elif np.isfinite(best[0]):
                _, row, start_node, end_node = best
                nodes = _chain(pred[row], end_node) if end_node != start_node else [start_node]
                if nodes[0] != start_node:
                    continue
                coords = [start_xy, snap_xy[a], *graph.node_xy[nodes], snap_xy[b], end_xy]
            else:
                continue
            arr = np.asarray(coords, dtype=float)
            keep = np.r_[True, np.any(np.abs(np.diff(arr, axis=0)) > 1e-9, axis=1)]
            out[k] = arr[keep]
    return out
