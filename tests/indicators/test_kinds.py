"""Kinds work for any indicator: growth of any count, per-capita of any count with a population base, and
a share on an existing base needs its entry only. Tiny inline marts in an in-memory DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.indicators.engine import Filters, compute, compute_one
from pipelines.indicators.registry import INDICATORS, Indicator, Term, _validate

pytestmark = pytest.mark.unit

# (award, learner, provider, year, country, residence region, residence country, age, signed)
AWARDS = [
    ("A1", "L1", "P1", 2020, "NL", "NL11", "NL", 30, True),
    ("A2", "L1", "P1", 2020, "NL", "NL11", "NL", 30, False),
    ("A3", "L2", "P2", 2020, "DE", "DE11", "DE", 70, True),
    ("A4", "L1", "P1", 2021, "NL", "NL11", "NL", 31, True),
    ("A5", "L3", "P1", 2021, "NL", None, None, 40, True),
    ("A6", "L4", "P2", 2021, "DE", "DE11", "DE", 45, False),
    ("A7", "L5", "P2", 2021, "DE", "DE11", "DE", 50, True),
]


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute(
        "create table mart_award (award_id varchar, learner_key varchar, provider_id varchar, year integer, "
        "country_code varchar, residence_region_code varchar, residence_country_code varchar, age integer, "
        "signed boolean, region_code varchar, provider_type varchar, isced_f_broad varchar, "
        "eqf_level integer, record_key bigint, learner_record_key bigint)"
    )
    for n, row in enumerate(AWARDS):
        learner = int(row[1][1:])
        c.execute(
            "insert into mart_award values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'R', 'university', '06', 5, ?, ?)",
            [*row, 1000 + n, 77 * learner],
        )
    c.execute(
        "create table dim_region as select * from (values ('NL11', 'NL', 20000, 50000), "
        "('DE11', 'DE', 30000, 70000)) as t(region_code, country_code, pop_25_64, pop_15_plus)"
    )
    yield c
    c.close()


def _by(frame) -> dict:
    return {r["breakdown_value"]: r for r in frame.iter_rows(named=True)}


def _entry(**fields) -> Indicator:
    return Indicator(
        dimension="adoption", name="test", definition="test", base="awards", direction="up", **fields
    )


def test_growth_of_awards_and_of_learners_from_the_same_code(con):
    awards = _by(compute(con, ["ADO-2"], "year"))
    assert awards["2021"]["value"] == pytest.approx((4 - 3) / 3 * 100)
    assert awards["2020"]["value"] is None and awards["2020"]["flag"] == "z"  # no 2019
    learners = _entry(
        id="T-G",
        kind="growth",
        growth_of="ADO-3",  # distinct learners: 2 in 2020, 4 in 2021
        numerator=Term(text="learners this year minus last year"),
        denominator=Term(text="learners last year"),
        unit="%",
        breakdowns=("overall", "year", "country_year"),
    )
    _validate((*INDICATORS, learners))  # a valid entry
    got = _by(compute_one(con, learners, "year", Filters()))
    assert got["2021"]["numerator"] == 2 and got["2021"]["denominator"] == 2
    assert got["2021"]["value"] == pytest.approx(100.0)
    by_country = _by(compute_one(con, learners, "country_year", Filters()))
    assert by_country["DE 2021"]["value"] == pytest.approx(100.0)  # 1 -> 2 learners
    assert by_country["NL 2021"]["value"] == pytest.approx(100.0)  # 1 -> 2
    assert compute_one(con, learners, "overall", Filters())["flag"].to_list() == ["z"]


def test_growth_of_a_count_of_no_one_is_published_as_computed(con):
    providers = _entry(
        id="T-P",
        kind="growth",
        growth_of="ADO-5",  # distinct providers: not people, no cell key
        numerator=Term(text="providers"),
        denominator=Term(text="providers last year"),
        unit="%",
        breakdowns=("overall", "year"),
    )
    row = _by(compute_one(con, providers, "year", Filters()))["2021"]
    assert row["value"] == 0.0 and row["p_value"] == 0.0 and row["p_denominator"] == 2


def test_growth_counts_the_year_before_a_period_filter(con):
    got = _by(compute(con, ["ADO-2"], "year", Filters(year_from=2021)))
    assert list(got) == ["2021"] and got["2021"]["denominator"] == 3


def test_per_capita_of_any_count_with_a_population_base(con):
    ado_4 = _by(compute(con, ["ADO-4"], "country"))
    assert ado_4["NL"]["numerator"] == 1 and ado_4["NL"]["denominator"] == pytest.approx(20.0)
    all_ages = _entry(
        id="T-C",
        kind="per_capita",
        population="pop_15_plus",
        numerator=Term(
            text="learners resident in the area",
            sql="count(distinct learner_key) filter (where residence_region_code is not null)",
        ),
        denominator=Term(text="residents aged 15+ of the area, in thousands"),
        unit="per 1,000",
        people=True,
        breakdowns=("overall", "year", "country", "region", "country_year"),
    )
    overall = _by(compute_one(con, all_ages, "overall", Filters()))["all"]
    assert overall["numerator"] == 4 and overall["denominator"] == pytest.approx(120.0)
    assert overall["value"] == pytest.approx(4 / 120)
    regions = _by(compute_one(con, all_ages, "region", Filters()))
    assert regions["DE11"]["value"] == pytest.approx(3 / 70) and regions["NL11"]["value"] == pytest.approx(
        1 / 50
    )


def test_a_new_share_on_an_existing_base_needs_only_its_entry(con):
    signed = _entry(
        id="T-S",
        kind="share",
        numerator=Term(text="signed awards", sql="count(*) filter (where signed)"),
        denominator=Term(text="awards issued", sql="count(*)"),
        unit="%",
    )
    got = _by(compute_one(con, signed, "country", Filters()))
    assert got["NL"]["value"] == pytest.approx(3 / 4 * 100) and got["DE"]["value"] == pytest.approx(
        2 / 3 * 100
    )
