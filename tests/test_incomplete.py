"""Tests of evalsys.weights.incomplete: Harker, incomplete LLSM, λmax-optimal completion."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalsys.errors import MatrixError, UnknownMethodError
from evalsys.weights.ahp import SAATY_SCALE, ahp_priorities
from evalsys.weights.incomplete import (
    INCOMPLETE_METHODS,
    IncompleteResult,
    from_judgments,
    incomplete_priorities,
    validate_incomplete,
)

NAN = float("nan")
METHODS = INCOMPLETE_METHODS.names()


def _with_holes(a: np.ndarray, holes: list[tuple[int, int]]) -> np.ndarray:
    out = np.array(a, dtype=float)
    for i, j in holes:
        out[i, j] = out[j, i] = NAN
    return out


@pytest.mark.parametrize("method", METHODS)
def test_consistent_matrix_with_holes_is_recovered(method: str) -> None:
    w = np.array([6.0, 3.0, 2.0, 1.5, 1.0])
    a = _with_holes(w[:, None] / w[None, :], [(0, 2), (1, 4), (2, 3)])
    r = incomplete_priorities(a, method=method)
    assert isinstance(r, IncompleteResult)
    np.testing.assert_allclose(r.weights, w / w.sum(), rtol=1e-9)
    np.testing.assert_allclose(r.completed, w[:, None] / w[None, :], rtol=1e-7)
    assert r.cr == pytest.approx(0.0, abs=1e-9)
    assert r.missing == ((0, 2), (1, 4), (2, 3))
    assert (r.method, r.ri_table, r.n) == (method, "saaty1980", 5)


def test_complete_matrix_reduces_to_complete_methods() -> None:
    """Nothing missing: Harker = eigenvector, LLSM = row geometric mean, optimal completion
    = eigenvector (Harker 1987; Bozóki, Fülöp & Rónyai 2010)."""
    a = np.array(
        [
            [1, 1 / 5, 3, 1 / 2, 5],
            [5, 1, 7, 1, 7],
            [1 / 3, 1 / 7, 1, 1 / 4, 3],
            [2, 1, 4, 1, 7],
            [1 / 5, 1 / 7, 1 / 3, 1 / 7, 1],
        ]
    )
    ev = ahp_priorities(a, method="eigenvector")
    gm = ahp_priorities(a, method="geometric_mean")
    np.testing.assert_allclose(incomplete_priorities(a, "harker").weights, ev.weights, rtol=1e-9)
    np.testing.assert_allclose(incomplete_priorities(a, "llsm").weights, gm.weights, rtol=1e-9)
    oc = incomplete_priorities(a, "optimal_completion")
    np.testing.assert_allclose(oc.weights, ev.weights, rtol=1e-9)
    assert oc.cr == pytest.approx(ev.cr, rel=1e-9)
    assert oc.missing == ()


def test_cross_check_with_ahpy_documented_output() -> None:
    """Cross-implementation check (not a published case): the AHPy README (PhilipGriffith/
    AHPy) documents, for a–b 1, a–c 5, a–d 2, b–c 3, b–d 4 with c–d missing and Bozóki et
    al.'s optimal completion, weights b 0.392, a 0.3738, d 0.1357, c 0.0985 and CR 0.0372
    with Donegan & Dodd's RI; with c–d = 3/4 given, b 0.3917, a 0.3742, d 0.1349, c 0.0991,
    CR 0.0372."""
    judgments = [(0, 1, 1), (0, 2, 5), (0, 3, 2), (1, 2, 3), (1, 3, 4)]
    partial = incomplete_priorities(
        from_judgments(4, judgments), "optimal_completion", ri="donegan_dodd1991"
    )
    np.testing.assert_allclose(partial.weights, [0.3738, 0.392, 0.0985, 0.1357], atol=5e-5)
    assert partial.cr == pytest.approx(0.0372, abs=5e-5)
    full = ahp_priorities(from_judgments(4, [*judgments, (2, 3, "3/4")]), ri="donegan_dodd1991")
    np.testing.assert_allclose(full.weights, [0.3742, 0.3917, 0.0991, 0.1349], atol=5e-5)
    assert full.cr == pytest.approx(0.0372, abs=5e-5)


@st.composite
def incomplete_saaty(draw: st.DrawFn) -> tuple[np.ndarray, list[tuple[int, int]]]:
    n = draw(st.integers(4, 7))
    k = n * (n - 1) // 2
    picks = np.asarray(draw(st.lists(st.sampled_from(SAATY_SCALE), min_size=k, max_size=k)))
    a = np.ones((n, n))
    iu, ju = np.triu_indices(n, 1)
    a[iu, ju], a[ju, iu] = picks, 1.0 / picks
    # remove pairs not on the spanning path 0-1-…-(n-1), so the graph stays connected
    off_path = [(int(i), int(j)) for i, j in zip(iu, ju, strict=True) if j != i + 1]
    holes = draw(st.lists(st.sampled_from(off_path), max_size=3, unique=True))
    return _with_holes(a, holes), holes


@settings(max_examples=25, deadline=None)
@given(incomplete_saaty())
def test_optimal_completion_minimises_lambda(
    case: tuple[np.ndarray, list[tuple[int, int]]],
) -> None:
    a, holes = case
    results = {m: incomplete_priorities(a, m) for m in METHODS}
    perron = {m: np.linalg.eigvals(r.completed).real.max() for m, r in results.items()}
    assert results["optimal_completion"].lambda_max == pytest.approx(perron["optimal_completion"])
    assert perron["optimal_completion"] <= perron["harker"] + 1e-9
    assert perron["optimal_completion"] <= perron["llsm"] + 1e-9
    for r in results.values():
        assert (r.weights > 0).all() and r.weights.sum() == pytest.approx(1.0)
        assert len(r.missing) == len(holes)
        c = r.completed
        np.testing.assert_allclose(c * c.T, 1.0, rtol=1e-12)
        known = ~np.isnan(a)
        np.testing.assert_allclose(c[known], a[known], rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(incomplete_saaty())
def test_harker_vector_is_eigenvector_of_completion(case: tuple[np.ndarray, list]) -> None:
    """Harker (1987): B w = λ w is C w = λ w for C completed with w_i / w_j."""
    a, _ = case
    r = incomplete_priorities(a, "harker")
    c = np.asarray(r.completed)
    np.testing.assert_allclose(c @ r.weights, r.lambda_max * r.weights, rtol=1e-9)


def test_upper_triangle_only_is_enough() -> None:
    upper = [[1, 2, NAN, 8], [NAN, 1, 2, NAN], [NAN, NAN, 1, 2], [NAN, NAN, NAN, 1]]
    r = incomplete_priorities(upper, "llsm")
    np.testing.assert_allclose(r.weights, np.array([8, 4, 2, 1]) / 15, rtol=1e-12)
    assert r.missing == ((0, 2), (1, 3))


def test_parsed_missing_tokens() -> None:
    r = incomplete_priorities([["1", "2", "?"], ["1/2", "1", "2"], [None, "1/2", "1"]])
    np.testing.assert_allclose(r.weights, [4 / 7, 2 / 7, 1 / 7], rtol=1e-9)


def test_disconnected_graph_names_unreachable_criteria() -> None:
    a = [[1, 2, NAN, NAN], [1 / 2, 1, NAN, NAN], [NAN, NAN, 1, 3], [NAN, NAN, 1 / 3, 1]]
    with pytest.raises(
        MatrixError,
        match=r"not connected: criteria \[2, 3\] cannot be reached "
        r"from criterion 0 \(components \[0, 1\], \[2, 3\]\)",
    ):
        incomplete_priorities(a)
    with pytest.raises(
        MatrixError,
        match=r"criteria \['speed', 'cost'\] cannot be reached from "
        r"criterion 'price' \(components \['price', 'quality'\], \['speed', "
        r"'cost'\]\)",
    ):
        incomplete_priorities(a, labels=["price", "quality", "speed", "cost"])
    with pytest.raises(MatrixError, match=r"3 labels for a 4x4 matrix"):
        incomplete_priorities(a, labels=["a", "b", "c"])


def test_zero_is_not_a_missing_marker() -> None:
    with pytest.raises(MatrixError, match=r"entry \(0, 2\) is 0; a missing judgment is NaN"):
        incomplete_priorities([[1, 2, 0], [1 / 2, 1, 2], [0, 1 / 2, 1]])


def test_known_part_is_validated() -> None:
    with pytest.raises(
        MatrixError,
        match=r"entries \(0, 1\) = 2 and \(1, 0\) = 1 are not "
        r"reciprocal",
    ):
        incomplete_priorities([[1, 2, NAN], [1, 1, 2], [NAN, 1 / 2, 1]])
    with pytest.raises(MatrixError, match=r"entry \(0, 1\) = -2 is not positive"):
        validate_incomplete([[1, -2, NAN], [NAN, 1, 2], [NAN, 1 / 2, 1]])
    with pytest.raises(MatrixError, match=r"expected one non-empty square"):
        validate_incomplete([[1, 2, 3]])
    with pytest.raises(UnknownMethodError, match=r"valid names: harker, llsm, optimal_completion"):
        incomplete_priorities(np.eye(3), method="em")


def test_from_judgments() -> None:
    a = from_judgments(3, [(0, 1, 2), (2, 1, "1/2")])
    expected = [[1, 2, NAN], [0.5, 1, 2], [NAN, 0.5, 1]]
    np.testing.assert_allclose(a, expected, rtol=1e-15)
    with pytest.raises(MatrixError, match=r"judgment 0: index \(0, 3\) outside 0..2"):
        from_judgments(3, [(0, 3, 2)])
    with pytest.raises(MatrixError, match=r"judgment 0: \(1, 1\) compares a criterion with itself"):
        from_judgments(3, [(1, 1, 2)])
    with pytest.raises(MatrixError, match=r"judgment 1: pair \(1, 0\) given twice"):
        from_judgments(3, [(0, 1, 2), (1, 0, 2)])
    with pytest.raises(MatrixError, match=r"a_01 = 0 is not a positive number"):
        from_judgments(3, [(0, 1, 0)])


def test_result_frozen_and_read_only() -> None:
    r = incomplete_priorities(from_judgments(3, [(0, 1, 2), (1, 2, 3)]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.cr = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        r.completed[0, 2] = 1.0
    assert r.completed[0, 2] == pytest.approx(6.0)
