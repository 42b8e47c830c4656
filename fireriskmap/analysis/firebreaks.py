"""Proposed fire breaks (寨改): the cheapest links to break so a flagged cluster falls apart into
parts that are each under the 集中连片 thresholds.

The problem
-----------
A flagged cluster is a graph: buildings are nodes (households ``h``, footprint ``a``), links are
edges. Breaking a set of links ``F`` leaves the connected parts of the graph without ``F``; the
plan is feasible when every part of two or more buildings has fewer households than the threshold
(50) and no more footprint than the area threshold (2500 m²). A single building always counts as
a part that is done: links cannot split it (such buildings are reported). We minimise the total
cost of ``F``.

Link cost (rules ``firebreak_*`` in ``rules/clusters.toml``), in m² of building to clear or wall to
harden::

    cost = (shortfall_m × facing_m + cost_per_link) × (touching_factor if the walls touch)

``shortfall_m`` = required separation − gap (a 5 m gap where 6 m is needed is cheap), ``facing_m``
= the length over which the two footprints face each other across the gap (the width of the strip
to clear), ``cost_per_link`` the fixed cost of retrofitting one more building side, and touching
walls (party walls: rebuild as a fire wall or remove a house) are dearer.

The method (``method="heuristic"``)
-----------------------------------
1. **Orders.** A part to split is ordered in several ways: swept in 12 straight directions and
   along its two principal axes (straight breaks), along the Fiedler vector of the cost-weighted
   graph Laplacian (follows a curved village), and, for parts of up to 60 buildings, by greedy
   graph growing from its ends (add the building that raises the cut least). In an order,
   cutting between two consecutive buildings breaks every link that crosses that position: the
   cost of all positions is one prefix sum.
2. **Strips.** For every order an exact dynamic programme (sliding-window minimum) finds the
   cheapest set of cut positions that leaves only feasible runs: parallel straight breaks for
   the direction sweeps.
3. **Bisection.** The cheapest single cut that does not raise the lower bound on the number of
   parts (``ceil(h / 49)``, ``ceil(a / 2500)``) splits the part in two and each side is solved
   recursively; the three best cuts are tried near the top of the recursion (parts of up to
   200 buildings). At every level the cheaper of (2) and (3) is kept, so crossing breaks (lanes
   in a grid) and parallel ones compete.
4. **Straight first.** A curved candidate (Fiedler, graph growing) wins over the best straight
   one only when it is cheaper by more than ``firebreak_straightness_tolerance`` (5 %): lanes
   follow straight breaks.
5. **Refinement** until it gains less than 0.2 %: neighbouring parts whose union is feasible are
   merged (their links need no cut); single buildings move to a neighbouring part when that
   lowers the cost and keeps the parts feasible (Fiduccia–Mattheyses-style positive-gain moves);
   the union of each pair of neighbouring parts is split again by (1)–(4) and kept when cheaper.

Cost: about 1–3 ms per building of the flagged clusters (a 900-building block in 2–3 s).

``method="exact"`` solves clusters of up to 16 buildings exactly by dynamic programming over
subsets (maximise the cost kept inside feasible parts); ``"auto"`` (default) uses it up to 12
buildings. ``tests/analysis/test_firebreaks.py`` and ``bench/clusters.py`` measure the heuristic
against the exact optimum on random small clusters (the ratio is printed by the benchmark).

Break lines: for each pair of neighbouring parts, a line through the middles of the broken links'
gaps (centred on the facing walls), ordered along their main direction and extended by half the
facing width at both ends; a single link gives the segment across its gap.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from fireriskmap.analysis.classify import BuildingLayerError, topic_rules
from fireriskmap.analysis.clusters import ClusterResult, _threshold, find_clusters
from fireriskmap.i18n import Msg, tr
from fireriskmap.progress import ProgressFn, null_progress

__all__ = ["FirebreakResult", "propose_firebreaks", "link_costs", "split_cluster", "optimal_split",
           "cut_cost", "EXACT_LIMIT"]

EXACT_LIMIT = 16  # buildings: the exact method's limit (3**16 subset pairs)
AUTO_EXACT = 12  # buildings: "auto" solves up to this size exactly
_TOUCH_M = 0.05  # a gap up to this is "touching"
_MIN_FACING_M = 1.0
_EPS = 1e-9
_MAX_MEAN_LINKS = 60  # links per building beyond which a "cluster" is overlapping data, not a village


# -- feasibility ---------------------------------------------------------------------------------

class _Limits:
    """The thresholds: a part is feasible when single or under both (households <, area ≤)."""

    def __init__(self, households: np.ndarray, h_limit: float, a_limit: float) -> None:
        self.h = float(h_limit)
        self.a = float(a_limit)
        integral = np.all(np.abs(households - np.round(households)) < 1e-9)
        self.cap_h = float(np.ceil(self.h) - 1) if integral else self.h * (1 - 1e-9)
        self.cap_h = max(self.cap_h, _EPS)

    def feasible(self, hs: np.ndarray | float, as_: np.ndarray | float, size: np.ndarray | int) -> np.ndarray:
        return (np.asarray(size) <= 1) | ((np.asarray(hs) < self.h - 1e-9) & (np.asarray(as_) <= self.a + 1e-9))

    def lower_bound(self, hs: np.ndarray, as_: np.ndarray) -> np.ndarray:
        """Fewest parts a set can be split into (bin-packing bound, ignores the graph)."""
        return np.maximum(1, np.maximum(np.ceil(np.asarray(hs) / self.cap_h - 1e-9),
                                        np.ceil(np.asarray(as_) / self.a - 1e-9)))


def cut_cost(labels: np.ndarray, edges_i: np.ndarray, edges_j: np.ndarray, cost: np.ndarray) -> float:
    """Total cost of the links whose ends carry different labels."""
    labels = np.asarray(labels)
    return float(np.asarray(cost)[labels[edges_i] != labels[edges_j]].sum())


def _components(n: int, ei: np.ndarray, ej: np.ndarray, keep: np.ndarray | None = None) -> np.ndarray:
    if keep is not None:
        ei, ej = ei[keep], ej[keep]
    graph = coo_matrix((np.ones(len(ei), dtype=np.int8), (ei, ej)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


# -- the heuristic -------------------------------------------------------------------------------

class _Splitter:
    def __init__(self, households: np.ndarray, area: np.ndarray, xy: np.ndarray, ei: np.ndarray,
                 ej: np.ndarray, cost: np.ndarray, limits: _Limits, tolerance: float, directions: int) -> None:
        self.h = np.asarray(households, dtype=float)
        self.a = np.asarray(area, dtype=float)
        self.xy = np.asarray(xy, dtype=float)
        self.ei = np.asarray(ei, dtype=np.int64)
        self.ej = np.asarray(ej, dtype=np.int64)
        self.c = np.asarray(cost, dtype=float)
        self.n = len(self.h)
        self.lim = limits
        self.tol = float(tolerance)
        angles = np.arange(directions) * np.pi / max(directions, 1)
        self.dirs = np.column_stack([np.cos(angles), np.sin(angles)])
        w = np.concatenate([self.c, self.c])
        self.beam, self.beam_nodes, self.beam_depth = 3, 200, 2
        self.local_fiedler_nodes = 24
        self.grow_nodes = 60
        self.grow_all_nodes = 16
        self.fiedler = self._fiedler(self.n, self.ei, self.ej, self.c) if self.n >= 3 else None
        self.W = csr_matrix((w, (np.concatenate([self.ei, self.ej]), np.concatenate([self.ej, self.ei]))),
                            shape=(self.n, self.n))

    # the sub-problem's edges -------------------------------------------------------------------
    def _local(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        where = np.full(self.n, -1, dtype=np.int64)
        where[nodes] = np.arange(len(nodes))
        inside = (where[self.ei] >= 0) & (where[self.ej] >= 0)
        return where[self.ei[inside]], where[self.ej[inside]], self.c[inside]

    def _orders(self, nodes: np.ndarray, eu: np.ndarray, ev: np.ndarray, ec: np.ndarray
                ) -> list[tuple[np.ndarray, bool]]:
        xy = self.xy[nodes] - self.xy[nodes].mean(axis=0)
        dirs = [self.dirs]
        if len(nodes) >= 2:
            _, _, vt = np.linalg.svd(xy, full_matrices=False)
            dirs.append(np.vstack([vt[0], [-vt[0, 1], vt[0, 0]]]))
        proj = xy @ np.vstack(dirs).T
        orders = [(np.argsort(proj[:, k], kind="stable"), True) for k in range(proj.shape[1])]
        if self.fiedler is not None:  # the whole cluster's, restricted to these buildings
            orders.append((np.argsort(self.fiedler[nodes], kind="stable"), False))
        local = None
        if len(nodes) <= self.local_fiedler_nodes and len(nodes) < self.n:
            local = self._fiedler(len(nodes), eu, ev, ec)
            if local is not None:
                orders.append((np.argsort(local, kind="stable"), False))
        if 3 <= len(nodes) <= self.grow_nodes:  # region growing from the ends of the part
            if len(nodes) <= self.grow_all_nodes:
                seeds = set(range(len(nodes)))
            else:
                seeds = {int(np.argmin(proj[:, k])) for k in (-2, -1)} | {int(np.argmax(proj[:, k])) for k in (-2, -1)}
            if local is not None:
                seeds |= {int(np.argmin(local)), int(np.argmax(local))}
            m = len(nodes)
            adj = csr_matrix((np.concatenate([ec, ec]), (np.concatenate([eu, ev]), np.concatenate([ev, eu]))),
                             shape=(m, m))
            degree = np.asarray(adj.sum(axis=1)).ravel()
            for seed in sorted(seeds):
                orders.append((self._grow(adj, degree, seed), False))
        return orders

    @staticmethod
    def _grow(adj: csr_matrix, degree: np.ndarray, seed: int) -> np.ndarray:
        """Greedy graph growing: add the building that raises the cut least (ties: the first)."""
        m = adj.shape[0]
        inside = np.zeros(m, dtype=bool)
        towards = np.zeros(m)
        order = np.empty(m, dtype=np.int64)
        v = seed
        for step in range(m):
            order[step] = v
            inside[v] = True
            start, end = adj.indptr[v], adj.indptr[v + 1]
            towards[adj.indices[start:end]] += adj.data[start:end]
            if step == m - 1:
                break
            priority = np.where(inside, -np.inf, np.where(towards > 0, 2 * towards - degree, -np.inf))
            v = int(np.argmax(priority))
            if not np.isfinite(priority[v]):  # nothing adjacent left: continue elsewhere
                v = int(np.flatnonzero(~inside)[0])
        return order

    @staticmethod
    def _fiedler(m: int, eu: np.ndarray, ev: np.ndarray, ec: np.ndarray) -> np.ndarray | None:
        if m < 3:
            return None
        w = np.maximum(ec, 1e-6)
        adj = coo_matrix((np.concatenate([w, w]), (np.concatenate([eu, ev]), np.concatenate([ev, eu]))),
                         shape=(m, m)).tocsr()
        degree = np.asarray(adj.sum(axis=1)).ravel()
        try:
            if m <= 24:  # tiny: dense (sparse ARPACK needs k < m and is slower here)
                lap = np.diag(degree) - adj.toarray()
                _, vecs = np.linalg.eigh(lap)
                return vecs[:, 1]
            from scipy.sparse import diags
            from scipy.sparse.linalg import eigsh

            lap = (diags(degree) - adj).tocsc()
            _, vecs = eigsh(lap, k=2, sigma=-1e-3 * float(degree.mean()), which="LM")
            return vecs[:, 1]
        except Exception:  # numerical trouble: the straight sweeps still work
            return None

    def _sweep(self, nodes: np.ndarray, order: np.ndarray, eu: np.ndarray, ev: np.ndarray, ec: np.ndarray):
        m = len(order)
        rank = np.empty(m, dtype=np.int64)
        rank[order] = np.arange(m)
        lo = np.minimum(rank[eu], rank[ev])
        hi = np.maximum(rank[eu], rank[ev])
        diff = np.zeros(m + 1)
        np.add.at(diff, lo + 1, ec)
        np.add.at(diff, hi + 1, -ec)
        split = np.cumsum(diff)[:m]  # split[k]: cost of cutting between ranks k-1 and k
        split[0] = 0.0
        hc = np.concatenate([[0.0], np.cumsum(self.h[nodes][order])])
        ac = np.concatenate([[0.0], np.cumsum(self.a[nodes][order])])
        return split, hc, ac

    def _strips(self, m: int, split: np.ndarray, hc: np.ndarray, ac: np.ndarray) -> np.ndarray | None:
        """Exact DP: cheapest cut positions leaving feasible consecutive runs; returns run ids by rank."""
        ends = np.arange(1, m + 1)
        lo_h = np.searchsorted(hc, hc[1:] - self.lim.h + 1e-9, side="right")
        lo_a = np.searchsorted(ac, ac[1:] - self.lim.a - 1e-9, side="left")
        lo = np.minimum(np.maximum(lo_h, lo_a), ends - 1).tolist()
        best = [0.0] * (m + 1)
        choice = [0] * (m + 1)
        value = [0.0] * (m + 1)
        window: deque[int] = deque()
        splits = split.tolist()
        for b in range(1, m + 1):
            start = b - 1
            g = best[start] + (splits[start] if start else 0.0)
            value[start] = g
            while window and value[window[-1]] >= g:
                window.pop()
            window.append(start)
            first = lo[b - 1]
            while window[0] < first:
                window.popleft()
            best[b] = value[window[0]]
            choice[b] = window[0]
        runs = np.zeros(m, dtype=np.int64)
        b, run = m, 0
        while b > 0:
            a = choice[b]
            runs[a:b] = run
            run += 1
            b = a
        return runs

    def _bisection(self, m: int, split: np.ndarray, hc: np.ndarray, ac: np.ndarray, lb_total: float
                   ) -> tuple[int, float, float] | None:
        """Best single cut position: (position, cost, extra parts forced) or None."""
        if m < 2:
            return None
        k = np.arange(1, m)
        lh, la = hc[k], ac[k]
        rh, ra = hc[-1] - lh, ac[-1] - la
        extra = self.lim.lower_bound(lh, la) + self.lim.lower_bound(rh, ra) - lb_total
        cost = split[k]
        best_extra = extra.min()
        pick = np.flatnonzero(extra == best_extra)
        j = pick[np.argmin(cost[pick])]
        return int(k[j]), float(cost[j]), float(best_extra)

    # recursion -------------------------------------------------------------------------------------
    def _parts_cost(self, nodes: np.ndarray, parts: list[np.ndarray]) -> float:
        label = np.full(self.n, -1, dtype=np.int64)
        for p, part in enumerate(parts):
            label[part] = p
        eu, ev, ec = self._local(nodes)
        return cut_cost(label[nodes], eu, ev, ec)

    def _feasible_set(self, nodes: np.ndarray) -> bool:
        return bool(self.lim.feasible(self.h[nodes].sum(), self.a[nodes].sum(), len(nodes)))

    def solve(self, nodes: np.ndarray, depth: int = 0) -> list[np.ndarray]:
        """Feasible connected parts covering ``nodes``."""
        eu, ev, _ = self._local(nodes)
        comp = _components(len(nodes), eu, ev)
        parts: list[np.ndarray] = []
        for c in np.unique(comp):
            member = nodes[comp == c]
            if self._feasible_set(member):
                parts.append(member)
            else:
                parts.extend(self._solve_connected(member, depth))
        return parts

    def _solve_connected(self, nodes: np.ndarray, depth: int) -> list[np.ndarray]:
        eu, ev, ec = self._local(nodes)
        m = len(nodes)
        lb_total = float(self.lim.lower_bound(self.h[nodes].sum(), self.a[nodes].sum()))
        strips: list[tuple[float, bool, list[np.ndarray]]] = []
        cuts: list[tuple[float, float, bool, np.ndarray, int]] = []
        for order, straight in self._orders(nodes, eu, ev, ec):
            split, hc, ac = self._sweep(nodes, order, eu, ev, ec)
            runs = self._strips(m, split, hc, ac)
            label = np.empty(m, dtype=np.int64)
            label[order] = runs
            parts = [nodes[label == r] for r in np.unique(runs)]
            strips.append((cut_cost(label, eu, ev, ec), straight, parts))
            cut = self._bisection(m, split, hc, ac, lb_total)
            if cut is not None:
                cuts.append((cut[2], cut[1], straight, order, cut[0]))
        candidates: list[tuple[float, bool, list[np.ndarray]]] = [self._prefer_straight(strips)]
        if cuts:
            least = min(c[0] for c in cuts)
            pool = sorted(((cost, straight, (order, k)) for extra, cost, straight, order, k in cuts if extra == least),
                          key=lambda o: o[0])
            width = self.beam if (m <= self.beam_nodes and depth < self.beam_depth) else 1
            chosen = [self._prefer_straight(pool)]
            seen = {self._key(nodes, chosen[0][2])}
            for option in pool:
                if len(chosen) >= width:
                    break
                key = self._key(nodes, option[2])
                if key not in seen:
                    seen.add(key)
                    chosen.append(option)
            for cost, straight, (order, k) in chosen:
                left, right = nodes[order[:k]], nodes[order[k:]]
                parts = self.solve(left, depth + 1) + self.solve(right, depth + 1)
                candidates.append((self._parts_cost(nodes, parts), straight, parts))
        return self._prefer_straight(candidates)[2]

    @staticmethod
    def _key(nodes: np.ndarray, cut: tuple[np.ndarray, int]) -> bytes:
        order, k = cut
        side = np.sort(nodes[order[:k]]) if k <= len(order) - k else np.sort(nodes[order[k:]])
        return side.tobytes()

    def _prefer_straight(self, options: list[tuple]) -> tuple:
        """The cheapest option; a curved one only when cheaper than the best straight by > tol."""
        straight = [o for o in options if o[1]]
        best = min(options, key=lambda o: o[0])
        if straight and not best[1]:
            best_straight = min(straight, key=lambda o: o[0])
            if best[0] >= best_straight[0] * (1.0 - self.tol):
                return best_straight
        return best

    # refinement -------------------------------------------------------------------------------
    def _relabel(self, label: np.ndarray) -> np.ndarray:
        keep = label[self.ei] == label[self.ej]
        return _components(self.n, self.ei, self.ej, keep)

    def _merge(self, label: np.ndarray) -> np.ndarray:
        while True:
            k = int(label.max()) + 1
            hs = np.bincount(label, weights=self.h, minlength=k)
            as_ = np.bincount(label, weights=self.a, minlength=k)
            size = np.bincount(label, minlength=k)
            cut = label[self.ei] != label[self.ej]
            if not cut.any():
                return label
            p, q = label[self.ei[cut]], label[self.ej[cut]]
            lo, hi = np.minimum(p, q), np.maximum(p, q)
            pair = coo_matrix((self.c[cut], (lo, hi)), shape=(k, k)).tocsr().tocoo()
            ok = self.lim.feasible(hs[pair.row] + hs[pair.col], as_[pair.row] + as_[pair.col],
                                   size[pair.row] + size[pair.col])
            if not ok.any():
                return label
            gain = np.where(ok, pair.data, -np.inf)
            j = int(np.argmax(gain))
            label = np.where(label == pair.col[j], pair.row[j], label)
            label = np.unique(label, return_inverse=True)[1]

    def _moves(self, label: np.ndarray, max_passes: int = 30) -> np.ndarray:
        """Positive-gain single-building moves to a neighbouring part that stays feasible."""
        label = label.copy()
        k = int(label.max()) + 1
        if self.n * k > 20_000_000:  # keep the dense gain table in memory bounds
            return label
        onehot = csr_matrix((np.ones(self.n), (np.arange(self.n), label)), shape=(self.n, k))
        conn = np.asarray((self.W @ onehot).todense())
        hs = np.bincount(label, weights=self.h, minlength=k)
        as_ = np.bincount(label, weights=self.a, minlength=k)
        size = np.bincount(label, minlength=k).astype(float)
        rows = np.arange(self.n)
        for _ in range(max_passes):
            own = conn[rows, label]
            ok = self.lim.feasible(hs[None, :] + self.h[:, None], as_[None, :] + self.a[:, None],
                                   size[None, :] + 1)
            gain = np.where(ok & (conn > 0), conn - own[:, None], -np.inf)
            gain[rows, label] = -np.inf
            target = np.argmax(gain, axis=1)
            best = gain[rows, target]
            candidates = np.flatnonzero(best > 1e-9)
            if not len(candidates):
                break
            candidates = candidates[np.argsort(-best[candidates], kind="stable")]
            locked = np.zeros(self.n, dtype=bool)
            moved = 0
            for v in candidates.tolist():  # boundary buildings with a gain, best first
                if locked[v]:
                    continue
                q, p = int(target[v]), int(label[v])
                if conn[v, q] - conn[v, p] <= 1e-9:
                    continue
                if not self.lim.feasible(hs[q] + self.h[v], as_[q] + self.a[v], size[q] + 1):
                    continue
                label[v] = q
                hs[p] -= self.h[v]
                hs[q] += self.h[v]
                as_[p] -= self.a[v]
                as_[q] += self.a[v]
                size[p] -= 1
                size[q] += 1
                start, end = self.W.indptr[v], self.W.indptr[v + 1]
                nbr, w = self.W.indices[start:end], self.W.data[start:end]
                np.add.at(conn[:, p], nbr, -w)
                np.add.at(conn[:, q], nbr, w)
                locked[v] = True
                locked[nbr] = True
                moved += 1
            if not moved:
                break
        return label

    def _resolve_pairs(self, label: np.ndarray, max_rounds: int = 5) -> np.ndarray:
        """Re-split the union of each pair of neighbouring parts; keep it when cheaper."""
        label = label.copy()
        for _ in range(max_rounds):
            improved = False
            cut = label[self.ei] != label[self.ej]
            if not cut.any():
                break
            p, q = label[self.ei[cut]], label[self.ej[cut]]
            pairs = pd.DataFrame({"a": np.minimum(p, q), "b": np.maximum(p, q), "c": self.c[cut]})
            pairs = pairs.groupby(["a", "b"], sort=False)["c"].sum().sort_values(ascending=False)
            touched: set[int] = set()
            for (a, b), between in pairs.items():  # pairs of neighbouring parts, dearest first
                if a in touched or b in touched:
                    continue
                union = np.flatnonzero((label == a) | (label == b))
                depth = 0 if len(union) <= self.beam_nodes else self.beam_depth  # small unions: with the beam
                parts = self.solve(union, depth)
                if parts is not None and self._parts_cost(union, parts) < between - 1e-9:
                    top = int(label.max()) + 1
                    for offset, part in enumerate(parts):
                        label[part] = top + offset
                    touched.update((int(a), int(b)))
                    improved = True
            label = np.unique(label, return_inverse=True)[1]
            if not improved:
                break
        return label

    def refine(self, label: np.ndarray) -> np.ndarray:
        label = self._merge(self._relabel(label))
        best, best_cost = label, cut_cost(label, self.ei, self.ej, self.c)
        for _ in range(10):
            label = self._merge(self._relabel(self._moves(best)))
            label = self._merge(self._relabel(self._resolve_pairs(label)))
            cost = cut_cost(label, self.ei, self.ej, self.c)
            if cost < best_cost - 1e-9:
                best, best_cost, gained = label, cost, best_cost - cost
            else:
                gained = 0.0
            if gained <= 0.002 * best_cost:  # converged (less than 0.2 % better)
                break
        return best

    def run(self) -> np.ndarray:
        parts = self.solve(np.arange(self.n))
        label = np.empty(self.n, dtype=np.int64)
        for p, part in enumerate(parts):
            label[part] = p
        return self.refine(label)


def split_cluster(households: np.ndarray, area: np.ndarray, xy: np.ndarray, edges_i: np.ndarray,
                  edges_j: np.ndarray, cost: np.ndarray, *, households_threshold: float,
                  area_threshold_m2: float, straightness_tolerance: float = 0.05,
                  directions: int = 12) -> np.ndarray:
    """Heuristic split of one cluster graph into feasible parts (see the module notes).

    Parameters
    ----------
    households, area : array of float
        Per building: households and footprint (m²).
    xy : array (n, 2)
        Building positions (m), e.g. centroids.
    edges_i, edges_j : array of int
        Links as 0-based building positions.
    cost : array of float
        Cost of breaking each link.
    households_threshold, area_threshold_m2 : float
        A part of two or more buildings must have fewer households and no more footprint.
    straightness_tolerance : float
        A curved cut must be cheaper than the best straight one by more than this fraction.
    directions : int
        Number of straight sweep directions over 180°.

    Returns
    -------
    ndarray of int
        Part label per building (0-based, consecutive; parts are connected).
    """
    households = np.asarray(households, dtype=float)
    n = len(households)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    limits = _Limits(households, households_threshold, area_threshold_m2)
    splitter = _Splitter(households, area, xy, edges_i, edges_j, cost, limits, straightness_tolerance, directions)
    return splitter.run()


# -- the exact method ----------------------------------------------------------------------------

def optimal_split(households: np.ndarray, area: np.ndarray, edges_i: np.ndarray, edges_j: np.ndarray,
                  cost: np.ndarray, *, households_threshold: float, area_threshold_m2: float
                  ) -> tuple[np.ndarray, float]:
    """The cheapest feasible split, exactly, for up to :data:`EXACT_LIMIT` buildings.

    Dynamic programming over subsets: the best value of a set ``S`` is the most link cost that can
    be kept inside feasible parts covering ``S``; ``g(S) = max over feasible P ∋ min(S) of
    inside(P) + g(S \\ P)``. The optimum cut cost is the total minus ``g(all)``. Time ``O(3^n)``.

    Returns
    -------
    labels : ndarray of int
        Part per building.
    cost : float
        The optimal total cost.
    """
    households = np.asarray(households, dtype=float)
    area = np.asarray(area, dtype=float)
    ei = np.asarray(edges_i, dtype=np.int64)
    ej = np.asarray(edges_j, dtype=np.int64)
    c = np.asarray(cost, dtype=float)
    n = len(households)
    if n > EXACT_LIMIT:
        raise ValueError(f"optimal_split handles at most {EXACT_LIMIT} buildings, got {n}")
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0.0
    limits = _Limits(households, households_threshold, area_threshold_m2)
    full = (1 << n) - 1
    masks = np.arange(full + 1, dtype=np.int64)
    bits = ((masks[:, None] >> np.arange(n)) & 1).astype(bool)
    hs = bits @ households
    as_ = bits @ area
    size = bits.sum(axis=1)
    inside = np.zeros(full + 1)
    for u, v, w in zip(ei.tolist(), ej.tolist(), c.tolist()):  # links of one small cluster
        inside += w * (bits[:, u] & bits[:, v])
    feasible = limits.feasible(hs, as_, size)
    feasible[0] = False
    best = np.full(full + 1, -np.inf)
    best[0] = 0.0
    choice = np.zeros(full + 1, dtype=np.int64)
    for s in range(1, full + 1):
        low = s & -s
        rest = s ^ low
        positions = [b for b in range(n) if rest >> b & 1]
        t = np.arange(1 << len(positions), dtype=np.int64)
        sub = np.zeros_like(t)
        for idx, b in enumerate(positions):
            sub |= ((t >> idx) & 1) << b
        part = sub | low
        values = np.where(feasible[part], inside[part] + best[rest ^ sub], -np.inf)
        j = int(np.argmax(values))
        best[s] = values[j]
        choice[s] = part[j]
    labels = np.zeros(n, dtype=np.int64)
    s, label = full, 0
    while s:
        part = int(choice[s])
        labels[bits[part]] = label
        label += 1
        s ^= part
    return labels, float(c.sum() - best[full])


# -- link costs and geometry ---------------------------------------------------------------------

def link_costs(geoms_i: np.ndarray, geoms_j: np.ndarray, gap: np.ndarray, required: np.ndarray, *,
               rules: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Cost and geometry of breaking links (vectorised).

    Parameters
    ----------
    geoms_i, geoms_j : array of shapely polygons
        The two footprints of each link.
    gap, required : array of float
        Gap and required separation (m).
    rules : mapping, optional
        Overrides of the ``clusters.firebreak_*`` rules.

    Returns
    -------
    DataFrame
        ``shortfall_m``, ``facing_m`` (length over which the footprints face each other),
        ``touching``, ``cost`` (m² equivalent), and the gap's middle ``mid_x``, ``mid_y`` with the
        unit direction across the gap ``ux``, ``uy``.
    """
    r = topic_rules(rules, "clusters")
    gi = np.asarray(geoms_i, dtype=object)
    gj = np.asarray(geoms_j, dtype=object)
    gap = np.asarray(gap, dtype=float)
    required = np.asarray(required, dtype=float)
    n = len(gi)
    if n == 0:
        return pd.DataFrame({k: np.zeros(0) for k in ("shortfall_m", "facing_m", "touching", "cost",
                                                      "mid_x", "mid_y", "ux", "uy")})
    line = shapely.shortest_line(gi, gj)
    ends = shapely.get_coordinates(line).reshape(n, 2, 2)
    vec = ends[:, 1] - ends[:, 0]
    length = np.hypot(vec[:, 0], vec[:, 1])
    ci = shapely.get_coordinates(shapely.centroid(gi))
    cj = shapely.get_coordinates(shapely.centroid(gj))
    between = cj - ci
    use_line = length > _TOUCH_M
    u = np.where(use_line[:, None], vec, between)
    norm = np.hypot(u[:, 0], u[:, 1])
    u = np.where(norm[:, None] > 1e-12, u / np.where(norm > 1e-12, norm, 1.0)[:, None], np.array([1.0, 0.0]))
    v = np.column_stack([-u[:, 1], u[:, 0]])

    def extent(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xy, owner = shapely.get_coordinates(geoms, return_index=True)
        proj = xy[:, 0] * v[owner, 0] + xy[:, 1] * v[owner, 1]
        starts = np.searchsorted(owner, np.arange(n))
        return np.minimum.reduceat(proj, starts), np.maximum.reduceat(proj, starts)

    lo_i, hi_i = extent(gi)
    lo_j, hi_j = extent(gj)
    lo, hi = np.maximum(lo_i, lo_j), np.minimum(hi_i, hi_j)
    facing = np.maximum(hi - lo, _MIN_FACING_M)
    mid = (ends[:, 0] + ends[:, 1]) / 2
    centre = np.where(hi > lo, (lo + hi) / 2, (mid * v).sum(axis=1))
    mid = mid + v * (centre - (mid * v).sum(axis=1))[:, None]
    shortfall = np.maximum(required - gap, 0.0)
    touching = gap <= _TOUCH_M
    cost = (shortfall * facing + float(r["firebreak_cost_per_link"]))
    cost = np.where(touching, cost * float(r["firebreak_touching_factor"]), cost)
    return pd.DataFrame({"shortfall_m": shortfall, "facing_m": facing, "touching": touching, "cost": cost,
                         "mid_x": mid[:, 0], "mid_y": mid[:, 1], "ux": u[:, 0], "uy": u[:, 1]})


def _break_line(mid: np.ndarray, u: np.ndarray, facing: np.ndarray) -> shapely.LineString:
    """One break: through the gap middles, along their main direction, extended at the ends."""
    if len(mid) == 1 or np.ptp(mid, axis=0).max() < 0.5:
        across = u.mean(axis=0)
        direction = np.array([-across[1], across[0]])
        norm = np.hypot(*direction)
        direction = direction / norm if norm > 1e-12 else np.array([0.0, 1.0])
        centre = mid.mean(axis=0)
        half = facing.max() / 2
        return shapely.LineString([centre - direction * half, centre + direction * half])
    centred = mid - mid.mean(axis=0)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0]
    t = centred @ direction
    order = np.argsort(t, kind="stable")
    pts = mid[order]
    first = pts[0] - direction * facing[order[0]] / 2
    last = pts[-1] + direction * facing[order[-1]] / 2
    return shapely.LineString(np.vstack([first, pts, last]))


