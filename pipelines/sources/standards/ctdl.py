"""Credential Engine CTDL JSON-LD (`@graph` of `ceterms:` / `qdata:` nodes, as the Registry publishes).

CTDL describes *offers*, not issuances: every credential-type node (`ceterms:Badge`, `Certificate`,
`Certification`, `MicroCredential`, `AssociateDegree`, …) becomes a credential specification with its
provider (`ceterms:ownedBy`, else `offeredBy`, resolved inside the document; a registry URI that is not
in the document stays the provider id, with a placeholder name), and no award. A CTDL file is
accounted by its credential specifications (`FileOutcome.record_type = "credentials"`).
Credential-type nodes that are only referenced by another node (a blank-node target of a condition,
with no owner) are supporting documents, not offers of the file.

Outcome data (`ceterms:aggregateData` -> `AggregateDataProfile`, and `qdata:DataSetProfile` /
`DataSetTimeFrame` / `DataProfile`) is *published aggregate outcome data*: what the registry says about
holders, employment and earnings. It is kept apart (`outcomes_frame` -> `stg_published_outcomes`), one
row per measure with its period, source and the credential it describes, and never mixed into the
learner-level figures the observatory computes.

Text is a language map (`{"en-US": …}`): English preferred (`mapping.lang`). Ids that are blank nodes
(`_:…`) or relative are local to the document and scoped to the file's delivery name.
"""

from __future__ import annotations

import re

import polars as pl

from pipelines.sources.standards.mapping import (
    MapError,
    as_list,
    assessment,
    country,
    eqf,
    esco_skill,
    first,
    is_local_id,
    joined,
    lang,
    number,
    participation,
    stable_id,
    web_url,
)

CREDENTIAL_TYPES = frozenset(
    {
        "Credential",
        "ApprenticeshipCertificate",
        "AssociateDegree",
        "AssociateOfAppliedArtsDegree",
        "AssociateOfAppliedScienceDegree",
        "AssociateOfArtsDegree",
        "AssociateOfScienceDegree",
        "BachelorDegree",
        "BachelorOfArtsDegree",
        "BachelorOfScienceDegree",
        "Badge",
        "BasicTechnicalCertificate",
        "Certificate",
        "CertificateOfCompletion",
        "CertificateOfParticipation",
        "Certification",
        "Degree",
        "DigitalBadge",
        "Diploma",
        "DoctoralDegree",
        "GeneralEducationDevelopment",
        "JourneymanCertificate",
        "License",
        "MasterCertificate",
        "MasterDegree",
        "MasterOfArtsDegree",
        "MasterOfScienceDegree",
        "MicroCredential",
        "OpenBadge",
        "PostBaccalaureateCertificate",
        "PostMasterCertificate",
        "PreApprenticeshipCertificate",
        "ProfessionalDoctorate",
        "ProficiencyCertificate",
        "QualityAssuranceCredential",
        "ResearchDoctorate",
        "SecondarySchoolDiploma",
        "SpecialistDegree",
    }
)
BADGES = frozenset({"Badge", "DigitalBadge", "OpenBadge"})
QA_ROLES = ("ceterms:accreditedBy", "ceterms:approvedBy", "ceterms:recognizedBy", "ceterms:regulatedBy")
CONDITIONS = ("ceterms:requires", "ceterms:recommends")
_LOCAL = re.compile(r"^(?:_:|#)")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")

OUTCOME_SCHEMA = {
    "source_file": pl.String,
    "source_line": pl.Int64,
    "credential_id": pl.String,
    "credential_title": pl.String,
    "profile": pl.Int64,
    "measure": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "period_start": pl.String,
    "period_end": pl.String,
    "post_receipt_months": pl.Int64,
    "description": pl.String,
    "data_source": pl.String,
    "jurisdiction": pl.String,
}

# AggregateDataProfile / DataProfile properties -> (measure, unit; None = the profile's currency)
_MEASURES = {
    "ceterms:numberAwarded": ("holders", "persons"),
    "qdata:holdersInSet": ("holders", "persons"),
    "ceterms:medianEarnings": ("median_earnings", None),
    "ceterms:lowEarnings": ("low_earnings", None),
    "ceterms:highEarnings": ("high_earnings", None),
    "qdata:earningsAmount": ("earnings", None),
    "qdata:employmentRate": ("employment_rate", "%"),
    "ceterms:jobsObtained": ("jobs_obtained", "persons"),
    "qdata:jobsObtained": ("jobs_obtained", "persons"),
}


