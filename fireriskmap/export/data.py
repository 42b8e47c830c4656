"""What goes into the meeting outputs, computed once for the PDF, atlas, HTML and Excel (no Qt).

Everything here reads a :class:`~fireriskmap.core.project.Project` and returns plain Python,
pandas or numpy values:

* :func:`level_info` — the label and colour of a risk level (codes of the layer spec and the
  red/orange/yellow/blue/grey aliases);
* :func:`priority_rows` — the priority table from the ``risk_areas`` layer (None when the risk
  assessment has not run);
* :func:`area_stats` — per-area figures (buildings, flagged clusters, chimney and steel buildings,
  water coverage, 5-minute share, hazards ...) for any set of polygons: villages, risk areas;
* :func:`summary_figures` — the headline figures of the whole project;
* :func:`village_table` — the per-village summary in the shape of a weekly progress table;
* :func:`public_columns` — the columns that may be exported (``personal = true`` fields never are);
* :func:`resolve_extent` — ``village:NAME``, ``area:ID`` or ``x0,y0,x1,y1`` to an extent.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.errors import FireRiskError
from fireriskmap.i18n import label as pick_label
from fireriskmap.i18n import normalise_language, tr

# -- errors ------------------------------------------------------------------------------------


class ExportError(FireRiskError, ValueError):
    """An export cannot be made as asked (unknown village, bad paper size, bad extent ...)."""

    key = "export.error.generic"


# -- languages ---------------------------------------------------------------------------------

def lang_code(lang: str | None) -> str:
    """'zh' or 'en' for picking ``reasons_zh`` / ``reasons_en`` and spec labels."""
    from fireriskmap.i18n import current_language

    return "en" if normalise_language(lang or current_language()) == "en" else "zh"


# -- privacy -----------------------------------------------------------------------------------

def _specs() -> dict:
    try:
        from fireriskmap.core.spec import catalogue

        return catalogue()
    except Exception:  # a broken catalogue must not stop an export
        return {}


def personal_field_names(kind: str | None = None) -> set[str]:
    """Names of fields marked ``personal = true`` in ``kind``'s spec, and (always) in any spec.

    A column named like a personal field of *any* layer kind is treated as personal everywhere,
    so an extra column ``phone`` on buildings is never printed either.
    """
    names: set[str] = set()
    for spec in _specs().values():
        names |= {f.name for f in spec.fields if getattr(f, "personal", False)}
    return names


def public_columns(kind: str, columns: Iterable[str]) -> list[str]:
    """``columns`` without personal fields and without the geometry."""
    personal = personal_field_names(kind)
    return [c for c in columns if c not in personal and c != "geometry"]


def field_label(kind: str, name: str, lang: str | None = None) -> str:
    """The spec label of ``kind.name`` (zh/en), or a translated generic label, or the name."""
    spec = _specs().get(kind)
    if spec is not None:
        for f in spec.fields:
            if f.name == name:
                return f.label(lang)
    key = f"export.field.{name}"
    text = tr(key, lang=lang)
    return name if text == key else text


def enum_label(kind: str, name: str, code: Any, lang: str | None = None) -> str:
    """The label of an enum code (or the code itself)."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return ""
    spec = _specs().get(kind)
    if spec is not None:
        for f in spec.fields:
            if f.name == name and f.type == "enum":
                value = f.enum_value(str(code))
                if value is not None:
                    return value.label(lang)
    return str(code)


def layer_label(kind: str, lang: str | None = None) -> str:
    spec = _specs().get(kind)
    return spec.label(lang) if spec is not None else kind


# -- risk levels -------------------------------------------------------------------------------
#
# The risk step (issue 4) writes level codes of the office's colour scheme (standard 红橙黄蓝 =
# red/orange/yellow/blue, wenzhou 红黄灰绿, hainan 红黄蓝绿) plus "unknown", and per area the label
# (level_zh / level_en) and the colour. Earlier files use major/high/moderate/low. The exporter takes
# the label and colour from the area when given, else from the risk model's active scheme, else
# from the table below.

_BUILTIN_LEVELS = {
    # code: (order, colour, catalogue key)
    "red": (0, "#e53935", "major"), "major": (0, "#e53935", "major"),
    "orange": (1, "#fb8c00", "high"), "high": (1, "#fb8c00", "high"),
    "yellow": (2, "#fdd835", "moderate"), "moderate": (2, "#fdd835", "moderate"),
    "blue": (3, "#1e88e5", "low"), "low": (3, "#1e88e5", "low"),
    "grey": (3, "#757575", "grey"), "gray": (3, "#757575", "grey"),
    "green": (4, "#43a047", "green"),
    "unknown": (99, "#9e9e9e", "unknown"),
}
LEVEL_ORDER = ("red", "orange", "yellow", "blue", "unknown")  # the standard scheme, highest first
UNKNOWN = "unknown"


@dataclass(frozen=True)
class LevelInfo:
    """A risk level as shown: its code, label, colour (#rrggbb), readable text colour and order
    (0 = the highest level of the scheme; unknown last)."""

    code: str
    label: str
    colour: str
    text_colour: str  # black or white, readable on ``colour``
    order: int = 0

    @property
    def unknown(self) -> bool:
        return self.code == UNKNOWN

    @property
    def top(self) -> bool:
        """The highest level of the scheme (红 / 重大)."""
        return self.order == 0


