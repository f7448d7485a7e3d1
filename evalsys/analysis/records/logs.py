"""Ticket / order logs: the log schema, parsing and checking, and reading files.

Owns the schema (:data:`LOG_COLUMNS`, :data:`TIMESTAMP_COLUMNS`, :data:`TICKET_TYPES`,
described in :mod:`evalsys.analysis.records`), :class:`TicketLog`, :func:`parse_logs` (vectorised
timestamp, flag and number parsing by pyarrow, with errors naming column and rows),
:func:`read_logs` and :func:`read_entities`.

References
----------
.. [4] ISO 8601-1:2019, Date and time — Representations for information interchange
   (timestamps, offsets, ISO week numbers).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.analysis.records._shared import (
    _NAT,
    _NS_PER_S,
    BoolArray,
    DateTimeArray,
    FloatArray,
    _rows,
)
from evalsys.errors import DataError

__all__ = [
    "LOG_COLUMNS",
    "TICKET_TYPES",
    "TIMESTAMP_COLUMNS",
    "TicketLog",
    "parse_logs",
    "read_entities",
    "read_logs",
]

TIMESTAMP_COLUMNS = (
    "created_at",
    "first_response_at",
    "resolved_at",
    "reviewed_at",
    "shipped_at",
    "delivered_at",
    "promised_at",
)
LOG_COLUMNS: dict[str, str] = {
    "entity_id": "the evaluated entity (required)",
    "ticket_id": "ticket / order id (optional; duplicates are an error)",
    "channel": "chat, phone, email … (optional, informational)",
    "type": "inquiry, complaint, return, refund, technical or order (absent → inquiry)",
    "created_at": "request / order time (required)",
    "first_response_at": "first reply by an agent",
    "resolved_at": "closed as solved / completed",
    "reviewed_at": "return / refund review decision",
    "shipped_at": "order processed and handed over for delivery",
    "delivered_at": "order delivered",
    "promised_at": "promised delivery time",
    "resolved": "bool (absent or null → resolved_at is not null)",
    "first_contact_resolved": "bool: solved at the first contact",
    "satisfaction": "customer rating 1 … satisfaction_scale",
}
_TEXT_COLUMNS = ("entity_id", "ticket_id", "channel", "type")

TICKET_TYPES = ("inquiry", "complaint", "return", "refund", "technical", "order")
_TYPE_ALIASES = {"exchange": "return", "tech": "technical", "technical_support": "technical"}

_ISO = (
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hm>\d{2}:\d{2})(?::(?P<sec>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?)?"
    r"(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_TRUE = ("true", "t", "yes", "y", "1", "1.0")
_FALSE = ("false", "f", "no", "n", "0", "0.0")


@dataclass(frozen=True, slots=True)
class TicketLog:
    """A parsed, checked ticket / order log (arrays of n rows).

    Attributes
    ----------
    entity_id
        (n,) entity ids (text).
    type
        (n,) canonical ticket type (one of :data:`TICKET_TYPES`).
    instants
        Timestamp column → (n,) ``datetime64[ns]`` instants (UTC when offsets were given;
        NaT = null), for durations.
    wall
        Timestamp column → (n,) ``datetime64[ns]`` local wall-clock times, for weekday,
        hour, working days and periods.
    resolved
        (n,) 1.0 / 0.0 / NaN (unknown).
    first_contact_resolved, satisfaction
        (n,) floats with NaN, or None when the column is absent.
    channel
        (n,) text or None.
    source
        File the log was read from, if any.
    notes
        Assumptions applied while reading (e.g. no ``type`` column).
    """

    entity_id: npt.NDArray[np.str_]
    type: npt.NDArray[np.str_]
    instants: dict[str, DateTimeArray]
    wall: dict[str, DateTimeArray]
    resolved: FloatArray
    first_contact_resolved: FloatArray | None = None
    satisfaction: FloatArray | None = None
    channel: npt.NDArray[np.str_] | None = None
    source: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def n_rows(self) -> int:
        return int(self.entity_id.size)

    @property
    def columns(self) -> tuple[str, ...]:
        """Log columns present (timestamps and flags)."""
        cols = [*self.instants]
        if self.first_contact_resolved is not None:
            cols.append("first_contact_resolved")
        if self.satisfaction is not None:
            cols.append("satisfaction")
        return tuple(cols)


def _text(table: Any, name: str) -> npt.NDArray[np.str_]:
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    if pa.types.is_dictionary(col.type):
        col = pc.cast(col, pa.string())
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        col = pc.cast(col, pa.string())
    col = pc.utf8_trim_whitespace(col)
    return np.asarray(pc.fill_null(col, "").to_numpy(zero_copy_only=False), dtype=str)


def _timestamp(table: Any, name: str) -> tuple[DateTimeArray, DateTimeArray, BoolArray]:
    """(instant, wall clock, has_offset) of a timestamp column, vectorised by pyarrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    typ = col.type
    if pa.types.is_dictionary(typ):
        col = pc.cast(col, pa.string())
        typ = col.type
    n = len(col)
    if pa.types.is_null(typ):
        nat = np.full(n, _NAT, dtype=np.int64).view("datetime64[ns]")
        return nat, nat.copy(), np.zeros(n, dtype=bool)
    if pa.types.is_date(typ):
        col = pc.cast(col, pa.timestamp("s"))
        typ = col.type
    if pa.types.is_timestamp(typ):
        inst = pc.cast(col, pa.timestamp("ns", tz=typ.tz))
        wall = pc.local_timestamp(inst) if typ.tz is not None else inst
        i_ns = pc.fill_null(pc.cast(inst, pa.int64()), _NAT).to_numpy(zero_copy_only=False)
        w_ns = pc.fill_null(pc.cast(wall, pa.int64()), _NAT).to_numpy(zero_copy_only=False)
        has = np.full(n, typ.tz is not None, dtype=bool)
        return (
            np.asarray(i_ns, dtype=np.int64).view("datetime64[ns]"),
            np.asarray(w_ns, dtype=np.int64).view("datetime64[ns]"),
            has,
        )
    if not (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
        raise DataError(
            f"needs timestamps (ISO 8601 text or a timestamp type); column type is {typ}",
            column=name,
        )
    text = pc.utf8_trim_whitespace(col)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    parts = pc.extract_regex(text, _ISO)
    bad = np.asarray(
        pc.and_(pc.is_valid(text), pc.is_null(parts)).to_numpy(zero_copy_only=False), dtype=bool
    )
    date = pc.struct_field(parts, "date")
    hm = pc.struct_field(parts, "hm")
    sec = pc.struct_field(parts, "sec")
    hm = pc.if_else(pc.equal(hm, ""), "00:00", hm)
    sec = pc.if_else(pc.equal(sec, ""), "00", sec)
    full = pc.binary_join_element_wise(date, pc.binary_join_element_wise(hm, sec, ":"), " ")
    parsed: Any = None
    if not bad.any():
        try:  # fast and strict (rejects 2024-02-30, 25:00, leap seconds)
            parsed = pc.cast(full, pa.timestamp("s"))
        except pa.ArrowInvalid:
            parsed = None
    if bad.any() or parsed is None:
        # slow path, errors only: strptime is lenient (02-30 → 03-01), so round-trip it
        loose = pc.strptime(full, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
        same = pc.fill_null(pc.equal(pc.strftime(loose, format="%Y-%m-%d %H:%M:%S"), full), False)
        bad |= np.asarray(
            pc.and_(pc.is_valid(parts), pc.invert(same)).to_numpy(zero_copy_only=False),
            dtype=bool,
        )
        if not bad.any():  # pragma: no cover - cast and strptime disagree
            raise DataError("cannot parse every timestamp as ISO 8601", column=name)
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"cannot parse timestamp {col[first].as_py()!r}; expected ISO 8601 such as "
            "2024-03-05 09:15:00 or 2024-03-05T09:15:00+08:00",
            column=name,
            rows=_rows(bad),
        )
    frac = pc.utf8_rpad(pc.struct_field(parts, "frac"), width=9, padding="0")
    frac_ns = np.asarray(
        pc.fill_null(pc.cast(frac, pa.int64()), 0).to_numpy(zero_copy_only=False), dtype=np.int64
    )
    secs = pc.fill_null(pc.cast(pc.cast(parsed, pa.timestamp("s")), pa.int64()), _NAT)
    s_np = np.asarray(secs.to_numpy(zero_copy_only=False), dtype=np.int64)
    null = s_np == _NAT
    wall_ns = np.where(null, _NAT, s_np * _NS_PER_S + frac_ns)
    tz = pc.fill_null(pc.struct_field(parts, "tz"), "")
    off = pc.extract_regex(tz, r"^(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})?$")
    hh = pc.cast(pc.fill_null(pc.struct_field(off, "hh"), "0"), pa.int64())
    mm_txt = pc.fill_null(pc.struct_field(off, "mm"), "0")
    mm = pc.cast(pc.if_else(pc.equal(mm_txt, ""), "0", mm_txt), pa.int64())
    sign = np.where(
        np.asarray(
            pc.fill_null(pc.equal(pc.struct_field(off, "sign"), "-"), False).to_numpy(
                zero_copy_only=False
            ),
            dtype=bool,
        ),
        -1,
        1,
    )
    offset_s = sign * (
        np.asarray(hh.to_numpy(zero_copy_only=False), dtype=np.int64) * 3600
        + np.asarray(mm.to_numpy(zero_copy_only=False), dtype=np.int64) * 60
    )
    has = np.asarray(pc.not_equal(tz, "").to_numpy(zero_copy_only=False), dtype=bool)
    inst_ns = np.where(null, _NAT, wall_ns - offset_s * _NS_PER_S)
    return inst_ns.view("datetime64[ns]"), wall_ns.view("datetime64[ns]"), has & ~null


def _flag(table: Any, name: str) -> FloatArray:
    """A boolean column as 1.0 / 0.0 / NaN; anything else is an error naming rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    typ = col.type
    if pa.types.is_null(typ):
        return np.full(len(col), np.nan)
    if pa.types.is_boolean(typ) or pa.types.is_integer(typ) or pa.types.is_floating(typ):
        x = np.asarray(pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
        bad = np.isfinite(x) & (x != 0) & (x != 1) | np.isinf(x)
        if bad.any():
            raise DataError(
                f"needs true/false (or 1/0); found {x[bad][0]:g}", column=name, rows=_rows(bad)
            )
        return x
    text = np.char.lower(_text(table, name))
    is_true = np.isin(text, _TRUE)
    is_false = np.isin(text, _FALSE)
    bad = ~(is_true | is_false | (text == ""))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"needs true/false, yes/no or 1/0; found {str(col[first].as_py())!r}",
            column=name,
            rows=_rows(bad),
        )
    return np.where(is_true, 1.0, np.where(is_false, 0.0, np.nan))


def _number(table: Any, name: str) -> FloatArray:
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    typ = col.type
    if pa.types.is_null(typ):
        return np.full(len(col), np.nan)
    if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_boolean(typ):
        return np.asarray(
            pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
    text = _text(table, name)
    ok = np.char.str_len(text) == 0
    out = np.full(text.size, np.nan)
    num = pc.match_substring_regex(
        pa.array(text), r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
    ).to_numpy(zero_copy_only=False)
    num = np.asarray(num, dtype=bool)
    bad = ~(ok | num)
    if bad.any():
        raise DataError(f"needs numbers; found {str(text[bad][0])!r}", column=name, rows=_rows(bad))
    out[num] = text[num].astype(np.float64)
    return out


_ORDER_CHECKS = (
    ("first_response_at", "created_at", "first response before creation"),
    ("resolved_at", "created_at", "resolved before creation"),
    ("reviewed_at", "created_at", "reviewed before creation"),
    ("resolved_at", "reviewed_at", "resolved before review"),
    ("shipped_at", "created_at", "shipped before the order was placed"),
    ("delivered_at", "shipped_at", "delivered before shipping"),
    ("delivered_at", "created_at", "delivered before the order was placed"),
)


def parse_logs(table: Any, *, source: str | None = None, satisfaction_scale: int = 5) -> TicketLog:
    """Check and parse a log table (pyarrow Table) into a :class:`TicketLog`.

    Raises
    ------
    DataError
        Empty table, missing ``entity_id`` / ``created_at``, empty entity ids, unknown
        ticket types, duplicate ticket ids, unparseable timestamps (naming the column,
        the first rows and the text), mixed naive / offset timestamps, negative durations
        (a later event before an earlier one), bad flags or satisfaction ratings.
    """
    try:
        return _parse_logs(table, satisfaction_scale)
    except DataError as exc:
        raise exc.with_context(file=source) from None


def _parse_logs(table: Any, satisfaction_scale: int) -> TicketLog:
    names = list(table.column_names)
    if table.num_rows == 0:
        raise DataError("the log has no rows")
    absent = [c for c in ("entity_id", "created_at") if c not in names]
    if absent:
        raise DataError(
            f"missing column{'s' if len(absent) > 1 else ''} {', '.join(absent)}; a log needs "
            "entity_id and created_at (see evalsys.analysis.records.LOG_COLUMNS)"
        )
    ids = _text(table, "entity_id")
    empty = np.char.str_len(ids) == 0
    if empty.any():
        raise DataError("empty entity id", column="entity_id", rows=_rows(empty))
    notes: list[str] = []
    if "type" in names:
        raw = np.char.lower(_text(table, "type"))
        canon = raw.copy()
        for alias, target in _TYPE_ALIASES.items():
            canon[raw == alias] = target
        bad = ~np.isin(canon, TICKET_TYPES)
        if bad.any():
            raise DataError(
                f"unknown ticket type {str(_text(table, 'type')[bad][0])!r}; valid types: "
                f"{', '.join(TICKET_TYPES)} (aliases: {', '.join(_TYPE_ALIASES)})",
                column="type",
                rows=_rows(bad),
            )
        types = canon
    else:
        types = np.full(ids.size, "inquiry")
        notes.append("no 'type' column: every row is treated as an inquiry ticket")
    if "ticket_id" in names:
        tid = _text(table, "ticket_id")
        given = np.char.str_len(tid) > 0
        _, inverse, counts = np.unique(tid, return_inverse=True, return_counts=True)
        dup = given & (counts[inverse] > 1)
        if dup.any():
            first = tid[dup][0]
            raise DataError(
                f"ticket id {str(first)!r} appears {int((tid == first).sum())} times",
                column="ticket_id",
                rows=_rows(tid == first),
            )
    instants: dict[str, DateTimeArray] = {}
    wall: dict[str, DateTimeArray] = {}
    offsets: dict[str, BoolArray] = {}
    for c in TIMESTAMP_COLUMNS:
        if c in names:
            instants[c], wall[c], offsets[c] = _timestamp(table, c)
    created_null = np.isnat(instants["created_at"])
    if created_null.any():
        raise DataError("missing creation time", column="created_at", rows=_rows(created_null))
    stacked = [(c, o, ~np.isnat(instants[c])) for c, o in offsets.items()]
    any_off = any(bool(o.any()) for _, o, _ in stacked)
    if any_off:
        for c, o, present in stacked:
            naive = present & ~o
            if naive.any():
                raise DataError(
                    "the log mixes timestamps with and without a UTC offset; give every "
                    "timestamp an offset (e.g. +08:00) or none",
                    column=c,
                    rows=_rows(naive),
                )
    for later, earlier, what in _ORDER_CHECKS:
        if later in instants and earlier in instants:
            a, b = instants[earlier], instants[later]
            neg = ~(np.isnat(a) | np.isnat(b)) & (b < a)
            if neg.any():
                i = int(np.flatnonzero(neg)[0])
                raise DataError(
                    f"negative durations: {what} ({later} {wall[later][i]} < {earlier} "
                    f"{wall[earlier][i]} at the first row)",
                    column=later,
                    rows=_rows(neg),
                )
    if "resolved" in names:
        resolved = _flag(table, "resolved")
        if "resolved_at" in instants:
            resolved = np.where(
                np.isnan(resolved), (~np.isnat(instants["resolved_at"])).astype(float), resolved
            )
    elif "resolved_at" in instants:
        resolved = (~np.isnat(instants["resolved_at"])).astype(np.float64)
    else:
        resolved = np.full(ids.size, np.nan)
    fcr = _flag(table, "first_contact_resolved") if "first_contact_resolved" in names else None
    sat = None
    if "satisfaction" in names:
        sat = _number(table, "satisfaction")
        bad = np.isfinite(sat) & ((sat < 1) | (sat > satisfaction_scale)) | np.isinf(sat)
        if bad.any():
            raise DataError(
                f"satisfaction is a rating 1–{satisfaction_scale}; found {sat[bad][0]:g}",
                column="satisfaction",
                rows=_rows(bad),
            )
    channel = _text(table, "channel") if "channel" in names else None
    return TicketLog(
        entity_id=ids,
        type=np.asarray(types, dtype=str),
        instants=instants,
        wall=wall,
        resolved=np.asarray(resolved, dtype=np.float64),
        first_contact_resolved=fcr,
        satisfaction=sat,
        channel=channel,
        notes=tuple(notes),
    )


def _read_any(path: str | os.PathLike[str], text_columns: Sequence[str]) -> Any:
    """Read a table; CSV text columns stay text (no type inference of ids / timestamps)."""
    from evalsys.model.tables import read_table

    p = Path(path)
    if p.suffix.lower() != ".csv" or not p.exists() or p.stat().st_size == 0:
        return read_table(p)
    import pyarrow as pa
    from pyarrow import csv

    opts = csv.ConvertOptions(
        column_types={c: pa.string() for c in text_columns},
        strings_can_be_null=True,
    )
    try:
        return csv.read_csv(p, convert_options=opts)
    except pa.ArrowInvalid as exc:
        raise DataError(f"cannot parse CSV: {exc}", file=str(path)) from None


def read_logs(path: str | os.PathLike[str], *, satisfaction_scale: int = 5) -> TicketLog:
    """Read a log file (CSV, Parquet, JSON, XLSX) and parse it with :func:`parse_logs`.

    CSV columns ``entity_id``, ``ticket_id``, ``channel``, ``type`` and the timestamp
    columns are read as text (ids keep leading zeros, offsets are kept).
    """
    table = _read_any(path, (*_TEXT_COLUMNS, *TIMESTAMP_COLUMNS))
    return parse_logs(table, source=str(path), satisfaction_scale=satisfaction_scale)


def read_entities(path: str | os.PathLike[str], *, id_column: str = "entity_id") -> Any:
    """Read the entity list or the tree's entity data as a pyarrow Table.

    ``.txt``: one id per line (``#`` comments); tables: must have ``id_column``.
    """
    import pyarrow as pa

    p = Path(path)
    if p.suffix.lower() == ".txt":
        if not p.exists():
            raise DataError("no such file", file=str(path))
        ids = [line.split("#", 1)[0].strip() for line in p.read_text(encoding="utf-8").splitlines()]
        return pa.table({id_column: pa.array([i for i in ids if i], pa.string())})
    table = _read_any(p, (id_column,))
    if id_column not in table.column_names:
        raise DataError(f"the entities file has no '{id_column}' column", file=str(path))
    return table
