"""Chart primitives: pure functions that turn numbers into standalone SVG text.

Every chart is drawn here, in Python, as plain SVG 1.1 — no JavaScript, no charting library,
no network.  The same text is inlined into the HTML report and written as ``.svg`` files for
papers.  All user-supplied strings (indicator names, entity ids, titles) pass through
:func:`esc` (``html.escape`` with quotes), also inside ``<text>`` and ``<title>`` elements, so
a name such as ``<script>alert(1)</script>`` is shown as text and never parsed as markup.

Output is deterministic: coordinates are formatted with two decimals, no ids, dates or random
numbers are emitted, so the same input always gives the same bytes.

Text widths are estimated (CJK characters 1 em, Latin ~0.55 em) because the final font is
chosen by the viewer; labels that would not fit are shortened with an ellipsis and the full
text is kept in a ``<title>`` tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import numpy.typing as npt

__all__ = [
    "CATEGORY_COLORS",
    "FONT_STACK",
    "SunburstNode",
    "bar_chart",
    "box_plot",
    "diverging_color",
    "esc",
    "grade_colors",
    "hbar_chart",
    "heat_map",
    "histogram",
    "line_plot",
    "nice_ticks",
    "radar",
    "strong_color",
    "sunburst",
    "text_width",
    "weight_tree",
]

FloatArray = npt.NDArray[np.float64]

FONT_STACK = (
    "'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', "
    "'PingFang SC', sans-serif"
)
"""Font stack of every chart: CJK fonts first so Chinese labels never show missing glyphs."""

INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e4e7eb"
PRIMARY = "#3b6fb6"
# Tableau 10 (colour-blind aware categorical palette)
CATEGORY_COLORS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
# ColorBrewer RdYlBu, low (bad, red) → high (good, blue); safe for red-green colour blindness
_DIVERGING = ("#d73027", "#fc8d59", "#fee090", "#ffffbf", "#e0f3f8", "#91bfdb", "#4575b4")


# ------------------------------------------------------------------- helpers


def esc(s: object) -> str:
    """Escape any value for SVG/HTML text and attribute values."""
    return escape(str(s), quote=True)


def _f(x: float) -> str:
    """Deterministic short number for coordinates (two decimals, no '-0')."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def text_width(s: str, size: float) -> float:
    """Estimated rendered width of ``s`` at font size ``size`` (CJK 1 em, Latin ~0.56 em)."""
    w = 0.0
    for ch in s:
        o = ord(ch)
        if o >= 0x2E80:
            w += 1.0
        elif ch.isupper() or ch in "mwMW@%":
            w += 0.68
        elif ch in "il.,:;|'!() ":
            w += 0.32
        else:
            w += 0.56
    return w * size


def _fit(s: str, size: float, max_w: float) -> str:
    """``s`` shortened with an ellipsis so that it fits in ``max_w``."""
    if text_width(s, size) <= max_w:
        return s
    out = s
    while out and text_width(out + "…", size) > max_w:
        out = out[:-1]
    return out + "…" if out else ""


def _hex(c: str) -> tuple[float, float, float]:
    return int(c[1:3], 16) / 255, int(c[3:5], 16) / 255, int(c[5:7], 16) / 255


def _rgb(r: float, g: float, b: float) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(min(max(v, 0.0), 1.0) * 255) for v in (r, g, b)))


def _interp(stops: Sequence[str], t: float) -> str:
    t = min(max(t, 0.0), 1.0) * (len(stops) - 1)
    i = min(int(t), len(stops) - 2)
    a, b = _hex(stops[i]), _hex(stops[i + 1])
    u = t - i
    return _rgb(*(x + (y - x) * u for x, y in zip(a, b, strict=True)))


def diverging_color(t: float) -> str:
    """Colour for ``t`` in [0, 1] on the red (low, bad) → yellow → blue (high, good) scale."""
    if math.isnan(t):
        return "#d9d9d9"
    return _interp(_DIVERGING, t)


_GRADE_PALETTES = {
    2: ("#4575b4", "#d73027"),
    3: ("#4575b4", "#fdae61", "#d73027"),
    4: ("#4575b4", "#91bfdb", "#fdae61", "#d73027"),
    5: ("#4575b4", "#91bfdb", "#fee090", "#fc8d59", "#d73027"),
}


