"""The cell key method: small, consistent noise on every published count of people (DOMAIN.md §6).

Flexible tables (any filter set, any year range, linked tables) defeat suppression alone: "all regions"
minus "all regions but one" gives back a suppressed region. As in the ABS TableBuilder and the UK 2021
Census flexible tables, every record of a person carries a fixed random *record key*; a cell's *cell
key* is the sum of its records' keys modulo `MODULUS`; and a fixed, published rule maps (true count,
cell key) to a small noise. The same set of records always gets the same published value however it
was asked for, while the difference of two published cells carries the noise of both, so it no longer
tells how many people the difference holds.

Parameters (set in pipelines/disclosure.py, published in docs/METHODOLOGY.md; the record keys are not):
record keys are the low 40 bits of MD5 over the keyed learner hash and the record id, so nobody without
the pseudonymisation key can compute them; the noise of a count n is uniform on the integers
[-D(n), D(n)] with D(n) = max(MIN_BOUND, floor(sqrt(n) / 2)) (about ±0.5 % at n = 10,000), chosen by the
cell key; zero stays zero and a count at or above a threshold is never pushed below it. Rates are computed
from the perturbed counts. This module is pure: polars expressions and SQL snippets, no I/O.
"""

from __future__ import annotations

import polars as pl

# The published parameters live with the rest of disclosure control.
from pipelines.disclosure import MIN_BOUND, MIX_COUNT, MIX_KEY, MIX_OFFSET, MODULUS, RECORD_KEY_BITS

# SQL: a record's key (the build registers it as a temporary macro; marts store the result as columns)
RECORD_KEY_MACRO = (
    "create or replace temp macro record_key(x) as "
    f"(md5_number_lower(coalesce(x, '')) % {RECORD_KEY_BITS})::bigint"
)


def cell_key_sql(sum_sql: str) -> str:
    """SQL turning a sum of record keys into a cell key (null stays null)."""
    return f"cast(({sum_sql}) % {MODULUS} as bigint)"


def noise_bound(count: pl.Expr) -> pl.Expr:
    """D(n): the largest noise a count of n may receive."""
    return pl.max_horizontal(pl.lit(MIN_BOUND, pl.Float64), (count.sqrt() / 2).floor())


def noise(count: pl.Expr, key: pl.Expr) -> pl.Expr:
    """The noise of a cell with true count `count` and cell key `key` (0 for a zero or unkeyed cell)."""
    n = count.round(0).cast(pl.Int64)
    mix = (key.cast(pl.Int64) * MIX_KEY + n * MIX_COUNT + MIX_OFFSET) % MODULUS
    bound = noise_bound(count)
    draw = ((mix.cast(pl.Float64) + 0.5) / MODULUS * (2 * bound + 1)).floor() - bound
    return pl.when((count > 0) & key.is_not_null()).then(draw).otherwise(0.0)


def perturb(count: pl.Expr, key: pl.Expr, floor: int = 0) -> pl.Expr:
    """The published value of a count: true count plus its noise, never negative, and never below
    `floor` when the true count reached it (so a count shown as safe stays at or above the threshold)."""
    value = count + noise(count, key)
    value = _kept_at(pl.max_horizontal(value, pl.lit(0.0)), count, floor)
    return pl.when(count.is_null()).then(None).otherwise(value)


def _kept_at(shown: pl.Expr, true: pl.Expr, floor: float) -> pl.Expr:
    """`shown`, but never below `floor` where the `true` figure reached it (no floor when 0)."""
    if floor <= 0:
        return shown
    return pl.when(true >= floor).then(pl.max_horizontal(shown, pl.lit(float(floor)))).otherwise(shown)


def scale(amount: pl.Expr, count: pl.Expr, key: pl.Expr, floor: float = 0) -> pl.Expr:
    """A sum over people's records (ECTS, a net gain, a reference share) moved with its contributors'
    perturbed count: amount x n' / n, so differencing sums is as noisy as differencing counts. Like a
    count, a sum that reached `floor` (a denominator's threshold) is never published below it."""
    return _kept_at(
        pl.when(count > 0).then(amount * perturb(count, key) / count).otherwise(amount), amount, floor
    )


def combine(*keys: pl.Expr) -> pl.Expr:
    """One cell key from several (e.g. a rate's numerator keyed by its own and its denominator's
    records, so two rates with the same numerator records but different denominators get independent
    noise)."""
    total = pl.lit(0, pl.Int64)
    for i, key in enumerate(keys):
        total = total + key.cast(pl.Int64).fill_null(0) * (1 + 2 * i * 1021)
    return pl.when(pl.any_horizontal([k.is_not_null() for k in keys])).then(total % MODULUS)
