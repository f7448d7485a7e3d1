"""From an entity table to checked indicator arrays (the data boundary).

Validation happens here, once: missing columns, non-numeric values, values outside an
indicator's valid range (negative durations, rates beyond [0, 100]), percentages given as
fractions, missing values.  Every problem is one :class:`~evalsys.errors.DataError` naming
the column, the indicator and the first offending rows (1-based data rows, header excluded).
Below this boundary the kernels trust their inputs.

Missing values follow a policy chosen per run (:data:`MISSING_POLICIES`):

``reject``
    any missing value in a used column is an error (the default);
``skip``
    entities with a missing value are left out and listed with the reason;
``renormalize``
    missing indicators get weight 0 for that entity and their siblings' weights are scaled
    up to sum to 1; the output reports each entity's coverage (share of global weight
    present).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from evalsys.compiled import CompiledTree
from evalsys.errors import DataError
from evalsys.tree import ChecklistNode, QuantitativeNode, RatingNode, StandardMembership

__all__ = ["MISSING_POLICIES", "IndicatorData", "SkippedEntity", "indicator_data"]

MISSING_POLICIES = ("reject", "skip", "renormalize")
MissingPolicy = Literal["reject", "skip", "renormalize"]
_NUMBER = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SkippedEntity:
    """An entity left out of a run, and why."""

    row: int
    entity_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class IndicatorData:
    """Checked indicator values of E entities for the L leaves of a tree.

    Attributes
    ----------
    entity_ids
        (E,) entity identifiers (strings).
    rows
        (E,) 1-based row numbers in the input of the kept entities.
    values
        (E, L) raw values; for ``votes`` leaves the vote share-weighted mean grade index is not
        meaningful, so their column holds NaN and ``votes`` holds the counts.
    votes
        leaf position → (E, G) vote counts, for rating leaves with ``input: votes``.
    present
        (E, L) True where the indicator is available for the entity.
    skipped
        Entities left out under the ``skip`` policy, with the reason.
    ignored_columns
        Input columns the tree does not use (reported, never silently dropped).
    passthrough
        Columns kept for grouping / output (e.g. segment, tier).
    """

    entity_ids: npt.NDArray[np.str_]
    rows: npt.NDArray[np.int64]
    values: FloatArray
    votes: dict[int, FloatArray]
    present: npt.NDArray[np.bool_]
    skipped: tuple[SkippedEntity, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    passthrough: dict[str, npt.NDArray[Any]] = field(default_factory=dict)

    @property
    def n_entities(self) -> int:
        return int(self.values.shape[0])


def _numeric(table: Any, column: str, leaf_id: str) -> FloatArray:
    """Column as float64 with NaN for nulls; non-numeric text is an error naming rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(column)
    typ = col.type
    if pa.types.is_boolean(typ):
        col = pc.cast(col, pa.int8())
    elif pa.types.is_string(typ) or pa.types.is_large_string(typ):
        ok = pc.match_substring_regex(col, _NUMBER)
        empty = pc.equal(pc.utf8_trim_whitespace(col), "")
        bad = pc.and_(pc.invert(pc.fill_null(ok, True)), pc.invert(pc.fill_null(empty, False)))
        bad_np = np.asarray(bad.to_numpy(zero_copy_only=False), dtype=bool)
        if bad_np.any():
            first = int(np.flatnonzero(bad_np)[0])
            raise DataError(
                f"indicator '{leaf_id}' needs numbers; found {col[first].as_py()!r}",
                column=column,
                rows=[int(i) + 1 for i in np.flatnonzero(bad_np)],
            )
        col = pc.if_else(empty, pa.scalar(None, pa.string()), col)
    elif not (pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_null(typ)):
        raise DataError(f"indicator '{leaf_id}' needs numbers; column type is {typ}", column=column)
    out = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(out, dtype=np.float64)


