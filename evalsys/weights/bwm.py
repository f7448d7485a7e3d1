"""Best–worst method (BWM): criterion weights from two comparison vectors (Rezaei).

It owns :func:`bwm` and its frozen result :class:`BWMResult`: the decision-maker names the
best and the worst criterion and gives two vectors on the 1–9 scale — how much the best is
preferred to every criterion (best-to-others, :math:`a_{Bj}`) and how much every criterion
is preferred to the worst (others-to-worst, :math:`a_{jW}`).  That is 2n − 3 judgments
instead of the n(n − 1)/2 of a full AHP matrix.

Two models, both solved exactly with linear programmes (``scipy.optimize.linprog``, HiGHS):

* ``"linear"`` (default; Rezaei 2016), whose weights are unique;
* ``"nonlinear"`` (the original min–max model of Rezaei 2015), a quasi-convex programme
  solved by bisection on ξ over LP feasibility; for n > 3 its optimal weights may not be
  unique (one optimum is returned).

Whichever gives the weights, the result carries the consistency of Rezaei (2015) — the
optimal ξ* of the nonlinear model, its consistency index CI (which depends only on
:math:`a_{BW}`) and the ratio CR = ξ*/CI — and the input-based ratio of Liang, Brunelli &
Rezaei (2020), which needs no optimisation.

References
----------
.. [1] Rezaei, J. (2015). Best-worst multi-criteria decision-making method. *Omega* 53,
       49–57. doi:10.1016/j.omega.2014.11.009
.. [2] Rezaei, J. (2016). Best-worst multi-criteria decision-making method: Some
       properties and a linear model. *Omega* 64, 126–130.
       doi:10.1016/j.omega.2015.12.001
.. [3] Liang, F., Brunelli, M. and Rezaei, J. (2020). Consistency issues in the best worst
       method: Measurements and thresholds. *Omega* 96, 102175.
       doi:10.1016/j.omega.2019.102175
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from evalsys._arrays import readonly
from evalsys.errors import DataError, ParameterError, ShapeError

__all__ = ["BWM_MODELS", "BWMResult", "bwm", "bwm_consistency_index"]

FloatArray = NDArray[np.float64]

#: The two optimisation models.
BWM_MODELS = ("linear", "nonlinear")

#: Bisection stops when the bracket of the nonlinear ξ* is narrower than this.
_XI_TOL = 1e-10


@dataclass(frozen=True, slots=True)
class BWMResult:
    """Weights and consistency of one best–worst comparison (arrays read-only).

    Attributes
    ----------
    weights
        ``(n,)`` weights, non-negative, summing to 1.
    best, worst
        0-based indices of the best and the worst criterion.
    model
        ``"linear"`` or ``"nonlinear"``: the model that produced ``weights``.
    xi
        Optimal objective of that model (:math:`\\xi^{L*}` or :math:`\\xi^*`).
    xi_star
        Optimal :math:`\\xi^*` of the nonlinear model (Rezaei 2015), whatever ``model``.
    consistency_index
        CI of :math:`a_{BW}` (Rezaei 2015, Table 5: 0.00, 0.44, 1.00, 1.63, 2.30, 3.00,
        3.73, 4.47, 5.23 for 1 … 9).
    consistency_ratio
        :math:`\\xi^* / CI` (0 when :math:`a_{BW} = 1`); 0 is fully consistent.
    input_consistency_ratio
        :math:`CR^I` of Liang, Brunelli & Rezaei (2020), in [0, 1].
    names
        Criterion names, if given.
    """

    weights: FloatArray
    best: int
    worst: int
    model: str
    xi: float
    xi_star: float
    consistency_index: float
    consistency_ratio: float
    input_consistency_ratio: float
    names: tuple[str, ...] | None


def bwm_consistency_index(a_bw: float) -> float:
    """Consistency index of Rezaei (2015) for :math:`a_{BW}` (any value >= 1).

    Notes
    -----
    The largest ξ a comparison system with :math:`a_{Bj} a_{jW} = a_{BW}` violated as far
    as the scale allows can have solves :math:`\\xi^2 - (1 + 2a_{BW})\\xi + (a_{BW}^2 -
    a_{BW}) = 0`; CI is its smaller root

    .. math:: CI = \\frac{(1 + 2a_{BW}) - \\sqrt{1 + 8a_{BW}}}{2}.

    Examples
    --------
    >>> [round(bwm_consistency_index(a), 2) for a in range(1, 10)]
    [0.0, 0.44, 1.0, 1.63, 2.3, 3.0, 3.73, 4.47, 5.23]
    """
    a = float(a_bw)
    return float(((1.0 + 2.0 * a) - np.sqrt(1.0 + 8.0 * a)) / 2.0)


def _parse(values: npt.ArrayLike, label: str) -> FloatArray:
    try:
        v = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{label} must be numeric: {exc}") from exc
    if v.ndim != 1 or v.size < 2:
        raise ShapeError(f"{label} must be a vector of at least 2 judgments; got shape {v.shape}")
    if not np.isfinite(v).all() or (v < 1).any():
        bad = np.flatnonzero(~np.isfinite(v) | (v < 1)).tolist()
        raise DataError(f"{label} judgments must be finite numbers >= 1 (1–9 scale); bad at {bad}")
    return v


def _pick(v: FloatArray, given: int | str | None, names: tuple[str, ...] | None, role: str) -> int:
    if given is not None:
        if isinstance(given, str):
            if names is None or given not in names:
                raise DataError(f"{role} criterion {given!r} is not among the names")
            return names.index(given)
        idx = int(given)
        if not 0 <= idx < v.size:
            raise DataError(f"{role} index {idx} out of range for {v.size} criteria")
        return idx
    ones = np.flatnonzero(v == 1.0)
    vector = "best_to_others" if role == "best" else "others_to_worst"
    if ones.size != 1:
        raise DataError(
            f"{vector} has {'no' if ones.size == 0 else 'several'} entries equal to 1 "
            f"({ones.tolist()}); pass {role}= to say which criterion is the {role}"
        )
    return int(ones[0])


def _lp(c: FloatArray, a_ub: FloatArray, n: int, bounds: Any) -> Any:
    from scipy.optimize import linprog  # lazy: keeps start-up fast

    a_eq = np.zeros((1, c.size))
    a_eq[0, :n] = 1.0
    return linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(a_ub.shape[0]),
        A_eq=a_eq,
        b_eq=[1.0],
        bounds=bounds,
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )


def _linear(ab: FloatArray, aw: FloatArray, b: int, w: int) -> tuple[FloatArray, float]:
    """Rezaei (2016): min ξ s.t. |w_B − a_Bj w_j| ≤ ξ, |w_j − a_jW w_W| ≤ ξ, Σw = 1, w ≥ 0."""
    n = ab.size
    eye = np.eye(n)
    rows_b = np.zeros((n, n))
    rows_b[:, b] = 1.0
    rows_b -= ab[:, None] * eye  # w_B − a_Bj w_j
    rows_w = eye.copy()
    rows_w[:, w] -= aw  # w_j − a_jW w_W
    diff = np.vstack([rows_b, -rows_b, rows_w, -rows_w])
    a_ub = np.hstack([diff, -np.ones((4 * n, 1))])
    c = np.zeros(n + 1)
    c[-1] = 1.0
    res = _lp(c, a_ub, n, [(0, None)] * (n + 1))
    return np.asarray(res.x[:n]), float(res.x[-1])


def _feasible(ab: FloatArray, aw: FloatArray, b: int, w: int, xi: float) -> FloatArray | None:
    """Weights with |w_B/w_j − a_Bj| ≤ ξ and |w_j/w_W − a_jW| ≤ ξ, or None.

    The ratios are linear once multiplied out (w > 0); the LP maximises the smallest
    weight t so that a solution with a zero weight (undefined ratio) does not count.
    """
    n = ab.size
    eye = np.eye(n)
    top = np.zeros((n, n))
    top[:, b] = 1.0
    up_b = top - (ab + xi)[:, None] * eye  # w_B − (a_Bj + ξ) w_j ≤ 0
    lo_b = (ab - xi)[:, None] * eye - top  # (a_Bj − ξ) w_j − w_B ≤ 0
    up_w = eye.copy()
    up_w[:, w] -= aw + xi  # w_j − (a_jW + ξ) w_W ≤ 0
    lo_w = -eye
    lo_w[:, w] += aw - xi  # (a_jW − ξ) w_W − w_j ≤ 0
    rows = np.vstack([up_b, lo_b, up_w, lo_w])
    floor = np.hstack([-eye, np.ones((n, 1))])  # t − w_j ≤ 0
    a_ub = np.vstack([np.hstack([rows, np.zeros((4 * n, 1))]), floor])
    c = np.zeros(n + 1)
    c[-1] = -1.0
    res = _lp(c, a_ub, n, [(0, None)] * n + [(0, 1)])
    if res.status != 0 or res.x[-1] <= 1e-12:
        return None
    return np.asarray(res.x[:n])


def _nonlinear(ab: FloatArray, aw: FloatArray, b: int, w: int) -> tuple[FloatArray, float]:
    """Rezaei (2015): min ξ s.t. |w_B/w_j − a_Bj| ≤ ξ, |w_j/w_W − a_jW| ≤ ξ, by bisection."""
    found = _feasible(ab, aw, b, w, 0.0)
    if found is not None:
        return found, 0.0
    lo, hi = 0.0, float(max(ab.max(), aw.max()))  # equal weights are feasible at a_max − 1
    weights = _feasible(ab, aw, b, w, hi)
    while hi - lo > _XI_TOL:
        mid = 0.5 * (lo + hi)
        trial = _feasible(ab, aw, b, w, mid)
        if trial is None:
            lo = mid
        else:
            hi, weights = mid, trial
    if weights is None:  # cannot happen: hi starts feasible
        raise DataError("BWM nonlinear model found no feasible weights")
    return weights, hi


def _objective(x: FloatArray, ab: FloatArray, aw: FloatArray, b: int, w: int, model: str) -> float:
    """The model's objective at weights ``x`` (exact for the weights returned)."""
    if model == "linear":
        dev = np.concatenate([np.abs(x[b] - ab * x), np.abs(x - aw * x[w])])
    else:
        dev = np.concatenate([np.abs(x[b] / x - ab), np.abs(x / x[w] - aw)])
    return float(dev.max())


