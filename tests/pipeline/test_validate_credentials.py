"""`mco validate` on digital credentials (no CSV templates), alone and against a warehouse: one report
row per file, exit 0 when clean and 1 when not, only JSON with --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.build import build
from pipelines.quality.validate import validate
from tests.sources.make_fixtures import ob3
from tests.tiny import write_tiny

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
def warehouse(tmp_path_factory) -> Path:
    raw = write_tiny(tmp_path_factory.mktemp("raw"))
    target = tmp_path_factory.mktemp("wh") / "w.duckdb"
    build(raw, target, gate=False, max_quarantine_share=1.0)
    return target


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
