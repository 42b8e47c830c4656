"""The patrol planner on a whole project: choose targets and teams, plan, store the two layers."""

from __future__ import annotations

import datetime as _dt
from typing import Iterable

import geopandas as gpd

from fireriskmap.analysis.network import road_graph
from fireriskmap.analysis.patrol._common import PatrolError
from fireriskmap.analysis.patrol.planner import PatrolPlan, _plain, plan_patrols
from fireriskmap.analysis.patrol.targets import select_targets
from fireriskmap.analysis.patrol.teams import Team, default_teams
from fireriskmap.core.crs import require_metric
from fireriskmap.i18n import Msg
from fireriskmap.progress import ProgressFn, null_progress, sub_progress

__all__ = ["plan_project", "apply_plan", "LAYERS"]

#: Layers written by :func:`apply_plan`.
LAYERS = ("patrol_routes", "patrol_stops")


def plan_project(project, *, teams: int | Iterable[Team] = 3, levels: Iterable[str] | None = ("red", "orange"),
                 sources: Iterable[str] | None = None, manual: gpd.GeoDataFrame | None = None,
                 seed: int | None = None, time_limit_s: float | None = None,
                 night: _dt.date | str | None = None, shift: tuple[str, str] | None = None,
                 mode: str | None = None, break_min: float | None = None, lang: str | None = None,
                 progress: ProgressFn | None = None) -> PatrolPlan:
    """Plan tonight's patrols for ``project`` (not modified; see :func:`apply_plan`).

    ``teams`` is a number (bases chosen by :func:`default_teams`) or a list of :class:`Team`.
    The project's settings override the ``patrol.*`` and ``network.*`` rules.
    """
    progress = progress or null_progress
    require_metric(project.crs)
    rules = dict(project.settings)
    roads = project.layer("roads")
    if roads.empty:
        raise PatrolError(problem=Msg("patrol.problem.no_roads"))
    progress(0.0, Msg("patrol.progress.targets").render())
    targets = select_targets(project.layers, levels=levels, sources=sources, manual=manual, rules=rules, lang=lang)
    if isinstance(teams, int):
        team_list = default_teams(project.layers, teams, targets=targets, rules=rules, mode=mode, shift=shift,
                                  break_min=break_min, lang=lang)
    else:
        team_list = list(teams)
    graph = road_graph(roads, rules=rules, progress=sub_progress(progress, 0.02, 0.12))
    plan = plan_patrols(targets, team_list, graph=graph, seed=seed, time_limit_s=time_limit_s, night=night,
                        rules=rules, lang=lang, progress=sub_progress(progress, 0.12, 1.0))
    plan.issues = list(getattr(graph, "issues", []) or []) + plan.issues
    plan.summary["levels"] = None if levels is None else [str(v) for v in levels]
    return plan


def apply_plan(project, plan: PatrolPlan) -> None:
    """Store the plan's ``patrol_routes`` and ``patrol_stops`` layers and a run record in ``project``."""
    for kind, layer in (("patrol_routes", plan.routes), ("patrol_stops", plan.stops)):
        if layer is not None and len(layer):
            project.set_layer(kind, layer.drop(columns=[c for c in ("arrival_s",) if c in layer.columns]),
                              mode="replace")
        else:
            project.remove_layer(kind)
    s = plan.summary
    project.record_run("patrol", params=_plain({"night": s.get("night"), "seed": s.get("seed"),
                                                "teams": [t.name for t in plan.teams], "levels": s.get("levels")}),
                       summary=_plain({k: s.get(k) for k in ("targets", "visits_wanted", "visits_made", "km", "hours",
                                                             "seconds")}
                                      | {"unvisited": len(plan.unvisited),
                                         "issues": [str(m) for m in plan.issues]}))
