"""Time the impact estimates (every group, both outcomes, 6 and 12 months, the event study) at a scale.

    .venv/bin/python benchmarks/bench_impact.py --scale medium [--seed 42] [--json OUT]

Generates the clean frames in memory (``build_frames``), puts exactly the tables the estimator reads
into an in-memory DuckDB (``stg_comparison_population`` with keyed pseudonyms, ``mart_award``,
``dim_learner``, ``dim_region``), then times ``pipelines.impact.tables.build_tables``: reading the
panel, matching and estimating every group, and writing mart_impact* and pub_impact*. This is the
build step the warehouse runs after the indicator cube; the CSV reading and checking before it are
timed by ``bench_build.py``. It also prints the truth recovery against the generator's ground truth.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import duckdb
import polars as pl

from pipelines import cellkey, pseudonymise
from pipelines.generate import build_frames
from pipelines.generate.formatting import contract_frame
from pipelines.impact.tables import estimate_all, load_panel, write_tables


def warehouse_like(frames) -> duckdb.DuckDBPyConnection:
    """The four tables the estimator reads, built from the generator's clean frames."""
    t = frames.tables
    con = duckdb.connect()
    pseudonymise.register(con, bytes(range(32)))
    con.execute(cellkey.RECORD_KEY_MACRO)
    awards = contract_frame("awards", t["awards"], frames.ids).select("award_id", "learner_id", "issue_date")
    awards = awards.with_columns(credential_id=t["awards"]["credential_id"]).join(
        t["credentials"].select("credential_id", "provider_id", "isced_f_broad", "eqf_level"),
        on="credential_id",
    )
    provs = t["providers"].select("provider_id", "provider_type", "country_code")
    awards = awards.join(provs, on="provider_id").with_columns(
        pl.col(pl.Enum, pl.Categorical).cast(pl.String)
    )
    con.register("aw", awards)
    con.execute(
        "create table mart_award as select award_id, pseudonym(learner_id) as learner_key, issue_date, "
        "isced_f_broad, eqf_level, provider_type, country_code from aw"
    )
    learners = contract_frame("learners", t["learners"], frames.ids).select("learner_id")
    con.register("ln", learners)
    con.execute("create table dim_learner as select pseudonym(learner_id) as learner_key from ln")
    con.register("rg", t["regions"].with_columns(pl.all().cast(pl.String)))
    con.execute("create table dim_region as select region_code, country_code from rg")
    cp = t["comparison_population"]
    con.register("cp", cp)
    con.execute(
        "create table stg_comparison_population as "
        "select * replace (pseudonym(person_id) as person_id) from cp"
    )
    for name in ("aw", "ln", "rg", "cp"):
        con.unregister(name)
    return con


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--min-people", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    t0 = time.perf_counter()
    frames = build_frames(args.scale, args.seed)
    t1 = time.perf_counter()
    con = warehouse_like(frames)
    t2, c2 = time.perf_counter(), time.process_time()
    panel, groups = load_panel(con)  # the same steps as build_tables, timed apart
    tp, cp = time.perf_counter(), time.process_time()
    write_tables(con, *estimate_all(panel, groups), args.min_people)
    t3, c3 = time.perf_counter(), time.process_time()
    load_avg = os.getloadavg()[0]
    people = con.sql("select count(distinct person_id) from stg_comparison_population").fetchall()[0][0]
    awards = con.sql("select count(*) from mart_award").fetchall()[0][0]
    rows = con.sql("select count(*) from stg_comparison_population").fetchall()[0][0]
    truth = frames.impact_truth["outcomes"]
    pub = con.sql("select * from pub_impact where flag is null").pl()

    def true_att(r):
        t = truth[r["outcome"]][f"{r['horizon_months']}m"]
        if r["breakdown"] == "overall":
            return t["att"]
        return t["by"][r["breakdown"]].get(r["breakdown_value"], {}).get("att")

    pub = pub.with_columns(
        truth=pl.Series([true_att(r) for r in pub.iter_rows(named=True)], dtype=pl.Float64)
    )
    pub = pub.with_columns(
        covered=(pl.col("ci_low") <= pl.col("truth")) & (pl.col("truth") <= pl.col("ci_high"))
    )
    overall = pub.filter(pl.col("breakdown") == "overall").select(
        "outcome", "horizon_months", "naive", "estimate", "ci_low", "ci_high", "truth", "covered"
    )
    groups = pub.filter(pl.col("breakdown") != "overall")
    result = {
        "scale": args.scale,
        "awards": awards,
        "people_in_source": people,
        "source_rows": rows,
        "cpus": os.cpu_count(),
        "generate_seconds": round(t1 - t0, 1),
        "load_seconds": round(t2 - t1, 1),
        "impact_seconds": round(t3 - t2, 1),
        "impact_cpu_seconds": round(c3 - c2, 1),  # all threads of the process (DuckDB runs in parallel)
        "panel_seconds": round(tp - t2, 1),  # reading the panel from DuckDB
        "panel_cpu_seconds": round(cp - c2, 1),
        "estimate_seconds": round(t3 - tp, 1),  # matching, every regression, disclosure, writing
        "estimate_cpu_seconds": round(c3 - cp, 1),
        "load_average_1min": round(load_avg, 1),  # above 2 on 2 cores: the machine was busy
        "groups_published": groups.height,
        "groups_covered_share": round(float(groups["covered"].mean()), 3),
        "overall": overall.to_dicts(),
    }
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
