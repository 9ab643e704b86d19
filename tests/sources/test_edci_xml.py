"""Europass EDCI XML: mapped fields and Annex I elements, document-scoped ids, safe parsing, real samples.

The fixtures are written here (a few elements each, invented); the last tests read the Commission's
samples in ../shared/samples/europass/edci-xml when that folder exists and skip cleanly when not.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines.sources.standards import read_standards

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "europass" / "edci-xml"
NS = (
    'xmlns="http://data.europa.eu/snb" xmlns:cred="http://data.europa.eu/europass/model/credentials/w3c#" '
    'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'
)


def t(text: str, lang: str = "en") -> str:
    return f'<text content-type="text/plain" lang="{lang}">{text}</text>'


def concept(tag: str, uri: str, name: str) -> str:
    return f'<{tag} uri="{uri}"><targetName>{t(name)}</targetName></{tag}>'


FULL = f"""<?xml version="1.0" encoding="UTF-8"?>
<europassCredential {NS} cred:id="urn:credential:full-1">
  <cred:validFrom>2023-01-01T00:00:00+01:00</cred:validFrom>
  <cred:issued>2023-06-02T10:00:00+02:00</cred:issued>
  <cred:validUntil>2028-06-01</cred:validUntil>
  <cred:issuer idref="urn:epass:org:1"/>
  <title>{t("Kurs", "de")}{t("Data Literacy Certificate")}</title>
  <credentialSubject id="urn:epass:person:1">
    <nationalId spatialID="DEU">D-4711</nationalId>
    <contactPoint><mailBox uri="mailto:Someone@Example.org"/></contactPoint>
    <achievements>
      <learningAchievement id="urn:epass:learningAchievement:1">
        <title>{t("Data Literacy")}</title>
        <wasDerivedFrom id="urn:epass:assessment:1">
          <title>{t("Final assignment")}</title>
          <grade>B+</grade>
          {
    concept(
        "idVerificationMethod",
        "http://data.europa.eu/snb/supervision-verification/x",
        "Supervised with ID verification",
    )
}
          <specifiedBy idref="urn:epass:assessmentspec:1"/>
        </wasDerivedFrom>
        <wasAwardedBy idref="urn:epass:awardingProcess:1"/>
        <specifiedBy idref="urn:epass:qualification:1"/>
      </learningAchievement>
    </achievements>
  </credentialSubject>
  <learningSpecificationReferences>
    <qualification id="urn:epass:qualification:1">
      {concept("type", "http://data.europa.eu/snb/learning-opportunity/05053c1cbe", "Course")}
      <title>{t("Data Literacy (spec)")}</title>
      <hasISCED-FCode uri="http://data.europa.eu/snb/isced-f/0613"/>
      <volumeOfLearning>PT125H</volumeOfLearning>
      <hasECTSCreditPoints>5</hasECTSCreditPoints>
      {concept("mode", "http://data.europa.eu/snb/learning-assessment/920fbb3cbe", "Online")}
      {concept("mode", "http://data.europa.eu/snb/learning-assessment/9191af2ed9", "Presential")}
      <entryRequirementsNote>{t("Basic statistics")}</entryRequirementsNote>
      <learningOutcomes>
        <learningOutcome idref="urn:epass:learningOutcome:2"/>
        <learningOutcome idref="urn:epass:learningOutcome:1"/>
      </learningOutcomes>
      <isPartialQualification>true</isPartialQualification>
      {concept("eqfLevel", "http://data.europa.eu/snb/eqf/5", "Level 5")}
      <homepage uri="https://courses.example.de/data-literacy"/>
    </qualification>
  </learningSpecificationReferences>
  <learningOutcomeReferences>
    <learningOutcome id="urn:epass:learningOutcome:1"><prefLabel>{t("read charts")}</prefLabel>
      <relatedESCOSkill uri="http://data.europa.eu/esco/skill/abc"/></learningOutcome>
    <learningOutcome id="urn:epass:learningOutcome:2"><prefLabel>{
    t("clean data")
}</prefLabel></learningOutcome>
  </learningOutcomeReferences>
  <assessmentSpecificationReferences>
    <assessmentSpecification id="urn:epass:assessmentspec:1">
      {concept("type", "http://data.europa.eu/snb/assessment/6e6cb2cc78", "written examination")}
    </assessmentSpecification>
  </assessmentSpecificationReferences>
  <agentReferences>
    <organization id="urn:epass:org:2">
      <prefLabel>{t("Faculty of Data")}</prefLabel>
      <hasAccreditation idref="urn:epass:accreditation:1"/>
    </organization>
    <organization id="urn:epass:org:1">
      <registration spatialID="DE">DE-1</registration>
      <prefLabel>{t("Sealing Service GmbH")}</prefLabel>
    </organization>
  </agentReferences>
  <awardingProcessReferences>
    <awardingProcess id="urn:epass:awardingProcess:1">
      <awardingBody idref="urn:epass:org:2"/>
      <date>2023-05-31T00:00:00+02:00</date>
    </awardingProcess>
  </awardingProcessReferences>
  <proof><ds:Signature><ds:SignatureValue>c2lnbmF0dXJl</ds:SignatureValue></ds:Signature></proof>
