"""`mco validate` and a corpus of bad deliveries: clear messages, and every row accounted for."""

import json
import subprocess
import sys

import pytest

from pipelines.quality.validate import validate
from tests.tiny import TINY, write_tiny

pytestmark = pytest.mark.build

AWARDS_HEADER = TINY["awards.csv"].splitlines()[0]
GOOD_AWARD = "A1,C1,NL-000000001,2020-03-01,digital_badge,OB3,true,new_learning,issued,,"


def _mco(*args):
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def clean_folder(tmp_path_factory):
    files = dict(TINY)
    files["awards.csv"] = AWARDS_HEADER + "\n" + GOOD_AWARD + "\n"
    files["verifications.csv"] = (
        "verification_id,award_id,verification_date,verifier_type\nV1,A1,2020-05-01,employer\n"
    )
    return write_tiny(tmp_path_factory.mktemp("clean"), files)


def test_clean_delivery_exits_zero(clean_folder):
    result = _mco("validate", str(clean_folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Clean" in result.stdout


def test_json_report_is_the_only_stdout(tmp_path):
    raw = write_tiny(tmp_path / "raw")
    result = _mco("validate", str(raw), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["clean"] is False
    reasons = {(s["record_type"], s["reason_code"]): s["rows"] for s in report["quarantine_summary"]}
    assert reasons[("awards", "duplicate_key")] == 1
    awards = next(f for f in report["files"] if f["source_file"] == "awards.csv")
    assert awards["rows_in"] == awards["rows_loaded"] + awards["rows_quarantined"] == 10


def test_single_file_checks_references_against_a_warehouse(tmp_path, small_warehouse):
    alone = tmp_path / "awards_extra.csv"
    alone.write_text(
        AWARDS_HEADER + "\nX1,NO-SUCH-CREDENTIAL,someone@example.org,2024-01-01,digital_badge,OB3,"
        "true,new_learning,issued,,\n"
    )
    without = validate(alone)
    assert without.skipped_references == ["credentials"] and without.clean
    against = validate(alone, against=small_warehouse)
    assert against.references_from and not against.clean
    assert against.quarantine["reason_code"].to_list() == ["orphan_reference"]


BAD = {
    "wrong delimiter": (
        "awards_tab.csv",
        AWARDS_HEADER.replace(",", "\t") + "\n" + GOOD_AWARD.replace(",", "\t"),
        "rejected",
        "lacks required column",
    ),
    "missing column": (
        "awards_nolearner.csv",
        "award_id,credential_id,issue_date,format,standard,signed,purpose,"
        "status\nA1,C1,2020-03-01,digital_badge,OB3,true,new_learning,issued",
        "rejected",
        "learner_id",
    ),
    "extra column": (
        "awards_extra.csv",
        AWARDS_HEADER + ",shoe_size\n" + GOOD_AWARD + ",42",
        "loaded",
        "not in the template",
    ),
    "wrong encoding": (
        "learners_latin1.csv",
        "learner_id,birth_year,sex,región\nNL-1,1990,F,x".encode("latin-1"),
        "rejected",
        "UTF-8",
    ),
    "unknown codes": (
        "awards_codes.csv",
        AWARDS_HEADER + "\n" + GOOD_AWARD.replace("issued", "lost"),
        "loaded",
        "unknown_code",
    ),
    "duplicated keys": (
        "awards_dup.csv",
        AWARDS_HEADER + "\n" + GOOD_AWARD + "\n" + GOOD_AWARD,
        "loaded",
        "duplicate_key",
    ),
    "orphan references": (
        "awards_orphan.csv",
        AWARDS_HEADER + "\n" + GOOD_AWARD.replace(",C1,", ",C404,"),
        "loaded",
        "orphan_reference",
    ),
    "dates out of order": (
        "verifications_early.csv",
        "verification_id,award_id,verification_date,verifier_type\nV7,A1,2019-01-01,employer",
        "loaded",
        "date_order",
    ),
    "ragged row": (
        "awards_ragged.csv",
        AWARDS_HEADER + "\n" + GOOD_AWARD + ",x,y\n" + GOOD_AWARD.replace("A1", "A2"),
        "loaded",
        "malformed_row",
    ),
    "empty file": ("awards_empty.csv", "", "rejected", "empty"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_delivery_corpus(case, clean_folder, tmp_path):
    name, content, status, message = BAD[case]
    folder = tmp_path / "delivery"
    folder.mkdir()
    for f in clean_folder.iterdir():
        if f.name != "awards.csv" or name.startswith("verifications"):
            (folder / f.name).write_bytes(f.read_bytes())
    if name.startswith("verifications"):
        (folder / "awards.csv").write_bytes((clean_folder / "awards.csv").read_bytes())
    (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    report = validate(folder)
    row = report.files.filter(report.files["source_file"] == name).row(0, named=True)
    assert row["status"] == status
    text = (
        (row["reason"] or "")
        + (row["notes"] or "")
        + " ".join(
            report.quarantine.filter(report.quarantine["source_file"] == name)["reason_code"].to_list()
        )
    )
    assert message in text
    assert not report.clean or case == "extra column"
    for r in report.files.iter_rows(named=True):
        assert r["rows_in"] == r["rows_loaded"] + r["rows_quarantined"] + r["rows_rejected"], r
