"""``evalsys survey``: expert survey answers in, a tree with their judgment matrices out.

A plain function with Typer annotations; :mod:`evalsys.cli` registers it.  It reads a tidy
or wide survey (see :mod:`evalsys.weights.survey`), prints the CR of every expert × node
with its flags, and writes a new tree file (:mod:`evalsys.weights.survey_write`); heavy
modules are imported inside the function so that ``evalsys --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from evalsys.cli._common import JsonOpt, TreeArg, _console, _emit_json, _table

__all__ = ["survey_cmd"]


def survey_cmd(
    tree: TreeArg,
    survey: Annotated[Path, typer.Argument(help="Survey answers: CSV, XLSX, Parquet or JSON.")],
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="New tree file (.yaml or .json); never an input."),
    ],
    layout: Annotated[
        str,
        typer.Option(
            help="tidy (rows expert,node,a,b,value), wide (one row per expert, columns "
            "node:a~b) or auto."
        ),
    ] = "auto",
    scale: Annotated[
        str,
        typer.Option(
            help="saaty (1-9, reciprocals like 1/3 for b over a) or symmetric (-9..9, "
            "negative for b over a)."
        ),
    ] = "saaty",
    cr_max: Annotated[
        float | None,
        typer.Option(help="Leave out an expert's matrix at a node when its CR >= this."),
    ] = None,
    aggregate: Annotated[
        str, typer.Option(help="Group aggregation: aij, aip_geometric, aip_arithmetic.")
    ] = "aij",
    allow_incomplete: Annotated[
        bool,
        typer.Option(
            "--allow-incomplete",
            help="Accept unanswered pairs (incomplete matrices) instead of failing.",
        ),
    ] = False,
    expert_column: Annotated[
        str, typer.Option(help="Column naming the expert (wide layout).")
    ] = "expert",
    as_json: JsonOpt = False,
) -> None:
    """Turn expert survey answers into judgment matrices in a new tree file.

    Prints the CR of every expert at every judged node (flagged at the node's threshold,
    screened out with --cr-max) and the group weights; `evalsys validate` and `evalsys
    weights` then use the new tree.
    """
    from evalsys.model.io import resolve_tree_path

    for src in (survey, resolve_tree_path(tree)):
        if output.exists() and src.exists() and output.resolve() == src.resolve():
            raise typer.BadParameter("output would overwrite an input file", param_hint="-o")
    from evalsys.weights.survey_write import apply_survey

    result = apply_survey(
        tree,
        survey,
        output,
        layout=layout,
        scale=scale,
        expert_column=expert_column,
        aggregation=aggregate,
        cr_max=cr_max,
        allow_incomplete=allow_incomplete,
    )
    if as_json:
        out = result.to_dict()
        out["output"] = str(output)
        _emit_json(out)
        return
    _print(result, output)


def _cell(n: Any, expert: str) -> str:
    """The CR of ``expert`` at node ``n`` with its flags, or "—" when not judged."""
    if expert not in n.experts:
        return "—"
    k = n.experts.index(expert)
    cr = float(n.expert_cr[k])
    cell = f"{cr:.4f}"
    if n.missing[k]:
        cell += f" ({n.missing[k]} missing)"
    if cr >= n.threshold:
        cell = f"[red]{cell} ✗[/red]"
    if expert in n.screened_out:
        cell += " out"
    return cell


def _print(result: Any, output: Path) -> None:
    from rich.markup import escape

    con = _console()
    experts = result.answers.experts
    t = _table(
        f"CR per node and expert ({result.answers.layout} survey, {result.answers.scale} scale)",
        "node",
        "threshold",
        *(escape(e) for e in experts),
        "group CR",
    )
    for n in result.nodes:
        t.add_row(
            escape(n.node),
            f"{n.threshold:g}",
            *(_cell(n, e) for e in experts),
            "—" if n.group_cr is None else f"{n.group_cr:.4f}",
        )
    con.print(t)
    con.print(
        "✗ CR at or above the node's threshold"
        + (
            f"; out: screened out (CR >= {result.cr_max:g})"
            if result.cr_max is not None
            else " (screen such matrices out with --cr-max)"
        )
        + "; — the expert did not judge the node"
    )
    for n in result.nodes:
        weights = ", ".join(
            f"{escape(c)} {w:.4f}" for c, w in zip(n.children, n.weights, strict=True)
        )
        verdict = "consistent" if n.consistent else "[red]NOT consistent[/red]"
        con.print(
            f"[bold]{escape(n.node)}[/bold] ({n.aggregation}, {len(n.retained)} experts, "
            f"{verdict}): {weights}"
        )
    if result.answers.ignored_columns:
        con.print("ignored columns: " + escape(", ".join(result.answers.ignored_columns)))
    con.print(f"wrote {escape(str(output))} (evalsys validate / evalsys weights use it)")
