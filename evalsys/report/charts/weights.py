"""Weight charts: the sunburst and the indented weight tree of an indicator hierarchy.

:class:`SunburstNode` is one node of the tree (global and local weight, depth, parent);
:func:`sunburst` draws rings by depth with arc angle = global weight, :func:`weight_tree` one
bar per node.  Both colour a first-level branch with one categorical colour, lighter with
depth, and are drawn with the primitives of :mod:`evalsys.report.svg`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from evalsys.report.svg import (
    CATEGORY_COLORS,
    GRID,
    MUTED,
    SvgCanvas,
    chart_canvas,
    coord,
    fit_text,
    ink_on,
    lighten,
    text_width,
)

__all__ = ["SunburstNode", "sunburst", "weight_tree"]


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


def _children(nodes: Sequence[SunburstNode]) -> dict[int, list[int]]:
    """Positions of the children of every node (key -1: the root)."""
    kids: dict[int, list[int]] = {}
    for i, nd in enumerate(nodes):
        kids.setdefault(nd.parent, []).append(i)
    return kids


def _node_colors(nodes: Sequence[SunburstNode]) -> list[str]:
    """Categorical colour per first-level branch, lighter with depth."""
    cols = ["#ffffff"] * len(nodes)
    k = 0
    for i, nd in enumerate(nodes):
        if nd.depth == 1:
            cols[i] = CATEGORY_COLORS[k % len(CATEGORY_COLORS)]
            k += 1
        elif nd.depth > 1:
            cols[i] = lighten(cols[nd.parent], 0.35)
    return cols


def sunburst(
    nodes: Sequence[SunburstNode], *, title: str = "", size: float = 560, center_label: str = ""
) -> str:
    """Sunburst of a weight tree: rings by depth, arc angle = global weight.

    First-level labels are written horizontally with their weight; deeper labels radially
    when the arc is wide enough (every arc has a tooltip with the full name and weights).
    """
    if not nodes:
        return SvgCanvas(size, size, title or "sunburst").render()
    max_depth = max(nd.depth for nd in nodes)
    svg = chart_canvas(size, size + 40, title, "sunburst")
    cx, cy = size / 2, size / 2 + 40
    r0 = size * 0.13
    ring = (size / 2 - 8 - r0) / max(max_depth, 1)
    if max_depth >= 2:  # first ring a bit thinner, leaves get room for radial labels
        ring1 = ring * 0.8
        ring_rest = (size / 2 - 8 - r0 - ring1) / (max_depth - 1)
    else:
        ring1, ring_rest = ring, ring
    colors = _node_colors(nodes)
    kids = _children(nodes)
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
        fit_text(lab, 13, 2 * r0 - 12),
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
            xo, xi, y = coord(cx + ro), coord(cx + ri), coord(cy)
            d = (
                f"M{xo} {y}A{coord(ro)} {coord(ro)} 0 1 1 {coord(cx - ro)} {y}"
                f"A{coord(ro)} {coord(ro)} 0 1 1 {xo} {y}Z"
                f"M{xi} {y}A{coord(ri)} {coord(ri)} 0 1 0 {coord(cx - ri)} {y}"
                f"A{coord(ri)} {coord(ri)} 0 1 0 {xi} {y}Z"
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
                f"M{coord(p[0][0])} {coord(p[0][1])}A{coord(ro)} {coord(ro)} 0 {large} 1 "
                f"{coord(p[1][0])} {coord(p[1][1])}L{coord(p[2][0])} {coord(p[2][1])}"
                f"A{coord(ri)} {coord(ri)} 0 {large} 0 {coord(p[3][0])} {coord(p[3][1])}Z"
            )
        svg.path(d, fill=colors[i], stroke="#ffffff", extra='stroke-width="1.2"', tip=tip)
        mid = (a0 + a1) / 2
        rm = (ri + ro) / 2
        ink = ink_on(colors[i])
        if nd.depth == 1:
            tx, ty = cx + rm * math.cos(mid), cy + rm * math.sin(mid)
            arc_len = span[i] * rm
            if arc_len >= 28:
                svg.fitted_text(
                    tx,
                    ty - 1,
                    nd.label,
                    max(arc_len, ro - ri) - 4,
                    anchor="middle",
                    weight="bold",
                    fill=ink,
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
            text = fit_text(nd.label, size_t, ro - ri - 10)
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
    kids = _children(nodes)
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
    svg = chart_canvas(width, height, title, "weight tree")
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
        svg.fitted_text(indent, y + row * 0.7, nd.label, label_w - indent, weight=bold)
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
