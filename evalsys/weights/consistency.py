"""Consistency of pairwise judgment matrices: RI tables, CI/CR, GCI, Koczkodaj's index,
hierarchical CR, diagnosis of the worst judgments and repair suggestions.

Random-index (RI) tables are named, cited parameters held in the registry
:data:`RI_TABLES`; every AHP result records the table it used.  The same matrix can pass or
fail ``CR < 0.10`` depending on the table, which is why there is no hidden default deep in
the code: callers pass ``ri="saaty1980"`` (the default of
:func:`evalsys.weights.ahp.ahp_priorities`)
or another name.

Shipped tables
--------------
``saaty1980``
    n = 1..15: 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, **1.48**, 1.56,
    1.57, 1.59.  We ship 1.48 at n = 12 as printed in the extended Saaty table that most
    Chinese AHP textbooks reproduce (and as listed in this project's reference cases);
    some printings give 1.54, which makes the sequence monotone.  The dip is an artefact
    of the small simulation samples behind the original table; if it matters, use
    ``saaty2005`` or ``alonso_lamata2006``.
``saaty2005``
    n = 1..15: 0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56,
    1.58, 1.59 (Saaty 2005; Saaty & Tran 2007).
``alonso_lamata2006``
    n = 1..15 from their 500,000-matrix simulation (0.5245 … 1.5838) and, for n > 15,
    their regression ``λ̄max(n) = 2.7699 n − 4.3513``, i.e.
    ``RI(n) = (1.7699 n − 4.3513)/(n − 1)``; their acceptance rule
    ``λmax < n + α(1.7699 n − 4.3513)`` is exactly ``CR < α`` with this RI.  The
    regression is a fit, not the table: at n = 15 it gives 1.5855 against the tabulated
    1.5838, at n = 3 0.4792 against 0.5245, so the formula is used only beyond the table.
    Beyond it the formula runs slightly high: :func:`ri_simulate` with 20,000 matrices
    gives 1.5957 / 1.6292 / 1.6552 at n = 16 / 20 / 25 against 1.5978 / 1.6340 / 1.6623,
    i.e. CR is understated by up to about 0.5 % there.
``donegan_dodd1991``
    n = 3..15 (0.4914 … 1.4969); their table continues to n = 100, but only the values we
    can cite exactly are shipped.  Sizes 16–100 raise :class:`~evalsys.errors.RITableError`.

References
----------
.. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill, New York.
.. [2] Saaty, T. L. (2005). *Theory and Applications of the Analytic Network Process*.
   RWS Publications, Pittsburgh.
.. [3] Saaty, T. L., Tran, L. T. (2007). On the invalidity of fuzzifying numerical
   judgments in the Analytic Hierarchy Process. *Math. Comput. Modelling* 46, 962–975.
.. [4] Alonso, J. A., Lamata, M. T. (2006). Consistency in the analytic hierarchy
   process: a new approach. *Int. J. Uncertainty, Fuzziness and Knowledge-Based
   Systems* 14(4), 445–459.
.. [5] Donegan, H. A., Dodd, F. J. (1991). A note on Saaty's random indexes. *Math.
   Comput. Modelling* 15(10), 135–137.
.. [6] Aguarón, J., Moreno-Jiménez, J. M. (2003). The geometric consistency index:
   approximated thresholds. *Eur. J. Oper. Res.* 147(1), 137–145.
.. [7] Koczkodaj, W. W. (1993). A new definition of consistency of pairwise comparisons.
   *Math. Comput. Modelling* 18(7), 79–84.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys._registry import Registry
from evalsys.errors import (
    EvalsysError,
    MatrixError,
    RITableError,
    ShapeError,
    UnknownMethodError,
)
from evalsys.weights.ahp import (
    RECIPROCAL_RTOL,
    SAATY_BOUNDS,
    SAATY_SCALE,
    FloatArray,
    MatrixLike,
    _priorities,
    geometric_mean,
    parse_matrix,
    principal_eigenpair,
    validate_matrix,
)

__all__ = [
    "RI_TABLES",
    "Diagnosis",
    "JudgmentChange",
    "JudgmentDeviation",
    "RITable",
    "Repair",
    "consistency_index",
    "consistency_ratio",
    "diagnose",
    "gci",
    "gci_threshold",
    "hierarchical_cr",
    "koczkodaj",
    "random_index",
    "resolve_threshold",
    "ri_simulate",
    "saaty_threshold",
    "suggest_repair",
]

Threshold = float | Literal["saaty"]


# --------------------------------------------------------------------------------------
# RI tables
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RITable:
    """A named, cited random-index table.

    Attributes
    ----------
    name
        Registry name.
    values
        ``values[n - 1]`` is ``RI(n)`` for ``n = 1 .. len(values)``.
    citation
        Where the numbers come from.
    extrapolate
        Optional published formula used for ``n > len(values)``.
    """

    name: str
    values: tuple[float, ...]
    citation: str
    extrapolate: Callable[[int], float] | None = field(default=None, compare=False)

    @property
    def n_max(self) -> int | None:
        """Largest size covered, or ``None`` if a formula extends the table indefinitely."""
        return None if self.extrapolate is not None else len(self.values)

    def __call__(self, n: int) -> float:
        """``RI(n)``; raises :class:`RITableError` beyond the table."""
        if n < 1:
            raise RITableError(f"RI is undefined for n = {n}")
        if n <= len(self.values):
            return self.values[n - 1]
        if self.extrapolate is not None:
            return self.extrapolate(n)
        raise RITableError(
            f"RI table '{self.name}' covers n <= {len(self.values)}, got n = {n}; use "
            "ri='alonso_lamata2006' (extended by their formula) or estimate RI with "
            "evalsys.weights.consistency.ri_simulate(n)"
        )


RI_TABLES: Registry[RITable] = Registry("RI table")

RI_TABLES.add(
    "saaty1980",
    RITable(
        "saaty1980",
        (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59),
        "Saaty (1980), The Analytic Hierarchy Process, McGraw-Hill; extended table n <= 15 "
        "as reprinted in Chinese AHP textbooks (1.48 at n = 12; some printings give 1.54)",
    ),
)
RI_TABLES.add(
    "saaty2005",
    RITable(
        "saaty2005",
        (0.0, 0.0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
        "Saaty (2005), Theory and Applications of the Analytic Network Process, RWS "
        "Publications; Saaty & Tran (2007), Math. Comput. Modelling 46, 962-975",
    ),
)


def _alonso_lamata_formula(n: int) -> float:
    """Alonso & Lamata (2006): RI(n) = (1.7699 n - 4.3513) / (n - 1)."""
    return (1.7699 * n - 4.3513) / (n - 1)


RI_TABLES.add(
    "alonso_lamata2006",
    RITable(
        "alonso_lamata2006",
        (
            0.0,
            0.0,
            0.5245,
            0.8815,
            1.1086,
            1.2479,
            1.3417,
            1.4056,
            1.4499,
            1.4854,
            1.5141,
            1.5365,
            1.5551,
            1.5713,
            1.5838,
        ),
        "Alonso & Lamata (2006), Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems "
        "14(4), 445-459; table for n <= 15, regression (1.7699 n - 4.3513)/(n - 1) beyond",
        extrapolate=_alonso_lamata_formula,
    ),
)
RI_TABLES.add(
    "donegan_dodd1991",
    RITable(
        "donegan_dodd1991",
        (
            0.0,
            0.0,
            0.4914,
            0.8286,
            1.0591,
            1.1797,
            1.2519,
            1.3171,
            1.3733,
            1.4055,
            1.4213,
            1.4497,
            1.4643,
            1.4822,
            1.4969,
        ),
        "Donegan & Dodd (1991), A note on Saaty's random indexes, Math. Comput. Modelling "
        "15(10), 135-137; shipped for n <= 15 (the published table continues to 100)",
    ),
)


def random_index(n: int, table: str = "saaty1980") -> float:
    """``RI(n)`` from the named table (see :data:`RI_TABLES`).

    Raises
    ------
    UnknownMethodError
        Unknown table name (the message lists valid names).
    RITableError
        ``n`` beyond the table; the message names the table and its limit.

    Examples
    --------
    >>> random_index(5), random_index(4, "saaty2005")
    (1.12, 0.89)
    >>> round(random_index(20, "alonso_lamata2006"), 4)
    1.634
    """
    return RI_TABLES.get(table)(n)


def consistency_index(lam: ArrayLike, n: int) -> FloatArray:
    """``CI = (λmax − n)/(n − 1)``, 0 for ``n ≤ 2``; round-off negatives are clipped to 0."""
    lam_arr = np.asarray(lam, dtype=np.float64)
    if n <= 2:
        return np.zeros_like(lam_arr)
    out: FloatArray = np.maximum((lam_arr - n) / (n - 1), 0.0)
    return out


def consistency_ratio(ci: ArrayLike, n: int, ri: float) -> FloatArray:
    """``CR = CI / RI``; defined as 0 when ``n ≤ 2`` (RI = 0, every matrix is consistent)."""
    ci_arr = np.asarray(ci, dtype=np.float64)
    if n <= 2 or ri == 0.0:
        return np.zeros_like(ci_arr)
    out: FloatArray = ci_arr / ri
    return out


def saaty_threshold(n: int) -> float:
    """Saaty's size-dependent CR limits: 0.05 (n = 3), 0.08 (n = 4), 0.10 otherwise."""
    return {3: 0.05, 4: 0.08}.get(n, 0.10)


