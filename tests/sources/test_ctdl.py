"""Credential Engine CTDL JSON-LD: specifications (no awards), published outcome data kept apart, and the
accounting of a credential file that holds only specifications. Fixtures are written here; the last
tests read ../shared/samples/ctdl when it exists and skip cleanly when not.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import pseudonymise
from pipelines.contracts import contracts
from pipelines.indicators.published_outcomes import published_outcomes
from pipelines.sources.discover import discover
from pipelines.sources.standards import read_standards
from pipelines.staging.intake import file_report, load_deliveries
from pipelines.staging.stage import QUARANTINE_DDL
from pipelines.warehouse import rows

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "ctdl"
CTX = "https://credreg.net/ctdl/schema/context/json"


def cao(name: str, node: str = "", framework: str = "") -> dict:
    return {
        "@type": "ceterms:CredentialAlignmentObject",
        "ceterms:targetNode": node,
        "ceterms:framework": framework,
        "ceterms:targetNodeName": {"en-US": name},
    }


def graph(*nodes: dict) -> dict:
    return {"@context": CTX, "@id": "https://registry.example/graph/1", "@graph": list(nodes)}


MICRO = {
    "@id": "https://registry.example/resources/ce-micro-1",
    "@type": "ceterms:MicroCredential",
    "ceterms:ctid": "ce-micro-1",
    "ceterms:name": {"de": "Datenkompetenz", "en-US": "Data Literacy"},
    "ceterms:description": {"en-US": "Short course."},
    "ceterms:ownedBy": ["_:org"],
    "ceterms:accreditedBy": ["_:qa"],
    "ceterms:subjectWebpage": "https://example.org/data-literacy",
    "ceterms:learningDeliveryType": [
        cao("Online Only", "deliveryType:OnlineOnly"),
        cao("In Person", "deliveryType:InPerson"),
    ],
    "ceterms:audienceLevelType": [cao("Level 5", "http://data.europa.eu/snb/eqf/5", "EQF")],
    "ceterms:creditValue": [
        {
            "@type": "schema:ValueProfile",
            "schema:value": 5,
            "ceterms:creditUnitType": [cao("ECTS", "creditUnit:ECTS")],
        }
    ],
    "ceterms:estimatedDuration": [{"@type": "ceterms:DurationProfile", "ceterms:exactDuration": "PT125H"}],
    "ceterms:requires": [
        {
            "@type": "ceterms:ConditionProfile",
            "ceterms:condition": {"en": ["Basic statistics"]},
            "ceterms:targetCompetency": [
                cao("clean data", "http://data.europa.eu/esco/skill/abc"),
                cao("read charts"),
            ],
            "ceterms:targetAssessment": ["_:assess"],
        }
    ],
    "ceterms:aggregateData": [
        {
            "@type": "ceterms:AggregateDataProfile",
            "ceterms:description": {"en-US": "Holders 2022"},
            "ceterms:dateEffective": "2022-01-01",
            "ceterms:expirationDate": "2022-12-31",
            "ceterms:source": "https://stats.example.org/report",
            "ceterms:currency": "EUR",
            "ceterms:numberAwarded": 120,
            "ceterms:medianEarnings": 31000,
            "ceterms:jobsObtained": [{"@type": "schema:QuantitativeValue", "qdata:percentage": 71.5}],
        }
    ],
}
ORG = {
    "@id": "_:org",
    "@type": "ceterms:CredentialOrganization",
    "ceterms:name": {"en-US": "Example University"},
    "ceterms:address": [{"@type": "ceterms:Place", "ceterms:addressCountry": {"en-US": "NL"}}],
}
QA = {"@id": "_:qa", "@type": "ceterms:QACredentialOrganization", "ceterms:name": {"en": "Agency"}}
ASSESS = {
    "@id": "_:assess",
    "@type": "ceterms:AssessmentProfile",
    "ceterms:assessmentMethodType": [cao("Exam", "assessMethod:Exam")],
}


def write(folder: Path, name: str, doc) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_credential_becomes_a_specification_and_outcomes_stay_apart(tmp_path):
    write(tmp_path, "ctdl/micro.json", graph(MICRO, ORG, QA, ASSESS))
    d = read_standards([tmp_path / "ctdl"], tmp_path)
    f = d.files[0]
    assert (f.format, f.record_type, f.records_in, f.records_loaded, f.records_quarantined) == (
        "CTDL",
        "credentials",
        1,
        1,
        0,
    )
    assert f.supporting_documents == 3  # organisation, QA body, assessment profile
    assert d.tables["awards"].height == 0 and d.annex.height == 0  # CTDL describes offers, not awards
    spec = d.tables["credentials"].to_dicts()[0]
    expected = {
        "credential_id": "https://registry.example/resources/ce-micro-1",
        "provider_id": "ctdl/micro.json#_:org",  # a blank node: scoped to the file
        "title": "Data Literacy",  # English preferred over the first language
        "description": "Short course.",
        "learning_outcomes": "clean data|read charts",
        "esco_skills": "http://data.europa.eu/esco/skill/abc",
        "eqf_level": "5",
        "ects": "5",
        "notional_hours": "125",
        "participation_form": "blended",
        "assessment_type": "exam",
        "qa_type": "external",
        "prerequisites": "Basic statistics",
        "further_info_url": "https://example.org/data-literacy",
        "achievement_type": "MicroCredential",
        "source_standard": "CTDL",
    }
    for key, value in expected.items():
        assert spec[key] == value, f"{key}: expected {value!r}, got {spec[key]!r}"
    provider = d.tables["providers"].to_dicts()[0]
    assert (provider["provider_name"], provider["country_code"]) == ("Example University", "NL")

    out = d.published_outcomes.sort("measure")
    assert out["measure"].to_list() == ["employment_rate", "holders", "median_earnings"]
    assert out["value"].to_list() == [71.5, 120.0, 31000.0]
    assert out["unit"].to_list() == ["%", "persons", "EUR"]
    assert set(out["period_start"]) == {"2022-01-01"} and set(out["period_end"]) == {"2022-12-31"}
    assert set(out["data_source"]) == {"https://stats.example.org/report"}
    assert set(out["credential_id"]) == {"https://registry.example/resources/ce-micro-1"}
    assert set(out["source_file"]) == {"ctdl/micro.json"}


def test_dataset_profiles_are_read_with_their_time_frame(tmp_path):
    node = {
        **MICRO,
        "ceterms:aggregateData": [],
        "ceterms:hasDataSetProfile": ["_:ds"],
    }
    ds = {
        "@id": "_:ds",
        "@type": "qdata:DataSetProfile",
        "ceterms:source": "https://data.example.gov/wage-records",
        "qdata:dataSetTimePeriod": [
            {
                "@type": "qdata:DataSetTimeFrame",
                "ceterms:startDate": "2021-07-01",
                "ceterms:endDate": "2022-06-30",
                "qdata:dataAttributes": [
                    {
                        "@type": "qdata:DataProfile",
                        "qdata:holdersInSet": [{"@type": "schema:QuantitativeValue", "schema:value": 40}],
                        "qdata:employmentRate": [
                            {"@type": "schema:QuantitativeValue", "qdata:percentage": 80}
                        ],
                    }
                ],
            }
        ],
    }
    write(tmp_path, "ds.json", graph(node, ORG, ds))
    out = read_standards([tmp_path / "ds.json"], tmp_path).published_outcomes.sort("measure")
    assert out.select("measure", "value", "unit", "period_start", "period_end", "data_source").rows() == [
        ("employment_rate", 80.0, "%", "2021-07-01", "2022-06-30", "https://data.example.gov/wage-records"),
        ("holders", 40.0, "persons", "2021-07-01", "2022-06-30", "https://data.example.gov/wage-records"),
    ]


def test_blank_node_ids_do_not_cross_documents(tmp_path):
    other = {**ORG, "ceterms:name": {"en": "Another College"}}
    write(tmp_path, "a.json", graph(MICRO, ORG))
    write(tmp_path, "b.json", graph({**MICRO, "@id": "_:cred"}, other))
    d = read_standards([tmp_path / "a.json", tmp_path / "b.json"], tmp_path)
    names = dict(d.tables["providers"].select("provider_id", "provider_name").rows())
    assert names == {"a.json#_:org": "Example University", "b.json#_:org": "Another College"}
    assert "b.json#_:cred" in d.tables["credentials"]["credential_id"].to_list()


def test_specification_only_file_accounting_balances(tmp_path):
    """A CTDL file is accounted by its specifications: rows in = loaded + quarantined, per file."""
    raw = tmp_path / "raw"
    micro = {**MICRO, "ceterms:ownedBy": ["https://r.example/org-1"]}
    org = {**ORG, "@id": "https://r.example/org-1"}  # a registry id: global
    write(raw, "good.json", graph(micro, org, QA, ASSESS))
    no_owner = {k: v for k, v in MICRO.items() if k != "ceterms:ownedBy"} | {"@id": "https://r.example/x"}
    write(raw, "no_owner.json", graph(no_owner))
    unnamed = {**MICRO, "@id": "https://r.example/y", "ceterms:ownedBy": ["https://r.example/org-elsewhere"]}
    write(raw, "unnamed_owner.json", graph(unnamed))
    write(raw, "zz_again.json", graph(micro, org))  # the same credential and owner again: a duplicate
    con = duckdb.connect()
    pseudonymise.register(con, b"k" * 32)
    con.execute(QUARANTINE_DDL)
    skip = frozenset(t for t in contracts() if t not in ("providers", "credentials"))
    report = load_deliveries(con, discover(raw), lambda _m: None, skip_references=skip)
    frame = file_report(con, report)  # raises when rows in != loaded + quarantined + rejected
    by = {r["source_file"]: r for r in frame.iter_rows(named=True)}
    assert {r["record_type"] for r in by.values()} == {"credentials"}
    counts = {n: (r["rows_in"], r["rows_loaded"], r["rows_quarantined"]) for n, r in by.items()}
    assert counts == {
        "good.json": (1, 1, 0),
        "no_owner.json": (1, 0, 1),  # no ownedBy/offeredBy: quarantined by the reader
        "unnamed_owner.json": (1, 1, 0),  # owner outside the document: kept under its URI, name a placeholder
        "zz_again.json": (1, 0, 1),
    }
    reasons = dict(
        rows(con, "select source_file, reason_code from quarantine where record_type = 'credentials'")
    )
    assert reasons["no_owner.json"] == "missing_required" and reasons["zz_again.json"] == "duplicate_key"
    assert "unnamed_owner.json" not in reasons
    assert rows(
        con, "select provider_name from stg_providers where provider_id = 'https://r.example/org-elsewhere'"
    ) == [("Registry organisation org-elsewhere",)]
    notes = {r["source_file"]: r["notes"] for r in frame.iter_rows(named=True)}
    assert "registry URI" in (notes["unnamed_owner.json"] or "")
    # published outcomes: staged apart, by credential and file; learner-level tables untouched
    staged = con.sql(
        "select source_file, measure, value from stg_published_outcomes order by 1, 2"
    ).fetchall()
    assert staged == [
        ("good.json", "employment_rate", 71.5),
        ("good.json", "holders", 120.0),
        ("good.json", "median_earnings", 31000.0),
        ("unnamed_owner.json", "employment_rate", 71.5),
        ("unnamed_owner.json", "holders", 120.0),
        ("unnamed_owner.json", "median_earnings", 31000.0),
    ]
    assert rows(con, "select count(*) from stg_awards") == [(0,)]
    page = published_outcomes(con).filter(pl.col("source_file") == "good.json")
    assert page["provider"].to_list() == ["Example University"] * 3
    assert set(page["period"]) == {"2022-01-01 to 2022-12-31"}
    assert set(page["source"]) == {"https://stats.example.org/report (via good.json)"}


def test_published_outcomes_without_the_table_is_empty():
    assert published_outcomes(duckdb.connect()).is_empty()


# ------------------------------------------------------------------------------- Credential Engine samples

needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples/ctdl not present")

# Read by hand from each file.
EXPECTED = {
    "CredentialGraphSampleInput.json": (  # a Registry Assistant publish request, graph under GraphInput
        "https://sandbox.credentialengineregistry.org/resources/ce-2dc6873f-1e94-4146-bb2b-fcebeed10c08",
        "Sample Credential In Graph Format",
        "AssociateDegree",
        "external",  # recognizedBy
        None,
    ),
    "CredentialWithMultipleLanguages_Api_output.json": (
        "https://sandbox.credentialengineregistry.org/resources/ce-cef8a76d-f168-0513-8fac-0b8dc60ef853",
        "Bachelor of Science in Accounting",  # the en value, not ar-sa
        "BachelorDegree",
        "external",  # accreditedBy
        "Complete High School|Have a drivers licence",
    ),
    "Credential_PublishDetailedRecord_API_output.json": (
        "https://sandbox.credentialengineregistry.org/resources/ce-509682bb-658e-4eb6-87f2-ebff5d5e0aec",
        "My Certification Name",
        "Certification",
        "external",
        "Complete High School|Have a drivers licence.",
    ),
    "Kansas_Credential_WithAggregateDataProfile_API_Output.json": (
        "https://sandbox.credentialengineregistry.org/resources/ce-bd860014-039c-9c32-f816-e4f429b17f40",
        "MEDICAL LABORATORY TECHNOLOGY - ASSOCIATE OF APPLIED SCIENCE",
        "AssociateDegree",
        None,
        None,
    ),
}


@needs_samples
def test_credential_engine_samples():
    d = read_standards([SAMPLES], SAMPLES.parent)
    assert {f.name: (f.status, f.format, f.record_type, f.records_in, f.records_loaded) for f in d.files} == {
        f"ctdl/{n}": ("parsed", "CTDL", "credentials", 1, 1) for n in EXPECTED
    }
    specs = {r["source_file"].split("/", 1)[1]: r for r in d.tables["credentials"].to_dicts()}
    for name, (cid, title, kind, qa, prereq) in EXPECTED.items():
        got = specs[name]
        assert (got["credential_id"], got["title"], got["achievement_type"]) == (cid, title, kind), name
        assert (got["qa_type"], got["prerequisites"]) == (qa, prereq), name
        assert got["notional_hours"] is None  # P2Y / P8W-P12W are elapsed time, not a workload
    assert d.tables["awards"].height == 0
    # the Master's degree only named as a target of isPreparationFor is not an offer of that file
    assert "referenced by name only" in " ".join(d.files[2].notes)


@needs_samples
def test_kansas_aggregate_data_profile():
    out = read_standards([SAMPLES], SAMPLES.parent).published_outcomes
    kansas = out.filter(pl.col("source_file").str.contains("Kansas")).sort("profile", "measure")
    assert kansas.select("profile", "measure", "value", "unit", "post_receipt_months").rows() == [
        (1, "employment_rate", 88.0, "%", None),  # jobsObtained qdata:percentage
        (1, "median_earnings", 44439.0, "USD", None),
        (2, "median_earnings", 49333.0, "USD", 60),
    ]
    assert kansas["description"].to_list()[0] == "% of Program Graduates Employed in the Region"
    assert out.height == 3  # the other three samples publish no outcome data
