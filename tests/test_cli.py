"""The command line, run as a real process: outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evalsys.cli import app
from evalsys.model.io import shipped_path
from evalsys.model.tables import read_table

SAMPLE = shipped_path("samples", "ecommerce_merchants.csv")
CITY_CSV = """,culture,family,housing,jobs,transportation
culture,1,1/5,3,1/2,5
family,5,1,7,1,7
housing,1/3,1/7,1,1/4,3
jobs,2,1,4,1,7
transportation,1/5,1/7,1/3,1/7,1
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", *args], capture_output=True, text=True, check=False
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ")
    assert proc.stderr.count("\n") == 1
    return proc.stderr


def test_every_command_has_help() -> None:
    import typer.main

    group = typer.main.get_group(app)
    names = sorted(group.commands)
    assert {
        "validate",
        "schema",
        "sample-data",
        "weights",
        "ahp",
        "group",
        "ri-simulate",
        "score",
        "demo",
    } <= set(names)
    for name in names:
        assert group.commands[name].help, name
        proc = run(name, "--help")
        assert proc.returncode == 0 and "Usage:" in proc.stdout, name


def test_usage_error_exit_code_2() -> None:
    assert run("score").returncode == 2
    assert run("no-such-command").returncode == 2


def test_ahp_reproduces_saaty_city_case(tmp_path: Path) -> None:
    """Saaty (2004) city example (shared/reference AHP 1), read from a labelled CSV."""
    path = tmp_path / "city.csv"
    path.write_text(CITY_CSV, encoding="utf-8")
    out = json.loads(run("ahp", str(path), "--json").stdout)
    assert out["criteria"][1] == "family"
    np.testing.assert_allclose(out["weights"], [0.152, 0.433, 0.072, 0.305, 0.038], atol=1.5e-3)
    assert out["cr"] == pytest.approx(0.0503, abs=5e-4)
    assert out["ri_table"] == "saaty1980" and out["consistent"] is True
    text = run("ahp", str(path)).stdout
    assert "CR = 0.050" in text and "consistent" in text


def test_ahp_diagnoses_and_suggests_repair(tmp_path: Path) -> None:
    """A consistent matrix with one judgment reversed: the diagnosis names that judgment."""
    w = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
    a = w[:, None] / w[None, :]
    a[0, 3], a[3, 0] = 1 / 5, 5  # should be 10/3: reversed
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"criteria": list("ABCDE"), "matrix": a.tolist()}))
    out = json.loads(run("ahp", str(path), "--json", "--ri", "saaty2005").stdout)
    assert out["consistent"] is False and out["ri_table"] == "saaty2005"
    assert (out["diagnosis"][0]["row"], out["diagnosis"][0]["col"]) == ("A", "D")
    change = out["repair"]["changes"][0]
    assert (change["row"], change["col"]) == ("A", "D") and change["new"] > 1
    assert out["repair"]["consistent"] is True


def test_ahp_bad_matrix_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("1,3\n3,1\n")
    assert "reciprocal" in one_line_error(run("ahp", str(path)))
    path.write_text("1,3\n1/3,1\n")
    assert "valid names" in one_line_error(run("ahp", str(path), "--method", "magic"))


