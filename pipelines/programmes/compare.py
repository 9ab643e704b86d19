"""Programme metrics beside their peers, under disclosure control (DOMAIN.md §6).

`programme_metrics(mart)` turns `mart_programme` (one row per credential) into one row per programme and
metric: value, numerator, denominator, Wilson 95 % interval, flag, the peer group's size, median and
interquartile range (p25–p75), the programme's percentile, and a one-line verdict. The same published
frame feeds the dashboard, the report and the release.

Peers: the programmes of every provider with the same ISCED-F broad field and EQF level when that group
has at least `min_contributors` programmes with a published value of the metric; else (too small, or
the EQF level unknown) every programme of the same field (`peer_basis` says which). Peer statistics are
computed from published values only: perturbed, after primary and secondary suppression.

Verdict (`verdict`, per programme and metric), from the programme's 95 % interval (for a count or a
score, its value) and the peers' interquartile range: "above most peers" when the whole interval lies
above the upper quartile, "below most peers" when it lies below the lower quartile, else "within the
usual range"; "too few learners to say" when the programme's figure is suppressed or not applicable;
"no peer group to compare with" when the peer statistics are (field unknown, or too few peers).

Disclosure rules (pipelines/disclosure.py), with the thresholds of `pipelines.settings.settings().disclosure`:
- a count of people (awards, funnel stages) below `min_people` is suppressed (`c`), except a
  programme's zero awards (a programme never awarded singles out no one);
- a rate on a denominator below `min_denominator` is suppressed (`c`); no denominator is `z`;
- peer statistics (median, quartiles, percentile) need `min_contributors` peers with a publishable
  value, else `c` (no peer group at all: `z`);
- secondary suppression: where exactly one programme of a provider is suppressed for a metric, the
  provider's programme with the next smallest denominator is suppressed too, so the hidden figure cannot
  be recovered from a provider total published elsewhere (e.g. awards by provider in the cube).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines import cellkey, disclosure
from pipelines.disclosure import Disclosure
from pipelines.programmes.stats import peer_statistics, wilson_exprs
from pipelines.settings import settings

ANNEX_ELEMENTS = 9  # specification-level mandatory elements of Annex I counted in dim_credential


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    short: str  # column heading
    unit: str  # "count" or "%"
    kind: str  # "count" (people), "rate" (a share with a CI) or "score" (a specification attribute)
    numerator: str  # mart_programme column
    denominator: str | None
    definition: str
    direction: str = "up"


METRICS: tuple[Metric, ...] = (
    Metric(
        "awards",
        "Awards issued",
        "Awards",
        "count",
        "count",
        "awards",
        None,
        "Awards of the credential issued up to the data cut-off.",
    ),
    Metric(
        "completion_rate",
        "Completion rate",
        "Completion",
        "%",
        "rate",
        "completed_learners",
        "enrolled_learners",
        "Learners enrolled on the credential who completed it ÷ learners enrolled (pathway events).",
    ),
    Metric(
        "stacking_rate",
        "Stacking rate (36 months)",
        "Stacking",
        "%",
        "rate",
        "stacked",
        "stacking_eligible",
        "Awards followed by the learner's next award within 36 months ÷ awards issued at least 36 months "
        "before the data cut-off (later awards are censored).",
    ),
    Metric(
        "recognition_rate",
        "Recognition rate (24 months)",
        "Recognition",
        "%",
        "rate",
        "recognised",
        "recognition_eligible",
        "Awards recognised by another organisation (credit, exemption, admission) within 24 months ÷ "
        "awards issued at least 24 months before the data cut-off (as TRU-5).",
    ),
    Metric(
        "verification_rate",
        "Third-party verification rate (12 months)",
        "Verification",
        "%",
        "rate",
        "verified",
        "verification_eligible",
        "Awards verified by an employer or education institution within 12 months ÷ awards issued at "
        "least 12 months before the data cut-off (as TRU-4).",
    ),
    Metric(
        "employment_12m",
        "Employment at 12 months",
        "Employed 12m",
        "%",
        "rate",
        "employed_12m",
        "observed_12m",
        "Observations 12 months after an award of the credential that are employed or self-employed ÷ "
        "observations at 12 months (as OUT-1b).",
    ),
    Metric(
        "related_employment",
        "Related employment at 12 months",
        "Related job",
        "%",
        "rate",
        "related_12m",
        "employed_12m",
        "Employed 12-month observations in a job related to the credential ÷ employed 12-month "
        "observations (as OUT-4).",
    ),
    Metric(
        "annex_completeness",
        "Annex I completeness",
        "Annex I",
        "%",
        "score",
        "annex_present",
        None,
        f"Specification-level mandatory Annex I elements present ÷ {ANNEX_ELEMENTS}, in percent.",
    ),
)
BY_KEY = {m.key: m for m in METRICS}
RATES = tuple(m.key for m in METRICS if m.kind == "rate")


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    column: str


FUNNEL: tuple[Stage, ...] = (
    Stage("enrolled", "Enrolled", "enrolled_learners"),
    Stage("completed", "Completed", "completed_learners"),
    Stage("awarded", "Awarded", "awarded_learners"),
    Stage("stacked", "Stacked (next award ≤ 36 months)", "stacked_learners"),
    Stage("employed_12m", "Employed at 12 months", "employed_learners_12m"),
)

# Stages counted within another stage's learners (completions are of enrolled learners: the mart joins
# them to enrolments): published, each is capped at its parent's published count, so noise never shows
# more completers than enrolled learners. The other stages are not subsets (an award without pathway
# events), so they are not capped.
WITHIN_STAGE = {"completed": "enrolled"}

PEER_KEYS = ("isced_f_broad", "eqf_level")
BASIS_FIELD_EQF, BASIS_FIELD = "field and EQF level", "field only"
ABOVE, WITHIN, BELOW = "above most peers", "within the usual range", "below most peers"
TOO_FEW, NO_PEERS = "too few learners to say", "no peer group to compare with"
VERDICTS = (ABOVE, WITHIN, BELOW, TOO_FEW, NO_PEERS)
RESULT_SCHEMA = {
    "credential_id": pl.String,
    "provider_id": pl.String,
    "isced_f_broad": pl.String,
    "eqf_level": pl.Int64,
    "peer_group": pl.String,
    "peer_basis": pl.String,
    "metric": pl.String,
    "unit": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "flag": pl.String,
    "suppression": pl.String,
    "peer_n": pl.Int64,
    "peer_median": pl.Float64,
    "peer_p25": pl.Float64,
    "peer_p75": pl.Float64,
    "peer_flag": pl.String,
    "percentile": pl.Float64,
    "verdict": pl.String,
}
PEER_STATS = ("peer_n", "peer_median", "peer_p25", "peer_p75", "percentile")


def _key(mart: pl.DataFrame, column: str) -> pl.Expr:
    """The cell key of a count column of mart_programme (null in a mart built before keys existed)."""
    name = f"{column}_key"
    return pl.col(name) if name in mart.columns else pl.lit(None, pl.Int64)


def _count(mart: pl.DataFrame, column: str, floor: int, other: str | None = None) -> pl.Expr:
    """The published (cell-key-perturbed) value of a count column; a rate's numerator is keyed by its
    denominator's records too, as in the indicator engine."""
    key = _key(mart, column)
    if other is not None:
        key = cellkey.combine(key, _key(mart, other))
    return cellkey.perturb(pl.col(column).cast(pl.Float64), key, floor)


