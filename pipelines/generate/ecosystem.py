"""The supply side: providers, the qualifications micro-credentials stack into, and credential specifications.

Everything is drawn as numpy arrays (one value per record) from probability tables indexed by provider type,
so the causal rules documented in docs/GENERATOR.md live in the tables at the top of this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import codes as C
from .columns import KEY, labels, masked
from .dates import FIRST_DAY, to_days, year_of
from .reference import Reference
from .scales import ScaleSpec
from .streams import pick, pick_rows, stream

# Provider types, in codes.PROVIDER_TYPES order:
#                      HE    VET   empl  sector priv  public ngo
TYPE_SHARE = np.array([0.22, 0.20, 0.20, 0.08, 0.18, 0.06, 0.06])
EXTERNAL_QA = np.array([0.95, 0.85, 0.15, 0.50, 0.25, 0.60, 0.20])
COUNTRY_UPTAKE = {"NL": 1.6, "DE": 0.8, "FR": 0.7, "FI": 1.8, "ES": 0.9, "PL": 0.6}

# ISCED-F broad field (00..10) preference by provider type, multiplied with the field weights in fields.csv
FIELD_TILT = np.array(
    [
        [0.5, 1.5, 1.6, 1.5, 1.0, 2.0, 1.0, 1.0, 1.0, 1.2, 0.6],  # higher_education
        [0.8, 0.6, 0.4, 0.3, 0.9, 0.3, 0.9, 1.8, 1.5, 1.4, 1.6],  # vet
        [0.6, 0.3, 0.3, 0.4, 1.2, 0.5, 1.6, 1.4, 0.6, 0.8, 1.1],  # employer
        [0.5, 0.4, 0.3, 0.3, 1.0, 0.4, 1.0, 1.8, 1.5, 1.2, 1.4],  # sector_body
        [1.2, 0.8, 0.8, 0.6, 1.3, 0.4, 1.7, 0.5, 0.3, 0.7, 0.9],  # private
        [2.5, 1.0, 0.3, 1.5, 0.8, 0.3, 0.8, 0.8, 0.8, 1.6, 1.2],  # public_body
        [2.5, 1.8, 1.2, 2.5, 0.5, 0.5, 0.6, 0.4, 0.8, 1.5, 0.8],  # ngo
    ]
)
# EQF level 1..8 by provider type
EQF = np.array(
    [
        [0, 0, 0, 0, 0.15, 0.55, 0.30, 0],
        [0, 0, 0.25, 0.55, 0.20, 0, 0, 0],
        [0, 0, 0, 0.35, 0.35, 0.30, 0, 0],
        [0, 0, 0.15, 0.45, 0.40, 0, 0, 0],
        [0, 0, 0, 0.30, 0.40, 0.30, 0, 0],
        [0, 0.15, 0.35, 0.50, 0, 0, 0, 0],
        [0, 0.35, 0.40, 0.25, 0, 0, 0, 0],
    ]
)
ECTS_MEDIAN = np.array([5.0, 4.0, 2.0, 3.0, 2.0, 3.0, 1.5])
ECTS_STEPS = np.array([0.5, 1, 1.5, 2, 3, 4, 5, 6, 7.5, 10, 12, 15, 20, 30])
# participation: online, onsite, blended -- industry and private providers deliver more online
PARTICIPATION = np.array(
    [
        [0.25, 0.45, 0.30],
        [0.15, 0.60, 0.25],
        [0.55, 0.20, 0.25],
        [0.45, 0.30, 0.25],
        [0.60, 0.15, 0.25],
        [0.30, 0.45, 0.25],
        [0.35, 0.40, 0.25],
    ]
)
# usual format: paper, digital certificate, digital badge (paper then gives way with launch year)
FORMAT = np.array(
    [
        [0.30, 0.45, 0.25],
        [0.45, 0.35, 0.20],
        [0.15, 0.30, 0.55],
        [0.30, 0.35, 0.35],
        [0.10, 0.30, 0.60],
        [0.40, 0.45, 0.15],
        [0.30, 0.30, 0.40],
    ]
)
# assessment: exam, project, portfolio, practical, oral, none
ASSESSMENT = np.array(
    [
        [0.40, 0.30, 0.10, 0.10, 0.08, 0.02],
        [0.25, 0.15, 0.10, 0.42, 0.05, 0.03],
        [0.30, 0.25, 0.05, 0.28, 0.02, 0.10],
        [0.45, 0.10, 0.10, 0.28, 0.02, 0.05],
        [0.45, 0.25, 0.05, 0.10, 0.03, 0.12],
        [0.30, 0.10, 0.20, 0.20, 0.05, 0.15],
        [0.15, 0.25, 0.20, 0.10, 0.05, 0.25],
    ]
)
SUPERVISION = np.array(  # unsupervised_no_id, supervised_no_id, supervised_id
    [
        [0.20, 0.30, 0.50],
        [0.15, 0.40, 0.45],
        [0.40, 0.35, 0.25],
        [0.20, 0.30, 0.50],
        [0.55, 0.25, 0.20],
        [0.25, 0.35, 0.40],
        [0.50, 0.35, 0.15],
    ]
)
STACKABLE = np.array([0.45, 0.45, 0.15, 0.30, 0.15, 0.25, 0.10])
CO_DESIGN = np.array([0.25, 0.35, 0.55, 0.60, 0.35, 0.30, 0.20])
GRADING = np.array(  # none, pass, numeric, letter
    [
        [0.15, 0.10, 0.55, 0.20],
        [0.20, 0.50, 0.25, 0.05],
        [0.50, 0.45, 0.05, 0.00],
        [0.30, 0.55, 0.15, 0.00],
        [0.50, 0.35, 0.10, 0.05],
        [0.40, 0.55, 0.05, 0.00],
        [0.70, 0.30, 0.00, 0.00],
    ]
)
POPULARITY = np.array([1.0, 1.0, 1.1, 1.0, 1.4, 0.9, 0.7])
# Annex I element present in the specification (before the post-2022 improvement):
#                  HE    VET   empl  sector priv  public ngo
PRESENT = {
    "title": np.array([0.99, 0.99, 0.98, 0.99, 0.98, 0.99, 0.97]),
    "learning_outcomes": np.array([0.90, 0.85, 0.55, 0.70, 0.50, 0.70, 0.45]),
    "ects": np.array([0.90, 0.75, 0.35, 0.55, 0.40, 0.55, 0.30]),
    "hours_if_no_ects": np.array([0.50, 0.55, 0.45, 0.50, 0.55, 0.45, 0.40]),
    "eqf_level": np.array([0.88, 0.82, 0.40, 0.62, 0.40, 0.55, 0.35]),
    "assessment_type": np.array([0.93, 0.90, 0.75, 0.85, 0.72, 0.80, 0.65]),
    "participation_form": np.array([0.95, 0.93, 0.88, 0.90, 0.90, 0.90, 0.85]),
    "qa_type": np.array([0.92, 0.88, 0.55, 0.72, 0.50, 0.80, 0.50]),
    "esco_skills": np.array([0.45, 0.40, 0.45, 0.55, 0.40, 0.45, 0.25]),
}
PRESENCE_BOOST_2023 = 0.06  # after the 2022 Council Recommendation, each element is present more often

PROVIDER_NAMES = (
    (
        "{R} University of Applied Sciences",
        "University of {R}",
        "{R} Technical University",
        "{R} Business School",
    ),
    ("{R} Vocational College", "{R} Regional Training Centre", "{R} VET Institute", "{R} Technical College"),
    ("{W} {S} {L}", "{W} {S} Group {L}", "{W} {S} {L}"),
    ("{S} Skills Council {C}", "Chamber of Commerce {R}", "{S} Industry Association {C}"),
    ("{W} Academy", "{W} Learning {L}", "{W} Training Institute"),
    ("Public Employment Service {R}", "{R} Regional Skills Agency", "Adult Education Office {R}"),
    ("{W} Foundation", "Skills for All {R}", "{W} Community Learning"),
)
WORDS = (
    "Nordlicht", "Alpina", "Helix", "Orion", "Vireo", "Kestrel", "Baltic", "Meridian", "Solent", "Tessera",
    "Lumen", "Arcadia", "Polaris", "Castor", "Zenith", "Aurora", "Cobalt", "Linden", "Marlin", "Sable",
)  # fmt: skip
SECTORS = (
    "Logistics",
    "Energy",
    "Systems",
    "Health",
    "Foods",
    "Mobility",
    "Software",
    "Engineering",
    "Retail",
)
LEVEL_WORD = (
    "Basics",
    "Basics",
    "Basics",
    "Foundations",
    "Practitioner",
    "Professional",
    "Advanced",
    "Expert",
)
LO_TEMPLATES = (
    "Explain the key concepts of {s}",
    "Apply {s} techniques to a realistic workplace task",
    "Evaluate {s} options against quality, cost and risk",
    "Document and communicate {s} work to stakeholders",
    "Plan and carry out a small {s} project independently",
)
PREREQUISITES = (
    "None",
    "EQF level 4 qualification or equivalent",
    "Basic knowledge of the field",
    "Employed in the sector",
    "Completed the foundations module",
)
QUALIFICATION_TITLE = {
    4: "VET diploma in {f}",
    5: "Associate degree in {f}",
    6: "Bachelor in {f}",
    7: "Master in {f}",
}


@dataclass
class Ecosystem:
    """Supply-side arrays (index = record number) plus the frames that need no demand-side information."""

    providers: pl.DataFrame
    qualifications: pl.DataFrame
    qualification_ids: list[str]
    prov_type: np.ndarray
    prov_country: np.ndarray
    cred_provider: np.ndarray
    cred_type: np.ndarray
    cred_country: np.ndarray
    cred_field: np.ndarray
    cred_eqf: np.ndarray
    cred_ects: np.ndarray
    cred_qa: np.ndarray
    cred_form: np.ndarray
    cred_format: np.ndarray
    cred_target: np.ndarray  # qualification index or -1
    cred_launch: np.ndarray  # days
    cred_weight: np.ndarray
    cred_grading: np.ndarray
    cred_expiry_months: np.ndarray
    cred_text: pl.DataFrame  # credential columns that do not depend on awards (contract names, int keys)

    @property
    def n_credentials(self) -> int:
        return len(self.cred_provider)


def _provider_names(rng: np.random.Generator, ref: Reference, ptype, country, region) -> pl.Series:
    tpl_idx = np.floor(rng.random(len(ptype)) * np.array([len(PROVIDER_NAMES[t]) for t in ptype])).astype(int)
    templates = [PROVIDER_NAMES[t][i] for t, i in zip(ptype, tpl_idx, strict=True)]
    frame = pl.DataFrame(
        {
            "tpl": templates,
            "R": ref.regions["region_name"].gather(region),
            "W": pl.Series(WORDS).gather(rng.integers(0, len(WORDS), len(ptype))),
            "S": pl.Series(SECTORS).gather(rng.integers(0, len(SECTORS), len(ptype))),
            "L": pl.Series(ref.legal_suffix).gather(country),
            "C": pl.Series(ref.countries).gather(country),
        }
    )
    name = pl.col("tpl")
    for key in "RWSLC":
        name = name.str.replace("{" + key + "}", pl.col(key), literal=True)
    named = frame.select(name.alias("name"), pl.int_range(pl.len()).alias("i"))
    # keep names unique: the 2nd, 3rd ... provider with the same name gets a numeral
    named = named.with_columns(k=pl.col("i").rank("ordinal").over("name").cast(pl.Int64))
    return named.select(
        pl.when(pl.col("k") > 1).then(pl.format("{} {}", "name", "k")).otherwise("name")
    ).to_series()


def _launch_days(rng: np.random.Generator, n: int, cutoff_days: int) -> np.ndarray:
    """35 % of offers predate the series (2015-2018); the rest launch at a growing pace up to the cut-off."""
    start, early = to_days(FIRST_DAY), to_days(FIRST_DAY.replace(year=2015))
    span = max(cutoff_days - 45 - start, 30)
    growth = np.log(1.25) / 365.0
    u = rng.random(n)
    later = start + np.floor(np.log1p(u * np.expm1(growth * span)) / growth).astype(np.int64)
    before = rng.integers(early, start, n)
    return np.where(rng.random(n) < 0.35, before, later)


def _snap_ects(values: np.ndarray) -> np.ndarray:
    idx = np.abs(np.log(values)[:, None] - np.log(ECTS_STEPS)[None, :]).argmin(axis=1)
    return ECTS_STEPS[idx]


def build_ecosystem(spec: ScaleSpec, seed: int, ref: Reference, cutoff_days: int) -> Ecosystem:
    rng = stream(seed, "providers")
    n_types, n_countries = len(C.PROVIDER_TYPES), len(ref.countries)
    n_prov = spec.providers
    ptype = pick(rng, TYPE_SHARE, n_prov)
    ptype[:n_types] = np.arange(n_types)  # every provider type is present at every scale
    country_weight = np.array(
        [ref.region_pop_25_64[ref.region_country == c].sum() * COUNTRY_UPTAKE.get(cc, 1.0)
         for c, cc in enumerate(ref.countries)]
    )  # fmt: skip
    pcountry = pick(rng, country_weight, n_prov)
    pcountry[:n_countries] = np.arange(n_countries)
    region_table = np.where(
        ref.region_country[None, :] == np.arange(n_countries)[:, None], ref.region_pop_25_64[None, :], 0.0
    )
    pregion = pick_rows(rng, region_table, pcountry)
    ext_qa = rng.random(n_prov) < EXTERNAL_QA[ptype]
    providers = pl.DataFrame(
        {
            "provider_id": np.arange(n_prov, dtype=KEY),
            "provider_name": _provider_names(rng, ref, ptype, pcountry, pregion),
            "provider_type": labels(ptype, C.PROVIDER_TYPES),
            "country_code": labels(pcountry, ref.countries),
            "region_code": labels(
                np.where(rng.random(n_prov) < 0.92, pregion, -1), ref.regions["region_code"]
            ),
            "external_qa": ext_qa,
        }
    )

    qualifications, qual_ids = _qualifications(ref)

    rng = stream(seed, "credentials")
    n = spec.credentials
    size = rng.lognormal(0.0, 0.8, n_prov) * np.where(np.isin(ptype, (0, 4)), 1.6, 1.0)
    provider = np.concatenate([np.arange(min(n, n_prov)), pick(rng, size, max(n - n_prov, 0))]).astype(
        np.int64
    )
    ctype, ccountry = ptype[provider], pcountry[provider]
    field_table = FIELD_TILT * ref.fields["weight"].to_numpy()[None, :]
    field = pick_rows(rng, field_table, ctype)
    eqf = pick_rows(rng, EQF, ctype) + 1
    ects = _snap_ects(np.exp(np.log(ECTS_MEDIAN[ctype]) + rng.normal(0, 0.65, n)))
    launch = _launch_days(rng, n, cutoff_days)
    launch_year = year_of(launch)
    recent = np.clip(launch_year - 2018, 0, None)
    ext = ext_qa[provider]
    qa = np.where(ext, np.where(rng.random(n) < 0.92, 0, 1), np.where(rng.random(n) < 0.6, 1, 2))
    form = pick_rows(rng, PARTICIPATION, ctype)
    went_online = (form == 1) & (launch_year >= 2020) & (rng.random(n) < 0.25)
    form = np.where(went_online, np.where(rng.random(n) < 0.5, 0, 2), form)
    fmt = pick_rows(rng, FORMAT, ctype)
    digitised = (fmt == 0) & (rng.random(n) > 0.85**recent)
    fmt = np.where(digitised, np.where(rng.random(n) < 0.5, 1, 2), fmt)
    # stackable into a qualification of the provider's country, same field, level >= the credential's level
    stackable = rng.random(n) < STACKABLE[ctype]
    qual_level = np.clip(np.maximum(eqf, 4) + (rng.random(n) < 0.3), 4, 7)
    has_target = stackable & (eqf <= 7) & (rng.random(n) < 0.88)
    target = np.where(has_target, (ccountry * 11 + field) * 4 + (qual_level - 4), -1)
    weight = rng.lognormal(0.0, 1.0, n) * POPULARITY[ctype]
    grading = pick_rows(rng, GRADING, ctype)
    expiry = np.where(
        np.isin(ctype, C.INDUSTRY) & (rng.random(n) < 0.3),
        36,
        np.where((ctype == 4) & (rng.random(n) < 0.15), 24, 0),
    )
    assessment = pick_rows(rng, ASSESSMENT, ctype)
    supervision = pick_rows(rng, SUPERVISION, ctype)

    def present(element: str) -> np.ndarray:
        p = PRESENT[element][ctype] + PRESENCE_BOOST_2023 * (launch_year >= 2023)
        return rng.random(n) < p

    has_ects = present("ects")
    has_hours = np.where(has_ects, rng.random(n) < 0.3, present("hours_if_no_ects"))
    subject_idx = np.floor(rng.random(n) * np.array([len(s) for s in ref.subjects])[field]).astype(int)
    subject = pl.Series([s for subjects in ref.subjects for s in subjects])
    offsets = np.cumsum([0] + [len(s) for s in ref.subjects])[:-1]
    subject = subject.gather(offsets[field] + subject_idx)
    title = pl.concat_str(pl.lit(subject), pl.lit(" "), pl.lit(pl.Series(LEVEL_WORD).gather(eqf - 1)))
    n_lo = rng.integers(1, len(LO_TEMPLATES) + 1, n)
    lo = pl.concat_list(
        [
            pl.concat_str(pl.lit(t.split("{s}")[0]), pl.lit(subject), pl.lit(t.split("{s}")[1]))
            for t in LO_TEMPLATES
        ]
    ).list.head(pl.lit(pl.Series(n_lo)))
    esco = _esco_skills(rng, field, n)
    partner = _co_design_partners(rng, providers, ptype, ctype)
    price = np.where(
        rng.random(n) < np.array([0.3, 0.4, 0.7, 0.2, 0.05, 0.8, 0.7])[ctype],
        0.0,
        np.round(np.exp(rng.normal(np.log(np.array([600, 300, 500, 400, 450, 150, 80])[ctype]), 0.6)), -1),
    )
    cred_text = pl.DataFrame(
        {"credential_id": np.arange(n, dtype=KEY), "provider_id": provider.astype(KEY)}
    ).with_columns(
        title=pl.when(pl.lit(pl.Series(present("title")))).then(title),
        learning_outcomes=pl.when(pl.lit(pl.Series(present("learning_outcomes")))).then(lo.list.join("|")),
        esco_skills=pl.when(pl.lit(pl.Series(present("esco_skills")))).then(pl.lit(esco)),
        isced_f_broad=pl.lit(labels(np.where(rng.random(n) < 0.93, field, -1), ref.fields["isced_f_broad"])),
        eqf_level=pl.lit(masked(eqf.astype(np.int64), present("eqf_level"))),
        ects=pl.lit(masked(ects, has_ects)),
        notional_hours=pl.lit(masked(np.maximum(np.round(ects * 27 / 5) * 5, 5.0), has_hours)),
        participation_form=pl.lit(labels(np.where(present("participation_form"), form, -1), C.PARTICIPATION)),
        format=pl.lit(labels(np.where(rng.random(n) < 0.9, fmt, -1), C.FORMATS)),
        assessment_type=pl.lit(labels(np.where(present("assessment_type"), assessment, -1), C.ASSESSMENT)),
        supervision=pl.lit(
            labels(np.where((assessment != 5) & (rng.random(n) < 0.55), supervision, -1), C.SUPERVISION)
        ),
        qa_type=pl.lit(labels(np.where(present("qa_type"), qa, -1), C.QA_TYPES)),
        prerequisites=pl.lit(
            labels(np.where(rng.random(n) < 0.35, rng.integers(0, len(PREREQUISITES), n), -1), PREREQUISITES)
        ),
        integration=pl.lit(
            labels(np.where(has_target | (rng.random(n) < 0.8), stackable.astype(int), -1), C.INTEGRATION)
        ),
        stackable_into=pl.lit(masked(target.astype(KEY), has_target)),
        co_design_partner=pl.lit(partner),
        price_eur=pl.lit(masked(price, rng.random(n) < 0.75)),
        launch_date=pl.lit(pl.Series(launch).cast(pl.Int32).cast(pl.Date)),
        further_info=pl.lit(pl.Series(rng.random(n) < 0.55)),
    )
    return Ecosystem(
        providers=providers,
        qualifications=qualifications,
        qualification_ids=qual_ids,
        prov_type=ptype,
        prov_country=pcountry,
        cred_provider=provider,
        cred_type=ctype,
        cred_country=ccountry,
        cred_field=field,
        cred_eqf=eqf,
        cred_ects=ects,
        cred_qa=qa,
        cred_form=form,
        cred_format=fmt,
        cred_target=target,
        cred_launch=launch,
        cred_weight=weight,
        cred_grading=grading,
        cred_expiry_months=expiry,
        cred_text=cred_text,
    )


def _qualifications(ref: Reference) -> tuple[pl.DataFrame, list[str]]:
    """One qualification per country x broad field x EQF level 4-7.

    Index = (country * 11 + field) * 4 + level - 4, so a credential finds its target arithmetically.
    """
    fields = ref.fields["isced_f_broad"].to_list()
    names = ref.fields["field_name"].to_list()
    rows = [
        (f"QUAL-{cc}-{f}-{lvl}", QUALIFICATION_TITLE[lvl].format(f=name), lvl, f, cc)
        for cc in ref.countries
        for f, name in zip(fields, names, strict=True)
        for lvl in C.QUALIFICATION_LEVELS
    ]
    schema = ["qualification_id", "title", "eqf_level", "isced_f_broad", "country_code"]
    frame = pl.DataFrame(rows, schema=schema, orient="row")
    ids = frame["qualification_id"].to_list()
    return frame.with_columns(qualification_id=pl.int_range(pl.len(), dtype=pl.Int32)), ids


def _esco_skills(rng: np.random.Generator, field: np.ndarray, n: int) -> pl.Series:
    """1-4 ESCO skill URIs per specification, from a fixed per-field pool of UUID-shaped identifiers."""
    pool_rng = stream(20220616, "esco-pool")  # fixed: the same skills exist whatever the run seed
    per_field = 40
    hexes = pool_rng.bytes(11 * per_field * 16).hex()
    uuids = [
        f"http://data.europa.eu/esco/skill/{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        for h in (hexes[i * 32 : (i + 1) * 32] for i in range(11 * per_field))
    ]
    pool = pl.Series(uuids)
    k = rng.integers(1, 5, n)
    picks = [
        pool.gather(field.astype(np.int64) * per_field + rng.integers(0, per_field, n)) for _ in range(4)
    ]
    return pl.select(
        pl.concat_list([pl.lit(p) for p in picks])
        .list.head(pl.lit(pl.Series(k)))
        .list.unique(maintain_order=True)
        .list.join("|")
    ).to_series()


def _co_design_partners(rng: np.random.Generator, providers: pl.DataFrame, ptype, ctype) -> pl.Series:
    """Industry providers co-design more; partners come from the other side (education <-> industry)."""
    n = len(ctype)
    names = providers["provider_name"]
    industry = np.flatnonzero(np.isin(ptype, C.INDUSTRY))
    education = np.flatnonzero(np.isin(ptype, (0, 1)))
    from_industry = ~np.isin(ctype, C.INDUSTRY)
    pool_ind = industry if len(industry) else np.arange(len(ptype))
    pool_edu = education if len(education) else np.arange(len(ptype))
    idx = np.where(
        from_industry,
        pool_ind[rng.integers(0, len(pool_ind), n)],
        pool_edu[rng.integers(0, len(pool_edu), n)],
    )
    has = rng.random(n) < CO_DESIGN[ctype]
    return (
        names.gather(np.where(has, idx, 0))
        .to_frame("p")
        .select(pl.when(pl.lit(pl.Series(has))).then(pl.col("p")))
        .to_series()
    )


def credential_frame(eco: Ecosystem, last_activity: np.ndarray, seed: int, cutoff_days: int) -> pl.DataFrame:
    """The credentials table: some older offers were retired after their last award or enrolment."""
    rng = stream(seed, "retirement")
    n = eco.n_credentials
    retire = (year_of(eco.cred_launch) < 2022) & (rng.random(n) < 0.10)
    day = np.where(last_activity >= 0, last_activity + rng.integers(1, 91, n), eco.cred_launch + 730)
    retire &= day <= cutoff_days
    retirement = pl.Series(np.where(retire, day, 0)).cast(pl.Int32).cast(pl.Date)
    return eco.cred_text.with_columns(
        retirement_date=pl.when(pl.lit(pl.Series(retire))).then(pl.lit(retirement))
    )
