"""Figures read off published cells (pipelines/indicators/derived.py) and the zero cells of a code-list
breakdown (engine), on hand-built cells."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.disclosure import Disclosure
from pipelines.indicators import derived, engine
from pipelines.indicators.registry import BY_ID

pytestmark = pytest.mark.unit

RULES = Disclosure()


def years(indicator_id: str, values: dict[int, tuple[float | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_id": [indicator_id] * len(values),
            "breakdown": ["year"] * len(values),
            "breakdown_value": [str(y) for y in values],
            "value": [v for v, _ in values.values()],
            "flag": [f for _, f in values.values()],
        },
        schema_overrides={"value": pl.Float64, "flag": pl.String},
    )


def test_a_count_changes_in_percent_a_share_in_points():
    assert derived.change_on_last_year(
        BY_ID["ADO-3"], years("ADO-3", {2020: (200, None), 2021: (250, None)})
    ) == (derived.Change(2021, 25.0))
    share = derived.change_on_last_year(
        BY_ID["TRU-1"], years("TRU-1", {2020: (40.0, None), 2021: (42.5, None)})
    )
    assert share == derived.Change(2021, 2.5)


def test_a_count_with_a_growth_indicator_reads_its_latest_cell():
    growth = years("ADO-2", {2020: (None, "z"), 2021: (12.5, None)})
    assert derived.change_on_last_year(BY_ID["ADO-1"], pl.DataFrame(), growth) == derived.Change(
        2021, 12.5, growth="ADO-2"
    )
    hidden = years("ADO-2", {2021: (None, "c")})
    assert derived.change_on_last_year(BY_ID["ADO-1"], pl.DataFrame(), hidden).why == "suppressed"


@pytest.mark.parametrize(
    ("cells", "why"),
    [
        ({2021: (None, "z")}, "no_data"),
        ({2020: (10.0, None), 2021: (None, "c")}, "suppressed"),
        ({2019: (10.0, None), 2021: (12.0, None)}, "no_previous"),
        ({2020: (None, "c"), 2021: (12.0, None)}, "previous_suppressed"),
    ],
)
def test_no_change_says_why(cells, why):
    assert derived.change_on_last_year(BY_ID["TRU-1"], years("TRU-1", cells)).why == why


def test_target_progress_from_the_latest_published_year():
    up = derived.target_progress(
        BY_ID["TRU-1"], years("TRU-1", {2020: (45.0, None), 2021: (None, "c")}), 90.0
    )
    assert up == derived.Progress(2020, 45.0, 50.0, False)
    down = next(i for i in BY_ID.values() if i.direction == "down")
    assert derived.target_progress(down, years(down.id, {2021: (4.0, None)}), 2.0) == derived.Progress(
        2021, 4.0, 50.0, False
    )
    assert (
        derived.target_progress(BY_ID["TRU-1"], years("TRU-1", {2021: (None, "c")}), 90.0)
        == derived.Progress()
    )


def test_coverage_is_the_share_of_the_bases_records_a_figure_counts():
    tra2 = BY_ID["TRA-2"]  # nine elements per specification
    row = {"flag": None, "denominator": 9 * 150.0}
    assert derived.coverage(tra2, row, 200, RULES) == derived.Coverage("share", 75.0, 150.0, 200)
    assert derived.coverage(tra2, {"flag": "c", "denominator": None}, 200, RULES).status == "hidden"
    assert derived.coverage(tra2, row, 15, RULES).status == "suppressed"  # below the denominator threshold
    assert derived.coverage(BY_ID["ADO-1"], None, None, RULES).status == "all"
    assert derived.coverage(BY_ID["OUT-1b"], None, None, RULES).status == "outcomes"


def test_a_code_list_breakdown_has_a_zero_cell_for_every_code_without_records():
    cells = pl.DataFrame(
        {
            "indicator_id": ["FLX-5"] * 2,
            "breakdown": ["vpl_outcome"] * 2,
            "breakdown_value": ["access", "unknown"],
            "numerator": [25.0, 0.0],
            "denominator": [None, None],
            "value": [25.0, 0.0],
            "flag": [None, None],
            "p_numerator": [26.0, 0.0],
            "p_denominator": [None, None],
            "p_value": [26.0, 0.0],
        },
        schema_overrides={"denominator": pl.Float64, "p_denominator": pl.Float64, "flag": pl.String},
    )
    public = engine.published(cells, RULES)
    codes = engine.code_list("vpl_outcome")
    assert set(public["breakdown_value"]) == {*codes, "unknown"}
    zeros = public.filter(~pl.col("breakdown_value").is_in(["access", "unknown"]))
    assert zeros.height == len(codes) - 1
    assert zeros["value"].to_list() == [0.0] * zeros.height and zeros["flag"].null_count() == zeros.height
    assert (
        public.filter(pl.col("breakdown_value") == "access")["value"].item() == 26.0
    )  # perturbed, as before


# --- The headline: latest complete year ----------------------------------------------------------


def test_the_headline_is_the_latest_complete_year_never_an_incomplete_one():
    from datetime import date

    # FLX-1 counts a second award within 36 months: on 2025-12-31 the last complete year is 2022
    ind = BY_ID["FLX-1"]
    cells = years("FLX-1", {2020: (30.0, None), 2021: (32.0, None), 2022: (35.5, None), 2023: (10.0, None)})
    found = derived.headline(ind, cells, date(2025, 12, 31))
    assert found.year == 2022 and found.row["value"] == 35.5
    assert found.change == derived.Change(2022, 3.5)  # on 2021, in percentage points; 2023 never counts
    assert found.series == ((2020, 30.0), (2021, 32.0), (2022, 35.5))
    assert found.recent == ((2023, date(2026, 12, 31)),)
    assert derived.window_text(found.window_months, found.recent[0][1]) == (
        "too recent: the 36-month window closes in 2026"
    )


def test_a_suppressed_latest_complete_year_is_the_headline_with_no_change():
    from datetime import date

    cells = years("TRU-1", {2024: (50.0, None), 2025: (None, "c")})
    found = derived.headline(BY_ID["TRU-1"], cells, date(2025, 12, 31))
    assert found.year == 2025 and found.row["flag"] == "c"
    assert found.change.why == "suppressed" and found.change.value is None
    assert found.series == ((2024, 50.0), (2025, None))


def test_no_complete_year_gives_no_headline():
    from datetime import date

    cells = years("FLX-1", {2024: (None, "z"), 2025: (None, "z")})
    found = derived.headline(BY_ID["FLX-1"], cells, date(2025, 12, 31))
    assert found.year is None and found.row is None and found.change.why == "no_data"
    assert [y for y, _ in found.recent] == [2024, 2025]


def test_a_count_headline_changes_by_its_growth_indicator_of_that_year():
    from datetime import date

    awards = years("ADO-1", {2023: (100.0, None), 2024: (120.0, None)})
    growth = years("ADO-2", {2023: (5.0, None), 2024: (20.0, None), 2025: (1.0, None)})
    found = derived.headline(BY_ID["ADO-1"], awards, date(2025, 6, 30), growth)
    assert found.year == 2024  # 2025 is not over on the cut-off
    assert found.change == derived.Change(2024, 20.0, growth="ADO-2")


def test_a_gap_waits_for_the_window_of_what_it_is_the_gap_of():
    from datetime import date

    cells = years("INC-3s", {2022: (-1.0, None), 2023: (2.0, None)})
    found = derived.headline(BY_ID["INC-3s"], cells, date(2025, 12, 31))
    assert found.year == 2022 and found.window_months == 36
