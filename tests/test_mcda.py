"""Tests for evalsys.scoring.mcda: weighted sum, TOPSIS, grey relational analysis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from evalsys.errors import DataError, ShapeError, UnknownMethodError
from evalsys.scoring.mcda import MCDA_METHODS, MCDAResult, grey_relational, mcda_score, topsis

# Hwang & Yoon (1981), Multiple Attribute Decision Making: Methods and Applications,
# Springer LNEMS 186, pp. 133-134 — fighter aircraft: max speed (Mach), ferry range (NM),
# max payload (lb), acquisition cost ($10^6, cost), reliability, manoeuvrability.
AIRCRAFT = np.array(
    [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ]
)
AIRCRAFT_W = np.array([0.2, 0.1, 0.1, 0.1, 0.2, 0.3])
AIRCRAFT_BENEFIT = np.array([True, True, True, False, True, True])


def topsis_reference(X: np.ndarray, w: np.ndarray, benefit: np.ndarray) -> list[float]:
    """Independent, loop-based TOPSIS written from Hwang & Yoon's six steps."""
    m, n = X.shape
    norms = [math.sqrt(sum(X[i, j] ** 2 for i in range(m))) for j in range(n)]
    V = [[w[j] * (X[i, j] / norms[j] if norms[j] else 0.0) for j in range(n)] for i in range(m)]
    cols = [[V[i][j] for i in range(m)] for j in range(n)]
    best = [max(c) if benefit[j] else min(c) for j, c in enumerate(cols)]
    worst = [min(c) if benefit[j] else max(c) for j, c in enumerate(cols)]
    out = []
    for i in range(m):
        dp = math.sqrt(sum((V[i][j] - best[j]) ** 2 for j in range(n)))
        dm = math.sqrt(sum((V[i][j] - worst[j]) ** 2 for j in range(n)))
        out.append(dm / (dp + dm) if dp + dm > 0 else 0.5)
    return out


def grey_reference(X: np.ndarray, w: np.ndarray, benefit: np.ndarray, rho: float) -> list[float]:
    """Independent, loop-based grey relational grade (Deng): min-max by direction, reference
    series = best value per column, two-level min/max of the differences."""
    m, n = X.shape
    N = [[0.0] * n for _ in range(m)]
    for j in range(n):
        lo, hi = min(X[:, j]), max(X[:, j])
        for i in range(m):
            if hi == lo:
                N[i][j] = 1.0
            else:
                N[i][j] = (X[i, j] - lo) / (hi - lo) if benefit[j] else (hi - X[i, j]) / (hi - lo)
    ref = [max(N[i][j] for i in range(m)) for j in range(n)]
    D = [[abs(ref[j] - N[i][j]) for j in range(n)] for i in range(m)]
    dmin = min(min(r) for r in D)
    dmax = max(max(r) for r in D)
    total = sum(w)
    out = []
    for i in range(m):
        xi = [1.0 if dmax == 0 else (dmin + rho * dmax) / (D[i][j] + rho * dmax) for j in range(n)]
        out.append(sum(w[j] * xi[j] for j in range(n)) / total)
    return out


# --------------------------------------------------------------------------- TOPSIS


