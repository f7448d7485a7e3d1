"""Where the inconsistency of a judgment matrix comes from, and how to repair it.

:func:`diagnose` ranks the judgments of one matrix by their error ``ε_ij = a_ij w_j / w_i``
and lists its intransitive triads; :func:`suggest_repair` proposes a few changes on the
Saaty scale that bring CR below a threshold (greedy, each step exhaustive and vectorised).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from evalsys.errors import EvalsysError, MatrixError, ShapeError
from evalsys.weights.ahp import (
    RECIPROCAL_RTOL,
    SAATY_BOUNDS,
    SAATY_SCALE,
    FloatArray,
    MatrixLike,
    _priorities,
    parse_matrix,
    validate_matrix,
)
from evalsys.weights.ri_tables import Threshold

__all__ = [
    "Diagnosis",
    "JudgmentChange",
    "JudgmentDeviation",
    "Repair",
    "diagnose",
    "suggest_repair",
]


@dataclass(frozen=True, slots=True)
class JudgmentDeviation:
    """How far one judgment ``a_ij`` (``i < j``) is from the priorities.

    Attributes
    ----------
    i, j
        0-based criteria indices, ``i < j``.
    value
        The judgment ``a_ij``.
    implied
        ``w_i / w_j``, the value a consistent matrix with these priorities would have.
    epsilon
        ``ε_ij = a_ij w_j / w_i`` (1 for a judgment in line with the priorities).
    log_deviation
        ``log ε_ij``; its absolute value ranks the judgments.
    share
        ``log² ε_ij / Σ_{k<l} log² ε_kl``, the judgment's share of the squared log error
        (the GCI numerator when ``w`` is the geometric mean).
    """

    i: int
    j: int
    value: float
    implied: float
    epsilon: float
    log_deviation: float
    share: float


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Where the inconsistency of one judgment matrix comes from.

    Attributes
    ----------
    weights, lambda_max, ci, cr, consistent, threshold, method, ri_table
        As in :class:`evalsys.weights.ahp.AHPResult`.
    judgments
        All judgments ``i < j``, most inconsistent first (by ``|log ε_ij|``).
    intransitive_triads
        Ordinal inconsistencies ``(i, j, k)`` meaning ``i ≻ j``, ``j ≻ k`` and ``k ≻ i``
        with strict preferences (``a > 1``); each cycle listed once, smallest index first.
    """

    weights: FloatArray
    lambda_max: float
    ci: float
    cr: float
    consistent: bool
    threshold: float
    method: str
    ri_table: str
    judgments: tuple[JudgmentDeviation, ...]
    intransitive_triads: tuple[tuple[int, int, int], ...]

    @property
    def worst(self) -> JudgmentDeviation | None:
        """The most inconsistent judgment (``None`` for a 1×1 matrix)."""
        return self.judgments[0] if self.judgments else None


def _single(matrix: MatrixLike, rtol: float, scale: tuple[float, float] | None) -> FloatArray:
    a = validate_matrix(matrix, rtol=rtol, scale=scale)
    if a.ndim != 2:
        raise ShapeError(f"expected one (n, n) judgment matrix, got shape {a.shape}")
    return a


def _intransitive_triads(a: FloatArray) -> tuple[tuple[int, int, int], ...]:
    prefer = a > 1.0 + 1e-9  # strict preference i over j
    cyc = prefer[:, :, None] & prefer[None, :, :] & prefer.T[:, None, :]  # i>j, j>k, k>i
    i, j, k = np.nonzero(cyc)
    first = (i < j) & (i < k)  # one rotation per cycle
    return tuple(
        (int(x), int(y), int(z)) for x, y, z in zip(i[first], j[first], k[first], strict=True)
    )


def diagnose(
    matrix: MatrixLike,
    method: str = "eigenvector",
    ri: str = "saaty1980",
    threshold: Threshold = 0.10,
    *,
    rtol: float = RECIPROCAL_RTOL,
    scale: tuple[float, float] | None = SAATY_BOUNDS,
) -> Diagnosis:
    """Rank the judgments of one matrix by their contribution to its inconsistency.

    Parameters
    ----------
    matrix
        One ``(n, n)`` judgment matrix.
    method, ri, threshold
        As in :func:`evalsys.weights.ahp.ahp_priorities`.
    rtol, scale
        Passed to :func:`evalsys.weights.ahp.validate_matrix`.

    Returns
    -------
    Diagnosis

    Notes
    -----
    For priorities ``w`` the error of judgment ``a_ij`` is ``ε_ij = a_ij w_j / w_i``; a
    consistent matrix has every ``ε_ij = 1``.  Judgments are ranked by ``|log ε_ij|``,
    which is symmetric in over- and under-statement (``ε`` and ``1/ε`` rank equal) [1]_.
    ``intransitive_triads`` lists the ordinal violations (3-cycles of strict
    preference), which no cardinal adjustment of one triad member's intensity can fix
    without reversing a preference [2]_.

    References
    ----------
    .. [1] Saaty, T. L. (2003). Decision-making with the AHP: Why is the principal
       eigenvector necessary. *Eur. J. Oper. Res.* 145(1), 85–91.
    .. [2] Kendall, M. G., Babington Smith, B. (1940). On the method of paired
       comparisons. *Biometrika* 31(3/4), 324–345.
    """
    a = _single(matrix, rtol, scale)
    res = _priorities(a, method, ri, threshold)
    w = np.asarray(res.weights)
    n = a.shape[-1]
    iu, ju = np.triu_indices(n, k=1)
    implied = w[iu] / w[ju]
    eps = a[iu, ju] / implied
    log_eps = np.log(eps)
    sq = log_eps**2
    total = float(sq.sum())
    share = sq / total if total > 0 else np.zeros_like(sq)
    order = np.argsort(-np.abs(log_eps), kind="stable")
    judgments = tuple(
        JudgmentDeviation(
            i=int(iu[k]),
            j=int(ju[k]),
            value=float(a[iu[k], ju[k]]),
            implied=float(implied[k]),
            epsilon=float(eps[k]),
            log_deviation=float(log_eps[k]),
            share=float(share[k]),
        )
        for k in order
    )
    return Diagnosis(
        weights=res.weights,
        lambda_max=float(res.lambda_max),
        ci=float(res.ci),
        cr=float(res.cr),
        consistent=bool(res.consistent),
        threshold=res.threshold,
        method=res.method,
        ri_table=res.ri_table,
        judgments=judgments,
        intransitive_triads=_intransitive_triads(a),
    )


