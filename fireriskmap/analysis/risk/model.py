"""The risk model as data: indicators, weights, normalisation, levels, seasons (``model.toml``).

:func:`load_model` reads the shipped default (``fireriskmap/analysis/risk/model.toml``), an office's
own file, or a dict in the same shape, validates it at the edge (a bad model raises
:class:`RiskModelError` naming the file and the key) and applies a project's settings over it:

=============================  ===================================================================
setting                        meaning
=============================  ===================================================================
``risk.weights``               ``{indicator: weight}`` direct weights (others keep theirs)
``risk.weighting``             ``"direct"``, ``"ahp"``, ``"entropy"`` or ``"combined"``
``risk.alpha``                 α of ``combined`` (weight of the subjective part)
``risk.ahp``                   ``{"groups": {"order": [...], "matrix": [[...]]}, "<group>": {...}}``
``risk.scheme``                level scheme: ``"standard"`` (红橙黄蓝), ``"wenzhou"`` (红黄灰绿), ``"hainan"``
``risk.level_method``          ``"thresholds"`` or ``"quantiles"`` (quartiles with four levels)
``risk.thresholds``            score cut points, highest first (``[75, 35, 15]``)
``risk.min_completeness``      known weight share below which an area's level is unknown
``risk.units``                 default area units (``"auto"``, ``"villages"``, ``"clusters"``, ``"grid:500"``, ``"hex:250"``)
``risk.grid_size_m``           grid cell size in metres
``risk.normalise.<key>``       ``{"method": ..., "points": ...}`` for one indicator
``risk.seasons.<period>``      ``{"multipliers": {...}}`` or ``false`` to switch a period off
``risk.reasons_top``           how many indicators the reasons name
``risk.as_of``                 the date scores are "as of" when none is given (read by ``score_areas``)
=============================  ===================================================================

Weights that do not sum to one are scaled to sum to one, with a message in ``model.issues``.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from fireriskmap.analysis.risk._errors import AHPError, RiskModelError
from fireriskmap.i18n import Msg, label as _label

__all__ = ["DEFAULT_MODEL_PATH", "MEASURES", "NORMALISATIONS", "Indicator", "Normalisation", "Scheme", "Level",
           "Period", "RiskModel", "load_model", "default_model"]

DEFAULT_MODEL_PATH = Path(__file__).with_name("model.toml")
#: Measures an indicator may use, with the placeholders their reasons can name.
MEASURES: dict[str, tuple[str, ...]] = {
    "share": ("pct", "n", "total"),
    "count": ("n", "total"),
    "floor_area": ("n", "area"),
    "largest_cluster": ("households", "buildings"),
    "points": ("n", "weighted", "years"),
    "density": ("density", "people"),
    "village_rate": ("rate", "n"),
    "beyond_lines": ("pct", "n", "total"),
    "quantile": ("value", "pct_over", "n"),
}
NORMALISATIONS = ("linear", "minmax", "percentile")
WEIGHTINGS = ("direct", "ahp", "entropy", "combined")
LEVEL_METHODS = ("thresholds", "quantiles", "quartiles")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_MMDD_RE = re.compile(r"^(\d{2})-(\d{2})$")
WEIGHT_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Normalisation:
    """How a raw value becomes n ∈ [0, 1] (1 = worst).

    ``linear``: piecewise-linear through ``points`` ``[(x, n), ...]`` (clipped at both ends) — the
    thresholds from the standards; ``minmax``: (x − min) / (max − min) among the areas where it is
    known (0.5 for all when they are equal); ``percentile``: the area's percentile rank among them
    (ties share the mean rank; 0.5 for a single area). ``direction = "lower_worse"`` flips the result.
    """

    method: str = "linear"
    points: tuple[tuple[float, float], ...] = ((0.0, 0.0), (1.0, 1.0))
    direction: str = "higher_worse"

    def apply(self, values: np.ndarray) -> np.ndarray:
        x = np.asarray(values, dtype=float)
        known = np.isfinite(x)
        out = np.full(x.shape, np.nan)
        if known.any():
            k = x[known]
            if self.method == "linear":
                xs = np.array([p[0] for p in self.points], dtype=float)
                ys = np.array([p[1] for p in self.points], dtype=float)
                out[known] = np.interp(k, xs, ys)
            elif self.method == "minmax":
                lo, hi = k.min(), k.max()
                out[known] = (k - lo) / (hi - lo) if hi > lo else 0.5
            else:  # percentile
                out[known] = ((pd.Series(k).rank(method="average").to_numpy() - 1) / (len(k) - 1)
                              if len(k) > 1 else 0.5)
        out = np.clip(out, 0.0, 1.0)
        return 1.0 - out if self.direction == "lower_worse" else out


@dataclass(frozen=True)
class Indicator:
    key: str
    group: str
    weight: float
    labels: dict[str, str]
    measure: str
    inputs: dict[str, Any]
    normalise: Normalisation
    reason: dict[str, str]
    source: str = ""

    def label(self, lang: str | None = None) -> str:
        return _label(self.labels, lang, self.key)


@dataclass(frozen=True)
class Level:
    code: str
    labels: dict[str, str]
    colour: str

    def label(self, lang: str | None = None) -> str:
        return _label(self.labels, lang, self.code)


@dataclass(frozen=True)
class Scheme:
    key: str
    labels: dict[str, str]
    levels: tuple[Level, ...]
    source: str = ""

    def label(self, lang: str | None = None) -> str:
        return _label(self.labels, lang, self.key)


@dataclass(frozen=True)
class Period:
    """A key period: ``start``/``end`` as (month, day), or days from the lunar new year (``anchor``)."""

    key: str
    labels: dict[str, str]
    start: Any
    end: Any
    multipliers: dict[str, float]
    anchor: str | None = None

    def label(self, lang: str | None = None) -> str:
        return _label(self.labels, lang, self.key)


@dataclass(frozen=True)
class RiskModel:
    """A validated risk model. Build with :func:`load_model`; change with :meth:`with_weights` etc.

    ``indicators`` are in model order; ``weights()`` gives their (global) weights as a Series.
    ``issues`` holds messages from loading (e.g. weights scaled to sum to one).
    """

    indicators: tuple[Indicator, ...]
    groups: dict[str, dict[str, str]]
    schemes: dict[str, Scheme]
    scheme: str
    level_method: str
    thresholds: tuple[float, ...]
    min_completeness: float
    unknown_level: Level
    periods: tuple[Period, ...]
    lunar_new_year: dict[int, _dt.date]
    weighting: str = "direct"
    alpha: float = 0.5
    subjective: str = "direct"
    cr_limit: float = 0.10
    ahp: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: str = "villages"
    grid_size_m: float = 500.0
    grid_shape: str = "square"
    reasons_top: int = 3
    reasons_min: float = 0.2
    labels: dict[str, str] = field(default_factory=dict)
    source: str = ""
    origin: str = ""
    issues: tuple[Msg, ...] = ()

    # -- look-ups ------------------------------------------------------------------------------
    @property
    def keys(self) -> list[str]:
        return [i.key for i in self.indicators]

    def indicator(self, key: str) -> Indicator:
        for ind in self.indicators:
            if ind.key == key:
                return ind
        raise KeyError(key)

    def weights(self) -> pd.Series:
        """Direct (global) weights by indicator, summing to 1."""
        return pd.Series({i.key: i.weight for i in self.indicators}, name="weight", dtype=float)

    def group_weights(self) -> pd.Series:
        w = self.weights()
        return w.groupby([self.indicator(k).group for k in w.index], sort=False).sum()

    @property
    def active_scheme(self) -> Scheme:
        return self.schemes[self.scheme]

    def with_weights(self, weights: Mapping[str, float]) -> "RiskModel":
        """A copy with these weights (missing indicators keep theirs; the total is scaled to one)."""
        unknown = [k for k in weights if k not in self.keys]
        if unknown:
            raise RiskModelError(file=self.origin, key="weights", problem=f"unknown indicators {unknown}")
        new = {i.key: float(weights.get(i.key, i.weight)) for i in self.indicators}
        inds, issues = _normalise_weights(self.indicators, new, self.origin)
        return replace(self, indicators=inds, issues=self.issues + tuple(issues))

    def without(self, keys) -> "RiskModel":
        """A copy with the given indicators left out (the others scaled to sum to one)."""
        keep = [i for i in self.indicators if i.key not in set(keys)]
        total = sum(i.weight for i in keep)
        if not keep or total <= 0:
            raise RiskModelError(file=self.origin, key="indicators", problem="no indicator left")
        return replace(self, indicators=tuple(replace(i, weight=i.weight / total) for i in keep))

    def ahp_weights(self, *, check: bool = True):
        """Global weights from the model's AHP matrices (:func:`~.ahp.ahp_hierarchy`).

        Groups without their own matrix split their share in proportion to the direct weights.
        """
        from fireriskmap.analysis.risk.ahp import ahp_hierarchy

        if "groups" not in self.ahp:
            raise RiskModelError(file=self.origin, key="ahp.groups", problem="no AHP matrix for the groups")
        g = self.ahp["groups"]
        members, labels = {}, {}
        direct = self.weights()
        for group in g["order"]:
            if group not in self.groups:
                raise RiskModelError(file=self.origin, key="ahp.groups.order", problem=f"unknown group '{group}'")
            in_group = [i.key for i in self.indicators if i.group == group]
            if group in self.ahp:
                m = self.ahp[group]
                if sorted(m["order"]) != sorted(in_group):
                    raise RiskModelError(file=self.origin, key=f"ahp.{group}.order",
                                         problem=f"must list exactly {in_group}")
                members[group], labels[group] = m["matrix"], m["order"]
            else:  # consistent matrix from the direct weights
                w = direct[in_group].to_numpy()
                members[group] = (w[:, None] / w[None, :]).tolist() if len(w) else [[1.0]]
                labels[group] = in_group
        missing = [k for k in self.groups if k not in g["order"] and any(i.group == k for i in self.indicators)]
        if missing:
            raise RiskModelError(file=self.origin, key="ahp.groups.order", problem=f"groups missing: {missing}")
        return ahp_hierarchy(g["matrix"], members, group_labels=g["order"], member_labels=labels,
                             limit=self.cr_limit, check=check)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (for run records and ``--json``)."""
        return {"weighting": self.weighting, "scheme": self.scheme, "level_method": self.level_method,
                "thresholds": list(self.thresholds), "min_completeness": self.min_completeness,
                "weights": {k: round(float(v), 6) for k, v in self.weights().items()}, "origin": self.origin}


