"""Shared mapping pieces: value normalisers, the record a format mapper returns, and the table builder.

Every format reader (OB3, OB2, ELM) turns one credential into the same flat `dict` (keys in
`RECORD_KEYS`), so the tables, the quarantine and the Annex I flags are built one way for all formats.
Normalisers return None for "unknown" rather than raising: an unrecognised value is an absent element,
not a broken record. Only dates raise, because an unparseable issue date cannot be loaded.
"""

from __future__ import annotations

import csv
import hashlib
import re
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from pathlib import Path

import polars as pl

from pipelines.contracts import contracts

ESCO_SKILL = "http://data.europa.eu/esco/skill/"
REFERENCE = Path(__file__).parent / "reference"


class MapError(Exception):
    """A record that parsed but cannot be mapped; it goes to the quarantine, never silently away."""

    def __init__(self, reason_code: str, check_name: str, detail: str, json_path: str | None = None):
        super().__init__(detail)
        self.reason_code, self.check_name, self.detail, self.json_path = (
            reason_code,
            check_name,
            detail,
            json_path,
        )


# ---------------------------------------------------------------------------------------------- values


def as_list(value) -> list:
    """JSON-LD lets any property be one value or a list; readers always iterate."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def first(value):
    if isinstance(value, list):
        return value[0] if value else None
    return value


def lang(value) -> str | None:
    """Text from a string, a language map (`en` preferred, else the first) or a JSON-LD value object."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value if value and not value.startswith("data:") else None
    if isinstance(value, list):
        for item in value:
            text = lang(item)
            if text:
                return text
        return None
    if isinstance(value, dict):
        if "@value" in value:
            return lang(value["@value"])
        if "en" in value:
            text = lang(value["en"])
            if text:
                return text
        for key, item in value.items():
            if key.lower().startswith("en"):
                text = lang(item)
                if text:
                    return text
        for key, item in value.items():
            if key not in ("id", "type", "@id", "@type", "@language") and isinstance(item, (str, list)):
                text = lang(item)
                if text:
                    return text
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return fmt_number(value)
    return None


_LABEL_KEYS = (
    "prefLabel",
    "noteLiteral",
    "title",
    "name",
    "legalName",
    "targetName",
    "label",
    "value",
    "@value",
)


def label(value) -> str | None:
    """Human label of a concept/note/object (prefLabel, noteLiteral, title, name...), else its text."""
    value = first(value)
    if isinstance(value, dict):
        for key in _LABEL_KEYS:
            if key in value:
                text = lang(value[key])
                if text:
                    return text
        return None
    return lang(value)


def ident(value) -> str | None:
    """The `id` of an object, or the value itself when it is a plain URI/string reference."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("id", value.get("@id"))
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def fmt_number(x: float | int) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if x.is_integer() else repr(x)


def number(value) -> str | None:
    """A decimal as text ("5", "2.5"), from a JSON number or a numeric string (comma decimal allowed)."""
    value = first(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return fmt_number(value) if value == value else None
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        try:
            x = float(text)
        except ValueError:
            return None
        return fmt_number(x) if x == x and abs(x) != float("inf") else None
    return None


def joined(values) -> str | None:
    """Distinct non-empty texts joined with `|` (the contract's list separator), order kept."""
    seen: dict[str, None] = {}
    for v in values:
        if v:
            seen.setdefault(v.replace("|", "/").strip(), None)
    seen.pop("", None)
    return "|".join(seen) if seen else None


# Ids that name something only inside one document: ELM's `urn:epass:*` (the Commission's samples all
# call their own, different awarding bodies `urn:epass:org:1`), JSON-LD blank nodes and relative
# references. A plain token ("PRV0042") is an issuer's own identifier and stays global.
_LOCAL_ID = re.compile(r"^(?:urn:epass:|_:|#|\.{1,2}/|/(?!/))", re.I)


def is_local_id(value: str | None) -> bool:
    """True for an id that is local to its document (see `_LOCAL_ID`)."""
    return isinstance(value, str) and _LOCAL_ID.match(value) is not None


def stable_id(kind: str, *parts: str | None) -> str:
    """A repeatable identifier for a thing the source did not identify (same inputs, same id)."""
    digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()[:32]
    return f"urn:mco:{kind}:{digest}"


# ---------------------------------------------------------------------------------------------- dates

_WHEN = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})([.,]\d+)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?"
)


