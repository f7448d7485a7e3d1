"""Report sections on how the results were obtained and how robust they are.

:func:`weights_section` (local and global weights, the consistency of every judgment matrix,
the weight sunburst and tree), :func:`compliance_section` (compliance with stated standards)
and :func:`sensitivity_section` (how the ranking moves when the weights change); each reads
a :class:`~evalsys.report.data.ReportContext` and returns one
:class:`~evalsys.report.data.Section`.
"""

from __future__ import annotations

import math

from evalsys.report import charts
from evalsys.report.data import Cell, Chart, ReportContext, Section, Table
from evalsys.report.inputs import (
    ComplianceInput,
    SensitivityInput,
    compliance_rows,
    sensitivity_series,
    to_float,
)

__all__ = ["compliance_section", "sensitivity_section", "weights_section"]


def weights_section(ctx: ReportContext) -> Section:
    """Weights and consistency: weight sunburst and tree, the CR of every judgment matrix,
    the hierarchical CR per level and the weight of every node."""
    compiled, spec, name_of = ctx.compiled, ctx.spec, ctx.name_of
    tw = ctx.res.weights
    glob, local, weights_ok = ctx.glob, ctx.local, tw.all_consistent
    by_node = {nw.node_id: nw for nw in tw.nodes}
    sb_nodes: list[charts.SunburstNode] = []
    for i, nid in enumerate(compiled.node_ids):
        nw = by_node.get(nid)
        note = f"CR {nw.cr:.4f}" if nw is not None and nw.cr is not None else ""
        p = int(compiled.parent[i])
        sb_nodes.append(
            charts.SunburstNode(
                name_of[nid],
                p,
                float(glob[i]),
                float(local[i]) if p >= 0 else 1.0,
                int(compiled.depth[i]),
                note,
            )
        )
    weight_rows: list[tuple[Cell, ...]] = []

    def walk(i: int) -> None:
        nid = compiled.node_ids[i]
        p = int(compiled.parent[i])
        node = spec.node(nid)
        nw = by_node.get(nid)
        weight_rows.append(
            (
                nid,
                name_of[nid],
                int(compiled.depth[i]),
                compiled.node_ids[p] if p >= 0 else "",
                node.kind,
                float(local[i]) if p >= 0 else 1.0,
                float(glob[i]),
                nw.method if nw is not None else "",
                nw.cr if nw is not None else None,
            )
        )
        for c in compiled.children(i):
            walk(int(c))

    walk(0)
    cr_rows: list[tuple[Cell, ...]] = []
    for nw in tw.nodes:
        cr_rows.append(
            (
                nw.node_id,
                name_of.get(nw.node_id, nw.node_id),
                len(nw.children),
                nw.spec,
                nw.method,
                nw.lambda_max,
                nw.ci,
                nw.ri,
                nw.ri_table,
                nw.cr,
                nw.threshold,
                None if nw.consistent is None else ("yes" if nw.consistent else "NO"),
            )
        )
    lvl_rows = tuple(
        (
            lv.depth,
            ", ".join(name_of.get(n, n) for n in lv.nodes),
            lv.cr,
            "yes" if lv.consistent else "NO",
        )
        for lv in tw.levels
    )
    pairwise = [nw for nw in tw.nodes if nw.cr is not None]
    w_text = [
        "Local weight: share of a node within its parent; global weight: product of local "
        "weights from the root (the global weights of all indicators add up to 1).",
        (
            f"{len(pairwise)} judgment matrices checked; largest CR "
            f"{max(nw.cr for nw in pairwise if nw.cr is not None):.4f}."
            if pairwise
            else "No pairwise judgment matrices (weights are direct, equal or objective)."
        )
        + ("" if weights_ok else " At least one matrix is NOT consistent: revise its judgments."),
    ]
    tables_w = [
        Table(
            "consistency",
            "Consistency of every judgment matrix (CR = CI / RI; consistent if CR < threshold)",
            (
                "node",
                "name",
                "n",
                "weights",
                "method",
                "λmax",
                "CI",
                "RI",
                "RI table",
                "CR",
                "threshold",
                "consistent",
            ),
            tuple(cr_rows),
            ("", "", "0", "", "", "0.0000", "0.0000", "0.0000", "", "0.0000", "0.00", ""),
        ),
    ]
    if lvl_rows:
        tables_w.append(
            Table(
                "hierarchical_cr",
                "Hierarchical (overall) consistency per level",
                ("depth", "judged nodes", "CR", "consistent"),
                lvl_rows,
                ("0", "", "0.0000", ""),
            )
        )
    tables_w.append(
        Table(
            "weights",
            "Weights of every node (local within parent, global from the root)",
            ("node", "name", "level", "parent", "kind", "local", "global", "derived by", "CR"),
            tuple(weight_rows),
            ("", "", "0", "", "", "0.0000", "0.0000", "", "0.0000"),
            collapsed=True,
        )
    )
    return Section(
        "weights",
        "Weights and consistency 权重与一致性检验",
        tuple(w_text),
        charts=(
            Chart(
                "weights_sunburst",
                "Weight sunburst",
                charts.sunburst(sb_nodes, title="Weights 权重 (arc = global weight)", size=480),
                "Inner ring: dimensions; outer ring: indicators. Hover for exact weights.",
            ),
            Chart(
                "weights_tree",
                "Weight tree",
                charts.weight_tree(sb_nodes, title="Indicator weights 指标权重", width=660),
                "Bars: global weight; numbers: local and global weight.",
            ),
        ),
        tables=tuple(tables_w),
    )


