"""Scores of a whole table and the statistics that compare its entities.

It owns :class:`ScoreResult` (what ``evalsys.score_entities`` returns) and the pieces
every engine computes over *all* entities, bit-identically whatever the chunking:
ranks and percentiles (:func:`rank_and_percentile`, one sort), per-leaf means summed in
fixed blocks of the global row sequence (:class:`ColumnSums`, :func:`leaf_means`),
contributions (:func:`contributions_from`) and their sums per dimension
(:func:`dimension_sums`).  :data:`METHODS` names the aggregation methods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.errors import ShapeError
from evalsys.model.data import SkippedEntity
from evalsys.scoring.plan import FloatArray, IntArray
from evalsys.scoring.scorer import DEFAULT_THREADS
from evalsys.weights.hierarchy import TreeWeights

__all__ = [
    "METHODS",
    "SUM_BLOCK",
    "ColumnSums",
    "ScoreResult",
    "contributions_from",
    "dimension_sums",
    "leaf_means",
    "rank_and_percentile",
]

#: The aggregation methods: fuzzy comprehensive evaluation and the MCDA indices of
#: :mod:`evalsys.scoring.mcda` (canonical names of its registry; every index is
#: larger-is-better in [0, 1]: VIKOR gives 1 − Q, PROMETHEE II (1 + φ)/2).
METHODS = ("fce", "weighted_sum", "topsis", "grey", "vikor", "promethee_ii")


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """Scores of E entities on one tree with one method (frozen; arrays read-only).

    Attributes
    ----------
    entity_ids, rows
        (E,) identifiers and 1-based input rows of the scored entities.
    method, operator
        Aggregation method (:data:`METHODS`) and, for FCE, the fuzzy operator.
    score
        (E,) FCE: weighted-average grade score (grade scores of the tree); other methods:
        their index in [0, 1], larger is better (VIKOR: 1 − Q; PROMETHEE II: (1 + φ)/2).
    B
        (E, G) root evaluation vector (FCE only).
    grade, validity
        (E,) grade index by maximum membership (best = 0) and its validity index α (FCE).
    dimension_ids, dimension_B, dimension_score
        First-level dimensions, their (E, D, G) evaluation vectors and (E, D) scores.
    rank, percentile
        (E,) rank 1 = best (ties share the lowest rank) and percentile in [0, 100].
    leaf_score
        (E, L) per-leaf score (membership-weighted grade score; utility × 100 for others).
    contributions
        (E, L) how much each leaf added to (+) or cost (−) the entity's score relative to
        the average entity: ``W_l (leaf_score_el − mean_e leaf_score_l)``.  For the
        weighted-average operator and weighted sum they add up exactly to
        ``score_e − mean(score)``; for the other operators it is the linear approximation.
    coverage
        (E,) share of global leaf weight present (1 unless ``missing="renormalize"``).
    skipped
        Entities not scored, with the reason.
    """

    tree_id: str
    entity_ids: npt.NDArray[np.str_]
    rows: npt.NDArray[np.int64]
    method: str
    operator: str | None
    score: FloatArray
    B: FloatArray | None
    grade: IntArray | None
    validity: FloatArray | None
    grade_ids: tuple[str, ...]
    grade_names: tuple[str, ...]
    dimension_ids: tuple[str, ...]
    dimension_names: tuple[str, ...]
    dimension_B: FloatArray | None
    dimension_score: FloatArray
    rank: IntArray
    percentile: FloatArray
    leaf_ids: tuple[str, ...]
    leaf_dimension: IntArray
    leaf_score: FloatArray
    contributions: FloatArray
    coverage: FloatArray
    weights: TreeWeights
    skipped: tuple[SkippedEntity, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    missing_policy: str = "reject"
    version: str = __version__
    passthrough: dict[str, npt.NDArray[Any]] = field(default_factory=dict)

    @property
    def n_entities(self) -> int:
        return int(self.score.size)

    def dimension_contributions(self) -> FloatArray:
        """(E, D) contributions summed over each first-level dimension's leaves."""
        return dimension_sums(self.contributions, self.leaf_dimension, len(self.dimension_ids))

    def to_columns(
        self, *, memberships: bool = False, contributions: bool = False
    ) -> dict[str, npt.NDArray[Any]]:
        """Output columns: id, score, grade, validity, rank, percentile, coverage,
        dimension scores, passthrough columns, optionally B and contributions."""
        cols: dict[str, npt.NDArray[Any]] = {"entity_id": self.entity_ids, "row": self.rows}
        cols.update(self.passthrough)
        cols["score"] = self.score
        if self.grade is not None and self.validity is not None:
            cols["grade"] = np.array(self.grade_ids)[self.grade]
            cols["grade_name"] = np.array(self.grade_names)[self.grade]
            cols["validity"] = self.validity
        cols["rank"] = self.rank
        cols["percentile"] = self.percentile
        cols["coverage"] = self.coverage
        for d, did in enumerate(self.dimension_ids):
            cols[f"dim.{did}"] = self.dimension_score[:, d]
        if memberships and self.B is not None:
            for g, gid in enumerate(self.grade_ids):
                cols[f"B.{gid}"] = self.B[:, g]
            if self.dimension_B is not None:
                for d, did in enumerate(self.dimension_ids):
                    for g, gid in enumerate(self.grade_ids):
                        cols[f"B.{did}.{gid}"] = self.dimension_B[:, d, g]
        if contributions:
            dc = self.dimension_contributions()
            for d, did in enumerate(self.dimension_ids):
                cols[f"contrib.{did}"] = dc[:, d]
            for j, lid in enumerate(self.leaf_ids):
                cols[f"contrib.{lid}"] = self.contributions[:, j]
        return cols

    def grade_labels(self) -> list[str]:
        """Grade name of every entity (FCE), e.g. '良'."""
        if self.grade is None:
            return []
        names = np.array(self.grade_names)
        return [str(x) for x in names[self.grade]]


