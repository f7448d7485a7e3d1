"""Profile charts: the entity × dimension heat map and the radar of one entity's dimensions.

:func:`heat_map` colours a matrix of values (red = low, blue = high) with the value in each
cell; :func:`radar` draws polygons over the same axes against a dashed reference.  Both are
drawn with the primitives of :mod:`evalsys.report.svg`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from evalsys.report.svg import (
    GRID,
    MUTED,
    PRIMARY,
    FloatArray,
    chart_canvas,
    diverging_color,
    ink_on,
    label_width,
    legend_entry,
    nice_ticks,
    points_path,
    text_width,
    tick_label,
    ticks_inside,
)

__all__ = ["heat_map", "radar"]

_RADAR_PALETTE = (PRIMARY, "#e15759", "#59a14f", "#f28e2b", "#b07aa1")


def heat_map(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float]] | FloatArray,
    *,
    title: str = "",
    vmin: float | None = None,
    vmax: float | None = None,
    value_fmt: str = "{:.1f}",
    separators: Sequence[int] = (),
    row_notes: Sequence[str] | None = None,
    cell_w: float = 74,
    cell_h: float = 22,
) -> str:
    """Matrix of coloured cells (red = low, blue = high) with the value written in each cell.

    ``separators`` are row positions before which a gap is drawn (e.g. between the top and
    the bottom entities); ``row_notes`` are short texts shown right of each row.
    """
    v = np.asarray(values, dtype=np.float64).reshape(len(row_labels), len(col_labels))
    fin = v[np.isfinite(v)]
    lo = vmin if vmin is not None else (float(fin.min()) if fin.size else 0.0)
    hi = vmax if vmax is not None else (float(fin.max()) if fin.size else 1.0)
    if hi <= lo:
        hi = lo + 1.0
    label_w = label_width(row_labels, cap=200.0, pad=12)
    note_w = (max([text_width(s, 11) for s in row_notes] + [0.0]) + 12) if row_notes else 0.0
    # column labels: horizontal when they fit, otherwise rotated
    longest = max([text_width(s, 12) for s in col_labels] + [10.0])
    rotated = longest > cell_w - 6
    head = min(120.0, longest * 0.75 + 16) if rotated else 24.0
    gap = 10.0
    top = 40 + head
    n_rows = len(row_labels)
    sep = sorted(set(separators))
    legend_h = 44
    height = top + cell_h * n_rows + gap * len(sep) + legend_h
    width = label_w + cell_w * len(col_labels) + note_w + 24
    width = max(width, 360.0)
    svg = chart_canvas(width, height, title, "heat map")
    x0 = label_w + 8
    for j, lab in enumerate(col_labels):
        cx = x0 + cell_w * j + cell_w / 2
        if rotated:
            svg.fitted_text(cx + 4, top - 6, lab, 150, rotate=-40)
        else:
            svg.text(cx, top - 8, lab, size=12, anchor="middle", weight="bold")
    y = top
    for i, lab in enumerate(row_labels):
        if i in sep:
            y += gap
            svg.line(8, y - gap / 2, x0 + cell_w * len(col_labels), y - gap / 2, MUTED, dash="3 3")
        svg.fitted_text(label_w, y + cell_h * 0.7, lab, label_w - 4, anchor="end")
        for j, clab in enumerate(col_labels):
            val = float(v[i, j])
            ok = math.isfinite(val)
            col = diverging_color((val - lo) / (hi - lo) if ok else math.nan)
            shown = value_fmt.format(val) if ok else "—"
            x = x0 + cell_w * j
            svg.rect(x, y, cell_w - 1, cell_h - 1, col, tip=f"{lab} · {clab}: {shown}")
            svg.text(
                x + cell_w / 2, y + cell_h * 0.7, shown, size=11, anchor="middle", fill=ink_on(col)
            )
        if row_notes:
            svg.text(
                x0 + cell_w * len(col_labels) + 8,
                y + cell_h * 0.7,
                row_notes[i],
                size=11,
                fill=MUTED,
            )
        y += cell_h
    # colour legend
    ly = y + 16
    lw = min(260.0, width - x0 - 20)
    steps = 24
    for k in range(steps):
        svg.rect(x0 + lw * k / steps, ly, lw / steps + 0.5, 10, diverging_color(k / (steps - 1)))
    svg.text(x0 - 6, ly + 9, value_fmt.format(lo), size=11, anchor="end", fill=MUTED)
    svg.text(x0 + lw + 6, ly + 9, value_fmt.format(hi), size=11, fill=MUTED)
    svg.text(x0, ly + 26, "low (red) → high (blue)", size=11, fill=MUTED)
    return svg.render()


def radar(
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    vmin: float,
    vmax: float,
    title: str = "",
    reference: tuple[str, Sequence[float]] | None = None,
    subtitle: str = "",
    size: float = 360,
) -> str:
    """Radar (spider) chart: one polygon per series over the same axes, optional dashed
    reference polygon (e.g. the mean entity).  Values are clipped to [vmin, vmax]."""
    n = len(axes)
    pad_x = label_width(axes, cap=140.0, pad=10, floor=20.0)
    width = size + 2 * pad_x - 40
    legend_rows = len(series) + (1 if reference else 0)
    sub_h = 18 if subtitle else 0
    height = size + 16 * legend_rows + 18 + sub_h
    svg = chart_canvas(width, height, title, "radar chart")
    if subtitle:
        svg.fitted_text(12, 40, subtitle, width - 24, fill=MUTED)
    cx, cy = width / 2, 40 + sub_h + (size - 60) / 2 + 6
    r = (size - 60) / 2 - 14
    span = vmax - vmin if vmax > vmin else 1.0

    def pt(k: int, val: float) -> tuple[float, float]:
        t = min(max((val - vmin) / span, 0.0), 1.0) if math.isfinite(val) else 0.0
        ang = -math.pi / 2 + 2 * math.pi * k / max(n, 1)
        return cx + r * t * math.cos(ang), cy + r * t * math.sin(ang)

    ticks = ticks_inside(nice_ticks(vmin, vmax, 4), vmin, vmax)
    tick_labels: list[tuple[float, str]] = []
    for t in ticks:
        if t <= vmin:
            continue
        svg.path(points_path([pt(k, t) for k in range(n)], closed=True), stroke=GRID)
        tick_labels.append((pt(0, t)[1] - 2, tick_label(t, ticks)))
    for k, lab in enumerate(axes):
        x, y = pt(k, vmax)
        svg.line(cx, cy, x, y, GRID)
        ang = -math.pi / 2 + 2 * math.pi * k / max(n, 1)
        lx, ly = cx + (r + 10) * math.cos(ang), cy + (r + 10) * math.sin(ang)
        c = math.cos(ang)
        anchor = "middle" if abs(c) < 0.3 else ("start" if c > 0 else "end")
        dy = 4 + (8 if math.sin(ang) > 0.7 else (-4 if math.sin(ang) < -0.7 else 0))
        room = {"middle": width - 8, "start": width - lx - 4, "end": lx - 4}[anchor]
        svg.fitted_text(lx, ly + dy, lab, room, anchor=anchor)
    items: list[tuple[str, str, bool]] = []
    if reference is not None:
        ref_pts = [pt(k, float(v)) for k, v in enumerate(reference[1])]
        svg.path(
            points_path(ref_pts, closed=True),
            stroke=MUTED,
            extra='stroke-width="1.5" stroke-dasharray="5 3"',
        )
        items.append((reference[0], MUTED, True))
    for s, (name, vals) in enumerate(series):
        col = _RADAR_PALETTE[s % len(_RADAR_PALETTE)]
        pts = [pt(k, float(v)) for k, v in enumerate(vals)]
        svg.path(
            points_path(pts, closed=True),
            fill=col,
            stroke=col,
            extra='fill-opacity="0.18" stroke-width="2"',
        )
        for (x, y), lab, v in zip(pts, axes, vals, strict=True):
            svg.circle(x, y, 3, col, tip=f"{name} · {lab}: {float(v):.2f}")
        items.append((name, col, False))
    for y, lab in tick_labels:  # on top of the polygons
        svg.text(cx + 4, y, lab, size=10, fill=MUTED, halo=True)
    ly = height - 16 * legend_rows - 4
    for name, col, dashed in items:
        legend_entry(
            svg, 16, ly, name, col, length=20, max_w=width - 50, dash="5 3" if dashed else None
        )
        ly += 16
    return svg.render()
