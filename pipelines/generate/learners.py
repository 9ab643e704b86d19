"""The demand side: people, their demographics, and the raw identifiers providers deliver them under."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import codes as C
from .columns import KEY, hex_strings, labels, masked
from .ecosystem import COUNTRY_UPTAKE
from .reference import Reference
from .streams import pick, pick_rows, stream

AGE_BANDS = np.array([[16, 25], [25, 35], [35, 45], [45, 55], [55, 65], [65, 75]])
AGE_SHARE = np.array([0.15, 0.32, 0.25, 0.17, 0.09, 0.02])
SEX_SHARE = np.array([0.51, 0.48, 0.01])
ISCED_SHARE = np.array([0.01, 0.03, 0.08, 0.28, 0.12, 0.06, 0.24, 0.15, 0.03])  # ISCED 0..8
# labour status before (employed, self_employed, unemployed, inactive, in_education): young vs 25+
LABOUR_YOUNG = np.array([0.35, 0.03, 0.12, 0.05, 0.45])
LABOUR_ADULT = np.array([0.66, 0.08, 0.15, 0.08, 0.03])
ID_KIND_SHARE = np.array([0.40, 0.35, 0.25])  # national ID, e-mail, Open Badges identity hash
EMAIL_DOMAINS = ("example.org", "example.com", "example.net")


@dataclass
class People:
    """Everyone drawn, before we know who has an event by the cut-off (index = person number)."""

    region: np.ndarray
    country: np.ndarray
    age: np.ndarray  # age at the first award (or enrolment)
    sex: np.ndarray
    isced: np.ndarray
    labour: np.ndarray
    id_kind: np.ndarray

    def subset(self, keep: np.ndarray) -> People:
        return People(**{k: v[keep] for k, v in self.__dict__.items()})

    def __len__(self) -> int:
        return len(self.region)


def draw_people(n: int, seed: int, ref: Reference) -> People:
    rng = stream(seed, "people")
    weight = ref.region_pop_25_64 * np.array(
        [COUNTRY_UPTAKE.get(ref.countries[c], 1.0) for c in ref.region_country]
    )
    region = pick(rng, weight, n)
    band = pick(rng, AGE_SHARE, n)
    age = rng.integers(AGE_BANDS[band, 0], AGE_BANDS[band, 1])
    isced = pick(rng, ISCED_SHARE, n)
    isced = np.where((age < 22) & (isced > 5), 3, isced)
    labour = pick_rows(rng, np.vstack([LABOUR_ADULT, LABOUR_YOUNG]), (age < 25).astype(np.int64))
    return People(
        region=region,
        country=ref.region_country[region],
        age=age,
        sex=pick(rng, SEX_SHARE, n),
        isced=isced,
        labour=labour,
        id_kind=pick(rng, ID_KIND_SHARE, n),
    )


def learner_frame(people: People, first_year: np.ndarray, seed: int, ref: Reference) -> pl.DataFrame:
    """The learners table with integer keys (0..n-1); optional fields are sometimes missing, as delivered."""
    rng = stream(seed, "learner-fields")
    n = len(people)
    return pl.DataFrame(
        {
            "learner_id": np.arange(n, dtype=KEY),
            "birth_year": np.clip(first_year - people.age, 1930, 2012).astype(np.int64),
            "sex": labels(people.sex, C.SEXES),
            "prior_education_isced": masked(people.isced.astype(np.int64), rng.random(n) >= 0.04),
            "region_code": labels(
                np.where(rng.random(n) < 0.97, people.region, -1), ref.regions["region_code"]
            ),
            "labour_status_before": labels(
                np.where(rng.random(n) < 0.95, people.labour, -1), C.LABOUR_STATUS
            ),
        }
    )


def raw_identifiers(people: People, seed: int, ref: Reference) -> pl.Series:
    """One raw identifier per learner: national-ID-like, e-mail, or an Open Badges ``sha256$`` identity hash.

    Numbers come from affine permutations of the learner index, so they are unique without any lookup.
    """
    rng = stream(seed, "learner-ids")
    n = len(people)
    idx = np.arange(n, dtype=np.int64)
    national = (idx * 387_420_489 + 12_345_678) % 1_000_000_000
    mail_no = (idx * 7_654_321 + 1_000) % 10_000_000
    first_off = np.cumsum([0] + [len(f) for f in ref.first_names])[:-1]
    last_off = np.cumsum([0] + [len(f) for f in ref.last_names])[:-1]
    n_first = np.array([len(f) for f in ref.first_names])[people.country]
    n_last = np.array([len(f) for f in ref.last_names])[people.country]
    first = pl.Series([x for f in ref.first_names for x in f]).gather(
        first_off[people.country] + np.floor(rng.random(n) * n_first).astype(np.int64)
    )
    last = pl.Series([x for f in ref.last_names for x in f]).gather(
        last_off[people.country] + np.floor(rng.random(n) * n_last).astype(np.int64)
    )
    domain = pl.Series(EMAIL_DOMAINS).gather(rng.integers(0, len(EMAIL_DOMAINS), n))
    digest = hex_strings(rng, n, 64)
    kind = pl.Series(people.id_kind.astype(np.int64))
    return (
        pl.DataFrame({"kind": kind, "country": pl.Series(ref.countries).gather(people.country)})
        .select(
            pl.when(pl.col("kind") == 0)
            .then(
                pl.concat_str(
                    pl.col("country"), pl.lit("-"), pl.lit(pl.Series(national)).cast(pl.String).str.zfill(9)
                )
            )
            .when(pl.col("kind") == 1)
            .then(
                pl.concat_str(
                    pl.lit(first),
                    pl.lit("."),
                    pl.lit(last),
                    pl.lit("."),
                    pl.lit(pl.Series(mail_no)).cast(pl.String),
                    pl.lit("@"),
                    pl.lit(domain),
                )
            )
            .otherwise(pl.concat_str(pl.lit("sha256$"), pl.lit(digest)))
            .alias("learner_id")
        )
        .to_series()
    )
