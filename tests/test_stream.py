"""Streaming engine: chunked scoring equals whole-table scoring bit for bit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evalsys.engines.ids import hash_strings
from evalsys.engines.memory import score_entities
from evalsys.engines.stream import score_file
from evalsys.errors import DataError
from evalsys.model.compiled import compile_tree
from evalsys.model.data import indicator_data
from evalsys.model.io import load_tree, tree_from_dict
from evalsys.model.sample import generate_sample
from evalsys.model.tables import read_table, table_from_columns, write_table
from evalsys.scoring.result import SUM_BLOCK

pytestmark = pytest.mark.filterwarnings("ignore::evalsys.errors.ValidityWarning")

TREE = load_tree("ecommerce_service")
COMPILED = compile_tree(TREE)
N = SUM_BLOCK + 3_000  # the leaf-mean blocks of contributions are crossed too
SAMPLE = generate_sample(TREE, N, seed=11)


def with_gaps(cols: dict[str, Any], column: str, rows: list[int]) -> dict[str, Any]:
    out = {k: np.asarray(v).copy() for k, v in cols.items()}
    out[column] = out[column].astype(float)
    out[column][rows] = np.nan
    return out


def whole(path: Path, compiled: Any = COMPILED, *, missing: str = "reject", **kw: Any) -> Any:
    """The in-memory engine's output table, as written and read back."""
    flags = {k: kw.pop(k) for k in ("memberships", "contributions") if k in kw}
    d = indicator_data(compiled, read_table(path), missing=missing)  # type: ignore[arg-type]
    res = score_entities(compiled, d, **kw)
    ref = path.with_name(f"ref-{path.name}")
    write_table(table_from_columns(res.to_columns(**flags)), ref)
    return read_table(ref)


def streamed(src: Path, out: Path, compiled: Any = COMPILED, **kw: Any) -> Any:
    score_file(compiled, src, out, progress=False, **kw)
    return read_table(out)


@pytest.mark.parametrize("ext", ["parquet", "csv"])
@pytest.mark.parametrize("chunk_rows", [997, 4096, SUM_BLOCK, 50_000])
def test_chunked_equals_whole_table_bit_for_bit(tmp_path: Path, ext: str, chunk_rows: int) -> None:
    src = tmp_path / f"data.{ext}"
    write_table(table_from_columns(SAMPLE), src)
    ref = whole(src, memberships=True, contributions=True)
    got = streamed(
        src, tmp_path / f"out.{ext}", chunk_rows=chunk_rows, memberships=True, contributions=True
    )
    assert got.column_names == ref.column_names
    assert got.equals(ref)  # every column, every bit
    assert got.num_rows == N
    assert got.column("row").to_pylist()[:3] == [1, 2, 3]
    rank = np.asarray(got.column("rank"))
    assert rank.min() == 1 and rank.max() <= N


@pytest.mark.parametrize(
    ("missing", "operator"),
    [("renormalize", "weighted_average"), ("skip", "weighted_average"), ("reject", "min_max")],
)
def test_missing_values_and_other_operators(tmp_path: Path, missing: str, operator: str) -> None:
    cols = (
        SAMPLE
        if missing == "reject"
        else with_gaps(SAMPLE, "delivery_time", [0, 1500, 1501, N - 1])
    )
    src = tmp_path / "data.parquet"
    write_table(table_from_columns(cols), src)
    ref = whole(src, missing=missing, operator=operator, contributions=True)
    got = streamed(
        src,
        tmp_path / "out.parquet",
        chunk_rows=1500,
        missing=missing,
        operator=operator,
        contributions=True,
    )
    assert got.equals(ref)
    if missing == "skip":
        assert got.num_rows == N - 4
        assert 1501 not in got.column("row").to_pylist()  # 0-based 1500 → row 1501
    if missing == "renormalize":
        cov = np.asarray(got.column("coverage"))
        assert (cov < 1).sum() == 4