def _contrast(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    return "#000000" if luma > 150 else "#ffffff"


def _clean_code(code: Any) -> str:
    if code is None or code is pd.NA or (isinstance(code, float) and math.isnan(code)):
        return UNKNOWN
    text = str(code).strip()
    return text or UNKNOWN


_MODEL_CACHE: dict[str, Any] = {}


def risk_model(project=None):
    """The risk model with the project's ``risk.*`` settings (public
    :func:`fireriskmap.analysis.risk.load_model`), or None when it cannot be loaded."""
    settings = dict(getattr(project, "settings", {}) or {}) if project is not None else {}
    risk_settings = {k: v for k, v in settings.items() if str(k).startswith("risk.")}
    key = repr(sorted((k, repr(v)) for k, v in risk_settings.items()))
    if key not in _MODEL_CACHE:
        try:
            from fireriskmap.analysis.risk import load_model

            _MODEL_CACHE[key] = load_model(settings=risk_settings)
        except Exception:  # the risk module missing or a bad setting: fall back to built-in tables
            _MODEL_CACHE[key] = None
    return _MODEL_CACHE[key]


def risk_scheme(project=None) -> dict[str, tuple[int, str, dict[str, str]]]:
    """The risk model's active scheme as {code: (order, colour, labels)} (empty when unavailable)."""
    model = risk_model(project)
    out: dict[str, tuple[int, str, dict[str, str]]] = {}
    try:
        for i, lv in enumerate(model.active_scheme.levels):
            out[lv.code] = (i, lv.colour, dict(lv.labels))
        unk = model.unknown_level
        out[unk.code] = (99, unk.colour, dict(unk.labels))
    except Exception:
        return {}
    return out


def level_info(code: Any, *, style=None, lang: str | None = None, label: str | None = None,
               colour: str | None = None, project=None) -> LevelInfo:
    """Label, colour and order of a risk level code.

    ``label``/``colour`` (from the area's ``level_zh``/``level_en`` and ``colour`` columns) win;
    then the risk model's active scheme; then the map style's ``risk_areas`` class; then the
    built-in 红橙黄蓝 table.
    """
    raw = _clean_code(code)
    scheme = risk_scheme(project)
    order, base_colour, key = _BUILTIN_LEVELS.get(raw.lower(), (50, "#9e9e9e", None))
    labels = None
    if raw in scheme:
        order, base_colour, labels = scheme[raw]
    if not colour and style is not None and "risk_areas" in style.layers:
        sym = style.layers["risk_areas"].classes.get(raw)
        if sym is not None and sym.fill and raw not in scheme:
            base_colour = sym.fill
    colour = (colour if isinstance(colour, str) and re.match(r"^#[0-9a-fA-F]{6}", colour or "") else base_colour)[:7]
    if not label:
        if labels:
            label = pick_label(labels, lang, raw)
        elif key is not None:
            label = tr(f"export.level.{key}", lang=lang)
        else:
            label = enum_label("risk_areas", "level", raw, lang) or raw
    return LevelInfo(raw, str(label), colour.lower(), _contrast(colour), int(order))


def short_level(info: LevelInfo) -> str:
    """'重大风险' from '重大风险（红）' / 'Major (red)': the label without its bracket."""
    return re.split(r"[（(]", info.label)[0].strip() or info.label


def all_levels(*, style=None, lang: str | None = None, project=None) -> list[LevelInfo]:
    """The levels of the active scheme (else the standard one), highest first, unknown last."""
    scheme = risk_scheme(project)
    codes = sorted(scheme, key=lambda c: scheme[c][0]) if scheme else list(LEVEL_ORDER)
    return [level_info(c, style=style, lang=lang, project=project) for c in codes]


def _row_level(gdf, pos: int, *, style, lang, project) -> LevelInfo:
    rec = gdf.iloc[pos]
    short = lang_code(lang)
    label = None
    for col in (f"level_{short}", "level_label"):
        if col in gdf.columns:
            value = rec.get(col)
            if isinstance(value, str) and value.strip():
                label = value.strip()
                break
    colour = rec.get("colour") if "colour" in gdf.columns else None
    return level_info(rec.get("level") if "level" in gdf.columns else None, style=style, lang=lang, label=label,
                      colour=colour if isinstance(colour, str) else None, project=project)


# -- the priority table -------------------------------------------------------------------------

@dataclass
class PriorityRow:
    rank: int | None
    unit_id: str
    name: str
    unit_type: str
    level: LevelInfo
    score: float | None
    reasons: list[str]
    completeness: float | None
    indicators: dict[str, float | None] = field(default_factory=dict)
    position: int = -1  # row position in the risk_areas layer


def _num(value: Any) -> float | None:
    try:
        if value is None or value is pd.NA:
            return None
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def split_reasons(value: Any) -> list[str]:
    """A reasons cell (text with ；/;/| or new lines, or a JSON list) as a list of short texts."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
            if isinstance(items, list):
                return [str(v).strip() for v in items if str(v).strip()]
        except ValueError:
            pass
    return [p.strip() for p in re.split(r"[；;|\n]+", text) if p.strip()]


def indicator_columns(gdf: pd.DataFrame) -> list[str]:
    """The ``c_<indicator>`` contribution columns of the risk layer."""
    return [c for c in gdf.columns if isinstance(c, str) and c.startswith("c_")]


def indicator_label(column: str, lang: str | None = None, *, project=None) -> str:
    """Label of a ``c_<indicator>`` column: the risk spec's field label, the risk model's indicator
    label, the catalogue, or the name."""
    spec = _specs().get("risk_areas")
    if spec is not None:
        for f in spec.fields:
            if f.name == column:
                return f.label(lang)
    name = column[2:]
    model = risk_model(project)
    if model is not None:
        try:
            return model.indicator(name).label(lang)
        except Exception:
            pass
    key = f"export.indicator.{name}"
    text = tr(key, lang=lang)
    return name.replace("_", " ") if text == key else text


def priority_rows(project, *, style=None, lang: str | None = None, limit: int | None = None
                  ) -> list[PriorityRow] | None:
    """The risk areas ordered by rank (then score), or None when the risk assessment has not run.

    Reads ``risk_areas``: ``unit_id`` (or ``area_id``), ``name``, ``unit_type``, ``score``,
    ``level``, ``rank``, ``reasons_zh``/``reasons_en`` (or ``reasons``), ``completeness`` and the
    ``c_<indicator>`` columns.
    """
    gdf = project.layers.get("risk_areas")
    if gdf is None or len(gdf) == 0:
        return None
    short = lang_code(lang)
    reason_col = next((c for c in (f"reasons_{short}", "reasons", "reasons_zh", "reasons_en")
                       if c in gdf.columns), None)
    id_col = next((c for c in ("unit_id", "area_id") if c in gdf.columns), None)
    ind_cols = indicator_columns(gdf)
    rows = []
    for pos in range(len(gdf)):
        rec = gdf.iloc[pos]
        name = rec.get("name")
        unit_id = "" if id_col is None or rec.get(id_col) is None else str(rec.get(id_col))
        if name is None or (isinstance(name, float) and math.isnan(name)) or str(name).strip() == "":
            name = unit_id or str(pos + 1)
        rank = _num(rec.get("rank"))
        rows.append(PriorityRow(
            rank=int(rank) if rank is not None else None,
            unit_id=unit_id,
            name=str(name),
            unit_type=enum_label("risk_areas", "unit_type", rec.get("unit_type"), lang) if "unit_type" in gdf else "",
            level=_row_level(gdf, pos, style=style, lang=lang, project=project),
            score=_num(rec.get("score")),
            reasons=split_reasons(rec.get(reason_col)) if reason_col else [],
            completeness=_num(rec.get("completeness")),
            indicators={c: _num(rec.get(c)) for c in ind_cols},
            position=pos,
        ))

    def key(r: PriorityRow):
        return (r.rank if r.rank is not None and r.rank > 0 else 10**9, r.level.order,
                -(r.score if r.score is not None else -1.0), r.name)

    rows.sort(key=key)
    # areas without a rank get the next numbers, in the same order
    for r in rows:
        if r.rank is not None and r.rank <= 0:
            r.rank = None  # not ranked (too little data): shown as "—"
    return rows[:limit] if limit else rows


def level_counts(project, *, style=None, lang: str | None = None) -> list[tuple[LevelInfo, int]] | None:
    """(level, number of areas) for every level of the scheme and any other code in the data,
    highest first; None when there is no risk layer."""
    gdf = project.layers.get("risk_areas")
    if gdf is None or len(gdf) == 0:
        return None
    infos: dict[str, LevelInfo] = {lv.code: lv for lv in all_levels(style=style, lang=lang, project=project)}
    counts: dict[str, int] = {code: 0 for code in infos}
    codes = (gdf["level"].astype(object).where(gdf["level"].notna(), UNKNOWN).astype(str) if "level" in gdf.columns
             else pd.Series([UNKNOWN] * len(gdf)))
    if not set(codes.tolist()) & {c for c in infos if c != UNKNOWN}:
        infos, counts = {}, {}  # the data uses another scheme (e.g. older codes): list only its own levels
    first = np.flatnonzero(~codes.duplicated().to_numpy())
    for pos in first:
        info = _row_level(gdf, int(pos), style=style, lang=lang, project=project)
        infos[info.code] = info  # the data's own label and colour win
    for code, n in codes.value_counts().items():
        counts[code] = counts.get(code, 0) + int(n)
    order = sorted(infos, key=lambda c: (infos[c].order, c))
    return [(infos[c], counts.get(c, 0)) for c in order]


def export_style(project, style):
    """``style`` with a ``risk_areas`` class for every level code in the data, coloured as the tables.

    The map, its legend and the tables then agree whatever scheme the office uses (the shipped style
    may only know some codes). Returns ``style`` unchanged when there is no risk layer.
    """
    from dataclasses import replace as _replace

    gdf = project.layers.get("risk_areas")
    if style is None or gdf is None or len(gdf) == 0 or "level" not in gdf.columns:
        return style
    from fireriskmap.render.style import LayerStyle, Symbol

    base = style.layers.get("risk_areas") or LayerStyle(kind="risk_areas", z=10, field="level",
                                                        symbol=Symbol(fill="#9e9e9e", fill_opacity=0.4))
    fill_opacity = base.symbol.fill_opacity
    present: dict[str, tuple[LevelInfo, LevelInfo]] = {}
    codes = gdf["level"].astype(object).where(gdf["level"].notna(), UNKNOWN).astype(str)
    for pos in np.flatnonzero(~codes.duplicated().to_numpy()):
        info = _row_level(gdf, int(pos), style=None, lang="zh_CN", project=project)
        present.setdefault(info.code, (info, _row_level(gdf, int(pos), style=None, lang="en", project=project)))
    classes = {}
    for code, (info, en) in sorted(present.items(), key=lambda kv: (kv[1][0].order, kv[0])):
        classes[code] = Symbol(fill=info.colour, fill_opacity=0.6 if info.unknown else fill_opacity,
                               stroke=_darker(info.colour), width=base.symbol.width,
                               pattern="bdiag" if info.unknown else "solid",
                               labels={"zh": info.label, "en": en.label})
    for code, sym in base.classes.items():  # codes not in the data keep their style
        classes.setdefault(code, sym)
    layer = _replace(base, field="level", classes=classes)
    layers = dict(style.layers)
    layers["risk_areas"] = layer
    return _replace(style, layers=layers)


def _darker(colour: str, factor: float = 0.7) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(v * factor) for v in (r, g, b)))


# -- per-area statistics --------------------------------------------------------------------------

def _points(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """A point inside each feature (the point itself for points)."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if len(geoms) == 0:
        return geoms
    types = shapely.get_type_id(geoms)
    out = geoms.copy()
    other = (types != 0) & ~shapely.is_missing(geoms)
    if other.any():
        out[other] = shapely.point_on_surface(geoms[other])
    return out


def membership(gdf: gpd.GeoDataFrame | None, areas: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (feature position, area position) for features whose inner point lies in an area.

    A feature may belong to several overlapping areas.
    """
    if gdf is None or len(gdf) == 0 or len(areas) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    pts = _points(gdf)
    ok = ~(shapely.is_missing(pts) | shapely.is_empty(pts))
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    tree = shapely.STRtree(np.asarray(areas.values, dtype=object))
    feat, area = tree.query(pts[idx], predicate="intersects")
    return idx[feat], area


def _bool(series: pd.Series | None, n: int) -> np.ndarray:
    """A bool column as (values, known) float arrays: 1/0 and NaN for unknown."""
    if series is None:
        return np.full(n, np.nan)
    out = np.full(n, np.nan)
    mask = series.notna().to_numpy()
    out[mask] = series[mask].astype(bool).to_numpy(dtype=float)
    return out


def _float(series: pd.Series | None, n: int) -> np.ndarray:
    if series is None:
        return np.full(n, np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


STAT_COLUMNS = ("buildings", "households", "timber", "high_rise", "chimney", "steel", "water_known",
                "water_covered", "resp_known", "within_5min", "clusters", "clusters_flagged",
                "households_flagged", "firebreaks", "gaps", "gap_buildings", "gap_households", "proposed",
                "hazards", "hazards_open", "hazards_rectifying", "hazards_overdue", "hazards_closed",
                "hazards_major_open", "incidents", "key_places", "hydrants", "hydrants_working",
                "water_sources", "stations")


def area_stats(project, areas: gpd.GeoSeries | gpd.GeoDataFrame) -> pd.DataFrame:
    """Figures per area (one row per area position, columns :data:`STAT_COLUMNS` plus shares).

    Features are counted in an area when their inner point lies in it. Shares are NaN when
    nothing is known (analysis not run), never 0.
    """
    if isinstance(areas, gpd.GeoDataFrame):
        areas = areas.geometry
    areas = areas.reset_index(drop=True)
    n = len(areas)
    out = pd.DataFrame(0.0, index=range(n), columns=list(STAT_COLUMNS))
    L = project.layers

    def add(column: str, area_idx: np.ndarray, weights: np.ndarray | None = None) -> None:
        if len(area_idx) == 0:
            return
        w = np.ones(len(area_idx)) if weights is None else np.nan_to_num(weights, nan=0.0)
        out[column] += np.bincount(area_idx, weights=w, minlength=n)[:n]

    b = L.get("buildings")
    if b is not None and len(b):
        f, a = membership(b, areas)
        nb = len(b)
        hh = _float(b.get("households"), nb)
        add("buildings", a)
        add("households", a, hh[f])
        if "structure" in b:
            timber = b["structure"].isin(["timber"]).to_numpy(dtype=float)
            add("timber", a, timber[f])
        for col, target in (("high_rise", "high_rise"), ("chimney_candidate", "chimney"),
                            ("steel_or_panel", "steel")):
            if col in b:
                add(target, a, np.nan_to_num(_bool(b[col], nb))[f])
        if "water_covered" in b:
            v = _bool(b["water_covered"], nb)
            add("water_known", a, (~np.isnan(v)).astype(float)[f])
            add("water_covered", a, np.nan_to_num(v)[f])
        else:
            out["water_known"] = 0.0
        if "within_5min" in b:
            v = _bool(b["within_5min"], nb)
            add("resp_known", a, (~np.isnan(v)).astype(float)[f])
            add("within_5min", a, np.nan_to_num(v)[f])
    c = L.get("clusters")
    if c is not None and len(c):
        f, a = membership(c, areas)
        add("clusters", a)
        flagged = np.nan_to_num(_bool(c.get("flagged"), len(c)))
        add("clusters_flagged", a, flagged[f])
        add("households_flagged", a, (flagged * np.nan_to_num(_float(c.get("households"), len(c))))[f])
    fb = L.get("firebreaks")
    if fb is not None and len(fb):
        f, a = membership(fb, areas)
        add("firebreaks", a)
    g = L.get("coverage_gaps")
    if g is not None and len(g):
        f, a = membership(g, areas)
        add("gaps", a)
        add("gap_buildings", a, _float(g.get("buildings"), len(g))[f])
        add("gap_households", a, _float(g.get("households"), len(g))[f])
    p = L.get("proposed_hydrants")
    if p is not None and len(p):
        f, a = membership(p, areas)
        add("proposed", a)
    h = L.get("hazards")
    if h is not None and "status" in h:
        h = h[h["status"].astype(object) != "void"]  # voided items were never hazards
    if h is not None and len(h):
        from fireriskmap.ledger.model import display_status, ledger_today

        f, a = membership(h, areas)
        if "status" in h:
            status = display_status(h, ledger_today(project)).astype(object).to_numpy()
        else:
            status = np.full(len(h), "open", dtype=object)
        severity = h["severity"].astype(object).to_numpy() if "severity" in h else np.full(len(h), None, dtype=object)
        add("hazards", a)
        is_open = np.array([s not in ("closed",) for s in status], dtype=float)
        add("hazards_open", a, np.array([s in ("open", None) for s in status], dtype=float)[f])
        add("hazards_rectifying", a, (status == "rectifying").astype(float)[f])
        add("hazards_overdue", a, (status == "overdue").astype(float)[f])
        add("hazards_closed", a, (status == "closed").astype(float)[f])
        add("hazards_major_open", a, (is_open * (severity == "major"))[f])
    for kind, col in (("incidents", "incidents"), ("key_places", "key_places"), ("water_sources", "water_sources"),
                      ("fire_stations", "stations")):
        layer = L.get(kind)
        if layer is not None and len(layer):
            f, a = membership(layer, areas)
            add(col, a)
    hy = L.get("hydrants")
    if hy is not None and len(hy):
        f, a = membership(hy, areas)
        add("hydrants", a)
        working = _bool(hy.get("working"), len(hy))
        add("hydrants_working", a, np.where(np.isnan(working), 1.0, working)[f])

    with np.errstate(invalid="ignore", divide="ignore"):
        out["water_share"] = np.where(out["water_known"] > 0, out["water_covered"] / out["water_known"], np.nan)
        out["share_5min"] = np.where(out["resp_known"] > 0, out["within_5min"] / out["resp_known"], np.nan)
        out["timber_share"] = np.where(out["buildings"] > 0, out["timber"] / out["buildings"], np.nan)
        out["rectified_share"] = np.where(out["hazards"] > 0, out["hazards_closed"] / out["hazards"], np.nan)
    return out


# -- headline figures ---------------------------------------------------------------------------

@dataclass
class Figure:
    """One headline figure: key, label, value (None: not known), text as printed, unit, note."""

    key: str
    label: str
    value: float | None
    text: str
    note: str = ""


def missing(value: Any) -> bool:
    """True for None, NaN, pd.NA and NaT (scalars)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def has_values(gdf, column: str) -> bool:
    """True when ``gdf`` has ``column`` with at least one value (spec columns exist empty)."""
    return gdf is not None and column in gdf.columns and bool(gdf[column].notna().any())


def fmt_int(value: Any) -> str:
    v = _num(value)
    return "—" if v is None else f"{int(round(v)):,}"


def fmt_share(value: Any, digits: int = 1) -> str:
    v = _num(value)
    return "—" if v is None else f"{v * 100:.{digits}f}%"


def fmt_num(value: Any, digits: int = 1) -> str:
    v = _num(value)
    return "—" if v is None else f"{v:.{digits}f}"


def summary_figures(project, *, lang: str | None = None, stats: pd.DataFrame | None = None) -> list[Figure]:
    """The headline figures of the project (whole township)."""
    L = project.layers
    whole = _whole_area(project)
    s = stats.iloc[0] if stats is not None else area_stats(project, whole).iloc[0]
    not_run = tr("export.not_analysed", lang=lang)
    figs: list[Figure] = []

    def add(key: str, value: float | None, text: str, note: str = "") -> None:
        figs.append(Figure(key, tr(f"export.figure.{key}", lang=lang), value, text, note))

    counts = level_counts(project, lang=lang)
    if counts is None:
        add("risk_areas", None, tr("export.risk_not_run", lang=lang))
    else:
        top_level, top_n = next(((lv, n) for lv, n in counts if not lv.unknown), counts[0])
        sep = "；" if lang_code(lang) == "zh" else "; "
        parts = [f"{short_level(lv)} {n}" for lv, n in counts if n]
        figs.append(Figure("risk_top", tr("export.figure.risk_top", lang=lang, level=short_level(top_level)),
                           top_n, fmt_int(top_n), sep.join(parts)))
    has_clusters = "clusters" in L
    add("flagged_clusters", s["clusters_flagged"] if has_clusters else None,
        fmt_int(s["clusters_flagged"]) if has_clusters else not_run,
        tr("export.note.households_flagged", lang=lang, n=fmt_int(s["households_flagged"])) if has_clusters else "")
    b = L.get("buildings")
    has_classify = has_values(b, "chimney_candidate")
    add("chimney", s["chimney"] if has_classify else None, fmt_int(s["chimney"]) if has_classify else not_run)
    add("steel", s["steel"] if has_classify else None, fmt_int(s["steel"]) if has_classify else not_run)
    water = s["water_share"]
    add("water_share", None if math.isnan(water) else water, fmt_share(water) if not math.isnan(water) else not_run,
        tr("export.note.gaps", lang=lang, n=fmt_int(s["gaps"])) if "coverage_gaps" in L else "")
    resp = s["share_5min"]
    add("share_5min", None if math.isnan(resp) else resp, fmt_share(resp) if not math.isnan(resp) else not_run)
    has_hazards = "hazards" in L and len(L["hazards"]) > 0
    open_total = s["hazards"] - s["hazards_closed"]
    add("open_hazards", open_total if has_hazards else None, fmt_int(open_total) if has_hazards else "—",
        tr("export.note.hazards", lang=lang, major=fmt_int(s["hazards_major_open"]),
           overdue=fmt_int(s["hazards_overdue"])) if has_hazards else "")
    add("proposed", s["proposed"] if "proposed_hydrants" in L else None,
        fmt_int(s["proposed"]) if "proposed_hydrants" in L else not_run)
    return figs


def _whole_area(project) -> gpd.GeoSeries:
    ext = project.extent()
    if ext is None:
        return gpd.GeoSeries([shapely.box(0, 0, 1, 1)], crs=project.crs)
    x0, y0, x1, y1 = ext
    return gpd.GeoSeries([shapely.box(x0 - 1, y0 - 1, x1 + 1, y1 + 1)], crs=project.crs)


def whole_stats(project) -> pd.DataFrame:
    return area_stats(project, _whole_area(project))


# -- the per-village summary ----------------------------------------------------------------------

VILLAGE_COLUMNS = (
    # key, kind of value
    ("name", "text"), ("households", "int"), ("buildings", "int"), ("clusters_flagged", "int"),
    ("households_flagged", "int"), ("chimney", "int"), ("steel", "int"), ("high_rise", "int"),
    ("water_share", "share"), ("gaps", "int"), ("proposed", "int"), ("share_5min", "share"),
    ("hazards", "int"), ("hazards_closed", "int"), ("hazards_rectifying", "int"), ("hazards_open", "int"),
    ("hazards_overdue", "int"), ("rectified_share", "share"), ("risk_level", "level"), ("risk_score", "float"),
)


def village_table(project, *, style=None, lang: str | None = None) -> pd.DataFrame | None:
    """One row per village (in the layer's order) with :data:`VILLAGE_COLUMNS`; None without villages.

    ``households`` is the village layer's figure when filled in, else the buildings' sum. The risk
    level and score come from a ``risk_areas`` unit of type village with the same name.
    """
    villages = project.layers.get("villages")
    if villages is None or len(villages) == 0:
        return None
    stats = area_stats(project, villages.geometry)
    names = villages["name"].astype(object).where(villages["name"].notna(), "").astype(str).tolist() \
        if "name" in villages else [str(i + 1) for i in range(len(villages))]
    table = pd.DataFrame({"name": names})
    for key in stats.columns:  # the figures, and the counts behind the shares (for totals)
        table[key] = stats[key].to_numpy()
    if "households" in villages:
        official = pd.to_numeric(villages["households"], errors="coerce").to_numpy(dtype=float)
        table["households"] = np.where(np.isnan(official), table["households"], official)
    b = project.layers.get("buildings")
    if not has_values(b, "chimney_candidate"):
        for k in ("chimney", "steel", "high_rise"):
            table[k] = np.nan
    if "clusters" not in project.layers:
        table["clusters_flagged"] = np.nan
        table["households_flagged"] = np.nan
    if "coverage_gaps" not in project.layers and not has_values(b, "water_covered"):
        table["gaps"] = np.nan
    if "proposed_hydrants" not in project.layers:
        table["proposed"] = np.nan
    table["risk_level"] = None
    table["risk_score"] = np.nan
    risk = project.layers.get("risk_areas")
    if risk is not None and len(risk) and "name" in risk:
        unit = risk["unit_type"].astype(object) if "unit_type" in risk else pd.Series(["village"] * len(risk))
        by_name = {}
        for pos in range(len(risk)):
            if unit.iloc[pos] not in ("village", None) and not pd.isna(unit.iloc[pos]):
                continue
            by_name.setdefault(str(risk["name"].iloc[pos]), pos)
        levels, scores = [], []
        for name in names:
            pos = by_name.get(name)
            if pos is None:
                levels.append(None)
                scores.append(np.nan)
            else:
                levels.append(_row_level(risk, pos, style=style, lang=lang, project=project))
                scores.append(_num(risk["score"].iloc[pos]) if "score" in risk else np.nan)
        table["risk_level"] = levels
        table["risk_score"] = pd.Series(scores, dtype=float)
    return table


def village_column_label(key: str, lang: str | None = None) -> str:
    return tr(f"export.village.{key}", lang=lang)


# -- extents ---------------------------------------------------------------------------------------

@dataclass
class Focus:
    """An area to show: its extent, its geometry (None for a plain box) and its name."""

    extent: tuple[float, float, float, float]
    geometry: Any = None
    name: str = ""
    kind: str = ""


def find_village(project, name: str):
    """Row position of the village called ``name`` (exact, else a unique partial match)."""
    villages = project.layers.get("villages")
    if villages is None or len(villages) == 0 or "name" not in villages:
        raise ExportError("export.error.no_villages")
    names = villages["name"].astype(object).where(villages["name"].notna(), "").astype(str)
    exact = np.flatnonzero(names.to_numpy() == name.strip())
    if len(exact):
        return int(exact[0])
    partial = np.flatnonzero(names.str.contains(re.escape(name.strip()), regex=True).to_numpy())
    if len(partial) == 1:
        return int(partial[0])
    raise ExportError("export.error.unknown_village", name=name, known="、".join(names.tolist()[:40]))


def resolve_extent(project, spec: Any, *, margin: float = 0.06) -> Focus | None:
    """``None`` (whole project), ``"village:NAME"``, ``"area:ID"`` (a risk area by id or name),
    ``"x0,y0,x1,y1"`` (project CRS, metres) or a 4-tuple → :class:`Focus`."""
    if spec is None or spec == "":
        return None
    if isinstance(spec, Focus):
        return spec
    if isinstance(spec, (tuple, list)) and len(spec) == 4:
        x0, y0, x1, y1 = (float(v) for v in spec)
        return Focus((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    text = str(spec).strip()
    low = text.lower()
    if low.startswith(("village:", "村:", "村：")):
        name = text.split(":", 1)[1] if ":" in text else text.split("：", 1)[1]
        pos = find_village(project, name)
        geom = project.layers["villages"].geometry.iloc[pos]
        return Focus(_padded(geom.bounds, margin), geom, str(project.layers["villages"]["name"].iloc[pos]), "village")
    if low.startswith("area:"):
        key = text.split(":", 1)[1].strip()
        risk = project.layers.get("risk_areas")
        if risk is not None and len(risk):
            for col in ("unit_id", "area_id", "name"):
                if col in risk:
                    hit = np.flatnonzero(risk[col].astype(str).to_numpy() == key)
                    if len(hit):
                        geom = risk.geometry.iloc[int(hit[0])]
                        name = str(risk["name"].iloc[int(hit[0])]) if "name" in risk else key
                        return Focus(_padded(geom.bounds, margin), geom, name, "risk")
        raise ExportError("export.error.unknown_area", area=key)
    parts = re.split(r"[,\s]+", text)
    if len(parts) == 4:
        try:
            x0, y0, x1, y1 = (float(v) for v in parts)
        except ValueError:
            pass
        else:
            if x1 > x0 and y1 > y0:
                return Focus((x0, y0, x1, y1))
    raise ExportError("export.error.bad_extent", extent=text)


def _padded(bounds, margin: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    pad = max(x1 - x0, y1 - y0) * margin
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


# -- titles, dates, sources ---------------------------------------------------------------------

def township_name(project) -> str:
    return (project.name or project.metadata.get("name") or project.metadata.get("demo_township")
            or (project.path.stem if getattr(project, "path", None) else "")).strip()


def season_label(day: _dt.date, lang: str | None = None) -> str:
    """'2026—2027 年度' for a date in the campaign that starts in autumn 2026."""
    start = day.year if day.month >= 9 else day.year - 1
    return tr("export.season", lang=lang, start=start, end=start + 1)


def format_date(day: _dt.date, lang: str | None = None) -> str:
    """'2027 年 1 月 20 日' in Chinese, ISO '2027-01-20' in English."""
    if lang_code(lang) == "en":
        return day.isoformat()
    return tr("export.date_format", lang=lang, y=day.year, m=day.month, d=day.day)


def _first_day(values) -> _dt.date | None:
    """The first value that starts with an ISO date (timestamps allowed), as a date."""
    for value in values:
        if value:
            try:
                return _dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                continue
    return None


def data_as_of(project) -> _dt.date | None:
    """The data date: metadata ``data_as_of`` / ``as_of`` / ``demo_as_of``, else when last saved."""
    values = (project.metadata.get(key) or project.settings.get(key)
              for key in ("data_as_of", "as_of", "demo_as_of", "saved", "created"))
    return _first_day(values)


def last_analysis_date(project) -> _dt.date | None:
    return _first_day(run.get("finished") or run.get("started")
                      for run in reversed(getattr(project, "runs", []) or []))


def crs_note(project, lang: str | None = None) -> str:
    """'坐标系：2000 国家大地坐标系（CGCS2000）… 中央经线 108°E（EPSG:4545）' for the project CRS."""
    crs = project.crs
    code = project.crs_code or ""
    if crs is None:
        return tr("export.crs.unknown", lang=lang)
    name = crs.name or code
    cm = None
    try:
        for p in crs.coordinate_operation.params:
            if "longitude of natural origin" in p.name.lower() or "central meridian" in p.name.lower():
                cm = p.value
    except Exception:
        cm = None
    if "cgcs2000" in name.lower() or "china geodetic" in (crs.geodetic_crs.name if crs.geodetic_crs else "").lower():
        if cm is not None and "gauss" in name.lower():
            return tr("export.crs.cgcs_gk", lang=lang, cm=f"{cm:g}", code=code)
        return tr("export.crs.cgcs", lang=lang, name=name, code=code)
    return tr("export.crs.other", lang=lang, name=name, code=code)


def sources_note(project, lang: str | None = None) -> str:
    """Data sources and dates, from the project's layers, metadata and analysis runs."""
    kinds = [k for k in project.layers if k in _specs() and not _specs()[k].derived and len(project.layers[k])]
    names = "、".join(layer_label(k, lang) for k in kinds) if lang_code(lang) == "zh" else \
        ", ".join(layer_label(k, lang) for k in kinds)
    as_of = data_as_of(project)
    analysed = last_analysis_date(project)
    parts = [tr("export.sources.layers", lang=lang, layers=names or "—")]
    if project.metadata.get("demo_description") or project.metadata.get("demo_seed"):
        parts.append(tr("export.sources.demo", lang=lang))
    if as_of:
        parts.append(tr("export.sources.as_of", lang=lang, date=as_of.isoformat()))
    if analysed:
        parts.append(tr("export.sources.analysed", lang=lang, date=analysed.isoformat()))
    return ("；" if lang_code(lang) == "zh" else "; ").join(parts)


def default_report_layers(project) -> list[str]:
    """The layers a meeting map shows by default (those present)."""
    order = ["risk_areas", "villages", "roads", "buildings", "clusters", "coverage_gaps", "firebreaks",
             "water_sources", "hydrants", "proposed_hydrants", "fire_stations"]
    return [k for k in order if k in project.layers and len(project.layers[k])]


def check_layers(project, layers: Iterable[str] | None) -> list[str] | None:
    """``layers`` validated against the catalogue (unknown kinds raise); None stays None."""
    if layers is None:
        return None
    chosen = [k.strip() for k in layers if k and k.strip()]
    known = set(_specs()) | set(project.layers)
    bad = [k for k in chosen if k not in known]
    if bad:
        raise ExportError("export.error.unknown_layer", layers=", ".join(bad), known=", ".join(sorted(known)))
    return chosen


__all__ = ["ExportError", "LevelInfo", "PriorityRow", "Figure", "Focus", "LEVEL_ORDER", "level_info",
           "all_levels", "short_level", "export_style", "risk_scheme", "priority_rows", "level_counts", "area_stats", "whole_stats",
           "summary_figures", "village_table", "public_columns", "personal_field_names", "resolve_extent",
           "find_village", "township_name", "season_label", "format_date", "crs_note", "sources_note",
           "data_as_of", "missing", "has_values", "fmt_int", "fmt_share", "fmt_num", "default_report_layers", "check_layers", "split_reasons", "indicator_columns",
           "indicator_label", "field_label", "enum_label", "layer_label", "pick_label"]


# -- results -------------------------------------------------------------------------------------

@dataclass
class MapPlacement:
    """Where a map was drawn: page (0-based), its view in device pixels at ``dpi``, its scale."""

    page: int
    view: Any  # fireriskmap.render.view.MapView
    dpi: float
    scale: int


@dataclass
class ExportResult:
    """What an export wrote: the file, its kind, pages, size in bytes, time and notes."""

    path: Any
    kind: str
    pages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    paper: str = ""
    size_mm: tuple[float, float] | None = None
    maps: list[MapPlacement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "kind": self.kind, "pages": self.pages, "bytes": self.bytes,
                "seconds": round(self.seconds, 3), "paper": self.paper,
                "size_mm": list(self.size_mm) if self.size_mm else None,
                "scales": [m.scale for m in self.maps], "notes": list(self.notes), **self.extra}


__all__ += ["MapPlacement", "ExportResult"]


# -- writing files ---------------------------------------------------------------------------------

import contextlib as _contextlib
import os as _os
import tempfile as _tempfile
from pathlib import Path as _Path


def _read_umask() -> int:
    mask = _os.umask(0o022)
    _os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once, at import (changing it is process-wide, not thread-safe)


def file_mode() -> int:
    """The permissions of a newly created ordinary file (0666 less the umask)."""
    return 0o666 & ~_UMASK


@_contextlib.contextmanager
def atomic_output(path, suffix: str = ""):
    """Yield a temporary path beside ``path``; it replaces ``path`` only when the block succeeds.

    A cancelled or failed export never leaves a half-written file behind.
    """
    target = _Path(path)
    if target.parent and not target.parent.exists():
        raise ExportError("export.error.no_folder", folder=str(target.parent))
    fd, tmp = _tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix or target.suffix or ".tmp",
                                dir=str(target.parent))
    _os.close(fd)
    try:
        yield _Path(tmp)
        _os.chmod(tmp, file_mode())  # mkstemp makes 0600; an exported file is an ordinary file
        _os.replace(tmp, target)
    finally:
        if _os.path.exists(tmp):
            _os.remove(tmp)


__all__ += ["atomic_output"]


def road_names(project, labels) -> list[str]:
    """Road names for road index labels (as in ``proposed_hydrants.road``): the road's name, else
    its class and number ("村道 #173"), else the label."""
    roads = project.layers.get("roads")
    out = []
    for label in labels:
        if missing(label):
            out.append("—")
            continue
        text = str(label)
        if roads is not None and len(roads):
            key = label
            if key not in roads.index:
                try:
                    key = type(roads.index[0])(label)
                except (TypeError, ValueError):
                    key = None
            if key is not None and key in roads.index:
                name = roads.at[key, "name"] if "name" in roads.columns else None
                if not missing(name) and str(name).strip():
                    out.append(str(name).strip())
                    continue
                cls = enum_label("roads", "road_class", roads.at[key, "road_class"]) \
                    if "road_class" in roads.columns else ""
                out.append(f"{cls} #{text}".strip())
                continue
        out.append(text)
    return out


__all__ += ["road_names"]
