"""Keyed pseudonymisation of learner identifiers (HMAC-SHA256), computed inside DuckDB.

The key lives outside the repository and the warehouse (MCO_PSEUDONYM_KEY as hex, or a key file
created on first use with mode 600; a key file other users could read is refused). The SQL macro that
applies it is a *temporary* macro, so the key is never stored in the warehouse file. What the
warehouse does keep is the key's fingerprint, HMAC-SHA256(key, "mco key fingerprint") cut to 16 hex
digits, so a build can tell that the key changed (which would break every learner link to earlier
deliveries); it reveals nothing about the key that the learner hashes do not already.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

import duckdb

from pipelines.config import key_file
from pipelines.errors import ObservatoryError

_BLOCK = 64  # SHA-256 block size in bytes
_FINGERPRINT_MESSAGE = b"mco key fingerprint"


def load_key(path: Path | None = None) -> bytes:
    """The secret key: from MCO_PSEUDONYM_KEY (hex) or the key file, created with mode 600 if absent."""
    env = os.environ.get("MCO_PSEUDONYM_KEY")
    if env:
        try:
            key = bytes.fromhex(env.strip())
        except ValueError:
            raise ObservatoryError("MCO_PSEUDONYM_KEY must be hexadecimal (at least 32 bytes).") from None
    else:
        path = path or key_file()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
        _check_private(path)
        try:
            key = bytes.fromhex(path.read_text().strip())
        except ValueError:
            raise ObservatoryError("The pseudonymisation key file is not hexadecimal.", path) from None
    if len(key) < 32:
        raise ObservatoryError("The pseudonymisation key must be at least 32 bytes (64 hex characters).")
    return key


def _check_private(path: Path) -> None:
    """Refuse a key file that is not a regular file or that other users may read or change."""
    if not path.is_file():
        raise ObservatoryError("The pseudonymisation key file is not a regular file.", path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ObservatoryError(
            f"The pseudonymisation key file {path} is open to other users (mode {mode:03o}); "
            f"restrict it to its owner with `chmod 600 {path}` and run again."
        )


def fingerprint(key: bytes) -> str:
    """A short public identifier of the key (16 hex digits of HMAC-SHA256(key, fixed message)).

    Equal keys give equal fingerprints; the key cannot be read back from it, and checking a guessed
    key against it costs one HMAC, as checking it against any learner hash already does.
    """
    return hmac.new(key, _FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]


def normalise(identifier: str) -> str:
    """The form an identifier is hashed in, so ' Jan@X.org' and 'jan@x.org' link (mirrors the SQL)."""
    return identifier.strip().lower()


def register(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Create the temporary macro `pseudonym(x)`: HMAC-SHA256 of the normalised identifier, as hex."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    ipad = bytes(b ^ 0x36 for b in padded).hex()
    opad = bytes(b ^ 0x5C for b in padded).hex()
    con.execute(
        "create or replace temp macro pseudonym(x) as "
        f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode(lower(trim(x))))))"
    )
