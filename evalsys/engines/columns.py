"""The output columns of the out-of-core engines, block by block, in the in-memory order.

It owns what the stream and Dask engines write for each block of entities
(:func:`lead_columns`: id, row, passthrough; :func:`block_columns`: score, grades,
validity, coverage, dimension scores, B, and the leaf scores of
:func:`present_leaf_scores`), the final columns once the whole table has been seen
(:func:`final_columns`: rank and percentile before coverage, and
:class:`ContributionPlan` for the contributions) and the whole-table "rates given as
fractions" check (:func:`check_fractions`).  Column names and order are those of
:meth:`evalsys.scoring.result.ScoreResult.to_columns`; numeric columns are numpy arrays,
text columns pyarrow arrays (the engines convert them to their containers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.model.compiled import CompiledTree
from evalsys.scoring.scorer import BlockScores

__all__ = [
    "ContributionPlan",
    "block_columns",
    "check_fractions",
    "final_columns",
    "grade_strings",
    "lead_columns",
    "present_leaf_scores",
]

FloatArray = npt.NDArray[np.float64]


def grade_strings(grade: npt.NDArray[np.intp], *labels: tuple[str, ...]) -> tuple[Any, ...]:
    """Grade-label columns, one per label set (dictionary-typed, sharing one index array;
    read back as plain strings, as the in-memory output has; −1, an all-zero B, indexes
    from the end as numpy does there)."""
    import pyarrow as pa

    from evalsys.model.tables import arrow_array, arrow_strings

    g = np.asarray(grade, dtype=np.int32)
    if g.size and g.min() < 0:
        g = np.where(g < 0, g + len(labels[0]), g)
    idx = arrow_array(g)
    return tuple(pa.DictionaryArray.from_arrays(idx, arrow_strings(lab)) for lab in labels)


def lead_columns(
    table: Any,
    ids: Any,
    rows: npt.NDArray[np.int64],
    keep: npt.NDArray[np.bool_],
    passthrough: Sequence[str],
) -> dict[str, Any]:
    """``entity_id`` (``ids``, or the row numbers without an id column), ``row`` and the
    ``passthrough`` columns of ``table``, for the kept rows (``rows`` are already kept)."""
    import pyarrow as pa

    kept = None if keep.all() else pa.array(keep)
    cols: dict[str, Any] = {}
    if ids is not None:
        cols["entity_id"] = ids if kept is None else ids.filter(kept)
    else:
        cols["entity_id"] = pa.array(rows.astype(str), type=pa.string())
    cols["row"] = rows
    for c in passthrough:
        col = table.column(c).combine_chunks()
        cols[c] = col if kept is None else col.filter(kept)
    return cols


def present_leaf_scores(blk: BlockScores, present: npt.NDArray[np.bool_]) -> FloatArray | None:
    """(n, L) leaf scores of a block with NaN where a leaf is missing (``None`` when the
    block was scored without leaf scores)."""
    if blk.leaf_score is None:
        return None
    out: FloatArray = np.where(present, blk.leaf_score, np.nan)
    return out


def block_columns(
    compiled: CompiledTree,
    blk: BlockScores,
    leaf_score: FloatArray | None,
    *,
    memberships: bool,
) -> dict[str, Any]:
    """The per-entity columns of a scored block, from ``score`` to the B columns, plus
    the ``leaf.{j}`` columns of ``leaf_score`` (:func:`present_leaf_scores`) when given."""
    spec = compiled.spec
    grade_ids = tuple(g.id for g in spec.grades)
    grade_names = tuple(g.name for g in spec.grades)
    dim_ids = [compiled.node_ids[i] for i in compiled.dimensions]
    cols: dict[str, Any] = {"score": blk.score}
    cols["grade"], cols["grade_name"] = grade_strings(blk.grade, grade_ids, grade_names)
    cols["validity"] = blk.validity
    cols["coverage"] = blk.coverage
    for d, did in enumerate(dim_ids):
        cols[f"dim.{did}"] = np.ascontiguousarray(blk.dimension_score[:, d])
    if memberships and blk.B is not None and blk.dimension_B is not None:
        for g, gid in enumerate(grade_ids):
            cols[f"B.{gid}"] = np.ascontiguousarray(blk.B[:, g])
        for d, did in enumerate(dim_ids):
            for g, gid in enumerate(grade_ids):
                cols[f"B.{did}.{gid}"] = np.ascontiguousarray(blk.dimension_B[:, d, g])
    if leaf_score is not None:
        for j in range(leaf_score.shape[1]):
            cols[f"leaf.{j}"] = np.ascontiguousarray(leaf_score[:, j])
    return cols


def check_fractions(column_max: FloatArray, leaves: Sequence[Any]) -> None:
    """The "rates given as fractions" check of :func:`evalsys.model.data.indicator_data`,
    on the (L,) column maxima over the whole table."""
    from evalsys.model.data import fraction_error, looks_like_fractions

    for j, leaf in enumerate(leaves):
        x = column_max[j]
        if looks_like_fractions(leaf) and np.isfinite(x) and x <= 1.0:
            raise fraction_error(leaf, leaf.data_column)


@dataclass(frozen=True, slots=True)
class ContributionPlan:
    """What the contributions of a block need from the whole table (pickled to workers).

    Attributes
    ----------
    leaf_mean
        (L,) mean leaf score over every entity (:class:`evalsys.scoring.result.ColumnSums`).
    leaf_w
        (L,) global leaf weights.
    top
        (L,) first-level dimension of every leaf.
    dim_ids, leaf_ids
        Dimension and leaf ids (column names).
    """

    leaf_mean: FloatArray
    leaf_w: FloatArray
    top: npt.NDArray[np.intp]
    dim_ids: tuple[str, ...]
    leaf_ids: tuple[str, ...]

    @classmethod
    def of(
        cls, compiled: CompiledTree, leaf_mean: FloatArray, leaf_w: FloatArray
    ) -> ContributionPlan:
        """The plan for ``compiled`` with the whole table's leaf means and leaf weights."""
        from evalsys.scoring.plan import _top_dimension

        return cls(
            leaf_mean=leaf_mean,
            leaf_w=leaf_w,
            top=_top_dimension(compiled)[compiled.leaf_nodes],
            dim_ids=tuple(compiled.node_ids[i] for i in compiled.dimensions),
            leaf_ids=compiled.leaf_ids,
        )

    def columns(self, leaf_score: FloatArray) -> dict[str, FloatArray]:
        """``contrib.{dimension}`` and ``contrib.{leaf}`` of (n, L) leaf scores (NaN =
        missing)."""
        from evalsys.scoring.result import contributions_from, dimension_sums

        contrib = contributions_from(
            np.nan_to_num(leaf_score), ~np.isnan(leaf_score), self.leaf_w, self.leaf_mean
        )
        dc = dimension_sums(contrib, self.top, len(self.dim_ids))
        out: dict[str, FloatArray] = {}
        for d, did in enumerate(self.dim_ids):
            out[f"contrib.{did}"] = np.ascontiguousarray(dc[:, d])
        for j, lid in enumerate(self.leaf_ids):
            out[f"contrib.{lid}"] = np.ascontiguousarray(contrib[:, j])
        return out


def final_columns(
    cols: Mapping[str, Any],
    rank: npt.NDArray[np.int64],
    percentile: FloatArray,
    contributions: ContributionPlan | None,
) -> dict[str, Any]:
    """A block's final columns: those of pass one without the ``leaf.*`` scores, ``rank``
    and ``percentile`` (of its rows) before ``coverage``, then the contributions."""
    out: dict[str, Any] = {}
    for name, values in cols.items():
        if name.startswith("leaf."):
            continue
        if name == "coverage":
            out["rank"] = rank
            out["percentile"] = percentile
        out[name] = values
    if contributions is not None:
        n_leaves = len(contributions.leaf_ids)
        ls = np.column_stack([np.asarray(cols[f"leaf.{j}"]) for j in range(n_leaves)])
        out.update(contributions.columns(ls))
    return out
