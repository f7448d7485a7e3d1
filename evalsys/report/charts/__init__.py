"""Chart types of the reports: pure functions that turn numbers into standalone SVG text.

One module per kind of chart, all drawn with the primitives of :mod:`evalsys.report.svg`:

* :mod:`~evalsys.report.charts.bars` — :func:`bar_chart`, :func:`hbar_chart`;
* :mod:`~evalsys.report.charts.distributions` — :func:`histogram`, :func:`box_plot`;
* :mod:`~evalsys.report.charts.profiles` — :func:`heat_map`, :func:`radar`;
* :mod:`~evalsys.report.charts.lines` — :func:`line_plot`;
* :mod:`~evalsys.report.charts.sensitivity` — :func:`tornado`, :func:`rank_stability`;
* :mod:`~evalsys.report.charts.weights` — :class:`SunburstNode`, :func:`sunburst`,
  :func:`weight_tree`.

The colour and scale helpers a caller passes to or reads beside these charts
(:data:`CATEGORY_COLORS`, :func:`grade_colors`, :func:`strong_color`,
:func:`diverging_color`, :func:`nice_ticks`) are named here too, so that one import draws
any chart.
"""

from evalsys.report.charts.bars import bar_chart, hbar_chart
from evalsys.report.charts.distributions import box_plot, histogram
from evalsys.report.charts.lines import line_plot
from evalsys.report.charts.profiles import heat_map, radar
from evalsys.report.charts.sensitivity import rank_stability, tornado
from evalsys.report.charts.weights import SunburstNode, sunburst, weight_tree
from evalsys.report.svg import (
    CATEGORY_COLORS,
    diverging_color,
    grade_colors,
    nice_ticks,
    strong_color,
)

__all__ = [
    "CATEGORY_COLORS",
    "SunburstNode",
    "bar_chart",
    "box_plot",
    "diverging_color",
    "grade_colors",
    "hbar_chart",
    "heat_map",
    "histogram",
    "line_plot",
    "nice_ticks",
    "radar",
    "rank_stability",
    "strong_color",
    "sunburst",
    "tornado",
    "weight_tree",
]
