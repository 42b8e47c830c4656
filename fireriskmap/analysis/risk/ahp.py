"""AHP (层次分析法) weights from Saaty pairwise judgement matrices.

A judgement matrix ``A`` holds ``a_ij`` = how much more important criterion *i* is than *j* on
Saaty's 1–9 scale (1 equal, 3 moderately, 5 strongly, 7 very strongly, 9 extremely; 2, 4, 6, 8 in
between), with ``a_ji = 1 / a_ij`` and ones on the diagonal.

* weights ``w`` = the principal (Perron) eigenvector of ``A``, normalised to sum to 1;
* ``λmax`` = its eigenvalue; consistency index ``CI = (λmax − n) / (n − 1)``;
* consistency ratio ``CR = CI / RI(n)`` with Saaty's random index :data:`RANDOM_INDEX`;
* the matrix is accepted when ``CR < 0.10`` (:data:`CR_LIMIT`); matrices of order 1 and 2 are
  always consistent.

When ``CR`` is too high, :func:`ahp_weights` refuses the matrix with
:class:`~fireriskmap.analysis.risk._errors.InconsistentMatrixError`, naming the judgements that
disagree most with the weights the other judgements imply: for each pair the error ratio
``ε_ij = a_ij · w_j / w_i`` (1 for a perfectly consistent judgement), sorted by ``|ln ε_ij|``
(Saaty's own way to find the judgement to revise), with the Saaty value nearest to ``w_i / w_j`` as
the suggestion.

:func:`ahp_hierarchy` combines a matrix over groups with one matrix per group into global weights.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from fireriskmap.analysis.risk._errors import AHPError, InconsistentMatrixError, LazyText
from fireriskmap.i18n import tr

__all__ = ["RANDOM_INDEX", "CR_LIMIT", "SAATY_VALUES", "AHPResult", "Judgement", "ahp_weights",
           "ahp_hierarchy", "read_matrix", "saaty_text"]

#: Saaty's random consistency index by matrix order (DOMAIN.md §5; Saaty 1980).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
#: A matrix is accepted when its consistency ratio is below this.
CR_LIMIT = 0.10
#: The values of Saaty's scale, 1/9 … 9.
SAATY_VALUES = np.array(sorted({1 / k for k in range(1, 10)} | set(range(1, 10))), dtype=float)
#: Relative tolerance of the reciprocity check (a CSV may hold 1/3 as 0.333).
RECIPROCAL_TOLERANCE = 0.01


def saaty_text(value: float) -> str:
    """A judgement as an office writes it: ``3``, ``1/3``, ``2.5``, ``1/2.5``."""
    if not np.isfinite(value) or value <= 0:
        return str(value)
    if value >= 1:
        return f"{value:.0f}" if abs(value - round(value)) < 1e-6 else f"{value:.2g}"
    inv = 1 / value
    return f"1/{inv:.0f}" if abs(inv - round(inv)) < 1e-6 else f"1/{inv:.2g}"


def approx_text(value: float) -> str:
    """A ratio as a plain decimal: ``0.92``, ``1.1``, ``14``."""
    if not np.isfinite(value):
        return str(value)
    return f"{value:.0f}" if value >= 10 else f"{value:.2g}" if value >= 1 else f"{value:.2f}"


def nearest_saaty(value: float) -> float:
    """The value of Saaty's scale nearest to ``value`` (in ratio, i.e. log, terms)."""
    return float(SAATY_VALUES[np.argmin(np.abs(np.log(SAATY_VALUES) - np.log(value)))])


