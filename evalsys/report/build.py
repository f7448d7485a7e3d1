"""Assemble an evaluation report (tables + charts) and write it as HTML, Markdown or Excel.

:func:`build_report` turns a scored tree into a :class:`Report`: a sequence of sections,
each with plain-text paragraphs, SVG charts (:mod:`evalsys.report.svg`) and tables.  The
writers only render that object:

* :func:`write_html` — one self-contained file (inline CSS and SVG, no script, no network;
  a Content-Security-Policy forbids scripts and remote loads as a second line of defence);
* :func:`write_markdown` — pipe tables, with the charts written as ``.svg`` files and linked;
* :func:`write_excel` — one sheet per table (openpyxl), numbers kept as numbers;
* :func:`write_charts` — every chart as ``.svg`` (and ``.png`` through headless Chromium).

Every string that comes from user files (tree, node and grade names, entity ids, segments,
benchmark labels) is escaped for the output format.  The output holds no timestamp: the same
input gives the same bytes (Excel files included — their zip and document dates are fixed).
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.errors import DataError
from evalsys.model.io import atomic_write
from evalsys.report import svg

if TYPE_CHECKING:
    from evalsys.model.compiled import CompiledTree
    from evalsys.scoring.evaluate import ScoreResult

__all__ = [
    "REPORT_FORMATS",
    "BenchmarkLike",
    "Chart",
    "ComplianceInput",
    "OATLike",
    "Report",
    "RowsLike",
    "Section",
    "SensitivityInput",
    "Table",
    "benchmark_compliance",
    "build_report",
    "compliance_rows",
    "format_cell",
    "oat_sensitivity",
    "render_html",
    "render_markdown",
    "sensitivity_series",
    "write_charts",
    "write_excel",
    "write_html",
    "write_markdown",
    "write_report",
]

Cell = str | int | float | bool | None
FloatArray = npt.NDArray[np.float64]


@runtime_checkable
class RowsLike(Protocol):
    """Anything with a ``to_rows()`` method returning a list of mappings (one per row)."""

    def to_rows(self) -> Sequence[Mapping[str, Any]]: ...


@runtime_checkable
class BenchmarkLike(Protocol):
    """A :class:`evalsys.analysis.benchmark.ComplianceResult`-like object (see
    :func:`benchmark_compliance`)."""

    @property
    def indicator_ids(self) -> tuple[str, ...]: ...

    def summary(self, *, top: int = ..., by: str | None = ...) -> dict[str, Any]: ...


ComplianceInput = RowsLike | BenchmarkLike | Sequence[Mapping[str, Any]]
"""Compliance rows: ``{indicator, limit, unit, compliant_share, worst_gap}`` (extra keys are
shown as extra columns; ``compliant_share`` is a fraction in [0, 1]), an object with
``to_rows()`` returning them, or a :class:`evalsys.analysis.benchmark.ComplianceResult`."""


@runtime_checkable
class OATLike(Protocol):
    """A :class:`evalsys.analysis.sensitivity.OATResult`-like object (see
    :func:`oat_sensitivity`)."""

    @property
    def delta(self) -> float: ...

    @property
    def perturbations(self) -> Sequence[Any]: ...


SensitivityInput = RowsLike | OATLike | Sequence[Any] | Mapping[str, Any]
"""Sensitivity results, any of: rows ``{series, x, y}`` (one line per series), rows
``{label, value}`` (one bar per label), a mapping label → number (bars), label → values
(lines over x = 1…n) or label → (xs, ys) (lines), one or several
:class:`evalsys.analysis.sensitivity.OATResult` (lines of Spearman's ρ over the weight multiplier).
Keys (of a mapping) or attributes (of a ``to_rows()`` object) ``title``, ``x_label`` and
``y_label`` label the chart."""


# -------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the report.

    ``formats`` gives one Excel-style number format per column (``"0.00"``, ``"0.0%"``,
    ``"0"`` or ``""`` for text); the HTML and Markdown writers render numbers with it and
    the Excel writer stores it as the cells' number format.  ``collapsed`` tables are folded
    away in HTML (one click opens them); ``detail`` tables (long lists) are also left out of
    Markdown (they are complete in Excel).
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    formats: tuple[str, ...] = ()
    note: str = ""
    detail: bool = False
    collapsed: bool = False

    def fmt(self, j: int) -> str:
        return self.formats[j] if j < len(self.formats) else ""


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: ``key`` is its file stem, ``svg`` the standalone SVG text."""

    key: str
    title: str
    svg: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of the report: paragraphs (plain text), charts and tables."""

    key: str
    title: str
    text: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """A complete report, independent of the output format.

    Attributes
    ----------
    title, subtitle
        Page title (the tree's name) and one line describing the evaluation.
    facts
        Key figures shown as cards at the top (label, value).
    sections
        Summary, scores and grades, dimensions, selected entities, weights and consistency,
        and — when given — compliance and sensitivity, then the full ranking.
    tree_id, method, operator, n_entities, version
        What produced the report (also in the summary table).
    """

    title: str
    subtitle: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    tree_id: str
    method: str
    operator: str | None
    n_entities: int
    version: str = __version__

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(t for s in self.sections for t in s.tables)

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(c for s in self.sections for c in s.charts)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


# ------------------------------------------------------------ input adapters


def benchmark_compliance(result: Any) -> list[dict[str, Any]]:
    """Compliance rows from a :class:`evalsys.analysis.benchmark.ComplianceResult` (through its
    ``summary()``): indicator, standard(s), unit, compliant share, worst gap, counts."""
    rows = []
    for x in result.summary(top=0, by=None)["indicators"]:
        limits = "; ".join(
            s["standard"]
            + ("" if s.get("applies_to") in (None, "all") else f" ({s['applies_to']})")
            for s in x.get("standards", ())
        )
        rows.append(
            {
                "indicator": x["indicator"],
                "limit": limits,
                "unit": x.get("unit"),
                "compliant_share": x.get("compliance"),
                "worst_gap": x.get("worst_gap"),
                "assessed": x.get("assessed"),
                "failed": x.get("failed"),
                "worst_entity": x.get("worst_entity"),
            }
        )
    return rows


def oat_sensitivity(results: Any, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Sensitivity lines from one or more :class:`evalsys.analysis.sensitivity.OATResult` (e.g. at
    several ``delta``): for every perturbed child, Spearman's ρ with the base ranking
    against the weight multiplier ``1 ± delta`` (the base, multiplier 1, has ρ = 1)."""
    items = [results] if hasattr(results, "perturbations") else list(results)
    names = names or {}
    pts: dict[str, dict[float, float]] = {}
    for r in items:
        for p in r.perturbations:
            m = 1.0 + p.direction * float(r.delta)
            pts.setdefault(p.child, {1.0: 1.0})[m] = float(p.spearman)
    out: dict[str, Any] = {
        "title": "Rank stability under weight changes 权重敏感性",
        "x_label": "weight multiplier of one dimension (others renormalised)",
        "y_label": "Spearman ρ with the base ranking",
    }
    for child, d in pts.items():
        xs = sorted(d)
        out[names.get(child, child)] = (xs, [d[x] for x in xs])
    return out


def _rows_of(obj: Any, what: str) -> list[Mapping[str, Any]]:
    if what == "compliance" and isinstance(obj, BenchmarkLike):
        return list(benchmark_compliance(obj))
    rows = obj.to_rows() if isinstance(obj, RowsLike) else obj
    if isinstance(rows, Mapping | str | bytes):
        raise DataError(f"{what}: expected a list of rows (mappings), got {type(rows).__name__}")
    out = list(rows)
    bad = [i + 1 for i, r in enumerate(out) if not isinstance(r, Mapping)]
    if bad:
        raise DataError(f"{what}: every row must be a mapping of column → value", rows=bad)
    return out


_COMPLIANCE_COLUMNS = ("indicator", "limit", "unit", "compliant_share", "worst_gap")


def compliance_rows(compliance: ComplianceInput) -> tuple[tuple[str, ...], list[list[Cell]]]:
    """Columns and rows of a compliance input (see :data:`ComplianceInput`)."""
    rows = _rows_of(compliance, "compliance")
    missing = [i + 1 for i, r in enumerate(rows) if "indicator" not in r]
    if missing:
        raise DataError("compliance: every row needs an 'indicator' value", rows=missing)
    cols = [c for c in _COMPLIANCE_COLUMNS if any(c in r for r in rows)]
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(str(k))
    return tuple(cols), [[_cell(r.get(c)) for c in cols] for r in rows]


def _cell(v: Any) -> Cell:
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float | np.floating):
        return float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, tuple | list):
        return " – ".join(str(_cell(x)) for x in v)
    return str(v)


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


