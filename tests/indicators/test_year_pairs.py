"""Region x year and provider type x year breakdowns: the same records as the year breakdown, split."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.indicators.engine import Filters, compute
from pipelines.publish.sdmx import observations

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def con(small_warehouse: Path):
    c = duckdb.connect(str(small_warehouse), read_only=True)
    yield c
    c.close()


@pytest.mark.parametrize("by", ["region_year", "provider_type_year"])
def test_cells_add_up_to_the_year(con, by):
    """True counts of every <code> <year> cell sum to the year's (ADO-1 awards, TRU-4 numerators)."""
    for ind in ("ADO-1", "TRU-4"):
        pairs = compute(con, (ind,), by, Filters()).with_columns(
            year=pl.col("breakdown_value").str.split(" ").list.last()
        )
        summed = pairs.group_by("year").agg(pl.col("numerator").sum()).sort("year")
        years = compute(con, (ind,), "year", Filters()).select(year="breakdown_value", numerator="numerator")
        joined = years.join(summed, on="year", suffix="_pairs")
        assert joined.height == years.height > 1
        assert (joined["numerator"] == joined["numerator_pairs"]).all(), (ind, joined)


def test_growth_within_a_region(con):
    """ADO-2 by region x year compares a region's year with the same region's previous year."""
    counts = compute(con, ("ADO-1",), "region_year", Filters()).select("breakdown_value", "numerator")
    n = dict(counts.iter_rows())
    growth = compute(con, ("ADO-2",), "region_year", Filters())
    checked = 0
    for row in growth.iter_rows(named=True):
        region, year = row["breakdown_value"].split(" ")
        previous = n.get(f"{region} {int(year) - 1}")
        if previous and row["denominator"]:
            assert row["denominator"] == previous
            assert row["numerator"] == n[row["breakdown_value"]] - previous
            checked += 1
    assert checked > 20


def test_public_cube_and_sdmx_carry_them(con):
    cube = con.sql(
        "select * from pub_indicator_cube where breakdown in ('region_year', 'provider_type_year')"
    ).pl()
    assert set(cube["breakdown"]) == {"region_year", "provider_type_year"}
    obs = observations(cube, {}).to_dicts()
    region = next(o for o in obs if o["BREAKDOWN"] == "REGION_YEAR" and not o["REF_AREA"].startswith("_"))
    assert len(region["REF_AREA"]) == 4 and len(region["TIME_PERIOD"]) == 4
    ptype = next(o for o in obs if o["BREAKDOWN"] == "PROVIDER_TYPE_YEAR")
    assert (
        ptype["REF_AREA"] == "_T"
        and ptype["BREAKDOWN_VALUE"] not in ("_T", "")
        and len(ptype["TIME_PERIOD"]) == 4
    )
