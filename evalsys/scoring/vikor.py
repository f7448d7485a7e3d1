"""VIKOR compromise ranking (Opricovic 1998; Opricovic & Tzeng 2004).

It owns the VIKOR indices S (group utility), R (individual regret) and Q (compromise
index) of E alternatives, vectorised over the (E, L) decision matrix
(:func:`vikor_indices`); the MCDA kernel :func:`vikor_kernel`, registered as ``"vikor"``
in :data:`evalsys.scoring.mcda.MCDA_METHODS`; and :func:`vikor`, which adds the
compromise solution and its two acceptance conditions (:class:`VikorResult`).

Orientation: in VIKOR a *lower* Q is better.  Every MCDA score of evalsys is
larger-is-better (it is the ``score`` column of ``evalsys score`` and ranks are taken on it
in descending order), so the registered kernel returns :math:`1 - Q \\in [0, 1]`: rank 1
is the alternative with the smallest Q, and ties in Q stay ties.

References
----------
.. [1] Opricovic, S. (1998). *Multicriteria Optimization of Civil Engineering Systems*.
       Faculty of Civil Engineering, Belgrade.
.. [2] Opricovic, S. and Tzeng, G.-H. (2004). Compromise solution by MCDM methods: A
       comparative analysis of VIKOR and TOPSIS. *European Journal of Operational
       Research* 156(2), 445–455. doi:10.1016/S0377-2217(03)00020-1
.. [3] Opricovic, S. and Tzeng, G.-H. (2007). Extended VIKOR method in comparison with
       outranking methods. *European Journal of Operational Research* 178(2), 514–529.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys._arrays import readonly
from evalsys.errors import ParameterError

__all__ = ["VikorResult", "check_vikor_options", "vikor", "vikor_indices", "vikor_kernel"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _unit(x: FloatArray) -> FloatArray:
    """``(x - min x) / (max x - min x)``; 0 everywhere when ``x`` is constant."""
    lo = float(x.min())
    span = float(x.max()) - lo
    if span == 0.0:
        return np.zeros_like(x)
    out: FloatArray = (x - lo) / span
    return out


def vikor_indices(
    X: FloatArray, weights: FloatArray, benefit: BoolArray, v: float = 0.5
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""S, R and Q of every alternative (kernel: trusts its inputs).

    Parameters
    ----------
    X : ndarray, shape (E, L)
        Decision matrix, finite.
    weights : ndarray, shape (L,)
        Non-negative weights, not all zero (divided by their sum).
    benefit : ndarray of bool, shape (L,)
        ``True`` where larger is better.
    v : float
        Weight of the strategy of the majority of criteria, in [0, 1].

    Returns
    -------
    S, R, Q : ndarray, shape (E,)

    Notes
    -----
    With :math:`f^*_l` the best and :math:`f^-_l` the worst value of criterion l (maximum
    and minimum for a benefit criterion, the reverse for a cost one) and
    :math:`w_l` the weights normalised to sum 1:

    .. math::

        d_{el} = \frac{f^*_l - f_{el}}{f^*_l - f^-_l},\qquad
        S_e = \sum_l w_l d_{el},\qquad R_e = \max_l w_l d_{el},

        Q_e = v\,\frac{S_e - S^*}{S^- - S^*} + (1 - v)\,\frac{R_e - R^*}{R^- - R^*},

    :math:`S^* = \min_e S_e`, :math:`S^- = \max_e S_e` (likewise for R).  A constant
    criterion (:math:`f^*_l = f^-_l`) gives :math:`d_{el} = 0`; a constant S (or R) gives a
    zero first (or second) term of Q, so Q stays in [0, 1] without NaN.
    """
    hi = X.max(axis=0)
    lo = X.min(axis=0)
    best = np.where(benefit, hi, lo)
    span = hi - lo
    safe = np.where(span > 0, span, 1.0)
    d = np.abs(best - X) / safe  # = (f* - f) / (f* - f-) >= 0 for either direction
    d[:, span == 0] = 0.0
    wn = weights / weights.sum()
    wd = d * wn
    S: FloatArray = wd.sum(axis=1)
    R: FloatArray = wd.max(axis=1)
    Q: FloatArray = v * _unit(S) + (1.0 - v) * _unit(R)
    return S, R, Q


def vikor_kernel(
    X: FloatArray, weights: FloatArray, benefit: BoolArray, *, v: float = 0.5
) -> FloatArray:
    r"""VIKOR as an evalsys MCDA score: :math:`1 - Q_e \in [0, 1]`, larger is better.

    Parameters
    ----------
    X : ndarray, shape (E, L)
    weights : ndarray, shape (L,)
    benefit : ndarray of bool, shape (L,)
    v : float
        Weight of the group-utility strategy (0.5, "by consensus", by default).

    Returns
    -------
    ndarray, shape (E,)
        1 for the alternative(s) with the smallest Q, 0 for those with the largest.

    See Also
    --------
    vikor : S, R, Q and the compromise solution.
    """
    Q = vikor_indices(X, weights, benefit, v)[2]
    out: FloatArray = 1.0 - Q
    return out