def _local(t) -> str:
    return t.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1] if isinstance(t, str) else ""


def _graph(doc: dict) -> list | None:
    inner = doc.get("GraphInput") if isinstance(doc.get("GraphInput"), dict) else doc
    graph = inner.get("@graph")
    if isinstance(graph, list):
        return [n for n in graph if isinstance(n, dict)]
    return None


def is_ctdl(doc: dict) -> bool:
    """A CTDL document: its context is credreg.net, or its nodes are typed `ceterms:` / `qdata:`."""
    inner = doc.get("GraphInput") if isinstance(doc.get("GraphInput"), dict) else doc
    if "credreg.net" in str(inner.get("@context", ""))[:2000]:
        return True
    for node in _graph(doc) or [inner]:
        for t in as_list(node.get("@type")):
            if isinstance(t, str) and t.startswith(("ceterms:", "qdata:")):
                return True
    return False


def scoped(value, document: str) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return f"{document}#{value}" if is_local_id(value) or _LOCAL.match(value) else value


def _names(values) -> list[str]:
    """Target names of CredentialAlignmentObjects (or plain texts)."""
    out = []
    for v in as_list(values):
        if isinstance(v, dict):
            text = lang(v.get("ceterms:targetNodeName")) or lang(v.get("ceterms:name"))
        else:
            text = lang(v)
        if text:
            out.append(text)
    return out


def _texts(value) -> list[str]:
    """Every text of a language map that holds lists (`{"en": ["a", "b"]}`), English preferred."""
    if isinstance(value, dict) and not any(k.startswith(("@", "ceterms:")) for k in value):
        key = next((k for k in value if k.lower().startswith("en")), next(iter(value), None))
        value = value.get(key) if key else None
    return [t for t in (lang(v) for v in as_list(value)) if t]


class _Doc:
    def __init__(self, nodes: list[dict], name: str):
        self.name = name
        self.nodes = nodes
        self.ids = {}
        for node in nodes:
            ident = node.get("@id")
            if isinstance(ident, str) and ident not in self.ids:
                self.ids[ident] = node

    def resolve(self, value):
        value = first(value)
        if isinstance(value, str):
            return self.ids.get(value.strip())
        return value if isinstance(value, dict) else None


def _provider(doc: _Doc, node: dict) -> tuple[str | None, str | None, str | None]:
    for key in ("ceterms:ownedBy", "ceterms:offeredBy"):
        ref = first(node.get(key))
        if ref is None:
            continue
        org = doc.resolve(ref)
        ident = ref if isinstance(ref, str) else (org or {}).get("@id")
        name = code = None
        if org:
            name = lang(org.get("ceterms:name"))
            for address in as_list(org.get("ceterms:address")):
                if isinstance(address, dict):
                    code = country(lang(address.get("ceterms:addressCountry")))
                    if code:
                        break
        if name is None and isinstance(ident, str) and ident.startswith(("http://", "https://")):
            name = registry_name(ident)
        ident = scoped(ident, doc.name) or stable_id("provider", doc.name, name)
        return ident, name, code
    return None, None, None


# The provider keeps the URI as its id; deliver the organisation (its CTDL node, or a providers.csv
# row with this id) to give it its real name.
REGISTRY_NOTE = "owner known only by a registry URI: provider name is a placeholder"


def registry_name(uri: str) -> str:
    """A placeholder name for an organisation known only by its registry URI (its CTID, if any)."""
    tail = uri.rstrip("/").rsplit("/", 1)[-1]
    return f"Registry organisation {tail}" if tail else f"Registry organisation {uri}"


def _workload(node: dict) -> tuple[str | None, str | None]:
    """(ECTS, hours) from ceterms:creditValue: ECTS or clock hours (US credit units: not converted)."""
    ects = hours = None
    values = list(as_list(node.get("ceterms:creditValue")))
    for cond in as_list(node.get("ceterms:requires")):
        if isinstance(cond, dict):
            values += as_list(cond.get("ceterms:creditValue"))
    for value in values:
        if not isinstance(value, dict):
            continue
        amount = number(value.get("schema:value"))
        units = " ".join(
            f"{u.get('ceterms:targetNode', '')} {lang(u.get('ceterms:targetNodeName')) or ''}"
            for u in as_list(value.get("ceterms:creditUnitType"))
            if isinstance(u, dict)
        ).lower()
        if amount and ects is None and ("ects" in units or "european" in units):
            ects = amount
        elif amount and hours is None and "clockhour" in units.replace(" ", ""):
            hours = amount
    if hours is None:
        for duration in as_list(node.get("ceterms:estimatedDuration")):
            if isinstance(duration, dict):
                exact = duration.get("ceterms:exactDuration")
                # only a time of effort (PT40H) is a workload; P2Y / P8W are elapsed time
                if isinstance(exact, str) and re.fullmatch(r"PT\d+(?:[.,]\d+)?H", exact.strip().upper()):
                    hours = number(exact.strip().upper()[2:-1])
    return ects, hours


