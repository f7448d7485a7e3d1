"""The principal eigenpair (Perron root and vector) of stacks of positive matrices, and λmax.

:func:`principal_eigenpair` is the kernel of the eigenvector priority method, of the Monte
Carlo RI and of incomplete matrices (Harker's matrix); :func:`lambda_max` is the textbook
λmax estimate for any priority vector.  Both take stacks ``(..., n, n)`` and trust their
input (validated, positive matrices).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evalsys.errors import MatrixError

__all__ = ["lambda_max", "principal_eigenpair"]

FloatArray = NDArray[np.float64]


def principal_eigenpair(
    a: FloatArray, *, tol: float = 1e-12, max_squarings: int = 24
) -> tuple[FloatArray, FloatArray]:
    """Perron root and vector of every matrix in a stack of positive matrices.

    Parameters
    ----------
    a
        ``(..., n, n)`` positive matrices (or non-negative primitive ones, e.g. Harker's
        matrix of a connected incomplete judgment graph).
    tol
        Relative width of the Collatz–Wielandt bracket at which a matrix counts as
        converged (see Notes).
    max_squarings
        Squarings tried before the few unconverged matrices fall back to LAPACK ``geev``.

    Returns
    -------
    w : numpy.ndarray
        ``(..., n)`` positive vectors summing to 1.
    lam : numpy.ndarray
        ``(...)`` Perron roots, computed as ``mean_i (A w)_i / w_i``.

    Notes
    -----
    Power iteration by repeated squaring: ``B ← B² / sum(B²)`` starting from ``A``, so
    after ``k`` squarings ``B ∝ A^(2^k)`` and ``w ∝ B·1``.  All entries stay positive, so
    there is no cancellation.  Convergence is certified per matrix by the Collatz–Wielandt
    bounds ``min_i (Aw)_i/w_i ≤ λmax ≤ max_i (Aw)_i/w_i``: a matrix is done when
    ``max − min ≤ tol · mean``.  Six squarings (``A^64``) settle almost every 9×9 Saaty
    matrix; the rest are squared further on the unconverged subset only, and any still
    open after ``max_squarings`` are solved with :func:`numpy.linalg.eig`, whose Perron
    pair is checked to be real and positive.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    .. [2] Horn, R. A., Johnson, C. R. (2013). *Matrix Analysis*, 2nd ed., §8.1
       (Collatz–Wielandt formula). Cambridge University Press.
    """
    batch = a.shape[:-2]
    n = a.shape[-1]
    flat = a.reshape(-1, n, n)
    w_out = np.empty((flat.shape[0], n))
    lam_out = np.empty(flat.shape[0])
    todo = np.arange(flat.shape[0])
    b = flat / flat.sum(axis=(-2, -1), keepdims=True)
    squarings = 0
    first_check = min(6, max_squarings)
    while todo.size:
        steps = first_check if squarings == 0 else 1
        for _ in range(steps):
            b = b @ b
            b /= b.sum(axis=(-2, -1), keepdims=True)
        squarings += steps
        w = b.sum(axis=-1)
        w /= w.sum(axis=-1, keepdims=True)
        ratios = np.einsum("sij,sj->si", flat[todo], w) / w
        hi, lo, mean = ratios.max(axis=-1), ratios.min(axis=-1), ratios.mean(axis=-1)
        done = (hi - lo) <= tol * mean
        w_out[todo[done]] = w[done]
        lam_out[todo[done]] = mean[done]
        todo, b = todo[~done], b[~done]
        if todo.size and squarings >= max_squarings:
            w_f, lam_f = _eig_fallback(flat[todo])
            w_out[todo], lam_out[todo] = w_f, lam_f
            break
    return w_out.reshape(*batch, n), lam_out.reshape(batch)


def _eig_fallback(flat: FloatArray) -> tuple[FloatArray, FloatArray]:
    vals, vecs = np.linalg.eig(flat)
    k = np.argmax(vals.real, axis=-1)
    lam = np.take_along_axis(vals, k[:, None], axis=-1)[:, 0]
    vec = np.take_along_axis(vecs, k[:, None, None], axis=-1)[..., 0]
    vec = vec / vec.sum(axis=-1, keepdims=True)
    if (
        np.abs(lam.imag).max(initial=0.0) > 1e-9 * np.abs(lam).max(initial=1.0)
        or np.abs(vec.imag).max(initial=0.0) > 1e-9
        or (vec.real <= 0).any()
    ):
        raise MatrixError(
            "principal eigenvector is not real and positive; the matrix is not positive "
            "(or its judgment graph is not connected)"
        )
    w = vec.real
    ratios = np.einsum("sij,sj->si", flat, w) / w
    return w, ratios.mean(axis=-1)


def lambda_max(a: FloatArray, w: FloatArray) -> FloatArray:
    """λmax estimate ``mean_i (A w)_i / w_i`` for stacks ``(..., n, n)`` and ``(..., n)``.

    For the principal eigenvector this is the Perron root itself (every ratio equals it);
    for other priority vectors it is the usual textbook estimate (Saaty 1980).  For a
    reciprocal matrix it is always ``≥ n`` (``n + Σ_{i<j} (ε_ij + 1/ε_ij − 2) / n`` with
    ``ε_ij = a_ij w_j / w_i``), with equality iff ``a_ij = w_i / w_j`` for all pairs.
    """
    ratios = np.einsum("...ij,...j->...i", a, w) / w
    out: FloatArray = ratios.mean(axis=-1)
    return out
