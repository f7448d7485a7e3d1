"""``evalsys paper``: every result table (LaTeX, Markdown, Excel) and figure (SVG, PNG) of an
evaluation, for a manuscript.

:func:`make_paper` scores the data, runs the one-at-a-time and Monte Carlo weight
sensitivity and builds the set (:func:`evalsys.report.paper.build_paper`);
:func:`paper_cmd` parses the flags, writes the files
(:func:`evalsys.report.paper_write.write_paper`) and lists them.  Heavy modules are
imported inside the functions so that ``evalsys --help`` stays fast.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from evalsys.cli._common import (
    DataArg,
    IdOpt,
    JsonOpt,
    MethodOpt,
    MissingOpt,
    OperatorOpt,
    TreeArg,
    _check_missing,
    _emit_json,
    _entity_data,
)

__all__ = ["make_paper", "paper_cmd"]

_TABLE_ALIASES = {"latex": "latex", "tex": "latex", "md": "md", "markdown": "md", "xlsx": "xlsx",
                  "excel": "xlsx"}  # fmt: skip
_FIGURE_ALIASES = {"svg": "svg", "png": "png"}


def _formats(text: str, aliases: dict[str, str], option: str) -> tuple[str, ...]:
    """The comma-separated formats of ``option``; a usage error naming the valid ones."""
    items = [t.strip().lower() for t in text.split(",") if t.strip()]
    if items == ["none"]:
        return ()
    bad = [t for t in items if t not in aliases]
    if bad or not items:
        valid = ", ".join(dict.fromkeys(aliases.values()))
        raise typer.BadParameter(
            f"unknown format {', '.join(repr(b) for b in bad) or '(empty)'}; use a "
            f"comma-separated list of {valid}" + (" or none" if option == "--figures" else ""),
            param_hint=option,
        )
    return tuple(dict.fromkeys(aliases[t] for t in items))


def make_paper(
    tree: str,
    data: Path | str,
    *,
    method: str = "fce",
    operator: str = "weighted_average",
    missing: str = "reject",
    id_column: str = "entity_id",
    entities: Sequence[str] = (),
    sensitivity: bool = True,
    delta: float = 0.1,
    samples: int = 1000,
    seed: int = 20261122,
    digits: int = 4,
) -> tuple[Any, list[str]]:
    """Score ``data`` on ``tree`` and build the paper set; returns (Report, notes).

    ``sensitivity`` adds the one-at-a-time change of every dimension weight by ±``delta``
    and ``samples`` Monte Carlo weight samples (Dirichlet, concentration 100, ``seed``) for
    the rank stability (``samples=0``: none); both need at least three entities.
    """
    from evalsys.engines.memory import score_entities
    from evalsys.errors import DataError, EvalsysWarning
    from evalsys.model.compiled import compile_tree
    from evalsys.model.io import load_tree
    from evalsys.report.paper import build_paper

    _check_missing(missing)
    if samples < 0:
        raise DataError(f"--samples must be 0 (no Monte Carlo) or more, got {samples}")
    spec = load_tree(tree)
    compiled = compile_tree(spec)
    d = _entity_data(compiled, data, missing=missing, id_column=id_column)
    notes: list[str] = []
    oat = stability = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EvalsysWarning)
        res = score_entities(compiled, d, method=method, operator=operator)
        if sensitivity and res.n_entities < 3:
            notes.append("sensitivity needs at least 3 entities; its tables and figures skipped")
        elif sensitivity:
            from evalsys.analysis.sensitivity.montecarlo import monte_carlo
            from evalsys.analysis.sensitivity.oat import perturb_one_at_a_time

            try:
                oat = perturb_one_at_a_time(
                    compiled, d, res.weights, delta=delta, method=method, operator=operator
                )
            except DataError as exc:
                if "no node with two or more" not in str(exc):
                    raise
                notes.append(f"no one-at-a-time sensitivity: {exc}")
            if samples:
                stability = monte_carlo(
                    compiled,
                    d,
                    samples=samples,
                    weights=res.weights,
                    seed=seed,
                    method=method,
                    operator=operator,
                )
    for w in caught:
        if w.category.__name__ != "ValidityWarning":
            notes.append(str(w.message))
    rep = build_paper(
        compiled, d, res, entities=entities, oat=oat, stability=stability, digits=digits
    )
    return rep, list(dict.fromkeys(notes))


def paper_cmd(
    tree: TreeArg,
    data: DataArg,
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Output folder: tables/ (.tex, .md, tables.xlsx), figures/."
        ),
    ],
    table_formats: Annotated[
        str,
        typer.Option("--format", help="Table formats, comma-separated: latex, md, xlsx."),
    ] = "latex,md,xlsx",
    figure_formats: Annotated[
        str,
        typer.Option("--figures", help="Figure formats: svg, png (needs Chromium), or none."),
    ] = "svg",
    entity: Annotated[
        list[str] | None,
        typer.Option(
            "--entity",
            "-e",
            help="Entity id whose FCE vectors B are shown (repeat; default the mean entity).",
        ),
    ] = None,
    method: MethodOpt = "fce",
    operator: OperatorOpt = "weighted_average",
    missing: MissingOpt = "reject",
    id_column: IdOpt = "entity_id",
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity/--no-sensitivity",
            help="Sensitivity table and tornado, rank stability (default on).",
        ),
    ] = True,
    delta: Annotated[
        float, typer.Option(help="One-at-a-time relative weight change (0.1 = ±10 %).")
    ] = 0.1,
    samples: Annotated[
        int, typer.Option(help="Monte Carlo weight samples for the rank stability (0: none).")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed → same result).")] = 20261122,
    digits: Annotated[
        int, typer.Option(min=0, max=10, help="Decimal places of the printed numbers.")
    ] = 4,
    dpi: Annotated[
        float, typer.Option(min=72, help="Resolution of the PNG figures (dots per inch).")
    ] = 300.0,
    rows: Annotated[
        int,
        typer.Option(min=0, help="Rows of entity tables in LaTeX/Markdown (0: all; Excel: all)."),
    ] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Write the tables (weights and CR, FCE vectors B, scores, TOPSIS, sensitivity) as
    LaTeX, Markdown and Excel, and the figures (weights, membership radar, tornado, rank
    stability) as SVG and PNG, for a paper."""
    from evalsys.report.paper import NUMBER_RULE_FACT
    from evalsys.report.paper_write import write_paper

    tables = _formats(table_formats, _TABLE_ALIASES, "--format")
    figures = _formats(figure_formats, _FIGURE_ALIASES, "--figures")
    if output.exists() and not output.is_dir():
        raise typer.BadParameter(f"{output} is a file, not a folder", param_hint="-o")
    if output.resolve() == Path(data).resolve():
        raise typer.BadParameter("output would overwrite the input data", param_hint="-o")
    rep, notes = make_paper(
        tree,
        data,
        method=method,
        operator=operator,
        missing=missing,
        id_column=id_column,
        entities=tuple(entity or ()),
        sensitivity=sensitivity,
        delta=delta,
        samples=samples,
        seed=seed,
        digits=digits,
    )
    files = write_paper(rep, output, tables=tables, figures=figures, dpi=dpi, max_rows=rows)
    if as_json:
        _emit_json(
            {
                "output": str(output),
                "tree": rep.tree_id,
                "method": rep.method,
                "operator": rep.operator,
                "entities": rep.n_entities,
                "tables": [t.key for t in rep.tables],
                "figures": [c.key for c in rep.charts] if figures else [],
                "files": [str(p) for p in files],
                "number_format": dict(rep.facts)[NUMBER_RULE_FACT],
                "notes": notes,
                "evalsys_version": rep.version,
            }
        )
        return
    for n in notes:
        typer.echo(f"note: {n}", err=True)
    typer.echo(
        f"paper tables and figures of {rep.n_entities} entities ({len(rep.tables)} tables, "
        f"{len(rep.charts) if figures else 0} figures) → {output}"
    )
    for p in files:
        typer.echo(str(p))
