"""Random-index tables and the consistency ratio built on them: RI, CI, CR, CR thresholds.

Random-index (RI) tables are named, cited parameters held in the registry
:data:`RI_TABLES`; every AHP result records the table it used.  The same matrix can pass or
fail ``CR < 0.10`` depending on the table, which is why there is no hidden default deep in
the code: callers pass ``ri="saaty1980"`` (the default of
:func:`evalsys.weights.ahp.ahp_priorities`)
or another name.  ``CI = (λmax − n)/(n − 1)`` and ``CR = CI / RI(n)`` are computed here
(:func:`consistency_index`, :func:`consistency_ratio`), as is the CR threshold of a check
(:func:`resolve_threshold`, Saaty's size-dependent limits :func:`saaty_threshold`).
A Monte Carlo RI for any size is :func:`evalsys.weights.consistency.ri_simulate`.

--------------
``saaty1980``
    n = 1..15: 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, **1.48**, 1.56,
    1.57, 1.59.  We ship 1.48 at n = 12 as printed in the extended Saaty table that most
    Chinese AHP textbooks reproduce (and as listed in this project's reference cases);
    some printings give 1.54, which makes the sequence monotone.  The dip is an artefact
    of the small simulation samples behind the original table; if it matters, use
    ``saaty2005`` or ``alonso_lamata2006``.
``saaty2005``
    n = 1..15: 0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56,
    1.58, 1.59 (Saaty 2005; Saaty & Tran 2007).
``alonso_lamata2006``
    n = 1..15 from their 500,000-matrix simulation (0.5245 … 1.5838) and, for n > 15,
    their regression ``λ̄max(n) = 2.7699 n − 4.3513``, i.e.
    ``RI(n) = (1.7699 n − 4.3513)/(n − 1)``; their acceptance rule
    ``λmax < n + α(1.7699 n − 4.3513)`` is exactly ``CR < α`` with this RI.  The
    regression is a fit, not the table: at n = 15 it gives 1.5855 against the tabulated
    1.5838, at n = 3 0.4792 against 0.5245, so the formula is used only beyond the table.
    Beyond it the formula runs slightly high:
    :func:`~evalsys.weights.consistency.ri_simulate` with 20,000 matrices gives 1.5957 /
    1.6292 / 1.6552 at n = 16 / 20 / 25 against 1.5978 / 1.6340 / 1.6623, i.e. CR is
    understated by up to about 0.5 % there.
``donegan_dodd1991``
    n = 3..15 (0.4914 … 1.4969); their table continues to n = 100, but only the values we
    can cite exactly are shipped.  Sizes 16–100 raise :class:`~evalsys.errors.RITableError`.

References
----------
.. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill, New York.
.. [2] Saaty, T. L. (2005). *Theory and Applications of the Analytic Network Process*.
   RWS Publications, Pittsburgh.
.. [3] Saaty, T. L., Tran, L. T. (2007). On the invalidity of fuzzifying numerical
   judgments in the Analytic Hierarchy Process. *Math. Comput. Modelling* 46, 962–975.
.. [4] Alonso, J. A., Lamata, M. T. (2006). Consistency in the analytic hierarchy
   process: a new approach. *Int. J. Uncertainty, Fuzziness and Knowledge-Based
   Systems* 14(4), 445–459.
.. [5] Donegan, H. A., Dodd, F. J. (1991). A note on Saaty's random indexes. *Math.
   Comput. Modelling* 15(10), 135–137.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys._registry import Registry
from evalsys.errors import EvalsysError, RITableError, UnknownMethodError

__all__ = [
    "RI_TABLES",
    "RITable",
    "Threshold",
    "consistency_index",
    "consistency_ratio",
    "random_index",
    "resolve_threshold",
    "saaty_threshold",
]

FloatArray = NDArray[np.float64]
Threshold = float | Literal["saaty"]
"""A CR threshold: a positive number, or ``"saaty"`` for Saaty's size-dependent limits."""


@dataclass(frozen=True, slots=True)
class RITable:
    """A named, cited random-index table.

    Attributes
    ----------
    name
        Registry name.
    values
        ``values[n - 1]`` is ``RI(n)`` for ``n = 1 .. len(values)``.
    citation
        Where the numbers come from.
    extrapolate
        Optional published formula used for ``n > len(values)``.
    """

    name: str
    values: tuple[float, ...]
    citation: str
    extrapolate: Callable[[int], float] | None = field(default=None, compare=False)

    @property
    def n_max(self) -> int | None:
        """Largest size covered, or ``None`` if a formula extends the table indefinitely."""
        return None if self.extrapolate is not None else len(self.values)

    def __call__(self, n: int) -> float:
        """``RI(n)``; raises :class:`RITableError` beyond the table."""
        if n < 1:
            raise RITableError(f"RI is undefined for n = {n}")
        if n <= len(self.values):
            return self.values[n - 1]
        if self.extrapolate is not None:
            return self.extrapolate(n)
        raise RITableError(
            f"RI table '{self.name}' covers n <= {len(self.values)}, got n = {n}; use "
            "ri='alonso_lamata2006' (extended by their formula) or estimate RI with "
            "evalsys.weights.consistency.ri_simulate(n)"
        )


