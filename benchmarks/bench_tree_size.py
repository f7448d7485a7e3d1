"""Benchmark: cost per entity as the tree grows from 30 to 3,000 leaves.

Run from the repository root::

    python benchmarks/bench_tree_size.py [--values 30000000] [--repeats 5] [--quick]

Synthetic indicator trees of 30, 300 and 3,000 leaves (2 and 3 levels below the root) are
built in the shipped file format: the leaves are copies of the shipped tree's 31 leaves
(same kinds, directions, grade points and the same 4 grades), every dimension weights its
children with explicit ``direct`` weights.  The shipped tree itself is the first row.  For
each tree E is chosen so that E x L is about ``--values`` (default 30M float64 values:
1M x 30, 100k x 300, 10k x 3,000), so X always takes the same memory.  Timed, as in
``bench_kernel.py``: :meth:`evalsys.scoring.scorer.Scorer.block` without the evaluation
vectors, with the compiled (numba) and the numpy kernel, against a bare ``X @ w`` (w the
global leaf weights) on a C-contiguous copy of the same array; median of ``--repeats``
runs after a warm-up.  Single-threaded by default (``--threads``; BLAS threads follow it
unless already set), so that ns per entity per leaf compare across sizes.  Figures only:
no timing assertions.
"""

from __future__ import annotations

import argparse
import os
from typing import Any


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=30_000_000, help="E x L per tree")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="kernel and BLAS threads")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    parser.add_argument("--quick", action="store_true", help="1M values per tree (smoke run)")
    return parser.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(ARGS.threads if ARGS is not None else 1))

import numpy as np  # noqa: E402
from _util import median_time, print_machine, table  # noqa: E402

#: Branching factors below the root: 5 x 6 = 30, 10 x 30 and 10 x 5 x 6 = 300,
#: 10 x 15 x 20 and 30 x 100 = 3,000 leaves.
SHAPES: tuple[tuple[int, ...], ...] = ((5, 6), (10, 30), (10, 5, 6), (10, 15, 20), (30, 100))

#: Leaf fields that do not affect scoring (dropped from the copied templates).
_DROP = ("id", "parent", "column", "name", "name_en", "description", "source", "standards")


def _weights(ids: list[str]) -> dict[str, Any]:
    """Explicit, unequal direct weights (1 to 5, normalised) over the child ``ids``."""
    raw = [1.0 + (7 * i) % 5 for i in range(len(ids))]
    total = sum(raw)
    return {"type": "direct", "values": {c: r / total for c, r in zip(ids, raw, strict=True)}}


def synthetic_tree(shape: tuple[int, ...]) -> Any:
    """A checked :class:`~evalsys.model.tree.TreeSpec` with the branching factors ``shape``
    below the root; leaves cycle through the shipped tree's leaves (kinds, directions,
    membership points and bounds), grades are the shipped tree's."""
    from evalsys.model.io import load_tree, tree_from_dict, tree_to_dict

    spec = load_tree("ecommerce_service")
    shipped = tree_to_dict(spec)
    grades = [g.model_dump(mode="json") for g in spec.grades]
    templates = [
        {k: v for k, v in n.items() if k not in _DROP}
        for n in shipped["nodes"]
        if n["kind"] != "dimension"
    ]
    name = "tree_" + "x".join(map(str, shape))
    nodes: list[dict[str, Any]] = []
    counter = [0]

    def add(node_id: str, parent: str | None, depth: int) -> None:
        """Append ``node_id`` (a leaf at the bottom level) and its subtree to ``nodes``."""
        if depth == len(shape):  # a leaf
            leaf = dict(templates[counter[0] % len(templates)])
            counter[0] += 1
            nodes.append({"id": node_id, "parent": parent, "name": node_id, **leaf})
            return
        kids = [f"{node_id}_{i}" for i in range(shape[depth])]
        nodes.append(
            {
                "id": node_id,
                "parent": parent,
                "kind": "dimension",
                "name": node_id,
                "weights": _weights(kids),
            }
        )
        for kid in kids:
            add(kid, node_id, depth + 1)

    add("n", None, 0)
    data = {"schema_version": 1, "id": name, "name": name, "grades": grades}
    return tree_from_dict({**data, "nodes": nodes}, file=f"<{name}>")


