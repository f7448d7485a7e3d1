"""Benchmark: a history of 12 monthly periods x 1M merchants — append and trend queries.

Run from the repository root::

    python benchmarks/bench_history.py [--rows 1000000] [--periods 12] [--no-standards]

The base file is the cached 1M generated merchants (``benchmarks/.data``).  Period k is the
base with ``first_response_time`` and ``delivery_time`` drifted by ``1 + 0.01 k`` (written
by row groups before the append, not timed).  Each append runs in a fresh process:
``evalsys.history.store.append_period`` with the shipped tree and standards profile
(scores, 31 raw indicators, 11 compliance columns per merchant), reporting

* ``append s`` — the whole append inside the child (scoring by the stream engine, the side
  pass with compliance, and the one DuckDB transaction), and its peak RSS;

then a fresh process runs the trend queries on the 12-period store:

* ``panel`` — :meth:`HistoryStore.panel` of ``score`` and ``grade`` over all periods;
* ``trends`` — changes, 3-period rolling mean, slope, top-10 movers and the grade transition
  matrix on that panel;
* ``summary`` — :func:`evalsys.history.query.period_summary` of the last period (SQL);
* ``entity`` — one merchant's 12-period series (panel restricted to one id).

Medians over the appends; the script prints figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from _util import merchants_parquet, print_machine, run_child, table

APPEND = """
import json, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
from evalsys.analysis.benchmark import load_standards
from evalsys.history.store import append_period
from evalsys.model.io import load_tree
tree = load_tree("ecommerce_service")
std = load_standards("ecommerce_documents", tree) if {standards} else None
info = append_period({store!r}, {period!r}, {src!r}, tree, std)
print(json.dumps({{"seconds": time.perf_counter() - t0, "entities": info.entities}}))
"""

QUERY = """
import json, time, warnings
warnings.simplefilter("ignore")
from evalsys.history import trends
from evalsys.history.query import period_summary
from evalsys.history.store import HistoryStore
out = {{}}
with HistoryStore.open({store!r}, read_only=True) as hs:
    t = time.perf_counter()
    p = hs.panel(["score", "grade"])
    out["panel"] = time.perf_counter() - t
    t = time.perf_counter()
    trends.changes(p, "score"); trends.rolling_mean(p, "score", 3); trends.slope(p, "score")
    trends.movers(p, "score", k=10); trends.transitions(p)
    out["trends"] = time.perf_counter() - t
    t = time.perf_counter()
    period_summary(hs, hs.periods()[-1])
    out["summary"] = time.perf_counter() - t
    t = time.perf_counter()
    e = hs.panel(["score", "grade"], entities=[str(p.entity_ids[12345 % p.n_entities])])
    trends.entity_trend(e, str(e.entity_ids[0]))
    out["entity"] = time.perf_counter() - t
print(json.dumps(out))
"""


def period_file(base: Path, k: int, out: Path) -> None:
    """The base file with two duration columns drifted by ``1 + 0.01 k`` (by row groups)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(base)
    with pq.ParquetWriter(out, pf.schema_arrow) as w:
        for i in range(pf.num_row_groups):
            t = pf.read_row_group(i)
            for c in ("first_response_time", "delivery_time"):
                j = t.column_names.index(c)
                x = np.round(t.column(j).to_numpy() * (1 + 0.01 * k), 1)
                t = t.set_column(j, c, pa.array(x))
            w.write_table(t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--periods", type=int, default=12)
    ap.add_argument("--no-standards", action="store_true")
    args = ap.parse_args()
    print_machine()
    base = merchants_parquet(args.rows)
    rows: list[list[str]] = []
    appends: list[float] = []
    rss: list[float] = []
    with tempfile.TemporaryDirectory(dir=base.parent) as tmp:
        store = Path(tmp) / "history.duckdb"
        for k in range(args.periods):
            src = Path(tmp) / f"p{k}.parquet"
            period_file(base, k, src)
            period = f"2025-{k + 1:02d}" if k < 12 else f"2026-{k - 11:02d}"
            _, mib, out = run_child(
                APPEND.format(
                    store=str(store), period=period, src=str(src), standards=not args.no_standards
                )
            )
            src.unlink()
            r = json.loads(out.strip().splitlines()[-1])
            appends.append(r["seconds"])
            rss.append(mib)
            size = store.stat().st_size / 2**20
            rows.append([period, f"{r['seconds']:.2f}", f"{mib:,.0f}", f"{size:,.0f}"])
            print(
                f"  appended {period}: {r['seconds']:.2f} s, {mib:,.0f} MiB, store {size:,.0f} MiB"
            )
        print(table(rows, ["period", "append s", "peak RSS MiB", "store MiB"]))
        print(
            f"append median {statistics.median(appends):.2f} s "
            f"({args.rows / statistics.median(appends):,.0f} rows/s), "
            f"peak RSS median {statistics.median(rss):,.0f} MiB, max {max(rss):,.0f} MiB"
        )
        times = []
        for _ in range(3):
            _, mib, out = run_child(QUERY.format(store=str(store)))
            times.append((json.loads(out.strip().splitlines()[-1]), mib))
        q = {k: statistics.median(t[k] for t, _ in times) for k in times[0][0]}
        qrss = statistics.median(m for _, m in times)
        print(
            table(
                [[k, f"{v:.3f}"] for k, v in q.items()] + [["peak RSS MiB", f"{qrss:,.0f}"]],
                [f"query ({args.periods} x {args.rows:,})", "median s"],
            )
        )


if __name__ == "__main__":
    main()
