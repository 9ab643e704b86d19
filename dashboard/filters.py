"""Sidebar filters (period, country, provider type) kept in step with the URL query string.

A view's URL reproduces the view (DOMAIN.md §6), e.g. `?from=2021&to=2024&country=NL,DE&ptype=vet`.
Values from a URL are untrusted: `parse_query` (pure, no Streamlit) accepts only codes the warehouse
knows and years in its range, and falls back to the default with a notice otherwise, so a stale or
hostile link never raises and never reaches SQL as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dashboard.formatting import country_label, period_label, provider_type_label
from pipelines.indicators.engine import Filters

PARAM_FROM, PARAM_TO, PARAM_COUNTRY, PARAM_PTYPE = "from", "to", "country", "ptype"
PARAMS = (PARAM_FROM, PARAM_TO, PARAM_COUNTRY, PARAM_PTYPE)
MAX_PARAM_CHARS = 300  # longer than any legitimate list of codes
_YEAR = re.compile(r"[0-9]{4}")

# Session-state keys of the sidebar widgets.
KEY_YEARS, KEY_COUNTRIES, KEY_PTYPES = "flt_years", "flt_countries", "flt_ptypes"
KEY_NOTICES = "flt_notices"


@dataclass(frozen=True)
class Options:
    """The values the filters may take, read from the warehouse."""

    years: tuple[int, ...]
    countries: tuple[str, ...]
    provider_types: tuple[str, ...]

    @classmethod
    def from_mapping(cls, options: Mapping[str, Sequence]) -> Options:
        return cls(
            tuple(sorted(int(y) for y in options.get("years", ()))),
            tuple(sorted(str(c) for c in options.get("countries", ()) if c)),
            tuple(sorted(str(t) for t in options.get("provider_types", ()) if t)),
        )

    @property
    def first_year(self) -> int | None:
        return self.years[0] if self.years else None

    @property
    def last_year(self) -> int | None:
        return self.years[-1] if self.years else None


@dataclass(frozen=True)
class FilterState:
    """What the user chose; empty tuples mean "all"."""

    year_from: int | None
    year_to: int | None
    countries: tuple[str, ...] = ()
    provider_types: tuple[str, ...] = ()

    @classmethod
    def default(cls, options: Options) -> FilterState:
        return cls(options.first_year, options.last_year)

    def to_filters(self, options: Options) -> Filters:
        """Engine filters; the full data range becomes "no period filter", exactly what the CLI runs."""
        return Filters(
            year_from=None if self.year_from == options.first_year else self.year_from,
            year_to=None if self.year_to == options.last_year else self.year_to,
            countries=self.countries,
            provider_types=self.provider_types,
        )

    def describe(self) -> str:
        countries = ", ".join(self.countries) if self.countries else "all countries"
        types = (
            ", ".join(provider_type_label(t) for t in self.provider_types)
            if self.provider_types
            else "all provider types"
        )
        return f"{period_label(self.year_from, self.year_to)} · {countries} · {types}"


def _shown(text: str, limit: int = 24) -> str:
    """A user-supplied value made safe to echo inside a Markdown code span, and short."""
    cleaned = "".join(ch for ch in text if ch.isprintable() and ch not in "`\\")
    return cleaned[:limit] + ("…" if len(cleaned) > limit else "") or "(empty)"


def _raw(params: Mapping[str, str | Sequence[str]], key: str) -> list[str]:
    """All values given for a key: repeated keys and comma-separated lists both count."""
    raw = params.get(key)
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else [str(r) for r in raw]
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def _year(params, key: str, default: int | None, options: Options, notices: list[str]) -> int | None:
    values = _raw(params, key)
    if not values or default is None:
        return default
    text, first, last = values[-1], options.first_year, options.last_year
    if len(values) == 1 and _YEAR.fullmatch(text) and first <= int(text) <= last:  # type: ignore[operator]
        return int(text)
    label = "start" if key == PARAM_FROM else "end"
    notices.append(
        f"Period {label} `{_shown(','.join(values))}` is not a year with data "
        f"({first}–{last}); showing {default} instead."
    )
    return default


def _codes(
    params, key: str, allowed: Sequence[str], normalise, what: tuple[str, str], notices: list[str]
) -> tuple[str, ...]:
    """Known codes in the order of `allowed`; `what` is the filter's name, singular and plural."""
    one, many = what
    values = _raw(params, key)
    if not values:
        return ()
    if sum(len(v) for v in values) > MAX_PARAM_CHARS:
        notices.append(f"The {one} filter in the link is too long; showing all {many} instead.")
        return ()
    known = {normalise(v) for v in values} & set(allowed)
    unknown = [v for v in values if normalise(v) not in known]
    if unknown:
        shown = ", ".join(f"`{_shown(v)}`" for v in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        fallback = "the others are shown" if known else f"showing all {many} instead"
        notices.append(f"Unknown {one} code {shown} in the link was ignored; {fallback}.")
    return tuple(code for code in allowed if code in known)


def parse_query(params: Mapping[str, str | Sequence[str]], options: Options) -> tuple[FilterState, list[str]]:
    """Filters from URL query parameters, plus notices about anything that was not usable."""
    notices: list[str] = []
    year_from = _year(params, PARAM_FROM, options.first_year, options, notices)
    year_to = _year(params, PARAM_TO, options.last_year, options, notices)
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from
        notices.append(f"The period in the link was reversed; showing {year_from}–{year_to}.")
    countries = _codes(params, PARAM_COUNTRY, options.countries, str.upper, ("country", "countries"), notices)
    types = _codes(
        params, PARAM_PTYPE, options.provider_types, str.lower, ("provider type", "provider types"), notices
    )
    return FilterState(year_from, year_to, countries, types), notices


def to_query(state: FilterState, options: Options) -> dict[str, str]:
    """The canonical query string of a view: only what differs from the default, so links stay short."""
    query: dict[str, str] = {}
    if state.year_from is not None and state.year_from != options.first_year:
        query[PARAM_FROM] = str(state.year_from)
    if state.year_to is not None and state.year_to != options.last_year:
        query[PARAM_TO] = str(state.year_to)
    if state.countries:
        query[PARAM_COUNTRY] = ",".join(state.countries)
    if state.provider_types:
        query[PARAM_PTYPE] = ",".join(state.provider_types)
    return query


# --- Streamlit part -------------------------------------------------------------------------------


def _clear_notices() -> None:
    import streamlit as st

    st.session_state[KEY_NOTICES] = []


def _reset(options: Options) -> None:
    import streamlit as st

    if len(options.years) > 1:
        st.session_state[KEY_YEARS] = (options.first_year, options.last_year)
    st.session_state[KEY_COUNTRIES] = []
    st.session_state[KEY_PTYPES] = []
    st.session_state[KEY_NOTICES] = []


def sidebar_filters(options: Options) -> FilterState:
    """Render the filters in the sidebar, seeded once per session from the URL, and keep the URL current.

    Widgets keep their state across page switches (`persist_state="session"`), so coming back from the
    methodology page restores the view and its URL.
    """
    import streamlit as st

    if KEY_COUNTRIES not in st.session_state:
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        state, notices = parse_query(params, options)
        if len(options.years) > 1:
            st.session_state[KEY_YEARS] = (state.year_from, state.year_to)
        st.session_state[KEY_COUNTRIES] = list(state.countries)
        st.session_state[KEY_PTYPES] = list(state.provider_types)
        st.session_state[KEY_NOTICES] = notices

    with st.sidebar:
        st.header("Filters")
        if len(options.years) > 1:
            year_from, year_to = st.slider(
                "Period (calendar year)",
                min_value=options.first_year,
                max_value=options.last_year,
                step=1,
                key=KEY_YEARS,
                on_change=_clear_notices,
                persist_state="session",
                help="Year of the award; some indicators use another period basis (see Methodology).",
            )
        else:
            year_from = year_to = options.first_year
            st.caption(f"Period: {period_label(year_from, year_to)} (the only year with data)")
        countries = st.multiselect(
            "Country of the awarding body",
            options.countries,
            key=KEY_COUNTRIES,
            format_func=country_label,
            placeholder="All countries",
            select_all=False,  # an empty selection already means all
            on_change=_clear_notices,
            persist_state="session",
        )
        types = st.multiselect(
            "Provider type",
            options.provider_types,
            key=KEY_PTYPES,
            format_func=provider_type_label,
            placeholder="All provider types",
            select_all=False,
            on_change=_clear_notices,
            persist_state="session",
        )
        st.button("Reset filters", on_click=_reset, args=(options,), width="stretch")

    for notice in st.session_state.get(KEY_NOTICES, []):
        st.warning(notice, icon=":material/link_off:")

    state = FilterState(
        year_from,
        year_to,
        tuple(c for c in options.countries if c in countries),
        tuple(t for t in options.provider_types if t in types),
    )
    wanted = to_query(state, options)
    current = {key: ",".join(st.query_params.get_all(key)) for key in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)
    return state
