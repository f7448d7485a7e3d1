"""Tests of the best-worst method (evalsys.weights.bwm) and of the ratio-scale objective
weights (evalsys.weights.objective_ratio): MEREC and the classical entropy on raw
proportions."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from evalsys.errors import DataError, ParameterError, ShapeError
from evalsys.weights.bwm import bwm, bwm_consistency_index
from evalsys.weights.objective import objective_weights

# --------------------------------------------------------------------------- BWM

# Rezaei (2015, 2016), the car example: quality, price, comfort, safety, style; best =
# price, worst = style.
CAR_BO = [2, 1, 4, 2, 8]
CAR_OW = [4, 8, 4, 4, 1]


def linear_bwm_by_vertex_enumeration(bo: list[float], ow: list[float]) -> tuple[np.ndarray, float]:
    """Independent solution of Rezaei's (2016) linear model: enumerate every vertex of the
    feasible polytope (6 active constraints among the inequalities plus Σw = 1) and keep
    the feasible one with the smallest ξ."""
    n = len(bo)
    b, w = bo.index(1), ow.index(1)
    rows = []
    for j in range(n):
        r = np.zeros(n + 1)
        r[b] += 1
        r[j] -= bo[j]
        r[n] = -1
        rows += [r, np.r_[-r[:n], -1]]
        s = np.zeros(n + 1)
        s[j] += 1
        s[w] -= ow[j]
        s[n] = -1
        rows += [s, np.r_[-s[:n], -1]]
    rows += [np.r_[-np.eye(n + 1)[k]] for k in range(n + 1)]  # -z <= 0
    G = np.array(rows)
    eq = np.r_[np.ones(n), 0.0]
    combos = np.array(list(itertools.combinations(range(len(G)), n)))
    A = np.concatenate([G[combos], np.broadcast_to(eq, (len(combos), 1, n + 1))], axis=1)
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    ok = np.abs(np.linalg.det(A)) > 1e-9
    z = np.linalg.solve(A[ok], np.broadcast_to(rhs[:, None], (int(ok.sum()), n + 1, 1)))[..., 0]
    feasible = z[(z @ G.T <= 1e-9).all(axis=1)]
    best = feasible[np.argmin(feasible[:, -1])]
    return best[:n], float(best[-1])


def test_consistency_index_reproduces_rezaei_2015_table_5() -> None:
    """Rezaei (2015), Table 5: CI for a_BW = 1 ... 9."""
    table = [0.00, 0.44, 1.00, 1.63, 2.30, 3.00, 3.73, 4.47, 5.23]
    assert [round(bwm_consistency_index(a), 2) for a in range(1, 10)] == table


def test_linear_model_car_example() -> None:
    """Rezaei's car example under the linear model of Rezaei (2016): the optimum is the
    vertex w = (16, 28, 8, 16, 3)/71, ξL = 4/71, confirmed by vertex enumeration."""
    r = bwm(CAR_BO, CAR_OW, names=["quality", "price", "comfort", "safety", "style"])
    expected = np.array([16, 28, 8, 16, 3]) / 71
    np.testing.assert_allclose(r.weights, expected, atol=1e-9)
    assert r.weights.round(4).tolist() == [0.2254, 0.3944, 0.1127, 0.2254, 0.0423]
    assert r.xi == pytest.approx(4 / 71, abs=1e-9)
    assert (r.best, r.worst, r.model, r.names[r.best]) == (1, 4, "linear", "price")
    w_vertex, xi_vertex = linear_bwm_by_vertex_enumeration(CAR_BO, CAR_OW)
    np.testing.assert_allclose(r.weights, w_vertex, atol=1e-9)
    assert r.xi == pytest.approx(xi_vertex, abs=1e-9)


def test_nonlinear_model_car_example_consistency() -> None:
    """Nonlinear model (Rezaei 2015) on the car example.  Only comfort is inconsistent
    (4 · 4 = 16 ≠ a_BW = 8); its two ratios multiply to w_B/w_W, so (4 − ξ)² ≤ 8 + ξ,
    i.e. ξ* = 1 exactly; CR = 1/CI(8) = 0.2238; input-based CR = |16 − 8|/(64 − 8)."""
    r = bwm(CAR_BO, CAR_OW, model="nonlinear")
    assert r.xi == pytest.approx(1.0, abs=1e-6) and r.xi_star == r.xi
    assert r.consistency_index == pytest.approx(bwm_consistency_index(8))
    assert r.consistency_ratio == pytest.approx(1 / bwm_consistency_index(8), abs=1e-6)
    assert round(r.consistency_ratio, 4) == 0.2238
    assert r.input_consistency_ratio == pytest.approx(8 / 56)
    w = r.weights
    ratios = [w[1] / w[j] - CAR_BO[j] for j in range(5)] + [
        w[j] / w[4] - CAR_OW[j] for j in range(5)
    ]
    assert max(abs(x) for x in ratios) == pytest.approx(1.0, abs=1e-6)
    # the linear model reports the same consistency of the judgments
    lin = bwm(CAR_BO, CAR_OW)
    assert lin.xi_star == pytest.approx(r.xi_star) and lin.consistency_ratio == pytest.approx(
        r.consistency_ratio
    )


def test_nonlinear_three_criteria_example() -> None:
    """Three criteria, best-to-others (8, 2, 1), others-to-worst (1, 5, 8) — the basic
    example of the original paper as used by JMcDM's test-suite, which prints
    ξ* ≈ 0.26 and w ≈ (0.071, 0.338, 0.589).  With n = 3 the optimum is unique and has a
    closed form: (2 − ξ)(5 − ξ) = 8 + ξ, so ξ* = 4 − √14."""
    r = bwm([8, 2, 1], [1, 5, 8], model="nonlinear")
    xi = 4 - math.sqrt(14)
    assert r.xi == pytest.approx(xi, abs=1e-8)
    w1 = 1 / (1 + (5 - xi) + (5 - xi) * (2 - xi))
    expected = [w1, (5 - xi) * w1, (5 - xi) * (2 - xi) * w1]
    np.testing.assert_allclose(r.weights, expected, atol=1e-7)
    np.testing.assert_allclose(r.weights, [0.071, 0.338, 0.589], atol=0.01)
    assert round(r.xi, 2) == 0.26
    assert r.consistency_ratio == pytest.approx(xi / bwm_consistency_index(8), abs=1e-8)
    assert (r.best, r.worst) == (2, 0)


def test_fully_consistent_judgments() -> None:
    r = bwm([1, 2, 4, 8], [8, 4, 2, 1])
    np.testing.assert_allclose(r.weights, np.array([8, 4, 2, 1]) / 15, atol=1e-9)
    assert r.xi == pytest.approx(0, abs=1e-9) and r.xi_star == pytest.approx(0, abs=1e-9)
    assert r.consistency_ratio == pytest.approx(0, abs=1e-9) and r.input_consistency_ratio == 0
    nl = bwm([1, 2, 4, 8], [8, 4, 2, 1], model="nonlinear")
    np.testing.assert_allclose(nl.weights, r.weights, atol=1e-7)
    eq = bwm([1, 1, 1], [1, 1, 1], best=0, worst=2)  # all equally important
    np.testing.assert_allclose(eq.weights, [1 / 3] * 3, atol=1e-9)
    assert eq.consistency_index == 0.0 and eq.consistency_ratio == 0.0


def test_result_is_frozen_and_read_only() -> None:
    r = bwm(CAR_BO, CAR_OW)
    with pytest.raises(ValueError, match="read-only"):
        r.weights[0] = 1.0
    with pytest.raises(AttributeError):
        r.model = "nonlinear"  # type: ignore[misc]


def test_bwm_errors() -> None:
    with pytest.raises(DataError, match="a_BW differs"):
        bwm([2, 1, 4, 2, 8], [4, 7, 4, 4, 1])
    with pytest.raises(DataError, match=r"several entries equal to 1.*pass best="):
        bwm([1, 1, 3], [3, 3, 1])
    assert bwm([1, 1, 3], [3, 3, 1], best=1).best == 1
    with pytest.raises(DataError, match="no entries equal to 1"):
        bwm([2, 3, 4], [4, 2, 1])
    with pytest.raises(DataError, match="same"):
        bwm([1, 2], [2, 1], best=0, worst=0)
    with pytest.raises(DataError, match=">= 1"):
        bwm([1, 0.5, 3], [3, 4, 1])
    with pytest.raises(DataError, match="finite"):
        bwm([1, np.nan, 3], [3, 4, 1])
    with pytest.raises(ShapeError, match="3 entries, others_to_worst 2"):
        bwm([1, 2, 3], [3, 1])
    with pytest.raises(ShapeError, match="at least 2"):
        bwm([1], [1])
    with pytest.raises(ShapeError, match="2 names given for 3"):
        bwm([1, 2, 3], [3, 2, 1], names=["a", "b"])
    with pytest.raises(DataError, match="'d' is not among the names"):
        bwm([1, 2, 3], [3, 2, 1], names=["a", "b", "c"], best="d")
    with pytest.raises(DataError, match="must be 1 at the best"):
        bwm([2, 1, 3], [3, 2, 1], best=0)
    with pytest.raises(ParameterError, match="unknown BWM model 'lp'; valid: linear, nonlinear"):
        bwm(CAR_BO, CAR_OW, model="lp")


@st.composite
def comparison_systems(draw: st.DrawFn) -> tuple[list[int], list[int], int, int]:
    n = draw(st.integers(2, 6))
    b, w = draw(st.permutations(range(n)))[:2]
    a_bw = draw(st.integers(2, 9))
    bo = [draw(st.integers(2, a_bw)) for _ in range(n)]
    ow = [draw(st.integers(2, a_bw)) for _ in range(n)]
    bo[b], ow[w] = 1, 1
    bo[w], ow[b] = a_bw, a_bw
    return bo, ow, b, w


@settings(max_examples=40, deadline=None)
@given(system=comparison_systems(), seed=st.integers(0, 2**32 - 1))
def test_bwm_invariants(system: tuple[list[int], list[int], int, int], seed: int) -> None:
    bo, ow, b, w = system
    lin = bwm(bo, ow, best=b, worst=w)
    nl = bwm(bo, ow, best=b, worst=w, model="nonlinear")
    for r in (lin, nl):
        assert r.weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert (r.weights >= 0).all()
        assert r.input_consistency_ratio >= 0
    # ξ* is the minimum of the ratio objective: the linear weights cannot do better
    x = lin.weights
    if (x > 0).all():
        ratio_dev = max(
            max(abs(x[b] / x[j] - bo[j]), abs(x[j] / x[w] - ow[j])) for j in range(len(bo))
        )
        assert nl.xi_star <= ratio_dev + 1e-6
    # relabelling the criteria permutes the weights
    perm = np.random.default_rng(seed).permutation(len(bo))
    inv = np.argsort(perm)
    p = bwm([bo[i] for i in perm], [ow[i] for i in perm], best=int(inv[b]), worst=int(inv[w]))
    np.testing.assert_allclose(p.weights, lin.weights[perm], atol=1e-7)
    assert p.xi == pytest.approx(lin.xi, abs=1e-9)


# --------------------------------------------------------------------------- MEREC

# Keshavarz-Ghorabaee et al. (2021), Symmetry 13(4):525, illustrative example: five
# alternatives, criteria C1, C2 benefit and C3, C4 cost; weights 0.5752, 0.0141, 0.4016,
# 0.0091 (same transcription in pymcdm's and mcdm-scalajs's test-suites).
MEREC_X = [
    [450, 8000, 54, 145],
    [10, 9100, 2, 160],
    [100, 8200, 31, 153],
    [220, 9300, 1, 162],
    [5, 8400, 23, 158],
]
MEREC_DIRECTIONS = ["benefit", "benefit", "cost", "cost"]
MEREC_W = [0.5752, 0.0141, 0.4016, 0.0091]


def merec_reference(rows: list[list[float]], benefit: list[bool]) -> list[float]:
    """Loop-based MEREC from the six steps of the paper."""
    m = len(benefit)
    cols = list(zip(*rows, strict=True))
    nmat = [
        [(min(cols[j]) / r[j]) if benefit[j] else (r[j] / max(cols[j])) for j in range(m)]
        for r in rows
    ]
    s = [math.log(1 + sum(abs(math.log(v)) for v in r) / m) for r in nmat]
    e = []
    for j in range(m):
        sj = [
            math.log(1 + sum(abs(math.log(v)) for k, v in enumerate(r) if k != j) / m) for r in nmat
        ]
        e.append(sum(abs(a - b) for a, b in zip(sj, s, strict=True)))
    return [x / sum(e) for x in e]


def test_merec_reproduces_keshavarz_ghorabaee_2021() -> None:
    r = objective_weights(MEREC_X, "merec", MEREC_DIRECTIONS)
    assert r.weights.round(4).tolist() == MEREC_W
    assert r.method == "merec"
    ref = merec_reference(MEREC_X, [True, True, False, False])
    np.testing.assert_allclose(r.weights, ref, rtol=0, atol=1e-12)


def test_merec_needs_positive_values() -> None:
    bad = [row[:] for row in MEREC_X]
    bad[2][1] = 0
    with pytest.raises(DataError, match=r"column '1': method 'merec'.*positive values.*\(rows 2\)"):
        objective_weights(bad, "merec")


# --------------------------------------------------------------------------- classical entropy

# Elsayed, Dawood & Karthikeyan (2017), Evaluating alternatives through the application of
# TOPSIS method with entropy weight, Int. J. Eng. Trends Technol. 46(2), 60-66: 12
# alternatives, 5 criteria; entropy weights on raw proportions 0.104991, 0.069124,
# 0.071373, 0.449937, 0.304575 (transcription as in pymcdm's test-suite).
ELSAYED = [
    [7, 312, 1891, 6613, 163],
    [72, 88, 728, 941804, 1078],
    [10, 252, 2594, 3466, 117471],
    [10, 145, 980, 2371, 86329],
    [65, 54, 350, 501, 29897],
    [29, 48, 380, 912, 34051],
    [7, 476, 3300, 78470, 2212],
    [70, 87, 650, 733, 819000],
    [4, 86, 591, 3015, 103],
    [12, 79, 579, 3240, 96098],
    [21, 45, 261, 1253, 453],
    [1, 72, 530, 4333, 0.104800],
]
ELSAYED_W = [0.104991, 0.069124, 0.071373, 0.449937, 0.304575]


def entropy_raw_reference(rows: list[list[float]]) -> list[float]:
    d = []
    for col in zip(*rows, strict=True):
        total = sum(col)
        h = sum((v / total) * math.log(v / total) for v in col if v > 0)
        d.append(1 + h / math.log(len(col)))
    return [x / sum(d) for x in d]


def test_entropy_raw_reproduces_elsayed_2017() -> None:
    r = objective_weights(ELSAYED, "entropy_raw")
    assert r.weights.round(6).tolist() == ELSAYED_W
    np.testing.assert_allclose(r.weights, entropy_raw_reference(ELSAYED), atol=1e-12)
    assert objective_weights(ELSAYED, "entropy_zeleny").method == "entropy_raw"


def test_entropy_raw_is_beside_not_instead_of_the_default() -> None:
    fighter = [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ]
    default = objective_weights(fighter)
    assert default.method == "entropy"
    raw = objective_weights(fighter, "entropy_raw")
    assert not np.allclose(default.weights, raw.weights)
    # direction-free: the entropy of a distribution does not depend on the direction
    cost = objective_weights(fighter, "entropy_raw", "cost")
    np.testing.assert_array_equal(cost.weights, raw.weights)
    with pytest.raises(DataError, match="shift applies only to method 'entropy'"):
        objective_weights(fighter, "entropy_raw", shift=0.01)
    with pytest.raises(DataError, match=r"'entropy_raw'.*non-negative"):
        objective_weights([[1, -2], [3, 4], [5, 6]], "entropy_raw")


@settings(max_examples=50, deadline=None)
@given(
    x=arrays(
        np.float64,
        st.tuples(st.integers(2, 8), st.integers(1, 5)),
        elements=st.floats(0.5, 1000, allow_nan=False),
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_ratio_scale_weights_sum_to_one_and_are_permutation_invariant(
    x: np.ndarray, seed: int
) -> None:
    if (np.ptp(x, axis=0) == 0).any():
        return  # constant columns are rejected by design
    rng = np.random.default_rng(seed)
    benefit = list(rng.random(x.shape[1]) < 0.5)
    rows = rng.permutation(x.shape[0])
    cols = rng.permutation(x.shape[1])
    for method in ("merec", "entropy_raw"):
        try:
            r = objective_weights(x, method, benefit)
        except DataError as exc:  # all-zero removal effects (e.g. one column): undefined
            assert "zero information" in str(exc)
            continue
        assert r.weights.sum() == pytest.approx(1.0, abs=1e-12)
        assert (r.weights >= 0).all()
        p = objective_weights(x[rows][:, cols], method, [benefit[c] for c in cols])
        np.testing.assert_allclose(p.weights, r.weights[cols], atol=1e-10)
