"""Expert surveys into trees: a judgment matrix per expert and node, CR per expert,
screening, group aggregation, and a new tree file with the judgments embedded.

The steps of :func:`~evalsys.weights.survey_write.apply_survey` (``evalsys survey``):

1. :func:`~evalsys.weights.survey.read_survey` checks the answers against the tree;
2. :func:`expert_matrices` builds one ``(n, n)`` matrix per expert and judged node; a pair
   an expert did not answer is an error naming the expert, node and pair, unless
   incomplete matrices are allowed (NaN marks the gap);
3. :func:`survey_weights` completes incomplete matrices as the tree does (the node's
   ``incomplete_method``), computes every expert's CR with
   :func:`~evalsys.weights.group.group_priorities`, flags it against the node's
   ``threshold``, screens out the experts with ``CR >= cr_max`` and aggregates the others
   (AIJ or AIP); the new tree holds a ``pairwise`` spec with the retained ``experts`` per
   judged node (the file format has no screening, so the screened-out experts are left
   out and named in its ``source``); ``method``, ``ri``, ``threshold`` and
   ``incomplete_method`` are kept from the node's previous pairwise spec;
4. :func:`~evalsys.weights.survey_write.write_survey_tree` writes it atomically, never
   over an input file.

The group weights reported are computed exactly as :mod:`evalsys.weights.hierarchy`
computes them from the new tree, so ``evalsys weights`` shows the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._arrays import readonly
from evalsys.errors import DataError, EvalsysError
from evalsys.model.tree import TreeSpec
from evalsys.model.weights_spec import CombinedWeights, PairwiseWeights
from evalsys.weights.survey import (
    Answer,
    SurveyAnswers,
    expert_sort_key,
    format_judgment,
)

__all__ = [
    "ExpertMatrices",
    "NodeSurvey",
    "SurveyResult",
    "expert_matrices",
    "survey_weights",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ExpertMatrices:
    """The judgment matrices of the experts who judged one node.

    ``matrices`` is ``(K, n, n)`` over ``children`` (file order), NaN where an expert did
    not answer; ``missing`` counts each expert's unanswered pairs.
    """

    node: str
    children: tuple[str, ...]
    experts: tuple[str, ...]
    matrices: FloatArray
    missing: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class NodeSurvey:
    """One judged node: every expert's CR, the screening and the group weights.

    Attributes
    ----------
    node, children, experts, matrices, missing
        As in :class:`ExpertMatrices`.
    completed
        ``(K, n, n)`` the matrices with missing judgments completed (the node's
        ``incomplete_method``), on which the CRs are computed.
    expert_cr
        ``(K,)`` each expert's CR (by the node's ``method`` and ``ri``).
    threshold
        The node's CR threshold; ``flagged`` lists the experts with ``CR >= threshold``.
    screened_out, retained
        Experts left out by ``CR >= cr_max``, and the others (written to the tree).
    weights
        ``(n,)`` group weights of the retained experts, over ``children``.
    group_cr
        CR of the aggregated matrix (AIJ); ``None`` for AIP.
    consistent
        As ``evalsys weights`` reports it: ``group_cr < threshold`` (AIJ), or every
        retained expert below the threshold (AIP).
    aggregation, method, ri_table
        Canonical names of what produced the weights.
    kendall_w
        Agreement of the retained experts' rankings (``None`` when undefined).
    """

    node: str
    children: tuple[str, ...]
    experts: tuple[str, ...]
    matrices: FloatArray
    missing: tuple[int, ...]
    completed: FloatArray
    expert_cr: FloatArray
    threshold: float
    screened_out: tuple[str, ...]
    retained: tuple[str, ...]
    weights: FloatArray
    group_cr: float | None
    consistent: bool
    aggregation: str
    method: str
    ri_table: str
    kendall_w: float | None
    incomplete_method: str = "llsm"
    expert_weights: tuple[float, ...] = field(default=())

    @property
    def flagged(self) -> tuple[str, ...]:
        """Experts whose CR is at or above the node's threshold."""
        return tuple(
            e for e, cr in zip(self.experts, self.expert_cr, strict=True) if cr >= self.threshold
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "children": list(self.children),
            "experts": list(self.experts),
            "expert_cr": [float(x) for x in self.expert_cr],
            "missing_pairs": list(self.missing),
            "threshold": self.threshold,
            "flagged": list(self.flagged),
            "screened_out": list(self.screened_out),
            "retained": list(self.retained),
            "weights": [float(w) for w in self.weights],
            "group_cr": self.group_cr,
            "consistent": self.consistent,
            "aggregation": self.aggregation,
            "method": self.method,
            "ri_table": self.ri_table,
            "kendall_w": self.kendall_w,
        }


