"""The indicator-tree file format, as frozen pydantic models.

A tree file (YAML or JSON, same schema) holds a flat list of ``nodes``; each names its
``parent`` (``null`` for the root).  Internal nodes (``kind: dimension``) carry a weight
specification over their children; leaves are indicators of one of three kinds:

``quantitative``
    A measured value with a ``unit`` and a ``direction`` (benefit / cost / target /
    interval), an optional valid ``range``, fixed normalisation ``bounds`` and a
    ``membership`` specification mapping values to grades.
``rating``
    A survey rating on a 5- or 10-level scale, given as the mean rating (``input: mean``)
    or as votes per grade (``input: votes``, one column per grade).
``checklist``
    Yes/no ``items`` (e.g. HTTPS, AES at rest); data give the number of items met
    (``input: count``) or the share met (``input: share``).

Structural rules (single root, no cycles, no orphans, unique ids, every dimension has a
child, weight specifications that fit the children) are checked by :func:`check_tree`,
which :func:`evalsys.model.io.load_tree` calls so that every error names the file, line and node.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from evalsys.errors import TreeSpecError, UnknownMethodError

__all__ = [
    "SCHEMA_VERSION",
    "ChecklistNode",
    "CombinedWeights",
    "DimensionNode",
    "DirectWeights",
    "EqualWeights",
    "Expert",
    "FuzzyWeights",
    "Grade",
    "IndicatorNode",
    "Judgment",
    "MembershipSpec",
    "Node",
    "ObjectiveWeights",
    "PairwiseWeights",
    "QuantitativeNode",
    "RatingNode",
    "StandardSpec",
    "TreeSpec",
    "WeightSpec",
    "check_tree",
    "parse_number",
]

SCHEMA_VERSION: Literal[1] = 1
ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
DIRECT_WEIGHT_TOL = 1e-6


def parse_number(value: float | str) -> float:
    """Parse a judgment written as a number or a fraction string (``"1/3"``, ``"3"``).

    Raises
    ------
    ValueError
        If the string is not a number or fraction (pydantic turns it into a field error).
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    try:
        return float(Fraction(text))
    except (ValueError, ZeroDivisionError, OverflowError):
        raise ValueError(f"{value!r} is not a number or fraction like '1/3'") from None


def _checked_number(value: float | str) -> float | str:
    parse_number(value)
    return value


Number = Annotated[float | str, AfterValidator(_checked_number)]
"""A judgment as written in a file: a number or a fraction string such as ``"1/3"``."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- grades


class Grade(_Model):
    """One grade of the comment set V (評語集), best grade first in the tree's list."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    name_en: str | None = None
    score: float = Field(description="Grade score used by the weighted-average grade principle.")


DEFAULT_GRADES: tuple[Grade, ...] = (
    Grade(id="excellent", name="优", name_en="excellent", score=95.0),
    Grade(id="good", name="良", name_en="good", score=85.0),
    Grade(id="fair", name="中", name_en="fair", score=75.0),
    Grade(id="poor", name="差", name_en="poor", score=60.0),
)
"""The project's own default comment set {优, 良, 中, 差} with scores 95/85/75/60.

The source documents define no grades; this is the usual Chinese convention, documented
in the README as evalsys's default, not as a published standard.
"""


# ----------------------------------------------------------------------- memberships


class StandardMembership(_Model):
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


class TriangularMembership(_Model):
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


class TrapezoidalMembership(_Model):
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


class GaussianMembership(_Model):
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


def _membership_size(m: MembershipSpec) -> int:
    return len(m.points) if isinstance(m, StandardMembership) else len(m.params)


# ------------------------------------------------------------------------- standards


class StandardSpec(_Model):
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
        if self.op == "between":
            if not isinstance(self.value, tuple) or not self.value[0] <= self.value[1]:
                raise ValueError("op 'between' needs value [low, high] with low <= high")
        elif isinstance(self.value, tuple):
            raise ValueError(f"op '{self.op}' needs a single number as value")
        return self


# --------------------------------------------------------------------------- weights


class Judgment(_Model):
    """One pairwise judgment of an incomplete matrix: ``[row_id, col_id, value]``."""

    row: str
    col: str
    value: Number

    @model_validator(mode="before")
    @classmethod
    def _from_triple(cls, data: Any) -> Any:
        if isinstance(data, list | tuple):
            if len(data) != 3:
                raise ValueError("a judgment is [row_id, col_id, value]")
            return {"row": data[0], "col": data[1], "value": data[2]}
        return data

    @field_validator("value")
    @classmethod
    def _positive(cls, v: Number) -> Number:
        x = parse_number(v)
        if not (math.isfinite(x) and x > 0):
            raise ValueError(f"judgment must be a positive number, got {v!r}")
        return v


