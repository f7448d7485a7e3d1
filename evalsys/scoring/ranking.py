r"""Exact ranks, percentiles and the median of millions of scores, sorted in parallel.

The streaming and Dask engines rank every entity of a table at the end (ranks compare
entities, so they need every score).  :func:`rank_and_percentile` gives exactly the
values of :func:`evalsys.scoring.grading.ranks` (``method="min"``: 1 = best, ties share the
smallest rank, NaN after every number) and :func:`evalsys.scoring.grading.percentiles`, but
sorts ``parts`` slices of the scores in parallel threads (numpy's sort releases the GIL)
and counts across slices with binary searches of the sorted slices:

.. math::

    r_i = 1 + \#\{j : s_j > s_i\} = 1 + \sum_{p} \#\{j \in P_p : s_j > s_i\},

where each count is a ``searchsorted`` of entity *i*'s key in slice *p*'s sorted keys
(the queries arrive sorted, so each search starts where the previous one ended).  NaN
keys sort after every number in numpy's order, so a NaN score's count is the number of
finite scores — the "NaN ranks last, NaNs tie" rule.  ``-0.0`` ties with ``0.0``.

When the range ``[lo, hi]`` the scores mostly lie in is known (the grade scores), the
scores are instead split into :data:`VALUE_BUCKETS` buckets by :func:`value_buckets`, a
non-decreasing map of the value, so that

.. math::

    r_i = 1 + \sum_{c > b_i} n_c + \#\{j \in b_i : s_j > s_i\}

needs one small sort per bucket (cache-resident, two threads over the buckets) instead
of sorts of the whole table: about a third less time at 10 million scores.  Same ranks.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from evalsys.errors import ShapeError
from evalsys.scoring.grading import sorted_min_ranks

__all__ = [
    "VALUE_BUCKETS",
    "median_from_ranks",
    "rank_and_percentile",
    "sorted_slice",
    "value_buckets",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_NO_ORDER: npt.NDArray[np.intp] = np.empty(0, dtype=np.intp)
_NO_RANKS: IntArray = np.empty(0, dtype=np.int64)

#: Scores per slice below which one sort in the calling thread is used.
PARALLEL_MIN = 1 << 20


def sorted_slice(score: FloatArray) -> tuple[npt.NDArray[np.intp], FloatArray, IntArray]:
    """Order, sorted keys (``−score``) and within-slice min-ranks (in sorted order) of one
    slice of the scores."""
    key = np.negative(score)
    order = np.argsort(key)  # ties in any order: min-ranks do not depend on it
    sk = key[order]
    del key
    return order, sk, sorted_min_ranks(sk)


#: Buckets of :func:`value_buckets` for in-memory ranking.
VALUE_BUCKETS = 1024


def value_buckets(score: FloatArray, lo: float, hi: float, buckets: int) -> npt.NDArray[np.float64]:
    r"""Bucket :math:`\lfloor (s - lo) \cdot B / (hi - lo) \rfloor`, clipped to ``0 … B−1``,
    of every score (as floats; NaN scores get NaN).

    Non-decreasing in *s*: subtraction and multiplication by a positive constant round
    monotonically, and ``inf · 0`` / ``0 · inf`` (a degenerate range) go to bucket 0, at
    or below every other.  So every score of a higher bucket is at least every score of
    a lower one, whatever ``lo`` and ``hi`` are: they only decide how even the buckets are.
    """
    scale = buckets / (hi - lo) if hi > lo else 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        b = np.floor((score - lo) * scale)
    b[np.isnan(b)] = 0
    np.clip(b, 0, buckets - 1, out=b)
    b[np.isnan(score)] = np.nan
    return b


def rank_and_percentile(
    score: npt.ArrayLike,
    *,
    threads: int = 2,
    bounds: tuple[float, float] | None = None,
) -> tuple[IntArray, FloatArray]:
    """Ranks (1 = best, ties share the smallest) and percentiles of ``score``.

    The values of :func:`evalsys.scoring.grading.ranks` (``method="min"``) and
    :func:`evalsys.scoring.grading.percentiles`: a finite score with rank r among n finite scores
    has ``n − r + 1`` scores ≤ it and percentile ``100 · (n − r + 1) / n``; NaN scores
    rank after every number and get a NaN percentile.  ``threads`` slices are sorted in
    parallel (module docstring); with ``bounds`` (the range most scores lie in), one
    small sort per value bucket instead.  The result depends on neither.

    Raises
    ------
    ShapeError
        ``score`` not 1-D.

    Examples
    --------
    >>> r, p = rank_and_percentile([0.3, 0.9, 0.3, float("nan")])
    >>> r.tolist(), p.tolist()
    ([2, 1, 2, 4], [66.66666666666667, 100.0, 66.66666666666667, nan])
    """
    s = np.asarray(score, dtype=np.float64)
    if s.ndim != 1:
        raise ShapeError(f"scores must be 1-D (E,), got shape {s.shape}")
    e = s.size
    if bounds is not None and e >= PARALLEL_MIN:
        rank = _bucketed_ranks(s, float(bounds[0]), float(bounds[1]), max(1, int(threads)))
        return rank, _percentiles(s, rank)
    parts = max(1, min(int(threads), e // PARALLEL_MIN))
    cuts = np.linspace(0, e, parts + 1).astype(np.int64).tolist()
    spans = list(itertools.pairwise(cuts))
    if parts == 1:
        sliced = [sorted_slice(s)]
    else:
        with ThreadPoolExecutor(parts) as pool:
            sliced = list(pool.map(lambda ab: sorted_slice(s[ab[0] : ab[1]]), spans))
    rank = np.empty(e, dtype=np.int64)

    def place(p: int) -> None:
        order, sk, r = sliced[p]
        for q, (_, sk_q, _) in enumerate(sliced):
            if q != p:
                r += np.searchsorted(sk_q, sk, side="left")
        a, b = spans[p]
        rank[a:b][order] = r  # a view: no (E,) temporary for order + a
        sliced[p] = (_NO_ORDER, sk, _NO_RANKS)  # order and r are no longer needed

    if parts == 1:
        place(0)
    else:
        with ThreadPoolExecutor(parts) as pool:
            list(pool.map(place, range(parts)))
    sliced.clear()  # the sorted keys, freed before the percentiles are built
    return rank, _percentiles(s, rank)


def _percentiles(s: FloatArray, rank: IntArray) -> FloatArray:
    """``100 · (n − r + 1) / n`` for the n finite scores, NaN for NaN scores."""
    e = s.size
    finite = ~np.isnan(s)
    n = int(np.count_nonzero(finite))
    if n == e:
        # 100 · (n − r + 1) / n in place, in that order of operations (the same bits)
        pct = np.subtract(n + 1, rank, dtype=np.float64)  # exact: integers below 2**53
        pct *= 100.0
        pct /= n
    else:
        pct = np.full(e, np.nan)
        if n:
            pct[finite] = 100.0 * (n - rank[finite] + 1) / n
    return pct


def _bucketed_ranks(s: FloatArray, lo: float, hi: float, threads: int) -> IntArray:
    """Min-ranks by value buckets (module docstring): bucket 0 holds the highest scores."""
    B = VALUE_BUCKETS
    b = value_buckets(s, lo, hi, B)
    desc = np.full(s.size, B, dtype=np.uint16)  # NaN scores: after every bucket
    ok = ~np.isnan(b)
    desc[ok] = (B - 1 - b[ok]).astype(np.uint16)
    del b, ok
    counts = np.bincount(desc, minlength=B + 1)
    order = np.argsort(desc, kind="stable")  # 16-bit keys: numpy's radix sort
    del desc
    starts = np.concatenate([[0], np.cumsum(counts)]).tolist()
    values = s[order]
    rank = np.empty(s.size, dtype=np.int64)

    def work(buckets: range) -> None:
        for k in buckets:
            a, z = starts[k], starts[k + 1]
            if z > a:
                o, _, r = sorted_slice(values[a:z])
                r += a  # entities in higher buckets
                rank[order[a:z][o]] = r

    finite = starts[B]
    half = int(np.searchsorted(starts[1 : B + 1], finite // 2))
    groups = [range(0, half), range(half, B)] if threads > 1 else [range(B)]
    with ThreadPoolExecutor(len(groups)) as pool:
        list(pool.map(work, groups))
    rank[order[finite:]] = finite + 1  # NaN: after every number, tied
    return rank


def median_from_ranks(score: npt.ArrayLike, rank: npt.ArrayLike) -> float:
    """``np.median(score)`` from the min-ranks of :func:`rank_and_percentile`, in O(E).

    With n finite scores, the value at descending position d (0-based) is the smallest
    score among the entities ranked ≤ d + 1; the median is the mean of the values at
    ascending positions ⌊(n − 1)/2⌋ and ⌊n/2⌋ (NaN when any score is NaN or there is
    none, as numpy's).

    Examples
    --------
    >>> s = [3.0, 1.0, 2.0, 2.0]
    >>> median_from_ranks(s, rank_and_percentile(s)[0])
    2.0
    """
    s = np.asarray(score, dtype=np.float64)
    r = np.asarray(rank)
    n = s.size
    if n == 0 or np.isnan(s).any():
        return float("nan")

    def at_ascending(a: int) -> float:
        return float(s[r <= n - a].min())

    lo = at_ascending((n - 1) // 2)
    if n % 2:
        return lo  # numpy's mean of one value: the value itself (no overflow)
    return float(np.mean(np.array([lo, at_ascending(n // 2)])))
