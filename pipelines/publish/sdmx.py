"""The public indicator cube as SDMX: SDMX-CSV 2.0 data and an SDMX-ML 3.0 data structure definition.

Written into every public release by `mco export` (pipelines/publish/release.py), built and read back
with pysdmx, the SDMX library of the BIS (it writes both SDMX-ML 3.0 structures and SDMX-CSV 2.0 data
from one model; sdmx1 reads SDMX well but writes SDMX-CSV only for 1.0 and structures only as 2.1).

    sdmx/indicator_cube.csv        SDMX-CSV 2.0 data, structure MCO:DSD_MCO_INDICATORS(1.0)
    sdmx/indicator_cube_dsd.xml    SDMX-ML 3.0 structure message: code lists, concept scheme, the DSD

Dimensions (key order): INDICATOR (code list of the registry), REF_AREA (ISO 3166-1 alpha-2 country or
NUTS 2 code; `_T` all areas, `_U` unknown), BREAKDOWN (the cube's breakdown), BREAKDOWN_VALUE (its group
for breakdowns other than time and place; `_T` where the group is already in REF_AREA or TIME_PERIOD,
`_U` unknown), TIME_PERIOD (a year, or for figures over the whole period the ISO 8601 time range
`<first year>-01-01/P<n>Y`). Measure OBS_VALUE. Observation attributes: UNIT_MEASURE, OBS_STATUS,
CONF_STATUS, NUMERATOR, DENOMINATOR.

OBS_STATUS and CONF_STATUS use codes of the SDMX cross-domain code lists SDMX:CL_OBS_STATUS(2.2) and
SDMX:CL_CONF_STATUS(1.3), carried here as MCO code lists holding only the codes used: our flag `c` is
OBS_STATUS `Q` (missing value; suppressed) with CONF_STATUS `C` (confidential, primary suppression) or
`D` (secondary confidentiality set by the sender); `z` is OBS_STATUS `M` (missing value; data cannot
exist: not applicable); `p` provisional is `P`, `u` low reliability `U`, `b` break in series `B`; a shown
value is `A` (normal value) and `F` (free).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import polars as pl
from pysdmx.io import get_datasets, write_sdmx
from pysdmx.io.format import Format
from pysdmx.io.pd import PandasDataset
from pysdmx.model import Code, Codelist, Concept, ConceptScheme, DataType, Organisation, Role
from pysdmx.model.dataflow import Component, Components, DataStructureDefinition
from pysdmx.model.message import Header

AGENCY = "MCO"
DSD_ID = "DSD_MCO_INDICATORS"
SCHEME = "CS_MCO_INDICATORS"
VERSION = "1.0"
DATA_FILE = "sdmx/indicator_cube.csv"
STRUCTURE_FILE = "sdmx/indicator_cube_dsd.xml"
FILES = (DATA_FILE, STRUCTURE_FILE)
MEDIA_TYPES = {
    DATA_FILE: "application/vnd.sdmx.data+csv;version=2.0.0",
    STRUCTURE_FILE: "application/vnd.sdmx.structure+xml;version=3.0.0",
}
TOTAL, UNKNOWN = "_T", "_U"
AREA_BREAKDOWNS = {"country", "region", "country_year", "region_year"}
TIME_BREAKDOWNS = {"year", "country_year", "region_year", "provider_type_year"}
# "<code> <year>" cells: the code is the reference area (or, for provider types, the breakdown value)
YEAR_PAIRS = ("country_year", "region_year", "provider_type_year")

# our flag -> (OBS_STATUS, name) from SDMX:CL_OBS_STATUS(2.2)
OBS_STATUS = {
    None: ("A", "Normal value"),
    "c": ("Q", "Missing value; suppressed"),
    "z": ("M", "Missing value; data cannot exist"),
    "p": ("P", "Provisional value"),
    "u": ("U", "Low reliability"),
    "b": ("B", "Time series break"),
}
# (flag c, suppression) -> CONF_STATUS from SDMX:CL_CONF_STATUS(1.3)
CONF_STATUS = {
    "F": "Free",
    "C": "Confidential statistical information",
    "D": "Secondary confidentiality set by the sender, not for publication",
}
UNITS = {
    "count": ("NR", "Number"),
    "%": ("PC", "Percentage"),
    "ratio": ("RATIO", "Ratio"),
    "pp": ("PP", "Percentage points"),
    "ECTS": ("ECTS", "ECTS credits"),
    "months": ("MONTHS", "Months"),
    "EUR/month": ("EUR_MONTH", "Euro per month"),
    "per 1,000": ("PER_1000", "Per 1,000 inhabitants"),
}
COLUMNS = ("INDICATOR", "REF_AREA", "BREAKDOWN", "BREAKDOWN_VALUE", "TIME_PERIOD", "OBS_VALUE",
           "UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS", "NUMERATOR", "DENOMINATOR")  # fmt: skip


def _urn(kind: str, ident: str) -> str:
    if kind == "concept":
        return f"urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept={AGENCY}:{SCHEME}({VERSION}).{ident}"
    return f"urn:sdmx:org.sdmx.infomodel.codelist.Codelist={AGENCY}:{ident}({VERSION})"


def period(years: list[int]) -> str:
    """The whole period as an SDMX (ISO 8601) time range: first day of the first year, n years long."""
    first, last = min(years), max(years)
    return f"{first}-01-01/P{last - first + 1}Y"


def observations(cube: pl.DataFrame, units: dict[str, str]) -> pl.DataFrame:
    """The public cube (indicator_id, breakdown, breakdown_value, numerator, denominator, value, flag,
    suppression) as SDMX observations, one per cube row; `units` maps indicator id to its unit."""
    years = sorted(
        {int(v) for v in cube.filter(pl.col("breakdown") == "year")["breakdown_value"] if str(v).isdigit()}
    )
    whole = period(years) if years else "_Z"
    bd, value = pl.col("breakdown"), pl.col("breakdown_value")
    known = pl.when(value == "unknown").then(pl.lit(UNKNOWN))
    country_of = value.str.split(" ").list.first()
    year_of = value.str.split(" ").list.last()
    first = pl.when(country_of == "unknown").then(pl.lit(UNKNOWN)).otherwise(country_of)
    area = (
        pl.when(bd.is_in(["country_year", "region_year"]))
        .then(first)
        .when(bd.is_in(["country", "region"]))
        .then(known.otherwise(value))
        .otherwise(pl.lit(TOTAL))
    )
    time = pl.when(bd == "year").then(value).when(bd.is_in(YEAR_PAIRS)).then(year_of).otherwise(pl.lit(whole))
    group = (
        pl.when(bd == "provider_type_year")
        .then(first)
        .when(bd.is_in(["overall", *AREA_BREAKDOWNS, *TIME_BREAKDOWNS]))
        .then(pl.lit(TOTAL))
        .otherwise(known.otherwise(value))
    )
    status = {k or "": v[0] for k, v in OBS_STATUS.items()}
    unit_codes = {i: UNITS.get(u, ("NR", ""))[0] for i, u in units.items()}
    return cube.select(
        pl.col("indicator_id").alias("INDICATOR"),
        area.alias("REF_AREA"),
        bd.str.to_uppercase().alias("BREAKDOWN"),
        group.alias("BREAKDOWN_VALUE"),
        time.alias("TIME_PERIOD"),
        pl.col("value").cast(pl.Float64).fill_nan(None).alias("OBS_VALUE"),
        pl.col("indicator_id").replace_strict(unit_codes, default="NR").alias("UNIT_MEASURE"),
        pl.col("flag").fill_null("").replace_strict(status, default="A").alias("OBS_STATUS"),
        pl.when(pl.col("flag").fill_null("") != "c")
        .then(pl.lit("F"))
        .when(pl.col("suppression") == "secondary")
        .then(pl.lit("D"))
        .otherwise(pl.lit("C"))
        .fill_null("F")
        .alias("CONF_STATUS"),
        pl.col("numerator").cast(pl.Float64).fill_nan(None).alias("NUMERATOR"),
        pl.col("denominator").cast(pl.Float64).fill_nan(None).alias("DENOMINATOR"),
    ).sort("INDICATOR", "BREAKDOWN", "REF_AREA", "BREAKDOWN_VALUE", "TIME_PERIOD")


def _codelist(ident: str, name: str, codes: list[tuple[str, str]], description: str = "") -> Codelist:
    items = [Code(id=c, name=n or c) for c, n in codes]
    return Codelist(id=ident, agency=AGENCY, version=VERSION, name=name, description=description or None,
                    items=items)  # fmt: skip


def structures(
    indicators: list[tuple[str, str]], breakdowns: list[str], areas: list[str], title: str
) -> tuple[list, DataStructureDefinition]:
    """The code lists, concept scheme and data structure definition of the cube."""
    area_names = {TOTAL: "Total (all areas)", UNKNOWN: "Unknown"}
    lists = {
        "INDICATOR": _codelist("CL_INDICATOR", "Indicators of the Microcredential Observatory", indicators),
        "REF_AREA": _codelist(
            "CL_AREA",
            "Reference areas (ISO 3166-1 alpha-2 countries, NUTS 2 regions)",
            [(a, area_names.get(a, a)) for a in areas],
        ),  # fmt: skip
        "BREAKDOWN": _codelist(
            "CL_BREAKDOWN",
            "Breakdowns of the indicator cube",
            [(b.upper(), b.replace("_", " ")) for b in breakdowns],
        ),  # fmt: skip
        "UNIT_MEASURE": _codelist("CL_UNIT_MEASURE", "Units of measure", sorted(set(UNITS.values()))),
        "OBS_STATUS": _codelist(
            "CL_OBS_STATUS",
            "Observation status",
            sorted(set(OBS_STATUS.values())),
            "Codes of the SDMX cross-domain code list SDMX:CL_OBS_STATUS(2.2) used by this data set.",
        ),
        "CONF_STATUS": _codelist(
            "CL_CONF_STATUS",
            "Confidentiality status",
            sorted(CONF_STATUS.items()),
            "Codes of the SDMX cross-domain code list SDMX:CL_CONF_STATUS(1.3) used by this data set.",
        ),
    }
    text = {
        "INDICATOR": "Indicator",
        "REF_AREA": "Reference area",
        "BREAKDOWN": "Breakdown",
        "BREAKDOWN_VALUE": "Breakdown value",
        "TIME_PERIOD": "Time period",
        "OBS_VALUE": "Observation value",
        "UNIT_MEASURE": "Unit of measure",
        "OBS_STATUS": "Observation status",
        "CONF_STATUS": "Confidentiality status",
        "NUMERATOR": "Numerator",
        "DENOMINATOR": "Denominator",
    }
    dtypes = {
        "BREAKDOWN_VALUE": DataType.STRING,
        "TIME_PERIOD": DataType.PERIOD,
        "OBS_VALUE": DataType.DOUBLE,
        "NUMERATOR": DataType.DOUBLE,
        "DENOMINATOR": DataType.DOUBLE,
    }
    concepts = {
        c: Concept(id=c, name=name, urn=_urn("concept", c), codes=lists.get(c), dtype=dtypes.get(c))
        for c, name in text.items()
    }
    roles = {"OBS_VALUE": Role.MEASURE, **{a: Role.ATTRIBUTE for a in COLUMNS[6:]}}
    required = {"NUMERATOR": False, "DENOMINATOR": False, "OBS_VALUE": False}
    components = Components(
        [
            Component(
                id=c,
                required=required.get(c, True),
                role=roles.get(c, Role.DIMENSION),
                concept=concepts[c],
                local_codes=lists.get(c),
                local_dtype=dtypes.get(c),
                attachment_level="O" if roles.get(c) == Role.ATTRIBUTE else None,
            )
            for c in COLUMNS
        ]
    )
    scheme = ConceptScheme(id=SCHEME, agency=AGENCY, version=VERSION, name="Concepts of the indicator cube",
                           items=list(concepts.values()))  # fmt: skip
    dsd = DataStructureDefinition(id=DSD_ID, agency=AGENCY, version=VERSION, name=title,
                                  components=components)  # fmt: skip
    return [*lists.values(), scheme], dsd


def write(
    folder: Path,
    cube: pl.DataFrame,
    indicators: list[tuple[str, str, str]],
    breakdowns: list[str],
    title: str,
    build_id: str,
    built_at: datetime,
) -> list[str]:
    """Write the SDMX files of `cube` under `folder`; `indicators` are (id, name, unit). Returns the
    files written, relative to `folder`. The same cube and build give the same bytes."""
    obs = observations(cube, {i: u for i, _, u in indicators})
    areas = sorted(set(obs["REF_AREA"]) | {TOTAL, UNKNOWN})
    artefacts, dsd = structures([(i, n) for i, n, _ in indicators], breakdowns, areas, title)
    header = Header(id=f"MCO-{build_id}", prepared=built_at, sender=Organisation(id=AGENCY))
    (folder / "sdmx").mkdir(parents=True, exist_ok=True)
    xml = write_sdmx([*artefacts, dsd], Format.STRUCTURE_SDMX_ML_3_0, header=header)
    (folder / STRUCTURE_FILE).write_text(xml, encoding="utf-8")
    frame = obs.to_pandas().astype({c: "string" for c in obs.columns if obs.schema[c] == pl.String})
    data = PandasDataset(structure=dsd.to_schema(), data=frame)
    csv = write_sdmx(data, Format.DATA_SDMX_CSV_2_0_0)
    (folder / DATA_FILE).write_text(csv, encoding="utf-8", newline="")
    return list(FILES)


def read(folder: Path) -> pd.DataFrame:
    """The SDMX data of a release folder read back with pysdmx against its own structure file."""
    datasets = get_datasets(str(folder / DATA_FILE), str(folder / STRUCTURE_FILE))
    if len(datasets) != 1:
        raise ValueError(f"expected one SDMX data set, found {len(datasets)}")
    return datasets[0].data


def describe() -> dict:
    """What the data dictionary says about the SDMX files."""
    return {
        "files": list(FILES),
        "structure": f"{AGENCY}:{DSD_ID}({VERSION})",
        "formats": {DATA_FILE: "SDMX-CSV 2.0", STRUCTURE_FILE: "SDMX-ML 3.0 structure message"},
        "dimensions": {
            "INDICATOR": "indicator id (code list CL_INDICATOR, from the indicator registry)",
            "REF_AREA": "ISO 3166-1 alpha-2 country or NUTS 2 region; _T all areas, _U unknown",
            "BREAKDOWN": "the cube's breakdown, upper case (OVERALL, YEAR, COUNTRY, REGION, …)",
            "BREAKDOWN_VALUE": "the group of other breakdowns (provider type, field, EQF level, …); _T where "
            "the group is in REF_AREA or TIME_PERIOD, _U unknown",
            "TIME_PERIOD": "a year, or the whole period as an ISO 8601 time range (YYYY-01-01/PnY)",
        },
        "measure": {"OBS_VALUE": "the published value; empty when suppressed or not applicable"},
        "attributes": {
            "UNIT_MEASURE": {code: name for code, name in UNITS.values()},
            "OBS_STATUS": {
                code: f"{name} (flag {flag or 'none'})" for flag, (code, name) in OBS_STATUS.items()
            },
            "CONF_STATUS": dict(CONF_STATUS),
            "NUMERATOR": "published numerator (empty when suppressed)",
            "DENOMINATOR": "published denominator (empty when suppressed or for counts)",
        },
        "code_lists": "OBS_STATUS codes are those of SDMX:CL_OBS_STATUS(2.2) and CONF_STATUS codes those of "
        "SDMX:CL_CONF_STATUS(1.3) (the SDMX cross-domain code lists); only the codes used are listed.",
    }


def markdown() -> str:
    d = describe()
    lines = [
        "## SDMX",
        "",
        f"The indicator cube as SDMX-CSV 2.0 (`{DATA_FILE}`) with its SDMX-ML 3.0 data structure definition "
        f"`{d['structure']}` (`{STRUCTURE_FILE}`: code lists, concepts, the DSD). Read it with pysdmx: "
        f"`get_datasets('{DATA_FILE}', '{STRUCTURE_FILE}')`.",
        "",
        "| component | role | meaning |",
        "| --- | --- | --- |",
    ]
    for name, text in d["dimensions"].items():
        lines.append(f"| `{name}` | dimension | {text} |")
    lines.append(f"| `OBS_VALUE` | measure | {d['measure']['OBS_VALUE']} |")
    for name, text in d["attributes"].items():
        shown = text if isinstance(text, str) else "; ".join(f"`{k}` {v}" for k, v in text.items())
        lines.append(f"| `{name}` | attribute | {shown} |")
    lines += ["", d["code_lists"], ""]
    return "\n".join(lines)
