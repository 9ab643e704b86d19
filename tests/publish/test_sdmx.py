"""Every public release carries the cube as SDMX-CSV 2.0 with an SDMX-ML 3.0 data structure definition:
read back with pysdmx, the values, flags and keys equal the public cube."""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import polars as pl
import pytest
from pysdmx.io import read_sdmx

from pipelines.indicators.registry import BY_ID
from pipelines.publish import sdmx
from pipelines.publish.release import CHECKSUMS, export

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def release(small_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(small_warehouse, tmp_path_factory.mktemp("sdmx_release"))[0].folder


@pytest.fixture(scope="module")
def cube(small_warehouse: Path) -> pl.DataFrame:
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        return con.sql("select * from pub_indicator_cube").pl()


def test_files_are_listed_in_checksums_datapackage_and_dictionary(release: Path):
    sums = {line[66:] for line in (release / CHECKSUMS).read_text().splitlines()}
    package = json.loads((release / "datapackage.json").read_text())
    described = {r["path"]: r for r in package["resources"]}
    dictionary = json.loads((release / "dictionary.json").read_text())
    for name in sdmx.FILES:
        assert (release / name).is_file() and name in sums and name in described
        assert described[name]["mediatype"].startswith("application/vnd.sdmx.")
    assert dictionary["sdmx"]["files"] == list(sdmx.FILES)
    assert "## SDMX" in (release / "DICTIONARY.md").read_text()
    assert sdmx.DATA_FILE in (release / "README.md").read_text()


def test_the_structure_reads_back_as_the_dsd(release: Path):
    message = read_sdmx(str(release / sdmx.STRUCTURE_FILE))
    dsd = next(s for s in message.structures if type(s).__name__ == "DataStructureDefinition")
    assert (dsd.agency, dsd.id, dsd.version) == (sdmx.AGENCY, sdmx.DSD_ID, sdmx.VERSION)
    roles = {c.id: c.role.value for c in dsd.components}
    assert [c for c, r in roles.items() if r == "D"] == [
        "INDICATOR", "REF_AREA", "BREAKDOWN", "BREAKDOWN_VALUE", "TIME_PERIOD"]  # fmt: skip
    assert [c for c, r in roles.items() if r == "M"] == ["OBS_VALUE"]
    assert {"UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS"} <= {c for c, r in roles.items() if r == "A"}
    codes = {c.id: {code.id for code in c.local_codes} for c in dsd.components if c.local_codes}
    assert codes["INDICATOR"] == set(BY_ID)
    assert {"A", "Q", "M", "P"} <= codes["OBS_STATUS"] and {"F", "C", "D"} == codes["CONF_STATUS"]


def test_values_and_flags_equal_the_cube(release: Path, cube: pl.DataFrame):
    data = pl.from_pandas(sdmx.read(release))  # pysdmx, against the release's own structure
    assert data.height == cube.height
    keys = ["INDICATOR", "REF_AREA", "BREAKDOWN", "BREAKDOWN_VALUE", "TIME_PERIOD"]
    assert data.select(keys).is_duplicated().sum() == 0
    expected = sdmx.observations(cube, {i: ind.unit for i, ind in BY_ID.items()})
    joined = expected.join(data, on=keys, how="full", suffix="_read", coalesce=True)
    assert joined.height == cube.height
    for col in ("OBS_VALUE", "NUMERATOR", "DENOMINATOR"):
        for want, got in joined.select(col, f"{col}_read").iter_rows():
            assert (want is None and got is None) or math.isclose(want, got, rel_tol=1e-12), col
    for col in ("UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS"):
        assert joined[col].to_list() == joined[f"{col}_read"].to_list(), col
    # the flags, cell by cell: c -> Q (C primary, D secondary), z -> M, shown -> A / F
    counts = cube.group_by("flag", "suppression").len()
    for flag, suppression, n in counts.iter_rows():
        obs, conf = sdmx.OBS_STATUS[flag][0], {"c": "D" if suppression == "secondary" else "C"}.get(flag, "F")
        assert data.filter((pl.col("OBS_STATUS") == obs) & (pl.col("CONF_STATUS") == conf)).height == n, flag
    assert set(cube["flag"].drop_nulls()) >= {"c"}  # the cube has flags to check
    suppressed = data.filter(pl.col("OBS_STATUS") == "Q")
    assert suppressed.height and suppressed["OBS_VALUE"].is_null().all()
    assert suppressed["NUMERATOR"].is_null().all()


def test_overall_figures_match_the_cube(release: Path, cube: pl.DataFrame):
    data = pl.from_pandas(sdmx.read(release)).filter(pl.col("BREAKDOWN") == "OVERALL")
    overall = cube.filter(pl.col("breakdown") == "overall")
    got = dict(zip(data["INDICATOR"], data["OBS_VALUE"], strict=True))
    for ind, value in zip(overall["indicator_id"], overall["value"], strict=True):
        assert (value is None and got[ind] is None) or math.isclose(value, got[ind], rel_tol=1e-12), ind


def test_same_warehouse_same_sdmx_bytes(release: Path, small_warehouse: Path, tmp_path: Path):
    again = export(small_warehouse, tmp_path)[0].folder
    for name in sdmx.FILES:
        assert (again / name).read_bytes() == (release / name).read_bytes(), name
