"""``evalsys demo``: weights → scores → grades for the shipped sample on the shipped tree.

A plain function with Typer annotations; :mod:`evalsys.cli` registers it.  Heavy modules
are imported inside the function so that ``evalsys --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evalsys.cli._common import JsonOpt, _console, _emit_json, _table
from evalsys.cli.score import _score, _summary

__all__ = ["demo_cmd"]


def demo_cmd(
    report: Annotated[
        Path, typer.Option("--report", help="Where to write the HTML report.")
    ] = Path("evalsys-demo-report.html"),
    as_json: JsonOpt = False,
) -> None:
    """Weights → scores → grades for the shipped sample merchants on the shipped tree."""
    import warnings

    import numpy as np

    from evalsys.errors import ValidityWarning
    from evalsys.model.io import shipped_path

    sample = shipped_path("samples", "ecommerce_merchants.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)
        compiled, res = _score(
            "ecommerce_service", sample, "fce", "weighted_average", "reject", "entity_id"
        )
    summ = _summary(res, compiled.spec.validity_threshold)
    order = np.argsort(res.rank, kind="stable")
    weakest = np.argmin(res.dimension_score, axis=1)
    picks = [*order[:5], *order[-5:]]
    from evalsys.cli.report import write_demo_report

    report_path = write_demo_report(report)
    if as_json:
        summ["top"] = [str(res.entity_ids[i]) for i in order[:5]]
        summ["bottom"] = [str(res.entity_ids[i]) for i in order[-5:]]
        summ["report"] = str(report_path)
        _emit_json(summ)
        return
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    spec = compiled.spec
    con.print(
        f"[bold]{escape(spec.name)}[/bold] — {len(spec.leaves())} indicators in "
        f"{len(res.dimension_ids)} dimensions; {res.n_entities} sample merchants "
        f"({escape(str(sample.name))})"
    )
    wt = _table("Dimension weights (AHP, illustrative judgments)", "dimension", "weight", "CR")
    for did, name in zip(res.dimension_ids, res.dimension_names, strict=True):
        nw = res.weights.node(did)
        i = compiled.index[did]
        wt.add_row(
            escape(name),
            f"{res.weights.global_weights[i]:.4f}",
            "—" if nw.cr is None else f"{nw.cr:.4f}",
        )
    root_nw = res.weights.node(compiled.node_ids[0])
    con.print(wt)
    con.print(
        f"root judgments: CR {root_nw.cr:.4f} ({root_nw.ri_table}); all matrices "
        f"consistent: {res.weights.all_consistent}"
    )
    gt = _table(
        "Grades (maximum membership, fuzzy comprehensive evaluation M(·,+))",
        "grade",
        "merchants",
        "share",
    )
    counts = np.bincount(res.grade, minlength=len(res.grade_ids))
    for name, c in zip(res.grade_names, counts, strict=True):
        gt.add_row(name, str(int(c)), f"{c / res.n_entities:.1%}")
    con.print(gt)
    mt = Table(title="Top and bottom merchants")
    for col in ("rank", "merchant", "score", "grade", "validity", "weakest dimension"):
        mt.add_column(col, justify="right" if col in ("rank", "score", "validity") else "left")
    for k, i in enumerate(picks):
        if k == 5:
            mt.add_section()
        d = int(weakest[i])
        mt.add_row(
            str(res.rank[i]),
            escape(str(res.entity_ids[i])),
            f"{res.score[i]:.2f}",
            res.grade_names[res.grade[i]],
            f"{res.validity[i]:.2f}",
            f"{escape(res.dimension_names[d])} ({res.dimension_score[i, d]:.1f})",
        )
    con.print(mt)
    con.print(
        f"mean score {summ['score']['mean']:.2f} (grade scores "
        + "/".join(f"{g.score:g}" for g in spec.grades)
        + f"); evalsys {res.version}"
    )
    con.print(f"HTML report (open it in a browser): [bold]{report_path.resolve()}[/bold]")
