"""The reasons column: the top indicators of each area in plain words, in Chinese and English.

An indicator is named when its normalised value reaches ``reasons.min_normalised`` (0.2), in order of
contribution, at most ``reasons.top`` (3) of them; the model's ``reason`` template fills in the area's
figures ("3 个烟囱楼候选", "62% 建筑不在消防水源150米覆盖内", "最大连片 84 户"). Indicators that are
unknown for the area follow ("数据不足：夜间巡防未覆盖"). Only aggregated figures reach the text — never a
person's name, phone or other field marked ``personal`` in the layer specs.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from fireriskmap.analysis.risk.model import RiskModel
from fireriskmap.i18n import tr

__all__ = ["reason_texts", "format_figure"]

LANGS = (("zh", "zh_CN"), ("en", "en"))


def format_figure(name: str, value: float) -> str:
    """A figure as it reads in a reason: percentages and counts whole, rates and densities to 0.1."""
    if value is None or not np.isfinite(value):
        return "?"
    if name in ("pct", "pct_over"):
        r = int(np.floor(value + 0.5))
        return "<1" if r == 0 and value > 0 else str(r)
    if name in ("density", "rate"):
        return f"{value:.1f}"
    if name == "area":
        return f"{round(value, -2) if value >= 1000 else round(value):,.0f}"
    return f"{value:,.0f}"


def reason_texts(model: RiskModel, normalised: pd.DataFrame, contributions: pd.DataFrame,
                 details: Mapping[str, Mapping[str, np.ndarray]]) -> tuple[list[str], list[str]]:
    """``(reasons_zh, reasons_en)``, one text per area (row of ``normalised``)."""
    keys = list(normalised.columns)
    n = normalised.to_numpy(dtype=float)
    c = contributions.reindex(columns=keys).to_numpy(dtype=float)
    eligible = np.isfinite(n) & (n >= model.reasons_min) & (np.nan_to_num(c) > 0)
    order = np.argsort(-np.where(eligible, np.nan_to_num(c), -np.inf), axis=1, kind="stable")
    inds = {k: model.indicator(k) for k in keys}
    out: dict[str, list[str]] = {"zh": [], "en": []}
    for row in range(len(n)):
        chosen = [keys[j] for j in order[row, : model.reasons_top] if eligible[row, j]]
        unknown = [keys[j] for j in range(len(keys)) if not np.isfinite(n[row, j])]
        for short, lang in LANGS:
            parts = []
            for key in chosen:
                figures = {name: format_figure(name, float(arr[row])) for name, arr in details.get(key, {}).items()}
                try:
                    parts.append(inds[key].reason[short].format(**figures))
                except (KeyError, IndexError, ValueError):
                    parts.append(inds[key].label(lang))
            if not parts and len(unknown) < len(keys):
                parts.append(tr("risk.reason.nothing_stands_out", lang=lang))
            if unknown:
                names = tr("risk.list_sep", lang=lang).join(inds[k].label(lang) for k in unknown)
                parts.append(tr("risk.reason.unknown", lang=lang, names=names))
            out[short].append(tr("risk.sep", lang=lang).join(parts))
    return out["zh"], out["en"]
