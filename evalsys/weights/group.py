"""Group AHP: aggregate the judgments or priorities of several experts.

Input is a stack of ``K`` expert matrices ``(K, n, n)`` and optional expert weights ``(K,)``.
The aggregation procedures registered in :data:`AGGREGATIONS` are

* ``"aij"`` — aggregation of individual judgments: the weighted geometric mean of the
  matrices (which keeps reciprocity), then priorities by the chosen AHP method;
* ``"aip_geometric"`` — aggregation of individual priorities by weighted geometric mean,
  renormalised;
* ``"aip_arithmetic"`` — weighted arithmetic mean of the individual priorities.

Experts can be screened on their consistency ratio (``cr_max``).  The result reports the
agreement of the experts: Kendall's coefficient of concordance ``W`` of their rankings of the
criteria and, per expert, the geometric compatibility index GCOMPI and Saaty's compatibility
index ``S`` of the expert's matrix to the group priorities.

Everything is vectorised over the expert axis; AHP priorities come from
:mod:`evalsys.weights.ahp`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from evalsys._arrays import readonly
from evalsys._registry import Registry
from evalsys.errors import DataError, MatrixError, ShapeError
from evalsys.weights import ahp

__all__ = [
    "AGGREGATIONS",
    "SAATY_COMPATIBILITY_THRESHOLD",
    "GroupResult",
    "gcompi",
    "group_priorities",
    "kendall_w",
    "saaty_compatibility",
]

FloatArray = NDArray[np.float64]

#: Saaty's threshold for the compatibility index: ``S <= 1.1`` is "compatible".
SAATY_COMPATIBILITY_THRESHOLD = 1.1


@dataclass(frozen=True, slots=True)
class _Aggregate:
    weights: FloatArray
    matrix: FloatArray | None
    cr: float | None


#: Aggregation kernel: ``(matrices (K, n, n), priorities (K, n), expert_weights (K,),
#: method, ri) -> _Aggregate``.  Inputs are validated; ``expert_weights`` sums to 1.
Aggregation = Callable[[FloatArray, FloatArray, FloatArray, str, str], _Aggregate]

AGGREGATIONS: Registry[Aggregation] = Registry("group aggregation")


@dataclass(frozen=True, slots=True)
class GroupResult:
    """Group priorities of ``K`` experts' judgment matrices of order ``n``.

    Attributes
    ----------
    weights
        ``(n,)`` group priorities, summing to 1.
    aggregation
        Canonical name of the aggregation procedure.
    method
        Canonical name of the AHP priority method (individual and, for AIJ, group).
    ri_table
        Name of the random-index table used for every CR.
    aggregated_matrix
        ``(n, n)`` weighted geometric mean of the retained experts' matrices (AIJ);
        ``None`` for AIP.
    group_cr
        CR of ``aggregated_matrix`` (AIJ); ``None`` for AIP.
    expert_weights
        ``(K,)`` the experts' weights as given, normalised to sum 1 (before screening).
    used_weights
        ``(K,)`` the weights actually applied: screened-out experts get 0, the rest are
        renormalised.
    expert_priorities
        ``(K, n)`` each expert's priorities by ``method``.
    expert_cr
        ``(K,)`` each expert's consistency ratio.
    screened_out
        0-based indices of the experts removed because ``CR >= cr_max``.
    cr_max
        The screening threshold, or ``None`` if no screening was requested.
    kendall_w
        Kendall's ``W`` (ties-corrected) of the retained experts' rankings of the
        criteria, in ``[0, 1]``; ``None`` when undefined (fewer than 2 experts, ``n < 2``,
        or every expert ranks all criteria equal).
    gcompi
        ``(K,)`` geometric compatibility index of every expert's matrix to ``weights``;
        ``None`` for ``n < 3``, where it is undefined (as the GCI).
    saaty_compatibility
        ``(K,)`` Saaty's compatibility index ``S`` of every expert's matrix to
        ``weights``; ``S >= 1``, with 1 meaning perfect compatibility.
    compatible
        ``(K,)`` ``saaty_compatibility <= SAATY_COMPATIBILITY_THRESHOLD`` (1.1).
    """

    weights: FloatArray
    aggregation: str
    method: str
    ri_table: str
    aggregated_matrix: FloatArray | None
    group_cr: float | None
    expert_weights: FloatArray
    used_weights: FloatArray
    expert_priorities: FloatArray
    expert_cr: FloatArray
    screened_out: tuple[int, ...]
    cr_max: float | None
    kendall_w: float | None
    gcompi: FloatArray | None
    saaty_compatibility: FloatArray
    compatible: NDArray[np.bool_]


# ----------------------------------------------------------------------------- aggregations


@AGGREGATIONS.register("aij", aliases=("judgments", "geometric_judgments"))
def _aij(a: FloatArray, w: FloatArray, lam: FloatArray, method: str, ri: str) -> _Aggregate:
    """Weighted geometric mean of the matrices, then the AHP method on the result."""
    g = np.exp(np.einsum("k,kij->ij", lam, np.log(a)))
    res = ahp.ahp_priorities(g, method=method, ri=ri, on_out_of_scale="ignore")
    cr = res.cr if isinstance(res.cr, float) else float(np.asarray(res.cr))
    return _Aggregate(weights=np.array(res.weights), matrix=g, cr=cr)


@AGGREGATIONS.register("aip_geometric", aliases=("aip", "priorities_geometric"))
def _aip_geometric(
    a: FloatArray, w: FloatArray, lam: FloatArray, method: str, ri: str
) -> _Aggregate:
    """Weighted geometric mean of the priority vectors, renormalised."""
    g = np.exp(lam @ np.log(w))
    return _Aggregate(weights=g / g.sum(), matrix=None, cr=None)


@AGGREGATIONS.register("aip_arithmetic", aliases=("priorities_arithmetic",))
def _aip_arithmetic(
    a: FloatArray, w: FloatArray, lam: FloatArray, method: str, ri: str
) -> _Aggregate:
    """Weighted arithmetic mean of the priority vectors."""
    g: FloatArray = lam @ w
    return _Aggregate(weights=g / g.sum(), matrix=None, cr=None)


# ----------------------------------------------------------------------------- agreement


def _tie_aware_ranks(w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Average ranks (1 = largest) per row and the tie term ``Σ (t³ − t)`` per row.

    Weights closer than ``1e-9`` (relative) are treated as tied, so that round-off in
    eigenvectors of identical criteria does not break a genuine tie.
    """
    diff = w[..., :, None] - w[..., None, :]  # (m, n, n): w_i - w_j
    tol = 1e-9 * np.maximum(np.abs(w[..., :, None]), np.abs(w[..., None, :]))
    tied = np.abs(diff) <= tol
    greater = (diff < 0) & ~tied  # w_j > w_i
    count_tied = tied.sum(axis=-1)  # includes self
    ranks: FloatArray = 1.0 + greater.sum(axis=-1) + (count_tied - 1) / 2.0
    t_term: FloatArray = (count_tied.astype(np.float64) ** 2 - 1.0).sum(axis=-1)
    return ranks, t_term


