"""Shared helpers of the benchmark scripts (not a test module, not part of the package)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"  # generated inputs, reused between runs (git-ignored)
sys.path.insert(0, str(ROOT))


def machine() -> dict[str, str]:
    """CPU model, cores and memory of this machine (for the README tables)."""
    model = platform.processor() or "?"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:  # Linux
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def print_machine() -> None:
    m = machine()
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, Python {m['python']}, "
        f"load average {m['load']}"
    )


def median_time(fn: Callable[[], Any], repeats: int = 5, clock: str = "wall") -> float:
    """Median seconds of ``fn()`` over ``repeats`` runs (``clock="cpu"``: process CPU time,
    which a busy machine disturbs less)."""
    timer = time.process_time if clock == "cpu" else time.perf_counter
    times = []
    for _ in range(repeats):
        t0 = timer()
        fn()
        times.append(timer() - t0)
    return statistics.median(times)


def table(rows: list[list[str]], header: list[str]) -> str:
    """A plain-text table with right-aligned numeric columns."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*header), "  ".join("-" * w for w in widths)]
    lines += [fmt.format(*r) for r in rows]
    return "\n".join(lines)


def merchants_parquet(n: int, *, seed: int = 20260601, chunk: int = 1_000_000) -> Path:
    """A Parquet file of ``n`` generated merchants for the shipped tree (cached in .data/).

    Written in chunks of ``chunk`` rows with unique ids, so 10 million rows need no more
    memory than one million.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from evalsys.model.io import load_tree
    from evalsys.model.sample import generate_sample

    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / ".gitignore").write_text("*\n", encoding="utf-8")
    path = DATA / f"merchants_{n}.parquet"
    if path.exists():
        return path
    tree = load_tree("ecommerce_service")
    tmp = path.with_suffix(".tmp")
    writer = None
    try:
        for k, start in enumerate(range(0, n, chunk)):
            size = min(chunk, n - start)
            cols = generate_sample(tree, size, seed=seed + k)
            cols["entity_id"] = np.char.add("M", np.arange(start + 1, start + size + 1).astype(str))
            t = pa.table({c: pa.array(v) for c, v in cols.items()})
            if writer is None:
                writer = pq.ParquetWriter(tmp, t.schema)
            writer.write_table(t, row_group_size=131_072)
        if writer is not None:
            writer.close()
        tmp.rename(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def run_child(code: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run ``python -c code`` in a fresh process; return (wall seconds, peak RSS MiB of the
    child, its stdout).  Peak RSS from ``getrusage(RUSAGE_CHILDREN)`` via /usr/bin/time-like
    accounting: the child reports its own ``ru_maxrss``."""
    wrapped = (
        code
        + "\nimport resource, sys\n"
        + "print('__RSS__', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", wrapped],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
        cwd=str(ROOT),
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"child failed:\n{proc.stderr}")
    rss_kib = [int(x.split()[1]) for x in proc.stderr.splitlines() if x.startswith("__RSS__")]
    return wall, (rss_kib[-1] / 1024 if rss_kib else float("nan")), proc.stdout
