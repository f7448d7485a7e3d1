"""Period labels: parsing, kinds, ordering, previous period and same period last year.

Four kinds of label are accepted, all ISO-like so that they sort as text within a kind:

=========  ===============  ========================================================
kind       example          meaning
=========  ===============  ========================================================
month      ``2026-01``      calendar month
quarter    ``2026-Q1``      calendar quarter (Q1 = January..March)
week       ``2026-W05``     ISO 8601 week (Monday start; week 1 holds January 4th)
day        ``2026-03-31``   one date (e.g. a snapshot at quarter end)
=========  ===============  ========================================================

One history holds one kind of period.  Each period has an integer ``ordinal`` that orders
periods of one kind (months: ``12 * year + month - 1``; quarters: ``4 * year + q - 1``;
weeks: the ordinal of the week's Monday divided by 7; days: the date's proleptic ordinal),
so the *calendar* previous period is ``ordinal - 1``.  "Same period last year" is the same
month / quarter / ISO week number / date one year earlier (week 53 falls back to week 52 in
a year without one; 29 February falls back to 28 February).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from evalsys.history.errors import PeriodError

__all__ = ["Period", "PeriodKind", "parse_period", "period_kind", "sort_periods"]

PeriodKind = Literal["month", "quarter", "week", "day"]

_PATTERNS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("week", re.compile(r"^(\d{4})-W(\d{2})$")),
    ("day", re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")),
)
_HINT = "expected YYYY-MM, YYYY-Qn, YYYY-Www or YYYY-MM-DD (e.g. 2026-01, 2026-Q1, 2026-W05)"


def _weeks_in(year: int) -> int:
    """Number of ISO weeks (52 or 53) in ``year``."""
    return _dt.date(year, 12, 28).isocalendar()[1]


@dataclass(frozen=True, order=False)
class Period:
    """One parsed period label.

    Attributes
    ----------
    label
        The canonical label (``2026-01``, ``2026-Q1``, ``2026-W05``, ``2026-03-31``).
    kind
        ``"month"``, ``"quarter"``, ``"week"`` or ``"day"``.
    year
        Calendar year (ISO year for weeks).
    index
        Month 1..12, quarter 1..4, ISO week 1..53, or day of year 1..366.
    ordinal
        Integer position among periods of the same kind; consecutive periods differ by 1.
    start, end
        First and last day covered (inclusive).
    """

    label: str
    kind: PeriodKind
    year: int
    index: int
    ordinal: int
    start: _dt.date
    end: _dt.date

    def shifted(self, steps: int) -> Period:
        """The period ``steps`` calendar periods later (earlier when negative)."""
        return _from_ordinal(self.kind, self.ordinal + steps)

    def previous(self) -> Period:
        """The calendar period just before this one (``ordinal - 1``)."""
        return self.shifted(-1)

    def next(self) -> Period:
        """The calendar period just after this one (``ordinal + 1``)."""
        return self.shifted(1)

    def same_last_year(self) -> Period:
        """The same month / quarter / ISO week / date one year earlier."""
        y = self.year - 1
        if self.kind == "month":
            return parse_period(f"{y:04d}-{self.index:02d}")
        if self.kind == "quarter":
            return parse_period(f"{y:04d}-Q{self.index}")
        if self.kind == "week":
            return parse_period(f"{y:04d}-W{min(self.index, _weeks_in(y)):02d}")
        day = self.start
        try:
            return _day(day.replace(year=y))
        except ValueError:  # 29 February
            return _day(_dt.date(y, 2, 28))

    def __lt__(self, other: Period) -> bool:
        return self._key() < other._key()

    def __le__(self, other: Period) -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: Period) -> bool:
        return self._key() > other._key()

    def __ge__(self, other: Period) -> bool:
        return self._key() >= other._key()

    def _key(self) -> tuple[int, str]:
        return (self.ordinal, self.kind)


def _month(year: int, month: int) -> Period:
    start = _dt.date(year, month, 1)
    nxt = _dt.date(year + month // 12, month % 12 + 1, 1)
    return Period(
        f"{year:04d}-{month:02d}",
        "month",
        year,
        month,
        12 * year + month - 1,
        start,
        nxt - _dt.timedelta(days=1),
    )


def _quarter(year: int, q: int) -> Period:
    start = _dt.date(year, 3 * q - 2, 1)
    end = _month(year, 3 * q).end
    return Period(f"{year:04d}-Q{q}", "quarter", year, q, 4 * year + q - 1, start, end)


def _week(year: int, week: int) -> Period:
    start = _dt.date.fromisocalendar(year, week, 1)
    return Period(
        f"{year:04d}-W{week:02d}",
        "week",
        year,
        week,
        start.toordinal() // 7,
        start,
        start + _dt.timedelta(days=6),
    )


def _day(day: _dt.date) -> Period:
    return Period(
        day.isoformat(), "day", day.year, day.timetuple().tm_yday, day.toordinal(), day, day
    )


def _from_ordinal(kind: PeriodKind, ordinal: int) -> Period:
    if kind == "month":
        return _month(ordinal // 12, ordinal % 12 + 1)
    if kind == "quarter":
        return _quarter(ordinal // 4, ordinal % 4 + 1)
    if kind == "week":
        monday = _dt.date.fromordinal(ordinal * 7 + 1)
        iso = monday.isocalendar()
        return _week(iso[0], iso[1])
    return _day(_dt.date.fromordinal(ordinal))


def parse_period(label: str) -> Period:
    """Parse a period label.

    Parameters
    ----------
    label
        ``YYYY-MM``, ``YYYY-Qn``, ``YYYY-Www`` (ISO week) or ``YYYY-MM-DD``; surrounding
        blanks are ignored and ``q``/``w`` may be lower case.

    Returns
    -------
    Period
        The parsed period with its kind, ordinal and date span.

    Raises
    ------
    PeriodError
        If the label matches no kind or names a month, week or date that does not exist.
    """
    if not isinstance(label, str):
        raise PeriodError(f"period label must be text, got {type(label).__name__}")
    text = label.strip().upper()
    for kind, pattern in _PATTERNS:
        m = pattern.match(text)
        if m is None:
            continue
        year, a = int(m.group(1)), int(m.group(2))
        if year < 1:
            break
        if kind == "month":
            if not 1 <= a <= 12:
                raise PeriodError(f"period {label!r}: month {a} is not 01..12")
            return _month(year, a)
        if kind == "quarter":
            return _quarter(year, a)
        if kind == "week":
            if not 1 <= a <= _weeks_in(year):
                raise PeriodError(f"period {label!r}: {year} has ISO weeks 01..{_weeks_in(year)}")
            return _week(year, a)
        try:
            return _day(_dt.date(year, a, int(m.group(3))))
        except ValueError:
            raise PeriodError(f"period {label!r}: no such date") from None
    raise PeriodError(f"period {label!r} is not a period label; {_HINT}")


def period_kind(label: str) -> PeriodKind:
    """The kind (``month``, ``quarter``, ``week``, ``day``) of a period label."""
    return parse_period(label).kind


def sort_periods(labels: Iterable[str]) -> tuple[str, ...]:
    """Canonical labels sorted oldest first; all must be of one kind and distinct.

    Raises
    ------
    PeriodError
        If a label is malformed, kinds are mixed, or a period is given twice.
    """
    parsed = [parse_period(s) for s in labels]
    kinds = sorted({p.kind for p in parsed})
    if len(kinds) > 1:
        raise PeriodError(f"periods of different kinds cannot be mixed: {', '.join(kinds)}")
    seen: set[str] = set()
    for p in parsed:
        if p.label in seen:
            raise PeriodError(f"period {p.label!r} is given twice")
        seen.add(p.label)
    return tuple(p.label for p in sorted(parsed))
