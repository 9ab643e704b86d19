"""How figures and codes are written on screen, in one place so tiles, tables and tooltips agree.

Pure functions (no Streamlit), so the wording of flags and units is unit-testable.
"""

from __future__ import annotations

from pipelines.indicators.registry import DIMENSION_NAMES

SUPPRESSED = "suppressed (c)"
NOT_APPLICABLE = "n/a"

FLAG_MEANINGS = {
    "c": "confidential: suppressed by disclosure control",
    "z": "not applicable (no denominator, or not defined for this view)",
}

PROVIDER_TYPE_LABELS = {
    "higher_education": "Higher education",
    "vet": "Vocational education and training (VET)",
    "employer": "Employer",
    "sector_body": "Sector body",
    "private": "Private training provider",
    "public_body": "Public body",
    "ngo": "Non-governmental organisation",
}

# ISO 3166-1 alpha-2 names for the European countries the observatory covers; other codes show as is.
COUNTRY_NAMES = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "CH": "Switzerland", "CY": "Cyprus",
    "CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EE": "Estonia", "EL": "Greece", "ES": "Spain",
    "FI": "Finland", "FR": "France", "GR": "Greece", "HR": "Croatia", "HU": "Hungary", "IE": "Ireland",
    "IS": "Iceland", "IT": "Italy", "LI": "Liechtenstein", "LT": "Lithuania", "LU": "Luxembourg",
    "LV": "Latvia", "MT": "Malta", "NL": "Netherlands", "NO": "Norway", "PL": "Poland", "PT": "Portugal",
    "RO": "Romania", "SE": "Sweden", "SI": "Slovenia", "SK": "Slovakia", "UK": "United Kingdom",
    "GB": "United Kingdom",
}  # fmt: skip

DIMENSION_LABELS = DIMENSION_NAMES  # one naming of the dimensions, from the registry

UNIT_LABELS = {
    "count": "count",
    "%": "percent (%)",
    "ratio": "ratio",
    "pp": "percentage points",
    "ECTS": "ECTS credits",
    "months": "months",
    "EUR/month": "euro per month",
    "per 1,000": "per 1,000 residents",
}
DIRECTION_LABELS = {"up": "higher is better", "down": "lower is better", "none": "descriptive (no direction)"}


def format_value(value: float | None, unit: str, flag: str | None = None) -> str:
    """A published value with its unit; a suppressed value never reads as 0."""
    if flag == "c":
        return SUPPRESSED
    if flag == "z" or value is None:
        return NOT_APPLICABLE
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "pp":
        return f"{value:+.1f} pp"
    if unit in ("ratio", "per 1,000"):
        return f"{value:.2f}" + (" per 1,000" if unit == "per 1,000" else "")
    if unit in ("months", "ECTS"):
        return f"{value:,.1f} {unit}"
    if unit == "EUR/month":
        return f"€{value:,.0f}/month"
    return f"{value:,.0f}"


def format_growth(value: float | None, year: int | str) -> str | None:
    """The ADO-2 delta under the awards tile, e.g. "+12.5 % in 2024" (on 2023); None when not available."""
    if value is None:
        return None
    return f"{value:+.1f} % in {int(year)}"


def country_label(code: str) -> str:
    name = COUNTRY_NAMES.get(code)
    return f"{code} – {name}" if name else code


def provider_type_label(code: str) -> str:
    return PROVIDER_TYPE_LABELS.get(code, code.replace("_", " ").capitalize())


def period_label(year_from: int | None, year_to: int | None) -> str:
    if year_from is None and year_to is None:
        return "all years"
    if year_from == year_to:
        return str(year_from)
    return f"{year_from if year_from is not None else '…'}–{year_to if year_to is not None else '…'}"
