"""Charts of the programme comparison, shared by the dashboard page and the institution report.

They take the published frame of `compare.programme_metrics` (suppressed values are already blank, so
they are gaps, never zeros). Colours are Okabe-Ito; every chart says its unit.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from pipelines.disclosure import SUPPRESSED_TEXT
from pipelines.programmes.compare import BY_KEY, METRICS, RATES
from pipelines.programmes.present import ci_text, percentile_text, value_text

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# Percentile 0 → 50 → 100: light orange, near white, light blue (#222222 text on each: at least 7:1).
HEATMAP_RANGE = ("#F4A582", "#F7F7F7", "#92C5DE")
_PEER_METRICS = tuple(m.key for m in METRICS if m.unit == "%")
_ORDER = [BY_KEY[k].label for k in _PEER_METRICS]


def peer_chart(published: pl.DataFrame, credential_id: str, title: str = "") -> alt.LayerChart:
    """One programme's rates (point, with the 95 % Wilson interval as a bar) beside its peer median (tick)."""
    rows = (
        published.filter(
            (pl.col("credential_id") == credential_id) & pl.col("metric").is_in(list(_PEER_METRICS))
        )
        .with_columns(
            pl.col("metric").replace_strict({k: BY_KEY[k].label for k in _PEER_METRICS}).alias("label"),
            pl.struct("value", "unit", "flag")
            .map_elements(lambda r: value_text(r["value"], r["unit"], r["flag"]), return_dtype=pl.String)
            .alias("value_text"),
            pl.struct("ci_low", "ci_high")
            .map_elements(lambda r: ci_text(r["ci_low"], r["ci_high"]), return_dtype=pl.String)
            .alias("ci_text"),
            pl.struct("peer_median", "unit", "peer_flag")
            .map_elements(
                lambda r: value_text(r["peer_median"], r["unit"], r["peer_flag"]), return_dtype=pl.String
            )
            .alias("median_text"),
            pl.col("percentile")
            .map_elements(percentile_text, return_dtype=pl.String)
            .fill_null("")
            .alias("percentile_text"),
        )
        .select(
            "label",
            "value",
            "ci_low",
            "ci_high",
            "peer_median",
            "peer_p25",
            "peer_p75",
            "peer_n",
            "value_text",
            "ci_text",
            "median_text",
            "percentile_text",
        )
    )
    data = rows.to_pandas()
    y = alt.Y("label:N", title=None, sort=_ORDER, axis=alt.Axis(labelLimit=260))
    x_scale = alt.Scale(domain=[0, 100])
    tooltip = [
        alt.Tooltip("label:N", title="Metric"),
        alt.Tooltip("value_text:N", title="Programme"),
        alt.Tooltip("ci_text:N", title="95 % CI"),
        alt.Tooltip("median_text:N", title="Peer median"),
        alt.Tooltip("percentile_text:N", title="Percentile among peers"),
        alt.Tooltip("peer_n:Q", title="Peers with a value"),
    ]
    base = alt.Chart(data).encode(y=y, tooltip=tooltip)
    spread = base.mark_rule(strokeWidth=14, opacity=0.5, color="#BBBBBB").encode(
        x=alt.X("peer_p25:Q", scale=x_scale), x2="peer_p75:Q"
    )
    interval = base.mark_rule(strokeWidth=6, opacity=0.35, color=OKABE_ITO[0]).encode(
        x=alt.X("ci_low:Q", title="Percent (%)", scale=x_scale), x2="ci_high:Q"
    )
    point = base.mark_point(filled=True, size=110, color=OKABE_ITO[0]).encode(
        x=alt.X("value:Q", scale=x_scale), shape=alt.value("circle")
    )
    median = base.mark_tick(thickness=3, size=22, color=OKABE_ITO[5]).encode(
        x=alt.X("peer_median:Q", scale=x_scale)
    )
    legend = (
        alt.Chart(
            pl.DataFrame(
                {"item": ["Programme (bar: 95 % CI)", "Peer median"], "x": [0, 0], "label": [_ORDER[0]] * 2}
            ).to_pandas()
        )
        .mark_point(opacity=0)
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            y=y,
            color=alt.Color(
                "item:N",
                title=None,
                scale=alt.Scale(
                    domain=["Programme (bar: 95 % CI)", "Peer median"], range=[OKABE_ITO[0], OKABE_ITO[5]]
                ),
                legend=alt.Legend(orient="top", symbolOpacity=1),
            ),
        )
    )
    return alt.layer(spread, interval, point, median, legend).properties(
        title=alt.Title(
            title or "Against peers (%)",
            subtitle="Point: programme; bar: 95 % Wilson interval; tick: peer median; grey band: peers' "
            "middle half (interquartile range); peers: same ISCED-F field and EQF level, else same field",
            anchor="start",
        ),
        height=alt.Step(32),  # a step, not a total: Streamlit fits totals to the container and squeezes rows
    )