def resolve_threshold(threshold: Threshold, n: int) -> float:
    """A numeric CR threshold from a number or the rule name ``"saaty"``."""
    if isinstance(threshold, str):
        if threshold != "saaty":
            raise UnknownMethodError(
                f"unknown threshold rule '{threshold}'; valid: saaty, or a number such as 0.1"
            )
        return saaty_threshold(n)
    value = float(threshold)
    if not value > 0.0:
        raise EvalsysError(f"CR threshold must be positive, got {threshold!r}")
    return value


# --------------------------------------------------------------------------------------
# other indices
# --------------------------------------------------------------------------------------
def _as_result(x: FloatArray) -> float | FloatArray:
    return float(x) if x.ndim == 0 else x


def gci(matrix: MatrixLike) -> float | FloatArray:
    """Geometric consistency index of a matrix or a stack.

    Notes
    -----
    With ``w`` the row geometric mean (the priority vector GCI is designed for),

    .. math:: GCI = \\frac{2}{(n-1)(n-2)} \\sum_{i<j} \\log^2\\left(a_{ij}\\frac{w_j}{w_i}\\right)

    and GCI = 0 for ``n ≤ 2``.  Thresholds equivalent to CR = 0.10 are given by
    :func:`gci_threshold` (0.31, 0.35, 0.37 for n = 3, 4, > 4) [1]_.

    References
    ----------
    .. [1] Aguarón, J., Moreno-Jiménez, J. M. (2003). The geometric consistency index:
       approximated thresholds. *Eur. J. Oper. Res.* 147(1), 137–145.

    Examples
    --------
    >>> round(gci([[1, 2, 8], [1/2, 1, 2], [1/8, 1/2, 1]]), 4)
    0.1602
    """
    a = validate_matrix(matrix, on_out_of_scale="ignore")
    n = a.shape[-1]
    if n <= 2:
        return _as_result(np.zeros(a.shape[:-2]))
    y = np.log(geometric_mean(a))
    e = np.log(a) - y[..., :, None] + y[..., None, :]
    # e is antisymmetric, so the sum over i<j is half the sum over all (i, j)
    return _as_result((e**2).sum(axis=(-2, -1)) / ((n - 1) * (n - 2)))


