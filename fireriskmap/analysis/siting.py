"""Siting: where new hydrants (maximal coverage) and stations (p-median) help most.

Candidates (:func:`candidate_sites`) are points along the roads passable by fire engines, evenly
spaced at most ``water.candidate_spacing_m`` (50 m) apart for hydrants or
``response.station_candidate_spacing_m`` (200 m) for stations, plus any sites the user gives.

**Maximal coverage** (:func:`site_hydrants`, :func:`solve_max_coverage`): choose *k* sites that
cover the largest weight of buildings not yet covered, a site covering a building when the hose
path between them is ≤ ``water.hydrant_radius_m`` (150 m, GB 50974-2014 7.2.5). The weight is a
risk column when given, else households (1 for a building whose households are unknown).

**p-median** (:func:`site_stations`, :func:`solve_p_median`): choose *p* sites that minimise the
total weighted arrival time (turnout + travel on passable roads + walked legs), existing stations
staying open.

Both are solved **exactly** with OR-Tools (the MIP solver HiGHS through ``model_builder``, falling
back to SCIP) when the instance is small enough (``water.siting_exact_max_pairs`` /
``response.siting_exact_max_pairs``) and within a time limit; otherwise — or when OR-Tools is not
installed — by a **greedy method with lazy evaluation** (CELF: a site's gain is only recomputed when
it reaches the top of the queue; the objectives are submodular, so stale gains are upper bounds),
followed for the p-median by vertex-interchange (swap) improvement. Every result says which method
produced it (``method``) and whether it is proven optimal (``optimal``). Formulations:

* max coverage: max Σ wᵢ zᵢ  s.t.  zᵢ ≤ Σ_{j covers i} yⱼ,  Σ yⱼ ≤ k,  y ∈ {0,1}, 0 ≤ z ≤ 1;
* p-median: min Σ wᵢ dᵢⱼ xᵢⱼ  s.t.  Σⱼ xᵢⱼ = 1,  xᵢⱼ ≤ yⱼ,  Σ yⱼ = p (+ fixed),  y ∈ {0,1}, x ≥ 0.

Checked on OR-Library pmed1–pmed10 (``bench/pmedian.py``): the exact optimum on all ten.
"""

from __future__ import annotations

import heapq
import os
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from fireriskmap.analysis import rules as _rules
from fireriskmap.analysis.coverage import CoverageResult, water_coverage
from fireriskmap.analysis.network import (AnalysisInputError, RoadGraph, _positive, check_frame,
                                          point_locations, road_graph, topic_rules, travel_speeds)
from fireriskmap.analysis.response import FORCE_TYPES, station_table
from fireriskmap.i18n import Msg
from fireriskmap.progress import ProgressFn, null_progress, sub_progress

__all__ = ["SolveResult", "SitingResult", "candidate_sites", "site_hydrants", "site_stations",
           "solve_max_coverage", "solve_p_median", "read_orlib_pmed", "ortools_available", "METHODS"]

#: ``method`` values.
METHODS = ("exact", "exact_time_limit", "greedy_lazy", "greedy_lazy_swap")
_SOLVERS = ("highs", "scip")


@lru_cache(maxsize=1)
def ortools_available() -> bool:
    """Whether OR-Tools (and one of its MIP solvers) can be used."""
    try:
        from ortools.linear_solver.python import model_builder as mb
    except ImportError:
        return False
    return any(mb.Solver(s).solver_is_supported() for s in _SOLVERS)


@dataclass
class SolveResult:
    """A solution of :func:`solve_max_coverage` or :func:`solve_p_median`.

    Attributes
    ----------
    selected : ndarray of int
        Chosen candidate positions, in order of decreasing marginal value (the order in which
        to build them).
    gains : ndarray
        Marginal value of each selected site in that order (covered weight, or cost reduction).
    objective : float
        Covered weight (max coverage) or total weighted cost (p-median).
    method : str
        One of :data:`METHODS`.
    optimal : bool
        Proven optimal.
    bound : float or None
        Best bound from the exact solver (equals ``objective`` when optimal).
    seconds : float
        Solve time.
    solver : str or None
        The OR-Tools backend used (``"highs"``, ``"scip"``).
    """

    selected: np.ndarray
    gains: np.ndarray
    objective: float
    method: str
    optimal: bool
    bound: float | None = None
    seconds: float = 0.0
    solver: str | None = None


@dataclass(eq=False)
class SitingResult:
    """What :func:`site_hydrants` / :func:`site_stations` return.

    Attributes
    ----------
    sites : GeoDataFrame
        The chosen sites (``layers/proposed_hydrants.toml``): ``order``, ``gain_buildings``,
        ``gain_weight``, ``method``, plus ``candidate`` (``"road"``/``"user"``), ``road`` (label),
        ``optimal``.
    curve : DataFrame
        Gain for k = 1..K: ``k``, ``buildings``, ``weight`` (cumulative), ``method``, ``optimal``
        (p-median: ``objective`` = total weighted seconds and ``within_5min`` buildings).
    candidates : GeoDataFrame
        Every candidate considered.
    method : str
    optimal : bool
    summary : dict
    issues : list of Msg
    """

    sites: gpd.GeoDataFrame
    curve: pd.DataFrame
    candidates: gpd.GeoDataFrame
    method: str
    optimal: bool
    summary: dict[str, Any]
    issues: list[Msg] = field(default_factory=list)


# -- solvers ---------------------------------------------------------------------------------------

