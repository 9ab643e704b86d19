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
from pipelines.contracts import contracts
from pipelines.disclosure import ADDITIVE, Disclosure, protect
from pipelines.indicators.measures import derive
from pipelines.indicators.registry import BASES, BY_ID, GROWTH_GROUPS, INDICATORS, Indicator, get
from pipelines.settings import settings
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
    "region_year": "coalesce(region_code, 'unknown') || ' ' || cast(year as varchar)",
    "provider_type_year": "coalesce(provider_type, 'unknown') || ' ' || cast(year as varchar)",
    "vpl_outcome": "coalesce(vpl_outcome, 'unknown')",  # pathway events only (FLX-5)
}
# Per-capita rates (ADO-4) count residents: their places are the learner's residence.
RESIDENCE = {
    "country": "coalesce(residence_country_code, 'unknown')",
    "region": "coalesce(residence_region_code, 'unknown')",
    "country_year": "coalesce(residence_country_code, 'unknown') || ' ' || cast(year as varchar)",
    "region_year": "coalesce(residence_region_code, 'unknown') || ' ' || cast(year as varchar)",
}

# Breakdowns over a closed list of codes (a contract's allowed values: table, column): every code has a
# cell, a true zero where the view has no record of it, so that it reads 0 instead of going missing.
CODE_LISTS = {"vpl_outcome": ("pathway_events", "vpl_outcome")}

# Disclosure thresholds (DOMAIN.md §6; pipelines/disclosure.py) come in as `rules`: `compute` takes the
# settings' (config/observatory.toml) unless given others, and passes them down.

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
    ind: Indicator, col: str, sql: str | None, key: pl.Expr, floor: int, columns: set[str], sum_floor: int = 0
) -> pl.Expr:
    """The perturbed value of a numerator or denominator (the true one when it counts no people). A
    count keeps `floor`, a sum `sum_floor`, when the true figure reached it (a denominator's threshold
    applies to its sum too, e.g. INC-2's sum of reference shares)."""
    m = derive(sql, ind.base)
    raw = pl.col(col)
    if m is None or f"{col}_k" not in columns:
        return raw
    if m.kind == "count":
        return cellkey.perturb(raw, key, floor)
    return cellkey.scale(raw, pl.col(f"{col}_n"), key, sum_floor)


def _stages(
    ind: Indicator, num: str, den: str, columns: set[str], rules: Disclosure, tag: str = ""
) -> list[dict[str, pl.Expr]]:
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
    den_floor = rules.min_contributors if ind.kind == "quantile" else rules.min_denominator
    pn, pd_ = f"p_numerator{tag}", f"p_denominator{tag}"
    first = {
        f"value{tag}": _value(ind, pl.col(num), pl.col(den)).cast(pl.Float64),
        f"flag{tag}": _flag(ind, pl.col(num), pl.col(den), rules).cast(pl.String),
        pn: _published_measure(ind, num, ind.numerator_sql, num_key, rules.min_people, columns).cast(
            pl.Float64
        ),
        pd_: _published_measure(ind, den, ind.denominator_sql, den_key, den_floor, columns, den_floor).cast(
            pl.Float64
        ),
    }
    second = {pn: pl.min_horizontal(pn, pd_)} if ind.kind == "share" and ind.unit == "%" else {}
    third = {f"p_value{tag}": _value(ind, pl.col(pn), pl.col(pd_)).cast(pl.Float64)}
    return [first, second, third]


@cache
def _cached_stages(
    ind: Indicator, num: str, den: str, columns: frozenset[str], tag: str, rules: Disclosure
) -> list[dict]:
    """The same expressions serve every breakdown and filter of an indicator: build them once (keyed
    by the entry itself, so an entry built outside the registry, as in a test, works too)."""
    return _stages(ind, num, den, set(columns), rules, tag)


