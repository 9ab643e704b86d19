"""The delivery as files: contract headers, dialects, manifest, determinism."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from pipelines.contracts import contracts
from pipelines.generate import generate

from .conftest import SEED, is_credential_file

pytestmark = pytest.mark.build


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_table_is_delivered_with_the_contract_header(out, manifest):
    tables = {e["table"] for e in manifest["files"]}
    assert tables == set(contracts())
    for entry in manifest["files"]:
        if entry["path"] == "awards_late_delivery.csv" or is_credential_file(entry):
            continue
        raw = (out / entry["path"]).read_bytes()
        if entry["table"] == "verifications":
            assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
            header = raw[3:].split(b"\r\n", 1)[0].decode().split(";")
        else:
            assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")
            header = raw.split(b"\n", 1)[0].decode().split(",")
        assert header == contracts()[entry["table"]].column_names, entry["path"]


def test_file_names_follow_the_table_names(manifest):
    names = {e["path"] for e in manifest["files"]}
    assert {f"awards_{y}.csv" for y in range(2019, 2026)} <= names
    assert "awards_late_delivery.csv" in names
    for e in manifest["files"]:
        if is_credential_file(e):  # digital credentials: a sub-folder per standard, never a CSV
            assert e["table"] == "awards" and e["path"].startswith(f"credentials/{e['standard'].lower()}/")
            assert not e["path"].endswith(".csv")
            continue
        assert e["path"] == f"{e['table']}.csv" or e["path"].startswith(f"{e['table']}_")


def test_manifest_rows_and_checksums_match_the_files(out, manifest, small):
    result = small[0]
    assert manifest["generator"] == "mco generate" and manifest["seed"] == SEED
    assert manifest["data_cutoff"] == "2025-12-31" and manifest["scale"] == "small"
    for entry in manifest["files"]:
        path = out / entry["path"]
        if not is_credential_file(entry):  # credential files: rows are checked against the reader
            lines = path.read_bytes().count(b"\n")
            assert entry["rows"] == lines - 1, entry["path"]  # one header line, every row ends with "\n"
        assert entry["sha256"] == _sha(path)
        assert result.files[entry["path"]] == entry["rows"]
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == {e["path"] for e in manifest["files"]} | {"manifest.json", "ground_truth.json"}


def test_progress_steps_are_reported(small):
    steps = small[1]
    assert steps[0] == "reference data" and "ground truth" in steps and len(steps) >= 8


def _files(folder) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_same_scale_and_seed_give_identical_bytes(out, tmp_path):
    again = generate("small", SEED, tmp_path / "again")
    produced = _files(again.out)
    assert produced == _files(out)
    assert any(name.startswith("credentials/") for name in produced)
    for name in produced:
        assert _sha(again.out / name) == _sha(out / name), name


def test_another_seed_gives_other_data(out, tmp_path):
    other = generate("small", SEED + 1, tmp_path / "other")
    assert _sha(other.out / "learners.csv") != _sha(out / "learners.csv")


def test_rerun_replaces_its_own_output_but_refuses_foreign_csvs(tmp_path):
    first = generate("small", SEED, tmp_path / "o", cutoff=dt.date(2024, 6, 30))
    assert (first.out / "awards_2024.csv").exists()
    generate("small", SEED, tmp_path / "o")  # later cut-off: the old files are replaced, not mixed
    assert (tmp_path / "o" / "awards_2025.csv").exists()
    listed = {e["path"] for e in json.loads((tmp_path / "o" / "manifest.json").read_text())["files"]}
    assert set(_files(tmp_path / "o")) == listed | {"manifest.json", "ground_truth.json"}
    (tmp_path / "o" / "other.csv").write_text("x\n")
    with pytest.raises(ValueError, match="not written by the generator"):
        generate("small", SEED, tmp_path / "o")
    (tmp_path / "o" / "other.csv").unlink()
    (tmp_path / "o" / "credentials" / "ob3" / "foreign.json").write_text("{}\n")
    with pytest.raises(ValueError, match="credentials/ob3/foreign.json"):
        generate("small", SEED, tmp_path / "o")


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown scale"):
        generate("huge", SEED, tmp_path)
    with pytest.raises(ValueError, match="cut-off"):
        generate("small", SEED, tmp_path, cutoff=dt.date(2018, 1, 1))
