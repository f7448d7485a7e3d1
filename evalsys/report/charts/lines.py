"""Line charts: several ``(label, xs, ys)`` series over a shared x axis, with a legend.

:func:`line_plot` draws e.g. Spearman's ρ against the weight multiplier of each dimension
(sensitivity), or any value over time.  Drawn with the primitives of
:mod:`evalsys.report.svg`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from evalsys.report.svg import (
    CATEGORY_COLORS,
    MUTED,
    chart_canvas,
    data_range,
    finite_values,
    label_width,
    nice_ticks,
    points_path,
    series_legend,
    ticks_inside,
    x_ticks,
    x_title,
    y_axis,
)

__all__ = ["line_plot"]


def line_plot(
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    y_range: tuple[float, float] | None = None,
    width: float = 620,
    height: float = 340,
) -> str:
    """Lines with markers, one per ``(label, xs, ys)`` series, and a legend on the right.

    Points with a NaN coordinate are left out; ``y_range`` fixes the y axis (default: the
    range of the data).
    """
    xs_all = finite_values(np.concatenate([np.asarray(s[1], dtype=np.float64) for s in series]))
    ys_all = finite_values(np.concatenate([np.asarray(s[2], dtype=np.float64) for s in series]))
    legend_w = label_width([s[0] for s in series], cap=200.0, pad=34)
    svg = chart_canvas(width, height, title, "line plot")
    left, right, top, bottom = 60, 16 + legend_w, 44, 50
    xlo, xhi = data_range(xs_all, None)
    if y_range:
        ylo, yhi = y_range
    else:
        ylo, yhi = (float(ys_all.min()), float(ys_all.max())) if ys_all.size else (0.0, 1.0)
    if yhi - ylo < 1e-9:
        ylo, yhi = ylo - 0.05, yhi + 0.05
    yt = nice_ticks(ylo, yhi, 5)
    pw, ph = width - left - right, height - top - bottom

    def x_of(v: float) -> float:
        return left + pw * (v - xlo) / (xhi - xlo)

    def y_of(v: float) -> float:
        return top + ph * (1 - (v - yt[0]) / (yt[-1] - yt[0]))

    y_axis(svg, yt, y_of, left, left + pw, y_label)
    x_ticks(svg, ticks_inside(nice_ticks(xlo, xhi, 6), xlo, xhi), x_of, y_of(yt[0]))
    svg.line(left, y_of(yt[0]), left + pw, y_of(yt[0]), MUTED)
    x_title(svg, left + pw / 2, x_label)
    for s, (name, xs, ys) in enumerate(series):
        col = CATEGORY_COLORS[s % len(CATEGORY_COLORS)]
        pts = [
            (float(a), float(b))
            for a, b in zip(xs, ys, strict=True)
            if math.isfinite(float(a)) and math.isfinite(float(b))
        ]
        if pts:
            svg.path(
                points_path([(x_of(a), y_of(b)) for a, b in pts]),
                stroke=col,
                extra='stroke-width="2"',
            )
        for a, b in pts:
            svg.circle(x_of(a), y_of(b), 3, col, tip=f"{name}: x={a:g}, y={b:.4f}")
        series_legend(svg, s, name, col, width=width, top=top, legend_w=legend_w)
    return svg.render()
