"""What the report accepts beside the scores: compliance rows and sensitivity results.

The input types (:data:`ComplianceInput`, :data:`SensitivityInput` and the protocols they
are made of) and the adapters that turn any of them into the columns, rows and series the
sections show: :func:`compliance_rows`, :func:`sensitivity_series`, and the converters of
analysis results :func:`benchmark_compliance` and :func:`oat_sensitivity`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from evalsys.errors import DataError
from evalsys.report.data import Cell

__all__ = [
    "BenchmarkLike",
    "ComplianceInput",
    "OATLike",
    "RowsLike",
    "SensitivityInput",
    "SensitivitySeries",
    "benchmark_compliance",
    "compliance_rows",
    "oat_sensitivity",
    "sensitivity_series",
    "to_float",
]


@runtime_checkable
class RowsLike(Protocol):
    """Anything with a ``to_rows()`` method returning a list of mappings (one per row)."""

    def to_rows(self) -> Sequence[Mapping[str, Any]]: ...


@runtime_checkable
class BenchmarkLike(Protocol):
    """A :class:`evalsys.analysis.benchmark.ComplianceResult`-like object (see
    :func:`benchmark_compliance`)."""

    @property
    def indicator_ids(self) -> tuple[str, ...]: ...

    def summary(self, *, top: int = ..., by: str | None = ...) -> dict[str, Any]: ...


ComplianceInput = RowsLike | BenchmarkLike | Sequence[Mapping[str, Any]]
"""Compliance rows: ``{indicator, limit, unit, compliant_share, worst_gap}`` (extra keys are
shown as extra columns; ``compliant_share`` is a fraction in [0, 1]), an object with
``to_rows()`` returning them, or a :class:`evalsys.analysis.benchmark.ComplianceResult`."""


@runtime_checkable
class OATLike(Protocol):
    """A :class:`evalsys.analysis.sensitivity.oat.OATResult`-like object (see
    :func:`oat_sensitivity`)."""

    @property
    def delta(self) -> float: ...

    @property
    def perturbations(self) -> Sequence[Any]: ...


SensitivityInput = RowsLike | OATLike | Sequence[Any] | Mapping[str, Any]
"""Sensitivity results, any of: rows ``{series, x, y}`` (one line per series), rows
``{label, value}`` (one bar per label), a mapping label → number (bars), label → values
(lines over x = 1…n) or label → (xs, ys) (lines), one or several
:class:`evalsys.analysis.sensitivity.oat.OATResult` (lines of Spearman's ρ over the weight
multiplier).
Keys (of a mapping) or attributes (of a ``to_rows()`` object) ``title``, ``x_label`` and
``y_label`` label the chart."""


def benchmark_compliance(result: Any) -> list[dict[str, Any]]:
    """Compliance rows from a :class:`evalsys.analysis.benchmark.ComplianceResult` (through its
    ``summary()``): indicator, standard(s), unit, compliant share, worst gap, counts."""
    rows = []
    for x in result.summary(top=0, by=None)["indicators"]:
        limits = "; ".join(
            s["standard"]
            + ("" if s.get("applies_to") in (None, "all") else f" ({s['applies_to']})")
            for s in x.get("standards", ())
        )
        rows.append(
            {
                "indicator": x["indicator"],
                "limit": limits,
                "unit": x.get("unit"),
                "compliant_share": x.get("compliance"),
                "worst_gap": x.get("worst_gap"),
                "assessed": x.get("assessed"),
                "failed": x.get("failed"),
                "worst_entity": x.get("worst_entity"),
            }
        )
    return rows


def oat_sensitivity(results: Any, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Sensitivity lines from one or more :class:`evalsys.analysis.sensitivity.oat.OATResult`
    (e.g. at several ``delta``): for every perturbed child, Spearman's ρ with the base ranking
    against the weight multiplier ``1 ± delta`` (the base, multiplier 1, has ρ = 1)."""
    items = [results] if hasattr(results, "perturbations") else list(results)
    names = names or {}
    pts: dict[str, dict[float, float]] = {}
    for r in items:
        for p in r.perturbations:
            m = 1.0 + p.direction * float(r.delta)
            pts.setdefault(p.child, {1.0: 1.0})[m] = float(p.spearman)
    out: dict[str, Any] = {
        "title": "Rank stability under weight changes 权重敏感性",
        "x_label": "weight multiplier of one dimension (others renormalised)",
        "y_label": "Spearman ρ with the base ranking",
    }
    for child, d in pts.items():
        xs = sorted(d)
        out[names.get(child, child)] = (xs, [d[x] for x in xs])
    return out


