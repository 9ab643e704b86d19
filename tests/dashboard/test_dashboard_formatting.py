"""How values read on screen: a suppressed figure must never look like a zero."""

from __future__ import annotations

import pytest

from dashboard.formatting import country_label, format_growth, format_value, period_label, provider_type_label

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "unit", "flag", "text"),
    [
        (73.44, "%", None, "73.4 %"),
        (0.0, "%", None, "0.0 %"),
        (12345.0, "count", None, "12,345"),
        (2.4906, "ratio", None, "2.49"),
        (None, "%", "c", "suppressed (c)"),
        (0.0, "count", "c", "suppressed (c)"),  # even if a value slipped through unblanked
        (None, "%", "z", "n/a"),
        (None, "count", None, "n/a"),
    ],
)
def test_format_value(value, unit, flag, text):
    assert format_value(value, unit, flag) == text


def test_growth_delta_carries_its_sign_and_year():
    assert format_growth(17.84, "2025") == "+17.8 % in 2025"
    assert format_growth(-3.0, 2024) == "-3.0 % in 2024"
    assert format_growth(None, 2024) is None


def test_labels():
    assert country_label("NL") == "NL – Netherlands"
    assert country_label("QQ") == "QQ"
    assert provider_type_label("vet") == "Vocational education and training (VET)"
    assert provider_type_label("new_kind") == "New kind"
    assert period_label(2019, 2025) == "2019–2025"
    assert period_label(2022, 2022) == "2022"
    assert period_label(None, None) == "all years"


def test_change_on_last_year_reads_in_the_indicators_unit():
    from dashboard.formatting import format_delta

    assert format_delta(12.34, "count", 2025) == "+12.3 % in 2025"
    assert format_delta(-1.26, "%", "2024") == "-1.3 pp in 2024"
    assert format_delta(-0.04, "%", 2024) == "0.0 pp in 2024"  # never "-0.0"
    assert format_delta(0.031, "ratio", 2024) == "+0.03 in 2024"
    assert format_delta(-23.4, "EUR/month", 2024) == "-23 €/month in 2024"
    assert format_delta(None, "%", 2024) is None


def test_tile_values_abbreviate_long_units_but_never_hide_a_flag():
    from dashboard.formatting import tile_value

    assert tile_value(2906.4, "EUR/month") == "€2,906"
    assert tile_value(0.5912, "per 1,000") == "0.59"  # "per 1,000 residents" under it; no ‰
    assert tile_value(7.25, "months") == "7.2 mo"
    assert tile_value(39.14, "%") == "39.1 %"
    assert tile_value(None, "EUR/month", "c") == "suppressed"  # one word: the flag is in the caption
    assert tile_value(0.0, "months", "z") == "n/a"


def test_flag_reasons_name_the_rule():
    from dashboard.formatting import flag_reason

    assert flag_reason("TRU-1", "c", "primary") == "suppressed: denominator below 20"
    assert flag_reason("ADO-3", "c", "primary") == "suppressed: fewer than 10 people"
    assert flag_reason("OUT-3md", "c", "primary") == "suppressed: fewer than 10 contributors"
    assert "recovered by subtraction" in flag_reason("TRU-1", "c", "secondary")
    assert flag_reason("TRU-4", "z").startswith("not applicable")
    assert flag_reason("TRU-4", None) == ""


def test_breakdown_values_are_named():
    from dashboard.formatting import breakdown_value_label

    assert breakdown_value_label("country", "NL") == "NL – Netherlands"
    assert breakdown_value_label("region", "NL32", {"NL32": "Noord-Holland"}) == "NL32 – Noord-Holland"
    assert breakdown_value_label("field", "06") == "06 – Information and communication technologies"
    assert breakdown_value_label("eqf_level", "5") == "EQF 5"
    assert breakdown_value_label("sex", "F") == "Women"
    assert breakdown_value_label("format", "digital_badge") == "Digital badge"
    assert breakdown_value_label("age_band", "unknown") == "Unknown / not stated"


def test_a_target_reads_as_its_verdict_projection_and_gap_in_points():
    from dashboard.formatting import trajectory_text

    t = {
        "direction": "up",
        "target_value": 90.0,
        "target_year": 2030,
        "verdict": "off_track",
        "why": "",
        "latest_value": 31.7,
        "latest_year": 2025,
        "projected_value": 16.7,
        "gap": 73.3,
    }
    assert trajectory_text(t, "%") == (
        "Target ≥ 90.0 % by 2030: off track (31.7 % in 2025; projected 16.7 % in 2030, 73.3 pp short of it)"
    )
    assert (
        trajectory_text(t | {"verdict": "met", "gap": -2.0}, "%")
        == "Target ≥ 90.0 % by 2030: met (31.7 % in 2025)"
    )
    assert trajectory_text(t | {"verdict": "no_data", "why": "too_few_years"}, "%").endswith(
        "no data (fewer than two complete years for a trend)"
    )


def test_only_a_participation_ratio_reads_one_as_parity():
    from dashboard.formatting import unit_note

    assert unit_note("INC-2") == "1 = parity"
    assert unit_note("ADO-3b") == ""  # awards per learner is a plain quotient
    assert unit_note("ADO-4") == "per 1,000 residents"
