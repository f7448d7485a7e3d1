"""History layer: periods of scores in one store file, trends, versioned rules, alerts.

Submodules: :mod:`~evalsys.history.periods` (period labels), :mod:`~evalsys.history.panel`
(the period x entity arrays), :mod:`~evalsys.history.store` (the DuckDB history store),
:mod:`~evalsys.history.ingest` (a period's data made ready for the store),
:mod:`~evalsys.history.versions` (rule versions, rescoring), :mod:`~evalsys.history.query`
(panels, summaries), :mod:`~evalsys.history.trends` (changes, rolling windows, slopes,
movers, transitions, cohorts), :mod:`~evalsys.history.demo`, and the alert side
(rules, alerts, hysteresis, projection, monitor).  The names below are imported on first
use so that ``import evalsys.history`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["HistoryStore", "Panel", "RuleVersion", "append_period", "parse_period", "rule_version"]

_LAZY = {
    "HistoryStore": "evalsys.history.store",
    "append_period": "evalsys.history.store",
    "Panel": "evalsys.history.panel",
    "parse_period": "evalsys.history.periods",
    "RuleVersion": "evalsys.history.versions",
    "rule_version": "evalsys.history.versions",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evalsys.history' has no attribute '{name}'")
