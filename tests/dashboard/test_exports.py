"""Chart downloads: the CSV holds exactly the rows shown, with flags and a metadata header; pictures draw.

The rows come from the published figures (here the CLI's JSON, as the page would read them), go through
the same `shown_rows` the charts use, and must come back from the CSV unchanged: suppressed cells blank
with flag `c` and their reason, never 0.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import polars as pl
import pytest

from dashboard import exports
from dashboard.dimension_page import View, shown_rows
from dashboard.filters import FilterState, Options
from dashboard.formatting import provider_type_label
from pipelines.indicators.engine import RESULT_SCHEMA, Filters
from pipelines.indicators.registry import get
from tests.dashboard.test_pages_apptest import cli

pytestmark = pytest.mark.build

BUILD = {"build_id": "abc123", "built_at": "2026-01-02 03:04 UTC", "data_cutoff": "2025-12-31"}
OPTIONS = Options(
    (2019, 2025), ("DE", "NL"), ("vet",), ("NL32",), ("06",), (5,), (("NL32", "Noord-Holland"),)
)


def view(state: FilterState | None = None) -> View:
    state = state or FilterState(2019, 2025)
    return View(None, OPTIONS, state, state.to_filters(OPTIONS), BUILD, "Trust")  # type: ignore[arg-type]


def published(records: list[dict]) -> pl.DataFrame:
    frame = pl.DataFrame(records, schema={**RESULT_SCHEMA, "name": pl.String, "unit": pl.String})
    return frame.select(list(RESULT_SCHEMA)).with_columns(pl.lit(None, pl.String).alias("suppression"))


def test_csv_round_trip_keeps_rows_flags_and_metadata(small_warehouse: Path):
    # a slice where some regions are published and some suppressed
    for ptype in ("vet", "employer", "private", "sector_body", "ngo", "public_body", "higher_education"):
        rows = published(cli(small_warehouse, "--by", "region", "-i", "TRU-4", "--provider-type", ptype))
        if {"c", None} <= set(rows["flag"].to_list()):
            break
    else:
        pytest.skip("no slice of the small ecosystem mixes published and suppressed regions")
    v = View(
        None, OPTIONS, FilterState(2019, 2025, (), (ptype,)), Filters(provider_types=(ptype,)), BUILD, "Trust"
    )
    v.extra_query = {"ind": "TRU-4", "by": "region"}
    table = shown_rows(rows, "region", v)
    meta = exports.metadata(
        "Third-party verification rate by region (%)", [get("TRU-4")], v.describe, v.query, BUILD, "Trust"
    )
    data = exports.csv_bytes(table, meta)

    header, back = exports.read_csv(data)
    assert back.columns == table.columns
    assert back.height == table.height
    assert back["breakdown_value"].to_list() == rows["breakdown_value"].to_list()
    assert back["flag"].to_list() == rows["flag"].to_list()
    for got, want in zip(back["value"].to_list(), rows["value"].to_list(), strict=True):
        assert (got is None and want is None) or got == pytest.approx(want)
    suppressed = back.filter(pl.col("flag") == "c")
    assert suppressed["value"].null_count() == suppressed.height  # blank, never 0

    assert header["title"] == "Third-party verification rate by region (%)"
    assert header["filters"] == f"2019–2025 · all countries · {provider_type_label(ptype)}"
    assert header["view"] == f"page Trust ?ptype={ptype}&ind=TRU-4&by=region"
    assert header["build_id"] == "abc123" and header["data_cutoff"] == "2025-12-31"
    assert header["indicator TRU-4"].startswith("Third-party verification rate (percent (%)).")
    assert header["numerator TRU-4"] == get("TRU-4").numerator_text
    assert header["denominator TRU-4"] == get("TRU-4").denominator_text
    assert "c = confidential" in header["flags"]
    assert header["licence"] and header["citation"].startswith("Microcredential Observatory (2026).")
    assert "Build abc123" in header["citation"]


def test_labels_and_reasons_in_the_rows():
    rows = published(
        [
            {"indicator_id": "TRU-1", "breakdown": "region", "breakdown_value": "NL32", "numerator": 50.0,
             "denominator": 100.0, "value": 50.0, "flag": None},
            {"indicator_id": "TRU-1", "breakdown": "region", "breakdown_value": "NL33", "numerator": None,
             "denominator": None, "value": None, "flag": "c"},
        ]
    )  # fmt: skip
    table = shown_rows(rows, "region", view())
    assert table["label"].to_list() == ["NL32 – Noord-Holland", "NL33"]
    assert table["value_shown"].to_list() == ["50.0 %", "suppressed (c)"]
    assert table["note"].to_list() == ["", "suppressed: denominator below 20"]


def test_metadata_has_one_line_per_key_and_no_line_breaks():
    meta = exports.metadata("T", [get("OUT-1b")], "x\ny", {}, {}, "Outcomes", notes=["a\nb"])
    data = exports.csv_bytes(pl.DataFrame({"a": [1]}), meta)
    header_lines = [line for line in data.decode().splitlines() if line.startswith("#")]
    assert len(header_lines) == len(meta)
    assert meta["view"] == "page Outcomes (no filters: the default view)"
    assert meta["build_id"] == "unknown"


def test_pictures_are_drawn_offline():
    chart = (
        alt.Chart(pl.DataFrame({"year": ["2024", "2025"], "value": [1.0, 2.0]}).to_pandas())
        .mark_bar()
        .encode(x="year:O", y="value:Q")
    )
    png = exports.png_bytes(chart)
    assert png.startswith(b"\x89PNG")
    svg = exports.svg_bytes(chart)
    assert svg.lstrip().startswith(b"<svg") and b"2025" in svg


def test_no_filters_view_has_an_empty_link():
    assert view().query == {} and view().filters == Filters()
    assert exports.slug("Awards issued per year (count)") == "awards-issued-per-year-count"
