"""Methodology: the indicator registry and the disclosure rules, rendered from the code that applies them.

Reading the registry and the engine's thresholds directly means this page cannot drift from the figures.
"""

from __future__ import annotations

import streamlit as st

from dashboard.formatting import (
    DIMENSION_INTROS,
    DIMENSION_LABELS,
    DIRECTION_LABELS,
    FLAG_MEANINGS,
    SUPPRESSED,
    UNIT_LABELS,
)
from pipelines.indicators.registry import DIMENSIONS, INDICATORS, Indicator
from pipelines.settings import settings


def _indicator(ind: Indicator) -> None:
    """One indicator as a card: what it measures, how it is computed, and what to watch out for."""
    badge = " :blue-badge[headline]" if ind.headline else ""
    lines = [
        f"- **Numerator:** {ind.numerator_text}",
        f"- **Denominator:** {ind.denominator_text or 'none: the indicator is a count'}",
        f"- **Unit:** {UNIT_LABELS.get(ind.unit, ind.unit)} · "
        f"**Direction:** {DIRECTION_LABELS.get(ind.direction, ind.direction)}",
        f"- **Period basis:** {ind.period_basis}",
    ]
    if ind.gap:
        lines.insert(0, f"- **Computed as:** {ind.gap.of} for {ind.gap.a} minus {ind.gap.of} for {ind.gap.b}")
    rules = settings().disclosure
    if ind.people:
        lines.append(f"- **Disclosure:** a count of people, suppressed below {rules.min_people}")
    elif ind.kind == "quantile":
        lines.append(f"- **Disclosure:** suppressed with fewer than {rules.min_contributors} contributors")
    elif ind.denominator_sql is not None or ind.kind in ("gap", "growth"):
        lines.append(f"- **Disclosure:** suppressed when the denominator is below {rules.min_denominator}")
    lines.append(f"- **Breakdowns:** {', '.join(ind.available())}")
    if ind.caveats:
        lines.append(f"- **Caveat:** {ind.caveats}")
    with st.container(border=True, height="stretch"):
        st.markdown(f"##### {ind.id} · {ind.name}{badge}")
        st.markdown(ind.definition)
        st.markdown("\n".join(lines))


def main() -> None:
    st.title("Methodology")
    st.markdown(
        "Every figure in the Observatory comes from one registry of indicators: each has one definition, "
        "a numerator and a denominator, a unit and a period basis. The dashboard, the command line "
        "(`mco indicators`) and the researcher downloads all compute them with the same code. Unless "
        "stated otherwise, the period is the **calendar year of the award**, and rates are in percent."
    )

    st.header("Disclosure control and flags")
    rules = settings().disclosure
    st.markdown(
        "Published statistics about people must not let anyone single out a person. The Observatory "
        "follows the conventions of official education-outcome statistics:\n\n"
        f"- **Counts of people below {rules.min_people}** (for example unique learners) are suppressed and "
        "flagged `c`.\n"
        f"- **Rates on a denominator below {rules.min_denominator}** are suppressed and flagged `c`; the "
        "numerator and denominator are blanked with them.\n"
        "- A value that cannot be computed (no denominator, or not defined for the view, such as "
        "year-on-year growth over a whole period) is flagged `z`.\n"
        f"- A suppressed value is shown as *{SUPPRESSED}* and never as 0. Flags travel with every "
        "table and download.\n"
        "- Rates are computed from unrounded data. Thresholds are configurable."
    )
    flags = "| Flag | Meaning |\n| --- | --- |\n" + "\n".join(
        f"| `{flag}` | {meaning} |" for flag, meaning in FLAG_MEANINGS.items()
    )
    st.markdown(flags)

    st.header("Indicators")
    st.markdown(
        "Indicators are grouped by dimension. The four success dimensions (trust, transparency, "
        "innovation, flexibility) and adoption each have one **headline** indicator, shown on the "
        "Overview."
    )
    for dimension in DIMENSIONS:
        members = [i for i in INDICATORS if i.dimension == dimension]
        if not members:
            continue
        st.subheader(DIMENSION_LABELS.get(dimension, dimension.title()), divider="gray")
        if dimension in DIMENSION_INTROS:
            st.caption(DIMENSION_INTROS[dimension])
        for start in range(0, len(members), 2):
            for column, ind in zip(st.columns(2), members[start : start + 2], strict=False):
                with column:
                    _indicator(ind)


main()
