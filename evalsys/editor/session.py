"""One editing session: the document being edited and the JSON state the page draws.

An :class:`EditorSession` holds the current :class:`~evalsys.editor.document.TreeDocument`
(edits live in memory until saved) behind a lock, and answers every request of the page
with the whole state: the tree as a hierarchy (each node's local and global weight from
:func:`evalsys.weights.hierarchy.node_weights`, its CR when it has pairwise judgments)
and the figures of every editable block (:func:`~evalsys.editor.check.check_block`).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from evalsys.editor.blocks import EditError
from evalsys.editor.check import check_block
from evalsys.editor.document import TreeDocument
from evalsys.errors import EvalsysError
from evalsys.model.compiled import compile_tree
from evalsys.model.nodes import DimensionNode
from evalsys.model.tree import TreeSpec

__all__ = ["EditorSession", "parse_block_key", "parse_pasted_matrix"]

_ROWS = re.compile(r"[\r\n;]+")
_CELLS = re.compile(r"[\s,]+")


def parse_block_key(key: object) -> tuple[str, int | None]:
    """``"node"`` → ``("node", None)``, ``"node#2"`` → ``("node", 2)``; else EditError."""
    if not isinstance(key, str) or not key:
        raise EditError("the request names no block (a dimension id, or 'id#expert')")
    node, sep, expert = key.partition("#")
    if not sep:
        return node, None
    if not expert.isdigit():
        raise EditError(f"bad block name {key!r}; use 'id' or 'id#expert'")
    return node, int(expert)


def parse_pasted_matrix(text: str) -> list[list[str]]:
    """Rows of a matrix pasted as text: one row per line (or ``;``), cells split by
    tabs, commas or spaces (as copied from a spreadsheet).  Empty lines are ignored."""
    rows = [r.strip() for r in _ROWS.split(text)]
    return [_CELLS.split(r) for r in rows if r]


def _weights_label(node: DimensionNode) -> str:
    w: Any = node.weights
    if w.type == "pairwise":
        src = "experts" if w.experts else ("judgments" if w.judgments else "matrix")
        return f"pairwise {src} ({w.method}, RI {w.ri})"
    if w.type == "combined":
        return f"combined ({w.subjective.type} + {w.objective}, {w.rule})"
    if w.type in ("fuzzy_pairwise", "objective"):
        return f"{w.type.replace('_', ' ')} ({w.method})"
    return str(w.type)


def _hierarchy(spec: TreeSpec, doc: TreeDocument) -> list[dict[str, Any]]:
    """The nodes in depth-first file order with their weights and consistency."""
    from evalsys.weights.hierarchy import node_weights

    compiled = compile_tree(spec)
    local: dict[str, float | None] = {spec.root.id: 1.0}
    info: dict[str, dict[str, Any]] = {}
    for k, nid in enumerate(compiled.node_ids):
        node = spec.node(nid)
        if not isinstance(node, DimensionNode):
            continue
        try:
            nw = node_weights(compiled, k)
        except EvalsysError as exc:
            info[nid] = {"note": exc.message}
            for c in compiled.children(k):
                local[compiled.node_ids[c]] = None
            continue
        info[nid] = {"cr": nw.cr, "consistent": nw.consistent, "method": nw.method}
        for child, w in zip(nw.children, nw.weights, strict=True):
            local[child] = float(w)
    kids: dict[str | None, list[str]] = {}
    for n in spec.nodes:
        kids.setdefault(n.parent, []).append(n.id)
    out: list[dict[str, Any]] = []

    def walk(nid: str, depth: int, above: float | None) -> None:
        node = spec.node(nid)
        lw = local.get(nid)
        gw = None if above is None or lw is None else above * lw
        entry: dict[str, Any] = {
            "id": nid,
            "name": node.name,
            "name_en": node.name_en,
            "parent": node.parent,
            "kind": node.kind,
            "depth": depth,
            "children": kids.get(nid, []),
            "local": lw,
            "global": gw,
            "weights": _weights_label(node) if isinstance(node, DimensionNode) else None,
            "blocks": [b.key for b in doc.blocks.values() if b.node == nid],
            "cr": None,
            "consistent": None,
            "note": None,
            "method": None,
        }
        entry |= info.get(nid, {})
        out.append(entry)
        for c in kids.get(nid, []):
            walk(c, depth + 1, gw)

    walk(spec.root.id, 0, 1.0)
    return out


class EditorSession:
    """The document being edited and the operations of the page (thread-safe).

    Every operation returns :meth:`state`; a refused one raises
    :class:`~evalsys.errors.EvalsysError` and leaves the document as it was.
    """

    def __init__(self, doc: TreeDocument) -> None:
        self._doc = doc
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | Path) -> EditorSession:
        """A session on the YAML tree file ``path`` (validated as ``evalsys validate``)."""
        return cls(TreeDocument.open(path))

    @property
    def document(self) -> TreeDocument:
        """The current document (with the unsaved edits)."""
        return self._doc

    def state(self) -> dict[str, Any]:
        """The JSON state of the page: file, ``changed``, tree, nodes, blocks."""
        doc = self._doc
        spec = doc.spec
        return {
            "file": str(doc.path),
            "changed": doc.changed,
            "tree": {"id": spec.id, "name": spec.name, "name_en": spec.name_en},
            "nodes": _hierarchy(spec, doc),
            "blocks": {b.key: check_block(b) for b in doc.blocks.values()},
        }

    def set_judgments(self, block: object, changes: object) -> dict[str, Any]:
        """Apply ``[[i, j, value], …]`` to ``block`` (``"id"`` or ``"id#expert"``)."""
        node, expert = parse_block_key(block)
        if not isinstance(changes, list | tuple):
            raise EditError("the changes must be a list of [row, column, value]")
        triples: list[tuple[Any, Any, object]] = []
        for c in changes:
            if not isinstance(c, list | tuple) or len(c) != 3:
                raise EditError("each change is [row, column, value]")
            triples.append((c[0], c[1], c[2]))
        with self._lock:
            self._doc = self._doc.with_judgments(node, expert, triples)
            return self.state()

    def set_matrix(self, block: object, matrix: object) -> dict[str, Any]:
        """Replace the judgments of ``block`` by a whole matrix (rows, or pasted text)."""
        node, expert = parse_block_key(block)
        rows = parse_pasted_matrix(matrix) if isinstance(matrix, str) else matrix
        if not isinstance(rows, list):
            raise EditError("the matrix must be a list of rows or pasted text")
        with self._lock:
            self._doc = self._doc.with_matrix(node, expert, rows)
            return self.state()

    def save(self) -> dict[str, Any]:
        """Save atomically; the state gets ``written`` (False when nothing changed)."""
        with self._lock:
            self._doc, written = self._doc.save()
            return self.state() | {"written": written}

    def reload(self) -> dict[str, Any]:
        """Discard the unsaved edits and read the file again."""
        with self._lock:
            self._doc = TreeDocument.open(self._doc.path)
            return self.state()
