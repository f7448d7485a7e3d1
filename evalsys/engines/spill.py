r"""Exact ranks, percentiles, median and duplicate ids of very long tables, out of core.

It owns :class:`SpilledScores`, the stream engine's per-entity state from
:data:`SPILL_MIN_ROWS` rows on.  Below that the engine keeps every score and id hash in
memory (16 bytes per entity) and ranks them with two parallel sorts (about 40 bytes per
entity at the peak); at 100 million rows that is 5–6 GB.  Here the same values go to
bucket files in a temporary folder beside the output, and are read back one bucket at a
time, so memory is bounded by the largest bucket instead of the table:

* **scores** are bucketed by value: bucket :math:`b = \lfloor (s - lo) \cdot B / (hi - lo)
  \rfloor` (clipped to ``0 … B−1``; :math:`[lo, hi]` the range of the grade scores, NaN
  in a bucket of its own).  The map is non-decreasing in *s* (subtraction and
  multiplication by a positive constant round monotonically), so every score of a higher
  bucket is at least as high as every score of a lower one, and

  .. math::  r_i = 1 + \#\{j : s_j > s_i\}
             = 1 + \sum_{c > b_i} n_c + \#\{j \in b_i : s_j > s_i\},

  the last term from one sort of bucket :math:`b_i` (:func:`evalsys.scoring.ranking`'s
  slice sort, so ties, ``-0.0`` and NaN behave exactly as in memory); NaN scores rank
  :math:`n_{finite} + 1`;
* the ranks are written, with their output positions, to files by block of row groups
  and read back block by block to be patched into the output
  (:func:`evalsys.engines.late_columns.patch_late_values`);
* **id hashes** are bucketed by their top 8 bits (equal hashes share them) and each
  bucket is sorted on its own.

The results are the in-memory engine's, bit for bit (``tests/test_spill.py`` compares
them).  Scores concentrated in one 1/256 of the grade-score range would make one bucket
hold most entities (memory then grows again with that bucket).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["BUCKETS", "SPILL_MIN_ROWS", "SpilledScores", "score_moments", "spill_min_rows"]

#: Rows from which the stream engine spills scores and id hashes to disk (the
#: environment variable ``EVALSYS_SPILL_ROWS`` overrides it).  In memory the run peaks
#: at ≈ 850 MiB for 10M rows plus ≈ 45–56 bytes per further entity; spilled it stays at
#: ≈ 800–900 MiB whatever the length and takes ≈ 5–10 % longer
#: (``benchmarks/bench_score.py``), so the switch sits where memory would pass 1 GB.
SPILL_MIN_ROWS = 11_000_000


def spill_min_rows() -> int:
    """:data:`SPILL_MIN_ROWS`, or ``EVALSYS_SPILL_ROWS`` when set.

    Raises
    ------
    ParameterError
        ``EVALSYS_SPILL_ROWS`` is set but not a positive whole number of rows.
    """
    env = os.environ.get("EVALSYS_SPILL_ROWS", "").strip()
    if not env:
        return SPILL_MIN_ROWS
    if env.isdigit() and int(env) > 0:
        return int(env)
    from evalsys.errors import ParameterError

    raise ParameterError(
        f"EVALSYS_SPILL_ROWS is '{env}'; give a positive whole number of rows (or unset it)"
    )


#: Buckets of scores and of id hashes.
BUCKETS = 256

#: Output positions per block of rank files (whole row groups).
BLOCK_ROWS = 4_000_000

#: Bytes held per bucket kind before the buckets are appended to their files.
_FLUSH_BYTES = 32 << 20

_RECORD = np.dtype([("score", "<f8"), ("pos", "<i8")])
_RANKED = np.dtype([("pos", "<i8"), ("rank", "<i8")])

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class _Buckets:
    """Arrays appended to ``n`` bucket files under ``folder``, buffered in memory and
    written by a background thread (at most two buffers in flight, in order)."""

    def __init__(self, folder: Path, prefix: str, n: int, dtype: Any) -> None:
        self.paths = [folder / f"{prefix}{i:04d}.bin" for i in range(n)]
        self.dtype = np.dtype(dtype)
        self.counts = np.zeros(n, dtype=np.int64)
        self._pending: list[list[Any]] = [[] for _ in range(n)]
        self._bytes = 0
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="evalsys-spill")
        self._jobs: list[Future[None]] = []

    def add(self, bucket: npt.NDArray[np.intp], values: Any) -> None:
        """Append ``values[i]`` to bucket ``bucket[i]`` (in the order given)."""
        n = len(self.paths)
        counts = np.bincount(bucket, minlength=n)
        # a stable sort of 16-bit keys is numpy's radix sort (5x an int64 sort here)
        key = bucket.astype(np.uint16) if n <= 1 << 16 else bucket
        order = np.argsort(key, kind="stable")
        parts = np.split(values[order], np.cumsum(counts)[:-1])
        for b in np.flatnonzero(counts):
            self._pending[b].append(parts[b])
        self.counts += counts
        self._bytes += values.nbytes
        if self._bytes >= _FLUSH_BYTES:
            self._hand_over()

    def _hand_over(self) -> None:
        """Give what is buffered to the writer thread (one thread: appends stay in order)."""
        pending, self._pending = self._pending, [[] for _ in self.paths]
        self._bytes = 0
        self._jobs.append(self._writer.submit(self._write, pending))
        while len(self._jobs) > 2:  # bounded memory: wait for the oldest
            self._jobs.pop(0).result()

    def _write(self, pending: list[list[Any]]) -> None:
        for b, parts in enumerate(pending):
            if parts:
                with open(self.paths[b], "ab") as fh:
                    fh.write(np.concatenate(parts).data)  # one write per bucket and flush

    def flush(self) -> None:
        """Append everything buffered to the files and wait until it is written (an
        error of the writer thread is raised here)."""
        self._hand_over()
        for job in self._jobs:
            job.result()
        self._jobs.clear()

    def close(self) -> None:
        """Stop the writer thread (after what it is writing)."""
        self._writer.shutdown(wait=True, cancel_futures=True)

    def load(self, b: int) -> Any:
        """Everything appended to bucket ``b``, in the order appended (after :meth:`flush`)."""
        if not self.counts[b]:
            return np.zeros(0, dtype=self.dtype)
        return np.fromfile(self.paths[b], dtype=self.dtype)


class SpilledScores:
    """The scores and id hashes of a streamed table, kept in bucket files.

    Parameters
    ----------
    folder
        Where to create the temporary folder (the output's folder: same disk).
    lo, hi
        The range of the scores (the lowest and highest grade score); scores outside it
        go to the end buckets, which is still exact.
    """

    def __init__(self, folder: str | os.PathLike[str], lo: float, hi: float) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=".evalsys-spill.", dir=folder))
        self.lo, self.hi = float(lo), float(hi)
        self.scores = _Buckets(self.folder, "s", BUCKETS + 1, _RECORD)  # last: NaN
        self.hashes = _Buckets(self.folder, "h", BUCKETS, np.uint64)
        self._buckets = [self.scores, self.hashes]
        self.rows = 0

    # -- pass 1 ---------------------------------------------------------------------

    def add_scores(self, score: FloatArray) -> None:
        """The scores of the next output rows (in output order)."""
        m = score.size
        rec = np.empty(m, dtype=_RECORD)
        rec["score"] = score
        rec["pos"] = np.arange(self.rows, self.rows + m, dtype=np.int64)
        self.scores.add(self._bucket(score), rec)
        self.rows += m

    def add_hashes(self, hashes: npt.NDArray[np.uint64]) -> None:
        """Id hashes of the next input rows."""
        if hashes.size:
            self.hashes.add((hashes >> np.uint64(56)).astype(np.intp), hashes)

    def _bucket(self, score: FloatArray) -> npt.NDArray[np.intp]:
        from evalsys.scoring.ranking import value_buckets

        b = value_buckets(score, self.lo, self.hi, BUCKETS)
        b[np.isnan(b)] = BUCKETS  # NaN scores: a bucket of their own
        return b.astype(np.intp)

    def finish(self) -> None:
        """After the last chunk: write what is still buffered."""
        self.scores.flush()
        self.hashes.flush()

    # -- after the last chunk ---------------------------------------------------------

    def has_duplicate_hash(self) -> bool:
        """Whether two id hashes are equal (one bucket in memory at a time)."""
        for b in range(BUCKETS):
            h = self.hashes.load(b)
            h.sort()
            if (h[1:] == h[:-1]).any():
                return True
        return False

    @property
    def finite(self) -> int:
        """Number of finite (ranked) scores."""
        return int(self.scores.counts[:BUCKETS].sum())

    def rank(self, row_groups: list[int]) -> tuple[Callable[[int, int], Any], float]:
        """Rank every entity; return the late values (``values(row0, n)`` → rank and
        percentile of output rows ``row0 : row0 + n``, for
        :func:`~evalsys.engines.late_columns.patch_late_values`) and the median score.

        ``row_groups`` are the output's row-group lengths, in order.
        """
        from evalsys.scoring.ranking import sorted_slice

        n = self.finite
        nan_count = int(self.scores.counts[BUCKETS])
        starts = _block_starts(row_groups)
        ranked = _Buckets(self.folder, "r", len(starts), _RANKED)
        self._buckets.append(ranked)
        # descending positions of the median's two values (numpy's median: NaN if any NaN)
        want = {n - 1 - (n - 1) // 2, n - 1 - n // 2} if n and not nan_count else set()
        found: dict[int, float] = {}
        above = 0  # finite scores in higher buckets
        for b in range(BUCKETS - 1, -1, -1):
            rec = self.scores.load(b)
            if not rec.size:
                continue
            order, sk, r = sorted_slice(rec["score"])
            r += above
            out = np.empty(rec.size, dtype=_RANKED)
            out["pos"] = rec["pos"][order]
            out["rank"] = r
            ranked.add(np.searchsorted(starts, out["pos"], side="right") - 1, out)
            for d in [d for d in want if above <= d < above + rec.size]:
                found[d] = -float(sk[d - above])
            above += rec.size
        nan_rec = self.scores.load(BUCKETS)
        if nan_rec.size:
            out = np.empty(nan_rec.size, dtype=_RANKED)
            out["pos"] = nan_rec["pos"]
            out["rank"] = n + 1
            ranked.add(np.searchsorted(starts, out["pos"], side="right") - 1, out)
        ranked.flush()
        median = _median(found, want, n, nan_count)
        return _BlockValues(ranked, starts, self.rows, n), median

    def close(self) -> None:
        """Stop the writer threads and remove the bucket files."""
        for b in self._buckets:
            b.close()
        shutil.rmtree(self.folder, ignore_errors=True)


#: Values per segment of :func:`score_moments` (read from the output at a time).
SEGMENT = 1 << 22


def score_moments(path: str | os.PathLike[str], n: int) -> tuple[float, float, float]:
    """``np.mean``, ``np.min`` and ``np.max`` of the ``score`` column of the Parquet file
    ``path`` (``n`` rows), bit for bit, reading at most :data:`SEGMENT` values at a time.

    numpy sums a contiguous float64 array pairwise: the sum of n > 128 values is the sum
    of the first :math:`n_2 = \\lfloor n/2 \rfloor - (\\lfloor n/2 \rfloor \bmod 8)` plus the
    sum of the rest, recursively, and ``np.add.reduce`` of any segment of that recursion
    is that segment's term.  So the recursion is followed down to segments of at most
    :data:`SEGMENT` values (at least 128, below which numpy does not split), read in
    order, and summed by numpy itself; the mean is the sum divided by n, as ``np.mean``
    divides.
    """
    import pyarrow.parquet as pq

    from evalsys.model.tables import numpy_values

    batches = pq.ParquetFile(str(path), pre_buffer=False).iter_batches(
        batch_size=1 << 20, columns=["score"]
    )
    pending: list[FloatArray] = []
    have = 0
    lo = hi = np.float64(np.nan)
    first = True

    def take(k: int) -> FloatArray:
        nonlocal have
        while have < k:
            col = next(batches).column(0)
            if col.null_count:
                raise ValueError("the score column has nulls")
            a = numpy_values(col, np.float64)
            pending.append(a)
            have += a.size
        joined = np.concatenate(pending) if len(pending) > 1 else pending[0]
        out, rest = joined[:k], joined[k:]
        pending[:] = [rest] if rest.size else []
        have = rest.size
        return out

    def total(k: int) -> np.float64:
        nonlocal lo, hi, first
        if k <= max(SEGMENT, 128):  # numpy splits only sums of more than 128 values
            seg = take(k)
            if first:
                lo, hi, first = seg.min(), seg.max(), False
            else:
                lo, hi = np.minimum(lo, seg.min()), np.maximum(hi, seg.max())
            return np.float64(np.add.reduce(seg))
        k2 = k // 2
        k2 -= k2 % 8
        return total(k2) + total(k - k2)

    s = total(n)
    return float(s / n), float(lo), float(hi)


def _block_starts(row_groups: list[int]) -> IntArray:
    """First output position of each block of whole row groups of ≈ :data:`BLOCK_ROWS`."""
    starts = [0]
    pos = size = 0
    for g in row_groups:
        if size >= BLOCK_ROWS:
            starts.append(pos)
            size = 0
        pos += g
        size += g
    return np.array(starts, dtype=np.int64)


def _median(found: dict[int, float], want: set[int], n: int, nan_count: int) -> float:
    """``np.median`` of the scores from the values at its descending positions."""
    if n == 0 or nan_count:
        return float("nan")
    lo = found[n - 1 - (n - 1) // 2]
    if n % 2:
        return lo
    return float(np.mean(np.array([lo, found[n - 1 - n // 2]])))


class _BlockValues:
    """The late values of output rows, read one block of rank files at a time."""

    def __init__(self, ranked: _Buckets, starts: IntArray, rows: int, finite: int) -> None:
        self.ranked = ranked
        self.bounds = [*starts.tolist(), rows]
        self.finite = finite
        self._block = -1
        self._rank: IntArray = np.zeros(0, dtype=np.int64)
        self._pct: FloatArray = np.zeros(0)

    def __call__(self, row0: int, n: int) -> tuple[IntArray, FloatArray]:
        k = int(np.searchsorted(self.bounds, row0, side="right")) - 1
        if k != self._block:
            self._load(k)
        a = row0 - self.bounds[k]
        return self._rank[a : a + n], self._pct[a : a + n]

    def _load(self, k: int) -> None:
        lo, hi = self.bounds[k], self.bounds[k + 1]
        rec = self.ranked.load(k)
        if rec.size != hi - lo:
            raise RuntimeError(f"rank block {k}: {rec.size} ranks for {hi - lo} rows")
        rank = np.empty(hi - lo, dtype=np.int64)
        rank[rec["pos"] - lo] = rec["rank"]
        n = self.finite
        finite = rank <= n
        if finite.all():
            pct = np.subtract(n + 1, rank, dtype=np.float64)  # as rank_and_percentile
            pct *= 100.0
            pct /= n
        else:
            pct = np.full(rank.size, np.nan)
            pct[finite] = 100.0 * (n - rank[finite] + 1) / n
        self._block, self._rank, self._pct = k, rank, pct
