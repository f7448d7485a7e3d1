"""Tests of evalsys.analysis.rank_similarity: Spearman, weighted Spearman, WS, Kendall."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalsys.analysis.rank_similarity import (
    RANK_SIMILARITIES,
    kendall_tau,
    rank_similarity,
    spearman,
    weighted_spearman,
    ws_coefficient,
)
from evalsys.errors import DataError, ShapeError, UnknownMethodError

# Paradowski, Bączkiewicz & Wątróbski (2021), Towards proper consumer choices - MCDM based
# product selection, Procedia Computer Science 192, 1347-1358: two rankings of 12
# products; r_w = 0.96 and WS = 0.90 (2 decimals; transcription as in pyfdm's tests).
PARADOWSKI_X = [7, 11, 2, 1, 4, 9, 6, 3, 5, 10, 8, 12]
PARADOWSKI_Y = [7, 11, 3, 2, 4, 9, 6, 1, 5, 10, 8, 12]

REF5 = [1, 2, 3, 4, 5]
SWAP_TOP = [2, 1, 3, 4, 5]
SWAP_BOTTOM = [1, 2, 3, 5, 4]


# Independent plain-Python versions of the textbook formulas.
def py_spearman(x: list[float], y: list[float]) -> float:
    n = len(x)
    return 1 - 6 * sum((a - b) ** 2 for a, b in zip(x, y, strict=True)) / (n * (n * n - 1))


def py_rw(x: list[float], y: list[float]) -> float:
    n = len(x)
    num = 6 * sum((a - b) ** 2 * ((n - a + 1) + (n - b + 1)) for a, b in zip(x, y, strict=True))
    return 1 - num / (n**4 + n**3 - n**2 - n)


def py_ws(x: list[float], y: list[float]) -> float:
    n = len(x)
    return 1 - sum(
        2.0 ** (-a) * abs(a - b) / max(abs(a - 1), abs(a - n)) for a, b in zip(x, y, strict=True)
    )


def py_kendall_b(x: list[float], y: list[float]) -> float:
    c = d = tx = ty = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        sx = (x[i] > x[j]) - (x[i] < x[j])
        sy = (y[i] > y[j]) - (y[i] < y[j])
        if sx == 0 and sy == 0:
            continue
        if sx == 0:
            tx += 1
        elif sy == 0:
            ty += 1
        elif sx == sy:
            c += 1
        else:
            d += 1
    return (c - d) / math.sqrt((c + d + tx) * (c + d + ty))


def test_salabun_urbaniak_2020_swaps_at_the_top_and_bottom() -> None:
    """Sałabun & Urbaniak (2020), ICCS, LNCS 12138: Spearman's r_s is 0.9 for swapping the
    two best and for swapping the two worst of five; WS (their Eq. for WS, computed by
    hand: 1 − 2⁻¹·1/4 − 2⁻²·1/3 = 0.7917 and 1 − 2⁻⁴·1/3 − 2⁻⁵·1/4 = 0.9714) and r_w
    (0.85, 0.95) weigh the top swap more."""
    assert spearman(REF5, SWAP_TOP) == pytest.approx(0.9, abs=1e-12)
    assert spearman(REF5, SWAP_BOTTOM) == pytest.approx(0.9, abs=1e-12)
    assert ws_coefficient(REF5, SWAP_TOP) == pytest.approx(1 - 1 / 8 - 1 / 12)
    assert ws_coefficient(REF5, SWAP_BOTTOM) == pytest.approx(1 - 1 / 48 - 1 / 128)
    assert round(ws_coefficient(REF5, SWAP_TOP), 4) == 0.7917
    assert round(ws_coefficient(REF5, SWAP_BOTTOM), 4) == 0.9714
    assert weighted_spearman(REF5, SWAP_TOP) == pytest.approx(0.85)
    assert weighted_spearman(REF5, SWAP_BOTTOM) == pytest.approx(0.95)
    assert kendall_tau(REF5, SWAP_TOP) == pytest.approx(0.8)  # (9 − 1)/10 pairs


def test_paradowski_2021_twelve_products() -> None:
    """Paradowski et al. (2021): r_w = 0.96, WS = 0.90 to 2 decimals."""
    assert round(weighted_spearman(PARADOWSKI_X, PARADOWSKI_Y), 2) == 0.96
    assert round(ws_coefficient(PARADOWSKI_X, PARADOWSKI_Y), 2) == 0.90
    assert weighted_spearman(PARADOWSKI_X, PARADOWSKI_Y) == pytest.approx(
        py_rw(PARADOWSKI_X, PARADOWSKI_Y), abs=1e-12
    )
    assert ws_coefficient(PARADOWSKI_X, PARADOWSKI_Y) == pytest.approx(
        py_ws(PARADOWSKI_X, PARADOWSKI_Y), abs=1e-12
    )
    assert spearman(PARADOWSKI_X, PARADOWSKI_Y) == pytest.approx(
        py_spearman(PARADOWSKI_X, PARADOWSKI_Y), abs=1e-12
    )
    assert kendall_tau(PARADOWSKI_X, PARADOWSKI_Y) == pytest.approx(
        py_kendall_b(PARADOWSKI_X, PARADOWSKI_Y), abs=1e-12
    )


def test_ties_use_pearson_on_ranks_and_tau_b() -> None:
    x = [1, 2, 2, 4, 5]
    y = [2, 1, 3, 3, 5]
    assert spearman(x, y) == pytest.approx(float(np.corrcoef(x, y)[0, 1]), abs=1e-12)
    assert kendall_tau(x, y) == pytest.approx(py_kendall_b(x, y), abs=1e-12)


def test_stack_of_rankings_against_one_reference() -> None:
    Y = np.array([SWAP_TOP, SWAP_BOTTOM, REF5, REF5[::-1]])
    for name in RANK_SIMILARITIES.names():
        out = rank_similarity(REF5, Y, name)
        assert isinstance(out, np.ndarray) and out.shape == (4,)
        single = [rank_similarity(REF5, row, name) for row in Y]
        np.testing.assert_allclose(out, single, atol=1e-12)
    reversed_ = rank_similarity(REF5, Y, "spearman")
    assert reversed_[3] == pytest.approx(-1.0)  # type: ignore[index]


def test_registry_and_errors() -> None:
    assert RANK_SIMILARITIES.names() == ("spearman", "weighted_spearman", "ws", "kendall")
    assert rank_similarity(REF5, SWAP_TOP, "rw") == weighted_spearman(REF5, SWAP_TOP)
    with pytest.raises(UnknownMethodError, match="unknown rank-similarity coefficient 'pearson'"):
        rank_similarity(REF5, REF5, "pearson")
    with pytest.raises(DataError, match=r"values must lie in \[1, 5\]"):
        rank_similarity(REF5, [0.1, 0.2, 0.3, 0.4, 0.5])
    with pytest.raises(ShapeError, match=r"shape \(\.\.\., 5\)"):
        rank_similarity(REF5, [1, 2, 3])
    with pytest.raises(ShapeError, match="at least 2"):
        rank_similarity([1], [1])
    with pytest.raises(DataError, match="every position ties"):
        spearman(REF5, [1, 1, 1, 1, 1])
    assert ws_coefficient(REF5, [1, 1, 1, 1, 1]) < 1


rankings = st.integers(2, 12).flatmap(
    lambda n: st.tuples(st.permutations(range(1, n + 1)), st.permutations(range(1, n + 1)))
)


@settings(max_examples=80, deadline=None)
@given(pair=rankings, seed=st.integers(0, 2**32 - 1))
def test_invariants(pair: tuple[list[int], list[int]], seed: int) -> None:
    x, y = list(pair[0]), list(pair[1])
    for name in RANK_SIMILARITIES.names():
        assert rank_similarity(x, x, name) == pytest.approx(1.0, abs=1e-12)  # with itself
    # relabelling the alternatives (the same permutation of both) changes nothing
    perm = np.random.default_rng(seed).permutation(len(x))
    xp, yp = [x[i] for i in perm], [y[i] for i in perm]
    for name in RANK_SIMILARITIES.names():
        assert rank_similarity(xp, yp, name) == pytest.approx(
            rank_similarity(x, y, name), abs=1e-12
        )
    # symmetric coefficients, ranges, and agreement with the plain formulas
    assert spearman(x, y) == pytest.approx(spearman(y, x), abs=1e-12)
    assert kendall_tau(x, y) == pytest.approx(py_kendall_b(x, y), abs=1e-12)
    assert spearman(x, y) == pytest.approx(py_spearman(x, y), abs=1e-12)
    assert weighted_spearman(x, y) == pytest.approx(py_rw(x, y), abs=1e-12)
    ws = ws_coefficient(x, y)
    assert ws == pytest.approx(py_ws(x, y), abs=1e-12)
    assert -1e-12 <= ws <= 1 + 1e-12
    for name in ("spearman", "weighted_spearman", "kendall"):
        assert -1 - 1e-12 <= rank_similarity(x, y, name) <= 1 + 1e-12  # type: ignore[operator]
