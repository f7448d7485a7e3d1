"""Alert-rule files: the pydantic models, the loader (file/line errors) and the tree check.

An alert-rule file is YAML or JSON::

    schema_version: 1
    rules:
      - {id: grade_down, type: grade_drop, steps: 1}
      - id: refund_slow_3
        type: standard_breach          # breach:<indicator> == 1 in k periods in a row
        indicator: refund_review_time
        periods: 3
        min_count: {column: refund_orders, at_least: 30}   # small-sample guard
      - {id: slow_reply, type: segment_gap, indicator: first_response_time, by: 0.25,
         relative: true}               # worse than the segment median by 25 %
      - {id: score_fall, type: score_drop, column: score, percent: 10}
      - {id: gold, type: tier, column: score, op: ">=", value: 80,
         lose_after: 3, regain_after: 2}
      - {id: gold_at_risk, type: projection, tier: gold, window: 3}

Rule types (``type``): ``grade_drop``, ``standard_breach``, ``segment_gap``,
``score_drop``, ``tier``, ``projection``.  :func:`load_rules` reports every problem as one
:class:`AlertRuleError` naming the file and line; with a tree it also rejects indicator and
dimension ids the tree does not have and fills in each indicator's better direction.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from evalsys.errors import TreeSpecError
from evalsys.history.errors import HistoryError
from evalsys.model.base import ID_PATTERN, FrozenModel
from evalsys.model.io import line_of, read_document, validate_document
from evalsys.model.nodes import DimensionNode, QuantitativeNode
from evalsys.model.tree import TreeSpec

__all__ = [
    "AlertRule",
    "AlertRuleError",
    "AlertRules",
    "GradeDropRule",
    "MinCount",
    "ProjectionRule",
    "ScoreDropRule",
    "SegmentGapRule",
    "StandardBreachRule",
    "TierRule",
    "load_rules",
    "reference_problem",
    "rules_from_dict",
]

SCORE_COLUMNS = ("score", "rank", "percentile")
"""Numeric panel columns every history holds besides indicators and ``dim:`` scores."""


class AlertRuleError(HistoryError):
    """An alert-rule file is invalid (malformed, unknown field, unknown indicator …)."""


class MinCount(FrozenModel):
    """Small-sample guard: no alert where ``column`` (an event count) is below ``at_least``.

    A guarded period counts as not measured: it raises nothing, and breaks "in a row" runs.
    """

    column: str = Field(min_length=1)
    at_least: float = Field(gt=0)


class _Rule(FrozenModel):
    id: str = Field(pattern=ID_PATTERN)
    name: str | None = Field(default=None, description="Display name; defaults to the id.")
    severity: Literal["info", "warning", "critical"] = "warning"
    min_count: MinCount | None = None

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def columns(self) -> tuple[str, ...]:
        """Panel columns the rule reads (numeric and label columns)."""
        guard = (self.min_count.column,) if self.min_count else ()
        return (*self._own_columns(), *guard)

    def _own_columns(self) -> tuple[str, ...]:
        return ()


class GradeDropRule(_Rule):
    """Grade worse than in the previous period by at least ``steps`` grades."""

    type: Literal["grade_drop"]
    steps: int = Field(default=1, ge=1)

    def _own_columns(self) -> tuple[str, ...]:
        return ("grade",)


class StandardBreachRule(_Rule):
    """Standard of ``indicator`` breached (``breach:<indicator>`` = 1) ``periods`` in a row."""

    type: Literal["standard_breach"]
    indicator: str = Field(min_length=1)
    periods: int = Field(default=1, ge=1)

    def _own_columns(self) -> tuple[str, ...]:
        return (f"breach:{self.indicator}", self.indicator)


class SegmentGapRule(_Rule):
    """``indicator`` worse than the median of the entity's segment (that period) by ``by``.

    ``relative``: ``by`` is a share of the median (0.2 = 20 % worse), else in the
    indicator's unit.  ``better`` (``higher``/``lower``) comes from the tree's direction when
    the rules are loaded with a tree; target and interval indicators must state it.
    ``by_segment: false`` compares with the median over all entities.  The median needs at
    least ``min_peers`` measured entities.
    """

    type: Literal["segment_gap"]
    indicator: str = Field(min_length=1)
    by: float = Field(ge=0)
    relative: bool = False
    better: Literal["higher", "lower"] | None = None
    by_segment: bool = True
    min_peers: int = Field(default=5, ge=1)

    def _own_columns(self) -> tuple[str, ...]:
        return (self.indicator, "segment") if self.by_segment else (self.indicator,)


class ScoreDropRule(_Rule):
    """``column`` (``score`` or ``dim:<id>``) fell by more than ``percent`` % in one period."""

    type: Literal["score_drop"]
    column: str = "score"
    percent: float = Field(gt=0)

    def _own_columns(self) -> tuple[str, ...]:
        return (self.column,)


Op = Literal[">=", ">", "<=", "<"]


class TierRule(_Rule):
    """A tier held while ``column op value``; lost after ``lose_after`` failing periods in a
    row and regained after ``regain_after`` passing ones (warnings in between)."""

    type: Literal["tier"]
    column: str = Field(min_length=1)
    op: Op
    value: float
    lose_after: int = Field(default=3, ge=1)
    regain_after: int = Field(default=1, ge=1)
    initial: Literal["held", "not_held", "first_period"] = "first_period"

    def _own_columns(self) -> tuple[str, ...]:
        return (self.column,)


class ProjectionRule(_Rule):
    """Projected next period (linear trend over the last ``window`` periods).

    With ``tier``: alert when the tier rule of that id would be lost (or regained) next
    period if the projection came true.  Otherwise with ``column``, ``op``, ``value``: alert
    when the condition holds now but the projected value fails it.
    """

    type: Literal["projection"]
    window: int = Field(default=3, ge=2)
    tier: str | None = None
    column: str | None = None
    op: Op | None = None
    value: float | None = None

    @model_validator(mode="after")
    def _target(self) -> ProjectionRule:
        direct = (self.column, self.op, self.value)
        if self.tier is not None and any(v is not None for v in direct):
            raise ValueError("give either 'tier' or 'column', 'op' and 'value', not both")
        if self.tier is None and any(v is None for v in direct):
            raise ValueError("needs 'tier' (a tier rule id) or all of 'column', 'op', 'value'")
        return self

    def _own_columns(self) -> tuple[str, ...]:
        return (self.column,) if self.column is not None else ()


AlertRule = Annotated[
    GradeDropRule | StandardBreachRule | SegmentGapRule | ScoreDropRule | TierRule | ProjectionRule,
    Field(discriminator="type"),
]


class AlertRules(FrozenModel):
    """A validated alert-rule file."""

    schema_version: Literal[1] = 1
    rules: tuple[AlertRule, ...] = Field(min_length=1)
    source: str | None = Field(default=None, description="Provenance of the thresholds.")

    @property
    def columns(self) -> tuple[str, ...]:
        """Every panel column the rules read, in first-use order (no repeats)."""
        out: dict[str, None] = {}
        for r in self.rules:
            for c in r.columns:
                out.setdefault(c, None)
        for r in self.rules:  # a projection of a tier reads the tier's column
            if isinstance(r, ProjectionRule) and r.tier is not None:
                out.setdefault(self.rule(r.tier).columns[0], None)
        return tuple(out)

    def rule(self, rule_id: str) -> AlertRule:
        """The rule with ``rule_id`` (KeyError if absent)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


