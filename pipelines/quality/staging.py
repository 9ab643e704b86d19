"""Turn the raw text rows of one record type into a typed staging table plus quarantined rows.

Checks run in a fixed order and each row is quarantined under the first it fails: row checks from
the contract, then duplicate keys, then references to already-staged parents, then date rules.
"""

from __future__ import annotations

import duckdb

from pipelines.contracts import Contract, contracts
from pipelines.quality.row_checks import RowCheck, _show, case_sql, checks, typed

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


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _record_json(contract: Contract, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    fields = ", ".join(f"{c.name} := {prefix}{c.name}" for c in contract.columns)
    return f"to_json(struct_pack({fields}))"


def stage(con: duckdb.DuckDBPyConnection, contract: Contract, raw_tables: list[str]) -> None:
    """Create `stg_<table>` from the given temp raw tables; failing rows go to `quarantine`."""
    t = contract.table
    cols = contract.column_names
    con.execute(QUARANTINE_DDL)
    if raw_tables:
        union = " union all by name ".join(f"select * from {r}" for r in raw_tables)
    else:
        empty = ", ".join(f"null::varchar as {c}" for c in cols)
        union = f"select null::varchar as source_file, null::bigint as source_line, {empty} where false"

    row = checks(contract)
    con.execute(f"""
        create or replace temp table chk_{t} as
        select *, {case_sql(row, "reason")} as reason_code, {case_sql(row, "check")} as check_name,
               {case_sql(row, "detail")} as detail
        from ({union})
    """)
    con.execute(f"""
        insert into quarantine
        select {_lit(t)}, source_file, source_line, reason_code, check_name, detail, {_record_json(contract)}
        from chk_{t} where reason_code is not null
    """)
    typed_cols = ", ".join(f"{typed(c)} as {c.name}" for c in contract.columns)
    con.execute(f"""
        create or replace temp table typed_{t} as
        select source_file, source_line, {typed_cols} from chk_{t} where reason_code is null
    """)

    relational, joins = _relational_checks(contract)
    con.execute(f"""
        create or replace temp table rel_{t} as
        select r.*, {case_sql(relational, "reason")} as reason_code,
               {case_sql(relational, "check")} as check_name, {case_sql(relational, "detail")} as detail
        from (
            select *, row_number() over (partition by {", ".join(contract.key)}
                                         order by source_file, source_line) as _dup_rank
            from typed_{t}
        ) as r
        {joins}
    """)
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
    for tmp in (f"chk_{t}", f"typed_{t}", f"rel_{t}"):
        con.execute(f"drop table {tmp}")


def _relational_checks(contract: Contract):
    """Checks that need other rows: duplicates, parents (already staged) and date rules."""
    t = contract.table
    items = [
        RowCheck(
            "duplicate_key",
            f"{t}.key.unique",
            "r._dup_rank > 1",
            _lit(f"{', '.join(contract.key)} repeats an earlier row (")
            + " || "
            + " || ', ' || ".join(f"coalesce(cast(r.{k} as varchar), '')" for k in contract.key)
            + " || ')'",
        )
    ]
    joins = []
    all_contracts = contracts()
    for i, ref in enumerate(contract.references):
        parent = all_contracts[ref.table]
        key = ref.key or parent.key[0]
        alias = f"p{i}"
        if ref.table == t:
            continue
        joins.append(
            f"left join (select distinct {key} as k from stg_{ref.table}) as {alias} "
            f"on {alias}.k = r.{ref.column}"
        )
        items.append(
            RowCheck(
                "orphan_reference",
                f"{t}.{ref.column}.references.{ref.table}",
                f"r.{ref.column} is not null and {alias}.k is null",
                _lit(f"{ref.column} ")
                + f" || {_show('r.' + ref.column)} || "
                + _lit(f" is not in {ref.table}"),
            )
        )
    for j, rule in enumerate(contract.date_checks):
        col = rule["column"]
        if rule.get("not_after") == "cutoff":
            items.append(
                RowCheck(
                    "date_after_cutoff",
                    f"{t}.{col}.not_after_cutoff",
                    f"r.{col} > getvariable('cutoff')",
                    _lit(f"{col} ") + f" || cast(r.{col} as varchar) || ' is after the data cut-off '"
                    " || cast(getvariable('cutoff') as varchar)",
                )
            )
        if "not_before" in rule:
            ptable, pcol = rule["not_before"].split(".")
            via = rule["via"]
            alias = f"d{j}"
            pkey = all_contracts[ptable].key[0]
            joins.append(f"left join stg_{ptable} as {alias} on {alias}.{pkey} = r.{via}")
            items.append(
                RowCheck(
                    "date_before_launch",
                    f"{t}.{col}.not_before_{ptable}.{pcol}",
                    f"r.{col} < {alias}.{pcol}",
                    _lit(f"{col} ") + f" || cast(r.{col} as varchar) || ' is before {ptable}.{pcol} '"
                    f" || cast({alias}.{pcol} as varchar)",
                )
            )
    return items, "\n".join(joins)
