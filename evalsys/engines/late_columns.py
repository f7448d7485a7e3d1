"""Rank and percentile written once, into a Parquet file already encoded.

It owns the one-encoding path of the stream engine: ranks and percentiles need every
entity's score, so they are known only after the last chunk, while every other column is
known chunk by chunk.  Instead of writing the chunks to a temporary file and encoding the
whole table a second time, the engine encodes each chunk straight into the final Parquet
file with placeholder ``rank`` / ``percentile`` columns (:func:`late_writer`) and, once the
ranks are known, overwrites those two columns' values in place (:func:`patch_late_columns`).

That is possible because the placeholders are stored so that their values are plain bytes
at a known place: ``PLAIN`` encoding (8 little-endian bytes per value; ``int64`` ranks,
``float64`` percentiles), no compression, no dictionary, no statistics (which would
describe the placeholders), and one data page per column chunk (the page size limit is
raised above any chunk), so in every row group the column's values are the last
``8 × rows`` bytes of its column chunk::

    start = data_page_offset + total_compressed_size − 8 × num_values

Every other column is written as :func:`evalsys.engines.arrow_io.parquet_writer` writes
it.  After the patch the two columns are read back and compared with the arrays written,
value for value; if the layout were ever not as described (a pyarrow release that splits
pages differently, say) the comparison fails and the file is rewritten the slow way
(:func:`_rewrite`): the result is the same either way, only the time differs.

References
----------
Apache Parquet format specification, "Data Pages" and "Column chunks"
(``parquet-format``, ``PageHeader`` / ``ColumnMetaData``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["LATE_COLUMNS", "LateValues", "late_writer", "patch_late_columns", "patch_late_values"]

#: The columns written as placeholders and patched once the whole table has been seen.
LATE_COLUMNS = ("rank", "percentile")

#: A data page limit above any column chunk of 8-byte values (pages are < 2 GiB).
_ONE_PAGE = (1 << 31) - (1 << 20)


def late_writer(path: str | os.PathLike[str], schema: Any, decoded: Collection[str] = ()) -> Any:
    """A ``ParquetWriter`` like :func:`~evalsys.engines.arrow_io.parquet_writer` whose
    :data:`LATE_COLUMNS` can be patched in place.

    Parameters
    ----------
    path
        The file to write.
    schema
        The table schema; it must hold ``rank`` (int64) and ``percentile`` (float64).
    decoded
        Text columns read as dictionaries by the engine
        (:func:`~evalsys.engines.arrow_io.dictionary_columns`), restored as plain strings.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from evalsys.engines.arrow_io import plain_schema, writer_options

    for name, typ in zip(LATE_COLUMNS, (pa.int64(), pa.float64()), strict=True):
        if schema.field(name).type != typ:
            raise TypeError(f"column {name!r} must be {typ}, not {schema.field(name).type}")
    opts = writer_options(schema, decoded)
    codec = dict(opts["compression"])
    codec.update(dict.fromkeys(LATE_COLUMNS, "none"))
    return pq.ParquetWriter(
        str(path),
        schema,
        use_dictionary=[c for c in opts["use_dictionary"] if c not in LATE_COLUMNS],
        compression=codec,
        column_encoding={**opts["column_encoding"], **dict.fromkeys(LATE_COLUMNS, "PLAIN")},
        write_statistics=[c for c in opts["write_statistics"] if c not in LATE_COLUMNS],
        data_page_size=_ONE_PAGE,
        max_rows_per_page=_ONE_PAGE,
        store_schema=not plain_schema(schema, decoded),
    )


#: The late values of rows ``row0 : row0 + n`` (both 1-D, ``n`` long): ``(rank, percentile)``.
LateValues = Callable[[int, int], tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]


def patch_late_columns(
    path: str | os.PathLike[str],
    rank: npt.NDArray[np.int64],
    percentile: npt.NDArray[np.float64],
) -> bool:
    """Write ``rank`` and ``percentile`` (one value per row, in row order) into the
    placeholder columns of the closed file ``path`` written by :func:`late_writer`.

    Returns
    -------
    bool
        ``True`` when the values were patched in place; ``False`` when the layout did not
        allow it and the file was rewritten instead (same content).

    Raises
    ------
    ValueError
        ``rank`` or ``percentile`` does not have one value per row of the file.
    """
    import pyarrow.parquet as pq

    rank = np.ascontiguousarray(rank, dtype="<i8")
    percentile = np.ascontiguousarray(percentile, dtype="<f8")
    rows = pq.ParquetFile(str(path)).metadata.num_rows
    for name, v in (("rank", rank), ("percentile", percentile)):
        if v.shape != (rows,):
            raise ValueError(f"{name}: {v.shape[0]} values for {rows} rows")
    return patch_late_values(
        path, lambda row0, n: (rank[row0 : row0 + n], percentile[row0 : row0 + n])
    )


