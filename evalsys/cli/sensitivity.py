"""``evalsys sensitivity``: robustness of ranks and grades to the weights.

A plain function with Typer annotations; :mod:`evalsys.cli` registers it.  Heavy modules
are imported inside the function so that ``evalsys --help`` stays fast.
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
    MethodOpt,
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

__all__ = ["sensitivity_cmd"]

_MODES = ("oat", "weights", "judgments")


def _f(x: float | None, digits: int = 4) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def _levels(text: str | None) -> tuple[int, ...] | None:
    from evalsys.errors import DataError

    if text is None or not text.strip():
        return None
    try:
        return tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise DataError(f"--levels takes comma-separated depths like '1,2', got {text!r}") from None


def sensitivity_cmd(
    tree: TreeArg,
    data: DataArg,
    mode: Annotated[
        str,
        typer.Option(
            help="oat (one at a time, with flip points), weights (Monte Carlo, Dirichlet) or "
            "judgments (Monte Carlo over the pairwise judgments)."
        ),
    ] = "oat",
    samples: Annotated[int, typer.Option(help="Monte Carlo samples.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed → same result).")] = 20261122,
    delta: Annotated[float, typer.Option(help="OAT relative weight change (0.1 = ±10 %).")] = 0.1,
    top_k: Annotated[int, typer.Option("--top-k", help="Size of the top set compared.")] = 10,
    concentration: Annotated[
        float, typer.Option(help="Dirichlet concentration (weights mode; larger = tighter).")
    ] = 100.0,
    spread: Annotated[
        float, typer.Option(help="Judgment spread in Saaty-scale steps (judgments mode).")
    ] = 1.0,
    rank_window: Annotated[int, typer.Option("--rank-window", help="r of 'rank within ±r'.")] = 5,
    levels: Annotated[
        str | None,
        typer.Option(
            help="Depths of the perturbed children, comma-separated (default: oat 1 = the "
            "dimensions; Monte Carlo every level)."
        ),
    ] = None,
    method: MethodOpt = "fce",
    operator: Annotated[str, typer.Option(help="Fuzzy operator for fce.")] = "weighted_average",
    keep_inconsistent: Annotated[
        bool,
        typer.Option(
            "--keep-inconsistent",
            help="Judgments mode: keep samples whose CR reaches the threshold.",
        ),
    ] = False,
    agreement: Annotated[
        bool, typer.Option("--agreement", help="Also compare the aggregation methods' ranks.")
    ] = False,
    missing: MissingOpt = "reject",
    id_column: IdOpt = "entity_id",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write per-entity stability here (by extension)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """How stable are ranks and grades when the weights or judgments change?"""
    from evalsys.analysis.sensitivity.agreement import method_agreement
    from evalsys.analysis.sensitivity.flips import flip_points
    from evalsys.analysis.sensitivity.montecarlo import monte_carlo
    from evalsys.analysis.sensitivity.oat import perturb_one_at_a_time
    from evalsys.errors import UnknownMethodError, ValidityWarning
    from evalsys.model.compiled import compile_tree
    from evalsys.model.io import load_tree

    if mode not in _MODES:
        raise UnknownMethodError(f"unknown mode '{mode}'; valid names: {', '.join(_MODES)}")
    _check_missing(missing)
    _refuse_overwrite(output, data)
    lv = _levels(levels)
    compiled = compile_tree(load_tree(tree))
    d = _entity_data(compiled, data, missing=missing, id_column=id_column)
    spec = compiled.spec
    grade_ids = [g.id for g in spec.grades]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)  # grades' validity is not the subject
        flips = None
        if mode == "oat":
            res: Any = perturb_one_at_a_time(
                compiled,
                d,
                delta=delta,
                levels=lv or (1,),
                top_k=top_k,
                rank_window=rank_window,
                method=method,
                operator=operator,
            )
            if res.linear and method in ("fce", "weighted_sum") and d.present.all():
                flips = flip_points(compiled, d, top_k=top_k, method=method)
        else:
            res = monte_carlo(
                compiled,
                d,
                samples=samples,
                mode=mode,
                concentration=concentration,
                spread=spread,
                discard_inconsistent=not keep_inconsistent,
                levels=lv,
                seed=seed,
                top_k=top_k,
                rank_window=rank_window,
                method=method,
                operator=operator,
            )
        agree = method_agreement(compiled, d, top_k=top_k) if agreement else None
    summary = res.to_dict()
    if flips is not None:
        summary["flip_points"] = flips.to_dict()["points"]
    if agree is not None:
        summary["agreement"] = agree.to_dict()
    if output is not None:
        cols = res.entities.to_columns(grade_ids)
        if flips is not None and flips.grade_t_up is not None and flips.grade_t_down is not None:
            for q, nid in enumerate(flips.nodes):
                cols[f"grade_flip_up.{nid}"] = flips.grade_t_up[:, q]
                cols[f"grade_flip_down.{nid}"] = flips.grade_t_down[:, q]
        _write_columns(cols, output, data)
        summary["output"] = str(output)
    if as_json:
        _emit_json(summary)
        return

    from rich.markup import escape
    from rich.table import Table

    con = _console()
    how = f"{res.method}" + (f" ({res.operator})" if res.operator else "")
    if mode == "oat":
        t = Table(
            title=f"One-at-a-time ±{res.delta:.0%} weight changes — {escape(spec.name)}, "
            f"{d.n_entities} entities, {escape(how)}"
        )
        t.add_column("weight of", no_wrap=True)
        t.add_column("±")
        for col in ("local weight", "Spearman", "Kendall", "grade Δ", f"top-{res.top_k} kept"):
            t.add_column(col, justify="right", no_wrap=True)
        t.add_column("max rank shift", justify="right")
        for p in res.perturbations:
            t.add_row(
                escape(p.child),
                "+" if p.direction > 0 else "−",
                f"{p.base_weight:.3f}→{p.weight:.3f}",
                _f(p.spearman),
                _f(p.kendall),
                _pct(p.grade_changed),
                _pct(p.top_k_retained),
                str(p.max_abs_rank_shift),
            )
        con.print(t)
        if flips is not None:
            ft = Table(
                title=f"Flip points: smallest relative weight change (before renormalisation) "
                f"that changes the top-{flips.top_k} set"
            )
            ft.add_column("weight of", no_wrap=True)
            ft.add_column("weight", justify="right")
            for col in ("up", "enters / leaves", "down", "enters / leaves "):
                ft.add_column(col, justify="right" if col in ("up", "down") else "left")
            gt = Table(title="… and the grade of some entity")
            gt.add_column("weight of", no_wrap=True)
            for col in ("up", "entity, grade", "down", "entity, grade "):
                gt.add_column(col, justify="right" if col in ("up", "down") else "left")

            def when(f: Any) -> str:
                return "none" if f is None else f"{f.t:+.2%}"

            def top_who(f: Any) -> str:
                return "" if f is None else escape(f"{f.entity} / {f.detail}")

            def grade_who(f: Any) -> str:
                return "" if f is None else escape(f"{f.entity}, {f.detail}")

            for fp in flips.points:
                ft.add_row(
                    escape(fp.node),
                    f"{fp.base_weight:.3f}",
                    when(fp.top_k_up),
                    top_who(fp.top_k_up),
                    when(fp.top_k_down),
                    top_who(fp.top_k_down),
                )
                gt.add_row(
                    escape(fp.node),
                    when(fp.grade_up),
                    grade_who(fp.grade_up),
                    when(fp.grade_down),
                    grade_who(fp.grade_down),
                )
            con.print(ft)
            if flips.grade_t_up is not None:
                con.print(gt)
        elif method in ("fce", "weighted_sum"):
            con.print("flip points need complete data and a linear aggregation; skipped")
        else:
            con.print(f"flip points are exact only for linear aggregations; skipped for {how}")
        e = res.entities
        if e.p_keep_grade is not None:
            con.print(
                f"{int((e.p_keep_grade < 1).sum())} of {d.n_entities} entities change grade "
                f"under at least one perturbation; largest rank shift "
                f"{int(max((p.max_abs_rank_shift for p in res.perturbations), default=0))}"
            )
    else:
        what = (
            f"weights ~ Dirichlet(c = {res.concentration:g})"
            if res.mode == "weights"
            else f"judgments ± {res.spread:g} Saaty step(s)"
        )
        note = ""
        if res.mode == "judgments":
            note = (
                " (inconsistent samples kept)"
                if keep_inconsistent
                else f" ({res.discarded} of {res.samples_requested} discarded for CR ≥ threshold)"
            )
        con.print(
            f"[bold]Monte Carlo[/bold] over {what}: {res.samples} samples{note}, seed "
            f"{res.seed}; {d.n_entities} entities; {escape(how)}"
            + ("" if res.linear else " (re-evaluated per sample)")
        )
        con.print("perturbed nodes: " + escape(", ".join(res.perturbed_nodes)))
        t = _table(
            "Agreement of each sample with the base ranking",
            "measure",
            "mean",
            "5 %",
            "median",
            "95 %",
        )
        rows = [
            ("Spearman ρ", summary["spearman"]),
            (f"Kendall τ_b ({res.kendall_entities} entities)", summary["kendall"]),
            (f"share of top-{res.top_k} kept", summary["top_k_retained"]),
            ("mean |rank shift|", summary["mean_abs_rank_shift"]),
        ]
        if "grade_changed" in summary:
            rows.append(("share changing grade", summary["grade_changed"]))
        for name, dist in rows:
            t.add_row(
                escape(name),
                *(_f(dist[k]) for k in ("mean", "p05", "median", "p95")),
            )
        con.print(t)
        con.print(
            f"top-{res.top_k} set unchanged in {summary['p_top_k_same']:.1%} of samples; "
            f"best entity keeps rank 1 in {summary['p_top1_same']:.1%}"
        )
        e = res.entities
        line = (
            f"per entity: mean P(same rank) {summary['mean_p_keep_rank']:.1%}, "
            f"P(rank within ±{res.rank_window}) {summary['mean_p_rank_within']:.1%}"
        )
        if e.p_keep_grade is not None:
            line += (
                f", P(same grade) {summary['mean_p_keep_grade']:.1%}; "
                f"{summary['entities_p_keep_grade_below_0.9']} entities keep their grade in "
                "< 90 % of samples"
            )
        con.print(line)
        tt = Table(title=f"Base top {res.top_k}")
        for col in ("rank", "entity", f"P(top {res.top_k})", "P(same rank)", "rank range"):
            tt.add_column(col, justify="left" if col == "entity" else "right")
        for row in summary["base_top_k"]:
            tt.add_row(
                str(row["base_rank"]),
                escape(row["entity_id"]),
                f"{row['p_top_k']:.1%}",
                f"{row['p_keep_rank']:.1%}",
                f"{row['rank_min']}–{row['rank_max']}",
            )
        con.print(tt)
    if agree is not None:
        short = {
            "fce:weighted_average": "M(·,+)",
            "fce:min_max": "M(∧,∨)",
            "fce:product_max": "M(·,∨)",
            "fce:min_bounded_sum": "M(∧,⊕)",
            "weighted_sum": "WSum",
            "topsis": "TOPSIS",
            "grey": "GRA",
        }
        names = [short.get(m, m) for m in agree.methods]
        for title, mat in (("Spearman ρ", agree.spearman), ("Kendall τ_b", agree.kendall)):
            at = _table(
                f"Method agreement: {title} ({d.n_entities} entities)",
                "",
                *(escape(nm) for nm in names),
            )
            for i, nm in enumerate(names):
                at.add_row(escape(nm), *(f"{mat[i, j]:.3f}" for j in range(len(names))))
            con.print(at)
        con.print(
            "FCE operators: M(·,+) weighted_average, M(∧,∨) min_max, M(·,∨) product_max, "
            "M(∧,⊕) min_bounded_sum; GRA = grey relational analysis"
        )
    if output is not None:
        con.print(f"per-entity stability → {escape(str(output))}")
