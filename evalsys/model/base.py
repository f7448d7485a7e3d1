"""The base of every tree-file model, the id pattern and the located error of the checks.

:class:`FrozenModel` is frozen, rejects unknown keys (``extra="forbid"``) and accepts
fields by name or alias; :data:`ID_PATTERN` is the pattern of tree, node and grade ids;
:func:`located_error` is the :class:`~evalsys.errors.TreeSpecError` of the structural
checks, carrying ``loc`` (a path into the file) from which the loader adds the line number.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from evalsys.errors import TreeSpecError

__all__ = ["ID_PATTERN", "FrozenModel", "located_error"]

ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"


class FrozenModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def located_error(
    message: str, index: int | None, node: str | None, *path: str | int
) -> TreeSpecError:
    """A :class:`TreeSpecError` at ``nodes[index]`` + ``path`` (or ``path`` alone)."""
    err = TreeSpecError(message, node=node)
    loc: tuple[str | int, ...] = ("nodes", index, *path) if index is not None else tuple(path)
    err.loc = loc  # type: ignore[attr-defined]
    return err