</europassCredential>
"""


def simple(org_name: str, alpha3: str, title: str, award: str) -> str:
    """A credential with no achievement: the issuer (urn:epass:org:1, local) is the awarding body."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<europassCredential {NS} cred:id="{award}">
  <cred:issued>2022-02-02T14:15:15+01:00</cred:issued>
  <cred:issuer idref="urn:epass:org:1"/>
  <title>{t(title)}</title>
  <credentialSubject id="urn:epass:person:1"><contactPoint><mailBox uri="mailto:a@b.example"/></contactPoint>
  </credentialSubject>
  <agentReferences>
    <organization id="urn:epass:org:1">
      <prefLabel>{t(org_name)}</prefLabel>
      <hasLocation><hasAddress>
        <country uri="http://publications.europa.eu/resource/authority/country/{alpha3}"/>
      </hasAddress></hasLocation>
    </organization>
  </agentReferences>
  <proof></proof>
</europassCredential>
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def one(frame: pl.DataFrame, column: str, value: str) -> dict:
    rows = frame.filter(pl.col(column) == value).to_dicts()
    assert len(rows) == 1, f"{column} = {value}: {len(rows)} rows"
    return rows[0]


def check(actual: dict, expected: dict) -> None:
    for key, value in expected.items():
        assert actual[key] == value, f"{key}: expected {value!r}, got {actual[key]!r}"


def test_full_credential_maps_every_element(tmp_path):
    write(tmp_path, "x/full.xml", FULL)
    d = read_standards([tmp_path / "x"], tmp_path)
    f = d.files[0]
    assert (f.format, f.status, f.records_in, f.records_loaded, f.records_quarantined) == (
        "EDCI",
        "parsed",
        1,
        1,
        0,
    )
    award = one(d.tables["awards"], "award_id", "urn:credential:full-1")
    spec_id = "x/full.xml#urn:epass:qualification:1"  # a local id, scoped to the file
    check(
        award,
        {
            "credential_id": spec_id,
            "learner_id": "DE:D-4711",  # the national id (country-prefixed) before the e-mail
            "issue_date": "2023-05-31",  # the awarding date of the awarding process
            "issued_at": "2023-05-31T00:00:00+02:00",
            "expiry_date": "2028-06-01",
            "standard": "ELM",
            "signed": "true",
            "grade": "B+",
            "format": "digital_certificate",
            "status": "issued",
        },
    )
    spec = one(d.tables["credentials"], "credential_id", spec_id)
    check(
        spec,
        {
            "provider_id": "x/full.xml#urn:epass:org:2",  # the awarding body, not the sealing issuer
            "title": "Data Literacy (spec)",
            "learning_outcomes": "clean data|read charts",
            "esco_skills": "http://data.europa.eu/esco/skill/abc",
            "isced_f_broad": "06",
            "eqf_level": "5",
            "ects": "5",
            "notional_hours": "125",
            "participation_form": "blended",  # online and presential modes
            "assessment_type": "exam",
            "supervision": "supervised_id",
            "qa_type": "external",
            "prerequisites": "Basic statistics",
            "integration": "stackable",
            "further_info_url": "https://courses.example.de/data-literacy",
            "achievement_type": "Course",
        },
    )
    provider = one(d.tables["providers"], "provider_id", "x/full.xml#urn:epass:org:2")
    assert provider["provider_name"] == "Faculty of Data"
    annex = one(d.annex, "award_id", "urn:credential:full-1")
    assert annex["missing_mandatory"] == ["issuer_country"]  # the faculty states no country
    assert (
        annex["issuer_country"] is None and annex["level"] == "5" and annex["workload"] == "5 ECTS; 125 hours"
    )


