"""The FCE block kernels: :class:`Scorer` scores any block of entities on its own values.

It owns :func:`make_scorer` (a tree, its weights and an operator, checked once),
:class:`Scorer` with its two paths — the fast M(·,+) path of :mod:`evalsys.scoring.linear`
(numpy, or the compiled :mod:`evalsys.scoring.kernels`) and the general path (utilities,
memberships and the tree walk of :mod:`evalsys.scoring.plan`) — and :class:`BlockScores`.
Every entity's results depend on its own values only, so the engines
(:mod:`evalsys.engines`) score a table whole, in chunks or in partitions with the same bits.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evalsys.model.compiled import CompiledTree
from evalsys.scoring.linear import (
    _linear_epilogue,
    _linear_plan,
    _LinearPlan,
    _normalize_planes,
)
from evalsys.scoring.plan import (
    FloatArray,
    IntArray,
    LeafPlan,
    _evaluate_nodes,
    _needs_data,
    leaf_plan,
    memberships,
    open_bounds,
    utilities,
)
from evalsys.weights.hierarchy import TreeWeights

__all__ = ["DEFAULT_THREADS", "BlockScores", "Scorer", "make_scorer"]


#: Entities per block of the fast M(·,+) path (an (L, FAST_BLOCK) scratch plane, 4 MiB for
#: 31 leaves); results do not depend on it.
FAST_BLOCK = 8192

#: Entities per block of the per-entity epilogue (B from ramp sums, grades, scores).
OUTER_BLOCK = 32_768

#: Threads of the fast path by default (numpy releases the GIL in its loops).
DEFAULT_THREADS = max(1, min(2, os.cpu_count() or 1))

#: Entities per block of the general path (bounds the (E, N, G) scratch).
GENERAL_BLOCK = 16_384


def _plane_grade_score(
    B: FloatArray, scores: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    """Weighted grade score of grade-major planes ``B`` (G, …): Σ b_g s_g / Σ b_g, added in
    grade order (per entity, so independent of batch composition); all-zero → NaN."""
    num = B[0] * scores[0]
    den = B[0].copy()
    for g in range(1, B.shape[0]):
        num += B[g] * scores[g]
        den += B[g]
    if out is None:
        out = np.empty(num.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(num, den, out=out)
    out[~(den > 0)] = np.nan
    return out


def _grade_score(B: FloatArray, grade_scores: FloatArray) -> FloatArray:
    """Weighted-average grade score of (…, G) vectors; all-zero vectors give NaN."""
    planes = np.moveaxis(np.asarray(B, dtype=np.float64), -1, 0)
    return _plane_grade_score(planes, grade_scores)


def _finish(
    Br: FloatArray,
    Bd: FloatArray,
    scores: FloatArray,
    score: FloatArray,
    grade: IntArray,
    validity: FloatArray,
    dim_score: FloatArray,
) -> None:
    """Score, grade, validity and dimension scores from grade-major planes, into the outputs.

    ``Br`` (G, n) root B, ``Bd`` (D, G, n) dimension B; outputs (n,), (n,), (n,), (D, n).
    Grades follow :func:`evalsys.scoring.grading.max_membership` (first maximum; validity
    α = (Gβ − 1)/(2γ(G − 1)) with β, γ the largest and second-largest shares — γ = β for
    a tie; ∞ when one grade holds every membership; −1 / NaN for an all-zero B), scores
    :func:`evalsys.scoring.grading.weighted_grade_score`; every quantity is computed per entity in
    a fixed order, so the results do not depend on the block.
    """
    G = Br.shape[0]
    n = Br.shape[1]
    np.argmax(Br, axis=0, out=grade)
    top1 = Br.max(axis=0)
    rest = Br.copy()
    rest[grade, np.arange(n)] = -np.inf
    top2 = rest.max(axis=0)
    total = Br.sum(axis=0)
    zero = total <= 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.divide(top1, total, out=top1)  # β
        np.divide(top2, total, out=rest[0])  # γ
        gamma = rest[0]
        np.multiply(top1, float(G), out=top1)
        top1 -= 1.0
        np.multiply(gamma, 2.0 * (G - 1), out=validity)
        np.divide(top1, validity, out=validity)
        validity[~zero & (gamma == 0)] = np.inf
    validity[zero] = np.nan
    grade[zero] = -1
    _plane_grade_score(Br, scores, out=score)
    _plane_grade_score(Bd.transpose(1, 0, 2), scores, out=dim_score)


@dataclass(frozen=True, slots=True)
class BlockScores:
    """FCE results of a block of entities (see :class:`ScoreResult` for the fields)."""

    score: FloatArray
    B: FloatArray | None
    grade: IntArray
    validity: FloatArray
    dimension_B: FloatArray | None
    dimension_score: FloatArray
    coverage: FloatArray
    leaf_score: FloatArray | None


@dataclass(frozen=True, eq=False)
class Scorer:
    """A tree, its weights and an FCE operator, ready to score blocks of entities.

    Built once (:func:`make_scorer`) and applied to any number of blocks with
    :meth:`block`; every entity's results depend on its own values only, so scoring a table
    whole, in chunks (:mod:`evalsys.engines.stream`) or in partitions (:mod:`evalsys.engines.dask`)
    gives
    bit-identical results.  Ranks, percentiles and contributions compare entities and are
    computed over the whole table by the callers.

    Attributes
    ----------
    compiled, weights, operator, normalize_b
        The tree, its weights, the canonical operator name and whether B is normalised.
    data_lo, data_hi
        (Q,) bounds of the quantitative leaves without ``bounds`` in the tree (NaN where
        the tree fixes them): the range of the *whole* data, so that every block is
        normalised alike.
    """

    compiled: CompiledTree
    weights: TreeWeights
    operator: str
    normalize_b: bool
    plan: LeafPlan
    data_lo: FloatArray | None
    data_hi: FloatArray | None
    linear: _LinearPlan | None
    threads: int = DEFAULT_THREADS
    kernel: str = "numpy"

    @property
    def leaf_weights(self) -> FloatArray:
        """(L,) global weights of the leaves."""
        out: FloatArray = np.asarray(self.weights.global_weights)[self.compiled.leaf_nodes]
        return out

    def block(
        self,
        X: FloatArray,
        votes: dict[int, FloatArray],
        present: npt.NDArray[np.bool_],
        *,
        leaf_scores: bool = False,
        vectors: bool = True,
    ) -> BlockScores:
        """Score E entities: X (E, L) raw values (any memory order), votes, present (E, L).

        ``leaf_scores`` also returns the (E, L) per-leaf scores Σ_g s_g R_lg;
        ``vectors=False`` skips the evaluation vectors B (E, G) and (E, D, G).
        """
        compiled = self.compiled
        E, L = X.shape
        G = compiled.n_grades
        D = compiled.dimensions.size
        # grade-/dimension-/leaf-major storage, exposed with the (E, …) shapes
        out = BlockScores(
            score=np.empty(E),
            B=np.empty((G, E)).T if vectors else None,
            grade=np.empty(E, dtype=np.intp),
            validity=np.empty(E),
            dimension_B=np.empty((D, G, E)).transpose(2, 0, 1) if vectors else None,
            dimension_score=np.empty((D, E)).T,
            coverage=np.ones(E),
            leaf_score=np.empty((L, E)).T if leaf_scores else None,
        )
        if self.linear is not None:
            self._linear(X, out)
            # rows with a missing value (a NaN) go to the general path; one flat check first
            if present.size and not present.all():
                general = np.flatnonzero(~present.all(axis=1))
            else:
                general = np.arange(0)
        else:
            general = np.arange(E)
        if general.size:
            self._general(X, votes, present, general, out)
        return out

    def _linear(self, X: FloatArray, out: BlockScores) -> None:
        """Fast M(·,+) path over every row of X, in ``threads`` contiguous parts."""
        E = X.shape[0]
        parts = max(1, min(self.threads, E // OUTER_BLOCK))
        if parts == 1:
            self._linear_range(X, out, 0, E)
            return
        from concurrent.futures import ThreadPoolExecutor

        bounds = np.linspace(0, E, parts + 1).astype(int)
        spans = list(itertools.pairwise(bounds.tolist()))
        with ThreadPoolExecutor(parts - 1) as pool:  # the first part runs in this thread
            jobs = [pool.submit(self._linear_range, X, out, lo, hi) for lo, hi in spans[1:]]
            self._linear_range(X, out, *spans[0])
            for job in jobs:
                job.result()

    def _linear_range(self, X: FloatArray, out: BlockScores, start: int, stop: int) -> None:
        lp = self.linear
        if lp is None:  # pragma: no cover - guarded by the caller
            return
        if self.kernel == "numba":
            self._linear_range_compiled(lp, X, out, start, stop)
            return
        L = X.shape[1]
        G = self.compiled.n_grades
        K = G - 1
        D = lp.starts.size
        scores_g = self.compiled.grade_scores
        E = stop - start
        outer = max(1, min(OUTER_BLOCK, E))
        step = max(1, min(FAST_BLOCK, outer))
        src = X.T  # (L, E) view; C-contiguous when X is F-ordered
        # output planes (the outputs are stored grade-/dimension-/leaf-major)
        Bp = out.B.T if out.B is not None else None
        Bdp = out.dimension_B.transpose(1, 2, 0) if out.dimension_B is not None else None
        dsp = out.dimension_score.T
        lsp = out.leaf_score.T if out.leaf_score is not None else None
        S_full = np.empty((D, K, outer))
        Br_full = np.empty((G, outer))
        v = np.empty((L, step))
        r = np.empty((L, step))
        lr = np.empty((L, step)) if lsp is not None else None
        unit = not (lp.mult != 1.0).any()
        mult = lp.mult[:, None]
        wcap = lp.wdim[:, None]
        s0 = float(scores_g[0])
        with np.errstate(invalid="ignore", over="ignore"):
            for oa in range(start, stop, outer):
                on = min(outer, stop - oa)
                Sb = S_full[:, :, :on]
                for a in range(oa, oa + on, step):
                    n = min(step, oa + on - a)
                    if lp.perm is None and unit:
                        vv = src[:, a : a + n]
                    else:
                        vv = v[:, :n]
                        if lp.perm is None:
                            np.multiply(src[:, a : a + n], mult, out=vv)
                        else:
                            np.take(src[:, a : a + n], lp.perm, axis=0, out=vv)
                            vv *= mult
                    rr = r[:, :n]
                    if lsp is not None and lr is not None:
                        ls = lsp[:, a : a + n] if lp.perm is None else np.empty((L, n))
                        ls.fill(s0)
                    for k in range(K):
                        np.subtract(vv, lp.q[:, k : k + 1], out=rr)
                        if lsp is not None and lr is not None:
                            lk = lr[:, :n]
                            np.multiply(rr, lp.inv_span[:, k : k + 1], out=lk)
                            np.maximum(lk, 0.0, out=lk)  # not np.clip: its sign of
                            np.minimum(lk, 1.0, out=lk)  # zero depends on the size
                            lk *= lp.score_steps[k]
                            ls += lk
                        np.multiply(rr, lp.slope[:, k : k + 1], out=rr)
                        np.maximum(rr, 0.0, out=rr)  # −0.0 → +0.0, NaN stays
                        np.minimum(rr, wcap, out=rr)
                        Sk = Sb[:, k, a - oa : a - oa + n]
                        for i in range(D):
                            s_, e_ = int(lp.starts[i]), int(lp.ends[i])
                            o = Sk[i]
                            if e_ - s_ == 1:
                                o[...] = rr[s_]
                                continue
                            np.add(rr[s_], rr[s_ + 1], out=o)
                            for j in range(s_ + 2, e_):
                                o += rr[j]
                    if lsp is not None and lp.perm is not None:
                        lsp[lp.perm, a : a + n] = ls
                sl = slice(oa, oa + on)
                br = Bp[:, sl] if Bp is not None else Br_full[:, :on]
                _linear_epilogue(
                    lp,
                    Sb,
                    scores_g,
                    br,
                    Bdp[:, :, sl] if Bdp is not None else None,
                    self.normalize_b,
                    out.score[sl],
                    out.grade[sl],
                    out.validity[sl],
                    dsp[:, sl],
                )

    def _linear_range_compiled(
        self, lp: _LinearPlan, X: FloatArray, out: BlockScores, start: int, stop: int
    ) -> None:
        """The fused compiled kernel (:func:`evalsys.scoring.kernels.linear_block`): the same
        operations as the numpy path in the same order, so the same bits."""
        from evalsys.scoring.kernels import linear_block

        Bp = out.B.T if out.B is not None else None
        Bdp = out.dimension_B.transpose(1, 2, 0) if out.dimension_B is not None else None
        lsp = out.leaf_score.T if out.leaf_score is not None else None
        linear_block(
            X,
            start,
            stop,
            lp,
            self.compiled.grade_scores,
            out.score,
            out.grade,
            out.validity,
            out.dimension_score.T,
            Bp,
            Bdp,
            lsp,
        )
        if self.normalize_b:
            sl = slice(start, stop)
            _normalize_planes(
                *(p[..., sl] for p in (Bp, Bdp) if p is not None)  # views: divided in place
            )

    def _general(
        self,
        X: FloatArray,
        votes: dict[int, FloatArray],
        present: npt.NDArray[np.bool_],
        rows: IntArray,
        out: BlockScores,
    ) -> None:
        compiled = self.compiled
        G = compiled.n_grades
        local = np.asarray(self.weights.local)
        leaf_w = self.leaf_weights
        total_w = float(leaf_w.sum())
        dims = compiled.dimensions
        D = dims.size
        scores_g = compiled.grade_scores
        for s in range(0, rows.size, GENERAL_BLOCK):
            idx = rows[s : s + GENERAL_BLOCK]
            Xb = np.ascontiguousarray(X[idx])
            vb = {k: v[idx] for k, v in votes.items()}
            pb = np.ascontiguousarray(present[idx])
            U = utilities(self.plan, Xb, vb, G, self.data_lo, self.data_hi)
            R = memberships(self.plan, Xb, U, vb, G)
            Bn = _evaluate_nodes(compiled, local, R, self.operator, pb)
            if self.normalize_b:
                sums = Bn.sum(axis=2, keepdims=True)
                Bn = np.divide(Bn, sums, out=np.zeros_like(Bn), where=sums > 0)
            Br = np.ascontiguousarray(Bn[:, 0].T)
            Bd = np.ascontiguousarray(Bn[:, dims].transpose(1, 2, 0))
            n = idx.size
            sc, gr, va, ds = np.empty(n), np.empty(n, dtype=np.intp), np.empty(n), np.empty((D, n))
            _finish(Br, Bd, scores_g, sc, gr, va, ds)
            out.score[idx] = sc
            out.grade[idx] = gr
            out.validity[idx] = va
            out.dimension_score[idx] = ds.T
            if out.B is not None:
                out.B[idx] = Bn[:, 0]
            if out.dimension_B is not None:
                out.dimension_B[idx] = Bn[:, dims]
            if out.leaf_score is not None:
                ls = R[..., 0] * scores_g[0]
                for g in range(1, G):
                    ls += R[..., g] * scores_g[g]
                out.leaf_score[idx] = ls
            if not pb.all():
                out.coverage[idx] = np.where(pb, leaf_w, 0.0).sum(axis=1) / total_w


def make_scorer(
    compiled: CompiledTree,
    weights: TreeWeights | None = None,
    *,
    operator: str = "weighted_average",
    normalize_b: bool = False,
    data_lo: FloatArray | None = None,
    data_hi: FloatArray | None = None,
    threads: int | None = None,
    kernel: str = "auto",
    rows: int | None = None,
) -> Scorer:
    """Build a :class:`Scorer` for FCE with ``operator``.

    Parameters
    ----------
    compiled
        The compiled tree.
    weights
        Tree weights; by default derived from the tree's specifications.  Objective and
        combined specifications need the whole data set: compute them first (e.g.
        :func:`evalsys.weights.hierarchy.tree_weights` with the utilities of every entity) and
        pass them here.
    operator
        Fuzzy operator name (:data:`evalsys.scoring.fce.OPERATORS`).
    normalize_b
        Divide every node's B by its sum.
    data_lo, data_hi
        (Q,) range of the quantitative columns over the whole data (see
        :func:`data_range`); needed only for leaves without ``bounds``.
    threads
        Threads of the fast path (default :data:`DEFAULT_THREADS`); results do not depend
        on it.
    kernel, rows
        ``"numba"`` (the fused compiled kernel of :mod:`evalsys.scoring.kernels`), ``"numpy"``, or
        ``"auto"``: numba when it is available and worth its start-up for about ``rows``
        entities (:func:`evalsys.scoring.kernels.choose`).  Results do not depend on it.

    Raises
    ------
    DataError
        Objective weights without ``weights``, or open bounds without a data range.
    """
    from evalsys.errors import DataError
    from evalsys.scoring.fce import OPERATORS
    from evalsys.weights.hierarchy import tree_weights

    op = OPERATORS.canonical(operator)
    plan = leaf_plan(compiled)
    if weights is None:
        if _needs_data(compiled):
            raise DataError(
                f"the tree '{compiled.spec.id}' has objective or combined weights, which "
                "are computed from the whole data set: compute the weights first and pass them"
            )
        weights = tree_weights(compiled, None)
    needs_range = bool(open_bounds(plan).any()) and any(
        grp.source == "utility" for grp in plan.groups
    )
    if needs_range and (data_lo is None or data_hi is None):
        leaves = compiled.spec.leaves()
        names = [leaves[int(j)].id for j in plan.quant_cols[open_bounds(plan)]]
        raise DataError(
            "indicators without bounds are normalised by the range of the whole data "
            f"({', '.join(names)}): give them bounds in the tree or pass the data range"
        )
    local = np.asarray(weights.local)
    from evalsys.scoring.kernels import choose

    kernel = choose(kernel, rows)
    return Scorer(
        compiled=compiled,
        weights=weights,
        operator=op,
        normalize_b=normalize_b,
        plan=plan,
        data_lo=data_lo,
        data_hi=data_hi,
        linear=_linear_plan(compiled, plan, local, op),
        threads=DEFAULT_THREADS if threads is None else max(1, int(threads)),
        kernel=kernel,
    )