def funnel_chart(stages: pl.DataFrame, title: str = "Learner funnel") -> alt.LayerChart:
    """Learners at each stage (horizontal bars, top to bottom) with the share of those enrolled."""

    def text(r: dict) -> str:
        if r["flag"] == "c":
            return SUPPRESSED_TEXT
        share = r.get("share", r["share_of_enrolled"])
        base = r.get("base") or "of those enrolled"
        return f"{r['learners']:,}" + (f" ({share:.0f} % {base})" if share is not None else "")

    if "share" not in stages.columns:  # a funnel frame from before shares had their base
        stages = stages.with_columns(pl.col("share_of_enrolled").alias("share"), pl.lit(None).alias("base"))
    rows = stages.with_columns(
        pl.struct("learners", "share_of_enrolled", "share", "base", "flag")
        .map_elements(text, return_dtype=pl.String)
        .alias("text")
    )
    order = rows.sort("stage_order")["label"].to_list()
    base = alt.Chart(rows.to_pandas()).encode(
        y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
        tooltip=[alt.Tooltip("label:N", title="Stage"), alt.Tooltip("text:N", title="Learners")],
    )
    top = max((v for v in rows["learners"].to_list() if v is not None), default=1)
    bars = base.mark_bar(color=OKABE_ITO[2], cornerRadiusTopRight=2, cornerRadiusBottomRight=2).encode(
        x=alt.X(
            "learners:Q",
            title="Learners (count)",
            scale=alt.Scale(domain=[0, top * 1.6]),
            axis=alt.Axis(format=",.0f"),
        )
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x=alt.X("learners:Q", scale=alt.Scale(domain=[0, top * 1.6])), text="text:N"
    )
    return alt.layer(bars, labels).properties(
        title=alt.Title(
            title,
            subtitle="Distinct learners (% of those enrolled; employment: of those observed at 12 months, "
            "as in the table); stages under the threshold are hidden",
            anchor="start",
        ),
        height=alt.Step(36),
    )


