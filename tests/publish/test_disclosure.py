"""Disclosure control on the public cube: thresholds hold, and no suppressed cell can be recovered."""

import duckdb
import polars as pl
import pytest

from pipelines.disclosure import ADDITIVE, secondary_cube
from pipelines.indicators.engine import published
from pipelines.indicators.registry import BY_ID
from pipelines.settings import settings

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def cubes(small_warehouse):
    con = duckdb.connect(str(small_warehouse), read_only=True)
    raw = con.sql("select * from mart_indicator_cube").pl()
    public = con.sql("select * from pub_indicator_cube").pl()
    con.close()
    return raw, public


def test_public_cube_respects_thresholds(cubes):
    raw, public = cubes
    rules = settings().disclosure
    shown = public.filter(pl.col("value").is_not_null())
    people = [i for i, ind in BY_ID.items() if ind.people]
    few = (pl.col("numerator") > 0) & (pl.col("numerator") < rules.min_people)  # a zero singles out no one
    assert shown.filter(pl.col("indicator_id").is_in(people) & few).height == 0
    shares = [i for i, ind in BY_ID.items() if ind.kind in ("share", "ratio", "growth")]
    assert (
        shown.filter(
            pl.col("indicator_id").is_in(shares) & (pl.col("denominator") < rules.min_denominator)
        ).height
        == 0
    )
    quantiles = [i for i, ind in BY_ID.items() if ind.kind == "quantile"]
    assert (
        shown.filter(
            pl.col("indicator_id").is_in(quantiles) & (pl.col("denominator") < rules.min_contributors)
        ).height
        == 0
    )
    assert public.filter(pl.col("flag") == "c")["numerator"].is_null().all()
    assert raw.filter(pl.col("flag") == "c").height > 0, "the small ecosystem should exercise suppression"


def test_no_suppressed_cell_can_be_recovered_by_subtraction(cubes):
    _, public = cubes
    totals = public.filter(pl.col("breakdown") == "overall").select(
        "indicator_id", tn="numerator", td="denominator"
    )
    by_year = public.filter(pl.col("breakdown") == "year").select(
        "indicator_id", year="breakdown_value", yn="numerator", yd="denominator"
    )
    additive = [i for i, ind in BY_ID.items() if ind.kind in ADDITIVE]
    cells = public.filter(
        (pl.col("breakdown") != "overall") & pl.col("indicator_id").is_in(additive)
    ).with_columns(year=pl.col("breakdown_value").str.extract(r" (\d{4})$"))
    recovered = 0
    for (ind, _breakdown, year), group in cells.group_by("indicator_id", "breakdown", "year"):
        hidden = group.filter(pl.col("flag") == "c")
        if hidden.height != 1:
            continue  # nothing hidden, or two or more unknowns: subtraction cannot isolate one
        if year is None:
            total = totals.filter(pl.col("indicator_id") == ind)
            tn = total["tn"][0] if total.height else None
        else:
            total = by_year.filter((pl.col("indicator_id") == ind) & (pl.col("year") == year))
            tn = total["yn"][0] if total.height else None
        if tn is not None:
            recovered += 1
    assert recovered == 0


def test_secondary_suppression_on_a_hand_made_breakdown():
    frame = pl.DataFrame(
        {
            "indicator_id": ["ADO-1"] * 4,
            "breakdown": ["overall", "country", "country", "country"],
            "breakdown_value": ["all", "NL", "DE", "FR"],
            "numerator": [130.0, 100.0, 25.0, 5.0],
            "denominator": [None] * 4,
            "value": [130.0, 100.0, 25.0, 5.0],
            "flag": [None, None, None, "c"],
        }
    )
    out = secondary_cube(frame, additive={"ADO-1"})
    assert out.filter(pl.col("flag") == "c")["breakdown_value"].sort().to_list() == ["DE", "FR"]
    assert out.filter(pl.col("breakdown_value") == "DE")["suppression"][0] == "secondary"
    public = published(frame)
    assert public.filter(pl.col("flag") == "c")["value"].is_null().all()
