"""SVG primitives every chart is drawn with: the document, axes, scales, colours, text.

This module owns the low-level drawing vocabulary; the chart types built from it live in
:mod:`evalsys.report.charts`.  Any module that draws a chart (the evaluation report, the
period view) uses these pieces:

* :class:`SvgCanvas` — one standalone SVG document: ``text``/``fitted_text``, ``rect``,
  ``line``, ``circle``, ``path``, ``heading`` and ``render``; :func:`chart_canvas` makes one
  with its title drawn;
* axes — :func:`y_axis` (grid lines and labels), :func:`x_grid` (vertical grid lines),
  :func:`x_ticks` (tick marks under a base line), :func:`x_title`, :func:`legend_entry`;
* scales — :func:`nice_ticks`, :func:`ticks_inside`, :func:`tick_label`,
  :func:`finite_values`, :func:`data_range`;
* colours — :data:`CATEGORY_COLORS`, :func:`pick_color`, :func:`diverging_color`,
  :func:`grade_colors`, :func:`strong_color`, :func:`lighten`, :func:`ink_on`;
* text and numbers — :func:`esc`, :func:`coord`, :func:`points_path`, :func:`text_width`,
  :func:`fit_text`, :func:`label_width`.

Everything is plain SVG 1.1 — no JavaScript, no charting library, no network.  All
user-supplied strings pass through :func:`esc` (``html.escape`` with quotes), also inside
``<text>`` and ``<title>`` elements, so a name such as ``<script>alert(1)</script>`` is shown
as text and never parsed as markup.

Output is deterministic: coordinates are formatted by :func:`coord` (two decimals), no ids,
dates or random numbers are emitted, so the same input always gives the same bytes.

Text widths are estimated (CJK characters 1 em, Latin ~0.55 em) because the final font is
chosen by the viewer; labels that would not fit are shortened with an ellipsis and the full
text is kept in a ``<title>`` tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

import numpy as np
import numpy.typing as npt

__all__ = [
    "CATEGORY_COLORS",
    "FONT_STACK",
    "GRID",
    "INK",
    "MUTED",
    "PRIMARY",
    "SvgCanvas",
    "chart_canvas",
    "coord",
    "data_range",
    "diverging_color",
    "esc",
    "finite_values",
    "fit_text",
    "grade_colors",
    "ink_on",
    "label_width",
    "legend_entry",
    "lighten",
    "nice_ticks",
    "pick_color",
    "points_path",
    "series_legend",
    "strong_color",
    "text_width",
    "tick_label",
    "ticks_inside",
    "x_grid",
    "x_ticks",
    "x_title",
    "y_axis",
]

FloatArray = npt.NDArray[np.float64]

FONT_STACK = (
    "'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', "
    "'PingFang SC', sans-serif"
)
"""Font stack of every chart: CJK fonts first so Chinese labels never show missing glyphs."""

INK = "#1f2933"
"""Default text colour."""
MUTED = "#616e7c"
"""Secondary text: tick labels, axis titles, notes."""
GRID = "#e4e7eb"
"""Grid lines."""
PRIMARY = "#3b6fb6"
"""Default fill of single-series bars, boxes and polygons."""
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
"""Tableau 10: colour-blind aware categorical palette (series, dimensions, branches)."""
# ColorBrewer RdYlBu, low (bad, red) → high (good, blue); safe for red-green colour blindness
_DIVERGING = ("#d73027", "#fc8d59", "#fee090", "#ffffbf", "#e0f3f8", "#91bfdb", "#4575b4")


# ----------------------------------------------------------- text and numbers


def esc(s: object) -> str:
    """Escape any value for SVG/HTML text and attribute values."""
    return escape(str(s), quote=True)


def coord(x: float) -> str:
    """Deterministic short number for coordinates (two decimals, no '-0')."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def points_path(points: Sequence[tuple[float, float]], *, closed: bool = False) -> str:
    """SVG path data through ``points`` (``M x y L x y …``, ``Z`` when ``closed``)."""
    d = "M" + "L".join(f"{coord(x)} {coord(y)}" for x, y in points)
    return d + "Z" if closed else d


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


def fit_text(s: str, size: float, max_w: float) -> str:
    """``s`` shortened with an ellipsis so that it fits in ``max_w``."""
    if text_width(s, size) <= max_w:
        return s
    out = s
    while out and text_width(out + "…", size) > max_w:
        out = out[:-1]
    return out + "…" if out else ""


def label_width(labels: Sequence[str], *, cap: float, pad: float, floor: float = 40.0) -> float:
    """Width of a label column: the widest label at 12 px (at least ``floor``) plus ``pad``,
    at most ``cap``."""
    return min(cap, max([text_width(s, 12) for s in labels] + [floor]) + pad)


