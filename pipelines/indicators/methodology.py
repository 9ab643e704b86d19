"""docs/METHODOLOGY.md, generated from the indicator registry and the disclosure settings, so the
published methodology and the computed figures cannot drift apart."""

from __future__ import annotations

from pipelines import cellkey
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
A zero count is published (it singles out no one); a rate whose numerator counts one to
{few} records of people is suppressed like a small count.
Secondary suppression: when exactly one cell of a breakdown is suppressed, the published cell with the
smallest denominator is suppressed too, so the hidden value cannot be recovered from the total.
Flags travel with every value: `c` confidential (suppressed), `z` not applicable (no denominator, or not
defined for this breakdown). Numerators and denominators of suppressed cells are not published.

### Perturbation: the cell key method

Users choose any combination of filters (years, countries, regions, provider types, fields, EQF levels),
so suppression alone cannot stop differencing ("all regions" minus "all regions but one" isolates a
region). As the ABS TableBuilder and the UK 2021 Census flexible tables do, every published count is
perturbed with the **cell key method** (`pipelines/cellkey.py`):

- every record (an award, a learner, a pair of awards, a pathway event, an outcome observation, a
  specification) has a fixed random *record key*: the low 40 bits of MD5 over the keyed learner hash and
  the record id, so it cannot be computed without the pseudonymisation key; distinct-learner counts use
  one key per learner;
- a cell's *cell key* is the sum of its records' keys modulo {modulus}; the numerator of a rate is keyed by
  its own and its denominator's records together;
- the noise of a cell with true count n and cell key k is an integer drawn uniformly from
  [-D(n), D(n)], D(n) = max({min_bound}, floor(sqrt(n) / 2)), by the published rule
  `u = ((k x {mix_key} + n x {mix_count} + {mix_offset}) mod {modulus} + 0.5) / {modulus}`,
  noise = floor(u x (2 D(n) + 1)) - D(n); zero stays zero, no count goes below zero, and a count at or
  above a threshold is never pushed below it;
- rates, ratios, growth and gaps are computed from the perturbed counts; sums over people's records
  (ECTS recognised, the net employment gain, reference shares) are scaled by their contributors'
  perturbed count; medians and quantiles are not perturbed (their contributor counts are).

The same set of records therefore always shows the same value, whichever page, filter, download or
command asked for it, and the difference of two published cells carries both cells' noise: it equals
the true difference only by chance (about 1 in 2 D + 1), which the attacker cannot tell. Thresholds and
flags are decided on the true counts. The internal, unperturbed cube (`mart_indicator_cube`) is kept
for checks and never published. `benchmarks/bench_disclosure.py` measures the attack and the utility
(mean absolute and relative error by cell size).
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
    d = disclosure()
    out = [
        HEADER.format(
            rules=_rules(),
            few=d.min_people - 1,
            modulus=cellkey.MODULUS,
            min_bound=cellkey.MIN_BOUND,
            mix_key=cellkey.MIX_KEY,
            mix_count=cellkey.MIX_COUNT,
            mix_offset=cellkey.MIX_OFFSET,
        )
    ]
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
