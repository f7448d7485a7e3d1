"""Sensitivity charts: the tornado of one-at-a-time effects and the rank-stability ranges.

:func:`tornado` draws, for every perturbed input (e.g. a dimension weight), the change of an
output when the input goes down (upper half of the row) and up (lower half), the rows
sorted by the larger absolute change; :func:`rank_stability` draws, for every entity, the
range of its rank over weight samples (min–max line, mean ± sd band, base rank dot).  Both
are drawn with the primitives of :mod:`evalsys.report.svg`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from evalsys.report.svg import (
    GRID,
    MUTED,
    chart_canvas,
    label_width,
    lighten,
    nice_ticks,
    text_width,
    x_grid,
)

__all__ = ["rank_stability", "tornado"]

_LOW = "#e15759"
_HIGH = "#4e79a7"


def _finite(v: float) -> float:
    return v if math.isfinite(v) else 0.0


def tornado(
    labels: Sequence[str],
    low: Sequence[float],
    high: Sequence[float],
    *,
    title: str = "",
    x_label: str = "",
    low_label: str = "weight down",
    high_label: str = "weight up",
    value_fmt: str = "{:+.4f}",
    width: float = 620,
    row: float = 30,
) -> str:
    """Tornado chart: one row per label, the change ``low[i]`` (input decreased, upper half
    of the row) and ``high[i]`` (input increased, lower half) as bars from the zero line.

    Rows are sorted by ``max(|low|, |high|)``, largest first (stable: ties keep their
    order); NaN changes are drawn as no bar.  The axis is symmetric about zero.
    """
    n = len(labels)
    order = sorted(
        range(n), key=lambda i: -max(abs(_finite(float(low[i]))), abs(_finite(float(high[i]))))
    )
    label_w = label_width(labels, cap=220.0, pad=12)
    top, bottom = 62, 46
    height = top + bottom + row * max(n, 1)
    svg = chart_canvas(width, height, title, "tornado chart")
    vals = [abs(_finite(float(v))) for v in (*low, *high)]
    span = max([*vals, 1e-12])
    ticks = nice_ticks(-span, span, 6)
    lim = max(abs(ticks[0]), abs(ticks[-1]))
    ticks = [t for t in nice_ticks(-lim, lim, 6) if -lim - 1e-12 <= t <= lim + 1e-12]
    x0, x1 = label_w + 8, width - 16
    pad = 56.0  # room for the value labels at both ends
    inner0, inner1 = x0 + pad, x1 - pad

    def x_of(v: float) -> float:
        return inner0 + (inner1 - inner0) * (v + lim) / (2 * lim)

    x_grid(svg, ticks, x_of, top - 4, height - bottom)
    zero = x_of(0.0)
    svg.line(zero, top - 6, zero, height - bottom, MUTED, width=1.2)
    ly = 40
    svg.rect(x0, ly - 9, 12, 10, _LOW)
    svg.text(x0 + 16, ly, low_label, size=11, fill=MUTED)
    lx = x0 + 16 + text_width(low_label, 11) + 18
    svg.rect(lx, ly - 9, 12, 10, _HIGH)
    svg.text(lx + 16, ly, high_label, size=11, fill=MUTED)
    half = (row - 8) / 2
    for k, i in enumerate(order):
        y = top + row * k
        lab = labels[i]
        svg.fitted_text(label_w, y + row * 0.6, lab, label_w - 4, anchor="end")
        if k:
            svg.line(x0, y, x1, y, GRID, dash="2 3")
        for j, (v, col, name) in enumerate(
            ((float(low[i]), _LOW, low_label), (float(high[i]), _HIGH, high_label))
        ):
            yb = y + 4 + half * j
            if not math.isfinite(v):
                continue
            shown = value_fmt.format(v)
            xa, xb = sorted((zero, x_of(v)))
            svg.rect(xa, yb, xb - xa, half - 1, col, tip=f"{lab} · {name}: {shown}")
            tx = x_of(v) + (4 if v >= 0 else -4)
            svg.text(
                tx,
                yb + half - 3,
                shown,
                size=10,
                anchor="start" if v >= 0 else "end",
                fill=MUTED,
            )
    if x_label:
        svg.text((x0 + x1) / 2, height - 10, x_label, size=12, anchor="middle", fill=MUTED)
    return svg.render()


def rank_stability(
    labels: Sequence[str],
    base_rank: Sequence[int],
    rank_min: Sequence[int],
    rank_max: Sequence[int],
    rank_mean: Sequence[float],
    rank_sd: Sequence[float],
    *,
    n_entities: int,
    notes: Sequence[str] | None = None,
    title: str = "",
    x_label: str = "rank (1 = best)",
    width: float = 620,
    row: float = 20,
) -> str:
    """Rank ranges, one row per entity in the given order: a line from the best to the
    worst rank over the samples, a band of mean ± sd, a dot at the base rank and a tick at
    the mean rank; ``notes`` (e.g. the share of samples keeping the rank) right of each row.

    The x axis runs from rank 1 (left) to the largest rank shown.
    """
    n = len(labels)
    label_w = label_width(labels, cap=200.0, pad=12)
    note_w = (max([text_width(s, 11) for s in notes] + [0.0]) + 14) if notes else 0.0
    top, bottom = 62, 46
    height = top + bottom + row * max(n, 1)
    svg = chart_canvas(width, height, title, "rank stability")
    worst = max([int(r) for r in rank_max] + [int(r) for r in base_rank] + [2])
    worst = min(max(worst, 2), max(n_entities, 2))
    ticks = [t for t in nice_ticks(1.0, float(worst), 6) if 1.0 <= t <= worst] or [1.0]
    if ticks[0] > 1.0:
        ticks = [1.0, *ticks]
    x0, x1 = label_w + 14, width - note_w - 16

    def x_of(v: float) -> float:
        return x0 + (x1 - x0) * (v - 1.0) / (worst - 1.0)

    x_grid(svg, ticks, x_of, top - 4, height - bottom)
    band = lighten(_HIGH, 0.6)
    ly = 40
    svg.line(x0, ly - 4, x0 + 18, ly - 4, MUTED, width=1.5)
    svg.text(x0 + 22, ly, "min–max", size=11, fill=MUTED)
    bx = x0 + 22 + text_width("min–max", 11) + 16
    svg.rect(bx, ly - 9, 18, 10, band)
    svg.text(bx + 22, ly, "mean ± sd", size=11, fill=MUTED)
    cx = bx + 22 + text_width("mean ± sd", 11) + 20
    svg.circle(cx, ly - 4, 4, _LOW)
    svg.text(cx + 8, ly, "base rank", size=11, fill=MUTED)
    for k in range(n):
        y = top + row * k
        mid = y + row / 2
        lab = labels[k]
        svg.fitted_text(label_w, mid + 4, lab, label_w - 4, anchor="end")
        lo, hi = float(rank_min[k]), float(rank_max[k])
        m, sd = float(rank_mean[k]), float(rank_sd[k])
        tip = (
            f"{lab}: base rank {int(base_rank[k])}, mean {m:.2f} (sd {sd:.2f}), "
            f"range {int(lo)}–{int(hi)}"
        )
        svg.line(x_of(lo), mid, x_of(hi), mid, MUTED, width=1.5)
        if math.isfinite(sd):
            a, b = max(m - sd, 1.0), min(m + sd, float(worst))
            svg.rect(x_of(a), mid - row * 0.28, x_of(b) - x_of(a), row * 0.56, band, tip=tip)
        xm = x_of(m)
        svg.line(xm, mid - row * 0.32, xm, mid + row * 0.32, _HIGH, width=2)
        svg.circle(x_of(float(base_rank[k])), mid, 4, _LOW, tip=tip)
        if notes:
            svg.text(x1 + 12, mid + 4, notes[k], size=11, fill=MUTED)
    svg.text((x0 + x1) / 2, height - 10, x_label, size=12, anchor="middle", fill=MUTED)
    return svg.render()
