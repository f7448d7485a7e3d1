"""``evalsys history``: periods of scores in one store file — add, list, show, trend, compare,
rescore, alerts, report, demo.

A Typer sub-app; :mod:`evalsys.cli` registers it under the name ``history``.  Every command
has ``--json``; tables go to CSV / Parquet / Excel / JSON through
:func:`evalsys.model.tables.write_table`.  Heavy modules (numpy, DuckDB, pyarrow) are
imported inside the commands so that ``evalsys --help`` stays fast.  The work is done by
the Python API (:mod:`evalsys.history`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from evalsys.cli._common import IdOpt, JsonOpt, MissingOpt, _emit_json
from evalsys.cli.history_alerts import alerts_cmd, report_cmd

__all__ = ["app"]

app = typer.Typer(
    name="history",
    help="Score every period into one history store; trends, alerts, versioned rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

StoreArg = Annotated[Path, typer.Argument(help="History store file (one DuckDB file).")]
VersionOpt = Annotated[
    str | None, typer.Option("--version", help="Rule version label (default: official).")
]
OutOpt = Annotated[
    Path | None, typer.Option("-o", "--output", help="Write the table (CSV/Parquet/XLSX/JSON).")
]


def _open(store: Path) -> Any:
    from evalsys.history.store import HistoryStore

    return HistoryStore.open(store, read_only=True)


def _write(rows: list[dict[str, Any]], output: Path) -> None:
    import pyarrow as pa

    from evalsys.model.tables import write_table

    write_table(pa.Table.from_pylist(rows), output)


def _standards(standard: str | None, spec: Any) -> Any:
    if standard is None:
        return None
    from evalsys.analysis.benchmark import load_standards

    return load_standards(standard, spec)


@app.command("add")
def add_cmd(
    store: StoreArg,
    period: Annotated[str, typer.Argument(help="Period label: 2026-01, 2026-Q1, 2026-W05, …")],
    data: Annotated[Path, typer.Argument(help="The period's entity data (CSV, Parquet, …).")],
    tree: Annotated[str, typer.Option(help="Tree file or shipped name.")] = "ecommerce_service",
    standard: Annotated[
        str | None, typer.Option("--standard", help="Standards profile (file or shipped name).")
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Rule version label (default: from files).")
    ] = None,
    replace: Annotated[bool, typer.Option(help="Score a stored period again.")] = False,
    id_column: IdOpt = "entity_id",
    missing: MissingOpt = "reject",
    operator: Annotated[str, typer.Option(help="Fuzzy operator.")] = "weighted_average",
    as_json: JsonOpt = False,
) -> None:
    """Score DATA as PERIOD and append it to STORE atomically (creates the store)."""
    from evalsys.history.store import append_period
    from evalsys.model.io import load_tree

    spec = load_tree(tree)
    info = append_period(
        store,
        period,
        data,
        spec,
        _standards(standard, spec),
        version=version,
        replace=replace,
        id_column=id_column,
        missing=missing,
        operator=operator,
    )
    if as_json:
        _emit_json(info.to_dict())
        return
    typer.echo(
        f"{'replaced' if replace else 'added'} period {info.period}: {info.entities} entities "
        f"scored under version {info.version} (mean score {info.mean_score:.2f}) → {store}"
    )


@app.command("list")
def list_cmd(store: StoreArg, as_json: JsonOpt = False) -> None:
    """List stored periods with their rule version, entities and mean score."""
    with _open(store) as hs:
        entries = hs.entries()
        versions = {k: v.to_dict() for k, v in hs.versions().items()}
    if as_json:
        _emit_json({"periods": [e.to_dict() for e in entries], "versions": versions})
        return
    if not entries:
        typer.echo("the store holds no period yet")
        return
    prev = None
    for e in entries:
        if e.official:
            change = "  ← rule change" if prev is not None and e.version != prev else ""
            prev = e.version
            typer.echo(
                f"{e.period}  {e.version:<14} {e.entities:>9} entities  mean {e.mean_score:7.2f}"
                f"{change}"
            )
        else:
            typer.echo(f"{'':7}  rescored under {e.version}: mean {e.mean_score:7.2f}")


@app.command("show")
def show_cmd(
    store: StoreArg,
    period: Annotated[str, typer.Argument(help="A stored period.")],
    version: VersionOpt = None,
    entity: Annotated[
        list[str] | None, typer.Option("--entity", "-e", help="Only these entities (table).")
    ] = None,
    output: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One period: rules, score statistics, grades, compliance; -o writes its rows."""
    from evalsys.history.query import period_summary, period_table
    from evalsys.model.tables import write_table

    with _open(store) as hs:
        summ = period_summary(hs, period, version)
        if output is not None:
            write_table(period_table(hs, period, version, entity), output)
            summ["output"] = str(output)
    if as_json:
        _emit_json(summ)
        return
    s = summ["score"]
    typer.echo(
        f"{summ['period']}: {summ['entities']} entities, version {summ['version']} "
        f"(tree {summ['rules']['tree']['id']} {summ['rules']['tree']['version'] or ''})"
    )
    typer.echo(
        f"score mean {s['mean']:.2f}, median {s['median']:.2f}, "
        f"min {s['min']:.2f}, max {s['max']:.2f}"
    )
    typer.echo("grades: " + ", ".join(f"{g} {n}" for g, n in summ["grades"].items()))
    for ind, c in summ["compliance"].items():
        typer.echo(f"  {ind:<32} met {c['share_met']:6.1%} of {c['assessed']}")
    if output is not None:
        typer.echo(f"rows → {output}")


