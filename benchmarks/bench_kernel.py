"""Benchmark: the FCE scoring kernel vs a bare ``X @ w`` and vs a per-entity Python loop.

Run from the repository root::

    python benchmarks/bench_kernel.py [--n 1000000] [--repeats 5] [--loop 2000]

X is the (E, L) float64 matrix of E generated merchants on the shipped tree (31
indicators).  The kernel is :meth:`evalsys.evaluate.Scorer.block` — standard memberships →
M(·,+) through the dimensions → root B → grade (maximum membership + validity) and weighted
grade scores — without the optional (E, G) / (E, D, G) evaluation vectors.  It is timed
against ``X @ w`` on the same array (memory bandwidth: the floor for anything that reads X
once), with 1 and 2 threads, in wall time and in process CPU time (which another load on
the machine disturbs less), and against the same kernel called once per entity (a Python
loop over entities, timed on ``--loop`` entities and extrapolated).  Target: kernel within
5x of ``X @ w``.  BLAS threads are capped at 2 unless already set.
"""

from __future__ import annotations

import argparse
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import numpy as np  # noqa: E402
from _util import median_time, print_machine, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--loop", type=int, default=2_000)
    args = parser.parse_args()

    import warnings

    from evalsys.compiled import compile_tree
    from evalsys.data import indicator_data
    from evalsys.evaluate import make_scorer
    from evalsys.io import load_tree
    from evalsys.sample import generate_sample
    from evalsys.tables import table_from_columns

    warnings.simplefilter("ignore")
    print_machine()
    tree = load_tree("ecommerce_service")
    compiled = compile_tree(tree)
    data = indicator_data(compiled, table_from_columns(generate_sample(tree, args.n, seed=3)))
    X = data.values  # (E, L), leaf columns contiguous (as the data boundary builds it)
    Xc = np.ascontiguousarray(X)
    w = np.full(X.shape[1], 1.0 / X.shape[1])
    E, L = X.shape
    scorers = {t: make_scorer(compiled, threads=t) for t in (1, 2)}
    for s in scorers.values():  # warm-up
        s.block(X[:1000], data.votes, data.present[:1000], vectors=False)

    rows = []
    for clock in ("wall", "cpu"):
        base = median_time(lambda: Xc @ w, args.repeats, clock)
        rows.append([f"X @ w ({clock})", f"{base * 1e3:.1f}", "1.0x", f"{E / base:,.0f}"])
        for t, s in scorers.items():
            if clock == "cpu" and t == 2:
                continue  # CPU time adds up over threads
            k = median_time(
                lambda s=s: s.block(X, data.votes, data.present, vectors=False),
                args.repeats,
                clock,
            )
            rows.append(
                [
                    f"kernel, {t} thread{'s' * (t > 1)} ({clock})",
                    f"{k * 1e3:.1f}",
                    f"{k / base:.1f}x",
                    f"{E / k:,.0f}",
                ]
            )
        kv = median_time(
            lambda: scorers[2].block(X, data.votes, data.present, vectors=True), 3, clock
        )
        rows.append(
            [
                f"kernel + vectors B ({clock})",
                f"{kv * 1e3:.1f}",
                f"{kv / base:.1f}x",
                f"{E / kv:,.0f}",
            ]
        )
    # per-entity loop over the same kernel, extrapolated
    m = min(args.loop, E)
    one = scorers[1]
    loop = median_time(
        lambda: [
            one.block(X[i : i + 1], data.votes, data.present[i : i + 1], vectors=False)
            for i in range(m)
        ],
        3,
    )
    per_entity = loop / m * E
    kernel_wall = median_time(
        lambda: scorers[2].block(X, data.votes, data.present, vectors=False), 3
    )
    rows.append(
        [
            f"per-entity loop ({m} timed, extrapolated)",
            f"{per_entity * 1e3:,.0f}",
            f"{per_entity / kernel_wall:,.0f}x kernel",
            f"{E / per_entity:,.0f}",
        ]
    )
    # the batched result equals the per-entity results bit for bit
    full = scorers[2].block(X, data.votes, data.present, vectors=False)
    single = [one.block(X[i : i + 1], data.votes, data.present[i : i + 1]) for i in range(50)]
    equal = all(
        full.score[i] == b.score[0] and full.validity[i] == b.validity[0]
        for i, b in enumerate(single)
    )
    print(f"\nFCE kernel on X of shape ({E:,}, {L}) float64 (shipped tree, 4 grades)")
    print(table(rows, ["what", "ms", "ratio to X @ w", "entities/s"]))
    print(f"batched == per-entity results (50 entities, bit for bit): {equal}")
    print("target: kernel within 5x of X @ w")


if __name__ == "__main__":
    main()
