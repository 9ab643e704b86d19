"""Build a hand-written tiny delivery and check every number by hand."""

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.build import build
from pipelines.errors import BuildFailed
from pipelines.indicators.engine import Filters, compute
from pipelines.quality.validate import validate
from pipelines.warehouse import rows
from tests.tiny import EXPECTED_QUARANTINE, TINY, write_tiny

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def tiny(tiny_build):
    """(raw, warehouse, result) of TINY built without the gate: the session's `tiny_build`, read-only."""
    return tiny_build


def _values(wh: Path, by: str = "overall", filters: Filters | None = None) -> dict:
    con = duckdb.connect(str(wh), read_only=True)
    frame = compute(con, by=by, filters=filters)
    con.close()
    return {(r["indicator_id"], r["breakdown_value"]): r for r in frame.iter_rows(named=True)}


@pytest.fixture(scope="module")
def overall(tiny) -> dict:
    """Every indicator, overall, computed once for the tests that only read it."""
    return _values(tiny[1])


def test_quarantine_reasons(tiny):
    _, wh, _ = tiny
    con = duckdb.connect(str(wh), read_only=True)
    got = dict(
        ((t, r), n)
        for t, r, n in rows(con, "select record_type, reason_code, count(*) from quarantine group by all")
    )
    assert got == EXPECTED_QUARANTINE


def test_accounting_per_file(tiny):
    _, _, result = tiny
    r = result.report
    assert (r["rows_in"] == r["rows_loaded"] + r["rows_quarantined"] + r["rows_rejected"]).all()
    awards = r.filter(r["source_file"] == "awards.csv").row(0, named=True)
    assert (awards["rows_in"], awards["rows_loaded"], awards["rows_quarantined"]) == (10, 4, 6)


@pytest.mark.parametrize(
    ("indicator", "numerator", "denominator", "value"),
    [
        ("ADO-1", 4, None, 4),
        ("ADO-3", 3, None, 3),  # 'JAN@example.org ' and 'jan@example.org' are one learner
        ("ADO-5", 2, None, 2),
        ("TRU-1", 2, 4, 50.0),
        ("TRU-4", 1, 4, 25.0),  # A1 verified by an employer in 2 months; A3's check came too late
        ("TRU-6", 1, 4, 25.0),
        ("TRA-1", 1, 2, 50.0),
        ("TRA-2", 14, 18, 14 / 18 * 100),  # C1 has 9 elements, C2 has 5 (no outcomes, level, assessment, QA)
        ("FLX-1", 1, 2, 50.0),  # two awards on the same day count as stacking; 2024 learner is censored
        ("FLX-3", 1, 1, 100.0),
        ("FLX-4", 1, 4, 25.0),
        ("INN-2", 2, 4, 50.0),
    ],
)
def test_indicators_by_hand(overall, indicator, numerator, denominator, value):
    row = overall[(indicator, "all")]
    assert row["numerator"] == numerator
    assert row["denominator"] == denominator
    assert row["value"] == pytest.approx(value)


def test_growth_and_censoring_by_year(tiny):
    v = _values(tiny[1], "year")
    assert v[("ADO-1", "2020")]["value"] == 2
    assert v[("ADO-2", "2021")]["value"] == pytest.approx(-50.0)
    assert v[("ADO-2", "2020")]["flag"] == "z"  # no previous year
    assert v[("TRU-4", "2024")]["denominator"] == 1  # issued 2024-05-01, 12 months before the cut-off
    assert ("FLX-1", "2024") in v and v[("FLX-1", "2024")]["denominator"] == 0


def test_filters_are_parameters_not_sql(tiny):
    hostile = Filters(countries=("NL') or 1=1 --",), provider_types=("vet",))
    v = _values(tiny[1], filters=hostile)
    assert v[("ADO-1", "all")]["value"] == 0  # the string matched nothing: it was a value, not SQL
    nl = _values(tiny[1], filters=Filters(countries=("NL",)))
    assert nl[("ADO-1", "all")]["value"] == 2


