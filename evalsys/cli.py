"""The ``evalsys`` command line: parse → call the API → render.  No logic of its own.

Exit codes: 0 success, 1 bad input (one clear message on stderr, no traceback), 2 usage.
Heavy modules (numpy, pydantic, pyarrow) are imported inside the commands so that
``evalsys --help`` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    name="evalsys",
    help="Multi-level indicator evaluation systems: AHP weights with consistency checks, "
    "fuzzy comprehensive evaluation, grades, ranks and benchmarks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TreeArg = Annotated[
    str, typer.Argument(help="Tree file (YAML/JSON) or the name of a shipped tree.")
]


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=False, width=max(100, Console().width))


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


# ------------------------------------------------------------------- validate


def _weights_label(spec: Any) -> str:
    t = spec.type
    if t == "pairwise":
        src = "experts" if spec.experts else ("judgments" if spec.judgments else "matrix")
        extra = f", {len(spec.experts)} experts, {spec.aggregation}" if spec.experts else ""
        ill = ", illustrative" if spec.illustrative else ""
        return f"pairwise {src} ({spec.method}, RI {spec.ri}{extra}{ill})"
    if t == "fuzzy_pairwise":
        return f"fuzzy pairwise ({spec.method}, {spec.defuzzify})"
    if t == "objective":
        return f"objective ({spec.method})"
    if t == "combined":
        return f"combined ({spec.subjective.type} + {spec.objective}, {spec.rule})"
    return t


def _leaf_label(node: Any) -> str:
    if node.kind == "quantitative":
        arrow = {"benefit": "↑", "cost": "↓", "target": "◎", "interval": "↔"}[node.direction]
        return f"quantitative {arrow} {node.direction}, {node.unit}"
    if node.kind == "rating":
        return f"rating, {node.scale}-level {node.input}"
    return f"checklist, {len(node.items)} items ({node.input})"


@app.command()
def validate(tree: TreeArg, as_json: JsonOpt = False) -> None:
    """Check a tree file and show its structure, indicator kinds and weight specifications."""
    from evalsys.io import load_tree, tree_to_dict

    spec = load_tree(tree)
    leaves = spec.leaves()
    if as_json:
        _emit_json(
            {
                "valid": True,
                "tree": spec.id,
                "nodes": len(spec.nodes),
                "leaves": len(leaves),
                "grades": [g.id for g in spec.grades],
                "spec": tree_to_dict(spec),
            }
        )
        return
    from rich.markup import escape
    from rich.tree import Tree

    kids: dict[str | None, list[Any]] = {}
    for n in spec.nodes:
        kids.setdefault(n.parent, []).append(n)

    def add(branch: Any, node: Any) -> None:
        label = f"[bold]{escape(node.name)}[/bold] [dim]{escape(node.id)}[/dim]"
        if node.kind == "dimension":
            label += f"  [cyan]{escape(_weights_label(node.weights))}[/cyan]"
        else:
            label += f"  [green]{escape(_leaf_label(node))}[/green]"
            if node.standards:
                label += f"  [yellow]{len(node.standards)} standard(s)[/yellow]"
        sub = branch.add(label)
        for c in kids.get(node.id, []):
            add(sub, c)

    root = spec.root
    view = Tree(
        f"[bold]{escape(spec.name)}[/bold] [dim]{escape(spec.id)}[/dim] — "
        f"{len(leaves)} indicators, grades "
        + " / ".join(f"{escape(g.name)} ({g.score:g})" for g in spec.grades)
    )
    add(view, root)
    con = _console()
    con.print(view)
    con.print(f"[green]valid[/green]: {len(spec.nodes)} nodes, {len(leaves)} leaves")


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file instead.")
    ] = None,
) -> None:
    """Print the JSON Schema of the indicator-tree file format."""
    from evalsys.io import atomic_write
    from evalsys.schema import schema_text

    text = schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        with atomic_write(output, "w") as fh:
            fh.write(text)


@app.command("sample-data")
def sample_data(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV, Parquet, JSON or XLSX.")],
    n: Annotated[int, typer.Option("-n", min=1, help="Number of entities.")] = 500,
    tree: Annotated[str, typer.Option(help="Tree whose indicators to generate.")] = (
        "ecommerce_service"
    ),
    seed: Annotated[int, typer.Option(help="Random seed (same seed → same file).")] = 20261122,
) -> None:
    """Write a deterministic sample of N entities for a tree."""
    from evalsys.io import load_tree
    from evalsys.sample import generate_sample
    from evalsys.tables import table_from_columns, write_table

    spec = load_tree(tree)
    table = table_from_columns(generate_sample(spec, n, seed=seed))
    write_table(table, output)
    typer.echo(f"wrote {n} entities × {table.num_columns} columns to {output}")


def main() -> None:
    """Console entry point: run the app; bad input → one message and exit code 1."""
    from evalsys.errors import EvalsysError

    try:
        app()
    except EvalsysError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None


if __name__ == "__main__":  # pragma: no cover
    main()
