"""One period's data made ready for the store: scores and raw values as Parquet files.

:func:`prepare_period` does all the work that can fail *before* the store's transaction
opens, in bounded memory, so that the append itself is one ``INSERT ... SELECT`` that
DuckDB runs out of core:

1. **scores**: the engines score the data file into a temporary Parquet file —
   :func:`evalsys.engines.stream.score_file` (chunks, bounded memory) for FCE on weights
   fixed by the tree, :func:`evalsys.engines.memory.score_entities` when weights come from
   the data (objective / combined) or the method rescales by whole-table statistics.
   Both give the same bits.
2. **side**: one pass over the data in record batches writes every numeric input column
   as float64 (``raw:<column>``), every text column (``text:<column>``) and, with a
   standards profile, the compliance of every entity with every standard
   (``breach:<indicator>``: 1.0 breached, 0.0 met, NaN not assessed;
   :func:`evalsys.analysis.benchmark.check_standards` on each batch — compliance of an
   entity depends on its own values only).

Formats other than Parquet and CSV (Excel, JSON) are read whole and converted first.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evalsys.errors import DataError, ValidityWarning

__all__ = ["Prepared", "input_columns", "prepare_period"]

_STREAMABLE = (".parquet", ".pq", ".csv")


@dataclass(frozen=True)
class Prepared:
    """Temporary Parquet files of one period (frozen).

    Attributes
    ----------
    scores, side
        The engine's score output and the raw / text / compliance columns.
    raw_columns, text_columns, breach_columns, dimension_ids
        Input columns kept as numbers and as text, indicators with standards, and the
        dimensions with a ``dim.<id>`` score column.
    engine
        ``"stream"`` or ``"memory"``.
    """

    scores: Path
    side: Path
    raw_columns: tuple[str, ...]
    text_columns: tuple[str, ...]
    breach_columns: tuple[str, ...]
    dimension_ids: tuple[str, ...]
    engine: str


def _fmt(path: Path) -> str:
    return "csv" if path.suffix.lower() == ".csv" else "parquet"


def input_columns(path: Path) -> tuple[list[str], dict[str, str]]:
    """Column names of a data file and their kind (``"number"``, ``"text"``, ``"other"``)."""
    import pyarrow as pa

    from evalsys.engines.arrow_io import schema_names

    fmt = _fmt(path)
    names, _ = schema_names(path, fmt)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        schema = pq.ParquetFile(path).schema_arrow
    else:
        from pyarrow import csv

        reader = csv.open_csv(path)
        schema = reader.schema
        reader.close()
    kinds: dict[str, str] = {}
    for f in schema:
        t = f.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_null(t):
            kinds[f.name] = "number"
        elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t):
            kinds[f.name] = "text"
        else:
            kinds[f.name] = "other"
    return names, kinds


def _as_parquet(src: Path, workdir: Path) -> Path:
    """``src`` itself if Parquet/CSV, else a Parquet copy (Excel, JSON: read whole)."""
    if src.suffix.lower() in _STREAMABLE:
        if not src.exists():
            raise DataError("no such file", file=str(src))
        return src
    import pyarrow.parquet as pq

    from evalsys.model.tables import read_table

    out = workdir / "input.parquet"
    pq.write_table(read_table(src), out)
    return out


def _score(
    compiled: Any,
    src: Path,
    out: Path,
    *,
    id_column: str,
    missing: str,
    method: str,
    operator: str,
    chunk_rows: int,
) -> str:
    from evalsys.scoring.plan import _needs_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)
        if method == "fce" and not _needs_data(compiled):
            from evalsys.engines.stream import score_file

            score_file(
                compiled,
                src,
                out,
                operator=operator,
                missing=missing,
                id_column=id_column,
                chunk_rows=chunk_rows,
                passthrough=(),
                progress=False,
            )
            return "stream"
        import pyarrow.parquet as pq

        from evalsys.engines.memory import score_entities
        from evalsys.model.data import indicator_data
        from evalsys.model.tables import read_table, table_from_columns

        data = indicator_data(
            compiled,
            read_table(src),
            id_column=id_column,
            missing=missing,  # type: ignore[arg-type]
            passthrough=(),
        )
        res = score_entities(compiled, data, method=method, operator=operator)
        pq.write_table(table_from_columns(res.to_columns()), out)
        return "memory"


def prepare_period(
    compiled: Any,
    profile: Any,
    data: Path,
    workdir: Path,
    *,
    id_column: str = "entity_id",
    missing: str = "reject",
    method: str = "fce",
    operator: str = "weighted_average",
    chunk_rows: int = 131_072,
) -> Prepared:
    """Score ``data`` and write the score and side files of one period into ``workdir``.

    Parameters
    ----------
    compiled
        The compiled tree.
    profile
        A standards profile or ``None`` (no ``breach:`` columns).
    data
        The period's data file (Parquet, CSV, Excel, JSON) with an entity id column.
    workdir
        A temporary directory (removed by the caller).
    id_column, missing, method, operator, chunk_rows
        As for :func:`evalsys.engines.stream.score_file`.

    Raises
    ------
    DataError
        Bad data (missing columns, bad values, duplicate ids …) or no id column.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from evalsys.engines.arrow_io import read_batches
    from evalsys.engines.ids import id_strings
    from evalsys.model.data import required_columns

    src = _as_parquet(Path(data), workdir)
    names, kinds = input_columns(src)
    if id_column not in names:
        raise DataError(
            f"the data have no entity id column '{id_column}' (a history needs ids to follow "
            "entities across periods)",
            file=str(data),
        )
    scores = workdir / "scores.parquet"
    engine = _score(
        compiled,
        src,
        scores,
        id_column=id_column,
        missing=missing,
        method=method,
        operator=operator,
        chunk_rows=chunk_rows,
    )
    needed = set(required_columns(compiled))
    raw = tuple(c for c in names if c != id_column and (c in needed or kinds[c] == "number"))
    text = tuple(c for c in names if c != id_column and c not in raw and kinds[c] == "text")
    breach: tuple[str, ...] = ()
    if profile is not None:
        leaf_pos = {lid: j for j, lid in enumerate(compiled.leaf_ids)}
        breach = tuple(sorted(profile.indicators(), key=leaf_pos.__getitem__))
    fields = [pa.field("entity_id", pa.string())]
    fields += [pa.field(f"raw:{c}", pa.float64()) for c in raw]
    fields += [pa.field(f"text:{c}", pa.string()) for c in text]
    fields += [pa.field(f"breach:{c}", pa.float64()) for c in breach]
    schema = pa.schema(fields)
    side = workdir / "side.parquet"
    with pq.ParquetWriter(side, schema) as writer:
        for batch in read_batches(src, _fmt(src), [id_column, *raw, *text], list(raw), False):
            n = batch.num_rows
            cols: list[Any] = [id_strings(batch.column(id_column))]
            for c in raw:
                try:
                    cols.append(pc.cast(batch.column(c), pa.float64()))
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    raise DataError("values are not numbers", file=str(data), column=c) from None
            cols += [pc.cast(batch.column(c), pa.string()) for c in text]
            if breach:
                cols += _breaches(compiled, profile, batch, breach, id_column, missing, n)
            writer.write_table(pa.Table.from_arrays(cols, schema=schema))
    dims = tuple(c[4:] for c in pq.ParquetFile(scores).schema_arrow.names if c.startswith("dim."))
    return Prepared(scores, side, raw, text, breach, dims, engine)


def _breaches(
    compiled: Any,
    profile: Any,
    batch: Any,
    breach: tuple[str, ...],
    id_column: str,
    missing: str,
    n: int,
) -> list[Any]:
    """``breach:`` columns of one batch (NaN where no standard applies or skipped rows)."""
    import pyarrow as pa

    from evalsys.analysis.benchmark import check_standards
    from evalsys.model.data import indicator_data

    table = pa.Table.from_batches([batch])
    cols = [c for c in table.column_names if c != id_column]
    table = table.select([id_column, *cols])
    d = indicator_data(
        compiled,
        table,
        id_column=id_column,
        missing=missing,  # type: ignore[arg-type]
        passthrough=tuple(profile.selector_columns()),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = check_standards(compiled, d, profile, empty_segment="ignore")
    out = np.full((n, len(breach)), np.nan)
    kept = np.asarray(res.rows, dtype=np.intp) - 1
    pos = {ind: i for i, ind in enumerate(res.indicator_ids)}
    for j, ind in enumerate(breach):
        i = pos[ind]
        out[kept, j] = np.where(res.assessed[:, i], (~res.passed[:, i]).astype(float), np.nan)
    return [pa.array(out[:, j], type=pa.float64()) for j in range(len(breach))]
