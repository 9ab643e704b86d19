"""Policy targets as a trajectory, and the latest complete year of an indicator.

A target (`[[targets]]` in config/observatory.toml) is read as a straight-line path from a baseline
(year and value; by default the first complete year with a published value) to the target value in the
target year. The recent trend is a least-squares line through the published values of the last
`trend_years` complete years (default 3); its value in the target year is the projection. The verdict:

- `met`: the latest complete year's value already meets the target;
- `on_track`: the projection reaches the target by the target year;
- `off_track`: it does not (or the target year has passed unmet);
- `no_data`: no complete year with a published value, or fewer than two years for a trend (`why` says).

A *complete* year is one whose outcome window has closed by the data cut-off: every record dated in it
is old enough to be measured (an indicator counting awards "within 36 months" needs 31 December of the
year plus 36 months on or before the cut-off). Incomplete years are never used, so a window effect never
looks like a decline. Everything here is pure: it takes published cells (the public cube) and dates.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from pipelines.indicators.registry import BY_ID, Indicator
from pipelines.settings import settings
from pipelines.warehouse import rows, scalar

DEFAULT_TREND_YEARS = 3
VERDICTS = ("on_track", "off_track", "met", "no_data")
VERDICT_TEXT = {
    "on_track": "on track",
    "off_track": "off track",
    "met": "met",
    "no_data": "no data",
}
METHOD = "least squares over the last {n} complete years"

_WINDOW = re.compile(r"eligible_(\d+)m|months_after_award\s*=\s*(\d+)")
# Outcome coverage (has_outcome) needs the 12-month observation window like the other outcome figures.
_DIMENSION_WINDOW = {"outcomes": 12}


# --- Complete years ----------------------------------------------------------------------------


def window_months(ind: Indicator) -> int:
    """The months after a record's date before it can be measured (0: measurable at once): the longest
    `eligible_<N>m` / `months_after_award = N` window in its SQL, 12 for any outcome indicator; a gap
    or a growth has the window of the indicator it is computed from."""
    explicit = getattr(ind, "window_months", None)  # a registry field, should the registry add one
    if isinstance(explicit, int):
        return explicit
    if ind.gap is not None:  # a gap between two groups' values of another indicator has that one's window
        return window_months(BY_ID[ind.gap.of])
    if ind.growth_of is not None:
        return window_months(BY_ID[ind.growth_of])
    sql = " ".join(s for s in (ind.numerator_sql, ind.denominator_sql) if s)
    found = [int(a or b) for a, b in _WINDOW.findall(sql)]
    return max(found + [_DIMENSION_WINDOW.get(ind.dimension, 0)])


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def window_closes(ind: Indicator, year: int) -> date:
    """The day the window of `year` closes: 31 December of `year` plus the indicator's window."""
    return _add_months(date(year, 12, 31), window_months(ind))


def last_complete_year(ind: Indicator, cutoff: date) -> int:
    """The latest calendar year whose window has closed on the data cut-off `cutoff`."""
    year = cutoff.year
    while window_closes(ind, year) > cutoff:
        year -= 1
    return year


def is_complete(ind: Indicator, year: int, cutoff: date) -> bool:
    return year <= last_complete_year(ind, cutoff)


def complete_series(ind: Indicator, years: pl.DataFrame, cutoff: date) -> list[tuple[int, float]]:
    """(year, value) of `ind`'s published cells by year (`years`: cube rows, any indicators, breakdown
    "year") in complete years with a published value, oldest first."""
    last = last_complete_year(ind, cutoff)
    rows = years.filter((pl.col("indicator_id") == ind.id) & pl.col("value").is_not_null())
    if "breakdown" in rows.columns:
        rows = rows.filter(pl.col("breakdown") == "year")
    found = sorted((int(r["breakdown_value"]), float(r["value"])) for r in rows.iter_rows(named=True))
    return [(y, v) for y, v in found if y <= last]


def latest_complete_year(ind: Indicator, years: pl.DataFrame, cutoff: date) -> int | None:
    """The latest complete year in which `ind` has a published value (None: none has): the year a
    headline shows. `years` are published cells by year; `cutoff` the build's data cut-off."""
    series = complete_series(ind, years, cutoff)
    return series[-1][0] if series else None


