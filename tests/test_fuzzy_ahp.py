"""Tests of evalsys.weights.fuzzy_ahp: Buckley's fuzzy geometric mean and Chang's extent
analysis."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalsys.errors import ConsistencyWarning, MatrixError, ShapeError, UnknownMethodError
from evalsys.weights import ahp
from evalsys.weights.fuzzy_ahp import (
    DEFUZZIFIERS,
    FUZZY_AHP_METHODS,
    FUZZY_SCALES,
    fuzzify,
    fuzzy_ahp,
    possibility_degree,
    validate_tfn_matrix,
)

# A 3 x 3 triangular fuzzy matrix used by the hand computations below.
T3 = [
    [(1, 1, 1), (1, 2, 3), (2, 3, 4)],
    [("1/3", "1/2", 1), (1, 1, 1), (1, 2, 3)],
    [("1/4", "1/3", "1/2"), ("1/3", "1/2", 1), (1, 1, 1)],
]

# A matrix on which extent analysis gives criterion 2 a zero weight although it is
# clearly not irrelevant (the defect documented by Wang, Luo & Hua 2008).
ZERO = [
    [(1, 1, 1), (1, 1, 1), (7, 8, 9)],
    [(1, 1, 1), (1, 1, 1), (6, 7, 8)],
    [("1/9", "1/8", "1/7"), ("1/8", "1/7", "1/6"), (1, 1, 1)],
]

# Saaty (2004), choosing a city, criteria level (reference case AHP 1 in
# /work/shared/reference/README.md).
CITY = [
    [1, "1/5", 3, "1/2", 5],
    [5, 1, 7, 1, 7],
    ["1/3", "1/7", 1, "1/4", 3],
    [2, 1, 4, 1, 7],
    ["1/5", "1/7", "1/3", "1/7", 1],
]


def _frac_matrix(m: list[list[tuple[object, object, object]]]) -> list[list[tuple[Fraction, ...]]]:
    return [[tuple(Fraction(str(v)) for v in tfn) for tfn in row] for row in m]


# ----------------------------------------------------------------------------- references


def test_buckley_with_crisp_scale_reproduces_saaty_city_rgm() -> None:
    """Saaty (2004) city example, README reference case AHP 1: the row geometric mean gives
    0.1526, 0.4228, 0.0723, 0.3147, 0.0376.  Buckley's method on degenerate TFNs (scale
    "crisp") is the row geometric mean; matched to 4 decimals."""
    r = fuzzy_ahp(CITY, method="buckley", scale="crisp")
    np.testing.assert_allclose(r.weights, [0.1526, 0.4228, 0.0723, 0.3147, 0.0376], atol=5e-5)
    assert r.scale == "crisp"
    assert r.fuzzy_weights is not None
    # degenerate fuzzy weights: l = m = u
    np.testing.assert_allclose(r.fuzzy_weights[..., 0], r.fuzzy_weights[..., 2], rtol=1e-12)


def test_buckley_matches_hand_computation() -> None:
    """Cross-check (no published Buckley example could be verified): fuzzy geometric means,
    fuzzy weights (l/Σu, m/Σm, u/Σl), centroid and graded-mean defuzzification, by hand in
    plain Python."""
    m = _frac_matrix(T3)
    n = 3
    r = [
        [math.prod(float(m[i][j][c]) for j in range(n)) ** (1 / n) for c in range(3)]
        for i in range(n)
    ]
    tot = [sum(r[i][c] for i in range(n)) for c in range(3)]
    fw = [(r[i][0] / tot[2], r[i][1] / tot[1], r[i][2] / tot[0]) for i in range(n)]
    cen = [sum(t) / 3 for t in fw]
    gm = [(t[0] + 4 * t[1] + t[2]) / 6 for t in fw]

    res = fuzzy_ahp(T3, "buckley", "centroid")
    assert res.fuzzy_weights is not None
    np.testing.assert_allclose(res.fuzzy_weights, fw, rtol=1e-12)
    np.testing.assert_allclose(res.weights, [c / sum(cen) for c in cen], rtol=1e-12)
    res2 = fuzzy_ahp(T3, "buckley", "graded_mean")
    np.testing.assert_allclose(res2.weights, [g / sum(gm) for g in gm], rtol=1e-12)
    assert (res.method, res.defuzzifier, res2.defuzzifier) == ("buckley", "centroid", "graded_mean")
    assert res.synthetic_extents is None and res.possibility is None


def test_chang_matches_exact_hand_computation() -> None:
    """Cross-check (Chang's own example could not be verified from a source read): synthetic
    extents and degrees of possibility in exact rational arithmetic."""
    m = _frac_matrix(T3)
    n = 3
    rows = [[sum(m[i][j][c] for j in range(n)) for c in range(3)] for i in range(n)]
    tot = [sum(rows[i][c] for i in range(n)) for c in range(3)]
    s = [(rows[i][0] / tot[2], rows[i][1] / tot[1], rows[i][2] / tot[0]) for i in range(n)]

    def v(m2: tuple[Fraction, ...], m1: tuple[Fraction, ...]) -> Fraction:
        if m2[1] >= m1[1]:
            return Fraction(1)
        if m1[0] >= m2[2]:
            return Fraction(0)
        return (m1[0] - m2[2]) / ((m2[1] - m2[2]) - (m1[1] - m1[0]))

    d = [min(v(s[i], s[k]) for k in range(n) if k != i) for i in range(n)]
    w = [x / sum(d) for x in d]

    res = fuzzy_ahp(T3, method="chang")
    assert res.synthetic_extents is not None and res.possibility is not None
    np.testing.assert_allclose(
        res.synthetic_extents, [[float(c) for c in t] for t in s], rtol=1e-12
    )
    np.testing.assert_allclose(res.possibility, [float(x) for x in d], rtol=1e-12)
    np.testing.assert_allclose(res.weights, [float(x) for x in w], rtol=1e-12)
    # by hand: row sums (4, 6, 8), totals (95/12, 34/3, 31/2) -> S_0 = (8/31, 9/17, 96/95)
    assert s[0] == (Fraction(8, 31), Fraction(9, 17), Fraction(96, 95))
    assert res.fuzzy_weights is None and res.defuzzifier is None
    assert res.possibility[0] == 1.0  # the largest modal value dominates everything


def test_chang_zero_weight_warns() -> None:
    """Wang, Luo & Hua (2008), EJOR 186, 735-747: extent analysis can assign an exactly zero
    weight; here criterion 2 (judged 1/8 and 1/7 of the others, not irrelevant) gets 0 while
    Buckley gives it about 6 %."""
    with pytest.warns(
        ConsistencyWarning, match=r"exactly zero weight.*index\(es\) 2.*Wang, Luo & Hua"
    ):
        res = fuzzy_ahp(ZERO, method="chang")
    assert res.weights[2] == 0.0
    np.testing.assert_array_equal(res.zero_weights, [False, False, True])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = fuzzy_ahp(ZERO, method="buckley")
    assert 0.05 < b.weights[2] < 0.08


def test_possibility_degree_cases() -> None:
    """The three branches of V(M2 >= M1), by hand."""
    m1 = np.array([2.0, 3.0, 4.0])
    assert possibility_degree(np.array([2.0, 3.5, 5.0]), m1) == 1.0  # m2 >= m1
    assert possibility_degree(np.array([0.5, 1.0, 2.0]), m1) == 0.0  # l1 >= u2
    # overlap: (l1 - u2) / ((m2 - u2) - (m1 - l1)) = (2 - 3) / ((2 - 3) - (3 - 2)) = 0.5
    assert possibility_degree(np.array([1.0, 2.0, 3.0]), m1) == pytest.approx(0.5, abs=1e-15)


# ----------------------------------------------------------------------------- fuzzification


def test_fuzzify_saaty_pm1_scale() -> None:
    f = fuzzify([[1, 3, 9], ["1/3", 1, 1], ["1/9", 1, 1]])
    np.testing.assert_allclose(f[0, 1], [2, 3, 4])
    np.testing.assert_allclose(f[1, 0], [1 / 4, 1 / 3, 1 / 2])
    np.testing.assert_allclose(f[0, 2], [8, 9, 9])  # clipped to the 1..9 scale
    np.testing.assert_allclose(f[2, 0], [1 / 9, 1 / 9, 1 / 8])
    np.testing.assert_allclose(f[1, 2], [1, 1, 1])  # equal importance stays crisp
    np.testing.assert_allclose(f[0, 0], [1, 1, 1])
    validate_tfn_matrix(f)  # the result is a valid reciprocal TFN matrix
    assert FUZZY_SCALES.names() == ("saaty_pm1", "crisp")


def test_crisp_input_is_fuzzified_by_default() -> None:
    res = fuzzy_ahp([[1, 3], ["1/3", 1]])
    assert res.scale == "saaty_pm1"
    expected = fuzzy_ahp([[(1, 1, 1), (2, 3, 4)], [("1/4", "1/3", "1/2"), (1, 1, 1)]])
    np.testing.assert_allclose(res.weights, expected.weights, rtol=1e-14)
    assert expected.scale is None


def test_stack_of_fuzzy_matrices() -> None:
    stack = np.stack([validate_tfn_matrix(T3), validate_tfn_matrix(ZERO)])
    for method in ("buckley", "chang"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConsistencyWarning)
            res = fuzzy_ahp(stack, method)
            one = fuzzy_ahp(T3, method)
            two = fuzzy_ahp(ZERO, method)
        assert res.weights.shape == (2, 3)
        np.testing.assert_allclose(res.weights[0], one.weights, rtol=1e-12)
        np.testing.assert_allclose(res.weights[1], two.weights, rtol=1e-12)


def test_printed_fractions_are_symmetrised() -> None:
    """0.333 for 1/3 is accepted (rtol 1e-2) and made exactly reciprocal."""
    a = validate_tfn_matrix([[(1, 1, 1), (2, 3, 4)], [(0.25, 0.333, 0.5), (1, 1, 1)]])
    np.testing.assert_allclose(a[0, 1] * a[1, 0][::-1], 1.0, rtol=1e-15)


# ----------------------------------------------------------------------------- properties

_SAATY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1.0, 3.0, 5.0, 7.0, 9.0, 2.0, 4.0, 0.5, 0.25]


@st.composite
def _crisp_reciprocal(draw: st.DrawFn) -> np.ndarray:
    n = draw(st.integers(2, 7))
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            v = draw(st.sampled_from(_SAATY))
            a[i, j], a[j, i] = v, 1.0 / v
    return a


@settings(max_examples=50, deadline=None)
@given(a=_crisp_reciprocal())
def test_buckley_on_crisp_tfns_equals_row_geometric_mean(a: np.ndarray) -> None:
    """On degenerate TFNs (l = m = u) Buckley's method is exactly the crisp RGM."""
    res = fuzzy_ahp(a, "buckley", "graded_mean", scale="crisp")
    np.testing.assert_allclose(res.weights, ahp.geometric_mean(a), rtol=1e-12)


@settings(max_examples=50, deadline=None)
@given(a=_crisp_reciprocal())
def test_weights_are_a_distribution_and_reciprocity_holds(a: np.ndarray) -> None:
    tfn = fuzzify(a)
    np.testing.assert_allclose(tfn * np.swapaxes(tfn, 0, 1)[..., ::-1], 1.0, rtol=1e-12)
    for method in FUZZY_AHP_METHODS.names():
        for defuzz in DEFUZZIFIERS.names():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConsistencyWarning)
                res = fuzzy_ahp(tfn, method, defuzz)
            assert res.weights.min() >= 0.0
            assert res.weights.sum() == pytest.approx(1.0, abs=1e-12)
            assert res.n == a.shape[0]


