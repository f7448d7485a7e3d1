"""Trends over a :class:`~evalsys.history.panel.Panel`: changes, rolling means, slopes,
movers, grade transitions and cohorts.

Everything is vectorised over entities (loops run over periods, segments or grades).
Conventions:

* the **previous period** of a panel row is the row before it (the previous *stored*
  period, which may be more than one calendar period back when a period is missing);
  **same period last year** is found by label
  (:meth:`~evalsys.history.periods.Period.same_last_year`) and is NaN when not in the panel;
* changes are ``x_t - x_ref`` and relative changes ``(x_t - x_ref) / |x_ref|`` (NaN when
  ``x_ref`` is 0 or absent);
* the **slope** is the least-squares slope per calendar period,
  :math:`b = \\sum_t (o_t - \\bar o)(y_t - \\bar y) / \\sum_t (o_t - \\bar o)^2` over the
  periods where the entity has a value (``o_t`` = period ordinal), NaN with fewer than 2;
* the **rolling mean** over a window of ``w`` rows is the mean of the values present in the
  last ``w`` rows, NaN when fewer than ``min_periods`` are present;
* for ``rank`` smaller is better; for every other column larger is better unless told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.history.errors import HistoryError, PeriodError
from evalsys.history.panel import FloatArray, Panel
from evalsys.history.periods import parse_period

__all__ = [
    "ABSENT",
    "Changes",
    "Movers",
    "Transitions",
    "changes",
    "cohorts",
    "entity_trend",
    "grade_matrix",
    "movers",
    "rolling_mean",
    "slope",
    "transitions",
]

#: Row / column label of the transition matrix for entities absent in a period.
ABSENT = "(absent)"


def _values(panel: Panel, column: str) -> FloatArray:
    if column not in panel.values:
        raise HistoryError(
            f"the panel has no numeric column '{column}'; it has: {', '.join(panel.values)}"
        )
    return np.asarray(panel.values[column], dtype=np.float64)


def _rel(delta: FloatArray, ref: FloatArray) -> FloatArray:
    den = np.abs(ref)
    out = np.full(delta.shape, np.nan)
    np.divide(delta, den, out=out, where=den > 0)
    return out


@dataclass(frozen=True)
class Changes:
    """Period-on-period and year-on-year changes of one column (frozen).

    Attributes
    ----------
    column, periods
        The column and the panel's periods.
    previous, last_year
        Per period the label it is compared with (``""`` = none in the panel).
    value, delta_prev, rel_prev, delta_yoy, rel_yoy
        ``(n_periods, n_entities)`` arrays.
    """

    column: str
    periods: tuple[str, ...]
    previous: tuple[str, ...]
    last_year: tuple[str, ...]
    value: FloatArray
    delta_prev: FloatArray
    rel_prev: FloatArray
    delta_yoy: FloatArray
    rel_yoy: FloatArray


def changes(panel: Panel, column: str) -> Changes:
    """Change of ``column`` vs the previous stored period and vs the same period last year."""
    x = _values(panel, column)
    P = panel.n_periods
    ref_prev = np.full(x.shape, np.nan)
    ref_prev[1:] = x[:-1]
    ref_yoy = np.full(x.shape, np.nan)
    last_year = []
    for t, label in enumerate(panel.periods):
        ly = parse_period(label).same_last_year().label
        if ly in panel.periods:
            ref_yoy[t] = x[panel.periods.index(ly)]
            last_year.append(ly)
        else:
            last_year.append("")
    d_prev, d_yoy = x - ref_prev, x - ref_yoy
    return Changes(
        column=column,
        periods=panel.periods,
        previous=("", *panel.periods[: P - 1]) if P else (),
        last_year=tuple(last_year),
        value=x,
        delta_prev=d_prev,
        rel_prev=_rel(d_prev, ref_prev),
        delta_yoy=d_yoy,
        rel_yoy=_rel(d_yoy, ref_yoy),
    )


def rolling_mean(
    panel: Panel, column: str, window: int = 3, min_periods: int | None = None
) -> FloatArray:
    """``(n_periods, n_entities)`` mean of the last ``window`` rows (present values only)."""
    if window < 1:
        raise HistoryError(f"the rolling window must be at least 1 period, got {window}")
    need = window if min_periods is None else min_periods
    x = _values(panel, column)
    ok = ~np.isnan(x)
    cs = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(np.where(ok, x, 0.0), axis=0)])
    cn = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(ok, axis=0)])
    lo = np.maximum(np.arange(1, x.shape[0] + 1) - window, 0)
    s = cs[1:] - cs[lo]
    n = cn[1:] - cn[lo]
    out = np.full(x.shape, np.nan)
    np.divide(s, n, out=out, where=(n >= need) & (n > 0))
    return out


def slope(panel: Panel, column: str, window: int | None = None) -> FloatArray:
    """``(n_entities,)`` least-squares slope per calendar period over the last ``window`` rows."""
    x = _values(panel, column)
    if window is not None:
        if window < 2:
            raise HistoryError(f"a slope needs a window of at least 2 periods, got {window}")
        x = x[-window:]
        periods = panel.periods[-window:]
    else:
        periods = panel.periods
    o = np.array([parse_period(p).ordinal for p in periods], dtype=np.float64)[:, None]
    ok = ~np.isnan(x)
    n = ok.sum(axis=0)
    safe = np.maximum(n, 1)
    o_bar = np.where(ok, o, 0.0).sum(axis=0) / safe
    y_bar = np.where(ok, x, 0.0).sum(axis=0) / safe
    do = np.where(ok, o - o_bar, 0.0)
    num = (do * np.where(ok, x - y_bar, 0.0)).sum(axis=0)
    den = (do * do).sum(axis=0)
    out = np.full(x.shape[1], np.nan)
    np.divide(num, den, out=out, where=(n >= 2) & (den > 0))
    return out


@dataclass(frozen=True)
class Movers:
    """Most improved and most declined entities between two periods (frozen).

    Attributes
    ----------
    column, start, end
        The column and the two periods.
    improved, declined
        ``(entity_id, before, after, change)`` tuples, best first.
    """

    column: str
    start: str
    end: str
    improved: tuple[tuple[str, float, float, float], ...]
    declined: tuple[tuple[str, float, float, float], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""

        def rows(xs: tuple[tuple[str, float, float, float], ...]) -> list[dict[str, Any]]:
            return [{"entity_id": e, "before": b, "after": a, "change": c} for e, b, a, c in xs]

        return {
            "column": self.column,
            "start": self.start,
            "end": self.end,
            "improved": rows(self.improved),
            "declined": rows(self.declined),
        }


def _pair(panel: Panel, start: str | None, end: str | None) -> tuple[int, int]:
    if panel.n_periods < 2 and (start is None or end is None):
        raise PeriodError("comparing periods needs at least two stored periods")
    i = panel.n_periods - 2 if start is None else _row(panel, start)
    j = panel.n_periods - 1 if end is None else _row(panel, end)
    return i, j


def _row(panel: Panel, period: str) -> int:
    label = parse_period(period).label
    if label not in panel.periods:
        raise PeriodError(
            f"period '{period}' is not in the history; periods: {', '.join(panel.periods)}"
        )
    return panel.periods.index(label)


def movers(
    panel: Panel,
    column: str = "score",
    start: str | None = None,
    end: str | None = None,
    *,
    k: int = 10,
    higher_is_better: bool | None = None,
) -> Movers:
    """The ``k`` most improved and most declined entities from ``start`` to ``end``.

    Defaults: the last two periods; ``higher_is_better`` is ``False`` for ``rank``.
    Entities absent in either period are left out; ties are broken by entity id.
    """
    i, j = _pair(panel, start, end)
    x = _values(panel, column)
    better = column != "rank" if higher_is_better is None else higher_is_better
    d = x[j] - x[i]
    ok = np.flatnonzero(~np.isnan(d))
    gain = d[ok] if better else -d[ok]
    order_up = ok[np.argsort(-gain, kind="stable")]
    order_down = ok[np.argsort(gain, kind="stable")]

    def pick(idx: npt.NDArray[np.intp], sign: float) -> tuple[tuple[str, float, float, float], ...]:
        out = []
        for e in idx[:k]:
            if sign * (d[e] if better else -d[e]) <= 0:
                break
            out.append((str(panel.entity_ids[e]), float(x[i, e]), float(x[j, e]), float(d[e])))
        return tuple(out)

    return Movers(
        column, panel.periods[i], panel.periods[j], pick(order_up, 1.0), pick(order_down, -1.0)
    )


@dataclass(frozen=True)
class Transitions:
    """Grade transition matrix between two periods (frozen).

    ``counts[a, b]`` = entities with grade ``grades[a]`` in ``start`` and ``grades[b]`` in
    ``end``; the last row / column (:data:`ABSENT`) counts entities missing in a period.
    """

    start: str
    end: str
    grades: tuple[str, ...]
    counts: npt.NDArray[np.int64]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{from: {to: count}}``."""
        return {
            "start": self.start,
            "end": self.end,
            "grades": list(self.grades),
            "counts": {
                a: {b: int(self.counts[r, c]) for c, b in enumerate(self.grades)}
                for r, a in enumerate(self.grades)
            },
        }