def kendall_w(priorities: npt.ArrayLike) -> float | None:
    """Kendall's coefficient of concordance of ``m`` experts ranking ``n`` criteria.

    Parameters
    ----------
    priorities
        ``(m, n)`` scores (e.g. priority vectors); each row is ranked, larger first.

    Returns
    -------
    float or None
        ``W`` in ``[0, 1]`` with the correction for ties; ``None`` when undefined (``m < 2``,
        ``n < 2`` or all rows completely tied).

    Notes
    -----
    With :math:`R_i` the rank sum of criterion :math:`i` over the :math:`m` experts,
    :math:`S = \\sum_i (R_i - m(n+1)/2)^2` and :math:`T_j = \\sum (t^3 - t)` over the tie
    groups of expert :math:`j`,

    .. math::

        W = \\frac{12\\, S}{m^2 (n^3 - n) - m \\sum_j T_j}.

    Equivalently :math:`W = \\chi^2_F / (m(n-1))` with the ties-corrected Friedman
    statistic [1]_, [2]_.

    References
    ----------
    .. [1] Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings.
       *The Annals of Mathematical Statistics*, 10(3), 275–287.
    .. [2] Kendall, M. G., & Gibbons, J. D. (1990). *Rank Correlation Methods* (5th ed.).
       Edward Arnold.

    Examples
    --------
    >>> kendall_w([[0.5, 0.3, 0.2], [0.6, 0.3, 0.1]])
    1.0
    """
    p = np.asarray(priorities, dtype=np.float64)
    if p.ndim != 2:
        raise ShapeError(f"priorities must be (experts, criteria); got shape {p.shape}")
    m, n = p.shape
    if m < 2 or n < 2:
        return None
    ranks, t_term = _tie_aware_ranks(p)
    r_sum = ranks.sum(axis=0)
    s = float(((r_sum - m * (n + 1) / 2.0) ** 2).sum())
    denom = m * m * (n**3 - n) - m * float(t_term.sum())
    if denom <= 0.0:
        return None
    return float(12.0 * s / denom)


