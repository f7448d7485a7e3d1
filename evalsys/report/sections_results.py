"""Report sections on the results: scores and grades, dimensions, selected entities.

:func:`scores_section` (score histogram, grade distribution), :func:`dimensions_section`
(dimension box plots, entity and segment heat maps, statistics) and
:func:`entities_section` (a radar chart and the strengths and weaknesses of chosen
entities); each reads a :class:`~evalsys.report.data.ReportContext` and returns one
:class:`~evalsys.report.data.Section`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from evalsys.errors import DataError
from evalsys.report import charts
from evalsys.report.data import Cell, Chart, FloatArray, ReportContext, Section, Table

__all__ = ["dimensions_section", "entities_section", "scores_section"]


def _stats(x: FloatArray) -> list[float]:
    v = x[np.isfinite(x)]
    if v.size == 0:
        return [math.nan] * 7
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    sd = float(v.std(ddof=1)) if v.size > 1 else math.nan
    return [float(v.mean()), float(med), sd, float(v.min()), float(q1), float(q3), float(v.max())]


def _pick_entities(ctx: ReportContext, entities: Sequence[str]) -> list[tuple[str, int]]:
    """(role, position) of the entities to show in detail: given ids, or best/median/worst."""
    ids, order = ctx.ids, ctx.order
    if entities:
        pos = {e: i for i, e in enumerate(ids)}
        unknown = [e for e in entities if e not in pos]
        if unknown:
            raise DataError(
                f"unknown entity id(s): {', '.join(unknown[:5])}; known ids start with "
                + ", ".join(ids[:5])
            )
        return [("selected", pos[e]) for e in dict.fromkeys(entities)]
    if order.size == 0:
        return []
    picks = [("best", int(order[0])), ("median", int(order[order.size // 2]))]
    picks.append(("worst", int(order[-1])))
    seen: dict[int, str] = {}
    for role, i in picks:
        seen.setdefault(i, role)
    return [(role, i) for i, role in seen.items()]


def scores_section(ctx: ReportContext) -> Section:
    """Scores and grades: the score histogram (mean and median marked) and, for a fuzzy
    evaluation, the grade distribution as a chart and a table."""
    res, spec, score, fce, E = ctx.res, ctx.spec, ctx.score, ctx.fce, ctx.n
    mean, median, score_range, grade_names = ctx.mean, ctx.median, ctx.score_range, ctx.grade_names
    charts_s = [
        Chart(
            "score_histogram",
            "Score distribution",
            charts.histogram(
                score,
                bins=24,
                value_range=(
                    float(min(score_range[0], np.nanmin(score))),
                    float(max(score_range[1], np.nanmax(score))),
                ),
                title="Score distribution 综合得分分布",
                x_label="score" + (" (grade-score scale)" if fce else " (index)"),
                y_label="entities",
                marks=(("mean", mean), ("median", median)),
            ),
            f"{E} entities; dashed lines: mean and median.",
        )
    ]
    tables_s: list[Table] = []
    if fce and res.grade is not None:
        counts = ctx.grade_counts
        charts_s.append(
            Chart(
                "grade_distribution",
                "Grade distribution",
                charts.bar_chart(
                    grade_names,
                    [float(c) for c in counts],
                    title="Grade distribution 等级分布",
                    y_label="entities",
                    colors=charts.grade_colors(len(grade_names)),
                    value_labels=[f"{int(c)} ({c / E:.0%})" for c in counts],
                ),
                "Grade by maximum membership.",
            )
        )
        validity = np.asarray(res.validity, dtype=np.float64)
        tables_s.append(
            Table(
                "grades",
                "Grade distribution",
                (
                    "grade",
                    "name",
                    "grade score",
                    "entities",
                    "share",
                    "mean score",
                    "mean validity",
                ),
                tuple(
                    (
                        g.id,
                        g.name,
                        g.score,
                        int(counts[k]),
                        float(counts[k] / E),
                        float(np.mean(score[np.asarray(res.grade) == k])) if counts[k] else None,
                        float(np.mean(validity[np.asarray(res.grade) == k])) if counts[k] else None,
                    )
                    for k, g in enumerate(spec.grades)
                ),
                ("", "", "0", "0", "0.0%", "0.00", "0.00"),
                "Validity: how clearly the largest membership wins (low values: borderline).",
            )
        )
    return Section(
        "scores",
        "Scores and grades 综合得分与等级",
        (
            f"Scores range from {np.nanmin(score):.2f} to {np.nanmax(score):.2f} "
            f"(mean {mean:.2f}, median {median:.2f}).",
        ),
        charts=tuple(charts_s),
        tables=tuple(tables_s),
    )


def dimensions_section(ctx: ReportContext, heatmap_rows: int) -> Section:
    """Dimensions: box plots of every dimension, the entity × dimension heat map (at most
    ``heatmap_rows`` entities), summary statistics and, with a ``segment`` column, the mean
    dimension scores per segment."""
    res, D, score, E, ids = ctx.res, ctx.dims, ctx.score, ctx.n, ctx.ids
    order, rank = ctx.order, ctx.rank
    dim_names, dim_range, grade_of, fce = ctx.dim_names, ctx.dim_range, ctx.grade_of, ctx.fce
    glob, dim_pos, score_digits = ctx.glob, ctx.dim_pos, ctx.score_digits
    dim_glob = [float(glob[p]) for p in dim_pos]
    palette = charts.CATEGORY_COLORS
    dcolors = [palette[k % len(palette)] for k in range(len(dim_names))]
    stat_rows: list[tuple[Cell, ...]] = [
        (res.dimension_ids[k], dim_names[k], dim_glob[k], *_stats(D[:, k]))
        for k in range(len(dim_names))
    ]
    charts_d = [
        Chart(
            "dimension_boxplot",
            "Dimension scores",
            charts.box_plot(
                [f"{n} ({w:.0%})" for n, w in zip(dim_names, dim_glob, strict=True)],
                [D[:, k] for k in range(len(dim_names))],
                title="Dimension scores 维度得分分布",
                x_label="dimension score",
                value_range=dim_range,
                colors=dcolors,
            ),
            "Box: middle half of the entities; line: median; diamond: mean; dots: outliers. "
            "Percentages: dimension weights.",
        )
    ]
    half = heatmap_rows // 2
    if heatmap_rows >= E:
        rows_idx = [int(i) for i in order]
        seps: list[int] = []
        hm_note = f"All {E} entities, best first."
    else:
        rows_idx = [int(i) for i in order[:half]] + [int(i) for i in order[-half:]]
        seps = [half]
        hm_note = f"Top {half} and bottom {half} of {E} entities (dashed line between)."
    notes = [
        f"#{int(rank[i])} · {score[i]:.2f}" + (f" {grade_of[i]}" if grade_of else "")
        for i in rows_idx
    ]
    charts_d.append(
        Chart(
            "dimension_heatmap",
            "Entity × dimension heat map",
            charts.heat_map(
                [ids[i] for i in rows_idx],
                dim_names,
                D[rows_idx],
                title="Dimension heat map 维度热力图 (entity × dimension)",
                vmin=dim_range[0],
                vmax=dim_range[1],
                separators=seps,
                row_notes=notes,
            ),
            hm_note + " Right: rank · score" + (" grade." if fce else "."),
        )
    )
    tables_d = [
        Table(
            "dimensions",
            "Dimension scores: summary statistics",
            ("dimension", "name", "weight", "mean", "median", "sd", "min", "Q1", "Q3", "max"),
            tuple(stat_rows),
            ("", "", "0.0000", *(["0.00"] * 7)),
        )
    ]
    seg = res.passthrough.get("segment")
    if seg is not None and len(seg) == E:
        seg_s = np.asarray([str(x) for x in np.asarray(seg)])
        levels, inv = np.unique(seg_s, return_inverse=True)
        n_seg = np.bincount(inv, minlength=levels.size)
        finite = np.isfinite(D)
        sums = np.stack(
            [
                np.bincount(
                    inv, weights=np.where(finite[:, k], D[:, k], 0.0), minlength=levels.size
                )
                for k in range(D.shape[1])
            ],
            axis=1,
        )
        cnts = np.stack(
            [
                np.bincount(inv, weights=finite[:, k].astype(float), minlength=levels.size)
                for k in range(D.shape[1])
            ],
            axis=1,
        )
        means = np.divide(sums, cnts, out=np.full_like(sums, np.nan), where=cnts > 0)
        seg_score = np.bincount(inv, weights=score, minlength=levels.size) / n_seg
        if levels.size <= 40:
            charts_d.append(
                Chart(
                    "segment_heatmap",
                    "Segment × dimension heat map",
                    charts.heat_map(
                        [str(x) for x in levels],
                        dim_names,
                        means,
                        title="Mean dimension score by segment 分群维度均值",
                        vmin=float(np.nanmin(means)) if np.isfinite(means).any() else None,
                        vmax=float(np.nanmax(means)) if np.isfinite(means).any() else None,
                        row_notes=[
                            f"n={int(n)} · mean {s:.2f}"
                            for n, s in zip(n_seg, seg_score, strict=True)
                        ],
                    ),
                    "Colours are scaled to the range of these means, to show differences "
                    "between segments.",
                )
            )
        tables_d.append(
            Table(
                "segments",
                "Mean scores by segment",
                ("segment", "entities", "mean score", *dim_names),
                tuple(
                    (
                        str(levels[s]),
                        int(n_seg[s]),
                        float(seg_score[s]),
                        *(float(m) if math.isfinite(m) else None for m in means[s]),
                    )
                    for s in range(levels.size)
                ),
                ("", "0", score_digits, *(["0.00"] * len(dim_names))),
            )
        )
    return Section(
        "dimensions",
        "Dimensions 维度分析",
        (
            "Which dimensions are strong or weak, across all entities and for the best and "
            "worst ones.",
        ),
        charts=tuple(charts_d),
        tables=tuple(tables_d),
    )


def entities_section(ctx: ReportContext, entities: Sequence[str]) -> Section:
    """Selected entities (``entities``, default best, median and worst): a radar chart of
    each against the mean entity and a table of strengths and weaknesses."""
    res, D, score, E, ids = ctx.res, ctx.dims, ctx.score, ctx.n, ctx.ids
    rank, name_of, score_digits = ctx.rank, ctx.name_of, ctx.score_digits
    dim_names, dim_range, grade_of = ctx.dim_names, ctx.dim_range, ctx.grade_of
    picks = _pick_entities(ctx, entities)
    leaf_names = [name_of[lid] for lid in res.leaf_ids]
    contrib = np.asarray(res.contributions, dtype=np.float64)
    mean_dims = [float(x) for x in np.nanmean(D, axis=0)]
    charts_e: list[Chart] = []
    sel_rows: list[tuple[Cell, ...]] = []
    for role, i in picks:
        label = ids[i]
        head = f"{label} — {role}"
        sub = f"rank {int(rank[i])} of {E} · score {score[i]:.2f}" + (
            f" · grade {grade_of[i]}" if grade_of else ""
        )
        charts_e.append(
            Chart(
                f"radar_{role}_{len(charts_e) + 1}",
                f"Radar chart of {label}",
                charts.radar(
                    dim_names,
                    [(label, [float(x) for x in D[i]])],
                    vmin=dim_range[0],
                    vmax=dim_range[1],
                    title=head,
                    reference=("mean of all entities", mean_dims),
                    subtitle=sub,
                    size=300,
                ),
                f"{role}: dimension scores of {label} against the mean entity.",
            )
        )
        c = np.nan_to_num(contrib[i], nan=0.0)
        neg = [int(j) for j in np.argsort(c, kind="stable")[:3] if c[j] < 0]
        pos = [int(j) for j in np.argsort(-c, kind="stable")[:3] if c[j] > 0]
        weakest = int(np.nanargmin(D[i])) if np.isfinite(D[i]).any() else 0
        strongest = int(np.nanargmax(D[i])) if np.isfinite(D[i]).any() else 0
        sel_rows.append(
            (
                label,
                role,
                int(rank[i]),
                float(score[i]),
                grade_of[i] if grade_of else None,
                f"{dim_names[strongest]} ({D[i, strongest]:.1f})",
                f"{dim_names[weakest]} ({D[i, weakest]:.1f})",
                "; ".join(f"{leaf_names[j]} {c[j]:+.2f}" for j in pos) or "—",
                "; ".join(f"{leaf_names[j]} {c[j]:+.2f}" for j in neg) or "—",
            )
        )
    return Section(
        "entities",
        "Selected entities 重点对象",
        (
            "Dimension profile of each selected entity (solid) against the mean entity "
            "(dashed); the centre is the lowest possible dimension score, the rim the "
            f"highest ({dim_range[0]:g}–{dim_range[1]:g}).",
            "Contributions: how many score points an indicator adds (+) or costs (−) "
            "compared with the average entity.",
        ),
        charts=tuple(charts_e),
        tables=(
            Table(
                "selected",
                "Selected entities: strengths and weaknesses",
                (
                    "entity",
                    "role",
                    "rank",
                    "score",
                    "grade",
                    "strongest dimension",
                    "weakest dimension",
                    "indicators adding most",
                    "indicators costing most",
                ),
                tuple(sel_rows),
                ("", "", "0", score_digits),
            ),
        ),
    )
