"""Benchmark: the FCE scoring kernel vs a bare ``X @ w`` and vs a per-entity Python loop.

Run from the repository root::

    python benchmarks/bench_kernel.py [--n 1000000] [--repeats 5] [--loop 2000]

X is the (E, L) float64 matrix of E generated merchants on the shipped tree (31
indicators).  The kernel is :meth:`evalsys.scoring.scorer.Scorer.block` — standard memberships →
M(·,+) through the dimensions → root B → grade (maximum membership + validity) and weighted
grade scores — without the optional (E, G) / (E, D, G) evaluation vectors, with the fused
compiled kernel (numba, :mod:`evalsys.scoring.kernels`) and with the numpy kernel.  Both are timed
against ``X @ w`` on the same array (memory bandwidth: the floor for anything that reads X
once), with 1 and 2 threads, in wall time and in process CPU time (which another load on
the machine disturbs less), and against the same kernel called once per entity (a Python
loop over entities, timed on ``--loop`` entities and extrapolated).  The one-time start-up
of the compiled kernel (numba's import and cached machine code, in a fresh process) is
measured too.  Target: kernel within 5x of ``X @ w``.  BLAS threads are capped at 2 unless
already set.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

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

    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import indicator_data
    from evalsys.model.io import load_tree
    from evalsys.model.sample import generate_sample
    from evalsys.model.tables import table_from_columns
    from evalsys.scoring.scorer import make_scorer

    warnings.simplefilter("ignore")
    print_machine()
    tree = load_tree("ecommerce_service")
    compiled = compile_tree(tree)
    data = indicator_data(compiled, table_from_columns(generate_sample(tree, args.n, seed=3)))
    X = data.values  # (E, L), leaf columns contiguous (as the data boundary builds it)
    Xc = np.ascontiguousarray(X)
    w = np.full(X.shape[1], 1.0 / X.shape[1])
    E, L = X.shape
    from evalsys.scoring import kernels

    names = ["numba", "numpy"] if kernels.available() else ["numpy"]
    scorers = {(k, t): make_scorer(compiled, threads=t, kernel=k) for k in names for t in (1, 2)}
    for s in scorers.values():  # warm-up (compiles, or loads numba's cache), both outputs
        for vectors in (False, True):
            s.block(X[:1000], data.votes, data.present[:1000], vectors=vectors)

    rows = []
    for clock in ("wall", "cpu"):
        base = median_time(lambda: Xc @ w, args.repeats, clock)
        rows.append([f"X @ w ({clock})", f"{base * 1e3:.1f}", "1.0x", f"{E / base:,.0f}"])
        for (k, t), s in scorers.items():
            if clock == "cpu" and t == 2:
                continue  # CPU time adds up over threads
            sec = median_time(
                lambda s=s: s.block(X, data.votes, data.present, vectors=False),
                args.repeats,
                clock,
            )
            rows.append(
                [
                    f"{k} kernel, {t} thread{'s' * (t > 1)} ({clock})",
                    f"{sec * 1e3:.1f}",
                    f"{sec / base:.1f}x",
                    f"{E / sec:,.0f}",
                ]
            )
        kv = median_time(
            lambda: scorers[(names[0], 2)].block(X, data.votes, data.present, vectors=True),
            3,
            clock,
        )
        rows.append(
            [
                f"{names[0]} kernel + vectors B ({clock})",
                f"{kv * 1e3:.1f}",
                f"{kv / base:.1f}x",
                f"{E / kv:,.0f}",
            ]
        )
    fastest = scorers[(names[0], 2)]
    # per-entity loop over the same kernel, extrapolated
    m = min(args.loop, E)
    one = scorers[(names[0], 1)]
    loop = median_time(
        lambda: [
            one.block(X[i : i + 1], data.votes, data.present[i : i + 1], vectors=False)
            for i in range(m)
        ],
        3,
    )
    per_entity = loop / m * E
    kernel_wall = median_time(lambda: fastest.block(X, data.votes, data.present, vectors=False), 3)
    rows.append(
        [
            f"per-entity loop ({m} timed, extrapolated)",
            f"{per_entity * 1e3:,.0f}",
            f"{per_entity / kernel_wall:,.0f}x kernel",
            f"{E / per_entity:,.0f}",
        ]
    )
    # the batched result equals the per-entity results bit for bit
    full = fastest.block(X, data.votes, data.present, vectors=False)
    other = scorers[(names[-1], 2)].block(X, data.votes, data.present, vectors=False)
    same_kernels = all(
        np.array_equal(getattr(full, f), getattr(other, f))
        for f in ("score", "grade", "validity", "dimension_score")
    )
    single = [one.block(X[i : i + 1], data.votes, data.present[i : i + 1]) for i in range(50)]
    equal = all(
        full.score[i] == b.score[0] and full.validity[i] == b.validity[0]
        for i, b in enumerate(single)
    )
    print(f"\nFCE kernel on X of shape ({E:,}, {L}) float64 (shipped tree, 4 grades)")
    print(table(rows, ["what", "ms", "ratio to X @ w", "entities/s"]))
    print(f"batched == per-entity results (50 entities, bit for bit): {equal}")
    print(
        f"{names[0]} kernel == {names[-1]} kernel (all {E:,} entities, bit for bit): {same_kernels}"
    )
    if "numba" in names:
        print(f"compiled kernel start-up in a fresh process (once): {startup():.2f} s")
    print("target: kernel within 5x of X @ w")


def startup() -> float:
    """Median seconds of numba's import + loading the cached kernels, in fresh processes."""
    code = (
        "import time; t = time.perf_counter(); import numpy as np\n"
        "from evalsys.scoring import kernels; from evalsys.engines import ids\n"
        "import pyarrow as pa\n"
        "t1 = time.perf_counter(); ids.hash_strings(pa.array(['a']), compiled=True)\n"
        "print(time.perf_counter() - t1)"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        runs.append(float(out.stdout.strip().splitlines()[-1]))
    return sorted(runs)[1]


if __name__ == "__main__":
    main()
