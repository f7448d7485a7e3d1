"""A small registry per method family (priority methods, RI tables, fuzzy operators …).

Adding a method touches one file: decorate it with ``REGISTRY.register("name")`` and the
CLI choices, validation and contract tests pick it up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from evalsys.errors import UnknownMethodError

T = TypeVar("T")

__all__ = ["Registry"]


class Registry(Generic[T]):
    """Named entries of one family.

    Parameters
    ----------
    family
        Human name of the family, used in error messages (e.g. ``"priority method"``).

    Examples
    --------
    >>> OPS: Registry[int] = Registry("operator")
    >>> _ = OPS.add("one", 1)
    >>> OPS.get("one")
    1
    >>> OPS.get("two")
    Traceback (most recent call last):
    ...
    evalsys.errors.UnknownMethodError: unknown operator 'two'; valid names: one
    """

    def __init__(self, family: str) -> None:
        self.family = family
        self._entries: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def add(self, name: str, entry: T, *, aliases: tuple[str, ...] = ()) -> T:
        """Register ``entry`` under ``name`` (and optional aliases); return it."""
        if name in self._entries or name in self._aliases:
            raise ValueError(f"{self.family} '{name}' is already registered")
        self._entries[name] = entry
        for alias in aliases:
            self._aliases[alias] = name
        return entry

    def register(self, name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[T], T]:
        """Decorator form of :meth:`add`."""

        def deco(entry: T) -> T:
            return self.add(name, entry, aliases=aliases)

        return deco

    def canonical(self, name: str) -> str:
        """Return the canonical name for ``name`` or an alias of it."""
        if name in self._entries:
            return name
        if name in self._aliases:
            return self._aliases[name]
        raise UnknownMethodError(
            f"unknown {self.family} '{name}'; valid names: {', '.join(self.names())}"
        )

    def get(self, name: str) -> T:
        """Return the entry for ``name``; raise :class:`UnknownMethodError` listing valid names."""
        return self._entries[self.canonical(name)]

    def names(self) -> tuple[str, ...]:
        """Canonical names, in registration order."""
        return tuple(self._entries)

    def items(self) -> Iterator[tuple[str, T]]:
        return iter(self._entries.items())

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._aliases

    def __len__(self) -> int:
        return len(self._entries)
