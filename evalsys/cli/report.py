"""``evalsys report``: an evaluation report people can look at (HTML, Markdown or Excel).

Plain function with Typer annotations; :mod:`evalsys.cli` registers it.  Heavy modules are
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
    _refuse_overwrite,
    _report_suffix,
)

__all__ = ["SENSITIVITY_DELTAS", "make_report", "report_cmd", "write_demo_report"]

SENSITIVITY_DELTAS = (0.1, 0.2, 0.3, 0.5)
"""Relative changes of each dimension weight for the sensitivity plot (±10 … ±50 %)."""


def make_report(
    tree: str,
    data: Path | str,
    *,
    method: str = "fce",
    operator: str = "weighted_average",
    missing: str = "reject",
    id_column: str = "entity_id",
    entities: Sequence[str] = (),
    standard: str | None = None,
    sensitivity: bool = True,
    heatmap_rows: int = 30,
) -> tuple[Any, list[str]]:
    """Score ``data`` on ``tree`` and build the report; returns (Report, notes).

    ``standard`` (a standards profile file or shipped name) adds the compliance section;
    ``sensitivity`` adds one-at-a-time perturbations of the dimension weights at
    :data:`SENSITIVITY_DELTAS` (Spearman's ρ with the base ranking).
    """
    from evalsys.engines.memory import score_entities
    from evalsys.errors import EvalsysWarning
    from evalsys.model.compiled import compile_tree
    from evalsys.model.io import load_tree
    from evalsys.report.compute import build_report
    from evalsys.report.inputs import oat_sensitivity

    _check_missing(missing)
    spec = load_tree(tree)
    compiled = compile_tree(spec)
    profile = None
    passthrough: tuple[str, ...] = ("segment", "tier")
    if standard is not None:
        from evalsys.analysis.benchmark import load_standards

        profile = load_standards(standard, spec)
        passthrough = tuple(dict.fromkeys((*passthrough, *profile.selector_columns())))
    d = _entity_data(compiled, data, missing=missing, id_column=id_column, passthrough=passthrough)
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EvalsysWarning)
        res = score_entities(compiled, d, method=method, operator=operator)
        compliance = None
        if profile is not None:
            from evalsys.analysis.benchmark import check_standards

            compliance = check_standards(compiled, d, profile)
        sens = None
        if sensitivity and res.n_entities >= 3:
            from evalsys.analysis.sensitivity.oat import perturb_one_at_a_time

            runs = [
                perturb_one_at_a_time(
                    compiled, d, res.weights, delta=dl, method=method, operator=operator
                )
                for dl in SENSITIVITY_DELTAS
            ]
            sens = oat_sensitivity(runs, {n.id: n.name for n in spec.nodes})
    low_validity = 0
    for w in caught:
        if w.category.__name__ == "ValidityWarning":
            low_validity += 1
            continue
        notes.append(str(w.message))
    if low_validity and res.validity is not None:
        notes.append(
            f"{int((res.validity < spec.validity_threshold).sum())} grades have a low validity "
            f"index (< {spec.validity_threshold:g}); see the grade table"
        )
    rep = build_report(
        compiled,
        res,
        compliance=compliance,
        sensitivity=sens,
        entities=entities,
        heatmap_rows=heatmap_rows,
    )
    return rep, list(dict.fromkeys(notes))


def report_cmd(
    tree: TreeArg,
    data: DataArg,
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="report.html (self-contained), report.md or report.xlsx."
        ),
    ],
    entity: Annotated[
        list[str] | None,
        typer.Option(
            "--entity",
            "-e",
            help="Entity id for a radar chart (repeat; default best/median/worst).",
        ),
    ] = None,
    charts: Annotated[
        Path | None,
        typer.Option("--charts", help="Also write every chart as SVG into this folder."),
    ] = None,
    png: Annotated[
        bool, typer.Option("--png", help="With --charts: also PNG (needs Chromium).")
    ] = False,
    standard: Annotated[
        str | None,
        typer.Option(
            "--standard", "-s", help="Standards profile (file or shipped name) for compliance."
        ),
    ] = None,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity/--no-sensitivity", help="Weight-sensitivity plot (default on)."
        ),
    ] = True,
    method: MethodOpt = "fce",
    operator: OperatorOpt = "weighted_average",
    missing: MissingOpt = "reject",
    id_column: IdOpt = "entity_id",
    heatmap_rows: Annotated[
        int, typer.Option(min=2, help="Most entities in the entity × dimension heat map.")
    ] = 30,
    as_json: JsonOpt = False,
) -> None:
    """Write an evaluation report: weights and CR, score and grade distributions, heat maps,
    radar charts, compliance and sensitivity (HTML, Markdown or Excel, by extension)."""
    from evalsys.report.markdown import write_charts
    from evalsys.report.write import REPORT_FORMATS, write_report

    suffix = _report_suffix(output)
    _refuse_overwrite(output, data)
    if png and charts is None:
        raise typer.BadParameter("--png needs --charts DIR", param_hint="--png")
    rep, notes = make_report(
        tree,
        data,
        method=method,
        operator=operator,
        missing=missing,
        id_column=id_column,
        entities=tuple(entity or ()),
        standard=standard,
        sensitivity=sensitivity,
        heatmap_rows=heatmap_rows,
    )
    path = write_report(rep, output)
    written = write_charts(rep, charts, png=png) if charts is not None else []
    if as_json:
        _emit_json(
            {
                "output": str(path),
                "format": REPORT_FORMATS[suffix],
                "tree": rep.tree_id,
                "method": rep.method,
                "operator": rep.operator,
                "entities": rep.n_entities,
                "sections": [s.key for s in rep.sections],
                "tables": [t.key for t in rep.tables],
                "charts": [str(p) for p in written] or [c.key for c in rep.charts],
                "notes": notes,
                "evalsys_version": rep.version,
            }
        )
        return
    for n in notes:
        typer.echo(f"note: {n}", err=True)
    typer.echo(
        f"report on {rep.n_entities} entities ({len(rep.sections)} sections, "
        f"{len(rep.charts)} charts, {len(rep.tables)} tables) → {path}"
    )
    if written:
        typer.echo(f"{len(written)} chart files → {charts}")


def write_demo_report(output: Path | str = "evalsys-demo-report.html") -> Path:
    """The HTML report of the shipped sample merchants on the shipped tree, with the shipped
    document standards and the sensitivity plot (for ``evalsys demo``); returns its path."""
    from evalsys.model.io import shipped_path
    from evalsys.report.html import write_html

    rep, _ = make_report(
        "ecommerce_service",
        shipped_path("samples", "ecommerce_merchants.csv"),
        standard="ecommerce_documents",
    )
    return write_html(rep, output).resolve()
