"""docs/METHODOLOGY.md, generated from the indicator registry and the disclosure settings, so the
published methodology and the computed figures cannot drift apart."""

from __future__ import annotations

from pipelines import disclosure
from pipelines.disclosure import Disclosure
from pipelines.indicators.registry import DIMENSION_NAMES, DIMENSIONS, INDICATORS, KINDS
from pipelines.indicators.targets import DEFAULT_TREND_YEARS
from pipelines.settings import settings

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
Flags travel with every value: `c` {confidential} (suppressed), `z` {not_applicable} (no denominator, or not
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


def _rules(d: Disclosure) -> str:
    text = (
        f"Counts of people below {d.min_people} are suppressed; shares are suppressed when the denominator "
        f"is below {d.min_denominator}; medians and quantiles need at least {d.min_contributors} "
        "contributors."
    )
    if d.round_people_to > 1:
        text += f" Published counts of people are rounded to the nearest {d.round_people_to}."
    return text


def render(rules: Disclosure | None = None) -> str:
    d = rules or settings().disclosure
    out = [
        HEADER.format(
            rules=_rules(d),
            confidential=disclosure.FLAGS["c"].label,
            not_applicable=disclosure.FLAGS["z"].label,
            few=d.min_people - 1,
            modulus=disclosure.MODULUS,
            min_bound=disclosure.MIN_BOUND,
            mix_key=disclosure.MIX_KEY,
            mix_count=disclosure.MIX_COUNT,
            mix_offset=disclosure.MIX_OFFSET,
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
    out.append(TARGETS.format(n=DEFAULT_TREND_YEARS))
    out.append(IMPACT.format(min_people=d.min_denominator))
    return "\n".join(out)


# Policy targets as trajectories (pipelines/indicators/targets.py, issue 13).
TARGETS = """## Policy targets: trajectories and verdicts

A policy target (`[[targets]]` in `config/observatory.toml`: indicator, value, year) is read as a
trajectory, from published values by year for all countries (`indicator_targets` in the warehouse and
the release, and the `target` block of `mco indicators --json`):

- **Complete years only.** A year is complete when the window of its latest record has closed by the
  data cut-off: 31 December of the year plus the indicator's window (12 months for a 12-month
  indicator and for every labour-market outcome, 24 or 36 months where the definition counts within
  that time, none otherwise) falls on or before the cut-off. Later years are not used, so a window that
  has not closed yet never reads as a decline. The *latest complete year* is the latest complete year
  with a published (not suppressed) value: the year a headline shows.
- **Path.** A straight line from the baseline (`baseline_year` and `baseline_value`; by default the
  first complete year with a published value and that value) to the target value in the target year.
  `ahead_of_path` is the latest value minus the path's value that year, positive when better.
- **Projection.** An ordinary least-squares line through the published values of the last
  `trend_years` complete years (default {n}, at least 2; a suppressed year is skipped, not filled),
  read in the target year.
- **Verdict.** *met* when the latest complete value already meets the target (at or above it, at or
  below when lower is better); else *on track* when the projection meets it by the target year; else
  *off track* (also when the target year has passed); *no data* when no complete year has a published
  value or fewer than two of the last `trend_years` complete years do. The **gap** is how far the
  projection (for *met*, the latest value) falls short of the target, in the indicator's unit
  (percentage points for a percentage): positive is short, zero or negative reaches it.
"""


# The counterfactual impact estimates (pipelines/impact, issue 15): not indicators of the registry, but
# published beside them, so their method is part of the same document.
IMPACT = """## Impact: what micro-credentials change in employment and earnings

OUT-1 and OUT-2 show learners' employment before and after an award: an *outcome*, not an *impact*.
People who take micro-credentials differ from those who do not (younger, better educated), and their
employment would have changed anyway; a before/after gain mixes the credential's effect with who chose
it. The impact estimates (`pub_impact`, `pub_impact_event`, computed at build time by `pipelines/impact`)
compare learners with similar people from the same administrative source who took no micro-credential
(the `comparison_population` template).

**Data.** Everyone in the administrative source is observed at calendar dates (the generator and the
template use the first day of each quarter); an observation counts in its calendar quarter. A learner's
*anchor* is the first quarter start on or after the first award; relative month m = 3 x (quarter -
anchor). Outcomes: employed (employed or self-employed) and gross monthly earnings (0 when not in paid
work). A person is a learner when their pseudonym has an award or a learner record; every other person
of the source is a potential comparison.

**Matching: coarsened exact matching (CEM).** Strata are 5-year birth cohort x sex x prior education
(ISCED 0-2, 3-4, 5-8) x country of residence. Within a group (say field 06), a comparison person counts
only in strata holding learners of that group; each is given the anchor of a learner drawn from the
same stratum (by a fixed hash of the pseudonym), so matched comparisons are observed over the same
calendar quarters as the learners they stand for. Weights: a learner 1, a comparison person
(T_s / C_s) x (C / T) (T_s, C_s learners and comparisons in the stratum; C, T over the matched strata).
Learners in strata without any comparison are left out and counted in the coverage.
*Why CEM rather than inverse-probability weights from a logistic model:* the covariates the source holds
are few and categorical, so exact strata lose little; the comparisons are aligned with the learners'
calendar period stratum by stratum, which a propensity score does not do; weights cannot explode for
propensities near one; common support is explicit (a stratum either has comparisons or not, and the
coverage says how many learners that leaves out); and the weights are group-bys, so all groups are
estimated at build time in seconds.

**Estimator: difference-in-differences.** For each horizon, the change Y(anchor + k) - Y(anchor - 1)
(the reference is the quarter 3 months before the anchor; k = 2 for 6 months, k = 4 for 12 months after
the award) is regressed on a constant and a learner indicator by weighted least squares with the CEM
weights (`statsmodels` WLS); the coefficient is the average effect on the treated (ATT). With one change
per person, the heteroscedasticity-robust HC1 covariance is the person-clustered covariance: **95 %
confidence intervals are analytic, cluster-robust by person** (coefficient +/- 1.96 standard errors).
The *naive* before/after gain is the learners' mean change over the same quarters, with its own interval.
Estimates are published overall and by ISCED-F field, provider type, EQF level and provider country
(the group of the learner's first award); the matching is redone within each group.

**Event study and pre-trend test.** Overall, the same regression at every relative month from -12 to
+12 (reference -3 months, shown as 0) gives the event-study path. The pre-trend test stacks the changes
at -12, -9 and -6 months, regresses them on relative-month dummies and learner x relative-month dummies
with standard errors clustered by person, and tests the three learner terms jointly (Wald chi-squared,
3 degrees of freedom); a small p-value warns that learners and comparisons were already diverging.

**Assumptions, in plain words.** The estimate compares learners with similar people (same birth cohort,
sex, prior education and country, in the same period) who took no micro-credential, and assumes their
employment would have moved in parallel without the credential. It cannot account for differences the
source does not record (motivation, employer support); a learner's first award stands for all later ones.

**Disclosure.** No estimate is published on fewer than {min_people} learners or fewer than {min_people}
comparison people (flag `c`, the denominator threshold of the disclosure settings); the naive gain needs
{min_people} learners. Published counts of learners and comparison people carry the cell key method's
noise (record keys of the people), and the coverage is rounded to two decimals. The internal tables
`mart_impact` and `mart_impact_event` keep the true counts and are never published. Each row carries
the method and its version (`method`, `method_version`).
"""
