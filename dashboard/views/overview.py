"""Overview: one headline figure per dimension, the awards trend and every indicator for the filters."""

from __future__ import annotations

import io

import polars as pl
import streamlit as st

from dashboard import charts, data
from dashboard.filters import sidebar_filters
from dashboard.formatting import (
    DIMENSION_LABELS,
    FLAG_MEANINGS,
    format_growth,
    format_value,
    period_label,
)
from pipelines.indicators.registry import DIMENSIONS, INDICATORS, Indicator

# One headline per dimension, as the registry marks them, in the order of DIMENSIONS.
HEADLINES: tuple[Indicator, ...] = tuple(
    sorted((i for i in INDICATORS if i.headline), key=lambda i: DIMENSIONS.index(i.dimension))
)
TILE_HEIGHT = 136  # px: tiles line up whether or not they carry a delta
SUCCESS_HEADLINES = tuple(i.id for i in HEADLINES if i.dimension != "adoption" and i.unit == "%")


def _row(frame: pl.DataFrame, indicator_id: str) -> dict | None:
    rows = frame.filter(pl.col("indicator_id") == indicator_id).to_dicts()
    return rows[0] if rows else None


def _latest_growth(growth: pl.DataFrame) -> tuple[str | None, str]:
    """ADO-2 of the latest year in the filtered period: a metric delta, or a note saying why there is none."""
    if growth.is_empty():
        return None, "growth n/a"
    last = growth.sort("breakdown_value").row(-1, named=True)
    delta = format_growth(last["value"], last["breakdown_value"])
    if delta is None:
        why = "suppressed (c)" if last["flag"] == "c" else "n/a"
        return None, f"growth in {last['breakdown_value']}: {why}"
    return delta, ""


def _about_text(ind: Indicator) -> str:
    text = (
        f"{ind.definition}\n\n"
        f"- **Numerator:** {ind.numerator_text}\n"
        f"- **Denominator:** {ind.denominator_text or 'none (a count)'}\n"
        f"- **Period:** {ind.period_basis}"
    )
    return text + (f"\n\n*Caveat:* {ind.caveats}" if ind.caveats else "")


def _tile(ind: Indicator, row: dict | None, period: str, growth: tuple[str | None, str] | None) -> None:
    """One headline: dimension, value with unit, what it measures and over which period."""
    value = format_value(row["value"], ind.unit, row["flag"]) if row else format_value(None, ind.unit, "z")
    st.metric(
        label=DIMENSION_LABELS[ind.dimension],
        value=value,
        delta=growth[0] if growth else None,
        help=f"{ind.id}: {ind.definition}",
        border=True,
        height=TILE_HEIGHT,
    )
    detail = f"**{ind.name}**  \n{ind.id} · {period}"
    if growth and growth[1]:
        detail += f" · {growth[1]}"
    st.caption(detail)
    with st.expander(":small[About this indicator]"):
        st.markdown(_about_text(ind))


def _table(overall: pl.DataFrame) -> pl.DataFrame:
    """All indicators for the view, as published: suppressed cells blank, flags kept."""
    rows = []
    for ind in INDICATORS:
        row = _row(overall, ind.id) or {"value": None, "numerator": None, "denominator": None, "flag": "z"}
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


def _download(overall: pl.DataFrame, view: str, build: dict[str, str]) -> bytes:
    """The table as CSV with its metadata in columns, so the flags and filters travel with it."""
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
        pl.lit(view).alias("filters"),
        pl.lit(build.get("build_id", "")).alias("build_id"),
        pl.lit(build.get("data_cutoff", "")).alias("data_cutoff"),
    )
    buffer = io.BytesIO()
    out.write_csv(buffer)
    return buffer.getvalue()


def main() -> None:
    wh = data.require_warehouse()
    options = data.options(wh)
    build = data.build_info(wh)

    st.title("Micro-credentials at a glance")
    st.caption(
        "Headline indicators of the Microcredential Observatory: are micro-credentials trusted, "
        "transparent, innovative and flexible? Figures follow the disclosure rules on the Methodology page."
    )
    state = sidebar_filters(options)
    filters = state.to_filters(options)
    view = state.describe()

    if not options.years:
        st.info("The warehouse holds no awards yet, so there is nothing to show.", icon=":material/info:")
        st.stop()

    overall = data.indicators(wh, None, "overall", filters)
    yearly = data.indicators(wh, ("ADO-1", *SUCCESS_HEADLINES), "year", filters)
    growth = data.indicators(wh, ("ADO-2",), "year", filters)

    st.markdown(f"**Showing:** {view}")
    st.subheader("Headline indicators")
    period = period_label(state.year_from, state.year_to)
    for column, ind in zip(st.columns(len(HEADLINES)), HEADLINES, strict=True):
        with column:
            _tile(ind, _row(overall, ind.id), period, _latest_growth(growth) if ind.id == "ADO-1" else None)

    st.subheader("Trends")
    left, right = st.columns(2)
    with left:
        st.altair_chart(charts.awards_trend(yearly, growth), width="stretch")
    with right:
        st.altair_chart(charts.dimension_trends(yearly, SUCCESS_HEADLINES), width="stretch")

    st.subheader("All indicators")
    st.caption(f"{view}. Values for the whole period; rates in percent.")
    st.dataframe(
        _table(overall),
        hide_index=True,
        width="stretch",
        height="content",
        placeholder="",
        column_config={
            "Dimension": st.column_config.TextColumn(width=110),
            "ID": st.column_config.TextColumn(width=70),
            "Indicator": st.column_config.TextColumn(width=300),
            "Value": st.column_config.TextColumn(width=110, alignment="right"),
            "Unit": st.column_config.TextColumn(width=60),
            "Numerator": st.column_config.NumberColumn(width=100, format="localized"),
            "Denominator": st.column_config.NumberColumn(width=100, format="localized"),
            "Flag": st.column_config.TextColumn(width=50, help="c = suppressed, z = not applicable"),
        },
    )
    st.caption(" · ".join(f"**{flag}** = {meaning}" for flag, meaning in FLAG_MEANINGS.items()))
    st.download_button(
        "Download this table (CSV with definitions and flags)",
        data=_download(overall, view, build),
        file_name="mco_indicators.csv",
        mime="text/csv",
        icon=":material/download:",
    )

    st.divider()
    if build:
        st.caption(
            f"Build `{build.get('build_id', 'unknown')}` · built {build.get('built_at', 'unknown')} · "
            f"data cut-off {build.get('data_cutoff', 'unknown')} · source: Microcredential Observatory "
            "warehouse"
        )
    else:
        st.caption("Build information is not available in this warehouse.")


main()
