"""Tests of the linear (ratio) normalisers ``linear`` (x/max) and ``linear_cost`` (min/x)
of evalsys.scoring.normalize, and of weighted sum with ``normalization="linear"``."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from evalsys.errors import DataError
from evalsys.scoring.mcda import mcda_score
from evalsys.scoring.normalize import NORMALIZERS, normalize, normalize_columns

# Hwang & Yoon (1981), Multiple Attribute Decision Making, LNEMS 186 — fighter aircraft
# (the 4th attribute, acquisition cost, is a cost attribute); linear scale transformation
# r = x / x_max (benefit), r = x_min / x (cost).
AIRCRAFT = [
    [2.0, 1500, 20000, 5.5, 5, 9],
    [2.5, 2700, 18000, 6.5, 3, 5],
    [1.8, 2000, 21000, 4.5, 7, 7],
    [2.2, 1800, 20000, 5.0, 5, 5],
]
KINDS = ["linear", "linear", "linear", "linear_cost", "linear", "linear"]
W = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3]


def exact_linear(rows: list[list[float]], benefit: list[bool]) -> list[list[Fraction]]:
    """The transformation in exact rational arithmetic (independent of numpy)."""
    cols = [[Fraction(str(v)) for v in c] for c in zip(*rows, strict=True)]
    out = [
        [(v / max(c)) if b else (min(c) / v) for v in c] for c, b in zip(cols, benefit, strict=True)
    ]
    return [list(r) for r in zip(*out, strict=True)]


def test_linear_scale_transformation_of_the_fighter_example() -> None:
    got = normalize_columns(AIRCRAFT, KINDS)
    exact = exact_linear(AIRCRAFT, [k == "linear" for k in KINDS])
    np.testing.assert_allclose(got, np.array(exact, dtype=float), rtol=0, atol=1e-15)
    # A1: 2.0/2.5, 1500/2700, 20000/21000, 4.5/5.5, 5/7, 9/9
    assert got[0].round(4).tolist() == [0.8, 0.5556, 0.9524, 0.8182, 0.7143, 1.0]
    assert (got.max(axis=0) == 1.0).all()  # the best value of every column scores 1


def test_weighted_sum_with_linear_normalisation() -> None:
    benefit = np.array([k == "linear" for k in KINDS])
    r = mcda_score(AIRCRAFT, W, benefit, method="weighted_sum", normalization="linear")
    exact = exact_linear(AIRCRAFT, list(benefit))
    w = [Fraction(str(x)) for x in W]
    expected = [float(sum(wj * v for wj, v in zip(w, row, strict=True)) / sum(w)) for row in exact]
    np.testing.assert_allclose(r.scores, expected, rtol=0, atol=1e-15)
    assert r.options == (("normalization", "linear"),)
    with pytest.raises(DataError, match="normalization must be one of minmax, linear, none"):
        mcda_score(AIRCRAFT, W, benefit, method="weighted_sum", normalization="vector")


def test_fixed_bounds_clip_and_constant_columns() -> None:
    assert normalize([2.0, 4.0, 8.0], "linear", hi=4.0).tolist() == [0.5, 1.0, 1.0]
    assert normalize([2.0, 4.0, 8.0], "linear_cost", lo=4.0).tolist() == [1.0, 1.0, 0.5]
    assert normalize([3.0, 3.0], "linear").tolist() == [1.0, 1.0]
    assert normalize([3.0, 3.0], "linear_cost").tolist() == [1.0, 1.0]
    assert normalize([0.0, 5.0], "linear").tolist() == [0.0, 1.0]
    assert NORMALIZERS.get("linear").bounded and not NORMALIZERS.get("linear").whole_column


def test_ratio_scale_errors() -> None:
    with pytest.raises(DataError, match=r"column '1': normaliser 'linear' reads a ratio scale"):
        normalize_columns([[1.0, -1.0], [2.0, 3.0]], ["linear", "linear"])
    with pytest.raises(DataError, match=r"'linear_cost'.*positive values.*\(rows 2\)"):
        normalize([1.0, 2.0, 0.0], "linear_cost")
    with pytest.raises(DataError, match="positive maximum"):
        normalize([0.0, 0.0], "linear")


@settings(max_examples=60, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 9), st.integers(1, 4)),
        elements=st.floats(0.01, 1e6, allow_nan=False),
    ),
    c=st.floats(0.001, 1000),
)
def test_linear_is_in_unit_interval_and_scale_invariant(x: np.ndarray, c: float) -> None:
    for kind in ("linear", "linear_cost"):
        r = normalize(x, kind)
        assert ((r >= 0) & (r <= 1)).all()
        assert np.allclose(r.max(axis=0), 1.0)
        np.testing.assert_allclose(normalize(x * c, kind), r, rtol=1e-12, atol=1e-12)
