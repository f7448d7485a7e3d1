"""``evalsys history``: every command with --json, tables, and one-line errors (exit 1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalsys.cli import app
from evalsys.model.io import shipped_path
from evalsys.model.tables import read_table

SAMPLE = str(shipped_path("samples", "ecommerce_merchants.csv"))
runner = CliRunner()


def cli(*args: str) -> str:
    res = runner.invoke(app, ["history", *args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout


def cli_json(*args: str) -> object:
    return json.loads(cli(*args, "--json"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", "history", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
    return proc.stderr


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("h") / "h.duckdb"
    cli("add", str(path), "2026-01", SAMPLE, "--standard", "ecommerce_documents")
    cli("add", str(path), "2026-02", SAMPLE, "--standard", "ecommerce_documents")
    return path


def test_add_list_show(store: Path, tmp_path: Path) -> None:
    listed = cli_json("list", str(store))
    assert [p["period"] for p in listed["periods"]] == ["2026-01", "2026-02"]  # type: ignore[index]
    assert "1.0+1.0" in listed["versions"]  # type: ignore[operator]
    assert "2026-02  1.0+1.0" in cli("list", str(store))
    out = tmp_path / "rows.csv"
    shown = cli_json("show", str(store), "2026-02", "-o", str(out))
    assert shown["entities"] == 500 and sum(shown["grades"].values()) == 500  # type: ignore[index]
    c = shown["compliance"]["order_processing_time"]  # type: ignore[index]
    assert c["share_met"] == pytest.approx(0.656)
    t = read_table(out)
    assert t.num_rows == 500 and {"score", "grade", "raw:first_response_time"} <= set(
        t.column_names
    )


def test_trend_compare(store: Path, tmp_path: Path) -> None:
    tr = cli_json("trend", str(store), "--top", "3")
    assert [p["period"] for p in tr["periods"]] == ["2026-01", "2026-02"]  # type: ignore[index]
    assert tr["movers"]["improved"] == []  # type: ignore[index]  # same data twice
    one = cli_json("trend", str(store), "-e", "M0000001", "--column", "dim:logistics")
    assert [s["change"] for s in one["series"]] == [None, 0.0]  # type: ignore[index]
    by = cli_json("trend", str(store), "--by", "segment")
    assert {r["segment"] for r in by["cohorts"]} >= {"apparel", "beauty"}  # type: ignore[index]
    out = tmp_path / "movers.xlsx"
    cli("trend", str(store), "-o", str(out))
    cmp = cli_json("compare", str(store), "--from", "2026-01", "--to", "2026-02")
    assert cmp["grade_better"] == 0 and cmp["grade_worse"] == 0  # type: ignore[index]
    assert cmp["entities_in_both"] == 500  # type: ignore[index]
    assert "from / to" in cli("compare", str(store))


def test_rescore_and_version_compare(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "r.duckdb"
    cli("add", str(path), "2026-Q1", SAMPLE)
    doc = yaml.safe_load(shipped_path("ecommerce_service.yaml").read_text(encoding="utf-8"))
    doc["version"] = "2.0"
    doc["grades"] = [
        {"id": "excellent", "name": "优", "score": 95},
        {"id": "good", "name": "良", "score": 82},
        {"id": "fair", "name": "中", "score": 70},
        {"id": "poor", "name": "差", "score": 55},
    ]
    v2 = tmp_path / "v2.yaml"
    v2.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    done = cli_json("rescore", str(path), "--tree", str(v2))
    assert [(d["period"], d["version"]) for d in done["rescored"]] == [("2026-Q1", "2.0")]  # type: ignore[index]
    cmp = cli_json("compare", str(path), "--period", "2026-Q1", "--version", "2.0")
    assert cmp["mean_change"] < 0 and cmp["entities_in_both"] == 500  # type: ignore[index,operator]
    assert "rescored under 2.0" in cli("list", str(path))
    tr = cli_json("trend", str(path), "--version", "2.0")
    assert tr["periods"][0]["version"] == "2.0"  # type: ignore[index]


def test_demo(tmp_path: Path) -> None:
    out = cli_json("demo", str(tmp_path / "demo"), "-n", "200")
    assert Path(out["store"]).exists() and Path(out["report"]).exists()  # type: ignore[index]
    listed = cli_json("list", out["store"])  # type: ignore[index]
    official = [p for p in listed["periods"] if p["official"]]  # type: ignore[index]
    assert [p["version"] for p in official] == ["1.0+1.0"] * 3 + ["2.0+1.0"] * 3
    assert sum(not p["official"] for p in listed["periods"]) == 3  # type: ignore[index]


def test_errors_are_one_line(store: Path, tmp_path: Path) -> None:
    before = store.read_bytes()
    assert "already stored" in one_line_error(run("add", str(store), "2026-02", SAMPLE))
    assert "older than" in one_line_error(run("add", str(store), "2025-05", SAMPLE))
    assert "not a period label" in one_line_error(run("add", str(store), "May", SAMPLE))
    assert "not in the store" in one_line_error(run("show", str(store), "2027-01"))
    assert "unknown column 'nope'" in one_line_error(run("trend", str(store), "--column", "nope"))
    assert "unknown rule version" in one_line_error(run("rescore", str(store), "--version", "9"))
    assert store.read_bytes() == before
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a store at all, just text\n" * 4)
    assert "not a history store" in one_line_error(run("list", str(junk)))
    assert "no such history store" in one_line_error(run("list", str(tmp_path / "none.db")))
