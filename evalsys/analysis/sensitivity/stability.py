"""Ranks and rank statistics against the base ranking, shared by OAT and Monte Carlo.

Owns the competition and average ranks of a stack of scores (``_rank_rows``, with the tie
tolerance explained in :mod:`evalsys.analysis.sensitivity`), the result types
:class:`EntityStability` (per entity over all samples) and :class:`SampleAgreement` (per
sample against the base), and the batched run that scores a stack of local weights and
accumulates both (``_run``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from evalsys.analysis.sensitivity.core import (
    BoolArray,
    FloatArray,
    IntArray,
    _evaluate,
    _Model,
    _permuted,
    _ro,
)

__all__ = ["EntityStability", "SampleAgreement"]

#: Float64 elements of one (samples × entities) work array (64 MiB).
_BATCH_ELEMENTS = 1 << 23
#: Scores closer than this × the largest |score| are tied when ranking: the rounding of a
#: matrix product depends on the BLAS kernel and a sample's position in the batch (a few
#: ulp), and must not split entities whose scores are equal.
_TIE_RTOL = 1e-12


@dataclass(frozen=True, slots=True)
class EntityStability:
    """Per-entity stability over a set of weight samples (or perturbations).

    Attributes
    ----------
    entity_ids
        (E,) identifiers.
    base_score, base_rank, base_grade
        Score, competition rank (1 = best) and grade index (best = 0; None without grades)
        under the base weights.
    p_keep_rank
        Share of samples in which the entity has exactly its base rank.
    p_rank_within
        Share of samples with :math:`|r - r_0| \\le` ``rank_window``.
    p_top_k
        Share of samples in which the entity's rank is ≤ ``top_k``.
    p_keep_grade
        Share of samples in which the grade equals the base grade (None without grades).
    grade_probability
        (E, G) share of samples in each grade (None without grades).
    rank_mean, rank_sd, rank_min, rank_max
        Distribution of the entity's rank over the samples.
    score_mean, score_sd
        Distribution of the entity's score over the samples.
    """

    entity_ids: npt.NDArray[np.str_]
    base_score: FloatArray
    base_rank: IntArray
    base_grade: IntArray | None
    p_keep_rank: FloatArray
    p_rank_within: FloatArray
    rank_window: int
    p_top_k: FloatArray
    top_k: int
    p_keep_grade: FloatArray | None
    grade_probability: FloatArray | None
    rank_mean: FloatArray
    rank_sd: FloatArray
    rank_min: IntArray
    rank_max: IntArray
    score_mean: FloatArray
    score_sd: FloatArray

    def to_columns(self, grade_ids: Sequence[str] = ()) -> dict[str, npt.NDArray[Any]]:
        """Output columns, one row per entity (for :func:`evalsys.model.tables.write_table`)."""
        cols: dict[str, npt.NDArray[Any]] = {
            "entity_id": self.entity_ids,
            "base_score": self.base_score,
            "base_rank": self.base_rank,
        }
        if self.base_grade is not None:
            ids = np.array(list(grade_ids)) if grade_ids else None
            cols["base_grade"] = ids[self.base_grade] if ids is not None else self.base_grade
        cols["p_keep_rank"] = self.p_keep_rank
        cols[f"p_rank_within_{self.rank_window}"] = self.p_rank_within
        cols[f"p_top_{self.top_k}"] = self.p_top_k
        if self.p_keep_grade is not None:
            cols["p_keep_grade"] = self.p_keep_grade
        if self.grade_probability is not None:
            names = list(grade_ids) or [str(g) for g in range(self.grade_probability.shape[1])]
            for g, gid in enumerate(names):
                cols[f"p_grade.{gid}"] = self.grade_probability[:, g]
        cols["rank_mean"] = self.rank_mean
        cols["rank_sd"] = self.rank_sd
        cols["rank_min"] = self.rank_min
        cols["rank_max"] = self.rank_max
        cols["score_mean"] = self.score_mean
        cols["score_sd"] = self.score_sd
        return cols


@dataclass(frozen=True, slots=True)
class SampleAgreement:
    """Per-sample agreement of the perturbed ranking with the base ranking (arrays (S,)).

    Attributes
    ----------
    spearman
        Spearman's ρ (all entities).
    kendall
        Kendall's τ_b (on ``kendall_entities`` entities, see :class:`MonteCarloResult`).
    grade_changed
        Share of entities whose grade differs from the base grade (None without grades).
    top_k_retained
        Share of the base top-k set still in the top k.
    top_k_same
        The top-k set is unchanged.
    top1_same
        The base best entity still has rank 1.
    mean_abs_rank_shift, max_abs_rank_shift
        Mean and largest :math:`|r - r_0|` over the entities.
    """

    spearman: FloatArray
    kendall: FloatArray
    grade_changed: FloatArray | None
    top_k_retained: FloatArray
    top_k_same: BoolArray
    top1_same: BoolArray
    mean_abs_rank_shift: FloatArray
    max_abs_rank_shift: IntArray


def _rank_rows(scores: FloatArray) -> tuple[npt.NDArray[np.int32], FloatArray]:
    """Competition ranks (ties → smallest rank) and average ranks of every row (S, E).

    Descending (rank 1 = largest); NaN ranks last and NaNs tie with each other.  Scores
    closer than ``_TIE_RTOL`` × the row's largest |score| (consecutive in sorted order)
    are tied: the rounding of a matrix product depends on the BLAS kernel and on a
    sample's position in the batch, and must not split entities with equal scores.
    """
    S, E = scores.shape
    rmin = np.empty((S, E), dtype=np.int32)
    ravg = np.empty((S, E))
    pos = np.arange(1, E + 1, dtype=np.int32)
    new = np.empty(E, dtype=bool)
    new[0] = True
    last = np.empty(E, dtype=bool)
    last[-1] = True
    for r in range(S):  # one sort per sample, vectorised over the entities
        key = np.negative(scores[r])
        order = np.argsort(key)
        sk = key[order]
        n_fin = E - int(np.isnan(sk[-1])) * int(np.isnan(sk).sum())
        scale = max(abs(float(sk[0])), abs(float(sk[n_fin - 1]))) if n_fin else 0.0
        np.greater(sk[1:] - sk[:-1], _TIE_RTOL * scale, out=new[1:])
        if 0 < n_fin < E:
            new[n_fin] = True  # NaNs after every number, tied with each other
        rr, ra = rmin[r], ravg[r]
        if new.all():
            rr[order] = pos
            ra[order] = pos
            continue
        start = np.where(new, pos, 0)
        np.maximum.accumulate(start, out=start)
        rr[order] = start
        last[:-1] = new[1:]
        end = np.where(last, pos, E)[::-1]
        end = np.minimum.accumulate(end)[::-1]
        ra[order] = (start + end) / 2.0
    return rmin, ravg


class _Accumulator:
    """Running per-entity and per-sample statistics against the base ranking.

    Works in the permuted entity order ``order`` (base ranking first); :meth:`entities`
    returns the input order.
    """

    def __init__(
        self,
        base_score: FloatArray,
        base_grade: npt.NDArray[np.int8] | None,
        order: IntArray,
        top_k: int,
        window: int,
        n_grades: int,
        kendall_idx: IntArray,
    ) -> None:
        rmin, ravg = _rank_rows(base_score[None, :])
        self.order = order
        self.score0 = base_score.copy()
        self.rank0 = rmin[0]
        self.grade0 = None if base_grade is None else base_grade.copy()
        c0 = ravg[0] - ravg[0].mean()
        self.c0 = c0
        self.n0 = float(np.sqrt(c0 @ c0))
        self.top0 = self.rank0 <= top_k
        self.n_top0 = int(self.top0.sum())
        self.best0 = np.flatnonzero(self.rank0 == 1)
        self.top_k = top_k
        self.window = window
        self.G = n_grades
        self.kidx = kendall_idx
        E = base_score.size
        self.n = 0
        self.keep_rank = np.zeros(E, dtype=np.int64)
        self.within = np.zeros(E, dtype=np.int64)
        self.in_top = np.zeros(E, dtype=np.int64)
        self.keep_grade = np.zeros(E, dtype=np.int64)
        self.grade_counts = np.zeros((E, n_grades), dtype=np.int64)
        self.shift_sum = np.zeros(E, dtype=np.int64)
        self.shift_sq = np.zeros(E)
        self.rank_min = np.full(E, np.iinfo(np.int32).max, dtype=np.int32)
        self.rank_max = np.zeros(E, dtype=np.int32)
        self.dscore = np.zeros(E)
        self.dscore_sq = np.zeros(E)
        self.spearman: list[FloatArray] = []
        self.kendall: list[FloatArray] = []
        self.grade_changed: list[FloatArray] = []
        self.top_retained: list[FloatArray] = []
        self.top_same: list[BoolArray] = []
        self.top1: list[BoolArray] = []
        self.mean_shift: list[FloatArray] = []
        self.max_shift: list[IntArray] = []
        self.score_change: list[FloatArray] = []

    def add(self, scores: FloatArray, grades: npt.NDArray[np.int8] | None) -> None:
        from scipy.stats import kendalltau

        S = scores.shape[0]
        self.n += S
        rmin, ravg = _rank_rows(scores)
        shift = rmin - self.rank0[None, :]
        ashift = np.abs(shift)
        self.keep_rank += (shift == 0).sum(axis=0)
        self.within += (ashift <= self.window).sum(axis=0)
        top = rmin <= self.top_k
        self.in_top += top.sum(axis=0)
        self.shift_sum += shift.sum(axis=0, dtype=np.int64)
        fshift = shift.astype(np.float64)
        self.shift_sq += np.einsum("se,se->e", fshift, fshift)
        np.minimum(self.rank_min, rmin.min(axis=0), out=self.rank_min)
        np.maximum(self.rank_max, rmin.max(axis=0), out=self.rank_max)
        ds = scores - self.score0[None, :]
        self.dscore += ds.sum(axis=0)
        self.dscore_sq += np.einsum("se,se->e", ds, ds)
        self.score_change.append(ds.mean(axis=1))
        # Spearman: Pearson correlation of average ranks
        ravg -= ravg.mean(axis=1, keepdims=True)
        norms = np.sqrt(np.einsum("se,se->s", ravg, ravg)) * self.n0
        num = ravg @ self.c0
        self.spearman.append(np.divide(num, norms, out=np.full(S, np.nan), where=norms > 0))
        kt = np.full(S, np.nan)
        if self.kidx.size >= 2:
            base_sub = self.score0[self.kidx]
            for s in range(S):  # O(E log E) each, on the (sub)set of entities
                kt[s] = float(kendalltau(base_sub, scores[s, self.kidx]).statistic)
        self.kendall.append(kt)
        both = top[:, self.top0].sum(axis=1)
        self.top_retained.append(both / max(self.n_top0, 1))
        self.top_same.append((both == self.n_top0) & (top.sum(axis=1) == self.n_top0))
        self.top1.append((rmin[:, self.best0] == 1).all(axis=1))
        self.mean_shift.append(ashift.mean(axis=1))
        self.max_shift.append(ashift.max(axis=1).astype(np.int64))
        if grades is not None and self.grade0 is not None:
            changed = grades != self.grade0[None, :]
            self.keep_grade += S - changed.sum(axis=0)
            self.grade_changed.append(changed.mean(axis=1))
            for g in range(self.G):
                self.grade_counts[:, g] += (grades == g).sum(axis=0)

    def entities(self, entity_ids: npt.NDArray[np.str_]) -> EntityStability:
        n = max(self.n, 1)
        has_g = self.grade0 is not None
        inv = np.empty_like(self.order)
        inv[self.order] = np.arange(self.order.size)

        def back(x: Any) -> Any:  # permuted order → input order
            return _ro(np.ascontiguousarray(x[inv]))

        mean_shift = self.shift_sum / n
        var_rank = np.maximum(self.shift_sq / n - mean_shift**2, 0.0)
        mean_ds = self.dscore / n
        var_s = np.maximum(self.dscore_sq / n - mean_ds**2, 0.0)
        return EntityStability(
            entity_ids=entity_ids,
            base_score=back(self.score0),
            base_rank=back(self.rank0.astype(np.int64)),
            base_grade=None if self.grade0 is None else back(self.grade0.astype(np.int64)),
            p_keep_rank=back(self.keep_rank / n),
            p_rank_within=back(self.within / n),
            rank_window=self.window,
            p_top_k=back(self.in_top / n),
            top_k=self.top_k,
            p_keep_grade=back(self.keep_grade / n) if has_g else None,
            grade_probability=back(self.grade_counts / n) if has_g else None,
            rank_mean=back(self.rank0 + mean_shift),
            rank_sd=back(np.sqrt(var_rank)),
            rank_min=back(self.rank_min.astype(np.int64)),
            rank_max=back(self.rank_max.astype(np.int64)),
            score_mean=back(self.score0 + mean_ds),
            score_sd=back(np.sqrt(var_s)),
        )

    def per_sample(self) -> SampleAgreement:
        def cat(parts: list[Any], dtype: Any) -> Any:
            return _ro(np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))

        return SampleAgreement(
            spearman=cat(self.spearman, np.float64),
            kendall=cat(self.kendall, np.float64),
            grade_changed=cat(self.grade_changed, np.float64) if self.grade0 is not None else None,
            top_k_retained=cat(self.top_retained, np.float64),
            top_k_same=cat(self.top_same, np.bool_),
            top1_same=cat(self.top1, np.bool_),
            mean_abs_rank_shift=cat(self.mean_shift, np.float64),
            max_abs_rank_shift=cat(self.max_shift, np.int64),
        )


def _run(
    model: _Model,
    local: FloatArray,
    *,
    top_k: int,
    window: int,
    kendall_entities: int | None,
    rng: np.random.Generator,
) -> _Accumulator:
    """Evaluate the base and every row of ``local`` (S, N) in batches; accumulate.

    ``top_k`` is clamped to the number of entities; Kendall's τ is computed on the entities
    ``_kendall_subset`` draws with ``rng``.  On the linear path the entities are first put
    in base-ranking order: the rows to sort are then nearly sorted, which speeds up every
    per-sample sort.  (The per-sample re-evaluation of the non-linear path dominates its
    cost; its entities keep their order so that its base scores are bit-identical to
    :func:`evalsys.engines.memory.score_entities`.)
    """
    E = model.data.n_entities
    kendall_idx = _kendall_subset(E, kendall_entities, rng)
    base_local = np.asarray(model.weights.local, dtype=np.float64)[None, :]
    s0, g0 = _evaluate(model, base_local)
    if model.linear:
        order = np.argsort(-s0[0], kind="stable").astype(np.int64)
        pm = _permuted(model, order)
        base_score, base_grade = _evaluate(pm, base_local)
    else:
        order = np.arange(s0.shape[1], dtype=np.int64)
        pm, base_score, base_grade = model, s0, g0
    inv = np.empty_like(order)
    inv[order] = np.arange(order.size)
    acc = _Accumulator(
        base_score[0],
        None if base_grade is None else base_grade[0],
        order,
        min(top_k, E),
        window,
        model.compiled.n_grades,
        np.sort(inv[kendall_idx]),
    )
    batch = max(1, _BATCH_ELEMENTS // E)
    work: dict[str, Any] = {}
    for lo in range(0, local.shape[0], batch):
        scores, grades = _evaluate(pm, local[lo : lo + batch], work)
        acc.add(scores, grades)
    return acc


def _kendall_subset(E: int, kendall_entities: int | None, rng: np.random.Generator) -> IntArray:
    if kendall_entities is None or kendall_entities >= E:
        return np.arange(E, dtype=np.int64)
    if kendall_entities < 2:  # Kendall's τ not computed
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(E, size=kendall_entities, replace=False)).astype(np.int64)
