"""AHP priority vectors from pairwise judgment matrices.

A pairwise judgment matrix ``A`` is square, positive and reciprocal: ``a[i, j]`` says how much
more important criterion ``i`` is than criterion ``j`` and ``a[j, i] = 1 / a[i, j]``.  Every
function here accepts one matrix of shape ``(n, n)`` or a stack of shape ``(..., n, n)`` and
works on the whole stack at once (no Python loop over matrices).

Public entry points
-------------------
:func:`ahp_priorities`
    Validate, weight and consistency-check one matrix or a stack; returns :class:`AHPResult`.
:func:`validate_matrix`, :func:`parse_matrix`
    The boundary checks (one place, vectorised) and the parser of ``"1/3"``-style entries.
:data:`PRIORITY_METHODS`
    Registry of priority methods: ``"eigenvector"``, ``"geometric_mean"`` (aliases ``"llsm"``,
    ``"rgm"``) and ``"arithmetic_mean"`` (alias ``"column_mean"``).  A new method registers
    itself with ``@PRIORITY_METHODS.register("name")`` and takes/returns stacks.
The kernel of the eigenvector method is :mod:`evalsys.weights.eigen`; RI tables, CI and CR
are :mod:`evalsys.weights.ri_tables`.  Indices in messages and results are 0-based, like numpy.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys._arrays import readonly
from evalsys._registry import Registry
from evalsys.errors import ConsistencyWarning, MatrixError, UnknownMethodError
from evalsys.weights.eigen import lambda_max, principal_eigenpair
from evalsys.weights.ri_tables import (
    RI_TABLES,
    Threshold,
    consistency_index,
    consistency_ratio,
    random_index,
    resolve_threshold,
)

__all__ = [
    "PRIORITY_METHODS",
    "RECIPROCAL_RTOL",
    "SAATY_BOUNDS",
    "SAATY_SCALE",
    "AHPResult",
    "MatrixLike",
    "ahp_priorities",
    "arithmetic_mean",
    "eigenvector",
    "geometric_mean",
    "parse_matrix",
    "validate_matrix",
]

FloatArray = NDArray[np.float64]
PriorityMethod = Callable[[FloatArray], FloatArray]
OutOfScale = Literal["warn", "error", "ignore"]
#: What the matrix parsers accept: numeric array-likes, nested lists whose entries may be
#: numbers or strings such as "1/3", or one string "1 3; 1/3 1".
MatrixLike = ArrayLike | Sequence[Sequence[object]]

#: Saaty's fundamental scale: 1/9, 1/8, …, 1/2, 1, 2, …, 9 (17 values).
SAATY_SCALE: tuple[float, ...] = tuple(
    [1.0 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)]
)

#: Bounds of the Saaty scale, used by :func:`validate_matrix` (``scale=``).
SAATY_BOUNDS: tuple[float, float] = (1.0 / 9.0, 9.0)

#: Default relative tolerance of the reciprocity check ``|a_ij * a_ji - 1| <= rtol``.
#: 1e-2 admits fractions printed with three significant digits (0.333 for 1/3, 0.143 for
#: 1/7, 0.111 for 1/9) but rejects two-digit prints such as 0.14 for 1/7 (0.14 * 7 = 0.98).
RECIPROCAL_RTOL: float = 1e-2

#: Parsed as a missing judgment (NaN) by :func:`parse_matrix`.
_MISSING_TOKENS = frozenset({"", "?", "-", "nan", "na", "n/a", "none", "null"})


# --------------------------------------------------------------------------------------
# parsing and validation (the boundary)
# --------------------------------------------------------------------------------------
def _parse_entry(token: object, i: int, j: int) -> float:
    if token is None:
        return math.nan
    if isinstance(token, bool):
        raise MatrixError(f"entry ({i}, {j}) is a boolean ({token!r}), expected a number")
    if isinstance(token, int | float | np.integer | np.floating):
        return float(token)
    if isinstance(token, Fraction):
        return float(token)
    if isinstance(token, str):
        text = token.strip().replace(" ", "")
        if text.lower() in _MISSING_TOKENS:
            return math.nan
        try:
            return float(Fraction(text))
        except ZeroDivisionError:
            raise MatrixError(f"entry ({i}, {j}) = {token!r} divides by zero") from None
        except (ValueError, OverflowError):
            raise MatrixError(
                f"entry ({i}, {j}) = {token!r} is not a number or a fraction like '1/3'"
            ) from None
    raise MatrixError(f"entry ({i}, {j}) has unsupported type {type(token).__name__}")


def _split_rows(text: str) -> list[list[str]]:
    rows = [r for r in text.replace("\n", ";").split(";") if r.strip()]
    return [r.replace(",", " ").split() for r in rows]


def parse_matrix(obj: MatrixLike) -> FloatArray:
    """Parse a judgment matrix given as numbers, strings or nested lists into floats.

    Parameters
    ----------
    obj
        A numeric array-like of shape ``(n, n)`` or ``(..., n, n)``; a nested list whose
        entries may be numbers or strings such as ``"3"``, ``"1/3"``, ``"0.333"``; or a
        single string with rows separated by ``;`` or newlines and entries by spaces or
        commas (``"1 3; 1/3 1"``).  ``None``, ``""``, ``"?"``, ``"-"``, ``"nan"`` and
        ``"NA"`` denote a missing judgment and become NaN (accepted only by
        :mod:`evalsys.weights.incomplete`).

    Returns
    -------
    numpy.ndarray
        Float64 array.  No reciprocity or positivity check is done here; see
        :func:`validate_matrix`.

    Raises
    ------
    MatrixError
        Ragged rows, or an entry that is not a number or fraction (the message names the
        0-based ``(row, column)``).

    Examples
    --------
    >>> parse_matrix([["1", "1/3"], ["3", "1"]]).tolist()
    [[1.0, 0.3333333333333333], [3.0, 1.0]]
    >>> parse_matrix("1 5; 1/5 1").tolist()
    [[1.0, 5.0], [0.2, 1.0]]
    """
    if isinstance(obj, str):
        obj = _split_rows(obj)
    try:
        arr = np.asarray(obj)
    except ValueError as exc:  # ragged nested lists
        raise MatrixError(f"matrix rows have unequal lengths ({exc})") from None
    if arr.dtype.kind in "iuf":
        return arr.astype(np.float64, copy=True)
    if arr.dtype.kind == "b":
        raise MatrixError("matrix entries are booleans, expected numbers")
    if arr.ndim < 2:
        raise MatrixError(f"a judgment matrix needs 2 dimensions, got shape {arr.shape}")
    flat = arr.reshape(-1, arr.shape[-2], arr.shape[-1])
    out = np.empty(flat.shape, dtype=np.float64)
    for s, mat in enumerate(flat):  # boundary parsing of text entries; not a kernel
        for i, row in enumerate(mat):
            for j, tok in enumerate(row):
                out[s, i, j] = _parse_entry(
                    tok.item() if isinstance(tok, np.generic) else tok, i, j
                )
    return out.reshape(arr.shape)


def _where(stack_index: tuple[int, ...]) -> str:
    return f"matrix {stack_index} of the stack: " if stack_index else ""


def _first_bad(bad: NDArray[np.bool_]) -> tuple[tuple[int, ...], int, int, int]:
    """Stack index, row, column of the first True entry, and the count of True entries."""
    idx = np.argwhere(bad)
    first = tuple(int(v) for v in idx[0])
    return first[:-2], first[-2], first[-1], int(idx.shape[0])


def _more(count: int) -> str:
    return f" ({count - 1} more such entries)" if count > 1 else ""


def validate_matrix(
    a: MatrixLike,
    *,
    rtol: float = RECIPROCAL_RTOL,
    scale: tuple[float, float] | None = SAATY_BOUNDS,
    on_out_of_scale: OutOfScale = "warn",
    symmetrize: bool = True,
) -> FloatArray:
    """Check a judgment matrix (or a stack) once, at the boundary, and return it as floats.

    Parameters
    ----------
    a
        ``(n, n)`` or ``(..., n, n)`` array-like; entries may be strings like ``"1/3"``
        (see :func:`parse_matrix`).
    rtol
        Reciprocity tolerance: ``|a_ij * a_ji - 1| <= rtol`` and ``|a_ii - 1| <= rtol``.
        The default :data:`RECIPROCAL_RTOL` (1e-2) admits printed fractions with three
        significant digits (``0.333`` for 1/3).
    scale
        ``(low, high)`` bounds of the judgment scale, default Saaty's ``(1/9, 9)``; ``None``
        disables the check.  The bounds are widened by ``rtol`` so that ``0.111`` passes.
    on_out_of_scale
        ``"warn"`` (default) emits a :class:`~evalsys.errors.ConsistencyWarning` — other
        scales (e.g. geometric or 1–5 scales, measured ratios) are legitimate — ``"error"``
        raises :class:`~evalsys.errors.MatrixError`, ``"ignore"`` does nothing.
    symmetrize
        If true (default) return the nearest exactly reciprocal matrix: ``a_ij`` is replaced
        by ``sqrt(a_ij / a_ji)`` and the diagonal by 1, so printed fractions (``0.333``) do
        not leak rounding into the kernels.  For exactly reciprocal input this is a no-op.

    Returns
    -------
    numpy.ndarray
        Float64 array of the input's shape.

    Raises
    ------
    MatrixError
        Not square, fewer than 2 dimensions, ``n = 0``, NaN or infinite, zero or negative
        entries, diagonal not 1, or not reciprocal; the message names the 0-based entry
        ``(i, j)`` (and the stack index for stacks) and counts further offenders.  An empty
        stack ``(0, n, n)`` is valid and gives empty results.
    UnknownMethodError
        ``on_out_of_scale`` is not one of ``"warn"``, ``"error"``, ``"ignore"``.

    Notes
    -----
    The check is vectorised over the whole stack.  The transpose of a valid matrix is also
    valid and has the same eigenvalues, hence the same λmax, CI and CR; a matrix entered
    column-wise (``a[i, j]`` meaning *j over i*) therefore cannot be detected from the
    numbers and yields reciprocal-looking, wrong priorities.  Convention here and in every
    evalsys file format: row ``i``, column ``j`` holds the importance of ``i`` over ``j``.

    Examples
    --------
    >>> validate_matrix([[1, 3], [0.333, 1]]).round(4).tolist()
    [[1.0, 3.0015], [0.3332, 1.0]]
    >>> validate_matrix([[1, 3], [0.5, 1]])
    Traceback (most recent call last):
    ...
    evalsys.errors.MatrixError: entries (0, 1) = 3 and (1, 0) = 0.5 are not reciprocal \
