"""The differencing attacks of issue 10, rerun against the published interface (build tier).

Suppression alone lets an attacker recover most suppressed cells by subtracting published cells (set
differences of filters, year ranges, linked tables, provider isolation, the release cube). With the
cell key method the difference of two published cells carries both cells' noise, so what comes back
is the truth only by the chance that the two noises are equal (about 1 / (2 D + 1)), and the attacker
cannot tell when. The full attack over every indicator is `benchmarks/bench_disclosure.py`; the test
attacks a subset covering every kind of base (awards, learners, stackers, pairs, events, outcomes,
specifications) to stay fast.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.indicators.engine import Filters, compute, published
from pipelines.indicators.measures import derive
from pipelines.indicators.registry import INDICATORS
from tests.publish import attack

pytestmark = pytest.mark.build

SUBSET = ("ADO-1", "ADO-3", "TRU-4", "TRU-6", "FLX-1", "FLX-3", "FLX-2v", "FLX-5", "OUT-1b", "TRA-1")


@pytest.fixture(scope="module")
def con(small_warehouse: Path):
    c = duckdb.connect(str(small_warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def views() -> dict:
    """The engine's answers to the attacker's queries, computed once for both attacks (`attack.CACHE`)."""
    return {}


def _run(con, perturb: bool, monkeypatch, views: dict) -> dict[str, attack.Attack]:
    monkeypatch.setattr(attack, "PERTURB", perturb)
    monkeypatch.setattr(attack, "CACHE", views)
    monkeypatch.setattr(attack, "ADDITIVE", tuple(i for i in attack.ADDITIVE if i in SUBSET))
    return attack.run(con)


def _total(found: dict[str, attack.Attack]) -> attack.Attack:
    total = attack.Attack(0, 0, [])
    for name, a in found.items():
        if name != "suppressed_cells":
            total = total.add(a)
    return total


def test_suppression_alone_is_broken_by_differencing(con, monkeypatch, views):
    """The attacker works: without perturbation most tried cells come back exactly."""
    total = _total(_run(con, False, monkeypatch, views))
    assert total.tried > 200
    assert total.recovered / total.tried > 0.5


def test_cell_key_perturbation_defeats_every_recipe(con, monkeypatch, views):
    found = _run(con, True, monkeypatch, views)
    total = _total(found)
    assert total.tried > 200
    # Only chance coincidences of two cells' noise remain, none the attacker can confirm. The record
    # keys come from this session's random pseudonymisation key, so the count is a random draw: about
    # 1 in 25 for a rate (numerator and denominator noise must both cancel). The bounds sit many
    # standard deviations above that chance level and far below the > 50 % of the unperturbed attack.
    assert total.recovered / total.tried < 0.12, total.examples
    for name in ("set_differences", "year_ranges", "country_years", "provider_isolation", "cube_links"):
        a = found[name]
        assert a.recovered <= max(10, 0.2 * a.tried), (name, a.examples)


def test_the_same_cell_gets_the_same_value_however_it_is_asked_for(con):
    """Consistency: a region's cell in the cube equals the overall figure filtered to that region."""
    cube = con.sql(
        "select * from pub_indicator_cube where breakdown = 'region' and indicator_id in ('ADO-1', 'TRU-4')"
    ).pl()
    region = cube.filter(pl.col("flag").is_null())["breakdown_value"][0]
    view = published(compute(con, ("ADO-1", "TRU-4"), "overall", Filters(regions=(region,))))
    for ind in ("ADO-1", "TRU-4"):
        a = cube.filter((pl.col("indicator_id") == ind) & (pl.col("breakdown_value") == region)).row(
            0, named=True
        )
        b = view.filter(pl.col("indicator_id") == ind).row(0, named=True)
        assert (a["numerator"], a["denominator"], a["value"]) == (
            b["numerator"],
            b["denominator"],
            b["value"],
        )


def test_no_count_of_one_to_nine_people_is_published(con):
    """Neither as a count nor as a rate's numerator, in the cube or in a filtered view."""
    ids = [  # (growth's numerator is a difference of two published counts, not a count)
        i.id
        for i in INDICATORS
        if (m := derive(i.numerator_sql, i.base)) and m.people and m.kind == "count" and i.kind != "growth"
    ]
    assert len(ids) > 30
    cube = con.sql("select * from pub_indicator_cube").pl().filter(pl.col("indicator_id").is_in(ids))
    view = published(compute(con, ids, "region", Filters(provider_types=("vet",))))
    for frame in (cube, view):
        small = frame.filter((pl.col("numerator") >= 1) & (pl.col("numerator") <= 9))
        assert small.is_empty(), small.head()
