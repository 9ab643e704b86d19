"""Files that are not credentials say what they are; common containers are unwrapped; the file
report's status tells the truth (a file nothing loaded from is not `loaded`); a rejection line names
the file once."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from pipelines import pseudonymise
from pipelines.sources.discover import discover
from pipelines.sources.standards import read_standards
from pipelines.staging.intake import file_report, load_deliveries
from pipelines.staging.stage import QUARANTINE_DDL
from tests.sources.make_fixtures import ob3

pytestmark = pytest.mark.unit

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2019-09/schema#",
    "$id": "https://example.org/schemas/microcredential.json",
    "type": "object",
    "properties": {"credentialSubject": {"type": "object"}},
}


def write(folder: Path, name: str, doc) -> None:
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")


def test_json_schema_is_named_not_called_a_wrong_type(tmp_path):
    write(tmp_path, "schema.json", SCHEMA)
    write(tmp_path, "bare_schema.json", {k: v for k, v in SCHEMA.items() if k != "$schema"})
    d = read_standards([tmp_path], tmp_path)
    assert d.quarantine == []
    for f in d.files:
        assert (f.status, f.records_in, f.supporting_documents) == ("parsed", 0, 1), f.name
        assert "a JSON Schema, not a credential" in f.notes, f.notes


@pytest.mark.parametrize("key", ["insert", "@graph", "credentials", "verifiableCredential"])
def test_containers_are_unwrapped(tmp_path, key):
    docs = [ob3(f"urn:uuid:wrapped-{i}") for i in range(3)]
    wrapper = {"ledger": "example/badges", key: docs} if key == "insert" else {key: docs}
    write(tmp_path, "wrapped.json", wrapper)
    d = read_standards([tmp_path], tmp_path)
    (f,) = d.files
    assert (f.records_in, f.records_loaded) == (3, 3), (f, d.quarantine)
    assert d.tables["awards"]["award_id"].to_list() == [f"urn:uuid:wrapped-{i}" for i in range(3)]
    paths = [q["json_path"] for q in d.quarantine]
    assert paths == []


def intake(folder: Path):
    con = duckdb.connect()
    pseudonymise.register(con, b"k" * 32)
    con.execute("set variable cutoff = '2025-12-31'::date")
    con.execute(QUARANTINE_DDL)
    files = discover(folder)
    report = load_deliveries(
        con,
        files,
        lambda _m: None,
        root=folder,
        skip_references=frozenset({"learners", "regions", "qualifications"}),
    )
    return {r["source_file"]: r for r in file_report(con, report).to_dicts()}


def test_status_tells_the_truth_and_reasons_do_not_repeat_the_name(tmp_path):
    write(tmp_path, "good.json", ob3("urn:uuid:good-1"))
    write(tmp_path, "no_date.json", {**ob3("urn:uuid:bad-1"), "validFrom": None})
    write(tmp_path, "schema.json", SCHEMA)
    write(tmp_path, "empty.json", [])
    (tmp_path / "broken.json").write_text('{"type": ', encoding="utf-8")
    files = intake(tmp_path)
    assert {n: r["status"] for n, r in files.items()} == {
        "good.json": "loaded",
        "no_date.json": "nothing loaded",
        "schema.json": "supporting documents",
        "empty.json": "empty",
        "broken.json": "rejected",
    }
    reason = files["broken.json"]["reason"]
    assert reason and "broken.json" not in reason and "truncated" in reason
    assert "a JSON Schema, not a credential" in files["schema.json"]["notes"]
