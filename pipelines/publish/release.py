"""Versioned, citable, disclosure-safe data releases for researchers (`mco export`).

A release is a folder `<out>/<version>/` and a zip `<out>/<version>.zip` holding:

    data/<table>.csv, data/<table>.parquet   every table of `release_tables` (public: aggregates only)
    dictionary.json, DICTIONARY.md           data dictionary (contracts + registry + metric definitions)
    datapackage.json                         Frictionless Data Package describing every file
    CHANGELOG.md                             changes against the previous release in the same folder
    CITATION.cff, README.md                  citation metadata and the suggested citation
    SHA256SUMS                               checksums of every other file (`sha256sum -c SHA256SUMS`)

The version is `<data cut-off>-<build id>`; the build id is a hash of the input data, so the same
warehouse always gives the same version and, with sorted rows, no wall-clock time inside any file and a
zip with fixed dates, byte-identical files. Pseudonymised learner-level tables go only into a separately
named restricted release (`<version>-restricted`, its own folder), and only when asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import yaml

from pipelines.disclosure import Disclosure
from pipelines.errors import ObservatoryError
from pipelines.indicators.engine import BREAKDOWNS
from pipelines.indicators.registry import INDICATORS
from pipelines.publish import sdmx, synthetic
from pipelines.publish.csv_safe import neutralise
from pipelines.publish.dictionary import FLAGS, describe, markdown
from pipelines.publish.release_tables import PUBLIC, PUBLIC_TABLES, RESTRICTED, RESTRICTED_TABLES, TableSpec
from pipelines.settings import DEFAULT_RELEASES, DEFAULT_RESTRICTED, ReleaseSettings, settings
from pipelines.warehouse import connect_readonly

CHECKSUMS = "SHA256SUMS"
SYNTHETIC_TITLE = " (synthetic demonstration data)"
PARQUET_MISSING = ["", "nan", "NaN"]  # frictionless reads Parquet through pandas: a null number is NaN
DOCS = {
    "dictionary.json": ("dictionary-json", "json", "application/json", "Data dictionary (machine-readable)"),
    "DICTIONARY.md": ("dictionary-md", "md", "text/markdown", "Data dictionary (readable)"),
    "CHANGELOG.md": ("changelog", "md", "text/markdown", "Changes against the previous release"),
    "CITATION.cff": ("citation", "cff", "application/x-yaml", "Citation File Format metadata"),
    "README.md": ("readme", "md", "text/markdown", "What the release holds, how to cite and verify it"),
}


def release_settings() -> ReleaseSettings:
    """The `[release]` section of the settings (title, publisher, licence, licence_url)."""
    return settings().release


@dataclass
class Release:
    version: str
    access: str
    folder: Path
    archive: Path
    files: list[str] = field(default_factory=list)  # relative to the folder, sorted
    rows: dict[str, int] = field(default_factory=dict)
    previous: str | None = None
    seconds: float = 0.0
    release: str = ""  # the human version, YYYY.N


@dataclass(frozen=True)
class BuildIdentity:
    build_id: str
    data_cutoff: date
    built_at: datetime
    synthetic: bool = False  # built from generated deliveries (build_info.synthetic)
    generator: str | None = None  # e.g. "mco generate (scale small, seed 7)"

    @property
    def version(self) -> str:
        return f"{self.data_cutoff.isoformat()}-{self.build_id}"


def build_identity(con: duckdb.DuckDBPyConnection) -> BuildIdentity:
    try:
        found = con.sql("select * from build_info limit 1").pl().to_dicts()
    except duckdb.CatalogException:
        found = []
    if not found:
        raise ObservatoryError("the warehouse has no build_info; rebuild it with `mco build`")
    b = found[0]  # a warehouse built before `synthetic` was recorded has neither column
    generator = b.get("generator")
    return BuildIdentity(
        str(b["build_id"]), b["data_cutoff"], b["built_at"], bool(b.get("synthetic")), generator
    )


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def export(
    warehouse: Path,
    out: Path = DEFAULT_RELEASES,
    *,
    restricted: bool = False,
    restricted_out: Path = DEFAULT_RESTRICTED,
    rules: Disclosure | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[Release]:
    """Write the public release of `warehouse` (and, only when `restricted`, the restricted one)."""
    rules = rules or settings().disclosure
    con = connect_readonly(warehouse)
    try:
        identity = build_identity(con)
        missing = {"pub_indicator_cube", "mart_programme"} - {
            name for (name,) in con.sql("select table_name from duckdb_tables()").fetchall()
        }
        if missing:
            raise ObservatoryError(
                f"the warehouse lacks {', '.join(sorted(missing))}; rebuild it with `mco build`", warehouse
            )
        releases = [write_release(con, identity, PUBLIC_TABLES, Path(out), PUBLIC, rules, on_step)]
        if restricted:
            releases.append(
                write_release(
                    con,
                    identity,
                    RESTRICTED_TABLES,
                    Path(restricted_out),
                    RESTRICTED,
                    rules,
                    on_step,
                    release=releases[0].release,
                )
            )
    finally:
        con.close()
    return releases


def write_release(
    con: duckdb.DuckDBPyConnection,
    identity: BuildIdentity,
    tables: tuple[TableSpec, ...],
    out: Path,
    access: str,
    rules: Disclosure,
    on_step: Callable[[str], None] | None = None,
    *,
    release: str | None = None,
) -> Release:
    """Write one release into `out`. `release` is its human version (default: the next `YYYY.N` of `out`,
    or the one this build already has there)."""
    started = time.perf_counter()
    step = on_step or (lambda _msg: None)
    if any(t.access != access for t in tables):
        raise ObservatoryError(f"a {access} release may hold only {access} tables")
    settings = release_settings()
    version = identity.version + ("-restricted" if access == RESTRICTED else "")
    out.mkdir(parents=True, exist_ok=True)
    release = release or human_version(out, identity, version)
    tmp = out / f".{version}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "data").mkdir(parents=True)
    try:
        entries, frames = [], {}
        for spec in tables:
            step(f"export {spec.name}")
            frame = spec.load(con, rules)
            files = [f"data/{spec.name}.csv", f"data/{spec.name}.parquet"]
            neutralise(frame).write_csv(tmp / files[0])
            frame.write_parquet(tmp / files[1], compression="zstd", statistics=True)
            entries.append(describe(spec, frame, files))
            frames[spec.name] = frame
        sdmx_files = []
        if access == PUBLIC and "indicator_cube" in frames:
            step("sdmx")
            sdmx_files = _write_sdmx(
                tmp, frames["indicator_cube"], identity, _title(settings, access, identity)
            )
        dictionary = {
            "title": _title(settings, access, identity),
            "version": version,
            "release": release,
            "access": access,
            "data_cutoff": identity.data_cutoff.isoformat(),
            "build_id": identity.build_id,
            "synthetic": identity.synthetic,
            **({"synthetic_note": synthetic.note(_marker(identity))} if identity.synthetic else {}),
            "licence": settings.licence,
            "url": release_url(settings, release),
            "doi": settings.doi or None,
            "flags": FLAGS,
            "disclosure": {
                "min_people": rules.min_people,
                "min_denominator": rules.min_denominator,
                "min_contributors": rules.min_contributors,
                "round_people_to": rules.round_people_to,
            },
            "tables": entries,
            **({"sdmx": sdmx.describe()} if sdmx_files else {}),
        }
        (tmp / "dictionary.json").write_text(_json(dictionary), encoding="utf-8")
        sdmx_md = ("\n" + sdmx.markdown()) if sdmx_files else ""
        (tmp / "DICTIONARY.md").write_text(markdown(dictionary) + sdmx_md, encoding="utf-8")
        previous = previous_release(out, version, access, identity)
        step("changelog")
        (tmp / "CHANGELOG.md").write_text(changelog(dictionary, tmp, previous), encoding="utf-8")
        cff = citation_cff(settings, identity, version, access, release)
        (tmp / "CITATION.cff").write_text(cff, encoding="utf-8")
        (tmp / "README.md").write_text(readme(settings, identity, dictionary), encoding="utf-8")
        package = datapackage(settings, identity, dictionary, tmp)
        (tmp / "datapackage.json").write_text(_json(package), encoding="utf-8")
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        sums = "".join(f"{sha256(tmp / f)}  {f}\n" for f in files)
        (tmp / CHECKSUMS).write_text(sums, encoding="utf-8")
        files = sorted([*files, CHECKSUMS])
        final = out / version
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    step("zip")
    archive = write_zip(final, out / f"{version}.zip", identity.data_cutoff)
    return Release(
        version,
        access,
        final,
        archive,
        files,
        {name: f.height for name, f in frames.items()},
        previous.name if previous else None,
        time.perf_counter() - started,
        release,
    )


def _write_sdmx(folder: Path, cube: pl.DataFrame, identity: BuildIdentity, title: str) -> list[str]:
    """The public cube as SDMX-CSV 2.0 with its SDMX-ML 3.0 structure (pipelines/publish/sdmx.py)."""
    indicators = [(i.id, i.name, i.unit) for i in INDICATORS]
    return sdmx.write(folder, cube, indicators, list(BREAKDOWNS), title, identity.build_id, identity.built_at)


def _title(settings: ReleaseSettings, access: str, identity: BuildIdentity | None = None) -> str:
    """The release's title; a synthetic build's says so, so every citation of it does too."""
    return (
        settings.title
        + (" (restricted, pseudonymised learner-level data)" if access == RESTRICTED else "")
        + (SYNTHETIC_TITLE if identity is not None and identity.synthetic else "")
    )


def _marker(identity: BuildIdentity) -> dict:
    return {"synthetic": identity.synthetic, "generator": identity.generator}


def write_zip(folder: Path, archive: Path, stamp: date) -> Path:
    """Zip the release folder with sorted entries, fixed dates and modes, so the bytes repeat."""
    tmp = archive.with_name(f".{archive.name}.building-{os.getpid()}")
    when = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", when)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                with open(path, "rb") as fh, zf.open(info, "w") as target:
                    shutil.copyfileobj(fh, target, 1 << 20)
        os.replace(tmp, archive)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    archive.with_name(archive.name + ".sha256").write_text(f"{sha256(archive)}  {archive.name}\n")
    return archive


def read_package(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def previous_release(out: Path, version: str, access: str, identity: BuildIdentity) -> Path | None:
    """The latest release of the same access in `out` ordered before this one (by cut-off, build time)."""
    current = (identity.data_cutoff.isoformat(), identity.built_at.isoformat(), version)
    found = []
    for folder in out.iterdir() if out.exists() else ():
        if not folder.is_dir() or folder.name.startswith(".") or folder.name == version:
            continue
        meta = read_package(folder)
        if not meta or meta.get("access") != access:
            continue
        key = (str(meta.get("data_cutoff", "")), str(meta.get("built_at", "")), str(meta.get("version", "")))
        if key < current:
            found.append((key, folder))
    return max(found)[1] if found else None


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def changelog(dictionary: dict, folder: Path, previous: Path | None) -> str:
    """CHANGELOG.md: this release against the previous one (tables, columns, rows, content, indicators)."""
    head = [
        "# Changelog",
        "",
        f"## {dictionary['version']}",
        "",
        f"Data cut-off {dictionary['data_cutoff']}, build `{dictionary['build_id']}`.",
        "",
    ]
    if previous is None:
        return "\n".join([*head, "First release: there is no earlier release in this folder.", ""])
    before = json.loads((previous / "dictionary.json").read_text(encoding="utf-8"))
    sums = _checksums(previous)
    lines = [
        *head,
        f"Compared with release `{before['version']}` (data cut-off {before['data_cutoff']}, build "
        f"`{before['build_id']}`).",
        "",
        "### Tables",
        "",
    ]
    old = {t["name"]: t for t in before["tables"]}
    new = {t["name"]: t for t in dictionary["tables"]}
    for name in sorted(set(new) - set(old)):
        lines.append(f"- `{name}`: new table ({new[name]['rows']:,} rows).")
    for name in sorted(set(old) - set(new)):
        lines.append(f"- `{name}`: removed.")
    for name in [n for n in new if n in old]:
        a, b = old[name], new[name]
        cols_a, cols_b = [c["name"] for c in a["columns"]], [c["name"] for c in b["columns"]]
        notes = []
        if a["rows"] != b["rows"]:
            notes.append(f"rows {a['rows']:,} → {b['rows']:,} ({b['rows'] - a['rows']:+,})")
        added = [c for c in cols_b if c not in cols_a]
        removed = [c for c in cols_a if c not in cols_b]
        if added:
            notes.append("columns added: " + ", ".join(f"`{c}`" for c in added))
        if removed:
            notes.append("columns removed: " + ", ".join(f"`{c}`" for c in removed))
        csv = f"data/{name}.csv"
        same = sums.get(csv) == sha256(folder / csv)
        notes.append("content unchanged" if same else "content changed")
        lines.append(f"- `{name}`: " + "; ".join(notes) + ".")
    lines.append("")
    if "indicator_cube" in new and "indicator_cube" in old:
        lines += _indicator_changes(previous, folder)
    earlier = (previous / "CHANGELOG.md").read_text(encoding="utf-8").split("\n", 2)[-1].strip()
    if earlier:
        lines += ["---", "", earlier, ""]
    return "\n".join(lines)


def _checksums(folder: Path) -> dict[str, str]:
    try:
        text = (folder / CHECKSUMS).read_text(encoding="utf-8")
    except OSError:
        return {}
    return {line[66:]: line[:64] for line in text.splitlines() if len(line) > 66}


def _indicator_changes(previous: Path, folder: Path) -> list[str]:
    """Indicators added or removed, and overall values that changed, between two public releases."""
    key = ["indicator_id"]
    cols = ["indicator_id", "value", "flag"]
    old = pl.read_parquet(previous / "data/indicator_cube.parquet").filter(pl.col("breakdown") == "overall")
    new = pl.read_parquet(folder / "data/indicator_cube.parquet").filter(pl.col("breakdown") == "overall")
    ids_old, ids_new = set(old["indicator_id"]), set(new["indicator_id"])
    lines = ["### Indicators", ""]
    if ids_new - ids_old:
        lines.append("- Added: " + ", ".join(sorted(ids_new - ids_old)) + ".")
    if ids_old - ids_new:
        lines.append("- Removed: " + ", ".join(sorted(ids_old - ids_new)) + ".")
    both = old.select(cols).join(new.select(cols), on=key, suffix="_new").sort("indicator_id")
    changed = both.filter(
        (pl.col("value").round(6).ne_missing(pl.col("value_new").round(6)))
        | pl.col("flag").ne_missing(pl.col("flag_new"))
    )
    if changed.height:
        lines += ["- Overall values changed:", "", "| indicator | before | after |", "| --- | --- | --- |"]
        for r in changed.iter_rows(named=True):
            a = _fmt(r["value"]) if r["flag"] is None else r["flag"]
            b = _fmt(r["value_new"]) if r["flag_new"] is None else r["flag_new"]
            lines.append(f"| {r['indicator_id']} | {a} | {b} |")
    else:
        lines.append("- No overall indicator value changed.")
    lines.append("")
    return lines


def human_version(out: Path, identity: BuildIdentity, version: str) -> str:
    """`YYYY.N`: the year the build was made and its place among that year's releases in `out` (the number
    this build's release already has there, when it is exported again, so the files repeat)."""
    year = identity.built_at.year
    current = read_package(out / version) or {}
    if re.fullmatch(rf"{year}\.[0-9]+", str(current.get("release", ""))):
        return str(current["release"])
    numbers = []
    for folder in out.iterdir() if out.exists() else ():
        if not folder.is_dir() or folder.name.startswith(".") or folder.name == version:
            continue
        found = re.fullmatch(rf"{year}\.([0-9]+)", str((read_package(folder) or {}).get("release", "")))
        if found:
            numbers.append(int(found.group(1)))
    return f"{year}.{max(numbers, default=0) + 1}"


