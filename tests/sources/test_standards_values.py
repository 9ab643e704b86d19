"""Value normalisers shared by the standards readers: dates, durations, code lists, vocabularies, tokens."""

from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest

from pipelines.sources.standards import jsonio, mapping
from pipelines.sources.standards.delivery import read_standards

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-01T09:00:00Z", ("2024-03-01", "2024-03-01T09:00:00+00:00")),
        ("2024-03-01T09:00:00.123456789Z", ("2024-03-01", "2024-03-01T09:00:00.123456789+00:00")),
        ("2024-03-01T00:30:00+02:00", ("2024-03-01", "2024-03-01T00:30:00+02:00")),  # the issuer's own day
        ("2024-03-01T23:30:00-0500", ("2024-03-01", "2024-03-01T23:30:00-05:00")),
        ("2024-03-01T09:00", ("2024-03-01", "2024-03-01T09:00:00")),
        ("2024-03-01", ("2024-03-01", None)),
        (1609459200, ("2021-01-01", "2021-01-01T00:00:00+00:00")),
        ("1609459200", ("2021-01-01", "2021-01-01T00:00:00+00:00")),
    ],
)
def test_dates(text, expected):
    assert mapping.parse_when(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023-02-30",
        "2024-13-01",
        "01/02/2024",
        "2024-01-01T25:00:00Z",
        "",
        True,
        "2024-01-01T10:00:00+25:00",
        "yesterday",
    ],
)
def test_bad_dates_raise(text):
    with pytest.raises(ValueError):
        mapping.parse_when(text)


def test_pick_date_reports_key_and_path():
    with pytest.raises(mapping.MapError) as err:
        mapping.pick_date({"validFrom": "2024-99-01"}, ("awardedDate", "validFrom"))
    assert (err.value.reason_code, err.value.json_path) == ("invalid_value", "$.validFrom")


@pytest.mark.parametrize(
    ("value", "hours"),
    [
        ("PT45H", "45"),
        ("P1DT2H", "26"),
        ("PT90M", "1.5"),
        ("P1W", "168"),
        ("PT7H30M", "7.5"),
        ("P1Y", None),
        (12, "12"),
    ],
)
def test_iso_durations(value, hours):
    assert mapping.duration_hours(value) == hours


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("http://publications.europa.eu/resource/authority/country/SVN", "SI"),
        ("DEU", "DE"),
        ("nl", "NL"),
        ("EL", "GR"),
        ({"id": "http://publications.europa.eu/resource/authority/country/GRC"}, "GR"),
        ("XYZ", None),
        ("Netherlands", None),
        (None, None),
    ],
)
def test_countries(value, code):
    assert mapping.country(value) == code


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("http://data.europa.eu/snb/eqf/5", "5"),
        ({"prefLabel": {"en": "Level 6"}}, "6"),
        ("EQF 7", "7"),
        (4, "4"),
        ("9", None),
        ("Level 12", None),
        ("advanced", None),
    ],
)
def test_eqf(value, level):
    assert mapping.eqf(value) == level


@pytest.mark.parametrize(
    ("value", "broad"),
    [
        ("0613", "06"),
        ("061", "06"),
        ("06", "06"),
        ("http://data.europa.eu/snb/isced-f/1015", "10"),
        ({"id": "http://data.europa.eu/snb/isced-f/0412"}, "04"),
        ("Computer Science, Statistics", None),
        ("2024", None),
    ],
)
def test_isced(value, broad):
    assert mapping.isced_broad(value) == broad


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Supervised with ID verification", "supervised_id"),
        ("Supervised online with identity verification", "supervised_id"),
        ("Supervised with no identity verification", "supervised_no_id"),
        ("Unsupervised with no identity verification", "unsupervised_no_id"),
        ("Proctored", "supervised_no_id"),
        ("supervised_id", "supervised_id"),  # our own codes pass through unchanged
        ("supervised_no_id", "supervised_no_id"),
        ("unsupervised_no_id", "unsupervised_no_id"),
        ("supervised-with-id-verification", "supervised_id"),
        ("something else", None),
    ],
)
def test_supervision(text, code):
    assert mapping.supervision(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Written exam", "exam"),
        ("Oral examination", "oral"),
        ("Capstone project", "project"),
        ("Portfolio review", "portfolio"),
        ("Graded exercises", "practical"),
        ("Attendance only", "none"),
    ],
)
def test_assessment(text, code):
    assert mapping.assessment(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Online", "online"),
        ("Hybrid", "blended"),
        ("Face-to-face", "onsite"),
        ("On-site", "onsite"),
        ("?", None),
    ],
)
def test_participation(text, code):
    assert mapping.participation(text) == code


def test_language_maps_prefer_english_else_first():
    assert mapping.lang({"de": "Titel", "en": "Title"}) == "Title"
    assert mapping.lang({"fr": "Titre", "de": "Titel"}) == "Titre"
    assert mapping.lang({"en-GB": "Colour"}) == "Colour"
    assert mapping.lang({"@value": "x", "@language": "en"}) == "x"
    assert mapping.lang("data:image/png;base64,AAAA") is None


def test_jws_json_payload_as_text_or_base64url():
    inner = {"id": "x", "type": "EuropeanDigitalCredential"}
    text = json.dumps(inner)
    encoded = base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()
    protected = base64.urlsafe_b64encode(b'{"alg":"RS256"}').rstrip(b"=").decode()
    signed = {"payload": text, "signatures": [{"protected": protected, "signature": "c2ln"}]}
    assert jsonio.decode_jws_json(signed) == (inner, True)
    assert jsonio.decode_jws_json({"payload": text, "signatures": [{}]}) == (inner, False)  # no signature
    assert jsonio.decode_jws_json({"payload": encoded, "signature": "c2ln"}) == (inner, False)  # no alg


def test_unsigned_jwt_is_not_signed():
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(b'{"vc":{"id":"x"}}').rstrip(b"=").decode()
    assert jsonio.decode_jwt(f"{header}.{payload}.") == ({"vc": {"id": "x"}}, False)


def _png_with_itxt(keyword: bytes, text: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"iTXt", keyword + b"\0\0\0\0\0" + text)
        + chunk(b"IEND", b"")
    )


def test_baked_png_badge(tmp_path):
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:png-1",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "https://issuer.example.eu",
        "validFrom": "2024-05-05",
        "credentialSubject": {"id": "did:example:png"},
    }
    (tmp_path / "badge.png").write_bytes(_png_with_itxt(b"openbadgecredential", json.dumps(doc).encode()))
    (tmp_path / "plain.png").write_bytes(_png_with_itxt(b"Comment", b"hello"))
    d = read_standards([tmp_path], tmp_path)
    by_name = {f.name: f for f in d.files}
    assert by_name["badge.png"].records_loaded == 1
    assert by_name["plain.png"].status == "rejected" and "no baked Open Badge" in by_name["plain.png"].reason
