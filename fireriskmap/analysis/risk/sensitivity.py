"""How stable the ranking is when the weights move: which priorities are robust.

Scenarios: each indicator's weight raised and lowered by ``change`` (±20 %) in turn, the others
scaled so the weights still sum to one (2 × indicators scenarios); with ``samples > 0`` also that many
random draws where every weight is multiplied by a factor uniform in [1 − change, 1 + change]
(seeded). The areas ranked in the base run stay the set that is ranked (their completeness does not
depend on the weights). Per area: the best and worst rank over the scenarios and the share of
scenarios in which it stays in the top ``top``; overall: Spearman's rank correlation between the base
scores and each scenario's (min and mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SensitivityResult", "sensitivity", "spearman"]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's ρ: Pearson correlation of the (average) ranks; 1.0 when either side is constant."""
    ra = pd.Series(a).rank(method="average").to_numpy()
    rb = pd.Series(b).rank(method="average").to_numpy()
    if len(ra) < 2 or ra.std() == 0 or rb.std() == 0:
        return 1.0
    return float(np.corrcoef(ra, rb)[0, 1])


@dataclass(frozen=True)
class SensitivityResult:
    """Per area (``areas``: unit_id, name, rank, rank_min, rank_max, rank_range, top_share, robust) and
    per scenario (``scenarios``: indicator, change, spearman, top_overlap); headline figures."""

    areas: pd.DataFrame
    scenarios: pd.DataFrame
    change: float
    top: int

    @property
    def spearman_min(self) -> float:
        return float(self.scenarios["spearman"].min()) if len(self.scenarios) else 1.0

    @property
    def spearman_mean(self) -> float:
        return float(self.scenarios["spearman"].mean()) if len(self.scenarios) else 1.0

    def robust_top(self) -> list[str]:
        """unit_ids that stay in the top ``top`` in every scenario."""
        a = self.areas
        return a.loc[a["robust"], "unit_id"].tolist()

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "top": self.top, "scenarios": int(len(self.scenarios)),
                "spearman_min": round(self.spearman_min, 4), "spearman_mean": round(self.spearman_mean, 4),
                "robust_top": self.robust_top(),
                "max_rank_range": int(self.areas["rank_range"].max()) if len(self.areas) else 0}


def _scenario_weights(w: np.ndarray, keys: list[str], change: float, samples: int, seed: int):
    rows, labels = [], []
    for j, k in enumerate(keys):
        if w[j] <= 0:
            continue
        for sign in (+1, -1):
            v = w.copy()
            v[j] *= 1 + sign * change
            rows.append(v / v.sum())
            labels.append((k, sign * change))
    if samples > 0:
        rng = np.random.default_rng(seed)
        f = rng.uniform(1 - change, 1 + change, size=(samples, len(w)))
        v = w[None, :] * f
        v = v / v.sum(axis=1, keepdims=True)
        rows.extend(v)
        labels.extend(("(random)", float("nan")) for _ in range(samples))
    return np.array(rows).reshape(-1, len(w)), labels


def sensitivity(result, *, change: float = 0.2, samples: int = 0, seed: int = 0, top: int = 10) -> SensitivityResult:
    """Rank ranges and Spearman correlations of ``result`` (a RiskResult) under weight changes."""
    from fireriskmap.analysis.risk.score import compose

    if not 0 < change < 1:
        raise ValueError(f"change must be between 0 and 1, not {change}")
    keys = result.indicator_keys
    w = result.weights.reindex(keys).to_numpy(dtype=float)
    n = result.normalised[keys].to_numpy(dtype=float)
    areas = result.areas
    base_rank = areas["rank"].fillna(0).to_numpy(dtype=np.int64)
    ranked = base_rank > 0
    base_score = areas["score"].to_numpy(dtype=float)
    W, labels = _scenario_weights(w, keys, change, samples, seed)
    scores, _, _ = compose(n[ranked], W) if len(W) else (np.empty((0, ranked.sum())), None, None)
    ranks = (pd.DataFrame(scores.T).rank(ascending=False, method="min").to_numpy(dtype=np.int64).T
             if len(W) else np.empty((0, ranked.sum()), dtype=np.int64))
    top = int(top)
    base_r = base_rank[ranked]
    in_top_base = base_r <= top
    rows = []
    for s in range(len(W)):
        rho = spearman(base_score[ranked], scores[s])
        overlap = (np.sum((ranks[s] <= top) & in_top_base) / max(1, in_top_base.sum()))
        rows.append({"indicator": labels[s][0], "change": labels[s][1], "spearman": rho, "top_overlap": overlap})
    scen = pd.DataFrame(rows, columns=["indicator", "change", "spearman", "top_overlap"])
    all_ranks = np.vstack([base_r[None, :], ranks]) if len(W) else base_r[None, :]
    table = pd.DataFrame({
        "unit_id": areas["unit_id"].to_numpy()[ranked], "name": areas["name"].to_numpy()[ranked], "rank": base_r,
        "rank_min": all_ranks.min(axis=0), "rank_max": all_ranks.max(axis=0),
    })
    table["rank_range"] = table["rank_max"] - table["rank_min"]
    table["top_share"] = (all_ranks <= top).mean(axis=0)
    table["robust"] = table["rank_max"] <= top
    table = table.sort_values(["rank", "unit_id"], kind="stable").reset_index(drop=True)
    return SensitivityResult(areas=table, scenarios=scen, change=float(change), top=top)
