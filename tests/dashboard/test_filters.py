"""The URL query-string parser: a shared link reproduces the view, and no link can break the page."""

from __future__ import annotations

import pytest

from dashboard.filters import FilterState, Options, parse_query, to_query
from pipelines.indicators.engine import Filters

pytestmark = pytest.mark.unit

OPTIONS = Options(
    years=(2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025),
    countries=("DE", "ES", "NL"),
    provider_types=("employer", "higher_education", "vet"),
)
DEFAULT = FilterState(2018, 2025)


def test_no_params_gives_the_default_view_silently():
    assert parse_query({}, OPTIONS) == (DEFAULT, [])


def test_valid_params_are_read_in_canonical_order():
    state, notices = parse_query({"from": "2021", "to": "2024", "country": "NL,DE", "ptype": "vet"}, OPTIONS)
    assert state == FilterState(2021, 2024, ("DE", "NL"), ("vet",))
    assert notices == []


@pytest.mark.parametrize(
    ("params", "countries"),
    [
        ({"country": ["NL", "DE"]}, ("DE", "NL")),  # repeated keys
        ({"country": "nl"}, ("NL",)),  # case
        ({"country": " NL , ,DE "}, ("DE", "NL")),  # spaces and empty items
        ({"country": "NL,NL"}, ("NL",)),  # duplicates
    ],
)
def test_country_spellings_are_normalised(params, countries):
    state, notices = parse_query(params, OPTIONS)
    assert state.countries == countries
    assert notices == []


def test_unknown_country_falls_back_to_all_with_a_notice():
    state, notices = parse_query({"country": "XX"}, OPTIONS)
    assert state == DEFAULT
    assert len(notices) == 1 and "XX" in notices[0] and "all countries" in notices[0]


def test_unknown_code_beside_known_ones_keeps_the_known_ones():
    state, notices = parse_query({"country": "NL,XX", "ptype": "vet,wizard"}, OPTIONS)
    assert state == FilterState(2018, 2025, ("NL",), ("vet",))
    assert len(notices) == 2


@pytest.mark.parametrize(
    "hostile",
    [
        "NL';drop table x;--",
        "' OR 1=1 --",
        "NL) or (1=1",
        "<script>alert(1)</script>",
        "`rm -rf`\n**bold**",
        "NL" * 5000,
    ],
)
def test_hostile_codes_fall_back_to_the_default_with_a_safe_short_notice(hostile):
    state, notices = parse_query({"country": hostile, "ptype": hostile}, OPTIONS)
    assert state == DEFAULT
    assert len(notices) == 2
    for notice in notices:
        assert len(notice) < 200
        assert "\n" not in notice
        assert notice.count("`") % 2 == 0  # the echoed value cannot break out of its code span


@pytest.mark.parametrize(
    "year",
    [
        "99999999999999999999999",
        "1700",
        "3000",
        "-2020",
        "2020.5",
        "20 20",
        "2020;drop",
        "２０２０",
        "",
        "0x7e4",
    ],
)
def test_bad_years_fall_back_to_the_range_of_the_data(year):
    state, notices = parse_query({"from": year, "to": year}, OPTIONS)
    assert (state.year_from, state.year_to) == (2018, 2025)
    assert len(notices) == (0 if year == "" else 2)


def test_year_outside_the_data_but_plausible_is_not_silently_clamped():
    state, notices = parse_query({"from": "2010"}, OPTIONS)
    assert state.year_from == 2018
    assert "2010" in notices[0] and "2018" in notices[0]


def test_reversed_range_is_swapped_with_a_notice():
    state, notices = parse_query({"from": "2024", "to": "2020"}, OPTIONS)
    assert (state.year_from, state.year_to) == (2020, 2024)
    assert notices == ["The period in the link was reversed; showing 2020–2024."]


def test_single_year_range():
    state, notices = parse_query({"from": "2022", "to": "2022"}, OPTIONS)
    assert (state.year_from, state.year_to, notices) == (2022, 2022, [])


def test_repeated_year_is_ambiguous_and_ignored():
    state, notices = parse_query({"from": ["2020", "2021"]}, OPTIONS)
    assert state.year_from == 2018 and len(notices) == 1


def test_unknown_parameters_are_ignored():
    assert parse_query({"utm_source": "x", "embed": "true"}, OPTIONS) == (DEFAULT, [])