def _outcomes(doc: _Doc, node: dict) -> tuple[list[str], list[str], list[str], str | None]:
    """(competency names, ESCO URIs, conditions as prerequisites, assessment) from condition profiles."""
    outcomes, skills, prereq, assess = [], [], [], None
    for key in CONDITIONS:
        for cond in as_list(node.get(key)):
            cond = doc.resolve(cond)
            if not isinstance(cond, dict):
                continue
            for comp in as_list(cond.get("ceterms:targetCompetency")):
                comp = doc.resolve(comp) or comp
                if isinstance(comp, dict):
                    outcomes += _names([comp])
                    skills.append(esco_skill(comp.get("ceterms:targetNode")))
            if key == "ceterms:requires":
                prereq += _texts(cond.get("ceterms:condition"))
            for target in as_list(cond.get("ceterms:targetAssessment")):
                target = doc.resolve(target)
                if isinstance(target, dict) and assess is None:
                    for method in as_list(target.get("ceterms:assessmentMethodType")):
                        assess = assess or assessment(_names([method])[0] if _names([method]) else None)
                    assess = assess or assessment(lang(target.get("ceterms:name")))
    for comp in as_list(node.get("ceterms:teaches")) + as_list(node.get("ceasn:competency")):
        comp = doc.resolve(comp) or comp
        if isinstance(comp, dict):
            outcomes += _names([comp]) or [lang(comp.get("ceasn:competencyText"))]
    return outcomes, skills, prereq, assess


def _level(node: dict) -> str | None:
    """EQF level only where an alignment names the EQF (US audience levels are not EQF levels)."""
    for key in ("ceterms:audienceLevelType", "ceterms:alignment", "ceterms:occupationType"):
        for a in as_list(node.get(key)):
            if not isinstance(a, dict):
                continue
            framework = (
                f"{a.get('ceterms:framework', '')} {lang(a.get('ceterms:frameworkName')) or ''}".lower()
            )
            target = str(a.get("ceterms:targetNode", ""))
            if "eqf" in framework or "european qualifications framework" in framework or "/eqf/" in target:
                level = (
                    eqf(target)
                    or eqf(lang(a.get("ceterms:targetNodeName")))
                    or eqf(a.get("ceterms:codedNotation"))
                )
                if level:
                    return level
    return None


def map_ctdl(doc: _Doc, node: dict, kind: str) -> dict:
    title = lang(node.get("ceterms:name"))
    provider_id, provider_name, provider_country = _provider(doc, node)
    if provider_id is None:
        raise MapError(
            "missing_required",
            "provider",
            "the credential names no owner or offerer (ceterms:ownedBy / ceterms:offeredBy)",
            "$.ceterms:ownedBy",
        )
    credential_id = scoped(node.get("@id"), doc.name)
    if credential_id is None and isinstance(node.get("ceterms:ctid"), str):
        credential_id = node["ceterms:ctid"].strip() or None
    credential_id = credential_id or stable_id("credential", provider_id, title)
    ects, hours = _workload(node)
    outcomes, skills, prereq, assess = _outcomes(doc, node)
    qa = "external" if any(node.get(k) for k in QA_ROLES) else None
    delivery = [
        participation(n)
        for n in _names(node.get("ceterms:learningDeliveryType") or node.get("ceterms:deliveryType"))
    ]
    delivery = [d for d in delivery if d]
    form = None
    if delivery:
        form = "blended" if "blended" in delivery or {"online", "onsite"} <= set(delivery) else delivery[0]
    return {
        "award_id": None,
        "purpose": "new_learning",
        "provider_id": provider_id,
        "provider_name": provider_name,
        "country_code": provider_country,
        "credential_id": credential_id,
        "title": title,
        "description": lang(node.get("ceterms:description")),
        "learning_outcomes": joined(outcomes),
        "esco_skills": joined(skills),
        "isced_f_broad": None,  # CTDL classifies programmes by CIP (US), not ISCED-F
        "eqf_level": _level(node),
        "ects": ects,
        "notional_hours": hours,
        "participation_form": form,
        "format": "digital_badge" if kind in BADGES else None,
        "standard": "CTDL",
        "assessment_type": assess,
        "supervision": None,
        "qa_type": qa,
        "prerequisites": joined(prereq),
        "integration": "stackable" if node.get("ceterms:isPartOf") else None,
        "co_design_partner": None,
        "further_info_url": web_url(node.get("ceterms:subjectWebpage")),
        "achievement_type": kind,
    }


