"""Turn the raw text rows of one record type into a typed staging table plus quarantined rows.

Checks run in a fixed order and each row is quarantined under the first it fails: row checks from
the contract (required, type, code, pattern, range), then conflicting duplicates, duplicate keys,
references to already-staged parents, and the contract's cross-table rules (dates, ECTS, levels).
"""

from __future__ import annotations

import re

import duckdb

from pipelines.buildprofile import unordered
from pipelines.contracts import Contract, contracts
from pipelines.staging.row_checks import RowCheck, _show, checks, failure_columns, typed

QUARANTINE_DDL = """
create table if not exists quarantine (
    record_type varchar,
    source_file varchar,
    source_line bigint,
    reason_code varchar,
    check_name varchar,
    detail varchar,
    record json
)
"""

VIOLATIONS_DDL = """
create or replace table consistency_violations (
    record_type varchar, source_file varchar, source_line bigint, reason_code varchar, check_name varchar,
    detail varchar
)
"""


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _record_json(contract: Contract, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    fields = ", ".join(f"{c.name} := {prefix}{c.name}" for c in contract.columns)
    return f"to_json(struct_pack({fields}))"


def stage(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    raw_tables: list[str],
    skip_references: frozenset[str] = frozenset(),
) -> None:
    """Create `stg_<table>` from the given temp raw tables; failing rows go to `quarantine`.

    `skip_references` names parent tables that are not available (e.g. when validating one file
    alone), so references to them are not checked.
    """
    cols = contract.column_names
    con.execute(QUARANTINE_DDL)
    if raw_tables:
        union = " union all by name ".join(f"select * from {r}" for r in raw_tables)
    else:
        empty = ", ".join(f"null::varchar as {c}" for c in cols)
        union = f"select null::varchar as source_file, null::bigint as source_line, {empty} where false"

    with unordered(con):  # every table below is read by key or written with its order by
        _stage(con, contract, union, skip_references)


def _stage(con: duckdb.DuckDBPyConnection, contract: Contract, union: str, skip_references) -> None:
    """Row checks into `chk_<t>`, then relational checks over its passing rows, typed, into `rel_<t>`:
    two materialisations of the table, each read twice (its failures, its passing rows)."""
    t = contract.table
    cols = contract.column_names
    row = checks(contract)
    con.execute(f"""
        create or replace temp table chk_{t} as
        select *, {failure_columns(row)}
        from ({union})
    """)
    con.execute(f"""
        insert into quarantine
        select {_lit(t)}, source_file, source_line, reason_code, check_name, detail, {_record_json(contract)}
        from chk_{t} where reason_code is not null
    """)
    typed_cols = ", ".join(f"{typed(c)} as {c.name}" for c in contract.columns)
    passing = f"(select source_file, source_line, {typed_cols} from chk_{t} where reason_code is null)"
    relational = relational_sql(contract, passing, skip_references)
    con.execute(f"create or replace temp table rel_{t} as {relational}")
    con.execute(f"""
        insert into quarantine
        select {_lit(t)}, source_file, source_line, reason_code, check_name, detail,
               {_record_json(contract, "r")}
        from rel_{t} as r where reason_code is not null
    """)
    con.execute(f"""
        create or replace table stg_{t} as
        select source_file, source_line, {", ".join(cols)}
        from rel_{t} where reason_code is null
        order by source_file, source_line
    """)
    for tmp in (f"chk_{t}", f"rel_{t}"):
        con.execute(f"drop table {tmp}")


def relational_sql(contract: Contract, source: str, skip_references: frozenset[str] = frozenset()) -> str:
    """SQL giving every row of `source` with the first relational check it fails (or NULL).

    Duplicate rank and conflicting values need a window over each key's rows, but almost every key
    has one row: the keys that repeat are found by a narrow group-by, and only their rows go through
    the window (a sort of the whole wide table, spilling at scale, otherwise); every other row is
    rank 1 without conflict, exactly what the window would give it."""
    items, joins = _relational_checks(contract, skip_references)
    key = ", ".join(contract.key)
    match = " and ".join(f"s.{k} is not distinct from d.{k}" for k in contract.key)
    by_key = ", ".join(f"s.{k}" for k in contract.key)
    window = f"partition by {by_key} order by s.source_file, s.source_line"
    conflict = "false"
    if contract.conflict_columns:
        combo = "(" + ", ".join(f"s.{c}" for c in contract.conflict_columns) + ")"
        conflict = f"count(distinct {combo}) over (partition by {by_key}) > 1"
    return f"""
        with src as (select * from {source}),
        repeated as (select {key} from src group by all having count(*) > 1),
        ranked as (
            select s.*, 1::bigint as _dup_rank, false as _conflict
            from src as s anti join repeated as d on {match}
            union all
            select s.*, row_number() over ({window}) as _dup_rank, {conflict} as _conflict
            from src as s semi join repeated as d on {match}
        )
        select r.*, {failure_columns(items)}
        from ranked as r
        {joins}
    """


def _relational_checks(contract: Contract, skip_references: frozenset[str]) -> tuple[list[RowCheck], str]:
    """Checks that need other rows: conflicts, duplicates, parents (already staged) and rules."""
    t = contract.table
    key_text = " || ', ' || ".join(f"coalesce(cast(r.{k} as varchar), '')" for k in contract.key)
    items = []
    if contract.conflict_columns:
        items.append(
            RowCheck(
                "conflicting_values",
                f"{t}.{'+'.join(contract.conflict_columns)}.agree",
                "r._conflict",
                _lit(f"rows for {', '.join(contract.key)} ")
                + f" || {key_text} || "
                + _lit(f" disagree on {', '.join(contract.conflict_columns)}; all of them are kept aside"),
            )
        )
    items.append(
        RowCheck(
            "duplicate_key",
            f"{t}.key.unique",
            "r._dup_rank > 1",
            _lit(f"{', '.join(contract.key)} repeats an earlier row (") + f" || {key_text} || ')'",
        )
    )
    joins = []
    all_contracts = contracts()
    for i, ref in enumerate(contract.references):
        if ref.table == t or ref.table in skip_references:
            continue
        key = ref.key or all_contracts[ref.table].key[0]
        joins.append(
            f"left join (select distinct {key} as k from stg_{ref.table}) as p{i} on p{i}.k = r.{ref.column}"
        )
        joins.append(
            f"left join (select distinct record->>'{key}' as k from quarantine "
            f"where record_type = '{ref.table}') as q{i} on q{i}.k = cast(r.{ref.column} as varchar)"
        )
        items.append(
            RowCheck(
                "parent_quarantined",
                f"{t}.{ref.column}.references.{ref.table}",
                f"r.{ref.column} is not null and p{i}.k is null and q{i}.k is not null",
                _lit(f"{ref.column} ")
                + f" || {_show('r.' + ref.column)} || "
                + _lit(f" points to a {ref.table} row that was quarantined"),
            )
        )
        items.append(
            RowCheck(
                "orphan_reference",
                f"{t}.{ref.column}.references.{ref.table}",
                f"r.{ref.column} is not null and p{i}.k is null",
                _lit(f"{ref.column} ")
                + f" || {_show('r.' + ref.column)} || "
                + _lit(f" is not in {ref.table}"),
            )
        )
    for j, rule in enumerate(contract.rules):
        join = rule.get("join")
        alias = f"x{j}"
        condition = re.sub(r"\bp\.", f"{alias}.", rule["fails"])
        detail = re.sub(r"\bp\.", f"{alias}.", rule["detail"])
        if join:
            if "table" in join and join["table"] in skip_references:
                continue
            source = f"stg_{join['table']}" if "table" in join else f"({join['sql']})"
            pkey = all_contracts[join["table"]].key[0] if "table" in join else "k"
            joins.append(f"left join {source} as {alias} on {alias}.{pkey} = r.{join['via']}")
        items.append(
            RowCheck(
                rule["reason"],
                f"{t}.{rule['name']}",
                f"coalesce({condition}, false)",
                f"coalesce({detail}, {_lit(rule['name'])})",
            )
        )
    return items, "\n".join(joins)


def record_violations(con: duckdb.DuckDBPyConnection) -> int:
    """Re-run every relational check over the final staging tables; what fails is a violation.

    After quarantining there must be none: the table feeds a Great Expectations suite that asserts it
    is empty, so a gap in the quarantine logic cannot pass silently.
    """
    con.execute(VIOLATIONS_DDL)
    for t, contract in contracts().items():
        con.execute(f"""
            insert into consistency_violations
            select '{t}', source_file, source_line, reason_code, check_name, detail
            from ({relational_sql(contract, f"stg_{t}")}) where reason_code is not null
        """)
    return con.sql("select count(*) from consistency_violations").fetchall()[0][0]
