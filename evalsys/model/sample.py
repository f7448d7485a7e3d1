"""Deterministic sample data for any indicator tree.

:func:`generate_sample` draws N entities (merchants) whose indicator values follow the shapes
real service data have: durations log-normal, rates bounded with a long tail of failures,
survey ratings on the tree's scale (mean rating or votes per grade), checklists binomial.
A latent quality factor per entity correlates the indicators, so that good merchants tend
to be good everywhere (and the ranking has something to find).  Same tree, N and seed →
same bytes.

The distributions are centred on each indicator's grade reference points (membership
``points``) or ``bounds``, so the sample spreads over all grades.  They are illustrative,
not estimates of any real platform.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from evalsys.errors import DataError
from evalsys.model.nodes import ChecklistNode, QuantitativeNode, RatingNode, StandardMembership
from evalsys.model.tree import TreeSpec

__all__ = ["SEGMENTS", "TIERS", "data_columns", "generate_sample"]

SEGMENTS = ("apparel", "electronics", "food", "home", "beauty")
TIERS = ("small", "medium", "large")
_Z90 = 1.6448536269514722  # standard normal 95th percentile


def data_columns(tree: TreeSpec) -> list[str]:
    """The data columns a tree's leaves read, in leaf order (votes → one column per grade)."""
    cols: list[str] = []
    for leaf in tree.leaves():
        if isinstance(leaf, RatingNode) and leaf.input == "votes":
            cols.extend(f"{leaf.data_column}.{g.id}" for g in tree.grades)
        else:
            cols.append(leaf.data_column)
    return cols


def _span(leaf: QuantitativeNode) -> tuple[float, float]:
    """Best and worst reference values of a quantitative leaf."""
    m = leaf.membership
    if isinstance(m, StandardMembership):
        return m.points[0], m.points[-1]
    if leaf.bounds is not None:
        lo, hi = leaf.bounds
        return (lo, hi) if leaf.direction == "cost" else (hi, lo)
    return (0.0, 1.0) if leaf.direction == "cost" else (1.0, 0.0)


def _quantitative(
    leaf: QuantitativeNode, z: npt.NDArray[np.float64], rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    n = z.size
    noise = 0.6 * z + 0.8 * rng.standard_normal(n)  # corr(goodness, quality z) = 0.6
    lo_r, hi_r = leaf.range if leaf.range is not None else (None, None)
    if leaf.direction in ("target", "interval"):
        centre = (
            float(leaf.target or 0.0)
            if leaf.direction == "target"
            else sum(leaf.interval or (0.0, 0.0)) / 2
        )
        best, worst = _span(leaf)
        scale = abs(worst - best) / 2 or (abs(centre) * 0.1 or 1.0)
        x = centre + scale * np.abs(noise) * rng.choice([-1.0, 1.0], size=n)
    else:
        best, worst = _span(leaf)
        if lo_r is not None and hi_r is not None and leaf.direction == "benefit":
            # bounded benefit (a rate): the shortfall from the top of the range is log-normal
            short_best, short_worst = hi_r - best, hi_r - worst
            short_best = max(short_best, (hi_r - lo_r) * 1e-3)
            x = hi_r - _lognormal(short_best, short_worst, noise)
        elif leaf.direction == "cost" or best < worst:
            b = best if best > 0 else max(worst * 0.02, 1e-3)
            x = _lognormal(b, worst, noise)
        else:
            w = worst if worst > 0 else max(best * 0.02, 1e-3)
            x = _lognormal(w, best, -noise)
    if lo_r is not None or hi_r is not None:
        x = np.clip(x, lo_r if lo_r is not None else -np.inf, hi_r if hi_r is not None else np.inf)
    out: npt.NDArray[np.float64] = x
    return out


def _lognormal(low: float, high: float, signal: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Log-normal with ``low`` and ``high`` as its 5 % and 95 % quantiles.

    ``signal`` ~ N(0, 1); a larger signal gives a *smaller* value.
    """
    low, high = min(low, high), max(low, high)
    mu = 0.5 * (math.log(low) + math.log(high))
    sigma = (math.log(high) - math.log(low)) / (2 * _Z90) or 0.1
    return np.exp(mu - sigma * signal)


def generate_sample(
    tree: TreeSpec, n: int, *, seed: int = 20261122
) -> dict[str, npt.NDArray[np.generic]]:
    """Draw ``n`` entities for ``tree``; return columns (entity_id, segment, tier, indicators).

    Parameters
    ----------
    tree
        The indicator tree whose leaves define the columns (see :func:`data_columns`).
    n
        Number of entities (> 0).
    seed
        Seed of numpy's PCG64 generator; the same seed gives the same data.

    Returns
    -------
    dict of str to ndarray
        ``entity_id`` (str, ``M0000001`` …), ``segment``, ``tier`` and one float column per
        data column.  Durations are rounded to 0.1 of their unit and rates to 0.01, as
        exported by real systems; nothing is rounded later.
    """
    if n <= 0:
        raise DataError(f"the number of entities must be positive, got {n}")
    rng = np.random.Generator(np.random.PCG64(seed))
    width = max(7, len(str(n)))
    cols: dict[str, npt.NDArray[np.generic]] = {
        "entity_id": np.array([f"M{i:0{width}d}" for i in range(1, n + 1)]),
        "segment": np.array(SEGMENTS)[rng.integers(0, len(SEGMENTS), n)],
        "tier": np.array(TIERS)[rng.choice(len(TIERS), n, p=[0.6, 0.3, 0.1])],
    }
    z = rng.standard_normal(n)
    grades = len(tree.grades)
    for leaf in tree.leaves():
        col = leaf.data_column
        if isinstance(leaf, QuantitativeNode):
            x = _quantitative(leaf, z, rng)
            decimals = 2 if leaf.unit in ("%", "ratio") else 1
            cols[col] = np.round(x, decimals)
        elif isinstance(leaf, RatingNode):
            quality = 1.0 / (1.0 + np.exp(-(0.9 * z + 0.7 * rng.standard_normal(n) + 0.8)))
            if leaf.input == "votes":
                respondents = rng.integers(20, 200, n)
                # probability of each grade: a discretised beta around the entity's quality
                centres = (np.arange(grades) + 0.5) / grades
                logits = -((centres[None, :] - (1 - quality[:, None])) ** 2) / 0.05
                p = np.exp(logits - logits.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                votes = rng.multinomial(respondents, p)
                for g, grade in enumerate(tree.grades):
                    cols[f"{col}.{grade.id}"] = votes[:, g].astype(np.float64)
            else:
                cols[col] = np.round(1 + (leaf.scale - 1) * quality, 2)
        elif isinstance(leaf, ChecklistNode):
            p_met = 1.0 / (1.0 + np.exp(-(0.9 * z + 0.7 * rng.standard_normal(n) + 1.2)))
            met = rng.binomial(len(leaf.items), p_met).astype(np.float64)
            cols[col] = met if leaf.input == "count" else np.round(met / len(leaf.items), 4)
    return cols
