"""Write the paper set of :func:`evalsys.report.paper.build_paper` into a folder.

:func:`write_paper` writes ``tables/<key>.tex`` (booktabs, :mod:`evalsys.report.latex`),
``tables/<key>.md`` and one ``tables/tables.xlsx`` (one sheet per table,
:mod:`evalsys.report.excel`), and ``figures/<key>.svg`` and ``figures/<key>.png``: the PNG
rendered by headless Chromium (:mod:`evalsys.report.browser`) at ``dpi / 96`` times the
SVG's CSS-pixel size, with the resolution recorded in its ``pHYs`` chunk
(:func:`png_with_dpi`) so that a journal's check reads e.g. 300 dpi.  Every file is
written atomically and holds no date: the same set gives the same bytes.

Tables that list entities (``detail`` tables) show their first ``max_rows`` rows in LaTeX
and Markdown, with a note; the workbook has every row.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from evalsys.errors import DataError
from evalsys.model.io import atomic_write
from evalsys.report.data import Report, Table
from evalsys.report.latex import LATEX_PACKAGES, latex_table, plain_cell
from evalsys.report.markdown import md_table
from evalsys.report.paper import NUMBER_RULE_FACT

__all__ = [
    "FIGURE_FORMATS",
    "TABLE_FORMATS",
    "png_with_dpi",
    "write_paper",
]

TABLE_FORMATS = ("latex", "md", "xlsx")
"""Table formats: LaTeX (``.tex``), Markdown (``.md``), one Excel workbook."""
FIGURE_FORMATS = ("svg", "png")
"""Figure formats: standalone SVG, PNG through headless Chromium."""

_CSS_DPI = 96.0
_DROP_CHUNKS = {b"pHYs", b"tIME", b"tEXt", b"zTXt", b"iTXt"}


def png_with_dpi(data: bytes, dpi: float) -> bytes:
    """``data`` (a PNG) with one ``pHYs`` chunk saying ``dpi`` pixels per inch, and without
    time or text chunks (so the bytes do not depend on when it was made)."""
    sig = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(sig):
        raise DataError("not a PNG image")
    ppm = round(dpi / 0.0254)
    body = struct.pack(">IIB", ppm, ppm, 1)
    phys = struct.pack(">I", len(body)) + b"pHYs" + body
    phys += struct.pack(">I", zlib.crc32(b"pHYs" + body) & 0xFFFFFFFF)
    out = [sig]
    pos = len(sig)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if kind not in _DROP_CHUNKS:
            out.append(data[pos:end])
        if kind == b"IHDR":
            out.append(phys)
        pos = end
    return b"".join(out)


def _shown(t: Table, max_rows: int) -> Table:
    if not t.detail or max_rows <= 0 or len(t.rows) <= max_rows:
        return t
    extra = f"First {max_rows} of {len(t.rows)} rows; every row is in tables.xlsx."
    return replace(t, rows=t.rows[:max_rows], note=f"{t.note} {extra}".strip())


def _check(values: Sequence[str], allowed: Sequence[str], what: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise DataError(f"unknown {what} {', '.join(bad)}; use {', '.join(allowed)}")
    return tuple(dict.fromkeys(values))


def _write(path: Path, data: bytes) -> Path:
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return path


def write_paper(
    report: Report,
    directory: str | os.PathLike[str],
    *,
    tables: Sequence[str] = TABLE_FORMATS,
    figures: Sequence[str] = ("svg",),
    dpi: float = 300.0,
    max_rows: int = 50,
) -> list[Path]:
    """Write the tables and figures of ``report`` under ``directory``; return the paths.

    Parameters
    ----------
    report
        A paper set (:func:`evalsys.report.paper.build_paper`; any report works).
    directory
        Output folder (created); files go to ``tables/`` and ``figures/``.
    tables
        Any of :data:`TABLE_FORMATS`.
    figures
        Any of :data:`FIGURE_FORMATS` (``png`` needs Chromium; the SVG files are written
        first either way).
    dpi
        Resolution of the PNG figures (at least 72).
    max_rows
        Rows of a ``detail`` table in LaTeX and Markdown (0: all).

    Raises
    ------
    DataError
        An unknown format, or ``dpi`` / ``max_rows`` out of range.
    EvalsysError
        PNG requested and Chromium missing or failing.
    """
    fmts = _check(tables, TABLE_FORMATS, "table format")
    figs = _check(figures, FIGURE_FORMATS, "figure format")
    if not dpi >= 72:
        raise DataError(f"dpi must be at least 72, got {dpi!r}")
    if max_rows < 0:
        raise DataError(f"max_rows must be 0 (all) or more, got {max_rows}")
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise DataError(f"output folder {root} is an existing file")
    facts = dict(report.facts)
    rule = facts.get(NUMBER_RULE_FACT, "numbers as printed by evalsys")
    where = f"evalsys {report.version} · tree {report.tree_id} · {report.method}" + (
        f" ({report.operator})" if report.operator else ""
    )
    written: list[Path] = []
    tdir, fdir = root / "tables", root / "figures"
    if "latex" in fmts:
        for t in report.tables:
            st = _shown(t, max_rows)
            comment = (
                f"{t.title} — {where}",
                "Needs \\usepackage{" + ",".join(LATEX_PACKAGES) + "}; Chinese text: XeLaTeX "
                "with \\usepackage{xeCJK} (or a ctex class).",
                f"Numbers: {rule}.",
            )
            written.append(
                _write(tdir / f"{t.key}.tex", latex_table(st, comment=comment).encode("utf-8"))
            )
    if "md" in fmts:
        for t in report.tables:
            text = f"<!-- {where}; {rule} -->\n\n" + md_table(_shown(t, max_rows), plain_cell)
            written.append(_write(tdir / f"{t.key}.md", text.encode("utf-8")))
    if "xlsx" in fmts:
        from evalsys.report.excel import write_excel

        tdir.mkdir(parents=True, exist_ok=True)
        written.append(write_excel(report, tdir / "tables.xlsx"))
    svgs: list[Path] = []
    if figs:
        for c in report.charts:
            data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + c.svg).encode("utf-8")
            svgs.append(_write(fdir / f"{c.key}.svg", data))
    if "svg" in figs:
        written += svgs
    if "png" in figs:
        from evalsys.report.browser import svg_to_png

        for p in svgs:
            png = svg_to_png(p, p.with_suffix(".png"), scale=dpi / _CSS_DPI)
            written.append(_write(png, png_with_dpi(png.read_bytes(), dpi)))
        if "svg" not in figs:
            for p in svgs:
                p.unlink()
    return written
