"""Streaming scoring: tables of any length in bounded memory, bit-identical to in-memory.

:func:`score_file` reads a Parquet or CSV file in chunks of ``chunk_rows`` rows (pyarrow's
``ParquetFile.iter_batches`` / ``pyarrow.csv.open_csv``, read ahead in a background
thread), checks every chunk at the data boundary (:func:`evalsys.model.data.indicator_values`,
row numbers in errors are global), scores it with the same :class:`evalsys.scoring.evaluate.Scorer`
as :func:`evalsys.scoring.evaluate.score_entities`, and writes the output incrementally:

1. **pass 1** writes each chunk's per-entity columns (everything but rank and percentile)
   to an uncompressed Arrow IPC file beside the output, and keeps the score column
   (8 bytes per entity) plus an 8-byte hash of each entity id;
2. the ids are checked for duplicates over the whole table, the "rates given as
   fractions" check runs on each column's global maximum, and **exact** ranks and
   percentiles are computed from all scores (:func:`evalsys.scoring.evaluate.rank_and_percentile`,
   one sort);
3. **pass 2** reads the IPC file back one chunk at a time, adds rank and percentile (and
   contributions, which need every entity's leaf scores for the leaf means) and writes the
   final Parquet (``ParquetWriter``, one row group per chunk) or CSV to a temporary file,
   renamed atomically onto the output at the end.

Any error or Ctrl-C removes both temporary files: no partial output ever appears under the
final name.

Memory: O(``chunk_rows`` × columns) for the chunks plus about 24 bytes per entity for the
scores, id hashes and the final sort (≈ 240 MB for 10 million entities) — independent of
the number of columns.  Results equal :func:`~evalsys.scoring.evaluate.score_entities` on the whole
table bit for bit, whatever ``chunk_rows``: every per-entity quantity is computed per
entity in a fixed order, and the only statistics over all entities (ranks, percentiles,
leaf means) are computed over all entities (:class:`evalsys.scoring.evaluate.ColumnSums` sums in
blocks of the global row sequence).

What needs the whole table first, and how streaming handles it:

* ``method`` other than ``fce`` (weighted sum, TOPSIS, grey relational analysis) rescales
  columns by statistics of all entities: rejected here — use the in-memory engine;
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
import queue
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.errors import DataError, EvalsysError, ValidityWarning
from evalsys.model.tables import arrow_array
from evalsys.scoring.ranking import median_from_ranks

__all__ = ["DEFAULT_CHUNK_ROWS", "STREAM_FORMATS", "StreamSummary", "score_file"]

#: Rows per chunk by default (≈ 30 MB of indicator values for 31 leaves).
DEFAULT_CHUNK_ROWS = 131_072

#: Input and output formats the streaming engine handles.
STREAM_FORMATS = (".parquet", ".pq", ".csv")

ProgressFn = Callable[[int, int | None], None]
FloatArray = npt.NDArray[np.float64]

_HASH_P = 0x9E3779B97F4A7C15  # odd 64-bit constant (golden ratio)
_HASH_PINV = pow(_HASH_P, -1, 1 << 64)
_HASH_LEN = 0xC2B2AE3D27D4EB4F


@dataclass(frozen=True, slots=True)
class StreamSummary:
    """What :func:`score_file` did (frozen).

    Attributes
    ----------
    tree_id, method, operator
        The tree, ``"fce"`` and the canonical operator name.
    rows
        Data rows read.
    entities
        Entities scored (rows minus skipped).
    skipped
        ``(row, entity_id, reason)`` of the first 1000 skipped rows; ``n_skipped`` counts all.
    ignored_columns
        Input columns the tree does not use.
    grades
        Entities per grade id; ``low_validity`` counts validity indices below 0.5.
    score
        ``mean``, ``median``, ``min``, ``max`` of the scores.
    output
        The output file.
    chunks, chunk_rows, seconds, rows_per_second
        Chunks read, rows per chunk, wall time and throughput.
    kernel
        ``"numba"`` or ``"numpy"``: the scoring kernels used (same results).
    weights_consistent
        Whether every pairwise matrix of the weights passed its consistency check.
    version
        evalsys version.
    """

    tree_id: str
    method: str
    operator: str
    rows: int
    entities: int
    skipped: tuple[tuple[int, str, str], ...]
    n_skipped: int
    ignored_columns: tuple[str, ...]
    grades: dict[str, int]
    low_validity: int
    score: dict[str, float]
    output: str
    chunks: int
    chunk_rows: int
    seconds: float
    rows_per_second: float
    weights_consistent: bool
    version: str = __version__
    engine: str = "stream"
    kernel: str = "numpy"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the keys of the in-memory ``evalsys score --json`` plus
        throughput)."""
        return {
            "tree": self.tree_id,
            "method": self.method,
            "operator": self.operator,
            "entities": self.entities,
            "rows": self.rows,
            "skipped": [{"row": r, "entity_id": i, "reason": why} for r, i, why in self.skipped],
            "n_skipped": self.n_skipped,
            "ignored_columns": list(self.ignored_columns),
            "score": dict(self.score),
            "grades": dict(self.grades),
            "low_validity": self.low_validity,
            "evalsys_version": self.version,
            "weights_consistent": self.weights_consistent,
            "output": self.output,
            "engine": self.engine,
            "kernel": self.kernel,
            "chunks": self.chunks,
            "chunk_rows": self.chunk_rows,
            "seconds": self.seconds,
            "rows_per_second": self.rows_per_second,
            **self.extra,
        }


