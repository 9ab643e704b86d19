"""Glossary: the flags, units and terms the pages use, in plain words; every flag on a page links here.

The flag entries come from the disclosure vocabulary (pipelines/disclosure.py) and the thresholds from
the settings, so the words cannot drift from the rules that apply them.
"""

from __future__ import annotations

import streamlit as st

from dashboard.formatting import PARITY, SECONDARY_REASON, VERDICT_WORDS
from pipelines.disclosure import FLAGS, IN_USE
from pipelines.settings import settings

FLAG_DETAIL = {
    "c": "The figure rests on too few people or records to publish safely, so it is hidden; a chart draws "
    "the letter c where the value would be, never a zero. Primary suppression: fewer than {people} people, "
    "a denominator below {denominator} or fewer than {contributors} contributors to a median or quartile. "
    "Secondary suppression: " + SECONDARY_REASON.split(": ", 1)[1] + ".",
    "z": "There is nothing to compute: no eligible records, no denominator, or no previous year for a "
    "change. It is not a zero and not a suppression.",
    "u": "Reserved: the figure is published but rests on a small or incomplete base; read it with care.",
    "p": "Reserved: the figure may still be revised when later deliveries arrive.",
    "b": "Reserved: the way the figure is measured changed, so values before and after do not compare.",
}

TERMS = {
    "percentage-points": (
        "Percentage points (pp)",
        "The difference between two percentages: a share going from 45 % to 47 % rises by 2 percentage "
        "points (pp), which is a rise of about 4.4 %. Changes in shares are always in percentage points.",
    ),
    "latest-complete-year": (
        "Latest complete year",
        "The newest calendar year whose outcome window has closed by the data cut-off, so every award of "
        "that year has had its full time to be verified, recognised, stacked or followed on the labour "
        "market. Headline figures show this year, never a year still in progress.",
    ),
    "too-recent": (
        "Too recent (outcome window)",
        "Some indicators wait a fixed time after each award: 12 months for third-party verification and "
        "employment, 24 months for recognition, 36 months for stacking and progression. A year whose "
        "window has not closed yet is 'too recent': its figure would only look low because the time has "
        "not passed. Charts show such years in a grey band, never as a decline.",
    ),
    "per-1000": (
        "Per 1,000",
        "A rate per 1,000 residents of the same age band in the region or country: 2.50 per 1,000 means "
        "two and a half learners for every thousand residents aged 25-64.",
    ),
    "parity": (
        "Ratio (1 = parity)",
        f"A participation ratio compares a group's share among learners with its share in the population: "
        f"{PARITY}, below 1 the group takes part less often than its weight, above 1 more often.",
    ),
    "benchmark": (
        "All countries (benchmark)",
        "With a country, region, provider type, field or level chosen, each figure shows the value for all "
        "countries beside it, for the same year, so a filtered figure can be read against the whole.",
    ),
    "target-verdict": (
        "Target trajectory and verdict",
        "A policy target is read as a straight path from a baseline year to the target year. The recent "
        "trend (least squares over the last complete years) projects where the indicator will be. "
        + "; ".join(
            f"'{VERDICT_WORDS[v]}': {text}"
            for v, text in (
                ("met", "the latest complete year already meets the target"),
                ("on_track", "the projection reaches the target by the target year"),
                ("off_track", "it does not, or the target year passed unmet"),
                ("no_data", "no complete year or too few years for a trend"),
            )
        )
        + ". The gap is in the indicator's unit (percentage points for a share).",
    ),
    "coverage": (
        "Coverage",
        "The share of the records in view that a figure could be computed on: an element unknown in a "
        "record leaves that record out, so a figure on 40 % coverage speaks for 40 % of the records.",
    ),
}


def main() -> None:
    st.title("Glossary")
    st.caption("What the flags, units and terms on the pages mean.")
    rules = settings().disclosure
    st.header("Flags", anchor="flags")
    for code, flag in FLAGS.items():
        used = "" if code in IN_USE else " (reserved, not in use yet)"
        st.subheader(f"{code}: {flag.label}{used}", anchor=f"flag-{code}")
        st.markdown(
            FLAG_DETAIL[code].format(
                people=rules.min_people,
                denominator=rules.min_denominator,
                contributors=rules.min_contributors,
            )
        )
    st.header("Terms", anchor="terms")
    for anchor, (term, text) in TERMS.items():
        st.subheader(term, anchor=anchor)
        st.markdown(text)


main()
