"""The period view: sections and numbers on the hand-made history, a scored sample history
with drift, escaping, determinism, Markdown/Excel, and a real headless-Chromium load."""

from __future__ import annotations

import re
import subprocess
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_history_alerts import RULES, make_panel

from evalsys.engines.memory import score_entities
from evalsys.errors import DataError
from evalsys.history.alerts import AlertResult, evaluate_alerts
from evalsys.history.panel import Panel
from evalsys.history.rules import rules_from_dict
from evalsys.model.compiled import compile_tree
from evalsys.model.data import indicator_data
from evalsys.model.io import load_tree
from evalsys.model.sample import generate_sample
from evalsys.model.tables import table_from_columns
from evalsys.report import Report, write_html
from evalsys.report.browser import find_chromium, headless_command
from evalsys.report.html import render_html
from evalsys.report.period import (
    PERIOD_SECTIONS,
    build_period_report,
    grade_transitions,
    write_period_report,
)
from evalsys.report.period_charts import grade_shares, period_lines

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def tree() -> Any:
    return load_tree("ecommerce_service")


@pytest.fixture(scope="module")
def hand() -> tuple[Panel, AlertResult]:
    panel = make_panel()
    return panel, evaluate_alerts(
        panel, rules_from_dict(RULES, tree=load_tree("ecommerce_service"))
    )


def _sample_panel(tree: Any, n: int = 60, periods: int = 4) -> Panel:
    """Score the sample generator's merchants for ``periods`` months; merchants 0-9 decline."""
    compiled = compile_tree(tree)
    base = generate_sample(tree, n, seed=11)
    leaves = [leaf.id for leaf in tree.leaves()]
    values: dict[str, list[np.ndarray]] = {}
    grades: list[np.ndarray] = []
    segments: list[np.ndarray] = []
    for t in range(periods):
        cols = {k: np.array(v, copy=True) for k, v in base.items()}
        for leaf in tree.leaves():
            if getattr(leaf, "direction", None) == "cost" and leaf.id in cols:
                cols[leaf.id][:10] = cols[leaf.id][:10] * (1 + 0.4 * t)  # ten merchants decline
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = score_entities(compiled, indicator_data(compiled, table_from_columns(cols)))
        order = np.argsort(res.entity_ids)
        values.setdefault("score", []).append(res.score[order])
        for d, did in enumerate(res.dimension_ids):
            values.setdefault(f"dim:{did}", []).append(res.dimension_score[order, d])
        for leaf_id in leaves:
            if leaf_id in cols:
                values.setdefault(leaf_id, []).append(np.asarray(cols[leaf_id], float)[order])
        assert res.grade is not None
        grades.append(np.asarray(res.grade_names, dtype=np.str_)[res.grade[order]])
        segments.append(np.asarray(cols["segment"], dtype=np.str_)[order])
    return Panel(
        periods=tuple(f"2026-{m + 1:02d}" for m in range(periods)),
        entity_ids=np.sort(np.asarray(base["entity_id"], dtype=np.str_)),
        values={k: np.stack(v) for k, v in values.items()},
        labels={"grade": np.stack(grades), "segment": np.stack(segments)},
        versions=("v1", "v1", "v2", "v2")[:periods],
        grade_order=tuple(g.name for g in tree.grades),
    )


@pytest.fixture(scope="module")
def sampled(tree: Any) -> tuple[Panel, AlertResult, Report]:
    panel = _sample_panel(tree)
    rules = rules_from_dict(
        {
            "rules": [
                {"id": "grade_down", "type": "grade_drop"},
                {"id": "fall", "type": "score_drop", "percent": 3},
                {
                    "id": "gold",
                    "type": "tier",
                    "column": "score",
                    "op": ">=",
                    "value": 80,
                    "lose_after": 2,
                    "regain_after": 2,
                },
                {
                    "id": "slow",
                    "type": "segment_gap",
                    "indicator": "delivery_time",
                    "by": 0.3,
                    "relative": True,
                },
            ]
        },
        tree=tree,
    )
    alerts = evaluate_alerts(panel, rules)
    return panel, alerts, build_period_report(panel, alerts, tree=tree)


def test_sections_and_numbers_on_the_hand_history(hand: tuple[Panel, AlertResult]) -> None:
    panel, alerts = hand
    rep = build_period_report(panel, alerts, title="月度监控")
    assert tuple(s.key for s in rep.sections) == PERIOD_SECTIONS
    periods = rep.section("overview").tables[0]
    # 2026-03: scores 70 80 81 84 60 81 -> mean 76; grades 中 良 良 良 差 良
    row = periods.rows[2]
    assert row[:4] == ("2026-03", "v2", 6, 76.0)
    assert row[5:] == (0.0, 4 / 6, 1 / 6, 1 / 6)
    assert any("v1 → v2" in t for t in rep.section("overview").text)
    m = grade_transitions(panel, "2026-03", "2026-04")
    # a 中->差, b 良->良, c 良->中, d 良->良, e 差->差, f 良->中
    assert m.tolist() == [[0, 0, 0, 0], [0, 2, 2, 0], [0, 0, 0, 1], [0, 0, 0, 1]]
    al = rep.section("alerts")
    assert len(al.tables[0].rows) == len(alerts)
    assert al.tables[0].rows[0][0] == "2026-04"  # newest first
    assert any("Small-sample guard" in t for t in al.text)
    # default entity: the one with most alerts (a)
    ent = rep.section("entity")
    assert ent.title.endswith(": a")
    assert {c.key for c in rep.charts} == {
        "trend_mean",
        "trend_entity",
        "grade_shares",
        "grade_transitions",
        "alert_counts",
        "entity_heat",
    }


