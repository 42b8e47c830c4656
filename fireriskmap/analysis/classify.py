"""Building classes: high-rise, chimney-building (烟囱楼) candidates, steel / sandwich panel, 三合一.

One function, :func:`classify_buildings`, returns a DataFrame aligned to the buildings' index with a
boolean column and a reason column per class. Every threshold is a rule in
``fireriskmap/analysis/rules/buildings.toml`` (key prefix ``buildings.``) with its source, and every
reason names the rule that raised the flag, in the current language.

Unknown data is never read as "no": a flag whose deciding inputs are missing is ``False`` and its
reason column says **数据不足 / insufficient data** and what is missing (for example a building with
neither height nor storeys). A flag that is ``False`` because the data says so has an empty reason.

The functions work on the buildings layer as conformed by the project (enum codes, nullable
booleans) and equally on raw frames (Chinese/English values, ``"是"``/``"yes"`` and so on: the values
are parsed through the layer spec) and on OSM imports, where only ``storeys`` (``building:levels``),
``height``, ``structure`` (``building:material``) and ``use`` (``building``) are filled.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Mapping

import numpy as np
import pandas as pd

from fireriskmap.analysis import rules as _rules
from fireriskmap.errors import FireRiskError
from fireriskmap.i18n import current_language, tr

__all__ = ["classify_buildings", "effective_height", "high_rise_mask", "CLASS_COLUMNS", "topic_rules",
           "BuildingLayerError"]

CLASS_COLUMNS = ("high_rise", "high_rise_reason", "chimney_candidate", "chimney_candidate_reason",
                 "steel_or_panel", "steel_or_panel_reason", "three_in_one", "three_in_one_reason")


class BuildingLayerError(FireRiskError, ValueError):
    """The buildings layer cannot be analysed (wrong type, CRS, no usable geometry ...)."""

    key = "clusters.error.buildings"


# -- rules and columns, shared with clusters.py and firebreaks.py --------------------------------

topic_rules = _rules.topic  # shared: fireriskmap.analysis.rules.topic


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype=object)


@lru_cache(maxsize=None)
def _field(name: str):
    from fireriskmap.core.spec import get_spec

    return get_spec("buildings").field(name)


def _parse_unique(series: pd.Series, name: str) -> pd.Series:
    """Parse a column's values through the layer spec (once per distinct value); unusable → NA."""
    field = _field(name)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parsed = np.empty(len(uniques) + 1, dtype=object)  # last slot: missing (code -1)
    for k, raw in enumerate(uniques):  # distinct values only (a handful), not features
        try:
            parsed[k] = field.parse(raw)
        except (ValueError, TypeError):
            parsed[k] = None
    return pd.Series(parsed[codes], index=series.index, dtype=object)


def enum_codes(frame: pd.DataFrame, name: str) -> pd.Series:
    """Enum field ``name`` as spec codes (object Series, ``None`` when unknown)."""
    return _parse_unique(_column(frame, name), name)


def bool_states(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Boolean field ``name`` as two arrays: known true, known false (unknown is neither)."""
    col = _column(frame, name)
    if str(col.dtype) in ("bool", "boolean"):
        known = col.notna().to_numpy()
        vals = col.fillna(False).astype(bool).to_numpy()
        return known & vals, known & ~vals
    parsed = _parse_unique(col, name)
    return (parsed == True).to_numpy(dtype=bool), (parsed == False).to_numpy(dtype=bool)  # noqa: E712


def numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Numeric field ``name`` as float (NaN when unknown or unusable)."""
    col = _column(frame, name)
    if not (pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype)):
        col = _parse_unique(col, name)
    return pd.to_numeric(col, errors="coerce").astype("float64").to_numpy()


# -- vectorised text -------------------------------------------------------------------------------

_MARK = re.compile("\x00(\\w+)\x00")


def vformat(key: str, index: pd.Index, **params: Any) -> pd.Series:
    """``tr(key, **params)`` for every row at once: parameters may be Series/arrays or scalars."""
    text = tr(key, **{k: f"\x00{k}\x00" for k in params})
    pieces = _MARK.split(text)
    out = pd.Series(pieces[0], index=index, dtype=object)
    for name, literal in zip(pieces[1::2], pieces[2::2]):
        value = params[name]
        if isinstance(value, (pd.Series, np.ndarray, list)):
            value = pd.Series(np.asarray(value, dtype=object), index=index).astype(str)
        else:
            value = str(value)
        out = out + value + literal
    return out


