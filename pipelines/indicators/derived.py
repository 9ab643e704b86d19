"""Figures read off published cells for one view: the change on the last year, the progress to a policy
target, and the coverage of a figure (the share of the view's records it was computed on).

They take published cells only (`engine.published`, the public cube) and the published base totals
(`engine.base_totals`), so they carry the perturbation and suppression of what they come from and count
no record themselves. Policy targets as trajectories with a verdict (`indicator_targets`, the release,
`mco indicators --json`) are computed by `pipelines.indicators.targets`; `target_progress` here is the
older value ÷ target reading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from pipelines.disclosure import Disclosure
from pipelines.indicators import targets
from pipelines.indicators.registry import BASES, BY_ID, Indicator, growth_for
from pipelines.settings import settings

# The share of learners awarded with an employment observation: read beside every outcome figure.
OUTCOME_COVERAGE = "OUT-5"


# --- Change on the last year ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """The change from the year before to `year`, the latest year of the view with data.

    `value` is in percent for a count (its growth indicator's published value where the registry has
    one, e.g. ADO-2 for ADO-1), in percentage points for a share, in the indicator's unit otherwise.
    Without a value, `why` says why: "no_data" (no year with data), "suppressed" (`year` is),
    "no_previous" (no year before in the view), "previous_suppressed", "not_available"; `growth` names
    the growth indicator it was read from.
    """

    year: int | None = None
    value: float | None = None
    why: str = ""
    growth: str | None = None


def growth_ids(ids: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The growth indicators that give the change of these indicators (ADO-2 for ADO-1)."""
    found = (growth_for(i) for i in ids)
    return tuple(dict.fromkeys(g.id for g in found if g is not None))


def change_on_last_year(ind: Indicator, years: pl.DataFrame, growth: pl.DataFrame | None = None) -> Change:
    """The change on the last year of `ind` from its published cells by year (`years`, any indicators);
    for a count with a growth indicator, that indicator's latest published cell by year (`growth`)."""
    rate = growth_for(ind.id)
    if rate is not None and growth is not None:
        rows = growth.filter(pl.col("indicator_id") == rate.id)
        if rows.is_empty():
            return Change(why="not_available", growth=rate.id)
        last = rows.sort("breakdown_value").row(-1, named=True)
        year = int(last["breakdown_value"])
        if last["value"] is None:
            return Change(year, why="suppressed" if last["flag"] == "c" else "not_available", growth=rate.id)
        return Change(year, last["value"], growth=rate.id)
    rows = [
        r
        for r in years.sort("breakdown_value").iter_rows(named=True)
        if r["indicator_id"] == ind.id and r["flag"] != "z"
    ]
    if not rows:
        return Change(why="no_data")
    last = rows[-1]
    year = int(last["breakdown_value"])
    before = next((r for r in rows if int(r["breakdown_value"]) == year - 1), None)
    return _between(ind, year, last, before)


def _between(ind: Indicator, year: int, last: dict, before: dict | None) -> Change:
    """The change from the published cell `before` (year - 1) to `last` (`year`): percent for a count
    (None on a zero base), the difference otherwise; why not, when either cell cannot give it."""
    if last["flag"] == "c":
        return Change(year, why="suppressed")
    if before is None:
        return Change(year, why="no_previous")
    if before["flag"] == "c":
        return Change(year, why="previous_suppressed")
    if before["value"] is None or last["value"] is None:
        return Change(year, why="not_available")
    if ind.unit == "count":
        change = (last["value"] - before["value"]) / before["value"] * 100 if before["value"] else None
    else:
        change = last["value"] - before["value"]
    return Change(year, change)


# --- Progress to a policy target ------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Progress to a target from the latest year with a published value (`latest_year`): the latest
    value as a percentage of the target (inverted when lower is better), and whether it meets it."""

    latest_year: int | None = None
    latest_value: float | None = None
    progress_pct: float | None = None
    met: bool | None = None


def target_progress(ind: Indicator, years: pl.DataFrame, goal: float) -> Progress:
    """Progress of `ind` to the target value `goal` from its published cells by year (`years`)."""
    rows = years.filter((pl.col("indicator_id") == ind.id) & pl.col("value").is_not_null())
    if rows.is_empty():
        return Progress()
    last = rows.sort("breakdown_value").row(-1, named=True)
    value = last["value"]
    if not goal:
        progress = None
    elif ind.direction == "down":
        progress = goal / value * 100 if value else None
    else:
        progress = value / goal * 100
    met = value <= goal if ind.direction == "down" else value >= goal
    return Progress(int(last["breakdown_value"]), value, progress, met)


# --- Coverage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Which records of the view a figure was computed on.

    `status`: "share" (`counted` of the `total` records of its base in view, `share` percent of them),
    "outcomes" (read the outcome coverage OUT-5 beside it), "coverage" (it is OUT-5), "all" (a count:
    every record counts), "not_applicable" (a ratio, growth or gap), "no_figure" (no cell), "hidden"
    (its cell is suppressed or has no denominator), "suppressed" (too few records in view),
    "no_records".
    """

    status: str
    share: float | None = None
    counted: float | None = None
    total: int | None = None


