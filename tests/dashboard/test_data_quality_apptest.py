"""The data-quality page: its figures are the warehouse's run report, and no learner identifier shows.

DuckDB is the oracle: the tiles and the per-delivery table must equal `load_report`, and the drill-down
must list exactly the quarantined rows of the chosen reason, without their pseudonymised fields.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.pages import BY_NAME
from tests.dashboard.apptest import open_page

pytestmark = pytest.mark.build

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
PAGE = BY_NAME["data_quality"].file
TIMEOUT = 30
EQUATION = "In = loaded + quarantined + rejected"
HISTORY = ("build_history", "load_history", "quality_history")


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql, params=params).fetchall()


def copy_of(warehouse: Path, tmp_path: Path, *statements: str) -> Path:
    """A writable copy of a warehouse, changed by `statements` (to imitate older or other builds)."""
    copy = tmp_path / "changed.duckdb"
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for statement in statements:
            con.sql(statement)
    return copy


def run_page(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, query_params: dict[str, str] | None = None
) -> AppTest:
    monkeypatch.setenv("MCO_WAREHOUSE", str(warehouse))
    at = open_page(PAGE, query_params, errors=True)
    assert at.title[0].value == "Data quality"
    return at


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame_with(at: AppTest, column: str):
    """The first table on the page that has `column`."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, f"no table with a {column!r} column"
    return found[0]


def number(text: str) -> int:
    return int(text.split(" ")[0].replace(",", ""))


def test_headline_figures_are_the_load_report_sums(small_warehouse: Path, monkeypatch: pytest.MonkeyPatch):
    at = run_page(small_warehouse, monkeypatch)
    assert not at.error, [e.value for e in at.error]
    files, rejected, rows_in, loaded, quarantined, rows_rejected = query(
        small_warehouse,
        "select count(*), count(*) filter (status = 'rejected'), sum(rows_in), sum(rows_loaded), "
        "sum(rows_quarantined), sum(rows_rejected) from load_report",
    )[0]
    shown = tiles(at)
    assert number(shown["Delivery files"]) == files
    assert number(shown["Rows in"]) == rows_in
    assert number(shown["Rows loaded"]) == loaded
    assert number(shown["Rows quarantined"]) == quarantined
    assert shown["Rows quarantined"] == f"{quarantined:,} ({100 * quarantined / rows_in:.1f} %)"
    assert number(shown["Files rejected"]) == rejected
    assert quarantined > 0 and rejected > 0, "the small ecosystem seeds bad rows and a bad file"
    equation = (
        f"{rows_in:,} rows in = {loaded:,} loaded + {quarantined:,} quarantined + {rows_rejected:,} rejected"
    )
    assert any(equation in s.value for s in at.success)
    assert any("do not apply here" in c.value for c in at.caption)  # the shared filters are not used


def test_delivery_table_shows_every_file_and_its_accounting_holds(
    small_warehouse: Path, monkeypatch: pytest.MonkeyPatch
):
    at = run_page(small_warehouse, monkeypatch)
    table = frame_with(at, EQUATION)
    report = {
        r[0]: r[1:]
        for r in query(
            small_warehouse,
            "select source_file, status, rows_in, rows_loaded, rows_quarantined, rows_rejected "
            "from load_report",
        )
    }
    assert sorted(table["File"]) == sorted(report)
    for row in table.to_dict("records"):
        assert row["Rows in"] == row["Loaded"] + row["Quarantined"] + row["Rejected"], row
        assert row[EQUATION] == "✓", row
        assert (row["Status"], row["Rows in"], row["Loaded"], row["Quarantined"], row["Rejected"]) == report[
            row["File"]
        ]
    rejected = table[table["Status"] == "rejected"]
    assert len(rejected) >= 1 and all(rejected["Reason / notes"].str.len() > 0)
    # rejected files are listed with their reasons
    warning = "\n".join(w.value for w in at.warning).replace("\\", "")  # Markdown escapes removed
    for name in rejected["File"]:
        assert name in warning


