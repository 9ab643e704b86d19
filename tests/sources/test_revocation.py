"""Revocation from lists delivered in the same folder (issue 12 item 8): OB 2.0 RevocationLists named
by the Issuer, OB 3.0 / VC `credentialStatus` status lists (StatusList2021, BitstringStatusList). Lists
are supporting documents, nothing is fetched, and what cannot be resolved is counted in the notes."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import duckdb
import pytest

from pipelines import pseudonymise
from pipelines.sources.discover import discover
from pipelines.sources.standards import read_standards, status
from pipelines.staging.intake import file_report, load_deliveries
from pipelines.staging.stage import QUARANTINE_DDL
from tests.sources.make_fixtures import BADGECLASS, ISSUER, OB2_CONTEXT, assertion, ob3

pytestmark = pytest.mark.unit

VC2 = "https://www.w3.org/ns/credentials/v2"
LIST_2021 = "https://status.example.si/lists/2021"
LIST_BITSTRING = "https://status.example.si/lists/bitstring"


def write(folder: Path, name: str, doc) -> None:
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")


def encoded(revoked: set[int], size: int = 131_072, multibase: bool = False) -> str:
    """A GZIP bitstring of `size` bits with `revoked` set (bit 0 = left-most bit), base64url, no padding."""
    bits = bytearray(size // 8)
    for i in revoked:
        bits[i // 8] |= 0x80 >> (i % 8)
    text = base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")
    return ("u" + text) if multibase else text


def status_list(list_id: str, kind: str, text: str, purpose: str = "revocation") -> dict:
    subject_type = kind.removesuffix("Credential")
    return {
        "@context": [VC2],
        "id": list_id,
        "type": ["VerifiableCredential", kind],
        "issuer": "https://skills.example.si/issuer",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{list_id}#list",
            "type": subject_type,
            "statusPurpose": purpose,
            "encodedList": text,
        },
    }


def entry(list_id: str, index, kind: str = "BitstringStatusListEntry", purpose: str = "revocation") -> dict:
    return {
        "id": f"{list_id}#{index}",
        "type": kind,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_id,
    }


def statuses(delivery) -> dict[str, str]:
    awards = delivery.tables["awards"]
    return dict(zip(awards["award_id"].to_list(), awards["status"].to_list(), strict=True))


def notes_of(delivery) -> dict[str, list[str]]:
    return {f.name: f.notes for f in delivery.files}


def test_bitstring_is_read_left_to_right_and_multibase_is_accepted():
    bits = status.decode_bits(encoded({0, 9, 131_071}))
    assert bits is not None and len(bits) == 16_384
    assert [status.bit(bits, i) for i in (0, 1, 8, 9, 131_071)] == [1, 0, 0, 1, 1]
    assert status.bit(bits, 131_072) is None and status.bit(bits, -1) is None
    assert status.decode_bits(encoded({5}, multibase=True)) == status.decode_bits(encoded({5}))
    assert status.decode_bits("not a bitstring!") is None and status.decode_bits(None) is None


def test_a_bitstring_decoding_past_the_cap_is_unreadable(monkeypatch):
    monkeypatch.setattr(status, "MAX_BITSTRING_BYTES", 1024)
    assert status.decode_bits(encoded(set(), size=8 * 2048)) is None
    assert status.decode_bits(encoded(set(), size=8 * 1024)) is not None


def test_ob3_status_lists_revoke_and_unresolved_lists_are_counted(tmp_path):
    creds = [
        ob3("urn:uuid:sl-revoked", credentialStatus=entry(LIST_2021, 3, "StatusList2021Entry")),
        ob3("urn:uuid:sl-valid", credentialStatus=entry(LIST_2021, 4, "StatusList2021Entry")),
        ob3("urn:uuid:bs-revoked", credentialStatus=[entry(LIST_BITSTRING, 131_000)]),
        ob3("urn:uuid:bs-suspended", credentialStatus=entry(LIST_BITSTRING, 7, purpose="suspension")),
        ob3("urn:uuid:bs-outside", credentialStatus=entry(LIST_BITSTRING, 200_000)),
        ob3("urn:uuid:missing-list", credentialStatus=entry("https://status.example.si/elsewhere", 1)),
        ob3(
            "urn:uuid:other-kind",
            credentialStatus={"id": "https://x.example/r", "type": "1EdTechRevocationList"},
        ),
        ob3("urn:uuid:no-status"),
    ]
    write(tmp_path, "credentials.json", creds)
    # the lists come after the credentials they cover in the walk order, one of them as a multibase value
    write(tmp_path, "z_list_2021.json", status_list(LIST_2021, "StatusList2021Credential", encoded({3})))
    bitstring = encoded({7, 131_000}, multibase=True)
    write(
        tmp_path,
        "z_list_bitstring.json",
        status_list(LIST_BITSTRING, "BitstringStatusListCredential", bitstring),
    )
    d = read_standards([tmp_path], tmp_path)
    assert d.quarantine == []
    assert statuses(d) == {
        "urn:uuid:sl-revoked": "revoked",
        "urn:uuid:sl-valid": "issued",
        "urn:uuid:bs-revoked": "revoked",
        "urn:uuid:bs-suspended": "issued",
        "urn:uuid:bs-outside": "issued",
        "urn:uuid:missing-list": "issued",
        "urn:uuid:other-kind": "issued",
        "urn:uuid:no-status": "issued",
    }
    notes = notes_of(d)["credentials.json"]
    for note in (
        status.REVOKED_NOTE,
        status.PURPOSE_NOTE,
        status.RANGE_NOTE,
        status.UNRESOLVED_NOTE,
        status.ENTRY_NOTE,
    ):
        count = 2 if note == status.REVOKED_NOTE else 1
        assert f"{count} {note}" in notes, notes
    for name in ("z_list_2021.json", "z_list_bitstring.json"):
        (f,) = [f for f in d.files if f.name == name]
        assert (f.status, f.records_in, f.supporting_documents) == ("parsed", 0, 1)
        assert f"1 {status.LIST_NOTE}" in f.notes


def test_an_unreadable_status_list_leaves_the_status_issued(tmp_path):
    write(tmp_path, "cred.json", ob3("urn:uuid:garbled", credentialStatus=entry(LIST_2021, 3)))
    write(tmp_path, "list.json", status_list(LIST_2021, "StatusList2021Credential", "H4sI-garbled"))
    d = read_standards([tmp_path], tmp_path)
    assert statuses(d) == {"urn:uuid:garbled": "issued"}
    assert f"1 {status.UNREADABLE_NOTE}" in notes_of(d)["cred.json"]


def test_ob2_revocation_list_named_by_the_issuer(tmp_path):
    list_id = "https://badges.example.org/revocations"
    write(tmp_path, "issuer.json", {**ISSUER, "revocationList": list_id})
    write(tmp_path, "badgeclass.json", BADGECLASS)
    write(
        tmp_path,
        "revocations.json",
        {
            "@context": OB2_CONTEXT,
            "id": list_id,
            "type": "RevocationList",
            "issuer": ISSUER["id"],
            "revokedAssertions": [
                "urn:uuid:ob2-by-id",
                {"uid": "uid-77", "revocationReason": "Issued in error"},
                {"id": "urn:uuid:ob2-by-object"},
            ],
        },
    )
    badge = BADGECLASS["id"]
    write(
        tmp_path,
        "assertions.json",
        [
            assertion("urn:uuid:ob2-by-id", badge),
            assertion("urn:uuid:ob2-by-uid", badge, uid="uid-77"),
            assertion("urn:uuid:ob2-by-object", badge),
            assertion("urn:uuid:ob2-flagged", badge, revoked=True),
            assertion("urn:uuid:ob2-valid", badge, uid="uid-78"),
        ],
    )
    d = read_standards([tmp_path], tmp_path)
    assert d.quarantine == []
    assert statuses(d) == {
        "urn:uuid:ob2-by-id": "revoked",
        "urn:uuid:ob2-by-uid": "revoked",
        "urn:uuid:ob2-by-object": "revoked",
        "urn:uuid:ob2-flagged": "revoked",
        "urn:uuid:ob2-valid": "issued",
    }
    assert any(n.startswith("4 assertion(s) revoked") for n in notes_of(d)["assertions.json"])
    (rl,) = [f for f in d.files if f.name == "revocations.json"]
    assert (rl.status, rl.records_in, rl.supporting_documents) == ("parsed", 0, 1)


def test_ob2_revocation_list_not_in_the_delivery_is_counted(tmp_path):
    write(tmp_path, "issuer.json", {**ISSUER, "revocationList": "https://badges.example.org/absent"})
    write(tmp_path, "badgeclass.json", BADGECLASS)
    write(tmp_path, "assertion.json", assertion("urn:uuid:ob2-unknown", BADGECLASS["id"]))
    d = read_standards([tmp_path], tmp_path)
    assert statuses(d) == {"urn:uuid:ob2-unknown": "issued"}
    notes = notes_of(d)["assertion.json"]
    assert any(n.startswith("1 assertion(s) whose issuer names a revocation list") for n in notes), notes


def test_list_files_are_supporting_documents_in_the_file_report(tmp_path):
    write(tmp_path, "cred.json", ob3("urn:uuid:staged-revoked", credentialStatus=entry(LIST_BITSTRING, 2)))
    write(tmp_path, "list.json", status_list(LIST_BITSTRING, "BitstringStatusListCredential", encoded({2})))
    write(
        tmp_path,
        "revocations.json",
        {
            "@context": OB2_CONTEXT,
            "id": "https://x.example/rl",
            "type": "RevocationList",
            "revokedAssertions": [],
        },
    )
    con = duckdb.connect()
    pseudonymise.register(con, b"k" * 32)
    con.execute("set variable cutoff = '2025-12-31'::date")
    con.execute(QUARANTINE_DDL)
    report = load_deliveries(
        con,
        discover(tmp_path),
        lambda _m: None,
        root=tmp_path,
        skip_references=frozenset({"learners", "regions", "qualifications"}),
    )
    files = {r["source_file"]: r for r in file_report(con, report).to_dicts()}
    assert {n: r["status"] for n, r in files.items()} == {
        "cred.json": "loaded",
        "list.json": "supporting documents",
        "revocations.json": "supporting documents",
    }
    assert con.execute("select count(*) from quarantine").fetchone() == (0,)
    assert con.execute("select award_id, status from stg_awards").fetchall() == [
        ("urn:uuid:staged-revoked", "revoked")
    ]
