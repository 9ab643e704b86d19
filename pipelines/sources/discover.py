"""Find the delivery files in a raw folder and tell which record type each one holds.

A delivery is data handed to us, so nothing in it may point elsewhere: symbolic links (to files or
folders), special files and anything resolving outside the raw folder are listed as rejected without
ever being opened (a link named `awards_key.csv` could point at the pseudonymisation key).
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.contracts import contracts
from pipelines.errors import BuildFailed

# Files the generator writes beside the data; they describe a delivery and hold no records.
METADATA_FILES = {"manifest.json", "ground_truth.json"}
SYMLINK = "a symbolic link; deliveries must be regular files inside the delivery folder"
SPECIAL = "not a regular file; deliveries must be regular files inside the delivery folder"
OUTSIDE = "resolves outside the delivery folder; deliveries must be regular files inside it"


@dataclass(frozen=True)
class DeliveryFile:
    path: Path
    name: str  # path relative to the raw folder, as shown to users and stored as provenance
    table: str | None  # record type, None when no template matches
    rejected: str | None = None  # why the file is refused unread (symlink, special file, outside)


def record_type(file_name: str) -> str | None:
    """`awards.csv` and `awards_2024.csv` hold awards; the longest matching template name wins."""
    stem = Path(file_name).stem.lower()
    matches = [t for t in contracts() if stem == t or stem.startswith(t + "_")]
    return max(matches, key=len) if matches else None


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in Path(rel).parts)


def refusal(path: Path, root: Path) -> str | None:
    """Why `path` must not be read, judged from its own entry (lstat), never from a link's target."""
    try:
        info = path.lstat()
    except OSError:
        return SPECIAL
    if stat.S_ISLNK(info.st_mode):
        return SYMLINK
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        return SPECIAL
    try:
        path.resolve(strict=True).relative_to(root.resolve(strict=True))
    except (OSError, ValueError):
        return OUTSIDE
    return None


def _entry(path: Path, raw: Path, reason: str | None) -> DeliveryFile:
    rel = path.relative_to(raw).as_posix()
    csv = path.suffix.lower() == ".csv"
    return DeliveryFile(path, rel, record_type(path.name) if csv else None, reason)


def discover(raw: Path) -> list[DeliveryFile]:
    """Every file under `raw` except metadata and hidden files, sorted so builds are repeatable.

    The walk never follows links: a linked folder is one rejected entry, its contents unseen.
    """
    files = []
    for top, dirs, names in os.walk(raw, followlinks=False):
        here = Path(top)
        for d in list(dirs):
            if (here / d).is_symlink():
                dirs.remove(d)
                names.append(d)
        for name in names:
            path = here / name
            rel = path.relative_to(raw).as_posix()
            if name in METADATA_FILES or _hidden(rel):
                continue
            files.append(_entry(path, raw, refusal(path, raw)))
    return sorted(files, key=lambda f: Path(f.name).parts)


def read_cutoff(raw: Path) -> date | None:
    """The data cut-off a delivery declares in manifest.json, if any."""
    manifest = raw / "manifest.json"
    if not manifest.exists():
        return None
    try:
        return date.fromisoformat(json.loads(manifest.read_text(encoding="utf-8"))["data_cutoff"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BuildFailed(f"manifest.json has no valid data_cutoff date ({exc})", manifest) from None


# What `mco generate` writes as `generator` in its manifest.json (pipelines/generate: GENERATOR).
SYNTHETIC_GENERATOR = "mco generate"


def read_generator(raw: Path) -> str | None:
    """ "mco generate (scale small, seed 7)" when a manifest.json under `raw` says the generator wrote
    that delivery (the warehouse then holds synthetic data, and says so everywhere), else None.

    Only regular files inside `raw` are read (as `discover`); an unreadable manifest is not synthetic
    evidence and is left to `read_cutoff` to report."""
    found = []
    for top, dirs, names in os.walk(raw, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        path = Path(top) / "manifest.json"
        if "manifest.json" not in names or refusal(path, raw) is not None:
            continue
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict) and meta.get("generator") == SYNTHETIC_GENERATOR:
            found.append(
                f"{SYNTHETIC_GENERATOR} (scale {meta.get('scale', '?')}, seed {meta.get('seed', '?')})"
            )
    return "; ".join(sorted(set(found))) or None
