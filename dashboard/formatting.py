"""How figures and codes are written on screen, in one place so tiles, tables and tooltips agree.

Pure functions (no Streamlit), so the wording of flags and units is unit-testable.
"""

from __future__ import annotations

from pipelines.codes import FIELD_NAMES
from pipelines.disclosure import FLAG_LEGEND, NOT_APPLICABLE_TEXT, SUPPRESSED_TEXT, flag_text
from pipelines.indicators.registry import BY_ID, DIMENSION_NAMES
from pipelines.settings import settings

SUPPRESSED = SUPPRESSED_TEXT
NOT_APPLICABLE = NOT_APPLICABLE_TEXT
FLAG_HELP = FLAG_LEGEND  # the short legend beside a table's flag column

# The flags figures carry, as the pages and chart downloads word them (pipelines/disclosure.py).
FLAG_MEANINGS = {
    "c": flag_text("c"),
    "z": flag_text("z", "no denominator, or not defined for this view"),
}
CHART_NOTES = {"c": SUPPRESSED, "z": f"{NOT_APPLICABLE} (z)"}  # how a chart labels a cell without a value
SECONDARY_REASON = (
    "secondary suppression: hidden so that another suppressed cell cannot be recovered by subtraction"
)
NOT_APPLICABLE_REASON = "not applicable: nothing to compute (no eligible records, or no previous year)"

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


# The engine's breakdowns as the dashboard names them (singular, for axis titles and selectors).
BREAKDOWN_LABELS = {
    "overall": "All",
    "year": "Year",
    "country": "Country",
    "region": "Region (NUTS 2)",
    "provider_type": "Provider type",
    "provider": "Provider",
    "field": "Field (ISCED-F)",
    "eqf_level": "EQF level",
    "format": "Format",
    "participation_form": "Form of participation",
    "purpose": "Purpose",
    "sex": "Sex",
    "age_band": "Age band",
    "country_year": "Country and year",
    "region_year": "Region and year",
    "provider_type_year": "Provider type and year",
}
# The same, inside a sentence ("… by region (NUTS 2)"): acronyms keep their capitals.
BREAKDOWN_NOUNS = {
    by: label if label.split(" ")[0].isupper() else label[0].lower() + label[1:]
    for by, label in BREAKDOWN_LABELS.items()
}
CODE_LABELS = {
    "format": {
        "paper_certificate": "Paper certificate",
        "digital_certificate": "Digital certificate",
        "digital_badge": "Digital badge",
    },
    "participation_form": {"online": "Online", "onsite": "Onsite", "blended": "Blended"},
    "purpose": {"new_learning": "New learning", "prior_learning": "Prior learning (VPL)"},
    "sex": {"F": "Women", "M": "Men", "X": "Other / not stated"},
    "vpl_outcome": {
        "exemption": "Exemption from part of a programme",
        "access": "Access to a programme",
        "shortened_duration": "Shorter study duration",
        "partial_qualification": "Partial qualification",
        "full_qualification": "Full qualification",
        "visibility": "Visibility of skills only",
    },
}

DIMENSION_LABELS = DIMENSION_NAMES  # one naming of the dimensions, from the registry

DIMENSION_INTROS = {
    "adoption": "Volume and reach: how many micro-credentials are awarded, to how many learners, by how many "
    "providers.",
    "trust": "Trust in alternative credentials across education, the labour market and society: quality "
    "assurance, verifiability, third-party checks.",
    "transparency": "Transparency about learning outcomes: whether credential specifications state the "
    "mandatory elements of the EU standard (Council Recommendation 2022/C 243/02, Annex I).",
    "innovation": "Innovation in education is encouraged rather than hindered: new kinds of providers, "
    "flexible delivery, digital and open-standard credentials.",
    "flexibility": "Flexibility for learners in choosing learning pathways: stacking, progression to "
    "qualifications, validation of prior learning.",
    "outcomes": "What happens to learners on the labour market after an award: employment, employment "
    "gain, earnings and related jobs. Read every figure beside its coverage (OUT-5): only learners with an "
    "employment observation count.",
    "inclusion": "Whether micro-credentials reach adults, older and low-qualified learners and the "
    "unemployed, and the gaps between groups in stacking and employment.",
}

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


TILE_SUPPRESSED = "suppressed"  # the flag letter, linked to the Glossary, is in the caption below


def tile_value(value: float | None, unit: str, flag: str | None = None) -> str:
    """A value short enough for a tile's large type (nothing cut off at 1440 or 390 px): as
    `format_value`, with the long units abbreviated and a suppressed value in one word."""
    if flag == "c":
        return TILE_SUPPRESSED
    if flag == "z" or value is None:
        return format_value(value, unit, flag)
    if unit == "EUR/month":
        return f"€{value:,.0f}"
    if unit == "per 1,000":
        return f"{value:.2f}"  # the unit is written out under the figure ("per 1,000 residents")
    if unit == "months":
        return f"{value:,.1f} mo"
    return format_value(value, unit, flag)


TILE_UNITS = {"EUR/month": "€ per month", "per 1,000": "per 1,000 residents", "months": "mo = months"}
PARITY = "1 = parity"  # how a participation ratio reads: 1 means the group takes part as often as its share


def is_parity_ratio(indicator_id: str) -> bool:
    """A ratio of a group's share to its share of the population (INC-2), where 1 means parity; other
    ratios (awards per learner) are plain quotients."""
    ind = BY_ID.get(indicator_id)
    return ind is not None and ind.unit == "ratio" and "parity" in ind.definition


def unit_note(indicator_id: str) -> str:
    """The short reading aid under a tile: what its unit means."""
    ind = BY_ID.get(indicator_id)
    if ind is None:
        return ""
    if is_parity_ratio(indicator_id):
        return PARITY
    return TILE_UNITS.get(ind.unit, "")


