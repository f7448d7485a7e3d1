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

from evalsys.errors import DataError
from evalsys.model.compiled import CompiledTree
from evalsys.model.nodes import ChecklistNode, QuantitativeNode, RatingNode, StandardMembership

__all__ = [
    "MISSING_POLICIES",
    "CheckedValues",
    "IndicatorData",
    "SkippedEntity",
    "check_unique",
    "fraction_error",
    "indicator_data",
    "indicator_values",
    "looks_like_fractions",
    "required_columns",
]

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


def _plain_floats(arr: Any) -> FloatArray:
    """A float64 or null-free integer pyarrow Array as float64 (NaN for nulls), straight
    from its buffers."""
    import pyarrow as pa

    from evalsys.model.tables import numpy_values

    n = len(arr)
    bufs = arr.buffers()
    t = arr.type
    if pa.types.is_integer(t):
        dtype = np.dtype(f"{'i' if pa.types.is_signed_integer(t) else 'u'}{t.bit_width // 8}")
    else:
        dtype = np.dtype("f8")
    if len(bufs) < 2 or bufs[1] is None or n == 0:
        return np.full(n, np.nan)
    out = np.asarray(numpy_values(arr, dtype), dtype=np.float64)
    if arr.null_count:
        bits = np.unpackbits(
            np.frombuffer(bufs[0], dtype=np.uint8), count=arr.offset + n, bitorder="little"
        )[arr.offset :]
        out = np.where(bits.astype(bool), out, np.nan)
    return out


def _numeric(table: Any, column: str, leaf_id: str, offset: int = 0) -> FloatArray:
    """Column as float64 with NaN for nulls; non-numeric text is an error naming rows."""
    import pyarrow as pa

    col = table.column(column)
    if pa.types.is_float64(col.type) or (pa.types.is_integer(col.type) and not col.null_count):
        # plain buffers: no compute kernel (whose first call costs a fifth of a second) and
        # no ChunkedArray.to_numpy (which imports pandas)
        chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
        parts = [_plain_floats(c) for c in chunks]
        if not parts:
            return np.zeros(0)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
    import pyarrow.compute as pc

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
                rows=_rows(bad_np, offset),
            )
        col = pc.if_else(empty, pa.scalar(None, pa.string()), col)
    elif not (pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_null(typ)):
        raise DataError(f"indicator '{leaf_id}' needs numbers; column type is {typ}", column=column)
    out = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
    return np.asarray(out, dtype=np.float64)


def _rows(mask: npt.NDArray[np.bool_], offset: int) -> list[int]:
    """1-based data rows of the True entries of ``mask`` (a chunk starting at ``offset``)."""
    return [int(i) + 1 + offset for i in np.flatnonzero(mask)]


def looks_like_fractions(leaf: QuantitativeNode | RatingNode | ChecklistNode) -> bool:
    """Whether the "rates given as fractions" check applies to ``leaf``: a percentage leaf
    whose standard membership points are all above 1."""
    m = getattr(leaf, "membership", None)
    return (
        isinstance(leaf, QuantitativeNode)
        and leaf.unit == "%"
        and isinstance(m, StandardMembership)
        and min(m.points) > 1.0
    )


def fraction_error(leaf: QuantitativeNode, column: str) -> DataError:
    """The error for a percentage column whose every value lies in [0, 1]."""
    m = leaf.membership
    points = list(m.points) if isinstance(m, StandardMembership) else []
    return DataError(
        f"indicator '{leaf.id}' is in % (0–100, grade points {points}) but every "
        "value is within [0, 1]: the column looks like fractions; multiply by 100",
        column=column,
    )


def check_unique(ids: npt.NDArray[np.str_], id_column: str) -> None:
    """Raise an error if an entity id occurs more than once.

    Parameters
    ----------
    ids
        (E,) entity ids as strings, in row order.
    id_column
        The id column, named in the error.

    Raises
    ------
    DataError
        The first repeated id in sorted order, how often it occurs and its (1-based) rows.
    """
    uniq, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1][0]
        raise DataError(
            f"entity id '{dup}' appears {counts[counts > 1][0]} times",
            column=id_column,
            rows=[int(i) + 1 for i in np.flatnonzero(ids == dup)],
        )


def allowed_range(
    leaf: QuantitativeNode | RatingNode | ChecklistNode,
) -> tuple[float | None, float | None]:
    """Valid [low, high] of a leaf's data values (None = open): the ``range`` of a
    quantitative leaf (0–100 for %), 1..scale for ratings, 0..items (or 0..1) for checklists."""
    if isinstance(leaf, QuantitativeNode):
        lo, hi = leaf.range if leaf.range is not None else (None, None)
        if leaf.unit == "%":
            lo = 0.0 if lo is None else lo
            hi = 100.0 if hi is None else hi
        return lo, hi
    if isinstance(leaf, RatingNode):
        return 1.0, float(leaf.scale)
    return 0.0, (1.0 if leaf.input == "share" else float(len(leaf.items)))


