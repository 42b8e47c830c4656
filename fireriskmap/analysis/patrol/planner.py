"""The night patrol plan: targets × teams × road travel times → routes, route sheets, what was left out.

:func:`plan_patrols` turns targets (:func:`~fireriskmap.analysis.patrol.targets.select_targets`) and
teams (:func:`~fireriskmap.analysis.patrol.teams.default_teams`) into a :class:`PatrolPlan`:

1. **Travel times** between every team base and every target on the road network, per travel mode
   (:meth:`RoadGraph.cost_matrix`; cars on all roads but footpaths, capped at
   ``patrol.speed_car_kmh``; e-bikes and walkers on all roads; the legs between road and place
   walked). Points farther than ``network.max_snap_m`` from a usable road, or on a road part with
   no connection to any base, are reported and left out.
2. **Visits**: a target wanted *k* times tonight (``visits``: 2 = twice; 0.5 = every other night,
   decided by the night's date and the target id) becomes *k* visits. Times live on the night
   timeline (seconds since 12:00, :mod:`.timeline`), so windows crossing midnight are plain
   intervals. A window too short for *k* visits ``patrol.min_gap_h`` apart keeps as many as fit
   and reports the rest; a place no team can reach and leave within its shift is reported too.
3. **Routing** (:func:`.solver.solve_routing`, PyVRP): one vehicle per team (own shift, base and
   travel matrix), every visit optional with a prize — must-visit levels (``patrol.must_levels``)
   a prize larger than any route, scaled by priority; all second visits together are worth less
   than one first visit (``patrol.repeat_visit_weight``) — so an over-full night first drops
   second visits and optional places, and never fails. What is minimised is the travel time
   **jittered by up to** ``patrol.randomise_pct`` with the seed (the default seed is the night's
   date), so each night gets a different, equally good order; reported times are the true ones.
4. **Minimum gap**: the solver does not know that two visits belong together, so the visits of a
   place get disjoint windows at least the gap apart: first cut at a random point (seeded, so
   second visits spread over the night and the order is unpredictable), solved for
   ``patrol.first_round_share`` of the time; then the cuts move to the middle between the visits
   just planned (that plan stays valid) or away from a lone visit (to make room for the missing
   one), and the search goes on from that plan. The gap holds by construction (a last check drops
   and reports any visit that would break it). The whole search shares one hard wall-clock limit
   (``time_limit_s``).
5. **Output**: one line per team along the roads (``patrol_routes``), one point per stop with its
   arrival time (``patrol_stops``), every wanted visit not made with its reason, and a summary.

:func:`replan` re-solves a plan without some teams, reusing its travel times (seconds).
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.analysis.network import (SNAP_OK, RoadGraph, check_frame, point_locations, road_graph)
from fireriskmap.analysis.patrol._common import (MODES, PatrolError, mode_speeds, patrol_rules, stable_hash)
from fireriskmap.analysis.patrol.paths import leg_paths
from fireriskmap.analysis.patrol.solver import (RoutingProblem, RoutingSolution, Stop, UNREACHABLE, Vehicle,
                                                evaluate_routes, solve_routing)
from fireriskmap.analysis.patrol.targets import TARGET_COLUMNS, target_window
from fireriskmap.analysis.patrol.teams import Team
from fireriskmap.analysis.patrol.timeline import parse_night, s_to_clock
from fireriskmap.i18n import Msg, tr
from fireriskmap.progress import ProgressFn, null_progress, sub_progress
from fireriskmap.core.jsonable import plain as _plain

__all__ = ["PatrolPlan", "plan_patrols", "replan", "visits_tonight", "REASONS"]

#: Why a wanted visit is not in the plan (``unvisited.reason_code``).
REASONS = ("no_location", "off_road", "no_connection", "window_outside_shift", "window_too_short",
           "too_far_for_shift", "capacity", "optional", "gap")
_MIN_WINDOW_S = 45 * 60  # a visit window is at least this wide when the night allows


def visits_tonight(visits: float, night: _dt.date, target_id: str) -> int:
    """How many visits a target gets on ``night``: ``round(visits)`` for 1 and more; for a
    frequency below one (0.5 = every other night) one visit on every ``round(1/visits)``-th night,
    which night decided by the date and the target id (stable, and spread over the targets)."""
    v = float(visits)
    if not np.isfinite(v) or v <= 0:
        return 0
    if v >= 1:
        return int(round(v))
    every = max(int(round(1.0 / v)), 1)
    return int((night.toordinal() + stable_hash(target_id)) % every == 0)


@dataclass(eq=False)
class _Context:
    """What a re-plan reuses: locations, travel matrices per mode, the expanded visits."""

    graph: RoadGraph
    crs: Any
    rules: dict
    speeds: dict
    night: _dt.date
    lang: str | None
    targets: gpd.GeoDataFrame
    teams: list[Team]
    loc_xy: np.ndarray                 # 2T + N locations: team starts, team ends, targets
    snapped: dict[str, Any]            # mode -> Snapped of loc_xy
    seconds: dict[str, np.ndarray]     # mode -> travel seconds (inf = no path)
    visits: pd.DataFrame               # one row per wanted visit that can be planned
    unplannable: list[dict]            # wanted visits left out before solving, with reasons
    not_due: list[str]                 # targets not due tonight
    wanted: np.ndarray                 # visits wanted tonight per target
    gap_s: int


@dataclass(eq=False)
class PatrolPlan:
    """A night's patrol plan (see the module docstring).

    Attributes
    ----------
    routes : GeoDataFrame
        ``layers/patrol_routes.toml``: one line per team that goes out, along the roads.
    stops : GeoDataFrame
        ``layers/patrol_stops.toml``: one point per stop (visits and breaks) in order, with
        arrival and departure times.
    targets : GeoDataFrame
        The targets with ``visits_wanted``, ``visits_made`` and ``status``.
    unvisited : DataFrame
        One row per wanted visit not made: ``target_id``, ``name``, ``kind``, ``level``, ``visit``,
        ``reason_code`` (:data:`REASONS`), ``reason`` (words).
    teams : list of Team
    summary : dict
        JSON-ready figures (see :meth:`to_dict`).
    issues : list of Msg
    night : date
    seed : int
    """

    routes: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame
    targets: gpd.GeoDataFrame
    unvisited: pd.DataFrame
    teams: list[Team]
    summary: dict[str, Any]
    issues: list[Msg] = field(default_factory=list)
    night: _dt.date = field(default_factory=_dt.date.today)
    seed: int = 0
    context: _Context | None = field(default=None, repr=False)

    @property
    def visits_wanted(self) -> int:
        return int(self.summary.get("visits_wanted", 0))

    @property
    def visits_made(self) -> int:
        return int(self.summary.get("visits_made", 0))

    def team_stops(self, team: str) -> gpd.GeoDataFrame:
        """The stops of one team in order."""
        return self.stops[self.stops["team"] == team].sort_values("seq")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plan: ``teams`` (stops, km, hours), ``visits_wanted``, ``visits_made``,
        ``unvisited`` (target, reason) and the other summary figures."""
        out = dict(self.summary)
        out["issues"] = [str(m) for m in self.issues]
        return _plain(out)


