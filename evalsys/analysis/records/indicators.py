"""Log → indicator values: :func:`log_indicators` and its result :class:`LogIndicators`.

Owns the pipeline (entity universe, per-ticket quantities, output groups by entity and
period, segments, reductions by :func:`~evalsys.analysis.records.groups.group_stats`, the merge
with entity data), :class:`LogIndicators` (``to_table``, ``summary``) and
:class:`MissingIndicator`.  The output is described in :mod:`evalsys.analysis.records`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.analysis.records._shared import (
    _NS_PER_DAY,
    _NS_PER_S,
    BoolArray,
    FloatArray,
    IntArray,
    _rows,
)
from evalsys.analysis.records.calendar import WORKING_DAY_CONVENTIONS, WorkCalendar, working_days
from evalsys.analysis.records.derivations import DERIVATIONS, Derivation, _scale
from evalsys.analysis.records.groups import GroupStats, group_stats
from evalsys.analysis.records.logs import TICKET_TYPES, TicketLog, _number, _text
from evalsys.analysis.records.periods import DEFAULT_PEAK_HOURS, PERIODS, _parse_peak
from evalsys.errors import DataError

__all__ = ["LogIndicators", "MissingIndicator", "log_indicators"]

_SEGMENTS = ("weekday", "weekend", "peak", "offpeak")


@dataclass(frozen=True, slots=True)
class MissingIndicator:
    """A tree column the output does not have (or has only as empty values), and why."""

    indicator: str
    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class LogIndicators:
    """Indicator values of the tree per entity (and period), derived from a log.

    Attributes
    ----------
    tree_id
        The tree whose indicator ids the columns carry.
    entity_ids
        (R,) entity of each output row.
    periods
        (R,) period labels, or None for ``period="none"``.
    tickets
        (R,) log rows per output row.
    values
        Tree data column → (R,) values in leaf order: float arrays for derived columns
        (gaps filled from the entity data when it has the column), pyarrow arrays for
        columns taken unchanged from the entity data.
    extras
        Extra statistics and segment columns → (R,) values.
    derived
        Tree indicator ids derived from the log.
    from_entity_data
        Tree indicator ids taken from the entity data (not derivable from the log).
    missing
        Tree indicators still missing, with the reason.
    entities_without_logs
        Entities of the entity list without any log row.
    passthrough
        Other columns of the entity data, already aligned to the output rows (pyarrow
        Table or None).
    n_log_rows
        Rows in the log.
    tree_columns
        Every data column of the tree, in leaf order.
    options
        Period, response standard, peak hours, calendar, working-day convention, ddof,
        quantile method.
    notes
        Assumptions applied (from reading the log).
    version
        evalsys version.
    """

    tree_id: str
    entity_ids: npt.NDArray[np.str_]
    periods: npt.NDArray[np.str_] | None
    tickets: IntArray
    values: dict[str, Any]
    extras: dict[str, FloatArray]
    derived: tuple[str, ...]
    from_entity_data: tuple[str, ...]
    missing: tuple[MissingIndicator, ...]
    entities_without_logs: tuple[str, ...]
    passthrough: Any
    n_log_rows: int
    tree_columns: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    version: str = __version__

    @property
    def n_rows(self) -> int:
        return int(self.entity_ids.size)

    @property
    def id_column(self) -> str:
        """The column that identifies an output row uniquely (for ``evalsys score``)."""
        return "entity_id" if self.periods is None else "entity_period"

    def to_table(self, *, empty_missing: bool = False) -> Any:
        """The output as a pyarrow Table (NaN written as null).

        ``empty_missing=True`` adds the :attr:`missing` tree columns as empty (null)
        columns, so that ``evalsys score --missing renormalize`` can score the indicators
        that are present (each entity's coverage is then reported by the scorer).
        """
        import pyarrow as pa

        cols: dict[str, Any] = {"entity_id": pa.array(self.entity_ids, pa.string())}
        if self.periods is not None:
            cols["period"] = pa.array(self.periods, pa.string())
            cols["entity_period"] = pa.array(
                np.char.add(np.char.add(self.entity_ids, "@"), self.periods), pa.string()
            )
        cols["tickets"] = pa.array(self.tickets, pa.int64())
        empty = {m.column for m in self.missing} if empty_missing else set()
        for name in self.tree_columns:
            if name in self.values:
                v = self.values[name]
                cols[name] = pa.array(v, from_pandas=True) if isinstance(v, np.ndarray) else v
            elif name in empty:
                cols[name] = pa.nulls(self.n_rows, pa.float64())
        if self.passthrough is not None:
            for name in self.passthrough.column_names:
                if name not in cols:
                    cols[name] = self.passthrough.column(name)
        for name, v in self.extras.items():
            cols[name] = pa.array(v, from_pandas=True)
        return pa.table(cols)

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary: rows, derived / missing indicators, options."""
        return {
            "tree": self.tree_id,
            "rows": self.n_rows,
            "entities": int(np.unique(self.entity_ids).size),
            "log_rows": self.n_log_rows,
            "id_column": self.id_column,
            "derived": list(self.derived),
            "from_entity_data": list(self.from_entity_data),
            "missing": [
                {"indicator": m.indicator, "column": m.column, "reason": m.reason}
                for m in self.missing
            ],
            "entities_without_logs": list(self.entities_without_logs),
            "extra_columns": len(self.extras),
            "options": self.options,
            "notes": list(self.notes),
            "evalsys_version": self.version,
        }


def _universe(
    logs: TicketLog, entities: Any, id_column: str
) -> tuple[npt.NDArray[np.str_], IntArray, Any]:
    """Entity universe, each log row's entity index, and the entity table (or None)."""
    import pyarrow as pa

    if entities is None:
        universe, index = np.unique(logs.entity_id, return_inverse=True)
        return universe, np.asarray(index, dtype=np.int64), None
    if isinstance(entities, pa.Table):
        table = entities
        if id_column not in table.column_names:
            raise DataError(f"the entity data has no '{id_column}' column")
    else:
        table = pa.table({id_column: pa.array([str(e) for e in entities], pa.string())})
    universe = _text(table, id_column)
    if universe.size == 0:
        raise DataError("the entity list is empty")
    empty = np.char.str_len(universe) == 0
    if empty.any():
        raise DataError("empty entity id in the entity list", column=id_column, rows=_rows(empty))
    uniq, counts = np.unique(universe, return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1][0]
        raise DataError(
            f"entity id '{dup}' appears {int(counts[counts > 1][0])} times in the entity list",
            column=id_column,
            rows=_rows(universe == dup),
        )
    sorter = np.argsort(universe, kind="stable")
    pos = np.searchsorted(universe[sorter], logs.entity_id)
    pos_c = np.minimum(pos, universe.size - 1)
    index = sorter[pos_c]
    unknown = universe[index] != logs.entity_id
    if unknown.any():
        names = np.unique(logs.entity_id[unknown])
        shown = ", ".join(repr(str(s)) for s in names[:5])
        more = f" and {names.size - 5} more" if names.size > 5 else ""
        raise DataError(
            f"{int(unknown.sum())} log rows have entity ids not in the entity list: {shown}{more}",
            file=logs.source,
            column="entity_id",
            rows=_rows(unknown),
        )
    return universe, np.asarray(index, dtype=np.int64), table


def _quantities(
    logs: TicketLog, response_standard: float, calendar: WorkCalendar, convention: str
) -> dict[str, FloatArray]:
    t, w = logs.instants, logs.wall

    def seconds(later: str, earlier: str) -> FloatArray:
        d = (t[later] - t[earlier]).astype("timedelta64[ns]")
        out = d.astype(np.int64).astype(np.float64) / _NS_PER_S
        out[np.isnat(d)] = np.nan
        return out

    q: dict[str, FloatArray] = {}
    if "first_response_at" in t:
        q["response"] = seconds("first_response_at", "created_at")
        q["within"] = np.where(q["response"] <= response_standard, 1.0, 0.0)
    if not np.isnan(logs.resolved).all() or "resolved_at" in t:
        q["resolved"] = logs.resolved
    if logs.first_contact_resolved is not None:
        q["fcr"] = logs.first_contact_resolved
    if logs.satisfaction is not None:
        q["satisfaction"] = logs.satisfaction
    if "resolved_at" in t:
        q["handling_wd"] = working_days(
            w["created_at"], w["resolved_at"], calendar, convention=convention
        )
    if "reviewed_at" in t:
        q["review"] = seconds("reviewed_at", "created_at")
        if "resolved_at" in t:
            q["return_handling_wd"] = working_days(
                w["reviewed_at"], w["resolved_at"], calendar, convention=convention
            )
    if "shipped_at" in t:
        q["processing"] = seconds("shipped_at", "created_at")
        if "delivered_at" in t:
            q["delivery"] = seconds("delivered_at", "shipped_at")
    if "delivered_at" in t and "promised_at" in t:
        known = ~(np.isnat(t["delivered_at"]) | np.isnat(t["promised_at"]))
        q["on_time"] = np.where(
            known, (t["delivered_at"] <= t["promised_at"]).astype(float), np.nan
        )
    return q


def log_indicators(
    logs: TicketLog,
    tree: Any = "ecommerce_service",
    *,
    period: str = "none",
    response_standard: float = 60.0,
    calendar: WorkCalendar | None = None,
    peak_hours: Sequence[Sequence[float]] = DEFAULT_PEAK_HOURS,
    working_day_convention: str = "elapsed",
    entities: Any = None,
    id_column: str = "entity_id",
    ddof: int = 1,
    stats: bool = True,
) -> LogIndicators:
    """Indicator values of ``tree`` per entity (and period) from a ticket / order log.

    Every reduction is vectorised: rows are mapped to output groups with
    ``numpy.unique(..., return_inverse=True)``, sums by ``numpy.bincount`` and quantiles by
    one sort per statistic (:func:`group_stats`); the loop is over the (fixed, short) list
    of :data:`DERIVATIONS` and segments, never over entities.

    Parameters
    ----------
    logs
        Parsed log (:func:`read_logs` / :func:`parse_logs`).
    tree
        A :class:`~evalsys.model.tree.TreeSpec`, a tree file or a shipped tree name.
    period
        ``none``, ``day``, ``week``, ``month`` or ``quarter`` (:data:`PERIODS`).
    response_standard
        Seconds within which a first response counts for ``response_rate`` (default 60,
        the tree's illustrative chat standard).
    calendar
        Working-day calendar (weekmask, holidays); default Monday–Friday.
    peak_hours
        (start, end) hour windows of the peak segment, ``[start, end)``; a window with
        ``start > end`` wraps past midnight.  Default :data:`DEFAULT_PEAK_HOURS`
        (illustrative).
    working_day_convention
        ``elapsed`` or ``whole`` (:func:`working_days`).
    entities
        Optional entity list (sequence of ids) or entity data (pyarrow Table with
        ``id_column``).  Log rows of other entities are an error; entities without log rows
        get a row with ``tickets = 0`` (``period="none"``); tree columns of the entity data
        fill the indicators the log cannot give (and gaps of derived ones); its other
        columns pass through.
    id_column
        Id column of ``entities``.
    ddof
        Delta degrees of freedom of standard deviations (1 = sample std).
    stats
        Also produce the extra ``<indicator>.<stat>`` and segment columns.

    Raises
    ------
    DataError
        Unknown entity ids (naming them and the first log rows), bad options.
    TreeSpecError
        A tree leaf with a derivable id whose kind or unit does not fit the statistic.
    UnknownMethodError
        Unknown period or working-day convention.
    """
    from evalsys.model.nodes import RatingNode
    from evalsys.model.tree import TreeSpec

    if isinstance(tree, TreeSpec):
        spec = tree
    else:
        from evalsys.model.io import load_tree

        spec = load_tree(tree)
    period_fn = PERIODS.get(period)
    period_name = PERIODS.canonical(period)
    WORKING_DAY_CONVENTIONS.get(working_day_convention)
    if not np.isfinite(response_standard) or response_standard < 0:
        raise DataError(f"response standard must be >= 0 seconds; got {response_standard!r}")
    peaks = _parse_peak(peak_hours)
    cal = calendar if calendar is not None else WorkCalendar()

    universe, ent_index, ent_table = _universe(logs, entities, id_column)
    created_wall = logs.wall["created_at"].astype(np.int64)
    day = np.floor_divide(created_wall, _NS_PER_DAY)

    # ---- output groups
    if period_fn is None:
        codes = ent_index
        n_groups = int(universe.size)
        group_entity = np.arange(n_groups)
        periods = None
    else:
        pcode, label = period_fn(day)
        uniq_p, p_inv = np.unique(pcode, return_inverse=True)
        key = ent_index * uniq_p.size + p_inv
        uniq_key, inv = np.unique(key, return_inverse=True)
        codes = np.asarray(inv, dtype=np.int64)
        n_groups = int(uniq_key.size)
        group_entity = uniq_key // uniq_p.size
        periods = np.asarray(label(uniq_p[uniq_key % uniq_p.size]), dtype=str)
    tickets = np.bincount(codes, minlength=n_groups).astype(np.int64)
    has_logs = np.bincount(ent_index, minlength=universe.size) > 0
    without = tuple(str(e) for e in universe[~has_logs])

    # ---- segments (created_at wall clock)
    weekday = (day + 3) % 7  # Monday = 0
    working_dow = np.array([c == "1" for c in cal.weekmask])
    hour = (created_wall - day * _NS_PER_DAY) / (3600 * _NS_PER_S)
    peak = np.zeros(day.size, dtype=bool)
    for a, b in peaks:
        peak |= (hour >= a) & (hour < b) if a < b else (hour >= a) | (hour < b)
    segments = {
        "weekday": working_dow[weekday],
        "weekend": ~working_dow[weekday],
        "peak": peak,
        "offpeak": ~peak,
    }

    quantities = _quantities(logs, response_standard, cal, working_day_convention)
    type_masks = {t: logs.type == t for t in TICKET_TYPES}
    by_id = {d.indicator: d for d in DERIVATIONS}

    def _reduce(d: Derivation, mask: BoolArray) -> GroupStats:
        x = quantities[d.quantity]
        m = mask & np.isfinite(x)
        return group_stats(codes[m], x[m], n_groups, ddof=ddof)

    derived_vals: dict[str, FloatArray] = {}
    extras: dict[str, FloatArray] = {}
    missing: list[MissingIndicator] = []
    derived: list[str] = []
    for leaf in spec.leaves():
        d = by_id.get(leaf.id)
        if d is None:
            continue
        scale = _scale(d, leaf)
        if d.kind == "rating" and isinstance(leaf, RatingNode) and logs.satisfaction is not None:
            top = float(np.nanmax(logs.satisfaction)) if np.isfinite(logs.satisfaction).any() else 0
            if top > leaf.scale:
                raise DataError(
                    f"satisfaction ratings go up to {top:g} but indicator '{leaf.id}' is on a "
                    f"1–{leaf.scale} scale",
                    column="satisfaction",
                )
        if d.quantity not in quantities:
            need = [c for c in d.needs if c not in logs.columns and c != "resolved"]
            if d.quantity == "resolved":
                need = ["resolved or resolved_at"]
            missing.append(
                MissingIndicator(leaf.id, leaf.data_column, f"needs log column {', '.join(need)}")
            )
            continue
        base = np.zeros(logs.n_rows, dtype=bool)
        for t in d.types:
            base |= type_masks[t]
        st = _reduce(d, base)
        col = leaf.data_column
        main = st.cv if d.statistic == "cv" else st.mean * scale
        if not np.isfinite(main).any():
            missing.append(
                MissingIndicator(
                    leaf.id,
                    col,
                    f"no usable {'/'.join(d.types)} rows in the log (needs {', '.join(d.needs)})",
                )
            )
            continue
        derived_vals[col] = main
        derived.append(leaf.id)
        if not stats:
            continue
        extras[f"{col}.n"] = st.n.astype(np.float64)
        if d.statistic == "mean" and d.kind in ("time", "working_day"):
            extras[f"{col}.median"] = st.median * scale
            extras[f"{col}.p90"] = st.p90 * scale
            extras[f"{col}.std"] = st.std * scale
            extras[f"{col}.cv"] = st.cv
            extras[f"{col}.iqr"] = st.iqr * scale
        if d.segmented:
            for seg, smask in segments.items():
                ss = _reduce(d, base & smask)
                extras[f"{col}.{seg}"] = ss.cv if d.statistic == "cv" else ss.mean * scale

    # ---- merge with entity data
    tree_cols = _tree_columns(spec)
    ent_cols = set(ent_table.column_names) - {id_column} if ent_table is not None else set()
    taken: Any = None
    if ent_table is not None:
        import pyarrow as pa

        taken = ent_table.take(pa.array(group_entity, pa.int64()))
    values: dict[str, Any] = {}
    for c in tree_cols:
        if c in derived_vals:
            v = derived_vals[c]
            if c in ent_cols:
                v = np.where(np.isfinite(v), v, _number(taken, c))
            values[c] = v
        elif c in ent_cols:
            values[c] = taken.column(c)
    reasons = {m.indicator: m.reason for m in missing}
    from_entity: list[str] = []
    missing_final: list[MissingIndicator] = []
    for leaf in spec.leaves():
        if leaf.id in derived:
            continue
        cols = [
            c for c in tree_cols if c == leaf.data_column or c.startswith(leaf.data_column + ".")
        ]
        if cols and all(c in ent_cols for c in cols):
            from_entity.append(leaf.id)
            continue
        reason = reasons.get(leaf.id, "not derivable from ticket logs (no log statistic for it)")
        missing_final.append(MissingIndicator(leaf.id, leaf.data_column, reason))
    passthrough = None
    if taken is not None:
        keep = [c for c in taken.column_names if c != id_column and c not in set(tree_cols)]
        passthrough = taken.select(keep) if keep else None

    options: dict[str, Any] = {
        "period": period_name,
        "response_standard_s": float(response_standard),
        "peak_hours": [list(p) for p in peaks],
        "weekmask": cal.weekmask,
        "holidays": len(cal.holidays),
        "workdays": len(cal.workdays),
        "calendar_source": cal.source,
        "working_day_convention": working_day_convention,
        "ddof": ddof,
        "quantile_method": "linear (numpy default; Hyndman-Fan type 7)",
        "entities_given": entities is not None,
    }
    return LogIndicators(
        tree_id=spec.id,
        entity_ids=np.asarray(universe[group_entity], dtype=str),
        periods=periods,
        tickets=tickets,
        values=values,
        extras=extras,
        derived=tuple(derived),
        from_entity_data=tuple(from_entity),
        missing=tuple(missing_final),
        entities_without_logs=without,
        passthrough=passthrough,
        n_log_rows=logs.n_rows,
        tree_columns=tuple(tree_cols),
        options=options,
        notes=logs.notes,
    )


def _tree_columns(spec: Any) -> list[str]:
    """Tree data columns in leaf order (:func:`evalsys.model.data.required_columns`)."""
    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import required_columns

    return required_columns(compile_tree(spec))
