r"""The fast path of M(·,+): a whole tree from G − 1 weighted ramp sums per dimension.

It owns :class:`_LinearPlan` (built by :func:`_linear_plan` when the operator is the
weighted average and every leaf has a standard membership on its raw value) and the
per-entity epilogue that turns ramp sums into B, grades, validity and scores
(:func:`_linear_epilogue`).  The numpy block loop is :meth:`evalsys.scoring.scorer.Scorer.block`;
the fused compiled twin is :func:`evalsys.scoring.kernels.linear_block` (same operations,
same order, same bits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evalsys.model.compiled import CompiledTree
from evalsys.scoring.plan import FloatArray, IntArray, LeafPlan, _top_dimension

__all__: list[str] = []


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
