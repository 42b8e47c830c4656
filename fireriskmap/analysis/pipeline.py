"""Run the analyses on a project and put their results into it.

:func:`analyse` reads the project's layers and returns an :class:`AnalysisOutcome` (per-building
columns, derived layers, headline figures, messages) without changing the project, so the UI can
run it in a worker thread; :func:`apply_outcome` then writes it into the project on the GUI thread
(or right away in the CLI). Each step that cannot run (no roads, no stations, bad data) says why in
``issues`` and the others still run: partial results where they make sense, never a traceback.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from fireriskmap.core.crs import require_metric
from fireriskmap.core.jsonable import plain as _plain
from fireriskmap.errors import FireRiskError
from fireriskmap.i18n import Msg
from fireriskmap.progress import ProgressFn, sub_progress

STEPS = ("classify", "clusters", "coverage", "response", "siting", "stations", "risk")
DEFAULT_STEPS = ("classify", "clusters", "coverage", "response", "siting", "risk")
DEFAULT_SITES = 10

BUILDING_COLUMNS = {
    "classify": ["high_rise", "high_rise_reason", "chimney_candidate", "chimney_candidate_reason",
                 "steel_or_panel", "steel_or_panel_reason", "three_in_one", "three_in_one_reason"],
    "clusters": ["cluster_id"],
    "coverage": ["water_distance_m", "water_covered", "water_status"],
    "response": ["response_s", "first_due_station", "within_5min", "meets_target", "response_status"],
}
DERIVED_LAYERS = {
    "clusters": ["clusters", "firebreaks"],
    "coverage": ["coverage_gaps", "hydrant_spacing"],
    "response": ["response_areas"],
    "siting": ["proposed_hydrants"],
    "stations": ["proposed_stations"],
    "risk": ["risk_areas"],
}


@dataclass
class AnalysisOutcome:
    """What :func:`analyse` found, ready for :func:`apply_outcome`."""

    steps: list[str]
    columns: pd.DataFrame  # aligned to the buildings layer's index
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    issues: list[Msg] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    risk: Any = None  # the RiskResult of the "risk" step (fireriskmap.analysis.risk)

    def headline(self) -> dict[str, Any]:
        """The figures ``analyse --json`` prints first."""
        s = self.summary
        out: dict[str, Any] = {}
        if "clusters" in s:
            out["clusters"] = s["clusters"].get("clusters")
            out["flagged_clusters"] = s["clusters"].get("flagged_clusters")
            out["households_in_flagged"] = s["clusters"].get("households_in_flagged")
            if "firebreaks" in s:
                out["firebreaks"] = s["firebreaks"].get("breaks")
        if "classify" in s:
            out.update({k: s["classify"][k] for k in ("high_rise", "chimney_candidate", "steel_or_panel", "three_in_one")})
        if "coverage" in s:
            out["water_covered_share"] = s["coverage"].get("covered_share")
            out["water_mode"] = s["coverage"].get("mode")
        if "response" in s:
            out["share_5min"] = s["response"].get("share_5min")
            out["households_share_5min"] = s["response"].get("households_share_5min")
        if "siting" in s:
            out["proposed_hydrants"] = s["siting"].get("sites")
            out["siting_gain_buildings"] = s["siting"].get("gain_buildings")
            out["siting_method"] = s["siting"].get("method")
        if "stations" in s:
            out["proposed_stations"] = s["stations"].get("sites")
        if "risk" in s:
            out["risk_units"] = s["risk"].get("units")
            out["risk_levels"] = s["risk"].get("levels")
            bt = s["risk"].get("backtest")
            if bt:
                out["risk_backtest_auc"] = bt.get("auc")
                out["risk_backtest_baseline_auc"] = bt.get("baseline_auc")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"headline": self.headline(), "steps": self.steps, "summary": self.summary,
                "issues": [str(m) for m in self.issues], "seconds": self.seconds, "params": self.params}


def _steps(steps: Iterable[str] | None) -> list[str]:
    chosen = list(DEFAULT_STEPS if steps is None else steps)
    unknown = [s for s in chosen if s not in STEPS]
    if unknown:
        raise ValueError(f"unknown analysis step(s): {unknown}; known: {STEPS}")
    return [s for s in STEPS if s in chosen]  # run in dependency order


def analyse(project, *, steps: Iterable[str] | None = None, gap_m: float | None = None,
            sites: int | None = None, stations: int | None = None, water_mode: str = "auto",
            risk_units: str | None = None, risk_date: Any = None, risk_top: int = 10,
            progress: ProgressFn | None = None) -> AnalysisOutcome:
    """Run the chosen analyses on ``project`` (not modified).

    Parameters
    ----------
    project : Project
        A project in a metric CRS with a buildings layer.
    steps : iterable of str, optional
        Any of :data:`STEPS`; default :data:`DEFAULT_STEPS`.
    gap_m : float, optional
        Uniform-gap clustering (m) instead of the rating-dependent separation distances.
    sites : int, optional
        Number of new hydrants to site (step ``siting``; default :data:`DEFAULT_SITES`).
    stations : int, optional
        Number of new stations to site (step ``stations``, p-median).
    water_mode : {"auto", "network", "straight_line"}
        ``auto`` uses the hose path on the road network when there are roads, else straight lines
        (labelled as such in the results).
    risk_units, risk_date : optional
        Step ``risk`` (:func:`fireriskmap.analysis.risk.score_areas`): area units (``"villages"``,
        ``"clusters"``, ``"grid:500"``, ``"hex:250"``; default: the setting ``risk.units``, else
        villages when the project has them, else the grid) and the "as of" date. The step scores
        the results of this run's other steps (and the project's stored ones for steps not run).
    risk_top : int
        How many priority areas the summary lists.
    """
    from fireriskmap.analysis import classify as _classify
    from fireriskmap.analysis import clusters as _clusters
    from fireriskmap.analysis import coverage as _coverage
    from fireriskmap.analysis import firebreaks as _firebreaks
    from fireriskmap.analysis import network as _network
    from fireriskmap.analysis import response as _response
    from fireriskmap.analysis import siting as _siting

    chosen = _steps(steps)
    require_metric(project.crs)
    rules = dict(project.settings)
    buildings = project.layer("buildings")
    roads = project.layer("roads")
    hydrants = project.layer("hydrants")
    water_sources = project.layer("water_sources")
    fire_stations = project.layer("fire_stations")
    out = AnalysisOutcome(steps=chosen, columns=pd.DataFrame(index=buildings.index))
    out.params = {"gap_m": gap_m, "sites": sites, "stations": stations, "water_mode": water_mode}
    if "risk" in chosen:
        out.params.update({"risk_units": risk_units, "risk_date": str(risk_date) if risk_date is not None else None})
    if buildings.empty:
        out.issues.append(Msg("pipeline.no_buildings"))
        return out
    n = len(chosen)
    report = progress

    def part(i: int) -> ProgressFn:
        return sub_progress(report, i / n, (i + 1) / n)

    graph = None
    graph_error: Msg | None = None

    def get_graph():
        nonlocal graph, graph_error
        if graph is None and graph_error is None:
            if roads.empty:
                graph_error = Msg("pipeline.no_roads")
            else:
                try:
                    graph = _network.road_graph(roads, rules=rules)
                    out.issues.extend(getattr(graph, "issues", []) or [])
                    out.summary["network"] = _plain(graph.summary())
                except FireRiskError as exc:
                    graph_error = Msg("pipeline.step_failed", step=Msg("pipeline.step.network"), reason=exc.message())
        return graph

    coverage_result = None
    for i, step in enumerate(chosen):
        t0 = time.perf_counter()
        try:
            if step == "classify":
                cls = _classify.classify_buildings(buildings, rules=rules)
                for col in BUILDING_COLUMNS["classify"]:
                    out.columns[col] = cls[col]
                out.summary["classify"] = {k: int(cls[k].fillna(False).astype(bool).sum())
                                           for k in ("high_rise", "chimney_candidate", "steel_or_panel", "three_in_one")}
            elif step == "clusters":
                res = _clusters.find_clusters(buildings, gap_m=gap_m, rules=rules, progress=sub_progress(part(i), 0, 0.4))
                out.columns["cluster_id"] = res.cluster_id
                out.layers["clusters"] = res.clusters
                out.summary["clusters"] = _plain(res.summary())
                out.issues.extend(res.issues)
                fb = _firebreaks.propose_firebreaks(buildings, clusters=res, gap_m=gap_m, rules=rules,
                                                    progress=sub_progress(part(i), 0.4, 1.0))
                out.layers["firebreaks"] = fb.firebreaks
                out.summary["firebreaks"] = _plain(fb.totals())
                out.issues.extend(fb.issues)
            elif step == "coverage":
                mode = water_mode
                g = None
                if mode in ("auto", "network"):
                    g = get_graph()
                    if g is None:
                        if mode == "network":
                            raise _StepSkipped(graph_error or Msg("pipeline.no_roads"))
                        out.issues.append(Msg("pipeline.straight_line_fallback"))
                        mode = "straight_line"
                    else:
                        mode = "network"
                coverage_result = _coverage.water_coverage(
                    buildings, roads if mode == "network" else None, hydrants, water_sources, mode=mode, graph=g,
                    rules=rules, progress=part(i))
                for col in BUILDING_COLUMNS["coverage"]:
                    out.columns[col] = coverage_result.buildings[col]
                out.layers["coverage_gaps"] = coverage_result.gaps
                out.layers["hydrant_spacing"] = coverage_result.spacing
                out.summary["coverage"] = _plain(coverage_result.summary)
                out.issues.extend(coverage_result.issues)
            elif step == "response":
                if fire_stations.empty:
                    raise _StepSkipped(Msg("pipeline.no_stations"))
                g = get_graph()
                if g is None:
                    raise _StepSkipped(graph_error or Msg("pipeline.no_roads"))
                res = _response.response_times(buildings, roads, fire_stations, graph=g, rules=rules, progress=part(i))
                for col in BUILDING_COLUMNS["response"]:
                    out.columns[col] = res.buildings[col]
                out.layers["response_areas"] = res.areas
                out.summary["response"] = _plain(res.summary)
                out.summary["response_by_village"] = _plain(res.by_village.reset_index().to_dict("records"))
                out.issues.extend(res.issues)
            elif step == "siting":
                g = get_graph()
                if g is None:
                    raise _StepSkipped(graph_error or Msg("pipeline.no_roads"))
                res = _siting.site_hydrants(buildings, roads, hydrants, water_sources, k=int(sites or DEFAULT_SITES),
                                            coverage=coverage_result, graph=g, rules=rules, progress=part(i))
                out.layers["proposed_hydrants"] = res.sites
                out.summary["siting"] = _plain(res.summary)
                out.summary["siting_curve"] = _plain(res.curve.to_dict("records"))
                out.issues.extend(res.issues)
            elif step == "stations":
                g = get_graph()
                if g is None:
                    raise _StepSkipped(graph_error or Msg("pipeline.no_roads"))
                res = _siting.site_stations(buildings, roads, p=int(stations or 1), existing=fire_stations,
                                            graph=g, rules=rules, progress=part(i))
                out.layers["proposed_stations"] = res.sites
                out.summary["stations"] = _plain(res.summary)
                out.summary["stations_curve"] = _plain(res.curve.to_dict("records"))
                out.issues.extend(res.issues)
            elif step == "risk":
                from fireriskmap.analysis import risk as _risk

                fresh = buildings.copy()
                for col in out.columns.columns:
                    fresh[col] = out.columns[col]
                layers = {"buildings": fresh}
                for st in chosen:  # derived layers of this run's steps (empty when a step made none)
                    for kind in DERIVED_LAYERS.get(st, []) if st != "risk" else []:
                        layers[kind] = out.layers.get(kind, project.layer(kind).iloc[0:0])
                view = _risk.ProjectView(project, layers=layers)
                units = risk_units if risk_units is not None else project.settings.get("risk.units", "auto")
                res = _risk.score_areas(view, units=units, date=risk_date, progress=part(i))
                out.risk = res
                out.layers["risk_areas"] = res.areas
                out.summary["risk"] = res.to_dict(top=risk_top)
                out.issues.extend(res.issues)
        except _StepSkipped as skip:
            out.issues.append(Msg("pipeline.step_skipped", step=Msg(f"pipeline.step.{step}"), reason=skip.reason))
        except FireRiskError as exc:
            out.issues.append(Msg("pipeline.step_failed", step=Msg(f"pipeline.step.{step}"), reason=exc.message()))
        out.seconds[step] = round(time.perf_counter() - t0, 3)
    seen: set[str] = set()
    unique = []
    for msg in out.issues:  # the same fact reported by two steps is said once
        text = str(msg)
        if text not in seen:
            seen.add(text)
            unique.append(msg)
    out.issues = unique
    if report:
        report(1.0, "")
    return out


class _StepSkipped(Exception):
    def __init__(self, reason: Msg) -> None:
        super().__init__(str(reason))
        self.reason = reason


def apply_outcome(project, outcome: AnalysisOutcome) -> None:
    """Write an outcome into ``project``: building columns, derived layers and a run record.

    Columns and layers of the steps that ran are replaced (stale ones from an earlier run of the
    same step are dropped even when this run produced nothing).
    """
    buildings = project.layer("buildings")
    if len(buildings) and len(outcome.columns.columns):
        if not outcome.columns.index.equals(buildings.index):
            raise ValueError("the buildings layer changed since the analysis ran; run it again")
        updated = buildings.copy()
        for col in outcome.columns.columns:
            updated[col] = outcome.columns[col]
        project.set_layer("buildings", updated, mode="replace")
    for step in outcome.steps:
        for kind in DERIVED_LAYERS.get(step, []):
            layer = outcome.layers.get(kind)
            if layer is not None and len(layer):
                project.set_layer(kind, layer, mode="replace")
            else:
                project.remove_layer(kind)
    project.record_run("analyse", params=_plain(outcome.params) | {"steps": outcome.steps},
                       summary=_plain(outcome.headline()) | {"issues": [str(m) for m in outcome.issues]})
