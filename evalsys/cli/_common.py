"""What every command module shares: the console, JSON output, the common arguments and checks.

:func:`_console` (a rich console at least 100 columns wide), :func:`_emit_json` (the
``--json`` output: UTF-8, indented, no NaN), :func:`_table` (a rich table whose first
column is left-aligned and the others right-aligned), :func:`_pct` (a share as a percent
or "—") and the ``Annotated`` types of the options several commands take (``--json``, the
tree and data arguments, ``--method``, ``--operator``, ``--missing``, ``--id-column``).
The checks and loaders the data commands share: :func:`_check_missing` (the missing-value
policy), :func:`_refuse_overwrite` (an output that is the input data),
:func:`_report_suffix` (a report file type), :func:`_entity_data` (read the data and check
it against the tree) and :func:`_write_columns` (write a result's columns).  rich and the
rest of evalsys are imported on first use so that ``evalsys --help`` stays fast.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = [
    "DataArg",
    "IdOpt",
    "JsonOpt",
    "MethodOpt",
    "MissingOpt",
    "OperatorOpt",
    "TreeArg",
]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TreeArg = Annotated[
    str, typer.Argument(help="Tree file (YAML/JSON) or the name of a shipped tree.")
]
DataArg = Annotated[Path, typer.Argument(help="Entity data: CSV, Parquet, JSON or XLSX.")]
MethodOpt = Annotated[
    str, typer.Option(help="fce, weighted_sum, topsis, grey, vikor or promethee_ii.")
]
OperatorOpt = Annotated[
    str,
    typer.Option(help="Fuzzy operator: weighted_average, min_max, product_max, min_bounded_sum."),
]
MissingOpt = Annotated[str, typer.Option(help="reject, skip or renormalize.")]
IdOpt = Annotated[str, typer.Option(help="Entity id column.")]


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=False, width=max(100, Console().width))


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def _table(title: str, first: str, *others: str) -> Any:
    """A rich table titled ``title``: column ``first`` left-aligned, ``others`` right."""
    from rich.table import Table

    t = Table(title=title)
    t.add_column(first)
    for col in others:
        t.add_column(col, justify="right")
    return t


def _pct(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.1%}"


def _check_missing(missing: str) -> None:
    """Raise :class:`~evalsys.errors.DataError` unless ``missing`` is a missing-value policy."""
    from evalsys.errors import DataError

    if missing not in ("reject", "skip", "renormalize"):
        raise DataError(
            f"unknown missing-value policy '{missing}'; valid: reject, skip, renormalize"
        )


def _refuse_overwrite(output: Path | None, data: Path) -> None:
    """Raise a usage error (exit code 2) when ``output`` is the existing file ``data``."""
    if output is not None and output.exists() and output.resolve() == data.resolve():
        raise typer.BadParameter("output would overwrite the input data", param_hint="-o")


def _report_suffix(output: Path) -> str:
    """The lower-case extension of ``output``; a usage error unless it is a report type."""
    from evalsys.report.write import REPORT_FORMATS

    suffix = output.suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise typer.BadParameter(
            f"unsupported report type '{suffix or '(none)'}'; use "
            + ", ".join(sorted(REPORT_FORMATS)),
            param_hint="-o",
        )
    return suffix


def _entity_data(
    compiled: Any,
    data: Path | str,
    *,
    missing: str,
    id_column: str,
    passthrough: tuple[str, ...] = ("segment", "tier"),
) -> Any:
    """Read the entity table ``data`` and check it against ``compiled`` (an IndicatorData)."""
    from evalsys.model.data import indicator_data
    from evalsys.model.tables import read_table

    return indicator_data(
        compiled,
        read_table(data),
        id_column=id_column,
        missing=missing,  # type: ignore[arg-type]
        passthrough=passthrough,
    )


def _write_columns(columns: Mapping[str, Any], output: Path, data: Path) -> None:
    """Write ``columns`` to ``output`` (format by extension), never over the input ``data``."""
    from evalsys.model.tables import table_from_columns, write_table

    write_table(table_from_columns(columns), output, inputs=(data,))
