"""Base frames of the ground truth, built from the clean tables with polars only.

``conform`` makes the truth work on any rendering of the clean tables: the generator's integer-keyed,
Enum-coded frames, the CSVs read back as text, or tiny hand-written test frames (missing tables become
empty, missing columns null). Keys are only compared for equality and sorted (award ids are zero-padded,
so integer and string order agree).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from .truth_core import filled, months_before

KEY = "key"  # a key column: left as it is (integer or string); when missing, typed like its reference
KEY_REFERENCE = {
    "award_id": ("awards", "award_id"),
    "learner_id": ("awards", "learner_id"),
    "credential_id": ("awards", "credential_id"),
    "provider_id": ("credentials", "provider_id"),
    "stackable_into": ("credentials", "stackable_into"),
}
SCHEMA: dict[str, dict[str, object]] = {
    "awards": {
        "award_id": KEY, "learner_id": KEY, "credential_id": KEY, "issue_date": pl.Date,
        "format": pl.String, "standard": pl.String, "signed": pl.Boolean, "purpose": pl.String,
        "status": pl.String,
    },
    "credentials": {
        "credential_id": KEY, "provider_id": KEY, "title": pl.String, "learning_outcomes": pl.String,
        "esco_skills": pl.String, "isced_f_broad": pl.String, "eqf_level": pl.Int64, "ects": pl.Float64,
        "notional_hours": pl.Float64, "participation_form": pl.String, "assessment_type": pl.String,
        "supervision": pl.String, "qa_type": pl.String, "stackable_into": pl.String,
        "co_design_partner": pl.String, "launch_date": pl.Date, "retirement_date": pl.Date,
    },
    "providers": {
        "provider_id": KEY, "provider_name": pl.String, "provider_type": pl.String, "country_code": pl.String,
    },
    "learners": {
        "learner_id": KEY, "birth_year": pl.Int64, "sex": pl.String, "prior_education_isced": pl.Int64,
        "region_code": pl.String, "labour_status_before": pl.String,
    },
    "pathway_events": {
        "learner_id": KEY, "event_type": pl.String, "event_date": pl.Date, "award_id": KEY,
        "recognising_org_type": pl.String, "ects_recognised": pl.Float64, "vpl_outcome": pl.String,
    },
    "verifications": {"award_id": KEY, "verification_date": pl.Date, "verifier_type": pl.String},
    "employment_outcomes": {
        "observation_id": KEY, "learner_id": KEY, "award_id": KEY, "observation_date": pl.Date,
        "months_after_award": pl.Int64, "is_baseline": pl.Boolean, "status": pl.String,
        "monthly_earnings_eur": pl.Float64, "job_related": pl.Boolean,
    },
    "regions": {"region_code": pl.String, "country_code": pl.String},
    "region_population": {"region_code": pl.String, "age_band": pl.String, "population": pl.Int64},
}  # fmt: skip
# columns turned into plain text whatever their type: they are joined across tables or become JSON keys
AS_TEXT = {"region_code", "country_code"}
EMPLOYED = ("employed", "self_employed")
WORKING_AGE_BANDS = ("25-34", "35-44", "45-54", "55-64")
LOW_QUALIFIED_CSV = (
    Path(__file__).resolve().parents[1] / "indicators" / "reference" / "low_qualified_share.csv"
)


def _convert(column: str, have: pl.DataType, want) -> pl.Expr | None:
    c = pl.col(column)
    if want is KEY or have == want:
        return None
    if column in AS_TEXT:
        return c.cast(pl.String)
    if want == pl.String:
        return None  # codes: Enum, Categorical and String all compare with string literals
    if have == pl.String:
        if want == pl.Date:
            return c.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
        if want == pl.Boolean:
            text = c.str.strip_chars().str.to_lowercase()
            return pl.when(text == "true").then(True).when(text == "false").then(False)
        return c.str.strip_chars().cast(want, strict=False)
    return c.cast(want, strict=False)


def conform(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The tables the truth reads, with the columns it uses in the types it expects."""
    out = dict(frames)
    for table, columns in SCHEMA.items():
        frame = out.get(table)
        if frame is None:
            frame = pl.DataFrame()
        exprs: list[pl.Expr] = []
        for column, want in columns.items():
            if column in frame.columns:
                expr = _convert(column, frame.schema[column], want)
                if expr is not None:
                    exprs.append(expr.alias(column))
                continue
            dtype = want
            if want is KEY:
                ref_table, ref_column = KEY_REFERENCE.get(column, ("", ""))
                ref = out.get(ref_table)
                dtype = ref.schema[ref_column] if ref is not None and ref_column in ref.columns else pl.Int64
            exprs.append(pl.lit(None, dtype=dtype).alias(column))
        if not frame.width:  # a missing table: empty, with every column
            frame = pl.DataFrame(schema=pl.select(exprs).schema)
        elif exprs:
            frame = frame.with_columns(exprs)
        out[table] = frame
    return out


