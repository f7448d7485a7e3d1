"""Benchmark: score 1M (and, with --full, 10M) generated merchants end to end from Parquet.

Run from the repository root::

    python benchmarks/bench_score.py [--sizes 1000000] [--full] [--repeats 3]

For each size the shipped tree ``ecommerce_service`` scores a Parquet file of generated
merchants (31 indicators, ``evalsys.model.sample``; cached in ``benchmarks/.data``) with the
streaming engine (FCE, M(·,+)) into a Parquet output, each run in a fresh process.  The
table gives medians over the runs:

* ``scoring s`` — ``evalsys.engines.stream.score_file`` inside the child (read, check, score,
  rank, write the output), and ``rows/s`` from it;
* ``process s`` — the whole child process including interpreter start-up and imports;
* ``peak RSS`` — the child's ``ru_maxrss``;
* ``read only s`` — reading the same columns with ``ParquetFile.iter_batches`` and
  nothing else, the "speed of simply reading the data", and the ratio to it;
* the in-memory engine (``evalsys score`` before streaming) for 1M rows, as a baseline.

Targets (2 cores): ≥ 2,000,000 merchants/s end to end at 10M rows and ≥ 1,000,000 for a
1M-row file from cold; 10M merchants in ≤ 1 GB peak RSS.  ``--sizes 10000000 30000000``
also prints the slope of the peak RSS per entity between the two largest sizes.
The script prints figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import json
import statistics

from _util import ROOT, merchants_parquet, print_machine, run_child, table

STREAM = """
import json, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
from evalsys.engines.stream import score_file
s = score_file("ecommerce_service", {src!r}, {out!r}, progress=False)
print(json.dumps({{"seconds": time.perf_counter() - t0, "inner": s.seconds, "rows": s.rows}}))
"""

MEMORY = """
import json, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
from evalsys.cli.score_engine import run_score
s = run_score("ecommerce_service", {src!r}, {out!r}, engine="memory")
print(json.dumps({{"seconds": time.perf_counter() - t0, "inner": s["seconds"], "rows": s["rows"]}}))
"""

READ = """
import json, time
import pyarrow.parquet as pq
t0 = time.perf_counter()
n = 0
for b in pq.ParquetFile({src!r}).iter_batches(batch_size=131072):
    n += b.num_rows
print(json.dumps({{"seconds": time.perf_counter() - t0, "inner": time.perf_counter() - t0,
                  "rows": n}}))
"""


def measure(code: str, repeats: int) -> dict[str, float]:
    walls, rss, inner, scoring = [], [], [], []
    rows = 0
    for _ in range(repeats):
        wall, peak, out = run_child(code)
        res = json.loads(out.strip().splitlines()[-1])
        walls.append(wall)
        rss.append(peak)
        inner.append(res["inner"])
        scoring.append(res["seconds"])
        rows = res["rows"]
    return {
        "wall": statistics.median(walls),
        "rss": max(rss),
        "inner": statistics.median(inner),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--full", action="store_true", help="also 10,000,000 merchants")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = list(args.sizes) + ([10_000_000] if args.full else [])
    print_machine()
    out_dir = ROOT / "benchmarks" / ".data"
    rows_out = []
    peaks: dict[int, float] = {}
    for n in sizes:
        src = merchants_parquet(n)
        out = out_dir / f"scores_{n}.parquet"
        reps = args.repeats if n <= 10_000_000 else 1
        peaks[n] = 0.0
        read = measure(READ.format(src=str(src)), reps)
        stream = measure(STREAM.format(src=str(src), out=str(out)), reps)
        peaks[n] = stream["rss"]
        rows_out.append(
            [
                f"stream {n:,}",
                f"{stream['inner']:.2f}",
                f"{n / stream['inner']:,.0f}",
                f"{stream['wall']:.2f}",
                f"{stream['rss']:,.0f} MiB",
                f"{read['inner']:.2f}",
                f"{stream['inner'] / read['inner']:.1f}x",
            ]
        )
        if n <= 1_000_000:
            mem = measure(MEMORY.format(src=str(src), out=str(out)), 1)
            rows_out.append(
                [
                    f"memory {n:,}",
                    f"{mem['inner']:.2f}",
                    f"{n / mem['inner']:,.0f}",
                    f"{mem['wall']:.2f}",
                    f"{mem['rss']:,.0f} MiB",
                    f"{read['inner']:.2f}",
                    f"{mem['inner'] / read['inner']:.1f}x",
                ]
            )
        out.unlink(missing_ok=True)
    print("\nScoring the shipped tree (FCE M(·,+), 31 indicators) from Parquet to Parquet")
    print(
        table(
            rows_out,
            [
                "engine, merchants",
                "scoring s",
                "rows/s",
                "process s",
                "peak RSS",
                "read only s",
                "vs read",
            ],
        )
    )
    big = sorted(n for n in peaks if n >= 10_000_000)
    if len(big) >= 2:
        a, b = big[0], big[-1]
        slope = (peaks[b] - peaks[a]) * 2**20 / (b - a)
        print(
            f"peak RSS slope {a:,} -> {b:,} rows: {slope:.1f} bytes per entity "
            "(in memory below evalsys.engines.spill.SPILL_MIN_ROWS rows, spilled from there)"
        )
    print(
        "targets: >= 2,000,000 rows/s at 10M rows, >= 1,000,000 rows/s for 1M rows from cold "
        "(scoring s); peak RSS <= 1 GB at 10M rows"
    )


if __name__ == "__main__":
    main()
