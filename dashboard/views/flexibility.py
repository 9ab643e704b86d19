"""Flexibility: stacking, stack types, progression to qualifications, prior learning, multi-provider paths."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard.dimension_page import (
    Figures,
    View,
    chart_with_downloads,
    for_chart,
    render,
    series_trend,
    shown_rows,
    subtitle,
)
from dashboard.pages import spec
from pipelines.indicators.registry import get

SPEC = spec("flexibility")
STACK_TYPES = ("FLX-2v", "FLX-2h", "FLX-2c")


def pathways(view: View, figs: Figures) -> None:
    st.subheader("Stack types")
    series_trend(
        view,
        STACK_TYPES,
        "Consecutive award pairs by stack type (%)",
        "stack_types",
        caption="Shares of a learner's consecutive award pairs; pairs that fit no type (for example a "
        "lower level in the same field, or a level unknown) make up the rest to 100 %.",
    )
    st.subheader("What validating prior learning led to")
    _vpl(view)


def _vpl(view: View) -> None:
    found = data.vpl_outcomes(view.wh, view.filters)
    rows = shown_rows(found, "vpl_outcome", view)  # labels: formatting.CODE_LABELS
    title = "Prior-learning validation outcomes (count of events)"
    chart = charts.comparison(
        for_chart(rows),
        title,
        subtitle(view, get("FLX-5")),
        "count",
        "Outcome",
        bars=True,
    )
    chart_with_downloads(
        chart,
        rows,
        title,
        [get("FLX-5")],
        view,
        "vpl_outcomes",
        caption="Counts below the people threshold are suppressed, with one more where needed so that "
        "the total does not give them away.",
    )


render(SPEC, pathways)
