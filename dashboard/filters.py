"""Sidebar filters (period, country, region, provider type, field, EQF level) kept in step with the URL.

A view's URL reproduces the view (DOMAIN.md §6), e.g.
`?from=2021&to=2024&country=NL,DE&ptype=vet&region=NL32&field=06&eqf=5,6`.
Values from a URL are untrusted: `parse_query` (pure, no Streamlit) accepts only codes the warehouse
knows and years in its range, and falls back to the default with a notice otherwise, so a stale or
hostile link never raises and never reaches SQL as text. `url_choice` does the same for a page's own
selectors (which indicator, which breakdown).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dashboard.formatting import (
    country_label,
    eqf_label,
    field_label,
    period_label,
    provider_type_label,
)
from pipelines.indicators.engine import Filters

PARAM_FROM, PARAM_TO, PARAM_COUNTRY, PARAM_PTYPE = "from", "to", "country", "ptype"
PARAM_REGION, PARAM_FIELD, PARAM_EQF = "region", "field", "eqf"
PARAMS = (PARAM_FROM, PARAM_TO, PARAM_COUNTRY, PARAM_PTYPE, PARAM_REGION, PARAM_FIELD, PARAM_EQF)
MAX_PARAM_CHARS = 300  # longer than any legitimate list of codes
_YEAR = re.compile(r"[0-9]{4}")

# Session-state keys of the sidebar widgets.
KEY_YEARS, KEY_COUNTRIES, KEY_PTYPES = "flt_years", "flt_countries", "flt_ptypes"
KEY_REGIONS, KEY_FIELDS, KEY_EQF = "flt_regions", "flt_fields", "flt_eqf"
KEY_NOTICES = "flt_notices"
KEY_PAGE_NOTICES = "flt_page_notices"


@dataclass(frozen=True)
class Options:
    """The values the filters may take, read from the warehouse."""

    years: tuple[int, ...]
    countries: tuple[str, ...]
    provider_types: tuple[str, ...]
    regions: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # ISCED-F broad fields, "00" to "10"
    eqf_levels: tuple[int, ...] = ()
    region_names: tuple[tuple[str, str], ...] = ()  # (NUTS 2 code, name), for labels

    @classmethod
    def from_mapping(cls, options: Mapping[str, Sequence]) -> Options:
        names = options.get("region_names", ())
        pairs = names.items() if isinstance(names, Mapping) else names
        return cls(
            tuple(sorted(int(y) for y in options.get("years", ()))),
            tuple(sorted(str(c) for c in options.get("countries", ()) if c)),
            tuple(sorted(str(t) for t in options.get("provider_types", ()) if t)),
            tuple(sorted(str(r) for r in options.get("regions", ()) if r)),
            tuple(sorted(str(f) for f in options.get("fields", ()) if f)),
            tuple(sorted(int(e) for e in options.get("eqf_levels", ()) if e is not None)),
            tuple(sorted((str(k), str(v)) for k, v in pairs if k)),
        )

    def region_label(self, code: str) -> str:
        name = dict(self.region_names).get(code)
        return f"{code} – {name}" if name else code

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
    regions: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    eqf_levels: tuple[int, ...] = ()

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
            regions=self.regions,
            fields=self.fields,
            eqf_levels=self.eqf_levels,
        )

    def describe(self) -> str:
        """The view in words; region, field and EQF level are named only when they narrow the view."""
        countries = ", ".join(self.countries) if self.countries else "all countries"
        types = (
            ", ".join(provider_type_label(t) for t in self.provider_types)
            if self.provider_types
            else "all provider types"
        )
        parts = [period_label(self.year_from, self.year_to), countries, types]
        if self.regions:
            parts.append("region " + ", ".join(self.regions))
        if self.fields:
            parts.append("field " + ", ".join(self.fields))
        if self.eqf_levels:
            parts.append("EQF " + ", ".join(str(level) for level in self.eqf_levels))
        return " · ".join(parts)


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
    regions = _codes(params, PARAM_REGION, options.regions, str.upper, ("region", "regions"), notices)
    fields = _codes(params, PARAM_FIELD, options.fields, _field_code, ("field", "fields"), notices)
    levels = _codes(
        params,
        PARAM_EQF,
        [str(e) for e in options.eqf_levels],
        _eqf_code,
        ("EQF level", "EQF levels"),
        notices,
    )
    state = FilterState(year_from, year_to, countries, types, regions, fields, tuple(int(e) for e in levels))
    return state, notices


def _field_code(text: str) -> str:
    """ISCED-F broad field: "6" and "06" are the same field."""
    return text.zfill(2) if text.isascii() and text.isdigit() and len(text) <= 2 else text


def _eqf_code(text: str) -> str:
    """EQF level: "5", "05" and "EQF5" are the same level."""
    digits = text[3:] if text.upper().startswith("EQF") else text
    digits = digits.strip()
    return str(int(digits)) if digits.isascii() and digits.isdigit() and len(digits) <= 2 else text


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
    if state.regions:
        query[PARAM_REGION] = ",".join(state.regions)
    if state.fields:
        query[PARAM_FIELD] = ",".join(state.fields)
    if state.eqf_levels:
        query[PARAM_EQF] = ",".join(str(level) for level in state.eqf_levels)
    return query


def parse_choice(
    params: Mapping[str, str | Sequence[str]], key: str, allowed: Sequence[str], default: str, what: str
) -> tuple[str, list[str]]:
    """One page selector from the URL (e.g. `ind=TRU-4`): a known value, or the default with a notice."""
    values = _raw(params, key)
    if not values:
        return default, []
    if len(values) == 1 and values[0] in allowed:
        return values[0], []
    upper = {a.upper(): a for a in allowed}
    if len(values) == 1 and values[0].upper() in upper:
        return upper[values[0].upper()], []
    shown = _shown(",".join(values))
    return default, [f"Unknown {what} `{shown}` in the link was ignored; showing the default instead."]


# --- Streamlit part -------------------------------------------------------------------------------
#
# The view is kept twice in the session: in the widgets' own keys, and in a plain dict (KEY_SAVED) that
# Streamlit never clears. Each run copies the saved values back into the widget keys before drawing the
# widgets, and each change (a widget's on_change) copies the new value into the dict. Widget state alone
# is not enough: Streamlit drops it on the first page switch of a session when the widgets were seeded
# from the URL, which would silently reset the filters of the next page.

KEY_SAVED = "flt_saved"


def _saved() -> dict:
    import streamlit as st

    return st.session_state.setdefault(KEY_SAVED, {})


def _remember(key: str) -> None:
    """on_change of a filter or selector: keep its new value, and forget notices about the old link."""
    import streamlit as st

    _saved()[key] = st.session_state[key]
    st.session_state[KEY_NOTICES] = []


def _restore(key: str) -> None:
    import streamlit as st

    saved = _saved()
    if key in saved:
        st.session_state[key] = saved[key]


def _reset(options: Options) -> None:
    import streamlit as st

    defaults = {
        KEY_COUNTRIES: [],
        KEY_PTYPES: [],
        KEY_REGIONS: [],
        KEY_FIELDS: [],
        KEY_EQF: [],
    }
    if len(options.years) > 1:
        defaults[KEY_YEARS] = (options.first_year, options.last_year)
    for key, value in defaults.items():
        st.session_state[key] = value
        _saved()[key] = value
    st.session_state[KEY_NOTICES] = []


def sync_query(wanted: Mapping[str, str], owned: Sequence[str]) -> None:
    """Make the URL carry `wanted` for the parameters in `owned`, leaving other parameters alone."""
    import streamlit as st

    current = {key: st.query_params.get_all(key) for key in st.query_params}
    merged: dict[str, str | list[str]] = {
        key: values if len(values) != 1 else values[0] for key, values in current.items() if key not in owned
    }
    merged.update(wanted)
    if merged != {key: values if len(values) != 1 else values[0] for key, values in current.items()}:
        st.query_params.from_dict(merged)


def url_choice(key: str, param: str, allowed: Sequence[str], default: str, what: str) -> None:
    """Seed a page selector from the URL once per session (with a notice if unusable), else restore it.

    A saved choice that this page cannot offer (say a breakdown the newly chosen indicator lacks) falls
    back to the default silently. Draw the selector with `on_change=remember, args=(key,)`.
    """
    import streamlit as st

    saved = _saved()
    seeded = saved.setdefault("_seeded", set())
    if key in seeded:
        value = saved.get(key) if saved.get(key) in allowed else default
    else:
        params = {k: st.query_params.get_all(k) for k in st.query_params}
        value, notices = parse_choice(params, param, allowed, default, what)
        seeded.add(key)
        if notices:
            st.session_state[KEY_PAGE_NOTICES] = [*st.session_state.get(KEY_PAGE_NOTICES, []), *notices]
    st.session_state[key] = saved[key] = value


def url_flag(key: str, param: str, what: str) -> None:
    """Like `url_choice` for an on/off switch: `param=1` in the URL turns it on."""
    import streamlit as st

    saved = _saved()
    seeded = saved.setdefault("_seeded", set())
    if key in seeded:
        value = bool(saved.get(key))
    else:
        params = {k: st.query_params.get_all(k) for k in st.query_params}
        text, notices = parse_choice(params, param, ("0", "1"), "0", what)
        value = text == "1"
        seeded.add(key)
        if notices:
            st.session_state[KEY_PAGE_NOTICES] = [*st.session_state.get(KEY_PAGE_NOTICES, []), *notices]
    st.session_state[key] = saved[key] = value


remember = _remember


def show_page_notices() -> None:
    """Notices about a page selector's URL value, shown once and then forgotten."""
    import streamlit as st

    for notice in st.session_state.pop(KEY_PAGE_NOTICES, []):
        st.warning(notice, icon=":material/link_off:")


