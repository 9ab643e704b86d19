"""Compute indicators from the marts for any breakdown and filter, as parameterised queries.

The build stores the unfiltered results in `mart_indicator_cube`; the CLI and the dashboard call
`compute` with filters, so all of them show the same figures. Filter values are always bound as
parameters, never pasted into SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import duckdb
import polars as pl

from pipelines import cellkey
from pipelines.indicators.measures import derive
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
    "vpl_outcome": "coalesce(vpl_outcome, 'unknown')",  # pathway events only (FLX-5)
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
# What the cell key method publishes instead of the true numerator, denominator and value (see
# pipelines/cellkey.py); `published` swaps them in, the raw cube keeps the true figures.
PERTURBED_SCHEMA = {"p_numerator": pl.Float64, "p_denominator": pl.Float64, "p_value": pl.Float64}
_PART_SCHEMA = {
    "breakdown_value": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
    "flag": pl.String,
    **PERTURBED_SCHEMA,
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


def _measure_columns(sql: str | None, base: str, name: str) -> list[str]:
    """SQL select items for a measure's contributor count and cell key (none when it counts no one)."""
    m = derive(sql, base)
    if m is None:
        return []
    return [f"cast({m.count_sql} as double) as {name}_n", f"{m.key_sql} as {name}_k"]


def _published_measure(
    ind: Indicator, col: str, sql: str | None, key: pl.Expr, floor: int, columns: set[str]
) -> pl.Expr:
    """The perturbed value of a numerator or denominator (the true one when it counts no people)."""
    m = derive(sql, ind.base)
    raw = pl.col(col)
    if m is None or f"{col}_k" not in columns:
        return raw
    if m.kind == "count":
        return cellkey.perturb(raw, key, floor)
    return cellkey.scale(raw, pl.col(f"{col}_n"), key)


def _stages(ind: Indicator, num: str, den: str, columns: set[str], tag: str = "") -> list[dict[str, pl.Expr]]:
    """value, flag and the published p_numerator, p_denominator, p_value (each named with `tag`) of an
    indicator whose true numerator and denominator are the columns `num` and `den` (with `<col>_n`,
    `<col>_k` beside them when they count people). Three small steps, each reading the columns the
    one before made, so many indicators go through polars together without huge expressions."""

    def key(col: str) -> pl.Expr:
        return pl.col(f"{col}_k") if f"{col}_k" in columns else pl.lit(None, pl.Int64)

    num_key, den_key = key(num), key(den)
    if ind.denominator_sql is not None:
        # a rate's numerator is keyed by its denominator's records too: two rates that share numerator
        # records but not denominators get independent noise, so their difference hides a zero
        num_key = cellkey.combine(num_key, den_key)
    den_floor = MIN_CONTRIBUTORS if ind.kind == "quantile" else MIN_DENOMINATOR
    pn, pd_ = f"p_numerator{tag}", f"p_denominator{tag}"
    first = {
        f"value{tag}": _value(ind, pl.col(num), pl.col(den)).cast(pl.Float64),
        f"flag{tag}": _flag(ind, pl.col(num), pl.col(den)).cast(pl.String),
        pn: _published_measure(ind, num, ind.numerator_sql, num_key, MIN_PEOPLE, columns).cast(pl.Float64),
        pd_: _published_measure(ind, den, ind.denominator_sql, den_key, den_floor, columns).cast(pl.Float64),
    }
    second = {pn: pl.min_horizontal(pn, pd_)} if ind.kind == "share" and ind.unit == "%" else {}
    third = {f"p_value{tag}": _value(ind, pl.col(pn), pl.col(pd_)).cast(pl.Float64)}
    return [first, second, third]


@cache
def _cached_stages(ind_id: str, num: str, den: str, columns: frozenset[str], tag: str) -> list[dict]:
    """The same expressions serve every breakdown and filter of an indicator: build them once."""
    return _stages(get(ind_id), num, den, set(columns), tag)


