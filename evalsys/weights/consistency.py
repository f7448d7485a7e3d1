"""Consistency indices beyond CR: GCI, Koczkodaj's index, hierarchical CR, Monte Carlo RI.

The CR itself (RI tables, CI, CR, thresholds) is :mod:`evalsys.weights.ri_tables`; the
diagnosis of the worst judgments and repair suggestions are
:mod:`evalsys.weights.diagnosis`.

References
----------
.. [1] Aguarón, J., Moreno-Jiménez, J. M. (2003). The geometric consistency index:
   approximated thresholds. *Eur. J. Oper. Res.* 147(1), 137–145.
.. [2] Koczkodaj, W. W. (1993). A new definition of consistency of pairwise comparisons.
   *Math. Comput. Modelling* 18(7), 79–84.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys.errors import EvalsysError, ShapeError
from evalsys.weights.ahp import SAATY_SCALE, FloatArray, MatrixLike, geometric_mean, validate_matrix
from evalsys.weights.eigen import principal_eigenpair

__all__ = [
    "gci",
    "gci_threshold",
    "hierarchical_cr",
    "koczkodaj",
    "ri_simulate",
]


def _as_result(x: FloatArray) -> float | FloatArray:
    return float(x) if x.ndim == 0 else x


def gci(matrix: MatrixLike) -> float | FloatArray:
    """Geometric consistency index of a matrix or a stack.

    Notes
    -----
    With ``w`` the row geometric mean (the priority vector GCI is designed for),

    .. math:: GCI = \\frac{2}{(n-1)(n-2)} \\sum_{i<j} \\log^2\\left(a_{ij}\\frac{w_j}{w_i}\\right)

    and GCI = 0 for ``n ≤ 2``.  Thresholds equivalent to CR = 0.10 are given by
    :func:`gci_threshold` (0.31, 0.35, 0.37 for n = 3, 4, > 4) [1]_.

    References
    ----------
    .. [1] Aguarón, J., Moreno-Jiménez, J. M. (2003). The geometric consistency index:
       approximated thresholds. *Eur. J. Oper. Res.* 147(1), 137–145.

    Examples
    --------
    >>> round(gci([[1, 2, 8], [1/2, 1, 2], [1/8, 1/2, 1]]), 4)
    0.1602
    """
    a = validate_matrix(matrix, on_out_of_scale="ignore")
    n = a.shape[-1]
    if n <= 2:
        return _as_result(np.zeros(a.shape[:-2]))
    y = np.log(geometric_mean(a))
    e = np.log(a) - y[..., :, None] + y[..., None, :]
    # e is antisymmetric, so the sum over i<j is half the sum over all (i, j)
    return _as_result((e**2).sum(axis=(-2, -1)) / ((n - 1) * (n - 2)))


def gci_threshold(n: int) -> float:
    """GCI limits of Aguarón & Moreno-Jiménez (2003) equivalent to CR = 0.10.

    0.31 for n = 3, 0.35 for n = 4, 0.37 for n > 4; ``math.inf`` for n ≤ 2, where every
    reciprocal matrix is consistent and GCI is 0.
    """
    if n <= 2:
        return math.inf
    return {3: 0.31, 4: 0.35}.get(n, 0.37)


def _triads(n: int) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    i, j, k = np.indices((n, n, n)).reshape(3, -1)
    keep = (i < j) & (j < k)
    return i[keep], j[keep], k[keep]


def koczkodaj(matrix: MatrixLike) -> float | FloatArray:
    """Koczkodaj's inconsistency index of a matrix or a stack.

    Notes
    -----
    The worst triad ``i < j < k``:

    .. math:: K = \\max_{i<j<k} \\min\\left(\\left|1 - \\frac{a_{ik}}{a_{ij} a_{jk}}\\right|,
              \\left|1 - \\frac{a_{ij} a_{jk}}{a_{ik}}\\right|\\right)

    0 for ``n ≤ 2`` and for consistent matrices; always in ``[0, 1)``.

    References
    ----------
    .. [1] Koczkodaj, W. W. (1993). A new definition of consistency of pairwise
       comparisons. *Math. Comput. Modelling* 18(7), 79–84.
    .. [2] Duszak, Z., Koczkodaj, W. W. (1994). Generalization of a new definition of
       consistency for pairwise comparisons. *Inf. Process. Lett.* 52(5), 273–276.

    Examples
    --------
    >>> round(koczkodaj([[1, 2, 8], [1/2, 1, 2], [1/8, 1/2, 1]]), 4)
    0.5
    """
    a = validate_matrix(matrix, on_out_of_scale="ignore")
    n = a.shape[-1]
    if n <= 2:
        return _as_result(np.zeros(a.shape[:-2]))
    i, j, k = _triads(n)
    x = a[..., i, k] / (a[..., i, j] * a[..., j, k])
    per_triad = np.minimum(np.abs(1.0 - x), np.abs(1.0 - 1.0 / x))
    return _as_result(per_triad.max(axis=-1))


def hierarchical_cr(
    parent_weights: ArrayLike, child_ci: ArrayLike, child_ri: ArrayLike
) -> float | FloatArray:
    """Overall consistency ratio of one hierarchy level (层次总排序一致性).

    Parameters
    ----------
    parent_weights
        ``(..., m)`` weights ``a_j`` of the ``m`` parent elements (global weights of the
        level above).
    child_ci, child_ri
        ``(..., m)`` CI and RI of the judgment matrix below each parent (RI = 0 for
        matrices of order ≤ 2).

    Returns
    -------
    float or numpy.ndarray
        ``CR = Σ_j a_j CI_j / Σ_j a_j RI_j``; 0 when the denominator is 0 (all child
        matrices of order ≤ 2).  The level is accepted when CR < 0.10; Saaty's
        convention adds the CR of the levels above (cumulative CR).

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*, ch. 3. McGraw-Hill.

    Examples
    --------
    >>> round(hierarchical_cr([0.5, 0.3, 0.2], [0.02, 0.05, 0.0], [0.58, 0.90, 0.0]), 4)
    0.0446
    """
    w = np.asarray(parent_weights, dtype=np.float64)
    ci = np.asarray(child_ci, dtype=np.float64)
    ri = np.asarray(child_ri, dtype=np.float64)
    if not (w.shape[-1:] == ci.shape[-1:] == ri.shape[-1:]):
        raise ShapeError(
            f"parent_weights {w.shape}, child_ci {ci.shape} and child_ri {ri.shape} must "
            "have the same last axis (one entry per parent element)"
        )
    num = (w * ci).sum(axis=-1)
    den = (w * ri).sum(axis=-1)
    safe = np.where(den > 0, den, 1.0)
    return _as_result(np.where(den > 0, num / safe, 0.0))


def ri_simulate(
    n: int,
    samples: int = 10_000,
    *,
    seed: int | np.random.Generator | None = None,
    scale: Sequence[float] = SAATY_SCALE,
    chunk: int = 50_000,
) -> float:
    """Monte Carlo random index: the mean CI of random reciprocal matrices.

    Parameters
    ----------
    n
        Matrix order.
    samples
        Number of random matrices.
    seed
        Seed or generator; the same seed (and ``chunk``) gives the same value.
    scale
        Values the upper-triangle judgments are drawn from, uniformly; default the 17
        values of Saaty's scale 1/9 … 1/2, 1, 2 … 9 (the design of Alonso & Lamata 2006).
    chunk
        Matrices generated per vectorised batch (bounds memory).

    Returns
    -------
    float
        ``mean((λmax − n)/(n − 1))`` with λmax the Perron root; 0 for ``n ≤ 2``.  The
        standard deviation of CI over random Saaty-scale matrices is about 0.7 (n = 3),
        0.5 (n = 5), 0.24 (n = 9) and 0.13 (n = 15); divide by ``sqrt(samples)`` for the
        standard error.

    Examples
    --------
    >>> abs(ri_simulate(5, 20_000, seed=1) - 1.1086) < 0.02   # Alonso & Lamata's value
    True
    """
    if n <= 2:
        return 0.0
    if samples < 1:
        raise EvalsysError(f"samples must be >= 1, got {samples}")
    rng = np.random.default_rng(seed)
    values = np.asarray(scale, dtype=np.float64)
    iu, ju = np.triu_indices(n, k=1)
    total = 0.0
    for start in range(0, samples, chunk):  # memory chunks, each one vectorised batch
        m = min(chunk, samples - start)
        draws = values[rng.integers(0, values.size, size=(m, iu.size))]
        a = np.ones((m, n, n))
        a[:, iu, ju] = draws
        a[:, ju, iu] = 1.0 / draws
        lam = principal_eigenpair(a)[1]
        total += float(((lam - n) / (n - 1)).sum())
    return total / samples