# --- Trajectory --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetSpec:
    """What a trajectory needs of a configured target (pipelines.settings.Target has these fields)."""

    indicator: str
    value: float
    year: int
    baseline_year: int | None = None
    baseline_value: float | None = None
    trend_years: int = DEFAULT_TREND_YEARS
    source: str = ""


@dataclass(frozen=True)
class Trajectory:
    """A target read as a trajectory. Values are in the indicator's unit.

    `path_value`: the straight line baseline → target at `latest_year`; `ahead_of_path`: the latest value
    minus that, signed so that positive is better (ahead of the path). `slope`: the trend per year;
    `projected_value`: the trend's value in the target year. `gap`: how far the projection (for `met`,
    the latest value) falls short of the target, positive = short, zero or negative = reaches it.
    `why` for `no_data`: "no_complete_year", "too_few_years".
    """

    indicator_id: str
    target_value: float
    target_year: int
    direction: str
    verdict: str
    baseline_year: int | None = None
    baseline_value: float | None = None
    latest_year: int | None = None
    latest_value: float | None = None
    path_value: float | None = None
    ahead_of_path: float | None = None
    slope: float | None = None
    projected_value: float | None = None
    gap: float | None = None
    trend_from: int | None = None
    trend_years: int = DEFAULT_TREND_YEARS
    method: str = ""
    why: str = ""
    source: str = ""

    @property
    def verdict_text(self) -> str:
        return VERDICT_TEXT[self.verdict]

    def path(self, year: int) -> float | None:
        """The straight-line path's value in `year`."""
        if self.baseline_year is None or self.baseline_value is None:
            return None
        if self.target_year == self.baseline_year:
            return self.target_value
        share = (year - self.baseline_year) / (self.target_year - self.baseline_year)
        return self.baseline_value + share * (self.target_value - self.baseline_value)

    def to_dict(self) -> dict:
        return {
            "indicator_id": self.indicator_id,
            "target_value": self.target_value,
            "target_year": self.target_year,
            "direction": self.direction,
            "verdict": self.verdict,
            "baseline_year": self.baseline_year,
            "baseline_value": self.baseline_value,
            "latest_year": self.latest_year,
            "latest_value": self.latest_value,
            "path_value": self.path_value,
            "ahead_of_path": self.ahead_of_path,
            "slope": self.slope,
            "projected_value": self.projected_value,
            "gap": self.gap,
            "trend_from": self.trend_from,
            "trend_years": self.trend_years,
            "method": self.method,
            "why": self.why,
            "source": self.source,
        }


def least_squares(points: Iterable[tuple[int, float]]) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line through (year, value) points (at least two years)."""
    pts = list(points)
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    slope = sum((x - mx) * (y - my) for x, y in pts) / sxx
    return slope, my - slope * mx


def _meets(value: float, goal: float, direction: str) -> bool:
    return value <= goal if direction == "down" else value >= goal


def _short(value: float, goal: float, direction: str) -> float:
    """How far `value` falls short of `goal`, positive = short."""
    return value - goal if direction == "down" else goal - value


def trajectory(ind: Indicator, series: list[tuple[int, float]], target) -> Trajectory:
    """The trajectory and verdict of `target` (a TargetSpec or settings Target) from `series`: (year,
    value) of `ind`'s published values in complete years (`complete_series`), any order."""
    series = sorted(series)
    n = max(int(getattr(target, "trend_years", None) or DEFAULT_TREND_YEARS), 2)
    base = Trajectory(
        indicator_id=ind.id,
        target_value=float(target.value),
        target_year=int(target.year),
        direction=ind.direction,
        verdict="no_data",
        trend_years=n,
        method=METHOD.format(n=n),
        source=getattr(target, "source", "") or "",
    )
    if not series:
        return _replace(base, why="no_complete_year", **_baseline(target, series))
    latest_year, latest_value = series[-1]
    direction = ind.direction
    fields = {"latest_year": latest_year, "latest_value": latest_value, **_baseline(target, series)}
    found = _replace(base, **fields)
    path_value = found.path(latest_year)
    if path_value is not None:
        ahead = latest_value - path_value
        fields |= {"path_value": path_value, "ahead_of_path": -ahead if direction == "down" else ahead}
    recent = [(y, v) for y, v in series if y > latest_year - n]
    if len(recent) >= 2:
        slope, intercept = least_squares(recent)
        projected = slope * max(target.year, latest_year) + intercept
        fields |= {"slope": slope, "projected_value": projected, "trend_from": recent[0][0]}
    if _meets(latest_value, target.value, direction):
        return _replace(base, verdict="met", gap=_short(latest_value, target.value, direction), **fields)
    if "projected_value" not in fields:
        return _replace(base, why="too_few_years", **fields)
    projected = fields["projected_value"]
    on_track = latest_year < target.year and _meets(projected, target.value, direction)
    gap = _short(projected, target.value, direction)
    return _replace(base, verdict="on_track" if on_track else "off_track", gap=gap, **fields)


