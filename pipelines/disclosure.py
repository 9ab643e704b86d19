"""Disclosure control (DOMAIN.md §6), in one place: the thresholds, the perturbation's parameters, the flag
vocabulary and suppression. Every table, page, report and release takes its rules and words from here.

- Thresholds: `Disclosure` holds the DOMAIN.md defaults; the values in force come from
  config/observatory.toml through `pipelines.settings.settings().disclosure` and are passed in.
- Perturbation: the cell key method's published parameters (the mechanics are in pipelines/cellkey.py).
- Flags: `FLAGS`, the Eurostat-style codes c, z, u, p, b with their meanings; `flag_text` writes one.
- Suppression: primary flags come from the indicator engine and the programme comparison; `secondary`
  adds secondary suppression, `protect` makes the public version of engine output (perturbed figures
  swapped in, suppressed and not-applicable cells blanked, counts of people optionally rounded).

Secondary suppression: within one group of additive cells (one breakdown of one indicator, and one year
for country x year; one provider's programmes for one metric), a single suppressed cell could be
recovered by subtracting the published cells from the published total, so the published cell with the
smallest denominator (or count) is suppressed too.

Pure: no I/O and no knowledge of the indicator registry (callers say which cells add up).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Disclosure:
    """The thresholds (defaults: DOMAIN.md §6; set in the `[disclosure]` section of the settings file)."""

    min_people: int = 10  # counts of people below this are suppressed
    min_denominator: int = 20  # shares on denominators below this are suppressed
    min_contributors: int = 10  # medians and quantiles need this many contributors
    round_people_to: int = 0  # published counts of people rounded to this base (0 = no rounding)


# The cell key method (pipelines/cellkey.py); published in docs/METHODOLOGY.md, the record keys are not.
MODULUS = 4096  # cell keys are sums of record keys modulo this
MIN_BOUND = 2  # the smallest noise bound: every count of one or more moves by up to ±2
MIX_KEY, MIX_COUNT, MIX_OFFSET = 2654435761, 40503, 1013  # spread (cell key, count) over the modulus
RECORD_KEY_BITS = 1 << 40  # record keys are the low 40 bits of an MD5


@dataclass(frozen=True)
class Flag:
    """One flag of the vocabulary: its code, its name and what it means for a figure."""

    code: str
    label: str
    meaning: str = ""

    def text(self, detail: str = "", named: bool = True) -> str:
        """The flag in words: "label: meaning (detail)"; `named=False` leaves the label out where the
        meaning says it all."""
        head = f"{self.label}: {self.meaning}" if named and self.meaning else (self.meaning or self.label)
        return f"{head} ({detail})" if detail else head


SUPPRESSED, NOT_APPLICABLE = "c", "z"
FLAGS: dict[str, Flag] = {
    f.code: f
    for f in (
        Flag(SUPPRESSED, "confidential", "suppressed by disclosure control"),
        Flag(NOT_APPLICABLE, "not applicable"),
        Flag("u", "low reliability"),
        Flag("p", "provisional"),
        Flag("b", "break in series"),
    )
}
IN_USE = (SUPPRESSED, NOT_APPLICABLE)  # the flags figures carry today (u, p and b are reserved)
BLANKS_VALUE = (SUPPRESSED, NOT_APPLICABLE)  # a cell with one of these flags shows no value
BLANKS_COUNTS = (SUPPRESSED,)  # ... and these hide its numerator and denominator too
# How a cell without a value reads where a figure would stand, and a one-line legend of the flags.
SUPPRESSED_TEXT = f"suppressed ({SUPPRESSED})"
NOT_APPLICABLE_TEXT = "n/a"
FLAG_LEGEND = f"{SUPPRESSED} = suppressed, {NOT_APPLICABLE} = {FLAGS[NOT_APPLICABLE].label}"


def flag_text(code: str, detail: str = "", named: bool = True) -> str:
    """What flag `code` means, in words (see `Flag.text`)."""
    return FLAGS[code].text(detail, named)


# Kinds of indicator whose numerators and denominators add up across the cells of a breakdown.
ADDITIVE = {"count", "sum", "share", "ratio", "per_capita"}
PRIMARY, SECONDARY = "primary", "secondary"  # the `suppression` column: which rule hid a cell


def secondary(frame: pl.DataFrame, groups: Sequence[str], eligible: pl.Expr, tie_break: str) -> pl.DataFrame:
    """Mark one more cell `c` in every group (cells with equal `groups` columns) that holds exactly one
    primary-suppressed cell among several: the `eligible` cell without a flag that has the smallest
    denominator (else count), ties broken by `tie_break`. Adds `suppression` (primary / secondary).

    Cells flagged `z` add nothing to a total, so they are never candidates: a group whose other cells are
    all `z` needs none, since its total equals the hidden cell, itself below the threshold. An empty cell
    may be chosen: once hidden, nobody knows it is empty."""
    groups = list(groups)
    work = frame.with_row_index("_row").with_columns(
        _size=pl.coalesce(pl.col("denominator"), pl.col("numerator")).fill_null(0),
        _primary=(pl.col("flag") == SUPPRESSED).fill_null(False),
    )
    candidates = work.filter(
        eligible
        & (pl.col("_primary").cast(pl.Int32).sum().over(groups) == 1)
        & (pl.len().over(groups) > 1)
        & pl.col("flag").is_null()
    )
    chosen = candidates.sort(["_size", tie_break]).group_by(groups, maintain_order=True).first()["_row"]
    picked = pl.col("_row").is_in(chosen.implode())
    return work.with_columns(
        pl.when(picked).then(pl.lit(SUPPRESSED)).otherwise(pl.col("flag")).alias("flag"),
        pl.when(picked)
        .then(pl.lit(SECONDARY))
        .when(pl.col("_primary"))
        .then(pl.lit(PRIMARY))
        .otherwise(None)
        .alias("suppression"),
    ).drop("_row", "_size", "_primary")


def _breakdown_group() -> pl.Expr:
    """The group of a cube cell: indicator, breakdown, and the year of a country x year cell."""
    year = pl.col("breakdown_value").str.extract(r" (\d{4})$")
    return pl.concat_str([pl.col("indicator_id"), pl.col("breakdown"), year.fill_null("")], separator="|")


def secondary_cube(frame: pl.DataFrame, additive: Collection[str]) -> pl.DataFrame:
    """Secondary suppression of engine output: within one breakdown (and year) of each indicator in
    `additive` (ids of indicators of an `ADDITIVE` kind); the overall cell is the total, never hidden."""
    eligible = (pl.col("breakdown") != "overall") & pl.col("indicator_id").is_in(list(additive))
    out = secondary(frame.with_columns(_group=_breakdown_group()), ["_group"], eligible, "breakdown_value")
    return out.drop("_group")


PERTURBED = {"p_numerator": "numerator", "p_denominator": "denominator", "p_value": "value"}


def perturbed(frame: pl.DataFrame) -> pl.DataFrame:
    """Engine output with the perturbed figures in place of the true ones (a frame without them, e.g.
    a hand-built one in a test, is taken as already perturbed)."""
    if not set(PERTURBED) <= set(frame.columns):
        return frame
    return frame.drop(list(PERTURBED.values())).rename(PERTURBED)


def blank(value: str = "value", counts: Sequence[str] = ("numerator", "denominator")) -> list[pl.Expr]:
    """Expressions blanking what a flag hides: the value of a `c` or `z` cell, the counts of a `c` cell."""
    hides_value, hides_counts = pl.col("flag").is_in(BLANKS_VALUE), pl.col("flag").is_in(BLANKS_COUNTS)
    return [
        pl.when(hides_value).then(None).otherwise(pl.col(value)).alias(value),
        *(pl.when(hides_counts).then(None).otherwise(pl.col(c)).alias(c) for c in counts),
    ]


def protect(
    frame: pl.DataFrame, rules: Disclosure, additive: Collection[str], people: Collection[str] = ()
) -> pl.DataFrame:
    """The public version of engine output: perturbed figures, secondary suppression (over the
    indicators `additive`), blanks, and optional rounding of the counts of people (indicators `people`).
    Flags and secondary suppression are decided on the true figures."""
    order = [c for c in frame.columns if c not in PERTURBED]
    out = secondary_cube(frame, additive)
    out = perturbed(out).select([*order, "suppression"])
    out = out.with_columns(blank())
    if rules.round_people_to > 1:
        base = rules.round_people_to
        counts = pl.col("indicator_id").is_in(list(people))
        out = out.with_columns(
            pl.when(counts)
            .then((pl.col("value") / base).round(0) * base)
            .otherwise(pl.col("value"))
            .alias("value"),
            pl.when(counts)
            .then((pl.col("numerator") / base).round(0) * base)
            .otherwise(pl.col("numerator"))
            .alias("numerator"),
        )
    return out
