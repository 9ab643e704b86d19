"""The CSV template reader: what it accepts, and what it rejects with a clear reason."""

from pathlib import Path

import duckdb
import pytest

from pipelines import pseudonymise
from pipelines.contracts import contracts
from pipelines.errors import FileRejected
from pipelines.sources.csv_template import read, sniff
from pipelines.sources.discover import DeliveryFile, discover, record_type
from pipelines.warehouse import rows

pytestmark = pytest.mark.unit


@pytest.fixture
def con():
    c = duckdb.connect()
    pseudonymise.register(c, b"k" * 32)
    yield c
    c.close()


def _read(con, tmp_path: Path, name: str, data: bytes, table: str):
    path = tmp_path / name
    path.write_bytes(data)
    return read(con, DeliveryFile(path, name, table), contracts()[table], "raw_t")


@pytest.mark.parametrize(
    ("head", "delim", "header"),
    [
        (b"a,b,c\n1,2,3\n", ",", ["a", "b", "c"]),
        (b"\xef\xbb\xbfA;B\r\n1;2\r\n", ";", ["a", "b"]),
        (b'"a","b"\n', ",", ["a", "b"]),
    ],
)
def test_sniff_delimiter_bom_and_header(head, delim, header):
    assert sniff(head, "f.csv") == (delim, header)


@pytest.mark.parametrize("head", [b"", b"   \n"])
def test_empty_file_is_rejected(head):
    with pytest.raises(FileRejected, match="empty"):
        sniff(head, "f.csv")


def test_header_not_utf8_is_rejected():
    with pytest.raises(FileRejected, match="UTF-8"):
        sniff(b"award_id,cr\xe9dential\n", "f.csv")


def test_semicolon_bom_crlf_file_loads_with_lines(con, tmp_path):
    data = (
        b"\xef\xbb\xbfverification_id;award_id;verification_date;verifier_type\r\n"
        b"V1;A1;2024-01-01;employer\r\nV2;A2;2024-01-02;x;extra\r\nV3;A3;2024-01-03;education\r\n"
    )
    result = _read(con, tmp_path, "verifications.csv", data, "verifications")
    assert result.rows == 2
    assert result.bad_lines == [(3, "too_many_columns")]
    got = rows(con, "select source_line, verification_id from raw_t order by source_line")
    assert got == [(2, "V1"), (4, "V3")]


def test_missing_required_column_rejects_file(con, tmp_path):
    with pytest.raises(FileRejected, match="lacks required column.*issue_date"):
        _read(con, tmp_path, "awards.csv", b"award_id,credential_id,learner_id\nA1,C1,L1\n", "awards")


def test_learner_ids_are_pseudonymised_on_read(con, tmp_path):
    _read(con, tmp_path, "learners.csv", b"learner_id,birth_year,sex\nNL-123,1990,F\n", "learners")
    (key,) = rows(con, "select learner_id from raw_t")[0]
    assert key != "NL-123" and len(key) == 64


def test_extra_and_absent_columns_are_noted(con, tmp_path):
    result = _read(
        con, tmp_path, "learners.csv", b"learner_id,birth_year,sex,shoe_size\nL1,1990,F,42\n", "learners"
    )
    assert "1 column(s) not in the template, ignored" in result.notes  # counted, never named
    assert not any("shoe_size" in n for n in result.notes)
    assert any("labour_status_before" in n for n in result.notes)


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("awards.csv", "awards"),
        ("awards_2024.csv", "awards"),
        ("region_population.csv", "region_population"),
        ("regions_eu.csv", "regions"),
        ("notes.csv", None),
    ],
)
def test_record_type_from_file_name(name, table):
    assert record_type(name) == table


def test_discover_skips_metadata_and_hidden(tmp_path):
    for name in ("awards.csv", "manifest.json", "ground_truth.json", ".hidden.csv", "readme.txt"):
        (tmp_path / name).write_text("x\n")
    names = [f.name for f in discover(tmp_path)]
    assert names == ["awards.csv", "readme.txt"]
