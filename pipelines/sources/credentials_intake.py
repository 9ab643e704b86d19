"""Bring digital credentials (Open Badges 2.0/3.0, European Learning Model) into staging.

The standards readers map each credential to an award plus the specification and issuer it names.
Awards are the records a credential file is accounted by. A specification or issuer that a CSV
template already delivered is a reference, not a new record, so only new ones are staged. The
learner is known only by an identifier: no learner row is made (dim_learner adds award-only learners).
File content reaches SQL only as registered frames (values, never text of a statement), and the
readers' messages never quote it. `signed` means "carries a signature" (see standards.jsonio).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.contracts import contracts
from pipelines.sources.discover import DeliveryFile
from pipelines.sources.standards import read_standards
from pipelines.sources.standards.ctdl import OUTCOME_SCHEMA

SOURCE_TABLES = {
    "stg_credential_sources": {
        "credential_id": pl.String,
        "source_standard": pl.String,
        "achievement_type": pl.String,
        "description": pl.String,
        "source_file": pl.String,
    },
    "stg_award_sources": {"award_id": pl.String, "issued_at": pl.String, "source_file": pl.String},
    # outcome data published by credential registries (CTDL): never mixed into learner-level figures
    "stg_published_outcomes": OUTCOME_SCHEMA,
}


def create_source_tables(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame] | None = None
) -> None:
    """Tables of what a standard said beyond the templates (standard, achievement type, timestamp)."""
    for name, schema in SOURCE_TABLES.items():
        frame = (frames or {}).get(name)
        if frame is None:
            frame = pl.DataFrame(schema=schema)
        con.register("source_frame", frame.select(list(schema)).cast(schema))
        con.execute(f"create or replace table {name} as select * from source_frame")
        con.unregister("source_frame")


QUARANTINE_SCHEMA = {
    "source_file": pl.String,
    "source_line": pl.Int64,
    "reason_code": pl.String,
    "check_name": pl.String,
    "detail": pl.String,
}


def insert_quarantine(con: duckdb.DuckDBPyConnection, entries: list[dict]) -> None:
    """All quarantined credentials in one statement: a row-by-row insert took over a millisecond each,
    so a hostile file of a million bad records held the build for twenty minutes."""
    if not entries:
        return
    frame = pl.DataFrame(
        {
            "record_type": [q.get("record_type", "awards") for q in entries],
            "source_file": [q["source_file"] for q in entries],
            "source_line": [q["source_line"] for q in entries],
            "reason_code": [q["reason_code"] for q in entries],
            "check_name": [q["check_name"] for q in entries],
            "detail": [_detail(q) for q in entries],
        },
        schema={"record_type": pl.String, **QUARANTINE_SCHEMA},
    )
    con.register("quarantine_frame", frame)
    con.execute(
        "insert into quarantine select record_type, source_file, source_line, reason_code, check_name, "
        "detail, null from quarantine_frame"
    )
    con.unregister("quarantine_frame")


def _detail(q: dict) -> str:
    return q["detail"] + (f" (at {q['json_path']})" if q.get("json_path") else "")


def file_status(fo) -> str:
    """What happened to a credential file, truthfully: `loaded` (at least one record loaded),
    `nothing loaded` (records read, every one quarantined), `supporting documents` (only BadgeClasses,
    issuers, contexts...: nothing to load by design), `empty` (nothing in it), or `rejected`."""
    if fo.status != "parsed":
        return "rejected"
    if fo.records_loaded:
        return "loaded"
    if fo.records_in:
        return "nothing loaded"
    return "supporting documents" if fo.supporting_documents else "empty"


def load_credentials(
    con: duckdb.DuckDBPyConnection, files: list[DeliveryFile], root: Path, by_table: dict[str, list[str]]
) -> list[dict]:
    """Read all credential files in one pass (so OB 2.0 badge classes resolve across files)."""
    delivery = read_standards([f.path for f in files], root)
    report = []
    for fo in delivery.files:
        parsed = fo.status == "parsed"
        notes = (
            [f"{fo.format}"]
            + ([f"{fo.supporting_documents} supporting document(s)"] if fo.supporting_documents else [])
            + list(fo.notes)
        )
        report.append(
            {
                "source_file": fo.name,
                "record_type": fo.record_type,
                "status": file_status(fo),
                # the report prints the file beside its reason: the reason does not repeat it
                "reason": None if parsed else (fo.reason or "").removeprefix(f"{fo.name}: "),
                "notes": "; ".join(notes) or None,
                "rows_in": fo.records_in,
                "rows_rejected": 0 if parsed else fo.records_in,
                "malformed_lines": 0,
            }
        )
    insert_quarantine(con, delivery.quarantine)
    for table in ("providers", "credentials", "awards"):
        frame = delivery.tables.get(table)
        if frame is None or frame.height == 0:
            continue
        contract = contracts()[table]
        cols = []
        for c in contract.columns:
            expr = f'"{c.name}"' if c.name in frame.columns else "null::varchar"
            cols.append(f"pseudonym({expr}) as {c.name}" if c.pseudonymise else f"{expr} as {c.name}")
        known = ""
        if table != "awards" and by_table[table]:
            key = contract.key[0]
            union = " union all ".join(f"select {key} from {t}" for t in by_table[table])
            known = f"where {key} not in ({union})"
            if table == "credentials":  # a CTDL specification is a record of its file: always staged
                known += " or source_standard = 'CTDL'"
        con.register("std_frame", frame)
        name = f"raw_std_{table}"
        con.execute(f"""
            create or replace temp table {name} as
            select source_file, cast(source_line as bigint) as source_line, {", ".join(cols)}
            from std_frame {known}
        """)
        con.unregister("std_frame")
        by_table[table].append(name)
    credentials = delivery.tables.get("credentials", pl.DataFrame())
    awards = delivery.tables.get("awards", pl.DataFrame())
    create_source_tables(
        con,
        {
            "stg_credential_sources": credentials if credentials.height else None,
            "stg_award_sources": awards if awards.height else None,
            "stg_published_outcomes": delivery.published_outcomes,
        },
    )
    if delivery.annex.height:
        con.register("annex_frame", delivery.annex)
        con.execute("create or replace table stg_award_annex as select * from annex_frame")
        con.unregister("annex_frame")
    return report
