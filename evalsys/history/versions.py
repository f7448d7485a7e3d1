"""Rule versions: the exact tree and standards profile that scored a period.

A :class:`RuleVersion` names one set of rules by a label (by default the tree's
``version``) and pins it by content: the SHA-256 of the tree's canonical JSON and of the
standards profile's, their own ``version`` fields and ``effective_from`` dates, and the
full documents (so that a stored version can rescore later periods without its files).
The store refuses a label already recorded with other contents: changed rules need a new
version, never a silent mix.

Effective dates: a tree or profile with ``effective_from = d`` may score a period only if
the period ends on or after ``d`` (:func:`check_effective`); which version is *official*
for a period is the one it was added with.  :meth:`HistoryStore.rescore
<evalsys.history.store.HistoryStore.rescore>` scores stored periods again under another
version and keeps both results side by side.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalsys.history.errors import StoreError, VersionError
from evalsys.history.periods import Period

__all__ = ["RuleVersion", "check_effective", "content_hash", "rescore", "rule_version"]


def content_hash(document: Any) -> str:
    """SHA-256 (hex) of a JSON-compatible document in canonical form (sorted keys)."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _date(value: Any) -> _dt.date | None:
    if value is None or isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class RuleVersion:
    """The rules that score a period (frozen).

    Attributes
    ----------
    label
        The version name the store and the CLI use (``--version``).
    tree_id, tree_version, tree_hash, tree_effective_from, tree_json
        The tree's id, its own ``version`` field, content hash, ``effective_from`` and the
        canonical JSON document.
    standards_id, standards_version, standards_hash, standards_effective_from, standards_json
        The same for the standards profile (all ``None`` without one).
    grades
        Grade ids, best first.
    method, operator
        Scoring method and fuzzy operator.
    """

    label: str
    tree_id: str
    tree_version: str | None
    tree_hash: str
    tree_effective_from: _dt.date | None
    tree_json: str
    standards_id: str | None
    standards_version: str | None
    standards_hash: str | None
    standards_effective_from: _dt.date | None
    standards_json: str | None
    grades: tuple[str, ...]
    method: str = "fce"
    operator: str = "weighted_average"

    def same_rules(self, other: RuleVersion) -> bool:
        """Whether both pin the same tree, profile, method and operator."""
        return (self.tree_hash, self.standards_hash, self.method, self.operator) == (
            other.tree_hash,
            other.standards_hash,
            other.method,
            other.operator,
        )

    def tree(self) -> Any:
        """The tree as a :class:`~evalsys.model.tree.TreeSpec` (validated again)."""
        from evalsys.model.io import tree_from_dict

        return tree_from_dict(json.loads(self.tree_json), file=f"<rule version {self.label}>")

    def standards(self) -> Any:
        """The standards profile, or ``None``."""
        if self.standards_json is None:
            return None
        from evalsys.analysis.benchmark import standards_from_dict

        return standards_from_dict(
            json.loads(self.standards_json), file=f"<rule version {self.label}>"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the documents)."""
        return {
            "label": self.label,
            "tree": {
                "id": self.tree_id,
                "version": self.tree_version,
                "hash": self.tree_hash,
                "effective_from": _iso(self.tree_effective_from),
            },
            "standards": None
            if self.standards_id is None
            else {
                "id": self.standards_id,
                "version": self.standards_version,
                "hash": self.standards_hash,
                "effective_from": _iso(self.standards_effective_from),
            },
            "grades": list(self.grades),
            "method": self.method,
            "operator": self.operator,
        }

    def row(self) -> tuple[Any, ...]:
        """The values of the store's ``versions`` table row (column order of the table)."""
        return (
            self.label,
            self.tree_id,
            self.tree_version,
            self.tree_hash,
            self.tree_effective_from,
            self.tree_json,
            self.standards_id,
            self.standards_version,
            self.standards_hash,
            self.standards_effective_from,
            self.standards_json,
            json.dumps(list(self.grades)),
            self.method,
            self.operator,
        )

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> RuleVersion:
        """Inverse of :meth:`row`."""
        vals = list(row[:14])
        vals[4], vals[9] = _date(vals[4]), _date(vals[9])
        vals[11] = tuple(json.loads(vals[11]))
        return cls(*vals)


