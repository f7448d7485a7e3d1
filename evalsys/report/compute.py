"""Compute a :class:`~evalsys.report.data.Report` from a compiled tree and its scores.

:func:`build_report` is the entry point: it checks its arguments, builds the
:class:`~evalsys.report.data.ReportContext` once and asks each section builder for its
section, results first, then how they were obtained.  The summary (key figures, how to read
the report) and the full ranking are built here; the other sections come from
:mod:`evalsys.report.sections_results` and :mod:`evalsys.report.sections_checks`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from evalsys.errors import DataError
from evalsys.report.data import Cell, Report, ReportContext, Section, Table
from evalsys.report.inputs import ComplianceInput, SensitivityInput
from evalsys.report.sections_checks import (
    compliance_section,
    sensitivity_section,
    weights_section,
)
from evalsys.report.sections_results import dimensions_section, entities_section, scores_section

if TYPE_CHECKING:
    from evalsys.model.compiled import CompiledTree
    from evalsys.scoring.result import ScoreResult

__all__ = ["build_report"]


def build_report(
    compiled: CompiledTree,
    score_result: ScoreResult,
    *,
    compliance: ComplianceInput | None = None,
    sensitivity: SensitivityInput | None = None,
    entities: Sequence[str] = (),
    heatmap_rows: int = 30,
    title: str | None = None,
) -> Report:
    """Collect the tables and charts of an evaluation report.

    Parameters
    ----------
    compiled
        The compiled tree the entities were scored on.
    score_result
        Output of :func:`evalsys.engines.memory.score_entities` (its ``weights`` give the
        local and
        global weights and the consistency of every judgment matrix).
    compliance
        Optional benchmark compliance: rows ``{indicator, limit, unit, compliant_share,
        worst_gap}`` or an object with ``to_rows()`` (see :data:`ComplianceInput`).
    sensitivity
        Optional sensitivity results (see :data:`SensitivityInput`).
    entities
        Entity ids to show as radar charts; default the best, median and worst entity.
    heatmap_rows
        At most this many entities in the entity × dimension heat map (the top and bottom
        halves of the ranking when there are more entities).
    title
        Page title; default the tree's name.

    Returns
    -------
    Report
        Format-independent report; write it with :func:`write_html`, :func:`write_markdown`
        or :func:`write_excel`.
    """
    if heatmap_rows < 2:
        raise DataError(f"heatmap_rows must be at least 2, got {heatmap_rows}")
    if score_result.n_entities == 0:
        raise DataError("no entities to report on (every row was skipped)")
    ctx = ReportContext.of(compiled, score_result)
    sections = [
        _summary_section(ctx),
        scores_section(ctx),
        dimensions_section(ctx, heatmap_rows),
        entities_section(ctx, entities),
        weights_section(ctx),
    ]
    if compliance is not None:
        sections.append(compliance_section(ctx, compliance))
    if sensitivity is not None:
        sections.append(sensitivity_section(ctx, sensitivity))
    sections.append(_ranking_section(ctx))
    spec, res = ctx.spec, score_result
    return Report(
        title=title or spec.name,
        subtitle=(
            f"{spec.name_en + ' · ' if spec.name_en else ''}tree {spec.id}"
            f"{' v' + spec.version if spec.version else ''} · {ctx.n} entities · "
            f"{ctx.method_label} · evalsys {res.version}"
        ),
        facts=_facts(ctx),
        sections=tuple(sections),
        tree_id=spec.id,
        method=res.method,
        operator=res.operator,
        n_entities=ctx.n,
        version=res.version,
    )


def _facts(ctx: ReportContext) -> tuple[tuple[str, str], ...]:
    """The key figures shown as cards at the top of the report."""
    res, compiled, E, fce = ctx.res, ctx.compiled, ctx.n, ctx.fce
    dim_names, grade_names, mean, median = ctx.dim_names, ctx.grade_names, ctx.mean, ctx.median
    weights_ok = res.weights.all_consistent
    facts: list[tuple[str, str]] = [
        ("Entities 评价对象", f"{E}"),
        ("Indicators 指标", f"{compiled.n_leaves} in {len(dim_names)} dimensions"),
        ("Mean score 平均分", f"{mean:.2f}" if fce else f"{mean:.4f}"),
        ("Median score 中位数", f"{median:.2f}" if fce else f"{median:.4f}"),
    ]
    if fce:
        counts = ctx.grade_counts
        top = int(np.argmax(counts))
        facts.append(("Most common grade 众数等级", f"{grade_names[top]} ({counts[top] / E:.0%})"))
    crs = [nw.cr for nw in res.weights.nodes if nw.cr is not None]
    max_cr = f" (max CR {max(crs):.3f})" if crs else ""
    facts.append(("Weights consistent 一致性", ("yes" if weights_ok else "NO") + max_cr))
    return tuple(facts)


def _summary_section(ctx: ReportContext) -> Section:
    """Summary: what was evaluated and how, how to read the report, skipped rows."""
    res, compiled, spec, E, fce = ctx.res, ctx.compiled, ctx.spec, ctx.n, ctx.fce
    dim_names, mean, median, method_label = ctx.dim_names, ctx.mean, ctx.median, ctx.method_label
    weights_ok = res.weights.all_consistent
    summary_rows: list[tuple[Cell, ...]] = [
        ("tree", f"{spec.name} ({spec.id})"),
        ("tree version", spec.version or "—"),
        ("method", res.method),
        ("fuzzy operator", res.operator or "—"),
        ("grades", " / ".join(f"{g.name} ({g.score:g})" for g in spec.grades) if fce else "—"),
        ("entities scored", E),
        ("entities skipped", len(res.skipped)),
        ("missing-value policy", res.missing_policy),
        ("indicators", compiled.n_leaves),
        ("dimensions", len(dim_names)),
        ("mean score", mean),
        ("median score", median),
        ("weights consistent", "yes" if weights_ok else "no"),
        ("evalsys version", res.version),
    ]
    how = [
        f"{spec.name}: {E} entities scored on {compiled.n_leaves} indicators in "
        f"{len(dim_names)} dimensions ({'、'.join(dim_names)}) with {method_label}.",
        "How to read this report: weights say how much each dimension and indicator counts"
        + (
            " (from pairwise judgments, AHP; a consistency ratio CR below the threshold, "
            "usually 0.10, means the judgments are consistent). "
            if any(nw.cr is not None for nw in res.weights.nodes)
            else ". "
        )
        + (
            "Each entity gets a membership in every grade; its grade is the one with the "
            "largest membership, its score the membership-weighted grade score "
            f"({' / '.join(f'{g.name} = {g.score:g}' for g in spec.grades)}). "
            if fce
            else "Scores are indices in [0, 1]; higher is better. "
        )
        + "Higher is better everywhere; the ranking is by score.",
    ]
    if res.skipped:
        how.append(
            f"{len(res.skipped)} input rows were skipped and are not in this report: "
            + "; ".join(f"row {x.row} ({x.entity_id}): {x.reason}" for x in res.skipped[:5])
            + (" …" if len(res.skipped) > 5 else "")
        )
    return Section(
        "summary",
        "Summary 概览",
        tuple(how),
        tables=(
            Table(
                "summary",
                "Evaluation summary",
                ("item", "value"),
                tuple(summary_rows),
                ("", "0.00" if fce else "0.0000"),
                collapsed=True,
            ),
        ),
    )


def _ranking_section(ctx: ReportContext) -> Section:
    """Ranking: every entity best first (a detail table: complete in Excel only)."""
    res, D, score, E, ids = ctx.res, ctx.dims, ctx.score, ctx.n, ctx.ids
    order, rank = ctx.order, ctx.rank
    dim_names, grade_of, score_digits = ctx.dim_names, ctx.grade_of, ctx.score_digits
    pt_cols = [k for k in ("segment", "tier") if k in res.passthrough]
    rank_rows = tuple(
        (
            int(rank[i]),
            ids[i],
            *(str(np.asarray(res.passthrough[k])[i]) for k in pt_cols),
            float(score[i]),
            *((grade_of[i],) if grade_of else ()),
            float(np.asarray(res.percentile)[i]),
            *(float(x) if math.isfinite(x) else None for x in D[i]),
        )
        for i in (int(j) for j in order)
    )
    return Section(
        "ranking",
        "Ranking 排名",
        (f"All {E} entities, best first.",),
        tables=(
            Table(
                "ranking",
                f"All {E} entities by rank",
                (
                    "rank",
                    "entity",
                    *pt_cols,
                    "score",
                    *(("grade",) if grade_of else ()),
                    "percentile",
                    *dim_names,
                ),
                rank_rows,
                (
                    "0",
                    "",
                    *([""] * len(pt_cols)),
                    score_digits,
                    *(("",) if grade_of else ()),
                    "0.0",
                    *(["0.00"] * len(dim_names)),
                ),
                detail=True,
            ),
        ),
    )