def _mip_solve(lb, ub, obj, clb, cub, matrix, integer_vars, *, maximize, time_limit_s):
    """Solve a MIP given in sparse form with OR-Tools; returns (values, objective, bound, optimal, solver).

    (No solution hint is passed: ``model_builder`` hints crash or invalidate the model in
    OR-Tools 9.15; the greedy solution is compared afterwards instead.)
    """
    from ortools.linear_solver.python import model_builder as mb

    model = mb.Model()
    helper = model.helper
    helper.fill_model_from_sparse_data(lb, ub, obj, clb, cub, sp.csr_matrix(matrix))
    for k in integer_vars:
        helper.set_var_integrality(int(k), True)
    if maximize:
        helper.set_maximize(True)
    for name in _SOLVERS:
        solver = mb.Solver(name)
        if not solver.solver_is_supported():
            continue
        if name == "highs":
            solver.set_solver_specific_parameters("output_flag=false\nlog_to_console=false\nthreads=1")
        solver.set_time_limit_in_seconds(float(time_limit_s))
        status = solver.solve(model)
        if status in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE):
            # only the integer (site) variables are read back: they come first
            values = np.array([solver.value(model.var_from_index(int(k))) for k in integer_vars])
            try:
                bound = float(solver.best_objective_bound)
            except Exception:  # pragma: no cover - some backends have no bound
                bound = None
            return values, float(solver.objective_value), bound, status == mb.SolveStatus.OPTIMAL, name
        if status in (mb.SolveStatus.INFEASIBLE, mb.SolveStatus.UNBOUNDED):
            return None, None, None, False, name
    return None, None, None, False, None


