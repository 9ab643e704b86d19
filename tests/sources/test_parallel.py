"""Reading in a process pool gives the serial reader's output, row for row (pipelines/sources/standards/
parallel.py): the same tables in the same order, file outcomes and notes, quarantine rows and their
order, Annex I and published outcomes, with what crosses files (duplicate and conflicting award ids,
a specification id another issuer used first, first-wins specifications, OB 2.0 BadgeClasses, status
lists, limits reached through duplicates) and when the pool breaks; the same for the lines of NDJSON
files read by chunks of lines, with what crosses lines and chunks.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from pipelines.sources.standards import parallel, read_standards
from pipelines.sources.standards.limits import Limits
from tests.sources.hostile_corpus import CASES, credential, jwt, zip_bytes
from tests.sources.make_fixtures import BADGECLASS, ISSUER, assertion
from tests.sources.test_samples_unchanged import SAMPLES, digests

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import random  # noqa: E402

from bench_xml_ctdl import ctdl as ctdl_doc  # noqa: E402 - the benchmark's synthetic documents
from bench_xml_ctdl import edci as edci_doc  # noqa: E402


@pytest.fixture
def pooled(monkeypatch):
    """Every read uses the pool, in chunks of two files (so chunk edges fall between related files)."""
    monkeypatch.setattr(parallel, "MIN_FILES", 0)
    monkeypatch.setattr(parallel, "CHUNK_FILES", 2)


def _write(folder: Path, name: str, content) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, (dict, list)):
        content = json.dumps(content)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def _with_issuer(doc: dict, issuer: str) -> dict:
    doc = copy.deepcopy(doc)
    doc["issuer"] = {"id": issuer, "type": ["Profile"], "name": f"Issuer {issuer[-1]}"}
    return doc


def cross_file(folder: Path) -> None:
    """Files whose reading depends on the files before them."""
    rng = random.Random(7)
    mystery = {"assessmentType": "a mystery assessment"}  # a label no vocabulary maps: noted
    first = credential(1)
    first["credentialSubject"]["achievement"].update(mystery, achievementType="Recognition of prior learning")
    _write(folder, "a/01-first.json", first)
    again = credential(2)  # the same specification: its fields come from the first (first wins)
    again["credentialSubject"]["achievement"].update(mystery)
    _write(folder, "a/02-same-spec.json", again)
    _write(folder, "a/03-other-issuer.json", _with_issuer(credential(3), "https://other.example.eu"))
    _write(folder, "a/04-identical.json", first)  # an identical re-delivery
    _write(folder, "a/05-conflict.json", credential(1, validFrom="2024-04-01T10:00:00Z"))
    no_id = credential(6)
    del no_id["id"]
    _write(folder, "a/06-no-id.json", no_id)
    _write(folder, "a/07-array.json", [credential(7), credential(2), credential(8, type=["Nothing"])])
    elm = json.loads((FIXTURES / "elm" / "elm_plain.jsonld").read_text(encoding="utf-8"))
    _write(folder, "b/elm-1.jsonld", elm)
    elm2 = copy.deepcopy(elm)
    elm2["id"] = "urn:uuid:another-elm-award"
    _write(folder, "b/elm-2.jsonld", elm2)  # the same ELM specification again
    for i in range(6):  # EDCI: a global specification id, shared by two issuers' files
        text = edci_doc(i % 4, rng)
        text = text.replace('id="urn:epass:qualification:1"', 'id="https://q.example.eu/qual/1"')
        text = text.replace('idref="urn:epass:qualification:1"', 'idref="https://q.example.eu/qual/1"')
        if i % 2:
            text = text.replace(f"Provider {i % 4}", "Another provider")
        _write(folder, f"c/edci-{i}.xml", text)
    for i in range(5):  # CTDL: the same specification in two files
        _write(folder, f"d/ctdl-{i}.json", ctdl_doc(i % 3, rng))
    split = json.loads(ctdl_doc(1, rng))  # the same specification id, owned by another organisation
    split["@graph"][0]["ceterms:ownedBy"] = split["@graph"][1]["@id"] = "https://registry.example/org-77"
    _write(folder, "d/ctdl-split.json", split)
    bits = bytearray(16)
    bits[0] = 0x80  # index 0 revoked
    encoded = base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")
    listed = credential(
        9,
        credentialStatus={
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "0",
            "statusListCredential": "https://status.example.eu/1",
        },
    )
    _write(folder, "e/listed.json", listed)
    _write(
        folder,
        "e/list.json",
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "https://status.example.eu/1",
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": "https://issuer.example.eu",
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded,
            },
        },
    )
    _write(folder, "e/empty.json", "")
    _write(folder, "e/broken.xml", "<europassCredential xmlns='http://data.europa.eu/snb'><oops>")
    _write(folder, "e/lines.ndjson", "\n".join(json.dumps(credential(20 + i)) for i in range(3)))


def corpus(folder: Path) -> None:
    """Cross-file cases, the reader fixtures, the small hostile cases (each in a folder), the samples."""
    cross_file(folder / "cross")
    shutil.copytree(FIXTURES, folder / "fixtures", ignore=shutil.ignore_patterns("samples_digest.json"))
    for name, case in sorted(CASES.items()):
        if case.env:
            continue  # runs under other limits
        target = folder / "hostile" / name
        target.mkdir(parents=True)
        case.write(target)
        if sum(p.stat().st_size for p in target.rglob("*") if p.is_file() and not p.is_symlink()) > 1 << 20:
            shutil.rmtree(target)  # the big ones (a zip bomb, a million integers) add time, not cases
    if SAMPLES.is_dir():
        shutil.copytree(SAMPLES, folder / "samples")


def _read(folder: Path, workers: int, limits: Limits | None = None):
    return read_standards([folder], folder, limits, workers=workers)


def _same(a, b) -> None:
    assert digests(a) == digests(b)
    assert [f.name for f in a.files] == [f.name for f in b.files]
    assert a.quarantine == b.quarantine


def test_pool_reads_what_the_serial_reader_reads(tmp_path, pooled):
    corpus(tmp_path)
    serial = _read(tmp_path, 1)
    assert serial.tables["awards"].height > 20 and len(serial.quarantine) > 10  # the corpus is not empty
    notes = [n for f in serial.files for n in f.notes]
    assert any("kept apart per issuer" in n for n in notes)  # the cross-file cases do what they say
    assert any("left unknown" in n for n in notes)
    assert any("#issuer=" in c for c in serial.published_outcomes["credential_id"])
    _same(_read(tmp_path, 2), serial)


def test_pool_with_limits_reached_through_duplicates(tmp_path, pooled):
    """A file over MCO_MAX_PROBLEMS_PER_FILE only once its duplicates of earlier files count."""
    _write(tmp_path, "1.json", [credential(1), credential(2)])
    _write(tmp_path, "2.json", [credential(1), credential(2), credential(3)])
    _write(tmp_path, "3.json", credential(4))
    limits = Limits(max_problems_per_file=1)
    serial = _read(tmp_path, 1, limits)
    assert [f.status for f in serial.files] == ["parsed", "rejected", "parsed"]
    _same(_read(tmp_path, 2, limits), serial)


def _die(*args):
    os._exit(3)  # a worker killed mid-delivery (a chunk of files or of lines)


def test_pool_that_breaks_leaves_the_rest_to_this_process(tmp_path, pooled, monkeypatch):
    cross_file(tmp_path)
    serial = _read(tmp_path, 1)
    monkeypatch.setattr(parallel, "_read_chunk", _die)
    _same(_read(tmp_path, 2), serial)


def test_pool_stops_when_its_workers_hand_the_files_back(tmp_path, pooled, monkeypatch):
    """OB 2.0 assertions are mapped once every BadgeClass is known: read here, not parsed twice over."""
    monkeypatch.setattr(parallel, "_TRIAL_FILES", 4)
    _write(tmp_path, "badgeclass.json", BADGECLASS)
    _write(tmp_path, "issuer.json", ISSUER)
    for i in range(20):
        _write(tmp_path, f"assertion-{i:02d}.json", assertion(f"urn:uuid:ob2-{i}", BADGECLASS["id"]))
    serial = _read(tmp_path, 1)
    assert serial.tables["awards"].height == 20
    submitted = []
    submit = parallel._submit
    monkeypatch.setattr(
        parallel, "_submit", lambda pool, chunk: submitted.append(chunk) or submit(pool, chunk)
    )
    _same(_read(tmp_path, 2), serial)
    assert len(submitted) < 11  # 22 files in chunks of 2: the pool stopped before the end


def test_small_delivery_is_read_without_workers(tmp_path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a small delivery")

    monkeypatch.setattr(parallel, "read_jobs", no_pool)
    for i in range(5):
        _write(tmp_path, f"{i}.json", credential(i))
    assert read_standards([tmp_path], tmp_path, workers=2).tables["awards"].height == 5


def test_worker_count_from_the_environment():
    assert parallel.worker_count({}) == (os.cpu_count() or 1)
    assert parallel.worker_count({"MCO_READ_WORKERS": " 3 "}) == 3
    for bad in ("0", "-1", "two", "1.5"):
        with pytest.raises(ValueError, match="MCO_READ_WORKERS must be a positive whole number"):
            parallel.worker_count({"MCO_READ_WORKERS": bad})


# ------------------------------------------------------------------------------------------ NDJSON


@pytest.fixture
def pooled_lines(monkeypatch):
    """Every NDJSON file is read by chunks of three lines (so chunk edges fall between related lines)."""
    monkeypatch.setattr(parallel, "MIN_LINES", 0)
    monkeypatch.setattr(parallel, "MIN_LINE_WORKERS", 2)  # the pool for lines, on this machine's two CPUs
    monkeypatch.setattr(parallel, "CHUNK_LINES", 3)


def _spy(monkeypatch, name: str) -> list:
    """Record the results of `parallel.<name>` (in this process)."""
    calls: list = []
    original = getattr(parallel, name)

    def spy(*args):
        result = original(*args)
        calls.append(result)
        return result

    monkeypatch.setattr(parallel, name, spy)
    return calls


def _lines(folder: Path, name: str, *items) -> None:
    """An NDJSON file: documents as compact JSON, text as it is, one a line."""
    _write(folder, name, "\n".join(i if isinstance(i, str) else json.dumps(i) for i in items) + "\n")


def _spec(i: int, spec: str, **changes) -> dict:
    doc = credential(i, **changes)
    doc["credentialSubject"]["achievement"]["id"] = f"https://issuer.example.eu/achievements/{spec}"
    return doc


def ndjson_delivery(folder: Path) -> None:
    """NDJSON files whose lines depend on the lines and files before them."""
    rng = random.Random(11)
    mystery = {"assessmentType": "a mystery assessment"}  # a label no vocabulary maps: noted
    first = credential(1)
    first["credentialSubject"]["achievement"].update(mystery, achievementType="Recognition of prior learning")
    again = credential(2)  # the same specification: its fields come from the first (first wins)
    again["credentialSubject"]["achievement"].update(mystery)
    no_id = credential(6)
    del no_id["id"]
    bits = bytearray(16)
    bits[0] = 0x80  # index 0 revoked
    encoded = base64.urlsafe_b64encode(gzip.compress(bytes(bits))).decode().rstrip("=")
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "0",
        "statusListCredential": "https://status.example.eu/1",
    }
    status_list = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "https://status.example.eu/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "https://issuer.example.eu",
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    presentation = {"type": ["VerifiablePresentation"], "verifiableCredential": [credential(12)]}
    signed = jwt({"alg": "ES256", "typ": "JWT"}, {"vc": credential(13), "iss": "https://issuer.example.eu"})
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {}}
    _write(folder, "a.ndjson", "\ufeff" + json.dumps(first) + "\n")  # a byte-order mark first
    with open(folder / "a.ndjson", "a", encoding="utf-8") as fh:
        for item in (
            again,
            "",
            "{not json",
            "42",
            "not a credential, not a JWT!",
            first,  # an identical re-delivery
            credential(1, validFrom="2024-04-01T10:00:00Z"),  # the same id, other content
            no_id,
            [credential(7), credential(8, type=["Nothing"])],
            _with_issuer(credential(3), "https://other.example.eu"),  # the specification of another issuer
            schema,
            *(_spec(40 + i, "shared") for i in range(7)),  # one specification over several chunks
            BADGECLASS,
            ISSUER,
            assertion("urn:uuid:ob2-1", BADGECLASS["id"]),
            json.loads(ctdl_doc(0, rng)),
            credential(9, credentialStatus=entry),
            status_list,
            presentation,
            signed,
            *(_spec(50 + i, "shared") for i in range(4)),
            {"credentialSubject": {}, "type": ["OpenBadgeCredential"]},  # no issuer: quarantined
        ):
            fh.write((item if isinstance(item, str) else json.dumps(item)) + "\n")
    # a specification first mapped in an award that conflicts with one before (so it is not added),
    # then again in the same chunk (a worker's, the second): the worker guesses it known, and the
    # guess does not hold here
    before = (credential(90), credential(91), credential(92))
    _lines(folder, "b.ndjson", *before, _spec(2, "other"), _spec(60, "other"), _spec(61, "other"), "[1, 2]")
    _lines(folder, "c.jsonl", first, credential(70), "{", again, _spec(71, "other"), credential(72))
    _lines(folder, "d.ndjson", "{", "nope", "[")  # nothing readable: rejected
    _write(folder, "e.ndjson", "\n\n   \n")  # only blank lines
    _write(folder, "f.ndjson", "")
    member = "\n".join(json.dumps(credential(80 + i)) for i in range(5)) + "\n" + json.dumps(first)
    _write(folder, "g.zip", zip_bytes({"inner/lines.ndjson": member.encode()}))


def test_ndjson_read_by_the_pool_as_by_the_serial_reader(tmp_path, pooled_lines, monkeypatch):
    ndjson_delivery(tmp_path)
    serial = _read(tmp_path, 1)
    notes = [n for f in serial.files for n in f.notes]
    assert any("byte-order mark" in n for n in notes)  # the cases do what they say
    assert any("kept apart per issuer" in n for n in notes)
    assert any("left unknown" in n for n in notes)
    assert any("stable id was derived" in n for n in notes)
    codes = {q["reason_code"] for q in serial.quarantine}
    assert {"duplicate_key", "conflicting_values", "malformed_record", "wrong_type"} <= codes
    assert [f.status for f in serial.files].count("rejected") == 3
    assert "revoked" in serial.tables["awards"]["status"].to_list()
    replayed, held = _spy(monkeypatch, "_replay_lines"), _spy(monkeypatch, "_guesses_hold")
    _same(_read(tmp_path, 2), serial)
    assert replayed and False in held and True in held  # chunks mapped by workers; a guess sent back


def test_ndjson_pool_with_limits(tmp_path, pooled_lines):
    """Per-file limits reached part-way, through earlier files' duplicates, and lines over the limit."""
    _lines(tmp_path, "1.ndjson", *(credential(i) for i in range(1, 5)))
    _lines(tmp_path, "2.ndjson", credential(9), *(credential(i) for i in range(1, 5)), credential(10))
    _lines(tmp_path, "3.ndjson", *(credential(i) for i in range(20, 31)))
    _lines(tmp_path, "4.ndjson", credential(40), "x" * 3000, credential(41), "{", credential(42))
    limits = Limits(max_problems_per_file=3, max_credentials_per_file=8, max_json_bytes=2000)
    serial = _read(tmp_path, 1, limits)
    assert [f.status for f in serial.files] == ["parsed", "rejected", "rejected", "parsed"]
    assert any(q["check_name"] == "json.size" for q in serial.quarantine)
    _same(_read(tmp_path, 2, limits), serial)


