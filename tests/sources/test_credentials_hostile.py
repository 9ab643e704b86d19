"""Hostile credential files: each has its expected outcome, the accounting holds, nothing leaks.

The corpus is in hostile_corpus.py (written into tmp_path per case). For every case: each file ends
as expected (awards loaded / records quarantined with their reason / file rejected with its reason),
records in = loaded + quarantined (0 for a rejected file, whose records are taken back out), the same
holds through the intake into an in-memory DuckDB, and no secret of the file reaches any message.
No timing assertions: the big cases only have to finish.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import duckdb
import pytest

from pipelines.sources.credentials_intake import load_credentials
from pipelines.sources.discover import discover
from pipelines.sources.standards import read_standards
from pipelines.sources.standards.jsonio import JWS_ALGS, jose_signed, jws_json_signed, proof_signed
from pipelines.sources.standards.limits import Limits, env_name
from pipelines.staging.stage import QUARANTINE_DDL
from tests.sources.hostile_corpus import CASES, KEY, Case, Loaded, Rejected, b64, credential

pytestmark = pytest.mark.unit
LIMIT_VARS = [env_name(f.name) for f in fields(Limits)]


@pytest.fixture
def case_folder(request, tmp_path, monkeypatch) -> tuple[Case, Path]:
    case = CASES[request.param]
    for var in LIMIT_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in case.env.items():
        monkeypatch.setenv(var, value)
    folder = tmp_path / "delivery"
    folder.mkdir()
    case.write(folder)
    return case, folder


def messages(delivery) -> str:
    """Everything a reader says about a delivery: reasons, notes, quarantine details and paths."""
    return json.dumps([[(f.name, f.reason, f.notes) for f in delivery.files], delivery.quarantine])


def test_corpus_is_big_enough():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case_folder", sorted(CASES), indirect=True)
def test_hostile_file_has_its_expected_outcome(case_folder):
    case, folder = case_folder
    d = read_standards([folder], folder)
    outcomes = {f.name: f for f in d.files}
    assert sorted(outcomes) == sorted(case.expect), "every file has an outcome, none is dropped"
    awards = d.tables["awards"]
    for name, expected in case.expect.items():
        f = outcomes[name]
        mine = [q for q in d.quarantine if q["source_file"] == name]
        loaded = awards.filter(awards["source_file"] == name)
        assert f.records_in == f.records_loaded + f.records_quarantined, name
        assert (loaded.height, len(mine)) == (f.records_loaded, f.records_quarantined), name
        if isinstance(expected, Rejected):
            assert f.status == "rejected" and expected.fragment in f.reason, (name, f.reason)
            assert f.records_in == 0 and loaded.height == 0 and not mine, name
            continue
        assert f.status == "parsed" and f.reason is None, (name, f.reason)
        assert (f.records_loaded, f.records_quarantined) == (expected.loaded, expected.quarantined), name
        codes = tuple(q["reason_code"] for q in sorted(mine, key=lambda q: q["source_line"]))
        assert codes == expected.reason_codes, name
        if expected.signed is not None:
            assert tuple(loaded["signed"].to_list()) == expected.signed, name
    assert awards.height == sum(f.records_loaded for f in d.files)
    text = messages(d)
    assert not [s for s in case.secrets if s in text], "a message quotes file content"


@pytest.mark.parametrize("case_folder", sorted(CASES), indirect=True)
def test_hostile_file_accounting_through_the_intake(case_folder):
    """rows in = loaded (staged awards) + quarantined (quarantine rows) + rejected, per file; files found
    by discovery load exactly what the reader's own walk loads (no link is followed either way)."""
    case, folder = case_folder
    con = duckdb.connect()
    con.execute(QUARANTINE_DDL)
    con.execute("create temp macro pseudonym(x) as md5(x)")
    files = discover(folder)
    by_table: dict[str, list[str]] = {"providers": [], "credentials": [], "awards": []}
    report = load_credentials(con, files, folder, by_table)
    loaded = {}
    if by_table["awards"]:
        loaded = dict(con.execute("select source_file, count(*) from raw_std_awards group by 1").fetchall())
    quarantined = dict(con.execute("select source_file, count(*) from quarantine group by 1").fetchall())
    for r in report:
        name = r["source_file"]
        assert r["rows_in"] == loaded.get(name, 0) + quarantined.get(name, 0) + r["rows_rejected"], name
        if r["status"] == "rejected":
            assert loaded.get(name, 0) == quarantined.get(name, 0) == 0 and r["reason"], name
    assert sum(quarantined.values()) == sum(r["rows_in"] - loaded.get(r["source_file"], 0) for r in report)
    assert sum(loaded.values()) == sum(e.loaded for e in case.expect.values() if isinstance(e, Loaded))


