"""Benchmark: Monte Carlo over the weights, 1,000 samples × 100,000 entities.

Run from the repository root::

    python benchmarks/bench_sensitivity.py [--entities 100000] [--samples 1000] [--repeats 3]
                                           [--loop 3]

The entities are generated for the shipped tree ``ecommerce_service`` with
:func:`evalsys.model.sample.generate_sample` (seeded).  The script times
:func:`evalsys.analysis.sensitivity.monte_carlo` (``mode="weights"``, FCE with the weighted-average
operator: Dirichlet samples of every node's local weights, scores and grades of every
sample by the linear identity, ranks, Spearman on all entities, Kendall on the default
5,000-entity subsample, per-entity stability) and prints the median of several runs,
entity-samples per second, and the ratio to a naive loop that re-scores every sample with
:func:`evalsys.engines.memory.score_entities` (timed on a few samples and extrapolated).  It
prints numbers, not pass/fail; the target is well under a minute on 2 cores.  BLAS
threads are capped at 2 unless already set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import numpy as np  # noqa: E402  (after the thread caps)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalsys.analysis.sensitivity.core import with_local_weights  # noqa: E402
from evalsys.analysis.sensitivity.montecarlo import monte_carlo  # noqa: E402
from evalsys.engines.memory import score_entities  # noqa: E402
from evalsys.errors import ValidityWarning  # noqa: E402
from evalsys.model.compiled import compile_tree  # noqa: E402
from evalsys.model.data import indicator_data  # noqa: E402
from evalsys.model.io import load_tree  # noqa: E402
from evalsys.model.sample import generate_sample  # noqa: E402
from evalsys.model.tables import table_from_columns  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--loop", type=int, default=3, help="samples in the naive loop")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ValidityWarning)

    spec = load_tree("ecommerce_service")
    compiled = compile_tree(spec)
    t0 = time.perf_counter()
    data = indicator_data(
        compiled, table_from_columns(generate_sample(spec, args.entities, seed=args.seed))
    )
    print(
        f"data: {args.entities:,} entities × {compiled.n_leaves} indicators "
        f"({time.perf_counter() - t0:.1f} s to generate and check)"
    )

    times = []
    res = None
    for _ in range(args.repeats):
        t = time.perf_counter()
        res = monte_carlo(compiled, data, samples=args.samples, mode="weights", seed=args.seed)
        times.append(time.perf_counter() - t)
    assert res is not None
    med = statistics.median(times)
    rate = args.entities * args.samples / med
    print(
        f"monte_carlo: {args.samples:,} samples × {args.entities:,} entities: median "
        f"{med:.2f} s of {args.repeats} (runs: {', '.join(f'{x:.2f}' for x in times)})"
    )
    print(f"  {rate:,.0f} entity-samples/s; Kendall on {res.kendall_entities:,} entities")
    print(
        f"  Spearman median {np.median(res.per_sample.spearman):.5f}, "
        f"mean P(keep grade) {res.entities.p_keep_grade.mean():.4f}"  # type: ignore[union-attr]
    )

    # naive: re-score every sample with score_entities (memberships recomputed each time)
    base = score_entities(compiled, data).weights
    t = time.perf_counter()
    for s in range(args.loop):
        score_entities(compiled, data, with_local_weights(compiled, base, res.local[s]))
    per = (time.perf_counter() - t) / args.loop
    naive = per * args.samples
    print(
        f"naive loop: {per:.2f} s per sample → {naive:,.0f} s for {args.samples:,} samples "
        f"(extrapolated from {args.loop}); vectorised is {naive / med:,.0f}× faster"
    )


if __name__ == "__main__":
    main()
