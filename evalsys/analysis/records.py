"""Operational statistics from raw records: ticket / order logs → indicator values.

The documents ask for response-time statistics computed from service records: mean and
median response time, consistency as coefficient of variation, standard deviation or IQR
(变异系数越小,响应时间的一致性越高), compared across time segments (工作日与周末、高峰时段与
非高峰时段) [1]_, and handling times in working days (「3-5个工作日内完成」) [1]_.  This module
turns a log of service tickets and orders into the indicator columns of an indicator tree
(by default the shipped ``ecommerce_service`` tree), one row per entity (or per entity and
period), so that the output can be scored directly by ``evalsys score``.

Log schema
----------
One row per ticket (a customer request) or order.  Column names are fixed; only
``entity_id`` and ``created_at`` are required; an indicator whose columns are absent is
reported as not derivable (never silently dropped).

==========================  ====================================================================
column                      meaning
==========================  ====================================================================
``entity_id``               the evaluated entity (merchant, agent …); text
``ticket_id``               optional ticket / order id; duplicates are an error
``channel``                 optional (chat, phone, email …); carried for information only
``type``                    ``inquiry``, ``complaint``, ``return`` (alias ``exchange``),
                            ``refund``, ``technical`` (alias ``tech``) or ``order``;
                            absent → every row is an ``inquiry``
``created_at``              when the customer's request (or the order) was made
``first_response_at``       first reply by an agent / technician (null = never answered)
``resolved_at``             when the ticket was closed as solved (return / refund: completed)
``reviewed_at``             return / refund tickets: when the review decision was made
``shipped_at``              orders: when the order was processed and handed over for delivery
``delivered_at``            orders: when the parcel was delivered
``promised_at``             orders: the promised delivery time
``resolved``                bool; absent or null → ``resolved_at`` is not null
``first_contact_resolved``  bool: solved at the customer's first contact
``satisfaction``            the customer's rating, 1 … ``satisfaction_scale`` (default 5)
==========================  ====================================================================

Timestamps are ISO 8601 text (``2024-03-05 09:15:00``, ``2024-03-05T09:15:00.25``,
``2024-03-05T09:15:00+08:00``, ``…Z``, or a bare date) or typed timestamps (Parquet,
Excel).  A timestamp with a UTC offset keeps its own wall-clock time for the calendar
questions (weekday, hour, working day, period) and is converted to UTC for durations;
naive timestamps are local wall-clock times of one time zone.  A log may not mix naive
and offset timestamps.  Booleans are ``true/false``, ``1/0``, ``yes/no`` (any case).

Conventions
-----------
- **Ticket groups.**  Customer-service indicators use ``inquiry`` and ``complaint``
  tickets; after-sales indicators ``return`` and ``refund``; technical-support
  indicators ``technical``; logistics indicators ``order`` rows (:data:`DERIVATIONS`).
- **Response rate** is the share of tickets of the group whose first response came within
  the standard (``response_standard`` seconds, default 60 s, the tree's illustrative chat
  standard); unanswered tickets count as not answered in time.  The **mean response
  time** and its dispersion use the answered tickets only.
- **Dispersion.**  ``std`` is the sample standard deviation (divisor n − 1, as SPSS and
  Excel ``STDEV``; ``ddof`` changes it); ``cv = std / mean`` (变异系数); quantiles use
  numpy's default ``linear`` method (Hyndman & Fan type 7, Excel ``PERCENTILE.INC``)
  [2]_: for the sorted values :math:`x_{(1)} \\le … \\le x_{(n)}` and
  :math:`h = (n - 1) q`, :math:`Q(q) = x_{(\\lfloor h \\rfloor + 1)} + (h - \\lfloor h
  \\rfloor)(x_{(\\lfloor h \\rfloor + 2)} - x_{(\\lfloor h \\rfloor + 1)})`; ``median`` =
  Q(0.5), ``p90`` = Q(0.9), ``iqr`` = Q(0.75) − Q(0.25).  A group with fewer than
  ``ddof + 1`` values has NaN std and CV; a group with no value has NaN everywhere.
- **Working days** (:func:`working_days`), convention ``elapsed`` (default): the length,
  in days, of the part of the interval [start, end] that falls on working days, each
  working day counting 24 h; time on weekends and holidays does not count.  With
  :math:`d_s, d_e` the calendar days of start and end and :math:`w(d) \\in \\{0, 1\\}`:
  same day: :math:`w(d_s)(e - s)`; otherwise :math:`w(d_s)(d_s + 1 - s) +
  \\#\\{\\text{working days in } [d_s + 1, d_e)\\} + w(d_e)(e - d_e)`.  A complaint opened
  on Friday 10:00 and closed on Monday 10:00 took 1.0 working day.  Convention ``whole``:
  the number of working days after the day of receipt up to and including the day of
  closure (day of receipt = day 0, as in "T+n working days"): same example → 1.  Working
  days follow ``numpy.busday_count`` [3]_: a weekmask (default Monday–Friday), holidays,
  and make-up working days (调休) on weekend days.
- **Segments.**  ``weekday``/``weekend`` by the weekday of ``created_at`` (weekend = the
  days outside the weekmask; holidays do not change it); ``peak``/``offpeak`` by its
  hour of day, default peak hours 09:00–12:00 and 19:00–22:00 — illustrative values
  chosen by the evalsys authors, not a standard from the documents.
- **Periods** (``period``): ``day``, ``week`` (ISO week, label ``2024-W10``), ``month``
  (``2024-03``) or ``quarter`` (``2024-Q1``) of ``created_at``'s wall-clock date.

Output
------
One row per entity (``period="none"``) or per entity and period, with ``entity_id``,
(``period`` and ``entity_period`` = ``"<entity>@<period>"``, the unique id to score
with ``--id-column entity_period``), ``tickets``, the tree's indicator columns in leaf
order, any other columns of the entity data, and extra statistics
``<indicator>.<stat>`` (``n``, ``median``, ``p90``, ``std``, ``cv``, ``iqr``) and
``<indicator>.<segment>`` (segment means / rates / CVs of the response indicators).
Tree columns that the logs cannot give are listed in :attr:`LogIndicators.missing`
(12 of the 31 ``ecommerce_service`` indicators: survey attitude, delivery accuracy, damage
and sign-for rates, payment, security and uptime figures).  With entity data that holds
them (``entities``) the output is complete and ``evalsys score`` scores it as it is;
otherwise ``to_table(empty_missing=True)`` writes them as empty columns for ``evalsys
score --missing renormalize``.

References
----------
.. [1] Seed 001 (电商服务质量评价体系构建), 第七部分 服务响应速度分析 (平均响应时间、中位数
   响应时间; 工作日与周末、高峰时段与非高峰时段; 变异系数、标准差或IQR) and 第四部分 售后服务
   评价标准 (投诉处理时间、退换货处理 3-5个工作日; 审核 24小时内).
.. [2] R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages", *The American
   Statistician* 50(4), 361–365, 1996 (definition 7); ``numpy.percentile``
   (``method="linear"``).
.. [3] NumPy reference, "Datetime support functions": ``numpy.busday_count``,
   ``numpy.is_busday`` (weekmask, holidays).
.. [4] ISO 8601-1:2019, Date and time — Representations for information interchange
   (timestamps, offsets, ISO week numbers).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from evalsys._registry import Registry
from evalsys._version import __version__
from evalsys.errors import DataError, ShapeError, TreeSpecError

__all__ = [
    "DEFAULT_PEAK_HOURS",
    "DERIVATIONS",
    "LOG_COLUMNS",
    "PERIODS",
    "TICKET_TYPES",
    "TIMESTAMP_COLUMNS",
    "WORKING_DAY_CONVENTIONS",
    "Derivation",
    "GroupStats",
    "LogIndicators",
    "MissingIndicator",
    "TicketLog",
    "WorkCalendar",
    "generate_logs",
    "group_quantiles",
    "group_stats",
    "log_indicators",
    "parse_logs",
    "parse_peak_hours",
    "read_calendar",
    "read_entities",
    "read_logs",
    "working_days",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DateTimeArray = npt.NDArray[np.datetime64]

TIMESTAMP_COLUMNS = (
    "created_at",
    "first_response_at",
    "resolved_at",
    "reviewed_at",
    "shipped_at",
    "delivered_at",
    "promised_at",
)
LOG_COLUMNS: dict[str, str] = {
    "entity_id": "the evaluated entity (required)",
    "ticket_id": "ticket / order id (optional; duplicates are an error)",
    "channel": "chat, phone, email … (optional, informational)",
    "type": "inquiry, complaint, return, refund, technical or order (absent → inquiry)",
    "created_at": "request / order time (required)",
    "first_response_at": "first reply by an agent",
    "resolved_at": "closed as solved / completed",
    "reviewed_at": "return / refund review decision",
    "shipped_at": "order processed and handed over for delivery",
    "delivered_at": "order delivered",
    "promised_at": "promised delivery time",
    "resolved": "bool (absent or null → resolved_at is not null)",
    "first_contact_resolved": "bool: solved at the first contact",
    "satisfaction": "customer rating 1 … satisfaction_scale",
}
_TEXT_COLUMNS = ("entity_id", "ticket_id", "channel", "type")

TICKET_TYPES = ("inquiry", "complaint", "return", "refund", "technical", "order")
_TYPE_ALIASES = {"exchange": "return", "tech": "technical", "technical_support": "technical"}

DEFAULT_PEAK_HOURS: tuple[tuple[float, float], ...] = ((9.0, 12.0), (19.0, 22.0))
"""Illustrative peak hours (09:00–12:00, 19:00–22:00), chosen by the evalsys authors."""

_NS_PER_S = 1_000_000_000
_NS_PER_DAY = 86_400 * _NS_PER_S
_NAT = np.iinfo(np.int64).min
_ISO = (
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hm>\d{2}:\d{2})(?::(?P<sec>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?)?"
    r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_TRUE = ("true", "t", "yes", "y", "1", "1.0")
_FALSE = ("false", "f", "no", "n", "0", "0.0")
_TIME_UNITS = {"s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, "hour": 3600.0, "d": 86400.0}


def _rows(mask: BoolArray) -> list[int]:
    """1-based data rows (header excluded) of the True entries of ``mask``."""
    return [int(i) + 1 for i in np.flatnonzero(mask)]


# =========================================================================== calendar


def _parse_dates(values: Sequence[str], what: str, file: str | None = None) -> DateTimeArray:
    out = np.empty(len(values), dtype="datetime64[D]")
    for k, v in enumerate(values):  # a calendar has tens of dates, not entity-sized
        try:
            out[k] = np.datetime64(str(v).strip()[:10], "D")
        except ValueError:
            raise DataError(
                f"{what}: cannot parse date {v!r}; expected YYYY-MM-DD", file=file, line=None
            ) from None
    return out


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working days: a weekmask, holidays and make-up working days (调休).

    Parameters
    ----------
    weekmask
        Seven characters ``0``/``1`` for Monday … Sunday (``numpy.busday_count``
        convention [3]_); default ``"1111100"`` (Monday–Friday).
    holidays
        ISO dates that are not working days although the weekmask says so.
    workdays
        ISO dates that are working days although the weekmask says not (make-up working
        days on weekends, 调休).
    source
        Where the calendar came from (file name), for the record.

    Examples
    --------
    >>> cal = WorkCalendar(holidays=("2024-10-01",), workdays=("2024-10-12",))
    >>> cal.count(np.array(["2024-09-30"], "M8[D]"), np.array(["2024-10-14"], "M8[D]"))
    array([10])
    """

    weekmask: str = "1111100"
    holidays: tuple[str, ...] = ()
    workdays: tuple[str, ...] = ()
    source: str | None = None

    def __post_init__(self) -> None:
        if len(self.weekmask) != 7 or set(self.weekmask) - {"0", "1"} or "1" not in self.weekmask:
            raise DataError(
                f"weekmask must be 7 characters 0/1 (Monday … Sunday) with at least one 1; "
                f"got {self.weekmask!r}"
            )
        hol = _parse_dates(self.holidays, "holidays", self.source)
        wd = _parse_dates(self.workdays, "working days", self.source)
        both = np.intersect1d(hol, wd)
        if both.size:
            raise DataError(
                f"date {both[0]} is listed both as a holiday and as a working day",
                file=self.source,
            )

    @property
    def holiday_dates(self) -> DateTimeArray:
        """Holidays as sorted ``datetime64[D]``."""
        return np.unique(_parse_dates(self.holidays, "holidays", self.source))

    @property
    def workday_dates(self) -> DateTimeArray:
        """Make-up working days that the weekmask (and holidays) would not count, sorted."""
        wd = np.unique(_parse_dates(self.workdays, "working days", self.source))
        extra = ~np.is_busday(wd, weekmask=self.weekmask, holidays=self.holiday_dates)
        return wd[extra]

    def is_working(self, days: DateTimeArray) -> BoolArray:
        """Whether each ``datetime64[D]`` day is a working day."""
        d = np.asarray(days, dtype="datetime64[D]")
        base = np.is_busday(d, weekmask=self.weekmask, holidays=self.holiday_dates)
        return np.asarray(base | np.isin(d, self.workday_dates), dtype=bool)

    def count(self, begin: DateTimeArray, end: DateTimeArray) -> IntArray:
        """Working days in ``[begin, end)`` (negative when ``end < begin``, as numpy)."""
        b = np.asarray(begin, dtype="datetime64[D]")
        e = np.asarray(end, dtype="datetime64[D]")
        base = np.busday_count(b, e, weekmask=self.weekmask, holidays=self.holiday_dates)
        extra = self.workday_dates
        make_up = np.searchsorted(extra, e) - np.searchsorted(extra, b)
        return np.asarray(base + make_up, dtype=np.int64)


