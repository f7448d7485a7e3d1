r"""Classical multi-criteria scoring: weighted sum, TOPSIS, grey relational analysis, and
the registry that also holds VIKOR and PROMETHEE II.

Each method is a pure kernel ``kernel(X, weights, benefit, **options) -> scores (E,)``
registered in :data:`MCDA_METHODS`; :func:`mcda_score` validates the inputs once and returns
an :class:`MCDAResult` recording the method and options.  Larger scores are better for
every method: VIKOR (:mod:`evalsys.scoring.vikor`) scores :math:`1 - Q` and PROMETHEE II
(:mod:`evalsys.scoring.promethee`, :math:`O(E^2)`) scores :math:`(1 + \phi)/2`, both in
[0, 1] like the others.

References
----------
.. [1] Hwang, C.-L. and Yoon, K. (1981). *Multiple Attribute Decision Making: Methods and
       Applications — A State-of-the-Art Survey*. Springer, LNEMS 186.
       doi:10.1007/978-3-642-48318-9
.. [2] Deng, J.-L. (1989). Introduction to grey system theory. *The Journal of Grey
       System* 1(1), 1–24.
.. [3] Kuo, Y., Yang, T. and Huang, G.-W. (2008). The use of grey relational analysis in
       solving multiple attribute decision-making problems. *Computers & Industrial
       Engineering* 55(1), 80–93.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys._registry import Registry
from evalsys.errors import DataError, ShapeError
from evalsys.scoring.grading import ranks
from evalsys.scoring.promethee import check_promethee_options, promethee_kernel
from evalsys.scoring.vikor import check_vikor_options, vikor_kernel

__all__ = [
    "MCDA_METHODS",
    "MCDAResult",
    "decision_matrix",
    "grey_relational",
    "mcda_score",
    "minmax_by_direction",
    "topsis",
    "weighted_sum",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Kernel = Callable[..., FloatArray]

MCDA_METHODS: Registry[Kernel] = Registry("MCDA method")


def minmax_by_direction(X: FloatArray, benefit: BoolArray) -> FloatArray:
    r"""Min-max scale each column so that 1 is best: benefit :math:`(x - m)/(M - m)`, cost
    :math:`(M - x)/(M - m)`; a constant column becomes 1.0 (as in :mod:`evalsys.scoring.normalize`).
    """
    lo = X.min(axis=0)
    hi = X.max(axis=0)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    out: FloatArray = np.where(benefit, X - lo, hi - X)
    out /= safe
    out[:, span == 0] = 1.0
    return out


@MCDA_METHODS.register("weighted_sum", aliases=("saw",))
def weighted_sum(
    X: FloatArray, weights: FloatArray, benefit: BoolArray, *, normalization: str = "minmax"
) -> FloatArray:
    r"""Simple additive weighting :math:`S_e = \sum_l w_l\, n_{el} / \sum_l w_l`.

    Parameters
    ----------
    X : ndarray, shape (E, L)
    weights : ndarray, shape (L,)
    benefit : ndarray of bool, shape (L,)
    normalization : {"minmax", "linear", "none"}
        ``"minmax"`` scales columns by direction (:func:`minmax_by_direction`);
        ``"linear"`` divides by the best value, :math:`x / \max x` (benefit) and
        :math:`\min x / x` (cost) — the ``linear`` / ``linear_cost`` normalisers of
        :mod:`evalsys.scoring.normalize`, for positive ratio-scale data;
        ``"none"`` takes ``X`` as already normalised with larger-is-better columns and
        ignores ``benefit``.

    Notes
    -----
    Weights are divided by their sum, so the score of a normalised matrix stays in [0, 1].

    References
    ----------
    .. [1] Hwang & Yoon (1981), §III.1.3 (simple additive weighting; linear scale
           transformation :math:`x/x^*`, :math:`x^{\min}/x`).
    """
    if normalization == "linear":
        from evalsys.scoring.normalize import normalize_columns

        N = normalize_columns(X, ["linear" if b else "linear_cost" for b in benefit])
    else:
        N = minmax_by_direction(X, benefit) if normalization == "minmax" else X
    out: FloatArray = N @ (weights / weights.sum())
    return out


@MCDA_METHODS.register("topsis")
def topsis(
    X: FloatArray, weights: FloatArray, benefit: BoolArray, *, normalization: str = "vector"
) -> FloatArray:
    r"""TOPSIS relative closeness to the ideal solution (Hwang & Yoon 1981).

    Parameters
    ----------
    X : ndarray, shape (E, L)
        Decision matrix (alternatives × criteria).
    weights : ndarray, shape (L,)
        Criterion weights (any positive scale: C is invariant to a common factor).
    benefit : ndarray of bool, shape (L,)
        ``True`` for benefit criteria, ``False`` for cost criteria.
    normalization : {"vector", "minmax", "none"}
        ``"vector"`` (Hwang & Yoon's default) :math:`r = x/\lVert x_{\cdot l}\rVert_2`;
        ``"minmax"`` plain :math:`(x - m)/(M - m)` (direction still handled by the ideals);
        ``"none"`` uses ``X`` as is.

    Returns
    -------
    ndarray, shape (E,)
        :math:`C_e \in [0, 1]`, larger is better.

    Notes
    -----
    .. math::

        v_{el} = w_l r_{el},\quad
        v^+_l = \begin{cases}\max_e v_{el} & l \text{ benefit}\\ \min_e v_{el} & l \text{ cost}
        \end{cases},\quad
        v^-_l = \begin{cases}\min_e v_{el} & l \text{ benefit}\\ \max_e v_{el} & l \text{ cost}
        \end{cases}

        d^\pm_e = \lVert v_{e\cdot} - v^\pm \rVert_2,\qquad C_e = \frac{d^-_e}{d^+_e + d^-_e}

    When every alternative equals both ideals (:math:`d^+ = d^- = 0`, e.g. a single
    alternative or identical rows) C is set to 0.5: the alternatives are indistinguishable.
    An all-zero column under vector normalisation stays 0.

    References
    ----------
    .. [1] Hwang, C.-L. and Yoon, K. (1981). *Multiple Attribute Decision Making*. Springer,
           pp. 128–134.
    """
    if normalization == "vector":
        norm = np.sqrt(np.einsum("el,el->l", X, X))
        V = X / np.where(norm > 0, norm, 1.0)
    elif normalization == "minmax":
        lo, hi = X.min(axis=0), X.max(axis=0)
        V = (X - lo) / np.where(hi > lo, hi - lo, 1.0)
    else:
        V = X.copy()
    V *= weights
    vmax = V.max(axis=0)
    vmin = V.min(axis=0)
    ideal = np.where(benefit, vmax, vmin)
    anti = np.where(benefit, vmin, vmax)
    d_plus = np.sqrt(np.square(V - ideal).sum(axis=1))
    d_minus = np.sqrt(np.square(V - anti).sum(axis=1))
    den = d_plus + d_minus
    out: FloatArray = np.divide(d_minus, den, out=np.full_like(den, 0.5), where=den > 0)
    return out


@MCDA_METHODS.register("grey", aliases=("gra", "grey_relational"))
def grey_relational(
    X: FloatArray, weights: FloatArray, benefit: BoolArray, *, rho: float = 0.5
) -> FloatArray:
    r"""Grey relational grade of each alternative to the ideal reference series (Deng).

    Parameters
    ----------
    X : ndarray, shape (E, L)
    weights : ndarray, shape (L,)
    benefit : ndarray of bool, shape (L,)
    rho : float
        Distinguishing coefficient ρ ∈ (0, 1], 0.5 by default.

    Returns
    -------
    ndarray, shape (E,)
        Weighted grey relational grades in (0, 1], larger is better.

    Notes
    -----
    Columns are min-max normalised by direction (:func:`minmax_by_direction`), the
    reference series is the best normalised value per column :math:`x_0(l) = \max_e n_{el}`
    (= 1), and with :math:`\Delta_{el} = |x_0(l) - n_{el}|`, the two-level extremes
    :math:`\Delta_{\min} = \min_{e,l}\Delta_{el}`, :math:`\Delta_{\max} = \max_{e,l}\Delta_{el}`:

    .. math::

        \xi_{el} = \frac{\Delta_{\min} + \rho\Delta_{\max}}{\Delta_{el} + \rho\Delta_{\max}},
        \qquad \gamma_e = \frac{\sum_l w_l\,\xi_{el}}{\sum_l w_l}.

    If :math:`\Delta_{\max} = 0` (every alternative equals the reference) all ξ are 1.
    Δmin and Δmax are taken over the whole matrix passed in, so grades depend on the set of
    alternatives (not on their order).

    References
    ----------
    .. [1] Deng, J.-L. (1989). Introduction to grey system theory. *J. Grey System* 1(1).
    .. [2] Kuo, Y., Yang, T., Huang, G.-W. (2008). *Computers & Industrial Engineering*
           55(1), 80–93.
    """
    N = minmax_by_direction(X, benefit)
    delta = N.max(axis=0) - N  # reference minus value, >= 0
    dmin = float(delta.min())
    dmax = float(delta.max())
    if dmax == 0.0:
        xi = np.ones_like(delta)
    else:
        xi = (dmin + rho * dmax) / (delta + rho * dmax)
    out: FloatArray = xi @ (weights / weights.sum())
    return out


MCDA_METHODS.add("vikor", vikor_kernel)
MCDA_METHODS.add("promethee_ii", promethee_kernel, aliases=("promethee", "promethee2"))


@dataclass(frozen=True, slots=True)
class MCDAResult:
    """Scores of E alternatives by one MCDA method.

    Attributes
    ----------
    scores : ndarray, shape (E,)
        Larger is better.
    ranks : ndarray of int64, shape (E,)
        1 = best, ties share the smallest rank (:func:`evalsys.scoring.grading.ranks`, ``"min"``).
    method : str
        Canonical registry name.
    options : tuple of (name, value) pairs
        Method options used (e.g. ``(("rho", 0.5),)``).
    """

    scores: FloatArray
    ranks: NDArray[np.int64]
    method: str
    options: tuple[tuple[str, Any], ...] = ()


def _validate(
    X: ArrayLike, weights: ArrayLike, benefit: ArrayLike
) -> tuple[FloatArray, FloatArray, BoolArray]:
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 2:
        raise ShapeError(f"X must be 2-D (alternatives, criteria), got shape {Xa.shape}")
    if Xa.shape[0] == 0 or Xa.shape[1] == 0:
        raise ShapeError(f"X must have at least one alternative and criterion, got {Xa.shape}")
    L = Xa.shape[1]
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (L,):
        raise ShapeError(f"weights shape {w.shape} does not match X shape {Xa.shape}: need ({L},)")
    b_raw = np.asarray(benefit)
    if b_raw.dtype != np.bool_:
        raise DataError(
            f"benefit must be a boolean array (True = benefit), got dtype {b_raw.dtype}"
        )
    b = np.broadcast_to(b_raw, (L,)) if b_raw.ndim == 0 else b_raw
    if b.shape != (L,):
        raise ShapeError(f"benefit shape {b.shape} does not match X shape {Xa.shape}: need ({L},)")
    bad = ~np.isfinite(Xa)
    if bad.any():
        raise DataError(
            "X contains NaN or infinite values",
            rows=[int(i) for i in np.flatnonzero(bad.any(axis=1))],
        )
    if not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
        raise DataError("weights must be finite, non-negative and not all zero")
    return Xa, w, b


def mcda_score(
    X: ArrayLike,
    weights: ArrayLike,
    benefit: ArrayLike,
    method: str = "topsis",
    **options: Any,
) -> MCDAResult:
    """Score alternatives with a registered MCDA method.

    Parameters
    ----------
    X : array_like, shape (E, L)
        Raw decision matrix, finite.
    weights : array_like, shape (L,)
        Non-negative criterion weights, not all zero.
    benefit : array_like of bool, shape (L,) (or a scalar for all columns)
        ``True`` where larger is better.
    method : str
        ``"weighted_sum"`` (alias ``"saw"``), ``"topsis"``, ``"grey"`` (aliases ``"gra"``,
        ``"grey_relational"``), ``"vikor"``, ``"promethee_ii"`` (aliases ``"promethee"``,
        ``"promethee2"``).
    **options
        Passed to the kernel (``normalization=`` for weighted_sum / topsis, ``rho=`` for
        grey, ``v=`` for VIKOR, ``preference=``, ``q=``, ``p=``, ``s=``, ``max_entities=``
        for PROMETHEE II).

    Returns
    -------
    MCDAResult

    Raises
    ------
    ShapeError, DataError, UnknownMethodError
    ParameterError
        A VIKOR / PROMETHEE II option out of its domain.

    Examples
    --------
    Tzeng & Huang (2011) TOPSIS example, closeness 0.5037, 0.6581, 0.7482, 0.3340:

    >>> r = mcda_score([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], [0.3, 0.4, 0.3],
    ...                [True, True, True], method="topsis")
    >>> r.scores.round(4).tolist(), r.ranks.tolist()
    ([0.5037, 0.6581, 0.7482, 0.334], [3, 2, 1, 4])
    """
    name = MCDA_METHODS.canonical(method)
    kernel = MCDA_METHODS.get(name)
    Xa, w, b = _validate(X, weights, benefit)
    if name == "grey":
        rho = float(options.get("rho", 0.5))
        if not 0.0 < rho <= 1.0:
            raise DataError(f"grey relational rho must lie in (0, 1], got {rho}")
    accepted = [
        p.name
        for p in inspect.signature(kernel).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise DataError(
            f"invalid option(s) {', '.join(unknown)} for MCDA method '{name}'; "
            f"valid: {', '.join(accepted) or 'none'}"
        )
    if name == "vikor":
        check_vikor_options(**options)
    elif name == "promethee_ii":
        check_promethee_options(Xa.shape[1], **options)
    if "normalization" in options:
        allowed = (
            ("minmax", "linear", "none") if name == "weighted_sum" else ("vector", "minmax", "none")
        )
        if options["normalization"] not in allowed:
            raise DataError(f"{name}: normalization must be one of {', '.join(allowed)}")
    scores = kernel(Xa, w, b, **options)
    return MCDAResult(
        scores=scores,
        ranks=ranks(scores, descending=True, method="min"),
        method=name,
        options=tuple(sorted(options.items())),
    )


def decision_matrix(
    method: str,
    raw: FloatArray,
    utilities: FloatArray,
    benefit_raw: BoolArray,
    vote_cols: NDArray[np.intp],
) -> tuple[FloatArray, BoolArray]:
    """The decision matrix and directions a tree's leaves give to an MCDA method.

    TOPSIS takes the raw values (missing ones as 0) of the leaves whose raw values are
    larger-is-better, except votes, and the utilities of the others; weighted sum, grey,
    VIKOR and PROMETHEE II take every leaf's utilities.  Every column is then
    larger-is-better.

    Parameters
    ----------
    method : str
        The scoring method; ``"topsis"`` mixes raw values and utilities.
    raw : ndarray, shape (E, L)
        Indicator values (NaN where missing).
    utilities : ndarray, shape (E, L)
        Leaf utilities, 0 where missing.
    benefit_raw : ndarray of bool, shape (L,)
        Direction of each leaf's raw values (``True`` = benefit).
    vote_cols : ndarray of int, shape (V,)
        Leaves scored by votes (never raw).

    Returns
    -------
    M : ndarray, shape (E, L)
        The decision matrix for :func:`mcda_score`.
    benefit : ndarray of bool, shape (L,)
        ``True`` where larger is better.
    """
    if method != "topsis":
        return utilities, np.ones(raw.shape[1], dtype=bool)
    values = np.where(np.isnan(raw), 0.0, raw)
    cols = np.where(benefit_raw & ~np.isin(np.arange(raw.shape[1]), vote_cols), 0, 1).astype(bool)
    return np.where(cols[None, :], utilities, values), np.where(cols, True, benefit_raw)
