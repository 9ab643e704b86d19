"""Ground truth: every indicator of docs/INDICATOR_DEFINITIONS.md computed independently (polars only).

Definitions follow docs/INDICATOR_DEFINITIONS.md literally (the first set and "The full catalogue"). Every
function takes frames with the contract's column names; key columns may be integers or strings (only
equality and order are used), so the functions work on the generator's integer-keyed frames, on the CSVs
read back and on tiny hand-written test frames alike (``truth_frames.conform``). Missing = null or empty
string. Each indicator is returned as

    {"unit": ..., "overall": cell, "by_year": {"2019": cell, ...}, "by_country": {"NL": cell, ...}}

with ``cell = {"numerator": n, "denominator": d, "value": v}`` (value null when d is 0 or not applicable).
``by_year`` lists every year from 2019 to the cut-off year, ``by_country`` every country of the regions and
providers tables. Country = the awarding provider's country of the award / first award / pair's second
award / observed award / event's award; for ADO-4 the learner's country of residence. ADO-2 (growth) has
no ``by_country``: it is only defined between consecutive years.

Special cells: quantiles (TRA-5m, FLX-7, OUT-3*) numerator = value = the quantile, denominator = number
of contributors; gaps (INC-3*) numerator = denominator = null, value = difference in percentage points
(null when either group's denominator is 0); ADO-4 numerator = learners, denominator = population / 1,000;
counts (ADO-1, ADO-3, ADO-5, ADO-6, INN-1, FLX-5, FLX-5x) denominator null, value = numerator.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from .truth_core import (
    NOT_APPLICABLE,
    Spec,
    cell,
    count,
    distinct,
    evaluate,
    filled,
    gap,
    months_before,
    n,
    quantile,
    rate,
    result,
)
from .truth_frames import (
    RECOGNISERS,
    award_facts,
    conform,
    consecutive_pairs,
    countries,
    first_stackable,
    learner_demographics,
    learner_facts,
    observation_facts,
    read_low_qualified,
    recognised_within,
    verified_within,
    working_age_population,
)

__all__ = ["FIRST_YEAR", "FIRST_SET", "CATALOGUE", "compute", "months_before", "award_facts"]

INDUSTRY_OR_PRIVATE = ("employer", "sector_body", "private")
ANNEX_ELEMENTS = (
    "title",
    "issuer_country",
    "awarding_body",
    "learning_outcomes",
    "workload",
    "level",
    "assessment_type",
    "participation_form",
    "qa_type",
)
FIRST_YEAR = 2019
FIRST_SET = (
    "ADO-1", "ADO-2", "ADO-3", "ADO-3b", "ADO-5", "TRU-1", "TRU-2", "TRU-4", "TRU-6", "TRA-1", "TRA-2",
    "TRA-3", "TRA-4", "INN-2", "INN-3", "INN-4", "INN-4b", "FLX-1", "FLX-3", "FLX-4",
)  # fmt: skip
CATALOGUE = (
    "ADO-4", "ADO-6", "TRU-3", "TRU-5", "TRU-5e", "TRU-5l", "TRU-5p", "TRA-5", "TRA-5m", "TRA-6", "INN-1",
    "INN-5", "FLX-2v", "FLX-2h", "FLX-2c", "FLX-5", "FLX-5x", "FLX-6", "FLX-7", "OUT-1a", "OUT-1b", "OUT-2",
    "OUT-3q1", "OUT-3md", "OUT-3q3", "OUT-4", "OUT-5", "INC-1a", "INC-1b", "INC-2", "INC-3s", "INC-3a",
    "INC-3o", "INC-4a", "INC-4b",
)  # fmt: skip
MONTH_DAYS = 30.4375


def _years(cutoff: dt.date) -> list[int]:
    return list(range(FIRST_YEAR, cutoff.year + 1))


# --- awards -------------------------------------------------------------------------------------------


def award_specs(cutoff: dt.date) -> list[Spec]:
    """Award-based indicators over award facts with the flags ``verified`` and ``recognised[_e|_l|_p]``."""
    e12 = pl.col("issue_date") <= months_before(cutoff, 12)
    e24 = pl.col("issue_date") <= months_before(cutoff, 24)
    tru_5 = [
        rate(f"TRU-5{s}", n(e24 & pl.col("recognised" + (f"_{s}" if s else ""))), n(e24)) for s in RECOGNISERS
    ]
    return [
        count("ADO-1", pl.len()),
        count("ADO-3", distinct("learner_id")),
        Spec("ADO-3b", "ratio", (pl.len(), distinct("learner_id")), lambda a, b: cell(a, b, 1.0)),
        count("ADO-5", distinct("provider_id")),
        rate("TRU-1", n(pl.col("qa_type") == "external"), pl.len()),
        rate("TRU-2", n(pl.col("signed")), pl.len()),
        rate("TRU-3", n(pl.col("supervision") == "supervised_id"), n(pl.col("supervision_known"))),
        rate("TRU-4", n(e12 & pl.col("verified")), n(e12)),
        *tru_5,
        rate("TRU-6", n(pl.col("status") == "revoked"), pl.len()),
        rate("INN-2", n(pl.col("provider_type").is_in(INDUSTRY_OR_PRIVATE)), pl.len()),
        rate("INN-3", n(pl.col("participation_form").is_in(["online", "blended"])), pl.len()),
        rate("INN-4", n(pl.col("format").is_in(["digital_certificate", "digital_badge"])), pl.len()),
        rate("INN-4b", n(pl.col("standard").is_in(["OB2", "OB3", "ELM"])), pl.len()),
        rate("FLX-4", n(pl.col("purpose") == "prior_learning"), pl.len()),
    ]


def ado_2(facts: pl.DataFrame, years: list[int]) -> dict:
    """Growth against the previous year; not applicable overall, in the first year and by country."""
    per = dict(facts.group_by("year").len().iter_rows())
    by_year = {}
    for y in years:
        if y == years[0]:
            by_year[y] = dict(NOT_APPLICABLE)
        else:
            now, before = int(per.get(y, 0)), int(per.get(y - 1, 0))
            by_year[y] = cell(now - before, before)
    return result("%", dict(NOT_APPLICABLE), by_year)


def tru_4(
    facts: pl.DataFrame, verifications: pl.DataFrame, cutoff: dt.date, years: list[int], countries=None
) -> dict:
    """Awards verified by an employer or education institution within [issue, issue + 12 months]."""
    e12 = pl.col("issue_date") <= months_before(cutoff, 12)
    flagged = facts.with_columns(verified=verified_within(facts, verifications, 12))
    return evaluate(flagged, [rate("TRU-4", n(e12 & pl.col("verified")), n(e12))], years, countries)["TRU-4"]


# --- specifications -----------------------------------------------------------------------------------


def specification_elements(credentials: pl.DataFrame, providers: pl.DataFrame) -> pl.DataFrame:
    """One row per credential: provider country, a boolean per Annex I element and the other flags used."""
    prov = providers.select(
        "provider_id",
        country=pl.col("country_code"),
        issuer_country=filled(providers, "country_code"),
        awarding_body=filled(providers, "provider_name"),
    )
    c = credentials
    elements = c.join(prov, on="provider_id", how="left").select(
        "credential_id",
        "country",
        "ects",
        title=filled(c, "title"),
        issuer_country=pl.col("issuer_country").fill_null(False),
        awarding_body=pl.col("awarding_body").fill_null(False),
        learning_outcomes=filled(c, "learning_outcomes"),
        workload=filled(c, "ects") | filled(c, "notional_hours"),
        level=filled(c, "eqf_level"),
        assessment_type=filled(c, "assessment_type"),
        participation_form=filled(c, "participation_form"),
        qa_type=filled(c, "qa_type"),
        esco=filled(c, "esco_skills"),
        co_design=filled(c, "co_design_partner"),
    )
    n_present = pl.sum_horizontal([pl.col(e).cast(pl.Int64) for e in ANNEX_ELEMENTS])
    return elements.with_columns(n_present=n_present, complete=n_present == len(ANNEX_ELEMENTS))


SPECIFICATION_SPECS = [
    rate("TRA-1", n(pl.col("complete")), pl.len()),
    rate("TRA-2", pl.col("n_present").sum(), pl.len() * len(ANNEX_ELEMENTS)),
    rate("TRA-3", n(pl.col("learning_outcomes")), pl.len()),
    rate("TRA-4", n(pl.col("esco")), pl.len()),
    rate("TRA-5", n(pl.col("workload")), pl.len()),
    quantile("TRA-5m", "ECTS", pl.col("ects"), 0.5),
    rate("TRA-6", n(pl.col("level")), pl.len()),
    rate("INN-5", n(pl.col("co_design")), pl.len()),
]


def specification_indicators(
    facts: pl.DataFrame, elements: pl.DataFrame, years: list[int], countries=None
) -> dict[str, dict]:
    """'Specifications in period' (>= 1 award in the period): per year the (year, specification) pairs;
    overall and by country each specification with >= 1 award once (country = its provider's)."""
    per_year = facts.select("year", "credential_id").unique().join(elements, on="credential_id", how="inner")
    whole = facts.select("credential_id").unique().join(elements, on="credential_id", how="inner")
    return evaluate(per_year.drop("country"), SPECIFICATION_SPECS, years, countries, whole=whole)


def ado_6(
    facts: pl.DataFrame,
    credentials: pl.DataFrame,
    providers: pl.DataFrame,
    cutoff: dt.date,
    years: list[int],
    countries=None,
) -> dict:
    """Specifications on offer: per year those with >= 1 award in it or active in it (launch_date <= the
    year's end and <= C, retirement_date empty or >= the year's start); overall and by country each
    specification that was ever on offer, once (country = its provider's)."""
    launched = credentials.filter(pl.col("launch_date").is_not_null() & (pl.col("launch_date") <= cutoff))
    last = pl.min_horizontal(pl.col("retirement_date").dt.year().fill_null(cutoff.year), pl.lit(cutoff.year))
    active = launched.select(
        "credential_id", year=pl.int_ranges(pl.col("launch_date").dt.year(), last + 1, dtype=pl.Int32)
    ).explode("year")
    awarded = facts.select("credential_id", pl.col("year").cast(pl.Int32))
    per_year = pl.concat([awarded, active.drop_nulls("year")]).unique()
    country = credentials.join(providers, on="provider_id", how="inner").select(
        "credential_id", country=pl.col("country_code")
    )
    per_year = per_year.join(country, on="credential_id", how="inner")
    whole = per_year.unique("credential_id")
    spec = count("ADO-6", pl.len())
    return evaluate(per_year.drop("country"), [spec], years, countries, whole=whole)["ADO-6"]


def inn_1(credentials: pl.DataFrame, providers: pl.DataFrame, years: list[int], countries=None) -> dict:
    """Specifications by launch year (overall: every specification with a launch_date, whatever the year)."""
    launched = (
        credentials.filter(pl.col("launch_date").is_not_null())
        .select("provider_id", year=pl.col("launch_date").dt.year())
        .join(providers.select("provider_id", country=pl.col("country_code")), on="provider_id", how="left")
    )
    return evaluate(launched, [count("INN-1", pl.len())], years, countries)["INN-1"]


# --- learners (first-award basis) ---------------------------------------------------------------------


def _learner_order(awards: pl.DataFrame) -> pl.DataFrame:
    frame = awards if "year" in awards.columns else awards.with_columns(year=pl.col("issue_date").dt.year())
    return frame.sort(["learner_id", "issue_date", "award_id"])


def _stacked(cutoff: dt.date) -> tuple[pl.Expr, pl.Expr]:
    """FLX-1 (eligible, stacked): first award <= C - 36 months; 2nd award <= first + 36 months."""
    eligible = pl.col("first") <= months_before(cutoff, 36)
    stacked = pl.col("second").is_not_null() & (pl.col("second") <= pl.col("first").dt.offset_by("36mo"))
    return eligible, eligible & stacked


def learner_specs(cutoff: dt.date) -> list[Spec]:
    """Learner-based indicators over learner facts joined with demographics and ``has_outcome``."""
    eligible, stacked = _stacked(cutoff)
    age = pl.col("year") - pl.col("birth_year")
    sex = pl.col("sex")
    several = pl.col("second").is_not_null()
    residence = pl.col("residence").is_not_null() & pl.col("reference_share").is_not_null()
    isced = pl.col("prior_education_isced")
    status = pl.col("labour_status_before")
    return [
        rate("FLX-1", n(stacked), n(eligible)),
        rate("FLX-6", n(several & (pl.col("providers") >= 2)), n(several)),
        rate("OUT-5", n(pl.col("has_outcome")), pl.len()),
        rate("INC-1a", n(age.is_between(25, 64)), n(age.is_not_null())),
        rate("INC-1b", n(age >= 55), n(age.is_not_null())),
        rate(
            "INC-2",
            n(residence & isced.is_between(0, 2)),
            pl.when(residence & isced.is_not_null()).then(pl.col("reference_share")).sum(),
            unit="ratio",
            scale=1.0,
        ),
        gap("INC-3s", (n(stacked & (sex == "F")), n(eligible & (sex == "F"))),
            (n(stacked & (sex == "M")), n(eligible & (sex == "M")))),
        gap("INC-3a", (n(stacked & (age >= 55)), n(eligible & (age >= 55))),
            (n(stacked & age.is_between(25, 54)), n(eligible & age.is_between(25, 54)))),
        rate("INC-4a", n(status == "unemployed"), n(status.is_not_null())),
    ]  # fmt: skip


def flx_1(awards: pl.DataFrame, cutoff: dt.date, years: list[int], countries=None) -> dict:
    """Learners whose 2nd award (same-day ties count) is within 36 months of their first."""
    eligible, stacked = _stacked(cutoff)
    learners = learner_facts(_learner_order(awards))
    return evaluate(learners, [rate("FLX-1", n(stacked), n(eligible))], years, countries)["FLX-1"]


def flx_3(
    facts: pl.DataFrame, events: pl.DataFrame, cutoff: dt.date, years: list[int], countries=None
) -> dict:
    """Learners with a stackable credential who stack into / obtain a qualification within 36 months of F
    (period and country: those of the award at F, the learner's first award of a stackable credential)."""
    if "stackable" not in facts.columns:
        facts = facts.with_columns(stackable=filled(facts, "stackable_into"))
    first = first_stackable(facts, events, cutoff).with_columns(year=pl.col("F").dt.year())
    spec = rate("FLX-3", n(pl.col("eligible") & pl.col("progressed")), n(pl.col("eligible")))
    return evaluate(first, [spec], years, countries)["FLX-3"]


def ado_4(
    facts: pl.DataFrame,
    demographics: pl.DataFrame,
    population: pl.DataFrame,
    regions: pl.DataFrame,
    years: list[int],
    countries=None,
) -> dict:
    """Learners aged 25-64 at an award in the period per 1,000 residents aged 25-64, by residence."""
    residents = (
        facts.select("learner_id", "year")
        .join(demographics.select("learner_id", "birth_year", "residence"), on="learner_id", how="inner")
        .filter(
            pl.col("residence").is_not_null() & (pl.col("year") - pl.col("birth_year")).is_between(25, 64)
        )
        .select("learner_id", "year", country=pl.col("residence"))
    )
    got = evaluate(residents, [count("ADO-4", distinct("learner_id"))], years, countries)["ADO-4"]
    total, per_country = working_age_population(population, regions)

    def per_1000(c: dict, people: int) -> dict:
        return cell(c["numerator"], people / 1000, 1.0)

    return result(
        "per 1,000",
        per_1000(got["overall"], total),
        {int(y): per_1000(c, total) for y, c in got["by_year"].items()},
        {k: per_1000(c, per_country.get(k, 0)) for k, c in got["by_country"].items()},
    )


# --- consecutive pairs, events, observations ----------------------------------------------------------


def _pair_specs() -> list[Spec]:
    eqf, prev_eqf = pl.col("eqf_level"), pl.col("prev_eqf")
    field, prev_field = pl.col("isced_f_broad"), pl.col("prev_field")
    months = (pl.col("issue_date") - pl.col("prev_date")).dt.total_days() / MONTH_DAYS
    return [
        rate("FLX-2v", n((eqf > prev_eqf) & (field == prev_field)), pl.len()),
        rate("FLX-2h", n((eqf == prev_eqf) & (field == prev_field)), pl.len()),
        rate("FLX-2c", n(field != prev_field), pl.len()),
        quantile("FLX-7", "months", months, 0.5),
    ]


def pair_indicators(facts: pl.DataFrame, years: list[int], countries=None) -> dict[str, dict]:
    """FLX-2v/h/c and FLX-7 over consecutive award pairs (facts in learner order)."""
    return evaluate(consecutive_pairs(facts), _pair_specs(), years, countries)


def event_indicators(
    events: pl.DataFrame, facts: pl.DataFrame, years: list[int], countries=None
) -> dict[str, dict]:
    """FLX-5 (events with vpl_outcome) and FLX-5x (ECTS recognised for credit), by event year; country =
    the awarding provider's country of the award the event references (award_id)."""
    vpl = filled(events, "vpl_outcome")
    credit = pl.col("event_type") == "recognised_for_credit"
    rows = (
        events.filter(vpl | credit)
        .select("award_id", "ects_recognised", vpl=vpl, credit=credit, year=pl.col("event_date").dt.year())
        .join(facts.select("award_id", "country"), on="award_id", how="left")
    )
    specs = [
        count("FLX-5", n(pl.col("vpl"))),
        Spec(
            "FLX-5x",
            "ECTS",
            (pl.when(pl.col("credit")).then(pl.col("ects_recognised")).sum(),),
            lambda v: cell(v, None),
        ),
    ]
    return evaluate(rows, specs, years, countries)


def _observation_specs() -> list[Spec]:
    m6, m12 = pl.col("months_after_award") == 6, pl.col("months_after_award") == 12
    employed, sex = pl.col("employed"), pl.col("sex")
    with_base = m12 & pl.col("base_employed").is_not_null()
    gain = pl.when(with_base).then(employed.cast(pl.Int64) - pl.col("base_employed").cast(pl.Int64))
    earnings = pl.col("monthly_earnings_eur").filter(m12 & employed)
    unemployed = pl.col("labour_status_before") == "unemployed"
    return [
        rate("OUT-1a", n(m6 & employed), n(m6)),
        rate("OUT-1b", n(m12 & employed), n(m12)),
        rate("OUT-2", gain.sum(), n(with_base), unit="pp"),
        quantile("OUT-3q1", "EUR/month", earnings, 0.25),
        quantile("OUT-3md", "EUR/month", earnings, 0.5),
        quantile("OUT-3q3", "EUR/month", earnings, 0.75),
        rate("OUT-4", n(m12 & employed & pl.col("job_related")), n(m12 & employed)),
        gap("INC-3o", (n(m12 & employed & (sex == "F")), n(m12 & (sex == "F"))),
            (n(m12 & employed & (sex == "M")), n(m12 & (sex == "M")))),
        rate("INC-4b", n(m12 & unemployed & employed), n(m12 & unemployed)),
    ]  # fmt: skip


def observation_indicators(
    outcomes: pl.DataFrame, facts: pl.DataFrame, demographics: pl.DataFrame, years: list[int], countries=None
) -> dict[str, dict]:
    """OUT-1a/1b/2/3*/4, INC-3o, INC-4b over 6- and 12-month observations (period: observed award)."""
    return evaluate(observation_facts(outcomes, facts, demographics), _observation_specs(), years, countries)


# --- everything ---------------------------------------------------------------------------------------


def compute(
    frames: dict[str, pl.DataFrame], cutoff: dt.date, low_qualified: pl.DataFrame | None = None
) -> dict[str, dict]:
    """Every indicator from clean frames keyed by contract table name, in FIRST_SET + CATALOGUE order.

    ``low_qualified``: reference ISCED 0-2 shares (country_code, share_isced_0_2); default: the pipeline's
    reference file pipelines/indicators/reference/low_qualified_share.csv.
    """
    f = conform(frames)
    years, groups = _years(cutoff), countries(f)
    shares = read_low_qualified() if low_qualified is None else low_qualified
    facts = award_facts(f["awards"], f["credentials"], f["providers"])
    facts = facts.with_columns(
        verified_within(facts, f["verifications"], 12).alias("verified"),
        *recognised_within(facts, f["pathway_events"], 24),
    )
    demographics = learner_demographics(f["learners"], f["regions"], shares)
    observed = f["employment_outcomes"].filter(~pl.col("is_baseline").fill_null(False))["learner_id"]
    learners = (
        learner_facts(facts)
        .join(demographics, on="learner_id", how="left")
        .with_columns(has_outcome=pl.col("learner_id").is_in(observed.unique().implode()))
    )
    out: dict[str, dict] = {}
    out.update(evaluate(facts, award_specs(cutoff), years, groups))
    out["ADO-2"] = ado_2(facts, years)
    out.update(
        specification_indicators(
            facts, specification_elements(f["credentials"], f["providers"]), years, groups
        )
    )
    out["ADO-6"] = ado_6(facts, f["credentials"], f["providers"], cutoff, years, groups)
    out["INN-1"] = inn_1(f["credentials"], f["providers"], years, groups)
    out.update(evaluate(learners, learner_specs(cutoff), years, groups))
    out["FLX-3"] = flx_3(facts, f["pathway_events"], cutoff, years, groups)
    out["ADO-4"] = ado_4(facts, demographics, f["region_population"], f["regions"], years, groups)
    out.update(pair_indicators(facts, years, groups))
    out.update(event_indicators(f["pathway_events"], facts, years, groups))
    out.update(observation_indicators(f["employment_outcomes"], facts, demographics, years, groups))
    return {k: out[k] for k in (*FIRST_SET, *CATALOGUE)}
