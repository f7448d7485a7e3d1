"""The indicator-tree file format, as frozen pydantic models.

A tree file (YAML or JSON, same schema) holds a flat list of ``nodes``; each names its
``parent`` (``null`` for the root).  Internal nodes (``kind: dimension``) carry a weight
specification over their children; leaves are indicators of one of three kinds:

``quantitative``
    A measured value with a ``unit`` and a ``direction`` (benefit / cost / target /
    interval), an optional valid ``range``, fixed normalisation ``bounds`` and a
    ``membership`` specification mapping values to grades.
``rating``
    A survey rating on a 5- or 10-level scale, given as the mean rating (``input: mean``)
    or as votes per grade (``input: votes``, one column per grade).
``checklist``
    Yes/no ``items`` (e.g. HTTPS, AES at rest); data give the number of items met
    (``input: count``) or the share met (``input: share``).

Structural rules (single root, no cycles, no orphans, unique ids, every dimension has a
child, weight specifications that fit the children) are checked by :func:`check_tree`,
which :func:`evalsys.model.io.load_tree` calls so that every error names the file, line and node.

This module owns the tree as a whole: :class:`TreeSpec`, its grades and :func:`check_tree`.
The nodes are in :mod:`evalsys.model.nodes`, the weight specifications of dimensions in
:mod:`evalsys.model.weights_spec`.
"""

from __future__ import annotations

import datetime
import itertools
import math
from typing import Any, Literal

from pydantic import Field, field_validator

from evalsys.errors import TreeSpecError, UnknownMethodError
from evalsys.model.base import ID_PATTERN, FrozenModel, located_error
from evalsys.model.nodes import (
    ChecklistNode,
    DimensionNode,
    Node,
    QuantitativeNode,
    RatingNode,
    membership_size,
)
from evalsys.model.weights_spec import check_weights

__all__ = [
    "DEFAULT_GRADES",
    "SCHEMA_VERSION",
    "Grade",
    "TreeSpec",
    "check_tree",
]

SCHEMA_VERSION: Literal[1] = 1


# --------------------------------------------------------------------------- grades


class Grade(FrozenModel):
    """One grade of the comment set V (評語集), best grade first in the tree's list."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    name_en: str | None = None
    score: float = Field(description="Grade score used by the weighted-average grade principle.")


DEFAULT_GRADES: tuple[Grade, ...] = (
    Grade(id="excellent", name="优", name_en="excellent", score=95.0),
    Grade(id="good", name="良", name_en="good", score=85.0),
    Grade(id="fair", name="中", name_en="fair", score=75.0),
    Grade(id="poor", name="差", name_en="poor", score=60.0),
)
"""The project's own default comment set {优, 良, 中, 差} with scores 95/85/75/60.

