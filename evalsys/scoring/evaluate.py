"""Multi-level evaluation of entities over an indicator tree.

From checked indicator data (:mod:`evalsys.model.data`) to per-entity results:

1. **utilities** U (E, L): every leaf normalised to [0, 1], higher is better (benefit/cost
   min-max with the tree's fixed ``bounds`` or the data range, target/interval closeness,
   rating (x − 1)/(scale − 1), checklist share met, votes' mean grade position);
2. **memberships** R (E, L, G): each leaf's membership in the tree's grades — its
   ``membership`` specification on the raw value, or by default the standard
   construction on the natural scale (rating: points scale…1; checklist: share 1…0;
   quantitative without a specification: utility 1…0); votes give their shares;
3. **fuzzy comprehensive evaluation** level by level up the tree with the chosen operator
   (:mod:`evalsys.scoring.fce`): B of every node from its children's B;
4. **grades** by maximum membership with the validity index, **scores** by the weighted
   average grade principle, ranks, percentiles and **contributions**.

Other aggregations (weighted sum of utilities with global weights, TOPSIS, grey relational
analysis) use the same utilities and weights (:mod:`evalsys.scoring.mcda`).

Loops run over tree levels and leaf groups, never over entities; entities are processed in
chunks to bound memory.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.errors import ShapeError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData, SkippedEntity
from evalsys.model.tree import (
    ChecklistNode,
    QuantitativeNode,
    RatingNode,
    StandardMembership,
)
from evalsys.weights.hierarchy import TreeWeights

__all__ = ["METHODS", "LeafPlan", "ScoreResult", "leaf_plan", "score_entities"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
METHODS = ("fce", "weighted_sum", "topsis", "grey")
DEFAULT_CHUNK = 65_536


@dataclass(frozen=True, slots=True)
class _Group:
    """Leaves whose memberships are computed by one vectorised call."""

    kind: str  # membership family, or "votes"
    cols: IntArray  # leaf positions
    source: str  # "raw" (affine transform of X) or "utility"
    scale: FloatArray  # T = X * scale (raw source)
    params: FloatArray  # (k, G[, …]) membership parameters


@dataclass(frozen=True, slots=True)
class LeafPlan:
    """Per-leaf normalisation and membership parameters, grouped for vectorised calls."""

    norm_kinds: tuple[str, ...]  # per quantitative leaf, in `quant_cols` order
    quant_cols: IntArray
    lo: FloatArray
    hi: FloatArray
    target: FloatArray
    a: FloatArray
    b: FloatArray
    rating_cols: IntArray
    rating_scale: FloatArray
    check_cols: IntArray
    check_items: FloatArray
    check_is_count: npt.NDArray[np.bool_]
    vote_cols: IntArray
    groups: tuple[_Group, ...]
    benefit_raw: npt.NDArray[np.bool_]  # raw direction per leaf for TOPSIS


def leaf_plan(compiled: CompiledTree) -> LeafPlan:
    """Group the leaves of ``compiled`` for vectorised normalisation and membership."""
    leaves = compiled.spec.leaves()
    g = compiled.n_grades
    default_pts = np.linspace(1.0, 0.0, g)
    quant: list[int] = []
    kinds: list[str] = []
    lo: list[float] = []
    hi: list[float] = []
    tgt: list[float] = []
    ia: list[float] = []
    ib: list[float] = []
    rating: list[int] = []
    rscale: list[float] = []
    check: list[int] = []
    items: list[float] = []
    is_count: list[bool] = []
    votes: list[int] = []
    benefit_raw: list[bool] = []
    std: dict[str, list[tuple[int, Any, float]]] = {"raw": [], "utility": []}
    other: dict[str, list[tuple[int, Any, float]]] = {}
    for j, leaf in enumerate(leaves):
        m = leaf.membership
        if isinstance(leaf, QuantitativeNode):
            quant.append(j)
            kinds.append(leaf.direction)
            b = leaf.bounds or (np.nan, np.nan)
            lo.append(b[0])
            hi.append(b[1])
            tgt.append(leaf.target if leaf.target is not None else np.nan)
            iv = leaf.interval or (np.nan, np.nan)
            ia.append(iv[0])
            ib.append(iv[1])
            benefit_raw.append(leaf.direction != "cost")
            if isinstance(m, StandardMembership):
                std["raw"].append((j, m.points, 1.0))
            elif m is not None:
                other.setdefault(m.type, []).append((j, m.params, 1.0))
            else:
                std["utility"].append((j, default_pts, 1.0))
        elif isinstance(leaf, RatingNode):
            benefit_raw.append(True)
            if leaf.input == "votes":
                votes.append(j)
                continue
            rating.append(j)
            rscale.append(float(leaf.scale))
            if isinstance(m, StandardMembership):
                std["raw"].append((j, m.points, 1.0))
            elif m is not None:
                other.setdefault(m.type, []).append((j, m.params, 1.0))
            else:
                std["raw"].append((j, np.linspace(float(leaf.scale), 1.0, g), 1.0))
        elif isinstance(leaf, ChecklistNode):
            benefit_raw.append(True)
            check.append(j)
            n_items = float(len(leaf.items))
            items.append(n_items)
            is_count.append(leaf.input == "count")
            mult = 1.0 / n_items if leaf.input == "count" else 1.0
            pts = m.points if isinstance(m, StandardMembership) else default_pts
            if m is not None and not isinstance(m, StandardMembership):
                other.setdefault(m.type, []).append((j, m.params, 1.0))
            else:
                std["raw"].append((j, pts, mult))
    groups: list[_Group] = []
    for source, entries in std.items():
        if entries:
            groups.append(
                _Group(
                    "standard",
                    np.array([e[0] for e in entries], dtype=np.intp),
                    source,
                    np.array([e[2] for e in entries]),
                    np.array([np.asarray(e[1], dtype=np.float64) for e in entries]),
                )
            )
    for kind, entries in other.items():
        groups.append(
            _Group(
                kind,
                np.array([e[0] for e in entries], dtype=np.intp),
                "raw",
                np.ones(len(entries)),
                np.array([np.asarray(e[1], dtype=np.float64) for e in entries]),
            )
        )
    if votes:
        groups.append(
            _Group("votes", np.array(votes, dtype=np.intp), "votes", np.ones(0), np.zeros((0,)))
        )

    def arr(x: list[float]) -> FloatArray:
        return np.array(x, dtype=np.float64)

    return LeafPlan(
        tuple(kinds),
        np.array(quant, dtype=np.intp),
        arr(lo),
        arr(hi),
        arr(tgt),
        arr(ia),
        arr(ib),
        np.array(rating, dtype=np.intp),
        arr(rscale),
        np.array(check, dtype=np.intp),
        arr(items),
        np.array(is_count, dtype=bool),
        np.array(votes, dtype=np.intp),
        tuple(groups),
        np.array(benefit_raw, dtype=bool),
    )


def utilities(
    plan: LeafPlan,
    X: FloatArray,
    votes: dict[int, FloatArray],
    G: int,
    data_lo: FloatArray | None = None,
    data_hi: FloatArray | None = None,
) -> FloatArray:
    """(E, L) utilities in [0, 1], higher is better (see the module docstring).

    ``data_lo`` / ``data_hi`` (per quantitative leaf) fill bounds the tree leaves open, so
    that chunks of one table are normalised alike; by default the chunk's own range.
    """
    from evalsys.scoring.normalize import normalize_columns

    U = np.empty_like(X)
    if plan.quant_cols.size:
        lo = plan.lo.copy()
        hi = plan.hi.copy()
        Xq = X[:, plan.quant_cols]
        if data_lo is None or data_hi is None:
            data_lo, data_hi = data_range(plan, X)
        open_ = np.isnan(lo)
        lo[open_] = data_lo[open_]
        open_ = np.isnan(hi)
        hi[open_] = data_hi[open_]
        # missing values are masked again below; fill them with any valid value
        fill = np.where(np.isfinite(lo), lo, np.where(np.isfinite(hi), hi, 0.0))
        U[:, plan.quant_cols] = normalize_columns(
            np.where(np.isnan(Xq), fill, Xq),
            plan.norm_kinds,
            lo=lo,
            hi=hi,
            target=plan.target,
            a=plan.a,
            b=plan.b,
        )
    if plan.rating_cols.size:
        U[:, plan.rating_cols] = (X[:, plan.rating_cols] - 1.0) / (plan.rating_scale - 1.0)
    if plan.check_cols.size:
        div = np.where(plan.check_is_count, plan.check_items, 1.0)
        U[:, plan.check_cols] = X[:, plan.check_cols] / div
    if plan.vote_cols.size:
        position = np.linspace(1.0, 0.0, G)
        for j in plan.vote_cols:
            v = votes[int(j)]
            total = v.sum(axis=1)
            U[:, j] = (v @ position) / np.where(total > 0, total, 1.0)
    U[np.isnan(X)] = np.nan
    return U


def memberships(
    plan: LeafPlan, X: FloatArray, U: FloatArray, votes: dict[int, FloatArray], G: int
) -> FloatArray:
    """(E, L, G) leaf memberships (missing leaves get all-zero rows)."""
    from evalsys.scoring.membership import MEMBERSHIPS, memberships_from_votes

    E, L = X.shape
    R = np.zeros((E, L, G))
    for grp in plan.groups:
        if grp.kind == "votes":
            stack = np.stack([votes[int(j)] for j in grp.cols], axis=1)
            stack = np.nan_to_num(stack, nan=0.0)
            ok = stack.sum(axis=2) > 0
            safe = np.where(ok[..., None], stack, 1.0)
            R[:, grp.cols] = np.where(ok[..., None], memberships_from_votes(safe), 0.0)
            continue
        src = U[:, grp.cols] if grp.source == "utility" else X[:, grp.cols] * grp.scale
        missing = np.isnan(src)
        fn = MEMBERSHIPS.get(grp.kind)
        block = fn.kernel(np.where(missing, 0.0, src), grp.params, np.empty((E, grp.cols.size, G)))
        block[missing] = 0.0
        R[:, grp.cols] = block
    return R


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """Scores of E entities on one tree with one method (frozen; arrays read-only).

    Attributes
    ----------
    entity_ids, rows
        (E,) identifiers and 1-based input rows of the scored entities.
    method, operator
        Aggregation method (``fce``, ``weighted_sum``, ``topsis``, ``grey``) and, for FCE,
        the fuzzy operator.
    score
        (E,) FCE: weighted-average grade score (grade scores of the tree); other methods:
        their index in [0, 1].
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