def _perturbed(frame: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Add value, flag and the figures the cell key method publishes to a frame of true numerators
    and denominators (columns `numerator`, `denominator`)."""
    for stage in _stages(ind, "numerator", "denominator", set(frame.columns)):
        if stage:
            frame = frame.with_columns(**stage)
    return frame


def _plain(con, ind: Indicator, by: str, filters: Filters) -> pl.DataFrame:
    return _plain_many(con, [ind], by, filters).drop("indicator_id")


def _plain_many(con, inds: list[Indicator], by: str, filters: Filters) -> pl.DataFrame:
    """Indicators of one base for one breakdown in a single scan of the base: every numerator and
    denominator is an aggregate (with its own FILTER), so one `group by` serves them all and each gets
    exactly the rows it would get alone. Returns indicator_id + the part columns, one row per cell."""
    base = inds[0].base
    where, params = filters.where()
    items = []
    for j, ind in enumerate(inds):
        items.append(f"cast({ind.numerator_sql} as double) as numerator{j}")
        items.append(f"cast({ind.denominator_sql or 'null'} as double) as denominator{j}")
        items += _measure_columns(ind.numerator_sql, base, f"numerator{j}")
        items += _measure_columns(ind.denominator_sql, base, f"denominator{j}")
    sql = (
        f"select {BREAKDOWNS[by]} as breakdown_value, {', '.join(items)} "
        f"from {BASES[base]} where {where} group by all order by 1"
    )
    wide = con.sql(sql, params=params).pl()
    columns = set(wide.columns)
    # all indicators' figures in three polars steps, then one row per indicator and cell
    steps: list[dict[str, pl.Expr]] = [{}, {}, {}]
    for j, ind in enumerate(inds):
        stages = _cached_stages(ind.id, f"numerator{j}", f"denominator{j}", frozenset(columns), f"_{j}")
        for step, stage in zip(steps, stages, strict=True):
            step.update(stage)
    work = wide.lazy()
    for step in steps:
        if step:
            work = work.with_columns(**step)
    fields = ("numerator", "denominator", "value", "flag", "p_numerator", "p_denominator", "p_value")
    structs = [
        pl.struct(
            **{f: pl.col(f"{f}{j}" if f in ("numerator", "denominator") else f"{f}_{j}") for f in fields}
        ).alias(ind.id)
        for j, ind in enumerate(inds)
    ]
    return (
        work.select("breakdown_value", *structs)
        .unpivot(index="breakdown_value", variable_name="indicator_id")
        .unnest("value")
        .select("indicator_id", *_PART_SCHEMA)
        .collect()
    )


def _growth(con, by: str, filters: Filters) -> pl.DataFrame:
    """ADO-2: awards against the same group's previous year (counted even when the period filter
    starts after it). Overall it is not defined (flag z). Both years' counts are perturbed."""
    if by == "overall":
        return pl.DataFrame(
            {
                "breakdown_value": ["all"],
                "numerator": [None],
                "denominator": [None],
                "value": [None],
                "flag": ["z"],
                "p_numerator": [None],
                "p_denominator": [None],
                "p_value": [None],
            },
            schema=_PART_SCHEMA,
        )
    where, params = filters.where(years=False)
    group = "'all'" if by == "year" else "coalesce(country_code, 'unknown')"
    label = "cast(c.year as varchar)" if by == "year" else "c.grp || ' ' || cast(c.year as varchar)"
    key = cellkey.cell_key_sql("sum(record_key)")
    sql = f"""
        with counts as (
            select {group} as grp, year, count(*) as n, {key} as k
            from mart_award where {where} group by all
        )
        select {label} as breakdown_value,
               cast(c.n - prev.n as double) as numerator, cast(prev.n as double) as denominator,
               cast(c.n as double) as current_n, c.k as current_k, prev.k as previous_k
        from counts as c left join counts as prev on prev.grp = c.grp and prev.year = c.year - 1
        where c.year between ? and ?
        order by 1
    """
    lo = filters.year_from if filters.year_from is not None else -9999
    hi = filters.year_to if filters.year_to is not None else 9999
    ind = get("ADO-2")
    frame = con.sql(sql, params=[*params, lo, hi]).pl()
    current = cellkey.perturb(pl.col("current_n"), pl.col("current_k"), MIN_PEOPLE)
    previous = cellkey.perturb(pl.col("denominator"), pl.col("previous_k"), MIN_DENOMINATOR)
    flag = (
        pl.when(pl.col("denominator").is_null() | (pl.col("denominator") <= 0))
        .then(pl.lit("z"))
        .when((pl.col("denominator") < MIN_DENOMINATOR) | (pl.col("current_n") < MIN_PEOPLE))
        .then(pl.lit("c"))
        .alias("flag")
    )
    return frame.with_columns(
        _value(ind, pl.col("numerator"), pl.col("denominator")).alias("value"),
        flag,
        (current - previous).alias("p_numerator"),
        previous.alias("p_denominator"),
    ).with_columns(_value(ind, pl.col("p_numerator"), pl.col("p_denominator")).alias("p_value"))


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
    measure = ", ".join(_measure_columns(ind.numerator_sql, ind.base, "numerator"))
    sql = f"""
        with n as (
            select {expr} as breakdown_value, cast({ind.numerator_sql} as double) as numerator, {measure}
            from mart_award where {where} group by all
        ),
        pop as ({pop})
        select n.breakdown_value, n.numerator, pop.d as denominator, n.numerator_n, n.numerator_k
        from n {join} order by 1
    """
    return _perturbed(con.sql(sql, params=[*params, *pop_params]).pl(), ind)


