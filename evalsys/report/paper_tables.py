"""The result tables of a paper, as :class:`~evalsys.report.data.Table` objects.

One builder per table, each reading a :class:`~evalsys.report.data.ReportContext` (and the
analysis result it shows) and returning unrounded numbers with one number format ``num``
(e.g. ``"0.0000"``) for every non-integer column:

* :func:`weights_table` (local and global weight of every node, the method and CR of its
  judgments), :func:`consistency_table` (λmax, CI, RI, RI table, CR per judgment matrix),
  :func:`matrix_tables` (each complete pairwise judgment matrix with its weights);
* :func:`membership_tables` (the FCE evaluation vectors B per level, see
  :func:`evalsys.report.paper_data.node_memberships`);
* :func:`scores_table` (rank, score, grade, dimension scores), :func:`grades_table`;
* :func:`topsis_tables` (D+, D−, C per entity; the ideal and anti-ideal solutions);
* :func:`oat_table` (one-at-a-time weight changes), :func:`stability_table` (Monte Carlo
  rank ranges).

Tables listing entities are ``detail`` tables: complete in Excel, their first rows by rank
in LaTeX and Markdown (see :mod:`evalsys.report.paper`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from evalsys.report.data import Cell, FloatArray, ReportContext, Table
from evalsys.report.latex import plain_cell
from evalsys.report.paper_data import LevelB, TopsisDistances

__all__ = [
    "consistency_table",
    "grades_table",
    "matrix_tables",
    "membership_tables",
    "oat_table",
    "scores_table",
    "stability_table",
    "topsis_tables",
    "weights_table",
]


def _f(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(float(v)) else float(v)


def weights_table(ctx: ReportContext, num: str) -> Table:
    """Every node depth first: level, id, name, parent, local and global weight, and for an
    internal node how its children's weights were derived and the CR of its judgments."""
    compiled, name_of = ctx.compiled, ctx.name_of
    by_node = {nw.node_id: nw for nw in ctx.res.weights.nodes}
    rows: list[tuple[Cell, ...]] = []

    def walk(i: int) -> None:
        nid = compiled.node_ids[i]
        p = int(compiled.parent[i])
        nw = by_node.get(nid)
        rows.append(
            (
                int(compiled.depth[i]),
                nid,
                name_of[nid],
                compiled.node_ids[p] if p >= 0 else "",
                float(ctx.local[i]) if p >= 0 else 1.0,
                float(ctx.glob[i]),
                nw.method if nw is not None else "",
                _f(nw.cr) if nw is not None else None,
            )
        )
        for c in compiled.children(i):
            walk(int(c))

    walk(0)
    return Table(
        "weights",
        "Local and global weights of every node",
        ("level", "node", "name", "parent", "local weight", "global weight", "method", "CR"),
        tuple(rows),
        ("0", "", "", "", num, num, "", num),
        "Local weight: share within the parent; global weight: product of the local weights "
        "from the root (the indicators' global weights add up to 1). Method and CR: of the "
        "node's judgments over its children.",
    )


def consistency_table(ctx: ReportContext, num: str) -> Table | None:
    """λmax, CI, RI, the RI table, CR and the verdict of every pairwise-judged node (None
    when no node has pairwise judgments)."""
    rows = tuple(
        (
            nw.node_id,
            ctx.name_of.get(nw.node_id, nw.node_id),
            len(nw.children),
            nw.method,
            _f(nw.lambda_max),
            _f(nw.ci),
            _f(nw.ri),
            nw.ri_table or "",
            _f(nw.cr),
            _f(nw.threshold),
            None if nw.consistent is None else ("yes" if nw.consistent else "no"),
        )
        for nw in ctx.res.weights.nodes
        if nw.spec == "pairwise" or nw.cr is not None
    )
    if not rows:
        return None
    return Table(
        "consistency",
        "Consistency of the judgment matrices",
        (
            "node",
            "name",
            "n",
            "method",
            "λmax",
            "CI",
            "RI",
            "RI table",
            "CR",
            "threshold",
            "consistent",
        ),
        rows,
        ("", "", "0", "", num, num, num, "", num, "0.00", ""),
        "CI = (λmax − n)/(n − 1), CR = CI/RI with RI from the named table; consistent when "
        "CR < threshold.",
    )


