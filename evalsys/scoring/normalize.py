"""Column-wise normalisation of raw indicator values.

Every normaliser maps an ``(E, k)`` block of raw values to ``(E, k)`` scores in which
*larger is better*.  Parameters are per column, arrays of shape ``(k,)`` that broadcast over
the entity axis.  :func:`normalize_columns` is the dispatcher used on a whole ``(E, L)``
indicator matrix: it groups the columns by kind and calls each kernel once per kind, so the
only Python loop is over the handful of kinds.

Bounds ``lo`` / ``hi`` either come from the data (column minimum / maximum, the default and
wherever an entry of a passed array is NaN) or are fixed by the caller (e.g. the range of a
standard).  The bounded kinds clip their result to ``[0, 1]`` so that a value beyond a
fixed bound scores 0 or 1 instead of leaving the unit interval.

Normalisers registered in :data:`NORMALIZERS`:

================  =========================================================  ===========
kind              formula                                                    range
================  =========================================================  ===========
``benefit``       :math:`(x - lo) / (hi - lo)`                               [0, 1]
``cost``          :math:`(hi - x) / (hi - lo)`                               [0, 1]
``target``        :math:`1 - |x - t| / \\max(t - lo, hi - t)`                [0, 1]
``interval``      1 on :math:`[a, b]`, linear to 0 at ``lo`` and ``hi``      [0, 1]
``linear``        :math:`x / hi` (positive ratio-scale data)                 [0, 1]
``linear_cost``   :math:`lo / x` (positive ratio-scale data)                 [0, 1]
``vector``        :math:`x / \\lVert x_{\\cdot j} \\rVert_2`                  unbounded
``vector_cost``   :math:`1 - x / \\lVert x_{\\cdot j} \\rVert_2`              unbounded
``zscore``        :math:`(x - \\bar x_j) / s_j` (population std)             unbounded
================  =========================================================  ===========

Degenerate columns never produce NaN:

* a bounded kind whose bounds come from the data and whose column is constant
  (``hi == lo``) gives **1.0** for every entity (no entity can be told apart, none is
  penalised);
* ``vector`` of an all-zero column gives 0.0 (``vector_cost`` gives 1.0);
* ``zscore`` of a constant column gives 0.0.

``linear`` / ``linear_cost`` (the linear scale transformation of Hwang & Yoon [1]_, the
"linear" normalisation of weighted sum in pymcdm and pyDecision) read the values as a
ratio scale: ``linear`` needs values >= 0 and ``hi > 0``, ``linear_cost`` values > 0 and
``lo > 0``; other values are rejected with a :class:`~evalsys.errors.DataError`.  Unlike
the min-max kinds they keep proportions (the best entity scores 1, half of it 0.5), and a
constant column scores 1.0.

Data-derived parameters (min, max, norm, mean, std) are computed from the ``X`` passed in, so
normalising a table in chunks of entities is only equivalent to normalising it whole when
the bounds are fixed.

References
----------
.. [1] Hwang, C.-L. and Yoon, K. (1981). *Multiple Attribute Decision Making: Methods and
       Applications*. Springer, Lecture Notes in Economics and Mathematical Systems 186.
       (vector normalisation, linear scale transformations.)
.. [2] 郭亚军 (Guo Yajun) (2007). 《综合评价理论、方法及应用》. 科学出版社.
       (极大型/极小型/中间型/区间型 indicator transformations.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys._registry import Registry
from evalsys.errors import DataError, ShapeError

__all__ = [
    "NORMALIZERS",
    "ColumnParams",
    "Normalizer",
    "normalize",
    "normalize_columns",
]

FloatArray = NDArray[np.float64]

#: Values per block a chunkable kernel processes at once (1 MiB of float64): temporaries stay
#: in cache.  Results do not depend on it.
_CHUNK_ELEMENTS = 1 << 17


@dataclass(frozen=True, slots=True)
class ColumnParams:
    """Per-column parameters handed to a normalisation kernel (all of shape ``(k,)``).

    ``lo`` / ``hi`` are already resolved (data bounds filled in); ``data_bounds`` flags the
    columns whose ``lo`` *and* ``hi`` both came from the data.  ``target``, ``a`` and ``b``
    are NaN where not given.
    """

    lo: FloatArray
    hi: FloatArray
    target: FloatArray
    a: FloatArray
    b: FloatArray
    data_bounds: NDArray[np.bool_]


Kernel = Callable[[FloatArray, ColumnParams, FloatArray], FloatArray]


@dataclass(frozen=True, slots=True)
class Normalizer:
    """A registered normalisation kind.

    Attributes
    ----------
    name
        Registry name.
    kernel
        ``kernel(X, params, out) -> out``: pure function on an ``(E, k)`` block, writes into
        and returns ``out`` (same shape).  Trusts its inputs.
    requires
        Names of :class:`ColumnParams` fields that must be given (non-NaN) for every column.
    bounded
        Whether the result is clipped to ``[0, 1]``.
    whole_column
        Whether the kernel computes statistics over all entities of a column (norm, mean,
        std) and so must see whole columns; other kernels are applied to cache-sized chunks
        of entities.
    """

    name: str
    kernel: Kernel
    requires: tuple[str, ...] = ()
    bounded: bool = True
    whole_column: bool = False


NORMALIZERS: Registry[Normalizer] = Registry("normalizer")


def _register(
    name: str,
    *,
    requires: tuple[str, ...] = (),
    bounded: bool = True,
    whole_column: bool = False,
) -> Callable[[Kernel], Kernel]:
    def deco(kernel: Kernel) -> Kernel:
        NORMALIZERS.add(
            name,
            Normalizer(name, kernel, requires, bounded=bounded, whole_column=whole_column),
        )
        return kernel

    return deco


def _fill_constant(out: FloatArray, p: ColumnParams, value: float) -> None:
    """Set data-bounded constant columns to ``value`` (documented degenerate behaviour)."""
    const = p.data_bounds & (p.hi == p.lo)
    if const.any():
        out[:, const] = value


@_register("benefit")
def benefit_kernel(X: FloatArray, p: ColumnParams, out: FloatArray) -> FloatArray:
    r"""Benefit (larger-is-better) linear scaling :math:`(x - lo)/(hi - lo)`, clipped to [0, 1]."""
    span = p.hi - p.lo
    safe = np.where(span > 0, span, 1.0)
    np.subtract(X, p.lo, out=out)
    np.divide(out, safe, out=out)
    np.clip(out, 0.0, 1.0, out=out)
    _fill_constant(out, p, 1.0)
    return out


@_register("cost")
def cost_kernel(X: FloatArray, p: ColumnParams, out: FloatArray) -> FloatArray:
    r"""Cost (smaller-is-better) linear scaling :math:`(hi - x)/(hi - lo)`, clipped to [0, 1]."""
    span = p.hi - p.lo
    safe = np.where(span > 0, span, 1.0)
    np.subtract(p.hi, X, out=out)
    np.divide(out, safe, out=out)
    np.clip(out, 0.0, 1.0, out=out)
    _fill_constant(out, p, 1.0)
    return out


@_register("target", requires=("target",))
def target_kernel(X: FloatArray, p: ColumnParams, out: FloatArray) -> FloatArray:
    r"""Target (moderate, 中间型) scaling :math:`1 - |x - t| / \max(t - lo, hi - t)`."""
    scale = np.maximum(p.target - p.lo, p.hi - p.target)
    positive = scale > 0
    safe = np.where(positive, scale, 1.0)
    np.subtract(X, p.target, out=out)
    np.abs(out, out=out)
    np.divide(out, safe, out=out)
    np.subtract(1.0, out, out=out)
    np.clip(out, 0.0, 1.0, out=out)
    if not positive.all():
        # lo == hi == target: only x == target is possible inside the bounds.
        zero_scale = ~positive
        out[:, zero_scale] = np.where(X[:, zero_scale] == p.target[zero_scale], 1.0, 0.0)
    _fill_constant(out, p, 1.0)
    return out


@_register("interval", requires=("a", "b"))
def interval_kernel(X: FloatArray, p: ColumnParams, out: FloatArray) -> FloatArray:
    r"""Interval (区间型) scaling: 1 on ``[a, b]``, linear down to 0 at ``lo`` and at ``hi``.

    .. math::

        r = \begin{cases}
            1 - (a - x)/(a - lo) & x < a \\
            1 & a \le x \le b \\
            1 - (x - b)/(hi - b) & x > b
        \end{cases}

    clipped to [0, 1]; a side whose span is zero (``a <= lo`` or ``b >= hi``) gives 0 for
    values beyond it (they lie beyond the bound).
    """
    left_span = p.a - p.lo
    right_span = p.hi - p.b
    below = np.less(X, p.a)
    above = np.greater(X, p.b)
    out.fill(1.0)  # inside [a, b]
    np.copyto(out, 0.0, where=below | above)  # beyond a zero-span side: beyond the bound
    np.divide(X - p.lo, left_span, out=out, where=below & (left_span > 0))
    np.divide(p.hi - X, right_span, out=out, where=above & (right_span > 0))
    np.clip(out, 0.0, 1.0, out=out)
    _fill_constant(out, p, 1.0)
    return out


@_register("linear")
def linear_kernel(X: FloatArray, p: ColumnParams, out: FloatArray) -> FloatArray:
    r"""Linear (ratio) benefit scaling :math:`x / hi`, clipped to [0, 1]; ``hi`` > 0."""
    np.divide(X, p.hi, out=out)
    np.clip(out, 0.0, 1.0, out=out)
    return out


@_register("linear_cost")
def linear_cost_kernel(X: FloatArray, p: ColumnParams, out: FloatArray) -> FloatArray:
    r"""Linear (ratio) cost scaling :math:`lo / x`, clipped to [0, 1]; ``lo`` and x > 0."""
    np.divide(p.lo, X, out=out)
    np.clip(out, 0.0, 1.0, out=out)
    return out


def _check_ratio_scale(name: str, X: FloatArray, lo: FloatArray, hi: FloatArray) -> None:
    """The ``linear`` kinds need x >= 0, hi > 0 (benefit) or x > 0, lo > 0 (cost)."""
    if name == "linear":
        bad = (X < 0).any(axis=0) | ~(hi > 0)
        need = "values >= 0 and a positive maximum"
    else:
        bad = (X <= 0).any(axis=0) | ~(lo > 0)
        need = "positive values and a positive minimum"
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        rows = np.flatnonzero(X[:, j] < 0 if name == "linear" else X[:, j] <= 0)
        raise DataError(
            f"normaliser '{name}' reads a ratio scale and needs {need}",
            column=str(j),
            rows=[int(i) for i in rows],
        )


def _column_norm(X: FloatArray) -> FloatArray:
    norm: FloatArray = np.sqrt(np.einsum("ek,ek->k", X, X))
    return norm


@_register("vector", bounded=False, whole_column=True)
def vector_kernel(X: FloatArray, p: ColumnParams, out: FloatArray) -> FloatArray:
    r"""Vector normalisation :math:`x / \sqrt{\sum_e x_e^2}`; an all-zero column gives 0."""
    norm = _column_norm(X)
    np.divide(X, np.where(norm > 0, norm, 1.0), out=out)
    return out


@_register("vector_cost", bounded=False, whole_column=True)
def vector_cost_kernel(X: FloatArray, p: ColumnParams, out: FloatArray) -> FloatArray:
    r"""Cost form of vector normalisation :math:`1 - x / \lVert x \rVert_2`.

    TOPSIS does *not* use this: it vector-normalises every column as is and handles cost
    columns by taking the minimum as the ideal (see :func:`evalsys.scoring.mcda.topsis`).
    """
    vector_kernel(X, p, out)
    np.subtract(1.0, out, out=out)
    return out


@_register("zscore", bounded=False, whole_column=True)
def zscore_kernel(X: FloatArray, p: ColumnParams, out: FloatArray) -> FloatArray:
    r"""Standard score :math:`(x - \bar x)/s` with the population std; constant column → 0."""
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    np.subtract(X, mean, out=out)
    np.divide(out, np.where(std > 0, std, 1.0), out=out)
    return out


def _as_param(value: ArrayLike | None, name: str, L: int) -> FloatArray:
    if value is None:
        return np.full(L, np.nan)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return np.full(L, float(arr))
    if arr.shape != (L,):
        raise ShapeError(f"{name} must have shape ({L},) to match X's columns, got {arr.shape}")
    return arr


def _bad_rows(mask: NDArray[np.bool_]) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask.any(axis=1) if mask.ndim == 2 else mask)]


def normalize_columns(
    X: ArrayLike,
    kinds: Sequence[str],
    lo: ArrayLike | None = None,
    hi: ArrayLike | None = None,
    target: ArrayLike | None = None,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
    *,
    out: FloatArray | None = None,
) -> FloatArray:
    r"""Normalise every column of ``X`` with its own kind and parameters.

    Parameters
    ----------
    X : array_like, shape (E, L)
        Raw indicator values, finite.
    kinds : sequence of str, length L
        Normaliser name per column (see :data:`NORMALIZERS`).
    lo, hi : array_like, shape (L,), optional
        Fixed lower / upper bounds.  ``None`` or a NaN entry means "take the column minimum /
        maximum from ``X``".  Where both are fixed, ``lo < hi`` is required.
    target : array_like, shape (L,), optional
        Target value of ``"target"`` columns (NaN elsewhere).
    a, b : array_like, shape (L,), optional
        Optimal interval ``[a, b]`` of ``"interval"`` columns (``a <= b``).
    out : ndarray, shape (E, L), optional
        Preallocated float64 output.

    Returns
    -------
    ndarray, shape (E, L)
        Normalised values, larger is better.

    Raises
    ------
    ShapeError
        ``X`` not 2-D, or a parameter / ``kinds`` length does not match ``L``.
    DataError
        Non-finite values (the rows are named), a missing required parameter, ``lo >= hi``
        for fixed bounds, or ``a > b``.
    UnknownMethodError
        A kind is not registered; the message lists the valid names.

    Notes
    -----
    Column groups of the same kind are processed in one vectorised kernel call, so the cost is
    a handful of passes over ``X`` regardless of ``L``.  See the module docstring for the
    formulas and the degenerate-column rules (constant data-bounded column → 1.0).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 10.0], [3.0, 20.0], [2.0, 30.0]])
    >>> normalize_columns(X, ["benefit", "cost"])
    array([[0. , 1. ],
           [1. , 0.5],
           [0.5, 0. ]])
    """
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 2:
        raise ShapeError(f"X must be 2-D (entities, indicators), got shape {Xa.shape}")
    E, L = Xa.shape
    kinds = list(kinds)
    if len(kinds) != L:
        raise ShapeError(f"kinds has {len(kinds)} entries but X has {L} columns (shape {Xa.shape})")
    finite = np.isfinite(Xa)
    if not finite.all():
        raise DataError("X contains NaN or infinite values", rows=_bad_rows(~finite))
    normalizers = [NORMALIZERS.get(k) for k in kinds]

    lo_a = _as_param(lo, "lo", L)
    hi_a = _as_param(hi, "hi", L)
    params = {
        "target": _as_param(target, "target", L),
        "a": _as_param(a, "a", L),
        "b": _as_param(b, "b", L),
    }
    if E > 0:
        data_lo = np.isnan(lo_a)
        data_hi = np.isnan(hi_a)
        lo_r = np.where(data_lo, Xa.min(axis=0), lo_a)
        hi_r = np.where(data_hi, Xa.max(axis=0), hi_a)
    else:
        data_lo = data_hi = np.ones(L, dtype=bool)
        lo_r, hi_r = np.zeros(L), np.ones(L)
    fixed_both = ~data_lo & ~data_hi
    bad = fixed_both & ~(lo_r < hi_r)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"fixed bounds need lo < hi, got lo={lo_r[j]!r}, hi={hi_r[j]!r}", column=str(j)
        )

    if out is None:
        out = np.empty((E, L), dtype=np.float64)
    elif out.shape != (E, L):
        raise ShapeError(f"out has shape {out.shape}, expected {(E, L)}")

    groups: dict[str, list[int]] = {}
    for j, norm in enumerate(normalizers):
        groups.setdefault(norm.name, []).append(j)
    for name, cols_list in groups.items():
        norm = NORMALIZERS.get(name)
        cols = np.asarray(cols_list, dtype=np.intp)
        for req in norm.requires:
            missing = np.isnan(params[req][cols])
            if missing.any():
                j = int(cols[np.flatnonzero(missing)[0]])
                raise DataError(
                    f"normaliser '{name}' needs '{req}' for every column", column=str(j)
                )
        if name in ("linear", "linear_cost"):
            _check_ratio_scale(name, Xa[:, cols], lo_r[cols], hi_r[cols])
        if name == "interval":
            inverted = params["a"][cols] > params["b"][cols]
            if inverted.any():
                j = int(cols[np.flatnonzero(inverted)[0]])
                raise DataError("interval normaliser needs a <= b", column=str(j))
        cp = ColumnParams(
            lo=lo_r[cols],
            hi=hi_r[cols],
            target=params["target"][cols],
            a=params["a"][cols],
            b=params["b"][cols],
            data_bounds=(data_lo & data_hi)[cols],
        )
        step = E if norm.whole_column else max(1, _CHUNK_ELEMENTS // cols.size)
        first, last = int(cols[0]), int(cols[-1]) + 1
        contiguous = last - first == cols.size
        block = None if contiguous else np.empty((min(step, E), cols.size), dtype=np.float64)
        for r0 in range(0, E, step):
            r1 = min(r0 + step, E)
            if block is None:
                norm.kernel(Xa[r0:r1, first:last], cp, out[r0:r1, first:last])
            else:
                part = block[: r1 - r0]
                out[r0:r1, cols] = norm.kernel(Xa[r0:r1][:, cols], cp, part)
    return out


def normalize(
    X: ArrayLike,
    kind: str,
    lo: ArrayLike | None = None,
    hi: ArrayLike | None = None,
    target: ArrayLike | None = None,
    a: ArrayLike | None = None,
    b: ArrayLike | None = None,
) -> FloatArray:
    """Normalise every column of ``X`` with the same ``kind``.

    A convenience over :func:`normalize_columns` (same parameters, same errors); a 1-D ``X``
    is treated as a single column and a 1-D result is returned.

    Examples
    --------
    >>> normalize([2.0, 4.0, 6.0], "cost")
    array([1. , 0.5, 0. ])
    """
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim == 1:
        return normalize_columns(Xa[:, None], [kind], lo, hi, target, a, b)[:, 0]
    if Xa.ndim != 2:
        raise ShapeError(f"X must be 1-D or 2-D, got shape {Xa.shape}")
    return normalize_columns(Xa, [kind] * Xa.shape[1], lo, hi, target, a, b)