def test_entity_standing_is_direction_aware(tree: Any, hand: tuple[Panel, AlertResult]) -> None:
    panel, alerts = hand
    rep = build_period_report(panel, alerts, tree=tree, entity="c")
    raw = {r[0]: r[1:] for r in rep.section("entity").tables[0].rows}
    names = {n.id: n.name for n in tree.nodes}
    assert raw[names["first_response_time"]] == (30.0, 30.0, 30.0, 30.0)
    svg_text = next(c.svg for c in rep.charts if c.key == "entity_heat")
    # c has the slowest reply (cost): better than or equal to 1 of 6 merchants -> 17
    assert ">17<" in svg_text
    with pytest.raises(DataError, match="entity 'zz'"):
        build_period_report(panel, alerts, entity="zz")


def test_sampled_history_report(sampled: tuple[Panel, AlertResult, Report]) -> None:
    panel, alerts, rep = sampled
    assert len(alerts) > 0
    decliners = {a.entity for a in alerts.alerts if a.rule == "fall"}
    assert decliners and decliners <= set(map(str, panel.entity_ids[np.argsort(panel.entity_ids)]))
    means = rep.section("trends").tables[0]
    assert len(means.rows) == 1 + sum(c.startswith("dim:") for c in panel.values)
    html = render_html(rep)
    assert html.count("<svg") == 6
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")


def test_hostile_names_escaped_and_same_bytes(
    tree: Any, hand: tuple[Panel, AlertResult], tmp_path: Path
) -> None:
    panel, alerts = hand
    ids = np.array([HOSTILE, *panel.entity_ids[1:]])  # '<' sorts before letters: still sorted
    bad = Panel(
        periods=panel.periods,
        entity_ids=ids,
        values=panel.values,
        labels=panel.labels,
        versions=panel.versions,
        grade_order=panel.grade_order,
    )
    res = evaluate_alerts(bad, alerts.rules)
    html = render_html(build_period_report(bad, res, tree=tree, entity=HOSTILE))
    assert HOSTILE not in html and "&lt;script&gt;" in html
    a = write_period_report(bad, tmp_path / "a.html", res, tree=tree)
    b = write_period_report(bad, tmp_path / "b.html", res, tree=tree)
    assert a.read_bytes() == b.read_bytes()


def test_markdown_and_excel(hand: tuple[Panel, AlertResult], tmp_path: Path) -> None:
    panel, alerts = hand
    md = write_period_report(panel, tmp_path / "p.md", alerts, charts_dir=tmp_path / "charts")
    assert "预警列表" in md.read_text(encoding="utf-8")
    assert len(list((tmp_path / "charts").glob("*.svg"))) == 6
    xl = write_period_report(panel, tmp_path / "p.xlsx", alerts)
    assert xl.read_bytes()[:2] == b"PK"


def test_without_alerts_or_grades() -> None:
    panel = make_panel()
    bare = Panel(
        periods=panel.periods[:1],
        entity_ids=panel.entity_ids,
        values={"score": panel.values["score"][:1]},
        labels={},
        versions=panel.versions[:1],
        grade_order=(),
    )
    rep = build_period_report(bare)
    assert rep.section("alerts").text == ("No alert rules were given.",)
    assert rep.section("grades").text == ("The history holds no grades.",)
    assert "<svg" in render_html(rep)


def test_charts_draw_gaps_and_shares() -> None:
    s = period_lines(["2026-01", "2026-02", "2026-03"], [("x", [1.0, np.nan, 3.0])])
    assert s.count("<path") == 0 and s.count("<circle") == 2  # a gap: no line through it
    s = period_lines(["2026-01", "2026-02", "2026-03"], [("x", [1.0, 2.0, 3.0])])
    assert s.count("<path") == 1
    g = grade_shares(["p1", "p2"], ["优", "差"], [[3, 1], [0, 0]])
    assert "p1 · 优: 3 (75.0%)" in g and "p2 · 差: 0 (0.0%)" in g


# ----------------------------------------------------------- real browser


def test_period_view_in_headless_chromium(
    sampled: tuple[Panel, AlertResult, Report], tmp_path: Path
) -> None:
    """Load the page in real Chromium: no console message, every chart in the DOM, the
    Chinese section titles as text, and a non-blank screenshot."""
    exe = find_chromium()
    if exe is None:
        pytest.skip("chromium not found: install it (apt-get install chromium fonts-noto-cjk)")
    _, _, rep = sampled
    page = write_html(rep, tmp_path / "period.html").resolve().as_uri()
    run = subprocess.run(
        headless_command(
            exe, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", page
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]
    assert console == []
    dom = run.stdout
    assert dom.count("<svg") == len(rep.charts) == 6
    assert re.findall(r'<section id="([a-z_]+)"', dom) == list(PERIOD_SECTIONS)
    for text in ("维度趋势", "等级迁移", "预警列表", "单体热图"):
        assert text in dom
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        headless_command(
            exe, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1280,2400", page
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