PP_FIRST = "Changes in shares are in percentage points (pp): 45 % to 47 % is +2 pp."
VERDICT_BADGES = {"on_track": "blue", "met": "green", "off_track": "orange", "no_data": "gray"}
VERDICT_WORDS = {"on_track": "on track", "off_track": "off track", "met": "met", "no_data": "no data"}
NO_DATA_WHY = {
    "no_complete_year": "no complete year with a published value yet",
    "too_few_years": "fewer than two complete years for a trend",
}


def difference_unit(unit: str) -> str:
    """The unit of a difference of two values: percentage points for percentages."""
    return "pp" if unit in ("%", "pp") else unit


def format_gap(gap: float | None, unit: str) -> str:
    """How far a target is missed (positive) or passed (zero or negative), in the indicator's unit."""
    if gap is None:
        return ""
    size = abs(gap)
    if unit in ("%", "pp"):
        amount = f"{size:.1f} pp"
    elif unit in ("ratio", "per 1,000"):
        amount = f"{size:.2f}" + (" per 1,000" if unit == "per 1,000" else "")
    else:
        amount = format_value(size, unit)
    return f"{amount} short of it" if gap > 0 else f"{amount} beyond it" if gap < 0 else "exactly on it"


def trajectory_text(t: dict, unit: str) -> str:
    """A target read as a trajectory in one line: target, verdict, projection and gap, all countries."""
    sign = "≤" if t["direction"] == "down" else "≥"
    head = f"Target {sign} {format_value(t['target_value'], unit)} by {t['target_year']}"
    verdict = t["verdict"]
    if verdict == "no_data":
        return f"{head}: no data ({NO_DATA_WHY.get(t['why'], t['why'] or 'no published value')})"
    latest = f"{format_value(t['latest_value'], unit)} in {t['latest_year']}"
    if verdict == "met":
        return f"{head}: met ({latest})"
    projected = (
        f"projected {format_value(t['projected_value'], unit)} in {max(t['target_year'], t['latest_year'])}"
    )
    return f"{head}: {VERDICT_WORDS[verdict]} ({latest}; {projected}, {format_gap(t['gap'], unit)})"


def format_growth(value: float | None, year: int | str) -> str | None:
    """The ADO-2 delta under the awards tile, e.g. "+12.5 % in 2024" (on 2023); None when not available."""
    if value is None:
        return None
    return f"{value:+.1f} % in {int(year)}"


def format_delta(change: float | None, unit: str, year: int | str) -> str | None:
    """A change on the previous year under a tile, e.g. "+1.2 pp in 2025"; None when not available.

    Counts change in percent, shares in percentage points, other units in their own unit.
    """
    if change is None:
        return None
    digits = 2 if unit in ("ratio", "per 1,000") else 0 if unit == "EUR/month" else 1
    if round(change, digits) == 0:  # no "-0.0": an unchanged figure reads as unchanged
        zero = {2: "0.00", 0: "0", 1: "0.0"}[digits]
        suffix = {
            "count": "%",
            "%": "pp",
            "pp": "pp",
            "ratio": "",
            "per 1,000": "",
            "EUR/month": "€/month",
        }.get(unit, unit)
        return f"{zero} {suffix} in {int(year)}".replace("  ", " ")
    if unit in ("count", "%"):
        suffix = "%" if unit == "count" else "pp"
        return f"{change:+.1f} {suffix} in {int(year)}"
    if unit == "pp":
        return f"{change:+.1f} pp in {int(year)}"
    if unit in ("ratio", "per 1,000"):
        return f"{change:+.2f} in {int(year)}"
    if unit == "EUR/month":
        return f"{change:+,.0f} €/month in {int(year)}"
    return f"{change:+,.1f} {unit} in {int(year)}"


def flag_reason(indicator_id: str | None, flag: str | None, suppression: str | None = None) -> str:
    """Why a cell carries no value, in words: which disclosure rule hid it, or why it does not apply."""
    if flag == "z":
        return NOT_APPLICABLE_REASON
    if flag != "c":
        return ""
    if suppression == "secondary":
        return SECONDARY_REASON
    rules = settings().disclosure
    ind = BY_ID.get(indicator_id or "")
    if ind is None:
        return f"suppressed: fewer than {rules.min_denominator} records behind the share"
    if ind.kind == "quantile":
        return f"suppressed: fewer than {rules.min_contributors} contributors"
    if ind.kind == "gap":
        return f"suppressed: one of the two groups has fewer than {rules.min_denominator} records"
    if ind.people or ind.kind in ("count", "sum", "per_capita"):
        return f"suppressed: fewer than {rules.min_people} people"
    return f"suppressed: denominator below {rules.min_denominator}"


def field_label(code: str) -> str:
    name = FIELD_NAMES.get(code)
    return f"{code} – {name}" if name else code


def eqf_label(level: int | str) -> str:
    return f"EQF {level}"


def breakdown_value_label(by: str, value: str | None, region_names: dict[str, str] | None = None) -> str:
    """How one cell of a breakdown is named on screen (the code stays in downloads beside it)."""
    if value is None:
        return "Unknown"
    if value == "unknown":
        return "Unknown / not stated"
    if by == "country":
        return country_label(value)
    if by == "region":
        name = (region_names or {}).get(value)
        return f"{value} – {name}" if name else value
    if by == "provider_type":
        return provider_type_label(value)
    if by == "field":
        return field_label(value)
    if by == "eqf_level":
        return eqf_label(value)
    if by in CODE_LABELS:
        return CODE_LABELS[by].get(value, value.replace("_", " ").capitalize())
    return value


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
