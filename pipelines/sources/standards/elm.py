"""European Learning Model v3 (Europass Digital Credentials) JSON-LD -> record.

ELM is the richest source of Annex I elements: ECTS credit points, ISO 8601 volume of learning, EQF
level, ESCO skills, ID verification, learning mode. Text is in language maps (English preferred) and
countries are alpha-3 URIs (mapped to alpha-2). The provider is the claim's *awarding body*; the
credential `issuer` (often a sealing service) is only the fallback.
"""

from __future__ import annotations

import re

from pipelines.sources.standards.jsonio import proof_signed
from pipelines.sources.standards.mapping import (
    EXTENSION_KEYS,
    Known,
    MapError,
    as_list,
    assessment,
    country,
    eqf,
    esco_skill,
    ext_fields,
    extension_value,
    first,
    ident,
    integration,
    is_prior_learning,
    isced_broad,
    joined,
    label,
    lang,
    national_id,
    number,
    participation,
    pick_date,
    qa_type,
    stable_id,
    supervision,
    web_url,
)
from pipelines.sources.standards.mapping import duration_hours as hours_of

TYPES = frozenset(
    {
        "EuropeanDigitalCredential",
        "EuropassCredential",
        "EuropeanDiplomaSupplement",
        "EuropassDiplomaSupplement",
        "EuropeanDigitalCredentialV3",
    }
)
ISSUE_KEYS = ("awardedDate", "validFrom", "issuanceDate", "issuedOn", "issued")
EXPIRY_KEYS = ("validUntil", "expirationDate", "expires")
# Person ids such as urn:epass:person:1 are local to one document, not a learner identifier
_LOCAL_ID = re.compile(r"^(?:urn:epass:person:|_:)", re.I)
_ECTS_FRAMEWORKS = ("ects", "6fcec5c5af")


def is_elm(doc: dict, types: set[str]) -> bool:
    if types & TYPES:
        return True
    subject = first(doc.get("credentialSubject"))
    return "VerifiableCredential" in types and isinstance(subject, dict) and "hasClaim" in subject


def _claim(subject: dict) -> dict | None:
    claims = [c for c in as_list(subject.get("hasClaim")) if isinstance(c, dict)]
    for claim in claims:
        if "LearningAchievement" in as_list(claim.get("type")):
            return claim
    return claims[0] if claims else None


def _organisation(org) -> tuple[str | None, str | None, str | None]:
    """(id, name, alpha-2) of an ELM Organisation (location address first, then registrations)."""
    org = first(org)
    if isinstance(org, str):
        return org.strip() or None, None, None
    if not isinstance(org, dict):
        return None, None, None
    code = None
    for location in as_list(org.get("location")):
        if isinstance(location, dict):
            for address in as_list(location.get("address")):
                if isinstance(address, dict):
                    code = country(address.get("countryCode"))
                    if code:
                        break
        if code:
            break
    if code is None:
        for key in ("registration", "eIDASIdentifier", "legalIdentifier"):
            reg = first(org.get(key))
            if isinstance(reg, dict):
                code = country(reg.get("spatial"))
                if code:
                    break
    name = lang(org.get("legalName")) or lang(org.get("altLabel")) or lang(org.get("prefLabel"))
    return ident(org), name, code


def learner_of(subject: dict) -> tuple[str | None, str | None]:
    """Subject id (unless document-local), national ID (country-prefixed), e-mail; local id last."""
    sid = subject.get("id")
    sid = sid.strip() if isinstance(sid, str) else None
    if sid and not _LOCAL_ID.match(sid):
        return sid, "subject_id"
    national = first(subject.get("nationalID") or subject.get("nationalId"))
    if isinstance(national, dict):
        notation = national.get("notation")
        if isinstance(notation, (str, int)) and str(notation).strip():
            cc = country(national.get("spatial"))
            return national_id(cc, str(notation).strip()), "national_id"
    elif isinstance(national, str) and national.strip():
        return national.strip(), "national_id"
    for point in as_list(subject.get("contactPoint")):
        if isinstance(point, dict):
            for mail in as_list(point.get("emailAddress") or point.get("email")):
                address = ident(mail)
                if address:
                    address = address.removeprefix("mailto:").strip().lower()
                    if address:
                        return address, "email"
    if sid:
        return sid, "subject_id"
    return None, None


