"""evalsys — multi-level indicator evaluation systems."""

from __future__ import annotations

__version__ = "0.1.0"
