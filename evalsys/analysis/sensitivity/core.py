"""The scoring model shared by the sensitivity analyses, and their argument checks.

Owns :func:`with_local_weights`; the model prepared once from the tree and the data
(``_prepare``: leaf utilities, memberships and, for linear aggregations, the numerators of
the linear identity of :mod:`evalsys.analysis.sensitivity`); its evaluation for a stack of
local weights (``_evaluate``: scores and grades (S, E), one matrix product on the linear
path, one tree evaluation per sample otherwise); the nodes a perturbation may change
(``_perturbable``) and the checks of the arguments the analyses have in common.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.errors import DataError, EvalsysError, ShapeError, UnknownMethodError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.weights.hierarchy import TreeWeights

__all__ = ["with_local_weights"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Memberships of two grades closer than this are tied (the better grade wins).
_GRADE_ATOL = 1e-12


def _json_float(x: float) -> float | None:
    """``x``, or None when not finite (JSON has no NaN)."""
    return None if not np.isfinite(x) else float(x)


def _ro(x: Any) -> Any:
    """``x`` with a read-only buffer when it is an array (results are immutable)."""
    if isinstance(x, np.ndarray):
        x.flags.writeable = False
    return x


@dataclass(frozen=True, slots=True)
class _Model:
    """The base data prepared once for one method, evaluated by :func:`_evaluate`."""

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


def with_local_weights(
    compiled: CompiledTree, weights: TreeWeights, local: npt.ArrayLike
) -> TreeWeights:
    """A copy of ``weights`` with other local weights (N,) and their global weights.

    The per-node reports (``nodes``, ``levels``) are those of ``weights`` and no longer
    describe the new local weights; use the result for scoring, not for consistency.
    """
    loc = np.array(local, dtype=np.float64)
    if loc.shape != (compiled.n_nodes,):
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
    from evalsys.scoring.fce import OPERATORS
    from evalsys.scoring.plan import data_range, leaf_plan, memberships, utilities
    from evalsys.scoring.result import METHODS
    from evalsys.weights.hierarchy import tree_weights

    if method not in METHODS:
        raise UnknownMethodError(
            f"unknown scoring method '{method}'; valid names: {', '.join(METHODS)}"
        )
    if data.values.shape[1] != compiled.n_leaves:
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
    else:  # TOPSIS / grey: the decision matrix of engines.memory.score_entities
        from evalsys.scoring.mcda import decision_matrix

        linear = False
        M, benefit = decision_matrix(method, X, Uf, plan.benefit_raw, plan.vote_cols)
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
        from evalsys.scoring.grading import max_membership
        from evalsys.scoring.plan import _evaluate_nodes
        from evalsys.scoring.scorer import _grade_score

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


def _check_ranking(top_k: int, rank_window: int, kendall_entities: int | None) -> tuple[int, int]:
    """Checked ``top_k`` (before clamping to the entities) and ``rank_window``."""
    k = _check_int("top_k", top_k, 1)
    window = _check_int("rank_window", rank_window, 0)
    if kendall_entities is not None:
        _check_int("kendall_entities", kendall_entities, 0)
    return k, window