def test_group_command(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    a.write_text(CITY_CSV, encoding="utf-8")
    b.write_text(CITY_CSV, encoding="utf-8")
    out = json.loads(run("group", str(a), str(b), "--json").stdout)
    np.testing.assert_allclose(out["weights"], [0.152, 0.433, 0.072, 0.305, 0.038], atol=1.5e-3)
    assert out["kendall_w"] == pytest.approx(1.0)


def test_ri_simulate_is_reproducible() -> None:
    a = json.loads(run("ri-simulate", "5", "--samples", "20000", "--seed", "3", "--json").stdout)
    b = json.loads(run("ri-simulate", "5", "--samples", "20000", "--seed", "3", "--json").stdout)
    assert a == b
    assert a["ri"] == pytest.approx(1.11, abs=0.02)  # Saaty 2005 / Alonso–Lamata: 1.11


@pytest.mark.parametrize("ext", ["csv", "parquet", "json", "xlsx"])
def test_score_writes_by_extension(tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"scores.{ext}"
    proc = run("score", "ecommerce_service", str(SAMPLE), "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["entities"] == 500 and sum(summary["grades"].values()) == 500
    table = read_table(out)
    assert table.num_rows == 500
    assert {
        "entity_id",
        "score",
        "grade",
        "grade_name",
        "validity",
        "rank",
        "dim.logistics",
    } <= set(table.column_names)
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file left behind"


@pytest.mark.parametrize("method", ["weighted_sum", "topsis", "grey"])
def test_score_other_methods(tmp_path: Path, method: str) -> None:
    out = tmp_path / "s.parquet"
    proc = run("score", "ecommerce_service", str(SAMPLE), "-o", str(out), "--method", method)
    assert proc.returncode == 0, proc.stderr
    scores = np.asarray(read_table(out).column("score"))
    assert ((scores >= 0) & (scores <= 1)).all()


def test_score_with_memberships_and_contributions(tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    proc = run(
        "score",
        "ecommerce_service",
        str(SAMPLE),
        "-o",
        str(out),
        "--operator",
        "min_max",
        "--memberships",
        "--contributions",
    )
    assert proc.returncode == 0, proc.stderr
    cols = read_table(out).column_names
    assert "B.excellent" in cols and "contrib.logistics" in cols
    assert "contrib.delivery_time" in cols


def test_score_never_overwrites_input(tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_bytes(SAMPLE.read_bytes())
    proc = run("score", "ecommerce_service", str(data), "-o", str(data))
    assert proc.returncode == 2
    assert data.read_bytes() == SAMPLE.read_bytes()


def test_score_bad_data_is_one_line(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index('"delivery_time"')
    row = lines[3].split(",")
    row[col] = "-4"
    lines[3] = ",".join(row)
    data = tmp_path / "bad.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = one_line_error(
        run("score", "ecommerce_service", str(data), "-o", str(tmp_path / "o.csv"))
    )
    assert "column 'delivery_time'" in err and "negative durations" in err and "(rows 3)" in err
    assert not (tmp_path / "o.csv").exists()
    err = one_line_error(
        run(
            "score",
            "ecommerce_service",
            str(SAMPLE),
            "-o",
            str(tmp_path / "o.csv"),
            "--operator",
            "max_min",
        )
    )
    assert "unknown fuzzy operator 'max_min'; valid names: min_max" in err


def test_demo_prints_grades_and_merchants() -> None:
    proc = run("demo")
    assert proc.returncode == 0, proc.stderr
    assert "Top and bottom merchants" in proc.stdout
    assert "weakest dimension" in proc.stdout
    out = json.loads(run("demo", "--json").stdout)
    assert out["entities"] == 500 and len(out["top"]) == 5


def test_every_public_name_resolves() -> None:
    import evalsys as es

    for name in es.__all__:
        assert getattr(es, name) is not None, name


def test_ahp_csv_with_named_corner_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(
        b"\xef\xbb\xbf" + CITY_CSV.replace(",culture", "criterion,culture", 1).encode()
    )
    out = json.loads(run("ahp", str(path), "--json").stdout)
    assert out["criteria"] == ["culture", "family", "housing", "jobs", "transportation"]
    bad = tmp_path / "bad.csv"
    bad.write_text("1,abc\n1,1\n")
    assert "abc" in one_line_error(run("ahp", str(bad)))


def test_ahp_unreadable_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(b"\xff\xfe\x00bad")
    assert "UTF-8" in one_line_error(run("ahp", str(path)))
    assert "not a file" in one_line_error(run("ahp", str(tmp_path)))


def test_score_output_problems_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "d.csv").mkdir()
    assert "directory" in one_line_error(
        run("score", "ecommerce_service", str(SAMPLE), "-o", str(tmp_path / "d.csv"))
    )
    assert "unsupported file type '.txt'" in one_line_error(
        run("score", "ecommerce_service", str(SAMPLE), "-o", str(tmp_path / "o.txt"))
    )


def test_duplicate_and_blank_columns_are_errors(tmp_path: Path) -> None:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    dup = tmp_path / "dup.csv"
    dup.write_text(lines[0] + ',"delivery_time"\n' + "\n".join(l + ",1" for l in lines[1:]))
    assert "column name repeated: delivery_time" in one_line_error(
        run("score", "ecommerce_service", str(dup), "-o", str(tmp_path / "o.csv"))
    )


def test_excel_input_with_text_cell_names_the_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    table = read_table(SAMPLE)
    wb = Workbook()
    ws = wb.active
    ws.append(table.column_names)
    for k, row in enumerate(zip(*(c.to_pylist() for c in table.columns), strict=True)):
        row = list(row)
        if k == 4:
            row[table.column_names.index("delivery_time")] = "fast"
        ws.append(row)
    path = tmp_path / "m.xlsx"
    wb.save(path)
    err = one_line_error(
        run("score", "ecommerce_service", str(path), "-o", str(tmp_path / "o.csv"))
    )
    assert "column 'delivery_time'" in err and "'fast'" in err and "(rows 5)" in err
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    assert "not a readable .xlsx" in one_line_error(
        run("score", "ecommerce_service", str(fake), "-o", str(tmp_path / "o.csv"))
    )


def test_jsonl_output_is_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    proc = run("score", "ecommerce_service", str(SAMPLE), "-o", str(out), "--operator", "min_max")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 500 and rows[0]["entity_id"] == "M0000001"
