"""Exact flip points of one node's weight: :func:`flip_points`.

Owns the closed-form search, on the linear aggregations, for the smallest change of a
node's local weight at which the top-k set or some entity's grade changes (every pairwise
crossing of the score lines, and of the grade lines, at once), and the results
:class:`Flip`, :class:`FlipPoint` and :class:`FlipResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.analysis.sensitivity.core import (
    BoolArray,
    FloatArray,
    IntArray,
    _check_int,
    _evaluate,
    _json_float,
    _prepare,
    _ro,
)
from evalsys.analysis.sensitivity.stability import _rank_rows
from evalsys.errors import DataError, EvalsysError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.weights.hierarchy import TreeWeights

__all__ = ["Flip", "FlipPoint", "FlipResult", "flip_points"]

#: Elements of the pair matrix of one flip-point chunk.
_PAIR_ELEMENTS = 1 << 22

_U = TypeVar("_U", float, FloatArray)


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


def _t_of(u: _U, w: float) -> _U:
    """Pre-renormalisation relative change t giving the renormalised weight u."""
    return (u - w) / (w * (1.0 - u))


def _crossing(gap: FloatArray, gain: FloatArray) -> FloatArray:
    """Where two lines ``gap`` apart meet when one gains ``gain`` on the other (∞: never)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(gain > 0, gap / gain, np.inf)
    return out


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
        dl = _crossing(gap, bo[None, :] - slope[m][:, None])
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
    dl = _crossing(b0 - B, slope - s0)  # gap ≥ 0
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
        Base weights; by default derived as :func:`evalsys.engines.memory.score_entities` does.
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
                    t_e = np.where(valid, _t_of(u_e, w), np.nan)
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