def _order_coverage(cover_csc: sp.csc_matrix, w: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order chosen sites greedily by marginal covered weight; returns (order, gains)."""
    covered = np.zeros(cover_csc.shape[0], dtype=bool)
    left = [int(j) for j in chosen]
    order, gains = [], []

    def rows(j: int) -> np.ndarray:
        return cover_csc.indices[cover_csc.indptr[j]:cover_csc.indptr[j + 1]]

    while left:
        g = [float(w[rows(j)][~covered[rows(j)]].sum()) for j in left]
        best = int(np.argmax(g))
        j = left.pop(best)
        order.append(j)
        gains.append(g[best])
        covered[rows(j)] = True
    return np.asarray(order, dtype=np.int64), np.asarray(gains, dtype=float)


def _greedy_coverage(cover_csc: sp.csc_matrix, w: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Lazy greedy (CELF) maximal coverage: (selected in order, gains)."""
    n_cand = cover_csc.shape[1]
    covered = np.zeros(cover_csc.shape[0], dtype=bool)
    initial = np.asarray(cover_csc.T @ w).ravel()
    heap = [(-initial[j], j) for j in range(n_cand) if initial[j] > 0]
    heapq.heapify(heap)
    fresh = np.full(n_cand, 0, dtype=np.int64)  # round when the gain was last computed
    selected, gains = [], []
    rnd = 0
    while heap and len(selected) < k:
        neg, j = heapq.heappop(heap)
        if fresh[j] == rnd:
            if -neg <= 0:
                break
            selected.append(j)
            gains.append(-neg)
            rows = cover_csc.indices[cover_csc.indptr[j]:cover_csc.indptr[j + 1]]
            covered[rows] = True
            rnd += 1
            continue
        rows = cover_csc.indices[cover_csc.indptr[j]:cover_csc.indptr[j + 1]]
        gain = float(w[rows][~covered[rows]].sum())
        fresh[j] = rnd
        if gain > 0:
            heapq.heappush(heap, (-gain, j))
    return np.asarray(selected, dtype=np.int64), np.asarray(gains, dtype=float)


def _undominated(cover: sp.csr_matrix) -> np.ndarray:
    """Columns whose covered row set is not contained in another column's (ties: lowest index kept)."""
    a = sp.csc_matrix(cover, dtype=np.float64)
    a.data[:] = 1.0
    size = np.asarray(a.sum(axis=0)).ravel()
    keep = size > 0
    common = (a.T @ a).tocoo()
    j, jj, c = common.row, common.col, common.data
    other = j != jj
    j, jj, c = j[other], jj[other], c[other]
    contained = c >= size[j] - 0.5     # every row of j is a row of jj
    dominated = contained & ((size[jj] > size[j]) | ((size[jj] == size[j]) & (jj < j)))
    keep[j[dominated]] = False
    return np.nonzero(keep)[0]


def solve_max_coverage(cover: sp.spmatrix, weights: np.ndarray, k: int, *, method: str = "auto",
                       time_limit_s: float = 60.0, max_pairs: int = 2_000_000) -> SolveResult:
    """Choose ``k`` candidates covering the largest total weight.

    Parameters
    ----------
    cover : sparse matrix (n_demand, n_candidates)
        Non-zero where a candidate covers a demand point.
    weights : ndarray (n_demand,)
        Non-negative weights.
    k : int
        Number of sites.
    method : {"auto", "exact", "greedy"}
        ``"auto"``: exact when OR-Tools is available and ``cover.nnz ≤ max_pairs``, else greedy.
    time_limit_s : float
        Time limit of the exact solve; if it runs out the better of its best solution and the
        greedy one is returned with ``optimal=False``.

    Returns
    -------
    SolveResult
    """
    t0 = time.perf_counter()
    if method not in ("auto", "exact", "greedy"):
        raise AnalysisInputError(layer="method", problem=Msg("siting.problem.method", method=method))
    cover = sp.csr_matrix(cover, dtype=float)
    cover.data[:] = 1.0
    w = np.asarray(weights, dtype=float)
    if (w < 0).any() or not np.isfinite(w).all():
        raise AnalysisInputError(layer="weights", problem=Msg("siting.problem.weights"))
    n_dem, n_cand = cover.shape
    k = int(min(max(k, 0), n_cand))
    csc = cover.tocsc()
    g_sel, g_gain = _greedy_coverage(csc, w, k)
    greedy = SolveResult(g_sel, g_gain, float(g_gain.sum()), "greedy_lazy", False,
                         seconds=time.perf_counter() - t0)
    if k == 0 or n_cand == 0 or cover.nnz == 0:
        greedy.optimal = True
        return greedy
    want_exact = method == "exact" or (method == "auto" and cover.nnz <= max_pairs)
    if not want_exact or not ortools_available():
        return greedy
    # aggregate identical demand rows (same covering set): one variable each
    useful = np.asarray(cover.sum(axis=1)).ravel() > 0
    rows = np.nonzero(useful & (w > 0))[0]
    sub = cover[rows]
    rng = np.random.default_rng(12345)  # row fingerprints: two random projections + the row size
    proj = sub @ rng.standard_normal((n_cand, 2))
    sizes = np.diff(sub.indptr)
    group, uniq = pd.MultiIndex.from_arrays([proj[:, 0], proj[:, 1], sizes]).factorize()
    wg = np.bincount(group, weights=w[rows], minlength=len(uniq))
    first = np.unique(group, return_index=True)[1]
    agg = sub[first]
    # drop dominated candidates (their covered set lies inside another's): swapping one for its
    # dominator never loses coverage, so the optimum is unchanged
    cols = _undominated(agg)
    agg = agg[:, cols]
    n_cand = len(cols)
    m = agg.shape[0]
    # variables: y (n_cand, binary), z (m, continuous); rows: z_i - sum_j a_ij y_j <= 0 ; sum y <= k
    coo = agg.tocoo()
    r = np.concatenate([np.arange(m), coo.row, np.full(n_cand, m)])
    c = np.concatenate([n_cand + np.arange(m), coo.col, np.arange(n_cand)])
    v = np.concatenate([np.ones(m), -np.ones(coo.nnz), np.ones(n_cand)])
    matrix = sp.csr_matrix((v, (r, c)), shape=(m + 1, n_cand + m))
    lb = np.zeros(n_cand + m)
    ub = np.ones(n_cand + m)
    obj = np.concatenate([np.zeros(n_cand), wg])
    clb = np.full(m + 1, -np.inf)
    cub = np.concatenate([np.zeros(m), [k]])
    values, objective, bound, optimal, solver = _mip_solve(
        lb, ub, obj, clb, cub, matrix, range(n_cand), maximize=True, time_limit_s=time_limit_s)
    if values is None or objective < greedy.objective - 1e-9:
        greedy.seconds = time.perf_counter() - t0
        greedy.bound = bound
        return greedy
    chosen = cols[np.nonzero(values[:n_cand] > 0.5)[0]]
    order, gains = _order_coverage(csc, w, chosen)
    keep = gains > 0 if len(gains) else np.zeros(0, bool)
    if optimal:
        bound = objective
    return SolveResult(order[keep], gains[keep], float(gains.sum()), "exact" if optimal else "exact_time_limit",
                       bool(optimal), bound, time.perf_counter() - t0, solver)


def _pmedian_cost(cost: np.ndarray, w: np.ndarray, open_: np.ndarray, fixed_best: np.ndarray) -> float:
    best = fixed_best if not len(open_) else np.minimum(fixed_best, cost[:, open_].min(axis=1))
    return float((w * best).sum())


def _reduction(cost: np.ndarray, w: np.ndarray, cur: np.ndarray, rows: np.ndarray | None = None,
               other: np.ndarray | None = None) -> np.ndarray:
    """Per column j: Σᵢ wᵢ · max(curᵢ − costᵢⱼ, 0) over ``rows`` (all by default), in column blocks
    to bound memory. With ``other``: Σᵢ wᵢ · (min(otherᵢ, costᵢⱼ) − min(curᵢ, costᵢⱼ)) instead."""
    sub = cost if rows is None else cost[rows]
    wr = w if rows is None else w[rows]
    cr = cur if rows is None else cur[rows]
    n, m = sub.shape
    out = np.zeros(m)
    step = max(1, 2_000_000 // max(n, 1))
    for lo in range(0, m, step):
        block = sub[:, lo:lo + step]
        if other is None:
            out[lo:lo + step] = wr @ np.maximum(cr[:, None] - block, 0.0)
        else:
            o = other if rows is None else other[rows]
            out[lo:lo + step] = wr @ (np.minimum(o[:, None], block) - np.minimum(cr[:, None], block))
    return out


def _greedy_pmedian(cost: np.ndarray, w: np.ndarray, p: int, fixed_best: np.ndarray) -> np.ndarray:
    """Lazy greedy (CELF) on the cost reduction (a submodular gain: stale gains are upper bounds)."""
    n, m = cost.shape
    cur = fixed_best.copy()
    gains0 = _reduction(cost, w, cur)
    heap = [(-gains0[j], j) for j in range(m)]
    heapq.heapify(heap)
    fresh = np.zeros(m, dtype=np.int64)
    rnd = 0
    selected: list[int] = []
    while heap and len(selected) < p:
        neg, j = heapq.heappop(heap)
        if fresh[j] == rnd:
            selected.append(j)
            cur = np.minimum(cur, cost[:, j])
            rnd += 1
            continue
        gain = float(w @ np.maximum(cur - cost[:, j], 0.0))
        fresh[j] = rnd
        heapq.heappush(heap, (-gain, j))
    return np.asarray(selected, dtype=np.int64)


def _swap_improve(cost: np.ndarray, w: np.ndarray, open_: np.ndarray, fixed_best: np.ndarray,
                  deadline: float) -> np.ndarray:
    """Vertex interchange (Teitz–Bart, best improvement, vectorised over the candidates).

    For every open site l and candidate j, the total after swapping l out and j in is
    Σᵢ wᵢ min(c1ᵢ, dᵢⱼ) + Σ_{i served by l} wᵢ (min(c2ᵢ, dᵢⱼ) − min(c1ᵢ, dᵢⱼ)), with c1/c2 the
    nearest and second-nearest open (or existing) cost; the best improving swap is made until none
    is left or the deadline passes.
    """
    open_ = [int(j) for j in open_]
    n, m = cost.shape
    if not open_ or len(open_) >= m:
        return np.asarray(open_, dtype=np.int64)
    while time.perf_counter() < deadline:
        sub = np.column_stack([cost[:, open_], fixed_best])
        order = np.argsort(sub, axis=1)
        c1 = sub[np.arange(n), order[:, 0]]
        c2 = sub[np.arange(n), order[:, 1]]
        a1 = order[:, 0]  # position in open_; len(open_) = an existing facility
        total = float(w @ c1)
        add = total - _reduction(cost, w, c1)           # Σ w min(c1, d_j) for every j
        best_delta, best_pair = -1e-9, None
        for pos in range(len(open_)):
            mine = np.nonzero(a1 == pos)[0]
            corr = _reduction(cost, w, c1, rows=mine, other=c2) if len(mine) else np.zeros(m)
            new_total = add + corr
            new_total[open_] = np.inf
            j = int(np.argmin(new_total))
            delta = new_total[j] - total
            if delta < best_delta:
                best_delta, best_pair = delta, (pos, j)
        if best_pair is None:
            break
        open_[best_pair[0]] = best_pair[1]
    return np.asarray(open_, dtype=np.int64)


def _order_pmedian(cost, w, chosen, fixed_best) -> tuple[np.ndarray, np.ndarray]:
    cur = fixed_best.copy()
    left = list(chosen)
    order, gains = [], []
    while left:
        g = [(w * np.maximum(cur - cost[:, j], 0.0)).sum() for j in left]
        b = int(np.argmax(g))
        j = left.pop(b)
        order.append(j)
        gains.append(float(g[b]))
        cur = np.minimum(cur, cost[:, j])
    return np.asarray(order, dtype=np.int64), np.asarray(gains)


def solve_p_median(cost: np.ndarray, weights: np.ndarray | None, p: int, *, fixed_cost: np.ndarray | None = None,
                   method: str = "auto", time_limit_s: float = 60.0, max_pairs: int = 100_000,
                   improve: bool = True) -> SolveResult:
    """Choose ``p`` candidates minimising the total weighted cost to the nearest open one.

    Parameters
    ----------
    cost : ndarray (n_demand, n_candidates)
        Finite costs (e.g. seconds or metres).
    weights : ndarray (n_demand,), optional
        Demand weights (default 1).
    p : int
        Number of new sites.
    fixed_cost : ndarray (n_demand,), optional
        Cost to the nearest *existing* facility (they stay open); ``None`` = none exists.
    method : {"auto", "exact", "greedy"}
        ``"auto"``: exact when OR-Tools is available and the number of demand–candidate pairs
        (those cheaper than the existing facilities, when there are any) is ≤ ``max_pairs``.
    time_limit_s : float
        Limit of the exact solve (and of the swap improvement).
    improve : bool
        Run the swap improvement after the greedy.

    Returns
    -------
    SolveResult
        ``objective`` = Σ wᵢ · min(cost to open sites, fixed cost).
    """
    t0 = time.perf_counter()
    if method not in ("auto", "exact", "greedy"):
        raise AnalysisInputError(layer="method", problem=Msg("siting.problem.method", method=method))
    cost = np.asarray(cost, dtype=float)
    n, m = cost.shape
    if not np.isfinite(cost).all():
        raise AnalysisInputError(layer="cost", problem=Msg("siting.problem.cost"))
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if (w < 0).any() or not np.isfinite(w).all():
        raise AnalysisInputError(layer="weights", problem=Msg("siting.problem.weights"))
    p = int(min(max(p, 0), m))
    big = float(cost.max(initial=0.0)) * 10 + 1.0
    fixed_best = np.full(n, big) if fixed_cost is None else np.minimum(np.asarray(fixed_cost, dtype=float), big)
    g_sel = _greedy_pmedian(cost, w, p, fixed_best)
    method_name = "greedy_lazy"
    if improve and p > 0:
        g_sel = _swap_improve(cost, w, g_sel, fixed_best, t0 + time_limit_s)
        method_name = "greedy_lazy_swap"
    g_obj = _pmedian_cost(cost, w, g_sel, fixed_best)
    order, gains = _order_pmedian(cost, w, g_sel, fixed_best)
    greedy = SolveResult(order, gains, g_obj, method_name, False, seconds=time.perf_counter() - t0)
    if p == 0:
        greedy.optimal = True
        return greedy
    has_fixed = fixed_cost is not None
    # only pairs that can beat the existing facilities matter (all pairs when there are none)
    pi, pj = np.nonzero(cost < fixed_best[:, None]) if has_fixed else np.nonzero(np.ones((n, m), dtype=bool))
    n_pairs = len(pi)
    want_exact = method == "exact" or (method == "auto" and n_pairs <= max_pairs)
    if not want_exact or not ortools_available():
        return greedy
    # variables: y (m), x (pairs) [, f (n): served by an existing facility]
    xcol = m + np.arange(n_pairs)
    n_var = m + n_pairs + (n if has_fixed else 0)
    r = [pi, n + np.arange(n_pairs), n + np.arange(n_pairs), np.full(m, n + n_pairs)]
    c = [xcol, xcol, pj, np.arange(m)]
    v = [np.ones(n_pairs), np.ones(n_pairs), -np.ones(n_pairs), np.ones(m)]
    if has_fixed:
        r.append(np.arange(n))
        c.append(m + n_pairs + np.arange(n))
        v.append(np.ones(n))
    matrix = sp.csr_matrix((np.concatenate(v), (np.concatenate(r), np.concatenate(c))),
                           shape=(n + n_pairs + 1, n_var))
    lb = np.zeros(n_var)
    ub = np.ones(n_var)
    obj = np.concatenate([np.zeros(m), w[pi] * cost[pi, pj]] + ([w * fixed_best] if has_fixed else []))
    clb = np.concatenate([np.ones(n), np.full(n_pairs, -np.inf), [p]])
    cub = np.concatenate([np.ones(n), np.zeros(n_pairs), [p]])
    values, objective, bound, optimal, solver = _mip_solve(
        lb, ub, obj, clb, cub, matrix, range(m), maximize=False,
        time_limit_s=max(time_limit_s - (time.perf_counter() - t0), 1.0))
    if values is None:
        return greedy
    chosen = np.nonzero(values[:m] > 0.5)[0]
    obj_val = _pmedian_cost(cost, w, chosen, fixed_best)
    if obj_val > g_obj + 1e-9:  # the time limit ran out before the solver beat the greedy
        greedy.seconds = time.perf_counter() - t0
        greedy.bound = bound
        return greedy
    order, gains = _order_pmedian(cost, w, chosen, fixed_best)
    return SolveResult(order, gains, obj_val, "exact" if optimal else "exact_time_limit", bool(optimal),
                       obj_val if optimal else bound, time.perf_counter() - t0, solver)


def read_orlib_pmed(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """An OR-Library p-median instance: (all-pairs shortest-path distance matrix, p).

    Format: ``n edges p`` then ``i j cost`` lines (1-based, undirected); when an edge appears
    twice the later line wins.
    """
    from scipy.sparse.csgraph import shortest_path

    tokens = Path(path).read_text().split()
    n, m, p = int(tokens[0]), int(tokens[1]), int(tokens[2])
    data = np.asarray(tokens[3:3 + 3 * m], dtype=float).reshape(-1, 3)
    a = data[:, 0].astype(np.int64) - 1
    b = data[:, 1].astype(np.int64) - 1
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * n + hi
    # later line wins: keep the last occurrence of each edge
    _, last = np.unique(key[::-1], return_index=True)
    last = len(key) - 1 - last
    keep = last[lo[last] != hi[last]]
    graph = sp.coo_matrix((data[keep, 2], (lo[keep], hi[keep])), shape=(n, n)).tocsr()
    return shortest_path(graph, directed=False), p


# -- candidates ------------------------------------------------------------------------------------

def candidate_sites(roads: gpd.GeoDataFrame | None = None, *, graph: RoadGraph | None = None,
                    spacing_m: float = 50.0, extra: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                    passable_only: bool = True, rules: Mapping[str, Any] | None = None) -> gpd.GeoDataFrame:
    """Candidate sites along the roads, evenly spaced at most ``spacing_m`` apart, plus ``extra``.

    Each road line (of the rows with at least one edge passable by fire engines when
    ``passable_only``) of length L gets ``ceil(L / spacing_m)`` sites in the middle of equal
    pieces (so junctions are not repeated). ``extra`` (user-given points) are added as they are.

    Returns
    -------
    GeoDataFrame
        Points with ``candidate`` (``"road"``/``"user"``) and ``road`` (label of the road, or of
        the user's point).
    """
    spacing = _positive(spacing_m, "spacing_m")
    frames = []
    crs = None
    if roads is not None or graph is not None:
        if graph is None:
            graph = road_graph(roads, rules=rules)
        crs = graph.crs
        rows = np.unique(graph.edge_road[graph.edge_passable] if passable_only else graph.edge_road)
        if roads is None:
            raise AnalysisInputError(layer="roads", problem=Msg("water.problem.no_roads"))
        geoms = np.asarray(roads.geometry.values, dtype=object)[rows]
        parts, of = shapely.get_parts(geoms, return_index=True)
        ok = shapely.get_type_id(parts) == 1
        parts, of = parts[ok], of[ok]
        length = shapely.length(parts)
        pieces = np.maximum(np.ceil(length / spacing), 1).astype(np.int64)
        rep = np.repeat(np.arange(len(parts)), pieces)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        dist = (k + 0.5) * (length / pieces)[rep]
        pts = shapely.line_interpolate_point(parts[rep], dist)
        labels = np.asarray(roads.index, dtype=object)[rows][of][rep]
        frames.append(gpd.GeoDataFrame({"candidate": "road", "road": labels}, geometry=pts, crs=crs))
    if extra is not None:
        extra = check_frame(extra, "candidates")
        if graph is not None:
            graph.check_crs(extra, "candidates")
        xy, ok = point_locations(extra.geometry)
        frames.append(gpd.GeoDataFrame({"candidate": "user", "road": np.asarray(extra.index, dtype=object)[ok]},
                                       geometry=shapely.points(xy[ok]), crs=extra.crs))
        crs = crs or extra.crs
    if not frames:
        raise AnalysisInputError(layer="candidates", problem=Msg("siting.problem.no_candidates"))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)


def _weights(buildings: pd.DataFrame, weight: str | pd.Series | None, issues: list[Msg]) -> np.ndarray:
    """Demand weight: the given column/Series (missing → 0, reported), else households (missing → 1)."""
    if weight is None:
        if "households" not in buildings.columns:
            return np.ones(len(buildings))
        hh = pd.to_numeric(buildings["households"], errors="coerce").to_numpy(dtype=float)
        return np.where(np.isfinite(hh) & (hh >= 0), np.maximum(hh, 0.0), 1.0)
    col = buildings[weight] if isinstance(weight, str) else pd.Series(weight).reindex(buildings.index)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        issues.append(Msg("siting.issue.weight_missing", count=int(bad.sum())))
    return np.where(bad, 0.0, values)


def _empty_sites(crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"order": pd.Series([], dtype="Int64"), "gain_buildings": pd.Series([], dtype="Int64"),
                             "gain_weight": pd.Series([], dtype=float), "method": pd.Series([], dtype=object),
                             "candidate": pd.Series([], dtype=object), "road": pd.Series([], dtype=object),
                             "optimal": pd.Series([], dtype=bool)}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


# -- hydrants --------------------------------------------------------------------------------------

def _sites_frame(chosen: gpd.GeoDataFrame, gain_b, sol, crs) -> gpd.GeoDataFrame:
    """The chosen candidate sites in order, with what each adds (``proposed_hydrants`` / stations)."""
    return gpd.GeoDataFrame({
        "order": pd.array(np.arange(1, len(chosen) + 1), dtype="Int64"),
        "gain_buildings": pd.array(np.asarray(gain_b, dtype=np.int64), dtype="Int64"),
        "gain_weight": sol.gains.astype(float),
        "method": sol.method,
        "candidate": chosen["candidate"].to_numpy(dtype=object),
        "road": chosen["road"].to_numpy(dtype=object),
        "optimal": sol.optimal,
    }, geometry=chosen.geometry.values, crs=crs)


def site_hydrants(buildings: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None = None,
                  hydrants: gpd.GeoDataFrame | None = None, water_sources: gpd.GeoDataFrame | None = None,
                  *, k: int, candidates: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
                  road_candidates: bool = True, weight: str | pd.Series | None = None,
                  coverage: CoverageResult | None = None, graph: RoadGraph | None = None,
                  method: str = "auto", curve: bool = True, rules: Mapping[str, Any] | None = None,
                  progress: ProgressFn | None = None) -> SitingResult:
    """Where ``k`` new hydrants cover the most (weighted) uncovered buildings (maximal coverage).

    Parameters
    ----------
    buildings, roads, hydrants, water_sources : GeoDataFrame
        As for :func:`~fireriskmap.analysis.coverage.water_coverage` (roads are required).
    k : int
        Number of new hydrants.
    candidates : GeoDataFrame or GeoSeries, optional
        User-given candidate sites (points), added to the road candidates.
    road_candidates : bool
        Generate candidates along passable roads every ``water.candidate_spacing_m``.
    weight : str or Series, optional
        A risk column/Series; default households (1 when unknown).
    coverage : CoverageResult, optional
        A current coverage result to reuse (else computed).
    method : {"auto", "exact", "greedy"}
        See :func:`solve_max_coverage`.
    curve : bool
        Also the covered gain for k = 1..K (each k solved with the same method).
    rules : mapping, optional
        Overrides of ``water.*``/``network.*``.

    Returns
    -------
    SitingResult
        ``sites`` per ``layers/proposed_hydrants.toml``; ``gain_*`` are marginal gains in build order.
    """
    progress = progress or null_progress
    buildings = check_frame(buildings, "buildings")
    if roads is None and graph is None:
        raise AnalysisInputError(layer="roads", problem=Msg("water.problem.no_roads"))
    r = topic_rules(rules, "water")
    radius = _positive(r["hydrant_radius_m"], "water.hydrant_radius_m")
    issues: list[Msg] = []
    if graph is None:
        graph = road_graph(roads, rules=rules, progress=sub_progress(progress, 0.0, 0.2))
    graph.check_crs(buildings, "buildings")
    if candidates is not None:
        graph.check_crs(check_frame(candidates, "candidates"), "candidates")
    if coverage is None:
        coverage = water_coverage(buildings, roads, hydrants, water_sources, graph=graph, gaps=False,
                                  spacing=False, rules=rules, progress=sub_progress(progress, 0.2, 0.4))
    issues.extend(coverage.issues)
    w_all = _weights(buildings, weight, issues)
    uncovered = coverage.buildings["water_covered"].eq(False).fillna(False).to_numpy(dtype=bool)
    progress(0.4, Msg("siting.progress.candidates").render())
    cands = candidate_sites(roads if road_candidates else None, graph=graph if road_candidates else None,
                            spacing_m=_positive(r["candidate_spacing_m"], "water.candidate_spacing_m"),
                            extra=candidates, rules=rules) if (road_candidates or candidates is not None) \
        else None
    if cands is None or not len(cands):
        raise AnalysisInputError(layer="candidates", problem=Msg("siting.problem.no_candidates"))
    bxy, b_ok = point_locations(buildings.geometry)
    demand = np.nonzero(uncovered & b_ok)[0]
    cxy = np.column_stack([shapely.get_x(cands.geometry.values), shapely.get_y(cands.geometry.values)])
    # keep candidates within the radius (straight line) of some uncovered building: others cover nothing
    if len(demand):
        tree = shapely.STRtree(shapely.points(bxy[demand]))
        near = np.unique(tree.query(shapely.points(cxy), predicate="dwithin", distance=radius)[0])
    else:
        near = np.zeros(0, dtype=np.int64)
    c_snap = graph.snap(cxy[near])
    b_snap = graph.snap(bxy[demand], index=buildings.index[demand])
    progress(0.5, Msg("siting.progress.pairs").render())
    ci, bi, _ = graph.pair_costs(c_snap, b_snap, limit=radius)
    cover = sp.csr_matrix((np.ones(len(ci)), (bi, ci)), shape=(len(demand), len(near)))
    w = w_all[demand]
    max_pairs = int(r["siting_exact_max_pairs"])
    time_limit = _positive(r["siting_time_limit_s"], "water.siting_time_limit_s")
    progress(0.6, Msg("siting.progress.solve").render())
    sol = solve_max_coverage(cover, w, k, method=method, time_limit_s=time_limit, max_pairs=max_pairs)
    csc = cover.tocsc()
    gain_b = _marginal_counts(csc, sol.selected)
    chosen = near[sol.selected]
    sites = _sites_frame(cands.iloc[chosen], gain_b, sol, cands.crs)
    curve_frame = pd.DataFrame()
    if curve:
        progress(0.8, Msg("siting.progress.curve").render())
        curve_frame = _coverage_curve(cover, w, k, sol, method, time_limit, max_pairs)
    if len(sol.selected) < k:
        issues.append(Msg("siting.issue.fewer_sites", k=k, found=len(sol.selected)))
    summary = {"k": int(k), "sites": int(len(sites)), "method": sol.method, "optimal": bool(sol.optimal),
               "solver": sol.solver, "seconds": round(sol.seconds, 3), "candidates": int(len(near)),
               "demand_buildings": int(len(demand)), "gain_buildings": int(gain_b.sum()),
               "gain_weight": round(float(sol.objective), 3), "radius_m": radius,
               "rule": _rules.source("water.hydrant_radius_m")}
    progress(1.0, Msg("siting.progress.done").render())
    return SitingResult(sites, curve_frame, cands, sol.method, sol.optimal, summary, issues)


def _marginal_counts(csc: sp.csc_matrix, order: np.ndarray) -> np.ndarray:
    covered = np.zeros(csc.shape[0], dtype=bool)
    out = []
    for j in order:
        rows = csc.indices[csc.indptr[j]:csc.indptr[j + 1]]
        out.append(int((~covered[rows]).sum()))
        covered[rows] = True
    return np.asarray(out, dtype=np.int64)


def _coverage_curve(cover, w, k, sol: SolveResult, method: str, time_limit: float, max_pairs: int) -> pd.DataFrame:
    """Covered weight and buildings for k = 1..K, each k solved with the method of the main solve
    (exact while the time limit allows, then greedy, as labelled per row)."""
    csc = cover.tocsc()
    rows = []
    exact = sol.method.startswith("exact")
    deadline = time.perf_counter() + time_limit
    for kk in range(1, k + 1):
        if kk == k:
            s = sol
        elif exact and time.perf_counter() < deadline:
            s = solve_max_coverage(cover, w, kk, method="exact", max_pairs=max_pairs,
                                   time_limit_s=max(deadline - time.perf_counter(), 1.0))
        else:
            s = solve_max_coverage(cover, w, kk, method="greedy")
        rows.append({"k": kk, "buildings": int(_marginal_counts(csc, s.selected).sum()),
                     "weight": float(s.objective), "method": s.method, "optimal": bool(s.optimal)})
    return pd.DataFrame(rows, columns=["k", "buildings", "weight", "method", "optimal"])


# -- stations --------------------------------------------------------------------------------------

def site_stations(buildings: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None = None, *, p: int,
                  candidates: gpd.GeoDataFrame | gpd.GeoSeries | None = None, road_candidates: bool = True,
                  existing: gpd.GeoDataFrame | None = None, force_type: str = "government",
                  weight: str | pd.Series | None = None, graph: RoadGraph | None = None,
                  method: str = "auto", curve: bool = True, rules: Mapping[str, Any] | None = None,
                  progress: ProgressFn | None = None) -> SitingResult:
    """Where ``p`` new stations minimise the total weighted arrival time (p-median).

    Arrival time = turnout (of ``force_type`` for new sites; per station for ``existing``) +
    engine travel on passable roads + walked legs; buildings not reached within
    ``response.max_time_s`` count at that time. ``existing`` stations stay open and are not
    counted in ``p``.

    Returns
    -------
    SitingResult
        ``sites``: ``order``, ``gain_buildings`` (buildings newly reached within 5 min),
        ``gain_weight`` (reduction of the weighted total time, seconds), ``method``, ...;
        ``curve``: ``k``, ``objective`` (weighted total seconds), ``within_5min`` (buildings).
    """
    progress = progress or null_progress
    buildings = check_frame(buildings, "buildings")
    if roads is None and graph is None:
        raise AnalysisInputError(layer="roads", problem=Msg("water.problem.no_roads"))
    if force_type not in FORCE_TYPES:
        raise AnalysisInputError(layer="force_type", problem=Msg("siting.problem.force_type", value=force_type))
    r = topic_rules(rules, "response")
    speeds = travel_speeds(rules)
    max_time = _positive(r["max_time_s"], "response.max_time_s")
    headline = _positive(r["headline_s"], "response.headline_s")
    turnout = _positive(r[f"turnout_{force_type}_s"], f"response.turnout_{force_type}_s", zero=True)
    issues: list[Msg] = []
    if graph is None:
        graph = road_graph(roads, rules=rules, progress=sub_progress(progress, 0.0, 0.2))
    graph.check_crs(buildings, "buildings")
    if candidates is not None:
        graph.check_crs(check_frame(candidates, "candidates"), "candidates")
    issues.extend(graph.issues)
    w_all = _weights(buildings, weight, issues)
    progress(0.2, Msg("siting.progress.candidates").render())
    cands = candidate_sites(roads if road_candidates else None, graph=graph if road_candidates else None,
                            spacing_m=_positive(r["station_candidate_spacing_m"], "response.station_candidate_spacing_m"),
                            extra=candidates, rules=rules)
    bxy, b_ok = point_locations(buildings.geometry)
    b_snap = graph.snap(bxy, profile="engine", index=buildings.index)
    demand = np.nonzero(b_ok)[0]
    cxy = np.column_stack([shapely.get_x(cands.geometry.values), shapely.get_y(cands.geometry.values)])
    c_snap = graph.snap(cxy, profile="engine")
    usable = np.nonzero(c_snap.attached)[0]
    progress(0.3, Msg("siting.progress.pairs").render())
    cost = graph.cost_matrix(c_snap.take(usable), b_snap.take(demand), profile="engine", speeds=speeds,
                             extra=np.full(len(usable), turnout), limit=max_time).T  # a view: no copy
    cost[~np.isfinite(cost)] = max_time   # not reached within max_time: counts as max_time
    fixed = None
    if existing is not None and len(existing):
        existing = check_frame(existing, "fire_stations")
        graph.check_crs(existing, "fire_stations")
        table = station_table(existing, rules=rules)
        exy, e_ok = point_locations(existing.geometry)
        e_snap = graph.snap(exy, profile="engine")
        fc = graph.cost_matrix(e_snap, b_snap.take(demand), profile="engine", speeds=speeds,
                               extra=table["turnout_s"].to_numpy(dtype=float), limit=max_time)
        fixed = np.where(np.isfinite(fc), fc, max_time).min(axis=0) if len(fc) else None
    w = w_all[demand]
    time_limit = _positive(r["siting_time_limit_s"], "response.siting_time_limit_s")
    max_pairs = int(r["siting_exact_max_pairs"])
    progress(0.6, Msg("siting.progress.solve").render())
    sol = solve_p_median(cost, w, p, fixed_cost=fixed, method=method, time_limit_s=time_limit,
                         max_pairs=max_pairs)
    base = np.full(len(demand), max_time) if fixed is None else fixed
    cur = base.copy()
    gain_b = []
    for j in sol.selected:
        new = np.minimum(cur, cost[:, j])
        gain_b.append(int(((new <= headline + 1e-9) & ~(cur <= headline + 1e-9)).sum()))
        cur = new
    chosen = usable[sol.selected]
    sites = _sites_frame(cands.iloc[chosen], gain_b, sol, cands.crs)
    curve_frame = pd.DataFrame()
    if curve:
        rows = []
        exact = sol.method.startswith("exact")
        deadline = time.perf_counter() + time_limit
        for kk in range(1, p + 1):
            if kk == p:
                s = sol
            else:
                left = deadline - time.perf_counter()
                s = solve_p_median(cost, w, kk, fixed_cost=fixed, max_pairs=max_pairs,
                                   method="exact" if exact and left > 0 else "greedy",
                                   time_limit_s=max(left, 1.0))
            best = base if not len(s.selected) else np.minimum(base, cost[:, s.selected].min(axis=1))
            rows.append({"k": kk, "objective": float(s.objective),
                         "within_5min": int((best <= headline + 1e-9).sum()), "method": s.method,
                         "optimal": bool(s.optimal)})
        curve_frame = pd.DataFrame(rows, columns=["k", "objective", "within_5min", "method", "optimal"])
    final = base if not len(sol.selected) else np.minimum(base, cost[:, sol.selected].min(axis=1))
    summary = {"p": int(p), "sites": int(len(sites)), "method": sol.method, "optimal": bool(sol.optimal),
               "solver": sol.solver, "seconds": round(sol.seconds, 3), "candidates": int(len(usable)),
               "demand_buildings": int(len(demand)), "objective_s": round(float(sol.objective), 1),
               "mean_response_s": round(float((w * final).sum() / w.sum()), 1) if w.sum() > 0 else None,
               "within_5min_before": int((base <= headline + 1e-9).sum()),
               "within_5min_after": int((final <= headline + 1e-9).sum())}
    progress(1.0, Msg("siting.progress.done").render())
    return SitingResult(sites, curve_frame, cands, sol.method, sol.optimal, summary, issues)
