"""Europass EDCI XML credentials (ELM v1/v2 `europassCredential`, as issued before ELM v3 JSON-LD).

Parsed with lxml and nothing else: no DTD is loaded, no entity is resolved, nothing is fetched
(`PARSER`). Elements are matched by local name, so the namespace variants of the model
(`http://data.europa.eu/snb`, `…/europass/model/credentials#`) read alike. An EDCI document keeps its
parts in reference lists (`agentReferences`, `learningSpecificationReferences`, …) and points at them
with `idref`; those ids (`urn:epass:org:1`) are local to the document, so they are resolved inside the
file only and every id that is local is scoped to the file's delivery name (`scoped`): two documents
that both say `urn:epass:org:1` never share an awarding body.

One credential is one award, mapped to the same record as ELM v3 JSON-LD (`elm.map_elm`): the first
top-level learning achievement is the award's achievement; its specification (`specifiedBy` ->
qualification / learningSpecification) gives title, ECTS (`hasECTSCreditPoints`), hours
(`volumeOfLearning`), EQF (`eqfLevel/@uri`), ISCED-F, learning outcomes (`learningOutcomes/
learningOutcome/@idref` -> `prefLabel`), modes of learning, entry requirements and partial-
qualification flag; its assessment (`wasDerivedFrom`) gives grade, ID verification and the
assessment type (`specifiedBy` -> assessmentSpecification `type`); `wasAwardedBy` -> awardingProcess
gives the awarding body and the awarding date. What the top achievement leaves unknown is taken from
its parts (`hasPart`), in document order. A credential with activities but no achievement is a
record of participation: assessment type `none`.
"""

from __future__ import annotations

import hashlib
import re

from lxml import etree

from pipelines.sources.standards.jsonio import ParseError
from pipelines.sources.standards.mapping import (
    SCOPED_NOTE,
    SPLIT_NOTE,
    MapError,
    assessment,
    country,
    duration_hours,
    eqf,
    esco_skill,
    integration,
    is_local_id,
    is_prior_learning,
    isced_broad,
    joined,
    national_id,
    number,
    parse_date,
    participation,
    qa_type,
    stable_id,
    supervision,
    take_unmapped,
    web_url,
)

PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)
ROOTS = frozenset({"europassCredential", "europassDiplomaSupplement"})
PRESENTATION = "europassPresentation"
_SNIFF = re.compile(
    rb"<\s*(?:[A-Za-z0-9_-]+:)?(europassCredential|europassPresentation|europassDiplomaSupplement)\b", re.I
)
# ids that mean something only inside their document
_LOCAL = re.compile(r"^(?:urn:epass:|_:|#)", re.I)
_MAX_PARTS = 64  # hasPart achievements looked at for fields the top achievement leaves unknown


def scoped(value: str | None, document: str) -> str | None:
    """A document-local id (`urn:epass:*`, `_:`, `#x`, a relative path) prefixed with the file's name
    (`<file>#<id>`, the rule of `mapping.is_local_id`); a global id as it is."""
    if not value or not value.strip():
        return None
    value = value.strip()
    return f"{document}#{value}" if is_local_id(value) or _LOCAL.match(value) else value


def is_edci(data: bytes) -> bool:
    head = data[:8192]  # the root element and its namespaces come first
    if b"data.europa.eu/snb" in head or b"data.europa.eu/europass/model" in head:
        return True
    return bool(_SNIFF.search(head))


# ------------------------------------------------------------------------------------------- tree


def _name(el) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


# element -> {local name: children in document order}, for the document being mapped: built in one
# pass by `_Doc` (the readers map one document at a time). Holding the elements keeps their lxml
# proxies alive, so an element met again (a parent, an `idref` target) is the same key.
_CHILDREN: dict = {}
_NONE: dict = {}
_ELEMENT = etree.Element  # `iter` filter: elements only, no comments or entity references
_NAMES: dict[str, str] = {}  # tag -> local name, for the tags met so far (bounded)
_MAX_NAMES = 4096


def _index(root) -> dict[str, object]:
    """Fill `_CHILDREN` for the tree under `root` and return its id index (first element per id)."""
    children: dict = {}
    ids: dict[str, object] = {}
    names = _NAMES
    ident = root.get("id")
    if ident:
        ids[ident] = root
    for el in root.iterdescendants(_ELEMENT):
        tag = el.tag
        name = names.get(tag)
        if name is None:
            name = tag[tag.rfind("}") + 1 :]
            if len(names) < _MAX_NAMES:
                names[tag] = name
        parent = el.getparent()
        found = children.get(parent)
        if found is None:
            children[parent] = {name: [el]}
        else:
            kids = found.get(name)
            if kids is None:
                found[name] = [el]
            else:
                kids.append(el)
        if el.attrib:
            ident = el.get("id")
            if ident and ident not in ids:
                ids[ident] = el
    global _CHILDREN
    _CHILDREN = children
    return ids


