"""Tests for evalsys.scoring.normalize."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from evalsys.errors import DataError, ShapeError, UnknownMethodError
from evalsys.scoring.normalize import NORMALIZERS, normalize, normalize_columns

NAN = np.nan

# Hwang & Yoon (1981), Multiple Attribute Decision Making, Springer, pp. 133-134: fighter
# aircraft example (max speed, ferry range, max payload, cost, reliability, manoeuvrability).
AIRCRAFT = np.array(
    [
        [2.0, 1500, 20000, 5.5, 5, 9],
        [2.5, 2700, 18000, 6.5, 3, 5],
        [1.8, 2000, 21000, 4.5, 7, 7],
        [2.2, 1800, 20000, 5.0, 5, 5],
    ]
)


def test_registry_names() -> None:
    assert set(NORMALIZERS.names()) == {
        "benefit",
        "cost",
        "target",
        "interval",
        "vector",
        "vector_cost",
        "zscore",
        "linear",
        "linear_cost",
    }


def test_vector_normalisation_reproduces_hwang_yoon_1981() -> None:
    """Hwang & Yoon (1981), pp. 133-134, fighter-aircraft example: the printed normalised
    decision matrix (4 decimals).

    19 of the 24 printed entries agree to 4 decimals.  The other 5 are slips in the printed
    table, recorded here: the cost column X4 was divided by 10.863 instead of
    sqrt(5.5² + 6.5² + 4.5² + 5²) = sqrt(117.75) = 10.851 (so 0.5063/0.5983/0.4143/0.4603
    instead of 0.5069/0.5990/0.4147/0.4608), and 1800/4096.3 = 0.4394 is printed 0.4392.
    The slips are below 1e-3 and do not change the printed closeness values (test_mcda)."""
    printed = np.array(
        [
            [0.4671, 0.3662, 0.5056, 0.5063, 0.4811, 0.6708],
            [0.5839, 0.6591, 0.4550, 0.5983, 0.2887, 0.3727],
            [0.4204, 0.4882, 0.5308, 0.4143, 0.6736, 0.5217],
            [0.5139, 0.4392, 0.5056, 0.4603, 0.4811, 0.3727],
        ]
    )
    got = normalize(AIRCRAFT, "vector")
    slips = np.zeros(printed.shape, dtype=bool)
    slips[:, 3] = True
    slips[3, 1] = True
    np.testing.assert_allclose(got[~slips], printed[~slips], atol=5e-5)
    np.testing.assert_allclose(got[:, 3], AIRCRAFT[:, 3] / np.sqrt(117.75), rtol=1e-15)
    np.testing.assert_allclose(got[:, 3], [0.5069, 0.5990, 0.4147, 0.4608], atol=5e-5)
    np.testing.assert_allclose(got[slips], printed[slips], atol=1e-3)  # slips are small


def test_benefit_and_cost_from_data_bounds() -> None:
    X = np.array([[1.0, 10.0], [3.0, 20.0], [2.0, 30.0]])
    np.testing.assert_allclose(
        normalize_columns(X, ["benefit", "cost"]), [[0, 1], [1, 0.5], [0.5, 0]]
    )
    np.testing.assert_allclose(normalize([2.0, 4.0, 6.0], "cost"), [1, 0.5, 0])


def test_fixed_bounds_clip_to_unit_interval() -> None:
    """Values beyond fixed bounds score 0 or 1 (clipped), not outside [0, 1]."""
    X = np.array([[-5.0], [50.0], [150.0]])
    np.testing.assert_allclose(
        normalize_columns(X, ["benefit"], lo=[0], hi=[100]), [[0], [0.5], [1]]
    )
    np.testing.assert_allclose(normalize_columns(X, ["cost"], lo=[0], hi=[100]), [[1], [0.5], [0]])


def test_nan_bound_entries_mean_data_bounds() -> None:
    X = np.array([[1.0, 1.0], [3.0, 3.0]])
    got = normalize_columns(X, ["benefit", "benefit"], lo=[0.0, NAN], hi=[4.0, NAN])
    np.testing.assert_allclose(got, [[0.25, 0], [0.75, 1]])


def test_constant_column_with_data_bounds_is_one() -> None:
    """Documented: a constant column normalised with data bounds gives 1.0, never NaN."""
    X = np.full((3, 4), 7.0)
    got = normalize_columns(
        X,
        ["benefit", "cost", "target", "interval"],
        target=[NAN, NAN, 5.0, NAN],
        a=[NAN, NAN, NAN, 1.0],
        b=[NAN, NAN, NAN, 2.0],
    )
    np.testing.assert_array_equal(got, np.ones((3, 4)))
    np.testing.assert_array_equal(normalize(X, "zscore"), np.zeros((3, 4)))
    np.testing.assert_array_equal(normalize(np.zeros((3, 1)), "vector"), np.zeros((3, 1)))
    np.testing.assert_array_equal(normalize(np.zeros((3, 1)), "vector_cost"), np.ones((3, 1)))


def test_target_kind() -> None:
    """1 - |x - t| / max(t - lo, hi - t): lo = 0, hi = 10, t = 4 → scale 6."""
    X = np.array([[0.0], [4.0], [7.0], [10.0]])
    np.testing.assert_allclose(
        normalize_columns(X, ["target"], target=[4.0]), [[1 - 4 / 6], [1], [0.5], [0]]
    )


def test_interval_kind() -> None:
    """1 on [a, b] = [4, 6], linear to 0 at lo = 0 and at hi = 10 (hand values)."""
    X = np.array([[0.0], [2.0], [4.0], [5.0], [6.0], [8.0], [10.0]])
    got = normalize_columns(X, ["interval"], a=[4.0], b=[6.0])
    np.testing.assert_allclose(got[:, 0], [0, 0.5, 1, 1, 1, 0.5, 0])
    fixed = normalize_columns(
        np.array([[-3.0], [12.0]]), ["interval"], lo=[0], hi=[10], a=[4], b=[6]
    )
    np.testing.assert_array_equal(fixed, [[0.0], [0.0]])
    # interval flush with the lower bound: nothing lies below it, the right ramp still works
    flush = normalize_columns(np.array([[0.0], [5.0], [10.0]]), ["interval"], a=[0.0], b=[5.0])
    np.testing.assert_allclose(flush[:, 0], [1, 1, 0])


def test_vector_and_zscore() -> None:
    X = np.array([[3.0], [4.0]])
    np.testing.assert_allclose(normalize(X, "vector"), [[0.6], [0.8]])
    np.testing.assert_allclose(normalize(X, "vector_cost"), [[0.4], [0.2]])
    np.testing.assert_allclose(normalize(X, "zscore"), [[-1.0], [1.0]])


def test_mixed_kinds_equal_per_kind_calls() -> None:
    """The dispatcher (non-contiguous column groups) equals normalising each column alone."""
    rng = np.random.default_rng(0)
    X = rng.random((20, 6)) * 10
    kinds = ["benefit", "cost", "benefit", "target", "vector", "cost"]
    target = [NAN, NAN, NAN, 5.0, NAN, NAN]
    got = normalize_columns(X, kinds, target=target)
    for j, kind in enumerate(kinds):
        col = normalize_columns(X[:, [j]], [kind], target=[target[j]])
        np.testing.assert_allclose(got[:, j], col[:, 0])
    out = np.empty_like(X)
    assert normalize_columns(X, kinds, target=target, out=out) is out


def test_errors() -> None:
    X = np.ones((3, 2))
    with pytest.raises(ShapeError, match="kinds has 1 entries but X has 2 columns"):
        normalize_columns(X, ["benefit"])
    with pytest.raises(ShapeError, match=r"lo must have shape \(2,\)"):
        normalize_columns(X, ["benefit", "cost"], lo=[0, 0, 0])
    with pytest.raises(DataError, match="needs 'target'") as exc:
        normalize_columns(X, ["benefit", "target"])
    assert exc.value.column == "1"
    with pytest.raises(DataError, match="lo < hi"):
        normalize_columns(X, ["benefit", "cost"], lo=[1, 0], hi=[1, 1])
    with pytest.raises(DataError, match="a <= b"):
        normalize_columns(X, ["interval", "cost"], a=[3, NAN], b=[2, NAN])
    bad = np.array([[1.0, 2.0], [np.inf, 1.0], [1.0, np.nan]])
    with pytest.raises(DataError, match="NaN or infinite") as exc2:
        normalize_columns(bad, ["benefit", "cost"])
    assert exc2.value.rows == (1, 2)
    with pytest.raises(UnknownMethodError, match=r"unknown normalizer 'max'.*benefit"):
        normalize_columns(X, ["max", "cost"])
    with pytest.raises(ShapeError, match="2-D"):
        normalize_columns(np.ones(3), ["benefit"])


# --------------------------------------------------------------------------- properties

values = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 12), st.integers(1, 4)),
    elements=st.floats(-1e6, 1e6, allow_nan=False),
)


@settings(max_examples=50, deadline=None)
@given(values)
def test_property_bounded_kinds_stay_in_unit_interval(X: np.ndarray) -> None:
    """benefit/cost/target/interval land in [0, 1]; benefit + cost = 1 on shared bounds."""
    L = X.shape[1]
    mid = (X.min(axis=0) + X.max(axis=0)) / 2
    ben = normalize(X, "benefit")
    cost = normalize(X, "cost")
    tgt = normalize_columns(X, ["target"] * L, target=mid)
    itv = normalize_columns(X, ["interval"] * L, a=mid, b=mid)
    for R in (ben, cost, tgt, itv):
        assert np.isfinite(R).all()
        assert ((R >= 0) & (R <= 1)).all()
    varying = X.max(axis=0) > X.min(axis=0)
    np.testing.assert_allclose((ben + cost)[:, varying], 1.0, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(values, st.floats(0, 1e3))
def test_property_benefit_monotone_with_fixed_bounds(X: np.ndarray, d: float) -> None:
    """Raising a value never lowers its benefit score nor raises its cost score."""
    L = X.shape[1]
    lo, hi = np.full(L, -1e6), np.full(L, 2e6)
    b0 = normalize_columns(X, ["benefit"] * L, lo=lo, hi=hi)
    b1 = normalize_columns(X + d, ["benefit"] * L, lo=lo, hi=hi)
    c0 = normalize_columns(X, ["cost"] * L, lo=lo, hi=hi)
    c1 = normalize_columns(X + d, ["cost"] * L, lo=lo, hi=hi)
    assert (b1 >= b0).all() and (c1 <= c0).all()


def test_many_entities_span_internal_chunks() -> None:
    """Interleaved benefit/cost columns over E spanning several internal chunks equal the
    direct formulas (x - min)/(max - min) and (max - x)/(max - min)."""
    rng = np.random.default_rng(2)
    X = rng.random((30000, 40)) * 50 - 10
    kinds = ["benefit", "cost"] * 20
    got = normalize_columns(X, kinds)
    lo, hi = X.min(axis=0), X.max(axis=0)
    ben = (X - lo) / (hi - lo)
    np.testing.assert_allclose(got[:, ::2], ben[:, ::2], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(got[:, 1::2], ((hi - X) / (hi - lo))[:, 1::2], atol=1e-15)