def test_bounds_from_the_data_range_need_and_get_a_first_pass(tmp_path: Path) -> None:
    """A leaf without bounds and membership is normalised by the range of all rows."""
    spec = tree_from_dict(
        {
            "id": "open",
            "name": "open bounds",
            "grades": [
                {"id": "a", "name": "A", "score": 90},
                {"id": "b", "name": "B", "score": 70},
                {"id": "c", "name": "C", "score": 50},
            ],
            "nodes": [
                {
                    "id": "root",
                    "name": "root",
                    "kind": "dimension",
                    "weights": {"type": "direct", "values": {"x": 0.6, "y": 0.4}},
                },
                {
                    "id": "x",
                    "parent": "root",
                    "name": "x",
                    "kind": "quantitative",
                    "unit": "count",
                    "direction": "benefit",
                },
                {
                    "id": "y",
                    "parent": "root",
                    "name": "y",
                    "kind": "quantitative",
                    "unit": "s",
                    "direction": "cost",
                    "range": [0, None],
                },
            ],
        }
    )
    compiled = compile_tree(spec)
    rng = np.random.default_rng(2)
    x = rng.normal(50, 10, 5000)
    x[4321] = 400.0  # the maximum sits in the last chunk
    cols = {
        "entity_id": np.array([f"e{i}" for i in range(5000)]),
        "x": x,
        "y": rng.gamma(2, 3, 5000),
    }
    src = tmp_path / "data.parquet"
    write_table(table_from_columns(cols), src)
    ref = whole(src, compiled)
    got = streamed(src, tmp_path / "out.parquet", compiled, chunk_rows=1000)
    assert got.equals(ref)


def test_errors_carry_global_row_numbers(tmp_path: Path) -> None:
    cols = {k: np.asarray(v).copy() for k, v in SAMPLE.items()}
    cols["on_time_rate"] = cols["on_time_rate"].astype(float)
    cols["on_time_rate"][[2500, 2502]] = 130.0
    src = tmp_path / "data.csv"
    write_table(table_from_columns(cols), src)
    with pytest.raises(DataError, match="values above 100 %") as info:
        score_file(COMPILED, src, tmp_path / "out.parquet", chunk_rows=1000, progress=False)
    assert info.value.column == "on_time_rate"
    assert info.value.rows == (2501, 2503)
    assert not (tmp_path / "out.parquet").exists()


def test_non_numeric_csv_value_is_named_with_its_row(tmp_path: Path) -> None:
    cols = {k: np.asarray(v) for k, v in SAMPLE.items()}
    cols["delivery_time"] = cols["delivery_time"].astype(str)
    cols["delivery_time"][3003] = "fast"
    src = tmp_path / "data.csv"
    write_table(table_from_columns(cols), src)
    with pytest.raises(DataError, match=r"needs numbers; found 'fast'.*\(rows 3004\)"):
        score_file(COMPILED, src, tmp_path / "out.csv", chunk_rows=1000, progress=False)


def test_duplicate_ids_across_chunks_and_fraction_check_over_all_rows(tmp_path: Path) -> None:
    cols = {k: np.asarray(v).copy() for k, v in SAMPLE.items()}
    cols["entity_id"][7000] = cols["entity_id"][5]
    src = tmp_path / "dup.parquet"
    write_table(table_from_columns(cols), src)
    with pytest.raises(DataError, match=r"entity id 'M0000006' appears 2 times.*\(rows 6, 7001\)"):
        score_file(COMPILED, src, tmp_path / "out.parquet", chunk_rows=1000, progress=False)
    # a rate column given as fractions is only detectable over the whole column
    cols = {k: np.asarray(v).copy() for k, v in SAMPLE.items()}
    cols["on_time_rate"] = cols["on_time_rate"] / 100
    src = tmp_path / "frac.parquet"
    write_table(table_from_columns(cols), src)
    with pytest.raises(DataError, match="looks like fractions"):
        score_file(COMPILED, src, tmp_path / "out.parquet", chunk_rows=1000, progress=False)
    cols["on_time_rate"][-1] = 95.0  # one value above 1 in the last chunk: not fractions
    write_table(table_from_columns(cols), src)
    score_file(COMPILED, src, tmp_path / "out.parquet", chunk_rows=1000, progress=False)
    assert read_table(tmp_path / "out.parquet").num_rows == N


