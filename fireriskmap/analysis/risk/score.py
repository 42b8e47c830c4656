"""Score every area, rank them and say why: :func:`score_areas`, :class:`RiskResult`, :func:`priorities`.

The score of an area is taken over the indicators known there (see ``model.toml``)::

    score_a        = 100 · Σ_known w_i · n_ai / Σ_known w_i
    contribution_ai = 100 · w_i · n_ai / Σ_known w_i        (Σ_i contribution_ai = score_a)
    completeness_a  = Σ_known w_i                            (weights sum to 1)

so an unknown indicator is left out — not counted as zero — and the contributions still add up to the
score. An area whose completeness is below ``levels.min_completeness`` gets the level ``unknown``
(grey) and no rank.
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from fireriskmap.analysis.risk import indicators as _ind
from fireriskmap.analysis.risk._errors import LazyText, RiskInputError
from fireriskmap.analysis.risk.entropy import combine_weights, entropy_weights
from fireriskmap.analysis.risk.levels import assign_levels, level_table
from fireriskmap.analysis.risk.model import Indicator, Normalisation, RiskModel, load_model
from fireriskmap.analysis.risk.reasons import reason_texts
from fireriskmap.analysis.risk.season import SeasonState, as_date, season_multipliers
from fireriskmap.analysis.risk.units import Units, UnitSpec, build_units, parse_units, representative_xy
from fireriskmap.core.crs import require_metric
from fireriskmap.i18n import Msg, tr
from fireriskmap.progress import ProgressFn, null_progress
from fireriskmap.core.jsonable import plain

__all__ = ["ProjectView", "RiskResult", "score_areas", "priorities", "compose", "AREA_COLUMNS"]

#: The fixed columns of the ``risk_areas`` layer (then ``c_<indicator>`` contributions and ``v_<indicator>`` raw values).
AREA_COLUMNS = ["unit_id", "name", "unit_type", "score", "level", "rank", "reasons_zh", "reasons_en", "completeness",
                "level_zh", "level_en", "colour", "unknown"]


class ProjectView:
    """A project seen with some layers replaced (e.g. the buildings with fresh analysis columns).

    The pipeline scores the results of the same run before they are applied to the project; the UI
    can score "what if" edits the same way. Only reads.
    """

    def __init__(self, project: Any, *, layers: Mapping[str, gpd.GeoDataFrame] | None = None) -> None:
        self._project = project
        self._layers = dict(layers or {})
        self.crs = project.crs
        self.settings = dict(getattr(project, "settings", {}) or {})
        self.metadata = dict(getattr(project, "metadata", {}) or {})

    def layer(self, kind: str) -> gpd.GeoDataFrame:
        if kind in self._layers:
            return self._layers[kind]
        return self._project.layer(kind)

    def has_layer(self, kind: str) -> bool:
        return len(self.layer(kind)) > 0


def project_as_of(view: Any) -> _dt.date:
    """The project's "as of" date: setting ``risk.as_of``, metadata ``as_of``/``demo_as_of``, else today."""
    settings = getattr(view, "settings", {}) or {}
    meta = getattr(view, "metadata", {}) or {}
    for value in (settings.get("risk.as_of"), meta.get("as_of"), meta.get("demo_as_of")):
        if value:
            try:
                return as_date(value)
            except RiskInputError:
                continue
    return _dt.date.today()


