"""Build a generated folder of mixed credential files (OB 3.0, OB 2.0, ELM v3 from 14 issuers, colliding
document-local ids on purpose) beside the tiny CSV templates, and check every award's Annex I fields
against the generator's truth; `mco validate` on the folder reports one row per file and exits 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.build import build
from pipelines.generate.mixed_credentials import write_mixed_credentials
from pipelines.warehouse import rows
from tests.tiny import write_tiny

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[2]
FIELDS = (
    "issuer",
    "country_code",
    "title",
    "eqf_level",
    "ects",
    "notional_hours",
    "participation_form",
    "supervision",
    "assessment_type",
)
QUERY = """
select a.award_id, p.provider_name, p.country_code, c.title, c.eqf_level, c.ects, c.notional_hours,
       c.participation_form, c.supervision, c.assessment_type
from fct_award a
join dim_credential c using (credential_id)
join dim_provider p on p.provider_id = a.provider_id
"""
# generated formats a reader gets wrong today: their mismatches end the test as xfail (after every other
# format's fields were asserted); once the reader is fixed they match and the test simply passes
KNOWN_BUGS = {
    "OB2-embedded": (
        "reader bug (pipelines/sources/standards/openbadges2.py map_ob2): the blank-node ids of an "
        "embedded BadgeClass (_:badge) and Issuer (_:issuer) are not scoped to their file (no "
        "Known.local/spec as in map_ob3/map_elm), so every embedded OB 2.0 assertion takes the issuer, "
        "country, title, EQF, workload, participation, supervision and assessment of the first one loaded"
    )
}


def _norm(field: str, value):
    if value is None or (field == "country_code" and value == "unknown"):
        return None
    if field in ("eqf_level",):
        return int(value)
    if field in ("ects", "notional_hours"):
        return float(value)
    return value


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("mixed")
    raw = write_tiny(root / "raw")
    made = write_mixed_credentials(raw / "exports", root / "truth.json", seed=12, awards=300)
    result = build(raw, root / "w.duckdb", gate=False, max_quarantine_share=1.0)
    con = duckdb.connect(str(root / "w.duckdb"), read_only=True)
    got = {r[0]: dict(zip(FIELDS, r[1:], strict=True)) for r in rows(con, QUERY)}
    con.close()
    truth = json.loads(made.truth.read_text(encoding="utf-8"))["awards"]
    return {"made": made, "report": result.report, "got": got, "truth": truth}


def test_every_credential_file_loads_without_quarantine(mixed):
    report = mixed["report"].filter(mixed["report"]["source_file"].str.starts_with("exports/"))
    assert report.height == mixed["made"].files
    assert report["rows_quarantined"].sum() == 0, report.filter(report["rows_quarantined"] > 0).to_dicts()
    assert report["rows_rejected"].sum() == 0
    assert report["rows_loaded"].sum() == mixed["made"].awards
    assert set(report["status"]) <= {"loaded", "supporting documents"}


def _mismatches(mixed) -> dict[tuple[str, str], list[str]]:
    bad: dict[tuple[str, str], list[str]] = {}
    for t in mixed["truth"]:
        got = mixed["got"].get(t["award_id"])
        assert got is not None, f"{t['file']}: award {t['award_id']} is not in fct_award"
        for field in FIELDS:
            want, have = _norm(field, t[field]), _norm(field, got[field])
            if want != have:
                bad.setdefault((t["format"], field), []).append(
                    f"{t['file']}: {field} expected {want!r}, got {have!r}"
                )
    return bad


def test_every_award_has_its_own_documents_fields(mixed):
    assert len(mixed["truth"]) == mixed["made"].awards
    bad = _mismatches(mixed)
    unexpected = {k: v[:3] for k, v in bad.items() if k[0] not in KNOWN_BUGS}
    assert not unexpected, unexpected
    known = {k: v[:2] for k, v in bad.items() if k[0] in KNOWN_BUGS}
    if known:
        pytest.xfail("; ".join(KNOWN_BUGS[f] for f in sorted({k[0] for k in known})) + f": {known}")


def test_validate_reports_every_file_and_exits_0(mixed, tmp_path):
    folder = mixed["made"].folder
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "validate", str(folder), "--json"],
        cwd=tmp_path,  # no default warehouse here
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads(result.stdout)
    files = [f["source_file"] for f in report["files"]]
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert len(files) == len(set(files)) == mixed["made"].files
    assert sorted(files) == on_disk
    assert report["clean"] is True
