"""One Settings object (environment + config/observatory.toml) and one disclosure vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines import disclosure
from pipelines.disclosure import Disclosure
from pipelines.errors import ObservatoryError
from pipelines.settings import DEFAULT_CONFIG, REPO_ROOT, load, settings

pytestmark = pytest.mark.unit


def config(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "observatory.toml"
    path.write_text(text, encoding="utf-8")
    return {"MCO_CONFIG": str(path)}


def test_the_committed_settings_file_loads():
    s = load({"MCO_CONFIG": str(DEFAULT_CONFIG)})
    assert s.disclosure == Disclosure(min_people=10, min_denominator=20, min_contributors=10)
    assert [t.indicator for t in s.targets] == ["TRU-1", "TRA-1", "TRU-2", "INN-3", "FLX-1"]
    assert s.release.publisher == "Microcredential Observatory"


def test_defaults_without_a_settings_file(tmp_path):
    s = load({"MCO_CONFIG": str(tmp_path / "none.toml")})
    assert s.disclosure == Disclosure() and s.targets == () and s.max_quarantine_share == 0.2
    assert s.warehouse == REPO_ROOT / "data/curated/warehouse.duckdb"
    assert s.releases == REPO_ROOT / "data/releases"


def test_environment_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load({"MCO_WAREHOUSE": " w.duckdb ", "MCO_RELEASES": "out", "MCO_KEY_FILE": "~/k.key"})
    assert s.warehouse == tmp_path / "w.duckdb" and s.releases == tmp_path / "out"
    assert s.key_file == Path.home() / "k.key"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[disclosur]\nmin_people = 5\n", "unknown settings section(s) disclosur"),
        ("[disclosure]\nmin_peple = 5\n", "unknown disclosure setting(s) min_peple"),
        ("[release]\nlicense = 'x'\n", "unknown release setting(s) license"),
        ("[[targets]]\nindicator = 'TRU-1'\nvalue = 1\nyear = 2030\nsorce = 'x'\n", "unknown target setting"),
        ("[[targets]]\nindicator = 'TRU-1'\nvalue = 1\n", "a target lacks year"),
        ("[disclosure]\nmin_people = 'ten'\n", "a disclosure setting has a value of the wrong type"),
        ("disclosure = 3\n", "settings section [disclosure] must be a table"),
        ("[disclosure\n", "the settings file is not valid TOML"),
    ],
)
def test_a_misspelt_or_malformed_setting_is_an_error(tmp_path, text, message):
    with pytest.raises(ObservatoryError, match=re.escape(message)):
        load(config(tmp_path, text))


def test_quarantine_share_from_the_environment():
    assert load({"MCO_MAX_QUARANTINE_SHARE": "0.5"}).max_quarantine_share == 0.5
    with pytest.raises(ObservatoryError, match="between 0 and 1, not '2'"):
        load({"MCO_MAX_QUARANTINE_SHARE": "2"})


def test_settings_are_built_once_per_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MCO_CONFIG", config(tmp_path, "[disclosure]\nmin_people = 5\n")["MCO_CONFIG"])
    first = settings()
    assert settings() is first and first.disclosure.min_people == 5
    monkeypatch.setenv("MCO_WAREHOUSE", str(tmp_path / "other.duckdb"))
    assert settings() is not first and settings().warehouse == tmp_path / "other.duckdb"


def test_the_flag_vocabulary_keeps_every_wording():
    """Pages, reports and releases word the flags from one vocabulary; the words read as before."""
    from dashboard.formatting import FLAG_HELP, FLAG_MEANINGS
    from pipelines.programmes.present import FLAG_NOTES
    from pipelines.publish.dictionary import FLAG_TEXT, FLAGS

    assert list(disclosure.FLAGS) == ["c", "z", "u", "p", "b"]
    assert FLAG_MEANINGS == {
        "c": "confidential: suppressed by disclosure control",
        "z": "not applicable (no denominator, or not defined for this view)",
    }
    assert FLAG_NOTES == {
        "c": "suppressed by disclosure control (too few people, or a peer group of fewer than the minimum)",
        "z": "not applicable (no one in the denominator, or the field or EQF level is unknown)",
    }
    assert FLAGS == {
        "c": "confidential: suppressed by disclosure control (value, and for c also numerator and "
        "denominator, left blank)",
        "z": "not applicable (no denominator, or not defined for this group)",
        "u": "low reliability",
        "p": "provisional",
        "b": "break in series",
    }
    assert FLAG_TEXT.startswith("Eurostat-style flag: c = confidential (suppressed), z = not applicable;")
    assert FLAG_HELP == "c = suppressed, z = not applicable"
    assert disclosure.SUPPRESSED_TEXT == "suppressed (c)"