def _by_name(el) -> dict[str, list]:
    return _CHILDREN.get(el, _NONE)


def _kids(el, *names: str) -> list:
    """Children by local name, in any namespace: those of the first name, then the next, ..."""
    found = _CHILDREN.get(el)
    if found is None:
        return []
    if len(names) == 1:
        return found.get(names[0], [])
    out: list = []
    for n in names:
        kids = found.get(n)
        if kids:
            out += kids
    return out


def _kid(el, *names: str):
    found = _CHILDREN.get(el)
    if found is not None:
        for n in names:
            kids = found.get(n)
            if kids:
                return kids[0]
    return None


def _attr(el, local: str) -> str | None:
    """An attribute by local name, whatever its namespace (`cred:id`, `id`)."""
    if el is None:
        return None
    value = el.get(local)
    if value is None:
        attrib = el.attrib
        if len(attrib) == 0:
            return None
        for key, found in attrib.items():
            if key.rpartition("}")[2] == local:
                value = found
                break
        else:
            return None
    value = value.strip()
    return value or None


def _text(el) -> str | None:
    """Text of an element: its `<text lang>` children (English preferred, else the first), else its own."""
    if el is None:
        return None
    fallback = None
    texts = _CHILDREN.get(el, _NONE).get("text")
    for t in texts or ():
        text = (t.text or "").strip()
        if text:
            if (t.get("lang") or "").lower().startswith("en"):
                return text
            fallback = fallback or text
    if texts:
        return fallback
    text = (el.text or "").strip()
    return text or None


def _concept(el) -> dict | None:
    """A coded element (`uri`, `targetNotation`, `targetName`) as the dict the ELM normalisers read."""
    if el is None:
        return None
    return {
        "id": _attr(el, "uri"),
        "notation": _attr(el, "targetNotation"),
        "prefLabel": _text(_kid(el, "targetName")) or _text(el),
    }


class _Doc:
    """One credential element with its id index (ids resolved within this document only)."""

    def __init__(self, root, name: str, scope=None):
        self.root, self.name = root, name
        self.scope = scope or (lambda value: scoped(value, name))
        self.ids = _index(root)

    def resolve(self, el):
        """The element an `idref` points at (inside this document), else the element itself."""
        if el is None:
            return None
        ref = el.get("idref")
        if ref is not None:
            return self.ids.get(ref.strip())
        return el

    def ref(self, el, *names: str):
        return self.resolve(_kid(el, *names))


# ------------------------------------------------------------------------------------------- pieces


