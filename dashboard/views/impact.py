"""Impact: what micro-credentials change in employment and earnings, against a matched comparison.

Reads the precomputed public tables `pub_impact` and `pub_impact_event` (built by pipelines/impact at
build time, after disclosure control); nothing is estimated while the page runs.
"""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from dashboard import charts, data, exports, widgets
from pipelines.impact.read import ASSUMPTIONS, BREAKDOWNS

OUTCOMES = {"employment": "Employment (percentage points)", "earnings": "Monthly earnings (euro)"}
BY_LABELS = {
    "overall": "Overall",
    "field": "ISCED-F field",
    "provider_type": "Provider type",
    "eqf_level": "EQF level",
    "country": "Country of the provider",
}


def _scaled(frame: pl.DataFrame, outcome: str) -> pl.DataFrame:
    """Employment effects in percentage points (the tables hold shares), earnings in euro."""
    cols = [
        c for c in ("estimate", "ci_low", "ci_high", "naive", "naive_ci_low", "naive_ci_high") if c in frame
    ]
    factor = 100.0 if outcome == "employment" else 1.0
    return frame.with_columns([(pl.col(c) * factor).alias(c) for c in cols])


def _downloads(chart: alt.TopLevelMixin, rows: pl.DataFrame, title: str, key: str, build: dict) -> None:
    meta = exports.metadata(
        title,
        (),
        "impact estimates (CEM + difference-in-differences), all periods",
        {},
        build,
        "impact",
        (ASSUMPTIONS, f"method: {rows['method'][0] if rows.height else ''}"),
    )
    widgets.chart_downloads(chart, rows, meta, f"mco_{exports.slug(title)}", key)


def _naive_vs_estimate(frame: pl.DataFrame, unit: str) -> alt.LayerChart:
    """Naive gain and estimated effect with their 95 % intervals, one row per group and horizon."""
    long = pl.concat(
        [
            frame.select(
                "breakdown_value",
                "horizon_months",
                kind=pl.lit("estimated effect (vs matched comparison)"),
                value=pl.col("estimate"),
                low=pl.col("ci_low"),
                high=pl.col("ci_high"),
            ),
            frame.select(
                "breakdown_value",
                "horizon_months",
                kind=pl.lit("naive before/after gain"),
                value=pl.col("naive"),
                low=pl.col("naive_ci_low"),
                high=pl.col("naive_ci_high"),
            ),
        ]
    ).with_columns(horizon=pl.format("{} months", pl.col("horizon_months")))
    base = alt.Chart(long.to_pandas()).encode(
        y=alt.Y("breakdown_value:N", title=None),
        yOffset=alt.YOffset("kind:N"),
        color=alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom")),
    )
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("low:Q", title=unit), x2="high:Q")
    points = base.mark_point(filled=True, size=60).encode(
        x="value:Q",
        tooltip=[
            alt.Tooltip("breakdown_value:N", title="group"),
            alt.Tooltip("kind:N"),
            alt.Tooltip("value:Q", format=".2f"),
            alt.Tooltip("low:Q", format=".2f", title="95 % CI low"),
            alt.Tooltip("high:Q", format=".2f", title="95 % CI high"),
        ],
    )
    zero = alt.Chart().mark_rule(color="grey", strokeDash=[4, 4]).encode(x=alt.datum(0))
    return (
        alt.layer(bars, points, zero)
        .facet(column=alt.Column("horizon:N", title=None), data=long.to_pandas())
        .properties(title="Naive gain vs estimated effect (95 % intervals)")
    )


def _event_chart(ev: pl.DataFrame, unit: str) -> alt.LayerChart:
    frame = ev.to_pandas()
    base = alt.Chart(frame).encode(
        x=alt.X("relative_month:Q", title="months from the award", scale=alt.Scale(domain=[-12, 12]))
    )
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("ci_low:Q", title=unit), y2="ci_high:Q")
    line = base.mark_line(point=True).encode(
        y="estimate:Q",
        tooltip=[
            alt.Tooltip("relative_month:Q", title="months"),
            alt.Tooltip("estimate:Q", format=".2f"),
            alt.Tooltip("ci_low:Q", format=".2f"),
            alt.Tooltip("ci_high:Q", format=".2f"),
        ],
    )
    zero = alt.Chart(frame).mark_rule(color="grey", strokeDash=[4, 4]).encode(y=alt.datum(0))
    award = alt.Chart(frame).mark_rule(color="grey").encode(x=alt.datum(0))
    return alt.layer(band, line, zero, award).properties(title="Event study: effect by month from the award")