def test_local_ids_never_share_fields_across_documents(tmp_path):
    write(tmp_path, "a.xml", simple("Acme Corporation", "AND", "Sample credential", "urn:credential:a"))
    write(
        tmp_path, "b.xml", simple("Spanish Training Provider", "ESP", "Other credential", "urn:credential:b")
    )
    d = read_standards([tmp_path / "a.xml", tmp_path / "b.xml"], tmp_path)
    providers = {r["provider_id"]: r for r in d.tables["providers"].to_dicts()}
    assert providers["a.xml#urn:epass:org:1"]["provider_name"] == "Acme Corporation"
    assert providers["a.xml#urn:epass:org:1"]["country_code"] == "AD"  # alpha-3 AND -> alpha-2
    assert providers["b.xml#urn:epass:org:1"]["provider_name"] == "Spanish Training Provider"
    assert providers["b.xml#urn:epass:org:1"]["country_code"] == "ES"
    a = one(d.annex, "award_id", "urn:credential:a")
    b = one(d.annex, "award_id", "urn:credential:b")
    assert (a["awarding_body"], a["issuer_country"], a["title"]) == (
        "Acme Corporation",
        "AD",
        "Sample credential",
    )
    assert (b["awarding_body"], b["issuer_country"], b["title"]) == (
        "Spanish Training Provider",
        "ES",
        "Other credential",
    )
    awards = {r["award_id"]: r for r in d.tables["awards"].to_dicts()}
    assert awards["urn:credential:a"]["issue_date"] == "2022-02-02"  # `issued`, no awarding process
    assert awards["urn:credential:a"]["signed"] == "false"  # an empty <proof/> is no signature


def test_participation_record_has_assessment_none(tmp_path):
    text = simple("Org", "ESP", "Certificate of Participation", "urn:credential:p").replace(
        "</credentialSubject>",
        '<activities><activity id="urn:epass:activity:1"><title>'
        + t("InfoDay")
        + '</title><specifiedBy idref="urn:epass:las:1"/></activity></activities></credentialSubject>'
        '<learningActivitySpecificationReferences><learningActivitySpecification id="urn:epass:las:1">'
        + concept("mode", "http://data.europa.eu/snb/learning-assessment/920fbb3cbe", "Online")
        + "</learningActivitySpecification></learningActivitySpecificationReferences>",
    )
    write(tmp_path, "p.xml", text)
    d = read_standards([tmp_path / "p.xml"], tmp_path)
    spec = d.tables["credentials"].to_dicts()[0]
    assert (spec["assessment_type"], spec["participation_form"]) == ("none", "online")
    assert any("record(s) of participation" in n for n in d.files[0].notes)


def test_unmappable_credential_is_quarantined_not_dropped(tmp_path):
    write(
        tmp_path,
        "q.xml",
        f'<europassCredential {NS} cred:id="urn:credential:q"><title>{t("x")}</title></europassCredential>',
    )
    d = read_standards([tmp_path / "q.xml"], tmp_path)
    f = d.files[0]
    assert (f.status, f.records_in, f.records_loaded, f.records_quarantined) == ("parsed", 1, 0, 1)
    assert d.quarantine[0]["reason_code"] == "missing_required"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE europassCredential [<!ENTITY e "SECRETSECRET">]>'
            f"<europassCredential {NS}><title>&e;&e;</title></europassCredential>",
            "declares entities",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "http://127.0.0.1:9/x">]>'
            f"<europassCredential {NS}>&ext;</europassCredential>",
            "declares entities",
        ),
        (
            f"<europassCredential {NS}>\n<title>SECRETSECRET</wrong>\n</europassCredential>",
            "not well-formed (at line 2)",
        ),
        (
            '<?xml version="1.0"?><catalogue><item>SECRETSECRET</item></catalogue>',
            "not a Europass EDCI credential",
        ),
    ],
)
def test_hostile_or_foreign_xml_is_rejected_without_quoting_it(tmp_path, text, fragment):
    write(tmp_path, "h.xml", text)
    d = read_standards([tmp_path / "h.xml"], tmp_path)
    f = d.files[0]
    assert f.status == "rejected" and fragment in f.reason, f.reason
    assert "SECRET" not in f.reason and f.records_in == 0


