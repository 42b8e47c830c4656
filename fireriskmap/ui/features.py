"""Feature helpers shared by the panels: column labels and units, value text, flags, hit tests.

Qt-free on purpose (numpy, shapely, the layer specs): the attribute table, the identify panel
and the editor all show a value the same way — enum labels instead of codes, 是/否 for yes/no,
units in the column header, shares as percentages, empty for missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.i18n import catalogue as _catalogue
from fireriskmap.i18n import current_language, normalise_language, tr

# Columns the analyses fill in input layers: shown, never edited by hand.
RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "buildings": ("cluster_id", "high_rise", "high_rise_reason", "chimney_candidate", "chimney_candidate_reason",
                  "steel_or_panel", "steel_or_panel_reason", "three_in_one", "three_in_one_reason",
                  "water_distance_m", "water_covered", "water_status", "response_s", "first_due_station",
                  "within_5min", "meets_target", "response_status"),
}

# Ledger fields only the ledger's workflow sets (start rectifying, close, void, place): shown, never
# typed into a form or a table cell (fireriskmap.ledger.model.WORKFLOW_FIELDS).
WORKFLOW_COLUMNS: dict[str, tuple[str, ...]] = {
    "hazards": ("hazard_id", "status", "closed_date", "evidence", "close_note", "void_reason", "placed"),
}

# The flags of a building (and of other layers) and the column with their reason.
FLAG_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "buildings": (("high_rise", "high_rise_reason"), ("chimney_candidate", "chimney_candidate_reason"),
                  ("steel_or_panel", "steel_or_panel_reason"), ("three_in_one", "three_in_one_reason")),
    "clusters": (("flagged", "flag_reason"),),
}

# Layers a planner edits point by point.
EDITABLE_POINT_KINDS = ("hydrants", "water_sources", "fire_stations", "key_places", "hazards", "incidents")


@lru_cache(maxsize=None)
def spec_of(kind: str):
    """The layer spec of ``kind`` or None (unknown kinds are shown with raw column names)."""
    try:
        from fireriskmap.core.spec import catalogue

        return catalogue().get(kind)
    except Exception:  # a broken catalogue must not break the panels
        return None


@lru_cache(maxsize=None)
def field_of(kind: str, column: str):
    spec = spec_of(kind)
    if spec is None or not spec.has_field(column):
        return None
    return spec.field(column)


def layer_label(kind: str, lang: str | None = None) -> str:
    spec = spec_of(kind)
    return spec.label(lang) if spec is not None else kind


def _has_key(key: str, lang: str | None) -> bool:
    lang = normalise_language(lang) if lang else current_language()
    return key in _catalogue(lang) or key in _catalogue("en")


@lru_cache(maxsize=None)
def _risk_indicators() -> dict:
    """The risk model's indicators by key (labels for the ``c_``/``v_`` columns of risk areas)."""
    try:
        from fireriskmap.analysis.risk.model import default_model

        model = default_model()
        return {ind.key: ind for ind in getattr(model, "indicators", ())}
    except Exception:  # no risk model (yet): raw column names
        return {}


def indicator_label(key: str, lang: str | None = None) -> str:
    ind = _risk_indicators().get(key)
    if ind is not None:
        return ind.label(lang)
    ui_key = f"ui.indicator.{key}"
    return tr(ui_key, lang=lang) if _has_key(ui_key, lang) else key


def column_label(kind: str, column: str, lang: str | None = None) -> str:
    """The zh/en label of a column: from the spec, else from the UI catalogue, else its name.

    Risk columns ``c_<indicator>`` (contribution to the score) and ``v_<indicator>`` (raw value)
    use the risk model's indicator labels.
    """
    fs = field_of(kind, column)
    if fs is not None:
        return fs.label(lang)
    key = f"ui.column.{column}"
    if _has_key(key, lang):
        return tr(key, lang=lang)
    if column.startswith("c_"):
        return indicator_label(column[2:], lang)
    if column.startswith("v_"):
        return tr("ui.column.raw_value", lang=lang, name=indicator_label(column[2:], lang))
    return column


def column_unit(kind: str, column: str) -> str | None:
    fs = field_of(kind, column)
    if fs is not None and fs.unit:
        return fs.unit
    return {"extent_m": "m", "max_gap_m": "m", "spacing_m": "m", "width_m": "m", "cost": None}.get(column)


