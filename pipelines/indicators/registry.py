"""The indicator registry: every indicator defined once, with the SQL that computes it beside it.

Each indicator reads one *base* mart (see `BASES`) and is a pair of aggregate SQL expressions
(numerator, denominator) over that base; its `kind` says how the value follows from them. The engine
adds filters and a breakdown, so adding an indicator means adding one entry here. Exact definitions:
docs/INDICATOR_DEFINITIONS.md (the generator's ground truth implements the same text independently).
"""

from __future__ import annotations

from dataclasses import dataclass, field

DIMENSIONS = ("adoption", "trust", "transparency", "innovation", "flexibility", "outcomes", "inclusion")
DIMENSION_NAMES = {
    "adoption": "Adoption",
    "trust": "Trust",
    "transparency": "Transparency",
    "innovation": "Innovation",
    "flexibility": "Flexibility",
    "outcomes": "Labour-market outcomes",
    "inclusion": "Inclusion",
}

# Base relations the indicators aggregate over, and the breakdowns each one carries. Every base has
# the columns the filters use: year, country_code, provider_type.
BASES = {
    "awards": "mart_award",
    "specs": "mart_credential_year",
    "launches": "mart_credential_launch",
    "learners": "mart_learner_cohort",
    "stackers": "mart_stackable_cohort",
    "pairs": "mart_award_pair",
    "events": "mart_pathway_event",
    "outcomes": "mart_outcome",
}
ALL = (
    "overall",
    "year",
    "country",
    "region",
    "provider_type",
    "provider",
    "field",
    "eqf_level",
    "format",
    "participation_form",
    "purpose",
    "sex",
    "age_band",
    "country_year",
)
OFFER = (
    "overall",
    "year",
    "country",
    "region",
    "provider_type",
    "provider",
    "field",
    "eqf_level",
    "format",
    "participation_form",
    "country_year",
)
BASE_BREAKDOWNS = {
    "awards": ALL,
    "specs": OFFER,
    "launches": OFFER,
    "learners": ALL,
    "stackers": ALL,
    "pairs": ALL,
    "events": ALL,
    "outcomes": ALL,
}

# How a value follows from numerator and denominator.
KINDS = {
    "count": "the numerator",
    "sum": "the numerator",
    "share": "numerator / denominator x 100",
    "ratio": "numerator / denominator",
    "quantile": "the numerator (a quantile); the denominator counts its contributors",
    "growth": "numerator / denominator x 100 against the previous year",
    "gap": "difference in percentage points between two groups",
    "per_capita": "numerator / denominator (population in thousands)",
}


@dataclass(frozen=True)
class Gap:
    """A gap indicator: indicator `of` for group `a` minus group `b` of a grouping expression."""

    of: str
    group_sql: str
    a: str
    b: str


@dataclass(frozen=True)
class Indicator:
    id: str
    dimension: str
    name: str
    definition: str
    numerator_text: str
    denominator_text: str | None
    unit: str  # "count", "%", "ratio", "pp", "ECTS", "months", "EUR/month", "per 1,000"
    direction: str  # "up" = higher is better, "down" = lower is better, "none" = descriptive
    base: str
    numerator_sql: str
    denominator_sql: str | None = None
    kind: str = "share"
    period_basis: str = "calendar year of the award"
    people: bool = False  # the numerator counts people (disclosure control applies to it)
    caveats: str = ""
    headline: bool = False
    gap: Gap | None = None
    breakdowns: tuple[str, ...] = field(default=())

    def available(self) -> tuple[str, ...]:
        """Breakdowns this indicator can be shown by."""
        return self.breakdowns or BASE_BREAKDOWNS[self.base]


_NON_TRADITIONAL = "('employer', 'sector_body', 'private')"
_SPECS = "specifications with an award in the period"
_SPEC_YEAR = "calendar year of the specification's awards"
_FIRST = "calendar year of the learner's first award"
_PAIR = "calendar year of the second award of the pair"
_OBSERVED = "calendar year of the observed award"
_RECOGNITION = "('recognised_for_credit', 'exemption_granted', 'admitted_to_programme')"


def _share(id, dim, name, definition, num_text, den_text, base, num, den, **kw) -> Indicator:
    return Indicator(
        id,
        dim,
        name,
        definition,
        num_text,
        den_text,
        kw.pop("unit", "%"),
        kw.pop("direction", "up"),
        base,
        num,
        den,
        **kw,
    )