def test_warehouse_without_awards_has_no_period():
    empty = Options((), (), ())
    state, notices = parse_query({"from": "2020", "country": "NL"}, empty)
    assert state == FilterState(None, None)
    assert len(notices) == 1  # the country; years are simply not applicable


@pytest.mark.parametrize(
    "state",
    [
        DEFAULT,
        FilterState(2021, 2024, ("DE", "NL"), ("vet",)),
        FilterState(2018, 2020, (), ("employer", "higher_education")),
        FilterState(2025, 2025, ("ES",), ()),
    ],
)
def test_query_string_round_trip(state):
    assert parse_query(to_query(state, OPTIONS), OPTIONS) == (state, [])


def test_default_view_has_an_empty_query_string():
    assert to_query(DEFAULT, OPTIONS) == {}
    assert to_query(FilterState(2021, 2025, ("NL",)), OPTIONS) == {"from": "2021", "country": "NL"}


def test_full_range_means_no_period_filter_like_the_cli():
    assert DEFAULT.to_filters(OPTIONS) == Filters()
    assert FilterState(2020, 2025, ("NL",)).to_filters(OPTIONS) == Filters(2020, None, ("NL",), ())
    assert FilterState(2020, 2023).to_filters(OPTIONS) == Filters(2020, 2023)


# --- Region, ISCED-F field and EQF level ------------------------------------------------------------

FULL = Options(
    years=(2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025),
    countries=("DE", "ES", "NL"),
    provider_types=("employer", "higher_education", "vet"),
    regions=("DE21", "NL32", "NL33"),
    fields=("04", "06", "10"),
    eqf_levels=(4, 5, 6),
    region_names=(("NL32", "Noord-Holland"),),
)


def test_region_field_and_eqf_are_read_and_normalised():
    state, notices = parse_query({"region": "nl33,NL32", "field": "6,10", "eqf": "EQF5,4"}, FULL)
    assert notices == []
    assert (state.regions, state.fields, state.eqf_levels) == (("NL32", "NL33"), ("06", "10"), (4, 5))
    assert state.to_filters(FULL) == Filters(regions=("NL32", "NL33"), fields=("06", "10"), eqf_levels=(4, 5))


@pytest.mark.parametrize(
    ("params", "what"),
    [
        ({"region": "XX11"}, "region"),
        ({"field": "99"}, "field"),
        ({"field": "06' or '1'='1"}, "field"),
        ({"eqf": "9"}, "EQF level"),
        ({"eqf": "5;drop table mart_award"}, "EQF level"),
        ({"eqf": "99999999999999999999999"}, "EQF level"),
        ({"region": "NL32" * 200}, "region"),
    ],
)
def test_bad_region_field_or_eqf_falls_back_to_all_with_a_notice(params, what):
    state, notices = parse_query(params, FULL)
    assert state == FilterState(2018, 2025)
    assert len(notices) == 1 and what in notices[0] and len(notices[0]) < 200


@pytest.mark.parametrize(
    "state",
    [
        FilterState(2020, 2024, ("NL",), (), ("NL32",), ("06",), (5, 6)),
        FilterState(2018, 2025, (), ("vet",), (), ("04", "10"), ()),
        FilterState(2025, 2025, (), (), ("DE21", "NL33"), (), (4,)),
    ],
)
def test_query_string_round_trip_with_every_filter(state):
    assert parse_query(to_query(state, FULL), FULL) == (state, [])


def test_the_view_names_only_the_filters_that_narrow_it():
    assert FilterState(2018, 2025).describe() == "2018–2025 · all countries · all provider types"
    text = FilterState(2020, 2021, ("NL",), (), ("NL32",), ("06",), (5,)).describe()
    assert text == "2020–2021 · NL · all provider types · region NL32 · field 06 · EQF 5"
    assert FULL.region_label("NL32") == "NL32 – Noord-Holland" and FULL.region_label("NL33") == "NL33"


def test_page_choices_from_the_url():
    from dashboard.filters import parse_choice

    allowed = ("TRU-1", "TRU-4")
    assert parse_choice({}, "ind", allowed, "TRU-1", "indicator") == ("TRU-1", [])
    assert parse_choice({"ind": "tru-4"}, "ind", allowed, "TRU-1", "indicator") == ("TRU-4", [])
    value, notices = parse_choice({"ind": "TRU-4'; drop table x"}, "ind", allowed, "TRU-1", "indicator")
    assert value == "TRU-1" and len(notices) == 1 and notices[0].count("`") == 2
