"""The editable judgments of a tree: the Saaty scale as the editor writes it, and blocks.

A :class:`Block` is one set of pairwise judgments the editor can change — the matrix of a
dimension with ``type: pairwise`` (also as the subjective half of ``type: combined``), or
one expert's matrix of a group; :func:`tree_blocks` lists them for a validated
:class:`~evalsys.model.tree.TreeSpec`.  :func:`scale_value` turns a judgment typed by a
user into its canonical text on the 1–9 scale (``"3"``, ``"1/3"``) or refuses it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from evalsys.errors import EvalsysError
from evalsys.model.nodes import DimensionNode
from evalsys.model.tree import TreeSpec
from evalsys.model.weights_spec import CombinedWeights, PairwiseWeights, parse_number

__all__ = ["SCALE", "Block", "EditError", "reciprocal", "scale_value", "tree_blocks"]

#: The Saaty scale as written in tree files, strongest preference first: 9 … 2, 1, 1/2 … 1/9.
SCALE: tuple[str, ...] = (
    *(str(k) for k in range(9, 1, -1)),
    "1",
    *(f"1/{k}" for k in range(2, 10)),
)

_SCALE_VALUES: dict[Fraction, str] = {Fraction(t): t for t in SCALE}


class EditError(EvalsysError):
    """An edit or save that the editor refuses; the document and the file are unchanged."""


def scale_value(value: object) -> str:
    """The canonical text (``"3"``, ``"1/3"``) of a judgment on Saaty's 1–9 scale.

    Parameters
    ----------
    value
        A number or a string such as ``"1/3"``; floats within 1e-9 (relative) of a scale
        value are accepted (``0.5`` gives ``"1/2"``).

    Returns
    -------
    str
        One of :data:`SCALE`.

    Raises
    ------
    EditError
        Not a number, or not on the scale.

    Examples
    --------
    >>> scale_value(0.25), scale_value("1/3"), scale_value(7)
    ('1/4', '1/3', '7')
    """
    try:
        x = parse_number(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, AttributeError):
        raise EditError(f"judgment {value!r} is not a number or a fraction like '1/3'") from None
    if math.isfinite(x) and x > 0:
        for frac, text in _SCALE_VALUES.items():
            if math.isclose(x, float(frac), rel_tol=1e-9):
                return text
    raise EditError(f"judgment {value!r} is off the Saaty scale; use 1–9 or a reciprocal 1/2 … 1/9")


def reciprocal(text: str) -> str:
    """The scale text of ``1 / text`` for a text of :data:`SCALE` (``"3"`` → ``"1/3"``)."""
    return _SCALE_VALUES[1 / Fraction(text)]


@dataclass(frozen=True, slots=True)
class Block:
    """One editable set of pairwise judgments: a dimension's matrix, or one expert's.

    Attributes
    ----------
    node, expert
        The dimension's id and the expert's 0-based index (``None`` without experts).
    expert_name
        The expert's name, or ``None``.
    labels, names
        Child ids and names in matrix row order (``order``, else file order).
    complete
        True for a full ``matrix``, False for an incomplete ``judgments`` list.
    values
        ``values[i][j]`` as written in the file (``"1/3"``, ``2``); for a ``judgments``
        list the mirrored entry is its reciprocal as a float, and ``None`` marks a missing
        judgment.
    method, ri, threshold, incomplete_method
        The specification's settings.
    """

    node: str
    expert: int | None
    expert_name: str | None
    labels: tuple[str, ...]
    names: tuple[str, ...]
    complete: bool
    values: tuple[tuple[float | str | None, ...], ...]
    method: str
    ri: str
    threshold: float
    incomplete_method: str

    @property
    def key(self) -> str:
        """``"node"`` or ``"node#k"`` for expert ``k``: the block's name in the JSON API."""
        return self.node if self.expert is None else f"{self.node}#{self.expert}"

    def matrix(self) -> list[list[float]]:
        """The judgments as floats, NaN where missing (rows in :attr:`labels` order)."""
        return [[math.nan if v is None else parse_number(v) for v in row] for row in self.values]


def pairwise_spec(node: DimensionNode) -> PairwiseWeights | None:
    """The pairwise specification of ``node`` (also inside ``combined``), else ``None``."""
    w = node.weights
    if isinstance(w, CombinedWeights):
        w = w.subjective
    return w if isinstance(w, PairwiseWeights) else None


def tree_blocks(spec: TreeSpec) -> dict[tuple[str, int | None], Block]:
    """Every editable block of ``spec`` by ``(node id, expert index or None)``, file order."""
    names = {n.id: n.name for n in spec.nodes}
    out: dict[tuple[str, int | None], Block] = {}
    for node in spec.nodes:
        if not isinstance(node, DimensionNode) or (pw := pairwise_spec(node)) is None:
            continue
        labels = tuple(pw.order) if pw.order is not None else tuple(spec.children(node.id))
        pos = {k: i for i, k in enumerate(labels)}
        n = len(labels)
        sources = (
            [(None, None, pw.matrix, pw.judgments)]
            if pw.experts is None
            else [(k, e.name, e.matrix, e.judgments) for k, e in enumerate(pw.experts)]
        )
        for expert, name, matrix, judgments in sources:
            if matrix is not None:
                values: list[list[float | str | None]] = [list(r) for r in matrix]
            else:
                values = [[1 if i == j else None for j in range(n)] for i in range(n)]
                for jd in judgments or ():
                    i, j = pos[jd.row], pos[jd.col]
                    values[i][j] = jd.value
                    values[j][i] = 1.0 / parse_number(jd.value)
            out[(node.id, expert)] = Block(
                node=node.id,
                expert=expert,
                expert_name=name,
                labels=labels,
                names=tuple(names[k] for k in labels),
                complete=matrix is not None,
                values=tuple(tuple(r) for r in values),
                method=pw.method,
                ri=pw.ri,
                threshold=pw.threshold,
                incomplete_method=pw.incomplete_method,
            )
    return out
