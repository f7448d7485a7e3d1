"""Benchmark: TOPSIS, entropy weights and AHP against peer libraries.

Run from the repository root::

    python benchmarks/bench_peers.py [--n 1000000] [--m 20] [--repeats 3]
        [--ahp-samples 100000] [--ahp-loop 1000] [--tree-repeats 20] [--quick]

Peers (installed only for the benchmark, never dependencies of evalsys; ``make bench``
installs them): pymcdm (``pymcdm.methods.TOPSIS`` with vector normalisation,
``pymcdm.weights.entropy_weights``), scikit-criteria (``VectorScaler`` + ``TOPSIS``
pipeline, ``EntropyWeighter``), pyDecision (``pyDecision.algorithm.ahp_method``) and AHPy
(``ahpy.Compare``).  A peer that is not installed is skipped with a message.  Every peer's
result is checked against evalsys's (max abs difference printed).

TOPSIS and entropy: the matrix is uniform random, min-max scaled per column so that
evalsys's entropy (which min-max normalises first) and the peers' (proportions of the raw
values) see the same numbers: evalsys gets ``shift=0.01``, the peers ``X + 0.01`` (pymcdm
requires positive values).  13 of 20 criteria are benefit, 7 cost.  Target: evalsys
TOPSIS at least as fast as every peer.

AHP, case A: the random 9x9 Saaty-scale reciprocal matrices of ``bench_ahp.py`` (same
seed).  evalsys weights and CR-checks the whole stack in one ``ahp_priorities`` call
(eigenvector method, Saaty 1980 RI).  The peers work one matrix per call, so they are
timed on the first ``--ahp-loop`` matrices (median of 3) and extrapolated linearly to the
whole stack: pyDecision ``ahp_method(A, wd="max_eigen")`` (numpy eigenvector, Saaty RI),
AHPy ``Compare(..., precision=12, random_index="saaty")`` (eigenvector by repeated
squaring, Saaty 2005 RI, which equals Saaty 1980 at n = 9) and AHPy with its defaults
(4 decimals, Donegan & Dodd RI).  AHPy's comparison dictionaries are built outside the
timing.  AHPy's precision is capped at 12: from 14 decimals on, its repeated squaring
overflows to NaN on some matrices before the rounded iterates stop changing.

AHP, case B: the global leaf weights of the shipped ``ecommerce_service`` tree (5
dimensions, 31 leaves, six pairwise matrices): evalsys ``tree_weights`` of the compiled tree
against AHPy ``Compare`` objects for the same judgments joined with ``add_children``
(median of ``--tree-repeats``; loading and compiling the tree and building AHPy's
dictionaries are outside the timing).

``--quick`` (smoke run) uses 100,000 x 20, 10,000 matrices with a 200-matrix loop sample
and 5 tree repetitions, unless those sizes are given explicitly.
"""

from __future__ import annotations

import argparse
import os
import warnings
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "2")

import numpy as np  # noqa: E402
from _util import median_time, print_machine, table  # noqa: E402

AHP_SEED = 20240601  # the seed of bench_ahp.py
AHPY_PRECISION = 12  # 14 and more decimals make AHPy's repeated squaring overflow (NaN)


def bench_topsis_entropy(args: argparse.Namespace) -> None:
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


def _ahpy_dict(a: np.ndarray, names: list[str]) -> dict[tuple[str, str], float]:
    """AHPy's input: the upper triangle of ``a`` as {(row, column): judgment}."""
    n = len(names)
    return {(names[i], names[j]): float(a[i, j]) for i in range(n) for j in range(i + 1, n)}


