"""Bar charts: vertical bars per category and horizontal bars per labelled row.

:func:`bar_chart` draws e.g. the entities per grade; :func:`hbar_chart` the share of entities
meeting each standard or one sensitivity value per comparison.  Both are drawn with the
primitives of :mod:`evalsys.report.svg`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from evalsys.report.svg import (
    MUTED,
    chart_canvas,
    label_width,
    nice_ticks,
    pick_color,
    x_grid,
    y_axis,
)

__all__ = ["bar_chart", "hbar_chart"]


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    y_label: str = "",
    colors: Sequence[str] | None = None,
    value_labels: Sequence[str] | None = None,
    width: float = 460,
    height: float = 300,
) -> str:
    """Vertical bars, one per label (e.g. entities per grade), with a value above each bar."""
    n = len(labels)
    svg = chart_canvas(width, height, title, "bar chart")
    left, right, top, bottom = 56, 16, 44, 44
    vals = [float(v) if math.isfinite(float(v)) else 0.0 for v in values]
    ticks = nice_ticks(0.0, max([*vals, 1e-12]), 5)
    vmax = ticks[-1] if ticks[-1] > 0 else 1.0
    ph = height - top - bottom

    def y_of(v: float) -> float:
        return top + ph * (1 - v / vmax)

    y_axis(svg, ticks, y_of, left, width - right, y_label)
    slot = (width - left - right) / max(n, 1)
    bw = slot * 0.62
    for i, (lab, v) in enumerate(zip(labels, vals, strict=True)):
        x = left + slot * i + (slot - bw) / 2
        vl = value_labels[i] if value_labels else f"{v:g}"
        svg.rect(x, y_of(v), bw, y_of(0) - y_of(v), pick_color(colors, i), tip=f"{lab}: {vl}", rx=2)
        svg.text(x + bw / 2, y_of(v) - 5, vl, size=11, anchor="middle")
        svg.fitted_text(x + bw / 2, height - bottom + 18, lab, slot - 4, anchor="middle")
    svg.line(left, y_of(0), width - right, y_of(0), MUTED)
    return svg.render()


def hbar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    x_max: float | None = None,
    value_fmt: str = "{:.1f}",
    colors: Sequence[str] | None = None,
    reference: float | None = None,
    reference_label: str = "",
    width: float = 620,
    row: float = 22,
) -> str:
    """Horizontal bars, one row per label (e.g. share of entities meeting each standard);
    NaN values are shown as a dash, ``reference`` as a dashed vertical line."""
    n = len(labels)
    label_w = label_width(labels, cap=240.0, pad=12)
    top, bottom = 40, 30
    height = top + bottom + row * max(n, 1)
    svg = chart_canvas(width, height, title, "bar chart")
    x0, x1 = label_w + 8, width - 60
    vals = np.array([float(v) for v in values], dtype=np.float64)
    finite = vals[np.isfinite(vals)]
    vmax = x_max if x_max is not None else (float(finite.max()) if finite.size else 1.0)
    vmax = vmax if vmax > 0 else 1.0
    ticks = nice_ticks(0.0, vmax, 5)
    x_grid(svg, ticks, lambda t: x0 + (x1 - x0) * t / ticks[-1], top - 4, height - bottom)
    scale = (x1 - x0) / ticks[-1]
    for i, (lab, v) in enumerate(zip(labels, vals, strict=True)):
        y = top + row * i
        svg.fitted_text(label_w, y + row * 0.68, lab, label_w - 4, anchor="end")
        if not math.isfinite(v):
            svg.text(x0 + 4, y + row * 0.68, "—", size=11, fill=MUTED)
            continue
        shown = value_fmt.format(v)
        svg.rect(x0, y + 3, v * scale, row - 6, pick_color(colors, i), tip=f"{lab}: {shown}", rx=2)
        svg.text(x0 + v * scale + 4, y + row * 0.68, shown, size=11, fill=MUTED)
    if reference is not None:
        x = x0 + reference * scale
        svg.line(x, top - 6, x, height - bottom, "#c0392b", width=1.5, dash="5 3")
        if reference_label:
            svg.text(x, top - 8, reference_label, size=11, anchor="middle", fill="#c0392b")
    return svg.render()