def measure(
    label: str, tree: Any, E: int, kernels: list[str], repeats: int, threads: int, clock: str
) -> tuple[list[list[str]], bool]:
    """Table rows (X @ w, then each kernel) for ``tree`` on E generated entities, and whether
    the kernels' results are identical."""
    from evalsys.model.compiled import compile_tree
    from evalsys.model.data import indicator_data
    from evalsys.model.sample import generate_sample
    from evalsys.model.tables import table_from_columns
    from evalsys.scoring.scorer import make_scorer

    compiled = compile_tree(tree)
    data = indicator_data(compiled, table_from_columns(generate_sample(tree, E, seed=3)))
    X = data.values  # (E, L), leaf columns contiguous (as the data boundary builds it)
    if not data.present.all():
        raise SystemExit(f"{label}: generated data have missing values (general path)")
    L = X.shape[1]
    levels = int(compiled.depth.max())
    scorers = {k: make_scorer(compiled, threads=threads, kernel=k) for k in kernels}
    if any(s.linear is None for s in scorers.values()):
        raise SystemExit(f"{label}: the tree does not take the fast M(·,+) path")
    w = next(iter(scorers.values())).leaf_weights
    Xc = np.ascontiguousarray(X)
    results = {}
    for k, s in scorers.items():  # warm-up (compiles, or loads numba's cache), kept to compare
        results[k] = s.block(X, data.votes, data.present, vectors=False)
    Xc @ w

    def row(what: str, sec: float, base: float) -> list[str]:
        """One table row: ``sec`` seconds for E entities, ratio to ``base``."""
        ns = sec * 1e9 / E
        return [
            label,
            str(L),
            str(levels),
            f"{E:,}",
            what,
            f"{sec * 1e3:.1f}",
            f"{ns:,.0f}",
            f"{ns / L:.2f}",
            f"{sec / base:.1f}x",
        ]

    base = median_time(lambda: Xc @ w, repeats, clock)
    rows = [row("X @ w", base, base)]
    for k, s in scorers.items():
        sec = median_time(
            lambda s=s: s.block(X, data.votes, data.present, vectors=False), repeats, clock
        )
        rows.append(row(f"{k} kernel", sec, base))
    first, last = results[kernels[0]], results[kernels[-1]]
    same = all(
        np.array_equal(getattr(first, f), getattr(last, f))
        for f in ("score", "grade", "validity", "dimension_score")
    )
    return rows, same


def main() -> None:
    """Build the trees, time the kernels on each and print the table."""
    import warnings

    from evalsys.model.io import load_tree
    from evalsys.scoring import kernels

    args = ARGS if ARGS is not None else parse_args()
    values = 1_000_000 if args.quick else args.values
    warnings.simplefilter("ignore")
    print_machine()
    names = ["numba", "numpy"] if kernels.available() else ["numpy"]
    trees = [("shipped", load_tree("ecommerce_service"))]
    trees += [("x".join(map(str, s)), synthetic_tree(s)) for s in SHAPES]
    rows: list[list[str]] = []
    checks: list[str] = []
    for label, tree in trees:
        E = max(1, values // len(tree.leaves()))
        r, same = measure(label, tree, E, names, args.repeats, args.threads, args.clock)
        rows += r
        checks.append(f"{label}: {same}")
        print(f"  {label}: done", flush=True)
    print(
        f"\nFCE kernel (Scorer.block, vectors=False) vs X @ w, E x L ≈ {values:,} float64 "
        f"values per tree, 4 grades, {args.threads} thread{'s' * (args.threads > 1)}, "
        f"{args.clock} time, median of {args.repeats}"
    )
    header = ["tree", "leaves", "levels", "E", "what", "ms", "ns/entity", "ns/entity/leaf"]
    print(table(rows, [*header, "ratio to X @ w"]))
    if len(names) > 1:
        print(f"{names[0]} kernel == {names[1]} kernel (bit for bit): " + ", ".join(checks))


if __name__ == "__main__":
    main()