def _judgment(x: Any) -> str:
    """A judgment as entered: ``1/3`` stays, a number without a needless ``.0``."""
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def matrix_tables(ctx: ReportContext, num: str) -> list[Table]:
    """Each complete pairwise judgment matrix of one respondent, as entered, with the
    derived local weights; λmax, CI, RI and CR in the title."""
    compiled, spec, name_of = ctx.compiled, ctx.spec, ctx.name_of
    by_node = {nw.node_id: nw for nw in ctx.res.weights.nodes}
    out = []
    for i, nid in enumerate(compiled.node_ids):
        ws: Any = getattr(spec.node(nid), "weights", None)
        nw = by_node.get(nid)
        if (
            nw is None
            or getattr(ws, "type", None) != "pairwise"
            or ws.matrix is None
            or ws.experts is not None
        ):
            continue
        order = (
            tuple(ws.order)
            if ws.order is not None
            else tuple(compiled.node_ids[int(c)] for c in compiled.children(i))
        )
        w_of = dict(zip(nw.children, (float(x) for x in nw.weights), strict=True))
        names = [name_of.get(c, c) for c in order]
        rows = tuple(
            (names[r], *(_judgment(x) for x in ws.matrix[r]), w_of.get(order[r], math.nan))
            for r in range(len(order))
        )
        stats = ", ".join(
            f"{k} = {plain_cell(v, num)}"
            for k, v in (("λmax", nw.lambda_max), ("CI", nw.ci), ("RI", nw.ri), ("CR", nw.cr))
            if v is not None
        )
        out.append(
            Table(
                f"matrix_{nid}",
                f"Judgment matrix of {name_of[nid]} ({stats})",
                (name_of[nid], *names, "weight"),
                rows,
                ("", *([""] * len(order)), num),
                f"Saaty 1–9 scale, row over column; weights by {nw.method}"
                + (f", RI table {nw.ri_table}" if nw.ri_table else "")
                + (
                    ""
                    if nw.consistent is None
                    else "; consistent."
                    if nw.consistent
                    else "; NOT consistent."
                ),
            )
        )
    return out


def _grade_score(b: FloatArray, scores: FloatArray) -> float | None:
    total = float(b.sum())
    return float((b * scores).sum() / total) if total > 0 else None


def membership_tables(
    ctx: ReportContext, subjects: Sequence[str], levels: Sequence[LevelB], num: str
) -> list[Table]:
    """One table per level: the B vector of each node (leaves: its membership row R) for
    each subject (selected entities, or the mean entity), its grade score
    Σ bⱼsⱼ / Σ bⱼ and its maximum-membership grade."""
    compiled, name_of = ctx.compiled, ctx.name_of
    grades = ctx.grade_names
    gs = np.asarray(compiled.grade_scores, dtype=np.float64)
    mean = tuple(subjects) == ("mean",)
    out = []
    for lv in levels:
        rows: list[tuple[Cell, ...]] = []
        for s, subject in enumerate(subjects):
            for k, node in enumerate(lv.nodes):
                b = lv.B[s, k]
                nid = compiled.node_ids[int(node)]
                top = int(np.argmax(b)) if b.sum() > 0 else -1
                rows.append(
                    (
                        *(() if mean else (subject,)),
                        nid,
                        name_of[nid],
                        *(float(x) for x in b),
                        _grade_score(b, gs),
                        grades[top] if top >= 0 else None,
                    )
                )
        what = (
            "root"
            if lv.depth == 0
            else "indicators"
            if all(lv.leaf)
            else "dimensions"
            if lv.depth == 1
            else f"level {lv.depth}"
        )
        whom = (
            "selected entities"
            if not mean
            else f"entity {ctx.ids[0]}"
            if ctx.n == 1
            else f"mean of {ctx.n} entities"
        )
        out.append(
            Table(
                f"membership_level{lv.depth}",
                f"FCE membership vectors B, level {lv.depth} ({what}; {whom})",
                (*(() if mean else ("entity",)), "node", "name", *grades, "score", "grade"),
                tuple(rows),
                (*(() if mean else ("",)), "", "", *([num] * len(grades)), num, ""),
                f"Operator {ctx.res.operator}. "
                + ("Leaves: membership rows R of the indicator values. " if any(lv.leaf) else "")
                + "Score: Σ b_j s_j / Σ b_j with the grade scores "
                + " / ".join(f"{g.name} = {g.score:g}" for g in ctx.spec.grades)
                + "; grade: largest membership."
                + (" Mean: arithmetic mean of each entity's B." if mean else ""),
            )
        )
    return out