def test_topsis_hwang_yoon_1981_fighter_aircraft() -> None:
    """Hwang & Yoon (1981), pp. 133-134: relative closeness C* = 0.643, 0.268, 0.613, 0.312
    (printed to 3 decimals), ranking A1 > A3 > A4 > A2.

    The book computes C* from separations rounded to 4 decimals (S*3 = 0.0580, S-3 =
    0.0920 → 0.0920/0.1500 = 0.6133 → "0.613"); unrounded, C*3 = 0.61354.  Hence the
    tolerance of 1e-3 (the printed precision), while the ranking must match exactly."""
    res = mcda_score(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT, method="topsis")
    np.testing.assert_allclose(res.scores, [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    printed_s_plus = np.array([0.0545, 0.1197, 0.0580, 0.1009])
    printed_s_minus = np.array([0.0983, 0.0439, 0.0920, 0.0458])
    from_printed = printed_s_minus / (printed_s_plus + printed_s_minus)
    np.testing.assert_allclose(res.scores, from_printed, atol=6e-4)
    assert res.ranks.tolist() == [1, 4, 2, 3]


def test_topsis_tzeng_huang_2011() -> None:
    """Tzeng, G.-H. & Huang, J.-J. (2011), Multiple Attribute Decision Making: Methods and
    Applications, CRC Press — TOPSIS example (3 benefit criteria, weights 0.3/0.4/0.3):
    closeness 0.5037, 0.6581, 0.7482, 0.3340 (values as used by scikit-criteria's test
    suite, which cites this book)."""
    X = [[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]]
    res = mcda_score(X, [0.3, 0.4, 0.3], np.array([True, True, True]), method="topsis")
    np.testing.assert_allclose(res.scores, [0.5037, 0.6581, 0.7482, 0.3340], atol=5e-5)
    assert res.ranks.tolist() == [3, 2, 1, 4]


def test_topsis_degenerate_and_options() -> None:
    """Identical alternatives (d+ = d- = 0) get C = 0.5; minmax / none normalisations."""
    same = topsis(np.ones((3, 2)), np.array([0.5, 0.5]), np.array([True, False]))
    np.testing.assert_array_equal(same, [0.5, 0.5, 0.5])
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    w, b = np.array([1.0, 1.0]), np.array([True, True])
    np.testing.assert_allclose(topsis(X, w, b, normalization="minmax"), [0.5, 0.5])
    np.testing.assert_allclose(topsis(X, w, b, normalization="none"), [0.5, 0.5])
    one = mcda_score([[3.0, 4.0]], [1, 1], [True, False], method="topsis")
    assert one.scores.tolist() == [0.5] and one.ranks.tolist() == [1]


# --------------------------------------------------------------------------- grey


def test_grey_yildirim_onder_2015() -> None:
    """Grey relational analysis example of Yıldırım, B. F. & Önder, E. (eds.) (2015),
    *Çok Kriterli Karar Verme Yöntemleri*, Dora, 2nd ed. (ISBN 978-605-9929-44-8): 5
    alternatives, 6 criteria (min, max, min, max, max, min), weights 0.05/0.20/0.10/0.15/
    0.10/0.40, ρ = 0.5 → grades 0.525, 0.70071, 0.54643, 0.57628, 0.65095, best A2.
    (Values as given by the JMcDM package's documentation and tests, which cite the book;
    the book itself could not be consulted.)"""
    X = np.column_stack(
        [
            [105000.0, 120000, 150000, 115000, 135000],
            [105.0, 110, 120, 105, 115],
            [10.0, 15, 12, 20, 15],
            [4.0, 4, 3, 4, 5],
            [300.0, 500, 550, 600, 400],
            [10.0, 8, 12, 9, 9],
        ]
    )
    benefit = np.array([False, True, False, True, True, False])
    w = [0.05, 0.20, 0.10, 0.15, 0.10, 0.40]
    res = mcda_score(X, w, benefit, method="grey")
    np.testing.assert_allclose(
        res.scores,
        [0.525, 0.7007142857142857, 0.5464285714285715, 0.5762820512820512, 0.650952380952381],
        rtol=1e-12,
    )
    assert res.ranks.tolist() == [5, 1, 4, 3, 2]
    assert res.method == "grey" and res.options == ()


def test_grey_supplier_example_cross_check() -> None:
    """Six-supplier, nine-indicator example of 司守奎《数学建模算法与应用》(grey relational
    evaluation, indicators 2-4 cost-type, equal weights): cross-checked against the
    independent loop implementation (published grades not available to us)."""
    data = np.array(
        [
            [0.83, 0.90, 0.99, 0.92, 0.87, 0.95],
            [326, 295, 340, 287, 310, 303],
            [21, 38, 25, 19, 27, 10],
            [3.2, 2.4, 2.2, 2.0, 0.9, 1.7],
            [0.20, 0.25, 0.12, 0.33, 0.20, 0.09],
            [0.15, 0.20, 0.14, 0.09, 0.15, 0.17],
            [250, 180, 300, 200, 150, 175],
            [0.23, 0.15, 0.27, 0.30, 0.18, 0.26],
            [0.87, 0.95, 0.99, 0.89, 0.82, 0.94],
        ]
    ).T
    benefit = np.array([True, False, False, False, True, True, True, True, True])
    w = np.full(9, 1 / 9)
    got = grey_relational(data, w, benefit)
    np.testing.assert_allclose(got, grey_reference(data, w, benefit, 0.5), rtol=1e-14)


def test_grey_rho_and_degenerate() -> None:
    X = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
    w, b = np.array([1.0, 1.0]), np.array([True, True])
    for rho in (0.1, 0.5, 1.0):
        np.testing.assert_allclose(
            grey_relational(X, w, b, rho=rho), grey_reference(X, w, b, rho), rtol=1e-14
        )
    np.testing.assert_array_equal(grey_relational(np.ones((3, 2)), w, b), [1.0, 1.0, 1.0])


# --------------------------------------------------------------------------- weighted sum


def test_weighted_sum_hand_values() -> None:
    """Min-max by direction then Σ w n / Σ w: column 1 benefit, column 2 cost."""
    X = [[1.0, 10.0], [3.0, 30.0], [2.0, 20.0]]
    res = mcda_score(X, [3.0, 1.0], [True, False], method="saw")
    assert res.method == "weighted_sum"
    np.testing.assert_allclose(res.scores, [0.25, 0.75, 0.5])
    pre = mcda_score(
        [[0.2, 1.0], [1.0, 0.0]], [1, 1], [True, True], normalization="none", method="weighted_sum"
    )
    np.testing.assert_allclose(pre.scores, [0.6, 0.5])


# --------------------------------------------------------------------------- API / errors


def test_registry_and_result() -> None:
    assert MCDA_METHODS.names() == ("weighted_sum", "topsis", "grey", "vikor", "promethee_ii")
    res = mcda_score(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_BENEFIT, method="gra", rho=0.5)
    assert isinstance(res, MCDAResult)
    assert res.method == "grey" and res.options == (("rho", 0.5),)
    with pytest.raises(AttributeError):
        res.method = "topsis"  # type: ignore[misc]


def test_errors() -> None:
    b = AIRCRAFT_BENEFIT
    with pytest.raises(UnknownMethodError, match=r"unknown MCDA method 'electre'.*topsis"):
        mcda_score(AIRCRAFT, AIRCRAFT_W, b, method="electre")
    with pytest.raises(ShapeError, match=r"weights shape \(5,\) does not match X shape \(4, 6\)"):
        mcda_score(AIRCRAFT, AIRCRAFT_W[:5], b)
    with pytest.raises(ShapeError, match=r"benefit shape \(5,\)"):
        mcda_score(AIRCRAFT, AIRCRAFT_W, b[:5])
    with pytest.raises(DataError, match="benefit must be a boolean array"):
        mcda_score(AIRCRAFT, AIRCRAFT_W, [1, 1, 1, 0, 1, 1])
    with pytest.raises(DataError, match="not all zero"):
        mcda_score(AIRCRAFT, np.zeros(6), b)
    with pytest.raises(DataError, match=r"NaN or infinite.*rows 2"):
        X = AIRCRAFT.copy()
        X[2, 1] = np.nan
        mcda_score(X, AIRCRAFT_W, b)
    with pytest.raises(DataError, match=r"rho must lie in \(0, 1\]"):
        mcda_score(AIRCRAFT, AIRCRAFT_W, b, method="grey", rho=0.0)
    with pytest.raises(DataError, match=r"invalid option.*rho.*'topsis'"):
        mcda_score(AIRCRAFT, AIRCRAFT_W, b, method="topsis", rho=0.5)
    with pytest.raises(DataError, match="normalization must be one of"):
        mcda_score(AIRCRAFT, AIRCRAFT_W, b, method="topsis", normalization="sum")


# --------------------------------------------------------------------------- properties


@st.composite
def decision(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = draw(st.integers(1, 7))
    n = draw(st.integers(1, 5))
    X = draw(hnp.arrays(np.float64, (m, n), elements=st.floats(0, 1e3)))
    w = draw(hnp.arrays(np.float64, n, elements=st.floats(0.01, 1)))
    b = draw(hnp.arrays(np.bool_, n))
    return X, w, b


@settings(max_examples=50, deadline=None)
@given(decision())
def test_property_topsis_matches_independent_implementation(case: tuple) -> None:
    X, w, b = case
    np.testing.assert_allclose(topsis(X, w, b), topsis_reference(X, w, b), rtol=1e-10, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(decision(), st.floats(0.05, 1.0))
def test_property_grey_matches_independent_implementation(case: tuple, rho: float) -> None:
    X, w, b = case
    got = grey_relational(X, w, b, rho=rho)
    np.testing.assert_allclose(got, grey_reference(X, w, b, rho), rtol=1e-12)
    assert ((got > 0) & (got <= 1 + 1e-12)).all()


@settings(max_examples=50, deadline=None)
@given(decision(), st.sampled_from(["weighted_sum", "topsis", "grey"]))
def test_property_entity_order_does_not_matter(case: tuple, method: str) -> None:
    """Permuting the alternatives permutes the scores; scores lie in [0, 1]."""
    X, w, b = case
    perm = np.arange(X.shape[0])[::-1]
    s = mcda_score(X, w, b, method=method).scores
    sp = mcda_score(X[perm], w, b, method=method).scores
    np.testing.assert_allclose(sp, s[perm], rtol=1e-12, atol=1e-15)
    assert ((s >= -1e-12) & (s <= 1 + 1e-12)).all()
