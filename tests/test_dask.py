"""Dask engine on a real LocalCluster: identical results to the single-process engines.

The module's cluster runs 2 workers in threads (``processes=False``) so the tests start in
about a second; the CLI default (and ``benchmarks/bench_dask.py``) uses worker processes,
which exercise the same code plus pickling of the scorer: the last test runs the CLI on a
LocalCluster of two worker processes over a partitioned dataset folder.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("dask.dataframe", reason="optional extra: pip install 'evalsys[dask]'")
pytest.importorskip("distributed", reason="optional extra: pip install 'evalsys[dask]'")

import dask.dataframe as dd
import pyarrow as pa
import pyarrow.parquet as pq

from evalsys import dask as edask
from evalsys.engines.memory import score_entities
from evalsys.engines.stream import score_file
from evalsys.errors import DataError
from evalsys.model.compiled import compile_tree
from evalsys.model.data import indicator_data
from evalsys.model.io import load_tree
from evalsys.model.sample import generate_sample
from evalsys.model.tables import read_table, table_from_columns
from evalsys.scoring.result import SUM_BLOCK

pytestmark = [
    pytest.mark.filterwarnings("ignore::evalsys.errors.ValidityWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

TREE = load_tree("ecommerce_service")
COMPILED = compile_tree(TREE)
N = SUM_BLOCK + 4_000


@pytest.fixture(scope="module")
def cluster() -> Any:
    with edask.client(workers=2, processes=False) as c:
        yield c


def dataset(tmp_path: Path, cols: dict[str, Any], cuts: list[int]) -> Path:
    """A partitioned Parquet dataset (one file per partition, cut at ``cuts``)."""
    folder = tmp_path / "ds"
    folder.mkdir()
    table = table_from_columns(cols)
    bounds = [0, *cuts, table.num_rows]
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        pq.write_table(table.slice(a, b - a), folder / f"part-{i:03d}.parquet")
    return folder


def reference(cols: dict[str, Any], **kw: Any) -> Any:
    missing = kw.pop("missing", "reject")
    flags = {k: kw.pop(k) for k in ("memberships", "contributions") if k in kw}
    d = indicator_data(COMPILED, table_from_columns(cols), missing=missing)
    return table_from_columns(score_entities(COMPILED, d, **kw).to_columns(**flags))


def same(got: Any, ref: Any) -> None:
    assert got.column_names == ref.column_names
    for name in ref.column_names:
        a = got.column(name).to_numpy(zero_copy_only=False)
        b = ref.column(name).to_numpy(zero_copy_only=False)
        if a.dtype.kind == "f":
            np.testing.assert_array_equal(a, b, err_msg=name)  # bit for bit, NaN == NaN
        else:
            assert (a == b).all(), name


@pytest.mark.parametrize(
    ("missing", "contributions"), [("reject", True), ("renormalize", True), ("skip", False)]
)
def test_partitions_give_the_single_process_results(
    tmp_path: Path, cluster: Any, missing: str, contributions: bool
) -> None:
    cols = generate_sample(TREE, N, seed=21)
    if missing != "reject":
        cols = {k: np.asarray(v).copy() for k, v in cols.items()}
        cols["delivery_time"] = cols["delivery_time"].astype(float)
        cols["delivery_time"][[4, 5000, N - 1]] = np.nan
    folder = dataset(tmp_path, cols, [3_001, 5_000, 11_111])
    res = edask.score(
        dd.read_parquet(str(folder)),
        COMPILED,
        missing=missing,
        memberships=True,
        contributions=contributions,
    )
    got = pa.Table.from_pandas(res.frame.compute(), preserve_index=False)
    ref = reference(cols, missing=missing, memberships=True, contributions=contributions)
    same(got, ref)
    assert res.rows == N
    assert res.entities == (N - 3 if missing == "skip" else N)
    assert sum(res.grades.values()) == res.entities


def test_run_writes_the_stream_engines_file(tmp_path: Path, cluster: Any) -> None:
    cols = generate_sample(TREE, 6_000, seed=4)
    folder = dataset(tmp_path, cols, [2_500])
    summary = edask.run(
        "ecommerce_service", folder, tmp_path / "dask.parquet", scheduler=cluster.scheduler.address
    )
    assert summary["engine"] == "dask" and summary["entities"] == 6_000
    single = tmp_path / "single.parquet"
    pq.write_table(table_from_columns(cols), single)
    score_file(COMPILED, single, tmp_path / "stream.parquet", progress=False)
    assert read_table(tmp_path / "dask.parquet").equals(read_table(tmp_path / "stream.parquet"))


def test_errors_name_global_rows_and_duplicates_across_partitions(
    tmp_path: Path, cluster: Any
) -> None:
    cols = {k: np.asarray(v).copy() for k, v in generate_sample(TREE, 3_000, seed=9).items()}
    cols["entity_id"][2_900] = cols["entity_id"][10]
    folder = dataset(tmp_path, cols, [1_000, 2_000])
    with pytest.raises(DataError, match=r"appears 2 times.*\(rows 11, 2901\)"):
        edask.score(dd.read_parquet(str(folder)), COMPILED)
    cols = {k: np.asarray(v).copy() for k, v in generate_sample(TREE, 3_000, seed=9).items()}
    cols["on_time_rate"][[2_100, 2_200]] = 150.0
    bad = tmp_path / "bad"
    bad.mkdir()
    (tmp_path / "ds").rename(bad / "old")
    folder = dataset(tmp_path, cols, [1_000, 2_000])
    with pytest.raises(DataError, match="values above 100") as info:
        edask.score(dd.read_parquet(str(folder)), COMPILED)
    assert info.value.rows == (2_101, 2_201)
    with pytest.raises(DataError, match="method 'grey'"):
        edask.score(dd.read_parquet(str(folder)), COMPILED, method="grey")


def test_cli_scores_a_partitioned_dataset_on_two_worker_processes(tmp_path: Path) -> None:
    """`evalsys score --engine dask --workers 2` on a dataset folder: a LocalCluster of two
    worker *processes* (the scorer is pickled to them), the stream engine's bytes."""
    import json
    import subprocess
    import sys

    cols = generate_sample(TREE, 9_000, seed=8)
    folder = dataset(tmp_path, cols, [2_000, 5_500, 7_000])
    out = tmp_path / "dask.parquet"
    p = subprocess.run(
        [sys.executable, "-m", "evalsys", "score", "ecommerce_service", str(folder),
         "-o", str(out), "--engine", "dask", "--workers", "2", "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    assert summary["engine"] == "dask" and summary["entities"] == 9_000
    single = tmp_path / "single.parquet"
    pq.write_table(table_from_columns(cols), single)
    score_file(COMPILED, single, tmp_path / "stream.parquet", progress=False)
    assert read_table(out).equals(read_table(tmp_path / "stream.parquet"))
