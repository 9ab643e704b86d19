"""The public data releases on disk (written by `mco export`), for the Data downloads page.

Only public releases are listed: a folder counts when its datapackage.json says `"access": "public"`;
restricted releases (pseudonymised learner-level data) live elsewhere and are never served here. A file
is served only when the release's SHA256SUMS lists it, so no path from a request can leave the release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from pipelines.publish.release import CHECKSUMS
from pipelines.settings import settings

ENV_RELEASES = "MCO_RELEASES"  # read by pipelines.settings


def releases_dir() -> Path:
    """`MCO_RELEASES` if set, else data/releases under the repo root (where `mco export` writes)."""
    return settings().releases


@dataclass(frozen=True)
class ReleaseInfo:
    version: str
    folder: Path
    data_cutoff: str
    build_id: str
    built_at: str
    title: str
    citation: str
    licence: str
    archive: Path | None
    files: tuple[dict, ...] = field(default_factory=tuple)  # datapackage resources (path, title, bytes, …)
    checksums: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (path, sha256)
    package: dict = field(default_factory=dict, compare=False)  # the release's datapackage.json

    def path(self, relative: str) -> Path | None:
        """The file of this release named `relative`, if SHA256SUMS lists it (else None)."""
        listed = {p for p, _ in self.checksums} | {CHECKSUMS}
        if relative not in listed:
            return None
        target = (self.folder / relative).resolve()
        if self.folder.resolve() not in target.parents or not target.is_file():
            return None
        return target


def _read(folder: Path) -> ReleaseInfo | None:
    try:
        package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        sums = (folder / CHECKSUMS).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    if package.get("access") != "public" or "restricted" in folder.name:
        return None
    checksums = tuple((line[66:], line[:64]) for line in sums.splitlines() if len(line) > 66)
    archive = folder.with_name(folder.name + ".zip")
    licences = package.get("licenses") or [{}]
    return ReleaseInfo(
        version=str(package.get("version", folder.name)),
        folder=folder,
        data_cutoff=str(package.get("data_cutoff", "")),
        build_id=str(package.get("build_id", "")),
        built_at=str(package.get("built_at", "")),
        title=str(package.get("title", "")),
        citation=str(package.get("citation", "")),
        licence=str(licences[0].get("name", "")),
        archive=archive if archive.is_file() else None,
        files=tuple(package.get("resources", [])),
        checksums=checksums,
        package=package,
    )


def _stamp(root: Path) -> tuple:
    if not root.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in root.iterdir()))


@st.cache_data(max_entries=8, show_spinner=False)
def _releases(root: str, stamp: tuple) -> list[ReleaseInfo]:
    base = Path(root)
    found = [r for p in base.iterdir() if p.is_dir() and not p.name.startswith(".") if (r := _read(p))]
    return sorted(found, key=lambda r: (r.data_cutoff, r.built_at, r.version), reverse=True)


def releases(root: Path | None = None) -> list[ReleaseInfo]:
    """The public releases under `root` (default `releases_dir()`), newest first."""
    root = root or releases_dir()
    if not root.is_dir():
        return []
    return _releases(str(root), _stamp(root))


def dictionary(release: ReleaseInfo) -> dict:
    return json.loads((release.folder / "dictionary.json").read_text(encoding="utf-8"))


def text(release: ReleaseInfo, name: str) -> str:
    path = release.path(name)
    return path.read_text(encoding="utf-8") if path else ""
