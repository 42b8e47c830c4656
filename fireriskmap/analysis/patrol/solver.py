"""The routing core: a vehicle-routing problem with time windows solved by PyVRP under a time limit.

The patrol planner and the benchmarks (``bench/vrptw.py``, ``bench/tsp.py``) go through the same
two calls: build a :class:`RoutingProblem` (locations given by matrices, stops with service time,
time window, optional prize, vehicles with their start/end location, shift and travel profile),
then :func:`solve_routing` under a **hard wall-clock limit**. PyVRP (MIT; iterated local search)
was chosen on the issue's measurements: 0.37 % mean gap on the Solomon instances at 10 s, against
1.6 % for VROOM and about 5 % for OR-Tools' guided local search.

PyVRP has no move that reverses part of a route (2-opt). When no time window binds (a plain tour,
as in ``bench/tsp.py``), the search runs in two legs and each result is polished with intra-route
2-opt and or-opt (segments of 1–3 stops moved, either way round) inside the same time limit; on
TSPLIB at 5 s this takes the mean gap from about 1.1 % to about 0.4 %.

Conventions: all times and costs are integers (seconds for patrols, scaled distances for the
benchmarks); ``costs`` (what is minimised) may differ from ``durations`` (what the time windows
see), which is how the planner randomises equally good plans without changing their true times.
Optional stops carry a prize: leaving one out costs its prize.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

__all__ = ["Stop", "Vehicle", "RoutingProblem", "RoutingSolution", "ScheduledStop", "solve_routing",
           "evaluate_routes", "UNREACHABLE"]

#: Travel time used for "no path" (far beyond any shift, so no feasible route uses it).
UNREACHABLE = 10 ** 9
_HORIZON = 2 ** 40


@dataclass(frozen=True)
class Stop:
    """A visit to make: at ``location``, service ``service``, starting within [``early``, ``late``]."""

    location: int
    service: int = 0
    early: int = 0
    late: int = _HORIZON
    demand: int = 0
    prize: int = 0
    required: bool = True
    name: str = ""


@dataclass(frozen=True)
class Vehicle:
    """``count`` identical vehicles from ``start`` to ``end`` (locations), working in [``early``, ``late``]."""

    start: int
    end: int
    early: int = 0
    late: int = _HORIZON
    capacity: int | None = None
    profile: int = 0
    count: int = 1
    name: str = ""


@dataclass(frozen=True, eq=False)
class RoutingProblem:
    """Locations are matrix rows; one matrix per travel profile.

    Attributes
    ----------
    durations : sequence of ndarray (n_locations, n_locations)
        Travel times per profile (integers; :data:`UNREACHABLE` for no path).
    stops : sequence of Stop
    vehicles : sequence of Vehicle
    costs : sequence of ndarray, optional
        What is minimised per profile (default: the durations).
    """

    durations: Sequence[np.ndarray]
    stops: Sequence[Stop]
    vehicles: Sequence[Vehicle]
    costs: Sequence[np.ndarray] | None = None

    @property
    def n_locations(self) -> int:
        return int(np.asarray(self.durations[0]).shape[0])


@dataclass(frozen=True)
class ScheduledStop:
    """One stop of a route: its index in ``problem.stops``, arrival, service start and end, wait."""

    stop: int
    arrival: int
    start: int
    end: int
    wait: int


@dataclass(eq=False)
class RoutingSolution:
    """Routes per vehicle (expanded: one entry per vehicle of each :class:`Vehicle` ``count``).

    Attributes
    ----------
    routes : list of list of int
        Stop indices in visiting order, per vehicle (empty when unused).
    vehicle : list of int
        Index in ``problem.vehicles`` of each route.
    schedules : list of list of ScheduledStop
    departures, returns : list of int
        When each vehicle leaves its start and reaches its end (0 for unused vehicles).
    cost : int
        Travel cost (``costs``) of the routes.
    missed : list of int
        Stops not visited.
    feasible : bool
        Every time window, capacity and shift respected.
    seconds : float
        Wall-clock time of the search.
    iterations : int
    """

    routes: list[list[int]]
    vehicle: list[int]
    schedules: list[list[ScheduledStop]]
    departures: list[int]
    returns: list[int]
    cost: int
    missed: list[int]
    feasible: bool
    seconds: float
    iterations: int = 0
    pyvrp_solution: object | None = field(default=None, repr=False)
    pyvrp_data: object | None = field(default=None, repr=False)


def _build(problem: RoutingProblem):
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    n = problem.n_locations
    dur = [np.ascontiguousarray(np.minimum(np.asarray(m, dtype=np.int64), UNREACHABLE)) for m in problem.durations]
    costs = problem.costs if problem.costs is not None else dur
    cost = [np.ascontiguousarray(np.minimum(np.asarray(m, dtype=np.int64), UNREACHABLE)) for m in costs]
    for m in dur + cost:
        if m.shape != (n, n):
            raise ValueError(f"matrix shape {m.shape}, expected {(n, n)}")
    if len(dur) != len(cost):
        raise ValueError("one cost matrix per duration matrix")
    # PyVRP needs the depot locations among its locations: depots get their own entries
    depot_loc = sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
    depot_of = {loc: i for i, loc in enumerate(depot_loc)}
    used = np.asarray(depot_loc + [s.location for s in problem.stops], dtype=np.int64)
    locations = [Location(0.0, 0.0) for _ in range(len(used))]
    depots = [Depot(location=i) for i in range(len(depot_loc))]
    dims = 1 if any(v.capacity is not None for v in problem.vehicles) else 0
    clients = []
    for k, s in enumerate(problem.stops):
        clients.append(Client(location=len(depot_loc) + k, delivery=[int(s.demand)] * dims,
                              service_duration=int(s.service), tw_early=int(s.early),
                              tw_late=int(min(s.late, _HORIZON)), prize=int(s.prize), required=bool(s.required),
                              name=s.name[:40]))
    vtypes = []
    for v in problem.vehicles:
        cap = [int(v.capacity if v.capacity is not None else 2 ** 40)] * dims
        vtypes.append(VehicleType(num_available=int(v.count), capacity=cap, start_depot=depot_of[v.start],
                                  end_depot=depot_of[v.end], tw_early=int(v.early),
                                  tw_late=int(min(v.late, _HORIZON)), profile=int(v.profile),
                                  unit_distance_cost=1, unit_duration_cost=0, name=v.name[:40]))
    idx = np.ix_(used, used)
    dist_m = [np.ascontiguousarray(m[idx]) for m in cost]
    dur_m = [np.ascontiguousarray(m[idx]) for m in dur]
    for m in dist_m + dur_m:
        np.fill_diagonal(m, 0)
    data = ProblemData(locations, clients, depots, vtypes, dist_m, dur_m)
    return data, len(depot_loc)


def _initial(data, problem: RoutingProblem, initial: Sequence[Sequence[int]] | None, vehicle_of: list[int]):
    """A PyVRP solution from routes given per expanded vehicle (stop indices)."""
    if initial is None:
        return None
    from pyvrp import Route, Solution

    routes = []
    for k, stops in enumerate(initial):
        if k >= len(vehicle_of) or not len(stops):
            continue
        routes.append(Route(data, [int(s) for s in stops], vehicle_of[k]))
    try:
        return Solution(data, routes)
    except Exception:  # an unusable warm start is simply not used
        return None


def _two_opt(m: np.ndarray, path: np.ndarray) -> tuple[np.ndarray, bool]:
    """2-opt on a path with fixed ends (first improvement per position, vectorised)."""
    t = path.copy()
    changed = False
    improved = True
    while improved:
        improved = False
        n = len(t)
        for i in range(0, n - 3):
            a, b = t[i], t[i + 1]
            c, d = t[i + 2:n - 1], t[i + 3:n]
            delta = m[a, c] + m[b, d] - m[a, b] - m[c, d]
            # a reversed segment is travelled backwards: add the asymmetry of its inner edges
            j = int(np.argmin(delta))
            if delta[j] < 0:
                seg = t[i + 1:i + 3 + j]
                inner = m[seg[1:], seg[:-1]].sum() - m[seg[:-1], seg[1:]].sum()
                if delta[j] + inner < 0:
                    t[i + 1:i + 3 + j] = seg[::-1]
                    improved = changed = True
    return t, changed


def _or_opt(m: np.ndarray, path: np.ndarray) -> tuple[np.ndarray, bool]:
    """Move segments of 1–3 stops (either direction) to their cheapest place; fixed ends."""
    t = list(path)
    changed = False
    improved = True
    while improved:
        improved = False
        for length in (1, 2, 3):
            i = 1
            while i + length <= len(t) - 1:
                seg = t[i:i + length]
                prev, nxt = t[i - 1], t[i + length]
                inner = sum(m[a, b] for a, b in zip(seg[:-1], seg[1:]))
                removed = m[prev, seg[0]] + m[seg[-1], nxt] - m[prev, nxt] + inner
                rest = np.asarray(t[:i] + t[i + length:])
                a, b = rest[:-1], rest[1:]
                fwd = m[a, seg[0]] + m[seg[-1], b] - m[a, b] + inner
                rev_inner = sum(m[b_, a_] for a_, b_ in zip(seg[:-1], seg[1:]))
                bwd = m[a, seg[-1]] + m[seg[0], b] - m[a, b] + rev_inner
                k_f, k_b = int(np.argmin(fwd)), int(np.argmin(bwd))
                best, k, piece = (fwd[k_f], k_f, seg) if fwd[k_f] <= bwd[k_b] else (bwd[k_b], k_b, seg[::-1])
                if best < removed - 1e-9 and not (k == i - 1 and piece == seg):
                    t = list(rest[:k + 1]) + list(piece) + list(rest[k + 1:])
                    improved = changed = True
                else:
                    i += 1
    return np.asarray(t), changed


def _free_of_windows(problem: RoutingProblem) -> bool:
    """True when no stop's window is tighter than every vehicle's shift (a plain tour problem)."""
    lo = min(v.early for v in problem.vehicles)
    hi = max(v.late for v in problem.vehicles)
    return all(s.early <= lo and s.late >= hi for s in problem.stops)


def _polish(problem: RoutingProblem, sol: "RoutingSolution") -> list[list[int]] | None:
    """Intra-route 2-opt and or-opt on the costs (PyVRP has no intra-route 2-opt); only for
    problems without binding time windows. Returns better routes, or None when nothing changed
    or a route would no longer fit its vehicle's shift."""
    costs = problem.costs if problem.costs is not None else problem.durations
    changed_any = False
    out = []
    for k, route in enumerate(sol.routes):
        if len(route) < 3:
            out.append(list(route))
            continue
        v = problem.vehicles[sol.vehicle[k]]
        m = np.asarray(costs[v.profile])
        d = np.asarray(problem.durations[v.profile])
        locs = np.asarray([v.start] + [problem.stops[s].location for s in route] + [v.end])
        before = m[locs[:-1], locs[1:]].sum()
        path, c1 = _two_opt(m, locs)
        path, c2 = _or_opt(m, path)
        path, c3 = _two_opt(m, path)
        if not (c1 or c2 or c3) or m[path[:-1], path[1:]].sum() >= before:
            out.append(list(route))
            continue
        busy = d[path[:-1], path[1:]].sum() + sum(problem.stops[s].service for s in route)
        if busy > v.late - v.early:
            out.append(list(route))
            continue
        # map locations back to stops (several stops may share a location: keep their order)
        pool: dict[int, list[int]] = {}
        for s in route:
            pool.setdefault(problem.stops[s].location, []).append(s)
        out.append([pool[int(loc)].pop(0) for loc in path[1:-1]])
        changed_any = True
    return out if changed_any else None


