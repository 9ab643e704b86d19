"""Charts of the programme comparison, shared by the dashboard page and the institution report.

They take the published frame of `compare.programme_metrics` (suppressed values are already blank, so
they are gaps, never zeros). Colours are Okabe-Ito; every chart says its unit.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from pipelines.programmes.compare import BY_KEY, METRICS, RATES
from pipelines.programmes.present import ci_text, percentile_text, value_text

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
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
    return alt.layer(interval, point, median, legend).properties(
        title=alt.Title(
            title or "Against peers (%)",
            subtitle="Point: programme; bar: 95 % Wilson interval; tick: median of the peer group "
            "(same ISCED-F field and EQF level)",
            anchor="start",
        ),
        height=alt.Step(32),  # a step, not a total: Streamlit fits totals to the container and squeezes rows
    )


def funnel_chart(stages: pl.DataFrame, title: str = "Learner funnel") -> alt.LayerChart:
    """Learners at each stage (horizontal bars, top to bottom) with the share of those enrolled."""

    def text(r: dict) -> str:
        if r["flag"] == "c":
            return "suppressed (c)"
        share = r["share_of_enrolled"]
        return f"{r['learners']:,}" + (f" ({share:.0f} %)" if share is not None else "")

    rows = stages.with_columns(
        pl.struct("learners", "share_of_enrolled", "flag")
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
            subtitle="Distinct learners (% of those enrolled); stages under the threshold are hidden",
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
            scale=alt.Scale(scheme="blueorange", domain=[0, 100], reverse=True),
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
