"""Compute indicators from the marts for any breakdown and filter, as parameterised queries.

The build stores the unfiltered results in `mart_indicator_cube`; the CLI and the dashboard call
`compute` with filters, so all of them show the same figures. Filter values are always bound as
parameters, never pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import polars as pl

from pipelines.indicators.registry import BASES, INDICATORS, Indicator, get
from pipelines.publish.settings import disclosure
from pipelines.warehouse import rows

# breakdown name -> SQL expression giving its value (always text)
BREAKDOWNS: dict[str, str] = {
    "overall": "'all'",
    "year": "cast(year as varchar)",
    "country": "coalesce(country_code, 'unknown')",
    "region": "coalesce(region_code, 'unknown')",
    "provider_type": "coalesce(provider_type, 'unknown')",
    "provider": "coalesce(provider_id, 'unknown')",
    "field": "coalesce(isced_f_broad, 'unknown')",
    "eqf_level": "coalesce(cast(eqf_level as varchar), 'unknown')",
    "format": "coalesce(format, 'unknown')",
    "participation_form": "coalesce(participation_form, 'unknown')",
    "purpose": "coalesce(purpose, 'unknown')",
    "sex": "coalesce(sex, 'unknown')",
    "age_band": "coalesce(age_band, 'unknown')",
    "country_year": "coalesce(country_code, 'unknown') || ' ' || cast(year as varchar)",
}
# ADO-4 counts residents: its places are the learner's residence.
RESIDENCE = {
    "country": "coalesce(residence_country_code, 'unknown')",
    "region": "coalesce(residence_region_code, 'unknown')",
    "country_year": "coalesce(residence_country_code, 'unknown') || ' ' || cast(year as varchar)",
}

# Disclosure thresholds (DOMAIN.md §6; config/observatory.toml): counts of people, denominators of
# shares, contributors to medians and quantiles.
_RULES = disclosure()
MIN_PEOPLE = _RULES.min_people
MIN_DENOMINATOR = _RULES.min_denominator
MIN_CONTRIBUTORS = _RULES.min_contributors

RESULT_SCHEMA = {
    "indicator_id": pl.String,
    "breakdown": pl.String,
    "breakdown_value": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "flag": pl.String,
}
_PART_SCHEMA = {
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
    regions: tuple[str, ...] = field(default_factory=tuple)
    fields: tuple[str, ...] = field(default_factory=tuple)  # ISCED-F broad fields, e.g. "06"
    eqf_levels: tuple[int, ...] = field(default_factory=tuple)

    def where(self, years: bool = True, country_column: str = "country_code") -> tuple[str, list]:
        """SQL predicate and parameters; `years=False` leaves the period out (for growth rates)."""
        clauses, params = ["true"], []
        if years and self.year_from is not None:
            clauses.append("year >= ?")
            params.append(int(self.year_from))
        if years and self.year_to is not None:
            clauses.append("year <= ?")
            params.append(int(self.year_to))
        if self.countries:
            clauses.append(f"list_contains(?, {country_column})")
            params.append(list(self.countries))
        if self.provider_types:
            clauses.append("list_contains(?, provider_type)")
            params.append(list(self.provider_types))
        if self.regions:
            region_column = (
                "residence_region_code" if country_column.startswith("residence") else "region_code"
            )
            clauses.append(f"list_contains(?, {region_column})")
            params.append(list(self.regions))
        if self.fields:
            clauses.append("list_contains(?, isced_f_broad)")
            params.append(list(self.fields))
        if self.eqf_levels:
            clauses.append("list_contains(?, eqf_level)")
            params.append([int(x) for x in self.eqf_levels])
        return " and ".join(clauses), params

    def describe(self) -> str:
        parts = []
        if self.year_from is not None or self.year_to is not None:
            parts.append(f"years {self.year_from or '…'}–{self.year_to or '…'}")
        if self.countries:
            parts.append("country " + ", ".join(self.countries))
        if self.provider_types:
            parts.append("provider type " + ", ".join(self.provider_types))
        if self.regions:
            parts.append("region " + ", ".join(self.regions))
        if self.fields:
            parts.append("ISCED-F field " + ", ".join(self.fields))
        if self.eqf_levels:
            parts.append("EQF level " + ", ".join(str(x) for x in self.eqf_levels))
        return "; ".join(parts) or "no filters"


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=_PART_SCHEMA)


def _plain(con, ind: Indicator, by: str, filters: Filters) -> pl.DataFrame:
    where, params = filters.where()
    den = ind.denominator_sql or "null"
    sql = (
        f"select {BREAKDOWNS[by]} as breakdown_value, cast({ind.numerator_sql} as double) as numerator, "
        f"cast({den} as double) as denominator from {BASES[ind.base]} where {where} group by all order by 1"
    )
    return con.sql(sql, params=params).pl().with_columns(_value(ind), _flag(ind))


def _growth(con, by: str, filters: Filters) -> pl.DataFrame:
    """ADO-2: awards against the same group's previous year (counted even when the period filter
    starts after it). Overall it is not defined (flag z)."""
    if by == "overall":
        return pl.DataFrame(
            {
                "breakdown_value": ["all"],
                "numerator": [None],
                "denominator": [None],
                "value": [None],
                "flag": ["z"],
            },
            schema=_PART_SCHEMA,
        )
    where, params = filters.where(years=False)
    group = "'all'" if by == "year" else "coalesce(country_code, 'unknown')"
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
    ind = get("ADO-2")
    return con.sql(sql, params=[*params, lo, hi]).pl().with_columns(_value(ind), _flag(ind))


def _per_capita(con, ind: Indicator, by: str, filters: Filters) -> pl.DataFrame:
    """ADO-4: learners per 1,000 residents of the area; the area's population is the denominator."""
    where, params = filters.where(country_column="residence_country_code")
    expr = RESIDENCE.get(by, BREAKDOWNS[by])
    place = {"country": "country_code", "region": "region_code", "country_year": "country_code"}.get(by)
    pop_where, pop_params = "true", []
    if filters.countries:
        pop_where, pop_params = "list_contains(?, country_code)", [list(filters.countries)]
    if place:
        pop = (
            f"select {place} as place, sum(pop_25_64) / 1000.0 as d from dim_region "
            f"where {pop_where} group by 1"
        )
        key = "split_part(n.breakdown_value, ' ', 1)" if by == "country_year" else "n.breakdown_value"
        join = f"left join pop on pop.place = {key}"
    else:
        pop = f"select sum(pop_25_64) / 1000.0 as d from dim_region where {pop_where}"
        join = "cross join pop"
    sql = f"""
        with n as (
            select {expr} as breakdown_value, cast({ind.numerator_sql} as double) as numerator
            from mart_award where {where} group by all
        ),
        pop as ({pop})
        select n.breakdown_value, n.numerator, pop.d as denominator from n {join} order by 1
    """
    return con.sql(sql, params=[*params, *pop_params]).pl().with_columns(_value(ind), _flag(ind))