def release_url(settings: ReleaseSettings, release: str) -> str | None:
    """The citable address of a release, `<base_url>/releases/<release>` (None without a base URL)."""
    base = settings.base_url.strip().rstrip("/")
    return f"{base}/releases/{release}" if base and release else None


def doi_url(doi: str) -> str | None:
    doi = doi.strip()
    if not doi:
        return None
    return doi if doi.startswith(("http://", "https://")) else f"https://doi.org/{doi}"


def suggested_citation(
    settings: ReleaseSettings, identity: BuildIdentity, version: str, access: str, release: str = ""
) -> str:
    """The suggested citation: publisher, year, title, version, release, cut-off, DOI or URL, licence."""
    named = f"version {release} (release {version}" if release else f"release {version} ("
    link = doi_url(settings.doi) or release_url(settings, release)
    return (
        f"{settings.publisher} ({identity.built_at.year}). {_title(settings, access, identity)}, {named}"
        f"{', ' if release else ''}data cut-off {identity.data_cutoff.isoformat()}) [Data set]. "
        + (f"{link}. " if link else "")
        + f"Licence: {settings.licence}."
    )


def citation_cff(
    settings: ReleaseSettings, identity: BuildIdentity, version: str, access: str, release: str = ""
) -> str:
    data: dict = {
        "cff-version": "1.2.0",
        "message": "If you use this data set, please cite it as below.",
        "type": "dataset",
        "title": _title(settings, access, identity),
        "version": release or version,
        "date-released": identity.built_at.date().isoformat(),
        "authors": [{"name": settings.publisher}],
        "license": settings.licence,
    }
    url = release_url(settings, release)
    if settings.doi.strip():
        data["doi"] = settings.doi.strip().removeprefix("https://doi.org/")
    if url:
        data["url"] = url
    data["identifiers"] = [
        {"type": "other", "value": version, "description": "release folder: data cut-off and build id"},
        {"type": "other", "value": identity.build_id, "description": "build id of the warehouse"},
    ]
    data |= {
        "abstract": "Indicators of whether micro-credentials are working (adoption, trust, transparency, "
        "innovation, flexibility, labour-market outcomes, inclusion), and programme-level comparisons "
        f"beside peer groups, with data cut-off {identity.data_cutoff.isoformat()}.",
        "keywords": ["micro-credentials", "education statistics", "indicators", "European Union"],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def readme(settings: ReleaseSettings, identity: BuildIdentity, dictionary: dict) -> str:
    version, access = dictionary["version"], dictionary["access"]
    lines = [
        f"# {dictionary['title']}",
        "",
        f"Version **{dictionary.get('release', '')}** · release `{version}` · "
        f"data cut-off {identity.data_cutoff.isoformat()} · "
        f"build `{identity.build_id}` · access: **{access}** · "
        f"licence: {settings.licence} ({settings.licence_url}).",
        "",
    ]
    if identity.synthetic:
        lines += [f"> **{synthetic.note(_marker(identity))}.**", ""]
    if access == RESTRICTED:
        lines += [
            "**Restricted.** Pseudonymised learner-level records: share only under a data-sharing agreement. "
            "Learner keys are keyed hashes; the key is not part of this release.",
            "",
        ]
    else:
        lines += [
            "Aggregates only, after disclosure control: counts of people below "
            f"{dictionary['disclosure']['min_people']} and rates on denominators below "
            f"{dictionary['disclosure']['min_denominator']} are suppressed and flagged `c`.",
            "",
        ]
    lines += [
        "## Suggested citation",
        "",
        suggested_citation(settings, identity, version, access, dictionary.get("release", "")),
        "",
        "## Files",
        "",
        "| table | rows | files | description |",
        "| --- | --- | --- | --- |",
    ]
    for t in dictionary["tables"]:
        files = ", ".join(f"`{f}`" for f in t["files"])
        lines.append(f"| `{t['name']}` | {t['rows']:,} | {files} | {t['description']} |")
    lines += [
        "",
        "Also: `dictionary.json` and `DICTIONARY.md` (every column), `datapackage.json` (Frictionless Data "
        "Package), `CHANGELOG.md`, `CITATION.cff` and `SHA256SUMS`.",
        "",
    ]
    if "sdmx" in dictionary:
        lines += [
            f"SDMX: `{sdmx.DATA_FILE}` (SDMX-CSV 2.0) and `{sdmx.STRUCTURE_FILE}` (SDMX-ML 3.0 data "
            f"structure definition {dictionary['sdmx']['structure']}); see DICTIONARY.md.",
            "",
        ]
    lines += [
        "## Verify",
        "",
        "```sh",
        "sha256sum -c SHA256SUMS",
        "frictionless validate datapackage.json",
        "```",
        "",
    ]
    return "\n".join(lines)


def datapackage(settings: ReleaseSettings, identity: BuildIdentity, dictionary: dict, folder: Path) -> dict:
    """The Frictionless Data Package descriptor: one resource per file (tables with their schema)."""
    resources = []
    for t in dictionary["tables"]:
        fields = [
            {"name": c["name"], "type": c["type"], "description": c["description"]} for c in t["columns"]
        ]
        for path in t["files"]:
            fmt = path.rsplit(".", 1)[1]
            resource = {
                "name": f"{t['name']}-{fmt}".replace("_", "-"),
                "path": path,
                "profile": "tabular-data-resource",
                "title": f"{t['title']} ({fmt.upper() if fmt == 'csv' else 'Parquet'})",
                "description": t["description"],
                "format": fmt,
                "mediatype": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
                "hash": f"sha256:{sha256(folder / path)}",
            }
            if fmt == "csv":
                resource |= {"encoding": "utf-8", "bytes": (folder / path).stat().st_size}
                resource["dialect"] = {"delimiter": ",", "header": True}
            resource["schema"] = {
                "fields": fields,
                "primaryKey": t["primary_key"],
                "missingValues": [""] if fmt == "csv" else PARQUET_MISSING,
            }
            resources.append(resource)
    for path, (name, fmt, mediatype, title) in DOCS.items():
        resources.append(
            {
                "name": name,
                "path": path,
                "title": title,
                "format": fmt,
                "mediatype": mediatype,
                "encoding": "utf-8",
                "bytes": (folder / path).stat().st_size,
                "hash": f"sha256:{sha256(folder / path)}",
            }
        )
    for path in dictionary.get("sdmx", {}).get("files", []):
        resources.append(
            {
                "name": "sdmx-" + Path(path).stem.replace("_", "-"),
                "path": path,
                "title": dictionary["sdmx"]["formats"][path] + " of the indicator cube",
                "format": path.rsplit(".", 1)[1],
                "mediatype": sdmx.MEDIA_TYPES[path],
                "encoding": "utf-8",
                "bytes": (folder / path).stat().st_size,
                "hash": f"sha256:{sha256(folder / path)}",
            }
        )
    resources.append(
        {
            "name": "checksums",
            "path": CHECKSUMS,
            "title": "SHA-256 checksums of every other file (sha256sum format)",
            "format": "txt",
            "mediatype": "text/plain",
            "encoding": "utf-8",
        }
    )
    version, access = dictionary["version"], dictionary["access"]
    return {
        "name": f"mco-{access}-{version}".lower(),
        "title": dictionary["title"],
        "description": f"{dictionary['title']}, version {dictionary.get('release', '')} (release {version}): "
        "see README.md and DICTIONARY.md.",
        "version": version,
        "licenses": [{"name": settings.licence, "path": settings.licence_url, "title": settings.licence}],
        "contributors": [{"title": settings.publisher, "role": "publisher"}],
        "keywords": ["micro-credentials", "indicators", *(["synthetic data"] if identity.synthetic else [])],
        "access": access,
        "data_cutoff": identity.data_cutoff.isoformat(),
        "build_id": identity.build_id,
        "built_at": identity.built_at.isoformat(),
        "synthetic": identity.synthetic,
        **({"synthetic_note": dictionary["synthetic_note"]} if identity.synthetic else {}),
        "citation": suggested_citation(settings, identity, version, access, dictionary.get("release", "")),
        "release": dictionary.get("release"),
        **({"homepage": dictionary["url"]} if dictionary.get("url") else {}),
        **({"doi": dictionary["doi"], "id": doi_url(dictionary["doi"])} if dictionary.get("doi") else {}),
        "resources": resources,
    }