# -- the analysis --------------------------------------------------------------------------------

@dataclass
class FirebreakResult:
    """What :func:`propose_firebreaks` returns.

    Attributes
    ----------
    firebreaks : GeoDataFrame
        Layer ``firebreaks``: one line per break between two neighbouring parts of a flagged
        cluster: ``cluster_id``, ``cost`` (m² equivalent), ``buildings_involved`` (index labels of
        the buildings at the broken links), ``part_sizes`` (households of every part of the
        cluster after all its breaks, largest first), ``width_m`` (the largest separation the
        broken links need, at least the fire-lane width), and ``links``, ``households_a``,
        ``households_b`` (the two sides).
    part_id : Series (Int64)
        Per building: its part (1 = most households) within a flagged cluster; ``<NA>`` elsewhere.
    cut_links : DataFrame
        Every link to break: buildings (labels and positions), gap, required, shortfall, facing
        width, cost, cluster and the two parts.
    summary : DataFrame
        One row per flagged cluster: buildings, households, parts, part sizes, links cut, cost,
        the method used and buildings too large to separate.
    issues : list of Msg
    """

    firebreaks: gpd.GeoDataFrame
    part_id: pd.Series
    cut_links: pd.DataFrame
    summary: pd.DataFrame
    issues: list[Msg] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        """Headline figures (plain types, for ``--json`` and the run log)."""
        s = self.summary
        return {
            "flagged_clusters": int(len(s)),
            "breaks": int(len(self.firebreaks)),
            "links_cut": int(len(self.cut_links)),
            "total_cost": float(s["cost"].sum()) if len(s) else 0.0,
            "buildings_involved": int(pd.unique(pd.concat([self.cut_links["i"], self.cut_links["j"]])).size)
            if len(self.cut_links) else 0,
            "issues": [str(m) for m in self.issues],
        }


