"""Reading documents (tree files, and the one reader and validator of every YAML/JSON
document: standards profiles, alert rules), writing tree files, and atomic output.

Documents are YAML (safe loading only) or JSON with the same schema:
:func:`read_document` reads one, :func:`validate_document` validates it against its
pydantic model.  Every problem is raised as one :class:`~evalsys.errors.TreeSpecError`
naming the file, the line (from the YAML marks, which also cover JSON) and the node id.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO, Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from evalsys.errors import EvalsysError, TreeSpecError
from evalsys.model.tree import TreeSpec, check_tree

__all__ = [
    "MAX_TREE_BYTES",
    "DocumentEntries",
    "atomic_write",
    "dump_tree",
    "follow_umask",
    "line_of",
    "load_tree",
    "read_document",
    "resolve_tree_path",
    "shipped_path",
    "shipped_trees",
    "tree_from_dict",
    "validate_document",
]

MAX_TREE_BYTES = 16 * 1024 * 1024
"""Tree files larger than this are refused: real trees are kilobytes; a huge file is a mistake
(a data table passed as a tree) and would otherwise take minutes to parse."""

_SHIPPED = "indicator_trees"

M = TypeVar("M", bound=BaseModel)


def shipped_path(*parts: str) -> Path:
    """Path of a file shipped in the package's ``indicator_trees`` folder."""
    base = resources.files("evalsys").joinpath(_SHIPPED)
    return Path(str(base.joinpath(*parts)))


def shipped_trees() -> list[str]:
    """Names of the shipped trees (loadable by name: ``load_tree("ecommerce_service")``)."""
    return sorted(p.stem for p in shipped_path().glob("*.yaml"))


def resolve_tree_path(tree: str | os.PathLike[str]) -> Path:
    """Resolve a path, or the name of a shipped tree, to a file path."""
    path = Path(tree)
    if path.exists():
        return path
    name = str(tree)
    if os.sep not in name and "." not in name:
        candidate = shipped_path(f"{name}.yaml")
        if candidate.exists():
            return candidate
    known = ", ".join(shipped_trees())
    raise TreeSpecError(f"no such file, and not a shipped tree name (shipped: {known})", file=name)


# ----------------------------------------------------------------- line lookup


def line_of(text: str, loc: Sequence[str | int]) -> int | None:
    """1-based line of the YAML/JSON node at pydantic location ``loc`` (best effort)."""
    try:
        node: Any = yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = value
                    line = key.start_mark.line + 1
                    break
            # not a key: a discriminator tag in pydantic's loc; skip it
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
    return line


def _validation_message(exc: ValidationError) -> tuple[str, tuple[str | int, ...]]:
    err = exc.errors(include_url=False)[0]
    loc = tuple(err["loc"])
    # drop the union tags and node index from the field path shown to users
    field = (
        ".".join(str(p) for p in loc[2:] if p not in _TAGS)
        if loc[:1] == ("nodes",)
        else (".".join(str(p) for p in loc))
    )
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if err["type"] == "extra_forbidden":
        msg = f"unknown field '{loc[-1]}'"
        field = (
            ".".join(str(p) for p in loc[2:-1] if p not in _TAGS)
            if loc[:1] == ("nodes",)
            else (".".join(str(p) for p in loc[:-1]))
        )
    elif err["type"] == "missing":
        msg = f"missing required field '{loc[-1]}'"
        field = (
            ".".join(str(p) for p in loc[2:-1] if p not in _TAGS)
            if loc[:1] == ("nodes",)
            else (".".join(str(p) for p in loc[:-1]))
        )
    elif err["type"] == "union_tag_invalid":
        ctx = err.get("ctx", {})
        msg = (
            f"unknown {str(ctx.get('discriminator', 'type')).strip(chr(39))} "
            f"'{ctx.get('tag')}'; "
            f"valid: {ctx.get('expected_tags')}"
        )
    elif err["type"] == "union_tag_not_found":
        disc = str(err.get("ctx", {}).get("discriminator", "type")).strip("'")
        msg = f"missing field '{disc}'"
    extra = len(exc.errors()) - 1
    text = f"{field}: {msg}" if field else msg
    if extra > 0:
        text += f" ({extra} more problem{'s' if extra > 1 else ''} in this file)"
    return text, loc


_TAGS = frozenset(
    {
        "dimension",
        "quantitative",
        "rating",
        "checklist",
        "pairwise",
        "fuzzy_pairwise",
        "direct",
        "objective",
        "equal",
        "combined",
        "standard",
        "triangular",
        "trapezoidal",
        "gaussian",
    }
)


# -------------------------------------------------------------------- loading


#: libyaml's safe loader when PyYAML was built with it (ten times faster), else pure Python.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc]
    """Safe loader that refuses duplicate mapping keys (PyYAML keeps the last silently)."""


