"""The indicator registry: every indicator defined once, as one keyworded entry with its SQL beside it.

Each indicator reads one *base* mart (see `BASES`) and is a pair of aggregate SQL expressions
(numerator, denominator) over that base, each with the words that say what it counts; its `kind` says
how the value follows from them. Two kinds are built from another count instead of SQL of their own:
`growth` (the entry names the count in `growth_of`) and `gap` (`gap.of`); `per_capita` divides a count by
the population column `population` of the places the base's learners live in. The engine adds filters
and a breakdown, so adding an indicator means adding one entry here (and its ground truth and
definition). Exact definitions: docs/INDICATOR_DEFINITIONS.md (the generator's ground truth implements
the same text independently).

Entries are Python, not YAML: the SQL sits beside the words in one place, families of entries (TRU-5*,
FLX-2*, OUT-3*) are written once, and a wrong key, kind or reference fails at import (`_validate`).
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
    "region_year",
    "provider_type_year",
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
    "region_year",
    "provider_type_year",
)


@dataclass(frozen=True, kw_only=True)
class Base:
    """A mart the indicators aggregate over. Every base has the columns the filters use: year,
    country_code, region_code, provider_type, isced_f_broad, eqf_level."""

    table: str
    breakdowns: tuple[str, ...]
    noun: str  # its records, in the plural, as a sentence names them ("every one of the … in view")
    people: bool  # its rows are records of people (disclosure control counts them as people's)
    distinct: str | None = None  # a record counts once by this column, however many years it spans
    residence: bool = False  # has residence_country_code and residence_region_code (per-capita rates)


BASES: dict[str, Base] = {
    "awards": Base(table="mart_award", breakdowns=ALL, noun="awards", people=True, residence=True),
    "specs": Base(
        table="mart_credential_year",
        breakdowns=OFFER,
        noun="specifications on offer",
        people=False,
        distinct="credential_id",
    ),
    "offer": Base(
        table="mart_credential_offer",
        breakdowns=OFFER,
        noun="specifications awarded or active",
        people=False,
        distinct="credential_id",
    ),
    "launches": Base(
        table="mart_credential_launch", breakdowns=OFFER, noun="credentials launched", people=False
    ),
    "learners": Base(table="mart_learner_cohort", breakdowns=ALL, noun="learners", people=True),
    "stackers": Base(
        table="mart_stackable_cohort", breakdowns=ALL, noun="learners with a stackable award", people=True
    ),
    "pairs": Base(table="mart_award_pair", breakdowns=ALL, noun="consecutive award pairs", people=True),
    "events": Base(table="mart_pathway_event", breakdowns=ALL, noun="pathway events", people=True),
    "outcomes": Base(table="mart_outcome", breakdowns=ALL, noun="employment observations", people=True),
}
BASE_BREAKDOWNS = {name: base.breakdowns for name, base in BASES.items()}

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
UNITS = ("count", "%", "ratio", "pp", "ECTS", "months", "EUR/month", "per 1,000")
DIRECTIONS = {"up": "higher is better", "down": "lower is better", "none": "descriptive"}
# A growth rate compares each year with the previous one within the group of its breakdown: "year" is
# the whole, "country_year" a country (region_year a region, provider_type_year a provider type).
# Overall it is not defined (flag z).
GROWTH_GROUPS = {
    "year": "overall",
    "country_year": "country",
    "region_year": "region",
    "provider_type_year": "provider_type",
}
# A per-capita rate divides by the population of the places the counted learners live in.
PER_CAPITA_BREAKDOWNS = ("overall", "year", "country", "region", "country_year", "region_year")


@dataclass(frozen=True, kw_only=True)
class Term:
    """A numerator or denominator: what it counts, in words, and the aggregate SQL over the base that
    counts it. No SQL when it follows from another indicator (growth, gap) or a population (per_capita)."""

    text: str
    sql: str | None = None


@dataclass(frozen=True)
class Gap:
    """A gap indicator: indicator `of` for group `a` minus group `b` of a grouping expression."""

    of: str
    group_sql: str
    a: str
    b: str


@dataclass(frozen=True, kw_only=True)
class Indicator:
    id: str
    dimension: str
    name: str
    definition: str
    base: str
    kind: str
    numerator: Term
    denominator: Term | None = None
    unit: str  # one of UNITS
    direction: str  # "up" = higher is better, "down" = lower is better, "none" = descriptive
    period_basis: str = "calendar year of the award"
    people: bool = False  # the numerator counts people (disclosure control applies to it)
    caveats: str = ""
    headline: bool = False
    breakdowns: tuple[str, ...] = field(default=())  # default: the base's
    gap: Gap | None = None  # kind "gap"
    growth_of: str | None = None  # kind "growth": the count indicator it is the growth of
    population: str | None = None  # kind "per_capita": the dim_region population column divided by
    denominator_per_record: int = 1  # the denominator counts each base record this many times (TRA-2: 9)
    label: str = ""  # a short name for one series of a chart beside its siblings

    def available(self) -> tuple[str, ...]:
        """Breakdowns this indicator can be shown by."""
        return self.breakdowns or BASES[self.base].breakdowns

    @property
    def numerator_sql(self) -> str | None:
        return self.numerator.sql

    @property
    def numerator_text(self) -> str:
        return self.numerator.text

    @property
    def denominator_sql(self) -> str | None:
        return self.denominator.sql if self.denominator else None

    @property
    def denominator_text(self) -> str | None:
        return self.denominator.text if self.denominator else None


_NON_TRADITIONAL = "('employer', 'sector_body', 'private')"
_SPECS = "specifications with an award in the period"
_SPEC_YEAR = "calendar year of the specification's awards"
_FIRST = "calendar year of the learner's first award"
_PAIR = "calendar year of the second award of the pair"
_OBSERVED = "calendar year of the observed award"
_AWARDS = Term(text="awards issued", sql="count(*)")
_SPECS_ALL = Term(text=_SPECS, sql="count(distinct credential_id)")


def _recognition(suffix: str, org: str | None, label: str, short: str = "") -> Indicator:
    condition = "recognised_24m" if org is None else f"recognised_24m_{org}"
    return Indicator(
        id=f"TRU-5{suffix}",
        dimension="trust",
        name=f"Recognition rate{label} (24 months)",
        definition="Share of awards recognised by another organisation (credit, exemption or admission)"
        f"{label} within 24 months of issue.",
        base="awards",
        kind="share",
        numerator=Term(
            text=f"awards recognised{label} within 24 months",
            sql=f"count(*) filter (where eligible_24m and {condition})",
        ),
        denominator=Term(
            text="awards issued at least 24 months before the cut-off",
            sql="count(*) filter (where eligible_24m)",
        ),
        unit="%",
        direction="up",
        caveats="Awards younger than 24 months at the cut-off are left out (censoring). "
        "Hiring is not observed "
        "as a recognition event in the templates.",
        label=short,
    )


INDICATORS: tuple[Indicator, ...] = (
    # ---- Adoption
    Indicator(
        id="ADO-1",
        dimension="adoption",
        name="Awards issued",
        definition="Number of micro-credential awards issued in the period.",
        base="awards",
        kind="count",
        numerator=_AWARDS,
        unit="count",
        direction="up",
        headline=True,
    ),
    Indicator(
        id="ADO-2",
        dimension="adoption",
        name="Year-on-year growth of awards",
        definition="Change in awards issued against the previous calendar year.",
        base="awards",
        kind="growth",
        growth_of="ADO-1",
        numerator=Term(text="awards in the year minus awards in the previous year"),
        denominator=Term(text="awards in the previous year"),
        unit="%",
        direction="up",
        breakdowns=("overall", "year", "country_year", "region_year", "provider_type_year"),
        caveats="Only defined per year; the first year of data has no previous year.",
    ),
    Indicator(
        id="ADO-3",
        dimension="adoption",
        name="Unique learners awarded",
        definition="Distinct learners (pseudonymous keys) with at least one award in the period.",
        base="awards",
        kind="count",
        numerator=Term(text="distinct learners with an award", sql="count(distinct learner_key)"),
        unit="count",
        direction="up",
        people=True,
    ),
    Indicator(
        id="ADO-3b",
        dimension="adoption",
        name="Awards per learner",
        definition="Average number of awards per learner awarded in the period.",
        base="awards",
        kind="ratio",
        numerator=_AWARDS,
        denominator=Term(text="distinct learners with an award", sql="count(distinct learner_key)"),
        unit="ratio",
        direction="none",
    ),
    Indicator(
        id="ADO-4",
        dimension="adoption",
        name="Learners aged 25-64 per 1,000 residents",
        definition="Learners aged 25-64 awarded in the period per 1,000 residents aged 25-64 of their "
        "regions.",
        base="awards",
        kind="per_capita",
        population="pop_25_64",
        numerator=Term(
            text="distinct learners aged 25-64 at the award, resident in the area",
            sql="count(distinct learner_key) filter "
            "(where age between 25 and 64 and residence_region_code is not null)",
        ),
        denominator=Term(text="residents aged 25-64 of the area, in thousands"),
        unit="per 1,000",
        direction="up",
        people=True,
        breakdowns=PER_CAPITA_BREAKDOWNS,
        caveats="Country and region are the learner's place of residence, not the provider's. Population "
        "figures are those of the region file (one reference year).",
    ),
    Indicator(
        id="ADO-5",
        dimension="adoption",
        name="Active providers",
        definition="Providers with at least one award in the period.",
        base="awards",
        kind="count",
        numerator=Term(text="distinct providers with an award", sql="count(distinct provider_id)"),
        unit="count",
        direction="up",
    ),
    Indicator(
        id="ADO-6",
        dimension="adoption",
        name="Credentials on offer",
        definition="Credential specifications with at least one award in the period or active in it "
        "(launched by its end and not retired before it began).",
        base="offer",
        kind="count",
        numerator=Term(
            text="specifications with an award in the period or active in it",
            sql="count(distinct credential_id)",
        ),
        unit="count",
        direction="up",
        period_basis="calendar years the specification was awarded or active",
        caveats="A specification without a launch date counts only in the years it was awarded.",
    ),
    # ---- Trust
    Indicator(
        id="TRU-1",
        dimension="trust",
        name="Quality-assured share",
        definition="Share of awards whose credential is under external quality assurance.",
        base="awards",
        kind="share",
        numerator=Term(
            text="awards of credentials with external quality assurance",
            sql="count(*) filter (where qa_type = 'external')",
        ),
        denominator=_AWARDS,
        unit="%",
        direction="up",
        headline=True,
        caveats="A credential whose quality-assurance type is not stated counts as not externally assured.",
    ),
    Indicator(
        id="TRU-2",
        dimension="trust",
        name="Verifiable share",
        definition="Share of awards issued as digitally signed, machine-verifiable credentials.",
        base="awards",
        kind="share",
        numerator=Term(text="signed awards", sql="count(*) filter (where signed)"),
        denominator=_AWARDS,
        unit="%",
        direction="up",
    ),
    Indicator(
        id="TRU-3",
        dimension="trust",
        name="Identity-verified assessment share",
        definition="Share of awards whose assessment was supervised with identity verification, of awards "
        "where the supervision element is stated.",
        base="awards",
        kind="share",
        numerator=Term(
            text="awards assessed under supervision with ID verification",
            sql="count(*) filter (where supervision = 'supervised_id')",
        ),
        denominator=Term(
            text="awards with supervision stated", sql="count(*) filter (where supervision is not null)"
        ),
        unit="%",
        direction="up",
    ),
    Indicator(
        id="TRU-4",
        dimension="trust",
        name="Third-party verification rate",
        definition="Share of awards verified at least once by an employer or education institution within "
        "12 months of issue.",
        base="awards",
        kind="share",
        numerator=Term(
            text="awards verified by an employer or education institution within 12 months",
            sql="count(*) filter (where eligible_12m and verified_12m)",
        ),
        denominator=Term(
            text="awards issued at least 12 months before the data cut-off",
            sql="count(*) filter (where eligible_12m)",
        ),
        unit="%",
        direction="up",
        caveats="Awards younger than 12 months at the cut-off are left out (censoring), so recent years have "
        "no value.",
    ),
    _recognition("", None, ""),
    _recognition("e", "education", " by education", "Education"),
    _recognition("l", "employer", " by employers", "Labour market (employers)"),
    _recognition("p", "public_authority", " by public authorities", "Public authorities"),
    Indicator(
        id="TRU-6",
        dimension="trust",
        name="Revocation rate",
        definition="Share of awards revoked by the data cut-off.",
        base="awards",
        kind="share",
        numerator=Term(text="revoked awards", sql="count(*) filter (where status = 'revoked')"),
        denominator=_AWARDS,
        unit="%",
        direction="down",
    ),
    # ---- Transparency
    Indicator(
        id="TRA-1",
        dimension="transparency",
        name="Annex I complete share",
        definition="Share of credential specifications on offer that state all nine specification-level "
        "mandatory elements of Annex I (title, issuer country, awarding body, learning outcomes, workload, "
        "level, assessment type, form of participation, quality assurance).",
        base="specs",
        kind="share",
        numerator=Term(
            text="specifications with every specification-level mandatory element",
            sql="count(distinct credential_id) filter (where annex_complete)",
        ),
        denominator=_SPECS_ALL,
        unit="%",
        direction="up",
        period_basis=_SPEC_YEAR,
        headline=True,
    ),
    Indicator(
        id="TRA-2",
        dimension="transparency",
        name="Mean Annex I completeness",
        definition="Mean share of the nine specification-level mandatory elements present, "
        "over specifications on offer.",
        base="specs",
        kind="share",
        numerator=Term(
            text="mandatory elements present, summed over specifications",
            sql="list_sum(list_transform(list(distinct {'c': credential_id, 'a': annex_present}), "
            "lambda x: x.a))",
        ),
        denominator=Term(text="nine times the " + _SPECS, sql="9 * count(distinct credential_id)"),
        unit="%",
        direction="up",
        period_basis=_SPEC_YEAR,
        denominator_per_record=9,
    ),
    Indicator(
        id="TRA-3",
        dimension="transparency",
        name="Learning outcomes stated",
        definition="Share of specifications on offer with at least one learning-outcome statement.",
        base="specs",
        kind="share",
        numerator=Term(
            text="specifications with learning outcomes",
            sql="count(distinct credential_id) filter (where has_learning_outcomes)",
        ),
        denominator=_SPECS_ALL,
        unit="%",
        direction="up",
        period_basis=_SPEC_YEAR,
    ),
    Indicator(
        id="TRA-4",
        dimension="transparency",
        name="Skills tagged",
        definition="Share of specifications on offer tagged with at least one ESCO skill.",
        base="specs",
        kind="share",
        numerator=Term(
            text="specifications with an ESCO skill",
            sql="count(distinct credential_id) filter (where has_esco_skill)",
        ),
        denominator=_SPECS_ALL,
        unit="%",
        direction="up",
        period_basis=_SPEC_YEAR,
    ),
    Indicator(
        id="TRA-5",
        dimension="transparency",
        name="Workload stated",
        definition="Share of specifications on offer stating their notional workload (ECTS or hours).",
        base="specs",
        kind="share",
        numerator=Term(
            text="specifications with ECTS or hours",
            sql="count(distinct credential_id) filter (where has_workload)",
        ),
        denominator=_SPECS_ALL,
        unit="%",
        direction="up",
        period_basis=_SPEC_YEAR,
    ),
    Indicator(
        id="TRA-5m",
        dimension="transparency",
        name="Median ECTS",
        definition="Median ECTS of the specifications on offer that state ECTS.",
        base="specs",
        kind="quantile",
        numerator=Term(
            text="median ECTS",
            sql="list_aggregate(list_transform(list(distinct {'c': credential_id, 'e': ects}) "
            "filter (where ects is not null), lambda x: x.e), 'quantile_cont', 0.5)",
        ),
        denominator=Term(
            text="specifications with ECTS (contributors)",
            sql="count(distinct credential_id) filter (where ects is not null)",
        ),
        unit="ECTS",
        direction="none",
        period_basis=_SPEC_YEAR,
    ),
    Indicator(
        id="TRA-6",
        dimension="transparency",
        name="Level stated",
        definition="Share of specifications on offer stating their EQF level.",
        base="specs",
        kind="share",
        numerator=Term(
            text="specifications with an EQF level",
            sql="count(distinct credential_id) filter (where has_level)",
        ),
        denominator=_SPECS_ALL,
        unit="%",
        direction="up",
        period_basis=_SPEC_YEAR,
    ),
    # ---- Innovation
    Indicator(
        id="INN-1",
        dimension="innovation",
        name="New credentials launched",
        definition="Credential specifications launched in the period.",
        base="launches",
        kind="count",
        numerator=Term(text="specifications launched", sql="count(*)"),
        unit="count",
        direction="up",
        period_basis="calendar year of the launch date",
        caveats="Specifications without a launch date (common for digital credentials) are not counted.",
    ),
    Indicator(
        id="INN-2",
        dimension="innovation",
        name="Non-traditional provider share",
        definition="Share of awards issued by industry (employer, sector body) or private training "
        "providers.",
        base="awards",
        kind="share",
        numerator=Term(
            text="awards by industry or private providers",
            sql=f"count(*) filter (where provider_type in {_NON_TRADITIONAL})",
        ),
        denominator=_AWARDS,
        unit="%",
        direction="up",
        headline=True,
    ),
    Indicator(
        id="INN-3",
        dimension="innovation",
        name="Flexible delivery share",
        definition="Share of awards for credentials delivered online or blended.",
        base="awards",
        kind="share",
        numerator=Term(
            text="awards with online or blended participation",
            sql="count(*) filter (where participation_form in ('online', 'blended'))",
        ),
        denominator=_AWARDS,
        unit="%",
        direction="up",
        caveats="A credential whose form of participation is not stated counts as not flexible.",
    ),
    Indicator(
        id="INN-4",
        dimension="innovation",
        name="Digital share",
        definition="Share of awards issued as a digital certificate or digital badge.",
        base="awards",
        kind="share",
        numerator=Term(
            text="digital awards",
            sql="count(*) filter (where format in ('digital_certificate', 'digital_badge'))",
        ),
        denominator=_AWARDS,
        unit="%",
        direction="up",
    ),
    Indicator(
        id="INN-4b",
        dimension="innovation",
        name="Open-standard share",
        definition="Share of awards issued in an open standard (Open Badges 2.0/3.0, European Learning "
        "Model).",
        base="awards",
        kind="share",
        numerator=Term(
            text="awards in OB2, OB3 or ELM", sql="count(*) filter (where standard in ('OB2', 'OB3', 'ELM'))"
        ),
        denominator=_AWARDS,
        unit="%",
        direction="up",
    ),
    Indicator(
        id="INN-5",
        dimension="innovation",
        name="Co-designed share",
        definition="Share of specifications on offer co-designed with an employer or other partner.",
        base="specs",
        kind="share",
        numerator=Term(
            text="co-designed specifications", sql="count(distinct credential_id) filter (where co_designed)"
        ),
        denominator=_SPECS_ALL,
        unit="%",
        direction="up",
        period_basis=_SPEC_YEAR,
    ),
    # ---- Flexibility
    Indicator(
        id="FLX-1",
        dimension="flexibility",
        name="Stacking rate (36 months)",
        definition="Share of learners with a second award within 36 months of their first.",
        base="learners",
        kind="share",
        numerator=Term(
            text="learners with at least two awards within 36 months of their first",
            sql="count(*) filter (where eligible_36m and stacked_36m)",
        ),
        denominator=Term(
            text="learners whose first award is at least 36 months before the data cut-off",
            sql="count(*) filter (where eligible_36m)",
        ),
        unit="%",
        direction="up",
        period_basis=_FIRST,
        headline=True,
        caveats="Window of 36 months; learners first awarded less than 36 months before the cut-off are "
        "left out. Breakdowns use the first award.",
    ),
    *(
        Indicator(
            id=f"FLX-2{k}",
            dimension="flexibility",
            name=f"{label} stacks",
            definition=f"Share of consecutive award pairs of a learner that are {text}.",
            base="pairs",
            kind="share",
            numerator=Term(
                text=f"{label.lower()} pairs", sql=f"count(*) filter (where stack_type = '{label.lower()}')"
            ),
            denominator=Term(text="consecutive award pairs", sql="count(*)"),
            unit="%",
            direction="none",
            period_basis=_PAIR,
            caveats="Pairs with an unknown level or field are unclassified and stay in the denominator.",
            label=short,
        )
        for k, label, text, short in (
            (
                "v",
                "Vertical",
                "vertical (higher EQF level, same ISCED-F broad field)",
                "Vertical (higher EQF level, same field)",
            ),
            (
                "h",
                "Horizontal",
                "horizontal (same EQF level, same broad field)",
                "Horizontal (same level, same field)",
            ),
            (
                "c",
                "Complementary",
                "complementary (a different broad field)",
                "Complementary (another field)",
            ),
        )
    ),
    Indicator(
        id="FLX-3",
        dimension="flexibility",
        name="Progression to qualification (36 months)",
        definition="Share of learners awarded a stackable credential who stacked it into, or obtained, a "
        "qualification within 36 months.",
        base="stackers",
        kind="share",
        numerator=Term(
            text="learners with a stacked-into-qualification or qualification-obtained event within 36 "
            "months",
            sql="count(*) filter (where eligible_36m and progressed_36m)",
        ),
        denominator=Term(
            text="learners whose first stackable award is at least 36 months before the data cut-off",
            sql="count(*) filter (where eligible_36m)",
        ),
        unit="%",
        direction="up",
        period_basis="calendar year of the learner's first stackable award",
    ),
    Indicator(
        id="FLX-4",
        dimension="flexibility",
        name="Prior-learning share",
        definition="Share of awards that validate prior learning (VPL/RPL).",
        base="awards",
        kind="share",
        numerator=Term(
            text="awards validating prior learning", sql="count(*) filter (where purpose = 'prior_learning')"
        ),
        denominator=_AWARDS,
        unit="%",
        direction="none",
    ),
    Indicator(
        id="FLX-5",
        dimension="flexibility",
        name="Prior-learning validation outcomes",
        definition="Pathway events recording an outcome of validating prior learning (exemption, access, "
        "shortened duration, partial or full qualification, visibility).",
        base="events",
        kind="count",
        numerator=Term(
            text="events with a VPL outcome", sql="count(*) filter (where vpl_outcome is not null)"
        ),
        unit="count",
        direction="none",
        period_basis="calendar year of the event",
        breakdowns=(*ALL, "vpl_outcome"),
    ),
    Indicator(
        id="FLX-5x",
        dimension="flexibility",
        name="ECTS recognised",
        definition="ECTS credit recognised for micro-credentials by other organisations.",
        base="events",
        kind="sum",
        numerator=Term(
            text="sum of ECTS recognised",
            sql="coalesce(sum(ects_recognised) filter (where event_type = 'recognised_for_credit'), 0)",
        ),
        unit="ECTS",
        direction="up",
        period_basis="calendar year of the event",
    ),
    Indicator(
        id="FLX-6",
        dimension="flexibility",
        name="Multi-provider pathways",
        definition="Share of stacking learners (two or more awards) whose awards come from two or more "
        "providers.",
        base="learners",
        kind="share",
        numerator=Term(
            text="stacking learners with awards from at least two providers",
            sql="count(*) filter (where n_awards >= 2 and n_providers >= 2)",
        ),
        denominator=Term(
            text="learners with at least two awards", sql="count(*) filter (where n_awards >= 2)"
        ),
        unit="%",
        direction="up",
        period_basis=_FIRST,
    ),
    Indicator(
        id="FLX-7",
        dimension="flexibility",
        name="Median months between awards",
        definition="Median time between a learner's consecutive awards.",
        base="pairs",
        kind="quantile",
        numerator=Term(
            text="median months between consecutive awards", sql="quantile_cont(months_between, 0.5)"
        ),
        denominator=Term(text="consecutive award pairs (contributors)", sql="count(*)"),
        unit="months",
        direction="none",
        period_basis=_PAIR,
    ),
    # ---- Labour-market outcomes
    *(
        Indicator(
            id=f"OUT-1{k}",
            dimension="outcomes",
            name=f"Employment rate at {m} months",
            definition=f"Share of learners observed {m} months after an award who are employed or "
            "self-employed.",
            base="outcomes",
            kind="share",
            numerator=Term(
                text=f"observations at {m} months, employed",
                sql=f"count(*) filter (where months_after_award = {m} and is_employed)",
            ),
            denominator=Term(
                text=f"observations at {m} months", sql=f"count(*) filter (where months_after_award = {m})"
            ),
            unit="%",
            direction="up",
            period_basis=_OBSERVED,
            caveats="Read beside OUT-5 (coverage): only learners with an observation count.",
        )
        for k, m in (("a", 6), ("b", 12))
    ),
    Indicator(
        id="OUT-2",
        dimension="outcomes",
        name="Employment gain at 12 months",
        definition="Employment rate at 12 months minus the same learners' employment rate at their "
        "baseline (before enrolment), in percentage points.",
        base="outcomes",
        kind="share",
        numerator=Term(
            text="employed at 12 months minus employed at baseline, summed over learners with both",
            sql="coalesce(sum(is_employed::int - baseline_employed::int) filter (where months_after_award "
            "= 12 and baseline_employed is not null), 0)",
        ),
        denominator=Term(
            text="12-month observations of learners with a baseline",
            sql="count(*) filter (where months_after_award = 12 and baseline_employed is not null)",
        ),
        unit="pp",
        direction="up",
        period_basis=_OBSERVED,
    ),
    *(
        Indicator(
            id=f"OUT-3{k}",
            dimension="outcomes",
            name=f"Earnings at 12 months, {label}",
            definition=f"{label.capitalize()} of monthly earnings of learners employed 12 months after an "
            "award.",
            base="outcomes",
            kind="quantile",
            numerator=Term(
                text=f"{label} of monthly earnings (EUR)",
                sql=f"quantile_cont(monthly_earnings_eur, {q}) filter (where months_after_award = 12 and "
                "is_employed and monthly_earnings_eur is not null)",
            ),
            denominator=Term(
                text="employed 12-month observations with earnings (contributors)",
                sql="count(*) filter (where months_after_award = 12 and is_employed and "
                "monthly_earnings_eur is not null)",
            ),
            unit="EUR/month",
            direction="up",
            period_basis=_OBSERVED,
        )
        for k, label, q in (
            ("q1", "lower quartile", 0.25),
            ("md", "median", 0.5),
            ("q3", "upper quartile", 0.75),
        )
    ),
    Indicator(
        id="OUT-4",
        dimension="outcomes",
        name="Related employment",
        definition="Share of learners employed 12 months after an award whose job is related to the "
        "credential.",
        base="outcomes",
        kind="share",
        numerator=Term(
            text="employed in a related job",
            sql="count(*) filter (where months_after_award = 12 and is_employed and job_related)",
        ),
        denominator=Term(
            text="employed 12-month observations",
            sql="count(*) filter (where months_after_award = 12 and is_employed)",
        ),
        unit="%",
        direction="up",
        period_basis=_OBSERVED,
    ),
    Indicator(
        id="OUT-5",
        dimension="outcomes",
        name="Outcome coverage",
        definition="Share of learners awarded with at least one employment observation after an award.",
        base="learners",
        kind="share",
        numerator=Term(
            text="learners with an outcome observation", sql="count(*) filter (where has_outcome)"
        ),
        denominator=Term(text="learners awarded", sql="count(*)"),
        unit="%",
        direction="up",
        period_basis=_FIRST,
    ),
    # ---- Inclusion
    Indicator(
        id="INC-1a",
        dimension="inclusion",
        name="Learners aged 25-64",
        definition="Share of learners aged 25-64 at their first award, of learners with a known age.",
        base="learners",
        kind="share",
        numerator=Term(text="learners aged 25-64", sql="count(*) filter (where age between 25 and 64)"),
        denominator=Term(
            text="learners with a known birth year", sql="count(*) filter (where age is not null)"
        ),
        unit="%",
        direction="none",
        period_basis=_FIRST,
    ),
    Indicator(
        id="INC-1b",
        dimension="inclusion",
        name="Learners aged 55+",
        definition="Share of learners aged 55 or over at their first award, of learners with a known age.",
        base="learners",
        kind="share",
        numerator=Term(text="learners aged 55+", sql="count(*) filter (where age >= 55)"),
        denominator=Term(
            text="learners with a known birth year", sql="count(*) filter (where age is not null)"
        ),
        unit="%",
        direction="up",
        period_basis=_FIRST,
    ),
    Indicator(
        id="INC-2",
        dimension="inclusion",
        name="Low-qualified participation ratio",
        definition="Share of learners with at most lower-secondary education (ISCED 0-2) relative to that "
        "share in the adult population of their country (1 = parity).",
        base="learners",
        kind="ratio",
        numerator=Term(
            text="learners with prior education ISCED 0-2",
            sql="count(*) filter (where prior_education_isced <= 2 and reference_low_qualified_share is not "
            "null)",
        ),
        denominator=Term(
            text="sum of the reference ISCED 0-2 shares of learners with prior education known",
            sql="sum(reference_low_qualified_share) filter (where prior_education_isced is not null)",
        ),
        unit="ratio",
        direction="up",
        period_basis=_FIRST,
        caveats="Reference shares are approximate national figures (pipelines/indicators/reference); "
        "replace them with the official ones for the reference year.",
    ),
    Indicator(
        id="INC-3s",
        dimension="inclusion",
        name="Stacking gap, women minus men",
        definition="FLX-1 of women minus FLX-1 of men, in percentage points.",
        base="learners",
        kind="gap",
        gap=Gap("FLX-1", "sex", "F", "M"),
        numerator=Term(text="-"),
        unit="pp",
        direction="none",
        period_basis=_FIRST,
    ),
    Indicator(
        id="INC-3a",
        dimension="inclusion",
        name="Stacking gap, 55+ minus 25-54",
        definition="FLX-1 of learners aged 55+ minus FLX-1 of learners aged 25-54 at the first award, in "
        "percentage points.",
        base="learners",
        kind="gap",
        gap=Gap(
            "FLX-1",
            "case when age >= 55 then 'older' when age between 25 and 54 then 'prime' end",
            "older",
            "prime",
        ),
        numerator=Term(text="-"),
        unit="pp",
        direction="none",
        period_basis=_FIRST,
    ),
    Indicator(
        id="INC-3o",
        dimension="inclusion",
        name="Employment gap at 12 months, women minus men",
        definition="OUT-1b of women minus OUT-1b of men, in percentage points.",
        base="outcomes",
        kind="gap",
        gap=Gap("OUT-1b", "sex", "F", "M"),
        numerator=Term(text="-"),
        unit="pp",
        direction="none",
        period_basis=_OBSERVED,
    ),
    Indicator(
        id="INC-4a",
        dimension="inclusion",
        name="Previously unemployed learners",
        definition="Share of learners who were unemployed before their first enrolment, "
        "of learners with that status known.",
        base="learners",
        kind="share",
        numerator=Term(
            text="learners unemployed before enrolment",
            sql="count(*) filter (where labour_status_before = 'unemployed')",
        ),
        denominator=Term(
            text="learners with a labour status before enrolment",
            sql="count(*) filter (where labour_status_before is not null)",
        ),
        unit="%",
        direction="up",
        period_basis=_FIRST,
    ),
    Indicator(
        id="INC-4b",
        dimension="inclusion",
        name="Employment at 12 months of previously unemployed learners",
        definition="OUT-1b for learners who were unemployed before enrolment.",
        base="outcomes",
        kind="share",
        numerator=Term(
            text="12-month observations of previously unemployed learners, employed",
            sql="count(*) filter (where months_after_award = 12 and previously_unemployed and is_employed)",
        ),
        denominator=Term(
            text="12-month observations of previously unemployed learners",
            sql="count(*) filter (where months_after_award = 12 and previously_unemployed)",
        ),
        unit="%",
        direction="up",
        period_basis=_OBSERVED,
    ),
)

BY_ID = {i.id: i for i in INDICATORS}


def _validate(indicators: tuple[Indicator, ...]) -> None:
    """Every entry consistent with its kind, base and the indicators it names; a mistake fails at import."""
    problems: list[str] = []
    by_id: dict[str, Indicator] = {}
    for i in indicators:
        if i.id in by_id:
            problems.append(f"{i.id}: defined twice")
        by_id[i.id] = i
    for i in indicators:

        def bad(text: str, i: Indicator = i) -> None:
            problems.append(f"{i.id}: {text}")

        if i.dimension not in DIMENSIONS:
            bad(f"unknown dimension {i.dimension!r}")
        if i.base not in BASES:
            bad(f"unknown base {i.base!r}")
            continue
        if i.kind not in KINDS:
            bad(f"unknown kind {i.kind!r}")
        if i.unit not in UNITS:
            bad(f"unknown unit {i.unit!r}")
        if i.direction not in DIRECTIONS:
            bad(f"unknown direction {i.direction!r}")
        derived = i.kind in ("growth", "gap")
        if derived != (i.numerator.sql is None):
            bad("numerator SQL is required, except for growth and gaps (computed from another indicator)")
        needs_denominator = i.kind in ("share", "ratio", "quantile")
        if needs_denominator and i.denominator_sql is None:
            bad(f"a {i.kind} needs a denominator with SQL")
        if i.kind in ("count", "sum") and i.denominator is not None:
            bad(f"a {i.kind} has no denominator")
        if (i.kind == "growth") != (i.growth_of is not None):
            bad("growth_of is set exactly for growth indicators")
        elif i.growth_of is not None:
            of = by_id.get(i.growth_of)
            if of is None or of.kind != "count":
                bad(f"growth_of {i.growth_of!r} is not a count indicator")
            if not set(i.available()) <= {"overall", *GROWTH_GROUPS}:
                bad(f"a growth rate has the breakdowns overall, {', '.join(GROWTH_GROUPS)} only")
        if (i.kind == "gap") != (i.gap is not None):
            bad("gap is set exactly for gap indicators")
        elif i.gap is not None and (i.gap.of not in by_id or by_id[i.gap.of].kind != "share"):
            bad(f"gap.of {i.gap.of!r} is not a share indicator")
        if (i.kind == "per_capita") != (i.population is not None):
            bad("population is set exactly for per-capita indicators")
        elif i.population is not None:
            if not BASES[i.base].residence:
                bad(f"base {i.base!r} does not know where its learners live")
            if not set(i.available()) <= set(PER_CAPITA_BREAKDOWNS):
                bad(f"a per-capita rate has the breakdowns {', '.join(PER_CAPITA_BREAKDOWNS)} only")
        if i.denominator_per_record < 1:
            bad("denominator_per_record must be at least 1")
    if problems:
        raise ValueError("indicator registry: " + "; ".join(problems))


_validate(INDICATORS)


def get(indicator_id: str) -> Indicator:
    try:
        return BY_ID[indicator_id]
    except KeyError:
        raise KeyError(f"unknown indicator {indicator_id!r}; known: {', '.join(BY_ID)}") from None


def growth_for(indicator_id: str) -> Indicator | None:
    """The growth indicator of a count (ADO-2 for ADO-1), if the registry has one."""
    return next((i for i in INDICATORS if i.growth_of == indicator_id), None)
