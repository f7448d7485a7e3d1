"""Alert evaluation: every rule of an :class:`~evalsys.history.rules.AlertRules` over a Panel.

Each rule becomes boolean ``(n_periods, n_entities)`` masks computed with array operations
(loops over periods only, never over entities); only the raised alerts are turned into
:class:`Alert` records, each naming the entity, rule, period, values and the evidence
periods (the periods that made the rule fire, oldest first, with the rule's column values).

"Previous period" and "in a row" refer to adjacent periods of the panel.  A small-sample
guard (``min_count``) makes a period with too few events count as not measured: it raises
no alert and breaks runs; :attr:`AlertResult.suppressed` counts what it silenced.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.history.checks import Hits, Value, rule_hits, tier_track
from evalsys.history.errors import PeriodError
from evalsys.history.hysteresis import TierTrack
from evalsys.history.panel import Panel
from evalsys.history.rules import AlertRuleError, AlertRules, TierRule, reference_problem

__all__ = ["Alert", "AlertResult", "evaluate_alerts"]


@dataclass(frozen=True, slots=True)
class Alert:
    """One raised alert.

    Attributes
    ----------
    entity, rule, period
        Who, which rule (its id) and when.
    kind
        What happened: the rule type, or for tiers ``tier_warning`` / ``tier_lost`` /
        ``tier_recovering`` / ``tier_regained``, for projections ``projected_tier_loss`` /
        ``projected_tier_regain`` / ``projected_breach``.
    severity
        ``info``, ``warning`` or ``critical``.
    message
        One readable sentence.
    values
        The numbers behind it (``value``, ``previous``, ``median``, ``projected`` …).
    evidence
        Evidence periods, oldest first, ending at ``period``.
    evidence_values
        The rule's column in each evidence period (NaN where absent).
    """

    entity: str
    rule: str
    kind: str
    period: str
    severity: str
    message: str
    values: Mapping[str, Value]
    evidence: tuple[str, ...]
    evidence_values: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN as None)."""
        return {
            "entity": self.entity,
            "rule": self.rule,
            "kind": self.kind,
            "period": self.period,
            "severity": self.severity,
            "message": self.message,
            "values": {k: _json(v) for k, v in self.values.items()},
            "evidence": list(self.evidence),
            "evidence_values": [_json(v) for v in self.evidence_values],
        }


def _json(v: Value) -> Value:
    return None if isinstance(v, float) and not math.isfinite(v) else v