def parse_when(value) -> tuple[str, str | None]:
    """(calendar date, ISO timestamp or None) of an ISO 8601 date/date-time or a Unix timestamp.

    The date is the one in the timestamp's own offset (what the issuer wrote), so a credential issued
    at 00:30+02:00 keeps its local issue date. Raises ValueError for anything else.
    """
    if isinstance(value, str):
        text = value.strip()
        if not (text.isdigit() and len(text) >= 9):  # else a Unix timestamp written as text
            m = _WHEN.fullmatch(text)
            if not m:
                raise ValueError("not an ISO 8601 date")
            y, mo, d, hh, mi, ss, frac, off = m.groups()
            day = _day(y, mo, d)  # raises for 2023-02-30
            if hh is None:
                return day, None
            if int(hh) > 23 or int(mi) > 59 or (ss is not None and int(ss) > 60):
                raise ValueError("time out of range")
            frac = ("." + frac[1:]) if frac else ""
            return day, f"{day}T{hh}:{mi}:{ss or '00'}{frac}{_offset(off) if off else ''}"
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("not a date")
    ts = datetime.fromtimestamp(float(value), tz=UTC)
    return ts.date().isoformat(), ts.isoformat()


@lru_cache(maxsize=4096)
def _day(y: str, mo: str, d: str) -> str:
    """The ISO calendar date of a year, month and day as written; ValueError for one that is none."""
    return date(int(y), int(mo), int(d)).isoformat()


@lru_cache(maxsize=256)
def _offset(off: str) -> str:
    """A UTC offset as written (`Z`, `+02`, `+0200`, `+02:00`) -> `+02:00`; ValueError out of range."""
    if off in ("Z", "z"):
        return "+00:00"
    digits = off[1:].replace(":", "")
    oh, om = digits[:2], digits[2:] or "00"
    if int(oh) > 23 or int(om) > 59:
        raise ValueError("offset out of range")
    return f"{off[0]}{oh}:{om}"


def parse_date(value, what: str, path: str) -> tuple[str, str]:
    """(day, timestamp) of a date value; an unparseable one is an `invalid_value` MapError naming
    `what` (the field) and `path`, never the value unless it reads like a date."""
    try:
        return parse_when(value)
    except (ValueError, OverflowError, OSError):
        raise MapError(
            "invalid_value",
            "date.parse",
            f"{what} {shown_date(value)} is not an ISO 8601 date or date-time",
            path,
        ) from None


def pick_date(doc: dict, keys: tuple[str, ...], prefix: str = "$") -> tuple[str | None, str | None]:
    """The first present date among `keys`; an unparseable one is an `invalid_value` MapError."""
    for key in keys:
        value = doc.get(key)
        if value is None or value == "":
            continue
        try:
            return parse_when(value)
        except (ValueError, OverflowError, OSError):
            return parse_date(value, key, f"{prefix}.{key}")  # raises its MapError
    return None, None


_DATEISH = re.compile(r"[0-9T:.,+\- Zz]{1,35}")


def shown_date(value) -> str:
    """A bad date as a message may show it: quoted when it is only digits and date punctuation, else
    described (a file could put an e-mail or a key where a date belongs)."""
    if isinstance(value, str) and _DATEISH.fullmatch(value):
        return repr(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"(a number, {len(str(value))} digits long)"
    if isinstance(value, str):
        return f"(a text of {len(value)} characters)"
    kind = "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "value"
    return f"(a JSON {kind})"


# ------------------------------------------------------------------------------------------ code lists


@cache
def alpha3_to_alpha2() -> dict[str, str]:
    with open(REFERENCE / "country_alpha3.csv", encoding="utf-8", newline="") as fh:
        return {row["alpha3"]: row["alpha2"] for row in csv.DictReader(fh)}


def country(value) -> str | None:
    """ISO 3166-1 alpha-2 from an alpha-2 code, an alpha-3 code or a URI ending in one (ELM)."""
    value = first(value)
    if isinstance(value, dict):
        value = value.get("id") or value.get("notation") or value.get("addressCountryCode")
    if not isinstance(value, str):
        return None
    code = value.strip().rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].upper()
    if len(code) == 2 and code.isalpha():
        return "GR" if code == "EL" else code  # EU statistics write Greece as EL
    return alpha3_to_alpha2().get(code)