def percentile_heatmap(
    published: pl.DataFrame, programmes: pl.DataFrame, title: str = "Percentile among peers"
) -> alt.LayerChart:
    """Programmes × metrics coloured by the programme's percentile in its peer group (blank when hidden)."""
    names = {
        r["credential_id"]: f"{(r['title'] or '(untitled)')[:48]} ({r['credential_id']})"
        for r in programmes.iter_rows(named=True)
    }
    rows = published.filter(pl.col("credential_id").is_in(list(names))).with_columns(
        pl.col("credential_id").replace_strict(names).alias("programme"),
        pl.col("metric").replace_strict({m.key: m.short for m in METRICS}).alias("metric_label"),
        pl.struct("value", "unit", "flag")
        .map_elements(lambda r: value_text(r["value"], r["unit"], r["flag"]), return_dtype=pl.String)
        .alias("value_text"),
        pl.when(pl.col("percentile").is_not_null())
        .then(pl.col("percentile").round(0).cast(pl.Int64).cast(pl.String).str.replace(r"^", "P"))
        .when(pl.col("flag") == "c")
        .then(pl.lit("c"))
        .otherwise(pl.lit("–"))
        .alias("cell"),
    )
    order = [names[c] for c in programmes["credential_id"].to_list()]
    base = alt.Chart(rows.to_pandas()).encode(
        x=alt.X(
            "metric_label:N",
            title=None,
            sort=[m.short for m in METRICS],
            axis=alt.Axis(orient="top", labelAngle=0),
        ),
        y=alt.Y("programme:N", title=None, sort=order, axis=alt.Axis(labelLimit=320)),
        tooltip=[
            alt.Tooltip("programme:N", title="Programme"),
            alt.Tooltip("metric_label:N", title="Metric"),
            alt.Tooltip("value_text:N", title="Value"),
            alt.Tooltip("cell:N", title="Percentile among peers"),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "percentile:Q",
            title="Percentile",
            # light ends only, so the dark cell text keeps a contrast of at least 4.5:1 everywhere
            scale=alt.Scale(domain=[0, 50, 100], range=list(HEATMAP_RANGE)),
            legend=alt.Legend(orient="right", gradientLength=120),
        )
    )
    text = base.mark_text(fontSize=11).encode(text="cell:N", color=alt.value("#222222"))
    return alt.layer(cells, text).properties(
        title=alt.Title(
            title,
            subtitle="P50 = the peer median; blank: suppressed (c) or no peer group; peers: same ISCED-F "
            "field and EQF level",
            anchor="start",
        ),
        height=alt.Step(22),
        width=alt.Step(92),
    )


def comparison_chart(published: pl.DataFrame, labels: dict[str, str]) -> alt.LayerChart:
    """Up to four programmes side by side on every rate: bars with their 95 % intervals."""
    rows = published.filter(
        pl.col("credential_id").is_in(list(labels)) & pl.col("metric").is_in(list(RATES))
    ).with_columns(
        pl.col("credential_id").replace_strict(labels).alias("programme"),
        pl.col("metric").replace_strict({k: BY_KEY[k].label for k in RATES}).alias("label"),
        pl.struct("value", "unit", "flag")
        .map_elements(lambda r: value_text(r["value"], r["unit"], r["flag"]), return_dtype=pl.String)
        .alias("value_text"),
        pl.struct("ci_low", "ci_high")
        .map_elements(lambda r: ci_text(r["ci_low"], r["ci_high"]), return_dtype=pl.String)
        .alias("ci_text"),
    )
    domain = list(labels.values())
    colour = alt.Color(
        "programme:N",
        title=None,
        scale=alt.Scale(domain=domain, range=list(OKABE_ITO[: len(domain)])),
        legend=alt.Legend(orient="top", direction="vertical", labelLimit=520),
    )
    y = alt.Y("label:N", title=None, sort=[BY_KEY[k].label for k in RATES], axis=alt.Axis(labelLimit=260))
    offset = alt.YOffset("programme:N", sort=domain)
    base = alt.Chart(rows.to_pandas()).encode(
        y=y,
        yOffset=offset,
        tooltip=[
            alt.Tooltip("programme:N", title="Programme"),
            alt.Tooltip("label:N", title="Metric"),
            alt.Tooltip("value_text:N", title="Value"),
            alt.Tooltip("ci_text:N", title="95 % CI"),
        ],
    )
    scale = alt.Scale(domain=[0, 100])
    bars = base.mark_bar(opacity=0.85).encode(
        x=alt.X("value:Q", title="Percent (%)", scale=scale), color=colour
    )
    whiskers = base.mark_rule(color="#333333").encode(x=alt.X("ci_low:Q", scale=scale), x2="ci_high:Q")
    return alt.layer(bars, whiskers).properties(
        title=alt.Title(
            "Programmes side by side (%)",
            subtitle="Bars: rate; lines: 95 % Wilson interval; a missing bar is suppressed (c) or n/a",
            anchor="start",
        ),
        height=alt.Step(14),
    )


