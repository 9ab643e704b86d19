"""Key hygiene: private key files only, the key never in a message, log or warehouse, and a changed key
stops the build (unless --new-key) instead of silently breaking every learner link."""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines import pseudonymise
from pipelines.build import build
from pipelines.errors import BuildFailed, ObservatoryError
from pipelines.warehouse import rows
from tests.tiny import write_tiny

pytestmark = pytest.mark.build

ROOT = Path(__file__).resolve().parents[1]
KEY_A = "a1" * 32
KEY_B = "b2" * 32


def _secrets(key_hex: str) -> list[bytes]:
    """Every form the key could leak in: hex (both cases), the raw bytes, the HMAC pads the macro uses."""
    key = bytes.fromhex(key_hex)
    padded = key.ljust(64, b"\0")
    ipad = bytes(b ^ 0x36 for b in padded).hex()
    opad = bytes(b ^ 0x5C for b in padded).hex()
    return [key_hex.encode(), key_hex.upper().encode(), key, ipad.encode(), opad.encode()]


def test_fingerprint_is_a_keyed_hash_not_the_key():
    key = bytes.fromhex(KEY_A)
    fp = pseudonymise.fingerprint(key)
    assert fp == hmac.new(key, b"mco key fingerprint", hashlib.sha256).hexdigest()[:16]
    assert len(fp) == 16 and int(fp, 16) >= 0
    assert fp not in KEY_A and pseudonymise.fingerprint(bytes.fromhex(KEY_B)) != fp
    assert pseudonymise.fingerprint(key) == fp  # stable


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o700])
def test_a_key_file_others_can_open_is_refused(tmp_path, monkeypatch, mode):
    monkeypatch.delenv("MCO_PSEUDONYM_KEY", raising=False)
    path = tmp_path / "pseudonym.key"
    path.write_text(KEY_A + "\n")
    path.chmod(mode)
    if mode & 0o077:
        with pytest.raises(ObservatoryError) as refused:
            pseudonymise.load_key(path)
        message = str(refused.value)
        assert f"chmod 600 {path}" in message and f"mode {mode:03o}" in message
        assert KEY_A not in message and KEY_A.upper() not in message
        path.chmod(0o600)
    assert pseudonymise.load_key(path) == bytes.fromhex(KEY_A)


def test_a_key_file_that_is_not_a_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("MCO_PSEUDONYM_KEY", raising=False)
    (tmp_path / "dir.key").mkdir()
    with pytest.raises(ObservatoryError, match="not a regular file"):
        pseudonymise.load_key(tmp_path / "dir.key")


def test_environment_key_works_whatever_the_key_file(tmp_path, monkeypatch):
    loose = tmp_path / "pseudonym.key"
    loose.write_text(KEY_B + "\n")
    loose.chmod(0o644)
    monkeypatch.setenv("MCO_KEY_FILE", str(loose))
    monkeypatch.setenv("MCO_PSEUDONYM_KEY", KEY_A)
    assert pseudonymise.load_key() == bytes.fromhex(KEY_A)


def test_key_errors_never_quote_the_key(monkeypatch, tmp_path):
    bad = "zz" + KEY_A[2:]
    monkeypatch.setenv("MCO_PSEUDONYM_KEY", bad)
    with pytest.raises(ObservatoryError) as env_error:
        pseudonymise.load_key()
    monkeypatch.delenv("MCO_PSEUDONYM_KEY")
    path = tmp_path / "k"
    path.write_text(bad)
    path.chmod(0o600)
    with pytest.raises(ObservatoryError) as file_error:
        pseudonymise.load_key(path)
    for error in (env_error.value, file_error.value):
        assert KEY_A[2:] not in str(error) and bad not in repr(error)
        assert error.__cause__ is None and error.__suppress_context__


@pytest.fixture(scope="module")
def keyed_build(tiny_build, tmp_path_factory):
    """A tiny warehouse built with key A (the session's key file): a copy of the session's `tiny_build`."""
    raw, built, result = tiny_build
    warehouse = tmp_path_factory.mktemp("keywh") / "w.duckdb"
    shutil.copyfile(built, warehouse)
    return raw, warehouse, result


def _key_a() -> str:
    """Key A: the session's throwaway key file (tests/conftest.py), which every tiny build used."""
    return Path(os.environ["MCO_KEY_FILE"]).read_text().strip()


def test_the_warehouse_stores_the_fingerprint_never_the_key(keyed_build):
    _, warehouse, result = keyed_build
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (fp,) = rows(con, "select key_fingerprint from build_info")[0]
        (history_fp,) = rows(con, "select key_fingerprint from build_history")[0]
    finally:
        con.close()
    assert fp == history_fp == pseudonymise.fingerprint(bytes.fromhex(_key_a()))
    data = warehouse.read_bytes()
    assert fp.encode() in data
    assert not any(secret in data for secret in _secrets(_key_a()))
    assert result.build_id not in _key_a()


def _mco(*args: str, key: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MCO_PSEUDONYM_KEY": key}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.cost(25)
def test_a_changed_key_stops_the_build_unless_new_key(keyed_build, monkeypatch):
    raw, warehouse, first = keyed_build
    before = warehouse.read_bytes()
    args = [
        "build",
        "--raw",
        str(raw),
        "--warehouse",
        str(warehouse),
        "--no-gate",
        "--max-quarantine-share",
        "1",
    ]
    refused = _mco(*args, key=KEY_B)
    assert refused.returncode == 1
    message = " ".join(refused.stderr.split())
    assert "the pseudonymisation key changed" in message
    assert "learner links to earlier deliveries would break; pass --new-key if this is intended" in message
    assert warehouse.read_bytes() == before  # nothing was built
    for secret in _secrets(KEY_B) + _secrets(_key_a()):
        assert secret.decode("latin-1") not in refused.stdout + refused.stderr

    monkeypatch.setenv("MCO_PSEUDONYM_KEY", KEY_B)
    with pytest.raises(BuildFailed, match="pass --new-key"):
        build(raw, warehouse, gate=False, max_quarantine_share=1.0)
    second = build(raw, warehouse, gate=False, max_quarantine_share=1.0, new_key=True)
    assert second.build_id != first.build_id  # same data and cut-off, another key: another build
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        history = rows(con, "select build_id, key_fingerprint from build_history order by built_at")
    finally:
        con.close()
    assert history == [
        (first.build_id, pseudonymise.fingerprint(bytes.fromhex(_key_a()))),
        (second.build_id, pseudonymise.fingerprint(bytes.fromhex(KEY_B))),
    ]
    assert not any(secret in warehouse.read_bytes() for secret in _secrets(KEY_B))


def test_the_same_key_gives_the_same_build_id(tmp_path, monkeypatch):
    from pipelines.build import _digest
    from pipelines.sources.discover import discover

    raw = write_tiny(tmp_path / "raw")
    files = discover(raw)
    cutoff = date(2025, 12, 31)
    a = pseudonymise.fingerprint(bytes.fromhex(KEY_A))
    b = pseudonymise.fingerprint(bytes.fromhex(KEY_B))
    assert _digest(files, cutoff, a) == _digest(files, cutoff, a) != _digest(files, cutoff, b)