def propose_firebreaks(buildings: gpd.GeoDataFrame, *, clusters: ClusterResult | None = None,
                       mode: str | None = None, gap_m: float | None = None,
                       households_threshold: float | None = None, area_threshold_m2: float | None = None,
                       rules: Mapping[str, Any] | None = None, method: str = "auto",
                       progress: ProgressFn | None = None) -> FirebreakResult:
    """Propose fire breaks (寨改) for every flagged cluster.

    Parameters
    ----------
    buildings : GeoDataFrame
        The buildings layer (metric CRS). Not modified.
    clusters : ClusterResult, optional
        The result of :func:`~fireriskmap.analysis.clusters.find_clusters` on the same
        ``buildings``; computed here when not given (with ``mode``, ``gap_m`` and the thresholds).
    mode, gap_m : optional
        How buildings are linked when ``clusters`` is not given (see ``find_clusters``).
    households_threshold, area_threshold_m2 : float, optional
        Thresholds each part must stay under; default: those the clusters were flagged with.
    rules : mapping, optional
        Overrides of ``clusters.*`` rules (``project.settings`` works).
    method : {"auto", "heuristic", "exact"}
        ``"heuristic"`` (see the module notes), ``"exact"`` (clusters up to 16 buildings; larger
        ones fall back to the heuristic with an issue), ``"auto"``: exact up to 12 buildings.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    FirebreakResult
    """
    report = progress or null_progress
    if method not in ("auto", "heuristic", "exact"):
        raise BuildingLayerError(problem=Msg("firebreaks.error.method", method=method))
    r = topic_rules(rules, "clusters")
    if clusters is None:
        clusters = find_clusters(buildings, mode=mode, gap_m=gap_m, households_threshold=households_threshold,
                                 area_threshold_m2=area_threshold_m2, rules=rules, outlines=False,
                                 progress=lambda f, m="": report(0.3 * f, m))
    h_limit = _threshold(households_threshold if households_threshold is not None
                         else clusters.params.get("households_threshold", r["households_threshold"]),
                         "households_threshold")
    a_limit = _threshold(area_threshold_m2 if area_threshold_m2 is not None
                         else clusters.params.get("area_threshold_m2", r["area_threshold_m2"]),
                         "area_threshold_m2")
    tol = float(r["firebreak_straightness_tolerance"])
    index = buildings.index
    issues: list[Msg] = []
    cid = clusters.cluster_id.to_numpy(dtype=np.int64, na_value=-1)
    table = clusters.clusters
    hh_all = clusters.households.to_numpy(dtype=float)
    area_all = clusters.footprint_m2.to_numpy(dtype=float)
    geoms = clusters.footprints
    member_hh = pd.Series(hh_all).groupby(cid).sum()
    member_area = pd.Series(area_all).groupby(cid).sum()
    if len(table):
        hh_c = member_hh.reindex(table["cluster_id"].to_numpy(dtype=np.int64)).to_numpy()
        area_c = member_area.reindex(table["cluster_id"].to_numpy(dtype=np.int64)).to_numpy()
        over = (hh_c >= h_limit - 1e-9) | (area_c > a_limit + 1e-9)
        flagged_ids = table["cluster_id"].to_numpy(dtype=np.int64)[over]
    else:
        flagged_ids = np.zeros(0, dtype=np.int64)

    links = clusters.links
    in_flagged = np.isin(links["cluster_id"].to_numpy(), flagged_ids)
    fl = links[in_flagged].reset_index(drop=True)
    report(0.3, tr("firebreaks.progress.costs"))
    li, lj = fl["i"].to_numpy(), fl["j"].to_numpy()
    lc = link_costs(geoms[li], geoms[lj], fl["gap_m"].to_numpy(), fl["required_m"].to_numpy(), rules=r)
    fl = pd.concat([fl, lc], axis=1)
    centroid = np.full((len(index), 2), np.nan)
    members_all = np.flatnonzero(np.isin(cid, flagged_ids))
    if len(members_all):
        centroid[members_all] = shapely.get_coordinates(shapely.centroid(geoms[members_all]))

    part_global = np.full(len(index), -1, dtype=np.int64)
    cut_mask = np.zeros(len(fl), dtype=bool)
    link_parts = np.full((len(fl), 2), -1, dtype=np.int64)
    rows = []
    fl_cluster = fl["cluster_id"].to_numpy()
    link_cost = fl["cost"].to_numpy()
    by_cluster = pd.Series(np.arange(len(fl))).groupby(fl_cluster).indices if len(fl) else {}
    member_rows = pd.Series(members_all).groupby(cid[members_all]).indices if len(members_all) else {}
    part_households: dict[int, np.ndarray] = {}
    oversized_rows: list[np.ndarray] = []
    oversized_in: list[int] = []
    for step, c in enumerate(flagged_ids.tolist()):  # one graph problem per flagged cluster
        report(0.35 + 0.55 * step / max(len(flagged_ids), 1), tr("firebreaks.progress.cluster", cluster=c))
        members = members_all[member_rows[c]]  # sorted positions
        lrows = np.asarray(by_cluster.get(c, []), dtype=np.int64)
        ei, ej = np.searchsorted(members, li[lrows]), np.searchsorted(members, lj[lrows])
        ec = link_cost[lrows]
        h, a = hh_all[members], area_all[members]
        if len(lrows) > _MAX_MEAN_LINKS * len(members):  # overlapping footprints, not a village
            issues.append(Msg("firebreaks.issue.too_dense", cluster=c, links=len(lrows), count=len(members)))
            rows.append({"cluster_id": c, "buildings": len(members), "households": int(round(h.sum())),
                         "parts": 1, "part_sizes": _sizes(np.array([h.sum()])), "links_cut": 0, "cost": 0.0,
                         "method": "skipped", "oversized_buildings": 0})
            continue
        used = "heuristic"
        want_exact = method == "exact" or (method == "auto" and len(members) <= AUTO_EXACT)
        if want_exact and len(members) <= EXACT_LIMIT:
            labels, _ = optimal_split(h, a, ei, ej, ec, households_threshold=h_limit, area_threshold_m2=a_limit)
            used = "exact"
        else:
            if method == "exact":
                issues.append(Msg("firebreaks.issue.exact_too_large", limit=EXACT_LIMIT, cluster=c,
                                  count=len(members)))
            labels = split_cluster(h, a, centroid[members], ei, ej, ec, households_threshold=h_limit,
                                   area_threshold_m2=a_limit, straightness_tolerance=tol)
        labels = _components(len(members), ei, ej, labels[ei] == labels[ej])
        k = int(labels.max()) + 1
        part_h = np.bincount(labels, weights=h, minlength=k)
        rank = np.empty(k, dtype=np.int64)
        rank[np.lexsort((np.arange(k), -part_h))] = np.arange(k)
        labels = rank[labels]
        part_h = np.bincount(labels, weights=h, minlength=k)
        part_households[c] = part_h
        part_global[members] = labels + 1
        cut = labels[ei] != labels[ej]
        cut_mask[lrows[cut]] = True
        link_parts[lrows, 0] = labels[ei] + 1
        link_parts[lrows, 1] = labels[ej] + 1
        oversized = (h >= h_limit - 1e-9) | (a > a_limit + 1e-9)
        if oversized.any():
            oversized_rows.append(members[oversized])
            oversized_in.append(c)
        rows.append({"cluster_id": c, "buildings": len(members), "households": int(round(h.sum())),
                     "parts": k, "part_sizes": _sizes(part_h), "links_cut": int(cut.sum()),
                     "cost": float(ec[cut].sum()), "method": used, "oversized_buildings": int(oversized.sum())})

    if oversized_rows:
        alone = np.concatenate(oversized_rows)
        more = f" … (+{len(oversized_in) - 5})" if len(oversized_in) > 5 else ""
        issues.append(Msg("firebreaks.issue.oversized_building", count=len(alone),
                          clusters=", ".join(str(c) for c in oversized_in[:5]) + more,
                          examples=", ".join(str(x) for x in index[alone[:5]]) + (" …" if len(alone) > 5 else "")))
    report(0.9, tr("firebreaks.progress.lines"))
    cuts = fl[cut_mask].copy()
    cuts["part_a"] = np.minimum(link_parts[cut_mask, 0], link_parts[cut_mask, 1])
    cuts["part_b"] = np.maximum(link_parts[cut_mask, 0], link_parts[cut_mask, 1])
    summary = pd.DataFrame(rows, columns=["cluster_id", "buildings", "households", "parts", "part_sizes",
                                          "links_cut", "cost", "method", "oversized_buildings"])
    breaks = []
    sizes_of = dict(zip(summary["cluster_id"], summary["part_sizes"]))
    for (c, pa, pb), group in cuts.groupby(["cluster_id", "part_a", "part_b"], sort=True):  # one per break
        hh_parts = part_households[int(c)]
        involved = pd.unique(np.concatenate([group["building_i"].to_numpy(dtype=object),
                                             group["building_j"].to_numpy(dtype=object)]))
        breaks.append({
            "cluster_id": int(c),
            "cost": float(group["cost"].sum()),
            "buildings_involved": ", ".join(str(x) for x in _sorted_labels(involved)),
            "part_sizes": sizes_of.get(c, ""),
            "width_m": float(max(float(r["firebreak_min_width_m"]), group["required_m"].max())),
            "links": int(len(group)),
            "households_a": int(round(hh_parts[pa - 1])),
            "households_b": int(round(hh_parts[pb - 1])),
            "geometry": _break_line(group[["mid_x", "mid_y"]].to_numpy(), group[["ux", "uy"]].to_numpy(),
                                    group["facing_m"].to_numpy()),
        })
    columns = ["cluster_id", "cost", "buildings_involved", "part_sizes", "width_m", "links", "households_a",
               "households_b"]
    frame = pd.DataFrame(breaks, columns=columns + ["geometry"])
    firebreaks = gpd.GeoDataFrame(frame[columns].astype({"cluster_id": "Int64", "links": "Int64",
                                                         "households_a": "Int64", "households_b": "Int64"}),
                                  geometry=gpd.GeoSeries(frame["geometry"].to_numpy(), crs=buildings.crs),
                                  crs=buildings.crs)
    part_id = pd.Series(pd.array(np.where(part_global > 0, part_global, 0), dtype="Int64"), index=index,
                        name="firebreak_part")
    part_id[part_global <= 0] = pd.NA
    cut_links = cuts[["cluster_id", "part_a", "part_b", "i", "j", "building_i", "building_j", "gap_m",
                      "required_m", "shortfall_m", "facing_m", "touching", "cost"]].reset_index(drop=True)
    report(1.0, tr("firebreaks.progress.done"))
    return FirebreakResult(firebreaks=firebreaks, part_id=part_id, cut_links=cut_links, summary=summary,
                           issues=issues)


def _sizes(part_h: np.ndarray) -> str:
    return ", ".join(str(int(round(x))) for x in sorted(part_h.tolist(), reverse=True))


def _sorted_labels(values: np.ndarray) -> list:
    try:
        return sorted(values.tolist())
    except TypeError:
        return sorted(values.tolist(), key=str)
