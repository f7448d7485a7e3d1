"""Multi-level evaluation of entities over an indicator tree.

From checked indicator data (:mod:`evalsys.data`) to per-entity results:

1. **utilities** U (E, L): every leaf normalised to [0, 1], higher is better (benefit/cost
   min-max with the tree's fixed ``bounds`` or the data range, target/interval closeness,
   rating (x − 1)/(scale − 1), checklist share met, votes' mean grade position);
2. **memberships** R (E, L, G): each leaf's membership in the tree's grades — its
   ``membership`` specification on the raw value, or by default the standard
   construction on the natural scale (rating: points scale…1; checklist: share 1…0;
   quantitative without a specification: utility 1…0); votes give their shares;
3. **fuzzy comprehensive evaluation** level by level up the tree with the chosen operator
   (:mod:`evalsys.fce`): B of every node from its children's B;
4. **grades** by maximum membership with the validity index, **scores** by the weighted
   average grade principle, ranks, percentiles and **contributions**.

Other aggregations (weighted sum of utilities with global weights, TOPSIS, grey relational
analysis) use the same utilities and weights (:mod:`evalsys.mcda`).

Loops run over tree levels and leaf groups, never over entities; entities are processed in
chunks to bound memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys import __version__
from evalsys.compiled import CompiledTree
from evalsys.data import IndicatorData, SkippedEntity
from evalsys.tree import (
    ChecklistNode,
    QuantitativeNode,
    RatingNode,
    StandardMembership,
)
from evalsys.weighting import TreeWeights

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
    from evalsys.normalize import normalize_columns

    U = np.empty_like(X)
    if plan.quant_cols.size:
        lo = plan.lo.copy()
        hi = plan.hi.copy()
        if data_lo is not None and data_hi is not None:
            open_ = np.isnan(lo)
            lo[open_] = data_lo[open_]
            hi[open_] = data_hi[open_]
        Xq = X[:, plan.quant_cols]
        U[:, plan.quant_cols] = normalize_columns(
            np.nan_to_num(Xq, nan=np.nanmean(Xq, axis=0) if Xq.size else 0.0),
            plan.norm_kinds,
            lo=np.where(np.isnan(lo), np.nanmin(Xq, axis=0), lo),
            hi=np.where(np.isnan(hi), np.nanmax(Xq, axis=0), hi),
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
    from evalsys.membership import MEMBERSHIPS, memberships_from_votes

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
        m = np.zeros((len(self.leaf_ids), len(self.dimension_ids)))
        m[np.arange(len(self.leaf_ids)), self.leaf_dimension] = 1.0
        out: FloatArray = self.contributions @ m
        return out

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
    from evalsys.fce import fce_level

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
        Checked indicator data (:func:`evalsys.data.indicator_data`).
    weights
        Tree weights; by default derived from the tree's specifications (objective weights
        from these data's utilities).
    method
        ``fce`` (default), ``weighted_sum``, ``topsis`` or ``grey``.
    operator
        Fuzzy operator for FCE (a name in :data:`evalsys.fce.OPERATORS`).
    normalize_b
        Divide every node's B by its sum (FCE).
    validity_threshold
        Warn (ValidityWarning) when the maximum-membership validity index is below it;
        default: the tree's ``validity_threshold``.
    """
    from evalsys.fce import OPERATORS
    from evalsys.grading import check_validity, max_membership, percentiles, ranks
    from evalsys.weighting import tree_weights

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
    U = utilities(plan, X, data.votes, G)
    if weights is None:
        weights = tree_weights(compiled, None if np.isnan(U).any() else U)
    local = np.asarray(weights.local)
    leaf_w = np.asarray(weights.global_weights)[compiled.leaf_nodes]
    present = data.present
    coverage = (present * leaf_w).sum(axis=1) / leaf_w.sum()
    dims = compiled.dimensions
    scores_g = compiled.grade_scores
    R = memberships(plan, X, U, data.votes, G)
    leaf_score = R @ scores_g  # (E, L); rows of R sum to 1 for every default membership
    B = grade = validity = dim_B = None
    if method == "fce":
        Bn = _evaluate_nodes(compiled, local, R, operator, present)
        if normalize_b:
            sums = Bn.sum(axis=2, keepdims=True)
            Bn = np.divide(Bn, sums, out=np.zeros_like(Bn), where=sums > 0)
        B = Bn[:, 0]
        dim_B = Bn[:, dims]
        mm = max_membership(B)
        grade, validity = np.asarray(mm.grade), np.asarray(mm.validity)
        check_validity(
            validity,
            validity_threshold if validity_threshold is not None else spec.validity_threshold,
            stacklevel=3,
        )
        score = _grade_score(B, scores_g)
        dim_score = _grade_score(dim_B, scores_g)
    else:
        from evalsys.mcda import mcda_score

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
    leaf_mean = np.nanmean(np.where(present, leaf_score, np.nan), axis=0)
    contributions = leaf_w * (np.where(present, leaf_score, leaf_mean) - leaf_mean)
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
        rank=np.asarray(ranks(score)),
        percentile=np.asarray(percentiles(score)),
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
    from evalsys.grading import weighted_grade_score

    flat = B.reshape(-1, B.shape[-1])
    total = flat.sum(axis=-1)
    safe = np.where(total[:, None] > 0, flat, 1.0)
    out = np.asarray(weighted_grade_score(safe, grade_scores), dtype=np.float64)
    return np.where(total > 0, out, np.nan).reshape(B.shape[:-1])


def _ro(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        x.flags.writeable = False
    return x
