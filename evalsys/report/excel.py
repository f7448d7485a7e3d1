"""The report as an Excel workbook: one sheet per table, numbers kept as numbers.

Each sheet has a bold header row, the table's number formats on its cells, fitted column
widths and a frozen header.  The file holds no timestamp: the zip entries and the document
dates are fixed, so the same report gives the same bytes.  openpyxl is imported only when a
workbook is written.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from pathlib import Path

from evalsys.model.io import atomic_write
from evalsys.report.data import Cell, Report, format_cell

__all__ = ["write_excel"]

_FIXED_DATE = (2000, 1, 1, 0, 0, 0)


def _excel_bytes(report: Report) -> bytes:
    import datetime

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    fixed = datetime.datetime(*_FIXED_DATE)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = f"evalsys {report.version}"
    wb.properties.title = report.title
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EEF2F7")
    seen: set[str] = set()
    for t in report.tables:
        name = _sheet_name(t.key, seen)
        ws = wb.create_sheet(name)
        ws.append(list(t.columns))
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(horizontal="center")
        for r in t.rows:
            ws.append([_excel_value(v) for v in r])
        widths = [
            max([_width(c)] + [_width(format_cell(r[j], t.fmt(j))) for r in t.rows[:200]])
            for j, c in enumerate(t.columns)
        ]
        for j, w in enumerate(widths):
            letter = get_column_letter(j + 1)
            ws.column_dimensions[letter].width = min(max(w + 2, 6), 60)
            fmt = t.fmt(j)
            if fmt:
                for row in ws.iter_rows(min_row=2, min_col=j + 1, max_col=j + 1):
                    for cell in row:
                        if isinstance(cell.value, int | float):
                            cell.number_format = fmt
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue(), fixed.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _excel_value(v: Cell) -> Cell:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _width(s: str) -> float:
    return sum(2.0 if ord(ch) >= 0x2E80 else 1.0 for ch in s)


def _sheet_name(key: str, seen: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in key)[:31] or "table"
    name, k = base, 2
    while name.lower() in seen:
        suffix = f"_{k}"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    seen.add(name.lower())
    return name


def _normalise_zip(data: bytes, stamp: str) -> bytes:
    """Rewrite an .xlsx (zip) with fixed entry dates and document dates: same input, same
    bytes."""
    import re

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda m: m.group(1) + stamp.encode() + m.group(3),
                    content,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def write_excel(report: Report, path: str | os.PathLike[str]) -> Path:
    """Write ``report`` as an Excel workbook, one sheet per table (atomically)."""
    target = Path(path)
    data = _excel_bytes(report)
    with atomic_write(target, "wb") as fh:
        fh.write(data)
    return target
