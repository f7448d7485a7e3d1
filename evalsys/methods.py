"""Where each method family's registry (and the input check of its methods) lives, lazily.

The tree model validates method names (``method: eigenvector``, ``ri: saaty1980`` …) and the
CLI offers them as choices.  Both ask here, so a method registered in its own module is
picked up everywhere without a second list of names.  The tree model also runs the input
check of a family on the judgments of a file (:func:`check_input`), so the model layer
names no module of the weights layer.
"""

from __future__ import annotations

import importlib
from typing import Any

from evalsys._registry import Registry

__all__ = ["FAMILIES", "INPUT_CHECKS", "check_input", "check_name", "names", "registry"]

FAMILIES: dict[str, tuple[str, str]] = {
    "priority": ("evalsys.weights.ahp", "PRIORITY_METHODS"),
    "ri": ("evalsys.weights.ri_tables", "RI_TABLES"),
    "incomplete": ("evalsys.weights.incomplete", "INCOMPLETE_METHODS"),
    "aggregation": ("evalsys.weights.group", "AGGREGATIONS"),
    "fuzzy_ahp": ("evalsys.weights.fuzzy_ahp", "FUZZY_AHP_METHODS"),
    "defuzzifier": ("evalsys.weights.fuzzy_ahp", "DEFUZZIFIERS"),
    "objective": ("evalsys.weights.objective", "OBJECTIVE_METHODS"),
    "combination": ("evalsys.weights.objective", "COMBINATIONS"),
    "normalizer": ("evalsys.scoring.normalize", "NORMALIZERS"),
    "membership": ("evalsys.scoring.membership", "MEMBERSHIPS"),
    "operator": ("evalsys.scoring.fce", "OPERATORS"),
    "mcda": ("evalsys.scoring.mcda", "MCDA_METHODS"),
}
"""family → (module, registry attribute)."""

INPUT_CHECKS: dict[str, tuple[str, str]] = {
    "fuzzy_ahp": ("evalsys.weights.fuzzy_ahp", "validate_tfn_matrix"),
}
"""family → (module, function): the check of the input every method of the family takes."""


def registry(family: str) -> Registry[Any]:
    """Return the registry of ``family`` (imports its module on first use)."""
    module, attr = FAMILIES[family]
    reg: Registry[Any] = getattr(importlib.import_module(module), attr)
    return reg


def names(family: str) -> tuple[str, ...]:
    """Valid canonical names of ``family``."""
    return registry(family).names()


def check_name(family: str, name: str) -> str:
    """Return the canonical name; raise UnknownMethodError listing the valid names."""
    return registry(family).canonical(name)


def check_input(family: str, value: Any) -> None:
    """Run the input check of ``family`` on ``value`` (imports its module on first use).

    Raises whatever the check raises, e.g. :class:`~evalsys.errors.MatrixError` for a fuzzy
    judgment matrix that is not reciprocal.
    """
    module, attr = INPUT_CHECKS[family]
    getattr(importlib.import_module(module), attr)(value)
