"""Rank agreement between the aggregation methods: :func:`method_agreement`.

Owns the comparison of FCE (each fuzzy operator), weighted sum, TOPSIS and grey relational
analysis on the same entities and weights (Spearman's ρ, Kendall's τ_b, top-k overlap) and
its result :class:`AgreementResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalsys._version import __version__
from evalsys.analysis.sensitivity.core import FloatArray, _check_int, _json_float, _prepare, _ro
from evalsys.analysis.sensitivity.stability import _rank_rows
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.weights.hierarchy import TreeWeights

__all__ = ["AgreementResult", "method_agreement"]


@dataclass(frozen=True, slots=True)
class AgreementResult:
    """Rank agreement between aggregation methods (see :func:`method_agreement`).

    ``spearman``, ``kendall`` and ``top_k_overlap`` (share of common top-k entities) are
    (M, M) matrices in the order of ``methods``.
    """

    tree_id: str
    methods: tuple[str, ...]
    spearman: FloatArray
    kendall: FloatArray
    top_k_overlap: FloatArray
    top_k: int
    n_entities: int
    version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        def mat(m: FloatArray) -> list[list[float | None]]:
            return [[_json_float(float(x)) for x in row] for row in m]

        return {
            "analysis": "method_agreement",
            "tree": self.tree_id,
            "methods": list(self.methods),
            "entities": self.n_entities,
            "top_k": self.top_k,
            "spearman": mat(self.spearman),
            "kendall": mat(self.kendall),
            "top_k_overlap": mat(self.top_k_overlap),
            "evalsys_version": self.version,
        }


def method_agreement(
    compiled: CompiledTree,
    data: IndicatorData,
    weights: TreeWeights | None = None,
    *,
    operators: Sequence[str] | None = None,
    top_k: int = 10,
) -> AgreementResult:
    """Rank agreement of FCE (each operator), weighted sum, TOPSIS and grey relational.

    Every method scores the same entities with the same weights through
    :func:`evalsys.engines.memory.score_entities`; the result holds Spearman's ρ [1]_,
    Kendall's τ_b [2]_ (all entities, exact) and the share of common top-k entities
    (:math:`|T_a \\cap T_b| / \\max(|T_a|, |T_b|)`, with :math:`T` the entities of rank
    ≤ k, more than k when scores tie) between every pair.

    Parameters
    ----------
    compiled, data, weights
        As for :func:`evalsys.engines.memory.score_entities` (weights derived once if None).
    operators
        FCE operators to include (default: every registered operator).
    top_k
        Size of the top sets compared (clamped to the number of entities).

    References
    ----------
    .. [1] Spearman, C. (1904). *American Journal of Psychology* 15(1), 72–101.
    .. [2] Kendall, M. G. (1938). *Biometrika* 30(1/2), 81–93.
    """
    import warnings

    from scipy.stats import kendalltau, spearmanr

    from evalsys.engines.memory import score_entities
    from evalsys.errors import ValidityWarning
    from evalsys.scoring.fce import OPERATORS

    k_req = _check_int("top_k", top_k, 1)
    ops = [OPERATORS.canonical(o) for o in (operators or OPERATORS.names())]
    if weights is None:
        weights = _prepare(compiled, data, None, "weighted_sum", "weighted_average").weights
    labels: list[str] = []
    cols: list[FloatArray] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)  # grades are not compared here
        for op in ops:
            labels.append(f"fce:{op}")
            cols.append(np.asarray(score_entities(compiled, data, weights, operator=op).score))
        for m in ("weighted_sum", "topsis", "grey"):
            labels.append(m)
            cols.append(np.asarray(score_entities(compiled, data, weights, method=m).score))
    S = np.stack(cols)  # (M, E)
    Mn = S.shape[0]
    E = S.shape[1]
    k = min(k_req, E)
    rho = np.asarray(spearmanr(S, axis=1).statistic, dtype=np.float64)
    if rho.ndim == 0:  # pragma: no cover - scipy returns a scalar for two rows
        rho = np.array([[1.0, float(rho)], [float(rho), 1.0]])
    tau = np.eye(Mn)
    ranks_, _ = _rank_rows(S)
    top = ranks_ <= k
    tf = top.astype(np.float64)
    sizes = tf.sum(axis=1)
    overlap = (tf @ tf.T) / np.maximum(sizes[:, None], sizes[None, :])
    for a in range(Mn):
        for b in range(a + 1, Mn):
            tau[a, b] = tau[b, a] = float(kendalltau(S[a], S[b]).statistic)
    return AgreementResult(
        tree_id=compiled.spec.id,
        methods=tuple(labels),
        spearman=_ro(rho),
        kendall=_ro(tau),
        top_k_overlap=_ro(overlap),
        top_k=k,
        n_entities=E,
    )
