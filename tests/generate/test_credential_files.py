"""Awards delivered as digital credentials (OB 3.0, OB 2.0, ELM v3): formats, ids and a reader round trip.

The build reads these files with `pipelines.sources.standards`; the tests use the same reader, so what is
checked here is exactly what the build stages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import numpy as np
import polars as pl
import pytest

from pipelines.contracts import contracts
from pipelines.generate import build_frames
from pipelines.generate import credential_files as CF
from pipelines.generate.formatting import as_text, contract_frame

from .conftest import SEED, is_credential_file, read_csv

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def entries(manifest) -> list[dict]:
    return [e for e in manifest["files"] if is_credential_file(e)]


@pytest.fixture(scope="module")
def frames():
    return build_frames("small", SEED)


@pytest.fixture(scope="module")
def clean_awards(frames) -> pl.DataFrame:
    """Every clean award as the text a CSV row would hold."""
    return as_text(contract_frame("awards", frames.tables["awards"], frames.ids))


@pytest.fixture(scope="module")
def mapped(standards) -> pl.DataFrame:
    return standards.tables["awards"]


@pytest.fixture(scope="module")
def csv_awards(out, manifest) -> pl.DataFrame:
    return pl.concat(
        read_csv(out / e["path"])
        for e in manifest["files"]
        if e["table"] == "awards" and e["path"].startswith("awards_2")
    )


def _lines(path) -> list[bytes]:
    return [ln for ln in path.read_bytes().splitlines() if ln.strip()]


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def test_every_format_and_encoding_is_delivered(out, entries):
    paths = {e["path"] for e in entries}
    for rel, _ in CF.BULK.values():
        assert f"credentials/{rel}" in paths, rel
    assert {f"credentials/{CF.BADGE_CLASSES}", f"credentials/{CF.ISSUERS}"} <= paths
    for prefix, suffixes in [("ob3/ob3_AWD-", {".json"}), ("ob2/ob2_AWD-", {".json", ".jwt"}),
                             ("elm/elm_AWD-", {".json", ".jsonld"})]:  # fmt: skip
        singles = [p for p in paths if p.startswith(f"credentials/{prefix}")]
        assert len(singles) == CF.SINGLES, prefix
        assert {p[p.rindex(".") :] for p in singles} == suffixes, prefix  # signed and unsigned singles
    for e in entries:
        data = (out / e["path"]).read_bytes()
        assert data.endswith(b"\n") and b"\r" not in data
        assert e["rows"] > 0 or e["path"].endswith(("badgeclasses.json", "issuers.json")), e["path"]


def test_bulk_encodings_are_what_their_names_say(out):
    folder = out / "credentials"
    for line in _lines(folder / "ob3/ob3_credentials.jwt") + _lines(folder / "ob2/ob2_assertions_signed.jwt"):
        header, payload, signature = line.decode().split(".")
        assert json.loads(_b64decode(header))["alg"] == "HS256" and signature
    ob3_jwt = [
        json.loads(_b64decode(ln.decode().split(".")[1])) for ln in _lines(folder / "ob3/ob3_credentials.jwt")
    ]
    vc_claim = [p for p in ob3_jwt if "vc" in p]
    assert 0 < len(vc_claim) < len(ob3_jwt)  # both VC-JWT styles
    assert all("id" not in p["vc"] and p["jti"].startswith("AWD-") for p in vc_claim)
    assert all(p["id"] == p["jti"] for p in ob3_jwt if "vc" not in p)
    hosted = [json.loads(ln) for ln in _lines(folder / "ob2/ob2_assertions_hosted.ndjson")]
    embedded = [json.loads(ln) for ln in _lines(folder / "ob2/ob2_assertions_embedded.ndjson")]
    assert all(isinstance(d["badge"], str) for d in hosted)
    assert all(isinstance(d["badge"], dict) and isinstance(d["badge"]["issuer"], dict) for d in embedded)
    classes = json.loads((folder / CF.BADGE_CLASSES).read_text())
    issuers = json.loads((folder / CF.ISSUERS).read_text())
    assert {d["badge"] for d in hosted} <= {c["id"] for c in classes}
    assert {c["issuer"] for c in classes} == {i["id"] for i in issuers}
    assert all(set(json.loads(ln)) == {"credential"} for ln in _lines(folder / "elm/elm_uploadable.ndjson"))
    signed = [json.loads(ln) for ln in _lines(folder / "elm/elm_signed.ndjson")]
    assert all(set(d) == {"payload", "signatures"} for d in signed)


def test_jws_signatures_verify_with_the_demo_key(out):
    key = CF._Signer(SEED).key
    token = _lines(out / "credentials/ob3/ob3_credentials.jwt")[0].decode()
    signing_input, signature = token.rsplit(".", 1)
    assert hmac.compare_digest(
        hmac.new(key, signing_input.encode(), hashlib.sha256).digest(), _b64decode(signature)
    )
    jws = json.loads(_lines(out / "credentials/elm/elm_signed.ndjson")[0])
    sig = jws["signatures"][0]
    expected = hmac.new(key, f"{sig['protected']}.{jws['payload']}".encode(), hashlib.sha256).digest()
    assert _b64decode(sig["signature"]) == expected


def test_the_reader_loads_every_credential_file_without_quarantine(standards, entries):
    assert standards.quarantine == []
    outcomes = {f.name: f for f in standards.files}
    assert set(outcomes) == {e["path"] for e in entries}
    for e in entries:
        f = outcomes[e["path"]]
        assert f.status == "parsed" and f.format == e["standard"], (e["path"], f.reason)
        assert f.records_loaded == f.records_in == e["rows"], e["path"]
        assert f.supporting_documents == e["documents"] - e["rows"], e["path"]


def test_the_reader_returns_exactly_the_clean_award_rows(mapped, clean_awards):
    """Every column of every moved award, as the build stages it, equals the clean row (learner ids too)."""
    columns = contracts()["awards"].column_names
    got = mapped.select(columns).sort("award_id")
    want = clean_awards.filter(pl.col("award_id").is_in(got["award_id"].implode())).sort("award_id")
    assert got.height == want.height == mapped["award_id"].n_unique()
    assert got.equals(want)


def test_each_standard_in_its_own_files_with_the_readers_format(mapped):
    by_file = mapped.select(
        "standard", "format", folder=pl.col("source_file").str.split("/").list.get(1).str.to_uppercase()
    ).unique()
    assert set(by_file.iter_rows()) == {("OB3", "digital_badge", "OB3"), ("OB2", "digital_badge", "OB2"),
                                        ("ELM", "digital_certificate", "ELM")}  # fmt: skip


def test_signed_follows_the_encoding(mapped, out):
    signed_files = ("ob3_credentials.jwt", "ob2_assertions_signed.jwt", "elm_signed.ndjson")
    unsigned_files = ("ob2_assertions_hosted.ndjson", "ob2_assertions_embedded.ndjson",
                      "elm_credentials.ndjson", "elm_uploadable.ndjson")  # fmt: skip
    by_file = dict(mapped.group_by("source_file").agg(pl.col("signed").unique().sort()).iter_rows())
    for name in signed_files:
        assert by_file[next(f for f in by_file if f.endswith(name))] == ["true"], name
    for name in unsigned_files:
        assert by_file[next(f for f in by_file if f.endswith(name))] == ["false"], name
    ob3 = [json.loads(ln) for ln in _lines(out / "credentials/ob3/ob3_credentials.ndjson")]
    proof = {d["id"]: "proof" in d for d in ob3}
    signed = dict(mapped.filter(pl.col("source_file").str.ends_with("ob3_credentials.ndjson"))
                  .select("award_id", pl.col("signed") == "true").iter_rows())  # fmt: skip
    assert proof == signed and len(set(proof.values())) == 2


def test_only_exactly_representable_awards_move(mapped, truth):
    assert set(mapped["status"]) == {"issued"} and set(mapped["purpose"]) == {"new_learning"}
    assert not set(mapped["award_id"]) & set(truth["defects"]["duplicate_award"]["ids"])
    kind = pl.when(pl.col("learner_id").str.starts_with("sha256$")).then(pl.lit("hash"))
    kind = (
        kind.when(pl.col("learner_id").str.contains("@")).then(pl.lit("email")).otherwise(pl.lit("national"))
    )
    kinds = dict(mapped.group_by("standard").agg(kind.unique().sort()).iter_rows())
    assert kinds == {
        "OB3": ["email", "hash", "national"],
        "OB2": ["email", "hash"],
        "ELM": ["email", "national"],
    }


def test_moved_awards_left_the_csvs_and_the_share_holds(mapped, csv_awards, truth, entries):
    moved = set(mapped["award_id"])
    assert not moved & set(csv_awards["award_id"])
    assert sum(e["rows"] for e in entries) == len(moved) == round(CF.SHARE * truth["counts"]["awards"])
    assert {"OB3", "OB2", "ELM"} == set(mapped["standard"])


def test_ids_are_the_csv_ids_so_references_resolve(standards, mapped, out, raw):
    learners = set(read_csv(out / "learners.csv")["learner_id"])
    assert set(mapped["learner_id"]) <= learners
    creds = read_csv(out / "credentials.csv")
    providers = read_csv(out / "providers.csv")
    assert set(mapped["credential_id"]) <= set(creds["credential_id"])
    assert set(standards.tables["providers"]["provider_id"]) <= set(providers["provider_id"])
    events = raw["pathway_events"].filter(pl.col("event_type") == "awarded")
    assert set(mapped["award_id"]) <= set(events["award_id"])
    assert raw["verifications"].filter(pl.col("award_id").is_in(mapped["award_id"].implode())).height > 0


def test_specifications_and_issuers_in_the_files_agree_with_the_csvs(standards, out):
    """What the reader derives from the files matches the templates (the build keeps the CSV rows)."""
    creds = read_csv(out / "credentials.csv")
    derived = standards.tables["credentials"].join(creds, on="credential_id", suffix="_csv")
    assert derived.height == standards.tables["credentials"].height
    for column in ("provider_id", "title", "learning_outcomes", "eqf_level", "isced_f_broad",
                   "participation_form"):  # fmt: skip
        assert derived.filter(pl.col(column).ne_missing(pl.col(f"{column}_csv"))).height == 0, column
    ects = derived.select(pl.col("ects", "ects_csv").cast(pl.Float64)).drop_nulls()
    assert ects.height > 0 and (ects["ects"] == ects["ects_csv"]).all()
    providers = read_csv(out / "providers.csv")
    issuers = standards.tables["providers"].join(providers, on="provider_id", suffix="_csv")
    assert issuers.height == standards.tables["providers"].height
    assert (issuers["provider_name"] == issuers["provider_name_csv"]).all()
    assert (issuers["country_code"] == issuers["country_code_csv"]).all()


def test_the_cap_bounds_the_share(frames, monkeypatch):
    awards, ids = frames.tables["awards"], frames.ids
    none = np.empty(0, dtype=np.int64)
    full = CF.choose(awards, ids, none, SEED)
    assert len(full) == round(CF.SHARE * awards.height) and (np.diff(full) > 0).all()
    monkeypatch.setattr(CF, "CAP", 25)
    capped = CF.choose(awards, ids, none, SEED)
    assert len(capped) == 25
