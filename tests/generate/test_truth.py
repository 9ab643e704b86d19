"""Ground truth: hand-checkable tiny cases, and agreement with the files actually written."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.generate import truth as T

pytestmark = pytest.mark.build

C = dt.date(2025, 12, 31)
YEARS = list(range(2019, 2026))


def _awards(rows: list[tuple]) -> pl.DataFrame:
    """(award_id, learner_id, credential_id, issue_date) -> an awards frame with neutral other columns."""
    frame = pl.DataFrame(rows, schema=["award_id", "learner_id", "credential_id", "issue_date"], orient="row")
    return frame.with_columns(
        pl.col("issue_date").str.to_date(), format=pl.lit("digital_badge"), standard=pl.lit("OB3"),
        signed=pl.lit(True), purpose=pl.lit("new_learning"), status=pl.lit("issued"),
    )  # fmt: skip


def test_flx_1_by_hand():
    awards = _awards([
        ("A1", "L1", "C1", "2019-01-15"), ("A2", "L1", "C2", "2021-06-01"),  # 2nd within 36 months
        ("A3", "L2", "C1", "2019-03-01"),                                    # only one award
        ("A4", "L3", "C1", "2020-02-10"), ("A5", "L3", "C2", "2020-02-10"),  # same day: counts
        ("A6", "L4", "C1", "2019-01-31"), ("A7", "L4", "C2", "2022-02-01"),  # one day too late
        ("A8", "L5", "C1", "2023-05-01"), ("A9", "L5", "C2", "2023-06-01"),  # first award too recent
    ])  # fmt: skip
    got = T.flx_1(awards, C, YEARS)
    assert got["overall"] == {"numerator": 2, "denominator": 4, "value": 50.0}
    assert got["by_year"]["2019"] == {"numerator": 1, "denominator": 3, "value": pytest.approx(100 / 3)}
    assert got["by_year"]["2020"]["value"] == 100.0
    assert got["by_year"]["2023"] == {"numerator": 0, "denominator": 0, "value": None}


def test_flx_1_calendar_month_end():
    awards = _awards([("A1", "L1", "C1", "2019-01-31"), ("A2", "L1", "C2", "2022-01-31")])
    assert T.flx_1(awards, C, YEARS)["overall"]["value"] == 100.0


def test_tru_4_window_and_verifiers():
    awards = _awards([
        ("A1", "L1", "C1", "2024-12-31"),  # last eligible day (C - 12 months)
        ("A2", "L2", "C1", "2025-01-01"),  # too recent: outside the denominator
        ("A3", "L3", "C1", "2020-02-29"),  # verified by 'other' only
        ("A4", "L4", "C1", "2021-03-15"),  # verified the day before issue, then 12 months + 1 day after
    ])  # fmt: skip
    checks = pl.DataFrame(
        {
            "verification_id": ["V1", "V2", "V3", "V4", "V5"],
            "award_id": ["A1", "A2", "A3", "A4", "A4"],
            "verification_date": ["2025-12-31", "2025-02-01", "2020-03-01", "2021-03-14", "2022-03-16"],
            "verifier_type": ["employer", "education", "other", "employer", "education"],
        }
    ).with_columns(pl.col("verification_date").str.to_date())
    facts = awards.with_columns(year=pl.col("issue_date").dt.year())
    got = T.tru_4(facts, checks, C, YEARS)
    assert got["overall"] == {"numerator": 1, "denominator": 3, "value": pytest.approx(100 / 3)}
    assert got["by_year"]["2025"]["value"] is None


def test_ado_2_first_year_and_overall_are_not_applicable():
    facts = pl.DataFrame({"year": [2019, 2019, 2020, 2020, 2020, 2021, 2021, 2021]})
    got = T.ado_2(facts, [2019, 2020, 2021])
    assert got["overall"]["value"] is None and got["by_year"]["2019"]["value"] is None
    assert got["by_year"]["2020"] == {"numerator": 1, "denominator": 2, "value": 50.0}
    assert got["by_year"]["2021"]["value"] == 0.0


def test_annex_elements_only_over_specifications_with_awards():
    providers = pl.DataFrame({"provider_id": ["P1"], "provider_name": ["Uni"], "provider_type": ["vet"],
                              "country_code": ["NL"]})  # fmt: skip
    full = {"title": "T", "learning_outcomes": "a|b", "esco_skills": "http://data.europa.eu/esco/skill/x",
            "ects": 5.0, "notional_hours": None, "eqf_level": 4, "assessment_type": "none",
            "participation_form": "online", "qa_type": "internal", "stackable_into": None}  # fmt: skip
    gaps = {**full, "learning_outcomes": "", "eqf_level": None, "esco_skills": None, "ects": None,
            "notional_hours": 30.0}  # fmt: skip
    credentials = pl.DataFrame([
        {"credential_id": "C1", "provider_id": "P1", **full},
        {"credential_id": "C2", "provider_id": "P1", **gaps},
        {"credential_id": "C3", "provider_id": "P1", **gaps},  # never awarded: not 'in period'
    ])  # fmt: skip
    awards = _awards([("A1", "L1", "C1", "2020-05-05"), ("A2", "L2", "C2", "2021-05-05")])
    frames = {"awards": awards, "credentials": credentials, "providers": providers,
              "verifications": pl.DataFrame(schema={"award_id": pl.String, "verification_date": pl.Date,
                                                    "verifier_type": pl.String}),
              "pathway_events": pl.DataFrame(schema={"learner_id": pl.String, "event_type": pl.String,
                                                     "event_date": pl.Date})}  # fmt: skip
    got = T.compute(frames, C)
    assert got["TRA-1"]["overall"] == {"numerator": 1, "denominator": 2, "value": 50.0}
    assert got["TRA-2"]["overall"] == {"numerator": 16, "denominator": 18, "value": pytest.approx(1600 / 18)}
    assert got["TRA-3"]["by_year"]["2021"]["value"] == 0.0
    assert got["TRA-4"]["by_year"]["2020"]["value"] == 100.0
    assert got["INN-2"]["overall"]["value"] == 0.0 and got["INN-3"]["overall"]["value"] == 100.0


def test_flx_3_counts_progress_within_36_months_of_the_first_stackable_award():
    awards = _awards([("A1", "L1", "C1", "2019-05-01"), ("A2", "L2", "C1", "2019-06-01"),
                      ("A3", "L3", "C2", "2019-06-01")])  # fmt: skip
    facts = awards.with_columns(
        year=pl.col("issue_date").dt.year(),
        stackable_into=pl.col("credential_id").replace({"C1": "Q1", "C2": None}),
    )
    events = pl.DataFrame(
        {
            "learner_id": ["L1", "L2", "L3"],
            "event_type": ["qualification_obtained", "stacked_into_qualification", "qualification_obtained"],
            "event_date": ["2022-05-01", "2022-06-02", "2020-01-01"],
        }  # fmt: skip
    ).with_columns(pl.col("event_date").str.to_date())
    got = T.flx_3(facts, events, C, YEARS)
    assert got["overall"] == {"numerator": 1, "denominator": 2, "value": 50.0}


def _typed(clean: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    dates = {
        "awards": ["issue_date"],
        "verifications": ["verification_date"],
        "pathway_events": ["event_date"],
    }
    out = dict(clean)
    for table, cols in dates.items():
        out[table] = clean[table].with_columns([pl.col(c).str.to_date() for c in cols])
    out["awards"] = out["awards"].with_columns(signed=pl.col("signed") == "true")
    return out


def test_ground_truth_matches_the_files_written(clean, truth):
    """Recomputing from the CSVs read back (defects removed) gives exactly the published truth."""
    again = T.compute(_typed(clean), C)
    assert set(again) == set(truth["indicators"])
    for name, result in again.items():
        want = truth["indicators"][name]
        assert result["unit"] == want["unit"]
        for year, cell in [("overall", result["overall"]), *result["by_year"].items()]:
            expected = want["overall"] if year == "overall" else want["by_year"][year]
            assert cell == pytest.approx(expected), (name, year)


def test_ground_truth_lists_every_indicator(truth):
    from pipelines.generate import truth as T
    from pipelines.indicators.registry import INDICATORS

    assert list(truth["indicators"])[:20] == [
        "ADO-1", "ADO-2", "ADO-3", "ADO-3b", "ADO-5", "TRU-1", "TRU-2", "TRU-4", "TRU-6", "TRA-1", "TRA-2",
        "TRA-3", "TRA-4", "INN-2", "INN-3", "INN-4", "INN-4b", "FLX-1", "FLX-3", "FLX-4",
    ]  # fmt: skip
    assert list(truth["indicators"]) == [*T.FIRST_SET, *T.CATALOGUE]
    assert set(truth["indicators"]) == {i.id for i in INDICATORS}
    for result in truth["indicators"].values():
        assert list(result["by_year"]) == [str(y) for y in YEARS]
    assert truth["counts"]["awards"] == truth["indicators"]["ADO-1"]["overall"]["value"]
