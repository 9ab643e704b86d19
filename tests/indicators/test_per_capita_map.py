"""Counts per 1,000 adults for the map: published counts over public populations, nothing more."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipelines.indicators import per_capita_map
from pipelines.indicators.registry import INDICATORS, get

pytestmark = pytest.mark.unit

SCHEMA = {
    "indicator_id": pl.String,
    "breakdown": pl.String,
    "breakdown_value": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "flag": pl.String,
    "suppression": pl.String,
}


def cells(values: dict[str, tuple[float | None, str | None, str | None]], ind: str = "ADO-1") -> pl.DataFrame:
    """Published cells by region: code -> (value, flag, suppression)."""
    return pl.DataFrame(
        [
            {
                "indicator_id": ind,
                "breakdown": "region",
                "breakdown_value": code,
                "numerator": value,
                "denominator": None,
                "value": value,
                "flag": flag,
                "suppression": suppression,
            }
            for code, (value, flag, suppression) in values.items()
        ],
        schema=SCHEMA,
    )


POPULATION = pl.DataFrame(
    {
        "region_code": ["NL11", "NL22", "NL32", "DE21"],
        "population": [311_700.0, 1_115_600.0, 1_926_000.0, 0.0],
    }
)


def by_code(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["breakdown_value"]: r for r in frame.iter_rows(named=True)}


def test_rate_is_the_published_count_per_thousand_residents():
    out = by_code(
        per_capita_map.per_thousand(
            cells({"NL11": (120.0, None, None), "NL22": (0.0, None, None)}), POPULATION
        )
    )
    assert out["NL11"]["value"] == pytest.approx(120 / 311.7)  # by hand: 120 awards / 311.7 thousand
    assert out["NL11"]["numerator"] == 120.0 and out["NL11"]["denominator"] == pytest.approx(311.7)
    assert out["NL22"]["value"] == 0.0 and out["NL22"]["flag"] is None


def test_suppressed_count_stays_suppressed_without_count_or_rate():
    rows = cells(
        {"NL11": (None, "c", "primary"), "NL22": (None, "c", "secondary"), "NL32": (400.0, None, None)}
    )
    out = by_code(per_capita_map.per_thousand(rows, POPULATION))
    for code in ("NL11", "NL22"):
        assert out[code]["flag"] == "c"
        assert (
            out[code]["value"] is None and out[code]["numerator"] is None and out[code]["denominator"] is None
        )
    assert out["NL11"]["suppression"] == "primary" and out["NL22"]["suppression"] == "secondary"
    assert out["NL32"]["value"] == pytest.approx(400 / 1926.0)


def test_no_population_means_not_applicable():
    rows = cells({"unknown": (77.0, None, None), "DE21": (50.0, None, None), "FI1B": (9.0, None, None)})
    out = by_code(per_capita_map.per_thousand(rows, POPULATION))
    assert all(out[c]["flag"] == "z" and out[c]["value"] is None for c in ("unknown", "DE21", "FI1B"))


def test_refuses_true_figures_other_breakdowns_and_non_counts():
    true = cells({"NL11": (120.0, None, None)}).with_columns(
        pl.lit(121.0).alias("p_numerator"),
        pl.lit(None, pl.Float64).alias("p_denominator"),
        pl.lit(121.0).alias("p_value"),
    )
    with pytest.raises(ValueError, match="published cells"):
        per_capita_map.per_thousand(true, POPULATION)
    with pytest.raises(ValueError, match="by region"):
        per_capita_map.per_thousand(
            cells({"NL11": (1.0, None, None)}).with_columns(breakdown=pl.lit("country")), POPULATION
        )
    with pytest.raises(ValueError, match="counts only.*TRU-1"):
        per_capita_map.per_thousand(cells({"NL11": (50.0, None, None)}, ind="TRU-1"), POPULATION)


def test_keeps_columns_and_order():
    rows = cells({"NL22": (10.0, None, None), "NL11": (20.0, None, None)})
    out = per_capita_map.per_thousand(rows, POPULATION)
    assert out.columns == rows.columns and out["breakdown_value"].to_list() == ["NL22", "NL11"]


def test_offers_and_registry_rates():
    counts = {i.id for i in INDICATORS if per_capita_map.offers_rate(i)}
    assert {"ADO-1", "ADO-3", "ADO-5"} <= counts and "TRU-1" not in counts and "ADO-4" not in counts
    assert per_capita_map.rate_for(get("ADO-3")).id == "ADO-4"
    assert per_capita_map.rate_for(get("ADO-1")) is None
    for count, rate in per_capita_map.RATE_OF.items():
        assert get(count).kind == "count" and get(rate).kind == "per_capita"
        assert get(rate).population == per_capita_map.POPULATION  # the same adults as the other rates


def test_region_population_reads_dim_region():
    con = duckdb.connect()
    con.sql("create table dim_region (region_code varchar, pop_25_64 bigint)")
    con.sql("insert into dim_region values ('NL22', 1115600), ('NL11', 311700)")
    frame = per_capita_map.region_population(con)
    assert frame.to_dicts() == [
        {"region_code": "NL11", "population": 311700.0},
        {"region_code": "NL22", "population": 1115600.0},
    ]