def check_vikor_options(v: object = 0.5) -> None:
    """Raise :class:`~evalsys.errors.ParameterError` unless ``v`` is a number in [0, 1]."""
    try:
        vf = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"VIKOR v must be a number in [0, 1], got {v!r}") from exc
    if not 0.0 <= vf <= 1.0:
        raise ParameterError(f"VIKOR v must lie in [0, 1], got {vf}")


@dataclass(frozen=True, slots=True)
class VikorResult:
    """VIKOR indices and compromise solution of E alternatives (arrays read-only).

    Attributes
    ----------
    S, R, Q : ndarray, shape (E,)
        Group utility, individual regret and compromise index; smaller is better.
    ranks : ndarray of int64, shape (E,)
        Rank by Q (1 = smallest Q; ties share the smallest rank).
    v : float
        Weight of the group-utility strategy.
    dq : float
        :math:`DQ = 1/(E - 1)`, the acceptable advantage threshold (1 when E = 1).
    acceptable_advantage : bool
        Condition C1: :math:`Q(a'') - Q(a') \\ge DQ` for the two best alternatives by Q.
    acceptable_stability : bool
        Condition C2: the best alternative by Q is also best by S or by R.
    compromise : tuple of int
        0-based indices of the compromise solution, best Q first.
    """

    S: FloatArray
    R: FloatArray
    Q: FloatArray
    ranks: NDArray[np.int64]
    v: float
    dq: float
    acceptable_advantage: bool
    acceptable_stability: bool
    compromise: tuple[int, ...]


def vikor(X: ArrayLike, weights: ArrayLike, benefit: ArrayLike, v: float = 0.5) -> VikorResult:
    """VIKOR ranking with the compromise solution of Opricovic & Tzeng (2004).

    Parameters
    ----------
    X : array_like, shape (E, L)
        Raw decision matrix, finite.
    weights : array_like, shape (L,)
        Non-negative criterion weights, not all zero.
    benefit : array_like of bool, shape (L,) (or a scalar for all columns)
        ``True`` where larger is better.
    v : float
        Weight of the strategy of "the majority of criteria" (group utility), in [0, 1].

    Returns
    -------
    VikorResult

    Raises
    ------
    ShapeError, DataError
        As :func:`evalsys.scoring.mcda.mcda_score`.
    ParameterError
        ``v`` outside [0, 1].

    Notes
    -----
    The indices are those of :func:`vikor_indices`.  With the alternatives sorted by Q
    (:math:`a'` first, :math:`a''` second) and :math:`DQ = 1/(E-1)`:

    * C1, acceptable advantage: :math:`Q(a'') - Q(a') \\ge DQ`;
    * C2, acceptable stability: :math:`a'` is also best ranked by S or by R.

    The compromise solution is :math:`\\{a'\\}` if both hold; :math:`\\{a', a''\\}` if only
    C2 fails; and, if C1 fails, :math:`a', \\dots, a^{(M)}` with M the largest position such
    that :math:`Q(a^{(M)}) - Q(a') < DQ`.  Sorting is stable, so ties keep input order.

    References
    ----------
    .. [1] Opricovic, S. and Tzeng, G.-H. (2004). *EJOR* 156(2), 445–455 (the VIKOR steps
           and the conditions C1, C2).

    Examples
    --------
    Numerical example of Opricovic & Tzeng (2004): three alternatives, f1 to be
    minimised, f2 maximised, equal weights; A2 is the compromise solution (Q = 1, 0, 1):

    >>> r = vikor([[1, 3000], [2, 3750], [5, 4500]], [0.5, 0.5], [False, True])
    >>> r.S.tolist(), r.R.tolist(), r.Q.tolist(), r.compromise
    ([0.5, 0.375, 0.5], [0.5, 0.25, 0.5], [1.0, 0.0, 1.0], (1,))
    """
    from evalsys.scoring.grading import ranks
    from evalsys.scoring.mcda import _validate

    Xa, w, b = _validate(X, weights, benefit)
    check_vikor_options(v)
    v = float(v)
    S, R, Q = vikor_indices(Xa, w, b, v)
    E = Q.size
    order = np.argsort(Q, kind="stable")
    dq = 1.0 / (E - 1) if E > 1 else 1.0
    first = int(order[0])
    c1 = E == 1 or bool(Q[order[1]] - Q[first] >= dq)
    c2 = bool(S[first] == S.min() or R[first] == R.min())
    if c1 and c2:
        comp: tuple[int, ...] = (first,)
    elif c1:
        comp = (first, int(order[1]))
    else:
        close = Q[order] - Q[first] < dq
        comp = tuple(int(i) for i in order[: int(np.flatnonzero(close).max()) + 1])
    return VikorResult(
        S=readonly(S),
        R=readonly(R),
        Q=readonly(Q),
        ranks=readonly(ranks(Q, descending=False, method="min")),
        v=v,
        dq=dq,
        acceptable_advantage=c1,
        acceptable_stability=c2,
        compromise=comp,
    )
