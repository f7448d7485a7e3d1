"""The leaf plan: every leaf's normalisation and membership, and the tree walk.

It owns the first two steps of scoring (from checked indicator data,
:mod:`evalsys.model.data`) and the level-by-level evaluation of the general path:

1. **utilities** U (E, L): every leaf normalised to [0, 1], higher is better (benefit/cost
   min-max with the tree's fixed ``bounds`` or the data range, target/interval closeness,
   rating (x − 1)/(scale − 1), checklist share met, votes' mean grade position);
2. **memberships** R (E, L, G): each leaf's membership in the tree's grades — its
   ``membership`` specification on the raw value, or by default the standard
   construction on the natural scale (rating: points scale…1; checklist: share 1…0;
   quantitative without a specification: utility 1…0); votes give their shares;
3. **fuzzy comprehensive evaluation** level by level up the tree with the chosen operator
   (:mod:`evalsys.scoring.fce`): B of every node from its children's B
   (:func:`_evaluate_nodes`, missing children renormalise the weights).

:func:`leaf_plan` groups the leaves for vectorised calls; loops run over tree levels and
leaf groups, never over entities.  The block kernels that use the plan are in
:mod:`evalsys.scoring.scorer`, the results in :mod:`evalsys.scoring.result`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.model.compiled import CompiledTree
from evalsys.model.nodes import ChecklistNode, QuantitativeNode, RatingNode, StandardMembership

__all__ = ["LeafPlan", "data_range", "leaf_plan", "memberships", "open_bounds", "utilities"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


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


def _needs_data(compiled: CompiledTree) -> bool:
    """Whether any node's weights are computed from the entities' data."""
    for node in compiled.spec.nodes:
        w = getattr(node, "weights", None)
        if w is not None and getattr(w, "type", None) in ("objective", "combined"):
            return True
    return False


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
