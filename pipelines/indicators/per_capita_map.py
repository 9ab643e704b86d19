"""Count indicators per 1,000 adults of each region, for the map: published counts over public populations.

A map of raw counts mostly shows where people live, so the map shows a count by region per 1,000 adults
(residents aged 25-64, the population ADO-4 divides by) unless the reader asks for the count. Where the
registry defines the per-capita rate of a count itself (ADO-4 for ADO-3, learners), that indicator is
used as it is (`rate_for`); for any other count `per_thousand` divides the *published* cell (perturbed,
after primary and secondary suppression) by the region's population from `dim_region`.

Why that is safe: the population is public reference data and the rate is a published count over it, so
a rate reveals exactly the published count and nothing more. A suppressed count (`c`) has no rate, and
its population is not enough to recover it; a region without a population figure gets `z` (no
denominator). True (unperturbed) engine output is refused, so a rate can never be made from one.
"""

from __future__ import annotations

import polars as pl

from pipelines.disclosure import NOT_APPLICABLE, SUPPRESSED
from pipelines.indicators.registry import Indicator, get

POPULATION = "pop_25_64"  # the dim_region column: residents aged 25-64, as ADO-4
POPULATION_TEXT = "residents aged 25-64"
UNIT = "per 1,000"
# A count whose per-capita rate the registry itself defines (same people, residents of the area).
RATE_OF = {"ADO-3": "ADO-4"}
POPULATION_SQL = (
    f"select region_code, cast({POPULATION} as double) as population from dim_region order by region_code"
)
POPULATION_SCHEMA = {"region_code": pl.String, "population": pl.Float64}
_TRUE_FIGURES = ("p_numerator", "p_denominator", "p_value")  # engine.compute's columns before publishing


def offers_rate(ind: Indicator) -> bool:
    """Whether the map may show `ind` per 1,000 adults: a count with a region breakdown."""
    return ind.kind == "count" and "region" in ind.available()


def rate_for(ind: Indicator) -> Indicator | None:
    """The registry's own per-capita indicator of a count (ADO-4 for ADO-3), if it has one."""
    rate = RATE_OF.get(ind.id)
    return get(rate) if rate is not None else None


def region_population(con) -> pl.DataFrame:
    """Residents aged 25-64 per NUTS 2 region (region_code, population) from `dim_region`."""
    return con.sql(POPULATION_SQL).pl().cast(POPULATION_SCHEMA)


def per_thousand(rows: pl.DataFrame, population: pl.DataFrame) -> pl.DataFrame:
    """Published cells of count indicators by region, per 1,000 residents aged 25-64 of each region.

    `rows`: `engine.published` output (or the public cube) for `by="region"`; `population`:
    `region_population`. The result has the same columns: `numerator` the published count,
    `denominator` the population in thousands, `value` their ratio; flags and `suppression` are kept, so
    a suppressed cell stays suppressed with neither count nor rate. A region without a population figure
    (the unknown region, a code not in `dim_region`) has no rate: flag `z`.
    """
    if any(c in rows.columns for c in _TRUE_FIGURES):
        raise ValueError(
            "per_thousand takes published cells (engine.published or the public cube), not the "
            "engine's true figures: a rate made from an unperturbed count would reveal it"
        )
    if not rows.is_empty():
        breakdowns = set(rows["breakdown"].unique().to_list())
        if breakdowns != {"region"}:
            raise ValueError(f"per_thousand needs cells by region, got breakdown(s) {sorted(breakdowns)}")
        bad = sorted(i for i in rows["indicator_id"].unique().to_list() if get(i).kind != "count")
        if bad:
            raise ValueError(f"per_thousand divides counts only; not counts: {', '.join(bad)}")
    pop = population.select(
        pl.col("region_code").alias("breakdown_value"), (pl.col("population") / 1000).alias("_thousands")
    )
    joined = rows.join(pop, on="breakdown_value", how="left", maintain_order="left")
    suppressed = (pl.col("flag") == SUPPRESSED).fill_null(False)
    no_population = pl.col("_thousands").is_null() | (pl.col("_thousands") <= 0)
    flag = (
        pl.when(suppressed)
        .then(pl.lit(SUPPRESSED))
        .when(no_population | (pl.col("flag") == NOT_APPLICABLE).fill_null(False))
        .then(pl.lit(NOT_APPLICABLE))
        .otherwise(pl.col("flag"))
    )
    shown = ~suppressed & ~no_population & pl.col("value").is_not_null()
    return joined.with_columns(
        pl.when(suppressed).then(None).otherwise(pl.col("value")).cast(pl.Float64).alias("numerator"),
        pl.when(suppressed | no_population).then(None).otherwise(pl.col("_thousands")).alias("denominator"),
        pl.when(shown).then(pl.col("value") / pl.col("_thousands")).cast(pl.Float64).alias("value"),
        flag.cast(pl.String).alias("flag"),
    ).select(rows.columns)
