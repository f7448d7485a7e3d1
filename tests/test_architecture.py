"""The layout is the design: imports point one way, from the CLI down to the model.

The layers, lowest first (``docs/ARCHITECTURE.md`` draws them)::

    foundation  evalsys.errors, evalsys._registry, evalsys._arrays, evalsys._version,
                evalsys.methods
    model       evalsys.model      tree format, documents, compiled arrays, data, tables
    weights     evalsys.weights    AHP, consistency, groups, fuzzy AHP, objective weights
    scoring     evalsys.scoring    normalisers, memberships, operators, grading, kernels
    engines     evalsys.engines    memory, stream and Dask engines
    analysis    evalsys.analysis   standards, gaps, peers, sensitivity, records
    history     evalsys.history    periods, trends, alerts
    report      evalsys.report     HTML / Markdown / Excel reports and charts
    editor      evalsys.editor     the local judgment editor (evalsys edit): document, server
    cli         evalsys.cli        the Typer commands
    api         evalsys (``__init__``), evalsys.dask, evalsys.__main__

A module may import from its own layer and the layers below it, never from a layer above.
Every import counts, including those inside functions (kept there for start-up time) and
under ``TYPE_CHECKING``.  ``evalsys.methods`` names registries of higher layers by string
(the tree model validates method names through it); that is the one deliberate late binding.
The test reads the source with :mod:`ast`; it runs nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "evalsys"

LAYERS = (
    "foundation",
    "model",
    "weights",
    "scoring",
    "engines",
    "analysis",
    "history",
    "report",
    "editor",
    "cli",
    "api",
)
FOUNDATION = {"errors", "_registry", "_arrays", "_version", "methods"}
API = {"__init__", "__main__", "dask"}

MAX_LINES = 600


def _layer(module: str) -> str:
    """The layer of a dotted module name inside evalsys."""
    parts = module.split(".")
    if parts == ["evalsys"]:
        return "api"
    head = parts[1]
    if head in FOUNDATION:
        return "foundation"
    if head in API:
        return "api"
    if head in LAYERS:
        return head
    raise AssertionError(f"{module}: not in any layer; add it to tests/test_architecture.py")


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 2:
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("evalsys")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if not name.startswith("evalsys"):
                continue
            # ``from evalsys.x import y`` may name a submodule y
            found += [(node.lineno, f"{name}.{a.name}") for a in node.names]
    return found


def _target_layer(name: str) -> str:
    """Layer of an imported name: the longest prefix that is a module."""
    parts = name.split(".")
    while len(parts) > 1:
        dotted = ".".join(parts)
        rel = PACKAGE.parent.joinpath(*parts)
        if rel.with_suffix(".py").exists() or (rel / "__init__.py").exists():
            return _layer(dotted)
        parts = parts[:-1]
    return "api"


def test_every_module_is_in_a_layer() -> None:
    for module, _ in _modules():
        assert _layer(module) in LAYERS


def test_imports_point_down_the_layers() -> None:
    violations = []
    for module, path in _modules():
        mine = LAYERS.index(_layer(module))
        for line, name in _imports(path, module):
            theirs = _target_layer(name)
            if LAYERS.index(theirs) > mine:
                violations.append(
                    f"{path.relative_to(PACKAGE.parent)}:{line}: {_layer(module)} imports "
                    f"{name} ({theirs})"
                )
    assert violations == [], "\n".join(violations)


def test_a_violation_is_detected(tmp_path: Path) -> None:
    """The check itself can fail: a model module importing the CLI is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from evalsys.cli import app\n")
    ((line, name),) = _imports(bad, "evalsys.model.bad")
    assert (line, name) == (2, "evalsys.cli.app")
    assert LAYERS.index(_target_layer(name)) > LAYERS.index("model")


def test_no_module_is_over_the_size_limit() -> None:
    big = {
        str(path.relative_to(PACKAGE.parent)): n
        for _, path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}


def test_every_module_says_what_it_owns() -> None:
    missing = [
        str(path.relative_to(PACKAGE.parent))
        for _, path in _modules()
        if path.name != "__main__.py" and ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert missing == []
