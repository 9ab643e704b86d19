"""The warehouse tables' YAML (pipelines/sql/<layer>/<table>.yml): every SQL file has one, the format is
strict, `like` resolves, and the build order follows from the tables each SQL file reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.sql.models import (
    HERE,
    ModelError,
    build_order,
    checks,
    copied_from,
    load,
    models,
    reads,
    sources,
    sql_build_order,
)

pytestmark = pytest.mark.unit


# --- the real files ----------------------------------------------------------------------------------


def test_every_sql_file_has_its_yaml_and_every_yaml_its_sql():
    sql_files = sorted(HERE.rglob("*.sql"))
    assert sql_files
    for sql in sql_files:
        assert sql.with_suffix(".yml").is_file(), f"{sql.relative_to(HERE)} has no {sql.stem}.yml beside it"
    found = models()
    assert {p.stem for p in sql_files} <= set(found)
    for model in found.values():
        if model.built_by:
            assert not model.path.with_suffix(".sql").exists(), model.name
        else:
            assert model.sql_path.is_file(), model.name


def test_every_curated_table_mart_and_cube_is_described():
    found = models()
    assert {"pub_indicator_cube", "mart_indicator_cube"} <= set(found)
    for model in found.values():
        assert model.description and model.grain, model.name
        assert model.key, f"{model.name} has no key"
        for c in model.columns:
            assert c.description.strip() and c.type, (model.name, c.name)
            assert c.origin, (model.name, c.name)


def test_the_build_order_reads_parents_first():
    order = sql_build_order()
    names = [m.name for m in order]
    assert set(names) == {m.name for m in models().values() if m.sql_path}
    layers = [m.layer for m in order]
    assert layers == sorted(layers, key=["curated", "marts"].index)  # every curated table before the marts
    for i, model in enumerate(order):
        for table in reads(model.sql):
            assert table in sources() or names.index(table) < i, (model.name, table)
    assert names.index("mart_award") < names.index("mart_outcome") < names.index("mart_programme")


def test_like_takes_meaning_and_domain_from_a_contract_or_a_model():
    found = models()
    fmt = found["fct_award"].column("format")
    assert fmt.origin == "table contract awards.format"
    assert fmt.accepted == ("paper_certificate", "digital_certificate", "digital_badge")
    assert checks(found["fct_award"], fmt) == (True, True)
    copied = found["mart_award"].column("format")
    assert copied.accepted == fmt.accepted and copied.description == fmt.description
    assert copied_from(found["mart_award"], copied) == "fct_award"  # mart_award.sql reads fct_award
    assert checks(found["mart_award"], copied) == (False, False)  # checked in fct_award's suite
    # fct_award reads staging, not dim_learner: its learner_key only shares dim_learner's meaning
    learner = found["fct_award"].column("learner_key")
    assert copied_from(found["fct_award"], learner) is None and checks(found["fct_award"], learner)[0]
    provider_type = found["mart_programme"].column("provider_type")
    assert provider_type.accepted[-1] == "unknown"  # dim_provider's `also: [unknown]`, copied
    assert provider_type.origin.endswith("dim_provider.yml")  # the note is written there
    assert provider_type.description.endswith("'unknown' when not recorded.")


def test_relationships_point_to_a_column_of_another_table():
    found = models()
    for model in found.values():
        for c in model.columns:
            if c.relationship:
                assert found[c.relationship.to].has(c.relationship.field), (model.name, c.name)
    rel = found["fct_award"].column("learner_key").relationship
    assert (rel.to, rel.field) == ("dim_learner", "learner_key")


# --- the format, on synthetic files --------------------------------------------------------------------


def _models(tmp_path: Path, files: dict[str, str], layer: str = "marts") -> dict:
    folder = tmp_path / layer
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in files.items():
        (folder / f"{name}.yml").write_text(text, encoding="utf-8")
        (folder / f"{name}.sql").write_text("select 1 as x", encoding="utf-8")
        paths[folder / f"{name}.yml"] = layer
    return load(paths)


GOOD = """
name: t
description: A test table.
grain: one thing
key: [id]
tests:
  - row_count: {min: 1}
columns:
  - name: id
    description: The thing.
    type: varchar
  - name: fmt
    like: awards.format
    tests: [not_null, {accepted_values: {also: [other]}}]
  - name: n
    description: A count.
    type: integer
    tests: [{accepted_range: {min: 0}}]
