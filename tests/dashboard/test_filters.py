"""The URL query-string parser: a shared link reproduces the view, and no link can break the page."""

from __future__ import annotations

import pytest

from dashboard.filters import FilterState, Options, parse_query, to_query
from pipelines.indicators.engine import Filters

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