def _baseline(target, series: list[tuple[int, float]]) -> dict:
    """The configured baseline, its value read off the series when only the year is configured, else
    the first complete year with a value."""
    year = getattr(target, "baseline_year", None)
    value = getattr(target, "baseline_value", None)
    if year is None:
        if not series:
            return {}
        year, first = series[0]
        return {"baseline_year": year, "baseline_value": first if value is None else float(value)}
    if value is None:
        value = next((v for y, v in series if y == year), None)
    return {"baseline_year": int(year), "baseline_value": None if value is None else float(value)}


def _replace(base: Trajectory, **changes) -> Trajectory:
    return replace(base, **changes)


def assess(ind: Indicator, years: pl.DataFrame, cutoff: date, target) -> Trajectory:
    """The trajectory of `target` for `ind` from its published cells by year and the data cut-off."""
    return trajectory(ind, complete_series(ind, years, cutoff), target)


TABLE_SCHEMA = {
    "indicator_id": pl.String,
    "target_value": pl.Float64,
    "target_year": pl.Int64,
    "direction": pl.String,
    "verdict": pl.String,
    "baseline_year": pl.Int64,
    "baseline_value": pl.Float64,
    "latest_year": pl.Int64,
    "latest_value": pl.Float64,
    "path_value": pl.Float64,
    "ahead_of_path": pl.Float64,
    "slope": pl.Float64,
    "projected_value": pl.Float64,
    "gap": pl.Float64,
    "trend_from": pl.Int64,
    "trend_years": pl.Int64,
    "method": pl.String,
    "why": pl.String,
    "source": pl.String,
}


def trajectory_table(trajectories: Iterable[Trajectory]) -> pl.DataFrame:
    """One row per target (the release's and `mco indicators --json`'s targets)."""
    return pl.DataFrame([t.to_dict() for t in trajectories], schema=TABLE_SCHEMA)


def assess_targets(
    indicators: dict[str, Indicator], years: pl.DataFrame, cutoff: date, targets
) -> pl.DataFrame:
    """The trajectory table of the configured `targets` (settings Targets) from published cells by year
    (`years`, the public cube's "year" rows), on the data cut-off `cutoff`: what the build stores as
    `indicator_targets`, which the release and `mco indicators --json` read."""
    return trajectory_table(assess(indicators[t.indicator], years, cutoff, t) for t in targets)


def stored_targets(con) -> pl.DataFrame:
    """The build's target table (`indicator_targets`, as released); for a warehouse built before targets
    were trajectories, the same table computed from its public cube."""
    columns = {
        r[0]
        for r in rows(
            con, "select column_name from information_schema.columns where table_name = 'indicator_targets'"
        )
    }
    if "verdict" in columns:
        return con.sql("select * from indicator_targets order by indicator_id").pl()
    years = con.sql("select * from pub_indicator_cube where breakdown = 'year'").pl()
    cutoff = scalar(con, "select data_cutoff from build_info")
    return assess_targets(BY_ID, years, cutoff, settings().targets)