def _perturbed(frame: pl.DataFrame, ind: Indicator, rules: Disclosure) -> pl.DataFrame:
    """Add value, flag and the figures the cell key method publishes to a frame of true numerators
    and denominators (columns `numerator`, `denominator`)."""
    for stage in _stages(ind, "numerator", "denominator", set(frame.columns), rules):
        if stage:
            frame = frame.with_columns(**stage)
    return frame


def cells(frame: pl.DataFrame, ind: Indicator, rules: Disclosure | None = None) -> pl.DataFrame:
    """A frame of true numerators and denominators (with `<col>_n` and `<col>_k` beside them where they
    count records) with value, flag and the perturbed figures added by the rules of `ind`: the one rule
    of every published figure, for cells counted outside `compute` (the Annex I elements); publish them
    with `published`."""
    return _perturbed(frame, ind, rules or settings().disclosure)


def _plain(con, ind: Indicator, by: str, filters: Filters, rules: Disclosure) -> pl.DataFrame:
    return _plain_many(con, [ind], [by], filters, rules).drop("indicator_id", "breakdown")


def _grouped_sql(table: str, bys: list[str], items: list[str], where: str) -> str:
    """One aggregate query over `table` for every breakdown of `bys`: columns breakdown,
    breakdown_value and `items`, ordered by breakdown (in `bys` order), then value. Several breakdowns
    take one scan (GROUPING SETS) instead of one each; one breakdown is a plain `group by`."""
    if len(bys) == 1:
        return (
            f"select '{bys[0]}' as breakdown, {BREAKDOWNS[bys[0]]} as breakdown_value, {', '.join(items)} "
            f"from {table} where {where} group by all order by 2"
        )
    # `overall` is the grand total, the empty grouping set: one row even when nothing is in view, as
    # the plain query gives (the other breakdowns then have no rows)
    grouped = [(i, b) for i, b in enumerate(bys) if b != "overall"]
    total = bys.index("overall") if "overall" in bys else -1
    keys = "".join(f", {BREAKDOWNS[b]} as _k{i}" for i, b in grouped)
    which = " ".join(f"when grouping(_k{i}) = 0 then {i}" for i, _ in grouped)
    value = " ".join(f"when grouping(_k{i}) = 0 then _k{i}" for i, _ in grouped)
    names = " ".join(f"when {i} then '{b}'" for i, b in enumerate(bys))
    sets = ", ".join([f"(_k{i})" for i, _ in grouped] + (["()"] if total >= 0 else []))
    return f"""
        with keyed as (select *{keys} from {table} where {where}),
        grouped as (
            select case {which} else {total} end as _at,
                   case {value} else {BREAKDOWNS["overall"]} end as breakdown_value, {", ".join(items)}
            from keyed group by grouping sets ({sets})
        )
        select case _at {names} end as breakdown, * exclude (_at) from grouped order by _at, breakdown_value
    """


def _plain_many(
    con, inds: list[Indicator], bys: list[str], filters: Filters, rules: Disclosure
) -> pl.DataFrame:
    """Indicators of one base for the breakdowns `bys` in a single scan of the base: every numerator
    and denominator is an aggregate (with its own FILTER), so one grouping serves them all and each
    gets exactly the rows it would get alone. Returns indicator_id, breakdown + the part columns, one
    row per cell (an indicator only for the breakdowns it has)."""
    base = inds[0].base
    where, params = filters.where()
    items = []
    for j, ind in enumerate(inds):
        items.append(f"cast({ind.numerator_sql} as double) as numerator{j}")
        items.append(f"cast({ind.denominator_sql or 'null'} as double) as denominator{j}")
        items += _measure_columns(ind.numerator_sql, base, f"numerator{j}")
        items += _measure_columns(ind.denominator_sql, base, f"denominator{j}")
    wide = con.sql(_grouped_sql(BASES[base].table, bys, items, where), params=params).pl()
    columns = set(wide.columns)
    # all indicators' figures in three polars steps, then one row per indicator and cell
    steps: list[dict[str, pl.Expr]] = [{}, {}, {}]
    for j, ind in enumerate(inds):
        stages = _cached_stages(ind, f"numerator{j}", f"denominator{j}", frozenset(columns), f"_{j}", rules)
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
    available = pl.DataFrame(
        [(ind.id, b) for ind in inds for b in bys if b in ind.available()],
        schema={"indicator_id": pl.String, "breakdown": pl.String},
        orient="row",
    )
    return (
        work.select("breakdown", "breakdown_value", *structs)
        .unpivot(index=["breakdown", "breakdown_value"], variable_name="indicator_id")
        .unnest("value")
        .join(available.lazy(), on=["indicator_id", "breakdown"], how="semi", maintain_order="left")
        .select("indicator_id", "breakdown", *_PART_SCHEMA)
        .collect()
    )


