"""Ground truth: the first-set indicators computed independently (polars only) from the clean frames.

Definitions follow docs/INDICATOR_DEFINITIONS.md literally. Every function takes frames with the
contract's column names; key columns may be integers or strings (only equality is used), so the functions
work on the generator's integer-keyed frames and on tiny hand-written test frames alike. Missing = null or
empty string. Each indicator is returned as
``{"unit": ..., "overall": cell, "by_year": {"2019": cell, ...}}`` with
``cell = {"numerator": n, "denominator": d, "value": v}`` (value null when d is 0 or not applicable).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

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


def months_before(day: dt.date, months: int) -> dt.date:
    """``day - N months`` in calendar months, clamped to the month end (as DuckDB intervals)."""
    return pl.select(pl.lit(day).dt.offset_by(f"-{months}mo")).item()


def _present(column: str) -> pl.Expr:
    c = pl.col(column)
    return c.is_not_null() & (c.cast(pl.String).str.strip_chars().str.len_chars() > 0)


def _cell(numerator, denominator, percent: bool = True) -> dict:
    if denominator is None:
        return {"numerator": numerator, "denominator": None, "value": numerator}
    if not denominator:
        return {"numerator": numerator, "denominator": denominator, "value": None}
    value = numerator / denominator * (100.0 if percent else 1.0)
    return {"numerator": numerator, "denominator": denominator, "value": value}


def _result(unit: str, overall: dict, by_year: dict[int, dict]) -> dict:
    return {"unit": unit, "overall": overall, "by_year": {str(y): by_year[y] for y in sorted(by_year)}}


def _years(cutoff: dt.date) -> list[int]:
    return list(range(FIRST_YEAR, cutoff.year + 1))


def award_facts(awards: pl.DataFrame, credentials: pl.DataFrame, providers: pl.DataFrame) -> pl.DataFrame:
    """Awards with the credential and provider attributes the indicators use, and the award year."""
    cred = credentials.select(
        "credential_id", "provider_id", "qa_type", "participation_form", "stackable_into"
    )
    prov = providers.select("provider_id", "provider_type")
    return (
        awards.join(cred, on="credential_id", how="left")
        .join(prov, on="provider_id", how="left")
        .with_columns(year=pl.col("issue_date").dt.year())
    )


def _share_by_year(frame: pl.DataFrame, flag: pl.Expr, years: list[int], year: str = "year") -> tuple:
    """(overall cell, by-year cells) for share indicators: numerator = flagged rows, denominator = rows."""
    per = frame.group_by(year).agg(num=flag.fill_null(False).sum(), den=pl.len())
    got = {r[year]: (r["num"], r["den"]) for r in per.iter_rows(named=True)}
    by_year = {y: _cell(int(got.get(y, (0, 0))[0]), int(got.get(y, (0, 0))[1])) for y in years}
    overall = _cell(int(frame.select(flag.fill_null(False).sum()).item() or 0), frame.height)
    return overall, by_year


def _rate(unit: str, facts: pl.DataFrame, flag: pl.Expr, years: list[int]) -> dict:
    overall, by_year = _share_by_year(facts, flag, years)
    return _result(unit, overall, by_year)


def ado_1(facts: pl.DataFrame, years: list[int]) -> dict:
    per = dict(facts.group_by("year").len().iter_rows())
    return _result("count", _cell(facts.height, None), {y: _cell(int(per.get(y, 0)), None) for y in years})


def ado_2(facts: pl.DataFrame, years: list[int]) -> dict:
    per = dict(facts.group_by("year").len().iter_rows())
    by_year = {}
    for y in years:
        if y == years[0]:
            by_year[y] = {"numerator": None, "denominator": None, "value": None}
        else:
            now, before = int(per.get(y, 0)), int(per.get(y - 1, 0))
            by_year[y] = _cell(now - before, before)
    return _result("%", {"numerator": None, "denominator": None, "value": None}, by_year)


def _distinct(unit: str, facts: pl.DataFrame, column: str, years: list[int]) -> dict:
    per = dict(facts.group_by("year").agg(pl.col(column).n_unique()).iter_rows())
    return _result(
        unit, _cell(facts[column].n_unique(), None), {y: _cell(int(per.get(y, 0)), None) for y in years}
    )


def ado_3(facts: pl.DataFrame, years: list[int]) -> dict:
    return _distinct("count", facts, "learner_id", years)


def ado_3b(facts: pl.DataFrame, years: list[int]) -> dict:
    per = {
        r["year"]: r
        for r in facts.group_by("year")
        .agg(n=pl.len(), k=pl.col("learner_id").n_unique())
        .iter_rows(named=True)
    }
    by_year = {
        y: _cell(int(per[y]["n"]) if y in per else 0, int(per[y]["k"]) if y in per else 0, percent=False)
        for y in years
    }
    return _result("ratio", _cell(facts.height, facts["learner_id"].n_unique(), percent=False), by_year)


def ado_5(facts: pl.DataFrame, years: list[int]) -> dict:
    return _distinct("count", facts, "provider_id", years)


def tru_4(facts: pl.DataFrame, verifications: pl.DataFrame, cutoff: dt.date, years: list[int]) -> dict:
    """Awards verified by an employer or education institution within [issue, issue + 12 months]."""
    eligible = facts.filter(pl.col("issue_date") <= months_before(cutoff, 12))
    checks = verifications.filter(pl.col("verifier_type").is_in(["employer", "education"])).select(
        "award_id", "verification_date"
    )
    verified = (
        eligible.select("award_id", "issue_date")
        .join(checks, on="award_id", how="inner")
        .filter(
            (pl.col("verification_date") >= pl.col("issue_date"))
            & (pl.col("verification_date") <= pl.col("issue_date").dt.offset_by("12mo"))
        )
        .select("award_id")
        .unique()
        .with_columns(verified=pl.lit(True))
    )
    flagged = eligible.join(verified, on="award_id", how="left")
    overall, by_year = _share_by_year(flagged, pl.col("verified"), years)
    return _result("%", overall, by_year)


def specification_elements(credentials: pl.DataFrame, providers: pl.DataFrame) -> pl.DataFrame:
    """One row per credential with a boolean per specification-level Annex I element."""
    prov = providers.select(
        "provider_id", issuer_country=_present("country_code"), awarding_body=_present("provider_name")
    )
    return credentials.join(prov, on="provider_id", how="left").select(
        "credential_id",
        title=_present("title"),
        issuer_country=pl.col("issuer_country").fill_null(False),
        awarding_body=pl.col("awarding_body").fill_null(False),
        learning_outcomes=_present("learning_outcomes"),
        workload=_present("ects") | _present("notional_hours"),
        level=_present("eqf_level"),
        assessment_type=_present("assessment_type"),
        participation_form=_present("participation_form"),
        qa_type=_present("qa_type"),
        esco=_present("esco_skills"),
    )


def _specification_indicators(facts: pl.DataFrame, elements: pl.DataFrame, years: list[int]) -> dict:
    """TRA-1..4 over 'specifications in period' (credentials with >= 1 award in the period)."""
    n_present = pl.sum_horizontal([pl.col(e).cast(pl.Int64) for e in ANNEX_ELEMENTS])
    spec = elements.with_columns(n_present=n_present, complete=n_present == len(ANNEX_ELEMENTS))
    per_year = facts.select("year", "credential_id").unique().join(spec, on="credential_id", how="inner")
    overall_specs = facts.select("credential_id").unique().join(spec, on="credential_id", how="inner")

    def cells(frame: pl.DataFrame) -> dict:
        n = frame.height
        return {
            "TRA-1": _cell(int(frame["complete"].sum()), n),
            "TRA-2": _cell(int(frame["n_present"].sum()), len(ANNEX_ELEMENTS) * n),
            "TRA-3": _cell(int(frame["learning_outcomes"].sum()), n),
            "TRA-4": _cell(int(frame["esco"].sum()), n),
        }

    overall = cells(overall_specs)
    by_year = {y: cells(per_year.filter(pl.col("year") == y)) for y in years}
    return {k: _result("%", overall[k], {y: by_year[y][k] for y in years}) for k in overall}


def flx_1(awards: pl.DataFrame, cutoff: dt.date, years: list[int]) -> dict:
    """Learners whose 2nd award (same-day ties count) is within 36 months of their first."""
    per = awards.group_by("learner_id").agg(
        first=pl.col("issue_date").min(), second=pl.col("issue_date").sort().slice(1, 1).first()
    )
    per = per.filter(pl.col("first") <= months_before(cutoff, 36)).with_columns(
        year=pl.col("first").dt.year(),
        stacked=pl.col("second").is_not_null() & (pl.col("second") <= pl.col("first").dt.offset_by("36mo")),
    )
    overall, by_year = _share_by_year(per, pl.col("stacked"), years)
    return _result("%", overall, by_year)


def flx_3(facts: pl.DataFrame, events: pl.DataFrame, cutoff: dt.date, years: list[int]) -> dict:
    """Learners with a stackable credential who stack into / obtain a qualification within 36 months of F."""
    first = (
        facts.filter(_present("stackable_into"))
        .group_by("learner_id")
        .agg(F=pl.col("issue_date").min())
        .filter(pl.col("F") <= months_before(cutoff, 36))
    )
    progress = events.filter(
        pl.col("event_type").is_in(["stacked_into_qualification", "qualification_obtained"])
    ).select("learner_id", "event_date")
    hit = (
        first.join(progress, on="learner_id", how="inner")
        .filter(
            (pl.col("event_date") >= pl.col("F")) & (pl.col("event_date") <= pl.col("F").dt.offset_by("36mo"))
        )
        .select("learner_id")
        .unique()
        .with_columns(progressed=pl.lit(True))
    )
    per = first.join(hit, on="learner_id", how="left").with_columns(year=pl.col("F").dt.year())
    overall, by_year = _share_by_year(per, pl.col("progressed"), years)
    return _result("%", overall, by_year)


def compute(frames: dict[str, pl.DataFrame], cutoff: dt.date) -> dict[str, dict]:
    """All first-set indicators from clean frames keyed by contract table name."""
    years = _years(cutoff)
    awards, credentials, providers = frames["awards"], frames["credentials"], frames["providers"]
    facts = award_facts(awards, credentials, providers)
    spec = _specification_indicators(facts, specification_elements(credentials, providers), years)
    return {
        "ADO-1": ado_1(facts, years),
        "ADO-2": ado_2(facts, years),
        "ADO-3": ado_3(facts, years),
        "ADO-3b": ado_3b(facts, years),
        "ADO-5": ado_5(facts, years),
        "TRU-1": _rate("%", facts, pl.col("qa_type") == "external", years),
        "TRU-2": _rate("%", facts, pl.col("signed"), years),
        "TRU-4": tru_4(facts, frames["verifications"], cutoff, years),
        "TRU-6": _rate("%", facts, pl.col("status") == "revoked", years),
        **spec,
        "INN-2": _rate("%", facts, pl.col("provider_type").is_in(INDUSTRY_OR_PRIVATE), years),
        "INN-3": _rate("%", facts, pl.col("participation_form").is_in(["online", "blended"]), years),
        "INN-4": _rate("%", facts, pl.col("format").is_in(["digital_certificate", "digital_badge"]), years),
        "INN-4b": _rate("%", facts, pl.col("standard").is_in(["OB2", "OB3", "ELM"]), years),
        "FLX-1": flx_1(awards, cutoff, years),
        "FLX-3": flx_3(facts, frames["pathway_events"], cutoff, years),
        "FLX-4": _rate("%", facts, pl.col("purpose") == "prior_learning", years),
    }
