"""Peer benchmarking: percentiles within segments and each segment's top-group profile.

:func:`peer_percentiles` gives the percentile of every entity per indicator, per dimension
and overall within its segment, and the profile of each segment's top decile, as
:class:`PeerBenchmark`.  Costs are reversed and target/interval indicators and votes use
their utility, so a percentile of 100 is always best.

References
----------
.. [1] Hyndman, R. J., Fan, Y. (1996). Sample quantiles in statistical packages.
       *The American Statistician* 50(4), 361–365. (percentile-rank conventions.)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys._version import __version__
from evalsys.analysis.benchmark.compliance_result import _labels
from evalsys.errors import DataError
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import IndicatorData
from evalsys.model.nodes import QuantitativeNode, RatingNode
from evalsys.scoring.result import ScoreResult

__all__ = ["PeerBenchmark", "peer_percentiles"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


def _group_percentiles(x: FloatArray, codes: IntArray) -> FloatArray:
    """Percentile rank within groups, per column: share of the group with value ≤ own, in %.

    NaN values get NaN and are not counted.  Ties share the highest percentile (the "weak"
    definition, as :func:`evalsys.scoring.grading.percentiles`).
    """
    out = np.full(x.shape, np.nan)
    for m in range(x.shape[1]):  # columns (leaves / dimensions), never entities
        col = x[:, m]
        idx = np.flatnonzero(~np.isnan(col))
        n = idx.size
        if n == 0:
            continue
        g, v = codes[idx], col[idx]
        order = np.lexsort((v, g))
        gs, vs = g[order], v[order]
        new_run = np.ones(n, dtype=bool)
        new_run[1:] = (gs[1:] != gs[:-1]) | (vs[1:] != vs[:-1])
        run_id = np.cumsum(new_run) - 1
        run_end = np.r_[np.flatnonzero(new_run)[1:] - 1, n - 1][run_id]
        new_grp = np.ones(n, dtype=bool)
        new_grp[1:] = gs[1:] != gs[:-1]
        gid = np.cumsum(new_grp) - 1
        starts = np.flatnonzero(new_grp)
        sizes = np.diff(np.r_[starts, n])
        pct = 100.0 * (run_end - starts[gid] + 1) / sizes[gid]
        res = np.empty(n)
        res[order] = pct
        out[idx, m] = res
    return out


def _oriented_values(compiled: CompiledTree, data: IndicatorData) -> FloatArray:
    """(E, L) leaf values with higher = better (sign-flipped costs; utility where needed)."""
    from evalsys.scoring.plan import leaf_plan, utilities

    X = np.asarray(data.values, dtype=np.float64)
    out = X.copy()
    need_u: list[int] = []
    for j, leaf in enumerate(compiled.spec.leaves()):
        if isinstance(leaf, QuantitativeNode):
            if leaf.direction == "cost":
                out[:, j] = -X[:, j]
            elif leaf.direction in ("target", "interval"):
                need_u.append(j)
        elif isinstance(leaf, RatingNode) and leaf.input == "votes":
            need_u.append(j)
    if need_u:
        U = utilities(leaf_plan(compiled), X, data.votes, compiled.n_grades)
        out[:, need_u] = U[:, need_u]
    out[~np.asarray(data.present, dtype=bool)] = np.nan
    return out


@dataclass(frozen=True, slots=True)
class PeerBenchmark:
    """Percentiles within segments and the top-decile profile of each segment.

    Attributes
    ----------
    by
        Segment column (None: all entities form one peer group ``"all"``).
    entity_ids, segment
        (E,) ids and segment labels ('' = missing label).
    segments, segment_size
        (S,) sorted segment labels and their entity counts.
    leaf_ids, dimension_ids
        Leaves (L,) and first-level dimensions (D,).
    leaf_percentile, dimension_percentile, score_percentile
        (E, L), (E, D), (E,) percentile rank within the entity's segment, in (0, 100]
        (share of peers with a value no better, ties sharing the highest; costs reversed so
        that 100 = best).
    top_share, top_n
        Share defining the top group (0.1 = top decile) and its size per segment
        (``max(1, ceil(top_share · n))``, ties in score broken by input order).
    top_mean, top_median
        (S, L) mean and median raw value of each indicator among the segment's top group
        (NaN for ratings given as votes).
    segment_median
        (S, L) median raw value over the whole segment, for comparison.
    """

    by: str | None
    entity_ids: npt.NDArray[np.str_]
    segment: npt.NDArray[np.str_]
    segments: tuple[str, ...]
    segment_size: npt.NDArray[np.int64]
    leaf_ids: tuple[str, ...]
    dimension_ids: tuple[str, ...]
    leaf_percentile: FloatArray
    dimension_percentile: FloatArray
    score_percentile: FloatArray
    top_share: float
    top_n: npt.NDArray[np.int64]
    in_top: BoolArray
    top_mean: FloatArray
    top_median: FloatArray
    segment_median: FloatArray
    directions: tuple[str, ...]
    values: FloatArray
    version: str = __version__

    def gap_to_top(self) -> FloatArray:
        """(E, L) shortfall from the segment's top-group median in the indicator's unit.

        Positive = worse than the benchmark (cost: value − median; benefit and ratings:
        median − value); NaN for target/interval indicators and votes.
        """
        codes = np.searchsorted(np.array(self.segments), self.segment)
        med = self.top_median[codes]
        sign = np.array([{"cost": 1.0, "benefit": -1.0}.get(d, np.nan) for d in self.directions])
        out: FloatArray = (self.values - med) * sign
        return out

    def to_columns(self) -> dict[str, npt.NDArray[Any]]:
        """Per entity: segment, score percentile, dimension and leaf percentiles."""
        cols: dict[str, npt.NDArray[Any]] = {"entity_id": self.entity_ids}
        cols[self.by or "peer_group"] = self.segment
        cols["in_top"] = self.in_top
        cols["pct.score"] = self.score_percentile
        for d, did in enumerate(self.dimension_ids):
            cols[f"pct.{did}"] = self.dimension_percentile[:, d]
        for j, lid in enumerate(self.leaf_ids):
            cols[f"pct.{lid}"] = self.leaf_percentile[:, j]
        return cols

    def profile_columns(self) -> dict[str, npt.NDArray[Any]]:
        """Top-group profile: one row per (segment, indicator)."""
        S, L = self.top_mean.shape
        si, li = np.divmod(np.arange(S * L), L)
        return {
            self.by or "peer_group": np.array(self.segments, dtype=object)[si],
            "segment_size": self.segment_size[si],
            "top_n": self.top_n[si],
            "indicator": np.array(self.leaf_ids, dtype=object)[li],
            "top_mean": self.top_mean.reshape(-1),
            "top_median": self.top_median.reshape(-1),
            "segment_median": self.segment_median.reshape(-1),
        }


def peer_percentiles(
    score_result: ScoreResult,
    compiled: CompiledTree,
    data: IndicatorData,
    *,
    by: str | None = "segment",
    top_share: float = 0.10,
) -> PeerBenchmark:
    """Percentiles within segments, per leaf, dimension and score; top-group profile.

    Parameters
    ----------
    score_result
        Scores of ``data`` (any method).
    compiled
        The tree (for the leaves' directions).
    data
        The scored indicator data; ``by`` must be one of its passthrough columns.
    by
        Segment column, or None for one peer group of all entities.
    top_share
        Share of each segment taken as its top group (default 0.10: top decile).

    Raises
    ------
    DataError
        Unknown ``by`` column, ``top_share`` outside (0, 1], or scores of other entities.

    Notes
    -----
    The percentile rank of value x among the n peers with a value is
    :math:`100 \\cdot \\#\\{y \\le x\\} / n` (the "weak" definition of
    ``scipy.stats.percentileofscore``; ties share the highest rank) [1]_.  Costs (lower is
    better) are negated first and target/interval indicators and votes use their utility,
    so 100 is always best.  Vectorised with one lexsort per column.
    """
    if not 0 < top_share <= 1:
        raise DataError(f"top_share must be in (0, 1], got {top_share}")
    if not np.array_equal(score_result.entity_ids, data.entity_ids):
        raise DataError("the scores do not belong to these data (different entities)")
    E = data.n_entities
    if by is None:
        labels = np.full(E, "all")
    else:
        if by not in data.passthrough:
            raise DataError(
                f"no segment column '{by}' in the data (available: "
                f"{', '.join(data.passthrough) or 'none'})",
                column=by,
            )
        labels = _labels(data.passthrough[by])
    segs, codes = np.unique(labels, return_inverse=True)
    codes = codes.reshape(-1).astype(np.intp)
    S = segs.size
    sizes = np.bincount(codes, minlength=S).astype(np.int64)
    oriented = _oriented_values(compiled, data)
    leaf_pct = _group_percentiles(oriented, codes)
    dim_pct = _group_percentiles(np.asarray(score_result.dimension_score, dtype=np.float64), codes)
    score_pct = _group_percentiles(
        np.asarray(score_result.score, dtype=np.float64)[:, None], codes
    )[:, 0]
    top_n = np.maximum(1, np.ceil(top_share * sizes - 1e-9)).astype(np.int64)
    sc = np.nan_to_num(np.asarray(score_result.score, dtype=np.float64), nan=-np.inf)
    order = np.lexsort((np.arange(E), -sc, codes))  # segment, best score first, input order
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    rank_in = np.empty(E, dtype=np.int64)
    rank_in[order] = np.arange(E) - starts[codes[order]]
    in_top = rank_in < top_n[codes]
    leaves = compiled.spec.leaves()
    X = np.where(data.present, np.asarray(data.values, dtype=np.float64), np.nan)
    votes_cols = [
        j for j, lf in enumerate(leaves) if isinstance(lf, RatingNode) and lf.input == "votes"
    ]
    X[:, votes_cols] = np.nan
    L = X.shape[1]
    top_mean = np.full((S, L), np.nan)
    top_median = np.full((S, L), np.nan)
    seg_median = np.full((S, L), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns → NaN
        for s_ in range(S):  # segments (a handful), never entities
            mine = codes == s_
            top = X[mine & in_top]
            top_mean[s_] = np.nanmean(top, axis=0)
            top_median[s_] = np.nanmedian(top, axis=0)
            seg_median[s_] = np.nanmedian(X[mine], axis=0)
    directions = tuple(
        lf.direction
        if isinstance(lf, QuantitativeNode)
        else ("votes" if isinstance(lf, RatingNode) and lf.input == "votes" else "benefit")
        for lf in leaves
    )
    res = PeerBenchmark(
        by=by,
        entity_ids=data.entity_ids,
        segment=labels,
        segments=tuple(str(x) for x in segs),
        segment_size=sizes,
        leaf_ids=compiled.leaf_ids,
        dimension_ids=score_result.dimension_ids,
        leaf_percentile=leaf_pct,
        dimension_percentile=dim_pct,
        score_percentile=score_pct,
        top_share=top_share,
        top_n=top_n,
        in_top=in_top,
        top_mean=top_mean,
        top_median=top_median,
        segment_median=seg_median,
        directions=directions,
        values=X,
    )
    return res