# ----------------------------------------------------------------------- checks

Problem = tuple[tuple[str | int, ...], str]
"""Where a rule file is wrong (pydantic-style location) and the message."""


def reference_problem(rules: AlertRules) -> Problem | None:
    """The first repeated rule id or projection naming no tier rule, else None."""
    seen: set[str] = set()
    tiers = sorted(r.id for r in rules.rules if isinstance(r, TierRule))
    for i, r in enumerate(rules.rules):
        if r.id in seen:
            return ("rules", i, "id"), f"rule id '{r.id}' is used twice"
        seen.add(r.id)
        if isinstance(r, ProjectionRule) and r.tier is not None and r.tier not in tiers:
            known = ", ".join(tiers) or "none"
            msg = f"rule '{r.id}': tier '{r.tier}' is not a tier rule (tier rules: {known})"
            return ("rules", i, "tier"), msg
    return None


def _check_against_tree(rules: AlertRules, tree: TreeSpec) -> tuple[AlertRules, Problem | None]:
    """The rules with ``better`` filled in from the tree, and the first unknown id (or None)."""
    leaves = {n.id: n for n in tree.leaves()}
    dims = {n.id for n in tree.nodes if isinstance(n, DimensionNode)}
    known = ", ".join(leaves)

    def column_ok(col: str) -> bool:
        if col in SCORE_COLUMNS or col in leaves:
            return True
        if col.startswith("dim:"):
            return col[4:] in dims
        if col.startswith("breach:"):
            return col[7:] in leaves
        return False

    out: list[Any] = []
    for i, r in enumerate(rules.rules):
        indicator = getattr(r, "indicator", None)
        if indicator is not None and indicator not in leaves:
            msg = f"rule '{r.id}': unknown indicator '{indicator}'; tree '{tree.id}' has {known}"
            return rules, (("rules", i, "indicator"), msg)
        column = getattr(r, "column", None)
        if column is not None and not column_ok(column):
            msg = (
                f"rule '{r.id}': unknown column '{column}'; use 'score', 'rank', 'percentile', "
                f"'dim:<dimension id>' or an indicator id of tree '{tree.id}'"
            )
            return rules, (("rules", i, "column"), msg)
        if isinstance(r, ScoreDropRule) and not (
            r.column == "score" or r.column.startswith("dim:")
        ):
            msg = f"rule '{r.id}': score_drop needs column 'score' or 'dim:<dimension id>'"
            return rules, (("rules", i, "column"), msg)
        if isinstance(r, SegmentGapRule) and r.better is None:
            node = leaves[r.indicator]
            if isinstance(node, QuantitativeNode) and node.direction in ("target", "interval"):
                msg = (
                    f"rule '{r.id}': indicator '{r.indicator}' has direction "
                    f"'{node.direction}'; say 'better: higher' or 'better: lower'"
                )
                return rules, (("rules", i, "indicator"), msg)
            cost = isinstance(node, QuantitativeNode) and node.direction == "cost"
            r = r.model_copy(update={"better": "lower" if cost else "higher"})
        out.append(r)
    return rules.model_copy(update={"rules": tuple(out)}), None


