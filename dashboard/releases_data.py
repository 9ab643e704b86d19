"""The public data releases on disk (written by `mco export`), for the Data downloads page.

Which folders count as public releases and which files may be served is decided once, in
`pipelines.publish.catalogue` (the API reads the same); this module adds the zip and Streamlit caching.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from pipelines.publish.catalogue import PublicRelease, public_releases, releases_dir

__all__ = ["ReleaseInfo", "dictionary", "releases", "releases_dir", "text"]


@dataclass(frozen=True)
class ReleaseInfo:
    """A public release as the Downloads page shows it: the catalogue's release plus its zip."""

    release: PublicRelease
    archive: Path | None

    version = property(lambda self: self.release.version)
    folder = property(lambda self: self.release.folder)
    package = property(lambda self: self.release.package)
    data_cutoff = property(lambda self: str(self.package.get("data_cutoff", "")))
    build_id = property(lambda self: str(self.package.get("build_id", "")))
    built_at = property(lambda self: str(self.package.get("built_at", "")))
    title = property(lambda self: str(self.package.get("title", "")))
    citation = property(lambda self: str(self.package.get("citation", "")))
    licence = property(lambda self: str((self.package.get("licenses") or [{}])[0].get("name", "")))
    files = property(lambda self: tuple(self.package.get("resources", [])))  # path, title, bytes, …
    checksums = property(lambda self: tuple(self.release.checksums.items()))  # (path, sha256)

    def path(self, relative: str) -> Path | None:
        """The file of this release named `relative`, if SHA256SUMS lists it (else None)."""
        return self.release.path(relative)


def _info(release: PublicRelease) -> ReleaseInfo:
    archive = release.folder.with_name(release.folder.name + ".zip")
    return ReleaseInfo(release, archive if archive.is_file() else None)


def _stamp(root: Path) -> tuple:
    if not root.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in root.iterdir()))


@st.cache_data(max_entries=8, show_spinner=False)
def _releases(root: str, stamp: tuple) -> list[ReleaseInfo]:
    return [_info(r) for r in public_releases(Path(root))]


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
