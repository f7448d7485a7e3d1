"""Scoring on a Dask cluster: the same per-entity kernels, partition by partition.

It owns :func:`score` / :func:`score_frame` (a Dask DataFrame in, a lazy scored frame out),
:func:`run` / :func:`run_cluster` (files in and out on a cluster), :func:`client` and
:class:`DaskScoring`; ``score_frame`` and ``run_cluster`` take the choices as one
:class:`~evalsys.engines.options.ScoreOptions`.

Optional: ``pip install evalsys[dask]`` (dask[dataframe], distributed, pandas).

:func:`score` maps every partition of a Dask DataFrame through the data boundary
(:func:`evalsys.model.data.indicator_values`, global row numbers) and the
:class:`evalsys.scoring.scorer.Scorer` that :func:`evalsys.engines.memory.score_entities` uses,
with the weights derived once on the driver.  Per-entity results are therefore bit-identical to the
single-process engines.  The quantities that compare entities are exact too:

* **ranks and percentiles** — the score column (8 bytes per entity) is collected on the
  driver, ranked with one sort (:func:`evalsys.scoring.result.rank_and_percentile`) and the ranks
  are handed back to the partitions: driver memory ≈ 24 bytes per entity (240 MB for 10
  million);
* **duplicate entity ids** — every partition hashes its ids (8 bytes per entity, collected
  and sorted on the driver; a collision is confirmed on the strings);
* **rates given as fractions** — per-partition column maxima, reduced on the driver;
* **contributions** — the per-leaf means are summed in blocks of the global row sequence
  (:class:`evalsys.scoring.result.ColumnSums`): partitions return the sums of their whole blocks
  and the rows of the blocks they share with a neighbour, which the driver completes.

As for :mod:`evalsys.engines.stream`, methods other than FCE and objective weights need statistics
of the whole table first and are rejected (pass precomputed ``weights`` for the latter).

:func:`run` is what ``evalsys score --engine dask`` calls: it starts a
``distributed.LocalCluster`` (processes, ``workers`` × 1 thread) or connects to a
scheduler address, reads a (partitioned) Parquet dataset or CSV files, scores, and writes
one Parquet/CSV file, partition by partition, atomically.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.engines.arrow_io import STREAM_FORMATS, table_writer, write_tables
from evalsys.engines.blocks import check_block, run_scorer, score_block
from evalsys.engines.columns import (
    ContributionPlan,
    block_columns,
    check_fractions,
    final_columns,
    lead_columns,
    present_leaf_scores,
)
from evalsys.engines.ids import check_unique_ids, hash_strings, id_strings
from evalsys.engines.options import ScoreOptions, load_compiled
from evalsys.errors import DataError
from evalsys.model.io import follow_umask

__all__ = ["DaskScoring", "client", "run", "run_cluster", "score", "score_frame"]

FloatArray = npt.NDArray[np.float64]


def _module(name: str) -> Any:
    """Import an optional dependency (typed as Any: dask's API is only partly annotated)."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise DataError(
            "the dask engine needs the optional dependencies: pip install 'evalsys[dask]'"
        ) from exc


def _require_dask() -> Any:
    _module("dask.dataframe")
    return _module("dask")


@dataclass(frozen=True, slots=True)
class _Job:
    """Everything a partition needs (pickled to the workers once per task)."""

    scorer: Any
    options: ScoreOptions
    offsets: tuple[int, ...]  # first global row of each partition


