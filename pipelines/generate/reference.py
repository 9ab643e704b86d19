"""Static reference data (real NUTS 2 regions, ISCED-F fields, name pools) as small CSVs beside the code.

Region populations by age band are rounded approximations of Eurostat 2023 figures (plausible, not official).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).parent / "reference"
AGE_BANDS = ("15-24", "25-34", "35-44", "45-54", "55-64", "65+")
POP_COLUMNS = ("pop_15_24", "pop_25_34", "pop_35_44", "pop_45_54", "pop_55_64", "pop_65_plus")


@dataclass(frozen=True)
class Reference:
    regions: pl.DataFrame  # region_code, region_name, country_code, pop_* columns
    countries: tuple[str, ...]
    region_country: np.ndarray  # country index per region
    region_pop_25_64: np.ndarray
    fields: pl.DataFrame  # isced_f_broad, field_name, weight, subjects, isco08, nace
    subjects: tuple[tuple[str, ...], ...]  # per field
    isco: tuple[tuple[str, ...], ...]
    nace: tuple[tuple[str, ...], ...]
    first_names: tuple[tuple[str, ...], ...]  # per country
    last_names: tuple[tuple[str, ...], ...]
    legal_suffix: tuple[str, ...]


def _read(name: str) -> pl.DataFrame:
    return pl.read_csv(HERE / name, infer_schema=False)


@cache
def load() -> Reference:
    regions = _read("regions.csv").with_columns(pl.col(list(POP_COLUMNS)).cast(pl.Int64))
    countries = tuple(dict.fromkeys(regions["country_code"].to_list()))
    region_country = np.array([countries.index(c) for c in regions["country_code"]], dtype=np.int16)
    pop = regions.select(list(POP_COLUMNS[1:5])).sum_horizontal().to_numpy().astype(float)
    fields = _read("fields.csv").with_columns(pl.col("weight").cast(pl.Float64))
    names = _read("names.csv")
    by_country = {r["country_code"]: r for r in names.iter_rows(named=True)}
    return Reference(
        regions=regions,
        countries=countries,
        region_country=region_country,
        region_pop_25_64=pop,
        fields=fields,
        subjects=tuple(tuple(s.split("|")) for s in fields["subjects"]),
        isco=tuple(tuple(s.split("|")) for s in fields["isco08"]),
        nace=tuple(tuple(s.split("|")) for s in fields["nace"]),
        first_names=tuple(tuple(by_country[c]["first_names"].split("|")) for c in countries),
        last_names=tuple(tuple(by_country[c]["last_names"].split("|")) for c in countries),
        legal_suffix=tuple(by_country[c]["legal_suffix"] for c in countries),
    )


def region_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The regions and region_population tables exactly as the contracts describe them."""
    ref = load()
    regions = ref.regions.select("region_code", "region_name", "country_code")
    population = (
        ref.regions.select("region_code", *POP_COLUMNS)
        .rename(dict(zip(POP_COLUMNS, AGE_BANDS, strict=True)))
        .unpivot(index="region_code", variable_name="age_band", value_name="population")
        .sort("region_code", "age_band")
    )
    return regions, population