def test_interrupted_run_leaves_no_output_and_no_temp_files(tmp_path: Path) -> None:
    src = tmp_path / "in" / "data.parquet"
    src.parent.mkdir()
    write_table(table_from_columns(SAMPLE), src)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "scores.parquet"
    calls: list[tuple[int, int | None]] = []

    def progress(done: int, total: int | None) -> None:
        calls.append((done, total))
        if len(calls) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(COMPILED, src, out, chunk_rows=1000, progress=progress)
    assert calls == [(1000, N), (2000, N), (3000, N)]
    assert list(out_dir.iterdir()) == []
    # an earlier output under the final name is left untouched
    out.write_bytes(b"previous")
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        score_file(COMPILED, src, out, chunk_rows=1000, progress=progress)
    assert out.read_bytes() == b"previous"
    assert [p.name for p in out_dir.iterdir()] == ["scores.parquet"]


def test_summary_and_what_cannot_be_streamed(tmp_path: Path) -> None:
    src = tmp_path / "data.parquet"
    write_table(table_from_columns(SAMPLE), src)
    summ = score_file(COMPILED, src, tmp_path / "out.parquet", chunk_rows=4000, progress=False)
    assert summ.rows == summ.entities == N
    assert summ.chunks == 3
    assert sum(summ.grades.values()) == N
    assert summ.score["min"] <= summ.score["median"] <= summ.score["max"]
    d = summ.to_dict()
    assert d["engine"] == "stream" and d["rows_per_second"] > 0
    with pytest.raises(DataError, match=r"method 'topsis'.*in-memory engine"):
        score_file(COMPILED, src, tmp_path / "t.parquet", method="topsis", progress=False)
    with pytest.raises(DataError, match="Parquet or CSV"):
        score_file(COMPILED, src, tmp_path / "out.xlsx", progress=False)


def test_id_hash_is_content_only() -> None:
    import pyarrow as pa

    a = pa.array(["M1", "abc", "", "M1", "x" * 300, "abc"])
    h = hash_strings(a)
    assert h[0] == h[3] and h[1] == h[5]
    assert len(set(h[[0, 1, 2, 4]].tolist())) == 4
    # slices (non-zero offsets) hash the same strings alike
    np.testing.assert_array_equal(hash_strings(a.slice(3)), h[3:])


def test_run_score_engines_agree(tmp_path: Path) -> None:
    from evalsys.cli.score_engine import choose_engine, run_score

    src = tmp_path / "data.parquet"
    write_table(table_from_columns(SAMPLE), src)
    a = run_score("ecommerce_service", src, tmp_path / "a.parquet", engine="memory")
    b = run_score(
        "ecommerce_service", src, tmp_path / "b.parquet", engine="stream", chunk_rows=3000
    )
    assert a["engine"] == "memory" and b["engine"] == "stream"
    assert read_table(tmp_path / "a.parquet").equals(read_table(tmp_path / "b.parquet"))
    for key in ("entities", "grades", "low_validity", "score", "tree", "operator"):
        assert a[key] == b[key], key
    assert choose_engine("auto", src, tmp_path / "x.parquet", "fce") == "memory"  # small file
    assert choose_engine("auto", src, tmp_path / "x.json", "fce") == "memory"
    assert choose_engine("auto", src, tmp_path / "x.parquet", "topsis") == "memory"
    with pytest.raises(DataError, match="unknown engine"):
        choose_engine("spark", src, tmp_path / "x.parquet", "fce")


@pytest.mark.parametrize("tier_type", ["int32", "dictionary", "string"])
def test_grade_columns_read_back_as_plain_strings_whatever_the_passthrough(
    tmp_path: Path, tier_type: str
) -> None:
    import pyarrow as pa

    table = table_from_columns(SAMPLE)
    tiers = {"int32": pa.array(np.arange(N) % 3, pa.int32())}
    tiers["dictionary"] = table.column("tier").combine_chunks().dictionary_encode()
    tiers["string"] = table.column("tier").combine_chunks()
    table = table.set_column(table.column_names.index("tier"), "tier", tiers[tier_type])
    src = tmp_path / "data.parquet"
    write_table(table, src)
    out = streamed(src, tmp_path / "out.parquet", chunk_rows=4096)
    assert out.schema.field("grade").type == pa.string()
    assert out.schema.field("grade_name").type == pa.string()
    assert out.schema.field("tier").type == tiers[tier_type].type  # passthrough as it was