def test_drill_down_lists_the_rows_of_a_reason_without_learner_identifiers(
    small_warehouse: Path, monkeypatch: pytest.MonkeyPatch
):
    record_type, count = query(
        small_warehouse,
        "select record_type, count(*) from quarantine where reason_code = 'duplicate_key' "
        "group by 1 order by 2 desc limit 1",
    )[0]
    at = run_page(small_warehouse, monkeypatch)
    at.selectbox(key="dq_type").set_value(record_type).run()
    at.selectbox(key="dq_reason").set_value("duplicate_key").run()
    assert not at.exception, [e.value for e in at.exception]

    rows = frame_with(at, "Check")
    expected = query(
        small_warehouse,
        "select source_file, source_line, record from quarantine "
        "where record_type = ? and reason_code = 'duplicate_key' order by source_file, source_line",
        [record_type],
    )
    assert len(rows) == count == len(expected) > 0
    assert list(zip(rows["File"], rows["Line"], strict=True)) == [(f, line) for f, line, _ in expected]
    assert "learner_id" not in rows.columns
    learner_ids = {json.loads(r)["learner_id"] for *_, r in expected if json.loads(r).get("learner_id")}
    assert learner_ids, "awards carry a learner_id, so this test would prove nothing without one"
    cells = {str(v) for column in rows.columns for v in rows[column]}
    assert not any(lid in cell for lid in learner_ids for cell in cells)
    assert any("learner_id" in c.value and "(pseudonymised, hidden)" in c.value for c in at.caption)
    assert any(f"all {count:,} rows" in m.value for m in at.markdown)


def test_drill_down_selection_comes_from_the_link(small_warehouse: Path, monkeypatch: pytest.MonkeyPatch):
    record_type, reason, source_file, count = query(
        small_warehouse,
        "select record_type, reason_code, source_file, count(*) from quarantine "
        "group by all order by 4 desc, 1, 2, 3 limit 1",
    )[0]
    at = run_page(
        small_warehouse, monkeypatch, {"dq_type": record_type, "dq_reason": reason, "dq_file": source_file}
    )
    assert at.selectbox(key="dq_type").value == record_type
    assert at.selectbox(key="dq_reason").value == reason
    assert at.selectbox(key="dq_file").value == source_file
    rows = frame_with(at, "Check")
    assert len(rows) == min(count, 500) and set(rows["File"]) == {source_file}


def test_hostile_drill_down_link_falls_back_to_the_default(
    small_warehouse: Path, monkeypatch: pytest.MonkeyPatch
):
    at = run_page(small_warehouse, monkeypatch, {"dq_type": "x' or 1=1;--", "dq_reason": "<script>"})
    assert not at.error
    top_type = query(
        small_warehouse, "select record_type from quarantine group by 1 order by count(*) desc, 1"
    )[0]
    assert at.selectbox(key="dq_type").value == top_type[0]
    assert len(frame_with(at, "Check")) > 0


def test_drill_down_is_capped_with_a_count(small_warehouse: Path, monkeypatch: pytest.MonkeyPatch):
    from dashboard import data

    record_type, reason, count = query(
        small_warehouse,
        "select record_type, reason_code, count(*) from quarantine "
        "group by all order by 3 desc, 1, 2 limit 1",
    )[0]
    assert count > 2
    monkeypatch.setattr(data, "QUARANTINE_ROW_CAP", 2)
    at = run_page(small_warehouse, monkeypatch, {"dq_type": record_type, "dq_reason": reason})
    assert len(frame_with(at, "Check")) == 2
    assert any(f"the first 2 of {count:,} rows" in m.value for m in at.markdown)


def test_consistency_and_missing_data_docs_are_reported(
    small_warehouse: Path, monkeypatch: pytest.MonkeyPatch
):
    assert query(small_warehouse, "select count(*) from consistency_violations")[0][0] == 0
    at = run_page(small_warehouse, monkeypatch)
    assert any(s.value.startswith("**0 consistency violations**") for s in at.success)
    columns = [name for (name,) in query(small_warehouse, "select column_name from (describe build_info)")]
    if "data_docs" not in columns:
        assert any(i.value == "Data Docs not available for this build." for i in at.info)


