"""Benchmarking against industry standards, gap analysis and peer benchmarking.

The source documents ask evaluators to compare merchants with industry standards, find
the gaps and propose improvements (與行業標準對標,識別差距,提出改進措施), with standards
that may differ by segment (差异化的服务标准).  This module has three parts.

**Standards profiles** (:class:`StandardsProfile`, loaded by :func:`load_standards`) are
versioned YAML/JSON files with provenance: per indicator a limit (``<=``, ``<``, ``>=``,
``>``, ``between``) in the indicator's unit, optionally restricted to a segment of the
entities by a selector such as ``applies_to: {segment: electronics}`` or
``applies_to: {tier: large}`` (several keys = all must match).  :func:`check_standards`
gives per entity and indicator pass/fail, the gap to the limit in the indicator's unit, the
relative gap and a severity, and per indicator the share of entities compliant.

**Gap analysis** (:func:`improvement_targets`): per entity the k indicators whose
improvement would raise its FCE score most, and the smallest single-indicator change that
lifts it to a better grade.

**Peer benchmarking** (:func:`peer_percentiles`): percentile of every entity per indicator,
per dimension and overall within its segment, and the profile of each segment's top decile.

Rules
-----
Choice of standard
    For one entity and indicator, the entries whose selector matches the entity are
    candidates; only the most specific ones (most selector keys) apply, so a segment
    standard replaces the general one (no selector) for that segment.  When several
    equally specific entries apply (e.g. ``{segment: electronics}`` and ``{tier: large}``
    for a large electronics merchant) the entity must meet all of them; the *binding*
    entry reported is a failed one if any fails, and among those the largest gap.
Gap
    In the indicator's unit, positive = how far beyond the limit: ``x − v`` for ``<=``/``<``,
    ``v − x`` for ``>=``/``>``, ``max(a − x, x − b)`` for ``between [a, b]`` (negative =
    the margin left).  Relative gap = gap / |limit| (for ``between`` the bound nearer to x).
Severity
    ``ok`` (passes), ``minor`` (fails, relative gap ≤ 10 %), ``major`` (≤ 50 %),
    ``critical`` (beyond 50 %).  The bands can be set per profile or per entry
    (``severity: {minor: 0.1, major: 0.5}``); with ``basis: absolute`` they are gaps in the
    indicator's unit instead (required for a limit of 0, where a relative gap is undefined).
    An entity that fails a strict limit (``<``, ``>``) exactly at the limit has gap 0 and
    severity ``minor``.
Empty segment
    A selector naming a value that no entity in the data has (e.g. ``segment: electronic``
    when the data say ``electronics``, or a segment absent from this period's data) is an
    *empty segment*: the entry is applied to nobody, listed in
    :attr:`ComplianceResult.unused`, and by default a :class:`StandardsWarning` is issued
    (``empty_segment="error"`` raises :class:`~evalsys.errors.DataError`; ``"ignore"``
    only records it).  A warning, not an error, by default: one profile serves many data
    sets (every quarter's), and a segment can be legitimately empty in one of them.  A
    selector on a column the data do not have at all (e.g. ``case: complex`` for data
    without a request-type column) is recorded as not applicable, without a warning: the
    profile covers a situation these data do not describe.  To catch typos in selector
    keys and values early, a profile may declare its segment columns and values
    (``segments:``); selectors are then checked when the profile is loaded.
Units
    A standard's ``unit`` must equal the indicator's unit (quantitative: its ``unit``;
    rating: ``rating``; checklist: ``items`` for counts, ``share`` for shares).  Units are
    never converted implicitly: hours and working days are not convertible without a
    working calendar.

References
----------
.. [1] Seed document 001, 电商服务质量评价体系构建 (第四部分 售后服务评价标准; 第五部分 物流配送
       质量评估): the document figures of the shipped profile ``ecommerce_documents``.
.. [2] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社, 第4章.
       (fuzzy comprehensive evaluation with the weighted-average operator M(·,+), whose
       evaluation vector is linear in each leaf's membership.)
.. [3] Hyndman, R. J., Fan, Y. (1996). Sample quantiles in statistical packages.
       *The American Statistician* 50(4), 361–365. (percentile-rank conventions.)
"""

from __future__ import annotations

import difflib
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evalsys._version import __version__
from evalsys.errors import DataError, EvalsysWarning, TreeSpecError, UnknownMethodError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData, allowed_range
from evalsys.model.io import _line_of, _validation_message, read_document, shipped_path
from evalsys.model.tree import (
    ID_PATTERN,
    ChecklistNode,
    DimensionNode,
    QuantitativeNode,
    RatingNode,
    TreeSpec,
)
from evalsys.scoring.evaluate import ScoreResult

