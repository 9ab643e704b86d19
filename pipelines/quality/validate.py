"""`mco validate`: check one delivery (a file or a folder) the way a build would, without building.

Providers use it to test a submission before sending it. References to record types the delivery
does not contain are checked against an existing warehouse when one is given, and skipped (and
reported as skipped) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines import pseudonymise
from pipelines.contracts import contracts
from pipelines.errors import ObservatoryError
from pipelines.sources.discover import DeliveryFile, discover, read_cutoff, record_type
from pipelines.staging.intake import file_report, load_deliveries
from pipelines.staging.stage import QUARANTINE_DDL
from pipelines.warehouse import rows

# The record types the digital-credential readers stage from each credential (see credentials_intake).
CREDENTIAL_TABLES = frozenset({"providers", "credentials", "awards"})
# File statuses that make a delivery not clean (see credentials_intake.file_status): a file nothing
# could be loaded from, or that held nothing, is not what its sender meant to send.
NOT_CLEAN = frozenset({"rejected", "nothing loaded", "empty"})


@dataclass
class ValidationReport:
    path: Path
    cutoff: date
    files: pl.DataFrame  # per file: rows in / loaded / quarantined / rejected, reason
    quarantine: pl.DataFrame  # every quarantined row: file, line, reason, check, detail
    references_from: str | None  # warehouse the missing parents came from
    skipped_references: list[str]  # record types whose references could not be checked

    @property
    def clean(self) -> bool:
        return (
            self.quarantine.height == 0
            and int(self.files["rows_rejected"].sum()) == 0
            and not bool(self.files["status"].is_in(list(NOT_CLEAN)).any())
        )

    def summary(self) -> pl.DataFrame:
        if self.quarantine.height == 0:
            return pl.DataFrame(
                schema={"record_type": pl.String, "reason_code": pl.String, "rows": pl.UInt32}
            )
        return (
            self.quarantine.group_by("record_type", "reason_code")
            .agg(pl.len().alias("rows"))
            .sort(["rows", "record_type", "reason_code"], descending=[True, False, False])
        )

    def to_dict(self, examples: int = 5) -> dict:
        sample = self.quarantine.group_by("record_type", "reason_code", maintain_order=True).head(examples)
        return {
            "path": str(self.path),
            "clean": self.clean,
            "data_cutoff": self.cutoff.isoformat(),
            "references_checked_against": self.references_from,
            "skipped_reference_checks": self.skipped_references,
            "files": self.files.to_dicts(),
            "quarantine_summary": self.summary().to_dicts(),
            "examples": sample.to_dicts(),
        }


def _files(path: Path) -> tuple[list[DeliveryFile], Path]:
    if path.is_dir():
        return discover(path), path
    if path.is_file():
        return [
            DeliveryFile(path, path.name, record_type(path.name) if path.suffix.lower() == ".csv" else None)
        ], (path.parent)
    raise ObservatoryError("nothing to validate: the path does not exist", path)


def validate(path: Path, against: Path | None = None, cutoff: date | None = None) -> ValidationReport:
    """Validate the delivery at `path`; `against` is a warehouse supplying parents the delivery lacks."""
    files, root = _files(Path(path))
    if not files:
        raise ObservatoryError("the folder holds no delivery files", path)
    con = duckdb.connect()
    try:
        pseudonymise.register(con, pseudonymise.load_key())
        present = {f.table for f in files if f.table}
        if any(f.path.suffix.lower() != ".csv" for f in files):
            present |= CREDENTIAL_TABLES  # a digital credential brings its award, specification and issuer
        missing = [t for t in contracts() if t not in present]
        prestaged: set[str] = set()
        if against is not None and Path(against).exists() and missing:
            con.execute("attach ? as wh (read_only)", [str(Path(against))])
            have = {
                t for (t,) in rows(con, "select table_name from duckdb_tables() where database_name = 'wh'")
            }
            for t in missing:
                if f"stg_{t}" in have:
                    con.execute(f"create table stg_{t} as select * from wh.stg_{t}")
                    prestaged.add(t)
            if cutoff is None:
                found = rows(con, "select data_cutoff from wh.build_info")
                cutoff = found[0][0] if found else None
        cutoff = cutoff or (read_cutoff(root) if root.is_dir() else None) or date.today()
        con.execute("set variable cutoff = ?::date", [cutoff])
        con.execute(QUARANTINE_DDL)
        skipped = frozenset(t for t in missing if t not in prestaged)
        report = load_deliveries(
            con, files, lambda _m: None, root=root, prestaged=frozenset(prestaged), skip_references=skipped
        )
        frame = file_report(con, report)
        quarantine = con.sql(
            "select record_type, source_file, source_line, reason_code, check_name, detail from quarantine "
            "order by source_file, source_line"
        ).pl()
    finally:
        con.close()
    checked_refs = sorted({r.table for c in contracts().values() if c.table in present for r in c.references})
    return ValidationReport(
        path=Path(path),
        cutoff=cutoff,
        files=frame,
        quarantine=quarantine,
        references_from=str(against) if prestaged else None,
        skipped_references=[t for t in checked_refs if t in skipped],
    )
