"""Freed memory handed back to the operating system between the stream engine's phases.

It owns :func:`release_free_heap`.  Pass 1 of the stream engine allocates and frees
hundreds of chunk-sized buffers (numpy arrays through the C library's ``malloc``, Arrow
buffers through Arrow's memory pool).  Both allocators keep freed memory for reuse, so
after the last chunk the process still holds a few hundred megabytes it no longer uses —
right before the ranking phase needs its own (E,)-sized arrays, which is when the peak
resident size is reached.  Giving that memory back first lowers the peak by about as much
(≈ 160 MB at 10 million entities, measured with ``benchmarks/bench_score.py``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

__all__ = ["release_free_heap"]


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or ``None`` on a C library without it (musl, macOS)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_heap() -> None:
    """Return the free memory of the C heap (``malloc_trim(0)``, glibc only) and of
    Arrow's default memory pool (``MemoryPool.release_unused``) to the operating system.

    Nothing in use is touched; where neither is available this does nothing.
    """
    import pyarrow as pa

    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    pa.default_memory_pool().release_unused()
