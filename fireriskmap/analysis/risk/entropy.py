"""Entropy weights (熵权法) and the combined weight ``w = α·w_subjective + (1 − α)·w_entropy``.

For *m* areas and an indicator *j* with normalised values ``x_ij ≥ 0`` (unknown values left out):

    p_ij = x_ij / Σ_i x_ij,   e_j = −(1 / ln m_j) Σ_i p_ij ln p_ij,   d_j = 1 − e_j,   w_j = d_j / Σ_k d_k

(``0 · ln 0 = 0``; ``m_j`` = areas where *j* is known). An indicator that does not tell the areas apart
(all equal, all zero, or known in fewer than two areas) has ``d_j = 0`` and gets no entropy weight.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["entropy_weights", "combine_weights"]


def entropy_weights(values: pd.DataFrame) -> pd.Series:
    """Entropy weights of the columns of ``values`` (areas × indicators, in [0, 1], NaN = unknown).

    Returns a Series by column summing to 1 (all zeros when no column differentiates the areas).
    """
    x = values.to_numpy(dtype=float)
    known = np.isfinite(x)
    x = np.where(known, np.clip(x, 0.0, None), 0.0)
    m = known.sum(axis=0)
    total = x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, x / total, 0.0)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
        e = np.where((m >= 2) & (total > 0), -plogp.sum(axis=0) / np.log(np.maximum(m, 2)), 1.0)
    d = np.clip(1.0 - e, 0.0, None)
    w = d / d.sum() if d.sum() > 0 else np.zeros_like(d)
    return pd.Series(w, index=values.columns, name="weight")


def combine_weights(subjective: pd.Series, objective: pd.Series, alpha: float) -> pd.Series:
    """``α·subjective + (1 − α)·objective``, renormalised to sum to 1 (α in [0, 1])."""
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], not {alpha}")
    obj = objective.reindex(subjective.index).fillna(0.0)
    if obj.sum() <= 0:
        obj = subjective  # nothing to learn from the data: keep the judgement
    w = float(alpha) * subjective + (1.0 - float(alpha)) * obj
    return (w / w.sum()).rename("weight")
