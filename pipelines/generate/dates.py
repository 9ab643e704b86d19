"""Dates as int64 days since 1970-01-01, so every date step is one vectorised numpy operation."""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)
FIRST_DAY = dt.date(2019, 1, 1)  # the observatory's series start


def to_days(day: dt.date) -> int:
    return (day - EPOCH).days


def from_days(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


def year_of(days: np.ndarray) -> np.ndarray:
    return (
        np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
        + 1970
    )


def add_months(days: np.ndarray, months: int) -> np.ndarray:
    """Calendar-month shift that clamps to the month's last day (as DuckDB intervals and polars offset_by)."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    day_of_month = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months
    month_len = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return (target.astype("datetime64[D]") + np.minimum(day_of_month, month_len - 1)).astype(np.int64)
