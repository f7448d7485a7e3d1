"""Fuzzy comprehensive evaluation (模糊综合评价): composition of weights with memberships.

A fuzzy operator :math:`M(\\otimes, \\oplus)` combines a weight vector ``a`` (over the
children of one node) with the membership matrix ``R`` of those children (one row per child,
one column per grade) into the node's membership vector :math:`B = A \\circ R`:

.. math:: b_j = \\bigoplus_i \\, (a_i \\otimes r_{ij})

====================  ======  ===============================================
name                  model   :math:`b_j`
====================  ======  ===============================================
``min_max``           M(∧,∨)  :math:`\\max_i \\min(a_i, r_{ij})` — main factor decides
``product_max``       M(·,∨)  :math:`\\max_i a_i r_{ij}` — main factor prominent
``min_bounded_sum``   M(∧,⊕)  :math:`\\min(1, \\sum_i \\min(a_i, r_{ij}))`
``weighted_average``  M(·,+)  :math:`\\sum_i a_i r_{ij}` — every factor counts
====================  ======  ===============================================

:func:`fce` evaluates one node for one entity (``R`` (L, G)) or a batch (``R`` (E, L, G)).
:func:`fce_level` evaluates a whole tree level at once: weights ``A`` (P parents, C
children) with zeros off the tree, memberships ``R`` (E, C, G) → ``B`` (E, P, G).  Because
``min(0, r) = 0`` and ``0 · r = 0`` and every membership is ≥ 0, an off-tree zero weight
adds nothing under any of the four operators.

Adding an operator touches this file only: build a :class:`FuzzyOperator` from a t-norm
ufunc and an aggregation ufunc and ``OPERATORS.add`` it.

References
----------
.. [1] 汪培庄 (1983). 《模糊集合论及其应用》. 上海科学技术出版社.
.. [2] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社, 第4章.
.. [3] 李洪兴, 汪培庄 (1994). 《模糊数学》. 国防工业出版社. (the four models M(∧,∨),
       M(·,∨), M(∧,⊕), M(·,+) and their properties.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys._registry import Registry
from evalsys.errors import DataError, ShapeError

__all__ = [
    "OPERATORS",
    "FCEResult",
    "FuzzyOperator",
    "fce",
    "fce_level",
    "fuzzy_evaluate",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

#: Elements of float64 scratch space a kernel may allocate per chunk (32 MiB).
_SCRATCH_ELEMENTS = 1 << 22


@dataclass(frozen=True, slots=True)
class FuzzyOperator:
    """A composition operator :math:`M(\\otimes, \\oplus)`.

    Attributes
    ----------
    name
        Registry name, e.g. ``"min_max"``.
    symbol
        Textbook notation, e.g. ``"M(∧,∨)"``.
    combine
        Binary ufunc :math:`\\otimes` applied to (weight, membership): ``np.minimum`` or
        ``np.multiply``.
    aggregate
        Binary ufunc :math:`\\oplus` reduced over the children: ``np.maximum`` or ``np.add``.
    bounded
        Whether the aggregate is capped at 1 (bounded sum :math:`\\oplus`).
    linear
        ``combine`` is ``multiply`` and ``aggregate`` is ``add``: evaluated as a matrix
        product.
    """

    name: str
    symbol: str
    combine: np.ufunc
    aggregate: np.ufunc
    bounded: bool = False
    linear: bool = False


OPERATORS: Registry[FuzzyOperator] = Registry("fuzzy operator")
OPERATORS.add("min_max", FuzzyOperator("min_max", "M(∧,∨)", np.minimum, np.maximum))
OPERATORS.add("product_max", FuzzyOperator("product_max", "M(·,∨)", np.multiply, np.maximum))
OPERATORS.add(
    "min_bounded_sum",
    FuzzyOperator("min_bounded_sum", "M(∧,⊕)", np.minimum, np.add, bounded=True),
)
OPERATORS.add(
    "weighted_average",
    FuzzyOperator("weighted_average", "M(·,+)", np.multiply, np.add, linear=True),
)


@dataclass(frozen=True, slots=True)
class _TreePlan:
    """Grouping of a level's children by their single parent, for segmented reductions."""

    order: IntArray | None  # column permutation making groups contiguous (None: identity)
    weights: FloatArray  # (C,) weight of each (permuted) child for its parent
    starts: IntArray  # first column of each group
    group_parent: IntArray  # parent of each group
    direct: bool  # groups are exactly parents 0..P-1 in order