def _log_errors(a: FloatArray, w: FloatArray) -> FloatArray:
    """``log(a_ij w_j / w_i)`` for a stack of matrices and one priority vector."""
    lw = np.log(w)
    out: FloatArray = np.log(a) + lw[None, :] - lw[:, None]
    return out


def gcompi(matrices: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray | None:
    """Geometric compatibility index of each matrix to a (group) priority vector.

    Parameters
    ----------
    matrices
        ``(..., n, n)`` positive reciprocal matrices (validated by the caller).
    weights
        ``(n,)`` positive priority vector.

    Returns
    -------
    numpy.ndarray or None
        ``(...)`` GCOMPI values; ``None`` for ``n < 3``, where the normalisation (that of
        the geometric consistency index) is undefined.

    Notes
    -----
    .. math::

        \\mathrm{GCOMPI}(A^{(k)}, w) = \\frac{1}{(n-1)(n-2)} \\sum_{i,j}
        \\log^2\\!\\Big(a_{ij}^{(k)} \\frac{w_j}{w_i}\\Big),

    the normalisation of the geometric consistency index GCI, so that
    :math:`\\mathrm{GCOMPI}(A, w_{RGM}(A)) = \\mathrm{GCI}(A)` [1]_, [2]_.

    References
    ----------
    .. [1] Aguarón, J., Escobar, M. T., Moreno-Jiménez, J. M., & Turón, A. (2019).
       AHP-group decision making based on consistency. *Mathematics*, 7(3), 242.
    .. [2] Aguarón, J., Escobar, M. T., Moreno-Jiménez, J. M., & Turón, A. (2022).
       Geometric compatibility indexes in a local AHP-group decision making context: a
       framework for reducing incompatibility. *Mathematics*, 10(2), 278.
    """
    a = np.asarray(matrices, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    n = a.shape[-1]
    if n < 3:
        return None
    e = _log_errors(a, w)
    out: FloatArray = (e**2).sum(axis=(-2, -1)) / ((n - 1) * (n - 2))
    return out


def saaty_compatibility(matrices: npt.ArrayLike, weights: npt.ArrayLike) -> FloatArray:
    """Saaty's compatibility index of each matrix to a priority vector.

    Parameters
    ----------
    matrices
        ``(..., n, n)`` positive reciprocal matrices.
    weights
        ``(n,)`` positive priority vector.

    Returns
    -------
    numpy.ndarray
        ``(...)`` values ``S >= 1``; ``S = 1`` iff ``a_ij = w_i / w_j`` for all ``i, j``.

    Notes
    -----
    With :math:`W = (w_i / w_j)`,

    .. math::

        S(A, W) = \\frac{1}{n^2}\\, e^T (A \\circ W^T)\\, e
        = \\frac{1}{n^2} \\sum_{i,j} a_{ij} \\frac{w_j}{w_i};

    Saaty recommends :math:`S \\le 1.1` for compatible judgments [1]_.

    References
    ----------
    .. [1] Saaty, T. L., & Peniwati, K. (2008). *Group Decision Making: Drawing Out and
       Reconciling Differences*. RWS Publications, Pittsburgh.
    """
    a = np.asarray(matrices, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    n = a.shape[-1]
    ratio = w[None, :] / w[:, None]  # w_j / w_i
    out: FloatArray = (a * ratio).sum(axis=(-2, -1)) / (n * n)
    return out


# ----------------------------------------------------------------------------- entry point


def _expert_weights(expert_weights: npt.ArrayLike | None, k: int) -> FloatArray:
    if expert_weights is None:
        return np.full(k, 1.0 / k)
    try:
        lam = np.asarray(expert_weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"expert weights must be numbers: {exc}") from exc
    if lam.shape != (k,):
        raise ShapeError(f"expert_weights must have shape ({k},) for {k} experts; got {lam.shape}")
    if not np.isfinite(lam).all():
        raise DataError("expert weights contain NaN or infinite values")
    if (lam < 0).any():
        bad = ", ".join(str(int(i)) for i in np.flatnonzero(lam < 0))
        raise DataError(f"expert weights must be non-negative (negative for expert(s) {bad})")
    total = lam.sum()
    if not total > 0.0:
        raise DataError("expert weights are all zero")
    out: FloatArray = lam / total
    return out


def group_priorities(
    matrices: npt.ArrayLike,
    expert_weights: npt.ArrayLike | None = None,
    aggregation: str = "aij",
    method: str = "eigenvector",
    ri: str = "saaty1980",
    cr_max: float | None = None,
) -> GroupResult:
    """Group priorities of several experts' pairwise judgment matrices.

    Parameters
    ----------
    matrices
        ``(K, n, n)`` stack of positive reciprocal matrices, one per expert (entries may be
        strings such as ``"1/3"``).  Validated once by :func:`evalsys.weights.ahp.validate_matrix`.
    expert_weights
        ``(K,)`` non-negative importance of the experts, normalised to sum 1; default equal.
    aggregation
        A name in :data:`AGGREGATIONS`: ``"aij"`` (default), ``"aip_geometric"``,
        ``"aip_arithmetic"``.
    method
        AHP priority method (a name in :data:`evalsys.weights.ahp.PRIORITY_METHODS`) used for the
        individual priorities and, with AIJ, for the aggregated matrix.
    ri
        Random-index table for every CR (see :mod:`evalsys.weights.ri_tables`).
    cr_max
        If given, experts with ``CR >= cr_max`` are screened out before aggregation (their
        weight is set to 0 and the others renormalised).

    Returns
    -------
    GroupResult
        Group weights, aggregated matrix (AIJ), individual priorities and CRs, screening
        and agreement measures.

    Raises
    ------
    ShapeError
        ``matrices`` is not a ``(K, n, n)`` stack, or ``expert_weights`` is not ``(K,)``.
    MatrixError
        An invalid matrix, or every expert fails the ``cr_max`` screening (the message lists
        the CRs).
    DataError
        Negative, NaN or all-zero expert weights, a non-positive ``cr_max``, or all retained
        experts having weight 0.
    UnknownMethodError
        Unknown ``aggregation``, ``method`` or ``ri``.

    Notes
    -----
    With normalised expert weights :math:`\\lambda_k`:

    * AIJ [1]_, [2]_: :math:`a^G_{ij} = \\prod_k (a^{(k)}_{ij})^{\\lambda_k}`, which is
      again reciprocal; :math:`w^G` are the priorities of :math:`A^G`.
    * AIP geometric: :math:`w^G_i \\propto \\prod_k (w^{(k)}_i)^{\\lambda_k}`.
    * AIP arithmetic: :math:`w^G_i = \\sum_k \\lambda_k w^{(k)}_i`.

    For the row-geometric-mean method AIJ and AIP geometric coincide exactly [3]_.

    Agreement is reported by Kendall's :math:`W` (see :func:`kendall_w`), the geometric
    compatibility index (see :func:`gcompi`) and Saaty's compatibility index
    :math:`S = \\frac{1}{n^2}\\sum_{i,j} a_{ij} w_j / w_i` with threshold 1.1 (see
    :func:`saaty_compatibility`).  They are computed against the group priorities for every
    expert, including screened-out ones; ``W`` uses the retained experts.

    References
    ----------
    .. [1] Aczél, J., & Saaty, T. L. (1983). Procedures for synthesizing ratio judgements.
       *Journal of Mathematical Psychology*, 27(1), 93–102.
    .. [2] Forman, E., & Peniwati, K. (1998). Aggregating individual judgments and
       priorities with the analytic hierarchy process. *European Journal of Operational
       Research*, 108(1), 165–169.
    .. [3] Escobar, M. T., Aguarón, J., & Moreno-Jiménez, J. M. (2004). A note on AHP group
       consistency for the row geometric mean prioritization procedure. *European Journal
       of Operational Research*, 153(2), 318–322.

    Examples
    --------
    >>> experts = [[[1, 3], ["1/3", 1]], [[1, 5], ["1/5", 1]]]
    >>> r = group_priorities(experts, aggregation="aij", method="geometric_mean")
    >>> r.weights.round(4).tolist(), r.aggregated_matrix.round(4).tolist()
    ([0.7948, 0.2052], [[1.0, 3.873], [0.2582, 1.0]])
    """
    agg_name = AGGREGATIONS.canonical(aggregation)
    kernel = AGGREGATIONS.get(agg_name)
    method_name = ahp.PRIORITY_METHODS.canonical(method)
    a = ahp.validate_matrix(matrices)
    if a.ndim != 3:
        raise ShapeError(
            f"group_priorities needs a stack of expert matrices (K, n, n); got shape {a.shape}"
            + ("; wrap a single matrix in a list" if a.ndim == 2 else "")
        )
    k, n = a.shape[0], a.shape[-1]
    lam = _expert_weights(expert_weights, k)

    indiv = ahp.ahp_priorities(a, method=method_name, ri=ri, on_out_of_scale="ignore")
    w_ind = np.array(indiv.weights)
    cr = np.atleast_1d(np.asarray(indiv.cr, dtype=np.float64)).copy()

    keep = np.ones(k, dtype=bool)
    if cr_max is not None:
        cr_max = float(cr_max)
        if not cr_max > 0.0:
            raise DataError(f"cr_max must be a positive number; got {cr_max}")
        keep = cr < cr_max
        if not keep.any():
            listing = ", ".join(f"{i}: {c:.4f}" for i, c in enumerate(cr.tolist()))
            raise MatrixError(
                f"all {k} experts fail the consistency screening CR < {cr_max:g} "
                f"(CR by expert {listing}); revise the judgments or raise cr_max"
            )
    used = np.where(keep, lam, 0.0)
    total = used.sum()
    if not total > 0.0:
        raise DataError("every expert retained after screening has weight 0")
    used = used / total

    agg = kernel(a[keep], w_ind[keep], used[keep], method_name, ri)
    gw = agg.weights
    ri_table = indiv.ri_table
    s_index = saaty_compatibility(a, gw)
    return GroupResult(
        weights=readonly(gw),
        aggregation=agg_name,
        method=method_name,
        ri_table=ri_table,
        aggregated_matrix=None if agg.matrix is None else readonly(agg.matrix),
        group_cr=agg.cr,
        expert_weights=readonly(lam),
        used_weights=readonly(used),
        expert_priorities=readonly(w_ind),
        expert_cr=readonly(cr),
        screened_out=tuple(int(i) for i in np.flatnonzero(~keep)),
        cr_max=cr_max,
        kendall_w=kendall_w(w_ind[keep]),
        gcompi=None if n < 3 else readonly(np.asarray(gcompi(a, gw))),
        saaty_compatibility=readonly(s_index),
        compatible=readonly(np.asarray(s_index <= SAATY_COMPATIBILITY_THRESHOLD)),
    )
