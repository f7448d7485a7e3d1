"""The result of a standards check: :class:`ComplianceResult` and its tables and summaries.

Also :class:`SegmentCompliance` (compliance per value of a segment column) and
:class:`UnusedStandard` (a profile entry that applies to no entity); :data:`SEVERITIES`
names the severity codes.  The rules behind the numbers (choice of the binding standard,
gap, severity, empty segments) are in :mod:`~evalsys.analysis.benchmark.compliance`, which
computes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.analysis.benchmark.standards import StandardsProfile
from evalsys.errors import DataError

__all__ = ["SEVERITIES", "ComplianceResult", "SegmentCompliance", "UnusedStandard"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

SEVERITIES = ("ok", "minor", "major", "critical")
"""Severity names by code 0..3; code -1 means *not assessed* (no standard or no value)."""


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