def _construct_unique_mapping(loader: Any, node: yaml.MappingNode) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise TreeSpecError(f"duplicate key '{key}' (first on line {seen[key]})", line=line)
        seen[key] = line
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _unique_json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise TreeSpecError(f"duplicate key '{k}'")
        out[k] = v
    return out


@dataclass(frozen=True, slots=True)
class DocumentEntries:
    """Where a document lists its entries (tree nodes, standards, alert rules).

    An error inside entry ``k`` of ``data[key]`` names the entry by its ``id_key`` value
    (the error's *node*).  With ``numbered`` the message also starts ``entry #k:`` (as for
    standards); without it an entry lacking ``id_key`` is named ``#k`` (as for tree nodes).
    """

    key: str
    id_key: str = "id"
    numbered: bool = True


def _entry_at(
    data: dict[Any, Any], loc: Sequence[str | int], entries: DocumentEntries | None
) -> tuple[int | None, str | None]:
    """Index and name of the entry that pydantic location ``loc`` lies in (best effort)."""
    if entries is None or len(loc) < 2 or loc[0] != entries.key or not isinstance(loc[1], int):
        return None, None
    k = loc[1]
    items = data.get(entries.key)
    if isinstance(items, list) and 0 <= k < len(items) and isinstance(items[k], dict):
        name = items[k].get(entries.id_key)
        if name is not None:
            return k, str(name)
        return k, None if entries.numbered else f"#{k + 1}"
    return k, None


def validate_document(
    model: type[M],
    data: Any,
    *,
    file: str | None,
    text: str | None,
    what: str,
    entries: DocumentEntries | None = None,
    check: Callable[[M], None] | None = None,
    message: Callable[[ValidationError], tuple[str, tuple[str | int, ...]]] | None = None,
) -> M:
    """Validate a parsed document (see :func:`read_document`) as ``model``.

    Every problem is one :class:`TreeSpecError` naming ``file``, the line (looked up in
    ``text``, the document's source) and the entry (node id) it lies in.

    Parameters
    ----------
    model
        The pydantic model of the document.
    data, file, text
        The parsed document, its name for messages and its text (``None``: no lines).
    what
        The kind of document in the messages: ``"tree"`` gives "a tree file must be a
        mapping with 'id', 'name' and 'nodes'" (the model's required fields).
    entries
        Where the document lists its entries, to name the entry an error is in.
    check
        Further checks of the validated document; a :class:`TreeSpecError` it raises
        with a ``loc`` attribute (a path into the document, see
        :func:`~evalsys.model.base.located_error`) gets the file and line added.
    message
        How a :class:`pydantic.ValidationError` reads: ``(message, location)`` of its first
        error; the default names the field path without union tags or node indices.

    Returns
    -------
    M
        The validated document.

    Examples
    --------
    >>> from pydantic import BaseModel
    >>> class Rule(BaseModel):
    ...     id: str
    ...     limit: float
    >>> text = "id: r" + chr(10) + "limit: x" + chr(10)
    >>> validate_document(Rule, {"id": "r", "limit": "x"}, file="r.yaml", text=text, what="rule")
    Traceback (most recent call last):
    ...
    evalsys.errors.TreeSpecError: r.yaml:2: limit: Input should be a valid number, ...
    """
    if not isinstance(data, dict):
        keys = [f"'{name}'" for name, f in model.model_fields.items() if f.is_required()]
        need = " and ".join([", ".join(keys[:-1]), keys[-1]] if len(keys) > 1 else keys)
        article = "an" if what[:1] in "aeiou" else "a"
        raise TreeSpecError(
            f"{article} {what} file must be a mapping"
            + (f" with {need}" if need else "")
            + (" (the file is empty)" if data is None else f", got {type(data).__name__}"),
            file=file,
            line=1 if data is not None else None,
        )
    try:
        doc = model.model_validate(data)
    except ValidationError as exc:
        msg, loc = (message or _validation_message)(exc)
        line = line_of(text, loc) if text is not None else None
        k, node = _entry_at(data, loc, entries)
        if k is not None and entries is not None and entries.numbered:
            msg = f"entry #{k + 1}: {msg}"
        raise TreeSpecError(msg, file=file, line=line, node=node) from None
    if check is not None:
        try:
            check(doc)
        except TreeSpecError as exc:
            loc = getattr(exc, "loc", ())
            line = line_of(text, loc) if text is not None and loc else None
            raise exc.with_context(file=file, line=line) from None
    return doc


_TREE_NODES = DocumentEntries("nodes", "id", numbered=False)


