"""The nodes of a tree file: dimensions and the three indicator kinds.

A dimension (``kind: dimension``) carries a weight specification over its children
(:mod:`evalsys.model.weights_spec`); a leaf is a ``quantitative``, ``rating`` or
``checklist`` indicator (see :mod:`evalsys.model.tree` for the format), optionally with a
``membership`` specification (standard points, triangular, trapezoidal or Gaussian
memberships per grade) and industry ``standards``.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from evalsys.model.base import ID_PATTERN, FrozenModel
from evalsys.model.weights_spec import EqualWeights, WeightSpec

__all__ = [
    "ChecklistNode",
    "DimensionNode",
    "GaussianMembership",
    "IndicatorNode",
    "MembershipSpec",
    "Node",
    "QuantitativeNode",
    "RatingNode",
    "StandardMembership",
    "StandardSpec",
    "TrapezoidalMembership",
    "TriangularMembership",
    "check_op_value",
    "membership_size",
]


# ----------------------------------------------------------------------- memberships


class StandardMembership(FrozenModel):
    """Piecewise-linear memberships from one reference value per grade.

    ``points[g]`` is the value at which the membership of grade ``g`` is 1 (best grade
    first).  Between adjacent points the membership is split linearly between the two
    grades; beyond the end points it is 1 for the extreme grade.  Points increase for a
    cost indicator (less is better) and decrease for a benefit indicator.
    """

    type: Literal["standard"]
    points: tuple[float, ...]

    @field_validator("points")
    @classmethod
    def _strictly_monotone(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if len(v) < 2:
            raise ValueError("needs one point per grade (at least 2)")
        if any(not math.isfinite(p) for p in v):
            raise ValueError("points must be finite numbers")
        diffs = [b - a for a, b in itertools.pairwise(v)]
        if not (all(d > 0 for d in diffs) or all(d < 0 for d in diffs)):
            raise ValueError(f"points must be strictly increasing or decreasing, got {list(v)}")
        return v


class TriangularMembership(FrozenModel):
    """Triangular membership per grade: ``params[g] = (a, b, c)`` with a ≤ b ≤ c."""

    type: Literal["triangular"]
    params: tuple[tuple[float, float, float], ...]

    @field_validator("params")
    @classmethod
    def _ordered(
        cls, v: tuple[tuple[float, float, float], ...]
    ) -> tuple[tuple[float, float, float], ...]:
        for g, (a, b, c) in enumerate(v):
            if not a <= b <= c:
                raise ValueError(f"grade {g}: need a <= b <= c, got {(a, b, c)}")
        return v


class TrapezoidalMembership(FrozenModel):
    """Trapezoidal membership per grade: ``params[g] = (a, b, c, d)`` with a ≤ b ≤ c ≤ d.

    Use ``-.inf`` / ``.inf`` ends for the half-trapezoids of the extreme grades.
    """

    type: Literal["trapezoidal"]
    params: tuple[tuple[float, float, float, float], ...]

    @field_validator("params")
    @classmethod
    def _ordered(
        cls, v: tuple[tuple[float, float, float, float], ...]
    ) -> tuple[tuple[float, float, float, float], ...]:
        for g, (a, b, c, d) in enumerate(v):
            if not a <= b <= c <= d:
                raise ValueError(f"grade {g}: need a <= b <= c <= d, got {(a, b, c, d)}")
        return v


class GaussianMembership(FrozenModel):
    """Gaussian membership per grade: ``params[g] = (mu, sigma)``, sigma > 0."""

    type: Literal["gaussian"]
    params: tuple[tuple[float, float], ...]

    @field_validator("params")
    @classmethod
    def _positive_sigma(cls, v: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        for g, (_, s) in enumerate(v):
            if not s > 0:
                raise ValueError(f"grade {g}: sigma must be > 0, got {s}")
        return v


MembershipSpec = Annotated[
    StandardMembership | TriangularMembership | TrapezoidalMembership | GaussianMembership,
    Field(discriminator="type"),
]


def membership_size(m: MembershipSpec) -> int:
    """Number of grades a membership specification covers (one entry per grade)."""
    return len(m.points) if isinstance(m, StandardMembership) else len(m.params)


# ------------------------------------------------------------------------- standards


def check_op_value(op: str, value: float | tuple[float, float]) -> None:
    """A standard's ``value`` must fit its ``op``: ``between`` takes ``[low, high]`` with
    ``low <= high``, every other comparison one number (``ValueError`` otherwise)."""
    if op == "between":
        if not isinstance(value, tuple) or not value[0] <= value[1]:
            raise ValueError("op 'between' needs value [low, high] with low <= high")
    elif isinstance(value, tuple):
        raise ValueError(f"op '{op}' needs a single number as value")


class StandardSpec(FrozenModel):
    """An industry standard for one indicator, e.g. after-sales response ≤ 24 h."""

    op: Literal["<=", "<", ">=", ">", "between"]
    value: float | tuple[float, float]
    unit: str
    segment: str | None = Field(
        default=None, description="Segment the standard applies to (差异化的服务标准)."
    )
    source: str | None = None
    illustrative: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _value_matches_op(self) -> StandardSpec:
        check_op_value(self.op, self.value)
        return self


# ----------------------------------------------------------------------------- nodes


class _NodeBase(FrozenModel):
    id: str = Field(pattern=ID_PATTERN)
    name: str
    name_en: str | None = None
    parent: str | None = None
    description: str | None = None
    source: str | None = None


class DimensionNode(_NodeBase):
    """An internal node (dimension / criterion) with a weight specification over children."""

    kind: Literal["dimension"]
    weights: WeightSpec = Field(default_factory=lambda: EqualWeights(type="equal"))


class _IndicatorBase(_NodeBase):
    column: str | None = Field(default=None, description="Data column; defaults to the id.")
    standards: tuple[StandardSpec, ...] = ()
    membership: MembershipSpec | None = None

    @property
    def data_column(self) -> str:
        return self.column if self.column is not None else self.id


class QuantitativeNode(_IndicatorBase):
    """A measured indicator with unit and direction."""

    kind: Literal["quantitative"]
    unit: str = Field(min_length=1)
    direction: Literal["benefit", "cost", "target", "interval"]
    target: float | None = None
    interval: tuple[float, float] | None = None
    range: tuple[float | None, float | None] | None = Field(
        default=None, description="Valid range; values outside it are data errors."
    )
    bounds: tuple[float, float] | None = Field(
        default=None, description="Fixed normalisation bounds [worst-case low, high]."
    )

    @model_validator(mode="after")
    def _direction_params(self) -> QuantitativeNode:
        if self.direction == "target" and self.target is None:
            raise ValueError("direction 'target' needs 'target'")
        if self.direction == "interval":
            if self.interval is None:
                raise ValueError("direction 'interval' needs 'interval: [low, high]'")
            if self.interval[0] > self.interval[1]:
                raise ValueError("interval must be [low, high] with low <= high")
        if self.bounds is not None and not self.bounds[0] < self.bounds[1]:
            raise ValueError("bounds must be [low, high] with low < high")
        if self.range is not None:
            lo, hi = self.range
            if lo is not None and hi is not None and lo > hi:
                raise ValueError("range must be [low, high] with low <= high")
        m = self.membership
        if isinstance(m, StandardMembership) and self.direction in ("benefit", "cost"):
            increasing = m.points[1] > m.points[0]
            if increasing != (self.direction == "cost"):
                order = "increase" if self.direction == "cost" else "decrease"
                raise ValueError(
                    f"standard membership points of a {self.direction} indicator must "
                    f"{order} from the best grade to the worst, got {list(m.points)}"
                )
        return self


class RatingNode(_IndicatorBase):
    """A survey rating on a 5- or 10-level scale (mean rating or votes per grade)."""

    kind: Literal["rating"]
    scale: Literal[5, 10] = 5
    input: Literal["mean", "votes"] = "mean"


class ChecklistNode(_IndicatorBase):
    """A yes/no checklist; data give the count or share of items met.

    A ``membership`` of a checklist always applies to the *share* of items met, in [0, 1],
    also when the data give the count (``input: count``); the default is evenly spaced
    points from 1 (best grade) to 0.
    """

    kind: Literal["checklist"]
    items: tuple[str, ...] = Field(min_length=1)
    input: Literal["count", "share"] = "count"


IndicatorNode = QuantitativeNode | RatingNode | ChecklistNode
Node = Annotated[
    DimensionNode | QuantitativeNode | RatingNode | ChecklistNode, Field(discriminator="kind")
]
