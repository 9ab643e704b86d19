"""Vocabularies beside the reader (pipelines/sources/standards/vocab/*.csv), every row tested, and the
fields Dutch edubadges micro-credentials use (OB 3.0 achievement properties, OB 2.0 extensions)."""

from __future__ import annotations

import csv
import json

import pytest

from pipelines.contracts import contracts
from pipelines.sources.standards import read_standards
from pipelines.sources.standards.mapping import VOCAB, assessment, participation, supervision, take_unmapped
from tests.sources.make_fixtures import OB2_CONTEXT, ob3

pytestmark = pytest.mark.unit

NORMALISERS = {
    "assessment_types": (assessment, "assessment_type"),
    "participation_forms": (participation, "participation_form"),
    "supervision": (supervision, "supervision"),
}


def _rows() -> list[tuple[str, str, str]]:
    out = []
    for name in NORMALISERS:
        with open(VOCAB / f"{name}.csv", encoding="utf-8", newline="") as fh:
            out += [(name, row["value"], row["code"]) for row in csv.DictReader(fh)]
    return out


ROWS = _rows()


@pytest.mark.parametrize(("vocab", "value", "code"), ROWS, ids=[f"{v}:{x}" for v, x, _ in ROWS])
def test_every_vocabulary_row(vocab, value, code):
    take_unmapped()  # start clean: another test in this worker may have left unmapped labels
    normalise, column = NORMALISERS[vocab]
    allowed = next(c for c in contracts()["credentials"].columns if c.name == column).allowed
    assert code in allowed, f"{code} is not an allowed {column}"
    assert normalise(value) == code
    assert normalise({"prefLabel": {"en": value.upper()}}) == code  # labels, any case
    assert take_unmapped() == []


def test_assessment_is_not_an_exam_just_for_saying_assessment():
    take_unmapped()
    assert assessment("Digital artefact assessment") == "project"
    assert assessment("Peer assessment of a blog") is None  # unknown, never guessed
    assert take_unmapped() == [("assessment", "Peer assessment of a blog")]


def edubadge(cid: str, **achievement_fields) -> dict:
    subject = {
        "id": f"https://example.com/students/{cid[-4:]}",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": f"https://example.com/achievements/{cid[-4:]}",
            "type": ["Achievement", "EducredentialAchievement"],
            "name": "Droid Maintenance",
            "criteria": {"narrative": "Pass the final exam."},
            **achievement_fields,
        },
    }
    return ob3(cid, subject=subject)


def test_edubadges_ob3_study_load_participation_and_identity_check(tmp_path):
    docs = {
        "sbu.json": edubadge(
            "urn:uuid:edu-0001",
            SBU=500,
            participationType="onsite or blended",
            assessmentType="testing",
            identityChecked=True,
            supervisionType="onsite with identity verification",
        ),
        "ext.json": edubadge(
            "urn:uuid:edu-0002",
            **{
                "ext:StudyLoadExtension": {"type": ["Extension", "ext:StudyLoadExtension"], "StudyLoad": 84},
                "participationType": "online",
                "assessmentType": "application of a skill",
                "identityChecked": True,
            },
        ),
        "odd.json": edubadge("urn:uuid:edu-0003", participationType="volunteering", assessmentType="testing"),
    }
    for name, doc in docs.items():
        (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
    d = read_standards([tmp_path], tmp_path)
    creds = {r["credential_id"].rsplit("/", 1)[-1]: r for r in d.tables["credentials"].to_dicts()}
    got = {
        k: (r["notional_hours"], r["participation_form"], r["assessment_type"], r["supervision"])
        for k, r in creds.items()
    }
    assert got == {
        "0001": ("500", "blended", "exam", "supervised_id"),
        "0002": ("84", "online", "practical", "supervised_id"),  # identityChecked alone
        "0003": (None, None, "exam", None),
    }
    notes = {f.name: f.notes for f in d.files}
    assert notes["sbu.json"] == notes["ext.json"] == []
    assert any("participation value 'volunteering'" in n for n in notes["odd.json"]), notes["odd.json"]


def test_edubadges_ob2_extensions(tmp_path):
    issuer = {"@context": OB2_CONTEXT, "type": "Issuer", "id": "https://edu.example.nl/issuer", "name": "HvA"}
    badge = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": "https://edu.example.nl/badges/1",
        "name": "Data literacy",
        "issuer": issuer,
        "extensions:StudyLoadExtension": {
            "type": ["Extension", "extensions:StudyLoadExtension"],
            "StudyLoad": 28,
        },
        "extensions:ECTSExtension": {"type": ["Extension", "extensions:ECTSExtension"], "ECTS": 1.0},
        "extensions:EQFExtension": {"type": ["Extension", "extensions:EQFExtension"], "EQF": 6},
    }
    assertion = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": "https://edu.example.nl/assertions/1",
        "recipient": {"type": "email", "hashed": False, "identity": "student@example.nl"},
        "badge": badge,
        "issuedOn": "2024-02-01T10:00:00Z",
        "verification": {"type": "HostedBadge"},
    }
    (tmp_path / "a.json").write_text(json.dumps(assertion), encoding="utf-8")
    (cred,) = read_standards([tmp_path], tmp_path).tables["credentials"].to_dicts()
    assert (cred["notional_hours"], cred["ects"], cred["eqf_level"]) == ("28", "1", "6")
