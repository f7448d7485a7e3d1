"""Incomplete pairwise judgment matrices.

Convention: a **missing judgment is NaN** (``float("nan")``, or ``None``/``"?"``/``""`` in
parsed input).  Zero is not a missing marker — it is rejected like any non-positive
judgment, with a hint.  A judgment given on one side only (``a_ij`` known, ``a_ji`` NaN) is
completed by reciprocity, so an upper triangle alone is a valid input.  The diagonal is 1.
:func:`from_judgments` builds such a matrix from a list ``[(i, j, value), …]``.

The *judgment graph* has the criteria as vertices and an edge per known pair; priorities
are determined only if it is connected, otherwise :class:`~evalsys.errors.MatrixError`
names the criteria that cannot be reached.

Methods (registry :data:`INCOMPLETE_METHODS`)
---------------------------------------------
``harker``
    Harker (1987): replace each missing ``a_ij`` by 0 and set the diagonal to
    ``1 + m_i`` (``m_i`` = missing judgments in row ``i``); take the Perron vector.
``llsm``
    Logarithmic least squares over the known pairs (Kwiesielewicz 1996; Bozóki, Fülöp &
    Rónyai 2010): minimise ``Σ_{known i<j} (log a_ij − log w_i + log w_j)²``, solved as
    a graph-Laplacian linear system.  Equals the row geometric mean when nothing is missing.
``optimal_completion``
    Bozóki, Fülöp & Rónyai (2010): choose the missing entries that minimise λmax of the
    completed matrix (convex in the logarithms of the missing entries; unique optimum for
    a connected graph), then take its Perron vector.

In every case the completed matrix fills missing ``a_ij`` with ``w_i / w_j`` (for
``optimal_completion``, with the optimal entries), and λmax, CI and CR are those of the
completed matrix.  The RI tables are calibrated on complete random matrices; random
incomplete matrices completed this way have smaller λmax on average, so the usual CR test
tends to be lenient for them (see Ágoston & Csató 2022 for thresholds specific to
incomplete matrices).

References
----------
.. [1] Harker, P. T. (1987). Incomplete pairwise comparisons in the analytic hierarchy
   process. *Math. Modelling* 9(11), 837–848.
.. [2] Kwiesielewicz, M. (1996). The logarithmic least squares and the generalized
   pseudoinverse in estimating ratios. *Eur. J. Oper. Res.* 93(3), 611–619.
.. [3] Bozóki, S., Fülöp, J., Rónyai, L. (2010). On optimal completion of incomplete
   pairwise comparison matrices. *Math. Comput. Modelling* 52(1–2), 318–333.
.. [4] Ágoston, K. Cs., Csató, L. (2022). Inconsistency thresholds for incomplete pairwise
   comparison matrices. *Omega* 108, 102576.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from evalsys._registry import Registry
from evalsys.errors import MatrixError
from evalsys.weights.ahp import (
    RECIPROCAL_RTOL,
    SAATY_BOUNDS,
    FloatArray,
    MatrixLike,
    OutOfScale,
    parse_matrix,
    validate_matrix,
)
from evalsys.weights.eigen import lambda_max, principal_eigenpair
from evalsys.weights.ri_tables import (
    RI_TABLES,
    consistency_index,
    consistency_ratio,
    random_index,
    resolve_threshold,
)

__all__ = [
    "INCOMPLETE_METHODS",
    "IncompleteResult",
    "from_judgments",
    "incomplete_priorities",
    "validate_incomplete",
]

#: A completion method: (matrix with NaN for missing, known mask) -> (weights, completed).
CompletionMethod = Callable[[FloatArray, NDArray[np.bool_]], tuple[FloatArray, FloatArray]]

INCOMPLETE_METHODS: Registry[CompletionMethod] = Registry("incomplete-matrix method")


def from_judgments(n: int, judgments: Iterable[tuple[int, int, float | str]]) -> FloatArray:
    """Build an ``(n, n)`` matrix from judgments ``(i, j, a_ij)``; the rest is NaN.

    Reciprocals ``a_ji = 1 / a_ij`` and the unit diagonal are filled in.  Values may be
    strings such as ``"1/3"``.  Indices are 0-based.

    Raises
    ------
    MatrixError
        Index out of range, a diagonal judgment, a non-positive value, or the same pair
        given twice with values that are not reciprocal-consistent.

    Examples
    --------
    >>> from_judgments(3, [(0, 1, 2), (1, 2, "1/3")]).round(3).tolist()
    [[1.0, 2.0, nan], [0.5, 1.0, 0.333], [nan, 3.0, 1.0]]
    """
    if n < 1:
        raise MatrixError(f"matrix order must be >= 1, got {n}")
    a = np.full((n, n), np.nan)
    np.fill_diagonal(a, 1.0)
    for k, (i, j, raw) in enumerate(judgments):  # boundary parsing of a short list
        if not (0 <= i < n and 0 <= j < n):
            raise MatrixError(f"judgment {k}: index ({i}, {j}) outside 0..{n - 1}")
        if i == j:
            raise MatrixError(f"judgment {k}: ({i}, {j}) compares a criterion with itself")
        value = float(parse_matrix([[raw]])[0, 0])
        if not (math.isfinite(value) and value > 0):
            raise MatrixError(f"judgment {k}: a_{i}{j} = {raw!r} is not a positive number")
        if not math.isnan(a[i, j]) and abs(a[i, j] * (1.0 / value) - 1.0) > RECIPROCAL_RTOL:
            raise MatrixError(
                f"judgment {k}: pair ({i}, {j}) given twice with different values "
                f"({a[i, j]:g} and {value:g})"
            )
        a[i, j], a[j, i] = value, 1.0 / value
    return a


def validate_incomplete(
    matrix: MatrixLike,
    *,
    rtol: float = RECIPROCAL_RTOL,
    scale: tuple[float, float] | None = SAATY_BOUNDS,
    on_out_of_scale: OutOfScale = "warn",
    labels: Sequence[str] | None = None,
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Check an incomplete matrix; return it (NaN = missing) and the mask of known entries.

    One-sided judgments are completed by reciprocity; the known part is checked by
    :func:`evalsys.weights.ahp.validate_matrix` rules (positive, reciprocal, unit diagonal, scale)
    and the judgment graph must be connected.  ``labels`` (one name per criterion) are
    used to name unreachable criteria in the error message.

    Raises
    ------
    MatrixError
        Not one square matrix, infinite/zero/negative entries, a missing diagonal entry
        that is not 1, non-reciprocal pairs, or a disconnected judgment graph (the message
        lists the criteria not reachable from criterion 0).
    """
    a = parse_matrix(matrix)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise MatrixError(f"expected one non-empty square (n, n) matrix, got shape {a.shape}")
    n = a.shape[0]
    if labels is not None and len(labels) != n:
        raise MatrixError(f"{len(labels)} labels for a {n}x{n} matrix")
    if (a == 0).any():
        i, j = (int(v) for v in np.argwhere(a == 0)[0])
        raise MatrixError(
            f"entry ({i}, {j}) is 0; a missing judgment is NaN, not 0 (judgments are ratios > 0)"
        )
    diag = np.arange(n)
    a[diag, diag] = np.where(np.isnan(a[diag, diag]), 1.0, a[diag, diag])
    one_sided = np.isnan(a) & ~np.isnan(a.T)
    a[one_sided] = 1.0 / a.T[one_sided]
    known = ~np.isnan(a)
    # validate the known part: fill the gaps with 1 (neutral for every check)
    validate_matrix(
        np.where(known, a, 1.0),
        rtol=rtol,
        scale=scale,
        on_out_of_scale=on_out_of_scale,
        symmetrize=False,
    )
    a = np.where(known, np.sqrt(a / a.T), np.nan)
    a[diag, diag] = 1.0
    _check_connected(known, labels)
    return a, known


