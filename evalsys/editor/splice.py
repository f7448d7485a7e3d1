"""Text edits of the judgments in a YAML tree file that keep every other byte.

PyYAML's composer (pure-Python loader, whose marks are character offsets into the text)
gives the span of every judgment; :func:`splice_judgments` replaces only the text of the
judgments it changes — padding after the comma so that the columns of an aligned matrix
stay aligned — or, for an incomplete matrix, appends ``[row, col, value]`` items to its
``judgments`` list in the list's own style and indentation.  Comments, key order, quoting
and layout are therefore untouched.  The result is parsed again and compared with the
intended document; any other difference (an anchor, alias or tag in the way) refuses the
edit with one :class:`~evalsys.editor.blocks.EditError`.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any

import yaml

from evalsys.editor.blocks import Block, EditError, reciprocal

__all__ = ["splice_judgments"]

_PLAIN_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_YAML_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})
_DataLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def _holder(root: yaml.Node, block: Block) -> yaml.Node:
    """The mapping that holds the ``matrix`` or ``judgments`` of ``block``."""
    nodes = _get(root, "nodes")
    items = nodes.value if isinstance(nodes, yaml.SequenceNode) else []
    for item in items:
        ident = _get(item, "id")
        if isinstance(ident, yaml.ScalarNode) and ident.value == block.node:
            w = _get(item, "weights")
            kind = _get(w, "type")
            if isinstance(kind, yaml.ScalarNode) and kind.value == "combined":
                w = _get(w, "subjective")
            if block.expert is not None:
                experts = _get(w, "experts")
                w = experts.value[block.expert] if isinstance(experts, yaml.SequenceNode) else None
            if w is not None:
                return w
    raise EditError(f"cannot find the judgments of '{block.node}' in the file text")


def _data_holder(data: Any, block: Block) -> Any:
    """The same holder in the parsed document (plain dicts and lists)."""
    item = next(x for x in data["nodes"] if isinstance(x, dict) and x.get("id") == block.node)
    w = item["weights"]
    if w.get("type") == "combined":
        w = w["subjective"]
    return w if block.expert is None else w["experts"][block.expert]


def _quote(tokens: list[yaml.ScalarNode]) -> str:
    """How the block writes fractions: the quote of its first fraction, else ``"``."""
    for t in tokens:
        if "/" in str(t.value):
            return t.style if t.style in ("'", '"') else ""
    return '"'


def _token(value: str, quote: str) -> str:
    return f"{quote}{value}{quote}" if "/" in value else value


def _yaml_id(name: str) -> str:
    if _PLAIN_ID.fullmatch(name) and name.lower() not in _YAML_WORDS:
        return name
    return json.dumps(name, ensure_ascii=False)


def _scalar(node: yaml.Node | None, text: str, seen: set[int]) -> yaml.ScalarNode:
    """``node`` if its text can be replaced in place, else :class:`EditError`."""
    if (
        not isinstance(node, yaml.ScalarNode)
        or id(node) in seen
        or text[node.start_mark.index] in "&*!|>"
    ):
        raise EditError(
            "a judgment here is written with an anchor, alias, tag or block scalar; "
            "edit it in the file itself"
        )
    seen.add(id(node))
    return node


def _spaces_after(text: str, end: int) -> int:
    """Spaces after the comma that follows offset ``end`` (-1: no comma there)."""
    if not text.startswith(",", end):
        return -1
    k = end + 1
    while k < len(text) and text[k] == " ":
        k += 1
    return k - end - 1


def _replace(text: str, node: yaml.ScalarNode, new: str, aligned: bool) -> tuple[int, int, str]:
    """Splice replacing the scalar ``node`` by ``new``; in an ``aligned`` matrix
    (``[1,     2]``) the padding after the comma keeps the next column in place."""
    start, end = node.start_mark.index, node.end_mark.index
    spaces = _spaces_after(text, end)
    if spaces < 0:
        return start, end, new
    delta = len(new) - (end - start)
    pad = spaces - delta if aligned and spaces - delta >= 1 else spaces
    return start, end + 1 + spaces, new + "," + " " * pad


def _matrix_splices(
    text: str, rows: yaml.Node | None, wanted: dict[tuple[int, int], str], n: int
) -> tuple[list[tuple[int, int, str]], dict[tuple[int, int], str]]:
    if not isinstance(rows, yaml.SequenceNode) or len(rows.value) != n:
        raise EditError("the matrix in the file text is not a list of rows; edit it in the file")
    seen: set[int] = set()
    cells: dict[tuple[int, int], yaml.ScalarNode] = {}
    for i, row in enumerate(rows.value):
        if not isinstance(row, yaml.SequenceNode) or len(row.value) != n:
            raise EditError("a matrix row in the file text is not a list; edit it in the file")
        for j, cell in enumerate(row.value):
            cells[(i, j)] = _scalar(cell, text, seen)
    quote = _quote(list(cells.values()))
    aligned = any(_spaces_after(text, c.end_mark.index) > 1 for c in cells.values())
    splices, tokens = [], {}
    for (i, j), value in wanted.items():
        for at, v in (((i, j), value), ((j, i), reciprocal(value))):
            tokens[at] = _token(v, quote)
            splices.append(_replace(text, cells[at], tokens[at], aligned))
    return splices, tokens


