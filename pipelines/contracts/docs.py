"""Render the published CSV templates (docs/DATA_TEMPLATES.md) from the contracts, so they never drift."""

from __future__ import annotations

from pipelines.contracts import Contract, contracts

INTRO = """# Data templates: how to deliver your data to the observatory

<!-- Generated from pipelines/contracts/*.yml by `mco docs`; do not edit by hand. -->

Deliver one CSV file per record type. The file name says what it holds: `<template>.csv` or
`<template>_<anything>.csv` (for example `awards_2024.csv`); a delivery may have several files per
template, in one folder or in sub-folders. Files that match no template are listed as rejected.

Format rules
- UTF-8 (a byte-order mark is fine), comma `,` or semicolon `;` delimited, LF or CRLF line ends,
  double quotes around values that contain the delimiter.
- The first line is the header with the column names below (any order; names are case-insensitive).
  A file without a required column is rejected as a whole; an absent optional column is read as empty;
  extra columns are ignored and reported.
- An empty cell means "not stated". Dates are `YYYY-MM-DD`. Booleans are `true`/`false`
  (`1`/`0`, `yes`/`no` are accepted). Decimals use a point.
- Lists inside a cell (learning outcomes, ESCO skills) are separated by `|`.
- `learner_id` may be any stable identifier (national ID, e-mail, Open Badges identity hash). It is
  replaced by a keyed hash the moment it is read; the raw value is never stored.
- A delivery may carry a `manifest.json` with `{"data_cutoff": "YYYY-MM-DD"}`: the date up to which it
  is complete. Records dated after it are quarantined; windowed indicators are censored at it.

What happens to a row that breaks a rule: it is kept in the quarantine with its file, line, the check
that caught it and a reason code (`missing_required`, `invalid_value`, `unknown_code`, `out_of_range`,
`duplicate_key`, `orphan_reference`, `date_after_cutoff`, `date_before_launch`, `malformed_row`); the
rest of the delivery loads. For every file, rows in = rows loaded + rows quarantined (+ rows of a
rejected file). Files load in this order, so references point to already-checked rows:
"""


def _rules(col) -> str:
    parts = []
    if col.allowed:
        parts.append("one of " + ", ".join(f"`{v}`" for v in col.allowed))
    if col.min is not None or col.max is not None:
        lo = "" if col.min is None else f"{col.min:g}"
        hi = "" if col.max is None else f"{col.max:g}"
        parts.append(f"range [{lo}, {hi}]")
    if col.pattern:
        parts.append(f"pattern `{col.pattern}`")
    if col.pseudonymise:
        parts.append("pseudonymised at ingest")
    return "; ".join(parts)


def render_contract(c: Contract) -> str:
    lines = [f"## `{c.table}`", "", f"Grain: {c.grain}. Key: {', '.join(f'`{k}`' for k in c.key)}.", ""]
    if c.references:
        refs = ", ".join(f"`{r.column}` → `{r.table}`" for r in c.references)
        lines += [f"References (must exist when filled): {refs}.", ""]
    if c.conflict_columns:
        cols = ", ".join(f"`{x}`" for x in c.conflict_columns)
        lines += [
            f"Rows repeating a key must agree on {cols}; when they do not, all of them are quarantined "
            "(`conflicting_values`).",
            "",
        ]
    if c.rules:
        lines += ["Cross-table rules (reason code in brackets):", ""]
        lines += [f"- {rule['text']} (`{rule['reason']}`)" for rule in c.rules]
        lines += [""]
    lines += ["| column | type | required | allowed values | meaning |", "| --- | --- | --- | --- | --- |"]
    for col in c.columns:
        req = "yes" if col.required else ""
        meaning = col.description.replace("|", "\\|")
        lines.append(f"| `{col.name}` | {col.type} | {req} | {_rules(col)} | {meaning} |")
    header = ",".join(c.column_names)
    lines += ["", "Header line:", "", "```", header, "```", ""]
    return "\n".join(lines)


def render() -> str:
    order = "\n".join(f"{i}. `{t}`" for i, t in enumerate(contracts(), 1))
    body = "\n".join(render_contract(c) for c in contracts().values())
    return f"{INTRO}\n{order}\n\n{body}"
