r"""Sensitivity and robustness of scores, ranks and grades to the weights.

Four analyses, all on one :class:`~evalsys.model.compiled.CompiledTree` and one set of
:class:`~evalsys.model.data.IndicatorData`:

:func:`perturb_one_at_a_time`
    One-at-a-time (OAT) perturbation: one child's **local** weight is scaled by
    :math:`1 \pm \delta` and its siblings are renormalised; every perturbed tree is
    re-scored and compared with the base ranking.  The default ``levels=(1,)`` perturbs the
    first-level dimensions (children of the root), the most readable view; deeper levels
    perturb indicator weights inside their dimension.
:func:`monte_carlo`
    Monte Carlo over the weights (``mode="weights"``: each node's local weights drawn from a
    Dirichlet distribution centred on the base) or over the pairwise judgments
    (``mode="judgments"``: every judgment moved within the Saaty scale, priorities
    recomputed by one stacked :func:`evalsys.weights.ahp.ahp_priorities` call per node).  Reports
    per-entity stability (probability of keeping the rank, a rank within ±r, the grade,
    top-k membership) and per-sample agreement with the base ranking (Spearman, Kendall).
:func:`flip_points`
    The exact smallest change of one node's weight at which the top-k set or some entity's
    grade changes (linear aggregations).
:func:`method_agreement`
    Rank correlations between FCE (every fuzzy operator), weighted sum, TOPSIS and grey
    relational analysis.

The linear identity
-------------------
With the weighted-average operator :math:`M(\cdot,+)` and complete data, the root
evaluation vector is linear in the **global** leaf weights :math:`W_l` [5]_:

.. math:: B_e = \sum_l W_l R_{el}, \qquad
          s_e = \frac{\sum_g B_{eg} v_g}{\sum_g B_{eg}}
              = \frac{\sum_l W_l\,(R_{el}\cdot v)}{\sum_l W_l\,(R_{el}\cdot 1)}

(:math:`v` the grade scores).  When every membership row sums to 1 (true for every
default membership) the denominator is :math:`\sum_l W_l = 1` and
:math:`s_e = \sum_l W_l\,\mathrm{leaf\_score}_{el}` — exactly what
:func:`evalsys.scoring.evaluate.score_entities` computes level by level.  S weight samples and E
entities are therefore one ``(S, L) @ (L, E)`` matrix product for the scores and G such
products for the grades (maximum membership of :math:`B`).  The weighted sum of
utilities is linear too (:math:`s_e = \sum_l W_l n_{el} / \sum_l W_l`).  Non-linear
aggregations (the operators ``min_max``, ``product_max``, ``min_bounded_sum``, TOPSIS,
grey relational analysis) and FCE with missing indicators (``missing="renormalize"``
renormalises per missing pattern) fall back to re-evaluating the tree once per sample:
a Python loop over samples, vectorised over entities — fine for a few hundred samples.

Ranks are competition ranks (rank 1 = best, ties share the smallest rank), as in
:func:`evalsys.scoring.grading.ranks`; Spearman's ρ is the Pearson correlation of average ranks
[2]_, Kendall's τ is :math:`\tau_b` [3]_ (:func:`scipy.stats.kendalltau`).  Grades are by
maximum membership (ties to the better grade), as in :func:`evalsys.scoring.grading.max_membership`.
The rounding of a matrix product depends on the BLAS kernel and on a sample's position in
the batch (a few ulp), so scores closer than 1e-12 × the largest score, and memberships
closer than 1e-12, count as ties: identical entities, or a sample equal to the base
weights, never change rank or grade by rounding.  Nothing is rounded.

References
----------
.. [1] Butler, J., Jia, J., Dyer, J. (1997). Simulation techniques for the sensitivity
   analysis of multi-criteria decision models. *European Journal of Operational Research*
   103(3), 531–546.
.. [2] Spearman, C. (1904). The proof and measurement of association between two things.
   *American Journal of Psychology* 15(1), 72–101.
.. [3] Kendall, M. G. (1938). A new measure of rank correlation. *Biometrika* 30(1/2),
   81–93.
.. [4] Triantaphyllou, E., Sánchez, A. (1997). A sensitivity analysis approach for some
   deterministic multi-criteria decision-making methods. *Decision Sciences* 28(1),
   151–194.
.. [5] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社, 第4章.
.. [6] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
.. [7] Saltelli, A. et al. (2008). *Global Sensitivity Analysis: The Primer*. Wiley.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._registry import Registry
from evalsys._version import __version__
from evalsys.errors import DataError, EvalsysError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.weights.hierarchy import TreeWeights

__all__ = [
    "MC_MODES",
    "AgreementResult",
    "EntityStability",
    "Flip",
    "FlipPoint",
    "FlipResult",
    "MonteCarloResult",
    "OATResult",
    "Perturbation",
    "SampleAgreement",
    "flip_points",
    "method_agreement",
    "monte_carlo",
    "perturb_one_at_a_time",
    "with_local_weights",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Monte Carlo modes: what is sampled.
MC_MODES: Registry[str] = Registry("Monte Carlo mode")
MC_MODES.add("weights", "local weights of every node ~ Dirichlet(concentration · w)")
MC_MODES.add("judgments", "pairwise judgments moved within the Saaty scale")

#: Float64 elements of one (samples × entities) work array (64 MiB).
_BATCH_ELEMENTS = 1 << 23
#: Elements of the pair matrix of one flip-point chunk.
_PAIR_ELEMENTS = 1 << 22
#: Scores closer than this × the largest |score| are tied when ranking: the rounding of a
#: matrix product depends on the BLAS kernel and a sample's position in the batch (a few
#: ulp), and must not split entities whose scores are equal.
_TIE_RTOL = 1e-12
#: Memberships of two grades closer than this are tied (the better grade wins).
_GRADE_ATOL = 1e-12
#: Saaty-scale index bound: 9 ↔ +8, 1 ↔ 0, 1/9 ↔ −8.
_SCALE_STEPS = 8.0


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EntityStability:
    """Per-entity stability over a set of weight samples (or perturbations).

    Attributes
    ----------
    entity_ids
        (E,) identifiers.
    base_score, base_rank, base_grade
        Score, competition rank (1 = best) and grade index (best = 0; None without grades)
        under the base weights.
    p_keep_rank
        Share of samples in which the entity has exactly its base rank.
    p_rank_within
        Share of samples with :math:`|r - r_0| \\le` ``rank_window``.
    p_top_k
        Share of samples in which the entity's rank is ≤ ``top_k``.
    p_keep_grade
        Share of samples in which the grade equals the base grade (None without grades).
    grade_probability
        (E, G) share of samples in each grade (None without grades).
    rank_mean, rank_sd, rank_min, rank_max
        Distribution of the entity's rank over the samples.
    score_mean, score_sd
        Distribution of the entity's score over the samples.
    """

    entity_ids: npt.NDArray[np.str_]
    base_score: FloatArray
    base_rank: IntArray
    base_grade: IntArray | None
    p_keep_rank: FloatArray
    p_rank_within: FloatArray
    rank_window: int
    p_top_k: FloatArray
    top_k: int
    p_keep_grade: FloatArray | None
    grade_probability: FloatArray | None
    rank_mean: FloatArray
    rank_sd: FloatArray
    rank_min: IntArray
    rank_max: IntArray
    score_mean: FloatArray
    score_sd: FloatArray

    def to_columns(self, grade_ids: Sequence[str] = ()) -> dict[str, npt.NDArray[Any]]:
        """Output columns, one row per entity (for :func:`evalsys.model.tables.write_table`)."""
        cols: dict[str, npt.NDArray[Any]] = {
            "entity_id": self.entity_ids,
            "base_score": self.base_score,
            "base_rank": self.base_rank,
        }
        if self.base_grade is not None:
            ids = np.array(list(grade_ids)) if grade_ids else None
            cols["base_grade"] = ids[self.base_grade] if ids is not None else self.base_grade
        cols["p_keep_rank"] = self.p_keep_rank
        cols[f"p_rank_within_{self.rank_window}"] = self.p_rank_within
        cols[f"p_top_{self.top_k}"] = self.p_top_k
        if self.p_keep_grade is not None:
            cols["p_keep_grade"] = self.p_keep_grade
        if self.grade_probability is not None:
            names = list(grade_ids) or [str(g) for g in range(self.grade_probability.shape[1])]
            for g, gid in enumerate(names):
                cols[f"p_grade.{gid}"] = self.grade_probability[:, g]
        cols["rank_mean"] = self.rank_mean
        cols["rank_sd"] = self.rank_sd
        cols["rank_min"] = self.rank_min
        cols["rank_max"] = self.rank_max
        cols["score_mean"] = self.score_mean
        cols["score_sd"] = self.score_sd
        return cols


@dataclass(frozen=True, slots=True)
class SampleAgreement:
    """Per-sample agreement of the perturbed ranking with the base ranking (arrays (S,)).

    Attributes
    ----------
    spearman
        Spearman's ρ (all entities).
    kendall
        Kendall's τ_b (on ``kendall_entities`` entities, see :class:`MonteCarloResult`).
    grade_changed
        Share of entities whose grade differs from the base grade (None without grades).
    top_k_retained
        Share of the base top-k set still in the top k.
    top_k_same
        The top-k set is unchanged.
    top1_same
        The base best entity still has rank 1.
    mean_abs_rank_shift, max_abs_rank_shift
        Mean and largest :math:`|r - r_0|` over the entities.
    """

    spearman: FloatArray
    kendall: FloatArray
    grade_changed: FloatArray | None
    top_k_retained: FloatArray
    top_k_same: BoolArray
    top1_same: BoolArray
    mean_abs_rank_shift: FloatArray
    max_abs_rank_shift: IntArray


@dataclass(frozen=True, slots=True)
class Perturbation:
    """One one-at-a-time perturbation and its effect on the ranking."""

    node: str
    child: str
    direction: int  # +1: weight × (1 + delta); −1: × (1 − delta)
    base_weight: float
    weight: float  # the child's local weight after renormalisation
    spearman: float
    kendall: float
    grade_changed: float | None
    top_k_retained: float
    top_k_same: bool
    mean_abs_rank_shift: float
    max_abs_rank_shift: int
    mean_score_change: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "child": self.child,
            "direction": "+" if self.direction > 0 else "-",
            "base_weight": self.base_weight,
            "weight": self.weight,
            "spearman": _json_float(self.spearman),
            "kendall": _json_float(self.kendall),
            "grade_changed": self.grade_changed,
            "top_k_retained": self.top_k_retained,
            "top_k_same": self.top_k_same,
            "mean_abs_rank_shift": self.mean_abs_rank_shift,
            "max_abs_rank_shift": self.max_abs_rank_shift,
            "mean_score_change": self.mean_score_change,
        }


@dataclass(frozen=True, slots=True)
class OATResult:
    """One-at-a-time weight perturbation (see :func:`perturb_one_at_a_time`)."""

    tree_id: str
    method: str
    operator: str | None
    delta: float
    levels: tuple[int, ...]
    top_k: int
    linear: bool
    perturbations: tuple[Perturbation, ...]
    entities: EntityStability
    version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        e = self.entities
        return {
            "analysis": "one_at_a_time",
            "tree": self.tree_id,
            "method": self.method,
            "operator": self.operator,
            "delta": self.delta,
            "levels": list(self.levels),
            "top_k": self.top_k,
            "linear_fast_path": self.linear,
            "entities": int(e.base_score.size),
            "perturbations": [p.to_dict() for p in self.perturbations],
            "entities_changing_grade": None
            if e.p_keep_grade is None
            else int((e.p_keep_grade < 1.0).sum()),
            "evalsys_version": self.version,
        }


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Monte Carlo robustness of ranks and grades (see :func:`monte_carlo`).

    Attributes
    ----------
    mode
        ``"weights"`` or ``"judgments"``.
    samples_requested, samples, discarded
        Samples drawn, kept, and discarded for CR ≥ the node's threshold (judgments mode
        with ``discard_inconsistent``).
    seed
        The seed used (the entropy drawn when none was given), so any run can be repeated.
    perturbed_nodes
        Internal nodes whose local weights were sampled.
    local
        (S, N) local weights of every kept sample (compiled node order).
    cr
        (S_drawn, P) consistency ratio of every drawn sample at each perturbed node
        (judgments mode; None otherwise).
    kendall_entities
        Entities Kendall's τ was computed on: all when E ≤ the ``kendall_entities``
        argument, else a seeded uniform random subset of that size (Spearman always uses
        all entities).
    linear
        The linear fast path was used (see the module docstring).
    per_sample, entities
        :class:`SampleAgreement` and :class:`EntityStability`.
    """

    tree_id: str
    mode: str
    method: str
    operator: str | None
    samples_requested: int
    samples: int
    discarded: int
    concentration: float | None
    spread: float | None
    seed: int
    top_k: int
    rank_window: int
    kendall_entities: int
    linear: bool
    perturbed_nodes: tuple[str, ...]
    local: FloatArray
    cr: FloatArray | None
    per_sample: SampleAgreement
    entities: EntityStability
    version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        """Summary (quantiles of the per-sample measures, means of the per-entity ones)."""
        ps, e = self.per_sample, self.entities

        def dist(x: FloatArray) -> dict[str, float | None]:
            if x.size == 0 or np.isnan(x).all():
                return {"mean": None, "p05": None, "median": None, "p95": None}
            q = np.nanquantile(x, [0.05, 0.5, 0.95])
            return {
                "mean": float(np.nanmean(x)),
                "p05": float(q[0]),
                "median": float(q[1]),
                "p95": float(q[2]),
            }

        out: dict[str, Any] = {
            "analysis": "monte_carlo",
            "tree": self.tree_id,
            "mode": self.mode,
            "method": self.method,
            "operator": self.operator,
            "samples_requested": self.samples_requested,
            "samples": self.samples,
            "discarded": self.discarded,
            "concentration": self.concentration,
            "spread": self.spread,
            "seed": self.seed,
            "top_k": self.top_k,
            "rank_window": self.rank_window,
            "kendall_entities": self.kendall_entities,
            "linear_fast_path": self.linear,
            "perturbed_nodes": list(self.perturbed_nodes),
            "entities": int(e.base_score.size),
            "spearman": dist(ps.spearman),
            "kendall": dist(ps.kendall),
            "top_k_retained": dist(ps.top_k_retained),
            "p_top_k_same": float(ps.top_k_same.mean()),
            "p_top1_same": float(ps.top1_same.mean()),
            "mean_abs_rank_shift": dist(ps.mean_abs_rank_shift),
            "mean_p_keep_rank": float(e.p_keep_rank.mean()),
            "mean_p_rank_within": float(e.p_rank_within.mean()),
            "evalsys_version": self.version,
        }
        if self.cr is not None:
            out["cr"] = {
                nid: {
                    "median": float(np.median(self.cr[:, q])),
                    "p95": float(np.quantile(self.cr[:, q], 0.95)),
                }
                for q, nid in enumerate(self.perturbed_nodes)
            }
        if ps.grade_changed is not None and e.p_keep_grade is not None:
            out["grade_changed"] = dist(ps.grade_changed)
            out["mean_p_keep_grade"] = float(e.p_keep_grade.mean())
            out["entities_p_keep_grade_below_0.9"] = int((e.p_keep_grade < 0.9).sum())
        order = np.argsort(e.base_rank, kind="stable")[: self.top_k]
        out["base_top_k"] = [
            {
                "entity_id": str(e.entity_ids[i]),
                "base_rank": int(e.base_rank[i]),
                "p_top_k": float(e.p_top_k[i]),
                "p_keep_rank": float(e.p_keep_rank[i]),
                "rank_min": int(e.rank_min[i]),
                "rank_max": int(e.rank_max[i]),
            }
            for i in order
        ]
        return out


