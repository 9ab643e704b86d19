"""Seeded defects: present at small scale, excluded from the truth, and each trips exactly one check."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.generate.defects import MALFORMED_FILE, REASONS

from .checks import reasons

pytestmark = pytest.mark.build

AWARD_DEFECTS = [k for k, (t, _) in REASONS.items() if t == "awards" and k != "malformed_file"]


def test_every_defect_type_is_seeded_at_least_three_times(truth):
    assert set(truth["defects"]) == set(REASONS)
    for name, d in truth["defects"].items():
        assert (d["table"], d["reason"]) == REASONS[name]
        assert d["count"] >= (1 if name == "malformed_file" else 3), name
        if "ids" in d:
            assert len(d["ids"]) == len(set(d["ids"])) == d["count"]


def test_truth_counts_exclude_the_defects(truth, raw, manifest):
    defects = truth["defects"]
    award_rows = sum(e["rows"] for e in manifest["files"]
                     if e["table"] == "awards" and e["path"] != MALFORMED_FILE)  # fmt: skip
    seeded = sum(defects[k]["count"] for k in AWARD_DEFECTS)
    assert truth["counts"]["awards"] == award_rows - seeded
    assert truth["counts"]["credentials"] == raw["credentials"].height - defects["ects_out_of_range"]["count"]
    for table in ("learners", "providers", "pathway_events", "verifications", "employment_outcomes"):
        assert truth["counts"][table] == raw[table].height, table


@pytest.mark.parametrize("table", ["awards", "credentials"])
def test_each_defect_row_trips_exactly_its_check(table, raw, truth):
    checked = reasons(table, raw[table], raw)
    key = "award_id" if table == "awards" else "credential_id"
    expected = {}
    for name, d in truth["defects"].items():
        if d["table"] == table and name not in ("duplicate_award", "malformed_file"):
            expected.update({i: d["reason"] for i in d["ids"]})
    seen_duplicates = 0
    for row in checked.select(key, "reasons").iter_rows(named=True):
        if row[key] in expected:
            assert row["reasons"] == [expected[row[key]]], row
        elif row["reasons"] == ["duplicate_key"]:
            seen_duplicates += 1
        else:
            assert row["reasons"] == [], row
    if table == "awards":
        assert seen_duplicates == truth["defects"]["duplicate_award"]["count"]


@pytest.mark.parametrize(
    "table",
    [
        "learners",
        "providers",
        "pathway_events",
        "verifications",
        "employment_outcomes",
        "regions",
        "region_population",
        "qualifications",
    ],
)
def test_other_tables_are_clean(table, raw):
    bad = reasons(table, raw[table], raw).filter(pl.col("reasons").list.len() > 0)
    assert bad.height == 0, bad.head()


def test_duplicates_follow_their_original_in_the_same_file(out, truth):
    for award_id in truth["defects"]["duplicate_award"]["ids"]:
        year_files = [p for p in out.glob("awards_2*.csv") if award_id in p.read_text()]
        assert len(year_files) == 1
        lines = [ln for ln in year_files[0].read_text().splitlines() if ln.startswith(award_id + ",")]
        assert len(lines) == 2 and lines[0] == lines[1]


def test_future_dated_awards_sit_in_the_last_years_file(out, truth):
    text = (out / "awards_2025.csv").read_text()
    assert all(i in text for i in truth["defects"]["future_date"]["ids"])


def test_malformed_file_is_malformed(out, truth):
    d = truth["defects"]["malformed_file"]
    assert d["files"] == [MALFORMED_FILE] and d["count"] == 1
    lines = (out / MALFORMED_FILE).read_text().splitlines()
    assert lines[0] == "id;cred;who;when" and len(lines) == d["rows"] + 1


def test_nothing_refers_to_defect_rows(raw, truth):
    bad = {i for k in AWARD_DEFECTS if k != "duplicate_award" for i in truth["defects"][k]["ids"]}
    for table in ("pathway_events", "verifications", "employment_outcomes"):
        assert not raw[table].filter(pl.col("award_id").is_in(list(bad))).height, table
