"""``evalsys validate``, ``evalsys schema`` and ``evalsys weights``: a tree and its weights.

Plain functions with Typer annotations; :mod:`evalsys.cli` registers them.  Heavy modules
are imported inside the functions so that ``evalsys --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from evalsys.cli._common import JsonOpt, TreeArg, _console, _emit_json

__all__ = ["schema_cmd", "validate_cmd", "weights_cmd"]


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
    return str(t)


def _leaf_label(node: Any) -> str:
    if node.kind == "quantitative":
        arrow = {"benefit": "↑", "cost": "↓", "target": "◎", "interval": "↔"}[node.direction]
        return f"quantitative {arrow} {node.direction}, {node.unit}"
    if node.kind == "rating":
        return f"rating, {node.scale}-level {node.input}"
    return f"checklist, {len(node.items)} items ({node.input})"


def validate_cmd(tree: TreeArg, as_json: JsonOpt = False) -> None:
    """Check a tree file and show its structure, indicator kinds and weight specifications."""
    from evalsys.model.io import load_tree, tree_to_dict

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


def schema_cmd(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file instead.")
    ] = None,
) -> None:
    """Print the JSON Schema of the indicator-tree file format."""
    from evalsys.model.io import atomic_write
    from evalsys.model.schema import schema_text

    text = schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        with atomic_write(output, "w") as fh:
            fh.write(text)


def _fmt(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def weights_cmd(
    tree: TreeArg,
    data: Annotated[
        Path | None,
        typer.Option(help="Entity data, needed only for objective/combined weights."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Derive local and global weights of every node, with each matrix's CR."""
    from evalsys.model.compiled import compile_tree
    from evalsys.model.io import load_tree
    from evalsys.weights.hierarchy import tree_weights

    spec = load_tree(tree)
    compiled = compile_tree(spec)
    util = None
    if data is not None:
        from evalsys.model.data import indicator_data
        from evalsys.model.tables import read_table
        from evalsys.scoring.plan import leaf_plan, utilities

        d = indicator_data(compiled, read_table(data))
        util = utilities(leaf_plan(compiled), d.values, d.votes, compiled.n_grades)
    from evalsys.errors import EvalsysError

    try:
        tw = tree_weights(compiled, util)
    except EvalsysError as exc:
        raise exc.with_context(file=str(tree)) from None
    if as_json:
        _emit_json(tw.to_dict())
        return
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    table = Table(title=f"Weights of {spec.name} ({spec.id})", show_lines=False)
    for col in ("node", "name", "local", "global", "derived by", "CR"):
        table.add_column(col, justify="right" if col in ("local", "global", "CR") else "left")
    by_parent = {nw.node_id: nw for nw in tw.nodes}
    idx = compiled.index

    def walk(nid: str, depth: int) -> None:
        i = idx[nid]
        nw = by_parent.get(nid)
        cr = ""
        how = ""
        if nw is not None:
            how = nw.method
            if nw.cr is not None:
                ok = "✓" if nw.consistent else "✗"
                cr = f"{nw.cr:.4f} {ok}"
        table.add_row(
            "  " * depth + escape(nid),
            escape(spec.node(nid).name),
            f"{tw.local[i]:.4f}",
            f"{tw.global_weights[i]:.4f}",
            escape(how),
            cr,
        )
        for c in compiled.children(i):
            walk(compiled.node_ids[c], depth + 1)

    walk(compiled.node_ids[0], 0)
    con.print(table)
    for nw in tw.nodes:
        if nw.cr is not None:
            con.print(
                f"{escape(nw.node_id)}: λmax={_fmt(nw.lambda_max)} CI={_fmt(nw.ci)} "
                f"CR={_fmt(nw.cr)} (RI {nw.ri_table}={_fmt(nw.ri, 4)}, threshold "
                f"{nw.threshold:g}) {'consistent' if nw.consistent else 'NOT consistent'}"
            )
    for lv in tw.levels:
        con.print(
            f"hierarchical CR at depth {lv.depth}: {lv.cr:.4f} "
            f"({'consistent' if lv.consistent else 'NOT consistent'})"
        )
