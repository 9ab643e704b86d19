"""The public data releases on disk (written by `mco export`), read for the API.

Only public releases count: a folder whose datapackage.json says `"access": "public"` and whose name
does not mark it restricted. Restricted releases (pseudonymised learner-level data) are written to
another folder and are never listed here, even when that folder is pointed at. A file is offered only
when the release's SHA256SUMS lists it, so no name from a request can leave the release folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.publish.release import CHECKSUMS
from pipelines.settings import settings


def releases_dir() -> Path:
    """`MCO_RELEASES` if set, else data/releases under the repo root (where `mco export` writes)."""
    return settings().releases


@dataclass(frozen=True)
class PublicRelease:
    version: str
    folder: Path
    package: dict
    checksums: dict[str, str] = field(default_factory=dict)  # path -> sha256

    @property
    def human_version(self) -> str:
        return str(self.package.get("release", "") or "")

    def path(self, relative: str) -> Path | None:
        """The file of this release named `relative`, if SHA256SUMS lists it (else None)."""
        if relative not in self.checksums and relative != CHECKSUMS:
            return None
        root = self.folder.resolve()
        target = (self.folder / relative).resolve()
        if root not in target.parents or not target.is_file():
            return None
        return target

    def summary(self) -> dict:
        p = self.package
        licences = p.get("licenses") or [{}]
        return {
            "version": self.version,
            "release": self.human_version or None,
            "build_id": str(p.get("build_id", "")),
            "data_cutoff": str(p.get("data_cutoff", "")),
            "built_at": str(p.get("built_at", "")),
            "title": str(p.get("title", "")),
            "licence": str(licences[0].get("name", "")),
            "citation": str(p.get("citation", "")),
            "url": p.get("homepage") or None,
            "doi": p.get("doi") or None,
            "files": [
                {"name": name, "sha256": digest, "bytes": _size(self.folder / name)}
                for name, digest in sorted(self.checksums.items())
            ],
        }


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def read_release(folder: Path) -> PublicRelease | None:
    """The public release in `folder`, or None when it is not one (restricted, incomplete, unreadable)."""
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        sums = (folder / CHECKSUMS).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    if not isinstance(package, dict) or package.get("access") != "public" or "restricted" in folder.name:
        return None
    checksums = {line[66:]: line[:64] for line in sums.splitlines() if len(line) > 66}
    return PublicRelease(str(package.get("version", folder.name)), folder, package, checksums)


def public_releases(root: Path | None = None) -> list[PublicRelease]:
    """The public releases under `root` (default `releases_dir()`), newest first."""
    root = Path(root) if root else releases_dir()
    if not root.is_dir():
        return []
    found = [
        r
        for p in root.iterdir()
        if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
        if (r := read_release(p))
    ]

    def key(r: PublicRelease) -> tuple:
        return (str(r.package.get("data_cutoff", "")), str(r.package.get("built_at", "")), r.version)

    return sorted(found, key=key, reverse=True)