def _iso(d: _dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def rule_version(
    tree: Any,
    standards: Any = None,
    *,
    label: str | None = None,
    method: str = "fce",
    operator: str = "weighted_average",
) -> RuleVersion:
    """Pin a tree (and a standards profile) as a :class:`RuleVersion`.

    Parameters
    ----------
    tree
        A :class:`~evalsys.model.tree.TreeSpec`.
    standards
        A standards profile or ``None``.
    label
        The version label; default the tree's ``version``, then ``"tree-<hash[:8]>"``.
        With a profile whose ``version`` is given, the default is ``"<tree>+<profile>"``
        (e.g. ``1.0+2026.1``).
    method, operator
        Scoring method and fuzzy operator.
    """
    from evalsys.model.io import tree_to_dict

    tdoc = tree_to_dict(tree)
    thash = content_hash(tdoc)
    sdoc = standards.model_dump(mode="json", exclude_defaults=True) if standards else None
    shash = content_hash(sdoc) if sdoc is not None else None
    if label is None:
        label = tree.version if tree.version else f"tree-{thash[:8]}"
        if standards is not None:
            label = f"{label}+{standards.version}"
    label = label.strip()
    if not label:
        raise VersionError("a rule version label must not be empty")
    return RuleVersion(
        label=label,
        tree_id=tree.id,
        tree_version=tree.version,
        tree_hash=thash,
        tree_effective_from=_date(getattr(tree, "effective_from", None)),
        tree_json=json.dumps(tdoc, ensure_ascii=False, sort_keys=True),
        standards_id=standards.id if standards is not None else None,
        standards_version=standards.version if standards is not None else None,
        standards_hash=shash,
        standards_effective_from=_date(getattr(standards, "effective_from", None)),
        standards_json=json.dumps(sdoc, ensure_ascii=False, sort_keys=True) if sdoc else None,
        grades=tuple(g.id for g in tree.grades),
        method=method,
        operator=operator,
    )


def check_effective(version: RuleVersion, period: Period) -> None:
    """Refuse rules that take effect after ``period`` ends.

    Raises
    ------
    VersionError
        If the tree's or the profile's ``effective_from`` is later than ``period.end``.
    """
    for what, day in (
        ("tree", version.tree_effective_from),
        ("standards profile", version.standards_effective_from),
    ):
        if day is not None and day > period.end:
            raise VersionError(
                f"rule version '{version.label}': the {what} takes effect on {day.isoformat()}, "
                f"after period {period.label} ends ({period.end.isoformat()})"
            )


def rescore(
    store: Any,
    version: str | None = None,
    tree: Any = None,
    standards: Any = None,
    *,
    periods: Sequence[str] | None = None,
    chunk_rows: int = 131_072,
) -> list[Any]:
    """Score stored periods again under another rule version, in one transaction.

    The raw values stored with each period are scored under the version's tree (and
    profile) exactly as a fresh scoring of the same data would; results are kept beside
    the official ones (``official = False``), replacing an earlier rescore under the same
    version.  Periods whose official version is this one are left out.

    Parameters
    ----------
    version
        Label of the version: a stored one (then ``tree`` may be omitted) or a new one
        for ``tree``/``standards`` (default from their ``version`` fields).
    tree, standards
        The new rules (a :class:`~evalsys.model.tree.TreeSpec` and a profile or
        ``None``); omitted: the stored version ``version``.
    periods
        Periods to rescore (default: all).
    chunk_rows
        Rows per chunk of the stream engine.

    Returns
    -------
    list of PeriodInfo
        The rescored (period, version) rows.

    Raises
    ------
    VersionError
        Unknown version without ``tree``; a label recorded with other rules; a period
        lacking a column the new tree reads.
    PeriodError
        A period that is not stored.
    """
    from evalsys.history.ingest import prepare_period
    from evalsys.history.periods import parse_period
    from evalsys.history.store import _lit
    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import required_columns

    if store.read_only:
        raise StoreError("the store is open read-only", file=str(store.path))
    if tree is None:
        if version is None:
            raise VersionError("rescore needs a stored version label or a tree")
        rv = store.version(version)
        tree, standards = rv.tree(), rv.standards()
    else:
        rv = rule_version(tree, standards, label=version)
    is_new = store._check_label(rv)
    compiled = compile_tree(tree)
    needed = required_columns(compiled)
    official = store._official()
    chosen = [store.check_period(x) for x in periods] if periods else list(store.periods())
    chosen = [x for x in chosen if official[x] != rv.label]
    cols = store.score_columns()
    out: list[tuple[Period, Any]] = []
    with tempfile.TemporaryDirectory(prefix=".evalsys-history-", dir=store.path.parent) as tmp:
        for label in chosen:
            sel, absent = _export_columns(store, label, official[label], cols, needed)
            if absent:
                raise VersionError(
                    f"period {label} has no values of {', '.join(absent[:8])}, read by "
                    f"rule version '{rv.label}'; it cannot be rescored"
                )
            work = Path(tmp) / label
            work.mkdir()
            src = work / "input.parquet"
            store.con.execute(
                f"COPY (SELECT {', '.join(sel)} FROM scores WHERE period = "
                f'{_lit(label)} AND version = {_lit(official[label])} ORDER BY "row") '
                f"TO {_lit(str(src))} (FORMAT parquet)"
            )
            prep = prepare_period(
                compiled,
                standards,
                src,
                work,
                method=rv.method,
                operator=rv.operator,
                chunk_rows=chunk_rows,
            )
            out.append((parse_period(label), prep))
        with store._transaction():
            if is_new:
                store._insert_version(rv)
            for p, prep in out:
                store._add_columns(prep)
                store.con.execute(
                    "DELETE FROM scores WHERE period = ? AND version = ?", [p.label, rv.label]
                )
                store.con.execute(
                    "DELETE FROM periods WHERE period = ? AND version = ?",
                    [p.label, rv.label],
                )
                store._insert(p, rv, prep, False, f"rescore of {official[p.label]}")
    done = {p.label for p, _ in out}
    return [i for i in store.entries() if i.version == rv.label and i.period in done]


def _export_columns(
    store: Any, period: str, version: str, cols: list[str], needed: list[str]
) -> tuple[list[str], list[str]]:
    """SELECT list re-creating a period's input table, and needed columns it lacks."""
    from evalsys.history.store import q

    cand = [c for c in cols if c.startswith(("raw:", "text:"))]
    if not cand:
        return ["entity_id"], needed
    counts = (
        store.con.execute(
            f"SELECT {', '.join(f'count({q(c)})' for c in cand)} FROM scores "
            "WHERE period = ? AND version = ?",
            [period, version],
        ).fetchall()[0]
        or ()
    )
    present = [c for c, n in zip(cand, counts, strict=True) if n]
    names = {c.split(":", 1)[1] for c in present}
    sel = ["entity_id"] + [f"{q(c)} AS {q(c.split(':', 1)[1])}" for c in present]
    return sel, [c for c in needed if c not in names]
