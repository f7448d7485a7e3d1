"""Projection of next period's value: a least-squares line over the last ``window`` periods.

The projection is deliberately simple and documented (eBay-style "projected level"): for
each entity, fit ``y = a + b·x`` by ordinary least squares to its values in the last
``window`` periods up to and including period ``t`` (x = 0, 1, …, window − 1, periods taken
as equally spaced), and evaluate the line one period ahead (x = window).  An entity with any
of those ``window`` values missing gets NaN (no projection from a partial history).

Vectorised over entities; the only loop is over the (few) window positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evalsys.errors import ParameterError, ShapeError

__all__ = ["Projection", "project_linear"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Projection:
    """Linear projection for every period and entity, arrays of shape (n_periods, n_entities).

    Attributes
    ----------
    projected
        Value the line gives for the period after ``t``; NaN for the first ``window − 1``
        periods and wherever a value in the window is missing.
    slope
        Change per period of the fitted line (same NaN pattern).
    window
        Number of periods fitted.
    """

    projected: FloatArray
    slope: FloatArray
    window: int


def project_linear(values: npt.ArrayLike, window: int) -> Projection:
    """Project every entity's next value from its last ``window`` values (see module text).

    Parameters
    ----------
    values
        (n_periods, n_entities), NaN = absent.
    window
        Periods in the fit (>= 2).

    Examples
    --------
    >>> p = project_linear([[80.0], [78.0], [76.0]], window=3)
    >>> float(p.projected[2, 0]), float(p.slope[2, 0])
    (74.0, -2.0)
    """
    y = np.asarray(values, dtype=np.float64)
    if y.ndim != 2:
        raise ShapeError(f"values must be (n_periods, n_entities), got shape {y.shape}")
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 2:
        raise ParameterError(f"window must be an integer >= 2, got {window!r}")
    n_p, n_e = y.shape
    projected = np.full((n_p, n_e), np.nan)
    slope = np.full((n_p, n_e), np.nan)
    if n_p >= window:
        x = np.arange(window, dtype=np.float64)
        xc = x - x.mean()
        sxx = float(xc @ xc)
        # stack the windows ending at t = window-1 … n_p-1: shape (n_windows, window, n_e)
        stacked = np.stack([y[k : n_p - window + 1 + k] for k in range(window)], axis=1)
        mean = stacked.mean(axis=1)
        b = np.einsum("k,wke->we", xc, stacked - mean[:, None, :]) / sxx
        slope[window - 1 :] = b
        projected[window - 1 :] = mean + b * (window - x.mean())
    return Projection(projected=projected, slope=slope, window=int(window))