@app.command("trend")
def trend_cmd(
    store: StoreArg,
    column: Annotated[str, typer.Option(help="score, dim:<id>, an indicator, rank …")] = "score",
    entity: Annotated[
        str | None, typer.Option("--entity", "-e", help="One entity's series.")
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="Movers: first period.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Movers: last period.")] = None,
    window: Annotated[int, typer.Option(min=1, help="Rolling window (periods).")] = 3,
    top: Annotated[int, typer.Option(min=1, help="Movers listed each way.")] = 10,
    by: Annotated[
        str | None, typer.Option(help="Cohorts by this label column (e.g. segment).")
    ] = None,
    version: VersionOpt = None,
    output: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Trends: one entity's series, or per period mean/slope and the most improved and
    declined entities (or cohorts --by segment)."""
    import numpy as np

    from evalsys.history import trends

    with _open(store) as hs:
        cols = [column, "grade"] + ([by] if by else [])
        panel = hs.panel(cols, entities=[entity] if entity else None, version=version)
    if entity is not None:
        rows = trends.entity_trend(panel, entity, column, window)
        if output is not None:
            _write(rows, output)
        if as_json:
            _emit_json({"entity": entity, "column": column, "series": rows})
            return
        for r in rows:
            ch = "" if r["change"] is None else f"  {r['change']:+.2f}"
            val = "—" if r[column] is None else f"{r[column]:.2f}"
            typer.echo(f"{r['period']}  {r['version']:<12} {val:>9}  {r['grade'] or '—':<10}{ch}")
        return
    if by is not None:
        rows = trends.cohorts(panel, column, by)
        if output is not None:
            _write(rows, output)
        if as_json:
            _emit_json({"column": column, "by": by, "cohorts": rows})
            return
        for r in rows:
            typer.echo(f"{r['period']}  {r[by]:<16} n {r['n']:>7}  mean {r['mean']:8.2f}")
        return
    x = panel.values[column]
    ok = ~np.isnan(x)
    means = [float(x[t][ok[t]].mean()) if ok[t].any() else None for t in range(panel.n_periods)]
    slope = trends.slope(panel, column, window if panel.n_periods >= window else None)
    result: dict[str, Any] = {
        "column": column,
        "periods": [
            {"period": p, "version": v, "mean": m, "entities": int(ok[t].sum())}
            for t, (p, v, m) in enumerate(zip(panel.periods, panel.versions, means, strict=True))
        ],
        "slope_window": min(window, panel.n_periods),
        "mean_slope": float(np.nanmean(slope)) if np.isfinite(slope).any() else None,
    }
    if panel.n_periods >= 2:
        result["movers"] = trends.movers(panel, column, start, end, k=top).to_dict()
    if output is not None and "movers" in result:
        mv = result["movers"]
        _write(
            [{**r, "direction": "improved"} for r in mv["improved"]]
            + [{**r, "direction": "declined"} for r in mv["declined"]],
            output,
        )
    if as_json:
        _emit_json(result)
        return
    for r in result["periods"]:
        mean = "—" if r["mean"] is None else f"{r['mean']:.2f}"
        typer.echo(f"{r['period']}  {r['version']:<12} mean {mean:>8}  ({r['entities']} entities)")
    if result["mean_slope"] is not None:
        typer.echo(
            f"mean slope over the last {result['slope_window']} periods: "
            f"{result['mean_slope']:+.3f} per period"
        )
    if "movers" in result:
        mv = result["movers"]
        for kind in ("improved", "declined"):
            typer.echo(f"most {kind} {mv['start']} → {mv['end']}:")
            for r in mv[kind]:
                typer.echo(
                    f"  {r['entity_id']:<14} {r['before']:8.2f} → {r['after']:8.2f} "
                    f"({r['change']:+.2f})"
                )


@app.command("compare")
def compare_cmd(
    store: StoreArg,
    start: Annotated[str | None, typer.Option("--from", help="Before period.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="After period.")] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="Compare rule versions in this period.")
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="With --period: the other rule version.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Before/after: grade transitions and score change between two periods; or, with
    --period and --version, the official rules vs another version in one period."""
    import numpy as np

    from evalsys.history.trends import ABSENT, grade_matrix, transitions

    with _open(store) as hs:
        if period is not None or version is not None:
            if period is None or version is None:
                raise typer.BadParameter("--period and --version go together")
            a = hs.panel(["score", "grade"], periods=[period])
            b = hs.panel(["score", "grade"], periods=[period], version=version)
            before = f"{a.periods[0]} under {a.versions[0]}"
            after = f"{a.periods[0]} under {version}"
            pos = b.entity_index(a.entity_ids)
            hit, p0 = pos >= 0, np.maximum(pos, 0)
            sa, sb = a.values["score"][0], np.where(hit, b.values["score"][0][p0], np.nan)
            ga, gb = a.labels["grade"][0], np.where(hit, b.labels["grade"][0][p0], "")
            grades = b.grade_order
            counts = grade_matrix(ga, gb, grades)
        else:
            panel = hs.panel(["score", "grade"], periods=[start, end] if start and end else None)
            tr = transitions(panel, start, end)
            i, j = panel.period_index(tr.start), panel.period_index(tr.end)
            before, after = tr.start, tr.end
            sa, sb = panel.values["score"][i], panel.values["score"][j]
            grades, counts = panel.grade_order, tr.counts
    d = sb - sa
    ok = ~np.isnan(d)
    G = len(grades)
    labels = (*grades, ABSENT)
    out = {
        "before": before,
        "after": after,
        "entities_in_both": int(ok.sum()),
        "mean_change": float(d[ok].mean()) if ok.any() else None,
        "grade_better": int(np.tril(counts[:G, :G], -1).sum()),
        "grade_worse": int(np.triu(counts[:G, :G], 1).sum()),
        "transitions": {
            x: {y: int(counts[r, c]) for c, y in enumerate(labels)} for r, x in enumerate(labels)
        },
    }
    if as_json:
        _emit_json(out)
        return
    mean = "—" if out["mean_change"] is None else f"{out['mean_change']:+.3f}"
    typer.echo(
        f"{before} → {after}: {out['entities_in_both']} entities in both, "
        f"mean score change {mean}; grade better {out['grade_better']}, "
        f"worse {out['grade_worse']}"
    )
    typer.echo(f"{'from / to':<12}" + "".join(f"{g[:10]:>11}" for g in labels))
    for r, g in enumerate(labels):
        typer.echo(f"{g[:11]:<12}" + "".join(f"{int(c):>11}" for c in counts[r]))


