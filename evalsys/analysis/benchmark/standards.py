"""Standards profiles: the model of a standards file, its checks and its loading.

**Standards profiles** (:class:`StandardsProfile`, loaded by :func:`load_standards`) are
versioned YAML/JSON files with provenance: per indicator a limit (``<=``, ``<``, ``>=``,
``>``, ``between``) in the indicator's unit, optionally restricted to a segment of the
entities by a selector such as ``applies_to: {segment: electronics}`` or
``applies_to: {tier: large}`` (several keys = all must match).  Entries may carry their own
severity bands (``severity: {minor: 0.1, major: 0.5}``, see
:mod:`~evalsys.analysis.benchmark.compliance` for how they grade a failure).  To catch typos
in selector keys and values early, a profile may declare its segment columns and values
(``segments:``); selectors are then checked when the profile is loaded.

A profile is checked on its own (declared selectors, duplicate or conflicting entries,
limit 0 with relative severity bands) and, when a tree is given, against the tree
(:func:`check_profile`).  Loading reads the document with
:func:`~evalsys.model.io.read_document` and validates it with
:func:`~evalsys.model.io.validate_document`, like a tree file: every problem is one
:class:`~evalsys.errors.TreeSpecError` naming the file, the line and the indicator.

Rules
-----
Units
    A standard's ``unit`` must equal the indicator's unit (quantitative: its ``unit``;
    rating: ``rating``; checklist: ``items`` for counts, ``share`` for shares).  Units are
    never converted implicitly: hours and working days are not convertible without a
    working calendar.

References
----------
.. [1] Seed document 001, 电商服务质量评价体系构建 (第四部分 售后服务评价标准; 第五部分 物流配送
       质量评估): the document figures of the shipped profile ``ecommerce_documents``.
"""

from __future__ import annotations

import datetime
import difflib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from evalsys.errors import EvalsysWarning, TreeSpecError
from evalsys.model.base import ID_PATTERN, located_error
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import allowed_range
from evalsys.model.io import DocumentEntries, read_document, shipped_path, validate_document
from evalsys.model.nodes import (
    ChecklistNode,
    DimensionNode,
    QuantitativeNode,
    RatingNode,
    check_op_value,
)
from evalsys.model.tree import TreeSpec

__all__ = [
    "PROFILE_SCHEMA_VERSION",
    "SeverityBands",
    "StandardEntry",
    "StandardsProfile",
    "StandardsWarning",
    "check_profile",
    "indicator_unit",
    "load_standards",
    "shipped_standards",
    "standards_from_dict",
]

PROFILE_SCHEMA_VERSION: Literal[1] = 1


class StandardsWarning(EvalsysWarning):
    """A standard applies to no entity (empty segment)."""


# ============================================================================ model


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SeverityBands(_Model):
    """Limits of the ``minor`` and ``major`` bands of a failed standard.

    With ``basis: relative`` (default) they are fractions of the limit (0.10 = 10 % beyond
    the limit); with ``basis: absolute`` they are gaps in the indicator's unit.
    """

    minor: float = Field(default=0.10, gt=0)
    major: float = Field(default=0.50, gt=0)
    basis: Literal["relative", "absolute"] = "relative"

    @model_validator(mode="after")
    def _ordered(self) -> SeverityBands:
        if not (math.isfinite(self.minor) and math.isfinite(self.major)):
            raise ValueError("severity bands must be finite")
        if self.minor > self.major:
            raise ValueError(f"need minor <= major, got minor {self.minor}, major {self.major}")
        return self


