"""The board report's colours keep a contrast of at least 4.5:1 (WCAG AA) and an unknown provider id is
one sentence suggesting close ids; hand-built inputs, no warehouse."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.programmes import charts, report

pytestmark = pytest.mark.unit


def _luminance(colour: str | tuple[int, int, int]) -> float:
    rgb = colour if isinstance(colour, tuple) else tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_helper_matches_known_ratios():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize(
    ("text", "ground"),
    [
        (report.INK, "#FFFFFF"),
        (report.MUTED, "#FFFFFF"),
        (report.INK, report.HEAD_FILL),
        (charts.TEXT_DARK, "#FFFFFF"),
        (charts.TEXT_MUTED, "#FFFFFF"),
        *[(charts.TEXT_DARK, c) for c in charts.HEATMAP_RANGE],  # heat-map cells (was black on navy)
        ("#222222", "#EBEEF2"),  # HTML table headings
        ("#4D4D4D", "#FFFFFF"),  # HTML notes
    ],
)
def test_text_contrast_is_at_least_4_5(text, ground):
    assert contrast(text, ground) >= 4.5


def test_heatmap_interpolation_stays_light():
    """Vega interpolates between the range colours: every point between them keeps the contrast."""
    stops = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in charts.HEATMAP_RANGE]
    for a, b in zip(stops, stops[1:], strict=False):
        for t in (0.25, 0.5, 0.75):
            mixed = tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
            assert contrast(charts.TEXT_DARK, mixed) >= 4.5


def test_chart_config_uses_the_dark_text():
    assert charts.CHART_CONFIG["axis"]["labelColor"] == charts.TEXT_DARK
    assert charts.CHART_CONFIG["title"]["subtitleColor"] == charts.TEXT_MUTED


KNOWN = pl.DataFrame(
    {
        "provider_id": ["PRV-00043", "PRV-00010", "PRV-00777"],
        "provider_name": ["Linden Academy 2", "Alpina Academy", "Harbour College"],
    }
)


@pytest.mark.parametrize(
    ("asked", "suggested"),
    [("PRV-0043", "PRV-00043"), ("prv-00010", "PRV-00010"), ("alpina academy", "PRV-00010")],
)
def test_unknown_provider_suggests_close_ids(asked, suggested):
    message = str(report.unknown_provider(asked, KNOWN))
    assert f"no provider {asked!r}" in message and "did you mean" in message
    assert suggested in message.split("did you mean", 1)[1]
    assert "`mco providers`" in message


def test_unknown_provider_without_a_close_id_is_one_sentence():
    message = str(report.unknown_provider("NOPE", KNOWN))
    assert "did you mean" not in message and message.endswith(".") and message.count(".") == 1