def tree_from_dict(data: Any, *, file: str | None = None, text: str | None = None) -> TreeSpec:
    """Validate a parsed tree document; errors name ``file``, line (from ``text``) and node."""
    return validate_document(
        TreeSpec, data, file=file, text=text, what="tree", entries=_TREE_NODES, check=check_tree
    )


_TABLE_HINT = " (is this a data table rather than a tree?)"


def read_document(path: Path, file: str, *, what: str, hint: str = "") -> tuple[Any, str]:
    """Read and parse a YAML/JSON document (trees, standards profiles): ``(data, text)``.

    One :class:`TreeSpecError` naming ``file`` (and the line) for a file over
    :data:`MAX_TREE_BYTES` (``what`` names the kind, ``hint`` is appended), unreadable or
    non-UTF-8 text (a BOM is allowed), an empty file, malformed JSON/YAML, or a mapping key
    given twice (PyYAML and ``json`` would keep the last silently).
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TreeSpecError(f"cannot read file: {exc.strerror}", file=file) from None
    if size > MAX_TREE_BYTES:
        raise TreeSpecError(
            f"file is {size / 2**20:.1f} MiB; {what} are limited to "
            f"{MAX_TREE_BYTES // 2**20} MiB{hint}",
            file=file,
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TreeSpecError(f"not UTF-8 text (byte {exc.start})", file=file) from None
    except OSError as exc:
        raise TreeSpecError(f"cannot read file: {exc.strerror}", file=file) from None
    if not text.strip():
        raise TreeSpecError("file is empty", file=file)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, object_pairs_hook=_unique_json_object)
        except json.JSONDecodeError as exc:
            raise TreeSpecError(f"malformed JSON: {exc.msg}", file=file, line=exc.lineno) from None
        except TreeSpecError as exc:
            raise exc.with_context(file=file) from None
    else:
        try:
            data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
        except TreeSpecError as exc:
            raise exc.with_context(file=file) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or "syntax error"
            raise TreeSpecError(
                f"malformed YAML: {problem}",
                file=file,
                line=mark.line + 1 if mark is not None else None,
            ) from None
        except yaml.YAMLError as exc:
            raise TreeSpecError(f"malformed YAML: {exc}", file=file) from None
    return data, text


def load_tree(tree: str | os.PathLike[str]) -> TreeSpec:
    """Load and validate an indicator tree from a YAML/JSON file or a shipped tree name.

    Parameters
    ----------
    tree
        A path (``.yaml``, ``.yml`` or ``.json``) or the name of a shipped tree
        (``"ecommerce_service"``, ``"customer_service_agent"``).

    Returns
    -------
    TreeSpec
        The frozen, structurally checked tree.

    Raises
    ------
    TreeSpecError
        With file, line and node id, for any problem (malformed YAML, unknown field,
        duplicate id, cycle, bad judgment matrix, …).

    Examples
    --------
    >>> import evalsys as es
    >>> tree = es.load_tree("ecommerce_service")
    >>> tree.root.id
    'ecommerce_service'
    """
    path = resolve_tree_path(tree)
    file = str(tree) if Path(tree).exists() else str(path)
    data, text = read_document(path, file, what="tree files", hint=_TABLE_HINT)
    return tree_from_dict(data, file=file, text=text)


def tree_to_dict(spec: TreeSpec) -> dict[str, Any]:
    """The file form of ``spec`` (JSON-compatible; defaults omitted)."""
    out: dict[str, Any] = spec.model_dump(mode="json", exclude_defaults=True)
    out = {"schema_version": spec.schema_version, **out}
    return out


def dump_tree(spec: TreeSpec, fmt: str = "yaml") -> str:
    """Serialise ``spec`` as YAML (default) or JSON text; ``load`` of it gives ``spec`` back."""
    data = tree_to_dict(spec)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


# --------------------------------------------------------------------- output


def follow_umask(path: str | os.PathLike[str]) -> None:
    """Give ``path`` the mode a newly created file gets (``0o666`` less the umask):
    ``tempfile.mkstemp`` creates its files ``0o600``, which an output renamed from it
    would keep."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "wb", *, inputs: Sequence[str | os.PathLike[str]] = ()
) -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place on success.

    An exception (or Ctrl-C) inside the block removes the temporary file, so no partial
    file ever appears under the final name.  Refuses to overwrite any of ``inputs``.
    """
    target = Path(path)
    for src in inputs:
        with contextlib.suppress(OSError):
            if target.exists() and target.resolve() == Path(src).resolve():
                raise EvalsysError("refusing to overwrite an input file", file=str(path))
    if target.is_dir():
        raise EvalsysError("cannot write: it is a directory", file=str(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise EvalsysError(f"cannot write: {exc.strerror or exc}", file=str(path)) from None
    follow_umask(tmp)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
