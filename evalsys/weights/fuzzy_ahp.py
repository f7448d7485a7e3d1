"""Fuzzy AHP on triangular fuzzy judgments.

A triangular fuzzy number (TFN) ``(l, m, u)`` with ``0 < l <= m <= u`` replaces each crisp
judgment ``a_ij``; the reciprocal judgment is ``a_ji = (1/u, 1/m, 1/l)``.  A fuzzy pairwise
matrix is an array of shape ``(..., n, n, 3)`` (leading axes are a stack of matrices, weighted
in one call).  A crisp ``(..., n, n)`` matrix is fuzzified with a named scale from
:data:`FUZZY_SCALES`.

Two priority methods are registered in :data:`FUZZY_AHP_METHODS`:

* ``"buckley"`` — fuzzy geometric mean (Buckley 1985), defuzzified by a rule from
  :data:`DEFUZZIFIERS` and normalised;
* ``"chang"`` — extent analysis (Chang 1996).  Its weights can be exactly zero for criteria
  that are clearly important (Wang, Luo & Hua 2008); a :class:`ConsistencyWarning` is
  emitted when that happens.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from evalsys._arrays import readonly
from evalsys._registry import Registry
from evalsys.errors import ConsistencyWarning, MatrixError, ShapeError

__all__ = [
    "DEFUZZIFIERS",
    "FUZZY_AHP_METHODS",
    "FUZZY_SCALES",
    "RECIPROCAL_RTOL",
    "FuzzyAHPResult",
    "buckley_fuzzy_weights",
    "chang_extent",
    "fuzzify",
    "fuzzy_ahp",
    "possibility_degree",
    "validate_tfn_matrix",
]

FloatArray = NDArray[np.float64]

#: Relative tolerance of the reciprocity check ``a_ji == (1/u_ij, 1/m_ij, 1/l_ij)``; the
#: same 1e-2 as :data:`evalsys.weights.ahp.RECIPROCAL_RTOL`, which admits fractions printed with
#: three significant digits (``0.333`` for 1/3) but not two (``0.14`` for 1/7).
RECIPROCAL_RTOL = 1e-2

#: Defuzzifier: ``(..., 3) TFNs -> (...)`` crisp values.
Defuzzifier = Callable[[FloatArray], FloatArray]
#: Fuzzification scale: ``(...) crisp values >= 1 -> (..., 3)`` TFNs.
FuzzyScale = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True, slots=True)
class _MethodOutput:
    weights: FloatArray
    fuzzy_weights: FloatArray | None
    synthetic_extents: FloatArray | None
    possibility: FloatArray | None


#: Fuzzy AHP kernel: ``(tfn (..., n, n, 3), defuzzifier) -> _MethodOutput``.
FuzzyAHPMethod = Callable[[FloatArray, Defuzzifier], _MethodOutput]

DEFUZZIFIERS: Registry[Defuzzifier] = Registry("defuzzifier")
FUZZY_SCALES: Registry[FuzzyScale] = Registry("fuzzy scale")
FUZZY_AHP_METHODS: Registry[FuzzyAHPMethod] = Registry("fuzzy AHP method")


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class FuzzyAHPResult:
    """Priorities derived from a triangular fuzzy pairwise matrix (or a stack of them).

    Attributes
    ----------
    weights
        ``(..., n)`` crisp weights, non-negative, summing to 1 along the last axis.
    fuzzy_weights
        ``(..., n, 3)`` fuzzy weights ``(l, m, u)`` (Buckley); ``None`` for Chang's extent
        analysis, which has no fuzzy weights.
    synthetic_extents
        ``(..., n, 3)`` fuzzy synthetic extents ``S_i`` (Chang); ``None`` for Buckley.
    possibility
        ``(..., n)`` ``d(A_i) = min_k V(S_i >= S_k)`` before normalisation (Chang); ``None``
        for Buckley.
    method
        Canonical method name.
    defuzzifier
        Canonical defuzzifier name (Buckley); ``None`` for Chang.
    scale
        Name of the scale used to fuzzify a crisp input; ``None`` if TFNs were given.
    n
        Matrix order.
    zero_weights
        ``True`` where a crisp weight is exactly zero (the extent-analysis defect).
    """

    weights: FloatArray
    fuzzy_weights: FloatArray | None
    synthetic_extents: FloatArray | None
    possibility: FloatArray | None
    method: str
    defuzzifier: str | None
    scale: str | None
    n: int
    zero_weights: NDArray[np.bool_]


# ----------------------------------------------------------------------------- defuzzifiers


@DEFUZZIFIERS.register("centroid", aliases=("mean", "center_of_area"))
def _centroid(t: FloatArray) -> FloatArray:
    """Centroid of a TFN: ``(l + m + u) / 3``."""
    out: FloatArray = t.sum(axis=-1) / 3.0
    return out


@DEFUZZIFIERS.register("graded_mean", aliases=("gmir",))
def _graded_mean(t: FloatArray) -> FloatArray:
    """Graded mean integration representation: ``(l + 4m + u) / 6``."""
    out: FloatArray = (t[..., 0] + 4.0 * t[..., 1] + t[..., 2]) / 6.0
    return out


# ----------------------------------------------------------------------------- scales


@FUZZY_SCALES.register("saaty_pm1", aliases=("triangular_pm1",))
def _scale_pm1(k: FloatArray) -> FloatArray:
    """``k -> (k - 1, k, k + 1)`` clipped to ``[1, 9]``; ``1 -> (1, 1, 1)``."""
    lo = np.clip(k - 1.0, 1.0, 9.0)
    hi = np.clip(k + 1.0, 1.0, 9.0)
    equal = k == 1.0
    hi = np.where(equal, 1.0, hi)
    return np.stack([lo, k, hi], axis=-1)


@FUZZY_SCALES.register("crisp")
def _scale_crisp(k: FloatArray) -> FloatArray:
    """``k -> (k, k, k)``: a crisp judgment as a degenerate TFN."""
    return np.stack([k, k, k], axis=-1)


def fuzzify(matrix: npt.ArrayLike, scale: str = "saaty_pm1") -> FloatArray:
    """Turn a crisp reciprocal matrix into a triangular fuzzy matrix.

    Parameters
    ----------
    matrix
        ``(..., n, n)`` positive reciprocal matrix (numbers or strings such as ``"1/3"``).
    scale
        A name in :data:`FUZZY_SCALES`: ``"saaty_pm1"`` (default) or ``"crisp"``.

    Returns
    -------
    numpy.ndarray
        ``(..., n, n, 3)`` TFN matrix; entries ``>= 1`` are mapped by the scale, entries
        ``< 1`` get the reciprocal TFN of their transpose so that the result is reciprocal.

    Raises
    ------
    MatrixError
        The matrix is not square, not positive or not reciprocal.
    UnknownMethodError
        ``scale`` is not registered.

    Notes
    -----
    ``"saaty_pm1"`` maps a Saaty judgment :math:`k \\ge 1` to
    :math:`\\tilde k = (\\max(k-1, 1),\\, k,\\, \\min(k+1, 9))` and equal importance to the
    crisp :math:`\\tilde 1 = (1, 1, 1)`, i.e. :math:`\\tilde 2 = (1,2,3)`,
    :math:`\\tilde 3 = (2,3,4)`, …, :math:`\\tilde 9 = (8,9,9)`; the reciprocal is
    :math:`\\tilde k^{-1} = (1/(k+1), 1/k, 1/(k-1))` [1]_.  The spread-one triangular scale is
    a widespread convention of applied fuzzy AHP, not a property of the method: other
    spreads change the weights.

    References
    ----------
    .. [1] Sun, C.-C. (2010). A performance evaluation model by integrating fuzzy AHP and
       fuzzy TOPSIS methods. *Expert Systems with Applications*, 37(12), 7745–7754 (one of
       many applications using a triangular conversion scale of this form).

    Examples
    --------
    >>> fuzzify([[1, 3], ["1/3", 1]])[0, 1].tolist()
    [2.0, 3.0, 4.0]
    """
    scale_fn = FUZZY_SCALES.get(scale)
    a = _parse(matrix)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise MatrixError(f"a crisp pairwise matrix must be (..., n, n); got shape {a.shape}")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise MatrixError("pairwise judgments must be finite and positive")
    at = np.swapaxes(a, -1, -2)
    if not np.allclose(a * at, 1.0, rtol=RECIPROCAL_RTOL, atol=0.0):
        raise MatrixError("crisp matrix is not reciprocal: a_ji must equal 1/a_ij")
    a = np.sqrt(a / at)  # exactly reciprocal (no-op for exact input)
    at = np.swapaxes(a, -1, -2)
    upper = a >= 1.0
    tfn_up = scale_fn(np.where(upper, a, 1.0))
    tfn_from_t = scale_fn(np.where(upper, 1.0, at))
    recip = 1.0 / tfn_from_t[..., ::-1]
    out: FloatArray = np.where(upper[..., None], tfn_up, recip)
    return out


# ----------------------------------------------------------------------------- validation


def _parse(obj: npt.ArrayLike) -> FloatArray:
    """Numbers or fraction strings (``"1/3"``) to float64; raise MatrixError otherwise."""
    try:
        arr = np.asarray(obj)
    except ValueError as exc:  # ragged nested lists
        raise MatrixError(f"judgment rows have unequal lengths ({exc})") from None
    if arr.dtype.kind in "USO":
        try:  # boundary parsing of text entries, not a kernel
            flat = [float(Fraction(str(v).strip())) for v in arr.ravel()]
        except (ValueError, ZeroDivisionError) as exc:
            raise MatrixError(f"judgments must be numbers or fractions like '1/3': {exc}") from None
        return np.asarray(flat, dtype=np.float64).reshape(arr.shape)
    if arr.dtype.kind not in "iuf":
        raise MatrixError(f"judgments must be numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64)


def validate_tfn_matrix(tfn: npt.ArrayLike) -> FloatArray:
    """Check and return a triangular fuzzy pairwise matrix.

    Parameters
    ----------
    tfn
        ``(..., n, n, 3)`` array of ``(l, m, u)`` judgments (numbers or fraction strings).

    Returns
    -------
    numpy.ndarray
        The validated float array, made exactly reciprocal: each TFN is replaced by the
        componentwise geometric mean of itself and the reciprocal of its mirror,
        ``l_ij <- sqrt(l_ij / u_ji)``, ``m_ij <- sqrt(m_ij / m_ji)``,
        ``u_ij <- sqrt(u_ij / l_ji)`` (a no-op for exactly reciprocal input; it keeps
        ``l <= m <= u``), so printed fractions do not leak rounding into the kernels.

    Raises
    ------
    MatrixError
        Wrong shape, non-positive or non-finite values, ``l <= m <= u`` violated, a diagonal
        other than ``(1, 1, 1)``, or ``a_ji != (1/u_ij, 1/m_ij, 1/l_ij)`` (relative
        tolerance :data:`RECIPROCAL_RTOL`).  The message names the first offending cell.
    """
    a = _parse(tfn)
    if a.ndim < 3 or a.shape[-1] != 3 or a.shape[-2] != a.shape[-3]:
        raise MatrixError(f"a triangular fuzzy matrix must be (..., n, n, 3); got {a.shape}")
    if a.shape[-2] < 1:
        raise MatrixError("empty fuzzy matrix")

    def first(mask: NDArray[np.bool_]) -> str:
        idx = np.argwhere(mask)[0]
        return f"({int(idx[-2])}, {int(idx[-1])})" if idx.size >= 2 else str(idx.tolist())

    cell_ok = np.isfinite(a).all(axis=-1) & (a > 0).all(axis=-1)
    if not cell_ok.all():
        raise MatrixError(
            f"judgments must be finite and positive; cell {first(np.asarray(~cell_ok))}"
        )
    ordered = (a[..., 0] <= a[..., 1]) & (a[..., 1] <= a[..., 2])
    if not ordered.all():
        raise MatrixError(f"a TFN needs l <= m <= u; cell {first(~ordered)} violates it")
    n = a.shape[-2]
    diag = a[..., np.arange(n), np.arange(n), :]
    if not np.allclose(diag, 1.0, rtol=0.0, atol=1e-12):
        raise MatrixError("the diagonal of a fuzzy pairwise matrix must be (1, 1, 1)")
    recip = 1.0 / np.swapaxes(a, -2, -3)[..., ::-1]
    ok = np.isclose(a, recip, rtol=RECIPROCAL_RTOL, atol=0.0).all(axis=-1)
    if not ok.all():
        raise MatrixError(
            f"fuzzy matrix is not reciprocal at cell {first(np.asarray(~ok))}: a_ji must be "
            "(1/u_ij, 1/m_ij, 1/l_ij); write judgments as fractions such as '1/3'"
        )
    out: FloatArray = np.sqrt(a * recip)
    out[..., np.arange(n), np.arange(n), :] = 1.0
    return out


# ----------------------------------------------------------------------------- kernels


def buckley_fuzzy_weights(tfn: FloatArray) -> FloatArray:
    """Buckley's fuzzy weights ``w̃_i = r̃_i ⊗ (Σ_k r̃_k)^{-1}``.

    Parameters
    ----------
    tfn
        Validated ``(..., n, n, 3)`` TFN matrix.

    Returns
    -------
    numpy.ndarray
        ``(..., n, 3)`` fuzzy weights ``(l_i/Σu, m_i/Σm, u_i/Σl)``.

    Notes
    -----
    .. math::

        \\tilde r_i = \\Big(\\prod_{j=1}^n \\tilde a_{ij}\\Big)^{1/n}
        \\;\\text{(componentwise)}, \\qquad
        \\tilde w_i = \\Big(\\frac{l_i}{\\sum_k u_k}, \\frac{m_i}{\\sum_k m_k},
        \\frac{u_i}{\\sum_k l_k}\\Big).
    """
    r = np.exp(np.log(tfn).mean(axis=-2))  # (..., n, 3)
    total = r.sum(axis=-2, keepdims=True)  # (..., 1, 3)
    out: FloatArray = r / total[..., ::-1]
    return out


def possibility_degree(m2: FloatArray, m1: FloatArray) -> FloatArray:
    """Degree of possibility ``V(M2 >= M1)`` of two TFNs (broadcasting over ``...``).

    Notes
    -----
    .. math::

        V(M_2 \\ge M_1) = \\begin{cases} 1 & m_2 \\ge m_1 \\\\ 0 & l_1 \\ge u_2 \\\\
        \\dfrac{l_1 - u_2}{(m_2 - u_2) - (m_1 - l_1)} & \\text{otherwise.} \\end{cases}
    """
    l1, mm1 = m1[..., 0], m1[..., 1]
    mm2, u2 = m2[..., 1], m2[..., 2]
    denom = (mm2 - u2) - (mm1 - l1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mid = (l1 - u2) / denom
    out: FloatArray = np.where(mm2 >= mm1, 1.0, np.where(l1 >= u2, 0.0, mid))
    return out


def chang_extent(tfn: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Chang's synthetic extents and degrees of possibility.

    Parameters
    ----------
    tfn
        Validated ``(..., n, n, 3)`` TFN matrix.

    Returns
    -------
    extents : numpy.ndarray
        ``(..., n, 3)`` synthetic extents ``S_i``.
    d : numpy.ndarray
        ``(..., n)`` ``d(A_i) = min_{k != i} V(S_i >= S_k)``.

    Notes
    -----
    .. math::

        S_i = \\sum_j \\tilde a_{ij} \\otimes
        \\Big[\\sum_i \\sum_j \\tilde a_{ij}\\Big]^{-1}
        = \\Big(\\frac{\\sum_j l_{ij}}{\\sum_{ij} u_{ij}},
        \\frac{\\sum_j m_{ij}}{\\sum_{ij} m_{ij}},
        \\frac{\\sum_j u_{ij}}{\\sum_{ij} l_{ij}}\\Big).
    """
    row = tfn.sum(axis=-2)  # (..., n, 3)
    total = row.sum(axis=-2, keepdims=True)  # (..., 1, 3)
    s: FloatArray = row / total[..., ::-1]
    v = possibility_degree(s[..., :, None, :], s[..., None, :, :])  # V(S_i >= S_k)
    n = s.shape[-2]
    v[..., np.arange(n), np.arange(n)] = 1.0
    d: FloatArray = v.min(axis=-1)
    return s, d


