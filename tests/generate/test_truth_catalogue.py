"""Ground truth of the full catalogue: the tricky definitions on hand-built tiny frames, and by_country."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.generate import truth as T

pytestmark = pytest.mark.build

C = dt.date(2025, 12, 31)
YEARS = [str(y) for y in range(2019, 2026)]
PROVIDERS = pl.DataFrame(
    {
        "provider_id": ["P1", "P2"],
        "provider_name": ["Hogeschool", "Hochschule"],
        "provider_type": ["higher_education", "employer"],
        "country_code": ["NL", "DE"],
    }
)
LEARNER_SCHEMA = {
    "learner_id": pl.String, "birth_year": pl.Int64, "sex": pl.String, "prior_education_isced": pl.Int64,
    "region_code": pl.String, "labour_status_before": pl.String,
}  # fmt: skip


def _credentials(rows: list[tuple]) -> pl.DataFrame:
    """(credential_id, provider_id, eqf_level, isced_f_broad)."""
    schema = {
        "credential_id": pl.String,
        "provider_id": pl.String,
        "eqf_level": pl.Int64,
        "isced_f_broad": pl.String,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


CREDENTIALS = _credentials([("CNL", "P1", 5, "06"), ("CDE", "P2", 5, "06")])


def _awards(rows: list[tuple]) -> pl.DataFrame:
    """(award_id, learner_id, credential_id, issue_date)."""
    frame = pl.DataFrame(rows, schema=["award_id", "learner_id", "credential_id", "issue_date"], orient="row")
    return frame.with_columns(pl.col("issue_date").str.to_date())


def _learners(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=LEARNER_SCHEMA, orient="row")


def _run(awards: pl.DataFrame, credentials: pl.DataFrame = CREDENTIALS, **tables) -> dict[str, dict]:
    low_qualified = tables.pop("low_qualified", None)
    frames = {"awards": awards, "credentials": credentials, "providers": PROVIDERS, **tables}
    return T.compute(frames, C, low_qualified=low_qualified)


def _cell(n, d, v) -> dict:
    return {"numerator": n, "denominator": d, "value": v}


def test_flx_2_vertical_horizontal_complementary_and_unclassified_pairs():
    credentials = _credentials([
        ("C1", "P1", 4, "06"), ("C2", "P1", 5, "06"), ("C3", "P2", 5, "06"), ("C4", "P1", 5, "07"),
        ("C5", "P1", None, "07"), ("C7", "P1", 5, None),
    ])  # fmt: skip
    awards = _awards([
        ("A1", "L1", "C1", "2020-01-10"), ("A2", "L1", "C2", "2020-06-01"),  # 4 -> 5, same field: vertical
        ("A3", "L1", "C3", "2021-02-01"),                                    # 5 -> 5 (DE): horizontal
        ("A4", "L1", "C4", "2021-05-01"),                                    # 06 -> 07: complementary
        ("A5", "L1", "C5", "2022-01-01"),                                    # EQF unknown: unclassified
        ("B1", "L2", "C2", "2022-02-01"), ("B2", "L2", "C1", "2022-03-01"),  # 5 -> 4, same field: neither
        ("D1", "L3", "C4", "2023-01-01"), ("D2", "L3", "C7", "2023-02-01"),  # field unknown: unclassified
        ("E1", "L4", "C1", "2020-01-01"),                                    # a single award: no pair
    ])  # fmt: skip
    got = _run(awards, credentials)
    for kind in ("FLX-2v", "FLX-2h", "FLX-2c"):
        assert got[kind]["overall"] == _cell(1, 6, pytest.approx(100 / 6)), kind
    assert got["FLX-2v"]["by_year"]["2020"] == _cell(1, 1, 100.0)
    assert got["FLX-2h"]["by_year"]["2021"] == _cell(1, 2, 50.0)
    assert got["FLX-2c"]["by_year"]["2021"] == _cell(1, 2, 50.0)
    assert got["FLX-2v"]["by_year"]["2022"] == _cell(0, 2, 0.0)
    assert got["FLX-2v"]["by_year"]["2019"] == _cell(0, 0, None)
    # a pair takes the country of its second award: only A2 -> A3 is German
    assert got["FLX-2h"]["by_country"] == {"DE": _cell(1, 1, 100.0), "NL": _cell(0, 5, 0.0)}


def test_flx_7_median_months_between_consecutive_awards():
    awards = _awards([
        ("A1", "L1", "CNL", "2020-01-01"), ("A2", "L1", "CNL", "2020-03-02"),  # 61 days
        ("A3", "L1", "CNL", "2020-06-01"), ("A4", "L1", "CDE", "2020-10-01"),  # 91, 122 days
        ("B1", "L2", "CNL", "2021-01-01"), ("B2", "L2", "CNL", "2022-01-01"),  # 365 days (pair in 2022)
    ])  # fmt: skip
    got = _run(awards)["FLX-7"]
    assert got["unit"] == "months"
    median = (91 + 122) / 2 / 30.4375
    assert got["overall"] == _cell(pytest.approx(median), 4, pytest.approx(median))
    assert got["by_year"]["2020"] == _cell(pytest.approx(91 / 30.4375), 3, pytest.approx(91 / 30.4375))
    assert got["by_year"]["2021"] == _cell(None, 0, None)
    assert got["by_year"]["2022"]["value"] == pytest.approx(365 / 30.4375)
    assert got["by_country"]["DE"] == _cell(pytest.approx(122 / 30.4375), 1, pytest.approx(122 / 30.4375))


def _outcomes(rows: list[tuple]) -> pl.DataFrame:
    """(observation_id, learner_id, award_id, observation_date, months_after_award, status)."""
    schema = {
        "observation_id": pl.String, "learner_id": pl.String, "award_id": pl.String,
        "observation_date": pl.String, "months_after_award": pl.Int64, "status": pl.String,
    }  # fmt: skip
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    return frame.with_columns(
        pl.col("observation_date").str.to_date(), is_baseline=pl.col("months_after_award").is_null()
    )


def test_out_2_employment_gain_against_the_latest_baseline():
    awards = _awards([
        ("A1", "L1", "CNL", "2021-01-10"), ("A2", "L2", "CNL", "2021-02-10"),
        ("A3", "L3", "CDE", "2021-03-10"), ("A4", "L4", "CNL", "2021-04-10"),
    ])  # fmt: skip
    outcomes = _outcomes([
        ("O01", "L1", None, "2020-10-01", None, "unemployed"),
        ("O02", "L1", "A1", "2021-07-10", 6, "unemployed"),       # 6 months: not in OUT-2
        ("O03", "L1", "A1", "2022-01-10", 12, "employed"),        # +1
        ("O04", "L2", None, "2020-01-01", None, "employed"),      # older baseline: ignored
        ("O05", "L2", None, "2020-11-01", None, "inactive"),      # latest baseline
        ("O06", "L2", "A2", "2022-02-10", 12, "self_employed"),   # +1
        ("O07", "L3", None, "2020-12-01", None, "employed"),
        ("O08", "L3", "A3", "2022-03-10", 12, "employed"),        # 0
        ("O09", "L4", "A4", "2022-04-10", 12, "employed"),        # no baseline: not in OUT-2
    ])  # fmt: skip
    got = _run(awards, employment_outcomes=outcomes)
    assert got["OUT-2"]["unit"] == "pp"
    assert got["OUT-2"]["overall"] == _cell(2, 3, pytest.approx(200 / 3))
    assert got["OUT-2"]["by_country"]["DE"] == _cell(0, 1, 0.0)
    assert got["OUT-2"]["by_year"]["2021"] == got["OUT-2"]["overall"]
    assert got["OUT-1b"]["overall"] == _cell(4, 4, 100.0)
    assert got["OUT-1a"]["overall"] == _cell(0, 1, 0.0)
    assert got["OUT-5"]["overall"] == _cell(4, 4, 100.0)


def test_out_3_quantiles_of_employed_earnings_at_12_months():
    awards = _awards([(f"A{i}", f"L{i}", "CNL", "2022-05-01") for i in range(5)])
    outcomes = _outcomes(
        [(f"O{i}", f"L{i}", f"A{i}", "2023-05-01", 12, "employed") for i in range(4)]
        + [("O9", "L4", "A4", "2023-05-01", 12, "unemployed")]
    ).with_columns(monthly_earnings_eur=pl.Series([1000.0, 2000.0, None, 4000.0, 9999.0]))
    got = _run(awards, employment_outcomes=outcomes)
    assert got["OUT-3md"]["overall"] == _cell(2000.0, 3, 2000.0)
    assert got["OUT-3q1"]["overall"]["value"] == pytest.approx(1500.0)
    assert got["OUT-3q3"]["overall"]["value"] == pytest.approx(3000.0)
    assert got["OUT-3md"]["by_year"]["2023"] == _cell(None, 0, None)


def test_tru_5_counts_recognitions_within_24_months_of_awards_issued_by_c_minus_24_months():
    awards = _awards([
        ("A1", "L1", "CNL", "2023-12-31"),  # last eligible day (C - 24 months); recognised on the last day
        ("A2", "L2", "CNL", "2024-01-01"),  # too recent: outside the denominator though recognised
        ("A3", "L3", "CDE", "2021-03-15"),  # recognised the day before issue and 24 months + 1 day after
        ("A4", "L4", "CNL", "2020-06-01"),  # only a stacking event
        ("A5", "L5", "CDE", "2019-02-01"),  # recognised by an employer
    ])  # fmt: skip
    events = pl.DataFrame(
        {
            "learner_id": ["L1", "L2", "L3", "L3", "L4", "L5"],
            "award_id": ["A1", "A2", "A3", "A3", "A4", "A5"],
            "event_type": [
                "recognised_for_credit",
                "exemption_granted",
                "admitted_to_programme",
                "recognised_for_credit",
                "stacked_into_qualification",
                "admitted_to_programme",
            ],
            "event_date": [
                "2025-12-31",
                "2024-02-01",
                "2021-03-14",
                "2023-03-16",
                "2020-07-01",
                "2019-05-01",
            ],
            "recognising_org_type": [
                "education",
                "education",
                "education",
                "public_authority",
                None,
                "employer",
            ],
        }  # fmt: skip
    ).with_columns(pl.col("event_date").str.to_date())
    got = _run(awards, pathway_events=events)
    assert got["TRU-5"]["overall"] == _cell(2, 4, 50.0)
    assert got["TRU-5e"]["overall"] == _cell(1, 4, 25.0)
    assert got["TRU-5l"]["overall"] == _cell(1, 4, 25.0)
    assert got["TRU-5p"]["overall"] == _cell(0, 4, 0.0)
    assert got["TRU-5"]["by_year"]["2024"] == _cell(0, 0, None)
    assert got["TRU-5"]["by_country"] == {"DE": _cell(1, 2, 50.0), "NL": _cell(1, 2, 50.0)}


def test_same_day_awards_first_award_is_the_smaller_award_id_in_string_order():
    # "A10" < "A9" as strings: A10 (German provider) is the first award, A9 the second (same day)
    awards = _awards([
        ("A9", "L1", "CNL", "2020-05-05"), ("A10", "L1", "CDE", "2020-05-05"),
        ("A11", "L1", "CNL", "2021-01-01"),
    ])  # fmt: skip
    learners = _learners([("L1", 1990, "F", 5, None, "unemployed")])
    got = _run(awards, learners=learners)
    assert got["FLX-1"]["overall"] == _cell(1, 1, 100.0)  # the same-day 2nd award counts
    for name in ("FLX-1", "FLX-6", "INC-1a", "INC-4a", "OUT-5"):
        assert got[name]["by_country"]["DE"]["denominator"] == 1, name
        assert got[name]["by_country"]["NL"]["denominator"] == 0, name
    # pairs (A10 -> A9) and (A9 -> A11) take the second award's country: both Dutch
    assert got["FLX-2h"]["by_country"] == {"DE": _cell(0, 0, None), "NL": _cell(2, 2, 100.0)}
    assert got["FLX-7"]["by_year"]["2020"] == _cell(0.0, 1, 0.0)
    assert got["FLX-6"]["overall"] == _cell(1, 1, 100.0)  # two providers


def test_ado_4_learners_aged_25_64_per_1000_residents_by_residence():
    regions = pl.DataFrame({"region_code": ["NL11", "NL22", "DE11"], "country_code": ["NL", "NL", "DE"]})
    bands = ["15-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    per_band = {"NL11": 100_000, "NL22": 50_000, "DE11": 250_000}
    population = pl.DataFrame(
        [(r, b, p if b not in ("15-24", "65+") else 999_999) for r, p in per_band.items() for b in bands],
        schema=["region_code", "age_band", "population"],
        orient="row",
    )
    learners = _learners([
        ("L1", 1990, "F", 5, "NL11", "employed"),  # 30 in 2020 and 31 in 2021
        ("L2", 1996, "M", 5, "NL22", "employed"),  # 24 in 2020 (out), 25 in 2021
        ("L3", 1955, "M", 5, "DE11", "employed"),  # 65: out
        ("L4", 1960, "F", 5, "DE11", "employed"),  # 60, awarded by a Dutch provider: counts for DE
        ("L5", 1980, "F", 5, None, "employed"),    # residence unknown
        ("L6", None, "F", 5, "DE11", "employed"),  # age unknown
    ])  # fmt: skip
    awards = _awards([
        ("A1", "L1", "CNL", "2020-03-01"), ("A2", "L1", "CDE", "2020-04-01"),
        ("A3", "L1", "CNL", "2021-03-01"), ("A4", "L2", "CNL", "2020-03-01"),
        ("A5", "L2", "CNL", "2021-03-01"),
        ("A6", "L3", "CDE", "2020-03-01"), ("A7", "L4", "CNL", "2020-03-01"),
        ("A8", "L5", "CNL", "2020-03-01"), ("A9", "L6", "CDE", "2020-03-01"),
    ])  # fmt: skip
    got = _run(awards, learners=learners, regions=regions, region_population=population)["ADO-4"]
    assert got["unit"] == "per 1,000"
    assert got["overall"] == _cell(3, 1600.0, pytest.approx(3 / 1600))
    assert got["by_year"]["2020"] == _cell(2, 1600.0, pytest.approx(2 / 1600))
    assert got["by_year"]["2021"] == _cell(2, 1600.0, pytest.approx(2 / 1600))
    assert got["by_year"]["2022"] == _cell(0, 1600.0, 0.0)
    assert got["by_country"] == {"DE": _cell(1, 1000.0, 0.001), "NL": _cell(2, 600.0, pytest.approx(2 / 600))}


def _stacking(learner: str, second: str | None, first: str = "2020-03-01") -> list[tuple]:
    rows = [(f"{learner}a", learner, "CNL", first)]
    return rows + ([(f"{learner}b", learner, "CNL", second)] if second else [])


def test_inc_3s_gap_between_the_stacking_rates_of_women_and_men():
    awards = _awards(
        _stacking("F1", "2021-01-01") + _stacking("F2", None) + _stacking("F3", "2024-06-01", "2024-05-01")
        + _stacking("M1", "2020-04-01") + _stacking("M2", "2022-01-01") + _stacking("M3", "2023-03-01")
        + _stacking("M4", "2023-03-02") + _stacking("X1", "2020-04-01")
    )  # fmt: skip
    learners = _learners(
        [(lid, 1980, lid[0], 5, None, None) for lid in ("F1", "F2", "F3", "M1", "M2", "M3", "M4", "X1")]
    )
    got = _run(awards, learners=learners)
    assert got["FLX-1"]["overall"] == _cell(5, 7, pytest.approx(500 / 7))  # F3 too recent
    # women 1 of 2 (50 %), men 3 of 4 (75 %; M4's 2nd award is a day late)
    assert got["INC-3s"]["overall"] == _cell(None, None, pytest.approx(-25.0))
    assert got["INC-3s"]["by_year"]["2020"]["value"] == pytest.approx(-25.0)
    assert got["INC-3s"]["by_year"]["2024"] == _cell(None, None, None)  # no eligible women nor men
    assert got["INC-3s"]["by_country"] == {
        "DE": _cell(None, None, None),
        "NL": _cell(None, None, pytest.approx(-25.0)),
    }
    # INC-3a: everyone is 40 at the first award, so no one is 55+: null
    assert got["INC-3a"]["overall"]["value"] is None


def test_inc_2_low_qualified_ratio_against_the_residence_country_share():
    regions = pl.DataFrame({"region_code": ["NL11", "ES30"], "country_code": ["NL", "ES"]})
    shares = pl.DataFrame({"country_code": ["NL", "ES"], "share_isced_0_2": [0.19, 0.37]})
    learners = _learners([
        ("L1", 1980, "F", 2, "NL11", "employed"),  # low-qualified
        ("L2", 1980, "F", 5, "NL11", "employed"),
        ("L3", 1980, "F", 1, "ES30", "employed"),  # low-qualified, studies with a German provider
        ("L4", 1980, "F", None, "ES30", "employed"),  # ISCED unknown: out
        ("L5", 1980, "F", 0, None, "employed"),    # region unknown: out
    ])  # fmt: skip
    awards = _awards([(f"A{i}", f"L{i}", "CDE" if i == 3 else "CNL", "2022-01-01") for i in range(1, 6)])
    got = _run(awards, learners=learners, regions=regions, low_qualified=shares)["INC-2"]
    assert got["unit"] == "ratio"
    assert got["overall"] == _cell(2, pytest.approx(0.75), pytest.approx(2 / 0.75))
    assert got["by_country"]["DE"] == _cell(1, pytest.approx(0.37), pytest.approx(1 / 0.37))
    assert got["by_country"]["ES"] == _cell(0, 0, None)  # no ES provider: by award country


def test_default_reference_shares_are_the_pipelines():
    shares = T.read_low_qualified()
    assert dict(shares.iter_rows())["NL"] == pytest.approx(0.19)


def test_every_indicator_has_every_breakdown(truth):
    indicators = truth["indicators"]
    assert list(indicators) == [*T.FIRST_SET, *T.CATALOGUE]
    for name, result in indicators.items():
        assert list(result["by_year"]) == YEARS, name
        if name == "ADO-2":
            assert "by_country" not in result  # growth is only defined between consecutive years
            continue
        assert list(result["by_country"]) == ["DE", "ES", "FI", "FR", "NL", "PL"], name
        assert set(result["overall"]) == {"numerator", "denominator", "value"}


def test_catalogue_truth_matches_the_files_written(clean, truth):
    """The CSVs read back as text (defects removed) give the published truth, by country too."""
    again = T.compute(clean, C)
    for name, result in again.items():
        want = truth["indicators"][name]
        assert result["unit"] == want["unit"], name
        pairs = [("overall", result["overall"], want["overall"])]
        for part in ("by_year", "by_country"):
            pairs += [(k, v, want[part][k]) for k, v in result.get(part, {}).items()]
        for key, got, expected in pairs:
            assert got == pytest.approx(expected), (name, key)
