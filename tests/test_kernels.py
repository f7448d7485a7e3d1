"""Compiled (numba) kernels give the bits of the numpy kernels; kernel choice; ranking."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalsys.engines.ids import hash_strings
from evalsys.engines.stream import score_file
from evalsys.errors import ParameterError, ShapeError
from evalsys.model.compiled import compile_tree
from evalsys.model.data import indicator_values
from evalsys.model.io import load_tree
from evalsys.model.sample import generate_sample
from evalsys.model.tables import read_table, table_from_columns, write_table
from evalsys.scoring import kernels, ranking
from evalsys.scoring.grading import percentiles, ranks
from evalsys.scoring.scorer import BlockScores, make_scorer

pytestmark = pytest.mark.filterwarnings("ignore::evalsys.errors.ValidityWarning")

needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba not importable")

FIELDS = [f.name for f in dataclasses.fields(BlockScores)]


def checked(tree: str, n: int, seed: int, gaps: bool = False) -> tuple[Any, Any]:
    spec = load_tree(tree)
    compiled = compile_tree(spec)
    cols = generate_sample(spec, n, seed=seed)
    if gaps:  # missing values: those rows take the general path
        leaf = spec.leaves()[3].data_column
        cols[leaf] = cols[leaf].astype(float)
        cols[leaf][[0, 7, n - 1]] = np.nan
    cv = indicator_values(
        compiled,
        table_from_columns(cols),
        missing="renormalize" if gaps else "reject",
    )
    return compiled, cv


def same_bits(a: BlockScores, b: BlockScores) -> None:
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype, name
            assert np.array_equal(x, y, equal_nan=True), name
            if x.dtype == np.float64:  # the very bits: a 0.0 is not a -0.0
                bits = [np.ascontiguousarray(v).view(np.uint64) for v in (x, y)]
                assert np.array_equal(*bits), name


@needs_numba
@pytest.mark.parametrize("tree", ["ecommerce_service", "customer_service_agent"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("normalize_b", [False, True])
@pytest.mark.parametrize("gaps", [False, True])
def test_compiled_kernel_gives_the_numpy_bits(
    tree: str, threads: int, normalize_b: bool, gaps: bool
) -> None:
    compiled, cv = checked(tree, 70_001, seed=5, gaps=gaps)  # crosses the 32,768-row parts
    common = {"normalize_b": normalize_b, "threads": threads}
    fast = make_scorer(compiled, kernel="numba", **common)
    ref = make_scorer(compiled, kernel="numpy", **common)
    assert fast.kernel == "numba" and ref.kernel == "numpy"
    if fast.linear is None:
        pytest.skip(f"{tree} has no M(·,+) fast path")
    for vectors in (False, True):
        for leaf_scores in (False, True):
            kw = {"vectors": vectors, "leaf_scores": leaf_scores}
            same_bits(
                fast.block(cv.values, cv.votes, cv.present, **kw),
                ref.block(cv.values, cv.votes, cv.present, **kw),
            )


def test_fast_path_agrees_with_the_general_evaluation() -> None:
    """The M(·,+) ramp-sum path equals level-by-level FCE of the membership matrices
    (different operation order: equal to rounding)."""
    compiled, cv = checked("ecommerce_service", 3_000, seed=9)
    fast = make_scorer(compiled, kernel="numpy")
    assert fast.linear is not None
    general = dataclasses.replace(fast, linear=None)
    a = fast.block(cv.values, cv.votes, cv.present, leaf_scores=True)
    b = general.block(cv.values, cv.votes, cv.present, leaf_scores=True)
    for name in ("score", "validity", "dimension_score", "B", "dimension_B", "leaf_score"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12, atol=1e-12)
    # grades may only differ where two memberships tie to rounding
    differ = a.grade != b.grade
    assert differ.sum() <= 2


@needs_numba
@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=200), st.integers(0, 5))
def test_compiled_hash_equals_numpy_hash(words: list[str], cut: int) -> None:
    arr = pa.array(words, type=pa.string()).slice(min(cut, len(words)))  # offset arrays too
    assert np.array_equal(hash_strings(arr, compiled=True), hash_strings(arr, compiled=False))


@needs_numba
def test_streaming_with_compiled_kernels_equals_numpy_streaming(tmp_path: Path) -> None:
    spec = load_tree("ecommerce_service")
    src = tmp_path / "data.parquet"
    write_table(table_from_columns(generate_sample(spec, 40_000, seed=2)), src)
    kw: dict[str, Any] = {"progress": False, "chunk_rows": 9_999, "memberships": True}
    score_file(spec, src, tmp_path / "a.parquet", kernel="numba", contributions=True, **kw)
    score_file(spec, src, tmp_path / "b.parquet", kernel="numpy", contributions=True, **kw)
    a, b = read_table(tmp_path / "a.parquet"), read_table(tmp_path / "b.parquet")
    assert a.equals(b)
    assert a.schema.field("grade").type == pa.string()  # dictionary-encoded, read back plain


def test_kernel_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    assert kernels.choose("numpy", 10**9) == "numpy"
    with pytest.raises(ParameterError, match="unknown kernel 'fortran'; valid: auto"):
        kernels.choose("fortran", None)
    if kernels.available():
        monkeypatch.setattr(kernels, "_WARM", [])
        assert kernels.choose("auto", kernels.JIT_MIN_ROWS) == "numba"
        assert kernels.choose("auto", kernels.JIT_MIN_ROWS - 1) == "numpy"
        assert kernels.choose("auto", None) == "numba"
        monkeypatch.setattr(kernels, "_WARM", [True])  # already paid for: always compile
        assert kernels.choose("auto", 10) == "numba"
        monkeypatch.setattr(kernels, "_WARM", [])
        monkeypatch.setenv("EVALSYS_KERNEL", "numba")  # the operator's choice
        assert kernels.choose("auto", 10) == "numba"
    monkeypatch.setenv("EVALSYS_KERNEL", "fast")  # a typo is an error, not ignored
    with pytest.raises(ParameterError, match="EVALSYS_KERNEL is 'fast'; valid: auto, numba"):
        kernels.choose("auto", None)
    monkeypatch.setenv("EVALSYS_KERNEL", "numpy")
    kernels._numba.cache_clear()
    try:
        assert not kernels.available()
        assert kernels.choose("auto", 10**9) == "numpy"
        with pytest.raises(ParameterError, match="numba kernel is not available"):
            kernels.choose("numba", None)
    finally:
        monkeypatch.delenv("EVALSYS_KERNEL")
        kernels._numba.cache_clear()


scores_st = st.lists(
    st.one_of(
        st.sampled_from([0.0, -0.0, 1.5, 60.0, 100.0, float("nan")]),
        st.floats(0, 100, allow_nan=False),
    ),
    max_size=300,
)


@settings(max_examples=150, deadline=None)
@given(scores_st, st.integers(1, 4))
def test_parallel_ranks_equal_one_sort(values: list[float], threads: int) -> None:
    s = np.array(values, dtype=np.float64)
    old = ranking.PARALLEL_MIN
    ranking.PARALLEL_MIN = 1  # slice even tiny inputs
    try:
        rank, pct = ranking.rank_and_percentile(s, threads=threads)
    finally:
        ranking.PARALLEL_MIN = old
    assert np.array_equal(rank, ranks(s))
    assert np.array_equal(pct, percentiles(s), equal_nan=True)
    med = ranking.median_from_ranks(s, rank)
    assert np.array_equal(med, np.median(s) if s.size else np.nan, equal_nan=True)


@settings(max_examples=150, deadline=None)
@given(
    scores_st,
    st.integers(1, 3),
    st.sampled_from([(0.0, 100.0), (60.0, 95.0), (50.0, 50.0), (0.0, 5e-324), (-1e308, 1e308)]),
)
def test_ranks_by_value_bucket_equal_one_sort(
    values: list[float], threads: int, bounds: tuple[float, float]
) -> None:
    """Whatever the bounds (too narrow, degenerate, overflowing), the bucketed ranks are
    the ranks: the bucket map only has to be non-decreasing."""
    s = np.array(values + [-np.inf, np.inf][: len(values) % 3], dtype=np.float64)
    old = ranking.PARALLEL_MIN
    ranking.PARALLEL_MIN = 1
    try:
        rank, pct = ranking.rank_and_percentile(s, threads=threads, bounds=bounds)
    finally:
        ranking.PARALLEL_MIN = old
    assert np.array_equal(rank, ranks(s))
    assert np.array_equal(pct, percentiles(s), equal_nan=True)


def test_median_and_ranks_edge_cases() -> None:
    huge = np.array([1e308, 1e308, 1e308])  # odd count: no (a + b) / 2 overflow
    assert ranking.median_from_ranks(huge, ranking.rank_and_percentile(huge)[0]) == 1e308
    with pytest.raises(ShapeError, match="1-D"):
        ranking.rank_and_percentile(np.zeros((2, 2)))


@needs_numba
def test_signed_zero_and_overflow_give_the_same_bits() -> None:
    """−0.0 on a grade point of 0 (numpy's clip keeps the sign from 4,097 values on) and
    overflowing differences (x − q = inf, times a zero slope: NaN) are handled alike."""
    from evalsys.model.io import tree_from_dict

    def leaf(i: str, parent: str, points: list[float]) -> dict[str, Any]:
        return {
            "id": i,
            "name": i,
            "parent": parent,
            "kind": "quantitative",
            "unit": "u",
            "direction": "cost",
            "membership": {"type": "standard", "points": points},
        }

    doc = {
        "schema_version": 1,
        "id": "t",
        "name": "t",
        "grades": [
            {"id": "good", "name": "good", "score": 1.0},
            {"id": "bad", "name": "bad", "score": 0.0},
        ],
        "nodes": [
            {"id": "root", "name": "root", "kind": "dimension"},
            {"id": "d", "name": "d", "parent": "root", "kind": "dimension"},
            {"id": "e", "name": "e", "parent": "root", "kind": "dimension"},
            leaf("x", "d", [0.0, 1.0]),  # −0.0 − 0.0 = −0.0 for the whole dimension
            leaf("y", "d", [0.0, 1.0]),
            leaf("z", "e", [-1e308, 1e308]),  # the span overflows: a zero slope, inf · 0
        ],
    }
    compiled = compile_tree(tree_from_dict(doc))
    n = 9_000
    z = np.where(np.arange(n) % 3 == 0, 1e308, 0.5)
    cols = {"x": np.full(n, -0.0), "y": np.full(n, -0.0), "z": z}
    cv = indicator_values(compiled, table_from_columns(cols))
    kw: dict[str, Any] = {"vectors": True, "leaf_scores": True}
    fast = make_scorer(compiled, kernel="numba", threads=1)
    ref = make_scorer(compiled, kernel="numpy", threads=1)
    if fast.linear is None:
        pytest.skip("no fast path for the variant")
    same_bits(
        fast.block(cv.values, cv.votes, cv.present, **kw),
        ref.block(cv.values, cv.votes, cv.present, **kw),
    )