def column_header(kind: str, column: str, lang: str | None = None) -> str:
    """'高度 (m)', 'Storeys (层)'."""
    unit = column_unit(kind, column)
    text = column_label(kind, column, lang)
    return f"{text} ({unit})" if unit else text


def is_share(kind: str, column: str) -> bool:
    """A 0–1 share shown as a percentage."""
    fs = field_of(kind, column)
    if fs is not None:
        return fs.type == "float" and fs.minimum == 0 and fs.maximum == 1
    return column.endswith("_share") or column == "completeness"


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, str):
        return value == ""
    return False


def format_number(value: float, *, decimals: int = 2) -> str:
    """Whole numbers without decimals, others with up to ``decimals`` (trailing zeros dropped)."""
    v = float(value)
    if not math.isfinite(v):
        return ""
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}" if abs(v) >= 10000 else str(int(v))
    text = f"{v:,.{decimals}f}" if abs(v) >= 10000 else f"{v:.{decimals}f}"
    return text.rstrip("0").rstrip(".")


def value_text(kind: str, column: str, value: Any, lang: str | None = None, *, with_unit: bool = False) -> str:
    """How a value is shown: enum label, 是/否, number, percentage; '' when missing."""
    if is_missing(value):
        return ""
    fs = field_of(kind, column)
    if isinstance(value, (bool, np.bool_)) or (fs is not None and fs.type == "bool"):
        try:
            return tr("ui.value.yes", lang=lang) if bool(value) else tr("ui.value.no", lang=lang)
        except (TypeError, ValueError):
            return str(value)
    if fs is not None and fs.type == "enum":
        ev = fs.enum_value(str(value))
        return ev.label(lang) if ev is not None else str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        if is_share(kind, column):
            return f"{float(value) * 100:.1f}%"
        text = format_number(value)
        unit = column_unit(kind, column)
        return f"{text} {unit}" if with_unit and unit else text
    text = str(value)
    key = f"ui.status_value.{column}.{text}"
    if column.endswith("_status") and _has_key(key, lang):
        return tr(key, lang=lang)
    return text


def column_texts(kind: str, column: str, values: pd.Series, lang: str | None = None) -> np.ndarray:
    """:func:`value_text` for a whole column (the field is looked up once, values mapped in bulk)."""
    n = len(values)
    arr = values.to_numpy(dtype=object, na_value=None)
    out = np.full(n, "", dtype=object)
    if n == 0:
        return out
    missing = pd.isna(values).to_numpy(dtype=bool, copy=True)
    if values.dtype == object:
        missing |= np.array([v == "" if isinstance(v, str) else False for v in arr], dtype=bool)
    present = ~missing
    if not present.any():
        return out
    fs = field_of(kind, column)
    dtype = values.dtype
    if (fs is not None and fs.type == "bool") or pd.api.types.is_bool_dtype(dtype):
        yes, no = tr("ui.value.yes", lang=lang), tr("ui.value.no", lang=lang)
        out[present] = [yes if bool(v) else no for v in arr[present]]
        return out
    if fs is not None and fs.type == "enum":
        labels = {v.code: v.label(lang) for v in fs.values}
        out[present] = [labels.get(str(v), str(v)) for v in arr[present]]
        return out
    if pd.api.types.is_numeric_dtype(dtype):
        nums = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        if is_share(kind, column):
            out[present] = [f"{v * 100:.1f}%" for v in nums[present]]
        else:
            cache: dict[float, str] = {}
            texts = []
            for v in nums[present]:
                t = cache.get(v)
                if t is None:
                    t = cache[v] = format_number(v)
                texts.append(t)
            out[present] = texts
        return out
    cache2: dict[Any, str] = {}
    texts = []
    for v in arr[present]:
        try:
            t = cache2.get(v)
            if t is None:
                t = cache2[v] = value_text(kind, column, v, lang)
        except TypeError:  # unhashable
            t = value_text(kind, column, v, lang)
        texts.append(t)
    out[present] = texts
    return out


def display_columns(kind: str, gdf: gpd.GeoDataFrame) -> list[str]:
    """Columns to show: spec order first, then extra columns; never the geometry."""
    geom = getattr(gdf, "_geometry_column_name", None) or "geometry"
    return [c for c in gdf.columns if c != geom and c != "geometry"]


def editable_columns(kind: str) -> list[str]:
    """Spec fields a user may edit (not analysis results, not derived layers)."""
    spec = spec_of(kind)
    if spec is None or spec.derived:
        return []
    results = set(RESULT_COLUMNS.get(kind, ())) | set(WORKFLOW_COLUMNS.get(kind, ()))
    return [f.name for f in spec.fields if f.name not in results]


