"""Output periods and peak hours: how ``created_at`` is grouped and segmented.

Owns :data:`PERIODS` (``none``, ``day``, ``week`` = ISO week, ``month``, ``quarter``:
group codes and labels of wall-clock days), :data:`DEFAULT_PEAK_HOURS` and
:func:`parse_peak_hours`; the conventions are defined in :mod:`evalsys.analysis.records`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._registry import Registry
from evalsys.analysis.records._shared import IntArray
from evalsys.errors import DataError

__all__ = ["DEFAULT_PEAK_HOURS", "PERIODS", "parse_peak_hours"]

DEFAULT_PEAK_HOURS: tuple[tuple[float, float], ...] = ((9.0, 12.0), (19.0, 22.0))
"""Illustrative peak hours (09:00–12:00, 19:00–22:00), chosen by the evalsys authors."""


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
