"""Queries on a history store: panels of columns, one period's summary and its table.

:func:`build_panel` reads only the requested columns of the requested periods, one
period at a time, into the ``(n_periods, n_entities)`` arrays of a
:class:`~evalsys.history.panel.Panel` (memory: 8 bytes per entity, period and column plus
the ids).  :func:`period_summary` aggregates in SQL (nothing per entity leaves DuckDB);
:func:`period_table` returns one period's rows as an Arrow table for export.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from evalsys.history.errors import HistoryError, VersionError
from evalsys.history.panel import Panel
from evalsys.history.store import HistoryStore, arrow, q

__all__ = ["build_panel", "panel_columns", "period_summary", "period_table", "resolve_column"]

_NUMERIC = ("score", "validity", "rank", "percentile", "coverage")


def panel_columns(store: HistoryStore) -> list[str]:
    """Every column name a panel of this store accepts."""
    out = [*_NUMERIC, "grade", "segment"]
    for c in store.score_columns():
        if c.startswith(("dim:", "breach:")):
            out.append(c)
        elif c.startswith(("raw:", "text:")) and c != "text:segment":
            out.append(c.split(":", 1)[1])
    return out


def resolve_column(name: str, table_columns: set[str]) -> tuple[str, str | None]:
    """``("value" | "label", store column or None)`` of a panel column name.

    Raises
    ------
    HistoryError
        If the store has no such column.
    """
    if name in _NUMERIC:
        return "value", name
    if name == "grade":
        return "label", "grade"
    if name == "segment":
        return "label", "text:segment" if "text:segment" in table_columns else None
    if name.startswith(("dim:", "breach:")) and name in table_columns:
        return "value", name
    if f"raw:{name}" in table_columns:
        return "value", f"raw:{name}"
    if f"text:{name}" in table_columns:
        return "label", f"text:{name}"
    known = sorted(
        {c.split(":", 1)[1] if c.startswith(("raw:", "text:")) else c for c in table_columns}
        - {"period", "version", "entity_id", "row"}
    )
    raise HistoryError(
        f"unknown column '{name}'; the store has: {', '.join(known[:40])}"
        + (" …" if len(known) > 40 else "")
    )


def _versions(store: HistoryStore, periods: list[str], version: str | None) -> list[str]:
    if version is None:
        official = store._official()
        return [official[p] for p in periods]
    have = {(i.period, i.version) for i in store.entries()}
    lacking = [p for p in periods if (p, version) not in have]
    if lacking:
        store.version(version)  # unknown label: the list of known ones
        raise VersionError(
            f"period{'s' if len(lacking) > 1 else ''} {', '.join(lacking)} "
            f"{'have' if len(lacking) > 1 else 'has'} no scores under version '{version}' "
            f"(run `evalsys history rescore --version {version}`)"
        )
    return [version] * len(periods)


def build_panel(
    store: HistoryStore,
    columns: Sequence[str],
    periods: Sequence[str] | None = None,
    entities: Sequence[str] | None = None,
    version: str | None = None,
) -> Panel:
    """A :class:`Panel` of ``columns`` over ``periods`` (default all, oldest first).

    Parameters
    ----------
    store
        An open store.
    columns
        Panel column names (see :mod:`evalsys.history.panel`).
    periods
        Period labels (any order; the panel is in period order).
    entities
        Entity ids to keep (default: every entity of any chosen period).
    version
        Read the rows scored under this version (rescores); default each period's official
        version.

    Raises
    ------
    PeriodError, VersionError, HistoryError
        Unknown period, period without rows under ``version``, unknown column.
    """
    import pyarrow as pa

    ordinal = store.ordinals()
    chosen = [store.check_period(p) for p in periods] if periods else list(store.periods())
    chosen = sorted(dict.fromkeys(chosen), key=ordinal.__getitem__)
    versions = _versions(store, chosen, version)
    table_cols: set[str] = set(store.score_columns())
    spec = {name: resolve_column(name, table_cols) for name in dict.fromkeys(columns)}
    pairs = list(zip(chosen, versions, strict=True))
    con = store.con
    if entities is not None:
        universe = np.unique(np.asarray(list(entities), dtype=np.str_))
    else:
        if pairs:
            cond = " OR ".join("(period = ? AND version = ?)" for _ in pairs)
            ids = arrow(
                con,
                f"SELECT DISTINCT entity_id FROM scores WHERE {cond} ORDER BY entity_id",
                [x for pv in pairs for x in pv],
            )
            universe = np.unique(ids.column(0).to_numpy(zero_copy_only=False).astype(np.str_))
        else:
            universe = np.array([], dtype=np.str_)
    shape = (len(pairs), universe.size)
    values = {n: np.full(shape, np.nan) for n, (k, _) in spec.items() if k == "value"}
    labels = {n: np.full(shape, "", dtype=object) for n, (k, _) in spec.items() if k == "label"}
    wanted = sorted({c for _, c in spec.values() if c is not None})
    sel = ", ".join(["u.pos", *(f"s.{q(c)}" for c in wanted)])
    # entity positions are joined in DuckDB, so no id leaves it after the universe
    con.register("_panel_ids", pa.table({"entity_id": universe, "pos": np.arange(universe.size)}))
    try:
        for t, (period, ver) in enumerate(pairs):
            tbl = arrow(
                con,
                f"SELECT {sel} FROM scores s JOIN _panel_ids u USING (entity_id) "
                "WHERE s.period = ? AND s.version = ?",
                [period, ver],
            )
            pos = tbl.column(0).to_numpy()
            _fill(tbl, t, pos, spec, wanted, values, labels)
    finally:
        con.unregister("_panel_ids")
    grade_order: tuple[str, ...] = ()
    if versions:
        grade_order = store.version(versions[-1]).grades
    return Panel(
        periods=tuple(chosen),
        entity_ids=universe,
        values=values,
        labels={n: a.astype(np.str_) for n, a in labels.items()},
        versions=tuple(versions),
        grade_order=grade_order,
    )


def _fill(
    tbl: Any,
    t: int,
    pos: Any,
    spec: dict[str, tuple[str, str | None]],
    wanted: list[str],
    values: dict[str, Any],
    labels: dict[str, Any],
) -> None:
    """Copy one period's columns of ``tbl`` into row ``t`` of the panel arrays."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for name, (kind, col) in spec.items():
        if col is None:
            continue
        arr = tbl.column(wanted.index(col) + 1)
        if kind == "value":
            arr = pc.fill_null(pc.cast(arr, pa.float64()), float("nan"))
            values[name][t, pos] = arr.to_numpy(zero_copy_only=False)
        else:
            labels[name][t, pos] = pc.fill_null(pc.cast(arr, pa.string()), "").to_numpy(
                zero_copy_only=False
            )