def bwm(
    best_to_others: npt.ArrayLike,
    others_to_worst: npt.ArrayLike,
    *,
    model: str = "linear",
    best: int | str | None = None,
    worst: int | str | None = None,
    names: Sequence[str] | None = None,
) -> BWMResult:
    """Criterion weights by the best–worst method.

    Parameters
    ----------
    best_to_others
        ``(n,)`` preference :math:`a_{Bj}` of the best criterion over each criterion (1 at
        the best itself), numbers >= 1 (the 1–9 scale).
    others_to_worst
        ``(n,)`` preference :math:`a_{jW}` of each criterion over the worst (1 at the
        worst itself).
    model
        ``"linear"`` (Rezaei 2016, unique weights) or ``"nonlinear"`` (Rezaei 2015).
    best, worst
        Index or name of the best / worst criterion; by default the one entry equal to 1
        of ``best_to_others`` / ``others_to_worst`` (required when there are several).
    names
        Optional criterion names.

    Returns
    -------
    BWMResult

    Raises
    ------
    ShapeError
        Vectors not 1-D, shorter than 2, of different lengths, or ``names`` of the wrong
        length.
    DataError
        Judgments not finite or < 1; no single 1 to locate the best / worst; the best
        and worst disagree (:math:`a_{BB} \\ne 1`, :math:`a_{WW} \\ne 1`, or
        :math:`a_{BW}` different in the two vectors); best = worst.
    ParameterError
        An unknown ``model``.

    Notes
    -----
    Linear model (Rezaei 2016):

    .. math::

        \\min \\xi^L \\;\\text{s.t.}\\; |w_B - a_{Bj} w_j| \\le \\xi^L,\\;
        |w_j - a_{jW} w_W| \\le \\xi^L,\\; \\textstyle\\sum_j w_j = 1,\\; w \\ge 0.

    Nonlinear model (Rezaei 2015): the same with the ratios :math:`|w_B/w_j - a_{Bj}|`,
    :math:`|w_j/w_W - a_{jW}|`.  For fixed ξ its constraints are linear in w, and
    feasibility is monotone in ξ, so ξ* is found by bisection (to 1e-10) over linear
    feasibility problems.  Consistency (Rezaei 2015): :math:`CR = \\xi^*/CI(a_{BW})`
    (:func:`bwm_consistency_index`).  Input-based ratio (Liang et al. 2020):

    .. math::

        CR^I = \\max_j \\frac{|a_{Bj} a_{jW} - a_{BW}|}{a_{BW}^2 - a_{BW}}
        \\quad (0 \\text{ when } a_{BW} = 1).

    A fully consistent system (:math:`a_{Bj} a_{jW} = a_{BW}` for all j) has
    ξ* = ξ^L = CR = CR^I = 0, and both models give :math:`w_j \\propto 1/a_{Bj}`.

    Examples
    --------
    A fully consistent system: weights 4 : 2 : 1.

    >>> r = bwm([1, 2, 4], [4, 2, 1])
    >>> r.weights.round(4).tolist(), r.best, r.worst, round(r.consistency_ratio, 6)
    ([0.5714, 0.2857, 0.1429], 0, 2, 0.0)
    """
    if model not in BWM_MODELS:
        raise ParameterError(f"unknown BWM model '{model}'; valid: {', '.join(BWM_MODELS)}")
    ab = _parse(best_to_others, "best_to_others")
    aw = _parse(others_to_worst, "others_to_worst")
    if ab.shape != aw.shape:
        raise ShapeError(f"best_to_others has {ab.size} entries, others_to_worst {aw.size}")
    name_tuple = None if names is None else tuple(str(x) for x in names)
    if name_tuple is not None and len(name_tuple) != ab.size:
        raise ShapeError(f"{len(name_tuple)} names given for {ab.size} criteria")
    b = _pick(ab, best, name_tuple, "best")
    w = _pick(aw, worst, name_tuple, "worst")
    if b == w:
        raise DataError(f"the best and the worst criterion are the same ({b})")
    if ab[b] != 1.0 or aw[w] != 1.0:
        raise DataError("best_to_others must be 1 at the best, others_to_worst 1 at the worst")
    a_bw = float(ab[w])
    if aw[b] != a_bw:
        raise DataError(
            f"a_BW differs: best_to_others gives {a_bw:g} for the worst criterion but "
            f"others_to_worst gives {aw[b]:g} for the best; they are the same judgment"
        )
    w_nl, xi_star = _nonlinear(ab, aw, b, w)
    if model == "linear":
        weights, xi = _linear(ab, aw, b, w)
    else:
        weights, xi = w_nl, xi_star
    weights = np.clip(weights, 0.0, None)
    weights = weights / weights.sum()
    xi = _objective(weights, ab, aw, b, w, model)
    xi_star = _objective(w_nl / w_nl.sum(), ab, aw, b, w, "nonlinear")
    ci = bwm_consistency_index(a_bw)
    cr = xi_star / ci if ci > 0 else 0.0
    cr_in = float(np.abs(ab * aw - a_bw).max() / (a_bw * a_bw - a_bw)) if a_bw > 1 else 0.0
    return BWMResult(
        weights=readonly(np.asarray(weights, dtype=np.float64)),
        best=b,
        worst=w,
        model=model,
        xi=float(xi),
        xi_star=float(xi_star),
        consistency_index=ci,
        consistency_ratio=float(cr),
        input_consistency_ratio=cr_in,
        names=name_tuple,
    )