def coverage(
    ind: Indicator, row: Mapping | None, total: int | None, rules: Disclosure | None = None
) -> Coverage:
    """The coverage of `ind`'s published cell `row`, of `total` (the published count of its base's
    records in view, `engine.base_totals`): both perturbed, so `counted` is capped at `total`. A total
    below the denominator threshold is not shown."""
    if ind.base == "outcomes" or ind.dimension == "outcomes":
        return Coverage("coverage" if ind.id == OUTCOME_COVERAGE else "outcomes")
    if ind.kind in ("count", "sum"):
        return Coverage("all")
    if ind.kind not in ("share", "quantile"):
        return Coverage("not_applicable")
    if row is None:
        return Coverage("no_figure")
    if row["flag"] == "c" or row["denominator"] is None:
        return Coverage("hidden")
    if total is None or 0 < total < (rules or settings().disclosure).min_denominator:
        return Coverage("suppressed")
    if not total:
        return Coverage("no_records")
    counted = min(row["denominator"] / ind.denominator_per_record, total)
    return Coverage("share", counted / total * 100, counted, total)


def base_noun(ind: Indicator) -> str:
    """The records of `ind`'s base, in the plural ("specifications on offer")."""
    return BASES[ind.base].noun


# --- The headline: the latest complete year -----------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """What a headline tile shows for one indicator: its latest complete year (the window of every
    record dated in it has closed by the data cut-off, `targets.last_complete_year`) with a cell in the
    view, that cell, the change on the complete year before, and the complete years' series for a
    sparkline.

    `row`: the published cell of `year` (None: no complete year with a cell). `change`: a `Change` from
    `year - 1` to `year` (counts in percent, shares in percentage points). `series`: (year, value or
    None when suppressed) of the complete years with a cell, oldest first. `recent`: the view's years
    after `year` that are too recent, each with the day its window closes (the reason a newer year is
    not the headline, said in words, never read as a decline).
    """

    year: int | None
    row: Mapping | None
    change: Change
    series: tuple[tuple[int, float | None], ...]
    recent: tuple[tuple[int, date], ...]
    window_months: int


def _year_rows(ind: Indicator, years: pl.DataFrame) -> list[dict]:
    rows = years.filter(pl.col("indicator_id") == ind.id)
    if "breakdown" in rows.columns:
        rows = rows.filter(pl.col("breakdown") == "year")
    return sorted(rows.to_dicts(), key=lambda r: int(r["breakdown_value"]))


def change_in(ind: Indicator, years: pl.DataFrame, year: int, growth: pl.DataFrame | None = None) -> Change:
    """The change of `ind` from `year - 1` to `year`, from its published cells by year; for a count with
    a growth indicator (ADO-2 for ADO-1), that indicator's published cell of `year` (`growth`)."""
    rate = growth_for(ind.id)
    if rate is not None and growth is not None:
        found = [r for r in _year_rows(rate, growth) if int(r["breakdown_value"]) == year]
        if not found:
            return Change(year, why="not_available", growth=rate.id)
        if found[0]["value"] is None:
            why = "suppressed" if found[0]["flag"] == "c" else "not_available"
            return Change(year, why=why, growth=rate.id)
        return Change(year, found[0]["value"], growth=rate.id)
    by_year = {int(r["breakdown_value"]): r for r in _year_rows(ind, years) if r["flag"] != "z"}
    last, before = by_year.get(year), by_year.get(year - 1)
    if last is None:
        return Change(year, why="no_data")
    change = _between(ind, year, last, before)
    if change.value is None and not change.why:  # a count on a zero base: said, not left blank
        return Change(year, why="not_available")
    return change


def windowed(ind: Indicator) -> Indicator:
    """The indicator whose outcome window `ind` waits for: itself, or for a gap between two groups the
    indicator it is the gap of (INC-3s, women minus men in FLX-1, waits 36 months as FLX-1 does)."""
    return BY_ID.get(ind.gap.of, ind) if ind.gap else ind


def headline(
    ind: Indicator, years: pl.DataFrame, cutoff: date, growth: pl.DataFrame | None = None
) -> Headline:
    """The headline of `ind` from its published cells by year in the view (`years`, any indicators) on
    the data cut-off `cutoff`: the latest complete year with a cell (suppressed or not; not-applicable
    cells are no figure), never an incomplete one."""
    timed = windowed(ind)
    last = targets.last_complete_year(timed, cutoff)
    rows = _year_rows(ind, years)
    complete = [r for r in rows if int(r["breakdown_value"]) <= last and r["flag"] != "z"]
    recent = tuple(
        (y, targets.window_closes(timed, y))
        for y in sorted({int(r["breakdown_value"]) for r in rows})
        if y > last
    )
    series = tuple((int(r["breakdown_value"]), r["value"]) for r in complete)
    months = targets.window_months(timed)
    if not complete:
        return Headline(None, None, Change(why="no_data"), series, recent, months)
    row = complete[-1]
    year = int(row["breakdown_value"])
    return Headline(year, row, change_in(ind, years, year, growth), series, recent, months)


def window_text(months: int, closes: date) -> str:
    """Why a year is not shown yet, in words: "too recent: the 36-month window closes in 2027"."""
    if months <= 0:
        return f"too recent: the year is complete on {closes:%d %B %Y}"
    return f"too recent: the {months}-month window closes in {closes.year}"
