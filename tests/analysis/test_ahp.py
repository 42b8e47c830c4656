"""AHP weights: published worked examples, hand-checked matrices, refusals, CSV input, hierarchy, entropy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fireriskmap import i18n
from fireriskmap.analysis.risk import (AHPError, InconsistentMatrixError, ahp_hierarchy, ahp_weights, combine_weights,
                                       entropy_weights, read_matrix)


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setattr(i18n, "_current", None)
    monkeypatch.delenv("FIRERISKMAP_LANG", raising=False)


# -- published worked examples -------------------------------------------------------------------

HOUSE_LABELS = ["size", "transportation", "neighbourhood", "age", "yard", "facilities", "condition", "financing"]
HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]


def test_saaty_1990_house_example():
    """Saaty, T. L. (1990). How to make a decision: The Analytic Hierarchy Process. *European Journal
    of Operational Research* 48, 9–26 — the house-buying example, Table 2 (eight criteria: size of
    house, transportation, neighbourhood, age of house, yard space, modern facilities, general
    condition, financing). Printed: priority vector .173 .054 .188 .018 .031 .036 .167 .333;
    λmax = 9.669, C.I. = 0.238, C.R. = 0.169.

    With CR = 0.169 ≥ 0.10 the software refuses this matrix (as Saaty's own rule says it should be
    revised), so the figures are reproduced with ``check=False`` and the refusal is checked too.
    """
    r = ahp_weights(HOUSE, labels=HOUSE_LABELS, check=False)
    assert np.round(r.weights, 3).tolist() == [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    assert round(r.lambda_max, 3) == 9.669
    assert round(r.ci, 3) == 0.238
    assert round(r.cr, 3) == 0.169
    assert r.ri == 1.41 and not r.acceptable
    # the refusal names the judgement that disagrees most: neighbourhood over general condition = 6
    with pytest.raises(InconsistentMatrixError) as info:
        ahp_weights(HOUSE, labels=HOUSE_LABELS)
    worst = info.value.result.most_inconsistent
    assert (worst.row, worst.col, worst.given, worst.suggested) == ("neighbourhood", "condition", 6.0, 1.0)
    text_en = info.value.message("en")
    assert "0.169" in text_en and "'neighbourhood' over 'condition' was given 6" in text_en
    assert "“neighbourhood”相对“condition”给了 6" in info.value.message("zh_CN")


DRINKS = [  # coffee, wine, tea, beer, sodas, milk, water
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]


def test_saaty_2008_drink_consumption_example():
    """Saaty, T. L. (2008). Decision making with the analytic hierarchy process. *Int. J. Services
    Sciences* 1(1), 83–98 — "Which drink is consumed more in the U.S.?" (Table 2). Printed: derived
    scale coffee .177, wine .019, tea .042, beer .116, sodas .190, milk .129, water .327, with a
    consistency ratio of .022.

    That table prints the weights and CR but, as far as I recall, not λmax; λmax = 7.177 is checked
    here against the printed CR by hand: CR·RI·(n − 1) + n = 0.022 × 1.32 × 6 + 7 = 7.174, equal to
    the computed 7.177 within the rounding of the printed CR.
    """
    r = ahp_weights(DRINKS, labels=["coffee", "wine", "tea", "beer", "sodas", "milk", "water"])
    assert np.round(r.weights, 3).tolist() == [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    assert round(r.cr, 3) == 0.022 and r.acceptable
    assert round(r.lambda_max, 3) == 7.177
    assert abs(0.022 * 1.32 * 6 + 7 - r.lambda_max) < 0.01


# -- matrices checked by hand --------------------------------------------------------------------

def test_consistent_matrix_gives_the_generating_weights():
    """a_ij = w_i / w_j is perfectly consistent: the eigenvector is w, λmax = n, CI = CR = 0 (by hand)."""
    w = np.array([0.5, 0.3, 0.2])
    r = ahp_weights(w[:, None] / w[None, :])
    assert np.allclose(r.weights, w) and abs(r.lambda_max - 3) < 1e-9 and r.ci == 0 and r.cr == 0
    # 姜启源《数学模型》旅游地选择, the "居住" matrix: rows 1 and 2 equal, 3 times row 3 → 3/7, 3/7, 1/7
    r = ahp_weights([[1, 1, 3], [1, 1, 3], [1 / 3, 1 / 3, 1]])
    assert np.allclose(r.weights, [3 / 7, 3 / 7, 1 / 7]) and abs(r.lambda_max - 3) < 1e-9
    assert np.round(r.weights, 3).tolist() == [0.429, 0.429, 0.143]


def test_two_by_two_and_one_by_one():
    r = ahp_weights([[1, 3], [1 / 3, 1]])  # w1 / w2 = 3 → 0.75, 0.25; order 2 is always consistent
    assert np.allclose(r.weights, [0.75, 0.25]) and r.cr == 0 and r.acceptable
    assert ahp_weights([[1]]).weights.tolist() == [1.0]


def test_upper_triangle_and_fractions_as_text():
    r = ahp_weights([["1", "3", "5"], [None, "1", "2"], [None, None, "1"]], labels=["甲", "乙", "丙"])
    full = ahp_weights([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])
    assert np.allclose(r.weights, full.weights)
    assert ahp_weights([[1, "1/3"], ["３", 1]]).weights[1] == pytest.approx(0.75)
    assert r.series().index.tolist() == ["甲", "乙", "丙"]


def test_non_reciprocal_matrix_is_refused():
    with pytest.raises(AHPError) as info:
        ahp_weights([[1, 3, 5], [3, 1, 2], [1 / 5, 1 / 2, 1]], labels=["水源", "道路", "人口"])
    assert not isinstance(info.value, InconsistentMatrixError)
    assert isinstance(info.value, ValueError)
    assert "判断矩阵不互反" in info.value.message("zh_CN") and "“水源”对“道路”为 3" in info.value.message("zh_CN")
    assert "should be 1/3, not 3" in info.value.message("en")


@pytest.mark.parametrize("matrix, key", [
    ([[1, 12], [1 / 12, 1]], "risk.ahp.off_scale"),
    ([[2, 3], [1 / 3, 1]], "risk.ahp.diagonal"),
    ([[1, -3], [-1 / 3, 1]], "risk.ahp.not_positive"),
    ([[1, 3, 5], [1 / 3, 1]], "risk.ahp.not_square"),
    ([[1, None], [None, 1]], "risk.ahp.missing"),
    ([[1, "abc"], [1, 1]], "risk.ahp.bad_value"),
    (np.ones((11, 11)), "risk.ahp.too_large"),
])
def test_bad_matrices_are_refused_with_a_reason(matrix, key):
    with pytest.raises(AHPError) as info:
        ahp_weights(matrix)
    assert info.value.key == key
    assert info.value.message("en") != key  # a real sentence


def test_cr_limit_is_strict_and_checks_can_be_deferred():
    light = [[1, 5, 6, 7], [1 / 5, 1, 4, 6], [1 / 6, 1 / 4, 1, 4], [1 / 7, 1 / 6, 1 / 4, 1]]
    r = ahp_weights(light, check=False)
    assert round(r.cr, 3) == 0.145 and not r.acceptable
    assert "CR = 0.145" in r.explain("en") and "not acceptable" in r.explain("en")
    assert ahp_weights(light, limit=0.2).acceptable  # the limit is a setting


def test_read_matrix_csv_variants(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(",水源,道路,人口\n水源,1,3,5\n道路,1/3,1,2\n人口,1/5,1/2,1\n", encoding="gbk")
    rows, labels = read_matrix(a)
    assert labels == ["水源", "道路", "人口"] and rows[1] == ["1/3", "1", "2"]
    b = tmp_path / "b.csv"
    b.write_text("1;3\n1/3;1\n", encoding="utf-8")
    rows, labels = read_matrix(b)
    assert labels is None and ahp_weights(rows).weights[0] == pytest.approx(0.75)
    c = tmp_path / "c.csv"
    c.write_text("\ufeffA,B\n1,2\n0.5,1\n", encoding="utf-8")
    rows, labels = read_matrix(c)
    assert labels == ["A", "B"] and len(rows) == 2


def test_hierarchy_multiplies_group_and_local_weights():
    res = ahp_hierarchy([[1, 3], [1 / 3, 1]], {"g1": [[1, 1], [1, 1]], "g2": [[1]]},
                        group_labels=["g1", "g2"], member_labels={"g1": ["a", "b"], "g2": ["c"]})
    assert res.weights.to_dict() == pytest.approx({"a": 0.375, "b": 0.375, "c": 0.25})
    assert res.cr_total == 0.0


def test_entropy_weights_by_hand():
    # column x: one area 1, two 0 → p = (1, 0, 0), e = 0, d = 1; column y: all equal → e = 1, d = 0
    v = pd.DataFrame({"x": [1.0, 0.0, 0.0], "y": [0.5, 0.5, 0.5]})
    assert entropy_weights(v).to_dict() == pytest.approx({"x": 1.0, "y": 0.0})
    # two columns of two areas: x = (1, 1) → e = 1; z = (1, 0) → e = 0 → all the weight on z
    v = pd.DataFrame({"x": [1.0, 1.0], "z": [1.0, 0.0], "u": [np.nan, 0.3]})  # u known once: no information
    assert entropy_weights(v).to_dict() == pytest.approx({"x": 0.0, "z": 1.0, "u": 0.0})
    # p = (0.25, 0.75): e = −(0.25 ln 0.25 + 0.75 ln 0.75) / ln 2 = 0.8113, d = 0.1887 for both columns
    v = pd.DataFrame({"a": [1.0, 3.0], "b": [0.3, 0.9]})
    assert entropy_weights(v).to_dict() == pytest.approx({"a": 0.5, "b": 0.5})
    combined = combine_weights(pd.Series({"a": 0.8, "b": 0.2}), pd.Series({"a": 0.2, "b": 0.8}), 0.25)
    assert combined.to_dict() == pytest.approx({"a": 0.35, "b": 0.65})
