"""Disclosure control, measured: what the differencing attacker recovers, and what the noise costs.

    python benchmarks/bench_disclosure.py --warehouse data/curated/warehouse.duckdb

Prints (1) per attack recipe the suppressed cells tried and recovered exactly, with the cell key
perturbation and without it (suppression alone, the state before issue 10), and (2) the utility of the
published cube: mean absolute and relative error of published counts and rates against the internal
(unperturbed) cube, by cell size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.publish import attack  # noqa: E402

SIZES = [(1, 20), (20, 100), (100, 1_000), (1_000, 10_000), (10_000, None)]


def utility(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    internal = con.sql("select * from mart_indicator_cube").pl()
    public = con.sql("select * from pub_indicator_cube where flag is null").pl()
    both = internal.join(public, on=attack.KEYS, suffix="_pub").filter(pl.col("value").is_not_null())
    size = pl.coalesce("denominator", "numerator")
    both = both.with_columns(
        size.alias("size"),
        (pl.col("value_pub") - pl.col("value")).abs().alias("abs_err"),
        pl.when(pl.col("value") != 0)
        .then((pl.col("value_pub") - pl.col("value")).abs() / pl.col("value").abs() * 100)
        .alias("rel_err_pct"),
        pl.when(pl.col("denominator").is_null())
        .then(pl.lit("count"))
        .otherwise(pl.lit("rate"))
        .alias("cell"),
    )
    rows = []
    for lo, hi in SIZES:
        part = both.filter((pl.col("size") >= lo) & ((pl.col("size") < hi) if hi else pl.lit(True)))
        for cell in ("count", "rate"):
            p = part.filter(pl.col("cell") == cell)
            if p.height:
                rows.append(
                    {
                        "cell": cell,
                        "size": f"{lo:,}–{hi - 1:,}" if hi else f"{lo:,}+",
                        "cells": p.height,
                        "mean_abs_error": p["abs_err"].mean(),
                        "mean_rel_error_pct": p["rel_err_pct"].mean(),
                        "changed_pct": (p["abs_err"] > 1e-9).mean() * 100,
                    }
                )
    return pl.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("data/curated/warehouse.duckdb"))
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without perturbation")
    args = parser.parse_args()
    con = duckdb.connect(str(args.warehouse), read_only=True)
    pl.Config.set_tbl_rows(40)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    runs = [True] if args.no_baseline else [True, False]
    for perturb in runs:
        attack.PERTURB = perturb
        started = time.perf_counter()
        found = attack.run(con)
        seconds = time.perf_counter() - started
        label = "cell key perturbation" if perturb else "suppression alone (before issue 10)"
        print(
            f"\nAttack against {label} ({seconds:.1f} s); "
            f"suppressed cells: {found['suppressed_cells'].tried:,}"
        )
        tried = recovered = 0
        for name, a in found.items():
            if name == "suppressed_cells":
                continue
            tried += a.tried
            recovered += a.recovered
            print(f"  {name:20s} tried {a.tried:6,}  recovered exactly {a.recovered:6,}")
        share = recovered / tried * 100 if tried else 0.0
        print(f"  {'all recipes':20s} tried {tried:6,}  recovered exactly {recovered:6,} ({share:.1f} %)")
    attack.PERTURB = True
    print("\nUtility of the published cube (published vs internal, cells shown):")
    print(utility(con))


if __name__ == "__main__":
    main()
