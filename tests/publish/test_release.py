"""`mco export`: a versioned release that validates as a Frictionless Data Package, whose checksums match,
whose dictionary covers every column, that respects the disclosure thresholds, repeats byte for byte,
and carries no learner identifier, learner key or pseudonymisation key in any byte."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.publish.release import CHECKSUMS, export, sha256
from pipelines.settings import settings

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def released(small_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A public release of the small warehouse made through the CLI: (releases folder, release folder)."""
    out = tmp_path_factory.mktemp("releases")
    result = CliRunner().invoke(app, ["export", "--warehouse", str(small_warehouse), "--out", str(out)])
    assert result.exit_code == 0, result.output
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == 1
    return out, folders[0]


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_version_folder_and_zip(released, small_warehouse: Path):
    out, folder = released
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        build_id, cutoff = con.sql("select build_id, data_cutoff from build_info").fetchall()[0]
    assert folder.name == f"{cutoff.isoformat()}-{build_id}"
    archive = out / f"{folder.name}.zip"
    with zipfile.ZipFile(archive) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(f"{folder.name}/{p.relative_to(folder).as_posix()}" for p in files_of(folder))
        for info in zf.infolist():
            assert info.date_time == (cutoff.year, cutoff.month, cutoff.day, 0, 0, 0)
            assert zf.read(info) == (folder.parent / info.filename).read_bytes()
    assert (out / f"{folder.name}.zip.sha256").read_text().split()[0] == sha256(archive)
    for name in ("datapackage.json", "dictionary.json", "DICTIONARY.md", "CHANGELOG.md", "CITATION.cff",
                 "README.md", CHECKSUMS):  # fmt: skip
        assert (folder / name).is_file(), name
    for table in json.loads((folder / "dictionary.json").read_text())["tables"]:
        assert table["files"] == [f"data/{table['name']}.csv", f"data/{table['name']}.parquet"]


def test_datapackage_validates_with_frictionless(released):
    from frictionless import validate

    _, folder = released
    report = validate(str(folder / "datapackage.json"))
    problems = [(t.name, e.type, e.note) for t in report.tasks for e in t.errors]
    assert report.valid, problems[:10]
    package = json.loads((folder / "datapackage.json").read_text())
    described = {r["path"] for r in package["resources"]}
    assert described == {p.relative_to(folder).as_posix() for p in files_of(folder)} - {"datapackage.json"}


def test_checksums_match_the_files(released):
    _, folder = released
    lines = (folder / CHECKSUMS).read_text().splitlines()
    listed = {line[66:]: line[:64] for line in lines}
    assert all(line[64:66] == "  " for line in lines)
    on_disk = {p.relative_to(folder).as_posix() for p in files_of(folder)} - {CHECKSUMS}
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert sha256(folder / name) == digest, name
    package = json.loads((folder / "datapackage.json").read_text())
    for resource in package["resources"]:
        if "hash" in resource:
            assert resource["hash"] == f"sha256:{listed[resource['path']]}"


def test_dictionary_covers_every_column_of_every_file(released):
    _, folder = released
    dictionary = json.loads((folder / "dictionary.json").read_text())
    markdown = (folder / "DICTIONARY.md").read_text()
    documented = {t["name"]: t for t in dictionary["tables"]}
    data_files = sorted((folder / "data").iterdir())
    assert data_files and {p.stem for p in data_files} == set(documented)
    for path in data_files:
        table = documented[path.stem]
        if path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as fh:
                header = next(csv.reader(fh))
            rows = pl.read_csv(path, infer_schema=False).height
        else:
            frame = pl.read_parquet(path)
            header, rows = frame.columns, frame.height
        assert [c["name"] for c in table["columns"]] == header, path.name
        assert rows == table["rows"], path.name
        for c in table["columns"]:
            assert c["description"].strip() and c["type"] and c["source"], (path.name, c["name"])
            assert f"`{c['name']}`" in markdown
    cube = documented["indicator_cube"]
    indicator = next(c for c in cube["columns"] if c["name"] == "indicator_id")
    assert "TRU-4" in indicator["values"]  # the registry's ids and names
    programmes = documented["programmes"]
    title = next(c for c in programmes["columns"] if c["name"] == "title")
    assert title["source"] == "table contract credentials.title" and "Annex I" in title["description"]


