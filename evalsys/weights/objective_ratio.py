"""Objective weights that read raw values as a ratio scale: classical entropy and MEREC.

It owns two kernels of :data:`evalsys.weights.objective.OBJECTIVE_METHODS` (registered
there, as ``"entropy_raw"`` and ``"merec"``) and the check of the data they need
(:func:`check_ratio_scale`).  Both work on the raw values themselves rather than on a
min-max normalisation, so the values must be non-negative (entropy) or positive (MEREC);
the kernels trust their inputs, :func:`~evalsys.weights.objective.objective_weights`
validates them once.

Kernels follow the signature of the family, ``(X, benefit, shift) -> scores (L,)``; the
weights are the scores divided by their sum.

References
----------
.. [1] Shannon, C. E. (1948). A mathematical theory of communication. *Bell System
       Technical Journal* 27, 379–423.
.. [2] Zeleny, M. (1982). *Multiple Criteria Decision Making*. McGraw-Hill, New York
       (entropy as a measure of the contrast intensity of an attribute).
.. [3] Hwang, C.-L. and Yoon, K. (1981). *Multiple Attribute Decision Making*. Springer,
       LNEMS 186 (the entropy method on :math:`p_{ij} = x_{ij}/\\sum_i x_{ij}`).
.. [4] Keshavarz-Ghorabaee, M., Amiri, M., Zavadskas, E. K., Turskis, Z. and
       Antucheviciene, J. (2021). Determination of objective weights using a new method
       based on the removal effects of criteria (MEREC). *Symmetry* 13(4), 525.
       doi:10.3390/sym13040525
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evalsys.errors import DataError

__all__ = ["RATIO_SCALE", "check_ratio_scale", "entropy_raw", "merec"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: method → what its raw values must be: ``"non-negative"`` or ``"positive"``.
RATIO_SCALE: dict[str, str] = {"entropy_raw": "non-negative", "merec": "positive"}


def check_ratio_scale(method: str, x: FloatArray, names: tuple[str, ...] | None) -> None:
    """Raise :class:`DataError` if ``method`` reads a ratio scale and ``x`` breaks it.

    ``entropy_raw`` needs every value >= 0, ``merec`` every value > 0; the message names
    the first offending column and its rows.  Other methods pass.
    """
    need = RATIO_SCALE.get(method)
    if need is None:
        return
    bad = x < 0 if need == "non-negative" else x <= 0
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        raise DataError(
            f"method '{method}' reads the raw values as a ratio scale and needs {need} "
            "values (use 'entropy' or 'critic', which min-max normalise first)",
            column=names[j] if names is not None else str(j),
            rows=np.flatnonzero(bad[:, j]).tolist(),
        )


def entropy_raw(x: FloatArray, benefit: BoolArray, shift: float) -> FloatArray:
    r"""Classical entropy weights on raw proportions (Shannon; Zeleny; Hwang & Yoon).

    Notes
    -----
    .. math::

        p_{ij} = \frac{x_{ij}}{\sum_i x_{ij}},\qquad
        e_j = -\frac{1}{\ln E}\sum_i p_{ij}\ln p_{ij},\qquad d_j = 1 - e_j,

    with :math:`0 \ln 0 = 0`.  The entropy of a column's distribution does not depend on
    its direction, so ``benefit`` is not used (a cost column is as informative as its
    benefit counterpart); ``shift`` is not accepted (0).  Compare ``"entropy"``, which
    forms the proportions from the direction-aware min-max normalisation instead: the two
    conventions give different weights on the same data.
    """
    from scipy.special import xlogy  # lazy: keeps start-up fast

    p = x / x.sum(axis=0)
    e: FloatArray = -xlogy(p, p).sum(axis=0) / np.log(x.shape[0])
    d: FloatArray = 1.0 - e
    return d


def merec(x: FloatArray, benefit: BoolArray, shift: float) -> FloatArray:
    r"""MEREC: the removal effect :math:`E_j` of each criterion (Keshavarz-Ghorabaee 2021).

    Notes
    -----
    With the ratio normalisation that makes smaller better,
    :math:`n_{ij} = \min_k x_{kj} / x_{ij}` (benefit) and
    :math:`n_{ij} = x_{ij} / \max_k x_{kj}` (cost), and m = L criteria:

    .. math::

        S_i = \ln\Bigl(1 + \frac{1}{m}\sum_j |\ln n_{ij}|\Bigr),\qquad
        S'_{ij} = \ln\Bigl(1 + \frac{1}{m}\sum_{k \ne j} |\ln n_{ik}|\Bigr),

        E_j = \sum_i |S'_{ij} - S_i|,\qquad w_j = E_j / \sum_k E_k.

    One pass: :math:`S'_{ij}` comes from the row total minus the removed term, so the cost
    is O(E L) like the other methods.
    """
    n = np.where(benefit, x.min(axis=0) / x, x / x.max(axis=0))
    a = np.abs(np.log(n))
    m = x.shape[1]
    total = a.sum(axis=1, keepdims=True)
    s = np.log1p(total / m)
    s_removed = np.log1p((total - a) / m)
    e: FloatArray = np.abs(s_removed - s).sum(axis=0)
    return e
