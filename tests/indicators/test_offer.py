"""ADO-6 credentials on offer (awarded or active in the period): mart_credential_offer and the engine on
five inline specifications, against the generator's independent ground truth on the same rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.cellkey import RECORD_KEY_MACRO
from pipelines.generate import truth as T
from pipelines.indicators.engine import compute

pytestmark = pytest.mark.unit

MART = Path(__file__).resolve().parents[2] / "pipelines" / "sql" / "marts" / "mart_credential_offer.sql"
C = dt.date(2025, 12, 31)
YEARS = list(range(2019, 2026))
PROVIDERS = pl.DataFrame(
    {"provider_id": ["P1", "P2"], "country_code": ["NL", "DE"], "provider_type": ["university", "employer"]}
)
D = dt.date
CREDENTIALS = pl.DataFrame(
    [
        ("CA", "P1", D(2018, 5, 1), None),  # active 2018 onwards, also awarded in 2020
        ("CB", "P2", None, None),  # no launch date: on offer only in 2021, when it was awarded
        ("CR", "P1", D(2019, 6, 1), D(2021, 3, 1)),  # active 2019-2021, never awarded
        ("CF", "P1", D(2026, 2, 1), None),  # launched after the cut-off: not on offer
        ("CX", "P2", D(2023, 1, 1), D(2022, 1, 1)),  # retired before its launch year: never active
    ],
    schema={
        "credential_id": pl.String,
        "provider_id": pl.String,
        "launch_date": pl.Date,
        "retirement_date": pl.Date,
    },
    orient="row",
)
AWARDS = pl.DataFrame({"credential_id": ["CA", "CA", "CB"], "year": [2020, 2020, 2021]})
EXPECTED = {2019: 2, 2020: 2, 2021: 3, 2022: 1, 2023: 1, 2024: 1, 2025: 1}


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute(RECORD_KEY_MACRO)
    c.execute("set variable cutoff = ?::date", [C])
    c.register("credentials_frame", CREDENTIALS)
    c.register("providers_frame", PROVIDERS)
    c.register("awards_frame", AWARDS)
    c.execute(
        "create table dim_credential as select *, '06' as isced_f_broad, 5 as eqf_level, "
        "'digital_badge' as format, 'online' as participation_form from credentials_frame"
    )
    c.execute("create table dim_provider as select *, 'NL11' as region_code from providers_frame")
    c.execute("create table fct_award as select * from awards_frame")
    c.execute(f"create table mart_credential_offer as {MART.read_text(encoding='utf-8')}")
    yield c
    c.close()


def test_the_mart_has_a_specification_in_each_year_it_was_awarded_or_active(con):
    rows = con.sql(
        "select credential_id, list(year order by year), bool_or(awarded), bool_and(active) "
        "from mart_credential_offer group by 1 order by 1"
    ).fetchall()
    assert rows == [
        ("CA", list(range(2018, 2026)), True, True),
        ("CB", [2021], True, False),
        ("CR", [2019, 2020, 2021], False, True),
    ]


def test_ado_6_equals_the_ground_truth_on_the_same_rows(con):
    facts = AWARDS.with_columns(pl.col("year").cast(pl.Int32))
    truth = T.ado_6(facts, CREDENTIALS, PROVIDERS, C, YEARS, ["DE", "NL"])
    assert {int(y): c["value"] for y, c in truth["by_year"].items()} == EXPECTED
    assert truth["overall"]["value"] == 3 and truth["by_country"]["NL"]["value"] == 2

    def values(by: str) -> dict:
        return {r["breakdown_value"]: r["value"] for r in compute(con, ["ADO-6"], by).iter_rows(named=True)}

    assert values("overall") == {"all": truth["overall"]["value"]}
    assert values("year") == {**{y: c["value"] for y, c in truth["by_year"].items()}, "2018": 1}
    assert values("country") == {k: c["value"] for k, c in truth["by_country"].items()}