# ------------------------------------------------------------------------------------------- outcomes


def _quantities(value) -> list[tuple[float | None, bool, str | None]]:
    """(value, is_percentage, description) of schema:QuantitativeValue objects or plain numbers."""
    out = []
    for v in as_list(value):
        if isinstance(v, dict):
            pct = number(v.get("qdata:percentage"))
            val = number(v.get("schema:value") or v.get("schema:median"))
            desc = lang(v.get("schema:description"))
            if pct is not None:
                out.append((float(pct), True, desc))
            elif val is not None:
                out.append((float(val), False, desc))
        else:
            val = number(v)
            if val is not None:
                out.append((float(val), False, None))
    return out


def _measure(key: str) -> tuple[str, str | None]:
    if key in _MEASURES:
        return _MEASURES[key]
    return _CAMEL.sub("_", key.split(":", 1)[-1]).lower(), None


def _profile_rows(doc: _Doc, profile: dict, base: dict, context: dict) -> list[dict]:
    rows = []
    currency = profile.get("ceterms:currency") or context.get("currency")
    period = (
        profile.get("ceterms:dateEffective") or profile.get("ceterms:startDate") or context.get("start"),
        profile.get("ceterms:expirationDate") or profile.get("ceterms:endDate") or context.get("end"),
    )
    months = profile.get("ceterms:postReceiptMonths", context.get("months"))
    months = int(months) if isinstance(months, (int, float)) and not isinstance(months, bool) else None
    source = web_url(profile.get("ceterms:source")) or context.get("source")
    desc = (
        lang(profile.get("ceterms:description")) or lang(profile.get("ceterms:name")) or context.get("desc")
    )
    where = _names(profile.get("ceterms:jurisdiction")) or context.get("where")
    for key, value in profile.items():
        if key in _MEASURES or (key.startswith("qdata:") and key != "qdata:dataAttributes"):
            for amount, pct, qdesc in _quantities(value):
                measure, unit = _measure(key)
                if pct and measure == "jobs_obtained":
                    measure = "employment_rate"
                rows.append(
                    {
                        **base,
                        "measure": measure,
                        "value": amount,
                        "unit": "%" if pct else (unit or currency),
                        "period_start": str(period[0]) if period[0] else None,
                        "period_end": str(period[1]) if period[1] else None,
                        "post_receipt_months": months,
                        "description": qdesc or desc,
                        "data_source": source,
                        "jurisdiction": "; ".join(where) if isinstance(where, list) and where else None,
                    }
                )
    # qdata:DataSetProfile -> time frames -> data profiles
    for ds in as_list(profile.get("ceterms:relevantDataSet")) + as_list(profile.get("qdata:relevantDataSet")):
        ds = doc.resolve(ds)
        if not isinstance(ds, dict):
            continue
        ds_context = {
            "currency": currency,
            "months": months,
            "source": web_url(ds.get("ceterms:source")) or source,
            "desc": lang(ds.get("ceterms:description")) or lang(ds.get("ceterms:name")) or desc,
            "where": where,
        }
        for frame in as_list(ds.get("qdata:dataSetTimePeriod")):
            frame = doc.resolve(frame)
            if not isinstance(frame, dict):
                continue
            frame_context = {
                **ds_context,
                "start": frame.get("ceterms:startDate") or period[0],
                "end": frame.get("ceterms:endDate") or period[1],
            }
            for attrs in as_list(frame.get("qdata:dataAttributes")):
                attrs = doc.resolve(attrs)
                if isinstance(attrs, dict):
                    rows += _profile_rows(
                        doc, {k: v for k, v in attrs.items() if k != "@type"}, base, frame_context
                    )
    return rows


