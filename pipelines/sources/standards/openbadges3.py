"""Open Badges 3.0 (OpenBadgeCredential / AchievementCredential, VC data model 1.1 and 2.0) -> record.

OB3 has no fields for most Annex I elements, so European issuers put them in `alignment` entries with
`ext:` target types or in extra achievement properties; both are recognised (see mapping.EXTENSION_KEYS).
Whatever is not recognised stays unknown. This function sits on the hot path: it reads each property
once and builds nothing it does not return.
"""

from __future__ import annotations

from pipelines.sources.standards.jsonio import proof_signed
from pipelines.sources.standards.mapping import (
    EXTENSION_KEYS,
    Known,
    MapError,
    alignment_values,
    as_list,
    country,
    ext_fields,
    extension_value,
    first,
    ident,
    is_prior_learning,
    joined,
    lang,
    number,
    pick_date,
    stable_id,
)

TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
ISSUE_KEYS = ("awardedDate", "validFrom", "issuanceDate", "issuedOn", "issued")
EXPIRY_KEYS = ("validUntil", "expirationDate", "expires")
_STANDARD_ACHIEVEMENT_KEYS = frozenset(
    {
        "id",
        "type",
        "name",
        "description",
        "criteria",
        "image",
        "achievementType",
        "creditsAvailable",
        "fieldOfStudy",
        "inLanguage",
        "tag",
        "creator",
        "alignment",
        "resultDescription",
        "humanCode",
        "specialization",
        "endorsement",
        "endorsementJwt",
        "otherIdentifier",
        "related",
        "version",
        "@context",
        "@language",
    }
)


def provider_of(issuer) -> tuple[str | None, str | None, str | None]:
    """(id, name, country alpha-2) of an OB3 issuer Profile or a bare issuer URI."""
    if isinstance(issuer, str):
        return issuer.strip() or None, None, None
    if not isinstance(issuer, dict):
        return None, None, None
    address = first(issuer.get("address"))
    code = None
    if isinstance(address, dict):
        code = country(address.get("addressCountryCode")) or country(address.get("addressCountry"))
    return ident(issuer), lang(issuer.get("name")), code


def learner_of(subject: dict) -> tuple[str | None, str | None]:
    """(raw identifier, kind): subject id, else the first identityHash (plain e-mails lower-cased)."""
    sid = subject.get("id")
    if isinstance(sid, str) and sid.strip():
        return sid.strip(), "subject_id"
    for entry in as_list(subject.get("identifier")):
        if isinstance(entry, dict):
            value = entry.get("identityHash")
            if isinstance(value, str) and value.strip():
                value = value.strip()
                if "@" in value and not value.lower().startswith(("sha256$", "md5$")):
                    value = value.lower()
                return value, "identity_hash"
    return None, None


def _grade(subject: dict, achievement: dict) -> str | None:
    """First result value; a rubric level id is resolved to its name within the achievement."""
    for result in as_list(subject.get("result")):
        if not isinstance(result, dict):
            continue
        value = result.get("value")
        if value not in (None, ""):
            return lang(value)
        level = result.get("achievedLevel")
        if isinstance(level, str):
            for desc in as_list(achievement.get("resultDescription")):
                for lvl in as_list(desc.get("rubricCriterionLevel") if isinstance(desc, dict) else None):
                    if isinstance(lvl, dict) and lvl.get("id") == level:
                        return lang(lvl.get("name"))
    return lang(subject.get("grade"))