def _rows_of(obj: Any, what: str) -> list[Mapping[str, Any]]:
    if what == "compliance" and isinstance(obj, BenchmarkLike):
        return list(benchmark_compliance(obj))
    rows = obj.to_rows() if isinstance(obj, RowsLike) else obj
    if isinstance(rows, Mapping | str | bytes):
        raise DataError(f"{what}: expected a list of rows (mappings), got {type(rows).__name__}")
    out = list(rows)
    bad = [i + 1 for i, r in enumerate(out) if not isinstance(r, Mapping)]
    if bad:
        raise DataError(f"{what}: every row must be a mapping of column → value", rows=bad)
    return out


_COMPLIANCE_COLUMNS = ("indicator", "limit", "unit", "compliant_share", "worst_gap")


def compliance_rows(compliance: ComplianceInput) -> tuple[tuple[str, ...], list[list[Cell]]]:
    """Columns and rows of a compliance input (see :data:`ComplianceInput`)."""
    rows = _rows_of(compliance, "compliance")
    missing = [i + 1 for i, r in enumerate(rows) if "indicator" not in r]
    if missing:
        raise DataError("compliance: every row needs an 'indicator' value", rows=missing)
    cols = [c for c in _COMPLIANCE_COLUMNS if any(c in r for r in rows)]
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(str(k))
    return tuple(cols), [[_cell(r.get(c)) for c in cols] for r in rows]


def _cell(v: Any) -> Cell:
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float | np.floating):
        return float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, tuple | list):
        return " – ".join(str(_cell(x)) for x in v)
    return str(v)


def to_float(v: Any) -> float:
    """``v`` as a float; NaN when it is not a number."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


@dataclass(frozen=True, slots=True)
class SensitivitySeries:
    """A sensitivity input normalised by :func:`sensitivity_series`: ``kind`` "lines"
    (``series`` of (label, xs, ys)) or "bars" (``series`` of (label, (), (value,)))."""

    kind: str  # "lines" or "bars"
    series: tuple[tuple[str, tuple[float, ...], tuple[float, ...]], ...]
    title: str
    x_label: str
    y_label: str


def sensitivity_series(
    sensitivity: SensitivityInput, names: Mapping[str, str] | None = None
) -> SensitivitySeries:
    """Normalise a sensitivity input (see :data:`SensitivityInput`; also
    :class:`evalsys.analysis.sensitivity.oat.OATResult` objects, labelled by ``names`` of their
    node ids)
    to lines or bars."""
    if hasattr(sensitivity, "perturbations") or (
        isinstance(sensitivity, Sequence)
        and sensitivity
        and all(hasattr(r, "perturbations") for r in sensitivity)
    ):
        sensitivity = oat_sensitivity(sensitivity, names)
    meta = {k: str(getattr(sensitivity, k, "") or "") for k in ("title", "x_label", "y_label")}
    if isinstance(sensitivity, Mapping) and not isinstance(sensitivity, RowsLike):
        meta |= {
            k: str(sensitivity[k]) for k in ("title", "x_label", "y_label") if k in sensitivity
        }
        items: list[tuple[str, Any]] = [
            (str(k), v) for k, v in sensitivity.items() if k not in meta
        ]
        if all(isinstance(v, int | float | np.number) for _, v in items):
            return SensitivitySeries("bars", tuple((k, (), (float(v),)) for k, v in items), **meta)
        series = []
        for k, v in items:
            if (
                isinstance(v, tuple)
                and len(v) == 2
                and all(isinstance(p, Sequence | np.ndarray) for p in v)
            ):
                xs, ys = (tuple(to_float(a) for a in v[0]), tuple(to_float(b) for b in v[1]))
            elif isinstance(v, Sequence | np.ndarray) and not isinstance(v, str):
                ys = tuple(to_float(b) for b in v)
                xs = tuple(float(i + 1) for i in range(len(ys)))
            else:
                raise DataError(
                    f"sensitivity: value of '{k}' must be a number, a list of numbers or a "
                    f"pair (xs, ys), got {type(v).__name__}"
                )
            if len(xs) != len(ys):
                raise DataError(f"sensitivity: '{k}' has {len(xs)} x values and {len(ys)} y values")
            series.append((k, xs, ys))
        return SensitivitySeries("lines", tuple(series), **meta)
    rows = _rows_of(sensitivity, "sensitivity")
    if rows and all("x" in r and "y" in r for r in rows):
        groups: dict[str, tuple[list[float], list[float]]] = {}
        for r in rows:
            name = str(r.get("series", r.get("label", "")))
            g = groups.setdefault(name, ([], []))
            g[0].append(to_float(r["x"]))
            g[1].append(to_float(r["y"]))
        return SensitivitySeries(
            "lines", tuple((k, tuple(v[0]), tuple(v[1])) for k, v in groups.items()), **meta
        )
    if rows and all("label" in r and "value" in r for r in rows):
        return SensitivitySeries(
            "bars", tuple((str(r["label"]), (), (to_float(r["value"]),)) for r in rows), **meta
        )
    raise DataError(
        "sensitivity: rows need keys {series, x, y} or {label, value}",
        rows=[i + 1 for i, r in enumerate(rows)][:10] or None,
    )