def patch_late_values(path: str | os.PathLike[str], values: LateValues) -> bool:
    """:func:`patch_late_columns` with the values given row group by row group:
    ``values(row0, n)`` returns the rank and percentile of rows ``row0 : row0 + n``.

    It is called in row order, once per row group to write, again to read back (and
    once more if the file has to be rewritten), so it may load its values lazily — the
    out-of-core ranks of :mod:`evalsys.engines.spill` do.
    """
    import pyarrow.parquet as pq

    md = pq.ParquetFile(str(path)).metadata
    fd = os.open(str(path), os.O_RDWR)
    try:
        places = _places(md, fd)
        if places is not None:
            for (r_at, row0, n), (p_at, _, _) in zip(
                places["rank"], places["percentile"], strict=True
            ):
                rank, pct = _late_slices(values, row0, n)
                os.pwrite(fd, rank.data.cast("B"), r_at)
                os.pwrite(fd, pct.data.cast("B"), p_at)
    finally:
        os.close(fd)
    if places is not None and _reads_back(path, values):
        return True
    _rewrite(path, values)
    return False


def _late_slices(
    values: LateValues, row0: int, n: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """``values(row0, n)`` as contiguous little-endian arrays of ``n`` values each."""
    rank, pct = values(row0, n)
    rank = np.ascontiguousarray(rank, dtype="<i8")
    pct = np.ascontiguousarray(pct, dtype="<f8")
    if rank.shape != (n,) or pct.shape != (n,):
        raise ValueError(f"late values of rows {row0}..{row0 + n - 1}: {rank.shape}, {pct.shape}")
    return rank, pct


def _places(md: Any, fd: int) -> dict[str, list[tuple[int, int, int]]] | None:
    """Per late column, ``(byte offset, first row, rows)`` of its values in each row group,
    or ``None`` when a column chunk is not a single uncompressed plain page (checked in
    the metadata and in the page header itself, read from ``fd``)."""
    names = [md.schema.column(i).name for i in range(md.num_columns)]
    index = {n: names.index(n) for n in LATE_COLUMNS}
    places: dict[str, list[tuple[int, int, int]]] = {n: [] for n in LATE_COLUMNS}
    row0 = 0
    for r in range(md.num_row_groups):
        rg = md.row_group(r)
        n = rg.num_rows
        for name, i in index.items():
            cc = rg.column(i)
            if (
                cc.compression != "UNCOMPRESSED"
                or cc.has_dictionary_page
                or cc.num_values != n
                or cc.total_compressed_size != cc.total_uncompressed_size
                or cc.total_compressed_size < 8 * n
            ):
                return None
            if not _single_page(fd, cc.data_page_offset, cc.total_compressed_size, n):
                return None
            start = cc.data_page_offset + cc.total_compressed_size - 8 * n
            places[name].append((start, row0, n))
        row0 += n
    return places


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    """An unsigned LEB128 varint of ``buf`` at ``i``: (value, next index)."""
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def _single_page(fd: int, offset: int, chunk_size: int, rows: int) -> bool:
    """Whether the column chunk at ``offset`` (``chunk_size`` bytes) is one uncompressed
    data page of ``rows`` values, read from its Thrift compact-protocol ``PageHeader``:
    field 1 ``type`` = DATA_PAGE (0), fields 2 and 3 the page sizes (equal), no field 4
    (CRC), and field 1 of field 5 (``DataPageHeader.num_values``) = ``rows``."""
    buf = os.pread(fd, 64, offset)
    try:
        i, fields = 0, []
        for expect in (0x15, 0x15, 0x15):  # field delta 1, type i32
            if buf[i] != expect:
                return False
            z, i = _varint(buf, i + 1)
            fields.append((z >> 1) ^ -(z & 1))  # zigzag
        if buf[i] != 0x2C or buf[i + 1] != 0x15:  # field 5 (struct), its field 1 (i32)
            return False
        z, _ = _varint(buf, i + 2)
    except IndexError:
        return False
    page_type, uncompressed, compressed = fields
    header = chunk_size - compressed
    return (
        page_type == 0
        and uncompressed == compressed
        and 0 < header < 64
        and ((z >> 1) ^ -(z & 1)) == rows
    )


def _reads_back(path: str | os.PathLike[str], values: LateValues) -> bool:
    """Whether the file's late columns read back exactly as ``values`` (bit for bit),
    read one row group at a time (memory of one row group, not of the whole column)."""
    import pyarrow.parquet as pq

    from evalsys.model.tables import numpy_values

    pf = pq.ParquetFile(str(path), pre_buffer=False)
    row0 = 0
    for r in range(pf.metadata.num_row_groups):
        got = pf.read_row_group(r, columns=list(LATE_COLUMNS))
        n = got.num_rows
        for name, v in zip(LATE_COLUMNS, _late_slices(values, row0, n), strict=True):
            col = got.column(name)
            if col.null_count:
                return False
            arr = numpy_values(col.combine_chunks(), np.uint64)
            if not np.array_equal(arr, v.view(np.uint64)):
                return False
        row0 += n
    return True


def _rewrite(path: str | os.PathLike[str], values: LateValues) -> None:
    """The fallback: read the file row group by row group, replace the late columns and
    write it again (to a temporary file renamed onto ``path``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from evalsys.engines.arrow_io import parquet_writer, write_tables

    src = pq.ParquetFile(str(path))
    tmp = f"{os.fspath(path)}.rewrite"

    def tables() -> Iterator[Any]:
        row0 = 0
        for r in range(src.metadata.num_row_groups):
            t = src.read_row_group(r)
            n = t.num_rows
            for name, v in zip(LATE_COLUMNS, _late_slices(values, row0, n), strict=True):
                t = t.set_column(t.column_names.index(name), name, pa.array(v))
            yield t
            row0 += n

    write_tables(tables(), tmp, path, lambda schema: parquet_writer(tmp, schema))
