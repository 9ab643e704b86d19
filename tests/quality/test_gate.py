"""The quality gate on a tiny warehouse: clean data passes, planted bad rows fail with exact counts."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from pipelines.contracts import contracts
from pipelines.quality.gate import _batches, run_gate, to_pandas

pytestmark = pytest.mark.unit

CUTOFF = date(2025, 6, 30)
AWARD = (
    "('awards.csv', {line}, '{id}', 'C1', 'L{line}', date '{issued}', '{fmt}', 'OB3', true, "
    "'new_learning', 'issued', null, null)"
)


def _stg_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    cols = ", ".join(f"{c.name} {c.sql_type}" for c in contracts()[table].columns)
    con.sql(f"create table stg_{table} (source_file varchar, source_line bigint, {cols})")


def _awards(n: int, **bad: list[tuple[int, str]]) -> str:
    """n clean award rows as SQL values; bad={'fmt': [(line, value)], ...} replaces fields on lines."""
    rows = []
    for line in range(2, n + 2):
        values = {"line": line, "id": f"A{line}", "issued": "2024-01-15", "fmt": "digital_badge"}
        for field, changes in bad.items():
            for at, value in changes:
                if at == line:
                    values[field] = value
        rows.append(AWARD.format(**values))
    return ", ".join(rows)


def _warehouse(awards_sql: str, violations: int | None = None) -> duckdb.DuckDBPyConnection:
    """The tables the gate reads, in an in-memory DuckDB: stg_awards, fct_verification and (when
    `violations` is given) consistency_violations with that many rows."""
    con = duckdb.connect()
    _stg_table(con, "awards")
    con.sql(f"insert into stg_awards values {awards_sql}")
    con.sql(
        "create table fct_verification as select * from (values "
        "('V1', 'A2', date '2024-02-01', 'employer'), ('V2', 'A3', date '2024-03-01', 'education')) "
        "as t(verification_id, award_id, verification_date, verifier_type)"
    )
    if violations is not None:
        con.sql(
            "create table consistency_violations (record_type varchar, source_file varchar, "
            "source_line bigint, reason_code varchar, check_name varchar, detail varchar)"
        )
        for i in range(violations):
            con.sql(
                "insert into consistency_violations values "
                f"('awards', 'awards.csv', {i + 2}, 'date_order', 'awards.x', 'detail')"
            )
    return con


def _result(results, suite: str, expectation: str, column: str | None = None) -> dict:
    rows = [
        r
        for r in results.iter_rows(named=True)
        if r["suite"] == suite
        and r["expectation"] == expectation
        and (column is None or r["column"] == column)
    ]
    assert len(rows) == 1, (suite, expectation, column, rows)
    return rows[0]


def test_clean_data_passes_and_absent_tables_are_skipped():
    con = _warehouse(_awards(12), violations=0)
    gate = run_gate(con, CUTOFF, "b1", None)
    assert gate.success, gate.failures
    assert gate.docs_index is None
    validated = gate.results.filter(gate.results["success"].is_not_null())
    assert set(validated["table_name"]) == {"stg_awards", "fct_verification", "consistency_violations"}
    assert set(gate.results["build_id"]) == {"b1"}
    assert (
        _result(gate.results, "stg_awards", "expect_column_values_to_be_in_set", "format")["element_count"]
        == 12
    )
    assert _result(gate.results, "consistency_violations", "expect_table_row_count_to_equal")["success"]
    assert any(n.startswith("stg_learners: skipped") for n in gate.notes)
    row = gate.results.filter(gate.results["suite"] == "stg_learners").row(0, named=True)
    assert row["success"] is None and row["details"].startswith("skipped")


def test_missing_consistency_table_is_skipped_with_a_note():
    con = _warehouse(_awards(5))
    gate = run_gate(con, CUTOFF, "b1", None)
    assert gate.success
    assert any(n.startswith("consistency_violations: skipped") for n in gate.notes)


@pytest.mark.parametrize("batch_rows", [1_000_000, 4], ids=["one-batch", "many-batches"])
def test_planted_bad_rows_fail_with_exact_counts(batch_rows):
    awards = _awards(
        20,
        fmt=[(3, "usb_stick"), (7, "usb_stick"), (11, "hologram")],
        issued=[(5, "2025-07-01"), (6, "2030-01-01")],  # after the cut-off
        id=[(8, "A2"), (9, "A2"), (10, "A4")],  # A2 three times, A4 twice: 5 rows with a duplicated key
    )
    con = _warehouse(awards, violations=2)
    con.sql("update stg_awards set learner_id = null where source_line in (12, 13)")
    _stg_table(con, "region_population")
    con.sql(
        "insert into stg_region_population values ('r.csv', 2, 'NL32', '25-34', 10), "
        "('r.csv', 3, 'NL32', '25-34', 11), ('r.csv', 4, 'NL32', '35-44', 12), "
        "('r.csv', 5, 'DE21', '25-34', 1), ('r.csv', 6, null, null, 5), ('r.csv', 7, null, null, 5)"
    )
    gate = run_gate(con, CUTOFF, "b2", None, batch_rows=batch_rows)
    assert not gate.success
    r = gate.results
    fmt = _result(r, "stg_awards", "expect_column_values_to_be_in_set", "format")
    assert (fmt["success"], fmt["unexpected_count"], fmt["element_count"]) == (False, 3, 20)
    assert "usb_stick" in fmt["details"]
    dates = [
        row
        for row in r.iter_rows(named=True)
        if row["suite"] == "stg_awards" and row["column"] == "issue_date" and row["unexpected_count"]
    ]
    assert [(d["expectation"], d["unexpected_count"]) for d in dates] == [
        ("expect_column_values_to_be_between", 2)
    ]
    unique = _result(r, "stg_awards", "expect_column_values_to_be_unique", "award_id")
    assert (unique["success"], unique["unexpected_count"]) == (False, 5)
    learner = _result(r, "stg_awards", "expect_column_values_to_not_be_null", "learner_id")
    assert (learner["success"], learner["unexpected_count"]) == (False, 2)
    compound = _result(r, "stg_region_population", "expect_compound_columns_to_be_unique")
    assert (compound["success"], compound["unexpected_count"]) == (
        False,
        2,
    )  # rows with both keys null: ignored
    violations = _result(r, "consistency_violations", "expect_table_row_count_to_equal")
    assert violations["success"] is False and "observed 2" in violations["details"]
    failed = set(gate.failures["expectation"] + ":" + gate.failures["column"].fill_null("-"))
    assert failed == {
        "expect_column_values_to_be_in_set:format",
        "expect_column_values_to_be_between:issue_date",
        "expect_column_values_to_be_unique:award_id",
        "expect_column_values_to_not_be_null:learner_id",
        "expect_table_row_count_to_equal:-",
        "expect_compound_columns_to_be_unique:region_code,age_band",
        "expect_column_values_to_not_be_null:region_code",
        "expect_column_values_to_not_be_null:age_band",
    }
    if batch_rows == 4:
        assert "DuckDB" in unique["details"]


def test_wrong_column_type_fails():
    con = _warehouse(_awards(3))
    con.sql("alter table stg_awards alter signed type varchar")
    con.sql("alter table stg_awards alter source_line type varchar")
    gate = run_gate(con, CUTOFF, "b3", None)
    typed = _result(gate.results, "stg_awards", "expect_column_values_to_be_of_type", "signed")
    assert typed["success"] is False and "observed str" in typed["details"]
    # a range on text cannot be evaluated: GX's exception is reported, not raised
    ranged = _result(gate.results, "stg_awards", "expect_column_values_to_be_between", "source_line")
    assert ranged["success"] is False and ranged["details"].startswith("error:")


@pytest.mark.parametrize("batch_rows", [1_000_000, 2], ids=["one-batch", "many-batches"])
def test_missing_columns_fail_with_an_error(batch_rows):
    con = _warehouse(_awards(5))
    con.sql("alter table stg_awards drop column award_id")
    gate = run_gate(con, CUTOFF, "b5", None, batch_rows=batch_rows)
    failed = gate.failures.filter(gate.failures["suite"] == "stg_awards")
    assert set(failed["expectation"]) == {
        "expect_column_values_to_be_of_type",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
    }
    assert set(failed["column"]) == {"award_id"}
    assert all(d.startswith("error:") and "award_id" in d for d in failed["details"])


def test_data_docs_are_written(tmp_path):
    con = _warehouse(_awards(5, fmt=[(3, "usb_stick")]), violations=0)
    gate = run_gate(con, CUTOFF, "b4", tmp_path / "docs")
    assert gate.docs_index == (tmp_path / "docs" / "index.html").resolve()
    assert gate.docs_index.exists()
    index = gate.docs_index.read_text(encoding="utf-8")
    assert "stg_awards" in index and "fct_verification" in index
    pages = list((tmp_path / "docs" / "validations" / "stg_awards").rglob("*.html"))
    assert len(pages) == 1 and "usb_stick" in pages[0].read_text(encoding="utf-8")


def test_to_pandas_types():
    table = pa.table(
        {
            "n": pa.array([1, None], pa.int64()),
            "big": pa.array([1, 2], pa.decimal128(38, 0)),
            "d": pa.array([date(2024, 1, 1), None], pa.date32()),
            "far": pa.array([date(9999, 12, 31), date(2024, 1, 1)], pa.date32()),
            "b": pa.array([True, None]),
            "s": pa.array(["x", None]),
        }
    )
    exact = to_pandas(table)
    assert [str(t) for t in exact.dtypes] == [
        "Int64",
        "Int64",
        "datetime64[ns]",
        "datetime64[ms]",
        "boolean",
        "str",
    ]
    loose = to_pandas(table, exact_types=False)
    assert str(loose["n"].dtype) == "float64" and str(loose["big"].dtype) == "int64"


def test_batches_regroup_duckdb_record_batches():
    con = duckdb.connect()
    con.sql("create table t as select range as x from range(20)")
    sizes = [t.num_rows for t in _batches(con.sql("select x from t").to_arrow_reader(4), 7)]
    assert sizes == [8, 8, 4]
    assert [t.num_rows for t in _batches(con.sql("select x from t where false").to_arrow_reader(4), 7)] == [0]
