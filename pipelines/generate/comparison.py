"""The administrative employment source: learners and a comparison population observed every quarter.

Everyone in the file is observed on the first day of each quarter (from ``GRID_START`` to the cut-off):
comparison people (who never took a micro-credential) on every date, learners on the dates from 12
months before to 12 months after their first award. Employment follows a model with **selection on
observables**: a person's chance of being employed depends on age, prior education, sex, country and
calendar time, and its trend over time differs by age and education. Learners are younger and better
educated than the comparison population, so their employment would have risen even without the
credential: the naive before/after gain is biased upwards. After the first award a learner's chance
of being employed rises by a true effect that depends on the provider type and the field (half of it
in the quarter of the award), and earnings rise by a share that depends on the provider type.

The true average effects on the treated (ATT) are computed from the model's probabilities, person by
person (not from the drawn outcomes), and written to ``ground_truth.json`` under ``impact``.
All draws are vectorised; statuses are drawn through a Gaussian copula with a persistent person term,
so one person's statuses are correlated over time while each date keeps its exact probability.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import expit, ndtr

from .streams import pick, stream

GRID_START = dt.date(2018, 1, 1)
WINDOW = 4  # quarters before and after the first award (relative months -12 ... +12)
HORIZONS = {"6m": 2, "12m": 4}  # relative quarter of the 6- and 12-month outcome
BASE = -1  # the reference quarter (3 months before the anchor)
COMPARISON_RATIO = {"small": 3.0, "demo": 1.0, "medium": 0.6, "large": 0.1}
PROVIDER_TYPES = ("higher_education", "vet", "employer", "sector_body", "private", "public_body", "ngo")
# true effect on the probability of being employed, by provider type, plus a field adjustment
EFFECT_EMPLOYMENT = np.array([0.03, 0.07, 0.09, 0.06, 0.02, 0.05, 0.04])
FIELD_ADJUST = {"06": 0.03, "09": 0.02, "02": -0.02, "03": -0.01}
EFFECT_WAGE = np.array([0.05, 0.04, 0.06, 0.04, 0.03, 0.02, 0.01])  # uplift of earnings when employed
COUNTRY_LEVEL = {"NL": 0.35, "DE": 0.3, "FR": 0.1, "FI": 0.25, "ES": -0.25, "PL": -0.05}
COUNTRY_WAGE = {"NL": 1.2, "DE": 1.15, "FR": 1.0, "FI": 1.1, "ES": 0.75, "PL": 0.5}
COMPARISON_ISCED = np.array([0.02, 0.05, 0.15, 0.38, 0.10, 0.04, 0.16, 0.08, 0.02])
RHO = 0.75  # share of the latent status variance that is persistent within a person
STATUSES = ("employed", "self_employed", "unemployed", "inactive", "in_education")


def grid_days(cutoff: dt.date) -> np.ndarray:
    """Observation dates (days since 1970-01-01): the first day of each quarter up to the cut-off."""
    out, y, m = [], GRID_START.year, 1
    while dt.date(y, m, 1) <= cutoff:
        out.append((dt.date(y, m, 1) - dt.date(1970, 1, 1)).days)
        y, m = (y + 1, 1) if m == 10 else (y, m + 3)
    return np.array(out, dtype=np.int64)


def _index(age, isced, sex, country_level, years):
    """Logit of the chance of being employed without a micro-credential (broadcasts over dates)."""
    edu = np.where(isced <= 2, -0.6, np.where(isced <= 4, 0.0, 0.45))
    high = (isced >= 5).astype(float)
    young = -0.012 * np.clip(32.0 - age, 0.0, 16.0) ** 2  # rises steeply in the early twenties, smoothly
    old = -0.004 * np.clip(age - 50.0, 0.0, None) ** 2
    trend = (0.15 + 0.2 * high + 0.15 * np.clip((35.0 - age) / 15.0, 0.0, 1.0)) * years
    return -0.1 + edu + np.where(sex == 1, 0.15, 0.0) + country_level + young + old + trend


@dataclass
class ComparisonData:
    frame: pl.DataFrame  # the comparison_population table, delivered columns, as text-ready values
    truth: dict


def build(tables: dict, people, learner_ids: pl.Series, ref, seed: int, cutoff: dt.date, scale: str):
    """The comparison_population frame and the impact ground truth."""
    grid = grid_days(cutoff)
    n_grid = len(grid)
    years = (grid - grid[0]) / 365.25
    aw = tables["awards"].select("award_id", "learner_id", "credential_id", "issue_date")
    first = aw.sort(["learner_id", "issue_date", "award_id"]).unique(
        "learner_id", keep="first", maintain_order=True
    )
    creds = tables["credentials"].select("credential_id", "provider_id", "isced_f_broad", "eqf_level")
    provs = tables["providers"].select("provider_id", "provider_type", "country_code")
    first = first.join(creds, on="credential_id", how="left").join(provs, on="provider_id", how="left")
    learners = tables["learners"]
    lid = first["learner_id"].to_numpy().astype(np.int64)
    issue = first["issue_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    anchor = np.searchsorted(grid, issue, side="left")  # first quarter start on or after the award
    ptype = first["provider_type"].to_physical().to_numpy().astype(np.int64)
    adjust = (
        first["isced_f_broad"]
        .cast(pl.String)
        .replace_strict(FIELD_ADJUST, default=0.0, return_dtype=pl.Float64)
    )
    tau = EFFECT_EMPLOYMENT[ptype] + adjust.fill_null(0.0).to_numpy()
    wage_up = EFFECT_WAGE[ptype]
    countries = np.array(ref.countries)

    # --- people: learners (treated) then the comparison population
    n_t = len(lid)
    n_c = int(round(COMPARISON_RATIO.get(scale, 1.0) * len(learners)))
    rng = stream(seed, "comparison-people")
    region_c = pick(rng, ref.region_pop_25_64, n_c)
    birth_c = rng.integers(1958, 2006, n_c)
    sex_c = pick(rng, [0.505, 0.49, 0.005], n_c)
    isced_c = pick(rng, COMPARISON_ISCED, n_c).astype(np.int64)
    isced_c = np.where((2024 - birth_c < 22) & (isced_c > 5), 3, isced_c)
    birth = np.concatenate([learners["birth_year"].to_numpy()[lid], birth_c])
    sex = np.concatenate([people.sex[lid].astype(np.int64), sex_c.astype(np.int64)])
    isced = np.concatenate([people.isced[lid].astype(np.int64), isced_c])
    region = np.concatenate([people.region[lid].astype(np.int64), region_c.astype(np.int64)])
    country = ref.region_country[region]
    level = np.array([COUNTRY_LEVEL[c] for c in countries])[country]
    wage_country = np.array([COUNTRY_WAGE[c] for c in countries])[country]
    n = n_t + n_c

    # --- which dates each person is observed on (as a mask over the grid)
    q = np.arange(n_grid)
    rel = np.full((n, n_grid), 99, dtype=np.int64)
    rel[:n_t] = q[None, :] - anchor[:, None]
    observed = np.ones((n, n_grid), dtype=bool)
    observed[:n_t] = np.abs(rel[:n_t]) <= WINDOW

    # --- potential outcomes (probabilities) on every date
    year_of = 1970 + (grid / 365.25)
    age = year_of[None, :] - birth[:, None] - 0.5
    eta = _index(age, isced[:, None], sex[:, None], level[:, None], years[None, :])
    p0 = expit(eta)
    post = np.zeros((n, n_grid))
    post[:n_t] = np.where(rel[:n_t] == 0, 0.5, (rel[:n_t] > 0).astype(float))
    tau_all = np.concatenate([tau, np.zeros(n_c)])
    p1 = np.clip(p0 + post * tau_all[:, None], 0.0, 0.99)
    rng = stream(seed, "comparison-outcomes")
    z = np.sqrt(RHO) * rng.standard_normal(n)[:, None] + np.sqrt(1 - RHO) * rng.standard_normal((n, n_grid))
    u = ndtr(z)
    employed = u < p1  # p1 == p0 where there is no effect
    mu = np.log(1700.0 * wage_country) + 0.1 * (isced - 3) + 0.25 * rng.standard_normal(n)
    wage0 = np.exp(mu)[:, None] * (1.02**years)[None, :] * (1 + 0.03 * np.clip(age - 18, 0, 20))
    up_all = np.concatenate([wage_up, np.zeros(n_c)])
    wage1 = wage0 * (1 + post * up_all[:, None])
    noise = np.exp(0.05 * rng.standard_normal((n, n_grid)) - 0.00125)
    earnings = np.where(employed, np.round(wage1 * noise), 0.0)
    self_emp = rng.random((n, n_grid)) < 0.1
    not_work = pick(rng, [0.45, 0.4, 0.15], n * n_grid).reshape(n, n_grid)  # unemployed, inactive, education
    not_work = np.where((age < 25) & (rng.random((n, n_grid)) < 0.5), 2, not_work)
    status = np.where(employed, np.where(self_emp, 1, 0), 2 + not_work)

    # --- the delivered frame
    pi, gi = np.nonzero(observed)
    cmp_ids = pl.select(
        pl.concat_str(
            pl.lit("person."),
            pl.int_range(1, n_c + 1).cast(pl.String).str.zfill(7),
            pl.lit("@register.example.org"),
        )
    ).to_series()
    person_ids = pl.concat([learner_ids.gather(pl.Series(lid)), cmp_ids])
    frame = pl.DataFrame(
        {
            "observation_id": pl.Series(np.arange(1, len(pi) + 1)).cast(pl.String).str.zfill(10),
            "person_id": person_ids.gather(pl.Series(pi)),
            "birth_year": birth[pi],
            "sex": pl.Series(np.array(["F", "M", "X"])[sex[pi]]),
            "prior_education_isced": isced[pi],
            "region_code": ref.regions["region_code"].gather(pl.Series(region[pi])),
            "observation_date": pl.Series(grid[gi]).cast(pl.Int32).cast(pl.Date),
            "status": pl.Series(np.array(STATUSES)[status[pi, gi]]),
            "monthly_earnings_eur": np.where(earnings[pi, gi] > 0, earnings[pi, gi], np.nan),
        }
    ).with_columns(
        observation_id=pl.concat_str(pl.lit("ADM-"), "observation_id"),
        monthly_earnings_eur=pl.col("monthly_earnings_eur").fill_nan(None),
    )

    # --- the truth: ATT from the model's probabilities, on the learners observed at base and horizon
    groups = first.select(
        field=pl.col("isced_f_broad").cast(pl.String),
        provider_type=pl.col("provider_type").cast(pl.String),
        eqf_level=pl.col("eqf_level").cast(pl.String),
        country=pl.col("country_code").cast(pl.String),
    )
    truth = {
        "method": "true ATT = mean over learners observed at the reference quarter and the horizon of "
        "P(employed | credential) - P(employed | none) (earnings: expected monthly earnings, 0 when not in "
        "paid work); naive = mean expected change from the reference quarter to the horizon",
        "reference_quarter": BASE,
        "comparison_people": n_c,
        "learners_in_file": n_t,
        "outcomes": {},
    }
    e0 = p0 * wage0
    e1 = p1 * wage1
    rows = np.arange(n_t)
    for outcome, (y0, y1) in {"employment": (p0, p1), "earnings": (e0, e1)}.items():
        out = {}
        for label, k in HORIZONS.items():
            ok = (anchor + BASE >= 0) & (anchor + k < n_grid)
            b = np.clip(anchor + BASE, 0, n_grid - 1)
            h = np.clip(anchor + k, 0, n_grid - 1)
            effect = y1[rows, h] - y0[rows, h]
            naive = y1[rows, h] - y0[rows, b]
            entry = {
                "learners": int(ok.sum()),
                "att": round(float(effect[ok].mean()), 6),
                "naive": round(float(naive[ok].mean()), 6),
                "by": {},
            }
            for by in groups.columns:
                frame_g = pl.DataFrame({"g": groups[by], "e": effect, "v": naive}).filter(pl.Series(ok))
                frame_g = frame_g.drop_nulls("g")
                agg = frame_g.group_by("g").agg(n=pl.len(), att=pl.col("e").mean(), naive=pl.col("v").mean())
                entry["by"][by] = {
                    r["g"]: {"learners": r["n"], "att": round(r["att"], 6), "naive": round(r["naive"], 6)}
                    for r in agg.sort("g").iter_rows(named=True)
                }
            out[label] = entry
        truth["outcomes"][outcome] = out
    return ComparisonData(frame=frame, truth=truth)