def map_elm(doc: dict, signed: bool, known: Known | None = None) -> dict:
    """One ELM credential -> flat record; the first LearningAchievement claim is the award's achievement."""
    subject = first(doc.get("credentialSubject"))
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
            "credentialSubject has no usable id, nationalID or e-mail address",
            "$.credentialSubject",
        )
    claim = _claim(subject)
    if claim is None:
        raise MapError(
            "missing_required",
            "has_claim",
            "credentialSubject has no hasClaim achievement",
            "$.credentialSubject.hasClaim",
        )
    awarding = first(claim.get("awardedBy"))
    awarding = awarding if isinstance(awarding, dict) else {}
    provider_id, provider_name, provider_country = _organisation(awarding.get("awardingBody"))
    if provider_id is None:
        provider_id, provider_name, provider_country = _organisation(doc.get("issuer"))
    else:
        _, _, issuer_country = _organisation(doc.get("issuer"))
        provider_country = provider_country or (
            issuer_country if ident(doc.get("issuer")) == provider_id else None
        )
    if provider_id is None:
        raise MapError(
            "missing_required", "issuer", "neither an awarding body nor an issuer is identified", "$.issuer"
        )
    if known is not None:
        provider_id = known.local(provider_id)

    awarded = awarding.get("awardingDate")
    if awarded not in (None, ""):
        issue_date, issued_at = pick_date(
            {"awardingDate": awarded}, ("awardingDate",), "$.credentialSubject.hasClaim.awardedBy"
        )
    else:
        issue_date, issued_at = pick_date(doc, ISSUE_KEYS)
    if issue_date is None:
        raise MapError(
            "missing_required", "issue_date", "the credential has no issued/validFrom date", "$.issued"
        )
    expiry, _ = pick_date(doc, EXPIRY_KEYS)

    spec = first(claim.get("specifiedBy"))
    spec = spec if isinstance(spec, dict) else {}
    title = lang(spec.get("title")) or lang(claim.get("title")) or lang(doc.get("title"))
    credential_id = ident(spec)
    award_id = ident(doc)
    if credential_id is None:  # no id: local to this document's file
        credential_id = stable_id("credential", provider_id, title, known.file if known else None)
    if known is not None:
        credential_id = known.spec(known.local(credential_id), provider_id)
        award_id = known.local(award_id)
    proof_of = first(claim.get("provenBy"))
    proof_of = proof_of if isinstance(proof_of, dict) else {}
    rec = {
        "award_id": award_id,
        "issue_date": issue_date,
        "issued_at": issued_at,
        "expiry_date": expiry,
        "format": "digital_certificate",
        "standard": "ELM",
        "signed": "true" if signed or proof_signed(doc.get("proof")) else "false",
        "status": "issued",
        "grade": label(proof_of.get("grade")) or label(claim.get("grade")),
        "learner_id": learner,
        "learner_kind": kind,
        "provider_id": provider_id,
        "provider_name": provider_name,
        "country_code": provider_country,
        "credential_id": credential_id,
    }
    if known is not None and credential_id in known.credentials:
        rec["purpose"] = known.credentials[credential_id]
        return rec  # the specification was mapped from an earlier credential (first wins)

    outcomes, skills = [], []
    for outcome in as_list(spec.get("learningOutcome")):
        if isinstance(outcome, dict):
            outcomes.append(lang(outcome.get("title")) or lang(outcome.get("description")))
            for skill in as_list(outcome.get("relatedESCOSkill")):
                skills.append(esco_skill(ident(skill)))
        else:
            outcomes.append(lang(outcome))
    if not any(outcomes):
        outcomes.append(label(spec.get("learningOutcomeSummary")))

    ects = None
    for credit in as_list(spec.get("creditPoint")):
        if isinstance(credit, dict):
            framework = first(credit.get("framework"))
            text = f"{label(framework) or ''} {ident(framework) or ''}".lower()
            if any(f in text for f in _ECTS_FRAMEWORKS):
                ects = number(credit.get("point"))
                break
    if ects is None and spec.get("ectsCreditPoints") is not None:
        ects = number(spec.get("ectsCreditPoints"))

    assess_spec = first(proof_of.get("specifiedBy"))
    assess_spec = assess_spec if isinstance(assess_spec, dict) else {}
    assess = (
        assessment(assess_spec.get("dcType"))
        or assessment(proof_of.get("dcType"))
        or assessment(proof_of.get("title"))
        or assessment(assess_spec.get("title"))
    )
    superv = (
        supervision(proof_of.get("idVerification"))
        or supervision(assess_spec.get("idVerification"))
        or supervision(assess_spec.get("supervisionVerification"))
    )

    qa = None
    for holder in (spec, first(awarding.get("awardingBody"))):
        if isinstance(holder, dict):
            accreditation = holder.get("hasAccreditation") or holder.get("accreditation")
            if accreditation:
                qa = (
                    qa_type(
                        first(accreditation).get("dcType") if isinstance(first(accreditation), dict) else None
                    )
                    or "external"
                )
                break
    extra = ext_fields(spec, {k: v for k, v in EXTENSION_KEYS.items() if v in ("qa", "purpose")})
    if qa is None and "qa" in extra:
        qa = extension_value("qa", extra["qa"])

    partial = spec.get("isPartialQualification", claim.get("isPartialQualification"))
    stack = integration(partial) if partial is not None else None
    if stack is None and (claim.get("isPartOf") or spec.get("isPartOf")):
        stack = "stackable"

    info = None
    for key in ("homepage", "supplementaryDocument"):
        for item in as_list(spec.get(key)):
            info = web_url(item.get("contentURL") if isinstance(item, dict) else item)
            if info:
                break
        if info:
            break

    dc_type = label(spec.get("dcType")) or label(doc.get("credentialProfiles"))
    purpose_text = lang(extra.get("purpose")) if "purpose" in extra else None

    rec.update(
        purpose="prior_learning"
        if is_prior_learning(dc_type, purpose_text, label(spec.get("learningSetting")))
        else "new_learning",
        title=title,
        description=lang(spec.get("description")) or lang(claim.get("description")),
        learning_outcomes=joined(outcomes),
        esco_skills=joined(skills),
        isced_f_broad=isced_broad(spec.get("thematicArea")),
        eqf_level=eqf(spec.get("eqfLevel")),
        ects=ects,
        notional_hours=hours_of(spec.get("volumeOfLearning")),
        participation_form=participation(spec.get("mode")),
        assessment_type=assess,
        supervision=superv,
        qa_type=qa,
        prerequisites=label(spec.get("entryRequirement")),
        integration=stack,
        co_design_partner=None,
        further_info_url=info,
        achievement_type=dc_type,
    )
    return rec
