"""Transparency: Annex I completeness of credential specifications and the elements most often missing."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, data
from dashboard.dimension_page import (
    Figures,
    View,
    chart_with_downloads,
    for_chart,
    render,
    subtitle,
)
from dashboard.formatting import flag_reason, format_value
from dashboard.pages import spec
from pipelines.indicators.registry import get

SPEC = spec("transparency")
SERIES = {"specifications": "Specifications on offer", "awards": "Awards"}


def missing_elements(view: View, figs: Figures) -> None:
    st.subheader("Which Annex I elements are missing most often")
    st.caption(
        "The mandatory elements of the EU standard (Council Recommendation 2022/C 243/02, Annex I). "
        "Specifications are checked for the nine elements that describe the offer; awards for all eleven, "
        "including the learner's identification and the date of issue."
    )
    found = data.annex_missing(view.wh, view.filters)
    rows = found.select(
        pl.col("element"),
        pl.col("element_label").alias("label"),
        pl.col("counted_over"),
        pl.col("counted_over").replace_strict(SERIES).alias("series"),
        pl.col("value"),
        pl.struct("value", "flag")
        .map_elements(lambda r: format_value(r["value"], "%", r["flag"]), return_dtype=pl.String)
        .alias("value_shown"),
        pl.col("numerator"),
        pl.col("denominator"),
        pl.col("flag"),
        pl.col("suppression"),
        pl.col("flag")
        .map_elements(lambda f: flag_reason(None, f, None), return_dtype=pl.String)
        .fill_null("")
        .alias("note"),
    )
    title = "Share missing each mandatory Annex I element (%)"
    chart = charts.comparison(
        for_chart(rows),
        title,
        subtitle(view, extra="specifications with an award in the period; awards issued in the period"),
        "%",
        "Element",
        series=True,
    )
    chart_with_downloads(
        chart,
        rows,
        title,
        [get("TRA-1"), get("TRA-2")],
        view,
        "annex_missing",
        caption="An element missing from a specification is missing from every award of it, so the two "
        "shares differ by how many awards each specification has.",
        notes=["value = records missing the element / records in view x 100"],
    )


render(SPEC, missing_elements)
