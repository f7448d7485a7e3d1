"""Write a report in the format its file name asks for (.html, .md or .xlsx).

:data:`REPORT_FORMATS` maps the extensions to the writers of :mod:`evalsys.report.html`,
:mod:`evalsys.report.markdown` and :mod:`evalsys.report.excel`; :func:`write_report`
dispatches on it.
"""

from __future__ import annotations

import os
from pathlib import Path

from evalsys.errors import DataError
from evalsys.report.data import Report
from evalsys.report.excel import write_excel
from evalsys.report.html import write_html
from evalsys.report.markdown import write_markdown

__all__ = ["REPORT_FORMATS", "write_report"]

REPORT_FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xlsx": "excel",
}


def write_report(
    report: Report,
    path: str | os.PathLike[str],
    *,
    charts_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``report`` in the format given by the extension of ``path`` (.html, .md, .xlsx)."""
    suffix = Path(path).suffix.lower()
    fmt = REPORT_FORMATS.get(suffix)
    if fmt is None:
        raise DataError(
            f"unsupported report type '{suffix or '(none)'}'; use one of "
            + ", ".join(sorted(REPORT_FORMATS)),
            file=str(path),
        )
    if fmt == "html":
        return write_html(report, path)
    if fmt == "markdown":
        return write_markdown(report, path, charts_dir)
    return write_excel(report, path)
