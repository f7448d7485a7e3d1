"""Membership functions: indicator values → degrees of membership in ordered grades.

All kernels broadcast an ``(E, k)`` block of values (E entities, k indicators) against
per-indicator parameters to an ``(E, k, G)`` membership array R, grades ordered **best
first** (grade 0 = 优/excellent … grade G−1 = 差/poor).  Kernels loop over the G grades
(G ≤ 10), never over entities.

Registered in :data:`MEMBERSHIPS` (``params`` shape in brackets):

``standard`` [(k, G) reference points]
    The piecewise-linear construction of Chinese fuzzy comprehensive evaluation papers:
    half-trapezoids for the two extreme grades and triangles in between, peaks at the
    grade reference points.  Every row sums to 1.
``triangular`` [(k, G, 3): a ≤ b ≤ c]
    Triangle rising on [a, b], falling on [b, c].
``trapezoidal`` [(k, G, 4): a ≤ b ≤ c ≤ d]
    Plateau 1 on [b, c].  Infinite ends give the half-trapezoids of the extreme grades:
    ``a = b = -inf`` is a falling ramp (1 left of c), ``c = d = +inf`` a rising ramp.  There
    is therefore no separate half-trapezoid kind.
``gaussian`` [(k, G, 2): mu, sigma > 0]
    :math:`\\exp(-(x - \\mu)^2 / (2\\sigma^2))`.

:func:`membership` is the validating wrapper returning a :class:`MembershipResult`.
Survey helpers turn questionnaire data into R: :func:`memberships_from_votes`,
:func:`memberships_from_rating`, :func:`memberships_from_checklist`.

References
----------
.. [1] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社.
       Ch. 4 (模糊综合评判) — membership of quantitative indicators in evaluation grades.
.. [2] 刘合香 (2012). 《模糊数学理论及其应用》. 科学出版社.
.. [3] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control* 8(3), 338–353.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys._registry import Registry
from evalsys.errors import DataError, ShapeError

__all__ = [
    "MEMBERSHIPS",
    "MembershipFunction",
    "MembershipResult",
    "gaussian_membership",
    "membership",
    "memberships_from_checklist",
    "memberships_from_rating",
    "memberships_from_votes",
    "rating_points",
    "standard_membership",
    "trapezoidal_membership",
    "triangular_membership",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Kernel = Callable[[FloatArray, FloatArray, FloatArray], FloatArray]


@dataclass(frozen=True, slots=True)
class MembershipFunction:
    """A registered membership family.

    Attributes
    ----------
    name
        Registry name.
    kernel
        ``kernel(values (E, k), params, out (E, k, G)) -> out``; pure, trusts its inputs.
    param_tail
        Shape of ``params`` after ``(k, G)``: ``()`` for standard points, ``(3,)`` triangular …
    partition
        Whether rows sum to 1 by construction (then ``normalize_rows`` is a no-op).
    """

    name: str
    kernel: Kernel
    param_tail: tuple[int, ...]
    partition: bool = False


MEMBERSHIPS: Registry[MembershipFunction] = Registry("membership function")


@dataclass(frozen=True, slots=True)
class MembershipResult:
    """Membership degrees of E entities on k indicators in G grades.

    Attributes
    ----------
    R : ndarray, shape (E, k, G)
        Membership degrees in [0, 1], grades best first.
    kind : str
        Membership family that produced ``R``.
    normalized : bool
        Whether rows were rescaled to sum to 1.
    zero_rows : ndarray of bool, shape (E, k)
        ``True`` where a value belongs to no grade at all (all memberships 0); such rows stay
        zero even when ``normalized`` is true.
    """

    R: FloatArray
    kind: str
    normalized: bool
    zero_rows: BoolArray


#: Values per (entities, indicators) block a kernel processes at once (1 MiB of float64),
#: so that its per-grade temporaries stay in cache; results do not depend on it.
_CHUNK_ELEMENTS = 1 << 17

_Body = Callable[[FloatArray, FloatArray, FloatArray], None]


def _run_chunked(
    body: _Body, values: FloatArray, params: FloatArray, out: FloatArray | None
) -> FloatArray:
    """Apply ``body(values_chunk, params, out_chunk)`` over cache-sized chunks of entities."""
    E, k = values.shape
    if out is None:
        out = np.empty((E, k, params.shape[1]), dtype=np.float64)
    step = max(1, _CHUNK_ELEMENTS // max(1, k))
    for start in range(0, E, step):
        body(values[start : start + step], params, out[start : start + step])
    return out


# --------------------------------------------------------------------------- kernels


def standard_membership(
    values: FloatArray, points: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    r"""Standard piecewise-linear grade membership (kernel, trusts its inputs).

    Parameters
    ----------
    values : ndarray, shape (E, k)
        Indicator values.
    points : ndarray, shape (k, G)
        Grade reference points per indicator, **best grade first**, strictly monotone along
        the grade axis.  Decreasing points (best grade has the largest value) describe a
        benefit indicator, increasing points a cost indicator; the direction is read from the
        order, so no flag is needed.
    out : ndarray, shape (E, k, G), optional
        Preallocated output.

    Returns
    -------
    ndarray, shape (E, k, G)
        Memberships; every row sums to 1.

    Notes
    -----
    Orient each indicator so that its points increase, :math:`q_g = s\,p_g` and
    :math:`v = s\,x` with :math:`s = \pm 1`.  Then

    .. math::

        \mu_0(v) = \begin{cases} 1 & v \le q_0 \\
                   \frac{q_1 - v}{q_1 - q_0} & q_0 < v < q_1 \\ 0 & v \ge q_1 \end{cases}
        \qquad
        \mu_{G-1}(v) = \begin{cases} 0 & v \le q_{G-2} \\
                   \frac{v - q_{G-2}}{q_{G-1} - q_{G-2}} & q_{G-2} < v < q_{G-1} \\
                   1 & v \ge q_{G-1} \end{cases}

    and for interior grades the triangle
    :math:`\mu_g(v) = \max(0, \min(\frac{v - q_{g-1}}{q_g - q_{g-1}},
    \frac{q_{g+1} - v}{q_{g+1} - q_g}))`.
    A value between :math:`q_g` and :math:`q_{g+1}` is thus split linearly between grades g
    and g+1 (the two shares sum to 1) and a value equal to a point belongs wholly to its
    grade (exact: the ratio :math:`(q_g - q_{g-1})/(q_g - q_{g-1})` is exactly 1 in floating
    point).  This is the "half-trapezoid at both ends, triangles inside" distribution used
    for quantitative indicators in fuzzy comprehensive evaluation [1]_ [2]_.

    Implemented as :math:`\mathrm{clip}(\min(\text{left ramp}, \text{right ramp}), 0, 1)`
    per grade, over cache-sized chunks of entities (a loop over G grades and over chunks,
    never over single entities).

    References
    ----------
    .. [1] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社, 第4章.
    .. [2] 刘合香 (2012). 《模糊数学理论及其应用》. 科学出版社.

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.array([[90.0, 80.0, 70.0, 60.0]])       # benefit: best grade highest
    >>> standard_membership(np.array([[95.0], [85.0], [80.0], [50.0]]), pts)[:, 0]
    array([[1. , 0. , 0. , 0. ],
           [0.5, 0.5, 0. , 0. ],
           [0. , 1. , 0. , 0. ],
           [0. , 0. , 0. , 1. ]])
    """
    return _run_chunked(_standard_body, values, points, out)


def _standard_body(values: FloatArray, points: FloatArray, out: FloatArray) -> None:
    G = points.shape[1]
    s = np.where(points[:, -1] >= points[:, 0], 1.0, -1.0)
    q = points * s[:, None]
    v = values * s
    left = np.empty_like(v)
    right = np.empty_like(v)
    with np.errstate(over="ignore"):  # ramps over tiny spans may overflow; clipped below
        for g in range(G):
            if g > 0:
                np.subtract(v, q[:, g - 1], out=left)
                np.divide(left, q[:, g] - q[:, g - 1], out=left)
            else:
                left.fill(np.inf)
            if g < G - 1:
                np.subtract(q[:, g + 1], v, out=right)
                np.divide(right, q[:, g + 1] - q[:, g], out=right)
                np.minimum(left, right, out=left)
            np.clip(left, 0.0, 1.0, out=out[..., g])


def trapezoidal_membership(
    values: FloatArray, params: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    r"""Trapezoidal membership per grade (kernel, trusts its inputs).

    Parameters
    ----------
    values : ndarray, shape (E, k)
    params : ndarray, shape (k, G, 4)
        ``a <= b <= c <= d`` per indicator and grade.  ``a = b = -inf`` makes a falling
        half-trapezoid (1 for every x <= c), ``c = d = +inf`` a rising one.
    out : ndarray, shape (E, k, G), optional

    Notes
    -----
    .. math::

        \mu(x) = \max\Bigl(0, \min\bigl(L(x), R(x)\bigr)\Bigr),\quad
        L(x) = \begin{cases} 1 & x \ge b \\ \frac{x - a}{b - a} & x < b,\ b > a \\
               0 & x < b = a\end{cases},\quad
        R(x) = \begin{cases} 1 & x \le c \\ \frac{d - x}{d - c} & x > c,\ d > c \\
               0 & x > c = d\end{cases}

    so a vertical edge (``a == b`` or ``c == d``) belongs to the set (closed interval).
    """
    return _run_chunked(_trapezoid_body, values, params, out)


def _trapezoid_body(values: FloatArray, params: FloatArray, out: FloatArray) -> None:
    G = params.shape[1]
    left = np.empty_like(values)
    right = np.empty_like(values)
    # Infinite ends (a = b = -inf, c = d = +inf) make the spans NaN; those entries are never
    # selected by the ``where`` masks, so the invalid-value warnings are silenced.  A ramp over
    # a tiny span may overflow to inf, which the clip to [0, 1] handles.
    with np.errstate(invalid="ignore", over="ignore"):
        for g in range(G):
            a, b, c, d = (params[:, g, i] for i in range(4))
            below = values < b
            left.fill(1.0)
            np.copyto(left, 0.0, where=below)
            np.divide(values - a, b - a, out=left, where=below & (b > a))
            above = values > c
            right.fill(1.0)
            np.copyto(right, 0.0, where=above)
            np.divide(d - values, d - c, out=right, where=above & (d > c))
            np.minimum(left, right, out=left)
            np.clip(left, 0.0, 1.0, out=out[..., g])


def triangular_membership(
    values: FloatArray, params: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    r"""Triangular membership, ``params`` (k, G, 3) = (a, b, c): the trapezoid (a, b, b, c).

    .. math:: \mu(x) = \max\Bigl(0, \min\bigl(\tfrac{x - a}{b - a}, \tfrac{c - x}{c - b}\bigr)\Bigr)
    """
    trap = np.concatenate([params[..., :2], params[..., 1:]], axis=-1)
    return trapezoidal_membership(values, trap, out)


def gaussian_membership(
    values: FloatArray, params: FloatArray, out: FloatArray | None = None
) -> FloatArray:
    r"""Gaussian membership, ``params`` (k, G, 2) = (mu, sigma), sigma > 0.

    .. math:: \mu(x) = \exp\bigl(-(x - \mu)^2 / (2\sigma^2)\bigr)
    """
    return _run_chunked(_gaussian_body, values, params, out)


def _gaussian_body(values: FloatArray, params: FloatArray, out: FloatArray) -> None:
    tmp = np.empty_like(values)
    with np.errstate(over="ignore", under="ignore"):  # far tails: exp(-inf) = 0
        for g in range(params.shape[1]):
            np.subtract(values, params[:, g, 0], out=tmp)
            np.divide(tmp, params[:, g, 1], out=tmp)
            np.square(tmp, out=tmp)
            np.multiply(tmp, -0.5, out=tmp)
            np.exp(tmp, out=out[..., g])


MEMBERSHIPS.add("standard", MembershipFunction("standard", standard_membership, (), True))
MEMBERSHIPS.add("triangular", MembershipFunction("triangular", triangular_membership, (3,)))
MEMBERSHIPS.add("trapezoidal", MembershipFunction("trapezoidal", trapezoidal_membership, (4,)))
MEMBERSHIPS.add("gaussian", MembershipFunction("gaussian", gaussian_membership, (2,)))


# --------------------------------------------------------------------------- validation


def _entity_rows(mask: BoolArray) -> list[int]:
    flat = mask.reshape(mask.shape[0], -1).any(axis=1) if mask.ndim > 1 else mask
    return [int(i) for i in np.flatnonzero(flat)]


def _check_values(values: ArrayLike, name: str = "values") -> FloatArray:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2:
        raise ShapeError(f"{name} must be 2-D (entities, indicators), got shape {v.shape}")
    bad = ~np.isfinite(v)
    if bad.any():
        raise DataError(f"{name} contain NaN or infinite values", rows=_entity_rows(bad))
    return v


def _check_params(kind: MembershipFunction, params: ArrayLike, k: int) -> FloatArray:
    p = np.asarray(params, dtype=np.float64)
    if p.ndim == 1 + len(kind.param_tail):  # one parameter set shared by all k columns
        p = np.broadcast_to(p, (k, *p.shape))
    want = (
        f"(k={k}, G, {', '.join(map(str, kind.param_tail))})" if kind.param_tail else f"(k={k}, G)"
    )
    if p.ndim != 2 + len(kind.param_tail) or p.shape[0] != k or p.shape[2:] != kind.param_tail:
        raise ShapeError(f"{kind.name} membership params must have shape {want}, got {p.shape}")
    if p.shape[1] < 1:
        raise ShapeError(f"{kind.name} membership params need at least one grade, got {p.shape}")
    if kind.name == "standard":
        if np.isnan(p).any() or not np.isfinite(p).all():
            raise DataError("standard membership points must be finite")
        if p.shape[1] >= 2:
            diff = np.diff(p, axis=1)
            inc = (diff > 0).all(axis=1)
            dec = (diff < 0).all(axis=1)
            bad = ~(inc | dec)
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                raise DataError(
                    f"standard membership points must be strictly monotone along the grade "
                    f"axis, got {p[j].tolist()}",
                    column=str(j),
                )
    elif kind.name in ("triangular", "trapezoidal"):
        if np.isnan(p).any():
            raise DataError(f"{kind.name} membership params contain NaN")
        with np.errstate(invalid="ignore"):  # inf - inf at half-trapezoid ends is NaN
            unordered = (np.diff(p, axis=-1) < 0).any()
        if unordered:
            raise DataError(
                f"{kind.name} membership params must be ordered a <= b <= ... per grade"
            )
        if kind.name == "trapezoidal":
            bad_lo = np.isneginf(p[..., 0]) & ~np.isneginf(p[..., 1])
            bad_hi = np.isposinf(p[..., 3]) & ~np.isposinf(p[..., 2])
            if bad_lo.any() or bad_hi.any():
                raise DataError(
                    "trapezoidal ends: a = -inf requires b = -inf and d = +inf requires c = +inf"
                )
        elif not np.isfinite(p).all():
            raise DataError("triangular membership params must be finite")
    elif kind.name == "gaussian" and (not np.isfinite(p).all() or (p[..., 1] <= 0).any()):
        raise DataError("gaussian membership needs finite mu and sigma > 0")
    return np.ascontiguousarray(p)


def _normalize_rows(R: FloatArray) -> BoolArray:
    """Rescale rows of R in place to sum 1; return the mask of all-zero rows (left at 0)."""
    total = R.sum(axis=-1)
    zero: BoolArray = np.less_equal(total, 0.0)
    np.divide(R, total[..., None], out=R, where=~zero[..., None])
    return zero


def membership(
    values: ArrayLike,
    params: ArrayLike,
    kind: str = "standard",
    *,
    normalize_rows: bool = False,
) -> MembershipResult:
    """Validated membership of indicator values in ordered grades.

    Parameters
    ----------
    values : array_like, shape (E, k)
        Finite indicator values.
    params : array_like
        ``(k, G)`` points for ``"standard"``, ``(k, G, 3)`` triangular, ``(k, G, 4)``
        trapezoidal, ``(k, G, 2)`` gaussian.  A parameter set without the leading ``k`` axis
        is shared by every indicator.
    kind : str
        Name in :data:`MEMBERSHIPS`.
    normalize_rows : bool
        Rescale each (entity, indicator) row to sum to 1.  Rows whose memberships are all 0
        (a value outside every grade's support) cannot be rescaled: they stay 0 and are
        reported in :attr:`MembershipResult.zero_rows` — callers decide whether that is an
        error.  ``"standard"`` rows already sum to 1.

    Returns
    -------
    MembershipResult

    Raises
    ------
    ShapeError
        Wrong dimensionality or parameter shape.
    DataError
        Non-finite values (rows named) or invalid parameters (non-monotone points, unordered
        a ≤ b ≤ c, sigma ≤ 0).
    UnknownMethodError
        Unknown ``kind``.

    Examples
    --------
    >>> res = membership([[85.0]], [[90.0, 80.0, 70.0]])
    >>> res.R
    array([[[0.5, 0.5, 0. ]]])
    """
    fam = MEMBERSHIPS.get(kind)
    v = _check_values(values)
    p = _check_params(fam, params, v.shape[1])
    R = fam.kernel(v, p, np.empty((*v.shape, p.shape[1]), dtype=np.float64))
    zero: BoolArray
    if normalize_rows and not fam.partition:
        zero = _normalize_rows(R)
    else:
        zero = np.logical_not(np.greater(R, 0.0).any(axis=-1))
    return MembershipResult(R=R, kind=fam.name, normalized=normalize_rows, zero_rows=zero)


# --------------------------------------------------------------------------- survey helpers


def memberships_from_votes(votes: ArrayLike) -> FloatArray:
    r"""Membership degrees as vote shares (fuzzy statistics, 模糊统计法).

    Parameters
    ----------
    votes : array_like, shape (E, k, G)
        Number (or total weight) of respondents placing entity e on indicator l in grade g.

    Returns
    -------
    ndarray, shape (E, k, G)
        :math:`r_{elg} = v_{elg} / \sum_h v_{elh}`.

    Raises
    ------
    DataError
        Negative or non-finite counts, or an (entity, indicator) cell with no votes at all —
        a share is undefined there, so the error names the entity rows (and the first cell)
        instead of inventing a membership.
    ShapeError
        ``votes`` is not 3-D.

    Examples
    --------
    >>> memberships_from_votes([[[3, 5, 2, 0]]])
    array([[[0.3, 0.5, 0.2, 0. ]]])
    """
    v = np.asarray(votes, dtype=np.float64)
    if v.ndim != 3:
        raise ShapeError(f"votes must be 3-D (entities, indicators, grades), got shape {v.shape}")
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        raise DataError("votes must be finite and non-negative", rows=_entity_rows(bad))
    total = v.sum(axis=-1)
    empty = total <= 0
    if empty.any():
        e, col = (int(i) for i in np.argwhere(empty)[0])
        raise DataError(
            f"{int(empty.sum())} (entity, indicator) cells have no votes, first at entity {e}, "
            f"indicator {col}",
            rows=_entity_rows(empty),
        )
    out: FloatArray = v / total[..., None]
    return out


def rating_points(scale: int, G: int) -> FloatArray:
    """Grade reference points for a 1..``scale`` rating: ``G`` evenly spaced, best first.

    >>> rating_points(5, 5)
    array([5., 4., 3., 2., 1.])
    """
    pts: FloatArray = np.linspace(float(scale), 1.0, G)
    return pts


def memberships_from_rating(mean: ArrayLike, scale: int, G: int) -> FloatArray:
    r"""Memberships from a mean rating on a 1..``scale`` scale (higher is better).

    Parameters
    ----------
    mean : array_like, shape (E, k)
        Mean rating per entity and indicator, within ``[1, scale]``.
    scale : int
        Number of rating levels (5 for a five-point Likert scale, 10 for a ten-point one).
    G : int
        Number of evaluation grades, best first.

    Returns
    -------
    ndarray, shape (E, k, G)
        Standard memberships (:func:`standard_membership`) with the G reference points evenly
        spaced from ``scale`` (grade 0) down to 1 (grade G−1), so every row sums to 1.

    Notes
    -----
    Points :math:`p_g = s - g\,(s - 1)/(G - 1)`.  With ``scale == G`` each rating level is a
    grade: a mean of 4.3 on a five-point scale with five grades is 0.3 "excellent" and 0.7
    "good".  A ten-point scale with five grades puts the points at 10, 7.75, 5.5, 3.25, 1.

    Raises
    ------
    DataError
        A mean outside ``[1, scale]`` (rows named) or non-finite.
    ShapeError
        ``mean`` not 2-D, ``scale < 2`` or ``G < 2``.

    Examples
    --------
    >>> memberships_from_rating([[4.25]], scale=5, G=5)
    array([[[0.25, 0.75, 0.  , 0.  , 0.  ]]])
    """
    if int(scale) < 2 or int(G) < 2:
        raise ShapeError(f"need scale >= 2 and G >= 2, got scale={scale}, G={G}")
    m = _check_values(mean, "mean ratings")
    out_of_range = (m < 1.0) | (m > float(scale))
    if out_of_range.any():
        raise DataError(f"mean ratings must lie in [1, {scale}]", rows=_entity_rows(out_of_range))
    pts = np.broadcast_to(rating_points(int(scale), int(G)), (m.shape[1], int(G)))
    return standard_membership(m, np.ascontiguousarray(pts))


def memberships_from_checklist(share: ArrayLike, points: ArrayLike) -> FloatArray:
    """Memberships from the share of checklist items met (in [0, 1]).

    Parameters
    ----------
    share : array_like, shape (E, k)
        Fraction of the items of each indicator's checklist that the entity meets.
    points : array_like, shape (k, G) or (G,)
        Grade reference points on the share scale, best grade first (e.g.
        ``[1.0, 0.8, 0.6, 0.4]``: all items met is grade 0), strictly monotone.

    Returns
    -------
    ndarray, shape (E, k, G)
        Standard memberships (rows sum to 1).

    Raises
    ------
    DataError
        A share outside [0, 1] (rows named) or invalid points.

    Examples
    --------
    >>> memberships_from_checklist([[0.9]], [1.0, 0.8, 0.6])
    array([[[0.5, 0.5, 0. ]]])
    """
    s = _check_values(share, "checklist shares")
    bad = (s < 0.0) | (s > 1.0)
    if bad.any():
        raise DataError("checklist shares must lie in [0, 1]", rows=_entity_rows(bad))
    p = _check_params(MEMBERSHIPS.get("standard"), points, s.shape[1])
    return standard_membership(s, p)
