"""Indicator measures: each turns the layers and analysis results into one raw value per unit.

Every measure reads what exists. When its input is missing — the layer is absent or empty, the
analysis that makes its column has not run, the area has no buildings, or fewer than
``inputs.min_known`` (default 0.5) of the area's buildings carry the attribute — the value is
**unknown** (NaN) for the areas concerned, with a cause, never zero.

Measures (``measure`` in the model; ``inputs`` are their options):

``share``
    Share (0–1) of the area's buildings meeting a condition, among those where it is known:
    ``flag`` = a yes/no column (``flag_value``, default true) or ``where`` = ``{column = [codes]}``
    (any column matching counts; known when any of them is filled). ``known`` = columns of which one
    must be filled as well; ``weight_by = "households"`` weighs buildings by households (1 when
    not recorded); ``as_count = true`` makes the value the number (of households) rather than the
    share; ``requires_layers`` = layers of which at least one must exist. Reasons: ``pct`` (the
    share), ``n`` (the number), ``total``.
``count``
    Number of buildings meeting the condition (same options). Reasons: ``n``, ``total``.
``floor_area``
    Floor area (m²) of the buildings meeting the condition: ``footprint_area`` (else the footprint's
    area) × ``storeys`` (1 when unknown). Reasons: ``n``, ``area``.
``largest_cluster``
    Households of the largest contiguous cluster with a building in the area (the whole cluster's
    households, from the clusters layer, else from the buildings; a building linked to no other is a
    cluster of its own). Needs the ``clusters`` analysis. Reasons: ``households``, ``buildings``.
``points``
    Points of ``layer`` in the area: ``where`` filter; ``date_field`` with ``within_years`` (the
    last N years up to the as-of date) or, without it, "on or before the as-of date"; ``weights`` =
    ``{field, values = {code = weight}}``; ``breakdown`` = a field whose codes give ``n_<code>``.
    Unknown when the layer is absent or empty. Reasons: ``n``, ``weighted``, ``years``, ``n_<code>``.
``density``
    People at night per hectare of the area: ``occupants`` of each building, else ``households`` ×
    ``persons_per_household``; buildings without either count as the average of the area's others;
    plus ``people_night`` of key places when ``key_places = true``; ``per_hectare = false`` makes
    the value the number of people. Reasons: ``density``, ``people``.
``village_rate``
    Residents of a kind per 100 residents, from the villages layer: sum of the ``numerator`` columns
    over the first filled ``denominator`` column. Other units get each village's figures shared out
    by the households of its buildings in them. Unknown where a village leaves a numerator column
    empty. Reasons: ``rate``, ``n``.
``quantile``
    A quantile (``q``, default the median) of a building column over the area's buildings, in the
    column's unit × ``scale`` (e.g. ``response_s`` in minutes with ``scale = 1/60``). ``known`` =
    the column that says the analysis reached the building (``within_5min``): where it is filled
    and the value empty (no force within the search limit), the value counts as infinitely far.
    ``over`` = a limit in the column's unit whose exceedance share is reported as ``pct_over``.
    Reasons: ``value``, ``pct_over``, ``n``.
``beyond_lines``
    Share of the area's buildings farther than ``distance_m`` from the lines of ``layer`` (for roads:
    ``min_width_m``, roads of unknown width counting only when their class is in
    ``width_unknown_classes``); ``weight_by``/``as_count`` as for ``share``. Unknown when the layer
    is absent. Reasons: ``pct``, ``n``, ``total``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.analysis.risk._errors import layer_names
from fireriskmap.analysis.risk.model import Indicator
from fireriskmap.analysis.risk.units import Units
from fireriskmap.core.spec import parse_date
from fireriskmap.i18n import Msg

__all__ = ["Context", "MeasureOut", "measure", "MEASURE_FUNCTIONS"]

#: Which analysis step fills a building column (for "analysis not run" messages).
ANALYSIS_OF_COLUMN = {
    "water_covered": "coverage", "water_distance_m": "coverage", "within_5min": "response", "response_s": "response",
    "meets_target": "response", "chimney_candidate": "classify", "high_rise": "classify",
    "steel_or_panel": "classify", "three_in_one": "classify", "cluster_id": "clusters",
}
DEFAULT_MIN_KNOWN = 0.5


@dataclass(eq=False)
class Context:
    """What the measures read: the project (or a view of it), the units, the buildings, the date."""

    view: Any
    units: Units
    buildings: gpd.GeoDataFrame
    as_of: _dt.date
    _point_units: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.units.n

    @property
    def b_unit(self) -> np.ndarray:
        return self.units.building_unit

    def layer(self, kind: str) -> gpd.GeoDataFrame:
        if kind == "buildings":
            return self.buildings
        return self.view.layer(kind)

    def has_layer(self, kind: str) -> bool:
        return len(self.layer(kind)) > 0

    def point_units(self, kind: str) -> np.ndarray:
        if kind not in self._point_units:
            self._point_units[kind] = self.units.locate(self.layer(kind).geometry.values)
        return self._point_units[kind]

    def per_unit(self, mask: np.ndarray | None = None, weights: np.ndarray | None = None,
                 units: np.ndarray | None = None) -> np.ndarray:
        """Sum of ``weights`` (1 each) over the buildings (or ``units`` positions) in ``mask``, per unit."""
        u = self.b_unit if units is None else units
        ok = u >= 0
        if mask is not None:
            ok &= np.asarray(mask, dtype=bool)
        w = None if weights is None else np.asarray(weights, dtype=float)[ok]
        return np.bincount(u[ok], weights=w, minlength=self.n).astype(float)[: self.n]


@dataclass(eq=False)
class MeasureOut:
    """Raw value per unit (NaN = unknown), figures for the reasons, and why a value is unknown.

    ``cause`` holds per unit ``""`` (known) or a cause code (``no_buildings``, ``few_known``,
    ``no_village_data``); ``missing`` is set when the whole indicator is unknown (a Msg naming the
    missing layer or analysis).
    """

    value: np.ndarray
    details: dict[str, np.ndarray] = field(default_factory=dict)
    cause: np.ndarray | None = None
    missing: Msg | None = None


def _unknown_all(ctx: Context, msg: Msg) -> MeasureOut:
    return MeasureOut(np.full(ctx.n, np.nan), {}, np.full(ctx.n, "missing", dtype=object), msg)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _known(series: pd.Series) -> np.ndarray:
    return np.array(series.notna().to_numpy(dtype=bool), copy=True)


def _numbers(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def _truth(series: pd.Series, value: bool = True) -> np.ndarray:
    s = series.astype(object)
    known = s.notna().to_numpy(dtype=bool)
    out = np.zeros(len(s), dtype=bool)
    if known.any():
        vals = s[known].map(lambda v: str(v).strip().lower() in ("true", "1", "yes", "是")).to_numpy(dtype=bool)
        out[known] = vals == bool(value)
    return out


def _layers_missing(ctx: Context, kinds: list[str]) -> Msg | None:
    if kinds and not any(ctx.has_layer(k) for k in kinds):
        return Msg("risk.cause.no_layer", layers=layer_names(kinds))
    return None


def _analysis_missing(ctx: Context, column: str) -> Msg | None:
    b = ctx.buildings
    if column not in b.columns or not b[column].notna().any():
        step = ANALYSIS_OF_COLUMN.get(column)
        if step:
            return Msg("risk.cause.not_run", step=Msg(f"pipeline.step.{step}"))
        return Msg("risk.cause.no_column", column=column)
    return None


def _condition(ctx: Context, inputs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, Msg | None]:
    """(match, known) per building from ``flag``/``where`` and ``known``; a Msg when the input is missing."""
    b = ctx.buildings
    missing = _layers_missing(ctx, list(inputs.get("requires_layers", [])))
    if "flag" in inputs:
        col = inputs["flag"]
        missing = missing or _analysis_missing(ctx, col)
        series = _column(b, col)
        known = _known(series)
        match = _truth(series, bool(inputs.get("flag_value", True))) & known
    else:
        where = inputs["where"]
        known = np.zeros(len(b), dtype=bool)
        match = np.zeros(len(b), dtype=bool)
        for col, values in where.items():
            series = _column(b, col)
            k = _known(series)
            known |= k
            match |= k & series.astype(object).map(lambda v: str(v)).isin([str(x) for x in values]).to_numpy()
        if not known.any():
            missing = missing or Msg("risk.cause.no_column", column="、".join(where))
    extra = inputs.get("known")
    if extra:
        any_known = np.zeros(len(b), dtype=bool)
        for col in extra:
            any_known |= _known(_column(b, col))
        known &= any_known
        if not any_known.any():
            missing = missing or Msg("risk.cause.no_column", column="、".join(extra))
    return match & known, known, missing


def _coverage(ctx: Context, known: np.ndarray, inputs: dict[str, Any], weights: np.ndarray | None = None):
    """Per unit: total buildings, known buildings, cause codes (no buildings / too few known)."""
    total = ctx.per_unit(None, weights)
    k = ctx.per_unit(known, weights)
    min_known = float(inputs.get("min_known", DEFAULT_MIN_KNOWN))
    cause = np.full(ctx.n, "", dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, k / np.where(total > 0, total, 1), 0.0)
    cause[(total > 0) & ((share < min_known) | (k == 0))] = "few_known"
    cause[total <= 0] = "no_buildings"
    return total, k, cause


def _households(b: pd.DataFrame) -> np.ndarray:
    hh = _numbers(_column(b, "households"))
    return np.where(np.isfinite(hh) & (hh >= 0), hh, 1.0)


# -- the measures ------------------------------------------------------------------------------------

def m_share(ctx: Context, ind: Indicator) -> MeasureOut:
    inputs = ind.inputs
    match, known, missing = _condition(ctx, inputs)
    if missing:
        return _unknown_all(ctx, missing)
    w = _households(ctx.buildings) if inputs.get("weight_by") == "households" else None
    total, k, cause = _coverage(ctx, known, inputs, w)
    n_match = ctx.per_unit(match, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(cause == "", n_match / np.where(k > 0, k, 1), np.nan)
    value = np.where(cause == "", n_match, np.nan) if inputs.get("as_count") else share
    return MeasureOut(value, {"pct": share * 100.0, "n": n_match, "total": k}, cause)


def m_count(ctx: Context, ind: Indicator) -> MeasureOut:
    match, known, missing = _condition(ctx, ind.inputs)
    if missing:
        return _unknown_all(ctx, missing)
    total, k, cause = _coverage(ctx, known, ind.inputs)
    n_match = ctx.per_unit(match)
    value = np.where(cause == "", n_match, np.nan)
    return MeasureOut(value, {"n": n_match, "total": k}, cause)


def m_floor_area(ctx: Context, ind: Indicator) -> MeasureOut:
    match, known, missing = _condition(ctx, ind.inputs)
    if missing:
        return _unknown_all(ctx, missing)
    b = ctx.buildings
    footprint = _numbers(_column(b, "footprint_area"))
    geom_area = np.asarray(shapely.area(np.asarray(b.geometry.values, dtype=object)), dtype=float)
    footprint = np.where(np.isfinite(footprint) & (footprint > 0), footprint, np.nan_to_num(geom_area))
    storeys = _numbers(_column(b, "storeys"))
    floors = np.where(np.isfinite(storeys) & (storeys >= 1), storeys, 1.0)
    total, k, cause = _coverage(ctx, known, ind.inputs)
    area = ctx.per_unit(match, footprint * floors)
    n_match = ctx.per_unit(match)
    value = np.where(cause == "", area, np.nan)
    return MeasureOut(value, {"n": n_match, "area": area}, cause)


def m_largest_cluster(ctx: Context, ind: Indicator) -> MeasureOut:
    missing = _analysis_missing(ctx, "cluster_id")
    if missing:
        return _unknown_all(ctx, missing)
    b = ctx.buildings
    cid = _numbers(b["cluster_id"])
    known = np.isfinite(cid)
    hh = _households(b)
    own = np.where(known & (cid >= 0), cid, -1).astype(np.int64)
    # households and buildings of each cluster: from the clusters layer when it has them
    sums = pd.Series(hh[known & (own >= 0)]).groupby(own[known & (own >= 0)]).sum()
    counts = pd.Series(1, index=np.arange((known & (own >= 0)).sum())).groupby(own[known & (own >= 0)]).sum()
    clusters = ctx.layer("clusters")
    if len(clusters) and {"cluster_id", "households"} <= set(clusters.columns):
        lay = pd.Series(_numbers(clusters["households"]), index=_numbers(clusters["cluster_id"]))
        lay = lay[np.isfinite(lay.index) & np.isfinite(lay.to_numpy())]
        lay.index = lay.index.astype(np.int64)
        sums = lay.combine_first(sums)
        if "buildings" in clusters.columns:
            lb = pd.Series(_numbers(clusters["buildings"]), index=_numbers(clusters["cluster_id"]))
            lb = lb[np.isfinite(lb.index) & np.isfinite(lb.to_numpy())]
            lb.index = lb.index.astype(np.int64)
            counts = lb.combine_first(counts)
    b_hh = np.where(own >= 0, sums.reindex(own).to_numpy(dtype=float), hh)
    b_n = np.where(own >= 0, counts.reindex(own).to_numpy(dtype=float), 1.0)
    b_hh = np.where(known, b_hh, np.nan)
    total, k, cause = _coverage(ctx, known, {"min_known": ind.inputs.get("min_known", 0.0)})
    cause[(total > 0) & (k == 0)] = "few_known"
    u = ctx.b_unit
    ok = (u >= 0) & known & np.isfinite(b_hh)
    frame = pd.DataFrame({"u": u[ok], "hh": b_hh[ok], "n": b_n[ok]}).sort_values(["u", "hh", "n"])
    best = frame.drop_duplicates("u", keep="last").set_index("u")
    value = best["hh"].reindex(np.arange(ctx.n)).to_numpy(dtype=float)
    nb = best["n"].reindex(np.arange(ctx.n)).to_numpy(dtype=float)
    value = np.where(cause == "", value, np.nan)
    return MeasureOut(value, {"households": value, "buildings": nb}, cause)


def _dates(series: pd.Series) -> np.ndarray:
    def one(v):
        try:
            return np.datetime64(parse_date(v), "D")
        except (ValueError, TypeError):
            return np.datetime64("NaT")

    if not len(series):
        return np.array([], dtype="datetime64[D]")
    s = series.astype(object)
    return np.array([one(v) if v is not None and v == v else np.datetime64("NaT") for v in s],
                    dtype="datetime64[D]")


def _years_before(day: _dt.date, years: int) -> _dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def m_points(ctx: Context, ind: Indicator) -> MeasureOut:
    inputs = ind.inputs
    kind = inputs["layer"]
    if not ctx.has_layer(kind):
        return _unknown_all(ctx, Msg("risk.cause.no_layer", layers=layer_names([kind])))
    pts = ctx.layer(kind)
    keep = np.ones(len(pts), dtype=bool)
    for col, values in (inputs.get("where") or {}).items():
        keep &= _column(pts, col).astype(object).map(str).isin([str(x) for x in values]).to_numpy()
    notes: list[Msg] = []
    years = inputs.get("within_years")
    if inputs.get("date_field"):
        d = _dates(_column(pts, inputs["date_field"]))
        as_of = np.datetime64(ctx.as_of, "D")
        nat = np.isnat(d)
        later = ~nat & (d > as_of)
        if years:
            start = np.datetime64(_years_before(ctx.as_of, int(years)), "D")
            keep &= ~nat & (d > start) & ~later
        else:
            keep &= ~later
    u = ctx.point_units(kind)
    weights = np.ones(len(pts))
    wt = inputs.get("weights")
    if wt:
        codes = _column(pts, wt["field"]).astype(object).map(str)
        weights = codes.map({str(k): float(v) for k, v in wt["values"].items()}).fillna(1.0).to_numpy(dtype=float)
    n = ctx.per_unit(keep, None, units=u)
    weighted = ctx.per_unit(keep, weights, units=u)
    details = {"n": n, "weighted": weighted, "years": np.full(ctx.n, float(years or 0))}
    if inputs.get("breakdown"):
        codes = _column(pts, inputs["breakdown"]).astype(object).map(str).to_numpy()
        for code in (wt or {}).get("values", {}) if wt else np.unique(codes):
            details[f"n_{code}"] = ctx.per_unit(keep & (codes == str(code)), None, units=u)
    value = weighted if wt else n
    return MeasureOut(value.astype(float), details, np.full(ctx.n, "", dtype=object))


def m_density(ctx: Context, ind: Indicator) -> MeasureOut:
    inputs = ind.inputs
    b = ctx.buildings
    occ = _numbers(_column(b, "occupants"))
    hh = _numbers(_column(b, "households"))
    pph = float(inputs.get("persons_per_household", 3.0))
    people = np.where(np.isfinite(occ) & (occ >= 0), occ, np.where(np.isfinite(hh) & (hh >= 0), hh * pph, np.nan))
    known = np.isfinite(people)
    if not known.any():
        return _unknown_all(ctx, Msg("risk.cause.no_column", column="occupants、households"))
    total, k, cause = _coverage(ctx, known, inputs)
    summed = ctx.per_unit(known, np.nan_to_num(people))
    with np.errstate(invalid="ignore", divide="ignore"):
        est = np.where(k > 0, summed * total / np.where(k > 0, k, 1), 0.0)  # the unknown ones as the average
    if inputs.get("key_places") and ctx.has_layer("key_places") and "people_night" in ctx.layer("key_places").columns:
        kp = ctx.layer("key_places")
        night = np.nan_to_num(_numbers(kp["people_night"]))
        est = est + ctx.per_unit(night > 0, night, units=ctx.point_units("key_places"))
    area = ctx.units.area_ha
    with np.errstate(invalid="ignore", divide="ignore"):
        density = np.where(area > 0, est / np.where(area > 0, area, 1), np.nan)
    value = np.where(cause == "", est if inputs.get("per_hectare", True) is False else density, np.nan)
    return MeasureOut(value, {"density": np.where(cause == "", density, np.nan), "people": est}, cause)


def m_village_rate(ctx: Context, ind: Indicator) -> MeasureOut:
    inputs = ind.inputs
    villages = ctx.layer("villages")
    if not len(villages):
        return _unknown_all(ctx, Msg("risk.cause.no_layer", layers=layer_names(["villages"])))
    nums = [c for c in inputs["numerator"] if c in villages.columns and villages[c].notna().any()]
    if not nums:
        return _unknown_all(ctx, Msg("risk.cause.no_column", column="、".join(inputs["numerator"])))
    num = np.zeros(len(villages))
    for c in inputs["numerator"]:  # a numerator column left empty makes that village unknown
        num = num + (_numbers(villages[c]) if c in villages.columns else np.full(len(villages), np.nan))
    den = np.full(len(villages), np.nan)
    for c in inputs["denominator"]:
        if c in villages.columns:
            v = _numbers(villages[c])
            den = np.where(np.isfinite(den), den, np.where(v > 0, v, np.nan))
    ok_v = np.isfinite(num) & np.isfinite(den) & (den > 0)
    if ctx.units.spec.kind == "villages":
        cause = np.where(ok_v, "", "no_village_data").astype(object)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(ok_v, 100.0 * num / np.where(den > 0, den, 1), np.nan)
        return MeasureOut(value, {"rate": value, "n": np.where(ok_v, num, np.nan)}, cause)
    # other units: share each village's figures out by the households of its buildings
    bv = ctx.units.building_village
    hh = _households(ctx.buildings)
    in_v = bv >= 0
    v_hh = np.bincount(bv[in_v], weights=hh[in_v], minlength=len(villages))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(in_v, hh / np.where(in_v, v_hh[np.clip(bv, 0, None)], 1), 0.0)
    b_ok = in_v & ok_v[np.clip(bv, 0, None)]
    b_num = np.where(b_ok, num[np.clip(bv, 0, None)] * share, 0.0)
    b_den = np.where(b_ok, den[np.clip(bv, 0, None)] * share, 0.0)
    u_num = ctx.per_unit(b_ok, b_num)
    u_den = ctx.per_unit(b_ok, b_den)
    bad = ctx.per_unit(in_v & ~b_ok) > 0
    cause = np.full(ctx.n, "", dtype=object)
    cause[(u_den <= 0) | bad] = "no_village_data"
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(cause == "", 100.0 * u_num / np.where(u_den > 0, u_den, 1), np.nan)
    return MeasureOut(value, {"rate": value, "n": np.where(cause == "", u_num, np.nan)}, cause)


def m_beyond_lines(ctx: Context, ind: Indicator) -> MeasureOut:
    inputs = ind.inputs
    kind = inputs["layer"]
    if not ctx.has_layer(kind):
        return _unknown_all(ctx, Msg("risk.cause.no_layer", layers=layer_names([kind])))
    lines = ctx.layer(kind)
    use = np.ones(len(lines), dtype=bool)
    if "min_width_m" in inputs:
        width = _numbers(_column(lines, "width"))
        cls = _column(lines, "road_class").astype(object).map(str)
        by_class = cls.isin([str(c) for c in inputs.get("width_unknown_classes", [])]).to_numpy()
        use = np.where(np.isfinite(width), width >= float(inputs["min_width_m"]), by_class)
    geoms = np.asarray(lines.geometry.values, dtype=object)[use]
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))] if len(geoms) else geoms
    b_geoms = np.asarray(ctx.buildings.geometry.values, dtype=object)
    has_geom = ~(shapely.is_missing(b_geoms) | shapely.is_empty(b_geoms)) if len(b_geoms) else np.zeros(0, bool)
    near = np.zeros(len(b_geoms), dtype=bool)
    if len(geoms) and has_geom.any():
        tree = shapely.STRtree(geoms)
        hit = tree.query(b_geoms[has_geom], predicate="dwithin", distance=float(inputs["distance_m"]))
        idx = np.flatnonzero(has_geom)
        near[idx[np.unique(hit[0])]] = True
    w = _households(ctx.buildings) if inputs.get("weight_by") == "households" else None
    total, k, cause = _coverage(ctx, has_geom, inputs, w)
    beyond = ctx.per_unit(has_geom & ~near, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(cause == "", beyond / np.where(k > 0, k, 1), np.nan)
    value = np.where(cause == "", beyond, np.nan) if inputs.get("as_count") else share
    return MeasureOut(value, {"pct": share * 100.0, "n": beyond, "total": k}, cause)


def m_quantile(ctx: Context, ind: Indicator) -> MeasureOut:
    inputs = ind.inputs
    col = inputs["column"]
    known_col = inputs.get("known", col)
    missing = _layers_missing(ctx, list(inputs.get("requires_layers", []))) or _analysis_missing(ctx, known_col)
    if missing:
        return _unknown_all(ctx, missing)
    b = ctx.buildings
    values = _numbers(_column(b, col))
    known = _known(_column(b, known_col)) | np.isfinite(values)
    values = np.where(known & ~np.isfinite(values), np.inf, values)
    total, k, cause = _coverage(ctx, known, inputs)
    u = ctx.b_unit
    ok = (u >= 0) & known
    q = float(inputs.get("q", 0.5))
    big = 1e15  # "beyond the search limit" stands in as a huge number so interpolation stays defined
    frame = pd.DataFrame({"u": u[ok], "v": np.where(np.isinf(values[ok]), big, values[ok])})
    picked = frame.groupby("u")["v"].quantile(q)
    picked = picked.where(picked < big / 10, np.inf)
    value = picked.reindex(np.arange(ctx.n)).to_numpy(dtype=float) * float(inputs.get("scale", 1.0))
    value = np.where(cause == "", value, np.nan)
    details = {"value": value, "n": k}
    if "over" in inputs:
        over = ctx.per_unit(known & (values > float(inputs["over"])))
        with np.errstate(invalid="ignore", divide="ignore"):
            details["pct_over"] = np.where(k > 0, 100.0 * over / np.where(k > 0, k, 1), np.nan)
    return MeasureOut(value, details, cause)


MEASURE_FUNCTIONS: dict[str, Callable[[Context, Indicator], MeasureOut]] = {
    "share": m_share, "count": m_count, "floor_area": m_floor_area, "largest_cluster": m_largest_cluster,
    "points": m_points, "quantile": m_quantile, "density": m_density, "village_rate": m_village_rate, "beyond_lines": m_beyond_lines,
}


def measure(ctx: Context, ind: Indicator) -> MeasureOut:
    """The raw value of ``ind`` for every unit of ``ctx``."""
    out = MEASURE_FUNCTIONS[ind.measure](ctx, ind)
    if out.cause is None:
        out.cause = np.where(np.isfinite(out.value), "", "missing").astype(object)
    return out