@dataclass(frozen=True)
class AlertResult:
    """Alerts of a rule set over a panel.

    Attributes
    ----------
    alerts
        Sorted by period, rule (file order), entity.
    periods
        The periods alerts were raised for.
    rules
        The rules evaluated.
    suppressed
        Rule id -> entity-periods that would have alerted but had too few events.
    tiers
        Tier rule id -> its :class:`~evalsys.history.hysteresis.TierTrack` over the panel.
    """

    alerts: tuple[Alert, ...]
    periods: tuple[str, ...]
    rules: AlertRules
    suppressed: Mapping[str, int] = field(default_factory=dict)
    tiers: Mapping[str, TierTrack] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.alerts)

    def counts(self) -> dict[str, int]:
        """Alerts per rule id (every rule listed, zeros included)."""
        out = {r.id: 0 for r in self.rules.rules}
        for a in self.alerts:
            out[a.rule] += 1
        return out

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every alert as a JSON-ready dict."""
        return [a.to_dict() for a in self.alerts]

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """Columns for :func:`evalsys.model.tables.write_table` (values as JSON text)."""
        import json

        cols: dict[str, list[Any]] = {
            k: []
            for k in ("period", "entity_id", "rule", "kind", "severity", "message", "evidence")
        }
        cols["values"] = []
        for a in self.alerts:
            for k, v in (
                ("period", a.period),
                ("entity_id", a.entity),
                ("rule", a.rule),
                ("kind", a.kind),
                ("severity", a.severity),
                ("message", a.message),
                ("evidence", " ".join(a.evidence)),
            ):
                cols[k].append(v)
            cols["values"].append(json.dumps(a.to_dict()["values"], ensure_ascii=False))
        return {k: np.asarray(v, dtype=np.str_) for k, v in cols.items()}


# ---------------------------------------------------------------- evaluation


def _value(a: npt.NDArray[Any], t: int, e: int) -> Value:
    v = a[t, e]
    if isinstance(v, np.str_ | str):
        return str(v)
    return float(v)


def _materialise(
    panel: Panel, hits: Hits, rule_pos: int, rows: npt.NDArray[np.bool_]
) -> list[tuple[int, int, str, Alert]]:
    out: list[tuple[int, int, str, Alert]] = []
    rule = hits.rule
    ts, es = np.nonzero(hits.mask & rows[:, None])
    for t, e in zip(ts.tolist(), es.tolist(), strict=True):
        kind = hits.kind if isinstance(hits.kind, str) else str(hits.kind[t, e])
        span = hits.span if isinstance(hits.span, int) else int(hits.span[t, e])
        first = max(t - span + 1, 0)
        vals = {k: _value(a, t, e) for k, a in hits.values.items()}
        message = hits.text(kind, vals)
        used = dict.fromkeys(panel.versions[first : t + 1])
        if len(used) > 1:
            message += f" [scored under rule versions {' → '.join(used)}]"
        severity = rule.severity
        if kind in ("tier_recovering", "tier_regained", "projected_tier_regain"):
            severity = "info"
        elif kind == "tier_warning" and severity == "critical":
            severity = "warning"
        evidence_values = (
            tuple(float(v) for v in hits.main[first : t + 1, e]) if hits.main is not None else ()
        )
        entity = str(panel.entity_ids[e])
        alert = Alert(
            entity=entity,
            rule=rule.id,
            kind=kind,
            period=panel.periods[t],
            severity=severity,
            message=message,
            values=vals,
            evidence=panel.periods[first : t + 1],
            evidence_values=evidence_values,
        )
        out.append((t, rule_pos, entity, alert))
    return out


def evaluate_alerts(
    panel: Panel, rules: AlertRules, *, periods: Sequence[str] | None = None
) -> AlertResult:
    """Evaluate every rule over ``panel``.

    Parameters
    ----------
    panel
        The history (it must hold :attr:`AlertRules.columns`, plus ``grade`` labels for
        ``grade_drop`` and ``segment`` labels for ``segment_gap`` by segment).
    rules
        Validated rules (:func:`~evalsys.history.rules.load_rules`).
    periods
        Raise alerts only for these periods (default: every period); earlier periods still
        count as history (runs, previous period, projection windows).

    Returns
    -------
    AlertResult

    Raises
    ------
    AlertRuleError
        For a repeated rule id or a projection naming no tier rule.
    DataError
        When the panel lacks a column a rule reads.
    PeriodError
        For a period that is not in the panel.
    """
    problem = reference_problem(rules)
    if problem is not None:
        raise AlertRuleError(problem[1])
    rows = np.ones(panel.n_periods, dtype=np.bool_)
    if periods is not None:
        unknown = [p for p in periods if p not in panel.periods]
        if unknown:
            raise PeriodError(
                f"unknown period {unknown[0]!r}; the history has {', '.join(panel.periods)}"
            )
        rows = np.isin(np.asarray(panel.periods, dtype=np.str_), np.asarray(periods, dtype=np.str_))
    tracks = {r.id: tier_track(panel, r) for r in rules.rules if isinstance(r, TierRule)}
    found: list[tuple[int, int, str, Alert]] = []
    suppressed: dict[str, int] = {}
    for pos, rule in enumerate(rules.rules):
        hits = rule_hits(panel, rule, rules, tracks)
        suppressed[rule.id] = hits.suppressed
        found += _materialise(panel, hits, pos, rows)
    found.sort(key=lambda item: item[:3])
    return AlertResult(
        alerts=tuple(a for *_, a in found),
        periods=tuple(p for p, keep in zip(panel.periods, rows.tolist(), strict=True) if keep),
        rules=rules,
        suppressed=suppressed,
        tiers=tracks,
    )