def _long(mart: pl.DataFrame, rules: Disclosure) -> pl.DataFrame:
    """One row per programme and metric with the true numerator and denominator (for the flags) and
    the perturbed ones (p_numerator, p_denominator) that are published."""
    parts = []
    for m in METRICS:
        num = pl.col(m.numerator).cast(pl.Float64)
        if m.kind == "count":
            den, p_num, p_den = pl.lit(None, pl.Float64), _count(mart, m.numerator, rules.min_people), None
        elif m.kind == "score":
            den = pl.when(num.is_not_null()).then(pl.lit(float(ANNEX_ELEMENTS)))
            p_num, p_den = num, den
        else:
            den = pl.col(m.denominator).cast(pl.Float64)
            p_den = _count(mart, m.denominator, rules.min_denominator)
            p_num = pl.min_horizontal(_count(mart, m.numerator, rules.min_people, m.denominator), p_den)
        parts.append(
            mart.select(
                "credential_id",
                "provider_id",
                pl.col("isced_f_broad").cast(pl.String),
                pl.col("eqf_level").cast(pl.Int64),
                pl.lit(m.key).alias("metric"),
                pl.lit(m.unit).alias("unit"),
                num.alias("numerator"),
                den.cast(pl.Float64).alias("denominator"),
                p_num.cast(pl.Float64).alias("p_numerator"),
                (p_den if p_den is not None else pl.lit(None)).cast(pl.Float64).alias("p_denominator"),
            )
        )
    return pl.concat(parts).with_columns(_value("p_numerator", "p_denominator").alias("value"))