def gci_threshold(n: int) -> float:
    """GCI limits of Aguarón & Moreno-Jiménez (2003) equivalent to CR = 0.10.

    0.31 for n = 3, 0.35 for n = 4, 0.37 for n > 4; ``math.inf`` for n ≤ 2, where every
    reciprocal matrix is consistent and GCI is 0.
    """
    if n <= 2:
        return math.inf
    return {3: 0.31, 4: 0.35}.get(n, 0.37)


def _triads(n: int) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    i, j, k = np.indices((n, n, n)).reshape(3, -1)
    keep = (i < j) & (j < k)
    return i[keep], j[keep], k[keep]


def koczkodaj(matrix: MatrixLike) -> float | FloatArray:
    """Koczkodaj's inconsistency index of a matrix or a stack.

    Notes
    -----
    The worst triad ``i < j < k``:

    .. math:: K = \\max_{i<j<k} \\min\\left(\\left|1 - \\frac{a_{ik}}{a_{ij} a_{jk}}\\right|,
              \\left|1 - \\frac{a_{ij} a_{jk}}{a_{ik}}\\right|\\right)

    0 for ``n ≤ 2`` and for consistent matrices; always in ``[0, 1)``.

    References
    ----------
    .. [1] Koczkodaj, W. W. (1993). A new definition of consistency of pairwise
       comparisons. *Math. Comput. Modelling* 18(7), 79–84.
    .. [2] Duszak, Z., Koczkodaj, W. W. (1994). Generalization of a new definition of
       consistency for pairwise comparisons. *Inf. Process. Lett.* 52(5), 273–276.

    Examples
    --------
    >>> round(koczkodaj([[1, 2, 8], [1/2, 1, 2], [1/8, 1/2, 1]]), 4)
    0.5
    """
    a = validate_matrix(matrix, on_out_of_scale="ignore")
    n = a.shape[-1]
    if n <= 2:
        return _as_result(np.zeros(a.shape[:-2]))
    i, j, k = _triads(n)
    x = a[..., i, k] / (a[..., i, j] * a[..., j, k])
    per_triad = np.minimum(np.abs(1.0 - x), np.abs(1.0 - 1.0 / x))
    return _as_result(per_triad.max(axis=-1))