@dataclass(frozen=True, slots=True)
class Flip:
    """The first change of the top-k set or of a grade when one weight moves.

    Attributes
    ----------
    t
        Relative change of the node's local weight *before* renormalisation (the
        ``delta`` of :func:`perturb_one_at_a_time`, signed: > 0 up, < 0 down).
    weight
        The node's local weight after renormalisation at the flip.
    entity
        Top-k: the entity entering the top k; grade: the entity whose grade changes.
    detail
        Top-k: the entity leaving; grade: ``"<from>→<to>"`` grade ids.
    """

    t: float
    weight: float
    entity: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "t": _json_float(self.t),
            "weight": self.weight,
            "entity": self.entity,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class FlipPoint:
    """Flip points of one node's weight; None where nothing flips for weights in [0, 1)."""

    node: str
    parent: str
    base_weight: float
    top_k_up: Flip | None
    top_k_down: Flip | None
    grade_up: Flip | None
    grade_down: Flip | None

    def to_dict(self) -> dict[str, Any]:
        def d(f: Flip | None) -> dict[str, Any] | None:
            return None if f is None else f.to_dict()

        return {
            "node": self.node,
            "parent": self.parent,
            "base_weight": self.base_weight,
            "top_k_up": d(self.top_k_up),
            "top_k_down": d(self.top_k_down),
            "grade_up": d(self.grade_up),
            "grade_down": d(self.grade_down),
        }


