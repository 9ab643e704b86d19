"""From integer-keyed frames to what a provider would deliver: readable identifiers, contract column order."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines.contracts import contracts

from .columns import zero_padded

ID_FORMATS = {  # column -> (prefix, digits)
    "provider_id": ("PRV-", 5),
    "credential_id": ("CRED-", 6),
    "award_id": ("AWD-", 9),
    "event_id": ("EVT-", 10),
    "verification_id": ("VER-", 9),
    "observation_id": ("OBS-", 9),
}
FURTHER_INFO = "https://example.org/micro-credentials/"


@dataclass(frozen=True)
class Identifiers:
    """Lookup tables for keys that are not simple numbers."""

    learner_ids: pl.Series  # raw learner identifier by learner index
    qualification_ids: pl.Series  # qualification code by qualification index


def _lookup(column: str, values: pl.Series) -> pl.Expr:
    return pl.lit(values).gather(pl.col(column)).alias(column)


def contract_frame(table: str, frame: pl.DataFrame, ids: Identifiers) -> pl.DataFrame:
    """Format the key columns and return exactly the contract's columns, in the contract's order."""
    exprs = []
    for column in frame.columns:
        if column in ID_FORMATS and frame.schema[column].is_integer():
            prefix, width = ID_FORMATS[column]
            exprs.append(zero_padded(prefix, pl.col(column), width).alias(column))
        elif column == "learner_id" and frame.schema[column].is_integer():
            exprs.append(_lookup(column, ids.learner_ids))
        elif column in ("qualification_id", "stackable_into") and frame.schema[column].is_integer():
            exprs.append(_lookup(column, ids.qualification_ids))
    out = frame.with_columns(exprs) if exprs else frame
    if table == "credentials" and "further_info" in frame.columns:
        out = out.with_columns(
            further_info_url=pl.when(pl.col("further_info")).then(
                pl.concat_str(pl.lit(FURTHER_INFO), "credential_id")
            )
        )
    return out.select(contracts()[table].column_names)


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as the text written to the CSV (dates ISO, booleans true/false, null stays null)."""
    return frame.with_columns(pl.all().cast(pl.String))
