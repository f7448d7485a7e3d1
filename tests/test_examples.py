"""Every study under ``examples/`` runs exactly as its README says and gives the numbers it
states.

Each ``examples/<name>/README.md`` holds

* the commands, in fenced ``sh`` blocks, run from the example folder: every line is one
  ``evalsys …`` command (``#`` starts a comment, a trailing ``\\`` continues the line,
  ``> FILE`` saves the printed output);
* a table of expected numbers with the columns ``quantity | expected | tolerance | source |
  output | field``: ``output`` names a file the commands write (JSON or CSV) and ``field``
  a path into it — ``/``-separated keys, list positions, or ``[key=value]`` to pick the one
  row or list item whose ``key`` is ``value``; a last step ``a,b,c`` reads several keys at
  once.  ``expected`` is a number, several numbers separated by commas, or a backticked
  string; ``tolerance`` is the largest absolute difference allowed, or ``exact``.

The test copies the folder to a temporary directory, runs the commands there as
``python -m evalsys …`` (so the installed interpreter, not whatever ``evalsys`` is on the
PATH) and compares.  Nothing is parsed twice: the README is the single source.
"""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "examples"
EXAMPLES = sorted(p for p in EXAMPLES_DIR.iterdir() if (p / "README.md").is_file())
TABLE_HEADER = ["quantity", "expected", "tolerance", "source", "output", "field"]


# --------------------------------------------------------------------------- README parsing


def sh_commands(readme: str) -> list[str]:
    """The command lines of every fenced ``sh`` block, in order (continuations joined)."""
    commands: list[str] = []
    for block in re.findall(r"^```sh[ \t]*\n(.*?)^```", readme, flags=re.M | re.S):
        pending = ""
        for raw in block.splitlines():
            line = pending + raw.strip()
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            pending = ""
            if line and not line.startswith("#"):
                commands.append(line)
        assert not pending, f"sh block ends with a continuation: {pending!r}"
    return commands


@dataclass(frozen=True)
class Expected:
    quantity: str
    expected: str
    tolerance: str
    source: str
    output: str
    field: str


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _unquote(cell: str) -> str:
    cell = cell.strip()
    return cell[1:-1] if len(cell) >= 2 and cell[0] == cell[-1] == "`" else cell


def expected_numbers(readme: str) -> list[Expected]:
    """The rows of every expected-numbers table of the README."""
    rows: list[Expected] = []
    lines = readme.splitlines()
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("|"):
            continue
        if [c.lower() for c in _cells(line)] != TABLE_HEADER:
            continue
        for row in lines[i + 2 :]:
            if not row.lstrip().startswith("|"):
                break
            cells = _cells(row)
            assert len(cells) == len(TABLE_HEADER), f"malformed row: {row!r}"
            q, e, t, s, o, f = cells
            rows.append(Expected(q, e, t, s, _unquote(o), _unquote(f)))
    return rows


# --------------------------------------------------------------------------- running


