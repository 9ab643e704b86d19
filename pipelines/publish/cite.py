"""BibTeX and APA citations of a release, from its datapackage.json (what the Downloads page copies).

One source for both: the descriptor the release itself carries, so a citation never names a version,
URL or DOI the release does not.
"""

from __future__ import annotations

import re


def _fields(package: dict) -> dict:
    publisher = next(
        (c.get("title", "") for c in package.get("contributors", []) if c.get("role") == "publisher"), ""
    )
    release = package.get("release") or package.get("version", "")
    return {
        "publisher": publisher or "Microcredential Observatory",
        "title": package.get("title", ""),
        "year": str(package.get("built_at", ""))[:4],
        "release": str(release),
        "folder": str(package.get("version", "")),
        "cutoff": str(package.get("data_cutoff", "")),
        "url": package.get("id") or package.get("homepage") or "",
        "doi": str(package.get("doi", "")).removeprefix("https://doi.org/"),
        "licence": (package.get("licenses") or [{}])[0].get("name", ""),
    }


def _bib(text: str) -> str:
    """Braces and backslashes are BibTeX syntax: a value must not open or close a field."""
    return re.sub(r"[{}\\]", "", text)


def bibtex(package: dict) -> str:
    f = _fields(package)
    key = "mco" + re.sub(r"[^0-9a-z]", "", f"{f['year']}{f['release']}".lower())
    lines = [
        f"@dataset{{{key},",
        f"  author    = {{{{{_bib(f['publisher'])}}}}},",
        f"  title     = {{{_bib(f['title'])}}},",
        f"  year      = {{{f['year']}}},",
        f"  version   = {{{_bib(f['release'])}}},",
        f"  publisher = {{{_bib(f['publisher'])}}},",
        f"  note      = {{Release {_bib(f['folder'])}, data cut-off {f['cutoff']}. "
        f"Licence: {_bib(f['licence'])}}},",
    ]
    if f["doi"]:
        lines.append(f"  doi       = {{{_bib(f['doi'])}}},")
    if f["url"]:
        lines.append(f"  url       = {{{_bib(f['url'])}}},")
    lines[-1] = lines[-1].rstrip(",")
    return "\n".join([*lines, "}"])


def apa(package: dict) -> str:
    """APA 7 for a data set: Author. (Year). *Title* (Version v) [Data set]. Publisher. URL"""
    f = _fields(package)
    link = f"https://doi.org/{f['doi']}" if f["doi"] else f["url"]
    text = f"{f['publisher']}. ({f['year']}). {f['title']} (Version {f['release']}) [Data set]."
    return f"{text} {link}" if link else text
