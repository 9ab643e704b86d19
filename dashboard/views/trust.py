"""Trust: quality assurance, verifiability, third-party verification, recognition and revocation."""

from __future__ import annotations

import streamlit as st

from dashboard.dimension_page import Figures, PageSpec, View, render, series_trend

SPEC = PageSpec(
    dimension="trust",
    title="Trust",
    tiles=("TRU-1", "TRU-2", "TRU-3", "TRU-4", "TRU-5", "TRU-6"),
    default="TRU-1",
)
SCENARIOS = {"TRU-5e": "Education", "TRU-5l": "Labour market (employers)", "TRU-5p": "Public authorities"}


def recognition(view: View, figs: Figures) -> None:
    st.subheader("Recognition by scenario")
    series_trend(
        view,
        SCENARIOS,
        "Recognition within 24 months by who recognised the award (%)",
        "recognition_scenarios",
        caption="Shares of awards issued at least 24 months before the cut-off; an award recognised in "
        "several scenarios counts in each, so the series do not add up to TRU-5.",
    )


render(SPEC, recognition)