def sidebar_filters(options: Options) -> FilterState:
    """Render the filters in the sidebar, seeded once per session from the URL, and keep the URL current.

    The filters keep their values across page switches (see KEY_SAVED above), so coming back from the
    methodology page restores the view and its URL.
    """
    import streamlit as st

    if KEY_SAVED not in st.session_state:
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        state, notices = parse_query(params, options)
        saved = {
            KEY_COUNTRIES: list(state.countries),
            KEY_PTYPES: list(state.provider_types),
            KEY_REGIONS: list(state.regions),
            KEY_FIELDS: list(state.fields),
            KEY_EQF: list(state.eqf_levels),
        }
        if len(options.years) > 1:
            saved[KEY_YEARS] = (state.year_from, state.year_to)
        st.session_state[KEY_SAVED] = saved
        st.session_state[KEY_NOTICES] = notices
    for key in (KEY_YEARS, KEY_COUNTRIES, KEY_PTYPES, KEY_REGIONS, KEY_FIELDS, KEY_EQF):
        _restore(key)

    with st.sidebar:
        st.header("Filters")
        if len(options.years) > 1:
            year_from, year_to = st.slider(
                "Period (calendar year)",
                min_value=options.first_year,
                max_value=options.last_year,
                step=1,
                key=KEY_YEARS,
                on_change=_remember,
                args=(KEY_YEARS,),
                help="Year of the award; some indicators use another period basis (see Methodology).",
            )
        else:
            year_from = year_to = options.first_year
            st.caption(f"Period: {period_label(year_from, year_to)} (the only year with data)")
        lists = (  # key, label, choices, how a choice reads, what no choice means
            (
                KEY_COUNTRIES,
                "Country of the awarding body",
                options.countries,
                country_label,
                "All countries",
            ),
            (
                KEY_REGIONS,
                "Region of the awarding body (NUTS 2)",
                options.regions,
                options.region_label,
                "All regions",
            ),
            (KEY_PTYPES, "Provider type", options.provider_types, provider_type_label, "All provider types"),
            (KEY_FIELDS, "Field of education (ISCED-F)", options.fields, field_label, "All fields"),
            (KEY_EQF, "EQF level", options.eqf_levels, eqf_label, "All levels"),
        )
        chosen = {
            key: st.multiselect(
                label,
                choices,
                key=key,
                format_func=shows,
                placeholder=none,
                args=(key,),
                select_all=False,  # an empty selection already means all
                on_change=_remember,
            )
            for key, label, choices, shows, none in lists
        }
        st.button("Reset filters", on_click=_reset, args=(options,), width="stretch")

    for notice in st.session_state.get(KEY_NOTICES, []):
        st.warning(notice, icon=":material/link_off:")

    state = FilterState(
        year_from,
        year_to,
        tuple(c for c in options.countries if c in chosen[KEY_COUNTRIES]),
        tuple(t for t in options.provider_types if t in chosen[KEY_PTYPES]),
        tuple(r for r in options.regions if r in chosen[KEY_REGIONS]),
        tuple(f for f in options.fields if f in chosen[KEY_FIELDS]),
        tuple(e for e in options.eqf_levels if e in chosen[KEY_EQF]),
    )
    sync_query(to_query(state, options), PARAMS)
    return state