# ------------------------------------------------------------------------------ reading


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _check_format(path: Path, what: str) -> str:
    suffix = _suffix(path)
    if suffix not in STREAM_FORMATS:
        raise DataError(
            f"the streaming engine {what} Parquet or CSV, not '{suffix or '(none)'}'; use "
            "the in-memory engine (--engine memory)",
            file=str(path),
        )
    return "csv" if suffix == ".csv" else "parquet"


def _schema_names(path: Path, fmt: str) -> tuple[list[str], int | None]:
    """Column names and (Parquet) row count without reading the data."""
    import pyarrow as pa

    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path)
            return list(meta.schema_arrow.names), int(meta.metadata.num_rows)
        from pyarrow import csv

        reader = csv.open_csv(path)
        names = list(reader.schema.names)
        with contextlib.suppress(Exception):
            reader.close()
        return names, None
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"cannot read {fmt.upper()}: {exc}", file=str(path)) from None


def _batches(
    path: Path,
    fmt: str,
    columns: list[str],
    float_columns: list[str],
    text: bool,
    batch_rows: int = 65_536,
) -> Iterator[Any]:
    """Record batches of the selected columns (leaf columns as float64, or as text)."""
    import pyarrow as pa

    if fmt == "parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        yield from pf.iter_batches(batch_size=batch_rows, columns=columns, use_threads=True)
        return
    from pyarrow import csv

    types = {c: (pa.string() if text else pa.float64()) for c in float_columns}
    if text:  # second attempt after a conversion error: everything else as text too
        types.update({c: pa.string() for c in columns if c not in types})
    reader = csv.open_csv(
        path,
        read_options=csv.ReadOptions(block_size=8 << 20),
        convert_options=csv.ConvertOptions(include_columns=columns, column_types=types),
    )
    yield from reader


def _rebatch(batches: Iterator[Any], rows: int) -> Iterator[Any]:
    """Tables of exactly ``rows`` rows (the last may be shorter) from record batches."""
    import pyarrow as pa

    pending: list[Any] = []
    have = 0
    for b in batches:
        while b.num_rows:
            take = min(rows - have, b.num_rows)
            pending.append(b.slice(0, take))
            have += take
            b = b.slice(take)
            if have == rows:
                yield pa.Table.from_batches(pending)
                pending, have = [], 0
    if have:
        yield pa.Table.from_batches(pending)


