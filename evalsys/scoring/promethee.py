"""PROMETHEE II net outranking flows (Brans & Vincke 1985; Brans, Vincke & Mareschal 1986).

It owns the six generalised criteria (preference functions) of Brans & Vincke in
:data:`PREFERENCE_FUNCTIONS`, the blocked pairwise kernel :func:`net_flows`, the MCDA kernel
:func:`promethee_kernel` registered as ``"promethee_ii"`` (alias ``"promethee"``) in
:data:`evalsys.scoring.mcda.MCDA_METHODS`, and :func:`promethee_ii`, which returns the
leaving, entering and net flows (:class:`PrometheeResult`).

Cost: PROMETHEE compares every ordered pair of alternatives, so time is
:math:`O(E^2 L)` — quadratic in the number of entities, unlike every other method of
evalsys.  Memory stays bounded: pairs are formed in blocks of rows of at most
:data:`BLOCK_ELEMENTS` (a, b, l) values.  Above :data:`MAX_ENTITIES` entities the kernel
refuses with a :class:`~evalsys.errors.DataError` instead of running for hours (the limit is
the ``max_entities`` option).  For scale: 3,000 entities × 20 criteria take about 0.8 s
with the usual criterion on one core, so the default limit means roughly 10 s.

Orientation: the net flow :math:`\\phi \\in [-1, 1]` is larger-is-better; the registered
kernel returns :math:`(1 + \\phi)/2 \\in [0, 1]` (same order, same ties) so that it sits on
the scale of the other MCDA scores.

References
----------
.. [1] Brans, J.-P. and Vincke, Ph. (1985). A preference ranking organisation method (The
       PROMETHEE method for multiple criteria decision-making). *Management Science* 31(6),
       647–656. doi:10.1287/mnsc.31.6.647
.. [2] Brans, J.-P., Vincke, Ph. and Mareschal, B. (1986). How to select and how to rank
       projects: The PROMETHEE method. *European Journal of Operational Research* 24(2),
       228–238. doi:10.1016/0377-2217(86)90044-5
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evalsys._arrays import readonly
from evalsys._registry import Registry
from evalsys.errors import DataError, ParameterError, ShapeError

__all__ = [
    "BLOCK_ELEMENTS",
    "MAX_ENTITIES",
    "PREFERENCE_FUNCTIONS",
    "PrometheeResult",
    "check_promethee_options",
    "net_flows",
    "promethee_ii",
    "promethee_kernel",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Default largest number of entities PROMETHEE II accepts (E² pairs: 10⁸ at the limit).
MAX_ENTITIES = 10_000

#: Largest (rows, E, L) block of pairwise differences formed at once (16 MiB of float64).
BLOCK_ELEMENTS = 1 << 21


@dataclass(frozen=True, slots=True)
class PreferenceFunction:
    """A generalised criterion: ``fn(d, q, p, s) -> P(d)`` in [0, 1] for differences ``d``
    (already oriented, larger is better), broadcasting per-criterion ``q``, ``p``, ``s``;
    ``needs`` names the parameters it reads."""

    fn: Callable[[FloatArray, FloatArray, FloatArray, FloatArray], FloatArray]
    needs: tuple[str, ...]


PREFERENCE_FUNCTIONS: Registry[PreferenceFunction] = Registry("PROMETHEE preference function")


def _usual(d: FloatArray, q: FloatArray, p: FloatArray, s: FloatArray) -> FloatArray:
    return (d > 0).astype(np.float64)


def _ushape(d: FloatArray, q: FloatArray, p: FloatArray, s: FloatArray) -> FloatArray:
    return (d > q).astype(np.float64)


def _vshape(d: FloatArray, q: FloatArray, p: FloatArray, s: FloatArray) -> FloatArray:
    out: FloatArray = np.clip(d / p, 0.0, 1.0)
    return out


def _level(d: FloatArray, q: FloatArray, p: FloatArray, s: FloatArray) -> FloatArray:
    out: FloatArray = np.where(d > p, 1.0, np.where(d > q, 0.5, 0.0))
    return out


def _linear(d: FloatArray, q: FloatArray, p: FloatArray, s: FloatArray) -> FloatArray:
    out: FloatArray = np.clip((d - q) / (p - q), 0.0, 1.0)
    return out


def _gaussian(d: FloatArray, q: FloatArray, p: FloatArray, s: FloatArray) -> FloatArray:
    pos = np.maximum(d, 0.0)
    out: FloatArray = -np.expm1(-(pos * pos) / (2.0 * s * s))
    return out


PREFERENCE_FUNCTIONS.add("usual", PreferenceFunction(_usual, ()), aliases=("type1",))
PREFERENCE_FUNCTIONS.add("ushape", PreferenceFunction(_ushape, ("q",)), aliases=("type2", "quasi"))
PREFERENCE_FUNCTIONS.add("vshape", PreferenceFunction(_vshape, ("p",)), aliases=("type3",))
PREFERENCE_FUNCTIONS.add("level", PreferenceFunction(_level, ("q", "p")), aliases=("type4",))
PREFERENCE_FUNCTIONS.add(
    "linear", PreferenceFunction(_linear, ("q", "p")), aliases=("type5", "vshape_indifference")
)
PREFERENCE_FUNCTIONS.add("gaussian", PreferenceFunction(_gaussian, ("s",)), aliases=("type6",))


def _column_param(value: ArrayLike | None, name: str, L: int, default: float) -> FloatArray:
    if value is None:
        return np.full(L, default)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"PROMETHEE {name} must be numeric: {exc}") from exc
    if arr.ndim == 0:
        return np.full(L, float(arr))
    if arr.shape != (L,):
        raise ShapeError(f"PROMETHEE {name} must be a scalar or have shape ({L},), got {arr.shape}")
    return arr


def _functions(preference: str | Sequence[str], L: int) -> list[str]:
    names = [preference] * L if isinstance(preference, str) else list(preference)
    if len(names) != L:
        raise ShapeError(f"PROMETHEE preference has {len(names)} entries for {L} criteria")
    return [PREFERENCE_FUNCTIONS.canonical(str(n)) for n in names]


def check_promethee_options(
    L: int,
    preference: str | Sequence[str] = "usual",
    q: ArrayLike | None = None,
    p: ArrayLike | None = None,
    s: ArrayLike | None = None,
    max_entities: int = MAX_ENTITIES,
) -> None:
    """Check the options of PROMETHEE II for L criteria; raise one clear
    :class:`~evalsys.errors.ParameterError` (or ShapeError / UnknownMethodError).

    Every criterion's function must get the parameters it reads, with
    :math:`0 \\le q`, :math:`p > 0` (``vshape``), :math:`p > q` (``level``, ``linear``) and
    :math:`s > 0` (``gaussian``); ``max_entities`` must be a positive integer.
    """
    funcs = _functions(preference, L)
    given = {"q": q, "p": p, "s": s}
    params = {k: _column_param(v, k, L, np.nan) for k, v in given.items()}
    for j, name in enumerate(funcs):
        for need in PREFERENCE_FUNCTIONS.get(name).needs:
            if not np.isfinite(params[need][j]):
                raise ParameterError(
                    f"PROMETHEE preference function '{name}' of criterion {j} needs a finite {need}"
                )
        qj, pj, sj = params["q"][j], params["p"][j], params["s"][j]
        if name in ("ushape", "level", "linear") and qj < 0:
            raise ParameterError(f"PROMETHEE q must be >= 0 (criterion {j}), got {qj}")
        if name == "vshape" and not pj > 0:
            raise ParameterError(f"PROMETHEE p must be > 0 for 'vshape' (criterion {j}), got {pj}")
        if name in ("level", "linear") and not pj > qj:
            raise ParameterError(
                f"PROMETHEE needs p > q for '{name}' (criterion {j}), got p={pj}, q={qj}"
            )
        if name == "gaussian" and not sj > 0:
            raise ParameterError(f"PROMETHEE s must be > 0 for 'gaussian' (criterion {j}): {sj}")
    if isinstance(max_entities, bool) or not isinstance(max_entities, int | np.integer):
        raise ParameterError(f"PROMETHEE max_entities must be an integer, got {max_entities!r}")
    if max_entities < 1:
        raise ParameterError(f"PROMETHEE max_entities must be >= 1, got {max_entities}")


def net_flows(
    X: FloatArray,
    weights: FloatArray,
    benefit: BoolArray,
    *,
    preference: str | Sequence[str] = "usual",
    q: ArrayLike | None = None,
    p: ArrayLike | None = None,
    s: ArrayLike | None = None,
    max_entities: int = MAX_ENTITIES,
) -> tuple[FloatArray, FloatArray]:
    r"""Leaving and entering flows :math:`(\phi^+, \phi^-)` (kernel: trusts its inputs).

    Parameters
    ----------
    X : ndarray, shape (E, L)
    weights : ndarray, shape (L,)
        Divided by their sum.
    benefit : ndarray of bool, shape (L,)
    preference : str or sequence of str
        A name in :data:`PREFERENCE_FUNCTIONS` for all criteria, or one per criterion.
    q, p, s : float or array_like, shape (L,), optional
        Indifference and preference thresholds and the Gaussian parameter, in the units
        of each criterion (only the parameters the chosen functions read are used).
    max_entities : int
        Refuse more entities than this (see the module docstring).

    Returns
    -------
    phi_plus, phi_minus : ndarray, shape (E,)

    Raises
    ------
    DataError
        More than ``max_entities`` entities.

    Notes
    -----
    With :math:`d_l(a, b) = f_l(a) - f_l(b)` for a benefit criterion (and
    :math:`f_l(b) - f_l(a)` for a cost one), :math:`P_l` the preference function of
    criterion l and :math:`w_l` the normalised weights:

    .. math::

        \pi(a, b) = \sum_l w_l P_l(d_l(a, b)),\qquad
        \phi^+(a) = \frac{1}{E-1}\sum_{b} \pi(a, b),\qquad
        \phi^-(a) = \frac{1}{E-1}\sum_{b} \pi(b, a).

    The six functions (Brans & Vincke 1985): usual :math:`[d > 0]`; U-shape
    :math:`[d > q]`; V-shape :math:`\min(1, \max(0, d/p))`; level 0 for :math:`d \le q`,
    ½ for :math:`q < d \le p`, 1 beyond; linear :math:`\min(1, \max(0, (d-q)/(p-q)))`;
    Gaussian :math:`1 - e^{-d^2/2s^2}` for :math:`d > 0`.  Rows are processed in blocks
    of :data:`BLOCK_ELEMENTS` (a, b, l) values: the row sums of a block give
    :math:`\phi^+` of its rows, its column sums are added to :math:`\phi^-` of all.
    A single alternative has both flows 0.
    """
    E, L = X.shape
    if max_entities < E:
        raise DataError(
            f"PROMETHEE II compares every pair of entities (O(E²) time): {E:,} entities "
            f"exceed the limit of {max_entities:,} (option max_entities); score a sample, or "
            "use an O(E) method such as topsis or vikor"
        )
    funcs = _functions(preference, L)
    params = {k: _column_param(v, k, L, 0.0) for k, v in (("q", q), ("p", p), ("s", s))}
    wn = weights / weights.sum()
    sign = np.where(benefit, 1.0, -1.0)
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(funcs):
        groups.setdefault(name, []).append(j)
    plus = np.zeros(E)
    minus = np.zeros(E)
    Xs = X * sign
    step = max(1, BLOCK_ELEMENTS // max(1, E * L))
    for r0 in range(0, E, step):
        r1 = min(r0 + step, E)
        D = Xs[r0:r1, None, :] - Xs[None, :, :]  # (B, E, L): d_l(a, b), a in the block
        pi = np.zeros((r1 - r0, E))
        for name, cols_list in groups.items():
            cols = np.asarray(cols_list, dtype=np.intp)
            fn = PREFERENCE_FUNCTIONS.get(name).fn
            P = fn(D[:, :, cols], params["q"][cols], params["p"][cols], params["s"][cols])
            pi += P @ wn[cols]
        plus[r0:r1] = pi.sum(axis=1)
        minus += pi.sum(axis=0)
    if E > 1:
        plus /= E - 1
        minus /= E - 1
    return plus, minus


def promethee_kernel(
    X: FloatArray,
    weights: FloatArray,
    benefit: BoolArray,
    *,
    preference: str | Sequence[str] = "usual",
    q: ArrayLike | None = None,
    p: ArrayLike | None = None,
    s: ArrayLike | None = None,
    max_entities: int = MAX_ENTITIES,
) -> FloatArray:
    r"""PROMETHEE II as an evalsys MCDA score :math:`(1 + \phi)/2 \in [0, 1]`, larger is
    better; options as :func:`net_flows`."""
    plus, minus = net_flows(
        X, weights, benefit, preference=preference, q=q, p=p, s=s, max_entities=max_entities
    )
    out: FloatArray = (1.0 + (plus - minus)) / 2.0
    return out


@dataclass(frozen=True, slots=True)
class PrometheeResult:
    """PROMETHEE II flows of E alternatives (arrays read-only).

    Attributes
    ----------
    phi_plus, phi_minus, phi : ndarray, shape (E,)
        Leaving flow, entering flow and net flow :math:`\\phi = \\phi^+ - \\phi^-` in
        [-1, 1]; larger ``phi`` is better.
    ranks : ndarray of int64, shape (E,)
        Rank by net flow (1 = largest; ties share the smallest rank).
    preference : tuple of str
        Canonical preference function of each criterion.
    """

    phi_plus: FloatArray
    phi_minus: FloatArray
    phi: FloatArray
    ranks: NDArray[np.int64]
    preference: tuple[str, ...]


def promethee_ii(
    X: ArrayLike,
    weights: ArrayLike,
    benefit: ArrayLike,
    *,
    preference: str | Sequence[str] = "usual",
    q: ArrayLike | None = None,
    p: ArrayLike | None = None,
    s: ArrayLike | None = None,
    max_entities: int = MAX_ENTITIES,
) -> PrometheeResult:
    """PROMETHEE II complete ranking by net outranking flow.

    Parameters
    ----------
    X : array_like, shape (E, L)
        Raw decision matrix, finite.
    weights : array_like, shape (L,)
        Non-negative criterion weights, not all zero.
    benefit : array_like of bool, shape (L,) (or a scalar)
        ``True`` where larger is better.
    preference, q, p, s, max_entities
        As :func:`net_flows`; checked by :func:`check_promethee_options`.

    Returns
    -------
    PrometheeResult

    Raises
    ------
    ShapeError, DataError, UnknownMethodError
        Bad matrix or weights; more than ``max_entities`` entities; an unknown preference
        function.
    ParameterError
        A threshold out of its domain or missing for the chosen function.

    Examples
    --------
    Zhao, Peng & Li (2013), usual criterion, weights 0.5, 0.3, 0.2: net flows
    0.1, −0.3, 0.2:

    >>> r = promethee_ii([[4, 3, 2], [3, 2, 4], [5, 1, 3]], [0.5, 0.3, 0.2], True)
    >>> r.phi.round(10).tolist(), r.ranks.tolist()
    ([0.1, -0.3, 0.2], [2, 3, 1])
    """
    from evalsys.scoring.grading import ranks
    from evalsys.scoring.mcda import _validate

    Xa, w, b = _validate(X, weights, benefit)
    check_promethee_options(Xa.shape[1], preference, q, p, s, max_entities)
    plus, minus = net_flows(
        Xa, w, b, preference=preference, q=q, p=p, s=s, max_entities=max_entities
    )
    phi = plus - minus
    return PrometheeResult(
        phi_plus=readonly(plus),
        phi_minus=readonly(minus),
        phi=readonly(phi),
        ranks=readonly(ranks(phi, descending=True, method="min")),
        preference=tuple(_functions(preference, Xa.shape[1])),
    )
