"""Trends on a small hand-made panel whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from evalsys.history.errors import HistoryError, PeriodError
from evalsys.history.panel import Panel
from evalsys.history.trends import (
    ABSENT,
    changes,
    cohorts,
    entity_trend,
    movers,
    rolling_mean,
    slope,
    transitions,
)

NAN = np.nan
# 2025-01 is "last year" of 2026-01; 2025-03 is missing from the history (a gap).
PERIODS = ("2025-01", "2025-02", "2025-04", "2026-01")
IDS = np.array(["a", "b", "c"])
SCORE = np.array(
    [
        [80.0, 60.0, 70.0],
        [82.0, 58.0, NAN],
        [84.0, 55.0, 71.0],
        [90.0, 50.0, 75.0],
    ]
)
GRADE = np.array(
    [
        ["good", "poor", "fair"],
        ["good", "poor", ""],
        ["good", "poor", "fair"],
        ["excellent", "poor", "fair"],
    ]
)
SEG = np.array([["x", "y", "x"]] * 4)


@pytest.fixture
def panel() -> Panel:
    return Panel(
        periods=PERIODS,
        entity_ids=IDS,
        values={"score": SCORE, "rank": np.array([[1, 3, 2], [1, 2, NAN], [1, 3, 2], [1, 3, 2.0]])},
        labels={"grade": GRADE, "segment": SEG},
        versions=("1", "1", "2", "2"),
        grade_order=("excellent", "good", "fair", "poor"),
    )


def test_changes_previous_and_last_year(panel: Panel) -> None:
    ch = changes(panel, "score")
    assert ch.previous == ("", "2025-01", "2025-02", "2025-04")
    assert ch.last_year == ("", "", "", "2025-01")
    np.testing.assert_array_equal(ch.delta_prev[1], [2.0, -2.0, NAN])
    np.testing.assert_array_equal(ch.delta_prev[2], [2.0, -3.0, NAN])  # c absent in 2025-02
    np.testing.assert_array_equal(ch.delta_prev[3], [6.0, -5.0, 4.0])
    np.testing.assert_allclose(ch.rel_prev[3], [6 / 84, -5 / 55, 4 / 71])
    np.testing.assert_array_equal(ch.delta_yoy[3], [10.0, -10.0, 5.0])
    assert np.isnan(ch.delta_yoy[:3]).all()


def test_rolling_mean(panel: Panel) -> None:
    r = rolling_mean(panel, "score", 3)
    assert np.isnan(r[:2]).all()
    np.testing.assert_allclose(r[2], [82.0, 173 / 3, NAN])  # c has 2 of 3 values
    np.testing.assert_allclose(r[3], [256 / 3, 163 / 3, NAN])
    r1 = rolling_mean(panel, "score", 3, min_periods=2)
    np.testing.assert_allclose(r1[2, 2], 70.5)
    np.testing.assert_allclose(r1[3, 2], 73.0)


def test_slope_uses_calendar_ordinals(panel: Panel) -> None:
    # entity a over the last 3 stored periods: months 2025-02 (o=1), 2025-04 (3), 2026-01 (12)
    o = np.array([1.0, 3.0, 12.0])
    y = np.array([82.0, 84.0, 90.0])
    want = ((o - o.mean()) * (y - y.mean())).sum() / ((o - o.mean()) ** 2).sum()
    s = slope(panel, "score", window=3)
    np.testing.assert_allclose(s[0], want)
    # entity c: 2025-04 -> 2026-01 only (2025-02 absent): (75 - 71) / 9
    np.testing.assert_allclose(s[2], 4 / 9)
    full = slope(panel, "score")
    assert np.isfinite(full).all()
    with pytest.raises(HistoryError, match="at least 2"):
        slope(panel, "score", window=1)


def test_movers(panel: Panel) -> None:
    mv = movers(panel, "score", k=5)
    assert (mv.start, mv.end) == ("2025-04", "2026-01")
    assert [m[0] for m in mv.improved] == ["a", "c"]
    assert [m[0] for m in mv.declined] == ["b"]
    assert mv.improved[0] == ("a", 84.0, 90.0, 6.0)
    first = movers(panel, "score", "2025-01", "2025-02", k=1)
    assert [m[0] for m in first.improved] == ["a"] and [m[0] for m in first.declined] == ["b"]
    # rank: smaller is better, so b going 2 -> 3 is a decline
    r = movers(panel, "rank", "2025-02", "2025-04")
    assert [m[0] for m in r.declined] == ["b"] and r.improved == ()
    with pytest.raises(PeriodError, match="not in the history"):
        movers(panel, "score", "2024-01", "2026-01")


def test_transitions(panel: Panel) -> None:
    tr = transitions(panel, "2025-04", "2026-01")
    assert tr.grades == ("excellent", "good", "fair", "poor", ABSENT)
    want = np.zeros((5, 5), dtype=np.int64)
    want[1, 0] = 1  # a: good -> excellent
    want[3, 3] = 1  # b: poor -> poor
    want[2, 2] = 1  # c: fair -> fair
    np.testing.assert_array_equal(tr.counts, want)
    tr2 = transitions(panel, "2025-01", "2025-02")
    assert tr2.counts[2, 4] == 1  # c: fair -> absent
    assert tr2.to_dict()["counts"]["fair"][ABSENT] == 1


def test_cohorts_and_entity_trend(panel: Panel) -> None:
    rows = cohorts(panel, "score", "segment")
    first = [r for r in rows if r["period"] == "2025-01"]
    assert first == [
        {"period": "2025-01", "segment": "x", "n": 2, "mean": 75.0, "median": 75.0},
        {"period": "2025-01", "segment": "y", "n": 1, "mean": 60.0, "median": 60.0},
    ]
    assert [r["n"] for r in rows if r["period"] == "2025-02"] == [1, 1]
    series = entity_trend(panel, "c", "score", window=3)
    assert [s["score"] for s in series] == [70.0, None, 71.0, 75.0]
    assert series[3]["change"] == 4.0 and series[3]["change_yoy"] == 5.0
    assert series[3]["rolling_mean_3"] == 73.0 and series[3]["version"] == "2"
    with pytest.raises(HistoryError, match="entity 'zz'"):
        entity_trend(panel, "zz")
