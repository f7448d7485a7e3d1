"""Errors of the history layer: bad period labels, store files, version clashes.

All derive from :class:`evalsys.errors.EvalsysError` (and ``ValueError``), so the CLI prints
them as one ``error: ...`` line with exit code 1.
"""

from __future__ import annotations

from evalsys.errors import EvalsysError

__all__ = ["HistoryError", "PeriodError", "StoreError", "VersionError"]


class HistoryError(EvalsysError, ValueError):
    """Root of the history-layer errors."""


class PeriodError(HistoryError):
    """A period label is malformed, unknown to the store, out of order or of another kind."""


class StoreError(HistoryError):
    """A history store file is not a store, is from a newer schema, or refuses the operation."""


class VersionError(HistoryError):
    """Data or a period belongs to another rule version than the one asked for."""
