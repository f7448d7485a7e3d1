"""The array side of alert evaluation: one function per rule type, masks over a Panel.

Each function returns :class:`Hits`: the ``(n_periods, n_entities)`` mask of raised alerts,
the value arrays behind them, the evidence span (periods up to and including the alert's),
the column whose values are the evidence, a message builder and the number of
entity-periods the small-sample guard silenced.  Everything is computed with array
operations, looping over periods only; :mod:`evalsys.history.alerts` turns the hits into
:class:`~evalsys.history.alerts.Alert` records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.errors import DataError
from evalsys.history.hysteresis import EVENT_NAMES, TierTrack, track_tier
from evalsys.history.panel import Panel
from evalsys.history.projection import project_linear
from evalsys.history.rules import (
    AlertRule,
    AlertRules,
    GradeDropRule,
    ProjectionRule,
    ScoreDropRule,
    SegmentGapRule,
    StandardBreachRule,
    TierRule,
)

__all__ = ["Hits", "Value", "rule_hits", "tier_track"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Value = float | str | None
"""One value of an alert: a number (NaN = absent) or a label."""


def _num(v: Value) -> float:
    return float(v) if isinstance(v, float) else math.nan


@dataclass
class Hits:
    """Alerts of one rule as arrays; ``kind`` is an array where kinds differ per hit."""

    rule: AlertRule
    mask: BoolArray
    kind: str | npt.NDArray[np.str_]
    values: dict[str, npt.NDArray[Any]]
    span: npt.NDArray[np.int64] | int
    main: FloatArray | None
    text: Callable[[str, dict[str, Value]], str]
    suppressed: int = 0


def _column(panel: Panel, rule: AlertRule, name: str) -> FloatArray:
    if name not in panel.values:
        have = ", ".join(sorted(panel.values)) or "none"
        raise DataError(
            f"alert rule '{rule.id}' reads column '{name}', which the history does not hold "
            f"(numeric columns: {have})"
        )
    return np.asarray(panel.values[name], dtype=np.float64)


def _labels(panel: Panel, rule: AlertRule, name: str) -> npt.NDArray[np.str_]:
    if name not in panel.labels:
        raise DataError(f"alert rule '{rule.id}' needs the '{name}' labels of the history")
    return panel.labels[name]


def _guard(panel: Panel, rule: AlertRule) -> BoolArray:
    """True where the small-sample guard lets the rule speak (no guard: everywhere)."""
    if rule.min_count is None:
        return np.ones((panel.n_periods, panel.n_entities), dtype=np.bool_)
    counts = _column(panel, rule, rule.min_count.column)
    with np.errstate(invalid="ignore"):
        return np.asarray(counts >= rule.min_count.at_least)


def _runs(cond: BoolArray) -> npt.NDArray[np.int64]:
    """Length of the run of True ending at each period (0 where False)."""
    out = np.zeros(cond.shape, dtype=np.int64)
    run = np.zeros(cond.shape[1], dtype=np.int64)
    for t in range(cond.shape[0]):
        run = np.where(cond[t], run + 1, 0)
        out[t] = run
    return out


def _shift(a: npt.NDArray[Any], fill: Any) -> npt.NDArray[Any]:
    """``a`` moved down one period (row t holds period t-1), first row ``fill``."""
    out = np.empty_like(a)
    out[0] = fill
    out[1:] = a[:-1]
    return out


def _compare(x: FloatArray, op: str, value: float) -> BoolArray:
    with np.errstate(invalid="ignore"):
        if op == ">=":
            return np.asarray(x >= value)
        if op == ">":
            return np.asarray(x > value)
        if op == "<=":
            return np.asarray(x <= value)
        return np.asarray(x < value)


def _grade_drop(panel: Panel, rule: GradeDropRule) -> Hits:
    grades = _labels(panel, rule, "grade")
    points = panel.grade_points()
    steps = points - _shift(points, np.nan)
    guard = _guard(panel, rule)
    with np.errstate(invalid="ignore"):
        drop = steps >= rule.steps
    main = panel.values.get("score")
    return Hits(
        rule,
        drop & guard,
        "grade_drop",
        {"grade": grades, "previous_grade": _shift(grades, ""), "steps": steps},
        2,
        None if main is None else np.asarray(main, dtype=np.float64),
        lambda _k, v: f"grade fell {v['steps']:g} step(s): {v['previous_grade']} → {v['grade']}",
        int(np.count_nonzero(drop & ~guard)),
    )


def _standard_breach(panel: Panel, rule: StandardBreachRule) -> Hits:
    breach = _column(panel, rule, f"breach:{rule.indicator}")
    value = _column(panel, rule, rule.indicator)
    guard = _guard(panel, rule)
    breached = breach == 1.0
    run = _runs(breached & guard)
    raw = _runs(breached)
    k = rule.periods
    return Hits(
        rule,
        run >= k,
        "standard_breach",
        {"value": value, "consecutive": run.astype(np.float64)},
        k,
        value,
        lambda _k, v: (
            f"{rule.indicator} breached its standard {v['consecutive']:g} period(s) in a row "
            f"(value {v['value']:.4g})"
        ),
        int(np.count_nonzero((raw >= k) & (run < k))),
    )


def _group_median(
    x: FloatArray, codes: npt.NDArray[np.intp], n_groups: int
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Median and count of the finite ``x`` per group code, one value per group."""
    ok = np.isfinite(x)
    xs, cs = x[ok], codes[ok]
    order = np.lexsort((xs, cs))
    xs, cs = xs[order], cs[order]
    n = np.bincount(cs, minlength=n_groups).astype(np.int64)
    start = np.cumsum(n) - n
    med = np.full(n_groups, np.nan)
    has = n > 0
    lo = xs[(start + (n - 1) // 2)[has]]
    hi = xs[(start + n // 2)[has]]
    med[has] = np.where(lo == hi, lo, (lo + hi) / 2)
    return med, n


def _segment_gap(panel: Panel, rule: SegmentGapRule) -> Hits:
    x = _column(panel, rule, rule.indicator)
    guard = _guard(panel, rule)
    shape = x.shape
    if rule.by_segment:
        segments = _labels(panel, rule, "segment")
    else:
        segments = np.full(shape, "", dtype=np.str_)
    median = np.full(shape, np.nan)
    peers = np.zeros(shape, dtype=np.int64)
    for t in range(shape[0]):
        names, codes = np.unique(segments[t], return_inverse=True)
        measured = np.where(guard[t], x[t], np.nan)
        med, n = _group_median(measured, codes, len(names))
        median[t], peers[t] = med[codes], n[codes]
    gap = x - median
    worse_by = gap if rule.better == "lower" else -gap
    limit = rule.by * np.abs(median) if rule.relative else np.full(shape, rule.by)
    with np.errstate(invalid="ignore"):
        worse = (worse_by > limit) & (peers >= rule.min_peers)
    where = "segment" if rule.by_segment else "overall"
    unit = "%" if rule.relative else ""
    by = rule.by * 100 if rule.relative else rule.by
    return Hits(
        rule,
        worse & guard,
        "segment_gap",
        {
            "value": x,
            "median": median,
            "gap": gap,
            "segment": segments,
            "peers": peers.astype(np.float64),
        },
        1,
        x,
        lambda _k, v: (
            f"{rule.indicator} {v['value']:.4g} is worse than the {where} median "
            f"{v['median']:.4g}{' of ' + str(v['segment']) if v['segment'] else ''} by more "
            f"than {by:g}{unit} (gap {v['gap']:+.4g}, {v['peers']:g} peers)"
        ),
        int(np.count_nonzero(worse & ~guard)),
    )


def _score_drop(panel: Panel, rule: ScoreDropRule) -> Hits:
    s = _column(panel, rule, rule.column)
    prev = _shift(s, np.nan)
    guard = _guard(panel, rule)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = (s - prev) / np.abs(prev) * 100.0
        fell = (change < -rule.percent) & (prev != 0)
    return Hits(
        rule,
        fell & guard,
        "score_drop",
        {"value": s, "previous": prev, "change_pct": change},
        2,
        s,
        lambda _k, v: (
            f"{rule.column} fell {-_num(v['change_pct']):.1f}% in one period "
            f"({v['previous']:.2f} → {v['value']:.2f}; limit {rule.percent:g}%)"
        ),
        int(np.count_nonzero(fell & ~guard)),
    )


def _tier_inputs(panel: Panel, rule: TierRule) -> tuple[FloatArray, FloatArray, BoolArray]:
    """(column, passing as 1/0/NaN, guard) of a tier rule."""
    x = _column(panel, rule, rule.column)
    guard = _guard(panel, rule)
    passing = np.where(_compare(x, rule.op, rule.value), 1.0, 0.0)
    passing[~np.isfinite(x) | ~guard] = np.nan
    return x, passing, guard


def tier_track(panel: Panel, rule: TierRule) -> TierTrack:
    """The hysteresis track of a tier rule over the panel."""
    _, passing, _ = _tier_inputs(panel, rule)
    initial = {"held": True, "not_held": False}.get(rule.initial)
    return track_tier(
        passing,
        lose_after=rule.lose_after,
        regain_after=rule.regain_after,
        initial_held=initial,
    )


def _tier(panel: Panel, rule: TierRule, track: TierTrack) -> Hits:
    x, _, guard = _tier_inputs(panel, rule)
    names = np.asarray(EVENT_NAMES, dtype=np.str_)[track.event]
    need = f"{rule.column} {rule.op} {rule.value:g}"

    def text(kind: str, v: dict[str, Value]) -> str:
        n, got = v["streak"], f"{rule.column} {v['value']:.4g}"
        if kind == "tier_warning":
            return (
                f"tier '{rule.label}' at risk: {got} fails {need}, "
                f"{n:g} of {rule.lose_after} period(s) in a row"
            )
        if kind == "tier_lost":
            return f"tier '{rule.label}' lost: {got} failed {need} {n:g} period(s) in a row"
        if kind == "tier_recovering":
            return (
                f"tier '{rule.label}' recovering: {got} meets {need}, "
                f"{n:g} of {rule.regain_after} period(s)"
            )
        return f"tier '{rule.label}' regained: {need} met {n:g} period(s) in a row"

    failing = ~_compare(x, rule.op, rule.value) & np.isfinite(x)
    return Hits(
        rule,
        track.event > 0,
        names,
        {"value": x, "streak": track.streak.astype(np.float64), "held": track.held},
        track.streak,
        x,
        text,
        int(np.count_nonzero(failing & ~guard)),
    )


def _projection(
    panel: Panel, rule: ProjectionRule, rules: AlertRules, tracks: Mapping[str, TierTrack]
) -> Hits:
    tier = rules.rule(rule.tier) if rule.tier is not None else None
    if isinstance(tier, TierRule):  # reference_problem checked that a tier names one
        column, op, value = tier.column, tier.op, tier.value
        guard = _guard(panel, tier) & _guard(panel, rule)
    else:  # the model validator checked that these are all given
        column, value = str(rule.column), float(rule.value or 0.0)
        op = rule.op or ">="
        guard = _guard(panel, rule)
    x = _column(panel, rule, column)
    proj = project_linear(np.where(guard, x, np.nan), rule.window)
    ok_next = _compare(proj.projected, op, value)
    known = np.isfinite(proj.projected)
    need = f"{column} {op} {value:g}"
    if isinstance(tier, TierRule):
        t = tracks[tier.id]
        lose = t.known & t.held & known & ~ok_next & (t.fail_streak + 1 >= tier.lose_after)
        regain = t.known & ~t.held & known & ok_next & (t.pass_streak + 1 >= tier.regain_after)
        mask = lose | regain
        kind: str | npt.NDArray[np.str_] = np.where(
            lose, "projected_tier_loss", "projected_tier_regain"
        ).astype(np.str_)
    else:
        mask = _compare(x, op, value) & guard & known & ~ok_next
        kind = "projected_breach"
    outcome = {
        "projected_tier_loss": f"tier '{rule.tier}' would be lost next period",
        "projected_tier_regain": f"tier '{rule.tier}' would be regained next period",
        "projected_breach": f"would fail {need} next period",
    }

    def text(k: str, v: dict[str, Value]) -> str:
        return (
            f"{outcome[k]}: {column} {v['value']:.4g}, trend {v['slope']:+.3g} per period over "
            f"{rule.window} periods, projected {v['projected']:.4g} (needs {need})"
        )

    return Hits(
        rule,
        mask,
        kind,
        {"value": x, "projected": proj.projected, "slope": proj.slope},
        rule.window,
        x,
        text,
    )


def rule_hits(
    panel: Panel, rule: AlertRule, rules: AlertRules, tracks: Mapping[str, TierTrack]
) -> Hits:
    """The hits of one rule; ``tracks`` holds the tier tracks (:func:`tier_track`) by id."""
    if isinstance(rule, GradeDropRule):
        return _grade_drop(panel, rule)
    if isinstance(rule, StandardBreachRule):
        return _standard_breach(panel, rule)
    if isinstance(rule, SegmentGapRule):
        return _segment_gap(panel, rule)
    if isinstance(rule, ScoreDropRule):
        return _score_drop(panel, rule)
    if isinstance(rule, TierRule):
        return _tier(panel, rule, tracks[rule.id])
    return _projection(panel, rule, rules, tracks)
