"""Read the warehouse into a quarter panel, estimate every group, write mart_impact* and pub_impact*.

Tables (one build writes all of them, after the indicator cube):

- ``mart_impact`` (internal): outcome x horizon (6, 12 months) x breakdown x group, true counts;
- ``mart_impact_event`` (internal): outcome x relative month (-12 ... +12) overall, with the pre-trend test;
- ``pub_impact`` / ``pub_impact_event``: the same after disclosure control: no estimate on fewer than
  ``min_denominator`` learners or comparison people (flag ``c``), counts of people perturbed with the
  cell key method like every other published count.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from pipelines import cellkey
from pipelines.disclosure import MODULUS
from pipelines.impact import METHOD, METHOD_VERSION
from pipelines.impact.estimate import (
    EVENT_QUARTERS,
    HORIZONS,
    OUTCOMES,
    Panel,
    delta_matrix,
    did,
    gather,
    match,
    pretrend,
)

BREAKDOWNS = ("overall", "field", "provider_type", "eqf_level", "country")

PEOPLE_SQL = """
select row_number() over (order by person_id) - 1 as row, person_id, min(birth_year) as birth_year,
    min(sex) as sex, min(prior_education_isced) as isced, min(r.country_code) as country,
    record_key(person_id) as record_key
from stg_comparison_population left join dim_region r using (region_code)
group by person_id order by person_id
"""
OBS_SQL = """
with people as (select person_id, row_number() over (order by person_id) - 1 as row
                from (select distinct person_id from stg_comparison_population))
select people.row, year(observation_date) * 4 + (month(observation_date) - 1) // 3 as q,
    avg(case when status in ('employed', 'self_employed') then 1.0 else 0.0 end) as employment,
    avg(case when status in ('employed', 'self_employed') then coalesce(monthly_earnings_eur, 0) else 0 end)
        as earnings
from stg_comparison_population join people using (person_id) group by all
"""
FIRST_AWARD_SQL = """
select distinct on (learner_key) learner_key as person_id, issue_date,
    isced_f_broad as field, provider_type, cast(eqf_level as varchar) as eqf_level, country_code as country
