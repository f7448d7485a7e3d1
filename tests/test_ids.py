"""Duplicate entity ids over millions of hashes (evalsys.engines.ids.check_unique_ids)."""

from __future__ import annotations

import numpy as np
import pytest

from evalsys.engines.ids import PARALLEL_MIN, check_unique_ids
from evalsys.errors import DataError

N = PARALLEL_MIN + 12_345  # the parallel, bucketed sort runs


def chunks(h: np.ndarray) -> list[np.ndarray]:
    return list(np.array_split(h, 9))


@pytest.fixture(scope="module")
def unique() -> np.ndarray:
    rng = np.random.default_rng(3)
    h = np.unique(rng.integers(0, 2**63, N + 1000, dtype=np.int64).view(np.uint64))[:N]
    h[::2] |= np.uint64(1 << 63)  # both halves of the top bit are populated
    return rng.permutation(h)


def test_unique_hashes_never_read_the_ids(unique: np.ndarray) -> None:
    def never() -> np.ndarray:
        raise AssertionError("ids read although no two hashes are equal")

    for threads in (1, 2, 4):
        parts = chunks(unique.copy())
        check_unique_ids(parts, never, "entity_id", threads=threads)
        assert parts == []  # consumed


@pytest.mark.parametrize("top", [0, 1])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_a_repeated_hash_in_any_bucket_is_confirmed_on_the_ids(
    unique: np.ndarray, top: int, threads: int
) -> None:
    h = unique.copy()
    i = int(np.flatnonzero((h >> np.uint64(63)) == top)[10])
    h[N - 1] = h[i]  # rows far apart, in different chunks
    ids = np.array([f"m{k}" for k in range(N)])
    ids[N - 1] = ids[i]
    with pytest.raises(DataError, match=f"entity id 'm{i}' appears 2 times"):
        check_unique_ids(chunks(h), lambda: ids, "entity_id", threads=threads)