def scores_table(ctx: ReportContext, num: str) -> Table:
    """Every entity by rank: rank, id, score, grade (FCE) and the dimension scores."""
    rows = tuple(
        (
            int(ctx.rank[i]),
            ctx.ids[i],
            float(ctx.score[i]),
            *((ctx.grade_of[i],) if ctx.grade_of else ()),
            *(_f(x) for x in ctx.dims[i]),
        )
        for i in (int(j) for j in ctx.order)
    )
    fce = bool(ctx.grade_of)
    return Table(
        "scores",
        "Scores, grades and ranks" if fce else "Scores and ranks",
        ("rank", "entity", "score", *(("grade",) if fce else ()), *ctx.dim_names),
        rows,
        ("0", "", num, *(("",) if fce else ()), *([num] * len(ctx.dim_names))),
        (
            "Score: membership-weighted grade score; grade: largest membership of the root B; "
            "dimension scores on the same scale."
            if fce
            else f"Score: {ctx.res.method} index in [0, 1], larger is better; dimension "
            "scores: weighted mean utility × 100."
        )
        + " Rank 1 = best; ties share the lowest rank.",
        detail=True,
    )


def grades_table(ctx: ReportContext, num: str) -> Table | None:
    """Entities per grade (FCE), with their share and mean score."""
    if not ctx.fce or ctx.res.grade is None:
        return None
    g_of = np.asarray(ctx.res.grade)
    rows = tuple(
        (
            g.id,
            g.name,
            g.score,
            int(ctx.grade_counts[k]),
            float(ctx.grade_counts[k] / ctx.n),
            float(np.mean(ctx.score[g_of == k])) if ctx.grade_counts[k] else None,
        )
        for k, g in enumerate(ctx.spec.grades)
    )
    return Table(
        "grades",
        "Distribution of the grades",
        ("grade", "name", "grade score", "entities", "share", "mean score"),
        rows,
        ("", "", "", "0", num, num),
        "Grade by maximum membership of the root B.",
    )


def topsis_tables(ctx: ReportContext, t: TopsisDistances, num: str) -> list[Table]:
    """D+, D− and C of every entity by rank, and the weighted ideal and anti-ideal
    solution of every criterion."""
    compiled, name_of = ctx.compiled, ctx.name_of
    dist = Table(
        "topsis",
        "TOPSIS distances to the ideal (D+) and anti-ideal (D−) solution and closeness C",
        ("rank", "entity", "D+", "D−", "C"),
        tuple(
            (
                int(ctx.rank[i]),
                ctx.ids[i],
                float(t.d_plus[i]),
                float(t.d_minus[i]),
                float(t.closeness[i]),
            )
            for i in (int(j) for j in ctx.order)
        ),
        ("0", "", num, num, num),
        "C = D− / (D+ + D−); vector normalisation, weighted by the global indicator weights.",
        detail=True,
    )
    ideal = Table(
        "topsis_ideal",
        "TOPSIS ideal (V+) and anti-ideal (V−) solutions",
        ("indicator", "name", "weight", "values", "direction", "V+", "V−"),
        tuple(
            (
                lid,
                name_of[lid],
                float(t.weights[j]),
                "raw" if t.raw[j] else "utility",
                "benefit" if t.benefit[j] else "cost",
                float(t.ideal[j]),
                float(t.anti_ideal[j]),
            )
            for j, lid in enumerate(compiled.leaf_ids)
        ),
        ("", "", num, "", "", num, num),
        "Decision matrix: the raw values of larger-is-better indicators, the utilities in "
        "[0, 1] of the others; V = weight × value / column norm.",
    )
    return [dist, ideal]