from mart_award order by learner_key, issue_date, award_id
"""

SCHEMA = {
    "outcome": pl.String,
    "horizon_months": pl.Int64,
    "breakdown": pl.String,
    "breakdown_value": pl.String,
    "estimate": pl.Float64,
    "std_error": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "p_value": pl.Float64,
    "naive": pl.Float64,
    "naive_ci_low": pl.Float64,
    "naive_ci_high": pl.Float64,
    "treated": pl.Int64,
    "comparison": pl.Int64,
    "treated_key": pl.Int64,
    "comparison_key": pl.Int64,
    "learners_observed": pl.Int64,
}


def load_panel(con: duckdb.DuckDBPyConnection) -> tuple[Panel, pl.DataFrame]:
    """The person x quarter panel and the learners' groups (aligned with ``panel.treated_rows``)."""
    people = con.sql(PEOPLE_SQL).pl()
    obs = con.sql(OBS_SQL).pl()
    first = con.sql(FIRST_AWARD_SQL).pl()
    learners = con.sql("select learner_key as person_id from dim_learner").pl()
    n = people.height
    q0 = int(obs["q"].min()) if obs.height else 0
    nq = int(obs["q"].max()) - q0 + 1 if obs.height else 1
    r, c = obs["row"].to_numpy().astype(np.int64), obs["q"].to_numpy().astype(np.int64) - q0
    outcomes = {}
    for name in OUTCOMES:
        y = np.full((n, nq), np.nan)
        y[r, c] = obs[name].to_numpy()
        outcomes[name] = y
    byband = (people["birth_year"] // 5).cast(pl.Int64)
    sex = people["sex"].replace_strict({"F": 0, "M": 1, "X": 2}, default=None, return_dtype=pl.Int64)
    isced = pl.col("isced")
    edu = people.select(
        pl.when(isced <= 2).then(0).when(isced <= 4).then(1).when(isced.is_not_null()).then(2)
    ).to_series()
    country = people["country"].cast(pl.Categorical).to_physical().cast(pl.Int64)
    stratum = ((byband * 3 + sex) * 3 + edu) * 64 + country
    stratum = stratum.fill_null(-1).to_numpy().astype(np.int64)
    u = (people["person_id"].str.slice(0, 13).str.to_integer(base=16, strict=False) / 16**13).fill_null(0.0)
    treated = first.join(people.select("person_id", "row"), on="person_id", how="inner")
    day = treated["issue_date"]
    quarter = day.dt.year().cast(pl.Int64) * 4 + (day.dt.month().cast(pl.Int64) - 1) // 3
    at_start = (day.dt.day() == 1) & ((day.dt.month() - 1) % 3 == 0)
    anchor = (quarter + (~at_start).cast(pl.Int64) - q0).to_numpy().astype(np.int64)
    is_learner = people["person_id"].is_in(learners["person_id"].implode()).to_numpy()
    panel = Panel(
        outcomes=outcomes,
        stratum=stratum,
        u=u.to_numpy(),
        key=people["record_key"].to_numpy().astype(np.int64),
        treated_rows=treated["row"].to_numpy().astype(np.int64),
        anchor=anchor,
        comp_rows=np.nonzero(~is_learner)[0].astype(np.int64),
    )
    return panel, treated.select("field", "provider_type", "eqf_level", "country")


def _selections(groups: pl.DataFrame):
    yield "overall", "all", np.ones(groups.height, dtype=bool)
    for by in BREAKDOWNS[1:]:
        col = groups[by].cast(pl.String)
        for value in sorted(v for v in col.unique().to_list() if v is not None):
            yield by, value, (col == value).fill_null(False).to_numpy()


def estimate_all(panel: Panel, groups: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every group x outcome x horizon, and the overall event study with its pre-trend test."""
    rows, events = [], []
    deltas = {(o, k): delta_matrix(panel.outcomes[o], k) for o in OUTCOMES for k in HORIZONS.values()}
    for by, value, select in _selections(groups):
        m = match(panel, select)
        for outcome in OUTCOMES:
            for months, k in HORIZONS.items():
                delta = deltas[(outcome, k)]
                observed = ~np.isnan(gather(delta, panel.treated_rows[select], panel.anchor[select]))
                res = did(panel, m, outcome, k, delta)
                rows.append(
                    {
                        "outcome": outcome,
                        "horizon_months": months,
                        "breakdown": by,
                        "breakdown_value": value,
                        "learners_observed": int(observed.sum()),
                        **res,
                    }
                )
            if by == "overall":
                test = pretrend(panel, m, outcome)
                for k in EVENT_QUARTERS:
                    res = did(panel, m, outcome, k)
                    events.append(
                        {
                            "outcome": outcome,
                            "relative_month": 3 * k,
                            **res,
                            "pretrend_chi2": test["chi2"],
                            "pretrend_df": test["df"],
                            "pretrend_p": test["p_value"],
                        }
                    )
                events.append(
                    {
                        "outcome": outcome,
                        "relative_month": -3,
                        "estimate": 0.0,
                        "treated": None,
                        "comparison": None,
                        "pretrend_chi2": test["chi2"],
                        "pretrend_df": test["df"],
                        "pretrend_p": test["p_value"],
                    }
                )
    table = pl.DataFrame(rows, schema=SCHEMA).with_columns(
        coverage=pl.when(pl.col("learners_observed") > 0).then(
            pl.col("treated") / pl.col("learners_observed")
        )
    )
    event_schema = {
        k: v
        for k, v in SCHEMA.items()
        if k not in ("horizon_months", "breakdown", "breakdown_value", "learners_observed")
    }
    event_schema = {"relative_month": pl.Int64, **event_schema}
    event_schema.update(pretrend_chi2=pl.Float64, pretrend_df=pl.Int64, pretrend_p=pl.Float64)
    ev = pl.DataFrame(events, schema={**event_schema}).sort(["outcome", "relative_month"])
    ev = ev.select("outcome", "relative_month", pl.exclude("outcome", "relative_month"))
    method = {"method": pl.lit(METHOD), "method_version": pl.lit(METHOD_VERSION)}
    return table.with_columns(**method), ev.with_columns(**method)


def published(frame: pl.DataFrame, min_people: int) -> pl.DataFrame:
    """Disclosure control: blank estimates on too few people (flag ``c``); perturb the counts of people."""
    small = (pl.col("treated").fill_null(0) < min_people) | (pl.col("comparison").fill_null(0) < min_people)
    is_ref = (
        pl.col("treated").is_null() & (pl.col("estimate") == 0.0)
        if "relative_month" in frame.columns
        else pl.lit(False)
    )
    values = [c for c in ("estimate", "std_error", "ci_low", "ci_high", "p_value") if c in frame.columns]
    naive = [c for c in ("naive", "naive_ci_low", "naive_ci_high") if c in frame.columns]
    treated_small = pl.col("treated").fill_null(0) < min_people
    out = frame.with_columns(
        flag=pl.when(is_ref).then(None).when(small).then(pl.lit("c")).otherwise(None),
    ).with_columns(
        [pl.when(pl.col("flag") == "c").then(None).otherwise(pl.col(c)).alias(c) for c in values]
        + [pl.when(treated_small).then(None).otherwise(pl.col(c)).alias(c) for c in naive]
        + [
            pl.when(pl.col(n).fill_null(0) < min_people)
            .then(None)
            .otherwise(
                cellkey.perturb(pl.col(n).cast(pl.Float64), pl.col(f"{n}_key") % MODULUS, floor=min_people)
            )
            .cast(pl.Int64)
            .alias(n)
            for n in ("treated", "comparison")
        ]
    )
    drop = ["treated_key", "comparison_key"] + (
        ["learners_observed"] if "learners_observed" in out.columns else []
    )
    if "coverage" in out.columns:  # coverage from the published counts, so it reveals no exact count
        out = out.with_columns(
            coverage=pl.when(pl.col("flag").is_null() & (pl.col("learners_observed") > 0))
            .then(pl.col("coverage").round(2))
            .otherwise(None)
        )
    return out.drop(drop)


def build_tables(con: duckdb.DuckDBPyConnection, min_people: int) -> None:
    """Estimate and store; a delivery without a comparison population gets the tables, empty."""
    panel, groups = load_panel(con)
    if len(panel.treated_rows) == 0 or len(panel.comp_rows) == 0:
        empty = Panel({o: np.zeros((0, 1)) for o in OUTCOMES}, *(np.zeros(0, dtype=np.int64),) * 6)
        table, events = estimate_all(empty, groups.head(0))
        table, events = table.head(0), events.head(0)
    else:
        table, events = estimate_all(panel, groups)
    write_tables(con, table, events, min_people)


def write_tables(con: duckdb.DuckDBPyConnection, table: pl.DataFrame, events: pl.DataFrame, min_people: int):
    """The internal tables as estimated, the public ones after disclosure control."""
    for name, frame in (
        ("mart_impact", table),
        ("mart_impact_event", events),
        ("pub_impact", published(table, min_people)),
        ("pub_impact_event", published(events, min_people)),
    ):
        con.register("impact_frame", frame)
        con.execute(f"create or replace table {name} as select * from impact_frame")
        con.unregister("impact_frame")