def _partition_arrays(job: _Job, pdf: Any, number: int) -> dict[str, Any]:
    """Check and score one pandas partition; return its output columns and statistics."""
    import pyarrow as pa

    scorer, opts = job.scorer, job.options
    compiled = scorer.compiled
    offset = job.offsets[number]
    table = pa.Table.from_pandas(pdf, preserve_index=False)
    cv = check_block(compiled, table, opts, offset)
    n = table.num_rows
    names = table.column_names
    rows = np.arange(offset + 1, offset + n + 1, dtype=np.int64)[cv.keep]
    hashes = np.zeros(0, dtype=np.uint64)
    # text columns stay Arrow arrays (pandas' ArrowDtype in the frame): no Python string
    # objects to build, pickle to the driver and convert back to Arrow there
    ids = None
    if opts.id_column in names:
        ids = id_strings(table.column(opts.id_column))
        hashes = hash_strings(ids, compiled=scorer.kernel == "numba")
    extra = [c for c in opts.passthrough if c in names and c != opts.id_column]
    cols = lead_columns(table, ids, rows, cv.keep, extra)
    blk = score_block(scorer, cv, opts)
    body = block_columns(
        compiled, blk, present_leaf_scores(blk, cv.present), memberships=opts.memberships
    )
    for name in ("grade", "grade_name"):
        body[name] = body[name].dictionary_decode()
    cols.update(body)
    G = compiled.n_grades
    stats: dict[str, Any] = {
        "grades": np.bincount(np.where(blk.grade >= 0, blk.grade, G), minlength=G + 1),
        "low_validity": int((blk.validity < 0.5).sum()),
        "n": n,
        "kept": int(rows.size),
        "hashes": hashes,
        "column_max": cv.column_max,
        "skipped": [(offset + i + 1, reason) for i, reason in cv.skipped],
    }
    return {"cols": cols, "stats": stats}