def countries(frames: dict[str, pl.DataFrame]) -> list[str]:
    """Every country code of the regions and providers: the by-country groups listed."""
    codes = pl.concat([frames["regions"]["country_code"], frames["providers"]["country_code"]])
    return sorted(codes.drop_nulls().unique().to_list())


def award_facts(awards: pl.DataFrame, credentials: pl.DataFrame, providers: pl.DataFrame) -> pl.DataFrame:
    """Awards with their credential and provider attributes, award year and provider country, in learner
    order: sorted by (learner_id, issue_date, award_id)."""
    cred = credentials.select(
        "credential_id", "provider_id", "qa_type", "participation_form", "supervision", "eqf_level",
        "isced_f_broad", stackable=filled(credentials, "stackable_into"),
        supervision_known=filled(credentials, "supervision"),
    )  # fmt: skip
    prov = providers.select("provider_id", "provider_type", country=pl.col("country_code"))
    return (
        awards.join(cred, on="credential_id", how="left")
        .join(prov, on="provider_id", how="left")
        .with_columns(year=pl.col("issue_date").dt.year())
        .sort(["learner_id", "issue_date", "award_id"])
    )


def within(date: str, start: str, months: int) -> pl.Expr:
    """``date`` in [start, start + N calendar months]."""
    return (pl.col(date) >= pl.col(start)) & (pl.col(date) <= pl.col(start).dt.offset_by(f"{months}mo"))


def verified_within(facts: pl.DataFrame, verifications: pl.DataFrame, months: int = 12) -> pl.Expr:
    """Awards with >= 1 verification by an employer or education institution in [issue, issue + N months]."""
    checks = verifications.filter(pl.col("verifier_type").is_in(["employer", "education"]))
    hits = (
        facts.select("award_id", "issue_date")
        .join(checks.select("award_id", "verification_date"), on="award_id", how="inner")
        .filter(within("verification_date", "issue_date", months))
    )
    return pl.col("award_id").is_in(hits["award_id"].unique().implode())


RECOGNITION = ("recognised_for_credit", "exemption_granted", "admitted_to_programme")
RECOGNISERS = {"": None, "e": "education", "l": "employer", "p": "public_authority"}


def recognised_within(facts: pl.DataFrame, events: pl.DataFrame, months: int = 24) -> list[pl.Expr]:
    """Flags ``recognised``, ``recognised_e``, ``_l``, ``_p``: a recognition event referencing the award
    (award_id) dated in [issue, issue + N months], of any / that recognising_org_type."""
    hits = (
        events.filter(pl.col("event_type").is_in(RECOGNITION) & pl.col("award_id").is_not_null())
        .select("award_id", "event_date", "recognising_org_type")
        .join(facts.select("award_id", "issue_date"), on="award_id", how="inner")
        .filter(within("event_date", "issue_date", months))
    )
    flags = []
    for suffix, org in RECOGNISERS.items():
        got = hits if org is None else hits.filter(pl.col("recognising_org_type") == org)
        name = "recognised" + (f"_{suffix}" if suffix else "")
        flags.append(pl.col("award_id").is_in(got["award_id"].unique().implode()).alias(name))
    return flags


def learner_demographics(
    learners: pl.DataFrame, regions: pl.DataFrame, low_qualified: pl.DataFrame
) -> pl.DataFrame:
    """Learner attributes with the residence country (via the region) and its reference ISCED 0-2 share."""
    residence = regions.select("region_code", residence=pl.col("country_code")).unique("region_code")
    shares = low_qualified.select(
        residence=pl.col("country_code").cast(pl.String),
        reference_share=pl.col("share_isced_0_2").cast(pl.Float64),
    )
    return (
        learners.select(
            "learner_id", "birth_year", "sex", "prior_education_isced", "region_code", "labour_status_before"
        )
        .unique("learner_id", keep="first", maintain_order=True)
        .join(residence, on="region_code", how="left")
        .join(shares, on="residence", how="left")
    )