def _gap(con, ind: Indicator, by: str, filters: Filters) -> pl.DataFrame:
    """A difference between two groups' values of another indicator, in percentage points."""
    of, gap = get(ind.gap.of), ind.gap
    where, params = filters.where()
    sql = f"""
        select {BREAKDOWNS[by]} as breakdown_value, ({gap.group_sql}) as grp,
               cast({of.numerator_sql} as double) as numerator,
               cast({of.denominator_sql} as double) as denominator
        from {BASES[of.base]} where {where} and ({gap.group_sql}) in (?, ?) group by all
    """
    parts = con.sql(sql, params=[*params, gap.a, gap.b]).pl()
    a = parts.filter(pl.col("grp") == gap.a).select("breakdown_value", na="numerator", da="denominator")
    b = parts.filter(pl.col("grp") == gap.b).select("breakdown_value", nb="numerator", db="denominator")
    both = a.join(b, on="breakdown_value", how="full", coalesce=True).sort("breakdown_value")
    ra = pl.when(pl.col("da") > 0).then(pl.col("na") / pl.col("da") * 100)
    rb = pl.when(pl.col("db") > 0).then(pl.col("nb") / pl.col("db") * 100)
    small = pl.min_horizontal(pl.col("da").fill_null(0), pl.col("db").fill_null(0))
    return both.select(
        "breakdown_value",
        pl.lit(None, pl.Float64).alias("numerator"),
        small.cast(pl.Float64).alias("denominator"),  # the smaller group: what disclosure control looks at
        (ra - rb).alias("value"),
        pl.when(small <= 0).then(pl.lit("z")).when(small < MIN_DENOMINATOR).then(pl.lit("c")).alias("flag"),
    )


