"""Streamlit pieces the pages draw the same way: a table and its columns, a CSV to download."""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import polars as pl
import streamlit as st

from dashboard import exports


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


def chart_downloads(
    chart: alt.TopLevelMixin, rows: pl.DataFrame, meta: dict, name: str, key: str, csv_help: str | None = None
) -> None:
    """A chart's downloads in one row: CSV (`rows` under the `meta` header), PNG and SVG, drawn on click."""
    files = (  # label, extension, data, MIME type, icon
        ("Data (CSV)", "csv", exports.csv_bytes(rows, meta), "text/csv", ":material/download:"),
        ("PNG", "png", lambda: exports.png_bytes(chart), "image/png", ":material/image:"),
        ("SVG", "svg", lambda: exports.svg_bytes(chart), "image/svg+xml", ":material/image:"),
    )
    row = st.container(horizontal=True, gap="small")
    for label, ext, content, mime, icon in files:
        row.download_button(
            label,
            data=content,
            file_name=f"{name}.{ext}",
            mime=mime,
            icon=icon,
            key=f"{ext}_{key}",
            on_click="ignore",
            help=csv_help if ext == "csv" else None,
        )