def bench_ahp_stack(args: argparse.Namespace) -> None:
    from bench_ahp import random_stack

    from evalsys.weights.ahp import ahp_priorities
    from evalsys.weights.ri_tables import random_index

    n, loop = args.ahp_n, min(args.ahp_loop, args.ahp_samples)
    stack = random_stack(args.ahp_samples, n, AHP_SEED)
    ahp_priorities(stack[:100])  # warm-up (imports, caches)
    t_ev = median_time(lambda: ahp_priorities(stack), args.repeats)
    ref = ahp_priorities(stack)
    ref_w, ref_cr = np.asarray(ref.weights)[:loop], np.asarray(ref.cr)[:loop]
    sample = stack[:loop]
    scale = args.ahp_samples / loop
    extrapolated = f"{loop:,}, x{scale:g}"
    rows = [
        [
            "evalsys",
            "eigenvector, batched",
            f"{t_ev:.3f}",
            f"{args.ahp_samples:,} (measured)",
            "1.0x",
            "—",
            "—",
        ]
    ]
    skipped = []
    notes = []

    def peer_row(library: str, method: str, fn: Any) -> None:
        w, cr = fn()
        bad = ~np.isfinite(w).all(axis=1)
        t = median_time(fn, 3) * scale
        dw = np.abs(w[~bad] - ref_w[~bad]).max()
        dcr = np.abs(cr[~bad] - ref_cr[~bad]).max()
        rows.append(
            [
                library,
                method,
                f"{t:.3f}",
                extrapolated,
                f"{t / t_ev:.0f}x",
                f"{dw:.1e}",
                f"{dcr:.1e}",
            ]
        )
        if bad.any():
            notes.append(f"{library} {method}: {int(bad.sum())} of {loop} matrices gave NaN")

    try:
        from pyDecision.algorithm import ahp_method

        def pyd() -> tuple[np.ndarray, np.ndarray]:
            out = [ahp_method(a, wd="max_eigen") for a in sample]
            return np.array([o[0] for o in out]), np.array([o[1] for o in out])

        peer_row("pyDecision", "ahp_method max_eigen", pyd)
    except ImportError:
        skipped.append("pyDecision (pip install pyDecision)")
    try:
        import ahpy

        names = [f"c{i}" for i in range(n)]
        dicts = [_ahpy_dict(a, names) for a in sample]

        def ahpy_run(**kw: Any) -> tuple[np.ndarray, np.ndarray]:
            cs = [ahpy.Compare("m", d, **kw) for d in dicts]
            w = np.array([[c.local_weights[k] for k in names] for c in cs], dtype=float)
            return w, np.array([c.consistency_ratio for c in cs], dtype=float)

        peer_row(
            "AHPy",
            f"Compare precision={AHPY_PRECISION}, RI saaty",
            lambda: ahpy_run(precision=AHPY_PRECISION, random_index="saaty"),
        )
        peer_row("AHPy", "Compare defaults (4 dp, RI dd)", ahpy_run)
    except ImportError:
        skipped.append("AHPy (pip install ahpy)")

    # hand check of matrix 0: principal eigenvector summing to 1, CR = CI / RI
    vals, vecs = np.linalg.eig(stack[0])
    k = int(np.argmax(vals.real))
    w0 = vecs[:, k].real / vecs[:, k].real.sum()
    cr0 = (vals[k].real - n) / (n - 1) / random_index(n)
    print(
        f"\nAHP on {args.ahp_samples:,} random {n}x{n} Saaty-scale matrices "
        f"(evalsys median of {args.repeats}; peers loop over one matrix per call, timed on "
        f"the first {loop:,} (median of 3) and EXTRAPOLATED x{scale:g}; "
        f"diffs vs evalsys over those {loop:,})"
    )
    print(
        table(
            rows,
            [
                "library",
                "method",
                "seconds",
                "timed on",
                "time vs evalsys",
                "max |w diff|",
                "max |CR diff|",
            ],
        )
    )
    for s in notes:
        print(f"note: {s}")
    for s in skipped:
        print(f"skipped (not installed): {s}")
    print(
        f"RI(n={n}): evalsys saaty1980 {random_index(n)}, pyDecision 1.45, AHPy saaty 1.45, "
        "AHPy default dd 1.3733"
    )
    print(
        "hand check, matrix 0 (numpy.linalg.eig, CR = CI / RI): max |w diff| "
        f"{np.abs(w0 - ref_w[0]).max():.1e}, |CR diff| {abs(cr0 - ref_cr[0]):.1e} "
        f"(CR = {cr0:.6f})"
    )


