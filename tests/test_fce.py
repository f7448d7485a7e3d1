"""Tests for evalsys.scoring.fce: the four fuzzy operators, single-node and level kernels."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from evalsys.errors import DataError, ShapeError, UnknownMethodError
from evalsys.scoring.fce import OPERATORS, FCEResult, fce, fce_level, fuzzy_evaluate
from evalsys.scoring.grading import max_membership

# Textbook clothing example (/work/shared/reference/README.md, "FCE 1"): factors colour,
# style, durability, price; grades very popular, popular, not very popular, unpopular.
CLOTHING_R = np.array(
    [
        [0.2, 0.5, 0.2, 0.1],
        [0.7, 0.2, 0.1, 0.0],
        [0.0, 0.4, 0.5, 0.1],
        [0.2, 0.3, 0.5, 0.0],
    ]
)
A1 = np.array([0.1, 0.2, 0.3, 0.4])
A2 = np.array([0.4, 0.35, 0.15, 0.1])
OPS = OPERATORS.names()


def brute_force(a: np.ndarray, R: np.ndarray, op: str) -> np.ndarray:
    """Independent scalar implementation of b_j = ⊕_i (a_i ⊗ r_ij), straight from the
    textbook definitions, for one (L, G) matrix."""
    L, G = R.shape
    b = []
    for j in range(G):
        if op == "min_max":
            v = max(min(float(a[i]), float(R[i, j])) for i in range(L))
        elif op == "product_max":
            v = max(float(a[i]) * float(R[i, j]) for i in range(L))
        elif op == "min_bounded_sum":
            v = min(1.0, sum(min(float(a[i]), float(R[i, j])) for i in range(L)))
        else:
            v = sum(float(a[i]) * float(R[i, j]) for i in range(L))
        b.append(v)
    return np.array(b)


# --------------------------------------------------------------------------- reference


def test_clothing_min_max_published() -> None:
    """Clothing example with M(∧,∨) (汪培庄《模糊集合论及其应用》; 谢季坚《模糊数学方法及其
    应用》; /work/shared/reference/README.md FCE 1): A1 → B1 = (0.2, 0.3, 0.4, 0.1),
    A2 → B2 = (0.35, 0.4, 0.2, 0.1), exactly (min/max only select values)."""
    np.testing.assert_array_equal(fce(A1, CLOTHING_R, "min_max"), [0.2, 0.3, 0.4, 0.1])
    np.testing.assert_array_equal(fce(A2, CLOTHING_R, "min_max"), [0.35, 0.4, 0.2, 0.1])


def test_clothing_max_membership_grades_published() -> None:
    """Same reference: maximum membership gives grade 3 ("not very popular") for A1 and
    grade 2 ("popular") for A2 — 0-based indices 2 and 1."""
    b1 = fce(A1, CLOTHING_R, "min_max")
    b2 = fce(A2, CLOTHING_R, "min_max")
    grade, _ = max_membership(np.stack([b1, b2]))
    assert grade.tolist() == [2, 1]


@pytest.mark.parametrize(
    ("op", "b1", "b2"),
    [
        # Hand computations (cross-checks, not published values):
        # M(·,∨) A1: b1 = max(.02,.14,0,.08) …
        ("product_max", [0.14, 0.12, 0.20, 0.03], [0.245, 0.20, 0.08, 0.04]),
        # M(∧,⊕) A1: b1 = min(1, .1+.2+0+.2) …
        ("min_bounded_sum", [0.5, 0.9, 0.9, 0.2], [0.65, 0.85, 0.55, 0.2]),
        # M(·,+) A1: b1 = .02+.14+0+.08 …
        ("weighted_average", [0.24, 0.33, 0.39, 0.04], [0.345, 0.36, 0.24, 0.055]),
        ("min_max", [0.2, 0.3, 0.4, 0.1], [0.35, 0.4, 0.2, 0.1]),
    ],
)
def test_clothing_other_operators_cross_check(op: str, b1: list[float], b2: list[float]) -> None:
    """Cross-check (hand computation + brute-force loop) of the other operators on the
    clothing example R; no published values were found for them."""
    for a, expected in ((A1, b1), (A2, b2)):
        got = fce(a, CLOTHING_R, op)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
        np.testing.assert_allclose(got, brute_force(a, CLOTHING_R, op), rtol=0, atol=1e-15)


def test_weighted_average_is_distribution_on_clothing() -> None:
    """M(·,+) with weights summing to 1 and rows summing to 1 gives B summing to 1."""
    for a in (A1, A2):
        assert fce(a, CLOTHING_R).sum() == pytest.approx(1.0, abs=1e-15)


# --------------------------------------------------------------------------- fce API


def test_batched_shape_and_values() -> None:
    rng = np.random.default_rng(1)
    R = rng.random((7, 4, 3))
    for op in OPS:
        B = fce(A1, R, op)
        assert B.shape == (7, 3)
        for e in range(7):
            np.testing.assert_allclose(B[e], brute_force(A1, R[e], op), atol=1e-15)


def test_normalize_divides_by_row_sum_and_keeps_zero_rows() -> None:
    B = fce(A2, CLOTHING_R, "min_max", normalize=True)
    np.testing.assert_allclose(B, np.array([0.35, 0.4, 0.2, 0.1]) / 1.05)
    R = np.zeros((2, 4, 4))
    R[1] = CLOTHING_R
    Bz = fce(A1, R, "product_max", normalize=True)
    np.testing.assert_array_equal(Bz[0], np.zeros(4))
    assert Bz[1].sum() == pytest.approx(1.0)


def test_fuzzy_evaluate_records_operator() -> None:
    res = fuzzy_evaluate(A1, CLOTHING_R, "min_max")
    assert isinstance(res, FCEResult)
    assert (res.operator, res.symbol, res.normalized) == ("min_max", "M(∧,∨)", False)
    np.testing.assert_array_equal(res.B, [0.2, 0.3, 0.4, 0.1])
    with pytest.raises(AttributeError):
        res.operator = "x"  # type: ignore[misc]


def test_operator_registry_symbols() -> None:
    assert OPS == ("min_max", "product_max", "min_bounded_sum", "weighted_average")
    assert [OPERATORS.get(n).symbol for n in OPS] == ["M(∧,∨)", "M(·,∨)", "M(∧,⊕)", "M(·,+)"]


def test_unknown_operator_lists_valid_names() -> None:
    with pytest.raises(UnknownMethodError, match="unknown fuzzy operator 'max_min'") as exc:
        fce(A1, CLOTHING_R, "max_min")
    for name in OPS:
        assert name in str(exc.value)


def test_shape_mismatch_names_shapes() -> None:
    with pytest.raises(ShapeError, match=r"weights shape \(3,\).*R shape \(4, 4\)"):
        fce([0.2, 0.3, 0.5], CLOTHING_R)
    with pytest.raises(ShapeError, match="R must be"):
        fce(A1, np.zeros(4))
    with pytest.raises(ShapeError, match="weights must be 1-D"):
        fce(np.ones((1, 4)), CLOTHING_R)


def test_bad_weights_and_memberships() -> None:
    with pytest.raises(DataError, match="non-negative"):
        fce([0.5, -0.1, 0.3, 0.3], CLOTHING_R)
    with pytest.raises(DataError, match="finite"):
        fce([0.5, np.nan, 0.3, 0.2], CLOTHING_R)
    R = np.tile(CLOTHING_R, (3, 1, 1))
    R[2, 0, 0] = 1.5
    R[1, 1, 1] = np.nan
    with pytest.raises(DataError, match=r"\[0, 1\].*rows 1, 2") as exc:
        fce(A1, R)
    assert exc.value.rows == (1, 2)


# --------------------------------------------------------------------------- fce_level


def _level_case() -> tuple[np.ndarray, np.ndarray, dict[int, list[int]]]:
    """A level with 3 parents over 7 children, children interleaved (not grouped by parent),
    one off-tree child (column 5) and parent 2 without children."""
    rng = np.random.default_rng(7)
    children = {0: [0, 3, 6], 1: [1, 2, 4], 2: []}
    A = np.zeros((3, 7))
    for p, cs in children.items():
        if cs:
            w = rng.random(len(cs))
            A[p, cs] = w / w.sum()
    R = rng.random((11, 7, 5))
    return A, R, children


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("strategy", ["auto", "tree", "dense"])
def test_level_off_tree_children_contribute_nothing(op: str, strategy: str) -> None:
    """B[:, p] equals fce over p's own children only: zeros off the tree add nothing
    (min(0, r) = 0, 0·r = 0, r >= 0), under every operator and both kernels."""
    A, R, children = _level_case()
    B = fce_level(A, R, op, strategy=strategy)  # type: ignore[arg-type]
    assert B.shape == (11, 3, 5)
    for p, cs in children.items():
        if cs:
            expected = fce(A[p, cs], R[:, cs, :], op)
        else:
            expected = np.zeros((11, 5))
        np.testing.assert_allclose(B[:, p, :], expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("op", OPS)
def test_level_general_matrix_matches_definition(op: str) -> None:
    """A child shared by two parents (not a tree): the dense kernel must follow the
    definition b_epj = ⊕_c (a_pc ⊗ r_ecj)."""
    rng = np.random.default_rng(3)
    A = rng.random((3, 5)) * (rng.random((3, 5)) > 0.3)
    R = rng.random((4, 5, 3))
    B = fce_level(A, R, op)
    for e, p in itertools.product(range(4), range(3)):
        np.testing.assert_allclose(B[e, p], brute_force(A[p], R[e], op), atol=1e-15)


def test_level_tree_strategy_rejects_general_matrix() -> None:
    with pytest.raises(ShapeError, match="at most one nonzero per column"):
        fce_level(np.ones((2, 3)), np.zeros((1, 3, 2)), "min_max", strategy="tree")


@pytest.mark.parametrize("op", OPS)
def test_level_chunking_and_out(op: str) -> None:
    A, R, _ = _level_case()
    full = fce_level(A, R, op)
    out = np.empty((11, 3, 5))
    got = fce_level(A, R, op, chunk_size=3, out=out)
    assert got is out
    if op == "weighted_average":
        np.testing.assert_allclose(got, full, rtol=1e-15, atol=0)
    else:  # segmented reductions are elementwise: chunking is bit-for-bit identical
        np.testing.assert_array_equal(got, full)
    dense = fce_level(A, R, op, chunk_size=2, strategy="dense")
    np.testing.assert_allclose(dense, full, rtol=1e-14, atol=1e-15)


def test_level_normalize_and_bounded() -> None:
    A, R, _ = _level_case()
    B = fce_level(A, R, "min_bounded_sum")
    assert B.max() <= 1.0
    Bn = fce_level(A, R, "min_max", normalize=True)
    np.testing.assert_allclose(Bn[:, :2].sum(axis=-1), 1.0)
    np.testing.assert_array_equal(Bn[:, 2], 0.0)  # parent without children stays 0


def test_level_shape_errors_name_shapes() -> None:
    with pytest.raises(ShapeError, match=r"A has shape \(2, 3\).*R has shape \(4, 5, 2\)"):
        fce_level(np.ones((2, 3)), np.zeros((4, 5, 2)))
    with pytest.raises(ShapeError, match="R must be 3-D"):
        fce_level(np.ones((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ShapeError, match="out must be"):
        fce_level(np.ones((1, 3)), np.zeros((4, 3, 2)), out=np.empty((4, 2, 2)))
    with pytest.raises(ShapeError, match="chunk_size"):
        fce_level(np.ones((1, 3)), np.zeros((4, 3, 2)), "min_max", chunk_size=0)


def test_level_all_zero_weights_gives_zero() -> None:
    for op in OPS:
        np.testing.assert_array_equal(fce_level(np.zeros((2, 3)), np.ones((4, 3, 2)), op), 0.0)


# --------------------------------------------------------------------------- properties

unit = st.floats(0.0, 1.0, allow_nan=False, width=64)


@st.composite
def weights_and_R(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    L = draw(st.integers(1, 6))
    G = draw(st.integers(2, 5))
    E = draw(st.integers(1, 6))
    w = draw(hnp.arrays(np.float64, L, elements=unit))
    R = draw(hnp.arrays(np.float64, (E, L, G), elements=unit))
    return w, R


@settings(max_examples=50, deadline=None)
@given(weights_and_R())
def test_property_weighted_average_preserves_distributions(case: tuple) -> None:
    """Weights summing to 1 and R rows summing to 1 ⇒ every B row sums to 1 under M(·,+)."""
    w, R = case
    if w.sum() == 0 or (R.sum(axis=-1) == 0).any():
        w = w + 0.1
        R = R + 0.1
    w = w / w.sum()
    R = R / R.sum(axis=-1, keepdims=True)
    B = fce(w, R, "weighted_average")
    np.testing.assert_allclose(B.sum(axis=-1), 1.0, rtol=1e-12)
    assert (B >= 0).all()


@settings(max_examples=50, deadline=None)
@given(weights_and_R())
def test_property_batch_equals_one_at_a_time(case: tuple) -> None:
    """fce on a batch (E, L, G) equals fce on each (L, G), for all four operators, and every
    result lies in [0, 1] when the weights do."""
    w, R = case
    for op in OPS:
        B = fce(w, R, op)
        for e in range(R.shape[0]):
            np.testing.assert_allclose(B[e], fce(w, R[e], op), rtol=1e-13, atol=1e-15)
        if op != "weighted_average":
            assert ((B >= 0) & (B <= 1)).all()


@st.composite
def level_case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    P = draw(st.integers(1, 4))
    C = draw(st.integers(1, 7))
    G = draw(st.integers(2, 4))
    E = draw(st.integers(1, 5))
    tree = draw(st.booleans())
    if tree:
        parent = draw(hnp.arrays(np.int64, C, elements=st.integers(-1, P - 1)))
        w = draw(hnp.arrays(np.float64, C, elements=unit))
        A = np.zeros((P, C))
        on = parent >= 0
        A[parent[on], np.flatnonzero(on)] = w[on]
    else:
        A = draw(hnp.arrays(np.float64, (P, C), elements=unit))
    R = draw(hnp.arrays(np.float64, (E, C, G), elements=unit))
    return A, R


@settings(max_examples=50, deadline=None)
@given(level_case(), st.permutations(range(5)))
def test_property_level_batch_and_permutation(case: tuple, order: list[int]) -> None:
    """fce_level: batch equals one entity at a time, chunking changes nothing, and permuting
    the entities permutes the result rows (no cross-entity leakage) — all operators."""
    A, R = case
    E = R.shape[0]
    perm = np.array([i for i in order if i < E])
    for op in OPS:
        B = fce_level(A, R, op)
        for e in range(E):
            np.testing.assert_allclose(
                B[e], fce_level(A, R[e : e + 1], op)[0], rtol=1e-13, atol=1e-15
            )
        np.testing.assert_allclose(fce_level(A, R[perm], op), B[perm], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(fce_level(A, R, op, chunk_size=2), B, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(fce_level(A, R, op, strategy="dense"), B, rtol=1e-13, atol=1e-15)
