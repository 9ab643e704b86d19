"""CSV written for people to open in spreadsheets: cells that a spreadsheet would run as formulas are defused.

A text cell starting with = + - @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (OWASP "CSV injection"); a leading single quote makes it plain text.
Numeric, date and boolean columns are left alone, so figures keep their type.
"""

from __future__ import annotations

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every string cell that starts like a formula prefixed by a single quote."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )
