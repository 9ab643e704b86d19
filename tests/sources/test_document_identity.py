"""Document-scoped identity: every field of an award comes from its own document.

Document-local ids (ELM `urn:epass:*`, blank nodes, relative ids, no id at all) are scoped to their
file; a specification id reused by another issuer is kept apart per issuer; the same credential
delivered twice is loaded once; one id with two different contents is kept aside, both files named.
Fixtures are written here, in tmp_path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.sources.standards import read_standards
from pipelines.sources.standards.mapping import is_local_id
from tests.sources.make_fixtures import ELM_CONTEXT, PROOF, ob3

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
ALPHA3 = {"AT": "AUT", "FR": "FRA"}


def elm(cid: str, body_name: str, country: str, title: str) -> dict:
    """An ELM credential whose awarding body and specification carry the Commission-style local ids."""
    return {
        "@context": ELM_CONTEXT,
        "id": cid,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "issuer": {"id": "urn:epass:org:1", "type": "Organisation", "legalName": {"en": body_name}},
        "issued": "2024-05-01T10:00:00Z",
        "credentialSubject": {
            "id": "urn:epass:person:1",
            "type": "Person",
            "nationalID": {"notation": cid[-4:], "spatial": {"id": f"http://eu/country/{ALPHA3[country]}"}},
            "hasClaim": [
                {
                    "id": "urn:epass:learningAchievement:1",
                    "type": "LearningAchievement",
                    "title": {"en": title},
                    "awardedBy": {
                        "type": "AwardingProcess",
                        "awardingBody": [
                            {
                                "id": "urn:epass:org:1",
                                "type": "Organisation",
                                "legalName": {"en": body_name},
                                "location": [
                                    {
                                        "type": "Location",
                                        "address": [
                                            {
                                                "type": "Address",
                                                "countryCode": {
                                                    "id": "http://publications.europa.eu/resource/"
                                                    f"authority/country/{ALPHA3[country]}"
                                                },
                                            }
                                        ],
                                    }
                                ],
                            }
                        ],
                    },
                    "specifiedBy": {
                        "id": "urn:epass:learningAchievementSpec:1",
                        "type": "LearningAchievementSpecification",
                        "title": {"en": title},
                    },
                }
            ],
        },
    }


def write(folder: Path, name: str, doc) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")


def by(frame, column: str, value: str) -> dict:
    rows = frame.filter(frame[column] == value).to_dicts()
    assert len(rows) == 1, (column, value, len(rows))
    return rows[0]


@pytest.mark.parametrize(
    ("value", "local"),
    [
        ("urn:epass:org:1", True),
        ("URN:EPASS:person:7", True),
        ("_:b0", True),
        ("#issuer", True),
        ("./badge.json", True),
        ("../badge.json", True),
        ("/issuers/1", True),
        ("https://uni.example.nl/issuer", False),
        ("urn:uuid:5300c688-6bfc-498a-a976-230af55b5ca6", False),
        ("did:web:example.org", False),
        ("PRV0042", False),  # an issuer's own identifier (the CSV templates use these)
        ("//cdn.example.org/x", False),
    ],
)
def test_local_ids(value, local):
    assert is_local_id(value) is local


def test_elm_local_ids_keep_their_own_awarding_body_and_country(tmp_path):
    write(
        tmp_path, "vienna.jsonld", elm("urn:credential:aaaa-0001", "Cyber Academy Vienna", "AT", "Security")
    )
    write(tmp_path, "lyon.jsonld", elm("urn:credential:bbbb-0002", "Lycée Pro Lyon", "FR", "Soudure"))
    d = read_standards([tmp_path], tmp_path)
    awards, providers, creds = d.tables["awards"], d.tables["providers"], d.tables["credentials"]
    assert awards.height == 2 and providers.height == 2 and creds.height == 2
    for file, award_id, name, country, title in (
        ("vienna.jsonld", "urn:credential:aaaa-0001", "Cyber Academy Vienna", "AT", "Security"),
        ("lyon.jsonld", "urn:credential:bbbb-0002", "Lycée Pro Lyon", "FR", "Soudure"),
    ):
        award = by(awards, "award_id", award_id)
        cred = by(creds, "credential_id", award["credential_id"])
        assert cred["credential_id"] == f"{file}#urn:epass:learningAchievementSpec:1"
        assert (cred["title"], cred["provider_id"]) == (title, f"{file}#urn:epass:org:1")
        provider = by(providers, "provider_id", cred["provider_id"])
        assert (provider["provider_name"], provider["country_code"]) == (name, country)
        annex = by(d.annex, "award_id", award_id)
        assert annex["issuer_country"] == country
    notes = {f.name: f.notes for f in d.files}
    assert all(any("scoped to this file" in n for n in ns) for ns in notes.values()), notes


def test_identical_redelivery_is_loaded_once(tmp_path):
    doc = ob3("urn:uuid:same-0001")
    write(tmp_path, "a/first.json", doc)
    write(tmp_path, "b/again_signed.json", {**doc, "proof": PROOF})  # same content, now signed
    d = read_standards([tmp_path], tmp_path)
    assert d.tables["awards"]["award_id"].to_list() == ["urn:uuid:same-0001"]
    assert d.tables["awards"]["source_file"].to_list() == ["a/first.json"]
    (q,) = d.quarantine
    assert (q["source_file"], q["reason_code"]) == ("b/again_signed.json", "duplicate_key")
    assert "a/first.json" in q["detail"] and "same content hash" in q["detail"]
    again = {f.name: f for f in d.files}["b/again_signed.json"]
    assert (again.records_in, again.records_loaded, again.records_quarantined) == (1, 0, 1)


def test_one_id_with_two_contents_is_kept_aside_with_both_files_named(tmp_path):
    write(tmp_path, "one.json", ob3("urn:uuid:clash-0001"))
    write(tmp_path, "two.json", ob3("urn:uuid:clash-0001", validFrom="2023-01-01T00:00:00Z"))
    write(tmp_path, "three.json", ob3("urn:uuid:other-0003"))
    d = read_standards([tmp_path], tmp_path)
    assert d.tables["awards"]["award_id"].to_list() == ["urn:uuid:other-0003"]
    clash = sorted((q["source_file"], q["reason_code"], q["detail"]) for q in d.quarantine)
    assert [(f, c) for f, c, _ in clash] == [
        ("one.json", "conflicting_values"),
        ("two.json", "conflicting_values"),
    ]
    for _f, _c, detail in clash:
        assert "one.json" in detail and "two.json" in detail
    for f in d.files:
        assert f.records_in == f.records_loaded + f.records_quarantined == 1
    assert d.annex.height == 1 and d.annex["award_id"].to_list() == ["urn:uuid:other-0003"]


def test_specification_never_comes_from_an_earlier_file_of_another_issuer(tmp_path):
    achievement = {"id": "https://example.com/achievements/teamwork", "type": ["Achievement"]}

    def issued_by(cid: str, issuer: str, title: str) -> dict:
        subject = {
            "id": f"did:example:{cid[-4:]}",
            "type": ["AchievementSubject"],
            "achievement": {**achievement, "name": title},
        }
        return ob3(cid, subject=subject, issuer={"id": issuer, "type": ["Profile"], "name": issuer[-5:]})

    write(tmp_path, "a.json", issued_by("urn:uuid:x-0001", "https://one.example/issuer", "Teamwork (one)"))
    write(tmp_path, "b.json", issued_by("urn:uuid:x-0002", "https://two.example/issuer", "Teamwork (two)"))
    write(tmp_path, "c.json", issued_by("urn:uuid:x-0003", "https://one.example/issuer", "Teamwork (one)"))
    d = read_standards([tmp_path], tmp_path)
    creds = d.tables["credentials"]
    for award_id, issuer, title in (
        ("urn:uuid:x-0001", "https://one.example/issuer", "Teamwork (one)"),
        ("urn:uuid:x-0002", "https://two.example/issuer", "Teamwork (two)"),
        ("urn:uuid:x-0003", "https://one.example/issuer", "Teamwork (one)"),
    ):
        award = by(d.tables["awards"], "award_id", award_id)
        cred = by(creds, "credential_id", award["credential_id"])
        assert (cred["provider_id"], cred["title"]) == (issuer, title)
    assert creds.height == 2


def test_absent_specification_ids_are_scoped_to_their_file(tmp_path):
    subject = {"id": "did:example:1", "type": ["AchievementSubject"], "achievement": {"name": "Welding"}}
    write(tmp_path, "x.json", ob3("urn:uuid:n-0001", subject=subject))
    write(tmp_path, "y.json", ob3("urn:uuid:n-0002", subject={**subject, "id": "did:example:2"}))
    d = read_standards([tmp_path], tmp_path)
    ids = d.tables["awards"]["credential_id"].to_list()
    assert len(set(ids)) == 2 and all(i.startswith("urn:mco:credential:") for i in ids)
    again = read_standards([tmp_path], tmp_path).tables["awards"]["credential_id"].to_list()
    assert again == ids  # stable


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples is not here (fresh clone)")
def test_commission_sample_keeps_its_own_awarding_body():
    """`urn:epass:org:1` in the Commission's certificate of participation is its own body, whatever
    else the folder holds."""
    d = read_standards([SAMPLES / "europass"], SAMPLES)
    name = "europass/Sample-CertOfPart-unsigned.jsonld"
    creds, providers = d.tables["credentials"], d.tables["providers"]
    award = by(d.tables["awards"], "source_file", name)
    cred = by(creds, "credential_id", award["credential_id"])
    assert cred["credential_id"].startswith(name + "#")
    assert cred["provider_id"] == f"{name}#urn:epass:org:1"
    provider = by(providers, "provider_id", cred["provider_id"])
    other = by(d.tables["awards"], "source_file", "europass/mynextid-edc-mc-example.json")
    other_provider = by(
        providers, "provider_id", by(creds, "credential_id", other["credential_id"])["provider_id"]
    )
    assert other_provider["provider_id"] != provider["provider_id"]
    assert (other_provider["provider_name"], other_provider["country_code"]) == ("NETIS d.o.o.", "SI")
    assert provider["provider_name"] != "NETIS d.o.o."
    assert by(d.annex, "award_id", award["award_id"])["issuer_country"] == provider["country_code"]