@dataclass(frozen=True, slots=True)
class _Sensitivity:
    kind: str  # "lines" or "bars"
    series: tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...]
    title: str
    x_label: str
    y_label: str


def sensitivity_series(
    sensitivity: SensitivityInput, names: Mapping[str, str] | None = None
) -> _Sensitivity:
    """Normalise a sensitivity input (see :data:`SensitivityInput`; also
    :class:`evalsys.analysis.sensitivity.OATResult` objects, labelled by ``names`` of their
    node ids)
    to lines or bars."""
    if hasattr(sensitivity, "perturbations") or (
        isinstance(sensitivity, Sequence)
        and sensitivity
        and all(hasattr(r, "perturbations") for r in sensitivity)
    ):
        sensitivity = oat_sensitivity(sensitivity, names)
    meta = {k: str(getattr(sensitivity, k, "") or "") for k in ("title", "x_label", "y_label")}
    if isinstance(sensitivity, Mapping) and not isinstance(sensitivity, RowsLike):
        meta |= {
            k: str(sensitivity[k]) for k in ("title", "x_label", "y_label") if k in sensitivity
        }
        items: list[tuple[str, Any]] = [
            (str(k), v) for k, v in sensitivity.items() if k not in meta
        ]
        if all(isinstance(v, int | float | np.number) for _, v in items):
            return _Sensitivity("bars", tuple((k, (), (float(v),)) for k, v in items), **meta)
        series = []
        for k, v in items:
            if (
                isinstance(v, tuple)
                and len(v) == 2
                and all(isinstance(p, Sequence | np.ndarray) for p in v)
            ):
                xs, ys = (tuple(_num(a) for a in v[0]), tuple(_num(b) for b in v[1]))
            elif isinstance(v, Sequence | np.ndarray) and not isinstance(v, str):
                ys = tuple(_num(b) for b in v)
                xs = tuple(float(i + 1) for i in range(len(ys)))
            else:
                raise DataError(
                    f"sensitivity: value of '{k}' must be a number, a list of numbers or a "
                    f"pair (xs, ys), got {type(v).__name__}"
                )
            if len(xs) != len(ys):
                raise DataError(f"sensitivity: '{k}' has {len(xs)} x values and {len(ys)} y values")
            series.append((k, xs, ys))
        return _Sensitivity("lines", tuple(series), **meta)
    rows = _rows_of(sensitivity, "sensitivity")
    if rows and all("x" in r and "y" in r for r in rows):
        groups: dict[str, tuple[list[float], list[float]]] = {}
        for r in rows:
            name = str(r.get("series", r.get("label", "")))
            g = groups.setdefault(name, ([], []))
            g[0].append(_num(r["x"]))
            g[1].append(_num(r["y"]))
        return _Sensitivity(
            "lines", tuple((k, tuple(v[0]), tuple(v[1])) for k, v in groups.items()), **meta
        )
    if rows and all("label" in r and "value" in r for r in rows):
        return _Sensitivity(
            "bars", tuple((str(r["label"]), (), (_num(r["value"]),)) for r in rows), **meta
        )
    raise DataError(
        "sensitivity: rows need keys {series, x, y} or {label, value}",
        rows=[i + 1 for i, r in enumerate(rows)][:10] or None,
    )


