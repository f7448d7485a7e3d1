"""Run every benchmark script and print their tables (``make bench``).

Run from the repository root::

    python benchmarks/run_all.py [--full] [--quick]

``--full`` adds the 10 million merchant run of ``bench_score.py`` (several minutes, about
1.5 GB of generated data in ``benchmarks/.data``); ``--quick`` uses smaller sizes for a
smoke run.  Each script runs in its own process; a failing script is reported and the
others still run.  The peers of ``bench_peers.py`` (pymcdm, scikit-criteria, pyDecision,
AHPy) and the Dask extra are optional: missing ones are skipped with a message.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="include 10M merchants")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    args = parser.parse_args()
    small = args.quick
    jobs = [
        ["bench_startup.py", "--repeats", "3" if small else "5"],
        ["bench_kernel.py", "--n", "100000" if small else "1000000"],
        ["bench_tree_size.py", *(["--quick"] if small else [])],
        ["bench_score.py", *(["--sizes", "100000", "--repeats", "1"] if small else [])]
        + (["--full"] if args.full else []),
        ["bench_peers.py", *(["--quick"] if small else [])],
        ["bench_ahp.py", *(["--samples", "10000"] if small else [])],
        ["bench_dask.py", "--n", "100000" if small else "1000000"],
    ]
    failed = []
    for job in jobs:
        print(f"\n=== {' '.join(job)} ===", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(HERE / job[0]), *job[1:]], check=False)
        print(f"({time.perf_counter() - t0:.0f} s)", flush=True)
        if proc.returncode != 0:
            failed.append(job[0])
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