"""


def test_a_good_file_loads(tmp_path):
    t = _models(tmp_path, {"t": GOOD})["t"]
    assert t.key == ("id",) and t.row_count == {"min": 1, "max": 100_000_000}
    assert t.column("id").not_null and t.column("id").unique
    fmt = t.column("fmt")
    assert fmt.not_null and fmt.accepted[-1] == "other" and fmt.type == "varchar"
    assert t.column("n").min == 0 and t.column("n").max is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("grain: one thing", "grain: one thing\nowner: me"), "unknown key(s) owner"),
        (("    type: integer", "    type: integer\n    unit: count"), "unknown key(s) unit"),
        (("[not_null, {accepted", "[not_nul, {accepted"), "unknown test 'not_nul'"),
        (("{accepted_range: {min: 0}}", "{accepted_range: {minimum: 0}}"), "unknown key(s) minimum"),
        (("  - row_count: {min: 1}", "  - rows: {min: 1}"), "unknown test 'rows'"),
        (("    type: integer", "    type: int"), "type 'int'"),
        (("like: awards.format", "like: awards.colour"), "no such contract or model column"),
        (("name: t\n", "name: u\n"), "is not the file's name"),
        (("key: [id]", "key: [id, nope]"), "key column(s) nope"),
        (("    description: A count.\n", ""), "no description"),
        (("[{accepted_range: {min: 0}}]", "[not_after_cutoff]"), "test of a date column"),
        (("[{accepted_range: {min: 0}}]", "[{relationships: {to: elsewhere}}]"), "no such column"),
        (("[{accepted_range: {min: 0}}]", "[{accepted_values: {values: [6, x]}}]"), "not all integer"),
    ],
)
def test_a_bad_file_is_an_error(tmp_path, change, message):
    old, new = change
    assert old in GOOD
    with pytest.raises(ModelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _models(tmp_path, {"t": GOOD.replace(old, new, 1)})


def test_accepted_values_take_the_column_type(tmp_path):
    text = GOOD.replace("[{accepted_range: {min: 0}}]", "[{accepted_values: {values: [6, '12']}}]")
    assert _models(tmp_path, {"t": text})["t"].column("n").accepted == (6, 12)


def test_key_tests_are_not_repeated(tmp_path):
    text = GOOD.replace("    type: varchar\n", "    type: varchar\n    tests: [unique]\n", 1)
    with pytest.raises(ModelError, match="implied by the key"):
        _models(tmp_path, {"t": text})


def test_yaml_without_sql_needs_built_by(tmp_path):
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / "t.yml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ModelError, match="no t.sql beside it"):
        load({folder / "t.yml": "public"})
    (folder / "t.yml").write_text(GOOD + "built_by: a Python step\n", encoding="utf-8")
    assert load({folder / "t.yml": "public"})["t"].built_by == "a Python step"


def test_like_follows_models_and_stops_on_a_circle(tmp_path):
    a = "name: a\ndescription: A.\ngrain: g\ncolumns:\n  - {name: x, like: b.x}\n"
    b = "name: b\ndescription: B.\ngrain: g\ncolumns:\n  - {name: x, like: awards.status, note: Copied.}\n"
    found = _models(tmp_path, {"a": a, "b": b})
    x = found["a"].column("x")
    assert x.description == "Award status at the data cut-off. Copied."
    assert x.accepted == ("issued", "accepted", "revoked")
    assert not x.own_domain and found["b"].column("x").own_domain
    looped = b.replace("like: awards.status", "like: a.x")
    with pytest.raises(ModelError, match="circle"):
        _models(tmp_path / "loop", {"a": a, "b": looped})


# --- what a SQL file reads, and the order -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("with a as (select * from fct_award) select * from a join dim_learner using (learner_key)",
         {"fct_award", "dim_learner"}),
        ("select * from t where x in (select y from u) and exists (select 1 from v join w using (k))",
         {"t", "u", "v", "w"}),
        ("with fct_award as (select * from fct_award) select * from fct_award", {"fct_award"}),
        ("select (select max(v) from z) as m from a union all select * from b", {"a", "b", "z"}),
        ("-- from commented\nselect 'from x' as s, extract(year from d) from t", {"t"}),
        ("select list_filter([1, 2], lambda x: x > 1) from t qualify row_number() over () = 1", {"t"}),
    ],
)  # fmt: skip
def test_reads_resolves_ctes_subqueries_and_comments(sql, expected):
    assert reads(sql) == expected


@pytest.mark.parametrize(
    ("sql", "message"),
    [("select * from read_csv('x.csv')", "tables only"), ("select * from (select", "does not parse")],
)
def test_reads_refuses_files_and_broken_sql(sql, message):
    with pytest.raises(ModelError, match=message):
        reads(sql)


SOURCES = {"stg_a": "staging", "stg_b": "staging", "ref_x": "reference"}
LAYERS = {"dim_a": "curated", "fct_b": "curated", "mart_1": "marts", "mart_2": "marts", "mart_3": "marts"}
SQLS = {
    "mart_3": "select * from mart_1 join mart_2 using (k)",
    "mart_2": "with m as (select * from mart_1) select * from m join ref_x using (c)",
    "mart_1": "select * from dim_a join fct_b using (k)",
    "fct_b": "select * from stg_b join stg_a using (k)",
    "dim_a": "select * from stg_a",
}


def test_build_order_puts_parents_first():
    assert build_order(SQLS, SOURCES, LAYERS) == ["dim_a", "fct_b", "mart_1", "mart_2", "mart_3"]


def test_a_cycle_fails_and_names_it():
    sqls = {**SQLS, "mart_1": "select * from dim_a join mart_3 using (k)"}
    with pytest.raises(ModelError, match="cycle: mart_1 -> mart_3 -> mart_1"):
        build_order(sqls, SOURCES, LAYERS)


def test_a_missing_table_fails_and_names_it():
    sqls = {**SQLS, "mart_2": "select * from mart_1 join mart_9 using (k)"}
    with pytest.raises(ModelError, match="mart_2 reads mart_9, which is neither a model nor a source"):
        build_order(sqls, SOURCES, LAYERS)


@pytest.mark.parametrize(
    ("name", "sql", "message"),
    [
        ("dim_a", "select * from mart_1", r"dim_a \(curated\) reads mart_1 \(marts\)"),
        ("mart_1", "select * from stg_a", r"mart_1 \(marts\) reads stg_a \(staging\)"),
        ("mart_1", "select * from mart_1", "mart_1 reads itself"),
    ],
)
def test_a_layer_reads_only_what_lies_below(name, sql, message):
    with pytest.raises(ModelError, match=message):
        build_order({**SQLS, name: sql}, SOURCES, LAYERS)
