"""Release tables read from a mart or the public cube take their columns' meanings from that table's
YAML (pipelines/sql): a column is described once, beside the SQL that makes it."""

from __future__ import annotations

import pytest

from pipelines.publish.release_tables import PUBLIC_TABLES, RESTRICTED_TABLES
from pipelines.sql.models import models

pytestmark = pytest.mark.unit

SPECS = [*PUBLIC_TABLES, *RESTRICTED_TABLES]


def test_tables_read_from_a_mart_name_it():
    named = {s.name: s.model for s in SPECS if s.model}
    assert (
        named.items()
        >= {
            "indicator_cube": "pub_indicator_cube",
            "programmes": "mart_programme",
            "learner_awards": "mart_award",
            "learner_outcomes": "mart_outcome",
            "learner_pathways": "mart_learner_cohort",
        }.items()
    )
    for model in named.values():
        assert model in models()


@pytest.mark.parametrize("spec", [s for s in SPECS if s.model], ids=lambda s: s.name)
def test_no_column_of_the_mart_is_described_again(spec):
    model = models()[spec.model]
    for col in spec.columns:
        if model.has(col.name):
            assert col.source == "model" and not col.text, f"{spec.name}.{col.name} is described twice"
    assert spec.column("learner_key" if model.has("learner_key") else model.column_names[0]).source == "model"