def _check_range(
    x: FloatArray,
    leaf: QuantitativeNode | RatingNode | ChecklistNode,
    column: str,
    offset: int = 0,
    fraction_check: bool = True,
) -> tuple[float, bool]:
    """Raise on infinite or out-of-range values; return (largest value, any missing).

    Two reductions (``fmin``/``fmax``, NaN-ignoring) decide; the per-row masks that name
    the offending rows are built only when a check fails.
    """
    if x.size == 0:
        return float("nan"), False
    x_min = float(np.fmin.reduce(x))
    x_max = float(np.fmax.reduce(x))
    has_nan = bool(np.isnan(x_min) or np.isnan(x_max)) or bool(np.isnan(x).any())
    lo, hi = allowed_range(leaf)
    if np.isinf(x_min) or np.isinf(x_max):
        inf = np.isinf(x)
        raise DataError(
            f"indicator '{leaf.id}' has infinite values",
            column=column,
            rows=_rows(inf, offset),
        )
    finite = None
    if isinstance(leaf, QuantitativeNode):
        if lo is not None and x_min < lo:
            finite = np.isfinite(x)
            bad = finite & (x < lo)
            what = (
                "negative durations"
                if lo == 0 and leaf.unit not in ("%",)
                else (f"values below {lo:g} {leaf.unit}")
            )
            raise DataError(
                f"indicator '{leaf.id}' has {what} (e.g. {x[bad][0]:g})",
                column=column,
                rows=_rows(bad, offset),
            )
        if hi is not None and x_max > hi:
            finite = np.isfinite(x)
            bad = finite & (x > hi)
            raise DataError(
                f"indicator '{leaf.id}' has values above {hi:g} {leaf.unit} (e.g. {x[bad][0]:g})",
                column=column,
                rows=_rows(bad, offset),
            )
        if fraction_check and looks_like_fractions(leaf) and x_max <= 1.0:
            raise fraction_error(leaf, column)
    elif isinstance(leaf, RatingNode):
        if (lo is not None and x_min < lo) or (hi is not None and x_max > hi):
            finite = np.isfinite(x)
            bad = finite & ((x < 1) | (x > leaf.scale))
            raise DataError(
                f"rating '{leaf.id}' is on a 1–{leaf.scale} scale; found {x[bad][0]:g}",
                column=column,
                rows=_rows(bad, offset),
            )
    elif (lo is not None and x_min < lo) or (hi is not None and x_max > hi):
        top = 1.0 if leaf.input == "share" else float(len(leaf.items))
        finite = np.isfinite(x)
        bad = finite & ((x < 0) | (x > top))
        what = (
            "share of items met in [0, 1]"
            if leaf.input == "share"
            else (f"count of items met in 0..{len(leaf.items)}")
        )
        raise DataError(
            f"checklist '{leaf.id}' needs the {what}; found {x[bad][0]:g}",
            column=column,
            rows=_rows(bad, offset),
        )
    return x_max, has_nan


def required_columns(compiled: CompiledTree) -> list[str]:
    """The data columns the tree's leaves read, in leaf order (votes: one per grade)."""
    spec = compiled.spec
    needed: list[str] = []
    for leaf in spec.leaves():
        if isinstance(leaf, RatingNode) and leaf.input == "votes":
            needed.extend(f"{leaf.data_column}.{g.id}" for g in spec.grades)
        else:
            needed.append(leaf.data_column)
    return needed


def _check_policy(missing: str) -> None:
    if missing not in MISSING_POLICIES:
        raise DataError(
            f"unknown missing-value policy '{missing}'; valid: {', '.join(MISSING_POLICIES)}"
        )


def _check_columns(compiled: CompiledTree, names: list[str]) -> list[str]:
    needed = required_columns(compiled)
    absent = [c for c in needed if c not in names]
    if absent:
        raise DataError(
            f"missing column{'s' if len(absent) > 1 else ''} {', '.join(absent)} "
            f"(the tree '{compiled.spec.id}' reads {len(needed)} columns)"
        )
    return needed


@dataclass(frozen=True, slots=True)
class CheckedValues:
    """Checked indicator values of one table (or one chunk of a streamed table).

    Attributes
    ----------
    values
        (E, L) raw values of *every* row (F-ordered: each leaf's column is contiguous).
    votes
        Leaf position → (E, G) vote counts.
    present
        (E, L) availability.
    keep
        (E,) rows kept under the missing-value policy (all True unless ``skip``).
    skipped
        0-based positions (in this table) of the skipped rows, and the reason for each.
    column_max
        (L,) largest value of each leaf column over all rows (NaN when none; NaN for votes
        leaves), for checks that need
        the whole table (rates given as fractions) when the table is streamed in chunks.
    """

    values: FloatArray
    votes: dict[int, FloatArray]
    present: npt.NDArray[np.bool_]
    keep: npt.NDArray[np.bool_]
    skipped: tuple[tuple[int, str], ...]
    column_max: FloatArray

    @property
    def complete(self) -> bool:
        """No missing value in the kept rows."""
        return bool(self.present.all())


