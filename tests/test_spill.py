"""Out-of-core ranks, percentiles, median, mean and duplicate ids (evalsys.engines.spill).

From ``SPILL_MIN_ROWS`` rows the stream engine keeps no per-entity state in memory; these
tests lower the threshold (``EVALSYS_SPILL_ROWS``) and the block sizes so that a small
table crosses every bucket and block boundary, and compare with the in-memory path bit
for bit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalsys.engines import spill
from evalsys.engines.spill import SpilledScores, score_moments
from evalsys.engines.stream import score_file
from evalsys.errors import DataError, ParameterError
from evalsys.model.compiled import compile_tree
from evalsys.model.io import load_tree
from evalsys.model.sample import generate_sample
from evalsys.model.tables import read_table, table_from_columns, write_table
from evalsys.scoring.ranking import median_from_ranks, rank_and_percentile

pytestmark = pytest.mark.filterwarnings("ignore::evalsys.errors.ValidityWarning")

COMPILED = compile_tree(load_tree("ecommerce_service"))
N = 23_456
SAMPLE = generate_sample(load_tree("ecommerce_service"), N, seed=21)


def summary_dict(s: Any) -> dict[str, Any]:
    return {"score": s.score, "grades": s.grades, "entities": s.entities}


@pytest.mark.parametrize("chunk_rows", [1_000, 7_777])
def test_spilled_run_equals_the_in_memory_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    src = tmp_path / "data.parquet"
    write_table(table_from_columns(SAMPLE), src)
    ref_out = tmp_path / "ref.parquet"
    ref = score_file(COMPILED, src, ref_out, progress=False, chunk_rows=chunk_rows)
    monkeypatch.setenv("EVALSYS_SPILL_ROWS", "1000")
    monkeypatch.setattr(spill, "BLOCK_ROWS", 5_000)  # several rank blocks
    monkeypatch.setattr(spill, "SEGMENT", 3_000)  # the mean's pairwise recursion is followed
    monkeypatch.setattr(spill, "_FLUSH_BYTES", 20_000)  # many background flushes
    used: list[Any] = []
    real = spill.SpilledScores.rank

    def spy(self: Any, groups: list[int]) -> Any:
        used.append(len(groups))
        return real(self, groups)

    monkeypatch.setattr(spill.SpilledScores, "rank", spy)
    out = tmp_path / "out.parquet"
    got = score_file(COMPILED, src, out, progress=False, chunk_rows=chunk_rows)
    assert used == [-(-N // chunk_rows)]  # the spilled path ran, one row group per chunk
    assert read_table(out).equals(read_table(ref_out))
    assert json.dumps(summary_dict(got)) == json.dumps(summary_dict(ref))  # same bits
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "data.parquet",
        "out.parquet",
        "ref.parquet",
    ]


def test_duplicate_ids_are_found_when_spilled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cols = {k: np.asarray(v).copy() for k, v in SAMPLE.items()}
    cols["entity_id"][N - 5] = cols["entity_id"][17]
    src = tmp_path / "dup.parquet"
    write_table(table_from_columns(cols), src)
    monkeypatch.setenv("EVALSYS_SPILL_ROWS", "1000")
    with pytest.raises(DataError) as err:
        score_file(COMPILED, src, tmp_path / "out.parquet", progress=False, chunk_rows=4_000)
    assert f"entity id '{cols['entity_id'][17]}' appears 2 times" in str(err.value)
    assert "18" in str(err.value) and str(N - 4) in str(err.value)  # both 1-based rows
    assert [p.name for p in tmp_path.iterdir()] == ["dup.parquet"]  # no output, no spill


scores_st = st.lists(
    st.one_of(
        st.sampled_from([0.0, -0.0, 100.0, 50.0, 49.999999999999993, float("nan")]),
        st.floats(-5.0, 105.0, allow_nan=False),
    ),
    min_size=1,
    max_size=400,
)


@settings(max_examples=60, deadline=None)
@given(scores_st, st.integers(1, 50))
def test_bucketed_ranks_are_the_in_memory_ranks(
    tmp_path_factory: Any, values: list[float], group: int
) -> None:
    """Ties, -0.0 against 0.0, NaN, scores outside the grade range, any row groups."""
    s = np.array(values)
    sp = SpilledScores(tmp_path_factory.mktemp("spill"), 0.0, 100.0)
    old_flush = spill._FLUSH_BYTES
    spill._FLUSH_BYTES = 500  # a background flush every few parts
    try:
        for part in np.array_split(s, 7):
            sp.add_scores(part)
        sp.finish()
        groups = [group] * (s.size // group) + ([s.size % group] if s.size % group else [])
        late, median = sp.rank(groups)
        rank, pct = rank_and_percentile(s)
        row0 = 0
        for g in groups:
            r, p = late(row0, g)
            assert np.array_equal(r, rank[row0 : row0 + g])
            assert np.array_equal(p, pct[row0 : row0 + g], equal_nan=True)
            row0 += g
        want = median_from_ranks(s, rank)
        assert (np.isnan(want) and np.isnan(median)) or want == median
    finally:
        spill._FLUSH_BYTES = old_flush
        sp.close()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=3_000),
    st.integers(1, 700),
    st.sampled_from([8, 100, 256, 1000]),
)
def test_streamed_moments_are_numpys(
    tmp_path_factory: Any, values: list[float], rg: int, segment: int
) -> None:
    """numpy's pairwise mean, min and max, bit for bit, from segments of the file."""
    s = np.array(values)
    path = tmp_path_factory.mktemp("m") / "s.parquet"
    pq.write_table(pa.table({"score": s}), path, row_group_size=rg)
    old = spill.SEGMENT
    spill.SEGMENT = segment
    try:
        mean, lo, hi = score_moments(path, s.size)
    finally:
        spill.SEGMENT = old
    assert np.float64(mean).view(np.uint64) == np.mean(s).view(np.uint64)
    assert (lo, hi) == (float(s.min()), float(s.max()))


