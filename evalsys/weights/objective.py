"""Objective weights from data, and the combination of subjective and objective weights.

Objective weighting methods derive indicator weights from the spread of a decision matrix
``X`` of shape ``(E, L)`` (``E`` entities, ``L`` indicators): an indicator on which the
entities differ a lot discriminates between them and gets a larger weight.  Every method is
registered in :data:`OBJECTIVE_METHODS` and works on all columns at once (no Python loop over
rows or columns), so a 1,000,000 × 20 table is weighted in about a second.

Subjective weights (AHP, expert judgment) and objective weights are then merged by one of the
rules registered in :data:`COMBINATIONS` (linear, multiplicative, game-theoretic).

Validation happens once in :func:`objective_weights` / :func:`combine_weights`; the registered
kernels trust their inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.typing import NDArray

from evalsys._arrays import readonly
from evalsys._registry import Registry
from evalsys.errors import DataError, ShapeError
from evalsys.weights.objective_ratio import check_ratio_scale, entropy_raw, merec

__all__ = [
    "COMBINATIONS",
    "OBJECTIVE_METHODS",
    "CombinedResult",
    "ObjectiveResult",
    "combine_weights",
    "minmax_normalize",
    "objective_weights",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: An objective weighting kernel: ``(X, benefit, shift) -> scores`` where ``X`` is the
#: validated ``(E, L)`` matrix, ``benefit`` the ``(L,)`` direction mask, ``shift`` the entropy
#: translation (ignored by the other methods, which reject a non-zero value up front) and
#: ``scores`` the ``(L,)`` non-negative, un-normalised importance of each column.
ObjectiveKernel = Callable[[FloatArray, BoolArray, float], FloatArray]

#: A combination rule: ``(w_subjective, w_objective, alpha) -> (weights, coefficients)``.
CombinationRule = Callable[[FloatArray, FloatArray, float], tuple[FloatArray, FloatArray]]

OBJECTIVE_METHODS: Registry[ObjectiveKernel] = Registry("objective weighting method")
COMBINATIONS: Registry[CombinationRule] = Registry("weight combination rule")

_BENEFIT_WORDS = frozenset({"benefit", "max", "positive", "+"})
_COST_WORDS = frozenset({"cost", "min", "negative", "-"})


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    """Objective weights of the ``L`` columns of a decision matrix.

    Attributes
    ----------
    weights
        ``(L,)`` weights, non-negative, summing to 1.
    scores
        ``(L,)`` un-normalised importance the weights are proportional to: the divergence
        ``d_j = 1 - e_j`` (entropy, entropy_raw), the information ``C_j`` (CRITIC), the
        coefficient of variation (cv), the standard deviation (std) or the removal effect
        ``E_j`` (merec).
    method
        Canonical name of the method that produced the weights.
    directions
        ``"benefit"`` or ``"cost"`` per column, as used for the normalisation.
    names
        Column names, if given.
    n_entities
        Number of rows ``E`` the weights were estimated from.
    shift
        Translation added to the normalised matrix (entropy only; 0 otherwise).
    """

    weights: FloatArray
    scores: FloatArray
    method: str
    directions: tuple[str, ...]
    names: tuple[str, ...] | None
    n_entities: int
    shift: float


@dataclass(frozen=True, slots=True)
class CombinedResult:
    """Combination of a subjective and an objective weight vector.

    Attributes
    ----------
    weights
        ``(n,)`` combined weights, summing to 1.
    rule
        Canonical name of the combination rule.
    coefficients
        ``(2,)`` coefficients applied to (subjective, objective): ``(alpha, 1 - alpha)`` for
        ``"linear"``, the exponents ``(1, 1)`` of ``w ∝ w_s^1 · w_o^1`` for
        ``"multiplicative"``, the normalised game-theoretic ``(α1*, α2*)`` for
        ``"game_theory"``.
    subjective, objective
        The two input vectors after normalisation to sum 1.
    alpha
        The ``alpha`` argument (only used by ``"linear"``).
    """

    weights: FloatArray
    rule: str
    coefficients: FloatArray
    subjective: FloatArray
    objective: FloatArray
    alpha: float


# ----------------------------------------------------------------------------- helpers


def minmax_normalize(x: FloatArray, benefit: BoolArray) -> FloatArray:
    """Direction-aware min-max normalisation of the columns of ``x``.

    Parameters
    ----------
    x
        ``(E, L)`` matrix without constant columns (the caller checks).
    benefit
        ``(L,)`` mask, ``True`` for benefit (larger is better) columns.

    Returns
    -------
    numpy.ndarray
        ``(E, L)`` matrix in ``[0, 1]``; 1 is the best entity on every column.

    Notes
    -----
    .. math::

        z_{ij} = \\frac{x_{ij} - \\min_i x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}}
        \\;\\text{(benefit)}, \\qquad
        z_{ij} = \\frac{\\max_i x_{ij} - x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}}
        \\;\\text{(cost)}.
    """
    lo = x.min(axis=0)
    hi = x.max(axis=0)
    span = hi - lo
    base = np.where(benefit, lo, hi)
    sign = np.where(benefit, 1.0, -1.0)
    z: FloatArray = x - base
    z *= sign / span
    return z


def _parse_directions(directions: object, n_cols: int) -> tuple[BoolArray, tuple[str, ...]]:
    if directions is None:
        return np.ones(n_cols, dtype=bool), ("benefit",) * n_cols
    if isinstance(directions, str):
        seq: Sequence[object] = [directions] * n_cols
    else:
        seq = list(directions)  # type: ignore[call-overload]
    if len(seq) != n_cols:
        raise ShapeError(f"directions has {len(seq)} entries but X has {n_cols} columns")
    mask = np.empty(n_cols, dtype=bool)
    for j, d in enumerate(seq):  # one entry per column: parsing at the boundary
        if isinstance(d, bool | np.bool_):
            mask[j] = bool(d)
        elif isinstance(d, str) and d.strip().lower() in _BENEFIT_WORDS:
            mask[j] = True
        elif isinstance(d, str) and d.strip().lower() in _COST_WORDS:
            mask[j] = False
        else:
            raise DataError(
                f"direction {d!r} of column {j} is not understood; use True/'benefit' "
                "or False/'cost'"
            )
    return mask, tuple("benefit" if b else "cost" for b in mask)


def _column_label(j: int, names: tuple[str, ...] | None) -> str:
    return names[j] if names is not None else str(j)


def _validate_matrix(
    x_in: npt.ArrayLike, names: Sequence[str] | None
) -> tuple[FloatArray, tuple[str, ...] | None]:
    if names is None and hasattr(x_in, "columns"):
        names = [str(c) for c in x_in.columns]
    try:
        x = np.asarray(x_in, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"X must be a numeric (E, L) table: {exc}") from exc
    if x.ndim != 2:
        raise ShapeError(f"X must be 2-D (entities, indicators); got shape {x.shape}")
    n_rows, n_cols = x.shape
    if n_cols < 1:
        raise ShapeError("X has no columns")
    name_tuple = None if names is None else tuple(str(n) for n in names)
    if name_tuple is not None and len(name_tuple) != n_cols:
        raise ShapeError(f"{len(name_tuple)} names given for {n_cols} columns")
    if n_rows < 2:
        raise DataError(f"objective weights need at least 2 entities; X has {n_rows} row(s)")
    finite = np.isfinite(x)
    if not finite.all():
        bad_cols = np.flatnonzero(~finite.all(axis=0))
        j = int(bad_cols[0])
        rows = np.flatnonzero(~finite[:, j]).tolist()
        more = f" (and {bad_cols.size - 1} more column(s))" if bad_cols.size > 1 else ""
        raise DataError(
            f"NaN or infinite values{more}", column=_column_label(j, name_tuple), rows=rows
        )
    constant = np.ptp(x, axis=0) == 0.0
    if constant.any():
        labels = ", ".join(_column_label(int(j), name_tuple) for j in np.flatnonzero(constant))
        raise DataError(
            f"constant column(s) {labels}: a column with no spread carries no information "
            "and has no defined objective weight; drop it or give it a weight directly"
        )
    return x, name_tuple


# ----------------------------------------------------------------------------- methods


@OBJECTIVE_METHODS.register("entropy", aliases=("entropy_weight",))
def _entropy(x: FloatArray, benefit: BoolArray, shift: float) -> FloatArray:
    """Entropy weight method (熵值法): divergence ``d_j = 1 - e_j`` per column.

    Notes
    -----
    With ``z`` the direction-aware min-max normalisation (plus the optional ``shift``),

    .. math::

        p_{ij} = \\frac{z_{ij}}{\\sum_i z_{ij}}, \\qquad
        e_j = -\\frac{1}{\\ln E} \\sum_i p_{ij} \\ln p_{ij}, \\qquad d_j = 1 - e_j,

    with the convention :math:`0 \\ln 0 = 0` (the limit of :math:`p \\ln p`).  The worst
    entity of each column has :math:`z = 0`; instead of the convention some authors add a
    small translation to every :math:`z_{ij}` (e.g. 0.01 or 0.0001) so that all
    :math:`p_{ij} > 0` — pass ``shift`` for that variant; it changes the weights slightly.
    """
    z = minmax_normalize(x, benefit)
    if shift:
        z += shift
    z /= z.sum(axis=0)
    from scipy.special import xlogy  # lazy: keeps start-up fast

    plogp = xlogy(z, z)
    e: FloatArray = -plogp.sum(axis=0) / np.log(x.shape[0])
    d: FloatArray = 1.0 - e
    return d


@OBJECTIVE_METHODS.register("critic")
def _critic(x: FloatArray, benefit: BoolArray, shift: float) -> FloatArray:
    """CRITIC (Diakoulaki et al. 1995): ``C_j = σ_j Σ_k (1 - r_jk)``.

    Notes
    -----
    On the direction-aware min-max normalised matrix ``z``,

    .. math::

        C_j = \\sigma_j \\sum_{k=1}^{L} (1 - r_{jk}),

    where :math:`\\sigma_j` is the standard deviation of column ``j`` and :math:`r_{jk}` the
    Pearson correlation between columns ``j`` and ``k``.  The weights are invariant to the
    ``ddof`` of the standard deviation (a common factor); the sample version is used.
    A constant column has :math:`\\sigma_j = 0` and an undefined correlation, so it is
    rejected up front rather than silently given weight 0.
    """
    z = minmax_normalize(x, benefit)
    n = z.shape[0]
    z -= z.mean(axis=0)
    cov: FloatArray = (z.T @ z) / (n - 1)
    sigma = np.sqrt(np.diag(cov))
    r = cov / np.outer(sigma, sigma)
    c: FloatArray = sigma * (1.0 - r).sum(axis=0)
    return c


@OBJECTIVE_METHODS.register("cv", aliases=("coefficient_of_variation",))
def _cv(x: FloatArray, benefit: BoolArray, shift: float) -> FloatArray:
    """Coefficient of variation ``σ_j / |mean_j|`` of the raw columns.

    Notes
    -----
    .. math:: v_j = \\frac{\\sigma_j}{|\\bar x_j|}

    computed on the raw (ratio-scale) values; the direction does not matter because a cost
    column varies exactly as much as its benefit counterpart.  A zero column mean is
    rejected by :func:`objective_weights`.
    """
    sigma: FloatArray = x.std(axis=0, ddof=1)
    mean = np.abs(x.mean(axis=0))
    cv: FloatArray = sigma / mean
    return cv


@OBJECTIVE_METHODS.register("std", aliases=("standard_deviation", "sd"))
def _std(x: FloatArray, benefit: BoolArray, shift: float) -> FloatArray:
    """Standard deviation of the min-max normalised columns.

    Notes
    -----
    .. math:: s_j = \\sigma(z_{\\cdot j})

    (direction-free: :math:`\\sigma(1 - z) = \\sigma(z)`).
    """
    z = minmax_normalize(x, benefit)
    s: FloatArray = z.std(axis=0, ddof=1)
    return s


OBJECTIVE_METHODS.add(
    "entropy_raw", entropy_raw, aliases=("entropy_proportions", "entropy_zeleny", "shannon")
)
OBJECTIVE_METHODS.add("merec", merec)


def objective_weights(
    X: npt.ArrayLike,
    method: str = "entropy",
    directions: Sequence[bool | str] | str | None = None,
    names: Sequence[str] | None = None,
    *,
    shift: float = 0.0,
) -> ObjectiveResult:
    """Objective weights of the columns of a decision matrix.

    Parameters
    ----------
    X
        ``(E, L)`` table of raw indicator values (array, nested lists or DataFrame; a
        DataFrame's column labels are used as ``names`` if none are given).
    method
        A name in :data:`OBJECTIVE_METHODS`: ``"entropy"``, ``"critic"``, ``"cv"``,
        ``"std"``, ``"entropy_raw"``, ``"merec"``.
    directions
        Per column ``True``/``"benefit"`` (larger is better) or ``False``/``"cost"``; a
        single string applies to all columns; ``None`` means all benefit.
    names
        Optional column names, used in error messages and recorded in the result.
    shift
        Entropy only: translation added to the min-max normalised values before forming
        proportions (see Notes).  Default 0 keeps the :math:`0 \\ln 0 = 0` convention.

    Returns
    -------
    ObjectiveResult
        Weights summing to 1, the un-normalised scores and what produced them.

    Raises
    ------
    DataError
        NaN/inf values, a constant column, fewer than 2 entities, a zero column mean (cv),
        all columns perfectly correlated (CRITIC), negative (entropy_raw) or non-positive
        (merec) values, an unknown direction word, a negative shift, or a shift passed to
        a method other than entropy.
    ShapeError
        ``X`` not 2-D, or ``directions``/``names`` of the wrong length.
    UnknownMethodError
        ``method`` is not registered; the message lists the valid names.

    Notes
    -----
    All methods are :math:`w_j = s_j / \\sum_k s_k` for a per-column score :math:`s_j`:

    * entropy (熵值法) — :math:`s_j = 1 - e_j`, :math:`e_j = -\\frac{1}{\\ln E}
      \\sum_i p_{ij}\\ln p_{ij}`, :math:`p_{ij} = z_{ij} / \\sum_i z_{ij}` on the
      direction-aware min-max normalised :math:`z` with :math:`0\\ln 0 = 0` [1]_, [2]_;
      ``shift > 0`` uses :math:`z_{ij} + \\text{shift}` instead (the "translation" variant
      common in applied Chinese literature);
    * critic — :math:`s_j = \\sigma_j \\sum_k (1 - r_{jk})` on :math:`z` [3]_;
    * cv — :math:`s_j = \\sigma_j / |\\bar x_j|` on the raw values;
    * std — :math:`s_j = \\sigma(z_{\\cdot j})`;
    * entropy_raw — the classical convention: the same :math:`e_j` on raw proportions
      :math:`p_{ij} = x_{ij}/\\sum_i x_{ij}` (values >= 0, direction-free); ``"entropy"``
      stays the default (:mod:`evalsys.weights.objective_ratio`);
    * merec — the removal effects of Keshavarz-Ghorabaee et al. (2021) (values > 0).

    Constant columns are rejected (they have no spread, zero entropy divergence, an
    undefined correlation and an undefined min-max normalisation).

    References
    ----------
    .. [1] Shannon, C. E. (1948). A mathematical theory of communication. *Bell System
       Technical Journal*, 27, 379–423.
    .. [2] Hwang, C.-L., & Yoon, K. (1981). *Multiple Attribute Decision Making: Methods
       and Applications*. Springer (entropy method for attribute weights, after Zeleny).
    .. [3] Diakoulaki, D., Mavrotas, G., & Papayannakis, L. (1995). Determining objective
       weights in multiple criteria problems: The CRITIC method. *Computers & Operations
       Research*, 22(7), 763–770.

    Examples
    --------
    >>> r = objective_weights([[1, 10], [2, 10.5], [3, 30]], method="std")
    >>> r.weights.round(3).tolist(), r.method
    ([0.467, 0.533], 'std')
    """
    name = OBJECTIVE_METHODS.canonical(method)
    kernel = OBJECTIVE_METHODS.get(name)
    x, name_tuple = _validate_matrix(X, names)
    benefit, direction_words = _parse_directions(directions, x.shape[1])
    shift = float(shift)
    if not np.isfinite(shift) or shift < 0.0:
        raise DataError(f"shift must be a finite number >= 0; got {shift}")
    if shift and name != "entropy":
        raise DataError(f"shift applies only to method 'entropy', not '{name}'")
    if name == "cv":
        zero_mean = x.mean(axis=0) == 0.0
        if zero_mean.any():
            labels = ", ".join(_column_label(int(j), name_tuple) for j in np.flatnonzero(zero_mean))
            raise DataError(f"coefficient of variation undefined for zero-mean column(s) {labels}")
    check_ratio_scale(name, x, name_tuple)

    if x.shape[1] == 1:
        scores = kernel(x, benefit, shift)
        weights = np.ones(1)
    else:
        scores = kernel(x, benefit, shift)
        total = scores.sum()
        if not total > 0.0:
            raise DataError(
                f"method '{name}' gives zero information to every column "
                "(for CRITIC: all columns perfectly correlated); weights are undefined"
            )
        weights = scores / total
    return ObjectiveResult(
        weights=readonly(np.asarray(weights, dtype=np.float64)),
        scores=readonly(np.asarray(scores, dtype=np.float64)),
        method=name,
        directions=direction_words,
        names=name_tuple,
        n_entities=int(x.shape[0]),
        shift=shift,
    )


# ----------------------------------------------------------------------------- combination


@COMBINATIONS.register("linear", aliases=("additive",))
def _linear(ws: FloatArray, wo: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    """``w = α w_s + (1 − α) w_o`` (线性加权组合)."""
    coef = np.array([alpha, 1.0 - alpha])
    w: FloatArray = coef[0] * ws + coef[1] * wo
    return w / w.sum(), coef


@COMBINATIONS.register("multiplicative", aliases=("product",))
def _multiplicative(ws: FloatArray, wo: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    """``w_j ∝ w_s,j · w_o,j`` (乘法合成归一化)."""
    w: FloatArray = ws * wo
    total = w.sum()
    if not total > 0.0:
        raise DataError(
            "multiplicative combination is undefined: the two weight vectors have no "
            "positive entry in common"
        )
    return w / total, np.ones(2)


@COMBINATIONS.register("game_theory", aliases=("game",))
def _game_theory(ws: FloatArray, wo: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    """Game-theoretic combination (博弈论组合赋权)."""
    u = np.stack([ws, wo])  # (2, n)
    gram = u @ u.T
    rhs = np.diag(gram).copy()
    # lstsq returns the minimum-norm solution (0.5, 0.5) when ws == wo (singular Gram).
    a = np.linalg.lstsq(gram, rhs, rcond=None)[0]
    a_abs = np.abs(a)
    coef: FloatArray = a_abs / a_abs.sum()
    w: FloatArray = coef @ u
    return w / w.sum(), coef


def _weight_vector(w_in: npt.ArrayLike, label: str) -> FloatArray:
    try:
        w = np.asarray(w_in, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{label} weights must be numeric: {exc}") from exc
    if w.ndim != 1 or w.size < 1:
        raise ShapeError(f"{label} weights must be a 1-D vector; got shape {w.shape}")
    if not np.isfinite(w).all():
        raise DataError(f"{label} weights contain NaN or infinite values")
    if (w < 0).any():
        raise DataError(f"{label} weights must be non-negative; got min {w.min()}")
    total = w.sum()
    if not total > 0.0:
        raise DataError(f"{label} weights are all zero")
    out: FloatArray = w / total
    return out


def combine_weights(
    subjective: npt.ArrayLike,
    objective: npt.ArrayLike | ObjectiveResult,
    rule: str = "linear",
    alpha: float = 0.5,
) -> CombinedResult:
    """Combine subjective and objective weights.

    Parameters
    ----------
    subjective
        ``(n,)`` subjective weights (e.g. AHP); normalised to sum 1.
    objective
        ``(n,)`` objective weights, or an :class:`ObjectiveResult`; normalised to sum 1.
    rule
        A name in :data:`COMBINATIONS`: ``"linear"``, ``"multiplicative"``,
        ``"game_theory"``.
    alpha
        Share of the subjective weights for ``"linear"``, in ``[0, 1]``; ignored otherwise.

    Returns
    -------
    CombinedResult
        The combined weights and the coefficients that produced them.

    Raises
    ------
    ShapeError
        The vectors are not 1-D or differ in length.
    DataError
        Negative, NaN or all-zero weights; ``alpha`` outside ``[0, 1]``; a multiplicative
        combination with no common positive entry.
    UnknownMethodError
        ``rule`` is not registered.

    Notes
    -----
    * linear: :math:`w = \\alpha w_s + (1 - \\alpha) w_o`.
    * multiplicative (乘法合成): :math:`w_j = w_{s,j} w_{o,j} / \\sum_k w_{s,k} w_{o,k}`.
    * game_theory: with :math:`u_1 = w_s`, :math:`u_2 = w_o`, the coefficients
      minimise :math:`\\lVert \\sum_k \\alpha_k u_k^T - u_i^T \\rVert_2` for every
      :math:`i`; the first-order conditions give the linear system

      .. math::

         \\begin{pmatrix} u_1 u_1^T & u_1 u_2^T \\\\ u_2 u_1^T & u_2 u_2^T \\end{pmatrix}
         \\begin{pmatrix} \\alpha_1 \\\\ \\alpha_2 \\end{pmatrix} =
         \\begin{pmatrix} u_1 u_1^T \\\\ u_2 u_2^T \\end{pmatrix},

      whose solution is normalised as :math:`\\alpha_k^* = |\\alpha_k| / \\sum |\\alpha|`
      and :math:`w = \\sum_k \\alpha_k^* u_k` [1]_.  When :math:`u_1 = u_2` the system is
      singular; its minimum-norm solution :math:`(1/2, 1/2)` is used.

    References
    ----------
    .. [1] Lai, C., Chen, X., Chen, X., Wang, Z., Wu, X., & Zhao, S. (2015). A fuzzy
       comprehensive evaluation model for flood risk based on the combination weight of
       game theory. *Natural Hazards*, 77(2), 1243–1259.

    Examples
    --------
    >>> r = combine_weights([0.5, 0.3, 0.2], [0.2, 0.3, 0.5], rule="linear", alpha=0.6)
    >>> r.weights.round(2).tolist(), r.coefficients.round(2).tolist()
    ([0.38, 0.3, 0.32], [0.6, 0.4])
    """
    name = COMBINATIONS.canonical(rule)
    fn = COMBINATIONS.get(name)
    obj_in: Any = objective.weights if isinstance(objective, ObjectiveResult) else objective
    ws = _weight_vector(subjective, "subjective")
    wo = _weight_vector(obj_in, "objective")
    if ws.shape != wo.shape:
        raise ShapeError(
            f"subjective ({ws.size}) and objective ({wo.size}) weights differ in length"
        )
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise DataError(f"alpha must lie in [0, 1]; got {alpha}")
    weights, coef = fn(ws, wo, alpha)
    return CombinedResult(
        weights=readonly(weights),
        rule=name,
        coefficients=readonly(coef),
        subjective=readonly(ws),
        objective=readonly(wo),
        alpha=alpha,
    )
