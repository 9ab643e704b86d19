"""A folder of mixed credential files from several issuers, with colliding document-local ids on purpose.

``write_mixed_credentials(folder, truth, seed, awards)`` writes a few hundred credential files the way a
ministry receives them when it collects exports from many issuers into one folder: Open Badges 3.0 JSON
(plain ``ext:`` extensions and Dutch edubadges properties), Open Badges 2.0 (hosted style: Issuer,
BadgeClass and assertion as separate documents, with global URL ids, and assertions embedding their
BadgeClass and Issuer under blank-node ids) and ELM v3 JSON-LD (plain and signed JWS JSON). It is not
part of what ``mco generate`` writes; tests and demos call it.

Document-local ids collide across files on purpose, as in real exports: every ELM file calls its own,
different awarding body ``urn:epass:org:1`` and its specification
``urn:epass:learningAchievementSpecification:1``; OB 3.0 files reuse ``_:b0`` / ``#issuer`` /
``_:achievement`` / ``#achievement`` for different issuers and achievements; embedded OB 2.0 assertions
reuse ``_:issuer`` / ``_:badge``; two OB 3.0 issuers give one *global* achievement id to their own,
different achievements. A reader that treats a local id as global hands one award the issuer, country or
title of another file.

Every award has its own issuer, title, country, EQF level, ECTS or hours, form of participation,
supervision / ID verification and assessment type. The truth file (JSON, written outside the folder so the
readers never see it) lists those expected values per award id, in the template's codes. The documents
are built with the builders in ``credential_files`` (achievement, issuer, badge class, ELM organisation
and specification); only what they do not write (supervision, edubadges properties, local ids) is added
here. Output is byte-identical for a seed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import credential_files as cf
from .streams import stream

ELM_ORG = "urn:epass:org:1"
ELM_SPEC = "urn:epass:learningAchievementSpecification:1"
SHARED_ACHIEVEMENT = "https://badges.example.net/achievements/1"  # one global id, two issuers
FIRST_DAY = dt.date(2021, 1, 4)
DAYS = 1_600  # issue dates from FIRST_DAY, all before the default cut-off 2025-12-31
OB3_PROOF_SHARE = 0.3
ELM_SIGNED_SHARE = 0.25

PARTICIPATION = ("online", "onsite", "blended")
ASSESSMENT = ("exam", "practical", "project", "portfolio", "oral")
SUPERVISION = ("supervised_id", "supervised_no_id", "unsupervised_no_id")
# labels as issuers write them (all in pipelines/sources/standards/vocab/*.csv)
SUPERVISION_LABEL = {
    "supervised_id": "Supervised with identity verification",
    "supervised_no_id": "Supervised with no identity verification",
    "unsupervised_no_id": "Unsupervised",
}
ELM_SUPERVISION_LABEL = {**SUPERVISION_LABEL, "supervised_id": "Supervised with ID verification"}
ELM_ASSESSMENT_LABEL = {
    "exam": "Written examination",
    "practical": "Practical assessment",
    "project": "Digital artefact assessment",  # a project, not an exam (issue 12)
    "portfolio": "Portfolio assessment",
    "oral": "Oral examination",
}
# Dutch edubadges (SURF) vocabularies
EDU_PARTICIPATION = {"blended": "onsite or blended", "online": "online"}
EDU_ASSESSMENT = {"exam": "testing", "practical": "application of a skill", "portfolio": "portfolio"}
EDU_SUPERVISION = {
    "supervised_id": "onsite with identity verification",
    "supervised_no_id": "supervised online",
    "unsupervised_no_id": "unsupervised with no identity verification",
}
ECTS_CHOICES = (1, 2, 3, 4, 5, 6, 7.5)
HOUR_CHOICES = (8, 12, 16, 20, 28, 40, 84)

TOPICS = (
    "Data literacy",
    "Applied machine learning",
    "Cybersecurity essentials",
    "Circular economy",
    "Project management",
    "Digital marketing",
    "Cloud computing",
    "Renewable energy systems",
    "Academic writing",
    "Python programming",
    "UX design",
    "Supply chain analytics",
    "Public speaking",
    "Healthcare informatics",
    "Sustainable construction",
    "Entrepreneurship",
    "Intercultural communication",
    "Statistics for researchers",
    "Robotics fundamentals",
    "Blockchain basics",
    "Agile teamwork",
    "Food safety",
    "Geographic information systems",
    "Financial literacy",
    "Teaching with AI",
    "Quantum computing primer",
    "Electric mobility",
    "Data protection law",
    "Smart manufacturing",
    "Climate adaptation",
    "Leadership in care",
    "Web accessibility",
    "Biotech lab skills",
    "Mediation skills",
    "Water management",
    "Game development",
    "Precision farming",
    "Museum education",
    "Industrial design",
    "Mental health first aid",
    "Photonics",
    "Urban mobility",
    "Data visualisation",
    "Ethics of technology",
    "Energy auditing",
)


@dataclass(frozen=True)
class Issuer:
    key: str  # folder name
    name: str
    country: str  # alpha-2 (ELM issuers: one of credential_files.ALPHA3)
    fmt: str  # "ELM", "OB3", "OB3-edubadges", "OB2-hosted", "OB2-edubadges", "OB2-embedded"
    issuer_id: str  # as written in the documents
    achievement_id: str | None  # OB3/embedded OB2: the (local) id every achievement of this issuer uses


ISSUERS = (
    Issuer("aalto-open", "Aalto Open Learning", "FI", "ELM", ELM_ORG, ELM_SPEC),
    Issuer("lyon-fc", "Université de Lyon Formation Continue", "FR", "ELM", ELM_ORG, ELM_SPEC),
    Issuer("upm-micro", "Universidad Politécnica de Madrid", "ES", "ELM", ELM_ORG, ELM_SPEC),
    Issuer("pw-warsaw", "Politechnika Warszawska", "PL", "ELM", ELM_ORG, ELM_SPEC),
    Issuer("tud-weiterbildung", "TU Dresden Weiterbildung", "DE", "ELM", ELM_ORG, ELM_SPEC),
    Issuer(
        "uva-edubadges",
        "Universiteit van Amsterdam",
        "NL",
        "OB3-edubadges",
        "https://edubadges.example.nl/ob3/issuers/uva",
        "#achievement",
    ),
    Issuer("tudelft-edubadges", "TU Delft Extension School", "NL", "OB3-edubadges", "_:b0", "_:achievement"),
    Issuer("polimi-skills", "Politecnico Skills Academy", "IT", "OB3", "#issuer", "_:b1"),
    Issuer("digital-brussels", "Digital Skills Brussels", "BE", "OB3", "_:b0", None),
    Issuer("lernwerk-berlin", "Lernwerk Berlin", "DE", "OB3", "https://lernwerk.example.de/issuer", None),
    Issuer(
        "nantes-numerique",
        "Campus Numérique Nantes",
        "FR",
        "OB2-hosted",
        "https://badges.nantes.example.fr/issuer.json",
        None,
    ),
    Issuer(
        "hu-edubadges",
        "Hogeschool Utrecht",
        "NL",
        "OB2-edubadges",
        "https://edubadges.example.nl/public/issuers/hu",
        None,
    ),
    Issuer("datos-sevilla", "Escuela de Datos Sevilla", "ES", "OB2-embedded", "_:issuer", "_:badge"),
    Issuer("kod-krakow", "Akademia Kodu Kraków", "PL", "OB2-embedded", "_:issuer", "_:badge"),
)
SHARED_GLOBAL = ("digital-brussels", "lernwerk-berlin")  # their first achievement: SHARED_ACHIEVEMENT


@dataclass(frozen=True)
class MixedResult:
    folder: Path
    truth: Path
    files: int  # files written under folder
    awards: int


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


def _specs(rng: np.random.Generator) -> list[list[dict]]:
    """2-3 specifications per issuer: the builders' credential dicts plus ``supervision``."""
    order = rng.permutation(len(TOPICS))
    out, t = [], 0
    for issuer in ISSUERS:
        home = f"https://{issuer.key}.example.org"
        specs = []
        for k in range(int(rng.integers(2, 4))):
            title = TOPICS[order[t]]
            t += 1
            edu = issuer.fmt.endswith("edubadges")
            if issuer.fmt == "OB3-edubadges":
                participation = ("blended", "online")[int(rng.integers(2))]
                assessment = ("exam", "practical", "portfolio")[int(rng.integers(3))]
            else:
                participation = PARTICIPATION[int(rng.integers(len(PARTICIPATION)))]
                assessment = ASSESSMENT[int(rng.integers(len(ASSESSMENT)))]
            use_ects = bool(rng.random() < 0.5)
            if issuer.achievement_id is not None:
                cid = issuer.achievement_id
            elif issuer.key in SHARED_GLOBAL and k == 0:
                cid = SHARED_ACHIEVEMENT
            elif issuer.fmt.startswith("OB2"):
                cid = f"https://badges.{issuer.key}.example.org/badgeclasses/{_slug(title)}.json"
            else:
                cid = f"{home}/achievements/{_slug(title)}"
            specs.append(
                {
                    "credential_id": cid,
                    "provider": len(out),
                    "title": title,
                    "learning_outcomes": f"Explain the basics of {title.lower()}"
                    f"|Apply {title.lower()} at work",
                    "esco_skills": None,
                    "isced_f_broad": None,
                    "eqf_level": int(rng.integers(3, 8)),
                    "ects": ECTS_CHOICES[int(rng.integers(len(ECTS_CHOICES)))] if use_ects else None,
                    "notional_hours": None
                    if use_ects
                    else HOUR_CHOICES[int(rng.integers(len(HOUR_CHOICES)))],
                    "participation_form": participation,
                    "assessment_type": assessment,
                    "supervision": SUPERVISION[int(rng.integers(len(SUPERVISION)))],
                    "qa_type": "external" if rng.random() < 0.6 else "internal",
                    "further_info_url": f"{home}/courses/{_slug(title)}",
                    "edubadges": edu,
                }
            )
        out.append(specs)
    return out


