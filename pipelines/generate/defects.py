"""Seeded defects: extra rows (never changes to clean ones) that each trip exactly one check of the build.

Every defect row references existing learners and credentials unless the defect *is* the reference, and
carries an award id (``AWD-X...``) that cannot collide with clean ones. Nothing else points to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .columns import KEY
from .dates import FIRST_DAY, to_days, year_of
from .ecosystem import Ecosystem
from .formatting import Identifiers, as_text, contract_frame
from .streams import stream

AWARD_SHARE = 0.0025  # of clean awards, per award defect type (6 types -> ~1.5 %)
CREDENTIAL_SHARE = 0.01
MINIMUM = 3
MALFORMED_FILE = "awards_late_delivery.csv"
MALFORMED_ROWS = 12
BAD_ECTS = np.array([75.0, 90.0, 120.0, 240.0, 0.05, 0.0])

REASONS = {  # defect type -> (table, reason code the build must give)
    "duplicate_award": ("awards", "duplicate_key"),
    "unknown_credential": ("awards", "orphan_reference"),
    "future_date": ("awards", "date_after_cutoff"),
    "before_launch": ("awards", "date_before_launch"),
    "ects_out_of_range": ("credentials", "out_of_range"),
    "unknown_code": ("awards", "unknown_code"),
    "missing_required": ("awards", "missing_required"),
    "malformed_file": ("awards", "rejected_file"),
}


@dataclass
class Defects:
    duplicate_of: np.ndarray  # clean award indices written twice
    award_rows: pl.DataFrame  # text columns of the awards contract + file_year + defect
    credential_rows: pl.DataFrame  # text columns of the credentials contract
    malformed_text: str
    summary: dict = field(default_factory=dict)


def _shifted(rng, days: np.ndarray, cutoff_days: int) -> np.ndarray:
    """Move a template date by 1-20 days (staying on or before the cut-off) so no row mirrors a clean one."""
    d = rng.integers(1, 21, len(days))
    return np.where(days + d <= cutoff_days, days + d, days - d)


def seed_defects(
    awards: pl.DataFrame,
    credentials: pl.DataFrame,
    eco: Ecosystem,
    ids: Identifiers,
    seed: int,
    cutoff: dt.date,
) -> Defects:
    """Build the defect rows from integer-keyed clean frames (awards sorted by award_id)."""
    rng = stream(seed, "defects")
    cutoff_days = to_days(cutoff)
    n_awards = awards.height
    k = max(MINIMUM, int(round(AWARD_SHARE * n_awards)))
    duplicate_of = np.sort(rng.choice(n_awards, size=min(k, n_awards), replace=False))

    def templates(count: int) -> tuple[pl.DataFrame, np.ndarray]:
        idx = np.sort(rng.choice(n_awards, size=count, replace=count > n_awards))
        rows = awards[idx]
        day = rows["issue_date"].cast(pl.Int32).to_numpy().astype(np.int64)
        return rows, day

    parts: list[pl.DataFrame] = []

    def add(kind: str, rows: pl.DataFrame, day: np.ndarray, file_year: np.ndarray, **overrides) -> None:
        rows = rows.with_columns(
            issue_date=pl.lit(pl.Series(day)).cast(pl.Int32).cast(pl.Date),
            expiry_date=pl.lit(None, dtype=pl.Date),
        )
        framed = as_text(contract_frame("awards", rows, ids)).with_columns(
            file_year=pl.lit(pl.Series(file_year.astype(np.int64))), defect=pl.lit(kind)
        )
        parts.append(framed.with_columns(**overrides))

    alternate = pl.lit(pl.Series(np.arange(k) % 2 == 0))
    rows, day = templates(k)
    day = _shifted(rng, day, cutoff_days)
    unknown = pl.Series([f"CRED-UNKNOWN-{i:05d}" for i in range(1, k + 1)])
    add("unknown_credential", rows, day, year_of(day), credential_id=pl.lit(unknown))

    rows, _ = templates(k)
    future = cutoff_days + rng.integers(1, 61, k)
    add("future_date", rows, future, np.full(k, cutoff.year), status=pl.lit("issued"))

    add(*_before_launch(rng, eco, k, n_learners=len(ids.learner_ids), cutoff_days=cutoff_days))

    rows, day = templates(k)
    day = _shifted(rng, day, cutoff_days)
    add(
        "unknown_code", rows, day, year_of(day),
        format=pl.when(alternate).then(pl.lit("hologram")).otherwise(pl.col("format")),
        purpose=pl.when(alternate).then(pl.col("purpose")).otherwise(pl.lit("upskilling")),
    )  # fmt: skip

    rows, day = templates(k)
    day = _shifted(rng, day, cutoff_days)
    add(
        "missing_required", rows, day, year_of(day),
        learner_id=pl.when(alternate).then(None).otherwise(pl.col("learner_id")),
        issue_date=pl.when(alternate).then(pl.col("issue_date")).otherwise(None),
    )  # fmt: skip

    award_rows = pl.concat(parts, how="vertical")
    award_rows = award_rows.with_columns(
        award_id=pl.format("AWD-X{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(6))
    )
    credential_rows = _bad_ects(rng, credentials, ids)
    malformed = _malformed(rng, awards, ids)

    summary = {}
    for kind, (table, reason) in REASONS.items():
        if kind == "duplicate_award":
            ids_ = contract_frame("awards", awards[duplicate_of], ids)["award_id"].to_list()
        elif kind == "ects_out_of_range":
            ids_ = credential_rows["credential_id"].to_list()
        elif kind == "malformed_file":
            summary[kind] = {"table": table, "reason": reason, "count": 1, "files": [MALFORMED_FILE],
                             "rows": MALFORMED_ROWS}  # fmt: skip
            continue
        else:
            ids_ = award_rows.filter(pl.col("defect") == kind)["award_id"].to_list()
        summary[kind] = {"table": table, "reason": reason, "count": len(ids_), "ids": ids_}
    return Defects(duplicate_of, award_rows, credential_rows, malformed, summary)


def _before_launch(rng, eco: Ecosystem, k: int, n_learners: int, cutoff_days: int):
    """Awards dated between 2019-01-01 and the day before their credential's launch."""
    start = to_days(FIRST_DAY)
    late = np.flatnonzero((eco.cred_launch > start) & (eco.cred_launch <= cutoff_days))
    pool = late if len(late) else np.arange(eco.n_credentials)
    cred = pool[rng.integers(0, len(pool), k)]
    launch = eco.cred_launch[cred]
    low = np.where(launch > start, start, launch - 365)
    day = low + np.floor(rng.random(k) * (launch - low)).astype(np.int64)
    fmt = eco.cred_format[cred]
    standard = np.array(["paper", "PDF", "OB2"])[fmt]
    fmt_label = np.array(["paper_certificate", "digital_certificate", "digital_badge"])[fmt]
    rows = pl.DataFrame(
        {
            "award_id": np.zeros(k, dtype=KEY),
            "credential_id": cred.astype(KEY),
            "learner_id": rng.integers(0, n_learners, k).astype(KEY),
            "issue_date": pl.Series(day).cast(pl.Int32).cast(pl.Date),
            "format": fmt_label,
            "standard": standard,
            "signed": np.zeros(k, dtype=bool),
            "purpose": ["new_learning"] * k,
            "status": ["issued"] * k,
            "grade": pl.Series([None] * k, dtype=pl.String),
            "expiry_date": pl.Series([None] * k, dtype=pl.Date),
        }
    )
    return "before_launch", rows, day, year_of(day)