def _value(num: str, den: str) -> pl.Expr:
    kind = pl.col("metric").replace_strict({m.key: m.kind for m in METRICS})
    n, d = pl.col(num), pl.col(den)
    return (
        pl.when(kind == "count")
        .then(n)
        .when(kind == "score")
        .then(n / ANNEX_ELEMENTS * 100)
        .otherwise(pl.when(d > 0).then(n / d * 100))
    )


def _primary(rules: Disclosure) -> pl.Expr:
    kind = pl.col("metric").replace_strict({m.key: m.kind for m in METRICS})
    num, den = pl.col("numerator"), pl.col("denominator")
    return (
        pl.when(kind == "count")
        .then(pl.when((num > 0) & (num < rules.min_people)).then(pl.lit("c")))
        .when(kind == "score")
        .then(pl.when(num.is_null()).then(pl.lit("z")))
        .otherwise(
            pl.when(den.is_null() | (den <= 0))
            .then(pl.lit("z"))
            # a rate's numerator of one to min_people - 1 people is not published either
            .when((den < rules.min_denominator) | ((num > 0) & (num < rules.min_people)))
            .then(pl.lit("c"))
        )
        .alias("flag")
    )


def secondary(frame: pl.DataFrame, groups: tuple[str, ...] = ("provider_id", "metric")) -> pl.DataFrame:
    """Where a group holds exactly one primary-suppressed cell, suppress its smallest other cell too.

    Applies to counts and rates (they add up to provider totals); `suppression` says which rule hid a cell.
    Cells flagged `z` (empty denominator) add nothing to a total, so they are never candidates: a group
    whose other cells are all `z` needs none, since its total equals the hidden cell, itself below the
    threshold wherever it is published.
    """
    additive = [m.key for m in METRICS if m.kind != "score"]
    return disclosure.secondary(frame, groups, pl.col("metric").is_in(additive), "credential_id")


def programme_metrics(mart: pl.DataFrame, rules: Disclosure | None = None) -> pl.DataFrame:
    """The published comparison frame: one row per programme and metric (see the module docstring)."""
    rules = rules or settings().disclosure
    if mart.is_empty():
        return pl.DataFrame(schema=RESULT_SCHEMA)
    frame = _long(mart, rules).with_columns(_primary(rules))
    frame = secondary(frame)  # decided on the true figures; the perturbed ones are published
    frame = frame.drop("numerator", "denominator").rename(
        {"p_numerator": "numerator", "p_denominator": "denominator"}
    )
    frame = frame.with_columns(eligible=pl.col("flag").is_null() & pl.col("value").is_not_null())
    frame = _peers(frame, rules)
    low, high = wilson_exprs(pl.col("numerator"), pl.col("denominator"))
    is_rate = pl.col("metric").is_in(list(RATES))
    blank = pl.col("flag").is_in(disclosure.BLANKS_VALUE)
    frame = frame.with_columns(
        pl.when(is_rate & pl.col("flag").is_null()).then(low * 100).alias("ci_low"),
        pl.when(is_rate & pl.col("flag").is_null()).then(high * 100).alias("ci_high"),
    )
    peer_hidden = pl.col("peer_flag").is_in(disclosure.BLANKS_VALUE)
    frame = frame.with_columns(
        *disclosure.blank(),
        pl.when(blank).then(None).otherwise(pl.col("ci_low")).alias("ci_low"),
        pl.when(blank).then(None).otherwise(pl.col("ci_high")).alias("ci_high"),
        *[
            pl.when(peer_hidden).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("peer_median", "peer_p25", "peer_p75")
        ],
        pl.when(peer_hidden | blank).then(None).otherwise(pl.col("percentile")).alias("percentile"),
    )
    frame = frame.with_columns(_verdict())
    order = {m.key: i for i, m in enumerate(METRICS)}
    return (
        frame.with_columns(_order=pl.col("metric").replace_strict(order, return_dtype=pl.Int32))
        .sort("credential_id", "_order")
        .select(list(RESULT_SCHEMA))
        .cast(RESULT_SCHEMA)
    )