def _check_range(
    x: FloatArray, leaf: QuantitativeNode | RatingNode | ChecklistNode, column: str
) -> None:
    finite = np.isfinite(x)
    inf = np.isinf(x)
    if inf.any():
        raise DataError(
            f"indicator '{leaf.id}' has infinite values",
            column=column,
            rows=[int(i) + 1 for i in np.flatnonzero(inf)],
        )
    if isinstance(leaf, QuantitativeNode):
        lo, hi = leaf.range if leaf.range is not None else (None, None)
        if leaf.unit == "%":
            lo = 0.0 if lo is None else lo
            hi = 100.0 if hi is None else hi
        if lo is not None:
            bad = finite & (x < lo)
            if bad.any():
                what = (
                    "negative durations"
                    if lo == 0 and leaf.unit not in ("%",)
                    else (f"values below {lo:g} {leaf.unit}")
                )
                raise DataError(
                    f"indicator '{leaf.id}' has {what} (e.g. {x[bad][0]:g})",
                    column=column,
                    rows=[int(i) + 1 for i in np.flatnonzero(bad)],
                )
        if hi is not None:
            bad = finite & (x > hi)
            if bad.any():
                raise DataError(
                    f"indicator '{leaf.id}' has values above {hi:g} {leaf.unit} "
                    f"(e.g. {x[bad][0]:g})",
                    column=column,
                    rows=[int(i) + 1 for i in np.flatnonzero(bad)],
                )
        m = leaf.membership
        if (
            leaf.unit == "%"
            and isinstance(m, StandardMembership)
            and min(m.points) > 1.0
            and finite.any()
            and float(np.nanmax(x)) <= 1.0
        ):
            raise DataError(
                f"indicator '{leaf.id}' is in % (0–100, grade points {list(m.points)}) but every "
                "value is within [0, 1]: the column looks like fractions; multiply by 100",
                column=column,
            )
    elif isinstance(leaf, RatingNode):
        bad = finite & ((x < 1) | (x > leaf.scale))
        if bad.any():
            raise DataError(
                f"rating '{leaf.id}' is on a 1–{leaf.scale} scale; found {x[bad][0]:g}",
                column=column,
                rows=[int(i) + 1 for i in np.flatnonzero(bad)],
            )
    else:
        top = 1.0 if leaf.input == "share" else float(len(leaf.items))
        bad = finite & ((x < 0) | (x > top))
        if bad.any():
            what = (
                "share of items met in [0, 1]"
                if leaf.input == "share"
                else (f"count of items met in 0..{len(leaf.items)}")
            )
            raise DataError(
                f"checklist '{leaf.id}' needs the {what}; found {x[bad][0]:g}",
                column=column,
                rows=[int(i) + 1 for i in np.flatnonzero(bad)],
            )


