"""Trust: quality assurance, verifiability, third-party verification, recognition and revocation."""

from __future__ import annotations

import streamlit as st

from dashboard.dimension_page import Figures, View, render, series_trend
from dashboard.pages import spec

SPEC = spec("trust")
SCENARIOS = ("TRU-5e", "TRU-5l", "TRU-5p")


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
