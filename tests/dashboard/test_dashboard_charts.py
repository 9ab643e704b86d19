"""Chart builders produce valid Vega-Lite, with suppressed values as gaps rather than zeros."""

from __future__ import annotations

import polars as pl

from dashboard.charts import awards_trend, dimension_trends


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


def test_dimension_trends_leave_suppressed_years_empty():
    frame = pl.concat(
        [
            rows("TRU-1", {"2023": (40.0, None), "2024": (None, "c")}),
            rows("FLX-1", {"2023": (80.0, None), "2024": (None, "z")}),
        ]
    )
    spec = dimension_trends(frame, ("TRU-1", "FLX-1")).to_dict()
    data = next(iter(spec["datasets"].values()))
    by_key = {(d["series"], d["year"]): d for d in data}
    assert by_key[("Trust (TRU-1)", "2024")]["percent"] is None
    assert by_key[("Trust (TRU-1)", "2024")]["note"] == "suppressed (c)"
    assert by_key[("Flexibility (FLX-1)", "2023")]["percent"] == 80.0
    assert "(%)" in spec["title"]["text"]
