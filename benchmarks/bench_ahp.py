"""Benchmark: weight and CR-check 100,000 random 9×9 judgment matrices in one call.

Run from the repository root::

    python benchmarks/bench_ahp.py [--samples 100000] [--n 9] [--repeats 5] [--loop 1000]

The matrices are random reciprocal matrices whose upper triangle is drawn uniformly from
Saaty's 17 values 1/9 … 1/2, 1, 2 … 9 (seeded).  The script prints the median time of
``ahp_priorities(stack)`` (validation + eigenvector + λmax + CI + CR) over several runs,
and the ratio to two per-matrix Python loops timed on a sample and extrapolated:
``ahp_priorities`` called once per matrix, and a plain ``numpy.linalg.eig`` loop (what
most peer implementations do).  It prints ratios, not pass/fail; the target is < 1 s for
100,000 matrices on 2 cores.  BLAS threads are capped at 2 unless already set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import numpy as np  # noqa: E402  (after the thread caps)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalsys.weights.ahp import SAATY_SCALE, ahp_priorities  # noqa: E402
from evalsys.weights.ri_tables import random_index  # noqa: E402


def random_stack(samples: int, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = np.asarray(SAATY_SCALE)
    iu, ju = np.triu_indices(n, k=1)
    draws = values[rng.integers(0, values.size, size=(samples, iu.size))]
    a = np.ones((samples, n, n))
    a[:, iu, ju] = draws
    a[:, ju, iu] = 1.0 / draws
    return a


def numpy_eig_loop(stack: np.ndarray, ri: float) -> list[tuple[np.ndarray, float]]:
    out = []
    n = stack.shape[-1]
    for a in stack:  # the per-matrix loop being compared against
        vals, vecs = np.linalg.eig(a)
        k = int(np.argmax(vals.real))
        w = np.abs(vecs[:, k].real)
        w /= w.sum()
        cr = (vals[k].real - n) / (n - 1) / ri
        out.append((w, cr))
    return out


def median_time(fn: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--n", type=int, default=9)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--loop", type=int, default=1_000, help="matrices in the loop sample")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    stack = random_stack(args.samples, args.n, args.seed)
    ahp_priorities(stack[:100])  # warm-up (imports, caches)

    batched = median_time(lambda: ahp_priorities(stack), args.repeats)
    result = ahp_priorities(stack)

    sample = stack[: args.loop]
    loop_evalsys = median_time(lambda: [ahp_priorities(m) for m in sample], 3)
    loop_numpy = median_time(lambda: numpy_eig_loop(sample, random_index(args.n)), 3)
    scale = args.samples / args.loop

    # the batched and the looped results agree
    single = [ahp_priorities(m) for m in sample[:50]]
    agree = max(float(np.abs(result.weights[k] - r.weights).max()) for k, r in enumerate(single))

    print(f"evalsys ahp_priorities on a ({args.samples}, {args.n}, {args.n}) stack")
    print(f"  cpus: {os.cpu_count()}, BLAS threads cap: {os.environ['OPENBLAS_NUM_THREADS']}")
    print(f"  batched, one call (median of {args.repeats}): {batched:.3f} s")
    print(
        f"  per-matrix ahp_priorities loop, {args.loop} timed, extrapolated: "
        f"{loop_evalsys * scale:.1f} s  -> ratio {loop_evalsys * scale / batched:.0f}x"
    )
    print(
        f"  per-matrix numpy.linalg.eig loop, {args.loop} timed, extrapolated: "
        f"{loop_numpy * scale:.1f} s  -> ratio {loop_numpy * scale / batched:.0f}x"
    )
    print(
        f"  mean CI = {float(np.mean(result.ci)):.4f} (Monte Carlo RI for n = {args.n}), "
        f"share CR < 0.1: {float(np.mean(result.consistent)):.4f}"
    )
    print(f"  max |batched - looped| weight difference (50 matrices): {agree:.2e}")
    print(f"  target < 1 s: {'met' if batched < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
