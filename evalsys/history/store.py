"""The history store: every period's scores in one DuckDB file, appended atomically.

One file, no server.  Tables:

``meta``      ``format`` (``evalsys-history``), ``schema_version``, ``period_kind``
``versions``  one row per :class:`~evalsys.history.versions.RuleVersion` (tree and
              standards pinned by hash, with their documents and ``effective_from``)
``periods``   one row per (period, version): entities, mean score, source file, whether
              the version is the period's *official* one or a rescore
``scores``    one row per (period, version, entity): ``score``, ``grade``, ``validity``,
              ``rank``, ``percentile``, ``coverage``, ``dim:<id>``, raw input values
              ``raw:<column>``, text columns ``text:<column>``, compliance ``breach:<id>``;
              columns are added when a period brings new ones (NULL elsewhere)

Appending a period (:meth:`HistoryStore.add_period`) scores the data *before* the
transaction (:func:`~evalsys.history.ingest.prepare_period`: bounded memory), then runs
``ALTER`` / ``DELETE`` (``replace``) / ``INSERT ... SELECT FROM read_parquet`` and the
bookkeeping rows in **one transaction**: a crash, SIGKILL or Ctrl-C before ``COMMIT``
leaves the store as it was (DuckDB's write-ahead log holds only committed transactions).
A store that does not exist yet is built under a temporary name and renamed into place
(:func:`append_period`).  Reading (:meth:`~HistoryStore.panel`) is query by query, never
the whole store.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalsys.history.errors import PeriodError, StoreError, VersionError
from evalsys.history.periods import Period, parse_period
from evalsys.history.versions import RuleVersion, check_effective, rule_version

__all__ = ["SCHEMA_VERSION", "HistoryStore", "PeriodInfo", "append_period", "arrow", "q"]

#: Schema version written by this evalsys; newer stores are refused.
SCHEMA_VERSION = 1
FORMAT = "evalsys-history"
_CORE = ("score", "grade", "validity", "rank", "percentile", "coverage")

_DDL = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE versions (
    label VARCHAR PRIMARY KEY, tree_id VARCHAR, tree_version VARCHAR, tree_hash VARCHAR,
    tree_effective_from DATE, tree_json VARCHAR, standards_id VARCHAR,
    standards_version VARCHAR, standards_hash VARCHAR, standards_effective_from DATE,
    standards_json VARCHAR, grades VARCHAR, method VARCHAR, operator VARCHAR,
    added_at TIMESTAMP);
CREATE TABLE periods (
    period VARCHAR, ordinal BIGINT, version VARCHAR, official BOOLEAN, entities BIGINT,
    mean_score DOUBLE, source VARCHAR, engine VARCHAR, added_at TIMESTAMP,
    PRIMARY KEY (period, version));
CREATE TABLE scores (
    period VARCHAR, version VARCHAR, entity_id VARCHAR, "row" BIGINT, score DOUBLE,
    grade VARCHAR, validity DOUBLE, rank BIGINT, percentile DOUBLE, coverage DOUBLE);
"""


