"""Engine choice for ``evalsys score``: in memory, streamed in chunks, or on Dask.

:func:`run_score` is called by the ``score`` command of :mod:`evalsys.cli`.  Every engine
gives the same output columns and values (bit for bit):

``memory``
    read the whole table, :func:`evalsys.engines.memory.score_entities`, write (any format,
    every method);
``stream``
    :func:`evalsys.engines.stream.run_stream`: Parquet/CSV in and out, bounded memory, FCE only;
``dask``
    :func:`evalsys.engines.dask.run_cluster`: a LocalCluster (``workers`` processes) or a scheduler
    address, Parquet file/dataset folder or CSV in, Parquet/CSV out, FCE only;
``auto`` (default)
    ``stream`` for FCE on a Parquet/CSV input of at least :data:`AUTO_STREAM_BYTES` with a
    Parquet/CSV output and no weights computed from data, ``memory`` otherwise.

The choices are checked once, as one :class:`evalsys.engines.options.ScoreOptions` handed
to the chosen engine.  Module-level imports are limited to the standard library so that
``evalsys --help`` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalsys.engines.options import ScoreOptions

__all__ = ["AUTO_STREAM_BYTES", "ENGINES", "choose_engine", "run_score"]

ENGINES = ("auto", "memory", "stream", "dask")

#: Inputs at least this large (bytes) are streamed by ``engine="auto"``.
AUTO_STREAM_BYTES = 64 << 20


def choose_engine(
    engine: str, data: Path, output: Path, method: str, compiled: Any | None = None
) -> str:
    """The engine ``auto`` resolves to (other names are returned as they are)."""
    from evalsys.engines.arrow_io import STREAM_FORMATS
    from evalsys.errors import DataError

    if engine not in ENGINES:
        raise DataError(f"unknown engine '{engine}'; valid: {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if method != "fce":
        return "memory"
    if data.suffix.lower() not in STREAM_FORMATS or output.suffix.lower() not in STREAM_FORMATS:
        return "memory"
    if compiled is not None:
        from evalsys.scoring.plan import _needs_data

        if _needs_data(compiled):
            return "memory"
    try:
        size = data.stat().st_size
    except OSError:
        return "memory"
    return "stream" if size >= AUTO_STREAM_BYTES else "memory"


def _memory(tree: str, data: Path, output: Path, options: ScoreOptions) -> dict[str, Any]:
    """Whole-table scoring (the reference the other engines reproduce bit for bit)."""
    import time
    import warnings

    from evalsys.cli.score import _score, _summary
    from evalsys.errors import ValidityWarning
    from evalsys.model.tables import table_from_columns, write_table

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)  # counted in the summary instead
        compiled, res = _score(
            tree,
            data,
            options.method,
            options.operator,
            options.missing,
            options.id_column,
            options.normalize_b,
        )
    columns = res.to_columns(memberships=options.memberships, contributions=options.contributions)
    write_table(
        table_from_columns(columns),
        output,
        inputs=(data,),
    )
    seconds = time.perf_counter() - t0
    rows = res.n_entities + len(res.skipped)
    return _summary(res, compiled.spec.validity_threshold) | {
        "output": str(output),
        "engine": "memory",
        "rows": rows,
        "n_skipped": len(res.skipped),
        "seconds": seconds,
        "rows_per_second": rows / seconds if seconds > 0 else None,
    }


def run_score(
    tree: str,
    data: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    engine: str = "auto",
    scheduler: str | None = None,
    workers: int = 2,
    chunk_rows: int | None = None,
    progress: bool | None = None,
    method: str = "fce",
    operator: str = "weighted_average",
    missing: str = "reject",
    id_column: str = "entity_id",
    memberships: bool = False,
    contributions: bool = False,
    normalize_b: bool = False,
) -> dict[str, Any]:
    """Score ``data`` with the chosen engine and write ``output``; return a summary dict.

    The summary has the keys of ``evalsys score --json`` (tree, method, operator, entities,
    skipped, ignored_columns, score, grades, low_validity, evalsys_version,
    weights_consistent, output) plus ``engine``, ``rows``, ``seconds`` and
    ``rows_per_second``.  ``progress``: ``None`` shows a progress bar on a terminal
    (stream engine).
    """
    import warnings

    from evalsys.engines.options import ScoreOptions
    from evalsys.errors import ValidityWarning
    from evalsys.model.compiled import compile_tree
    from evalsys.model.io import load_tree

    src, dst = Path(data), Path(output)
    compiled = compile_tree(load_tree(tree))
    chosen = choose_engine(engine, src, dst, method, compiled)
    options = ScoreOptions(
        method=method,
        operator=operator,
        missing=missing,
        id_column=id_column,
        normalize_b=normalize_b,
        memberships=memberships,
        contributions=contributions,
    )
    if chosen == "memory":
        return _memory(tree, src, dst, options)
    if chosen == "stream":
        from evalsys.engines.stream import DEFAULT_CHUNK_ROWS, run_stream

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ValidityWarning)
            summ = run_stream(
                compiled,
                src,
                dst,
                options,
                chunk_rows=chunk_rows or DEFAULT_CHUNK_ROWS,
                progress=progress,
            )
        return summ.to_dict()
    from evalsys.engines.dask import run_cluster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)
        out = run_cluster(compiled, src, dst, options, scheduler=scheduler, workers=workers)
    return {"tree": compiled.spec.id, "method": options.method, "operator": options.operator, **out}