def read_calendar(
    path: str | os.PathLike[str] | None = None, *, weekmask: str = "1111100"
) -> WorkCalendar:
    """Read holidays (and make-up working days) from a file.

    Text files (``.txt`` or any extension that is not a table format): one date per line,
    optionally followed by ``holiday`` (default) or ``workday``; ``#`` starts a comment.
    Tables (CSV, Parquet, JSON, XLSX): a ``date`` column (else the first column) and an
    optional ``kind`` column with ``holiday`` / ``workday``.

    Raises
    ------
    DataError
        Missing file, an unparseable date (naming the line), an unknown kind, or a date
        listed both as holiday and working day.
    """
    if path is None:
        return WorkCalendar(weekmask=weekmask)
    from evalsys.model.tables import FORMATS, read_table

    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(path))
    holidays: list[str] = []
    workdays: list[str] = []
    if p.suffix.lower() in FORMATS:
        table = read_table(p)
        names = list(table.column_names)
        if not names:
            raise DataError("the holiday table has no columns", file=str(path))
        dcol = "date" if "date" in names else names[0]
        dates = [str(v)[:10] for v in table.column(dcol).to_pylist() if v is not None]
        kinds = (
            [str(k).strip().lower() for k in table.column("kind").to_pylist()]
            if "kind" in names
            else ["holiday"] * len(dates)
        )
        pairs = list(zip(dates, kinds, strict=False))
        lines = list(range(2, len(pairs) + 2))
    else:
        pairs = []
        lines = []
        for n, raw in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            text = raw.split("#", 1)[0].strip()
            if not text:
                continue
            parts = text.replace(",", " ").split()
            pairs.append((parts[0], parts[1].lower() if len(parts) > 1 else "holiday"))
            lines.append(n)
    for (date, kind), line in zip(pairs, lines, strict=True):
        try:
            np.datetime64(date, "D")
        except ValueError:
            raise DataError(
                f"cannot parse date {date!r}; expected YYYY-MM-DD", file=str(path), line=line
            ) from None
        if kind in ("holiday", "off", "rest"):
            holidays.append(date)
        elif kind in ("workday", "working", "work", "makeup"):
            workdays.append(date)
        else:
            raise DataError(
                f"unknown kind {kind!r}; use holiday or workday", file=str(path), line=line
            )
    return WorkCalendar(
        weekmask=weekmask, holidays=tuple(holidays), workdays=tuple(workdays), source=str(path)
    )


def _elapsed(start: DateTimeArray, end: DateTimeArray, cal: WorkCalendar) -> FloatArray:
    s = start.astype("datetime64[ns]").astype(np.int64)
    e = end.astype("datetime64[ns]").astype(np.int64)
    ds = np.floor_divide(s, _NS_PER_DAY)
    de = np.floor_divide(e, _NS_PER_DAY)
    day_s = ds.astype("datetime64[D]")
    day_e = de.astype("datetime64[D]")
    ws = cal.is_working(day_s).astype(np.float64)
    we = cal.is_working(day_e).astype(np.float64)
    same = ws * (e - s) / _NS_PER_DAY
    first = ws * ((ds + 1) * _NS_PER_DAY - s) / _NS_PER_DAY
    last = we * (e - de * _NS_PER_DAY) / _NS_PER_DAY
    between = cal.count(day_s + 1, np.maximum(day_e, day_s + 1)).astype(np.float64)
    return np.asarray(np.where(ds == de, same, first + between + last), dtype=np.float64)


def _whole(start: DateTimeArray, end: DateTimeArray, cal: WorkCalendar) -> FloatArray:
    day_s = start.astype("datetime64[D]")
    day_e = end.astype("datetime64[D]")
    return cal.count(day_s + 1, day_e + 1).astype(np.float64)


WORKING_DAY_CONVENTIONS: Registry[
    Callable[[DateTimeArray, DateTimeArray, WorkCalendar], FloatArray]
] = Registry("working-day convention")
WORKING_DAY_CONVENTIONS.add("elapsed", _elapsed)
WORKING_DAY_CONVENTIONS.add("whole", _whole)


def working_days(
    start: npt.ArrayLike,
    end: npt.ArrayLike,
    calendar: WorkCalendar | None = None,
    *,
    convention: str = "elapsed",
) -> FloatArray:
    """Working days between wall-clock timestamps (see the module docstring).

    Parameters
    ----------
    start, end
        Timestamps (``datetime64`` or ISO strings), same shape; NaT gives NaN.
    calendar
        Working-day calendar; default Monday–Friday without holidays.
    convention
        ``elapsed`` (fractional: time on working days, 24 h per day) or ``whole``
        (working days after the day of receipt up to and including the day of closure).

    Examples
    --------
    Friday 2024-03-08 10:00 → Monday 2024-03-11 10:00 (a weekend in between):

    >>> float(working_days(["2024-03-08T10:00"], ["2024-03-11T10:00"])[0])
    1.0
    >>> float(working_days(["2024-03-08T10:00"], ["2024-03-11T10:00"], convention="whole")[0])
    1.0
    """
    fn = WORKING_DAY_CONVENTIONS.get(convention)
    s = np.asarray(start, dtype="datetime64[ns]")
    e = np.asarray(end, dtype="datetime64[ns]")
    if s.shape != e.shape:
        raise ShapeError(f"start and end differ in shape: {s.shape} vs {e.shape}")
    cal = calendar if calendar is not None else WorkCalendar()
    ok = ~(np.isnat(s) | np.isnat(e))
    out = np.full(s.shape, np.nan)
    if ok.any():
        out[ok] = fn(s[ok], e[ok], cal)
    return out


