"""Operational statistics from ticket / order logs (evalsys.analysis.records, `evalsys indicators`).

Hand-computed statistics follow numpy's conventions, stated in the module docstring:
sample standard deviation (n - 1), quantiles by numpy's default ``linear`` method
(Hyndman & Fan 1996, definition 7): Q(q) = x[floor(h)] + (h - floor(h)) (x[floor(h) + 1]
- x[floor(h)]) with h = (n - 1) q on the 0-based sorted values.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from evalsys.analysis.records import (
    DERIVATIONS,
    WorkCalendar,
    generate_logs,
    group_quantiles,
    group_stats,
    log_indicators,
    parse_logs,
    parse_peak_hours,
    read_calendar,
    read_entities,
    read_logs,
    working_days,
)
from evalsys.errors import DataError, TreeSpecError, UnknownMethodError, ValidityWarning
from evalsys.model.io import load_tree, shipped_path, tree_from_dict, tree_to_dict
from evalsys.model.tables import read_table

SAMPLE = shipped_path("samples", "ecommerce_merchants.csv")


@pytest.fixture(scope="module")
def tree() -> Any:
    return load_tree("ecommerce_service")


def table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows)


def ticket(
    entity: str,
    created: str,
    response_s: float | None,
    *,
    type_: str = "inquiry",
    **extra: Any,
) -> dict[str, Any]:
    c = np.datetime64(created, "s")
    fr = None if response_s is None else str(c + np.timedelta64(int(response_s), "s"))
    return {"entity_id": entity, "type": type_, "created_at": created, "first_response_at": fr} | (
        extra
    )


# 2024-03-04 is a Monday; 2024-03-09/10 a weekend.
TINY = [
    ticket("E1", "2024-03-04T10:00:00", 10),  # weekday, peak
    ticket("E1", "2024-03-04T15:00:00", 20),  # weekday, off-peak
    ticket("E1", "2024-03-05T10:30:00", 30),  # weekday, peak
    ticket("E1", "2024-03-09T10:00:00", 40),  # weekend, peak
    ticket("E1", "2024-03-10T15:00:00", 100),  # weekend, off-peak
    ticket("E1", "2024-03-06T16:00:00", None),  # never answered
    ticket("E2", "2024-03-04T11:00:00", 5),
    ticket("E2", "2024-03-04T20:00:00", 15),
]


def tiny_result(tree: Any, **kw: Any) -> Any:
    return log_indicators(parse_logs(table(TINY)), tree, **kw)


# ------------------------------------------------------------------ hand computation


def test_hand_computed_response_statistics(tree: Any) -> None:
    """E1 answered in 10, 20, 30, 40, 100 s (one ticket unanswered); E2 in 5, 15 s.

    E1: mean 200/5 = 40; median 30; p90: h = 4·0.9 = 3.6 → 40 + 0.6·(100 − 40) = 76;
    Q1 (h = 1) = 20, Q3 (h = 3) = 40, IQR = 20; squared deviations 900 + 400 + 100 + 0 +
    3600 = 5000, s² = 5000/4 = 1250, s = 35.3553…, CV = s/40 = 0.883883…; response rate
    (≤ 60 s, unanswered counts as late) = 4/6 = 66.67 %.
    E2: mean 10, median 10, p90 = 5 + 0.9·10 = 14, s = √50 = 7.0711, CV = 0.70711, 100 %.
    """
    res = tiny_result(tree)
    assert list(res.entity_ids) == ["E1", "E2"]
    assert res.tickets.tolist() == [6, 2]
    v, x = res.values, res.extras
    np.testing.assert_allclose(v["first_response_time"], [40.0, 10.0])
    np.testing.assert_allclose(x["first_response_time.median"], [30.0, 10.0])
    np.testing.assert_allclose(x["first_response_time.p90"], [76.0, 14.0])
    np.testing.assert_allclose(x["first_response_time.iqr"], [20.0, 5.0])
    np.testing.assert_allclose(x["first_response_time.std"], [np.sqrt(1250.0), np.sqrt(50.0)])
    np.testing.assert_allclose(
        v["response_consistency"], [np.sqrt(1250.0) / 40, np.sqrt(50.0) / 10]
    )
    np.testing.assert_allclose(v["response_rate"], [400 / 6, 100.0])
    np.testing.assert_allclose(x["first_response_time.n"], [5, 2])
    # the numpy convention the module states
    assert np.percentile([10, 20, 30, 40, 100], 90) == 76.0


def test_response_standard_option(tree: Any) -> None:
    res = tiny_result(tree, response_standard=25)
    np.testing.assert_allclose(res.values["response_rate"], [200 / 6, 100.0])


def test_weekday_weekend_and_peak_split(tree: Any) -> None:
    """E1 weekday answered (10, 20, 30), weekend (40, 100); peak 10:00/10:30 tickets (10,
    30, 40), off-peak 15:00 tickets (20, 100).  E2: 11:00 peak (5), 20:00 peak (15)."""
    x = tiny_result(tree).extras
    np.testing.assert_allclose(x["first_response_time.weekday"], [20.0, 10.0])
    np.testing.assert_allclose(x["first_response_time.weekend"][0], 70.0)
    assert np.isnan(x["first_response_time.weekend"][1])  # E2 had no weekend ticket
    np.testing.assert_allclose(x["first_response_time.peak"], [80 / 3, 10.0])
    np.testing.assert_allclose(x["first_response_time.offpeak"][0], 60.0)
    # the unanswered ticket (Wednesday 16:00) counts in the weekday / off-peak rates
    np.testing.assert_allclose(x["response_rate.weekday"][0], 300 / 4)
    np.testing.assert_allclose(x["response_rate.weekend"][0], 50.0)
    np.testing.assert_allclose(x["response_rate.offpeak"][0], 100 / 3)
    np.testing.assert_allclose(x["response_consistency.weekend"][0], np.std([40, 100], ddof=1) / 70)


def test_custom_peak_hours_and_weekmask(tree: Any) -> None:
    assert parse_peak_hours("9-12, 19:30-22") == ((9.0, 12.0), (19.5, 22.0))
    res = tiny_result(tree, peak_hours=((14, 16),))
    np.testing.assert_allclose(res.extras["first_response_time.peak"][0], 60.0)  # 15:00 ones
    # a six-day week (Monday–Saturday): only the Sunday ticket (100 s) is "weekend"
    res6 = tiny_result(tree, calendar=WorkCalendar(weekmask="1111110"))
    np.testing.assert_allclose(res6.extras["first_response_time.weekend"][0], 100.0)
    with pytest.raises(DataError, match="peak window"):
        parse_peak_hours("9")
    with pytest.raises(DataError, match="weekmask"):
        WorkCalendar(weekmask="11111")


# ------------------------------------------------------------------- working days


def test_working_days_across_a_weekend() -> None:
    """Friday 2024-03-08 10:00 → Monday 2024-03-11 10:00: 14 h of Friday + 10 h of Monday
    = 1.0 working day (elapsed); 1 working day after the day of receipt (whole)."""
    s, e = ["2024-03-08T10:00"], ["2024-03-11T10:00"]
    assert working_days(s, e)[0] == pytest.approx(1.0)
    assert working_days(s, e, convention="whole")[0] == 1.0
    # same day: 09:00 → 21:00 = 0.5; a Saturday start counts from Monday 00:00
    assert working_days(["2024-03-11T09:00"], ["2024-03-11T21:00"])[0] == pytest.approx(0.5)
    assert working_days(["2024-03-09T12:00"], ["2024-03-11T06:00"])[0] == pytest.approx(0.25)
    assert working_days(["2024-03-09T12:00"], ["2024-03-11T06:00"], convention="whole")[0] == 1
    # Monday 12:00 → next Monday 12:00 = 5 working days either way
    assert working_days(["2024-03-04T12:00"], ["2024-03-11T12:00"])[0] == pytest.approx(5.0)
    out = working_days(["2024-03-04T12:00", "NaT"], ["NaT", "2024-03-05"])
    assert np.isnan(out).all()
    with pytest.raises(UnknownMethodError, match="elapsed, whole"):
        working_days(s, e, convention="calendar")


def test_working_days_with_holidays_and_make_up_days(tmp_path: Path) -> None:
    """Holiday Monday 2024-03-11: Friday 10:00 → Tuesday 10:00 = 14/24 + 0 + 10/24 = 1.0.
    National-day week (illustrative 2024 calendar): holidays 10-01 … 10-07, make-up working
    day Saturday 10-12.  Monday 09-30 12:00 → Monday 10-14 12:00: 0.5 + (10-08 … 10-12: 5)
    + 0.5 = 6.0; whole: 10-08, 09, 10, 11, 12, 14 = 6."""
    cal = WorkCalendar(holidays=("2024-03-11",))
    assert working_days(["2024-03-08T10:00"], ["2024-03-12T10:00"], cal)[0] == pytest.approx(1.0)
    f = tmp_path / "holidays.txt"
    f.write_text(
        "# 国庆\n"
        + "".join(f"2024-10-0{d}\n" for d in range(1, 8))
        + "2024-10-12 workday  # 调休\n",
        encoding="utf-8",
    )
    cal2 = read_calendar(f)
    assert len(cal2.holidays) == 7 and cal2.workdays == ("2024-10-12",)
    s, e = ["2024-09-30T12:00"], ["2024-10-14T12:00"]
    assert working_days(s, e, cal2)[0] == pytest.approx(6.0)
    assert working_days(s, e, cal2, convention="whole")[0] == 6.0
    # whole-day convention equals numpy.busday_count when there are no make-up days
    days = np.arange("2024-01-01", "2024-03-01", dtype="datetime64[D]")
    a, b = days[:-20], days[20:]
    got = working_days(a, b, WorkCalendar(holidays=("2024-01-15",)), convention="whole")
    ref = np.busday_count(a + 1, b + 1, holidays=["2024-01-15"])
    np.testing.assert_array_equal(got, ref)
    bad = tmp_path / "bad.txt"
    bad.write_text("2024-10-01\n2024-10-xx\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.txt:2: cannot parse date '2024-10-xx'"):
        read_calendar(bad)
    clash = tmp_path / "clash.csv"
    clash.write_text("date,kind\n2024-10-01,holiday\n2024-10-01,workday\n", encoding="utf-8")
    with pytest.raises(DataError, match="both as a holiday and as a working day"):
        read_calendar(clash)


def test_complaint_handling_time_in_working_days(tree: Any) -> None:
    rows = [
        ticket(
            "E1", "2024-03-08T10:00:00", 30, type_="complaint", resolved_at="2024-03-11T10:00:00"
        ),
        ticket(
            "E1", "2024-03-11T09:00:00", 30, type_="complaint", resolved_at="2024-03-13T21:00:00"
        ),
        ticket("E1", "2024-03-11T09:00:00", 30, type_="complaint"),  # still open
    ]
    res = log_indicators(parse_logs(table(rows)), tree)
    # 1.0 and 2.5 working days → mean 1.75; the open complaint is not counted
    np.testing.assert_allclose(res.values["complaint_handling_time"], [1.75])
    np.testing.assert_allclose(res.extras["complaint_handling_time.n"], [2])
    # resolved_at present → resolved = 2 of 3 tickets
    np.testing.assert_allclose(res.values["resolution_rate"], [200 / 3])
    hol = log_indicators(
        parse_logs(table(rows)), tree, calendar=WorkCalendar(holidays=("2024-03-11",))
    )
    # holiday Monday: first complaint 14/24 working day, second (Mon 09 → Wed 21) 1.875
    np.testing.assert_allclose(hol.values["complaint_handling_time"], [(14 / 24 + 1.875) / 2])
    whole = log_indicators(parse_logs(table(rows)), tree, working_day_convention="whole")
    np.testing.assert_allclose(whole.values["complaint_handling_time"], [1.5])


# ------------------------------------------------------------------------ periods


def test_period_grouping(tree: Any) -> None:
    rows = [
        ticket("E1", "2024-01-15T10:00:00", 10),
        ticket("E1", "2024-01-20T10:00:00", 30),
        ticket("E1", "2024-02-01T10:00:00", 50),
        ticket("E2", "2024-04-02T10:00:00", 70),
        ticket("E2", "2024-12-30T10:00:00", 90),  # ISO week 2025-W01
    ]
    logs = parse_logs(table(rows))
    m = log_indicators(logs, tree, period="month")
    assert m.periods is not None
    assert list(zip(m.entity_ids, m.periods, strict=True)) == [
        ("E1", "2024-01"),
        ("E1", "2024-02"),
        ("E2", "2024-04"),
        ("E2", "2024-12"),
    ]
    np.testing.assert_allclose(m.values["first_response_time"], [20, 50, 70, 90])
    assert m.tickets.tolist() == [2, 1, 1, 1]
    out = m.to_table()
    assert out.column("entity_period").to_pylist()[0] == "E1@2024-01"
    assert m.id_column == "entity_period"
    q = log_indicators(logs, tree, period="quarter")
    assert q.periods is not None and list(q.periods) == ["2024-Q1", "2024-Q2", "2024-Q4"]
    w = log_indicators(logs, tree, period="week")
    assert w.periods is not None
    assert list(w.periods) == ["2024-W03", "2024-W05", "2024-W14", "2025-W01"]
    d = log_indicators(logs, tree, period="day")
    assert d.periods is not None and d.periods[0] == "2024-01-15" and d.n_rows == 5
    with pytest.raises(UnknownMethodError, match="none, day, week, month, quarter"):
        log_indicators(logs, tree, period="year")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)), min_size=1, max_size=20))
def test_week_labels_match_iso_calendar(dates: list[dt.date]) -> None:
    from evalsys.analysis.records import PERIODS

    fn = PERIODS.get("week")
    assert fn is not None
    days = np.array(dates, dtype="datetime64[D]").astype(np.int64)
    code, label = fn(days)
    got = list(label(code))
    want = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in dates]
    assert got == want


# ------------------------------------------------------------------ vectorised path


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=0,
        max_size=60,
    ),
    st.lists(st.floats(0, 1), min_size=1, max_size=5),
)
def test_group_quantiles_equal_numpy_percentile(
    pairs: list[tuple[int, float]], q: list[float]
) -> None:
    codes = np.array([p[0] for p in pairs], dtype=np.int64)
    x = np.array([p[1] for p in pairs], dtype=np.float64)
    got = group_quantiles(codes, x, 7, q)
    for g in range(7):
        vals = x[codes == g]
        if vals.size == 0:
            assert np.isnan(got[g]).all()
        else:
            np.testing.assert_allclose(got[g], np.quantile(vals, q), rtol=1e-12, atol=1e-9)


def test_group_stats_reference_and_edge_cases() -> None:
    st_ = group_stats([0, 0, 0, 0, 1], [10.0, 20.0, 30.0, 40.0, 7.0], 3)
    np.testing.assert_allclose(st_.mean[:2], [25.0, 7.0])
    np.testing.assert_allclose(st_.std[0], np.std([10, 20, 30, 40], ddof=1))
    assert np.isnan(st_.std[1]) and np.isnan(st_.cv[1])  # one value: no sample std
    assert st_.n.tolist() == [4, 1, 0] and np.isnan(st_.mean[2]) and np.isnan(st_.median[2])
    pop = group_stats([0, 0, 0, 0], [10.0, 20.0, 30.0, 40.0], 1, ddof=0)
    np.testing.assert_allclose(pop.std, [np.std([10, 20, 30, 40])])


def test_vectorised_equals_per_entity_reference(tree: Any) -> None:
    cols = generate_logs(12, 150, seed=7)
    tab = pa.table({k: pa.array(v, from_pandas=True) for k, v in cols.items()})
    res = log_indicators(parse_logs(tab), tree, period="none")
    ids = np.asarray(cols["entity_id"])
    types = np.asarray(cols["type"])
    created = np.array([np.datetime64(c) for c in cols["created_at"]], dtype="datetime64[s]")
    first = np.array(
        [
            np.datetime64(c) if c is not None else np.datetime64("NaT")
            for c in cols["first_response_at"]
        ],
        dtype="datetime64[s]",
    )
    resp = (first - created).astype(np.float64)
    resp[np.isnat(first)] = np.nan
    service = np.isin(types, ["inquiry", "complaint"])
    weekend = created.astype("datetime64[D]").astype(np.int64)
    weekend = ((weekend + 3) % 7) >= 5
    for k, e in enumerate(res.entity_ids):  # the reference computation loops; the engine doesn't
        sel = (ids == e) & service
        r = resp[sel]
        r = r[np.isfinite(r)]
        assert res.values["first_response_time"][k] == pytest.approx(np.mean(r), rel=1e-12)
        assert res.extras["first_response_time.median"][k] == pytest.approx(np.median(r))
        assert res.extras["first_response_time.p90"][k] == pytest.approx(np.percentile(r, 90))
        iqr = np.percentile(r, 75) - np.percentile(r, 25)
        assert res.extras["first_response_time.iqr"][k] == pytest.approx(iqr)
        cv = np.std(r, ddof=1) / np.mean(r)
        assert res.values["response_consistency"][k] == pytest.approx(cv, rel=1e-10)
        rate = 100 * np.mean(np.nan_to_num(resp[sel], nan=np.inf) <= 60)
        assert res.values["response_rate"][k] == pytest.approx(rate)
        rw = resp[sel & weekend]
        rw = rw[np.isfinite(rw)]
        assert res.extras["first_response_time.weekend"][k] == pytest.approx(np.mean(rw))
        res_sel = (ids == e) & (types == "technical")
        assert res.values["tech_resolution_rate"][k] == pytest.approx(
            100 * np.mean(np.asarray(cols["resolved"])[res_sel])
        )


# ----------------------------------------------------------------------- bad input


def test_unparseable_timestamps_name_column_rows_and_text(tree: Any) -> None:
    rows = [dict(r) for r in TINY]
    rows[2]["created_at"] = "2024-13-01 10:00:00"
    rows[4]["created_at"] = "yesterday"
    with pytest.raises(DataError) as err:
        parse_logs(table(rows), source="logs.csv")
    msg = str(err.value)
    assert msg.startswith("logs.csv: column 'created_at': cannot parse timestamp")
    assert "'2024-13-01 10:00:00'" in msg and msg.endswith("(rows 3, 5)")
    rows = [dict(r) for r in TINY]
    rows[1]["first_response_at"] = "2024-02-30T10:00:00"  # not a day: no silent roll-over
    with pytest.raises(
        DataError, match=r"column 'first_response_at'.*'2024-02-30T10:00:00'.*\(rows 2\)"
    ):
        parse_logs(table(rows))
    rows = [dict(r) for r in TINY]
    rows[0]["created_at"] = None
    with pytest.raises(DataError, match=r"missing creation time \(rows 1\)"):
        parse_logs(table(rows))


def test_negative_durations_are_errors() -> None:
    rows = [dict(r) for r in TINY]
    rows[3]["first_response_at"] = "2024-03-09T09:59:00"  # before creation (10:00)
    rows[6]["first_response_at"] = "2024-03-04T10:00:00"  # before 11:00
    with pytest.raises(DataError) as err:
        parse_logs(table(rows))
    msg = str(err.value)
    assert "column 'first_response_at'" in msg and "negative durations" in msg
    assert msg.endswith("(rows 4, 7)")
    order = [
        {
            "entity_id": "E1",
            "type": "order",
            "created_at": "2024-03-04T10:00:00",
            "shipped_at": "2024-03-04T10:20:00",
            "delivered_at": "2024-03-04T10:10:00",
        }
    ]
    with pytest.raises(DataError, match=r"delivered before shipping.*\(rows 1\)"):
        parse_logs(table(order))


def test_unknown_ids_types_duplicates_flags(tree: Any, tmp_path: Path) -> None:
    logs = parse_logs(table(TINY))
    with pytest.raises(DataError) as err:
        log_indicators(logs, tree, entities=["E1", "E9"])
    msg = str(err.value)
    assert "2 log rows have entity ids not in the entity list: 'E2'" in msg
    assert msg.endswith("(rows 7, 8)")
    ids = tmp_path / "entities.txt"
    ids.write_text("E1\nE2\nE3  # no tickets\n", encoding="utf-8")
    res = log_indicators(logs, tree, entities=read_entities(ids))
    assert res.entities_without_logs == ("E3",)
    assert list(res.entity_ids) == ["E1", "E2", "E3"] and res.tickets.tolist() == [6, 2, 0]
    assert np.isnan(res.values["first_response_time"][2])
    rows = [dict(r) for r in TINY]
    rows[5]["type"] = "praise"
    with pytest.raises(DataError, match=r"unknown ticket type 'praise'.*\(rows 6\)"):
        parse_logs(table(rows))
    rows = [dict(r) | {"ticket_id": f"T{i}"} for i, r in enumerate(TINY)]
    rows[4]["ticket_id"] = "T1"
    with pytest.raises(DataError, match=r"ticket id 'T1' appears 2 times \(rows 2, 5\)"):
        parse_logs(table(rows))
    rows = [dict(r) | {"resolved": "yes"} for r in TINY]
    rows[2]["resolved"] = "maybe"
    with pytest.raises(DataError, match=r"column 'resolved'.*'maybe' \(rows 3\)"):
        parse_logs(table(rows))
    rows = [dict(r) | {"satisfaction": 4} for r in TINY]
    rows[1]["satisfaction"] = 7
    with pytest.raises(DataError, match=r"rating 1–5; found 7 \(rows 2\)"):
        parse_logs(table(rows))
    with pytest.raises(DataError, match="needs entity_id and created_at"):
        parse_logs(pa.table({"entity_id": ["E1"]}))
    mixed = [dict(r) for r in TINY]
    mixed[0]["created_at"] = "2024-03-04T10:00:00+08:00"
    with pytest.raises(DataError, match=r"mixes timestamps with and without a UTC offset"):
        parse_logs(table(mixed))


# --------------------------------------------------------------- formats and offsets


def test_offsets_and_typed_timestamps(tree: Any, tmp_path: Path) -> None:
    """09:00+08:00 answered at 01:00:30Z (= 09:00:30 local): 30 s, in the peak hours
    (local wall clock), on a weekday."""
    rows = [
        {
            "entity_id": "E1",
            "created_at": "2024-03-04T09:00:00+08:00",
            "first_response_at": "2024-03-04T01:00:30Z",
        },
        {
            "entity_id": "E1",
            "created_at": "2024-03-04T14:00:00+0800",
            "first_response_at": "2024-03-04T14:01:30.5+08:00",
        },
    ]
    logs = parse_logs(table(rows))
    assert logs.notes and "inquiry" in logs.notes[0]  # no type column
    res = log_indicators(logs, tree)
    np.testing.assert_allclose(res.extras["first_response_time.peak"], [30.0])
    np.testing.assert_allclose(res.extras["first_response_time.offpeak"], [90.5])
    # Parquet with tz-aware timestamps: same numbers
    ts = pa.timestamp("s", tz="Asia/Shanghai")
    created = pa.array(
        [dt.datetime(2024, 3, 4, 1, 0, 0), dt.datetime(2024, 3, 4, 6, 0, 0)], pa.timestamp("s")
    ).cast(ts)
    first = pa.array(
        [dt.datetime(2024, 3, 4, 1, 0, 30), dt.datetime(2024, 3, 4, 6, 1, 30)], pa.timestamp("s")
    ).cast(ts)
    f = tmp_path / "logs.parquet"
    pq.write_table(
        pa.table({"entity_id": [1, 1], "created_at": created, "first_response_at": first}), f
    )
    res2 = log_indicators(read_logs(f), tree)
    assert list(res2.entity_ids) == ["1"]
    np.testing.assert_allclose(res2.extras["first_response_time.peak"], [30.0])
    np.testing.assert_allclose(res2.extras["first_response_time.offpeak"], [90.0])


def test_missing_columns_are_reported_not_dropped(tree: Any) -> None:
    res = tiny_result(tree)
    missing = {m.indicator: m.reason for m in res.missing}
    assert "log column resolved or resolved_at" in missing["resolution_rate"]
    assert "first_contact_resolved" in missing["first_contact_resolution"]
    assert "no statistic" in missing["damage_rate"] or "not derivable" in missing["damage_rate"]
    assert set(res.derived) == {"first_response_time", "response_rate", "response_consistency"}
    leaves = [leaf.id for leaf in tree.leaves()]
    assert len(res.derived) + len(res.missing) == len(leaves)
    out = res.to_table(empty_missing=True)
    assert out.column("damage_rate").null_count == 2
    assert "damage_rate" not in res.to_table().column_names


def test_units_follow_the_tree(tree: Any) -> None:
    d = tree_to_dict(tree)
    for node in d["nodes"]:
        if node["id"] == "first_response_time":
            node["unit"] = "min"
            node["bounds"] = [0, 5]
            node["membership"] = {"type": "standard", "points": [0.25, 0.5, 1, 3]}
            node["standards"] = []
    spec = tree_from_dict(d)
    res = log_indicators(parse_logs(table(TINY)), spec)
    np.testing.assert_allclose(res.values["first_response_time"], [40 / 60, 10 / 60])
    for node in d["nodes"]:
        if node["id"] == "response_rate":
            node["unit"] = "share"
    with pytest.raises(TreeSpecError, match=r"node 'response_rate'.*unit 'share'"):
        log_indicators(parse_logs(table(TINY)), tree_from_dict(d))


def test_entity_data_fills_the_rest_and_scores(tree: Any) -> None:
    from evalsys.engines.memory import score_entities
    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import indicator_data

    data = read_entities(SAMPLE)
    cols = generate_logs(20, 120, seed=11)
    logs = parse_logs(pa.table({k: pa.array(v, from_pandas=True) for k, v in cols.items()}))
    res = log_indicators(logs, tree, entities=data)
    assert res.n_rows == 500 and len(res.entities_without_logs) == 480
    assert res.missing == () and len(res.from_entity_data) == 12
    out = res.to_table()
    assert out.column("segment").to_pylist()[:2] == data.column("segment").to_pylist()[:2]
    frt = np.asarray(out.column("first_response_time").to_numpy(zero_copy_only=False))
    sample_frt = np.asarray(data.column("first_response_time").to_numpy(zero_copy_only=False))
    np.testing.assert_allclose(frt[20:], sample_frt[20:])  # no logs → the data's value
    np.testing.assert_allclose(frt[:20], res.values["first_response_time"][:20])
    assert not np.allclose(frt[:20], sample_frt[:20])  # logs win where they exist
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)
        scored = score_entities(compile_tree(tree), indicator_data(compile_tree(tree), out))
    assert scored.score.shape == (500,) and np.isfinite(scored.score).all()


# ------------------------------------------------------------------- generator


def test_generate_logs_deterministic_and_plausible(tree: Any) -> None:
    a = generate_logs(30, 100, seed=5)
    b = generate_logs(30, 100, seed=5)
    c = generate_logs(30, 100, seed=6)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["created_at"], c["created_at"])
    tab = pa.table({k: pa.array(v, from_pandas=True) for k, v in a.items()})
    res = log_indicators(parse_logs(tab), tree)
    assert set(res.derived) == {d.indicator for d in DERIVATIONS}
    v, x = res.values, res.extras
    for col in ("response_rate", "resolution_rate", "on_time_rate", "first_contact_resolution"):
        assert ((v[col] >= 0) & (v[col] <= 100)).all(), col
    assert 10 < np.median(v["first_response_time"]) < 120
    assert 0.3 < np.median(v["response_consistency"]) < 2.0
    assert 0.5 < np.median(v["complaint_handling_time"]) < 5
    assert 1 < np.median(v["return_handling_time"]) < 8  # around the 3–5 working-day band
    assert v["customer_satisfaction"].min() >= 1 and v["customer_satisfaction"].max() <= 5
    # the generator's weekend and peak slowdowns show up in the segments
    assert np.nanmean(x["first_response_time.weekend"]) > np.nanmean(
        x["first_response_time.weekday"]
    )
    assert np.nanmean(x["first_response_time.peak"]) > np.nanmean(x["first_response_time.offpeak"])


# ---------------------------------------------------------------------------- CLI


def _local_app() -> Any:
    import typer

    from evalsys.cli.indicators import indicators_cmd, sample_logs_cmd

    app = typer.Typer()
    app.command("indicators")(indicators_cmd)
    app.command("sample-logs")(sample_logs_cmd)
    return app


def test_cli_in_process(tmp_path: Path) -> None:
    app = _local_app()
    runner = CliRunner()
    logs = tmp_path / "logs.csv"
    r = runner.invoke(app, ["sample-logs", "-o", str(logs), "-n", "8", "--tickets", "60"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "ind.csv"
    r = runner.invoke(app, ["indicators", str(logs), "-o", str(out), "--json"])
    assert r.exit_code == 0, r.output
    summ = json.loads(r.output)
    assert summ["rows"] == 8 and len(summ["derived"]) == 19 and len(summ["missing"]) == 12
    t = read_table(out)
    assert t.num_rows == 8 and "first_response_time.p90" in t.column_names


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", *args], capture_output=True, text=True, check=False
    )


def test_cli_end_to_end(tmp_path: Path) -> None:
    """sample-logs → indicators (with the shipped sample as entity data) → score."""
    logs = tmp_path / "logs.csv"
    p = run("sample-logs", "-o", str(logs), "-n", "25", "--tickets", "80", "--seed", "3")
    assert p.returncode == 0, p.stderr
    hol = tmp_path / "holidays.txt"
    hol.write_text("2024-02-12\n2024-02-13\n", encoding="utf-8")
    out = tmp_path / "indicators.parquet"
    p = run(
        "indicators",
        str(logs),
        "-o",
        str(out),
        "--holidays",
        str(hol),
        "--period",
        "month",
    )
    assert p.returncode == 0, p.stderr
    assert "still missing for tree ecommerce_service (12)" in p.stdout
    assert "damage_rate" in p.stdout and "--id-column entity_period" in p.stdout
    t = read_table(out)
    assert set(t.column("period").to_pylist()) == {"2024-01", "2024-02", "2024-03"}
    data = tmp_path / "data.csv"
    p = run("indicators", str(logs), "-o", str(data), "--entities", str(SAMPLE), "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["missing"] == []
    scored = tmp_path / "scores.csv"
    p = run("score", "ecommerce_service", str(data), "-o", str(scored))
    assert p.returncode == 0, p.stderr
    assert read_table(scored).num_rows == 500


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    logs = tmp_path / "logs.csv"
    logs.write_text(
        "entity_id,type,created_at,first_response_at\n"
        "E1,inquiry,2024-03-04 10:00:00,2024-03-04 10:00:30\n"
        "E1,inquiry,2024-03-04 11:00,not a time\n",
        encoding="utf-8",
    )
    p = run("indicators", str(logs), "-o", str(tmp_path / "o.csv"))
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith("error: ")
    assert "column 'first_response_at'" in p.stderr and "'not a time'" in p.stderr
    assert "(rows 2)" in p.stderr
    assert not (tmp_path / "o.csv").exists()
