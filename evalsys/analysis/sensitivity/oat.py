"""One-at-a-time (OAT) perturbation of local weights: :func:`perturb_one_at_a_time`.

Owns the OAT design (each child's local weight scaled by 1 ± delta, its siblings
renormalised) and its results :class:`Perturbation` and :class:`OATResult`; scoring and
the rank statistics come from :mod:`~evalsys.analysis.sensitivity.core` and
:mod:`~evalsys.analysis.sensitivity.stability`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from evalsys._version import __version__
from evalsys.analysis.sensitivity.core import (
    FloatArray,
    _check_float,
    _check_levels,
    _check_ranking,
    _json_float,
    _perturbable,
    _prepare,
)
from evalsys.analysis.sensitivity.stability import EntityStability, _run
from evalsys.errors import DataError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.weights.hierarchy import TreeWeights

__all__ = ["OATResult", "Perturbation", "perturb_one_at_a_time"]


@dataclass(frozen=True, slots=True)
class Perturbation:
    """One one-at-a-time perturbation and its effect on the ranking."""

    node: str
    child: str
    direction: int  # +1: weight × (1 + delta); −1: × (1 − delta)
    base_weight: float
    weight: float  # the child's local weight after renormalisation
    spearman: float
    kendall: float
    grade_changed: float | None
    top_k_retained: float
    top_k_same: bool
    mean_abs_rank_shift: float
    max_abs_rank_shift: int
    mean_score_change: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "child": self.child,
            "direction": "+" if self.direction > 0 else "-",
            "base_weight": self.base_weight,
            "weight": self.weight,
            "spearman": _json_float(self.spearman),
            "kendall": _json_float(self.kendall),
            "grade_changed": self.grade_changed,
            "top_k_retained": self.top_k_retained,
            "top_k_same": self.top_k_same,
            "mean_abs_rank_shift": self.mean_abs_rank_shift,
            "max_abs_rank_shift": self.max_abs_rank_shift,
            "mean_score_change": self.mean_score_change,
        }


@dataclass(frozen=True, slots=True)
class OATResult:
    """One-at-a-time weight perturbation (see :func:`perturb_one_at_a_time`)."""

    tree_id: str
    method: str
    operator: str | None
    delta: float
    levels: tuple[int, ...]
    top_k: int
    linear: bool
    perturbations: tuple[Perturbation, ...]
    entities: EntityStability
    version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        e = self.entities
        return {
            "analysis": "one_at_a_time",
            "tree": self.tree_id,
            "method": self.method,
            "operator": self.operator,
            "delta": self.delta,
            "levels": list(self.levels),
            "top_k": self.top_k,
            "linear_fast_path": self.linear,
            "entities": int(e.base_score.size),
            "perturbations": [p.to_dict() for p in self.perturbations],
            "entities_changing_grade": None
            if e.p_keep_grade is None
            else int((e.p_keep_grade < 1.0).sum()),
            "evalsys_version": self.version,
        }


def perturb_one_at_a_time(
    compiled: CompiledTree,
    data: IndicatorData,
    weights: TreeWeights | None = None,
    *,
    delta: float = 0.1,
    levels: Sequence[int] = (1,),
    top_k: int = 10,
    rank_window: int = 5,
    method: str = "fce",
    operator: str = "weighted_average",
    kendall_entities: int | None = None,
) -> OATResult:
    r"""One-at-a-time perturbation of local weights with renormalisation of the siblings.

    For every internal node ``p`` whose children lie at one of ``levels`` (depth of the
    child; 1 = the first-level dimensions) and every child ``c`` of ``p`` with a positive
    weight, two perturbed trees are scored: the local weight :math:`w_c` is multiplied by
    :math:`m = 1 \pm \delta` and all children of ``p`` are divided by their new sum,

    .. math:: w'_c = \frac{m\,w_c}{1 + (m - 1) w_c}, \qquad
              w'_k = \frac{w_k}{1 + (m - 1) w_c}\quad (k \ne c),

    so every global weight outside ``p``'s subtree is unchanged.  Nodes with one child
    (renormalisation would undo the change) and zero-weight children are skipped.

    Parameters
    ----------
    compiled, data
        Tree and checked indicator data.
    weights
        Base weights; by default derived as :func:`evalsys.engines.memory.score_entities` does.
    delta
        Relative change, ``0 <= delta <= 1`` (``delta = 0`` reproduces the base).
    levels
        Depths of the perturbed children (default ``(1,)``: the dimensions).
    top_k
        Size of the top set compared (clamped to the number of entities).
    rank_window
        ``r`` of the "rank within ±r" probability.
    method, operator
        Scoring method and FCE operator, as in :func:`evalsys.engines.memory.score_entities`.
    kendall_entities
        Compute Kendall's τ on at most this many entities (None: all; a seeded subset
        otherwise; 0: not computed).

    Returns
    -------
    OATResult
        One :class:`Perturbation` per (child, direction) in node order, ``+`` before ``−``,
        and per-entity stability over all perturbations.

    Raises
    ------
    DataError
        ``delta`` outside [0, 1], bad ``levels``/``top_k``, or nothing to perturb.
    UnknownMethodError
        Unknown ``method`` or ``operator``.

    References
    ----------
    .. [1] Saltelli, A. et al. (2008). *Global Sensitivity Analysis: The Primer*. Wiley,
       §1.2 (one-at-a-time designs).
    """
    d = _check_float("delta", delta, 0.0, 1.0)
    lv = _check_levels(compiled, levels)
    k_req, window = _check_ranking(top_k, rank_window, kendall_entities)
    model = _prepare(compiled, data, weights, method, operator)
    base = np.asarray(model.weights.local, dtype=np.float64)
    rows: list[FloatArray] = []
    meta: list[tuple[int, int, int]] = []
    for p in _perturbable(compiled, lv):
        kids = compiled.children(p)
        for c in kids:
            if base[c] <= 0:
                continue
            for sign in (1, -1):
                loc = base.copy()
                loc[c] *= 1.0 + sign * d
                loc[kids] /= loc[kids].sum()
                rows.append(loc)
                meta.append((p, int(c), sign))
    if not rows:
        raise DataError(f"no node with two or more weighted children at levels {list(lv)}")
    local = np.stack(rows)
    acc = _run(
        model,
        local,
        top_k=k_req,
        window=window,
        kendall_entities=kendall_entities,
        rng=np.random.default_rng(0),
    )
    ps = acc.per_sample()
    score_change = np.concatenate(acc.score_change)
    perts = []
    for s, (p, c, sign) in enumerate(meta):
        perts.append(
            Perturbation(
                node=compiled.node_ids[p],
                child=compiled.node_ids[c],
                direction=sign,
                base_weight=float(base[c]),
                weight=float(local[s, c]),
                spearman=float(ps.spearman[s]),
                kendall=float(ps.kendall[s]),
                grade_changed=None if ps.grade_changed is None else float(ps.grade_changed[s]),
                top_k_retained=float(ps.top_k_retained[s]),
                top_k_same=bool(ps.top_k_same[s]),
                mean_abs_rank_shift=float(ps.mean_abs_rank_shift[s]),
                max_abs_rank_shift=int(ps.max_abs_rank_shift[s]),
                mean_score_change=float(score_change[s]),
            )
        )
    return OATResult(
        tree_id=compiled.spec.id,
        method=model.method,
        operator=model.operator,
        delta=d,
        levels=lv,
        top_k=acc.top_k,
        linear=model.linear,
        perturbations=tuple(perts),
        entities=acc.entities(data.entity_ids),
    )