def test_ndjson_pool_that_breaks_leaves_the_rest_to_this_process(tmp_path, pooled_lines, monkeypatch):
    ndjson_delivery(tmp_path)
    serial = _read(tmp_path, 1)
    monkeypatch.setattr(parallel, "_read_lines_chunk", _die)
    _same(_read(tmp_path, 2), serial)


def test_ndjson_pool_stops_when_its_workers_hand_the_lines_back(tmp_path, pooled_lines, monkeypatch):
    """OB 2.0 assertions are mapped once every BadgeClass is known: read here, not parsed twice over."""
    monkeypatch.setattr(parallel, "_TRIAL_CHUNKS", 2)
    items = [BADGECLASS, ISSUER, *(assertion(f"urn:uuid:ob2-{i}", BADGECLASS["id"]) for i in range(58))]
    _lines(tmp_path, "ob2.ndjson", *items)
    serial = _read(tmp_path, 1)
    assert serial.tables["awards"].height == 58
    submitted = []

    class Counting(parallel.ProcessPoolExecutor):
        def submit(self, fn, *args):
            submitted.append(args)
            return super().submit(fn, *args)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Counting)
    _same(_read(tmp_path, 2), serial)
    # 60 lines in 20 chunks of three, every other one read here: the pool stopped well before the end
    assert 2 <= len(submitted) < 8


def test_small_ndjson_is_read_without_workers(tmp_path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a small NDJSON file")

    monkeypatch.setattr(parallel, "_Pool", no_pool)
    monkeypatch.setattr(parallel, "MIN_LINE_WORKERS", 2)  # only the file's size keeps the pool away
    _lines(tmp_path, "few.ndjson", *(credential(i) for i in range(20)))
    assert read_standards([tmp_path], tmp_path, workers=2).tables["awards"].height == 20


def test_ndjson_on_two_processes_is_read_without_workers(tmp_path, monkeypatch):
    """On two CPUs replaying the workers' chunks costs what it saves: the lines are read here."""

    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for NDJSON with two reader processes")

    monkeypatch.setattr(parallel, "_Pool", no_pool)
    monkeypatch.setattr(parallel, "MIN_LINES", 0)
    _lines(tmp_path, "many.ndjson", *(credential(i) for i in range(20)))
    assert read_standards([tmp_path], tmp_path, workers=2).tables["awards"].height == 20