# ==================================================================== group reductions


@dataclass(frozen=True, slots=True)
class GroupStats:
    """Statistics of a value per group (NaN where a group has too few values).

    Attributes
    ----------
    n
        (G,) number of values.
    mean, std, cv, median, p90, q1, q3, iqr
        (G,) mean; standard deviation with divisor ``n - ddof``; ``std / mean``; quantiles
        0.5, 0.9, 0.25, 0.75 (numpy ``linear``); ``q3 - q1``.
    ddof
        Delta degrees of freedom used for ``std``.
    """

    n: IntArray
    mean: FloatArray
    std: FloatArray
    cv: FloatArray
    median: FloatArray
    p90: FloatArray
    q1: FloatArray
    q3: FloatArray
    iqr: FloatArray
    ddof: int = 1


def _check_groups(codes: npt.ArrayLike, values: npt.ArrayLike, n_groups: int) -> Any:
    c = np.asarray(codes)
    x = np.asarray(values, dtype=np.float64)
    if c.ndim != 1 or x.shape != c.shape:
        raise ShapeError(f"codes and values must be 1-D of one length; got {c.shape}, {x.shape}")
    if c.size and (not np.issubdtype(c.dtype, np.integer) or c.min() < 0 or c.max() >= n_groups):
        raise ShapeError(f"group codes must be integers in [0, {n_groups})")
    if not np.isfinite(x).all():
        raise ShapeError("values must be finite (filter NaN before grouping)")
    return c.astype(np.intp), x


def _lerp(a: FloatArray, b: FloatArray, t: FloatArray) -> FloatArray:
    """numpy's ``_lerp`` (used by ``percentile``), reproduced for identical results."""
    diff = b - a
    out = a + diff * t
    hi = t >= 0.5
    out[hi] = (b - diff * (1 - t))[hi]
    return out


def group_quantiles(
    codes: npt.ArrayLike, values: npt.ArrayLike, n_groups: int, q: Sequence[float]
) -> FloatArray:
    """Quantiles of ``values`` per group, numpy ``linear`` method, without a group loop.

    Sort by (group, value) once; group g occupies ``[start_g, start_g + n_g)`` of the
    sorted array, and quantile q of it is the linear interpolation at position
    :math:`h = (n_g - 1) q` [2]_.

    Parameters
    ----------
    codes
        (n,) group of each value, integers in ``[0, n_groups)``.
    values
        (n,) finite values.
    n_groups
        Number of groups G (groups without values give NaN).
    q
        Quantiles in [0, 1].

    Returns
    -------
    numpy.ndarray
        (G, len(q)).

    Examples
    --------
    >>> group_quantiles([0, 0, 0, 1], [3.0, 1.0, 2.0, 5.0], 3, [0.5, 0.9])
    array([[2. , 2.8],
           [5. , 5. ],
           [nan, nan]])
    """
    c, x = _check_groups(codes, values, n_groups)
    qs = np.asarray(q, dtype=np.float64)
    if qs.ndim != 1 or ((qs < 0) | (qs > 1)).any():
        raise ShapeError("quantiles must be a 1-D sequence in [0, 1]")
    counts = np.bincount(c, minlength=n_groups)
    order = np.lexsort((x, c))
    xs = x[order]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    h = (np.maximum(counts, 1)[:, None] - 1) * qs[None, :]
    lo = np.floor(h)
    gamma = h - lo
    lo_i = lo.astype(np.intp)
    hi_i = np.minimum(lo_i + 1, np.maximum(counts, 1)[:, None] - 1)
    empty = counts == 0
    if xs.size == 0:
        return np.full((n_groups, qs.size), np.nan)
    i_lo = np.where(empty[:, None], 0, starts[:, None] + lo_i)
    i_hi = np.where(empty[:, None], 0, starts[:, None] + hi_i)
    out = _lerp(xs[i_lo], xs[i_hi], gamma)
    out[empty] = np.nan
    return out


def group_stats(
    codes: npt.ArrayLike, values: npt.ArrayLike, n_groups: int, *, ddof: int = 1
) -> GroupStats:
    """Count, mean, std, CV, median, p90 and IQR of ``values`` per group (vectorised).

    Means and variances by ``numpy.bincount`` (two passes: mean, then squared deviations
    from each group's mean); quantiles by :func:`group_quantiles`.

    .. math:: \\bar x_g = \\frac{1}{n_g}\\sum_{i \\in g} x_i,\\quad
              s_g = \\sqrt{\\frac{\\sum_{i \\in g} (x_i - \\bar x_g)^2}{n_g - \\mathrm{ddof}}},
              \\quad \\mathrm{CV}_g = s_g / \\bar x_g

    Examples
    --------
    >>> st = group_stats([0, 0, 0, 0], [10.0, 20.0, 30.0, 40.0], 1)
    >>> float(st.mean[0]), float(st.median[0]), float(st.iqr[0])
    (25.0, 25.0, 15.0)
    """
    c, x = _check_groups(codes, values, n_groups)
    if ddof < 0:
        raise ShapeError("ddof must be >= 0")
    n = np.bincount(c, minlength=n_groups).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(c, weights=x, minlength=n_groups) / n
        dev = x - mean[c]
        ss = np.bincount(c, weights=dev * dev, minlength=n_groups)
        std = np.where(n > ddof, np.sqrt(ss / np.maximum(n - ddof, 1)), np.nan)
        cv = np.where((n > ddof) & (mean != 0), std / mean, np.nan)
    quant = group_quantiles(c, x, n_groups, (0.5, 0.9, 0.25, 0.75))
    return GroupStats(
        n=n,
        mean=np.where(n > 0, mean, np.nan),
        std=std,
        cv=cv,
        median=quant[:, 0],
        p90=quant[:, 1],
        q1=quant[:, 2],
        q3=quant[:, 3],
        iqr=quant[:, 3] - quant[:, 2],
        ddof=ddof,
    )


# ======================================================================= log parsing


@dataclass(frozen=True, slots=True)
class TicketLog:
    """A parsed, checked ticket / order log (arrays of n rows).

    Attributes
    ----------
    entity_id
        (n,) entity ids (text).
    type
        (n,) canonical ticket type (one of :data:`TICKET_TYPES`).
    instants
        Timestamp column → (n,) ``datetime64[ns]`` instants (UTC when offsets were given;
        NaT = null), for durations.
    wall
        Timestamp column → (n,) ``datetime64[ns]`` local wall-clock times, for weekday,
        hour, working days and periods.
    resolved
        (n,) 1.0 / 0.0 / NaN (unknown).
    first_contact_resolved, satisfaction
        (n,) floats with NaN, or None when the column is absent.
    channel
        (n,) text or None.
    source
        File the log was read from, if any.
    notes
        Assumptions applied while reading (e.g. no ``type`` column).
    """

    entity_id: npt.NDArray[np.str_]
    type: npt.NDArray[np.str_]
    instants: dict[str, DateTimeArray]
    wall: dict[str, DateTimeArray]
    resolved: FloatArray
    first_contact_resolved: FloatArray | None = None
    satisfaction: FloatArray | None = None
    channel: npt.NDArray[np.str_] | None = None
    source: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def n_rows(self) -> int:
        return int(self.entity_id.size)

    @property
    def columns(self) -> tuple[str, ...]:
        """Log columns present (timestamps and flags)."""
        cols = [*self.instants]
        if self.first_contact_resolved is not None:
            cols.append("first_contact_resolved")
        if self.satisfaction is not None:
            cols.append("satisfaction")
        return tuple(cols)


def _text(table: Any, name: str) -> npt.NDArray[np.str_]:
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    if pa.types.is_dictionary(col.type):
        col = pc.cast(col, pa.string())
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        col = pc.cast(col, pa.string())
    col = pc.utf8_trim_whitespace(col)
    return np.asarray(pc.fill_null(col, "").to_numpy(zero_copy_only=False), dtype=str)


