"""What a release holds: each table, how it is read from the warehouse, and where each column's meaning
comes from (the YAML of the warehouse table it is read from, a table contract, the indicator registry,
the programme metrics, or text written here).

A release table read straight from a mart or the public cube names it (`model`): its columns take their
meaning from that table's YAML (pipelines/sql/<layer>/<table>.yml), so a column is described once, beside
the SQL that makes it. Only the columns the release itself derives are written here.

Public tables are aggregates after disclosure control. Restricted tables are pseudonymised learner-level
rows, exported only on request into a separately named release.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import polars as pl

from pipelines.disclosure import FLAGS, Disclosure
from pipelines.programmes.compare import funnel_table, peer_groups, programme_metrics
from pipelines.sql.models import models

PUBLIC, RESTRICTED = "public", "restricted"


@dataclass(frozen=True)
class Col:
    """A column and where its description comes from.

    `source` is "model" (the same column of the table's `model`, described in its YAML),
    "contract:<table>.<column>" (the table contracts), "registry:<field>" (the indicator registry),
    "metric" / "stage" (programme metric and funnel definitions), "flag" or "text" (`text`).
    `text` is appended to (or, for "text", is) the description. `values` names where the meanings of a
    column's codes come from when not from its description's source: "registry:<field>" or "flag".
    """

    name: str
    source: str = "text"
    text: str = ""
    unit: str | None = None
    values: str | None = None


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
    model: str | None = None  # the warehouse table (pipelines/sql YAML) the release reads its columns from

    def column(self, name: str) -> Col | None:
        """The column as listed here, else the same column of `model` (None when neither has it)."""
        listed = next((c for c in self.columns if c.name == name), None)
        if listed is None and self.model is not None and models()[self.model].has(name):
            return Col(name, "model")
        return listed


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
    mart = con.sql("select * from mart_programme order by credential_id").pl()
    return programme_metrics(mart, rules).drop("isced_f_broad", "eqf_level")


def _programme_funnel(con: duckdb.DuckDBPyConnection, rules: Disclosure) -> pl.DataFrame:
    mart = con.sql("select * from mart_programme order by credential_id").pl()
    return funnel_table(mart, rules)


def _peer_groups(con: duckdb.DuckDBPyConnection, rules: Disclosure) -> pl.DataFrame:
    mart = con.sql("select * from mart_programme order by credential_id").pl()
    return peer_groups(mart, rules)


_FLAG = Col("flag", "flag")
_VALUE_NOTE = f"Blank when the flag is c (suppressed) or z ({FLAGS['z'].label})."

PUBLIC_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "indicator_cube",
        "Indicator cube",
        "Every indicator for every breakdown it has, over the whole period, after disclosure control "
        "(primary and secondary suppression). The same figures as the dashboard and `mco indicators`.",
        "one indicator for one value of one breakdown",
        ("indicator_id", "breakdown", "breakdown_value"),
        (  # the other columns are described in pipelines/sql/public/pub_indicator_cube.yml
            Col("indicator_id", "model", values="registry:indicator_id"),
            Col("breakdown", "model", values="registry:breakdown"),
            Col("flag", "model", values="flag"),
        ),
        _sql(
            "select indicator_id, breakdown, breakdown_value, numerator, denominator, value, flag, "
            "suppression from pub_indicator_cube order by indicator_id, breakdown, breakdown_value"
        ),
        model="pub_indicator_cube",
    ),
    TableSpec(
        "impact",
        "Impact estimates",
        "Counterfactual impact of micro-credentials on employment and earnings at 6 and 12 months: "
        "coarsened exact matching + difference-in-differences against a comparison population, with 95 % "
        "intervals and the naive before/after gain, overall and by field, provider type, EQF level and "
        "country (docs/METHODOLOGY.md, Impact). The same figures as the Impact page and `mco impact`.",
        "one outcome at one horizon for one value of one breakdown",
        ("outcome", "horizon_months", "breakdown", "breakdown_value"),
        (Col("flag", "model", values="flag"),),
        _sql("select * from pub_impact order by outcome, horizon_months, breakdown, breakdown_value"),
        model="pub_impact",
    ),
    TableSpec(
        "impact_event_study",
        "Impact event study",
        "The impact overall by month from the award (-12 to +12, reference -3), with the pre-trend test.",
        "one outcome at one relative month",
        ("outcome", "relative_month"),
        (Col("flag", "model", values="flag"),),
        _sql("select * from pub_impact_event order by outcome, relative_month"),
        model="pub_impact_event",
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
        "Each configured policy target as a trajectory: a straight line from the baseline to the target, "
        "a projection from the recent trend over complete years, and a verdict (docs/METHODOLOGY.md).",
        "one target",
        ("indicator_id",),
        (
            Col("indicator_id", "registry:indicator_id"),
            Col("target_value", text="Target value in the indicator's unit."),
            Col("target_year", text="Year by which the target should be met."),
            Col("direction", text="up = higher is better, down = lower is better."),
            Col("verdict", text="on_track, off_track, met or no_data."),
            Col("baseline_year", text="Baseline year of the straight-line path."),
            Col("baseline_value", text="Baseline value in the indicator's unit."),
            Col("latest_year", text="Latest complete year (window closed) with a published value."),
            Col("latest_value", text="Published value in the latest complete year."),
            Col("path_value", text="The straight-line path's value in the latest complete year."),
            Col("ahead_of_path", text="Latest value minus the path's value, positive = ahead (better)."),
            Col("slope", text="Trend per year (least squares over the last trend_years complete years)."),
            Col("projected_value", text="The trend's value in the target year."),
            Col(
                "gap",
                text="How far the projection (for met: the latest value) falls short of the target, in the "
                "indicator's unit; positive = short, zero or negative = reaches it.",
            ),
            Col("trend_from", text="First complete year of the trend."),
            Col("trend_years", text="Complete years the trend is fitted over."),
            Col("method", text="How the projection is made."),
            Col("why", text="For no_data: no_complete_year or too_few_years."),
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
        (  # the other columns are mart_programme's (pipelines/sql/marts/mart_programme.yml)
            Col(
                "peer_group",
                text="Peer group for comparison: ISCED-F broad field and EQF level; blank when either is "
                "unknown.",
            ),
        ),
        _programmes,
        model="mart_programme",
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
                text="Peer group: ISCED-F broad field · EQF level, or field · all EQF levels when that group "
                "has too few contributors or the level is unknown; blank when the field is unknown.",
            ),
            Col("peer_basis", text="field and EQF level, or field only (see peer_group)."),
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
                "peer_p25",
                text="Lower quartile of the peer group's publishable values; blank as peer_median.",
            ),
            Col(
                "peer_p75",
                text="Upper quartile of the peer group's publishable values; blank as peer_median.",
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
            Col(
                "verdict",
                text="above most peers (the 95 % interval, for a count the value, above peer_p75), below "
                "most peers (below peer_p25), within the usual range, too few learners to say (suppressed "
                "or not applicable), or no peer group to compare with.",
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
        "Per peer group in use (ISCED-F broad field and EQF level, or the field alone when that group is "
        "too small or the level unknown) and metric: programmes, contributors, median and quartiles.",
        "one peer group and one metric",
        ("peer_group", "metric"),
        (
            Col("isced_f_broad", "contract:credentials.isced_f_broad"),
            Col("eqf_level", "contract:credentials.eqf_level", "Blank for a field-only group."),
            Col("peer_group", text="The group: field · EQF level, or field · all EQF levels."),
            Col("peer_basis", text="field and EQF level, or field only."),
            Col("metric", "metric"),
            Col("programmes", text="Programmes compared with the group."),
            Col("contributors", text="Programmes with a publishable value of the metric."),
            Col("median", text="Median of the contributors' values; blank when flagged."),
            Col("p25", text="Lower quartile of the contributors' values (linear); blank when flagged."),
            Col("p75", text="Upper quartile of the contributors' values (linear); blank when flagged."),
            Col("flag", "flag", "c = fewer contributors than the disclosure minimum."),
        ),
        _peer_groups,
    ),
)

RESTRICTED_TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "learner_awards",
        "Awards (learner level, pseudonymised)",
        "One award with its credential, provider, learner attributes and verification/recognition flags.",
        "one award",
        ("award_id",),
        (),  # every column is mart_award's (pipelines/sql/marts/mart_award.yml)
        _sql(
            "select award_id, learner_key, credential_id, provider_id, issue_date, year, country_code, "
            "provider_type, isced_f_broad, eqf_level, participation_form, format, standard, signed, purpose, "
            "status, sex, age_band, residence_region_code, eligible_12m, verified_12m, eligible_24m, "
            "recognised_24m from mart_award order by award_id"
        ),
        RESTRICTED,
        model="mart_award",
    ),
    TableSpec(
        "learner_outcomes",
        "Employment outcomes (learner level, pseudonymised)",
        "One employment observation after an award, with the learner's baseline.",
        "one observation",
        ("observation_id",),
        (),  # every column is mart_outcome's (pipelines/sql/marts/mart_outcome.yml)
        _sql(
            "select observation_id, learner_key, award_id, months_after_award, is_employed, "
            "monthly_earnings_eur, job_related, baseline_employed, previously_unemployed "
            "from mart_outcome order by observation_id"
        ),
        RESTRICTED,
        model="mart_outcome",
    ),
    TableSpec(
        "learner_pathways",
        "Learner pathways (learner level, pseudonymised)",
        "One learner, dated by the first award: stacking within 36 months, providers, outcome coverage.",
        "one learner",
        ("learner_key",),
        (),  # every column is mart_learner_cohort's (pipelines/sql/marts/mart_learner_cohort.yml)
        _sql(
            "select learner_key, first_award_date, second_award_date, year, sex, age_band, "
            "prior_education_isced, labour_status_before, n_awards, n_providers, has_outcome, eligible_36m, "
            "stacked_36m from mart_learner_cohort order by learner_key"
        ),
        RESTRICTED,
        model="mart_learner_cohort",
    ),
)
