"""Benchmark: the Dask engine on a LocalCluster with 1 vs 2 worker processes.

Run from the repository root::

    python benchmarks/bench_dask.py [--n 1000000] [--partitions 8] [--repeats 3]

A partitioned Parquet dataset of ``--n`` generated merchants (``--partitions`` files) is
scored with :func:`evalsys.engines.dask.score` on a ``distributed.LocalCluster`` of 1 and of 2
worker processes (1 thread each); the score frame is computed back to the driver.  The
table gives the median time, rows/s and the speed-up of 2 workers over 1, and checks the
result equal (bit for bit) to the single-process streaming engine.  Skipped with a message
when dask is not installed (``pip install 'evalsys[dask]'``).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

from _util import DATA, merchants_parquet, print_machine, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print_machine()
    try:
        import dask.dataframe as dd
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        print("skipped: dask is not installed (pip install 'evalsys[dask]')")
        return
    from evalsys.engines import dask as edask
    from evalsys.engines.stream import score_file

    src = merchants_parquet(args.n)
    folder = DATA / f"dataset_{args.n}_{args.partitions}"
    if not folder.exists():
        folder.mkdir()
        t = pq.read_table(src)
        step = -(-t.num_rows // args.partitions)
        for i in range(args.partitions):
            pq.write_table(t.slice(i * step, step), folder / f"part-{i:03d}.parquet")
    ref_path = DATA / "bench_dask_ref.parquet"
    score_file("ecommerce_service", src, ref_path, progress=False)
    ref = pq.read_table(ref_path)
    rows = []
    times: dict[int, float] = {}
    equal = True
    for workers in (1, 2):
        with edask.client(workers=workers, processes=True):
            runs = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                res = edask.score(dd.read_parquet(str(folder)), "ecommerce_service")
                pdf = res.frame.compute()
                runs.append(time.perf_counter() - t0)
            got = edask._plain(pa.Table.from_pandas(pdf, preserve_index=False))
            equal = equal and got.equals(ref)
        times[workers] = statistics.median(runs)
        rows.append(
            [
                f"LocalCluster, {workers} worker{'s' * (workers > 1)}",
                f"{times[workers]:.2f}",
                f"{args.n / times[workers]:,.0f}",
                f"{times[1] / times[workers]:.2f}x",
            ]
        )
    ref_path.unlink(missing_ok=True)
    print(f"\nDask engine, {args.n:,} merchants in {args.partitions} Parquet partitions")
    print(table(rows, ["cluster", "seconds", "rows/s", "speed-up"]))
    print(f"identical to the single-process engine (bit for bit): {equal}")


if __name__ == "__main__":
    main()
