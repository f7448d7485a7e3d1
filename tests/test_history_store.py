"""The history store: atomic appends (SIGKILL mid-append), versions, rescore, bad input.

Small data only (the shipped 500 merchants); the 12 x 1M run is benchmarks/bench_history.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalsys.errors import DataError
from evalsys.history.errors import PeriodError, StoreError, VersionError
from evalsys.history.periods import parse_period, sort_periods
from evalsys.history.store import HistoryStore, append_period
from evalsys.history.versions import check_effective, rule_version
from evalsys.model.io import load_tree, shipped_path
from evalsys.model.tables import read_table

SAMPLE = shipped_path("samples", "ecommerce_merchants.csv")


@pytest.fixture(scope="module")
def tree():  # type: ignore[no-untyped-def]
    return load_tree("ecommerce_service")


@pytest.fixture(scope="module")
def tree_v2(tree):  # type: ignore[no-untyped-def]
    scores = (95.0, 82.0, 70.0, 55.0)
    grades = tuple(
        g.model_copy(update={"score": s}) for g, s in zip(tree.grades, scores, strict=True)
    )
    return tree.model_copy(update={"version": "2.0", "grades": grades})


@pytest.fixture(scope="module")
def feb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with slower first responses (a second period)."""
    t = read_table(SAMPLE)
    i = t.column_names.index("first_response_time")
    col = np.round(t.column(i).to_numpy() * 1.1, 1)
    path = tmp_path_factory.mktemp("data") / "feb.parquet"
    pq.write_table(t.set_column(i, "first_response_time", pa.array(col)), path)
    return path


