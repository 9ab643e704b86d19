"""CSV written for users defuses formula cells (OWASP CSV injection) and leaves figures alone."""

import io

import polars as pl
import pytest

from dashboard.exports import csv_bytes, read_csv
from pipelines.publish.csv_safe import neutralise

pytestmark = pytest.mark.unit

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]


@pytest.mark.parametrize("cell", HOSTILE)
def test_formula_cells_get_a_leading_quote(cell):
    out = neutralise(pl.DataFrame({"name": [cell]}))
    assert out["name"][0] == "'" + cell


def test_plain_text_nulls_and_numbers_are_untouched():
    frame = pl.DataFrame({"name": ["Data basics", None, "a=b"], "value": [-1.5, 2.0, None], "n": [-3, 4, 5]})
    out = neutralise(frame)
    assert out["name"].to_list() == ["Data basics", None, "a=b"]
    assert out["value"].to_list() == [-1.5, 2.0, None] and out.schema == frame.schema
    assert out["n"].to_list() == [-3, 4, 5]


def test_written_csv_has_no_cell_starting_with_a_formula():
    frame = pl.DataFrame({"title": HOSTILE, "value": list(range(len(HOSTILE)))})
    buffer = io.BytesIO()
    neutralise(frame).write_csv(buffer)
    back = pl.read_csv(io.BytesIO(buffer.getvalue()))
    assert not back["title"].str.contains(r"^[=+\-@\t\r]").any()
    assert back["value"].to_list() == list(range(len(HOSTILE)))


def test_dashboard_chart_download_is_neutralised():
    rows = pl.DataFrame({"label": ['=HYPERLINK("http://x","y")', "NL32"], "value": [1.0, -2.0]})
    _meta, back = read_csv(csv_bytes(rows, {"build_id": "b1"}))
    assert back["label"].to_list() == ['\'=HYPERLINK("http://x","y")', "NL32"]
    assert back["value"].to_list() == [1.0, -2.0]
