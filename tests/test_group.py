"""Tests of evalsys.weights.group: AIJ / AIP aggregation, CR screening and agreement measures."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from evalsys.errors import DataError, MatrixError, ShapeError, UnknownMethodError
from evalsys.weights import ahp, consistency
from evalsys.weights.group import (
    AGGREGATIONS,
    SAATY_COMPATIBILITY_THRESHOLD,
    gcompi,
    group_priorities,
    kendall_w,
    saaty_compatibility,
)

# Saaty (2004), choosing a city, criteria level: README reference case AHP 1
# (eigenvector 0.152, 0.433, 0.072, 0.305, 0.038; CR 0.0503 with RI 1.12;
# row geometric mean 0.1526, 0.4228, 0.0723, 0.3147, 0.0376).
CITY = [
    [1, 1 / 5, 3, 1 / 2, 5],
    [5, 1, 7, 1, 7],
    [1 / 3, 1 / 7, 1, 1 / 4, 3],
    [2, 1, 4, 1, 7],
    [1 / 5, 1 / 7, 1 / 3, 1 / 7, 1],
]


def _consistent(v: list[float]) -> np.ndarray:
    x = np.asarray(v, dtype=float)
    return x[:, None] / x[None, :]


def _perturbed_city() -> np.ndarray:
    """The city matrix with one judgment reversed (culture vs transportation 1/9): CR ≈ 0.50."""
    a = np.array(CITY, dtype=float)
    a[0, 4], a[4, 0] = 1 / 9, 9.0
    return a


# ----------------------------------------------------------------------------- references


def test_identical_experts_reproduce_the_single_matrix_reference() -> None:
    """Saaty (2004) city example (README AHP 1): a group of identical experts must give the
    published single-matrix priorities for every aggregation (eigenvector 3 decimals; RGM
    4 decimals) and the published CR 0.0503."""
    stack = [CITY, CITY, CITY]
    for agg in AGGREGATIONS.names():
        r = group_priorities(stack, aggregation=agg, method="eigenvector")
        np.testing.assert_allclose(r.weights, [0.152, 0.433, 0.072, 0.305, 0.038], atol=5e-4)
        np.testing.assert_allclose(r.expert_cr, 0.0503, atol=5e-5)
        assert r.kendall_w == pytest.approx(1.0, abs=1e-15)
        np.testing.assert_allclose(r.used_weights, [1 / 3] * 3)
    r = group_priorities(stack, aggregation="aij", method="geometric_mean")
    np.testing.assert_allclose(r.weights, [0.1526, 0.4228, 0.0723, 0.3147, 0.0376], atol=5e-5)
    assert r.group_cr is not None
    assert r.aggregated_matrix is not None
    np.testing.assert_allclose(r.aggregated_matrix, CITY, rtol=1e-12)


def test_aij_hand_computed_two_experts() -> None:
    """Hand computation: experts say 3 and 5 -> geometric mean sqrt(15) = 3.873; weights
    sqrt(15)/(1+sqrt(15)) and 1/(1+sqrt(15))."""
    experts = [[[1, 3], ["1/3", 1]], [[1, 5], ["1/5", 1]]]
    r = group_priorities(experts, aggregation="aij", method="geometric_mean")
    g = math.sqrt(15.0)
    assert r.aggregated_matrix is not None
    np.testing.assert_allclose(r.aggregated_matrix, [[1, g], [1 / g, 1]], rtol=1e-14)
    np.testing.assert_allclose(r.weights, [g / (1 + g), 1 / (1 + g)], rtol=1e-14)
    assert r.group_cr == 0.0
    assert r.gcompi is None  # undefined for n < 3


def test_weighted_aij_hand_computed() -> None:
    """Expert weights 3:1 -> a_12 = 3^0.75 * 5^0.25."""
    experts = [[[1, 3], ["1/3", 1]], [[1, 5], ["1/5", 1]]]
    r = group_priorities(experts, expert_weights=[3, 1], method="geometric_mean")
    a12 = 3**0.75 * 5**0.25
    np.testing.assert_allclose(r.expert_weights, [0.75, 0.25])
    np.testing.assert_allclose(r.weights, [a12 / (1 + a12), 1 / (1 + a12)], rtol=1e-14)


def test_aip_arithmetic_is_weighted_mean_of_priorities() -> None:
    stack = np.stack([np.array(CITY), _perturbed_city(), _consistent([4, 3, 2, 1, 1])])
    lam = [0.5, 0.2, 0.3]
    r = group_priorities(stack, lam, aggregation="aip_arithmetic")
    np.testing.assert_allclose(r.weights, np.asarray(lam) @ r.expert_priorities, rtol=1e-13)
    assert r.aggregated_matrix is None and r.group_cr is None
    assert r.aggregation == "aip_arithmetic"


def test_consistent_experts_are_perfectly_compatible() -> None:
    """For a consistent matrix a_ij = v_i / v_j every method returns v, GCOMPI = 0, S = 1."""
    v = [0.4, 0.3, 0.2, 0.1]
    r = group_priorities([_consistent(v)] * 2, method="arithmetic_mean")
    np.testing.assert_allclose(r.weights, v, rtol=1e-12)
    assert r.gcompi is not None
    np.testing.assert_allclose(r.gcompi, 0.0, atol=1e-25)
    np.testing.assert_allclose(r.saaty_compatibility, 1.0, rtol=1e-14)
    assert r.compatible.all()


def test_gcompi_equals_gci_for_own_rgm() -> None:
    """GCOMPI(A, w_RGM(A)) = GCI(A): cross-check against evalsys.weights.consistency.gci."""
    a = np.array(CITY, dtype=float)
    w = ahp.geometric_mean(a)
    val = gcompi(a, w)
    assert val is not None
    assert float(val) == pytest.approx(float(consistency.gci(a)), rel=1e-12)
    b = _perturbed_city()
    r = group_priorities([a, b], aggregation="aip_geometric", method="geometric_mean")
    assert r.gcompi is not None
    # plain-Python GCOMPI of expert 1 to the group vector
    n = 5
    s = sum(
        math.log(b[i][j] * r.weights[j] / r.weights[i]) ** 2 for i in range(n) for j in range(n)
    )
    assert r.gcompi[1] == pytest.approx(s / ((n - 1) * (n - 2)), rel=1e-12)


def test_saaty_compatibility_hand_computed() -> None:
    """S = (1/n^2) Σ a_ij w_j / w_i, by hand for a 3 x 3 matrix and a given vector."""
    a = np.array([[1, 2, 4], [1 / 2, 1, 3], [1 / 4, 1 / 3, 1]])
    w = np.array([0.5, 0.3, 0.2])
    s = sum(a[i, j] * w[j] / w[i] for i in range(3) for j in range(3)) / 9
    assert float(saaty_compatibility(a, w)) == pytest.approx(s, rel=1e-14)
    assert SAATY_COMPATIBILITY_THRESHOLD == 1.1


def test_kendall_w_matches_friedman_with_ties() -> None:
    """Cross-check with scipy: W = chi2_F / (m (n - 1)) with scipy's ties-corrected
    Friedman statistic (Kendall & Gibbons 1990)."""
    p = np.array(
        [
            [0.40, 0.30, 0.20, 0.10, 0.00],
            [0.35, 0.35, 0.15, 0.10, 0.05],  # tie at the top
            [0.10, 0.40, 0.20, 0.20, 0.10],  # two ties
            [0.30, 0.25, 0.25, 0.10, 0.10],
        ]
    )
    chi2 = stats.friedmanchisquare(*p.T).statistic
    w = kendall_w(p)
    assert w is not None
    assert w == pytest.approx(chi2 / (p.shape[0] * (p.shape[1] - 1)), rel=1e-12)
    # textbook limits: identical rankings -> 1; exactly opposite pair -> 0
    assert kendall_w([[3, 2, 1], [3, 2, 1]]) == 1.0
    assert kendall_w([[3, 2, 1], [1, 2, 3]]) == 0.0
    assert kendall_w([[1, 1, 1], [2, 2, 2]]) is None  # all tied: undefined
    assert kendall_w([[3, 2, 1]]) is None  # a single rater


def test_cr_screening() -> None:
    """Expert 1 (CR ≈ 0.50) is screened out at cr_max = 0.1; the group equals expert 0."""
    r = group_priorities([CITY, _perturbed_city()], cr_max=0.1)
    assert r.screened_out == (1,)
    np.testing.assert_allclose(r.used_weights, [1.0, 0.0])
    np.testing.assert_allclose(r.expert_weights, [0.5, 0.5])
    np.testing.assert_allclose(r.weights, [0.152, 0.433, 0.072, 0.305, 0.038], atol=5e-4)
    assert r.expert_cr[1] > 0.4
    assert r.kendall_w is None  # one retained expert
    assert r.gcompi is not None and r.gcompi[1] > r.gcompi[0]
    assert r.compatible.tolist() == [True, False]
    assert r.cr_max == 0.1


def test_all_experts_fail_screening() -> None:
    with pytest.raises(MatrixError, match=r"all 2 experts fail .*CR < 0\.01.*0: 0\.0503"):
        group_priorities([CITY, _perturbed_city()], cr_max=0.01)


def test_zero_weight_for_one_expert() -> None:
    r = group_priorities([CITY, _perturbed_city()], expert_weights=[0, 1], method="geometric_mean")
    np.testing.assert_allclose(r.weights, ahp.geometric_mean(_perturbed_city()), rtol=1e-12)


def test_result_records_names_and_is_frozen() -> None:
    r = group_priorities([CITY, CITY], aggregation="aip", method="rgm", ri="alonso_lamata2006")
    assert (r.aggregation, r.method) == ("aip_geometric", "geometric_mean")
    assert r.ri_table == "alonso_lamata2006"
    with pytest.raises(ValueError, match="read-only"):
        r.weights[0] = 0.0


# ----------------------------------------------------------------------------- properties

_SCALE = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1.0, 2.0, 3.0, 5.0, 7.0, 9.0]


@st.composite
def _stack(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(1, 5))
    n = draw(st.integers(2, 6))
    a = np.ones((k, n, n))
    iu = np.triu_indices(n, 1)
    vals = np.array(
        draw(st.lists(st.sampled_from(_SCALE), min_size=k * len(iu[0]), max_size=k * len(iu[0])))
    )
    vals = vals.reshape(k, -1)
    a[:, iu[0], iu[1]] = vals
    a[:, iu[1], iu[0]] = 1.0 / vals
    lam = np.array(draw(st.lists(st.floats(0.05, 5.0), min_size=k, max_size=k)))
    return a, lam


@settings(max_examples=50, deadline=None)
@given(data=_stack())
def test_aij_rgm_equals_aip_geometric(data: tuple[np.ndarray, np.ndarray]) -> None:
    """Exact identity for the row geometric mean: the RGM of the weighted geometric mean
    matrix equals the renormalised weighted geometric mean of the individual RGMs
    (Escobar, Aguarón & Moreno-Jiménez 2004)."""
    a, lam = data
    aij = group_priorities(a, lam, aggregation="aij", method="geometric_mean")
    aip = group_priorities(a, lam, aggregation="aip_geometric", method="geometric_mean")
    np.testing.assert_allclose(aij.weights, aip.weights, rtol=1e-12)
    assert aij.weights.sum() == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(data=_stack(), method=st.sampled_from(["eigenvector", "geometric_mean", "arithmetic_mean"]))
def test_agreement_measures_are_in_range(data: tuple[np.ndarray, np.ndarray], method: str) -> None:
    a, lam = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = group_priorities(a, lam, method=method)
    assert r.weights.min() > 0.0
    assert (r.saaty_compatibility >= 1.0 - 1e-12).all()
    if r.gcompi is not None:
        assert (r.gcompi >= 0.0).all()
    if r.kendall_w is not None:
        assert -1e-12 <= r.kendall_w <= 1.0 + 1e-12
    # the aggregated judgment matrix is exactly reciprocal
    assert r.aggregated_matrix is not None
    np.testing.assert_allclose(r.aggregated_matrix * r.aggregated_matrix.T, 1.0, rtol=1e-12)


# ----------------------------------------------------------------------------- bad input


def test_negative_expert_weight() -> None:
    with pytest.raises(DataError, match=r"non-negative \(negative for expert\(s\) 1\)"):
        group_priorities([CITY, CITY], expert_weights=[1.0, -0.5])


def test_all_zero_expert_weights() -> None:
    with pytest.raises(DataError, match="expert weights are all zero"):
        group_priorities([CITY, CITY], expert_weights=[0.0, 0.0])


def test_expert_weight_shape() -> None:
    with pytest.raises(ShapeError, match=r"expert_weights must have shape \(2,\)"):
        group_priorities([CITY, CITY], expert_weights=[1.0, 1.0, 1.0])


def test_single_matrix_is_not_a_stack() -> None:
    with pytest.raises(ShapeError, match=r"stack of expert matrices.*wrap a single matrix"):
        group_priorities(CITY)


def test_invalid_expert_matrix() -> None:
    bad = np.array(CITY, dtype=float)
    bad[0, 1] = 3.0  # no longer reciprocal with bad[1, 0] = 5
    with pytest.raises(MatrixError, match=r"matrix \(1,\) of the stack.*not reciprocal"):
        group_priorities([CITY, bad])


def test_unknown_aggregation_and_bad_cr_max() -> None:
    with pytest.raises(UnknownMethodError, match="valid names: aij, aip_geometric, aip_arithmetic"):
        group_priorities([CITY, CITY], aggregation="median")
    with pytest.raises(UnknownMethodError, match="unknown priority method"):
        group_priorities([CITY, CITY], method="fuzzy")
    with pytest.raises(DataError, match="cr_max must be a positive number"):
        group_priorities([CITY, CITY], cr_max=0.0)