def _provider(issuer: Issuer) -> dict:
    return {"provider_id": issuer.issuer_id, "provider_name": issuer.name, "country_code": issuer.country}


# ------------------------------------------------------------------------------------------ documents


def _edubadges_achievement(c: dict, sup_style: int) -> dict:
    """An OB 3.0 achievement as SURF edubadges writes it: SBU/ECTS, participationType, assessmentType,
    supervisionType or identityChecked instead of the ``ext:`` properties."""
    a = {
        k: v
        for k, v in cf._ob3_achievement(c).items()
        if not k.startswith("ext:") and k != "creditsAvailable"
    }
    a["type"] = ["Achievement", "EducredentialAchievement"]
    if c["ects"] is not None:
        a["ECTS"] = cf._number(c["ects"])
    else:
        a["SBU"] = cf._number(c["notional_hours"])
    a["participationType"] = EDU_PARTICIPATION[c["participation_form"]]
    a["assessmentType"] = EDU_ASSESSMENT[c["assessment_type"]]
    if c["supervision"] == "supervised_id" and sup_style:
        a["identityChecked"] = True  # no supervisionType: the identity check alone says supervised_id
    else:
        a["supervisionType"] = EDU_SUPERVISION[c["supervision"]]
        a["identityChecked"] = c["supervision"] == "supervised_id"
    return a