def test_no_raw_identifier_in_warehouse(tiny):
    raw, wh, _ = tiny
    blob = wh.read_bytes()
    for raw_id in (b"NL-000000001", b"jan@example.org", b"NL-000000003"):
        assert raw_id not in blob
    key = bytes.fromhex(Path(os.environ["MCO_KEY_FILE"]).read_text().strip())
    assert key not in blob and key.hex().encode() not in blob


def test_rebuild_is_identical(tiny, gated_tiny_build):
    """TINY built a second time (the session's `gated_tiny_build`: with the gate, from relative paths):
    the same build id and the same tables, but for the gate's own results."""
    _, wh, result = tiny
    folder, again = gated_tiny_build
    assert again.build_id == result.build_id
    a, b = (
        duckdb.connect(str(wh), read_only=True),
        duckdb.connect(str(folder / "curated" / "warehouse.duckdb"), read_only=True),
    )
    tables = [t for (t,) in rows(a, "select table_name from information_schema.tables")]
    for t in tables:
        if t == "build_info" or t.endswith("_history"):
            continue
        assert rows(a, f"select * from {t}") == rows(b, f"select * from {t}"), t


def test_failed_build_keeps_previous_warehouse(tiny, tmp_path):
    raw, wh, _ = tiny
    target = tmp_path / "warehouse.duckdb"
    shutil.copyfile(wh, target)  # the last good build (the module's), in place
    before = target.read_bytes()
    broken = write_tiny(tmp_path / "broken", {k: v for k, v in TINY.items() if k != "awards.csv"})
    with pytest.raises(BuildFailed, match="awards"):
        build(broken, target, gate=False, max_quarantine_share=1.0)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".warehouse")] == []


def test_malformed_file_is_rejected_and_rest_loads(tmp_path):
    """The build's intake in memory (`validate`, what `mco validate` runs: the same per-file report)."""
    files = dict(TINY)
    files["awards_late.csv"] = "id;cred;who;when\n1;2;3;4\n5;6;7;8\n"
    files["notes.csv"] = "hello\nworld\n"
    raw = write_tiny(tmp_path / "raw", files)
    report = validate(raw).files
    rejected = report.filter(report["status"] == "rejected")
    assert sorted(rejected["source_file"].to_list()) == ["awards_late.csv", "notes.csv"]
    late = rejected.filter(rejected["source_file"] == "awards_late.csv").row(0, named=True)
    assert late["rows_rejected"] == 2 and "lacks required column" in late["reason"]
    assert int(report["rows_loaded"].sum()) == 22


def test_missing_raw_folder_is_a_clear_error(tmp_path):
    with pytest.raises(BuildFailed, match="does not exist"):
        build(tmp_path / "nope", tmp_path / "w.duckdb")


def test_annex_elements_per_award(tiny):
    con = duckdb.connect(str(tiny[1]), read_only=True)
    got = dict(
        ((a, tuple(m)) for a, m in rows(con, "select award_id, missing_mandatory from mart_award_annex"))
    )
    con.close()
    assert got["A1"] == ()
    assert got["A3"] == ("learning_outcomes", "level", "assessment_type", "quality_assurance")


def test_relative_warehouse_path_with_the_gate(gated_tiny_build):
    """`make run` passes relative paths; the Data Docs path is stored relative to the warehouse."""
    folder, result = gated_tiny_build  # build(Path("raw"), Path("curated/warehouse.duckdb")) in folder
    con = duckdb.connect(str(folder / "curated" / "warehouse.duckdb"), read_only=True)
    (docs,) = rows(con, "select data_docs from build_info")[0]
    con.close()
    assert (folder / "raw").exists() and result.data_docs is not None
    assert docs == f"data_docs/{result.build_id}/index.html"
    assert (folder / "curated" / docs).exists()
