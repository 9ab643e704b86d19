"""Altair chart builders shared by the pages.

Charts take the engine's published rows, so a suppressed or not-applicable value is a gap, never a 0.
Colours are Okabe-Ito (safe for the common colour-vision deficiencies); every chart says its unit.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboard.formatting import DIMENSION_LABELS, format_value
from pipelines.indicators.registry import get

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_FLAG_TEXT = {"c": "suppressed (c)", "z": "n/a (z)"}


def _by_year(frame: pl.DataFrame, indicator_id: str) -> pl.DataFrame:
    return frame.filter(pl.col("indicator_id") == indicator_id).sort("breakdown_value")


def awards_trend(awards: pl.DataFrame, growth: pl.DataFrame | None = None) -> alt.Chart:
    """ADO-1 awards per year as bars, with the year-on-year growth (ADO-2) in the tooltip."""
    rows = _by_year(awards, "ADO-1").select(
        pl.col("breakdown_value").alias("year"),
        pl.col("value").alias("awards"),
        pl.col("flag").cast(pl.String).replace_strict(_FLAG_TEXT, default="").fill_null("").alias("note"),
    )
    if growth is not None and growth.height:
        growth_text = _by_year(growth, "ADO-2").select(
            pl.col("breakdown_value").alias("year"),
            pl.struct("value", "flag")
            .map_elements(lambda r: format_value(r["value"], "%", r["flag"]), return_dtype=pl.String)
            .alias("growth"),
        )
        rows = rows.join(growth_text, on="year", how="left")
    else:
        rows = rows.with_columns(pl.lit("n/a").alias("growth"))
    tooltip = [
        alt.Tooltip("year:O", title="Year"),
        alt.Tooltip("awards:Q", title="Awards issued", format=",.0f"),
        alt.Tooltip("growth:N", title="Change on previous year"),
    ]
    return (
        alt.Chart(
            rows.to_pandas(),
            title=alt.Title(
                "Awards issued per year (count)",
                subtitle="Micro-credential awards by calendar year of issue, under the selected filters",
                anchor="start",
            ),
        )
        .mark_bar(color=OKABE_ITO[0], cornerRadiusTopLeft=2, cornerRadiusTopRight=2)
        .encode(
            x=alt.X("year:O", title="Year of award", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("awards:Q", title="Awards (count)", axis=alt.Axis(format=",.0f", tickMinStep=1)),
            tooltip=tooltip,
        )
        .properties(height=320)
    )


def dimension_trends(frame: pl.DataFrame, indicator_ids: tuple[str, ...]) -> alt.Chart:
    """Headline shares (%) per year, one line per success dimension; suppressed years are gaps."""
    labels = {i: f"{DIMENSION_LABELS[get(i).dimension]} ({i})" for i in indicator_ids}
    names = {i: get(i).name for i in indicator_ids}
    rows = frame.filter(pl.col("indicator_id").is_in(list(indicator_ids))).select(
        pl.col("indicator_id").replace_strict(labels).alias("series"),
        pl.col("indicator_id").replace_strict(names).alias("indicator"),
        pl.col("breakdown_value").alias("year"),
        pl.col("value").alias("percent"),
        pl.col("flag").cast(pl.String).replace_strict(_FLAG_TEXT, default="").fill_null("").alias("note"),
        pl.col("numerator"),
        pl.col("denominator"),
    )
    domain = [labels[i] for i in indicator_ids]
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=domain, range=list(OKABE_ITO[1 : len(domain) + 1])),
        legend=alt.Legend(
            orient="top", direction="horizontal", columns=2, labelLimit=240, symbolType="stroke"
        ),
    )
    base = alt.Chart(rows.to_pandas()).encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("percent:Q", title="Share (%)", scale=alt.Scale(domain=[0, 100])),
        color=colour,
        tooltip=[
            alt.Tooltip("series:N", title="Dimension"),
            alt.Tooltip("indicator:N", title="Indicator"),
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("percent:Q", title="Value (%)", format=".1f"),
            alt.Tooltip("numerator:Q", title="Numerator", format=",.0f"),
            alt.Tooltip("denominator:Q", title="Denominator", format=",.0f"),
            alt.Tooltip("note:N", title="Flag"),
        ],
    )
    title = alt.Title(
        "Success dimensions per year (%)",
        subtitle="Headline share of each dimension, by its period basis; gaps are suppressed or n/a",
        anchor="start",
    )
    return alt.layer(base.mark_line(strokeWidth=2), base.mark_point(filled=True, size=45)).properties(
        title=title, height=320
    )


def quarantine_reasons(summary: pl.DataFrame) -> alt.LayerChart:
    """Rows quarantined per reason (horizontal bars, largest first), stacked and coloured by record type.

    `summary` has one row per record type, reason and file: record_type, reason_code, source_file, rows,
    checks (the checks that caught the rows). Each bar ends with its total.
    """
    rows = (
        summary.group_by("reason_code", "record_type")
        .agg(
            pl.col("rows").sum(),
            pl.col("source_file").n_unique().alias("files"),
            pl.col("checks")
            .str.split(", ")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .str.join(", ")
            .alias("checks"),
        )
        .sort("reason_code", "record_type")
    )
    order = (
        rows.group_by("reason_code")
        .agg(pl.col("rows").sum())
        .sort("rows", "reason_code", descending=[True, False])["reason_code"]
        .to_list()
    )
    types = sorted(rows["record_type"].unique().to_list())
    y = alt.Y("reason_code:N", title=None, sort=order, axis=alt.Axis(labelLimit=200))
    base = alt.Chart(rows.to_pandas())
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X("sum(rows):Q", title="Rows quarantined (count)", axis=alt.Axis(format=",.0f", tickMinStep=1)),
        color=alt.Color(
            "record_type:N",
            title="Record type",
            scale=alt.Scale(domain=types, range=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(types))]),
            legend=alt.Legend(orient="bottom", direction="horizontal", columns=3, labelLimit=200),
        ),
        order=alt.Order("record_type:N"),
        tooltip=[
            alt.Tooltip("reason_code:N", title="Reason"),
            alt.Tooltip("record_type:N", title="Record type"),
            alt.Tooltip("rows:Q", title="Rows quarantined", format=",.0f"),
            alt.Tooltip("files:Q", title="Files"),
            alt.Tooltip("checks:N", title="Checks"),
        ],
    )
    totals = (
        base.transform_aggregate(total="sum(rows)", groupby=["reason_code"])
        .mark_text(align="left", baseline="middle", dx=4, fontSize=11)
        .encode(y=y, x=alt.X("total:Q"), text=alt.Text("total:Q", format=",.0f"))
    )
    title = alt.Title(
        "Top quarantine reasons (rows)",
        subtitle="Rows kept aside in this build, by the first check they failed",
        anchor="start",
    )
    return alt.layer(bars, totals).properties(title=title, height=alt.Step(28))


def quarantine_trend(history: pl.DataFrame, builds: list[str]) -> alt.LayerChart:
    """Rows quarantined per build (one stacked bar per build, oldest first), coloured by reason.

    `history` has built (the build time as text, UTC), build_id, reason_code and rows; `builds` lists every
    build time in order, so a build with nothing quarantined still has its (empty) place on the axis.
    Each bar carries its total, so a small build next to a large one still reads.
    """
    reasons = (
        history.group_by("reason_code")
        .agg(pl.col("rows").sum())
        .sort("rows", "reason_code", descending=[True, False])
    )["reason_code"].to_list()
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(max(len(reasons), 1))]
    x = alt.X(
        "built:O",
        title="Build time (UTC)",
        scale=alt.Scale(domain=builds),
        axis=alt.Axis(labelAngle=0 if len(builds) <= 4 else -40, labelLimit=160),
    )
    base = alt.Chart(history.to_pandas())
    bars = base.mark_bar(width=alt.RelativeBandSize(0.6)).encode(
        x=x,
        y=alt.Y("sum(rows):Q", title="Rows quarantined (count)", axis=alt.Axis(format=",.0f", tickMinStep=1)),
        color=alt.Color(
            "reason_code:N",
            title="Reason",
            scale=alt.Scale(domain=reasons, range=colours),
            legend=alt.Legend(orient="right", labelLimit=200),
        ),
        order=alt.Order("reason_code:N"),
        tooltip=[
            alt.Tooltip("built:O", title="Built at (UTC)"),
            alt.Tooltip("build_id:N", title="Build"),
            alt.Tooltip("reason_code:N", title="Reason"),
            alt.Tooltip("rows:Q", title="Rows quarantined", format=",.0f"),
        ],
    )
    totals = (
        base.transform_aggregate(total="sum(rows)", groupby=["built"])
        .mark_text(baseline="bottom", dy=-3, fontSize=11)
        .encode(x=x, y=alt.Y("total:Q"), text=alt.Text("total:Q", format=",.0f"))
    )
    title = alt.Title(
        "Rows quarantined per build, by reason (count)",
        subtitle="One bar per build, oldest first, placed at the time the build ran (UTC)",
        anchor="start",
    )
    return alt.layer(bars, totals).properties(title=title, height=300)
