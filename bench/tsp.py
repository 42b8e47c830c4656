"""Benchmark: a single patrol team's tour — the routing core on TSPLIB instances (issue 7).

Every ``*.tsp`` in DIR with an optimum in ``optimal.txt`` (``../shared/data/tsplib/``: berlin52,
kroA100, eil101, ch150) is read with ``vrplib``; distances follow TSPLIB (EUC_2D: nearest integer
of the Euclidean distance). One vehicle leaves node 1, visits every other node and comes back —
:func:`fireriskmap.analysis.patrol.solver.solve_routing`, the planner's call, under a hard
wall-clock limit. The tour is checked (every node once) and its length recomputed here.

For comparison the same tours are solved in the same run with OR-Tools' routing solver (already a
dependency; path-cheapest-arc start, guided local search) under the same limit.

Run: ``python bench/tsp.py [DIR] [--time-limit 5] [--seed 1] [--no-ortools]``.
Ends with ``RESULT instances=N mean_gap_pct=X max_gap_pct=Y`` (plus the OR-Tools figures).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fireriskmap.analysis.patrol.solver import RoutingProblem, Stop, Vehicle, solve_routing  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "tsplib"


def tsplib_matrix(inst: dict) -> np.ndarray:
    kind = str(inst.get("edge_weight_type", "EUC_2D")).upper()
    if kind == "EUC_2D":
        c = np.asarray(inst["node_coord"], dtype=float)
        d = np.hypot(c[:, None, 0] - c[None, :, 0], c[:, None, 1] - c[None, :, 1])
        return np.floor(d + 0.5).astype(np.int64)
    if kind == "CEIL_2D":
        c = np.asarray(inst["node_coord"], dtype=float)
        return np.ceil(np.hypot(c[:, None, 0] - c[None, :, 0], c[:, None, 1] - c[None, :, 1])).astype(np.int64)
    return np.asarray(inst["edge_weight"], dtype=np.int64)


def tour_length(m: np.ndarray, tour: list[int]) -> int:
    path = [0] + list(tour) + [0]
    return int(sum(m[a, b] for a, b in zip(path[:-1], path[1:])))


def solve_core(m: np.ndarray, time_limit: float, seed: int) -> tuple[list[int], float]:
    n = len(m)
    problem = RoutingProblem(durations=[m], stops=[Stop(location=i, required=True) for i in range(1, n)],
                             vehicles=[Vehicle(start=0, end=0)])
    t = time.perf_counter()
    sol = solve_routing(problem, time_limit_s=time_limit, seed=seed)
    seconds = time.perf_counter() - t
    tour = [problem.stops[s].location for r in sol.routes for s in r]
    return tour, seconds


def solve_ortools(m: np.ndarray, time_limit: float) -> tuple[list[int], float]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(m)
    manager = pywrapcp.RoutingIndexManager(n, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    mm = m.tolist()
    cb = routing.RegisterTransitCallback(lambda i, j: mm[manager.IndexToNode(i)][manager.IndexToNode(j)])
    routing.SetArcCostEvaluatorOfAllVehicles(cb)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    t = time.perf_counter()
    sol = routing.SolveWithParameters(params)
    seconds = time.perf_counter() - t
    if sol is None:
        return [], seconds
    tour, index = [], routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node != 0:
            tour.append(node)
        index = sol.Value(routing.NextVar(index))
    return tour, seconds


def main(argv=None) -> int:
    import vrplib

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--time-limit", type=float, default=5.0, help="seconds per instance (hard limit)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-ortools", action="store_true", help="skip the OR-Tools comparison")
    args = ap.parse_args(argv)
    optima_file = args.data / "optimal.txt"
    if not optima_file.is_file():
        print(f"no TSPLIB data (optimal.txt) in {args.data}; nothing to do")
        print("RESULT instances=0 mean_gap_pct=nan max_gap_pct=nan")
        return 1
    optima = {}
    for line in optima_file.read_text().splitlines():
        if ":" in line:
            name, value = line.split(":", 1)
            optima[name.strip()] = float(value)
    files = [args.data / f"{name}.tsp" for name in optima if (args.data / f"{name}.tsp").is_file()]
    use_ortools = not args.no_ortools
    print(f"routing core: PyVRP via fireriskmap.analysis.patrol.solver, {args.time_limit:g} s per instance, seed {args.seed}")
    head = f"{'instance':<10}{'n':>5}{'optimum':>9}{'tour':>9}{'gap %':>8}{'s':>6}"
    if use_ortools:
        head += f"{'OR-Tools':>10}{'gap %':>8}{'s':>6}"
    print(head)
    gaps, ogaps = [], []
    for path in files:
        inst = vrplib.read_instance(str(path))
        m = tsplib_matrix(inst)
        name = path.stem
        best = optima[name]
        tour, seconds = solve_core(m, args.time_limit, args.seed)
        assert sorted(tour) == list(range(1, len(m))), f"{name}: not a tour"
        length = tour_length(m, tour)
        gap = 100.0 * (length - best) / best
        gaps.append(gap)
        line = f"{name:<10}{len(m):>5}{best:>9.0f}{length:>9d}{gap:>8.2f}{seconds:>6.1f}"
        if use_ortools:
            otour, os_ = solve_ortools(m, args.time_limit)
            if sorted(otour) == list(range(1, len(m))):
                ogap = 100.0 * (tour_length(m, otour) - best) / best
                ogaps.append(ogap)
                line += f"{tour_length(m, otour):>10d}{ogap:>8.2f}{os_:>6.1f}"
            else:
                line += f"{'none':>10}{'':>8}{os_:>6.1f}"
        print(line, flush=True)
    mean_gap, max_gap = float(np.mean(gaps)), float(np.max(gaps))
    print(f"mean gap {mean_gap:.2f} % (target ≤ 1 % in 5 s), max {max_gap:.2f} %")
    result = f"RESULT instances={len(files)} mean_gap_pct={mean_gap:.3f} max_gap_pct={max_gap:.3f}"
    if use_ortools and ogaps:
        omean = float(np.mean(ogaps))
        print(f"OR-Tools guided local search, same limit: mean gap {omean:.2f} %")
        result += f" ortools_mean_gap_pct={omean:.3f}"
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