RI_TABLES: Registry[RITable] = Registry("RI table")

RI_TABLES.add(
    "saaty1980",
    RITable(
        "saaty1980",
        (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59),
        "Saaty (1980), The Analytic Hierarchy Process, McGraw-Hill; extended table n <= 15 "
        "as reprinted in Chinese AHP textbooks (1.48 at n = 12; some printings give 1.54)",
    ),
)
RI_TABLES.add(
    "saaty2005",
    RITable(
        "saaty2005",
        (0.0, 0.0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59),
        "Saaty (2005), Theory and Applications of the Analytic Network Process, RWS "
        "Publications; Saaty & Tran (2007), Math. Comput. Modelling 46, 962-975",
    ),
)


def _alonso_lamata_formula(n: int) -> float:
    """Alonso & Lamata (2006): RI(n) = (1.7699 n - 4.3513) / (n - 1)."""
    return (1.7699 * n - 4.3513) / (n - 1)


RI_TABLES.add(
    "alonso_lamata2006",
    RITable(
        "alonso_lamata2006",
        (
            0.0,
            0.0,
            0.5245,
            0.8815,
            1.1086,
            1.2479,
            1.3417,
            1.4056,
            1.4499,
            1.4854,
            1.5141,
            1.5365,
            1.5551,
            1.5713,
            1.5838,
        ),
        "Alonso & Lamata (2006), Int. J. Uncertainty, Fuzziness and Knowledge-Based Systems "
        "14(4), 445-459; table for n <= 15, regression (1.7699 n - 4.3513)/(n - 1) beyond",
        extrapolate=_alonso_lamata_formula,
    ),
)
RI_TABLES.add(
    "donegan_dodd1991",
    RITable(
        "donegan_dodd1991",
        (
            0.0,
            0.0,
            0.4914,
            0.8286,
            1.0591,
            1.1797,
            1.2519,
            1.3171,
            1.3733,
            1.4055,
            1.4213,
            1.4497,
            1.4643,
            1.4822,
            1.4969,
        ),
        "Donegan & Dodd (1991), A note on Saaty's random indexes, Math. Comput. Modelling "
        "15(10), 135-137; shipped for n <= 15 (the published table continues to 100)",
    ),
)


def random_index(n: int, table: str = "saaty1980") -> float:
    """``RI(n)`` from the named table (see :data:`RI_TABLES`).

    Raises
    ------
    UnknownMethodError
        Unknown table name (the message lists valid names).
    RITableError
        ``n`` beyond the table; the message names the table and its limit.

    Examples
    --------
    >>> random_index(5), random_index(4, "saaty2005")
    (1.12, 0.89)
    >>> round(random_index(20, "alonso_lamata2006"), 4)
    1.634
    """
    return RI_TABLES.get(table)(n)


def consistency_index(lam: ArrayLike, n: int) -> FloatArray:
    """``CI = (λmax − n)/(n − 1)``, 0 for ``n ≤ 2``; round-off negatives are clipped to 0."""
    lam_arr = np.asarray(lam, dtype=np.float64)
    if n <= 2:
        return np.zeros_like(lam_arr)
    out: FloatArray = np.maximum((lam_arr - n) / (n - 1), 0.0)
    return out


def consistency_ratio(ci: ArrayLike, n: int, ri: float) -> FloatArray:
    """``CR = CI / RI``; defined as 0 when ``n ≤ 2`` (RI = 0, every matrix is consistent)."""
    ci_arr = np.asarray(ci, dtype=np.float64)
    if n <= 2 or ri == 0.0:
        return np.zeros_like(ci_arr)
    out: FloatArray = ci_arr / ri
    return out


def saaty_threshold(n: int) -> float:
    """Saaty's size-dependent CR limits: 0.05 (n = 3), 0.08 (n = 4), 0.10 otherwise."""
    return {3: 0.05, 4: 0.08}.get(n, 0.10)


def resolve_threshold(threshold: Threshold, n: int) -> float:
    """A numeric CR threshold from a number or the rule name ``"saaty"``."""
    if isinstance(threshold, str):
        if threshold != "saaty":
            raise UnknownMethodError(
                f"unknown threshold rule '{threshold}'; valid: saaty, or a number such as 0.1"
            )
        return saaty_threshold(n)
    value = float(threshold)
    if not value > 0.0:
        raise EvalsysError(f"CR threshold must be positive, got {threshold!r}")
    return value