def _timestamp(table: Any, name: str) -> tuple[DateTimeArray, DateTimeArray, BoolArray]:
    """(instant, wall clock, has_offset) of a timestamp column, vectorised by pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    typ = col.type
    if pa.types.is_dictionary(typ):
        col = pc.cast(col, pa.string())
        typ = col.type
    n = len(col)
    if pa.types.is_null(typ):
        nat = np.full(n, _NAT, dtype=np.int64).view("datetime64[ns]")
        return nat, nat.copy(), np.zeros(n, dtype=bool)
    if pa.types.is_date(typ):
        col = pc.cast(col, pa.timestamp("s"))
        typ = col.type
    if pa.types.is_timestamp(typ):
        inst = pc.cast(col, pa.timestamp("ns", tz=typ.tz))
        wall = pc.local_timestamp(inst) if typ.tz is not None else inst
        i_ns = pc.fill_null(pc.cast(inst, pa.int64()), _NAT).to_numpy(zero_copy_only=False)
        w_ns = pc.fill_null(pc.cast(wall, pa.int64()), _NAT).to_numpy(zero_copy_only=False)
        has = np.full(n, typ.tz is not None, dtype=bool)
        return (
            np.asarray(i_ns, dtype=np.int64).view("datetime64[ns]"),
            np.asarray(w_ns, dtype=np.int64).view("datetime64[ns]"),
            has,
        )
    if not (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
        raise DataError(
            f"needs timestamps (ISO 8601 text or a timestamp type); column type is {typ}",
            column=name,
        )
    text = pc.utf8_trim_whitespace(col)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    parts = pc.extract_regex(text, _ISO)
    bad = np.asarray(
        pc.and_(pc.is_valid(text), pc.is_null(parts)).to_numpy(zero_copy_only=False), dtype=bool
    )
    date = pc.struct_field(parts, "date")
    hm = pc.struct_field(parts, "hm")
    sec = pc.struct_field(parts, "sec")
    hm = pc.if_else(pc.equal(hm, ""), "00:00", hm)
    sec = pc.if_else(pc.equal(sec, ""), "00", sec)
    full = pc.binary_join_element_wise(date, pc.binary_join_element_wise(hm, sec, ":"), " ")
    parsed: Any = None
    if not bad.any():
        try:  # fast and strict (rejects 2024-02-30, 25:00, leap seconds)
            parsed = pc.cast(full, pa.timestamp("s"))
        except pa.ArrowInvalid:
            parsed = None
    if bad.any() or parsed is None:
        # slow path, errors only: strptime is lenient (02-30 → 03-01), so round-trip it
        loose = pc.strptime(full, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
        same = pc.fill_null(pc.equal(pc.strftime(loose, format="%Y-%m-%d %H:%M:%S"), full), False)
        bad |= np.asarray(
            pc.and_(pc.is_valid(parts), pc.invert(same)).to_numpy(zero_copy_only=False),
            dtype=bool,
        )
        if not bad.any():  # pragma: no cover - cast and strptime disagree
            raise DataError("cannot parse every timestamp as ISO 8601", column=name)
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"cannot parse timestamp {col[first].as_py()!r}; expected ISO 8601 such as "
            "2024-03-05 09:15:00 or 2024-03-05T09:15:00+08:00",
            column=name,
            rows=_rows(bad),
        )
    frac = pc.utf8_rpad(pc.struct_field(parts, "frac"), width=9, padding="0")
    frac_ns = np.asarray(
        pc.fill_null(pc.cast(frac, pa.int64()), 0).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    secs = pc.fill_null(pc.cast(pc.cast(parsed, pa.timestamp("s")), pa.int64()), _NAT)
    s_np = np.asarray(secs.to_numpy(zero_copy_only=False), dtype=np.int64)
    null = s_np == _NAT
    wall_ns = np.where(null, _NAT, s_np * _NS_PER_S + frac_ns)
    tz = pc.fill_null(pc.struct_field(parts, "tz"), "")
    off = pc.extract_regex(tz, r"^(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})?$")
    hh = pc.cast(pc.fill_null(pc.struct_field(off, "hh"), "0"), pa.int64())
    mm_txt = pc.fill_null(pc.struct_field(off, "mm"), "0")
    mm = pc.cast(pc.if_else(pc.equal(mm_txt, ""), "0", mm_txt), pa.int64())
    sign = np.where(
        np.asarray(
            pc.fill_null(pc.equal(pc.struct_field(off, "sign"), "-"), False).to_numpy(
                zero_copy_only=False
            ),
            dtype=bool,
        ),
        -1,
        1,
    )
    offset_s = sign * (
        np.asarray(hh.to_numpy(zero_copy_only=False), dtype=np.int64) * 3600
        + np.asarray(mm.to_numpy(zero_copy_only=False), dtype=np.int64) * 60
    )
    has = np.asarray(pc.not_equal(tz, "").to_numpy(zero_copy_only=False), dtype=bool)
    inst_ns = np.where(null, _NAT, wall_ns - offset_s * _NS_PER_S)
    return inst_ns.view("datetime64[ns]"), wall_ns.view("datetime64[ns]"), has & ~null


def _flag(table: Any, name: str) -> FloatArray:
    """A boolean column as 1.0 / 0.0 / NaN; anything else is an error naming rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    typ = col.type
    if pa.types.is_null(typ):
        return np.full(len(col), np.nan)
    if pa.types.is_boolean(typ) or pa.types.is_integer(typ) or pa.types.is_floating(typ):
        x = np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        bad = np.isfinite(x) & (x != 0) & (x != 1) | np.isinf(x)
        if bad.any():
            raise DataError(
                f"needs true/false (or 1/0); found {x[bad][0]:g}", column=name, rows=_rows(bad)
            )
        return x
    text = np.char.lower(_text(table, name))
    is_true = np.isin(text, _TRUE)
    is_false = np.isin(text, _FALSE)
    bad = ~(is_true | is_false | (text == ""))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"needs true/false, yes/no or 1/0; found {str(col[first].as_py())!r}",
            column=name,
            rows=_rows(bad),
        )
    return np.where(is_true, 1.0, np.where(is_false, 0.0, np.nan))


