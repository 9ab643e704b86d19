"""One small generation per test session (plus a second for the determinism check): fast and shared."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.contracts import contracts
from pipelines.generate import generate
from pipelines.sources.standards import read_standards

SEED = 7


def read_csv(path: Path) -> pl.DataFrame:
    """Read a generated CSV as text (verifications.csv uses ';' and a BOM; polars strips the BOM)."""
    separator = ";" if path.name == "verifications.csv" else ","
    return pl.read_csv(path, separator=separator, infer_schema=False)


@pytest.fixture(scope="session")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    steps: list[str] = []
    result = generate("small", SEED, out, on_step=steps.append)
    return result, steps


@pytest.fixture(scope="session")
def out(small) -> Path:
    return small[0].out


@pytest.fixture(scope="session")
def manifest(out) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def truth(out) -> dict:
    return json.loads((out / "ground_truth.json").read_text(encoding="utf-8"))


def is_credential_file(entry: dict) -> bool:
    """Manifest entries of the digital-credential files (OB3/OB2/ELM) carry their standard."""
    return "standard" in entry


@pytest.fixture(scope="session")
def standards(out):
    """The credential files read by the build's own standards reader."""
    return read_standards([out / "credentials"], root=out)


@pytest.fixture(scope="session")
def raw(out, manifest, standards) -> dict[str, pl.DataFrame]:
    """Every well-formed file of a table read back and stacked (awards: all year files, defects included,
    then the awards the standards reader maps from the credential files, in contract columns)."""
    tables: dict[str, list[pl.DataFrame]] = {}
    for entry in manifest["files"]:
        if entry["path"] == "awards_late_delivery.csv" or is_credential_file(entry):
            continue
        tables.setdefault(entry["table"], []).append(read_csv(out / entry["path"]))
    tables["awards"].append(standards.tables["awards"].select(contracts()["awards"].column_names))
    return {t: pl.concat(parts) for t, parts in tables.items()}


@pytest.fixture(scope="session")
def clean(raw, truth) -> dict[str, pl.DataFrame]:
    """The raw tables without the seeded defect rows (and without the second copy of duplicates)."""
    defects = truth["defects"]
    bad_awards = {i for k, d in defects.items() if d["table"] == "awards" and k != "duplicate_award"
                  for i in d.get("ids", [])}  # fmt: skip
    awards = raw["awards"].filter(~pl.col("award_id").is_in(list(bad_awards))).unique(maintain_order=True)
    credentials = raw["credentials"].filter(
        ~pl.col("credential_id").is_in(defects["ects_out_of_range"]["ids"])
    )
    return {**raw, "awards": awards, "credentials": credentials}
