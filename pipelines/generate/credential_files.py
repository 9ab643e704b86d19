"""Part of the clean awards delivered as digital credentials: Open Badges 3.0 / 2.0 and ELM v3 files.

About 10 % of the clean awards (at most ``CAP``) leave ``awards_<year>.csv`` and are written under
``credentials/`` the way issuers deliver them: OB 3.0 as single JSON files, NDJSON and compact JWTs;
OB 2.0 assertions hosted-style (BadgeClass and Issuer as separate documents), with the BadgeClass embedded,
and signed (JWS); ELM v3 as JSON-LD, in the Europass "uploadable" wrapper and signed (JWS JSON).

Only awards a format represents exactly are moved, so the build reads them back to the very rows the CSV
would have held and the ground truth stays as it is: standard OB3/OB2/ELM (into its own format), status
``issued`` and purpose ``new_learning`` (the readers cannot express others), not an original of a seeded
duplicate, and a learner identifier the format carries verbatim (OB 2.0 has no national-ID recipient,
ELM no hashed identity). Award, credential and provider ids are the CSV ids, so events, verifications and
outcomes still resolve and no new specification or provider appears.

The records are JSON documents, so they are built one at a time (a loop over at most ``CAP`` awards);
every choice is drawn up front from the ``credential-files`` streams, and the output is byte-identical for
a seed. Signatures and proofs use a demo key derived from the seed (HMAC-SHA256): the JWS/JWT tokens are
well formed and verify with that key, the Data Integrity ``proofValue`` is only a placeholder. The readers
never verify signatures; they note that the credential was delivered signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import polars as pl

from . import codes as C
from .formatting import FURTHER_INFO, Identifiers, contract_frame
from .streams import stream
from .writer import FileEntry

SHARE = 0.10  # of the clean awards, at every scale
CAP = 50_000  # credential documents in all (keeps medium/large generation fast)
SINGLES = 3  # individual files per standard
FOLDER = "credentials"
NATIONAL, EMAIL, HASHED = 0, 1, 2  # kinds of raw learner identifier (learners.raw_identifiers)
REPRESENTABLE = {"OB3": (NATIONAL, EMAIL, HASHED), "OB2": (EMAIL, HASHED), "ELM": (NATIONAL, EMAIL)}
OB3_JWT_SHARE = 0.5  # of the signed OB3 credentials not in a single file (the rest carry a proof)
VC1_JWT_SHARE = 1 / 3  # of the OB3 JWTs: VC-JWT 1.1 style (credential in a `vc` claim, id from `jti`)
OB2_HOSTED_SHARE = 0.6  # of the unsigned OB2 assertions (the rest embed their BadgeClass)
ELM_PLAIN_SHARE = 0.6  # of the unsigned ELM credentials (the rest in the uploadable wrapper)

VC1 = "https://www.w3.org/2018/credentials/v1"
VC2 = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
ELM_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
ECTS_FRAMEWORK = {
    "id": "http://data.europa.eu/snb/education-credit/6fcec5c5af",
    "type": "Concept",
    "prefLabel": {"en": "European Credit Transfer and Accumulation System"},
}
ALPHA3 = {"NL": "NLD", "DE": "DEU", "FR": "FRA", "FI": "FIN", "ES": "ESP", "PL": "POL"}

# bulk files: key -> (path under credentials/, standard)
BULK = {
    "ob3_ndjson": ("ob3/ob3_credentials.ndjson", "OB3"),
    "ob3_jwt": ("ob3/ob3_credentials.jwt", "OB3"),
    "ob2_hosted": ("ob2/ob2_assertions_hosted.ndjson", "OB2"),
    "ob2_embedded": ("ob2/ob2_assertions_embedded.ndjson", "OB2"),
    "ob2_signed": ("ob2/ob2_assertions_signed.jwt", "OB2"),
    "elm_plain": ("elm/elm_credentials.ndjson", "ELM"),
    "elm_uploadable": ("elm/elm_uploadable.ndjson", "ELM"),
    "elm_signed": ("elm/elm_signed.ndjson", "ELM"),
}
BADGE_CLASSES = "ob2/ob2_badgeclasses.json"
ISSUERS = "ob2/ob2_issuers.json"


@dataclass(frozen=True)
class CredentialFileEntry(FileEntry):
    """A credential file in the manifest: ``rows`` = awards in it, ``documents`` = all JSON documents."""

    standard: str
    documents: int


def learner_kinds(learner_ids: pl.Series) -> np.ndarray:
    """NATIONAL / EMAIL / HASHED per raw learner identifier."""
    return (
        pl.select(
            pl.when(learner_ids.str.starts_with("sha256$"))
            .then(HASHED)
            .when(learner_ids.str.contains("@", literal=True))
            .then(EMAIL)
            .otherwise(NATIONAL)
        )
        .to_series()
        .to_numpy()
    )


def choose(awards: pl.DataFrame, ids: Identifiers, duplicate_of: np.ndarray, seed: int) -> np.ndarray:
    """Sorted indices of the clean awards delivered as credential files (see the module docstring)."""
    n = awards.height
    standard = awards["standard"].to_physical().to_numpy()  # codes in codes.STANDARDS order
    kind = learner_kinds(ids.learner_ids)[awards["learner_id"].to_numpy()]
    fits = np.zeros(n, dtype=bool)
    for name, kinds in REPRESENTABLE.items():
        fits |= (standard == C.STANDARDS.index(name)) & np.isin(kind, kinds)
    fits &= (awards["status"] == "issued").to_numpy() & (awards["purpose"] == "new_learning").to_numpy()
    fits[duplicate_of] = False  # the CSV copy must stay the second occurrence
    pool = np.flatnonzero(fits)
    k = min(int(round(SHARE * n)), CAP, len(pool))
    rng = stream(seed, "credential-files")
    return np.sort(rng.choice(pool, size=k, replace=False))


# ---------------------------------------------------------------------------------------------- encoding


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_dumps = orjson.dumps


class _Signer:
    """Compact JWS/JWT and JWS JSON with HMAC-SHA256 under a demo key derived from the seed."""

    def __init__(self, seed: int):
        self.key = hashlib.sha256(f"mco generate demo signing key {seed}".encode()).digest()
        self.jwt_header = _b64(_dumps({"alg": "HS256", "typ": "JWT"}))
        self.jws_header = _b64(_dumps({"alg": "HS256"}))

    def _sign(self, signing_input: str) -> str:
        return _b64(hmac.new(self.key, signing_input.encode("ascii"), hashlib.sha256).digest())

    def jwt(self, payload: dict, header: str | None = None) -> bytes:
        signing_input = f"{header or self.jwt_header}.{_b64(_dumps(payload))}"
        return f"{signing_input}.{self._sign(signing_input)}".encode("ascii")

    def jws_json(self, payload: dict) -> dict:
        body = _b64(_dumps(payload))
        return {
            "payload": body,
            "signatures": [
                {"protected": self.jws_header, "signature": self._sign(f"{self.jws_header}.{body}")}
            ],
        }

    def proof(self, doc: dict, created: str, method: str) -> dict:
        digest = hmac.new(self.key, _dumps(doc), hashlib.sha256).digest()
        return {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": created,
            "verificationMethod": method,
            "proofPurpose": "assertionMethod",
            "proofValue": "u" + _b64(digest + hashlib.sha256(digest).digest()),  # placeholder, 64 bytes
        }


# -------------------------------------------------------------------------------- specifications


def _split(text: str | None) -> list[str]:
    return text.split("|") if text else []


def _number(x: float):
    return int(x) if float(x).is_integer() else x


def _hours(x: float) -> str:
    return f"PT{_number(x)}H"


def _extensions(c: dict) -> dict:
    """Annex I elements OB has no field for, as the extension properties European issuers use."""
    ext = {}
    if c["isced_f_broad"]:
        ext["ext:iscedF"] = f"http://data.europa.eu/esco/isced-f/{c['isced_f_broad']}"
    if c["ects"] is None and c["notional_hours"] is not None:
        ext["ext:notionalWorkload"] = _hours(c["notional_hours"])
    for key, column in (
        ("ext:participationForm", "participation_form"),
        ("ext:assessmentType", "assessment_type"),
        ("ext:qualityAssurance", "qa_type"),
    ):
        if c[column]:
            ext[key] = c[column]
    return ext


def _alignments(c: dict, ob3: bool) -> list[dict]:
    base = c["further_info_url"] or FURTHER_INFO + c["credential_id"]
    kind = {"type": ["Alignment"]} if ob3 else {}
    out = [
        {
            **kind,
            "targetType": "ext:LearningOutcome",
            "targetName": outcome,
            "targetUrl": f"{base}#outcome-{i}",
        }
        for i, outcome in enumerate(_split(c["learning_outcomes"]), 1)
    ]
    if c["eqf_level"] is not None:
        out.append(
            {
                **kind,
                "targetType": "ext:EQFLevel",
                "targetName": f"EQF level {c['eqf_level']}",
                "targetUrl": f"http://data.europa.eu/snb/eqf/{c['eqf_level']}",
                "targetFramework": "European Qualifications Framework",
                "targetCode": str(c["eqf_level"]),
            }
        )
    return out


def _criteria(c: dict) -> dict:
    outcomes = _split(c["learning_outcomes"])
    narrative = "Successful completion of the assessment" + (
        ": the learner can " + "; ".join(o[0].lower() + o[1:] for o in outcomes) + "." if outcomes else "."
    )
    criteria = {"narrative": narrative}
    if c["further_info_url"]:
        criteria = {"id": c["further_info_url"], **criteria}
    return criteria


def _ob3_achievement(c: dict) -> dict:
    a = {"id": c["credential_id"], "type": ["Achievement"], "achievementType": "MicroCredential"}
    if c["title"]:
        a["name"] = c["title"]
    a["criteria"] = _criteria(c)
    if c["ects"] is not None:
        a["creditsAvailable"] = _number(c["ects"])
    alignment = _alignments(c, ob3=True)
    if alignment:
        a["alignment"] = alignment
    return {**a, **_extensions(c)}


def _ob3_issuer(p: dict) -> dict:
    return {
        "id": p["provider_id"],
        "type": ["Profile"],
        "name": p["provider_name"],
        "url": f"https://example.org/providers/{p['provider_id']}",
        "address": {"type": ["Address"], "addressCountryCode": p["country_code"]},
    }


def _ob2_issuer(p: dict) -> dict:
    return {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": p["provider_id"],
        "name": p["provider_name"],
        "url": f"https://example.org/providers/{p['provider_id']}",
        "email": f"badges@{p['provider_id'].lower()}.example.org",
        "address": {"type": "PostalAddress", "addressCountry": p["country_code"]},
    }


def _ob2_badge(c: dict, issuer) -> dict:
    b = {"@context": OB2_CONTEXT, "type": "BadgeClass", "id": c["credential_id"]}
    if c["title"]:
        b["name"] = c["title"]
    b["description"] = f"Micro-credential {c['title'] or c['credential_id']}"
    b["image"] = f"https://example.org/badges/{c['credential_id']}.png"
    b["criteria"] = _criteria(c)
    b["issuer"] = issuer
    alignment = _alignments(c, ob3=False)
    if alignment:
        b["alignment"] = alignment
    b["tags"] = ["micro-credential"]
    if c["ects"] is not None:
        b["ext:ects"] = _number(c["ects"])
    return {**b, **_extensions(c)}


def _elm_org(p: dict) -> dict:
    return {
        "id": p["provider_id"],
        "type": "Organisation",
        "legalName": {"en": p["provider_name"]},
        "location": [
            {
                "type": "Location",
                "address": [
                    {
                        "type": "Address",
                        "countryCode": {
                            "id": "http://publications.europa.eu/resource/authority/country/"
                            + ALPHA3[p["country_code"]],
                            "type": "Concept",
                        },
                    }
                ],
            }
        ],
    }


def _elm_spec(c: dict) -> dict:
    s = {"id": c["credential_id"], "type": "LearningAchievementSpecification"}
    if c["title"]:
        s["title"] = {"en": c["title"]}
    outcomes = [
        {"id": f"urn:epass:learningOutcome:{i}", "type": "LearningOutcome", "title": {"en": o}}
        for i, o in enumerate(_split(c["learning_outcomes"]), 1)
    ]
    skills = [{"id": uri, "type": "Concept"} for uri in _split(c["esco_skills"])]
    if skills:
        if not outcomes:
            outcomes = [{"id": "urn:epass:learningOutcome:1", "type": "LearningOutcome"}]
        outcomes[0]["relatedESCOSkill"] = skills
    if outcomes:
        s["learningOutcome"] = outcomes
    if c["ects"] is not None:
        s["creditPoint"] = [
            {"type": "CreditPoint", "framework": ECTS_FRAMEWORK, "point": str(_number(c["ects"]))}
        ]
    if c["notional_hours"] is not None:
        s["volumeOfLearning"] = _hours(c["notional_hours"])
    if c["eqf_level"] is not None:
        s["eqfLevel"] = {"id": f"http://data.europa.eu/snb/eqf/{c['eqf_level']}", "type": "Concept"}
    if c["isced_f_broad"]:
        s["thematicArea"] = [
            {"id": f"http://data.europa.eu/snb/isced-f/{c['isced_f_broad']}", "type": "Concept"}
        ]
    if c["participation_form"]:
        mode = c["participation_form"]
        s["mode"] = [
            {
                "id": f"http://data.europa.eu/snb/learning-mode/{mode}",
                "type": "Concept",
                "prefLabel": {"en": mode.capitalize()},
            }
        ]
    if c["qa_type"] == "external":
        s["hasAccreditation"] = [
            {
                "type": "Accreditation",
                "dcType": {"type": "Concept", "prefLabel": {"en": "External quality assurance"}},
            }
        ]
    if c["further_info_url"]:
        s["homepage"] = [{"type": "WebResource", "contentURL": c["further_info_url"]}]
    s["dcType"] = {"type": "Concept", "prefLabel": {"en": "Micro-credential"}}
    return s


# ------------------------------------------------------------------------------------------ documents


@dataclass(frozen=True)
class _Award:
    award_id: str
    credential: int
    provider: int
    learner: str
    kind: int
    issued_at: str
    nbf: int
    valid_until: str | None
    exp: int | None
    grade: str | None
    signed: bool


class _Builder:
    """One credential document per award, with the specification/issuer parts built once and reused."""

    def __init__(self, creds: dict[int, dict], provs: dict[int, dict], signer: _Signer):
        self.creds, self.provs, self.signer = creds, provs, signer
        self._cache: dict[tuple[str, int], dict] = {}

    def _cached(self, kind: str, key: int, make) -> dict:
        hit = self._cache.get((kind, key))
        if hit is None:
            hit = self._cache[(kind, key)] = make()
        return hit

    # OB 3.0 -----------------------------------------------------------------------------------------

    def ob3(self, a: _Award, vc1: bool = False) -> dict:
        c = self.creds[a.credential]
        achievement = self._cached("ob3a", a.credential, lambda: _ob3_achievement(c))
        issuer = self._cached("ob3i", a.provider, lambda: _ob3_issuer(self.provs[a.provider]))
        identity_type = ("nationalIdentityNumber", "emailAddress", "emailAddress")[a.kind]
        subject = {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": identity_type,
                    "hashed": a.kind == HASHED,
                    "identityHash": a.learner,
                }
            ],
            "achievement": achievement,
        }
        if a.grade is not None:
            subject["result"] = [{"type": ["Result"], "value": a.grade}]
        doc = {"@context": [VC1 if vc1 else VC2, OB3_CONTEXT]}
        if not vc1:
            doc["id"] = a.award_id
        doc["type"] = ["VerifiableCredential", "OpenBadgeCredential"]
        doc["issuer"] = issuer
        doc["issuanceDate" if vc1 else "validFrom"] = a.issued_at
        if a.valid_until:
            doc["expirationDate" if vc1 else "validUntil"] = a.valid_until
        if c["title"]:
            doc["name"] = c["title"]
        doc["credentialSubject"] = subject
        return doc

    def ob3_proof(self, a: _Award) -> dict:
        doc = self.ob3(a)
        doc["proof"] = self.signer.proof(doc, a.issued_at, f"{self.provs[a.provider]['provider_id']}#key-1")
        return doc

    def ob3_jwt(self, a: _Award, vc1: bool) -> bytes:
        doc = self.ob3(a, vc1)
        claims = {"iss": self.provs[a.provider]["provider_id"], "jti": a.award_id, "nbf": a.nbf}
        if a.exp is not None:
            claims["exp"] = a.exp
        payload = {"vc": doc, **claims} if vc1 else {**doc, **claims}
        return self.signer.jwt(payload)

    # OB 2.0 -----------------------------------------------------------------------------------------

    def ob2_badge_class(self, credential: int) -> dict:
        c = self.creds[credential]
        return _ob2_badge(c, self.provs[c["provider"]]["provider_id"])

    def ob2_issuer(self, provider: int) -> dict:
        return _ob2_issuer(self.provs[provider])

    def ob2(self, a: _Award, embedded: bool = False) -> dict:
        if embedded:
            c = self.creds[a.credential]

            def make():
                issuer = {k: v for k, v in _ob2_issuer(self.provs[a.provider]).items() if k != "@context"}
                return {k: v for k, v in _ob2_badge(c, issuer).items() if k != "@context"}

            badge = self._cached("ob2b", a.credential, make)
        else:
            badge = self.creds[a.credential]["credential_id"]
        doc = {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": a.award_id,
            "recipient": {"type": "email", "hashed": a.kind == HASHED, "identity": a.learner},
            "badge": badge,
            "issuedOn": a.issued_at,
        }
        if a.valid_until:
            doc["expires"] = a.valid_until
        if a.grade is not None:
            doc["grade"] = a.grade
        if a.signed:
            doc["verification"] = {
                "type": "SignedBadge",
                "creator": f"https://example.org/providers/{self.provs[a.provider]['provider_id']}/public-key",
            }
        else:
            doc["verification"] = {"type": "HostedBadge"}
        return doc

    def ob2_jws(self, a: _Award) -> bytes:
        return self.signer.jwt(self.ob2(a), self.signer.jws_header)

    # ELM v3 -----------------------------------------------------------------------------------------

    def elm(self, a: _Award) -> dict:
        spec = self._cached("elms", a.credential, lambda: _elm_spec(self.creds[a.credential]))
        org = self._cached("elmo", a.provider, lambda: _elm_org(self.provs[a.provider]))
        c = self.creds[a.credential]
        subject = {"id": "urn:epass:person:1", "type": "Person"}
        if a.kind == NATIONAL:
            subject["nationalID"] = {
                "id": "urn:epass:identifier:1",
                "type": "LegalIdentifier",
                "notation": a.learner,
            }
        else:
            subject["contactPoint"] = [
                {
                    "id": "urn:epass:contactPoint:1",
                    "type": "ContactPoint",
                    "emailAddress": [{"id": f"mailto:{a.learner}", "type": "Mailbox"}],
                }
            ]
        claim = {"id": "urn:epass:learningAchievement:1", "type": "LearningAchievement"}
        if c["title"]:
            claim["title"] = {"en": c["title"]}
        claim["awardedBy"] = {
            "id": "urn:epass:awardingProcess:1",
            "type": "AwardingProcess",
            "awardingBody": [org],
            "awardingDate": a.issued_at,
        }
        if a.grade is not None or c["assessment_type"]:
            assessment = {"id": "urn:epass:learningAssessment:1", "type": "LearningAssessment"}
            assessment["title"] = {"en": "Final result"}
            if a.grade is not None:
                assessment["grade"] = {"type": "Note", "noteLiteral": {"en": a.grade}}
            if c["assessment_type"]:
                assessment["specifiedBy"] = {
                    "id": f"{c['credential_id']}#assessment",
                    "type": "LearningAssessmentSpecification",
                    "dcType": {"type": "Concept", "prefLabel": {"en": c["assessment_type"].capitalize()}},
                }
            claim["provenBy"] = [assessment]
        claim["specifiedBy"] = spec
        subject["hasClaim"] = [claim]
        doc = {
            "@context": [VC1, ELM_CONTEXT],
            "id": a.award_id,
            "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
            "issuer": org,
            "issuanceDate": a.issued_at,
            "issued": a.issued_at,
            "validFrom": a.issued_at,
        }
        if a.valid_until:
            doc["validUntil"] = a.valid_until
        doc["credentialSubject"] = subject
        return doc


# -------------------------------------------------------------------------------------------- writing


class _Out:
    """One credential file, opened on its first record (no empty files), hashed as it is written."""

    def __init__(self, out: Path, rel: str, standard: str):
        self.path, self.rel, self.standard = out / FOLDER / rel, f"{FOLDER}/{rel}", standard
        self.fh = None
        self.digest = hashlib.sha256()
        self.rows = self.documents = 0

    def write(self, data: bytes, award: bool = True) -> None:
        if self.fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.fh = self.path.open("wb")
        self.fh.write(data)
        self.digest.update(data)
        self.rows += award
        self.documents += 1

    def close(self) -> CredentialFileEntry | None:
        if self.fh is None:
            return None
        self.fh.close()
        return CredentialFileEntry(
            self.rel, "awards", self.rows, self.digest.hexdigest(), self.standard, self.documents
        )


def _pretty(doc) -> bytes:
    return _dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


def _single_file(builder: _Builder, standard: str, a: _Award) -> tuple[str, bytes]:
    """A credential in a file of its own, as a download from the issuer: (path, bytes)."""
    if standard == "OB3":
        return f"ob3/ob3_{a.award_id}.json", _pretty(builder.ob3_proof(a) if a.signed else builder.ob3(a))
    if standard == "OB2":
        if a.signed:
            return f"ob2/ob2_{a.award_id}.jwt", builder.ob2_jws(a) + b"\n"
        return f"ob2/ob2_{a.award_id}.json", _pretty(builder.ob2(a))
    if a.signed:
        return f"elm/elm_{a.award_id}.json", _pretty(builder.signer.jws_json(builder.elm(a)))
    return f"elm/elm_{a.award_id}.jsonld", _pretty(builder.elm(a))


def _single(out: Path, rel: str, standard: str, data: bytes) -> CredentialFileEntry:
    o = _Out(out, rel, standard)
    o.write(data)
    return o.close()


def _records(tables: dict[str, pl.DataFrame], ids: Identifiers, moved: np.ndarray, seed: int):
    """The moved awards as _Award records, plus the specification and provider rows they reference."""
    rng = stream(seed, "credential-files-layout")
    awards = tables["awards"][moved]
    k = awards.height
    seconds = rng.integers(6 * 3600, 18 * 3600, k)  # issued during office hours (UTC)
    text = contract_frame("awards", awards, ids)
    day = awards["issue_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    frame = text.select(
        "award_id",
        "learner_id",
        "grade",
        "signed",
        "standard",
        issued_at=(
            pl.col("issue_date").cast(pl.Datetime("ms")) + pl.duration(seconds=pl.lit(pl.Series(seconds)))
        ).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        valid_until=pl.col("expiry_date").dt.strftime("%Y-%m-%dT23:59:59Z"),
        exp=(pl.col("expiry_date").cast(pl.Int64) * 86_400 + 86_399),
    ).with_columns(pl.col("grade").cast(pl.String), pl.col("standard").cast(pl.String))
    credential = awards["credential_id"].to_numpy()
    provider_of = tables["credentials"]["provider_id"].to_numpy()
    kind = learner_kinds(frame["learner_id"])
    nbf = day * 86_400 + seconds
    records = [
        _Award(aid, int(cr), int(provider_of[cr]), learner, int(kd), at, int(nb), until, ex, grade, signed)
        for (aid, learner, grade, signed, _std, at, until, ex), cr, kd, nb in zip(
            frame.iter_rows(), credential, kind, nbf, strict=True
        )
    ]
    needed = np.unique(credential)
    cred_rows = contract_frame(
        "credentials", tables["credentials"].filter(pl.col("credential_id").is_in(needed)), ids
    ).with_columns(pl.all().exclude(pl.Float64, pl.Int64).cast(pl.String))
    creds = {
        int(i): {**row, "provider": int(provider_of[i])}
        for i, row in zip(needed, cred_rows.iter_rows(named=True), strict=True)
    }
    used = np.unique(provider_of[needed])
    prov_rows = contract_frame(
        "providers", tables["providers"].filter(pl.col("provider_id").is_in(used)), ids
    ).with_columns(pl.all().exclude(pl.Boolean).cast(pl.String))
    provs = {int(i): row for i, row in zip(used, prov_rows.iter_rows(named=True), strict=True)}
    return records, frame["standard"].to_numpy(), creds, provs, rng


def write_credential_files(
    out: Path, tables: dict[str, pl.DataFrame], ids: Identifiers, moved: np.ndarray, seed: int
) -> list[CredentialFileEntry]:
    """Write the moved awards as credential files under ``out/credentials``; return their manifest entries."""
    if not len(moved):
        return []
    records, standard, creds, provs, rng = _records(tables, ids, moved, seed)
    k = len(records)
    signed = np.array([a.signed for a in records], dtype=bool)
    u, v = rng.random(k), rng.random(k)
    variant = np.select(
        [
            (standard == "OB3") & signed,
            standard == "OB3",
            (standard == "OB2") & signed,
            standard == "OB2",
            (standard == "ELM") & signed,
        ],
        [
            np.where(u < OB3_JWT_SHARE, "ob3_jwt", "ob3_ndjson"),
            "ob3_ndjson",
            "ob2_signed",
            np.where(u < OB2_HOSTED_SHARE, "ob2_hosted", "ob2_embedded"),
            "elm_signed",
        ],
        np.where(u < ELM_PLAIN_SHARE, "elm_plain", "elm_uploadable"),
    ).astype(object)
    for name in REPRESENTABLE:  # single files: one signed and one unsigned where both exist, then any
        members = np.flatnonzero(standard == name)
        pick = [
            rng.choice(group) for group in (members[signed[members]], members[~signed[members]]) if len(group)
        ]
        rest = np.setdiff1d(members, pick)
        pick += list(rng.choice(rest, size=min(SINGLES - len(pick), len(rest)), replace=False))
        variant[np.array(pick, dtype=np.int64)] = "single"
    vc1 = v < VC1_JWT_SHARE

    builder = _Builder(creds, provs, _Signer(seed))
    files = {key: _Out(out, rel, std) for key, (rel, std) in BULK.items()}
    singles: list[CredentialFileEntry] = []
    by_id: set[int] = set()  # OB2 badge classes named by id (single, hosted-style and signed assertions)
    for i, a in enumerate(records):
        var = variant[i]
        if var == "single":
            if standard[i] == "OB2":
                by_id.add(a.credential)
            rel, data = _single_file(builder, standard[i], a)
            singles.append(_single(out, rel, standard[i], data))
            continue
        if var == "ob3_ndjson":
            line = _dumps(builder.ob3_proof(a) if a.signed else builder.ob3(a))
        elif var == "ob3_jwt":
            line = builder.ob3_jwt(a, bool(vc1[i]))
        elif var == "ob2_hosted":
            by_id.add(a.credential)
            line = _dumps(builder.ob2(a))
        elif var == "ob2_embedded":
            line = _dumps(builder.ob2(a, embedded=True))
        elif var == "ob2_signed":
            by_id.add(a.credential)
            line = builder.ob2_jws(a)
        elif var == "elm_plain":
            line = _dumps(builder.elm(a))
        elif var == "elm_uploadable":
            line = _dumps({"credential": builder.elm(a)})
        else:
            line = _dumps(builder.signer.jws_json(builder.elm(a)))
        files[var].write(line + b"\n")

    entries = [e for e in (f.close() for f in files.values()) if e is not None]
    if by_id:  # hosted-style delivery: the BadgeClass and Issuer documents the assertions name
        badges = [builder.ob2_badge_class(c) for c in sorted(by_id)]
        issuers = [builder.ob2_issuer(p) for p in sorted({creds[c]["provider"] for c in by_id})]
        for rel, docs in ((BADGE_CLASSES, badges), (ISSUERS, issuers)):
            o = _Out(out, rel, "OB2")
            o.write(_pretty(docs), award=False)
            o.documents = len(docs)
            entries.append(o.close())
    return sorted(entries + singles, key=lambda e: e.path)
