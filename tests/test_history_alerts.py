"""Alert rules on a small hand-made history with known answers, and rule-file errors.

The panel (4 months, 6 merchants; segments big = a, b, c and small = d, e, f)::

    score      a 90 88 70 69   b 80 80 80 80   c 85 83 81 79
               d 75 82 84 85   e  - 60 60 60   f 81 79 81 79
    grade      a 优 良 中 差   b 良 良 良 良   c 良 良 良 中
               d 中 良 良 良   e  - 差 差 差   f 良 中 良 中
    breach:refund_review_time (orders)
               a 1 1 1 1       b 1 0 1 1       c 1 1 1 1 (orders 100 10 100 100)
               d - - - -       e 0 0 0 0       f 1 - 1 1
    first_response_time: a 10, b 12, c 30, d 20, e 20 (100 in 2026-04 on 2 chats), f 20
    versions v1 v1 v2 v2

Every expected alert below was worked out by hand from these numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from evalsys.errors import DataError
from evalsys.history.alerts import AlertResult, evaluate_alerts
from evalsys.history.errors import PeriodError
from evalsys.history.panel import Panel
from evalsys.history.rules import AlertRuleError, AlertRules, load_rules, rules_from_dict
from evalsys.model.io import load_tree

N = np.nan
PERIODS = ("2026-01", "2026-02", "2026-03", "2026-04")
IDS = np.array(["a", "b", "c", "d", "e", "f"])


def _cols(*rows: list[float]) -> np.ndarray:
    """Entity rows (one list per entity) -> (n_periods, n_entities)."""
    return np.array(rows, dtype=np.float64).T.copy()


def _labels(*rows: str) -> np.ndarray:
    return np.array([r.split() for r in rows]).T.copy()


def make_panel() -> Panel:
    values = {
        "score": _cols(
            [90, 88, 70, 69],
            [80, 80, 80, 80],
            [85, 83, 81, 79],
            [75, 82, 84, 85],
            [N, 60, 60, 60],
            [81, 79, 81, 79],
        ),
        "breach:refund_review_time": _cols(
            [1, 1, 1, 1], [1, 0, 1, 1], [1, 1, 1, 1], [N, N, N, N], [0, 0, 0, 0], [1, N, 1, 1]
        ),
        "refund_review_time": _cols(
            [30, 31, 32, 33],
            [30, 20, 30, 30],
            [40, 40, 40, 40],
            [N, N, N, N],
            [10, 10, 10, 10],
            [30, N, 30, 30],
        ),
        "refund_orders": _cols(
            [100] * 4, [100] * 4, [100, 10, 100, 100], [100] * 4, [100] * 4, [100] * 4
        ),
        "first_response_time": _cols(
            [10] * 4, [12] * 4, [30] * 4, [20] * 4, [20, 20, 20, 100], [20] * 4
        ),
        "chats": _cols([50] * 4, [50] * 4, [50] * 4, [50] * 4, [50, 50, 50, 2], [50] * 4),
    }
    labels = {
        "grade": _labels(
            "优 良 中 差", "良 良 良 良", "良 良 良 中", "中 良 良 良", "- 差 差 差", "良 中 良 中"
        ),
        "segment": _labels(*(["big big big big"] * 3 + ["small small small small"] * 3)),
    }
    labels["grade"][labels["grade"] == "-"] = ""
    return Panel(
        periods=PERIODS,
        entity_ids=IDS,
        values=values,
        labels=labels,
        versions=("v1", "v1", "v2", "v2"),
        grade_order=("优", "良", "中", "差"),
    )


RULES: dict[str, Any] = {
    "schema_version": 1,
    "rules": [
        {"id": "grade_down", "type": "grade_drop"},
        {
            "id": "refund_slow",
            "type": "standard_breach",
            "indicator": "refund_review_time",
            "periods": 2,
            "min_count": {"column": "refund_orders", "at_least": 30},
        },
        {
            "id": "slow_reply",
            "type": "segment_gap",
            "indicator": "first_response_time",
            "by": 0.5,
            "relative": True,
            "min_peers": 2,
            "min_count": {"column": "chats", "at_least": 5},
        },
        {"id": "score_fall", "type": "score_drop", "percent": 10},
        {
            "id": "gold",
            "type": "tier",
            "column": "score",
            "op": ">=",
            "value": 80,
            "lose_after": 2,
            "regain_after": 2,
        },
        {"id": "gold_risk", "type": "projection", "tier": "gold", "window": 3},
        {"id": "score_trend", "type": "projection", "column": "score", "op": ">=", "value": 80},
    ],
}


@pytest.fixture(scope="module")
def result() -> AlertResult:
    rules = rules_from_dict(RULES, tree=load_tree("ecommerce_service"))
    return evaluate_alerts(make_panel(), rules)


def _hits(res: AlertResult, rule: str) -> list[tuple[str, str, str]]:
    return [(a.period, a.entity, a.kind) for a in res.alerts if a.rule == rule]


def test_grade_drop(result: AlertResult) -> None:
    assert _hits(result, "grade_down") == [
        ("2026-02", "a", "grade_drop"),
        ("2026-02", "f", "grade_drop"),
        ("2026-03", "a", "grade_drop"),
        ("2026-04", "a", "grade_drop"),
        ("2026-04", "c", "grade_drop"),
        ("2026-04", "f", "grade_drop"),
    ]
    a = next(x for x in result.alerts if x.rule == "grade_down" and x.period == "2026-04")
    assert a.values == {"grade": "差", "previous_grade": "中", "steps": 1.0}
    assert a.evidence == ("2026-03", "2026-04") and a.evidence_values == (70.0, 69.0)
    assert "中 → 差" in a.message


def test_standard_breach_in_a_row_with_small_sample_guard(result: AlertResult) -> None:
    assert _hits(result, "refund_slow") == [
        ("2026-02", "a", "standard_breach"),
        ("2026-03", "a", "standard_breach"),
        ("2026-04", "a", "standard_breach"),
        ("2026-04", "b", "standard_breach"),
        ("2026-04", "c", "standard_breach"),  # 2026-02 had 10 orders: the run restarts
        ("2026-04", "f", "standard_breach"),  # 2026-02 not measured: the run restarts
    ]
    assert result.suppressed["refund_slow"] == 2  # c in 2026-02 and 2026-03
    a = [x for x in result.alerts if x.rule == "refund_slow" and x.entity == "a"][-1]
    assert a.values["consecutive"] == 4.0 and a.values["value"] == 33.0
    assert a.evidence == ("2026-03", "2026-04") and a.evidence_values == (32.0, 33.0)


def test_segment_gap(result: AlertResult) -> None:
    hits = [x for x in result.alerts if x.rule == "slow_reply"]
    assert [(x.period, x.entity) for x in hits] == [(p, "c") for p in PERIODS]
    assert hits[0].values == {
        "value": 30.0,
        "median": 12.0,
        "gap": 18.0,
        "segment": "big",
        "peers": 3.0,
    }
    # e (100 s on 2 chats) is worse than the small median of d, f (20) but guarded
    assert result.suppressed["slow_reply"] == 1
    assert "big" in hits[0].message and "50%" in hits[0].message


def test_score_drop(result: AlertResult) -> None:
    (a,) = [x for x in result.alerts if x.rule == "score_fall"]
    assert (a.period, a.entity) == ("2026-03", "a")
    assert a.values["previous"] == 88.0 and a.values["value"] == 70.0
    assert a.values["change_pct"] == pytest.approx(-18 / 88 * 100)
    assert a.evidence == ("2026-02", "2026-03")
    assert "[scored under rule versions v1 → v2]" in a.message  # evidence spans the change


def test_tier_hysteresis(result: AlertResult) -> None:
    assert _hits(result, "gold") == [
        ("2026-02", "d", "tier_recovering"),
        ("2026-02", "f", "tier_warning"),
        ("2026-03", "a", "tier_warning"),
        ("2026-03", "d", "tier_regained"),
        ("2026-04", "a", "tier_lost"),
        ("2026-04", "c", "tier_warning"),
        ("2026-04", "f", "tier_warning"),
    ]
    lost = next(x for x in result.alerts if x.kind == "tier_lost")
    assert lost.evidence == ("2026-03", "2026-04") and lost.evidence_values == (70.0, 69.0)
    assert lost.severity == "warning" and lost.values["held"] == 0.0
    regained = next(x for x in result.alerts if x.kind == "tier_regained")
    assert regained.severity == "info" and regained.evidence == ("2026-02", "2026-03")
    track = result.tiers["gold"]
    assert track.held[:, 0].tolist() == [True, True, True, False]
    assert track.held[:, 4].tolist() == [False] * 4  # e: first measured period fails


def test_projections(result: AlertResult) -> None:
    assert _hits(result, "gold_risk") == [
        ("2026-03", "a", "projected_tier_loss"),  # 90 88 70 -> 62.7, already 1 fail of 2
        ("2026-04", "c", "projected_tier_loss"),  # 83 81 79 -> 77
        ("2026-04", "f", "projected_tier_loss"),  # 79 81 79 -> 79.67
    ]
    a = next(x for x in result.alerts if x.rule == "gold_risk")
    assert a.values["slope"] == -10.0
    assert a.values["projected"] == pytest.approx(248 / 3 - 20)
    assert a.evidence == ("2026-01", "2026-02", "2026-03")
    assert _hits(result, "score_trend") == [("2026-03", "c", "projected_breach")]


def test_period_filter_keeps_history() -> None:
    rules = rules_from_dict(RULES, tree=load_tree("ecommerce_service"))
    res = evaluate_alerts(make_panel(), rules, periods=["2026-04"])
    assert {a.period for a in res.alerts} == {"2026-04"}
    assert ("2026-04", "b", "standard_breach") in _hits(res, "refund_slow")  # run from 2026-03
    assert res.periods == ("2026-04",)
    assert res.counts()["score_fall"] == 0
    with pytest.raises(PeriodError, match="2026-05"):
        evaluate_alerts(make_panel(), rules, periods=["2026-05"])


def test_json_and_columns(result: AlertResult) -> None:
    text = json.dumps(result.to_dicts(), ensure_ascii=False, allow_nan=False)
    assert '"entity": "a"' in text
    cols = result.to_columns()
    assert len(cols["entity_id"]) == len(result)
    assert set(cols) >= {"period", "entity_id", "rule", "kind", "message", "evidence", "values"}


def test_missing_column_is_a_clear_error() -> None:
    rules = AlertRules.model_validate(
        {"rules": [{"id": "x", "type": "score_drop", "column": "dim:logistics", "percent": 5}]}
    )
    with pytest.raises(DataError, match="reads column 'dim:logistics'"):
        evaluate_alerts(make_panel(), rules)


# ----------------------------------------------------------------- rule files


def _write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_load_rules_and_fill_direction(tmp_path: Path) -> None:
    p = _write(tmp_path, yaml.safe_dump(RULES, allow_unicode=True))
    rules = load_rules(p, load_tree("ecommerce_service"))
    gap = rules.rule("slow_reply")
    assert getattr(gap, "better", None) == "lower"  # first_response_time is a cost
    assert rules.columns[:3] == ("grade", "breach:refund_review_time", "refund_review_time")
    assert "chats" in rules.columns and "refund_orders" in rules.columns
    assert load_rules(p).rule("slow_reply").better is None  # type: ignore[union-attr]


BAD = [
    (
        "rules:\n  - id: r1\n    type: standard_breach\n    indicator: refund_time\n",
        4,
        "unknown indicator 'refund_time'",
    ),
    ("rules:\n  - id: r1\n    type: grade_drop\n    step: 2\n", 4, "unknown field 'step'"),
    ("rules:\n  - id: r1\n    type: alarm\n", 2, "unknown rule type 'alarm'"),
    (
        "rules:\n  - {id: r1, type: grade_drop}\n  - {id: r1, type: grade_drop}\n",
        3,
        "rule id 'r1' is used twice",
    ),
    (
        "rules:\n  - id: p\n    type: projection\n    tier: gold\n",
        4,
        "tier 'gold' is not a tier rule",
    ),
    ("rules:\n  - {id: t, type: tier, column: dim:nope, op: '>=', value: 1}\n", 2, "column"),
    ("rules:\n  - {id: p, type: projection, column: score}\n", 2, "needs 'tier'"),
    ("rules:\n  - id: r1\n    type: [grade_drop\n", 4, "malformed YAML"),
    ("rules: []\n", 1, "rules"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_rule_file_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    p = _write(tmp_path, text)
    with pytest.raises(AlertRuleError) as err:
        load_rules(p, load_tree("ecommerce_service"))
    assert message in str(err.value)
    assert err.value.file == str(p)
    assert err.value.line == line, str(err.value)


def test_empty_and_non_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(AlertRuleError, match="file is empty"):
        load_rules(_write(tmp_path, "  \n"))
    with pytest.raises(AlertRuleError, match="must be a mapping"):
        load_rules(_write(tmp_path, "- 1\n- 2\n"))
    with pytest.raises(AlertRuleError, match=r"no such|cannot read"):
        load_rules(tmp_path / "missing.yaml")
    p = _write(tmp_path, '{"rules": [{"id": "g", "type": "grade_drop", "id": "h"}]}', "r.json")
    with pytest.raises(AlertRuleError, match="duplicate key 'id'"):
        load_rules(p)


# ------------------------------------------------- from a store, through the CLI


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 3-month history store of 40 sample merchants; merchants 0-5 slow down."""
    import warnings

    from evalsys.analysis.benchmark import load_standards
    from evalsys.history.store import append_period
    from evalsys.model.sample import generate_sample
    from evalsys.model.tables import table_from_columns, write_table

    tree = load_tree("ecommerce_service")
    std = load_standards("ecommerce_documents", tree)
    base = generate_sample(tree, 40, seed=5)
    out = tmp_path_factory.mktemp("store")
    path = out / "history.duckdb"
    for t in range(3):
        cols = {k: np.array(v, copy=True) for k, v in base.items()}
        for leaf in tree.leaves():
            if getattr(leaf, "direction", None) == "cost":
                cols[leaf.id][:6] = cols[leaf.id][:6] * (1 + 0.5 * t)
        data = out / f"m{t}.parquet"
        write_table(table_from_columns(cols), data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            append_period(path, f"2026-0{t + 1}", data, tree, std)
    return path


def _invoke(*args: str) -> Any:
    import typer
    from typer.testing import CliRunner

    from evalsys.cli.history_alerts import alerts_cmd, report_cmd

    app = typer.Typer()
    app.command("alerts")(alerts_cmd)
    app.command("report")(report_cmd)
    return CliRunner().invoke(app, list(args))


def test_alerts_cmd_on_a_store(store: Path, tmp_path: Path) -> None:
    rules = _write(
        tmp_path,
        "rules:\n  - {id: grade_down, type: grade_drop}\n"
        "  - {id: refund_slow, type: standard_breach, indicator: refund_review_time, periods: 2}\n",
    )
    run = _invoke("alerts", str(store), str(rules), "--json", "-o", str(tmp_path / "a.csv"))
    assert run.exit_code == 0, run.output
    out = json.loads(run.output)
    assert out["periods"] == ["2026-03"]
    assert {a["period"] for a in out["alerts"]} == {"2026-03"}
    assert out["counts"]["refund_slow"] > 0  # the slowed-down merchants breach in a row
    assert (tmp_path / "a.csv").read_text(encoding="utf-8").startswith('"period","entity_id"')
    run = _invoke("alerts", str(store), str(rules), "--all", "--json")
    assert json.loads(run.output)["periods"] == ["2026-01", "2026-02", "2026-03"]
    run = _invoke("alerts", str(store), str(rules), "--limit", "3")
    assert run.exit_code == 0 and "alerts" in run.output


def test_alerts_cmd_errors(store: Path, tmp_path: Path) -> None:
    from evalsys.errors import EvalsysError

    bad = _write(tmp_path, "rules:\n  - {id: x, type: standard_breach, indicator: nope}\n")
    run = _invoke("alerts", str(store), str(bad))
    assert isinstance(run.exception, AlertRuleError)
    assert f"{bad}:2: rule 'x': unknown indicator 'nope'" in str(run.exception)
    good = _write(tmp_path, "rules:\n  - {id: g, type: grade_drop}\n", "good.yaml")
    run = _invoke("alerts", str(store), str(good), "-p", "2026-07")
    assert isinstance(run.exception, PeriodError)
    run = _invoke("alerts", str(good), str(good))  # a rule file is not a store
    assert isinstance(run.exception, EvalsysError) and "not a history store" in str(run.exception)
    run = _invoke("alerts", str(store), str(good), "-p", "2026-01", "--all")
    assert run.exit_code == 2


def test_report_cmd_on_a_store(store: Path, tmp_path: Path) -> None:
    rules = _write(
        tmp_path,
        "rules:\n  - {id: g, type: grade_drop}\n  - {id: f, type: score_drop, percent: 2}\n",
    )
    page = tmp_path / "period.html"
    run = _invoke("report", str(store), "-o", str(page), "--rules", str(rules), "--json")
    assert run.exit_code == 0, run.output
    out = json.loads(run.output)
    assert out["periods"] == ["2026-01", "2026-02", "2026-03"] and out["entities"] == 40
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == len(out["charts"]) == 6 and "<script" not in html
    run = _invoke("report", str(store), "-o", str(tmp_path / "p.pdf"))
    assert run.exit_code == 2
