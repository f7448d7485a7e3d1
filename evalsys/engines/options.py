"""What every engine is given: the options of a scoring run and the tree argument.

It owns :class:`ScoreOptions`, the one frozen, validated set of choices the memory,
stream and Dask engines (and ``evalsys score``) share — a new option is added here once —
and :func:`load_compiled`, which accepts a tree the way every engine does (file, shipped
name, :class:`~evalsys.model.tree.TreeSpec` or :class:`~evalsys.model.compiled.CompiledTree`).

Module-level imports are limited to the standard library and :mod:`evalsys.errors`, so
that the command line can build options without loading numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evalsys.errors import DataError

__all__ = ["ScoreOptions", "load_compiled"]


@dataclass(frozen=True, slots=True)
class ScoreOptions:
    """The choices of a scoring run, checked once when built (frozen).

    Attributes
    ----------
    method
        ``fce`` (default), ``weighted_sum``, ``topsis`` or ``grey``
        (:data:`evalsys.scoring.result.METHODS`).
    operator
        Fuzzy operator for FCE: a name or alias in :data:`evalsys.scoring.fce.OPERATORS`,
        kept as given (:attr:`fce_operator` is the canonical name).  Checked for FCE only.
    missing
        Missing-value policy: ``reject``, ``skip`` or ``renormalize``
        (:data:`evalsys.model.data.MISSING_POLICIES`).
    id_column
        Entity id column of the input table.
    normalize_b
        Divide every node's B by its sum (FCE).
    memberships, contributions
        Also output the evaluation vectors B / the contributions.
    passthrough
        Input columns copied to the output when present.

    Raises
    ------
    UnknownMethodError
        An unknown method, or an unknown operator for FCE.
    DataError
        An unknown missing-value policy.
    """

    method: str = "fce"
    operator: str = "weighted_average"
    missing: str = "reject"
    id_column: str = "entity_id"
    normalize_b: bool = False
    memberships: bool = False
    contributions: bool = False
    passthrough: tuple[str, ...] = ("segment", "tier")

    def __post_init__(self) -> None:
        from evalsys.model.data import _check_policy
        from evalsys.scoring.result import METHODS

        if self.method not in METHODS:
            from evalsys.errors import UnknownMethodError

            raise UnknownMethodError(
                f"unknown scoring method '{self.method}'; valid names: {', '.join(METHODS)}"
            )
        if self.method == "fce":
            from evalsys.scoring.fce import OPERATORS

            OPERATORS.canonical(self.operator)
        _check_policy(self.missing)
        object.__setattr__(self, "passthrough", tuple(self.passthrough))

    @property
    def fce_operator(self) -> str | None:
        """The canonical operator name for FCE; ``None`` for the other methods."""
        if self.method != "fce":
            return None
        from evalsys.scoring.fce import OPERATORS

        return OPERATORS.canonical(self.operator)

    def require_fce(self, instead: str) -> None:
        """Raise :class:`DataError` unless the method is FCE, the one method that scores each
        entity on its own values; ``instead`` ends the message (what the engine cannot do
        and what to use)."""
        if self.method != "fce":
            raise DataError(
                f"method '{self.method}' rescales every column by statistics of all "
                f"entities, so it {instead}"
            )


def load_compiled(tree: Any) -> Any:
    """The :class:`~evalsys.model.compiled.CompiledTree` of a tree file or shipped name, a
    :class:`~evalsys.model.tree.TreeSpec` or a compiled tree (returned as it is)."""
    from evalsys.model.compiled import CompiledTree, compile_tree
    from evalsys.model.tree import TreeSpec

    if isinstance(tree, CompiledTree):
        return tree
    if isinstance(tree, TreeSpec):
        return compile_tree(tree)
    from evalsys.model.io import load_tree

    return compile_tree(load_tree(tree))
