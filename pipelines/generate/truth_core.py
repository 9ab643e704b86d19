"""Machinery of the ground truth: cells, indicator specs, and one grouped evaluation per base frame.

An indicator is a ``Spec``: a few polars aggregations over the rows of a base frame (awards, learners,
consecutive pairs, observations, ...) and a function turning the aggregated values into a cell. ``evaluate``
runs every spec of a base frame at once, overall, per ``year`` and per ``country`` (three aggregations in
all, whatever the number of indicators), which keeps the truth fast at the large scales.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

Cell = dict


def months_before(day: dt.date, months: int) -> dt.date:
    """``day - N months`` in calendar months, clamped to the month end (as DuckDB intervals)."""
    return pl.select(pl.lit(day).dt.offset_by(f"-{months}mo")).item()


def present(column: str, dtype: pl.DataType | None = None) -> pl.Expr:
    """Missing = null or an empty (blank) string; a typed non-text column is present when not null."""
    c = pl.col(column)
    if dtype is not None and dtype != pl.String:
        return c.is_not_null()
    return c.is_not_null() & (c.cast(pl.String).str.strip_chars().str.len_chars() > 0)


def filled(frame: pl.DataFrame, column: str) -> pl.Expr:
    """``present`` for a column of ``frame`` (uses its dtype to skip the text check when it can)."""
    return present(column, frame.schema[column])


def cell(numerator, denominator, scale: float = 100.0) -> Cell:
    """A share (scale 100), a ratio (scale 1) or, with ``denominator=None``, a count (value = numerator)."""
    if denominator is None:
        return {"numerator": numerator, "denominator": None, "value": numerator}
    if not denominator:
        return {"numerator": numerator, "denominator": denominator, "value": None}
    return {"numerator": numerator, "denominator": denominator, "value": numerator / denominator * scale}


NOT_APPLICABLE: Cell = {"numerator": None, "denominator": None, "value": None}


@dataclass(frozen=True)
class Spec:
    """One indicator over a base frame: aggregations, and how their values make a cell."""

    id: str
    unit: str
    aggs: tuple[pl.Expr, ...]
    make: Callable[..., Cell]


def n(flag: pl.Expr) -> pl.Expr:
    """Number of rows where ``flag`` holds (null counts as false)."""
    return flag.fill_null(False).sum()


def distinct(column: str) -> pl.Expr:
    return pl.col(column).drop_nulls().n_unique()


def count(id_: str, agg: pl.Expr, unit: str = "count") -> Spec:
    return Spec(id_, unit, (agg,), lambda v: cell(v, None))


def rate(id_: str, num: pl.Expr, den: pl.Expr, unit: str = "%", scale: float = 100.0) -> Spec:
    """numerator / denominator x scale (both aggregated expressions)."""
    return Spec(id_, unit, (num, den), lambda a, b: cell(a, b, scale))


def _quantile_cell(value, contributors) -> Cell:
    return {"numerator": value, "denominator": contributors, "value": value if contributors else None}


def quantile(id_: str, unit: str, values: pl.Expr, q: float) -> Spec:
    """Linear-interpolation quantile of ``values`` (non-null ones); denominator = number of contributors."""
    return Spec(id_, unit, (values.quantile(q, interpolation="linear"), values.count()), _quantile_cell)


def _gap_cell(num_a, den_a, num_b, den_b) -> Cell:
    value = num_a / den_a * 100.0 - num_b / den_b * 100.0 if den_a and den_b else None
    return {"numerator": None, "denominator": None, "value": value}


def gap(id_: str, a: tuple[pl.Expr, pl.Expr], b: tuple[pl.Expr, pl.Expr]) -> Spec:
    """Rate of group a minus rate of group b, in percentage points (null if either denominator is 0)."""
    return Spec(id_, "pp", (*a, *b), _gap_cell)


def result(unit: str, overall: Cell, by_year: dict, by_country: dict | None = None) -> dict:
    out = {"unit": unit, "overall": overall, "by_year": {str(y): by_year[y] for y in sorted(by_year)}}
    if by_country is not None:
        out["by_country"] = {c: by_country[c] for c in sorted(by_country)}
    return out


def _grouped(frame: pl.DataFrame, key: str, exprs: list[pl.Expr]) -> dict:
    if not frame.height:
        return {}
    return {r[0]: r[1:] for r in frame.group_by(key).agg(exprs).iter_rows()}


def evaluate(
    frame: pl.DataFrame,
    specs: Sequence[Spec],
    years: Sequence[int],
    countries: Sequence[str] | None = None,
    whole: pl.DataFrame | None = None,
) -> dict[str, dict]:
    """Every spec overall, by year (column ``year``) and by country (column ``country``, when present).

    ``whole`` (default ``frame``) is the frame for overall and by-country figures when they are not the
    union of the yearly rows (specifications in period: one row per specification, not per year).
    Every year in ``years`` and every country in ``countries`` (default: those in the data) is listed;
    an empty group gets the aggregations of an empty frame (counts 0, quantiles null).
    """
    whole = frame if whole is None else whole
    exprs: list[pl.Expr] = []
    spans = []
    for spec in specs:
        start = len(exprs)
        exprs += [e.alias(f"_{start + k}") for k, e in enumerate(spec.aggs)]
        spans.append((start, len(exprs)))
    empty = frame.head(0).select(exprs).row(0)
    overall = whole.select(exprs).row(0)
    per_year = _grouped(frame, "year", exprs)
    per_country: dict | None = None
    if "country" in whole.columns:
        known = whole.filter(pl.col("country").is_not_null())
        per_country = _grouped(known, "country", exprs)
        if countries is None:
            countries = sorted(per_country)
    out = {}
    for spec, (a, b) in zip(specs, spans, strict=True):
        by_year = {y: spec.make(*per_year.get(y, empty)[a:b]) for y in years}
        by_country = None
        if per_country is not None:
            by_country = {c: spec.make(*per_country.get(c, empty)[a:b]) for c in countries or []}
        out[spec.id] = result(spec.unit, spec.make(*overall[a:b]), by_year, by_country)
    return out