def indicator_values(
    compiled: CompiledTree,
    table: Any,
    *,
    missing: MissingPolicy = "reject",
    row_offset: int = 0,
    fraction_check: bool = True,
) -> CheckedValues:
    """Check the indicator columns of ``table`` and return them as arrays (no ids).

    The value checks of :func:`indicator_data`, for one table or one chunk of a larger
    one: ``row_offset`` (rows before this chunk) makes every row number in an error
    global.  ``fraction_check=False`` leaves the "rates given as fractions" check (which
    needs every value of a column) to the caller: see :attr:`CheckedValues.column_max`,
    :func:`looks_like_fractions` and :func:`fraction_error`.  An empty table is allowed
    here.

    Raises
    ------
    DataError
        Missing columns, non-numeric or out-of-range values, missing values under the
        ``reject`` policy, or no row left under ``skip``.
    """
    _check_policy(missing)
    spec = compiled.spec
    leaves = spec.leaves()
    _check_columns(compiled, list(table.column_names))
    e, n_leaves, g = table.num_rows, len(leaves), len(spec.grades)
    values = np.empty((n_leaves, e)).T  # F order: column j is contiguous
    votes: dict[int, FloatArray] = {}
    column_max = np.full(n_leaves, np.nan)
    gaps = np.zeros(n_leaves, dtype=bool)
    for j, leaf in enumerate(leaves):
        if isinstance(leaf, RatingNode) and leaf.input == "votes":
            counts_arr = np.empty((e, g))
            for k, grade in enumerate(spec.grades):
                col = f"{leaf.data_column}.{grade.id}"
                v = _numeric(table, col, leaf.id, row_offset)
                bad = np.isfinite(v) & ((v < 0) | np.isinf(v))
                if bad.any():
                    raise DataError(
                        f"votes of '{leaf.id}' must be counts >= 0",
                        column=col,
                        rows=_rows(bad, row_offset),
                    )
                counts_arr[:, k] = v
            totals = counts_arr.sum(axis=1)
            zero = np.isfinite(totals) & (totals <= 0)
            if zero.any():
                raise DataError(
                    f"rating '{leaf.id}' has no votes at all",
                    column=f"{leaf.data_column}.*",
                    rows=_rows(zero, row_offset),
                )
            votes[j] = counts_arr
            values[:, j] = np.where(np.isnan(totals), np.nan, 0.0)
            gaps[j] = bool(np.isnan(totals).any())
        else:
            x = _numeric(table, leaf.data_column, leaf.id, row_offset)
            column_max[j], gaps[j] = _check_range(
                x, leaf, leaf.data_column, row_offset, fraction_check
            )
            values[:, j] = x
    complete = not gaps.any()
    present = np.ones((e, n_leaves), dtype=bool) if complete else ~np.isnan(values)
    keep = np.ones(e, dtype=bool)
    skipped: list[tuple[int, str]] = []
    if not complete:
        incomplete = ~present.all(axis=1)
        if missing == "reject":
            j = int(np.flatnonzero(~present.all(axis=0))[0])
            raise DataError(
                f"missing values in indicator '{leaves[j].id}' (policy 'reject'; use "
                "--missing skip or --missing renormalize)",
                column=leaves[j].data_column,
                rows=_rows(~present[:, j], row_offset),
            )
        if missing == "skip":
            leaf_ids = [leaf.id for leaf in leaves]
            for i in np.flatnonzero(incomplete):
                gone = [leaf_ids[k] for k in np.flatnonzero(~present[i])]
                skipped.append((int(i), f"missing {', '.join(gone)}"))
            keep = np.asarray(~incomplete, dtype=bool)
            values = values.T[:, keep].T
            present = present[keep]
            votes = {k: v[keep] for k, v in votes.items()}
    values.flags.writeable = False
    return CheckedValues(values, votes, present, keep, tuple(skipped), column_max)


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
    _check_policy(missing)
    names = list(table.column_names)
    if table.num_rows == 0:
        raise DataError("the table has no rows")
    needed = _check_columns(compiled, names)
    if id_column in names:
        ids = np.asarray(
            table.column(id_column).cast("string").to_numpy(zero_copy_only=False), dtype=str
        )
    else:
        ids = np.arange(1, table.num_rows + 1).astype(str)
    check_unique(ids, id_column)
    checked = indicator_values(compiled, table, missing=missing)
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    skipped = [SkippedEntity(i + 1, str(ids[i]), reason) for i, reason in checked.skipped]
    if skipped and not checked.keep.any():
        raise DataError("every entity has a missing value; nothing left to score")
    kept_extra = {
        c: np.asarray(table.column(c).to_numpy(zero_copy_only=False))
        for c in passthrough
        if c in names
    }
    if skipped:
        keep = checked.keep
        ids, rows = ids[keep], rows[keep]
        kept_extra = {c: v[keep] for c, v in kept_extra.items()}
    used = {id_column, *needed}
    ignored = tuple(c for c in names if c not in used and c not in passthrough)
    return IndicatorData(
        entity_ids=ids,
        rows=rows,
        values=checked.values,
        votes=checked.votes,
        present=checked.present,
        skipped=tuple(skipped),
        ignored_columns=ignored,
        passthrough=kept_extra,
    )
