"""Benchmark: a build against DuckDB's own floor on the same files, with peak memory and spill.

Steps, each its own process (the way users run them):
1. `mco generate --scale S` (skipped with --raw: reuse a generated folder);
2. the floor: DuckDB alone loads every raw CSV file into a table of a new database file
   (`create table as select * from read_csv(...)`), with the same memory limit and threads;
3. `mco build` (with the quality gate unless --no-gate) into a new warehouse.
For 2 and 3 the peak resident memory of the whole process tree is sampled from /proc every 0.1 s (and
checked against the kernel's peak for the process), and the spill as the size of the DuckDB temp
directory given to it. The ratio build / floor is the figure docs/BENCHMARKS.md quotes, so a busy
machine slows both sides alike; CPU seconds (user + system, all threads) are printed beside wall time
as the steadier figure when other work shares the machine. Not a timed test: run it by hand or with
`make bench`.

    python benchmarks/bench_build.py --scale medium --raw /work/data-medium --memory-limit 2GB
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
import threading
import time
from pathlib import Path

import duckdb

from pipelines.buildprofile import folder_bytes
from pipelines.settings import default_memory_limit, machine_memory, parse_memory
from pipelines.warehouse import rows, scalar

PAGE = os.sysconf("SC_PAGE_SIZE")
FLOOR = """
import sys, duckdb
db, memory, threads, temp, *files = sys.argv[1:]
con = duckdb.connect(db)
con.execute(f"set memory_limit = '{memory}B'")
con.execute(f"set threads = {threads}")
con.execute("set temp_directory = ?", [temp])
for i, f in enumerate(files):
    con.execute(f"create table raw_{i} as select * from read_csv(?, header = true)", [f])
con.execute("checkpoint")
con.close()
"""


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process descended from it, now."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as fh:
                rss[int(entry)] = int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run(cmd: list[str], spill_dir: Path) -> dict:
    """Run a command; its wall seconds, peak tree RSS and peak spill (bytes), sampled every 0.1 s."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    peak = {"rss": 0, "spill": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak["rss"] = max(peak["rss"], _tree_rss(proc.pid))
            peak["spill"] = max(peak["spill"], folder_bytes(spill_dir))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark step failed: {' '.join(cmd)}")
    return {
        "seconds": seconds,
        "peak_rss": max(peak["rss"], usage.ru_maxrss * 1024),
        "peak_spill": peak["spill"],
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", choices=["small", "demo", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--raw", type=Path, default=None, help="Reuse this generated folder (no generate).")
    parser.add_argument("--workdir", type=Path, default=None, help="Keep data here (default: a temp dir).")
    parser.add_argument("--memory-limit", default=None, help="DuckDB memory limit for floor and build.")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-gate", action="store_true", help="Build without the quality gate.")
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix=f"mco-bench-{args.scale}-"))
    work.mkdir(parents=True, exist_ok=True)
    raw = args.raw or work / "raw"
    warehouse, floor_db, spill = work / "warehouse.duckdb", work / "floor.duckdb", work / "spill"
    for p in (warehouse, floor_db):
        p.unlink(missing_ok=True)
    shutil.rmtree(spill, ignore_errors=True)
    spill.mkdir()
    mco = [sys.executable, "-m", "pipelines.cli"]
    os.environ.setdefault("MCO_KEY_FILE", str(work / "bench.key"))
    memory = parse_memory(args.memory_limit) if args.memory_limit else default_memory_limit()

    generated = None
    if args.raw is None:
        if raw.exists():
            shutil.rmtree(raw)
        cmd = [*mco, "generate", "--scale", args.scale, "--seed", str(args.seed), "--out", str(raw)]
        generated = run(cmd, spill)
    csvs = sorted(str(p) for p in raw.rglob("*.csv") if p.is_file())
    floor = run(
        [sys.executable, "-c", FLOOR, str(floor_db), str(memory), str(args.threads), str(spill), *csvs], spill
    )
    floor_db.unlink(missing_ok=True)
    build_cmd = [*mco, "build", "--raw", str(raw), "--warehouse", str(warehouse)]
    build_cmd += [
        "--memory-limit",
        f"{memory}B",
        "--threads",
        str(args.threads),
        "--temp-directory",
        str(spill),
    ]
    if args.no_gate:
        build_cmd.append("--no-gate")
    built = run(build_cmd, spill)

    con = duckdb.connect(str(warehouse), read_only=True)
    rows_in, loaded, quarantined = rows(con, "select rows_in, rows_loaded, rows_quarantined from build_info")[
        0
    ]
    awards = scalar(con, "select count(*) from fct_award")
    con.close()
    raw_bytes = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file())
    result = {
        "scale": args.scale,
        "seed": args.seed,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {machine_memory() / 2**30:.0f} GiB",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "memory_limit_mib": round(memory / 2**20),
        "threads": args.threads,
        "gate": not args.no_gate,
        "generate_seconds": round(generated["seconds"], 2) if generated else None,
        "floor_seconds": round(floor["seconds"], 2),
        "floor_peak_rss_mib": round(floor["peak_rss"] / 2**20),
        "floor_cpu_seconds": round(floor["cpu_seconds"], 2),
        "build_seconds": round(built["seconds"], 2),
        "build_cpu_seconds": round(built["cpu_seconds"], 2),
        "build_peak_rss_mib": round(built["peak_rss"] / 2**20),
        "build_peak_spill_mib": round(built["peak_spill"] / 2**20),
        "ratio_build_to_floor": round(built["seconds"] / floor["seconds"], 2),
        "cpu_ratio_build_to_floor": round(built["cpu_seconds"] / max(floor["cpu_seconds"], 1e-9), 2),
        "rows_in": rows_in,
        "rows_loaded": loaded,
        "rows_quarantined": quarantined,
        "awards": awards,
        "build_rows_per_second": round(rows_in / built["seconds"]),
        "raw_mib": round(raw_bytes / 2**20, 1),
        "warehouse_mib": round(warehouse.stat().st_size / 2**20, 1),
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"build-{args.scale}.json").write_text(json.dumps(result, indent=2))
    width = max(map(len, result))
    for k, v in result.items():
        print(
            f"{k:<{width}}  {v:,}" if isinstance(v, int) and not isinstance(v, bool) else f"{k:<{width}}  {v}"
        )
    if not args.workdir:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
