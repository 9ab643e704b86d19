"""Data downloads: the versioned public releases written by `mco export`, their dictionary, changelog and
citation, and every file (CSV, Parquet, metadata, the whole zip) to download.

The URL names the release shown: `?release=<version>`.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import exports, releases_data, widgets
from dashboard.releases_data import ReleaseInfo
from pipelines.publish import cite, synthetic

PARAM_RELEASE = "release"
KEY_RELEASE = "dl_release"
MIME = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
    "md": "text/markdown",
    "cff": "application/x-yaml",
    "txt": "text/plain",
}


def _size(n: int | None) -> str:
    if n is None:
        return ""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""


def _synthetic_words(package: dict) -> str:
    note = str(package.get("synthetic_note") or synthetic.WORDS)
    return note.removeprefix(f"{synthetic.LABEL}: ")


def _choose(found: list[ReleaseInfo]) -> ReleaseInfo:
    versions = [r.version for r in found]
    if st.session_state.get(KEY_RELEASE) not in versions:
        wanted = (st.query_params.get_all(PARAM_RELEASE) or [""])[0][:200]
        if wanted and wanted not in versions:
            st.warning(
                f"Release `{wanted[:80]}` from the link is not here; showing the latest.",
                icon=":material/link_off:",
            )
        st.session_state[KEY_RELEASE] = wanted if wanted in versions else versions[0]
    version = st.selectbox(
        "Release",
        versions,
        key=KEY_RELEASE,
        format_func=lambda v: f"{v}" + (" (latest)" if v == versions[0] else ""),
        help="Named <data cut-off>-<build id>: the same warehouse always gives the same release.",
    )
    if st.query_params.get(PARAM_RELEASE) != version:
        st.query_params[PARAM_RELEASE] = version
    return next(r for r in found if r.version == version)


def _download(release: ReleaseInfo, relative: str, label: str, key: str) -> None:
    path = release.path(relative)
    if path is None:
        st.caption(f"{relative}: missing")
        return
    st.download_button(
        label,
        data=lambda: path.read_bytes(),
        file_name=f"{release.version}_{relative.replace('/', '_')}",
        mime=MIME.get(relative.rsplit(".", 1)[-1], "application/octet-stream"),
        icon=":material/download:",
        on_click="ignore",
        key=key,
    )


def _files(release: ReleaseInfo, dictionary: dict) -> None:
    sums = dict(release.checksums)
    sizes = {r["path"]: r.get("bytes") for r in release.files}
    for table in dictionary["tables"]:
        name, csv, parquet = table["name"], *table["files"]
        with st.container(border=True):
            text, b1, b2 = st.columns([5, 1, 1], vertical_alignment="center")
            text.markdown(
                f"**{table['title']}** · `{name}` · {table['rows']:,} rows  \n"
                f":small[{table['description']} SHA-256 (CSV) `{sums.get(csv, '')[:16]}…`]"
            )
            with b1:
                _download(
                    release,
                    csv,
                    f"CSV {_size(sizes.get(csv) or (release.folder / csv).stat().st_size)}",
                    f"dl_{name}_csv",
                )
            with b2:
                _download(
                    release,
                    parquet,
                    f"Parquet {_size((release.folder / parquet).stat().st_size)}",
                    f"dl_{name}_pq",
                )
    st.markdown("**Metadata**")
    docs = [
        "datapackage.json",
        "dictionary.json",
        "DICTIONARY.md",
        "CHANGELOG.md",
        "CITATION.cff",
        "README.md",
        "SHA256SUMS",
    ]
    for column, name in zip(st.columns(len(docs)), docs, strict=True):
        with column:
            _download(release, name, name, f"dl_doc_{name}")


def _dictionary(dictionary: dict) -> None:
    st.caption(
        "Generated from the table contracts, the indicator registry and the programme metric definitions. "
        "Flags: " + "; ".join(f"`{k}` {v}" for k, v in dictionary["flags"].items() if k in ("c", "z"))
    )
    for table in dictionary["tables"]:
        with st.expander(f"{table['name']}: {table['title']} ({len(table['columns'])} columns)"):
            st.markdown(
                f"{table['description']}  \nGrain: {table['grain']}; key: {', '.join(table['primary_key'])}"
            )
            rows = [
                {
                    "Column": c["name"],
                    "Type": c["type"],
                    "Description": c["description"],
                    "Values": ", ".join(list(c.get("values", {}))[:15])
                    + (" …" if len(c.get("values", {})) > 15 else ""),
                }
                for c in table["columns"]
            ]
            st.dataframe(pl.DataFrame(rows), hide_index=True, width="stretch", height="content")


def main() -> None:
    st.title("Data downloads")
    st.caption(
        "Versioned, citable releases of the public layer for researchers: the indicator cube and programme "
        "tables as CSV and Parquet, with a data dictionary, a Frictionless `datapackage.json`, SHA-256 "
        "checksums, a changelog and a citation. Everything here has passed disclosure control."
    )
    found = releases_data.releases()
    if not found:
        st.info(  # no server path: readers of a public site have no business knowing its folders
            "No release has been published yet. The observatory's administrator creates one with "
            "`mco export` (it reads the current warehouse; `make run` writes the first); this page then "
            "lists it.",
            icon=":material/inventory_2:",
        )
        st.stop()
    release = _choose(found)
    dictionary = releases_data.dictionary(release)
    if release.package.get("synthetic"):
        with st.container(key="synthetic_release"):
            st.markdown(
                f":orange-background[:material/science: **This release holds synthetic data:** "
                f"{_synthetic_words(release.package)}. Its title, citation, README, dictionary and "
                "datapackage.json say so too.]"
            )

    a, b, c, d = st.columns(4)
    a.metric("Data cut-off", release.data_cutoff, border=True)
    # the tile fits eight characters at every width; the whole id is in the help and the version name
    b.metric(
        "Build",
        release.build_id[:8],
        border=True,
        help=f"Build {release.build_id}: the warehouse build this release was exported from.",
    )
    c.metric("Tables", f"{len(dictionary['tables'])}", border=True)
    d.metric("Licence", release.licence, border=True)

    st.markdown("**How to cite** (the copy button is at the right of each box)")
    apa_tab, bibtex_tab, plain_tab = st.tabs(["APA", "BibTeX", "Suggested citation"])
    with apa_tab:
        st.code(cite.apa(release.package), language=None, wrap_lines=True)
    with bibtex_tab:
        st.code(cite.bibtex(release.package), language="bibtex")
    with plain_tab:
        st.code(release.citation, language=None, wrap_lines=True)
    if release.archive is not None:
        size = _size(release.archive.stat().st_size)
        st.download_button(
            f"Download the whole release (zip, {size})",
            data=lambda: release.archive.read_bytes(),
            file_name=release.archive.name,
            mime="application/zip",
            icon=":material/folder_zip:",
            type="primary",
            on_click="ignore",
            key="dl_zip",
        )

    files, dictionary_tab, changelog_tab, citation_tab = st.tabs(
        ["Files", "Dictionary", "Changelog", "Citation"]
    )
    with files:
        _files(release, dictionary)
        st.caption("Check the files after download with `sha256sum -c SHA256SUMS`.")
    with dictionary_tab:
        _dictionary(dictionary)
    with changelog_tab:
        log = releases_data.text(release, "CHANGELOG.md")
        st.markdown(log.split("\n", 1)[1] if log.startswith("# ") else log)
    with citation_tab:
        st.code(releases_data.text(release, "CITATION.cff"), language="yaml")
    st.divider()
    link = exports.permalink("downloads", {PARAM_RELEASE: release.version})
    widgets.copy_link(link, "Link to this release")


main()
