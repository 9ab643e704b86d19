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
import re
import secrets
import stat
from pathlib import Path

import duckdb

from pipelines.errors import ObservatoryError
from pipelines.settings import settings

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
        path = path or settings().key_file
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


# Identifier normalisation, per scheme, so one person delivered through two channels gets one
# pseudonym. The rules are written once, as the regular expressions below: `register` builds the SQL
# macro `normalised_id(x)` from them and `normalise` applies the same ones in Python (a test runs both on
# the same inputs). The patterns use only syntax that RE2 (DuckDB) and Python's `re` read alike.
#  1. surrounding white space (space, tab, line breaks, no-break space) is dropped; all is lower case;
#  2. a `mailto:` prefix is dropped (`mailto:Jan@X.org` is the e-mail `jan@x.org`);
#  3. an Open Badges identity hash `sha256$<hex>` / `md5$<hex>` is kept as it is (hex in lower case);
#  4. a web address: `http://` becomes `https://`, trailing slashes are dropped (the host is lower case);
#  5. a national id, two letters then `:`, `-` or spaces then a number (`NL:123456789`, `NL-123456789`,
#     `nl 123456789`), becomes `nl:123456789`; spaces, dots and hyphens inside the number are dropped.
_SPACE = r"[\t\n\v\f\r \xa0]"
TRIM_RE = rf"^{_SPACE}+|{_SPACE}+$"
MAILTO_RE = rf"^mailto:{_SPACE}*"
HASH_RE = r"(sha256|md5)\$[0-9a-f]+"
URL_RE = r"https?://(.*?)/*"
URL_TO = "https://"  # + the first group
NATIONAL_RE = r"[a-z]{2}[:\- ]+[0-9]([0-9a-z .\-]*[0-9a-z])?"
NATIONAL_PREFIX_RE = r"^([a-z]{2})[:\- ]+"
NATIONAL_SEPARATORS_RE = r"[ .\-]"

# DuckDB lower-cases character by character: Python's final-sigma rule and its dotted 'i̇' for 'İ' differ
_AS_DUCKDB = {0x3A3: "σ", 0x130: "i"}
_TRIM, _MAILTO = re.compile(TRIM_RE), re.compile(MAILTO_RE)
_HASH, _URL, _NATIONAL = re.compile(HASH_RE), re.compile(URL_RE), re.compile(NATIONAL_RE)
_NATIONAL_PREFIX, _NATIONAL_SEPARATORS = re.compile(NATIONAL_PREFIX_RE), re.compile(NATIONAL_SEPARATORS_RE)


def normalise(identifier: str) -> str:
    """The form an identifier is hashed in (the rules above; exactly what SQL `normalised_id` does)."""
    s = _MAILTO.sub("", _TRIM.sub("", identifier).translate(_AS_DUCKDB).lower(), count=1)
    if _HASH.fullmatch(s):
        return s
    url = _URL.fullmatch(s)
    if url:
        return URL_TO + url.group(1)
    if _NATIONAL.fullmatch(s):
        s = _NATIONAL_PREFIX.sub(r"\1:", s, count=1)
        return s[:3] + _NATIONAL_SEPARATORS.sub("", s[3:])
    return s


def _sql(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _normalise_macros() -> list[str]:
    """The SQL of `normalised_id(x)`: the same rules, the same patterns, as DuckDB temporary macros."""
    return [
        "create or replace temp macro mco_id_lowered(x) as "
        f"regexp_replace(lower(regexp_replace(x, {_sql(TRIM_RE)}, '', 'g')), {_sql(MAILTO_RE)}, '')",
        "create or replace temp macro mco_id_national(s) as "
        "left(s, 3) || regexp_replace(substr(s, 4), "
        f"{_sql(NATIONAL_SEPARATORS_RE)}, '', 'g')",
        "create or replace temp macro mco_id_scheme(s) as case "
        f"when regexp_full_match(s, {_sql(HASH_RE)}) then s "
        f"when regexp_full_match(s, {_sql(URL_RE)}) "
        f"then {_sql(URL_TO)} || regexp_extract(s, {_sql('^' + URL_RE + '$')}, 1) "
        f"when regexp_full_match(s, {_sql(NATIONAL_RE)}) "
        f"then mco_id_national(regexp_replace(s, {_sql(NATIONAL_PREFIX_RE)}, '\\1:')) "
        "else s end",
        "create or replace temp macro normalised_id(x) as mco_id_scheme(mco_id_lowered(x))",
    ]


def register(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Create the temporary macros `normalised_id(x)` and `pseudonym(x)`: HMAC-SHA256 of the normalised
    identifier, as hex."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    ipad = bytes(b ^ 0x36 for b in padded).hex()
    opad = bytes(b ^ 0x5C for b in padded).hex()
    for statement in _normalise_macros():
        con.execute(statement)
    con.execute(
        "create or replace temp macro pseudonym(x) as "
        f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode(normalised_id(x)))))"
    )