# -- building the problem ----------------------------------------------------------------------

def _msg_reason(code: str, **params: Any) -> Msg:
    return Msg(f"patrol.reason.{code}", **params)


def _expand(targets: gpd.GeoDataFrame, teams: list[Team], ctx_seconds: dict[str, np.ndarray],
            snapped: dict[str, Any], n_teams: int, r: dict, night: _dt.date, max_snap: float
            ) -> tuple[pd.DataFrame, list[dict], list[str], np.ndarray, int]:
    """Wanted visits tonight, with windows and prizes; visits that cannot be planned, with reasons."""
    gap_s = int(round(float(r["min_gap_h"]) * 3600))
    spans = [t.shift() for t in teams]
    night_a, night_b = min(a for a, _ in spans), max(b for _, b in spans)
    horizon = max(b - a for a, b in spans)
    must_bonus = 20 * horizon
    per_priority = float(r["prize_per_priority_min"]) * 60.0
    repeat_w = float(r["repeat_visit_weight"])
    rows: list[dict] = []
    left: list[dict] = []
    not_due: list[str] = []
    wanted = np.zeros(len(targets), dtype=np.int64)
    T = n_teams
    for i, (_, t) in enumerate(targets.iterrows()):
        tid = str(t["target_id"])
        k = visits_tonight(t["visits"], night, tid)
        if k == 0:
            if float(t["visits"]) > 0:
                not_due.append(tid)
            continue
        wanted[i] = k
        base = dict(target=i, target_id=tid)
        if t.geometry is None or t.geometry.is_empty:
            left += [dict(base, visit=j + 1, code="no_location", msg=_msg_reason("no_location")) for j in range(k)]
            continue
        window = target_window(t)
        ws, we = window if window is not None else (night_a, night_b)
        ws, we = max(ws, night_a), min(we, night_b)
        if we < ws:
            text = f"{t['window_start'] or ''}–{t['window_end'] or ''}"
            left += [dict(base, visit=j + 1, code="window_outside_shift",
                          msg=_msg_reason("window_outside_shift", window=text)) for j in range(k)]
            continue
        k_fit = k if k == 1 or gap_s <= 0 else min(k, int((we - ws) // gap_s) + 1)
        for j in range(k_fit, k):
            text = f"{s_to_clock(ws)}–{s_to_clock(we)}"
            left.append(dict(base, visit=j + 1, code="window_too_short",
                             msg=_msg_reason("window_too_short", window=text, gap=_hours(gap_s), max=k_fit)))
        # can any team reach it and be back in time?
        service = int(round(float(t["dwell_min"]) * 60))
        loc = 2 * T + i
        attached_any = any(bool(snapped[m].status[loc] == SNAP_OK) for m in snapped)
        ok_team = np.zeros(T, dtype=bool)
        connected = False
        for ti, team in enumerate(teams):
            d = ctx_seconds[team.mode]
            go, back = d[ti, loc], d[loc, T + ti]
            if np.isfinite(go) and np.isfinite(back):
                connected = True
                a, b = spans[ti]
                arrive = max(a + go, ws)
                ok_team[ti] = arrive <= we and arrive + service + back <= b
        prio = float(t["priority"])
        must = bool(t["must"])
        for j in range(k_fit):
            if not ok_team.any():
                if not attached_any:
                    modes = sorted({tm.mode for tm in teams})
                    mode = Msg(f"patrol.mode.{modes[0]}") if len(modes) == 1 else \
                        "、".join(tr(f"patrol.mode.{m}") for m in modes)
                    code, msg = "off_road", _msg_reason("off_road", limit=int(max_snap), mode=mode)
                elif not connected:
                    code, msg = "no_connection", _msg_reason("no_connection")
                else:
                    best = min((ctx_seconds[tm.mode][ti, loc] for ti, tm in enumerate(teams)), default=np.inf)
                    code, msg = "too_far_for_shift", _msg_reason("too_far_for_shift",
                                                                 minutes=int(round(best / 60)) if np.isfinite(best) else "—")
                left.append(dict(base, visit=j + 1, code=code, msg=msg))
                continue
            early = ws + j * gap_s
            late = we - (k_fit - 1 - j) * gap_s
            prize = prio * per_priority + (must_bonus * prio if must else 0.0)
            rows.append(dict(base, copy=j, copies=k_fit, early=int(early), late=int(late), ws=int(ws), we=int(we),
                             service=service, prize=prize, must=must, loc=loc, teams=ok_team.copy()))
    # second and later visits: all of them together are worth less than any one first visit of the
    # same kind (must / optional), so a full night still covers every place once; among themselves
    # they keep their order by priority
    for must in (True, False):
        repeats = [row for row in rows if row["copy"] > 0 and row["must"] == must]
        for row in repeats:
            row["prize"] *= repeat_w / max(len(repeats), 1)
    for row in rows:
        row["prize"] = int(round(row["prize"]))
    visits = pd.DataFrame(rows, columns=["target", "target_id", "copy", "copies", "early", "late", "ws", "we",
                                         "service", "prize", "must", "loc", "teams"])
    return visits, left, not_due, wanted, gap_s


def _hours(seconds: float) -> str:
    h = seconds / 3600.0
    return f"{h:g}" if abs(h - round(h, 1)) < 1e-9 else f"{h:.1f}"


def _problem(ctx: _Context, team_ids: list[int], visits: pd.DataFrame, early: np.ndarray, late: np.ndarray,
             seed: int) -> tuple[RoutingProblem, list[dict]]:
    """The routing problem for some teams: one profile per team, one location per visit copy."""
    T = len(ctx.teams)
    r = ctx.rules
    base_locs: list[int] = []
    stops: list[Stop] = []
    meta: list[dict] = []
    # depots: start and end of each chosen team
    for ti in team_ids:
        base_locs += [ti, T + ti]
    n_dep = len(base_locs)
    for v, row in enumerate(visits.itertuples(index=False)):
        base_locs.append(int(row.loc))
        stops.append(Stop(location=n_dep + v, service=int(row.service), early=int(early[v]), late=int(late[v]),
                          prize=max(int(row.prize), 1), required=False, name=str(row.target_id)))
        meta.append({"kind": "visit", "visit": v})
    # breaks: a stop at the team's base that only that team can reach
    break_owner: dict[int, int] = {}
    for k, ti in enumerate(team_ids):
        team = ctx.teams[ti]
        a, b = team.shift()
        for brk in team.breaks:
            ba, bb = brk.window()
            ba, bb = max(ba, a), min(bb, b)
            if bb < ba:
                continue
            loc_index = len(base_locs)
            base_locs.append(ti)
            break_owner[loc_index] = ti
            stops.append(Stop(location=loc_index, service=int(round(brk.minutes * 60)), early=int(ba), late=int(bb),
                              prize=int(1000 * (b - a) * 10), required=False, name="break"))
            meta.append({"kind": "break", "team": ti, "minutes": brk.minutes})
    base = np.asarray(base_locs, dtype=np.int64)
    n = len(base)
    rng = np.random.default_rng(int(seed) % (2 ** 32))
    jitter = float(r["randomise_pct"]) / 100.0
    noise_full = 1.0 + jitter * rng.uniform(-1.0, 1.0, size=(len(ctx.loc_xy), len(ctx.loc_xy)))
    noise = noise_full[np.ix_(base, base)]
    # copies of the same target: consecutive visits cost the gap (the gap repair does the rest)
    same_target = np.zeros((n, n), dtype=bool)
    if len(visits):
        tgt = np.full(n, -1, dtype=np.int64)
        tgt[n_dep:n_dep + len(visits)] = visits["target"].to_numpy()
        same_target = (tgt[:, None] == tgt[None, :]) & (tgt[:, None] >= 0)
        np.fill_diagonal(same_target, False)
    # one travel profile per mode; a team with a break gets its own (only it can reach its break)
    durations, costs = [], []
    profile_of: dict[Any, int] = {}
    vehicles = []
    for k, ti in enumerate(team_ids):
        team = ctx.teams[ti]
        key = ("team", ti) if any(owner == ti for owner in break_owner.values()) else ("mode", team.mode)
        if key not in profile_of:
            sec = ctx.seconds[team.mode][np.ix_(base, base)]
            dur = np.where(np.isfinite(sec), np.ceil(sec), UNREACHABLE).astype(np.int64)
            for loc_index, owner in break_owner.items():
                if owner != ti or key[0] == "mode":
                    dur[loc_index, :] = UNREACHABLE
                    dur[:, loc_index] = UNREACHABLE
            np.fill_diagonal(dur, 0)
            cost = np.where(dur >= UNREACHABLE, UNREACHABLE, np.round(dur * noise)).astype(np.int64)
            if ctx.gap_s > 0:
                cost[same_target] = np.maximum(cost[same_target], ctx.gap_s)
            profile_of[key] = len(durations)
            durations.append(dur)
            costs.append(cost)
        a, b = team.shift()
        vehicles.append(Vehicle(start=2 * k, end=2 * k + 1, early=a, late=b, profile=profile_of[key], name=team.name))
    return RoutingProblem(durations=durations, costs=costs, stops=stops, vehicles=vehicles), meta


def _served_times(sol, meta: list[dict], visits: pd.DataFrame) -> dict[int, list[tuple[int, int]]]:
    """Per target: (visit row, service start) of its served visits, in time order."""
    times: dict[int, list[tuple[int, int]]] = {}
    target_of = visits["target"].to_numpy() if len(visits) else np.zeros(0, dtype=np.int64)
    for sched in sol.schedules:
        for s in sched:
            m = meta[s.stop]
            if m["kind"] == "visit":
                times.setdefault(int(target_of[m["visit"]]), []).append((m["visit"], s.start))
    for lst in times.values():
        lst.sort(key=lambda x: x[1])
    return times


def _gap_violations(sol, meta: list[dict], visits: pd.DataFrame, gap_s: int) -> dict[int, list[tuple[int, int]]]:
    """Targets whose served visits are closer than the gap."""
    return {tgt: lst for tgt, lst in _served_times(sol, meta, visits).items()
            if any(b[1] - a[1] < gap_s for a, b in zip(lst, lst[1:]))}


def _split_windows(visits: pd.DataFrame, early: np.ndarray, late: np.ndarray, gap_s: int, seed: int,
                   served: dict[int, list[tuple[int, int]]] | None = None) -> None:
    """Disjoint windows, ``gap_s`` apart, for the visits of every place visited more than once.

    Without ``served`` (first round) a place's window is cut at a random point (seeded: the night's
    order is unpredictable, and second visits spread over the night) leaving each visit at least
    ``_MIN_WINDOW_S`` where possible. With ``served`` (the first round's times, which keep the gap)
    the cuts move to the middle between the served visits — that solution stays valid, so the
    second round can only improve it — or, when only one visit was made, as far as possible from
    it, to give the missing visit the most room.
    """
    target_of = visits["target"].to_numpy()
    copy_of = visits["copy"].to_numpy()
    for tgt in visits.loc[visits["copies"] > 1, "target"].unique():
        rows = np.nonzero(target_of == tgt)[0]
        rows = rows[np.argsort(copy_of[rows], kind="stable")]
        k = len(rows)
        ws, we = int(visits.iloc[rows[0]]["ws"]), int(visits.iloc[rows[0]]["we"])
        free = (we - ws) - (k - 1) * gap_s          # room left for the k windows together
        if free < 0:
            continue
        if served is None:
            rng = np.random.default_rng([int(seed) % (2 ** 32), stable_hash(str(visits.iloc[rows[0]]["target_id"])) % (2 ** 32)])
            least = min(_MIN_WINDOW_S, free / k)
            widths = least + rng.dirichlet(np.ones(k)) * (free - least * k)
        else:
            times = [t for _, t in served.get(int(tgt), [])]
            if len(times) == k:
                cuts = [(a + b) / 2.0 for a, b in zip(times, times[1:])]
            elif k == 2 and len(times) == 1:
                t = times[0]
                first = [v for v, _ in served[int(tgt)]][0] == rows[0]
                cuts = [t + gap_s / 2.0] if first else [t - gap_s / 2.0]
            else:
                continue
            bounds = [ws - gap_s / 2.0] + cuts + [we + gap_s / 2.0]
            widths = np.diff(bounds) - gap_s
            if (widths < 0).any():
                continue
        lo = ws
        for j, v in enumerate(rows):
            hi = lo + widths[j]
            early[v] = int(math.ceil(lo))
            late[v] = max(int(math.floor(hi)), early[v])
            lo = hi + gap_s


def _drop_gap(sol, meta: list[dict], visits: pd.DataFrame, gap_s: int) -> tuple[list[list[int]], set[int]]:
    """Routes without the visits that still break the gap (the later one of each close pair)."""
    bad = _gap_violations(sol, meta, visits, gap_s)
    drop: set[int] = set()
    for lst in bad.values():
        last = None
        for v, start in lst:
            if last is None or start - last >= gap_s:
                last = start
            else:
                drop.add(v)
    routes = [[s for s in route if not (meta[s]["kind"] == "visit" and meta[s]["visit"] in drop)]
              for route in sol.routes]
    return routes, drop


def _no_improvement(problem: RoutingProblem) -> int:
    """Iterations without a better plan after which a search stops early (small nights finish fast)."""
    return 2000 + 100 * len(problem.stops)


def _solve(ctx: _Context, team_ids: list[int], *, seed: int, time_limit_s: float,
           initial: list[list[int]] | None, progress: ProgressFn) -> tuple[Any, list[dict], set[int], RoutingProblem, int]:
    """Solve under one deadline; with repeat visits in two rounds (random split, then re-split).

    Returns the solution, the stop meta data, visits dropped for the gap, the problem and the rounds run.
    """
    visits = ctx.visits
    early = visits["early"].to_numpy(dtype=np.int64).copy() if len(visits) else np.zeros(0, dtype=np.int64)
    late = visits["late"].to_numpy(dtype=np.int64).copy() if len(visits) else np.zeros(0, dtype=np.int64)
    deadline = time.perf_counter() + float(time_limit_s)
    repeats = bool(len(visits)) and bool((visits["copies"] > 1).any()) and ctx.gap_s > 0
    first_share = float(ctx.rules.get("first_round_share", 0.5)) if repeats else 1.0
    msg = Msg("patrol.progress.solve").render()
    if repeats:
        _split_windows(visits, early, late, ctx.gap_s, seed)
    problem, meta = _problem(ctx, team_ids, visits, early, late, seed)
    if not problem.stops:  # nothing to visit tonight
        n = len(team_ids)
        empty = RoutingSolution(routes=[[] for _ in range(n)], vehicle=list(range(n)), schedules=[[] for _ in range(n)],
                                departures=[0] * n, returns=[0] * n, cost=0, missed=[], feasible=True, seconds=0.0)
        return empty, meta, set(), problem, 0
    part = sub_progress(progress, 0.0, first_share)
    sol = solve_routing(problem, time_limit_s=max(float(time_limit_s) * first_share, 0.05), seed=seed,
                        initial=initial, no_improvement=_no_improvement(problem), progress=lambda f: part(f, msg))
    rounds = 1
    remaining = deadline - time.perf_counter()
    if repeats and first_share < 1.0 and remaining > 0.05:
        _split_windows(visits, early, late, ctx.gap_s, seed, served=_served_times(sol, meta, visits))
        problem, meta = _problem(ctx, team_ids, visits, early, late, seed)
        part2 = sub_progress(progress, first_share, 1.0)
        sol = solve_routing(problem, time_limit_s=remaining, seed=seed + 1, initial=sol.routes,
                            no_improvement=_no_improvement(problem), progress=lambda f: part2(f, msg))
        rounds = 2
    routes, dropped = _drop_gap(sol, meta, visits, ctx.gap_s) if repeats else (sol.routes, set())
    if dropped:  # safety net: the split windows keep every gap by construction
        secs = sol.seconds
        sol = evaluate_routes(problem, routes, sol.vehicle)
        sol.seconds = secs
    return sol, meta, dropped, problem, rounds


# -- assembling the result ---------------------------------------------------------------------

def _assemble(ctx: _Context, team_ids: list[int], sol, meta: list[dict], gap_dropped: set[int], *,
              seed: int, rounds: int, seconds: float, solve_seconds: float, issues: list[Msg],
              progress: ProgressFn) -> PatrolPlan:
    lang = ctx.lang
    T = len(ctx.teams)
    targets = ctx.targets
    visits = ctx.visits
    route_rows, stop_rows = [], []
    made = np.zeros(len(targets), dtype=np.int64)
    # visit numbers by time: first served visit of a target is visit 1
    served_times: dict[int, list[tuple[int, int]]] = {}
    for sched in sol.schedules:
        for s in sched:
            m = meta[s.stop]
            if m["kind"] == "visit":
                tgt = int(visits.iloc[m["visit"]]["target"])
                served_times.setdefault(tgt, []).append((s.start, s.stop))
    number: dict[int, int] = {}
    for tgt, lst in served_times.items():
        for j, (_, stop) in enumerate(sorted(lst)):
            number[stop] = j + 1
        made[tgt] = len(lst)
    # legs per team for the geometry
    all_legs: dict[str, list[tuple[int, int]]] = {}
    team_locs: list[list[int]] = []
    for k, ti in enumerate(team_ids):
        seq = [ti]
        for s in sol.schedules[k]:
            m = meta[s.stop]
            seq.append(int(visits.iloc[m["visit"]]["loc"]) if m["kind"] == "visit" else ti)
        seq.append(T + ti)
        team_locs.append(seq)
        mode = ctx.teams[ti].mode
        all_legs.setdefault(mode, [])
        all_legs[mode] += list(zip(seq[:-1], seq[1:]))
    progress(0.2, Msg("patrol.progress.paths").render())
    paths: dict[tuple[str, int, int], np.ndarray | None] = {}
    for mode, legs in all_legs.items():
        uniq = sorted(set(legs))
        got = leg_paths(ctx.graph, ctx.snapped[mode], uniq, profile=MODES[mode], speeds=ctx.speeds)
        for leg, coords in zip(uniq, got):
            paths[(mode, leg[0], leg[1])] = coords
    cols = targets
    for k, ti in enumerate(team_ids):
        team = ctx.teams[ti]
        sched = sol.schedules[k]
        if not sched:
            continue
        mode = team.mode
        sec = ctx.seconds[mode]
        seq = team_locs[k]
        parts, km_total, travel_s = [], 0.0, 0.0
        leg_km, leg_min = [], []
        for a, b in zip(seq[:-1], seq[1:]):
            coords = paths.get((mode, a, b))
            if a == b:
                coords = None
                km = 0.0
            elif coords is None:
                coords = np.vstack([ctx.loc_xy[a], ctx.loc_xy[b]])
                km = float(np.hypot(*(coords[1] - coords[0]))) / 1000.0
            elif len(coords) < 2:
                coords, km = None, 0.0
            else:
                km = float(shapely.length(shapely.linestrings(coords))) / 1000.0
            if coords is not None and len(coords) >= 2:
                parts.append(coords)
            t = float(sec[a, b]) if a != b else 0.0
            km_total += km
            travel_s += t if np.isfinite(t) else 0.0
            leg_km.append(km)
            leg_min.append(t / 60.0 if np.isfinite(t) else np.nan)
        depart, back = sol.departures[k], sol.returns[k]
        dwell_s = sum(s.end - s.start for s in sched)
        wait_s = sum(s.wait for s in sched)
        names = []
        n_visits = 0
        for seq_no, s in enumerate(sched, start=1):
            m = meta[s.stop]
            if m["kind"] == "visit":
                row = visits.iloc[m["visit"]]
                t = cols.iloc[int(row["target"])]
                n_visits += 1
                vis_no = number.get(s.stop, 1)
                stop_rows.append({
                    "team": team.name, "seq": seq_no, "target_id": t["target_id"], "name": t["name"],
                    "target_kind": t["kind"], "level": t["level"], "visit": vis_no,
                    "of_visits": int(ctx.wanted[int(row["target"])]), "arrival": s_to_clock(s.start),
                    "departure": s_to_clock(s.end), "arrival_s": int(s.start), "wait_min": round(s.wait / 60.0, 1),
                    "dwell_min": round((s.end - s.start) / 60.0, 1), "leg_km": round(leg_km[seq_no - 1], 2),
                    "leg_min": round(leg_min[seq_no - 1], 1) if np.isfinite(leg_min[seq_no - 1]) else None,
                    "checks": t["checks"], "village": t["village"], "note": t["note"],
                    "geometry": t.geometry})
                names.append(f"{seq_no}. {t['name']} {s_to_clock(s.start)}")
            else:
                stop_rows.append({
                    "team": team.name, "seq": seq_no, "target_id": f"B:{team.name}",
                    "name": tr("patrol.break_name", base=team.base or team.name, lang=lang), "target_kind": "break",
                    "level": None, "visit": 1, "of_visits": 1, "arrival": s_to_clock(s.start),
                    "departure": s_to_clock(s.end), "arrival_s": int(s.start), "wait_min": round(s.wait / 60.0, 1),
                    "dwell_min": round((s.end - s.start) / 60.0, 1), "leg_km": round(leg_km[seq_no - 1], 2),
                    "leg_min": round(leg_min[seq_no - 1], 1) if np.isfinite(leg_min[seq_no - 1]) else None,
                    "checks": None, "village": None, "note": None,
                    "geometry": shapely.Point(ctx.loc_xy[ti])})
                names.append(f"{seq_no}. {tr('patrol.break_short', lang=lang)} {s_to_clock(s.start)}")
        geom = None
        if parts:  # the legs join end to start: one continuous line along the roads
            coords = np.vstack(parts)
            keep = np.r_[True, np.any(np.abs(np.diff(coords, axis=0)) > 1e-9, axis=1)]
            coords = coords[keep]
            geom = shapely.linestrings(coords) if len(coords) >= 2 else None
        sep = "; " if (lang or "").startswith("en") else "；"
        a, b = team.shift()
        route_rows.append({
            "team": team.name, "base": team.base, "mode": team.mode,
            "shift": f"{s_to_clock(a)}–{s_to_clock(b)}", "depart": s_to_clock(depart), "return_time": s_to_clock(back),
            "stops": n_visits, "length_km": round(km_total, 3), "duration_h": round((back - depart) / 3600.0, 3),
            "travel_h": round(travel_s / 3600.0, 3), "dwell_h": round(dwell_s / 3600.0, 3),
            "wait_h": round(wait_s / 3600.0, 3), "stop_list": sep.join(names), "night": ctx.night.isoformat(),
            "seed": int(seed), "geometry": geom})
    routes = gpd.GeoDataFrame(route_rows, columns=list(route_rows[0].keys()) if route_rows else
                              ["team", "geometry"], geometry="geometry", crs=ctx.crs)
    stops = gpd.GeoDataFrame(stop_rows, geometry="geometry", crs=ctx.crs) if stop_rows else \
        gpd.GeoDataFrame({"team": [], "seq": []}, geometry=gpd.GeoSeries([], crs=ctx.crs), crs=ctx.crs)
    # unvisited
    unv = [dict(u) for u in ctx.unplannable]
    missed_rows = [meta[i]["visit"] for i in sol.missed if meta[i]["kind"] == "visit"] + sorted(gap_dropped)
    missed_rows = sorted(set(missed_rows))
    available_h = sum((b - a) for a, b in (ctx.teams[i].shift() for i in team_ids)) / 3600.0
    used_h = sum((sol.returns[k] - sol.departures[k]) for k in range(len(team_ids)) if sol.schedules[k]) / 3600.0
    counted: dict[int, int] = {}
    for v in missed_rows:
        row = visits.iloc[v]
        tgt = int(row["target"])
        counted[tgt] = counted.get(tgt, 0) + 1
        if v in gap_dropped:
            code, msg = "gap", _msg_reason("gap", gap=_hours(ctx.gap_s))
        elif bool(row["must"]):
            code, msg = "capacity", _msg_reason("capacity", teams=len(team_ids), used=f"{used_h:.1f}",
                                                available=f"{available_h:.1f}")
        else:
            code, msg = "optional", _msg_reason("optional")
        unv.append(dict(target=tgt, target_id=row["target_id"], visit=int(made[tgt]) + counted[tgt], code=code, msg=msg))
    unv_rows = []
    for u in unv:
        t = targets.iloc[int(u["target"])]
        unv_rows.append({"target_id": t["target_id"], "name": t["name"], "kind": t["kind"], "level": t["level"],
                         "visit": int(u["visit"]), "reason_code": u["code"], "reason": u["msg"].render(lang),
                         "village": t["village"]})
    unvisited = pd.DataFrame(unv_rows, columns=["target_id", "name", "kind", "level", "visit", "reason_code",
                                                "reason", "village"])
    unvisited = unvisited.sort_values(["target_id", "visit"], kind="stable").reset_index(drop=True)
    # targets with their counts
    tout = targets.copy()
    tout["visits_wanted"] = ctx.wanted
    tout["visits_made"] = made
    due = set(ctx.not_due)
    tout["status"] = [("not_due" if tid in due else "none" if w == 0 else
                       "full" if m >= w else "partial" if m > 0 else "missed")
                      for tid, w, m in zip(tout["target_id"], ctx.wanted, made)]
    summary = _summary(ctx, team_ids, routes, stops, tout, unvisited, seed=seed, rounds=rounds, seconds=seconds,
                       solve_seconds=solve_seconds)
    return PatrolPlan(routes=routes, stops=stops, targets=tout, unvisited=unvisited,
                      teams=[ctx.teams[i] for i in team_ids], summary=summary, issues=list(issues),
                      night=ctx.night, seed=int(seed), context=ctx)


def _summary(ctx: _Context, team_ids, routes, stops, targets, unvisited, *, seed, rounds, seconds, solve_seconds):
    teams_out = []
    for ti in team_ids:
        team = ctx.teams[ti]
        row = routes[routes["team"] == team.name] if len(routes) else routes
        st = stops[stops["team"] == team.name].sort_values("seq") if len(stops) else stops
        a, b = team.shift()
        entry = {"team": team.name, "base": team.base, "mode": team.mode, "shift": f"{s_to_clock(a)}–{s_to_clock(b)}",
                 "stops": [{"seq": int(s["seq"]), "target": s["target_id"], "name": s["name"],
                            "kind": s["target_kind"], "level": s["level"], "visit": int(s["visit"]),
                            "arrival": s["arrival"], "departure": s["departure"]} for _, s in st.iterrows()],
                 "km": 0.0, "hours": 0.0, "travel_hours": 0.0, "depart": None, "return": None}
        if len(row):
            rr = row.iloc[0]
            entry.update(km=float(rr["length_km"]), hours=float(rr["duration_h"]), travel_hours=float(rr["travel_h"]),
                         depart=rr["depart"], **{"return": rr["return_time"]})
        teams_out.append(entry)
    wanted = int(targets["visits_wanted"].sum())
    made = int(targets["visits_made"].sum())
    by_level = {}
    for lv in ("red", "orange", "yellow", "blue"):
        sel = targets[targets["level"] == lv]
        if len(sel):
            by_level[lv] = {"targets": int(len(sel)), "visits_wanted": int(sel["visits_wanted"].sum()),
                            "visits_made": int(sel["visits_made"].sum())}
    due = targets[targets["visits_wanted"] > 0]
    return {
        "night": ctx.night.isoformat(), "seed": int(seed), "teams": teams_out,
        "targets": int(len(targets)), "targets_due": int(len(due)),
        "targets_covered": int((due["visits_made"] > 0).sum()),
        "targets_fully_covered": int((due["visits_made"] >= due["visits_wanted"]).sum()),
        "not_due_tonight": int(len(ctx.not_due)), "visits_wanted": wanted, "visits_made": made,
        "km": round(float(routes["length_km"].sum()) if len(routes) else 0.0, 2),
        "hours": round(float(routes["duration_h"].sum()) if len(routes) else 0.0, 2),
        "by_level": by_level,
        "unvisited": [{"target": u["target_id"], "name": u["name"], "level": u["level"], "visit": int(u["visit"]),
                       "reason_code": u["reason_code"], "reason": u["reason"]} for _, u in unvisited.iterrows()],
        "min_gap_h": ctx.gap_s / 3600.0, "rounds": int(rounds), "seconds": round(seconds, 2),
        "solve_seconds": round(solve_seconds, 2),
    }


# -- the public functions ----------------------------------------------------------------------

def plan_patrols(targets: gpd.GeoDataFrame, teams: Sequence[Team], roads: gpd.GeoDataFrame | None = None, *,
                 graph: RoadGraph | None = None, seed: int | None = None, time_limit_s: float | None = None,
                 night: _dt.date | str | None = None, rules: Mapping[str, Any] | None = None,
                 lang: str | None = None, progress: ProgressFn | None = None) -> PatrolPlan:
    """Plan the night's patrols of ``teams`` over ``targets`` on the road network (inputs not modified).

    Parameters
    ----------
    targets : GeoDataFrame
        From :func:`~fireriskmap.analysis.patrol.targets.select_targets` (columns
        :data:`~fireriskmap.analysis.patrol.targets.TARGET_COLUMNS`, points in a metric CRS).
    teams : sequence of Team
        At least one; each with its base, shift, travel mode and breaks.
    roads : GeoDataFrame, optional
        The roads layer (a cached :func:`road_graph` is built from it) — or pass ``graph``.
    graph : RoadGraph, optional
        A graph already built from the roads.
    seed : int, optional
        Randomisation seed; default the night's date as ``YYYYMMDD`` (a different order each night,
        the same plan when re-run for the same night).
    time_limit_s : float, optional
        Hard wall-clock limit of the route search in seconds (default ``patrol.time_limit_s``).
    night : date or str, optional
        The evening the night starts (default today): decides which every-other-night targets are due.
    rules : mapping, optional
        Overrides of ``patrol.*`` and ``network.*`` rules (e.g. ``project.settings``).
    lang : str, optional
        Language of the reasons and generated names (default: current language).
    progress : callable, optional
        ``progress(fraction, message)``; raise :class:`~fireriskmap.errors.Cancelled` to stop.

    Returns
    -------
    PatrolPlan
    """
    t_start = time.perf_counter()
    progress = progress or null_progress
    targets = check_frame(targets, "targets")
    missing = [c for c in ("target_id", "name", "kind", "level", "visits", "must", "priority", "dwell_min")
               if c not in targets.columns]
    if missing:
        raise PatrolError(problem=Msg("patrol.problem.columns", columns=", ".join(missing)))
    teams = list(teams)
    if not teams:
        raise PatrolError(problem=Msg("patrol.problem.teams", value=0))
    if len({t.name for t in teams}) != len(teams):
        raise PatrolError(problem=Msg("patrol.problem.team_names"))
    r = patrol_rules(rules)
    speeds = mode_speeds(rules)
    night_d = parse_night(night)
    seed = int(night_d.strftime("%Y%m%d")) if seed is None else int(seed)
    limit = float(r["time_limit_s"] if time_limit_s is None else time_limit_s)
    if not limit > 0:
        raise PatrolError(problem=Msg("patrol.problem.setting", name="time_limit_s", value=time_limit_s))
    if graph is None:
        if roads is None or not len(roads):
            raise PatrolError(problem=Msg("patrol.problem.no_roads"))
        progress(0.0, Msg("patrol.progress.network").render())
        graph = road_graph(roads, rules=rules, progress=sub_progress(progress, 0.0, 0.1))
    graph.check_crs(targets, "targets")
    targets = targets.reset_index(drop=True)
    for col in TARGET_COLUMNS:
        if col not in targets.columns:
            targets[col] = None
    T = len(teams)
    txy, _ = point_locations(targets.geometry) if len(targets) else (np.zeros((0, 2)), np.zeros(0, dtype=bool))
    loc_xy = np.vstack([np.asarray([t.start for t in teams], dtype=float),
                        np.asarray([t.end_xy for t in teams], dtype=float), txy.reshape(-1, 2)])
    progress(0.1, Msg("patrol.progress.matrix").render())
    snapped, seconds = {}, {}
    issues: list[Msg] = []
    for mode in sorted({t.mode for t in teams}):
        profile = MODES[mode]
        snapped[mode] = graph.snap(loc_xy, profile=profile)
        seconds[mode] = graph.cost_matrix(snapped[mode], snapped[mode], profile=profile, speeds=speeds)
    for ti, team in enumerate(teams):
        snap = snapped[team.mode]
        if snap.status[ti] != SNAP_OK or snap.status[T + ti] != SNAP_OK:
            issues.append(Msg("patrol.issue.base_off_road", team=team.name, base=team.base or "",
                              limit=int(graph.settings["max_snap_m"])))
    visits, left, not_due, wanted, gap_s = _expand(targets, teams, seconds, snapped, T, r, night_d,
                                                   float(graph.settings["max_snap_m"]))
    ctx = _Context(graph=graph, crs=targets.crs or graph.crs, rules=r, speeds=speeds, night=night_d, lang=lang,
                   targets=targets, teams=teams, loc_xy=loc_xy, snapped=snapped, seconds=seconds, visits=visits,
                   unplannable=left, not_due=not_due, wanted=wanted, gap_s=gap_s)
    t_solve = time.perf_counter()
    sol, meta, dropped, _, rounds = _solve(ctx, list(range(T)), seed=seed, time_limit_s=limit, initial=None,
                                           progress=sub_progress(progress, 0.15, 0.9))
    solve_seconds = time.perf_counter() - t_solve
    plan = _assemble(ctx, list(range(T)), sol, meta, dropped, seed=seed, rounds=rounds,
                     seconds=time.perf_counter() - t_start, solve_seconds=solve_seconds, issues=issues,
                     progress=sub_progress(progress, 0.9, 1.0))
    plan.summary["seconds"] = round(time.perf_counter() - t_start, 2)
    progress(1.0, Msg("patrol.progress.done").render())
    return plan


def replan(plan: PatrolPlan, *, without: Iterable[str] = (), seed: int | None = None,
           time_limit_s: float | None = None, progress: ProgressFn | None = None) -> PatrolPlan:
    """The plan again without the teams named in ``without`` (a team dropped out), in seconds.

    Travel times, snapped points and the wanted visits are reused from ``plan``; the search starts
    from the remaining teams' current routes. Default limit ``patrol.replan_time_limit_s``.
    """
    t_start = time.perf_counter()
    progress = progress or null_progress
    ctx = plan.context
    if ctx is None:
        raise PatrolError(problem=Msg("patrol.problem.no_context"))
    gone = {str(n) for n in without}
    names = [t.name for t in ctx.teams]
    unknown = gone - set(names)
    if unknown:
        raise PatrolError(problem=Msg("patrol.problem.unknown_team", value=", ".join(sorted(unknown)),
                                      choices=", ".join(names)))
    active = [i for i, t in enumerate(ctx.teams) if t.name in {p.name for p in plan.teams} and t.name not in gone]
    if not active:
        raise PatrolError(problem=Msg("patrol.problem.teams", value=0))
    seed = plan.seed if seed is None else int(seed)
    limit = float(ctx.rules["replan_time_limit_s"] if time_limit_s is None else time_limit_s)
    # warm start: the kept teams' visits in their current order (visit rows of this context)
    initial = []
    by_team = {t.name: k for k, t in enumerate(plan.teams)}
    stops = plan.stops
    vis_index = {(str(tid), n): v for v, (tid, n) in enumerate(zip(ctx.visits["target_id"], ctx.visits["copy"]))}
    for ti in active:
        name = ctx.teams[ti].name
        seq = []
        if name in by_team and len(stops):
            st = stops[(stops["team"] == name) & (stops["target_kind"] != "break")].sort_values("seq")
            for tid, vis in zip(st["target_id"], st["visit"]):
                v = vis_index.get((str(tid), int(vis) - 1))
                if v is not None:
                    seq.append(v)
        initial.append(seq)
    t_solve = time.perf_counter()
    sol, meta, dropped, _, rounds = _solve(ctx, active, seed=seed, time_limit_s=limit, initial=initial,
                                           progress=sub_progress(progress, 0.0, 0.85))
    solve_seconds = time.perf_counter() - t_solve
    issues = list(plan.issues) + [Msg("patrol.issue.replanned", teams="、".join(sorted(gone)))]
    out = _assemble(ctx, active, sol, meta, dropped, seed=seed, rounds=rounds, seconds=time.perf_counter() - t_start,
                    solve_seconds=solve_seconds, issues=issues, progress=sub_progress(progress, 0.85, 1.0))
    out.summary["seconds"] = round(time.perf_counter() - t_start, 2)
    out.summary["without"] = sorted(gone)
    progress(1.0, Msg("patrol.progress.done").render())
    return out