def _ob3(builder: cf._Builder, a: cf._Award, c: dict, issuer: Issuer, sup_style: int) -> dict:
    doc = builder.ob3(a)
    if c["edubadges"]:
        achievement = _edubadges_achievement(c, sup_style)
    else:
        achievement = {**cf._ob3_achievement(c), "ext:supervision": SUPERVISION_LABEL[c["supervision"]]}
    doc["credentialSubject"]["achievement"] = achievement
    doc["issuer"] = {**doc["issuer"], "url": f"https://{issuer.key}.example.org"}
    if a.signed:
        doc["proof"] = builder.signer.proof(doc, a.issued_at, f"https://{issuer.key}.example.org#key-1")
    return doc


def _ob2_badge_class(c: dict, issuer: Issuer, embedded_issuer=None) -> dict:
    badge = cf._ob2_badge(c, embedded_issuer if embedded_issuer is not None else issuer.issuer_id)
    badge["ext:supervision"] = SUPERVISION_LABEL[c["supervision"]]
    if not c["edubadges"]:
        return badge
    # edubadges OB 2.0: extensions:*Extension objects instead of ext: properties and an EQF alignment
    badge = {k: v for k, v in badge.items() if k not in ("ext:ects", "ext:notionalWorkload", "alignment")}
    ctx = "https://openbadgespec.org/extensions/{}/context.json"
    if c["ects"] is not None:
        badge["extensions:ECTSExtension"] = {
            "@context": ctx.format("ectsExtension"),
            "type": ["Extension", "extensions:ECTSExtension"],
            "ECTS": cf._number(c["ects"]),
        }
    else:
        badge["extensions:StudyLoadExtension"] = {
            "@context": ctx.format("studyLoadExtension"),
            "type": ["Extension", "extensions:StudyLoadExtension"],
            "StudyLoad": cf._number(c["notional_hours"]),
        }
    badge["extensions:EQFExtension"] = {
        "@context": ctx.format("EQFExtension"),
        "type": ["Extension", "extensions:EQFExtension"],
        "EQF": c["eqf_level"],
    }
    return badge