def main() -> None:
    st.title("Impact of micro-credentials")
    st.markdown(
        "The labour-market outcomes page shows how learners' employment changes after an award: an "
        "**outcome**. This page estimates the **impact**: the change the credential itself made, by "
        "comparing learners with similar people who took no micro-credential."
    )
    st.info(f"**Assumptions, in plain words.** {ASSUMPTIONS}", icon=":material/info:")
    wh = data.require_warehouse()
    if not {"pub_impact", "pub_impact_event"} <= data.table_names(wh):
        st.warning("This warehouse has no impact estimates: rebuild it with `mco build`.")
        return
    build = data.build_info(wh)
    table = data._read(
        wh, "select * from pub_impact order by outcome, horizon_months, breakdown, breakdown_value"
    )
    events = data._read(wh, "select * from pub_impact_event order by outcome, relative_month")
    if table.height == 0:
        st.warning(
            "No impact estimates: the data hold no comparison population (the `comparison_population` "
            "template, docs/DATA_TEMPLATES.md)."
        )
        return
    left, right = st.columns(2)
    outcome = left.radio(
        "Outcome", list(OUTCOMES), format_func=OUTCOMES.get, horizontal=True, key="imp_outcome"
    )
    by = right.selectbox("Compare by", BREAKDOWNS, format_func=BY_LABELS.get, key="imp_by")
    unit = OUTCOMES[outcome]
    rows = _scaled(table.filter(pl.col("outcome") == outcome), outcome)

    overall = rows.filter(pl.col("breakdown") == "overall")
    tiles = st.columns(max(overall.height, 1))
    for tile, r in zip(tiles, overall.iter_rows(named=True), strict=False):
        if r["estimate"] is None:
            tile.metric(f"Effect at {r['horizon_months']} months", "c (too few people)")
            continue
        tile.metric(
            f"Effect at {r['horizon_months']} months",
            f"{r['estimate']:+.1f}",
            delta=f"naive gain {r['naive']:+.1f}" if r["naive"] is not None else None,
            delta_color="off",
            help=f"95 % CI {r['ci_low']:+.1f} to {r['ci_high']:+.1f} ({unit}); "
            f"{r['treated'] or 0:,} learners, {r['comparison'] or 0:,} comparison people",
        )

    shown = rows.filter(pl.col("breakdown") == by)
    published = shown.filter(pl.col("flag").is_null())
    st.subheader(f"Naive gain vs estimated effect: {BY_LABELS[by].lower()}")
    if published.height:
        chart = _naive_vs_estimate(published, unit)
        said = (
            f"{published.height} groups by {BY_LABELS[by].lower()}: the naive gain beside the estimated "
            f"effect ({unit})."
        )
        st.altair_chart(
            charts.accessible(chart, f"Naive gain vs estimated effect: {BY_LABELS[by].lower()}", said),
            width="stretch",
        )
        cols = [
            "outcome",
            "horizon_months",
            "breakdown",
            "breakdown_value",
            "naive",
            "naive_ci_low",
            "naive_ci_high",
            "estimate",
            "ci_low",
            "ci_high",
            "p_value",
            "treated",
            "comparison",
            "coverage",
            "flag",
            "method",
            "method_version",
        ]
        _downloads(chart, shown.select(cols), f"Impact on {outcome} by {by}", f"imp_{outcome}_{by}", build)
    hidden = shown.height - published.height
    if hidden:
        st.caption(
            f"{hidden} group(s) not shown (flag c): fewer than the minimum learners or comparison people."
        )
    coverage = shown.select(
        pl.col("breakdown_value").alias("group"),
        pl.col("horizon_months").alias("months"),
        (pl.col("coverage") * 100).round(0).alias("learners with a comparison (%)"),
        pl.col("treated").alias("learners"),
        pl.col("comparison").alias("comparison people"),
        "flag",
    )
    with st.expander("Coverage: learners matched to comparisons, per group"):
        st.dataframe(coverage, hide_index=True, width="stretch")

    st.subheader("Event study")
    ev = _scaled(events.filter(pl.col("outcome") == outcome), outcome)
    if ev.height and ev["estimate"].is_not_null().any():
        chart = _event_chart(ev.filter(pl.col("estimate").is_not_null()), unit)
        said = f"Estimated effect by months from the award ({unit}), with 95 % intervals."
        st.altair_chart(charts.accessible(chart, "Event study", said), width="stretch")
        p = ev["pretrend_p"][0]
        if p is not None:
            verdict = (
                "no sign that learners and comparisons were already diverging"
                if p >= 0.05
                else "learners and comparisons were already diverging before the award: "
                "read the effect with care"
            )
            st.markdown(
                "**Pre-trend test** (months -12, -9, -6 jointly zero): "
                f"chi-squared {ev['pretrend_chi2'][0]:.2f}, "
                f"{ev['pretrend_df'][0]} degrees of freedom, p = {p:.3f}: {verdict}."
            )
        _downloads(
            chart,
            ev.drop("pretrend_chi2", "pretrend_df"),
            f"Impact event study {outcome}",
            f"imp_ev_{outcome}",
            build,
        )
    st.caption(
        f"Method: {table['method'][0]} (version {table['method_version'][0]}); see the Methodology page "
        "and docs/METHODOLOGY.md, section Impact."
    )


main()