def _top_dimension(compiled: CompiledTree) -> IntArray:
    """For every node, the position (0..D-1) of its first-level dimension (root: -1)."""
    dims = compiled.dimensions
    pos = np.full(compiled.n_nodes, -1, dtype=np.intp)
    pos[dims] = np.arange(dims.size)
    for d in range(2, int(compiled.depth.max()) + 1):
        at = np.flatnonzero(compiled.depth == d)
        pos[at] = pos[compiled.parent[at]]
    return pos


def _presence(compiled: CompiledTree, present: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """(E, N) node present if any leaf below it is present."""
    E = present.shape[0]
    node_present = np.zeros((E, compiled.n_nodes), dtype=bool)
    node_present[:, compiled.leaf_nodes] = present
    for level in compiled.levels:
        agg = np.zeros((E, level.parents.size), dtype=bool)
        np.logical_or.at(agg.T, level.parent_of_child, node_present[:, level.children].T)
        node_present[:, level.parents] |= agg
    return node_present


def _evaluate_nodes(
    compiled: CompiledTree,
    local: FloatArray,
    R: FloatArray,
    operator: str,
    present: npt.NDArray[np.bool_] | None,
) -> FloatArray:
    """(E, N, G) B of every node; leaves carry R.  Missing children renormalise weights."""
    from evalsys.scoring.fce import fce_level

    E, _, G = R.shape
    Bn = np.zeros((E, compiled.n_nodes, G))
    Bn[:, compiled.leaf_nodes] = R
    node_present = None if present is None or present.all() else _presence(compiled, present)
    for level in compiled.levels:
        A = level.level_matrix(local)
        Rc = Bn[:, level.children]
        if node_present is None:
            Bn[:, level.parents] = fce_level(A, Rc, operator)
            continue
        pattern, inverse = np.unique(node_present[:, level.children], axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        for k, mask in enumerate(pattern):  # distinct missing patterns, not entities
            rows = np.flatnonzero(inverse == k)
            Ak = A * mask[None, :]
            sums = Ak.sum(axis=1, keepdims=True)
            Ak = np.divide(Ak, sums, out=np.zeros_like(Ak), where=sums > 0)
            Bn[np.ix_(rows, level.parents)] = fce_level(Ak, Rc[rows], operator)
    return Bn


# --------------------------------------------------------------------- chunk-invariant pieces

#: Rows per block of :class:`ColumnSums`: column sums are taken over fixed blocks of the
#: global row sequence, so that streaming a table in chunks of any size gives the same bits.
SUM_BLOCK = 8192

#: Entities per block of the fast M(·,+) path (an (L, FAST_BLOCK) scratch plane, 4 MiB for
#: 31 leaves); results do not depend on it.
FAST_BLOCK = 8192

#: Entities per block of the per-entity epilogue (B from ramp sums, grades, scores).
OUTER_BLOCK = 32_768

#: Threads of the fast path by default (numpy releases the GIL in its loops).
DEFAULT_THREADS = max(1, min(2, os.cpu_count() or 1))

#: Entities per block of the general path (bounds the (E, N, G) scratch).
GENERAL_BLOCK = 16_384


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


def rank_and_percentile(score: FloatArray) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Ranks (1 = best, ties share the lowest) and percentiles of ``score``: the values of
    :func:`evalsys.scoring.grading.ranks` and :func:`evalsys.scoring.grading.percentiles`, sorted in
    parallel (:func:`evalsys.scoring.ranking.rank_and_percentile`)."""
    from evalsys.scoring.ranking import rank_and_percentile as _rank

    return _rank(score, threads=DEFAULT_THREADS)


def _plane_grade_score(
    B: FloatArray, scores: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    """Weighted grade score of grade-major planes ``B`` (G, …): Σ b_g s_g / Σ b_g, added in
    grade order (per entity, so independent of batch composition); all-zero → NaN."""
    num = B[0] * scores[0]
    den = B[0].copy()
    for g in range(1, B.shape[0]):
        num += B[g] * scores[g]
        den += B[g]
    if out is None:
        out = np.empty(num.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(num, den, out=out)
    out[~(den > 0)] = np.nan
    return out


def _needs_data(compiled: CompiledTree) -> bool:
    """Whether any node's weights are computed from the entities' data."""
    for node in compiled.spec.nodes:
        w = getattr(node, "weights", None)
        if w is not None and getattr(w, "type", None) in ("objective", "combined"):
            return True
    return False


# ----------------------------------------------------------------------------- the scorer


@dataclass(frozen=True, slots=True)
class _LinearPlan:
    r"""Fast path for M(·,+) when every leaf has a standard membership on its raw value.

    With the ramps :math:`r_k = \mathrm{clip}((v - q_k)/(q_{k+1} - q_k), 0, 1)` of the
    (increasing, sign-oriented) grade points, the standard memberships are
    :math:`R_0 = 1 - r_0`, :math:`R_g = r_{g-1} - r_g`, :math:`R_{G-1} = r_{G-2}`, and the
    operator is linear, so a dimension's :math:`B_g = \sum_l W_l R_{lg}` follows from the
    G − 1 weighted ramp sums :math:`S_k = \sum_l W_l r_{lk}`.  Each weighted ramp is
    :math:`\mathrm{clip}((v - q_k)\,c_{lk}, 0, W_l)` with :math:`c_{lk} \approx
    W_l/(q_{k+1} - q_k)` rounded up until :math:`(q_{k+1} - q_k)\,c_{lk} \ge W_l`, so a
    value on a grade point still counts wholly for its grade.  Work: four passes over an
    (L, G − 1) block per entity (subtract, multiply, clip, add), no (E, L, G) array.
    """

    perm: IntArray | None  # leaf positions grouped by first-level dimension (None: identity)
    starts: IntArray  # first position (in perm order) of each dimension's group
    ends: IntArray
    mult: FloatArray  # (L,) scale × orientation sign
    q: FloatArray  # (L, G-1) oriented lower points of each ramp
    slope: FloatArray  # (L, G-1) c_lk
    wdim: FloatArray  # (L,) weight of each leaf within its dimension (perm order)
    dim_total: FloatArray  # (D,) Σ wdim per dimension, added in the order of the ramp sums
    root_w: FloatArray  # (D,) local weights of the dimensions
    root_total: float  # Σ_d root_w_d · dim_total_d
    inv_span: FloatArray  # (L, G-1) unweighted slopes, for leaf scores
    score_steps: FloatArray  # (G-1,) s_{k+1} - s_k


def _slope(span: float, w: float) -> float:
    """Smallest float c ≥ w/span with span · c ≥ w (exactly w at the end of the ramp)."""
    if w == 0.0:
        return 0.0
    c = w / span
    while span * c < w:
        c = float(np.nextafter(c, np.inf))
    return c


def _linear_plan(
    compiled: CompiledTree, plan: LeafPlan, local: FloatArray, operator: str
) -> _LinearPlan | None:
    if operator != "weighted_average" or compiled.n_grades < 2:
        return None
    L = compiled.n_leaves
    points = np.full((L, compiled.n_grades), np.nan)
    scale = np.ones(L)
    for grp in plan.groups:
        if grp.kind != "standard" or grp.source != "raw":
            return None
        points[grp.cols] = grp.params
        scale[grp.cols] = grp.scale
    if np.isnan(points).any():
        return None
    sign = np.where(points[:, -1] >= points[:, 0], 1.0, -1.0)
    q = points * sign[:, None]
    with np.errstate(over="ignore"):  # points ±1e308 apart: an infinite span, zero slope
        span = q[:, 1:] - q[:, :-1]
    if not (span > 0).all():
        return None
    top = _top_dimension(compiled)[compiled.leaf_nodes]
    perm = np.argsort(top, kind="stable").astype(np.intp)
    dims = compiled.dimensions
    change = np.r_[True, top[perm][1:] != top[perm][:-1]]
    starts = np.flatnonzero(change).astype(np.intp)
    if starts.size != dims.size:
        return None
    wdim = np.ones(L)
    for j, node in enumerate(compiled.leaf_nodes):
        i = int(node)
        w = 1.0
        while compiled.depth[i] > 1:
            w *= float(local[i])
            i = int(compiled.parent[i])
        wdim[j] = w
    wdim_p = wdim[perm]
    span_p = span[perm]
    slope = np.array(
        [[_slope(float(sp), float(w)) for sp in row] for row, w in zip(span_p, wdim_p, strict=True)]
    ).reshape(span_p.shape)
    inv_span = np.array([[_slope(float(sp), 1.0) for sp in row] for row in span_p]).reshape(
        span_p.shape
    )
    ends = np.r_[starts[1:], L].astype(np.intp)
    dim_total = np.empty(starts.size)
    for i, (s0, e0) in enumerate(zip(starts, ends, strict=True)):
        acc = wdim_p[s0]
        for j in range(s0 + 1, e0):
            acc = acc + wdim_p[j]
        dim_total[i] = acc
    root_w = np.asarray(local, dtype=np.float64)[dims]
    root_total = float(root_w[0] * dim_total[0])
    for d in range(1, dims.size):
        root_total = root_total + float(root_w[d] * dim_total[d])
    if not root_total > 0 or not (dim_total > 0).all():
        return None
    identity = bool((perm == np.arange(L)).all())
    return _LinearPlan(
        perm=None if identity else perm,
        starts=starts,
        ends=ends,
        mult=(scale * sign)[perm],
        q=np.ascontiguousarray(q[perm, :-1]),
        slope=slope,
        wdim=wdim_p,
        dim_total=dim_total,
        root_w=np.asarray(local, dtype=np.float64)[dims],
        root_total=root_total,
        inv_span=inv_span,
        score_steps=np.diff(compiled.grade_scores),
    )


def _finish(
    Br: FloatArray,
    Bd: FloatArray,
    scores: FloatArray,
    score: FloatArray,
    grade: IntArray,
    validity: FloatArray,
    dim_score: FloatArray,
) -> None:
    """Score, grade, validity and dimension scores from grade-major planes, into the outputs.

    ``Br`` (G, n) root B, ``Bd`` (D, G, n) dimension B; outputs (n,), (n,), (n,), (D, n).
    Grades follow :func:`evalsys.scoring.grading.max_membership` (first maximum; validity
    α = (Gβ − 1)/(2γ(G − 1)) with β, γ the largest and second-largest shares — γ = β for
    a tie; ∞ when one grade holds every membership; −1 / NaN for an all-zero B), scores
    :func:`evalsys.scoring.grading.weighted_grade_score`; every quantity is computed per entity in
    a fixed order, so the results do not depend on the block.
    """
    G = Br.shape[0]
    n = Br.shape[1]
    np.argmax(Br, axis=0, out=grade)
    top1 = Br.max(axis=0)
    rest = Br.copy()
    rest[grade, np.arange(n)] = -np.inf
    top2 = rest.max(axis=0)
    total = Br.sum(axis=0)
    zero = total <= 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(top1, total, out=top1)  # β
        np.divide(top2, total, out=rest[0])  # γ
        gamma = rest[0]
        np.multiply(top1, float(G), out=top1)
        top1 -= 1.0
        np.multiply(gamma, 2.0 * (G - 1), out=validity)
        np.divide(top1, validity, out=validity)
        validity[~zero & (gamma == 0)] = np.inf
    validity[zero] = np.nan
    grade[zero] = -1
    _plane_grade_score(Br, scores, out=score)
    _plane_grade_score(Bd.transpose(1, 0, 2), scores, out=dim_score)


def _ramp_to_grades(S: FloatArray, total: FloatArray | float, B: FloatArray) -> None:
    """Grade memberships from ramp sums: B_0 = W − S_0, B_g = S_{g−1} − S_g, B_{G−1} = S_{G−2}.

    ``S`` (…, K, n), ``B`` (…, K + 1, n); ``total`` W broadcasts against (…, n).
    """
    K = S.shape[-2]
    B[..., K, :] = S[..., K - 1, :]
    for k in range(K - 1, 0, -1):
        np.subtract(S[..., k - 1, :], S[..., k, :], out=B[..., k, :])
    np.subtract(total, S[..., 0, :], out=B[..., 0, :])


def _normalize_planes(*planes: FloatArray | None) -> None:
    """Divide grade-major B planes (…, G, n) in place by their sums over the grades
    (added in grade order), where the sum is positive."""
    for arr in planes:
        if arr is not None:
            tot = arr.sum(axis=-2, keepdims=True)
            np.divide(arr, tot, out=arr, where=tot > 0)


def _linear_epilogue(
    lp: _LinearPlan,
    S: FloatArray,
    scores: FloatArray,
    br: FloatArray,
    bd: FloatArray | None,
    normalize_b: bool,
    score: FloatArray,
    grade: IntArray,
    validity: FloatArray,
    dim_score: FloatArray,
) -> None:
    """Per-entity results of the fast path from the (D, K, n) ramp sums ``S``.

    With :math:`B_g` from the ramp sums (:func:`_ramp_to_grades`), the weighted grade
    score telescopes to :math:`s_0 + \\sum_k (s_{k+1} - s_k) S_k / W` and
    :math:`\\sum_g B_g = W` (the total weight).  Writes the root B planes into ``br``
    (G, n) and, when given, the dimension B planes into ``bd`` (D, G, n).
    """
    D, K, n = S.shape
    G = K + 1
    steps = lp.score_steps
    # dimension scores
    acc = np.multiply(S[:, 0], steps[0], out=dim_score)
    tmp = np.empty((D, n))
    for k in range(1, K):
        np.multiply(S[:, k], steps[k], out=tmp)
        acc += tmp
    acc /= lp.dim_total[:, None]
    acc += scores[0]
    # root ramp sums Σ_d a_d S_d
    Sr = np.multiply(S[0], lp.root_w[0])
    tmpr = np.empty((K, n))
    for d in range(1, D):
        np.multiply(S[d], lp.root_w[d], out=tmpr)
        Sr += tmpr
    W = lp.root_total
    np.multiply(Sr[0], steps[0], out=score)
    t1 = np.empty(n)
    for k in range(1, K):
        np.multiply(Sr[k], steps[k], out=t1)
        score += t1
    score /= W
    score += scores[0]
    # root B, grade (first maximum) and validity
    _ramp_to_grades(Sr, W, br)
    top1 = br[0].copy()
    top2 = np.full(n, -np.inf)
    grade.fill(0)
    for g in range(1, G):
        b = br[g]
        np.minimum(top1, b, out=t1)
        np.maximum(top2, t1, out=top2)
        np.copyto(grade, g, where=b > top1)
        np.maximum(top1, b, out=top1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(top1, W, out=top1)  # β
        top1 *= float(G)
        top1 -= 1.0
        np.divide(top2, W, out=t1)  # γ
        np.multiply(t1, 2.0 * (G - 1), out=validity)
        np.divide(top1, validity, out=validity)
    validity[top2 == 0] = np.inf
    if bd is not None:
        _ramp_to_grades(S, lp.dim_total[:, None], bd)
    if normalize_b:
        _normalize_planes(br, bd)


@dataclass(frozen=True, slots=True)
class BlockScores:
    """FCE results of a block of entities (see :class:`ScoreResult` for the fields)."""

    score: FloatArray
    B: FloatArray | None
    grade: IntArray
    validity: FloatArray
    dimension_B: FloatArray | None
    dimension_score: FloatArray
    coverage: FloatArray
    leaf_score: FloatArray | None


@dataclass(frozen=True, eq=False)
class Scorer:
    """A tree, its weights and an FCE operator, ready to score blocks of entities.

    Built once (:func:`make_scorer`) and applied to any number of blocks with
    :meth:`block`; every entity's results depend on its own values only, so scoring a table
    whole, in chunks (:mod:`evalsys.engines.stream`) or in partitions (:mod:`evalsys.engines.dask`)
    gives
    bit-identical results.  Ranks, percentiles and contributions compare entities and are
    computed over the whole table by the callers.

    Attributes
    ----------
    compiled, weights, operator, normalize_b
        The tree, its weights, the canonical operator name and whether B is normalised.
    data_lo, data_hi
        (Q,) bounds of the quantitative leaves without ``bounds`` in the tree (NaN where
        the tree fixes them): the range of the *whole* data, so that every block is
        normalised alike.
    """

    compiled: CompiledTree
    weights: TreeWeights
    operator: str
    normalize_b: bool
    plan: LeafPlan
    data_lo: FloatArray | None
    data_hi: FloatArray | None
    linear: _LinearPlan | None
    threads: int = DEFAULT_THREADS
    kernel: str = "numpy"

    @property
    def leaf_weights(self) -> FloatArray:
        """(L,) global weights of the leaves."""
        out: FloatArray = np.asarray(self.weights.global_weights)[self.compiled.leaf_nodes]
        return out

    def block(
        self,
        X: FloatArray,
        votes: dict[int, FloatArray],
        present: npt.NDArray[np.bool_],
        *,
        leaf_scores: bool = False,
        vectors: bool = True,
    ) -> BlockScores:
        """Score E entities: X (E, L) raw values (any memory order), votes, present (E, L).

        ``leaf_scores`` also returns the (E, L) per-leaf scores Σ_g s_g R_lg;
        ``vectors=False`` skips the evaluation vectors B (E, G) and (E, D, G).
        """
        compiled = self.compiled
        E, L = X.shape
        G = compiled.n_grades
        D = compiled.dimensions.size
        # grade-/dimension-/leaf-major storage, exposed with the (E, …) shapes
        out = BlockScores(
            score=np.empty(E),
            B=np.empty((G, E)).T if vectors else None,
            grade=np.empty(E, dtype=np.intp),
            validity=np.empty(E),
            dimension_B=np.empty((D, G, E)).transpose(2, 0, 1) if vectors else None,
            dimension_score=np.empty((D, E)).T,
            coverage=np.ones(E),
            leaf_score=np.empty((L, E)).T if leaf_scores else None,
        )
        if self.linear is not None:
            self._linear(X, out)
            # rows with a missing value (a NaN) go to the general path; one flat check first
            if present.size and not present.all():
                general = np.flatnonzero(~present.all(axis=1))
            else:
                general = np.arange(0)
        else:
            general = np.arange(E)
        if general.size:
            self._general(X, votes, present, general, out)
        return out

    def _linear(self, X: FloatArray, out: BlockScores) -> None:
        """Fast M(·,+) path over every row of X, in ``threads`` contiguous parts."""
        E = X.shape[0]
        parts = max(1, min(self.threads, E // OUTER_BLOCK))
        if parts == 1:
            self._linear_range(X, out, 0, E)
            return
        from concurrent.futures import ThreadPoolExecutor

        bounds = np.linspace(0, E, parts + 1).astype(int)
        spans = list(itertools.pairwise(bounds.tolist()))
        with ThreadPoolExecutor(parts - 1) as pool:  # the first part runs in this thread
            jobs = [pool.submit(self._linear_range, X, out, lo, hi) for lo, hi in spans[1:]]
            self._linear_range(X, out, *spans[0])
            for job in jobs:
                job.result()

    def _linear_range(self, X: FloatArray, out: BlockScores, start: int, stop: int) -> None:
        lp = self.linear
        if lp is None:  # pragma: no cover - guarded by the caller
            return
        if self.kernel == "numba":
            self._linear_range_compiled(lp, X, out, start, stop)
            return
        L = X.shape[1]
        G = self.compiled.n_grades
        K = G - 1
        D = lp.starts.size
        scores_g = self.compiled.grade_scores
        E = stop - start
        outer = max(1, min(OUTER_BLOCK, E))
        step = max(1, min(FAST_BLOCK, outer))
        src = X.T  # (L, E) view; C-contiguous when X is F-ordered
        # output planes (the outputs are stored grade-/dimension-/leaf-major)
        Bp = out.B.T if out.B is not None else None
        Bdp = out.dimension_B.transpose(1, 2, 0) if out.dimension_B is not None else None
        dsp = out.dimension_score.T
        lsp = out.leaf_score.T if out.leaf_score is not None else None
        S_full = np.empty((D, K, outer))
        Br_full = np.empty((G, outer))
        v = np.empty((L, step))
        r = np.empty((L, step))
        lr = np.empty((L, step)) if lsp is not None else None
        unit = not (lp.mult != 1.0).any()
        mult = lp.mult[:, None]
        wcap = lp.wdim[:, None]
        s0 = float(scores_g[0])
        with np.errstate(invalid="ignore", over="ignore"):
            for oa in range(start, stop, outer):
                on = min(outer, stop - oa)
                Sb = S_full[:, :, :on]
                for a in range(oa, oa + on, step):
                    n = min(step, oa + on - a)
                    if lp.perm is None and unit:
                        vv = src[:, a : a + n]
                    else:
                        vv = v[:, :n]
                        if lp.perm is None:
                            np.multiply(src[:, a : a + n], mult, out=vv)
                        else:
                            np.take(src[:, a : a + n], lp.perm, axis=0, out=vv)
                            vv *= mult
                    rr = r[:, :n]
                    if lsp is not None and lr is not None:
                        ls = lsp[:, a : a + n] if lp.perm is None else np.empty((L, n))
                        ls.fill(s0)
                    for k in range(K):
                        np.subtract(vv, lp.q[:, k : k + 1], out=rr)
                        if lsp is not None and lr is not None:
                            lk = lr[:, :n]
                            np.multiply(rr, lp.inv_span[:, k : k + 1], out=lk)
                            np.maximum(lk, 0.0, out=lk)  # not np.clip: its sign of
                            np.minimum(lk, 1.0, out=lk)  # zero depends on the size
                            lk *= lp.score_steps[k]
                            ls += lk
                        np.multiply(rr, lp.slope[:, k : k + 1], out=rr)
                        np.maximum(rr, 0.0, out=rr)  # −0.0 → +0.0, NaN stays
                        np.minimum(rr, wcap, out=rr)
                        Sk = Sb[:, k, a - oa : a - oa + n]
                        for i in range(D):
                            s_, e_ = int(lp.starts[i]), int(lp.ends[i])
                            o = Sk[i]
                            if e_ - s_ == 1:
                                o[...] = rr[s_]
                                continue
                            np.add(rr[s_], rr[s_ + 1], out=o)
                            for j in range(s_ + 2, e_):
                                o += rr[j]
                    if lsp is not None and lp.perm is not None:
                        lsp[lp.perm, a : a + n] = ls
                sl = slice(oa, oa + on)
                br = Bp[:, sl] if Bp is not None else Br_full[:, :on]
                _linear_epilogue(
                    lp,
                    Sb,
                    scores_g,
                    br,
                    Bdp[:, :, sl] if Bdp is not None else None,
                    self.normalize_b,
                    out.score[sl],
                    out.grade[sl],
                    out.validity[sl],
                    dsp[:, sl],
                )

    def _linear_range_compiled(
        self, lp: _LinearPlan, X: FloatArray, out: BlockScores, start: int, stop: int
    ) -> None:
        """The fused compiled kernel (:func:`evalsys.scoring.kernels.linear_block`): the same
        operations as the numpy path in the same order, so the same bits."""
        from evalsys.scoring.kernels import linear_block

        Bp = out.B.T if out.B is not None else None
        Bdp = out.dimension_B.transpose(1, 2, 0) if out.dimension_B is not None else None
        lsp = out.leaf_score.T if out.leaf_score is not None else None
        linear_block(
            X,
            start,
            stop,
            lp,
            self.compiled.grade_scores,
            out.score,
            out.grade,
            out.validity,
            out.dimension_score.T,
            Bp,
            Bdp,
            lsp,
        )
        if self.normalize_b:
            sl = slice(start, stop)
            _normalize_planes(
                *(p[..., sl] for p in (Bp, Bdp) if p is not None)  # views: divided in place
            )

    def _general(
        self,
        X: FloatArray,
        votes: dict[int, FloatArray],
        present: npt.NDArray[np.bool_],
        rows: IntArray,
        out: BlockScores,
    ) -> None:
        compiled = self.compiled
        G = compiled.n_grades
        local = np.asarray(self.weights.local)
        leaf_w = self.leaf_weights
        total_w = float(leaf_w.sum())
        dims = compiled.dimensions
        D = dims.size
        scores_g = compiled.grade_scores
        for s in range(0, rows.size, GENERAL_BLOCK):
            idx = rows[s : s + GENERAL_BLOCK]
            Xb = np.ascontiguousarray(X[idx])
            vb = {k: v[idx] for k, v in votes.items()}
            pb = np.ascontiguousarray(present[idx])
            U = utilities(self.plan, Xb, vb, G, self.data_lo, self.data_hi)
            R = memberships(self.plan, Xb, U, vb, G)
            Bn = _evaluate_nodes(compiled, local, R, self.operator, pb)
            if self.normalize_b:
                sums = Bn.sum(axis=2, keepdims=True)
                Bn = np.divide(Bn, sums, out=np.zeros_like(Bn), where=sums > 0)
            Br = np.ascontiguousarray(Bn[:, 0].T)
            Bd = np.ascontiguousarray(Bn[:, dims].transpose(1, 2, 0))
            n = idx.size
            sc, gr, va, ds = np.empty(n), np.empty(n, dtype=np.intp), np.empty(n), np.empty((D, n))
            _finish(Br, Bd, scores_g, sc, gr, va, ds)
            out.score[idx] = sc
            out.grade[idx] = gr
            out.validity[idx] = va
            out.dimension_score[idx] = ds.T
            if out.B is not None:
                out.B[idx] = Bn[:, 0]
            if out.dimension_B is not None:
                out.dimension_B[idx] = Bn[:, dims]
            if out.leaf_score is not None:
                ls = R[..., 0] * scores_g[0]
                for g in range(1, G):
                    ls += R[..., g] * scores_g[g]
                out.leaf_score[idx] = ls
            if not pb.all():
                out.coverage[idx] = np.where(pb, leaf_w, 0.0).sum(axis=1) / total_w


def open_bounds(plan: LeafPlan) -> npt.NDArray[np.bool_]:
    """(Q,) quantitative leaves (in ``plan.quant_cols`` order) whose tree leaves bounds open."""
    out: npt.NDArray[np.bool_] = np.isnan(plan.lo) | np.isnan(plan.hi)
    return out


def data_range(plan: LeafPlan, X: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(Q,) min and max of the quantitative columns of X (NaN where a column has none)."""
    Xq = np.asarray(X)[:, plan.quant_cols]
    if Xq.shape[0] == 0:
        nan = np.full(plan.quant_cols.size, np.nan)
        return nan, nan.copy()
    with np.errstate(invalid="ignore"):
        lo = np.where(np.isnan(Xq), np.inf, Xq).min(axis=0)
        hi = np.where(np.isnan(Xq), -np.inf, Xq).max(axis=0)
    lo = np.where(np.isinf(lo), np.nan, lo)
    hi = np.where(np.isinf(hi), np.nan, hi)
    return lo, hi


def make_scorer(
    compiled: CompiledTree,
    weights: TreeWeights | None = None,
    *,
    operator: str = "weighted_average",
    normalize_b: bool = False,
    data_lo: FloatArray | None = None,
    data_hi: FloatArray | None = None,
    threads: int | None = None,
    kernel: str = "auto",
    rows: int | None = None,
) -> Scorer:
    """Build a :class:`Scorer` for FCE with ``operator``.

    Parameters
    ----------
    compiled
        The compiled tree.
    weights
        Tree weights; by default derived from the tree's specifications.  Objective and
        combined specifications need the whole data set: compute them first (e.g.
        :func:`evalsys.weights.hierarchy.tree_weights` with the utilities of every entity) and
        pass them here.
    operator
        Fuzzy operator name (:data:`evalsys.scoring.fce.OPERATORS`).
    normalize_b
        Divide every node's B by its sum.
    data_lo, data_hi
        (Q,) range of the quantitative columns over the whole data (see
        :func:`data_range`); needed only for leaves without ``bounds``.
    threads
        Threads of the fast path (default :data:`DEFAULT_THREADS`); results do not depend
        on it.
    kernel, rows
        ``"numba"`` (the fused compiled kernel of :mod:`evalsys.scoring.kernels`), ``"numpy"``, or
        ``"auto"``: numba when it is available and worth its start-up for about ``rows``
        entities (:func:`evalsys.scoring.kernels.choose`).  Results do not depend on it.

    Raises
    ------
    DataError
        Objective weights without ``weights``, or open bounds without a data range.
    """
    from evalsys.errors import DataError
    from evalsys.scoring.fce import OPERATORS
    from evalsys.weights.hierarchy import tree_weights

    op = OPERATORS.canonical(operator)
    plan = leaf_plan(compiled)
    if weights is None:
        if _needs_data(compiled):
            raise DataError(
                f"the tree '{compiled.spec.id}' has objective or combined weights, which "
                "are computed from the whole data set: compute the weights first and pass them"
            )
        weights = tree_weights(compiled, None)
    needs_range = bool(open_bounds(plan).any()) and any(
        grp.source == "utility" for grp in plan.groups
    )
    if needs_range and (data_lo is None or data_hi is None):
        leaves = compiled.spec.leaves()
        names = [leaves[int(j)].id for j in plan.quant_cols[open_bounds(plan)]]
        raise DataError(
            "indicators without bounds are normalised by the range of the whole data "
            f"({', '.join(names)}): give them bounds in the tree or pass the data range"
        )
    local = np.asarray(weights.local)
    from evalsys.scoring.kernels import choose

    kernel = choose(kernel, rows)
    return Scorer(
        compiled=compiled,
        weights=weights,
        operator=op,
        normalize_b=normalize_b,
        plan=plan,
        data_lo=data_lo,
        data_hi=data_hi,
        linear=_linear_plan(compiled, plan, local, op),
        threads=DEFAULT_THREADS if threads is None else max(1, int(threads)),
        kernel=kernel,
    )


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


def score_entities(
    compiled: CompiledTree,
    data: IndicatorData,
    weights: TreeWeights | None = None,
    *,
    method: str = "fce",
    operator: str = "weighted_average",
    normalize_b: bool = False,
    validity_threshold: float | None = None,
) -> ScoreResult:
    """Score every entity of ``data`` on the tree.

    Parameters
    ----------
    compiled
        The compiled tree.
    data
        Checked indicator data (:func:`evalsys.model.data.indicator_data`).
    weights
        Tree weights; by default derived from the tree's specifications (objective weights
        from these data's utilities).
    method
        ``fce`` (default), ``weighted_sum``, ``topsis`` or ``grey``.
    operator
        Fuzzy operator for FCE (a name in :data:`evalsys.scoring.fce.OPERATORS`).
    normalize_b
        Divide every node's B by its sum (FCE).
    validity_threshold
        Warn (ValidityWarning) when the maximum-membership validity index is below it;
        default: the tree's ``validity_threshold``.

    Notes
    -----
    FCE runs through a :class:`Scorer` (see :func:`make_scorer`): per-entity results do
    not depend on the other entities in the batch, so :mod:`evalsys.engines.stream` (chunks) and
    :mod:`evalsys.engines.dask` (partitions) reproduce them bit for bit.  With M(·,+) and standard
    memberships a fast path evaluates the whole tree from G − 1 weighted ramp sums per
    dimension (see :class:`_LinearPlan`), in cache-sized blocks of entities.
    """
    from evalsys.scoring.fce import OPERATORS
    from evalsys.scoring.grading import check_validity
    from evalsys.weights.hierarchy import tree_weights

    if method not in METHODS:
        from evalsys.errors import UnknownMethodError

        raise UnknownMethodError(
            f"unknown scoring method '{method}'; valid names: {', '.join(METHODS)}"
        )
    op = OPERATORS.canonical(operator) if method == "fce" else None
    spec = compiled.spec
    G = compiled.n_grades
    plan = leaf_plan(compiled)
    X = np.asarray(data.values)
    present = data.present
    lo, hi = data_range(plan, X)
    U: FloatArray | None = None
    if weights is None:
        if _needs_data(compiled):
            U = utilities(plan, X, data.votes, G, lo, hi)
            weights = tree_weights(compiled, None if np.isnan(U).any() else U)
        else:
            weights = tree_weights(compiled, None)
    leaf_w = np.asarray(weights.global_weights)[compiled.leaf_nodes]
    dims = compiled.dimensions
    B = grade = validity = dim_B = None
    if method == "fce":
        scorer = make_scorer(
            compiled,
            weights,
            operator=operator,
            normalize_b=normalize_b,
            data_lo=lo,
            data_hi=hi,
            rows=X.shape[0],
        )
        blk = scorer.block(X, data.votes, present, leaf_scores=True)
        B, grade, validity, dim_B = blk.B, blk.grade, blk.validity, blk.dimension_B
        check_validity(
            validity,
            validity_threshold if validity_threshold is not None else spec.validity_threshold,
            stacklevel=3,
        )
        score, dim_score, coverage = blk.score, blk.dimension_score, blk.coverage
        leaf_score = blk.leaf_score if blk.leaf_score is not None else np.empty(X.shape)
    else:
        from evalsys.scoring.mcda import mcda_score

        coverage = np.ones(X.shape[0])
        if not present.all():
            coverage = np.where(present, leaf_w, 0.0).sum(axis=1) / float(leaf_w.sum())
        if U is None:
            U = utilities(plan, X, data.votes, G, lo, hi)
        Uf = np.where(present, U, 0.0)
        if method == "topsis":
            raw = np.where(np.isnan(X), 0.0, X)
            cols = np.where(
                plan.benefit_raw & ~np.isin(np.arange(X.shape[1]), plan.vote_cols), 0, 1
            ).astype(bool)
            M = np.where(cols[None, :], Uf, raw)
            benefit = np.where(cols, True, plan.benefit_raw)
            score = np.asarray(mcda_score(M, leaf_w, benefit, method="topsis").scores)
        else:
            score = np.asarray(
                mcda_score(Uf, leaf_w, np.ones(X.shape[1], dtype=bool), method=method).scores
            )
        top = _top_dimension(compiled)[compiled.leaf_nodes]
        dim_w = np.zeros((leaf_w.size, dims.size))
        dim_w[np.arange(leaf_w.size), top] = leaf_w
        dim_score = (Uf @ dim_w) / dim_w.sum(axis=0) * 100.0
        leaf_score = Uf * 100.0
    contributions = contributions_from(leaf_score, present, leaf_w, leaf_means(leaf_score, present))
    rank, pct = rank_and_percentile(score)
    res = ScoreResult(
        tree_id=spec.id,
        entity_ids=data.entity_ids,
        rows=data.rows,
        method=method,
        operator=op,
        score=_ro(score),
        B=_ro(B),
        grade=grade,
        validity=_ro(validity),
        grade_ids=tuple(g.id for g in spec.grades),
        grade_names=tuple(g.name for g in spec.grades),
        dimension_ids=tuple(compiled.node_ids[i] for i in dims),
        dimension_names=tuple(spec.node(compiled.node_ids[i]).name for i in dims),
        dimension_B=_ro(dim_B),
        dimension_score=_ro(dim_score),
        rank=rank,
        percentile=pct,
        leaf_ids=compiled.leaf_ids,
        leaf_dimension=_top_dimension(compiled)[compiled.leaf_nodes],
        leaf_score=_ro(leaf_score),
        contributions=_ro(contributions),
        coverage=_ro(coverage),
        weights=weights,
        skipped=data.skipped,
        ignored_columns=data.ignored_columns,
        missing_policy="renormalize" if not present.all() else "reject",
        passthrough=data.passthrough,
    )
    return res


def _grade_score(B: FloatArray, grade_scores: FloatArray) -> FloatArray:
    """Weighted-average grade score of (…, G) vectors; all-zero vectors give NaN."""
    planes = np.moveaxis(np.asarray(B, dtype=np.float64), -1, 0)
    return _plane_grade_score(planes, grade_scores)


def _ro(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        x.flags.writeable = False
    return x