def _published(doc: _Doc, node: dict, credential_id: str, title: str | None, out, line: int) -> list[dict]:
    rows = []
    profiles = as_list(node.get("ceterms:aggregateData")) + as_list(node.get("ceterms:hasDataSetProfile"))
    for i, profile in enumerate(profiles, 1):
        profile = doc.resolve(profile)
        if not isinstance(profile, dict):
            continue
        base = {
            "source_file": out.name,
            "source_line": line,
            "credential_id": credential_id,
            "credential_title": title,
            "profile": i,
        }
        if "qdata:DataSetProfile" in as_list(profile.get("@type")):
            rows += _profile_rows(doc, {"ceterms:relevantDataSet": [profile]}, base, {})
        else:
            rows += _profile_rows(doc, profile, base, {})
    return rows


# ------------------------------------------------------------------------------------------- reading


def _add_specification(sink, rec: dict, source_file: str, source_line: int) -> str | None:
    """Append a specification (and its provider) without an award: its id, or None when already known."""
    rec = {**rec, "source_file": source_file, "source_line": source_line}
    if hasattr(sink, "spec"):  # a specification id another issuer already uses is kept apart
        rec["credential_id"] = sink.spec(rec["credential_id"], rec["provider_id"])
    cred = rec["credential_id"]
    if cred in sink.credentials:
        return None
    provider = rec["provider_id"]
    if provider is not None and provider not in sink.providers:
        sink.providers.add(provider)
        for append, key in sink._plan["providers"]:
            append(rec.get(key) if key else None)
    sink.credentials[cred] = rec["purpose"]
    if hasattr(sink, "owners"):
        sink.owners[cred] = provider
    for append, key in sink._plan["credentials"]:
        append(rec.get(key) if key else None)
    return cred


def take(reader, obj: dict, out, line: int) -> None:
    """Hook for `delivery._Reader._take`: one CTDL document (a graph, or a single node)."""
    out.record_type = "credentials"
    nodes = _graph(obj)
    if nodes is None:
        nodes = [obj]
    doc = _Doc(nodes, out.name)
    referenced = set()
    for node in nodes:
        for key in ("ceterms:isPreparationFor", "ceterms:preparationFrom", "ceterms:advancedStandingFrom"):
            for cond in as_list(node.get(key)):
                if isinstance(cond, dict):
                    referenced.update(
                        t for t in as_list(cond.get("ceterms:targetCredential")) if isinstance(t, str)
                    )
    for i, node in enumerate(nodes):
        kinds = [_local(t) for t in as_list(node.get("@type"))]
        kind = next((k for k in kinds if k in CREDENTIAL_TYPES), None)
        if kind is None:
            reader._supporting(
                out, "CTDL", "CTDL supporting node(s): organisations, profiles, learning opportunities"
            )
            continue
        owned = node.get("ceterms:ownedBy") or node.get("ceterms:offeredBy")
        if not owned and (i > 0 or node.get("@id") in referenced):
            reader._supporting(
                out, "CTDL", "credential(s) referenced by name only (no owner): not offers of this file"
            )
            continue
        out._formats["CTDL"] += 1
        out.records_in += 1
        try:
            rec = map_ctdl(doc, node, kind)
        except MapError as exc:
            reader._quarantine(out, line, exc.reason_code, exc.check_name, exc.detail, exc.json_path)
            out._quarantine[-1]["record_type"] = "credentials"
            continue
        if (rec.get("provider_name") or "").startswith(
            "Registry organisation "
        ) and REGISTRY_NOTE not in out.notes:
            out.notes.append(REGISTRY_NOTE)
        reader._specification(
            out,
            line,
            rec,
            lambda cid, node=node, title=rec["title"]: _published(doc, node, cid, title, out, line),
        )
    if out.records_in == 0:
        out._formats["CTDL"] += 1


def load_specification(reader, out, line: int, rec: dict, published) -> None:
    """Add one mapped specification with its published outcome rows (`published(credential_id)`), or
    quarantine it when another file delivered it already."""
    credential_id = _add_specification(reader.sink, rec, out.name, line)
    if credential_id is None:
        reader._quarantine(
            out,
            line,
            "duplicate_key",
            "credential_id.unique",
            "the credential specification was already delivered by another file of this delivery",
            "$.@id",
        )
        out._quarantine[-1]["record_type"] = "credentials"
        return
    out.records_loaded += 1
    reader.published += published(credential_id)


def outcomes_frame(reader) -> pl.DataFrame:
    """Published outcome rows of the files that were not rejected, as `stg_published_outcomes`."""
    rejected = {f.name for f in reader.files if f.status == "rejected"}
    rows = [r for r in reader.published if r["source_file"] not in rejected]
    return pl.DataFrame(rows, schema=OUTCOME_SCHEMA) if rows else pl.DataFrame(schema=OUTCOME_SCHEMA)
