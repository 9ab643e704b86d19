"""Altair chart builders shared by the pages.

Charts take the engine's published rows, so a suppressed or not-applicable value is a gap, never a 0.
Colours are Okabe-Ito (safe for the common colour-vision deficiencies); every chart says its unit.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboard.formatting import CHART_NOTES, format_value

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# Text on charts: at least 4.5:1 on white (WCAG AA): #31333F is 12.6:1, #404040 10.4:1, #4d4d4d 8.5:1.
TITLE_TEXT, AXIS_TEXT, SUBTITLE_TEXT = "#31333F", "#404040", "#4d4d4d"
HIGHLIGHT = OKABE_ITO[5]  # the chosen region among its peers (vermillion beside the blue)
WINDOW_FILL = "#e8e8e8"  # years whose outcome window is still open: a grey band, never a decline


# Built (and validated) once: configuring each chart with configure_* would copy it, data and all, once
# per call.
READABLE = alt.Config(
    axis=alt.AxisConfig(labelColor=AXIS_TEXT, titleColor=AXIS_TEXT),
    legend=alt.LegendConfig(labelColor=AXIS_TEXT, titleColor=AXIS_TEXT),
    header=alt.HeaderConfig(labelColor=AXIS_TEXT, titleColor=AXIS_TEXT),
    title=alt.TitleConfig(color=TITLE_TEXT, subtitleColor=SUBTITLE_TEXT),
)


def accessible(chart: alt.TopLevelMixin, title: str, summary: str) -> alt.TopLevelMixin:
    """A chart a screen reader can announce: title and one-sentence summary as its description (Vega
    writes it as the aria-label of the drawing), and axis, legend and title text dark enough to read.
    Sets them on `chart` itself (a page builds its charts afresh on every run)."""
    chart.description = f"{title}. {summary}".strip()
    chart.config = READABLE
    return chart


def _by_year(frame: pl.DataFrame, indicator_id: str) -> pl.DataFrame:
    return frame.filter(pl.col("indicator_id") == indicator_id).sort("breakdown_value")


def awards_trend(awards: pl.DataFrame, growth: pl.DataFrame | None = None) -> alt.Chart:
    """ADO-1 awards per year as bars, with the year-on-year growth (ADO-2) in the tooltip."""
    rows = _by_year(awards, "ADO-1").select(
        pl.col("breakdown_value").alias("year"),
        pl.col("value").alias("awards"),
        pl.col("flag").cast(pl.String).replace_strict(CHART_NOTES, default="").fill_null("").alias("note"),
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


# --- Indicator charts of the policy pages -----------------------------------------------------------
#
# They take "shown" rows (see dimension_page.shown_rows): one row per cell with label, value, value_text,
# numerator, denominator, flag and note (why a flagged cell has no value). A flagged cell is drawn as
# its flag letter in grey where the value would be read (at the foot of a trend, at the start of a
# bar), with the reason in its tooltip: never as a zero and never as an unexplained gap.

FLAG_GREY = "#6b6b6b"
REFERENCE_GREY = "#4d4d4d"
TREND_HEIGHT = 300
SMALL_HEIGHT = 120  # px: one panel of the small multiples
SMALL_WIDTH = 140  # px: two panels and the axis fit a 390 px phone screen
UNIT_AXIS = {
    "count": "count",
    "%": "%",
    "ratio": "ratio",
    "pp": "percentage points",
    "ECTS": "ECTS",
    "months": "months",
    "EUR/month": "€ per month",
    "per 1,000": "per 1,000 residents",
}
# "~" drops trailing zeros, so a narrow range reads 0.5, 1, 1.5 rather than 1, 1, 2
AXIS_FORMAT = {"count": ",.0f", "%": ".1~f", "pp": "+.1~f", "ratio": ".2~f", "per 1,000": ".2~f"}
BREAK = "break-paths-filter-domains"  # a line stops at a missing value rather than bridging it
_COUNT_TICKS = {"count": {"tickMinStep": 1}}


def unit_axis(unit: str) -> str:
    return UNIT_AXIS.get(unit, unit)


def _tooltips(
    category: str, category_title: str, series: bool = False, coverage: bool = False
) -> list[alt.Tooltip]:
    tips = [alt.Tooltip(f"{category}:N", title=category_title)]
    if series:
        tips.append(alt.Tooltip("series:N", title="Series"))
    tips += [
        alt.Tooltip("value_text:N", title="Value"),
        alt.Tooltip("numerator:Q", title="Numerator", format=",.0f"),
        alt.Tooltip("denominator:Q", title="Denominator", format=",.0f"),
        alt.Tooltip("flag:N", title="Flag"),
        alt.Tooltip("note:N", title="Note"),
    ]
    if coverage:
        tips.append(alt.Tooltip("coverage_text:N", title="Outcome coverage (OUT-5)"))
    return tips


def _colour(series: list[str], title: str | None = None, legend: bool = True) -> alt.Color:
    return alt.Color(
        "series:N",
        title=title,
        scale=alt.Scale(domain=series, range=[OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(series))]),
        # a legend above or below a stretched chart upsets Streamlit's fit-to-height layout: keep it
        # right; lines are labelled at their end instead (not by colour alone)
        legend=alt.Legend(orient="right", labelLimit=220, symbolType="circle") if legend else None,
    )


def _flags(data: pl.DataFrame) -> pl.DataFrame:
    return data.with_columns(
        pl.col("flag").fill_null(""),
        (pl.col("complete") if "complete" in data.columns else pl.lit(True)).alias("complete"),
        (pl.col("benchmark") if "benchmark" in data.columns else pl.lit(False)).alias("benchmark"),
    )


def _last_points(data: pl.DataFrame, key: str) -> pl.DataFrame:
    """The last drawn point of each line (complete, with a value): where its label goes."""
    return (
        data.filter(pl.col("complete") & pl.col("value").is_not_null())
        .sort("year")
        .group_by(key, maintain_order=True)
        .last()
        .select("year", "value", pl.col(key).alias("line_label"))
    )


def trend(
    rows: pl.DataFrame,
    title: str,
    subtitle: str | list[str],
    unit: str,
    *,
    bars: bool = False,
    series: bool = False,
) -> alt.LayerChart:
    """Values per year (bars for counts, else line and points; one line per `series` when asked).

    Flagged years carry their flag letter at the foot of the plot, with the reason in the tooltip.
    Years whose outcome window is still open (`complete` false) sit in a grey "too recent" band, their
    values (if any) hollow and off the line, so a window effect never reads as a decline. Rows marked
    `benchmark` are the all-countries line, dashed grey. Lines are labelled at their end.
    """
    data = _flags(rows)
    names = (
        data.filter(~pl.col("benchmark"))["series"].unique(maintain_order=True).to_list() if series else []
    )
    x = alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0))
    y = alt.Y(
        "value:Q",
        title=f"{unit_axis(unit)}",
        axis=alt.Axis(format=AXIS_FORMAT.get(unit, ",.1~f"), **_COUNT_TICKS.get(unit, {})),
        scale=alt.Scale(zero=unit not in ("EUR/month",)),
    )
    own = "!datum.benchmark && datum.complete"
    base = alt.Chart().transform_filter(f"{own} && datum.flag == ''")
    cov = "coverage_text" in data.columns
    encoding = {"x": x, "y": y, "tooltip": _tooltips("year", "Year", series, cov)}
    if series:
        encoding["color"] = _colour(names, legend=bars)
    if bars:
        offset = {"xOffset": alt.XOffset("series:N", scale=alt.Scale(domain=names))} if series else {}
        marks = [
            base.mark_bar(color=OKABE_ITO[0], cornerRadiusTopLeft=2, cornerRadiusTopRight=2).encode(
                **encoding, **offset
            )
        ]
    else:
        marks = [
            # all complete years, so that the line breaks at a flagged one instead of bridging it
            alt.Chart()
            .transform_filter(own)
            .mark_line(strokeWidth=2, color=OKABE_ITO[0], invalid=BREAK)
            .encode(**encoding),
            base.mark_point(filled=True, size=55, color=OKABE_ITO[0]).encode(**encoding),
        ]
    recent = (
        alt.Chart()
        .transform_filter("!datum.benchmark && !datum.complete && datum.flag == ''")
        .mark_point(filled=False, size=55, color=FLAG_GREY, strokeDash=[2, 2])
        .encode(x=x, y=y, tooltip=_tooltips("year", "Year", series, cov))
    )
    # one flag mark per complete year; with several series its tooltip says which series and why
    who = pl.col("series") + ": " if series else pl.lit("")
    own_rows = data.filter(~pl.col("benchmark"))
    flag_rows = (
        own_rows.filter((pl.col("flag") != "") & pl.col("complete"))
        .group_by("year", maintain_order=True)
        .agg(
            pl.col("flag").unique(maintain_order=True).str.join("/").alias("flag"),
            (who + pl.col("note")).unique(maintain_order=True).str.join("; ").alias("note"),
        )
    )
    flags = (
        alt.Chart(flag_rows.to_pandas())
        .mark_text(fontSize=13, fontWeight="bold", color=FLAG_GREY, fontStyle="italic")
        .encode(
            x=x,
            # at the foot of the plot whatever height it is given (a fixed pixel position would
            # push the plot's bounds and make Streamlit shrink the chart to fit)
            y=alt.value(alt.expr("height - 8")),
            text=alt.Text("flag:N"),
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("flag:N", title="Flag"),
                alt.Tooltip("note:N", title="Why no value"),
            ],
        )
    )
    layers = [*marks, recent, flags]
    window_rows = (
        own_rows.filter(~pl.col("complete"))
        .group_by("year", maintain_order=True)
        .agg(pl.col("note").unique(maintain_order=True).str.join("; ").alias("window"))
        .with_columns(pl.lit("too recent").alias("label"))
    )
    if window_rows.height:
        band = alt.Chart(window_rows.to_pandas())
        layers.insert(
            0,
            band.mark_rect(color=WINDOW_FILL).encode(
                x=x, tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("window:N", title="Not yet")]
            ),
        )
        layers.append(
            band.transform_window(rank="row_number()")
            .transform_filter("datum.rank == 1")
            .mark_text(align="left", baseline="top", dx=-12, dy=4, fontSize=11, color=AXIS_TEXT)
            .encode(x=x, y=alt.value(0), text="label:N")
        )
    bench = data.filter(pl.col("benchmark"))
    if bench.height:
        bench_enc = {"x": x, "y": y, "tooltip": _tooltips("year", "Year", series, cov)}
        layers.append(
            alt.Chart()
            .transform_filter("datum.benchmark && datum.complete")
            .mark_line(strokeWidth=1.5, color=REFERENCE_GREY, strokeDash=[5, 3], invalid=BREAK)
            .encode(**bench_enc)
        )
    ends = []
    if series and not bars:
        ends.append(_last_points(data.filter(~pl.col("benchmark")), "series"))
    if bench.height and not bars:
        ends.append(_last_points(bench.with_columns(pl.lit("All countries").alias("_b")), "_b"))
    ends = [e for e in ends if e.height]
    if ends:
        layers.append(
            alt.Chart(pl.concat(ends).to_pandas())
            .mark_text(align="right", dx=-6, dy=-10, fontSize=11, fontWeight="bold", color=TITLE_TEXT)
            .encode(x=x, y=y, text="line_label:N")
        )
    if unit == "pp":
        layers.insert(
            0, alt.Chart().mark_rule(color=REFERENCE_GREY, strokeDash=[2, 2]).encode(y=alt.datum(0))
        )
    return alt.layer(*layers, data=data.to_pandas()).properties(
        title=alt.Title(title, subtitle=subtitle, anchor="start"), height=TREND_HEIGHT
    )


def comparison(
    rows: pl.DataFrame,
    title: str,
    subtitle: str | list[str],
    unit: str,
    category_title: str,
    *,
    bars: bool = False,
    reference: tuple[float, str] | None = None,
    series: bool = False,
    benchmark: tuple[float, str] | None = None,
) -> alt.LayerChart:
    """One value per category, largest first: bars for counts, dots otherwise (a Cleveland dot chart).

    Flagged categories stay on the axis, after the others, with their flag written where the bar or dot
    would start; `reference` draws the value for the whole view as a dashed rule, `benchmark` the value
    for all countries as a dotted one. Rows with `highlight` true (the chosen region among its peers)
    are drawn in another colour and named in bold.
    """
    data = rows.with_columns(pl.col("flag").fill_null(""))
    if "highlight" not in data.columns:
        data = data.with_columns(pl.lit(False).alias("highlight"))
    chosen = data.filter(pl.col("highlight"))["label"].unique().to_list()
    ranked = (
        data.group_by("label", maintain_order=True)
        .agg(pl.col("value").max().alias("_v"))
        .sort("_v", descending=True, nulls_last=True)["label"]
        .to_list()
    )
    names = data["series"].unique(maintain_order=True).to_list() if series else []
    bold = alt.expr(f"indexof({chosen!r}, datum.value) >= 0 ? 'bold' : 'normal'") if chosen else "normal"
    y = alt.Y("label:N", title=None, sort=ranked, axis=alt.Axis(labelLimit=260, labelFontWeight=bold))
    x = alt.X(
        "value:Q",
        title=unit_axis(unit),
        axis=alt.Axis(format=AXIS_FORMAT.get(unit, ",.1~f"), orient="top"),
        scale=alt.Scale(zero=unit not in ("EUR/month",)),
    )
    cov = "coverage_text" in data.columns
    encoding = {"x": x, "y": y, "tooltip": _tooltips("label", category_title, series, cov)}
    if series:
        encoding["color"] = _colour(names)
    elif chosen:
        encoding["color"] = alt.condition("datum.highlight", alt.value(HIGHLIGHT), alt.value(OKABE_ITO[0]))
    base = alt.Chart().transform_filter("datum.flag == ''")
    if bars:
        mark = base.mark_bar(color=OKABE_ITO[0], height={"band": 0.7})
        if series:
            encoding["yOffset"] = alt.YOffset("series:N", scale=alt.Scale(domain=names))
        marks = [mark.encode(**encoding)]
    else:
        marks = [base.mark_point(filled=True, size=90, color=OKABE_ITO[0], opacity=1).encode(**encoding)]
    flags = (
        alt.Chart()
        .transform_filter("datum.flag != ''")
        .transform_calculate(flag_text="datum.flag == 'c' ? 'c · suppressed' : 'z · n/a'")
        .mark_text(align="left", dx=2, fontSize=11, fontStyle="italic", color=FLAG_GREY)
        .encode(
            y=y,
            x=alt.value(2),
            text="flag_text:N",
            tooltip=_tooltips("label", category_title, series, cov),
        )
    )
    layers = [*marks, flags]
    for ref, dash, name in ((reference, [5, 3], "all in view"), (benchmark, [1, 2], "all countries")):
        if ref is None:
            continue
        value, text = ref
        layers.append(
            alt.Chart()
            .mark_rule(color=REFERENCE_GREY, strokeDash=dash, strokeWidth=1.5)
            .encode(x=alt.datum(value), tooltip=alt.value(text))
        )
        layers.append(
            alt.Chart()
            .mark_text(align="left", baseline="bottom", dx=3, dy=-2, fontSize=10, color=AXIS_TEXT)
            .encode(x=alt.datum(value), y=alt.value(alt.expr("height")), text=alt.datum(name))
        )
    if unit == "pp":
        layers.append(alt.Chart().mark_rule(color=REFERENCE_GREY).encode(x=alt.datum(0)))
    step = 26 if series and bars else 22
    return alt.layer(*layers, data=data.to_pandas()).properties(
        title=alt.Title(title, subtitle=subtitle, anchor="start"), height=alt.Step(step)
    )


def small_multiples(
    rows: pl.DataFrame, title: str, subtitle: str | list[str], unit: str, columns: int = 3
) -> alt.FacetChart:
    """One small trend per country (rows with `country_label` and `year`), on a shared value axis."""
    data = _flags(rows)
    order = data["country_label"].unique(maintain_order=True).sort().to_list()
    x = alt.X("year:O", title=None, axis=alt.Axis(labelAngle=-45, labelFontSize=10))
    y = alt.Y("value:Q", title=unit_axis(unit), axis=alt.Axis(format=AXIS_FORMAT.get(unit, ",.1~f")))
    tips = _tooltips("country_label", "Country", coverage="coverage_text" in data.columns)
    tips.insert(1, alt.Tooltip("year:O", title="Year"))
    line = (
        alt.Chart()
        .transform_filter("datum.complete")
        .mark_line(color=OKABE_ITO[0], strokeWidth=2, invalid=BREAK)
    )
    dots = (
        alt.Chart()
        .transform_filter("datum.flag == '' && datum.complete")
        .mark_point(filled=True, size=30, color=OKABE_ITO[0])
    )
    recent = (
        alt.Chart()
        .transform_filter("datum.flag == '' && !datum.complete")
        .mark_point(filled=False, size=30, color=FLAG_GREY)
    )
    flags = (
        alt.Chart()
        .transform_filter("datum.flag != '' && datum.complete")
        .mark_text(fontSize=12, fontWeight="bold", fontStyle="italic", color=FLAG_GREY)
        .encode(x=x, y=alt.value(SMALL_HEIGHT - 8), text="flag:N", tooltip=tips)
    )
    layer = alt.layer(
        line.encode(x=x, y=y, tooltip=tips),
        dots.encode(x=x, y=y, tooltip=tips),
        recent.encode(x=x, y=y, tooltip=tips),
        flags,
    ).properties(width=SMALL_WIDTH, height=SMALL_HEIGHT)
    return layer.facet(
        facet=alt.Facet("country_label:N", title=None, sort=order, header=alt.Header(labelFontWeight="bold")),
        columns=columns,
        data=data.to_pandas(),
    ).properties(title=alt.Title(title, subtitle=subtitle, anchor="start"))


def ranges(
    rows: pl.DataFrame, title: str, subtitle: str | list[str], unit: str, category_title: str
) -> alt.LayerChart:
    """Lower quartile to upper quartile as a bar, the median as a tick, per category (rows pivoted wide:
    label, low, mid, high, flag, note, value_text)."""
    data = rows.with_columns(pl.col("flag").fill_null(""))
    ranked = data.sort("mid", descending=True, nulls_last=True)["label"].to_list()
    y = alt.Y("label:N", title=None, sort=ranked, axis=alt.Axis(labelLimit=260))
    fmt = AXIS_FORMAT.get(unit, ",.0f")
    tips = [
        alt.Tooltip("label:N", title=category_title),
        alt.Tooltip("low:Q", title="Lower quartile", format=",.0f"),
        alt.Tooltip("mid:Q", title="Median", format=",.0f"),
        alt.Tooltip("high:Q", title="Upper quartile", format=",.0f"),
        alt.Tooltip("flag:N", title="Flag"),
        alt.Tooltip("note:N", title="Note"),
    ]
    if "coverage_text" in data.columns:
        tips.append(alt.Tooltip("coverage_text:N", title="Outcome coverage (OUT-5)"))
    base = alt.Chart().transform_filter("datum.flag == ''")
    bar = base.mark_bar(color=OKABE_ITO[4], height={"band": 0.55}, opacity=0.8).encode(
        y=y,
        x=alt.X("low:Q", title=unit_axis(unit), axis=alt.Axis(format=fmt, orient="top", tickCount=8)),
        x2="high:Q",
        tooltip=tips,
    )
    tick = base.mark_tick(color=OKABE_ITO[5], thickness=3, size=18).encode(y=y, x="mid:Q", tooltip=tips)
    flags = (
        alt.Chart()
        .transform_filter("datum.flag != ''")
        .transform_calculate(flag_text="datum.flag == 'c' ? 'c · suppressed' : 'z · n/a'")
        .mark_text(align="left", dx=2, fontSize=11, fontStyle="italic", color=FLAG_GREY)
        .encode(y=y, x=alt.value(2), text="flag_text:N", tooltip=tips)
    )
    return alt.layer(bar, tick, flags, data=data.to_pandas()).properties(
        title=alt.Title(title, subtitle=subtitle, anchor="start"), height=alt.Step(24)
    )


TRAJECTORY_KINDS = {
    "published": ("Published value (complete years)", OKABE_ITO[0], []),
    "path": ("Straight path from the baseline to the target", REFERENCE_GREY, [5, 3]),
    "projection": ("Projection of the recent trend", OKABE_ITO[5], [2, 2]),
}


def trajectory(rows: pl.DataFrame, title: str, subtitle: str | list[str], unit: str) -> alt.LayerChart:
    """A policy target as a trajectory (rows: year, value, kind): the published complete years, the
    straight path from the baseline to the target, the projected trend and the target as a diamond;
    each line named at its end rather than by colour alone."""
    data = rows.to_pandas()
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1))
    y = alt.Y("value:Q", title=unit_axis(unit), axis=alt.Axis(format=AXIS_FORMAT.get(unit, ",.1~f")))
    tips = [
        alt.Tooltip("kind:N", title="Line"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("value:Q", title="Value", format=AXIS_FORMAT.get(unit, ",.1~f")),
    ]
    layers = []
    for kind, (label, colour, dash) in TRAJECTORY_KINDS.items():
        line = alt.Chart().transform_filter(f"datum.kind == '{kind}'")
        layers.append(
            line.mark_line(color=colour, strokeDash=dash, strokeWidth=2, point=kind == "published").encode(
                x=x, y=y, tooltip=tips
            )
        )
        layers.append(
            line.transform_window(rank="rank()", sort=[alt.SortField("year", order="descending")])
            .transform_filter("datum.rank == 1")
            .mark_text(align="right", dx=-8, dy=-10, fontSize=11, fontWeight="bold", color=TITLE_TEXT)
            .encode(x=x, y=y, text=alt.value(label.split(" (")[0].split(" from")[0]))
        )
    layers.append(
        alt.Chart()
        .transform_filter("datum.kind == 'target'")
        .mark_point(shape="diamond", size=140, filled=True, color=TITLE_TEXT)
        .encode(x=x, y=y, tooltip=tips)
    )
    return alt.layer(*layers, data=data).properties(
        title=alt.Title(title, subtitle=subtitle, anchor="start"), height=TREND_HEIGHT
    )
