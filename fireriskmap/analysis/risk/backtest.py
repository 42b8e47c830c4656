"""Back-test: do past fires fall in the areas the model ranks first?

Areas are ordered by score (highest first; unknown scores last). The **hit-rate curve** gives, for
the top *k* of *m* areas (x = k/m), the share of the incidents that fell in them (y); the **AUC** is
the area under that curve from (0, 0) to (1, 1) by the trapezoid rule — 0.5 for a ranking no better
than chance, 1 when every fire is in the first area. The **baseline** orders the areas by people at
night only; a model with a lower AUC than the baseline gets a warning.

By default the ``incidents`` indicator (past fires) is left out of the scores used here (its weight
shared among the others), so the model is not tested on what it was told. Only incidents dated on or
before the as-of date count (undated ones count too); incidents in no area are reported apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fireriskmap.analysis.risk.indicators import _dates

__all__ = ["BacktestResult", "backtest", "hit_curve"]

HIT_POINTS = (0.1, 0.2, 0.25, 0.5)


def hit_curve(order_values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(x, y, auc) for areas ordered by ``order_values`` descending (NaN last) holding ``counts`` incidents."""
    v = np.asarray(order_values, dtype=float)
    c = np.asarray(counts, dtype=float)
    m = len(v)
    key = np.where(np.isfinite(v), -v, np.inf)
    order = np.argsort(key, kind="stable")
    total = c.sum()
    x = np.concatenate([[0.0], np.arange(1, m + 1) / m]) if m else np.array([0.0])
    y = np.concatenate([[0.0], np.cumsum(c[order]) / total]) if m and total > 0 else np.zeros(len(x))
    auc = float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x))) if m else 0.0
    return x, y, auc


@dataclass(frozen=True)
class BacktestResult:
    curve: pd.DataFrame        # share_areas, hit_rate, baseline_hit_rate
    auc: float
    baseline_auc: float
    incidents: int             # incidents located in an area
    outside: int               # incidents in no area
    excluded: tuple[str, ...]  # indicators left out of the scores
    hits: dict[float, float]   # share of incidents in the top x of areas
    baseline_hits: dict[float, float]

    @property
    def worse_than_baseline(self) -> bool:
        return self.incidents > 0 and self.auc < self.baseline_auc - 1e-9

    def to_dict(self) -> dict[str, Any]:
        return {"auc": round(self.auc, 4), "baseline_auc": round(self.baseline_auc, 4), "incidents": self.incidents,
                "outside": self.outside, "excluded": list(self.excluded),
                "hit_rate": {f"top_{int(round(k * 100))}pct": round(v, 4) for k, v in self.hits.items()},
                "baseline_hit_rate": {f"top_{int(round(k * 100))}pct": round(v, 4) for k, v in self.baseline_hits.items()},
                "worse_than_baseline": self.worse_than_baseline}


def backtest(result, incidents=None, *, exclude: tuple[str, ...] | None = None) -> BacktestResult | None:
    """Hit-rate curve and AUC of ``result``'s ranking against ``incidents`` (default: the project's).

    Returns None when there are no incidents to test against.
    """
    from fireriskmap.analysis.risk.score import compose

    inc = result.incidents if incidents is None else incidents
    if inc is None or not len(inc):
        return None
    if "date" in inc.columns:
        d = _dates(inc["date"])
        inc = inc[np.isnat(d) | (d <= np.datetime64(result.as_of, "D"))]
    pos = result.units.locate(inc.geometry.values)
    inside = pos >= 0
    counts = np.bincount(pos[inside], minlength=result.units.n).astype(float)[: result.units.n]
    keys = result.indicator_keys
    excluded = tuple(k for k in (("incidents",) if exclude is None else exclude) if k in keys)
    if excluded:
        w = result.weights.reindex(keys).copy()
        w[list(excluded)] = 0.0
        if w.sum() <= 0:
            return None
        w = w / w.sum()
        scores, _, _ = compose(result.normalised[keys].to_numpy(dtype=float), w.to_numpy(dtype=float))
    else:
        scores = result.areas["score"].to_numpy(dtype=float)
    x, y, auc = hit_curve(scores, counts)
    _, yb, auc_b = hit_curve(np.asarray(result.population, dtype=float), counts)
    curve = pd.DataFrame({"share_areas": x, "hit_rate": y, "baseline_hit_rate": yb})
    hits = {p: float(np.interp(p, x, y)) for p in HIT_POINTS}
    bhits = {p: float(np.interp(p, x, yb)) for p in HIT_POINTS}
    return BacktestResult(curve=curve, auc=auc, baseline_auc=auc_b, incidents=int(inside.sum()),
                          outside=int((~inside).sum()), excluded=excluded, hits=hits, baseline_hits=bhits)
