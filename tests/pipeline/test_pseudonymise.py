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
