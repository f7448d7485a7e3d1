"""The tree file being edited: its text, its editable judgments, edits and atomic saving.

A :class:`TreeDocument` is immutable: :meth:`~TreeDocument.with_judgments` and
:meth:`~TreeDocument.with_matrix` return a new document whose text differs from the old
one only in the judgments changed (:func:`evalsys.editor.splice.splice_judgments`), so a
document with no edits is byte for byte the file it was read from.  Every edit is checked
by the project's tree validator before it is accepted (a refused edit raises one
:class:`~evalsys.editor.blocks.EditError` and changes nothing), and
:meth:`~TreeDocument.save` checks the exact bytes once more, as ``evalsys validate`` reads
them, before renaming them over the file; a refused save leaves the file untouched.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from evalsys.editor.blocks import Block, EditError, reciprocal, scale_value, tree_blocks
from evalsys.editor.splice import splice_judgments
from evalsys.errors import EvalsysError
from evalsys.model.io import read_document, tree_from_dict
from evalsys.model.tree import TreeSpec
from evalsys.model.weights_spec import parse_number

__all__ = ["TreeDocument"]

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOM = b"\xef\xbb\xbf"
_MISSING = frozenset({"", "?", "-"})


def _size(rows: list[Any]) -> str:
    widths = sorted({len(r) if isinstance(r, list | tuple) else 0 for r in rows})
    return f"{len(rows)}×" + ("/".join(str(w) for w in widths) or "0")


class TreeDocument:
    """A YAML tree file and its current, validated text.

    Use :meth:`open`; edits return a new document and :meth:`save` writes one.

    Attributes
    ----------
    path
        The file.
    text
        The current text (without a BOM; line endings as in the file).
    spec
        The validated tree of :attr:`text`.
    blocks
        Its editable judgments (:func:`~evalsys.editor.blocks.tree_blocks`).
    """

    def __init__(self, path: Path, text: str, on_disk: bytes, bom: bool) -> None:
        self.path = path
        self.text = text
        self._on_disk = on_disk
        self._bom = bom
        self.spec: TreeSpec = self._validate(text)
        self.blocks: dict[tuple[str, int | None], Block] = tree_blocks(self.spec)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> TreeDocument:
        """Read and validate a YAML tree file, with the checks of ``evalsys validate``.

        Raises
        ------
        EditError
            Not a ``.yaml``/``.yml`` file, or no such file.
        TreeSpecError
            The file does not pass ``evalsys validate``.
        """
        p = Path(path)
        if p.suffix.lower() not in {".yaml", ".yml"}:
            raise EditError("the editor edits YAML tree files (.yaml or .yml)", file=str(path))
        if not p.is_file():
            raise EditError("no such file", file=str(path))
        data, text = read_document(p, str(path), what="tree files")  # size, UTF-8, dup keys
        tree_from_dict(data, file=str(path), text=text)
        raw = p.read_bytes()
        bom = raw.startswith(_BOM)
        return cls(p, raw[3:].decode("utf-8") if bom else raw.decode("utf-8"), raw, bom)

    @property
    def changed(self) -> bool:
        """Whether the text differs from the file as it was read or last saved."""
        return self.encoded() != self._on_disk

    def encoded(self) -> bytes:
        """The bytes :meth:`save` would write (the BOM kept if the file had one)."""
        return (_BOM if self._bom else b"") + self.text.encode("utf-8")

    def _validate(self, text: str) -> TreeSpec:
        try:
            data = yaml.load(text, Loader=_SafeLoader)  # a SafeLoader
        except yaml.YAMLError as exc:  # pragma: no cover - splices keep the YAML well formed
            raise EditError(
                f"the edit would leave malformed YAML: {exc}", file=str(self.path)
            ) from None
        return tree_from_dict(data, file=str(self.path), text=text)

    def block(self, node: str, expert: int | None = None) -> Block:
        """The editable judgments of ``node`` (and ``expert``); :class:`EditError` if none."""
        try:
            return self.blocks[(node, expert)]
        except KeyError:
            who = f" (expert #{expert})" if expert is not None else ""
            raise EditError(
                f"no editable pairwise judgments at node '{node}'{who}", file=str(self.path)
            ) from None

    def _copy(self, text: str, on_disk: bytes | None = None) -> TreeDocument:
        new = TreeDocument.__new__(TreeDocument)
        new.path, new.text, new._bom = self.path, text, self._bom
        new._on_disk = self._on_disk if on_disk is None else on_disk
        try:
            new.spec = new._validate(text)
        except EditError:
            raise
        except EvalsysError as exc:  # pragma: no cover - on-scale reciprocal edits stay valid
            raise EditError(
                f"the edit was refused because the tree would not be valid: {exc.message}",
                file=str(self.path),
                node=exc.node,
            ) from None
        new.blocks = tree_blocks(new.spec)
        return new

    # ------------------------------------------------------------------------ edits

    def with_judgments(
        self, node: str, expert: int | None, changes: Sequence[tuple[int, int, object]]
    ) -> TreeDocument:
        """A copy with ``a[i][j] = value`` (and ``a[j][i] = 1/value``) for each change.

        Parameters
        ----------
        node, expert
            The block (see :meth:`block`).
        changes
            ``(i, j, value)`` with 0-based row and column of the block and a value on the
            Saaty scale (``3``, ``"1/3"``, ``0.5``).  A judgment missing from an
            incomplete matrix is added to its ``judgments`` list.

        Raises
        ------
        EditError
            An index outside the matrix, the diagonal, a value off the scale, or an edit
            that cannot be made in place; the document is unchanged.
        """
        block = self.block(node, expert)
        n = len(block.labels)
        file = str(self.path)
        wanted: dict[tuple[int, int], str] = {}
        for i, j, value in changes:
            ok = all(isinstance(k, int) and not isinstance(k, bool) for k in (i, j))
            if not (ok and 0 <= i < n and 0 <= j < n):
                raise EditError(
                    f"judgment ({i}, {j}) is outside the {n}×{n} matrix of '{node}'", file=file
                )
            if i == j:
                raise EditError(
                    f"the diagonal of '{node}' is always 1 ({block.labels[i]} against itself)",
                    file=file,
                )
            try:
                text = scale_value(value)
            except EditError as exc:
                raise exc.with_context(file=file, node=node) from None
            wanted[(min(i, j), max(i, j))] = text if i < j else reciprocal(text)
        wanted = {k: v for k, v in wanted.items() if not self._same(block, k, v)}
        if not wanted:
            return self
        try:
            new_text = splice_judgments(self.text, block, wanted)
        except EditError as exc:
            raise exc.with_context(file=file, node=node) from None
        return self._copy(new_text)

    @staticmethod
    def _same(block: Block, at: tuple[int, int], text: str) -> bool:
        old = block.values[at[0]][at[1]]
        return old is not None and math.isclose(parse_number(old), float(Fraction(text)))

    def with_matrix(
        self, node: str, expert: int | None, matrix: Sequence[Sequence[object]]
    ) -> TreeDocument:
        """A copy whose block takes the judgments of a whole ``n × n`` matrix.

        The matrix must have the block's size (one row and column per child), 1 on the
        diagonal and be reciprocal, with values on the Saaty scale; for an incomplete
        matrix ``None``, ``""``, ``"?"`` or ``"-"`` leave a missing judgment missing.

        Raises
        ------
        EditError
            A matrix of the wrong size (one message naming both sizes and the children),
            a bad value, or a judgment removed; the document is unchanged.
        """
        block = self.block(node, expert)
        file = str(self.path)
        n = len(block.labels)
        rows = [list(r) if isinstance(r, list | tuple) else r for r in matrix]
        if len(rows) != n or any(not isinstance(r, list) or len(r) != n for r in rows):
            raise EditError(
                f"the matrix of '{node}' must be {n}×{n} (one row and one column per child: "
                f"{', '.join(block.labels)}); got {_size(rows)}; nothing was changed",
                file=file,
            )

        def cell(i: int, j: int) -> str | None:
            v = rows[i][j]
            if v is None or (isinstance(v, str) and v.strip() in _MISSING):
                if block.values[i][j] is None:
                    return None
                raise EditError(
                    f"[{i}][{j}] is empty, but the editor does not remove judgments; "
                    "remove it in the file",
                    file=file,
                    node=node,
                )
            try:
                return scale_value(v)
            except EditError as exc:
                raise EditError(f"[{i}][{j}]: {exc.message}", file=file, node=node) from None

        changes: list[tuple[int, int, object]] = []
        for i in range(n):
            if cell(i, i) != "1":
                raise EditError(f"diagonal entry [{i}][{i}] must be 1", file=file, node=node)
            for j in range(i + 1, n):
                upper, lower = cell(i, j), cell(j, i)
                if upper is None and lower is None:
                    continue
                if upper is None or lower is None or lower != reciprocal(upper):
                    raise EditError(
                        f"the matrix is not reciprocal at [{i}][{j}] = {upper} and "
                        f"[{j}][{i}] = {lower}",
                        file=file,
                        node=node,
                    )
                changes.append((i, j, upper))
        return self.with_judgments(node, expert, changes)

    # ------------------------------------------------------------------------- save

    def save(self) -> tuple[TreeDocument, bool]:
        """Write the text to the file atomically; ``(document, written)``.

        Nothing is written when nothing changed.  The bytes go to a temporary file beside
        the target, are read back and validated exactly as ``evalsys validate`` reads a
        tree, and only then replace the file (keeping its permission bits).

        Raises
        ------
        EditError
            The file changed on disk since it was read, it cannot be written, or the new
            bytes fail ``evalsys validate``; the file is untouched.
        """
        file = str(self.path)
        try:
            disk = self.path.read_bytes()
        except OSError as exc:
            raise EditError(f"cannot read file: {exc.strerror}", file=file) from None
        if disk != self._on_disk:
            raise EditError(
                "the file changed on disk since the editor read it; nothing was written "
                "(reload it in the editor to continue from the new version)",
                file=file,
            )
        data = self.encoded()
        if data == disk:
            return self, False
        mode = self.path.stat().st_mode & 0o7777
        try:
            fd, tmp = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=self.path.suffix, dir=self.path.parent
            )
        except OSError as exc:
            raise EditError(f"cannot write: {exc.strerror or exc}", file=file) from None
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                parsed, text = read_document(Path(tmp), file, what="tree files")
                tree_from_dict(parsed, file=file, text=text)  # as `evalsys validate` does
            except EvalsysError as exc:
                raise EditError(
                    f"not saved: `evalsys validate` would reject the edited file "
                    f"({exc}); the file is unchanged",
                    file=file,
                ) from None
            os.chmod(tmp, mode)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return self._copy(self.text, on_disk=data), True