def dimension_sums(values: FloatArray, leaf_dimension: IntArray, n_dims: int) -> FloatArray:
    """(E, D) sums of (E, L) per-leaf values over each dimension's leaves, added in leaf
    order (per entity, so independent of the batch)."""
    out = np.zeros((values.shape[0], n_dims))
    for j, d in enumerate(leaf_dimension):
        out[:, d] += values[:, j]
    return out


#: Rows per block of :class:`ColumnSums`: column sums are taken over fixed blocks of the
#: global row sequence, so that streaming a table in chunks of any size gives the same bits.
SUM_BLOCK = 8192


class ColumnSums:
    """Sums and counts of the non-NaN entries of each column, independent of chunking.

    Rows are fed in order with :meth:`add` (any chunk sizes); they are summed in fixed
    blocks of :data:`SUM_BLOCK` rows of the global sequence (``numpy.sum`` over each
    block), and the block sums are accumulated in order.  Feeding a table whole or in
    chunks therefore gives bit-identical sums — the property streaming needs for the
    column means behind ``contributions``.
    """

    def __init__(self, n_columns: int) -> None:
        self.total = np.zeros(n_columns)
        self.count = np.zeros(n_columns, dtype=np.int64)
        self._pending: list[FloatArray] = []
        self._rows = 0
        self._n = n_columns

    def _block(self, block: FloatArray) -> None:
        block = np.ascontiguousarray(block)
        ok = ~np.isnan(block)
        self.total += np.where(ok, block, 0.0).sum(axis=0)
        self.count += ok.sum(axis=0)

    def add(self, values: FloatArray) -> None:
        """Add (n, C) rows (NaN = absent)."""
        if values.shape[0] == 0:
            return
        self._pending.append(np.asarray(values, dtype=np.float64))
        self._rows += values.shape[0]
        if self._rows < SUM_BLOCK:
            return
        rows = np.concatenate(self._pending, axis=0) if len(self._pending) > 1 else values
        full = (rows.shape[0] // SUM_BLOCK) * SUM_BLOCK
        for s in range(0, full, SUM_BLOCK):
            self._block(rows[s : s + SUM_BLOCK])
        rest = rows[full:]
        self._pending = [np.array(rest)] if rest.shape[0] else []
        self._rows = rest.shape[0]

    @staticmethod
    def block_sums(values: FloatArray) -> list[tuple[FloatArray, npt.NDArray[np.int64]]]:
        """(sum, count) of each whole block of :data:`SUM_BLOCK` rows of ``values`` (rows
        that start a block of the global sequence), as :meth:`add` would compute them."""
        out = []
        for s in range(0, values.shape[0] - SUM_BLOCK + 1, SUM_BLOCK):
            block = np.ascontiguousarray(values[s : s + SUM_BLOCK])
            ok = ~np.isnan(block)
            out.append((np.where(ok, block, 0.0).sum(axis=0), ok.sum(axis=0)))
        return out

    @property
    def aligned(self) -> bool:
        """Whether the rows added so far end on a block boundary."""
        return self._rows == 0

    def add_block(self, total: FloatArray, count: npt.NDArray[np.int64]) -> None:
        """Add a whole block summed elsewhere (:meth:`block_sums`); needs :attr:`aligned`."""
        if self._rows:
            raise ShapeError("add_block needs the rows so far to end on a block boundary")
        self.total += total
        self.count += count

    def mean(self) -> FloatArray:
        """Column means of the non-NaN entries (NaN for a column without any)."""
        if self._pending:
            self._block(np.concatenate(self._pending, axis=0))
            self._pending, self._rows = [], 0
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = self.total / self.count
        return out


def rank_and_percentile(
    score: FloatArray, bounds: tuple[float, float] | None = None
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Ranks (1 = best, ties share the lowest) and percentiles of ``score``: the values of
    :func:`evalsys.scoring.grading.ranks` and :func:`evalsys.scoring.grading.percentiles`, sorted in
    parallel (:func:`evalsys.scoring.ranking.rank_and_percentile`; ``bounds``, the grade
    scores' range, sorts by value bucket)."""
    from evalsys.scoring.ranking import rank_and_percentile as _rank

    return _rank(score, threads=DEFAULT_THREADS, bounds=bounds)


def contributions_from(
    leaf_score: FloatArray,
    present: npt.NDArray[np.bool_],
    leaf_w: FloatArray,
    leaf_mean: FloatArray,
) -> FloatArray:
    """``W_l (leaf_score_el − mean_l)``; missing leaves contribute 0."""
    out: FloatArray = leaf_w * (np.where(present, leaf_score, leaf_mean) - leaf_mean)
    return out


def leaf_means(leaf_score: FloatArray, present: npt.NDArray[np.bool_]) -> FloatArray:
    """Per-leaf mean of the present leaf scores, summed chunk-invariantly (:class:`ColumnSums`)."""
    acc = ColumnSums(leaf_score.shape[1])
    acc.add(np.where(present, leaf_score, np.nan))
    return acc.mean()
