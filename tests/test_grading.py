"""Tests for evalsys.scoring.grading."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from evalsys.errors import DataError, ShapeError, ValidityWarning
from evalsys.scoring.fce import fce
from evalsys.scoring.grading import (
    DEFAULT_VALIDITY_THRESHOLD,
    MaxMembershipResult,
    check_validity,
    max_membership,
    percentiles,
    ranks,
    weighted_grade_score,
)
from evalsys.scoring.membership import standard_membership

B1 = [0.2, 0.3, 0.4, 0.1]  # clothing example, M(∧,∨), weights A1 (reference README FCE 1)
B2 = [0.35, 0.4, 0.2, 0.1]  # same, weights A2


def alpha(b: list[float]) -> float:
    """Validity index α = (nβ − 1) / (2γ(n − 1)) computed by hand (刘合香 2012)."""
    n, s = len(b), sum(b)
    top = sorted(b, reverse=True)
    beta, gamma = top[0] / s, top[1] / s
    return (n * beta - 1) / (2 * gamma * (n - 1))


# --------------------------------------------------------------------------- max membership


def test_max_membership_clothing_grades() -> None:
    """Clothing example (reference README FCE 1): grade 3 for A1, grade 2 for A2 (1-based);
    validity by hand: B1 β = 0.4, γ = 0.3 → α = 0.6/1.8 = 1/3; B2 α = 0.52381/2 ≈ 0.2619."""
    res = max_membership([B1, B2])
    assert isinstance(res, MaxMembershipResult) and res.method == "max_membership"
    assert (res.grade + 1).tolist() == [3, 2]
    np.testing.assert_allclose(res.validity, [1 / 3, alpha(B2)], rtol=1e-14)
    assert res.validity[1] == pytest.approx(0.261904761904762)
    g, a = max_membership(B1)  # single vector unpacks to 0-d results
    assert (int(g), float(a)) == (2, pytest.approx(1 / 3))


def test_validity_extremes_and_ties() -> None:
    """α = +inf for one non-zero grade, 0 for a uniform B; ties go to the better grade; an
    all-zero B has no grade (-1) and NaN validity."""
    res = max_membership([[0, 0.7, 0, 0], [0.25] * 4, [0.1, 0.4, 0.4, 0.1], [0, 0, 0, 0]])
    assert res.grade.tolist() == [1, 0, 1, -1]
    assert res.validity[0] == np.inf
    assert res.validity[1] == 0.0
    assert res.validity[2] == pytest.approx(alpha([0.1, 0.4, 0.4, 0.1]))
    assert res.validity[2] < 0.5  # a tie always reads as low validity
    assert np.isnan(res.validity[3])


def test_max_membership_errors() -> None:
    with pytest.raises(ShapeError, match="at least 2 grades"):
        max_membership([[1.0]])
    with pytest.raises(DataError, match=r"non-negative.*rows 1"):
        max_membership([[0.5, 0.5], [-0.1, 1.1]])
    with pytest.raises(ShapeError, match=r"\(G,\) or \(E, G\)"):
        max_membership(np.ones((2, 2, 2)))


def test_check_validity_warns_with_rows() -> None:
    assert DEFAULT_VALIDITY_THRESHOLD == 0.5
    res = max_membership([B1, [0, 1, 0, 0], B2])
    with pytest.warns(ValidityWarning, match=r"2 maximum-membership grade\(s\).*rows 0, 2"):
        low = check_validity(res.validity)
    assert low.tolist() == [True, False, True]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not check_validity([np.inf, 1.0, 0.5]).any()
    with pytest.warns(ValidityWarning):
        assert check_validity([np.nan]).tolist() == [True]


# --------------------------------------------------------------------------- weighted score


def test_weighted_grade_score_hand_values() -> None:
    """Σ b_j^k s_j / Σ b_j^k: B1 with scores (4, 3, 2, 1) → 2.6 (k = 1);
    k = 2 → (0.16 + 0.27 + 0.32 + 0.01) / 0.30 = 2.5333…"""
    s = [4.0, 3.0, 2.0, 1.0]
    assert float(weighted_grade_score(B1, s)) == pytest.approx(2.6)
    assert float(weighted_grade_score(B1, s, k=2)) == pytest.approx(0.76 / 0.30)
    got = weighted_grade_score([B1, B2, [0, 0, 0, 0]], s)
    assert got[1] == pytest.approx((0.35 * 4 + 0.4 * 3 + 0.2 * 2 + 0.1) / 1.05)
    assert np.isnan(got[2])


def test_weighted_grade_score_errors() -> None:
    with pytest.raises(ShapeError, match=r"grade_scores must have shape \(4,\)"):
        weighted_grade_score(B1, [1, 2, 3])
    with pytest.raises(DataError, match="k must be positive"):
        weighted_grade_score(B1, [4, 3, 2, 1], k=0)


# --------------------------------------------------------------------------- ranks


def test_ranks_methods_and_direction() -> None:
    s = [0.3, 0.9, 0.3, 0.1]
    assert ranks(s).tolist() == [2, 1, 2, 4]
    assert ranks(s, method="dense").tolist() == [2, 1, 2, 3]
    assert ranks(s, method="ordinal").tolist() == [2, 1, 3, 4]
    assert ranks(s, descending=False).tolist() == [2, 4, 2, 1]
    assert ranks([]).tolist() == []


def test_ranks_nan_last_and_signed_zero() -> None:
    assert ranks([np.nan, 1.0, np.nan, 2.0]).tolist() == [3, 2, 3, 1]
    assert ranks([np.nan, 1.0, 2.0], descending=False).tolist() == [3, 1, 2]
    assert ranks([0.0, -0.0, 1.0]).tolist() == [2, 2, 1]


def test_ranks_errors() -> None:
    with pytest.raises(DataError, match="unknown rank method 'average'"):
        ranks([1.0], method="average")  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match="1-D"):
        ranks([[1.0]])


def test_percentiles() -> None:
    assert percentiles([10.0, 20.0, 20.0, 40.0]).tolist() == [25.0, 75.0, 75.0, 100.0]
    p = percentiles([np.nan, 1.0, 2.0])
    assert np.isnan(p[0]) and p[1:].tolist() == [50.0, 100.0]


# --------------------------------------------------------------------------- properties

scores = hnp.arrays(
    np.float64, st.integers(1, 30), elements=st.sampled_from([0.0, 0.5, 1.0, 2.5, -3.0, 7.0])
)


@settings(max_examples=50, deadline=None)
@given(scores)
def test_property_ranks_match_scipy_rankdata(x: np.ndarray) -> None:
    """Cross-check against scipy.stats.rankdata on data with many ties."""
    for method in ("min", "dense", "ordinal"):
        np.testing.assert_array_equal(
            ranks(x, descending=False, method=method), stats.rankdata(x, method=method)
        )
        np.testing.assert_array_equal(
            ranks(x, descending=True, method=method), stats.rankdata(-x, method=method)
        )


@settings(max_examples=50, deadline=None)
@given(scores)
def test_property_percentiles_match_scipy_weak(x: np.ndarray) -> None:
    expected = [stats.percentileofscore(x, v, kind="weak") for v in x]
    np.testing.assert_allclose(percentiles(x), expected)


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(np.float64, (4, 3), elements=st.floats(0, 100)),
    st.integers(0, 2),
    st.floats(0, 50),
    hnp.arrays(np.float64, 3, elements=st.floats(0.01, 1)),
)
def test_property_improving_benefit_never_lowers_score(
    X: np.ndarray, col: int, d: float, w: np.ndarray
) -> None:
    """Standard memberships → M(·,+) → weighted grade score (k = 1, scores decreasing from
    the best grade): raising one benefit value of an entity never lowers its score."""
    pts = np.tile([90.0, 70.0, 50.0, 30.0, 10.0], (3, 1))  # benefit: best grade highest
    grade_scores = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    w = w / w.sum()
    X2 = X.copy()
    X2[:, col] += d
    s0 = weighted_grade_score(fce(w, standard_membership(X, pts)), grade_scores)
    s1 = weighted_grade_score(fce(w, standard_membership(X2, pts)), grade_scores)
    assert (s1 >= s0 - 1e-12).all()


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 8), st.integers(2, 6)), elements=st.floats(0, 1)
    )
)
def test_property_grading_is_per_entity(B: np.ndarray) -> None:
    """Permuting the entities permutes grades, validity and scores (no cross-row effects)."""
    perm = np.arange(B.shape[0])[::-1]
    g, a = max_membership(B)
    gp, ap = max_membership(B[perm])
    np.testing.assert_array_equal(gp, g[perm])
    np.testing.assert_array_equal(ap, a[perm])
    s = np.arange(B.shape[1], 0, -1, dtype=float)
    np.testing.assert_array_equal(
        weighted_grade_score(B[perm], s), weighted_grade_score(B, s)[perm]
    )