def _bad_ects(rng, credentials: pl.DataFrame, ids: Identifiers) -> pl.DataFrame:
    """Copies of real specifications under new ids with an impossible workload (> 60 or < 0.1 ECTS)."""
    kc = max(MINIMUM, int(round(CREDENTIAL_SHARE * credentials.height)))
    idx = np.sort(rng.choice(credentials.height, size=kc, replace=kc > credentials.height))
    rows = credentials[idx].with_columns(
        ects=pl.lit(pl.Series(BAD_ECTS[np.arange(kc) % len(BAD_ECTS)])),
        notional_hours=pl.lit(None, dtype=pl.Float64),
        further_info=pl.lit(False),
    )
    framed = contract_frame("credentials", rows, ids)
    return framed.with_columns(
        credential_id=pl.format("CRED-X{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(5)),
        title=pl.concat_str(pl.col("title").fill_null("Untitled"), pl.lit(" (legacy import)")),
    )


def _malformed(rng, awards: pl.DataFrame, ids: Identifiers) -> str:
    """A late delivery in a home-made layout: wrong column names, semicolons -> the whole file is rejected."""
    idx = np.sort(rng.choice(awards.height, size=min(MALFORMED_ROWS, awards.height), replace=False))
    rows = contract_frame("awards", awards[idx], ids)
    lines = ["id;cred;who;when"] + [
        f"AWD-L{i + 1:05d};{r['credential_id']};{r['learner_id']};{r['issue_date']:%d/%m/%Y}"
        for i, r in enumerate(rows.iter_rows(named=True))
    ]
    return "\n".join(lines) + "\n"