def compose(normalised: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(score, contributions, completeness)`` from normalised values (NaN unknown) and weights.

    ``normalised`` is (areas × indicators); ``weights`` (indicators,) sum to 1 — or (scenarios ×
    indicators), giving scores of shape (scenarios × areas) and no contributions.
    """
    n = np.asarray(normalised, dtype=float)
    known = np.isfinite(n)
    filled = np.where(known, n, 0.0)
    w = np.asarray(weights, dtype=float)
    if w.ndim == 2:
        kw = known.astype(float) @ w.T  # areas × scenarios
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(kw > 0, 100.0 * (filled @ w.T) / np.where(kw > 0, kw, 1.0), np.nan)
        return s.T, np.empty(0), kw.T
    kw = known.astype(float) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        contrib = np.where(known & (kw[:, None] > 0), 100.0 * filled * w[None, :] / np.where(kw > 0, kw, 1.0)[:, None],
                           np.nan)
    score = np.where(kw > 0, np.nansum(np.where(known, contrib, 0.0), axis=1), np.nan)
    return score, contrib, kw


def rank_scores(score: np.ndarray, rankable: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score among ``rankable`` areas (ties share the better rank); 0 elsewhere."""
    s = pd.Series(np.where(rankable, score, np.nan))
    return s.rank(ascending=False, method="min").fillna(0).to_numpy(dtype=np.int64)


@dataclass(eq=False)
class RiskResult:
    """The scored areas of one run of :func:`score_areas`.

    Attributes
    ----------
    areas : GeoDataFrame
        The ``risk_areas`` layer: :data:`AREA_COLUMNS`, ``c_<indicator>`` (contribution, score points,
        NaN when unknown; they add up to ``score``) and ``v_<indicator>`` (the raw value: share 0–1,
        count, m², people/ha …), in unit order.
    model : RiskModel
        The model used (its ``weights()`` are the direct weights).
    weights : Series
        The weights used (after AHP/entropy), by indicator, summing to 1.
    raw, normalised : DataFrame
        Raw values and normalised values (after the season's multipliers), units × indicators.
    as_of : date
    season : SeasonState
        The key periods the date falls in and the multipliers.
    cuts : ndarray
        Score cut points of the levels (highest first).
    units : Units
        The units, with every building's unit (for drill-down and the back-test).
    population : ndarray
        People at night per unit (the back-test's baseline).
    issues : list of Msg
        Unknown indicators and their causes, data problems, weight and season notes, back-test warning.
    """

    areas: gpd.GeoDataFrame
    model: RiskModel
    weights: pd.Series
    raw: pd.DataFrame
    normalised: pd.DataFrame
    as_of: _dt.date
    season: SeasonState
    cuts: np.ndarray
    units: Units
    population: np.ndarray
    issues: list[Msg] = field(default_factory=list)
    seconds: float = 0.0
    incidents: gpd.GeoDataFrame | None = None
    _backtest: Any = None

    # -- views -------------------------------------------------------------------------------
    @property
    def indicator_keys(self) -> list[str]:
        return list(self.weights.index)

    @property
    def contributions(self) -> pd.DataFrame:
        """Contributions (score points) by indicator, units × indicators."""
        cols = {f"c_{k}": k for k in self.indicator_keys}
        return self.areas[list(cols)].rename(columns=cols)

    @property
    def levels(self) -> pd.DataFrame:
        """The level scheme with counts: index = level code (highest first, then ``unknown``);
        columns ``zh``, ``en``, ``colour``, ``min_score`` (exclusive lower bound; NaN for the last
        level and unknown), ``count``."""
        table = level_table(self.model)
        counts = self.areas["level"].value_counts()
        rows = []
        for i, (code, lv) in enumerate(table.items()):
            low = float(self.cuts[i]) if i < len(self.cuts) and code != self.model.unknown_level.code else np.nan
            rows.append({"code": code, "zh": lv.labels["zh"], "en": lv.labels["en"], "colour": lv.colour,
                         "min_score": low, "count": int(counts.get(code, 0))})
        return pd.DataFrame(rows).set_index("code")

    def level_counts(self) -> dict[str, int]:
        return {code: int(c) for code, c in self.levels["count"].items()}

    def ranked(self) -> gpd.GeoDataFrame:
        """The ranked areas, best rank first (areas with unknown level left out)."""
        a = self.areas[self.areas["rank"].fillna(0).astype(int) > 0]
        return a.sort_values(["rank", "unit_id"], kind="stable")

    def top(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` highest-ranked areas: rank, unit_id, name, score, level, reasons, completeness."""
        cols = ["rank", "unit_id", "name", "score", "level", "level_zh", "level_en", "reasons_zh", "reasons_en",
                "completeness"]
        return pd.DataFrame(self.ranked()[cols].head(int(n))).reset_index(drop=True)

    def explain(self, unit_id: str) -> pd.DataFrame:
        """One area's breakdown: per indicator its raw value, normalised value, weight, contribution."""
        pos = int(np.flatnonzero(self.areas["unit_id"].to_numpy() == unit_id)[0])
        rows = []
        for k in self.indicator_keys:
            ind = self.model.indicator(k)
            rows.append({"indicator": k, "zh": ind.labels["zh"], "en": ind.labels["en"], "group": ind.group,
                         "value": self.raw[k].iloc[pos], "normalised": self.normalised[k].iloc[pos],
                         "weight": float(self.weights[k]), "contribution": self.areas[f"c_{k}"].iloc[pos]})
        return pd.DataFrame(rows)

    # -- analyses ------------------------------------------------------------------------------
    def sensitivity(self, *, change: float = 0.2, samples: int = 0, seed: int = 0, top: int = 10):
        """Ranking stability when weights move ±``change`` (see :func:`~.sensitivity.sensitivity`)."""
        from fireriskmap.analysis.risk.sensitivity import sensitivity

        return sensitivity(self, change=change, samples=samples, seed=seed, top=top)

    def backtest(self, incidents: gpd.GeoDataFrame | None = None, *, exclude: tuple[str, ...] | None = None):
        """Share of incidents in the top x % of areas vs a population-only ranking
        (see :func:`~.backtest.backtest`). Cached for the default arguments."""
        from fireriskmap.analysis.risk.backtest import backtest

        if incidents is None and exclude is None:
            if self._backtest is None:
                self._backtest = backtest(self)
            return self._backtest
        return backtest(self, incidents, exclude=exclude)

    def to_dict(self, *, top: int = 10, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready summary: units, date, season, level counts, the top areas with reasons, weights, issues."""
        t = self.top(top)
        data = {
            "units": self.units.spec.text(), "areas": int(len(self.areas)), "as_of": self.as_of.isoformat(),
            "season": self.season.to_dict(), "scheme": self.model.scheme, "level_method": self.model.level_method,
            "cuts": [round(float(c), 2) for c in self.cuts],
            "levels": self.level_counts(),
            "top": [{"rank": int(r.rank), "unit_id": r.unit_id, "name": r.name, "score": round(float(r.score), 1),
                     "level": r.level, "completeness": round(float(r.completeness), 3),
                     "reasons_zh": r.reasons_zh, "reasons_en": r.reasons_en} for r in t.itertuples()],
            "weights": {k: round(float(v), 4) for k, v in self.weights.items()},
            "weighting": self.model.weighting,
            "mean_completeness": round(float(self.areas["completeness"].mean()), 3) if len(self.areas) else None,
            "issues": [m.render(lang) for m in self.issues],
            "seconds": round(self.seconds, 3),
        }
        bt = self.backtest()
        if bt is not None:
            data["backtest"] = bt.to_dict()
        return plain(data)


def _weights(model: RiskModel, normalised: pd.DataFrame, issues: list[Msg]) -> pd.Series:
    direct = model.weights()
    if model.weighting == "direct":
        return direct
    subjective = direct
    if model.weighting == "ahp" or model.subjective == "ahp":
        subjective = model.ahp_weights(check=True).weights.reindex(direct.index).fillna(0.0)
        subjective = subjective / subjective.sum()
    if model.weighting == "ahp":
        return subjective.rename("weight")
    ent = entropy_weights(normalised)
    if ent.sum() <= 0:
        issues.append(Msg("risk.issue.entropy_flat"))
        return subjective.rename("weight")
    if model.weighting == "entropy":
        return ent
    return combine_weights(subjective, ent, model.alpha)


def score_areas(project: Any, *, units: str | UnitSpec | None = "villages", date: Any = None,
                model: RiskModel | str | Mapping[str, Any] | None = None, backtest: bool = True,
                progress: ProgressFn | None = None) -> RiskResult:
    """Score, level and rank every area of a project, with contributions and reasons.

    Parameters
    ----------
    project : Project or ProjectView
        A project in a metric CRS; read, never changed. The analysis results on the buildings layer
        (``fireriskmap analyse``) feed the capability and hazard indicators; where an analysis has not
        run, its indicators are unknown.
    units : str or UnitSpec, optional
        ``"villages"`` (default), ``"clusters"`` (needs the clusters analysis), ``"grid"``,
        ``"grid:500"``, ``"hex:250"`` (cell size in metres), ``"auto"`` (villages when there are
        some, else the grid), or ``None`` for the model's default (setting ``risk.units``).
    date : date or str, optional
        Score "as of" this date: season multipliers, open hazards found by then, incidents in the
        years before it. Default: the project's as-of date (setting ``risk.as_of``, or the demo's
        ledger date), else today.
    model : RiskModel, path, dict, optional
        The model; default the shipped ``model.toml`` with the project's ``risk.*`` settings applied.
    backtest : bool
        Run the back-test against the incidents layer (when there is one) and warn in ``issues``
        when the model does worse than a population-only ranking.
    progress : callable, optional
        ``progress(fraction, message)``; may raise :class:`~fireriskmap.errors.Cancelled`.

    Returns
    -------
    RiskResult

    Raises
    ------
    RiskInputError
        Unknown unit spec, village units without a villages layer, cluster units without the
        clusters analysis, an unreadable date.
    RiskModelError
        A malformed model or setting.
    """
    t0 = time.perf_counter()
    report = progress or null_progress
    settings = getattr(project, "settings", {}) or {}
    model = load_model(model, settings=settings) if not isinstance(model, RiskModel) else model
    view = project if isinstance(project, ProjectView) else ProjectView(project)
    require_metric(view.crs)
    as_of = as_date(date) if date is not None else project_as_of(view)
    spec = parse_units(units, default=model.units, grid_size_m=model.grid_size_m, grid_shape=model.grid_shape,
                       has_villages=view.has_layer("villages"))
    issues: list[Msg] = list(model.issues)
    report(0.02, tr("risk.progress.units"))
    buildings = view.layer("buildings")
    if not len(buildings):
        issues.append(Msg("risk.issue.no_buildings"))
    b_xy = representative_xy(buildings.geometry.values)
    u = build_units(view, spec, buildings, b_xy)
    issues.extend(u.issues)
    if u.n == 0:
        raise RiskInputError("risk.error.no_units", units=spec.text())
    ctx = _ind.Context(view=view, units=u, buildings=buildings, as_of=as_of)

    keys = model.keys
    raw = pd.DataFrame(index=range(u.n), columns=keys, dtype=float)
    details: dict[str, dict[str, np.ndarray]] = {}
    causes: dict[str, np.ndarray] = {}
    for i, ind in enumerate(model.indicators):
        report(0.05 + 0.75 * i / len(keys), tr("risk.progress.indicator", name=ind.label()))
        out = _ind.measure(ctx, ind)
        raw[ind.key] = out.value
        details[ind.key] = out.details
        causes[ind.key] = out.cause
        if out.missing is not None:
            issues.append(Msg("risk.issue.indicator_unknown", name=LazyText(ind.label), cause=out.missing))
        else:
            few = int(np.sum(out.cause != ""))
            if few:
                issues.append(Msg("risk.issue.indicator_partly", name=LazyText(ind.label), n=few, total=u.n))
    report(0.82, tr("risk.progress.scoring"))
    normalised = pd.DataFrame({k: model.indicator(k).normalise.apply(raw[k].to_numpy()) for k in keys},
                              index=raw.index)
    season = season_multipliers(as_of, model)
    issues.extend(season.issues)
    seasonal = normalised * season.multipliers.reindex(keys).to_numpy()[None, :]
    seasonal = seasonal.clip(upper=1.0)
    weights = _weights(model, normalised, issues)
    w = weights.reindex(keys).to_numpy(dtype=float)
    score, contrib, completeness = compose(seasonal.to_numpy(), w)
    rankable = np.isfinite(score) & (completeness >= model.min_completeness - 1e-9)
    levels, cuts = assign_levels(score, rankable, model)
    ranks = rank_scores(score, rankable)
    table = level_table(model)
    c_frame = pd.DataFrame(contrib, columns=keys, index=raw.index)
    reasons_zh, reasons_en = reason_texts(model, seasonal, c_frame, details)
    unknown = [",".join(k for k in keys if not np.isfinite(seasonal.at[r, k])) for r in raw.index]

    areas = u.frame.copy()
    data = {
        "score": score, "level": levels, "rank": pd.array(np.where(ranks > 0, ranks, None), dtype="Int64"),
        "reasons_zh": reasons_zh, "reasons_en": reasons_en, "completeness": completeness,
        "level_zh": [table[c].labels["zh"] for c in levels], "level_en": [table[c].labels["en"] for c in levels],
        "colour": [table[c].colour for c in levels], "unknown": unknown,
    }
    for name, values in data.items():
        areas[name] = values
    for k in keys:
        areas[f"c_{k}"] = c_frame[k].to_numpy()
    for k in keys:
        areas[f"v_{k}"] = raw[k].to_numpy(dtype=float)
    geom = areas.geometry.name
    areas = areas[AREA_COLUMNS + [f"c_{k}" for k in keys] + [f"v_{k}" for k in keys] + [geom]]
    population = _population(ctx)
    result = RiskResult(areas=areas, model=model, weights=weights.reindex(keys), raw=raw, normalised=seasonal,
                        as_of=as_of, season=season, cuts=cuts, units=u, population=population, issues=issues,
                        incidents=view.layer("incidents") if view.has_layer("incidents") else None)
    if backtest and result.incidents is not None:
        report(0.92, tr("risk.progress.backtest"))
        bt = result.backtest()
        if bt is not None and bt.worse_than_baseline:
            issues.append(Msg("risk.issue.backtest_worse", auc=f"{bt.auc:.2f}", baseline=f"{bt.baseline_auc:.2f}"))
    result.seconds = time.perf_counter() - t0
    report(1.0, tr("risk.progress.done"))
    return result


def _population(ctx: _ind.Context) -> np.ndarray:
    ind = Indicator(key="people", group="exposure", weight=1.0, labels={"zh": "人口", "en": "People"},
                    measure="density", inputs={"persons_per_household": 3.0, "key_places": True, "min_known": 0.0},
                    normalise=Normalisation(), reason={"zh": "", "en": ""})
    out = _ind.measure(ctx, ind)
    people = out.details.get("people")
    return np.zeros(ctx.n) if people is None else np.nan_to_num(np.asarray(people, dtype=float))


def priorities(source: Any, *, top: int = 10, units: str | None = None, date: Any = None, model: Any = None,
               progress: ProgressFn | None = None, lang: str | None = None) -> pd.DataFrame:
    """The ranked priority list with reasons — what a planner takes to the meeting.

    Parameters
    ----------
    source : RiskResult, Project or GeoDataFrame
        A result; a project (its stored ``risk_areas`` layer when there is one and neither ``units``,
        ``date`` nor ``model`` is given, else scored afresh with :func:`score_areas`); or a
        ``risk_areas`` layer.
    top : int
        How many areas (0 = all ranked areas).
    lang : str, optional
        Language of the ``level_label`` and ``reasons`` columns (default: the current language).

    Returns
    -------
    DataFrame
        ``rank``, ``unit_id``, ``name``, ``score``, ``level``, ``level_label``, ``reasons``,
        ``completeness``, ``reasons_zh``, ``reasons_en``; highest rank first. No personal data.
    """
    from fireriskmap.i18n import current_language, normalise_language

    if isinstance(source, RiskResult):
        areas = source.areas
    elif isinstance(source, gpd.GeoDataFrame):
        areas = source
    else:
        stored = source.layer("risk_areas") if hasattr(source, "layer") else None
        if (stored is not None and len(stored) and "rank" in stored.columns and "reasons_zh" in stored.columns
                and units is None and date is None and model is None):
            areas = stored
        else:
            areas = score_areas(source, units=units if units is not None else None, date=date, model=model,
                                progress=progress).areas
    a = pd.DataFrame(areas.drop(columns=areas.geometry.name) if isinstance(areas, gpd.GeoDataFrame) else areas)
    ranks = pd.to_numeric(a["rank"], errors="coerce")
    ranked = (ranks.notna() & (ranks > 0)).fillna(False).astype(bool)
    # assign the filtered ranks: assigning the full column to an empty frame would bring its rows back
    a = a[ranked].assign(rank=ranks[ranked].astype("Int64")).sort_values(["rank", "unit_id"], kind="stable")
    if top:
        a = a.head(int(top))
    lang = normalise_language(lang) if lang else current_language()
    short = "zh" if lang == "zh_CN" else "en"
    out = pd.DataFrame({
        "rank": a["rank"].to_numpy(), "unit_id": a["unit_id"].to_numpy(), "name": a["name"].to_numpy(),
        "score": pd.to_numeric(a["score"], errors="coerce").round(1).to_numpy(), "level": a["level"].to_numpy(),
        "level_label": a.get(f"level_{short}", a["level"]).to_numpy(), "reasons": a[f"reasons_{short}"].to_numpy(),
        "completeness": pd.to_numeric(a["completeness"], errors="coerce").to_numpy(),
        "reasons_zh": a["reasons_zh"].to_numpy(), "reasons_en": a["reasons_en"].to_numpy(),
    })
    return out.reset_index(drop=True)