# ------------------------------------------------------------------- builder


def _stats(x: FloatArray) -> list[float]:
    v = x[np.isfinite(x)]
    if v.size == 0:
        return [math.nan] * 7
    q1, med, q3 = np.percentile(v, [25, 50, 75])
    sd = float(v.std(ddof=1)) if v.size > 1 else math.nan
    return [float(v.mean()), float(med), sd, float(v.min()), float(q1), float(q3), float(v.max())]


def _pick_entities(res: ScoreResult, entities: Sequence[str]) -> list[tuple[str, int]]:
    """(role, position) of the entities to show in detail: given ids, or best/median/worst."""
    ids = [str(x) for x in np.asarray(res.entity_ids)]
    if entities:
        pos = {e: i for i, e in enumerate(ids)}
        unknown = [e for e in entities if e not in pos]
        if unknown:
            raise DataError(
                f"unknown entity id(s): {', '.join(unknown[:5])}; known ids start with "
                + ", ".join(ids[:5])
            )
        return [("selected", pos[e]) for e in dict.fromkeys(entities)]
    order = np.argsort(np.asarray(res.rank), kind="stable")
    if order.size == 0:
        return []
    picks = [("best", int(order[0])), ("median", int(order[order.size // 2]))]
    picks.append(("worst", int(order[-1])))
    seen: dict[int, str] = {}
    for role, i in picks:
        seen.setdefault(i, role)
    return [(role, i) for i, role in seen.items()]


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
        Output of :func:`evalsys.scoring.evaluate.score_entities` (its ``weights`` give the
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
    res = score_result
    spec = compiled.spec
    if heatmap_rows < 2:
        raise DataError(f"heatmap_rows must be at least 2, got {heatmap_rows}")
    name_of = {n.id: n.name for n in spec.nodes}
    E = res.n_entities
    if E == 0:
        raise DataError("no entities to report on (every row was skipped)")
    fce = res.method == "fce" and res.grade is not None
    gs = np.asarray(compiled.grade_scores)
    dim_range = (float(gs.min()), float(gs.max())) if fce else (0.0, 100.0)
    score_range = dim_range if fce else (0.0, 1.0)
    dim_names = list(res.dimension_names)
    score = np.asarray(res.score, dtype=np.float64)
    D = np.asarray(res.dimension_score, dtype=np.float64)
    ids = [str(x) for x in np.asarray(res.entity_ids)]
    order = np.argsort(np.asarray(res.rank), kind="stable")
    grade_names = list(res.grade_names)
    grade_of = (
        [grade_names[g] for g in np.asarray(res.grade)] if fce and res.grade is not None else []
    )
    method_label = res.method + (f" ({res.operator})" if res.operator else "")
    tw = res.weights
    weights_ok = tw.all_consistent
    score_digits = "0.00" if fce else "0.0000"

    sections: list[Section] = []

    # ---------------------------------------------------------------- summary
    mean, median = float(np.nanmean(score)), float(np.nanmedian(score))
    facts: list[tuple[str, str]] = [
        ("Entities 评价对象", f"{E}"),
        ("Indicators 指标", f"{compiled.n_leaves} in {len(dim_names)} dimensions"),
        ("Mean score 平均分", f"{mean:.2f}" if fce else f"{mean:.4f}"),
        ("Median score 中位数", f"{median:.2f}" if fce else f"{median:.4f}"),
    ]
    if fce and res.grade is not None:
        counts = np.bincount(np.asarray(res.grade), minlength=len(grade_names))
        top = int(np.argmax(counts))
        facts.append(("Most common grade 众数等级", f"{grade_names[top]} ({counts[top] / E:.0%})"))
    crs = [nw.cr for nw in res.weights.nodes if nw.cr is not None]
    max_cr = f" (max CR {max(crs):.3f})" if crs else ""
    facts.append(("Weights consistent 一致性", ("yes" if weights_ok else "NO") + max_cr))
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
    sections.append(
        Section(
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
    )

    # ---------------------------------------------------------------- weights
    glob = np.asarray(tw.global_weights, dtype=np.float64)
    local = np.asarray(tw.local, dtype=np.float64)
    by_node = {nw.node_id: nw for nw in tw.nodes}
    bfs_pos = {nid: i for i, nid in enumerate(compiled.node_ids)}
    sb_nodes: list[svg.SunburstNode] = []
    for i, nid in enumerate(compiled.node_ids):
        nw = by_node.get(nid)
        note = f"CR {nw.cr:.4f}" if nw is not None and nw.cr is not None else ""
        p = int(compiled.parent[i])
        sb_nodes.append(
            svg.SunburstNode(
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
    dim_pos = [bfs_pos[d] for d in res.dimension_ids]
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
    sections.append(
        Section(
            "weights",
            "Weights and consistency 权重与一致性检验",
            tuple(w_text),
            charts=(
                Chart(
                    "weights_sunburst",
                    "Weight sunburst",
                    svg.sunburst(sb_nodes, title="Weights 权重 (arc = global weight)", size=480),
                    "Inner ring: dimensions; outer ring: indicators. Hover for exact weights.",
                ),
                Chart(
                    "weights_tree",
                    "Weight tree",
                    svg.weight_tree(sb_nodes, title="Indicator weights 指标权重", width=660),
                    "Bars: global weight; numbers: local and global weight.",
                ),
            ),
            tables=tuple(tables_w),
        )
    )

    # ----------------------------------------------------------------- scores
    charts_s = [
        Chart(
            "score_histogram",
            "Score distribution",
            svg.histogram(
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
        counts = np.bincount(np.asarray(res.grade), minlength=len(grade_names))
        charts_s.append(
            Chart(
                "grade_distribution",
                "Grade distribution",
                svg.bar_chart(
                    grade_names,
                    [float(c) for c in counts],
                    title="Grade distribution 等级分布",
                    y_label="entities",
                    colors=svg.grade_colors(len(grade_names)),
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
    sections.append(
        Section(
            "scores",
            "Scores and grades 综合得分与等级",
            (
                f"Scores range from {np.nanmin(score):.2f} to {np.nanmax(score):.2f} "
                f"(mean {mean:.2f}, median {median:.2f}).",
            ),
            charts=tuple(charts_s),
            tables=tuple(tables_s),
        )
    )

    # ------------------------------------------------------------- dimensions
    dim_glob = [float(glob[p]) for p in dim_pos]
    dcolors = [svg.CATEGORY_COLORS[k % len(svg.CATEGORY_COLORS)] for k in range(len(dim_names))]
    stat_rows: list[tuple[Cell, ...]] = [
        (res.dimension_ids[k], dim_names[k], dim_glob[k], *_stats(D[:, k]))
        for k in range(len(dim_names))
    ]
    charts_d = [
        Chart(
            "dimension_boxplot",
            "Dimension scores",
            svg.box_plot(
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
    rank = np.asarray(res.rank)
    notes = [
        f"#{int(rank[i])} · {score[i]:.2f}" + (f" {grade_of[i]}" if grade_of else "")
        for i in rows_idx
    ]
    charts_d.append(
        Chart(
            "dimension_heatmap",
            "Entity × dimension heat map",
            svg.heat_map(
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
                    svg.heat_map(
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
    sections.append(
        Section(
            "dimensions",
            "Dimensions 维度分析",
            (
                "Which dimensions are strong or weak, across all entities and for the best and "
                "worst ones.",
            ),
            charts=tuple(charts_d),
            tables=tuple(tables_d),
        )
    )

    # ------------------------------------------------------- selected entities
    picks = _pick_entities(res, entities)
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
                svg.radar(
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
    sections.append(
        Section(
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
    )

    # -------------------------------------------------------------- compliance
    if compliance is not None:
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
            shares = [_num(r[j]) * 100 for r in crow]
            charts_c.append(
                Chart(
                    "compliance",
                    "Compliance with standards",
                    svg.hbar_chart(
                        labels,
                        shares,
                        title="Share of entities meeting each standard 达标率",
                        x_max=100.0,
                        value_fmt="{:.1f}%",
                        colors=[svg.strong_color(s / 100) for s in shares],
                    ),
                    "Bar: share of entities that meet the standard (%).",
                )
            )
        sections.append(
            Section(
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
        )

    # ------------------------------------------------------------- sensitivity
    if sensitivity is not None:
        sens = sensitivity_series(sensitivity, name_of)
        srows: tuple[tuple[Cell, ...], ...]
        if sens.kind == "bars":
            labels = [s[0] for s in sens.series]
            vals = [s[2][0] for s in sens.series]
            finite_v = [v for v in vals if math.isfinite(v)]
            chart = svg.hbar_chart(
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
            chart = svg.line_plot(
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
        sections.append(
            Section(
                "sensitivity",
                "Sensitivity 敏感性分析",
                (
                    "How much the results change when the weights or the method change "
                    "(values near 1 mean a stable ranking).",
                ),
                charts=(Chart("sensitivity", "Sensitivity", chart),),
                tables=(Table("sensitivity", "Sensitivity", scols, srows, sfmt),),
            )
        )

    # ----------------------------------------------------------------- ranking
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
    sections.append(
        Section(
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
    )

    # results first, then how they were obtained
    order_keys = (
        "summary",
        "scores",
        "dimensions",
        "entities",
        "weights",
        "compliance",
        "sensitivity",
        "ranking",
    )
    sections.sort(key=lambda sec: order_keys.index(sec.key))
    return Report(
        title=title or spec.name,
        subtitle=(
            f"{spec.name_en + ' · ' if spec.name_en else ''}tree {spec.id}"
            f"{' v' + spec.version if spec.version else ''} · {E} entities · {method_label}"
            f" · evalsys {res.version}"
        ),
        facts=tuple(facts),
        sections=tuple(sections),
        tree_id=spec.id,
        method=res.method,
        operator=res.operator,
        n_entities=E,
        version=res.version,
    )


# -------------------------------------------------------------------- format


def _decimals(fmt: str) -> int:
    return len(fmt.split(".")[1].rstrip("%")) if "." in fmt else 0


def format_cell(v: Cell, fmt: str = "") -> str:
    """Text of one cell: numbers with ``fmt`` (Excel style), None/NaN as an em dash."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | float):
        x = float(v)
        if not math.isfinite(x):
            return "—"
        if fmt.endswith("%"):
            return f"{x * 100:.{_decimals(fmt)}f}%"
        if isinstance(v, int):
            return str(v)
        if fmt:
            return f"{x:.{_decimals(fmt)}f}"
        return f"{x:.4g}"
    return str(v)


# ---------------------------------------------------------------------- HTML

_CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --accent:#3b6fb6; --bg:#f5f7fa; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font-family: "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
  "PingFang SC", sans-serif; font-size:14px; line-height:1.5; }
header { background:#1f3a5f; color:#fff; padding:24px 32px 16px; }
header h1 { margin:0 0 4px; font-size:26px; }
header p { margin:0; opacity:.85; }
nav { margin-top:12px; display:flex; flex-wrap:wrap; gap:6px 16px; }
nav a { color:#cfe0ff; text-decoration:none; font-size:13px; }
main { max-width:1280px; margin:0 auto; padding:16px 24px 40px; }
.cards { display:flex; flex-wrap:wrap; gap:12px; margin:8px 0 4px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:10px 16px;
  min-width:150px; }
.card .k { color:var(--muted); font-size:12px; }
.card .v { font-size:20px; font-weight:bold; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:8px 20px 16px;
  margin:16px 0; }
section h2 { font-size:19px; border-bottom:2px solid var(--accent); padding-bottom:4px; }
.charts { display:flex; flex-wrap:wrap; gap:16px; align-items:flex-start; }
figure { margin:0; max-width:100%; overflow-x:auto; }
figure svg { max-width:100%; height:auto; display:block; }
figcaption { color:var(--muted); font-size:12px; max-width:620px; }
.tablewrap { overflow-x:auto; margin:12px 0; }
table { border-collapse:collapse; font-size:13px; }
caption { text-align:left; font-weight:bold; padding:4px 0; }
th, td { border-bottom:1px solid var(--line); padding:3px 10px; text-align:left;
  white-space:nowrap; }
th { background:#eef2f7; }
td.n { text-align:right; font-variant-numeric: tabular-nums; }
td.bad { color:#b42318; font-weight:bold; }
td.wrap { white-space:normal; min-width:240px; max-width:420px; }
details summary { cursor:pointer; color:var(--accent); margin:8px 0; }
.note { color:var(--muted); font-size:12px; }
footer { text-align:center; color:var(--muted); font-size:12px; padding:16px; }
"""


def _html_table(t: Table) -> str:
    e = escape
    head = "".join(f"<th>{e(c)}</th>" for c in t.columns)
    body = []
    for r in t.rows:
        cells = []
        for j, v in enumerate(r):
            text = format_cell(v, t.fmt(j))
            cls = "n" if isinstance(v, int | float) and not isinstance(v, bool) else ""
            if v == "NO":
                cls = "bad"
            elif len(text) > 36:
                cls = "wrap"
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{e(t.note)}</p>' if t.note else ""
    table = (
        f'<div class="tablewrap"><table data-table="{e(t.key)}"><caption>{e(t.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{note}"
    )
    if t.detail or t.collapsed:
        return (
            f"<details><summary>{e(t.title)} ({len(t.rows)} rows, click to expand)</summary>"
            f"{table}</details>"
        )
    return table


def render_html(report: Report) -> str:
    """The report as one self-contained HTML document (text)."""
    e = escape
    nav = "".join(f'<a href="#{e(s.key)}">{e(s.title)}</a>' for s in report.sections)
    cards = "".join(
        f'<div class="card"><div class="k">{e(k)}</div><div class="v">{e(v)}</div></div>'
        for k, v in report.facts
    )
    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n",
        '<link rel="icon" href="data:,">\n',
        f'<meta name="generator" content="evalsys {e(report.version)}">\n',
        f"<title>{e(report.title)} — evaluation report</title>\n",
        f"<style>{_CSS}</style>\n</head>\n<body>\n",
        f"<header><h1>{e(report.title)}</h1><p>{e(report.subtitle)}</p><nav>{nav}</nav></header>\n",
        "<main>\n",
    ]
    for k, s in enumerate(report.sections):
        parts.append(f'<section id="{e(s.key)}">\n<h2>{e(s.title)}</h2>\n')
        if k == 0:
            parts.append(f'<div class="cards">{cards}</div>\n')
        parts.extend(f"<p>{e(p)}</p>\n" for p in s.text)
        if s.charts:
            parts.append('<div class="charts">\n')
            for c in s.charts:
                cap = f"<figcaption>{e(c.caption)}</figcaption>" if c.caption else ""
                parts.append(f'<figure data-chart="{e(c.key)}">\n{c.svg}{cap}</figure>\n')
            parts.append("</div>\n")
        parts.extend(_html_table(t) + "\n" for t in s.tables)
        parts.append("</section>\n")
    parts.append(
        f"</main>\n<footer>evalsys {e(report.version)} · tree {e(report.tree_id)} · "
        f"{report.n_entities} entities · self-contained report (no network, no scripts)"
        "</footer>\n</body>\n</html>\n"
    )
    return "".join(parts)


def write_html(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write ``report`` as one self-contained HTML file (atomically); return the path."""
    target = Path(path)
    with atomic_write(target, "wb") as fh:
        fh.write(render_html(report).encode("utf-8"))
    return target


# ------------------------------------------------------------------ Markdown


def _md(s: str) -> str:
    """Escape text for a Markdown table cell or paragraph (HTML-escaped, pipes escaped)."""
    out = escape(s, quote=False).replace("|", "\\|").replace("\n", " ")
    for ch in "*_`[]":
        out = out.replace(ch, "\\" + ch)
    return out


def _md_table(t: Table) -> str:
    lines = [f"**{_md(t.title)}**", ""]
    lines.append("| " + " | ".join(_md(c) for c in t.columns) + " |")
    aligns = []
    for j in range(len(t.columns)):
        vals = [r[j] for r in t.rows if r[j] is not None]
        numeric = bool(vals) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in vals
        )
        aligns.append("---:" if numeric else "---")
    lines.append("| " + " | ".join(aligns) + " |")
    for r in t.rows:
        lines.append(
            "| " + " | ".join(_md(format_cell(v, t.fmt(j))) for j, v in enumerate(r)) + " |"
        )
    if t.note:
        lines += ["", _md(t.note)]
    return "\n".join(lines) + "\n"


def render_markdown(report: Report, chart_links: Mapping[str, str]) -> str:
    """The report as Markdown text; ``chart_links`` maps chart key → relative file path."""
    out = [f"# {_md(report.title)}", "", _md(report.subtitle), ""]
    out += [f"- **{_md(k)}**: {_md(v)}" for k, v in report.facts]
    out.append("")
    for s in report.sections:
        out += [f"## {_md(s.title)}", ""]
        for p in s.text:
            out += [_md(p), ""]
        for c in s.charts:
            link = chart_links.get(c.key)
            if link:
                out += [f"![{_md(c.title)}]({link})", ""]
                if c.caption:
                    out += [f"*{_md(c.caption)}*", ""]
        for t in s.tables:
            if t.detail:
                out += [f"{_md(t.title)}: {len(t.rows)} rows, in the Excel report.", ""]
            else:
                out += [_md_table(t)]
    out.append(f"---\nevalsys {_md(report.version)} · tree {_md(report.tree_id)}\n")
    return "\n".join(out)


def write_charts(
    report: Report, directory: str | os.PathLike[str], *, png: bool = False
) -> list[Path]:
    """Write every chart as ``<key>.svg`` in ``directory`` (and ``<key>.png`` when ``png``:
    rendered by headless Chromium at 2× scale, see :mod:`evalsys.report.browser`)."""
    folder = Path(directory)
    written: list[Path] = []
    for c in report.charts:
        p = folder / f"{c.key}.svg"
        with atomic_write(p, "wb") as fh:
            fh.write(('<?xml version="1.0" encoding="UTF-8"?>\n' + c.svg).encode("utf-8"))
        written.append(p)
    if png:
        from evalsys.report.browser import svg_to_png

        written += [svg_to_png(p, p.with_suffix(".png")) for p in list(written)]
    return written


def write_markdown(
    report: Report,
    path: str | os.PathLike[str],
    charts_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``report`` as Markdown with the charts as SVG files in ``charts_dir`` (default
    ``<stem>_charts`` beside the file), linked by relative paths; return the path."""
    target = Path(path)
    folder = (
        Path(charts_dir) if charts_dir is not None else target.with_name(f"{target.stem}_charts")
    )
    files = write_charts(report, folder)
    base = target.resolve().parent
    links = {p.stem: Path(os.path.relpath(p.resolve(), base)).as_posix() for p in files}
    with atomic_write(target, "wb") as fh:
        fh.write(render_markdown(report, links).encode("utf-8"))
    return target


# --------------------------------------------------------------------- Excel

_FIXED_DATE = (2000, 1, 1, 0, 0, 0)


def _excel_bytes(report: Report) -> bytes:
    import datetime

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    fixed = datetime.datetime(*_FIXED_DATE)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = f"evalsys {report.version}"
    wb.properties.title = report.title
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF2F7")
    seen: set[str] = set()
    for t in report.tables:
        name = _sheet_name(t.key, seen)
        ws = wb.create_sheet(name)
        ws.append(list(t.columns))
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(horizontal="center")
        for r in t.rows:
            ws.append([_excel_value(v) for v in r])
        widths = [
            max([_width(c)] + [_width(format_cell(r[j], t.fmt(j))) for r in t.rows[:200]])
            for j, c in enumerate(t.columns)
        ]
        for j, w in enumerate(widths):
            letter = get_column_letter(j + 1)
            ws.column_dimensions[letter].width = min(max(w + 2, 6), 60)
            fmt = t.fmt(j)
            if fmt:
                for row in ws.iter_rows(min_row=2, min_col=j + 1, max_col=j + 1):
                    for cell in row:
                        if isinstance(cell.value, int | float):
                            cell.number_format = fmt
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue(), fixed.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _excel_value(v: Cell) -> Cell:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _width(s: str) -> float:
    return sum(2.0 if ord(ch) >= 0x2E80 else 1.0 for ch in s)


def _sheet_name(key: str, seen: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in key)[:31] or "table"
    name, k = base, 2
    while name.lower() in seen:
        suffix = f"_{k}"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    seen.add(name.lower())
    return name


def _normalise_zip(data: bytes, stamp: str) -> bytes:
    """Rewrite an .xlsx (zip) with fixed entry dates and document dates: same input, same
    bytes."""
    import re

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda m: m.group(1) + stamp.encode() + m.group(3),
                    content,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def write_excel(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write ``report`` as an Excel workbook, one sheet per table (atomically)."""
    target = Path(path)
    data = _excel_bytes(report)
    with atomic_write(target, "wb") as fh:
        fh.write(data)
    return target


REPORT_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xlsx": "excel",
}


def write_report(
    report: Report,
    path: str | os.PathLike[str],
    *,
    charts_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``report`` in the format given by the extension of ``path`` (.html, .md, .xlsx)."""
    suffix = Path(path).suffix.lower()
    fmt = REPORT_FORMATS.get(suffix)
    if fmt is None:
        raise DataError(
            f"unsupported report type '{suffix or '(none)'}'; use one of "
            + ", ".join(sorted(REPORT_FORMATS)),
            file=str(path),
        )
    if fmt == "html":
        return write_html(report, path)
    if fmt == "markdown":
        return write_markdown(report, path, charts_dir)
    return write_excel(report, path)
