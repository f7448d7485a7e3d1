"""One block of rows as every engine scores it, with the choices of one run.

It owns :func:`run_scorer` (the :class:`~evalsys.scoring.scorer.Scorer` of a run's
:class:`~evalsys.engines.options.ScoreOptions`, used by the memory, stream and Dask
engines), :func:`check_block` (a chunk or partition checked at the data boundary with
global row numbers) and :func:`score_block` (its scores, with the vectors and leaf scores
the run writes).  Spelling these calls once keeps the engines bit-identical.
"""

from __future__ import annotations

from typing import Any

from evalsys.engines.options import ScoreOptions
from evalsys.model.compiled import CompiledTree
from evalsys.model.data import CheckedValues, indicator_values
from evalsys.scoring.scorer import BlockScores, Scorer, make_scorer
from evalsys.weights.hierarchy import TreeWeights

__all__ = ["check_block", "run_scorer", "score_block"]


def run_scorer(
    compiled: CompiledTree, weights: TreeWeights | None, options: ScoreOptions, **sizing: Any
) -> Scorer:
    """The FCE scorer of a run: the operator and B normalisation of ``options``.

    Parameters
    ----------
    compiled, weights
        The compiled tree and its weights (``None``: those of its specifications).
    options
        The run's choices.
    **sizing
        ``data_lo``, ``data_hi``, ``threads``, ``kernel`` and ``rows``, as for
        :func:`~evalsys.scoring.scorer.make_scorer`.

    Returns
    -------
    Scorer
    """
    return make_scorer(
        compiled, weights, operator=options.operator, normalize_b=options.normalize_b, **sizing
    )


def check_block(
    compiled: CompiledTree, table: Any, options: ScoreOptions, offset: int
) -> CheckedValues:
    """The indicator values of one chunk or partition, checked at the data boundary.

    Parameters
    ----------
    compiled
        The compiled tree.
    table
        A pyarrow Table of the block's rows.
    options
        The run's choices (the missing-value policy).
    offset
        Rows of the whole table before this block: row numbers in errors are global.

    Returns
    -------
    CheckedValues
        The "rates given as fractions" check is left to the caller, over every block.
    """
    return indicator_values(
        compiled,
        table,
        missing=options.missing,  # type: ignore[arg-type]
        row_offset=offset,
        fraction_check=False,
    )


def score_block(scorer: Scorer, checked: CheckedValues, options: ScoreOptions) -> BlockScores:
    """Score the rows of a checked block.

    Parameters
    ----------
    scorer
        The run's scorer (:func:`run_scorer`).
    checked
        The block's values (:func:`check_block`).
    options
        The run's choices: leaf scores for ``contributions``, vectors B for ``memberships``.

    Returns
    -------
    BlockScores
    """
    return scorer.block(
        checked.values,
        checked.votes,
        checked.present,
        leaf_scores=options.contributions,
        vectors=options.memberships,
    )