@dataclass(frozen=True, slots=True)
class SurveyResult:
    """A survey applied to a tree: the new tree and what each judged node got."""

    tree: TreeSpec
    answers: SurveyAnswers
    nodes: tuple[NodeSurvey, ...]
    aggregation: str
    cr_max: float | None
    allow_incomplete: bool

    def node(self, node_id: str) -> NodeSurvey:
        """The result of node ``node_id`` (KeyError if the survey did not judge it)."""
        for n in self.nodes:
            if n.node == node_id:
                return n
        raise KeyError(node_id)

    def cr_rows(self) -> list[dict[str, Any]]:
        """The CR table: one row per expert × judged node, nodes in tree order."""
        return [
            {
                "expert": e,
                "node": n.node,
                "cr": float(cr),
                "threshold": n.threshold,
                "flagged": bool(cr >= n.threshold),
                "screened_out": e in n.screened_out,
                "missing_pairs": miss,
            }
            for n in self.nodes
            for e, cr, miss in zip(n.experts, n.expert_cr, n.missing, strict=True)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "tree": self.tree.id,
            "survey": self.answers.file,
            "layout": self.answers.layout,
            "scale": self.answers.scale,
            "aggregation": self.aggregation,
            "cr_max": self.cr_max,
            "allow_incomplete": self.allow_incomplete,
            "experts": list(self.answers.experts),
            "ignored_columns": list(self.answers.ignored_columns),
            "nodes": [n.to_dict() for n in self.nodes],
            "cr": self.cr_rows(),
        }


# ------------------------------------------------------------------------ matrices


def _missing_error(
    answers: SurveyAnswers,
    node: str,
    expert: str,
    gaps: list[tuple[str, str]],
    blanks: Mapping[tuple[str, str], Answer],
) -> DataError:
    a, b = gaps[0]
    blank = blanks.get((a, b))
    column: str | None = None
    if blank is not None:
        row: int | None = blank.row
        column = blank.column
        detail = "the cell is blank"
    elif answers.layout == "wide":
        row = answers.expert_rows.get(expert)
        detail = f"no column '{node}:{a}~{b}' asks it"
    else:
        row = None
        detail = "no row answers it"
    where = (f"row {row}, " if row is not None else "") + f"expert '{expert}'"
    more = ""
    if len(gaps) > 1:
        shown = ", ".join(f"{x}~{y}" for x, y in gaps[1:4]) + (", …" if len(gaps) > 4 else "")
        more = f"; {len(gaps) - 1} more pair(s) of this node unanswered: {shown}"
    return DataError(
        f"{where}: did not answer pair {a}~{b} ({detail}){more}; answer every pair, or allow "
        "incomplete matrices (--allow-incomplete)",
        file=answers.file,
        node=node,
        column=column,
    )


def expert_matrices(
    answers: SurveyAnswers, tree: TreeSpec, *, allow_incomplete: bool = False
) -> tuple[ExpertMatrices, ...]:
    """One judgment matrix per expert for every node the survey judges.

    An expert who answered none of a node's pairs does not judge that node.

    Raises
    ------
    DataError
        An expert left a pair unanswered and ``allow_incomplete`` is false; the message
        names the file, node, expert, pair and (where there is one) the row and column.
    """
    out: list[ExpertMatrices] = []
    for node in answers.nodes:
        kids = tree.children(node)
        n = len(kids)
        pos = {k: i for i, k in enumerate(kids)}
        by_expert: dict[str, list[Answer]] = {}
        for ans in answers.answers:
            if ans.node == node:
                by_expert.setdefault(ans.expert, []).append(ans)
        experts: list[str] = []
        mats: list[FloatArray] = []
        missing: list[int] = []
        for expert in sorted(by_expert, key=expert_sort_key):
            given = [(x, x.value) for x in by_expert[expert] if x.value is not None]
            if not given:
                continue
            m = np.full((n, n), np.nan)
            np.fill_diagonal(m, 1.0)
            for x, v in given:
                i, j = pos[x.a], pos[x.b]
                m[i, j], m[j, i] = v, 1.0 / v
            gaps = [
                (kids[i], kids[j]) for i in range(n) for j in range(i + 1, n) if math.isnan(m[i, j])
            ]
            if gaps and not allow_incomplete:
                blanks = {(x.a, x.b): x for x in by_expert[expert] if x.value is None}
                raise _missing_error(answers, node, expert, gaps, blanks)
            experts.append(expert)
            mats.append(m)
            missing.append(len(gaps))
        out.append(
            ExpertMatrices(
                node, tuple(kids), tuple(experts), readonly(np.stack(mats)), tuple(missing)
            )
        )
    return tuple(out)