def test_public_release_respects_disclosure_thresholds(released):
    from pipelines.indicators.registry import BY_ID

    _, folder = released
    rules = settings().disclosure
    data = folder / "data"
    cube = pl.read_parquet(data / "indicator_cube.parquet").filter(pl.col("value").is_not_null())
    people = [i for i, ind in BY_ID.items() if ind.people and ind.kind == "count"]
    shares = [i for i, ind in BY_ID.items() if ind.kind in ("share", "ratio", "growth")]
    quantiles = [i for i, ind in BY_ID.items() if ind.kind == "quantile"]
    assert cube.filter(
        pl.col("indicator_id").is_in(people) & (pl.col("numerator") < rules.min_people)
    ).is_empty()
    assert cube.filter(
        pl.col("indicator_id").is_in(shares) & (pl.col("denominator") < rules.min_denominator)
    ).is_empty()
    assert cube.filter(
        pl.col("indicator_id").is_in(quantiles) & (pl.col("denominator") < rules.min_contributors)
    ).is_empty()
    assert (
        pl.read_parquet(data / "indicator_cube.parquet")
        .filter(
            (pl.col("flag") == "c") & (pl.col("value").is_not_null() | pl.col("denominator").is_not_null())
        )
        .is_empty()
    )

    prog = pl.read_parquet(data / "programme_indicators.parquet")
    shown = prog.filter(pl.col("value").is_not_null())
    assert shown.filter(pl.col("flag").is_not_null()).is_empty()
    rates = shown.filter(pl.col("unit") == "%").filter(pl.col("metric") != "annex_completeness")
    assert rates.height and rates.filter(pl.col("denominator") < rules.min_denominator).is_empty()
    counts = shown.filter(pl.col("unit") == "count")
    assert counts.height and counts.filter(pl.col("value").is_between(1, rules.min_people - 1)).is_empty()
    hidden = prog.filter(pl.col("flag") == "c")
    assert (
        hidden.height
        and hidden.select("value", "numerator", "denominator", "ci_low", "percentile").null_count().row(0)
        == (hidden.height,) * 5
    )
    medians = prog.filter(pl.col("peer_median").is_not_null() | pl.col("percentile").is_not_null())
    assert medians.filter(pl.col("peer_n") < rules.min_contributors).is_empty()
    # Secondary suppression: no provider has exactly one hidden programme for a metric with others shown
    # (cells flagged z have an empty denominator: they add nothing to a provider total, so they do not count).
    single = (
        prog.filter(pl.col("flag").ne_missing("z"))
        .group_by("provider_id", "metric")
        .agg((pl.col("flag") == "c").sum().alias("hidden"), pl.len().alias("cells"))
    )
    assert single.filter((pl.col("hidden") == 1) & (pl.col("cells") > 1)).is_empty()

    funnel = pl.read_parquet(data / "programme_funnel.parquet")
    assert funnel.filter((pl.col("learners") > 0) & (pl.col("learners") < rules.min_people)).is_empty()
    groups = pl.read_parquet(data / "peer_groups.parquet").filter(pl.col("median").is_not_null())
    assert groups.filter(pl.col("contributors") < rules.min_contributors).is_empty()


def identifiers(raw: Path) -> set[str]:
    """Every raw learner identifier in the delivery (learner_id columns of every CSV template)."""
    found: set[str] = set()
    for path in raw.rglob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames and "learner_id" in reader.fieldnames:
                found.update(r["learner_id"].strip() for r in reader if r.get("learner_id", "").strip())
    return found


