"""mart_programme on the small ecosystem, recomputed independently in polars from the curated tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def tables(small_warehouse: Path) -> dict[str, pl.DataFrame]:
    names = ("mart_programme", "dim_credential", "fct_award", "fct_pathway_event", "fct_verification",
             "fct_employment_outcome", "mart_award", "build_info")  # fmt: skip
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        return {n: con.sql(f"select * from {n}").pl() for n in names}


def months_later(d: date, months: int) -> date:
    """d + months, clamped to the month's last day (DuckDB's interval arithmetic)."""
    import calendar

    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def test_one_row_per_credential(tables):
    mart, creds = tables["mart_programme"], tables["dim_credential"]
    assert mart.height == creds.height
    assert mart["credential_id"].n_unique() == mart.height
    assert mart["awards"].sum() == tables["fct_award"].height


def test_counts_match_an_independent_computation(tables):
    mart = tables["mart_programme"].sort("credential_id")
    awards, events = tables["fct_award"], tables["fct_pathway_event"]
    cutoff = tables["build_info"]["data_cutoff"][0]

    per = awards.group_by("credential_id").agg(
        pl.len().alias("awards"), pl.col("learner_key").n_unique().alias("awarded_learners")
    )
    enrolled = (
        events.filter(pl.col("event_type") == "enrolled").select("credential_id", "learner_key").unique()
    )
    completed = (
        events.filter(pl.col("event_type") == "completed").select("credential_id", "learner_key").unique()
    )
    funnel = enrolled.join(
        completed.with_columns(done=pl.lit(True)), on=["credential_id", "learner_key"], how="left"
    )
    funnel = funnel.group_by("credential_id").agg(
        pl.len().alias("enrolled_learners"), pl.col("done").count().alias("completed_learners")
    )
    # Stacking: each award against the learner's next award (date, then award id), within 36 months.
    ordered = awards.sort("learner_key", "issue_date", "award_id").with_columns(
        pl.col("issue_date").shift(-1).over("learner_key").alias("next_date")
    )
    rows = []
    for r in ordered.iter_rows(named=True):
        eligible = months_later(r["issue_date"], 36) <= cutoff
        within = r["next_date"] is not None and r["next_date"] <= months_later(r["issue_date"], 36)
        rows.append((r["credential_id"], r["learner_key"], eligible, within))
    stacking = (
        pl.DataFrame(rows, schema=["credential_id", "learner_key", "eligible", "within"], orient="row")
        .group_by("credential_id")
        .agg(
            pl.col("eligible").sum().alias("stacking_eligible"),
            (pl.col("eligible") & pl.col("within")).sum().alias("stacked"),
            pl.col("learner_key").filter(pl.col("within")).n_unique().alias("stacked_learners"),
        )
    )
    expected = (
        mart.select("credential_id")
        .join(per, on="credential_id", how="left")
        .join(funnel, on="credential_id", how="left")
        .join(stacking, on="credential_id", how="left")
        .fill_null(0)
        .sort("credential_id")
    )
    for column in expected.columns[1:]:
        got = mart[column].cast(pl.Int64).to_list()
        assert got == expected[column].cast(pl.Int64).to_list(), column


def test_rates_agree_with_the_award_mart(tables):
    mart, awards = tables["mart_programme"], tables["mart_award"]
    per = awards.group_by("credential_id").agg(
        pl.col("eligible_12m").sum().alias("verification_eligible"),
        (pl.col("eligible_12m") & pl.col("verified_12m")).sum().alias("verified"),
        pl.col("eligible_24m").sum().alias("recognition_eligible"),
        (pl.col("eligible_24m") & pl.col("recognised_24m")).sum().alias("recognised"),
    )
    joined = mart.join(per, on="credential_id", how="inner", suffix="_x")
    for column in ("verification_eligible", "verified", "recognition_eligible", "recognised"):
        assert (joined[column] == joined[f"{column}_x"]).all(), column


def test_outcomes_follow_the_credential(tables):
    mart = tables["mart_programme"]
    obs = tables["fct_employment_outcome"].filter(
        ~pl.col("is_baseline") & (pl.col("months_after_award") == 12)
    )
    obs = obs.join(tables["fct_award"].select("award_id", "credential_id"), on="award_id")
    per = obs.group_by("credential_id").agg(
        pl.len().alias("observed_12m"),
        pl.col("is_employed").sum().alias("employed_12m"),
        (pl.col("is_employed") & pl.col("job_related").fill_null(False)).sum().alias("related_12m"),
    )
    joined = mart.join(per, on="credential_id", suffix="_x")
    assert joined.height > 0
    for column in ("observed_12m", "employed_12m", "related_12m"):
        assert (joined[column] == joined[f"{column}_x"]).all(), column
    assert mart["observed_12m"].sum() == obs.height


def test_annex_completeness_comes_from_the_credential(tables):
    joined = tables["mart_programme"].join(tables["dim_credential"], on="credential_id", suffix="_c")
    assert (joined["annex_present"] == joined["annex_present_c"]).all()
    assert joined["annex_present"].is_between(0, 9).all()