@pytest.fixture
def store(tmp_path: Path, tree, feb: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.duckdb"
    append_period(path, "2026-01", SAMPLE, tree)
    append_period(path, "2026-02", feb, tree)
    return path


def snapshot(path: Path) -> tuple[object, ...]:
    """Everything a reader sees: periods, versions and a checksum of every score row."""
    with HistoryStore.open(path, read_only=True) as hs:
        rows = hs.con.execute(
            "SELECT period, version, count(*), sum(score), sum(rank), "
            "string_agg(grade, ',' ORDER BY entity_id) FROM scores GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        return (
            hs.periods(),
            tuple(e.to_dict().items() for e in hs.entries()),
            tuple(hs.versions()),
            tuple(rows),
        )


def test_periods_parse_order_and_neighbours() -> None:
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2026-q1").label == "2026-Q1"
    assert parse_period("2026-Q1").same_last_year().label == "2025-Q1"
    assert parse_period("2020-W53").same_last_year().label == "2019-W52"
    assert parse_period("2024-02-29").same_last_year().label == "2023-02-28"
    assert parse_period("2026-W01").previous().label == "2025-W52"
    assert sort_periods(["2026-03", "2025-12", "2026-01"]) == ("2025-12", "2026-01", "2026-03")
    for bad in ("2026-13", "26-01", "2026-02-30", "2025-W53", ""):
        with pytest.raises(PeriodError):
            parse_period(bad)
    with pytest.raises(PeriodError, match="mixed"):
        sort_periods(["2026-01", "2026-Q1"])


def test_add_list_panel(store: Path, tree) -> None:  # type: ignore[no-untyped-def]
    with HistoryStore.open(store, read_only=True) as hs:
        assert hs.periods() == ("2026-01", "2026-02")
        assert [e.entities for e in hs.entries()] == [500, 500]
        p = hs.panel(["score", "grade", "segment", "first_response_time", "dim:logistics"])
    assert p.values["score"].shape == (2, 500) and p.versions == ("1.0", "1.0")
    assert p.grade_order == tuple(g.id for g in tree.grades)
    raw = read_table(SAMPLE)
    ids = np.asarray(raw.column("entity_id").to_pylist())
    order = np.argsort(ids)
    np.testing.assert_array_equal(p.entity_ids, ids[order])
    frt = raw.column("first_response_time").to_numpy()[order]
    np.testing.assert_array_equal(p.values["first_response_time"][0], frt)
    assert (p.values["first_response_time"][1] >= frt).all()
    assert set(p.labels["segment"][0]) == set(raw.column("segment").to_pylist())


def _kill_mid_append(store: Path, data: Path, replace: bool) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from evalsys.history.store import HistoryStore
        from evalsys.model.io import load_tree

        def hook(self):
            print("INSIDE", flush=True)
            time.sleep(120)

        HistoryStore._before_commit = hook
        with HistoryStore.open(sys.argv[1]) as hs:
            hs.add_period("2026-02" if {replace} else "2026-03", sys.argv[2],
                          load_tree("ecommerce_service"),
                          replace={replace})
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(store), str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "INSIDE", proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("replace", [False, True])
def test_sigkill_mid_append_leaves_store_unchanged(store: Path, replace: bool) -> None:
    before = snapshot(store)
    _kill_mid_append(store, SAMPLE, replace)
    assert snapshot(store) == before
    with HistoryStore.open(store) as hs:  # still writable, and the append works afterwards
        hs.add_period("2026-03", SAMPLE, load_tree("ecommerce_service"))
        assert hs.periods() == ("2026-01", "2026-02", "2026-03")


def test_first_append_killed_leaves_no_store(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    script = textwrap.dedent(
        """
        import sys, time
        from evalsys.history.store import HistoryStore, append_period
        from evalsys.model.io import load_tree
        def hook(self):
            print("INSIDE", flush=True); time.sleep(120)
        HistoryStore._before_commit = hook
        append_period(sys.argv[1], "2026-01", sys.argv[2], load_tree("ecommerce_service"))
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path), str(SAMPLE)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "INSIDE"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert not path.exists()


def test_error_inside_the_transaction_rolls_back(store: Path, tree, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(store)

    def boom(self: HistoryStore) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(HistoryStore, "_before_commit", boom)
    with HistoryStore.open(store) as hs, pytest.raises(KeyboardInterrupt):
        hs.add_period("2026-02", SAMPLE, tree, replace=True)
    assert snapshot(store) == before


def test_replace(store: Path, tree) -> None:  # type: ignore[no-untyped-def]
    with HistoryStore.open(store) as hs:
        with pytest.raises(StoreError, match=r"already stored.*--replace"):
            hs.add_period("2026-02", SAMPLE, tree)
        old = hs.info("2026-02").mean_score
        hs.add_period("2026-02", SAMPLE, tree, replace=True)
        new = hs.info("2026-02").mean_score
        assert new == hs.info("2026-01").mean_score and new != old
        assert hs.periods() == ("2026-01", "2026-02")


def test_rescore_equals_fresh_scoring(store: Path, tree_v2, feb: Path) -> None:  # type: ignore[no-untyped-def]
    from evalsys.engines.memory import score_entities
    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import indicator_data

    with HistoryStore.open(store) as hs:
        done = hs.rescore(tree=tree_v2)
        assert [(d.period, d.version, d.official) for d in done] == [
            ("2026-01", "2.0", False),
            ("2026-02", "2.0", False),
        ]
        cols = ["score", "rank", "percentile", "validity", "grade", "dim:logistics"]
        p = hs.panel(cols, version="2.0")
        official = hs.panel(["score"])
    assert p.versions == ("2.0", "2.0") and official.versions == ("1.0", "1.0")
    compiled = compile_tree(tree_v2)
    for t, data in enumerate((SAMPLE, feb)):
        res = score_entities(compiled, indicator_data(compiled, read_table(data)))
        order = np.argsort(res.entity_ids)
        assert (p.entity_ids == res.entity_ids[order]).all()
        np.testing.assert_array_equal(p.values["score"][t], res.score[order])
        np.testing.assert_array_equal(p.values["rank"][t], res.rank[order])
        np.testing.assert_array_equal(p.values["percentile"][t], res.percentile[order])
        np.testing.assert_array_equal(p.values["validity"][t], res.validity[order])
        d = res.dimension_ids.index("logistics")
        np.testing.assert_array_equal(p.values["dim:logistics"][t], res.dimension_score[order, d])
        grades = np.array(res.grade_ids)[res.grade][order]
        np.testing.assert_array_equal(p.labels["grade"][t], grades)
    assert not np.array_equal(p.values["score"], official.values["score"])


def test_rescore_from_a_stored_version(store: Path, tree_v2) -> None:  # type: ignore[no-untyped-def]
    with HistoryStore.open(store) as hs:
        hs.add_period("2026-03", SAMPLE, tree_v2)
        done = hs.rescore("2.0")
        assert [d.period for d in done] == ["2026-01", "2026-02"]
        with pytest.raises(VersionError, match=r"unknown rule version 'nope'.*1.0, 2.0"):
            hs.rescore("nope")
        with pytest.raises(VersionError, match=r"no scores under version '1.0'"):
            hs.panel(["score"], version="1.0")


def test_version_label_with_other_rules_is_refused(store: Path, tree_v2) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(store)
    with HistoryStore.open(store) as hs, pytest.raises(VersionError, match="different tree"):
        hs.add_period("2026-03", SAMPLE, tree_v2, version="1.0")
    assert snapshot(store) == before


def test_effective_from_after_the_period(tree_v2) -> None:  # type: ignore[no-untyped-def]
    rv = dataclasses.replace(rule_version(tree_v2), tree_effective_from=dt.date(2026, 4, 1))
    check_effective(rv, parse_period("2026-04"))
    with pytest.raises(VersionError, match="takes effect on 2026-04-01, after period 2026-03"):
        check_effective(rv, parse_period("2026-03"))


def test_tree_effective_from_is_enforced_on_append(store: Path, tree_v2) -> None:  # type: ignore[no-untyped-def]
    later = tree_v2.model_copy(update={"effective_from": dt.date(2026, 4, 1)})
    before = snapshot(store)
    with HistoryStore.open(store) as hs, pytest.raises(VersionError, match="takes effect on"):
        hs.add_period("2026-03", SAMPLE, later)
    assert snapshot(store) == before
    with HistoryStore.open(store) as hs:
        hs.add_period("2026-04", SAMPLE, later)
        assert hs.version("2.0").tree_effective_from == dt.date(2026, 4, 1)
        assert hs.version("2.0").tree().effective_from == dt.date(2026, 4, 1)


def test_bad_periods_leave_the_store_unchanged(store: Path, tree) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(store)
    with HistoryStore.open(store) as hs:
        with pytest.raises(PeriodError, match="older than the newest stored period 2026-02"):
            hs.add_period("2025-12", SAMPLE, tree)
        with pytest.raises(PeriodError, match="is a quarter; this store holds month"):
            hs.add_period("2026-Q2", SAMPLE, tree)
        with pytest.raises(PeriodError, match="not a period label"):
            hs.add_period("March", SAMPLE, tree)
        with pytest.raises(PeriodError, match="not in the store; stored periods: 2026-01, 2026-02"):
            hs.panel(["score"], periods=["2026-05"])
    assert snapshot(store) == before


def test_duplicate_ids_and_foreign_columns(store: Path, tmp_path: Path, tree) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(store)
    t = read_table(SAMPLE)
    dup = tmp_path / "dup.parquet"
    pq.write_table(pa.concat_tables([t, t.slice(3, 1)]), dup)
    agent = load_tree("customer_service_agent")
    with HistoryStore.open(store) as hs:
        with pytest.raises(DataError, match="M0000004"):
            hs.add_period("2026-03", dup, tree)
        with pytest.raises(VersionError, match=r"belong to rule version '1.0'"):
            hs.add_period("2026-03", SAMPLE, agent)
    assert snapshot(store) == before


def test_not_a_store(tmp_path: Path, store: Path) -> None:
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"hello world, not a database" * 10)
    with pytest.raises(StoreError, match="not a DuckDB database file"):
        HistoryStore.open(junk)
    assert junk.read_bytes().startswith(b"hello world")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t (x INT)").close()
    with pytest.raises(StoreError, match="without its tables"):
        HistoryStore.open(other)
    with pytest.raises(StoreError, match="no such history store"):
        HistoryStore.open(tmp_path / "absent.duckdb")
    con = duckdb.connect(str(store))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="schema version 99, written by a newer evalsys"):
        HistoryStore.open(store)


def test_standards_compliance_columns(tmp_path: Path, tree) -> None:  # type: ignore[no-untyped-def]
    from evalsys.analysis.benchmark import check_standards, load_standards
    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import indicator_data

    profile = load_standards("ecommerce_documents", tree)
    path = tmp_path / "s.duckdb"
    append_period(path, "2026-Q1", SAMPLE, tree, profile)
    with HistoryStore.open(path, read_only=True) as hs:
        p = hs.panel(["breach:order_processing_time", "breach:delivery_time"])
        assert hs.info("2026-Q1").version == "1.0+1.0"
    compiled = compile_tree(tree)
    d = indicator_data(compiled, read_table(SAMPLE), passthrough=profile.selector_columns())
    res = check_standards(compiled, d, profile)
    order = np.argsort(res.entity_ids)
    for ind in ("order_processing_time", "delivery_time"):
        i = res.indicator_ids.index(ind)
        want = np.where(res.assessed[:, i], (~res.passed[:, i]).astype(float), np.nan)[order]
        np.testing.assert_array_equal(p.values[f"breach:{ind}"][0], want)
