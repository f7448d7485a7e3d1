"""The period view of a history: trends, grade transitions, alerts and one entity's heat map.

:func:`build_period_report` turns a :class:`~evalsys.history.panel.Panel` (and optionally an
:class:`~evalsys.history.alerts.AlertResult` and the tree, for names and directions) into the
same :class:`~evalsys.report.Report` object the single-period report uses, so it is written
by the same writers: one self-contained HTML file (inline SVG, no script, no network),
Markdown or Excel (:func:`write_period_report` chooses by extension).

Sections: ``overview`` (periods, versions, entities, mean score and grade shares per period),
``trends`` (mean score per dimension per period, and the chosen entity's), ``grades`` (grade
shares per period and the transition matrix between the last two periods), ``alerts`` (counts
per rule and the alert list, newest first) and ``entity`` (heat map indicator × period of
one entity: its standing among all entities of the period, 100 = best; raw values in a
table).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from evalsys.errors import DataError
from evalsys.report import Chart, Report, Section, Table, write_report
from evalsys.report.charts.bars import hbar_chart
from evalsys.report.charts.profiles import heat_map
from evalsys.report.period_charts import grade_shares, period_lines, transition_matrix

if TYPE_CHECKING:
    from evalsys.history.alerts import Alert, AlertResult
    from evalsys.history.panel import Panel
    from evalsys.model.tree import TreeSpec

__all__ = [
    "PERIOD_SECTIONS",
    "build_period_report",
    "grade_transitions",
    "write_period_report",
    "write_store_report",
]

FloatArray = npt.NDArray[np.float64]
Cell = str | int | float | bool | None
PERIOD_SECTIONS = ("overview", "trends", "grades", "alerts", "entity")
_SPECIAL = frozenset({"score", "rank", "percentile"})


def grade_transitions(panel: Panel, start: str, end: str) -> npt.NDArray[np.int64]:
    """Entities per (grade in ``start``, grade in ``end``), grades in ``grade_order``.

    Entities without a grade in either period are left out.
    """
    from evalsys.history.trends import transitions

    n = len(panel.grade_order)
    return transitions(panel, start, end).counts[:n, :n]


def _names(tree: TreeSpec | None) -> dict[str, str]:
    return {n.id: n.name for n in tree.nodes} if tree is not None else {}


def _column_label(col: str, names: Mapping[str, str]) -> str:
    if col == "score":
        return "总分 score"
    base = col[4:] if col.startswith("dim:") else col
    return names.get(base, base)


def _nanmean(x: FloatArray) -> FloatArray:
    n = np.isfinite(x).sum(axis=1)
    total = np.where(np.isfinite(x), x, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _overview(panel: Panel, alerts: AlertResult | None) -> Section:
    score = panel.values.get("score")
    grade_cols = list(panel.grade_order) if "grade" in panel.labels else []
    rows: list[tuple[Cell, ...]] = []
    for t, p in enumerate(panel.periods):
        s = score[t] if score is not None else np.full(panel.n_entities, np.nan)
        fin = s[np.isfinite(s)]
        shares: list[Cell] = []
        if grade_cols:
            g = panel.labels["grade"][t]
            graded = max(int(np.count_nonzero(g != "")), 1)
            shares = [float(np.count_nonzero(g == name)) / graded for name in grade_cols]
        rows.append(
            (
                p,
                panel.versions[t],
                int(fin.size),
                float(fin.mean()) if fin.size else None,
                float(np.median(fin)) if fin.size else None,
                *shares,
            )
        )
    n_g = len(grade_cols)
    table = Table(
        key="periods",
        title="各期概况 Periods",
        columns=(
            "period",
            "rule version",
            "entities scored",
            "mean score",
            "median score",
            *(f"share {g}" for g in grade_cols),
        ),
        rows=tuple(rows),
        formats=("", "", "0", "0.00", "0.00") + ("0.0%",) * n_g,
    )
    versions = list(dict.fromkeys(panel.versions))
    text = [
        f"{panel.n_periods} periods ({panel.periods[0]} … {panel.periods[-1]}), "
        f"{panel.n_entities} entities, rule version(s) {', '.join(versions)}."
    ]
    if len(versions) > 1:
        changes = [
            f"{panel.periods[t]} ({panel.versions[t - 1]} → {panel.versions[t]})"
            for t in range(1, panel.n_periods)
            if panel.versions[t] != panel.versions[t - 1]
        ]
        text.append("Rules changed in " + "; ".join(changes) + ": compare across it with care.")
    if alerts is not None:
        text.append(f"{len(alerts)} alert(s) in {', '.join(alerts.periods) or 'no period'}.")
    return Section("overview", "概况 Overview", tuple(text), (), (table,))


def _trends(panel: Panel, names: Mapping[str, str], entity: int | None) -> Section:
    dims = sorted(c for c in panel.values if c.startswith("dim:"))
    cols = [c for c in ("score", *dims) if c in panel.values]
    if not cols:
        return Section("trends", "维度趋势 Trends", ("The history holds no scores.",))
    means = {c: _nanmean(np.asarray(panel.values[c], dtype=np.float64)) for c in cols}
    charts = [
        Chart(
            "trend_mean",
            "Mean score per dimension",
            period_lines(
                panel.periods,
                [(_column_label(c, names), means[c]) for c in cols],
                title="各维度平均得分 Mean score per dimension",
                y_label="score",
            ),
            "Mean over the entities scored in each period.",
        )
    ]
    if entity is not None:
        eid = str(panel.entity_ids[entity])
        charts.append(
            Chart(
                "trend_entity",
                f"Scores of {eid}",
                period_lines(
                    panel.periods,
                    [(_column_label(c, names), panel.values[c][:, entity]) for c in cols],
                    title=f"{eid} 各维度得分",
                    y_label="score",
                ),
            )
        )
    table = Table(
        key="trend_means",
        title="平均得分 Mean scores",
        columns=("dimension", *panel.periods),
        rows=tuple((_column_label(c, names), *map(float, means[c])) for c in cols),
        formats=("",) + ("0.00",) * panel.n_periods,
    )
    return Section("trends", "维度趋势 Trends", (), tuple(charts), (table,))


def _grades(panel: Panel) -> Section:
    title = "等级变化 Grades"
    if "grade" not in panel.labels or not panel.grade_order:
        return Section("grades", title, ("The history holds no grades.",))
    grades = list(panel.grade_order)
    g = panel.labels["grade"]
    counts = np.stack([(g == name).sum(axis=1) for name in grades], axis=1)
    charts = [
        Chart(
            "grade_shares",
            "Grades per period",
            grade_shares(panel.periods, grades, counts, title="各期等级分布 Grades per period"),
        )
    ]
    tables: list[Table] = []
    if panel.n_periods >= 2:
        a, b = panel.periods[-2], panel.periods[-1]
        m = grade_transitions(panel, a, b)
        charts.append(
            Chart(
                "grade_transitions",
                f"Grade transitions {a} → {b}",
                transition_matrix(a, b, grades, m, title=f"等级迁移 Grade transitions {a} → {b}"),
                f"Rows: grade in {a}; columns: grade in {b}; each cell the count and the share "
                "of its row.",
            )
        )
        tables.append(
            Table(
                key="transitions",
                title=f"等级迁移矩阵 {a} → {b}",
                columns=(f"{a} \\ {b}", *grades),
                rows=tuple((grades[i], *map(int, m[i])) for i in range(len(grades))),
                formats=("",) + ("0",) * len(grades),
            )
        )
    return Section("grades", title, (), tuple(charts), tuple(tables))


def _alert_rows(alerts: Sequence[Alert]) -> tuple[tuple[Cell, ...], ...]:
    return tuple(
        (a.period, a.entity, a.rule, a.kind, a.severity, a.message, " ".join(a.evidence))
        for a in alerts
    )


_ALERT_COLUMNS = ("period", "entity", "rule", "kind", "severity", "message", "evidence")


def _alerts(alerts: AlertResult | None, max_rows: int) -> Section:
    title = "预警 Alerts"
    if alerts is None:
        return Section("alerts", title, ("No alert rules were given.",))
    labels = {r.id: r.label for r in alerts.rules.rules}
    counts = alerts.counts()
    charts = (
        Chart(
            "alert_counts",
            "Alerts per rule",
            hbar_chart(
                [labels[k] for k in counts],
                [float(v) for v in counts.values()],
                title="各规则预警数 Alerts per rule",
                value_fmt="{:.0f}",
            ),
        ),
    )
    newest = sorted(alerts.alerts, key=lambda a: a.period, reverse=True)  # stable: rule order
    shown = newest[:max_rows]
    note = f"The {max_rows} newest of {len(newest)} alerts." if len(newest) > max_rows else ""
    table = Table(
        key="alerts",
        title="预警列表 Alert list",
        columns=_ALERT_COLUMNS,
        rows=_alert_rows(shown),
        note=note,
        detail=len(shown) > 100,
    )
    text = [f"{len(alerts)} alert(s) in {', '.join(alerts.periods) or 'no period'}."]
    quiet = {k: v for k, v in alerts.suppressed.items() if v}
    if quiet:
        text.append(
            "Small-sample guard silenced: "
            + ", ".join(f"{labels[k]} {v}" for k, v in quiet.items())
            + " entity-period(s)."
        )
    return Section("alerts", title, tuple(text), charts, (table,))


def _indicators(panel: Panel, tree: TreeSpec | None) -> list[tuple[str, str, str]]:
    """(column, name, better) of the indicators to show: better is higher/lower/target."""
    if tree is None:
        cols = [c for c in panel.values if c not in _SPECIAL and ":" not in c]
        return [(c, c, "higher") for c in sorted(cols)]
    from evalsys.model.nodes import QuantitativeNode

    out = []
    for leaf in tree.leaves():
        col = leaf.id
        if col not in panel.values:
            continue
        better = "higher"
        if isinstance(leaf, QuantitativeNode) and leaf.direction != "benefit":
            better = "lower" if leaf.direction == "cost" else "target"
        out.append((col, leaf.name, better))
    return out


def _distance(x: FloatArray, leaf_id: str, tree: TreeSpec | None) -> FloatArray:
    from evalsys.model.nodes import QuantitativeNode

    node = tree.node(leaf_id) if tree is not None else None
    if (
        isinstance(node, QuantitativeNode)
        and node.direction == "target"
        and node.target is not None
    ):
        return np.abs(x - node.target)
    if isinstance(node, QuantitativeNode) and node.interval is not None:
        lo, hi = node.interval
        return np.maximum(np.maximum(lo - x, x - hi), 0.0)
    return x


def _standing(values: FloatArray, e: int, better: str) -> FloatArray:
    """Per period: share (×100) of measured entities the entity does at least as well as."""
    out = np.full(values.shape[0], np.nan)
    mine = values[:, e]
    for t in range(values.shape[0]):
        col = values[t][np.isfinite(values[t])]
        if col.size and np.isfinite(mine[t]):
            worse = col <= mine[t] if better == "higher" else col >= mine[t]
            out[t] = 100.0 * np.count_nonzero(worse) / col.size
    return out


def _entity(
    panel: Panel, tree: TreeSpec | None, e: int | None, alerts: AlertResult | None
) -> Section:
    title = "单体热图 Entity"
    if e is None:
        return Section("entity", title, ("The history holds no entity.",))
    eid = str(panel.entity_ids[e])
    inds = _indicators(panel, tree)
    if not inds:
        return Section("entity", title, (f"The history holds no indicator values for {eid}.",))
    raw = np.stack([np.asarray(panel.values[c], dtype=np.float64)[:, e] for c, _, _ in inds])
    stand = []
    for col, _, better in inds:
        v = np.asarray(panel.values[col], dtype=np.float64)
        if better == "target":
            v, better = _distance(v, col, tree), "lower"
        stand.append(_standing(v, e, better))
    chart = Chart(
        "entity_heat",
        f"Indicators of {eid} per period",
        heat_map(
            [name for _, name, _ in inds],
            list(panel.periods),
            np.stack(stand),
            title=f"{eid}: 各指标相对位置 standing per period",
            vmin=0.0,
            vmax=100.0,
            value_fmt="{:.0f}",
        ),
        "Each cell: the share of the period's entities this entity does at least as well as "
        "on the indicator (100 = best, direction-aware); raw values in the table.",
    )
    tables = [
        Table(
            key="entity_values",
            title=f"{eid} 指标原始值 raw values",
            columns=("indicator", *panel.periods),
            rows=tuple((name, *map(float, raw[i])) for i, (_, name, _) in enumerate(inds)),
            formats=("",) + ("0.00",) * panel.n_periods,
        )
    ]
    if alerts is not None:
        mine = [a for a in alerts.alerts if a.entity == eid]
        tables.append(
            Table(
                key="entity_alerts",
                title=f"{eid} 预警 alerts",
                columns=_ALERT_COLUMNS,
                rows=_alert_rows(mine),
            )
        )
    return Section("entity", f"{title}: {eid}", (), (chart,), tuple(tables))


def _pick_entity(panel: Panel, entity: str | None, alerts: AlertResult | None) -> int | None:
    if entity is not None:
        pos = int(panel.entity_index([entity])[0])
        if pos < 0:
            raise DataError(f"entity '{entity}' is not in the history")
        return pos
    if panel.n_entities == 0:
        return None
    if alerts is not None and alerts.alerts:
        counts: dict[str, int] = {}
        for a in alerts.alerts:
            counts[a.entity] = counts.get(a.entity, 0) + 1
        most = max(sorted(counts), key=lambda k: counts[k])
        return int(panel.entity_index([most])[0])
    score = panel.values.get("score")
    if score is not None and np.isfinite(score[-1]).any():
        return int(np.nanargmin(score[-1]))  # the weakest entity of the latest period
    return 0


def build_period_report(
    panel: Panel,
    alerts: AlertResult | None = None,
    *,
    tree: TreeSpec | None = None,
    entity: str | None = None,
    title: str | None = None,
    max_alerts: int = 500,
) -> Report:
    """Assemble the period view of ``panel``.

    Parameters
    ----------
    panel
        The history (ideally with ``score``, ``dim:*``, ``grade`` and the indicator columns).
    alerts
        Alerts to list (:func:`~evalsys.history.alerts.evaluate_alerts`).
    tree
        For node names, indicator directions and the tree id (optional).
    entity
        Entity of the heat map; default the one with most alerts, else the lowest score in
        the latest period.
    title
        Page title; default the tree's name.
    max_alerts
        At most this many alerts are listed (newest first); the rest are counted.

    Raises
    ------
    DataError
        If ``entity`` is not in the panel or the panel has no period.
    """
    if panel.n_periods == 0:
        raise DataError("the history has no period to report")
    names = _names(tree)
    e = _pick_entity(panel, entity, alerts)
    n_alerts = len(alerts) if alerts is not None else 0
    facts = (
        ("期数 periods", str(panel.n_periods)),
        ("范围 range", f"{panel.periods[0]} … {panel.periods[-1]}"),
        ("对象 entities", f"{panel.n_entities:,}"),
        ("规则版本 versions", ", ".join(dict.fromkeys(panel.versions))),
        ("预警 alerts", str(n_alerts)),
    )
    heading = title or (tree.name if tree is not None else "evalsys history")
    return Report(
        title=heading,
        subtitle=f"分期视图 period view · {panel.periods[0]} … {panel.periods[-1]}",
        facts=facts,
        sections=(
            _overview(panel, alerts),
            _trends(panel, names, e),
            _grades(panel),
            _alerts(alerts, max_alerts),
            _entity(panel, tree, e, alerts),
        ),
        tree_id=tree.id if tree is not None else "-",
        method="history",
        operator=None,
        n_entities=panel.n_entities,
    )


def write_period_report(
    panel: Panel,
    path: str | os.PathLike[str],
    alerts: AlertResult | None = None,
    *,
    tree: TreeSpec | None = None,
    entity: str | None = None,
    title: str | None = None,
    charts_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Build the period view and write it by extension (.html, .md, .xlsx); return the path."""
    report = build_period_report(panel, alerts, tree=tree, entity=entity, title=title)
    return write_report(report, path, charts_dir=charts_dir)


def write_store_report(
    store: str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    rules: str | os.PathLike[str] | None = None,
    tree: str | None = None,
    entity: str | None = None,
    title: str | None = None,
    charts_dir: str | os.PathLike[str] | None = None,
) -> tuple[Path, Report, Panel, AlertResult | None]:
    """The period view of a history store file (``evalsys history report``).

    With ``rules`` the alerts of every period are listed; ``tree`` (file or shipped name)
    overrides the tree the store recorded for its latest period.  Returns the written path,
    the report, the panel and the alerts.
    """
    from evalsys.history.monitor import history_panel, store_alerts
    from evalsys.model.io import load_tree

    alerts: AlertResult | None = None
    if rules is not None:
        alerts, panel, spec = store_alerts(store, rules, tree=tree, all_periods=True)
    else:
        panel, spec = history_panel(store, [], tree=load_tree(tree) if tree else None)
    report = build_period_report(panel, alerts, tree=spec, entity=entity, title=title)
    return write_report(report, path, charts_dir=charts_dir), report, panel, alerts