def q(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def arrow(con: Any, query: str, params: Sequence[Any] = ()) -> Any:
    """The result of ``query`` as a pyarrow Table (DuckDB 1.x and 2.x spellings)."""
    rel = con.sql(query, params=list(params))
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    return fetch()


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class PeriodInfo:
    """One stored (period, version) (frozen).

    Attributes
    ----------
    period, version
        Period label and rule version label.
    official
        ``True`` for the version the period was added with, ``False`` for a rescore.
    entities, mean_score
        Entities scored and their mean score.
    source, engine, added_at
        Data file, scoring engine and time of the append (UTC).
    """

    period: str
    version: str
    official: bool
    entities: int
    mean_score: float | None
    source: str
    engine: str
    added_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return dict(self.__dict__)


class HistoryStore:
    """A history store file (open with :meth:`open`; use as a context manager).

    Parameters
    ----------
    path
        The store file.
    con
        An open DuckDB connection to it.
    read_only
        Whether the connection is read-only.
    """

    def __init__(self, path: Path, con: Any, read_only: bool) -> None:
        self.path = path
        self.con = con
        self.read_only = read_only

    # ---------------------------------------------------------------- open / create
    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        create: bool = False,
        read_only: bool = False,
        memory_limit: str | None = "1GB",
        threads: int | None = 2,
    ) -> HistoryStore:
        """Open a store; with ``create``, create it when the file does not exist.

        Raises
        ------
        StoreError
            The file does not exist (without ``create``), is not a DuckDB file, is not a
            history store, comes from a newer schema, or is locked by another process.
        """
        import duckdb

        p = Path(path)
        fresh = not p.exists()
        if fresh and not create:
            raise StoreError(
                "no such history store (create one with `evalsys history add`)", file=str(p)
            )
        if not fresh:
            if p.is_dir():
                raise StoreError("is a directory, not a history store", file=str(p))
            with open(p, "rb") as fh:
                head = fh.read(16)
            if head[8:12] != b"DUCK":
                raise StoreError("not a history store (not a DuckDB database file)", file=str(p))
        config: dict[str, Any] = {}
        if memory_limit:
            config["memory_limit"] = memory_limit
        if threads:
            config["threads"] = threads
        try:
            con = duckdb.connect(str(p), read_only=read_only and not fresh, config=config)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open the store: {exc}", file=str(p)) from None
        store = cls(p, con, read_only and not fresh)
        try:
            if fresh:
                store._create()
            else:
                store._check_schema()
        except BaseException:
            con.close()
            raise
        return store

    def _create(self) -> None:
        from evalsys._version import __version__

        self.con.execute("BEGIN")
        self.con.execute(_DDL)
        self.con.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [
                ("format", FORMAT),
                ("schema_version", str(SCHEMA_VERSION)),
                ("created_with", __version__),
            ],
        )
        self.con.execute("COMMIT")

    def _check_schema(self) -> None:
        tables = {
            r[0] for r in self.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        if not {"meta", "versions", "periods", "scores"} <= tables:
            raise StoreError(
                "not a history store (a DuckDB file without its tables)", file=str(self.path)
            )
        meta = self.meta()
        if meta.get("format") != FORMAT:
            raise StoreError("not a history store (wrong format marker)", file=str(self.path))
        try:
            version = int(meta.get("schema_version", ""))
        except ValueError:
            raise StoreError(
                "not a history store (no schema version)", file=str(self.path)
            ) from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store has schema version {version}, written by a newer evalsys; this "
                f"version reads schema {SCHEMA_VERSION} (upgrade evalsys)",
                file=str(self.path),
            )

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------- reading
    def meta(self) -> dict[str, str]:
        """The ``meta`` table as a dict."""
        return dict(self.con.execute("SELECT key, value FROM meta").fetchall())

    def periods(self) -> tuple[str, ...]:
        """Stored period labels, oldest first."""
        rows = self.con.execute(
            "SELECT period FROM periods WHERE official ORDER BY ordinal"
        ).fetchall()
        return tuple(r[0] for r in rows)

    def entries(self) -> list[PeriodInfo]:
        """Every stored (period, version): official ones first within a period."""
        rows = self.con.execute(
            "SELECT period, version, official, entities, mean_score, source, engine, "
            "strftime(added_at, '%Y-%m-%dT%H:%M:%SZ') FROM periods "
            "ORDER BY ordinal, NOT official, version"
        ).fetchall()
        return [PeriodInfo(*r) for r in rows]

    def versions(self) -> dict[str, RuleVersion]:
        """Stored rule versions by label."""
        rows = self.con.execute("SELECT * EXCLUDE (added_at) FROM versions").fetchall()
        return {r[0]: RuleVersion.from_row(r) for r in rows}

    def version(self, label: str) -> RuleVersion:
        """A stored rule version (:class:`VersionError` naming the known ones if absent)."""
        known = self.versions()
        if label not in known:
            shown = ", ".join(sorted(known)) or "none"
            raise VersionError(f"unknown rule version '{label}'; the store has: {shown}")
        return known[label]

    def official_version(self, period: str) -> str:
        """The version label a stored period was added with."""
        return self._official()[self.check_period(period)]

    def _official(self) -> dict[str, str]:
        rows = self.con.execute("SELECT period, version FROM periods WHERE official").fetchall()
        return dict(rows)

    def check_period(self, period: str) -> str:
        """The canonical label of a stored period (:class:`PeriodError` if not stored)."""
        label = parse_period(period).label
        stored = self.periods()
        if label not in stored:
            shown = ", ".join(stored) if stored else "none"
            raise PeriodError(f"period '{period}' is not in the store; stored periods: {shown}")
        return label

    def ordinals(self) -> dict[str, int]:
        """Ordinal (:attr:`~evalsys.history.periods.Period.ordinal`) of every stored period."""
        return dict(
            self.con.execute("SELECT period, ordinal FROM periods WHERE official").fetchall()
        )

    def score_columns(self) -> list[str]:
        """Columns of the ``scores`` table."""
        rows = self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'scores' "
            "ORDER BY column_index"
        ).fetchall()
        return [r[0] for r in rows]

    # ---------------------------------------------------------------------- writing
    def _check_label(self, rv: RuleVersion) -> bool:
        """Whether ``rv`` is new; error if its label is recorded with other rules."""
        known = self.versions()
        if rv.label not in known:
            return True
        old = known[rv.label]
        if not old.same_rules(rv):
            what = "tree" if old.tree_hash != rv.tree_hash else "standards profile or method"
            raise VersionError(
                f"rule version '{rv.label}' is recorded with a different {what} "
                f"(tree hash {old.tree_hash[:12]}, now {rv.tree_hash[:12]}); give the changed "
                "rules a new version (the tree's `version:` field or --version)"
            )
        return False

    def _check_columns(self, compiled: Any, rv: RuleVersion, data: Path) -> None:
        """A data file that lacks this version's columns but fits another stored version."""
        from evalsys.errors import DataError
        from evalsys.history.ingest import input_columns
        from evalsys.model.compiled import compile_tree
        from evalsys.model.data import required_columns

        if not data.exists():
            raise DataError("no such file", file=str(data))
        if data.suffix.lower() not in (".parquet", ".pq", ".csv"):
            return
        names = set(input_columns(data)[0])
        absent = [c for c in required_columns(compiled) if c not in names]
        if not absent:
            return
        for label, other in self.versions().items():
            if other.tree_hash == rv.tree_hash:
                continue
            if set(required_columns(compile_tree(other.tree()))) <= names:
                raise VersionError(
                    f"the data's columns belong to rule version '{label}' (tree "
                    f"{other.tree_id} {other.tree_version or ''}), not to '{rv.label}': "
                    f"missing {', '.join(absent[:8])}",
                    file=str(data),
                )
        raise DataError(
            f"missing column{'s' if len(absent) > 1 else ''} {', '.join(absent[:8])}"
            + (f" and {len(absent) - 8} more" if len(absent) > 8 else "")
            + f" (rule version '{rv.label}' reads {len(required_columns(compiled))} columns)",
            file=str(data),
        )

    def _before_commit(self) -> None:
        """Called inside every append transaction just before ``COMMIT`` (a test hook)."""

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            self._before_commit()
            self.con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                self.con.execute("ROLLBACK")
            raise

    def _add_columns(self, prep: Any) -> None:
        have: set[str] = set(self.score_columns())
        new = [f"dim:{d}" for d in prep.dimension_ids]
        new += [f"raw:{c}" for c in prep.raw_columns] + [f"breach:{c}" for c in prep.breach_columns]
        for c in new:
            if c not in have:
                self.con.execute(f"ALTER TABLE scores ADD COLUMN {q(c)} DOUBLE")
        for c in prep.text_columns:
            if f"text:{c}" not in have:
                self.con.execute(f"ALTER TABLE scores ADD COLUMN {q('text:' + c)} VARCHAR")

    def _insert(self, p: Period, rv: RuleVersion, prep: Any, official: bool, source: str) -> None:
        sel = [f"{_lit(p.label)} AS period", f"{_lit(rv.label)} AS version"]
        sel += ["s.entity_id", 's."row"'] + [f"s.{c}" for c in _CORE if c != "grade"]
        sel.append("CAST(s.grade AS VARCHAR) AS grade")
        sel += [f"s.{q('dim.' + d)} AS {q('dim:' + d)}" for d in prep.dimension_ids]
        num = [f"raw:{c}" for c in prep.raw_columns] + [f"breach:{c}" for c in prep.breach_columns]
        sel += [  # NaN = absent
            f"CASE WHEN isnan(d.{q(c)}) THEN NULL ELSE d.{q(c)} END AS {q(c)}" for c in num
        ]
        sel += [f"d.{q('text:' + c)}" for c in prep.text_columns]
        self.con.execute(
            f"INSERT INTO scores BY NAME SELECT {', '.join(sel)} "
            f"FROM read_parquet({_lit(str(prep.scores))}) s "
            f"LEFT JOIN read_parquet({_lit(str(prep.side))}) d USING (entity_id)"
        )
        n, mean = self.con.execute(
            "SELECT count(*), avg(score) FROM scores WHERE period = ? AND version = ?",
            [p.label, rv.label],
        ).fetchall()[0]
        now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
        self.con.execute(
            "INSERT INTO periods VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [p.label, p.ordinal, rv.label, official, n, mean, source, prep.engine, now],
        )

    def _insert_version(self, rv: RuleVersion) -> None:
        now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
        self.con.execute(f"INSERT INTO versions VALUES ({', '.join(['?'] * 15)})", [*rv.row(), now])

    def add_period(
        self,
        period: str,
        data: str | os.PathLike[str],
        tree: Any,
        standards: Any = None,
        *,
        version: str | None = None,
        replace: bool = False,
        id_column: str = "entity_id",
        missing: str = "reject",
        method: str = "fce",
        operator: str = "weighted_average",
        chunk_rows: int = 131_072,
    ) -> PeriodInfo:
        """Score ``data`` as ``period`` under ``tree`` (and ``standards``) and append it.

        Parameters
        ----------
        period
            Period label (:func:`~evalsys.history.periods.parse_period`); later than every
            stored period, or a stored one with ``replace``.
        data
            The period's entity data (Parquet, CSV, Excel, JSON) with an id column.
        tree
            A :class:`~evalsys.model.tree.TreeSpec`.
        standards
            A standards profile (``breach:`` columns) or ``None``.
        version
            Rule version label (default from the tree's and the profile's ``version``).
        replace
            Replace a stored period (its rescores are removed too).
        id_column, missing, method, operator, chunk_rows
            As for :func:`evalsys.engines.stream.score_file`.

        Returns
        -------
        PeriodInfo

        Raises
        ------
        PeriodError
            Malformed label, another kind of period than the store's, or older than the
            newest stored period.
        StoreError
            The period is stored already and ``replace`` is not set; a read-only store.
        VersionError
            The version label is recorded with other rules, the rules take effect after the
            period, or the data's columns belong to another stored version.
        DataError
            Bad data (the engines' checks, e.g. duplicate entity ids).
        """
        from evalsys.history.ingest import prepare_period
        from evalsys.model.compiled import compile_tree

        if self.read_only:
            raise StoreError("the store is open read-only", file=str(self.path))
        p = parse_period(period)
        kind = self.meta().get("period_kind")
        if kind is not None and kind != p.kind:
            raise PeriodError(f"period '{period}' is a {p.kind}; this store holds {kind} periods")
        stored = self.periods()
        if p.label in stored and not replace:
            raise StoreError(
                f"period {p.label} is already stored (under version "
                f"{self._official()[p.label]}); pass --replace to score it again",
                file=str(self.path),
            )
        if p.label not in stored and stored and parse_period(stored[-1]) > p:
            raise PeriodError(
                f"period {p.label} is older than the newest stored period {stored[-1]}; "
                "periods are appended in order (--replace re-scores a stored period)"
            )
        rv = rule_version(tree, standards, label=version, method=method, operator=operator)
        check_effective(rv, p)
        compiled = compile_tree(tree)
        src = Path(data)
        self._check_columns(compiled, rv, src)
        is_new = self._check_label(rv)
        with tempfile.TemporaryDirectory(prefix=".evalsys-history-", dir=self.path.parent) as tmp:
            prep = prepare_period(
                compiled,
                standards,
                src,
                Path(tmp),
                id_column=id_column,
                missing=missing,
                method=method,
                operator=operator,
                chunk_rows=chunk_rows,
            )
            with self._transaction():
                self._add_columns(prep)
                if replace:
                    self.con.execute("DELETE FROM scores WHERE period = ?", [p.label])
                    self.con.execute("DELETE FROM periods WHERE period = ?", [p.label])
                if kind is None:
                    self.con.execute("INSERT INTO meta VALUES ('period_kind', ?)", [p.kind])
                if is_new:
                    self._insert_version(rv)
                self._insert(p, rv, prep, True, str(src))
        return next(i for i in self.entries() if i.period == p.label and i.official)

    def rescore(
        self,
        version: str | None = None,
        tree: Any = None,
        standards: Any = None,
        *,
        periods: Sequence[str] | None = None,
        chunk_rows: int = 131_072,
    ) -> list[PeriodInfo]:
        """Score stored periods again under another version (see :func:`.versions.rescore`)."""
        from evalsys.history.versions import rescore

        return rescore(self, version, tree, standards, periods=periods, chunk_rows=chunk_rows)

    # ----------------------------------------------------------------- summaries
    def info(self, period: str, version: str | None = None) -> PeriodInfo:
        """The :class:`PeriodInfo` of a stored period (its official version by default)."""
        label = self.check_period(period)
        v = version or self._official()[label]
        for i in self.entries():
            if i.period == label and i.version == v:
                return i
        raise VersionError(f"period {label} has no scores under version '{v}'; run rescore")

    def panel(
        self,
        columns: Sequence[str],
        periods: Sequence[str] | None = None,
        entities: Sequence[str] | None = None,
        version: str | None = None,
    ) -> Any:
        """Columns of stored periods as a :class:`~evalsys.history.panel.Panel`.

        See :func:`evalsys.history.query.build_panel`.
        """
        from evalsys.history.query import build_panel

        return build_panel(self, columns, periods, entities, version)


def append_period(
    path: str | os.PathLike[str],
    period: str,
    data: Any,
    tree: Any,
    standards: Any = None,
    **kwargs: Any,
) -> PeriodInfo:
    """Append a period to the store at ``path``, creating the store if needed.

    A new store is built under a temporary name beside ``path`` and renamed into place once
    the first period is committed, so an interrupted first append leaves no file behind.
    Keyword arguments are those of :meth:`HistoryStore.add_period`.
    """
    target = Path(path)
    if target.exists():
        with HistoryStore.open(target) as store:
            return store.add_period(period, data, tree, standards, **kwargs)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".creating", dir=target.parent
    )
    os.close(fd)
    os.unlink(tmp_name)
    tmp = Path(tmp_name)
    try:
        with HistoryStore.open(tmp, create=True) as store:
            info = store.add_period(period, data, tree, standards, **kwargs)
        os.replace(tmp, target)
        return info
    finally:
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            with contextlib.suppress(OSError):
                leftover.unlink()
