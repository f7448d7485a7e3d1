"""``evalsys history alerts`` and ``evalsys history report``: alert rules and the period view.

Plain functions with Typer annotations; :mod:`evalsys.cli.history` registers them.  Heavy
modules (numpy, DuckDB, the report) are imported inside the functions so that
``evalsys --help`` stays fast.  The work is done by the Python API:
:func:`evalsys.history.monitor.store_alerts` and :func:`evalsys.report.period.write_store_report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evalsys.cli._common import JsonOpt, _console, _emit_json, _report_suffix

if TYPE_CHECKING:
    from evalsys.history.alerts import AlertResult

__all__ = ["alerts_cmd", "report_cmd"]

StoreArg = Annotated[Path, typer.Argument(help="History store file (created by 'history add').")]
TreeOpt = Annotated[
    str | None,
    typer.Option(
        "--tree", help="Tree to check the rules against (default: the store's latest version)."
    ),
]


def alerts_cmd(
    store: StoreArg,
    rules: Annotated[Path, typer.Argument(help="Alert-rule file (YAML/JSON).")],
    period: Annotated[
        list[str] | None,
        typer.Option("--period", "-p", help="Period to raise alerts for (repeat; default latest)."),
    ] = None,
    all_periods: Annotated[
        bool, typer.Option("--all", help="Raise alerts for every period of the history.")
    ] = False,
    tree: TreeOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Also write the alerts as CSV, Parquet, JSON or XLSX."),
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="Most alerts printed (0 = all).")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate alert rules over the history: grade drops, standards breached k periods in a
    row, worse than the segment median, score falls, tiers with hysteresis, projections."""
    if period and all_periods:
        raise typer.BadParameter("give --period or --all, not both", param_hint="--all")
    if output is not None:
        from evalsys.model.tables import check_format

        check_format(output)
    from evalsys.history.monitor import store_alerts

    result, _, _ = store_alerts(store, rules, tree=tree, periods=period, all_periods=all_periods)
    if output is not None:
        from evalsys.model.tables import table_from_columns, write_table

        write_table(table_from_columns(result.to_columns()), output)
    if as_json:
        _emit_json(
            {
                "periods": list(result.periods),
                "alerts": result.to_dicts(),
                "counts": result.counts(),
                "suppressed": dict(result.suppressed),
                "output": str(output) if output is not None else None,
            }
        )
        return
    _print_alerts(result, limit)
    if output is not None:
        typer.echo(f"{len(result)} alerts → {output}")


def _print_alerts(result: AlertResult, limit: int) -> None:
    from rich.table import Table

    shown = result.alerts if limit == 0 else result.alerts[:limit]
    table = Table(title=f"alerts in {', '.join(result.periods)}", show_lines=False)
    for col in ("period", "entity", "rule", "kind", "severity", "message", "evidence"):
        table.add_column(col, overflow="fold")
    for a in shown:
        table.add_row(
            a.period, a.entity, a.rule, a.kind, a.severity, a.message, " ".join(a.evidence)
        )
    console = _console()
    console.print(table)
    counts = ", ".join(f"{k} {v}" for k, v in result.counts().items())
    more = (
        f" ({len(result) - len(shown)} not shown; --limit 0 for all)"
        if len(shown) < len(result)
        else ""
    )
    console.print(f"{len(result)} alerts{more}: {counts}", markup=False, highlight=False)
    quiet = {k: v for k, v in result.suppressed.items() if v}
    if quiet:
        silenced = ", ".join(f"{k} {v}" for k, v in quiet.items())
        console.print(f"silenced by the small-sample guard: {silenced}", markup=False)


def report_cmd(
    store: StoreArg,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="period.html (self-contained), .md or .xlsx.")
    ],
    rules: Annotated[
        Path | None, typer.Option("--rules", "-r", help="Alert-rule file: adds the alert list.")
    ] = None,
    entity: Annotated[
        str | None,
        typer.Option("--entity", "-e", help="Entity of the heat map (default: most alerts)."),
    ] = None,
    tree: TreeOpt = None,
    title: Annotated[
        str | None, typer.Option(help="Page title (default: the tree's name).")
    ] = None,
    charts: Annotated[
        Path | None, typer.Option("--charts", help="With .md: folder of the chart SVG files.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the period view: trend lines per dimension, grade shares and transitions, the
    alert list and a heat map indicator × period of one entity (HTML, Markdown or Excel)."""
    from evalsys.report.period import write_store_report
    from evalsys.report.write import REPORT_FORMATS

    suffix = _report_suffix(output)
    path, rep, panel, alerts = write_store_report(
        store, output, rules=rules, tree=tree, entity=entity, title=title, charts_dir=charts
    )
    if as_json:
        _emit_json(
            {
                "output": str(path),
                "format": REPORT_FORMATS[suffix],
                "periods": list(panel.periods),
                "entities": panel.n_entities,
                "alerts": len(alerts) if alerts is not None else None,
                "sections": [s.key for s in rep.sections],
                "charts": [c.key for c in rep.charts],
            }
        )
        return
    typer.echo(
        f"period view of {panel.n_periods} periods, {panel.n_entities} entities "
        f"({len(rep.charts)} charts) → {path}"
    )