def test_consistency_violations_are_listed(
    small_warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    changed = copy_of(
        small_warehouse,
        tmp_path,
        "insert into consistency_violations values "
        "('awards', 'awards_2024.csv', 7, 'date_order', 'awards.rule', 'an impossible order')",
    )
    at = run_page(changed, monkeypatch)
    assert any("1 consistency violation" in e.value for e in at.error)
    assert len(frame_with(at, "check_name")) == 1


def test_data_docs_of_the_build_can_be_downloaded(
    small_warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    docs = tmp_path / "data_docs" / "local_site" / "index.html"
    docs.parent.mkdir(parents=True)
    docs.write_text("<html><body>Data Docs</body></html>")
    changed = copy_of(
        small_warehouse,
        tmp_path,
        # small_warehouse is built without the gate: its data_docs column holds no path (and no type)
        "alter table build_info drop column if exists data_docs",
        "alter table build_info add column data_docs varchar",
        f"update build_info set data_docs = '{docs}'",
    )
    at = run_page(changed, monkeypatch)
    assert not at.error
    assert any(str(docs) in m.value for m in at.markdown)
    assert any("Data Docs" in b.label for b in at.get("download_button"))

    docs.unlink()  # recorded, but no longer on this server
    at = run_page(changed, monkeypatch)
    assert any("not readable" in w.value for w in at.warning)


def test_older_warehouse_without_history_still_renders(
    small_warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    older = copy_of(
        small_warehouse, tmp_path, *(f"drop table {t}" for t in (*HISTORY, "consistency_violations"))
    )
    at = run_page(older, monkeypatch)
    assert not at.error, [e.value for e in at.error]
    notices = "\n".join(i.value for i in at.info)
    assert "older build" in notices and "consistency checks" in notices
    assert (
        number(tiles(at)["Rows in"]) == query(small_warehouse, "select sum(rows_in) from load_report")[0][0]
    )
    assert len(at.get("vega_lite_chart")) == 1  # the reasons, but no trend
    assert all(d.value.shape[0] > 0 for d in at.dataframe)


def test_two_builds_show_a_trend_and_earlier_deliveries(
    small_two_builds: Path, monkeypatch: pytest.MonkeyPatch
):
    warehouse = small_two_builds  # tests/conftest.py: build_twice(small_raw), one per test run
    builds = query(warehouse, "select build_id, rows_quarantined from build_history order by built_at")
    assert len(builds) == 2
    at = run_page(warehouse, monkeypatch)
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("vega_lite_chart")) == 2
    history = frame_with(at, "Built at (UTC)")
    assert len(history) == 2 and history["Build"][0] == f"{builds[1][0]} (this build)"
    quarantined = next(m for m in at.metric if m.label == "Rows quarantined")
    assert quarantined.delta == f"{builds[1][1] - builds[0][1]:+,} on the previous build"

    # The earlier build's deliveries, from load_history: the file missing from it is missing there too.
    at.selectbox(key="dq_build").set_value(builds[0][0]).run()
    assert not at.exception
    earlier = frame_with(at, EQUATION)
    expected = query(warehouse, "select source_file from load_history where build_id = ?", [builds[0][0]])
    assert sorted(earlier["File"]) == sorted(f for (f,) in expected)
    assert all(earlier[EQUATION] == "✓")


def test_text_from_a_delivery_cannot_inject_markdown(
    small_warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    hostile = "header found: [click me](http://evil.example) :red[alarm] **bold**"
    changed = copy_of(
        small_warehouse, tmp_path, f"update load_report set reason = '{hostile}' where status = 'rejected'"
    )
    at = run_page(changed, monkeypatch)
    warning = "\n".join(w.value for w in at.warning)
    assert "](http" not in warning and ":red[" not in warning and "**bold**" not in warning
    assert warning.replace("\\", "").count(hostile) >= 1  # the text itself is all there, shown literally
