"""Keyed pseudonymisation: the SQL HMAC is the standard HMAC, and the key stays out of the warehouse."""

import hashlib
import hmac
import stat

import duckdb
import pytest

from pipelines import pseudonymise
from pipelines.errors import ObservatoryError
from pipelines.warehouse import rows

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("key", [b"k" * 32, bytes(range(48)), bytes(range(80))])
@pytest.mark.parametrize("raw", ["NL-123456789", "jan.devries@example.org", "sha256$" + "a" * 64])
def test_sql_hmac_matches_python_hmac(key, raw):
    con = duckdb.connect()
    pseudonymise.register(con, key)
    (got,) = rows(con, "select pseudonym(?)", [raw])[0]
    assert got == hmac.new(key, pseudonymise.normalise(raw).encode(), hashlib.sha256).hexdigest()


def test_identifiers_are_normalised_before_hashing():
    con = duckdb.connect()
    pseudonymise.register(con, b"k" * 32)
    a, b, c = rows(
        con, "select pseudonym(' Jan@Example.org'), pseudonym('jan@example.org'), pseudonym(null)"
    )[0]
    assert a == b and c is None


# identifiers as deliveries write them: each inner list is one person through several channels
SAME_PERSON = [
    ["NL:123456789", "NL-123456789", "nl 123456789", " NL - 123 456 789 ", "nl:1234.56.789"],
    ["NL-012345678", "nl:012345678"],  # the generator's form keeps its leading zero
    ["Jan@Example.org", " jan@example.org ", "mailto:Jan@Example.org", "MAILTO: jan@example.org\t"],
    ["\xa0jan.devries@example.org", "jan.devries@EXAMPLE.org"],
    ["http://Example.org/people/42/", "https://example.org/people/42", "HTTPS://EXAMPLE.ORG/people/42//"],
    ["sha256$ABCDEF0123456789", "sha256$abcdef0123456789", " sha256$abcdef0123456789 "],
    ["de-12345678z", "DE 12345678Z"],
]
OTHER_INPUTS = [
    "",
    "   ",
    "md5$00ff",
    "urn:uuid:ABC-1",
    "did:example:ebfeb1f712ebc6f1c276e12ec21",
    "Åsa.Öberg@Example.se",
    "ΣΊΣΥΦΟΣ@x.gr",
    "İstanbul@x.tr",
    "line\nbreak",
    "nl-",
    "nl-12-",
    "x:y'z",
    "12345",
    "NL:NL-123456789",
    "https://",
    "mailto:",
    "sha256$not-hex",
]


@pytest.mark.parametrize("raw", [x for group in SAME_PERSON for x in group] + OTHER_INPUTS)
def test_sql_and_python_normalise_alike(raw):
    con = duckdb.connect()
    pseudonymise.register(con, b"k" * 32)
    (got,) = rows(con, "select normalised_id(?)", [raw])[0]
    assert got == pseudonymise.normalise(raw)


def test_one_person_through_two_channels_gets_one_pseudonym():
    con = duckdb.connect()
    pseudonymise.register(con, b"k" * 32)
    keys = [{rows(con, "select pseudonym(?)", [x])[0][0] for x in group} for group in SAME_PERSON]
    assert all(len(k) == 1 for k in keys), keys
    assert len(set().union(*keys)) == len(SAME_PERSON)  # and different people stay apart
    assert pseudonymise.normalise("NL-123456789") == "nl:123456789"
    assert pseudonymise.normalise("mailto:Jan@Example.org") == "jan@example.org"
    assert pseudonymise.normalise("http://Example.org/x/") == "https://example.org/x"
    assert pseudonymise.normalise("sha256$ABC") == "sha256$abc"


def test_a_country_prefix_is_not_doubled():
    from pipelines.sources.standards.mapping import national_id

    assert national_id("NL", "123456789") == "NL:123456789"
    assert national_id("NL", "NL-123456789") == "NL-123456789"
    assert national_id(None, "123456789") == "123456789"
    assert pseudonymise.normalise(national_id("NL", "123456789")) == pseudonymise.normalise("NL-123456789")


def test_key_file_is_created_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("MCO_PSEUDONYM_KEY", raising=False)
    path = tmp_path / "sub" / "pseudonym.key"
    first = pseudonymise.load_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pseudonymise.load_key(path) == first and len(first) == 32


def test_key_from_environment(monkeypatch):
    monkeypatch.setenv("MCO_PSEUDONYM_KEY", "ab" * 32)
    assert pseudonymise.load_key() == bytes.fromhex("ab" * 32)
    monkeypatch.setenv("MCO_PSEUDONYM_KEY", "not-hex")
    with pytest.raises(ObservatoryError, match="hexadecimal"):
        pseudonymise.load_key()
    monkeypatch.setenv("MCO_PSEUDONYM_KEY", "ab")
    with pytest.raises(ObservatoryError, match="32 bytes"):
        pseudonymise.load_key()