# Text colours on white with a contrast of at least 4.5:1 (WCAG AA), for charts printed or embedded.
TEXT_DARK, TEXT_MUTED = "#222222", "#4D4D4D"
CHART_CONFIG = {
    "axis": {"labelColor": TEXT_DARK, "titleColor": TEXT_DARK, "labelFontSize": 11, "titleFontSize": 11},
    "header": {"labelColor": TEXT_DARK, "titleColor": TEXT_DARK, "labelFontSize": 12},
    "legend": {"labelColor": TEXT_DARK, "titleColor": TEXT_DARK},
    "title": {"color": TEXT_DARK, "subtitleColor": TEXT_MUTED},
    "view": {"stroke": None},
}
REPORT_METRICS = ("completion_rate", "employment_12m")


def programmes_chart(
    published: pl.DataFrame,
    programmes: pl.DataFrame,
    metrics: tuple[str, ...] = REPORT_METRICS,
    title: str = "Programmes against their peers (%)",
) -> alt.FacetChart:
    """Every programme of `programmes` on each rate of `metrics`: the programme's value (point) with its
    95 % interval (blue bar), the peers' interquartile range (grey band) and median (tick)."""
    names = {
        r["credential_id"]: _short(r["title"], r["credential_id"]) for r in programmes.iter_rows(named=True)
    }
    labels = {k: BY_KEY[k].label for k in metrics}
    rows = published.filter(
        pl.col("credential_id").is_in(list(names)) & pl.col("metric").is_in(list(metrics))
    ).select(
        pl.col("credential_id").replace_strict(names).alias("programme"),
        pl.col("metric").replace_strict(labels).alias("metric_label"),
        "value",
        "ci_low",
        "ci_high",
        "peer_median",
        "peer_p25",
        "peer_p75",
        pl.col("verdict").fill_null(""),
    )
    order = [names[c] for c in programmes["credential_id"].to_list()]
    scale = alt.Scale(domain=[0, 100])
    y = alt.Y("programme:N", title=None, sort=order, axis=alt.Axis(labelLimit=300))
    tooltip = [
        alt.Tooltip("programme:N", title="Programme"),
        alt.Tooltip("value:Q", title="Value (%)", format=".1f"),
        alt.Tooltip("ci_low:Q", title="95 % CI from", format=".1f"),
        alt.Tooltip("ci_high:Q", title="95 % CI to", format=".1f"),
        alt.Tooltip("peer_median:Q", title="Peer median (%)", format=".1f"),
        alt.Tooltip("verdict:N", title="Verdict"),
    ]
    base = alt.Chart().encode(y=y, tooltip=tooltip)
    spread = base.mark_rule(strokeWidth=9, color="#C8C8C8").encode(
        x=alt.X("peer_p25:Q", scale=scale, title="Percent (%)"), x2="peer_p75:Q"
    )
    median = base.mark_tick(thickness=2, size=12, color=OKABE_ITO[5]).encode(x=alt.X("peer_median:Q"))
    interval = base.mark_rule(strokeWidth=3, color=OKABE_ITO[0]).encode(x=alt.X("ci_low:Q"), x2="ci_high:Q")
    point = base.mark_point(filled=True, size=40, color=OKABE_ITO[0], opacity=1).encode(x=alt.X("value:Q"))
    return (
        alt.layer(spread, median, interval, point, data=rows.to_pandas())
        .properties(width=230, height=alt.Step(15))
        .facet(column=alt.Column("metric_label:N", title=None, sort=[labels[k] for k in metrics]))
        .properties(
            title=alt.Title(
                title,
                subtitle="Point and blue bar: the programme and its 95 % interval; grey band: the middle "
                "half of its peers (interquartile range); orange tick: peer median",
                anchor="start",
            )
        )
        .configure(**CHART_CONFIG)
    )


def _short(title: str | None, credential_id: str, limit: int = 34) -> str:
    text = title or "(untitled)"
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return f"{text} ({credential_id})"
