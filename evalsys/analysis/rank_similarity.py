"""Rank-similarity coefficients that compare the rankings two methods give.

It owns the coefficients registered in :data:`RANK_SIMILARITIES` — Spearman's
:math:`r_s`, the weighted Spearman :math:`r_w` (Dancelli et al. 2013), the WS coefficient
(Sałabun & Urbaniak 2020) and Kendall's :math:`\\tau_b` — and :func:`rank_similarity`,
which validates two rankings once and dispatches by name.  The inputs are *rankings*
(positions, 1 = best, as :attr:`evalsys.scoring.mcda.MCDAResult.ranks` or the ``rank``
column of ``evalsys score``), not scores.

Every coefficient is vectorised: ``y`` may hold a stack of rankings of shape (..., n)
compared with one reference ``x`` (n,) at once (Kendall loops over the stack, each in
:math:`O(n \\log n)` by :func:`scipy.stats.kendalltau`).  :math:`r_w` and WS weight
disagreements at the top of the ranking more than at the bottom; WS is asymmetric
(``x`` is the reference).

References
----------
.. [1] Spearman, C. (1904). The proof and measurement of association between two things.
       *American Journal of Psychology* 15(1), 72–101.
.. [2] Kendall, M. G. (1945). The treatment of ties in ranking problems. *Biometrika*
       33(3), 239–251.
.. [3] Dancelli, L., Manisera, M. and Vezzoli, M. (2013). On two classes of weighted rank
       correlation measures deriving from the Spearman's ρ. In *Statistical Models for
       Data Analysis*, Springer, 107–114. doi:10.1007/978-3-319-00032-9_13
.. [4] Pinto da Costa, J. and Soares, C. (2005). A weighted rank measure of correlation.
       *Australian & New Zealand Journal of Statistics* 47(4), 515–529.
.. [5] Sałabun, W. and Urbaniak, K. (2020). A new coefficient of rankings similarity in
       decision-making problems. In *Computational Science – ICCS 2020*, LNCS 12138,
       Springer, 632–645. doi:10.1007/978-3-030-50417-5_47
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from evalsys._registry import Registry
from evalsys.errors import DataError, ShapeError

__all__ = [
    "RANK_SIMILARITIES",
    "kendall_tau",
    "rank_similarity",
    "spearman",
    "weighted_spearman",
    "ws_coefficient",
]

FloatArray = NDArray[np.float64]

#: A coefficient ``(x (n,), y (..., n)) -> (...)`` on validated rankings.
Coefficient = Callable[[FloatArray, FloatArray], FloatArray]

RANK_SIMILARITIES: Registry[Coefficient] = Registry("rank-similarity coefficient")


def _pearson(x: FloatArray, y: FloatArray) -> FloatArray:
    xc = x - x.mean()
    yc = y - y.mean(axis=-1, keepdims=True)
    den = np.sqrt((xc * xc).sum() * (yc * yc).sum(axis=-1))
    out: FloatArray = (yc * xc).sum(axis=-1) / den
    return out


@RANK_SIMILARITIES.register("spearman", aliases=("rs", "spearman_rho"))
def _spearman(x: FloatArray, y: FloatArray) -> FloatArray:
    return _pearson(x, y)


@RANK_SIMILARITIES.register("weighted_spearman", aliases=("rw",))
def _weighted_spearman(x: FloatArray, y: FloatArray) -> FloatArray:
    n = x.shape[-1]
    num = 6.0 * (np.square(x - y) * ((n - x + 1) + (n - y + 1))).sum(axis=-1)
    out: FloatArray = 1.0 - num / float(n**4 + n**3 - n**2 - n)
    return out


@RANK_SIMILARITIES.register("ws", aliases=("ws_coefficient", "salabun"))
def _ws(x: FloatArray, y: FloatArray) -> FloatArray:
    n = x.shape[-1]
    den = np.maximum(np.abs(x - 1.0), np.abs(x - n))
    out: FloatArray = 1.0 - (np.exp2(-x) * np.abs(x - y) / den).sum(axis=-1)
    return out


@RANK_SIMILARITIES.register("kendall", aliases=("kendall_tau", "tau_b"))
def _kendall(x: FloatArray, y: FloatArray) -> FloatArray:
    from scipy.stats import kendalltau  # lazy: keeps start-up fast

    flat = y.reshape(-1, y.shape[-1])
    tau = np.array([kendalltau(x, row).statistic for row in flat], dtype=np.float64)
    out: FloatArray = tau.reshape(y.shape[:-1])
    return out


def _validate(x_in: npt.ArrayLike, y_in: npt.ArrayLike, name: str) -> tuple[FloatArray, FloatArray]:
    try:
        x = np.asarray(x_in, dtype=np.float64)
        y = np.asarray(y_in, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"rankings must be numeric: {exc}") from exc
    if x.ndim != 1:
        raise ShapeError(f"the reference ranking x must be 1-D, got shape {x.shape}")
    n = x.size
    if n < 2:
        raise ShapeError(f"rankings need at least 2 positions, got {n}")
    if y.ndim < 1 or y.shape[-1] != n:
        raise ShapeError(f"y must have shape (..., {n}) to match x, got {y.shape}")
    for label, r in (("x", x), ("y", y)):
        bad = ~np.isfinite(r) | (r < 1) | (r > n)
        if bad.any():
            raise DataError(
                f"{label} is not a ranking of {n} positions: values must lie in [1, {n}] "
                "(1 = best); rank scores first (evalsys.scoring.grading.ranks)"
            )
    if name in ("spearman", "kendall"):
        flat = y.reshape(-1, n)
        if np.ptp(x) == 0 or (np.ptp(flat, axis=1) == 0).any():
            raise DataError(f"{name} is undefined for a ranking in which every position ties")
    return x, y


def rank_similarity(x: npt.ArrayLike, y: npt.ArrayLike, method: str = "ws") -> float | FloatArray:
    """Similarity of ranking(s) ``y`` to the reference ranking ``x``.

    Parameters
    ----------
    x : array_like, shape (n,)
        Reference ranking: position of each alternative, 1 = best (ties allowed).
    y : array_like, shape (n,) or (..., n)
        Ranking(s) to compare, same alternatives in the same order.
    method : str
        A name in :data:`RANK_SIMILARITIES`: ``"spearman"``, ``"weighted_spearman"``
        (alias ``"rw"``), ``"ws"``, ``"kendall"``.

    Returns
    -------
    float or ndarray of shape (...)
        A float for a single ``y``; 1 when ``y`` equals ``x`` (every coefficient).

    Raises
    ------
    ShapeError
        ``x`` not 1-D, fewer than 2 positions, ``y`` not (..., n).
    DataError
        Values outside [1, n] or non-finite; Spearman or Kendall of an all-tied ranking.
    UnknownMethodError
        ``method`` not registered.

    Notes
    -----
    With :math:`x_i, y_i` the positions of alternative i among n:

    .. math::

        r_s = \\frac{\\operatorname{cov}(x, y)}{\\sigma_x \\sigma_y}
        \\;\\Bigl(= 1 - \\frac{6\\sum_i (x_i - y_i)^2}{n(n^2 - 1)} \\text{ without ties}\\Bigr),

        r_w = 1 - \\frac{6\\sum_i (x_i - y_i)^2\\,\\bigl((n - x_i + 1) + (n - y_i + 1)\\bigr)}
              {n^4 + n^3 - n^2 - n},

        WS = 1 - \\sum_i 2^{-x_i}\\,\\frac{|x_i - y_i|}{\\max(|x_i - 1|, |x_i - n|)},

    and Kendall's :math:`\\tau_b = (C - D)/\\sqrt{(n_0 - n_x)(n_0 - n_y)}` over the
    :math:`n_0 = n(n-1)/2` pairs (C concordant, D discordant, :math:`n_x, n_y` pairs tied
    in x, in y).  :math:`r_s, r_w, \\tau_b \\in [-1, 1]`; WS lies in [0, 1] for
    permutations (Sałabun & Urbaniak 2020).

    Examples
    --------
    Sałabun & Urbaniak (2020): swapping the two best of five alternatives and swapping
    the two worst give the same Spearman's 0.9, but WS tells them apart.

    >>> x = [1, 2, 3, 4, 5]
    >>> rank_similarity(x, [2, 1, 3, 4, 5], "spearman")
    0.9
    >>> round(rank_similarity(x, [2, 1, 3, 4, 5], "ws"), 4)
    0.7917
    >>> round(rank_similarity(x, [1, 2, 3, 5, 4], "ws"), 4)
    0.9714
    """
    name = RANK_SIMILARITIES.canonical(method)
    xa, ya = _validate(x, y, name)
    out = RANK_SIMILARITIES.get(name)(xa, ya)
    if out.ndim == 0:
        return float(out)
    return out


def spearman(x: npt.ArrayLike, y: npt.ArrayLike) -> float | FloatArray:
    """Spearman's :math:`r_s` of two rankings (:func:`rank_similarity`, ``"spearman"``)."""
    return rank_similarity(x, y, "spearman")


def weighted_spearman(x: npt.ArrayLike, y: npt.ArrayLike) -> float | FloatArray:
    """Weighted Spearman :math:`r_w` (Dancelli et al. 2013; :func:`rank_similarity`)."""
    return rank_similarity(x, y, "weighted_spearman")


def ws_coefficient(x: npt.ArrayLike, y: npt.ArrayLike) -> float | FloatArray:
    """WS similarity of ``y`` to the reference ``x`` (Sałabun & Urbaniak 2020)."""
    return rank_similarity(x, y, "ws")


def kendall_tau(x: npt.ArrayLike, y: npt.ArrayLike) -> float | FloatArray:
    """Kendall's :math:`\\tau_b` of two rankings (:func:`rank_similarity`, ``"kendall"``)."""
    return rank_similarity(x, y, "kendall")