def _pairwise_base(tree: TreeSpec, node: str) -> PairwiseWeights | None:
    w = getattr(tree.node(node), "weights", None)
    if isinstance(w, CombinedWeights):
        w = w.subjective
    return w if isinstance(w, PairwiseWeights) else None


def _complete(
    m: FloatArray, em: ExpertMatrices, expert: str, method: str, ri: str, file: str | None
) -> FloatArray:
    """``m`` completed as :mod:`evalsys.weights.hierarchy` completes an expert's judgments."""
    if not np.isnan(m).any():
        return m
    from evalsys.weights.incomplete import incomplete_priorities

    try:
        r = incomplete_priorities(m, method=method, ri=ri, labels=em.children)
    except EvalsysError as exc:
        raise type(exc)(f"expert '{expert}': {exc.message}", file=file, node=em.node) from None
    return np.asarray(r.completed, dtype=np.float64)


def _node_survey(
    em: ExpertMatrices,
    base: PairwiseWeights | None,
    lam: list[float],
    aggregation: str,
    cr_max: float | None,
    file: str | None,
) -> NodeSurvey:
    from evalsys.weights.group import group_priorities

    method = base.method if base is not None else "eigenvector"
    ri = base.ri if base is not None else "saaty1980"
    threshold = base.threshold if base is not None else 0.10
    inc = base.incomplete_method if base is not None else "llsm"
    completed = np.stack(
        [_complete(m, em, e, inc, ri, file) for m, e in zip(em.matrices, em.experts, strict=True)]
    )
    try:
        screen = group_priorities(
            completed, lam, aggregation=aggregation, method=method, ri=ri, cr_max=cr_max
        )
    except EvalsysError as exc:
        raise exc.with_context(file=file, node=em.node) from None
    keep = [k for k in range(len(em.experts)) if k not in screen.screened_out]
    # the call evalsys.weights.hierarchy makes for the retained experts of the new tree
    g = group_priorities(
        completed[keep], [lam[k] for k in keep], aggregation=aggregation, method=method, ri=ri
    )
    if g.group_cr is not None:
        consistent = bool(g.group_cr < threshold)
    else:  # AIP has no group matrix: consistent when every retained expert is
        consistent = bool((np.asarray(g.expert_cr) < threshold).all())
    return NodeSurvey(
        node=em.node,
        children=em.children,
        experts=em.experts,
        matrices=em.matrices,
        missing=em.missing,
        completed=readonly(completed),
        expert_cr=readonly(np.array(screen.expert_cr)),
        threshold=threshold,
        screened_out=tuple(em.experts[k] for k in screen.screened_out),
        retained=tuple(em.experts[k] for k in keep),
        weights=readonly(np.array(g.weights)),
        group_cr=g.group_cr,
        consistent=consistent,
        aggregation=g.aggregation,
        method=g.method,
        ri_table=g.ri_table,
        kendall_w=g.kendall_w,
        incomplete_method=inc,
        expert_weights=tuple(lam),
    )


def _expert_entry(ns: NodeSurvey, k: int) -> dict[str, Any]:
    m = ns.matrices[k]
    entry: dict[str, Any] = {"name": ns.experts[k]}
    if ns.expert_weights[k] != 1.0:
        entry["weight"] = ns.expert_weights[k]
    if ns.missing[k] == 0:
        entry["matrix"] = [[format_judgment(float(x)) for x in row] for row in m]
    else:
        n = len(ns.children)
        entry["judgments"] = [
            [ns.children[i], ns.children[j], format_judgment(float(m[i, j]))]
            for i in range(n)
            for j in range(i + 1, n)
            if not math.isnan(m[i, j])
        ]
    return entry