def grade_colors(n: int) -> tuple[str, ...]:
    """``n`` grade colours, best grade first (blue) to worst (red)."""
    if n in _GRADE_PALETTES:
        return _GRADE_PALETTES[n]
    if n == 1:
        return ("#4575b4",)
    return tuple(diverging_color(1.0 - k / (n - 1)) for k in range(n))


def strong_color(t: float) -> str:
    """Saturated colour for a share ``t`` in [0, 1], in four distinct steps for bars where the
    pale middle of :func:`diverging_color` would be hard to see: below 0.5 red, below 0.7
    orange, below 0.9 light blue, else blue."""
    if math.isnan(t):
        return "#d9d9d9"
    return "#d73027" if t < 0.5 else "#fc8d59" if t < 0.7 else "#91bfdb" if t < 0.9 else "#4575b4"


def _lighten(c: str, amount: float) -> str:
    r, g, b = _hex(c)
    return _rgb(r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _ink_on(c: str) -> str:
    """Black or white text, whichever reads better on background ``c``."""
    r, g, b = _hex(c)
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if lum > 0.55 else "#ffffff"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values (1-2-2.5-5 steps) from at or below ``lo`` to at or
    above ``hi``: an axis with these ends covers every value in [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step + 1e-9)
    last = math.ceil(hi / step - 1e-9)
    return [round(k * step, 10) for k in range(first, last + 1)]


def _inside(ticks: Sequence[float], lo: float, hi: float) -> list[float]:
    eps = (hi - lo) * 1e-9
    return [t for t in ticks if lo - eps <= t <= hi + eps]


def _tick_label(v: float, ticks: Sequence[float]) -> str:
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    digits = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    if step > 0 and abs(step * 10**digits - round(step * 10**digits)) > 1e-6:
        digits += 1
    return f"{v:.{digits}f}"


class _Svg:
    """Accumulates SVG elements; ``render`` wraps them in the root element."""

    def __init__(self, width: float, height: float, title: str) -> None:
        self.width = width
        self.height = height
        self.title = title
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        *,
        size: float = 12,
        anchor: str = "start",
        weight: str | None = None,
        fill: str = INK,
        rotate: float | None = None,
        tip: str | None = None,
        halo: bool = False,
    ) -> None:
        attrs = f'x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if weight:
            attrs += f' font-weight="{weight}"'
        if fill != INK:
            attrs += f' fill="{fill}"'
        if rotate is not None:
            attrs += f' transform="rotate({_f(rotate)} {_f(x)} {_f(y)})"'
        if halo:  # white outline keeps the text readable over lines and shapes
            attrs += ' stroke="#ffffff" stroke-width="3" paint-order="stroke"'
        inner = esc(s) + (f"<title>{esc(tip)}</title>" if tip else "")
        self.parts.append(f"<text {attrs}>{inner}</text>")

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        *,
        tip: str | None = None,
        stroke: str | None = None,
        opacity: float | None = None,
        rx: float = 0,
    ) -> None:
        attrs = f'x="{_f(x)}" y="{_f(y)}" width="{_f(max(w, 0))}" height="{_f(max(h, 0))}"'
        attrs += f' fill="{fill}"'
        if rx:
            attrs += f' rx="{_f(rx)}"'
        if stroke:
            attrs += f' stroke="{stroke}"'
        if opacity is not None:
            attrs += f' fill-opacity="{_f(opacity)}"'
        if tip:
            self.parts.append(f"<rect {attrs}><title>{esc(tip)}</title></rect>")
        else:
            self.parts.append(f"<rect {attrs}/>")

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        stroke: str = GRID,
        *,
        width: float = 1,
        dash: str | None = None,
    ) -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" '
            f'stroke="{stroke}" stroke-width="{_f(width)}"{d}/>'
        )

    def circle(self, cx: float, cy: float, r: float, fill: str, *, tip: str | None = None) -> None:
        attrs = f'cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(r)}" fill="{fill}"'
        if tip:
            self.parts.append(f"<circle {attrs}><title>{esc(tip)}</title></circle>")
        else:
            self.parts.append(f"<circle {attrs}/>")

    def path(
        self,
        d: str,
        *,
        fill: str = "none",
        stroke: str | None = None,
        extra: str = "",
        tip: str | None = None,
    ) -> None:
        attrs = f'd="{d}" fill="{fill}"'
        if stroke:
            attrs += f' stroke="{stroke}"'
        if extra:
            attrs += " " + extra
        if tip:
            self.parts.append(f"<path {attrs}><title>{esc(tip)}</title></path>")
        else:
            self.parts.append(f"<path {attrs}/>")

    def heading(self, title: str) -> None:
        if title:
            self.text(12, 22, _fit(title, 15, self.width - 24), size=15, weight="bold", tip=title)

    def render(self) -> str:
        w, h = _f(self.width), _f(self.height)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" '
            f'width="{w}" height="{h}" role="img" font-family="{FONT_STACK}">'
            f"<title>{esc(self.title)}</title>"
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>'
        )
        return head + "".join(self.parts) + "</svg>\n"