def compute_one(con: duckdb.DuckDBPyConnection, ind: Indicator, by: str, filters: Filters) -> pl.DataFrame:
    """One indicator for one breakdown: breakdown_value, numerator, denominator, value, flag."""
    if by not in ind.available():
        return _empty()
    if ind.kind == "growth":
        part = _growth(con, by, filters)
    elif ind.kind == "per_capita":
        part = _per_capita(con, ind, by, filters)
    elif ind.kind == "gap":
        part = _gap(con, ind, by, filters)
    else:
        part = _plain(con, ind, by, filters)
    return part.select(list(_PART_SCHEMA)).cast(_PART_SCHEMA)


def compute(
    con: duckdb.DuckDBPyConnection,
    indicator_ids: Iterable[str] | None = None,
    by: str = "overall",
    filters: Filters | None = None,
) -> pl.DataFrame:
    """Indicator values for one breakdown under the given filters, with numerator, denominator and flag.

    Indicators that cannot be broken down that way are left out.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}; choose one of {', '.join(BREAKDOWNS)}")
    filters = filters or Filters()
    inds = [get(i) for i in indicator_ids] if indicator_ids else list(INDICATORS)
    frames = [
        compute_one(con, ind, by, filters).select(
            pl.lit(ind.id).alias("indicator_id"), pl.lit(by).alias("breakdown"), pl.all()
        )
        for ind in inds
    ]
    if not frames:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    return pl.concat(frames).select(list(RESULT_SCHEMA))


def _value(ind: Indicator) -> pl.Expr:
    num, den = pl.col("numerator"), pl.col("denominator")
    if ind.kind in ("share", "growth"):
        return pl.when(den > 0).then(num / den * 100).otherwise(None).alias("value")
    if ind.kind in ("ratio", "per_capita"):
        return pl.when(den > 0).then(num / den).otherwise(None).alias("value")
    return num.alias("value")


def _flag(ind: Indicator) -> pl.Expr:
    """`z` not applicable (no denominator), `c` suppressed for disclosure control, else null."""
    num, den = pl.col("numerator"), pl.col("denominator")
    if ind.kind == "quantile":
        return (
            pl.when(den.is_null() | (den <= 0))
            .then(pl.lit("z"))
            .when(den < MIN_CONTRIBUTORS)
            .then(pl.lit("c"))
            .otherwise(None)
            .alias("flag")
        )
    if ind.kind == "per_capita":
        return (
            pl.when(den.is_null() | (den <= 0))
            .then(pl.lit("z"))
            .when(num < MIN_PEOPLE)
            .then(pl.lit("c"))
            .otherwise(None)
            .alias("flag")
        )
    if ind.denominator_sql is not None or ind.kind == "growth":
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
    """The public view of a result: secondary suppression, suppressed and not-applicable values
    blanked, flags kept (see pipelines/publish/disclosure.py)."""
    from pipelines.publish.disclosure import protect

    return protect(frame)


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Values the filters may take, read from the warehouse."""

    def values(sql: str) -> list:
        return [r[0] for r in rows(con, sql)]

    return {
        "years": values("select distinct year from mart_award order by 1"),
        "countries": values("select distinct country_code from dim_provider order by 1"),
        "provider_types": values("select distinct provider_type from dim_provider order by 1"),
        "regions": values(
            "select distinct region_code from dim_provider where region_code is not null order by 1"
        ),
        "fields": values(
            "select distinct isced_f_broad from dim_credential where isced_f_broad is not null order by 1"
        ),
        "eqf_levels": values(
            "select distinct eqf_level from dim_credential where eqf_level is not null order by 1"
        ),
    }
