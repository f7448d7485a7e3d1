"""Alerts and panels straight from a history store: the Python side of ``history alerts``.

:func:`history_panel` reads the columns a set of rules and the period view need (only those
the store holds, plus every column the rules name, so that a missing one is a clear error);
:func:`store_alerts` loads a rule file, checks it against the tree the store recorded for
its latest period (:func:`latest_tree`, or a given tree) and evaluates it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from evalsys.history.alerts import AlertResult, evaluate_alerts
from evalsys.history.errors import StoreError
from evalsys.history.panel import Panel
from evalsys.history.periods import parse_period
from evalsys.history.rules import load_rules

if TYPE_CHECKING:
    from evalsys.model.tree import TreeSpec

__all__ = ["history_panel", "latest_tree", "store_alerts"]


def _report_columns(tree: TreeSpec | None) -> list[str]:
    """Panel columns of the period view: scores, first-level dimensions, indicators."""
    cols = ["score", "rank", "percentile"]
    if tree is not None:
        cols += [f"dim:{d}" for d in tree.children(tree.root.id)]
        cols += [leaf.id for leaf in tree.leaves()]
    return cols


def latest_tree(store: str | os.PathLike[str]) -> TreeSpec:
    """The tree that scored the latest period of ``store`` (its official rule version)."""
    from evalsys.history.store import HistoryStore

    with HistoryStore.open(store, read_only=True) as hs:
        stored = hs.periods()
        if not stored:
            raise StoreError("the history store holds no period yet", file=str(store))
        tree: TreeSpec = hs.version(hs.official_version(stored[-1])).tree()
    return tree


def history_panel(
    store: str | os.PathLike[str],
    columns: Sequence[str],
    *,
    tree: TreeSpec | None = None,
    periods: Sequence[str] | None = None,
) -> tuple[Panel, TreeSpec]:
    """Read ``columns`` (plus the report's columns and the grade and segment labels) of
    ``store`` as a Panel, and the tree (``tree``, else the tree of the latest period)."""
    from evalsys.history.store import HistoryStore

    spec = tree if tree is not None else latest_tree(store)
    with HistoryStore.open(store, read_only=True) as hs:
        have: set[str] = set(hs.score_columns())
        optional = [
            c
            for c in (*_report_columns(spec), "grade", "segment")
            if {c, f"raw:{c}", f"text:{c}"} & have
        ]
        panel = hs.panel(list(dict.fromkeys([*columns, *optional])), periods=periods)
    return panel, spec


def store_alerts(
    store: str | os.PathLike[str],
    rules: str | os.PathLike[str],
    *,
    tree: str | None = None,
    periods: Sequence[str] | None = None,
    all_periods: bool = False,
) -> tuple[AlertResult, Panel, TreeSpec]:
    """Load ``rules`` (checked against the tree), read the store and evaluate the alerts.

    Alerts are raised for ``periods`` (default: the latest period; every period with
    ``all_periods``); the whole history is read so that runs and trends see the past.
    """
    from evalsys.model.io import load_tree

    load_rules(rules)  # errors of the file itself before the store is opened
    spec = load_tree(tree) if tree is not None else latest_tree(store)
    checked = load_rules(rules, spec)
    panel, _ = history_panel(store, checked.columns, tree=spec)
    if all_periods:
        wanted = None
    else:  # canonical labels ("2026-q1" -> "2026-Q1"); a malformed one is a PeriodError
        wanted = [parse_period(p).label for p in periods] if periods else [panel.periods[-1]]
    return evaluate_alerts(panel, checked, periods=wanted), panel, spec
