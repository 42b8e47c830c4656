"""Patrol teams: where they start and end, their shift, how they travel, their breaks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import geopandas as gpd
import numpy as np
import shapely

from fireriskmap.analysis.network import check_frame, point_locations
from fireriskmap.analysis.patrol._common import PatrolError, normalise_mode, patrol_rules
from fireriskmap.analysis.patrol.timeline import window_s
from fireriskmap.i18n import Msg, tr

__all__ = ["Team", "Break", "default_teams", "make_teams", "team_points", "team_shift_bounds", "STATION_ORDER"]

#: Preferred bases, in order: full-time teams first, then micro stations, then volunteers.
STATION_ORDER = ("government", "professional", "micro", "volunteer")


@dataclass(frozen=True)
class Break:
    """A break at the team's base: it starts between ``start`` and ``end`` (clock) and lasts ``minutes``."""

    start: str
    end: str
    minutes: float

    def window(self) -> tuple[int, int]:
        return window_s(self.start, self.end)


@dataclass(frozen=True)
class Team:
    """One patrol team.

    Attributes
    ----------
    name : str
        Shown on the route sheet (``"第1组"``).
    start : tuple of float
        Where the team sets out (x, y in the project CRS, metres).
    end : tuple of float, optional
        Where it finishes; ``None`` = back to ``start``.
    base : str
        Name of the start place (a micro fire station, a police post, the town hall).
    shift_start, shift_end : str
        Clock times; the end may be the next morning (``"20:00"``–``"06:00"``).
    mode : str
        ``"car"``, ``"ebike"``, ``"foot"`` or ``"engine"`` (speeds in ``patrol.speed_*``).
    breaks : tuple of Break
        Breaks taken at the base.
    """

    name: str
    start: tuple[float, float]
    end: tuple[float, float] | None = None
    base: str = ""
    shift_start: str = "20:00"
    shift_end: str = "06:00"
    mode: str = "car"
    breaks: tuple[Break, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", normalise_mode(self.mode))
        object.__setattr__(self, "start", (float(self.start[0]), float(self.start[1])))
        if self.end is not None:
            object.__setattr__(self, "end", (float(self.end[0]), float(self.end[1])))
        object.__setattr__(self, "breaks", tuple(self.breaks))
        self.shift()  # validates

    def shift(self) -> tuple[int, int]:
        """The shift on the night timeline (seconds since 12:00)."""
        return window_s(self.shift_start, self.shift_end)

    @property
    def end_xy(self) -> tuple[float, float]:
        return self.end if self.end is not None else self.start

    def with_(self, **changes: Any) -> "Team":
        """A copy with some attributes changed."""
        return replace(self, **changes)


def _station_rank(stations: gpd.GeoDataFrame) -> np.ndarray:
    if "force_type" not in stations.columns:
        return np.zeros(len(stations), dtype=int)
    order = {t: i for i, t in enumerate(STATION_ORDER)}
    return stations["force_type"].astype(object).map(lambda v: order.get(str(v), len(order))).to_numpy(dtype=int)


def make_teams(n: int, bases: Sequence[tuple[tuple[float, float], str]], *, rules: Mapping[str, Any] | None = None,
               mode: str | None = None, shift: tuple[str, str] | None = None,
               break_min: float | None = None, lang: str | None = None) -> list[Team]:
    """``n`` teams named 第1组, 第2组, … at the given bases (cycled when there are fewer bases)."""
    if int(n) < 1:
        raise PatrolError(problem=Msg("patrol.problem.teams", value=n))
    if not bases:
        raise PatrolError(problem=Msg("patrol.problem.no_base"))
    r = patrol_rules(rules)
    mode = normalise_mode(mode or r["default_mode"])
    start, end = shift or (r["shift_start"], r["shift_end"])
    minutes = float(r["break_min"] if break_min is None else break_min)
    brk: tuple[Break, ...] = ()
    if minutes > 0:
        bw = list(r["break_window"])
        brk = (Break(str(bw[0]), str(bw[1]), minutes),)
    teams = []
    for k in range(int(n)):
        xy, name = bases[k % len(bases)]
        teams.append(Team(name=tr("patrol.team.name", n=k + 1, lang=lang), start=xy, base=name,
                          shift_start=str(start), shift_end=str(end), mode=mode, breaks=brk))
    return teams


def default_teams(layers: Mapping[str, gpd.GeoDataFrame], n: int = 3, *,
                  targets: gpd.GeoDataFrame | None = None, rules: Mapping[str, Any] | None = None,
                  mode: str | None = None, shift: tuple[str, str] | None = None,
                  break_min: float | None = None, lang: str | None = None) -> list[Team]:
    """``n`` teams based at fire stations spread over the targets (the layers are not modified).

    Bases are chosen among the ``fire_stations`` (else the ``key_places`` of kind government, the
    town hall and village offices): the first is the full-time team (政府专职队) nearest the
    targets; the others are added one by one where they most shorten the straight-line distance
    from the targets (weighted by visits) to their nearest base (greedy p-median). With fewer
    places than teams, several teams share a base.
    """
    stations = layers.get("fire_stations")
    candidates = None
    if stations is not None and len(stations):
        candidates = check_frame(stations, "fire_stations")
    else:
        places = layers.get("key_places")
        if places is not None and len(places) and "place_type" in places.columns:
            gov = places[places["place_type"].astype(object) == "government"]
            if len(gov):
                candidates = check_frame(gov, "key_places")
    if candidates is None:
        raise PatrolError(problem=Msg("patrol.problem.no_base"))
    xy, ok = point_locations(candidates.geometry)
    candidates, xy = candidates[ok], xy[ok]
    if not len(candidates):
        raise PatrolError(problem=Msg("patrol.problem.no_base"))
    names = [str(v) if v is not None and str(v) != "nan" else tr("patrol.team.base", id=str(i), lang=lang)
             for v, i in zip(candidates.get("name", candidates.index.to_series()).astype(object), candidates.index)]
    rank = _station_rank(candidates)
    chosen: list[int] = []
    if targets is not None and len(targets):
        txy, tok = point_locations(targets.geometry)
        txy = txy[tok]
        w = np.asarray(targets["visits"], dtype=float)[tok] if "visits" in targets.columns else np.ones(len(txy))
        w = np.maximum(w, 0.1)
    else:
        txy, w = xy, np.ones(len(xy))
    d = np.hypot(txy[:, None, 0] - xy[None, :, 0], txy[:, None, 1] - xy[None, :, 1]) if len(txy) else \
        np.zeros((0, len(xy)))
    best_rank = rank.min()
    first = np.nonzero(rank == best_rank)[0]
    cost_first = (w[:, None] * d[:, first]).sum(axis=0) if len(txy) else np.zeros(len(first))
    chosen.append(int(first[np.argmin(cost_first)]))
    current = d[:, chosen[0]].copy() if len(txy) else np.zeros(0)
    while len(chosen) < min(int(n), len(xy)):
        if len(txy):
            gain = (w[:, None] * np.maximum(current[:, None] - d, 0)).sum(axis=0)
        else:
            gain = np.zeros(len(xy))
        gain[chosen] = -1
        # ties (no gain left): prefer better-ranked, then farther from the chosen bases
        spread = np.min(np.hypot(xy[:, None, 0] - xy[None, chosen, 0], xy[:, None, 1] - xy[None, chosen, 1]), axis=1)
        order = np.lexsort((-spread, rank, -np.round(gain, 3)))
        pick = int(next(i for i in order if i not in chosen))
        chosen.append(pick)
        if len(txy):
            current = np.minimum(current, d[:, pick])
    bases = [((float(xy[i, 0]), float(xy[i, 1])), names[i]) for i in chosen]
    return make_teams(n, bases, rules=rules, mode=mode, shift=shift, break_min=break_min, lang=lang)


def team_points(teams: Sequence[Team], crs) -> gpd.GeoDataFrame:
    """Start points of the teams as a GeoDataFrame (for maps and checks)."""
    return gpd.GeoDataFrame({"team": [t.name for t in teams], "base": [t.base for t in teams]},
                            geometry=shapely.points([t.start for t in teams]), crs=crs)


def team_shift_bounds(teams: Sequence[Team]) -> tuple[int, int]:
    """Earliest start and latest end over the teams' shifts (night timeline seconds)."""
    spans = [t.shift() for t in teams]
    return min(a for a, _ in spans), max(b for _, b in spans)

