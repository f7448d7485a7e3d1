"""Tests of evalsys.weights.ahp: published AHP cases, priority methods, validation, stacks."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalsys.errors import ConsistencyWarning, MatrixError, RITableError, UnknownMethodError
from evalsys.weights.ahp import (
    PRIORITY_METHODS,
    SAATY_SCALE,
    AHPResult,
    ahp_priorities,
    parse_matrix,
    validate_matrix,
)
from evalsys.weights.eigen import lambda_max, principal_eigenpair

METHODS = PRIORITY_METHODS.names()

# --------------------------------------------------------------------------------------
# published matrices
# --------------------------------------------------------------------------------------
CITY = [
    [1, 1 / 5, 3, 1 / 2, 5],
    [5, 1, 7, 1, 7],
    [1 / 3, 1 / 7, 1, 1 / 4, 3],
    [2, 1, 4, 1, 7],
    [1 / 5, 1 / 7, 1 / 3, 1 / 7, 1],
]
DRINKS = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]
LEADER = [[1, 4, 3, 7], [1 / 4, 1, 1 / 3, 3], [1 / 3, 3, 1, 5], [1 / 7, 1 / 3, 1 / 5, 1]]
PROFIT = [[1, 1 / 5, 1 / 3], [5, 1, 3], [3, 1 / 3, 1]]
LECTURE_3 = [[1, 2, 5], [1 / 2, 1, 7], [1 / 5, 1 / 7, 1]]
SUM_PRODUCT_4 = [[1, 3, 2, 4], [1 / 3, 1, 1 / 2, 2], [1 / 2, 2, 1, 3], [1 / 4, 1 / 2, 1 / 3, 1]]
ROOT_3 = [[1, 1 / 3, 1 / 5], [3, 1, 1 / 4], [5, 4, 1]]

HALF_UNIT_3DP = 5e-4 + 1e-12  # a value printed to 3 decimals is within half a unit


def test_city_saaty2004_eigenvector() -> None:
    """AHP 1 — Saaty (2004), choosing a city, criteria level (reference README, AHP 1).

    Published: eigenvector 0.152, 0.433, 0.072, 0.305, 0.038; λmax ≈ 5.2252;
    CR ≈ 0.0503 with RI(5) = 1.12 (Saaty 1980 table).
    """
    r = ahp_priorities(CITY, method="eigenvector", ri="saaty1980")
    np.testing.assert_allclose(r.weights, [0.152, 0.433, 0.072, 0.305, 0.038], atol=HALF_UNIT_3DP)
    assert r.lambda_max == pytest.approx(5.2252, abs=5e-5)
    assert r.ri == 1.12
    assert r.cr == pytest.approx(0.0503, abs=5e-5)
    assert r.consistent is True
    assert (r.method, r.ri_table, r.n, r.threshold) == ("eigenvector", "saaty1980", 5, 0.10)


def test_city_saaty2004_geometric_mean() -> None:
    """AHP 1 — Saaty (2004) city matrix, row geometric mean 0.1526, 0.4228, 0.0723, 0.3147,
    0.0376 (reference README: "a different method, not an error")."""
    r = ahp_priorities(CITY, method="geometric_mean")
    np.testing.assert_allclose(r.weights, [0.1526, 0.4228, 0.0723, 0.3147, 0.0376], atol=5e-5)
    assert r.method == "geometric_mean"


def test_drinks_saaty2008() -> None:
    """AHP 2 — Saaty (2008), Decision making with the analytic hierarchy process, Int. J.
    Services Sciences 1(1), 83–98: relative consumption of drinks in the USA.

    Published weights 0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327; CR ≈ 0.022.
    """
    r = ahp_priorities(DRINKS)
    published = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    np.testing.assert_allclose(r.weights, published, atol=HALF_UNIT_3DP)
    assert r.cr == pytest.approx(0.022, abs=HALF_UNIT_3DP)
    assert ahp_priorities(DRINKS, ri="saaty2005").cr == pytest.approx(0.022, abs=HALF_UNIT_3DP)


def test_leader_wikipedia() -> None:
    """AHP 3 — Wikipedia, "Analytic hierarchy process – leader example", criteria level
    (experience, education, charisma, age): weights ≈ 0.548, 0.127, 0.270, 0.056,
    CR ≈ 0.044 with RI(4) = 0.89 (Saaty 2005 table)."""
    r = ahp_priorities(LEADER, ri="saaty2005")
    np.testing.assert_allclose(r.weights, [0.548, 0.127, 0.270, 0.056], atol=HALF_UNIT_3DP)
    assert r.ri == 0.89
    assert r.cr == pytest.approx(0.044, abs=HALF_UNIT_3DP)


def test_retained_profit_textbook_example() -> None:
    """The textbook example "合理使用企业留成利润" (criteria C1 调动职工积极性, C2 提高技术水平,
    C3 改善职工生活条件), as worked in the lecture notes at
    https://m.777doc.com/doc-7145607.html (判断矩阵 A-C):
    w(2) = (0.105, 0.637, 0.258), λmax = 3.038, C.I. = 0.019, C.R. = 0.033 < 0.1 (RI 0.58).

    The notes print λmax truncated (3.0385 → 3.038), hence the 1e-3 tolerance on λmax.
    """
    r = ahp_priorities(PROFIT, ri="saaty1980")
    np.testing.assert_allclose(r.weights, [0.105, 0.637, 0.258], atol=HALF_UNIT_3DP)
    assert r.lambda_max == pytest.approx(3.038, abs=1e-3)
    assert r.ci == pytest.approx(0.019, abs=HALF_UNIT_3DP)
    assert r.cr == pytest.approx(0.033, abs=HALF_UNIT_3DP)
    assert r.consistent is True


def test_lecture_matrix_fails_with_ri_052() -> None:
    """Same lecture notes (https://m.777doc.com/doc-7145607.html, exercise 1): A = [[1, 2, 5],
    [1/2, 1, 7], [1/5, 1/7, 1]] has exact λmax = 3.1189, u = (0.5415, 0.3816, …),
    C.I. = 0.05945, with R.I. = 0.52 C.R. = 0.1143 ≥ 0.1: not acceptable.

    (The notes' third component, 0.0761, is a misprint: the three printed values sum to
    0.9992; the exact value is 0.0768.)"""
    r = ahp_priorities(LECTURE_3, ri="saaty2005")
    assert r.ri == 0.52
    assert r.lambda_max == pytest.approx(3.1189, abs=1e-4)
    np.testing.assert_allclose(r.weights[:2], [0.5415, 0.3816], atol=5e-5)
    assert r.ci == pytest.approx(0.05945, abs=5e-5)
    assert r.cr == pytest.approx(0.1143, abs=1e-4)
    assert r.consistent is False


def test_sum_product_method_worked_example() -> None:
    """和积法 (arithmetic mean of the normalised columns) worked example at
    http://wanglu.net/thread/t12-329353-0.html, matrix (1): A = [[1, 3, 2, 4], [1/3, 1, 1/2,
    2], [1/2, 2, 1, 3], [1/4, 1/2, 1/3, 1]] → W = (0.4658, 0.1611, 0.2771, 0.0960),
    λmax = 4.0310, CI = 0.0103, CR = 0.011 < 0.1."""
    r = ahp_priorities(SUM_PRODUCT_4, method="arithmetic_mean")
    np.testing.assert_allclose(r.weights, [0.4658, 0.1611, 0.2771, 0.0960], atol=5e-5)
    assert r.lambda_max == pytest.approx(4.0310, abs=5e-5)
    assert r.ci == pytest.approx(0.0103, abs=5e-5)
    assert r.cr == pytest.approx(0.011, abs=HALF_UNIT_3DP)
    assert r.method == "arithmetic_mean"


def test_root_method_worked_example() -> None:
    """方根法 (row geometric mean) worked answer at
    https://55.wendadaohang.com/zd/QeLe84RG8.html: A = [[1, 1/3, 1/5], [3, 1, 1/4],
    [5, 4, 1]] → W = (0.1007, 0.2255, 0.6738), λ = 3.0858, CI = 0.0429, CR = 0.0739."""
    r = ahp_priorities(ROOT_3, method="rgm")
    np.testing.assert_allclose(r.weights, [0.1007, 0.2255, 0.6738], atol=5e-5)
    assert r.lambda_max == pytest.approx(3.0858, abs=5e-5)
    assert r.ci == pytest.approx(0.0429, abs=5e-5)
    assert r.cr == pytest.approx(0.0739, abs=5e-5)
    assert r.method == "geometric_mean"  # alias resolved and recorded


def test_no_rounding_inside() -> None:
    """Results keep full precision (AHPy rounds inside its computations)."""
    w = ahp_priorities(CITY).weights
    assert not np.array_equal(w, np.round(w, 4))
    assert w.sum() == pytest.approx(1.0, abs=1e-15)


def test_saaty_threshold_rule() -> None:
    """threshold='saaty' uses 0.05 for n = 3: the root-method example (CR 0.0739) passes
    0.10 but fails Saaty's n = 3 limit."""
    assert ahp_priorities(ROOT_3).consistent is True
    r = ahp_priorities(ROOT_3, threshold="saaty")
    assert r.threshold == 0.05
    assert r.consistent is False
    assert ahp_priorities(LEADER, threshold="saaty").threshold == 0.08
    assert ahp_priorities(CITY, threshold="saaty").threshold == 0.10


