"""The report's data: its frozen, format-independent model and the scored view it is built on.

* :class:`Report`, :class:`Section`, :class:`Table`, :class:`Chart` — what
  :func:`evalsys.report.compute.build_report` returns and every writer renders (HTML,
  Markdown, Excel); :func:`format_cell` is the one text form of a table cell;
* :class:`ReportContext` — the arrays of one scored tree (scores, dimension scores, ranks,
  grades, weights, labels) that the section builders of :mod:`evalsys.report.compute`,
  :mod:`evalsys.report.sections_results` and :mod:`evalsys.report.sections_checks` read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__

if TYPE_CHECKING:
    from evalsys.model.compiled import CompiledTree
    from evalsys.model.tree import TreeSpec
    from evalsys.scoring.result import ScoreResult

__all__ = ["Cell", "Chart", "Report", "ReportContext", "Section", "Table", "format_cell"]

Cell = str | int | float | bool | None
"""One table cell: text, a number, a flag or missing (None)."""
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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
        """The number format of column ``j`` (``""`` when none is given)."""
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
        """Every table, in section order."""
        return tuple(t for s in self.sections for t in s.tables)

    @property
    def charts(self) -> tuple[Chart, ...]:
        """Every chart, in section order."""
        return tuple(c for s in self.sections for c in s.charts)

    def section(self, key: str) -> Section:
        """The section with ``key`` (KeyError when the report has none)."""
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


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


@dataclass(frozen=True, slots=True)
class ReportContext:
    """One scored tree as the section builders read it (built by :meth:`of`).

    ``fce`` is true for a fuzzy evaluation with grades: scores are then on the grade-score
    scale (``dim_range`` = lowest to highest grade score), otherwise indices in [0, 1] with
    dimension scores in [0, 100].  ``order`` lists entity positions best first; ``glob`` and
    ``local`` are the node weights in the compiled (BFS) order, ``dim_pos`` the positions of
    the dimensions in it.
    """

    compiled: CompiledTree
    res: ScoreResult
    name_of: dict[str, str]
    n: int
    fce: bool
    dim_range: tuple[float, float]
    score_range: tuple[float, float]
    dim_names: tuple[str, ...]
    score: FloatArray
    dims: FloatArray
    ids: tuple[str, ...]
    order: IntArray
    rank: IntArray
    grade_names: tuple[str, ...]
    grade_of: tuple[str, ...]
    grade_counts: IntArray
    mean: float
    median: float
    glob: FloatArray
    local: FloatArray
    dim_pos: tuple[int, ...]
    method_label: str
    score_digits: str

    @property
    def spec(self) -> TreeSpec:
        """The tree specification."""
        return self.compiled.spec

    @classmethod
    def of(cls, compiled: CompiledTree, res: ScoreResult) -> ReportContext:
        """The context of ``res``, scored on ``compiled``."""
        fce = res.method == "fce" and res.grade is not None
        gs = np.asarray(compiled.grade_scores)
        dim_range = (float(gs.min()), float(gs.max())) if fce else (0.0, 100.0)
        score = np.asarray(res.score, dtype=np.float64)
        grade_names = tuple(res.grade_names)
        grades = np.asarray(res.grade) if fce and res.grade is not None else None
        bfs_pos = {nid: i for i, nid in enumerate(compiled.node_ids)}
        return cls(
            compiled=compiled,
            res=res,
            name_of={n.id: n.name for n in compiled.spec.nodes},
            n=res.n_entities,
            fce=fce,
            dim_range=dim_range,
            score_range=dim_range if fce else (0.0, 1.0),
            dim_names=tuple(res.dimension_names),
            score=score,
            dims=np.asarray(res.dimension_score, dtype=np.float64),
            ids=tuple(str(x) for x in np.asarray(res.entity_ids)),
            order=np.argsort(np.asarray(res.rank), kind="stable"),
            rank=np.asarray(res.rank),
            grade_names=grade_names,
            grade_of=() if grades is None else tuple(grade_names[g] for g in grades),
            grade_counts=(
                np.zeros(0, dtype=np.int64)
                if grades is None
                else np.bincount(grades, minlength=len(grade_names))
            ),
            mean=float(np.nanmean(score)),
            median=float(np.nanmedian(score)),
            glob=np.asarray(res.weights.global_weights, dtype=np.float64),
            local=np.asarray(res.weights.local, dtype=np.float64),
            dim_pos=tuple(bfs_pos[d] for d in res.dimension_ids),
            method_label=res.method + (f" ({res.operator})" if res.operator else ""),
            score_digits="0.00" if fce else "0.0000",
        )
