"""CompiledTree: the read-only array form of a :class:`~evalsys.model.tree.TreeSpec`.

Built once per tree; the weighting and scoring engines loop over its *levels* (a handful),
never over entities.  Node order is breadth-first from the root, children in file order;
leaf order (the column order of the raw matrix X) is depth-first in file order, which is
also the order of :meth:`TreeSpec.leaves`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.model.tree import TreeSpec

__all__ = ["CompiledTree", "Level", "compile_tree"]

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Level:
    """One evaluation step: parents of one height and all their children.

    Attributes
    ----------
    height
        Longest distance from these parents down to a leaf (1 = parents of leaves only).
    parents
        Node indices of the parents, shape (P,).
    children
        Node indices of every child of those parents, shape (C,).
    parent_of_child
        Position (0..P-1) in ``parents`` of each child's parent, shape (C,).
    """

    height: int
    parents: IntArray
    children: IntArray
    parent_of_child: IntArray

    def level_matrix(self, local: FloatArray) -> FloatArray:
        """The (P, C) weight matrix A of this level from per-node local weights (N,)."""
        a = np.zeros((self.parents.size, self.children.size))
        a[self.parent_of_child, np.arange(self.children.size)] = local[self.children]
        return a


@dataclass(frozen=True, eq=False)
class CompiledTree:
    """Arrays describing the tree's structure (read-only).

    Attributes
    ----------
    spec
        The source tree.
    node_ids
        Node ids in breadth-first order (root first), length N.
    parent
        Index of each node's parent, -1 for the root, shape (N,).
    depth
        Depth of each node (root 0), shape (N,).
    height
        Height of each node (leaves 0), shape (N,).
    leaf_nodes
        Node index of each leaf in X-column order, shape (L,).
    levels
        Evaluation steps ordered bottom-up (height 1 first).
    grade_scores
        Score of each grade, best first, shape (G,).
    """

    spec: TreeSpec
    node_ids: tuple[str, ...]
    parent: IntArray
    depth: IntArray
    height: IntArray
    leaf_nodes: IntArray
    levels: tuple[Level, ...]
    grade_scores: FloatArray

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def n_leaves(self) -> int:
        return int(self.leaf_nodes.size)

    @property
    def n_grades(self) -> int:
        return int(self.grade_scores.size)

    @property
    def score_range(self) -> tuple[float, float]:
        """(lowest, highest) grade score: the range of the weighted grade scores."""
        return float(self.grade_scores.min()), float(self.grade_scores.max())

    @cached_property
    def index(self) -> dict[str, int]:
        """node id → node index."""
        return {nid: i for i, nid in enumerate(self.node_ids)}

    @cached_property
    def leaf_ids(self) -> tuple[str, ...]:
        return tuple(self.node_ids[i] for i in self.leaf_nodes)

    def children(self, node: int) -> IntArray:
        """Child node indices of ``node`` in file order."""
        return np.flatnonzero(self.parent == node)

    @cached_property
    def dimensions(self) -> IntArray:
        """Indices of the root's children (the first-level dimensions)."""
        return self.children(0)

    @cached_property
    def graph(self) -> Any:
        """The tree as a networkx DiGraph (parent → child), built on first use."""
        import networkx as nx

        g: Any = nx.DiGraph()
        for i, nid in enumerate(self.node_ids):
            g.add_node(nid, depth=int(self.depth[i]))
            if self.parent[i] >= 0:
                g.add_edge(self.node_ids[self.parent[i]], nid)
        return g

    def global_weights(self, local: FloatArray) -> FloatArray:
        """Global weight of every node: product of local weights on the path from the root.

        ``local`` has shape (N,) (the root's entry is ignored and taken as 1), or (S, N)
        for S weight samples; the result has the same shape.
        """
        glob = np.array(local, dtype=np.float64, copy=True)
        glob[..., 0] = 1.0
        # breadth-first order: a parent is always before its children
        for d in range(1, int(self.depth.max()) + 1):
            at = np.flatnonzero(self.depth == d)
            glob[..., at] = glob[..., self.parent[at]] * local[..., at]
        return glob


def compile_tree(spec: TreeSpec) -> CompiledTree:
    """Compile a checked :class:`TreeSpec` into arrays (see :class:`CompiledTree`)."""
    kids: dict[str, list[str]] = {}
    for n in spec.nodes:
        if n.parent is not None:
            kids.setdefault(n.parent, []).append(n.id)
    root = spec.root.id
    order = [root]
    parent_of: dict[str, str | None] = {root: None}
    for nid in order:  # grows while iterating: breadth-first
        for c in kids.get(nid, []):
            parent_of[c] = nid
            order.append(c)
    index = {nid: i for i, nid in enumerate(order)}
    parent = np.array([index.get(parent_of[n] or "", -1) for n in order], dtype=np.intp)
    depth = np.zeros(len(order), dtype=np.intp)
    for i in range(1, len(order)):
        depth[i] = depth[parent[i]] + 1
    height = np.zeros(len(order), dtype=np.intp)
    for i in range(len(order) - 1, 0, -1):  # children after parents: reverse BFS
        height[parent[i]] = max(height[parent[i]], height[i] + 1)

    leaf_nodes = np.array([index[leaf.id] for leaf in spec.leaves()], dtype=np.intp)
    levels = []
    for h in range(1, int(height[0]) + 1):
        parents = np.flatnonzero(height == h)
        children = np.flatnonzero(np.isin(parent, parents))
        pos = np.searchsorted(parents, parent[children])
        levels.append(Level(h, parents, children, pos.astype(np.intp)))
    for arr in (parent, depth, height, leaf_nodes):
        arr.flags.writeable = False
    grade_scores = np.array([g.score for g in spec.grades], dtype=np.float64)
    grade_scores.flags.writeable = False
    return CompiledTree(
        spec=spec,
        node_ids=tuple(order),
        parent=parent,
        depth=depth,
        height=height,
        leaf_nodes=leaf_nodes,
        levels=tuple(levels),
        grade_scores=grade_scores,
    )