def test_transpose_has_same_cr_but_other_weights() -> None:
    """Why there is no 'transposed input' guard: A and Aᵀ have the same eigenvalues, so the
    same λmax, CI and CR — the numbers cannot tell a column-wise entry apart."""
    a = ahp_priorities(CITY)
    t = ahp_priorities(np.array(CITY).T)
    assert t.lambda_max == pytest.approx(a.lambda_max, rel=1e-12)
    assert t.cr == pytest.approx(a.cr, rel=1e-12)
    assert not np.allclose(t.weights, a.weights, atol=0.01)
    assert int(np.argmax(t.weights)) != int(np.argmax(a.weights))


def test_result_is_frozen_and_read_only() -> None:
    r = ahp_priorities(CITY)
    assert isinstance(r, AHPResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.cr = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        r.weights[0] = 1.0


# --------------------------------------------------------------------------------------
# stacks
# --------------------------------------------------------------------------------------
def test_stack_returns_arrays_and_matches_singles() -> None:
    stack = np.stack([np.array(LEADER), np.array(LEADER).T, np.array(SUM_PRODUCT_4)])
    for method in METHODS:
        r = ahp_priorities(stack, method=method)
        assert r.weights.shape == (3, 4)
        assert isinstance(r.cr, np.ndarray) and r.cr.shape == (3,)
        assert isinstance(r.consistent, np.ndarray) and r.consistent.dtype == bool
        for k in range(3):
            single = ahp_priorities(stack[k], method=method)
            np.testing.assert_allclose(r.weights[k], single.weights, rtol=1e-12)
            assert r.cr[k] == pytest.approx(single.cr, rel=1e-12)


def test_nested_stack_shape() -> None:
    stack = np.broadcast_to(np.array(CITY), (2, 3, 5, 5))
    r = ahp_priorities(stack)
    assert r.weights.shape == (2, 3, 5)
    assert np.shape(r.lambda_max) == (2, 3)
    np.testing.assert_allclose(r.weights[1, 2], ahp_priorities(CITY).weights, rtol=1e-12)


def test_eigenvector_matches_lapack_on_random_stack() -> None:
    rng = np.random.default_rng(7)
    n, s = 9, 300
    vals = np.asarray(SAATY_SCALE)
    iu, ju = np.triu_indices(n, 1)
    a = np.ones((s, n, n))
    draws = vals[rng.integers(0, vals.size, (s, iu.size))]
    a[:, iu, ju], a[:, ju, iu] = draws, 1 / draws
    w, lam = principal_eigenpair(a)
    ref = np.linalg.eigvals(a).real.max(axis=-1)
    np.testing.assert_allclose(lam, ref, rtol=1e-10)
    residual = np.einsum("sij,sj->si", a, w) - lam[:, None] * w
    assert np.abs(residual).max() < 1e-10


def test_eigenvector_slow_convergence_falls_back() -> None:
    """A matrix far off the Saaty scale still gets its exact Perron pair."""
    a = np.array([[1, 1e6, 1e-6], [1e-6, 1, 1e6], [1e6, 1e-6, 1]])
    w, lam = principal_eigenpair(a, max_squarings=1)
    ref = np.linalg.eigvals(a).real.max()
    assert lam == pytest.approx(ref, rel=1e-10)
    np.testing.assert_allclose(w, [1 / 3, 1 / 3, 1 / 3], rtol=1e-9)


# --------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------
positive_weights = st.integers(1, 10).flatmap(
    lambda n: st.lists(st.floats(0.05, 20.0), min_size=n, max_size=n)
)


@st.composite
def saaty_matrices(draw: st.DrawFn, n_min: int = 1, n_max: int = 9) -> np.ndarray:
    n = draw(st.integers(n_min, n_max))
    picks = draw(
        st.lists(st.sampled_from(SAATY_SCALE), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2)
    )
    a = np.ones((n, n))
    iu, ju = np.triu_indices(n, 1)
    a[iu, ju] = picks
    a[ju, iu] = 1.0 / np.asarray(picks)
    return a


@settings(max_examples=50, deadline=None)
@given(positive_weights)
def test_consistent_matrix_recovers_weights(raw: list[float]) -> None:
    w = np.asarray(raw) / np.sum(raw)
    a = w[:, None] / w[None, :]
    for method in METHODS:
        r = ahp_priorities(a, method=method, on_out_of_scale="ignore")
        np.testing.assert_allclose(r.weights, w, rtol=1e-9)
        assert r.cr == pytest.approx(0.0, abs=1e-10)
        assert r.lambda_max == pytest.approx(len(w), rel=1e-12)
        assert r.consistent


@settings(max_examples=50, deadline=None)
@given(saaty_matrices(), st.randoms(use_true_random=False))
def test_permuting_criteria_permutes_weights(a: np.ndarray, rnd: object) -> None:
    n = a.shape[0]
    perm = np.arange(n)
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    b = a[np.ix_(perm, perm)]
    for method in METHODS:
        ra, rb = ahp_priorities(a, method=method), ahp_priorities(b, method=method)
        np.testing.assert_allclose(rb.weights, ra.weights[perm], rtol=1e-9, atol=1e-15)
        assert rb.cr == pytest.approx(ra.cr, rel=1e-9, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(saaty_matrices())
def test_weights_positive_sum_to_one_and_lambda_at_least_n(a: np.ndarray) -> None:
    n = a.shape[0]
    for method in METHODS:
        r = ahp_priorities(a, method=method)
        assert (r.weights > 0).all()
        assert r.weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert r.lambda_max >= n - 1e-9
        assert r.cr >= 0.0 and np.isfinite(r.cr)


@settings(max_examples=30, deadline=None)
@given(st.integers(3, 8).flatmap(lambda n: st.lists(saaty_matrices(n, n), min_size=1, max_size=6)))
def test_batched_equals_looped(mats: list[np.ndarray]) -> None:
    stack = np.stack(mats)
    for method in METHODS:
        batched = ahp_priorities(stack, method=method)
        for k, m in enumerate(mats):
            single = ahp_priorities(m, method=method)
            np.testing.assert_allclose(batched.weights[k], single.weights, rtol=1e-10)
            assert batched.lambda_max[k] == pytest.approx(single.lambda_max, rel=1e-12)
            assert bool(batched.consistent[k]) is single.consistent


def test_lambda_max_is_perron_root_for_eigenvector() -> None:
    a = np.array(DRINKS, dtype=float)
    r = ahp_priorities(a)
    assert r.lambda_max == pytest.approx(np.linalg.eigvals(a).real.max(), rel=1e-12)
    # the mean-ratio formula applied to the eigenvector gives the same number
    assert float(lambda_max(a, np.asarray(r.weights))) == pytest.approx(r.lambda_max, rel=1e-14)


# --------------------------------------------------------------------------------------
# sizes 1, 2, 16
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_one_by_one(method: str) -> None:
    r = ahp_priorities([[1.0]], method=method)
    assert r.weights.tolist() == [1.0]
    assert (r.lambda_max, r.ci, r.cr, r.consistent, r.n) == (1.0, 0.0, 0.0, True, 1)


@pytest.mark.parametrize("method", METHODS)
def test_two_by_two_cr_is_zero_not_nan(method: str) -> None:
    r = ahp_priorities([[1, 3], [1 / 3, 1]], method=method)
    np.testing.assert_allclose(r.weights, [0.75, 0.25], rtol=1e-12)
    assert r.ci == 0.0 and r.cr == 0.0 and r.ri == 0.0
    assert r.consistent is True


def _consistent(n: int) -> np.ndarray:
    w = np.linspace(1.0, 3.0, n)
    return w[:, None] / w[None, :]


def test_sixteen_with_saaty1980_names_table_and_limit() -> None:
    with pytest.raises(RITableError, match=r"'saaty1980' covers n <= 15, got n = 16"):
        ahp_priorities(_consistent(16), ri="saaty1980")


def test_sixteen_with_alonso_lamata_uses_formula() -> None:
    r = ahp_priorities(_consistent(16), ri="alonso_lamata2006")
    assert r.ri == pytest.approx((1.7699 * 16 - 4.3513) / 15, rel=1e-15)
    assert r.cr == pytest.approx(0.0, abs=1e-12)
    assert r.ri_table == "alonso_lamata2006"


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------
def test_non_reciprocal_names_entry() -> None:
    bad = [[1, 3, 2], [1 / 3, 1, 4], [1 / 2, 1 / 2, 1]]
    with pytest.raises(
        MatrixError,
        match=r"entries \(1, 2\) = 4 and \(2, 1\) = 0\.5 are not "
        r"reciprocal",
    ):
        ahp_priorities(bad)


def test_non_reciprocal_in_stack_names_matrix() -> None:
    good = np.array(LEADER)
    bad = good.copy()
    bad[2, 0] = 1.0
    with pytest.raises(MatrixError, match=r"matrix \(1,\) of the stack: entries \(0, 2\)"):
        ahp_priorities(np.stack([good, bad]))


@pytest.mark.parametrize(
    ("value", "pattern"),
    [
        (0.0, r"entry \(0, 1\) = 0 is not positive"),
        (-2.0, r"entry \(0, 1\) = -2 is not positive"),
        (np.nan, r"entry \(0, 1\) is nan.*evalsys.weights.incomplete"),
        (np.inf, r"entry \(0, 1\) is inf"),
    ],
)
def test_bad_entries(value: float, pattern: str) -> None:
    a = np.array(LEADER, dtype=float)
    a[0, 1] = value
    with pytest.raises(MatrixError, match=pattern):
        ahp_priorities(a)


def test_diagonal_must_be_one() -> None:
    a = np.array(LEADER, dtype=float)
    a[2, 2] = 2.0
    with pytest.raises(MatrixError, match=r"diagonal entry \(2, 2\) = 2, expected 1"):
        validate_matrix(a)


@pytest.mark.parametrize(
    ("obj", "pattern"),
    [
        ([[1, 2, 3], [0.5, 1, 2]], r"not square: shape \(2, 3\)"),
        ([1, 2, 3], r"needs 2 dimensions"),
        (np.ones((0, 0)), r"empty"),
        ([[1, 2], [1]], r"unequal lengths"),
    ],
)
def test_bad_shapes(obj: object, pattern: str) -> None:
    with pytest.raises(MatrixError, match=pattern):
        ahp_priorities(obj)  # type: ignore[arg-type]


def test_out_of_scale_warns_by_default_and_can_raise() -> None:
    a = [[1, 12], [1 / 12, 1]]
    with pytest.warns(
        ConsistencyWarning,
        match=r"entry \(0, 1\) = 12 is outside the judgment "
        r"scale \[0\.111111, 9\]",
    ):
        r = ahp_priorities(a)
    np.testing.assert_allclose(r.weights, [12 / 13, 1 / 13])
    with pytest.raises(MatrixError, match="outside the judgment scale"):
        ahp_priorities(a, on_out_of_scale="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ahp_priorities(a, on_out_of_scale="ignore")
        ahp_priorities(a, scale=(1 / 20, 20))  # another scale is legitimate


def test_printed_fractions_accepted_within_tolerance() -> None:
    printed = [[1, 3, 7], [0.333, 1, 5], [0.143, 0.2, 1]]
    exact = [[1, 3, 7], [1 / 3, 1, 5], [1 / 7, 1 / 5, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0.111-style prints are inside the widened scale
        r_printed = ahp_priorities(printed)
        ahp_priorities([[1, 9], [0.111, 1]])
    np.testing.assert_allclose(r_printed.weights, ahp_priorities(exact).weights, atol=1e-3)
    sym = validate_matrix(printed)
    np.testing.assert_allclose(sym * sym.T, 1.0, rtol=1e-14)  # exactly reciprocal afterwards
    with pytest.raises(MatrixError, match=r"product 0\.98"):
        ahp_priorities([[1, 7], [0.14, 1]])  # two-digit print of 1/7 is too coarse
    ahp_priorities([[1, 7], [0.14, 1]], rtol=0.03)  # unless the caller widens rtol


def test_unknown_names_list_valid_ones() -> None:
    with pytest.raises(
        UnknownMethodError,
        match=r"unknown priority method 'power'.*eigenvector, "
        r"geometric_mean, arithmetic_mean",
    ):
        ahp_priorities(CITY, method="power")
    with pytest.raises(UnknownMethodError, match=r"unknown RI table 'saaty'.*saaty1980"):
        ahp_priorities(CITY, ri="saaty")
    with pytest.raises(UnknownMethodError, match=r"unknown threshold rule 'strict'"):
        ahp_priorities(CITY, threshold="strict")  # type: ignore[arg-type]


def test_empty_stack_gives_empty_results() -> None:
    r = ahp_priorities(np.ones((0, 4, 4)))
    assert r.weights.shape == (0, 4)
    assert np.shape(r.cr) == (0,)


def test_bad_out_of_scale_option() -> None:
    with pytest.raises(UnknownMethodError, match=r"unknown on_out_of_scale 'warning'"):
        validate_matrix(CITY, on_out_of_scale="warning")  # type: ignore[arg-type]


def test_input_is_not_modified() -> None:
    a = np.array([[1, 3, 0.333], [0.333, 1, 2], [3, 0.5, 1]])
    before = a.copy()
    ahp_priorities(a)
    np.testing.assert_array_equal(a, before)


# --------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------
def test_parse_fraction_strings() -> None:
    a = parse_matrix([["1", "1/3", " 5 "], ["3", "1", "7"], ["1/5", "1 / 7", "1"]])
    np.testing.assert_allclose(a, [[1, 1 / 3, 5], [3, 1, 7], [0.2, 1 / 7, 1]], rtol=1e-15)
    r = ahp_priorities([["1", "1/3"], ["3", "1"]])
    np.testing.assert_allclose(r.weights, [0.25, 0.75])


def test_parse_whole_string() -> None:
    a = parse_matrix("1 3 5; 1/3, 1, 2\n1/5 1/2 1")
    np.testing.assert_allclose(a, [[1, 3, 5], [1 / 3, 1, 2], [0.2, 0.5, 1]], rtol=1e-15)


def test_parse_missing_tokens_become_nan() -> None:
    a = parse_matrix([[1, None, "?"], ["", 1, "nan"], ["NA", "-", 1]])
    assert np.isnan(a).sum() == 6


@pytest.mark.parametrize(
    ("obj", "pattern"),
    [
        ([["1", "x"], ["1", "1"]], r"entry \(0, 1\) = 'x' is not a number"),
        ([["1", "1/0"], ["0", "1"]], r"entry \(0, 1\) = '1/0' divides by zero"),
        ([[True, True], [True, True]], r"entries are booleans"),
        ([[1, None], [{"a": 1}, 1]], r"entry \(1, 0\) has unsupported type dict"),
    ],
)
def test_parse_errors(obj: object, pattern: str) -> None:
    with pytest.raises(MatrixError, match=pattern):
        parse_matrix(obj)
