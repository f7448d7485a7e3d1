"""``evalsys benchmark``, ``evalsys gaps`` and ``evalsys peers``: standards, gaps, peers.

Plain functions with Typer annotations; :mod:`evalsys.cli` registers them.  Heavy modules
are imported inside the functions so that ``evalsys --help`` stays fast.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from evalsys.cli._common import (
    DataArg,
    IdOpt,
    JsonOpt,
    MissingOpt,
    TreeArg,
    _check_missing,
    _console,
    _emit_json,
    _entity_data,
    _pct,
    _refuse_overwrite,
    _table,
    _write_columns,
)

__all__ = ["benchmark_cmd", "gaps_cmd", "peers_cmd"]


def _fmt(x: float, digits: int = 4) -> str:
    return "—" if not math.isfinite(x) else f"{x:.{digits}g}"


def _load(
    tree: str, data: Path, missing: str, id_column: str, passthrough: tuple[str, ...]
) -> tuple[Any, Any]:
    from evalsys.model.compiled import compile_tree
    from evalsys.model.io import load_tree

    _check_missing(missing)
    compiled = compile_tree(load_tree(tree))
    d = _entity_data(compiled, data, missing=missing, id_column=id_column, passthrough=passthrough)
    return compiled, d


def _fce(compiled: Any, d: Any) -> Any:
    from evalsys.engines.memory import score_entities
    from evalsys.errors import ValidityWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)  # not the subject of these commands
        return score_entities(compiled, d, method="fce", operator="weighted_average")


def benchmark_cmd(
    tree: TreeArg,
    data: DataArg,
    standard: Annotated[
        str,
        typer.Option(
            "--standard", "-s", help="Standards profile (YAML/JSON) or a shipped profile's name."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write per entity × indicator details (format by extension)."
        ),
    ] = None,
    top: Annotated[
        int, typer.Option("--top", min=0, help="List the K entities with the worst breaches.")
    ] = 5,
    by: Annotated[str, typer.Option(help="Segment column of the per-segment table.")] = "segment",
    strict: Annotated[
        bool, typer.Option("--strict", help="An empty segment is an error, not a warning.")
    ] = False,
    missing: MissingOpt = "reject",
    id_column: IdOpt = "entity_id",
    as_json: JsonOpt = False,
) -> None:
    """Check entities against industry standards: pass/fail, gaps, severity, compliance."""
    import numpy as np

    from evalsys.analysis.benchmark import StandardsWarning, check_standards, load_standards
    from evalsys.model.io import load_tree

    _refuse_overwrite(output, data)
    spec = load_tree(tree)
    profile = load_standards(standard, spec)
    cols = tuple(dict.fromkeys(("segment", "tier", "region", by, *profile.selector_columns())))
    compiled, d = _load(tree, data, missing, id_column, cols)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StandardsWarning)
        res = check_standards(compiled, d, profile, empty_segment="error" if strict else "warn")
    notes = [str(w.message) for w in caught if issubclass(w.category, StandardsWarning)]
    if output is not None:
        _write_columns(res.to_columns(), output, data)
    summ = res.summary(top=top, by=by)
    if as_json:
        summ["warnings"] = notes
        summ["skipped"] = [
            {"row": s.row, "entity_id": s.entity_id, "reason": s.reason} for s in d.skipped
        ]
        if output is not None:
            summ["output"] = str(output)
        _emit_json(summ)
        return
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    con.print(
        f"[bold]{escape(profile.name or profile.id)}[/bold] ({escape(profile.id)} "
        f"v{escape(profile.version)}) on {res.n_entities} entities of {escape(res.tree_id)}"
    )
    worst, _ = res.worst_gap()
    counts = res.severity_counts()
    t = Table(title="Compliance per indicator (* = illustrative figure)")
    t.add_column("indicator", no_wrap=True)
    t.add_column("standard (segment)", overflow="fold")
    for c, width in (("n", 3), ("pass", 6), ("max gap", 7), ("min/maj/crit", 12)):
        t.add_column(c, justify="right", no_wrap=True, min_width=width)
    for i, ind in enumerate(res.indicator_ids):
        entries = [e for e in profile.standards if e.indicator == ind]
        std = "\n".join(
            e.describe()
            + (" *" if e.illustrative else "")
            + ("" if e.applies_to is None else f" ({e.describe_selector()})")
            for e in entries
        )
        t.add_row(
            escape(ind),
            escape(std),
            str(int(res.n_assessed[i])),
            _pct(float(res.compliance[i])),
            _fmt(worst[i]),
            "/".join(str(int(c)) for c in counts[i, 1:]),
        )
    con.print(t)
    con.print(
        "n = entities assessed, pass = share compliant, max gap = worst distance beyond the "
        "limit in the indicator's unit; severity minor ≤ 10 % beyond the limit, major ≤ 50 %, "
        "critical beyond (unless the profile sets other bands)"
    )
    con.print(
        f"compliant cells: {_pct(res.overall_compliance)}; entities meeting every standard: "
        f"{_pct(res.share_fully_compliant)}"
    )
    if "segments" in summ:
        seg = res.compliance_by(by)
        st = _table(f"Compliance by {escape(by)}", escape(by), "entities", "meeting every standard")
        for s_, lab in enumerate(seg.labels):
            st.add_row(
                escape(lab or "(missing)"), str(int(seg.size[s_])), _pct(seg.fully_compliant[s_])
            )
        con.print(st)
    if summ["worst_entities"]:
        con.print(f"worst {len(summ['worst_entities'])} entities (most standards failed):")
        for w in summ["worst_entities"]:
            e = int(np.flatnonzero(res.entity_ids == w["entity_id"])[0])
            fails = np.flatnonzero(res.assessed[e] & ~res.passed[e])
            i = int(fails[np.argmax(np.nan_to_num(res.relative_gap[e, fails], nan=-np.inf))])
            con.print(
                f"  {escape(w['entity_id'])}: {fails.size} of {int(res.assessed[e].sum())} "
                f"failed; worst {escape(res.indicator_ids[i])} {res.value[e, i]:g} "
                f"{escape(res.units[i])} (limit {res.limit[e, i]:g}, "
                f"{res.relative_gap[e, i]:+.0%})"
            )
    for u in res.unused:
        con.print(
            f"[dim]not applied: entry #{u.entry + 1} {escape(u.indicator)} for "
            f"{escape(u.selector)} — {escape(u.reason)}[/dim]"
        )
    for note in notes:
        con.print(f"[yellow]warning[/yellow]: {escape(note)}")
    if output is not None:
        con.print(f"details → {escape(str(output))}")


def gaps_cmd(
    tree: TreeArg,
    data: DataArg,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Show the targets of this entity id.")
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, help="Targets per entity.")] = 3,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write every entity's targets (format by extension)."),
    ] = None,
    missing: MissingOpt = "reject",
    id_column: IdOpt = "entity_id",
    as_json: JsonOpt = False,
) -> None:
    """Improvement targets: indicators raising a score most; smallest change to a better grade."""
    from evalsys.analysis.benchmark import improvement_targets

    _refuse_overwrite(output, data)
    compiled, d = _load(tree, data, missing, id_column, ("segment", "tier"))
    res = _fce(compiled, d)
    tg = improvement_targets(res, compiled, d, k=k)
    if output is not None:
        _write_columns(tg.to_columns(), output, data)
    from rich.markup import escape
    from rich.table import Table

    if entity is not None:
        rep = tg.entity_report(entity)
        if as_json:
            _emit_json(rep)
            return
        con = _console()
        con.print(
            f"[bold]{escape(entity)}[/bold]: score {rep['score']:.2f}, grade "
            f"{escape(str(rep['grade_name']))} ({escape(str(rep['grade']))})"
            + (f"; next grade {escape(rep['next_grade'])}" if rep["next_grade"] else "")
        )
        t = Table(title=f"Top {k} improvement targets (score gain if moved to the best grade)")
        for c in (
            "indicator",
            "value",
            "unit",
            "weight",
            "gain",
            "lifts grade",
            "target",
            "change",
        ):
            t.add_column(c, justify="left" if c in ("indicator", "unit") else "right")
        for r in rep["targets"]:
            t.add_row(
                escape(r["indicator"]),
                _fmt(r["value"] if r["value"] is not None else math.nan),
                escape(r["unit"]),
                _fmt(r["weight"] if r["weight"] is not None else math.nan, 3),
                f"{r['gain']:+.3f}",
                "yes" if r["lifts_grade"] else "no",
                _fmt(r["target_value"] if r["target_value"] is not None else math.nan),
                _fmt(r["change"] if r["change"] is not None else math.nan),
            )
        con.print(t)
        lift = rep["grade_lift"]
        if rep["next_grade"] is None:
            con.print("already in the best grade")
        elif lift is None:
            con.print("no single indicator lifts the grade on its own")
        elif lift["target_value"] is not None:
            con.print(
                f"smallest single change to grade {escape(str(lift['reached_grade']))}: "
                f"{escape(lift['indicator'])} from {lift['value']:g} to "
                f"{lift['target_value']:.4g} {escape(lift['unit'])} "
                f"(change {lift['change']:+.4g}; {lift['effort']:.0%} of the way to its best "
                "grade)"
            )
        else:
            con.print(
                f"moving {escape(lift['indicator'])} to its best grade lifts the grade to "
                f"{escape(str(lift['reached_grade']))}"
            )
        return
    summ = tg.summary()
    if as_json:
        if output is not None:
            summ["output"] = str(output)
        _emit_json(summ)
        return
    con = _console()
    con.print(
        f"{summ['entities']} entities; {summ['entities_below_best_grade']} below the best "
        f"grade, {summ['entities_with_single_indicator_lift']} of them can reach a better "
        "grade by improving one indicator"
    )
    t = _table(
        f"Indicators among each entity's top {k} targets",
        "indicator",
        f"in top {k}",
        "top 1",
        "mean gain",
        "can lift grade",
        "cheapest lift",
    )
    for row in summ["indicators"]:
        if row["in_top_k"] == 0 and row["can_lift_grade"] == 0:
            continue
        t.add_row(
            escape(row["indicator"]),
            str(row["in_top_k"]),
            str(row["top_1"]),
            _fmt(row["mean_gain"] if row["mean_gain"] is not None else math.nan, 3),
            str(row["can_lift_grade"]),
            str(row["cheapest_lift"]),
        )
    con.print(t)
    if output is not None:
        con.print(f"targets of every entity → {escape(str(output))}")


def peers_cmd(
    tree: TreeArg,
    data: DataArg,
    by: Annotated[
        str, typer.Option(help="Segment column; 'none' compares every entity with all.")
    ] = "segment",
    top_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share forming the top group (0.1 = decile).")
    ] = 0.10,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write per-entity percentiles (format by extension)."),
    ] = None,
    profile_output: Annotated[
        Path | None,
        typer.Option("--profile-output", help="Write the top-group profile per segment."),
    ] = None,
    missing: MissingOpt = "reject",
    id_column: IdOpt = "entity_id",
    as_json: JsonOpt = False,
) -> None:
    """Peer benchmarking: percentiles within segments and each segment's top-decile profile."""
    import numpy as np

    from evalsys.analysis.benchmark import peer_percentiles

    for out in (output, profile_output):
        _refuse_overwrite(out, data)
    seg = None if by.lower() == "none" else by
    cols = tuple(dict.fromkeys(("segment", "tier", *((seg,) if seg else ()))))
    compiled, d = _load(tree, data, missing, id_column, cols)
    res = _fce(compiled, d)
    pb = peer_percentiles(res, compiled, d, by=seg, top_share=top_share)
    if output is not None:
        _write_columns(pb.to_columns(), output, data)
    if profile_output is not None:
        _write_columns(pb.profile_columns(), profile_output, data)

    def num(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    if as_json:
        _emit_json(
            {
                "tree": compiled.spec.id,
                "by": seg,
                "top_share": top_share,
                "segments": [
                    {
                        "segment": lab,
                        "entities": int(pb.segment_size[s]),
                        "top_n": int(pb.top_n[s]),
                        "top_median": {
                            lid: num(pb.top_median[s, j]) for j, lid in enumerate(pb.leaf_ids)
                        },
                        "segment_median": {
                            lid: num(pb.segment_median[s, j]) for j, lid in enumerate(pb.leaf_ids)
                        },
                    }
                    for s, lab in enumerate(pb.segments)
                ],
                "output": None if output is None else str(output),
                "evalsys_version": pb.version,
            }
        )
        return
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    t = Table(
        title=f"Top {top_share:.0%} profile by {escape(seg or 'all')}: median of the top group "
        "(segment median)"
    )
    t.add_column("indicator", no_wrap=True)
    t.add_column("unit", no_wrap=True)
    for s, lab in enumerate(pb.segments):
        t.add_column(
            f"{escape(lab or '(missing)')}\nn={pb.segment_size[s]}, top {pb.top_n[s]}",
            justify="right",
        )
    leaves = compiled.spec.leaves()
    for j, lid in enumerate(pb.leaf_ids):
        if np.isnan(pb.top_median[:, j]).all():
            continue
        t.add_row(
            escape(lid),
            escape(
                str(getattr(leaves[j], "unit", "rating" if leaves[j].kind == "rating" else "items"))
            ),
            *(
                f"{_fmt(pb.top_median[s, j])} ({_fmt(pb.segment_median[s, j])})"
                for s in range(len(pb.segments))
            ),
        )
    con.print(t)
    if output is not None:
        con.print(f"percentiles of every entity → {escape(str(output))}")