def _peers(frame: pl.DataFrame, rules: Disclosure) -> pl.DataFrame:
    """Peer statistics on field and EQF level where that group is large enough, else on the field."""
    exact = peer_statistics(frame, ["metric", *PEER_KEYS], "value", "eligible")
    by_field = peer_statistics(frame, ["metric", "isced_f_broad"], "value", "eligible").select(
        [pl.col(c).alias(f"_f_{c}") for c in PEER_STATS]
    )
    work = pl.concat([exact, by_field], how="horizontal")
    use_exact = (pl.col("peer_n") >= rules.min_contributors).fill_null(False)
    has_field = pl.col("isced_f_broad").is_not_null()
    basis = pl.when(use_exact).then(pl.lit(BASIS_FIELD_EQF)).when(has_field).then(pl.lit(BASIS_FIELD))
    label = (
        pl.when(use_exact)
        .then(pl.concat_str(pl.col("isced_f_broad"), pl.lit(" · EQF "), pl.col("eqf_level").cast(pl.String)))
        .when(has_field)
        .then(pl.concat_str(pl.col("isced_f_broad"), pl.lit(" · all EQF levels")))
    )
    work = work.with_columns(
        *[pl.when(use_exact).then(pl.col(c)).otherwise(pl.col(f"_f_{c}")).alias(c) for c in PEER_STATS],
        basis.alias("peer_basis"),
        label.alias("peer_group"),
    ).drop([f"_f_{c}" for c in PEER_STATS])
    return work.with_columns(
        pl.when(pl.col("peer_n").is_null())
        .then(pl.lit("z"))
        .when(pl.col("peer_n") < rules.min_contributors)
        .then(pl.lit("c"))
        .otherwise(None)
        .alias("peer_flag"),
    )


def _verdict() -> pl.Expr:
    """The one-line verdict (module docstring) from the published interval and the peers' quartiles."""
    low = pl.coalesce(pl.col("ci_low"), pl.col("value"))
    high = pl.coalesce(pl.col("ci_high"), pl.col("value"))
    return (
        pl.when(pl.col("flag").is_not_null() | pl.col("value").is_null())
        .then(pl.lit(TOO_FEW))
        .when(pl.col("peer_flag").is_not_null() | pl.col("peer_p25").is_null())
        .then(pl.lit(NO_PEERS))
        .when(low > pl.col("peer_p75"))
        .then(pl.lit(ABOVE))
        .when(high < pl.col("peer_p25"))
        .then(pl.lit(BELOW))
        .otherwise(pl.lit(WITHIN))
        .alias("verdict")
    )


def peer_groups(mart: pl.DataFrame, rules: Disclosure | None = None) -> pl.DataFrame:
    """One row per peer group in use and metric: the programmes compared with it, its contributors,
    median and quartiles (or `c`). A field-only group (`peer_basis`) has no EQF level."""
    rules = rules or settings().disclosure
    published = programme_metrics(mart, rules).with_columns(
        pl.when(pl.col("peer_basis") == BASIS_FIELD_EQF).then(pl.col("eqf_level")).alias("eqf_level")
    )
    return (
        published.filter(pl.col("peer_group").is_not_null())
        .group_by("isced_f_broad", "eqf_level", "peer_group", "peer_basis", "metric")
        .agg(
            pl.len().cast(pl.Int64).alias("programmes"),
            pl.col("peer_n").first().alias("contributors"),
            pl.col("peer_median").first().alias("median"),
            pl.col("peer_p25").first().alias("p25"),
            pl.col("peer_p75").first().alias("p75"),
            pl.col("peer_flag").first().alias("flag"),
        )
        .sort("isced_f_broad", "eqf_level", "metric", nulls_last=True)
    )


def _funnel_counts(rows: pl.DataFrame, rules: Disclosure) -> dict[str, int]:
    """Each stage's learners summed over `rows`, perturbed with the summed cell keys (a sum of cells is
    a cell whose key is the sum of theirs)."""
    if not rows.height:
        return {s.key: 0 for s in FUNNEL}
    totals = rows.select(
        *[pl.col(s.column).cast(pl.Float64).sum().alias(s.key) for s in FUNNEL],
        *[
            pl.when(_key(rows, s.column).is_not_null().any())
            .then(_key(rows, s.column).cast(pl.Int64).sum() % cellkey.MODULUS)
            .alias(f"{s.key}_key")
            for s in FUNNEL
        ],
    )
    shown = totals.select(
        [
            cellkey.perturb(pl.col(s.key), pl.col(f"{s.key}_key"), rules.min_people).alias(s.key)
            for s in FUNNEL
        ]
    ).with_columns([pl.min_horizontal(child, parent).alias(child) for child, parent in WITHIN_STAGE.items()])
    return {k: int(v) for k, v in shown.row(0, named=True).items()}


# One base for the funnel and the table: a stage's share is of the enrolled learners, except employment,
# which is the table's employment rate (employed ÷ observations 12 months after an award, as OUT-1b),
# computed by the same code from the same perturbed counts, so the funnel and the table show one figure.
ENROLLED_BASE = "of those enrolled"
EMPLOYED_BASE = "of those observed 12 months after the award"


