"""The model SQL, written once in DuckDB's dialect, as Spark SQL (SQLGlot transpiles it).

The models stay in the portable subset SQLGlot can carry. Three things are not SQL but the build's
DuckDB session and are rewritten here before transpiling, so both engines compute the same values:
  - `getvariable('cutoff')` (the build's data cut-off) becomes a date literal;
  - the temporary macros `age_band(x)` (pipelines/build.py) and `record_key(x)` (pipelines/cellkey.py)
    are expanded in place; `record_key` uses DuckDB's `md5_number_lower`, which Spark lacks, so its
    expansion reads the same 40 bits from Spark's hex `md5` (bytes 9-13 of the digest, little-endian).
One semantic difference SQLGlot leaves is evened out too: DuckDB's `/` always divides as doubles, while
Spark divides a decimal literal (`days / 30.4375`) as decimals; both operands are cast to double.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from pipelines.disclosure import RECORD_KEY_BITS

# DuckDB's md5_number_lower(x) is the digest's last 8 bytes read little-endian; record keys keep its
# low 40 bits (RECORD_KEY_BITS), i.e. digest bytes 9..13 with the first of them least significant.
assert RECORD_KEY_BITS == 1 << 40, "the Spark record_key below reads exactly 40 bits"
_KEY_HEX = "concat(" + ", ".join(f"substr(md5(x), {17 + 2 * i}, 2)" for i in reversed(range(5))) + ")"
MACROS = {
    "record_key": f"cast(conv({_KEY_HEX}, 16, 10) as bigint)",
    "age_band": (
        "case when x is null then null when x < 25 then '15-24' when x < 35 then '25-34' "
        "when x < 45 then '35-44' when x < 55 then '45-54' when x < 65 then '55-64' else '65+' end"
    ),
}
# record_key(x) is defined on coalesce(x, ''): the argument is wrapped before it is substituted.
_WRAP = {"record_key": "coalesce(x, '')"}


class TranspileError(Exception):
    """A model that SQLGlot cannot carry to Spark SQL."""


@cache
def _template(name: str):
    import sqlglot

    return sqlglot.parse_one(MACROS[name], read="spark")


def _substitute(name: str, arg):
    """The macro's body (a Spark-dialect tree) with its parameter `x` replaced by `arg`."""
    import sqlglot
    from sqlglot import exp

    arg = exp.Paren(this=arg.copy())  # the generator does not add parentheses for precedence itself
    if name in _WRAP:
        arg = sqlglot.parse_one(_WRAP[name], read="duckdb").transform(
            lambda n: arg.copy() if isinstance(n, exp.Column) and n.name == "x" and not n.table else n
        )
    return (
        _template(name)
        .copy()
        .transform(lambda n: arg.copy() if isinstance(n, exp.Column) and n.name == "x" and not n.table else n)
    )


def to_spark(sql: str, cutoff: date, *, name: str = "model", ordered: bool = True) -> str:
    """`sql` (DuckDB dialect) as Spark SQL, with the cut-off fixed and the build's macros expanded.

    `ordered=False` leaves out the outer ORDER BY: a global sort on Spark costs a sampling job and a
    shuffle, and the build puts the rows in the model's order as they come back into DuckDB."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError as exc:
        raise TranspileError(f"{name}: the SQL does not parse: {str(exc).splitlines()[0]}") from None

    def rewrite(node):
        if isinstance(node, exp.Anonymous) and node.name.lower() == "getvariable":
            (arg,) = node.expressions
            if not (isinstance(arg, exp.Literal) and arg.this == "cutoff"):
                raise TranspileError(f"{name}: getvariable({arg.sql()}) is not a variable the build sets")
            return exp.cast(exp.Literal.string(cutoff.isoformat()), "date")
        if isinstance(node, exp.Anonymous) and node.name.lower() in MACROS:
            (arg,) = node.expressions
            return exp.Paren(this=_substitute(node.name.lower(), arg))
        if isinstance(node, exp.Div):
            return exp.Div(this=exp.cast(node.this, "double"), expression=exp.cast(node.expression, "double"))
        return node

    tree = tree.transform(rewrite)
    if not ordered:
        tree.set("order", None)
    # the expanded macros are Spark-dialect trees inside a DuckDB tree: both generate the same SQL
    try:
        return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE, pretty=True)
    except SqlglotError as exc:
        raise TranspileError(f"{name}: SQLGlot cannot write it as Spark SQL: {exc}") from None