@dataclass
class Flag:
    """A yes/no finding on a feature with the rule that produced it."""

    column: str
    label: str
    on: bool | None  # None: unknown (not analysed, or not enough data)
    reason: str


def feature_flags(kind: str, row: pd.Series, lang: str | None = None) -> list[Flag]:
    """The flags of one feature with their reasons (buildings: high-rise, 烟囱楼, steel/panel, 三合一;
    clusters: 集中连片; any ``X`` with an ``X_reason`` column)."""
    pairs = list(FLAG_COLUMNS.get(kind, ()))
    for col in row.index:
        if col.endswith("_reason") and col[:-7] in row.index and (col[:-7], col) not in pairs:
            pairs.append((col[:-7], col))
    flags = []
    for col, reason_col in pairs:
        if col not in row.index:
            continue
        value = row[col]
        reason = row[reason_col] if reason_col in row.index else None
        on = None if is_missing(value) else bool(value)
        flags.append(Flag(col, column_label(kind, col, lang), on, "" if is_missing(reason) else str(reason)))
    return flags


# -- hit tests through the spatial index ------------------------------------------------------

def features_at(gdf: gpd.GeoDataFrame, geometry: str, x: float, y: float, tolerance: float) -> np.ndarray:
    """Positions of the features at world point (x, y), nearest / smallest first.

    Points and lines: within ``tolerance`` (metres); polygons: containing the point, or within
    the tolerance when drawn as dots. Uses the layer's spatial index (no per-feature loop).
    """
    if gdf is None or len(gdf) == 0:
        return np.empty(0, dtype=np.intp)
    pt = shapely.Point(x, y)
    sindex = gdf.sindex
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if geometry == "polygon":
        hits = sindex.query(pt, predicate="intersects")
        if len(hits) == 0:
            hits = sindex.query(pt, predicate="dwithin", distance=tolerance)
            if len(hits) == 0:
                return np.empty(0, dtype=np.intp)
            d = shapely.distance(geoms[hits], pt)
            return hits[np.argsort(d, kind="stable")]
        area = shapely.area(geoms[hits])
        return hits[np.argsort(area, kind="stable")]
    hits = sindex.query(pt, predicate="dwithin", distance=tolerance)
    if len(hits) == 0:
        return np.empty(0, dtype=np.intp)
    d = shapely.distance(geoms[hits], pt)
    return hits[np.argsort(d, kind="stable")]


def features_in(gdf: gpd.GeoDataFrame, extent: tuple[float, float, float, float]) -> np.ndarray:
    """Positions of the features intersecting the rectangle ``extent`` (sorted)."""
    if gdf is None or len(gdf) == 0:
        return np.empty(0, dtype=np.intp)
    x0, y0, x1, y1 = extent
    box = shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return np.sort(gdf.sindex.query(box, predicate="intersects"))


def extent_of(gdf: gpd.GeoDataFrame, positions: np.ndarray | None = None) -> tuple[float, float, float, float] | None:
    """Bounding box of the layer (or of the features at ``positions``); None when empty."""
    if gdf is None or len(gdf) == 0:
        return None
    geoms = gdf.geometry.values if positions is None else gdf.geometry.values[np.asarray(positions, dtype=np.intp)]
    geoms = np.asarray(geoms, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        return None
    b = shapely.total_bounds(geoms)
    if not np.all(np.isfinite(b)):
        return None
    return float(b[0]), float(b[1]), float(b[2]), float(b[3])


def pad_extent(extent: tuple[float, float, float, float], *, minimum: float = 150.0,
               margin: float = 0.15) -> tuple[float, float, float, float]:
    """Grow an extent by ``margin`` on each side and to at least ``minimum`` metres across."""
    x0, y0, x1, y1 = extent
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max((x1 - x0) * (1 + 2 * margin), minimum)
    h = max((y1 - y0) * (1 + 2 * margin), minimum)
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


__all__ = ["RESULT_COLUMNS", "WORKFLOW_COLUMNS", "FLAG_COLUMNS", "EDITABLE_POINT_KINDS", "spec_of", "field_of", "layer_label",
           "column_label", "column_unit", "column_header", "value_text", "column_texts", "display_columns",
           "editable_columns", "Flag", "feature_flags", "features_at", "features_in", "extent_of", "pad_extent",
           "is_missing", "format_number", "is_share"]
