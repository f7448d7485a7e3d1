"""The period x entity panel: the in-memory shape every trend, alert and report reads.

A :class:`Panel` holds, for a chosen set of columns, one ``(n_periods, n_entities)`` array
per column: numeric columns as float64 (``NaN`` = the entity has no value that period, e.g.
it was not scored), text columns (grade, segment) as unicode arrays (``""`` = absent).
Periods run oldest first; entities are sorted by id.  :meth:`HistoryStore.panel
<evalsys.history.store.HistoryStore.panel>` builds one from a store; tests build them by
hand.

Column names
------------
``<indicator id>``   raw indicator value
``score``            overall score
``dim:<node id>``    score of a dimension (inner node)
``rank``             rank (1 = best) within the period
``percentile``       percentile within the period (100 = best)
``grade``            grade label (a text column)
``segment``          segment / cohort label (a text column)
``breach:<ind id>``  standards compliance: 1.0 breached, 0.0 met, NaN not applicable
other names          count columns (e.g. ``orders``) as named in the data
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evalsys.errors import ShapeError

__all__ = ["FloatArray", "Panel"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Panel:
    """Columns of a history as ``(n_periods, n_entities)`` arrays.

    Attributes
    ----------
    periods
        Ordered period labels, oldest first.
    entity_ids
        ``(n_entities,)`` entity ids, sorted.
    values
        Numeric column name -> ``(n_periods, n_entities)`` float64 array; ``NaN`` = absent.
    labels
        Text column name (``"grade"``, ``"segment"``) -> ``(n_periods, n_entities)`` unicode
        array; ``""`` = absent.
    versions
        Rule version that scored each period (same length as ``periods``).
    grade_order
        Grade labels, best first.
    """

    periods: tuple[str, ...]
    entity_ids: npt.NDArray[np.str_]
    values: Mapping[str, FloatArray]
    labels: Mapping[str, npt.NDArray[np.str_]]
    versions: tuple[str, ...]
    grade_order: tuple[str, ...]

    def __post_init__(self) -> None:
        shape = (len(self.periods), int(self.entity_ids.shape[0]))
        if self.entity_ids.ndim != 1:
            raise ShapeError("panel entity_ids must be one-dimensional")
        if len(self.versions) != len(self.periods):
            raise ShapeError(
                f"panel has {len(self.periods)} periods but {len(self.versions)} versions"
            )
        for kind, columns in (("values", self.values), ("labels", self.labels)):
            for name, arr in columns.items():
                if arr.shape != shape:
                    raise ShapeError(
                        f"panel {kind} column {name!r} has shape {arr.shape}, expected {shape}"
                    )

    @property
    def n_periods(self) -> int:
        """Number of periods."""
        return len(self.periods)

    @property
    def n_entities(self) -> int:
        """Number of entities."""
        return int(self.entity_ids.shape[0])

    def period_index(self, period: str) -> int:
        """Row of ``period`` in the arrays.

        Raises
        ------
        KeyError
            If the period is not in the panel.
        """
        try:
            return self.periods.index(period)
        except ValueError:
            raise KeyError(f"period {period!r} is not in the panel") from None

    def entity_index(self, entity_ids: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """Column positions of ``entity_ids``; ``-1`` for ids not in the panel."""
        ids = np.asarray(entity_ids, dtype=np.str_)
        pos = np.searchsorted(self.entity_ids, ids)
        pos = np.minimum(pos, max(self.n_entities - 1, 0))
        found = self.n_entities > 0
        hit = (self.entity_ids[pos] == ids) if found else np.zeros(ids.shape, dtype=bool)
        return np.where(hit, pos, -1).astype(np.intp)

    def grade_points(self) -> FloatArray:
        """Grades as positions in :attr:`grade_order` (0 = best); ``NaN`` where absent.

        Raises
        ------
        KeyError
            If the panel has no ``"grade"`` label column.
        """
        grades = self.labels["grade"]
        out = np.full(grades.shape, np.nan)
        for i, g in enumerate(self.grade_order):
            out[grades == g] = float(i)
        return out
