"""Reports people can look at: self-contained HTML, Markdown and Excel, with SVG charts.

>>> from evalsys.report import build_report, write_html      # doctest: +SKIP
>>> write_html(build_report(compiled, result), "report.html")  # doctest: +SKIP

The modules, by topic:

* :mod:`~evalsys.report.data` — the frozen report model (:class:`Report`, :class:`Section`,
  :class:`Table`, :class:`Chart`) and the scored view sections are built from;
* :mod:`~evalsys.report.inputs` — compliance and sensitivity inputs and their adapters;
* :mod:`~evalsys.report.compute` — :func:`build_report` (summary and ranking sections),
  with :mod:`~evalsys.report.sections_results` (scores, dimensions, selected entities) and
  :mod:`~evalsys.report.sections_checks` (weights, compliance, sensitivity);
* :mod:`~evalsys.report.html`, :mod:`~evalsys.report.markdown`,
  :mod:`~evalsys.report.excel`, :mod:`~evalsys.report.write` — the writers;
* :mod:`~evalsys.report.paper` — :func:`build_paper`, the tables and figures of a paper
  (:mod:`~evalsys.report.paper_tables`, :mod:`~evalsys.report.paper_data`), written by
  :func:`~evalsys.report.paper_write.write_paper` as LaTeX (:mod:`~evalsys.report.latex`),
  Markdown, Excel, SVG and PNG;
* :mod:`~evalsys.report.svg` — SVG primitives; :mod:`evalsys.report.charts` — chart types
  (no JavaScript, no network); :mod:`~evalsys.report.browser` — PNG through Chromium.
"""

from evalsys.report.compute import build_report
from evalsys.report.data import Chart, Report, Section, Table
from evalsys.report.excel import write_excel
from evalsys.report.html import write_html
from evalsys.report.inputs import ComplianceInput, RowsLike, SensitivityInput
from evalsys.report.markdown import write_charts, write_markdown
from evalsys.report.paper import build_paper
from evalsys.report.paper_write import write_paper
from evalsys.report.write import write_report

__all__ = [
    "Chart",
    "ComplianceInput",
    "Report",
    "RowsLike",
    "Section",
    "SensitivityInput",
    "Table",
    "build_paper",
    "build_report",
    "write_charts",
    "write_excel",
    "write_html",
    "write_markdown",
    "write_paper",
    "write_report",
]