def _check_connected(known: NDArray[np.bool_], labels: Sequence[str] | None) -> None:
    n = known.shape[0]
    adjacency = known & ~np.eye(n, dtype=bool)
    from scipy.sparse.csgraph import connected_components  # lazy: keeps start-up fast

    count, comp = connected_components(adjacency.astype(np.int8), directed=False)
    if count > 1:

        def name(k: int) -> str:
            return repr(k) if labels is None else repr(str(labels[k]))

        groups = ", ".join(
            "[" + ", ".join(name(int(k)) for k in np.flatnonzero(comp == c)) + "]"
            for c in range(count)
        )
        unreachable = ", ".join(name(int(k)) for k in np.flatnonzero(comp != comp[0]))
        raise MatrixError(
            f"judgment graph is not connected: criteria [{unreachable}] cannot be reached from "
            f"criterion {name(0)} (components {groups}); add judgments linking the components"
        )


# --------------------------------------------------------------------------------------
# kernels: (a with NaN, known mask) -> (weights, completed matrix)
# --------------------------------------------------------------------------------------
def _complete_with(a: FloatArray, known: NDArray[np.bool_], w: FloatArray) -> FloatArray:
    out: FloatArray = np.where(known, a, w[:, None] / w[None, :])
    return out


@INCOMPLETE_METHODS.register("harker")
def harker(a: FloatArray, known: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    """Harker (1987): Perron vector of ``B`` (missing → 0, ``b_ii = 1 + m_i``).

    ``B w = λ w`` is exactly ``C w = λ w`` for the matrix ``C`` completed with
    ``c_ij = w_i / w_j``, so ``w`` is also the eigenvector of the completed matrix.
    """
    b = np.where(known, a, 0.0)
    missing = (~known).sum(axis=1)
    b[np.diag_indices_from(b)] = 1.0 + missing
    w = principal_eigenpair(b)[0]
    return w, _complete_with(a, known, w)


@INCOMPLETE_METHODS.register("llsm", aliases=("geometric_mean",))
def llsm(a: FloatArray, known: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    """Incomplete logarithmic least squares via the judgment-graph Laplacian.

    Normal equations ``L y = b`` with ``L = D − Adj`` over the known pairs and
    ``b_i = Σ_{known j} log a_ij``; the gauge ``Σ y = 0`` is fixed by solving
    ``(L + 11ᵀ/n) y = b`` (non-singular for a connected graph).  ``w = exp(y)/Σ exp(y)``.
    """
    n = a.shape[0]
    off = known & ~np.eye(n, dtype=bool)
    lap = np.diag(off.sum(axis=1).astype(np.float64)) - off
    rhs = np.where(off, np.log(np.where(known, a, 1.0)), 0.0).sum(axis=1)
    y = np.linalg.solve(lap + 1.0 / n, rhs)
    w = np.exp(y - y.max())
    w /= w.sum()
    return w, _complete_with(a, known, w)


@INCOMPLETE_METHODS.register("optimal_completion", aliases=("lambda_min", "bozoki2010"))
def optimal_completion(a: FloatArray, known: NDArray[np.bool_]) -> tuple[FloatArray, FloatArray]:
    """Bozóki, Fülöp & Rónyai (2010): missing entries that minimise λmax.

    The variables are ``x = log a_ij`` of the missing pairs ``i < j`` (``a_ji = e^{−x}``).
    λmax is convex in ``x`` and its gradient is ``∂λ/∂x = (v_i u_j a_ij − v_j u_i a_ji) /
    (vᵀu)`` with ``u``, ``v`` the right and left Perron vectors.  Minimised with BFGS from
    the LLSM completion; the weights are the Perron vector of the optimal completion.
    """
    iu, ju = np.nonzero(np.triu(~known, k=1))
    _, start = llsm(a, known)
    if iu.size == 0:
        return principal_eigenpair(a)[0], a.copy()

    def build(x: FloatArray) -> FloatArray:
        c = start.copy()
        c[iu, ju] = np.exp(x)
        c[ju, iu] = np.exp(-x)
        return c

    def objective(x: FloatArray) -> tuple[float, FloatArray]:
        c = build(x)
        u, lam = principal_eigenpair(c)
        v = principal_eigenpair(np.ascontiguousarray(c.T))[0]
        scale = float(v @ u)
        grad = (v[iu] * u[ju] * c[iu, ju] - v[ju] * u[iu] * c[ju, iu]) / scale
        return float(lam), grad

    x0 = np.log(start[iu, ju])
    from scipy.optimize import minimize  # lazy: keeps start-up fast

    sol = minimize(objective, x0, jac=True, method="BFGS", options={"gtol": 1e-10})
    completed = build(np.asarray(sol.x, dtype=np.float64))
    w = principal_eigenpair(completed)[0]
    return w, completed


# --------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class IncompleteResult:
    """Priorities of an incomplete judgment matrix.

    Attributes
    ----------
    weights
        Priority vector, positive, summing to 1.
    completed
        The completed ``(n, n)`` matrix (read-only).
    missing
        The missing pairs ``(i, j)`` with ``i < j``.
    lambda_max, ci, cr, consistent
        Consistency of the completed matrix, as in :class:`evalsys.weights.ahp.AHPResult`.
    method, ri_table, ri, n, threshold
        What produced the result.
    """

    weights: FloatArray
    completed: FloatArray
    missing: tuple[tuple[int, int], ...]
    lambda_max: float
    ci: float
    cr: float
    consistent: bool
    method: str
    ri_table: str
    ri: float
    n: int
    threshold: float


def incomplete_priorities(
    matrix: MatrixLike,
    method: str = "harker",
    ri: str = "saaty1980",
    threshold: float | Literal["saaty"] = 0.10,
    *,
    rtol: float = RECIPROCAL_RTOL,
    scale: tuple[float, float] | None = SAATY_BOUNDS,
    on_out_of_scale: OutOfScale = "warn",
    labels: Sequence[str] | None = None,
) -> IncompleteResult:
    """Priorities and consistency of an incomplete judgment matrix.

    Parameters
    ----------
    matrix
        ``(n, n)`` matrix with NaN (or ``None``, ``"?"``) for missing judgments; see
        :func:`validate_incomplete`.  Use :func:`from_judgments` for a list of judgments.
    method
        ``"harker"`` (default), ``"llsm"`` or ``"optimal_completion"``.
    ri, threshold
        As in :func:`evalsys.weights.ahp.ahp_priorities`.
    rtol, scale, on_out_of_scale
        Validation options, as in :func:`evalsys.weights.ahp.validate_matrix`.
    labels
        Optional criterion names, used in error messages (e.g. unreachable criteria).

    Returns
    -------
    IncompleteResult

    Notes
    -----
    λmax is ``mean_i (C w)_i / w_i`` on the completed matrix ``C``; for ``harker`` and
    ``optimal_completion`` it is the Perron root of ``C``.  CI and CR then follow as for
    complete matrices (see the module notes on their calibration).

    Examples
    --------
    A consistent 4×4 matrix (w = 8:4:2:1) with two judgments removed is recovered exactly:

    >>> nan = float("nan")
    >>> A = [[1, 2, nan, 8], [1/2, 1, 2, nan], [nan, 1/2, 1, 2], [1/8, nan, 1/2, 1]]
    >>> r = incomplete_priorities(A, method="harker")
    >>> r.weights.round(4).tolist(), r.missing, round(r.cr, 6)
    ([0.5333, 0.2667, 0.1333, 0.0667], ((0, 2), (1, 3)), 0.0)
    """
    name = INCOMPLETE_METHODS.canonical(method)
    a, known = validate_incomplete(
        matrix, rtol=rtol, scale=scale, on_out_of_scale=on_out_of_scale, labels=labels
    )
    n = a.shape[0]
    ri_value = random_index(n, ri)
    limit = resolve_threshold(threshold, n)
    w, completed = INCOMPLETE_METHODS.get(name)(a, known)
    lam = float(lambda_max(completed, w))
    ci = float(consistency_index(lam, n))
    cr = float(consistency_ratio(ci, n, ri_value))
    iu, ju = np.nonzero(np.triu(~known, k=1))
    w.flags.writeable = False
    completed.flags.writeable = False
    return IncompleteResult(
        weights=w,
        completed=completed,
        missing=tuple((int(i), int(j)) for i, j in zip(iu, ju, strict=True)),
        lambda_max=lam,
        ci=ci,
        cr=cr,
        consistent=cr < limit,
        method=name,
        ri_table=RI_TABLES.canonical(ri),
        ri=ri_value,
        n=n,
        threshold=limit,
    )
