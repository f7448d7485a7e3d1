"""The "paper" set: every result table and figure of an evaluation, ready for a manuscript.

:func:`build_paper` assembles a :class:`~evalsys.report.data.Report` whose sections hold
the tables of :mod:`evalsys.report.paper_tables` and four kinds of figures — the weight
bars (:func:`~evalsys.report.charts.weight_tree`), the membership radar of the B vectors
(:func:`~evalsys.report.charts.radar`, FCE), the sensitivity tornado
(:func:`~evalsys.report.charts.tornado`) and the rank ranges
(:func:`~evalsys.report.charts.rank_stability`).  The analyses are passed in (an
:class:`~evalsys.analysis.sensitivity.oat.OATResult`, a
:class:`~evalsys.analysis.sensitivity.montecarlo.MonteCarloResult`), so the caller
chooses their settings; :mod:`evalsys.report.paper_write` writes the set as LaTeX,
Markdown, Excel, SVG and PNG.

Every number is kept unrounded; the report's facts state the printing rule
(:func:`number_rule`), which the writers repeat in each file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from evalsys.errors import DataError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.report import charts
from evalsys.report.data import Chart, Report, ReportContext, Section, Table
from evalsys.report.latex import plain_cell
from evalsys.report.paper_data import node_memberships, topsis_distances
from evalsys.report.paper_tables import (
    consistency_table,
    grades_table,
    matrix_tables,
    membership_tables,
    oat_table,
    scores_table,
    stability_table,
    topsis_tables,
    weights_table,
)
from evalsys.scoring.result import ScoreResult

__all__ = ["NUMBER_RULE_FACT", "build_paper", "number_rule"]

NUMBER_RULE_FACT = "number format"
"""Label of the report fact that states how numbers are printed."""

_MAX_STABILITY_ROWS = 30


def number_rule(digits: int) -> str:
    """The printing rule of the paper tables with ``digits`` decimal places."""
    return (
        f"numbers are computed unrounded and printed rounded to {digits} decimal places "
        "(round half to even of the binary value), integers (ranks, counts) exactly; "
        "the Excel cells hold the unrounded values"
    )


def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", s)[:60] or "entity"


def _weights_section(ctx: ReportContext, num: str) -> Section:
    compiled, name_of = ctx.compiled, ctx.name_of
    by_node = {nw.node_id: nw for nw in ctx.res.weights.nodes}
    nodes = []
    for i, nid in enumerate(compiled.node_ids):
        nw = by_node.get(nid)
        p = int(compiled.parent[i])
        nodes.append(
            charts.SunburstNode(
                name_of[nid],
                p,
                float(ctx.glob[i]),
                float(ctx.local[i]) if p >= 0 else 1.0,
                int(compiled.depth[i]),
                f"CR {plain_cell(nw.cr, num)}" if nw is not None and nw.cr is not None else "",
            )
        )
    tables: list[Table] = [weights_table(ctx, num)]
    cons = consistency_table(ctx, num)
    if cons is not None:
        tables.append(cons)
    tables += matrix_tables(ctx, num)
    return Section(
        "weights",
        "Weights and consistency 权重与一致性检验",
        charts=(
            Chart(
                "weights",
                "Indicator weights",
                charts.weight_tree(nodes, title="Indicator weights 指标权重", width=660),
                "Bars: global weight; numbers: local and global weight.",
            ),
        ),
        tables=tuple(tables),
    )


def _membership_section(
    ctx: ReportContext,
    data: IndicatorData,
    entities: Sequence[str],
    num: str,
    normalize_b: bool,
) -> Section:
    subjects, levels = node_memberships(
        ctx.compiled, data, ctx.res, entities, normalize_b=normalize_b
    )
    figs: list[Chart] = []
    if len(ctx.grade_names) >= 3:
        dims = next((lv for lv in levels if lv.depth == 1), None)
        for s, subject in enumerate(subjects):
            root = [float(x) for x in levels[0].B[s, 0]]
            series = (
                []
                if dims is None
                else [
                    (ctx.name_of[ctx.compiled.node_ids[int(n)]], [float(x) for x in dims.B[s, k]])
                    for k, n in enumerate(dims.nodes)
                ]
            )
            top = max([*root, *(v for _, vals in series for v in vals), 1e-12])
            vmax = charts.nice_ticks(0.0, top, 4)[-1]
            whom = (
                subject
                if subject != "mean"
                else f"entity {ctx.ids[0]}"
                if ctx.n == 1
                else f"mean of {ctx.n} entities"
            )
            key = "membership_radar" if subject == "mean" else f"membership_radar_{_safe(subject)}"
            if any(c.key == key for c in figs):
                key = f"{key}_{s + 1}"
            figs.append(
                Chart(
                    key,
                    f"Membership vectors B ({whom})",
                    charts.radar(
                        ctx.grade_names,
                        series,
                        vmin=0.0,
                        vmax=vmax,
                        title="Membership vectors B 隶属度",
                        reference=("overall (root B) 总体", root),
                        subtitle=f"{whom} · operator {ctx.res.operator} · one axis per grade",
                        size=420,
                    ),
                    "Solid: the B vector of each dimension; dashed: the root B.",
                )
            )
    return Section(
        "memberships",
        "Fuzzy evaluation vectors 模糊综合评价隶属度",
        charts=tuple(figs),
        tables=tuple(membership_tables(ctx, subjects, levels, num)),
    )


def _sensitivity_section(
    ctx: ReportContext, oat: Any | None, stability: Any | None, num: str
) -> Section:
    figs: list[Chart] = []
    tables: list[Table] = []
    if oat is not None:
        tables.append(oat_table(ctx, oat, num))
        low: dict[str, float] = {}
        high: dict[str, float] = {}
        for p in oat.perturbations:
            label = ctx.name_of.get(p.child, p.child)
            (high if p.direction > 0 else low)[label] = float(p.mean_score_change)
        labels = list(dict.fromkeys([*high, *low]))
        pct = f"{float(oat.delta) * 100:g}%"
        figs.append(
            Chart(
                "sensitivity_tornado",
                "Sensitivity tornado",
                charts.tornado(
                    labels,
                    [low.get(k, float("nan")) for k in labels],
                    [high.get(k, float("nan")) for k in labels],
                    title="Sensitivity of the scores to the weights 权重敏感性",
                    x_label=f"change of the mean score when one weight changes by ±{pct}",
                    low_label=f"weight −{pct}",
                    high_label=f"weight +{pct}",
                    value_fmt=f"{{:+.{len(num.split('.')[1]) if '.' in num else 0}f}}",
                ),
                "Each row: one local weight decreased (upper bar) and increased (lower bar), "
                "its siblings renormalised.",
            )
        )
    if stability is not None:
        tables.append(stability_table(ctx, stability, num))
        e = stability.entities
        order = np.argsort(np.asarray(e.base_rank), kind="stable")[:_MAX_STABILITY_ROWS]
        figs.append(
            Chart(
                "rank_stability",
                "Rank stability",
                charts.rank_stability(
                    [str(e.entity_ids[i]) for i in order],
                    [int(e.base_rank[i]) for i in order],
                    [int(e.rank_min[i]) for i in order],
                    [int(e.rank_max[i]) for i in order],
                    [float(e.rank_mean[i]) for i in order],
                    [float(e.rank_sd[i]) for i in order],
                    n_entities=int(np.asarray(e.base_rank).size),
                    notes=[f"same rank {float(e.p_keep_rank[i]):.0%}" for i in order],
                    title=f"Rank stability 排名稳定性 ({stability.samples} weight samples)",
                ),
                f"The {order.size} best entities by base rank.",
            )
        )
    return Section(
        "sensitivity",
        "Sensitivity and rank stability 敏感性与排名稳定性",
        charts=tuple(figs),
        tables=tuple(tables),
    )


def build_paper(
    compiled: CompiledTree,
    data: IndicatorData,
    score_result: ScoreResult,
    *,
    entities: Sequence[str] = (),
    oat: Any | None = None,
    stability: Any | None = None,
    digits: int = 4,
    normalize_b: bool = False,
    title: str | None = None,
) -> Report:
    """The tables and figures of an evaluation for a paper.

    Parameters
    ----------
    compiled, data, score_result
        The tree, the checked data and
        :func:`evalsys.engines.memory.score_entities` of them.
    entities
        Entity ids whose FCE vectors B are shown (tables and radars); default the mean
        entity.
    oat
        Optional :func:`evalsys.analysis.sensitivity.oat.perturb_one_at_a_time` result:
        the sensitivity table and tornado.
    stability
        Optional :func:`evalsys.analysis.sensitivity.montecarlo.monte_carlo` result: the
        rank-stability table and figure.
    digits
        Decimal places of every non-integer number when printed (0–10).
    normalize_b
        Whether ``score_result`` was computed with ``normalize_b``.
    title
        Title; default the tree's name.

    Returns
    -------
    Report
        Sections weights, memberships (FCE), scores, topsis (TOPSIS), sensitivity (when
        given); write it with :func:`evalsys.report.paper_write.write_paper`.

    Raises
    ------
    DataError
        No entities, ``digits`` out of range, or an unknown entity id.
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 10:
        raise DataError(f"digits must be an integer from 0 to 10, got {digits!r}")
    if score_result.n_entities == 0:
        raise DataError("no entities to report on (every row was skipped)")
    ctx = ReportContext.of(compiled, score_result)
    num = "0." + "0" * digits if digits else "0"
    sections = [_weights_section(ctx, num)]
    if ctx.fce:
        sections.append(_membership_section(ctx, data, entities, num, normalize_b))
    elif entities:
        raise DataError("--entity selects FCE membership vectors; use it with method fce")
    score_tables = [scores_table(ctx, num)]
    grades = grades_table(ctx, num)
    if grades is not None:
        score_tables.append(grades)
    sections.append(
        Section("scores", "Scores, grades and ranks 得分、等级与排名", tables=tuple(score_tables))
    )
    if score_result.method == "topsis":
        t = topsis_distances(compiled, data, score_result)
        sections.append(
            Section("topsis", "TOPSIS 逼近理想解排序", tables=tuple(topsis_tables(ctx, t, num)))
        )
    if oat is not None or stability is not None:
        sections.append(_sensitivity_section(ctx, oat, stability, num))
    spec = ctx.spec
    return Report(
        title=title or spec.name,
        subtitle=f"tree {spec.id} · {ctx.n} entities · {ctx.method_label} · "
        f"evalsys {score_result.version}",
        facts=((NUMBER_RULE_FACT, number_rule(digits)),),
        sections=tuple(sections),
        tree_id=spec.id,
        method=score_result.method,
        operator=score_result.operator,
        n_entities=ctx.n,
        version=score_result.version,
    )
