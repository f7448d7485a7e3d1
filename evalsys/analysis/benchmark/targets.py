"""Gap analysis: where each entity gains most, and the smallest change to a better grade.

:func:`improvement_targets` gives per entity the k indicators whose improvement would raise
its FCE score most, and the smallest single-indicator change that lifts it to a better
grade (提出改進措施: propose improvements), as :class:`ImprovementTargets`.  It needs FCE
scores with the weighted-average operator M(·,+), whose evaluation vector is linear in each
leaf's membership [1]_; :func:`_lift_standard` inverts a standard (piecewise-linear)
membership segment by segment.

References
----------
.. [1] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社, 第4章.
       (fuzzy comprehensive evaluation with the weighted-average operator M(·,+), whose
       evaluation vector is linear in each leaf's membership.)
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.analysis.benchmark.standards import indicator_unit
from evalsys.errors import DataError, UnknownMethodError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.scoring.result import ScoreResult

__all__ = ["ImprovementTargets", "improvement_targets"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

_TOL = 1e-12


def _effective_leaf_weights(
    compiled: CompiledTree, local: FloatArray, present: BoolArray
) -> FloatArray:
    """(E, L) global leaf weights with missing leaves' weight renormalised away.

    Mirrors the scoring engine: at every parent the local weights of the present children
    are divided by their sum; the global weight is the product down the path.
    """
    from evalsys.scoring.plan import _presence

    E = present.shape[0]
    if present.all():
        glob = compiled.global_weights(np.asarray(local, dtype=np.float64))
        out: FloatArray = np.broadcast_to(glob[compiled.leaf_nodes], (E, compiled.n_leaves))
        return out
    node_present = _presence(compiled, present)
    eff = np.broadcast_to(local, (E, compiled.n_nodes)) * node_present
    for level in compiled.levels:
        onehot = np.zeros((level.children.size, level.parents.size))
        onehot[np.arange(level.children.size), level.parent_of_child] = 1.0
        sums = eff[:, level.children] @ onehot
        den = sums[:, level.parent_of_child]
        eff[:, level.children] = np.divide(
            eff[:, level.children], den, out=np.zeros_like(den), where=den > 0
        )
    glob_e = compiled.global_weights(eff)
    res: FloatArray = glob_e[:, compiled.leaf_nodes]
    return res


@dataclass(frozen=True, slots=True)
class ImprovementTargets:
    """Where each entity gains most, and the smallest single-indicator change to a better grade.

    Attributes
    ----------
    tree_id, method, operator
        The scoring the targets were derived from (FCE, ``weighted_average``).
    entity_ids
        (E,)
    leaf_ids, units
        (L,) indicators and the units of their values.
    score, grade
        (E,) the entity's score and grade (maximum membership, best = 0).
    grade_ids, grade_names
        The tree's grades.
    weight
        (E, L) effective global weight of each leaf for the entity.
    gain
        (E, L) score gain if the leaf alone moved wholly into the best grade (NaN: value
        missing).  With memberships that sum to 1 this is
        ``weight × (best grade score − leaf_score)``.
    top, top_gain
        (E, k) positions (into ``leaf_ids``) of the k leaves with the largest gain, best
        first, and their gains; -1 / NaN where fewer than k leaves can gain.
    lifts
        (E, L) improving this leaf alone can lift the entity's grade.
    target_value, change
        (E, L) the value of the leaf at which the entity's grade improves (raw unit of the
        indicator; at that value the better grade ties and wins, by the tie rule of
        maximum membership) and ``target_value − current value``.  NaN where the leaf cannot
        lift the grade or its membership is not invertible (non-standard memberships,
        votes, quantitative leaves without a membership specification).
    reached_grade
        (E, L) grade reached at ``target_value`` (or at the best grade for non-invertible
        memberships); -1 where the leaf cannot lift the grade.
    effort
        (E, L) ``|change|`` as a fraction of the distance from the current value to the
        leaf's best-grade reference point (0–1); NaN where not computable.
    best_leaf
        (E,) the lifting leaf with the smallest effort (non-invertible lifting leaves count
        as effort 1); -1 when no single leaf lifts the grade or the entity is in the best
        grade already.
    k
        Number of targets per entity.
    """

    tree_id: str
    method: str
    operator: str
    entity_ids: npt.NDArray[np.str_]
    leaf_ids: tuple[str, ...]
    units: tuple[str, ...]
    score: FloatArray
    grade: IntArray
    grade_ids: tuple[str, ...]
    grade_names: tuple[str, ...]
    value: FloatArray
    weight: FloatArray
    gain: FloatArray
    top: IntArray
    top_gain: FloatArray
    lifts: BoolArray
    target_value: FloatArray
    change: FloatArray
    reached_grade: IntArray
    effort: FloatArray
    best_leaf: IntArray
    k: int
    version: str = __version__

    @property
    def n_entities(self) -> int:
        return int(self.entity_ids.size)

    def position(self, entity_id: str) -> int:
        """Row of ``entity_id``; DataError naming close ids if absent."""
        hit = np.flatnonzero(self.entity_ids == entity_id)
        if hit.size == 0:
            close = difflib.get_close_matches(
                entity_id, [str(x) for x in self.entity_ids[:100_000]], n=3
            )
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise DataError(f"no entity '{entity_id}' in the data{hint}")
        return int(hit[0])

    def entity_report(self, entity_id: str) -> dict[str, Any]:
        """JSON-compatible targets of one entity."""
        e = self.position(entity_id)

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        g = int(self.grade[e])
        targets = []
        for r in range(self.k):
            j = int(self.top[e, r])
            if j < 0:
                break
            targets.append(self._leaf_entry(e, j) | {"gain": num(self.top_gain[e, r])})
        best = int(self.best_leaf[e])
        return {
            "entity_id": entity_id,
            "score": num(self.score[e]),
            "grade": self.grade_ids[g] if g >= 0 else None,
            "grade_name": self.grade_names[g] if g >= 0 else None,
            "next_grade": self.grade_ids[g - 1] if g > 0 else None,
            "targets": targets,
            "grade_lift": None if best < 0 else self._leaf_entry(e, best),
            "lifting_indicators": [self.leaf_ids[j] for j in np.flatnonzero(self.lifts[e])],
        }

    def _leaf_entry(self, e: int, j: int) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        rg = int(self.reached_grade[e, j])
        return {
            "indicator": self.leaf_ids[j],
            "unit": self.units[j],
            "value": num(self.value[e, j]),
            "weight": num(self.weight[e, j]),
            "gain": num(self.gain[e, j]),
            "lifts_grade": bool(self.lifts[e, j]),
            "target_value": num(self.target_value[e, j]),
            "change": num(self.change[e, j]),
            "reached_grade": self.grade_ids[rg] if rg >= 0 else None,
            "effort": num(self.effort[e, j]),
        }

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """Wide table: one row per entity with its k targets and its cheapest grade lift."""
        leaf = np.array([*self.leaf_ids, ""], dtype=object)
        unit = np.array([*self.units, ""], dtype=object)
        gids = np.array([*self.grade_ids, ""], dtype=object)
        rows = np.arange(self.n_entities)
        cols: dict[str, npt.NDArray[Any]] = {
            "entity_id": self.entity_ids,
            "score": self.score,
            "grade": gids[self.grade],
        }
        for r in range(self.k):
            j = self.top[:, r]
            cols[f"target{r + 1}"] = leaf[j]
            cols[f"target{r + 1}_gain"] = self.top_gain[:, r]
        b = self.best_leaf
        has = b >= 0
        bb = np.where(has, b, 0)
        cols["lift_indicator"] = leaf[np.where(has, b, -1)]
        cols["lift_value"] = np.where(has, self.value[rows, bb], np.nan)
        cols["lift_target"] = np.where(has, self.target_value[rows, bb], np.nan)
        cols["lift_change"] = np.where(has, self.change[rows, bb], np.nan)
        cols["lift_unit"] = unit[np.where(has, b, -1)]
        cols["lift_to_grade"] = gids[np.where(has, self.reached_grade[rows, bb], -1)]
        return cols

    def summary(self) -> dict[str, Any]:
        """JSON-compatible summary over entities, per indicator."""
        L = len(self.leaf_ids)
        in_top = np.zeros(L, dtype=np.int64)
        valid = self.top >= 0
        np.add.at(in_top, self.top[valid], 1)
        first = np.zeros(L, dtype=np.int64)
        v0 = self.top[:, 0] >= 0 if self.k else np.zeros(self.n_entities, dtype=bool)
        if self.k:
            np.add.at(first, self.top[v0, 0], 1)
        best_count = np.zeros(L, dtype=np.int64)
        hb = self.best_leaf >= 0
        np.add.at(best_count, self.best_leaf[hb], 1)
        mean_gain = np.nanmean(np.where(np.isnan(self.gain), np.nan, self.gain), axis=0)
        not_best = self.grade > 0
        return {
            "tree": self.tree_id,
            "method": self.method,
            "operator": self.operator,
            "entities": self.n_entities,
            "k": self.k,
            "entities_below_best_grade": int(not_best.sum()),
            "entities_with_single_indicator_lift": int(hb.sum()),
            "indicators": [
                {
                    "indicator": self.leaf_ids[j],
                    "mean_gain": float(mean_gain[j]) if math.isfinite(mean_gain[j]) else None,
                    "in_top_k": int(in_top[j]),
                    "top_1": int(first[j]),
                    "can_lift_grade": int(self.lifts[:, j].sum()),
                    "cheapest_lift": int(best_count[j]),
                }
                for j in np.argsort(-in_top, kind="stable")
            ],
            "evalsys_version": self.version,
        }


def _lift_standard(
    Brest: FloatArray,
    W: FloatArray,
    v0: FloatArray,
    q: FloatArray,
    grade: IntArray,
) -> tuple[FloatArray, IntArray]:
    """Largest oriented value v* ≤ v0 at which the grade becomes better than ``grade``.

    One row per (entity, leaf) candidate pair.

    Parameters
    ----------
    Brest
        (P, G) root B of the entity without the leaf's own contribution.
    W
        (P,) effective global weight of the leaf.
    v0
        (P,) oriented current value of the leaf (smaller is better).
    q
        (P, G) oriented, increasing reference points of the leaf.
    grade
        (P,) current grade of the entity.

    Returns
    -------
    v_star, reached
        (P,) the boundary value (-inf: no value lifts the grade) and the grade reached.

    Notes
    -----
    On the segment :math:`[q_g, q_{g+1}]` the leaf's membership is
    :math:`(1-\\lambda) e_g + \\lambda e_{g+1}`, so only two components of the root vector
    move: :math:`B_g = A_g - \\lambda W` and :math:`B_{g+1} = A_{g+1} + \\lambda W` with
    :math:`A = B_{rest} + W e_g`; the others stay at :math:`B_{rest}`.  Grade c improves iff
    some better grade h < c has :math:`B_h \\ge B_{h'}` for every :math:`h' \\ge c`.  The
    candidate winners are the best constant better grade, g and g + 1 (when better); the
    competitors the best constant worse grade, g and g + 1 (when worse).  Each
    winner/competitor pair is one linear inequality in λ, so each winner's feasible set is
    an interval; the largest feasible λ on the highest segment of the path from v0 down to
    :math:`q_0` is the smallest change.  Work per segment: a few (P,) array operations.
    """
    P, G = Brest.shape
    hv = np.arange(G)
    better = hv[None, :] < grade[:, None]  # (P, G) candidate winners
    v_star = np.full(P, -np.inf)
    reached = np.full(P, -1, dtype=np.intp)
    for g in range(G - 1):  # segments of the membership, not entities
        qg, qn = q[:, g], q[:, g + 1]
        span = qn - qg
        lam_hi = np.clip((np.minimum(qn, v0) - qg) / span, 0.0, 1.0)
        on = v0 > qg
        other = (hv != g) & (hv != g + 1)
        cb = np.where(better & other, Brest, -np.inf).max(axis=-1, initial=-np.inf)
        mw = np.where(~better & other, Brest, -np.inf).max(axis=-1, initial=-np.inf)
        ag = Brest[:, g] + W
        ag1 = Brest[:, g + 1]
        g_better = g < grade
        g1_better = g + 1 < grade
        zero = np.zeros(P)
        # (value at λ = 0, slope in λ, valid)
        winners = ((cb, zero, np.isfinite(cb)), (ag, -W, g_better), (ag1, W, g1_better))
        rivals = ((mw, zero, np.isfinite(mw)), (ag, -W, ~g_better), (ag1, W, ~g1_better))
        lam = np.full(P, -np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            for aw, bw, okw in winners:
                lo = np.zeros(P)
                hi = lam_hi.copy()
                bad = ~okw
                for ak, bk, okk in rivals:
                    use = okw & okk
                    a = np.where(use, aw - ak, 0.0)
                    b = np.where(use, bw - bk, 0.0)
                    r = -a / b
                    lo = np.where(use & (b > 0), np.maximum(lo, r), lo)
                    hi = np.where(use & (b < 0), np.minimum(hi, r), hi)
                    bad |= use & (b == 0) & (a < -_TOL)
                feas = ~bad & (lo <= hi + _TOL) & on
                lam = np.maximum(lam, np.where(feas, hi, -np.inf))
        ok = np.isfinite(lam)
        lam = np.clip(np.where(ok, lam, 0.0), 0.0, 1.0)
        v = np.where(ok, qg + lam * span, -np.inf)
        upd = v > v_star
        if upd.any():
            Bst = Brest.copy()
            Bst[:, g] += (1.0 - lam) * W
            Bst[:, g + 1] += lam * W
            # at the boundary the better grade ties (and wins): take the winner among them
            win = np.argmax(np.where(better, Bst, -np.inf), axis=-1)
            reached = np.where(upd, win, reached)
            v_star = np.where(upd, v, v_star)
    return v_star, reached


def improvement_targets(
    score_result: ScoreResult,
    compiled: CompiledTree,
    data: IndicatorData,
    k: int = 3,
    *,
    chunk: int = 4096,
) -> ImprovementTargets:
    """Per entity the k leaves with the largest potential score gain, and grade lifts.

    Parameters
    ----------
    score_result
        FCE scores with the ``weighted_average`` operator M(·,+) of these ``data`` on this
        tree (:func:`evalsys.scoring.evaluate.score_entities`).
    compiled
        The compiled tree.
    data
        The indicator data that were scored.
    k
        Number of targets per entity (>= 1).
    chunk
        Entities processed at once (memory bound only; results do not depend on it).

    Returns
    -------
    ImprovementTargets

    Raises
    ------
    UnknownMethodError
        The scores are not FCE with ``weighted_average`` (other operators and methods are
        not linear in a leaf's membership, so single-leaf effects do not add up).
    DataError
        ``k < 1``, or the scores do not belong to these data and tree.

    Notes
    -----
    With M(·,+) every level is a weighted sum, so the root vector is
    :math:`B_e = \\sum_l W_{el} R_{el}` with :math:`W_{el}` the effective global weight of
    leaf l (missing siblings renormalised as in scoring).  The score is the weighted
    average :math:`s(B) = B \\cdot s_G / \\sum_g B_g`.  Moving leaf l alone into the best
    grade gives :math:`B' = B - W_{el} R_{el} + W_{el} e_0` and the gain
    :math:`s(B') - s(B)`; for memberships summing to 1 this is
    :math:`W_{el}(s_0 - \\text{leaf\\_score}_{el})` [1]_.

    The *next grade* is the next better grade by the maximum-membership principle — the
    grade the scoring engine reports — not a score band: a change lifts the entity when the
    largest component of B moves to a better grade (ties go to the better grade).  For
    leaves with a standard (piecewise-linear) membership the smallest lifting value is
    found exactly by inverting the membership segment by segment (:func:`_lift_standard`)
    and reported in the indicator's unit; for other leaves only whether moving wholly into
    the best grade lifts the grade.

    Examples
    --------
    >>> import warnings, evalsys as es
    >>> from evalsys.model.io import shipped_path
    >>> tree = es.compile_tree(es.load_tree("ecommerce_service"))
    >>> d = es.indicator_data(tree, es.read_table(shipped_path("samples",
    ...                                                         "ecommerce_merchants.csv")))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = es.score_entities(tree, d)
    >>> t = improvement_targets(res, tree, d, k=3)
    >>> t.top.shape
    (500, 3)
    """
    from evalsys.scoring.grading import max_membership
    from evalsys.scoring.plan import leaf_plan, memberships, utilities

    if score_result.method != "fce" or score_result.operator != "weighted_average":
        got = score_result.method + (
            f" with operator {score_result.operator}" if score_result.operator else ""
        )
        raise UnknownMethodError(
            f"improvement targets need FCE scores with the weighted_average operator M(·,+) "
            f"(linear in each leaf), got {got}; valid names: fce/weighted_average"
        )
    if k < 1:
        raise DataError(f"k must be at least 1, got {k}")
    if score_result.tree_id != compiled.spec.id or not np.array_equal(
        score_result.entity_ids, data.entity_ids
    ):
        raise DataError(
            "the scores do not belong to these data and tree (different tree or entities)"
        )
    G = compiled.n_grades
    s = compiled.grade_scores
    plan = leaf_plan(compiled)
    X = np.asarray(data.values, dtype=np.float64)
    E, L = X.shape
    U = utilities(plan, X, data.votes, G)
    R = memberships(plan, X, U, data.votes, G)
    W = _effective_leaf_weights(compiled, np.asarray(score_result.weights.local), data.present)
    B = np.einsum("el,elg->eg", W, R)
    tot = B.sum(axis=1)
    score = np.divide(B @ s, tot, out=np.full(E, np.nan), where=tot > 0)
    if not np.allclose(score, score_result.score, rtol=1e-9, atol=1e-9, equal_nan=True):
        bad = np.flatnonzero(~np.isclose(score, score_result.score, rtol=1e-9, atol=1e-9))
        raise DataError(
            "the scores do not match these data (scored with other data, weights or "
            "normalize_b with non-partition memberships?)",
            rows=[int(data.rows[i]) for i in bad[:10]],
        )
    grade = np.asarray(max_membership(np.where(tot[:, None] > 0, B, 0.0)).grade, dtype=np.intp)
    present = np.asarray(data.present, dtype=bool)

    gain = np.full((E, L), np.nan)
    lifts = np.zeros((E, L), dtype=bool)
    reached = np.full((E, L), -1, dtype=np.intp)
    target = np.full((E, L), np.nan)
    effort = np.full((E, L), np.nan)
    std_groups = [grp for grp in plan.groups if grp.kind == "standard"]
    for start in range(0, E, max(1, chunk)):  # memory chunks of entities
        sl = slice(start, start + max(1, chunk))
        Bc, Wc, Rc, gc = B[sl], W[sl], R[sl], grade[sl]
        Brest = Bc[:, None, :] - Wc[..., None] * Rc
        Bfull = Brest.copy()
        Bfull[..., 0] += Wc
        num = Bfull @ s
        den = Bfull.sum(axis=-1)
        new = np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)
        gain[sl] = np.where(present[sl], new - score[sl, None], np.nan)
        full_g = np.argmax(Bfull, axis=-1)
        full_lift = (full_g < gc[:, None]) & present[sl] & (gc[:, None] > 0)
        lifts[sl] = full_lift
        reached[sl] = np.where(full_lift, full_g, -1)
        # a leaf can lift the grade only if twice its weight covers the lead of the current
        # grade over the best better grade (its mass moves from one grade to another)
        Bm = np.where(np.arange(G)[None, :] < gc[:, None], Bc, -np.inf)
        margin = Bc[np.arange(Bc.shape[0]), np.maximum(gc, 0)] - Bm.max(axis=1, initial=-np.inf)
        for grp in std_groups:
            cols = grp.cols
            pts = np.asarray(grp.params, dtype=np.float64)
            sign = np.where(pts[:, -1] >= pts[:, 0], 1.0, -1.0)
            q = pts * sign[:, None]
            src = U[sl][:, cols] if grp.source == "utility" else X[sl][:, cols] * grp.scale
            v0 = src * sign
            pres = present[sl][:, cols]
            cand = pres & (gc[:, None] > 0) & (2.0 * Wc[:, cols] + _TOL >= margin[:, None])
            ei, li = np.nonzero(cand)
            v_p, rg_p = _lift_standard(
                Brest[ei, cols[li]], Wc[ei, cols[li]], v0[ei, li], q[li], gc[ei]
            )
            v_star = np.full(cand.shape, -np.inf)
            rg = np.full(cand.shape, -1, dtype=np.intp)
            v_star[ei, li] = v_p
            rg[ei, li] = rg_p
            ok = np.isfinite(v_star)
            lifts[sl, cols] = ok
            reached[sl, cols] = np.where(ok, rg, -1)
            dist = v0 - q[:, 0]
            effort[sl, cols] = np.where(
                ok & (dist > 0), np.divide(v0 - v_star, np.where(dist > 0, dist, 1.0)), np.nan
            )
            if grp.source == "raw":
                target[sl, cols] = np.where(ok, v_star * sign / grp.scale, np.nan)
    change = target - X
    order = np.argsort(-np.nan_to_num(gain, nan=-np.inf), axis=1, kind="stable")[:, :k]
    top_gain = np.take_along_axis(gain, order, axis=1)
    keep = np.isfinite(top_gain) & (top_gain > _TOL)
    top = np.where(keep, order, -1).astype(np.intp)
    top_gain = np.where(keep, top_gain, np.nan)
    if k > L:
        pad = k - L
        top = np.pad(top, ((0, 0), (0, pad)), constant_values=-1)
        top_gain = np.pad(top_gain, ((0, 0), (0, pad)), constant_values=np.nan)
    eff_key = np.where(lifts, np.nan_to_num(effort, nan=1.0), np.inf)
    best_leaf = np.argmin(eff_key, axis=1)
    best_leaf = np.where(lifts.any(axis=1), best_leaf, -1).astype(np.intp)
    leaves = compiled.spec.leaves()
    units = tuple(str(indicator_unit(lf) or "votes") for lf in leaves)
    out = ImprovementTargets(
        tree_id=compiled.spec.id,
        method=score_result.method,
        operator=str(score_result.operator),
        entity_ids=data.entity_ids,
        leaf_ids=compiled.leaf_ids,
        units=units,
        score=score_result.score,
        grade=grade,
        grade_ids=score_result.grade_ids,
        grade_names=score_result.grade_names,
        value=np.where(present, X, np.nan),
        weight=np.array(W),
        gain=gain,
        top=top,
        top_gain=top_gain,
        lifts=lifts,
        target_value=target,
        change=change,
        reached_grade=reached,
        effort=effort,
        best_leaf=best_leaf,
        k=k,
    )
    for arr in (out.weight, gain, top, top_gain, lifts, target, change, reached, effort):
        arr.flags.writeable = False
    return out
