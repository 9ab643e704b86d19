"""Cross-table consistency rules, the quarantine-share limit and the run history kept across builds.

Each rule is shown on one added row, checked in memory by the build's own staging checks (`validate`,
no warehouse); one build then takes every rule row at once and must quarantine each the same way.
"""

import shutil

import duckdb
import pytest

from pipelines.build import build
from pipelines.errors import BuildFailed
from pipelines.quality.validate import validate
from pipelines.warehouse import rows
from tests.tiny import TINY, write_tiny

pytestmark = pytest.mark.build

CLEAN_AWARDS = TINY["awards.csv"].split("A4,C2,NL-000000003,2024-05-01")[0] + (
    "A4,C2,NL-000000003,2024-05-01,paper_certificate,paper,false,new_learning,issued,,\n"
)


def _build(tmp_path, **changes):
    files = {**TINY, "awards.csv": CLEAN_AWARDS, **changes}
    raw = write_tiny(tmp_path / "raw", files)
    wh = tmp_path / "w.duckdb"
    result = build(raw, wh, gate=False, max_quarantine_share=1.0)
    con = duckdb.connect(str(wh), read_only=True)
    got = rows(con, "select record_type, reason_code, check_name, source_line from quarantine")
    con.close()
    return result, got


def _checked(tmp_path, **changes):
    """The quarantine the build's checks give the delivery, in memory (what `mco validate` runs)."""
    files = {**TINY, "awards.csv": CLEAN_AWARDS, **changes}
    report = validate(write_tiny(tmp_path / "raw", files))
    assert (report.files["status"] != "rejected").all() and report.skipped_references == []
    return report.quarantine.select("record_type", "reason_code", "check_name", "source_line").rows()


def test_clean_tiny_has_empty_quarantine(tmp_path):
    assert _checked(tmp_path) == []


RULE_ROWS = [
    (
        "pathway_events.csv",
        "E2,NL-000000001,completed,2020-04-01,C1,A1,,,,",
        "date_order",
        "pathway_events.event_date.enrolment_completion_not_after_award",
    ),
    (
        "pathway_events.csv",
        "E3,NL-000000001,recognised_for_credit,2020-02-01,C1,A1,,education,2,",
        "date_order",
        "pathway_events.event_date.recognition_not_before_award",
    ),
    (
        "pathway_events.csv",
        "E4,NL-000000001,recognised_for_credit,2021-02-01,C1,A1,,education,7,",
        "out_of_range",
        "pathway_events.ects_recognised.not_above_credential",
    ),
    (
        "verifications.csv",
        "V9;A1;2020-01-01;employer",
        "date_order",
        "verifications.verification_date.not_before_award",
    ),
    (
        "employment_outcomes.csv",
        "O3,NL-000000001,A1,2020-01-01,6,false,employed,2000,,,",
        "date_order",
        "employment_outcomes.observation_date.not_before_award",
    ),
    (
        "employment_outcomes.csv",
        "O4,jan@example.org,,2021-07-01,,true,employed,,,,",
        "date_order",
        "employment_outcomes.baseline.not_after_enrolment",
    ),
    (
        "credentials.csv",
        "C3,P1,Advanced,x,,06,7,5,,online,digital_badge,exam,,external,,stackable,Q1,,,2019-01-01,,",
        "level_mismatch",
        "credentials.eqf_level.not_above_qualification",
    ),
    (
        "learners.csv",
        "NL-000000001,1991,F,3,NL32,employed",
        "conflicting_values",
        "learners.birth_year+sex.agree",
    ),
]
BASELINE_ENROLMENT = "E9,jan@example.org,enrolled,2021-03-01,C2,A3,,,,"  # the baseline rule's other row


def _with_rows(*cases: tuple[str, str, str, str]) -> dict[str, str]:
    """TINY's files with the extra line of each case appended (and the enrolment the baseline rule needs)."""
    changes: dict[str, str] = {}
    lines = [(file, extra_line) for file, extra_line, _, _ in cases]
    if any(check.endswith("baseline.not_after_enrolment") for *_, check in cases):
        lines.append(("pathway_events.csv", BASELINE_ENROLMENT))
    for file, extra_line in lines:
        text = changes.get(file, TINY[file])
        sep = "\r\n" if "\r\n" in text else "\n"
        changes[file] = text + extra_line + sep
    return changes


def _assert_quarantined(got: list[tuple], reason: str, check: str) -> None:
    hits = [g for g in got if g[2] == check]
    assert hits and all(g[1] == reason for g in hits), got
    if reason == "conflicting_values":
        assert len(hits) == 2  # both rows of the learner are kept aside: neither can be trusted


@pytest.mark.parametrize(("file", "extra_line", "reason", "check"), RULE_ROWS)
def test_each_cross_table_rule_quarantines_its_row(tmp_path, file, extra_line, reason, check):
    got = _checked(tmp_path, **_with_rows((file, extra_line, reason, check)))
    _assert_quarantined(got, reason, check)


def test_the_build_quarantines_every_rule_row_and_completes(tmp_path):
    # all rule rows in one delivery, but for the conflicting learner: it would put learner 1 aside, and
    # with it (as parent_quarantined) most other rows, which are learner 1's
    cases = [case for case in RULE_ROWS if case[2] != "conflicting_values"]
    result, got = _build(tmp_path, **_with_rows(*cases))
    for _, _, reason, check in cases:
        _assert_quarantined(got, reason, check)
    r = result.report
    assert (r["rows_in"] == r["rows_loaded"] + r["rows_quarantined"] + r["rows_rejected"]).all()


def test_child_of_quarantined_parent_is_named_as_such(tmp_path):
    bad_credential = TINY["credentials.csv"].replace(
        "C2,P2,Sales talk,,,04,,,20", "C2,P2,Sales talk,,,04,,75,20"
    )
    got = _checked(tmp_path, **{"credentials.csv": bad_credential})
    reasons = {(g[0], g[1]) for g in got}
    assert ("credentials", "out_of_range") in reasons
    assert ("awards", "parent_quarantined") in reasons


def test_share_limit_fails_the_build_and_keeps_the_warehouse(tiny_build, tmp_path):
    raw, built, _ = tiny_build  # TINY built with max_quarantine_share=1.0; awards.csv: 6 of 10 quarantined
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(built, wh)
    before = wh.read_bytes()
    with pytest.raises(BuildFailed, match=r"6 of 10 rows of awards.csv were quarantined"):
        build(raw, wh, gate=False, max_quarantine_share=0.5)
    assert wh.read_bytes() == before


def test_history_accumulates_across_builds(tiny_build, tmp_path):
    tiny_raw, built, first = tiny_build  # the first build: TINY's (the session's, copied in)
    raw = tmp_path / "raw"
    shutil.copytree(tiny_raw, raw)
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(built, wh)
    (raw / "verifications.csv").write_text("verification_id;award_id;verification_date;verifier_type\n")
    second = build(raw, wh, gate=False, max_quarantine_share=1.0)
    assert first.build_id != second.build_id
    con = duckdb.connect(str(wh), read_only=True)
    builds = [b for (b,) in rows(con, "select build_id from build_history order by built_at")]
    loads = rows(con, "select count(distinct build_id) from load_history")[0][0]
    con.close()
    assert builds == [first.build_id, second.build_id] and loads == 2
