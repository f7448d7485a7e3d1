"""Monte Carlo robustness of ranks and grades: :func:`monte_carlo`.

Owns the two sampling designs (:data:`MC_MODES`): local weights drawn from a Dirichlet
distribution centred on the base, and pairwise judgments moved on the Saaty scale with the
priorities recomputed by one stacked AHP call per node; and the result
:class:`MonteCarloResult`.  Scoring and the rank statistics come from
:mod:`~evalsys.analysis.sensitivity.core` and :mod:`~evalsys.analysis.sensitivity.stability`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalsys._registry import Registry
from evalsys._version import __version__
from evalsys.analysis.sensitivity.core import (
    BoolArray,
    FloatArray,
    IntArray,
    _check_float,
    _check_int,
    _check_levels,
    _check_ranking,
    _perturbable,
    _prepare,
    _ro,
)
from evalsys.analysis.sensitivity.stability import EntityStability, SampleAgreement, _run
from evalsys.errors import DataError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.weights.hierarchy import TreeWeights

__all__ = ["MC_MODES", "MonteCarloResult", "monte_carlo"]

#: Monte Carlo modes: what is sampled.
MC_MODES: Registry[str] = Registry("Monte Carlo mode")
MC_MODES.add("weights", "local weights of every node ~ Dirichlet(concentration · w)")
MC_MODES.add("judgments", "pairwise judgments moved within the Saaty scale")

#: Saaty-scale index bound: 9 ↔ +8, 1 ↔ 0, 1/9 ↔ −8.
_SCALE_STEPS = 8.0


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
    from evalsys.model.nodes import DimensionNode
    from evalsys.model.weights_spec import PairwiseWeights
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
        Base weights; by default derived as :func:`evalsys.engines.memory.score_entities` does.
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
        Scoring method and FCE operator, as in :func:`evalsys.engines.memory.score_entities`.

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
    k_req, window = _check_ranking(top_k, rank_window, kendall_entities)
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
    acc = _run(
        model, local, top_k=k_req, window=window, kendall_entities=kendall_entities, rng=rng_k
    )
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
        top_k=acc.top_k,
        rank_window=window,
        kendall_entities=int(acc.kidx.size),
        linear=model.linear,
        perturbed_nodes=perturbed,
        local=local,
        cr=_ro(cr),
        per_sample=acc.per_sample(),
        entities=acc.entities(data.entity_ids),
    )
