"""The impact estimator on a few hand-built rows with a known answer (unit tier)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pipelines.impact.estimate import Panel, did, match, pretrend
from pipelines.impact.tables import published

pytestmark = pytest.mark.unit

NQ = 9
ANCHOR = 5  # base = column 4, 6 months = column 7


def _panel(changes_by_person, strata, treated):
    """One row per person: 0 everywhere, then the given change from the base quarter onwards."""
    n = len(changes_by_person)
    y = np.zeros((n, NQ))
    start = np.array([c[0] for c in changes_by_person], dtype=float)
    delta = np.array([c[1] for c in changes_by_person], dtype=float)
    y[:] = start[:, None]
    y[:, ANCHOR:] += delta[:, None]
    treated_rows = np.array([i for i, t in enumerate(treated) if t])
    return Panel(
        outcomes={"employment": y, "earnings": y * 1000},
        stratum=np.array(strata),
        u=np.linspace(0, 0.99, n),
        key=np.arange(n) * 7919,
        treated_rows=treated_rows,
        anchor=np.full(len(treated_rows), ANCHOR),
        comp_rows=np.array([i for i, t in enumerate(treated) if not t]),
    )


# stratum 1: learners +1, +1; comparisons 0, 0          -> effect 1, weight 2/3
# stratum 2: learner 0;       comparisons +1, 0          -> effect -0.5, weight 1/3
# stratum 3: a learner with no comparison (left out); stratum 4: comparisons with no learner (unused)
PEOPLE = [
    ((0, 1), 1, True),
    ((0, 1), 1, True),
    ((0, 0), 1, False),
    ((1, 0), 1, False),
    ((1, 0), 2, True),
    ((0, 1), 2, False),
    ((1, 0), 2, False),
    ((0, 1), 3, True),
    ((0, 1), 4, False),
    ((0, 1), 4, False),
]


@pytest.fixture
def panel():
    return _panel([p[0] for p in PEOPLE], [p[1] for p in PEOPLE], [p[2] for p in PEOPLE])


def test_known_answer(panel):
    m = match(panel, np.ones(len(panel.treated_rows), dtype=bool))
    assert sorted(m.t_rows.tolist()) == [0, 1, 4]  # the learner of stratum 3 has no comparison
    assert sorted(m.c_rows.tolist()) == [2, 3, 5, 6]  # stratum 4 holds no learner
    res = did(panel, m, "employment", 2)
    assert res["estimate"] == pytest.approx(2 / 3 * 1 + 1 / 3 * -0.5)
    assert res["naive"] == pytest.approx(2 / 3)
    assert res["treated"] == 3 and res["comparison"] == 4
    assert res["ci_low"] < res["estimate"] < res["ci_high"]
    earnings = did(panel, m, "earnings", 2)
    assert earnings["estimate"] == pytest.approx(500.0)


def test_no_change_before_the_award_means_a_zero_pre_period_effect(panel):
    m = match(panel, np.ones(len(panel.treated_rows), dtype=bool))
    res = did(panel, m, "employment", -3)
    assert res["estimate"] == pytest.approx(0.0, abs=1e-12)
    test = pretrend(panel, m, "employment")
    assert test["df"] in (None, 3) or test["df"] <= 3


def test_group_selection_matches_only_that_groups_learners(panel):
    select = np.array([True, True, False, False])  # the two learners of stratum 1
    m = match(panel, select)
    assert sorted(m.c_rows.tolist()) == [2, 3]
    assert did(panel, m, "employment", 2)["estimate"] == pytest.approx(1.0)


def test_comparisons_take_the_calendar_period_of_their_learners():
    people = [((0, 1), 1, True), ((0, 1), 1, True), ((0, 0), 1, False), ((0, 0), 1, False)]
    p = _panel([x[0] for x in people], [x[1] for x in people], [x[2] for x in people])
    p.anchor = np.array([3, 6])
    m = match(p, np.ones(2, dtype=bool))
    assert set(m.c_anchor.tolist()) <= {3, 6}


def test_disclosure_blanks_small_cells_and_perturbs_counts():
    frame = pl.DataFrame(
        {
            "estimate": [0.1, 0.2],
            "std_error": [0.01, 0.02],
            "ci_low": [0.08, 0.16],
            "ci_high": [0.12, 0.24],
            "p_value": [0.0, 0.0],
            "naive": [0.2, 0.3],
            "naive_ci_low": [0.1, 0.2],
            "naive_ci_high": [0.3, 0.4],
            "treated": [15, 400],
            "comparison": [900, 1200],
            "treated_key": [12345, 67890],
            "comparison_key": [555, 777],
            "learners_observed": [16, 410],
            "coverage": [15 / 16, 400 / 410],
        }
    )
    out = published(frame, 20)
    assert out["flag"].to_list() == ["c", None]
    assert out["estimate"][0] is None and out["ci_low"][0] is None and out["naive"][0] is None
    assert out["treated"][0] is None and out["coverage"][0] is None
    assert out["estimate"][1] == 0.2
    assert abs(out["treated"][1] - 400) <= 10 and out["treated"][1] >= 20
    assert "treated_key" not in out.columns and "learners_observed" not in out.columns


def test_delta_matrix_gives_the_same_changes_as_direct_indexing(panel):
    from pipelines.impact.estimate import changes, delta_matrix, gather

    y = panel.outcomes["employment"] + np.arange(NQ)[None, :] * 0.1
    rows = np.array([0, 1, 2, 3])
    anchors = np.array([0, 3, 8, 9])  # out of range at both ends, inside, and past the panel
    for k in (-4, -2, 0, 2, 4):
        np.testing.assert_array_equal(gather(delta_matrix(y, k), rows, anchors), changes(y, rows, anchors, k))
