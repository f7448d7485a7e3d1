"""Distribution charts: the histogram of one variable and box plots of several groups.

:func:`histogram` shows e.g. the score distribution with its mean and median marked;
:func:`box_plot` the dimension scores side by side (Tukey boxes).  Both are drawn with the
primitives of :mod:`evalsys.report.svg`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from evalsys.report.svg import (
    INK,
    MUTED,
    PRIMARY,
    FloatArray,
    chart_canvas,
    coord,
    data_range,
    finite_values,
    label_width,
    lighten,
    nice_ticks,
    pick_color,
    text_width,
    ticks_inside,
    x_grid,
    x_ticks,
    x_title,
    y_axis,
)

__all__ = ["box_plot", "histogram"]

_MARK_COLORS = ("#c0392b", "#2d3748", "#8e44ad", "#16a085")


def histogram(
    values: Sequence[float] | FloatArray,
    *,
    bins: int = 20,
    value_range: tuple[float, float] | None = None,
    title: str = "",
    x_label: str = "",
    y_label: str = "count",
    marks: Sequence[tuple[str, float]] = (),
    width: float = 620,
    height: float = 320,
) -> str:
    """Histogram of ``values`` (NaN dropped) with optional labelled vertical marks (mean …)."""
    x = finite_values(values)
    lo, hi = data_range(x, value_range)
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi))
    svg = chart_canvas(width, height, title, "histogram")
    left, right, top, bottom = 56, 18, 48, 50
    ticks_y = nice_ticks(0.0, max(float(counts.max()) if counts.size else 1.0, 1.0), 5)
    ph = height - top - bottom
    pw = width - left - right

    def y_of(v: float) -> float:
        return top + ph * (1 - v / ticks_y[-1])

    def x_of(v: float) -> float:
        return left + pw * (v - lo) / (hi - lo)

    y_axis(svg, ticks_y, y_of, left, width - right, y_label)
    for c, a, b in zip(counts, edges[:-1], edges[1:], strict=True):
        if c:
            svg.rect(
                x_of(a) + 0.5,
                y_of(c),
                x_of(b) - x_of(a) - 1,
                y_of(0) - y_of(c),
                PRIMARY,
                tip=f"[{a:.2f}, {b:.2f}): {int(c)}",
            )
    svg.line(left, y_of(0), width - right, y_of(0), MUTED)
    x_ticks(svg, ticks_inside(nice_ticks(lo, hi, 8), lo, hi), x_of, y_of(0))
    x_title(svg, left + pw / 2, x_label)
    lx = width - right  # legend of the marks, right-aligned in the heading row
    for k, (lab, v) in reversed(list(enumerate(marks))):
        if not math.isfinite(v):
            continue
        col = _MARK_COLORS[k % len(_MARK_COLORS)]
        if lo <= v <= hi:
            svg.line(x_of(v), top - 6, x_of(v), y_of(0), col, width=1.5, dash="5 3")
        text = f"{lab} {v:.2f}"
        svg.text(lx, 22, text, size=11, anchor="end", fill=col)
        lx -= text_width(text, 11) + 6
        svg.line(lx - 18, 18, lx, 18, col, width=1.5, dash="5 3")
        lx -= 30
    return svg.render()


def box_plot(
    labels: Sequence[str],
    groups: Sequence[Sequence[float] | FloatArray],
    *,
    title: str = "",
    x_label: str = "",
    value_range: tuple[float, float] | None = None,
    colors: Sequence[str] | None = None,
    width: float = 620,
    row: float = 40,
) -> str:
    """Horizontal Tukey box plots, one row per group.

    Box: first to third quartile with the median; whiskers: the most extreme values within
    1.5 IQR of the box; points beyond are drawn individually; a diamond marks the mean.
    """
    label_w = label_width(labels, cap=200.0, pad=14)
    top, bottom = 44, 46
    height = top + bottom + row * max(len(labels), 1)
    svg = chart_canvas(width, height, title, "box plot")
    data = [finite_values(g) for g in groups]
    lo, hi = data_range(np.concatenate(data) if data else np.zeros(0), value_range)
    x0, x1 = label_w + 10, width - 20

    def x_of(v: float) -> float:
        return x0 + (x1 - x0) * (v - lo) / (hi - lo)

    x_grid(svg, ticks_inside(nice_ticks(lo, hi, 7), lo, hi), x_of, top - 6, height - bottom)
    x_title(svg, (x0 + x1) / 2, x_label)
    for i, (lab, g) in enumerate(zip(labels, data, strict=True)):
        yc = top + row * i + row / 2
        svg.fitted_text(label_w, yc + 4, lab, label_w - 4, anchor="end")
        if g.size == 0:
            svg.text(x0 + 4, yc + 4, "no data", size=11, fill=MUTED)
            continue
        q1, med, q3 = (float(v) for v in np.percentile(g, [25, 50, 75]))
        iqr = q3 - q1
        inside = g[(g >= q1 - 1.5 * iqr) & (g <= q3 + 1.5 * iqr)]
        wlo, whi = float(inside.min()), float(inside.max())
        col = pick_color(colors, i)
        bh = row * 0.5
        tip = (
            f"{lab}: n={g.size}, min {g.min():.2f}, Q1 {q1:.2f}, median {med:.2f}, "
            f"Q3 {q3:.2f}, max {g.max():.2f}, mean {g.mean():.2f}"
        )
        svg.line(x_of(wlo), yc, x_of(q1), yc, MUTED, width=1.2)
        svg.line(x_of(q3), yc, x_of(whi), yc, MUTED, width=1.2)
        for w in (wlo, whi):
            svg.line(x_of(w), yc - bh / 3, x_of(w), yc + bh / 3, MUTED, width=1.2)
        svg.rect(
            x_of(q1), yc - bh / 2, x_of(q3) - x_of(q1), bh, lighten(col, 0.55), tip=tip, stroke=col
        )
        svg.line(x_of(med), yc - bh / 2, x_of(med), yc + bh / 2, col, width=2.5)
        m = float(g.mean())
        svg.path(
            f"M{coord(x_of(m))} {coord(yc - 4)}L{coord(x_of(m) + 4)} {coord(yc)}"
            f"L{coord(x_of(m))} {coord(yc + 4)}L{coord(x_of(m) - 4)} {coord(yc)}Z",
            fill=INK,
        )
        out = g[(g < wlo) | (g > whi)]
        for v in np.unique(np.round(out, 6)):  # rendering only: one dot per distinct value
            svg.circle(x_of(float(v)), yc, 2.2, lighten(col, 0.2))
    return svg.render()
