"""Levels from scores: fixed thresholds or quantiles among the township's own areas.

Thresholds ``t_1 > t_2 > … > t_{k−1}`` for a scheme of *k* levels (highest risk first): an area is at
level 1 when ``score > t_1``, level 2 when ``t_2 < score ≤ t_1``, …, level *k* when ``score ≤ t_{k−1}``.
The default ``[75, 35, 15]`` gives 红 R > 75, 橙 35 < R ≤ 75, 黄 15 < R ≤ 35, 蓝 R ≤ 15.

``quantiles`` (``quartiles`` with four levels) uses the same rule with ``t_i`` = the
``(k − i)/k`` quantile (linear interpolation) of the ranked areas' scores, so each level holds about
1/k of them (ties at a cut point go to the lower level). Areas whose completeness is below the
model's ``min_completeness`` (or without a score) are ``unknown``.
"""

from __future__ import annotations

import numpy as np

from fireriskmap.analysis.risk.model import Level, RiskModel

__all__ = ["cut_points", "assign_levels"]


def cut_points(scores: np.ndarray, model: RiskModel, *, method: str | None = None) -> np.ndarray:
    """The score cut points of the model's scheme, highest first."""
    k = len(model.active_scheme.levels)
    method = method or model.level_method
    if method == "thresholds":
        return np.asarray(model.thresholds, dtype=float)
    s = np.asarray(scores, dtype=float)
    s = s[np.isfinite(s)]
    if not len(s):
        return np.full(k - 1, np.inf)
    qs = [(k - i) / k for i in range(1, k)]
    return np.quantile(s, qs)


def assign_levels(scores: np.ndarray, rankable: np.ndarray, model: RiskModel) -> tuple[np.ndarray, np.ndarray]:
    """(level codes, cut points) for ``scores``; areas not ``rankable`` get ``"unknown"``."""
    scheme = model.active_scheme.levels
    s = np.asarray(scores, dtype=float)
    ok = np.asarray(rankable, dtype=bool) & np.isfinite(s)
    cuts = cut_points(s[ok], model)
    idx = (np.where(ok, s, 0.0)[:, None] <= cuts[None, :]).sum(axis=1) if len(cuts) else np.zeros(len(s), int)
    codes = np.array([lv.code for lv in scheme], dtype=object)[np.clip(idx, 0, len(scheme) - 1)]
    return np.where(ok, codes, model.unknown_level.code).astype(object), cuts


def level_table(model: RiskModel) -> dict[str, Level]:
    """Every level code of the active scheme (and ``unknown``) to its :class:`Level`."""
    out = {lv.code: lv for lv in model.active_scheme.levels}
    out[model.unknown_level.code] = model.unknown_level
    return out
