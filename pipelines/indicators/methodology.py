"""docs/METHODOLOGY.md, generated from the indicator registry and the disclosure settings, so the
published methodology and the computed figures cannot drift apart."""

from __future__ import annotations

from pipelines.indicators.registry import DIMENSION_NAMES, DIMENSIONS, INDICATORS, KINDS
from pipelines.publish.settings import disclosure

HEADER = """# Methodology

<!-- Generated from pipelines/indicators/registry.py by `mco docs`; do not edit by hand. -->

Every figure the observatory publishes comes from one registry of indicators. Each indicator below is
computed by one SQL expression over one mart of the warehouse; the dashboard, `mco indicators` and the
downloads all call the same engine. Periods are calendar years. Exact definitions, including
tie-breaking and censoring rules, are in `docs/INDICATOR_DEFINITIONS.md`.

## Disclosure control

Published figures follow DOMAIN.md §6. {rules}
Secondary suppression: when exactly one cell of a breakdown is suppressed, the published cell with the
smallest denominator is suppressed too, so the hidden value cannot be recovered from the total.
Flags travel with every value: `c` confidential (suppressed), `z` not applicable (no denominator, or not
defined for this breakdown). Numerators and denominators of suppressed cells are not published.
"""


def _rules() -> str:
    d = disclosure()
    text = (
        f"Counts of people below {d.min_people} are suppressed; shares are suppressed when the denominator "
        f"is below {d.min_denominator}; medians and quantiles need at least {d.min_contributors} "
        "contributors."
    )
    if d.round_people_to > 1:
        text += f" Published counts of people are rounded to the nearest {d.round_people_to}."
    return text


def render() -> str:
    out = [HEADER.format(rules=_rules())]
    for dim in DIMENSIONS:
        inds = [i for i in INDICATORS if i.dimension == dim]
        out.append(f"## {DIMENSION_NAMES[dim]}\n")
        for i in inds:
            out.append(f"### {i.id} {i.name}\n")
            out.append(f"{i.definition}\n")
            rows = [
                ("Numerator", i.numerator_text),
                ("Denominator", i.denominator_text or "–"),
                ("Value", KINDS[i.kind]),
                ("Unit", i.unit),
                (
                    "Direction",
                    {"up": "higher is better", "down": "lower is better"}.get(i.direction, "descriptive"),
                ),
                ("Period", i.period_basis),
                ("Breakdowns", ", ".join(i.available())),
            ]
            if i.gap:
                rows.insert(0, ("Computed as", f"{i.gap.of} for {i.gap.a} minus {i.gap.of} for {i.gap.b}"))
            if i.caveats:
                rows.append(("Caveats", i.caveats))
            out.append("| | |\n| --- | --- |\n" + "\n".join(f"| {k} | {v} |" for k, v in rows) + "\n")
    return "\n".join(out)
