"""Rank and percentile patched into an encoded Parquet file (evalsys.engines.late_columns).

The stream engine's Parquet output without contributions is encoded once, with placeholder
rank/percentile columns overwritten in place at the end; these tests check that the file
is the same table as the in-memory engine's, that the patch really happens in place (and
falls back to a rewrite when the layout is not the expected one), and that any int64 and
float64 bit patterns survive the patch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalsys.engines import late_columns
from evalsys.engines.arrow_io import BackgroundWriter, dictionary_columns
from evalsys.engines.late_columns import late_writer, patch_late_columns
from evalsys.engines.memory import score_entities
from evalsys.engines.stream import score_file
from evalsys.model.compiled import compile_tree
from evalsys.model.data import indicator_data
from evalsys.model.io import load_tree
from evalsys.model.sample import generate_sample
from evalsys.model.tables import read_table, table_from_columns, write_table

pytestmark = pytest.mark.filterwarnings("ignore::evalsys.errors.ValidityWarning")

COMPILED = compile_tree(load_tree("ecommerce_service"))
N = 12_345
SAMPLE = generate_sample(load_tree("ecommerce_service"), N, seed=5)


def whole(src: Path, **flags: Any) -> Any:
    d = indicator_data(COMPILED, read_table(src))
    ref = src.with_name("ref.parquet")
    write_table(table_from_columns(score_entities(COMPILED, d).to_columns(**flags)), ref)
    return read_table(ref)


def placeholder_file(path: Path, groups: list[int]) -> tuple[Any, np.ndarray, np.ndarray]:
    """A file of ``late_writer`` with a text, a nullable float and the two late columns,
    one row group per entry of ``groups``; returns the table it should read back as after
    the patch, with the ranks and percentiles to patch."""
    n = sum(groups)
    rng = np.random.default_rng(n)
    rank = rng.permutation(n).astype(np.int64) + 1
    pct = rng.random(n)
    score = pa.array(rng.random(n), mask=rng.random(n) < 0.1)
    ids = pa.array([f"m{i}" for i in range(n)])
    grade = pa.array(rng.choice(["A", "B", "C"], n).tolist())
    schema = pa.schema(
        [
            ("entity_id", pa.string()),
            ("score", pa.float64()),
            ("grade", pa.string()),
            ("rank", pa.int64()),
            ("percentile", pa.float64()),
        ]
    )
    writer = late_writer(path, schema)
    row0 = 0
    for g in groups:
        part = slice(row0, row0 + g)
        writer.write_table(
            pa.table(
                [
                    ids[part],
                    score[part],
                    grade[part],
                    pa.array(np.zeros(g, np.int64)),
                    pa.array(np.zeros(g)),
                ],
                schema=schema,
            )
        )
        row0 += g
    writer.close()
    want = pa.table([ids, score, grade, pa.array(rank), pa.array(pct)], schema=schema)
    return want, rank, pct


@pytest.mark.parametrize("chunk_rows", [997, 50_000])
@pytest.mark.parametrize("memberships", [False, True])
def test_one_encoding_output_equals_the_in_memory_engine(
    tmp_path: Path, chunk_rows: int, memberships: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "data.parquet"
    write_table(table_from_columns(SAMPLE), src)
    patched: list[bool] = []
    real = late_columns.patch_late_columns

    def spy(*args: Any) -> bool:
        patched.append(real(*args))
        return patched[-1]

    monkeypatch.setattr("evalsys.engines.stream.patch_late_columns", spy)
    out = tmp_path / "out.parquet"
    score_file(COMPILED, src, out, progress=False, chunk_rows=chunk_rows, memberships=memberships)
    assert patched == [True]  # the one-encoding path ran and patched in place
    got = read_table(out)
    assert got.equals(whole(src, memberships=memberships))
    assert pq.ParquetFile(out).metadata.num_row_groups == -(-N // chunk_rows)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "data.parquet",
        "out.parquet",
        "ref.parquet",
    ]


def test_contributions_and_csv_still_take_the_second_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "data.parquet"
    write_table(table_from_columns(SAMPLE), src)
    calls: list[Any] = []
    monkeypatch.setattr("evalsys.engines.stream.patch_late_columns", lambda *a: calls.append(a))
    score_file(COMPILED, src, tmp_path / "c.parquet", progress=False, contributions=True)
    score_file(COMPILED, src, tmp_path / "c.csv", progress=False)
    assert calls == []
    assert read_table(tmp_path / "c.parquet").equals(whole(src, contributions=True))


@pytest.mark.parametrize("groups", [[1], [700], [300, 1, 999]])
def test_patch_in_place_over_row_groups(tmp_path: Path, groups: list[int]) -> None:
    path = tmp_path / "t.parquet"
    want, rank, pct = placeholder_file(path, groups)
    size = path.stat().st_size
    assert patch_late_columns(path, rank, pct) is True
    assert path.stat().st_size == size
    assert pq.read_table(path).equals(want)


def test_unexpected_layout_falls_back_to_a_rewrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.parquet"
    want, rank, pct = placeholder_file(path, [400, 600])
    monkeypatch.setattr(late_columns, "_single_page", lambda *a: False)
    assert patch_late_columns(path, rank, pct) is False
    assert pq.read_table(path).equals(want)
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]


def test_a_plain_parquet_file_is_not_patched_in_place(tmp_path: Path) -> None:
    """A file written the ordinary way (dictionary, statistics, snappy) cannot be patched;
    the fallback still gives the right table."""
    n = 5_000
    t = pa.table({"rank": np.arange(n, dtype=np.int64), "percentile": np.zeros(n)})
    path = tmp_path / "plain.parquet"
    pq.write_table(t, path)
    rank, pct = np.arange(n, 0, -1, dtype=np.int64), np.linspace(0, 1, n)
    assert patch_late_columns(path, rank, pct) is False
    assert pq.read_table(path).equals(pa.table({"rank": rank, "percentile": pct}))


def test_wrong_lengths_and_types_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    _, rank, pct = placeholder_file(path, [10])
    with pytest.raises(ValueError, match="rank: 9 values for 10 rows"):
        patch_late_columns(path, rank[:9], pct)
    bad = pa.schema([("rank", pa.int32()), ("percentile", pa.float64())])
    with pytest.raises(TypeError, match="'rank' must be int64"):
        late_writer(tmp_path / "u.parquet", bad)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-(2**63), 2**63 - 1), st.integers(0, 2**64 - 1)),
        min_size=1,
        max_size=300,
    )
)
def test_any_bit_pattern_survives_the_patch(tmp_path_factory: Any, pairs: list[Any]) -> None:
    """Whatever int64 ranks and float64 bit patterns (NaNs with payloads, -0.0,
    infinities, subnormals) are patched, the file reads them back bit for bit."""
    path = tmp_path_factory.mktemp("bits") / "t.parquet"
    n = len(pairs)
    schema = pa.schema([("rank", pa.int64()), ("percentile", pa.float64())])
    writer = late_writer(path, schema)
    writer.write_table(pa.table([np.zeros(n, np.int64), np.zeros(n)], schema=schema))
    writer.close()
    rank = np.array([a for a, _ in pairs], dtype=np.int64)
    pct = np.array([b for _, b in pairs], dtype=np.uint64).view(np.float64)
    assert patch_late_columns(path, rank, pct) is True
    got = pq.read_table(path)
    assert np.array_equal(np.asarray(got.column("rank")), rank)
    back = np.asarray(got.column("percentile")).view(np.uint64)
    assert np.array_equal(back, pct.view(np.uint64))


class _FailingWriter:
    """A writer whose second ``write_table`` fails (a full disk, say)."""

    def __init__(self) -> None:
        self.tables: list[Any] = []
        self.closed = False

    def write_table(self, table: Any) -> None:
        if len(self.tables) == 1:
            raise OSError("No space left on device")
        self.tables.append(table)

    def close(self) -> None:
        self.closed = True


def test_background_writer_keeps_order_and_hands_errors_back(tmp_path: Path) -> None:
    schema = pa.schema([("rank", pa.int64()), ("percentile", pa.float64())])
    path = tmp_path / "bg.parquet"
    bg = BackgroundWriter(late_writer(path, schema), depth=1)
    parts = [pa.table([np.arange(k, k + 5), np.full(5, k / 7)], schema=schema) for k in range(9)]
    for t in parts:
        bg.write_table(t)
    bg.close()
    assert pq.read_table(path).equals(pa.concat_tables(parts))
    assert pq.ParquetFile(path).metadata.num_row_groups == 9

    failing = _FailingWriter()
    bg = BackgroundWriter(failing, depth=1)
    with pytest.raises(OSError, match="No space left"):
        for t in parts:  # the error surfaces at a later write or at close
            bg.write_table(t)
        bg.close()
    bg.abort()  # what the engine does on any error: no raise, writer closed
    assert failing.closed and len(failing.tables) == 1


def test_a_failing_write_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error inside the background encoder reaches the caller as itself, and neither the
    output nor a temporary file is left behind."""
    src = tmp_path / "data.parquet"
    write_table(table_from_columns(SAMPLE), src)
    real = late_columns.late_writer

    def failing_late_writer(path: Any, schema: Any, decoded: Any = ()) -> Any:
        w = real(path, schema, decoded)
        calls = []

        class W:
            def write_table(self, t: Any) -> None:
                calls.append(1)
                if len(calls) == 3:
                    raise OSError("No space left on device")
                w.write_table(t)

            def close(self) -> None:
                w.close()

        return W()

    monkeypatch.setattr("evalsys.engines.stream.late_writer", failing_late_writer)
    with pytest.raises(OSError, match="No space left"):
        score_file(COMPILED, src, tmp_path / "out.parquet", progress=False, chunk_rows=1_000)
    assert [p.name for p in tmp_path.iterdir()] == ["data.parquet"]