def _number(table: Any, name: str) -> FloatArray:
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    typ = col.type
    if pa.types.is_null(typ):
        return np.full(len(col), np.nan)
    if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_boolean(typ):
        return np.asarray(
            pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
    text = _text(table, name)
    ok = np.char.str_len(text) == 0
    out = np.full(text.size, np.nan)
    num = pc.match_substring_regex(
        pa.array(text), r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
    ).to_numpy(zero_copy_only=False)
    num = np.asarray(num, dtype=bool)
    bad = ~(ok | num)
    if bad.any():
        raise DataError(f"needs numbers; found {str(text[bad][0])!r}", column=name, rows=_rows(bad))
    out[num] = text[num].astype(np.float64)
    return out


_ORDER_CHECKS = (
    ("first_response_at", "created_at", "first response before creation"),
    ("resolved_at", "created_at", "resolved before creation"),
    ("reviewed_at", "created_at", "reviewed before creation"),
    ("resolved_at", "reviewed_at", "resolved before review"),
    ("shipped_at", "created_at", "shipped before the order was placed"),
    ("delivered_at", "shipped_at", "delivered before shipping"),
    ("delivered_at", "created_at", "delivered before the order was placed"),
)


def parse_logs(table: Any, *, source: str | None = None, satisfaction_scale: int = 5) -> TicketLog:
    """Check and parse a log table (pyarrow Table) into a :class:`TicketLog`.

    Raises
    ------
    DataError
        Empty table, missing ``entity_id`` / ``created_at``, empty entity ids, unknown
        ticket types, duplicate ticket ids, unparseable timestamps (naming the column,
        the first rows and the text), mixed naive / offset timestamps, negative durations
        (a later event before an earlier one), bad flags or satisfaction ratings.
    """
    try:
        return _parse_logs(table, satisfaction_scale)
    except DataError as exc:
        raise exc.with_context(file=source) from None


def _parse_logs(table: Any, satisfaction_scale: int) -> TicketLog:
    names = list(table.column_names)
    if table.num_rows == 0:
        raise DataError("the log has no rows")
    absent = [c for c in ("entity_id", "created_at") if c not in names]
    if absent:
        raise DataError(
            f"missing column{'s' if len(absent) > 1 else ''} {', '.join(absent)}; a log needs "
            "entity_id and created_at (see evalsys.analysis.records.LOG_COLUMNS)"
        )
    ids = _text(table, "entity_id")
    empty = np.char.str_len(ids) == 0
    if empty.any():
        raise DataError("empty entity id", column="entity_id", rows=_rows(empty))
    notes: list[str] = []
    if "type" in names:
        raw = np.char.lower(_text(table, "type"))
        canon = raw.copy()
        for alias, target in _TYPE_ALIASES.items():
            canon[raw == alias] = target
        bad = ~np.isin(canon, TICKET_TYPES)
        if bad.any():
            raise DataError(
                f"unknown ticket type {str(_text(table, 'type')[bad][0])!r}; valid types: "
                f"{', '.join(TICKET_TYPES)} (aliases: {', '.join(_TYPE_ALIASES)})",
                column="type",
                rows=_rows(bad),
            )
        types = canon
    else:
        types = np.full(ids.size, "inquiry")
        notes.append("no 'type' column: every row is treated as an inquiry ticket")
    if "ticket_id" in names:
        tid = _text(table, "ticket_id")
        given = np.char.str_len(tid) > 0
        _, inverse, counts = np.unique(tid, return_inverse=True, return_counts=True)
        dup = given & (counts[inverse] > 1)
        if dup.any():
            first = tid[dup][0]
            raise DataError(
                f"ticket id {str(first)!r} appears {int((tid == first).sum())} times",
                column="ticket_id",
                rows=_rows(tid == first),
            )
    instants: dict[str, DateTimeArray] = {}
    wall: dict[str, DateTimeArray] = {}
    offsets: dict[str, BoolArray] = {}
    for c in TIMESTAMP_COLUMNS:
        if c in names:
            instants[c], wall[c], offsets[c] = _timestamp(table, c)
    created_null = np.isnat(instants["created_at"])
    if created_null.any():
        raise DataError("missing creation time", column="created_at", rows=_rows(created_null))
    stacked = [(c, o, ~np.isnat(instants[c])) for c, o in offsets.items()]
    any_off = any(bool(o.any()) for _, o, _ in stacked)
    if any_off:
        for c, o, present in stacked:
            naive = present & ~o
            if naive.any():
                raise DataError(
                    "the log mixes timestamps with and without a UTC offset; give every "
                    "timestamp an offset (e.g. +08:00) or none",
                    column=c,
                    rows=_rows(naive),
                )
    for later, earlier, what in _ORDER_CHECKS:
        if later in instants and earlier in instants:
            a, b = instants[earlier], instants[later]
            neg = ~(np.isnat(a) | np.isnat(b)) & (b < a)
            if neg.any():
                i = int(np.flatnonzero(neg)[0])
                raise DataError(
                    f"negative durations: {what} ({later} {wall[later][i]} < {earlier} "
                    f"{wall[earlier][i]} at the first row)",
                    column=later,
                    rows=_rows(neg),
                )
    if "resolved" in names:
        resolved = _flag(table, "resolved")
        if "resolved_at" in instants:
            resolved = np.where(
                np.isnan(resolved), (~np.isnat(instants["resolved_at"])).astype(float), resolved
            )
    elif "resolved_at" in instants:
        resolved = (~np.isnat(instants["resolved_at"])).astype(np.float64)
    else:
        resolved = np.full(ids.size, np.nan)
    fcr = _flag(table, "first_contact_resolved") if "first_contact_resolved" in names else None
    sat = None
    if "satisfaction" in names:
        sat = _number(table, "satisfaction")
        bad = np.isfinite(sat) & ((sat < 1) | (sat > satisfaction_scale)) | np.isinf(sat)
        if bad.any():
            raise DataError(
                f"satisfaction is a rating 1–{satisfaction_scale}; found {sat[bad][0]:g}",
                column="satisfaction",
                rows=_rows(bad),
            )
    channel = _text(table, "channel") if "channel" in names else None
    return TicketLog(
        entity_id=ids,
        type=np.asarray(types, dtype=str),
        instants=instants,
        wall=wall,
        resolved=np.asarray(resolved, dtype=np.float64),
        first_contact_resolved=fcr,
        satisfaction=sat,
        channel=channel,
        notes=tuple(notes),
    )


def _read_any(path: str | os.PathLike[str], text_columns: Sequence[str]) -> Any:
    """Read a table; CSV text columns stay text (no type inference of ids / timestamps)."""
    from evalsys.model.tables import read_table

    p = Path(path)
    if p.suffix.lower() != ".csv" or not p.exists() or p.stat().st_size == 0:
        return read_table(p)
    import pyarrow as pa
    from pyarrow import csv

    opts = csv.ConvertOptions(
        column_types={c: pa.string() for c in text_columns},
        strings_can_be_null=True,
    )
    try:
        return csv.read_csv(p, convert_options=opts)
    except pa.ArrowInvalid as exc:
        raise DataError(f"cannot parse CSV: {exc}", file=str(path)) from None


def read_logs(path: str | os.PathLike[str], *, satisfaction_scale: int = 5) -> TicketLog:
    """Read a log file (CSV, Parquet, JSON, XLSX) and parse it with :func:`parse_logs`.

    CSV columns ``entity_id``, ``ticket_id``, ``channel``, ``type`` and the timestamp
    columns are read as text (ids keep leading zeros, offsets are kept).
    """
    table = _read_any(path, (*_TEXT_COLUMNS, *TIMESTAMP_COLUMNS))
    return parse_logs(table, source=str(path), satisfaction_scale=satisfaction_scale)


def read_entities(path: str | os.PathLike[str], *, id_column: str = "entity_id") -> Any:
    """Read the entity list or the tree's entity data as a pyarrow Table.

    ``.txt``: one id per line (``#`` comments); tables: must have ``id_column``.
    """
    import pyarrow as pa

    p = Path(path)
    if p.suffix.lower() == ".txt":
        if not p.exists():
            raise DataError("no such file", file=str(path))
        ids = [line.split("#", 1)[0].strip() for line in p.read_text(encoding="utf-8").splitlines()]
        return pa.table({id_column: pa.array([i for i in ids if i], pa.string())})
    table = _read_any(p, (id_column,))
    if id_column not in table.column_names:
        raise DataError(f"the entities file has no '{id_column}' column", file=str(path))
    return table


# ======================================================================== derivations


Statistic = Literal["mean", "share", "cv"]


@dataclass(frozen=True, slots=True)
class Derivation:
    """How one tree indicator is computed from the log.

    Attributes
    ----------
    indicator
        Leaf id in the tree (the output column is the leaf's data column).
    quantity
        Per-ticket quantity (see :func:`log_indicators`): ``response``, ``within``,
        ``resolved``, ``fcr``, ``satisfaction``, ``handling_wd``, ``review``,
        ``return_handling_wd``, ``processing``, ``delivery``, ``on_time``.
    types
        Ticket types that enter the statistic.
    statistic
        ``mean`` of the quantity, ``share`` (× 100, a percentage) or ``cv``.
    kind
        ``time`` (converted to the leaf's unit s/min/h/d), ``working_day``, ``percent``,
        ``ratio`` or ``rating``.
    needs
        Log columns required.
    segmented
        Whether weekday/weekend and peak/off-peak columns are produced.
    """

    indicator: str
    quantity: str
    types: tuple[str, ...]
    statistic: Statistic
    kind: Literal["time", "working_day", "percent", "ratio", "rating"]
    needs: tuple[str, ...]
    segmented: bool = False


_SERVICE = ("inquiry", "complaint")
_AFTER_SALES = ("return", "refund")
DERIVATIONS: tuple[Derivation, ...] = (
    Derivation(
        "first_response_time", "response", _SERVICE, "mean", "time", ("first_response_at",), True
    ),
    Derivation(
        "response_rate", "within", _SERVICE, "share", "percent", ("first_response_at",), True
    ),
    Derivation(
        "response_consistency", "response", _SERVICE, "cv", "ratio", ("first_response_at",), True
    ),
    Derivation("resolution_rate", "resolved", _SERVICE, "share", "percent", ("resolved",)),
    Derivation(
        "first_contact_resolution",
        "fcr",
        _SERVICE,
        "share",
        "percent",
        ("first_contact_resolved",),
    ),
    Derivation(
        "complaint_handling_time",
        "handling_wd",
        ("complaint",),
        "mean",
        "working_day",
        ("resolved_at",),
    ),
    Derivation(
        "customer_satisfaction", "satisfaction", _SERVICE, "mean", "rating", ("satisfaction",)
    ),
    Derivation("order_processing_time", "processing", ("order",), "mean", "time", ("shipped_at",)),
    Derivation(
        "delivery_time", "delivery", ("order",), "mean", "time", ("shipped_at", "delivered_at")
    ),
    Derivation(
        "on_time_rate", "on_time", ("order",), "share", "percent", ("delivered_at", "promised_at")
    ),
    Derivation(
        "after_sales_response_time",
        "response",
        _AFTER_SALES,
        "mean",
        "time",
        ("first_response_at",),
    ),
    Derivation("return_review_time", "review", ("return",), "mean", "time", ("reviewed_at",)),
    Derivation(
        "return_handling_time",
        "return_handling_wd",
        ("return",),
        "mean",
        "working_day",
        ("reviewed_at", "resolved_at"),
    ),
    Derivation("refund_review_time", "review", ("refund",), "mean", "time", ("reviewed_at",)),
    Derivation("return_success_rate", "resolved", ("return",), "share", "percent", ("resolved",)),
    Derivation(
        "after_sales_satisfaction",
        "satisfaction",
        _AFTER_SALES,
        "mean",
        "rating",
        ("satisfaction",),
    ),
    Derivation(
        "tech_response_time", "response", ("technical",), "mean", "time", ("first_response_at",)
    ),
    Derivation(
        "tech_resolution_rate", "resolved", ("technical",), "share", "percent", ("resolved",)
    ),
    Derivation(
        "tech_satisfaction", "satisfaction", ("technical",), "mean", "rating", ("satisfaction",)
    ),
)
"""Log → indicator mapping for the ids of the shipped ``ecommerce_service`` tree.

``first_response_time``: mean first-response time of answered inquiry/complaint tickets;
``response_rate``: % of inquiry/complaint tickets answered within ``response_standard``;
``response_consistency``: CV of those response times; ``resolution_rate`` /
``first_contact_resolution``: % resolved / resolved at first contact; ``complaint_handling_time``:
mean working days from creation to resolution of complaints; ``customer_satisfaction``: mean
rating; ``order_processing_time``: creation → shipped; ``delivery_time``: shipped → delivered;
``on_time_rate``: % of delivered orders with a promise delivered by ``promised_at``;
``after_sales_response_time``: first response to return/refund tickets; ``return_review_time``
/ ``refund_review_time``: creation → review; ``return_handling_time``: working days from the
review (确认) to completion [1]_; ``return_success_rate``: % of returns resolved;
``tech_*``: the same for technical tickets.
"""

_SEGMENTS = ("weekday", "weekend", "peak", "offpeak")


@dataclass(frozen=True, slots=True)
class MissingIndicator:
    """A tree column the output does not have (or has only as empty values), and why."""

    indicator: str
    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class LogIndicators:
    """Indicator values of the tree per entity (and period), derived from a log.

    Attributes
    ----------
    tree_id
        The tree whose indicator ids the columns carry.
    entity_ids
        (R,) entity of each output row.
    periods
        (R,) period labels, or None for ``period="none"``.
    tickets
        (R,) log rows per output row.
    values
        Tree data column → (R,) values in leaf order: float arrays for derived columns
        (gaps filled from the entity data when it has the column), pyarrow arrays for
        columns taken unchanged from the entity data.
    extras
        Extra statistics and segment columns → (R,) values.
    derived
        Tree indicator ids derived from the log.
    from_entity_data
        Tree indicator ids taken from the entity data (not derivable from the log).
    missing
        Tree indicators still missing, with the reason.
    entities_without_logs
        Entities of the entity list without any log row.
    passthrough
        Other columns of the entity data, already aligned to the output rows (pyarrow
        Table or None).
    n_log_rows
        Rows in the log.
    tree_columns
        Every data column of the tree, in leaf order.
    options
        Period, response standard, peak hours, calendar, working-day convention, ddof,
        quantile method.
    notes
        Assumptions applied (from reading the log).
    version
        evalsys version.
    """

    tree_id: str
    entity_ids: npt.NDArray[np.str_]
    periods: npt.NDArray[np.str_] | None
    tickets: IntArray
    values: dict[str, Any]
    extras: dict[str, FloatArray]
    derived: tuple[str, ...]
    from_entity_data: tuple[str, ...]
    missing: tuple[MissingIndicator, ...]
    entities_without_logs: tuple[str, ...]
    passthrough: Any
    n_log_rows: int
    tree_columns: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    version: str = __version__

    @property
    def n_rows(self) -> int:
        return int(self.entity_ids.size)

    @property
    def id_column(self) -> str:
        """The column that identifies an output row uniquely (for ``evalsys score``)."""
        return "entity_id" if self.periods is None else "entity_period"

    def to_table(self, *, empty_missing: bool = False) -> Any:
        """The output as a pyarrow Table (NaN written as null).

        ``empty_missing=True`` adds the :attr:`missing` tree columns as empty (null)
        columns, so that ``evalsys score --missing renormalize`` can score the indicators
        that are present (each entity's coverage is then reported by the scorer).
        """
        import pyarrow as pa

        cols: dict[str, Any] = {"entity_id": pa.array(self.entity_ids, pa.string())}
        if self.periods is not None:
            cols["period"] = pa.array(self.periods, pa.string())
            cols["entity_period"] = pa.array(
                np.char.add(np.char.add(self.entity_ids, "@"), self.periods), pa.string()
            )
        cols["tickets"] = pa.array(self.tickets, pa.int64())
        empty = {m.column for m in self.missing} if empty_missing else set()
        for name in self.tree_columns:
            if name in self.values:
                v = self.values[name]
                cols[name] = pa.array(v, from_pandas=True) if isinstance(v, np.ndarray) else v
            elif name in empty:
                cols[name] = pa.nulls(self.n_rows, pa.float64())
        if self.passthrough is not None:
            for name in self.passthrough.column_names:
                if name not in cols:
                    cols[name] = self.passthrough.column(name)
        for name, v in self.extras.items():
            cols[name] = pa.array(v, from_pandas=True)
        return pa.table(cols)

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary: rows, derived / missing indicators, options."""
        return {
            "tree": self.tree_id,
            "rows": self.n_rows,
            "entities": int(np.unique(self.entity_ids).size),
            "log_rows": self.n_log_rows,
            "id_column": self.id_column,
            "derived": list(self.derived),
            "from_entity_data": list(self.from_entity_data),
            "missing": [
                {"indicator": m.indicator, "column": m.column, "reason": m.reason}
                for m in self.missing
            ],
            "entities_without_logs": list(self.entities_without_logs),
            "extra_columns": len(self.extras),
            "options": self.options,
            "notes": list(self.notes),
            "evalsys_version": self.version,
        }


# --------------------------------------------------------------------------- periods


def _period_day(days: IntArray) -> tuple[IntArray, Callable[[IntArray], npt.NDArray[np.str_]]]:
    return days, lambda u: np.datetime_as_string(u.astype("datetime64[D]"), unit="D")


def _period_week(days: IntArray) -> tuple[IntArray, Callable[[IntArray], npt.NDArray[np.str_]]]:
    monday = days - (days + 3) % 7  # 1970-01-01 was a Thursday

    def label(u: IntArray) -> npt.NDArray[np.str_]:
        thursday = (u + 3).astype("datetime64[D]")
        iso_year = thursday.astype("datetime64[Y]")
        week = (thursday - iso_year.astype("datetime64[D]")).astype(np.int64) // 7 + 1
        year_txt = np.datetime_as_string(iso_year, unit="Y")
        return np.char.add(np.char.add(year_txt, "-W"), np.char.zfill(week.astype(str), 2))

    return monday, label


def _period_month(days: IntArray) -> tuple[IntArray, Callable[[IntArray], npt.NDArray[np.str_]]]:
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months, lambda u: np.datetime_as_string(u.astype("datetime64[M]"), unit="M")


def _period_quarter(days: IntArray) -> tuple[IntArray, Callable[[IntArray], npt.NDArray[np.str_]]]:
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    quarters = np.floor_divide(months, 3)

    def label(u: IntArray) -> npt.NDArray[np.str_]:
        year = (np.floor_divide(u, 4) + 1970).astype(str)
        return np.char.add(np.char.add(year, "-Q"), (u % 4 + 1).astype(str))

    return quarters, label


PERIODS: Registry[Callable[[IntArray], tuple[IntArray, Callable[[IntArray], Any]]] | None] = (
    Registry("period")
)
PERIODS.add("none", None)
PERIODS.add("day", _period_day, aliases=("daily",))
PERIODS.add("week", _period_week, aliases=("weekly",))
PERIODS.add("month", _period_month, aliases=("monthly",))
PERIODS.add("quarter", _period_quarter, aliases=("quarterly",))


def _parse_peak(peak_hours: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    out: list[tuple[float, float]] = []
    for w in peak_hours:
        if len(w) != 2:
            raise DataError(f"a peak window is (start hour, end hour); got {w!r}")
        a, b = float(w[0]), float(w[1])
        if not (0 <= a <= 24 and 0 <= b <= 24) or a == b:
            raise DataError(f"peak window hours must be within 0–24 and differ; got {a:g}–{b:g}")
        out.append((a, b))
    return tuple(out)


def parse_peak_hours(text: str) -> tuple[tuple[float, float], ...]:
    """Parse peak windows such as ``"9-12,19-22"`` or ``"09:00-12:00, 19:30-22:00"``.

    Examples
    --------
    >>> parse_peak_hours("09:00-12:00,19:30-22")
    ((9.0, 12.0), (19.5, 22.0))
    """

    def hours(tok: str) -> float:
        hh, _, mm = tok.strip().partition(":")
        try:
            return int(hh) + (int(mm) / 60 if mm else 0.0)
        except ValueError:
            raise DataError(
                f"cannot parse peak hour {tok.strip()!r}; use H or HH:MM, e.g. 9-12,19-22"
            ) from None

    windows: list[tuple[float, float]] = []
    for part in text.split(","):
        if not part.strip():
            continue
        a, sep, b = part.partition("-")
        if not sep:
            raise DataError(f"a peak window is START-END, e.g. 9-12; got {part.strip()!r}")
        windows.append((hours(a), hours(b)))
    if not windows:
        raise DataError("no peak window given; e.g. 9-12,19-22")
    return _parse_peak(windows)


# ---------------------------------------------------------------------- the pipeline


def _universe(
    logs: TicketLog, entities: Any, id_column: str
) -> tuple[npt.NDArray[np.str_], IntArray, Any]:
    """Entity universe, each log row's entity index, and the entity table (or None)."""
    import pyarrow as pa

    if entities is None:
        universe, index = np.unique(logs.entity_id, return_inverse=True)
        return universe, np.asarray(index, dtype=np.int64), None
    if isinstance(entities, pa.Table):
        table = entities
        if id_column not in table.column_names:
            raise DataError(f"the entity data has no '{id_column}' column")
    else:
        table = pa.table({id_column: pa.array([str(e) for e in entities], pa.string())})
    universe = _text(table, id_column)
    if universe.size == 0:
        raise DataError("the entity list is empty")
    empty = np.char.str_len(universe) == 0
    if empty.any():
        raise DataError("empty entity id in the entity list", column=id_column, rows=_rows(empty))
    uniq, counts = np.unique(universe, return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1][0]
        raise DataError(
            f"entity id '{dup}' appears {int(counts[counts > 1][0])} times in the entity list",
            column=id_column,
            rows=_rows(universe == dup),
        )
    sorter = np.argsort(universe, kind="stable")
    pos = np.searchsorted(universe[sorter], logs.entity_id)
    pos_c = np.minimum(pos, universe.size - 1)
    index = sorter[pos_c]
    unknown = universe[index] != logs.entity_id
    if unknown.any():
        names = np.unique(logs.entity_id[unknown])
        shown = ", ".join(repr(str(s)) for s in names[:5])
        more = f" and {names.size - 5} more" if names.size > 5 else ""
        raise DataError(
            f"{int(unknown.sum())} log rows have entity ids not in the entity list: {shown}{more}",
            file=logs.source,
            column="entity_id",
            rows=_rows(unknown),
        )
    return universe, np.asarray(index, dtype=np.int64), table


def _quantities(
    logs: TicketLog, response_standard: float, calendar: WorkCalendar, convention: str
) -> dict[str, FloatArray]:
    t, w = logs.instants, logs.wall

    def seconds(later: str, earlier: str) -> FloatArray:
        d = (t[later] - t[earlier]).astype("timedelta64[ns]")
        out = d.astype(np.int64).astype(np.float64) / _NS_PER_S
        out[np.isnat(d)] = np.nan
        return out

    q: dict[str, FloatArray] = {}
    if "first_response_at" in t:
        q["response"] = seconds("first_response_at", "created_at")
        q["within"] = np.where(q["response"] <= response_standard, 1.0, 0.0)
    if not np.isnan(logs.resolved).all() or "resolved_at" in t:
        q["resolved"] = logs.resolved
    if logs.first_contact_resolved is not None:
        q["fcr"] = logs.first_contact_resolved
    if logs.satisfaction is not None:
        q["satisfaction"] = logs.satisfaction
    if "resolved_at" in t:
        q["handling_wd"] = working_days(
            w["created_at"], w["resolved_at"], calendar, convention=convention
        )
    if "reviewed_at" in t:
        q["review"] = seconds("reviewed_at", "created_at")
        if "resolved_at" in t:
            q["return_handling_wd"] = working_days(
                w["reviewed_at"], w["resolved_at"], calendar, convention=convention
            )
    if "shipped_at" in t:
        q["processing"] = seconds("shipped_at", "created_at")
        if "delivered_at" in t:
            q["delivery"] = seconds("delivered_at", "shipped_at")
    if "delivered_at" in t and "promised_at" in t:
        known = ~(np.isnat(t["delivered_at"]) | np.isnat(t["promised_at"]))
        q["on_time"] = np.where(
            known, (t["delivered_at"] <= t["promised_at"]).astype(float), np.nan
        )
    return q


def _scale(d: Derivation, leaf: Any) -> float:
    """Factor from the quantity's native unit to the leaf's unit; TreeSpecError if none."""
    from evalsys.model.tree import QuantitativeNode, RatingNode

    if d.kind == "rating":
        if not isinstance(leaf, RatingNode) or leaf.input != "mean":
            raise TreeSpecError(
                "is derived from logs as a mean rating; the leaf must be a rating with "
                "input 'mean'",
                node=leaf.id,
            )
        return 1.0
    if not isinstance(leaf, QuantitativeNode):
        raise TreeSpecError(
            f"is derived from logs as a measured quantity; the leaf is a {leaf.kind}", node=leaf.id
        )
    unit = leaf.unit
    if d.kind == "time":
        if unit not in _TIME_UNITS:
            raise TreeSpecError(
                f"has unit '{unit}'; a duration derived from logs needs one of "
                f"{', '.join(_TIME_UNITS)}",
                node=leaf.id,
            )
        return 1.0 / _TIME_UNITS[unit]
    expected = {"working_day": ("working_day",), "percent": ("%",), "ratio": ("ratio", "1", "")}
    if unit not in expected[d.kind]:
        raise TreeSpecError(
            f"has unit '{unit}'; the log statistic is in {expected[d.kind][0]}", node=leaf.id
        )
    return 100.0 if d.kind == "percent" else 1.0


def log_indicators(
    logs: TicketLog,
    tree: Any = "ecommerce_service",
    *,
    period: str = "none",
    response_standard: float = 60.0,
    calendar: WorkCalendar | None = None,
    peak_hours: Sequence[Sequence[float]] = DEFAULT_PEAK_HOURS,
    working_day_convention: str = "elapsed",
    entities: Any = None,
    id_column: str = "entity_id",
    ddof: int = 1,
    stats: bool = True,
) -> LogIndicators:
    """Indicator values of ``tree`` per entity (and period) from a ticket / order log.

    Every reduction is vectorised: rows are mapped to output groups with
    ``numpy.unique(..., return_inverse=True)``, sums by ``numpy.bincount`` and quantiles by
    one sort per statistic (:func:`group_stats`); the loop is over the (fixed, short) list
    of :data:`DERIVATIONS` and segments, never over entities.

    Parameters
    ----------
    logs
        Parsed log (:func:`read_logs` / :func:`parse_logs`).
    tree
        A :class:`~evalsys.model.tree.TreeSpec`, a tree file or a shipped tree name.
    period
        ``none``, ``day``, ``week``, ``month`` or ``quarter`` (:data:`PERIODS`).
    response_standard
        Seconds within which a first response counts for ``response_rate`` (default 60,
        the tree's illustrative chat standard).
    calendar
        Working-day calendar (weekmask, holidays); default Monday–Friday.
    peak_hours
        (start, end) hour windows of the peak segment, ``[start, end)``; a window with
        ``start > end`` wraps past midnight.  Default :data:`DEFAULT_PEAK_HOURS`
        (illustrative).
    working_day_convention
        ``elapsed`` or ``whole`` (:func:`working_days`).
    entities
        Optional entity list (sequence of ids) or entity data (pyarrow Table with
        ``id_column``).  Log rows of other entities are an error; entities without log rows
        get a row with ``tickets = 0`` (``period="none"``); tree columns of the entity data
        fill the indicators the log cannot give (and gaps of derived ones); its other
        columns pass through.
    id_column
        Id column of ``entities``.
    ddof
        Delta degrees of freedom of standard deviations (1 = sample std).
    stats
        Also produce the extra ``<indicator>.<stat>`` and segment columns.

    Raises
    ------
    DataError
        Unknown entity ids (naming them and the first log rows), bad options.
    TreeSpecError
        A tree leaf with a derivable id whose kind or unit does not fit the statistic.
    UnknownMethodError
        Unknown period or working-day convention.
    """
    from evalsys.model.tree import RatingNode, TreeSpec

    if isinstance(tree, TreeSpec):
        spec = tree
    else:
        from evalsys.model.io import load_tree

        spec = load_tree(tree)
    period_fn = PERIODS.get(period)
    period_name = PERIODS.canonical(period)
    WORKING_DAY_CONVENTIONS.get(working_day_convention)
    if not np.isfinite(response_standard) or response_standard < 0:
        raise DataError(f"response standard must be >= 0 seconds; got {response_standard!r}")
    peaks = _parse_peak(peak_hours)
    cal = calendar if calendar is not None else WorkCalendar()

    universe, ent_index, ent_table = _universe(logs, entities, id_column)
    created_wall = logs.wall["created_at"].astype(np.int64)
    day = np.floor_divide(created_wall, _NS_PER_DAY)

    # ---- output groups
    if period_fn is None:
        codes = ent_index
        n_groups = int(universe.size)
        group_entity = np.arange(n_groups)
        periods = None
    else:
        pcode, label = period_fn(day)
        uniq_p, p_inv = np.unique(pcode, return_inverse=True)
        key = ent_index * uniq_p.size + p_inv
        uniq_key, inv = np.unique(key, return_inverse=True)
        codes = np.asarray(inv, dtype=np.int64)
        n_groups = int(uniq_key.size)
        group_entity = uniq_key // uniq_p.size
        periods = np.asarray(label(uniq_p[uniq_key % uniq_p.size]), dtype=str)
    tickets = np.bincount(codes, minlength=n_groups).astype(np.int64)
    has_logs = np.bincount(ent_index, minlength=universe.size) > 0
    without = tuple(str(e) for e in universe[~has_logs])

    # ---- segments (created_at wall clock)
    weekday = (day + 3) % 7  # Monday = 0
    working_dow = np.array([c == "1" for c in cal.weekmask])
    hour = (created_wall - day * _NS_PER_DAY) / (3600 * _NS_PER_S)
    peak = np.zeros(day.size, dtype=bool)
    for a, b in peaks:
        peak |= (hour >= a) & (hour < b) if a < b else (hour >= a) | (hour < b)
    segments = {
        "weekday": working_dow[weekday],
        "weekend": ~working_dow[weekday],
        "peak": peak,
        "offpeak": ~peak,
    }

    quantities = _quantities(logs, response_standard, cal, working_day_convention)
    type_masks = {t: logs.type == t for t in TICKET_TYPES}
    by_id = {d.indicator: d for d in DERIVATIONS}

    def _reduce(d: Derivation, mask: BoolArray) -> GroupStats:
        x = quantities[d.quantity]
        m = mask & np.isfinite(x)
        return group_stats(codes[m], x[m], n_groups, ddof=ddof)

    derived_vals: dict[str, FloatArray] = {}
    extras: dict[str, FloatArray] = {}
    missing: list[MissingIndicator] = []
    derived: list[str] = []
    for leaf in spec.leaves():
        d = by_id.get(leaf.id)
        if d is None:
            continue
        scale = _scale(d, leaf)
        if d.kind == "rating" and isinstance(leaf, RatingNode) and logs.satisfaction is not None:
            top = float(np.nanmax(logs.satisfaction)) if np.isfinite(logs.satisfaction).any() else 0
            if top > leaf.scale:
                raise DataError(
                    f"satisfaction ratings go up to {top:g} but indicator '{leaf.id}' is on a "
                    f"1–{leaf.scale} scale",
                    column="satisfaction",
                )
        if d.quantity not in quantities:
            need = [c for c in d.needs if c not in logs.columns and c != "resolved"]
            if d.quantity == "resolved":
                need = ["resolved or resolved_at"]
            missing.append(
                MissingIndicator(leaf.id, leaf.data_column, f"needs log column {', '.join(need)}")
            )
            continue
        base = np.zeros(logs.n_rows, dtype=bool)
        for t in d.types:
            base |= type_masks[t]
        st = _reduce(d, base)
        col = leaf.data_column
        main = st.cv if d.statistic == "cv" else st.mean * scale
        if not np.isfinite(main).any():
            missing.append(
                MissingIndicator(
                    leaf.id,
                    col,
                    f"no usable {'/'.join(d.types)} rows in the log (needs {', '.join(d.needs)})",
                )
            )
            continue
        derived_vals[col] = main
        derived.append(leaf.id)
        if not stats:
            continue
        extras[f"{col}.n"] = st.n.astype(np.float64)
        if d.statistic == "mean" and d.kind in ("time", "working_day"):
            extras[f"{col}.median"] = st.median * scale
            extras[f"{col}.p90"] = st.p90 * scale
            extras[f"{col}.std"] = st.std * scale
            extras[f"{col}.cv"] = st.cv
            extras[f"{col}.iqr"] = st.iqr * scale
        if d.segmented:
            for seg, smask in segments.items():
                ss = _reduce(d, base & smask)
                extras[f"{col}.{seg}"] = ss.cv if d.statistic == "cv" else ss.mean * scale

    # ---- merge with entity data
    tree_cols = _tree_columns(spec)
    ent_cols = set(ent_table.column_names) - {id_column} if ent_table is not None else set()
    taken: Any = None
    if ent_table is not None:
        import pyarrow as pa

        taken = ent_table.take(pa.array(group_entity, pa.int64()))
    values: dict[str, Any] = {}
    for c in tree_cols:
        if c in derived_vals:
            v = derived_vals[c]
            if c in ent_cols:
                v = np.where(np.isfinite(v), v, _number(taken, c))
            values[c] = v
        elif c in ent_cols:
            values[c] = taken.column(c)
    reasons = {m.indicator: m.reason for m in missing}
    from_entity: list[str] = []
    missing_final: list[MissingIndicator] = []
    for leaf in spec.leaves():
        if leaf.id in derived:
            continue
        cols = [
            c for c in tree_cols if c == leaf.data_column or c.startswith(leaf.data_column + ".")
        ]
        if cols and all(c in ent_cols for c in cols):
            from_entity.append(leaf.id)
            continue
        reason = reasons.get(leaf.id, "not derivable from ticket logs (no log statistic for it)")
        missing_final.append(MissingIndicator(leaf.id, leaf.data_column, reason))
    passthrough = None
    if taken is not None:
        keep = [c for c in taken.column_names if c != id_column and c not in set(tree_cols)]
        passthrough = taken.select(keep) if keep else None

    options: dict[str, Any] = {
        "period": period_name,
        "response_standard_s": float(response_standard),
        "peak_hours": [list(p) for p in peaks],
        "weekmask": cal.weekmask,
        "holidays": len(cal.holidays),
        "workdays": len(cal.workdays),
        "calendar_source": cal.source,
        "working_day_convention": working_day_convention,
        "ddof": ddof,
        "quantile_method": "linear (numpy default; Hyndman-Fan type 7)",
        "entities_given": entities is not None,
    }
    return LogIndicators(
        tree_id=spec.id,
        entity_ids=np.asarray(universe[group_entity], dtype=str),
        periods=periods,
        tickets=tickets,
        values=values,
        extras=extras,
        derived=tuple(derived),
        from_entity_data=tuple(from_entity),
        missing=tuple(missing_final),
        entities_without_logs=without,
        passthrough=passthrough,
        n_log_rows=logs.n_rows,
        tree_columns=tuple(tree_cols),
        options=options,
        notes=logs.notes,
    )


def _tree_columns(spec: Any) -> list[str]:
    """Tree data columns in leaf order (:func:`evalsys.model.data.required_columns`)."""
    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import required_columns

    return required_columns(compile_tree(spec))


# ========================================================================= generator


def generate_logs(
    n_entities: int, tickets_per_entity: int, seed: int = 20240101
) -> dict[str, npt.NDArray[Any]]:
    """Deterministic synthetic ticket / order log for tests and demos.

    Each entity (``M0000001`` …) has a latent quality z ~ N(0, 1).  Tickets are spread
    over the 13 weeks from Monday 2024-01-01 with more traffic in the daytime peaks;
    types inquiry 45 %, complaint 10 %, return 10 %, refund 7 %, technical 8 %, order 20 %.
    First-response times are log-normal (median 30 s for inquiries/complaints, 6 h for
    returns/refunds, 10 min for technical tickets, scaled by exp(−0.3 z)), 1.6 × longer on
    weekends and 1.4 × in the (illustrative) peak hours; about 3 % are never answered.
    Resolution, first-contact resolution and satisfaction depend on z; complaints take a
    log-normal 2.5 calendar days, returns are reviewed after ~10 h and completed ~4 days
    later; orders ship after ~20 min, are promised 72 h after ordering and delivered after
    ~40 h (5 % not yet delivered).  All figures are illustrative.  Same arguments → same
    arrays.

    Returns
    -------
    dict
        Column name → (n,) array: text columns as ``str``, timestamps as ISO 8601 text
        (``None`` = null, object arrays), ``resolved`` / ``first_contact_resolved`` as bool,
        ``satisfaction`` as float with NaN.

    Examples
    --------
    >>> cols = generate_logs(2, 3, seed=1)
    >>> sorted(set(cols["entity_id"].tolist()))
    ['M0000001', 'M0000002']
    """
    if n_entities < 1 or tickets_per_entity < 1:
        raise DataError("generate_logs needs n_entities >= 1 and tickets_per_entity >= 1")
    rng = np.random.default_rng(seed)
    n = n_entities * tickets_per_entity
    ent = np.repeat(np.arange(n_entities), tickets_per_entity)
    z = rng.standard_normal(n_entities)[ent]
    types = np.asarray(TICKET_TYPES)[rng.choice(6, size=n, p=[0.45, 0.10, 0.10, 0.07, 0.08, 0.20])]
    start = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
    day = rng.integers(0, 91, size=n)
    hour_mix = rng.random(n)
    hour = np.where(
        hour_mix < 0.35,
        rng.uniform(9, 12, n),
        np.where(hour_mix < 0.6, rng.uniform(19, 22, n), rng.uniform(7, 24, n)),
    )
    created = start + day * 86400 + np.floor(hour * 3600).astype(np.int64)
    weekend = (day % 7) >= 5  # 2024-01-01 is a Monday
    is_peak = ((hour >= 9) & (hour < 12)) | ((hour >= 19) & (hour < 22))
    base_median = np.select(
        [np.isin(types, _SERVICE), np.isin(types, _AFTER_SALES), types == "technical"],
        [30.0, 6 * 3600.0, 600.0],
        default=np.nan,
    )
    factor = np.exp(-0.3 * z) * np.where(weekend, 1.6, 1.0) * np.where(is_peak, 1.4, 1.0)
    resp = base_median * factor * np.exp(0.8 * rng.standard_normal(n))
    resp = np.where(np.isfinite(resp), resp, 0.0)
    answered = (rng.random(n) > 0.03) & (types != "order")
    first_response = np.where(answered, created + np.ceil(resp).astype(np.int64), -1)
    p_res = 1 / (1 + np.exp(-(2.2 + 0.5 * z)))
    resolved = (rng.random(n) < p_res) & (types != "order")
    fcr = resolved & (rng.random(n) < 1 / (1 + np.exp(-(1.0 + 0.5 * z))))
    lag = np.select(
        [types == "inquiry", types == "complaint"],
        [3600 * np.exp(rng.standard_normal(n)), 2.5 * 86400 * np.exp(0.5 * rng.standard_normal(n))],
        default=4 * 3600 * np.exp(rng.standard_normal(n)),
    )
    reviewed = np.where(
        np.isin(types, _AFTER_SALES),
        created
        + np.ceil(10 * 3600 * np.exp(0.6 * rng.standard_normal(n) - 0.2 * z)).astype(np.int64),
        -1,
    )
    handling = np.where(
        types == "return",
        4 * 86400 * np.exp(0.4 * rng.standard_normal(n) - 0.2 * z),
        np.where(types == "refund", 6 * 3600 * np.exp(0.5 * rng.standard_normal(n)), 0.0),
    )
    after = np.where(reviewed >= 0, reviewed, np.maximum(first_response, created))
    resolved_at = np.where(
        resolved, after + np.ceil(np.where(reviewed >= 0, handling, lag)).astype(np.int64), -1
    )
    order = types == "order"
    shipped = np.where(
        order, created + np.ceil(1200 * np.exp(0.5 * rng.standard_normal(n) - 0.2 * z)), -1
    ).astype(np.int64)
    promised = np.where(order, created + 72 * 3600, -1)
    delivered_ok = order & (rng.random(n) > 0.05)
    delivered = np.where(
        delivered_ok,
        shipped + np.ceil(40 * 3600 * np.exp(0.35 * rng.standard_normal(n) - 0.1 * z)),
        -1,
    ).astype(np.int64)
    sat_given = (rng.random(n) < 0.4) & ~order
    sat = np.clip(np.round(3.9 + 0.5 * z + 0.8 * rng.standard_normal(n)), 1, 5)
    channel = np.asarray(("chat", "phone", "email"))[rng.choice(3, size=n, p=[0.6, 0.25, 0.15])]

    def iso(sec: IntArray) -> npt.NDArray[Any]:
        txt = np.datetime_as_string(sec.astype("datetime64[s]"), unit="s").astype(object)
        txt[sec < 0] = None
        return np.asarray(txt, dtype=object)

    ids = np.char.add("M", np.char.zfill((ent + 1).astype(str), 7))
    return {
        "entity_id": ids,
        "ticket_id": np.char.add("T", np.char.zfill(np.arange(1, n + 1).astype(str), 8)),
        "channel": np.where(order, "web", channel),
        "type": types,
        "created_at": iso(created),
        "first_response_at": iso(first_response),
        "resolved_at": iso(resolved_at),
        "reviewed_at": iso(reviewed),
        "shipped_at": iso(shipped),
        "delivered_at": iso(delivered),
        "promised_at": iso(promised),
        "resolved": resolved,
        "first_contact_resolved": fcr,
        "satisfaction": np.where(sat_given, sat, np.nan),
    }
