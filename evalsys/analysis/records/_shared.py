"""Array type aliases, time constants and row numbering shared by the records modules.

Owns the ``numpy`` array aliases (``FloatArray`` …), the nanosecond constants of the
timestamp arithmetic (``_NS_PER_S``, ``_NS_PER_DAY``, ``_NAT``) and ``_rows``, the 1-based
data rows named in :class:`~evalsys.errors.DataError` messages.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DateTimeArray = npt.NDArray[np.datetime64]

_NS_PER_S = 1_000_000_000
_NS_PER_DAY = 86_400 * _NS_PER_S
_NAT = np.iinfo(np.int64).min


def _rows(mask: BoolArray) -> list[int]:
    """1-based data rows (header excluded) of the True entries of ``mask``."""
    return [int(i) + 1 for i in np.flatnonzero(mask)]