# -- loading ------------------------------------------------------------------------------------

def _fail(origin: str, key: str, problem: str) -> RiskModelError:
    return RiskModelError(file=origin, key=key, problem=problem)


def _labels(table: Mapping[str, Any], origin: str, key: str) -> dict[str, str]:
    if not isinstance(table, Mapping):
        raise _fail(origin, key, "expected a table")
    out = {}
    for lang in ("zh", "en"):
        text = table.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise _fail(origin, f"{key}.{lang}", "missing label")
        out[lang] = text
    return out


def _number(value: Any, origin: str, key: str, *, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(origin, key, f"expected a number, not {value!r}")
    v = float(value)
    if not np.isfinite(v) or (low is not None and v < low) or (high is not None and v > high):
        raise _fail(origin, key, f"{value!r} is out of range [{low}, {high}]")
    return v


def _normalisation(table: Any, origin: str, key: str) -> Normalisation:
    if not isinstance(table, Mapping):
        raise _fail(origin, key, "expected a table such as { method = \"linear\", points = [[0, 0], [1, 1]] }")
    method = table.get("method", "linear")
    if method not in NORMALISATIONS:
        raise _fail(origin, f"{key}.method", f"'{method}' is not one of {NORMALISATIONS}")
    direction = table.get("direction", "higher_worse")
    if direction not in ("higher_worse", "lower_worse"):
        raise _fail(origin, f"{key}.direction", "must be 'higher_worse' or 'lower_worse'")
    points: tuple[tuple[float, float], ...] = ((0.0, 0.0), (1.0, 1.0))
    if method == "linear":
        raw = table.get("points")
        if not isinstance(raw, list) or len(raw) < 2 or not all(isinstance(p, list) and len(p) == 2 for p in raw):
            raise _fail(origin, f"{key}.points", "need at least two [value, normalised] pairs")
        points = tuple((_number(p[0], origin, f"{key}.points"), _number(p[1], origin, f"{key}.points", low=0, high=1))
                       for p in raw)
        xs = [p[0] for p in points]
        if any(b <= a for a, b in zip(xs, xs[1:])):
            raise _fail(origin, f"{key}.points", "values must increase")
    return Normalisation(method=method, points=points, direction=direction)


def _mmdd(value: Any, origin: str, key: str) -> tuple[int, int]:
    m = _MMDD_RE.match(str(value))
    if not m:
        raise _fail(origin, key, f"expected \"MM-DD\", not {value!r}")
    month, day = int(m.group(1)), int(m.group(2))
    try:
        _dt.date(2024, month, day)  # a leap year accepts 02-29
    except ValueError:
        raise _fail(origin, key, f"{value!r} is not a day of the year") from None
    return month, day


def _normalise_weights(indicators, weights: Mapping[str, float], origin: str):
    issues: list[Msg] = []
    for k, w in weights.items():
        if not np.isfinite(w) or w < 0:
            raise _fail(origin, f"indicators.{k}.weight", f"weight {w} must be zero or positive")
    total = float(sum(weights.values()))
    if total <= 0:
        raise _fail(origin, "indicators.weight", "all weights are zero")
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        issues.append(Msg("risk.issue.weights_scaled", total=f"{total:.3f}"))
    inds = tuple(replace(i, weight=float(weights[i.key]) / total) for i in indicators)
    return inds, issues


def _parse(data: Mapping[str, Any], origin: str) -> RiskModel:
    if not isinstance(data, Mapping):
        raise _fail(origin, "(model)", "expected a table")
    groups_raw = data.get("groups")
    if not isinstance(groups_raw, Mapping) or not groups_raw:
        raise _fail(origin, "groups", "at least one group is needed")
    groups = {str(k): _labels(v, origin, f"groups.{k}") for k, v in groups_raw.items()}

    inds_raw = data.get("indicators")
    if not isinstance(inds_raw, list) or not inds_raw:
        raise _fail(origin, "indicators", "at least one indicator is needed")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for pos, raw in enumerate(inds_raw):
        where = f"indicators[{pos}]"
        if not isinstance(raw, Mapping):
            raise _fail(origin, where, "expected a table")
        key = raw.get("key")
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise _fail(origin, f"{where}.key", "a lower-case name (letters, digits, _) is needed")
        where = f"indicators.{key}"
        if key in seen:
            raise _fail(origin, where, "defined twice")
        seen.add(key)
        group = raw.get("group")
        if group not in groups:
            raise _fail(origin, f"{where}.group", f"'{group}' is not one of the groups {list(groups)}")
        measure = raw.get("measure")
        if measure not in MEASURES:
            raise _fail(origin, f"{where}.measure", f"'{measure}' is not one of {list(MEASURES)}")
        inputs = raw.get("inputs", {})
        if not isinstance(inputs, Mapping):
            raise _fail(origin, f"{where}.inputs", "expected a table")
        _check_inputs(measure, dict(inputs), origin, f"{where}.inputs")
        reason = _labels(raw.get("reason", {}), origin, f"{where}.reason")
        allowed = set(MEASURES[measure])
        if measure == "points" and inputs.get("breakdown"):
            allowed |= {f"n_{c}" for c in (inputs.get("weights", {}) or {}).get("values", {})}
        for lang, text in reason.items():
            used = set(re.findall(r"{(\w+)[^}]*}", text))
            if not used <= allowed:
                raise _fail(origin, f"{where}.reason.{lang}",
                            f"unknown placeholder(s) {sorted(used - allowed)}; {measure} offers {sorted(allowed)}")
        indicators.append(Indicator(
            key=key, group=group, weight=_number(raw.get("weight"), origin, f"{where}.weight", low=0),
            labels=_labels(raw, origin, where), measure=measure, inputs=dict(inputs),
            normalise=_normalisation(raw.get("normalise", {"method": "percentile"}), origin, f"{where}.normalise"),
            reason=reason, source=str(raw.get("source", ""))))
    inds, issues = _normalise_weights(indicators, {i.key: i.weight for i in indicators}, origin)

    schemes_raw = data.get("schemes")
    if not isinstance(schemes_raw, Mapping) or not schemes_raw:
        raise _fail(origin, "schemes", "at least one level scheme is needed")
    schemes: dict[str, Scheme] = {}
    for name, table in schemes_raw.items():
        where = f"schemes.{name}"
        levels_raw = table.get("levels") if isinstance(table, Mapping) else None
        if not isinstance(levels_raw, list) or len(levels_raw) < 2:
            raise _fail(origin, f"{where}.levels", "need at least two levels, highest risk first")
        levels = []
        for j, lv in enumerate(levels_raw):
            if not isinstance(lv, Mapping) or not isinstance(lv.get("code"), str) or not _KEY_RE.match(lv["code"]):
                raise _fail(origin, f"{where}.levels[{j}].code", "a lower-case code is needed")
            colour = lv.get("colour", "")
            if not _COLOUR_RE.match(str(colour)):
                raise _fail(origin, f"{where}.levels[{j}].colour", f"'{colour}' is not #rrggbb")
            levels.append(Level(lv["code"], _labels(lv, origin, f"{where}.levels[{j}]"), str(colour)))
        if len({lv.code for lv in levels}) != len(levels) or "unknown" in {lv.code for lv in levels}:
            raise _fail(origin, f"{where}.levels", "codes must be distinct and not 'unknown'")
        schemes[str(name)] = Scheme(str(name), _labels(table, origin, where), tuple(levels), str(table.get("source", "")))
    unk = data.get("unknown", {"code": "unknown", "zh": "数据不足", "en": "Insufficient data", "colour": "#9e9e9e"})
    unknown_level = Level("unknown", _labels(unk, origin, "unknown"), str(unk.get("colour", "#9e9e9e")))

    lv = data.get("levels", {})
    scheme = lv.get("scheme", next(iter(schemes)))
    level_method = lv.get("method", "thresholds")
    raw_t = lv.get("thresholds", [])
    if not isinstance(raw_t, (list, tuple)):
        raise _fail(origin, "levels.thresholds", "expected a list of scores, highest first")
    thresholds = tuple(_number(t, origin, "levels.thresholds", low=0, high=100) for t in raw_t)
    min_completeness = lv.get("min_completeness", 0.5)

    units = data.get("units", {})
    weighting = data.get("weighting", {})
    reasons = data.get("reasons", {})
    seasons = data.get("seasons", {})
    periods = []
    for j, p in enumerate(seasons.get("periods", [])):
        where = f"seasons.periods[{j}]"
        if not isinstance(p, Mapping) or not isinstance(p.get("key"), str):
            raise _fail(origin, f"{where}.key", "a key is needed")
        periods.append(_period(p, origin, f"seasons.periods.{p['key']}"))
    lny = {}
    for year, day in (seasons.get("lunar_new_year") or {}).items():
        try:
            lny[int(year)] = _dt.date.fromisoformat(str(day))
        except ValueError:
            raise _fail(origin, f"seasons.lunar_new_year.{year}", f"'{day}' is not a date YYYY-MM-DD") from None
    ahp = {}
    for name, table in (data.get("ahp") or {}).items():
        if not isinstance(table, Mapping) or not isinstance(table.get("order"), list) or "matrix" not in table:
            raise _fail(origin, f"ahp.{name}", "needs 'order' (list) and 'matrix'")
        ahp[str(name)] = {"order": [str(x) for x in table["order"]], "matrix": table["matrix"]}
    model = RiskModel(
        indicators=inds, groups=groups, schemes=schemes, scheme=str(scheme), level_method=str(level_method),
        thresholds=thresholds, min_completeness=min_completeness, unknown_level=unknown_level,
        periods=tuple(periods), lunar_new_year=lny, weighting=str(weighting.get("method", "direct")),
        alpha=weighting.get("alpha", 0.5), subjective=str(weighting.get("subjective", "direct")),
        cr_limit=weighting.get("cr_limit", 0.10), ahp=ahp, units=str(units.get("default", "villages")),
        grid_size_m=units.get("grid_size_m", 500), grid_shape=str(units.get("grid_shape", "square")),
        reasons_top=reasons.get("top", 3), reasons_min=reasons.get("min_normalised", 0.2),
        labels=_labels(data.get("name", {"zh": "风险模型", "en": "Risk model"}), origin, "name"),
        source=str(data.get("source", "")), origin=origin, issues=tuple(issues))
    return _check(model)


def _period(p: Mapping[str, Any], origin: str, where: str) -> Period:
    if not _KEY_RE.match(p["key"]):
        raise _fail(origin, f"{where}.key", "a lower-case key is needed")
    anchor = p.get("anchor")
    if anchor is not None:
        if anchor != "lunar_new_year":
            raise _fail(origin, f"{where}.anchor", "only 'lunar_new_year' is known")
        start = int(_number(p.get("start"), origin, f"{where}.start", low=-60, high=60))
        end = int(_number(p.get("end"), origin, f"{where}.end", low=-60, high=60))
        if end < start:
            raise _fail(origin, f"{where}.end", "must not be before start")
    else:
        start, end = _mmdd(p.get("start"), origin, f"{where}.start"), _mmdd(p.get("end"), origin, f"{where}.end")
    mult = p.get("multipliers", {})
    if not isinstance(mult, Mapping):
        raise _fail(origin, f"{where}.multipliers", "expected a table { indicator = factor }")
    mult = {str(k): _number(v, origin, f"{where}.multipliers.{k}", low=0, high=10) for k, v in mult.items()}
    return Period(p["key"], _labels(p, origin, where), start, end, mult, anchor)


def _check_inputs(measure: str, inputs: dict[str, Any], origin: str, where: str) -> None:
    """The inputs each measure needs (see :mod:`~fireriskmap.analysis.risk.indicators`)."""
    if "min_known" in inputs:
        _number(inputs["min_known"], origin, f"{where}.min_known", low=0, high=1)
    if measure in ("share", "count", "floor_area"):
        if ("flag" in inputs) == ("where" in inputs):
            raise _fail(origin, where, "give either 'flag' (a yes/no column) or 'where' ({column = [codes]})")
    if "where" in inputs and not (isinstance(inputs["where"], Mapping)
                                  and all(isinstance(v, list) for v in inputs["where"].values())):
        raise _fail(origin, f"{where}.where", "expected { column = [values, ...] }")
    if measure in ("points", "beyond_lines") and not isinstance(inputs.get("layer"), str):
        raise _fail(origin, f"{where}.layer", "the layer to read is needed")
    if measure == "village_rate":
        for k in ("numerator", "denominator"):
            if not isinstance(inputs.get(k), list) or not inputs[k]:
                raise _fail(origin, f"{where}.{k}", "a list of villages-layer columns is needed")
    if measure == "quantile" and not isinstance(inputs.get("column"), str):
        raise _fail(origin, f"{where}.column", "the building column to read is needed")
    if measure == "beyond_lines":
        _number(inputs.get("distance_m"), origin, f"{where}.distance_m", low=0)
    if measure == "points" and "weights" in inputs:
        wt = inputs["weights"]
        if not isinstance(wt, Mapping) or not isinstance(wt.get("field"), str) or not isinstance(wt.get("values"), Mapping):
            raise _fail(origin, f"{where}.weights", "expected { field = \"...\", values = { code = weight } }")


def _check(model: RiskModel) -> RiskModel:
    o = model.origin
    if model.scheme not in model.schemes:
        raise _fail(o, "levels.scheme", f"'{model.scheme}' is not one of {list(model.schemes)}")
    if model.level_method not in LEVEL_METHODS:
        raise _fail(o, "levels.method", f"'{model.level_method}' is not one of {LEVEL_METHODS}")
    n_levels = len(model.active_scheme.levels)
    if model.level_method == "thresholds":
        t = model.thresholds
        if len(t) != n_levels - 1:
            raise _fail(o, "levels.thresholds", f"{n_levels} levels need {n_levels - 1} thresholds, highest first")
        if any(b >= a for a, b in zip(t, t[1:])) or any(not 0 <= x <= 100 for x in t):
            raise _fail(o, "levels.thresholds", "thresholds must fall from 100 towards 0")
    _number(model.min_completeness, o, "levels.min_completeness", low=0, high=1)
    if model.weighting not in WEIGHTINGS:
        raise _fail(o, "weighting.method", f"'{model.weighting}' is not one of {WEIGHTINGS}")
    if model.subjective not in ("direct", "ahp"):
        raise _fail(o, "weighting.subjective", "must be 'direct' or 'ahp'")
    _number(model.alpha, o, "weighting.alpha", low=0, high=1)
    _number(model.cr_limit, o, "weighting.cr_limit", low=0, high=1)
    if model.units.split(":")[0] not in ("villages", "clusters", "grid", "hex", "square", "auto"):
        raise _fail(o, "units.default", f"'{model.units}' is not villages, clusters, grid or hex")
    _number(model.grid_size_m, o, "units.grid_size_m", low=10, high=50_000)
    if model.grid_shape not in ("square", "hex"):
        raise _fail(o, "units.grid_shape", "must be 'square' or 'hex'")
    if not isinstance(model.reasons_top, int) or model.reasons_top < 0:
        raise _fail(o, "reasons.top", "a whole number ≥ 0 is needed")
    _number(model.reasons_min, o, "reasons.min_normalised", low=0, high=1)
    keys = set(model.keys)
    for p in model.periods:
        bad = set(p.multipliers) - keys
        if bad:
            raise _fail(o, f"seasons.periods.{p.key}.multipliers", f"unknown indicators {sorted(bad)}")
    for name, table in model.ahp.items():
        if name != "groups" and name not in model.groups:
            raise _fail(o, f"ahp.{name}", f"'{name}' is not a group")
    if model.weighting == "ahp" or (model.weighting == "combined" and model.subjective == "ahp"):
        try:
            model.ahp_weights(check=True)
        except AHPError as exc:
            raise _fail(o, "ahp", exc.message()) from None
    return model


@lru_cache(maxsize=8)
def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(Path(path).name, "(toml)", str(exc)) from None
    except OSError as exc:
        raise _fail(Path(path).name, "(file)", str(exc)) from None


def default_model() -> RiskModel:
    """The shipped default model (``model.toml``), without settings."""
    return load_model()


def _apply_settings(data: dict[str, Any], settings: Mapping[str, Any], origin: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    s = {str(k)[5:]: v for k, v in settings.items() if str(k).startswith("risk.")}
    if not s:
        return data
    by_key = {ind["key"]: ind for ind in data.get("indicators", []) if isinstance(ind, dict)}
    if "weights" in s:
        w = s["weights"]
        if not isinstance(w, Mapping):
            raise _fail("settings", "risk.weights", "expected { indicator = weight }")
        for k, v in w.items():
            if k not in by_key:
                raise _fail("settings", f"risk.weights.{k}", f"unknown indicator; known: {list(by_key)}")
            by_key[k]["weight"] = v
    simple = {"weighting": ("weighting", "method"), "alpha": ("weighting", "alpha"),
              "subjective": ("weighting", "subjective"), "scheme": ("levels", "scheme"),
              "level_method": ("levels", "method"), "thresholds": ("levels", "thresholds"),
              "min_completeness": ("levels", "min_completeness"), "units": ("units", "default"),
              "grid_size_m": ("units", "grid_size_m"), "grid_shape": ("units", "grid_shape"),
              "reasons_top": ("reasons", "top"), "cr_limit": ("weighting", "cr_limit")}
    for key, (table, name) in simple.items():
        if key in s:
            data.setdefault(table, {})[name] = s[key]
    if "ahp" in s:
        if not isinstance(s["ahp"], Mapping):
            raise _fail("settings", "risk.ahp", "expected { groups = {order, matrix}, <group> = {...} }")
        data.setdefault("ahp", {}).update(copy.deepcopy(dict(s["ahp"])))
    for key, value in s.items():
        if key.startswith("normalise."):
            k = key.split(".", 1)[1]
            if k not in by_key:
                raise _fail("settings", f"risk.{key}", "unknown indicator")
            by_key[k]["normalise"] = value
        elif key.startswith("seasons."):
            k = key.split(".", 1)[1]
            periods = data.setdefault("seasons", {}).setdefault("periods", [])
            match = [p for p in periods if p.get("key") == k]
            if not match:
                raise _fail("settings", f"risk.{key}", "unknown period")
            if value is False:
                periods.remove(match[0])
            elif isinstance(value, Mapping):
                match[0].update(copy.deepcopy(dict(value)))
            else:
                raise _fail("settings", f"risk.{key}", "expected false or { multipliers = {...} }")
    return data


def load_model(source: str | Path | Mapping[str, Any] | RiskModel | None = None, *,
               settings: Mapping[str, Any] | None = None) -> RiskModel:
    """Load and validate a risk model.

    Parameters
    ----------
    source : path, dict, RiskModel or None
        ``None``: the shipped ``model.toml``; a path: an office's TOML in the same format; a dict:
        the same content already parsed; a :class:`RiskModel`: returned as is (settings ignored).
    settings : mapping, optional
        Project settings; the ``risk.*`` keys (module docstring) are applied over the model.

    Raises
    ------
    RiskModelError
        Names the file (or ``settings``) and the key at fault.
    """
    if isinstance(source, RiskModel):
        return source
    if source is None or isinstance(source, (str, Path)):
        path = Path(source) if source is not None else DEFAULT_MODEL_PATH
        data = _read_toml(str(path))
        origin = path.name
    elif isinstance(source, Mapping):
        data, origin = dict(source), "(dict)"
    else:
        raise TypeError(f"model must be a path, a dict or a RiskModel, not {type(source).__name__}")
    if settings:
        data = _apply_settings(data, settings, origin)
        origin = f"{origin} + settings" if any(str(k).startswith("risk.") for k in settings) else origin
    return _parse(data, origin)
