"""Streamlit pieces the pages draw the same way: a table and its columns, a CSV to download."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
import streamlit as st


def text(width: int | None = None, **kw) -> st.column_config.Column:
    return st.column_config.TextColumn(width=width, **kw)


def count(width: int | None = None, **kw) -> st.column_config.Column:
    """A column of counts, written with the reader's thousands separator."""
    return st.column_config.NumberColumn(width=width, format="localized", **kw)


def table(
    frame: pl.DataFrame,
    columns: Mapping[str, st.column_config.Column] | None = None,
    *,
    max_rows: int | None = None,
    height: int = 400,
    placeholder: str = "",
    **kw,
) -> None:
    """A table as the pages show one: no index, the page's width, an empty cell blank (`placeholder`),
    as tall as its rows; beyond `max_rows` rows, `height` pixels with a scroll bar."""
    tall = max_rows is not None and frame.height > max_rows
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=height if tall else "content",
        placeholder=placeholder,
        column_config=dict(columns or {}),
        **kw,
    )


def csv_button(label: str, content: bytes, file_name: str, key: str, **kw) -> None:
    """A CSV to download (that does not rerun the page)."""
    st.download_button(
        label,
        data=content,
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        key=key,
        on_click="ignore",
        **kw,
    )
