"""Compute indicators from the marts for any breakdown and filter, as one parameterised query each.

The build stores the unfiltered results in `mart_indicator_cube`; the CLI and the dashboard call
`compute` with filters, so both always show the same figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import polars as pl

from pipelines.indicators.registry import BASES, INDICATORS, Indicator, get
from pipelines.warehouse import rows

# breakdown name -> SQL expression giving its value (always text)
BREAKDOWNS: dict[str, str] = {
    "overall": "'all'",
    "year": "cast(year as varchar)",
    "country": "country_code",
    "region": "coalesce(region_code, 'unknown')",
    "provider_type": "provider_type",
    "country_year": "country_code || ' ' || cast(year as varchar)",
}

# Disclosure defaults (DOMAIN.md §6): counts of people below 10, rates on denominators below 20.
MIN_PEOPLE = 10
MIN_DENOMINATOR = 20

RESULT_SCHEMA = {
    "indicator_id": pl.String,
    "breakdown": pl.String,
    "breakdown_value": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "flag": pl.String,
}


@dataclass(frozen=True)
class Filters:
    """A view's filters; hashable so the dashboard can cache on it."""

    year_from: int | None = None
    year_to: int | None = None
    countries: tuple[str, ...] = field(default_factory=tuple)
    provider_types: tuple[str, ...] = field(default_factory=tuple)

    def where(self, years: bool = True) -> tuple[str, list]:
        """SQL predicate and parameters; `years=False` leaves the period out (for growth rates)."""
        clauses, params = ["true"], []
        if years and self.year_from is not None:
            clauses.append("year >= ?")
            params.append(int(self.year_from))
        if years and self.year_to is not None:
            clauses.append("year <= ?")
            params.append(int(self.year_to))
        if self.countries:
            clauses.append("list_contains(?, country_code)")
            params.append(list(self.countries))
        if self.provider_types:
            clauses.append("list_contains(?, provider_type)")
            params.append(list(self.provider_types))
        return " and ".join(clauses), params

    def describe(self) -> str:
        parts = []
        if self.year_from is not None or self.year_to is not None:
            parts.append(f"years {self.year_from or '…'}–{self.year_to or '…'}")
        if self.countries:
            parts.append("country " + ", ".join(self.countries))
        if self.provider_types:
            parts.append("provider type " + ", ".join(self.provider_types))
        return "; ".join(parts) or "no filters"


def _query(ind: Indicator, by: str, where: str) -> str:
    den = ind.denominator_sql or "null"
    return (
        f"select {BREAKDOWNS[by]} as breakdown_value, "
        f"cast({ind.numerator_sql} as double) as numerator, cast({den} as double) as denominator "
        f"from {BASES[ind.base]} where {where} group by all order by 1"
    )


def _growth(con: duckdb.DuckDBPyConnection, by: str, filters: Filters) -> pl.DataFrame:
    """ADO-2: awards against the same group's previous year; only defined for yearly breakdowns.

    The previous year is counted even when the period filter starts after it.
    """
    if by not in ("year", "country_year"):
        values = ["all"] if by == "overall" else []
        return pl.DataFrame(
            {
                "breakdown_value": values,
                "numerator": [None] * len(values),
                "denominator": [None] * len(values),
            },
            schema={"breakdown_value": pl.String, "numerator": pl.Float64, "denominator": pl.Float64},
        )
    where, params = filters.where(years=False)
    group = "'all'" if by == "year" else "country_code"
    label = "cast(c.year as varchar)" if by == "year" else "c.grp || ' ' || cast(c.year as varchar)"
    sql = f"""
        with counts as (
            select {group} as grp, year, count(*) as n from mart_award where {where} group by all
        )
        select {label} as breakdown_value,
               cast(c.n - prev.n as double) as numerator, cast(prev.n as double) as denominator
        from counts as c left join counts as prev on prev.grp = c.grp and prev.year = c.year - 1
        where c.year between ? and ?
        order by 1
    """
    lo = filters.year_from if filters.year_from is not None else -9999
    hi = filters.year_to if filters.year_to is not None else 9999
    return con.sql(sql, params=[*params, lo, hi]).pl()


def compute(
    con: duckdb.DuckDBPyConnection,
    indicator_ids: Iterable[str] | None = None,
    by: str = "overall",
    filters: Filters | None = None,
) -> pl.DataFrame:
    """Indicator values for one breakdown under the given filters, with numerator, denominator and flag."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}; choose one of {', '.join(BREAKDOWNS)}")
    filters = filters or Filters()
    where, params = filters.where()
    inds = [get(i) for i in indicator_ids] if indicator_ids else list(INDICATORS)
    frames = []
    for ind in inds:
        if ind.id == "ADO-2":
            part = _growth(con, by, filters)
        else:
            part = con.sql(_query(ind, by, where), params=params).pl()
        frames.append(
            part.select(
                pl.lit(ind.id).alias("indicator_id"),
                pl.lit(by).alias("breakdown"),
                pl.col("breakdown_value").cast(pl.String),
                pl.col("numerator").cast(pl.Float64),
                pl.col("denominator").cast(pl.Float64),
            ).with_columns(_value(ind), _flag(ind))
        )
    if not frames:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    return pl.concat(frames).select(list(RESULT_SCHEMA))


def _value(ind: Indicator) -> pl.Expr:
    num, den = pl.col("numerator"), pl.col("denominator")
    if ind.id == "ADO-2" or ind.unit == "%":
        return pl.when(den > 0).then(num / den * 100).otherwise(None).alias("value")
    if ind.unit == "ratio":
        return pl.when(den > 0).then(num / den).otherwise(None).alias("value")
    return num.alias("value")


def _flag(ind: Indicator) -> pl.Expr:
    """`z` not applicable (no denominator), `c` suppressed for disclosure control, else null."""
    num, den = pl.col("numerator"), pl.col("denominator")
    if ind.id == "ADO-2" or ind.denominator_sql is not None:
        return (
            pl.when(den.is_null() | (den <= 0))
            .then(pl.lit("z"))
            .when(den < MIN_DENOMINATOR)
            .then(pl.lit("c"))
            .otherwise(None)
            .alias("flag")
        )
    if ind.people:
        return pl.when(num < MIN_PEOPLE).then(pl.lit("c")).otherwise(None).alias("flag")
    return pl.lit(None, dtype=pl.String).alias("flag")


def published(frame: pl.DataFrame) -> pl.DataFrame:
    """The public view of a result: suppressed and not-applicable values are blanked, flags kept."""
    return frame.with_columns(
        pl.when(pl.col("flag").is_in(["c", "z"])).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(pl.col("flag") == "c").then(None).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(pl.col("flag") == "c").then(None).otherwise(pl.col("denominator")).alias("denominator"),
    )


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Values the filters may take, read from the warehouse."""
    years = [r[0] for r in rows(con, "select distinct year from mart_award order by 1")]
    countries = [r[0] for r in rows(con, "select distinct country_code from dim_provider order by 1")]
    types = [r[0] for r in rows(con, "select distinct provider_type from dim_provider order by 1")]
    return {"years": years, "countries": countries, "provider_types": types}
