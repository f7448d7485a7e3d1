"""evalsys — multi-level indicator evaluation systems (評價指標體系).

Define a tree of dimensions and indicators, derive weights (AHP with consistency checks,
group and fuzzy AHP, objective weights), score many entities by fuzzy comprehensive
evaluation, grade, rank and benchmark them.

Public names are imported lazily so that ``import evalsys`` (and the CLI) start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    # tree model and files
    "TreeSpec": "evalsys.tree",
    "load_tree": "evalsys.io",
    "dump_tree": "evalsys.io",
    "compile_tree": "evalsys.compiled",
    "CompiledTree": "evalsys.compiled",
    "generate_sample": "evalsys.sample",
    # errors
    "EvalsysError": "evalsys.errors",
    "TreeSpecError": "evalsys.errors",
    "DataError": "evalsys.errors",
    "MatrixError": "evalsys.errors",
    "ShapeError": "evalsys.errors",
    "UnknownMethodError": "evalsys.errors",
    "RITableError": "evalsys.errors",
    "ConsistencyWarning": "evalsys.errors",
    "ValidityWarning": "evalsys.errors",
    # weighting
    "ahp_priorities": "evalsys.ahp",
    "AHPResult": "evalsys.ahp",
    # scoring
    "fce": "evalsys.fce",
}

__all__ = ["__version__", *sorted(_LAZY)]

if TYPE_CHECKING:  # pragma: no cover
    from evalsys.ahp import AHPResult, ahp_priorities
    from evalsys.compiled import CompiledTree, compile_tree
    from evalsys.errors import (
        ConsistencyWarning,
        DataError,
        EvalsysError,
        MatrixError,
        RITableError,
        ShapeError,
        TreeSpecError,
        UnknownMethodError,
        ValidityWarning,
    )
    from evalsys.fce import fce
    from evalsys.io import dump_tree, load_tree
    from evalsys.sample import generate_sample
    from evalsys.tree import TreeSpec


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'evalsys' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