def bench_ahp_tree(args: argparse.Namespace) -> None:
    from evalsys.model.compiled import compile_tree
    from evalsys.model.io import load_tree
    from evalsys.model.weights_spec import parse_number
    from evalsys.weights.hierarchy import tree_weights
    from evalsys.weights.ri_tables import random_index

    spec = load_tree("ecommerce_service")
    compiled = compile_tree(spec)
    tw = tree_weights(compiled)
    t_ev = median_time(lambda: tree_weights(compiled), args.tree_repeats)
    ev_leaf = dict(
        zip(compiled.leaf_ids, np.asarray(tw.global_weights)[compiled.leaf_nodes], strict=True)
    )
    rows = [["evalsys", "tree_weights", f"{t_ev * 1e3:.2f}", "1.0x", "—", "—"]]
    skipped = []
    cr_note = ""
    try:
        import ahpy

        # one AHPy dictionary per pairwise-judged node, in the node's matrix order
        judged: list[tuple[str, str | None, dict[tuple[str, str], float]]] = []
        for node in spec.nodes:
            w = getattr(node, "weights", None)
            if w is None:
                continue
            order = list(w.order) if w.order is not None else list(spec.children(node.id))
            a = np.array([[parse_number(x) for x in r] for r in w.matrix], dtype=float)
            judged.append((node.id, node.parent, _ahpy_dict(a, order)))

        depth = dict(zip(compiled.node_ids, compiled.depth, strict=True))
        deepest_first = sorted((nid for nid, _, _ in judged), key=lambda k: -depth[k])

        def ahpy_tree() -> Any:
            objs = {
                nid: ahpy.Compare(nid, d, precision=AHPY_PRECISION, random_index="saaty")
                for nid, _, d in judged
            }
            for nid in deepest_first:  # AHPy builds bottom-up: children before parents
                kids = [objs[k] for k, p, _ in judged if p == nid]
                if kids:
                    objs[nid].add_children(kids)
            return objs

        objs = ahpy_tree()
        t = median_time(ahpy_tree, args.tree_repeats)
        target = objs[spec.root.id].target_weights
        dw = max(abs(target[leaf] - w) for leaf, w in ev_leaf.items())
        dcr = max(abs(objs[nw.node_id].consistency_ratio - nw.cr) for nw in tw.nodes)
        # the same CRs with AHPy's RI (Saaty 2005) replaced by the tree's saaty1980
        rescaled = [
            objs[nw.node_id].consistency_ratio
            * random_index(len(nw.children), "saaty2005")
            / random_index(len(nw.children), "saaty1980")
            - nw.cr
            for nw in tw.nodes
        ]
        cr_note = f", {max(abs(x) for x in rescaled):.1e} once rescaled to saaty1980"
        rows.append(
            [
                "AHPy",
                f"Compare + add_children, precision={AHPY_PRECISION}",
                f"{t * 1e3:.2f}",
                f"{t / t_ev:.1f}x",
                f"{dw:.1e}",
                f"{dcr:.1e}",
            ]
        )
    except ImportError:
        skipped.append("AHPy (pip install ahpy)")
    print(
        f"\nAHP hierarchy: global weights of the {len(ev_leaf)} leaves of the shipped "
        f"ecommerce_service tree ({len(tw.nodes)} pairwise matrices, median of "
        f"{args.tree_repeats})"
    )
    print(
        table(
            rows,
            [
                "library",
                "method",
                "milliseconds",
                "time vs evalsys",
                "max |leaf w diff|",
                "max |node CR diff|",
            ],
        )
    )
    for s in skipped:
        print(f"skipped (not installed): {s}")
    print(
        "node CR: the tree uses RI saaty1980, AHPy's 'saaty' table is Saaty 2005 "
        f"(RI(5) 1.12 vs 1.11, RI(6) 1.24 vs 1.25), so CRs differ by about 1 %{cr_note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None, help="rows (default 1,000,000)")
    parser.add_argument("--m", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--ahp-samples", type=int, default=None, help="AHP matrices (default 100,000)"
    )
    parser.add_argument("--ahp-n", type=int, default=9, help="AHP matrix size")
    parser.add_argument(
        "--ahp-loop", type=int, default=None, help="matrices timed per peer (default 1,000)"
    )
    parser.add_argument(
        "--tree-repeats", type=int, default=None, help="tree repetitions (default 20)"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    args = parser.parse_args()
    q = args.quick
    args.n = args.n or (100_000 if q else 1_000_000)
    args.ahp_samples = args.ahp_samples or (10_000 if q else 100_000)
    args.ahp_loop = args.ahp_loop or (200 if q else 1_000)
    args.tree_repeats = args.tree_repeats or (5 if q else 20)
    warnings.simplefilter("ignore")
    print_machine()
    bench_topsis_entropy(args)
    bench_ahp_stack(args)
    bench_ahp_tree(args)


if __name__ == "__main__":
    main()