def _insertion(text: str, seq: yaml.SequenceNode, items: list[str]) -> tuple[int, int, str]:
    """Splice appending flow items ``[row, col, value]`` to the list ``seq``."""
    if seq.flow_style:
        close = seq.end_mark.index - 1
        if text[close] != "]":
            raise EditError("cannot find the end of the 'judgments' list; edit it in the file")
        lead = ", " if seq.value else ""
        return close, close, lead + ", ".join(items)
    last = seq.value[-1]
    begin = text.rfind("\n", 0, last.start_mark.index) + 1
    head = text[begin : last.start_mark.index].rstrip()
    one_line = last.start_mark.line == last.end_mark.line
    if not (isinstance(last, yaml.SequenceNode) and last.flow_style and one_line) or not (
        head.endswith("-") and not head[:-1].strip()
    ):
        raise EditError(
            "cannot add a judgment to this 'judgments' list (the editor adds items to a list "
            "whose last item is one [row, column, value] on its line); add it in the file"
        )
    newline = "\r\n" if "\r\n" in text else "\n"
    eol = text.find("\n", last.end_mark.index)
    at = len(text) if eol < 0 else eol + 1
    lead = newline if eol < 0 else ""
    return at, at, lead + "".join(f"{head[:-1]}- {it}{newline}" for it in items)


def _judgment_splices(
    text: str, seq: yaml.Node | None, block: Block, wanted: dict[tuple[int, int], str]
) -> tuple[list[tuple[int, int, str]], dict[tuple[int, int], tuple[int, str]], list[str]]:
    if not isinstance(seq, yaml.SequenceNode):
        raise EditError("the 'judgments' in the file text are not a list; edit them in the file")
    pos = {k: i for i, k in enumerate(block.labels)}
    seen: set[int] = set()
    found: dict[tuple[int, int], tuple[int, yaml.ScalarNode, bool]] = {}
    for k, item in enumerate(seq.value):
        if isinstance(item, yaml.SequenceNode) and len(item.value) == 3:
            row, col, value = item.value
        else:
            row, col, value = _get(item, "row"), _get(item, "col"), _get(item, "value")
        if not (isinstance(row, yaml.ScalarNode) and isinstance(col, yaml.ScalarNode)):
            raise EditError("a judgment in the file text is not [row, column, value]")
        i, j = pos[str(row.value)], pos[str(col.value)]
        found[(min(i, j), max(i, j))] = (k, _scalar(value, text, seen), i < j)
    quote = _quote([v for _, v, _ in found.values()])
    splices: list[tuple[int, int, str]] = []
    changed: dict[tuple[int, int], tuple[int, str]] = {}
    added: list[str] = []
    for (i, j), value in sorted(wanted.items()):
        if (i, j) in found:
            k, node, forward = found[(i, j)]
            token = _token(value if forward else reciprocal(value), quote)
            changed[(i, j)] = (k, token)
            splices.append(_replace(text, node, token, False))
        else:
            row_id, col_id = _yaml_id(block.labels[i]), _yaml_id(block.labels[j])
            added.append(f"[{row_id}, {col_id}, {_token(value, quote)}]")
    if added:
        splices.append(_insertion(text, seq, added))
    return splices, changed, added


def splice_judgments(text: str, block: Block, wanted: dict[tuple[int, int], str]) -> str:
    """``text`` with the judgments ``wanted`` (``(i, j)`` with ``i < j`` → scale text).

    The mirrored entry of a full matrix gets the reciprocal; a pair missing from a
    ``judgments`` list is appended to it.  Raises :class:`EditError` when the judgments
    cannot be changed in place, or when the new text would parse to anything other than
    the old document with these judgments changed.
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader)  # pure Python: character offsets
    if root is None:
        raise EditError("the file is empty")
    holder = _holder(root, block)
    expected = copy.deepcopy(yaml.load(text, Loader=_DataLoader))
    target = _data_holder(expected, block)
    if block.complete:
        splices, tokens = _matrix_splices(text, _get(holder, "matrix"), wanted, len(block.labels))
        for (i, j), token in tokens.items():
            target["matrix"][i][j] = yaml.safe_load(token)
    else:
        splices, changed, added = _judgment_splices(text, _get(holder, "judgments"), block, wanted)
        for k, token in changed.values():
            item = target["judgments"][k]
            if isinstance(item, list):
                item[2] = yaml.safe_load(token)
            else:
                item["value"] = yaml.safe_load(token)
        target["judgments"].extend(yaml.safe_load(f"[{', '.join(added)}]"))
    spans = sorted(splices)
    if any(a[1] > b[0] for a, b in itertools.pairwise(spans)):
        raise EditError("two judgments share one place in the file text; edit them in the file")
    new = text
    for start, end, piece in reversed(spans):
        new = new[:start] + piece + new[end:]
    try:
        same = yaml.load(new, Loader=_DataLoader) == expected
    except yaml.YAMLError:
        same = False
    if not same:
        raise EditError(
            f"the judgments of '{block.node}' cannot be changed in place without changing "
            "something else in the file (anchors or aliases?); edit them in the file"
        )
    return new
