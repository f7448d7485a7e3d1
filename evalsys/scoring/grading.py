"""From evaluation vectors B to grades, scores, ranks and percentiles.

* :func:`max_membership` — maximum-membership principle (最大隶属原则) with its validity
  index α (有效度), and :func:`check_validity` to warn when α is low.
* :func:`weighted_grade_score` — weighted-average principle (加权平均原则).
* :func:`ranks`, :func:`percentiles` — vectorised, deterministic ranking of scores.

Grades are ordered **best first** (grade 0 = 优/excellent).

References
----------
.. [1] 刘合香 (2012). 《模糊数学理论及其应用》. 科学出版社. (最大隶属原则的有效性分析:
       the validity index α and its interpretation bands.)
.. [2] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社, 第4章.
       (maximum-membership and weighted-average principles for the evaluation vector.)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys.errors import DataError, ShapeError, ValidityWarning

__all__ = [
    "DEFAULT_VALIDITY_THRESHOLD",
    "MaxMembershipResult",
    "check_validity",
    "max_membership",
    "percentiles",
    "ranks",
    "weighted_grade_score",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: α below this is "low efficiency" (低效) in the bands of 刘合香 (2012): α ≥ 1 very
#: effective, 0.5 ≤ α < 1 fairly effective, α < 0.5 of low effect, α = 0 ineffective.
DEFAULT_VALIDITY_THRESHOLD = 0.5


def _as_B(B: ArrayLike) -> tuple[FloatArray, bool]:
    b = np.asarray(B, dtype=np.float64)
    if b.ndim not in (1, 2):
        raise ShapeError(f"B must be (G,) or (E, G), got shape {b.shape}")
    single = b.ndim == 1
    b2 = b[None, :] if single else b
    bad = ~(np.isfinite(b2) & (b2 >= 0))
    if bad.any():
        raise DataError(
            "evaluation vectors B must be finite and non-negative",
            rows=[int(i) for i in np.flatnonzero(bad.any(axis=1))],
        )
    return b2, single


@dataclass(frozen=True, slots=True)
class MaxMembershipResult:
    """Grades by the maximum-membership principle.

    Unpacks as ``grade, validity = max_membership(B)``.

    Attributes
    ----------
    grade : ndarray of int64, shape (E,) (or 0-d for a single B)
        Index of the grade with the largest membership, best grade = 0; ties go to the lower
        (better) index; ``-1`` for an all-zero B (no grade can be chosen).
    validity : ndarray of float64, same shape
        Validity index α; ``inf`` when only one grade has positive membership, ``nan`` for an
        all-zero B.
    method : str
        ``"max_membership"``.
    """

    grade: IntArray
    validity: FloatArray
    method: str = "max_membership"

    def __iter__(self) -> Iterator[IntArray | FloatArray]:
        yield self.grade
        yield self.validity


def max_membership(B: ArrayLike) -> MaxMembershipResult:
    r"""Grade of each evaluation vector by maximum membership, with the validity index.

    Parameters
    ----------
    B : array_like, shape (G,) or (E, G)
        Evaluation vectors (need not be normalised), finite and non-negative, G ≥ 2.

    Returns
    -------
    MaxMembershipResult
        ``(grade, validity)``.

    Raises
    ------
    ShapeError
        B not 1-/2-D or fewer than 2 grades.
    DataError
        Negative or non-finite entries (rows named).

    Notes
    -----
    With :math:`n = G` grades, :math:`\beta = \max_j b_j / \sum_j b_j` and
    :math:`\gamma` the second-largest :math:`b_j` divided by :math:`\sum_j b_j`
    (equal to β when the maximum is tied), the validity of the maximum-membership
    principle is [1]_

    .. math:: \alpha = \frac{n\beta - 1}{2\gamma(n - 1)}.

    α = 0 when B is uniform (β = 1/n: the principle fails completely); α = +∞ when
    γ = 0 (all membership in one grade: fully effective).  刘合香 [1]_ reads α ≥ 1 as very
    effective, 0.5 ≤ α < 1 as fairly effective and α < 0.5 as of low effect — see
    :func:`check_validity`.  Ties between grades resolve to the better (lower) index,
    and α then is at most :math:`(n\beta - 1) / (2\beta(n - 1)) < 1/2`, flagging the tie.

    The computation is one ``argmax`` and one ``partition`` over the grade axis.

    References
    ----------
    .. [1] 刘合香 (2012). 《模糊数学理论及其应用》. 科学出版社, 模糊综合评判:
           最大隶属原则的有效性.

    Examples
    --------
    Clothing example (M(∧,∨), weights A2) from the textbook: B2 = (0.35, 0.4, 0.2, 0.1)
    is graded "popular" (index 1), but with α ≈ 0.26 < 0.5 the maximum-membership verdict
    is of low validity (0.4 barely beats 0.35).

    >>> g, a = max_membership([0.35, 0.4, 0.2, 0.1])
    >>> int(g), round(float(a), 4)
    (1, 0.2619)
    """
    b, single = _as_B(B)
    G = b.shape[1]
    if G < 2:
        raise ShapeError(f"max_membership needs at least 2 grades, got B of shape {b.shape}")
    grade = np.argmax(b, axis=1).astype(np.int64)
    total = b.sum(axis=1)
    top2 = np.partition(b, G - 2, axis=1)[:, G - 2 :]
    bmax, second = top2[:, 1], top2[:, 0]
    zero = total <= 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        beta = bmax / total
        gamma = second / total
        alpha = (G * beta - 1.0) / (2.0 * gamma * (G - 1))
    alpha[~zero & (second == 0)] = np.inf
    alpha[zero] = np.nan
    grade[zero] = -1
    if single:
        return MaxMembershipResult(grade=grade.reshape(()), validity=alpha.reshape(()))
    return MaxMembershipResult(grade=grade, validity=alpha)


def check_validity(
    validity: ArrayLike,
    threshold: float = DEFAULT_VALIDITY_THRESHOLD,
    *,
    stacklevel: int = 2,
) -> NDArray[np.bool_]:
    """Warn (:class:`~evalsys.errors.ValidityWarning`) about grades with low validity.

    Parameters
    ----------
    validity : array_like
        α values from :func:`max_membership`.
    threshold : float
        α below this is low; default 0.5, the "low effect" band of 刘合香 (2012).
    stacklevel : int
        Passed to :func:`warnings.warn`.

    Returns
    -------
    ndarray of bool
        Mask of low-validity entries (NaN — an all-zero B — counts as low).  One warning
        names how many and the first few entity rows; no warning when the mask is empty.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     low = check_validity([2.0, 0.2])
    >>> low.tolist(), w[0].category.__name__
    ([False, True], 'ValidityWarning')
    """
    a = np.asarray(validity, dtype=np.float64)
    low: NDArray[np.bool_] = ~(a >= threshold)
    if low.any():
        idx = np.flatnonzero(low.ravel())
        shown = ", ".join(str(int(i)) for i in idx[:10])
        more = f" and {idx.size - 10} more" if idx.size > 10 else ""
        warnings.warn(
            f"{idx.size} maximum-membership grade(s) have validity below {threshold} "
            f"(rows {shown}{more}); prefer the weighted grade score for them",
            ValidityWarning,
            stacklevel=stacklevel,
        )
    return low


def weighted_grade_score(B: ArrayLike, grade_scores: ArrayLike, k: float = 1) -> FloatArray:
    r"""Weighted-average principle (加权平均原则): a scalar score per evaluation vector.

    Parameters
    ----------
    B : array_like, shape (G,) or (E, G)
        Evaluation vectors, finite and non-negative.
    grade_scores : array_like, shape (G,)
        Score of each grade, best first (e.g. 95, 85, 75, 65, 55).
    k : float
        Exponent on the memberships (usually 1 or 2; larger k leans towards the dominant
        grade).

    Returns
    -------
    ndarray, shape (E,) or 0-d
        :math:`s = \sum_j b_j^k s_j / \sum_j b_j^k`; NaN for an all-zero B.

    Raises
    ------
    ShapeError
        ``grade_scores`` does not have one entry per grade.
    DataError
        Invalid B, non-finite grade scores or ``k <= 0``.

    References
    ----------
    .. [1] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社, 第4章.

    Examples
    --------
    >>> float(weighted_grade_score([0.2, 0.3, 0.4, 0.1], [4, 3, 2, 1]))
    2.6
    """
    b, single = _as_B(B)
    s = np.asarray(grade_scores, dtype=np.float64)
    if s.shape != (b.shape[1],):
        raise ShapeError(
            f"grade_scores must have shape ({b.shape[1]},) to match B of shape {b.shape}, "
            f"got {s.shape}"
        )
    if not np.isfinite(s).all():
        raise DataError("grade_scores must be finite")
    if not (np.isfinite(k) and k > 0):
        raise DataError(f"k must be positive and finite, got {k}")
    bk = b if k == 1 else b**k
    num = bk @ s
    den = bk.sum(axis=1)
    score: FloatArray = np.divide(num, den, out=np.full_like(num, np.nan), where=den > 0)
    return score.reshape(()) if single else score


def _as_scores(scores: ArrayLike) -> FloatArray:
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim != 1:
        raise ShapeError(f"scores must be 1-D (E,), got shape {x.shape}")
    return x


def ranks(
    scores: ArrayLike,
    descending: bool = True,
    method: Literal["min", "dense", "ordinal"] = "min",
) -> IntArray:
    """1-based ranks of scores (rank 1 = best).

    Parameters
    ----------
    scores : array_like, shape (E,)
    descending : bool
        ``True``: the largest score gets rank 1.
    method : {"min", "dense", "ordinal"}
        Ties: ``"min"`` gives tied scores the smallest rank of their group (competition
        ranking 1, 2, 2, 4); ``"dense"`` does too but without gaps (1, 2, 2, 3);
        ``"ordinal"`` breaks ties by position — the earlier entity gets the better rank —
        so ranks are a permutation.

    Returns
    -------
    ndarray of int64, shape (E,)

    Notes
    -----
    One ``argsort`` (stable for ``"ordinal"``); deterministic.  NaN scores rank after every
    number, in either direction, and tie with each other.  ``-0.0`` ties with ``0.0``.

    Raises
    ------
    ShapeError
        ``scores`` not 1-D.
    DataError
        Unknown ``method``.

    Examples
    --------
    >>> ranks([0.3, 0.9, 0.3, 0.1]).tolist()
    [2, 1, 2, 4]
    >>> ranks([0.3, 0.9, 0.3, 0.1], method="dense").tolist()
    [2, 1, 2, 3]
    >>> ranks([0.3, 0.9, 0.3, 0.1], method="ordinal").tolist()
    [2, 1, 3, 4]
    """
    if method not in ("min", "dense", "ordinal"):
        raise DataError(f"unknown rank method '{method}'; valid: min, dense, ordinal")
    x = _as_scores(scores)
    n = x.size
    key = -x if descending else x
    # NaN sorts last.  Tied scores get the same "min"/"dense" rank whatever their order, so
    # those need no stable sort (numpy's default sort is twice as fast and deterministic)
    order = np.argsort(key, kind="stable" if method == "ordinal" else None)
    out = np.empty(n, dtype=np.int64)
    if n == 0:
        return out
    if method == "ordinal":
        out[order] = np.arange(1, n + 1)
        return out
    sk = key[order]
    if method == "dense":
        out[order] = np.cumsum(tie_group_starts(sk))
    else:
        out[order] = sorted_min_ranks(sk)
    return out


def tie_group_starts(sorted_keys: FloatArray) -> NDArray[np.bool_]:
    """(n,) True where a sorted key starts a group of equal keys (NaNs tie with each
    other, ``-0.0`` with ``0.0``)."""
    sk = sorted_keys
    new_group = np.empty(sk.size, dtype=bool)
    if sk.size:
        nan = np.isnan(sk)
        new_group[0] = True
        np.not_equal(sk[1:], sk[:-1], out=new_group[1:])
        new_group[1:] &= ~(nan[1:] & nan[:-1])
    return new_group


def sorted_min_ranks(sorted_keys: FloatArray) -> IntArray:
    """1-based ``"min"`` ranks of sorted keys, in their sorted order: each key's rank is
    one more than the position of the first key of its tie group."""
    first = np.where(tie_group_starts(sorted_keys), np.arange(sorted_keys.size, dtype=np.int64), 0)
    np.maximum.accumulate(first, out=first)
    first += 1
    return first


def percentiles(scores: ArrayLike) -> FloatArray:
    """Percentile rank of each score: share of entities whose score is ≤ its own, in %.

    Parameters
    ----------
    scores : array_like, shape (E,)

    Returns
    -------
    ndarray, shape (E,)
        Values in (0, 100]; the best entity gets 100.  Tied scores share the same (highest)
        percentile — the "weak" definition of :func:`scipy.stats.percentileofscore`.  NaN
        scores get NaN and are left out of the count.

    Examples
    --------
    >>> percentiles([10.0, 20.0, 20.0, 40.0]).tolist()
    [25.0, 75.0, 75.0, 100.0]
    """
    x = _as_scores(scores)
    finite = ~np.isnan(x)
    valid = np.sort(x[finite])
    n = valid.size
    out = np.full(x.shape, np.nan)
    if n:
        out[finite] = 100.0 * np.searchsorted(valid, x[finite], side="right") / n
    return out