def texts_of(folder: Path) -> list[tuple[str, str]]:
    """Every file as text: bytes decoded, Parquet decoded to CSV, zip entries decompressed."""
    out = []
    for path in files_of(folder):
        blob = path.read_bytes()
        out.append((path.name, blob.decode("latin-1")))
        if path.suffix == ".parquet":
            out.append((path.name + " (decoded)", pl.read_parquet(path).write_csv()))
    for archive in folder.parent.glob(f"{folder.name}*.zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                data = zf.read(info)
                out.append((info.filename, data.decode("latin-1")))
                if info.filename.endswith(".parquet"):
                    out.append((info.filename + " (decoded)", pl.read_parquet(io.BytesIO(data)).write_csv()))
    return out


def scan(folder: Path, raw_ids: set[str], secrets: set[str], keys: set[str]) -> list[str]:
    token = re.compile(r"[^,;\"'\s|<>()\[\]{}`]+")
    hits = []
    for name, text in texts_of(folder):
        tokens = set(token.findall(text))
        hits += [f"{name}: raw identifier {t}" for t in tokens & raw_ids]
        hits += [f"{name}: learner key" for t in tokens & keys]
        hits += [f"{name}: pseudonymisation key" for s in secrets if s in text]
    return hits


def key_material() -> set[str]:
    from pipelines.pseudonymise import load_key

    key = load_key()
    return {key.hex(), key.hex().upper()}


def test_no_identifier_key_or_learner_key_in_any_byte(released, small_raw: Path, small_warehouse: Path):
    _, folder = released
    raw_ids = identifiers(small_raw)
    assert len(raw_ids) > 1000
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        keys = {k for (k,) in con.sql("select learner_key from dim_learner").fetchall()}
    assert scan(folder, raw_ids, key_material(), keys) == []
    for path in files_of(folder):
        assert b"learner_key" not in path.read_bytes() or path.suffix in (".md", ".json"), path.name


def test_exporting_twice_gives_the_same_bytes(released, small_warehouse: Path, tmp_path: Path):
    out, folder = released
    again = export(small_warehouse, tmp_path)[0]
    assert again.folder.name == folder.name and again.previous is None
    assert (again.folder / CHECKSUMS).read_bytes() == (folder / CHECKSUMS).read_bytes()
    assert sha256(again.archive) == sha256(out / f"{folder.name}.zip")
    # Into the same folder: still the same release, and it does not call itself its own predecessor.
    same = export(small_warehouse, out)[0]
    assert (
        same.previous is None
        and (same.folder / CHECKSUMS).read_bytes() == (again.folder / CHECKSUMS).read_bytes()
    )


def test_restricted_release_only_when_asked(small_warehouse: Path, small_raw: Path, tmp_path: Path):
    public_out, restricted_out = tmp_path / "public", tmp_path / "restricted"
    releases = export(small_warehouse, public_out, restricted_out=restricted_out)
    assert [r.access for r in releases] == ["public"] and not restricted_out.exists()
    releases = export(small_warehouse, public_out, restricted=True, restricted_out=restricted_out)
    public, restricted = releases
    assert restricted.access == "restricted" and restricted.version == public.version + "-restricted"
    assert restricted.folder.parent == restricted_out and not (public_out / restricted.version).exists()
    package = json.loads((restricted.folder / "datapackage.json").read_text())
    assert package["access"] == "restricted" and "restricted" in package["title"]
    awards = pl.read_parquet(restricted.folder / "data/learner_awards.parquet")
    assert awards.height > 0 and awards["learner_key"].str.contains(r"^[0-9a-f]{64}$").all()
    # Pseudonymised, yes; raw identifiers and the key, never.
    assert scan(restricted.folder, identifiers(small_raw), key_material(), set()) == []
    public_tables = {t["name"] for t in json.loads((public.folder / "dictionary.json").read_text())["tables"]}
    assert not public_tables & {"learner_awards", "learner_outcomes", "learner_pathways"}


def test_changelog_against_the_previous_release(small_warehouse: Path, tmp_path: Path):
    out = tmp_path / "releases"
    first = export(small_warehouse, out)[0]
    text = (first.folder / "CHANGELOG.md").read_text()
    assert "First release" in text
    later = tmp_path / "later.duckdb"
    shutil.copyfile(small_warehouse, later)
    with duckdb.connect(str(later)) as con:
        con.sql("update build_info set build_id = 'f00dfeedf00dfeed', built_at = built_at + interval 1 day")
        con.sql("delete from pub_indicator_cube where breakdown = 'age_band' and breakdown_value = '65+'")
        con.sql(
            "update pub_indicator_cube set value = value + 1 "
            "where indicator_id = 'ADO-1' and breakdown = 'overall'"
        )
        con.sql(
            "delete from mart_programme where credential_id = (select min(credential_id) from mart_programme)"
        )
    second = export(later, out)[0]
    assert second.previous == first.version
    log = (second.folder / "CHANGELOG.md").read_text()
    assert f"Compared with release `{first.version}`" in log
    assert re.search(r"`indicator_cube`: rows [\d,]+ → [\d,]+ \(-\d+\); content changed", log), log
    assert re.search(r"`programmes`: rows [\d,]+ → [\d,]+ \(-1\); content changed", log), log
    assert "`indicators`: content unchanged" in log
    assert re.search(r"\| ADO-1 \| [\d,]+ \| [\d,]+ \|", log), log
    assert "First release" in log  # the earlier entries are kept below
    # Exporting the older warehouse again still compares it with nothing newer.
    assert export(small_warehouse, out)[0].previous is None


def test_citation(released):
    _, folder = released
    cff = yaml.safe_load((folder / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    package = json.loads((folder / "datapackage.json").read_text())
    assert cff["version"] == package["release"] and cff["authors"] and cff["title"] and cff["message"]
    assert folder.name in [i["value"] for i in cff["identifiers"]]  # the build stays in the metadata
    assert folder.name in package["citation"] and package["citation"] in (folder / "README.md").read_text()


def test_export_without_a_warehouse_is_one_clear_error(tmp_path: Path):
    result = CliRunner().invoke(
        app, ["export", "--warehouse", str(tmp_path / "none.duckdb"), "--out", str(tmp_path)]
    )
    assert result.exit_code != 0 and "no warehouse" in str(result.exception)
    assert os.listdir(tmp_path) == []