def compliance_section(ctx: ReportContext, compliance: ComplianceInput) -> Section:
    """Compliance with standards: per indicator the limit, the share of entities meeting it
    (bar chart) and the largest shortfall."""
    name_of = ctx.name_of
    cols, crow = compliance_rows(compliance)
    if any(str(r[0]) in name_of for r in crow) and "name" not in cols:
        cols = (cols[0], "name", *cols[1:])  # indicator ids: show the names beside them
        crow = [[r[0], name_of.get(str(r[0]), ""), *r[1:]] for r in crow]
    fmts = tuple(
        "0.0%" if c == "compliant_share" else ("0.00" if c in ("limit", "worst_gap") else "")
        for c in cols
    )
    charts_c: list[Chart] = []
    if "compliant_share" in cols:
        j = cols.index("compliant_share")
        seg_j = cols.index("segment") if "segment" in cols else None
        labels = [
            (name_of.get(str(r[0])) or str(r[0]))
            + (f" · {r[seg_j]}" if seg_j is not None and r[seg_j] not in (None, "") else "")
            for r in crow
        ]
        shares = [to_float(r[j]) * 100 for r in crow]
        charts_c.append(
            Chart(
                "compliance",
                "Compliance with standards",
                charts.hbar_chart(
                    labels,
                    shares,
                    title="Share of entities meeting each standard 达标率",
                    x_max=100.0,
                    value_fmt="{:.1f}%",
                    colors=[charts.strong_color(s / 100) for s in shares],
                ),
                "Bar: share of entities that meet the standard (%).",
            )
        )
    return Section(
        "compliance",
        "Compliance with standards 行业标准对标",
        (
            "Each indicator with a stated standard: the limit, the share of entities "
            "meeting it, and the largest shortfall.",
        ),
        charts=tuple(charts_c),
        tables=(
            Table(
                "compliance",
                "Compliance with standards",
                cols,
                tuple(tuple(r) for r in crow),
                fmts,
            ),
        ),
    )


def sensitivity_section(ctx: ReportContext, sensitivity: SensitivityInput) -> Section:
    """Sensitivity: bars (one value per comparison) or lines (e.g. Spearman's ρ over the
    weight multiplier), with the numbers as a table."""
    sens = sensitivity_series(sensitivity, ctx.name_of)
    srows: tuple[tuple[Cell, ...], ...]
    if sens.kind == "bars":
        labels = [s[0] for s in sens.series]
        vals = [s[2][0] for s in sens.series]
        finite_v = [v for v in vals if math.isfinite(v)]
        chart = charts.hbar_chart(
            labels,
            vals,
            title=sens.title or "Sensitivity 敏感性分析",
            x_max=max([1.0, *finite_v]) if all(v >= 0 for v in finite_v) else None,
            value_fmt="{:.3f}",
        )
        srows = tuple((lab, v) for lab, v in zip(labels, vals, strict=True))
        scols: tuple[str, ...] = ("label", sens.y_label or "value")
        sfmt: tuple[str, ...] = ("", "0.0000")
    else:
        chart = charts.line_plot(
            [(s[0], s[1], s[2]) for s in sens.series],
            title=sens.title or "Sensitivity 敏感性分析",
            x_label=sens.x_label,
            y_label=sens.y_label,
        )
        xs0 = sens.series[0][1] if sens.series else ()
        if all(s[1] == xs0 for s in sens.series):  # shared x: one column per series
            srows = tuple((x, *(s[2][k] for s in sens.series)) for k, x in enumerate(xs0))
            scols = (
                "x" if not sens.x_label else sens.x_label.split(" of ")[0],
                *(s[0] for s in sens.series),
            )
            sfmt = ("0.00", *(["0.0000"] * len(sens.series)))
        else:
            srows = tuple(
                (s[0], x, y) for s in sens.series for x, y in zip(s[1], s[2], strict=True)
            )
            scols = ("series", sens.x_label or "x", sens.y_label or "y")
            sfmt = ("", "0.00", "0.0000")
    return Section(
        "sensitivity",
        "Sensitivity 敏感性分析",
        (
            "How much the results change when the weights or the method change "
            "(values near 1 mean a stable ranking).",
        ),
        charts=(Chart("sensitivity", "Sensitivity", chart),),
        tables=(Table("sensitivity", "Sensitivity", scols, srows, sfmt),),
    )
