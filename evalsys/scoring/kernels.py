r"""Compiled kernels (numba): the fused M(·,+) scoring pass and the id hash.

The numpy kernels of :mod:`evalsys.scoring.linear` and :mod:`evalsys.engines.stream` make a dozen
passes over every (leaves × entities) block — subtract, multiply, clip and add per grade
point — and another dozen over the per-entity results.  Here each block of entities is
read once and every intermediate stays in registers or in a small (D, K, block) scratch
array, so scoring runs at a few times the cost of a bare ``X @ w``.

The kernels perform *the same floating-point operations in the same order* as the numpy
kernels (no fast-math, no fused multiply-add: numba's defaults), so both give identical
bits; ``tests/test_kernels.py`` checks it.  numba is a dependency of evalsys; where it
cannot be imported (a platform without wheels yet) :func:`available` is false and the
numpy kernels run instead — slower, same results.  ``EVALSYS_KERNEL=numpy`` forces the
numpy kernels, ``EVALSYS_KERNEL=numba`` the compiled ones whatever the input size
(:func:`choose`).

Compiled functions are cached on disk by numba (``cache=True``: beside this file, or in
the user cache directory when that is read-only), so only the first run on a machine
pays the compilation (≈ 1–3 s).

References
----------
Lam, S. K., Pitrou, A. and Seibert, S. (2015). Numba: a LLVM-based Python JIT compiler.
*Proc. Second Workshop on the LLVM Compiler Infrastructure in HPC*, 1–6.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["BLOCK", "JIT_MIN_ROWS", "available", "choose", "hash_strings", "linear_block", "warm"]

#: Entities per block of the fused kernel (the scratch sums are (D, K, BLOCK) floats).
BLOCK = 512


@functools.cache
def _numba() -> Any:
    """The numba module, or ``None`` when it cannot be imported or is switched off."""
    if os.environ.get("EVALSYS_KERNEL", "").strip().lower() == "numpy":
        return None
    try:
        import numba
    except Exception:  # pragma: no cover - platform without numba
        return None
    return numba


def available() -> bool:
    """Whether the compiled kernels can be used (numba importable, not switched off)."""
    return _numba() is not None


#: Rows from which ``kernel="auto"`` compiles: loading numba and its cached machine code
#: costs ≈ 0.8 s once per process (numba's import, LLVM's start, scipy's BLAS probe),
#: and the compiled kernels save ≈ 0.3 s per million rows (measured by
#: ``benchmarks/bench_kernel.py`` and ``benchmarks/bench_score.py``).
JIT_MIN_ROWS = 2_000_000

_WARM: list[bool] = []


def _mark_warm() -> None:
    if not _WARM:
        _WARM.append(True)


def warm() -> bool:
    """Whether the compiled kernels have already run in this process (no start-up cost)."""
    return bool(_WARM)


def choose(kernel: str, rows: int | None) -> str:
    """Resolve ``kernel`` (``"auto"``, ``"numba"``, ``"numpy"``) to ``"numba"``/``"numpy"``.

    ``"auto"`` compiles when numba is available and the work repays its start-up: the
    kernels already ran in this process, ``rows`` is unknown, or ``rows`` ≥
    :data:`JIT_MIN_ROWS` — or the environment variable ``EVALSYS_KERNEL=numba`` says so
    (``EVALSYS_KERNEL=numpy`` turns the compiled kernels off).  ``"numba"`` without numba
    is an error.
    """
    from evalsys.errors import ParameterError

    env = os.environ.get("EVALSYS_KERNEL", "").strip().lower()
    if env not in ("", "auto", "numba", "numpy"):
        raise ParameterError(f"EVALSYS_KERNEL is '{env}'; valid: auto, numba, numpy (or unset)")
    forced = env == "numba"
    if kernel not in ("auto", "numba", "numpy"):
        raise ParameterError(f"unknown kernel '{kernel}'; valid: auto, numba, numpy")
    if kernel == "numpy":
        return kernel
    wanted = kernel == "numba" or forced or warm() or rows is None or rows >= JIT_MIN_ROWS
    if not wanted:
        return "numpy"  # decided without importing numba (≈ 0.2 s of a small run)
    if not available():
        if kernel == "numba":
            raise ParameterError("the numba kernel is not available (numba cannot be imported)")
        return "numpy"
    return "numba"


def _linear_py(
    X: Any,
    start: int,
    stop: int,
    perm: Any,
    mult: Any,
    q: Any,
    slope: Any,
    wcap: Any,
    inv_span: Any,
    steps: Any,
    starts: Any,
    ends: Any,
    dim_total: Any,
    root_w: Any,
    root_total: float,
    s0: float,
    score: Any,
    grade: Any,
    validity: Any,
    dsp: Any,
    Bp: Any,
    Bdp: Any,
    lsp: Any,
    want_b: bool,
    want_bd: bool,
    want_ls: bool,
) -> None:  # pragma: no cover - compiled (the numpy twin is evalsys.scoring.evaluate)
    """Fused fast path over rows ``start:stop`` (see :func:`linear_block`).

    Every inner loop runs over the entities of a block (contiguous, branch-free: the
    compiler vectorises it); the loops around it run over dimensions, leaves and grades.
    """
    D = starts.shape[0]
    K = q.shape[1]
    G = K + 1
    nb = BLOCK
    S = np.empty((D, K, nb))
    Sr = np.empty((K, nb))
    br = np.empty((G, nb))
    acc = np.empty(nb)
    ls = np.empty(nb)
    top1 = np.empty(nb)
    top2 = np.empty(nb)
    best = np.empty(nb, dtype=np.intp)
    W = root_total
    for a in range(start, stop, nb):
        n = min(nb, stop - a)
        # weighted ramp sums S[d, k] = Σ_l clip((m_l x_l − q_lk) c_lk, 0, W_l), in leaf order;
        # clipped as np.maximum then np.minimum: −0.0 becomes +0.0 and a NaN (an overflow
        # of x − q, or inf · 0) stays NaN, as in the numpy kernel
        for d in range(D):
            s_ = starts[d]
            for j in range(s_, ends[d]):
                col = perm[j]
                m = mult[j]
                w = wcap[j]
                x = X[a : a + n, col]
                if want_ls:
                    for i in range(n):
                        ls[i] = s0
                for k in range(K):
                    qk = q[j, k]
                    ck = slope[j, k]
                    if want_ls:
                        ik = inv_span[j, k]
                        sk = steps[k]
                        for i in range(n):
                            lk = (x[i] * m - qk) * ik
                            lk = lk if (lk > 0.0 or lk != lk) else 0.0
                            lk = lk if (lk < 1.0 or lk != lk) else 1.0
                            ls[i] += lk * sk
                    # one comparison per clip (a select the compiler vectorises): NaN
                    # compares false, so it stays; −0.0 <= 0.0, so it becomes +0.0.  A
                    # unit multiplier is skipped (x · 1.0 is x, bit for bit)
                    out = S[d, k]
                    first = j == s_
                    if m == 1.0 and first:
                        for i in range(n):
                            r = (x[i] - qk) * ck
                            r = 0.0 if r <= 0.0 else r
                            out[i] = w if r >= w else r
                    elif m == 1.0:
                        for i in range(n):
                            r = (x[i] - qk) * ck
                            r = 0.0 if r <= 0.0 else r
                            out[i] += w if r >= w else r
                    elif first:
                        for i in range(n):
                            r = (x[i] * m - qk) * ck
                            r = 0.0 if r <= 0.0 else r
                            out[i] = w if r >= w else r
                    else:
                        for i in range(n):
                            r = (x[i] * m - qk) * ck
                            r = 0.0 if r <= 0.0 else r
                            out[i] += w if r >= w else r
                if want_ls:
                    dst = lsp[col, a : a + n]
                    for i in range(n):
                        dst[i] = ls[i]
        # dimension scores s_0 + Σ_k (s_{k+1} − s_k) S_dk / W_d
        for d in range(D):
            for i in range(n):
                acc[i] = S[d, 0, i] * steps[0]
            for k in range(1, K):
                for i in range(n):
                    acc[i] += S[d, k, i] * steps[k]
            dt = dim_total[d]
            dst = dsp[d, a : a + n]
            for i in range(n):
                dst[i] = acc[i] / dt + s0
        # root ramp sums Σ_d a_d S_dk, score
        for k in range(K):
            r0 = root_w[0]
            for i in range(n):
                Sr[k, i] = S[0, k, i] * r0
            for d in range(1, D):
                rd = root_w[d]
                for i in range(n):
                    Sr[k, i] += S[d, k, i] * rd
        for i in range(n):
            acc[i] = Sr[0, i] * steps[0]
        for k in range(1, K):
            for i in range(n):
                acc[i] += Sr[k, i] * steps[k]
        dst = score[a : a + n]
        for i in range(n):
            dst[i] = acc[i] / W + s0
        # root B: B_0 = W − S_0, B_g = S_{g−1} − S_g, B_{G−1} = S_{G−2}
        for i in range(n):
            br[K, i] = Sr[K - 1, i]
        for k in range(K - 1, 0, -1):
            for i in range(n):
                br[k, i] = Sr[k - 1, i] - Sr[k, i]
        for i in range(n):
            br[0, i] = W - Sr[0, i]
        # first maximum, second largest share (np.minimum / np.maximum: NaN propagates)
        for i in range(n):
            top1[i] = br[0, i]
            top2[i] = -np.inf
            best[i] = 0
        for g in range(1, G):
            for i in range(n):
                b = br[g, i]
                t1 = top1[i]
                t = t1 if (t1 <= b or t1 != t1) else b
                t2 = top2[i]
                top2[i] = t2 if (t2 >= t or t2 != t2) else t
                best[i] = g if b > t1 else best[i]
                top1[i] = t1 if (t1 >= b or t1 != t1) else b
        gden = 2.0 * (G - 1)
        for i in range(n):
            grade[a + i] = best[i]
            beta = top1[i] / W
            beta *= G
            beta -= 1.0
            gamma = top2[i] / W
            val = beta / (gamma * gden)
            validity[a + i] = np.inf if top2[i] == 0 else val
        if want_b:
            for g in range(G):
                dst = Bp[g, a : a + n]
                for i in range(n):
                    dst[i] = br[g, i]
        if want_bd:
            for d in range(D):
                dst = Bdp[d, K, a : a + n]
                for i in range(n):
                    dst[i] = S[d, K - 1, i]
                for k in range(K - 1, 0, -1):
                    dst = Bdp[d, k, a : a + n]
                    for i in range(n):
                        dst[i] = S[d, k - 1, i] - S[d, k, i]
                dt = dim_total[d]
                dst = Bdp[d, 0, a : a + n]
                for i in range(n):
                    dst[i] = dt - S[d, 0, i]


def _hash_py(offsets: Any, data: Any, p: Any, mix: Any) -> Any:  # pragma: no cover
    """h = Σ_j b_j pⁿ⁻¹⁻ʲ (mod 2⁶⁴) by Horner's rule, then h XOR (n · mix)."""
    n = offsets.shape[0] - 1
    out = np.empty(n, dtype=np.uint64)
    base = offsets[0]
    for i in range(n):
        h = np.uint64(0)
        lo = offsets[i] - base
        hi = offsets[i + 1] - base
        for j in range(lo, hi):
            h = h * p + np.uint64(data[j])
        out[i] = h ^ (np.uint64(hi - lo) * mix)
    return out