def learner_facts(facts: pl.DataFrame) -> pl.DataFrame:
    """One row per learner from facts in learner order: the first award (earliest issue_date, ties by the
    smaller award_id) with its year and attributes, ``second`` = date of the 2nd award (null if none) and
    ``providers`` = distinct providers over all the learner's awards (when provider_id is known)."""
    lid = pl.col("learner_id")
    first = facts.with_columns(
        second=pl.when(lid.shift(-1) == lid).then(pl.col("issue_date").shift(-1)),
    ).filter(lid.is_first_distinct())
    first = first.rename({"issue_date": "first"})
    if "provider_id" in facts.columns:
        providers = facts.group_by("learner_id").agg(providers=pl.col("provider_id").drop_nulls().n_unique())
        first = first.join(providers, on="learner_id", how="left")
    return first


def consecutive_pairs(facts: pl.DataFrame) -> pl.DataFrame:
    """Each award (in learner order) with the same learner's previous award; attributes = the second's."""
    lid = pl.col("learner_id")
    return facts.with_columns(
        pair=(lid == lid.shift(1)).fill_null(False),
        prev_date=pl.col("issue_date").shift(1),
        prev_eqf=pl.col("eqf_level").shift(1),
        prev_field=pl.col("isced_f_broad").shift(1),
    ).filter(pl.col("pair"))


def first_stackable(facts: pl.DataFrame, events: pl.DataFrame, cutoff: dt.date) -> pl.DataFrame:
    """FLX-3 base: per learner the first award of a stackable credential (F, its year and attributes),
    ``eligible`` = F <= C - 36 months, ``progressed`` = a stacking / qualification event in [F, F + 36 mo]."""
    first = (
        facts.filter(pl.col("stackable"))
        .sort(["learner_id", "issue_date", "award_id"])
        .filter(pl.col("learner_id").is_first_distinct())
        .rename({"issue_date": "F"})
    )
    progress = events.filter(
        pl.col("event_type").is_in(["stacked_into_qualification", "qualification_obtained"])
    ).select("learner_id", "event_date")
    hit = (
        first.select("learner_id", "F")
        .join(progress, on="learner_id", how="inner")
        .filter(within("event_date", "F", 36))
    )
    return first.with_columns(
        eligible=pl.col("F") <= months_before(cutoff, 36),
        progressed=pl.col("learner_id").is_in(hit["learner_id"].unique().implode()),
    )


def observation_facts(
    outcomes: pl.DataFrame, facts: pl.DataFrame, demographics: pl.DataFrame
) -> pl.DataFrame:
    """Observations at 6 or 12 months with the observed award's year and country, the learner's sex and
    status before enrolment, ``employed`` and ``base_employed`` (status at the learner's latest baseline:
    latest observation_date, ties by the larger observation_id; null without a baseline)."""
    baseline = (
        outcomes.filter(pl.col("is_baseline").fill_null(False))
        .sort(["learner_id", "observation_date", "observation_id"])
        .filter(pl.col("learner_id").is_last_distinct())
        .select("learner_id", base_employed=pl.col("status").is_in(EMPLOYED))
    )
    return (
        outcomes.filter(pl.col("months_after_award").is_in([6, 12]) & pl.col("award_id").is_not_null())
        .select(
            "learner_id",
            "award_id",
            "months_after_award",
            "monthly_earnings_eur",
            "job_related",
            employed=pl.col("status").is_in(EMPLOYED),
        )  # fmt: skip
        .join(facts.select("award_id", "year", "country"), on="award_id", how="inner")
        .join(demographics.select("learner_id", "sex", "labour_status_before"), on="learner_id", how="left")
        .join(baseline, on="learner_id", how="left")
    )


def read_low_qualified(path: Path = LOW_QUALIFIED_CSV) -> pl.DataFrame:
    """Reference share of adults with ISCED 0-2 by country (INC-2)."""
    return pl.read_csv(path, columns=["country_code", "share_isced_0_2"], schema_overrides={
        "country_code": pl.String, "share_isced_0_2": pl.Float64})  # fmt: skip


def working_age_population(population: pl.DataFrame, regions: pl.DataFrame) -> tuple[float, dict]:
    """Residents aged 25-64 (bands 25-34 ... 55-64): all regions, and per country."""
    pop = population.filter(pl.col("age_band").is_in(WORKING_AGE_BANDS)).join(
        regions.select("region_code", "country_code").unique("region_code"), on="region_code", how="left"
    )
    total = int(pop["population"].sum() or 0)
    per = (
        pop.filter(pl.col("country_code").is_not_null())
        .group_by("country_code")
        .agg(pl.col("population").sum())
    )
    return total, {c: int(p) for c, p in per.iter_rows()}
