"""Small array helpers shared by the result types."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["readonly"]

_T = TypeVar("_T", bound=np.generic)


def readonly(a: NDArray[_T]) -> NDArray[_T]:
    """Mark ``a`` read-only (results are frozen) and return it."""
    a.setflags(write=False)
    return a
