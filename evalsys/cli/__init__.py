"""The ``evalsys`` command line: parse → call the API → render.  No logic of its own.

Exit codes: 0 success, 1 bad input (one clear message on stderr, no traceback), 2 usage.
Heavy modules (numpy, pydantic, pyarrow) are imported inside the commands so that
``evalsys --help`` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    name="evalsys",
    help="Multi-level indicator evaluation systems: AHP weights with consistency checks, "
    "fuzzy comprehensive evaluation, grades, ranks and benchmarks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TreeArg = Annotated[
    str, typer.Argument(help="Tree file (YAML/JSON) or the name of a shipped tree.")
]


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=False, width=max(100, Console().width))


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


# ------------------------------------------------------------------- validate


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


@app.command()
def validate(tree: TreeArg, as_json: JsonOpt = False) -> None:
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


@app.command()
def schema(
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


@app.command("sample-data")
def sample_data(
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV, Parquet, JSON or XLSX.")],
    n: Annotated[int, typer.Option("-n", min=1, help="Number of entities.")] = 500,
    tree: Annotated[str, typer.Option(help="Tree whose indicators to generate.")] = (
        "ecommerce_service"
    ),
    seed: Annotated[int, typer.Option(help="Random seed (same seed → same file).")] = 20261122,
) -> None:
    """Write a deterministic sample of N entities for a tree."""
    from evalsys.model.io import load_tree
    from evalsys.model.sample import generate_sample
    from evalsys.model.tables import table_from_columns, write_table

    spec = load_tree(tree)
    table = table_from_columns(generate_sample(spec, n, seed=seed))
    write_table(table, output)
    typer.echo(f"wrote {n} entities × {table.num_columns} columns to {output}")


# ------------------------------------------------------------------ weighting


def _fmt(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


@app.command()
def weights(
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
        from evalsys.scoring.evaluate import leaf_plan, utilities

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


def _read_matrix_file(path: Path) -> tuple[Any, list[str] | None]:
    from evalsys.errors import MatrixError

    if not path.is_file():
        raise MatrixError("no such file" if not path.exists() else "not a file", file=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as exc:
        raise MatrixError(f"cannot read the file as UTF-8 text: {exc}", file=str(path)) from None
    if not text.strip():
        raise MatrixError("file is empty", file=str(path))
    labels: list[str] | None = None
    if path.suffix.lower() == ".json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MatrixError(
                f"malformed JSON: {exc.msg}", file=str(path), line=exc.lineno
            ) from None
        if isinstance(obj, dict):
            labels = obj.get("criteria") or obj.get("labels")
            if labels is not None and not (
                isinstance(labels, list) and all(isinstance(x, str) for x in labels)
            ):
                raise MatrixError("'criteria' must be a list of names (strings)", file=str(path))
            obj = obj.get("matrix")
            if obj is None:
                raise MatrixError("JSON object needs a 'matrix' key", file=str(path))
        return obj, labels
    import csv
    import io as _io
    from fractions import Fraction

    rows = [r for r in csv.reader(_io.StringIO(text)) if any(c.strip() for c in r)]

    def is_num(tok: str) -> bool:
        try:
            Fraction(tok.strip())
        except (ValueError, ZeroDivisionError):
            return False
        return True

    # a header row has no number in it; a label column has no number in its first cells
    if rows and not any(is_num(c) for c in rows[0] if c.strip()):
        labels = [c.strip() for c in rows[0]]
        rows = rows[1:]
    if rows and all(r and not is_num(r[0]) for r in rows):
        row_labels = [r[0].strip() for r in rows]
        rows = [r[1:] for r in rows]
        if labels is not None and len(labels) == len(rows) + 1:
            labels = labels[1:]  # the corner cell ("criterion") names the label column
        labels = labels if labels is not None and len(labels) == len(rows) else row_labels
    elif labels is not None:
        labels = [x for x in labels if x]
    return [[c.strip() for c in r] for r in rows], labels


@app.command()
def ahp(
    matrix_file: Annotated[Path, typer.Argument(help="CSV or JSON pairwise matrix.")],
    method: Annotated[str, typer.Option(help="Priority method.")] = "eigenvector",
    ri: Annotated[str, typer.Option(help="Random-index table.")] = "saaty1980",
    threshold: Annotated[float, typer.Option(help="CR threshold.")] = 0.10,
    max_changes: Annotated[int, typer.Option(help="Most judgments a repair may change.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Weights and consistency of one pairwise matrix, with diagnosis and suggested repair."""
    from evalsys.weights.ahp import ahp_priorities, parse_matrix
    from evalsys.weights.consistency import diagnose, gci, koczkodaj, suggest_repair

    raw, labels = _read_matrix_file(matrix_file)
    try:
        a = parse_matrix(raw)
        r = ahp_priorities(a, method=method, ri=ri, threshold=threshold)
    except Exception as exc:
        from evalsys.errors import EvalsysError

        if isinstance(exc, EvalsysError):
            raise exc.with_context(file=str(matrix_file)) from None
        raise
    n = r.n
    names = labels if labels and len(labels) == n else [f"C{i + 1}" for i in range(n)]
    diag = diagnose(a, method=method, ri=ri, threshold=threshold)
    repair = (
        None
        if r.consistent
        else suggest_repair(a, threshold=threshold, max_changes=max_changes, method=method, ri=ri)
    )
    g = float(gci(a)) if n >= 3 else None
    k = float(koczkodaj(a)) if n >= 3 else None
    out: dict[str, Any] = {
        "criteria": names,
        "weights": [float(w) for w in r.weights],
        "lambda_max": float(r.lambda_max),
        "ci": float(r.ci),
        "cr": float(r.cr),
        "ri": r.ri,
        "ri_table": r.ri_table,
        "threshold": r.threshold,
        "consistent": bool(r.consistent),
        "method": r.method,
        "gci": g,
        "koczkodaj": k,
        "diagnosis": [
            {
                "row": names[d.i],
                "col": names[d.j],
                "value": d.value,
                "implied": d.implied,
                "epsilon": d.epsilon,
                "share": d.share,
            }
            for d in diag.judgments[:5]
        ],
        "intransitive_triads": [[names[x] for x in t] for t in diag.intransitive_triads],
        "repair": None
        if repair is None
        else {
            "changes": [
                {"row": names[c.i], "col": names[c.j], "old": c.old, "new": c.new}
                for c in repair.changes
            ],
            "cr_after": repair.cr_after,
            "consistent": repair.consistent,
            "weights_after": [float(w) for w in repair.weights],
        },
    }
    if as_json:
        _emit_json(out)
        return
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    t = Table(title=f"AHP priorities ({r.method})")
    t.add_column("criterion")
    t.add_column("weight", justify="right")
    for nm, w in zip(names, r.weights, strict=True):
        t.add_row(escape(nm), f"{w:.4f}")
    con.print(t)
    verdict = "consistent" if r.consistent else "NOT consistent"
    con.print(
        f"λmax = {r.lambda_max:.4f}   CI = {r.ci:.4f}   CR = {r.cr:.4f}   "
        f"(RI {r.ri_table}: {r.ri:.4f}, threshold {r.threshold:g}) → {verdict}"
    )
    if g is not None:
        con.print(f"GCI = {g:.4f}   Koczkodaj index = {k:.4f}")
    if diag.intransitive_triads:
        for tri in diag.intransitive_triads:
            a_, b_, c_ = (names[x] for x in tri)
            con.print(
                f"[red]ordinal inconsistency[/red]: {escape(a_)} ≻ {escape(b_)} ≻ "
                f"{escape(c_)} ≻ {escape(a_)}"
            )
    con.print("most inconsistent judgments (ε = a_ij·w_j/w_i; 1 is perfect):")
    for d in diag.judgments[:3]:
        con.print(
            f"  {escape(names[d.i])} vs {escape(names[d.j])}: {_frac(d.value)} "
            f"(priorities imply {d.implied:.3f}, ε = {d.epsilon:.3f}, "
            f"{d.share:.0%} of squared log error)"
        )
    if repair is not None and repair.changes:
        con.print("suggested repair (not applied):")
        for c in repair.changes:
            con.print(
                f"  set {escape(names[c.i])} vs {escape(names[c.j])} from "
                f"{_frac(c.old)} to {_frac(c.new)}"
            )
        con.print(
            f"  → CR {repair.cr_before:.4f} → {repair.cr_after:.4f}"
            + ("" if repair.consistent else " (still above the threshold)")
        )


