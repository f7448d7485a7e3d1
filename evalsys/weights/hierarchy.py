"""Tree synthesis: local weights at every node from its specification, global weights of
every node and leaf, and a consistency report per node and per level.

Each internal node's ``weights`` specification is dispatched to the engine that owns it:
pairwise judgments to :mod:`evalsys.weights.ahp` (complete),
:mod:`evalsys.weights.incomplete` (missing judgments) or :mod:`evalsys.weights.group`
(several experts); fuzzy judgments to :mod:`evalsys.weights.fuzzy_ahp`; objective and
combined weights to :mod:`evalsys.weights.objective`, from
the normalised indicator values of the entities being scored.

Global weights are the products of local weights along the path from the root.  The
hierarchical (overall) consistency of each level follows Saaty's 层次总排序一致性:

.. math:: CR_k = \\frac{\\sum_j a_j CI_j}{\\sum_j a_j RI_j}

where ``a_j`` are the global weights of the pairwise-judged parents ``j`` at depth ``k``.

References
----------
.. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill, ch. 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.errors import EvalsysError, TreeSpecError
from evalsys.model.compiled import CompiledTree
from evalsys.model.nodes import DimensionNode
from evalsys.model.weights_spec import (
    CombinedWeights,
    DirectWeights,
    EqualWeights,
    FuzzyWeights,
    ObjectiveWeights,
    PairwiseWeights,
    parse_number,
)

__all__ = ["LevelConsistency", "NodeWeights", "TreeWeights", "node_weights", "tree_weights"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class NodeWeights:
    """Local weights of one internal node over its children, and how they were derived.

    ``lambda_max``, ``ci``, ``cr``, ``ri``, ``ri_table``, ``consistent`` are set for
    pairwise judgments (for groups: of the aggregated matrix, or None under AIP) and None
    otherwise.
    """

    node_id: str
    children: tuple[str, ...]
    weights: FloatArray
    spec: str
    method: str
    lambda_max: float | None = None
    ci: float | None = None
    cr: float | None = None
    ri: float | None = None
    ri_table: str | None = None
    consistent: bool | None = None
    threshold: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node_id,
            "spec": self.spec,
            "method": self.method,
            "children": list(self.children),
            "weights": [float(w) for w in self.weights],
            "lambda_max": self.lambda_max,
            "ci": self.ci,
            "cr": self.cr,
            "ri": self.ri,
            "ri_table": self.ri_table,
            "consistent": self.consistent,
            "threshold": self.threshold,
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class LevelConsistency:
    """Hierarchical consistency of the pairwise-judged parents at one depth."""

    depth: int
    nodes: tuple[str, ...]
    cr: float
    consistent: bool


@dataclass(frozen=True, slots=True)
class TreeWeights:
    """Local and global weights of every node of a tree.

    Attributes
    ----------
    tree_id
        Id of the tree.
    node_ids
        Node ids in the compiled (breadth-first) order.
    local
        (N,) local weight of each node within its parent (root: 1).
    global_weights
        (N,) product of local weights from the root.
    nodes
        Per internal node: the weights and the consistency of its judgments.
    levels
        Hierarchical consistency per depth that has pairwise judgments.
    version
        evalsys version that produced the weights.
    """

    tree_id: str
    node_ids: tuple[str, ...]
    local: FloatArray
    global_weights: FloatArray
    nodes: tuple[NodeWeights, ...]
    levels: tuple[LevelConsistency, ...]
    version: str = __version__

    def node(self, node_id: str) -> NodeWeights:
        for n in self.nodes:
            if n.node_id == node_id:
                return n
        raise KeyError(node_id)

    @property
    def all_consistent(self) -> bool:
        return all(n.consistent is not False for n in self.nodes) and all(
            lv.consistent for lv in self.levels
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "tree": self.tree_id,
            "evalsys_version": self.version,
            "local": dict(zip(self.node_ids, (float(x) for x in self.local), strict=True)),
            "global": dict(
                zip(self.node_ids, (float(x) for x in self.global_weights), strict=True)
            ),
            "nodes": [n.to_dict() for n in self.nodes],
            "levels": [
                {
                    "depth": lv.depth,
                    "nodes": list(lv.nodes),
                    "cr": lv.cr,
                    "consistent": lv.consistent,
                }
                for lv in self.levels
            ],
            "all_consistent": self.all_consistent,
        }


def _ordered(spec: PairwiseWeights | FuzzyWeights, kids: tuple[str, ...]) -> list[int]:
    """Positions in ``kids`` of the matrix rows (matrix order → file order)."""
    order = spec.order if spec.order is not None else kids
    return [order.index(k) for k in kids]


def _judgment_matrix(judgments: Any, kids: tuple[str, ...]) -> FloatArray:
    """An (n, n) matrix with NaN where no judgment was given."""
    n = len(kids)
    a = np.full((n, n), np.nan)
    np.fill_diagonal(a, 1.0)
    pos = {k: i for i, k in enumerate(kids)}
    for j in judgments:
        v = parse_number(j.value)
        a[pos[j.row], pos[j.col]] = v
        a[pos[j.col], pos[j.row]] = 1.0 / v
    return a


def _full_matrix(rows: Any) -> FloatArray:
    return np.array([[parse_number(x) for x in r] for r in rows], dtype=np.float64)


def _pairwise(node_id: str, spec: PairwiseWeights, kids: tuple[str, ...]) -> NodeWeights:
    from evalsys.weights.ahp import ahp_priorities

    perm = _ordered(spec, kids)
    order = spec.order if spec.order is not None else kids
    if spec.experts is not None:
        from evalsys.weights.group import group_priorities

        mats = []
        for ex in spec.experts:
            m = (
                _full_matrix(ex.matrix)
                if ex.matrix is not None
                else _judgment_matrix(ex.judgments, order)
            )
            if np.isnan(m).any():
                m = _complete(node_id, m, order, spec)
            mats.append(m)
        g = group_priorities(
            np.stack(mats),
            [ex.weight for ex in spec.experts],
            aggregation=spec.aggregation,
            method=spec.method,
            ri=spec.ri,
        )
        details: dict[str, Any] = {
            "experts": [ex.name for ex in spec.experts],
            "expert_cr": [float(x) for x in g.expert_cr],
            "kendall_w": g.kendall_w,
            "aggregation": g.aggregation,
        }
        cr = g.group_cr
        # AIP has no group matrix: the node is consistent when every retained expert is
        used = np.asarray(g.used_weights) > 0
        consistent = (
            bool(cr < spec.threshold)
            if cr is not None
            else bool((np.asarray(g.expert_cr)[used] < spec.threshold).all())
        )
        return NodeWeights(
            node_id,
            kids,
            np.asarray(g.weights)[perm],
            "pairwise",
            f"group {g.aggregation} / {g.method}",
            cr=cr,
            ri_table=g.ri_table,
            consistent=consistent,
            threshold=spec.threshold,
            details=details,
        )
    if spec.matrix is not None:
        a = _full_matrix(spec.matrix)
    else:
        a = _judgment_matrix(spec.judgments, order)
    if np.isnan(a).any():
        return _incomplete(node_id, a, kids, perm, spec)
    r = ahp_priorities(a, method=spec.method, ri=spec.ri, threshold=spec.threshold)
    return NodeWeights(
        node_id,
        kids,
        np.asarray(r.weights)[perm],
        "pairwise",
        r.method,
        lambda_max=float(r.lambda_max),
        ci=float(r.ci),
        cr=float(r.cr),
        ri=r.ri,
        ri_table=r.ri_table,
        consistent=bool(r.consistent),
        threshold=r.threshold,
    )


def _complete(
    node_id: str, a: FloatArray, order: tuple[str, ...], spec: PairwiseWeights
) -> FloatArray:
    from evalsys.weights.incomplete import incomplete_priorities

    r = incomplete_priorities(a, method=spec.incomplete_method, ri=spec.ri, labels=order)
    return np.asarray(r.completed, dtype=np.float64)


def _incomplete(
    node_id: str, a: FloatArray, kids: tuple[str, ...], perm: list[int], spec: PairwiseWeights
) -> NodeWeights:
    from evalsys.weights.incomplete import incomplete_priorities

    order = spec.order if spec.order is not None else kids
    r = incomplete_priorities(
        a, method=spec.incomplete_method, ri=spec.ri, labels=order, threshold=spec.threshold
    )
    missing = int(np.isnan(a).sum() // 2)
    return NodeWeights(
        node_id,
        kids,
        np.asarray(r.weights)[perm],
        "pairwise",
        f"incomplete {r.method}",
        lambda_max=float(r.lambda_max),
        ci=float(r.ci),
        cr=float(r.cr),
        ri=float(r.ri),
        ri_table=r.ri_table,
        consistent=bool(r.consistent),
        threshold=spec.threshold,
        details={"missing_judgments": missing},
    )


def _fuzzy(node_id: str, spec: FuzzyWeights, kids: tuple[str, ...]) -> NodeWeights:
    from evalsys.weights.fuzzy_ahp import fuzzy_ahp

    tfn = np.array([[[parse_number(x) for x in t] for t in row] for row in spec.matrix])
    r = fuzzy_ahp(tfn, method=spec.method, defuzzify=spec.defuzzify)
    perm = _ordered(spec, kids)
    return NodeWeights(
        node_id,
        kids,
        np.asarray(r.weights)[perm],
        "fuzzy_pairwise",
        f"{r.method} / {spec.defuzzify}",
    )


def _objective(
    node_id: str, method: str, kids: tuple[str, ...], utilities: FloatArray | None
) -> tuple[FloatArray, str]:
    from evalsys.weights.objective import objective_weights

    if utilities is None:
        raise EvalsysError(
            f"objective weights ({method}) are computed from data; pass the entities' data "
            "(evalsys weights TREE --data FILE)",
            node=node_id,
        )
    r = objective_weights(utilities, method=method, directions="benefit", names=list(kids))
    return np.asarray(r.weights), r.method


def node_weights(
    compiled: CompiledTree, node: int, utilities: FloatArray | None = None
) -> NodeWeights:
    """Local weights of internal node ``node`` (compiled index) from its specification.

    ``utilities`` is the (E, C) matrix of the children's normalised values (benefit
    direction, in [0, 1]); it is needed only by objective and combined specifications.
    """
    spec_node = compiled.spec.node(compiled.node_ids[node])
    if not isinstance(spec_node, DimensionNode):
        raise TreeSpecError("only dimension nodes have weights", node=spec_node.id)
    kids = tuple(compiled.node_ids[c] for c in compiled.children(node))
    w = spec_node.weights
    nid = spec_node.id
    if isinstance(w, EqualWeights):
        return NodeWeights(nid, kids, np.full(len(kids), 1.0 / len(kids)), "equal", "equal")
    if isinstance(w, DirectWeights):
        return NodeWeights(nid, kids, np.array([w.values[k] for k in kids]), "direct", "direct")
    if isinstance(w, PairwiseWeights):
        return _pairwise(nid, w, kids)
    if isinstance(w, FuzzyWeights):
        return _fuzzy(nid, w, kids)
    if isinstance(w, ObjectiveWeights):
        ow, name = _objective(nid, w.method, kids, utilities)
        return NodeWeights(nid, kids, ow, "objective", name)
    if isinstance(w, CombinedWeights):
        from evalsys.weights.objective import combine_weights

        sub = w.subjective
        if isinstance(sub, PairwiseWeights):
            base = _pairwise(nid, sub, kids)
        elif isinstance(sub, FuzzyWeights):
            base = _fuzzy(nid, sub, kids)
        else:
            base = NodeWeights(
                nid, kids, np.array([sub.values[k] for k in kids]), "direct", "direct"
            )
        ow, oname = _objective(nid, w.objective, kids, utilities)
        c = combine_weights(base.weights, ow, rule=w.rule, alpha=w.alpha)
        return NodeWeights(
            nid,
            kids,
            np.asarray(c.weights),
            "combined",
            f"{base.method} + {oname} ({c.rule})",
            lambda_max=base.lambda_max,
            ci=base.ci,
            cr=base.cr,
            ri=base.ri,
            ri_table=base.ri_table,
            consistent=base.consistent,
            threshold=base.threshold,
            details={
                "subjective": [float(x) for x in base.weights],
                "objective": [float(x) for x in ow],
                "coefficients": [float(x) for x in c.coefficients],
            },
        )
    raise TreeSpecError(f"unsupported weight specification {type(w).__name__}", node=nid)
    # pragma: no cover


def tree_weights(compiled: CompiledTree, utilities: FloatArray | None = None) -> TreeWeights:
    """Local and global weights of every node, with per-node and per-level consistency.

    Parameters
    ----------
    compiled
        The compiled tree.
    utilities
        (E, L) normalised leaf values (benefit direction, in [0, 1]) of the entities being
        scored, in leaf order; needed only when a node uses objective or combined weights.

    Raises
    ------
    EvalsysError
        A node needs data and none was given; any error of the weighting engines, with the
        node id added.
    """
    from evalsys.weights.consistency import hierarchical_cr

    n = compiled.n_nodes
    local = np.ones(n)
    reports: list[NodeWeights] = []
    leaf_pos = {int(node): j for j, node in enumerate(compiled.leaf_nodes)}
    for i in range(n):
        if compiled.height[i] == 0:
            continue
        kids = compiled.children(i)
        util = None
        if utilities is not None and all(int(c) in leaf_pos for c in kids):
            util = utilities[:, [leaf_pos[int(c)] for c in kids]]
        try:
            nw = node_weights(compiled, i, util)
        except EvalsysError as exc:
            raise exc.with_context(node=compiled.node_ids[i]) from None
        local[kids] = nw.weights
        reports.append(nw)
    glob = compiled.global_weights(local)
    levels = []
    by_id = {r.node_id: r for r in reports}
    for d in range(int(compiled.depth.max()) + 1):
        at = [i for i in np.flatnonzero(compiled.depth == d) if compiled.height[i] > 0]
        judged = [
            i
            for i in at
            if by_id[compiled.node_ids[i]].ci is not None
            and by_id[compiled.node_ids[i]].ri is not None
        ]
        if not judged:
            continue
        a = glob[judged]
        ci = np.array([by_id[compiled.node_ids[i]].ci for i in judged], dtype=np.float64)
        ri = np.array([by_id[compiled.node_ids[i]].ri for i in judged], dtype=np.float64)
        cr = float(hierarchical_cr(a, ci, ri))
        threshold = min(by_id[compiled.node_ids[i]].threshold or 0.1 for i in judged)
        levels.append(
            LevelConsistency(d, tuple(compiled.node_ids[i] for i in judged), cr, cr < threshold)
        )
    local.flags.writeable = False
    glob.flags.writeable = False
    return TreeWeights(
        compiled.spec.id, compiled.node_ids, local, glob, tuple(reports), tuple(levels)
    )