_COUNTRY_PREFIXED = re.compile(r"[A-Za-z]{2}[:\- ]")


def national_id(code: str | None, value: str) -> str:
    """A national id with its country (`NL:123456789`), unless the value already starts with a country
    prefix (`NL-123456789` stays as it is: pseudonymise.normalise reads both forms alike)."""
    if not code or _COUNTRY_PREFIXED.match(value):
        return value
    return f"{code}:{value}"


_EQF_URI = re.compile(r"/eqf/(\d{1,2})\b")
_EQF_TEXT = re.compile(r"(?:eqf|level|niveau|stufe)\D{0,4}(\d{1,2})\b", re.I)


def eqf(value) -> str | None:
    """EQF level 1-8 from `…/eqf/5`, "EQF 5", "Level 5", 5 or "5"; anything else is unknown."""
    value = first(value)
    candidates: list = []
    if isinstance(value, dict):
        candidates = [
            value.get("id"),
            value.get("targetCode"),
            value.get("notation"),
            label(value),
            value.get("targetUrl"),
        ]
    else:
        candidates = [value]
    for c in candidates:
        if c is None or isinstance(c, bool):
            continue
        if isinstance(c, (int, float)):
            n = int(c) if float(c).is_integer() else 0
        else:
            text = str(c).strip()
            m = _EQF_URI.search(text) or _EQF_TEXT.search(text)
            if m:
                n = int(m.group(1))
            elif text.isdigit():
                n = int(text)
            else:
                continue
        if 1 <= n <= 8:
            return str(n)
    return None


_ISCED = re.compile(r"(?:^|[/#:\s_-])(\d{2,4})$")


def isced_broad(value) -> str | None:
    """ISCED-F 2013 broad field (two digits) from a broad/narrow/detailed code or a URI ending in one."""
    for item in as_list(value):
        for c in (
            [item.get("id"), item.get("targetCode"), item.get("notation")]
            if isinstance(item, dict)
            else [item]
        ):
            if not isinstance(c, str):
                continue
            m = _ISCED.search(c.strip())
            if m and m.group(1)[:2] <= "10":
                return m.group(1)[:2]
    return None


_DURATION = re.compile(
    r"P(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?"
    r"(?:(\d+(?:[.,]\d+)?)S)?)?"
)