def _prefetch(it: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Run ``it`` in a background thread, ``depth`` items ahead (pyarrow releases the GIL)."""
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in it:
                while not stop.is_set():
                    try:
                        q.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(("end", None))
        except BaseException as exc:  # handed to the consumer
            q.put(("error", exc))

    t = threading.Thread(target=work, name="evalsys-read", daemon=True)
    t.start()
    try:
        while True:
            kind, item = q.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                q.get_nowait()
        t.join(timeout=5)


# ------------------------------------------------------------------------- id hashing


def _id_strings(col: Any) -> Any:
    """The id column as a pyarrow string array, nulls spelled as the in-memory path does."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    if arr.null_count:
        arr = pc.fill_null(arr, "None")
    return arr


def hash_strings(arr: Any, *, compiled: bool = False) -> npt.NDArray[np.uint64]:
    """64-bit polynomial hash of every string of a pyarrow string array (vectorised).

    ``h = Σ_j b_j P^(n−1−j) (mod 2⁶⁴)`` mixed with the length: equal strings hash equal;
    distinct strings collide with probability about 2⁻⁶⁴ per pair (duplicates are then
    confirmed on the strings themselves).  ``compiled``: one pass of the numba kernel
    (:func:`evalsys.scoring.kernels.hash_strings`, the same hashes) when numba is available.
    """
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    raw = (
        np.frombuffer(bufs[2], dtype=np.uint8)[lo:hi]
        if bufs[2] is not None
        else np.zeros(0, dtype=np.uint8)
    )
    from evalsys.scoring import kernels

    if compiled and kernels.available():  # one compiled pass over the bytes, same hashes
        return kernels.hash_strings(offsets, raw, _HASH_P, _HASH_LEN)
    data = raw.astype(np.uint64)
    total = hi - lo
    with np.errstate(over="ignore"):
        pinv = np.full(total, _HASH_PINV, dtype=np.uint64)
        if total:
            pinv[0] = 1
        inv_pow = np.cumprod(pinv, dtype=np.uint64)  # P^-q
        pw = np.full(total + 1, _HASH_P, dtype=np.uint64)
        pw[0] = 1
        pos_pow = np.cumprod(pw, dtype=np.uint64)  # P^q
        prefix = np.zeros(total + 1, dtype=np.uint64)
        np.cumsum(data * inv_pow, dtype=np.uint64, out=prefix[1:])
        start = (offsets[:-1] - lo).astype(np.intp)
        end = (offsets[1:] - lo).astype(np.intp)
        length = (end - start).astype(np.uint64)
        h = (prefix[end] - prefix[start]) * pos_pow[np.maximum(end - 1, 0)]
        h ^= length * np.uint64(_HASH_LEN)
    out: npt.NDArray[np.uint64] = h
    return out


# ------------------------------------------------------------------------------ output


#: The grade columns, written dictionary-encoded and read back as plain strings.
GRADE_COLUMNS = ("grade", "grade_name")


def _simple(t: Any) -> bool:
    """Types that read back from Parquet as written without a stored Arrow schema."""
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_float64(t) or pa.types.is_int64(t)) or bool(
        pa.types.is_boolean(t)
    )


def _text(t: Any) -> bool:
    """Plain or dictionary-encoded strings."""
    import pyarrow as pa

    return bool(pa.types.is_string(t)) or bool(
        pa.types.is_dictionary(t) and pa.types.is_string(t.value_type)
    )


def _plain_schema(schema: Any) -> bool:
    """Whether Parquet alone restores every column (so no Arrow schema need be stored):
    simple types, and grade columns as plain or dictionary strings."""
    return all(
        _simple(t) or (n in GRADE_COLUMNS and _text(t))
        for n, t in zip(schema.names, schema.types, strict=True)
    )