def _gap(con, ind: Indicator, by: str, filters: Filters) -> pl.DataFrame:
    """A difference between two groups' values of another indicator, in percentage points; published
    from each group's perturbed counts."""
    of, gap = get(ind.gap.of), ind.gap
    where, params = filters.where()
    extra = _measure_columns(of.numerator_sql, of.base, "numerator")
    extra += _measure_columns(of.denominator_sql, of.base, "denominator")
    sql = f"""
        select {BREAKDOWNS[by]} as breakdown_value, ({gap.group_sql}) as grp,
               cast({of.numerator_sql} as double) as numerator,
               cast({of.denominator_sql} as double) as denominator{"".join(", " + e for e in extra)}
        from {BASES[of.base]} where {where} and ({gap.group_sql}) in (?, ?) group by all
    """
    parts = _perturbed(con.sql(sql, params=[*params, gap.a, gap.b]).pl(), of)
    cols = {"numerator": "n", "denominator": "d", "p_numerator": "pn", "p_denominator": "pd"}
    a = parts.filter(pl.col("grp") == gap.a).select(
        "breakdown_value", *[pl.col(c).alias(f"{v}a") for c, v in cols.items()]
    )
    b = parts.filter(pl.col("grp") == gap.b).select(
        "breakdown_value", *[pl.col(c).alias(f"{v}b") for c, v in cols.items()]
    )
    both = a.join(b, on="breakdown_value", how="full", coalesce=True).sort("breakdown_value")

    def rate(n: str, d: str) -> pl.Expr:
        return pl.when(pl.col(d) > 0).then(pl.col(n) / pl.col(d) * 100)

    small = pl.min_horizontal(pl.col("da").fill_null(0), pl.col("db").fill_null(0))
    few = pl.any_horizontal(
        [(pl.col(n).fill_null(0) > 0) & (pl.col(n).fill_null(0) < MIN_PEOPLE) for n in ("na", "nb")]
    )
    p_small = pl.min_horizontal(pl.col("pda").fill_null(0), pl.col("pdb").fill_null(0))
    return both.select(
        "breakdown_value",
        pl.lit(None, pl.Float64).alias("numerator"),
        small.cast(pl.Float64).alias("denominator"),  # the smaller group: what disclosure control looks at
        (rate("na", "da") - rate("nb", "db")).alias("value"),
        pl.when(small <= 0)
        .then(pl.lit("z"))
        .when((small < MIN_DENOMINATOR) | few)
        .then(pl.lit("c"))
        .alias("flag"),
        pl.lit(None, pl.Float64).alias("p_numerator"),
        p_small.cast(pl.Float64).alias("p_denominator"),
        (rate("pna", "pda") - rate("pnb", "pdb")).alias("p_value"),
    )