def join_texts(parts: list[pd.Series], sep: str) -> pd.Series:
    """Join text Series element-wise, skipping empty pieces."""
    out = parts[0].astype(object).fillna("")
    for part in parts[1:]:
        part = part.astype(object).fillna("")
        both = (out != "") & (part != "")
        out = out.where(part == "", out.where(~both, out + sep) + part)
        out = out.where(~((out == "") & (part != "")), part)
    return out


def _fmt_number(values: np.ndarray) -> np.ndarray:
    """Numbers as short text: 27, 31.5."""
    rounded = np.round(values, 1)
    text = np.where(np.isfinite(rounded) & (rounded == np.round(rounded)),
                    np.char.mod("%d", np.nan_to_num(rounded).astype(np.int64)),
                    np.char.mod("%.1f", np.nan_to_num(rounded)))
    return text.astype(object)


def _use_labels(codes: pd.Series) -> pd.Series:
    field = _field("use")
    lower = current_language() == "en"
    names = {v.code: (v.label().lower() if lower else v.label()) for v in field.values}
    return codes.map(lambda c: names.get(c, "") if c is not None else "").astype(object)


def _sep() -> str:
    return tr("classify.sep")


# -- the classes -----------------------------------------------------------------------------------

def effective_height(buildings: pd.DataFrame, *, rules: Mapping[str, Any] | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Height in metres per building and whether it was estimated from the storeys.

    Parameters
    ----------
    buildings : DataFrame
        Buildings with ``height`` (m) and/or ``storeys``.
    rules : mapping, optional
        Overrides of ``buildings.*`` rules (``storey_height_m``).

    Returns
    -------
    height_m : ndarray of float
        ``height`` where known, else ``storeys × storey_height_m``; NaN when neither is known.
    from_storeys : ndarray of bool
        True where the height was estimated from the storeys.
    """
    r = topic_rules(rules, "buildings")
    height = numbers(buildings, "height")
    storeys = numbers(buildings, "storeys")
    height = np.where(height > 0, height, np.nan)
    from_storeys = ~np.isfinite(height) & np.isfinite(storeys) & (storeys > 0)
    estimate = storeys * float(r["storey_height_m"])
    return np.where(from_storeys, estimate, height), from_storeys


def high_rise_mask(buildings: pd.DataFrame, *, rules: Mapping[str, Any] | None = None) -> np.ndarray:
    """Boolean array: high-rise by GB 50016 2.1.1 (see :func:`classify_buildings`)."""
    return _high_rise(buildings, topic_rules(rules, "buildings"))[0]


def _high_rise(b: pd.DataFrame, r: dict) -> tuple[np.ndarray, np.ndarray, dict]:
    height, from_storeys = effective_height(b, rules=r)
    storeys = numbers(b, "storeys")
    use = enum_codes(b, "use")
    use_known = use.notna().to_numpy()
    residential = use.isin(list(r["residential_uses"])).to_numpy()
    if r["unknown_use_residential"]:
        residential = residential | ~use_known
    limit = np.where(residential, float(r["high_rise_residential_m"]), float(r["high_rise_other_m"]))
    single = storeys == 1
    flag = np.isfinite(height) & (height > limit) & ~(~residential & single)
    unknown = ~np.isfinite(height)
    return flag, unknown, {"height": height, "from_storeys": from_storeys, "storeys": storeys,
                           "residential": residential, "use_known": use_known, "limit": limit}


def classify_buildings(buildings: pd.DataFrame, *, rules: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Flag high-rises, chimney-building candidates, steel / sandwich-panel buildings and 三合一.

    Parameters
    ----------
    buildings : DataFrame or GeoDataFrame
        The buildings layer. Columns used when present: ``height`` (m), ``storeys``, ``use``,
        ``structure``, ``open_stair``, ``stair_count``, ``ground_commercial``, ``self_built``,
        ``people_sleep_inside``, ``sandwich_panel``, ``anti_theft_bars``, ``ebike_indoor``,
        ``heating_electric``. Missing columns count as unknown. Not modified.
    rules : mapping, optional
        Overrides of the ``buildings.*`` rules (bare or full keys; ``project.settings`` works).

    Returns
    -------
    DataFrame
        Aligned to ``buildings.index``, columns :data:`CLASS_COLUMNS`: each flag (bool) and its
        reason (text in the current language: empty when the flag is False on known data,
        "数据不足 …" when deciding data is missing).

    Notes
    -----
    - **high_rise** (GB 50016-2014 2.1.1): height > 27 m for residential uses, > 24 m for other
      buildings that are not single-storey. Height is ``height`` or ``storeys × 3.0 m``. Dormitories
      follow the 24 m rule (5.1.1 note); unknown use follows the 24 m rule (setting).
    - **chimney_candidate** (烟囱楼 / 通天房, DOMAIN.md §2): ≥ 3 storeys (or height ≥ 3 storeys'
      worth), one open stair (``open_stair`` true and fewer than two stairs; an unrecorded stair
      still makes a candidate to check on site, setting), mixed use (下店上宅 or rental use,
      ground-floor business, or people sleeping in a shop/workshop/store), and not recorded as
      built by a developer (``self_built`` false). Aggravating flags (防盗窗, e-bikes indoors,
      electric heaters) are listed in the reason.
    - **steel_or_panel**: any combustible sandwich panel (彩钢板/夹芯板), or a steel structure used
      as warehouse/factory (or of unknown use); people sleeping inside is listed as aggravating.
    - **three_in_one** (XF 703-2007): people sleeping inside a warehouse, factory or shop (or a
      building of unknown use recorded as lived in).
    """
    if not isinstance(buildings, pd.DataFrame):
        raise BuildingLayerError(problem=tr("clusters.problem.not_frame", type=type(buildings).__name__))
    r = topic_rules(rules, "buildings")
    index = buildings.index
    sep = _sep()

    # -- high-rise ---------------------------------------------------------------------------
    hr, hr_unknown, h = _high_rise(buildings, r)
    basis = pd.Series(np.where(h["from_storeys"],
                               vformat("classify.high_rise.from_storeys", index,
                                       storeys=_fmt_number(h["storeys"]),
                                       per=_fmt_number(np.full(len(index), float(r["storey_height_m"])))),
                               tr("classify.high_rise.measured")), index=index, dtype=object)
    kind = np.where(h["residential"], tr("classify.high_rise.residential"),
                    np.where(h["use_known"], tr("classify.high_rise.other"), tr("classify.high_rise.unknown_use")))
    hr_reason = vformat("classify.high_rise.reason", index, height=_fmt_number(h["height"]), basis=basis,
                        limit=_fmt_number(h["limit"]), kind=kind)
    hr_reason = hr_reason.where(hr, "")
    hr_reason = hr_reason.where(~hr_unknown, tr("classify.insufficient", missing=tr("classify.missing.height")))

    # -- chimney-building candidates -------------------------------------------------------------
    storeys = h["storeys"]
    est_storeys = np.where(np.isfinite(storeys), storeys,
                           np.floor(h["height"] / float(r["storey_height_m"]) + 0.5))
    tall = est_storeys >= float(r["chimney_min_storeys"])
    tall_unknown = ~np.isfinite(est_storeys)
    use = enum_codes(buildings, "use")
    use_labels = _use_labels(use)
    open_true, open_false = bool_states(buildings, "open_stair")
    stairs = numbers(buildings, "stair_count")
    second_stair = stairs >= 2
    one_open = open_true & ~second_stair
    stair_unknown = ~open_true & ~open_false & ~second_stair
    stair_ok = one_open | (stair_unknown & bool(r["chimney_unknown_stair_candidate"]))
    shop_true, _ = bool_states(buildings, "ground_commercial")
    sleep_true, _ = bool_states(buildings, "people_sleep_inside")
    _, developer = bool_states(buildings, "self_built")
    mixed_use = use.isin(list(r["chimney_mixed_uses"])).to_numpy()
    t3_use = use.isin(list(r["three_in_one_uses"])).to_numpy()
    sleep_in_shop = sleep_true & t3_use
    mixed = mixed_use | shop_true | sleep_in_shop
    possible = mixed & stair_ok & ~developer
    chimney = possible & tall
    bars, _ = bool_states(buildings, "anti_theft_bars")
    ebike, _ = bool_states(buildings, "ebike_indoor")
    heater, _ = bool_states(buildings, "heating_electric")

    def piece(mask: np.ndarray, text: str | pd.Series) -> pd.Series:
        if isinstance(text, pd.Series):
            return text.where(mask, "")
        return pd.Series(np.where(mask, text, ""), index=index, dtype=object)

    storey_text = vformat("classify.chimney.storeys", index, storeys=_fmt_number(est_storeys))
    storey_text = storey_text.where(np.isfinite(storeys),
                                    vformat("classify.chimney.storeys_est", index, storeys=_fmt_number(est_storeys)))
    stair_text = pd.Series(np.where(one_open, tr("classify.chimney.open_stair"), tr("classify.chimney.stair_unknown")),
                           index=index, dtype=object)
    mixed_text = join_texts([piece(mixed_use, use_labels), piece(shop_true, tr("classify.chimney.ground_shop")),
                             piece(sleep_in_shop, tr("classify.chimney.sleep_in_shop"))], sep)
    aggr = join_texts([piece(bars, tr("classify.aggr.bars")), piece(ebike, tr("classify.aggr.ebike")),
                       piece(heater, tr("classify.aggr.heater"))], sep)
    aggr = vformat("classify.aggr.list", index, flags=aggr).where(aggr != "", "")
    ch_reason = join_texts([storey_text, stair_text, mixed_text, aggr], sep)
    ch_reason = vformat("classify.chimney.reason", index, details=ch_reason)
    ch_reason = ch_reason.where(chimney, "")
    ch_note = possible & tall_unknown
    ch_reason = ch_reason.where(~ch_note, tr("classify.insufficient", missing=tr("classify.missing.storeys")))

    # -- steel / sandwich panel ---------------------------------------------------------------
    panel, _ = bool_states(buildings, "sandwich_panel")
    structure = enum_codes(buildings, "structure")
    is_steel = (structure == "steel").to_numpy()
    steel_use = use.isin(list(r["steel_uses"])).to_numpy()
    use_unknown = use.isna().to_numpy()
    steel = is_steel & (steel_use | use_unknown)
    sp = panel | steel
    steel_label = pd.Series(np.where(use_unknown, tr("classify.steel.unknown_use"), use_labels.to_numpy()),
                            index=index, dtype=object)
    sp_reason = join_texts([piece(panel, tr("classify.steel.panel")),
                            piece(steel, vformat("classify.steel.steel", index, use=steel_label)),
                            piece(sleep_true, tr("classify.steel.sleep"))], sep)
    sp_reason = vformat("classify.steel.reason", index, details=sp_reason).where(sp, "")
    structure_unknown = structure.isna().to_numpy()
    panel_unknown = ~panel & ~bool_states(buildings, "sandwich_panel")[1]
    sp_note = ~sp & steel_use & structure_unknown & panel_unknown
    sp_reason = sp_reason.where(~sp_note, tr("classify.insufficient", missing=tr("classify.missing.structure")))

    # -- 三合一 --------------------------------------------------------------------------------
    t3 = sleep_true & (t3_use | use_unknown)
    t3_label = pd.Series(np.where(use_unknown, tr("classify.three.unknown_use"), use_labels.to_numpy()),
                         index=index, dtype=object)
    t3_reason = vformat("classify.three.reason", index, use=t3_label).where(t3, "")

    out = pd.DataFrame({
        "high_rise": pd.Series(hr, index=index, dtype=bool),
        "high_rise_reason": hr_reason.astype(object),
        "chimney_candidate": pd.Series(chimney, index=index, dtype=bool),
        "chimney_candidate_reason": ch_reason.astype(object),
        "steel_or_panel": pd.Series(sp, index=index, dtype=bool),
        "steel_or_panel_reason": sp_reason.astype(object),
        "three_in_one": pd.Series(t3, index=index, dtype=bool),
        "three_in_one_reason": t3_reason.astype(object),
    }, index=index)
    for col in CLASS_COLUMNS[1::2]:
        out[col] = out[col].fillna("").astype(object)
    return out