@dataclass(frozen=True, slots=True)
class FlipResult:
    """Exact flip points (see :func:`flip_points`).

    ``grade_t_up`` / ``grade_t_down`` are (E, K): per entity and node, the signed relative
    change ``t`` at which the entity's grade first changes (NaN: no change for weights in
    [0, 1); None without grades).
    """

    tree_id: str
    method: str
    operator: str | None
    top_k: int
    points: tuple[FlipPoint, ...]
    entity_ids: npt.NDArray[np.str_]
    nodes: tuple[str, ...]
    grade_t_up: FloatArray | None
    grade_t_down: FloatArray | None
    version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        return {
            "analysis": "flip_points",
            "tree": self.tree_id,
            "method": self.method,
            "operator": self.operator,
            "top_k": self.top_k,
            "points": [p.to_dict() for p in self.points],
            "evalsys_version": self.version,
        }


@dataclass(frozen=True, slots=True)
class AgreementResult:
    """Rank agreement between aggregation methods (see :func:`method_agreement`).

    ``spearman``, ``kendall`` and ``top_k_overlap`` (share of common top-k entities) are
    (M, M) matrices in the order of ``methods``.
    """

    tree_id: str
    methods: tuple[str, ...]
    spearman: FloatArray
    kendall: FloatArray
    top_k_overlap: FloatArray
    top_k: int
    n_entities: int
    version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        def mat(m: FloatArray) -> list[list[float | None]]:
            return [[_json_float(float(x)) for x in row] for row in m]

        return {
            "analysis": "method_agreement",
            "tree": self.tree_id,
            "methods": list(self.methods),
            "entities": self.n_entities,
            "top_k": self.top_k,
            "spearman": mat(self.spearman),
            "kendall": mat(self.kendall),
            "top_k_overlap": mat(self.top_k_overlap),
            "evalsys_version": self.version,
        }