def _growth(con, ind: Indicator, by: str, filters: Filters, rules: Disclosure) -> pl.DataFrame:
    """A count (`ind.growth_of`, e.g. ADO-1 for ADO-2) against the same group's previous year (counted
    even when the period filter starts after it). Overall it is not defined (flag z). Both years' counts
    are perturbed (when the count is one the cell key method perturbs)."""
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
    of = get(ind.growth_of)
    where, params = filters.where(years=False)
    within = GROWTH_GROUPS[by]
    group = BREAKDOWNS[within]
    label = "cast(c.year as varchar)" if within == "overall" else "c.grp || ' ' || cast(c.year as varchar)"
    measure = derive(of.numerator_sql, of.base)
    key = measure.key_sql if measure is not None else "cast(null as bigint)"
    sql = f"""
        with counts as (
            select {group} as grp, year, {of.numerator_sql} as n, {key} as k
            from {BASES[of.base].table} where {where} group by all
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
    frame = con.sql(sql, params=[*params, lo, hi]).pl()
    current, previous = pl.col("current_n"), pl.col("denominator")
    if measure is not None:
        current = cellkey.perturb(current, pl.col("current_k"), rules.min_people)
        previous = cellkey.perturb(previous, pl.col("previous_k"), rules.min_denominator)
    flag = (
        pl.when(pl.col("denominator").is_null() | (pl.col("denominator") <= 0))
        .then(pl.lit("z"))
        .when((pl.col("denominator") < rules.min_denominator) | (pl.col("current_n") < rules.min_people))
        .then(pl.lit("c"))
        .alias("flag")
    )
    return frame.with_columns(
        _value(ind, pl.col("numerator"), pl.col("denominator")).alias("value"),
        flag,
        (current - previous).alias("p_numerator"),
        previous.alias("p_denominator"),
    ).with_columns(_value(ind, pl.col("p_numerator"), pl.col("p_denominator")).alias("p_value"))


def _per_capita(con, ind: Indicator, by: str, filters: Filters, rules: Disclosure) -> pl.DataFrame:
    """A count of residents (ADO-4: learners aged 25-64) per 1,000 residents of the area: the
    denominator is the area's population in the column `ind.population` of dim_region."""
    where, params = filters.where(country_column="residence_country_code")
    expr = RESIDENCE.get(by, BREAKDOWNS[by])
    place = {
        "country": "country_code",
        "region": "region_code",
        "country_year": "country_code",
        "region_year": "region_code",
    }.get(by)
    pop_where, pop_params = "true", []
    if filters.countries:
        pop_where, pop_params = "list_contains(?, country_code)", [list(filters.countries)]
    if place:
        pop = (
            f"select {place} as place, sum({ind.population}) / 1000.0 as d from dim_region "
            f"where {pop_where} group by 1"
        )
        key = "split_part(n.breakdown_value, ' ', 1)" if by.endswith("_year") else "n.breakdown_value"
        join = f"left join pop on pop.place = {key}"
    else:
        pop = f"select sum({ind.population}) / 1000.0 as d from dim_region where {pop_where}"
        join = "cross join pop"
    measure = ", ".join(_measure_columns(ind.numerator_sql, ind.base, "numerator"))
    sql = f"""
        with n as (
            select {expr} as breakdown_value, cast({ind.numerator_sql} as double) as numerator, {measure}
            from {BASES[ind.base].table} where {where} group by all
        ),
        pop as ({pop})
        select n.breakdown_value, n.numerator, pop.d as denominator, n.numerator_n, n.numerator_k
        from n {join} order by 1
    """
    return _perturbed(con.sql(sql, params=[*params, *pop_params]).pl(), ind, rules)


