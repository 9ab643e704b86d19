"""`mco validate` on digital credentials (no CSV templates), alone and against a warehouse: one report
row per file, exit 0 when clean and 1 when not, only JSON with --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.build import build
from pipelines.quality.validate import validate
from tests.sources.make_fixtures import ob3

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[2]
ISSUER = {
    "id": "https://skills.example.si/issuer",
    "type": ["Profile"],
    "name": "Skills Lab d.o.o.",
    "address": {"type": ["Address"], "addressCountryCode": "SI"},
}


def _badge(folder: Path, name: str, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(ob3(f"urn:uuid:{name}", issuer=ISSUER, **fields)), encoding="utf-8")
    return path


def _mco(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    # cwd: a folder without data/curated/warehouse.duckdb, so no default warehouse is picked up
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def warehouse(tiny_build) -> Path:
    """TINY's warehouse (the session's `tiny_build`, read-only): the references are checked against it."""
    return tiny_build[1]


def test_one_credential_file_against_a_warehouse_is_clean(tmp_path, warehouse):
    badge = _badge(tmp_path / "in", "badge.json")
    report = validate(badge, against=warehouse)
    assert report.clean and report.references_from == str(warehouse)
    assert report.files.select("source_file", "record_type", "rows_in", "rows_loaded").rows() == [
        ("badge.json", "awards", 1, 1)
    ]
    result = _mco("validate", str(badge), "--against", str(warehouse), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Clean" in result.stdout and "badge.json" in result.stdout


def test_a_folder_of_credentials_reports_per_file_and_fails_when_not_clean(tmp_path, warehouse):
    folder = tmp_path / "in"
    _badge(folder, "good.json")
    _badge(folder, "late.json", validFrom="2030-01-01T00:00:00Z")  # after the warehouse's cut-off
    for against in ((), ("--against", str(warehouse))):
        result = _mco("validate", str(folder), "--json", *against, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        report = json.loads(result.stdout)  # nothing but JSON on standard output
        assert report["clean"] is False
        files = {f["source_file"]: f for f in report["files"]}
        assert set(files) == {"good.json", "late.json"}
        assert (files["good.json"]["rows_in"], files["good.json"]["rows_loaded"]) == (1, 1)
        late = files["late.json"]
        assert (late["rows_in"], late["rows_loaded"], late["rows_quarantined"]) == (1, 0, 1)
        assert [s["reason_code"] for s in report["quarantine_summary"]] == ["date_after_cutoff"]
    (folder / "late.json").unlink()
    clean = _mco("validate", str(folder), "--json", "--against", str(warehouse), cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["clean"] is True


ISSUERS = {
    "si": ("https://skills.example.si/issuer", "Skills Lab d.o.o.", "SI"),
    "nl": ("https://edu.example.nl/issuer", "Hogeschool Voorbeeld", "NL"),
    "de": ("https://bildung.example.de/issuer", "Bildungswerk Beispiel", "DE"),
}


def _mixed_folder(folder: Path, n: int = 40, bad: int | None = 17) -> dict[str, str]:
    """`n` one-credential files from three issuers (one folder each), file `bad` with no issue date;
    returns file name -> issuer country."""
    countries = {}
    for i in range(n):
        key = list(ISSUERS)[i % 3]
        iid, name, country = ISSUERS[key]
        issuer = {"id": iid, "type": ["Profile"], "name": name, "address": {"addressCountryCode": country}}
        subject = {
            "id": f"did:example:learner-{i}",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"{iid}/achievements/a{i % 2}",
                "type": ["Achievement"],
                "name": f"A{i % 2}",
            },
        }
        fields = {"validFrom": None} if i == bad else {}
        doc = ob3(f"urn:uuid:mixed-{i:03}", subject=subject, issuer=issuer, **fields)
        rel = f"{key}/c{i:03}.json"
        (folder / key).mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(json.dumps(doc), encoding="utf-8")
        countries[rel] = country
    return countries


def test_validate_a_folder_of_several_issuers_with_one_bad_file(tmp_path):
    folder = tmp_path / "export"
    countries = _mixed_folder(folder)
    result = _mco("validate", str(folder), "--json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)  # only JSON on standard output
    files = {f["source_file"]: f for f in report["files"]}
    assert set(files) == set(countries)
    bad = files[f"{list(ISSUERS)[17 % 3]}/c017.json"]
    assert (bad["rows_in"], bad["rows_loaded"], bad["rows_quarantined"], bad["status"]) == (
        1,
        0,
        1,
        "nothing loaded",
    )
    good = [f for name, f in files.items() if not name.endswith("c017.json")]
    assert all((f["rows_in"], f["rows_loaded"], f["status"]) == (1, 1, "loaded") for f in good)
    assert [s["reason_code"] for s in report["quarantine_summary"]] == ["missing_required"]
    human = _mco("validate", str(folder), cwd=tmp_path)
    assert human.returncode == 1 and "nothing" in human.stdout  # the table may wrap the status
    next(folder.rglob("c017.json")).unlink()
    clean = _mco("validate", str(folder), "--json", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert json.loads(clean.stdout)["clean"] is True


def test_one_bad_credential_file_in_forty_does_not_stop_the_build(tmp_path):
    """The quarantine-share limit applies per credential delivery, not per one-record file."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "manifest.json").write_text('{"data_cutoff": "2025-12-31"}')
    (raw / "learners.csv").write_text(
        "learner_id,birth_year,sex,prior_education_isced,region_code,labour_status_before\n"
        "NL-000000001,1990,F,3,,employed\n"
    )
    countries = _mixed_folder(raw / "badges")
    result = build(raw, tmp_path / "w.duckdb", gate=False)  # default share: 0.2
    report = {r["source_file"]: r for r in result.report.to_dicts()}
    bad = report[next(n for n in report if n.endswith("c017.json"))]
    assert (bad["rows_quarantined"], bad["status"]) == (1, "nothing loaded")
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        awards = con.execute("select count(*) from fct_award").fetchone()[0]
        quarantined = con.execute("select source_file, reason_code from quarantine").fetchall()
    finally:
        con.close()
    assert awards == len(countries) - 1
    assert quarantined == [(bad["source_file"], "missing_required")]
