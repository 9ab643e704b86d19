"""Benchmark: generate an ecosystem at a given scale, then build it; report time, rows/s and peak memory.

Each step runs as its own process (the way users run it), and its peak resident memory is read from
the kernel's accounting for that process. Not a timed test: run it by hand or with `make bench`.

    python benchmarks/bench_build.py --scale demo --seed 42
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.warehouse import rows, scalar


def run(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MiB) of that process and its children."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark step failed: {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", choices=["small", "demo", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep data here (default: a temp dir).")
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix=f"mco-bench-{args.scale}-"))
    raw, warehouse = work / "raw", work / "warehouse.duckdb"
    if raw.exists():
        shutil.rmtree(raw)
    warehouse.unlink(missing_ok=True)
    mco = [sys.executable, "-m", "pipelines.cli"]
    env_key = os.environ.setdefault("MCO_KEY_FILE", str(work / "bench.key"))

    gen_s, gen_mb = run(
        [*mco, "generate", "--scale", args.scale, "--seed", str(args.seed), "--out", str(raw)]
    )
    build_s, build_mb = run([*mco, "build", "--raw", str(raw), "--warehouse", str(warehouse)])

    con = duckdb.connect(str(warehouse), read_only=True)
    rows_in, loaded, quarantined = rows(con, "select rows_in, rows_loaded, rows_quarantined from build_info")[
        0
    ]
    awards = scalar(con, "select count(*) from fct_award")
    con.close()
    raw_mb = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file()) / 2**20
    result = {
        "scale": args.scale,
        "seed": args.seed,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "generate_seconds": round(gen_s, 2),
        "generate_peak_rss_mib": round(gen_mb),
        "build_seconds": round(build_s, 2),
        "build_peak_rss_mib": round(build_mb),
        "total_seconds": round(gen_s + build_s, 2),
        "rows_in": rows_in,
        "rows_loaded": loaded,
        "rows_quarantined": quarantined,
        "awards": awards,
        "build_rows_per_second": round(rows_in / build_s),
        "raw_mib": round(raw_mb, 1),
        "warehouse_mib": round(warehouse.stat().st_size / 2**20, 1),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"build-{args.scale}.json").write_text(json.dumps(result, indent=2))
    width = max(map(len, result))
    for k, v in result.items():
        print(f"{k:<{width}}  {v:,}" if isinstance(v, int) else f"{k:<{width}}  {v}")
    if not args.workdir:
        shutil.rmtree(work)
    del env_key


if __name__ == "__main__":
    main()
