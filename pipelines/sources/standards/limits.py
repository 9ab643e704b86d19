"""Size and count limits of the credential readers, so a hostile delivery cannot exhaust time or memory.

Each limit has an environment variable (a whole number; byte limits also take a K/M/G suffix meaning
KiB/MiB/GiB). The defaults let a national batch through and stop a zip bomb or a gigabyte JSON array.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields

_SIZE = re.compile(r"\s*(\d+)\s*([KMG]?)(?:I?B)?\s*", re.I)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


@dataclass(frozen=True)
class Limits:
    max_credential_bytes: int = 1 << 30  # MCO_MAX_CREDENTIAL_BYTES: one file or zip member, uncompressed
    max_json_bytes: int = 64 << 20  # MCO_MAX_JSON_BYTES: one JSON document, or one NDJSON line
    max_credentials_per_file: int = 1_000_000  # MCO_MAX_CREDENTIALS_PER_FILE: records in one file
    max_problems_per_file: int = 100_000  # MCO_MAX_PROBLEMS_PER_FILE: quarantined records in one file
    max_zip_bytes: int = 2 << 30  # MCO_MAX_ZIP_BYTES: all members of one archive (nested ones too)
    max_zip_ratio: int = 100  # MCO_MAX_ZIP_RATIO: uncompressed / compressed size of one member
    max_zip_members: int = 100_000  # MCO_MAX_ZIP_MEMBERS: files in one archive

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Limits:
        """The defaults, overridden by any MCO_<FIELD> variable that is set."""
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            raw = env.get(env_name(f.name))
            if raw is not None and raw.strip():
                values[f.name] = _parse(env_name(f.name), raw, f.name.endswith("_bytes"))
        return cls(**values)


def env_name(field_name: str) -> str:
    return "MCO_" + field_name.upper()


def _parse(name: str, raw: str, is_size: bool) -> int:
    """A positive whole number (with K/M/G for sizes); anything else is a configuration error."""
    m = _SIZE.fullmatch(raw)
    if not m or (m.group(2) and not is_size) or int(m.group(1)) <= 0:
        unit = " (bytes, or with a K/M/G suffix)" if is_size else ""
        raise ValueError(f"{name} must be a positive whole number{unit}")
    return int(m.group(1)) * _UNITS[m.group(2).upper()]


def mib(n: int) -> str:
    """A byte count for a message: `64 MiB`, `1.5 KiB`, `12 bytes`."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:,.0f} {unit}" if value >= 10 or value.is_integer() else f"{value:.1f} {unit}"
    return f"{n:,} bytes"