def _clean(values: Sequence[float] | FloatArray) -> FloatArray:
    a = np.asarray(values, dtype=np.float64).ravel()
    out: FloatArray = a[np.isfinite(a)]
    return out


def _y_axis(
    svg: _Svg,
    ticks: Sequence[float],
    y_of: Callable[[float], float],
    x0: float,
    x1: float,
    label: str,
) -> None:
    """Horizontal grid lines with tick labels on the left; ``y_of`` maps value → y."""
    for t in ticks:
        y = y_of(t)
        svg.line(x0, y, x1, y)
        svg.text(x0 - 6, y + 4, _tick_label(t, ticks), size=11, anchor="end", fill=MUTED)
    if label:
        mid = (y_of(ticks[0]) + y_of(ticks[-1])) / 2
        svg.text(14, mid, label, size=11, anchor="middle", fill=MUTED, rotate=-90)


# -------------------------------------------------------------------- charts


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
    svg = _Svg(width, height, title or "bar chart")
    svg.heading(title)
    left, right, top, bottom = 56, 16, 44, 44
    vals = [float(v) if math.isfinite(float(v)) else 0.0 for v in values]
    ticks = nice_ticks(0.0, max([*vals, 1e-12]), 5)
    vmax = ticks[-1] if ticks[-1] > 0 else 1.0
    ph = height - top - bottom

    def y_of(v: float) -> float:
        return top + ph * (1 - v / vmax)

    _y_axis(svg, ticks, y_of, left, width - right, y_label)
    slot = (width - left - right) / max(n, 1)
    bw = slot * 0.62
    for i, (lab, v) in enumerate(zip(labels, vals, strict=True)):
        x = left + slot * i + (slot - bw) / 2
        col = colors[i % len(colors)] if colors else PRIMARY
        vl = value_labels[i] if value_labels else f"{v:g}"
        svg.rect(x, y_of(v), bw, y_of(0) - y_of(v), col, tip=f"{lab}: {vl}", rx=2)
        svg.text(x + bw / 2, y_of(v) - 5, vl, size=11, anchor="middle")
        svg.text(
            x + bw / 2,
            height - bottom + 18,
            _fit(lab, 12, slot - 4),
            size=12,
            anchor="middle",
            tip=lab,
        )
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
    """Horizontal bars, one row per label (e.g. share of entities meeting each standard)."""
    n = len(labels)
    label_w = min(240.0, max([text_width(s, 12) for s in labels] + [40.0]) + 12)
    top, bottom = 40, 30
    height = top + bottom + row * max(n, 1)
    svg = _Svg(width, height, title or "bar chart")
    svg.heading(title)
    x0, x1 = label_w + 8, width - 60
    vals = np.array([float(v) for v in values], dtype=np.float64)
    finite = vals[np.isfinite(vals)]
    vmax = x_max if x_max is not None else (float(finite.max()) if finite.size else 1.0)
    vmax = vmax if vmax > 0 else 1.0
    ticks = nice_ticks(0.0, vmax, 5)
    for t in ticks:
        x = x0 + (x1 - x0) * t / ticks[-1]
        svg.line(x, top - 4, x, height - bottom)
        svg.text(
            x, height - bottom + 16, _tick_label(t, ticks), size=11, anchor="middle", fill=MUTED
        )
    scale = (x1 - x0) / ticks[-1]
    for i, (lab, v) in enumerate(zip(labels, vals, strict=True)):
        y = top + row * i
        svg.text(
            label_w, y + row * 0.68, _fit(lab, 12, label_w - 4), size=12, anchor="end", tip=lab
        )
        if not math.isfinite(v):
            svg.text(x0 + 4, y + row * 0.68, "—", size=11, fill=MUTED)
            continue
        col = colors[i % len(colors)] if colors else PRIMARY
        shown = value_fmt.format(v)
        svg.rect(x0, y + 3, v * scale, row - 6, col, tip=f"{lab}: {shown}", rx=2)
        svg.text(x0 + v * scale + 4, y + row * 0.68, shown, size=11, fill=MUTED)
    if reference is not None:
        x = x0 + reference * scale
        svg.line(x, top - 6, x, height - bottom, "#c0392b", width=1.5, dash="5 3")
        if reference_label:
            svg.text(x, top - 8, reference_label, size=11, anchor="middle", fill="#c0392b")
    return svg.render()


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
    x = _clean(values)
    lo, hi = (
        value_range if value_range else ((float(x.min()), float(x.max())) if x.size else (0, 1))
    )
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi))
    svg = _Svg(width, height, title or "histogram")
    svg.heading(title)
    left, right, top, bottom = 56, 18, 48, 50
    ticks_y = nice_ticks(0.0, max(float(counts.max()) if counts.size else 1.0, 1.0), 5)
    ph = height - top - bottom
    pw = width - left - right

    def y_of(v: float) -> float:
        return top + ph * (1 - v / ticks_y[-1])

    def x_of(v: float) -> float:
        return left + pw * (v - lo) / (hi - lo)

    _y_axis(svg, ticks_y, y_of, left, width - right, y_label)
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
    xt = _inside(nice_ticks(lo, hi, 8), lo, hi)
    for t in xt:
        svg.line(x_of(t), y_of(0), x_of(t), y_of(0) + 4, MUTED)
        svg.text(x_of(t), y_of(0) + 17, _tick_label(t, xt), size=11, anchor="middle", fill=MUTED)
    if x_label:
        svg.text(left + pw / 2, height - 10, x_label, size=12, anchor="middle", fill=MUTED)
    mark_colors = ("#c0392b", "#2d3748", "#8e44ad", "#16a085")
    lx = width - right  # legend of the marks, right-aligned in the heading row
    for k, (lab, v) in reversed(list(enumerate(marks))):
        if not math.isfinite(v):
            continue
        col = mark_colors[k % len(mark_colors)]
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
    label_w = min(200.0, max([text_width(s, 12) for s in labels] + [40.0]) + 14)
    top, bottom = 44, 46
    height = top + bottom + row * max(len(labels), 1)
    svg = _Svg(width, height, title or "box plot")
    svg.heading(title)
    data = [_clean(g) for g in groups]
    allv = np.concatenate(data) if data else np.zeros(0)
    if value_range:
        lo, hi = value_range
    else:
        lo, hi = (float(allv.min()), float(allv.max())) if allv.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    x0, x1 = label_w + 10, width - 20

    def x_of(v: float) -> float:
        return x0 + (x1 - x0) * (v - lo) / (hi - lo)

    ticks = _inside(nice_ticks(lo, hi, 7), lo, hi)
    for t in ticks:
        svg.line(x_of(t), top - 6, x_of(t), height - bottom)
        svg.text(
            x_of(t),
            height - bottom + 16,
            _tick_label(t, ticks),
            size=11,
            anchor="middle",
            fill=MUTED,
        )
    if x_label:
        svg.text((x0 + x1) / 2, height - 10, x_label, size=12, anchor="middle", fill=MUTED)
    for i, (lab, g) in enumerate(zip(labels, data, strict=True)):
        yc = top + row * i + row / 2
        svg.text(label_w, yc + 4, _fit(lab, 12, label_w - 4), size=12, anchor="end", tip=lab)
        if g.size == 0:
            svg.text(x0 + 4, yc + 4, "no data", size=11, fill=MUTED)
            continue
        q1, med, q3 = (float(v) for v in np.percentile(g, [25, 50, 75]))
        iqr = q3 - q1
        inside = g[(g >= q1 - 1.5 * iqr) & (g <= q3 + 1.5 * iqr)]
        wlo, whi = float(inside.min()), float(inside.max())
        col = colors[i % len(colors)] if colors else PRIMARY
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
            x_of(q1), yc - bh / 2, x_of(q3) - x_of(q1), bh, _lighten(col, 0.55), tip=tip, stroke=col
        )
        svg.line(x_of(med), yc - bh / 2, x_of(med), yc + bh / 2, col, width=2.5)
        m = float(g.mean())
        svg.path(
            f"M{_f(x_of(m))} {_f(yc - 4)}L{_f(x_of(m) + 4)} {_f(yc)}L{_f(x_of(m))} {_f(yc + 4)}"
            f"L{_f(x_of(m) - 4)} {_f(yc)}Z",
            fill=INK,
        )
        out = g[(g < wlo) | (g > whi)]
        for v in np.unique(np.round(out, 6)):  # rendering only: one dot per distinct value
            svg.circle(x_of(float(v)), yc, 2.2, _lighten(col, 0.2))
    return svg.render()


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
    label_w = min(200.0, max([text_width(s, 12) for s in row_labels] + [40.0]) + 12)
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
    svg = _Svg(width, height, title or "heat map")
    svg.heading(title)
    x0 = label_w + 8
    for j, lab in enumerate(col_labels):
        cx = x0 + cell_w * j + cell_w / 2
        if rotated:
            svg.text(cx + 4, top - 6, _fit(lab, 12, 150), size=12, rotate=-40, tip=lab)
        else:
            svg.text(cx, top - 8, lab, size=12, anchor="middle", weight="bold")
    y = top
    for i, lab in enumerate(row_labels):
        if i in sep:
            y += gap
            svg.line(8, y - gap / 2, x0 + cell_w * len(col_labels), y - gap / 2, MUTED, dash="3 3")
        svg.text(
            label_w, y + cell_h * 0.7, _fit(lab, 12, label_w - 4), size=12, anchor="end", tip=lab
        )
        for j, clab in enumerate(col_labels):
            val = float(v[i, j])
            ok = math.isfinite(val)
            col = diverging_color((val - lo) / (hi - lo) if ok else math.nan)
            shown = value_fmt.format(val) if ok else "—"
            x = x0 + cell_w * j
            svg.rect(x, y, cell_w - 1, cell_h - 1, col, tip=f"{lab} · {clab}: {shown}")
            svg.text(
                x + cell_w / 2, y + cell_h * 0.7, shown, size=11, anchor="middle", fill=_ink_on(col)
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
    pad_x = min(max([text_width(a, 12) for a in axes] + [20.0]) + 10, 140.0)
    width = size + 2 * pad_x - 40
    legend_rows = len(series) + (1 if reference else 0)
    sub_h = 18 if subtitle else 0
    height = size + 16 * legend_rows + 18 + sub_h
    svg = _Svg(width, height, title or "radar chart")
    svg.heading(title)
    if subtitle:
        svg.text(12, 40, _fit(subtitle, 12, width - 24), size=12, fill=MUTED, tip=subtitle)
    cx, cy = width / 2, 40 + sub_h + (size - 60) / 2 + 6
    r = (size - 60) / 2 - 14
    span = vmax - vmin if vmax > vmin else 1.0

    def pt(k: int, val: float) -> tuple[float, float]:
        t = min(max((val - vmin) / span, 0.0), 1.0) if math.isfinite(val) else 0.0
        ang = -math.pi / 2 + 2 * math.pi * k / max(n, 1)
        return cx + r * t * math.cos(ang), cy + r * t * math.sin(ang)

    ticks = _inside(nice_ticks(vmin, vmax, 4), vmin, vmax)
    tick_labels: list[tuple[float, str]] = []
    for t in ticks:
        if t <= vmin:
            continue
        ring = [pt(k, t) for k in range(n)]
        d = "M" + "L".join(f"{_f(x)} {_f(y)}" for x, y in ring) + "Z"
        svg.path(d, stroke=GRID)
        tick_labels.append((pt(0, t)[1] - 2, _tick_label(t, ticks)))
    for k, lab in enumerate(axes):
        x, y = pt(k, vmax)
        svg.line(cx, cy, x, y, GRID)
        ang = -math.pi / 2 + 2 * math.pi * k / max(n, 1)
        lx, ly = cx + (r + 10) * math.cos(ang), cy + (r + 10) * math.sin(ang)
        c = math.cos(ang)
        anchor = "middle" if abs(c) < 0.3 else ("start" if c > 0 else "end")
        dy = 4 + (8 if math.sin(ang) > 0.7 else (-4 if math.sin(ang) < -0.7 else 0))
        room = {"middle": width - 8, "start": width - lx - 4, "end": lx - 4}[anchor]
        svg.text(lx, ly + dy, _fit(lab, 12, room), size=12, anchor=anchor, tip=lab)
    palette = (PRIMARY, "#e15759", "#59a14f", "#f28e2b", "#b07aa1")
    items: list[tuple[str, str, bool]] = []
    if reference is not None:
        ref_pts = [pt(k, float(v)) for k, v in enumerate(reference[1])]
        d = "M" + "L".join(f"{_f(x)} {_f(y)}" for x, y in ref_pts) + "Z"
        svg.path(d, stroke=MUTED, extra='stroke-width="1.5" stroke-dasharray="5 3"')
        items.append((reference[0], MUTED, True))
    for s, (name, vals) in enumerate(series):
        col = palette[s % len(palette)]
        pts = [pt(k, float(v)) for k, v in enumerate(vals)]
        d = "M" + "L".join(f"{_f(x)} {_f(y)}" for x, y in pts) + "Z"
        svg.path(d, fill=col, stroke=col, extra='fill-opacity="0.18" stroke-width="2"')
        for (x, y), lab, v in zip(pts, axes, vals, strict=True):
            svg.circle(x, y, 3, col, tip=f"{name} · {lab}: {float(v):.2f}")
        items.append((name, col, False))
    for y, lab in tick_labels:  # on top of the polygons
        svg.text(cx + 4, y, lab, size=10, fill=MUTED, halo=True)
    ly = height - 16 * legend_rows - 4
    for name, col, dashed in items:
        svg.line(16, ly, 36, ly, col, width=2, dash="5 3" if dashed else None)
        svg.text(42, ly + 4, _fit(name, 12, width - 50), size=12, tip=name)
        ly += 16
    return svg.render()


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
    """Lines with markers, one per ``(label, xs, ys)`` series, and a legend on the right."""
    xs_all = _clean(np.concatenate([np.asarray(s[1], dtype=np.float64) for s in series]))
    ys_all = _clean(np.concatenate([np.asarray(s[2], dtype=np.float64) for s in series]))
    legend_w = min(200.0, max([text_width(s[0], 12) for s in series] + [40.0]) + 34)
    svg = _Svg(width, height, title or "line plot")
    svg.heading(title)
    left, right, top, bottom = 60, 16 + legend_w, 44, 50
    xlo, xhi = (float(xs_all.min()), float(xs_all.max())) if xs_all.size else (0.0, 1.0)
    if xhi <= xlo:
        xlo, xhi = xlo - 0.5, xhi + 0.5
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

    _y_axis(svg, yt, y_of, left, left + pw, y_label)
    xt = _inside(nice_ticks(xlo, xhi, 6), xlo, xhi)
    for t in xt:
        svg.line(x_of(t), y_of(yt[0]), x_of(t), y_of(yt[0]) + 4, MUTED)
        svg.text(
            x_of(t), y_of(yt[0]) + 17, _tick_label(t, xt), size=11, anchor="middle", fill=MUTED
        )
    svg.line(left, y_of(yt[0]), left + pw, y_of(yt[0]), MUTED)
    if x_label:
        svg.text(left + pw / 2, height - 10, x_label, size=12, anchor="middle", fill=MUTED)
    for s, (name, xs, ys) in enumerate(series):
        col = CATEGORY_COLORS[s % len(CATEGORY_COLORS)]
        pts = [
            (float(a), float(b))
            for a, b in zip(xs, ys, strict=True)
            if math.isfinite(float(a)) and math.isfinite(float(b))
        ]
        if pts:
            d = "M" + "L".join(f"{_f(x_of(a))} {_f(y_of(b))}" for a, b in pts)
            svg.path(d, stroke=col, extra='stroke-width="2"')
        for a, b in pts:
            svg.circle(x_of(a), y_of(b), 3, col, tip=f"{name}: x={a:g}, y={b:.4f}")
        ly = top + 8 + 18 * s
        lx = width - legend_w
        svg.line(lx, ly, lx + 18, ly, col, width=2.5)
        svg.text(lx + 24, ly + 4, _fit(name, 12, legend_w - 30), size=12, tip=name)
    return svg.render()


@dataclass(frozen=True, slots=True)
class SunburstNode:
    """One node of a weight tree for :func:`sunburst` and :func:`weight_tree`.

    ``parent`` is the position of the parent in the node sequence (-1 for the root; parents
    come before their children); ``value`` is the node's global weight, ``local`` its weight
    within the parent; ``note`` is optional extra text (e.g. the CR of its matrix).
    """

    label: str
    parent: int
    value: float
    local: float
    depth: int
    note: str = ""


def _node_colors(nodes: Sequence[SunburstNode]) -> list[str]:
    """Categorical colour per first-level branch, lighter with depth."""
    cols = ["#ffffff"] * len(nodes)
    k = 0
    for i, nd in enumerate(nodes):
        if nd.depth == 1:
            cols[i] = CATEGORY_COLORS[k % len(CATEGORY_COLORS)]
            k += 1
        elif nd.depth > 1:
            cols[i] = _lighten(cols[nd.parent], 0.35)
    return cols


def sunburst(
    nodes: Sequence[SunburstNode], *, title: str = "", size: float = 560, center_label: str = ""
) -> str:
    """Sunburst of a weight tree: rings by depth, arc angle = global weight.

    First-level labels are written horizontally with their weight; deeper labels radially
    when the arc is wide enough (every arc has a tooltip with the full name and weights).
    """
    if not nodes:
        return _Svg(size, size, title or "sunburst").render()
    max_depth = max(nd.depth for nd in nodes)
    svg = _Svg(size, size + 40, title or "sunburst")
    svg.heading(title)
    cx, cy = size / 2, size / 2 + 40
    r0 = size * 0.13
    ring = (size / 2 - 8 - r0) / max(max_depth, 1)
    if max_depth >= 2:  # first ring a bit thinner, leaves get room for radial labels
        ring1 = ring * 0.8
        ring_rest = (size / 2 - 8 - r0 - ring1) / (max_depth - 1)
    else:
        ring1, ring_rest = ring, ring
    colors = _node_colors(nodes)
    kids: dict[int, list[int]] = {}
    for i, nd in enumerate(nodes):
        kids.setdefault(nd.parent, []).append(i)
    start = [0.0] * len(nodes)
    span = [0.0] * len(nodes)
    root = kids[-1][0]
    span[root] = 2 * math.pi
    for i in range(len(nodes)):
        pos = start[i]
        for c in kids.get(i, []):
            w = nodes[c].value if math.isfinite(nodes[c].value) else 0.0
            start[c] = pos
            span[c] = 2 * math.pi * max(w, 0.0)
            pos += span[c]

    def radii(d: int) -> tuple[float, float]:
        inner = r0 + (0 if d == 1 else ring1 + ring_rest * (d - 2))
        return inner, inner + (ring1 if d == 1 else ring_rest)

    svg.circle(cx, cy, r0 - 2, "#f5f7fa", tip=nodes[root].label)
    lab = center_label or nodes[root].label
    svg.text(
        cx,
        cy + 5,
        _fit(lab, 13, 2 * r0 - 12),
        size=13,
        anchor="middle",
        weight="bold",
        tip=nodes[root].label,
    )
    for i, nd in enumerate(nodes):
        if nd.depth == 0 or span[i] <= 0:
            continue
        a0 = start[i] - math.pi / 2
        a1 = a0 + span[i]
        ri, ro = radii(nd.depth)
        tip = f"{nd.label}: global {nd.value:.4f}, local {nd.local:.4f}" + (
            f" ({nd.note})" if nd.note else ""
        )
        if span[i] >= 2 * math.pi - 1e-9:
            d = (
                f"M{_f(cx + ro)} {_f(cy)}A{_f(ro)} {_f(ro)} 0 1 1 {_f(cx - ro)} {_f(cy)}"
                f"A{_f(ro)} {_f(ro)} 0 1 1 {_f(cx + ro)} {_f(cy)}Z"
                f"M{_f(cx + ri)} {_f(cy)}A{_f(ri)} {_f(ri)} 0 1 0 {_f(cx - ri)} {_f(cy)}"
                f"A{_f(ri)} {_f(ri)} 0 1 0 {_f(cx + ri)} {_f(cy)}Z"
            )
        else:
            large = 1 if span[i] > math.pi else 0
            p = [
                (cx + ro * math.cos(a0), cy + ro * math.sin(a0)),
                (cx + ro * math.cos(a1), cy + ro * math.sin(a1)),
                (cx + ri * math.cos(a1), cy + ri * math.sin(a1)),
                (cx + ri * math.cos(a0), cy + ri * math.sin(a0)),
            ]
            d = (
                f"M{_f(p[0][0])} {_f(p[0][1])}A{_f(ro)} {_f(ro)} 0 {large} 1 "
                f"{_f(p[1][0])} {_f(p[1][1])}L{_f(p[2][0])} {_f(p[2][1])}"
                f"A{_f(ri)} {_f(ri)} 0 {large} 0 {_f(p[3][0])} {_f(p[3][1])}Z"
            )
        svg.path(d, fill=colors[i], stroke="#ffffff", extra='stroke-width="1.2"', tip=tip)
        mid = (a0 + a1) / 2
        rm = (ri + ro) / 2
        ink = _ink_on(colors[i])
        if nd.depth == 1:
            tx, ty = cx + rm * math.cos(mid), cy + rm * math.sin(mid)
            arc_len = span[i] * rm
            if arc_len >= 28:
                svg.text(
                    tx,
                    ty - 1,
                    _fit(nd.label, 12, max(arc_len, ro - ri) - 4),
                    size=12,
                    anchor="middle",
                    weight="bold",
                    fill=ink,
                    tip=nd.label,
                )
                svg.text(tx, ty + 13, f"{nd.value:.1%}", size=11, anchor="middle", fill=ink)
        else:
            arc_len = span[i] * rm
            if arc_len < 9:
                continue
            size_t = min(11.0, arc_len - 1)
            deg = math.degrees(mid)
            flip = 90 < (deg % 360) < 270  # left half: turn the text to read upright
            tx, ty = cx + (ri + 5) * math.cos(mid), cy + (ri + 5) * math.sin(mid)
            rot = deg + 180 if flip else deg
            text = _fit(nd.label, size_t, ro - ri - 10)
            svg.text(
                tx,
                ty + size_t * 0.35,
                text,
                size=size_t,
                fill=ink,
                rotate=rot,
                anchor="end" if flip else "start",
                tip=tip,
            )
    return svg.render()


def weight_tree(
    nodes: Sequence[SunburstNode], *, title: str = "", width: float = 720, row: float = 20
) -> str:
    """Indented weight tree: one row per node (depth-first), a bar of its global weight and
    the local / global weights as text (first-level rows in bold)."""
    kids: dict[int, list[int]] = {}
    for i, nd in enumerate(nodes):
        kids.setdefault(nd.parent, []).append(i)
    order: list[int] = []
    stack = list(reversed(kids.get(-1, [])))
    while stack:
        i = stack.pop()
        order.append(i)
        stack.extend(reversed(kids.get(i, [])))
    shown = [i for i in order if nodes[i].depth > 0]
    colors = _node_colors(nodes)
    label_w = min(
        300.0,
        max([text_width(nodes[i].label, 12) + 16 * (nodes[i].depth - 1) for i in shown] + [60.0])
        + 16,
    )
    top, bottom = 56, 12
    height = top + bottom + row * len(shown)
    svg = _Svg(width, height, title or "weight tree")
    svg.heading(title)
    num_w = 150.0
    x0, x1 = label_w + 8, width - num_w - 8
    vmax = max([nodes[i].value for i in shown if math.isfinite(nodes[i].value)] + [1e-12])
    svg.text(x0, top - 10, "global weight", size=11, fill=MUTED)
    svg.text(width - num_w + 54, top - 10, "local", size=11, anchor="end", fill=MUTED)
    svg.text(width - 12, top - 10, "global", size=11, anchor="end", fill=MUTED)
    for k, i in enumerate(shown):
        nd = nodes[i]
        y = top + row * k
        bold = "bold" if nd.depth == 1 else None
        if nd.depth == 1 and k:
            svg.line(8, y, width - 8, y, GRID)
        indent = 12 + 16 * (nd.depth - 1)
        svg.text(
            indent,
            y + row * 0.7,
            _fit(nd.label, 12, label_w - indent),
            size=12,
            weight=bold,
            tip=nd.label,
        )
        w = (x1 - x0) * (nd.value / vmax if math.isfinite(nd.value) else 0.0)
        tip = f"{nd.label}: local {nd.local:.4f}, global {nd.value:.4f}" + (
            f" ({nd.note})" if nd.note else ""
        )
        svg.rect(x0, y + 4, w, row - 8, colors[i], tip=tip, rx=2)
        svg.text(
            width - num_w + 54, y + row * 0.7, f"{nd.local:.4f}", size=11, anchor="end", fill=MUTED
        )
        svg.text(width - 12, y + row * 0.7, f"{nd.value:.4f}", size=11, anchor="end", weight=bold)
    return svg.render()
