"""Reading and writing entity tables (CSV, Parquet, JSON, Excel) with pyarrow.

pyarrow is the reader for CSV/Parquet/JSON because it parses typed columns in C++ (fast,
memory-bounded, streaming-capable); openpyxl reads and writes Excel.  Every reader returns a
``pyarrow.Table``; writers choose the format by extension and write atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.errors import DataError
from evalsys.model.io import atomic_write

__all__ = ["FORMATS", "check_format", "read_table", "table_from_columns", "write_table"]

FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "json",
    ".xlsx": "excel",
}


def check_format(path: str | os.PathLike[str]) -> str:
    """The table format of ``path`` by extension; DataError listing the supported ones."""
    return _format_of(path)


def _format_of(path: str | os.PathLike[str]) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise DataError(
            f"unsupported file type '{suffix or '(none)'}'; use one of "
            f"{', '.join(sorted(FORMATS))}",
            file=str(path),
        )
    return FORMATS[suffix]


def read_table(path: str | os.PathLike[str]) -> Any:
    """Read a whole table (CSV, Parquet, JSON records / JSON lines, Excel) as a pyarrow Table."""
    import pyarrow as pa

    fmt = _format_of(path)
    p = Path(path)
    if not p.exists():
        raise DataError("no such file", file=str(path))
    if not p.is_file():
        raise DataError("not a file", file=str(path))
    if p.stat().st_size == 0:
        raise DataError("file is empty", file=str(path))
    try:
        if fmt == "csv":
            from pyarrow import csv

            table = csv.read_csv(p)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(p)
        elif fmt == "json":
            table = _read_json(p)
        else:
            table = _read_excel(p)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DataError(f"cannot parse {fmt.upper()}: {exc}", file=str(path)) from None
    _check_header(table.column_names, str(path))
    return table


def _check_header(names: list[str], file: str) -> None:
    """Blank or repeated column names are errors (a reader would keep only one of them)."""
    from collections import Counter

    blank = [i + 1 for i, n in enumerate(names) if n is None or not str(n).strip()]
    if blank:
        raise DataError(f"column {blank[0]} has no name in the header row", file=file)
    dup = [n for n, c in Counter(names).items() if c > 1]
    if dup:
        raise DataError(
            f"column name{'s' if len(dup) > 1 else ''} repeated: {', '.join(map(str, dup))}",
            file=file,
        )


def _read_json(path: Path) -> Any:
    import json

    import pyarrow as pa
    from pyarrow import json as pajson

    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"[":
        try:
            records = json.loads(path.read_text(encoding="utf-8-sig"))
        except json.JSONDecodeError as exc:
            raise DataError(f"malformed JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise DataError("JSON data must be a list of records (objects)", file=str(path))
        return pa.Table.from_pylist(records)
    return pajson.read_json(path)


def _read_excel(path: Path) -> Any:
    from zipfile import BadZipFile

    import pyarrow as pa
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise DataError(f"not a readable .xlsx workbook ({exc})", file=str(path)) from None
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DataError("the first sheet is empty", file=str(path))
        names = ["" if h is None else str(h) for h in header]
        _check_header(names, str(path))
        data: list[list[Any]] = [[] for _ in names]
        for row in rows:
            for j, v in enumerate(row[: len(names)]):
                data[j].append(v)
    finally:
        wb.close()
    return pa.table({n: _excel_column(col) for n, col in zip(names, data, strict=True)})


def _excel_column(values: list[Any]) -> Any:
    """A typed column; a column mixing text and numbers stays text, so that the data
    checks can name the offending cells instead of failing here."""
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def arrow_array(values: npt.ArrayLike) -> Any:
    """A pyarrow Array of a 1-D numpy array.

    Integer and float arrays are wrapped from their buffer (zero-copy when contiguous):
    ``pa.array`` on a numpy array imports pandas to look for pandas types, a fifth of a
    second on the first call.  Other dtypes (text, bool, objects) go through ``pa.array``.
    """
    import pyarrow as pa

    a = np.asarray(values)
    if a.ndim == 1 and a.dtype.kind in "iuf" and a.dtype.byteorder in "=|<":
        a = np.ascontiguousarray(a)
        typ = pa.from_numpy_dtype(a.dtype)
        return pa.Array.from_buffers(typ, a.size, [None, pa.py_buffer(a)])
    return pa.array(a)


def numpy_values(arr: Any, dtype: npt.DTypeLike) -> npt.NDArray[Any]:
    """The values of a fixed-width pyarrow Array as a read-only numpy view of its data
    buffer, read as ``dtype`` (the inverse of :func:`arrow_array`; nulls are not looked
    at — the caller checks ``arr.null_count``).  ``np.asarray`` of an Arrow array goes
    through ``to_numpy``, which imports pandas when it is installed."""
    dt = np.dtype(dtype)
    n = len(arr)
    bufs = arr.buffers()
    if n == 0 or len(bufs) < 2 or bufs[1] is None:  # empty, or all null
        return np.zeros(n, dtype=dt)
    return np.frombuffer(bufs[1], dtype=dt, count=n, offset=arr.offset * dt.itemsize)


def arrow_strings(values: Sequence[str]) -> Any:
    """A pyarrow string Array of ``values``, built from its offsets and UTF-8 bytes.

    For short label lists (grade names, dictionaries): ``pa.array`` of a list imports
    pandas to look for pandas types, which costs more than the rest of a small run.
    """
    import pyarrow as pa

    data = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in data], out=offsets[1:])
    return pa.Array.from_buffers(
        pa.string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))]
    )


def table_from_columns(columns: Mapping[str, npt.NDArray[Any]]) -> Any:
    """A pyarrow Table from a mapping of column name → 1-D array."""
    import pyarrow as pa

    return pa.table({k: arrow_array(v) for k, v in columns.items()})


def _finite(row: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN/Infinity: non-finite floats are written as null."""
    return {k: None if isinstance(v, float) and not np.isfinite(v) else v for k, v in row.items()}


def write_table(
    table: Any,
    path: str | os.PathLike[str],
    *,
    inputs: tuple[str | os.PathLike[str], ...] = (),
) -> Path:
    """Write ``table`` by extension, atomically; never over one of ``inputs``."""
    fmt = _format_of(path)
    with atomic_write(path, "wb", inputs=inputs) as fh:
        if fmt == "csv":
            from pyarrow import csv

            csv.write_csv(table, fh)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, fh)
        elif fmt == "json":
            import json

            rows = [_finite(r) for r in table.to_pylist()]
            if Path(path).suffix.lower() == ".jsonl":
                for r in rows:
                    fh.write(json.dumps(r, ensure_ascii=False, allow_nan=False).encode() + b"\n")
            else:
                fh.write(json.dumps(rows, ensure_ascii=False, indent=1, allow_nan=False).encode())
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("data")
            ws.append(table.column_names)
            for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
                ws.append(list(row))
            wb.save(fh)
    return Path(path)
