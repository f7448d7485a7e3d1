"""Working days: the calendar (weekmask, holidays, 调休) and working-day durations.

Owns :class:`WorkCalendar`, :func:`read_calendar`, the working-day conventions
``elapsed`` and ``whole`` (:data:`WORKING_DAY_CONVENTIONS`) and :func:`working_days`;
the conventions are defined in :mod:`evalsys.analysis.records`.

References
----------
.. [3] NumPy reference, "Datetime support functions": ``numpy.busday_count``,
   ``numpy.is_busday`` (weekmask, holidays).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from evalsys._registry import Registry
from evalsys.analysis.records._shared import (
    _NS_PER_DAY,
    BoolArray,
    DateTimeArray,
    FloatArray,
    IntArray,
)
from evalsys.errors import DataError, ShapeError

__all__ = ["WORKING_DAY_CONVENTIONS", "WorkCalendar", "read_calendar", "working_days"]


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