def map_ob3(doc: dict, signed: bool, known: Known | None = None) -> dict:
    """One OB3 credential -> flat record (mapping.RECORD_KEYS); MapError when it cannot load.

    Specification and provider fields are only worked out the first time their id is seen in the
    delivery (`known`): later rows would be dropped by first-wins deduplication anyway.
    """
    subject = doc.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    if not isinstance(subject, dict):
        raise MapError(
            "missing_required",
            "credential_subject",
            "the credential has no credentialSubject",
            "$.credentialSubject",
        )
    learner, kind = learner_of(subject)
    if learner is None:
        raise MapError(
            "missing_required",
            "learner_identification",
            "credentialSubject has neither an id nor an identifier with identityHash",
            "$.credentialSubject",
        )
    issuer = doc.get("issuer")
    provider_id = ident(issuer)
    if provider_id is None:
        raise MapError("missing_required", "issuer", "the credential has no issuer id", "$.issuer")
    if known is not None:
        provider_id = known.local(provider_id)
    issue_date, issued_at = pick_date(doc, ISSUE_KEYS)
    if issue_date is None:
        raise MapError(
            "missing_required",
            "issue_date",
            "the credential has no awardedDate, validFrom or issuanceDate",
            "$.validFrom",
        )
    expiry, _ = pick_date(doc, EXPIRY_KEYS)

    achievement = subject.get("achievement")
    if not isinstance(achievement, dict):
        achievement = {}
    credential_id = ident(achievement)
    title = None
    if credential_id is None:  # no id: local to this document's file
        title = lang(achievement.get("name")) or lang(doc.get("name"))
        credential_id = stable_id("credential", provider_id, title, known.file if known else None)
    elif known is not None:
        credential_id = known.local(credential_id)
    award_id = ident(doc)
    if known is not None:
        credential_id = known.spec(credential_id, provider_id)
        award_id = known.local(award_id)
    rec = {
        "award_id": award_id,
        "issue_date": issue_date,
        "issued_at": issued_at,
        "expiry_date": expiry,
        "format": "digital_badge",
        "standard": "OB3",
        "signed": "true" if signed or proof_signed(doc.get("proof")) else "false",
        "status": "issued",
        "grade": _grade(subject, achievement),
        "learner_id": learner,
        "learner_kind": kind,
        "provider_id": provider_id,
        "credential_id": credential_id,
    }
    if known is not None:
        if provider_id not in known.providers:
            _, rec["provider_name"], rec["country_code"] = provider_of(issuer)
        purpose = known.credentials.get(credential_id)
        if purpose is not None:
            rec["purpose"] = purpose
            return rec
    else:
        _, rec["provider_name"], rec["country_code"] = provider_of(issuer)
    if title is None:
        title = lang(achievement.get("name")) or lang(doc.get("name"))

    found: dict[str, object] = {}
    outcomes, skills = alignment_values(achievement.get("alignment"), found)
    extra_keys = achievement.keys() - _STANDARD_ACHIEVEMENT_KEYS
    if extra_keys:
        for element, value in ext_fields({k: achievement[k] for k in extra_keys}, EXTENSION_KEYS).items():
            found.setdefault(element, value)
    if "outcomes" in found:
        outcomes = [
            lang(o)
            if not isinstance(o, dict)
            else lang(o.get("name") or o.get("title") or o.get("description"))
            for o in as_list(found.pop("outcomes"))
        ] + outcomes
    ext = {k: extension_value(k, v) for k, v in found.items()}

    creator = achievement.get("creator")
    partner = None
    if creator is not None:
        creator_id = ident(creator)
        if creator_id != provider_id:
            partner = (lang(creator.get("name")) if isinstance(creator, dict) else None) or creator_id
    atype_text = "|".join(str(t) for t in as_list(achievement.get("achievementType")) if t) or None
    purpose_text = lang(found.get("purpose")) if "purpose" in found else None
    info = ext.get("info")
    if info is None:
        criteria = achievement.get("criteria")
        info = extension_value("info", criteria.get("id") if isinstance(criteria, dict) else None)
    rec.update(
        purpose="prior_learning" if is_prior_learning(atype_text, purpose_text) else "new_learning",
        title=title,
        description=lang(achievement.get("description")) or lang(doc.get("description")),
        learning_outcomes=joined(outcomes),
        esco_skills=joined(skills),
        isced_f_broad=ext.get("isced") or extension_value("isced", achievement.get("fieldOfStudy")),
        eqf_level=ext.get("eqf"),
        ects=number(achievement.get("creditsAvailable")) or ext.get("ects"),
        notional_hours=ext.get("hours"),
        participation_form=ext.get("participation"),
        assessment_type=ext.get("assessment"),
        supervision=ext.get("supervision") or ext.get("idcheck"),
        qa_type=ext.get("qa"),
        prerequisites=ext.get("prereq"),
        integration=ext.get("integration"),
        co_design_partner=partner,
        further_info_url=info,
        achievement_type=atype_text,
    )
    return rec
