"""The causal rules documented in docs/GENERATOR.md are visible in the demo data (in-memory frames)."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.generate import build_frames

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def demo():
    return build_frames("demo", 42).tables


@pytest.fixture(scope="module")
def facts(demo):
    creds = demo["credentials"].join(
        demo["providers"].select("provider_id", "provider_type"), on="provider_id"
    )
    return (
        demo["awards"]
        .join(creds.drop("format", "title"), on="credential_id")
        .with_columns(year=pl.col("issue_date").dt.year())
    )


def _share(frame: pl.DataFrame, by: str, flag: pl.Expr) -> dict:
    return dict(frame.group_by(by).agg(flag.mean()).iter_rows())


def test_external_qa_and_workload_bring_verifications(demo, facts):
    verified = demo["verifications"].filter(pl.col("verifier_type").is_in(["employer", "education"]))
    f = facts.with_columns(verified=pl.col("award_id").is_in(verified["award_id"].implode()))
    by_qa = _share(f, "qa_type", pl.col("verified"))
    assert by_qa["external"] > 1.5 * by_qa["none"]
    long_ = f.filter(pl.col("ects") >= 10)["verified"].mean()
    short = f.filter(pl.col("ects") <= 2)["verified"].mean()
    assert long_ > short


def test_stackable_credentials_lead_to_second_awards(facts):
    ranked = facts.sort("issue_date", "award_id").with_columns(
        n=pl.len().over("learner_id"), first=pl.int_range(pl.len()).over("learner_id") == 0
    )
    first = ranked.filter("first")
    by_stack = _share(
        first.with_columns(stack=pl.col("stackable_into").is_not_null()), "stack", pl.col("n") >= 2
    )
    assert by_stack[True] > by_stack[False] + 0.1


def test_digital_and_signed_shares_rise(facts):
    digital = _share(facts, "year", pl.col("format") != "paper_certificate")
    signed = _share(facts, "year", pl.col("signed"))
    assert digital[2025] > digital[2019] + 0.1 and signed[2025] > signed[2019] + 0.2


def test_industry_providers_co_design_and_go_online(demo):
    creds = (
        demo["credentials"]
        .join(demo["providers"], on="provider_id")
        .with_columns(industry=pl.col("provider_type").is_in(["employer", "sector_body"]))
    )
    co = _share(creds, "industry", pl.col("co_design_partner").is_not_null())
    online = _share(creds.filter(pl.col("participation_form").is_not_null()), "industry",
                    pl.col("participation_form") == "online")  # fmt: skip
    assert co[True] > co[False] + 0.15 and online[True] > online[False] + 0.15


def test_previously_unemployed_learners_gain_employment(demo):
    obs = demo["employment_outcomes"]
    learners = demo["learners"].filter(pl.col("labour_status_before") == "unemployed").select("learner_id")
    working = pl.col("status").is_in(["employed", "self_employed"]).mean()
    base = obs.filter(pl.col("is_baseline")).join(learners, on="learner_id")
    at_12 = obs.filter(pl.col("months_after_award") == 12).join(learners, on="learner_id")
    assert base.select(working).item() < 0.15
    assert at_12.select(working).item() > 0.4


def test_external_qa_brings_better_employment_at_12_months(demo, facts):
    at_12 = (
        demo["employment_outcomes"]
        .filter(pl.col("months_after_award") == 12)
        .join(facts.select("award_id", "qa_type"), on="award_id")
    )
    by_qa = _share(at_12, "qa_type", pl.col("status").is_in(["employed", "self_employed"]))
    assert by_qa["external"] > by_qa["none"]
