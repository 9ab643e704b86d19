"""Row-level checks generated from a table contract: required fields, types, code lists, ranges.

Each check is a SQL condition over the all-text raw columns with a reason code and a readable detail;
a row is quarantined under the first check it fails, so every row lands in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.contracts import Column, Contract

BOOL_TRUE = ("true", "1", "yes", "y", "t")
BOOL_FALSE = ("false", "0", "no", "n", "f")


@dataclass(frozen=True)
class RowCheck:
    reason: str  # reason code stored in the quarantine
    check: str  # name of the check that caught it
    condition: str  # SQL, true when the row FAILS
    detail: str  # SQL text expression explaining the failure


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _show(expr: str) -> str:
    """SQL showing a value in double quotes inside a detail message."""
    return f"'\"' || {expr} || '\"'"


def typed(col: Column, source: str | None = None) -> str:
    """SQL that casts a raw text column to the contract type (NULL when it does not parse)."""
    ref = source or col.name
    if col.type == "boolean":
        t = ", ".join(_lit(v) for v in BOOL_TRUE)
        f = ", ".join(_lit(v) for v in BOOL_FALSE)
        value = f"lower(trim({ref}))"
        return f"(case when {value} in ({t}) then true when {value} in ({f}) then false end)"
    if col.type == "date":
        return f"try_cast(trim({ref}) as date)"
    if col.type == "varchar":
        return f"nullif(trim({ref}), '')"
    return f"try_cast(trim({ref}) as {col.sql_type})"


def checks(contract: Contract) -> list[RowCheck]:
    """All row checks of a contract, in the order they are applied."""
    out: list[RowCheck] = []
    for c in contract.columns:
        if c.required:
            out.append(
                RowCheck(
                    "missing_required",
                    f"{contract.table}.{c.name}.required",
                    f"nullif(trim({c.name}), '') is null",
                    _lit(f"{c.name} is required but empty"),
                )
            )
    for c in contract.columns:
        if c.type != "varchar":
            out.append(
                RowCheck(
                    "invalid_value",
                    f"{contract.table}.{c.name}.type",
                    f"nullif(trim({c.name}), '') is not null and {typed(c)} is null",
                    f"{_lit(c.name + ' ')} || {_show(f'trim({c.name})')} || "
                    f"{_lit(' is not a valid ' + c.type)}",
                )
            )
    for c in contract.columns:
        if c.allowed:
            codes = ", ".join(_lit(v) for v in c.allowed)
            out.append(
                RowCheck(
                    "unknown_code",
                    f"{contract.table}.{c.name}.allowed",
                    f"nullif(trim({c.name}), '') is not null and trim({c.name}) not in ({codes})",
                    f"{_lit(c.name + ' ')} || {_show('trim(' + c.name + ')')} || "
                    f"{_lit(' is not one of: ' + ', '.join(c.allowed))}",
                )
            )
        if c.pattern:
            out.append(
                RowCheck(
                    "invalid_value",
                    f"{contract.table}.{c.name}.pattern",
                    f"nullif(trim({c.name}), '') is not null and not regexp_full_match(trim({c.name}), "
                    f"{_lit(c.pattern)})",
                    f"{_lit(c.name + ' ')} || {_show(f'trim({c.name})')} || "
                    f"{_lit(' does not match ' + c.pattern)}",
                )
            )
    for c in contract.columns:
        bounds = []
        if c.min is not None:
            bounds.append(f"{typed(c)} < {c.min}")
        if c.max is not None:
            bounds.append(f"{typed(c)} > {c.max}")
        if bounds:
            rng = f"[{c.min if c.min is not None else '…'}, {c.max if c.max is not None else '…'}]"
            out.append(
                RowCheck(
                    "out_of_range",
                    f"{contract.table}.{c.name}.range",
                    f"({' or '.join(bounds)})",
                    f"{_lit(c.name + ' ')} || cast({typed(c)} as varchar) || {_lit(' is outside ' + rng)}",
                )
            )
    return out


def failure_columns(items: list[RowCheck]) -> str:
    """Select-list items `_fail, reason_code, check_name, detail` for the first failing check.

    The conditions are evaluated once, in a CASE giving the index of the first failure; reason and
    check are looked up by that index (DuckDB lets later select items use the alias) and only the
    failing check's detail is built.
    """
    if not items:
        return (
            "null::int as _fail, null::varchar as reason_code, null::varchar as check_name, "
            "null::varchar as detail"
        )
    index = "case " + " ".join(f"when {c.condition} then {i}" for i, c in enumerate(items, 1)) + " end"
    reasons = "[" + ", ".join(_lit(c.reason) for c in items) + "]"
    names = "[" + ", ".join(_lit(c.check) for c in items) + "]"
    details = "case _fail " + " ".join(f"when {i} then {c.detail}" for i, c in enumerate(items, 1)) + " end"
    return (
        f"{index} as _fail, {reasons}[_fail] as reason_code, {names}[_fail] as check_name, "
        f"{details} as detail"
    )
