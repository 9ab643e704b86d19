"""The release's data dictionary, generated from the YAML of the warehouse tables (pipelines/sql), the
table contracts, the indicator registry and the programme metric definitions: one entry per column of
every file, with type, unit and allowed values.

`describe` refuses a table with an undocumented column, so a release cannot ship one.
"""

from __future__ import annotations

import polars as pl

from pipelines import disclosure
from pipelines.contracts import contracts
from pipelines.errors import ObservatoryError
from pipelines.indicators.engine import BREAKDOWNS
from pipelines.indicators.registry import DIMENSION_NAMES, INDICATORS, KINDS
from pipelines.programmes.compare import FUNNEL, METRICS
from pipelines.publish.release_tables import TableSpec
from pipelines.sql.models import models

# The flag vocabulary (pipelines/disclosure.py) as the release's dictionary words it, per column of a table.
_FLAG_DETAIL = {
    "c": "value, and for c also numerator and denominator, left blank",
    "z": "no denominator, or not defined for this group",
}
FLAGS = {code: flag.text(_FLAG_DETAIL.get(code, "")) for code, flag in disclosure.FLAGS.items()}
_C, _Z = disclosure.FLAGS["c"], disclosure.FLAGS["z"]
FLAG_TEXT = (
    f"Eurostat-style flag: c = {_C.label} (suppressed), z = {_Z.label}; blank when the value is shown."
)
# What the registry's fields mean; indicator_id and breakdown as the cube's YAML describes them
# (pipelines/sql/public/pub_indicator_cube.yml), for every table that carries them.
REGISTRY_TEXT = {
    "dimension": "Dimension of the indicator.",
    "kind": "How the value follows from numerator and denominator.",
}
CUBE = "pub_indicator_cube"


def _registry_text(field: str) -> str:
    return REGISTRY_TEXT.get(field) or models()[CUBE].column(field).description


def _values(source: str, codes: tuple | None) -> dict[str, str] | None:
    """The meanings of a column's codes from `source` ("registry:<field>" or "flag")."""
    if source == "flag":
        return {str(k): FLAGS[str(k)] for k in (codes or disclosure.IN_USE)}
    return _registry_values(source.removeprefix("registry:"))


def _type(dtype: pl.DataType) -> str:
    """Frictionless Table Schema type of a polars column."""
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_float() or dtype.is_decimal():
        return "number"
    if dtype == pl.Date:
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "datetime"
    return "string"


def _registry_values(field: str) -> dict[str, str] | None:
    if field == "indicator_id":
        return {i.id: i.name for i in INDICATORS}
    if field == "breakdown":
        return {b: b.replace("_", " ") for b in BREAKDOWNS}
    if field == "dimension":
        return dict(DIMENSION_NAMES)
    if field == "kind":
        return dict(KINDS)
    return None


def column_doc(spec: TableSpec, name: str, dtype: pl.DataType) -> dict:
    """The dictionary entry of one column; raises when the column has no documented meaning."""
    col = spec.column(name)
    if col is None:
        raise ObservatoryError(f"release table {spec.name} has an undocumented column {name!r}")
    entry: dict = {"name": name, "type": _type(dtype)}
    values: dict[str, str] | None = None
    codes: tuple[str, ...] | None = None
    if col.source == "model":
        c = models()[spec.model].column(name)
        description, codes, source = c.description, c.accepted, c.origin
        if codes:
            values = {str(v): str(v).replace("_", " ") for v in codes}
    elif col.source.startswith("contract:"):
        table, column = col.source.removeprefix("contract:").split(".")
        c = contracts()[table].column(column)
        description = c.description
        if c.allowed:
            values = {v: v.replace("_", " ") for v in c.allowed}
        source = f"table contract {table}.{column}"
    elif col.source.startswith("registry:"):
        field = col.source.removeprefix("registry:")
        description = _registry_text(field)
        values = _registry_values(field)
        source = "indicator registry"
    elif col.source == "metric":
        description = "Programme metric; definitions under values."
        values = {m.key: f"{m.label} ({m.unit}): {m.definition}" for m in METRICS}
        source = "programme metrics (pipelines/programmes/compare.py)"
    elif col.source == "stage":
        description = "Funnel stage."
        values = {s.key: s.label for s in FUNNEL}
        source = "programme funnel (pipelines/programmes/compare.py)"
    elif col.source == "flag":
        description = FLAG_TEXT
        values = {k: FLAGS[k] for k in disclosure.IN_USE}
        source = "publishing conventions (DOMAIN.md §6)"
    else:
        description, source = "", "release"
    if col.values:
        values = _values(col.values, codes)
    description = " ".join(part for part in (description, col.text) if part).strip()
    if not description:
        raise ObservatoryError(f"release table {spec.name}: column {name!r} has an empty description")
    entry["description"] = description
    if col.unit:
        entry["unit"] = col.unit
    if values:
        entry["values"] = values
    entry["source"] = source
    return entry


def describe(spec: TableSpec, frame: pl.DataFrame, files: list[str]) -> dict:
    """The dictionary entry of one table: metadata, files, row count and every column."""
    return {
        "name": spec.name,
        "title": spec.title,
        "description": spec.description,
        "grain": spec.grain,
        "primary_key": list(spec.primary_key),
        "access": spec.access,
        "rows": frame.height,
        "files": files,
        "columns": [column_doc(spec, name, dtype) for name, dtype in frame.schema.items()],
    }


def markdown(dictionary: dict) -> str:
    """The readable dictionary (DICTIONARY.md) from the machine-readable one."""
    lines = [
        f"# Data dictionary: {dictionary['title']}",
        "",
        f"Release `{dictionary['version']}` · data cut-off {dictionary['data_cutoff']} · build "
        f"`{dictionary['build_id']}` · access: {dictionary['access']}.",
        "",
        *([f"> **{dictionary['synthetic_note']}.**", ""] if dictionary.get("synthetic_note") else []),
        "Generated from the warehouse tables' YAML (`pipelines/sql/`), the table contracts "
        "(`pipelines/contracts/`), the indicator registry (`pipelines/indicators/registry.py`) and the "
        "programme metric definitions. Every table is "
        "published as CSV (UTF-8, comma-separated, header row, empty = missing) and Parquet.",
        "",
        "## Flags",
        "",
        *[f"- `{k}`: {v}" for k, v in dictionary["flags"].items()],
        "",
    ]
    if dictionary.get("disclosure"):
        d = dictionary["disclosure"]
        lines += [
            "## Disclosure control",
            "",
            f"Counts of people below {d['min_people']} and rates on denominators below "
            f"{d['min_denominator']} are suppressed (flag `c`); medians need {d['min_contributors']} "
            "contributors; secondary suppression stops recovery by subtraction.",
            "",
        ]
    for table in dictionary["tables"]:
        lines += [
            f"## {table['name']}: {table['title']}",
            "",
            table["description"],
            "",
            f"- Grain: {table['grain']}; key: {', '.join(f'`{k}`' for k in table['primary_key'])}",
            f"- Rows: {table['rows']:,}; files: {', '.join(f'`{f}`' for f in table['files'])}",
            "",
            "| column | type | description | values |",
            "| --- | --- | --- | --- |",
        ]
        for c in table["columns"]:
            values = c.get("values") or {}
            shown = "; ".join(f"`{k}`" for k in list(values)[:12]) + (" …" if len(values) > 12 else "")
            text, shown = c["description"].replace("|", "\\|"), shown.replace("|", "\\|")
            lines.append(f"| `{c['name']}` | {c['type']} | {text} | {shown} |")
        lines.append("")
    return "\n".join(lines)
