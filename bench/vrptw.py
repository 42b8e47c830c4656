"""Benchmark: the patrol planner's routing core on VRPLIB VRPTW instances (issue 7).

Every ``*.vrp`` with time windows in DIR (the Solomon instances in ``../shared/data/vrptw/``) is
read with ``vrplib``, turned into a :class:`fireriskmap.analysis.patrol.solver.RoutingProblem` under
the DIMACS convention (Euclidean distances truncated to one decimal: integers in tenths, and travel
time = distance) and solved with :func:`~fireriskmap.analysis.patrol.solver.solve_routing` — the
same call the patrol planner makes — under a hard wall-clock limit per instance. Each solution is
**checked by this script**: every customer served once, vehicle count, capacity, time windows
(service starts in its window, waiting allowed) including service times and the depot's closing
time. The cost is compared with the best-known solution in the ``.sol`` file.

For comparison, the same instances are solved in the same run with pyvroom (VROOM) at its highest
exploration level when it is installed, checked by the same checker.

Run: ``python bench/vrptw.py [DIR] [--time-limit 10] [--seed 1] [--no-vroom]``.
Ends with ``RESULT instances=N mean_gap_pct=X max_gap_pct=Y seconds=Z`` (``seconds``: mean per
instance) and, with VROOM, ``vroom_mean_gap_pct``/``vroom_seconds``.
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

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "vrptw"


def dimacs_matrix(coords: np.ndarray) -> np.ndarray:
    """Euclidean distances truncated to one decimal, as integers in tenths (DIMACS convention)."""
    d = np.hypot(coords[:, None, 0] - coords[None, :, 0], coords[:, None, 1] - coords[None, :, 1])
    return np.floor(10.0 * d + 1e-9).astype(np.int64)


def load(path: Path) -> dict:
    import vrplib

    inst = vrplib.read_instance(str(path))
    n = int(inst["dimension"])
    coords = np.asarray(inst["node_coord"], dtype=float)
    service = np.broadcast_to(np.asarray(inst.get("service_time", 0), dtype=float), (n,)).copy()
    service[0] = 0.0
    return {"name": inst.get("name", path.stem), "matrix": dimacs_matrix(coords),
            "demand": np.asarray(inst["demand"], dtype=np.int64), "capacity": int(np.asarray(inst["capacity"]).max()),
            "vehicles": int(inst.get("vehicles", n)), "tw": (10 * np.asarray(inst["time_window"], dtype=np.int64)),
            "service": (10 * service).astype(np.int64)}


def to_problem(data: dict) -> RoutingProblem:
    n = len(data["matrix"])
    stops = [Stop(location=i, service=int(data["service"][i]), early=int(data["tw"][i, 0]), late=int(data["tw"][i, 1]),
                  demand=int(data["demand"][i]), required=True, name=str(i)) for i in range(1, n)]
    vehicles = [Vehicle(start=0, end=0, early=int(data["tw"][0, 0]), late=int(data["tw"][0, 1]),
                        capacity=data["capacity"], count=data["vehicles"])]
    return RoutingProblem(durations=[data["matrix"]], stops=stops, vehicles=vehicles)


def check(data: dict, routes: list[list[int]]) -> tuple[bool, str, int]:
    """Feasibility of routes (customer numbers 1..n-1 per vehicle) and their total distance (tenths)."""
    m, tw, service, demand = data["matrix"], data["tw"], data["service"], data["demand"]
    n = len(m)
    used = [r for r in routes if r]
    seen = [c for r in used for c in r]
    if sorted(seen) != list(range(1, n)):
        return False, "customers missing or served twice", 0
    if len(used) > data["vehicles"]:
        return False, f"{len(used)} vehicles > {data['vehicles']}", 0
    total = 0
    for r in used:
        if int(demand[r].sum()) > data["capacity"]:
            return False, "capacity exceeded", 0
        t, prev = int(tw[0, 0]), 0
        for c in r:
            t += int(m[prev, c])
            total += int(m[prev, c])
            t = max(t, int(tw[c, 0]))
            if t > int(tw[c, 1]):
                return False, f"customer {c} served at {t / 10} after its window closes at {tw[c, 1] / 10}", 0
            t += int(service[c])
            prev = c
        t += int(m[prev, 0])
        total += int(m[prev, 0])
        if t > int(tw[0, 1]):
            return False, "back at the depot after it closes", 0
    return True, "", total


def solve_core(data: dict, time_limit: float, seed: int) -> tuple[list[list[int]], float]:
    problem = to_problem(data)
    t = time.perf_counter()
    sol = solve_routing(problem, time_limit_s=time_limit, seed=seed)
    seconds = time.perf_counter() - t
    routes = [[problem.stops[s].location for s in r] for r in sol.routes]
    return routes, seconds


def solve_vroom(data: dict, level: int, threads: int) -> tuple[list[list[int]], float]:
    import vroom

    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=data["matrix"].tolist())
    tw = data["tw"]
    for k in range(data["vehicles"]):
        inp.add_vehicle(vroom.Vehicle(k + 1, start=0, end=0, capacity=[data["capacity"]],
                                      time_window=vroom.TimeWindow(int(tw[0, 0]), int(tw[0, 1]))))
    for i in range(1, len(data["matrix"])):
        inp.add_job(vroom.Job(i, location=i, default_service=int(data["service"][i]),
                              delivery=vroom.Amount([int(data["demand"][i])]),
                              time_windows=[vroom.TimeWindow(int(tw[i, 0]), int(tw[i, 1]))]))
    t = time.perf_counter()
    sol = inp.solve(exploration_level=level, nb_threads=threads)
    seconds = time.perf_counter() - t
    frame = sol.routes
    routes = []
    for _, group in frame.groupby("vehicle_id", sort=True):
        jobs = group[group["type"] == "job"]
        routes.append([int(x) for x in jobs["id"]])
    return routes, seconds


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance (hard limit)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-vroom", action="store_true", help="skip the pyvroom comparison")
    ap.add_argument("--vroom-level", type=int, default=5, help="VROOM exploration level (0-5)")
    ap.add_argument("--threads", type=int, default=2, help="VROOM threads")
    args = ap.parse_args(argv)
    files = sorted(p for p in args.data.glob("*.vrp") if "TIME_WINDOW_SECTION" in p.read_text(errors="ignore"))
    if not files:
        print(f"no VRPTW instances in {args.data}; nothing to do")
        print("RESULT instances=0 mean_gap_pct=nan max_gap_pct=nan seconds=0")
        return 1
    use_vroom = not args.no_vroom
    if use_vroom:
        try:
            import vroom  # noqa: F401  (only checking it is there)
        except ImportError:
            print("pyvroom is not installed (pip install pyvroom): no comparison")
            use_vroom = False
    import vrplib

    print(f"routing core: PyVRP via fireriskmap.analysis.patrol.solver, {args.time_limit:g} s per instance, "
          f"seed {args.seed}; DIMACS distances")
    head = f"{'instance':<9}{'n':>5}{'best-known':>12}{'cost':>10}{'veh':>5}{'gap %':>8}{'s':>7}{'ok':>4}"
    if use_vroom:
        head += f"{'vroom':>10}{'veh':>5}{'gap %':>8}{'s':>7}{'ok':>4}"
    print(head)
    gaps, secs, vgaps, vsecs = [], [], [], []
    failures = 0
    for path in files:
        data = load(path)
        sol_path = path.with_suffix(".sol")
        bks = float(vrplib.read_solution(str(sol_path))["cost"]) if sol_path.is_file() else float("nan")
        routes, seconds = solve_core(data, args.time_limit, args.seed)
        ok, why, total = check(data, routes)
        cost = total / 10.0
        gap = 100.0 * (cost - bks) / bks if ok and bks == bks else float("nan")
        if ok:
            gaps.append(gap)
        else:
            failures += 1
        secs.append(seconds)
        line = (f"{data['name']:<9}{len(data['matrix']) - 1:>5}{bks:>12.1f}{cost:>10.1f}"
                f"{sum(1 for r in routes if r):>5}{gap:>8.2f}{seconds:>7.1f}{'yes' if ok else 'NO':>4}")
        if use_vroom:
            vroutes, vs = solve_vroom(data, args.vroom_level, args.threads)
            vok, vwhy, vtotal = check(data, vroutes)
            vcost = vtotal / 10.0
            vgap = 100.0 * (vcost - bks) / bks if vok and bks == bks else float("nan")
            if vok:
                vgaps.append(vgap)
            vsecs.append(vs)
            line += (f"{vcost:>10.1f}{sum(1 for r in vroutes if r):>5}{vgap:>8.2f}{vs:>7.1f}"
                     f"{'yes' if vok else 'NO':>4}")
            if not vok:
                line += f"  vroom: {vwhy}"
        if not ok:
            line += f"  INFEASIBLE: {why}"
        print(line, flush=True)
    mean_gap = float(np.mean(gaps)) if gaps else float("nan")
    max_gap = float(np.max(gaps)) if gaps else float("nan")
    print(f"mean gap {mean_gap:.2f} % (target ≤ 1 %), max {max_gap:.2f} %, {failures} infeasible, "
          f"{np.mean(secs):.1f} s per instance")
    result = (f"RESULT instances={len(files)} mean_gap_pct={mean_gap:.3f} max_gap_pct={max_gap:.3f} "
              f"seconds={np.mean(secs):.2f} infeasible={failures}")
    if use_vroom:
        vmean = float(np.mean(vgaps)) if vgaps else float("nan")
        print(f"pyvroom (exploration level {args.vroom_level}, {args.threads} threads): mean gap {vmean:.2f} %, "
              f"{np.mean(vsecs):.1f} s per instance; ratio of mean gaps vroom/core "
              f"{(vmean / mean_gap) if mean_gap > 0 else float('inf'):.1f}")
        result += f" vroom_mean_gap_pct={vmean:.3f} vroom_seconds={np.mean(vsecs):.2f}"
    print(result)
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
