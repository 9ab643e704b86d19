"""Pure statistics for peer comparison: Wilson intervals, medians and percentile ranks.

Each has a plain-Python form (for hand-computed tests and single values) and, where frames need it, a
polars form that must agree with it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import polars as pl

Z95 = 1.959963984540054  # two-sided 95 %: the 0.975 quantile of the standard normal


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion successes / n, as proportions in [0, 1]; None when n <= 0.

    centre = (p + z²/2n) / (1 + z²/n),  half-width = z √(p(1-p)/n + z²/4n²) / (1 + z²/n)
    """
    if n is None or successes is None or n <= 0:
        return None
    if successes < 0 or successes > n:
        raise ValueError(f"successes must lie in [0, n], got {successes} of {n}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At p = 0 (or 1) the bound is exactly 0 (or 1); rounding would leave a speck of 1e-17.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def wilson_exprs(successes: pl.Expr, n: pl.Expr, z: float = Z95) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson bounds (proportions) as polars expressions; null where n is null or not positive."""
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * (p * (1 - p) / n + z * z / (4 * n * n)).sqrt() / denominator
    valid = n.is_not_null() & (n > 0) & successes.is_not_null()
    low = pl.when(valid & (successes == 0)).then(0.0).when(valid).then(pl.max_horizontal(centre - half, 0.0))
    high = pl.when(valid & (successes == n)).then(1.0).when(valid).then(pl.min_horizontal(centre + half, 1.0))
    return low, high


def median(values: Iterable[float | None]) -> float | None:
    """The median of the non-missing values (mean of the middle two for an even count); None if none."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    mid = len(data) // 2
    return float(data[mid]) if len(data) % 2 else (data[mid - 1] + data[mid]) / 2


def quantile(values: Iterable[float | None], q: float) -> float | None:
    """The q-quantile (0 <= q <= 1) of the non-missing values by linear interpolation between order
    statistics (position q x (n - 1), as numpy's and polars' "linear"); None if none."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    pos = q * (len(data) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (data[high] - data[low]) * (pos - low))


def percentile_rank(value: float | None, peers: Sequence[float | None]) -> float | None:
    """Mid-rank percentile of `value` among `peers` (which include the value itself), in percent:
    100 × (peers below + ½ × peers equal) / peers. The best of 10 distinct values is at 95, the worst at 5.
    """
    data = [v for v in peers if v is not None]
    if value is None or not data:
        return None
    below = sum(1 for v in data if v < value)
    equal = sum(1 for v in data if v == value)
    return 100.0 * (below + 0.5 * equal) / len(data)


def peer_statistics(
    frame: pl.DataFrame, groups: Sequence[str], value: str = "value", eligible: str = "eligible"
) -> pl.DataFrame:
    """Add peer_n, peer_median, peer_p25, peer_p75 (the interquartile range, `quantile`) and percentile
    over the rows of each group where `eligible` is true.

    Rows outside a group (a null in any group column) get no peer statistics; ineligible rows get the
    group's figures but no percentile of their own.
    """
    in_group = pl.all_horizontal(*(pl.col(g).is_not_null() for g in groups))
    counted = pl.when(pl.col(eligible) & in_group).then(pl.col(value))
    rank = counted.rank("average").over(groups)
    n = counted.count().over(groups)
    return frame.with_columns(
        pl.when(in_group).then(n).otherwise(None).cast(pl.Int64).alias("peer_n"),
        pl.when(in_group).then(counted.median().over(groups)).otherwise(None).alias("peer_median"),
        pl.when(in_group)
        .then(counted.quantile(0.25, "linear").over(groups))
        .otherwise(None)
        .alias("peer_p25"),
        pl.when(in_group)
        .then(counted.quantile(0.75, "linear").over(groups))
        .otherwise(None)
        .alias("peer_p75"),
        pl.when(pl.col(eligible) & in_group & (n > 0))
        .then((rank - 0.5) / n * 100)
        .otherwise(None)
        .cast(pl.Float64)
        .alias("percentile"),
    )
