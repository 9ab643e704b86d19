"""Benchmark the indicator cube on a built warehouse: full cube computation and one-indicator lookups.

python benchmarks/bench_cube.py --warehouse /tmp/bench-medium/warehouse.duckdb
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import duckdb
import polars as pl

from pipelines.indicators.engine import BREAKDOWNS, compute, published


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--lookups", type=int, default=200)
    args = parser.parse_args()

    con = duckdb.connect(str(args.warehouse), read_only=True)
    awards = con.sql("select count(*) from fct_award").fetchall()[0][0]
    start = time.perf_counter()
    per_breakdown = {}
    frames = []
    for by in BREAKDOWNS:
        t = time.perf_counter()
        frames.append(compute(con, by=by))
        per_breakdown[by] = time.perf_counter() - t
    cube = pl.concat(frames)
    public = published(cube)
    cube_seconds = time.perf_counter() - start

    pairs = con.sql("select distinct indicator_id, breakdown from pub_indicator_cube").fetchall()
    timings = []
    for i in range(args.lookups):
        ind, by = pairs[i % len(pairs)]
        t = time.perf_counter()
        con.sql(
            "select breakdown_value, value, flag from pub_indicator_cube "
            "where indicator_id = ? and breakdown = ?",
            params=[ind, by],
        ).fetchall()
        timings.append((time.perf_counter() - t) * 1000)
    con.close()
    print(f"awards                     {awards:,}")
    print(
        f"cube rows                  {cube.height:,} "
        f"({public.filter(pl.col('flag') == 'c').height:,} suppressed)"
    )
    print(f"cube build (all breakdowns) {cube_seconds:.1f} s")
    for by, s in per_breakdown.items():
        print(f"  {by:<25} {s:.2f} s")
    timings.sort()
    print(
        f"lookup one indicator x one breakdown: median {statistics.median(timings):.1f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)]:.1f} ms, max {timings[-1]:.1f} ms over {len(timings)}"
    )


if __name__ == "__main__":
    main()
