"""Labour-market outcomes: employment, employment gain, earnings and related jobs, beside their coverage."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, data, exports, widgets
from dashboard.dimension_page import (
    COVERAGE_ID,
    Figures,
    View,
    chart_with_downloads,
    coverage_cells,
    render,
    shown_rows,
    subtitle,
)
from dashboard.formatting import BREAKDOWN_LABELS, BREAKDOWN_NOUNS, format_value
from dashboard.pages import spec
from pipelines.indicators import published_outcomes
from pipelines.indicators.registry import get

SPEC = spec("outcomes")
QUARTILES = {"OUT-3q1": "low", "OUT-3md": "mid", "OUT-3q3": "high"}


def earnings(view: View, figs: Figures) -> None:
    st.subheader("Earnings at 12 months")
    by = "country"
    rows = shown_rows(view.indicators(tuple(QUARTILES), by), by, view)
    if rows.is_empty():
        st.info("No earnings figures in this view.", icon=":material/info:")
        return
    rows = rows.join(coverage_cells(view, by), on="breakdown_value", how="left")
    wide = (
        rows.with_columns(pl.col("indicator_id").replace_strict(QUARTILES).alias("q"))
        .group_by("label", maintain_order=True)
        .agg(
            pl.col("value").filter(pl.col("q") == "low").first().alias("low"),
            pl.col("value").filter(pl.col("q") == "mid").first().alias("mid"),
            pl.col("value").filter(pl.col("q") == "high").first().alias("high"),
            pl.col("flag").drop_nulls().first().alias("flag"),
            pl.col("note").filter(pl.col("note") != "").first().alias("note"),
            pl.col("coverage_out5").first().alias("coverage_out5"),
            pl.col("coverage_out5_flag").first().alias("coverage_out5_flag"),
        )
        .with_columns(pl.col("note").fill_null(""))
    )
    wide = wide.with_columns(
        pl.struct("coverage_out5", "coverage_out5_flag")
        .map_elements(
            lambda r: format_value(r["coverage_out5"], "%", r["coverage_out5_flag"]), return_dtype=pl.String
        )
        .alias("coverage_text")
    )
    title = f"Monthly earnings of the employed at 12 months by {BREAKDOWN_NOUNS[by]} (€ per month)"
    chart = charts.ranges(
        wide,
        title,
        subtitle(view, get("OUT-3md"), "bar: lower to upper quartile, tick: median"),
        "EUR/month",
        BREAKDOWN_LABELS[by],
    )
    chart_with_downloads(
        chart,
        rows,
        title,
        [get(i) for i in QUARTILES] + [get(COVERAGE_ID)],
        view,
        "earnings",
        caption="Hover for each country's outcome coverage (OUT-5); the CSV has it beside each figure.",
    )


PUBLISHED_TITLE = "Published outcome data from credential registries (not computed by the observatory)"


def published(view: View) -> None:
    """What credential registries (CTDL) publish about holders' outcomes, apart from our own figures."""
    st.subheader(PUBLISHED_TITLE)
    if published_outcomes.TABLE not in data.table_names(view.wh):
        st.info("This build holds no published outcome data.", icon=":material/info:")
        return
    frame = data.published_outcome_data(view.wh)
    if frame.is_empty():
        st.info("No credential file in this build published outcome data.", icon=":material/info:")
        return
    st.caption(
        "Figures as the registry states them for each credential (CTDL AggregateDataProfile), with their "
        "source and period. They are not learner-level, not filtered by this view, not under the "
        "observatory's disclosure control, and never mixed into the indicators above."
    )
    st.dataframe(frame.drop("credential_id"), hide_index=True, width="stretch")
    meta = exports.metadata(
        PUBLISHED_TITLE,
        [],
        view.describe,
        view.query,
        view.build,
        view.page,
        ["published by credential registries as read from the delivered CTDL files; not computed here"],
    )
    widgets.csv_button(
        "Data (CSV)",
        exports.csv_bytes(frame, meta),
        f"mco_{exports.slug(PUBLISHED_TITLE)}.csv",
        "csv_published_outcomes",
    )


def extra(view: View, figs: Figures) -> None:
    earnings(view, figs)
    published(view)


render(SPEC, extra)
