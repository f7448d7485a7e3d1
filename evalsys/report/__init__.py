"""Reports people can look at: self-contained HTML, Markdown and Excel, with SVG charts.

>>> from evalsys.report import build_report, write_html      # doctest: +SKIP
>>> write_html(build_report(compiled, result), "report.html")  # doctest: +SKIP

Charts are drawn as inline SVG by :mod:`evalsys.report.svg` (no JavaScript, no network);
:mod:`evalsys.report.build` assembles the sections and writes the formats.
"""

from evalsys.report.build import (
    Chart,
    ComplianceInput,
    Report,
    RowsLike,
    Section,
    SensitivityInput,
    Table,
    build_report,
    write_charts,
    write_excel,
    write_html,
    write_markdown,
    write_report,
)

__all__ = [
    "Chart",
    "ComplianceInput",
    "Report",
    "RowsLike",
    "Section",
    "SensitivityInput",
    "Table",
    "build_report",
    "write_charts",
    "write_excel",
    "write_html",
    "write_markdown",
    "write_report",
]
