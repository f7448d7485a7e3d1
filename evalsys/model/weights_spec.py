"""Weight specifications of a dimension, as written in a tree file, and their checks.

How a dimension weights its children: AHP pairwise judgments (a full matrix, incomplete
judgments or several experts), fuzzy pairwise judgments, direct weights, equal weights,
objective weights from the data, or subjective and objective weights combined.
:func:`check_weights` checks that a specification fits the node's children (matrix size,
positivity, reciprocity, child ids, known method names and RI table sizes); method names
are resolved through :mod:`evalsys.methods`, so this module imports no weighting code.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from evalsys.errors import EvalsysError, RITableError
from evalsys.model.base import FrozenModel, located_error

__all__ = [
    "CombinedWeights",
    "DirectWeights",
    "EqualWeights",
    "Expert",
    "FuzzyWeights",
    "Judgment",
    "Number",
    "ObjectiveWeights",
    "PairwiseWeights",
    "WeightSpec",
    "check_weights",
    "parse_number",
]

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


class Judgment(FrozenModel):
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


class Expert(FrozenModel):
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


class PairwiseWeights(FrozenModel):
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


class FuzzyWeights(FrozenModel):
    """Fuzzy AHP with triangular judgments ``[l, m, u]`` (Buckley or Chang)."""

    type: Literal["fuzzy_pairwise"]
    matrix: tuple[tuple[tuple[Number, Number, Number], ...], ...]
    order: tuple[str, ...] | None = None
    method: str = "buckley"
    defuzzify: str = "centroid"
    illustrative: bool = False
    source: str | None = None


class DirectWeights(FrozenModel):
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


class ObjectiveWeights(FrozenModel):
    """Weights computed from the data (entropy, CRITIC, …) when entities are scored."""

    type: Literal["objective"]
    method: str = "entropy"


class EqualWeights(FrozenModel):
    """Equal weights over the children."""

    type: Literal["equal"]


class CombinedWeights(FrozenModel):
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


# ------------------------------------------------------------------------- checks


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


def check_weights(
    spec: Any,
    kids: list[str],
    idx: int,
    node_id: str,
    ctx: tuple[str | int, ...],
    leaves_only: bool = True,
) -> None:
    """Check that the weight specification of ``nodes[idx]`` fits its children ``kids``.

    Parameters
    ----------
    spec
        The node's weight specification (one of :data:`WeightSpec`).
    kids
        Child ids in file order (the default row order of a matrix).
    idx, node_id
        Index and id of the dimension in the file's ``nodes``.
    ctx
        Path from the node to ``spec`` (e.g. ``("dimension", "weights")``).
    leaves_only
        Whether every child is an indicator (objective and combined weights need data).

    Raises
    ------
    TreeSpecError
        The first misfit, located at ``nodes[idx]`` + ``ctx`` + the offending field.
    UnknownMethodError
        An unknown method, aggregation, defuzzifier or RI table name.
    """
    from evalsys import methods  # lazy: keeps registries out of plain model import

    n = len(kids)
    if isinstance(spec, CombinedWeights | ObjectiveWeights) and not leaves_only:
        raise located_error(
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
        check_weights(spec.subjective, kids, idx, node_id, (*ctx, "subjective"))
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
            raise located_error(f"direct weights: {'; '.join(parts)}", idx, node_id, *ctx, "values")
        return
    if (
        isinstance(spec, PairwiseWeights | FuzzyWeights)
        and spec.order is not None
        and sorted(spec.order) != sorted(kids)
    ):
        raise located_error(
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
            raise located_error(size, idx, node_id, *ctx, "matrix")
        for i, row in enumerate(spec.matrix):
            for j, (lo, mid, hi) in enumerate(row):
                lmu = [parse_number(x) for x in (lo, mid, hi)]
                if not (0 < lmu[0] <= lmu[1] <= lmu[2]):
                    raise located_error(
                        f"fuzzy judgment [{i}][{j}] must satisfy 0 < l <= m <= u, got {lmu}",
                        idx,
                        node_id,
                        *ctx,
                        "matrix",
                    )
        try:
            methods.check_input(
                "fuzzy_ahp", [[[parse_number(x) for x in t] for t in row] for row in spec.matrix]
            )
        except EvalsysError as exc:
            raise located_error(exc.message, idx, node_id, *ctx, "matrix") from None
        return
    if isinstance(spec, PairwiseWeights):
        methods.check_name("priority", spec.method)
        methods.check_name("ri", spec.ri)
        methods.check_name("aggregation", spec.aggregation)
        methods.check_name("incomplete", spec.incomplete_method)
        try:  # an RI table called beyond its sizes raises RITableError
            methods.registry("ri").get(spec.ri)(n)
        except RITableError as exc:
            raise located_error(exc.message, idx, node_id, *ctx, "ri") from None
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
                    raise located_error(msg, idx, node_id, *where, "matrix")
            else:
                seen: dict[frozenset[str], int] = {}
                for k, j in enumerate(judgments):
                    pair = frozenset((j.row, j.col))
                    if pair in seen and j.row != j.col:
                        raise located_error(
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
                        raise located_error(
                            f"judgment names {', '.join(bad)}, which is not a child "
                            f"(children: {', '.join(kids)})",
                            idx,
                            node_id,
                            *where,
                            "judgments",
                            k,
                        )
                    if j.row == j.col:
                        raise located_error(
                            f"judgment compares '{j.row}' with itself",
                            idx,
                            node_id,
                            *where,
                            "judgments",
                            k,
                        )
