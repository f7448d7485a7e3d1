"""The in-memory engine: :func:`score_entities` scores a whole table held in memory.

It owns the entry point of ``evalsys.score_entities``: FCE through one
:class:`evalsys.scoring.scorer.Scorer` block over every entity (so that
:mod:`evalsys.engines.stream` and :mod:`evalsys.engines.dask` reproduce it bit for bit), the
other methods (weighted sum, TOPSIS, grey, VIKOR, PROMETHEE II) through
:mod:`evalsys.scoring.mcda`, then ranks, percentiles and contributions into a read-only
:class:`evalsys.scoring.result.ScoreResult`.
The choices are checked once by :class:`evalsys.engines.options.ScoreOptions`, as for the
other engines.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from evalsys.engines.blocks import run_scorer
from evalsys.engines.options import ScoreOptions
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.scoring.plan import (
    FloatArray,
    _needs_data,
    _top_dimension,
    data_range,
    leaf_plan,
    utilities,
)
from evalsys.scoring.result import (
    ScoreResult,
    contributions_from,
    leaf_means,
    rank_and_percentile,
)
from evalsys.weights.hierarchy import TreeWeights

__all__ = ["score_entities"]


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
    FCE runs through a :class:`~evalsys.scoring.scorer.Scorer`
    (see :func:`~evalsys.scoring.scorer.make_scorer`): per-entity results do
    not depend on the other entities in the batch, so :mod:`evalsys.engines.stream` (chunks) and
    :mod:`evalsys.engines.dask` (partitions) reproduce them bit for bit.  With M(·,+) and standard
    memberships a fast path evaluates the whole tree from G − 1 weighted ramp sums per
    dimension (:mod:`evalsys.scoring.linear`), in cache-sized blocks of entities.
    """
    from evalsys.scoring.grading import check_validity
    from evalsys.weights.hierarchy import tree_weights

    options = ScoreOptions(method=method, operator=operator, normalize_b=normalize_b)
    op = options.fce_operator
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
    if options.method == "fce":
        scorer = run_scorer(compiled, weights, options, data_lo=lo, data_hi=hi, rows=X.shape[0])
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
        from evalsys.scoring.mcda import decision_matrix, mcda_score

        coverage = np.ones(X.shape[0])
        if not present.all():
            coverage = np.where(present, leaf_w, 0.0).sum(axis=1) / float(leaf_w.sum())
        if U is None:
            U = utilities(plan, X, data.votes, G, lo, hi)
        Uf = np.where(present, U, 0.0)
        M, benefit = decision_matrix(options.method, X, Uf, plan.benefit_raw, plan.vote_cols)
        score = np.asarray(mcda_score(M, leaf_w, benefit, method=options.method).scores)
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
        method=options.method,
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


def _ro(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        x.flags.writeable = False
    return x