The source documents define no grades; this is the usual Chinese convention, documented
in the README as evalsys's default, not as a published standard.
"""


# ------------------------------------------------------------------------------ tree


class TreeSpec(FrozenModel):
    """A whole indicator tree as written in a file (user-facing, frozen).

    Build it with :func:`evalsys.load_tree`, which also runs :func:`check_tree`.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    id: str = Field(pattern=ID_PATTERN)
    name: str
    name_en: str | None = None
    version: str | None = None
    effective_from: datetime.date | None = Field(
        default=None, description="First day these rules apply (ISO date); none = always."
    )
    description: str | None = None
    source: str | None = None
    grades: tuple[Grade, ...] = DEFAULT_GRADES
    validity_threshold: float = Field(
        default=0.5, description="Warn when the maximum-membership validity index is below this."
    )
    nodes: tuple[Node, ...] = Field(min_length=1)

    @field_validator("grades")
    @classmethod
    def _grades_valid(cls, v: tuple[Grade, ...]) -> tuple[Grade, ...]:
        if len(v) < 2:
            raise ValueError("a grade set needs at least 2 grades")
        ids = [g.id for g in v]
        if len(set(ids)) != len(ids):
            raise ValueError(f"grade ids must be unique, got {ids}")
        scores = [g.score for g in v]
        if not all(math.isfinite(x) for x in scores):
            raise ValueError(f"grade scores must be finite numbers, got {scores}")
        if any(b >= a for a, b in itertools.pairwise(scores)):
            raise ValueError(
                f"grades are listed best first, so their scores must strictly decrease; "
                f"got {scores}"
            )
        return v

    # convenient, cached-free accessors (the compiled tree caches what is hot)
    def node(self, node_id: str) -> DimensionNode | QuantitativeNode | RatingNode | ChecklistNode:
        """Return the node with ``node_id`` (KeyError if absent)."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def children(self, node_id: str) -> list[str]:
        """Ids of the children of ``node_id`` in file order."""
        return [n.id for n in self.nodes if n.parent == node_id]

    @property
    def root(self) -> DimensionNode:
        roots = [n for n in self.nodes if n.parent is None]
        if len(roots) != 1 or not isinstance(roots[0], DimensionNode):
            raise TreeSpecError("tree has no single dimension root; run check_tree()")
        return roots[0]

    def leaves(self) -> list[QuantitativeNode | RatingNode | ChecklistNode]:
        """Indicator leaves in depth-first file order (the column order of X)."""
        kids: dict[str | None, list[Any]] = {}
        for n in self.nodes:
            kids.setdefault(n.parent, []).append(n)
        out: list[QuantitativeNode | RatingNode | ChecklistNode] = []
        stack = list(reversed(kids.get(None, [])))
        while stack:
            n = stack.pop()
            if isinstance(n, DimensionNode):
                stack.extend(reversed(kids.get(n.id, [])))
            else:
                out.append(n)
        return out


# ------------------------------------------------------------------ structural check


def _all_reach_root(spec: TreeSpec, index: dict[str, int], root: str) -> bool:
    """Whether every node's chain of parents ends at ``root`` (then there is no cycle and
    no orphan).  Parents exist (checked before); memoised, O(nodes)."""
    ok: set[str] = {root}
    for n in spec.nodes:
        path: list[str] = []
        nid: str | None = n.id
        while nid is not None and nid not in ok:
            if len(path) > len(index):
                return False  # longer than the tree: a cycle
            path.append(nid)
            nid = spec.nodes[index[nid]].parent
        if nid is None:
            return False  # a second top-level node cannot happen (one root); be safe
        ok.update(path)
    return True


def _raise_cycle_or_orphan(spec: TreeSpec, index: dict[str, int], root: str) -> None:
    """The error for a tree whose parent links do not all lead to the root (networkx finds
    the cycle, or the nodes not connected to the root)."""
    import networkx as nx

    graph: Any = nx.DiGraph()
    graph.add_nodes_from(index)
    graph.add_edges_from((n.parent, n.id) for n in spec.nodes if n.parent is not None)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        ids = [u for u, _ in cycle]
        raise located_error(
            f"cycle in parent links: {' -> '.join([*ids, ids[0]])}",
            index[ids[0]],
            ids[0],
            "parent",
        )
    reachable = nx.descendants(graph, root) | {root}
    orphans = [nid for nid in index if nid not in reachable]
    raise located_error(
        f"node is not connected to the root '{root}' (orphans: {', '.join(orphans)})",
        index[orphans[0]],
        orphans[0],
        "parent",
    )


def check_tree(spec: TreeSpec) -> None:
    """Check the structure of ``spec``; raise :class:`TreeSpecError` on the first problem.

    Checks: unique ids; exactly one root; every parent exists and is a dimension; no
    cycles; every node reachable from the root; every dimension has at least one child;
    weight specifications fit the children (matrix size, reciprocity, positivity, direct
    weights per child, known method names); membership specifications have one entry per
    grade.  The raised error carries ``loc`` (a path into the file) so the loader can add
    the line number.
    """
    index: dict[str, int] = {}
    for i, n in enumerate(spec.nodes):
        if n.id in index:
            raise located_error(
                f"duplicate node id '{n.id}' (first defined as node #{index[n.id] + 1})",
                i,
                n.id,
                "id",
            )
        index[n.id] = i

    roots = [i for i, n in enumerate(spec.nodes) if n.parent is None]
    if not roots:
        raise located_error("tree has no root (a node with 'parent: null')", None, None, "nodes")
    if len(roots) > 1:
        names = ", ".join(spec.nodes[i].id for i in roots)
        raise located_error(
            f"tree has {len(roots)} roots ({names}); exactly one is allowed",
            roots[1],
            spec.nodes[roots[1]].id,
            "parent",
        )
    root = spec.nodes[roots[0]]
    if not isinstance(root, DimensionNode):
        raise located_error("the root must be a dimension node", roots[0], root.id, "kind")

    children: dict[str, list[str]] = {nid: [] for nid in index}  # in file order
    for i, n in enumerate(spec.nodes):
        if n.parent is None:
            continue
        if n.parent not in index:
            raise located_error(f"parent '{n.parent}' does not exist", i, n.id, "parent")
        parent = spec.nodes[index[n.parent]]
        if not isinstance(parent, DimensionNode):
            raise located_error(
                f"parent '{n.parent}' is a {parent.kind} indicator; only dimensions have children",
                i,
                n.id,
                "parent",
            )
        children[n.parent].append(n.id)

    if not _all_reach_root(spec, index, root.id):
        _raise_cycle_or_orphan(spec, index, root.id)

    for i, n in enumerate(spec.nodes):
        if isinstance(n, DimensionNode) and not children[n.id]:
            raise located_error("dimension has no children", i, n.id, "kind")
    grades = len(spec.grades)
    for i, n in enumerate(spec.nodes):
        if isinstance(n, DimensionNode):
            kids = children[n.id]
            leaves_only = not any(isinstance(spec.nodes[index[k]], DimensionNode) for k in kids)
            try:
                check_weights(n.weights, kids, i, n.id, ("dimension", "weights"), leaves_only)
            except UnknownMethodError as exc:
                raise located_error(exc.message, i, n.id, "dimension", "weights") from None
        else:
            for k, std in enumerate(n.standards):
                unit = getattr(n, "unit", None)
                if unit is not None and std.unit != unit:
                    raise located_error(
                        f"standard is in '{std.unit}' but the indicator is measured in "
                        f"'{unit}' (convert the limit; units are not converted implicitly)",
                        i,
                        n.id,
                        n.kind,
                        "standards",
                        k,
                        "unit",
                    )
            m = n.membership
            if m is not None and membership_size(m) != grades:
                raise located_error(
                    f"membership has {membership_size(m)} entries but the tree has {grades} grades",
                    i,
                    n.id,
                    n.kind,
                    "membership",
                )
