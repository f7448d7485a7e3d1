"""The report as Markdown, with its charts written beside it as SVG files.

:func:`render_markdown` gives the text (pipe tables; ``detail`` tables only named, they are
complete in Excel); :func:`write_markdown` writes it together with the chart files that
:func:`write_charts` produces (``<key>.svg``, optionally ``.png`` through headless
Chromium), linked by relative paths.  :func:`md_text` escapes text for Markdown and
:func:`md_table` renders one :class:`~evalsys.report.data.Table`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path

from evalsys.model.io import atomic_write
from evalsys.report.data import Cell, Report, Table, format_cell

__all__ = ["md_table", "md_text", "render_markdown", "write_charts", "write_markdown"]


def md_text(s: str) -> str:
    """Escape text for a Markdown table cell or paragraph (HTML-escaped, pipes escaped)."""
    out = escape(s, quote=False).replace("|", "\\|").replace("\n", " ")
    for ch in "*_`[]":
        out = out.replace(ch, "\\" + ch)
    return out


def md_table(t: Table, cell: Callable[[Cell, str], str] = format_cell) -> str:
    """One table as a bold title and a pipe table (numbers right-aligned), then its note;
    ``cell`` gives the text of a cell and its number format."""
    lines = [f"**{md_text(t.title)}**", ""]
    lines.append("| " + " | ".join(md_text(c) for c in t.columns) + " |")
    aligns = []
    for j in range(len(t.columns)):
        vals = [r[j] for r in t.rows if r[j] is not None]
        numeric = bool(vals) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in vals
        )
        aligns.append("---:" if numeric else "---")
    lines.append("| " + " | ".join(aligns) + " |")
    for r in t.rows:
        lines.append("| " + " | ".join(md_text(cell(v, t.fmt(j))) for j, v in enumerate(r)) + " |")
    if t.note:
        lines += ["", md_text(t.note)]
    return "\n".join(lines) + "\n"


def render_markdown(report: Report, chart_links: Mapping[str, str]) -> str:
    """The report as Markdown text; ``chart_links`` maps chart key → relative file path."""
    out = [f"# {md_text(report.title)}", "", md_text(report.subtitle), ""]
    out += [f"- **{md_text(k)}**: {md_text(v)}" for k, v in report.facts]
    out.append("")
    for s in report.sections:
        out += [f"## {md_text(s.title)}", ""]
        for p in s.text:
            out += [md_text(p), ""]
        for c in s.charts:
            link = chart_links.get(c.key)
            if link:
                out += [f"![{md_text(c.title)}]({link})", ""]
                if c.caption:
                    out += [f"*{md_text(c.caption)}*", ""]
        for t in s.tables:
            if t.detail:
                out += [f"{md_text(t.title)}: {len(t.rows)} rows, in the Excel report.", ""]
            else:
                out += [md_table(t)]
    out.append(f"---\nevalsys {md_text(report.version)} · tree {md_text(report.tree_id)}\n")
    return "\n".join(out)


def write_charts(
    report: Report, directory: str | os.PathLike[str], *, png: bool = False
) -> list[Path]:
    """Write every chart as ``<key>.svg`` in ``directory`` (and ``<key>.png`` when ``png``:
    rendered by headless Chromium at 2× scale, see :mod:`evalsys.report.browser`)."""
    folder = Path(directory)
    written: list[Path] = []
    for c in report.charts:
        p = folder / f"{c.key}.svg"
        with atomic_write(p, "wb") as fh:
            fh.write(('<?xml version="1.0" encoding="UTF-8"?>\n' + c.svg).encode("utf-8"))
        written.append(p)
    if png:
        from evalsys.report.browser import svg_to_png

        written += [svg_to_png(p, p.with_suffix(".png")) for p in list(written)]
    return written


def write_markdown(
    report: Report,
    path: str | os.PathLike[str],
    charts_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``report`` as Markdown with the charts as SVG files in ``charts_dir`` (default
    ``<stem>_charts`` beside the file), linked by relative paths; return the path."""
    target = Path(path)
    folder = (
        Path(charts_dir) if charts_dir is not None else target.with_name(f"{target.stem}_charts")
    )
    files = write_charts(report, folder)
    base = target.resolve().parent
    links = {p.stem: Path(os.path.relpath(p.resolve(), base)).as_posix() for p in files}
    with atomic_write(target, "wb") as fh:
        fh.write(render_markdown(report, links).encode("utf-8"))
    return target
