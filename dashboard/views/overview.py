"""Overview: a scorecard per success dimension and adoption, the trends, and every indicator for the view.

Each scorecard shows the dimension's headline indicators in their latest complete year, with their
trend, the change on the complete year before, the all-countries value under a filter and the verdict of
a policy target, and links to the dimension's page.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts, exports, widgets
from dashboard.dimension_page import (
    Figures,
    View,
    chart_with_downloads,
    figures,
    footer,
    key_figures_caption,
    row_of,
    series_trend,
    shown_rows,
    start,
    tile,
)
from dashboard.filters import remember, show_page_notices, sync_query, url_flag
from dashboard.formatting import (
    DIMENSION_INTROS,
    DIMENSION_LABELS,
    FLAG_HELP,
    FLAG_MEANINGS,
    flag_reason,
    format_value,
)
from dashboard.pages import BY_NAME, SCORECARD
from pipelines.indicators.registry import DIMENSIONS, INDICATORS, get

SUCCESS = ("trust", "transparency", "innovation", "flexibility")
KEY_ALL, PARAM_ALL = "overview_all", "all"  # the table of every indicator: shown on demand (`?all=1`)
SUCCESS_HEADLINES = tuple(
    i.id for d in SUCCESS for i in INDICATORS if i.dimension == d and i.headline and i.unit == "%"
)


def scorecard(view: View, dimension: str, figs: Figures) -> None:
    with st.container(border=True):
        head, body = st.columns([1, 3.2], gap="medium")
        with head:
            st.markdown(f"#### {DIMENSION_LABELS[dimension]}")
            st.caption(DIMENSION_INTROS.get(dimension, ""))
            st.page_link(
                BY_NAME[dimension].file,
                label="In detail",
                icon=":material/arrow_forward:",
            )
        with body:
            ids = SCORECARD[dimension]
            for column, indicator_id in zip(st.columns(len(ids)), ids, strict=True):
                with column:
                    tile(get(indicator_id), figs, view)


def _table(overall: pl.DataFrame) -> pl.DataFrame:
    """All indicators for the view, as published: suppressed cells blank, flags kept."""
    rows = []
    for ind in INDICATORS:
        row = row_of(overall, ind.id) or {"value": None, "numerator": None, "denominator": None, "flag": "z"}
        rows.append(
            {
                "Dimension": DIMENSION_LABELS[ind.dimension],
                "ID": ind.id,
                "Indicator": ind.name,
                "Value": format_value(row["value"], ind.unit, row["flag"]),
                "Unit": ind.unit,
                "Numerator": row["numerator"],
                "Denominator": row["denominator"],
                "Flag": row["flag"] or "",
            }
        )
    return pl.DataFrame(rows, schema_overrides={"Numerator": pl.Float64, "Denominator": pl.Float64})


def _download(overall: pl.DataFrame, view: View) -> bytes:
    """Every indicator for the view, with its definition in columns and the view's metadata above."""
    meta = pl.DataFrame(
        [
            {
                "indicator_id": i.id,
                "name": i.name,
                "dimension": i.dimension,
                "unit": i.unit,
                "definition": i.definition,
                "numerator_definition": i.numerator_text,
                "denominator_definition": i.denominator_text or "",
                "period_basis": i.period_basis,
            }
            for i in INDICATORS
        ]
    )
    out = meta.join(overall.drop("breakdown", "breakdown_value"), on="indicator_id", how="left").with_columns(
        pl.struct("indicator_id", "flag", "suppression")
        .map_elements(
            lambda r: flag_reason(r["indicator_id"], r["flag"], r["suppression"]), return_dtype=pl.String
        )
        .alias("note"),
        pl.lit(view.describe).alias("filters"),
        pl.lit(view.build.get("build_id", "")).alias("build_id"),
        pl.lit(view.build.get("data_cutoff", "")).alias("data_cutoff"),
    )
    header = exports.metadata("All indicators", [], view.describe, view.query, view.build, view.page)
    return exports.csv_bytes(out, header)


def main() -> None:
    view = start(
        "Overview",
        "Micro-credentials at a glance",
        "Are micro-credentials trusted, transparent, innovative and flexible, and how widely are they "
        "used? Headline indicators of the Microcredential Observatory; figures follow the disclosure rules "
        "on the Methodology page.",
    )
    ids = tuple(i for d in SCORECARD.values() for i in d)
    figs = figures(view, ids)

    st.subheader("Scorecards")
    st.caption(
        key_figures_caption(view)
        + " Counts change in percent; a policy target shows its trajectory and verdict (on track, off "
        "track, met or no data) with the gap in the indicator's unit."
    )
    for dimension in DIMENSIONS:
        if dimension in SCORECARD:
            scorecard(view, dimension, figs)

    st.subheader("Trends")
    yearly = view.indicators(("ADO-1",), "year")
    growth = figs.growth if figs.growth is not None else view.indicators(("ADO-2",), "year")
    left, right = st.columns(2, gap="large")
    with left:
        rows = shown_rows(pl.concat([yearly.filter(pl.col("indicator_id") == "ADO-1"), growth]), "year", view)
        chart_with_downloads(
            charts.awards_trend(yearly, growth),
            rows,
            "Awards issued per year (count)",
            [get("ADO-1"), get("ADO-2")],
            view,
            "overview_awards",
            caption="The change on the previous year (ADO-2) is in the tooltip and the CSV.",
            drawn=rows.filter(pl.col("indicator_id") == "ADO-1"),
        )
    with right:
        series_trend(
            view,
            {i: f"{DIMENSION_LABELS[get(i).dimension]} ({i})" for i in SUCCESS_HEADLINES},
            "Success dimensions per year (%)",
            "overview_dimensions",
            caption="Headline share of each dimension, by its own period basis.",
        )

    st.subheader("All indicators")
    url_flag(KEY_ALL, PARAM_ALL, "table option")
    show_all = st.toggle(
        f"Show all {len(INDICATORS)} indicators for this view",
        key=KEY_ALL,
        on_change=remember,
        args=(KEY_ALL,),
        help="Every indicator for the filters, as published; each dimension page lists its own.",
    )
    view.extra_query = {PARAM_ALL: "1"} if show_all else {}
    sync_query(view.extra_query, (PARAM_ALL,))
    show_page_notices()
    if not show_all:
        footer(view)
        return
    overall = view.indicators(tuple(i.id for i in INDICATORS), "overall")
    st.caption(f"{view.describe}. Values for the whole period; rates in percent.")
    widgets.table(
        _table(overall),
        {
            "Dimension": widgets.text(110),
            "ID": widgets.text(70),
            "Indicator": widgets.text(300),
            "Value": widgets.text(110, alignment="right"),
            "Unit": widgets.text(60),
            "Numerator": widgets.count(100),
            "Denominator": widgets.count(100),
            "Flag": widgets.text(50, help=FLAG_HELP),
        },
    )
    st.caption(" · ".join(f"**{flag}** = {meaning}" for flag, meaning in FLAG_MEANINGS.items()))
    widgets.csv_button(
        "Download this table (CSV with definitions and flags)",
        _download(overall, view),
        "mco_indicators.csv",
        "csv_all_indicators",
    )
    footer(view)


main()