def test_dtd_is_never_loaded(tmp_path):
    """A DOCTYPE naming an external DTD parses without fetching or reading it."""
    missing = tmp_path / "nowhere.dtd"
    text = FULL.replace(
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<!DOCTYPE europassCredential SYSTEM "{missing.as_uri()}">\n',
    )
    write(tmp_path, "d.xml", text)
    d = read_standards([tmp_path / "d.xml"], tmp_path)
    assert d.files[0].records_loaded == 1 and not missing.exists()


# ------------------------------------------------------------------------------- the Commission's samples

needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="../shared/samples/europass/edci-xml not present"
)

# Read by hand from each file (award id = cred:id of the root; awarding body by idref).
EXPECTED = {
    "Ildiko Mazar_Certificate of Excellence.xml": {
        "award_id": "urn:credential:4449ae94-bad0-4591-a5d5-d1f97d237b8e",
        "issue_date": "2020-03-31",  # awardingProcess:3 date
        "signed": "true",
        "grade": "88%",  # of the first assessed part (Creative Writing Assignment)
        "title": "Joint achievement",
        "awarding_body": "Faculty of Arts and Communication",  # urn:epass:org:2, not the sealing org:1
        "issuer_country": "FR",
        "eqf_level": "4",
        "ects": "10",
        "notional_hours": "105",
        "participation_form": "blended",  # Presential + Online
        "assessment_type": "exam",  # written examination
        "integration": "standalone",  # isPartialQualification false
        "learning_outcomes": "writing techniques|develop creative ideas|communication principles|"
        "social media management",
    },
    "edci_credential_basic.xml": {
        "award_id": "urn:credential:e38481b6-5233-4a3a-bff0-d2578223b9a7",
        "issue_date": "2020-10-06",
        "signed": "true",
        "title": "Certificate of Completion",
        "awarding_body": "ANTHONY FISHER CAMILLERI S.P.",
        "issuer_country": "SI",  # registration spatialID
    },
    "EDC_WileECoyote_Simple.xml": {
        "award_id": "urn:credential:a302d79e-34ac-4f68-b0c0-4042a93dfd5c",
        "issue_date": "2022-02-02",
        "signed": "false",
        "title": "Sample credential",
        "awarding_body": "Acme Corporation",
        "issuer_country": "AD",  # country/AND
    },
    "EDC_SampleACT_AA.xml": {
        "award_id": "urn:credential:a6ee6361-04e6-4bd5-b98b-223edcd3aa33",
        "issue_date": "2022-02-02",
        "signed": "false",
        "title": "Certificate of Participation",
        "awarding_body": "Spanish Training Provider",
        "issuer_country": "ES",
        "participation_form": "online",  # the activity's specification
        "assessment_type": "none",  # activities, no achievement
    },
}


@needs_samples
def test_commission_samples_map_to_the_values_in_the_files():
    d = read_standards([SAMPLES], SAMPLES.parent)
    assert {f.name.rsplit("/", 1)[-1]: (f.status, f.records_loaded) for f in d.files} == {
        name: ("parsed", 1) for name in EXPECTED
    }
    awards = d.tables["awards"].join(d.tables["credentials"], on="credential_id", suffix="_spec")
    awards = awards.join(
        d.tables["providers"].select("provider_id", "provider_name", "country_code"), on="provider_id"
    )
    for name, expected in EXPECTED.items():
        row = one(awards, "source_file", f"edci-xml/{name}")
        row |= {"awarding_body": row["provider_name"], "issuer_country": row["country_code"]}
        for key, value in expected.items():
            assert row[key] == value, f"{name} {key}: expected {value!r}, got {row[key]!r}"
    # all four say urn:epass:org:1 for their own organisation: four providers, none shared
    assert d.tables["providers"].height == 4


@needs_samples
def test_commission_samples_annex_elements():
    d = read_standards([SAMPLES], SAMPLES.parent)
    annex = one(d.annex, "award_id", "urn:credential:4449ae94-bad0-4591-a5d5-d1f97d237b8e")
    assert annex["missing_mandatory"] == ["quality_assurance"]
    assert annex["workload"] == "10 ECTS; 105 hours" and annex["supervision_id_verification"] is not None
