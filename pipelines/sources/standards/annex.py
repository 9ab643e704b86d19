"""Annex I (Council Recommendation 2022/C 243/02) elements per award: present flag + normalised value.

Built column-wise from the mapped tables (award -> its credential specification -> its provider), so
the flags describe exactly what the curated data will hold. `missing_elements` names every absent
element (mandatory first, in Annex order); `missing_mandatory` only the 11 mandatory ones.
"""

from __future__ import annotations

import polars as pl

MANDATORY = (
    "learner_identification",
    "title",
    "issuer_country",
    "awarding_body",
    "issue_date",
    "learning_outcomes",
    "workload",
    "level",
    "assessment_type",
    "participation_form",
    "quality_assurance",
)
OPTIONAL = (
    "prerequisites",
    "supervision_id_verification",
    "grade",
    "integration_stackability",
    "further_information",
)
ELEMENTS = MANDATORY + OPTIONAL

_WORKLOAD = pl.concat_str(
    [pl.col("ects") + pl.lit(" ECTS"), pl.col("notional_hours") + pl.lit(" hours")],
    separator="; ",
    ignore_nulls=True,
)
# element -> expression for its normalised value (null = absent)
_VALUES = {
    "learner_identification": pl.col("learner_kind"),  # the kind of identifier, never the identifier
    "title": pl.col("title"),
    "issuer_country": pl.col("country_code"),
    "awarding_body": pl.col("provider_name"),
    "issue_date": pl.col("issue_date"),
    "learning_outcomes": pl.col("learning_outcomes"),
    "workload": pl.when(pl.col("ects").is_not_null() | pl.col("notional_hours").is_not_null()).then(
        _WORKLOAD
    ),
    "level": pl.col("eqf_level"),
    "assessment_type": pl.col("assessment_type"),
    "participation_form": pl.col("participation_form"),
    "quality_assurance": pl.col("qa_type"),
    "prerequisites": pl.col("prerequisites"),
    "supervision_id_verification": pl.col("supervision"),
    "grade": pl.col("grade"),
    "integration_stackability": pl.col("integration"),
    "further_information": pl.col("further_info_url"),
}


def annex_columns() -> list[str]:
    cols = ["award_id", "source_file"]
    for element in ELEMENTS:
        cols += [f"present_{element}", element]
    return [*cols, "missing_elements", "missing_mandatory"]


def build_annex(
    awards: pl.DataFrame, learner_kind: list[str | None], credentials: pl.DataFrame, providers: pl.DataFrame
) -> pl.DataFrame:
    """One row per award, in award order."""
    base = awards.select("award_id", "source_file", "credential_id", "issue_date", "grade").with_columns(
        pl.Series("learner_kind", learner_kind, dtype=pl.String)
    )
    spec = credentials.select(
        "credential_id",
        "provider_id",
        "title",
        "learning_outcomes",
        "eqf_level",
        "ects",
        "notional_hours",
        "assessment_type",
        "participation_form",
        "qa_type",
        "prerequisites",
        "supervision",
        "integration",
        "further_info_url",
    )
    prov = providers.select("provider_id", "provider_name", "country_code")
    joined = base.join(spec, on="credential_id", how="left", maintain_order="left").join(
        prov, on="provider_id", how="left", maintain_order="left"
    )
    values = [_VALUES[e].cast(pl.String).str.strip_chars().replace("", None).alias(e) for e in ELEMENTS]
    out = joined.select("award_id", "source_file", *values)
    out = out.with_columns(pl.col(e).is_not_null().alias(f"present_{e}") for e in ELEMENTS)

    def missing(names: tuple[str, ...]) -> pl.Expr:
        return pl.concat_list(
            [
                pl.when(pl.col(e).is_null()).then(pl.lit(e)).otherwise(pl.lit(None, dtype=pl.String))
                for e in names
            ]
        ).list.drop_nulls()

    out = out.with_columns(
        missing(ELEMENTS).alias("missing_elements"), missing(MANDATORY).alias("missing_mandatory")
    )
    return out.select(annex_columns())
