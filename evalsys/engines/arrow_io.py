"""Parquet and CSV in blocks: what the out-of-core engines read and write.

It owns reading a table's schema and its record batches of selected columns
(:func:`schema_names`, :func:`read_batches`), cutting them into chunks of a fixed number of
rows (:func:`rebatch`), reading ahead in a background thread (:func:`prefetch`), reading
the id column again (:func:`read_ids`), and the writers of score outputs
(:func:`parquet_writer`, :func:`table_writer`) with the dictionary-encoded grade columns
(:func:`plain_grades`).  Used by
:mod:`evalsys.engines.stream` and :mod:`evalsys.engines.dask`; pyarrow is imported inside
the functions.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.errors import DataError

__all__ = [
    "GRADE_COLUMNS",
    "STREAM_FORMATS",
    "BackgroundWriter",
    "arrow_columns",
    "check_format",
    "dictionary_columns",
    "discard",
    "parquet_writer",
    "plain_grades",
    "plain_schema",
    "prefetch",
    "read_batches",
    "read_ids",
    "rebatch",
    "schema_names",
    "table_writer",
    "write_tables",
    "writer_options",
]

#: Input and output formats the out-of-core engines handle.
STREAM_FORMATS = (".parquet", ".pq", ".csv")

#: The grade columns, written dictionary-encoded and read back as plain strings.
GRADE_COLUMNS = ("grade", "grade_name")


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def check_format(path: Path, what: str) -> str:
    suffix = _suffix(path)
    if suffix not in STREAM_FORMATS:
        raise DataError(
            f"the streaming engine {what} Parquet or CSV, not '{suffix or '(none)'}'; use "
            "the in-memory engine (--engine memory)",
            file=str(path),
        )
    return "csv" if suffix == ".csv" else "parquet"


def schema_names(path: Path, fmt: str) -> tuple[list[str], int | None]:
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


def dictionary_columns(path: Path, columns: Sequence[str]) -> tuple[str, ...]:
    """The text ``columns`` of a Parquet file that are cheaper to carry as dictionaries.

    A low-cardinality text column (a segment, a tier, a region) is stored dictionary
    encoded: read as a dictionary array it needs no string per row, and written back it
    needs no hashing of every value.  Chosen from the first row group's metadata: a
    string column whose chunk has a dictionary page of at most an eighth of the chunk (a
    high-cardinality column, whose writer fell back to plain pages, is left as it is).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError):
        return ()
    md, schema = pf.metadata, pf.schema_arrow
    if md.num_row_groups == 0:
        return ()
    rg = md.row_group(0)
    index = {rg.column(i).path_in_schema: i for i in range(rg.num_columns)}
    out = []
    for c in columns:
        if c not in index or not pa.types.is_string(schema.field(c).type):
            continue
        cc = rg.column(index[c])
        if not cc.has_dictionary_page or cc.dictionary_page_offset is None:
            continue
        dict_bytes = cc.data_page_offset - cc.dictionary_page_offset
        if dict_bytes > 0 and 8 * dict_bytes <= cc.total_compressed_size:
            out.append(c)
    return tuple(out)


def read_batches(
    path: Path,
    fmt: str,
    columns: list[str],
    float_columns: list[str],
    text: bool,
    batch_rows: int = 65_536,
    dictionary: Sequence[str] = (),
) -> Iterator[Any]:
    """Record batches of the selected columns (leaf columns as float64, or as text;
    Parquet ``dictionary`` columns as dictionary arrays, :func:`dictionary_columns`)."""
    import pyarrow as pa

    if fmt == "parquet":
        import pyarrow.parquet as pq

        # pre_buffer (pyarrow's default) keeps every row group read so far in its read
        # cache until the file is closed: at 10M rows, ~500 MB held for nothing
        pf = pq.ParquetFile(path, pre_buffer=False, read_dictionary=list(dictionary) or None)
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


def rebatch(batches: Iterator[Any], rows: int) -> Iterator[Any]:
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


def prefetch(it: Iterator[Any], depth: int = 2) -> Iterator[Any]:
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


def read_ids(src: Path, fmt: str, id_column: str) -> npt.NDArray[np.str_]:
    """Every entity id of the file, in row order (to confirm a possible duplicate,
    :func:`evalsys.engines.ids.check_unique_ids`)."""
    from evalsys.engines.ids import id_strings

    if fmt == "parquet":
        import pyarrow.parquet as pq

        col = pq.read_table(src, columns=[id_column]).column(0)
    else:
        from pyarrow import csv

        col = csv.read_csv(
            src, convert_options=csv.ConvertOptions(include_columns=[id_column])
        ).column(0)
    return np.asarray(id_strings(col).to_numpy(zero_copy_only=False), dtype=str)


def arrow_columns(cols: dict[str, Any]) -> dict[str, Any]:
    """Numeric numpy columns as pyarrow arrays (zero-copy); Arrow columns as they are."""
    from evalsys.model.tables import arrow_array

    return {k: arrow_array(v) if isinstance(v, np.ndarray) else v for k, v in cols.items()}


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


def plain_schema(schema: Any, decoded: Collection[str] = ()) -> bool:
    """Whether Parquet alone restores every column (so no Arrow schema need be stored):
    simple types, and the grade columns and ``decoded`` (text columns the engine itself
    read as dictionaries, :func:`dictionary_columns`) as plain or dictionary strings."""
    return all(
        _simple(t) or ((n in GRADE_COLUMNS or n in decoded) and _text(t))
        for n, t in zip(schema.names, schema.types, strict=True)
    )


