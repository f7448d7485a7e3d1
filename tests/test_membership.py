"""Tests for evalsys.scoring.membership."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from evalsys.errors import DataError, ShapeError, UnknownMethodError
from evalsys.scoring.membership import (
    MEMBERSHIPS,
    MembershipResult,
    gaussian_membership,
    membership,
    memberships_from_checklist,
    memberships_from_rating,
    memberships_from_votes,
    rating_points,
    standard_membership,
    trapezoidal_membership,
    triangular_membership,
)

BENEFIT = np.array([[90.0, 80.0, 70.0, 60.0]])  # best grade has the largest value
COST = np.array([[1.0, 2.0, 4.0, 8.0]])  # best grade has the smallest value


def test_registry_names() -> None:
    assert MEMBERSHIPS.names() == ("standard", "triangular", "trapezoidal", "gaussian")


# --------------------------------------------------------------------------- standard


def test_standard_exact_at_points_benefit_and_cost() -> None:
    """A value equal to a reference point belongs wholly (exactly 1.0) to its grade."""
    np.testing.assert_array_equal(standard_membership(BENEFIT.T.copy(), BENEFIT)[:, 0], np.eye(4))
    np.testing.assert_array_equal(standard_membership(COST.T.copy(), COST)[:, 0], np.eye(4))


def test_standard_linear_split_between_points() -> None:
    """Between p_g and p_{g+1} the value is split linearly between grades g and g+1
    (hand computation)."""
    R = standard_membership(np.array([[86.0], [65.0], [100.0], [0.0]]), BENEFIT)[:, 0]
    np.testing.assert_allclose(R[0], [0.6, 0.4, 0, 0])
    np.testing.assert_allclose(R[1], [0, 0, 0.5, 0.5])
    np.testing.assert_array_equal(R[2], [1, 0, 0, 0])  # beyond the best point
    np.testing.assert_array_equal(R[3], [0, 0, 0, 1])  # beyond the worst point
    Rc = standard_membership(np.array([[3.0], [0.5], [9.0]]), COST)[:, 0]
    np.testing.assert_allclose(Rc[0], [0, 0.5, 0.5, 0])
    np.testing.assert_array_equal(Rc[1], [1, 0, 0, 0])
    np.testing.assert_array_equal(Rc[2], [0, 0, 0, 1])


def test_standard_per_column_points_and_two_grades() -> None:
    pts = np.array([[10.0, 0.0], [0.0, 10.0]])  # col 0 benefit, col 1 cost
    R = standard_membership(np.array([[2.5, 2.5]]), pts)
    np.testing.assert_allclose(R[0, 0], [0.25, 0.75])
    np.testing.assert_allclose(R[0, 1], [0.75, 0.25])


def test_membership_wrapper_result() -> None:
    res = membership([[85.0, 3.0]], np.vstack([BENEFIT, COST]))
    assert isinstance(res, MembershipResult)
    assert res.kind == "standard" and res.R.shape == (1, 2, 4)
    np.testing.assert_allclose(res.R[0, 0], [0.5, 0.5, 0, 0])
    assert not res.zero_rows.any()
    # one shared parameter set without the k axis
    shared = membership([[85.0], [75.0]], BENEFIT[0])
    np.testing.assert_allclose(shared.R[1, 0], [0, 0.5, 0.5, 0])


def test_standard_rejects_non_monotone_points() -> None:
    with pytest.raises(DataError, match="strictly monotone") as exc:
        membership([[1.0, 1.0]], [[1.0, 2.0, 3.0], [3.0, 1.0, 2.0]])
    assert exc.value.column == "1"
    with pytest.raises(DataError, match="strictly monotone"):
        membership([[1.0]], [[1.0, 1.0, 3.0]])


def test_wrapper_shape_and_value_errors() -> None:
    with pytest.raises(ShapeError, match=r"\(k=2, G\), got \(3, 4\)"):
        membership([[1.0, 2.0]], np.zeros((3, 4)))
    with pytest.raises(ShapeError, match="values must be 2-D"):
        membership([1.0, 2.0], BENEFIT)
    with pytest.raises(DataError, match=r"NaN or infinite.*rows 1"):
        membership([[85.0], [np.nan]], BENEFIT)
    with pytest.raises(UnknownMethodError, match="valid names: standard, triangular"):
        membership([[1.0]], BENEFIT, kind="sigmoid")


# --------------------------------------------------------------------------- other kinds


def test_triangular_values() -> None:
    p = np.array([[[0.0, 5.0, 10.0], [5.0, 10.0, 15.0]]])  # (k=1, G=2, 3)
    R = triangular_membership(np.array([[2.5], [5.0], [7.5], [12.0], [-1.0]]), p)[:, 0]
    np.testing.assert_allclose(R, [[0.5, 0], [1, 0], [0.5, 0.5], [0, 0.6], [0, 0]])


def test_trapezoidal_with_infinite_ends_is_half_trapezoid() -> None:
    """a = b = -inf: falling ramp (1 left of c); c = d = +inf: rising ramp."""
    inf = np.inf
    p = np.array([[[-inf, -inf, 2.0, 4.0], [2.0, 4.0, 6.0, 8.0], [6.0, 8.0, inf, inf]]])
    x = np.array([[-100.0], [3.0], [5.0], [7.0], [100.0]])
    R = trapezoidal_membership(x, p)[:, 0]
    np.testing.assert_allclose(R, [[1, 0, 0], [0.5, 0.5, 0], [0, 1, 0], [0, 0.5, 0.5], [0, 0, 1]])
    res = membership(x, p[0], kind="trapezoidal")
    np.testing.assert_allclose(res.R[:, 0], R)


def test_trapezoid_vertical_edges_are_closed() -> None:
    p = np.array([[[1.0, 1.0, 2.0, 2.0]]])
    R = trapezoidal_membership(np.array([[0.999], [1.0], [2.0], [2.001]]), p)[:, 0, 0]
    np.testing.assert_array_equal(R, [0, 1, 1, 0])


def test_gaussian_values() -> None:
    p = np.array([[[0.0, 1.0], [2.0, 0.5]]])
    R = gaussian_membership(np.array([[0.0], [1.0]]), p)[:, 0]
    np.testing.assert_allclose(R[0], [1.0, np.exp(-8.0)])
    np.testing.assert_allclose(R[1], [np.exp(-0.5), np.exp(-2.0)])
    with pytest.raises(DataError, match="sigma > 0"):
        membership([[0.0]], [[[0.0, 0.0]]], kind="gaussian")


def test_param_validation_for_ramps() -> None:
    with pytest.raises(DataError, match="a <= b"):
        membership([[0.0]], [[[3.0, 2.0, 4.0]]], kind="triangular")
    with pytest.raises(DataError, match="a = -inf requires b = -inf"):
        membership([[0.0]], [[[-np.inf, 0.0, 1.0, 2.0]]], kind="trapezoidal")
    with pytest.raises(ShapeError, match=r"\(k=1, G, 3\)"):
        membership([[0.0]], [[[0.0, 1.0, 2.0, 3.0]]], kind="triangular")


def test_normalize_rows_reports_zero_rows() -> None:
    """Rows outside every support stay zero and are flagged; others sum to 1."""
    p = [[[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]]]
    res = membership([[1.5], [10.0]], p, kind="triangular", normalize_rows=True)
    np.testing.assert_allclose(res.R[0, 0], [0.5, 0.5])
    np.testing.assert_array_equal(res.R[1, 0], [0.0, 0.0])
    assert res.zero_rows.tolist() == [[False], [True]]
    assert res.normalized


# --------------------------------------------------------------------------- survey helpers


def test_votes_to_shares() -> None:
    votes = np.array([[[3, 5, 2, 0], [0, 0, 10, 0]]])
    np.testing.assert_allclose(memberships_from_votes(votes)[0], [[0.3, 0.5, 0.2, 0], [0, 0, 1, 0]])


def test_votes_without_any_vote_name_rows() -> None:
    votes = np.ones((4, 2, 3))
    votes[1, 1] = 0
    votes[3, 0] = 0
    with pytest.raises(DataError, match=r"2 .* cells have no votes, first at entity 1") as exc:
        memberships_from_votes(votes)
    assert exc.value.rows == (1, 3)
    with pytest.raises(DataError, match="non-negative"):
        memberships_from_votes(-np.ones((1, 1, 2)))
    with pytest.raises(ShapeError, match="3-D"):
        memberships_from_votes(np.ones((2, 3)))


def test_rating_points_and_memberships() -> None:
    """Mean 4.25 on a 5-point scale with 5 grades: 0.25 excellent, 0.75 good; 10-point scale
    with 5 grades uses points 10, 7.75, 5.5, 3.25, 1."""
    np.testing.assert_array_equal(rating_points(10, 5), [10, 7.75, 5.5, 3.25, 1])
    R = memberships_from_rating([[4.25, 1.0], [5.0, 3.0]], scale=5, G=5)
    np.testing.assert_allclose(R[0, 0], [0.25, 0.75, 0, 0, 0])
    np.testing.assert_array_equal(R[0, 1], [0, 0, 0, 0, 1])
    np.testing.assert_array_equal(R[1, 0], [1, 0, 0, 0, 0])
    R10 = memberships_from_rating([[6.625]], scale=10, G=5)
    np.testing.assert_allclose(R10[0, 0], [0, 0.5, 0.5, 0, 0])
    R3 = memberships_from_rating([[4.0]], scale=5, G=3)  # points 5, 3, 1
    np.testing.assert_allclose(R3[0, 0], [0.5, 0.5, 0])


def test_rating_out_of_scale_is_rejected() -> None:
    with pytest.raises(DataError, match=r"\[1, 5\].*rows 1"):
        memberships_from_rating([[3.0], [5.5]], scale=5, G=5)
    with pytest.raises(ShapeError, match="scale >= 2"):
        memberships_from_rating([[1.0]], scale=1, G=5)


def test_checklist_shares() -> None:
    R = memberships_from_checklist([[0.9, 1.0], [0.5, 0.3]], [1.0, 0.8, 0.6])
    np.testing.assert_allclose(R[0], [[0.5, 0.5, 0], [1, 0, 0]])
    np.testing.assert_array_equal(R[1], [[0, 0, 1], [0, 0, 1]])
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        memberships_from_checklist([[1.2]], [1.0, 0.5])


# --------------------------------------------------------------------------- properties

finite = st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def standard_case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    k = draw(st.integers(1, 4))
    G = draw(st.integers(2, 7))
    E = draw(st.integers(1, 8))
    starts = draw(hnp.arrays(np.float64, k, elements=st.floats(-100, 100)))
    steps = draw(hnp.arrays(np.float64, (k, G - 1), elements=st.floats(0.01, 50)))
    pts = np.concatenate([starts[:, None], starts[:, None] + np.cumsum(steps, axis=1)], axis=1)
    flip = draw(hnp.arrays(np.bool_, k))
    pts[flip] = pts[flip, ::-1]
    values = draw(hnp.arrays(np.float64, (E, k), elements=st.floats(-500, 500)))
    return values, pts


@settings(max_examples=50, deadline=None)
@given(standard_case())
def test_property_standard_is_partition_of_unity(case: tuple) -> None:
    """Standard memberships lie in [0, 1], sum to 1 per row, and at most two adjacent
    grades are positive."""
    values, pts = case
    R = membership(values, pts).R
    assert ((R >= 0) & (R <= 1)).all()
    np.testing.assert_allclose(R.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    pos = R > 0
    assert (pos.sum(axis=-1) <= 2).all()


@settings(max_examples=50, deadline=None)
@given(standard_case(), st.floats(0, 100))
def test_property_better_value_never_moves_mass_to_worse_grades(case: tuple, d: float) -> None:
    """Improving a value (towards the best point) gives a membership vector that dominates
    the old one: cumulative membership from the best grade never decreases."""
    values, pts = case
    better_dir = np.sign(pts[:, 0] - pts[:, -1])
    R0 = standard_membership(values, pts)
    R1 = standard_membership(values + d * better_dir, pts)
    assert (np.cumsum(R1, axis=-1) >= np.cumsum(R0, axis=-1) - 1e-12).all()


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(np.float64, (5, 2), elements=finite),
    hnp.arrays(np.float64, (2, 3, 4), elements=st.floats(-1e3, 1e3)),
    st.sampled_from(["triangular", "trapezoidal", "gaussian"]),
)
def test_property_all_kinds_in_unit_interval(
    values: np.ndarray, raw: np.ndarray, kind: str
) -> None:
    """Every membership family yields values in [0, 1], also after row normalisation."""
    params = np.sort(raw, axis=-1)
    if kind == "triangular":
        params = params[..., :3]
    elif kind == "gaussian":
        params = np.stack([raw[..., 0], np.abs(raw[..., 1]) + 0.1], axis=-1)
    for norm in (False, True):
        res = membership(values, params, kind=kind, normalize_rows=norm)
        assert ((res.R >= 0) & (res.R <= 1)).all()
        if norm:
            sums = res.R.sum(axis=-1)
            np.testing.assert_allclose(sums[~res.zero_rows], 1.0, atol=1e-12)
            np.testing.assert_array_equal(sums[res.zero_rows], 0.0)


def test_many_entities_span_internal_chunks() -> None:
    """E large enough to span several internal cache chunks: each entity's memberships equal
    those computed for that entity alone (no chunk-boundary effects), for every kind."""
    rng = np.random.default_rng(5)
    E, k = 9000, 30
    values = rng.random((E, k)) * 100
    pts = np.tile([90.0, 70.0, 50.0, 30.0], (k, 1))
    trap = np.tile([[-np.inf, -np.inf, 40.0, 60.0], [40.0, 60.0, np.inf, np.inf]], (k, 1, 1))
    gauss = np.tile([[20.0, 10.0], [80.0, 15.0]], (k, 1, 1))
    rows = [0, 4368, 4369, 4370, 8737, 8738, E - 1]
    for fn, p in (
        (standard_membership, pts),
        (trapezoidal_membership, trap),
        (gaussian_membership, gauss),
    ):
        R = fn(values, p)
        for e in rows:
            np.testing.assert_array_equal(R[e], fn(values[e : e + 1], p)[0])
    np.testing.assert_allclose(standard_membership(values, pts).sum(axis=-1), 1.0, atol=1e-12)