(product 1.5, tolerance rtol=0.01)
    """
    if on_out_of_scale not in ("warn", "error", "ignore"):
        raise UnknownMethodError(
            f"unknown on_out_of_scale '{on_out_of_scale}'; valid names: warn, error, ignore"
        )
    arr = parse_matrix(a)
    if arr.ndim < 2:
        raise MatrixError(f"a judgment matrix needs 2 dimensions, got shape {arr.shape}")
    n = arr.shape[-1]
    if arr.shape[-2] != n:
        raise MatrixError(f"judgment matrix is not square: shape {arr.shape}")
    if n == 0:
        raise MatrixError(f"judgment matrix is empty: shape {arr.shape}")

    finite = np.isfinite(arr)
    if not finite.all():
        s, i, j, cnt = _first_bad(~finite)
        val = arr[(*s, i, j)]
        hint = "; incomplete matrices go to evalsys.weights.incomplete" if np.isnan(val) else ""
        raise MatrixError(f"{_where(s)}entry ({i}, {j}) is {val}{_more(cnt)}{hint}")
    positive = arr > 0
    if not positive.all():
        s, i, j, cnt = _first_bad(~positive)
        val = arr[(*s, i, j)]
        raise MatrixError(
            f"{_where(s)}entry ({i}, {j}) = {val:g} is not positive{_more(cnt)}; "
            "judgments are ratios > 0 (a missing judgment is NaN, see evalsys.weights.incomplete)"
        )
    diag = np.diagonal(arr, axis1=-2, axis2=-1)
    bad_diag = np.abs(diag - 1.0) > rtol
    if bad_diag.any():
        idx = np.argwhere(bad_diag)
        s, i = tuple(int(v) for v in idx[0][:-1]), int(idx[0][-1])
        raise MatrixError(
            f"{_where(s)}diagonal entry ({i}, {i}) = {diag[(*s, i)]:g}, expected 1"
            f"{_more(idx.shape[0])}"
        )
    at = np.swapaxes(arr, -1, -2)
    product = arr * at
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    bad_rec = (np.abs(product - 1.0) > rtol) & upper
    if bad_rec.any():
        s, i, j, cnt = _first_bad(bad_rec)
        raise MatrixError(
            f"{_where(s)}entries ({i}, {j}) = {arr[(*s, i, j)]:g} and ({j}, {i}) = "
            f"{arr[(*s, j, i)]:g} are not reciprocal (product {product[(*s, i, j)]:g}, "
            f"tolerance rtol={rtol:g}){_more(cnt)}"
        )
    if scale is not None and on_out_of_scale != "ignore":
        lo, hi = scale
        outside = (arr < lo * (1.0 - rtol)) | (arr > hi * (1.0 + rtol))
        if outside.any():
            s, i, j, cnt = _first_bad(outside)
            msg = (
                f"{_where(s)}entry ({i}, {j}) = {arr[(*s, i, j)]:g} is outside the judgment "
                f"scale [{lo:g}, {hi:g}]{_more(cnt)}"
            )
            if on_out_of_scale == "error":
                raise MatrixError(msg)
            warnings.warn(msg, ConsistencyWarning, stacklevel=2)
    if symmetrize:
        arr = np.sqrt(arr / at)
        idx_n = np.arange(n)
        arr[..., idx_n, idx_n] = 1.0
    return arr


# --------------------------------------------------------------------------------------
# priority methods (trust their input: validated, positive, reciprocal stacks)
# --------------------------------------------------------------------------------------
PRIORITY_METHODS: Registry[PriorityMethod] = Registry("priority method")


@PRIORITY_METHODS.register("eigenvector")
def eigenvector(a: FloatArray) -> FloatArray:
    """Saaty's principal right eigenvector (特征根法), normalised to sum 1.

    See :func:`~evalsys.weights.eigen.principal_eigenpair` for the algorithm and its
    convergence certificate.
    """
    return principal_eigenpair(a)[0]


@PRIORITY_METHODS.register("geometric_mean", aliases=("llsm", "rgm"))
def geometric_mean(a: FloatArray) -> FloatArray:
    """Row geometric mean (方根法), the logarithmic least-squares solution.

    ``w_i ∝ (Π_j a_ij)^(1/n)``; it minimises ``Σ_{i,j} (log a_ij − log w_i + log w_j)²``
    (Crawford & Williams 1985).
    """
    g = np.exp(np.log(a).mean(axis=-1))
    out: FloatArray = g / g.sum(axis=-1, keepdims=True)
    return out


@PRIORITY_METHODS.register("arithmetic_mean", aliases=("column_mean",))
def arithmetic_mean(a: FloatArray) -> FloatArray:
    """Row mean of the column-normalised matrix (和积法, "normalised column average")."""
    normalised = a / a.sum(axis=-2, keepdims=True)
    out: FloatArray = normalised.mean(axis=-1)
    return out


# --------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AHPResult:
    """Priorities and consistency of one judgment matrix or a stack of them.

    For a single ``(n, n)`` matrix ``lambda_max``, ``ci`` and ``cr`` are floats and
    ``consistent`` a bool; for a stack ``(..., n, n)`` they are arrays of shape ``(...)``
    and ``weights`` has shape ``(..., n)``.  Arrays are read-only.

    Attributes
    ----------
    weights
        Priority vector(s), positive, summing to 1 along the last axis.
    lambda_max
        ``mean_i (A w)_i / w_i`` (equals the Perron root for ``method="eigenvector"``).
    ci
        Consistency index ``(λmax − n)/(n − 1)``; 0 for ``n ≤ 2``.
    cr
        Consistency ratio ``CI / RI(n)``; defined as 0 for ``n ≤ 2``.
    consistent
        ``cr < threshold``.
    method
        Canonical name of the priority method used.
    ri_table
        Name of the random-index table used (see :data:`evalsys.weights.ri_tables.RI_TABLES`).
    ri
        The RI value used, ``RI(n)`` from that table.
    n
        Matrix order.
    threshold
        The CR threshold applied (a number; ``threshold="saaty"`` resolves to 0.05 / 0.08 /
        0.10 for ``n`` = 3 / 4 / other).
    """

    weights: FloatArray
    lambda_max: float | FloatArray
    ci: float | FloatArray
    cr: float | FloatArray
    consistent: bool | NDArray[np.bool_]
    method: str
    ri_table: str
    ri: float
    n: int
    threshold: float


def _scalar_or_array(x: FloatArray) -> float | FloatArray:
    return float(x) if x.ndim == 0 else readonly(x)


def _priorities(a: FloatArray, method: str, ri: str, threshold: Threshold) -> AHPResult:
    """Kernel behind :func:`ahp_priorities`: ``a`` is a validated stack."""
    n = a.shape[-1]
    name = PRIORITY_METHODS.canonical(method)
    ri_value = random_index(n, ri)
    limit = resolve_threshold(threshold, n)
    w = PRIORITY_METHODS.get(name)(a)
    lam = lambda_max(a, w)
    ci = consistency_index(lam, n)
    cr = consistency_ratio(ci, n, ri_value)
    ok = np.asarray(cr < limit, dtype=bool)
    return AHPResult(
        weights=readonly(w),
        lambda_max=_scalar_or_array(lam),
        ci=_scalar_or_array(ci),
        cr=_scalar_or_array(cr),
        consistent=bool(ok) if ok.ndim == 0 else readonly(ok),
        method=name,
        ri_table=RI_TABLES.canonical(ri),
        ri=ri_value,
        n=n,
        threshold=limit,
    )


def ahp_priorities(
    matrix: MatrixLike,
    method: str = "eigenvector",
    ri: str = "saaty1980",
    threshold: Threshold = 0.10,
    *,
    rtol: float = RECIPROCAL_RTOL,
    scale: tuple[float, float] | None = SAATY_BOUNDS,
    on_out_of_scale: OutOfScale = "warn",
) -> AHPResult:
    """Priority vector, λmax, CI and CR of a judgment matrix or a stack of them.

    Parameters
    ----------
    matrix
        ``(n, n)`` or ``(..., n, n)`` positive reciprocal matrix; entries may be strings
        such as ``"1/3"``.  Validated once by :func:`validate_matrix`.
    method
        A name in :data:`PRIORITY_METHODS`: ``"eigenvector"`` (default),
        ``"geometric_mean"`` (``"llsm"``, ``"rgm"``), ``"arithmetic_mean"``
        (``"column_mean"``).
    ri
        A name in :data:`evalsys.weights.ri_tables.RI_TABLES` (default ``"saaty1980"``).  A size
        beyond the table raises :class:`~evalsys.errors.RITableError`.
    threshold
        CR threshold; ``consistent`` is ``cr < threshold``.  Default 0.10.  ``"saaty"``
        uses Saaty's size-dependent limits 0.05 (n = 3), 0.08 (n = 4), 0.10 (n ≥ 5).
    rtol, scale, on_out_of_scale
        Passed to :func:`validate_matrix`.

    Returns
    -------
    AHPResult
        Scalars for one matrix, arrays for a stack; records ``method``, ``ri_table``, ``ri``
        and ``threshold``.

    Raises
    ------
    MatrixError
        Invalid matrix (see :func:`validate_matrix`).
    UnknownMethodError
        Unknown ``method`` or ``ri`` (the message lists valid names).
    RITableError
        ``n`` beyond the RI table.

    Notes
    -----
    For every method

    .. math::

        λ_{max} = \\frac{1}{n}\\sum_i \\frac{(A w)_i}{w_i},\\qquad
        CI = \\frac{λ_{max} - n}{n - 1},\\qquad CR = \\frac{CI}{RI(n)}.

    For the eigenvector method λmax is the Perron root.  For ``n ≤ 2`` every reciprocal
    matrix is consistent, RI is 0 and CI and CR are defined as 0 (never NaN).  Tiny
    negative CI from round-off is clipped to 0 (λmax ≥ n holds for every reciprocal
    matrix and every positive ``w``).

    The transpose of a judgment matrix has the same λmax, CI and CR but different
    weights, so entering a matrix column-wise cannot be detected from the numbers; the
    row convention is documented in :func:`validate_matrix`.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill.
    .. [2] Saaty, T. L. (2008). Decision making with the analytic hierarchy process.
       *Int. J. Services Sciences* 1(1), 83–98.
    .. [3] Crawford, G., Williams, C. (1985). A note on the analysis of subjective
       judgment matrices. *J. Math. Psychol.* 29(4), 387–405.

    Examples
    --------
    Saaty (2004), choosing a city (criteria level), as quoted in the reference cases:

    >>> A = [[1, 1/5, 3, 1/2, 5], [5, 1, 7, 1, 7], [1/3, 1/7, 1, 1/4, 3],
    ...      [2, 1, 4, 1, 7], [1/5, 1/7, 1/3, 1/7, 1]]
    >>> r = ahp_priorities(A, method="eigenvector", ri="saaty1980")
    >>> r.weights.round(3).tolist()
    [0.152, 0.433, 0.072, 0.305, 0.038]
    >>> round(r.lambda_max, 4), round(r.cr, 4), r.consistent, r.ri
    (5.2252, 0.0503, True, 1.12)
    """
    a = validate_matrix(matrix, rtol=rtol, scale=scale, on_out_of_scale=on_out_of_scale)
    return _priorities(a, method, ri, threshold)
