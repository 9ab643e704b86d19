"""Chart builders produce valid Vega-Lite; a suppressed value is never drawn as a zero, and it is flagged.

The policy pages' charts take "shown" rows (label, value, value_text, flag, note, …): the flagged cells
must reach the chart as a flag mark with its reason, never as a bar, dot or line point.
"""

from __future__ import annotations

import re

import polars as pl
import pytest

from dashboard.charts import accessible, awards_trend, comparison, small_multiples, trajectory, trend

pytestmark = pytest.mark.unit


def rows(indicator_id: str, values: dict[str, tuple[float | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_id": [indicator_id] * len(values),
            "breakdown": ["year"] * len(values),
            "breakdown_value": list(values),
            "numerator": [v for v, _ in values.values()],
            "denominator": [100.0 if v is not None else None for v, _ in values.values()],
            "value": [v for v, _ in values.values()],
            "flag": [f for _, f in values.values()],
        },
        schema_overrides={"numerator": pl.Float64, "denominator": pl.Float64, "value": pl.Float64},
    )


def test_awards_trend_has_unit_tooltips_and_growth():
    awards = rows("ADO-1", {"2023": (120.0, None), "2024": (150.0, None)})
    growth = rows("ADO-2", {"2023": (None, "z"), "2024": (25.0, None)})
    spec = awards_trend(awards, growth).to_dict()
    assert "(count)" in spec["title"]["text"]
    assert {t["title"] for t in spec["encoding"]["tooltip"]} >= {"Year", "Awards issued"}
    data = next(iter(spec["datasets"].values()))
    assert [(d["year"], d["awards"], d["growth"]) for d in data] == [
        ("2023", 120.0, "n/a"),
        ("2024", 150.0, "25.0 %"),
    ]


def shown(values: dict[str, tuple[float | None, str | None]], series: str | None = None) -> pl.DataFrame:
    """Rows as dimension_page.shown_rows makes them (with the chart's column names)."""
    notes = {"c": "suppressed: denominator below 20", "z": "not applicable", None: ""}
    frame = pl.DataFrame(
        {
            "indicator_id": ["TRU-1"] * len(values),
            "label": list(values),
            "year": list(values),
            "value": [v for v, _ in values.values()],
            "value_text": ["x"] * len(values),
            "numerator": [None] * len(values),
            "denominator": [None] * len(values),
            "flag": [f for _, f in values.values()],
            "note": [notes[f] for _, f in values.values()],
        },
        schema_overrides={"value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64},
    )
    return frame.with_columns(pl.lit(series).alias("series")) if series else frame


def layers_with_data(spec: dict) -> list[tuple[dict, list[dict]]]:
    """Each layer with the rows it draws (its own data, else the chart's, after its filter)."""
    datasets = spec["datasets"]
    top = datasets[spec["data"]["name"]] if "data" in spec else []
    out = []
    for layer in spec["layer"]:
        rows = datasets[layer["data"]["name"]] if "data" in layer else top
        for step in layer.get("transform", []):
            if isinstance(step.get("filter"), str):
                rows = [r for r in rows if passes(step["filter"], r)]
        out.append((layer, rows))
    return out


def passes(expression: str, row: dict) -> bool:
    """A Vega filter of the charts' simple form (`datum.a == ''`, `!datum.b`, joined by `&&`) on a row."""
    python = re.sub(r"datum\.(\w+)", r"row.get('\1')", expression)
    python = python.replace("&&", " and ").replace("||", " or ")
    python = re.sub(r"!(?!=)", " not ", python)
    return bool(eval(python, {}, {"row": row}))  # noqa: S307 (the test's own chart filters)


def test_trend_draws_flagged_years_as_their_flag_not_as_values():
    frame = shown({"2022": (40.0, None), "2023": (None, "c"), "2024": (None, "z")})
    spec = trend(frame, "Quality-assured share per year (%)", "all", "%").to_dict()
    assert spec["title"]["text"].endswith("(%)")
    drawn = layers_with_data(spec)
    values = [(layer["mark"]["type"], [r["year"] for r in rows]) for layer, rows in drawn]
    assert ("point", ["2022"]) in values
    line = next(layer for layer, _ in drawn if layer["mark"]["type"] == "line")
    assert line["mark"]["invalid"] == "break-paths-filter-domains"  # a gap, not a bridge, and never a 0
    line_rows = next(rows for layer, rows in drawn if layer["mark"]["type"] == "line")
    assert [r["value"] for r in line_rows if r["flag"]] == [None, None]
    text = [rows for layer, rows in drawn if layer["mark"]["type"] == "text"]
    assert len(text) == 1
    assert {(r["year"], r["flag"]) for r in text[0]} == {("2023", "c"), ("2024", "z")}
    assert any("denominator below 20" in r["note"] for r in text[0])


def test_series_trend_names_the_flagged_series_in_the_tooltip():
    frame = pl.concat(
        [shown({"2023": (10.0, None), "2024": (None, "c")}, "A"), shown({"2023": (5.0, None)}, "B")]
    )
    spec = trend(frame, "Two series (%)", "all", "%", series=True).to_dict()
    text = [rows for layer, rows in layers_with_data(spec) if layer["mark"]["type"] == "text"][0]
    assert [(r["year"], r["flag"]) for r in text] == [("2024", "c")]
    assert text[0]["note"].startswith("A: ")


def test_comparison_keeps_flagged_categories_on_the_axis_with_their_flag():
    frame = shown({"NL": (40.0, None), "DE": (55.0, None), "LU": (None, "c")})
    spec = comparison(frame, "By country (%)", "all", "%", "Country", reference=(45.0, "All")).to_dict()
    drawn = layers_with_data(spec)
    points = [rows for layer, rows in drawn if layer["mark"]["type"] == "point"][0]
    assert sorted(r["label"] for r in points) == ["DE", "NL"]
    flags = [rows for layer, rows in drawn if layer["mark"]["type"] == "text"][0]
    assert [r["label"] for r in flags] == ["LU"]
    assert drawn[0][0]["encoding"]["y"]["sort"] == ["DE", "NL", "LU"]  # largest first, flagged last
    rules = [layer for layer, _ in drawn if layer["mark"]["type"] == "rule"]
    assert rules and rules[0]["encoding"]["x"]["datum"] == 45.0


def test_small_multiples_facet_by_country_without_repeating_the_data():
    frame = shown({"2023": (40.0, None), "2024": (None, "c")}).with_columns(
        pl.lit("NL – Netherlands").alias("country_label")
    )
    frame = pl.concat([frame, frame.with_columns(pl.lit("DE – Germany").alias("country_label"))])
    spec = small_multiples(frame, "Per country (%)", "all", "%").to_dict()
    assert spec["facet"]["field"] == "country_label"
    assert "data" not in spec["spec"]  # the facet splits one dataset; a layer with its own would repeat


def test_a_too_recent_year_is_a_grey_band_not_a_point_on_the_line():
    frame = shown({"2022": (40.0, None), "2023": (38.0, None), "2024": (None, "z")}).with_columns(
        pl.Series("complete", [True, False, False]),
        pl.Series("note", ["", "too recent: w", "too recent: w"]),
    )
    spec = trend(frame, "FLX-1 per year (%)", "all", "%").to_dict()
    drawn = layers_with_data(spec)
    line = next(rows for layer, rows in drawn if layer["mark"]["type"] == "line")
    assert [r["year"] for r in line] == ["2022"]  # 2023's lower value is no decline on the line
    hollow = [rows for layer, rows in drawn if layer["mark"].get("filled") is False]
    assert [r["year"] for r in hollow[0]] == ["2023"]
    band = next(rows for layer, rows in drawn if layer["mark"]["type"] == "rect")
    assert [(r["year"], r["window"]) for r in band] == [("2023", "too recent: w"), ("2024", "too recent: w")]
    flags = [r for layer, rows in drawn if layer["mark"]["type"] == "text" for r in rows if "flag" in r]
    assert not [r for r in flags if r["flag"] == "z"]  # no z letter where the window is open


def test_the_benchmark_is_a_dashed_line_named_at_its_end():
    own = shown({"2023": (40.0, None), "2024": (42.0, None)}, "Country")
    bench = shown({"2023": (35.0, None), "2024": (36.0, None)}, "All countries")
    frame = pl.concat(
        [
            own.with_columns(pl.lit(False).alias("benchmark")),
            bench.with_columns(pl.lit(True).alias("benchmark")),
        ]
    )
    spec = trend(frame, "TRU-1 per year (%)", "DE", "%").to_dict()
    drawn = layers_with_data(spec)
    dashed = [
        rows for layer, rows in drawn if layer["mark"]["type"] == "line" and layer["mark"].get("strokeDash")
    ]
    assert [r["value"] for r in dashed[0]] == [35.0, 36.0]
    labels = [
        r for layer, rows in drawn if layer["mark"]["type"] == "text" for r in rows if "line_label" in r
    ]
    assert {(r["line_label"], r["value"]) for r in labels} == {("All countries", 36.0)}


def test_an_accessible_chart_carries_its_description_and_dark_axis_text():
    spec = accessible(
        trend(shown({"2024": (1.0, None)}), "T (%)", "all", "%"), "T (%)", "One year."
    ).to_dict()
    assert spec["description"] == "T (%). One year."
    assert spec["config"]["axis"]["labelColor"] == "#404040"


def test_a_trajectory_draws_path_projection_and_target():
    frame = pl.DataFrame(
        {
            "year": [2021, 2022, 2021, 2030, 2021, 2030, 2030],
            "value": [40.0, 42.0, 40.0, 90.0, 40.0, 58.0, 90.0],
            "kind": ["published", "published", "path", "path", "projection", "projection", "target"],
        }
    )
    spec = trajectory(frame, "TRU-1 target (%)", "x", "%").to_dict()
    kinds = {f["filter"] for layer in spec["layer"] for f in layer.get("transform", []) if "filter" in f}
    assert {f"datum.kind == '{k}'" for k in ("published", "path", "projection", "target")} <= kinds