# ---------------------------------------------------------------------- loading


def _message(exc: ValidationError) -> tuple[str, tuple[str | int, ...]]:
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    tags = {"grade_drop", "standard_breach", "segment_gap", "score_drop", "tier", "projection"}
    shown = [p for p in loc if p not in tags]
    msg = str(err["msg"]).removeprefix("Value error, ")
    kind = err["type"]
    if kind in ("extra_forbidden", "missing"):
        what = "unknown field" if kind == "extra_forbidden" else "missing required field"
        msg = f"{what} '{loc[-1]}'"
        shown = shown[:-1]
    elif kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        msg = f"unknown rule type '{ctx.get('tag')}'; valid: {ctx.get('expected_tags')}"
    elif kind == "union_tag_not_found":
        msg = "missing field 'type'"
    field = ".".join(str(p) for p in shown)
    extra = len(exc.errors()) - 1
    text = f"{field}: {msg}" if field else msg
    if extra > 0:
        text += f" ({extra} more problem{'s' if extra > 1 else ''} in this file)"
    return text, loc


def rules_from_dict(
    data: Any, *, tree: TreeSpec | None = None, file: str | None = None, text: str | None = None
) -> AlertRules:
    """Validate a parsed rule document (and check it against ``tree`` when given).

    Errors are one :class:`AlertRuleError` naming ``file`` and the line (from ``text``).
    """

    try:
        rules = validate_document(
            AlertRules, data, file=file, text=text, what="alert-rule", message=_message
        )
    except TreeSpecError as exc:
        raise AlertRuleError(exc.message, file=exc.file, line=exc.line) from None
    problem = reference_problem(rules)
    if problem is None and tree is not None:
        rules, problem = _check_against_tree(rules, tree)
    if problem is not None:
        loc, msg = problem
        line = line_of(text, loc) if text is not None and loc else None
        raise AlertRuleError(msg, file=file, line=line)
    return rules


def load_rules(path: str | os.PathLike[str], tree: TreeSpec | None = None) -> AlertRules:
    """Load an alert-rule file (YAML or JSON).

    Parameters
    ----------
    path
        The rule file.
    tree
        When given, indicator and ``dim:`` ids are checked against it (unknown ones are an
        error with the line) and each ``segment_gap`` rule's ``better`` is filled in from
        the indicator's direction.

    Raises
    ------
    AlertRuleError
        With file and line, for malformed YAML/JSON, unknown fields or rule types, duplicate
        rule ids, a projection naming no tier rule, or an id the tree does not have.
    """
    file = str(path)
    try:
        data, text = read_document(Path(path), file, what="alert-rule files")
    except TreeSpecError as exc:
        raise AlertRuleError(exc.message, file=exc.file, line=exc.line) from None
    return rules_from_dict(data, tree=tree, file=file, text=text)
