"""Domain rules the clean data must keep (read back from the written files)."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.generate.codes import PROVIDER_TYPES

pytestmark = pytest.mark.build

CUTOFF = pl.lit("2025-12-31").str.to_date()


def _d(column: str) -> pl.Expr:
    return pl.col(column).str.to_date()


def test_no_clean_event_after_the_cutoff(clean):
    for table, column in [("awards", "issue_date"), ("pathway_events", "event_date"),
                          ("verifications", "verification_date"), ("employment_outcomes", "observation_date"),
                          ("credentials", "launch_date"), ("credentials", "retirement_date")]:  # fmt: skip
        assert clean[table].filter(_d(column) > CUTOFF).height == 0, (table, column)


def test_awards_start_2019_after_launch_and_after_completion(clean):
    awards = clean["awards"].join(clean["credentials"], on="credential_id", suffix="_c")
    assert awards.height == clean["awards"].height
    assert awards.filter(_d("issue_date") < _d("launch_date")).height == 0
    assert awards.filter(_d("issue_date") < pl.date(2019, 1, 1)).height == 0
    events = clean["pathway_events"]
    done = (
        events.filter(pl.col("event_type") == "completed")
        .group_by("learner_id", "credential_id")
        .agg(first_done=_d("event_date").min())
    )
    enrolled = (
        events.filter(pl.col("event_type") == "enrolled")
        .group_by("learner_id")
        .agg(first_enrolled=_d("event_date").min())
    )
    first_award = awards.group_by("learner_id", "credential_id").agg(first=_d("issue_date").min())
    joined = first_award.join(done, on=["learner_id", "credential_id"], how="left")
    assert joined["first_done"].null_count() == 0
    assert joined.filter(pl.col("first_done") >= pl.col("first")).height == 0
    baseline = clean["employment_outcomes"].filter(pl.col("is_baseline") == "true")
    base = baseline.join(enrolled, on="learner_id", how="left")
    assert base["first_enrolled"].null_count() == 0
    assert base.filter(_d("observation_date") >= pl.col("first_enrolled")).height == 0
    assert (
        baseline.filter(pl.col("award_id").is_not_null() | pl.col("months_after_award").is_not_null()).height
        == 0
    )


def test_outcomes_are_observed_6_or_12_calendar_months_after_their_award(clean):
    after = (
        clean["employment_outcomes"]
        .filter(pl.col("is_baseline") == "false")
        .join(
            clean["awards"].select("award_id", "issue_date", pl.col("learner_id").alias("award_learner")),
            on="award_id",
        )
    )
    assert set(after["months_after_award"].unique()) == {"6", "12"}
    expected = (
        pl.when(pl.col("months_after_award") == "6")
        .then(_d("issue_date").dt.offset_by("6mo"))
        .otherwise(_d("issue_date").dt.offset_by("12mo"))
    )
    assert after.filter(_d("observation_date") != expected).height == 0
    assert after.filter(pl.col("learner_id") != pl.col("award_learner")).height == 0


def test_recognised_credit_never_exceeds_the_credential(clean):
    credit = (
        clean["pathway_events"]
        .filter(pl.col("ects_recognised").is_not_null())
        .join(clean["credentials"].select("credential_id", "ects"), on="credential_id")
    )
    assert credit.height > 0
    known = credit.filter(pl.col("ects").is_not_null())
    assert known.filter(pl.col("ects_recognised").cast(float) > pl.col("ects").cast(float)).height == 0


def test_stacking_targets_are_at_or_above_the_credential_level(clean):
    creds = clean["credentials"].filter(pl.col("stackable_into").is_not_null())
    assert 0 < creds.height < clean["credentials"].height
    joined = creds.join(
        clean["qualifications"], left_on="stackable_into", right_on="qualification_id", suffix="_q"
    )
    assert joined.height == creds.height
    known = joined.filter(pl.col("eqf_level").is_not_null())
    assert known.filter(pl.col("eqf_level_q").cast(int) < pl.col("eqf_level").cast(int)).height == 0
    assert (creds["integration"] == "stackable").all()


def test_vpl_outcome_only_on_prior_learning_awards(clean):
    awarded = (
        clean["pathway_events"]
        .filter(pl.col("event_type") == "awarded")
        .join(clean["awards"].select("award_id", "purpose"), on="award_id")
    )
    assert awarded.height == clean["awards"].height
    with_outcome = awarded.filter(pl.col("vpl_outcome").is_not_null())
    assert with_outcome.height > 0 and (with_outcome["purpose"] == "prior_learning").all()
    assert (
        awarded.filter((pl.col("purpose") == "prior_learning") & pl.col("vpl_outcome").is_null()).height == 0
    )


def test_every_event_type_and_provider_type_occurs(clean):
    assert set(clean["providers"]["provider_type"]) == set(PROVIDER_TYPES)
    assert clean["pathway_events"]["event_type"].n_unique() == 8
    assert clean["regions"]["country_code"].n_unique() >= 4


def test_annex_completeness_varies(clean):
    creds = clean["credentials"]
    for column in ("learning_outcomes", "eqf_level", "qa_type", "assessment_type"):
        share = creds[column].null_count() / creds.height
        assert 0.01 < share < 0.6, column


def test_learner_identifiers_are_a_unique_mix(clean):
    ids = clean["learners"]["learner_id"]
    assert ids.n_unique() == ids.len()
    national = ids.str.contains(r"^[A-Z]{2}-\d{9}$").mean()
    email = ids.str.contains(r"^[a-z]+\.[a-z]+\.\d+@example\.(org|com|net)$").mean()
    hashed = ids.str.contains(r"^sha256\$[0-9a-f]{64}$").mean()
    assert national > 0.2 and email > 0.2 and hashed > 0.1
    assert national + email + hashed == 1.0


def test_formats_and_standards_are_consistent(clean):
    pairs = set(clean["awards"].select("format", "standard", "signed").unique().iter_rows())
    allowed = {("digital_badge", "OB2"), ("digital_badge", "OB3"), ("digital_certificate", "ELM"),
               ("digital_certificate", "PDF"), ("paper_certificate", "paper")}  # fmt: skip
    assert {(f, s) for f, s, _ in pairs} <= allowed
    assert not {(f, s) for f, s, signed in pairs if signed == "true"} & {
        ("digital_certificate", "PDF"),
        ("paper_certificate", "paper"),
    }


def test_awards_grow_over_the_years(truth):
    by_year = truth["indicators"]["ADO-1"]["by_year"]
    counts = [by_year[str(y)]["value"] for y in range(2019, 2026)]
    assert counts == sorted(counts) and counts[-1] > 2 * counts[0]
