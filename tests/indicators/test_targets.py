"""Targets as a trajectory and complete years, on hand-built series."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.errors import ObservatoryError
from pipelines.indicators.registry import BY_ID
from pipelines.indicators.targets import (
    TargetSpec,
    assess,
    last_complete_year,
    latest_complete_year,
    least_squares,
    trajectory,
    trajectory_table,
    window_closes,
    window_months,
)
from pipelines.settings import load

pytestmark = pytest.mark.unit

UP = BY_ID["TRU-2"]  # a share, higher is better, no window
DOWN = next(i for i in BY_ID.values() if i.direction == "down")
STACK = BY_ID["FLX-1"]  # 36-month window


def cells(ind_id: str, values: dict[int, float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_id": [ind_id] * len(values),
            "breakdown": ["year"] * len(values),
            "breakdown_value": [str(y) for y in values],
            "value": list(values.values()),
            "flag": [None if v is not None else "c" for v in values.values()],
        },
        schema_overrides={"value": pl.Float64},
    )


def test_windows_read_off_the_sql():
    assert window_months(UP) == 0
    assert window_months(STACK) == 36
    assert window_months(BY_ID["OUT-5"]) == 12
    # a gap has its source's window (INC-3s: FLX-1's 36 months of stacking), a growth its count's
    assert window_months(BY_ID["INC-3s"]) == window_months(BY_ID["FLX-1"]) == 36
    assert window_months(BY_ID["ADO-2"]) == window_months(BY_ID["ADO-1"]) == 0
    assert window_closes(STACK, 2023) == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("ind", "cutoff", "year"),
    [
        (UP, date(2025, 12, 31), 2025),
        (UP, date(2025, 6, 30), 2024),
        (STACK, date(2025, 12, 31), 2022),
        (STACK, date(2025, 12, 30), 2021),
    ],
)
def test_last_complete_year(ind, cutoff, year):
    assert last_complete_year(ind, cutoff) == year


def test_latest_complete_year_skips_open_and_suppressed_years():
    years = cells(STACK.id, {2020: 10.0, 2021: 12.0, 2022: None, 2023: 3.0, 2024: 1.0})
    assert latest_complete_year(STACK, years, date(2025, 12, 31)) == 2021
    assert latest_complete_year(STACK, cells(STACK.id, {2024: 1.0}), date(2025, 12, 31)) is None


def test_least_squares_is_exact_on_a_line():
    slope, intercept = least_squares([(2020, 10.0), (2021, 12.0), (2022, 14.0)])
    assert slope == pytest.approx(2.0)
    assert intercept + slope * 2030 == pytest.approx(30.0)


def test_on_track_higher_is_better():
    t = TargetSpec(UP.id, 60.0, 2030, baseline_year=2020, baseline_value=20.0)
    tr = trajectory(UP, [(2020, 20.0), (2021, 22.0), (2022, 30.0), (2023, 35.0), (2024, 40.0)], t)
    assert tr.verdict == "on_track"
    assert tr.trend_from == 2022 and tr.slope == pytest.approx(5.0)
    assert tr.projected_value == pytest.approx(70.0)
    assert tr.gap == pytest.approx(-10.0)  # the projection passes the target by 10
    assert tr.path_value == pytest.approx(36.0)  # 20 + 4/10 x 40
    assert tr.ahead_of_path == pytest.approx(4.0)
    assert tr.method == "least squares over the last 3 complete years"


def test_off_track_with_the_gap_in_the_unit():
    t = TargetSpec(UP.id, 90.0, 2030)
    tr = trajectory(UP, [(2022, 30.0), (2023, 31.0), (2024, 32.0)], t)
    assert tr.verdict == "off_track"
    assert tr.projected_value == pytest.approx(38.0)
    assert tr.gap == pytest.approx(52.0)
    assert (tr.baseline_year, tr.baseline_value) == (2022, 30.0)  # default: first complete year


def test_lower_is_better():
    t = TargetSpec(DOWN.id, 5.0, 2030, baseline_year=2022)
    falling = trajectory(DOWN, [(2022, 20.0), (2023, 17.0), (2024, 14.0)], t)
    assert falling.verdict == "on_track"
    assert falling.projected_value == pytest.approx(-4.0)
    assert falling.gap == pytest.approx(-9.0)
    rising = trajectory(DOWN, [(2022, 20.0), (2023, 21.0), (2024, 22.0)], t)
    assert rising.verdict == "off_track" and rising.gap == pytest.approx(23.0)
    assert rising.ahead_of_path < 0  # behind the path: the value rose while it should fall
    met = trajectory(DOWN, [(2023, 6.0), (2024, 4.0)], t)
    assert met.verdict == "met" and met.gap == pytest.approx(-1.0)


def test_met_needs_no_trend():
    tr = trajectory(UP, [(2024, 95.0)], TargetSpec(UP.id, 90.0, 2030))
    assert tr.verdict == "met" and tr.gap == pytest.approx(-5.0) and tr.slope is None


@pytest.mark.parametrize(
    ("series", "why"),
    [
        ([], "no_complete_year"),
        ([(2024, 40.0)], "too_few_years"),
        ([(2020, 40.0), (2024, 41.0)], "too_few_years"),
    ],
)
def test_no_data(series, why):
    tr = trajectory(UP, series, TargetSpec(UP.id, 90.0, 2030))
    assert tr.verdict == "no_data" and tr.why == why and tr.gap is None


def test_target_year_passed_unmet_is_off_track():
    tr = trajectory(UP, [(2026, 40.0), (2027, 50.0), (2028, 60.0)], TargetSpec(UP.id, 90.0, 2027))
    assert tr.verdict == "off_track"


def test_trend_years_configurable():
    series = [(2020, 10.0), (2021, 50.0), (2022, 20.0), (2023, 21.0), (2024, 22.0)]
    assert trajectory(UP, series, TargetSpec(UP.id, 90.0, 2030, trend_years=5)).trend_from == 2020
    assert trajectory(UP, series, TargetSpec(UP.id, 90.0, 2030, trend_years=2)).slope == pytest.approx(1.0)


def test_assess_uses_complete_years_only():
    # 2023 and 2024 are still inside the 36-month window on the cut-off: their low values must not count
    years = cells(STACK.id, {2019: 20.0, 2020: 22.0, 2021: 24.0, 2022: 26.0, 2023: 5.0, 2024: 1.0})
    tr = assess(STACK, years, date(2025, 12, 31), TargetSpec(STACK.id, 30.0, 2030))
    assert tr.latest_year == 2022 and tr.verdict == "on_track"
    table = trajectory_table([tr])
    assert table.height == 1 and table["verdict"].to_list() == ["on_track"]


def test_target_settings_take_a_baseline_and_trend_years(tmp_path):
    config = tmp_path / "observatory.toml"
    config.write_text(
        '[[targets]]\nindicator = "TRU-2"\nvalue = 75.0\nyear = 2028\nbaseline_year = 2020\n'
        "baseline_value = 12.5\ntrend_years = 4\n",
        encoding="utf-8",
    )
    (t,) = load({"MCO_CONFIG": str(config)}).targets
    assert (t.baseline_year, t.baseline_value, t.trend_years) == (2020, 12.5, 4)
    tr = trajectory(UP, [(2021, 20.0), (2022, 30.0)], t)
    assert (tr.baseline_year, tr.baseline_value, tr.trend_years) == (2020, 12.5, 4)
    config.write_text('[[targets]]\nindicator = "TRU-2"\nvalue = 75.0\nyear = 2028\ntrend_years = 1\n')
    with pytest.raises(ObservatoryError, match="trend_years"):
        load({"MCO_CONFIG": str(config)})