def _json_float(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


def _ro(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        x.flags.writeable = False
    return x


# --------------------------------------------------------------------------------------
# the scoring model: base data prepared once, evaluated for stacks of local weights
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Model:
    compiled: CompiledTree
    data: IndicatorData
    weights: TreeWeights
    method: str
    operator: str | None
    linear: bool
    num_t: FloatArray | None  # (L, E) leaf numerators of the linear identity
    den_t: FloatArray | None  # (L, E) membership row sums, None when all are 1
    r_t: FloatArray | None  # (G, L, E) memberships (FCE, linear)
    R: FloatArray | None  # (E, L, G) memberships (FCE, non-linear)
    M: FloatArray | None  # (E, L) decision matrix (TOPSIS / grey)
    benefit: BoolArray | None
    present: BoolArray | None  # None: complete data

    @property
    def has_grades(self) -> bool:
        return self.method == "fce"


def with_local_weights(
    compiled: CompiledTree, weights: TreeWeights, local: npt.ArrayLike
) -> TreeWeights:
    """A copy of ``weights`` with other local weights (N,) and their global weights.

    The per-node reports (``nodes``, ``levels``) are those of ``weights`` and no longer
    describe the new local weights; use the result for scoring, not for consistency.
    """
    from dataclasses import replace

    loc = np.array(local, dtype=np.float64)
    if loc.shape != (compiled.n_nodes,):
        from evalsys.errors import ShapeError

        raise ShapeError(f"local weights need shape ({compiled.n_nodes},), got {loc.shape}")
    glob = compiled.global_weights(loc)
    loc.flags.writeable = False
    glob.flags.writeable = False
    return replace(weights, local=loc, global_weights=glob)


def _prepare(
    compiled: CompiledTree,
    data: IndicatorData,
    weights: TreeWeights | None,
    method: str,
    operator: str,
) -> _Model:
    from evalsys.scoring.evaluate import METHODS, data_range, leaf_plan, memberships, utilities
    from evalsys.scoring.fce import OPERATORS
    from evalsys.weights.hierarchy import tree_weights

    if method not in METHODS:
        from evalsys.errors import UnknownMethodError

        raise UnknownMethodError(
            f"unknown scoring method '{method}'; valid names: {', '.join(METHODS)}"
        )
    if data.values.shape[1] != compiled.n_leaves:
        from evalsys.errors import ShapeError

        raise ShapeError(
            f"data has {data.values.shape[1]} indicator columns, tree "
            f"'{compiled.spec.id}' has {compiled.n_leaves} leaves"
        )
    if data.n_entities < 2:
        raise DataError(f"sensitivity needs at least 2 entities, got {data.n_entities}")
    op = OPERATORS.canonical(operator) if method == "fce" else None
    G = compiled.n_grades
    plan = leaf_plan(compiled)
    X = np.asarray(data.values)
    lo, hi = data_range(plan, X)  # as score_entities: the range of the whole data
    U = utilities(plan, X, data.votes, G, lo, hi)
    if weights is None:
        weights = tree_weights(compiled, None if np.isnan(U).any() else U)
    present = np.asarray(data.present)
    complete = bool(present.all())
    pres = None if complete else present
    Uf = np.where(present, U, 0.0)
    num_t = den_t = r_t = R = M = benefit = None
    if method == "fce":
        R = memberships(plan, X, U, data.votes, G)
        linear = op == "weighted_average" and complete
        if linear:
            num_t = np.ascontiguousarray((R @ compiled.grade_scores).T)
            sums = R.sum(axis=2)
            den_t = None if np.abs(sums - 1.0).max() <= 1e-12 else np.ascontiguousarray(sums.T)
            r_t = np.ascontiguousarray(R.transpose(2, 1, 0))
            R = None
    elif method == "weighted_sum":
        from evalsys.scoring.mcda import minmax_by_direction

        linear = True
        num_t = np.ascontiguousarray(minmax_by_direction(Uf, np.ones(X.shape[1], dtype=bool)).T)
    else:  # TOPSIS / grey: the decision matrix of evaluate.score_entities
        linear = False
        if method == "topsis":
            raw = np.where(np.isnan(X), 0.0, X)
            cols = np.where(
                plan.benefit_raw & ~np.isin(np.arange(X.shape[1]), plan.vote_cols), 0, 1
            ).astype(bool)
            M = np.where(cols[None, :], Uf, raw)
            benefit = np.where(cols, True, plan.benefit_raw)
        else:
            M = Uf
            benefit = np.ones(X.shape[1], dtype=bool)
    return _Model(
        compiled, data, weights, method, op, linear, num_t, den_t, r_t, R, M, benefit, pres
    )


def _evaluate(
    model: _Model, local: FloatArray, work: dict[str, Any] | None = None
) -> tuple[FloatArray, npt.NDArray[np.int8] | None]:
    """Scores (S, E) and grades (S, E) (None without grades) for local weights (S, N).

    ``work`` caches (S, E) buffers between batches (fresh large arrays cost page faults).
    """
    compiled = model.compiled
    S = local.shape[0]
    E = model.data.n_entities
    W = compiled.global_weights(local)[:, compiled.leaf_nodes]  # (S, L)

    def buf(name: str, dtype: Any) -> Any:
        if work is None:
            return np.empty((S, E), dtype=dtype)
        have = work.get(name)
        if have is None or have.shape[0] < S:
            have = work[name] = np.empty((S, E), dtype=dtype)
        return have[:S]

    if model.linear:
        num = model.num_t
        if num is None:  # pragma: no cover - set whenever linear
            raise EvalsysError("internal: linear model without numerators")
        score = buf("score", np.float64)
        if model.method == "weighted_sum":
            np.matmul(W / W.sum(axis=1, keepdims=True), num, out=score)
            return score, None
        np.matmul(W, num, out=score)
        if model.den_t is not None:
            den = W @ model.den_t
            np.divide(score, den, out=score, where=den > 0)
            score[~(den > 0)] = np.nan
        r_t = model.r_t
        if r_t is None:  # pragma: no cover
            raise EvalsysError("internal: linear FCE model without memberships")
        best = buf("best", np.float64)
        Bg = buf("Bg", np.float64)
        better = buf("better", np.bool_)
        grade = buf("grade", np.int8)
        grade.fill(0)
        np.matmul(W, r_t[0], out=best)
        for g in range(1, r_t.shape[0]):
            np.matmul(W, r_t[g], out=Bg)
            # ties (within rounding of the product) keep the better (lower) grade
            np.subtract(Bg, best, out=Bg)
            np.greater(Bg, _GRADE_ATOL, out=better)
            grade[better] = g
            np.add(best, Bg, out=best, where=better)
        grade[best <= 0] = -1
        return score, grade
    scores = np.empty((S, E))
    if model.method == "fce":
        from evalsys.scoring.evaluate import _evaluate_nodes, _grade_score
        from evalsys.scoring.grading import max_membership

        grades = np.empty((S, E), dtype=np.int8)
        R = model.R
        op = model.operator
        if R is None or op is None:  # pragma: no cover
            raise EvalsysError("internal: FCE model without memberships")
        for s in range(S):  # non-linear operator: one tree evaluation per sample
            B = _evaluate_nodes(compiled, local[s], R, op, model.present)[:, 0]
            scores[s] = _grade_score(B, compiled.grade_scores)
            grades[s] = np.asarray(max_membership(B).grade)
        return scores, grades
    from evalsys.scoring.mcda import mcda_score

    if model.M is None or model.benefit is None:  # pragma: no cover
        raise EvalsysError("internal: MCDA model without decision matrix")
    for s in range(S):  # TOPSIS / grey are not linear in the weights
        scores[s] = np.asarray(mcda_score(model.M, W[s], model.benefit, method=model.method).scores)
    return scores, None


def _permuted(model: _Model, order: IntArray) -> _Model:
    """The model with its entities in ``order`` (sorting nearly sorted rows is faster)."""
    from dataclasses import replace

    def take(a: Any, axis: int) -> Any:
        return None if a is None else np.ascontiguousarray(np.take(a, order, axis=axis))

    return replace(
        model,
        num_t=take(model.num_t, 1),
        den_t=take(model.den_t, 1),
        r_t=take(model.r_t, 2),
        R=take(model.R, 0),
        M=take(model.M, 0),
        present=take(model.present, 0),
    )


# --------------------------------------------------------------------------------------
# ranks and comparison with the base
# --------------------------------------------------------------------------------------
def _rank_rows(scores: FloatArray) -> tuple[npt.NDArray[np.int32], FloatArray]:
    """Competition ranks (ties → smallest rank) and average ranks of every row (S, E).

    Descending (rank 1 = largest); NaN ranks last and NaNs tie with each other.  Scores
    closer than ``_TIE_RTOL`` × the row's largest |score| (consecutive in sorted order)
    are tied: the rounding of a matrix product depends on the BLAS kernel and on a
    sample's position in the batch, and must not split entities with equal scores.
    """
    S, E = scores.shape
    rmin = np.empty((S, E), dtype=np.int32)
    ravg = np.empty((S, E))
    pos = np.arange(1, E + 1, dtype=np.int32)
    new = np.empty(E, dtype=bool)
    new[0] = True
    last = np.empty(E, dtype=bool)
    last[-1] = True
    for r in range(S):  # one sort per sample, vectorised over the entities
        key = np.negative(scores[r])
        order = np.argsort(key)
        sk = key[order]
        n_fin = E - int(np.isnan(sk[-1])) * int(np.isnan(sk).sum())
        scale = max(abs(float(sk[0])), abs(float(sk[n_fin - 1]))) if n_fin else 0.0
        np.greater(sk[1:] - sk[:-1], _TIE_RTOL * scale, out=new[1:])
        if 0 < n_fin < E:
            new[n_fin] = True  # NaNs after every number, tied with each other
        rr, ra = rmin[r], ravg[r]
        if new.all():
            rr[order] = pos
            ra[order] = pos
            continue
        start = np.where(new, pos, 0)
        np.maximum.accumulate(start, out=start)
        rr[order] = start
        last[:-1] = new[1:]
        end = np.where(last, pos, E)[::-1]
        end = np.minimum.accumulate(end)[::-1]
        ra[order] = (start + end) / 2.0
    return rmin, ravg


class _Accumulator:
    """Running per-entity and per-sample statistics against the base ranking.

    Works in the permuted entity order ``order`` (base ranking first); :meth:`entities`
    returns the input order.
    """

    def __init__(
        self,
        base_score: FloatArray,
        base_grade: npt.NDArray[np.int8] | None,
        order: IntArray,
        top_k: int,
        window: int,
        n_grades: int,
        kendall_idx: IntArray | None,
    ) -> None:
        rmin, ravg = _rank_rows(base_score[None, :])
        self.order = order
        self.score0 = base_score.copy()
        self.rank0 = rmin[0]
        self.grade0 = None if base_grade is None else base_grade.copy()
        c0 = ravg[0] - ravg[0].mean()
        self.c0 = c0
        self.n0 = float(np.sqrt(c0 @ c0))
        self.top0 = self.rank0 <= top_k
        self.n_top0 = int(self.top0.sum())
        self.best0 = np.flatnonzero(self.rank0 == 1)
        self.top_k = top_k
        self.window = window
        self.G = n_grades
        self.kidx = kendall_idx
        E = base_score.size
        self.n = 0
        self.keep_rank = np.zeros(E, dtype=np.int64)
        self.within = np.zeros(E, dtype=np.int64)
        self.in_top = np.zeros(E, dtype=np.int64)
        self.keep_grade = np.zeros(E, dtype=np.int64)
        self.grade_counts = np.zeros((E, n_grades), dtype=np.int64)
        self.shift_sum = np.zeros(E, dtype=np.int64)
        self.shift_sq = np.zeros(E)
        self.rank_min = np.full(E, np.iinfo(np.int32).max, dtype=np.int32)
        self.rank_max = np.zeros(E, dtype=np.int32)
        self.dscore = np.zeros(E)
        self.dscore_sq = np.zeros(E)
        self.spearman: list[FloatArray] = []
        self.kendall: list[FloatArray] = []
        self.grade_changed: list[FloatArray] = []
        self.top_retained: list[FloatArray] = []
        self.top_same: list[BoolArray] = []
        self.top1: list[BoolArray] = []
        self.mean_shift: list[FloatArray] = []
        self.max_shift: list[IntArray] = []
        self.score_change: list[FloatArray] = []

    def add(self, scores: FloatArray, grades: npt.NDArray[np.int8] | None) -> None:
        from scipy.stats import kendalltau

        S = scores.shape[0]
        self.n += S
        rmin, ravg = _rank_rows(scores)
        shift = rmin - self.rank0[None, :]
        ashift = np.abs(shift)
        self.keep_rank += (shift == 0).sum(axis=0)
        self.within += (ashift <= self.window).sum(axis=0)
        top = rmin <= self.top_k
        self.in_top += top.sum(axis=0)
        self.shift_sum += shift.sum(axis=0, dtype=np.int64)
        fshift = shift.astype(np.float64)
        self.shift_sq += np.einsum("se,se->e", fshift, fshift)
        np.minimum(self.rank_min, rmin.min(axis=0), out=self.rank_min)
        np.maximum(self.rank_max, rmin.max(axis=0), out=self.rank_max)
        ds = scores - self.score0[None, :]
        self.dscore += ds.sum(axis=0)
        self.dscore_sq += np.einsum("se,se->e", ds, ds)
        self.score_change.append(ds.mean(axis=1))
        # Spearman: Pearson correlation of average ranks
        ravg -= ravg.mean(axis=1, keepdims=True)
        norms = np.sqrt(np.einsum("se,se->s", ravg, ravg)) * self.n0
        num = ravg @ self.c0
        self.spearman.append(np.divide(num, norms, out=np.full(S, np.nan), where=norms > 0))
        kt = np.full(S, np.nan)
        if self.kidx is not None and self.kidx.size >= 2:
            base_sub = self.score0[self.kidx]
            for s in range(S):  # O(E log E) each, on the (sub)set of entities
                kt[s] = float(kendalltau(base_sub, scores[s, self.kidx]).statistic)
        self.kendall.append(kt)
        both = top[:, self.top0].sum(axis=1)
        self.top_retained.append(both / max(self.n_top0, 1))
        self.top_same.append((both == self.n_top0) & (top.sum(axis=1) == self.n_top0))
        self.top1.append((rmin[:, self.best0] == 1).all(axis=1))
        self.mean_shift.append(ashift.mean(axis=1))
        self.max_shift.append(ashift.max(axis=1).astype(np.int64))
        if grades is not None and self.grade0 is not None:
            changed = grades != self.grade0[None, :]
            self.keep_grade += S - changed.sum(axis=0)
            self.grade_changed.append(changed.mean(axis=1))
            for g in range(self.G):
                self.grade_counts[:, g] += (grades == g).sum(axis=0)

    def entities(self, entity_ids: npt.NDArray[np.str_]) -> EntityStability:
        n = max(self.n, 1)
        has_g = self.grade0 is not None
        inv = np.empty_like(self.order)
        inv[self.order] = np.arange(self.order.size)

        def back(x: Any) -> Any:  # permuted order → input order
            return _ro(np.ascontiguousarray(x[inv]))

        mean_shift = self.shift_sum / n
        var_rank = np.maximum(self.shift_sq / n - mean_shift**2, 0.0)
        mean_ds = self.dscore / n
        var_s = np.maximum(self.dscore_sq / n - mean_ds**2, 0.0)
        return EntityStability(
            entity_ids=entity_ids,
            base_score=back(self.score0),
            base_rank=back(self.rank0.astype(np.int64)),
            base_grade=None if self.grade0 is None else back(self.grade0.astype(np.int64)),
            p_keep_rank=back(self.keep_rank / n),
            p_rank_within=back(self.within / n),
            rank_window=self.window,
            p_top_k=back(self.in_top / n),
            top_k=self.top_k,
            p_keep_grade=back(self.keep_grade / n) if has_g else None,
            grade_probability=back(self.grade_counts / n) if has_g else None,
            rank_mean=back(self.rank0 + mean_shift),
            rank_sd=back(np.sqrt(var_rank)),
            rank_min=back(self.rank_min.astype(np.int64)),
            rank_max=back(self.rank_max.astype(np.int64)),
            score_mean=back(self.score0 + mean_ds),
            score_sd=back(np.sqrt(var_s)),
        )

    def per_sample(self) -> SampleAgreement:
        def cat(parts: list[Any], dtype: Any) -> Any:
            return _ro(np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))

        return SampleAgreement(
            spearman=cat(self.spearman, np.float64),
            kendall=cat(self.kendall, np.float64),
            grade_changed=cat(self.grade_changed, np.float64) if self.grade0 is not None else None,
            top_k_retained=cat(self.top_retained, np.float64),
            top_k_same=cat(self.top_same, np.bool_),
            top1_same=cat(self.top1, np.bool_),
            mean_abs_rank_shift=cat(self.mean_shift, np.float64),
            max_abs_rank_shift=cat(self.max_shift, np.int64),
        )


def _run(
    model: _Model,
    local: FloatArray,
    *,
    top_k: int,
    window: int,
    kendall_idx: IntArray | None,
) -> _Accumulator:
    """Evaluate the base and every row of ``local`` (S, N) in batches; accumulate.

    On the linear path the entities are first put in base-ranking order: the rows to sort
    are then nearly sorted, which speeds up every per-sample sort.  (The per-sample
    re-evaluation of the non-linear path dominates its cost; its entities keep their order
    so that its base scores are bit-identical to :func:`evalsys.scoring.evaluate.score_entities`.)
    """
    base_local = np.asarray(model.weights.local, dtype=np.float64)[None, :]
    s0, g0 = _evaluate(model, base_local)
    if model.linear:
        order = np.argsort(-s0[0], kind="stable").astype(np.int64)
        pm = _permuted(model, order)
        base_score, base_grade = _evaluate(pm, base_local)
    else:
        order = np.arange(s0.shape[1], dtype=np.int64)
        pm, base_score, base_grade = model, s0, g0
    kidx = None
    if kendall_idx is not None:
        inv = np.empty_like(order)
        inv[order] = np.arange(order.size)
        kidx = np.sort(inv[kendall_idx])
    acc = _Accumulator(
        base_score[0],
        None if base_grade is None else base_grade[0],
        order,
        top_k,
        window,
        model.compiled.n_grades,
        kidx,
    )
    E = model.data.n_entities
    batch = max(1, _BATCH_ELEMENTS // E)
    work: dict[str, Any] = {}
    for lo in range(0, local.shape[0], batch):
        scores, grades = _evaluate(pm, local[lo : lo + batch], work)
        acc.add(scores, grades)
    return acc


# --------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------
def _check_int(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise DataError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_float(name: str, value: float, lo: float, hi: float, lo_open: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number, got {value!r}") from None
    ok = np.isfinite(x) and (x > lo if lo_open else x >= lo) and x <= hi
    if not ok:
        low = f"> {lo:g}" if lo_open else f">= {lo:g}"
        high = "" if hi == np.inf else f" and <= {hi:g}"
        raise DataError(f"{name} must be finite, {low}{high}; got {value!r}")
    return x


def _check_levels(compiled: CompiledTree, levels: Sequence[int] | None) -> tuple[int, ...]:
    depth_max = int(compiled.depth.max())
    if levels is None:
        return tuple(range(1, depth_max + 1))
    out = tuple(int(x) for x in levels)
    bad = [x for x in out if not 1 <= x <= depth_max]
    if not out or bad:
        raise DataError(
            f"levels must be depths of child nodes between 1 and {depth_max} "
            f"(1 = the dimensions under the root), got {list(levels)!r}"
        )
    return out


def _perturbable(compiled: CompiledTree, levels: tuple[int, ...]) -> list[int]:
    """Internal nodes with ≥ 2 children whose children lie at one of ``levels``."""
    out = []
    for i in range(compiled.n_nodes):
        if compiled.height[i] == 0 or int(compiled.depth[i]) + 1 not in levels:
            continue
        if compiled.children(i).size >= 2:
            out.append(i)
    return out


def _kendall_subset(E: int, kendall_entities: int | None, rng: np.random.Generator) -> IntArray:
    if kendall_entities is None or kendall_entities >= E:
        return np.arange(E, dtype=np.int64)
    if kendall_entities < 2:  # Kendall's τ not computed
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(E, size=kendall_entities, replace=False)).astype(np.int64)


# --------------------------------------------------------------------------------------
# one at a time
# --------------------------------------------------------------------------------------
def perturb_one_at_a_time(
    compiled: CompiledTree,
    data: IndicatorData,
    weights: TreeWeights | None = None,
    *,
    delta: float = 0.1,
    levels: Sequence[int] = (1,),
    top_k: int = 10,
    rank_window: int = 5,
    method: str = "fce",
    operator: str = "weighted_average",
    kendall_entities: int | None = None,
) -> OATResult:
    r"""One-at-a-time perturbation of local weights with renormalisation of the siblings.

    For every internal node ``p`` whose children lie at one of ``levels`` (depth of the
    child; 1 = the first-level dimensions) and every child ``c`` of ``p`` with a positive
    weight, two perturbed trees are scored: the local weight :math:`w_c` is multiplied by
    :math:`m = 1 \pm \delta` and all children of ``p`` are divided by their new sum,

    .. math:: w'_c = \frac{m\,w_c}{1 + (m - 1) w_c}, \qquad
              w'_k = \frac{w_k}{1 + (m - 1) w_c}\quad (k \ne c),

    so every global weight outside ``p``'s subtree is unchanged.  Nodes with one child
    (renormalisation would undo the change) and zero-weight children are skipped.

    Parameters
    ----------
    compiled, data
        Tree and checked indicator data.
    weights
        Base weights; by default derived as :func:`evalsys.scoring.evaluate.score_entities` does.
    delta
        Relative change, ``0 <= delta <= 1`` (``delta = 0`` reproduces the base).
    levels
        Depths of the perturbed children (default ``(1,)``: the dimensions).
    top_k
        Size of the top set compared (clamped to the number of entities).
    rank_window
        ``r`` of the "rank within ±r" probability.
    method, operator
        Scoring method and FCE operator, as in :func:`evalsys.scoring.evaluate.score_entities`.
    kendall_entities
        Compute Kendall's τ on at most this many entities (None: all; a seeded subset
        otherwise; 0: not computed).

    Returns
    -------
    OATResult
        One :class:`Perturbation` per (child, direction) in node order, ``+`` before ``−``,
        and per-entity stability over all perturbations.

    Raises
    ------
    DataError
        ``delta`` outside [0, 1], bad ``levels``/``top_k``, or nothing to perturb.
    UnknownMethodError
        Unknown ``method`` or ``operator``.

    References
    ----------
    .. [1] Saltelli, A. et al. (2008). *Global Sensitivity Analysis: The Primer*. Wiley,
       §1.2 (one-at-a-time designs).
    """
    d = _check_float("delta", delta, 0.0, 1.0)
    lv = _check_levels(compiled, levels)
    k_req = _check_int("top_k", top_k, 1)
    window = _check_int("rank_window", rank_window, 0)
    if kendall_entities is not None:
        _check_int("kendall_entities", kendall_entities, 0)
    model = _prepare(compiled, data, weights, method, operator)
    base = np.asarray(model.weights.local, dtype=np.float64)
    rows: list[FloatArray] = []
    meta: list[tuple[int, int, int]] = []
    for p in _perturbable(compiled, lv):
        kids = compiled.children(p)
        for c in kids:
            if base[c] <= 0:
                continue
            for sign in (1, -1):
                loc = base.copy()
                loc[c] *= 1.0 + sign * d
                loc[kids] /= loc[kids].sum()
                rows.append(loc)
                meta.append((p, int(c), sign))
    if not rows:
        raise DataError(f"no node with two or more weighted children at levels {list(lv)}")
    local = np.stack(rows)
    E = data.n_entities
    k = min(k_req, E)
    kidx = _kendall_subset(E, kendall_entities, np.random.default_rng(0))
    acc = _run(model, local, top_k=k, window=window, kendall_idx=kidx)
    ps = acc.per_sample()
    score_change = np.concatenate(acc.score_change)
    perts = []
    for s, (p, c, sign) in enumerate(meta):
        perts.append(
            Perturbation(
                node=compiled.node_ids[p],
                child=compiled.node_ids[c],
                direction=sign,
                base_weight=float(base[c]),
                weight=float(local[s, c]),
                spearman=float(ps.spearman[s]),
                kendall=float(ps.kendall[s]),
                grade_changed=None if ps.grade_changed is None else float(ps.grade_changed[s]),
                top_k_retained=float(ps.top_k_retained[s]),
                top_k_same=bool(ps.top_k_same[s]),
                mean_abs_rank_shift=float(ps.mean_abs_rank_shift[s]),
                max_abs_rank_shift=int(ps.max_abs_rank_shift[s]),
                mean_score_change=float(score_change[s]),
            )
        )
    return OATResult(
        tree_id=compiled.spec.id,
        method=model.method,
        operator=model.operator,
        delta=d,
        levels=lv,
        top_k=k,
        linear=model.linear,
        perturbations=tuple(perts),
        entities=acc.entities(data.entity_ids),
    )


# --------------------------------------------------------------------------------------
# Monte Carlo
# --------------------------------------------------------------------------------------
def _scale_index(a: FloatArray) -> FloatArray:
    """Position on the Saaty scale: 1 ↔ 0, k ↔ k − 1, 1/k ↔ −(k − 1) (continuous)."""
    out: FloatArray = np.where(a >= 1.0, a - 1.0, 1.0 - 1.0 / a)
    return out


def _from_scale_index(t: FloatArray) -> FloatArray:
    out: FloatArray = np.where(t >= 0.0, 1.0 + t, 1.0 / (1.0 - np.minimum(t, 0.0)))
    return out


@dataclass(frozen=True, slots=True)
class _JudgedNode:
    node: int
    kids: IntArray  # compiled child indices in file order
    matrix: FloatArray  # (n, n) in the specification's order
    perm: list[int]  # matrix order → file order
    method: str
    ri: str
    threshold: float


def _judged_nodes(compiled: CompiledTree, nodes: list[int]) -> list[_JudgedNode]:
    """Nodes among ``nodes`` with one complete pairwise matrix (no experts, no gaps)."""
    from evalsys.model.tree import DimensionNode, PairwiseWeights
    from evalsys.weights.hierarchy import _full_matrix, _judgment_matrix, _ordered

    out = []
    for i in nodes:
        spec_node = compiled.spec.node(compiled.node_ids[i])
        if not isinstance(spec_node, DimensionNode):  # pragma: no cover - internal nodes
            continue
        w = spec_node.weights
        if not isinstance(w, PairwiseWeights) or w.experts is not None:
            continue
        kids_idx = compiled.children(i)
        kids = tuple(compiled.node_ids[c] for c in kids_idx)
        order = w.order if w.order is not None else kids
        a = _full_matrix(w.matrix) if w.matrix is not None else _judgment_matrix(w.judgments, order)
        if np.isnan(a).any():
            continue
        out.append(
            _JudgedNode(i, kids_idx, a, _ordered(w, kids), w.method, w.ri, float(w.threshold))
        )
    return out


def _sample_judgments(
    compiled: CompiledTree,
    base: FloatArray,
    judged: list[_JudgedNode],
    samples: int,
    spread: float,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Local weights (S, N), CR (S, P) and consistency (S, P) of perturbed judgments."""
    from evalsys.weights.ahp import ahp_priorities

    local = np.tile(base, (samples, 1))
    cr = np.zeros((samples, len(judged)))
    ok = np.ones((samples, len(judged)), dtype=bool)
    for q, jn in enumerate(judged):  # one stacked AHP call per node
        n = jn.matrix.shape[0]
        iu, ju = np.triu_indices(n, k=1)
        t0 = _scale_index(jn.matrix[iu, ju])
        t = t0[None, :] + spread * rng.uniform(-1.0, 1.0, size=(samples, iu.size))
        t = np.clip(t, np.minimum(-_SCALE_STEPS, t0), np.maximum(_SCALE_STEPS, t0))
        v = _from_scale_index(t)
        stack = np.ones((samples, n, n))
        stack[:, iu, ju] = v
        stack[:, ju, iu] = 1.0 / v
        r = ahp_priorities(
            stack, method=jn.method, ri=jn.ri, threshold=jn.threshold, on_out_of_scale="ignore"
        )
        local[:, jn.kids] = np.asarray(r.weights)[:, jn.perm]
        cr[:, q] = np.asarray(r.cr)
        ok[:, q] = np.asarray(r.consistent)
    return local, cr, ok


def _sample_weights(
    compiled: CompiledTree,
    base: FloatArray,
    nodes: list[int],
    samples: int,
    concentration: float,
    rng: np.random.Generator,
) -> FloatArray:
    local = np.tile(base, (samples, 1))
    for p in nodes:  # one Dirichlet call per node, all samples at once
        kids = compiled.children(p)
        w = base[kids]
        pos = kids[w > 0]
        if pos.size < 2:
            continue
        local[:, pos] = rng.dirichlet(concentration * base[pos], size=samples)
    return local


def monte_carlo(
    compiled: CompiledTree,
    data: IndicatorData,
    *,
    samples: int = 1000,
    mode: str = "weights",
    weights: TreeWeights | None = None,
    concentration: float = 100.0,
    spread: float = 1.0,
    discard_inconsistent: bool = True,
    levels: Sequence[int] | None = None,
    seed: int | None = None,
    top_k: int = 10,
    rank_window: int = 5,
    kendall_entities: int | None = 5000,
    method: str = "fce",
    operator: str = "weighted_average",
) -> MonteCarloResult:
    r"""Monte Carlo robustness of ranks and grades to the weights or the judgments.

    **Modes.**

    ``"weights"``
        For every internal node with ≥ 2 children, its local weights are drawn from a
        Dirichlet distribution centred on the base weights :math:`w` [1]_:
        :math:`w' \sim \mathrm{Dir}(c\,w)`, so :math:`E[w'_i] = w_i` and
        :math:`\mathrm{sd}(w'_i) = \sqrt{w_i(1 - w_i)/(c + 1)}`.  With the default
        concentration :math:`c = 100` a weight of 0.30 varies with sd ≈ 0.046 (≈ 15 %),
        a weight of 0.10 with sd ≈ 0.030 (≈ 30 %).  Zero weights stay zero.
    ``"judgments"``
        Every judgment :math:`a_{ij}` (:math:`i < j`) of each node given by one complete
        pairwise matrix (no experts, no missing judgments) is moved on the Saaty scale
        [2]_ [3]_: with the scale position :math:`\tau(a) = a - 1` for :math:`a \ge 1` and
        :math:`1 - 1/a` below (so 1/9 … 1 … 9 ↔ −8 … 0 … 8 and
        :math:`\tau(1/a) = -\tau(a)`), :math:`\tau' = \tau + \mathrm{spread}\cdot U(-1, 1)`
        clipped to [−8, 8]; :math:`a_{ji} = 1/a_{ij}` keeps reciprocity.  ``spread = 1``
        moves a judgment at most one scale step (3 → anywhere in [2, 4]).  The priorities of
        all samples of a node come from one stacked :func:`evalsys.weights.ahp.ahp_priorities` call
        with the node's method, RI table and threshold [2]_.  With
        ``discard_inconsistent`` a sample is dropped when any perturbed node has
        CR ≥ its threshold (the count is reported).  Other specifications (direct,
        equal, objective, fuzzy, combined, expert groups, incomplete matrices) keep their
        base weights.

    Every sample is scored — with the linear identity of the module docstring as one
    matrix product over all samples for FCE ``weighted_average`` and ``weighted_sum``, by
    re-evaluation per sample otherwise — and compared with the base ranking and grades.

    Parameters
    ----------
    compiled, data
        Tree and checked indicator data.
    samples
        Number of samples drawn (≥ 1).
    mode
        ``"weights"`` or ``"judgments"`` (:data:`MC_MODES`).
    weights
        Base weights; by default derived as :func:`evalsys.scoring.evaluate.score_entities` does.
    concentration
        Dirichlet concentration :math:`c > 0` (weights mode).
    spread
        Judgment spread in Saaty-scale steps, ≥ 0 (judgments mode).
    discard_inconsistent
        Drop judgment samples with CR ≥ the node's threshold.
    levels
        Depths of the children whose weights are sampled (default: every level).
    seed
        Seed of the generator (None: fresh entropy, recorded in the result).
    top_k
        Size of the top set (clamped to the number of entities).
    rank_window
        ``r`` of the "rank within ±r" probability.
    kendall_entities
        Kendall's τ is computed on all entities when E ≤ this number, else on a seeded
        uniform random subset of this size (τ costs O(E log E) per sample: 1,000 samples ×
        100,000 entities would take ~20 s for τ alone); None: all entities; 0: τ is not
        computed (NaN).  Spearman's ρ always uses every entity.
    method, operator
        Scoring method and FCE operator, as in :func:`evalsys.scoring.evaluate.score_entities`.

    Returns
    -------
    MonteCarloResult

    Raises
    ------
    DataError
        ``samples < 1``, non-positive ``concentration``, negative ``spread``, nothing to
        perturb, or every judgment sample inconsistent.
    UnknownMethodError
        Unknown ``mode``, ``method`` or ``operator``.

    References
    ----------
    .. [1] Butler, J., Jia, J., Dyer, J. (1997). Simulation techniques for the sensitivity
       analysis of multi-criteria decision models. *EJOR* 103(3), 531–546.
    .. [2] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    .. [3] Stam, A., Duarte Silva, A. P. (1997). Stochastic judgments in the AHP: the
       measurement of rank reversal probabilities. *Decision Sciences* 28(3), 655–688.
    """
    md = MC_MODES.canonical(mode)
    n_samples = _check_int("samples", samples, 1)
    conc = _check_float("concentration", concentration, 0.0, np.inf, lo_open=True)
    spr = _check_float("spread", spread, 0.0, 2 * _SCALE_STEPS)
    k_req = _check_int("top_k", top_k, 1)
    window = _check_int("rank_window", rank_window, 0)
    if kendall_entities is not None:
        _check_int("kendall_entities", kendall_entities, 0)
    if seed is not None:
        _check_int("seed", seed, 0)
    lv = _check_levels(compiled, levels)
    model = _prepare(compiled, data, weights, method, operator)
    ss = np.random.SeedSequence(seed)
    used_seed = int(ss.entropy)  # type: ignore[arg-type]
    rng_w, rng_k = (np.random.default_rng(s) for s in ss.spawn(2))
    base = np.asarray(model.weights.local, dtype=np.float64)
    nodes = _perturbable(compiled, lv)
    cr: FloatArray | None = None
    discarded = 0
    if md == "weights":
        if not nodes:
            raise DataError(f"no node with two or more children at levels {list(lv)}")
        local = _sample_weights(compiled, base, nodes, n_samples, conc, rng_w)
        perturbed = tuple(compiled.node_ids[p] for p in nodes)
    else:
        judged = _judged_nodes(compiled, nodes)
        if not judged:
            raise DataError(
                "no node at the requested levels has a complete pairwise matrix to perturb "
                f"(levels {list(lv)})"
            )
        local, cr, ok = _sample_judgments(compiled, base, judged, n_samples, spr, rng_w)
        perturbed = tuple(compiled.node_ids[j.node] for j in judged)
        if discard_inconsistent:
            keep = ok.all(axis=1)
            discarded = int((~keep).sum())
            if not keep.any():
                raise DataError(
                    f"all {n_samples} judgment samples have CR >= the threshold at some "
                    f"node; lower the spread (got {spr:g}) or keep inconsistent samples "
                    "(discard_inconsistent=False)"
                )
            local = local[keep]
    E = data.n_entities
    k = min(k_req, E)
    kidx = _kendall_subset(E, kendall_entities, rng_k)
    acc = _run(model, local, top_k=k, window=window, kendall_idx=kidx)
    local.flags.writeable = False
    return MonteCarloResult(
        tree_id=compiled.spec.id,
        mode=md,
        method=model.method,
        operator=model.operator,
        samples_requested=n_samples,
        samples=int(local.shape[0]),
        discarded=discarded,
        concentration=conc if md == "weights" else None,
        spread=spr if md == "judgments" else None,
        seed=used_seed,
        top_k=k,
        rank_window=window,
        kendall_entities=int(kidx.size),
        linear=model.linear,
        perturbed_nodes=perturbed,
        local=local,
        cr=_ro(cr),
        per_sample=acc.per_sample(),
        entities=acc.entities(data.entity_ids),
    )


# --------------------------------------------------------------------------------------
# flip points
# --------------------------------------------------------------------------------------
def _leaf_under(compiled: CompiledTree) -> BoolArray:
    """(N, L) True where leaf l lies in the subtree of node i (node itself included)."""
    under = np.zeros((compiled.n_nodes, compiled.n_leaves), dtype=bool)
    cur = np.array(compiled.leaf_nodes, dtype=np.intp)
    cols = np.arange(compiled.n_leaves)
    while (cur >= 0).any():
        ok = cur >= 0
        under[cur[ok], cols[ok]] = True
        cur = np.where(ok, compiled.parent[np.maximum(cur, 0)], -1)
    return under


def _t_of(u: float, w: float) -> float:
    """Pre-renormalisation relative change t giving the renormalised weight u."""
    return (u - w) / (w * (1.0 - u))


def _first_topk_crossing(
    s: FloatArray, b: FloatArray, top: BoolArray, up: bool, limit: float
) -> tuple[float, int, int] | None:
    """Smallest Δ ∈ [0, limit] (Δ = |u − w|) at which a non-member overtakes a member.

    Scores move as s + b·Δ (up) or s − b·Δ (down).  Returns (Δ, entering, leaving).
    """
    members = np.flatnonzero(top)
    others = np.flatnonzero(~top)
    if members.size == 0 or others.size == 0:
        return None
    slope = b if up else -b
    so, bo = s[others], slope[others]
    best = (np.inf, -1, -1)
    chunk = max(1, _PAIR_ELEMENTS // others.size)
    for lo in range(0, members.size, chunk):  # chunks of members, all non-members at once
        m = members[lo : lo + chunk]
        gap = s[m][:, None] - so[None, :]  # > 0
        gain = bo[None, :] - slope[m][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            dl = np.where(gain > 0, gap / gain, np.inf)
        flat = int(np.argmin(dl))
        i, j = divmod(flat, others.size)
        if dl[i, j] < best[0]:
            best = (float(dl[i, j]), int(others[j]), int(m[i]))
    if not best[0] <= limit:
        return None
    return best


def _first_grade_crossing(B: FloatArray, Bb: FloatArray, grade: IntArray, up: bool) -> FloatArray:
    """Per entity the smallest Δ ≥ 0 at which another grade overtakes the current one.

    B moves as B + Bb·Δ (up) or B − Bb·Δ (down); ties go to the lower (better) grade, so a
    better grade overtakes at equality and a worse one only strictly beyond.
    """
    E = B.shape[0]
    slope = Bb if up else -Bb
    rows = np.arange(E)
    b0 = B[rows, grade][:, None]
    s0 = slope[rows, grade][:, None]
    gap = b0 - B  # ≥ 0
    gain = slope - s0
    with np.errstate(divide="ignore", invalid="ignore"):
        dl = np.where(gain > 0, gap / gain, np.inf)
    dl[rows, grade] = np.inf
    out: FloatArray = dl.min(axis=1)
    return out


def flip_points(
    compiled: CompiledTree,
    data: IndicatorData,
    weights: TreeWeights | None = None,
    *,
    node: str | Sequence[str] | None = None,
    top_k: int = 10,
    method: str = "fce",
) -> FlipResult:
    r"""Smallest change of one node's weight at which the top-k set or a grade flips.

    **Derivation.**
    Let node ``c`` have local weight :math:`w` under parent ``p``, and let the new,
    renormalised local weight be :math:`u` (the OAT multiplier :math:`m = 1 + t` gives
    :math:`u = m w / (1 + t w)`, i.e. :math:`t = (u - w) / (w (1 - u))`).  Global leaf
    weights scale by :math:`u / w` under ``c``, by :math:`(1 - u)/(1 - w)` under ``c``'s
    siblings, and not at all elsewhere.  With the linear identity (module docstring),
    every entity's score is therefore **linear in u**:

    .. math:: s_e(u) = s_e(w) + b_e\,(u - w), \qquad
              b_e = \frac{1}{w}\sum_{l \in c} W_l x_{el}
                  - \frac{1}{1 - w}\sum_{l \in p \setminus c} W_l x_{el}

    (:math:`x_{el}` the leaf score), and so is every component of the evaluation vector
    :math:`B_e(u) = B_e(w) + \beta_e (u - w)` with :math:`x_{el}` replaced by
    :math:`R_{el}`.  Two entities swap at :math:`u - w = (s_i - s_j)/(b_j - b_i)`; the
    top-k set (competition rank ≤ k) first changes at the smallest such crossing between
    a member and a non-member on the side considered, and an entity's grade (maximum
    membership) first changes at the smallest crossing of its current grade's line by
    another grade's line.  Every crossing of all pairs (members × entities, entities ×
    grades) is computed at once; the result is exact up to floating point.  The top-k
    set is the entities of competition rank ≤ k; when scores tie across rank k the whole
    tied group counts as inside, and only crossings with entities outside it are sought.
    This is the "minimum weight change that alters the ranking" of Triantaphyllou &
    Sánchez [1]_, here for a hierarchical weight and a set of entities.

    Parameters
    ----------
    compiled, data
        Tree and complete indicator data (no missing indicators).
    weights
        Base weights; by default derived as :func:`evalsys.scoring.evaluate.score_entities` does.
    node
        Node id(s) whose weight changes (any node with siblings); default: every
        first-level dimension.
    top_k
        Size of the top set (clamped to the number of entities).
    method
        ``"fce"`` (weighted-average operator; grades flips too) or ``"weighted_sum"``
        (top-k only).  The other methods are not linear in the weights.

    Returns
    -------
    FlipResult
        Per node the first flip upwards (weight increased) and downwards, for the top-k set
        and for grades, with the entities involved; per entity and node the grade flip
        ``t`` in both directions.  Flips are searched for renormalised weights in [0, 1)
        (``t`` from −1 to +∞); a node with weight 0 or no sibling has none.

    Raises
    ------
    EvalsysError
        Method not linear, data with missing indicators, memberships whose rows do not
        sum to 1, or an unknown node.

    References
    ----------
    .. [1] Triantaphyllou, E., Sánchez, A. (1997). A sensitivity analysis approach for
       some deterministic multi-criteria decision-making methods. *Decision Sciences*
       28(1), 151–194.
    """
    if method not in ("fce", "weighted_sum"):
        raise EvalsysError(
            f"flip points are exact only for linear aggregations (fce with the "
            f"weighted_average operator, weighted_sum), got method '{method}'"
        )
    k_req = _check_int("top_k", top_k, 1)
    model = _prepare(compiled, data, weights, method, "weighted_average")
    if not model.linear:
        raise DataError(
            "flip points need complete data (missing indicators renormalise the weights "
            "per entity, which is not linear)"
        )
    if model.den_t is not None:
        raise DataError(
            "flip points need memberships whose rows sum to 1 (check the tree's custom "
            "membership functions)"
        )
    if node is None:
        targets = [int(c) for c in compiled.dimensions]
    else:
        names = [node] if isinstance(node, str) else list(node)
        targets = []
        for nm in names:
            if nm not in compiled.index:
                raise EvalsysError(f"unknown node; valid: {', '.join(compiled.node_ids)}", node=nm)
            if compiled.index[nm] == 0:
                raise EvalsysError("the root has no weight to change", node=nm)
            targets.append(compiled.index[nm])
    E = data.n_entities
    k = min(k_req, E)
    base = np.asarray(model.weights.local, dtype=np.float64)
    W0 = compiled.global_weights(base)[compiled.leaf_nodes]
    s0, g0 = _evaluate(model, base[None, :])
    s = s0[0]
    rank0 = _rank_rows(s0)[0][0]
    top = rank0 <= k
    num_t = model.num_t
    if num_t is None:  # pragma: no cover
        raise EvalsysError("internal: linear model without numerators")
    if model.method == "weighted_sum":
        num_t = num_t / W0.sum()
    grade0 = None if g0 is None else g0[0].astype(np.int64)
    B0 = None
    if model.r_t is not None:
        B0 = np.einsum("l,gle->eg", W0, model.r_t)
    under = _leaf_under(compiled)
    ids = data.entity_ids
    gids = [g.id for g in compiled.spec.grades]
    points: list[FlipPoint] = []
    gt_up = np.full((E, len(targets)), np.nan)
    gt_dn = np.full((E, len(targets)), np.nan)
    for q, c in enumerate(targets):
        p = int(compiled.parent[c])
        w = float(base[c])
        nid, pid = compiled.node_ids[c], compiled.node_ids[p]
        if compiled.children(p).size < 2 or not 0.0 < w < 1.0:
            points.append(FlipPoint(nid, pid, w, None, None, None, None))
            continue
        in_c = under[c]
        in_o = under[p] & ~in_c
        coef = np.where(in_c, W0 / w, 0.0) - np.where(in_o, W0 / (1.0 - w), 0.0)  # (L,)
        b = coef @ num_t  # (E,)
        found: list[Flip | None] = []
        for up in (True, False):
            limit = (1.0 - w) if up else w
            hit = _first_topk_crossing(s, b, top, up, limit)
            if hit is None or (up and hit[0] >= limit):
                found.append(None)
                continue
            u = w + hit[0] if up else w - hit[0]
            found.append(Flip(_t_of(u, w), u, str(ids[hit[1]]), str(ids[hit[2]])))
        grade_flips: list[Flip | None] = [None, None]
        if B0 is not None and grade0 is not None and model.r_t is not None:
            Bb = np.einsum("l,gle->eg", coef, model.r_t)
            for side, up in enumerate((True, False)):
                dl = _first_grade_crossing(B0, Bb, grade0, up)
                u_e = w + dl if up else w - dl
                valid = (u_e < 1.0) if up else (u_e >= 0.0)
                valid &= np.isfinite(dl)
                with np.errstate(divide="ignore", invalid="ignore"):
                    t_e = np.where(valid, (u_e - w) / (w * (1.0 - u_e)), np.nan)
                (gt_up if up else gt_dn)[:, q] = t_e
                if valid.any():
                    e = int(np.argmin(np.where(valid, dl, np.inf)))
                    past = dl[e] * (1.0 + 1e-9) + 1e-12  # just beyond the crossing
                    new_g = int(np.argmax(B0[e] + (past if up else -past) * Bb[e]))
                    grade_flips[side] = Flip(
                        float(t_e[e]),
                        float(u_e[e]),
                        str(ids[e]),
                        f"{gids[int(grade0[e])]}→{gids[new_g]}",
                    )
        points.append(FlipPoint(nid, pid, w, found[0], found[1], grade_flips[0], grade_flips[1]))
    has_g = B0 is not None
    return FlipResult(
        tree_id=compiled.spec.id,
        method=model.method,
        operator=model.operator,
        top_k=k,
        points=tuple(points),
        entity_ids=ids,
        nodes=tuple(compiled.node_ids[c] for c in targets),
        grade_t_up=_ro(gt_up) if has_g else None,
        grade_t_down=_ro(gt_dn) if has_g else None,
    )


# --------------------------------------------------------------------------------------
# method agreement
# --------------------------------------------------------------------------------------
def method_agreement(
    compiled: CompiledTree,
    data: IndicatorData,
    weights: TreeWeights | None = None,
    *,
    operators: Sequence[str] | None = None,
    top_k: int = 10,
) -> AgreementResult:
    """Rank agreement of FCE (each operator), weighted sum, TOPSIS and grey relational.

    Every method scores the same entities with the same weights through
    :func:`evalsys.scoring.evaluate.score_entities`; the result holds Spearman's ρ [1]_,
    Kendall's τ_b [2]_ (all entities, exact) and the share of common top-k entities
    (:math:`|T_a \\cap T_b| / \\max(|T_a|, |T_b|)`, with :math:`T` the entities of rank
    ≤ k, more than k when scores tie) between every pair.

    Parameters
    ----------
    compiled, data, weights
        As for :func:`evalsys.scoring.evaluate.score_entities` (weights derived once if None).
    operators
        FCE operators to include (default: every registered operator).
    top_k
        Size of the top sets compared (clamped to the number of entities).

    References
    ----------
    .. [1] Spearman, C. (1904). *American Journal of Psychology* 15(1), 72–101.
    .. [2] Kendall, M. G. (1938). *Biometrika* 30(1/2), 81–93.
    """
    import warnings

    from scipy.stats import kendalltau, spearmanr

    from evalsys.errors import ValidityWarning
    from evalsys.scoring.evaluate import score_entities
    from evalsys.scoring.fce import OPERATORS

    k_req = _check_int("top_k", top_k, 1)
    ops = [OPERATORS.canonical(o) for o in (operators or OPERATORS.names())]
    if weights is None:
        weights = _prepare(compiled, data, None, "weighted_sum", "weighted_average").weights
    labels: list[str] = []
    cols: list[FloatArray] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)  # grades are not compared here
        for op in ops:
            labels.append(f"fce:{op}")
            cols.append(np.asarray(score_entities(compiled, data, weights, operator=op).score))
        for m in ("weighted_sum", "topsis", "grey"):
            labels.append(m)
            cols.append(np.asarray(score_entities(compiled, data, weights, method=m).score))
    S = np.stack(cols)  # (M, E)
    Mn = S.shape[0]
    E = S.shape[1]
    k = min(k_req, E)
    rho = np.asarray(spearmanr(S, axis=1).statistic, dtype=np.float64)
    if rho.ndim == 0:  # pragma: no cover - scipy returns a scalar for two rows
        rho = np.array([[1.0, float(rho)], [float(rho), 1.0]])
    tau = np.eye(Mn)
    ranks_, _ = _rank_rows(S)
    top = ranks_ <= k
    tf = top.astype(np.float64)
    sizes = tf.sum(axis=1)
    overlap = (tf @ tf.T) / np.maximum(sizes[:, None], sizes[None, :])
    for a in range(Mn):
        for b in range(a + 1, Mn):
            tau[a, b] = tau[b, a] = float(kendalltau(S[a], S[b]).statistic)
    return AgreementResult(
        tree_id=compiled.spec.id,
        methods=tuple(labels),
        spearman=_ro(rho),
        kendall=_ro(tau),
        top_k_overlap=_ro(overlap),
        top_k=k,
        n_entities=E,
    )
