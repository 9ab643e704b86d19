"""What each numerator or denominator counts, so the cell key method can perturb it.

An indicator's numerator and denominator are aggregate SQL over one base mart. Over a base whose rows
are people's records (awards, learners, pairs, events, outcomes), three forms occur:
- `count(*) [filter (where …)]`: a count of records; its cell key sums `record_key`;
- `count(distinct learner_key) [filter (where …)]`: a count of people; its key sums each person's
  `learner_record_key` once;
- `[coalesce(]sum(expr) [filter (where …)][, 0)]`: an amount summed over records (ECTS, a net gain, a
  reference share); it is moved with the perturbed count of its contributing records.
Anything else (counts of providers or specifications, quantiles, list aggregates) counts no people and
is published as computed. `derive` tells which form an expression has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.cellkey import cell_key_sql
from pipelines.indicators.registry import BASES

# Bases whose rows are records of people (registry.BASES, `people`). The others are specifications
# (on offer, launched): their counts are perturbed too, so that a suppressed share of specifications
# does not come back by differencing.
PEOPLE_BASES = frozenset(name for name, base in BASES.items() if base.people)
SPEC_BASES = frozenset(name for name, base in BASES.items() if not base.people)

_COUNT = re.compile(r"^count\(\*\)(?: filter \(where (?P<where>.*)\))?$", re.S)
_LEARNERS = re.compile(r"^count\(distinct learner_key\)(?: filter \(where (?P<where>.*)\))?$", re.S)
_SPECS = re.compile(r"^count\(distinct credential_id\)(?: filter \(where (?P<where>.*)\))?$", re.S)
_SPEC_LIST = re.compile(r"^list_sum\(list_transform\(list\(distinct \{'c': credential_id,", re.S)
_SUM = re.compile(r"^sum\((?P<expr>[^()]*(?:\([^()]*\)[^()]*)*)\)(?: filter \(where (?P<where>.*)\))?$", re.S)


@dataclass(frozen=True)
class Measure:
    """How a numerator or denominator is perturbed: `kind` is "count" or "sum"; `count_sql` counts
    its contributing records, `key_sql` gives their cell key."""

    kind: str
    count_sql: str
    key_sql: str
    people: bool = True  # counts records of people (else specifications)


def _filtered(agg: str, where: str | None) -> str:
    return f"{agg} filter (where {where})" if where else agg


def derive(sql: str | None, base: str) -> Measure | None:
    """The measure an aggregate expression is, or None when it counts no people."""
    if not sql:
        return None
    text = " ".join(sql.split())
    if base in SPEC_BASES:
        return _spec_measure(text)
    if base not in PEOPLE_BASES:
        return None
    if m := _COUNT.match(text):
        where = m["where"]
        return Measure("count", text, cell_key_sql(_filtered("sum(record_key)", where)))
    if m := _LEARNERS.match(text):
        where = m["where"]
        return Measure("count", text, cell_key_sql(_filtered("sum(distinct learner_record_key)", where)))
    inner = text
    if inner.startswith("coalesce(") and inner.endswith(", 0)"):
        inner = inner[len("coalesce(") : -len(", 0)")]
    if m := _SUM.match(inner):
        where = m["where"]
        count = _filtered("count(*)", where)
        return Measure("sum", count, cell_key_sql(_filtered("sum(record_key)", where)))
    return None


def _spec_measure(text: str) -> Measure | None:
    """Counts of specifications: each specification counts once, keyed by its own record key."""
    distinct = cell_key_sql("sum(distinct record_key)")
    if m := _SPECS.match(text):
        key = cell_key_sql(_filtered("sum(distinct record_key)", m["where"]))
        return Measure("count", text, key, people=False)
    if _SPEC_LIST.match(text):  # a sum over distinct specifications (TRA-2's elements present)
        return Measure("sum", "count(distinct credential_id)", distinct, people=False)
    if m := _COUNT.match(text):
        return Measure("count", text, cell_key_sql(_filtered("sum(record_key)", m["where"])), people=False)
    return None
