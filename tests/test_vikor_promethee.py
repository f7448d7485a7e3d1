"""Tests of VIKOR (evalsys.scoring.vikor) and PROMETHEE II (evalsys.scoring.promethee):
published cases, independent loop-based references, invariants, and the tree / CLI path."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from evalsys.errors import DataError, ParameterError, ShapeError, UnknownMethodError
from evalsys.scoring import promethee as promethee_mod
from evalsys.scoring.mcda import MCDA_METHODS, mcda_score
from evalsys.scoring.promethee import PREFERENCE_FUNCTIONS, promethee_ii
from evalsys.scoring.result import METHODS
from evalsys.scoring.vikor import vikor

pytestmark = pytest.mark.filterwarnings("ignore::evalsys.errors.ValidityWarning")

# Opricovic & Tzeng (2004), EJOR 156(2) 445-455, numerical example: three alternatives,
# f1 minimised, f2 maximised, equal weights (the same transcription as pymcdm's tests).
OPRICOVIC = np.array([[1.0, 3000.0], [2.0, 3750.0], [5.0, 4500.0]])
OPRICOVIC_BENEFIT = np.array([False, True])

# Yang, W. & Wu, Y. (2020). A new improvement method to avoid rank reversal in VIKOR.
# IEEE Access 8, 21261-21271: five alternatives, four benefit criteria, equal weights.
YANG_WU = np.array(
    [[78, 56, 34, 6], [4, 45, 3, 97], [18, 2, 50, 63], [9, 14, 11, 92], [85, 9, 100, 29]],
    dtype=float,
)
YANG_WU_Q = [0.5679, 0.7667, 1.0, 0.7493, 0.0]

# Zhao, H., Peng, Y. & Li, W. (2013). Revised PROMETHEE II for improving efficiency in
# emergency response. Procedia Computer Science 17, 181-188: usual criterion.
ZHAO = np.array([[4.0, 3.0, 2.0], [3.0, 2.0, 4.0], [5.0, 1.0, 3.0]])
ZHAO_W = np.array([0.5, 0.3, 0.2])
ZHAO_PHI = [0.1, -0.3, 0.2]


# --------------------------------------------------------------------------- references
# Independent loop-based implementations written from the papers' step lists.


def vikor_reference(
    X: np.ndarray, w: np.ndarray, benefit: np.ndarray, v: float = 0.5
) -> tuple[list[float], list[float], list[float]]:
    m, n = X.shape
    wn = [wj / sum(w) for wj in w]
    S, R = [], []
    for i in range(m):
        terms = []
        for j in range(n):
            col = [X[k, j] for k in range(m)]
            best = max(col) if benefit[j] else min(col)
            worst = min(col) if benefit[j] else max(col)
            terms.append(0.0 if best == worst else wn[j] * (best - X[i, j]) / (best - worst))
        S.append(sum(terms))
        R.append(max(terms))

    def unit(a: list[float], x: float) -> float:
        return 0.0 if max(a) == min(a) else (x - min(a)) / (max(a) - min(a))

    Q = [v * unit(S, S[i]) + (1 - v) * unit(R, R[i]) for i in range(m)]
    return S, R, Q


def preference_reference(name: str, d: float, q: float, p: float, s: float) -> float:
    if name == "usual":
        return 1.0 if d > 0 else 0.0
    if name == "ushape":
        return 1.0 if d > q else 0.0
    if name == "vshape":
        return 0.0 if d <= 0 else (d / p if d <= p else 1.0)
    if name == "level":
        return 0.0 if d <= q else (0.5 if d <= p else 1.0)
    if name == "linear":
        return 0.0 if d <= q else ((d - q) / (p - q) if d <= p else 1.0)
    return 0.0 if d <= 0 else 1.0 - math.exp(-(d * d) / (2 * s * s))


def promethee_reference(
    X: np.ndarray, w: np.ndarray, benefit: np.ndarray, funcs: list[str], q: Any, p: Any, s: Any
) -> tuple[list[float], list[float]]:
    m, n = X.shape
    wn = [wj / sum(w) for wj in w]

    def pi(a: int, b: int) -> float:
        tot = 0.0
        for j in range(n):
            d = X[a, j] - X[b, j] if benefit[j] else X[b, j] - X[a, j]
            tot += wn[j] * preference_reference(funcs[j], d, q[j], p[j], s[j])
        return tot

    plus = [sum(pi(a, b) for b in range(m) if b != a) / (m - 1) for a in range(m)]
    minus = [sum(pi(b, a) for b in range(m) if b != a) / (m - 1) for a in range(m)]
    return plus, minus


# --------------------------------------------------------------------------- VIKOR


def test_vikor_reproduces_opricovic_tzeng_2004() -> None:
    """Opricovic & Tzeng (2004), numerical example: Q = (1, 0, 1); A2 is the compromise
    solution, with both conditions C1 (DQ = 0.5) and C2 satisfied."""
    r = vikor(OPRICOVIC, [0.5, 0.5], OPRICOVIC_BENEFIT)
    np.testing.assert_allclose(r.S, [0.5, 0.375, 0.5])
    np.testing.assert_allclose(r.R, [0.5, 0.25, 0.5])
    np.testing.assert_allclose(r.Q, [1.0, 0.0, 1.0])
    assert r.ranks.tolist() == [2, 1, 2]
    assert r.dq == 0.5 and r.acceptable_advantage and r.acceptable_stability
    assert r.compromise == (1,)


def test_vikor_reproduces_yang_wu_2020() -> None:
    """Yang & Wu (2020), IEEE Access 8, the VIKOR Q of their example (4 decimals)."""
    r = vikor(YANG_WU, [0.25] * 4, True)
    assert r.Q.round(4).tolist() == YANG_WU_Q
    S, R, Q = vikor_reference(YANG_WU, np.full(4, 0.25), np.ones(4, dtype=bool))
    np.testing.assert_allclose(r.S, S, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.R, R, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.Q, Q, rtol=0, atol=1e-12)
    assert r.compromise == (4,)  # A5: Q(A1) - Q(A5) = 0.568 >= DQ = 0.25, best S and R


def test_vikor_matches_loop_reference_with_cost_columns_and_v() -> None:
    X = np.random.default_rng(3).random((9, 5)) * [1, 10, 100, 5, 2]
    w = np.array([0.3, 0.1, 0.25, 0.2, 0.15])
    b = np.array([True, False, True, False, True])
    for v in (0.0, 0.3, 0.5, 1.0):
        r = vikor(X, w, b, v=v)
        S, R, Q = vikor_reference(X, w, b, v)
        np.testing.assert_allclose(r.S, S, atol=1e-12)
        np.testing.assert_allclose(r.R, R, atol=1e-12)
        np.testing.assert_allclose(r.Q, Q, atol=1e-12)


def test_vikor_compromise_set_when_conditions_fail() -> None:
    """The three branches of Opricovic & Tzeng's compromise rule (Q values checked by hand
    against the printed S, R, Q of each case)."""
    # C1 fails (DQ = 1/3): Q = (.0968, 1, .2, .8669) -> A1 and A3 are within DQ of A1.
    r = vikor([[5, 5, 7], [9, 1, 2], [8, 9, 3], [3, 8, 4]], [1, 1, 1], True)
    assert r.Q.round(4).tolist() == [0.0968, 1.0, 0.2, 0.8669]
    assert not r.acceptable_advantage and r.acceptable_stability
    assert r.compromise == (0, 2)
    # C1 and C2 fail: Q = (1, .1946, .5, .175) -> A4, A2, A3 (A1 is 0.825 behind).
    r = vikor([[1, 4, 1], [5, 5, 3], [1, 8, 6], [8, 6, 2]], [1, 1, 1], True)
    assert r.Q.round(4).tolist() == [1.0, 0.1946, 0.5, 0.175]
    assert not r.acceptable_advantage and not r.acceptable_stability
    assert r.compromise == (3, 1, 2)
    # Only C2 fails (DQ = 1/6): A1 has the best Q, 0.188 ahead of A3, but A3 has the best
    # S and A6/A7 the best R -> the compromise set is {A1, A3}.
    X = [[9, 4, 2, 6], [1, 3, 3, 6], [7, 3, 9, 6], [5, 9, 5, 2], [3, 4, 3, 5], [7, 6, 3, 3],
         [3, 6, 1, 3]]  # fmt: skip
    r = vikor(X, [2, 2, 1, 2], True, v=0.7)
    assert int(np.argmin(r.S)) == 2 and r.R.argmin() in (5, 6)
    assert r.acceptable_advantage and not r.acceptable_stability
    assert r.compromise == (0, 2) and r.dq == pytest.approx(1 / 6)
    # A single alternative is its own compromise solution.
    one = vikor([[1.0, 2.0]], [1, 1], True)
    assert one.compromise == (0,) and one.Q.tolist() == [0.0]


def test_vikor_as_mcda_score_is_one_minus_q_and_rank_1_is_smallest_q() -> None:
    r = vikor(YANG_WU, [0.25] * 4, True)
    m = mcda_score(YANG_WU, [0.25] * 4, True, method="vikor")
    np.testing.assert_allclose(m.scores, 1.0 - r.Q)
    assert m.ranks.tolist() == r.ranks.tolist()
    assert m.ranks[int(np.argmin(r.Q))] == 1
    m2 = mcda_score(YANG_WU, [0.25] * 4, True, method="vikor", v=0.2)
    assert m2.options == (("v", 0.2),)
    np.testing.assert_allclose(m2.scores, 1.0 - vikor(YANG_WU, [0.25] * 4, True, v=0.2).Q)


def test_vikor_errors() -> None:
    with pytest.raises(ParameterError, match=r"VIKOR v must lie in \[0, 1\], got 1.5"):
        mcda_score(YANG_WU, [0.25] * 4, True, method="vikor", v=1.5)
    with pytest.raises(ParameterError, match="VIKOR v must be a number"):
        vikor(YANG_WU, [0.25] * 4, True, v="half")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"invalid option\(s\) rho for MCDA method 'vikor'"):
        mcda_score(YANG_WU, [0.25] * 4, True, method="vikor", rho=0.5)
    with pytest.raises(ShapeError):
        vikor(YANG_WU, [0.25] * 3, True)
    with pytest.raises(DataError, match="NaN"):
        vikor([[1.0, np.nan], [2.0, 3.0]], [1, 1], True)


# --------------------------------------------------------------------------- PROMETHEE II


def test_promethee_reproduces_zhao_peng_li_2013() -> None:
    """Zhao, Peng & Li (2013), usual criterion: net flows 0.1, -0.3, 0.2."""
    r = promethee_ii(ZHAO, ZHAO_W, True)
    np.testing.assert_allclose(r.phi, ZHAO_PHI, atol=1e-12)
    np.testing.assert_allclose(r.phi_plus, [0.55, 0.35, 0.6], atol=1e-12)
    np.testing.assert_allclose(r.phi_minus, [0.45, 0.65, 0.4], atol=1e-12)
    assert r.ranks.tolist() == [2, 3, 1]
    m = mcda_score(ZHAO, ZHAO_W, True, method="promethee")
    assert m.method == "promethee_ii"
    np.testing.assert_allclose(m.scores, (1 + np.array(ZHAO_PHI)) / 2, atol=1e-12)
    assert m.ranks.tolist() == [2, 3, 1]


@pytest.mark.parametrize("name", PREFERENCE_FUNCTIONS.names())
def test_every_preference_function_matches_the_loop_reference(name: str) -> None:
    rng = np.random.default_rng(11)
    X = rng.random((8, 4)) * [1.0, 2.0, 0.5, 3.0]
    X[3] = X[5]  # a tie: d = 0 in both directions
    w = np.array([0.4, 0.1, 0.3, 0.2])
    b = np.array([True, False, True, False])
    q, p, s = [0.05, 0.1, 0.02, 0.2], [0.4, 0.9, 0.3, 1.5], [0.2, 0.5, 0.1, 0.8]
    r = promethee_ii(X, w, b, preference=name, q=q, p=p, s=s)
    plus, minus = promethee_reference(X, w, b, [name] * 4, q, p, s)
    np.testing.assert_allclose(r.phi_plus, plus, atol=1e-12)
    np.testing.assert_allclose(r.phi_minus, minus, atol=1e-12)


def test_mixed_preference_functions_per_criterion() -> None:
    X = np.random.default_rng(5).random((7, 3)) * 10
    funcs = ["usual", "linear", "gaussian"]
    q, p, s = [0.0, 1.0, 0.0], [0.0, 4.0, 0.0], [1.0, 1.0, 2.0]
    r = promethee_ii(X, [1, 2, 3], [True, False, True], preference=funcs, q=q, p=p, s=s)
    plus, minus = promethee_reference(X, np.array([1, 2, 3]), [True, False, True], funcs, q, p, s)
    np.testing.assert_allclose(r.phi, np.array(plus) - np.array(minus), atol=1e-12)
    assert r.preference == ("usual", "linear", "gaussian")


def test_blocks_do_not_change_the_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    X = np.random.default_rng(2).random((50, 6))
    w = np.random.default_rng(3).random(6)
    whole = promethee_ii(X, w, True, preference="vshape", p=0.5)
    monkeypatch.setattr(promethee_mod, "BLOCK_ELEMENTS", 6 * 50 * 3)  # blocks of 3 rows
    blocked = promethee_ii(X, w, True, preference="vshape", p=0.5)
    np.testing.assert_allclose(blocked.phi, whole.phi, rtol=0, atol=1e-13)


def test_entity_limit_is_a_clear_error() -> None:
    X = np.random.default_rng(0).random((6, 2))
    with pytest.raises(DataError, match=r"O\(E²\).*6 entities exceed the limit of 5"):
        mcda_score(X, [1, 1], True, method="promethee_ii", max_entities=5)
    assert promethee_mod.MAX_ENTITIES == 10_000
    assert mcda_score(X, [1, 1], True, method="promethee_ii", max_entities=6).scores.size == 6


def test_promethee_option_errors() -> None:
    X = ZHAO
    with pytest.raises(ParameterError, match="'vshape' of criterion 0 needs a finite p"):
        promethee_ii(X, ZHAO_W, True, preference="vshape")
    with pytest.raises(ParameterError, match="needs p > q for 'linear'"):
        promethee_ii(X, ZHAO_W, True, preference="linear", q=1.0, p=0.5)
    with pytest.raises(ParameterError, match="s must be > 0"):
        promethee_ii(X, ZHAO_W, True, preference="gaussian", s=0.0)
    with pytest.raises(ParameterError, match="q must be >= 0"):
        promethee_ii(X, ZHAO_W, True, preference="ushape", q=-1.0)
    with pytest.raises(ParameterError, match="max_entities must be an integer"):
        promethee_ii(X, ZHAO_W, True, max_entities=1.5)  # type: ignore[arg-type]
    with pytest.raises(ShapeError, match="preference has 2 entries for 3 criteria"):
        promethee_ii(X, ZHAO_W, True, preference=["usual", "usual"])
    with pytest.raises(ShapeError, match=r"p must be a scalar or have shape \(3,\)"):
        promethee_ii(X, ZHAO_W, True, preference="vshape", p=[1.0, 2.0])
    with pytest.raises(UnknownMethodError, match="unknown PROMETHEE preference function 'step'"):
        promethee_ii(X, ZHAO_W, True, preference="step")
    with pytest.raises(DataError, match="invalid option"):
        mcda_score(X, ZHAO_W, True, method="promethee", v=0.5)


def test_single_alternative_has_zero_flows() -> None:
    r = promethee_ii([[1.0, 2.0]], [1, 1], True)
    assert r.phi.tolist() == [0.0] and r.ranks.tolist() == [1]


# --------------------------------------------------------------------------- invariants

matrices = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 7), st.integers(1, 4)),
    elements=st.floats(-100, 100, allow_nan=False, width=32),
)


@settings(max_examples=60, deadline=None)
@given(X=matrices, seed=st.integers(0, 2**32 - 1), scale=st.floats(0.01, 100))
def test_permutation_and_weight_scale_invariance(X: np.ndarray, seed: int, scale: float) -> None:
    rng = np.random.default_rng(seed)
    L = X.shape[1]
    w = rng.random(L) + 0.01
    b = rng.random(L) < 0.5
    perm = rng.permutation(X.shape[0])
    v1, v2 = vikor(X, w, b), vikor(X[perm], w * scale, b)
    np.testing.assert_allclose(v2.Q, v1.Q[perm], atol=1e-9)
    assert ((v1.Q >= -1e-12) & (v1.Q <= 1 + 1e-12)).all()
    p1, p2 = promethee_ii(X, w, b), promethee_ii(X[perm], w * scale, b)
    np.testing.assert_allclose(p2.phi, p1.phi[perm], atol=1e-12)
    assert abs(float(p1.phi.sum())) < 1e-9  # net flows sum to zero
    assert ((p1.phi >= -1 - 1e-12) & (p1.phi <= 1 + 1e-12)).all()
    # a column permutation (with its weights and directions) changes nothing either
    cp = rng.permutation(L)
    np.testing.assert_allclose(vikor(X[:, cp], w[cp], b[cp]).Q, v1.Q, atol=1e-9)
    np.testing.assert_allclose(promethee_ii(X[:, cp], w[cp], b[cp]).phi, p1.phi, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(X=matrices)
def test_a_dominating_alternative_ranks_first(X: np.ndarray) -> None:
    top = X.max(axis=0) + 1.0
    Y = np.vstack([X, top])
    w = np.ones(X.shape[1])
    for method in ("vikor", "promethee_ii"):
        r = mcda_score(Y, w, True, method=method)
        assert r.ranks[-1] == 1
        assert ((r.scores >= -1e-12) & (r.scores <= 1 + 1e-12)).all()


# --------------------------------------------------------------------------- the tree


def test_registry_and_scoring_methods_list_the_new_methods() -> None:
    assert "vikor" in MCDA_METHODS and "promethee_ii" in MCDA_METHODS
    assert MCDA_METHODS.canonical("promethee") == "promethee_ii"
    assert set(METHODS) - {"fce"} == set(MCDA_METHODS.names())


def test_tree_scoring_with_vikor_and_promethee() -> None:
    from evalsys.engines.memory import score_entities
    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import indicator_data
    from evalsys.model.io import load_tree
    from evalsys.model.sample import generate_sample
    from evalsys.model.tables import table_from_columns
    from evalsys.scoring.mcda import decision_matrix
    from evalsys.scoring.plan import data_range, leaf_plan, utilities

    tree = load_tree("ecommerce_service")
    compiled = compile_tree(tree)
    d = indicator_data(compiled, table_from_columns(generate_sample(tree, 120, seed=3)))
    for method in ("vikor", "promethee_ii"):
        res = score_entities(compiled, d, method=method)
        assert res.method == method and res.B is None
        assert ((res.score >= 0) & (res.score <= 1)).all()
        assert res.rank[int(np.argmax(res.score))] == 1
    # the VIKOR score column is 1 - Q of the leaf utilities with the global leaf weights
    res = score_entities(compiled, d, method="vikor")
    plan = leaf_plan(compiled)
    X = np.asarray(d.values)
    lo, hi = data_range(plan, X)
    U = utilities(plan, X, d.votes, compiled.n_grades, lo, hi)
    M, b = decision_matrix("vikor", X, U, plan.benefit_raw, plan.vote_cols)
    w = np.asarray(res.weights.global_weights)[compiled.leaf_nodes]
    np.testing.assert_allclose(res.score, 1.0 - vikor(M, w, b).Q, atol=1e-12)


def test_cli_score_method_vikor_and_promethee(tmp_path: Path) -> None:
    from evalsys.model.io import shipped_path

    sample = shipped_path("samples", "ecommerce_merchants.csv")
    for method in ("vikor", "promethee_ii"):
        out = tmp_path / f"{method}.csv"
        proc = subprocess.run(
            [sys.executable, "-m", "evalsys", "score", "ecommerce_service", str(sample),
             "-o", str(out), "--method", method],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert f"with {method}" in proc.stdout and out.exists()
