"""The numbers of the paper tables that a :class:`~evalsys.scoring.result.ScoreResult` does
not hold: the FCE evaluation vector B of every node, and the TOPSIS distances.

:func:`node_memberships` gives, per tree level, the B vectors of its nodes (leaves: their
membership rows R) for selected entities or the mean entity — the root and the first-level
dimensions straight from the result, deeper nodes by the same tree walk the scorer uses
(:mod:`evalsys.scoring.plan`), in blocks of entities.  :func:`topsis_distances` rebuilds
the decision matrix :func:`evalsys.engines.memory.score_entities` gives TOPSIS and returns
D+, D− and C = D− / (D+ + D−) with the weighted ideal and anti-ideal solutions, computed
with the operations of :func:`evalsys.scoring.mcda.topsis` (so C is the result's score).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evalsys.errors import DataError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.scoring.plan import FloatArray, IntArray, data_range, leaf_plan
from evalsys.scoring.result import ScoreResult

__all__ = ["MEMBERSHIP_BLOCK", "LevelB", "TopsisDistances", "node_memberships", "topsis_distances"]

MEMBERSHIP_BLOCK = 4096
"""Entities per block when B of the deeper nodes is computed for the mean entity."""


@dataclass(frozen=True, slots=True)
class LevelB:
    """B vectors of the nodes at one depth of the tree.

    ``nodes`` are compiled node positions, ``B`` has shape (S, K, G) for S subjects (the
    selected entities, or one: the mean entity) and the K nodes; ``leaf`` marks the nodes
    that are leaves (their B is the membership row R).
    """

    depth: int
    nodes: IntArray
    leaf: tuple[bool, ...]
    B: FloatArray


def _check_entities(res: ScoreResult, entities: Sequence[str]) -> list[int]:
    ids = [str(x) for x in np.asarray(res.entity_ids)]
    pos = {e: i for i, e in enumerate(ids)}
    unknown = [e for e in entities if e not in pos]
    if unknown:
        raise DataError(
            f"unknown entity id(s): {', '.join(unknown[:5])}; known ids start with "
            + ", ".join(ids[:5])
        )
    return [pos[e] for e in dict.fromkeys(entities)]


def _node_b(
    compiled: CompiledTree,
    data: IndicatorData,
    res: ScoreResult,
    rows: IntArray,
    operator: str,
    normalize_b: bool,
) -> FloatArray:
    """(n, N, G) B of every node for the entities at ``rows`` (the scorer's general path)."""
    from evalsys.scoring.plan import _evaluate_nodes, memberships, utilities

    plan = leaf_plan(compiled)
    X = np.asarray(data.values)
    lo, hi = data_range(plan, X)
    G = compiled.n_grades
    Xb = np.ascontiguousarray(X[rows])
    votes = {k: v[rows] for k, v in data.votes.items()}
    U = utilities(plan, Xb, votes, G, lo, hi)
    R = memberships(plan, Xb, U, votes, G)
    present = np.ascontiguousarray(np.asarray(data.present)[rows])
    local = np.asarray(res.weights.local, dtype=np.float64)
    Bn = _evaluate_nodes(compiled, local, R, operator, present)
    if normalize_b:
        sums = Bn.sum(axis=2, keepdims=True)
        Bn = np.divide(Bn, sums, out=np.zeros_like(Bn), where=sums > 0)
    return Bn


def node_memberships(
    compiled: CompiledTree,
    data: IndicatorData,
    res: ScoreResult,
    entities: Sequence[str] = (),
    *,
    normalize_b: bool = False,
) -> tuple[tuple[str, ...], tuple[LevelB, ...]]:
    """B of every node, level by level, for ``entities`` (ids) or the mean entity.

    Parameters
    ----------
    compiled, data, res
        The tree, the checked data and the FCE result scored from them (``res.weights``
        are the weights used).
    entities
        Entity ids; empty: the mean over all entities of each node's B.
    normalize_b
        Whether the scores were computed with ``normalize_b`` (deeper nodes follow it).

    Returns
    -------
    subjects
        The entity ids, or ``("mean",)``.
    levels
        One :class:`LevelB` per depth 0 … max depth; depth 0 is ``res.B``, depth 1
        ``res.dimension_B`` (the same numbers, or their mean).

    Raises
    ------
    DataError
        Not an FCE result, or an unknown entity id.
    """
    if res.method != "fce" or res.B is None or res.dimension_B is None or res.operator is None:
        raise DataError("membership vectors B exist only for a fuzzy evaluation (method fce)")
    pos = _check_entities(res, entities)
    E = res.n_entities
    N, G = compiled.n_nodes, compiled.n_grades
    depth = np.asarray(compiled.depth)
    deep = bool((depth >= 2).any())
    if pos:
        rows = np.asarray(pos, dtype=np.intp)
        subjects = tuple(dict.fromkeys(entities))
        full = _node_b(compiled, data, res, rows, res.operator, normalize_b) if deep else None
        root = np.asarray(res.B)[rows]
        dims = np.asarray(res.dimension_B)[rows]
    else:
        subjects = ("mean",)
        full = None
        if deep and E:
            total = np.zeros((N, G))
            for s in range(0, E, MEMBERSHIP_BLOCK):
                idx = np.arange(s, min(s + MEMBERSHIP_BLOCK, E))
                total += _node_b(compiled, data, res, idx, res.operator, normalize_b).sum(axis=0)
            full = (total / E)[None]
        root = np.asarray(res.B).mean(axis=0)[None]
        dims = np.asarray(res.dimension_B).mean(axis=0)[None]
    leaf_set = {int(i) for i in compiled.leaf_nodes}
    levels = []
    for d in range(int(depth.max()) + 1):
        at = np.flatnonzero(depth == d)
        if d == 0:
            B = root[:, None, :]
        elif d == 1:
            B = dims
        else:
            if full is None:  # pragma: no cover - deep trees always compute it
                raise DataError("internal: no node memberships computed")
            B = full[:, at]
        levels.append(
            LevelB(d, at, tuple(int(i) in leaf_set for i in at), np.asarray(B, dtype=np.float64))
        )
    return subjects, tuple(levels)


@dataclass(frozen=True, slots=True)
class TopsisDistances:
    """TOPSIS of one result: (E,) ``d_plus``, ``d_minus``, ``closeness``; (L,) ``weights``,
    ``benefit`` (direction of each decision-matrix column), ``ideal`` and ``anti_ideal``
    (weighted normalised values); ``raw`` marks the columns holding raw values (the others
    hold utilities)."""

    d_plus: FloatArray
    d_minus: FloatArray
    closeness: FloatArray
    weights: FloatArray
    benefit: tuple[bool, ...]
    raw: tuple[bool, ...]
    ideal: FloatArray
    anti_ideal: FloatArray


def topsis_distances(
    compiled: CompiledTree, data: IndicatorData, res: ScoreResult
) -> TopsisDistances:
    """D+, D− and C of every entity of a TOPSIS result (vector normalisation, the global
    leaf weights of ``res.weights``), from the decision matrix the memory engine builds.

    Raises
    ------
    DataError
        ``res`` is not a TOPSIS result.
    """
    from evalsys.scoring.mcda import decision_matrix
    from evalsys.scoring.plan import utilities

    if res.method != "topsis":
        raise DataError(f"TOPSIS distances need a TOPSIS result, got method {res.method!r}")
    plan = leaf_plan(compiled)
    X = np.asarray(data.values)
    present = np.asarray(data.present)
    lo, hi = data_range(plan, X)
    U = utilities(plan, X, data.votes, compiled.n_grades, lo, hi)
    Uf = np.where(present, U, 0.0)
    M, benefit = decision_matrix("topsis", X, Uf, plan.benefit_raw, plan.vote_cols)
    w = np.asarray(np.asarray(res.weights.global_weights)[compiled.leaf_nodes], dtype=np.float64)
    Xa = np.asarray(M, dtype=np.float64)
    b = np.asarray(benefit)
    # the operations of evalsys.scoring.mcda.topsis (normalization="vector"), in its order
    norm = np.sqrt(np.einsum("el,el->l", Xa, Xa))
    V = Xa / np.where(norm > 0, norm, 1.0)
    V *= w
    vmax = V.max(axis=0)
    vmin = V.min(axis=0)
    ideal = np.where(b, vmax, vmin)
    anti = np.where(b, vmin, vmax)
    d_plus = np.sqrt(np.square(V - ideal).sum(axis=1))
    d_minus = np.sqrt(np.square(V - anti).sum(axis=1))
    den = d_plus + d_minus
    c = np.divide(d_minus, den, out=np.full_like(den, 0.5), where=den > 0)
    vote = np.isin(np.arange(X.shape[1]), plan.vote_cols)
    raw = np.asarray(plan.benefit_raw) & ~vote
    return TopsisDistances(
        d_plus=d_plus,
        d_minus=d_minus,
        closeness=c,
        weights=w,
        benefit=tuple(bool(x) for x in b),
        raw=tuple(bool(x) for x in raw),
        ideal=ideal,
        anti_ideal=anti,
    )
