"""BibTeX and APA citations from a release descriptor (unit tier: a hand-written datapackage)."""

from __future__ import annotations

import pytest

from pipelines.publish.cite import apa, bibtex

pytestmark = pytest.mark.unit

PACKAGE = {
    "title": "Microcredential Observatory: public indicators",
    "version": "2025-12-31-a8c0b73e",
    "release": "2026.2",
    "built_at": "2026-03-01T10:00:00+00:00",
    "data_cutoff": "2025-12-31",
    "contributors": [{"title": "Ministry of {Education}", "role": "publisher"}],
    "licenses": [{"name": "CC-BY-4.0"}],
    "homepage": "https://data.example.org/releases/2026.2",
}


def test_apa_names_author_year_version_and_link():
    assert apa(PACKAGE) == (
        "Ministry of {Education}. (2026). Microcredential Observatory: public indicators (Version 2026.2) "
        "[Data set]. https://data.example.org/releases/2026.2"
    )
    assert apa(PACKAGE | {"doi": "10.5281/zenodo.1"}).endswith("https://doi.org/10.5281/zenodo.1")


def test_bibtex_is_one_dataset_entry_with_safe_values():
    text = bibtex(PACKAGE | {"doi": "https://doi.org/10.5281/zenodo.1"})
    assert text.startswith("@dataset{mco20262026.2,".replace(".", "")) and text.endswith("}")
    assert "author    = {{Ministry of Education}}" in text  # braces in a value cannot break the entry
    assert "doi       = {10.5281/zenodo.1}" in text and "url       = {https://data.example.org" in text
    assert "data cut-off 2025-12-31" in text and "Release 2025-12-31-a8c0b73e" in text
    assert text.count("{") == text.count("}")