def _scope(doc: _Doc, value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    return doc.scope(value.strip())


def _organisation(doc: _Doc, org) -> tuple[str | None, str | None, str | None]:
    """(scoped id, name, alpha-2 country) of an `organization` element."""
    if org is None:
        return None, None, None
    ident = _scope(doc, org.get("id") or _attr(org, "id"))
    name = _text(_kid(org, "prefLabel")) or _text(_kid(org, "legalName")) or _text(_kid(org, "altLabel"))
    code = None
    for location in _kids(org, "hasLocation", "location"):
        location = doc.resolve(location)
        for address in _kids(location, "hasAddress", "address"):
            code = country(_concept(_kid(address, "country", "countryCode")))
            if code:
                break
        if code:
            break
    if code is None:
        for reg in _kids(org, "registration", "vatIdentifier", "eIDASIdentifier", "legalIdentifier"):
            code = country(_attr(reg, "spatialID"))
            if code:
                break
    return ident, name, code


def _learner(doc: _Doc, subject) -> tuple[str | None, str | None]:
    """Subject id (unless local), national ID (country-prefixed), e-mail; the file-scoped local id last."""
    sid = subject.get("id") or _attr(subject, "id")
    if sid and _scope(doc, sid) == sid.strip():
        return sid.strip(), "subject_id"
    national = _kid(subject, "nationalId", "nationalID")
    if national is not None and (national.text or "").strip():
        cc = country(_attr(national, "spatialID"))
        value = national.text.strip()
        return national_id(cc, value), "national_id"
    for point in _kids(subject, "contactPoint"):
        for box in _kids(point, "mailBox", "emailAddress", "email"):
            address = _attr(box, "uri") or (box.text or "").strip()
            address = (address or "").removeprefix("mailto:").strip().lower()
            if address:
                return address, "email"
    if sid and sid.strip():
        return _scope(doc, sid), "subject_id"
    return None, None


def _date(el, what: str) -> tuple[str | None, str | None]:
    if el is None or not (el.text or "").strip():
        return None, None
    return parse_date(el.text.strip(), what, f"/{what}")


def _achievements(doc: _Doc, subject) -> list:
    out = []
    for holder in _kids(subject, "achievements"):
        for ach in _kids(holder, "learningAchievement", "achievement"):
            ach = doc.resolve(ach)
            if ach is not None:
                out.append(ach)
    return out


def _parts(doc: _Doc, achievement) -> list:
    """The achievement, then its parts (`hasPart`, depth first, bounded), each resolved in the document."""
    out, stack, seen = [], [achievement], set()
    while stack and len(out) < _MAX_PARTS:
        ach = stack.pop(0)
        if ach is None or id(ach) in seen:
            continue
        seen.add(id(ach))
        out.append(ach)
        kids = []
        for part in _kids(ach, "hasPart"):
            for sub in _kids(part, "learningAchievement", "achievement"):
                kids.append(doc.resolve(sub))
        stack[:0] = kids
    return out


def _modes(doc: _Doc, *holders) -> str | None:
    """Form of participation from `mode` elements; online and onsite together are blended."""
    found: list[str] = []
    for holder in holders:
        for mode in _kids(holder, "mode", "learningMode"):
            code = participation(_concept(mode))
            if code and code not in found:
                found.append(code)
        if found:
            break
    if not found:
        return None
    if "blended" in found or {"online", "onsite"} <= set(found):
        return "blended"
    return found[0]


def _outcomes(doc: _Doc, spec) -> tuple[list[str | None], list[str | None]]:
    outcomes, skills = [], []
    for holder in _kids(spec, "learningOutcomes"):
        for lo in _kids(holder, "learningOutcome"):
            lo = doc.resolve(lo)
            if lo is None:
                continue
            outcomes.append(_text(_kid(lo, "prefLabel")) or _text(_kid(lo, "title")) or _text(lo))
            for skill in _kids(lo, "relatedESCOSkill", "relatedSkill"):
                skills.append(esco_skill(_attr(skill, "uri")))
    for lo in _kids(spec, "learningOutcome"):  # outcomes written inline
        lo = doc.resolve(lo)
        if lo is not None:
            outcomes.append(_text(_kid(lo, "prefLabel")) or _text(lo))
    if not any(outcomes):
        outcomes.append(_text(_kid(spec, "learningOutcomeDescription", "learningOutcomeSummary")))
    return outcomes, skills


def _ects(spec) -> str | None:
    for key in ("hasECTSCreditPoints", "ECTSCreditPoints", "ectsCreditPoints"):
        el = _kid(spec, key)
        if el is not None:
            value = number((el.text or "").strip())
            if value:
                return value
    for credit in _kids(spec, "creditPoints", "creditPoint"):
        framework = _kid(credit, "framework")
        text = " ".join(
            filter(None, [_attr(credit, "framework"), _attr(framework, "uri"), _text(framework)])
        ).lower()
        if "ects" in text or "6fcec5c5af" in text:
            return number(_text(_kid(credit, "point")) or (credit.text or "").strip())
    return None


def _signed(root) -> bool:
    """Carries an XML signature with a non-empty SignatureValue (never verified)."""
    for el in root.iter("{http://www.w3.org/2000/09/xmldsig#}SignatureValue"):
        if (el.text or "").strip():
            return True
    return False


# ------------------------------------------------------------------------------------------- mapping


def map_edci(root, name: str, data_digest: str, known=None) -> dict:
    """One `europassCredential` element -> the flat record every format mapper returns; `known` (the
    reader's sink) scopes local ids and keeps specification ids apart per issuer, as for ELM."""
    signed = _signed(root)
    doc = _Doc(root, name, getattr(known, "local", None))
    subject = _kid(root, "credentialSubject")
    if subject is None:
        raise MapError(
            "missing_required",
            "credential_subject",
            "the credential has no credentialSubject",
            "/credentialSubject",
        )
    learner, kind = _learner(doc, subject)
    if learner is None:
        raise MapError(
            "missing_required",
            "learner_identification",
            "credentialSubject has no usable id, nationalId or e-mail address",
            "/credentialSubject",
        )
    achievements = _achievements(doc, subject)
    top = achievements[0] if achievements else None
    chain = _parts(doc, top) if top is not None else []

    awarding = doc.ref(top, "wasAwardedBy", "awardedBy") if top is not None else None
    body = doc.ref(awarding, "awardingBody")
    issuer = doc.ref(root, "issuer")
    provider_id, provider_name, provider_country = _organisation(doc, body)
    issuer_id, issuer_name, issuer_country = _organisation(doc, issuer)
    if provider_id is None:
        provider_id, provider_name, provider_country = issuer_id, issuer_name, issuer_country
    elif provider_country is None and provider_id == issuer_id:
        provider_country = issuer_country
    if provider_id is None:
        raise MapError(
            "missing_required",
            "issuer",
            "neither an awarding body nor an issuer is identified inside the document",
            "/issuer",
        )

    issue_date, issued_at = _date(_kid(awarding, "date", "awardingDate"), "awardingProcess/date")
    if issue_date is None:
        issue_date, issued_at = _date(_kid(root, "issued", "issuanceDate"), "issued")
    if issue_date is None:
        issue_date, issued_at = _date(_kid(root, "validFrom"), "validFrom")
    if issue_date is None:
        raise MapError(
            "missing_required", "issue_date", "the credential has no issued/validFrom date", "/issued"
        )
    expiry, _ = _date(_kid(root, "validUntil", "expirationDate", "expiryDate"), "validUntil")

    specs = [doc.ref(a, "specifiedBy") for a in chain]
    spec = specs[0] if specs else None
    title = _text(_kid(spec, "title")) or _text(_kid(top, "title")) or _text(_kid(root, "title"))
    award_id = _attr(root, "id") or root.get("id")
    award_id = _scope(doc, award_id) if award_id else stable_id("award", name, data_digest)
    credential_id = (_scope(doc, spec.get("id")) if spec is not None else None) or stable_id(
        "credential", provider_id, title
    )
    if hasattr(known, "spec"):
        credential_id = known.spec(credential_id, provider_id)

    # assessment: the first achievement of the chain that was assessed
    assessed = next(
        (
            doc.ref(a, "wasDerivedFrom", "provenBy")
            for a in chain
            if _kid(a, "wasDerivedFrom", "provenBy") is not None
        ),
        None,
    )
    assess_spec = doc.ref(assessed, "specifiedBy")
    grade = _text(_kid(assessed, "grade"))
    assess = (
        assessment(_concept(_kid(assess_spec, "type")))
        or assessment(_concept(_kid(assessed, "type")))
        or assessment(_text(_kid(assessed, "title")))
        or assessment(_text(_kid(assess_spec, "title")))
    )
    activities = _kids(_kid(subject, "activities"), "activity")
    notes = None
    if assess is None and not achievements and activities:
        assess = "none"  # a record of participation: nothing was assessed
        notes = "participation"
    superv = supervision(_concept(_kid(assessed, "idVerificationMethod", "idVerification"))) or supervision(
        _concept(_kid(assess_spec, "idVerificationMethod", "supervisionVerification"))
    )

    # the top specification's outcomes; when it states none, those of all its parts
    outcomes, skills = _outcomes(doc, spec) if spec is not None else ([], [])
    if not any(outcomes):
        for s in specs[1:]:
            if s is not None:
                o, k = _outcomes(doc, s)
                outcomes, skills = outcomes + o, skills + k
    ects = next((v for v in (_ects(s) for s in specs if s is not None) if v), None)
    hours = None
    for s in specs:
        hours = duration_hours(_text(_kid(s, "volumeOfLearning"))) if s is not None else None
        if hours:
            break
    activity_specs = [doc.ref(doc.resolve(a), "specifiedBy") for a in activities]
    influenced = [doc.ref(doc.ref(a, "wasInfluencedBy"), "specifiedBy") for a in chain]
    form = _modes(doc, *[s for s in specs if s is not None]) or _modes(
        doc, *[s for s in influenced + activity_specs if s is not None]
    )
    level = next((v for v in (eqf(_concept(_kid(s, "eqfLevel"))) for s in specs if s is not None) if v), None)
    isced = next(
        (
            v
            for v in (
                isced_broad(_attr(_kid(s, "hasISCED-FCode", "ISCEDFCode", "thematicArea"), "uri"))
                for s in specs
                if s is not None
            )
            if v
        ),
        None,
    )

    qa = None
    for holder in (spec, body):
        accreditation = _kid(holder, "hasAccreditation", "accreditation")
        if accreditation is not None:
            accreditation = doc.resolve(accreditation)
            qa = qa_type(_concept(_kid(accreditation, "type"))) or "external"
            break

    partial = _kid(spec, "isPartialQualification")
    stack = (
        integration((partial.text or "").strip().lower() == "true")
        if partial is not None and (partial.text or "").strip().lower() in ("true", "false")
        else None
    )
    info = None
    for key in ("homepage", "supplementaryDoc", "supplementaryDocument"):
        for item in _kids(spec, key):
            info = web_url(_attr(item, "uri") or _text(item))
            if info:
                break
        if info:
            break
    spec_type = _text(_kid(_kid(spec, "type"), "targetName")) if spec is not None else None
    cred_type = _text(_kid(_kid(root, "type"), "targetName"))
    setting = _text(_kid(_kid(spec, "learningSettingType", "learningSetting"), "targetName"))

    return {
        "award_id": award_id,
        "issue_date": issue_date,
        "issued_at": issued_at,
        "expiry_date": expiry,
        "format": "digital_certificate",
        "standard": "ELM",
        "signed": "true" if signed else "false",
        "purpose": "prior_learning" if is_prior_learning(spec_type, cred_type, setting) else "new_learning",
        "status": "issued",
        "grade": grade,
        "learner_id": learner,
        "learner_kind": kind,
        "provider_id": provider_id,
        "provider_name": provider_name,
        "country_code": provider_country,
        "credential_id": credential_id,
        "title": title,
        "description": _text(_kid(spec, "description"))
        or _text(_kid(top, "description"))
        or _text(_kid(root, "description")),
        "learning_outcomes": joined(outcomes),
        "esco_skills": joined(skills),
        "isced_f_broad": isced,
        "eqf_level": level,
        "ects": ects,
        "notional_hours": hours,
        "participation_form": form,
        "assessment_type": assess,
        "supervision": superv,
        "qa_type": qa,
        "prerequisites": _text(_kid(spec, "entryRequirementsNote", "entryRequirement")),
        "integration": stack,
        "co_design_partner": None,
        "further_info_url": info,
        "achievement_type": spec_type or cred_type,
        "_note": notes,
    }


# ------------------------------------------------------------------------------------------- reading


def credentials_of(data: bytes) -> list:
    """The credential elements of an EDCI XML file (a credential, or each one of a presentation).

    Raises ParseError for XML that is not well-formed (the message gives the line, never the content),
    that declares entities, or that is not an EDCI credential.
    """
    if not is_edci(data):
        raise ParseError("the XML file is not a Europass EDCI credential or a baked SVG badge")
    head = data[:65536]
    if b"<!ENTITY" in head or b"<!entity" in head:
        raise ParseError("the XML declares entities, which are never expanded: refused", fmt="EDCI")
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else "?"
        raise ParseError(f"the XML is not well-formed (at line {line})", fmt="EDCI") from None
    if root is None:
        raise ParseError("the XML file holds no element", fmt="EDCI")
    local = _name(root)
    if local in ROOTS:
        return [root]
    if local == PRESENTATION:
        found = [el for el in root.iter() if isinstance(el.tag, str) and _name(el) in ROOTS]
        if found:
            return found
        raise ParseError("the Europass presentation holds no credential", fmt="EDCI")
    raise ParseError("the XML file is not a Europass EDCI credential or a baked SVG badge")


def read_xml(reader, out, data: bytes) -> None:
    """Hook for `delivery._Reader`: map every credential of an EDCI XML file into the reader's sink."""
    credentials = credentials_of(data)
    digest = hashlib.sha256(data).hexdigest()
    several = len(credentials) > 1
    for i, root in enumerate(credentials):
        out._formats["EDCI"] += 1
        out.records_in += 1
        line = root.sourceline or 1
        sink = reader.sink
        if hasattr(sink, "file"):
            sink.file, sink.scoped, sink.split = out.name, 0, 0
        take_unmapped()  # what earlier code left behind is not this record's
        try:
            rec = map_edci(root, out.name, f"{digest}:{i}" if several else digest, sink)
        except MapError as exc:
            reader._quarantine(out, line, exc.reason_code, exc.check_name, exc.detail, exc.json_path)
            continue
        if rec.pop("_note", None):
            out._counts["record(s) of participation without an achievement: assessment type none"] += 1
        for attr, note in (("scoped", SCOPED_NOTE), ("split", SPLIT_NOTE)):
            if getattr(sink, attr, 0):
                out._counts[note] += 1
        reader._load(rec, {"edci_sha256": digest, "index": i}, out, line)