def _recognition(suffix: str, org: str | None, label: str) -> Indicator:
    condition = "recognised_24m" if org is None else f"recognised_24m_{org}"
    return _share(
        f"TRU-5{suffix}",
        "trust",
        f"Recognition rate{label} (24 months)",
        "Share of awards recognised by another organisation (credit, exemption or admission)"
        f"{label.replace(' by', ' by') if org else ''} within 24 months of issue.",
        f"awards recognised{label} within 24 months",
        "awards issued at least 24 months before the cut-off",
        "awards",
        f"count(*) filter (where eligible_24m and {condition})",
        "count(*) filter (where eligible_24m)",
        caveats="Awards younger than 24 months at the cut-off are left out (censoring). "
        "Hiring is not observed "
        "as a recognition event in the templates.",
    )


INDICATORS: tuple[Indicator, ...] = (
    # ---- Adoption
    Indicator(
        "ADO-1",
        "adoption",
        "Awards issued",
        "Number of micro-credential awards issued in the period.",
        "awards issued",
        None,
        "count",
        "up",
        "awards",
        "count(*)",
        kind="count",
        headline=True,
    ),
    Indicator(
        "ADO-2",
        "adoption",
        "Year-on-year growth of awards",
        "Change in awards issued against the previous calendar year.",
        "awards in the year minus awards in the previous year",
        "awards in the previous year",
        "%",
        "up",
        "awards",
        "count(*)",
        None,
        kind="growth",
        breakdowns=("overall", "year", "country_year"),
        caveats="Only defined per year; the first year of data has no previous year.",
    ),
    Indicator(
        "ADO-3",
        "adoption",
        "Unique learners awarded",
        "Distinct learners (pseudonymous keys) with at least one award in the period.",
        "distinct learners with an award",
        None,
        "count",
        "up",
        "awards",
        "count(distinct learner_key)",
        kind="count",
        people=True,
    ),
    Indicator(
        "ADO-3b",
        "adoption",
        "Awards per learner",
        "Average number of awards per learner awarded in the period.",
        "awards issued",
        "distinct learners with an award",
        "ratio",
        "none",
        "awards",
        "count(*)",
        "count(distinct learner_key)",
        kind="ratio",
    ),
    Indicator(
        "ADO-4",
        "adoption",
        "Learners aged 25-64 per 1,000 residents",
        "Learners aged 25-64 awarded in the period per 1,000 residents aged 25-64 of their regions.",
        "distinct learners aged 25-64 at the award, resident in the area",
        "residents aged 25-64 of the area, in thousands",
        "per 1,000",
        "up",
        "awards",
        "count(distinct learner_key) filter "
        "(where age between 25 and 64 and residence_region_code is not null)",
        None,
        kind="per_capita",
        people=True,
        breakdowns=("overall", "year", "country", "region", "country_year"),
        caveats="Country and region are the learner's place of residence, not the provider's. Population "
        "figures are those of the region file (one reference year).",
    ),
    Indicator(
        "ADO-5",
        "adoption",
        "Active providers",
        "Providers with at least one award in the period.",
        "distinct providers with an award",
        None,
        "count",
        "up",
        "awards",
        "count(distinct provider_id)",
        kind="count",
    ),
    Indicator(
        "ADO-6",
        "adoption",
        "Credentials on offer",
        "Credential specifications with at least one award in the period.",
        _SPECS,
        None,
        "count",
        "up",
        "specs",
        "count(distinct credential_id)",
        kind="count",
        period_basis=_SPEC_YEAR,
    ),
    # ---- Trust
    _share(
        "TRU-1",
        "trust",
        "Quality-assured share",
        "Share of awards whose credential is under external quality assurance.",
        "awards of credentials with external quality assurance",
        "awards issued",
        "awards",
        "count(*) filter (where qa_type = 'external')",
        "count(*)",
        headline=True,
        caveats="A credential whose quality-assurance type is not stated counts as not externally assured.",
    ),
    _share(
        "TRU-2",
        "trust",
        "Verifiable share",
        "Share of awards issued as digitally signed, machine-verifiable credentials.",
        "signed awards",
        "awards issued",
        "awards",
        "count(*) filter (where signed)",
        "count(*)",
    ),
    _share(
        "TRU-3",
        "trust",
        "Identity-verified assessment share",
        "Share of awards whose assessment was supervised with identity verification, of awards where the "
        "supervision element is stated.",
        "awards assessed under supervision with ID verification",
        "awards with supervision stated",
        "awards",
        "count(*) filter (where supervision = 'supervised_id')",
        "count(*) filter (where supervision is not null)",
    ),
    _share(
        "TRU-4",
        "trust",
        "Third-party verification rate",
        "Share of awards verified at least once by an employer or education institution within 12 months of "
        "issue.",
        "awards verified by an employer or education institution within 12 months",
        "awards issued at least 12 months before the data cut-off",
        "awards",
        "count(*) filter (where eligible_12m and verified_12m)",
        "count(*) filter (where eligible_12m)",
        caveats="Awards younger than 12 months at the cut-off are left out (censoring), so recent years have "
        "no value.",
    ),
    _recognition("", None, ""),
    _recognition("e", "education", " by education"),
    _recognition("l", "employer", " by employers"),
    _recognition("p", "public_authority", " by public authorities"),
    _share(
        "TRU-6",
        "trust",
        "Revocation rate",
        "Share of awards revoked by the data cut-off.",
        "revoked awards",
        "awards issued",
        "awards",
        "count(*) filter (where status = 'revoked')",
        "count(*)",
        direction="down",
    ),
    # ---- Transparency
    _share(
        "TRA-1",
        "transparency",
        "Annex I complete share",
        "Share of credential specifications on offer that state all nine specification-level mandatory "
        "elements of Annex I (title, issuer country, awarding body, learning outcomes, workload, level, "
        "assessment type, form of participation, quality assurance).",
        "specifications with every specification-level mandatory element",
        _SPECS,
        "specs",
        "count(distinct credential_id) filter (where annex_complete)",
        "count(distinct credential_id)",
        period_basis=_SPEC_YEAR,
        headline=True,
    ),
    _share(
        "TRA-2",
        "transparency",
        "Mean Annex I completeness",
        "Mean share of the nine specification-level mandatory elements present, "
        "over specifications on offer.",
        "mandatory elements present, summed over specifications",
        "nine times the " + _SPECS,
        "specs",
        "list_sum(list_transform(list(distinct {'c': credential_id, 'a': annex_present}), lambda x: x.a))",
        "9 * count(distinct credential_id)",
        period_basis=_SPEC_YEAR,
    ),
    _share(
        "TRA-3",
        "transparency",
        "Learning outcomes stated",
        "Share of specifications on offer with at least one learning-outcome statement.",
        "specifications with learning outcomes",
        _SPECS,
        "specs",
        "count(distinct credential_id) filter (where has_learning_outcomes)",
        "count(distinct credential_id)",
        period_basis=_SPEC_YEAR,
    ),
    _share(
        "TRA-4",
        "transparency",
        "Skills tagged",
        "Share of specifications on offer tagged with at least one ESCO skill.",
        "specifications with an ESCO skill",
        _SPECS,
        "specs",
        "count(distinct credential_id) filter (where has_esco_skill)",
        "count(distinct credential_id)",
        period_basis=_SPEC_YEAR,
    ),
    _share(
        "TRA-5",
        "transparency",
        "Workload stated",
        "Share of specifications on offer stating their notional workload (ECTS or hours).",
        "specifications with ECTS or hours",
        _SPECS,
        "specs",
        "count(distinct credential_id) filter (where has_workload)",
        "count(distinct credential_id)",
        period_basis=_SPEC_YEAR,
    ),
    Indicator(
        "TRA-5m",
        "transparency",
        "Median ECTS",
        "Median ECTS of the specifications on offer that state ECTS.",
        "median ECTS",
        "specifications with ECTS (contributors)",
        "ECTS",
        "none",
        "specs",
        "list_aggregate(list_transform(list(distinct {'c': credential_id, 'e': ects}) "
        "filter (where ects is not null), lambda x: x.e), 'quantile_cont', 0.5)",
        "count(distinct credential_id) filter (where ects is not null)",
        kind="quantile",
        period_basis=_SPEC_YEAR,
    ),
    _share(
        "TRA-6",
        "transparency",
        "Level stated",
        "Share of specifications on offer stating their EQF level.",
        "specifications with an EQF level",
        _SPECS,
        "specs",
        "count(distinct credential_id) filter (where has_level)",
        "count(distinct credential_id)",
        period_basis=_SPEC_YEAR,
    ),
    # ---- Innovation
    Indicator(
        "INN-1",
        "innovation",
        "New credentials launched",
        "Credential specifications launched in the period.",
        "specifications launched",
        None,
        "count",
        "up",
        "launches",
        "count(*)",
        kind="count",
        period_basis="calendar year of the launch date",
        caveats="Specifications without a launch date (common for digital credentials) are not counted.",
    ),
    _share(
        "INN-2",
        "innovation",
        "Non-traditional provider share",
        "Share of awards issued by industry (employer, sector body) or private training providers.",
        "awards by industry or private providers",
        "awards issued",
        "awards",
        f"count(*) filter (where provider_type in {_NON_TRADITIONAL})",
        "count(*)",
        headline=True,
    ),
    _share(
        "INN-3",
        "innovation",
        "Flexible delivery share",
        "Share of awards for credentials delivered online or blended.",
        "awards with online or blended participation",
        "awards issued",
        "awards",
        "count(*) filter (where participation_form in ('online', 'blended'))",
        "count(*)",
        caveats="A credential whose form of participation is not stated counts as not flexible.",
    ),
    _share(
        "INN-4",
        "innovation",
        "Digital share",
        "Share of awards issued as a digital certificate or digital badge.",
        "digital awards",
        "awards issued",
        "awards",
        "count(*) filter (where format in ('digital_certificate', 'digital_badge'))",
        "count(*)",
    ),
    _share(
        "INN-4b",
        "innovation",
        "Open-standard share",
        "Share of awards issued in an open standard (Open Badges 2.0/3.0, European Learning Model).",
        "awards in OB2, OB3 or ELM",
        "awards issued",
        "awards",
        "count(*) filter (where standard in ('OB2', 'OB3', 'ELM'))",
        "count(*)",
    ),
    _share(
        "INN-5",
        "innovation",
        "Co-designed share",
        "Share of specifications on offer co-designed with an employer or other partner.",
        "co-designed specifications",
        _SPECS,
        "specs",
        "count(distinct credential_id) filter (where co_designed)",
        "count(distinct credential_id)",
        period_basis=_SPEC_YEAR,
    ),
    # ---- Flexibility
    _share(
        "FLX-1",
        "flexibility",
        "Stacking rate (36 months)",
        "Share of learners with a second award within 36 months of their first.",
        "learners with at least two awards within 36 months of their first",
        "learners whose first award is at least 36 months before the data cut-off",
        "learners",
        "count(*) filter (where eligible_36m and stacked_36m)",
        "count(*) filter (where eligible_36m)",
        period_basis=_FIRST,
        headline=True,
        caveats="Window of 36 months; learners first awarded less than 36 months before the cut-off are "
        "left out. Breakdowns use the first award.",
    ),
    *(
        _share(
            f"FLX-2{k}",
            "flexibility",
            f"{label} stacks",
            f"Share of consecutive award pairs of a learner that are {text}.",
            f"{label.lower()} pairs",
            "consecutive award pairs",
            "pairs",
            f"count(*) filter (where stack_type = '{label.lower()}')",
            "count(*)",
            direction="none",
            period_basis=_PAIR,
            caveats="Pairs with an unknown level or field are unclassified and stay in the denominator.",
        )
        for k, label, text in (
            ("v", "Vertical", "vertical (higher EQF level, same ISCED-F broad field)"),
            ("h", "Horizontal", "horizontal (same EQF level, same broad field)"),
            ("c", "Complementary", "complementary (a different broad field)"),
        )
    ),
    _share(
        "FLX-3",
        "flexibility",
        "Progression to qualification (36 months)",
        "Share of learners awarded a stackable credential who stacked it into, or obtained, a qualification "
        "within 36 months.",
        "learners with a stacked-into-qualification or qualification-obtained event within 36 months",
        "learners whose first stackable award is at least 36 months before the data cut-off",
        "stackers",
        "count(*) filter (where eligible_36m and progressed_36m)",
        "count(*) filter (where eligible_36m)",
        period_basis="calendar year of the learner's first stackable award",
    ),
    _share(
        "FLX-4",
        "flexibility",
        "Prior-learning share",
        "Share of awards that validate prior learning (VPL/RPL).",
        "awards validating prior learning",
        "awards issued",
        "awards",
        "count(*) filter (where purpose = 'prior_learning')",
        "count(*)",
        direction="none",
    ),
    Indicator(
        "FLX-5",
        "flexibility",
        "Prior-learning validation outcomes",
        "Pathway events recording an outcome of validating prior learning (exemption, access, shortened "
        "duration, partial or full qualification, visibility).",
        "events with a VPL outcome",
        None,
        "count",
        "none",
        "events",
        "count(*) filter (where vpl_outcome is not null)",
        kind="count",
        period_basis="calendar year of the event",
        breakdowns=(*ALL, "vpl_outcome"),
    ),
    Indicator(
        "FLX-5x",
        "flexibility",
        "ECTS recognised",
        "ECTS credit recognised for micro-credentials by other organisations.",
        "sum of ECTS recognised",
        None,
        "ECTS",
        "up",
        "events",
        "coalesce(sum(ects_recognised) filter (where event_type = 'recognised_for_credit'), 0)",
        kind="sum",
        period_basis="calendar year of the event",
    ),
    _share(
        "FLX-6",
        "flexibility",
        "Multi-provider pathways",
        "Share of stacking learners (two or more awards) whose awards come from two or more providers.",
        "stacking learners with awards from at least two providers",
        "learners with at least two awards",
        "learners",
        "count(*) filter (where n_awards >= 2 and n_providers >= 2)",
        "count(*) filter (where n_awards >= 2)",
        period_basis=_FIRST,
    ),
    Indicator(
        "FLX-7",
        "flexibility",
        "Median months between awards",
        "Median time between a learner's consecutive awards.",
        "median months between consecutive awards",
        "consecutive award pairs (contributors)",
        "months",
        "none",
        "pairs",
        "quantile_cont(months_between, 0.5)",
        "count(*)",
        kind="quantile",
        period_basis=_PAIR,
    ),
    # ---- Labour-market outcomes
    _share(
        "OUT-1a",
        "outcomes",
        "Employment rate at 6 months",
        "Share of learners observed 6 months after an award who are employed or self-employed.",
        "observations at 6 months, employed",
        "observations at 6 months",
        "outcomes",
        "count(*) filter (where months_after_award = 6 and is_employed)",
        "count(*) filter (where months_after_award = 6)",
        period_basis=_OBSERVED,
        caveats="Read beside OUT-5 (coverage): only learners with an observation count.",
    ),
    _share(
        "OUT-1b",
        "outcomes",
        "Employment rate at 12 months",
        "Share of learners observed 12 months after an award who are employed or self-employed.",
        "observations at 12 months, employed",
        "observations at 12 months",
        "outcomes",
        "count(*) filter (where months_after_award = 12 and is_employed)",
        "count(*) filter (where months_after_award = 12)",
        period_basis=_OBSERVED,
        caveats="Read beside OUT-5 (coverage): only learners with an observation count.",
    ),
    Indicator(
        "OUT-2",
        "outcomes",
        "Employment gain at 12 months",
        "Employment rate at 12 months minus the same learners' employment rate at their baseline "
        "(before enrolment), in percentage points.",
        "employed at 12 months minus employed at baseline, summed over learners with both",
        "12-month observations of learners with a baseline",
        "pp",
        "up",
        "outcomes",
        "coalesce(sum(is_employed::int - baseline_employed::int) filter (where months_after_award = 12 "
        "and baseline_employed is not null), 0)",
        "count(*) filter (where months_after_award = 12 and baseline_employed is not null)",
        kind="share",
        period_basis=_OBSERVED,
    ),
    *(
        Indicator(
            f"OUT-3{k}",
            "outcomes",
            f"Earnings at 12 months, {label}",
            f"{label.capitalize()} of monthly earnings of learners employed 12 months after an award.",
            f"{label} of monthly earnings (EUR)",
            "employed 12-month observations with earnings (contributors)",
            "EUR/month",
            "up",
            "outcomes",
            f"quantile_cont(monthly_earnings_eur, {q}) filter (where months_after_award = 12 and is_employed "
            "and monthly_earnings_eur is not null)",
            "count(*) filter (where months_after_award = 12 and is_employed and monthly_earnings_eur is not "
            "null)",
            kind="quantile",
            period_basis=_OBSERVED,
        )
        for k, label, q in (
            ("q1", "lower quartile", 0.25),
            ("md", "median", 0.5),
            ("q3", "upper quartile", 0.75),
        )
    ),
    _share(
        "OUT-4",
        "outcomes",
        "Related employment",
        "Share of learners employed 12 months after an award whose job is related to the credential.",
        "employed in a related job",
        "employed 12-month observations",
        "outcomes",
        "count(*) filter (where months_after_award = 12 and is_employed and job_related)",
        "count(*) filter (where months_after_award = 12 and is_employed)",
        period_basis=_OBSERVED,
    ),
    _share(
        "OUT-5",
        "outcomes",
        "Outcome coverage",
        "Share of learners awarded with at least one employment observation after an award.",
        "learners with an outcome observation",
        "learners awarded",
        "learners",
        "count(*) filter (where has_outcome)",
        "count(*)",
        period_basis=_FIRST,
    ),
    # ---- Inclusion
    _share(
        "INC-1a",
        "inclusion",
        "Learners aged 25-64",
        "Share of learners aged 25-64 at their first award, of learners with a known age.",
        "learners aged 25-64",
        "learners with a known birth year",
        "learners",
        "count(*) filter (where age between 25 and 64)",
        "count(*) filter (where age is not null)",
        direction="none",
        period_basis=_FIRST,
    ),
    _share(
        "INC-1b",
        "inclusion",
        "Learners aged 55+",
        "Share of learners aged 55 or over at their first award, of learners with a known age.",
        "learners aged 55+",
        "learners with a known birth year",
        "learners",
        "count(*) filter (where age >= 55)",
        "count(*) filter (where age is not null)",
        period_basis=_FIRST,
    ),
    Indicator(
        "INC-2",
        "inclusion",
        "Low-qualified participation ratio",
        "Share of learners with at most lower-secondary education (ISCED 0-2) relative to that share in "
        "the adult population of their country (1 = parity).",
        "learners with prior education ISCED 0-2",
        "sum of the reference ISCED 0-2 shares of learners with prior education known",
        "ratio",
        "up",
        "learners",
        "count(*) filter (where prior_education_isced <= 2 and reference_low_qualified_share is not null)",
        "sum(reference_low_qualified_share) filter (where prior_education_isced is not null)",
        kind="ratio",
        period_basis=_FIRST,
        caveats="Reference shares are approximate national figures (pipelines/indicators/reference); "
        "replace them with the official ones for the reference year.",
    ),
    Indicator(
        "INC-3s",
        "inclusion",
        "Stacking gap, women minus men",
        "FLX-1 of women minus FLX-1 of men, in percentage points.",
        "-",
        None,
        "pp",
        "none",
        "learners",
        "",
        kind="gap",
        gap=Gap("FLX-1", "sex", "F", "M"),
        period_basis=_FIRST,
    ),
    Indicator(
        "INC-3a",
        "inclusion",
        "Stacking gap, 55+ minus 25-54",
        "FLX-1 of learners aged 55+ minus FLX-1 of learners aged 25-54 at the first award, in percentage "
        "points.",
        "-",
        None,
        "pp",
        "none",
        "learners",
        "",
        kind="gap",
        gap=Gap(
            "FLX-1",
            "case when age >= 55 then 'older' when age between 25 and 54 then 'prime' end",
            "older",
            "prime",
        ),
        period_basis=_FIRST,
    ),
    Indicator(
        "INC-3o",
        "inclusion",
        "Employment gap at 12 months, women minus men",
        "OUT-1b of women minus OUT-1b of men, in percentage points.",
        "-",
        None,
        "pp",
        "none",
        "outcomes",
        "",
        kind="gap",
        gap=Gap("OUT-1b", "sex", "F", "M"),
        period_basis=_OBSERVED,
    ),
    _share(
        "INC-4a",
        "inclusion",
        "Previously unemployed learners",
        "Share of learners who were unemployed before their first enrolment, "
        "of learners with that status known.",
        "learners unemployed before enrolment",
        "learners with a labour status before enrolment",
        "learners",
        "count(*) filter (where labour_status_before = 'unemployed')",
        "count(*) filter (where labour_status_before is not null)",
        period_basis=_FIRST,
    ),
    _share(
        "INC-4b",
        "inclusion",
        "Employment at 12 months of previously unemployed learners",
        "OUT-1b for learners who were unemployed before enrolment.",
        "12-month observations of previously unemployed learners, employed",
        "12-month observations of previously unemployed learners",
        "outcomes",
        "count(*) filter (where months_after_award = 12 and previously_unemployed and is_employed)",
        "count(*) filter (where months_after_award = 12 and previously_unemployed)",
        period_basis=_OBSERVED,
    ),
)

BY_ID = {i.id: i for i in INDICATORS}


def get(indicator_id: str) -> Indicator:
    try:
        return BY_ID[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(BY_ID)}") from None