@dataclass(frozen=True)
class Judgement:
    """One pairwise judgement and how far it is from what the weights imply.

    ``given`` is ``a_ij``; ``implied`` = ``w_i / w_j``; ``ratio`` = ``given / implied``
    (``ε_ij``; 1 when consistent); ``suggested`` the Saaty value nearest to ``implied``.
    """

    i: int
    j: int
    row: str
    col: str
    given: float
    implied: float
    suggested: float

    @property
    def ratio(self) -> float:
        return self.given / self.implied

    @property
    def deviation(self) -> float:
        return abs(float(np.log(self.ratio)))

    def describe(self, lang: str | None = None) -> str:
        return tr("risk.ahp.judgement", lang=lang, row=self.row, col=self.col, given=saaty_text(self.given),
                  implied=approx_text(self.implied), suggested=saaty_text(self.suggested))

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "col": self.col, "given": self.given, "given_text": saaty_text(self.given),
                "implied": round(self.implied, 4), "suggested": self.suggested,
                "suggested_text": saaty_text(self.suggested), "ratio": round(self.ratio, 4)}


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of one judgement matrix (see the module docstring).

    Attributes
    ----------
    weights : ndarray
        Normalised principal eigenvector (sums to 1), in the matrix's order.
    labels : tuple of str
        The criteria (``C1`` … when none were given).
    lambda_max, ci, ri, cr : float
        Principal eigenvalue, consistency index, Saaty's random index, consistency ratio
        (``cr`` is 0 for n ≤ 2).
    matrix : ndarray
        The complete reciprocal matrix used.
    judgements : tuple of Judgement
        Every upper-triangle judgement, most inconsistent first.
    limit : float
        The CR limit the result was checked against.
    """

    weights: np.ndarray
    labels: tuple[str, ...]
    lambda_max: float
    ci: float
    ri: float
    cr: float
    matrix: np.ndarray
    judgements: tuple[Judgement, ...] = ()
    limit: float = CR_LIMIT

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def acceptable(self) -> bool:
        """``CR < limit`` (always true for n ≤ 2)."""
        return self.n <= 2 or self.cr < self.limit

    @property
    def most_inconsistent(self) -> Judgement | None:
        return self.judgements[0] if self.judgements else None

    def series(self) -> pd.Series:
        """Weights by label."""
        return pd.Series(self.weights, index=list(self.labels), name="weight")

    def explain(self, lang: str | None = None, *, worst: int = 2) -> str:
        """One paragraph: accepted, or refused with the most inconsistent judgements."""
        head = tr("risk.ahp.summary", lang=lang, n=self.n, lam=f"{self.lambda_max:.3f}", ci=f"{self.ci:.3f}",
                  cr=f"{self.cr:.3f}", limit=f"{self.limit:.2f}")
        if self.acceptable:
            return head + tr("risk.ahp.accepted", lang=lang)
        parts = [j.describe(lang) for j in self.judgements[:worst]]
        return head + tr("risk.ahp.refused", lang=lang, judgements=tr("risk.sep", lang=lang).join(parts))

    def to_dict(self) -> dict[str, Any]:
        """``{"weights": [...], "lambda_max": x, "ci": x, "cr": x, ...}`` (the ``ahp --json`` output)."""
        return {"weights": [round(float(w), 6) for w in self.weights], "labels": list(self.labels),
                "lambda_max": round(self.lambda_max, 6), "ci": round(self.ci, 6), "ri": self.ri,
                "cr": round(self.cr, 6), "n": self.n, "limit": self.limit, "acceptable": self.acceptable,
                "most_inconsistent": [j.to_dict() for j in self.judgements[:3]]}


# -- the matrix --------------------------------------------------------------------------------

def _parse_cell(value: Any) -> float:
    """A judgement as written in a sheet: number, ``1/3``, ``１／３``; empty → NaN."""
    if value is None:
        return float("nan")
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("／", "/").replace("　", "").translate(
        str.maketrans("０１２３４５６７８９．", "0123456789."))
    if text == "" or text.lower() in ("nan", "-", "—"):
        return float("nan")
    try:
        return float(Fraction(text)) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        raise AHPError("risk.ahp.bad_value", value=str(value)) from None


def _complete(matrix: Any, labels: Sequence[str] | None) -> tuple[np.ndarray, tuple[str, ...]]:
    """Validate a judgement matrix; fill missing cells from their reciprocals (upper triangle only is fine)."""
    if isinstance(matrix, pd.DataFrame):
        if labels is None:
            labels = [str(c) for c in matrix.columns]
        matrix = matrix.to_numpy(dtype=object)
    rows = [list(r) for r in np.asarray(matrix, dtype=object).reshape(len(matrix), -1)] if len(matrix) else []
    n = len(rows)
    if n == 0 or any(len(r) != n for r in rows):
        raise AHPError("risk.ahp.not_square", shape=f"{n}×{len(rows[0]) if rows else 0}")
    a = np.array([[_parse_cell(v) for v in r] for r in rows], dtype=float)
    names = tuple(str(x) for x in labels) if labels is not None else tuple(f"C{i + 1}" for i in range(n))
    if len(names) != n:
        raise AHPError("risk.ahp.labels", n=n, m=len(names))
    if n > max(RANDOM_INDEX):
        raise AHPError("risk.ahp.too_large", n=n, max=max(RANDOM_INDEX))
    np.fill_diagonal(a, np.where(np.isnan(np.diag(a)), 1.0, np.diag(a)))
    missing = np.isnan(a)
    fill = missing & ~missing.T
    a[fill] = 1.0 / a.T[fill]
    if np.isnan(a).any():
        i, j = np.argwhere(np.isnan(a))[0]
        raise AHPError("risk.ahp.missing", row=names[i], col=names[j])
    bad = ~np.isfinite(a) | (a <= 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise AHPError("risk.ahp.not_positive", row=names[i], col=names[j], value=saaty_text(a[i, j]))
    diag = np.abs(np.diag(a) - 1) > 1e-9
    if diag.any():
        i = int(np.argmax(diag))
        raise AHPError("risk.ahp.diagonal", row=names[i], value=saaty_text(a[i, i]))
    off_scale = (a < 1 / 9 * (1 - RECIPROCAL_TOLERANCE)) | (a > 9 * (1 + RECIPROCAL_TOLERANCE))
    if off_scale.any():
        i, j = np.argwhere(off_scale)[0]
        raise AHPError("risk.ahp.off_scale", row=names[i], col=names[j], value=saaty_text(a[i, j]))
    product = a * a.T
    nonrec = np.abs(product - 1) > RECIPROCAL_TOLERANCE
    if nonrec.any():
        i, j = np.argwhere(np.triu(nonrec, 1))[0]
        raise AHPError("risk.ahp.not_reciprocal", row=names[i], col=names[j], a=saaty_text(a[i, j]),
                       b=saaty_text(a[j, i]), expected=saaty_text(1 / a[i, j]))
    return a, names


def _principal(a: np.ndarray) -> tuple[np.ndarray, float]:
    n = len(a)
    if n == 1:
        return np.ones(1), 1.0
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    return w, float(values[k].real)


def ahp_weights(matrix: Any, *, labels: Sequence[str] | None = None, limit: float = CR_LIMIT,
                check: bool = True) -> AHPResult:
    """Weights, λmax, CI and CR of a Saaty pairwise judgement matrix.

    Parameters
    ----------
    matrix : array-like or DataFrame, shape (n, n)
        Judgements ``a_ij`` (numbers or text such as ``"1/3"``). Empty cells (None/NaN) are filled
        from the mirror cell, so the upper triangle alone is enough. A DataFrame gives its column
        names as labels. ``n`` ≤ 10 (Saaty's RI table).
    labels : sequence of str, optional
        Names of the criteria, used in messages.
    limit : float
        CR limit (0.10).
    check : bool
        With ``True`` (default) a matrix with ``CR ≥ limit`` raises
        :class:`InconsistentMatrixError` (its ``result`` holds everything); with ``False`` the
        result comes back and ``result.acceptable`` says it.

    Returns
    -------
    AHPResult

    Raises
    ------
    AHPError
        Not square, a cell missing on both sides, non-positive values, a diagonal other than 1,
        values outside 1/9–9, or a pair that is not reciprocal (``a_ij · a_ji ≠ 1`` by more than 1 %).
    InconsistentMatrixError
        ``check`` and ``CR ≥ limit``; names the most inconsistent judgements.
    """
    a, names = _complete(matrix, labels)
    n = len(a)
    w, lam = _principal(a)
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[n]
    cr = ci / ri if ri > 0 else 0.0
    if abs(ci) < 1e-12:
        ci, cr = 0.0, 0.0
    judgements = []
    for i in range(n):
        for j in range(i + 1, n):
            implied = w[i] / w[j]
            judgements.append(Judgement(i, j, names[i], names[j], float(a[i, j]), float(implied),
                                        nearest_saaty(implied)))
    judgements.sort(key=lambda jd: -jd.deviation)
    result = AHPResult(weights=w, labels=names, lambda_max=lam, ci=float(ci), ri=ri, cr=float(cr), matrix=a,
                       judgements=tuple(judgements), limit=float(limit))
    if check and not result.acceptable:
        worst = result.judgements[0]
        raise InconsistentMatrixError(result=result, cr=f"{result.cr:.3f}", limit=f"{limit:.2f}",
                                      judgement=LazyText(worst.describe))
    return result


@dataclass(frozen=True)
class HierarchyResult:
    """Global weights from a two-level AHP hierarchy (groups, then indicators in each group)."""

    weights: pd.Series  # global, by indicator
    groups: AHPResult
    members: dict[str, AHPResult] = field(default_factory=dict)

    @property
    def cr_total(self) -> float:
        """Saaty's hierarchic consistency ratio: Σ w_g · CI_g / Σ w_g · RI_g (0 when no RI applies)."""
        gw = dict(zip(self.groups.labels, self.groups.weights))
        ci = sum(gw[g] * r.ci for g, r in self.members.items())
        ri = sum(gw[g] * r.ri for g, r in self.members.items())
        return float(ci / ri) if ri > 0 else 0.0


def ahp_hierarchy(groups: Any, members: Mapping[str, Any], *, group_labels: Sequence[str] | None = None,
                  member_labels: Mapping[str, Sequence[str]] | None = None, limit: float = CR_LIMIT,
                  check: bool = True) -> HierarchyResult:
    """Global weights = group weight × local weight, each level from its own judgement matrix.

    ``groups`` is the matrix over the groups (labels from ``group_labels`` or DataFrame columns);
    ``members`` maps a group label to the matrix over its indicators. Every matrix is checked as in
    :func:`ahp_weights`.
    """
    top = ahp_weights(groups, labels=group_labels, limit=limit, check=check)
    out: dict[str, float] = {}
    results: dict[str, AHPResult] = {}
    for g, gw in zip(top.labels, top.weights):
        if g not in members:
            raise AHPError("risk.ahp.no_group_matrix", group=g)
        res = ahp_weights(members[g], labels=(member_labels or {}).get(g), limit=limit, check=check)
        results[g] = res
        for label, lw in zip(res.labels, res.weights):
            out[label] = out.get(label, 0.0) + float(gw * lw)
    return HierarchyResult(weights=pd.Series(out, name="weight"), groups=top, members=results)


# -- CSV -----------------------------------------------------------------------------------------

def read_matrix(path: str | Path) -> tuple[list[list[Any]], list[str] | None]:
    """Read a judgement matrix from CSV (UTF-8 or GBK, comma/semicolon/tab).

    An optional header row and first column of labels are recognised (a first cell that is not a
    number); cells may hold ``1/3``. Returns ``(rows, labels)`` for :func:`ahp_weights`.
    """
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise AHPError("risk.ahp.unreadable", file=str(path))
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error:
        rows = list(csv.reader(io.StringIO(text)))
    rows = [[c.strip() for c in r] for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise AHPError("risk.ahp.empty", file=str(path))

    def numeric(cell: str) -> bool:
        try:
            _parse_cell(cell)
            return cell != ""
        except AHPError:
            return False

    def is_label(cell: str) -> bool:
        return cell != "" and not numeric(cell)

    header: list[str] | None = None
    if any(is_label(c) for c in rows[0][1:]) or (len(rows) > 1 and is_label(rows[0][0]) and not is_label(rows[1][0])):
        header, rows = rows[0], rows[1:]
    side: list[str] | None = None
    if rows and all(is_label(r[0]) for r in rows):
        side = [r[0] for r in rows]
        rows = [r[1:] for r in rows]
    labels = side
    if header is not None:
        cells = header[1:] if len(header) == len(rows) + 1 else header
        if len(cells) == len(rows) and labels is None:
            labels = cells
    return rows, labels
