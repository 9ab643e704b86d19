"""The indicator registry: every indicator defined once, with the SQL that computes it beside it.

Each indicator reads one *base* mart (see `BASES`) and is a pair of aggregate SQL expressions
(numerator, denominator) over that base. The engine adds filters and a breakdown, so adding an
indicator means adding one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

DIMENSIONS = ("adoption", "trust", "transparency", "innovation", "flexibility")

# Base relations the indicators aggregate over. Every base has the columns the filters and
# breakdowns use: year, country_code, region_code, provider_type.
BASES = {
    "awards": "mart_award",
    "specs": "mart_credential_year",
    "learners": "mart_learner_cohort",
    "stackers": "mart_stackable_cohort",
}


@dataclass(frozen=True)
class Indicator:
    id: str
    dimension: str
    name: str
    definition: str
    numerator_text: str
    denominator_text: str | None
    unit: str  # "count", "%" or "ratio"
    direction: str  # "up" = higher is better, "none" = descriptive
    base: str
    numerator_sql: str
    denominator_sql: str | None = None
    period_basis: str = "calendar year of the award"
    people: bool = False  # the count is a count of people (disclosure control applies to it)
    caveats: str = ""
    headline: bool = False

    @property
    def is_rate(self) -> bool:
        return self.denominator_sql is not None


_NON_TRADITIONAL = "('employer', 'sector_body', 'private')"

INDICATORS: tuple[Indicator, ...] = (
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
    ),
    Indicator(
        "TRU-1",
        "trust",
        "Quality-assured share",
        "Share of awards whose credential is under external quality assurance.",
        "awards of credentials with external quality assurance",
        "awards issued",
        "%",
        "up",
        "awards",
        "count(*) filter (where qa_type = 'external')",
        "count(*)",
        headline=True,
        caveats="A credential whose quality-assurance type is not stated counts as not externally assured.",
    ),
    Indicator(
        "TRU-2",
        "trust",
        "Verifiable share",
        "Share of awards issued as digitally signed, machine-verifiable credentials.",
        "signed awards",
        "awards issued",
        "%",
        "up",
        "awards",
        "count(*) filter (where signed)",
        "count(*)",
    ),
    Indicator(
        "TRU-4",
        "trust",
        "Third-party verification rate",
        "Share of awards verified at least once by an employer or education institution within "
        "12 months of issue.",
        "awards verified by an employer or education institution within 12 months",
        "awards issued at least 12 months before the data cut-off",
        "%",
        "up",
        "awards",
        "count(*) filter (where eligible_12m and verified_12m)",
        "count(*) filter (where eligible_12m)",
        caveats="Awards younger than 12 months at the cut-off are left out (censoring), so recent years "
        "have no value.",
    ),
    Indicator(
        "TRU-6",
        "trust",
        "Revocation rate",
        "Share of awards revoked by the data cut-off.",
        "revoked awards",
        "awards issued",
        "%",
        "down",
        "awards",
        "count(*) filter (where status = 'revoked')",
        "count(*)",
    ),
    Indicator(
        "TRA-1",
        "transparency",
        "Annex I complete share",
        "Share of credential specifications on offer that state all nine specification-level "
        "mandatory elements of Annex I (title, issuer country, awarding body, learning outcomes, "
        "workload, level, assessment type, form of participation, quality assurance).",
        "specifications with every specification-level mandatory element",
        "specifications with an award in the period",
        "%",
        "up",
        "specs",
        "count(distinct credential_id) filter (where annex_complete)",
        "count(distinct credential_id)",
        period_basis="calendar year of the specification's awards",
        headline=True,
    ),
    Indicator(
        "TRA-2",
        "transparency",
        "Mean Annex I completeness",
        "Mean share of the nine specification-level mandatory elements present, over specifications on "
        "offer.",
        "mandatory elements present, summed over specifications",
        "nine times the specifications with an award in the period",
        "%",
        "up",
        "specs",
        "list_sum(list_transform(list(distinct {'c': credential_id, 'a': annex_present}), lambda x: x.a))",
        "9 * count(distinct credential_id)",
        period_basis="calendar year of the specification's awards",
    ),
    Indicator(
        "TRA-3",
        "transparency",
        "Learning outcomes stated",
        "Share of specifications on offer with at least one learning-outcome statement.",
        "specifications with learning outcomes",
        "specifications with an award in the period",
        "%",
        "up",
        "specs",
        "count(distinct credential_id) filter (where has_learning_outcomes)",
        "count(distinct credential_id)",
        period_basis="calendar year of the specification's awards",
    ),
    Indicator(
        "TRA-4",
        "transparency",
        "Skills tagged",
        "Share of specifications on offer tagged with at least one ESCO skill.",
        "specifications with an ESCO skill",
        "specifications with an award in the period",
        "%",
        "up",
        "specs",
        "count(distinct credential_id) filter (where has_esco_skill)",
        "count(distinct credential_id)",
        period_basis="calendar year of the specification's awards",
    ),
    Indicator(
        "INN-2",
        "innovation",
        "Non-traditional provider share",
        "Share of awards issued by industry (employer, sector body) or private training providers.",
        "awards by industry or private providers",
        "awards issued",
        "%",
        "up",
        "awards",
        f"count(*) filter (where provider_type in {_NON_TRADITIONAL})",
        "count(*)",
        headline=True,
    ),
    Indicator(
        "INN-3",
        "innovation",
        "Flexible delivery share",
        "Share of awards for credentials delivered online or blended.",
        "awards with online or blended participation",
        "awards issued",
        "%",
        "up",
        "awards",
        "count(*) filter (where participation_form in ('online', 'blended'))",
        "count(*)",
        caveats="A credential whose form of participation is not stated counts as not flexible.",
    ),
    Indicator(
        "INN-4",
        "innovation",
        "Digital share",
        "Share of awards issued as a digital certificate or digital badge.",
        "digital awards",
        "awards issued",
        "%",
        "up",
        "awards",
        "count(*) filter (where format in ('digital_certificate', 'digital_badge'))",
        "count(*)",
    ),
    Indicator(
        "INN-4b",
        "innovation",
        "Open-standard share",
        "Share of awards issued in an open standard (Open Badges 2.0/3.0, European Learning Model).",
        "awards in OB2, OB3 or ELM",
        "awards issued",
        "%",
        "up",
        "awards",
        "count(*) filter (where standard in ('OB2', 'OB3', 'ELM'))",
        "count(*)",
    ),
    Indicator(
        "FLX-1",
        "flexibility",
        "Stacking rate (36 months)",
        "Share of learners with a second award within 36 months of their first.",
        "learners with at least two awards within 36 months of their first",
        "learners whose first award is at least 36 months before the data cut-off",
        "%",
        "up",
        "learners",
        "count(*) filter (where eligible_36m and stacked_36m)",
        "count(*) filter (where eligible_36m)",
        period_basis="calendar year of the learner's first award",
        headline=True,
        caveats="Window of 36 months; learners first awarded less than 36 months before the cut-off are "
        "left out. Breakdowns use the first award's provider.",
    ),
    Indicator(
        "FLX-3",
        "flexibility",
        "Progression to qualification (36 months)",
        "Share of learners awarded a stackable credential who stacked it into, or obtained, a "
        "qualification within 36 months.",
        "learners with a stacked-into-qualification or qualification-obtained event within 36 months",
        "learners whose first stackable award is at least 36 months before the data cut-off",
        "%",
        "up",
        "stackers",
        "count(*) filter (where eligible_36m and progressed_36m)",
        "count(*) filter (where eligible_36m)",
        period_basis="calendar year of the learner's first stackable award",
    ),
    Indicator(
        "FLX-4",
        "flexibility",
        "Prior-learning share",
        "Share of awards that validate prior learning (VPL/RPL).",
        "awards validating prior learning",
        "awards issued",
        "%",
        "none",
        "awards",
        "count(*) filter (where purpose = 'prior_learning')",
        "count(*)",
    ),
)

BY_ID = {i.id: i for i in INDICATORS}


def get(indicator_id: str) -> Indicator:
    try:
        return BY_ID[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(BY_ID)}") from None
