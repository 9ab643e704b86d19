"""How values read on screen: a suppressed figure must never look like a zero."""

from __future__ import annotations

import pytest

from dashboard.formatting import country_label, format_growth, format_value, period_label, provider_type_label


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
