"""Outcome data published by credential registries (CTDL `AggregateDataProfile` / `qdata:`), for a page.

These are figures a registry states about a credential's holders (how many, employment rate, earnings),
with the period and source it gives: they are *not computed by the observatory*, not learner-level,
and never enter the indicator cube or its disclosure control. The credential intake stages them as
read (`stg_published_outcomes`, one row per measure); `for_page` shapes them for display: one row per
credential, profile and measure, with its source and period spelled out.
"""

from __future__ import annotations

import duckdb
import polars as pl

TABLE = "stg_published_outcomes"
QUERY = f"""
select s.*, c.provider_id, p.provider_name
from {TABLE} s
left join stg_credentials c using (credential_id)
left join stg_providers p on p.provider_id = c.provider_id
order by s.source_file, s.credential_id, s.profile, s.measure
"""
MEASURES = {
    "holders": "Holders",
    "employment_rate": "Employment rate",
    "jobs_obtained": "Jobs obtained",
    "median_earnings": "Median earnings",
    "low_earnings": "Low earnings",
    "high_earnings": "High earnings",
    "earnings": "Earnings",
}
COLUMNS = (
    "credential",
    "provider",
    "measure",
    "value",
    "unit",
    "period",
    "description",
    "source",
    "source_file",
    "credential_id",
)
EMPTY = {c: pl.String for c in COLUMNS} | {"value": pl.Float64}


def _period(start: str | None, end: str | None, months: int | None) -> str:
    parts = []
    if start or end:
        parts.append(f"{start or '…'} to {end or '…'}")
    if months is not None:
        parts.append(f"{months} months after the award")
    return "; ".join(parts) or "not stated"


def for_page(raw: pl.DataFrame) -> pl.DataFrame:
    """Rows as read (`QUERY`) -> the columns the page shows, in `COLUMNS` order."""
    if raw.is_empty():
        return pl.DataFrame(schema=EMPTY)
    with_provider = "provider_name" in raw.columns
    rows = []
    for r in raw.iter_rows(named=True):
        source = r.get("data_source")
        rows.append(
            {
                "credential": r.get("credential_title") or r["credential_id"],
                "provider": (r.get("provider_name") if with_provider else None) or r.get("provider_id"),
                "measure": MEASURES.get(r["measure"], r["measure"].replace("_", " ").capitalize()),
                "value": r["value"],
                "unit": r.get("unit"),
                "period": _period(r.get("period_start"), r.get("period_end"), r.get("post_receipt_months")),
                "description": r.get("description"),
                "source": f"{source} (via {r['source_file']})"
                if source
                else f"registry record {r['source_file']}",
                "source_file": r["source_file"],
                "credential_id": r["credential_id"],
            }
        )
    return pl.DataFrame(rows, schema=EMPTY).select(COLUMNS)


def published_outcomes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The page's frame from a warehouse connection; empty when the build staged none (or predates them)."""
    tables = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    if TABLE not in tables:
        return pl.DataFrame(schema=EMPTY)
    query = QUERY if {"stg_credentials", "stg_providers"} <= tables else f"select * from {TABLE}"
    return for_page(con.sql(query).pl())
