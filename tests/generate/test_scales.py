"""Scale presets keep their promises, and the generator's code lists are the contracts' code lists."""

from __future__ import annotations

import pytest

from pipelines.contracts import contracts
from pipelines.generate import SCALE_SPECS, SCALES
from pipelines.generate.codes import CONTRACT_CODES

pytestmark = pytest.mark.build


def test_scales_in_order():
    assert SCALES == ("small", "demo", "medium", "large")


@pytest.mark.parametrize(
    ("scale", "learners", "awards"),
    [("small", 1_900, 4_000), ("demo", 50_000, 100_000), ("medium", 400_000, 1_000_000),
     ("large", 4_000_000, 10_000_000)],
)  # fmt: skip
def test_targets(scale, learners, awards):
    spec = SCALE_SPECS[scale]
    assert spec.min_learners >= learners and spec.min_awards >= awards
    assert spec.learners > spec.min_learners


def test_small_run_projects_every_scale_above_its_targets(small):
    """Awards per person drawn is scale-free, so the small run predicts the larger ones (5 % margin)."""
    result = small[0]
    kept = result.learners / SCALE_SPECS["small"].learners
    per_learner = result.awards / result.learners
    assert result.awards >= SCALE_SPECS["small"].min_awards
    for spec in SCALE_SPECS.values():
        assert spec.learners * kept >= spec.min_learners * 1.02
        assert spec.learners * kept * per_learner >= spec.min_awards * 1.05


@pytest.mark.parametrize(("table", "column"), list(CONTRACT_CODES))
def test_code_lists_match_the_contracts(table, column):
    assert set(CONTRACT_CODES[(table, column)]) == set(contracts()[table].column(column).allowed)
