"""``evalsys score`` and ``evalsys sample-data``: entities in, scores and grades out.

Plain functions with Typer annotations; :mod:`evalsys.cli` registers them.  :func:`_score`
and :func:`_summary` (one in-memory scoring run and its JSON summary) also serve
``evalsys demo`` and the engines of :mod:`evalsys.cli.score_engine`.  Heavy modules are
imported inside the functions so that ``evalsys --help`` stays fast.
"""

from __future__ import annotations

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
    _emit_json,
    _entity_data,
)

__all__ = ["sample_data_cmd", "score_cmd"]


def _score(
    tree: str,
    data: Path | str,
    method: str,
    operator: str,
    missing: str,
    id_column: str,
    normalize_b: bool = False,
) -> Any:
    from evalsys.engines.memory import score_entities
    from evalsys.errors import EvalsysError
    from evalsys.model.compiled import compile_tree
    from evalsys.model.io import load_tree
    from evalsys.model.nodes import DimensionNode
    from evalsys.weights.hierarchy import tree_weights

    spec = load_tree(tree)
    compiled = compile_tree(spec)
    d = _entity_data(compiled, data, missing=missing, id_column=id_column)
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


def score_cmd(
    tree: TreeArg,
    data: DataArg,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Output file; format by extension.")
    ],
    method: MethodOpt = "fce",
    operator: OperatorOpt = "weighted_average",
    missing: MissingOpt = "reject",
    id_column: IdOpt = "entity_id",
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


def sample_data_cmd(
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