def _leaf_blocks(res: dict[str, Any], kept_offset: int, n_leaves: int) -> dict[str, Any]:
    """Split a partition's leaf scores on the global :data:`SUM_BLOCK` grid: the rows
    before its first boundary, the sums of its whole blocks, the rows after."""
    from evalsys.scoring.result import SUM_BLOCK, ColumnSums

    cols = res["cols"]
    ls = np.column_stack([cols[f"leaf.{j}"] for j in range(n_leaves)]) if n_leaves else None
    if ls is None or ls.shape[0] == 0:
        return {"head": np.zeros((0, n_leaves)), "blocks": [], "tail": np.zeros((0, n_leaves))}
    head_n = min((-kept_offset) % SUM_BLOCK, ls.shape[0])
    body = ls[head_n:]
    whole = (body.shape[0] // SUM_BLOCK) * SUM_BLOCK
    return {
        "head": ls[:head_n],
        "blocks": ColumnSums.block_sums(body[:whole]),
        "tail": body[whole:],
    }


@dataclass(frozen=True, slots=True)
class DaskScoring:
    """Result of :func:`score`.

    Attributes
    ----------
    frame
        Lazy Dask DataFrame of the output columns (those of ``evalsys score``, in the same
        order), partitioned like the input.
    entities, rows
        Entities scored and rows read.
    skipped
        ``(row, reason)`` of skipped rows (``missing="skip"``).
    score
        The (E,) scores in row order (kept on the driver for the ranks).
    grades, low_validity
        Entities per grade id and validity indices below 0.5.
    """

    frame: Any
    entities: int
    rows: int
    skipped: tuple[tuple[int, str], ...]
    score: FloatArray
    grades: dict[str, int]
    low_validity: int


def score(
    ddf: Any,
    tree: Any,
    *,
    method: str = "fce",
    operator: str = "weighted_average",
    missing: str = "reject",
    id_column: str = "entity_id",
    weights: Any = None,
    normalize_b: bool = False,
    memberships: bool = False,
    contributions: bool = False,
    passthrough: tuple[str, ...] = ("segment", "tier"),
) -> DaskScoring:
    """Score every row of a Dask DataFrame on ``tree`` (see the module docstring).

    Parameters
    ----------
    ddf
        ``dask.dataframe.DataFrame`` with the tree's data columns (as
        :func:`evalsys.model.data.indicator_data` expects them).
    tree
        Tree file or shipped name, TreeSpec or CompiledTree.
    method, operator, missing, id_column, weights, normalize_b, memberships,
    contributions, passthrough
        As for :func:`evalsys.engines.stream.score_file`.

    Returns
    -------
    DaskScoring
        ``.frame`` is a lazy Dask DataFrame; computing it (or writing it with
        ``to_parquet``) re-reads nothing on the driver.  The per-entity pass runs once
        (persisted) to collect the scores for the exact ranks.

    Raises
    ------
    DataError
        Method other than FCE, objective weights without ``weights``, or data errors
        (global row numbers; the first offending partition in row order).
    """
    options = ScoreOptions(
        method=method,
        operator=operator,
        missing=missing,
        id_column=id_column,
        normalize_b=normalize_b,
        memberships=memberships,
        contributions=contributions,
        passthrough=passthrough,
    )
    return score_frame(ddf, tree, options, weights=weights)


def score_frame(
    ddf: Any, tree: Any, options: ScoreOptions | None = None, *, weights: Any = None
) -> DaskScoring:
    """:func:`score` with the choices of ``options`` (default :class:`ScoreOptions`)."""
    dask = _require_dask()
    from evalsys.scoring.result import ColumnSums, rank_and_percentile

    opts = options if options is not None else ScoreOptions()
    opts.require_fce("cannot run partition by partition: use the in-memory engine, or fce")
    compiled = load_compiled(tree)
    lengths = [int(x) for x in ddf.map_partitions(len).compute()]
    # one thread per task: the workers' threads and processes are the parallelism
    scorer = run_scorer(compiled, weights, opts, rows=sum(lengths), threads=1)
    offsets = tuple(int(x) for x in np.concatenate([[0], np.cumsum(lengths)[:-1]]))
    job = _Job(scorer, opts, offsets)
    parts = [dask.delayed(_partition_arrays)(job, p, i) for i, p in enumerate(ddf.to_delayed())]
    results = dask.persist(*parts)
    gathered = dask.compute(
        *[dask.delayed(lambda r: (r["stats"], r["cols"]["score"]))(r) for r in results]
    )
    stats = [g[0] for g in gathered]
    scores_parts = [g[1] for g in gathered]
    rows_read = int(sum(s["n"] for s in stats))
    spec = compiled.spec
    leaves = spec.leaves()
    if rows_read == 0:
        raise DataError("the table has no rows")
    _check_whole(stats, leaves, ddf, opts.id_column)
    score_all = np.concatenate([np.asarray(s, dtype=np.float64) for s in scores_parts])
    if score_all.size == 0:
        raise DataError("every entity has a missing value; nothing left to score")
    rank, pct = rank_and_percentile(score_all, bounds=compiled.score_range)
    kept = [int(s["kept"]) for s in stats]
    starts = np.concatenate([[0], np.cumsum(kept)[:-1]]).astype(int)
    plan = None
    if opts.contributions:
        pieces = dask.compute(
            *[
                dask.delayed(_leaf_blocks)(r, int(s), len(leaves))
                for r, s in zip(results, starts, strict=True)
            ]
        )
        acc = ColumnSums(len(leaves))
        for piece in pieces:  # in row order: the same block sums as streaming
            acc.add(piece["head"])
            for total, count in piece["blocks"]:
                acc.add_block(total, count)
            acc.add(piece["tail"])
        plan = ContributionPlan.of(compiled, acc.mean(), scorer.leaf_weights)
    pd = _module("pandas")

    def finish(res: dict[str, Any], r: Any, p: Any) -> Any:
        out = final_columns(res["cols"], r, p, plan)
        return pd.DataFrame(
            {
                k: pd.arrays.ArrowExtensionArray(v) if hasattr(v, "type") else v
                for k, v in out.items()
            }
        )

    dd = _module("dask.dataframe")
    final = [
        dask.delayed(finish)(res, rank[s : s + k], pct[s : s + k])
        for res, s, k in zip(results, starts, kept, strict=True)
    ]
    meta = finish(
        _partition_arrays(job, ddf._meta, 0) if len(offsets) else {"cols": {}},
        np.zeros(0, dtype=np.int64),
        np.zeros(0),
    )
    frame = dd.from_delayed(final, meta=meta, verify_meta=False)
    skipped = tuple(x for s in stats for x in s["skipped"])
    counts = np.sum([s["grades"] for s in stats], axis=0)
    return DaskScoring(
        frame=frame,
        entities=int(score_all.size),
        rows=rows_read,
        skipped=skipped,
        score=score_all,
        grades={g.id: int(counts[k]) for k, g in enumerate(spec.grades)},
        low_validity=int(sum(s["low_validity"] for s in stats)),
    )


def _check_whole(stats: Any, leaves: Any, ddf: Any, id_column: str) -> None:
    """Checks that need every row: fractions, duplicate ids."""
    col_max = np.full(len(leaves), np.nan)
    for s in stats:
        col_max = np.fmax(col_max, s["column_max"])
    check_fractions(col_max, leaves)
    check_unique_ids(
        [s["hashes"] for s in stats if s["hashes"].size],
        lambda: np.asarray(ddf[id_column].astype(str).compute().to_numpy(), dtype=str),
        id_column,
    )


def _plain(table: Any) -> Any:
    """pandas' large strings back to plain strings, without pandas metadata (the columns
    of the single-process engines)."""
    import pyarrow as pa

    fields = [
        pa.field(f.name, pa.string())
        if pa.types.is_large_string(f.type) or pa.types.is_dictionary(f.type)
        else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def _read(data: Path) -> Any:
    dd = _module("dask.dataframe")

    suffix = data.suffix.lower()
    if data.is_dir() or suffix in (".parquet", ".pq"):
        return dd.read_parquet(str(data))
    if suffix == ".csv" or "*" in data.name:
        return dd.read_csv(str(data), blocksize="64MB")
    raise DataError(
        f"the dask engine reads Parquet (file or dataset folder) or CSV, not '{suffix}'",
        file=str(data),
    )


@contextlib.contextmanager
def client(scheduler: str | None = None, workers: int = 2, processes: bool = True) -> Any:
    """A ``distributed.Client``: on a new LocalCluster (``workers`` processes × 1 thread)
    or connected to ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``)."""
    _require_dask()
    distributed = _module("distributed")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    if scheduler:
        with Client(scheduler) as c:
            yield c
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def run(
    tree: Any,
    data: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    method: str = "fce",
    operator: str = "weighted_average",
    missing: str = "reject",
    id_column: str = "entity_id",
    memberships: bool = False,
    contributions: bool = False,
    weights: Any = None,
    normalize_b: bool = False,
) -> dict[str, Any]:
    """Score ``data`` on a Dask cluster and write one output file; return a summary dict.

    The output (``.parquet`` or ``.csv``) is written partition by partition on the driver
    to a temporary file and renamed into place; an error removes it.
    """
    options = ScoreOptions(
        method=method,
        operator=operator,
        missing=missing,
        id_column=id_column,
        normalize_b=normalize_b,
        memberships=memberships,
        contributions=contributions,
    )
    return run_cluster(
        tree,
        data,
        output,
        options,
        scheduler=scheduler,
        workers=workers,
        processes=processes,
        weights=weights,
    )


def run_cluster(
    tree: Any,
    data: str | os.PathLike[str],
    output: str | os.PathLike[str],
    options: ScoreOptions | None = None,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    weights: Any = None,
) -> dict[str, Any]:
    """:func:`run` with the choices of ``options`` (default :class:`ScoreOptions`)."""
    t0 = time.perf_counter()
    src = Path(data)
    dst = Path(output)
    if dst.suffix.lower() not in STREAM_FORMATS:
        raise DataError(f"the dask engine writes Parquet or CSV, not '{dst.suffix}'", file=str(dst))
    if not src.exists():
        raise DataError("no such file", file=str(src))
    import pyarrow as pa

    with client(scheduler, workers, processes) as c:
        ddf = _read(src)
        res = score_frame(ddf, tree, options, weights=weights)
        dst.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
        os.close(fd)
        follow_umask(tmp)
        fmt = "csv" if dst.suffix.lower() == ".csv" else "parquet"

        def tables() -> Iterator[Any]:
            futures = c.compute(res.frame.to_delayed())
            for fut in futures:  # in partition order; the cluster works ahead
                table = _plain(pa.Table.from_pandas(fut.result(), preserve_index=False))
                fut.release()
                yield table

        write_tables(tables(), tmp, dst, lambda schema: table_writer(tmp, schema, fmt))
    seconds = time.perf_counter() - t0
    s = res.score
    return {
        "engine": "dask",
        "scheduler": scheduler or f"LocalCluster({workers} workers)",
        "entities": res.entities,
        "rows": res.rows,
        "skipped": [{"row": r, "reason": why} for r, why in res.skipped[:1000]],
        "grades": res.grades,
        "low_validity": res.low_validity,
        "score": {
            "mean": float(np.mean(s)),
            "median": float(np.median(s)),
            "min": float(np.min(s)),
            "max": float(np.max(s)),
        },
        "output": str(dst),
        "seconds": seconds,
        "rows_per_second": res.rows / seconds if seconds > 0 else float("inf"),
    }