def grade_matrix(
    before: npt.NDArray[np.str_], after: npt.NDArray[np.str_], grades: tuple[str, ...]
) -> npt.NDArray[np.int64]:
    """``(G + 1, G + 1)`` counts of grade pairs; the last row / column is "absent" (``""``)."""
    G = len(grades)
    a = np.full(before.shape, G, dtype=np.intp)
    b = np.full(after.shape, G, dtype=np.intp)
    for i, g in enumerate(grades):
        a[before == g] = i
        b[after == g] = i
    counts = np.bincount(a * (G + 1) + b, minlength=(G + 1) ** 2).reshape(G + 1, G + 1)
    counts[G, G] = 0  # absent in both: not an entity of either period
    return counts.astype(np.int64)


def transitions(panel: Panel, start: str | None = None, end: str | None = None) -> Transitions:
    """Grade transitions from ``start`` to ``end`` (default: the last two periods)."""
    if "grade" not in panel.labels:
        raise HistoryError("the panel has no 'grade' column")
    i, j = _pair(panel, start, end)
    g = panel.labels["grade"]
    counts = grade_matrix(g[i], g[j], panel.grade_order)
    return Transitions(panel.periods[i], panel.periods[j], (*panel.grade_order, ABSENT), counts)


def cohorts(panel: Panel, column: str = "score", by: str = "segment") -> list[dict[str, Any]]:
    """Per period and cohort (the ``by`` label of that period): count, mean and median."""
    x = _values(panel, column)
    if by not in panel.labels:
        raise HistoryError(f"the panel has no label column '{by}'")
    lab = panel.labels[by]
    out: list[dict[str, Any]] = []
    for t, period in enumerate(panel.periods):
        ok = ~np.isnan(x[t]) & (lab[t] != "")
        for seg in np.unique(lab[t][ok]):
            v = x[t][ok & (lab[t] == seg)]
            out.append(
                {
                    "period": period,
                    by: str(seg),
                    "n": int(v.size),
                    "mean": float(v.mean()),
                    "median": float(np.median(v)),
                }
            )
    return out


def entity_trend(
    panel: Panel, entity: str, column: str = "score", window: int = 3
) -> list[dict[str, Any]]:
    """One entity's series of ``column``: value, changes and rolling mean per period."""
    e = int(panel.entity_index([entity])[0])
    if e < 0:
        raise HistoryError(f"entity '{entity}' is in no stored period")
    ch = changes(panel, column)
    roll = rolling_mean(panel, column, window, min_periods=1)
    grades = panel.labels.get("grade")

    def num(v: float) -> float | None:
        return None if np.isnan(v) else float(v)

    return [
        {
            "period": p,
            "version": panel.versions[t],
            column: num(ch.value[t, e]),
            "grade": str(grades[t, e]) if grades is not None else None,
            "change": num(ch.delta_prev[t, e]),
            "change_pct": num(ch.rel_prev[t, e] * 100.0),
            "change_yoy": num(ch.delta_yoy[t, e]),
            f"rolling_mean_{window}": num(roll[t, e]),
        }
        for t, p in enumerate(panel.periods)
    ]
