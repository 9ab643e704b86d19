"""What a release holds: each table, how it is read from the warehouse, and where each column's meaning
comes from (a table contract, the indicator registry, the programme metrics, or text written here).

Public tables are aggregates after disclosure control. Restricted tables are pseudonymised learner-level
rows, exported only on request into a separately named release.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from pipelines.publish.settings import Disclosure

PUBLIC, RESTRICTED = "public", "restricted"


@dataclass(frozen=True)
class Col:
    """A column and where its description comes from.

    `source` is "contract:<table>.<column>" (the table contracts), "registry:<field>" (the indicator
    registry), "metric" / "stage" (programme metric and funnel definitions), "flag" or "text" (`text`).
    `text` is appended to (or, for "text", is) the description.
    """

    name: str
    source: str = "text"
    text: str = ""
    unit: str | None = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    title: str
    description: str
    grain: str
    primary_key: tuple[str, ...]
    columns: tuple[Col, ...]
    load: Callable[[duckdb.DuckDBPyConnection, Disclosure], pl.DataFrame]
    access: str = PUBLIC

    def column(self, name: str) -> Col | None:
        return next((c for c in self.columns if c.name == name), None)


def _sql(query: str) -> Callable[[duckdb.DuckDBPyConnection, Disclosure], pl.DataFrame]:
    return lambda con, _rules: con.sql(query).pl()


def _registry(con: duckdb.DuckDBPyConnection, _rules: Disclosure) -> pl.DataFrame:
    return (
        con.sql("select * from indicator_registry order by indicator_id")
        .pl()
        .with_columns(pl.col("breakdowns").list.join(";"))
    )


def _programmes(con: duckdb.DuckDBPyConnection, _rules: Disclosure) -> pl.DataFrame:
    return con.sql(
        """
        select credential_id, title, provider_id, provider_name, provider_type, country_code, region_code,
               isced_f_broad, eqf_level,
               case when isced_f_broad is not null and eqf_level is not null
                    then isced_f_broad || ' · EQF ' || eqf_level end as peer_group,
               is_stackable, annex_present, annex_complete, first_award_year, last_award_year
        from mart_programme order by credential_id
        """
    ).pl()


def _programme_indicators(con: duckdb.DuckDBPyConnection, rules: Disclosure) -> pl.DataFrame:
    from pipelines.programmes.compare import programme_metrics

    mart = con.sql("select * from mart_programme order by credential_id").pl()
    return programme_metrics(mart, rules).drop("isced_f_broad", "eqf_level")


def _programme_funnel(con: duckdb.DuckDBPyConnection, rules: Disclosure) -> pl.DataFrame:
    from pipelines.programmes.compare import funnel_table

    mart = con.sql("select * from mart_programme order by credential_id").pl()
    return funnel_table(mart, rules)


def _peer_groups(con: duckdb.DuckDBPyConnection, rules: Disclosure) -> pl.DataFrame:
    from pipelines.programmes.compare import peer_groups

    mart = con.sql("select * from mart_programme order by credential_id").pl()
    return peer_groups(mart, rules).drop("peer_group")


_FLAG = Col("flag", "flag")
_VALUE_NOTE = "Blank when the flag is c (suppressed) or z (not applicable)."

PUBLIC_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "indicator_cube",
        "Indicator cube",
        "Every indicator for every breakdown it has, over the whole period, after disclosure control "
        "(primary and secondary suppression). The same figures as the dashboard and `mco indicators`.",
        "one indicator for one value of one breakdown",
        ("indicator_id", "breakdown", "breakdown_value"),
        (
            Col("indicator_id", "registry:indicator_id"),
            Col("breakdown", "registry:breakdown"),
            Col(
                "breakdown_value",
                text="The group of the breakdown: a year, a country code, a region code, a provider type, "
                "an ISCED-F broad field, an EQF level, … ('all' for overall; 'unknown' when not recorded).",
            ),
            Col("numerator", text="Numerator of the indicator (see its definition). " + _VALUE_NOTE),
            Col("denominator", text="Denominator of the indicator, or blank for counts. " + _VALUE_NOTE),
            Col("value", text="Value of the indicator in its unit (see indicators.unit). " + _VALUE_NOTE),
            _FLAG,
            Col(
                "suppression",
                text="Why a cell is suppressed: primary (below a threshold) or secondary (hidden so that "
                "a primary cell cannot be recovered by subtraction); blank when shown.",
            ),
        ),
        _sql(
            "select indicator_id, breakdown, breakdown_value, numerator, denominator, value, flag, "
            "suppression from pub_indicator_cube order by indicator_id, breakdown, breakdown_value"
        ),
    ),
    TableSpec(
        "indicators",
        "Indicator registry",
        "Metadata of every indicator: definition, numerator, denominator, unit, direction and caveats.",
        "one indicator",
        ("indicator_id",),
        (
            Col("indicator_id", "registry:indicator_id"),
            Col("dimension", "registry:dimension"),
            Col("name", text="Short name of the indicator."),
            Col("definition", text="Definition of the indicator."),
            Col("numerator", text="What the numerator counts."),
            Col("denominator", text="What the denominator counts; blank for counts."),
            Col("unit", text="Unit of the value (count, %, ratio, pp, ECTS, months, EUR/month, per 1,000)."),
            Col("kind", "registry:kind"),
            Col("direction", text="up = higher is better, down = lower is better, none = descriptive."),
            Col("period_basis", text="What dates a record into a period (the year breakdown)."),
            Col("caveats", text="Caveats for reading the indicator."),
            Col("headline", text="Whether the indicator is its dimension's headline on the dashboard."),
            Col("breakdowns", text="Breakdowns available in the indicator cube, separated by ';'."),
        ),
        _registry,
    ),
    TableSpec(
        "indicator_targets",
        "Policy targets",
        "Progress towards each configured policy target, from the latest published year.",
        "one target",
        ("indicator_id",),
        (
            Col("indicator_id", "registry:indicator_id"),
            Col("target_value", text="Target value in the indicator's unit."),
            Col("target_year", text="Year by which the target should be met."),
            Col("latest_year", text="Latest year with a published value."),
            Col("latest_value", text="Published value in the latest year."),
            Col(
                "progress_pct",
                text="Latest value as a percentage of the target (inverted when lower is better).",
            ),
            Col("met", text="Whether the latest value meets the target."),
            Col("source", text="Where the target comes from."),
        ),
        _sql("select * from indicator_targets order by indicator_id"),
    ),
    TableSpec(
        "programmes",
        "Credential programmes",
        "Every credential specification (programme) with its provider, field, level and Annex I "
        "completeness.",
        "one credential specification",
        ("credential_id",),
        (
            Col("credential_id", "contract:credentials.credential_id"),
            Col("title", "contract:credentials.title"),
            Col("provider_id", "contract:providers.provider_id"),
            Col("provider_name", "contract:providers.provider_name"),
            Col("provider_type", "contract:providers.provider_type", "'unknown' when not recorded."),
            Col("country_code", "contract:providers.country_code", "'unknown' when not recorded."),
            Col("region_code", "contract:providers.region_code"),
            Col("isced_f_broad", "contract:credentials.isced_f_broad"),
            Col("eqf_level", "contract:credentials.eqf_level"),
            Col(
                "peer_group",
                text="Peer group for comparison: ISCED-F broad field and EQF level; blank when either is "
                "unknown.",
            ),
            Col("is_stackable", text="The credential stacks into a formal qualification."),
            Col(
                "annex_present",
                text="Specification-level mandatory Annex I elements present, of 9 (title, issuer country, "
                "awarding body, learning outcomes, workload, level, assessment type, form of participation, "
                "quality assurance).",
            ),
            Col("annex_complete", text="All 9 specification-level mandatory Annex I elements are present."),
            Col(
                "first_award_year", text="Year of the first award of the credential; blank if never awarded."
            ),
            Col(
                "last_award_year", text="Year of the latest award of the credential; blank if never awarded."
            ),
        ),
        _programmes,
    ),
    TableSpec(
        "programme_indicators",
        "Programme indicators beside their peers",
        "For every programme and metric: the value with its Wilson 95 % interval, and its peer group's "
        "median and the programme's percentile in it, after disclosure control.",
        "one programme and one metric",
        ("credential_id", "metric"),
        (
            Col("credential_id", "contract:credentials.credential_id"),
            Col("provider_id", "contract:providers.provider_id"),
            Col(
                "peer_group",
                text="Peer group: ISCED-F broad field · EQF level; blank when either is unknown.",
            ),
            Col("metric", "metric"),
            Col("unit", text="Unit of the value: count or % (percent)."),
            Col("value", text="Value of the metric. " + _VALUE_NOTE),
            Col("numerator", text="Numerator of the metric (see its definition). Blank when suppressed."),
            Col("denominator", text="Denominator of the metric; blank for counts or when suppressed."),
            Col("ci_low", text="Lower bound of the Wilson 95 % confidence interval of a rate, in percent."),
            Col("ci_high", text="Upper bound of the Wilson 95 % confidence interval of a rate, in percent."),
            _FLAG,
            Col(
                "suppression",
                text="primary (below a threshold) or secondary (hidden so that another programme of the "
                "same provider cannot be recovered by subtraction); blank when shown.",
            ),
            Col("peer_n", text="Programmes of the peer group with a publishable value of the metric."),
            Col(
                "peer_median",
                text="Median of the peer group's publishable values; blank when peer_flag is set.",
            ),
            Col(
                "peer_flag",
                text="c = the peer group has fewer contributors than the disclosure minimum, so median and "
                "percentile are suppressed; z = no peer group (field or EQF level unknown).",
            ),
            Col(
                "percentile",
                text="Mid-rank percentile of the programme among its peers, in percent: 100 × (peers below + "
                "½ × peers equal) / peer_n (50 = the median).",
            ),
        ),
        _programme_indicators,
    ),
    TableSpec(
        "programme_funnel",
        "Programme learner funnel",
        "Distinct learners of each programme at each stage: enrolled, completed, awarded, stacked (next "
        "award within 36 months), employed at 12 months.",
        "one programme and one stage",
        ("credential_id", "stage_order"),
        (
            Col("credential_id", "contract:credentials.credential_id"),
            Col("provider_id", "contract:providers.provider_id"),
            Col("stage_order", text="Position of the stage in the funnel (1 = enrolled)."),
            Col("stage", "stage"),
            Col("learners", text="Distinct learners at the stage. Blank when suppressed (flag c)."),
            _FLAG,
        ),
        _programme_funnel,
    ),
    TableSpec(
        "peer_groups",
        "Peer groups",
        "Per peer group (ISCED-F broad field and EQF level) and metric: programmes, contributors and median.",
        "one peer group and one metric",
        ("isced_f_broad", "eqf_level", "metric"),
        (
            Col("isced_f_broad", "contract:credentials.isced_f_broad"),
            Col("eqf_level", "contract:credentials.eqf_level"),
            Col("metric", "metric"),
            Col("programmes", text="Programmes in the peer group."),
            Col("contributors", text="Programmes with a publishable value of the metric."),
            Col("median", text="Median of the contributors' values; blank when flagged."),
            Col("flag", "flag", "c = fewer contributors than the disclosure minimum."),
        ),
        _peer_groups,
    ),
)

_LEARNER_KEY = Col(
    "learner_key",
    text="Pseudonymous learner key: HMAC-SHA256 of the raw identifier under a secret key held outside the "
    "data. Links a person across the tables of this release; it cannot be reversed without the key.",
)

RESTRICTED_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "learner_awards",
        "Awards (learner level, pseudonymised)",
        "One award with its credential, provider, learner attributes and verification/recognition flags.",
        "one award",
        ("award_id",),
        (
            Col("award_id", "contract:awards.award_id"),
            _LEARNER_KEY,
            Col("credential_id", "contract:awards.credential_id"),
            Col("provider_id", "contract:providers.provider_id"),
            Col("issue_date", "contract:awards.issue_date"),
            Col("year", text="Calendar year of issue."),
            Col("country_code", "contract:providers.country_code"),
            Col("provider_type", "contract:providers.provider_type"),
            Col("isced_f_broad", "contract:credentials.isced_f_broad"),
            Col("eqf_level", "contract:credentials.eqf_level"),
            Col("participation_form", "contract:credentials.participation_form"),
            Col("format", "contract:awards.format"),
            Col("standard", "contract:awards.standard"),
            Col("signed", "contract:awards.signed"),
            Col("purpose", "contract:awards.purpose"),
            Col("status", "contract:awards.status"),
            Col("sex", "contract:learners.sex"),
            Col("age_band", text="Age band of the learner in the year of the award."),
            Col("residence_region_code", "contract:learners.region_code"),
            Col("eligible_12m", text="Issued at least 12 months before the data cut-off."),
            Col("verified_12m", text="Verified by an employer or education institution within 12 months."),
            Col("eligible_24m", text="Issued at least 24 months before the data cut-off."),
            Col("recognised_24m", text="Recognised by another organisation within 24 months."),
        ),
        _sql(
            "select award_id, learner_key, credential_id, provider_id, issue_date, year, country_code, "
            "provider_type, isced_f_broad, eqf_level, participation_form, format, standard, signed, purpose, "
            "status, sex, age_band, residence_region_code, eligible_12m, verified_12m, eligible_24m, "
            "recognised_24m from mart_award order by award_id"
        ),
        RESTRICTED,
    ),
    TableSpec(
        "learner_outcomes",
        "Employment outcomes (learner level, pseudonymised)",
        "One employment observation after an award, with the learner's baseline.",
        "one observation",
        ("observation_id",),
        (
            Col("observation_id", "contract:employment_outcomes.observation_id"),
            _LEARNER_KEY,
            Col("award_id", "contract:employment_outcomes.award_id"),
            Col("months_after_award", "contract:employment_outcomes.months_after_award"),
            Col("is_employed", text="Employed or self-employed at the observation."),
            Col("monthly_earnings_eur", "contract:employment_outcomes.monthly_earnings_eur"),
            Col("job_related", "contract:employment_outcomes.job_related"),
            Col("baseline_employed", text="Employed at the learner's latest baseline (before enrolment)."),
            Col("previously_unemployed", text="Unemployed before the first enrolment."),
        ),
        _sql(
            "select observation_id, learner_key, award_id, months_after_award, is_employed, "
            "monthly_earnings_eur, job_related, baseline_employed, previously_unemployed "
            "from mart_outcome order by observation_id"
        ),
        RESTRICTED,
    ),
    TableSpec(
        "learner_pathways",
        "Learner pathways (learner level, pseudonymised)",
        "One learner, dated by the first award: stacking within 36 months, providers, outcome coverage.",
        "one learner",
        ("learner_key",),
        (
            _LEARNER_KEY,
            Col("first_award_date", text="Date of the learner's first award."),
            Col("second_award_date", text="Date of the learner's second award; blank if none."),
            Col("year", text="Calendar year of the first award."),
            Col("sex", "contract:learners.sex"),
            Col("age_band", text="Age band in the year of the first award."),
            Col("prior_education_isced", "contract:learners.prior_education_isced"),
            Col("labour_status_before", "contract:learners.labour_status_before"),
            Col("n_awards", text="Awards of the learner."),
            Col("n_providers", text="Distinct providers that awarded the learner."),
            Col("has_outcome", text="The learner has at least one employment observation after an award."),
            Col("eligible_36m", text="First award at least 36 months before the data cut-off."),
            Col("stacked_36m", text="Second award within 36 months of the first."),
        ),
        _sql(
            "select learner_key, first_award_date, second_award_date, year, sex, age_band, "
            "prior_education_isced, labour_status_before, n_awards, n_providers, has_outcome, eligible_36m, "
            "stacked_36m from mart_learner_cohort order by learner_key"
        ),
        RESTRICTED,
    ),
)