@pytest.mark.parametrize("ext", ["parquet", "csv"])
def test_streamed_output_follows_the_umask(tmp_path: Path, ext: str) -> None:
    """Outputs get the mode of any new file (0o666 less the umask), not mkstemp's 0o600."""
    import os

    src = tmp_path / "data.parquet"
    write_table(table_from_columns(SAMPLE), src)
    old = os.umask(0o022)
    try:
        out = tmp_path / f"out.{ext}"
        score_file(COMPILED, src, out, progress=False)
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


def test_low_cardinality_passthrough_travels_as_dictionaries(tmp_path: Path) -> None:
    """Passthrough text columns stored dictionary-encoded are read and written as
    dictionaries (row groups with different dictionaries, chunks across row groups) and
    read back as the in-memory engine's plain strings; a unique-per-row text column and
    an int32 column (which makes the Arrow schema stored) are handled too."""
    rng = np.random.default_rng(8)
    n = 9_000
    cols = dict(SAMPLE)
    cols = {k: np.asarray(v)[:n] for k, v in cols.items()}
    region = np.where(
        np.arange(n) < 4_000, rng.choice(["north", "south"], n), rng.choice(["west", "北"], n)
    )
    base = pa.table({k: pa.array(v) for k, v in cols.items()})
    base = base.append_column("region", pa.array(region))
    base = base.append_column("name", pa.array([f"shop {i}" for i in range(n)]))
    for extra, types in [((), "plain"), (("code",), "int32")]:
        tab = base
        if extra:
            tab = tab.append_column("code", pa.array(np.arange(n, dtype=np.int32)))
        src = tmp_path / f"in-{types}.parquet"
        pq.write_table(tab, src, row_group_size=3_000)
        assert set(dictionary_columns(src, ["segment", "region", "name"])) == {"segment", "region"}
        keep = ("segment", "tier", "region", "name", *extra)
        out = tmp_path / f"out-{types}.parquet"
        score_file(COMPILED, src, out, progress=False, chunk_rows=2_500, passthrough=keep)
        d = indicator_data(COMPILED, read_table(src), passthrough=keep)
        ref = tmp_path / f"ref-{types}.parquet"
        write_table(table_from_columns(score_entities(COMPILED, d).to_columns()), ref)
        got = read_table(out)
        assert got.column("region").type == pa.string()
        assert got.column("region").to_pylist() == region.tolist()
        if not extra:  # the in-memory engine keeps no int32 (numpy columns are int64)
            assert got.equals(read_table(ref))
        else:
            assert got.schema.field("code").type == pa.int32()
            assert got.drop_columns(["code"]).equals(read_table(ref).drop_columns(["code"]))


def test_a_failing_rewrite_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slow path's temporary file goes when the rewrite fails (found in review)."""
    path = tmp_path / "t.parquet"
    _, rank, pct = placeholder_file(path, [400, 600])
    monkeypatch.setattr(late_columns, "_single_page", lambda *a: False)

    def failing(row0: int, n: int) -> Any:
        if row0 > 0:
            raise KeyboardInterrupt
        return rank[:n], pct[:n]

    with pytest.raises(KeyboardInterrupt):
        late_columns.patch_late_values(path, failing)
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]