def plain_grades(table: Any) -> Any:
    """``table`` with its dictionary grade columns as plain strings — needed when another
    column's type makes :func:`parquet_writer` store the Arrow schema."""
    import pyarrow as pa

    for name in GRADE_COLUMNS:
        if name in table.column_names and pa.types.is_dictionary(table.schema.field(name).type):
            i = table.column_names.index(name)
            table = table.set_column(i, name, table.column(name).cast(pa.string()))
    return table


def parquet_writer(path: str | os.PathLike[str], schema: Any) -> Any:
    """A ``ParquetWriter`` for score outputs: dictionary encoding for the low-cardinality
    text columns (not the ids), floats stored plain (they do not compress), the rest
    snappy-compressed.

    The grade columns may arrive dictionary-typed (written without re-hashing every label,
    half the time of plain strings).  When every other column has a type Parquet restores
    by itself (string, int64, float64, bool), the Arrow schema is not stored, so readers
    get the grades back as plain strings — what the in-memory engine writes.  Otherwise
    the schema is stored (keeping, say, an int32 or a categorical passthrough column as
    it was), and the grade columns must be plain strings (:func:`plain_grades`).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    pairs = list(zip(schema.names, schema.types, strict=True))
    low_card = [n for n, t in pairs if _text(t) and n != "entity_id"]
    codec = {n: ("none" if pa.types.is_floating(t) else "snappy") for n, t in pairs}
    return pq.ParquetWriter(
        str(path),
        schema,
        use_dictionary=low_card,
        compression=codec,
        store_schema=not _plain_schema(schema),
    )


def _grade_strings(grade: npt.NDArray[np.intp], *labels: tuple[str, ...]) -> tuple[Any, ...]:
    """Grade-label columns, one per label set (dictionary-typed, sharing one index array;
    read back as plain strings, as the in-memory output has; −1, an all-zero B, indexes
    from the end as numpy does there)."""
    import pyarrow as pa

    g = np.asarray(grade, dtype=np.int32)
    if g.size and g.min() < 0:
        g = np.where(g < 0, g + len(labels[0]), g)
    idx = arrow_array(g)
    return tuple(pa.DictionaryArray.from_arrays(idx, pa.array(list(lab))) for lab in labels)


def _f64(x: Any) -> Any:
    return arrow_array(np.ascontiguousarray(x, dtype=np.float64))


class _Progress:
    """Progress reporting: a callable, a rich bar on stderr, or nothing."""

    def __init__(self, progress: ProgressFn | bool | None, total: int | None, label: str):
        self.fn: ProgressFn | None = None
        self.bar: Any = None
        self.task: Any = None
        want_bar = progress is True or (progress is None and sys.stderr.isatty())
        if callable(progress):
            self.fn = progress
        elif want_bar:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            class RowsPerSecond(TextColumn):
                def render(self, task: Any) -> Any:
                    from rich.text import Text

                    speed = task.finished_speed or task.speed
                    return Text(f"{speed:,.0f} rows/s" if speed else "… rows/s")

            self.bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RowsPerSecond(""),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self.bar.start()
            self.task = self.bar.add_task(label, total=total)

    def __call__(self, done: int, total: int | None) -> None:
        if self.fn is not None:
            self.fn(done, total)
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _load_compiled(tree: Any) -> Any:
    from evalsys.model.compiled import CompiledTree, compile_tree
    from evalsys.model.tree import TreeSpec

    if isinstance(tree, CompiledTree):
        return tree
    if isinstance(tree, TreeSpec):
        return compile_tree(tree)
    from evalsys.model.io import load_tree

    return compile_tree(load_tree(tree))


# ------------------------------------------------------------------------------- main


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
        As for :func:`evalsys.scoring.evaluate.score_entities` /
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
    DataError
        Unsupported format, method other than FCE, objective weights without ``weights``,
        or any data error (global row numbers).
    """
    t0 = time.perf_counter()
    from evalsys.model.data import (
        MISSING_POLICIES,
        fraction_error,
        indicator_values,
        looks_like_fractions,
        required_columns,
    )
    from evalsys.scoring.evaluate import ColumnSums, data_range, leaf_plan, make_scorer, open_bounds

    src = Path(data_path)
    dst = Path(out_path)
    fmt_in = _check_format(src, "reads")
    fmt_out = _check_format(dst, "writes")
    if not src.exists():
        raise DataError("no such file", file=str(src))
    if src.stat().st_size == 0:
        raise DataError("file is empty", file=str(src))
    with contextlib.suppress(OSError):
        if dst.exists() and dst.resolve() == src.resolve():
            raise EvalsysError("refusing to overwrite an input file", file=str(dst))
    if method != "fce":
        raise DataError(
            f"method '{method}' rescales every column by statistics of all entities, so it "
            "cannot be streamed: use the in-memory engine (--engine memory), or fce"
        )
    if missing not in MISSING_POLICIES:
        raise DataError(
            f"unknown missing-value policy '{missing}'; valid: {', '.join(MISSING_POLICIES)}"
        )
    if chunk_rows < 1:
        raise DataError(f"chunk_rows must be a positive integer, got {chunk_rows}")
    compiled = _load_compiled(tree)
    spec = compiled.spec
    leaves = spec.leaves()
    G = compiled.n_grades
    needed = required_columns(compiled)
    names, total_rows = _schema_names(src, fmt_in)
    absent = [c for c in needed if c not in names]
    if absent:
        raise DataError(
            f"missing column{'s' if len(absent) > 1 else ''} {', '.join(absent)} "
            f"(the tree '{spec.id}' reads {len(needed)} columns)",
            file=str(src),
        )
    has_id = id_column in names
    extra = [c for c in passthrough if c in names and c not in needed and c != id_column]
    columns = ([id_column] if has_id else []) + extra + needed
    used = {id_column, *needed}
    ignored = tuple(c for c in names if c not in used and c not in passthrough)

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
            batches = _batches(src, fmt_in, cols, needed, text, min(chunk_rows, 1 << 20))
            for tbl in _rebatch(batches, chunk_rows):
                cv = indicator_values(
                    compiled,
                    tbl,
                    missing=missing,  # type: ignore[arg-type]
                    row_offset=offset,
                    fraction_check=False,
                )
                ids = hashes = None
                if has_id and id_column in cols:
                    ids = _id_strings(tbl.column(id_column))
                    hashes = hash_strings(ids, compiled=compiled_hash)
                yield tbl, offset, cv, ids, hashes
                offset += tbl.num_rows

        return _prefetch(prepared())

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
        scorer = make_scorer(
            compiled,
            weights,
            operator=operator,
            normalize_b=normalize_b,
            data_lo=data_lo,
            data_hi=data_hi,
            threads=threads,
            kernel=kernel,
        )
        return _two_passes(scorer, text)

    def _two_passes(scorer: Any, text: bool) -> StreamSummary:
        import pyarrow as pa
        import pyarrow.ipc as ipc

        dims = compiled.dimensions
        dim_ids = [compiled.node_ids[i] for i in dims]
        grade_ids = tuple(g.id for g in spec.grades)
        grade_names = tuple(g.name for g in spec.grades)
        leaf_ids = compiled.leaf_ids
        leaf_w = scorer.leaf_weights
        fd, ipc_tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".pass1", dir=dst.parent)
        os.close(fd)
        fd, out_tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
        os.close(fd)
        bar = _Progress(progress, total_rows, f"scoring {src.name}")
        try:
            scores: list[FloatArray] = []
            hashes: list[npt.NDArray[np.uint64]] = []
            grade_counts = np.zeros(G + 1, dtype=np.int64)
            low_validity = 0
            col_max = np.full(len(leaves), np.nan)
            skipped: list[tuple[int, str, str]] = []
            n_skipped = 0
            leaf_sums = ColumnSums(len(leaves)) if contributions else None
            writer: Any = None
            rows_read = 0
            n_chunks = 0
            entities = 0
            for tbl, offset, cv, ids, id_hash in chunks(text, columns):
                n = tbl.num_rows
                col_max = np.fmax(col_max, cv.column_max)
                if id_hash is not None:
                    hashes.append(id_hash)
                keep = cv.keep
                kept_idx = None
                if cv.skipped:
                    n_skipped += len(cv.skipped)
                    for i, reason in cv.skipped:
                        if len(skipped) < 1000:
                            eid = ids[i].as_py() if ids is not None else str(offset + i + 1)
                            skipped.append((offset + i + 1, eid, reason))
                    kept_idx = arrow_array(np.flatnonzero(keep))
                rows = np.arange(offset + 1, offset + n + 1, dtype=np.int64)
                if kept_idx is not None:
                    rows = rows[keep]
                m = rows.size
                if m:
                    blk = scorer.block(
                        cv.values,
                        cv.votes,
                        cv.present,
                        leaf_scores=contributions,
                        vectors=memberships,
                    )
                    scores.append(blk.score)
                    gi = np.where(blk.grade >= 0, blk.grade, G)
                    grade_counts += np.bincount(gi, minlength=G + 1)
                    low_validity += int((blk.validity < 0.5).sum())
                    out: dict[str, Any] = {}
                    if ids is not None:
                        out["entity_id"] = ids if kept_idx is None else ids.take(kept_idx)
                    else:
                        out["entity_id"] = pa.array(rows.astype(str))
                    out["row"] = arrow_array(rows)
                    for c in extra:
                        col = tbl.column(c).combine_chunks()
                        out[c] = col if kept_idx is None else col.take(kept_idx)
                    out["score"] = _f64(blk.score)
                    out["grade"], out["grade_name"] = _grade_strings(
                        blk.grade, grade_ids, grade_names
                    )
                    out["validity"] = _f64(blk.validity)
                    out["coverage"] = _f64(blk.coverage)
                    for d, did in enumerate(dim_ids):
                        out[f"dim.{did}"] = _f64(blk.dimension_score[:, d])
                    if memberships and blk.B is not None and blk.dimension_B is not None:
                        for g, gid in enumerate(grade_ids):
                            out[f"B.{gid}"] = _f64(blk.B[:, g])
                        for d, did in enumerate(dim_ids):
                            for g, gid in enumerate(grade_ids):
                                out[f"B.{did}.{gid}"] = _f64(blk.dimension_B[:, d, g])
                    if leaf_sums is not None and blk.leaf_score is not None:
                        ls = np.where(cv.present, blk.leaf_score, np.nan)
                        leaf_sums.add(ls)
                        for j in range(len(leaves)):
                            out[f"leaf.{j}"] = _f64(ls[:, j])
                    batch = pa.RecordBatch.from_pydict(out)
                    if writer is None:
                        writer = ipc.new_file(ipc_tmp, batch.schema)
                    writer.write_batch(batch)
                entities += m
                n_chunks += 1
                rows_read = offset + n
                bar(rows_read, total_rows)
            if writer is not None:
                writer.close()
            # whole-table checks
            if rows_read == 0:
                raise DataError("the table has no rows", file=str(src))
            for j, leaf in enumerate(leaves):
                x = col_max[j]
                if looks_like_fractions(leaf) and np.isfinite(x) and x <= 1.0:
                    raise fraction_error(leaf, leaf.data_column)
            if has_id:
                _check_unique_ids(hashes, src, fmt_in, id_column, rows_read)
            if entities == 0:
                raise DataError("every entity has a missing value; nothing left to score")
            score_all = np.concatenate(scores)
            del scores, hashes
            from evalsys.scoring.evaluate import rank_and_percentile

            rank, pct = rank_and_percentile(score_all)
            median = median_from_ranks(score_all, rank)
            leaf_mean = leaf_sums.mean() if leaf_sums is not None else None
            _pass_two(
                ipc_tmp,
                out_tmp,
                fmt_out,
                rank,
                pct,
                leaf_mean,
                leaf_w,
                leaf_ids,
                compiled,
            )
            os.replace(out_tmp, dst)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(out_tmp)
            raise
        finally:
            bar.close()
            with contextlib.suppress(OSError):
                os.unlink(ipc_tmp)
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
            score={
                "mean": float(np.mean(score_all)),
                "median": median,
                "min": float(np.min(score_all)),
                "max": float(np.max(score_all)),
            },
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


