"""Streaming scoring: tables of any length in bounded memory, bit-identical to in-memory.

It owns :func:`score_file` (and :func:`run_stream`, the same with a
:class:`~evalsys.engines.options.ScoreOptions`), the two passes and the ranking between
them; the Parquet/CSV blocks are read and written by :mod:`evalsys.engines.arrow_io`,
the columns built by :mod:`evalsys.engines.columns`, the
:class:`~evalsys.engines.reporting.StreamSummary` it returns is defined in
:mod:`evalsys.engines.reporting`.

:func:`score_file` reads a Parquet or CSV file in chunks of ``chunk_rows`` rows (pyarrow's
``ParquetFile.iter_batches`` / ``pyarrow.csv.open_csv``, read ahead in a background
thread), checks every chunk at the data boundary (:func:`evalsys.model.data.indicator_values`,
row numbers in errors are global), scores it with the same :class:`evalsys.scoring.scorer.Scorer`
as :func:`evalsys.engines.memory.score_entities`, and writes the output incrementally:

1. **pass 1** scores each chunk and keeps the score column (8 bytes per entity) plus an
   8-byte hash of each entity id; it writes the chunk's columns either
   - straight into the final Parquet file (Parquet output without contributions, the
     usual case), with ``rank`` and ``percentile`` as placeholders laid out so that they
     can be overwritten in place (:mod:`evalsys.engines.late_columns`), or
   - to an uncompressed Arrow IPC file beside the output (CSV output, or contributions,
     which need every entity's leaf scores for the leaf means);
2. the ids are checked for duplicates over the whole table, the "rates given as
   fractions" check runs on each column's global maximum, and **exact** ranks and
   percentiles are computed from all scores (:func:`evalsys.scoring.result.rank_and_percentile`,
   one sort);
3. the ranks and percentiles are patched into the Parquet file
   (:func:`~evalsys.engines.late_columns.patch_late_columns`: two ``pwrite`` calls per row
   group, read back and compared), or **pass 2** reads the IPC file back one chunk at a
   time, adds rank and percentile (and contributions) and writes the final Parquet
   (``ParquetWriter``, one row group per chunk) or CSV.  Either way the output is a
   temporary file renamed atomically onto the output name at the end.

Any error or Ctrl-C removes both temporary files: no partial output ever appears under the
final name.

Memory: O(``chunk_rows`` × columns) for the chunks plus, below
:data:`~evalsys.engines.spill.SPILL_MIN_ROWS` rows, about 56 bytes per entity for the
scores, id hashes and the final sorts (≈ 850 MiB in all for 10 million entities); from
there on (Parquet output without contributions) the scores and id hashes go to bucket
files beside the output and are ranked bucket by bucket (:mod:`evalsys.engines.spill`),
so memory no longer grows with the table (≈ 850 MiB at 30 million).  Independent of the
number of columns either way.

Results equal :func:`~evalsys.engines.memory.score_entities` on the whole table bit for
bit, whatever ``chunk_rows``: every per-entity quantity is computed per entity in a fixed
order, and the only statistics over all entities (ranks, percentiles, leaf means) are
computed over all entities (:class:`evalsys.scoring.result.ColumnSums` sums in blocks of
the global row sequence).

What needs the whole table first, and how streaming handles it:

* ``method`` other than ``fce`` (weighted sum, TOPSIS, grey relational analysis, VIKOR,
  PROMETHEE II) rescales columns by statistics of all entities: rejected here — use the
  in-memory engine;
* objective or combined weights are computed from every entity's utilities: rejected
  unless ``weights`` (computed beforehand) are passed;
* quantitative leaves without ``bounds`` whose memberships use utilities are normalised by
  the range of the whole data: a first pass over the file computes it (exact, since minima
  and maxima do not depend on the order);
* data errors are reported from the first chunk that has one, with global row numbers;
  the whole-table engine reports the first offending column over all rows instead.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.engines.arrow_io import (
    BackgroundWriter,
    arrow_columns,
    check_format,
    dictionary_columns,
    discard,
    plain_grades,
    plain_schema,
    prefetch,
    read_batches,
    read_ids,
    rebatch,
    schema_names,
    table_writer,
)
from evalsys.engines.blocks import check_block, run_scorer, score_block
from evalsys.engines.columns import (
    ContributionPlan,
    block_columns,
    check_fractions,
    final_columns,
    lead_columns,
    present_leaf_scores,
)
from evalsys.engines.heap import release_free_heap
from evalsys.engines.ids import check_unique_ids, hash_strings, id_strings
from evalsys.engines.late_columns import late_writer, patch_late_columns, patch_late_values
from evalsys.engines.options import ScoreOptions, load_compiled
from evalsys.engines.reporting import ProgressBar, ProgressFn, StreamSummary
from evalsys.engines.spill import SpilledScores, score_moments, spill_min_rows
from evalsys.errors import DataError, EvalsysError, ValidityWarning
from evalsys.model.io import follow_umask
from evalsys.scoring.ranking import median_from_ranks
from evalsys.scoring.result import rank_and_percentile

__all__ = ["DEFAULT_CHUNK_ROWS", "run_stream", "score_file"]

#: Rows per chunk by default (≈ 30 MB of indicator values for 31 leaves).
DEFAULT_CHUNK_ROWS = 131_072

FloatArray = npt.NDArray[np.float64]


def score_file(
    tree: Any,
    data_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    method: str = "fce",
    operator: str = "weighted_average",
    missing: str = "reject",
    id_column: str = "entity_id",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    memberships: bool = False,
    contributions: bool = False,
    weights: Any = None,
    normalize_b: bool = False,
    passthrough: tuple[str, ...] = ("segment", "tier"),
    progress: ProgressFn | bool | None = None,
    threads: int | None = None,
    kernel: str = "auto",
) -> StreamSummary:
    """Score a Parquet/CSV file chunk by chunk and write Parquet/CSV incrementally.

    Parameters
    ----------
    tree
        Tree file or shipped name, :class:`~evalsys.model.tree.TreeSpec` or
        :class:`~evalsys.model.compiled.CompiledTree`.
    data_path
        Input ``.parquet`` / ``.pq`` / ``.csv``.
    out_path
        Output ``.parquet`` / ``.pq`` / ``.csv`` (written atomically; never the input).
    method
        ``"fce"`` (the only method that scores each entity on its own values; see the
        module docstring).
    operator, missing, id_column
        As for :func:`evalsys.engines.memory.score_entities` /
        :func:`evalsys.model.data.indicator_data`.
    chunk_rows
        Rows per chunk (memory ∝ chunk_rows); results do not depend on it.
    memberships, contributions
        Also write the evaluation vectors B / the contributions (as ``evalsys score``).
    weights
        Precomputed :class:`~evalsys.weights.hierarchy.TreeWeights` (required for objective or
        combined weight specifications).
    normalize_b
        Divide every node's B by its sum.
    passthrough
        Input columns copied to the output when present.
    progress
        ``None``: a rich progress bar with rows/s on stderr when stderr is a terminal;
        ``True`` / ``False``: always / never; a callable ``progress(rows_done, rows_total)``
        (``rows_total`` is ``None`` for CSV) is called after every chunk — an exception it
        raises aborts the run and removes the temporary files.
    threads
        Threads of the scoring kernel (default: up to 2).
    kernel
        ``"auto"``, ``"numba"`` or ``"numpy"`` (:func:`evalsys.scoring.kernels.choose`; ``"auto"``
        compiles for inputs of about :data:`evalsys.scoring.kernels.JIT_MIN_ROWS` rows or more — the
        row count of a Parquet file, or a CSV's size at 8 bytes per value).  Results do not
        depend on it.

    Returns
    -------
    StreamSummary

    Raises
    ------
    UnknownMethodError
        An unknown method or operator.
    DataError
        Unsupported format, method other than FCE, objective weights without ``weights``,
        or any data error (global row numbers).
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
    return run_stream(
        tree,
        data_path,
        out_path,
        options,
        chunk_rows=chunk_rows,
        weights=weights,
        progress=progress,
        threads=threads,
        kernel=kernel,
    )


def run_stream(
    tree: Any,
    data_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    options: ScoreOptions | None = None,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    weights: Any = None,
    progress: ProgressFn | bool | None = None,
    threads: int | None = None,
    kernel: str = "auto",
) -> StreamSummary:
    """:func:`score_file` with the choices of ``options`` (default :class:`ScoreOptions`)."""
    t0 = time.perf_counter()
    from evalsys.model.data import check_unique, required_columns
    from evalsys.scoring.plan import data_range, leaf_plan, open_bounds
    from evalsys.scoring.result import ColumnSums

    opts = options if options is not None else ScoreOptions()
    src = Path(data_path)
    dst = Path(out_path)
    fmt_in = check_format(src, "reads")
    fmt_out = check_format(dst, "writes")
    if not src.exists():
        raise DataError("no such file", file=str(src))
    if src.stat().st_size == 0:
        raise DataError("file is empty", file=str(src))
    with contextlib.suppress(OSError):
        if dst.exists() and dst.resolve() == src.resolve():
            raise EvalsysError("refusing to overwrite an input file", file=str(dst))
    opts.require_fce("cannot be streamed: use the in-memory engine (--engine memory), or fce")
    if chunk_rows < 1:
        raise DataError(f"chunk_rows must be a positive integer, got {chunk_rows}")
    compiled = load_compiled(tree)
    spec = compiled.spec
    leaves = spec.leaves()
    G = compiled.n_grades
    needed = required_columns(compiled)
    names, total_rows = schema_names(src, fmt_in)
    absent = [c for c in needed if c not in names]
    if absent:
        raise DataError(
            f"missing column{'s' if len(absent) > 1 else ''} {', '.join(absent)} "
            f"(the tree '{spec.id}' reads {len(needed)} columns)",
            file=str(src),
        )
    id_column = opts.id_column
    has_id = id_column in names
    extra = [c for c in opts.passthrough if c in names and c not in needed and c != id_column]
    columns = ([id_column] if has_id else []) + extra + needed
    used = {id_column, *needed}
    ignored = tuple(c for c in names if c not in used and c not in opts.passthrough)

    # Parquet without contributions is written in one pass (late_columns); there the
    # low-cardinality passthrough text columns travel as dictionaries (same output)
    direct = fmt_out == "parquet" and not opts.contributions
    decoded = dictionary_columns(src, extra) if direct and fmt_in == "parquet" else ()

    from evalsys.scoring.kernels import choose

    expected = total_rows if total_rows is not None else src.stat().st_size // (8 * len(columns))
    kernel = choose(kernel, expected)
    compiled_hash = kernel == "numba"

    # the data range of leaves without bounds (only when their memberships use it)
    plan_probe = leaf_plan(compiled)
    needs_range = bool(open_bounds(plan_probe).any()) and any(
        grp.source == "utility" for grp in plan_probe.groups
    )

    def chunks(text: bool, cols: list[str]) -> Iterator[Any]:
        """(table, offset, checked values, ids, id hashes) per chunk, prepared in a
        background thread (reading, checking and hashing run while the previous chunk is
        scored)."""

        def prepared() -> Iterator[Any]:
            offset = 0
            batches = read_batches(
                src, fmt_in, cols, needed, text, min(chunk_rows, 1 << 20), decoded
            )
            for tbl in rebatch(batches, chunk_rows):
                cv = check_block(compiled, tbl, opts, offset)
                ids = hashes = None
                if has_id and id_column in cols:
                    ids = id_strings(tbl.column(id_column))
                    hashes = hash_strings(ids, compiled=compiled_hash)
                yield tbl, offset, cv, ids, hashes
                offset += tbl.num_rows

        return prefetch(prepared())

    def run(text: bool) -> StreamSummary:
        data_lo = data_hi = None
        if needs_range:
            lo_acc = np.full(plan_probe.quant_cols.size, np.nan)
            hi_acc = lo_acc.copy()
            for _tbl, _off, cv, _ids, _h in chunks(text, needed):
                lo, hi = data_range(plan_probe, cv.values)
                lo_acc = np.fmin(lo_acc, lo)
                hi_acc = np.fmax(hi_acc, hi)
            data_lo, data_hi = lo_acc, hi_acc
        scorer = run_scorer(
            compiled,
            weights,
            opts,
            data_lo=data_lo,
            data_hi=data_hi,
            threads=threads,
            kernel=kernel,
        )
        return _two_passes(scorer, text)

    def _two_passes(scorer: Any, text: bool) -> StreamSummary:
        import pyarrow as pa
        import pyarrow.ipc as ipc

        grade_ids = tuple(g.id for g in spec.grades)
        # from SPILL_MIN_ROWS rows the per-entity state goes to bucket files (spill.py):
        # from the start when the row count is known, else once the rows read reach it
        # (read before any temporary file exists: a bad EVALSYS_SPILL_ROWS leaves none)
        spill_rows = spill_min_rows() if direct else None
        # Parquet without contributions (direct): one encoding, ranks patched in afterwards
        # (evalsys.engines.late_columns); otherwise an Arrow IPC pass-one file
        fd, ipc_tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".pass1", dir=dst.parent)
        os.close(fd)
        fd, out_tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
        os.close(fd)
        follow_umask(out_tmp)
        bar = ProgressBar(progress, total_rows, f"scoring {src.name}")
        spill = None
        try:
            if spill_rows is not None and total_rows is not None and total_rows >= spill_rows:
                spill = SpilledScores(dst.parent, *compiled.score_range)
            scores: list[FloatArray] = []
            hashes: list[npt.NDArray[np.uint64]] = []
            grade_counts = np.zeros(G + 1, dtype=np.int64)
            low_validity = 0
            col_max = np.full(len(leaves), np.nan)
            skipped: list[tuple[int, str, str]] = []
            n_skipped = 0
            leaf_sums = ColumnSums(len(leaves)) if opts.contributions else None
            writer: Any = None
            rows_read = 0
            n_chunks = 0
            entities = 0
            for tbl, offset, cv, ids, id_hash in chunks(text, columns):
                n = tbl.num_rows
                col_max = np.fmax(col_max, cv.column_max)
                if id_hash is not None:
                    if spill is not None:
                        spill.add_hashes(id_hash)
                    else:
                        hashes.append(id_hash)
                keep = cv.keep
                if cv.skipped:
                    n_skipped += len(cv.skipped)
                    for i, reason in cv.skipped:
                        if len(skipped) < 1000:
                            eid = ids[i].as_py() if ids is not None else str(offset + i + 1)
                            skipped.append((offset + i + 1, eid, reason))
                rows = np.arange(offset + 1, offset + n + 1, dtype=np.int64)[keep]
                m = rows.size
                if m:
                    blk = score_block(scorer, cv, opts)
                    if spill is not None:
                        spill.add_scores(blk.score)
                    else:
                        scores.append(blk.score)
                    gi = np.where(blk.grade >= 0, blk.grade, G)
                    grade_counts += np.bincount(gi, minlength=G + 1)
                    low_validity += int((blk.validity < 0.5).sum())
                    ls = present_leaf_scores(blk, cv.present)
                    if leaf_sums is not None and ls is not None:
                        leaf_sums.add(ls)
                    out = lead_columns(tbl, ids, rows, keep, extra)
                    out.update(block_columns(compiled, blk, ls, memberships=opts.memberships))
                    if direct:
                        # the final columns, rank and percentile as placeholders
                        late = (np.zeros(m, dtype=np.int64), np.zeros(m))
                        table = pa.Table.from_pydict(arrow_columns(final_columns(out, *late, None)))
                        if not plain_schema(table.schema, decoded):
                            table = plain_grades(table, decoded)
                        if writer is None:
                            writer = BackgroundWriter(late_writer(out_tmp, table.schema, decoded))
                        writer.write_table(table)  # encoded while the next chunk is scored
                    else:
                        batch = pa.RecordBatch.from_pydict(arrow_columns(out))
                        if writer is None:
                            writer = ipc.new_file(ipc_tmp, batch.schema)
                        writer.write_batch(batch)
                entities += m
                n_chunks += 1
                rows_read = offset + n
                if spill is None and spill_rows is not None and rows_read >= spill_rows:
                    spill = SpilledScores(dst.parent, *compiled.score_range)
                    for part in scores:
                        spill.add_scores(part)
                    for hashed in hashes:
                        spill.add_hashes(hashed)
                    scores.clear()
                    hashes.clear()
                bar(rows_read, total_rows)
            if writer is not None:
                writer.close()
                writer = None
            release_free_heap()  # the chunks' freed buffers, before the (E,) arrays below
            if spill is not None:
                spill.finish()
            # whole-table checks
            if rows_read == 0:
                raise DataError("the table has no rows", file=str(src))
            check_fractions(col_max, leaves)
            if has_id and spill is not None:
                if spill.has_duplicate_hash():  # confirmed (or not) on the ids themselves
                    check_unique(read_ids(src, fmt_in, id_column), id_column)
            elif has_id:
                check_unique_ids(hashes, lambda: read_ids(src, fmt_in, id_column), id_column)
            if entities == 0:
                raise DataError("every entity has a missing value; nothing left to score")
            if spill is not None:
                import pyarrow.parquet as pq

                md = pq.ParquetFile(out_tmp).metadata
                groups = [md.row_group(r).num_rows for r in range(md.num_row_groups)]
                late_values, median = spill.rank(groups)
                patch_late_values(out_tmp, late_values)
                mean, low, high = score_moments(out_tmp, entities)
            else:
                score_all = np.concatenate(scores)
                scores.clear()
                rank, pct = rank_and_percentile(score_all, bounds=compiled.score_range)
                median = median_from_ranks(score_all, rank)
                mean = float(np.mean(score_all))
                low, high = float(np.min(score_all)), float(np.max(score_all))
                plan = None
                if leaf_sums is not None:
                    plan = ContributionPlan.of(compiled, leaf_sums.mean(), scorer.leaf_weights)
                if direct:
                    patch_late_columns(out_tmp, rank, pct)
                else:
                    _pass_two(ipc_tmp, out_tmp, fmt_out, rank, pct, plan)
            os.replace(out_tmp, dst)
        except BaseException:
            discard(writer, out_tmp)
            raise
        finally:
            bar.close()
            with contextlib.suppress(OSError):
                os.unlink(ipc_tmp)
            if spill is not None:
                spill.close()
        seconds = time.perf_counter() - t0
        if low_validity:
            warnings.warn(
                f"{low_validity} maximum-membership grade(s) have validity below 0.5",
                ValidityWarning,
                stacklevel=3,
            )
        return StreamSummary(
            tree_id=spec.id,
            method="fce",
            operator=scorer.operator,
            rows=rows_read,
            entities=entities,
            skipped=tuple(skipped),
            n_skipped=n_skipped,
            ignored_columns=ignored,
            grades={gid: int(grade_counts[g]) for g, gid in enumerate(grade_ids)},
            low_validity=low_validity,
            score={"mean": mean, "median": median, "min": low, "max": high},
            output=str(dst),
            chunks=n_chunks,
            chunk_rows=chunk_rows,
            seconds=seconds,
            rows_per_second=rows_read / seconds if seconds > 0 else float("inf"),
            weights_consistent=bool(scorer.weights.all_consistent),
            kernel=scorer.kernel,
        )

    dst.parent.mkdir(parents=True, exist_ok=True)
    import pyarrow as pa

    try:
        return run(text=False)
    except pa.ArrowInvalid as exc:
        if fmt_in != "csv":
            raise DataError(f"cannot read {fmt_in.upper()}: {exc}", file=str(src)) from None
    # a non-numeric value in a CSV indicator column: read the columns as text, so that the
    # data boundary names the value and its rows as for the whole table
    try:
        return run(text=True)
    except pa.ArrowInvalid as exc:
        raise DataError(f"cannot read CSV: {exc}", file=str(src)) from None


def _pass_two(
    ipc_tmp: str,
    out_tmp: str,
    fmt_out: str,
    rank: npt.NDArray[np.int64],
    pct: FloatArray,
    plan: ContributionPlan | None,
) -> None:
    """Final columns in the in-memory order: …, validity, rank, percentile, coverage, …"""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    reader = ipc.open_file(pa.OSFile(ipc_tmp, "rb"))
    writer: Any = None
    start = 0
    try:
        for k in range(reader.num_record_batches):
            b = reader.get_batch(k)
            n = b.num_rows
            cols = dict(zip(b.schema.names, b.columns, strict=True))
            final = final_columns(cols, rank[start : start + n], pct[start : start + n], plan)
            table = pa.Table.from_pydict(arrow_columns(final))
            if fmt_out == "parquet" and not plain_schema(table.schema):
                table = plain_grades(table)  # the schema is stored: no dictionary grades
            if writer is None:
                writer = table_writer(out_tmp, table.schema, fmt_out)
            writer.write_table(table)
            start += n
    finally:
        if writer is not None:
            writer.close()