@dataclass(frozen=True, slots=True)
class JudgmentChange:
    """One suggested change: set ``a_ij`` from ``old`` to ``new`` (and ``a_ji = 1/new``)."""

    i: int
    j: int
    old: float
    new: float


@dataclass(frozen=True, slots=True)
class Repair:
    """Result of :func:`suggest_repair`.

    Attributes
    ----------
    changes
        Suggested changes, in the order they were chosen (empty if already consistent).
    matrix
        The repaired matrix (a new array; the input is never modified).
    weights
        Priorities of the repaired matrix.
    cr_before, cr_after
        CR of the input and of the repaired matrix.
    consistent
        ``cr_after < threshold``; False if ``max_changes`` changes did not suffice.
    threshold, method, ri_table
        What the check used.
    """

    changes: tuple[JudgmentChange, ...]
    matrix: FloatArray
    weights: FloatArray
    cr_before: float
    cr_after: float
    consistent: bool
    threshold: float
    method: str
    ri_table: str


def suggest_repair(
    matrix: MatrixLike,
    threshold: Threshold = 0.10,
    max_changes: int = 3,
    method: str = "eigenvector",
    ri: str = "saaty1980",
    *,
    values: Sequence[float] = SAATY_SCALE,
    rtol: float = RECIPROCAL_RTOL,
    scale: tuple[float, float] | None = SAATY_BOUNDS,
) -> Repair:
    """Suggest a few judgment changes, on the Saaty scale, that bring CR below a threshold.

    Parameters
    ----------
    matrix
        One ``(n, n)`` judgment matrix; it is not modified.
    threshold
        CR to reach (``cr < threshold``); a number or ``"saaty"``.
    max_changes
        Largest number of judgments to change.
    method, ri
        Priority method and RI table, as in :func:`evalsys.weights.ahp.ahp_priorities`.
    values
        Allowed new values, default Saaty's 17: 1/9 … 1/2, 1, 2 … 9.
    rtol, scale
        Passed to :func:`evalsys.weights.ahp.validate_matrix`.

    Returns
    -------
    Repair

    Notes
    -----
    Greedy, exhaustive per step: every single change of a not-yet-changed judgment
    ``a_ij`` (``i < j``) to every allowed value is evaluated at once as one stack of
    matrices, and the change with the lowest resulting CR is applied.  This stops as soon
    as CR < threshold or after ``max_changes`` changes.  A one-change repair is therefore
    found whenever one exists (and it is the best one); for two or more changes the greedy
    choice is not guaranteed to be the smallest set.  Cost per step: ``n(n−1)/2 × 16``
    matrices, e.g. 576 for n = 9.
    """
    if max_changes < 0:
        raise EvalsysError(f"max_changes must be >= 0, got {max_changes}")
    raw = parse_matrix(matrix)  # a fresh array; the input is never written to
    a = _single(raw, rtol, scale)
    n = a.shape[-1]
    allowed = np.asarray(values, dtype=np.float64)
    if allowed.ndim != 1 or allowed.size == 0 or not (allowed > 0).all():
        raise MatrixError("repair values must be a non-empty list of positive numbers")
    res = _priorities(a, method, ri, threshold)
    cr_before = float(res.cr)
    iu, ju = np.triu_indices(n, k=1)
    locked = np.zeros(iu.size, dtype=bool)
    changes: list[JudgmentChange] = []
    while not bool(res.consistent) and len(changes) < max_changes:
        grid_p, grid_v = np.meshgrid(np.arange(iu.size), np.arange(allowed.size), indexing="ij")
        pair, val = grid_p.ravel(), grid_v.ravel()
        keep = ~locked[pair] & ~np.isclose(a[iu[pair], ju[pair]], allowed[val], rtol=1e-9)
        pair, val = pair[keep], val[keep]
        if pair.size == 0:
            break
        cand = np.repeat(a[None], pair.size, axis=0)
        rows = np.arange(pair.size)
        cand[rows, iu[pair], ju[pair]] = allowed[val]
        cand[rows, ju[pair], iu[pair]] = 1.0 / allowed[val]
        best = int(np.argmin(np.asarray(_priorities(cand, method, ri, threshold).cr)))
        p, v = int(pair[best]), float(allowed[val[best]])
        i, j = int(iu[p]), int(ju[p])
        changes.append(JudgmentChange(i=i, j=j, old=float(raw[i, j]), new=v))
        a = cand[best].copy()
        locked[p] = True
        res = _priorities(a, method, ri, threshold)
    a.flags.writeable = False
    return Repair(
        changes=tuple(changes),
        matrix=a,
        weights=res.weights,
        cr_before=cr_before,
        cr_after=float(res.cr),
        consistent=bool(res.consistent),
        threshold=res.threshold,
        method=res.method,
        ri_table=res.ri_table,
    )