def _frac(x: float) -> str:
    from fractions import Fraction

    f = Fraction(x).limit_denominator(9)
    if abs(float(f) - x) < 1e-9:
        return str(f)
    return f"{x:.4g}"


@app.command()
def group(
    files: Annotated[list[Path], typer.Argument(help="One matrix file (CSV/JSON) per expert.")],
    aggregation: Annotated[str, typer.Option(help="aij, aip_geometric, aip_arithmetic.")] = "aij",
    expert_weights: Annotated[
        str | None, typer.Option("--expert-weights", help="Comma-separated, one per file.")
    ] = None,
    method: Annotated[str, typer.Option(help="Priority method.")] = "eigenvector",
    ri: Annotated[str, typer.Option(help="Random-index table.")] = "saaty1980",
    cr_max: Annotated[
        float | None, typer.Option(help="Screen out experts with CR >= this.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Group AHP: aggregate several experts' matrices, with per-expert CR and agreement."""
    from evalsys.errors import MatrixError
    from evalsys.weights.ahp import parse_matrix
    from evalsys.weights.group import group_priorities

    mats = []
    labels = None
    for f in files:
        raw, lab = _read_matrix_file(f)
        try:
            mats.append(parse_matrix(raw))
        except MatrixError as exc:
            raise exc.with_context(file=str(f)) from None
        labels = labels or lab
    if len({m.shape for m in mats}) > 1:
        raise MatrixError(
            "expert matrices differ in size: "
            + ", ".join(f"{f}: {m.shape[0]}x{m.shape[1]}" for f, m in zip(files, mats, strict=True))
        )
    ew = None
    if expert_weights is not None:
        try:
            ew = [float(x) for x in expert_weights.split(",")]
        except ValueError:
            raise typer.BadParameter(
                "expert weights must be numbers", param_hint="--expert-weights"
            ) from None
        if len(ew) != len(files):
            raise typer.BadParameter(
                f"{len(ew)} weights for {len(files)} files", param_hint="--expert-weights"
            )
    import numpy as np

    g = group_priorities(
        np.stack(mats), ew, aggregation=aggregation, method=method, ri=ri, cr_max=cr_max
    )
    n = mats[0].shape[0]
    names = labels if labels and len(labels) == n else [f"C{i + 1}" for i in range(n)]
    out = {
        "criteria": names,
        "weights": [float(w) for w in g.weights],
        "aggregation": g.aggregation,
        "method": g.method,
        "ri_table": g.ri_table,
        "group_cr": g.group_cr,
        "experts": [str(f) for f in files],
        "expert_cr": [float(x) for x in g.expert_cr],
        "used_weights": [float(x) for x in g.used_weights],
        "screened_out": [str(files[i]) for i in g.screened_out],
        "kendall_w": g.kendall_w,
        "saaty_compatibility": [float(x) for x in g.saaty_compatibility],
    }
    if as_json:
        _emit_json(out)
        return
    from rich.markup import escape
    from rich.table import Table

    con = _console()
    t = Table(title=f"Group priorities ({g.aggregation}, {g.method})")
    t.add_column("criterion")
    t.add_column("group weight", justify="right")
    for f in files:
        t.add_column(escape(Path(f).stem), justify="right")
    for i, nm in enumerate(names):
        t.add_row(
            escape(nm),
            f"{g.weights[i]:.4f}",
            *(f"{g.expert_priorities[k, i]:.4f}" for k in range(len(files))),
        )
    con.print(t)
    for k, f in enumerate(files):
        flag = " (screened out)" if k in g.screened_out else ""
        con.print(
            f"{escape(str(f))}: CR {g.expert_cr[k]:.4f}, weight {g.used_weights[k]:.3f}, "
            f"compatibility S {g.saaty_compatibility[k]:.4f}{flag}"
        )
    if g.group_cr is not None:
        con.print(f"group matrix CR {g.group_cr:.4f}")
    if g.kendall_w is not None:
        con.print(f"Kendall's W (agreement of the experts' rankings): {g.kendall_w:.4f}")


@app.command("ri-simulate")
def ri_simulate_cmd(
    n: Annotated[int, typer.Argument(min=1, help="Matrix order.")],
    samples: Annotated[int, typer.Option(min=1, help="Random matrices.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Monte Carlo random index: mean CI of random reciprocal Saaty-scale matrices."""
    from evalsys.weights.consistency import ri_simulate

    value = ri_simulate(n, samples, seed=seed)
    if as_json:
        _emit_json({"n": n, "samples": samples, "seed": seed, "ri": value})
    else:
        typer.echo(f"RI({n}) = {value:.4f}  ({samples} samples, seed {seed})")


# -------------------------------------------------------------------- scoring


def _score(
    tree: str,
    data: Path | str,
    method: str,
    operator: str,
    missing: str,
    id_column: str,
    normalize_b: bool = False,
) -> Any:
    from evalsys.errors import EvalsysError
    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import indicator_data
    from evalsys.model.io import load_tree
    from evalsys.model.tables import read_table
    from evalsys.model.tree import DimensionNode
    from evalsys.scoring.evaluate import score_entities
    from evalsys.weights.hierarchy import tree_weights

    spec = load_tree(tree)
    compiled = compile_tree(spec)
    table = read_table(data)
    d = indicator_data(compiled, table, id_column=id_column, missing=missing)  # type: ignore[arg-type]
    weights = None
    needs_data = any(
        isinstance(n, DimensionNode) and n.weights.type in ("objective", "combined")
        for n in spec.nodes
    )
    if not needs_data:
        try:  # subjective weights: derive here so that errors name the tree file
            weights = tree_weights(compiled)
        except EvalsysError as exc:
            raise exc.with_context(file=str(tree)) from None
    return compiled, score_entities(
        compiled, d, weights, method=method, operator=operator, normalize_b=normalize_b
    )


def _summary(res: Any, validity_threshold: float = 0.5) -> dict[str, Any]:
    import numpy as np

    out: dict[str, Any] = {
        "tree": res.tree_id,
        "method": res.method,
        "operator": res.operator,
        "entities": res.n_entities,
        "skipped": [
            {"row": s.row, "entity_id": s.entity_id, "reason": s.reason} for s in res.skipped
        ],
        "ignored_columns": list(res.ignored_columns),
        "score": {
            "mean": float(np.mean(res.score)),
            "median": float(np.median(res.score)),
            "min": float(np.min(res.score)),
            "max": float(np.max(res.score)),
        },
        "evalsys_version": res.version,
        "weights_consistent": res.weights.all_consistent,
    }
    if res.grade is not None:
        counts = np.bincount(res.grade, minlength=len(res.grade_ids))
        out["grades"] = {gid: int(c) for gid, c in zip(res.grade_ids, counts, strict=True)}
        out["low_validity"] = int((res.validity < validity_threshold).sum())
        out["validity_threshold"] = validity_threshold
    return out


@app.command()
def score(
    tree: TreeArg,
    data: Annotated[Path, typer.Argument(help="Entity data: CSV, Parquet, JSON or XLSX.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Output file; format by extension.")
    ],
    method: Annotated[str, typer.Option(help="fce, weighted_sum, topsis or grey.")] = "fce",
    operator: Annotated[
        str,
        typer.Option(
            help="Fuzzy operator: weighted_average, min_max, product_max, min_bounded_sum."
        ),
    ] = "weighted_average",
    missing: Annotated[str, typer.Option(help="reject, skip or renormalize.")] = "reject",
    id_column: Annotated[str, typer.Option(help="Entity id column.")] = "entity_id",
    memberships: Annotated[bool, typer.Option(help="Also write membership vectors B.")] = False,
    contributions: Annotated[bool, typer.Option(help="Also write contributions.")] = False,
    normalize_b: Annotated[
        bool, typer.Option("--normalize-b", help="Normalise every B to sum 1 (FCE).")
    ] = False,
    engine: Annotated[str, typer.Option(help="auto, memory, stream or dask.")] = "auto",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a local cluster).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Workers of the local Dask cluster.")] = 2,
    chunk_rows: Annotated[
        int | None, typer.Option(min=1, help="Rows per chunk (stream engine).")
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress", help="Progress bar with rows/s (default: on a terminal)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score every entity: scores, grades, dimension scores, ranks (written atomically).

    Engines: memory (whole table), stream (chunks, bounded memory, identical results) and
    dask (partitions on a local cluster or a scheduler); auto streams large Parquet/CSV.
    """
    from evalsys.cli.score_engine import run_score
    from evalsys.model.io import load_tree
    from evalsys.model.tables import check_format

    if output.exists() and data.exists() and output.resolve() == data.resolve():
        raise typer.BadParameter("output would overwrite the input data", param_hint="-o")
    check_format(output)  # an unsupported extension fails before the work, not after
    summ = run_score(
        tree,
        data,
        output,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        chunk_rows=chunk_rows,
        progress=progress,
        method=method,
        operator=operator,
        missing=missing,
        id_column=id_column,
        memberships=memberships,
        contributions=contributions,
        normalize_b=normalize_b,
    )
    if as_json:
        _emit_json(summ)
        return
    spec = load_tree(tree)
    rate = summ.get("rows_per_second")
    typer.echo(
        f"scored {summ['entities']} entities of {summ['tree']} with {summ['method']}"
        + (f" ({summ['operator']})" if summ.get("operator") else "")
        + f" → {output}  [{summ.get('engine', 'memory')} engine"
        + (f", {rate:,.0f} rows/s]" if rate else "]")
    )
    if summ.get("grades"):
        typer.echo(
            "grades: " + ", ".join(f"{g.name} {summ['grades'].get(g.id, 0)}" for g in spec.grades)
        )
        if summ.get("low_validity"):
            typer.echo(
                f"{summ['low_validity']} grades have a low validity index "
                f"(< {summ.get('validity_threshold', spec.validity_threshold):g})"
            )
    skipped = summ.get("skipped", [])
    for s_ in skipped[:10]:
        typer.echo(f"skipped row {s_['row']} ({s_['entity_id']}): {s_['reason']}")
    n_skipped = summ.get("n_skipped", len(skipped))
    if n_skipped > 10:
        typer.echo(f"… and {n_skipped - 10} more skipped")
    if summ.get("ignored_columns"):
        typer.echo(f"ignored columns: {', '.join(summ['ignored_columns'])}")


@app.command()
def demo(
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
    wt = Table(title="Dimension weights (AHP, illustrative judgments)")
    wt.add_column("dimension")
    wt.add_column("weight", justify="right")
    wt.add_column("CR", justify="right")
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
    gt = Table(title="Grades (maximum membership, fuzzy comprehensive evaluation M(·,+))")
    gt.add_column("grade")
    gt.add_column("merchants", justify="right")
    gt.add_column("share", justify="right")
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


def _register_commands() -> None:
    """Commands that live in their own modules (evalsys/commands/), registered here."""
    from evalsys.cli.benchmark import benchmark_cmd, gaps_cmd, peers_cmd
    from evalsys.cli.indicators import indicators_cmd, sample_logs_cmd
    from evalsys.cli.report import report_cmd
    from evalsys.cli.sensitivity import sensitivity_cmd

    app.command("benchmark")(benchmark_cmd)
    app.command("gaps")(gaps_cmd)
    app.command("peers")(peers_cmd)
    app.command("report")(report_cmd)
    app.command("sensitivity")(sensitivity_cmd)
    app.command("indicators")(indicators_cmd)
    app.command("sample-logs")(sample_logs_cmd)


_register_commands()


def main() -> None:
    """Console entry point: run the app; bad input → one message and exit code 1."""
    from evalsys.errors import EvalsysError

    try:
        app()
    except EvalsysError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None


if __name__ == "__main__":  # pragma: no cover
    main()