def _summed(rows: pl.DataFrame) -> pl.DataFrame:
    """The programmes `rows` as one programme: counts summed, cell keys summed (a sum of cells is a
    cell whose key is the sum of theirs)."""
    counts = [c for c in rows.columns if f"{c}_key" in rows.columns]
    plain = [m.numerator for m in METRICS] + [m.denominator for m in METRICS if m.denominator]
    plain = [c for c in dict.fromkeys(plain) if c in rows.columns and c not in counts]
    return rows.select(
        pl.lit("all").alias("credential_id"),
        pl.lit("all").alias("provider_id"),
        pl.lit(None, pl.String).alias("isced_f_broad"),
        pl.lit(None, pl.Int64).alias("eqf_level"),
        *[pl.col(c).cast(pl.Int64).sum() for c in counts + plain],
        *[
            pl.when(pl.col(f"{c}_key").is_not_null().any())
            .then(pl.col(f"{c}_key").cast(pl.Int64).sum() % cellkey.MODULUS)
            .alias(f"{c}_key")
            for c in counts
        ],
    )


def _employment(rows: pl.DataFrame, rules: Disclosure) -> float | None:
    """The published employment rate at 12 months of `rows` summed (None when suppressed or n/a)."""
    if not rows.height:
        return None
    cells = _long(_summed(rows), rules).with_columns(_primary(rules))
    row = cells.filter(pl.col("metric") == "employment_12m").row(0, named=True)
    return None if row["flag"] is not None else row["value"]


def funnel(rows: pl.DataFrame, rules: Disclosure | None = None) -> pl.DataFrame:
    """The learner funnel of one programme (or the sum over several): stage, learners, share and its base.

    A stage with fewer than `min_people` learners is suppressed (`c`). `share` is of the enrolled
    learners (`share_of_enrolled`), except the employment stage's: the programme table's employment
    rate (`base` says which; see EMPLOYED_BASE).
    """
    rules = rules or settings().disclosure
    published = _funnel_counts(rows, rules)
    totals = {s.key: int(rows[s.column].sum()) if rows.height else 0 for s in FUNNEL}
    enrolled, shown_enrolled = totals["enrolled"], published["enrolled"]
    out = []
    for i, s in enumerate(FUNNEL, start=1):
        n, shown = totals[s.key], published[s.key]
        hidden = 0 < n < rules.min_people
        of_enrolled = (
            None
            if hidden or enrolled < rules.min_denominator or not shown_enrolled
            else min(shown / shown_enrolled * 100, 100.0)
        )
        employed = s.key == "employed_12m"
        out.append(
            {
                "stage_order": i,
                "stage": s.key,
                "label": s.label,
                "learners": None if hidden else shown,
                "share_of_enrolled": of_enrolled,
                "share": (None if hidden else _employment(rows, rules)) if employed else of_enrolled,
                "base": EMPLOYED_BASE if employed else ENROLLED_BASE,
                "flag": "c" if hidden else None,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "stage_order": pl.Int64,
            "stage": pl.String,
            "label": pl.String,
            "learners": pl.Int64,
            "share_of_enrolled": pl.Float64,
            "share": pl.Float64,
            "base": pl.String,
            "flag": pl.String,
        },
    )


def funnel_table(mart: pl.DataFrame, rules: Disclosure | None = None) -> pl.DataFrame:
    """The funnel of every programme (long: one row per programme and stage), for the release."""
    rules = rules or settings().disclosure
    column = {s.key: s.column for s in FUNNEL}
    parts = []
    for i, s in enumerate(FUNNEL, start=1):
        n = pl.col(s.column).cast(pl.Int64)
        hidden = (n > 0) & (n < rules.min_people)
        shown = _count(mart, s.column, rules.min_people)
        if s.key in WITHIN_STAGE:
            shown = pl.min_horizontal(shown, _count(mart, column[WITHIN_STAGE[s.key]], rules.min_people))
        shown = shown.cast(pl.Int64)
        parts.append(
            mart.select(
                "credential_id",
                "provider_id",
                pl.lit(i, pl.Int64).alias("stage_order"),
                pl.lit(s.key).alias("stage"),
                pl.when(hidden).then(None).otherwise(shown).alias("learners"),
                pl.when(hidden).then(pl.lit("c")).otherwise(None).cast(pl.String).alias("flag"),
            )
        )
    return pl.concat(parts).sort("credential_id", "stage_order")


def wide(published: pl.DataFrame, column: str = "value") -> pl.DataFrame:
    """One row per programme, one column per metric key holding `column` (value, percentile, flag, …)."""
    return published.pivot(on="metric", index="credential_id", values=column).select(
        "credential_id", *[m.key for m in METRICS if m.key in published["metric"].unique().to_list()]
    )