def hierarchical_cr(
    parent_weights: ArrayLike, child_ci: ArrayLike, child_ri: ArrayLike
) -> float | FloatArray:
    """Overall consistency ratio of one hierarchy level (层次总排序一致性).

    Parameters
    ----------
    parent_weights
        ``(..., m)`` weights ``a_j`` of the ``m`` parent elements (global weights of the
        level above).
    child_ci, child_ri
        ``(..., m)`` CI and RI of the judgment matrix below each parent (RI = 0 for
        matrices of order ≤ 2).

    Returns
    -------
    float or numpy.ndarray
        ``CR = Σ_j a_j CI_j / Σ_j a_j RI_j``; 0 when the denominator is 0 (all child
        matrices of order ≤ 2).  The level is accepted when CR < 0.10; Saaty's
        convention adds the CR of the levels above (cumulative CR).

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*, ch. 3. McGraw-Hill.

    Examples
    --------
    >>> round(hierarchical_cr([0.5, 0.3, 0.2], [0.02, 0.05, 0.0], [0.58, 0.90, 0.0]), 4)
    0.0446
    """
    w = np.asarray(parent_weights, dtype=np.float64)
    ci = np.asarray(child_ci, dtype=np.float64)
    ri = np.asarray(child_ri, dtype=np.float64)
    if not (w.shape[-1:] == ci.shape[-1:] == ri.shape[-1:]):
        raise ShapeError(
            f"parent_weights {w.shape}, child_ci {ci.shape} and child_ri {ri.shape} must "
            "have the same last axis (one entry per parent element)"
        )
    num = (w * ci).sum(axis=-1)
    den = (w * ri).sum(axis=-1)
    safe = np.where(den > 0, den, 1.0)
    return _as_result(np.where(den > 0, num / safe, 0.0))


def ri_simulate(
    n: int,
    samples: int = 10_000,
    *,
    seed: int | np.random.Generator | None = None,
    scale: Sequence[float] = SAATY_SCALE,
    chunk: int = 50_000,
) -> float:
    """Monte Carlo random index: the mean CI of random reciprocal matrices.

    Parameters
    ----------
    n
        Matrix order.
    samples
        Number of random matrices.
    seed
        Seed or generator; the same seed (and ``chunk``) gives the same value.
    scale
        Values the upper-triangle judgments are drawn from, uniformly; default the 17
        values of Saaty's scale 1/9 … 1/2, 1, 2 … 9 (the design of Alonso & Lamata 2006).
    chunk
        Matrices generated per vectorised batch (bounds memory).

    Returns
    -------
    float
        ``mean((λmax − n)/(n − 1))`` with λmax the Perron root; 0 for ``n ≤ 2``.  The
        standard deviation of CI over random Saaty-scale matrices is about 0.7 (n = 3),
        0.5 (n = 5), 0.24 (n = 9) and 0.13 (n = 15); divide by ``sqrt(samples)`` for the
        standard error.

    Examples
    --------
    >>> abs(ri_simulate(5, 20_000, seed=1) - 1.1086) < 0.02   # Alonso & Lamata's value
    True
    """
    if n <= 2:
        return 0.0
    if samples < 1:
        raise EvalsysError(f"samples must be >= 1, got {samples}")
    rng = np.random.default_rng(seed)
    values = np.asarray(scale, dtype=np.float64)
    iu, ju = np.triu_indices(n, k=1)
    total = 0.0
    for start in range(0, samples, chunk):  # memory chunks, each one vectorised batch
        m = min(chunk, samples - start)
        draws = values[rng.integers(0, values.size, size=(m, iu.size))]
        a = np.ones((m, n, n))
        a[:, iu, ju] = draws
        a[:, ju, iu] = 1.0 / draws
        lam = principal_eigenpair(a)[1]
        total += float(((lam - n) / (n - 1)).sum())
    return total / samples


# --------------------------------------------------------------------------------------
# diagnosis and repair
# --------------------------------------------------------------------------------------
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
