"""Operational statistics from raw records: ticket / order logs → indicator values.

The documents ask for response-time statistics computed from service records: mean and
median response time, consistency as coefficient of variation, standard deviation or IQR
(变异系数越小,响应时间的一致性越高), compared across time segments (工作日与周末、高峰时段与
非高峰时段) [1]_, and handling times in working days (「3-5个工作日内完成」) [1]_.  This package
turns a log of service tickets and orders into the indicator columns of an indicator tree
(by default the shipped ``ecommerce_service`` tree), one row per entity (or per entity and
period), so that the output can be scored directly by ``evalsys score``.

A package, one topic per module; every public name is re-exported here, so
``from evalsys.analysis.records import X`` works for each name of ``__all__``:

:mod:`~evalsys.analysis.records.logs`
    The log schema, :class:`TicketLog`, :func:`parse_logs`, :func:`read_logs`,
    :func:`read_entities`.
:mod:`~evalsys.analysis.records.calendar`
    :class:`WorkCalendar`, :func:`read_calendar`, :func:`working_days`.
:mod:`~evalsys.analysis.records.groups`
    :class:`GroupStats`, :func:`group_quantiles`, :func:`group_stats`.
:mod:`~evalsys.analysis.records.derivations`
    :class:`Derivation`, :data:`DERIVATIONS` (log statistic → tree indicator).
:mod:`~evalsys.analysis.records.periods`
    :data:`PERIODS`, :data:`DEFAULT_PEAK_HOURS`, :func:`parse_peak_hours`.
:mod:`~evalsys.analysis.records.indicators`
    :func:`log_indicators`, :class:`LogIndicators`, :class:`MissingIndicator`.
:mod:`~evalsys.analysis.records.generate`
    :func:`generate_logs` (synthetic logs).

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

from evalsys.analysis.records.calendar import (
    WORKING_DAY_CONVENTIONS,
    WorkCalendar,
    read_calendar,
    working_days,
)
from evalsys.analysis.records.derivations import (
    DERIVATIONS,
    Derivation,
)
from evalsys.analysis.records.generate import (
    generate_logs,
)
from evalsys.analysis.records.groups import (
    GroupStats,
    group_quantiles,
    group_stats,
)
from evalsys.analysis.records.indicators import (
    LogIndicators,
    MissingIndicator,
    log_indicators,
)
from evalsys.analysis.records.logs import (
    LOG_COLUMNS,
    TICKET_TYPES,
    TIMESTAMP_COLUMNS,
    TicketLog,
    parse_logs,
    read_entities,
    read_logs,
)
from evalsys.analysis.records.periods import (
    DEFAULT_PEAK_HOURS,
    PERIODS,
    parse_peak_hours,
)

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