__all__ = [
    "EMPTY_SEGMENT_POLICIES",
    "SEVERITIES",
    "ComplianceResult",
    "ImprovementTargets",
    "PeerBenchmark",
    "SegmentCompliance",
    "SeverityBands",
    "StandardEntry",
    "StandardsProfile",
    "StandardsWarning",
    "UnusedStandard",
    "check_profile",
    "check_standards",
    "improvement_targets",
    "indicator_unit",
    "load_standards",
    "peer_percentiles",
    "shipped_standards",
    "standards_from_dict",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

SEVERITIES = ("ok", "minor", "major", "critical")
"""Severity names by code 0..3; code -1 means *not assessed* (no standard or no value)."""
EMPTY_SEGMENT_POLICIES = ("warn", "error", "ignore")
PROFILE_SCHEMA_VERSION: Literal[1] = 1
_TOL = 1e-12


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
        if self.op == "between":
            if not isinstance(self.value, tuple) or not self.value[0] <= self.value[1]:
                raise ValueError("op 'between' needs value [low, high] with low <= high")
        elif isinstance(self.value, tuple):
            raise ValueError(f"op '{self.op}' needs a single number as value")
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
        raise TreeSpecError(problem.message, node=problem.indicator)


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


def standards_from_dict(
    data: Any,
    *,
    tree: TreeSpec | CompiledTree | None = None,
    file: str | None = None,
    text: str | None = None,
) -> StandardsProfile:
    """Validate a parsed standards document; errors name ``file``, line and indicator."""
    if not isinstance(data, dict):
        raise TreeSpecError(
            "a standards file must be a mapping with 'id', 'version', 'source' and 'standards'"
            + (" (the file is empty)" if data is None else f", got {type(data).__name__}"),
            file=file,
            line=1 if data is not None else None,
        )
    try:
        profile = StandardsProfile.model_validate(data)
    except ValidationError as exc:
        msg, loc = _validation_message(exc)
        line = _line_of(text, loc) if text is not None else None
        indicator = None
        stds = data.get("standards")
        if len(loc) >= 2 and loc[0] == "standards" and isinstance(loc[1], int):
            if (
                isinstance(stds, list)
                and 0 <= loc[1] < len(stds)
                and isinstance(stds[loc[1]], dict)
            ):
                ind = stds[loc[1]].get("indicator")
                indicator = str(ind) if ind is not None else None
            msg = f"entry #{loc[1] + 1}: {msg}"
        raise TreeSpecError(msg, file=file, line=line, node=indicator) from None
    problem = _structure_problem(profile)
    if problem is None and tree is not None:
        problem = _tree_problem(profile, tree.spec if isinstance(tree, CompiledTree) else tree)
    if problem is not None:
        line = _line_of(text, problem.loc) if text is not None else None
        raise TreeSpecError(problem.message, file=file, line=line, node=problem.indicator)
    return profile


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


# ====================================================================== compliance


@dataclass(frozen=True, slots=True)
class UnusedStandard:
    """A profile entry that applies to no entity of the data, and why."""

    entry: int
    indicator: str
    selector: str
    reason: str
    empty_segment: bool


def _labels(col: Any) -> npt.NDArray[np.str_]:
    """A passthrough column as strings; nulls / NaN become ''."""
    arr = np.asarray(col, dtype=object)
    missing = np.equal(arr, np.array(None, dtype=object)) | np.not_equal(arr, arr)
    out = arr.astype(str)
    out[missing] = ""
    return out


@dataclass(frozen=True, slots=True)
class SegmentCompliance:
    """Compliance per segment (value of one segment column).

    Attributes
    ----------
    column
        The segment column.
    labels, size
        (S,) sorted segment labels ('' = missing label) and their entity counts.
    share, n_assessed
        (S, I) share of the assessed entities that pass, and how many were assessed.
    fully_compliant
        (S,) share of the segment's assessed entities that pass every standard.
    """

    column: str
    labels: tuple[str, ...]
    size: npt.NDArray[np.int64]
    share: FloatArray
    n_assessed: npt.NDArray[np.int64]
    fully_compliant: FloatArray


@dataclass(frozen=True, slots=True)
class ComplianceResult:
    """Compliance of E entities with a standards profile on I indicators.

    Attributes
    ----------
    profile
        The standards profile (id, version and provenance of every entry).
    tree_id
        Tree the data were checked against.
    entity_ids, rows
        (E,) identifiers and 1-based input rows.
    indicator_ids, units
        (I,) indicators with at least one entry in the profile, in the tree's leaf order,
        and their units.
    value
        (E, I) the entity's value (NaN if missing).
    entry
        (E, I) index into ``profile.standards`` of the binding entry; -1 = no standard
        applies to the entity (or its value is missing).
    limit
        (E, I) the binding limit (for ``between``, the bound nearer to the value).
    assessed
        (E, I) a standard applies and the value is present.
    passed
        (E, I) the value meets every applicable standard (False where not assessed).
    gap, relative_gap
        (E, I) distance beyond the binding limit in the indicator's unit (negative = margin
        left) and as a fraction of the limit; NaN where not assessed.
    severity
        (E, I) int8 code into :data:`SEVERITIES`; -1 where not assessed.
    compliance
        (I,) share of assessed entities that pass (NaN if none is assessed).
    n_assessed, n_failed
        (I,) counts.
    unused
        Entries that apply to no entity (empty segments, absent selector columns).
    passthrough
        Segment columns of the data (segment, tier …).
    empty_segment
        The policy used for empty segments.
    """

    profile: StandardsProfile
    tree_id: str
    entity_ids: npt.NDArray[np.str_]
    rows: npt.NDArray[np.int64]
    indicator_ids: tuple[str, ...]
    units: tuple[str, ...]
    value: FloatArray
    entry: IntArray
    limit: FloatArray
    assessed: BoolArray
    passed: BoolArray
    gap: FloatArray
    relative_gap: FloatArray
    severity: npt.NDArray[np.int8]
    compliance: FloatArray
    n_assessed: npt.NDArray[np.int64]
    n_failed: npt.NDArray[np.int64]
    unused: tuple[UnusedStandard, ...] = ()
    passthrough: dict[str, npt.NDArray[Any]] = field(default_factory=dict)
    empty_segment: str = "warn"
    version: str = __version__

    @property
    def n_entities(self) -> int:
        return int(self.entity_ids.size)

    @property
    def entity_compliant(self) -> BoolArray:
        """(E,) the entity passes every standard assessed for it (True if none is)."""
        out: BoolArray = np.asarray(~(self.assessed & ~self.passed).any(axis=1), dtype=bool)
        return out

    @property
    def overall_compliance(self) -> float:
        """Share of assessed (entity, indicator) cells that pass."""
        n = int(self.assessed.sum())
        return float(self.passed.sum() / n) if n else math.nan

    @property
    def share_fully_compliant(self) -> float:
        """Share of entities (with at least one assessed standard) that pass them all."""
        any_assessed = self.assessed.any(axis=1)
        n = int(any_assessed.sum())
        return float((self.entity_compliant & any_assessed).sum() / n) if n else math.nan

    def worst_gap(self) -> tuple[FloatArray, IntArray]:
        """(I,) the largest gap per indicator and the entity position holding it (-1: none)."""
        g = np.where(self.assessed, self.gap, -np.inf)
        pos = np.argmax(g, axis=0) if self.n_entities else np.zeros(g.shape[1], dtype=np.intp)
        worst = g[pos, np.arange(g.shape[1])] if self.n_entities else np.full(g.shape[1], -np.inf)
        ok = np.isfinite(worst)
        return np.where(ok, worst, np.nan), np.where(ok, pos, -1).astype(np.intp)

    def severity_counts(self) -> npt.NDArray[np.int64]:
        """(I, 4) number of entities per severity (ok, minor, major, critical)."""
        out = np.zeros((len(self.indicator_ids), len(SEVERITIES)), dtype=np.int64)
        for s in range(len(SEVERITIES)):  # 4 codes, not entities
            out[:, s] = (self.severity == s).sum(axis=0)
        return out

    def compliance_by(self, column: str = "segment") -> SegmentCompliance:
        """Compliance per value of a segment column (see :class:`SegmentCompliance`).

        Raises
        ------
        DataError
            The data have no such column.
        """
        if column not in self.passthrough:
            raise DataError(
                f"no segment column '{column}' in the data (available: "
                f"{', '.join(self.passthrough) or 'none'})",
                column=column,
            )
        labels, codes = np.unique(_labels(self.passthrough[column]), return_inverse=True)
        codes = codes.reshape(-1)
        S, n_ind = labels.size, len(self.indicator_ids)
        onehot = np.zeros((self.n_entities, S))
        onehot[np.arange(self.n_entities), codes] = 1.0
        n = onehot.T @ self.assessed.astype(np.float64)
        ok = onehot.T @ (self.passed & self.assessed).astype(np.float64)
        share = np.divide(ok, n, out=np.full((S, n_ind), np.nan), where=n > 0)
        any_a = self.assessed.any(axis=1).astype(np.float64)
        full = onehot.T @ (any_a * self.entity_compliant)
        denom = onehot.T @ any_a
        fully = np.divide(full, denom, out=np.full(S, np.nan), where=denom > 0)
        return SegmentCompliance(
            column=column,
            labels=tuple(str(x) for x in labels),
            size=np.bincount(codes, minlength=S).astype(np.int64),
            share=share,
            n_assessed=n.astype(np.int64),
            fully_compliant=fully,
        )

    def worst_entities(self, k: int = 5) -> IntArray:
        """Positions of the k entities with most failures (then largest relative gap)."""
        fails = (self.assessed & ~self.passed).sum(axis=1)
        rel = np.where(self.assessed & ~self.passed, self.relative_gap, -np.inf).max(
            axis=1, initial=-np.inf
        )
        order = np.lexsort((-np.where(np.isfinite(rel), rel, -1e300), -fails))
        keep: IntArray = order[fails[order] > 0][: max(k, 0)].astype(np.intp)
        return keep

    def to_columns(self, *, all_cells: bool = False) -> dict[str, npt.NDArray[Any]]:
        """Long table, one row per (entity, indicator) with an applicable standard.

        Columns: entity_id, row, segment columns, indicator, value, op, limit, unit,
        applies_to, passed, gap, relative_gap, severity, illustrative, source, entry (1-based
        entry number in the profile).  ``all_cells=True`` also lists cells not assessed.
        """
        E, I_ = self.value.shape
        keep = np.ones((E, I_), dtype=bool) if all_cells else self.assessed
        ei, ii = np.nonzero(keep)
        entries = self.profile.standards
        k = self.entry[ei, ii]
        has = k >= 0
        ops = np.array([e.op for e in entries] + [""], dtype=object)
        sel = np.array([e.describe_selector() for e in entries] + [""], dtype=object)
        ill = np.array([e.illustrative for e in entries] + [False])
        src = np.array([e.source or self.profile.source for e in entries] + [""], dtype=object)
        kk = np.where(has, k, len(entries))
        sev_names = np.array([*SEVERITIES, ""], dtype=object)
        sev = self.severity[ei, ii].astype(np.intp)
        cols: dict[str, npt.NDArray[Any]] = {
            "entity_id": self.entity_ids[ei],
            "row": self.rows[ei],
        }
        for c, v in self.passthrough.items():
            cols[c] = _labels(v)[ei]
        cols.update(
            {
                "indicator": np.array(self.indicator_ids, dtype=object)[ii],
                "value": self.value[ei, ii],
                "op": ops[kk],
                "limit": self.limit[ei, ii],
                "unit": np.array(self.units, dtype=object)[ii],
                "applies_to": sel[kk],
                "passed": np.where(self.assessed[ei, ii], self.passed[ei, ii], False),
                "gap": self.gap[ei, ii],
                "relative_gap": self.relative_gap[ei, ii],
                "severity": sev_names[np.where(sev >= 0, sev, len(SEVERITIES))],
                "illustrative": ill[kk],
                "source": src[kk],
                "entry": np.where(has, k + 1, 0),
            }
        )
        return cols

    def summary(self, *, top: int = 5, by: str | None = "segment") -> dict[str, Any]:
        """A JSON-compatible summary (per indicator, per segment, worst entities)."""
        worst, pos = self.worst_gap()
        counts = self.severity_counts()

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        per_ind = []
        for i, ind in enumerate(self.indicator_ids):
            entries = [
                {
                    "entry": k + 1,
                    "standard": e.describe(),
                    "applies_to": e.describe_selector(),
                    "illustrative": e.illustrative,
                    "source": e.source,
                }
                for k, e in enumerate(self.profile.standards)
                if e.indicator == ind
            ]
            per_ind.append(
                {
                    "indicator": ind,
                    "unit": self.units[i],
                    "standards": entries,
                    "assessed": int(self.n_assessed[i]),
                    "failed": int(self.n_failed[i]),
                    "compliance": num(self.compliance[i]),
                    "worst_gap": num(worst[i]),
                    "worst_entity": str(self.entity_ids[pos[i]]) if pos[i] >= 0 else None,
                    "severity": {s: int(c) for s, c in zip(SEVERITIES, counts[i], strict=True)},
                }
            )
        out: dict[str, Any] = {
            "profile": {
                "id": self.profile.id,
                "version": self.profile.version,
                "source": self.profile.source,
            },
            "tree": self.tree_id,
            "entities": self.n_entities,
            "overall_compliance": num(self.overall_compliance),
            "share_fully_compliant": num(self.share_fully_compliant),
            "indicators": per_ind,
            "unused": [
                {
                    "entry": u.entry + 1,
                    "indicator": u.indicator,
                    "applies_to": u.selector,
                    "reason": u.reason,
                }
                for u in self.unused
            ],
            "severity_rule": (
                "ok = passes; minor/major/critical by the relative gap (default bands 10 % / "
                "50 %) or the entry's own bands"
            ),
            "evalsys_version": self.version,
        }
        if by is not None and by in self.passthrough:
            seg = self.compliance_by(by)
            out["by"] = by
            out["segments"] = [
                {
                    "segment": lab,
                    "entities": int(seg.size[s]),
                    "fully_compliant": num(seg.fully_compliant[s]),
                    "compliance": {
                        ind: num(seg.share[s, i])
                        for i, ind in enumerate(self.indicator_ids)
                        if seg.n_assessed[s, i] > 0
                    },
                }
                for s, lab in enumerate(seg.labels)
            ]
        wpos = self.worst_entities(top)
        out["worst_entities"] = [
            {
                "entity_id": str(self.entity_ids[e]),
                "failed": [
                    {
                        "indicator": self.indicator_ids[i],
                        "value": float(self.value[e, i]),
                        "limit": float(self.limit[e, i]),
                        "gap": float(self.gap[e, i]),
                        "severity": SEVERITIES[int(self.severity[e, i])],
                    }
                    for i in np.flatnonzero(self.assessed[e] & ~self.passed[e])
                ],
            }
            for e in wpos
        ]
        return out


def _entry_eval(
    entry: StandardEntry, bands: SeverityBands, x: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray, npt.NDArray[np.int8]]:
    """limit, gap, relative gap, pass and severity of one entry for values x (E,)."""
    v = entry.value
    if isinstance(v, tuple):
        below, above = v[0] - x, x - v[1]
        gap = np.maximum(below, above)
        limit = np.where(below >= above, v[0], v[1])
        ok = (x >= v[0]) & (x <= v[1])
    else:
        limit = np.full(x.shape, float(v))
        gap = x - v if entry.side == "upper" else v - x
        ok = {"<=": x <= v, "<": x < v, ">=": x >= v, ">": x > v}[entry.op]
    absl = np.abs(limit)
    rel = np.divide(gap, absl, out=np.full(x.shape, np.nan), where=absl > 0)
    measure = rel if bands.basis == "relative" else gap
    sev = np.where(measure <= bands.minor, 1, np.where(measure <= bands.major, 2, 3))
    sev = np.where(ok, 0, sev).astype(np.int8)
    return limit, gap, rel, np.asarray(ok, dtype=bool), sev


def check_standards(
    compiled: CompiledTree,
    data: IndicatorData,
    profile: StandardsProfile,
    *,
    empty_segment: Literal["warn", "error", "ignore"] = "warn",
) -> ComplianceResult:
    """Check every entity of ``data`` against the standards of ``profile``.

    Parameters
    ----------
    compiled
        The compiled tree the data were checked against.
    data
        Checked indicator data (:func:`evalsys.model.data.indicator_data`); selector columns must
        be among its passthrough columns (pass ``passthrough=profile.selector_columns()``
        plus your own to :func:`~evalsys.model.data.indicator_data`).
    profile
        The standards profile.
    empty_segment
        ``"warn"`` (default), ``"error"`` or ``"ignore"`` for entries whose segment has no
        entity in the data (see the module docstring).

    Returns
    -------
    ComplianceResult

    Raises
    ------
    TreeSpecError
        The profile does not fit the tree (:func:`check_profile`).
    DataError
        An empty segment under ``empty_segment="error"``.
    UnknownMethodError
        Unknown ``empty_segment`` policy.

    Notes
    -----
    For entity e and entry k with selector :math:`S_k` (a set of column = value
    conditions), entry k *matches* e when every condition holds; the applicable entries are
    the matching ones with the largest :math:`|S_k|`.  With value x and limit v the gap is
    :math:`x - v` (``<=``, ``<``), :math:`v - x` (``>=``, ``>``) or
    :math:`\\max(a - x, x - b)` (``between [a, b]``) and the relative gap is gap / |v|.
    The computation loops over the profile's entries (a handful), never over entities.

    Examples
    --------
    >>> import evalsys as es
    >>> from evalsys.model.io import shipped_path
    >>> tree = es.compile_tree(es.load_tree("ecommerce_service"))
    >>> table = es.read_table(shipped_path("samples", "ecommerce_merchants.csv"))
    >>> res = check_standards(tree, es.indicator_data(tree, table),
    ...                       load_standards("ecommerce_documents"))
    >>> i = res.indicator_ids.index("order_processing_time")
    >>> round(float(res.compliance[i]), 3)
    0.656
    """
    if empty_segment not in EMPTY_SEGMENT_POLICIES:
        raise UnknownMethodError(
            f"unknown empty-segment policy '{empty_segment}'; valid names: "
            f"{', '.join(EMPTY_SEGMENT_POLICIES)}"
        )
    check_profile(profile, compiled)
    E = data.n_entities
    leaf_pos = {lid: j for j, lid in enumerate(compiled.leaf_ids)}
    leaves = compiled.spec.leaves()
    ind_ids = tuple(sorted(profile.indicators(), key=leaf_pos.__getitem__))
    n_ind = len(ind_ids)

    label_cache: dict[str, npt.NDArray[np.str_]] = {}
    matches: list[BoolArray] = []
    unused: list[UnusedStandard] = []
    for k, e in enumerate(profile.standards):
        m = np.ones(E, dtype=bool)
        absent_cols = [c for c, _ in e.selector if c not in data.passthrough]
        for col, val in e.selector:
            if col in data.passthrough:
                if col not in label_cache:
                    label_cache[col] = _labels(data.passthrough[col])
                m &= label_cache[col] == val
        if absent_cols:
            m[:] = False
            unused.append(
                UnusedStandard(
                    k,
                    e.indicator,
                    e.describe_selector(),
                    f"the data have no column {', '.join(repr(c) for c in absent_cols)}",
                    False,
                )
            )
        elif not m.any():
            unused.append(
                UnusedStandard(
                    k,
                    e.indicator,
                    e.describe_selector(),
                    f"no entity has {' and '.join(f'{c} = {v!r}' for c, v in e.selector)} "
                    "(empty segment)",
                    True,
                )
            )
        matches.append(m)
    empty = [u for u in unused if u.empty_segment]
    if empty and empty_segment != "ignore":
        text = "; ".join(
            f"entry #{u.entry + 1} ({u.indicator} for {u.selector}): {u.reason}" for u in empty
        )
        if empty_segment == "error":
            raise DataError(f"standards that apply to no entity: {text}")
        warnings.warn(
            f"{len(empty)} standard(s) apply to no entity: {text}",
            StandardsWarning,
            stacklevel=2,
        )

    value = np.full((E, n_ind), np.nan)
    entry_idx = np.full((E, n_ind), -1, dtype=np.intp)
    limit = np.full((E, n_ind), np.nan)
    assessed = np.zeros((E, n_ind), dtype=bool)
    passed = np.zeros((E, n_ind), dtype=bool)
    gap = np.full((E, n_ind), np.nan)
    rel = np.full((E, n_ind), np.nan)
    severity = np.full((E, n_ind), -1, dtype=np.int8)
    for i, ind in enumerate(ind_ids):  # indicators with standards, then their entries
        j = leaf_pos[ind]
        x = np.asarray(data.values[:, j], dtype=np.float64)
        present = np.asarray(data.present[:, j], dtype=bool)
        value[:, i] = x
        ks = [k for k, e in enumerate(profile.standards) if e.indicator == ind]
        M = np.stack([matches[k] for k in ks])  # (K, E)
        spec_n = np.array([len(profile.standards[k].selector) for k in ks])
        best = np.where(M, spec_n[:, None], -1).max(axis=0)
        applicable = M & (spec_n[:, None] == best[None, :])
        evals = [
            _entry_eval(profile.standards[k], profile.bands(profile.standards[k]), x) for k in ks
        ]
        lim_k = np.stack([ev[0] for ev in evals])
        gap_k = np.stack([ev[1] for ev in evals])
        rel_k = np.stack([ev[2] for ev in evals])
        ok_k = np.stack([ev[3] for ev in evals])
        sev_k = np.stack([ev[4] for ev in evals])
        fail_k = applicable & ~ok_k
        any_fail = fail_k.any(axis=0)
        cand = np.where(any_fail[None, :], fail_k, applicable)
        key = np.where(cand, np.nan_to_num(gap_k, nan=-np.inf), -np.inf)
        b = np.argmax(key, axis=0)
        cols = np.arange(E)
        has = applicable.any(axis=0) & present
        assessed[:, i] = has
        passed[:, i] = has & ~any_fail
        entry_idx[:, i] = np.where(has, np.asarray(ks)[b], -1)
        limit[:, i] = np.where(has, lim_k[b, cols], np.nan)
        gap[:, i] = np.where(has, gap_k[b, cols], np.nan)
        rel[:, i] = np.where(has, rel_k[b, cols], np.nan)
        severity[:, i] = np.where(has, sev_k[b, cols], -1)
    n_assessed = assessed.sum(axis=0).astype(np.int64)
    n_passed = passed.sum(axis=0)
    compliance = np.divide(
        n_passed, n_assessed, out=np.full(n_ind, np.nan), where=n_assessed > 0
    ).astype(np.float64)
    for arr in (value, entry_idx, limit, assessed, passed, gap, rel, severity, compliance):
        arr.flags.writeable = False
    return ComplianceResult(
        profile=profile,
        tree_id=compiled.spec.id,
        entity_ids=data.entity_ids,
        rows=data.rows,
        indicator_ids=ind_ids,
        units=tuple(str(indicator_unit(leaves[leaf_pos[i]])) for i in ind_ids),
        value=value,
        entry=entry_idx,
        limit=limit,
        assessed=assessed,
        passed=passed,
        gap=gap,
        relative_gap=rel,
        severity=severity,
        compliance=compliance,
        n_assessed=n_assessed,
        n_failed=(n_assessed - n_passed).astype(np.int64),
        unused=tuple(unused),
        passthrough=dict(data.passthrough),
        empty_segment=empty_segment,
    )


# ================================================================ improvement targets


def _effective_leaf_weights(
    compiled: CompiledTree, local: FloatArray, present: BoolArray
) -> FloatArray:
    """(E, L) global leaf weights with missing leaves' weight renormalised away.

    Mirrors the scoring engine: at every parent the local weights of the present children
    are divided by their sum; the global weight is the product down the path.
    """
    from evalsys.scoring.evaluate import _presence

    E = present.shape[0]
    if present.all():
        glob = compiled.global_weights(np.asarray(local, dtype=np.float64))
        out: FloatArray = np.broadcast_to(glob[compiled.leaf_nodes], (E, compiled.n_leaves))
        return out
    node_present = _presence(compiled, present)
    eff = np.broadcast_to(local, (E, compiled.n_nodes)) * node_present
    for level in compiled.levels:
        onehot = np.zeros((level.children.size, level.parents.size))
        onehot[np.arange(level.children.size), level.parent_of_child] = 1.0
        sums = eff[:, level.children] @ onehot
        den = sums[:, level.parent_of_child]
        eff[:, level.children] = np.divide(
            eff[:, level.children], den, out=np.zeros_like(den), where=den > 0
        )
    glob_e = compiled.global_weights(eff)
    res: FloatArray = glob_e[:, compiled.leaf_nodes]
    return res


@dataclass(frozen=True, slots=True)
class ImprovementTargets:
    """Where each entity gains most, and the smallest single-indicator change to a better grade.

    Attributes
    ----------
    tree_id, method, operator
        The scoring the targets were derived from (FCE, ``weighted_average``).
    entity_ids
        (E,)
    leaf_ids, units
        (L,) indicators and the units of their values.
    score, grade
        (E,) the entity's score and grade (maximum membership, best = 0).
    grade_ids, grade_names
        The tree's grades.
    weight
        (E, L) effective global weight of each leaf for the entity.
    gain
        (E, L) score gain if the leaf alone moved wholly into the best grade (NaN: value
        missing).  With memberships that sum to 1 this is
        ``weight × (best grade score − leaf_score)``.
    top, top_gain
        (E, k) positions (into ``leaf_ids``) of the k leaves with the largest gain, best
        first, and their gains; -1 / NaN where fewer than k leaves can gain.
    lifts
        (E, L) improving this leaf alone can lift the entity's grade.
    target_value, change
        (E, L) the value of the leaf at which the entity's grade improves (raw unit of the
        indicator; at that value the better grade ties and wins, by the tie rule of
        maximum membership) and ``target_value − current value``.  NaN where the leaf cannot
        lift the grade or its membership is not invertible (non-standard memberships,
        votes, quantitative leaves without a membership specification).
    reached_grade
        (E, L) grade reached at ``target_value`` (or at the best grade for non-invertible
        memberships); -1 where the leaf cannot lift the grade.
    effort
        (E, L) ``|change|`` as a fraction of the distance from the current value to the
        leaf's best-grade reference point (0–1); NaN where not computable.
    best_leaf
        (E,) the lifting leaf with the smallest effort (non-invertible lifting leaves count
        as effort 1); -1 when no single leaf lifts the grade or the entity is in the best
        grade already.
    k
        Number of targets per entity.
    """

    tree_id: str
    method: str
    operator: str
    entity_ids: npt.NDArray[np.str_]
    leaf_ids: tuple[str, ...]
    units: tuple[str, ...]
    score: FloatArray
    grade: IntArray
    grade_ids: tuple[str, ...]
    grade_names: tuple[str, ...]
    value: FloatArray
    weight: FloatArray
    gain: FloatArray
    top: IntArray
    top_gain: FloatArray
    lifts: BoolArray
    target_value: FloatArray
    change: FloatArray
    reached_grade: IntArray
    effort: FloatArray
    best_leaf: IntArray
    k: int
    version: str = __version__

    @property
    def n_entities(self) -> int:
        return int(self.entity_ids.size)

    def position(self, entity_id: str) -> int:
        """Row of ``entity_id``; DataError naming close ids if absent."""
        hit = np.flatnonzero(self.entity_ids == entity_id)
        if hit.size == 0:
            close = difflib.get_close_matches(
                entity_id, [str(x) for x in self.entity_ids[:100_000]], n=3
            )
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise DataError(f"no entity '{entity_id}' in the data{hint}")
        return int(hit[0])

    def entity_report(self, entity_id: str) -> dict[str, Any]:
        """JSON-compatible targets of one entity."""
        e = self.position(entity_id)

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        g = int(self.grade[e])
        targets = []
        for r in range(self.k):
            j = int(self.top[e, r])
            if j < 0:
                break
            targets.append(self._leaf_entry(e, j) | {"gain": num(self.top_gain[e, r])})
        best = int(self.best_leaf[e])
        return {
            "entity_id": entity_id,
            "score": num(self.score[e]),
            "grade": self.grade_ids[g] if g >= 0 else None,
            "grade_name": self.grade_names[g] if g >= 0 else None,
            "next_grade": self.grade_ids[g - 1] if g > 0 else None,
            "targets": targets,
            "grade_lift": None if best < 0 else self._leaf_entry(e, best),
            "lifting_indicators": [self.leaf_ids[j] for j in np.flatnonzero(self.lifts[e])],
        }

    def _leaf_entry(self, e: int, j: int) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        rg = int(self.reached_grade[e, j])
        return {
            "indicator": self.leaf_ids[j],
            "unit": self.units[j],
            "value": num(self.value[e, j]),
            "weight": num(self.weight[e, j]),
            "gain": num(self.gain[e, j]),
            "lifts_grade": bool(self.lifts[e, j]),
            "target_value": num(self.target_value[e, j]),
            "change": num(self.change[e, j]),
            "reached_grade": self.grade_ids[rg] if rg >= 0 else None,
            "effort": num(self.effort[e, j]),
        }

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """Wide table: one row per entity with its k targets and its cheapest grade lift."""
        leaf = np.array([*self.leaf_ids, ""], dtype=object)
        unit = np.array([*self.units, ""], dtype=object)
        gids = np.array([*self.grade_ids, ""], dtype=object)
        rows = np.arange(self.n_entities)
        cols: dict[str, npt.NDArray[Any]] = {
            "entity_id": self.entity_ids,
            "score": self.score,
            "grade": gids[self.grade],
        }
        for r in range(self.k):
            j = self.top[:, r]
            cols[f"target{r + 1}"] = leaf[j]
            cols[f"target{r + 1}_gain"] = self.top_gain[:, r]
        b = self.best_leaf
        has = b >= 0
        bb = np.where(has, b, 0)
        cols["lift_indicator"] = leaf[np.where(has, b, -1)]
        cols["lift_value"] = np.where(has, self.value[rows, bb], np.nan)
        cols["lift_target"] = np.where(has, self.target_value[rows, bb], np.nan)
        cols["lift_change"] = np.where(has, self.change[rows, bb], np.nan)
        cols["lift_unit"] = unit[np.where(has, b, -1)]
        cols["lift_to_grade"] = gids[np.where(has, self.reached_grade[rows, bb], -1)]
        return cols

    def summary(self) -> dict[str, Any]:
        """JSON-compatible summary over entities, per indicator."""
        L = len(self.leaf_ids)
        in_top = np.zeros(L, dtype=np.int64)
        valid = self.top >= 0
        np.add.at(in_top, self.top[valid], 1)
        first = np.zeros(L, dtype=np.int64)
        v0 = self.top[:, 0] >= 0 if self.k else np.zeros(self.n_entities, dtype=bool)
        if self.k:
            np.add.at(first, self.top[v0, 0], 1)
        best_count = np.zeros(L, dtype=np.int64)
        hb = self.best_leaf >= 0
        np.add.at(best_count, self.best_leaf[hb], 1)
        mean_gain = np.nanmean(np.where(np.isnan(self.gain), np.nan, self.gain), axis=0)
        not_best = self.grade > 0
        return {
            "tree": self.tree_id,
            "method": self.method,
            "operator": self.operator,
            "entities": self.n_entities,
            "k": self.k,
            "entities_below_best_grade": int(not_best.sum()),
            "entities_with_single_indicator_lift": int(hb.sum()),
            "indicators": [
                {
                    "indicator": self.leaf_ids[j],
                    "mean_gain": float(mean_gain[j]) if math.isfinite(mean_gain[j]) else None,
                    "in_top_k": int(in_top[j]),
                    "top_1": int(first[j]),
                    "can_lift_grade": int(self.lifts[:, j].sum()),
                    "cheapest_lift": int(best_count[j]),
                }
                for j in np.argsort(-in_top, kind="stable")
            ],
            "evalsys_version": self.version,
        }


def _lift_standard(
    Brest: FloatArray,
    W: FloatArray,
    v0: FloatArray,
    q: FloatArray,
    grade: IntArray,
) -> tuple[FloatArray, IntArray]:
    """Largest oriented value v* ≤ v0 at which the grade becomes better than ``grade``.

    One row per (entity, leaf) candidate pair.

    Parameters
    ----------
    Brest
        (P, G) root B of the entity without the leaf's own contribution.
    W
        (P,) effective global weight of the leaf.
    v0
        (P,) oriented current value of the leaf (smaller is better).
    q
        (P, G) oriented, increasing reference points of the leaf.
    grade
        (P,) current grade of the entity.

    Returns
    -------
    v_star, reached
        (P,) the boundary value (-inf: no value lifts the grade) and the grade reached.

    Notes
    -----
    On the segment :math:`[q_g, q_{g+1}]` the leaf's membership is
    :math:`(1-\\lambda) e_g + \\lambda e_{g+1}`, so only two components of the root vector
    move: :math:`B_g = A_g - \\lambda W` and :math:`B_{g+1} = A_{g+1} + \\lambda W` with
    :math:`A = B_{rest} + W e_g`; the others stay at :math:`B_{rest}`.  Grade c improves iff
    some better grade h < c has :math:`B_h \\ge B_{h'}` for every :math:`h' \\ge c`.  The
    candidate winners are the best constant better grade, g and g + 1 (when better); the
    competitors the best constant worse grade, g and g + 1 (when worse).  Each
    winner/competitor pair is one linear inequality in λ, so each winner's feasible set is
    an interval; the largest feasible λ on the highest segment of the path from v0 down to
    :math:`q_0` is the smallest change.  Work per segment: a few (P,) array operations.
    """
    P, G = Brest.shape
    hv = np.arange(G)
    better = hv[None, :] < grade[:, None]  # (P, G) candidate winners
    v_star = np.full(P, -np.inf)
    reached = np.full(P, -1, dtype=np.intp)
    for g in range(G - 1):  # segments of the membership, not entities
        qg, qn = q[:, g], q[:, g + 1]
        span = qn - qg
        lam_hi = np.clip((np.minimum(qn, v0) - qg) / span, 0.0, 1.0)
        on = v0 > qg
        other = (hv != g) & (hv != g + 1)
        cb = np.where(better & other, Brest, -np.inf).max(axis=-1, initial=-np.inf)
        mw = np.where(~better & other, Brest, -np.inf).max(axis=-1, initial=-np.inf)
        ag = Brest[:, g] + W
        ag1 = Brest[:, g + 1]
        g_better = g < grade
        g1_better = g + 1 < grade
        zero = np.zeros(P)
        # (value at λ = 0, slope in λ, valid)
        winners = ((cb, zero, np.isfinite(cb)), (ag, -W, g_better), (ag1, W, g1_better))
        rivals = ((mw, zero, np.isfinite(mw)), (ag, -W, ~g_better), (ag1, W, ~g1_better))
        lam = np.full(P, -np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            for aw, bw, okw in winners:
                lo = np.zeros(P)
                hi = lam_hi.copy()
                bad = ~okw
                for ak, bk, okk in rivals:
                    use = okw & okk
                    a = np.where(use, aw - ak, 0.0)
                    b = np.where(use, bw - bk, 0.0)
                    r = -a / b
                    lo = np.where(use & (b > 0), np.maximum(lo, r), lo)
                    hi = np.where(use & (b < 0), np.minimum(hi, r), hi)
                    bad |= use & (b == 0) & (a < -_TOL)
                feas = ~bad & (lo <= hi + _TOL) & on
                lam = np.maximum(lam, np.where(feas, hi, -np.inf))
        ok = np.isfinite(lam)
        lam = np.clip(np.where(ok, lam, 0.0), 0.0, 1.0)
        v = np.where(ok, qg + lam * span, -np.inf)
        upd = v > v_star
        if upd.any():
            Bst = Brest.copy()
            Bst[:, g] += (1.0 - lam) * W
            Bst[:, g + 1] += lam * W
            # at the boundary the better grade ties (and wins): take the winner among them
            win = np.argmax(np.where(better, Bst, -np.inf), axis=-1)
            reached = np.where(upd, win, reached)
            v_star = np.where(upd, v, v_star)
    return v_star, reached


def improvement_targets(
    score_result: ScoreResult,
    compiled: CompiledTree,
    data: IndicatorData,
    k: int = 3,
    *,
    chunk: int = 4096,
) -> ImprovementTargets:
    """Per entity the k leaves with the largest potential score gain, and grade lifts.

    Parameters
    ----------
    score_result
        FCE scores with the ``weighted_average`` operator M(·,+) of these ``data`` on this
        tree (:func:`evalsys.scoring.evaluate.score_entities`).
    compiled
        The compiled tree.
    data
        The indicator data that were scored.
    k
        Number of targets per entity (>= 1).
    chunk
        Entities processed at once (memory bound only; results do not depend on it).

    Returns
    -------
    ImprovementTargets

    Raises
    ------
    UnknownMethodError
        The scores are not FCE with ``weighted_average`` (other operators and methods are
        not linear in a leaf's membership, so single-leaf effects do not add up).
    DataError
        ``k < 1``, or the scores do not belong to these data and tree.

    Notes
    -----
    With M(·,+) every level is a weighted sum, so the root vector is
    :math:`B_e = \\sum_l W_{el} R_{el}` with :math:`W_{el}` the effective global weight of
    leaf l (missing siblings renormalised as in scoring).  The score is the weighted
    average :math:`s(B) = B \\cdot s_G / \\sum_g B_g`.  Moving leaf l alone into the best
    grade gives :math:`B' = B - W_{el} R_{el} + W_{el} e_0` and the gain
    :math:`s(B') - s(B)`; for memberships summing to 1 this is
    :math:`W_{el}(s_0 - \\text{leaf\\_score}_{el})` [2]_.

    The *next grade* is the next better grade by the maximum-membership principle — the
    grade the scoring engine reports — not a score band: a change lifts the entity when the
    largest component of B moves to a better grade (ties go to the better grade).  For
    leaves with a standard (piecewise-linear) membership the smallest lifting value is
    found exactly by inverting the membership segment by segment (:func:`_lift_standard`)
    and reported in the indicator's unit; for other leaves only whether moving wholly into
    the best grade lifts the grade.

    Examples
    --------
    >>> import warnings, evalsys as es
    >>> from evalsys.model.io import shipped_path
    >>> tree = es.compile_tree(es.load_tree("ecommerce_service"))
    >>> d = es.indicator_data(tree, es.read_table(shipped_path("samples",
    ...                                                         "ecommerce_merchants.csv")))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = es.score_entities(tree, d)
    >>> t = improvement_targets(res, tree, d, k=3)
    >>> t.top.shape
    (500, 3)
    """
    from evalsys.scoring.evaluate import leaf_plan, memberships, utilities
    from evalsys.scoring.grading import max_membership

    if score_result.method != "fce" or score_result.operator != "weighted_average":
        got = score_result.method + (
            f" with operator {score_result.operator}" if score_result.operator else ""
        )
        raise UnknownMethodError(
            f"improvement targets need FCE scores with the weighted_average operator M(·,+) "
            f"(linear in each leaf), got {got}; valid names: fce/weighted_average"
        )
    if k < 1:
        raise DataError(f"k must be at least 1, got {k}")
    if score_result.tree_id != compiled.spec.id or not np.array_equal(
        score_result.entity_ids, data.entity_ids
    ):
        raise DataError(
            "the scores do not belong to these data and tree (different tree or entities)"
        )
    G = compiled.n_grades
    s = compiled.grade_scores
    plan = leaf_plan(compiled)
    X = np.asarray(data.values, dtype=np.float64)
    E, L = X.shape
    U = utilities(plan, X, data.votes, G)
    R = memberships(plan, X, U, data.votes, G)
    W = _effective_leaf_weights(compiled, np.asarray(score_result.weights.local), data.present)
    B = np.einsum("el,elg->eg", W, R)
    tot = B.sum(axis=1)
    score = np.divide(B @ s, tot, out=np.full(E, np.nan), where=tot > 0)
    if not np.allclose(score, score_result.score, rtol=1e-9, atol=1e-9, equal_nan=True):
        bad = np.flatnonzero(~np.isclose(score, score_result.score, rtol=1e-9, atol=1e-9))
        raise DataError(
            "the scores do not match these data (scored with other data, weights or "
            "normalize_b with non-partition memberships?)",
            rows=[int(data.rows[i]) for i in bad[:10]],
        )
    grade = np.asarray(max_membership(np.where(tot[:, None] > 0, B, 0.0)).grade, dtype=np.intp)
    present = np.asarray(data.present, dtype=bool)

    gain = np.full((E, L), np.nan)
    lifts = np.zeros((E, L), dtype=bool)
    reached = np.full((E, L), -1, dtype=np.intp)
    target = np.full((E, L), np.nan)
    effort = np.full((E, L), np.nan)
    std_groups = [grp for grp in plan.groups if grp.kind == "standard"]
    for start in range(0, E, max(1, chunk)):  # memory chunks of entities
        sl = slice(start, start + max(1, chunk))
        Bc, Wc, Rc, gc = B[sl], W[sl], R[sl], grade[sl]
        Brest = Bc[:, None, :] - Wc[..., None] * Rc
        Bfull = Brest.copy()
        Bfull[..., 0] += Wc
        num = Bfull @ s
        den = Bfull.sum(axis=-1)
        new = np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)
        gain[sl] = np.where(present[sl], new - score[sl, None], np.nan)
        full_g = np.argmax(Bfull, axis=-1)
        full_lift = (full_g < gc[:, None]) & present[sl] & (gc[:, None] > 0)
        lifts[sl] = full_lift
        reached[sl] = np.where(full_lift, full_g, -1)
        # a leaf can lift the grade only if twice its weight covers the lead of the current
        # grade over the best better grade (its mass moves from one grade to another)
        Bm = np.where(np.arange(G)[None, :] < gc[:, None], Bc, -np.inf)
        margin = Bc[np.arange(Bc.shape[0]), np.maximum(gc, 0)] - Bm.max(axis=1, initial=-np.inf)
        for grp in std_groups:
            cols = grp.cols
            pts = np.asarray(grp.params, dtype=np.float64)
            sign = np.where(pts[:, -1] >= pts[:, 0], 1.0, -1.0)
            q = pts * sign[:, None]
            src = U[sl][:, cols] if grp.source == "utility" else X[sl][:, cols] * grp.scale
            v0 = src * sign
            pres = present[sl][:, cols]
            cand = pres & (gc[:, None] > 0) & (2.0 * Wc[:, cols] + _TOL >= margin[:, None])
            ei, li = np.nonzero(cand)
            v_p, rg_p = _lift_standard(
                Brest[ei, cols[li]], Wc[ei, cols[li]], v0[ei, li], q[li], gc[ei]
            )
            v_star = np.full(cand.shape, -np.inf)
            rg = np.full(cand.shape, -1, dtype=np.intp)
            v_star[ei, li] = v_p
            rg[ei, li] = rg_p
            ok = np.isfinite(v_star)
            lifts[sl, cols] = ok
            reached[sl, cols] = np.where(ok, rg, -1)
            dist = v0 - q[:, 0]
            effort[sl, cols] = np.where(
                ok & (dist > 0), np.divide(v0 - v_star, np.where(dist > 0, dist, 1.0)), np.nan
            )
            if grp.source == "raw":
                target[sl, cols] = np.where(ok, v_star * sign / grp.scale, np.nan)
    change = target - X
    order = np.argsort(-np.nan_to_num(gain, nan=-np.inf), axis=1, kind="stable")[:, :k]
    top_gain = np.take_along_axis(gain, order, axis=1)
    keep = np.isfinite(top_gain) & (top_gain > _TOL)
    top = np.where(keep, order, -1).astype(np.intp)
    top_gain = np.where(keep, top_gain, np.nan)
    if k > L:
        pad = k - L
        top = np.pad(top, ((0, 0), (0, pad)), constant_values=-1)
        top_gain = np.pad(top_gain, ((0, 0), (0, pad)), constant_values=np.nan)
    eff_key = np.where(lifts, np.nan_to_num(effort, nan=1.0), np.inf)
    best_leaf = np.argmin(eff_key, axis=1)
    best_leaf = np.where(lifts.any(axis=1), best_leaf, -1).astype(np.intp)
    leaves = compiled.spec.leaves()
    units = tuple(str(indicator_unit(lf) or "votes") for lf in leaves)
    out = ImprovementTargets(
        tree_id=compiled.spec.id,
        method=score_result.method,
        operator=str(score_result.operator),
        entity_ids=data.entity_ids,
        leaf_ids=compiled.leaf_ids,
        units=units,
        score=score_result.score,
        grade=grade,
        grade_ids=score_result.grade_ids,
        grade_names=score_result.grade_names,
        value=np.where(present, X, np.nan),
        weight=np.array(W),
        gain=gain,
        top=top,
        top_gain=top_gain,
        lifts=lifts,
        target_value=target,
        change=change,
        reached_grade=reached,
        effort=effort,
        best_leaf=best_leaf,
        k=k,
    )
    for arr in (out.weight, gain, top, top_gain, lifts, target, change, reached, effort):
        arr.flags.writeable = False
    return out


# ================================================================ peer benchmarking


def _group_percentiles(x: FloatArray, codes: IntArray) -> FloatArray:
    """Percentile rank within groups, per column: share of the group with value ≤ own, in %.

    NaN values get NaN and are not counted.  Ties share the highest percentile (the "weak"
    definition, as :func:`evalsys.scoring.grading.percentiles`).
    """
    out = np.full(x.shape, np.nan)
    for m in range(x.shape[1]):  # columns (leaves / dimensions), never entities
        col = x[:, m]
        idx = np.flatnonzero(~np.isnan(col))
        n = idx.size
        if n == 0:
            continue
        g, v = codes[idx], col[idx]
        order = np.lexsort((v, g))
        gs, vs = g[order], v[order]
        new_run = np.ones(n, dtype=bool)
        new_run[1:] = (gs[1:] != gs[:-1]) | (vs[1:] != vs[:-1])
        run_id = np.cumsum(new_run) - 1
        run_end = np.r_[np.flatnonzero(new_run)[1:] - 1, n - 1][run_id]
        new_grp = np.ones(n, dtype=bool)
        new_grp[1:] = gs[1:] != gs[:-1]
        gid = np.cumsum(new_grp) - 1
        starts = np.flatnonzero(new_grp)
        sizes = np.diff(np.r_[starts, n])
        pct = 100.0 * (run_end - starts[gid] + 1) / sizes[gid]
        res = np.empty(n)
        res[order] = pct
        out[idx, m] = res
    return out


def _oriented_values(compiled: CompiledTree, data: IndicatorData) -> FloatArray:
    """(E, L) leaf values with higher = better (sign-flipped costs; utility where needed)."""
    from evalsys.scoring.evaluate import leaf_plan, utilities

    X = np.asarray(data.values, dtype=np.float64)
    out = X.copy()
    need_u: list[int] = []
    for j, leaf in enumerate(compiled.spec.leaves()):
        if isinstance(leaf, QuantitativeNode):
            if leaf.direction == "cost":
                out[:, j] = -X[:, j]
            elif leaf.direction in ("target", "interval"):
                need_u.append(j)
        elif isinstance(leaf, RatingNode) and leaf.input == "votes":
            need_u.append(j)
    if need_u:
        U = utilities(leaf_plan(compiled), X, data.votes, compiled.n_grades)
        out[:, need_u] = U[:, need_u]
    out[~np.asarray(data.present, dtype=bool)] = np.nan
    return out


@dataclass(frozen=True, slots=True)
class PeerBenchmark:
    """Percentiles within segments and the top-decile profile of each segment.

    Attributes
    ----------
    by
        Segment column (None: all entities form one peer group ``"all"``).
    entity_ids, segment
        (E,) ids and segment labels ('' = missing label).
    segments, segment_size
        (S,) sorted segment labels and their entity counts.
    leaf_ids, dimension_ids
        Leaves (L,) and first-level dimensions (D,).
    leaf_percentile, dimension_percentile, score_percentile
        (E, L), (E, D), (E,) percentile rank within the entity's segment, in (0, 100]
        (share of peers with a value no better, ties sharing the highest; costs reversed so
        that 100 = best).
    top_share, top_n
        Share defining the top group (0.1 = top decile) and its size per segment
        (``max(1, ceil(top_share · n))``, ties in score broken by input order).
    top_mean, top_median
        (S, L) mean and median raw value of each indicator among the segment's top group
        (NaN for ratings given as votes).
    segment_median
        (S, L) median raw value over the whole segment, for comparison.
    """

    by: str | None
    entity_ids: npt.NDArray[np.str_]
    segment: npt.NDArray[np.str_]
    segments: tuple[str, ...]
    segment_size: npt.NDArray[np.int64]
    leaf_ids: tuple[str, ...]
    dimension_ids: tuple[str, ...]
    leaf_percentile: FloatArray
    dimension_percentile: FloatArray
    score_percentile: FloatArray
    top_share: float
    top_n: npt.NDArray[np.int64]
    in_top: BoolArray
    top_mean: FloatArray
    top_median: FloatArray
    segment_median: FloatArray
    directions: tuple[str, ...]
    values: FloatArray
    version: str = __version__

    def gap_to_top(self) -> FloatArray:
        """(E, L) shortfall from the segment's top-group median in the indicator's unit.

        Positive = worse than the benchmark (cost: value − median; benefit and ratings:
        median − value); NaN for target/interval indicators and votes.
        """
        codes = np.searchsorted(np.array(self.segments), self.segment)
        med = self.top_median[codes]
        sign = np.array([{"cost": 1.0, "benefit": -1.0}.get(d, np.nan) for d in self.directions])
        out: FloatArray = (self.values - med) * sign
        return out

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """Per entity: segment, score percentile, dimension and leaf percentiles."""
        cols: dict[str, npt.NDArray[Any]] = {"entity_id": self.entity_ids}
        cols[self.by or "peer_group"] = self.segment
        cols["in_top"] = self.in_top
        cols["pct.score"] = self.score_percentile
        for d, did in enumerate(self.dimension_ids):
            cols[f"pct.{did}"] = self.dimension_percentile[:, d]
        for j, lid in enumerate(self.leaf_ids):
            cols[f"pct.{lid}"] = self.leaf_percentile[:, j]
        return cols

    def profile_columns(self) -> dict[str, npt.NDArray[Any]]:
        """Top-group profile: one row per (segment, indicator)."""
        S, L = self.top_mean.shape
        si, li = np.divmod(np.arange(S * L), L)
        return {
            self.by or "peer_group": np.array(self.segments, dtype=object)[si],
            "segment_size": self.segment_size[si],
            "top_n": self.top_n[si],
            "indicator": np.array(self.leaf_ids, dtype=object)[li],
            "top_mean": self.top_mean.reshape(-1),
            "top_median": self.top_median.reshape(-1),
            "segment_median": self.segment_median.reshape(-1),
        }


def peer_percentiles(
    score_result: ScoreResult,
    compiled: CompiledTree,
    data: IndicatorData,
    *,
    by: str | None = "segment",
    top_share: float = 0.10,
) -> PeerBenchmark:
    """Percentiles within segments, per leaf, dimension and score; top-group profile.

    Parameters
    ----------
    score_result
        Scores of ``data`` (any method).
    compiled
        The tree (for the leaves' directions).
    data
        The scored indicator data; ``by`` must be one of its passthrough columns.
    by
        Segment column, or None for one peer group of all entities.
    top_share
        Share of each segment taken as its top group (default 0.10: top decile).

    Raises
    ------
    DataError
        Unknown ``by`` column, ``top_share`` outside (0, 1], or scores of other entities.

    Notes
    -----
    The percentile rank of value x among the n peers with a value is
    :math:`100 \\cdot \\#\\{y \\le x\\} / n` (the "weak" definition of
    ``scipy.stats.percentileofscore``; ties share the highest rank) [3]_.  Costs (lower is
    better) are negated first and target/interval indicators and votes use their utility,
    so 100 is always best.  Vectorised with one lexsort per column.
    """
    if not 0 < top_share <= 1:
        raise DataError(f"top_share must be in (0, 1], got {top_share}")
    if not np.array_equal(score_result.entity_ids, data.entity_ids):
        raise DataError("the scores do not belong to these data (different entities)")
    E = data.n_entities
    if by is None:
        labels = np.full(E, "all")
    else:
        if by not in data.passthrough:
            raise DataError(
                f"no segment column '{by}' in the data (available: "
                f"{', '.join(data.passthrough) or 'none'})",
                column=by,
            )
        labels = _labels(data.passthrough[by])
    segs, codes = np.unique(labels, return_inverse=True)
    codes = codes.reshape(-1).astype(np.intp)
    S = segs.size
    sizes = np.bincount(codes, minlength=S).astype(np.int64)
    oriented = _oriented_values(compiled, data)
    leaf_pct = _group_percentiles(oriented, codes)
    dim_pct = _group_percentiles(np.asarray(score_result.dimension_score, dtype=np.float64), codes)
    score_pct = _group_percentiles(
        np.asarray(score_result.score, dtype=np.float64)[:, None], codes
    )[:, 0]
    top_n = np.maximum(1, np.ceil(top_share * sizes - 1e-9)).astype(np.int64)
    sc = np.nan_to_num(np.asarray(score_result.score, dtype=np.float64), nan=-np.inf)
    order = np.lexsort((np.arange(E), -sc, codes))  # segment, best score first, input order
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    rank_in = np.empty(E, dtype=np.int64)
    rank_in[order] = np.arange(E) - starts[codes[order]]
    in_top = rank_in < top_n[codes]
    leaves = compiled.spec.leaves()
    X = np.where(data.present, np.asarray(data.values, dtype=np.float64), np.nan)
    votes_cols = [
        j for j, lf in enumerate(leaves) if isinstance(lf, RatingNode) and lf.input == "votes"
    ]
    X[:, votes_cols] = np.nan
    L = X.shape[1]
    top_mean = np.full((S, L), np.nan)
    top_median = np.full((S, L), np.nan)
    seg_median = np.full((S, L), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns → NaN
        for s_ in range(S):  # segments (a handful), never entities
            mine = codes == s_
            top = X[mine & in_top]
            top_mean[s_] = np.nanmean(top, axis=0)
            top_median[s_] = np.nanmedian(top, axis=0)
            seg_median[s_] = np.nanmedian(X[mine], axis=0)
    directions = tuple(
        lf.direction
        if isinstance(lf, QuantitativeNode)
        else ("votes" if isinstance(lf, RatingNode) and lf.input == "votes" else "benefit")
        for lf in leaves
    )
    res = PeerBenchmark(
        by=by,
        entity_ids=data.entity_ids,
        segment=labels,
        segments=tuple(str(x) for x in segs),
        segment_size=sizes,
        leaf_ids=compiled.leaf_ids,
        dimension_ids=score_result.dimension_ids,
        leaf_percentile=leaf_pct,
        dimension_percentile=dim_pct,
        score_percentile=score_pct,
        top_share=top_share,
        top_n=top_n,
        in_top=in_top,
        top_mean=top_mean,
        top_median=top_median,
        segment_median=seg_median,
        directions=directions,
        values=X,
    )
    return res
