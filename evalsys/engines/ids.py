"""Entity ids in the out-of-core engines: spelled once, hashed, checked for duplicates.

It owns :func:`id_strings` (the id column as strings, nulls spelled as the in-memory
engine spells them), :func:`hash_strings` (a vectorised 64-bit hash of every id, 8 bytes
per entity kept for the whole table) and :func:`check_unique_ids` (duplicates found on
the sorted hashes, confirmed on the strings), shared by :mod:`evalsys.engines.stream` and
:mod:`evalsys.engines.dask`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.model.data import check_unique

__all__ = ["check_unique_ids", "hash_strings", "id_strings"]

_HASH_P = 0x9E3779B97F4A7C15  # odd 64-bit constant (golden ratio)
_HASH_PINV = pow(_HASH_P, -1, 1 << 64)
_HASH_LEN = 0xC2B2AE3D27D4EB4F


def id_strings(col: Any) -> Any:
    """The id column as a pyarrow string array, nulls spelled as the in-memory path does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    if arr.null_count:
        arr = pc.fill_null(arr, "None")
    return arr


def hash_strings(arr: Any, *, compiled: bool = False) -> npt.NDArray[np.uint64]:
    """64-bit polynomial hash of every string of a pyarrow string array (vectorised).

    ``h = Σ_j b_j P^(n−1−j) (mod 2⁶⁴)`` mixed with the length: equal strings hash equal;
    distinct strings collide with probability about 2⁻⁶⁴ per pair (duplicates are then
    confirmed on the strings themselves).  ``compiled``: one pass of the numba kernel
    (:func:`evalsys.scoring.kernels.hash_strings`, the same hashes) when numba is available.
    """
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    raw = (
        np.frombuffer(bufs[2], dtype=np.uint8)[lo:hi]
        if bufs[2] is not None
        else np.zeros(0, dtype=np.uint8)
    )
    from evalsys.scoring import kernels

    if compiled and kernels.available():  # one compiled pass over the bytes, same hashes
        return kernels.hash_strings(offsets, raw, _HASH_P, _HASH_LEN)
    data = raw.astype(np.uint64)
    total = hi - lo
    with np.errstate(over="ignore"):
        pinv = np.full(total, _HASH_PINV, dtype=np.uint64)
        if total:
            pinv[0] = 1
        inv_pow = np.cumprod(pinv, dtype=np.uint64)  # P^-q
        pw = np.full(total + 1, _HASH_P, dtype=np.uint64)
        pw[0] = 1
        pos_pow = np.cumprod(pw, dtype=np.uint64)  # P^q
        prefix = np.zeros(total + 1, dtype=np.uint64)
        np.cumsum(data * inv_pow, dtype=np.uint64, out=prefix[1:])
        start = (offsets[:-1] - lo).astype(np.intp)
        end = (offsets[1:] - lo).astype(np.intp)
        length = (end - start).astype(np.uint64)
        h = (prefix[end] - prefix[start]) * pos_pow[np.maximum(end - 1, 0)]
        h ^= length * np.uint64(_HASH_LEN)
    out: npt.NDArray[np.uint64] = h
    return out


def check_unique_ids(
    hashes: list[npt.NDArray[np.uint64]],
    read_ids: Callable[[], npt.NDArray[np.str_]],
    id_column: str,
    *,
    threads: int = 2,
) -> None:
    """Raise the in-memory engine's error (:func:`evalsys.model.data.check_unique`) if an
    entity id occurs twice.

    ``hashes`` are the id hashes of every chunk in row order; only when two are equal is
    the id column read again (``read_ids``: every id, in row order) to confirm it.  The
    list is emptied as its arrays are joined, so about one copy of the hashes (8 bytes per
    entity) is alive at a time.  Equal hashes share their top bits, so the hashes are
    split by them into ``threads`` buckets sorted in parallel (numpy's sort releases the
    GIL), from :data:`PARALLEL_MIN` hashes on.
    """
    if not hashes:
        return
    h = np.concatenate(hashes)
    hashes.clear()
    if threads > 1 and h.size >= PARALLEL_MIN:
        bits = max(1, int(threads - 1).bit_length())
        bucket = (h >> np.uint64(64 - bits)).astype(np.uint8)
        parts = [h[bucket == b] for b in range(1 << bits)]
        del h, bucket
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads) as pool:
            found = any(pool.map(_has_equal_neighbours, parts))
    else:
        found = _has_equal_neighbours(h)
    if found:
        check_unique(read_ids(), id_column)


#: Hashes from which :func:`check_unique_ids` sorts in parallel.
PARALLEL_MIN = 1 << 20


def _has_equal_neighbours(h: npt.NDArray[np.uint64]) -> bool:
    """Sort ``h`` in place; whether two of its values are equal."""
    h.sort()
    return bool((h[1:] == h[:-1]).any())