def test_threshold_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVALSYS_SPILL_ROWS", raising=False)
    assert spill.spill_min_rows() == spill.SPILL_MIN_ROWS
    monkeypatch.setenv("EVALSYS_SPILL_ROWS", "12")
    assert spill.spill_min_rows() == 12
    for bad in ("lots", "0", "-5", "1e6"):
        monkeypatch.setenv("EVALSYS_SPILL_ROWS", bad)
        with pytest.raises(ParameterError, match=f"EVALSYS_SPILL_ROWS is '{bad}'"):
            spill.spill_min_rows()


def test_a_bad_spill_threshold_is_one_message_and_exit_code_1(tmp_path: Path) -> None:
    """Through the CLI: one line on stderr, exit code 1, no traceback, no output."""
    import os
    import subprocess
    import sys

    src = tmp_path / "data.parquet"
    write_table(table_from_columns(SAMPLE), src)
    out = tmp_path / "out.parquet"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "evalsys",
            "score",
            "ecommerce_service",
            str(src),
            "-o",
            str(out),
            "--engine",
            "stream",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "EVALSYS_SPILL_ROWS": "lots"},
        check=False,
    )
    assert res.returncode == 1, res.stderr
    assert "EVALSYS_SPILL_ROWS is 'lots'" in res.stderr
    assert "Traceback" not in res.stderr and res.stderr.strip().count("\n") == 0
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.parquet"]


@pytest.mark.parametrize("missing", ["skip", "renormalize"])
def test_spilled_with_missing_values_and_no_id_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    """Skipped rows (output positions differ from input rows) and tables without ids."""
    cols = {k: np.asarray(v).copy() for k, v in SAMPLE.items() if k != "entity_id"}
    cols["delivery_time"] = cols["delivery_time"].astype(float)
    cols["delivery_time"][[0, 999, 1000, 5000, N - 1]] = np.nan
    src = tmp_path / "gaps.parquet"
    write_table(table_from_columns(cols), src)
    ref_out = tmp_path / "ref.parquet"
    ref = score_file(COMPILED, src, ref_out, progress=False, chunk_rows=3_000, missing=missing)
    monkeypatch.setenv("EVALSYS_SPILL_ROWS", "1000")
    monkeypatch.setattr(spill, "BLOCK_ROWS", 4_000)
    out = tmp_path / "out.parquet"
    got = score_file(COMPILED, src, out, progress=False, chunk_rows=3_000, missing=missing)
    assert read_table(out).equals(read_table(ref_out))
    assert got.entities == ref.entities == (N - 5 if missing == "skip" else N)
    assert json.dumps(summary_dict(got)) == json.dumps(summary_dict(ref))


def test_csv_input_switches_to_spilling_once_the_rows_read_reach_the_threshold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CSV's row count is unknown up front: the in-memory state moves to the bucket
    files when the threshold is crossed, and the result is the same."""
    src = tmp_path / "data.csv"
    write_table(table_from_columns(SAMPLE), src)
    ref_out = tmp_path / "ref.parquet"
    ref = score_file(COMPILED, src, ref_out, progress=False, chunk_rows=2_000)
    monkeypatch.setenv("EVALSYS_SPILL_ROWS", "9000")
    made: list[int] = []
    real = spill.SpilledScores.add_scores

    def spy(self: Any, score: Any) -> None:
        made.append(score.size)
        real(self, score)

    monkeypatch.setattr(spill.SpilledScores, "add_scores", spy)
    out = tmp_path / "out.parquet"
    got = score_file(COMPILED, src, out, progress=False, chunk_rows=2_000)
    assert sum(made) == N and made[:5] == [2_000] * 5  # the first chunks moved over
    assert read_table(out).equals(read_table(ref_out))
    assert json.dumps(summary_dict(got)) == json.dumps(summary_dict(ref))


def test_degenerate_range_and_infinite_scores_still_rank_exactly(tmp_path: Path) -> None:
    """hi == lo (every score in one bucket) and ±inf scores (inf · 0 is NaN)."""
    s = np.array([5.0, np.inf, -np.inf, 5.0, np.nan, 7.0, -0.0, 0.0])
    for lo, hi in [(5.0, 5.0), (0.0, 100.0), (0.0, 5e-324)]:
        sp = SpilledScores(tmp_path, lo, hi)
        try:
            sp.add_scores(s)
            sp.finish()
            late, median = sp.rank([s.size])
            rank, pct = rank_and_percentile(s)
            r, p = late(0, s.size)
            assert np.array_equal(r, rank)
            assert np.array_equal(p, pct, equal_nan=True)
            assert np.isnan(median)
        finally:
            sp.close()
