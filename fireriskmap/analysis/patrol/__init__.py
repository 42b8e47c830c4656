"""Night patrol planner (大巡防 20:00–06:00): several teams, repeated visits, road travel times.

Typical use::

    from fireriskmap.analysis import patrol

    targets = patrol.select_targets(project.layers, levels=["red", "orange"], rules=project.settings)
    teams = patrol.default_teams(project.layers, 3, targets=targets, rules=project.settings)
    plan = patrol.plan_patrols(targets, teams, project.layer("roads"), rules=project.settings)
    plan.routes, plan.stops, plan.unvisited, plan.summary          # layers, reasons, figures
    smaller = patrol.replan(plan, without=["第2组"])                # a team dropped out

or in one call on a project: :func:`plan_project` then :func:`apply_plan`. Modules:
:mod:`.targets` (what to visit), :mod:`.teams` (who, from where, when), :mod:`.timeline` (clock
times on a night that crosses midnight), :mod:`.solver` (the PyVRP routing core, also used by the
benchmarks), :mod:`.paths` (route geometry along the roads), :mod:`.planner` (the plan). Settings
are the ``patrol.*`` rules (``fireriskmap/analysis/rules/patrol.toml``).
"""

from fireriskmap.analysis.patrol._common import (LEVELS, MODES, PatrolError, mode_speeds, normalise_level,
                                                 normalise_mode, patrol_rules)
from fireriskmap.analysis.patrol.planner import REASONS, PatrolPlan, plan_patrols, replan, visits_tonight
from fireriskmap.analysis.patrol.project import apply_plan, plan_project
from fireriskmap.analysis.patrol.solver import RoutingProblem, RoutingSolution, Stop, Vehicle, solve_routing
from fireriskmap.analysis.patrol.targets import (SOURCES, TARGET_COLUMNS, default_sources, manual_targets,
                                                 select_targets)
from fireriskmap.analysis.patrol.teams import Break, Team, default_teams, make_teams
from fireriskmap.analysis.patrol.timeline import clock_to_s, s_to_clock, window_s

__all__ = [
    "LEVELS", "MODES", "SOURCES", "TARGET_COLUMNS", "REASONS", "PatrolError", "PatrolPlan", "Team", "Break",
    "select_targets", "manual_targets", "default_sources", "default_teams", "make_teams", "plan_patrols",
    "replan", "plan_project", "apply_plan", "visits_tonight", "normalise_level", "normalise_mode",
    "patrol_rules", "mode_speeds", "clock_to_s", "s_to_clock", "window_s", "RoutingProblem",
    "RoutingSolution", "Stop", "Vehicle", "solve_routing",
]
