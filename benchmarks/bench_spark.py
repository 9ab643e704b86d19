"""Benchmark: build the same deliveries on both engines (DuckDB, then Spark) and quote both times.

Each build runs as its own `mco build` process (as users run it) into a fresh warehouse, without the
quality gate (the same on both engines); the Spark build's time includes starting its session. The two
warehouses' public cubes are compared cell for cell, so a fast but wrong engine cannot pass. Not a
timed test: run it by hand. Spark in local mode on a 2-core machine is expected to be slower than
DuckDB; it is there for data past one machine (README "Running on Spark").

    python benchmarks/bench_spark.py --raw /work/data-medium-spark/raw [--workdir DIR]
    python benchmarks/bench_spark.py --scale medium --workdir /work/data-medium-spark   # generates first
    python benchmarks/bench_spark.py --raw DIR --cube overall year   # also the cube's queries on Spark
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.warehouse import scalar


def run(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MiB of the process and its waited-for children)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark step failed: {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024


def same_cube(a: Path, b: Path) -> tuple[int, int]:
    """(cells, differing cells) between the public cubes of two warehouses."""
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")
    cells = scalar(con, "select count(*) from a.pub_indicator_cube")
    one_way = "select * from {0}.pub_indicator_cube except all select * from {1}.pub_indicator_cube"
    diff = scalar(
        con, f"select count(*) from (({one_way.format('a', 'b')}) union all ({one_way.format('b', 'a')}))"
    )
    con.close()
    return int(cells), int(diff)


def cube_on_spark(warehouse: Path, breakdowns: list[str]) -> dict:
    """The cube's queries for `breakdowns` on Spark (pipelines/spark/cube.py) against the build's cube."""
    import polars as pl

    from pipelines.indicators.engine import BREAKDOWNS
    from pipelines.spark.cube import spark_cube

    chosen = breakdowns or list(BREAKDOWNS)
    start = time.perf_counter()
    _, public, queries = spark_cube(warehouse, chosen)
    seconds = time.perf_counter() - start
    con = duckdb.connect(str(warehouse), read_only=True)
    want = con.sql("select * from pub_indicator_cube").pl().filter(pl.col("breakdown").is_in(chosen))
    con.close()
    keys = ["indicator_id", "breakdown", "breakdown_value"]
    same = want.sort(keys).equals(public.select(want.columns).sort(keys))
    return {
        "breakdowns": chosen,
        "seconds": round(seconds, 1),
        "queries": queries.queries,
        "answered_by_duckdb": queries.fallbacks,
        "cells": want.height,
        "identical": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=None, help="Deliveries to build (default: generate).")
    parser.add_argument("--scale", default="medium", choices=["small", "demo", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=None, help="Keep data here (default: a temp dir).")
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results"))
    parser.add_argument(
        "--cube",
        nargs="*",
        metavar="BREAKDOWN",
        help="Also run the cube's queries for these breakdowns on Spark.",
    )
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix=f"mco-bench-spark-{args.scale}-"))
    work.mkdir(parents=True, exist_ok=True)
    mco = [sys.executable, "-m", "pipelines.cli"]
    os.environ.setdefault("MCO_KEY_FILE", str(work / "bench.key"))
    raw = args.raw
    if raw is None:
        raw = work / "raw"
        if not (raw / "manifest.json").exists():
            run([*mco, "generate", "--scale", args.scale, "--seed", str(args.seed), "--out", str(raw)])
    result = {
        "raw": str(raw),
        "scale": args.scale if args.raw is None else None,
        "load_before": os.getloadavg(),
    }
    warehouses = {}
    for engine in ("duckdb", "spark"):
        warehouse = work / f"{engine}.duckdb"
        warehouse.unlink(missing_ok=True)
        seconds, peak = run(
            [*mco, "build", "--raw", str(raw), "--warehouse", str(warehouse), "--no-gate", "--engine", engine]
        )
        warehouses[engine] = warehouse
        result[engine] = {"build_seconds": round(seconds, 1), "peak_rss_mib": round(peak)}
        print(f"{engine:>6}: build {seconds:,.1f} s, peak RSS {peak:,.0f} MiB", flush=True)
    con = duckdb.connect(str(warehouses["duckdb"]), read_only=True)
    result["awards"] = int(scalar(con, "select count(*) from fct_award"))
    con.close()
    cells, diff = same_cube(warehouses["duckdb"], warehouses["spark"])
    result.update(
        cube_cells=cells,
        cube_cells_differing=diff,
        load_after=os.getloadavg(),
        cpus=os.cpu_count(),
        machine=platform.machine(),
        spark_over_duckdb=round(result["spark"]["build_seconds"] / result["duckdb"]["build_seconds"], 2),
    )
    print(f"{result['awards']:,} awards; cube {cells:,} cells, {diff} differing; load {os.getloadavg()}")
    if args.cube is not None:
        result["cube_on_spark"] = cube_on_spark(warehouses["spark"], args.cube)
        print(f"cube on Spark: {result['cube_on_spark']}")
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"spark-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out}")
    if diff:
        sys.exit("the engines disagree on the public cube")


if __name__ == "__main__":
    main()
