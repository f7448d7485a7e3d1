"""Charts of the period view: lines over period labels, grade shares, grade transitions.

Both are pure functions returning standalone SVG text drawn with the primitives of
:mod:`evalsys.report.svg` (same canvas, fonts, colours, escaping and deterministic
coordinates).  Unlike :func:`~evalsys.report.svg.line_plot`, the x axis here is categorical:
one tick per period label, in order; a missing value (NaN) breaks the line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from evalsys.report import svg

__all__ = ["grade_shares", "period_lines", "transition_matrix"]

FloatArray = npt.NDArray[np.float64]


def _x_labels(
    canvas: svg.SvgCanvas, periods: Sequence[str], x_of: list[float], y: float, slot: float
) -> None:
    rotate = max([svg.text_width(p, 11) for p in periods] + [0.0]) > slot - 4
    for x, p in zip(x_of, periods, strict=True):
        if rotate:
            canvas.text(x, y + 14, p, size=11, anchor="end", rotate=-35, fill=svg.MUTED)
        else:
            canvas.text(x, y + 16, p, size=11, anchor="middle", fill=svg.MUTED)


def period_lines(
    periods: Sequence[str],
    series: Sequence[tuple[str, Sequence[float] | FloatArray]],
    *,
    title: str = "",
    y_label: str = "",
    y_range: tuple[float, float] | None = None,
    width: float = 660,
    height: float = 340,
) -> str:
    """One line per ``(label, values)`` series over ``periods`` (one value per period)."""
    values = [np.asarray(v, dtype=np.float64) for _, v in series]
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if y_range is not None:
        lo, hi = y_range
    else:
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    ticks = svg.nice_ticks(lo, hi, 5)
    legend_w = svg.label_width([s for s, _ in series], cap=220.0, pad=34)
    canvas = svg.chart_canvas(width, height, title, "trend")
    left, right, top, bottom = 60.0, 16 + legend_w, 44.0, 56.0
    pw, ph = width - left - right, height - top - bottom
    n = max(len(periods), 1)
    slot = pw / n
    x_of = [left + slot * (i + 0.5) for i in range(len(periods))]

    def y_of(v: float) -> float:
        return top + ph * (1 - (v - ticks[0]) / (ticks[-1] - ticks[0]))

    for t in ticks:
        canvas.line(left, y_of(t), left + pw, y_of(t))
        canvas.text(left - 6, y_of(t) + 4, f"{t:g}", size=11, anchor="end", fill=svg.MUTED)
    if y_label:
        canvas.text(14, top + ph / 2, y_label, size=12, anchor="middle", rotate=-90, fill=svg.MUTED)
    canvas.line(left, y_of(ticks[0]), left + pw, y_of(ticks[0]), svg.MUTED)
    _x_labels(canvas, periods, x_of, y_of(ticks[0]), slot)
    for s, ((name, _), v) in enumerate(zip(series, values, strict=True)):
        col = svg.CATEGORY_COLORS[s % len(svg.CATEGORY_COLORS)]
        runs: list[list[tuple[float, float]]] = [[]]
        for i, y in enumerate(v.tolist()):
            if math.isfinite(y):
                runs[-1].append((x_of[i], y_of(y)))
            elif runs[-1]:
                runs.append([])
        for run in runs:
            if len(run) >= 2:
                canvas.path(svg.points_path(run), stroke=col, extra='stroke-width="2"')
        for i, y in enumerate(v.tolist()):
            if math.isfinite(y):
                canvas.circle(x_of[i], y_of(y), 3, col, tip=f"{name} · {periods[i]}: {y:.4g}")
        svg.series_legend(canvas, s, name, col, width=width, top=top, legend_w=legend_w)
    return canvas.render()


def grade_shares(
    periods: Sequence[str],
    grades: Sequence[str],
    counts: npt.ArrayLike,
    *,
    title: str = "",
    width: float = 660,
    height: float = 320,
) -> str:
    """Stacked 100 % bars: the share of entities in each grade (best at the top) per period.

    ``counts`` is (n_periods, n_grades), grades best first.
    """
    c = np.asarray(counts, dtype=np.float64).reshape(len(periods), len(grades))
    colors = svg.grade_colors(len(grades))
    legend_w = svg.label_width(grades, cap=160.0, pad=34, floor=30.0)
    canvas = svg.chart_canvas(width, height, title, "grades per period")
    left, right, top, bottom = 52.0, 16 + legend_w, 44.0, 56.0
    pw, ph = width - left - right, height - top - bottom
    slot = pw / max(len(periods), 1)
    bw = slot * 0.64
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + ph * (1 - t)
        canvas.line(left, y, left + pw, y)
        canvas.text(left - 6, y + 4, f"{t:.0%}", size=11, anchor="end", fill=svg.MUTED)
    for i, p in enumerate(periods):
        total = float(c[i].sum())
        x = left + slot * i + (slot - bw) / 2
        y = top + ph
        for g in range(len(grades) - 1, -1, -1):  # worst at the bottom
            share = c[i, g] / total if total > 0 else 0.0
            h = ph * share
            tip = f"{p} · {grades[g]}: {int(c[i, g])} ({share:.1%})"
            canvas.rect(x, y - h, bw, h, colors[g], tip=tip)
            if h >= 14:
                canvas.text(x + bw / 2, y - h / 2 + 4, f"{share:.0%}", size=10, anchor="middle")
            y -= h
    _x_labels(
        canvas, periods, [left + slot * (i + 0.5) for i in range(len(periods))], top + ph, slot
    )
    for g, name in enumerate(grades):
        ly = top + 8 + 18 * g
        lx = width - legend_w
        canvas.rect(lx, ly - 8, 14, 12, colors[g])
        canvas.fitted_text(lx + 20, ly + 2, name, legend_w - 26)
    return canvas.render()


def transition_matrix(
    start: str,
    end: str,
    grades: Sequence[str],
    counts: npt.ArrayLike,
    *,
    title: str = "",
    cell: float = 64,
) -> str:
    """Grade-transition chart: entities per (grade in ``start``, grade in ``end``).

    Rows are the earlier grade, columns the later one (best first).  Cells that moved to a
    better grade are blue, to a worse grade red, unchanged grey; the tint grows with the
    share of the row, written under the count.
    """
    c = np.asarray(counts, dtype=np.float64).reshape(len(grades), len(grades))
    n = len(grades)
    label_w = max([svg.text_width(f"{start}: {g}", 12) for g in grades] + [40.0]) + 16
    top = 64.0
    legend = "blue: moved up · red: moved down · grey: unchanged"
    width = max(
        label_w + cell * n + 24,
        svg.text_width(title, 15) + 32,
        label_w + svg.text_width(legend, 11) + 16,
        320.0,
    )
    height = top + cell * 0.62 * n + 40
    canvas = svg.chart_canvas(width, height, title, "grade transitions")
    rows = c.sum(axis=1)
    h = cell * 0.62
    canvas.text(label_w + cell * n / 2, top - 26, end, size=12, anchor="middle", fill=svg.MUTED)
    for j, g in enumerate(grades):
        canvas.text(label_w + cell * (j + 0.5), top - 8, g, size=12, anchor="middle", weight="bold")
    for i, gi in enumerate(grades):
        y = top + h * i
        canvas.text(label_w - 8, y + h * 0.62, f"{start}: {gi}", size=12, anchor="end")
        for j, gj in enumerate(grades):
            share = c[i, j] / rows[i] if rows[i] > 0 else 0.0
            base = "#4575b4" if j < i else "#d73027" if j > i else "#7b8794"
            fill = svg.lighten(base, 1.0 - (0.15 + 0.85 * share) if c[i, j] > 0 else 0.95)
            x = label_w + cell * j
            tip = f"{gi} → {gj}: {int(c[i, j])} ({share:.1%} of {gi})"
            canvas.rect(x, y, cell - 2, h - 2, fill, tip=tip)
            ink = svg.ink_on(fill)
            canvas.text(
                x + cell / 2, y + h * 0.45, f"{int(c[i, j])}", size=12, anchor="middle", fill=ink
            )
            canvas.text(
                x + cell / 2, y + h * 0.8, f"{share:.0%}", size=9, anchor="middle", fill=ink
            )
    ly = top + h * n + 22
    canvas.text(label_w, ly, legend, size=11, fill=svg.MUTED)
    return canvas.render()