class _Stop:
    """PyVRP stopping criterion: the wall-clock deadline, optional no-improvement count, progress."""

    def __init__(self, deadline: float, no_improvement: int | None, progress, span: float) -> None:
        self.deadline = deadline
        self.no_improvement = no_improvement
        self.progress = progress
        self.span = max(span, 1e-9)
        self.best = None
        self.stale = 0
        self.last_report = 0.0

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        if self.progress is not None and now - self.last_report > 0.2:
            self.last_report = now
            self.progress(min(1.0 - (self.deadline - now) / self.span, 1.0))  # may raise Cancelled
        if now >= self.deadline:
            return True
        if self.best is None or best_cost < self.best:
            self.best = best_cost
            self.stale = 0
        else:
            self.stale += 1
        return bool(self.no_improvement) and self.stale >= self.no_improvement


def solve_routing(problem: RoutingProblem, *, time_limit_s: float, seed: int = 0,
                  initial: Sequence[Sequence[int]] | None = None,
                  no_improvement: int | None = None, progress=None) -> RoutingSolution:
    """Solve ``problem`` with PyVRP's iterated local search; stops after ``time_limit_s`` seconds.

    Parameters
    ----------
    problem : RoutingProblem
    time_limit_s : float
        Hard wall-clock limit of the search (the model build is not counted; it takes milliseconds).
    seed : int
        Random seed; another seed explores differently.
    initial : sequence of sequence of int, optional
        A warm start: stop indices per expanded vehicle (e.g. the routes of an earlier plan).
    no_improvement : int, optional
        Also stop after this many iterations without a better solution (small instances finish early).
    progress : callable, optional
        ``progress(fraction)`` called a few times a second with the share of the time used;
        raising :class:`~fireriskmap.errors.Cancelled` from it stops the search.

    Returns
    -------
    RoutingSolution
        The best solution found. Optional stops left out are in ``missed``; required stops are
        always visited unless that is infeasible, in which case ``feasible`` is False.
    """
    import pyvrp

    t0 = time.perf_counter()
    data, n_depots = _build(problem)
    vehicle_of: list[int] = []
    for k, v in enumerate(problem.vehicles):
        vehicle_of += [k] * int(v.count)
    limit = max(float(time_limit_s) - (time.perf_counter() - t0), 0.01)
    stop = _Stop(time.perf_counter() + limit, no_improvement, progress, limit)
    init = _initial(data, problem, initial, vehicle_of)
    deadline = time.perf_counter() + limit
    plain = _free_of_windows(problem) and len(problem.stops) > 3
    if plain:  # two legs with a 2-opt/or-opt polish after each (kept inside the limit)
        first = _Stop(time.perf_counter() + 0.55 * limit, no_improvement, progress, limit)
        result = pyvrp.solve(data, first, seed=int(seed) % (2 ** 31), collect_stats=False, display=False,
                             initial_solution=init)
        iterations = int(result.num_iterations)
        best = result.best
        out = _unpack(best, data, problem, n_depots, vehicle_of)
        routes = _polish(problem, out)
        if routes is not None:
            best = _solution(data, routes, out.vehicle)
        remaining = deadline - time.perf_counter() - 0.05 * limit
        if remaining > 0.02 and not (no_improvement and first.stale >= no_improvement):
            second = _Stop(time.perf_counter() + remaining, no_improvement, progress, limit)
            result = pyvrp.solve(data, second, seed=(int(seed) + 1) % (2 ** 31), collect_stats=False,
                                 display=False, initial_solution=best)
            iterations += int(result.num_iterations)
            best = result.best
            out = _unpack(best, data, problem, n_depots, vehicle_of)
            routes = _polish(problem, out)
            if routes is not None:
                best = _solution(data, routes, out.vehicle)
        out = _unpack(best, data, problem, n_depots, vehicle_of)
    else:
        result = pyvrp.solve(data, stop, seed=int(seed) % (2 ** 31), collect_stats=False, display=False,
                             initial_solution=init)
        iterations = int(result.num_iterations)
        out = _unpack(result.best, data, problem, n_depots, vehicle_of)
    out.seconds = time.perf_counter() - t0
    out.iterations = iterations
    return out


