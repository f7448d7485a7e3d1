"""Benchmark: cold start-up of the command line (no timed tests: figures only).

Run from the repository root::

    python benchmarks/bench_startup.py [--repeats 5]

Median wall time of fresh processes for ``evalsys --help`` and
``evalsys validate ecommerce_service`` (the shipped tree), and the modules that dominate
``python -X importtime`` for the latter.  Targets: ``--help`` under 0.5 s, ``validate``
under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from _util import ROOT, print_machine, table


def cold(args: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "evalsys", *args],
            capture_output=True,
            check=True,
            cwd=str(ROOT),
        )
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def heaviest_imports(args: list[str], top: int = 6) -> list[tuple[str, float]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "evalsys", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(ROOT),
    )
    found = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            if len(name) - len(name.lstrip()) == 1:  # top-level imports only
                found.append((name.strip(), int(parts[1]) / 1e6))
    return sorted(found, key=lambda x: -x[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print_machine()
    cold(["--help"], 1)  # warm the file cache
    rows = []
    for cmd, target in ((["--help"], 0.5), (["validate", "ecommerce_service"], 1.0)):
        t = cold(cmd, args.repeats)
        rows.append(
            [
                f"evalsys {' '.join(cmd)}",
                f"{t:.2f}",
                f"{target:.1f}",
                "met" if t < target else "NOT met",
            ]
        )
    print("\nCold start of the command line (median of fresh processes)")
    print(table(rows, ["command", "seconds", "target", ""]))
    print("\nheaviest top-level imports of `evalsys validate ecommerce_service` (s, cumulative):")
    for name, sec in heaviest_imports(["validate", "ecommerce_service"]):
        print(f"  {name:<40} {sec:.2f}")


if __name__ == "__main__":
    main()