# -------------------------------------------------------------------- colours


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


def pick_color(colors: Sequence[str] | None, i: int) -> str:
    """The ``i``-th of ``colors`` (cycling), or :data:`PRIMARY` when none are given."""
    return colors[i % len(colors)] if colors else PRIMARY


def lighten(c: str, amount: float) -> str:
    """``c`` mixed with white: ``amount`` 0 keeps it, 1 gives white."""
    r, g, b = _hex(c)
    return _rgb(r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def ink_on(c: str) -> str:
    """Black or white text, whichever reads better on background ``c``."""
    r, g, b = _hex(c)
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return INK if lum > 0.55 else "#ffffff"


# --------------------------------------------------------------------- scales


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


def ticks_inside(ticks: Sequence[float], lo: float, hi: float) -> list[float]:
    """The ``ticks`` within [lo, hi] (for an axis that ends exactly at the data range)."""
    eps = (hi - lo) * 1e-9
    return [t for t in ticks if lo - eps <= t <= hi + eps]


def tick_label(v: float, ticks: Sequence[float]) -> str:
    """Text of tick ``v`` with as many decimals as the tick step needs."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    digits = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    if step > 0 and abs(step * 10**digits - round(step * 10**digits)) > 1e-6:
        digits += 1
    return f"{v:.{digits}f}"


def finite_values(values: Sequence[float] | FloatArray) -> FloatArray:
    """``values`` as a flat float array without NaN and infinities."""
    a = np.asarray(values, dtype=np.float64).ravel()
    out: FloatArray = a[np.isfinite(a)]
    return out


def data_range(values: FloatArray, given: tuple[float, float] | None) -> tuple[float, float]:
    """Axis range: ``given``, else the min and max of ``values`` (0–1 when empty); an empty
    or one-point range is widened by 0.5 on each side."""
    if given:
        lo, hi = given
    else:
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


# ------------------------------------------------------------------- document


class SvgCanvas:
    """One standalone SVG document; elements are added in drawing order, ``render`` wraps
    them in the root element (white background, :data:`FONT_STACK`, ``title`` as the
    accessible name).  Every text argument is escaped here."""

    def __init__(self, width: float, height: float, title: str) -> None:
        self.width = width
        self.height = height
        self.title = title
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        """Append raw SVG markup (the caller escapes any text in it)."""
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
        """Text at (x, y); ``tip`` a tooltip, ``halo`` a white outline for busy backgrounds."""
        attrs = f'x="{coord(x)}" y="{coord(y)}" font-size="{coord(size)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if weight:
            attrs += f' font-weight="{weight}"'
        if fill != INK:
            attrs += f' fill="{fill}"'
        if rotate is not None:
            attrs += f' transform="rotate({coord(rotate)} {coord(x)} {coord(y)})"'
        if halo:  # white outline keeps the text readable over lines and shapes
            attrs += ' stroke="#ffffff" stroke-width="3" paint-order="stroke"'
        inner = esc(s) + (f"<title>{esc(tip)}</title>" if tip else "")
        self.parts.append(f"<text {attrs}>{inner}</text>")

    def fitted_text(
        self,
        x: float,
        y: float,
        s: str,
        max_w: float,
        *,
        size: float = 12,
        anchor: str = "start",
        weight: str | None = None,
        fill: str = INK,
        rotate: float | None = None,
    ) -> None:
        """A label shortened to ``max_w`` (:func:`fit_text`), the full text as its tooltip."""
        self.text(
            x,
            y,
            fit_text(s, size, max_w),
            size=size,
            anchor=anchor,
            weight=weight,
            fill=fill,
            rotate=rotate,
            tip=s,
        )

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
        """Rectangle (negative sizes drawn as 0); ``rx`` rounds the corners."""
        attrs = f'x="{coord(x)}" y="{coord(y)}" width="{coord(max(w, 0))}" '
        attrs += f'height="{coord(max(h, 0))}" fill="{fill}"'
        if rx:
            attrs += f' rx="{coord(rx)}"'
        if stroke:
            attrs += f' stroke="{stroke}"'
        if opacity is not None:
            attrs += f' fill-opacity="{coord(opacity)}"'
        self._shape("rect", attrs, tip)

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
        """Straight line (a grid line by default); ``dash`` an SVG dash array."""
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<line x1="{coord(x1)}" y1="{coord(y1)}" x2="{coord(x2)}" y2="{coord(y2)}" '
            f'stroke="{stroke}" stroke-width="{coord(width)}"{d}/>'
        )

    def circle(self, cx: float, cy: float, r: float, fill: str, *, tip: str | None = None) -> None:
        """Filled circle (markers, points)."""
        self._shape(
            "circle", f'cx="{coord(cx)}" cy="{coord(cy)}" r="{coord(r)}" fill="{fill}"', tip
        )

    def path(
        self,
        d: str,
        *,
        fill: str = "none",
        stroke: str | None = None,
        extra: str = "",
        tip: str | None = None,
    ) -> None:
        """Path with data ``d`` (see :func:`points_path`); ``extra`` raw attributes."""
        attrs = f'd="{d}" fill="{fill}"'
        if stroke:
            attrs += f' stroke="{stroke}"'
        if extra:
            attrs += " " + extra
        self._shape("path", attrs, tip)

    def _shape(self, tag: str, attrs: str, tip: str | None) -> None:
        if tip:
            self.parts.append(f"<{tag} {attrs}><title>{esc(tip)}</title></{tag}>")
        else:
            self.parts.append(f"<{tag} {attrs}/>")

    def heading(self, title: str) -> None:
        """The chart title in bold at the top left (nothing when empty)."""
        if title:
            self.fitted_text(12, 22, title, self.width - 24, size=15, weight="bold")

    def render(self) -> str:
        """The complete ``<svg>`` element (one line, ending in a newline)."""
        w, h = coord(self.width), coord(self.height)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" '
            f'width="{w}" height="{h}" role="img" font-family="{FONT_STACK}">'
            f"<title>{esc(self.title)}</title>"
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>'
        )
        return head + "".join(self.parts) + "</svg>\n"


def chart_canvas(width: float, height: float, title: str, kind: str) -> SvgCanvas:
    """A canvas titled ``title`` (``kind``, e.g. "bar chart", when empty) with its heading."""
    svg = SvgCanvas(width, height, title or kind)
    svg.heading(title)
    return svg


# ----------------------------------------------------------------------- axes


def y_axis(
    svg: SvgCanvas,
    ticks: Sequence[float],
    y_of: Callable[[float], float],
    x0: float,
    x1: float,
    label: str,
) -> None:
    """Horizontal grid lines from ``x0`` to ``x1`` with tick labels left of ``x0`` and the
    rotated axis ``label``; ``y_of`` maps value → y."""
    for t in ticks:
        y = y_of(t)
        svg.line(x0, y, x1, y)
        svg.text(x0 - 6, y + 4, tick_label(t, ticks), size=11, anchor="end", fill=MUTED)
    if label:
        mid = (y_of(ticks[0]) + y_of(ticks[-1])) / 2
        svg.text(14, mid, label, size=11, anchor="middle", fill=MUTED, rotate=-90)


def x_grid(
    svg: SvgCanvas,
    ticks: Sequence[float],
    x_of: Callable[[float], float],
    top: float,
    bottom: float,
) -> None:
    """Vertical grid lines from ``top`` to ``bottom`` with tick labels below ``bottom``."""
    for t in ticks:
        x = x_of(t)
        svg.line(x, top, x, bottom)
        svg.text(x, bottom + 16, tick_label(t, ticks), size=11, anchor="middle", fill=MUTED)


def x_ticks(
    svg: SvgCanvas, ticks: Sequence[float], x_of: Callable[[float], float], y: float
) -> None:
    """Short tick marks below a base line at ``y``, with their labels."""
    for t in ticks:
        svg.line(x_of(t), y, x_of(t), y + 4, MUTED)
        svg.text(x_of(t), y + 17, tick_label(t, ticks), size=11, anchor="middle", fill=MUTED)


def x_title(svg: SvgCanvas, x: float, label: str) -> None:
    """The x-axis title centred at ``x`` near the bottom edge (nothing when empty)."""
    if label:
        svg.text(x, svg.height - 10, label, size=12, anchor="middle", fill=MUTED)


def legend_entry(
    svg: SvgCanvas,
    x: float,
    y: float,
    name: str,
    color: str,
    *,
    length: float,
    max_w: float,
    width: float = 2,
    dash: str | None = None,
) -> None:
    """One legend row: a line sample of ``length`` at (x, y), then ``name`` (fitted)."""
    svg.line(x, y, x + length, y, color, width=width, dash=dash)
    svg.fitted_text(x + (length + 6), y + 4, name, max_w)


def series_legend(
    svg: SvgCanvas, index: int, name: str, color: str, *, width: float, top: float, legend_w: float
) -> None:
    """Legend row ``index`` of a line chart: the legend column of ``legend_w`` at the right
    edge of a chart ``width`` wide, rows 18 px apart from ``top + 8``."""
    legend_entry(
        svg,
        width - legend_w,
        top + 8 + 18 * index,
        name,
        color,
        length=18,
        max_w=legend_w - 30,
        width=2.5,
    )
