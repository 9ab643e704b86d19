"""Which mandatory Annex I elements are missing, per element: the share of specifications on offer and
of awards that miss it (the Transparency page's "most often missing" figure).

Specifications are those with an award in the view (as TRA-1 and TRA-2 count them) and are checked for
the nine specification-level elements; awards for all eleven. This module only counts, per element,
the records in view and those missing it (with their cell keys); value, flag and perturbation follow
the engine's rule for a share (`engine.cells`, `engine.published`) as the two entries below define it,
so a share on fewer records than the denominator threshold, or whose numerator counts one to nine
awards, is flagged `c` exactly as an indicator would be.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines import cellkey
from pipelines.indicators import engine
from pipelines.indicators.engine import Filters
from pipelines.indicators.registry import Indicator, Term

# The mandatory Annex I elements (DOMAIN.md §2), as the award-level mart names them, with the name the
# specification-level list uses where it differs (None: the element describes the award itself).
ANNEX_ELEMENTS: tuple[tuple[str, str, str | None], ...] = (
    ("learner_identification", "Identification of the learner", None),
    ("title", "Title", "title"),
    ("issuer_country", "Country/region of the issuer", "issuer_country"),
    ("awarding_body", "Awarding body", "awarding_body"),
    ("issue_date", "Date of issuing", None),
    ("learning_outcomes", "Learning outcomes", "learning_outcomes"),
    ("workload", "Notional workload", "workload"),
    ("level", "Level (EQF)", "level"),
    ("assessment_type", "Type of assessment", "assessment_type"),
    ("participation_form", "Form of participation", "participation_form"),
    ("quality_assurance", "Type of quality assurance", "qa_type"),
)
# The two shares as indicator entries: what their numerator and denominator count (and so how they are
# perturbed and flagged). Not in the registry: their cells are per element, which the bases do not carry
# (`_rows` counts them over `dim_credential.annex_missing` and `mart_award_annex.missing_mandatory`).
BREAKDOWN = "annex_element"
_MISSING = "list_contains(missing, annex_element)"
_PERIOD = "calendar year of the specification's awards"
MEASURES: dict[str, Indicator] = {
    "awards": Indicator(
        id="TRA-1x",
        dimension="transparency",
        name="Awards missing a mandatory Annex I element",
        definition="Share of awards issued in the period that miss the element, per mandatory element.",
        base="awards",
        kind="share",
        numerator=Term(text="awards missing the element", sql=f"count(*) filter (where {_MISSING})"),
        denominator=Term(text="awards issued", sql="count(*)"),
        unit="%",
        direction="down",
    ),
    "specifications": Indicator(
        id="TRA-2x",
        dimension="transparency",
        name="Specifications missing a mandatory Annex I element",
        definition="Share of specifications on offer that miss the element, per specification-level "
        "mandatory element.",
        base="specs",
        kind="share",
        numerator=Term(
            text="specifications missing the element",
            sql=f"count(distinct credential_id) filter (where {_MISSING})",
        ),
        denominator=Term(
            text="specifications with an award in the period", sql="count(distinct credential_id)"
        ),
        unit="%",
        direction="down",
        period_basis=_PERIOD,
    ),
}
SCHEMA = {
    "element": pl.String,
    "element_label": pl.String,
    "counted_over": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "numerator_k": pl.Int64,
    "denominator_k": pl.Int64,
}


def _missing(con, view_sql: str, column: str, params: list) -> tuple[int, int | None, dict]:
    """Records in a view and their cell key, and per element how many miss it (with its key)."""
    key = cellkey.cell_key_sql("sum(rk)")
    found = con.sql(
        f"""
        with view as ({view_sql}),
        n as (select count(*) as n, {key} as k from view),
        m as (select e as element, count(*) as n, {key} as k from view, unnest({column}) as t(e) group by 1)
        select n.n, n.k, m.element, m.n, m.k from n left join m on true
        """,
        params=params,
    ).fetchall()
    total, total_key = (int(found[0][0]), found[0][1]) if found else (0, None)
    return total, total_key, {e: (int(n), k) for _, _, e, n, k in found if e is not None}


def _rows(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    where, params = filters.where()
    n_specs, k_specs, specs = _missing(
        con,
        "select c.annex_missing, s.record_key as rk from dim_credential as c join "
        f"(select distinct credential_id, record_key from mart_credential_year where {where}) as s "
        "using (credential_id)",
        "annex_missing",
        params,
    )
    n_awards, k_awards, awards = _missing(
        con,
        f"""
        select missing_mandatory, rk from (
            select x.missing_mandatory, a.record_key as rk, x.year, p.country_code, p.region_code,
                   p.provider_type, c.isced_f_broad, c.eqf_level
            from mart_award_annex as x
            join mart_award as a using (award_id)
            join dim_provider as p on p.provider_id = x.provider_id
            join dim_credential as c on c.credential_id = x.credential_id
        ) where {where}
        """,
        "missing_mandatory",
        params,
    )
    out = []
    for element, label, spec_name in ANNEX_ELEMENTS:
        n, k = awards.get(element, (0, None))
        out.append((element, label, "awards", n, n_awards, k, k_awards))
        if spec_name is not None:
            n, k = specs.get(spec_name, (0, None))
            out.append((element, label, "specifications", n, n_specs, k, k_specs))
    return pl.DataFrame(out, schema=SCHEMA, orient="row")


def annex_missing(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """Published per element: numerator, denominator and share of records missing it, flag, reason."""
    frame = _rows(con, filters).with_row_index("_order")
    parts = []
    for over, ind in MEASURES.items():
        counted = frame.filter(pl.col("counted_over") == over).with_columns(
            pl.lit(ind.id).alias("indicator_id"),
            pl.lit(BREAKDOWN).alias("breakdown"),
            pl.col("element").alias("breakdown_value"),
        )
        parts.append(engine.published(engine.cells(counted, ind)))
    return (
        pl.concat(parts)
        .sort("_order")
        .select(
            "element",
            "element_label",
            "counted_over",
            "numerator",
            "denominator",
            "value",
            "flag",
            "suppression",
        )
    )
