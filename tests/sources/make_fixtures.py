"""Write the reader fixtures in tests/sources/fixtures (run by hand after changing one; tests read the files).

Every fixture is invented for these tests (no third-party sample is copied). Tokens are built here so
their payloads stay readable; signatures are dummies because readers never verify them.

    python tests/sources/make_fixtures.py
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

OUT = Path(__file__).parent / "fixtures"
OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
ELM_CONTEXT = ["https://www.w3.org/2018/credentials/v1", "http://data.europa.eu/snb/model/context/edc-ap"]
PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "proofPurpose": "assertionMethod",
    "verificationMethod": "https://uni.example.nl/issuer#key-1",
    "proofValue": "z4dummy",
}


def b64(data: dict | str) -> str:
    raw = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()


def jwt(payload: dict, alg: str = "ES256") -> str:
    return f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(payload)}.{b64('dummy-signature')}"


def write(rel: str, content: str | bytes | dict | list) -> None:
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, (dict, list)):
        content = json.dumps(content, indent=2, ensure_ascii=False) + "\n"
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)


def ob3(cid: str, *, subject: dict | None = None, **fields) -> dict:
    """A small valid OB3 credential; keyword arguments override or add top-level fields."""
    doc = {
        "@context": OB3_CONTEXT,
        "id": cid,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "https://skills.example.si/issuer",
            "type": ["Profile"],
            "name": "Skills Lab d.o.o.",
            "address": {"type": ["Address"], "addressCountryCode": "SI"},
        },
        "validFrom": "2024-04-02T08:15:00Z",
        "name": "Team Leadership",
        "credentialSubject": subject
        or {
            "id": f"did:example:{cid.rsplit(':', 1)[-1]}",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://skills.example.si/achievements/lead",
                "type": ["Achievement"],
                "name": "Team Leadership",
                "criteria": {"narrative": "Lead a team project."},
            },
        },
    }
    doc.update(fields)
    return doc


OB3_FULL = {
    "@context": OB3_CONTEXT,
    "id": "urn:uuid:ob3-full-0001",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Applied Data Analysis (badge)",
    "issuer": {
        "id": "https://uni.example.nl/issuer",
        "type": ["Profile"],
        "name": "Voorbeeld Hogeschool",
        "address": {"type": ["Address"], "addressCountryCode": "NL"},
    },
    "validFrom": "2024-03-01T09:00:00Z",
    "awardedDate": "2024-02-29T23:30:00-01:00",
    "validUntil": "2029-02-28T00:00:00Z",
    "credentialSubject": {
        "id": "did:example:learner-0001",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://uni.example.nl/achievements/ada",
            "type": ["Achievement"],
            "name": "Applied Data Analysis",
            "description": "Short course in applied data analysis.",
            "achievementType": "MicroCredential",
            "criteria": {"id": "https://uni.example.nl/courses/ada", "narrative": "Pass the written exam."},
            "creditsAvailable": 4,
            "fieldOfStudy": "0542",
            "image": {
                "id": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ",
                "type": "Image",
            },
            "creator": {
                "id": "https://employer.example.com",
                "type": ["Profile"],
                "name": "Data Employer BV",
            },
            "alignment": [
                {
                    "type": ["Alignment"],
                    "targetType": "ext:ESCO",
                    "targetName": "analyse big data",
                    "targetUrl": "http://data.europa.eu/esco/skill/00000000-aaaa-4aaa-8aaa-000000000001",
                },
                {
                    "type": ["Alignment"],
                    "targetType": "ceasn:Competency",
                    "targetName": "Interpret statistical results",
                    "targetUrl": "https://uni.example.nl/outcomes/2",
                },
                {
                    "type": ["Alignment"],
                    "targetType": "ext:EQF",
                    "targetName": "EQF level 5",
                    "targetUrl": "http://data.europa.eu/snb/eqf/5",
                },
                {
                    "type": ["Alignment"],
                    "targetType": "ext:QualityAssurance",
                    "targetName": "Accredited by NVAO",
                    "targetUrl": "https://www.nvao.example",
                },
            ],
            "ext:participationForm": "Blended learning",
            "ext:assessmentType": "Written exam",
            "ext:idVerification": "Supervised onsite with identity verification",
            "ext:prerequisites": "Basic statistics",
            "ext:stackability": "Stackable towards the Master Data Science",
            "ext:volumeOfLearning": "PT100H",
        },
        "result": [{"type": ["Result"], "value": "8.5"}],
    },
    "proof": PROOF,
}

OB3_VC11 = {
    "@context": [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    ],
    "id": "urn:uuid:ob3-v11-0002",
    "type": ["VerifiableCredential", "AchievementCredential"],
    "issuer": "https://academy.example.de/profile",
    "issuanceDate": "2023-05-04T10:11:12.345Z",
    "expirationDate": "2025-05-04",
    "name": "Cloud Basics",
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": "sha256$5a1e0c1f00000000000000000000000000000000000000000000000000000002",
                "salt": "pepper",
            }
        ],
        "achievement": {
            "type": ["Achievement"],
            "name": "Cloud Basics",
            "criteria": {"narrative": "Attend."},
        },
    },
}

JWT_PAYLOAD = {
    "vc": {
        "@context": OB3_CONTEXT,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Welding Safety",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://weld.example.fr/achievements/safety",
                "type": ["Achievement"],
                "name": "Welding Safety",
                "achievementType": "Certificate",
            },
        },
    },
    "iss": "https://weld.example.fr/issuer",
    "jti": "urn:uuid:ob3-jwt-0003",
    "nbf": 1700000000,
    "sub": "did:example:jwt-learner",
}

BADGECLASS = {
    "@context": OB2_CONTEXT,
    "type": "BadgeClass",
    "id": "https://badges.example.org/badges/first-aid",
    "name": "First Aid at Work",
    "description": "Provides first aid in the workplace.",
    "image": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ",
    "criteria": {
        "id": "https://badges.example.org/badges/first-aid/criteria",
        "narrative": "Pass the practical.",
    },
    "issuer": "https://badges.example.org/issuer",
    "alignment": [
        {
            "targetName": "provide first aid",
            "targetUrl": "http://data.europa.eu/esco/skill/00000000-bbbb-4bbb-8bbb-000000000002",
        },
        {
            "targetName": "EQF 3",
            "targetFramework": "European Qualifications Framework (EQF)",
            "targetCode": "3",
        },
    ],
    "tags": ["first aid", "safety"],
}
ISSUER = {
    "@context": OB2_CONTEXT,
    "type": "Issuer",
    "id": "https://badges.example.org/issuer",
    "name": "Red Cross Training Centre",
    "url": "https://badges.example.org",
    "address": {"type": "PostalAddress", "addressCountry": "BE"},
}


def assertion(aid: str, badge, recipient: dict | None = None, **fields) -> dict:
    doc = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": aid,
        "recipient": recipient or {"type": "email", "hashed": False, "identity": "Learner@Example.org"},
        "badge": badge,
        "issuedOn": "2021-06-01T12:00:00+02:00",
        "verification": {"type": "hosted"},
    }
    doc.update(fields)
    return doc


def lm(en: str | None = None, **others: str) -> dict:
    """A language map with the other languages first, so "prefer en" is really tested."""
    out = dict(others)
    if en is not None:
        out["en"] = en
    return out


def concept(label_map: dict, cid: str | None = None) -> dict:
    doc = {"type": "Concept", "prefLabel": label_map}
    if cid:
        doc["id"] = cid
    return doc


AUSTRIA = "http://publications.europa.eu/resource/authority/country/AUT"
ELM_PLAIN = {
    "@context": ELM_CONTEXT,
    "id": "urn:credential:elm-plain-0001",
    "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
    "issuer": {
        "id": "urn:epass:org:sealing-service",
        "type": "Organisation",
        "legalName": lm("Sealing Service OÜ"),
        "location": {
            "type": "Location",
            "address": {
                "type": "Address",
                "countryCode": concept(
                    lm("Estonia"), "http://publications.europa.eu/resource/authority/country/EST"
                ),
            },
        },
    },
    "issuanceDate": "2024-09-20T10:00:00Z",
    "issued": "2024-09-20T10:00:00Z",
    "validFrom": "2024-09-20T10:00:00Z",
    "credentialSubject": {
        "id": "urn:epass:person:1",
        "type": "Person",
        "fullName": lm("Alex Example"),
        "nationalID": {
            "type": "LegalIdentifier",
            "notation": "1234567890",
            "spatial": concept(lm("Austria"), AUSTRIA),
        },
        "contactPoint": {"type": "ContactPoint", "emailAddress": {"id": "mailto:alex@example.at"}},
        "hasClaim": {
            "id": "urn:epass:learningAchievement:1",
            "type": "LearningAchievement",
            "title": lm("Cyber Security Essentials (achievement)", de="Cybersicherheit (Leistung)"),
            "awardedBy": {
                "type": "AwardingProcess",
                "awardingDate": "2024-09-15T14:00:00+02:00",
                "awardingBody": {
                    "id": "urn:epass:org:cyber-academy-vienna",
                    "type": "Organisation",
                    "legalName": lm("Cyber Academy Vienna", de="Cyber Akademie Wien"),
                    "logo": {
                        "type": "MediaObject",
                        "content": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ",
                    },
                    "location": {
                        "type": "Location",
                        "address": {"type": "Address", "countryCode": concept(lm("Austria"), AUSTRIA)},
                    },
                },
            },
            "provenBy": {
                "type": "LearningAssessment",
                "title": lm("Final assessment"),
                "grade": {"type": "Note", "noteLiteral": lm("Very good", de="Sehr gut")},
                "idVerification": concept(lm("Supervised with no identity verification")),
                "specifiedBy": {
                    "type": "LearningAssessmentSpecification",
                    "dcType": concept(lm("Oral examination", de="Mündliche Prüfung")),
                },
            },
            "specifiedBy": {
                "id": "urn:epass:qualification:cyber-101",
                "type": "Qualification",
                "title": lm("Cyber Security Essentials", de="Grundlagen der Cybersicherheit"),
                "description": lm("Eight-week course on security basics."),
                "learningOutcome": [
                    {
                        "type": "LearningOutcome",
                        "title": lm("Identify common threats", de="Bedrohungen erkennen"),
                        "relatedESCOSkill": [
                            {"id": "http://data.europa.eu/esco/skill/00000000-cccc-4ccc-8ccc-000000000003"},
                            {"id": "urn:epass:relatedESCOSkill:local-id-is-not-an-esco-uri"},
                        ],
                    },
                    {"type": "LearningOutcome", "title": lm("Apply basic system hardening")},
                ],
                "creditPoint": {
                    "type": "CreditPoint",
                    "point": "3",
                    "framework": concept(lm("ECTS"), "http://data.europa.eu/snb/education-credit/6fcec5c5af"),
                },
                "volumeOfLearning": "PT75H",
                "eqfLevel": concept(lm("Level 4"), "http://data.europa.eu/snb/eqf/4"),
                "mode": concept(
                    lm("Blended", de="Gemischt"), "http://data.europa.eu/snb/learning-setting/blended"
                ),
                "thematicArea": concept(
                    lm("Database and network design"), "http://data.europa.eu/snb/isced-f/0612"
                ),
                "entryRequirement": {"type": "Note", "noteLiteral": lm("Basic IT literacy")},
                "isPartialQualification": True,
                "hasAccreditation": {"type": "Accreditation", "id": "urn:epass:accreditation:aq-austria"},
                "homepage": {"type": "WebResource", "contentURL": "https://cyber.example.at/course"},
            },
        },
    },
    "displayParameter": {
        "individualDisplay": {
            "displayDetail": {"image": {"content": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ" * 20}}
        }
    },
}

ELM_UPLOADABLE = {
    "credential": {
        "@context": ELM_CONTEXT,
        "id": "urn:credential:elm-upload-0002",
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "issuer": {
            "id": "urn:epass:org:lycee-pro-lyon",
            "type": "Organisation",
            "legalName": {"fr": "Lycée professionnel de Lyon"},
            "location": {
                "address": {
                    "countryCode": {"id": "http://publications.europa.eu/resource/authority/country/FRA"}
                }
            },
        },
        "issued": "2024-01-10",
        "credentialSubject": {
            "id": "urn:epass:person:7",
            "type": "Person",
            "contactPoint": [{"emailAddress": [{"id": "mailto:Marie.Dupont@Example.fr"}]}],
            "hasClaim": [
                {"id": "urn:epass:learningActivity:1", "type": "LearningActivity", "title": {"fr": "Stage"}},
                {
                    "id": "urn:epass:learningAchievement:1",
                    "type": "LearningAchievement",
                    "title": {"fr": "Soudure niveau 1", "es": "Soldadura nivel 1"},
                    "specifiedBy": {
                        "id": "urn:epass:learningAchievementSpec:soudure-1",
                        "type": "LearningAchievementSpecification",
                        "title": {"fr": "Soudure niveau 1", "es": "Soldadura nivel 1"},
                        "dcType": {"prefLabel": {"fr": "Validation des acquis de l'expérience (VPL)"}},
                        "learningOutcome": {"title": {"fr": "Souder à l'arc"}},
                        "creditPoint": [
                            {"framework": {"prefLabel": {"fr": "Crédits locaux"}}, "point": "12"}
                        ],
                        "volumeOfLearning": "P2DT4H",
                        "eqfLevel": {"prefLabel": {"en": "Level 3"}},
                        "mode": {"prefLabel": {"fr": "online"}},
                    },
                },
            ],
        },
    }
}

ELM_SIGNED_INNER = {**ELM_PLAIN, "id": "urn:credential:elm-signed-0003"}


def deep_document(levels: int) -> str:
    return (
        '{"@context": "x", "type": "OpenBadgeCredential", "extra": '
        + '{"a": ' * levels
        + "1"
        + "}" * levels
        + "}"
    )


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    # --- Open Badges 3.0
    write("ob3/ob3_full.json", OB3_FULL)
    write("ob3/ob3_vc11.jsonld", OB3_VC11)
    write("ob3/ob3.jwt", jwt(JWT_PAYLOAD) + "\n")
    write(
        "ob3/array.json",
        [
            ob3(
                "urn:uuid:arr-1",
                validFrom="2022-01-15T08:00:00",
                issuer={
                    "id": "https://berufsschule.example.de",
                    "type": ["Profile"],
                    "name": "Berufsschule Köln",
                    "address": {"addressCountryCode": "DEU"},
                },
            ),
            ob3("urn:uuid:arr-2", validFrom="2022-02-01"),
            jwt({**JWT_PAYLOAD, "jti": "urn:uuid:arr-3-jwt"}),
        ],
    )
    lines = [
        json.dumps(ob3("urn:uuid:nd-1")),
        "",
        jwt({**JWT_PAYLOAD, "jti": "urn:uuid:nd-3-jwt"}),
        '{"id": "urn:uuid:nd-broken", "type": ',
        json.dumps(ob3("urn:uuid:nd-5", type=["VerifiableCredential", "OtherCredential"])),
        json.dumps(ob3("urn:uuid:nd-6", validFrom="2024-13-45")),
        json.dumps(
            ob3(
                "urn:uuid:nd-7",
                subject={
                    "type": ["AchievementSubject"],
                    "achievement": {"id": "https://skills.example.si/a/x"},
                },
            )
        ),
        json.dumps(ob3("urn:uuid:nd-8", validFrom="2024-06-30T23:59:59+05:30")),
    ]
    write("ob3/batch.ndjson", "\n".join(lines) + "\n")
    write("ob3/folder/one.json", ob3("urn:uuid:folder-1"))
    write("ob3/folder/sub/two.json", ob3("urn:uuid:folder-2"))
    write("ob3/folder/.hidden.json", ob3("urn:uuid:folder-hidden"))
    svg_json = json.dumps(ob3("urn:uuid:svg-1"), indent=2)
    write(
        "ob3/baked.svg",
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" '
        'viewBox="0 0 10 10">\n  <openbadges:credential>\n    <![CDATA[\n' + svg_json + "\n    ]]>\n"
        '  </openbadges:credential>\n  <circle cx="5" cy="5" r="4"/>\n</svg>\n',
    )
    # --- Open Badges 2.0
    write(
        "ob2/assertion_hosted.json",
        assertion(
            "https://badges.example.org/assertions/1",
            "https://badges.example.org/badges/first-aid",
            expires="2024-06-01T12:00:00+02:00",
            image="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ",
        ),
    )
    write("ob2/assets/badgeclass.json", BADGECLASS)
    write("ob2/assets/issuer.json", ISSUER)
    embedded = {k: v for k, v in BADGECLASS.items() if k != "@context"}
    embedded.update(
        id="https://other.example.org/badges/forklift",
        name="Forklift Operation",
        issuer={
            "type": "Issuer",
            "id": "https://other.example.org/issuer",
            "name": "Logistics Academy",
            "address": {"addressCountryCode": "PT"},
        },
        alignment=[],
        tags=["RPL"],
    )
    write(
        "ob2/assertion_embedded.json",
        assertion(
            "urn:uuid:ob2-embedded-2",
            embedded,
            recipient={
                "type": "email",
                "hashed": True,
                "salt": "s",
                "identity": "sha256$1111111111111111111111111111111111111111111111111111111111111111",
            },
            issuedOn=1609459200,
        ),
    )
    write(
        "ob2/assertion_unresolved.json",
        assertion("urn:uuid:ob2-unresolved-3", "https://elsewhere.example.net/badges/x"),
    )
    write(
        "ob2/signed.jwt",
        jwt(
            assertion(
                "urn:uuid:ob2-signed-4",
                "https://badges.example.org/badges/first-aid",
                verification={"type": "signed"},
            ),
            alg="RS256",
        )
        + "\n",
    )
    # --- European Learning Model v3
    write("elm/elm_plain.jsonld", ELM_PLAIN)
    write("elm/elm_uploadable.json", ELM_UPLOADABLE)
    write(
        "elm/elm_signed.json",
        {
            "payload": b64(ELM_SIGNED_INNER),
            "signatures": [{"protected": b64({"alg": "RS256"}), "signature": "ZHVtbXk"}],
        },
    )
    # --- bad input
    write("bad/empty.json", b"")
    write("bad/bom.json", b"\xef\xbb\xbf" + json.dumps(ob3("urn:uuid:bom-1")).encode())
    write(
        "bad/url_line.json",
        "https://badges.example.org/credentials/77\n" + json.dumps(ob3("urn:uuid:url-1"), indent=2),
    )
    write(
        "bad/comments.json",
        """{
  // exported by a badge platform
  "@context": ["https://www.w3.org/ns/credentials/v2"], /* block
  comment */
  "id": "urn:uuid:comments-1",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "issuer": {"id": "https://skills.example.si/issuer", "name": "Skills Lab d.o.o.",},
  "validFrom": "2024-04-02T08:15:00Z",
  "credentialSubject": {"id": "did:example:comments", "achievement": {"id": "https://skills.example.si/a/c",
    "name": "Comment tolerance", "description": "a // inside a string is kept"},},
}
""",
    )
    full_text = json.dumps(ob3("urn:uuid:truncated-1"), indent=2)
    write("bad/truncated.json", full_text[: len(full_text) // 2])
    write("bad/malformed.json", '{\n  "id": "urn:uuid:malformed-1"\n  "type": ["VerifiableCredential"]\n}\n')
    write(
        "bad/wrong_type.json", ob3("urn:uuid:wrong-type-1", type=["VerifiableCredential", "OtherCredential"])
    )
    write("bad/bad_date.json", ob3("urn:uuid:bad-date-1", validFrom="2023-02-30T10:00:00Z"))
    write(
        "bad/no_learner.json",
        ob3(
            "urn:uuid:no-learner-1",
            subject={
                "type": ["AchievementSubject"],
                "achievement": {"id": "https://skills.example.si/a/y", "name": "Y"},
            },
        ),
    )
    write("bad/deep.json", deep_document(100))
    write("bad/readme.md", "# Not a credential\n")
    write(
        "bad/edci.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<europassCredential '
        'xmlns="http://data.europa.eu/europass/model/credentials#" id="urn:credential:edci-1">\n'
        "  <identifier>x</identifier>\n</europassCredential>\n",
    )
    write("bad/header_only.jwt", b64({"alg": "RS256", "typ": "JOSE"}) + "\n")


if __name__ == "__main__":
    main()