def indicator_data(
    compiled: CompiledTree,
    table: Any,
    *,
    id_column: str = "entity_id",
    missing: MissingPolicy = "reject",
    passthrough: tuple[str, ...] = ("segment", "tier"),
) -> IndicatorData:
    """Check ``table`` (a pyarrow Table) against the tree and build indicator arrays.

    Raises
    ------
    DataError
        Missing columns, non-numeric values, out-of-range values, missing values under the
        ``reject`` policy, an empty table, or a duplicate entity id.
    """
    if missing not in MISSING_POLICIES:
        raise DataError(
            f"unknown missing-value policy '{missing}'; valid: {', '.join(MISSING_POLICIES)}"
        )
    spec = compiled.spec
    leaves = spec.leaves()
    names = list(table.column_names)
    if table.num_rows == 0:
        raise DataError("the table has no rows")
    needed: list[str] = []
    for leaf in leaves:
        if isinstance(leaf, RatingNode) and leaf.input == "votes":
            needed.extend(f"{leaf.data_column}.{g.id}" for g in spec.grades)
        else:
            needed.append(leaf.data_column)
    absent = [c for c in needed if c not in names]
    if absent:
        raise DataError(
            f"missing column{'s' if len(absent) > 1 else ''} {', '.join(absent)} "
            f"(the tree '{spec.id}' reads {len(needed)} columns)"
        )
    if id_column in names:
        ids = np.asarray(
            table.column(id_column).cast("string").to_numpy(zero_copy_only=False), dtype=str
        )
    else:
        ids = np.array([str(i) for i in range(1, table.num_rows + 1)])
    uniq, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1][0]
        raise DataError(
            f"entity id '{dup}' appears {counts[counts > 1][0]} times",
            column=id_column,
            rows=[int(i) + 1 for i in np.flatnonzero(ids == dup)],
        )

    e, n_leaves, g = table.num_rows, len(leaves), len(spec.grades)
    values = np.full((e, n_leaves), np.nan)
    votes: dict[int, FloatArray] = {}
    for j, leaf in enumerate(leaves):
        if isinstance(leaf, RatingNode) and leaf.input == "votes":
            counts_arr = np.empty((e, g))
            for k, grade in enumerate(spec.grades):
                col = f"{leaf.data_column}.{grade.id}"
                v = _numeric(table, col, leaf.id)
                bad = np.isfinite(v) & ((v < 0) | np.isinf(v))
                if bad.any():
                    raise DataError(
                        f"votes of '{leaf.id}' must be counts >= 0",
                        column=col,
                        rows=[int(i) + 1 for i in np.flatnonzero(bad)],
                    )
                counts_arr[:, k] = v
            totals = counts_arr.sum(axis=1)
            zero = np.isfinite(totals) & (totals <= 0)
            if zero.any():
                raise DataError(
                    f"rating '{leaf.id}' has no votes at all",
                    column=f"{leaf.data_column}.*",
                    rows=[int(i) + 1 for i in np.flatnonzero(zero)],
                )
            votes[j] = counts_arr
            values[:, j] = np.where(np.isnan(totals), np.nan, 0.0)
        else:
            x = _numeric(table, leaf.data_column, leaf.id)
            _check_range(x, leaf, leaf.data_column)
            values[:, j] = x
    present = ~np.isnan(values)
    rows = np.arange(1, e + 1, dtype=np.int64)
    skipped: list[SkippedEntity] = []
    if not present.all():
        incomplete = ~present.all(axis=1)
        if missing == "reject":
            j = int(np.flatnonzero(~present.all(axis=0))[0])
            col = leaves[j].data_column
            raise DataError(
                f"missing values in indicator '{leaves[j].id}' (policy 'reject'; use "
                "--missing skip or --missing renormalize)",
                column=col,
                rows=[int(i) + 1 for i in np.flatnonzero(~present[:, j])],
            )
        if missing == "skip":
            leaf_ids = [leaf.id for leaf in leaves]
            for i in np.flatnonzero(incomplete):
                gone = [leaf_ids[k] for k in np.flatnonzero(~present[i])]
                skipped.append(SkippedEntity(int(i) + 1, str(ids[i]), f"missing {', '.join(gone)}"))
            keep = ~incomplete
            if not keep.any():
                raise DataError("every entity has a missing value; nothing left to score")
            ids, rows, values, present = ids[keep], rows[keep], values[keep], present[keep]
            votes = {k: v[keep] for k, v in votes.items()}
    used = {id_column, *needed}
    kept_extra = {
        c: np.asarray(table.column(c).to_numpy(zero_copy_only=False))
        for c in passthrough
        if c in names
    }
    if skipped:
        keep_rows = rows - 1
        kept_extra = {c: v[keep_rows] for c, v in kept_extra.items()}
    ignored = tuple(c for c in names if c not in used and c not in passthrough)
    values.flags.writeable = False
    return IndicatorData(
        entity_ids=ids,
        rows=rows,
        values=values,
        votes=votes,
        present=present,
        skipped=tuple(skipped),
        ignored_columns=ignored,
        passthrough=kept_extra,
    )