@FUZZY_AHP_METHODS.register("buckley", aliases=("geometric_mean", "fuzzy_geometric_mean"))
def _buckley(tfn: FloatArray, defuzz: Defuzzifier) -> _MethodOutput:
    fw = buckley_fuzzy_weights(tfn)
    crisp = defuzz(fw)
    return _MethodOutput(
        weights=crisp / crisp.sum(axis=-1, keepdims=True),
        fuzzy_weights=fw,
        synthetic_extents=None,
        possibility=None,
    )


@FUZZY_AHP_METHODS.register("chang", aliases=("extent_analysis",))
def _chang(tfn: FloatArray, defuzz: Defuzzifier) -> _MethodOutput:
    s, d = chang_extent(tfn)
    # The criterion with the largest modal value has d = 1, so the sum is >= 1.
    return _MethodOutput(
        weights=d / d.sum(axis=-1, keepdims=True),
        fuzzy_weights=None,
        synthetic_extents=s,
        possibility=d,
    )


def fuzzy_ahp(
    tfn_matrix: npt.ArrayLike,
    method: str = "buckley",
    defuzzify: str = "centroid",
    *,
    scale: str = "saaty_pm1",
) -> FuzzyAHPResult:
    """Crisp (and, for Buckley, fuzzy) priorities of a triangular fuzzy pairwise matrix.

    Parameters
    ----------
    tfn_matrix
        ``(..., n, n, 3)`` TFN matrix of ``(l, m, u)`` judgments, or a crisp ``(..., n, n)``
        reciprocal matrix which is fuzzified with ``scale``.  Numbers or fraction strings.
        An array whose last three axes are ``(n, n, 3)`` is always read as TFNs, so a stack
        of crisp 3 × 3 matrices (shape ``(3, 3, 3)``) must be passed through
        :func:`fuzzify` first.
    method
        A name in :data:`FUZZY_AHP_METHODS`: ``"buckley"`` (default) or ``"chang"``.
    defuzzify
        A name in :data:`DEFUZZIFIERS`: ``"centroid"`` (default) or ``"graded_mean"``;
        used by Buckley's method (Chang's method yields crisp weights directly).
    scale
        A name in :data:`FUZZY_SCALES`, used only when a crisp matrix is given.

    Returns
    -------
    FuzzyAHPResult
        Crisp weights, fuzzy weights / synthetic extents, and the names that produced them.

    Raises
    ------
    MatrixError
        Invalid TFN matrix (see :func:`validate_tfn_matrix`) or invalid crisp matrix.
    ShapeError
        The input is neither ``(..., n, n)`` nor ``(..., n, n, 3)``.
    UnknownMethodError
        Unknown ``method``, ``defuzzify`` or ``scale``.

    Warns
    -----
    ConsistencyWarning
        Chang's method produced an exactly zero weight (see Notes).

    Notes
    -----
    **Buckley** [1]_: the fuzzy geometric mean of each row,
    :math:`\\tilde r_i = (\\prod_j \\tilde a_{ij})^{1/n}`, gives the fuzzy weight
    :math:`\\tilde w_i = \\tilde r_i \\otimes (\\sum_k \\tilde r_k)^{-1} =
    (l_i/\\sum u,\\; m_i/\\sum m,\\; u_i/\\sum l)`, defuzzified by the centroid
    :math:`(l + m + u)/3` or the graded mean :math:`(l + 4m + u)/6` and normalised.  On a
    crisp matrix (all TFNs degenerate) it reduces to the row geometric mean.

    **Chang** [2]_: synthetic extents
    :math:`S_i = \\sum_j \\tilde a_{ij} \\otimes [\\sum_{i,j} \\tilde a_{ij}]^{-1}`, degrees of
    possibility :math:`V(S_i \\ge S_k)` (see :func:`possibility_degree`),
    :math:`d(A_i) = \\min_{k \\ne i} V(S_i \\ge S_k)` and :math:`w = d / \\sum d`.  Wang, Luo &
    Hua [3]_ showed that these weights do not represent the relative importance of the
    criteria and can be exactly zero for a criterion that is clearly not irrelevant; a
    :class:`~evalsys.errors.ConsistencyWarning` is emitted whenever a weight is exactly 0.

    References
    ----------
    .. [1] Buckley, J. J. (1985). Fuzzy hierarchical analysis. *Fuzzy Sets and Systems*,
       17(3), 233–247.
    .. [2] Chang, D.-Y. (1996). Applications of the extent analysis method on fuzzy AHP.
       *European Journal of Operational Research*, 95(3), 649–655.
    .. [3] Wang, Y.-M., Luo, Y., & Hua, Z. (2008). On the extent analysis method for fuzzy
       AHP and its applications. *European Journal of Operational Research*, 186(2),
       735–747.

    Examples
    --------
    Degenerate TFNs reproduce the crisp row geometric mean:

    >>> a = [[1, 3], ["1/3", 1]]
    >>> fuzzy_ahp(a, scale="crisp").weights.round(3).tolist()
    [0.75, 0.25]
    """
    method_name = FUZZY_AHP_METHODS.canonical(method)
    kernel = FUZZY_AHP_METHODS.get(method_name)
    defuzz_name = DEFUZZIFIERS.canonical(defuzzify)
    defuzz = DEFUZZIFIERS.get(defuzz_name)
    shape = np.shape(tfn_matrix)
    scale_name: str | None = None
    if len(shape) >= 3 and shape[-1] == 3 and shape[-2] == shape[-3]:
        tfn = validate_tfn_matrix(tfn_matrix)
    elif len(shape) >= 2 and shape[-1] == shape[-2]:
        scale_name = FUZZY_SCALES.canonical(scale)
        tfn = validate_tfn_matrix(fuzzify(tfn_matrix, scale_name))
    else:
        raise ShapeError(
            f"expected a crisp (..., n, n) or fuzzy (..., n, n, 3) matrix; got shape {shape}"
        )
    out = kernel(tfn, defuzz)
    zero = out.weights == 0.0
    if zero.any():
        idx = ", ".join(str(int(i)) for i in np.unique(np.argwhere(zero)[:, -1]))
        warnings.warn(
            f"fuzzy AHP method '{method_name}' gave an exactly zero weight to criterion "
            f"index(es) {idx}; extent analysis is known to produce such weights, which do "
            "not reflect relative importance (Wang, Luo & Hua 2008) — consider 'buckley'",
            ConsistencyWarning,
            stacklevel=2,
        )
    return FuzzyAHPResult(
        weights=readonly(out.weights),
        fuzzy_weights=None if out.fuzzy_weights is None else readonly(out.fuzzy_weights),
        synthetic_extents=(
            None if out.synthetic_extents is None else readonly(out.synthetic_extents)
        ),
        possibility=None if out.possibility is None else readonly(out.possibility),
        method=method_name,
        defuzzifier=defuzz_name if method_name == "buckley" else None,
        scale=scale_name,
        n=int(tfn.shape[-2]),
        zero_weights=readonly(zero),
    )
