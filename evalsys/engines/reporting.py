"""How the out-of-core engines report: progress while they run, a summary at the end.

It owns :class:`ProgressBar` (a callable, a rich bar with rows/s — rich is imported only
when a bar is shown — or nothing), the :data:`ProgressFn` signature of progress callbacks
and :class:`StreamSummary`, what :func:`evalsys.engines.stream.score_file` returns.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evalsys._version import __version__

__all__ = ["ProgressBar", "ProgressFn", "StreamSummary"]

#: ``progress(rows_done, rows_total)``; ``rows_total`` is ``None`` when not known (CSV).
ProgressFn = Callable[[int, int | None], None]


class ProgressBar:
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


@dataclass(frozen=True, slots=True)
class StreamSummary:
    """What :func:`evalsys.engines.stream.score_file` did (frozen).

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