def duration_hours(value) -> str | None:
    """Hours from an ISO 8601 duration (PT45H -> 45, P1DT2H -> 26); years/months are ambiguous -> None."""
    value = first(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return fmt_number(value)
    if not isinstance(value, str):
        return None
    m = _DURATION.fullmatch(value.strip().upper())
    if not m or not any(m.groups()):
        return number(value)
    w, d, h, mi, s = (float(g.replace(",", ".")) if g else 0.0 for g in m.groups())
    hours = w * 168 + d * 24 + h + mi / 60 + s / 3600
    return fmt_number(round(hours, 4))


def _kw(text: str | None, table: tuple[tuple[str, re.Pattern], ...]) -> str | None:
    """The first code whose keywords occur in `text` (tables are ordered: specific before general)."""
    if not text:
        return None
    low = text.lower()
    for code, pattern in table:
        if pattern.search(low):
            return code
    return None


def _table(*rows: tuple[str, tuple[str, ...]]) -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((code, re.compile("|".join(re.escape(w) for w in words))) for code, words in rows)


_PARTICIPATION = _table(
    ("blended", ("blended", "hybrid", "mixed")),
    ("online", ("online", "on-line", "distance", "remote", "e-learning", "elearning", "virtual")),
    (
        "onsite",
        (
            "onsite",
            "on-site",
            "on site",
            "in person",
            "in-person",
            "face-to-face",
            "face to face",
            "classroom",
            "presential",
            "campus",
            "offline",
        ),
    ),
)
_ASSESSMENT = _table(
    ("none", ("no assessment", "not assessed", "attendance", "participation only", "none")),
    ("portfolio", ("portfolio",)),
    ("oral", ("oral", "viva", "interview", "presentation", "defence", "defense")),
    ("project", ("project", "capstone", "thesis", "case study")),
    (
        "practical",
        (
            "practical",
            "practice",
            "exercise",
            "lab",
            "demonstration",
            "simulation",
            "performance",
            "workplace",
            "hands-on",
            "skills test",
        ),
    ),
    # not "assessment": every type is one ("Digital artefact assessment" is no exam)
    ("exam", ("exam", "test", "quiz", "written", "multiple choice", "multiple-choice")),
)
VOCAB = Path(__file__).parent / "vocab"


@cache
def vocabulary(name: str) -> dict[str, str]:
    """A label -> code vocabulary (vocab/<name>.csv: value, code, note), labels lower-cased."""
    with open(VOCAB / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return {" ".join(row["value"].lower().split()): row["code"] for row in csv.DictReader(fh)}


# (element, label) of every value a normaliser could not map, for the reader to note per file;
# the reader empties it after each record (`take_unmapped`).
_UNMAPPED: list[tuple[str, str]] = []


def take_unmapped() -> list[tuple[str, str]]:
    out = list(_UNMAPPED)
    _UNMAPPED.clear()
    return out


def _lookup(element: str, vocab: str, text: str | None, table) -> str | None:
    """The vocabulary's code for `text`, else the keyword table's, else None (and the label noted)."""
    if not text:
        return None
    key = " ".join(text.lower().replace("_", " ").split())
    code = vocabulary(vocab).get(key)
    if code is None and table is not None:
        code = _kw(key, table)
    if code is None:
        _UNMAPPED.append((element, text))
    return code


_QA = _table(
    ("internal", ("internal",)),
    ("none", ("no quality", "not quality", "none", "no qa")),
    ("external", ("external", "accredit", "quality", "qa", "agency", "recognised", "recognized")),
)
_PRIOR = (
    "prior learning",
    "rpl",
    "vpl",
    "recognition of prior",
    "validation of prior",
    "validation of non-formal",
    "non-formal and informal",
)


def participation(value) -> str | None:
    """vocab/participation_forms.csv, then keywords (also in a URI such as …/learning-mode/online)."""
    text = label(value)
    if text:
        return _lookup("participation", "participation_forms", text, _PARTICIPATION)
    return _kw(ident(value), _PARTICIPATION)


def assessment(value) -> str | None:
    """vocab/assessment_types.csv, then keywords; unknown labels are noted, never guessed."""
    return _lookup("assessment", "assessment_types", label(value), _ASSESSMENT)


def supervision(value) -> str | None:
    """vocab/supervision.csv, then labels such as "Supervised with ID verification"."""
    text = label(value)
    if not text:
        return None
    code = vocabulary("supervision").get(" ".join(text.lower().split()))
    if code is None and text.strip() in SUPERVISION_CODES:
        code = text.strip()  # our own code, as the CSV template writes it
    if code is None:
        code = _supervision_words(text)
    if code is None:
        _UNMAPPED.append(("supervision", text))
    return code


SUPERVISION_CODES = ("unsupervised_no_id", "supervised_no_id", "supervised_id")


def _supervision_words(text: str) -> str | None:
    low = re.sub(r"[_\-/]+", " ", text.lower())  # supervised-with-id-verification, supervised_id
    if "unsupervised" in low or "not supervised" in low or low.strip() == "none":
        return "unsupervised_no_id"
    if any(w in low for w in ("supervised", "proctored", "invigilated")):
        if any(
            w in low
            for w in (
                "no id",
                "without id",
                "no identity",
                "without identity",
                "no identification",
                "without identification",
                "no verification",
            )
        ):
            return "supervised_no_id"
        if re.search(r"\bid\b|identity|identification", low):
            return "supervised_id"
        return "supervised_no_id"
    return None


def qa_type(value) -> str | None:
    if isinstance(first(value), bool):
        return "external" if first(value) else "none"
    return _kw(label(value) or ident(value), _QA)


def integration(value) -> str | None:
    value = first(value)
    if isinstance(value, bool):
        return "stackable" if value else "standalone"
    text = (label(value) or "").lower()
    if not text:
        return None
    if any(w in text for w in ("stand-alone", "standalone", "stand alone", "independent")) or text in (
        "false",
        "no",
    ):
        return "standalone"
    if any(w in text for w in ("stack", "integrat", "partial", "part of")) or text in ("true", "yes"):
        return "stackable"
    return None


def is_prior_learning(*texts: str | None) -> bool:
    for text in texts:
        if text:
            low = text.lower()
            if any(w in low for w in _PRIOR):
                return True
    return False


def esco_skill(value) -> str | None:
    if isinstance(value, str):
        uri = value.strip()
        if uri.startswith("https://data.europa.eu/esco/skill/"):
            uri = "http" + uri[5:]
        if uri.startswith(ESCO_SKILL):
            return uri
    return None


def web_url(value) -> str | None:
    value = ident(value) if isinstance(first(value), dict) else first(value)
    if isinstance(value, dict):
        value = value.get("contentURL")
    if isinstance(value, str) and value.strip().lower().startswith(("http://", "https://")):
        return value.strip()
    return None


def ext_fields(obj: dict, wanted: dict[str, str]) -> dict[str, object]:
    """Extension properties of `obj` by normalised name (`ext:EqfLevel`, `eqf_level` -> `eqflevel`)."""
    found: dict[str, object] = {}
    for key, value in obj.items():
        norm = key.rsplit(":", 1)[-1].replace("_", "").replace("-", "").lower()
        element = wanted.get(norm)
        if element and element not in found:
            found[element] = value
    return found


# Extension property names recognised on achievements/badge classes (community practice in Europe).
EXTENSION_KEYS = {
    **dict.fromkeys(("eqflevel", "eqf"), "eqf"),
    **dict.fromkeys(
        (
            "participationform",
            "formofparticipation",
            "learningmode",
            "deliverymode",
            "modeoflearning",
            "mode",
            "learningsetting",
        ),
        "participation",
    ),
    **dict.fromkeys(("assessmenttype", "typeofassessment", "assessment", "assessmentmethod"), "assessment"),
    **dict.fromkeys(
        (
            "supervision",
            "idverification",
            "identityverification",
            "supervisionverification",
            "supervisionandidverification",
            "supervisionidverification",
        ),
        "supervision",
    ),
    **dict.fromkeys(("qualityassurance", "qatype", "typeofqualityassurance"), "qa"),
    **dict.fromkeys(("prerequisites", "prerequisite", "entryrequirement", "entryrequirements"), "prereq"),
    **dict.fromkeys(
        ("integration", "stackability", "stackable", "integrationstackability", "ispartialqualification"),
        "integration",
    ),
    **dict.fromkeys(
        ("volumeoflearning", "notionalworkload", "workload", "notionalhours", "workloadhours"), "hours"
    ),
    **dict.fromkeys(("ects", "ectscredits", "ectspoints", "creditpoint", "creditpoints"), "ects"),
    **dict.fromkeys(("purpose", "validationtype", "recognitionofpriorlearning"), "purpose"),
    **dict.fromkeys(("learningoutcomes", "learningoutcome"), "outcomes"),
    **dict.fromkeys(("furtherinformation", "furtherinfo", "moreinformation", "homepage", "url"), "info"),
    **dict.fromkeys(("iscedf", "isced", "thematicarea"), "isced"),
    # Dutch edubadges (SURF): OB 3.0 achievement properties and OB 2.0 `extensions:*Extension` objects;
    # SBU / StudyLoad are study hours ("studiebelastingsuren")
    "participationtype": "participation",
    "supervisiontype": "supervision",
    "identitychecked": "idcheck",
    **dict.fromkeys(("sbu", "studyload", "studyloadextension"), "hours"),
    "ectsextension": "ects",
    "eqfextension": "eqf",
    "learningoutcomeextension": "outcomes",
}
_EXTENSION_META = frozenset({"@context", "type", "@type", "id", "@id"})

# Alignment `targetType` (without `ext:`), lower-cased, -> element it carries.
ALIGNMENT_TYPES = {
    "eqf": "eqf",
    "eqflevel": "eqf",
    "qualityassurance": "qa",
    "qa": "qa",
    "participationform": "participation",
    "learningmode": "participation",
    "formofparticipation": "participation",
    "assessmenttype": "assessment",
    "typeofassessment": "assessment",
    "supervision": "supervision",
    "idverification": "supervision",
    "supervisionverification": "supervision",
    "isced": "isced",
    "iscedf": "isced",
    "fieldofstudy": "isced",
    "stackability": "integration",
    "integration": "integration",
    "prerequisites": "prereq",
    "workload": "hours",
    "ects": "ects",
    "learningoutcome": "outcome",
}
# Alignment target types whose targetName is a competence statement (a learning outcome).
OUTCOME_ALIGNMENTS = {
    "",
    "ceasn:competency",
    "cfitem",
    "cfrubriccriterion",
    "ext:learningoutcome",
    "ext:esco",
    "ext:skill",
    "ext:competency",
    "competency",
    "skill",
}


def alignment_values(alignments, found: dict[str, object]) -> tuple[list[str], list[str]]:
    """Learning-outcome names and ESCO skill URIs from OB alignments; extension targets go to `found`."""
    outcomes: list[str] = []
    skills: list[str] = []
    for a in as_list(alignments):
        if not isinstance(a, dict):
            continue
        ttype = str(first(a.get("targetType")) or "").strip()
        key = ttype.rsplit(":", 1)[-1].replace("_", "").replace("-", "").lower()
        url = a.get("targetUrl")
        skill = esco_skill(url) or esco_skill(a.get("targetCode"))
        framework = str(a.get("targetFramework") or "").lower()
        element = ALIGNMENT_TYPES.get(key)
        if element is None and ("eqf" in framework or (isinstance(url, str) and "/eqf/" in url)):
            element = "eqf"
        if element and element != "outcome":
            found.setdefault(element, a)
            continue
        if skill:
            skills.append(skill)
        if skill or element == "outcome" or ttype.lower() in OUTCOME_ALIGNMENTS:
            name = lang(a.get("targetName"))
            if name:
                outcomes.append(name)
    return outcomes, skills


def extension_value(element: str, value) -> str | None:
    """Normalise an extension/alignment value for `element` (alignment objects use their name/code)."""
    if isinstance(value, dict) and ("targetName" in value or "targetCode" in value or "targetUrl" in value):
        text = value.get("targetCode") if element in ("eqf", "isced") else None
        value = {
            "prefLabel": value.get("targetName") or value.get("targetDescription") or value.get("targetCode"),
            "id": text or value.get("targetUrl"),
        }
    elif isinstance(value, dict) and value.keys() - _EXTENSION_META and not value.keys() & set(_LABEL_KEYS):
        # an OB 2.0 extension object ({"type": [...], "StudyLoad": 84}): its one value
        inner = [v for k, v in value.items() if k not in _EXTENSION_META]
        value = inner[0] if len(inner) == 1 else value
    if element == "idcheck":  # edubadges identityChecked: the learner's identity was verified
        checked = first(value)
        return "supervised_id" if checked is True or str(checked).lower() == "true" else None
    if element == "eqf":
        return eqf(value)
    if element == "participation":
        return participation(value)
    if element == "assessment":
        return assessment(value)
    if element == "supervision":
        return supervision(value)
    if element == "qa":
        return qa_type(value) or ("external" if value else None)
    if element == "integration":
        return integration(value)
    if element == "hours":
        return duration_hours(value.get("prefLabel") if isinstance(value, dict) else value)
    if element == "ects":
        return number(value.get("prefLabel") if isinstance(value, dict) else value)
    if element == "isced":
        return isced_broad(value.get("id") if isinstance(value, dict) else value)
    if element == "prereq":
        return label(value)
    if element == "info":
        return web_url(value)
    return label(value)


# ---------------------------------------------------------------------------------------------- tables

RECORD_KEYS = (
    # award
    "award_id",
    "issue_date",
    "issued_at",
    "expiry_date",
    "format",
    "standard",
    "signed",
    "purpose",
    "status",
    "grade",
    "learner_id",
    "learner_kind",
    # provider
    "provider_id",
    "provider_name",
    "country_code",
    # credential specification
    "credential_id",
    "title",
    "description",
    "learning_outcomes",
    "esco_skills",
    "isced_f_broad",
    "eqf_level",
    "ects",
    "notional_hours",
    "participation_form",
    "assessment_type",
    "supervision",
    "qa_type",
    "prerequisites",
    "integration",
    "co_design_partner",
    "further_info_url",
    "achievement_type",
)

EXTRA = {
    "providers": (),
    "credentials": ("description", "achievement_type", "source_standard"),
    "learners": (),
    "awards": ("issued_at",),
}
# credential contract column -> record key, where they differ
_CRED_SOURCE = {"format": "format", "source_standard": "standard"}


def table_columns(table: str) -> list[str]:
    """Output columns of a table: the contract's, then provenance, then this reader's extras."""
    return [*contracts()[table].column_names, "source_file", "source_line", *EXTRA[table]]


class Known:
    """Ids already loaded in this delivery, so mappers can skip re-deriving fields that first-wins drops.

    Also the identity rules every mapper applies (`local`, `spec`): a document-local id is scoped to
    the file it came from, and a specification id is kept apart per issuer, so no award takes its
    provider or specification from another document's local id or another issuer's specification.
    """

    def __init__(self) -> None:
        self.credentials: dict[str, str] = {}  # credential_id -> purpose derived from that specification
        self.providers: set[str] = set()
        self.owners: dict[str, str | None] = {}  # credential_id -> provider_id of its specification
        self.file = ""  # the delivery file being mapped (set by the reader before each record)
        self.scoped = 0  # local ids scoped to their file, in the file being read
        self.split = 0  # specification ids also used by another issuer, in the file being read

    def local(self, value: str | None) -> str | None:
        """A document-local id scoped to the file (`<file>#<id>`); a global id as it is."""
        if value is not None and is_local_id(value):
            self.scoped += 1
            return f"{self.file}#{value}"
        return value

    def spec(self, credential_id: str, provider_id: str | None) -> str:
        """The specification id for this issuer: an id an earlier document gave another issuer's
        specification is qualified by this issuer (`<id>#issuer=<provider>`)."""
        owner = self.owners.get(credential_id, provider_id)
        if owner == provider_id:
            return credential_id
        self.split += 1
        return f"{credential_id}#issuer={provider_id}"


# File notes of a sink's id work: how many credentials had their ids scoped or split (any reader).
SCOPED_NOTE = (
    "credential(s) with document-local ids (urn:epass:*, blank nodes, relative ids): scoped to this file"
)
SPLIT_NOTE = "credential(s) whose specification id another issuer also uses: kept apart per issuer"


class Sink(Known):
    """Column-wise accumulator: appending to lists is far cheaper than building a frame per record."""

    def __init__(self) -> None:
        super().__init__()
        self.cols: dict[str, dict[str, list]] = {t: {c: [] for c in table_columns(t)} for t in EXTRA}
        self.learner_kind: list[str | None] = []
        self.learners: set[str] = set()
        self._plan = {
            t: [(cols[c].append, self._source_key(t, c)) for c in cols] for t, cols in self.cols.items()
        }

    @staticmethod
    def _source_key(table: str, column: str) -> str | None:
        if column in ("source_file", "source_line"):
            return column
        if table == "credentials":
            column = _CRED_SOURCE.get(column, column)
        return column if column in RECORD_KEYS else None

    def add(self, rec: dict, source_file: str, source_line: int) -> None:
        rec["source_file"], rec["source_line"] = source_file, source_line
        get = rec.get
        for append, key in self._plan["awards"]:
            append(get(key) if key else None)
        self.learner_kind.append(rec["learner_kind"])
        learner = rec["learner_id"]
        if learner not in self.learners:
            self.learners.add(learner)
            for append, key in self._plan["learners"]:
                append(get(key) if key else None)
        provider = rec["provider_id"]
        if provider is not None and provider not in self.providers:
            self.providers.add(provider)
            for append, key in self._plan["providers"]:
                append(get(key) if key else None)
        cred = rec["credential_id"]
        if cred not in self.credentials:
            self.credentials[cred] = rec["purpose"]
            self.owners[cred] = provider
            for append, key in self._plan["credentials"]:
                append(get(key) if key else None)

    def mark(self) -> dict[str, int]:
        """Row counts now, so a file rejected part-way can be taken back out (`rollback`)."""
        return {t: len(cols["source_line"]) for t, cols in self.cols.items()}

    def rollback(self, mark: dict[str, int]) -> None:
        """Drop every row added since `mark`, and forget the ids those rows introduced."""
        forget = {"learners": ("learner_id", self.learners), "providers": ("provider_id", self.providers)}
        for table, n in mark.items():
            cols = self.cols[table]
            if table in forget:
                key, seen = forget[table]
                seen.difference_update(cols[key][n:])
            elif table == "credentials":
                for cred in cols["credential_id"][n:]:
                    self.credentials.pop(cred, None)
                    self.owners.pop(cred, None)
            for values in cols.values():
                del values[n:]
        del self.learner_kind[mark["awards"] :]

    def frames(self) -> dict[str, pl.DataFrame]:
        out = {}
        for table, cols in self.cols.items():
            out[table] = pl.DataFrame(
                [
                    pl.Series(c, v, dtype=pl.Int64 if c == "source_line" else pl.String)
                    for c, v in cols.items()
                ]
            )
        return out