def run_command(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one README command line in ``cwd``: ``evalsys ARGS [> FILE]``."""
    argv = shlex.split(line, comments=True)
    out_file = None
    if ">" in argv:
        k = argv.index(">")
        assert k == len(argv) - 2, f"only a trailing '> FILE' is supported: {line!r}"
        out_file = argv[k + 1]
        argv = argv[:k]
    assert argv and argv[0] == "evalsys", f"an example command must start with evalsys: {line!r}"
    proc = subprocess.run(
        [sys.executable, "-m", "evalsys", *argv[1:]],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert proc.returncode == 0, f"{line!r} exited {proc.returncode}:\n{proc.stderr}"
    if out_file is not None:
        (cwd / out_file).write_text(proc.stdout, encoding="utf-8")
    return proc


def load_output(path: Path) -> Any:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    raise AssertionError(f"expected numbers can be read from .json or .csv only: {path.name}")


def _pick(obj: Any, step: str, where: str) -> Any:
    if step.startswith("[") and step.endswith("]"):
        key, sep, value = step[1:-1].partition("=")
        if not sep:
            return obj[int(key)]
        hits = [x for x in obj if isinstance(x, dict) and str(x.get(key)) == value]
        assert len(hits) == 1, f"{where}: {len(hits)} items with {key} = {value}"
        return hits[0]
    if isinstance(obj, list):
        return obj[int(step)]
    if "," in step:
        return [obj[k] for k in step.split(",")]
    assert step in obj, f"{where}: no key {step!r} (keys: {sorted(obj)[:20]})"
    return obj[step]


def resolve(obj: Any, field: str) -> Any:
    for step in field.split("/"):
        obj = _pick(obj, step, field)
    return obj


def check(row: Expected, actual: Any) -> None:
    label = f"{row.quantity} ({row.output}: {row.field})"
    exp = row.expected
    if exp.startswith("`"):
        assert row.tolerance == "exact", f"{label}: a string needs tolerance 'exact'"
        assert str(actual) == _unquote(exp), f"{label}: got {actual!r}, README says {exp}"
        return
    numbers = [float(x) for x in exp.strip("()").split(",")]
    got = actual if isinstance(actual, list) else [actual]
    assert len(got) == len(numbers), f"{label}: {len(got)} values, README states {len(numbers)}"
    tol = 0.0 if row.tolerance == "exact" else float(row.tolerance)
    for g, e in zip(got, numbers, strict=True):
        assert abs(float(g) - e) <= tol, f"{label}: got {g}, README says {e} ± {tol}"


# --------------------------------------------------------------------------- tests


def test_there_are_at_least_five_examples() -> None:
    assert len(EXAMPLES) >= 5, [p.name for p in EXAMPLES]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_readme_states_question_commands_and_numbers(example: Path) -> None:
    readme = (example / "README.md").read_text(encoding="utf-8")
    assert "## Question" in readme
    assert "from this folder" in readme.lower() or "from the example folder" in readme.lower()
    assert sh_commands(readme), "no ```sh block"
    rows = expected_numbers(readme)
    assert len(rows) >= 3, "fewer than three expected numbers"
    written = " ".join(sh_commands(readme))
    for row in rows:
        assert row.source, f"{row.quantity}: no source"
        assert row.output in written or (example / row.output).is_file(), (
            f"{row.quantity}: no command writes {row.output}"
        )


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_gives_the_stated_numbers(example: Path, tmp_path: Path) -> None:
    work = tmp_path / example.name
    shutil.copytree(example, work)
    readme = (example / "README.md").read_text(encoding="utf-8")
    for line in sh_commands(readme):
        run_command(line, work)
    outputs: dict[str, Any] = {}
    for row in expected_numbers(readme):
        if row.output not in outputs:
            outputs[row.output] = load_output(work / row.output)
        check(row, resolve(outputs[row.output], row.field))
    for listing in work.glob("paper*.json"):
        written = json.loads(listing.read_text(encoding="utf-8"))["files"]
        assert written, f"{listing.name}: evalsys paper wrote no file"
        for name in written:
            assert (work / name).is_file() and (work / name).stat().st_size > 0, name


def test_main_readme_lists_every_example() -> None:
    main = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Examples" in main
    section = main.split("## Examples", 1)[1].split("\n## ", 1)[0]
    for example in EXAMPLES:
        assert f"examples/{example.name}" in section, example.name


def test_customer_service_example_tree_is_the_shipped_tree_with_team_judgments() -> None:
    """Example 05 copies the shipped tree; only the version and the root's judgments differ,
    so the example cannot drift from the tree it claims to use."""
    import evalsys as es

    shipped = es.load_tree("customer_service_agent").model_dump()
    example = es.load_tree(
        EXAMPLES_DIR / "05_customer_service_agents" / "customer_service_agent.yaml"
    ).model_dump()
    assert example.pop("version") != shipped.pop("version")
    ex_nodes, sh_nodes = example.pop("nodes"), shipped.pop("nodes")
    assert example == shipped
    assert [n["id"] for n in ex_nodes] == [n["id"] for n in sh_nodes]
    assert ex_nodes[0]["weights"]["experts"] and sh_nodes[0]["weights"]["matrix"]
    for a, b in zip(ex_nodes[1:], sh_nodes[1:], strict=True):
        assert a == b
    assert {k: v for k, v in ex_nodes[0].items() if k != "weights"} == {
        k: v for k, v in sh_nodes[0].items() if k != "weights"
    }


def test_survey_example_files_agree() -> None:
    """Example 02: ``e5_matrix.csv`` holds e5's row of ``survey.csv`` as a matrix, and
    ``survey_repaired.csv`` differs from ``survey.csv`` in e5's one corrected judgment."""
    import numpy as np

    from evalsys.weights.ahp import parse_matrix

    folder = EXAMPLES_DIR / "02_group_ahp_survey"

    def answers(name: str) -> dict[str, dict[str, str]]:
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            return {r["expert"]: r for r in csv.DictReader(fh)}

    survey, repaired = answers("survey.csv"), answers("survey_repaired.csv")
    changed = [(e, k) for e in survey for k in survey[e] if survey[e][k] != repaired[e][k]]
    assert changed == [("e5_customer_rep", "service_quality:customer_service~tech_support")]
    assert sum(v == "" for v in survey["e4_risk_incomplete"].values()) == 4
    with (folder / "e5_matrix.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    labels = rows[0][1:]
    assert [r[0] for r in rows[1:]] == labels
    m = np.asarray(parse_matrix([r[1:] for r in rows[1:]]))
    for i, a in enumerate(labels):
        for j, b in enumerate(labels):
            if i < j:
                v = parse_matrix([[survey["e5_customer_rep"][f"service_quality:{a}~{b}"]]])
                assert m[i, j] == v[0, 0] and m[j, i] == 1.0 / v[0, 0], (a, b)
