"""Every table a YAML describes is built with exactly its columns, in its order and of its types
(the session's small warehouse, read only)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.sql.models import models, reads, sources, sql_build_order

pytestmark = pytest.mark.build

# DuckDB types each YAML type stands for
DUCKDB_TYPES = {
    "varchar": {"VARCHAR"},
    "integer": {
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
    },
    "double": {"DOUBLE", "FLOAT"},
    "date": {"DATE"},
    "boolean": {"BOOLEAN"},
}


@pytest.fixture(scope="module")
def built(small_warehouse) -> dict[str, list[tuple[str, str]]]:
    con = duckdb.connect(str(small_warehouse), read_only=True)
    try:
        found: dict[str, list[tuple[str, str]]] = {}
        query = (
            "select table_name, column_name, data_type from duckdb_columns() "
            "order by table_name, column_index"
        )
        for table, column, type_ in con.sql(query).fetchall():
            found.setdefault(table, []).append((column, type_))
        return found
    finally:
        con.close()


@pytest.mark.parametrize("name", list(models()))
def test_the_table_has_the_columns_of_its_yaml(built, name):
    model = models()[name]
    assert name in built, f"{name} is described but not built"
    columns = [c for c, _ in built[name]]
    assert [c for c in model.column_names if c not in columns] == [], "described but not in the table"
    assert [c for c in columns if c not in model.column_names] == [], "in the table but not described"
    assert columns == model.column_names, "the YAML lists the columns in another order"
    types = dict(built[name])
    for c in model.columns:
        actual = types[c.name]
        ok = actual.endswith("[]") if c.type == "list" else actual in DUCKDB_TYPES[c.type]
        assert ok, f"{name}.{c.name} is {actual}, the YAML says {c.type}"


def test_every_source_a_model_reads_is_in_the_warehouse(built):
    read = {t for m in sql_build_order() for t in reads(m.sql)}
    assert {t for t in read if t in sources()} <= set(built)