def _ob2_embedded(builder: cf._Builder, a: cf._Award, c: dict, issuer: Issuer) -> dict:
    doc = builder.ob2(a)
    embedded = {k: v for k, v in cf._ob2_issuer(_provider(issuer)).items() if k != "@context"}
    embedded["url"] = f"https://{issuer.key}.example.org"
    badge = _ob2_badge_class(c, issuer, embedded)
    doc["badge"] = {k: v for k, v in badge.items() if k != "@context"}
    return doc


def _elm(builder: cf._Builder, a: cf._Award, c: dict) -> dict:
    doc = builder.elm(a)
    assessment = doc["credentialSubject"]["hasClaim"][0]["provenBy"][0]
    assessment["specifiedBy"]["dcType"]["prefLabel"] = {"en": ELM_ASSESSMENT_LABEL[c["assessment_type"]]}
    assessment["idVerification"] = {
        "id": "http://data.europa.eu/snb/supervision-verification/" + c["supervision"].replace("_", "-"),
        "type": "Concept",
        "prefLabel": {"en": ELM_SUPERVISION_LABEL[c["supervision"]]},
    }
    return builder.signer.jws_json(doc) if a.signed else doc


# ------------------------------------------------------------------------------------------- writing


def _uuid(rng: np.random.Generator) -> str:
    h = rng.bytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def write_mixed_credentials(folder: Path, truth: Path, seed: int = 0, awards: int = 300) -> MixedResult:
    """Write ``awards`` credentials (one file each, plus OB 2.0 Issuer/BadgeClass documents) under
    ``folder`` and the expected Annex I fields per award id to ``truth`` (JSON; keep it outside
    ``folder``). ``folder`` must not exist or be empty."""
    folder, truth = Path(folder), Path(truth)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty")
    if truth.resolve().is_relative_to(folder.resolve()):
        raise ValueError("the truth file must be outside the credential folder (the readers would read it)")
    rng = stream(seed, "mixed-credentials")
    specs = _specs(rng)
    creds = {i: c for i, c in enumerate(c for group in specs for c in group)}
    index = {id(c): i for i, c in creds.items()}
    provs = {i: _provider(issuer) for i, issuer in enumerate(ISSUERS)}
    builder = cf._Builder(creds, provs, cf._Signer(seed))

    issuer_of = rng.integers(len(ISSUERS), size=awards)
    issuer_of[: len(ISSUERS)] = np.arange(len(ISSUERS))  # every issuer delivers
    days = rng.integers(DAYS, size=awards)
    seconds = rng.integers(7 * 3600, 17 * 3600, size=awards)
    pick, signed, sup_style = rng.random(awards), rng.random(awards), rng.integers(2, size=awards)

    written: dict[str, bytes] = {}
    rows: list[dict] = []
    hosted: dict[int, set[int]] = {}  # hosted OB 2.0 issuer -> its badge classes in use
    for n in range(awards):
        p = int(issuer_of[n])
        issuer = ISSUERS[p]
        group = specs[p]
        c = group[int(pick[n] * len(group))]
        day = FIRST_DAY + dt.timedelta(days=int(days[n]))
        nbf = (day - dt.date(1970, 1, 1)).days * 86_400 + int(seconds[n])
        issued_at = dt.datetime.fromtimestamp(nbf, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        learner = f"learner{n:04d}@{issuer.key}.example.org"
        fmt = issuer.fmt
        if fmt == "ELM":
            award_id = f"urn:credential:{_uuid(rng)}"
            is_signed = bool(signed[n] < ELM_SIGNED_SHARE)
        elif fmt.startswith("OB3"):
            award_id = f"urn:uuid:{_uuid(rng)}"
            is_signed = bool(signed[n] < OB3_PROOF_SHARE)
        else:
            award_id = f"https://badges.{issuer.key}.example.org/assertions/{_uuid(rng)}"
            is_signed = False
        a = cf._Award(
            award_id, index[id(c)], p, learner, cf.EMAIL, issued_at, nbf, None, None, None, is_signed
        )
        if fmt == "ELM":
            rel = f"elm/{issuer.key}/credential-{n:04d}.jsonld"
            doc = _elm(builder, a, c)
        elif fmt.startswith("OB3"):
            rel = f"ob3/{issuer.key}/badge-{n:04d}.json"
            doc = _ob3(builder, a, c, issuer, int(sup_style[n]))
        elif fmt == "OB2-embedded":
            rel = f"ob2/{issuer.key}/assertion-{n:04d}.json"
            doc = _ob2_embedded(builder, a, c, issuer)
        else:
            rel = f"ob2/{issuer.key}/assertion-{n:04d}.json"
            doc = builder.ob2(a)
            hosted.setdefault(p, set()).add(index[id(c)])
        written[rel] = cf._pretty(doc)
        rows.append(
            {
                "award_id": award_id,
                "file": rel,
                "format": fmt,
                "issuer": issuer.name,
                "country_code": issuer.country,
                "title": c["title"],
                "eqf_level": c["eqf_level"],
                "ects": c["ects"],
                "notional_hours": c["notional_hours"],
                "participation_form": c["participation_form"],
                "supervision": c["supervision"],
                "assessment_type": c["assessment_type"],
                "issue_date": day.isoformat(),
            }
        )
    for p, used in hosted.items():  # hosted style: the Issuer and BadgeClass documents the assertions name
        issuer = ISSUERS[p]
        doc = {**cf._ob2_issuer(provs[p]), "url": f"https://{issuer.key}.example.org"}
        written[f"ob2/{issuer.key}/issuer.json"] = cf._pretty(doc)
        for i in sorted(used):
            c = creds[i]
            written[f"ob2/{issuer.key}/badgeclass-{_slug(c['title'])}.json"] = cf._pretty(
                _ob2_badge_class(c, issuer)
            )

    for rel in sorted(written):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(written[rel])
    truth.parent.mkdir(parents=True, exist_ok=True)
    rows.sort(key=lambda r: r["award_id"])
    truth.write_text(
        json.dumps({"seed": seed, "awards": rows}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return MixedResult(folder=folder, truth=truth, files=len(written), awards=awards)
