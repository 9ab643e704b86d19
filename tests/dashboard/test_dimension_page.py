"""The words and rows a dimension page builds from published cells (inline cells, no warehouse): the
too-recent years said in words, a chart's one-sentence summary, a target's trajectory rows."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboard.dimension_page import View, flagged_text, shown_rows, summary, trajectory_rows
from dashboard.filters import FilterState, Options
from pipelines.indicators.engine import RESULT_SCHEMA
from pipelines.indicators.registry import get

pytestmark = pytest.mark.unit

BUILD = {"build_id": "abc", "built_at": "2026-01-01 00:00 UTC", "data_cutoff": "2025-12-31"}
OPTIONS = Options((2019, 2025), ("DE",), ("vet",))


def view() -> View:
    state = FilterState(2019, 2025)
    return View(None, OPTIONS, state, state.to_filters(OPTIONS), BUILD, "Flexibility")  # type: ignore[arg-type]


def cells(indicator_id: str, values: dict[str, tuple[float | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_id": [indicator_id] * len(values),
            "breakdown": ["year"] * len(values),
            "breakdown_value": list(values),
            "value": [v for v, _ in values.values()],
            "numerator": [None] * len(values),
            "denominator": [None] * len(values),
            "flag": [f for _, f in values.values()],
        },
        schema={k: RESULT_SCHEMA[k] for k in RESULT_SCHEMA if k in ("value", "numerator", "denominator")}
        | {
            "indicator_id": pl.String,
            "breakdown": pl.String,
            "breakdown_value": pl.String,
            "flag": pl.String,
        },
    ).with_columns(pl.lit(None, pl.String).alias("suppression"))


def test_a_year_whose_window_is_open_is_too_recent_in_words_not_z():
    rows = shown_rows(cells("FLX-1", {"2022": (60.0, None), "2023": (None, "z")}), "year", view())
    assert rows["complete"].to_list() == [True, False]
    assert rows["note"][1] == "too recent: the 36-month window closes in 2026"
    text = flagged_text(rows)
    assert text == "Grey band, not a decline: 2023: too recent: the 36-month window closes in 2026."
    assert "z" not in text.split(":")[0]


def test_a_suppressed_complete_year_keeps_its_flag_linked_to_the_glossary():
    rows = shown_rows(cells("TRU-1", {"2024": (None, "c"), "2025": (50.0, None)}), "year", view())
    assert rows["complete"].to_list() == [True, True]
    assert flagged_text(rows).startswith("Not drawn: **[c](glossary#flag-c)** (suppressed")


def test_a_trend_is_summed_up_by_its_span_and_latest_complete_year():
    rows = shown_rows(
        cells("FLX-1", {"2021": (58.0, None), "2022": (60.0, None), "2023": (30.0, None)}), "year", view()
    )
    assert summary(rows) == "Per year from 2021 to 2023; latest complete year 2022: 60.0 %."


def test_trajectory_rows_draw_path_projection_and_target():
    t = {
        "baseline_year": 2021,
        "baseline_value": 40.0,
        "target_year": 2030,
        "target_value": 90.0,
        "latest_year": 2022,
        "projected_value": 58.0,
        "slope": 2.0,
        "trend_from": 2021,
    }
    years = cells("TRU-1", {"2021": (40.0, None), "2022": (42.0, None)})
    rows = trajectory_rows(get("TRU-1"), t, years, date(2022, 12, 31))
    by_kind = {k: g.sort("year").rows() for (k,), g in rows.group_by("kind")}
    assert by_kind["published"] == [(2021, 40.0, "published"), (2022, 42.0, "published")]
    assert by_kind["path"] == [(2021, 40.0, "path"), (2030, 90.0, "path")]
    assert by_kind["projection"] == [(2021, 40.0, "projection"), (2030, 58.0, "projection")]
    assert by_kind["target"] == [(2030, 90.0, "target")]