@functools.cache
def _compiled() -> tuple[Any, Any]:
    """JIT-compile (or load from numba's cache) the kernels."""
    numba = _numba()
    if numba is None:  # pragma: no cover - guarded by available()
        raise RuntimeError("numba is not available")
    opts = {"nogil": True, "cache": True, "error_model": "numpy"}
    linear = numba.njit(**opts)(_linear_py)
    hashed = numba.njit(**opts)(_hash_py)
    return linear, hashed


def linear_block(
    X: npt.NDArray[np.float64],
    start: int,
    stop: int,
    plan: Any,
    grade_scores: npt.NDArray[np.float64],
    score: npt.NDArray[np.float64],
    grade: npt.NDArray[np.intp],
    validity: npt.NDArray[np.float64],
    dsp: npt.NDArray[np.float64],
    Bp: npt.NDArray[np.float64] | None,
    Bdp: npt.NDArray[np.float64] | None,
    lsp: npt.NDArray[np.float64] | None,
) -> None:
    r"""Score rows ``start:stop`` of X (E, L) on the M(·,+) fast path, in one pass.

    ``plan`` is an :class:`evalsys.scoring.evaluate._LinearPlan`.  For every block of
    :data:`BLOCK` entities the weighted ramp sums
    :math:`S_{dk} = \sum_{l \in d} \mathrm{clip}((m_l x_l - q_{lk})\,c_{lk}, 0, W_l)` are
    accumulated leaf by leaf, then each entity's dimension scores, root ramp sums
    :math:`\sum_d a_d S_{dk}`, score, first-maximum grade and validity are computed from
    them (formulas of :func:`evalsys.scoring.evaluate._linear_epilogue`).  Writes the outputs:
    ``score``, ``grade``, ``validity`` (E,); ``dsp`` (D, E) dimension scores; optionally
    ``Bp`` (G, E) root B, ``Bdp`` (D, G, E) dimension B and ``lsp`` (L, E) leaf scores.
    Releases the GIL, so parts of one table run in parallel threads.
    """
    linear, _ = _compiled()
    _mark_warm()
    L = X.shape[1]
    perm = np.arange(L, dtype=np.intp) if plan.perm is None else plan.perm
    empty2 = np.empty((0, 0))
    empty3 = np.empty((0, 0, 0))
    linear(
        X,
        start,
        stop,
        perm,
        plan.mult,
        plan.q,
        plan.slope,
        plan.wdim,
        plan.inv_span,
        plan.score_steps,
        plan.starts,
        plan.ends,
        plan.dim_total,
        plan.root_w,
        float(plan.root_total),
        float(grade_scores[0]),
        score,
        grade,
        validity,
        dsp,
        empty2 if Bp is None else Bp,
        empty3 if Bdp is None else Bdp,
        empty2 if lsp is None else lsp,
        Bp is not None,
        Bdp is not None,
        lsp is not None,
    )


def hash_strings(
    offsets: npt.NDArray[np.int32], data: npt.NDArray[np.uint8], p: int, mix: int
) -> npt.NDArray[np.uint64]:
    """The polynomial hash of :func:`evalsys.engines.stream.hash_strings`, one pass over the
    bytes."""
    _, hashed = _compiled()
    out: npt.NDArray[np.uint64] = hashed(offsets, data, np.uint64(p), np.uint64(mix))
    _mark_warm()
    return out