def test_zip_slip_member_is_never_written(tmp_path):
    folder = tmp_path / "delivery"
    folder.mkdir()
    CASES["zip_slip"].write(folder)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    d = read_standards([folder], folder)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert not (tmp_path / "etc").exists()
    bad = next(f for f in d.files if "passwd" in f.name)
    assert bad.status == "rejected" and "root:x" not in bad.reason


@pytest.mark.parametrize(
    ("header", "signature", "signed"),
    [
        ({"alg": "none"}, "c2ln", False),
        ({"alg": "none "}, "c2ln", False),
        ({"alg": "NONE"}, "c2ln", False),
        ({"alg": ["none"]}, "c2ln", False),
        ({"alg": ["ES256"]}, "c2ln", False),
        ({"alg": "es256"}, "c2ln", False),
        ({"alg": " ES256"}, "c2ln", False),
        ({"alg": "ES256"}, "", False),
        ({"alg": "ES256"}, "not base64url!", False),
        ({"alg": "ES256"}, None, False),
        ({}, "c2ln", False),
        ("ES256", "c2ln", False),
        *(({"alg": alg}, "c2ln", True) for alg in sorted(JWS_ALGS)),
    ],
)
def test_signed_means_a_registered_algorithm_and_a_signature(header, signature, signed):
    assert jose_signed(header, signature) is signed


def test_jws_json_signed_forms():
    protected = b64({"alg": "RS256"})
    assert jws_json_signed({"signatures": [{"protected": protected, "signature": "c2ln"}]})
    assert jws_json_signed({"protected": protected, "signature": "c2ln"})  # flattened
    assert not jws_json_signed({"signatures": [{}]})
    assert not jws_json_signed({"signature": "c2ln"})  # no protected header
    assert not jws_json_signed({"signatures": [{"protected": "%%%", "signature": "c2ln"}]})
    assert not jws_json_signed({"signatures": [{"protected": b64({"alg": "none"}), "signature": "c2ln"}]})
    assert not jws_json_signed({"signatures": "c2ln"})


@pytest.mark.parametrize(
    ("proof", "signed"),
    [
        ({"type": "DataIntegrityProof", "proofValue": "z3"}, True),
        ([{"type": ["Ed25519Signature2020"], "jws": "eyJ..c2ln"}], True),
        ([{"type": "RsaSignature2018"}, {"type": "X", "signatureValue": "c2ln"}], True),
        ({"type": "DataIntegrityProof", "proofValue": ""}, False),
        ({"type": "", "proofValue": "z3"}, False),
        ({"proofValue": "z3"}, False),
        ({"type": "DataIntegrityProof", "proofValue": ["z3"]}, False),
        ("z3", False),
        ([], False),
        (None, False),
        (True, False),
    ],
)
def test_proof_counts_only_with_a_type_and_a_signature_value(proof, signed):
    assert proof_signed(proof) is signed


def test_limits_from_environment():
    limits = Limits.from_env({"MCO_MAX_ZIP_BYTES": "3M", "MCO_MAX_CREDENTIALS_PER_FILE": "10"})
    assert (limits.max_zip_bytes, limits.max_credentials_per_file) == (3 << 20, 10)
    assert Limits.from_env({}) == Limits()
    for bad in ({"MCO_MAX_ZIP_BYTES": "lots"}, {"MCO_MAX_ZIP_RATIO": "5M"}, {"MCO_MAX_JSON_BYTES": "0"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Limits.from_env(bad)


def test_rejected_file_takes_back_what_it_loaded(tmp_path, monkeypatch):
    """A file refused part-way leaves no award, learner, provider or credential behind."""
    monkeypatch.setenv("MCO_MAX_CREDENTIALS_PER_FILE", "2")
    other = credential(9, issuer={"id": "https://other.example.eu", "name": "Other"})
    (tmp_path / "a.ndjson").write_text("\n".join(json.dumps(c) for c in (credential(1), other, other)))
    (tmp_path / "b.json").write_text(json.dumps(credential(5)))
    d = read_standards([tmp_path], tmp_path)
    assert [f.status for f in d.files] == ["rejected", "parsed"]
    assert d.tables["awards"]["source_file"].to_list() == ["b.json"]
    assert d.tables["providers"]["provider_id"].to_list() == ["https://issuer.example.eu"]
    assert d.tables["learners"].height == d.tables["credentials"].height == 1


def test_key_never_reaches_a_message_anywhere_in_the_corpus(tmp_path, monkeypatch):
    for var in LIMIT_VARS:
        monkeypatch.delenv(var, raising=False)
    for name in ("key_as_type", "key_as_date", "array_with_scalars", "ndjson_one_bad_line", "zip_not_a_zip"):
        folder = tmp_path / name
        folder.mkdir()
        CASES[name].write(folder)
    d = read_standards([tmp_path], tmp_path)
    assert KEY not in messages(d)
