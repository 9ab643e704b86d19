"""The cube -> SDMX observation mapping on a few inline cells: places, periods, groups, flags."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.publish.sdmx import observations, period

pytestmark = pytest.mark.unit

CUBE = pl.DataFrame(
    {
        "indicator_id": ["ADO-1"] * 6 + ["TRU-1"],
        "breakdown": ["overall", "year", "year", "country_year", "region", "provider_type", "country"],
        "breakdown_value": ["all", "2020", "2022", "NL 2021", "unknown", "vet", "DE"],
        "numerator": [120.0, 50.0, 70.0, None, 12.0, 40.0, None],
        "denominator": [None, None, None, None, None, None, 15.0],
        "value": [120.0, 50.0, 70.0, None, 12.0, 40.0, None],
        "flag": [None, None, None, "c", None, None, "c"],
        "suppression": [None, None, None, "primary", None, None, "secondary"],
    }
)


def test_period_is_an_iso_time_range():
    assert period([2020, 2022, 2021]) == "2020-01-01/P3Y"


def test_cells_map_to_sdmx_keys_and_statuses():
    obs = observations(CUBE, {"ADO-1": "count", "TRU-1": "%"})
    rows = {(r["BREAKDOWN"], r["REF_AREA"], r["BREAKDOWN_VALUE"], r["TIME_PERIOD"]): r
            for r in obs.iter_rows(named=True)}  # fmt: skip
    assert set(rows) == {
        ("OVERALL", "_T", "_T", "2020-01-01/P3Y"),
        ("YEAR", "_T", "_T", "2020"),
        ("YEAR", "_T", "_T", "2022"),
        ("COUNTRY_YEAR", "NL", "_T", "2021"),
        ("REGION", "_U", "_T", "2020-01-01/P3Y"),
        ("PROVIDER_TYPE", "_T", "vet", "2020-01-01/P3Y"),
        ("COUNTRY", "DE", "_T", "2020-01-01/P3Y"),
    }
    shown = rows[("OVERALL", "_T", "_T", "2020-01-01/P3Y")]
    assert (shown["OBS_VALUE"], shown["OBS_STATUS"], shown["CONF_STATUS"], shown["UNIT_MEASURE"]) == (
        120.0, "A", "F", "NR")  # fmt: skip
    primary = rows[("COUNTRY_YEAR", "NL", "_T", "2021")]
    assert (primary["OBS_VALUE"], primary["OBS_STATUS"], primary["CONF_STATUS"]) == (None, "Q", "C")
    secondary = rows[("COUNTRY", "DE", "_T", "2020-01-01/P3Y")]
    assert (secondary["OBS_STATUS"], secondary["CONF_STATUS"], secondary["UNIT_MEASURE"]) == ("Q", "D", "PC")


def test_not_applicable_is_missing_value_data_cannot_exist():
    cube = CUBE.head(1).with_columns(pl.lit("z").alias("flag"), pl.lit(None, pl.Float64).alias("value"))
    obs = observations(cube, {"ADO-1": "count"})
    assert obs.select("OBS_STATUS", "CONF_STATUS").row(0) == ("M", "F")