def _check_unique_ids(
    hashes: list[npt.NDArray[np.uint64]], src: Path, fmt: str, id_column: str, n: int
) -> None:
    """Raise the in-memory engine's error if an entity id occurs twice (hashes first)."""
    if not hashes:
        return
    h = np.sort(np.concatenate(hashes))
    if not (h[1:] == h[:-1]).any():
        return
    # possible duplicate: confirm on the strings (reads the id column once more)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        col = pq.read_table(src, columns=[id_column]).column(0)
    else:
        from pyarrow import csv

        col = csv.read_csv(
            src, convert_options=csv.ConvertOptions(include_columns=[id_column])
        ).column(0)
    ids = np.asarray(_id_strings(col).to_numpy(zero_copy_only=False), dtype=str)
    uniq, counts = np.unique(ids, return_counts=True)
    if (counts > 1).any():
        dup = uniq[counts > 1][0]
        raise DataError(
            f"entity id '{dup}' appears {counts[counts > 1][0]} times",
            column=id_column,
            rows=[int(i) + 1 for i in np.flatnonzero(ids == dup)],
        )


def _pass_two(
    ipc_tmp: str,
    out_tmp: str,
    fmt_out: str,
    rank: npt.NDArray[np.int64],
    pct: FloatArray,
    leaf_mean: FloatArray | None,
    leaf_w: FloatArray,
    leaf_ids: tuple[str, ...],
    compiled: Any,
) -> None:
    """Final columns in the in-memory order: …, validity, rank, percentile, coverage, …"""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    from evalsys.scoring.evaluate import _top_dimension

    dims = compiled.dimensions
    dim_ids = [compiled.node_ids[i] for i in dims]
    top = _top_dimension(compiled)[compiled.leaf_nodes]
    reader = ipc.open_file(pa.OSFile(ipc_tmp, "rb"))
    writer: Any = None
    start = 0
    try:
        for k in range(reader.num_record_batches):
            b = reader.get_batch(k)
            n = b.num_rows
            names = b.schema.names
            cols: dict[str, Any] = {}
            for name in names:
                if name.startswith("leaf."):
                    continue
                if name == "coverage":
                    cols["rank"] = arrow_array(rank[start : start + n])
                    cols["percentile"] = _f64(pct[start : start + n])
                cols[name] = b.column(name)
            if leaf_mean is not None:
                ls = np.column_stack(
                    [b.column(f"leaf.{j}").to_numpy() for j in range(len(leaf_ids))]
                )
                present = ~np.isnan(ls)
                from evalsys.scoring.evaluate import contributions_from, dimension_sums

                contrib = contributions_from(np.nan_to_num(ls), present, leaf_w, leaf_mean)
                dc = dimension_sums(contrib, top, len(dim_ids))
                for d, did in enumerate(dim_ids):
                    cols[f"contrib.{did}"] = _f64(dc[:, d])
                for j, lid in enumerate(leaf_ids):
                    cols[f"contrib.{lid}"] = _f64(contrib[:, j])
            table = pa.Table.from_pydict(cols)
            if fmt_out == "parquet" and not _plain_schema(table.schema):
                table = plain_grades(table)  # the schema is stored: no dictionary grades
            if writer is None:
                if fmt_out == "parquet":
                    writer = parquet_writer(out_tmp, table.schema)
                else:
                    from pyarrow import csv

                    writer = csv.CSVWriter(out_tmp, table.schema)
            writer.write_table(table)
            start += n
    finally:
        if writer is not None:
            writer.close()