def _tree_plan(A: FloatArray) -> _TreePlan | None:
    """Plan for A whose columns have at most one nonzero; ``None`` for a general matrix."""
    P, C = A.shape
    nz = A != 0
    counts = nz.sum(axis=0)
    if (counts > 1).any():
        return None
    valid = counts == 1
    if not valid.any():
        return _TreePlan(None, np.zeros(0), np.zeros(0, np.intp), np.zeros(0, np.intp), False)
    parent = np.where(valid, nz.argmax(axis=0), -1)
    # A zero column contributes nothing under any operator (memberships are >= 0), so it can
    # join a neighbouring group: forward-fill, and back-fill the leading ones.
    pos = np.where(valid, np.arange(C), 0)
    np.maximum.accumulate(pos, out=pos)
    first = int(np.flatnonzero(valid)[0])
    pos[:first] = first
    filled = parent[pos]
    weights = A[filled, np.arange(C)]
    order: IntArray | None = None
    change = np.r_[True, filled[1:] != filled[:-1]]
    if np.unique(filled[change]).size != int(change.sum()):
        order = np.argsort(filled, kind="stable").astype(np.intp)
        filled = filled[order]
        weights = weights[order]
        change = np.r_[True, filled[1:] != filled[:-1]]
    starts = np.flatnonzero(change).astype(np.intp)
    group_parent = filled[starts].astype(np.intp)
    direct = group_parent.size == P and bool((group_parent == np.arange(P)).all())
    return _TreePlan(order, np.ascontiguousarray(weights), starts, group_parent, direct)