def oat_table(ctx: ReportContext, oat: Any, num: str) -> Table:
    """One row per one-at-a-time change of a local weight (an
    :class:`~evalsys.analysis.sensitivity.oat.OATResult`): the weight before and after, the
    agreement of the ranking with the base ranking and the mean change of the scores."""
    grades = any(p.grade_changed is not None for p in oat.perturbations)
    rows = tuple(
        (
            ctx.name_of.get(p.child, p.child),
            f"{'+' if p.direction > 0 else '−'}{float(oat.delta) * 100:g}%",
            p.base_weight,
            p.weight,
            _f(p.spearman),
            _f(p.kendall),
            p.top_k_retained,
            p.mean_abs_rank_shift,
            int(p.max_abs_rank_shift),
            p.mean_score_change,
            *((_f(p.grade_changed),) if grades else ()),
        )
        for p in oat.perturbations
    )
    return Table(
        "sensitivity",
        f"Sensitivity of the ranking to one-at-a-time weight changes (±{float(oat.delta):.0%})",
        (
            "weight of",
            "change",
            "base weight",
            "new weight",
            "Spearman ρ",
            "Kendall τ",
            f"top-{oat.top_k} kept",
            "mean |Δrank|",
            "max |Δrank|",
            "mean Δscore",
            *(("grade changed",) if grades else ()),
        ),
        rows,
        ("", "", num, num, num, num, num, num, "0", num, *((num,) if grades else ())),
        "Each local weight multiplied by 1 ± δ, its siblings renormalised; ρ, τ and the rank "
        "shifts compare the new ranking with the base ranking.",
    )


def stability_table(ctx: ReportContext, mc: Any, num: str) -> Table:
    """Rank range of every entity over Monte Carlo weight samples (a
    :class:`~evalsys.analysis.sensitivity.montecarlo.MonteCarloResult`), by base rank."""
    e = mc.entities
    order = np.argsort(np.asarray(e.base_rank), kind="stable")
    grades = e.p_keep_grade is not None
    rows = tuple(
        (
            int(e.base_rank[i]),
            str(e.entity_ids[i]),
            float(e.rank_mean[i]),
            _f(float(e.rank_sd[i])),
            int(e.rank_min[i]),
            int(e.rank_max[i]),
            float(e.p_keep_rank[i]),
            float(e.p_rank_within[i]),
            float(e.p_top_k[i]),
            *((float(e.p_keep_grade[i]),) if grades else ()),
        )
        for i in (int(j) for j in order)
    )
    sp = np.asarray(mc.per_sample.spearman, dtype=np.float64)
    sp = sp[np.isfinite(sp)]
    summary = (
        f" Spearman ρ with the base ranking: mean {plain_cell(float(sp.mean()), num)}, "
        f"5th percentile {plain_cell(float(np.quantile(sp, 0.05)), num)}."
        if sp.size
        else ""
    )
    return Table(
        "rank_stability",
        f"Rank stability under {mc.samples} random weight samples (Monte Carlo)",
        (
            "base rank",
            "entity",
            "mean rank",
            "rank sd",
            "best rank",
            "worst rank",
            "P(same rank)",
            f"P(±{e.rank_window})",
            f"P(top {e.top_k})",
            *(("P(same grade)",) if grades else ()),
        ),
        rows,
        ("0", "", num, num, "0", "0", num, num, num, *((num,) if grades else ())),
        f"Local weights ~ Dirichlet(c·w), c = {float(mc.concentration):g}, "
        f"seed {mc.seed}." + summary,
        detail=True,
    )
