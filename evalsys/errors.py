"""Exception and warning hierarchy of evalsys.

Every error raised on bad user input derives from :class:`EvalsysError`, so a caller (and
the CLI) can catch one class and print one clear message.  Errors carry optional context
(file, line, node id, column, rows) that is rendered into the message.

The layout follows networkx's ``exception.py``: one root, a few specific subclasses that
also derive from the builtin a Python user would expect (``ValueError``, ``KeyError`` …).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ConsistencyWarning",
    "DataError",
    "EvalsysError",
    "EvalsysWarning",
    "MatrixError",
    "ParameterError",
    "RITableError",
    "ShapeError",
    "TreeSpecError",
    "UnknownMethodError",
    "ValidityWarning",
]


class EvalsysError(Exception):
    """Root of every evalsys error.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    file, line, node, column, rows
        Optional context; rendered as ``file:line: node 'id': column 'c': message (rows …)``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        node: str | None = None,
        column: str | None = None,
        rows: Sequence[int] | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.node = node
        self.column = column
        self.rows = tuple(rows) if rows is not None else None
        super().__init__(self._render())

    def _render(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(f"{self.file}:{self.line}" if self.line is not None else self.file)
        if self.node is not None:
            parts.append(f"node '{self.node}'")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        text = ": ".join([*parts, self.message])
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:10])
            more = f" and {len(self.rows) - 10} more" if len(self.rows) > 10 else ""
            text += f" (rows {shown}{more})"
        return text

    def with_context(
        self,
        *,
        file: str | None = None,
        line: int | None = None,
        node: str | None = None,
    ) -> EvalsysError:
        """Return a copy of this error with missing context filled in."""
        return type(self)(
            self.message,
            file=self.file if self.file is not None else file,
            line=self.line if self.line is not None else line,
            node=self.node if self.node is not None else node,
            column=self.column,
            rows=self.rows,
        )


class TreeSpecError(EvalsysError, ValueError):
    """An indicator-tree file or model is invalid."""


class DataError(EvalsysError, ValueError):
    """Entity data (a table of indicator values or records) is invalid."""


class ShapeError(EvalsysError, ValueError):
    """An array has the wrong shape for the operation."""


class MatrixError(EvalsysError, ValueError):
    """A pairwise judgment matrix is invalid (not square, not reciprocal, non-positive …)."""


class RITableError(EvalsysError, ValueError):
    """A random-index table does not cover the requested matrix size."""


class ParameterError(EvalsysError, ValueError):
    """A numeric or option argument is out of its domain (e.g. ``samples < 1``, ``alpha > 1``)."""


class UnknownMethodError(EvalsysError, ValueError):
    """A method / operator / table name is not registered; the message lists valid names."""


class EvalsysWarning(UserWarning):
    """Root of evalsys warnings."""


class ConsistencyWarning(EvalsysWarning):
    """A judgment matrix fails its consistency threshold, or a method has a known defect."""


class ValidityWarning(EvalsysWarning):
    """A maximum-membership grade has a low validity index."""