def _chunk(chunk_size: int | None, per_entity: int) -> int:
    if chunk_size is not None:
        return chunk_size
    return max(1, _SCRATCH_ELEMENTS // max(1, per_entity))


def _level_tree(
    op: FuzzyOperator, plan: _TreePlan, R: FloatArray, out: FloatArray, chunk: int
) -> None:
    E, C, G = R.shape
    if plan.starts.size == 0:
        out.fill(0.0)
        return
    n0 = min(chunk, E)
    buf = np.empty((n0, C, G), dtype=np.float64)
    wcol = plan.weights[:, None]
    if not plan.direct:
        out.fill(0.0)
        grouped = np.empty((n0, plan.starts.size, G), dtype=np.float64)
    for s in range(0, E, chunk):
        r = R[s : s + chunk]
        n = r.shape[0]
        T = buf[:n]
        if plan.order is not None:
            np.take(r, plan.order, axis=1, out=T)
            op.combine(T, wcol, out=T)
        else:
            op.combine(r, wcol, out=T)
        if plan.direct:
            op.aggregate.reduceat(T, plan.starts, axis=1, out=out[s : s + n])
        else:
            g = grouped[:n]
            op.aggregate.reduceat(T, plan.starts, axis=1, out=g)
            out[s : s + n, plan.group_parent] = g


def _level_dense(
    op: FuzzyOperator, A: FloatArray, R: FloatArray, out: FloatArray, chunk: int
) -> None:
    E, C, G = R.shape
    P = A.shape[0]
    A4 = A[None, :, :, None]
    buf = np.empty((min(chunk, E), P, C, G), dtype=np.float64)
    for s in range(0, E, chunk):
        r = R[s : s + chunk]
        n = r.shape[0]
        T = buf[:n]
        op.combine(A4, r[:, None, :, :], out=T)
        op.aggregate.reduce(T, axis=2, out=out[s : s + n])


def _normalize_rows(B: FloatArray) -> None:
    total = B.sum(axis=-1, keepdims=True)
    np.divide(B, total, out=B, where=total > 0)


def fce_level(
    A: ArrayLike,
    R: ArrayLike,
    operator: str = "weighted_average",
    *,
    normalize: bool = False,
    chunk_size: int | None = None,
    out: FloatArray | None = None,
    strategy: Literal["auto", "tree", "dense"] = "auto",
) -> FloatArray:
    r"""Evaluate one tree level: ``B[e, p] = A[p] ∘ R[e]`` for every entity and parent.

    Parameters
    ----------
    A : array_like, shape (P, C)
        Local weights of each parent over the level's children, zeros off the tree.
    R : array_like, shape (E, C, G)
        Membership of every entity's children in G grades.
    operator : str
        Name in :data:`OPERATORS`.
    normalize : bool
        Divide each ``B[e, p]`` by its sum (rows summing to 0 stay 0).
    chunk_size : int, optional
        Entities per chunk for the non-linear operators; bounds scratch memory to about
        ``chunk_size · C · G`` floats (tree-structured ``A``) or ``chunk_size · P · C · G``
        (general ``A``).  Default: 32 MiB of scratch.
    out : ndarray, shape (E, P, G), optional
        Preallocated float64 C-contiguous output.
    strategy : {"auto", "tree", "dense"}
        ``"auto"`` uses segmented reductions when every column of ``A`` has at most one
        nonzero (a tree level) and the chunked dense form otherwise; the other values force a
        path (``"tree"`` raises ShapeError for a non-tree ``A``).  Results agree.

    Returns
    -------
    ndarray, shape (E, P, G)

    Raises
    ------
    ShapeError
        Shape mismatch between ``A``, ``R`` and ``out`` (shapes named).
    UnknownMethodError
        Unknown operator.

    Notes
    -----
    This is the kernel the multi-level engine calls once per level; it checks shapes only and
    trusts values (weights ≥ 0, memberships in [0, 1]) — validate at the boundary, or use
    :func:`fce`.

    * ``weighted_average``: one batched matrix product ``A @ R`` (BLAS), no scratch.
    * Other operators, tree ``A``: ``combine(R, w)`` per chunk, then
      ``aggregate.reduceat`` over each parent's contiguous group of children — work and
      memory O(E·C·G), never O(E·P·C·G).
    * Other operators, general ``A``: the (chunk, P, C, G) intermediate of the definition,
      chunked over E.
    """
    op = OPERATORS.get(operator)
    Aa = np.asarray(A, dtype=np.float64)
    Ra = np.asarray(R, dtype=np.float64)
    if Aa.ndim != 2:
        raise ShapeError(f"A must be 2-D (parents, children), got shape {Aa.shape}")
    if Ra.ndim != 3:
        raise ShapeError(f"R must be 3-D (entities, children, grades), got shape {Ra.shape}")
    if Aa.shape[1] != Ra.shape[1]:
        raise ShapeError(
            f"A has shape {Aa.shape} (P, C) but R has shape {Ra.shape} (E, C, G): "
            f"C differs ({Aa.shape[1]} vs {Ra.shape[1]})"
        )
    if chunk_size is not None and int(chunk_size) < 1:
        raise ShapeError(f"chunk_size must be a positive integer, got {chunk_size}")
    E, C, G = Ra.shape
    P = Aa.shape[0]
    if out is None:
        out = np.empty((E, P, G), dtype=np.float64)
    elif out.shape != (E, P, G) or out.dtype != np.float64 or not out.flags.c_contiguous:
        raise ShapeError(
            f"out must be a C-contiguous float64 array of shape {(E, P, G)}, "
            f"got {out.dtype} {out.shape}"
        )
    if E == 0 or P == 0 or G == 0:
        return out
    if C == 0:
        out.fill(0.0)
        return out
    Ra = np.ascontiguousarray(Ra)

    if op.linear:
        np.matmul(Aa, Ra, out=out)
    else:
        plan = None if strategy == "dense" else _tree_plan(Aa)
        if plan is None and strategy == "tree":
            raise ShapeError(
                f"strategy='tree' needs at most one nonzero per column of A (shape {Aa.shape})"
            )
        if plan is not None:
            _level_tree(op, plan, Ra, out, _chunk(chunk_size, C * G))
        else:
            _level_dense(op, Aa, Ra, out, _chunk(chunk_size, P * C * G))
    if op.bounded:
        np.minimum(out, 1.0, out=out)
    if normalize:
        _normalize_rows(out)
    return out


def _validate_fce(weights: ArrayLike, R: ArrayLike) -> tuple[FloatArray, FloatArray, bool]:
    w = np.asarray(weights, dtype=np.float64)
    Ra = np.asarray(R, dtype=np.float64)
    if w.ndim != 1:
        raise ShapeError(f"weights must be 1-D (L,), got shape {w.shape}")
    if Ra.ndim not in (2, 3):
        raise ShapeError(f"R must be (L, G) or (E, L, G), got shape {Ra.shape}")
    if Ra.shape[-2] != w.shape[0]:
        raise ShapeError(
            f"weights shape {w.shape} does not match R shape {Ra.shape}: "
            f"expected weights of shape ({Ra.shape[-2]},)"
        )
    if not np.isfinite(w).all() or (w < 0).any():
        bad = [int(i) for i in np.flatnonzero(~np.isfinite(w) | (w < 0))]
        raise DataError(f"weights must be finite and non-negative (bad positions {bad})")
    bad_r = ~((Ra >= 0.0) & (Ra <= 1.0))  # also catches NaN
    if bad_r.any():
        mask = bad_r.reshape(bad_r.shape[0], -1).any(axis=1)
        what = "entities" if Ra.ndim == 3 else "factor rows"
        raise DataError(
            f"memberships R must lie in [0, 1] (offending {what} listed)",
            rows=[int(i) for i in np.flatnonzero(mask)],
        )
    single = Ra.ndim == 2
    return w, (Ra[None] if single else Ra), single


def fce(
    weights: ArrayLike,
    R: ArrayLike,
    operator: str = "weighted_average",
    normalize: bool = False,
) -> FloatArray:
    r"""Fuzzy comprehensive evaluation :math:`B = A \circ R` of one node.

    Parameters
    ----------
    weights : array_like, shape (L,)
        Factor weights, finite and non-negative (they need not sum to 1; M(·,+) results are
        distributions only when they do and the rows of ``R`` are).
    R : array_like, shape (L, G) or (E, L, G)
        Single-factor evaluation matrix, or a batch of E of them; entries in [0, 1].
    operator : str
        ``"min_max"`` M(∧,∨), ``"product_max"`` M(·,∨), ``"min_bounded_sum"`` M(∧,⊕) or
        ``"weighted_average"`` M(·,+) (default).
    normalize : bool
        Divide B by its sum (a B summing to 0 stays 0).

    Returns
    -------
    ndarray, shape (G,) or (E, G)

    Raises
    ------
    ShapeError
        ``weights`` not (L,) for ``R``'s L, or ``R`` not 2-/3-D (both shapes named).
    DataError
        Negative or non-finite weights, memberships outside [0, 1] or NaN (rows named).
    UnknownMethodError
        Unknown operator; the message lists the valid names.

    Notes
    -----
    .. math::

        \text{M}(\wedge,\vee):\ b_j = \bigvee_i (a_i \wedge r_{ij}) \qquad
        \text{M}(\cdot,\vee):\ b_j = \bigvee_i a_i r_{ij} \\
        \text{M}(\wedge,\oplus):\ b_j = \min\Bigl(1, \sum_i a_i \wedge r_{ij}\Bigr) \qquad
        \text{M}(\cdot,+):\ b_j = \sum_i a_i r_{ij}

    References
    ----------
    .. [1] 汪培庄 (1983). 《模糊集合论及其应用》. 上海科学技术出版社.
    .. [2] 谢季坚, 刘承平 (2013). 《模糊数学方法及其应用》(第4版). 华中科技大学出版社.

    Examples
    --------
    The textbook clothing example (colour, style, durability, price; grades "very popular" …
    "unpopular") with M(∧,∨) and weights (0.1, 0.2, 0.3, 0.4):

    >>> R = [[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0.0],
    ...      [0.0, 0.4, 0.5, 0.1], [0.2, 0.3, 0.5, 0.0]]
    >>> fce([0.1, 0.2, 0.3, 0.4], R, operator="min_max")
    array([0.2, 0.3, 0.4, 0.1])
    """
    w, R3, single = _validate_fce(weights, R)
    B = fce_level(w[None, :], R3, operator, normalize=normalize)[:, 0, :]
    return B[0] if single else B


@dataclass(frozen=True, slots=True)
class FCEResult:
    """Result of :func:`fuzzy_evaluate`.

    Attributes
    ----------
    B : ndarray, shape (G,) or (E, G)
        Evaluation vector(s).
    operator : str
        Registry name of the operator.
    symbol : str
        Its textbook notation, e.g. ``"M(·,+)"``.
    normalized : bool
        Whether B was divided by its row sum.
    """

    B: FloatArray
    operator: str
    symbol: str
    normalized: bool


def fuzzy_evaluate(
    weights: ArrayLike,
    R: ArrayLike,
    operator: str = "weighted_average",
    normalize: bool = False,
) -> FCEResult:
    """:func:`fce` returning an :class:`FCEResult` that records the operator used."""
    op = OPERATORS.get(operator)
    B = fce(weights, R, op.name, normalize)
    return FCEResult(B=B, operator=op.name, symbol=op.symbol, normalized=normalize)
