"""The history demo: six monthly periods of generated merchants with drift and a rule change.

:func:`build_demo` writes ``OUTDIR/data/2026-01.parquet`` … ``2026-06.parquet`` and the
store ``OUTDIR/history.duckdb``:

* period 1 is :func:`evalsys.model.sample.generate_sample` (plus an ``orders`` count);
* every later period moves each merchant a little towards a random other merchant
  (a convex combination, so values stay valid), 10 % of merchants (the *decliners*) a
  further 12 % per period towards the column's worse decile, and 10 % (the *improvers*)
  towards the better decile;
* periods 1–3 are scored under the shipped tree (version 1.0), periods 4–6 under version
  2.0 — the same tree with stricter grade scores (95/82/70/55), effective from 2026-04-01 —
  and periods 1–3 are rescored under 2.0 for the side-by-side view.

Everything is seeded: the same seed gives the same store.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DEMO_PERIODS", "build_demo", "demo_trees"]

DEMO_PERIODS = ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")
_CHANGE_AT = 3  # index of the period from which version 2.0 applies


def demo_trees() -> tuple[Any, Any]:
    """The shipped tree as version 1.0 and its stricter version 2.0 (from 2026-04-01)."""
    from evalsys.model.io import load_tree
    from evalsys.model.tree import TreeSpec

    v1 = load_tree("ecommerce_service")
    v1 = v1.model_copy(update={"version": v1.version or "1.0"})
    scores = (95.0, 82.0, 70.0, 55.0)
    grades = tuple(
        g.model_copy(update={"score": scores[i] if i < len(scores) else g.score})
        for i, g in enumerate(v1.grades)
    )
    update: dict[str, Any] = {"version": "2.0", "grades": grades}
    if "effective_from" in TreeSpec.model_fields:
        update["effective_from"] = _dt.date(2026, 4, 1)
    return v1, v1.model_copy(update=update)


def _worse_better(tree: Any, cols: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Per data column its worse and better decile (columns with a direction only)."""
    from evalsys.model.nodes import QuantitativeNode

    out: dict[str, tuple[float, float]] = {}
    for leaf in tree.leaves():
        col = leaf.data_column
        if col not in cols:
            continue  # vote columns keep their distribution
        x = np.asarray(cols[col], dtype=np.float64)
        lo, hi = float(np.quantile(x, 0.1)), float(np.quantile(x, 0.9))
        direction = leaf.direction if isinstance(leaf, QuantitativeNode) else "benefit"
        if direction == "benefit":
            out[col] = (lo, hi)
        elif direction == "cost":
            out[col] = (hi, lo)
    return out


def build_demo(
    outdir: str | Path, *, n: int = 2000, seed: int = 20261122, standards: bool = True
) -> Path:
    """Write the demo data and history store into ``outdir``; return the store path.

    Parameters
    ----------
    outdir
        Output folder (created; an existing demo store in it is replaced).
    n
        Merchants per period.
    seed
        Seed of the sample and of the drift.
    standards
        Also check the shipped standards profile (``breach:`` columns for the alerts).
    """
    import pyarrow.parquet as pq

    from evalsys.history.store import HistoryStore, append_period
    from evalsys.model.sample import generate_sample
    from evalsys.model.tables import table_from_columns

    out = Path(outdir)
    (out / "data").mkdir(parents=True, exist_ok=True)
    store = out / "history.duckdb"
    for stale in (store, Path(str(store) + ".wal")):
        stale.unlink(missing_ok=True)
    v1, v2 = demo_trees()
    profile = None
    if standards:
        from evalsys.analysis.benchmark import load_standards

        profile = load_standards("ecommerce_documents", v1)
    rng = np.random.Generator(np.random.PCG64(seed + 1))
    base = generate_sample(v1, n, seed=seed)
    base["orders"] = rng.integers(5, 400, n).astype(np.float64)
    targets = _worse_better(v1, base)
    role = rng.choice(3, n, p=[0.8, 0.1, 0.1])  # 0 steady, 1 decliner, 2 improver
    cols: dict[str, Any] = dict(base)
    integral = {c for c, v in cols.items() if v.dtype.kind == "f" and np.all(v == np.round(v))}
    for t, period in enumerate(DEMO_PERIODS):
        if t > 0:
            mate = rng.permutation(n)
            mix = rng.uniform(0.0, 0.08, n)
            for c, v in cols.items():
                if v.dtype.kind != "f":
                    continue
                x = (1.0 - mix) * v + mix * v[mate]
                if c in targets:
                    worse, better = targets[c]
                    x = np.where(role == 1, 0.88 * x + 0.12 * worse, x)
                    x = np.where(role == 2, 0.88 * x + 0.12 * better, x)
                cols[c] = np.round(x, 0 if c in integral else 2)
        path = out / "data" / f"{period}.parquet"
        pq.write_table(table_from_columns(cols), path)
        tree = v1 if t < _CHANGE_AT else v2
        append_period(store, period, path, tree, profile, replace=False)
    with HistoryStore.open(store) as hs:
        hs.rescore(hs.official_version(DEMO_PERIODS[-1]), periods=DEMO_PERIODS[:_CHANGE_AT])
    return store