class StandardEntry(_Model):
    """One standard: ``indicator op value unit``, optionally for one segment only."""

    indicator: str = Field(pattern=ID_PATTERN)
    op: Literal["<=", "<", ">=", ">", "between"]
    value: float | tuple[float, float]
    unit: str = Field(min_length=1)
    applies_to: dict[str, str] | None = Field(
        default=None,
        description="Segment selector, e.g. {segment: electronics}; all keys must match.",
    )
    source: str | None = None
    illustrative: bool = False
    note: str | None = None
    severity: SeverityBands | None = None

    @field_validator("applies_to")
    @classmethod
    def _selector(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is not None and not v:
            raise ValueError("an empty selector; omit 'applies_to' for a general standard")
        return v

    @model_validator(mode="after")
    def _value_matches_op(self) -> StandardEntry:
        vals = self.value if isinstance(self.value, tuple) else (self.value,)
        if not all(math.isfinite(x) for x in vals):
            raise ValueError("the limit must be a finite number")
        check_op_value(self.op, self.value)
        return self

    @property
    def side(self) -> Literal["upper", "lower", "both"]:
        """Which side the limit bounds: ``upper`` (<=, <), ``lower`` (>=, >) or ``both``."""
        if self.op in ("<=", "<"):
            return "upper"
        if self.op in (">=", ">"):
            return "lower"
        return "both"

    @property
    def selector(self) -> tuple[tuple[str, str], ...]:
        """The selector as sorted (column, value) pairs; empty for a general standard."""
        return tuple(sorted((self.applies_to or {}).items()))

    def describe(self) -> str:
        """``<= 30 min``, ``between 3–5 working_day`` …"""
        if isinstance(self.value, tuple):
            return f"between {self.value[0]:g}–{self.value[1]:g} {self.unit}"
        return f"{self.op} {self.value:g} {self.unit}"

    def describe_selector(self) -> str:
        """``segment=electronics`` or ``all``."""
        return ", ".join(f"{k}={v}" for k, v in self.selector) or "all"


class StandardsProfile(_Model):
    """A versioned set of standards with provenance (a standards file).

    Attributes
    ----------
    id, version
        Identifier and version of the profile (both required: results record them).
    source
        Provenance of the profile as a whole; every entry may add its own ``source``.
    tree
        Id of the tree the profile is written for (checked when given).
    segments
        Optional declaration of the selector columns and their values, e.g.
        ``{segment: [apparel, electronics], tier: [small, large]}``; when given, every
        selector is checked against it on loading.
    severity
        Default severity bands.
    standards
        The entries.
    """

    schema_version: Literal[1] = PROFILE_SCHEMA_VERSION
    id: str = Field(pattern=ID_PATTERN)
    version: str = Field(min_length=1)
    effective_from: datetime.date | None = None
    source: str = Field(min_length=1)
    name: str | None = None
    description: str | None = None
    tree: str | None = None
    segments: dict[str, tuple[str, ...]] | None = None
    severity: SeverityBands = SeverityBands()
    standards: tuple[StandardEntry, ...] = Field(min_length=1)

    def selector_columns(self) -> tuple[str, ...]:
        """Data columns the selectors read (declared ones first), without duplicates."""
        cols = list(self.segments or {})
        for e in self.standards:
            cols.extend(k for k, _ in e.selector if k not in cols)
        return tuple(cols)

    def indicators(self) -> tuple[str, ...]:
        """Indicator ids with at least one entry, in file order."""
        return tuple(dict.fromkeys(e.indicator for e in self.standards))

    def bands(self, entry: StandardEntry) -> SeverityBands:
        """Severity bands of ``entry`` (its own, else the profile's)."""
        return entry.severity if entry.severity is not None else self.severity


# ====================================================================== validation


@dataclass(frozen=True, slots=True)
class _Problem:
    message: str
    loc: tuple[str | int, ...]
    indicator: str | None


def indicator_unit(leaf: QuantitativeNode | RatingNode | ChecklistNode) -> str | None:
    """Unit in which standards for ``leaf`` are written (None: no single value exists).

    Quantitative: the leaf's ``unit``; rating given as a mean: ``rating`` (on the leaf's
    scale); rating given as votes: None; checklist: ``items`` (count) or ``share``.
    """
    if isinstance(leaf, QuantitativeNode):
        return leaf.unit
    if isinstance(leaf, RatingNode):
        return None if leaf.input == "votes" else "rating"
    return "items" if leaf.input == "count" else "share"


_UNIT_HINTS: dict[frozenset[str], str] = {
    frozenset({"s", "min"}): "1 min = 60 s",
    frozenset({"min", "h"}): "1 h = 60 min",
    frozenset({"s", "h"}): "1 h = 3600 s",
    frozenset({"h", "day"}): "1 day = 24 h",
    frozenset({"h", "working_day"}): (
        "a working day is not a fixed number of hours; convert with your working calendar"
    ),
    frozenset({"day", "working_day"}): (
        "calendar days and working days differ; convert with your working calendar"
    ),
    frozenset({"min", "working_day"}): (
        "a working day is not a fixed number of minutes; convert with your working calendar"
    ),
    frozenset({"%", "share"}): "a share of 0.95 is 95 %",
    frozenset({"%", "ratio"}): "a ratio of 0.95 is 95 %",
}


def _never_met(entry: StandardEntry, lo: float | None, hi: float | None) -> bool:
    v = entry.value
    if isinstance(v, tuple):
        return (hi is not None and v[0] > hi) or (lo is not None and v[1] < lo)
    if entry.op == "<=":
        return lo is not None and v < lo
    if entry.op == "<":
        return lo is not None and v <= lo
    if entry.op == ">=":
        return hi is not None and v > hi
    return hi is not None and v >= hi


def _structure_problem(profile: StandardsProfile) -> _Problem | None:
    """Problems of the profile on its own (selectors, duplicates, severity bases)."""
    declared = profile.segments
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], list[int]] = {}
    for k, e in enumerate(profile.standards):
        loc: tuple[str | int, ...] = ("standards", k)
        if declared is not None:
            for col, val in e.selector:
                if col not in declared:
                    close = difflib.get_close_matches(col, list(declared), n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    return _Problem(
                        f"selector column '{col}' is not declared in 'segments' "
                        f"(declared: {', '.join(declared)}){hint}",
                        (*loc, "applies_to"),
                        e.indicator,
                    )
                if val not in declared[col]:
                    close = difflib.get_close_matches(val, list(declared[col]), n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    return _Problem(
                        f"selector {col}={val!r} names a value not declared for '{col}' "
                        f"(declared: {', '.join(declared[col])}){hint}",
                        (*loc, "applies_to"),
                        e.indicator,
                    )
        bands = profile.bands(e)
        vals = e.value if isinstance(e.value, tuple) else (e.value,)
        if bands.basis == "relative" and any(x == 0 for x in vals):
            return _Problem(
                f"limit 0 with relative severity bands: a relative gap to 0 is undefined; "
                f"give 'severity: {{basis: absolute, minor: …, major: …}}' in {e.unit}",
                (*loc, "value"),
                e.indicator,
            )
        for j in seen.get((e.indicator, e.selector), []):
            other = profile.standards[j]
            if {e.side, other.side} in ({"upper"}, {"lower"}) or "both" in (e.side, other.side):
                same = (e.op, e.value, e.unit) == (other.op, other.value, other.unit)
                what = "duplicates" if same else "conflicts with"
                return _Problem(
                    f"entry #{k + 1} ({e.describe()} for {e.describe_selector()}) {what} "
                    f"entry #{j + 1} ({other.describe()}) for the same indicator and segment; "
                    "keep one",
                    loc,
                    e.indicator,
                )
        seen.setdefault((e.indicator, e.selector), []).append(k)
    return None


def _tree_problem(profile: StandardsProfile, spec: TreeSpec) -> _Problem | None:
    """Problems of the profile against a tree (unknown indicators, units, ranges)."""
    if profile.tree is not None and profile.tree != spec.id:
        return _Problem(
            f"the profile is written for tree '{profile.tree}', not '{spec.id}'",
            ("tree",),
            None,
        )
    leaves = {leaf.id: leaf for leaf in spec.leaves()}
    dims = {n.id for n in spec.nodes if isinstance(n, DimensionNode)}
    for k, e in enumerate(profile.standards):
        loc: tuple[str | int, ...] = ("standards", k)
        leaf = leaves.get(e.indicator)
        if leaf is None:
            if e.indicator in dims:
                msg = (
                    f"'{e.indicator}' is a dimension of tree '{spec.id}'; standards apply to "
                    "indicators (leaves)"
                )
            else:
                close = difflib.get_close_matches(e.indicator, list(leaves), n=3, cutoff=0.6)
                hint = f"did you mean {', '.join(close)}? " if close else ""
                msg = (
                    f"unknown indicator '{e.indicator}'; {hint}(tree '{spec.id}' has "
                    f"{len(leaves)} indicators: {', '.join(leaves)})"
                )
            return _Problem(msg, (*loc, "indicator"), e.indicator)
        unit = indicator_unit(leaf)
        if unit is None:
            return _Problem(
                f"indicator '{leaf.id}' is a rating given as votes per grade; it has no single "
                "value to compare with a limit",
                (*loc, "indicator"),
                leaf.id,
            )
        if e.unit != unit:
            unit_hint = _UNIT_HINTS.get(frozenset({e.unit, unit}))
            return _Problem(
                f"unit mismatch: the standard is in '{e.unit}' but indicator '{leaf.id}' is "
                f"measured in '{unit}'; write the limit in '{unit}' (units are not converted "
                "implicitly" + (f"; {unit_hint})" if unit_hint else ")"),
                (*loc, "unit"),
                leaf.id,
            )
        lo, hi = allowed_range(leaf)
        if _never_met(e, lo, hi):
            rng = f"[{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}]"
            return _Problem(
                f"standard '{e.describe()}' can never be met: indicator '{leaf.id}' takes "
                f"values in {rng} {unit}",
                (*loc, "value"),
                leaf.id,
            )
    return None


def check_profile(profile: StandardsProfile, tree: TreeSpec | CompiledTree | None = None) -> None:
    """Check ``profile`` on its own and, when given, against ``tree``.

    Raises
    ------
    TreeSpecError
        Naming the indicator: selector not declared in ``segments``, conflicting or
        duplicate entries for one indicator and segment, limit 0 with relative severity;
        against the tree: unknown indicator (with close matches and the valid ids), a
        dimension instead of an indicator, unit mismatch (naming both units), a limit the
        indicator's valid range can never meet, a profile written for another tree.
    """
    problem = _structure_problem(profile)
    if problem is None and tree is not None:
        spec = tree.spec if isinstance(tree, CompiledTree) else tree
        problem = _tree_problem(profile, spec)
    if problem is not None:
        # the location lets validate_document add the line when loading a file
        raise located_error(problem.message, None, problem.indicator, *problem.loc)


# ========================================================================= loading


def shipped_standards() -> list[str]:
    """Names of the shipped standards profiles (loadable by name)."""
    return sorted(p.stem for p in shipped_path("standards").glob("*.yaml"))


def _resolve(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if p.exists():
        return p
    name = str(path)
    if os.sep not in name and "." not in name:
        candidate = shipped_path("standards", f"{name}.yaml")
        if candidate.exists():
            return candidate
    raise TreeSpecError(
        "no such file, and not a shipped standards profile "
        f"(shipped: {', '.join(shipped_standards()) or 'none'})",
        file=name,
    )


_STANDARDS_ENTRIES = DocumentEntries("standards", "indicator")
"""Errors inside ``standards[k]`` start ``entry #k+1:`` and name the entry's indicator."""


def standards_from_dict(
    data: Any,
    *,
    tree: TreeSpec | CompiledTree | None = None,
    file: str | None = None,
    text: str | None = None,
) -> StandardsProfile:
    """Validate a parsed standards document; errors name ``file``, line and indicator."""
    return validate_document(
        StandardsProfile,
        data,
        file=file,
        text=text,
        what="standards",
        entries=_STANDARDS_ENTRIES,
        check=lambda profile: check_profile(profile, tree),
    )


def load_standards(
    path: str | os.PathLike[str], tree: TreeSpec | CompiledTree | None = None
) -> StandardsProfile:
    """Load and validate a standards profile (YAML/JSON file, or a shipped profile's name).

    Parameters
    ----------
    path
        A ``.yaml``/``.yml``/``.json`` file, or the name of a shipped profile
        (``"ecommerce_documents"``).
    tree
        When given, the profile is also checked against the tree (:func:`check_profile`).

    Raises
    ------
    TreeSpecError
        With file, line and indicator id, for malformed YAML/JSON, unknown fields, bad
        values and every problem :func:`check_profile` finds.

    Examples
    --------
    >>> p = load_standards("ecommerce_documents")
    >>> p.id, p.standards[0].indicator, p.standards[0].describe()
    ('ecommerce_documents', 'complaint_handling_time', '<= 5 working_day')
    """
    resolved = _resolve(path)
    file = str(path) if Path(path).exists() else str(resolved)
    data, text = read_document(resolved, file, what="standards files")
    return standards_from_dict(data, tree=tree, file=file, text=text)