def _solution(data, routes: Sequence[Sequence[int]], vehicle_of: Sequence[int]):
    from pyvrp import Route, Solution

    return Solution(data, [Route(data, [int(s) for s in r], vehicle_of[k]) for k, r in enumerate(routes) if len(r)])


def _unpack(best, data, problem: RoutingProblem, n_depots: int, vehicle_of: list[int]) -> RoutingSolution:
    """Routes and schedules of a PyVRP solution, per expanded vehicle."""
    routes: list[list[int]] = [[] for _ in vehicle_of]
    schedules: list[list[ScheduledStop]] = [[] for _ in vehicle_of]
    departures = [0] * len(vehicle_of)
    returns = [0] * len(vehicle_of)
    slot_of: dict[int, list[int]] = {}
    for k, vt in enumerate(vehicle_of):
        slot_of.setdefault(vt, []).append(k)
    served = set()
    for route in best.routes():
        vt = route.vehicle_type()
        slot = slot_of[vt].pop(0)
        prev_end = None
        for act in route.schedule():
            if act.is_depot():
                if prev_end is None:
                    departures[slot] = int(act.end_time)
                    prev_end = int(act.end_time)
                else:
                    returns[slot] = int(act.start_time)
                continue
            stop = int(act.idx)
            served.add(stop)
            routes[slot].append(stop)
            start = int(act.start_time)
            wait = int(act.wait_duration)
            schedules[slot].append(ScheduledStop(stop, start - wait, start, int(act.end_time), wait))
    missed = [k for k in range(len(problem.stops)) if k not in served]
    return RoutingSolution(routes=routes, vehicle=vehicle_of, schedules=schedules, departures=departures,
                           returns=returns, cost=int(best.distance_cost()), missed=missed,
                           feasible=bool(best.is_feasible()), seconds=0.0, pyvrp_solution=best,
                           pyvrp_data=data)


def evaluate_routes(problem: RoutingProblem, routes: Sequence[Sequence[int]], vehicle: Sequence[int]
                    ) -> RoutingSolution:
    """Schedule given routes (stop indices per expanded vehicle) without searching.

    Used after the planner removes visits from a solution: the times are recomputed by PyVRP's
    own schedule (earliest arrivals, waiting where a window opens later).
    """
    from pyvrp import Route, Solution

    data, n_depots = _build(problem)
    vehicle_of = list(vehicle)
    sol = Solution(data, [Route(data, [int(s) for s in r], vehicle_of[k]) for k, r in enumerate(routes) if len(r)])
    return _unpack(sol, data, problem, n_depots, vehicle_of)
