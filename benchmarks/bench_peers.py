"""Benchmark: TOPSIS and entropy weights on 1M x 20 against peer libraries.

Run from the repository root::

    python benchmarks/bench_peers.py [--n 1000000] [--m 20] [--repeats 3]

Peers (installed only for the benchmark, never dependencies of evalsys; ``make bench``
installs them): pymcdm (``pymcdm.methods.TOPSIS`` with vector normalisation,
``pymcdm.weights.entropy_weights``) and scikit-criteria (``VectorScaler`` + ``TOPSIS``
pipeline, ``EntropyWeighter``).  A peer that is not installed is skipped with a message.
Every peer's result is checked equal to evalsys's (max abs difference printed).

The matrix is uniform random, min-max scaled per column so that evalsys's entropy (which
min-max normalises first) and the peers' (proportions of the raw values) see the same
numbers: evalsys gets ``shift=0.01``, the peers ``X + 0.01`` (pymcdm requires positive
values).  13 of 20 criteria are benefit, 7 cost.  Target: evalsys TOPSIS at least as fast
as every peer.
"""

from __future__ import annotations

import argparse
import os
import warnings

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import numpy as np  # noqa: E402
from _util import median_time, print_machine, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--m", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print_machine()

    from evalsys.scoring.mcda import mcda_score
    from evalsys.weights.objective import objective_weights

    rng = np.random.default_rng(7)
    X = rng.random((args.n, args.m))
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    w = rng.random(args.m)
    w /= w.sum()
    benefit = np.arange(args.m) % 3 != 2
    types = np.where(benefit, 1, -1)
    shift = 0.01

    def ev_topsis() -> np.ndarray:
        return np.asarray(mcda_score(X, w, benefit, method="topsis").scores)

    def ev_entropy() -> np.ndarray:
        return np.asarray(objective_weights(X, method="entropy", shift=shift).weights)

    ref_t, ref_e = ev_topsis(), ev_entropy()
    rows: list[list[str]] = []
    t_ev = median_time(ev_topsis, args.repeats)
    e_ev = median_time(ev_entropy, args.repeats)
    rows.append(["TOPSIS", "evalsys", f"{t_ev:.3f}", "1.0x", "—"])
    rows.append(["entropy weights", "evalsys", f"{e_ev:.3f}", "1.0x", "—"])
    skipped = []
    try:
        from pymcdm import normalizations
        from pymcdm import weights as pw
        from pymcdm.methods import TOPSIS

        top = TOPSIS(normalization_function=normalizations.vector_normalization)
        res = np.asarray(top(X, w, types))
        t = median_time(lambda: top(X, w, types), args.repeats)
        rows.append(
            ["TOPSIS", "pymcdm", f"{t:.3f}", f"{t / t_ev:.1f}x", f"{np.abs(res - ref_t).max():.1e}"]
        )
        Xs = X + shift
        res = np.asarray(pw.entropy_weights(Xs))
        t = median_time(lambda: pw.entropy_weights(Xs), args.repeats)
        rows.append(
            [
                "entropy weights",
                "pymcdm",
                f"{t:.3f}",
                f"{t / e_ev:.1f}x",
                f"{np.abs(res - ref_e).max():.1e}",
            ]
        )
    except ImportError:
        skipped.append("pymcdm (pip install pymcdm)")
    try:
        import skcriteria as skc
        from skcriteria.agg.topsis import TOPSIS as STOPSIS
        from skcriteria.pipelines import mkpipe
        from skcriteria.preprocessing.scalers import SumScaler, VectorScaler
        from skcriteria.preprocessing.weighters import EntropyWeighter

        objectives = [max if b else min for b in benefit]

        def sk_topsis() -> np.ndarray:
            dm = skc.mkdm(X, objectives=objectives, weights=w)
            pipe = mkpipe(VectorScaler(target="matrix"), SumScaler(target="weights"), STOPSIS())
            return np.asarray(pipe.evaluate(dm).e_.similarity)

        def sk_entropy() -> np.ndarray:
            dm = skc.mkdm(X + shift, objectives=[max] * args.m)
            return np.asarray(EntropyWeighter().transform(dm).weights.to_numpy())

        res = sk_topsis()
        t = median_time(sk_topsis, args.repeats)
        rows.append(
            [
                "TOPSIS",
                "scikit-criteria",
                f"{t:.3f}",
                f"{t / t_ev:.1f}x",
                f"{np.abs(res - ref_t).max():.1e}",
            ]
        )
        res = sk_entropy()
        t = median_time(sk_entropy, args.repeats)
        rows.append(
            [
                "entropy weights",
                "scikit-criteria",
                f"{t:.3f}",
                f"{t / e_ev:.1f}x",
                f"{np.abs(res - ref_e).max():.1e}",
            ]
        )
    except ImportError:
        skipped.append("scikit-criteria (pip install scikit-criteria)")
    rows.sort(key=lambda r: r[0], reverse=True)
    print(
        f"\nTOPSIS and entropy weights on a {args.n:,} x {args.m} matrix (median of {args.repeats})"
    )
    print(table(rows, ["method", "library", "seconds", "time vs evalsys", "max |diff|"]))
    for s in skipped:
        print(f"skipped (not installed): {s}")
    print("target: evalsys TOPSIS at least as fast as every peer")


if __name__ == "__main__":
    main()
