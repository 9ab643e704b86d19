"""Generate the `small` ecosystem, build it, and hold the pipeline to the generator's ground truth."""

import json
import shutil

import duckdb
import pytest

from pipelines.indicators.engine import compute
from pipelines.indicators.registry import BY_ID, INDICATORS
from pipelines.quality.validate import validate
from pipelines.warehouse import rows

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def truth(small_raw):
    return json.loads((small_raw / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def con(small_warehouse):
    c = duckdb.connect(str(small_warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def computed(con):
    frames = {by: compute(con, by=by) for by in ("overall", "year", "country")}
    return {
        (r["indicator_id"], r["breakdown"], r["breakdown_value"]): r
        for frame in frames.values()
        for r in frame.iter_rows(named=True)
    }


def test_accounting_holds_for_every_delivery(con):
    report = rows(
        con, "select source_file, rows_in, rows_loaded, rows_quarantined, rows_rejected from load_report"
    )
    assert report
    for name, rows_in, loaded, quarantined, rejected in report:
        assert rows_in == loaded + quarantined + rejected, name


def test_every_seeded_defect_is_quarantined_with_its_count(con, truth):
    got = dict(
        ((t, r), n)
        for t, r, n in rows(con, "select record_type, reason_code, count(*) from quarantine group by all")
    )
    expected: dict[tuple[str, str], int] = {}
    for d in truth["defects"].values():
        if d["reason"] == "rejected_file":
            continue
        key = (d["table"], d["reason"])
        expected[key] = expected.get(key, 0) + d["count"]
    assert got == expected


def test_malformed_file_is_rejected(con, truth):
    rejected = {f for (f,) in rows(con, "select source_file from load_report where status = 'rejected'")}
    assert rejected == set(truth["defects"]["malformed_file"]["files"])


def test_clean_row_counts_match(con, truth):
    tables = {
        "awards": "fct_award",
        "learners": "dim_learner",
        "credentials": "dim_credential",
        "providers": "dim_provider",
        "verifications": "fct_verification",
        "pathway_events": "fct_pathway_event",
        "employment_outcomes": "fct_employment_outcome",
    }
    for name, table in tables.items():
        if name in truth["counts"]:
            (n,) = rows(con, f"select count(*) from {table}")[0]
            assert n == truth["counts"][name], name


def _check(got: dict | None, want: dict, unit: str, label: str) -> None:
    if got is None:  # no row for this cell: the pipeline found nothing to count there
        assert not want.get("numerator") and not want.get("denominator") and want.get("value") in (None, 0), (
            label
        )
        return
    for part in ("numerator", "denominator"):
        if want.get(part) is not None:
            assert got[part] == pytest.approx(want[part]), f"{label} {part}"
    if want.get("value") is None:
        assert got["value"] is None, f"{label} should have no value"
    elif unit in ("%", "pp"):
        assert got["value"] == pytest.approx(want["value"], abs=0.5), label
    else:
        assert got["value"] == pytest.approx(want["value"], rel=1e-9), label


@pytest.mark.parametrize("indicator", [i.id for i in INDICATORS])
def test_indicator_equals_ground_truth(indicator, truth, computed):
    want = truth["indicators"][indicator]
    unit = BY_ID[indicator].unit
    _check(computed.get((indicator, "overall", "all")), want["overall"], unit, f"{indicator} overall")
    for year, cell in want["by_year"].items():
        _check(computed.get((indicator, "year", year)), cell, unit, f"{indicator} {year}")
    for country, cell in want.get("by_country", {}).items():
        _check(computed.get((indicator, "country", country)), cell, unit, f"{indicator} {country}")


def test_every_implemented_indicator_has_ground_truth(truth):
    assert set(truth["indicators"]) >= {i.id for i in INDICATORS}


def test_rebuild_gives_identical_tables(small_warehouse, small_two_builds):
    """A rebuild of small_raw on top of an earlier build (`small_two_builds`: the delivery without one
    awards file, then all of it) gives the tables of the fresh build, build id included."""
    a = duckdb.connect(str(small_warehouse), read_only=True)
    b = duckdb.connect(str(small_two_builds), read_only=True)
    assert rows(a, "select build_id from build_info") == rows(b, "select build_id from build_info")
    tables = rows(
        a,
        "select table_name from information_schema.tables where table_name <> 'build_info' "
        "and table_name not like '%_history'",
    )
    for (t,) in tables:
        assert rows(a, f"select * from {t}") == rows(b, f"select * from {t}"), t


def test_clean_small_ecosystem_quarantines_nothing(small_raw, tmp_path):
    """The same delivery without its seeded defects: every row loads, nothing is quarantined or rejected.

    Checked by the build's own intake and staging checks in memory (`validate`, what `mco validate`
    runs): the quarantine and the per-file accounting are theirs, and no warehouse is needed."""
    clean = tmp_path / "clean"
    shutil.copytree(small_raw, clean)
    (clean / "awards_late_delivery.csv").unlink()
    for path in [*clean.glob("awards_*.csv"), clean / "credentials.csv"]:
        seen, kept = set(), []
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            key = line.split(",", 1)[0]
            if key.startswith(("AWD-X", "CRED-X")) or line in seen:
                continue
            seen.add(line)
            kept.append(line)
        path.write_text("".join(kept), encoding="utf-8")
    report = validate(clean)
    files = report.files
    assert report.skipped_references == [] and report.quarantine.height == 0
    assert int(files["rows_quarantined"].sum()) == 0 and int((files["status"] == "rejected").sum()) == 0
    assert int(files["rows_loaded"].sum()) == int(files["rows_in"].sum())
