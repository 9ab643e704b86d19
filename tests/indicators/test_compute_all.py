"""`compute_all` (one scan of each base for every breakdown, GROUPING SETS) gives exactly the cells of
`compute` by each breakdown, in the same order: unfiltered (the build's cube), filtered, and for a view
with no records at all (the overall cell still stands)."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines.indicators.engine import BREAKDOWNS, Filters, compute, compute_all, published

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def con(small_warehouse):
    with duckdb.connect(str(small_warehouse), read_only=True) as connection:
        yield connection


def one_by_one(con, bys, **kw) -> pl.DataFrame:
    return pl.concat([compute(con, by=by, **kw) for by in bys])


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(countries=("NL",), year_from=2021), Filters(year_from=1900, year_to=1901)],
    ids=["all", "one-country", "nothing-in-view"],
)
def test_every_breakdown_at_once_equals_one_by_one(con, filters):
    # every breakdown unfiltered (the build's cube); filtered, one of each kind (the overall total, a
    # plain one, a code list, one with years, one of learners) keeps the one-by-one side short
    bys = (
        list(BREAKDOWNS)
        if filters == Filters()
        else ["overall", "country", "vpl_outcome", "region_year", "sex"]
    )
    together = compute_all(con, bys=bys, filters=filters)
    one = one_by_one(con, bys, filters=filters)
    assert_frame_equal(together, one)
    assert_frame_equal(published(together), published(one))
    assert together["breakdown"].unique(maintain_order=True).to_list() == [
        b for b in bys if b in set(together["breakdown"])
    ]
    if filters.year_to == 1901:  # nothing in view: only cells that stand without records
        assert together.filter(pl.col("breakdown") == "overall").height > 0


def test_some_breakdowns_and_indicators(con):
    bys, ids = ["year", "overall", "sex"], ["TRU-1", "ADO-1", "FLX-5", "INC-3s"]
    assert_frame_equal(compute_all(con, ids, bys), one_by_one(con, bys, indicator_ids=ids))
    with pytest.raises(ValueError, match="unknown breakdown"):
        compute_all(con, bys=["year", "planet"])
