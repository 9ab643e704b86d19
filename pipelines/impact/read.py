"""Read the published impact tables (pub_impact, pub_impact_event): one reader for the CLI and dashboard."""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.impact import METHOD, METHOD_VERSION

ASSUMPTIONS = (
    "Compares learners with similar people who took no micro-credential (same birth cohort, sex, prior "
    "education and country of residence, observed over the same calendar quarters), and assumes their "
    "employment and earnings would have moved in parallel without the credential. Differences the "
    "administrative source does not record (motivation, employer support) are not accounted for."
)
BREAKDOWNS = ("overall", "field", "provider_type", "eqf_level", "country")
OUTCOME_UNITS = {"employment": "share employed (0-1)", "earnings": "euro a month"}


def available(con: duckdb.DuckDBPyConnection) -> bool:
    names = {r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()}
    return {"pub_impact", "pub_impact_event"} <= names


def estimates(
    con: duckdb.DuckDBPyConnection, by: str | None = None, outcome: str | None = None
) -> pl.DataFrame:
    where, params = [], []
    if by:
        where.append("breakdown = ?")
        params.append(by)
    if outcome:
        where.append("outcome = ?")
        params.append(outcome)
    clause = f"where {' and '.join(where)}" if where else ""
    return con.sql(
        f"select * from pub_impact {clause} order by outcome, horizon_months, breakdown, breakdown_value",
        params=params,
    ).pl()


def event_study(con: duckdb.DuckDBPyConnection, outcome: str | None = None) -> pl.DataFrame:
    clause, params = ("where outcome = ?", [outcome]) if outcome else ("", [])
    return con.sql(
        f"select * from pub_impact_event {clause} order by outcome, relative_month", params=params
    ).pl()


def payload(con: duckdb.DuckDBPyConnection, by: str | None = None, outcome: str | None = None) -> dict:
    """Everything `mco impact --json` prints: the same figures the Impact page shows."""
    ev = event_study(con, outcome)
    pretrend = {
        r["outcome"]: {"chi2": r["pretrend_chi2"], "df": r["pretrend_df"], "p_value": r["pretrend_p"]}
        for r in ev.unique("outcome", keep="first", maintain_order=True).iter_rows(named=True)
    }
    return {
        "method": METHOD,
        "method_version": METHOD_VERSION,
        "assumptions": ASSUMPTIONS,
        "units": OUTCOME_UNITS,
        "estimates": estimates(con, by, outcome).to_dicts(),
        "event_study": ev.drop("pretrend_chi2", "pretrend_df", "pretrend_p").to_dicts(),
        "pretrend_test": pretrend,
    }
