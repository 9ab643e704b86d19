"""Open Badges 2.0 assertions, with BadgeClass and Issuer resolved by `id` inside the delivery.

An assertion usually names its BadgeClass by URL, and the BadgeClass names its Issuer by URL. URLs are
never fetched: the documents must be in the same delivery (any file, any order), or embedded. What
cannot be resolved leaves those Annex I elements unknown; the award itself still loads.

Revocation: an assertion marked `"revoked": true`, or listed (by `id` or `uid`, as a string or an
object with an optional `revocationReason`) in the `revokedAssertions` of the RevocationList its
Issuer's `revocationList` names, is `revoked`. The list too is resolved by id inside the delivery
only; a list that is not there leaves the status `issued` (the reader counts it in the file notes).
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
    is_local_id,
    is_prior_learning,
    joined,
    lang,
    pick_date,
    stable_id,
    web_url,
)

SUPPORTING = frozenset(
    {
        "BadgeClass",
        "Issuer",
        "Profile",
        "CryptographicKey",
        "RevocationList",
        "Criteria",
        "Endorsement",
        "Extension",
        "VerificationObject",
    }
)
_KEEP_OUT = ("image", "@context", "publicKey", "endorsement")
_STANDARD_BADGE_KEYS = frozenset(
    {
        "id",
        "type",
        "name",
        "description",
        "image",
        "criteria",
        "issuer",
        "alignment",
        "tags",
        "endorsement",
        "@context",
        "@language",
        "related",
        "version",
    }
)


def slim(doc: dict) -> dict:
    """A copy without images, keys and contexts: kept for resolution, so it must stay small."""
    return {k: v for k, v in doc.items() if k not in _KEEP_OUT}


class Ob2Index:
    """BadgeClass/Issuer/Criteria documents of the whole delivery, by id."""

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}
        self._revoked: dict[str, frozenset[str]] = {}  # revocation list id -> revoked assertion ids

    def revoked_ids(self, ref) -> frozenset[str] | None:
        """The ids and uids a RevocationList revokes, or None when `ref` does not resolve to one."""
        key = ref.strip() if isinstance(ref, str) else ident(ref) if isinstance(ref, dict) else None
        if key is not None and key in self._revoked:
            return self._revoked[key]
        found = self.resolve(ref)
        if not isinstance(found, dict) or not isinstance(found.get("revokedAssertions"), list):
            return None
        ids = set()
        for entry in found["revokedAssertions"]:
            values = [entry] if isinstance(entry, str) else []
            if isinstance(entry, dict):
                values = [entry.get("id"), entry.get("uid")]
            ids.update(v.strip() for v in values if isinstance(v, str) and v.strip())
        revoked = frozenset(ids)
        if key is not None:
            self._revoked[key] = revoked
        return revoked

    def register(self, doc: dict) -> None:
        key = ident(doc)
        if key and key not in self.docs:
            self.docs[key] = slim(doc)
        for child in ("badge", "issuer"):
            value = doc.get(child)
            if isinstance(value, dict):
                self.register(value)

    def resolve(self, ref) -> dict | None:
        if isinstance(ref, dict):
            ref_id = ident(ref)
            # an embedded stub holding only a (global) id still resolves to the full document; a
            # document-local id means nothing outside its own file
            return self.docs.get(ref_id, ref) if ref_id and len(ref) <= 2 and not is_local_id(ref_id) else ref
        if isinstance(ref, str):
            return None if is_local_id(ref.strip()) else self.docs.get(ref.strip())
        return None


def is_legacy_assertion(doc: dict) -> bool:
    """OB 1.x assertions have no `type` but a recipient and a badge."""
    return "type" not in doc and "recipient" in doc and "badge" in doc


def learner_of(doc: dict) -> str | None:
    recipient = doc.get("recipient")
    if isinstance(recipient, str):  # OB 1.0: the recipient is the e-mail itself
        return recipient.strip().lower() or None
    if not isinstance(recipient, dict):
        return None
    identity = recipient.get("identity")
    if not isinstance(identity, str) or not identity.strip():
        return None
    identity = identity.strip()
    hashed = recipient.get("hashed")
    if not hashed and str(recipient.get("type", "email")).lower() == "email":
        identity = identity.lower()
    return identity


def revocation(doc: dict, issuer: dict, index: Ob2Index) -> str | None:
    """`revoked` (flagged or listed), `unresolved` (the issuer's list is not in the delivery), or None."""
    if doc.get("revoked") is True:
        return "revoked"
    ref = issuer.get("revocationList")
    if ref is None:
        return None
    revoked = index.revoked_ids(ref)
    if revoked is None:
        return "unresolved"
    own = (ident(doc), doc.get("uid"))
    return "revoked" if any(isinstance(k, str) and k.strip() in revoked for k in own) else None


def map_ob2(doc: dict, index: Ob2Index, signed: bool, known: Known | None = None) -> dict:
    """One OB2 assertion -> flat record; BadgeClass/Issuer come from the delivery index (or embedded).

    Document-local ids (`_:badge`, `#issuer`, …) are scoped to the assertion's file by `known`, as for
    Open Badges 3.0 and ELM, so embedded BadgeClasses of different files never share fields."""
    learner = learner_of(doc)
    if learner is None:
        raise MapError(
            "missing_required",
            "learner_identification",
            "the assertion has no recipient.identity",
            "$.recipient",
        )
    issue_date, issued_at = pick_date(doc, ("issuedOn", "issued_on", "issued", "awardedDate"))
    if issue_date is None:
        raise MapError("missing_required", "issue_date", "the assertion has no issuedOn date", "$.issuedOn")
    expiry, _ = pick_date(doc, ("expires", "validUntil", "expirationDate"))

    badge_ref = doc.get("badge")
    badge = index.resolve(badge_ref) or {}
    issuer_ref = badge.get("issuer")
    issuer = index.resolve(issuer_ref) or {}
    revoked = revocation(doc, issuer, index)
    provider_id = ident(issuer) or ident(issuer_ref)
    if known is not None:
        provider_id = known.local(provider_id)
    provider_name = lang(issuer.get("name"))
    address = first(issuer.get("address"))
    provider_country = None
    if isinstance(address, dict):
        provider_country = country(address.get("addressCountryCode")) or country(
            address.get("addressCountry")
        )

    title = lang(badge.get("name"))
    credential_id = ident(badge) or ident(badge_ref)
    if credential_id is None:  # no id: local to this assertion's file
        credential_id = stable_id("credential", provider_id, title, known.file if known else None)
    elif known is not None:
        credential_id = known.spec(known.local(credential_id), provider_id)
    found: dict[str, object] = {}
    outcomes, skills = alignment_values(badge.get("alignment"), found)
    extra_keys = badge.keys() - _STANDARD_BADGE_KEYS
    if extra_keys:
        for element, value in ext_fields({k: badge[k] for k in extra_keys}, EXTENSION_KEYS).items():
            found.setdefault(element, value)
    if "outcomes" in found:
        outcomes = [lang(o) for o in as_list(found.pop("outcomes"))] + outcomes
    ext = {k: extension_value(k, v) for k, v in found.items()}
    criteria = badge.get("criteria")
    info = ext.get("info") or web_url(criteria if isinstance(criteria, str) else ident(criteria))
    tags = "|".join(str(t) for t in as_list(badge.get("tags")) if isinstance(t, str)) or None
    award_id = ident(doc) or (doc.get("uid") if isinstance(doc.get("uid"), str) else None)
    if known is not None:
        award_id = known.local(award_id)
    purpose_text = lang(found.get("purpose")) if "purpose" in found else None

    return {
        "award_id": award_id,
        "issue_date": issue_date,
        "issued_at": issued_at,
        "expiry_date": expiry,
        "format": "digital_badge",
        "standard": "OB2",
        "signed": "true" if signed or proof_signed(doc.get("proof")) else "false",
        "purpose": "prior_learning" if is_prior_learning(purpose_text, tags) else "new_learning",
        "status": "revoked" if revoked == "revoked" else "issued",
        "revocation": revoked,  # for the reader's file notes; not a column
        "grade": lang(doc.get("grade")),
        "learner_id": learner,
        "learner_kind": "recipient_identity",
        "provider_id": provider_id,
        "provider_name": provider_name,
        "country_code": provider_country,
        "credential_id": credential_id,
        "title": title,
        "description": lang(badge.get("description")),
        "learning_outcomes": joined(outcomes),
        "esco_skills": joined(skills),
        "isced_f_broad": ext.get("isced"),
        "eqf_level": ext.get("eqf"),
        "ects": ext.get("ects"),
        "notional_hours": ext.get("hours"),
        "participation_form": ext.get("participation"),
        "assessment_type": ext.get("assessment"),
        "supervision": ext.get("supervision") or ext.get("idcheck"),
        "qa_type": ext.get("qa"),
        "prerequisites": ext.get("prereq"),
        "integration": ext.get("integration"),
        "co_design_partner": None,
        "further_info_url": info,
        "achievement_type": None,
    }