class Expert(_Model):
    """One expert's judgments (full ``matrix`` or incomplete ``judgments``) and weight."""

    name: str
    weight: float = Field(default=1.0, gt=0)
    matrix: tuple[tuple[Number, ...], ...] | None = None
    judgments: tuple[Judgment, ...] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Expert:
        if (self.matrix is None) == (self.judgments is None):
            raise ValueError(f"expert '{self.name}': give exactly one of 'matrix' or 'judgments'")
        return self


class PairwiseWeights(_Model):
    """AHP pairwise judgments: a full matrix, incomplete judgments, or several experts.

    Rows and columns follow ``order`` (child ids), or the order of the children in the file.
    """

    type: Literal["pairwise"]
    matrix: tuple[tuple[Number, ...], ...] | None = None
    judgments: tuple[Judgment, ...] | None = None
    experts: tuple[Expert, ...] | None = None
    order: tuple[str, ...] | None = None
    method: str = "eigenvector"
    ri: str = "saaty1980"
    threshold: float = Field(default=0.10, gt=0)
    aggregation: str = "aij"
    incomplete_method: str = "llsm"
    illustrative: bool = False
    source: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> PairwiseWeights:
        given = [k for k in ("matrix", "judgments", "experts") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "pairwise weights need exactly one of 'matrix', 'judgments' or 'experts'"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class FuzzyWeights(_Model):
    """Fuzzy AHP with triangular judgments ``[l, m, u]`` (Buckley or Chang)."""

    type: Literal["fuzzy_pairwise"]
    matrix: tuple[tuple[tuple[Number, Number, Number], ...], ...]
    order: tuple[str, ...] | None = None
    method: str = "buckley"
    defuzzify: str = "centroid"
    illustrative: bool = False
    source: str | None = None


class DirectWeights(_Model):
    """Weights given directly per child id; they must sum to 1."""

    type: Literal["direct"]
    values: dict[str, float]
    source: str | None = None

    @field_validator("values")
    @classmethod
    def _valid(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, w in v.items() if not (math.isfinite(w) and w >= 0)]
        if bad:
            raise ValueError(f"weights must be finite and >= 0 (check {', '.join(bad)})")
        total = math.fsum(v.values())
        if abs(total - 1.0) > DIRECT_WEIGHT_TOL:
            raise ValueError(f"direct weights must sum to 1, got {total!r}")
        return v


class ObjectiveWeights(_Model):
    """Weights computed from the data (entropy, CRITIC, …) when entities are scored."""

    type: Literal["objective"]
    method: str = "entropy"


class EqualWeights(_Model):
    """Equal weights over the children."""

    type: Literal["equal"]


class CombinedWeights(_Model):
    """Subjective weights combined with objective ones (e.g. AHP + entropy)."""

    type: Literal["combined"]
    subjective: Annotated[
        PairwiseWeights | FuzzyWeights | DirectWeights, Field(discriminator="type")
    ]
    objective: str = "entropy"
    rule: str = "linear"
    alpha: float = Field(default=0.5, ge=0, le=1)


WeightSpec = Annotated[
    PairwiseWeights
    | FuzzyWeights
    | DirectWeights
    | ObjectiveWeights
    | EqualWeights
    | CombinedWeights,
    Field(discriminator="type"),
]


# ----------------------------------------------------------------------------- nodes


class _NodeBase(_Model):
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


# ------------------------------------------------------------------------------ tree


class TreeSpec(_Model):
    """A whole indicator tree as written in a file (user-facing, frozen).

    Build it with :func:`evalsys.load_tree`, which also runs :func:`check_tree`.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(pattern=ID_PATTERN)
    name: str
    name_en: str | None = None
    version: str | None = None
    description: str | None = None
    source: str | None = None
    grades: tuple[Grade, ...] = DEFAULT_GRADES
    validity_threshold: float = Field(
        default=0.5, description="Warn when the maximum-membership validity index is below this."
    )
    nodes: tuple[Node, ...] = Field(min_length=1)

    @field_validator("grades")
    @classmethod
    def _grades_valid(cls, v: tuple[Grade, ...]) -> tuple[Grade, ...]:
        if len(v) < 2:
            raise ValueError("a grade set needs at least 2 grades")
        ids = [g.id for g in v]
        if len(set(ids)) != len(ids):
            raise ValueError(f"grade ids must be unique, got {ids}")
        scores = [g.score for g in v]
        if not all(math.isfinite(x) for x in scores):
            raise ValueError(f"grade scores must be finite numbers, got {scores}")
        if any(b >= a for a, b in itertools.pairwise(scores)):
            raise ValueError(
                f"grades are listed best first, so their scores must strictly decrease; "
                f"got {scores}"
            )
        return v

    # convenient, cached-free accessors (the compiled tree caches what is hot)
    def node(self, node_id: str) -> DimensionNode | QuantitativeNode | RatingNode | ChecklistNode:
        """Return the node with ``node_id`` (KeyError if absent)."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def children(self, node_id: str) -> list[str]:
        """Ids of the children of ``node_id`` in file order."""
        return [n.id for n in self.nodes if n.parent == node_id]

    @property
    def root(self) -> DimensionNode:
        roots = [n for n in self.nodes if n.parent is None]
        if len(roots) != 1 or not isinstance(roots[0], DimensionNode):
            raise TreeSpecError("tree has no single dimension root; run check_tree()")
        return roots[0]

    def leaves(self) -> list[QuantitativeNode | RatingNode | ChecklistNode]:
        """Indicator leaves in depth-first file order (the column order of X)."""
        kids: dict[str | None, list[Any]] = {}
        for n in self.nodes:
            kids.setdefault(n.parent, []).append(n)
        out: list[QuantitativeNode | RatingNode | ChecklistNode] = []
        stack = list(reversed(kids.get(None, [])))
        while stack:
            n = stack.pop()
            if isinstance(n, DimensionNode):
                stack.extend(reversed(kids.get(n.id, [])))
            else:
                out.append(n)
        return out


# ------------------------------------------------------------------ structural check


def _err(message: str, index: int | None, node: str | None, *path: str | int) -> TreeSpecError:
    err = TreeSpecError(message, node=node)
    loc: tuple[str | int, ...] = ("nodes", index, *path) if index is not None else tuple(path)
    err.loc = loc  # type: ignore[attr-defined]
    return err


def _matrix_size_errors(rows: tuple[tuple[Any, ...], ...], n: int) -> str | None:
    if len(rows) != n or any(len(r) != len(rows) for r in rows):
        shape = f"{len(rows)}x" + "/".join(sorted({str(len(r)) for r in rows}) or ["0"])
        if any(len(r) != len(rows) for r in rows):
            return f"judgment matrix is not square ({shape})"
        return f"judgment matrix is {len(rows)}x{len(rows)} but the node has {n} children"
    return None


def _check_crisp_matrix(rows: tuple[tuple[Number, ...], ...], n: int) -> str | None:
    size = _matrix_size_errors(rows, n)
    if size:
        return size
    a = [[parse_number(x) for x in r] for r in rows]
    for i in range(n):
        for j in range(n):
            if not (math.isfinite(a[i][j]) and a[i][j] > 0):
                return f"judgment [{i}][{j}] = {rows[i][j]!r} must be a positive number"
    for i in range(n):
        if abs(a[i][i] - 1.0) > 1e-9:
            return f"diagonal judgment [{i}][{i}] must be 1, got {rows[i][i]!r}"
        for j in range(i + 1, n):
            # tolerance admits printed decimals such as 0.333 for 1/3 (0.1 % relative)
            if abs(a[i][j] * a[j][i] - 1.0) > 1e-3:
                return (
                    f"judgment matrix is not reciprocal at [{i}][{j}]={rows[i][j]!r} and "
                    f"[{j}][{i}]={rows[j][i]!r} (a_ij * a_ji must be 1)"
                )
    return None


def _check_weights(
    spec: Any,
    kids: list[str],
    idx: int,
    node_id: str,
    ctx: tuple[str | int, ...],
    leaves_only: bool = True,
) -> None:
    from evalsys import methods  # lazy: keeps registries out of plain model import

    n = len(kids)
    if isinstance(spec, CombinedWeights | ObjectiveWeights) and not leaves_only:
        raise _err(
            f"{spec.type} weights are computed from indicator data, so every child must be "
            "an indicator (this node has dimension children); use pairwise, direct or equal "
            "weights here",
            idx,
            node_id,
            *ctx,
            "type",
        )
    if isinstance(spec, CombinedWeights):
        methods.check_name("objective", spec.objective)
        methods.check_name("combination", spec.rule)
        _check_weights(spec.subjective, kids, idx, node_id, (*ctx, "subjective"))
        return
    if isinstance(spec, ObjectiveWeights):
        methods.check_name("objective", spec.method)
        return
    if isinstance(spec, DirectWeights):
        missing = [k for k in kids if k not in spec.values]
        extra = [k for k in spec.values if k not in kids]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing children {', '.join(missing)}")
            if extra:
                parts.append(f"unknown children {', '.join(extra)}")
            raise _err(f"direct weights: {'; '.join(parts)}", idx, node_id, *ctx, "values")
        return
    if (
        isinstance(spec, PairwiseWeights | FuzzyWeights)
        and spec.order is not None
        and sorted(spec.order) != sorted(kids)
    ):
        raise _err(
            f"'order' must list each child exactly once; children are {', '.join(kids)}, "
            f"order is {', '.join(spec.order)}",
            idx,
            node_id,
            *ctx,
            "order",
        )
    if isinstance(spec, FuzzyWeights):
        methods.check_name("fuzzy_ahp", spec.method)
        methods.check_name("defuzzifier", spec.defuzzify)
        size = _matrix_size_errors(spec.matrix, n)
        if size:
            raise _err(size, idx, node_id, *ctx, "matrix")
        for i, row in enumerate(spec.matrix):
            for j, (lo, mid, hi) in enumerate(row):
                lmu = [parse_number(x) for x in (lo, mid, hi)]
                if not (0 < lmu[0] <= lmu[1] <= lmu[2]):
                    raise _err(
                        f"fuzzy judgment [{i}][{j}] must satisfy 0 < l <= m <= u, got {lmu}",
                        idx,
                        node_id,
                        *ctx,
                        "matrix",
                    )
        from evalsys.errors import EvalsysError
        from evalsys.weights.fuzzy_ahp import validate_tfn_matrix

        try:
            validate_tfn_matrix(
                [[[parse_number(x) for x in t] for t in row] for row in spec.matrix]
            )
        except EvalsysError as exc:
            raise _err(exc.message, idx, node_id, *ctx, "matrix") from None
        return
    if isinstance(spec, PairwiseWeights):
        methods.check_name("priority", spec.method)
        methods.check_name("ri", spec.ri)
        methods.check_name("aggregation", spec.aggregation)
        methods.check_name("incomplete", spec.incomplete_method)
        from evalsys.errors import RITableError
        from evalsys.weights.consistency import random_index

        try:
            random_index(n, spec.ri)
        except RITableError as exc:
            raise _err(exc.message, idx, node_id, *ctx, "ri") from None
        sources: list[tuple[tuple[str | int, ...], Any, Any]] = []
        if spec.experts is not None:
            for k, ex in enumerate(spec.experts):
                sources.append(((*ctx, "experts", k), ex.matrix, ex.judgments))
        else:
            sources.append((ctx, spec.matrix, spec.judgments))
        for where, matrix, judgments in sources:
            if matrix is not None:
                msg = _check_crisp_matrix(matrix, n)
                if msg:
                    raise _err(msg, idx, node_id, *where, "matrix")
            else:
                seen: dict[frozenset[str], int] = {}
                for k, j in enumerate(judgments):
                    pair = frozenset((j.row, j.col))
                    if pair in seen and j.row != j.col:
                        raise _err(
                            f"judgment {j.row}–{j.col} is given twice (#{seen[pair] + 1} and "
                            f"#{k + 1}); give each pair once",
                            idx,
                            node_id,
                            *where,
                            "judgments",
                            k,
                        )
                    seen[pair] = k
                    bad = [x for x in (j.row, j.col) if x not in kids]
                    if bad:
                        raise _err(
                            f"judgment names {', '.join(bad)}, which is not a child "
                            f"(children: {', '.join(kids)})",
                            idx,
                            node_id,
                            *where,
                            "judgments",
                            k,
                        )
                    if j.row == j.col:
                        raise _err(
                            f"judgment compares '{j.row}' with itself",
                            idx,
                            node_id,
                            *where,
                            "judgments",
                            k,
                        )


def _all_reach_root(spec: TreeSpec, index: dict[str, int], root: str) -> bool:
    """Whether every node's chain of parents ends at ``root`` (then there is no cycle and
    no orphan).  Parents exist (checked before); memoised, O(nodes)."""
    ok: set[str] = {root}
    for n in spec.nodes:
        path: list[str] = []
        nid: str | None = n.id
        while nid is not None and nid not in ok:
            if len(path) > len(index):
                return False  # longer than the tree: a cycle
            path.append(nid)
            nid = spec.nodes[index[nid]].parent
        if nid is None:
            return False  # a second top-level node cannot happen (one root); be safe
        ok.update(path)
    return True


def _raise_cycle_or_orphan(spec: TreeSpec, index: dict[str, int], root: str) -> None:
    """The error for a tree whose parent links do not all lead to the root (networkx finds
    the cycle, or the nodes not connected to the root)."""
    import networkx as nx

    graph: Any = nx.DiGraph()
    graph.add_nodes_from(index)
    graph.add_edges_from((n.parent, n.id) for n in spec.nodes if n.parent is not None)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        ids = [u for u, _ in cycle]
        raise _err(
            f"cycle in parent links: {' -> '.join([*ids, ids[0]])}",
            index[ids[0]],
            ids[0],
            "parent",
        )
    reachable = nx.descendants(graph, root) | {root}
    orphans = [nid for nid in index if nid not in reachable]
    raise _err(
        f"node is not connected to the root '{root}' (orphans: {', '.join(orphans)})",
        index[orphans[0]],
        orphans[0],
        "parent",
    )


def check_tree(spec: TreeSpec) -> None:
    """Check the structure of ``spec``; raise :class:`TreeSpecError` on the first problem.

    Checks: unique ids; exactly one root; every parent exists and is a dimension; no
    cycles; every node reachable from the root; every dimension has at least one child;
    weight specifications fit the children (matrix size, reciprocity, positivity, direct
    weights per child, known method names); membership specifications have one entry per
    grade.  The raised error carries ``loc`` (a path into the file) so the loader can add
    the line number.
    """
    index: dict[str, int] = {}
    for i, n in enumerate(spec.nodes):
        if n.id in index:
            raise _err(
                f"duplicate node id '{n.id}' (first defined as node #{index[n.id] + 1})",
                i,
                n.id,
                "id",
            )
        index[n.id] = i

    roots = [i for i, n in enumerate(spec.nodes) if n.parent is None]
    if not roots:
        raise _err("tree has no root (a node with 'parent: null')", None, None, "nodes")
    if len(roots) > 1:
        names = ", ".join(spec.nodes[i].id for i in roots)
        raise _err(
            f"tree has {len(roots)} roots ({names}); exactly one is allowed",
            roots[1],
            spec.nodes[roots[1]].id,
            "parent",
        )
    root = spec.nodes[roots[0]]
    if not isinstance(root, DimensionNode):
        raise _err("the root must be a dimension node", roots[0], root.id, "kind")

    children: dict[str, list[str]] = {nid: [] for nid in index}  # in file order
    for i, n in enumerate(spec.nodes):
        if n.parent is None:
            continue
        if n.parent not in index:
            raise _err(f"parent '{n.parent}' does not exist", i, n.id, "parent")
        parent = spec.nodes[index[n.parent]]
        if not isinstance(parent, DimensionNode):
            raise _err(
                f"parent '{n.parent}' is a {parent.kind} indicator; only dimensions have children",
                i,
                n.id,
                "parent",
            )
        children[n.parent].append(n.id)

    if not _all_reach_root(spec, index, root.id):
        _raise_cycle_or_orphan(spec, index, root.id)

    for i, n in enumerate(spec.nodes):
        if isinstance(n, DimensionNode) and not children[n.id]:
            raise _err("dimension has no children", i, n.id, "kind")
    grades = len(spec.grades)
    for i, n in enumerate(spec.nodes):
        if isinstance(n, DimensionNode):
            kids = children[n.id]
            leaves_only = not any(isinstance(spec.nodes[index[k]], DimensionNode) for k in kids)
            try:
                _check_weights(n.weights, kids, i, n.id, ("dimension", "weights"), leaves_only)
            except UnknownMethodError as exc:
                raise _err(exc.message, i, n.id, "dimension", "weights") from None
        else:
            for k, std in enumerate(n.standards):
                unit = getattr(n, "unit", None)
                if unit is not None and std.unit != unit:
                    raise _err(
                        f"standard is in '{std.unit}' but the indicator is measured in "
                        f"'{unit}' (convert the limit; units are not converted implicitly)",
                        i,
                        n.id,
                        n.kind,
                        "standards",
                        k,
                        "unit",
                    )
            m = n.membership
            if m is not None and _membership_size(m) != grades:
                raise _err(
                    f"membership has {_membership_size(m)} entries but the tree has "
                    f"{grades} grades",
                    i,
                    n.id,
                    n.kind,
                    "membership",
                )