# ----------------------------------------------------------------------------- bad input


def test_bad_tfn_order() -> None:
    bad = [[(1, 1, 1), (3, 2, 4)], [("1/4", "1/2", "1/3"), (1, 1, 1)]]
    with pytest.raises(MatrixError, match=r"l <= m <= u; cell \(0, 1\)"):
        fuzzy_ahp(bad)


def test_bad_diagonal() -> None:
    bad = [[(1, 2, 3), (1, 1, 1)], [(1, 1, 1), (1, 1, 1)]]
    with pytest.raises(MatrixError, match=r"diagonal.*\(1, 1, 1\)"):
        validate_tfn_matrix(bad)


def test_not_reciprocal() -> None:
    bad = [[(1, 1, 1), (2, 3, 4)], [(0.25, 0.5, 0.5), (1, 1, 1)]]
    with pytest.raises(MatrixError, match=r"not reciprocal at cell \(0, 1\)"):
        validate_tfn_matrix(bad)


def test_non_positive() -> None:
    bad = [[(1, 1, 1), (0, 3, 4)], [(0.25, 0.333, 1e9), (1, 1, 1)]]
    with pytest.raises(MatrixError, match=r"finite and positive; cell \(0, 1\)"):
        validate_tfn_matrix(bad)


def test_bad_shapes() -> None:
    with pytest.raises(ShapeError, match=r"crisp \(\.\.\., n, n\) or fuzzy"):
        fuzzy_ahp([[1, 2, 3], [1, 2, 3]])
    with pytest.raises(MatrixError, match=r"\(\.\.\., n, n, 3\)"):
        validate_tfn_matrix([[(1, 1), (1, 1)], [(1, 1), (1, 1)]])


def test_crisp_not_reciprocal() -> None:
    with pytest.raises(MatrixError, match="not reciprocal"):
        fuzzify([[1, 3], [0.5, 1]])


def test_unknown_names_list_valid_ones() -> None:
    with pytest.raises(UnknownMethodError, match="valid names: buckley, chang"):
        fuzzy_ahp(T3, method="mikhailov")
    with pytest.raises(UnknownMethodError, match="valid names: centroid, graded_mean"):
        fuzzy_ahp(T3, defuzzify="bisector")
    with pytest.raises(UnknownMethodError, match="valid names: saaty_pm1, crisp"):
        fuzzy_ahp([[1, 3], ["1/3", 1]], scale="wide")


def test_unparseable_judgments() -> None:
    with pytest.raises(MatrixError, match="numbers or fractions like '1/3'"):
        fuzzy_ahp([[(1, 1, 1), ("two", 3, 4)], [("1/4", "1/3", "1/2"), (1, 1, 1)]])
    with pytest.raises(MatrixError, match="unequal lengths"):
        fuzzify([[1, 2], [3]])
