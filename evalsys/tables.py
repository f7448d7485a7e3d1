"""Reading and writing entity tables (CSV, Parquet, JSON, Excel) with pyarrow.

pyarrow is the reader for CSV/Parquet/JSON because it parses typed columns in C++ (fast,
memory-bounded, streaming-capable); openpyxl reads and writes Excel.  Every reader returns a
``pyarrow.Table``; writers choose the format by extension and write atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.errors import DataError
from evalsys.io import atomic_write

__all__ = ["FORMATS", "read_table", "table_from_columns", "write_table"]

FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".jsonl": "json",
    ".xlsx": "excel",
}


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
    if p.stat().st_size == 0:
        raise DataError("file is empty", file=str(path))
    try:
        if fmt == "csv":
            from pyarrow import csv

            return csv.read_csv(p)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.read_table(p)
        if fmt == "json":
            return _read_json(p)
        return _read_excel(p)
    except pa.ArrowInvalid as exc:
        raise DataError(f"cannot parse {fmt.upper()}: {exc}", file=str(path)) from None


def _read_json(path: Path) -> Any:
    import json

    import pyarrow as pa
    from pyarrow import json as pajson

    head = path.open("rb").read(1).strip()
    if head == b"[":
        try:
            records = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"malformed JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise DataError("JSON data must be a list of records (objects)", file=str(path))
        return pa.Table.from_pylist(records)
    return pajson.read_json(path)


def _read_excel(path: Path) -> Any:
    import pyarrow as pa
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DataError("the first sheet is empty", file=str(path))
        names = [str(h) for h in header]
        data: list[list[Any]] = [[] for _ in names]
        for row in rows:
            for j, v in enumerate(row[: len(names)]):
                data[j].append(v)
    finally:
        wb.close()
    return pa.table({n: pa.array(col) for n, col in zip(names, data, strict=True)})


def table_from_columns(columns: Mapping[str, npt.NDArray[Any]]) -> Any:
    """A pyarrow Table from a mapping of column name → 1-D array."""
    import pyarrow as pa

    return pa.table({k: pa.array(np.asarray(v)) for k, v in columns.items()})


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

            fh.write(json.dumps(table.to_pylist(), ensure_ascii=False, indent=1).encode("utf-8"))
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("data")
            ws.append(table.column_names)
            for row in zip(*(c.to_pylist() for c in table.columns), strict=True):
                ws.append(list(row))
            wb.save(fh)
    return Path(path)
