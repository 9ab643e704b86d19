"""The registry: one keyworded entry per indicator, checked at import, with the wording pages need."""

from __future__ import annotations

import dataclasses

import pytest

from pipelines.indicators import measures, registry
from pipelines.indicators.registry import BASES, BY_ID, INDICATORS, Indicator, Term, _validate, get

pytestmark = pytest.mark.unit


def _entry(**changes) -> Indicator:
    fields = dict(
        id="T-1",
        dimension="adoption",
        name="A test share",
        definition="A share.",
        base="awards",
        kind="share",
        numerator=Term(text="signed awards", sql="count(*) filter (where signed)"),
        denominator=Term(text="awards issued", sql="count(*)"),
        unit="%",
        direction="up",
    )
    return Indicator(**{**fields, **changes})


def test_entries_are_built_with_keywords_only():
    with pytest.raises(TypeError):
        Indicator("T-1", "adoption", "x", "x", "awards", "count", Term(text="x", sql="count(*)"))  # type: ignore[misc]
    assert all(f.kw_only for f in dataclasses.fields(Indicator))


def test_every_entry_has_its_parts_as_named_fields():
    for ind in INDICATORS:
        assert ind.numerator.text, ind.id
        assert ind.unit in registry.UNITS and ind.direction in registry.DIRECTIONS, ind.id
        assert ind.base in BASES and ind.kind in registry.KINDS, ind.id
        assert set(ind.available()) <= {*BASES[ind.base].breakdowns, "vpl_outcome"}, ind.id
    assert len(BY_ID) == len(INDICATORS)


def test_a_valid_entry_passes_and_mistakes_fail_at_import():
    _validate((*INDICATORS, _entry()))
    mistakes = [
        _entry(unit="percent"),
        _entry(kind="count", denominator=Term(text="awards", sql="count(*)")),
        _entry(denominator=None),
        _entry(kind="growth", growth_of="TRU-1", numerator=Term(text="x"), breakdowns=("year",)),
        _entry(kind="growth", growth_of="ADO-1", numerator=Term(text="x"), breakdowns=("country",)),
        _entry(kind="per_capita", base="learners", population="pop_25_64", denominator=Term(text="x")),
        _entry(kind="per_capita", denominator=Term(text="x")),  # no population named
        _entry(growth_of="ADO-1"),  # a share naming a count to grow
    ]
    for bad in mistakes:
        with pytest.raises(ValueError, match="T-1"):
            _validate((*INDICATORS, bad))
    with pytest.raises(ValueError, match="defined twice"):
        _validate((*INDICATORS, _entry(id="TRU-1")))


def test_growth_and_per_capita_say_what_they_are_built_from():
    assert get("ADO-2").growth_of == "ADO-1" and get("ADO-2").numerator.sql is None
    assert registry.growth_for("ADO-1") is get("ADO-2")
    assert registry.growth_for("TRU-1") is None
    assert get("ADO-4").population == "pop_25_64" and BASES[get("ADO-4").base].residence


def test_wording_for_pages_lives_in_the_registry():
    assert BASES["awards"].noun == "awards" and BASES["specs"].noun == "specifications on offer"
    assert get("TRA-2").denominator_per_record == 9
    assert {i: get(i).label for i in ("TRU-5e", "TRU-5l", "TRU-5p")} == {
        "TRU-5e": "Education",
        "TRU-5l": "Labour market (employers)",
        "TRU-5p": "Public authorities",
    }
    assert all(get(i).label for i in ("FLX-2v", "FLX-2h", "FLX-2c"))


def test_the_registry_keeps_no_copy_of_the_marts_sql_lists():
    assert not hasattr(registry, "_RECOGNITION")  # mart_award.sql holds the recognition event types


def test_which_bases_count_people_is_read_from_the_registry():
    assert {n for n, b in BASES.items() if b.people} == measures.PEOPLE_BASES
    assert {"specs", "offer", "launches"} == measures.SPEC_BASES
