"""Render docs/WAREHOUSE.md from the model YAML beside each table's SQL, so the docs never drift."""

from __future__ import annotations

from pipelines.sql.models import (
    Model,
    ModelColumn,
    checks,
    copied_from,
    models,
    reads,
    source_descriptions,
    sources,
    sql_build_order,
)

TITLES = {
    "curated": "Curated tables (dimensions and facts)",
    "marts": "Marts",
    "public": "Public tables",
}

INTRO = """# Warehouse tables: curated tables, marts and indicator cubes

<!-- Generated from pipelines/sql/<layer>/<table>.yml by `mco docs`; do not edit by hand. -->

Every curated table and mart is two files under `pipelines/sql/<layer>/`: `<table>.sql`, the select that
builds it, and `<table>.yml` beside it, its contract (why it exists, its grain, its key, what each column
means and the tests that must hold; the format is described in `pipelines/sql/models.py`). The indicator
cubes are built in Python and have the YAML alone. From these files come the Great Expectations suites
of the build's quality gate (`expectations/`), the column descriptions of the release data dictionary,
this document, and the build order: each SQL file is parsed for the tables it reads, and every table is
built after them. Curated tables read staging and reference tables only; marts read curated tables, other
marts and reference tables, never staging.

Tests: *not null*, *unique*, the codes allowed, a range, a pattern, *≤ cut-off* (no date after the data
cut-off) and *→ table.column* (every value is one of that column's). A column copied from another table
(`like`) has its codes, range and type checked where they were made; they are shown in brackets.
"""


def _codes(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _tests(model: Model, c: ModelColumn) -> str:
    parts = []
    if c.not_null:
        parts.append("not null")
    if c.unique:
        parts.append("unique")
    domain = []
    if c.accepted:
        domain.append("one of " + _codes(c.accepted))
    if c.min is not None or c.max is not None:
        lo = "" if c.min is None else f"{c.min:g}"
        hi = "" if c.max is None else f"{c.max:g}"
        domain.append(f"range [{lo}, {hi}]")
    if c.pattern:
        domain.append(f"pattern `{c.pattern}`")
    if domain and not checks(model, c)[1]:
        domain = [f"({'; '.join(domain)}: checked in `{copied_from(model, c)}`)"]
    parts += domain
    if c.not_after_cutoff:
        parts.append("≤ cut-off")
    if c.relationship:
        parts.append(f"→ `{c.relationship.to}.{c.relationship.field}`")
    return "; ".join(parts).replace("|", "\\|")


def _rows(model: Model) -> str:
    rows = model.row_count
    if "equal" in rows:
        return f"exactly {rows['equal']:,}"
    return f"at least {rows['min']:,}" if rows.get("min") else "any number"


def render_model(model: Model, read: list[str] | None) -> str:
    key = ", ".join(f"`{k}`" for k in model.key) or "none"
    lines = [f"### `{model.name}`", "", model.description, "", f"- Grain: {model.grain}; key: {key}"]
    if read is not None:
        lines.append(f"- Reads: {', '.join(f'`{t}`' for t in read)}; SQL `{model.sql_path.name}`")
    else:
        lines.append(f"- Built by {' '.join(model.built_by.split())}")
    lines += [
        f"- Rows: {_rows(model)}; contract `{model.where}`",
        "",
        "| column | type | meaning | tests |",
        "| --- | --- | --- | --- |",
    ]
    for c in model.columns:
        meaning = c.description.replace("|", "\\|")
        lines.append(f"| `{c.name}` | {c.type} | {meaning} | {_tests(model, c)} |")
    lines.append("")
    return "\n".join(lines)


def render() -> str:
    order = sql_build_order()
    read = {m.name: sorted(reads(m.sql)) for m in order}
    out = [INTRO, "## Build order", ""]
    out += [
        f"{i}. `{m.name}` (reads {', '.join(f'`{t}`' for t in read[m.name])})" for i, m in enumerate(order, 1)
    ]
    python = [f"`{m.name}`" for m in models().values() if m.built_by]
    out += ["", f"Then, built in Python from the marts: {', '.join(python)}.", ""]
    out += ["## Sources", "", "| table | kind | holds |", "| --- | --- | --- |"]
    kinds = sources()
    out += [f"| `{name}` | {kinds[name]} | {text} |" for name, text in source_descriptions().items()]
    out.append("")
    for layer, title in TITLES.items():
        layer_models = [m for m in models().values() if m.layer == layer]
        if not layer_models:
            continue
        out += [f"## {title}", ""]
        out += [render_model(m, read.get(m.name)) for m in layer_models]
    return "\n".join(out).rstrip() + "\n"