def _embed(
    tree: TreeSpec, nodes: tuple[NodeSurvey, ...], answers: SurveyAnswers, cr_max: float | None
) -> TreeSpec:
    """``tree`` with a pairwise ``experts`` spec (the retained experts) on every judged node."""
    from evalsys.model.io import tree_from_dict, tree_to_dict

    data = tree_to_dict(tree)
    entries = {str(e["id"]): e for e in data["nodes"]}
    name = Path(answers.file).name if answers.file else "survey"
    for ns in nodes:
        keep = [ns.experts.index(e) for e in ns.retained]
        source = (
            f"expert survey {name}: {len(keep)} experts ({', '.join(ns.retained)}), "
            f"{answers.layout} layout, {answers.scale} scale"
        )
        if ns.screened_out:
            source += f"; screened out at CR >= {cr_max:g}: {', '.join(ns.screened_out)}"
        spec: dict[str, Any] = {
            "type": "pairwise",
            "experts": [_expert_entry(ns, k) for k in keep],
            "method": ns.method,
            "ri": ns.ri_table,
            "threshold": ns.threshold,
            "aggregation": ns.aggregation,
            "incomplete_method": ns.incomplete_method,
            "source": source,
        }
        entry = entries[ns.node]
        if isinstance(getattr(tree.node(ns.node), "weights", None), CombinedWeights):
            entry["weights"]["subjective"] = spec
        else:
            entry["weights"] = spec
    return tree_from_dict(data)


def survey_weights(
    tree: TreeSpec,
    answers: SurveyAnswers,
    *,
    aggregation: str = "aij",
    cr_max: float | None = None,
    allow_incomplete: bool = False,
    expert_weights: Mapping[str, float] | None = None,
) -> SurveyResult:
    """Judgment matrices, CR per expert, screening and group weights of every judged node.

    Parameters
    ----------
    tree
        The tree the survey judges (not modified).
    answers
        The checked answers (:func:`~evalsys.weights.survey.read_survey`).
    aggregation
        ``"aij"``, ``"aip_geometric"`` or ``"aip_arithmetic"`` (see
        :data:`evalsys.weights.group.AGGREGATIONS`).
    cr_max
        If given, an expert's matrix with ``CR >= cr_max`` is left out of its node.
    allow_incomplete
        Accept unanswered pairs (incomplete matrices, completed by the node's
        ``incomplete_method``); otherwise they are an error.
    expert_weights
        Positive weight of each expert by name (default 1 each).

    Returns
    -------
    SurveyResult
        The new tree (a ``pairwise`` ``experts`` spec on each judged node) and per node the
        experts' CRs, the screening and the group weights.

    Raises
    ------
    DataError
        An unanswered pair (see :func:`expert_matrices`), a bad ``cr_max`` or expert weight.
    MatrixError
        An expert's incomplete judgments do not connect the children, or every expert of a
        node fails the screening (the message lists the CRs).
    UnknownMethodError
        Unknown ``aggregation``.
    """
    from evalsys.weights.group import AGGREGATIONS

    agg = AGGREGATIONS.canonical(aggregation)
    if cr_max is not None and not (math.isfinite(cr_max) and cr_max > 0):
        raise DataError(f"cr_max must be a positive number; got {cr_max}")
    weights = dict(expert_weights or {})
    unknown = sorted(set(weights) - set(answers.experts), key=expert_sort_key)
    if unknown:
        raise DataError(f"expert weights name experts not in the survey: {', '.join(unknown)}")
    bad = [e for e, w in weights.items() if not (math.isfinite(w) and w > 0)]
    if bad:
        raise DataError(f"expert weights must be positive numbers (check {', '.join(bad)})")
    nodes = tuple(
        _node_survey(
            em,
            _pairwise_base(tree, em.node),
            [float(weights.get(e, 1.0)) for e in em.experts],
            agg,
            cr_max,
            answers.file,
        )
        for em in expert_matrices(answers, tree, allow_incomplete=allow_incomplete)
    )
    new = _embed(tree, nodes, answers, cr_max)
    return SurveyResult(new, answers, nodes, agg, cr_max, allow_incomplete)
