"""Disclosure control for the public layer (DOMAIN.md §6): primary flags come from the engine; this
swaps in the cell-key-perturbed figures (pipelines/cellkey.py), adds secondary suppression, blanks
suppressed cells and optionally rounds counts of people.

Secondary suppression: within one breakdown of one indicator (and one year for country × year), a
single suppressed cell could be recovered by subtracting the published cells from the published
total, so the published cell with the smallest denominator (or count) is suppressed too.
"""

from __future__ import annotations

import polars as pl

from pipelines.indicators.measures import derive
from pipelines.indicators.registry import BY_ID
from pipelines.publish.settings import Disclosure, disclosure

# Kinds whose numerators and denominators add up across the cells of a breakdown.
ADDITIVE = {"count", "sum", "share", "ratio", "per_capita"}


def _group_key() -> pl.Expr:
    year = pl.col("breakdown_value").str.extract(r" (\d{4})$")
    return pl.concat_str([pl.col("indicator_id"), pl.col("breakdown"), year.fill_null("")], separator="|")


def secondary(frame: pl.DataFrame) -> pl.DataFrame:
    """Mark one more cell `c` wherever a breakdown group has exactly one suppressed cell."""
    additive = [i for i, ind in BY_ID.items() if ind.kind in ADDITIVE]
    work = frame.with_row_index("_row").with_columns(
        _group=_group_key(),
        _size=pl.coalesce(pl.col("denominator"), pl.col("numerator")).fill_null(0),
        _primary=pl.col("flag") == "c",
    )
    candidates = work.filter(
        (pl.col("breakdown") != "overall")
        & pl.col("indicator_id").is_in(additive)
        & (pl.col("_primary").cast(pl.Int32).sum().over("_group") == 1)
        & (pl.len().over("_group") > 1)
        & ~pl.col("_primary").fill_null(False)
        & pl.col("flag").is_null()
    )
    chosen = (
        candidates.sort(["_size", "breakdown_value"]).group_by("_group", maintain_order=True).first()["_row"]
    )
    return work.with_columns(
        pl.when(pl.col("_row").is_in(chosen.implode()))
        .then(pl.lit("c"))
        .otherwise(pl.col("flag"))
        .alias("flag"),
        pl.when(pl.col("_row").is_in(chosen.implode()))
        .then(pl.lit("secondary"))
        .when(pl.col("flag") == "c")
        .then(pl.lit("primary"))
        .otherwise(None)
        .alias("suppression"),
    ).drop("_row", "_group", "_size", "_primary")


PERTURBED = {"p_numerator": "numerator", "p_denominator": "denominator", "p_value": "value"}


def perturbed(frame: pl.DataFrame) -> pl.DataFrame:
    """Engine output with the perturbed figures in place of the true ones (a frame without them, e.g.
    a hand-built one in a test, is taken as already perturbed)."""
    if not set(PERTURBED) <= set(frame.columns):
        return frame
    return frame.drop(list(PERTURBED.values())).rename(PERTURBED)


def protect(frame: pl.DataFrame, rules: Disclosure | None = None) -> pl.DataFrame:
    """The public version of engine output: perturbed figures, secondary suppression, blanks, optional
    rounding. Flags and secondary suppression are decided on the true figures."""
    rules = rules or disclosure()
    order = [c for c in frame.columns if c not in PERTURBED]
    out = secondary(frame)
    out = perturbed(out).select([*order, "suppression"])
    people = [
        i
        for i, ind in BY_ID.items()
        if ind.kind == "count" and derive(ind.numerator_sql, ind.base) is not None
    ]
    blank = pl.col("flag").is_in(["c", "z"])
    out = out.with_columns(
        pl.when(blank).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(pl.col("flag") == "c").then(None).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(pl.col("flag") == "c").then(None).otherwise(pl.col("denominator")).alias("denominator"),
    )
    if rules.round_people_to > 1:
        base = rules.round_people_to
        rounded = (pl.col("value") / base).round(0) * base
        out = out.with_columns(
            pl.when(pl.col("indicator_id").is_in(people))
            .then(rounded)
            .otherwise(pl.col("value"))
            .alias("value"),
            pl.when(pl.col("indicator_id").is_in(people))
            .then((pl.col("numerator") / base).round(0) * base)
            .otherwise(pl.col("numerator"))
            .alias("numerator"),
        )
    return out