def plain_grades(table: Any, decoded: Collection[str] = ()) -> Any:
    """``table`` with its dictionary grade (and ``decoded``) columns as plain strings —
    needed when another column's type makes :func:`parquet_writer` store the Arrow schema."""
    import pyarrow as pa

    for name in (*GRADE_COLUMNS, *decoded):
        if name in table.column_names and pa.types.is_dictionary(table.schema.field(name).type):
            i = table.column_names.index(name)
            table = table.set_column(i, name, table.column(name).cast(pa.string()))
    return table


def parquet_writer(path: str | os.PathLike[str], schema: Any, decoded: Collection[str] = ()) -> Any:
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
    import pyarrow.parquet as pq

    return pq.ParquetWriter(str(path), schema, **writer_options(schema, decoded))


def writer_options(schema: Any, decoded: Collection[str] = ()) -> dict[str, Any]:
    """The ``ParquetWriter`` options of :func:`parquet_writer` for ``schema``:
    ``use_dictionary`` (the text columns but the ids), ``column_encoding`` (``row``
    delta-encoded), ``write_statistics`` (all but the float columns), ``compression`` (per
    column) and ``store_schema``."""
    import pyarrow as pa

    pairs = list(zip(schema.names, schema.types, strict=True))
    # the row numbers increase: delta-encoded they take almost no space or time
    delta = [n for n, t in pairs if n == "row" and pa.types.is_int64(t)]
    codec = {n: ("none" if pa.types.is_floating(t) else "snappy") for n, t in pairs}
    codec.update(dict.fromkeys(delta, "none"))
    return {
        "use_dictionary": [n for n, t in pairs if _text(t) and n != "entity_id"],
        "column_encoding": dict.fromkeys(delta, "DELTA_BINARY_PACKED"),
        # no min/max statistics for float columns: computing them is a fifth of the
        # encoding time, and scores in row order give every row group about the same
        # range, so readers could not skip any row group by them anyway
        "write_statistics": [n for n, t in pairs if not pa.types.is_floating(t)],
        "compression": codec,
        "store_schema": not plain_schema(schema, decoded),
    }


class BackgroundWriter:
    """Writes tables to ``writer`` (a ``ParquetWriter``) in a background thread, at most
    ``depth`` tables behind the caller.

    Parquet encoding releases the GIL, so the chunks are encoded while the caller scores
    the next one.  The tables are written in the order given; an error of the writer is
    raised by the next :meth:`write_table` or by :meth:`close`.  :meth:`close` waits for
    every table, then closes ``writer``; :meth:`abort` (on an error of the caller's) drops
    what is queued and closes it without raising.
    """

    def __init__(self, writer: Any, depth: int = 2) -> None:
        self._writer = writer
        self._q: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, name="evalsys-write", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (table := self._q.get()) is not None:
            if self._error is None:
                try:
                    self._writer.write_table(table)
                except BaseException as exc:  # handed to the caller
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def write_table(self, table: Any) -> None:
        """Queue ``table`` (blocks while ``depth`` tables wait)."""
        self._raise()
        self._q.put(table)

    def close(self) -> None:
        """Write what is queued, close the writer; raise the writer's error if it had one."""
        self._q.put(None)
        self._thread.join()
        self._raise()
        self._writer.close()

    def abort(self) -> None:
        """Drop what is queued and close the writer, raising nothing."""
        self._error = self._error or RuntimeError("aborted")
        with contextlib.suppress(queue.Empty):
            while True:
                self._q.get_nowait()
        self._q.put(None)
        self._thread.join()
        with contextlib.suppress(Exception):
            self._writer.close()


def write_tables(
    tables: Iterable[Any],
    tmp: str | os.PathLike[str],
    target: str | os.PathLike[str],
    open_writer: Callable[[Any], Any],
) -> None:
    """Write ``tables`` to ``tmp`` with ``open_writer(schema)`` (opened on the first
    table's schema), close it and rename ``tmp`` onto ``target``; on any error or
    interrupt, :func:`discard` the writer and ``tmp`` and re-raise.  With no tables,
    ``tmp`` is renamed as it is."""
    writer: Any = None
    try:
        for table in tables:
            if writer is None:
                writer = open_writer(table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
            writer = None
        os.replace(tmp, target)
    except BaseException:
        discard(writer, tmp)
        raise


def discard(writer: Any, path: str | os.PathLike[str]) -> None:
    """After an error: close ``writer`` (a :class:`BackgroundWriter` is aborted; ``None``
    is nothing) without raising, and remove the partial file ``path``."""
    if isinstance(writer, BackgroundWriter):
        writer.abort()
    elif writer is not None:
        with contextlib.suppress(Exception):
            writer.close()
    with contextlib.suppress(OSError):
        os.unlink(path)


def table_writer(path: str | os.PathLike[str], schema: Any, fmt: str) -> Any:
    """A writer of score tables: :func:`parquet_writer` for ``fmt="parquet"``, else CSV."""
    if fmt == "parquet":
        return parquet_writer(path, schema)
    from pyarrow import csv

    return csv.CSVWriter(str(path), schema)
