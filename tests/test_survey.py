"""Expert surveys in, judgment matrices out: evalsys.weights.survey, survey_group, survey_write
and ``evalsys survey`` (layouts, scales, screening, the new tree, every bad-input message)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalsys.errors import DataError, MatrixError, UnknownMethodError
from evalsys.model.compiled import compile_tree
from evalsys.model.io import dump_tree, load_tree, shipped_path, tree_from_dict
from evalsys.model.tree import TreeSpec
from evalsys.weights.hierarchy import tree_weights
from evalsys.weights.survey import format_judgment, parse_answers, read_survey, scale_value
from evalsys.weights.survey_group import expert_matrices, survey_weights
from evalsys.weights.survey_write import apply_survey, survey_columns, write_survey_tree

TIDY = shipped_path("samples", "ecommerce_survey.csv")
WIDE = shipped_path("samples", "ecommerce_survey_wide.csv")
ECOM = load_tree("ecommerce_service")
ROOT = "ecommerce_service"

# Saaty (2004), choosing a city, criteria level (tests/test_group.py, README AHP 1):
# eigenvector 0.152, 0.433, 0.072, 0.305, 0.038, CR 0.0503 (RI 1.12); row geometric mean
# 0.1526, 0.4228, 0.0723, 0.3147, 0.0376.
CRITERIA = ["culture", "family", "housing", "jobs", "transportation"]
CITY = [
    [1, 1 / 5, 3, 1 / 2, 5],
    [5, 1, 7, 1, 7],
    [1 / 3, 1 / 7, 1, 1 / 4, 3],
    [2, 1, 4, 1, 7],
    [1 / 5, 1 / 7, 1 / 3, 1 / 7, 1],
]
CITY_EIGEN = [0.152, 0.433, 0.072, 0.305, 0.038]
CITY_RGM = [0.1526, 0.4228, 0.0723, 0.3147, 0.0376]
SAATY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1 / 2, 1.0, 2.0, 3.0, 4.0, 5.0, 7.0, 9.0]


def _city_tree(method: str = "eigenvector") -> TreeSpec:
    text = [[format_judgment(float(x)) for x in row] for row in CITY]
    root = {
        "id": "city",
        "name": "Choosing a city",
        "kind": "dimension",
        "weights": {"type": "pairwise", "method": method, "matrix": text},
    }
    leaves = [
        {"id": c, "name": c, "parent": "city", "kind": "quantitative", "unit": "score"}
        | {"direction": "benefit"}
        for c in CRITERIA
    ]
    return tree_from_dict({"id": "city", "name": "Choosing a city", "nodes": [root, *leaves]})


def _perturbed_city() -> np.ndarray:
    """The city matrix with culture vs transportation reversed (1/9): CR ≈ 0.50."""
    a = np.array(CITY, dtype=float)
    a[0, 4], a[4, 0] = 1 / 9, 9.0
    return a


def _tidy_rows(rows: list[tuple[Any, ...]]) -> dict[str, list[Any]]:
    return {k: [r[i] for r in rows] for i, k in enumerate(("expert", "node", "a", "b", "value"))}


def _write_csv(path: Path, cols: dict[str, list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        w.writerows(zip(*cols.values(), strict=True))
    return path


def _random_matrix(rng: np.random.Generator, n: int) -> np.ndarray:
    a = np.ones((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a[i, j] = SAATY[int(rng.integers(len(SAATY)))]
            a[j, i] = 1.0 / a[i, j]
    return a


def _complete_city_rows(experts: dict[str, Any]) -> list[tuple[Any, ...]]:
    rows = []
    for name, m in experts.items():
        for i in range(5):
            for j in range(i + 1, 5):
                rows.append((name, "city", CRITERIA[i], CRITERIA[j], format_judgment(m[i][j])))
    return rows


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("layout", ["tidy", "wide"])
@pytest.mark.parametrize("scale", ["saaty", "symmetric"])
def test_round_trip_matrices_survey_matrices_is_exact(
    tmp_path: Path, layout: str, scale: str
) -> None:
    """Matrices → survey file (CSV) → matrices, bit for bit, on every node of the shipped tree."""
    rng = np.random.default_rng(7)
    dims = [n.id for n in ECOM.nodes if n.kind == "dimension"]
    mats = {
        d: {e: _random_matrix(rng, len(ECOM.children(d))) for e in ("E1", "E2", "E10")}
        for d in dims
    }
    path = _write_csv(tmp_path / "s.csv", survey_columns(ECOM, mats, layout=layout, scale=scale))
    answers = read_survey(path, ECOM, layout="auto", scale=scale)
    assert answers.layout == layout
    got = {em.node: em for em in expert_matrices(answers, ECOM)}
    assert list(got) == dims
    for d in dims:
        assert got[d].experts == ("E1", "E2", "E10")  # natural order
        for k, e in enumerate(got[d].experts):
            np.testing.assert_array_equal(got[d].matrices[k], mats[d][e])


def test_sample_surveys_tidy_and_wide_give_the_same_tree(tmp_path: Path) -> None:
    """The shipped sample: 5 experts on all six dimensions; E5 is inconsistent at the root and
    in logistics, and is screened out there at cr_max = 0.1."""
    tidy = apply_survey(ROOT, TIDY, tmp_path / "t.yaml", cr_max=0.1)
    wide = apply_survey(ROOT, WIDE, tmp_path / "w.yaml", cr_max=0.1)
    assert tidy.answers.layout == "tidy" and wide.answers.layout == "wide"
    for a, b in zip(tidy.tree.nodes, wide.tree.nodes, strict=True):
        if a.kind == "dimension":
            assert a.weights.model_copy(update={"source": None}) == b.weights.model_copy(
                update={"source": None}
            )
        else:
            assert a == b
    assert tidy.answers.experts == ("E1", "E2", "E3", "E4", "E5")
    assert len(tidy.nodes) == 6
    flagged = {(r["node"], r["expert"]) for r in tidy.cr_rows() if r["flagged"]}
    assert flagged == {(ROOT, "E5"), ("logistics", "E5")}
    assert tidy.node(ROOT).screened_out == ("E5",)
    assert tidy.node(ROOT).retained == ("E1", "E2", "E3", "E4")
    assert tidy.node("after_sales").screened_out == ()
    assert all(n.consistent for n in tidy.nodes)
    spec = tidy.tree.node(ROOT).weights
    assert spec.type == "pairwise" and spec.experts is not None
    assert [e.name for e in spec.experts] == ["E1", "E2", "E3", "E4"]
    assert "screened out at CR >= 0.1: E5" in (spec.source or "")


def test_new_tree_gives_the_reported_weights_under_evalsys_weights(tmp_path: Path) -> None:
    out = tmp_path / "new.yaml"
    res = apply_survey(ROOT, TIDY, out, cr_max=0.1)
    tw = tree_weights(compile_tree(load_tree(out)))
    for ns in res.nodes:
        nw = tw.node(ns.node)
        np.testing.assert_array_equal(nw.weights, ns.weights)
        assert nw.cr == ns.group_cr and nw.consistent == ns.consistent
        assert nw.details["experts"] == list(ns.retained)
        np.testing.assert_array_equal(
            nw.details["expert_cr"], [ns.expert_cr[ns.experts.index(e)] for e in ns.retained]
        )
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Written by `evalsys survey`")
    assert "- [1, " in text  # matrix rows on one line
    js = tmp_path / "new.json"
    write_survey_tree(res, js)
    assert load_tree(js) == load_tree(out)


def test_unjudged_nodes_and_node_settings_are_kept(tmp_path: Path) -> None:
    """Only the judged node changes; method / ri / threshold of its pairwise spec are kept."""
    cols = _tidy_rows(_complete_city_rows({"A": CITY, "B": CITY, "C": CITY}))
    res = survey_weights(_city_tree("geometric_mean"), parse_answers(cols, _city_tree()))
    ns = res.node("city")
    assert ns.method == "geometric_mean"
    np.testing.assert_allclose(ns.weights, CITY_RGM, atol=5e-5)
    t = compile_tree(tree_from_dict(json.loads(dump_tree(res.tree, "json"))))
    np.testing.assert_array_equal(tree_weights(t).node("city").weights, ns.weights)
    r2 = survey_weights(ECOM, parse_answers(_survey_cols_root(), ECOM))
    assert [n.node for n in r2.nodes] == [ROOT]
    assert r2.tree.node("logistics") == ECOM.node("logistics")


def _survey_cols_root() -> dict[str, list[Any]]:
    rng = np.random.default_rng(3)
    return survey_columns(ECOM, {ROOT: {"X": _random_matrix(rng, 5)}})


# ----------------------------------------------------------------------------- published case


def test_saaty_city_case_through_the_survey_path(tmp_path: Path) -> None:
    """Saaty (2004) city example as a survey of three identical experts (the group reference
    of tests/test_group.py): eigenvector weights to 3 decimals, every expert's CR 0.0503; a
    fourth expert with the reversed judgment (CR ≈ 0.50) is screened out at cr_max = 0.1 and
    the group equals the published priorities again."""
    tree = _city_tree()
    experts = {"A": CITY, "B": CITY, "C": CITY, "P": _perturbed_city().tolist()}
    path = _write_csv(tmp_path / "city.csv", _tidy_rows(_complete_city_rows(experts)))
    res = survey_weights(tree, read_survey(path, tree), cr_max=0.1)
    ns = res.node("city")
    np.testing.assert_allclose(ns.weights, CITY_EIGEN, atol=5e-4)
    np.testing.assert_allclose(ns.expert_cr[:3], 0.0503, atol=5e-5)
    assert ns.expert_cr[3] > 0.4
    assert ns.screened_out == ("P",) and ns.flagged == ("P",)
    assert ns.group_cr == pytest.approx(0.0503, abs=5e-5)
    no_screen = survey_weights(tree, read_survey(path, tree))
    assert no_screen.node("city").screened_out == ()
    assert not np.allclose(no_screen.node("city").weights, CITY_EIGEN, atol=5e-4)


# ----------------------------------------------------------------------------- scales


def test_scales() -> None:
    assert scale_value(3.0, "saaty") == 3.0
    assert scale_value(1 / 3, "saaty") == 1 / 3
    assert scale_value(0.111, "saaty") == 0.111  # printed 1/9
    assert scale_value(5.0, "symmetric") == 5.0
    assert scale_value(-5.0, "symmetric") == 1 / 5
    assert {scale_value(x, "symmetric") for x in (0.0, 1.0, -1.0)} == {1.0}
    assert format_judgment(1 / 7, "symmetric") == -7 and format_judgment(2.5) == 2.5
    tree = _city_tree()
    saaty = _tidy_rows([("A", "city", "culture", "family", "1/5")])
    symmetric = _tidy_rows([("A", "city", "culture", "family", -5)])
    swapped = _tidy_rows([("A", "city", "family", "culture", 5)])
    got = [
        parse_answers(c, tree, scale=s).answers[0].value
        for c, s in ((saaty, "saaty"), (symmetric, "symmetric"), (swapped, "saaty"))
    ]
    assert got == [0.2, 0.2, 0.2]
    with pytest.raises(UnknownMethodError, match="unknown survey scale 'likert'; valid: saaty"):
        parse_answers(saaty, tree, scale="likert")
    with pytest.raises(UnknownMethodError, match="unknown survey layout"):
        parse_answers(saaty, tree, layout="long")


# ----------------------------------------------------------------------------- bad input


def _error(cols: dict[str, list[Any]], *, layout: str = "auto", scale: str = "saaty") -> str:
    """The message of the DataError that reading and weighting the survey ``cols`` raises."""
    tree = _city_tree()
    with pytest.raises(DataError) as info:
        answers = parse_answers(cols, tree, layout=layout, scale=scale, file="s.csv")
        survey_weights(tree, answers)
    return str(info.value)


def test_missing_pair_is_an_error_naming_expert_node_and_pair() -> None:
    rows = _complete_city_rows({"A": CITY, "B": CITY})
    del rows[3]  # A: culture~transportation
    msg = _error(_tidy_rows(rows))
    assert msg.startswith("s.csv: node 'city': expert 'A': did not answer pair ")
    assert "culture~transportation (no row answers it)" in msg and "--allow-incomplete" in msg
    blank = _complete_city_rows({"A": CITY})
    blank[6] = (*blank[6][:4], "")  # row 8 of the file: family~transportation
    msg = _error(_tidy_rows(blank))
    assert msg == (
        "s.csv: node 'city': column 'value': row 8, expert 'A': did not answer pair "
        "family~transportation (the cell is blank); answer every pair, or allow incomplete "
        "matrices (--allow-incomplete)"
    )
    wide = survey_columns(_city_tree(), {"city": {"A": CITY, "B": CITY}}, layout="wide")
    wide["city:housing~jobs"][1] = None
    msg = _error(wide)
    assert msg.startswith(
        "s.csv: node 'city': column 'city:housing~jobs': row 3, expert 'B': did not answer "
        "pair housing~jobs (the cell is blank)"
    )


def test_missing_pairs_allowed_make_an_incomplete_matrix(tmp_path: Path) -> None:
    tree = _city_tree()
    rows = _complete_city_rows({"A": CITY, "B": CITY})
    del rows[3]
    res = survey_weights(tree, parse_answers(_tidy_rows(rows), tree), allow_incomplete=True)
    ns = res.node("city")
    assert ns.missing == (1, 0)
    assert np.isnan(ns.matrices[0, 0, 4]) and not np.isnan(ns.completed[0]).any()
    spec = res.tree.node("city").weights
    assert spec.experts is not None and spec.experts[0].judgments is not None
    assert len(spec.experts[0].judgments) == 9 and spec.experts[1].matrix is not None
    out = tmp_path / "t.yaml"
    write_survey_tree(res, out)
    np.testing.assert_array_equal(
        tree_weights(compile_tree(load_tree(out))).node("city").weights, ns.weights
    )
    lonely = [r for r in _complete_city_rows({"A": CITY}) if "transportation" not in r[2:4]]
    with pytest.raises(MatrixError, match=r"node 'city': expert 'A': judgment graph is not conn"):
        survey_weights(tree, parse_answers(_tidy_rows(lonely), tree), allow_incomplete=True)


def test_value_off_the_scale() -> None:
    rows = _complete_city_rows({"A": CITY})
    rows[2] = (*rows[2][:4], "11")
    assert _error(_tidy_rows(rows)) == (
        "s.csv: node 'city': column 'value': row 4, expert 'A': pair culture~jobs: '11' is "
        "off the Saaty scale 1/9 … 9 (a reciprocal such as 1/3 means b over a)"
    )
    rows[2] = (*rows[2][:4], -3)
    assert "negative values belong to the symmetric scale" in _error(_tidy_rows(rows))
    rows[2] = (*rows[2][:4], "abc")
    assert "row 4, expert 'A': pair culture~jobs: 'abc' is not a number" in _error(_tidy_rows(rows))
    msg = _error(_tidy_rows([("A", "city", "culture", "jobs", "1/3")]), scale="symmetric")
    assert "'1/3' is off the symmetric scale -9 … 9" in msg and "fractions belong" in msg
    wide = survey_columns(_city_tree(), {"city": {"A": CITY}}, layout="wide")
    wide["city:family~jobs"][0] = "12"
    assert _error(wide).startswith(
        "s.csv: node 'city': column 'city:family~jobs': row 2, expert 'A': pair "
        "city:family~jobs: '12' is off the Saaty scale"
    )


def test_expert_who_answered_twice() -> None:
    rows = _complete_city_rows({"A": CITY, "B": CITY})
    rows.append(("A", "city", "jobs", "culture", "2"))  # row 22, the pair of row 4 reversed
    assert _error(_tidy_rows(rows)) == (
        "s.csv: node 'city': column 'value': row 22, expert 'A': answered pair culture~jobs "
        "twice (rows 4 and 22); keep one answer per expert and pair"
    )
    wide = survey_columns(_city_tree(), {"city": {"A": CITY, "B": CITY}}, layout="wide")
    wide = {k: [*v, v[0]] for k, v in wide.items()}  # expert A submitted the form again
    assert _error(wide).startswith(
        "s.csv: node 'city': column 'city:culture~family': row 4, expert 'A': answered pair "
        "culture~family twice (rows 2 and 4)"
    )
    dup = dict(survey_columns(_city_tree(), {"city": {"A": CITY}}, layout="wide"))
    dup["city:family~culture"] = ["5"]
    assert "columns 'city:culture~family' and 'city:family~culture' ask the same pair" in (
        _error(dup)
    )


def test_unknown_nodes_children_and_columns() -> None:
    one = [("A", "city", "culture", "family", "3")]
    assert _error(_tidy_rows([("A", "town", "culture", "family", "3")])) == (
        "s.csv: node 'town': column 'node': row 2, expert 'A': 'town' is not a node of tree "
        "'city' (dimensions: city)"
    )
    assert "'jobs' is an indicator, not a dimension" in _error(
        _tidy_rows([("A", "jobs", "culture", "family", "3")])
    )
    assert _error(_tidy_rows([("A", "city", "culture", "sport", "3")])) == (
        "s.csv: node 'city': column 'b': row 2, expert 'A': 'sport' is not a child of node "
        "'city' (children: culture, family, housing, jobs, transportation)"
    )
    assert "compares 'jobs' with itself" in _error(_tidy_rows([("A", "city", "jobs", "jobs", "1")]))
    assert "column 'expert' is blank" in _error(_tidy_rows([("", *one[0][1:])]))
    no_value = {k: v for k, v in _tidy_rows(one).items() if k != "value"}
    assert "missing: value" in _error(no_value, layout="tidy")
    assert "cannot tell the survey layout" in _error({"who": ["A"], "q1": ["3"]})
    assert "a wide survey needs a column naming the expert ('expert'" in _error(
        {"name": ["A"], "city:culture~family": ["3"]}
    )
    assert "a pair column is named 'node:a~b'" in _error({"expert": ["A"], "city:culture": ["3"]})
    wide = {"expert": ["A"], "time": ["9:00"], "city:culture~family": ["3"]}
    assert "header (row 1): 'sport' is not a child" in _error({**wide, "city:culture~sport": [1]})
    tree = _city_tree()
    assert parse_answers(wide, tree).ignored_columns == ("time",)


# ----------------------------------------------------------------------------- properties


@st.composite
def _survey(draw: st.DrawFn) -> tuple[dict[str, list[float]], list[tuple[Any, ...]]]:
    k = draw(st.integers(1, 4))
    experts = {
        f"E{e}": draw(st.lists(st.sampled_from(SAATY), min_size=10, max_size=10))
        for e in range(1, k + 1)
    }
    rows = []
    pairs = [(i, j) for i in range(5) for j in range(i + 1, 5)]
    for name, values in experts.items():
        for (i, j), v in zip(pairs, values, strict=True):
            rows.append((name, "city", CRITERIA[i], CRITERIA[j], format_judgment(v)))
    return experts, rows


@settings(max_examples=40, deadline=None)
@given(
    _survey(), st.randoms(use_true_random=False), st.lists(st.booleans(), min_size=40, max_size=40)
)
def test_any_row_order_and_pair_orientation_gives_the_same_tree(
    data: tuple[dict[str, list[float]], list[tuple[Any, ...]]], rnd: Any, flips: list[bool]
) -> None:
    """Shuffling the rows, or asking a pair as b~a with the reciprocal value, changes nothing;
    every expert matrix is reciprocal with a unit diagonal."""
    tree = _city_tree()
    _, rows = data
    base = survey_weights(tree, parse_answers(_tidy_rows(rows), tree))
    changed = []
    for r, flip in zip(rows, flips, strict=False):
        if flip:
            v = 1.0 / float(parse_answers(_tidy_rows([r]), tree).answers[0].value or 1.0)
            r = (r[0], r[1], r[3], r[2], format_judgment(v))
        changed.append(r)
    rnd.shuffle(changed)
    other = survey_weights(tree, parse_answers(_tidy_rows(changed), tree))
    assert dump_tree(other.tree) == dump_tree(base.tree)
    m = base.node("city").matrices
    np.testing.assert_array_equal(np.diagonal(m, axis1=1, axis2=2), 1.0)
    np.testing.assert_allclose(m * np.swapaxes(m, 1, 2), 1.0, rtol=1e-15)


# ----------------------------------------------------------------------------- CLI


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", *args], capture_output=True, text=True, check=False
    )


def test_cli_survey(tmp_path: Path) -> None:
    out = tmp_path / "new.yaml"
    proc = run("survey", ROOT, str(TIDY), "-o", str(out), "--cr-max", "0.1", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["experts"] == ["E1", "E2", "E3", "E4", "E5"] and data["output"] == str(out)
    assert {(r["node"], r["expert"]) for r in data["cr"] if r["screened_out"]} == {
        (ROOT, "E5"),
        ("logistics", "E5"),
    }
    weights = json.loads(run("weights", str(out), "--json").stdout)
    root = next(n for n in weights["nodes"] if n["node"] == ROOT)
    assert root["weights"] == data["nodes"][0]["weights"]
    text = run("survey", ROOT, str(WIDE), "-o", str(tmp_path / "w.yaml")).stdout
    assert "CR per node and expert (wide survey, saaty scale)" in text
    assert "0.1561 ✗" in text and "--cr-max" in text and "wrote" in text


def test_cli_bad_input_and_never_overwrites(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    rows = _complete_city_rows({"A": CITY})
    rows[0] = ("A", ROOT, "logistics", "customer_service", "10")
    _write_csv(bad, _tidy_rows(rows[:1]))
    proc = run("survey", ROOT, str(bad), "-o", str(tmp_path / "o.yaml"))
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {bad}: node '{ROOT}': column 'value': row 2, expert 'A'")
    before = bad.read_bytes()
    assert run("survey", ROOT, str(bad), "-o", str(bad)).returncode == 2
    assert bad.read_bytes() == before
    with pytest.raises(DataError, match=r"a tree file is \.yaml, \.yml or \.json"):
        apply_survey(ROOT, TIDY, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_excel_and_parquet_surveys(tmp_path: Path, suffix: str) -> None:
    """Excel cells mixing numbers and fraction text; Parquet with a float value column."""
    cols = survey_columns(_city_tree(), {"city": {"A": CITY, "B": _perturbed_city()}})
    path = tmp_path / f"s{suffix}"
    if suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(list(cols))
        for row in zip(*cols.values(), strict=True):
            ws.append([*row[:4], row[4] if "/" in row[4] else int(row[4])])
        wb.save(path)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        values = [float(Fraction(x)) for x in cols["value"]]
        pq.write_table(pa.table({**cols, "value": values}), path)
    ems = expert_matrices(read_survey(path, _city_tree()), _city_tree())
    np.testing.assert_array_equal(ems[0].matrices[0], CITY)
    np.testing.assert_array_equal(ems[0].matrices[1], _perturbed_city())


def test_a_spreadsheet_date_is_named() -> None:
    import datetime

    cols = _tidy_rows([("A", "city", "culture", "family", datetime.date(2026, 1, 3))])
    assert "2026-01-03 is a date: the spreadsheet turned a fraction" in _error(cols)


def test_expert_weights_are_written_and_used(tmp_path: Path) -> None:
    tree = _city_tree()
    rows = _complete_city_rows({"A": CITY, "B": _perturbed_city().tolist()})
    answers = parse_answers(_tidy_rows(rows), tree)
    res = survey_weights(tree, answers, expert_weights={"A": 3.0}, aggregation="aip")
    spec = res.tree.node("city").weights
    assert spec.experts is not None and [e.weight for e in spec.experts] == [3.0, 1.0]
    assert spec.aggregation == "aip_geometric" and res.node("city").group_cr is None
    out = write_survey_tree(res, tmp_path / "w.yaml")
    nw = tree_weights(compile_tree(load_tree(out))).node("city")
    np.testing.assert_array_equal(nw.weights, res.node("city").weights)
    assert nw.consistent is res.node("city").consistent is False  # B's CR ≈ 0.50
    with pytest.raises(DataError, match="expert weights name experts not in the survey: Z"):
        survey_weights(tree, answers, expert_weights={"Z": 1.0})
    with pytest.raises(DataError, match="cr_max must be a positive number"):
        survey_weights(tree, answers, cr_max=0.0)
    with pytest.raises(MatrixError, match=r"node 'city': all 2 experts fail"):
        survey_weights(tree, answers, cr_max=0.01)