def compute_one(con: duckdb.DuckDBPyConnection, ind: Indicator, by: str, filters: Filters) -> pl.DataFrame:
    """One indicator for one breakdown: breakdown_value, the true numerator, denominator, value and
    flag, and the perturbed figures that publishing swaps in (p_numerator, p_denominator, p_value)."""
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
    """Indicator values for one breakdown under the given filters, with numerator, denominator and flag
    (the true figures, for internal checks) and the perturbed ones (for `published`).

    Indicators that cannot be broken down that way are left out.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}; choose one of {', '.join(BREAKDOWNS)}")
    filters = filters or Filters()
    inds = [get(i) for i in indicator_ids] if indicator_ids else list(INDICATORS)
    plain: dict[str, list[Indicator]] = {}
    for ind in inds:
        if ind.kind not in ("growth", "per_capita", "gap") and by in ind.available():
            plain.setdefault(ind.base, []).append(ind)
    parts = [_plain_many(con, group, by, filters) for group in plain.values()]
    batched = {ind.id for group in plain.values() for ind in group}
    parts += [
        compute_one(con, ind, by, filters).select(pl.lit(ind.id).alias("indicator_id"), pl.all())
        for ind in inds
        if ind.id not in batched
    ]
    if not parts:
        return pl.DataFrame(schema={**RESULT_SCHEMA, **PERTURBED_SCHEMA})
    order = {ind.id: n for n, ind in enumerate(inds)}
    return (
        pl.concat(parts)
        .with_columns(pl.lit(by).alias("breakdown"))
        .sort(pl.col("indicator_id").replace_strict(order, return_dtype=pl.Int32), maintain_order=True)
        .select([*RESULT_SCHEMA, *PERTURBED_SCHEMA])
    )


def raw(frame: pl.DataFrame) -> pl.DataFrame:
    """The true figures only (the internal cube), without the perturbed columns."""
    return frame.select(list(RESULT_SCHEMA))


def _value(ind: Indicator, num: pl.Expr, den: pl.Expr) -> pl.Expr:
    if ind.kind in ("share", "growth"):
        return pl.when(den > 0).then(num / den * 100).otherwise(None)
    if ind.kind in ("ratio", "per_capita"):
        return pl.when(den > 0).then(num / den).otherwise(None)
    return num


def _flag(ind: Indicator, num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """`z` not applicable (no denominator), `c` suppressed for disclosure control, else null.

    Besides the thresholds on denominators and contributors, a numerator that counts one to
    MIN_PEOPLE - 1 people's records is never published, not even inside a rate."""
    measure = derive(ind.numerator_sql, ind.base)
    people_num = measure is not None and measure.kind == "count" and measure.people
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
            .when((num > 0) & (num < MIN_PEOPLE))
            .then(pl.lit("c"))
            .otherwise(None)
            .alias("flag")
        )
    if ind.denominator_sql is not None:
        few = (num.abs() > 0) & (num.abs() < MIN_PEOPLE) if people_num else pl.lit(False)
        return (
            pl.when(den.is_null() | (den <= 0))
            .then(pl.lit("z"))
            .when((den < MIN_DENOMINATOR) | few)
            .then(pl.lit("c"))
            .otherwise(None)
            .alias("flag")
        )
    if (measure is not None and measure.people) or ind.people:
        # a zero singles out no one and is published; 1 to MIN_PEOPLE - 1 is not
        return pl.when((num > 0) & (num < MIN_PEOPLE)).then(pl.lit("c")).otherwise(None).alias("flag")
    return pl.lit(None, dtype=pl.String).alias("flag")


def published(frame: pl.DataFrame) -> pl.DataFrame:
    """The public view of a result: perturbed figures swapped in, secondary suppression, suppressed and
    not-applicable values blanked, flags kept (see pipelines/publish/disclosure.py)."""
    from pipelines.publish.disclosure import protect

    return protect(frame)


def base_totals(
    con: duckdb.DuckDBPyConnection, bases: Iterable[str], filters: Filters
) -> dict[str, int | None]:
    """Records of each base mart in the view, as published (perturbed like every count; None when one
    to MIN_PEOPLE - 1): the whole of which an indicator's coverage is a share."""
    where, params = filters.where()
    out: dict[str, int | None] = {}
    for base in bases:
        # specifications count once however many years they were on offer, as their indicators do
        distinct = base in ("specs",)
        what = "count(distinct credential_id)" if distinct else "count(*)"
        key = cellkey.cell_key_sql("sum(distinct record_key)" if distinct else "sum(record_key)")
        n, k = con.sql(f"select {what}, {key} from {BASES[base]} where {where}", params=params).fetchall()[0]
        if 0 < n < MIN_PEOPLE:
            out[base] = None
            continue
        shown = pl.select(cellkey.perturb(pl.lit(float(n)), pl.lit(k, pl.Int64), MIN_PEOPLE)).item()
        out[base] = int(shown)
    return out


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
