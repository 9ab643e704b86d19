"""Every SQL model transpiles from DuckDB's dialect to Spark SQL, and the build's session specifics
(cut-off variable, macros, DuckDB's double division) are rewritten, not carried over."""

from datetime import date

import pytest
import sqlglot

from pipelines.spark.transpile import TranspileError, to_spark
from pipelines.sql.models import sql_build_order

pytestmark = pytest.mark.unit

CUTOFF = date(2025, 12, 31)
MODELS = {m.name: m for m in sql_build_order()}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_transpiles_to_spark_sql(name):
    spark_sql = to_spark(MODELS[name].sql, CUTOFF, name=name)
    tree = sqlglot.parse_one(spark_sql, read="spark")  # what Spark will be given parses as Spark SQL
    calls = {f.name.lower() for f in tree.find_all(sqlglot.exp.Anonymous)}
    assert not calls & {"getvariable", "record_key", "age_band", "md5_number_lower"}, calls
    # it reads exactly the tables the DuckDB model reads (no CTE lost or table renamed on the way)
    tables = {t.name for t in tree.find_all(sqlglot.exp.Table)}
    ctes = {c.alias for c in tree.find_all(sqlglot.exp.CTE)}
    duck = sqlglot.parse_one(MODELS[name].sql, read="duckdb")
    want = {t.name for t in duck.find_all(sqlglot.exp.Table)} - {
        c.alias for c in duck.find_all(sqlglot.exp.CTE)
    }
    assert tables - ctes == want


def test_the_cutoff_becomes_a_date_literal():
    sql = to_spark("select getvariable('cutoff') - interval 12 month as d", CUTOFF)
    assert "CAST('2025-12-31' AS DATE)" in sql
    assert "getvariable" not in sql.lower()


def test_an_unknown_variable_is_an_error():
    with pytest.raises(TranspileError, match="not a variable the build sets"):
        to_spark("select getvariable('other') as d", CUTOFF)


def test_sql_that_does_not_parse_names_the_model():
    with pytest.raises(TranspileError, match="mart_x: the SQL does not parse"):
        to_spark("select from where", CUTOFF, name="mart_x")


def test_macros_are_expanded_with_their_argument():
    sql = to_spark("select record_key(a || 'x') as k, age_band(y - b) as band from t", CUTOFF)
    flat = " ".join(sql.replace("(\n", "(").replace("\n)", ")").split()).replace("( ", "(").replace(" )", ")")
    assert flat.count("MD5(COALESCE((a || 'x'), ''))") == 5  # five bytes of the digest
    assert "WHEN (y - b) < 25 THEN '15-24'" in flat
    assert "record_key" not in sql.lower() and "age_band" not in sql.lower()


def test_division_is_double_division_as_in_duckdb():
    sql = to_spark("select days / 30.4375 as months from t", CUTOFF)
    assert "CAST(days AS DOUBLE) / CAST(30.4375 AS DOUBLE)" in sql
