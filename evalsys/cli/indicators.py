"""``evalsys indicators`` and ``evalsys sample-logs``: indicator values from raw records.

Plain functions with Typer annotations; :mod:`evalsys.cli` registers them.  Heavy modules
are imported inside the functions so that ``evalsys --help`` stays fast.  The logic lives
in :mod:`evalsys.analysis.records`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from evalsys.cli._common import JsonOpt, _emit_json

__all__ = ["indicators_cmd", "sample_logs_cmd"]


def indicators_cmd(
    logs: Annotated[Path, typer.Argument(help="Ticket / order log: CSV, Parquet, JSON or XLSX.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Indicator data to write; format by extension.")
    ],
    tree: Annotated[
        str, typer.Option(help="Tree whose indicator ids the columns carry.")
    ] = "ecommerce_service",
    period: Annotated[
        str, typer.Option(help="Group by period too: none, day, week, month or quarter.")
    ] = "none",
    holidays: Annotated[
        Path | None,
        typer.Option(
            help="Holidays (one date per line, optionally 'workday' for make-up working "
            "days), or a table with date[, kind]."
        ),
    ] = None,
    weekmask: Annotated[
        str, typer.Option(help="Working weekdays Monday..Sunday as 0/1.")
    ] = "1111100",
    working_days: Annotated[
        str, typer.Option("--working-days", help="Working-day convention: elapsed or whole.")
    ] = "elapsed",
    response_standard: Annotated[
        float,
        typer.Option("--response-standard", help="Seconds within which a first response counts."),
    ] = 60.0,
    peak: Annotated[
        str,
        typer.Option(help="Peak hours of the peak/off-peak split (illustrative default)."),
    ] = "9-12,19-22",
    entities: Annotated[
        Path | None,
        typer.Option(
            help="Entity list (.txt, one id a line) or the tree's entity data: log rows of "
            "other ids are an error; its indicator columns fill what logs cannot give."
        ),
    ] = None,
    id_column: Annotated[str, typer.Option(help="Entity id column of --entities.")] = ("entity_id"),
    satisfaction_scale: Annotated[
        int, typer.Option(min=2, help="Top of the satisfaction rating scale.")
    ] = 5,
    stats: Annotated[
        bool,
        typer.Option(help="Also write <indicator>.<stat> and segment columns."),
    ] = True,
    empty_missing: Annotated[
        bool,
        typer.Option(
            "--empty-missing",
            help="Write the tree columns that logs cannot give as empty columns (then "
            "score with --missing renormalize).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Turn a ticket / order log into the tree's indicator values per entity (and period)."""
    from evalsys.analysis.records import (
        log_indicators,
        parse_peak_hours,
        read_calendar,
        read_entities,
        read_logs,
    )
    from evalsys.model.tables import write_table

    inputs: tuple[Path, ...] = (logs,) + ((entities,) if entities is not None else ())
    for src in inputs:
        if output.exists() and output.resolve() == src.resolve():
            raise typer.BadParameter("output would overwrite an input file", param_hint="-o")
    calendar = read_calendar(holidays, weekmask=weekmask)
    log = read_logs(logs, satisfaction_scale=satisfaction_scale)
    ent = read_entities(entities, id_column=id_column) if entities is not None else None
    res = log_indicators(
        log,
        tree,
        period=period,
        response_standard=response_standard,
        calendar=calendar,
        peak_hours=parse_peak_hours(peak),
        working_day_convention=working_days,
        entities=ent,
        id_column=id_column,
        stats=stats,
    )
    write_table(res.to_table(empty_missing=empty_missing), output, inputs=inputs)
    summ: dict[str, Any] = res.summary() | {
        "output": str(output),
        "log": str(logs),
        "empty_missing": empty_missing,
    }
    if as_json:
        _emit_json(summ)
        return
    per = "" if res.periods is None else f" × {summ['options']['period']} periods"
    typer.echo(
        f"{res.n_log_rows} log rows → {res.n_rows} rows ({summ['entities']} entities{per}) "
        f"→ {output}"
    )
    typer.echo(f"derived from logs ({len(res.derived)}): {', '.join(res.derived)}")
    if res.from_entity_data:
        typer.echo(
            f"taken from {entities} ({len(res.from_entity_data)}): "
            + ", ".join(res.from_entity_data)
        )
    if res.missing:
        typer.echo(f"still missing for tree {res.tree_id} ({len(res.missing)}):")
        for m in res.missing:
            typer.echo(f"  {m.column}: {m.reason}")
        typer.echo(
            "  give them in --entities DATA (the tree's entity data)"
            + (
                "; written as empty columns: score with --missing renormalize"
                if empty_missing
                else ", or use --empty-missing and score with --missing renormalize"
            )
        )
    if res.entities_without_logs:
        shown = ", ".join(res.entities_without_logs[:10])
        more = len(res.entities_without_logs) - 10
        typer.echo(
            f"entities without log rows: {shown}" + (f" and {more} more" if more > 0 else "")
        )
    for note in res.notes:
        typer.echo(f"note: {note}")
    if res.periods is not None:
        typer.echo(f"score per period with: --id-column {res.id_column}")


def sample_logs_cmd(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV, Parquet, JSON or XLSX.")],
    n: Annotated[int, typer.Option("-n", min=1, help="Number of entities.")] = 50,
    tickets: Annotated[int, typer.Option(min=1, help="Log rows per entity.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed (same seed → same file).")] = 20240101,
) -> None:
    """Write a deterministic synthetic ticket / order log (for demos and tests)."""
    import pyarrow as pa

    from evalsys.analysis.records import generate_logs
    from evalsys.model.tables import write_table

    cols = generate_logs(n, tickets, seed)
    table = pa.table({k: pa.array(v, from_pandas=True) for k, v in cols.items()})
    write_table(table, output)
    typer.echo(f"wrote {table.num_rows} log rows of {n} entities to {output}")