@app.command("rescore")
def rescore_cmd(
    store: StoreArg,
    version: Annotated[
        str | None, typer.Option("--version", help="Version label (a stored one, or new).")
    ] = None,
    tree: Annotated[
        str | None, typer.Option(help="New tree (omit to use the stored version).")
    ] = None,
    standard: Annotated[
        str | None, typer.Option("--standard", help="Standards profile of the new rules.")
    ] = None,
    period: Annotated[
        list[str] | None, typer.Option("--period", "-p", help="Periods (default: all).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score stored periods again under another rule version, kept beside the official
    results (dual display during a migration); one transaction."""
    from evalsys.history.store import HistoryStore
    from evalsys.model.io import load_tree

    if version is None and tree is None:
        raise typer.BadParameter("give --version (a stored version) or --tree")
    spec = load_tree(tree) if tree is not None else None
    profile = _standards(standard, spec) if spec is not None else None
    with HistoryStore.open(store) as hs:
        done = hs.rescore(version, spec, profile, periods=period)
    if as_json:
        _emit_json({"rescored": [d.to_dict() for d in done]})
        return
    if not done:
        typer.echo("nothing to rescore (every chosen period is official under that version)")
    for d in done:
        typer.echo(f"rescored {d.period} under {d.version}: mean {d.mean_score:.2f}")


@app.command("demo")
def demo_cmd(
    outdir: Annotated[Path, typer.Argument(help="Output folder.")],
    n: Annotated[int, typer.Option("-n", min=10, help="Merchants per period.")] = 2000,
    as_json: JsonOpt = False,
) -> None:
    """Build a 6-period demo history (drift, a rule change in period 4) and its report.

    The shipped alert rules are copied to OUTDIR/alert-rules.yaml (edit them and run
    ``evalsys history report``); the report lists the alerts they raise.
    """
    from evalsys.history.demo import build_demo
    from evalsys.model.io import atomic_write, shipped_path
    from evalsys.report.period import write_store_report

    store = build_demo(outdir, n=n)
    rules = Path(outdir) / "alert-rules.yaml"
    with atomic_write(rules) as fh:
        fh.write(shipped_path("alerts", "ecommerce_alerts.yaml").read_bytes())
    report = Path(outdir) / "period-report.html"
    _, _, _, alerts = write_store_report(store, report, rules=rules)
    n_alerts = 0 if alerts is None else len(alerts.alerts)
    if as_json:
        _emit_json(
            {
                "store": str(store),
                "report": str(report),
                "rules": str(rules),
                "alerts": n_alerts,
                "periods": 6,
                "entities": n,
            }
        )
        return
    typer.echo(f"history of 6 periods × {n} merchants → {store}")
    typer.echo(f"alert rules → {rules} ({n_alerts} alerts over the 6 periods)")
    typer.echo(f"period report → {report}")


app.command("alerts")(alerts_cmd)
app.command("report")(report_cmd)
