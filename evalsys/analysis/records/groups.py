"""Grouped statistics without a group loop: count, mean, std, CV and quantiles per group.

Owns :class:`GroupStats`, :func:`group_quantiles` (numpy's ``linear`` method, one sort)
and :func:`group_stats` (``numpy.bincount`` sums); the dispersion conventions are
defined in :mod:`evalsys.analysis.records`.

References
----------
.. [2] R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", *The American
   Statistician* 50(4), 361–365, 1996 (definition 7); ``numpy.percentile``
   (``method="linear"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.analysis.records._shared import FloatArray, IntArray
from evalsys.errors import ShapeError

__all__ = ["GroupStats", "group_quantiles", "group_stats"]


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Statistics of a value per group (NaN where a group has too few values).

    Attributes
    ----------
    n
        (G,) number of values.
    mean, std, cv, median, p90, q1, q3, iqr
        (G,) mean; standard deviation with divisor ``n - ddof``; ``std / mean``; quantiles
        0.5, 0.9, 0.25, 0.75 (numpy ``linear``); ``q3 - q1``.
    ddof
        Delta degrees of freedom used for ``std``.
    """

    n: IntArray
    mean: FloatArray
    std: FloatArray
    cv: FloatArray
    median: FloatArray
    p90: FloatArray
    q1: FloatArray
    q3: FloatArray
    iqr: FloatArray
    ddof: int = 1


def _check_groups(codes: npt.ArrayLike, values: npt.ArrayLike, n_groups: int) -> Any:
    c = np.asarray(codes)
    x = np.asarray(values, dtype=np.float64)
    if c.ndim != 1 or x.shape != c.shape:
        raise ShapeError(f"codes and values must be 1-D of one length; got {c.shape}, {x.shape}")
    if c.size and (not np.issubdtype(c.dtype, np.integer) or c.min() < 0 or c.max() >= n_groups):
        raise ShapeError(f"group codes must be integers in [0, {n_groups})")
    if not np.isfinite(x).all():
        raise ShapeError("values must be finite (filter NaN before grouping)")
    return c.astype(np.intp), x


def _lerp(a: FloatArray, b: FloatArray, t: FloatArray) -> FloatArray:
    """numpy's ``_lerp`` (used by ``percentile``), reproduced for identical results."""
    diff = b - a
    out = a + diff * t
    hi = t >= 0.5
    out[hi] = (b - diff * (1 - t))[hi]
    return out


def group_quantiles(
    codes: npt.ArrayLike, values: npt.ArrayLike, n_groups: int, q: Sequence[float]
) -> FloatArray:
    """Quantiles of ``values`` per group, numpy ``linear`` method, without a group loop.

    Sort by (group, value) once; group g occupies ``[start_g, start_g + n_g)`` of the
    sorted array, and quantile q of it is the linear interpolation at position
    :math:`h = (n_g - 1) q` [2]_.

    Parameters
    ----------
    codes
        (n,) group of each value, integers in ``[0, n_groups)``.
    values
        (n,) finite values.
    n_groups
        Number of groups G (groups without values give NaN).
    q
        Quantiles in [0, 1].

    Returns
    -------
    numpy.ndarray
        (G, len(q)).

    Examples
    --------
    >>> group_quantiles([0, 0, 0, 1], [3.0, 1.0, 2.0, 5.0], 3, [0.5, 0.9])
    array([[2. , 2.8],
           [5. , 5. ],
           [nan, nan]])
    """
    c, x = _check_groups(codes, values, n_groups)
    qs = np.asarray(q, dtype=np.float64)
    if qs.ndim != 1 or ((qs < 0) | (qs > 1)).any():
        raise ShapeError("quantiles must be a 1-D sequence in [0, 1]")
    counts = np.bincount(c, minlength=n_groups)
    order = np.lexsort((x, c))
    xs = x[order]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    h = (np.maximum(counts, 1)[:, None] - 1) * qs[None, :]
    lo = np.floor(h)
    gamma = h - lo
    lo_i = lo.astype(np.intp)
    hi_i = np.minimum(lo_i + 1, np.maximum(counts, 1)[:, None] - 1)
    empty = counts == 0
    if xs.size == 0:
        return np.full((n_groups, qs.size), np.nan)
    i_lo = np.where(empty[:, None], 0, starts[:, None] + lo_i)
    i_hi = np.where(empty[:, None], 0, starts[:, None] + hi_i)
    out = _lerp(xs[i_lo], xs[i_hi], gamma)
    out[empty] = np.nan
    return out


def group_stats(
    codes: npt.ArrayLike, values: npt.ArrayLike, n_groups: int, *, ddof: int = 1
) -> GroupStats:
    """Count, mean, std, CV, median, p90 and IQR of ``values`` per group (vectorised).

    Means and variances by ``numpy.bincount`` (two passes: mean, then squared deviations
    from each group's mean); quantiles by :func:`group_quantiles`.

    .. math:: \\bar x_g = \\frac{1}{n_g}\\sum_{i \\in g} x_i,\\quad
              s_g = \\sqrt{\\frac{\\sum_{i \\in g} (x_i - \\bar x_g)^2}{n_g - \\mathrm{ddof}}},
              \\quad \\mathrm{CV}_g = s_g / \\bar x_g

    Examples
    --------
    >>> st = group_stats([0, 0, 0, 0], [10.0, 20.0, 30.0, 40.0], 1)
    >>> float(st.mean[0]), float(st.median[0]), float(st.iqr[0])
    (25.0, 25.0, 15.0)
    """
    c, x = _check_groups(codes, values, n_groups)
    if ddof < 0:
        raise ShapeError("ddof must be >= 0")
    n = np.bincount(c, minlength=n_groups).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(c, weights=x, minlength=n_groups) / n
        dev = x - mean[c]
        ss = np.bincount(c, weights=dev * dev, minlength=n_groups)
        std = np.where(n > ddof, np.sqrt(ss / np.maximum(n - ddof, 1)), np.nan)
        cv = np.where((n > ddof) & (mean != 0), std / mean, np.nan)
    quant = group_quantiles(c, x, n_groups, (0.5, 0.9, 0.25, 0.75))
    return GroupStats(
        n=n,
        mean=np.where(n > 0, mean, np.nan),
        std=std,
        cv=cv,
        median=quant[:, 0],
        p90=quant[:, 1],
        q1=quant[:, 2],
        q3=quant[:, 3],
        iqr=quant[:, 3] - quant[:, 2],
        ddof=ddof,
    )