def period_summary(store: HistoryStore, period: str, version: str | None = None) -> dict[str, Any]:
    """Entities, score statistics, grade counts, compliance and segments of one period."""
    info = store.info(period, version)
    where = "period = ? AND version = ?"
    args = [info.period, info.version]
    con = store.con
    n, mean, median, lo, hi = con.execute(
        f"SELECT count(*), avg(score), median(score), min(score), max(score) FROM scores "
        f"WHERE {where}",
        args,
    ).fetchall()[0]
    rv = store.version(info.version)
    counts = dict(
        con.execute(
            f"SELECT grade, count(*) FROM scores WHERE {where} GROUP BY grade", args
        ).fetchall()
    )
    cols = store.score_columns()
    breach = [c for c in cols if c.startswith("breach:")]
    compliance: dict[str, Any] = {}
    if breach:
        row = (
            con.execute(
                "SELECT "
                + ", ".join(f"count({q(c)}), sum({q(c)})" for c in breach)
                + f" FROM scores WHERE {where}",
                args,
            ).fetchall()[0]
            or ()
        )
        for i, c in enumerate(breach):
            assessed, failed = row[2 * i], row[2 * i + 1]
            if assessed:
                compliance[c[7:]] = {
                    "assessed": int(assessed),
                    "failed": int(failed),
                    "share_met": 1.0 - float(failed) / float(assessed),
                }
    segments: dict[str, int] = {}
    if "text:segment" in cols:
        segments = {
            str(k): int(v)
            for k, v in con.execute(
                f'SELECT "text:segment", count(*) FROM scores WHERE {where} GROUP BY 1 ORDER BY 1',
                args,
            ).fetchall()
        }
    return {
        **info.to_dict(),
        "rules": rv.to_dict(),
        "score": {"mean": mean, "median": median, "min": lo, "max": hi},
        "entities": int(n),
        "grades": {g: int(counts.get(g, 0)) for g in rv.grades},
        "compliance": compliance,
        "segments": segments,
    }


def period_table(
    store: HistoryStore,
    period: str,
    version: str | None = None,
    entities: Sequence[str] | None = None,
) -> Any:
    """One period's rows (columns with values in it) as a pyarrow Table, by entity id."""
    info = store.info(period, version)
    cols = [c for c in store.score_columns() if c not in ("period", "version")]
    args: list[Any] = [info.period, info.version]
    filt = ""
    if entities is not None:
        filt = " AND entity_id IN (SELECT unnest(?::VARCHAR[]))"
        args.append(list(entities))
    counts = (
        store.con.execute(
            f"SELECT {', '.join(f'count({q(c)})' for c in cols)} FROM scores "
            f"WHERE period = ? AND version = ?{filt}",
            args,
        ).fetchall()[0]
        or ()
    )
    keep = [c for c, n in zip(cols, counts, strict=True) if n or c == "entity_id"]
    return arrow(
        store.con,
        f"SELECT {', '.join(map(q, keep))} FROM scores WHERE period = ? AND version = ?{filt} "
        "ORDER BY entity_id",
        args,
    )
