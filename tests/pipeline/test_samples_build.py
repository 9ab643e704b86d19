"""Build the real public credential samples (../shared/samples) beside a tiny CSV delivery, when present."""

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.build import build
from pipelines.warehouse import rows
from tests.tiny import write_tiny

pytestmark = pytest.mark.build

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not here (fresh clone)")
def test_samples_build_with_every_file_accounted_for(tmp_path):
    raw = write_tiny(tmp_path / "raw")
    for folder in ("openbadges", "europass", "vc"):
        shutil.copytree(SAMPLES / folder, raw / folder)
    result = build(raw, tmp_path / "w.duckdb", gate=False, max_quarantine_share=1.0)
    report = result.report
    files_on_disk = sum(1 for p in raw.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert report.height == files_on_disk
    assert (
        report["rows_in"] == report["rows_loaded"] + report["rows_quarantined"] + report["rows_rejected"]
    ).all()
    assert report.filter(report["status"] == "rejected")["reason"].is_not_null().all()
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    standards = dict(rows(con, "select standard, count(*) from fct_award group by 1"))
    con.close()
    assert {"OB2", "OB3"} <= set(standards)