def _gap(con, ind: Indicator, by: str, filters: Filters, rules: Disclosure) -> pl.DataFrame:
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
        from {BASES[of.base].table} where {where} and ({gap.group_sql}) in (?, ?) group by all
    """
    parts = _perturbed(con.sql(sql, params=[*params, gap.a, gap.b]).pl(), of, rules)
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
        [(pl.col(n).fill_null(0) > 0) & (pl.col(n).fill_null(0) < rules.min_people) for n in ("na", "nb")]
    )
    p_small = pl.min_horizontal(pl.col("pda").fill_null(0), pl.col("pdb").fill_null(0))
    return both.select(
        "breakdown_value",
        pl.lit(None, pl.Float64).alias("numerator"),
        small.cast(pl.Float64).alias("denominator"),  # the smaller group: what disclosure control looks at
        (rate("na", "da") - rate("nb", "db")).alias("value"),
        pl.when(small <= 0)
        .then(pl.lit("z"))
        .when((small < rules.min_denominator) | few)
        .then(pl.lit("c"))
        .alias("flag"),
        pl.lit(None, pl.Float64).alias("p_numerator"),
        p_small.cast(pl.Float64).alias("p_denominator"),
        (rate("pna", "pda") - rate("pnb", "pdb")).alias("p_value"),
    )


def compute_one(
    con: duckdb.DuckDBPyConnection, ind: Indicator, by: str, filters: Filters, rules: Disclosure | None = None
) -> pl.DataFrame:
    """One indicator for one breakdown: breakdown_value, the true numerator, denominator, value and
    flag, and the perturbed figures that publishing swaps in (p_numerator, p_denominator, p_value)."""
    if by not in ind.available():
        return _empty()
    rules = rules or settings().disclosure
    if ind.kind == "growth":
        part = _growth(con, ind, by, filters, rules)
    elif ind.kind == "per_capita":
        part = _per_capita(con, ind, by, filters, rules)
    elif ind.kind == "gap":
        part = _gap(con, ind, by, filters, rules)
    else:
        part = _plain(con, ind, by, filters, rules)
    return part.select(list(_PART_SCHEMA)).cast(_PART_SCHEMA)


def compute(
    con: duckdb.DuckDBPyConnection,
    indicator_ids: Iterable[str] | None = None,
    by: str = "overall",
    filters: Filters | None = None,
    rules: Disclosure | None = None,
) -> pl.DataFrame:
    """Indicator values for one breakdown under the given filters, with numerator, denominator and flag
    (the true figures, for internal checks) and the perturbed ones (for `published`). Flags follow
    `rules` (default: the settings' disclosure thresholds).

    Indicators that cannot be broken down that way are left out.
    """
    return compute_all(con, indicator_ids, [by], filters, rules)


def compute_all(
    con: duckdb.DuckDBPyConnection,
    indicator_ids: Iterable[str] | None = None,
    bys: Iterable[str] | None = None,
    filters: Filters | None = None,
    rules: Disclosure | None = None,
) -> pl.DataFrame:
    """`compute` for each breakdown of `bys` (default: all), concatenated in that order, with one scan
    of each base for all of them (the build's cube: 8 queries where one per base and breakdown took
    136, the same cells in the same order)."""
    bys = list(BREAKDOWNS if bys is None else bys)
    for by in bys:
        if by not in BREAKDOWNS:
            raise ValueError(f"unknown breakdown {by!r}; choose one of {', '.join(BREAKDOWNS)}")
    filters = filters or Filters()
    rules = rules or settings().disclosure
    inds = [get(i) for i in indicator_ids] if indicator_ids else list(INDICATORS)
    plain: dict[str, list[Indicator]] = {}
    for ind in inds:
        if ind.kind not in ("growth", "per_capita", "gap"):
            plain.setdefault(ind.base, []).append(ind)
    scans = []
    for group in plain.values():
        wanted = [b for b in bys if any(b in ind.available() for ind in group)]
        if wanted:
            scans.append(_plain_many(con, group, wanted, filters, rules))
    order = {ind.id: n for n, ind in enumerate(inds)}
    out = []
    for by in bys:
        parts = [scan.filter(pl.col("breakdown") == by).drop("breakdown") for scan in scans]
        parts += [
            compute_one(con, ind, by, filters, rules).select(pl.lit(ind.id).alias("indicator_id"), pl.all())
            for ind in inds
            if ind.kind in ("growth", "per_capita", "gap")
        ]
        if by in CODE_LISTS:  # an indicator without any record in view still has its codes' cells
            present = set(pl.concat(parts)["indicator_id"].to_list()) if parts else set()
            parts += [
                _no_records(ind, by, (), rules).select(pl.lit(ind.id).alias("indicator_id"), pl.all())
                for ind in inds
                if by in ind.available() and ind.id not in present
            ]
        parts = [p for p in parts if p.height]
        if not parts:
            continue
        out.append(
            pl.concat(parts)
            .with_columns(pl.lit(by).alias("breakdown"))
            .sort(pl.col("indicator_id").replace_strict(order, return_dtype=pl.Int32), maintain_order=True)
            .select([*RESULT_SCHEMA, *PERTURBED_SCHEMA])
        )
    if not out:
        return pl.DataFrame(schema={**RESULT_SCHEMA, **PERTURBED_SCHEMA})
    return pl.concat(out)


@cache
def code_list(by: str) -> tuple[str, ...]:
    """The codes of a code-list breakdown (`CODE_LISTS`), in the contract's order."""
    table, column = CODE_LISTS[by]
    return contracts()[table].column(column).allowed or ()


def _no_records(ind: Indicator, by: str, seen: Iterable[str], rules: Disclosure) -> pl.DataFrame:
    """The cells of the codes of a code-list breakdown that are not in `seen` (those the view has records
    of): true zeros, valued, flagged and perturbed by the indicator's rules (a count reads 0)."""
    seen = set(seen)
    codes = [c for c in code_list(by) if c not in seen]
    frame = pl.DataFrame({"breakdown_value": codes}, schema={"breakdown_value": pl.String}).with_columns(
        pl.lit(0.0).alias("numerator"),
        pl.lit(0.0 if ind.denominator_sql is not None else None, pl.Float64).alias("denominator"),
    )
    return _perturbed(frame, ind, rules).select(list(_PART_SCHEMA)).cast(_PART_SCHEMA)


def _with_code_cells(public: pl.DataFrame, rules: Disclosure) -> pl.DataFrame:
    """Published cells plus the zero cells of the codes a code-list breakdown has no record of in view.
    They are added after disclosure control, so a known zero never stands in for a suppressed cell."""
    groups = public.filter(
        pl.col("breakdown").is_in(list(CODE_LISTS)) & pl.col("indicator_id").is_in(list(BY_ID))
    )
    if groups.is_empty():
        return public
    public = public.with_row_index("_at").with_columns(pl.col("_at").cast(pl.Float64))
    zeros = []
    for (indicator_id, by), cells in groups.group_by("indicator_id", "breakdown", maintain_order=True):
        part = _no_records(get(indicator_id), by, cells["breakdown_value"].to_list(), rules)
        if part.height:
            last = public.filter((pl.col("indicator_id") == indicator_id) & (pl.col("breakdown") == by))
            zeros.append(
                part.with_columns(
                    pl.lit(indicator_id).alias("indicator_id"),
                    pl.lit(by).alias("breakdown"),
                    pl.lit(last["_at"].max() + 0.5).alias("_at"),
                )
            )
    if not zeros:
        return public.drop("_at")
    additive, people = _disclosure_roles()
    added = protect(pl.concat(zeros, how="diagonal_relaxed"), rules, additive, people)
    return (
        pl.concat([public, added], how="diagonal_relaxed")
        .sort("_at", "breakdown_value", maintain_order=True)
        .select(public.columns)
        .drop("_at")
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


def _flag(ind: Indicator, num: pl.Expr, den: pl.Expr, rules: Disclosure) -> pl.Expr:
    """`z` not applicable (no denominator), `c` suppressed for disclosure control, else null.

    Besides the thresholds on denominators and contributors, a numerator that counts one to
    `rules.min_people` - 1 people's records is never published, not even inside a rate."""
    measure = derive(ind.numerator_sql, ind.base)
    people_num = measure is not None and measure.kind == "count" and measure.people
    if ind.kind == "quantile":
        return (
            pl.when(den.is_null() | (den <= 0))
            .then(pl.lit("z"))
            .when(den < rules.min_contributors)
            .then(pl.lit("c"))
            .otherwise(None)
            .alias("flag")
        )
    if ind.kind == "per_capita":
        return (
            pl.when(den.is_null() | (den <= 0))
            .then(pl.lit("z"))
            .when((num > 0) & (num < rules.min_people))
            .then(pl.lit("c"))
            .otherwise(None)
            .alias("flag")
        )
    if ind.denominator_sql is not None:
        few = (num.abs() > 0) & (num.abs() < rules.min_people) if people_num else pl.lit(False)
        return (
            pl.when(den.is_null() | (den <= 0))
            .then(pl.lit("z"))
            .when((den < rules.min_denominator) | few)
            .then(pl.lit("c"))
            .otherwise(None)
            .alias("flag")
        )
    if (measure is not None and measure.people) or ind.people:
        # a zero singles out no one and is published; 1 to min_people - 1 is not
        return pl.when((num > 0) & (num < rules.min_people)).then(pl.lit("c")).otherwise(None).alias("flag")
    return pl.lit(None, dtype=pl.String).alias("flag")


@cache
def _disclosure_roles() -> tuple[frozenset[str], frozenset[str]]:
    """Indicators whose cells add up across a breakdown (secondary suppression), and those that count
    people (rounded when the settings ask for it)."""
    additive = frozenset(i.id for i in INDICATORS if i.kind in ADDITIVE)
    people = frozenset(
        i.id for i in INDICATORS if i.kind == "count" and derive(i.numerator_sql, i.base) is not None
    )
    return additive, people


def published(frame: pl.DataFrame, rules: Disclosure | None = None) -> pl.DataFrame:
    """The public view of a result: perturbed figures swapped in, secondary suppression, suppressed and
    not-applicable values blanked, flags kept (see pipelines/disclosure.py)."""
    additive, people = _disclosure_roles()
    rules = rules or settings().disclosure
    return _with_code_cells(protect(frame, rules, additive, people), rules)


def base_totals(
    con: duckdb.DuckDBPyConnection, bases: Iterable[str], filters: Filters, rules: Disclosure | None = None
) -> dict[str, int | None]:
    """Records of each base mart in the view, as published (perturbed like every count; None when one
    to min_people - 1): the whole of which an indicator's coverage is a share."""
    rules = rules or settings().disclosure
    where, params = filters.where()
    out: dict[str, int | None] = {}
    for base in bases:
        # specifications count once however many years they were on offer, as their indicators do
        distinct = BASES[base].distinct
        what = f"count(distinct {distinct})" if distinct else "count(*)"
        key = cellkey.cell_key_sql("sum(distinct record_key)" if distinct else "sum(record_key)")
        table = BASES[base].table
        n, k = con.sql(f"select {what}, {key} from {table} where {where}", params=params).fetchall()[0]
        if 0 < n < rules.min_people:
            out[base] = None
            continue
        shown = pl.select(cellkey.perturb(pl.lit(float(n)), pl.lit(k, pl.Int64), rules.min_people)).item()
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
