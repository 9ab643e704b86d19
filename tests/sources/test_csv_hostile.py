"""A corpus of hostile and broken CSV deliveries: each has its expected outcome, and rows add up.

Unit tier: in-memory DuckDB and files under tmp_path. No message may echo file content (header
names only when they are template columns), nothing from a file reaches SQL, links are never read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import duckdb
import pytest

from pipelines import pseudonymise
from pipelines.contracts import contracts
from pipelines.errors import FileRejected
from pipelines.sources.csv_template import read
from pipelines.sources.discover import DeliveryFile, discover
from pipelines.staging.intake import file_report, load_deliveries
from pipelines.staging.stage import QUARANTINE_DDL
from pipelines.warehouse import rows

pytestmark = pytest.mark.unit

H = "award_id,credential_id,learner_id,issue_date,format,standard,signed,purpose,status,grade,expiry_date"
LH = "learner_id,birth_year,sex,prior_education_isced,region_code,labour_status_before"
SECRET = "S3CRET-KEY-0123456789abcdef"
EMAIL = "jan.secret@example.org"


def g(i: int, tag: str = "A") -> str:
    return f"{tag}{i},C1,L{i},2020-03-01,digital_badge,OB3,true,new_learning,issued,,"


def body(n: int, tag: str = "A", start: int = 1, extra: int = 0) -> str:
    return "".join(g(i, tag) + "," * extra + "\n" for i in range(start, start + n))


@dataclass
class Case:
    data: bytes
    loaded: int = 0  # rows read
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, kind) quarantined as malformed_row
    rejected: str | None = None  # regex the rejection reason must match
    table: str = "awards"
    env: dict[str, str] = field(default_factory=dict)
    note: str | None = None


def enc(text: str) -> bytes:
    return text.encode("utf-8")


CASES: dict[str, Case] = {
    "clean": Case(enc(H + "\n" + body(3)), 3),
    "header with x'y": Case(enc(H + ",x'y\n" + body(2, extra=1)), 2, note="1 column(s) not in the template"),
    "header with SQL": Case(
        enc(
            H
            + ",\"a'}, provider_name := (select content from read_text('/etc/passwd'))) --\"\n"
            + body(2, extra=1)
        ),
        2,
    ),
    "header naming a column with SQL": Case(
        enc(H.replace("grade", "grade' || (select 1) || '") + "\n" + body(2)), 2, note="optional column(s)"
    ),
    "headerless learners with an e-mail": Case(
        enc(f"{EMAIL},1990,F,3,NL32,employed\nNL-2,1985,M,6,NL32,unemployed\n"),
        rejected="lacks required column.*learner_id.*6 column.*0 of them.*header line missing",
        table="learners",
    ),
    "headerless awards": Case(enc(body(3)), rejected="lacks required column.*11 column"),
    "unterminated quote mid-file": Case(
        enc(
            H
            + "\n"
            + body(2)
            + 'A9,"C1,L9,2020-03-01,digital_badge,OB3,true,new_learning,issued,,\n'
            + body(100, "B")
        ),
        102,
        [(4, "unbalanced_quote")],
    ),
    "unterminated quote, quoted cells later": Case(
        enc(
            H
            + "\n"
            + 'A9,"C1,L9,2020-03-01,digital_badge,OB3,true,new_learning,issued,,\n'
            + body(5, "B").replace("issued,,", 'issued,"B, good",')
        ),
        5,
        [(2, "unbalanced_quote")],
    ),
    "quote inside an unquoted value": Case(
        enc(H + "\n" + 'A9,C"1,"L9,2020-03-01,digital_badge,OB3,true,new_learning,issued,,\n' + body(5, "B")),
        5,
        [(2, "unbalanced_quote")],
    ),
    "unterminated quote on the last line": Case(
        enc(H + "\n" + body(3) + 'A9,"C1\n'), 3, [(5, "unbalanced_quote")]
    ),
    "10 MB cell": Case(
        enc(
            H
            + "\n"
            + body(2)
            + "A9,C1,"
            + "x" * (10 * 1024 * 1024)
            + ",2020-03-01,a,b,c,d,e,,\n"
            + body(20, "B")
        ),
        22,
        [(4, "line_too_long")],
    ),
    "ragged rows": Case(
        enc(H + "\n" + g(1) + ",x,y\n" + "A2,C1\n" + body(3, "B")),
        3,
        [(2, "too_many_columns"), (3, "missing_columns")],
    ),
    "many ragged rows": Case(
        enc(H + "\n" + "A,B\n" * 1000 + body(10, "B")), 10, [(i, "missing_columns") for i in range(2, 1002)]
    ),
    "whitespace-only line": Case(enc(H + "\n" + g(1) + "\n   \n" + g(2) + "\n"), 2, [(3, "missing_columns")]),
    "header over 64 KB with required columns": Case(
        enc(H + "," + "z" * 100_000 + "\n" + body(2, extra=1)), 2
    ),
    "header of 1.5 MB": Case(
        enc(H + ",".join(["", "c" * 750_000, "d" * 750_000]) + "\n" + body(2, extra=2)), 2
    ),
    "header over the limit": Case(
        enc(H + "," + "z" * 10_000 + "\n" + body(2)),
        rejected="header line is longer than 4096 bytes",
        env={"MCO_MAX_CSV_HEADER_BYTES": "4096"},
    ),
    "latin-1 row in a UTF-8 file": Case(
        enc(H + "\n" + g(1) + "\n")
        + g(2).replace("L2", "L\xe9").encode("latin-1")
        + b"\n"
        + enc(g(3) + "\n"),
        2,
        [(3, "invalid_encoding")],
    ),
    "NUL byte in a value": Case(
        enc(H + "\n" + g(1) + "\n" + g(2).replace("L2", "L\0 2") + "\n" + g(3) + "\n"), 2, [(3, "nul_byte")]
    ),
    "CRLF": Case(enc((H + "\n" + body(3)).replace("\n", "\r\n")), 3),
    "BOM, semicolons and CRLF": Case(
        b"\xef\xbb\xbf" + enc((H + "\n" + body(3)).replace(",", ";").replace("\n", "\r\n")), 3
    ),
    "mixed line ends": Case(enc(H + "\r\n" + g(1) + "\n" + g(2) + "\r\n" + g(3) + "\n"), 3),
    "no final line end": Case(enc(H + "\n" + body(2) + g(3)), 3),
    "blank lines between rows": Case(
        enc(H + "\n" + g(1) + "\n\n\r\n" + g(2) + "\n" + "A3,C1\n"), 2, [(6, "missing_columns")]
    ),
    "quoted header names, upper case": Case(
        enc(",".join(f'"{c.upper()}"' for c in H.split(",")) + "\n" + body(2)), 2
    ),
    "escaped quotes in a value": Case(
        enc(H + "\n" + g(1).replace("issued,,", 'issued,"very ""good""",') + "\n"), 1
    ),
    "quoted line break in a value": Case(
        enc(H + "\n" + g(1).replace("issued,,", 'issued,"two\nlines",') + "\n" + body(2, "B")),
        2,
        [(2, "unbalanced_quote"), (3, "missing_columns")],  # one record is one line
    ),
    "formula cells": Case(
        enc(
            H
            + "\n"
            + g(1).replace("issued,,", 'issued,"=HYPERLINK(""http://evil.example"",""x"")",')
            + "\n"
            + g(2).replace("issued,,", "issued,+cmd|' /C calc'!A0,")
            + "\n"
        ),
        2,
    ),
    "empty file": Case(b"", rejected="empty"),
    "whitespace only": Case(b"  \n \n", rejected="empty"),
    "header only": Case(enc(H + "\n"), 0),
    "duplicate template column": Case(enc(H + ",award_id\n" + body(1)), rejected="award_id more than once"),
    "duplicate unknown columns": Case(
        enc(H + ",shoe,shoe\n" + body(1).rstrip("\n") + ",1,2\n"), 1, note="2 column(s) not in the template"
    ),
    "tab delimited": Case(
        enc((H + "\n" + body(2)).replace(",", "\t")), rejected="lacks required column.*1 column"
    ),
    "header with unbalanced quote": Case(enc('award_id,"credential_id\n' + body(1)), rejected="unbalanced"),
    "header not UTF-8": Case(
        H.replace("grade", "gr\xe4de").encode("latin-1") + b"\n" + enc(body(1)), rejected="UTF-8"
    ),
    "too many rows": Case(
        enc(H + "\n" + body(10)), rejected="MCO_MAX_CSV_ROWS", env={"MCO_MAX_CSV_ROWS": "5"}
    ),
    "too many bytes": Case(
        enc(H + "\n" + body(10)), rejected="MCO_MAX_CSV_BYTES", env={"MCO_MAX_CSV_BYTES": "100"}
    ),
    "secret-looking value loads as data": Case(
        enc(H + "\n" + g(1).replace("issued,,", f"issued,{SECRET},") + "\n"), 1
    ),
}


@pytest.fixture
def con():
    c = duckdb.connect()
    pseudonymise.register(c, b"k" * 32)
    yield c
    c.close()


def _no_leak(text: str, case: Case) -> None:
    """No message may carry an e-mail, the SQL of a header, or a value of the file."""
    for needle in (EMAIL, "@", "select", "passwd", SECRET, "xxxx", "zzzz", "shoe", "HYPERLINK"):
        assert needle not in text, (needle, text)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_csv(name, con, tmp_path, monkeypatch):
    case = CASES[name]
    for var, value in case.env.items():
        monkeypatch.setenv(var, value)
    path = tmp_path / f"{case.table}.csv"
    path.write_bytes(case.data)
    f = DeliveryFile(path, path.name, case.table)
    if case.rejected:
        with pytest.raises(FileRejected) as info:
            read(con, f, contracts()[case.table], "raw_t")
        assert re.search(case.rejected, info.value.message), info.value.message
        _no_leak(str(info.value), case)
        return
    result = read(con, f, contracts()[case.table], "raw_t")
    assert result.bad_lines == case.bad
    assert result.rows == case.loaded == rows(con, "select count(*) from raw_t")[0][0]
    lines = [line for (line,) in rows(con, "select source_line from raw_t")]
    assert len(set(lines)) == len(lines) and not set(lines) & {line for line, _ in case.bad}
    assert rows(con, "select distinct source_file from raw_t") in ([(path.name,)], [])
    if case.note:
        assert any(case.note in n for n in result.notes), result.notes
    _no_leak(" ".join(result.notes), case)


def test_values_never_reach_sql(con, tmp_path):
    """The SQL-looking header and a secret file leave no trace in any value read."""
    (tmp_path / "secret.key").write_text(SECRET)
    header = H.replace(
        "grade", f"grade'}}, grade := (select content from read_text('{tmp_path}/secret.key'))) --"
    )
    path = tmp_path / "awards.csv"
    path.write_text(header + "\n" + body(2))
    read(con, DeliveryFile(path, path.name, "awards"), contracts()["awards"], "raw_t")
    values = str(rows(con, "select * from raw_t"))
    assert SECRET not in values


def test_line_numbers_follow_the_file(con, tmp_path):
    path = tmp_path / "awards.csv"
    path.write_bytes(enc(H + "\n" + g(1) + "\n\n" + "A2,C1\n" + 'A3,"C1\n' + g(4) + "\n"))
    result = read(con, DeliveryFile(path, path.name, "awards"), contracts()["awards"], "raw_t")
    assert result.bad_lines == [(4, "missing_columns"), (5, "unbalanced_quote")]
    assert rows(con, "select source_line, award_id from raw_t order by 1") == [(2, "A1"), (6, "A4")]


def test_a_file_name_with_a_quote_is_bound_not_pasted(con, tmp_path):
    path = tmp_path / "awards_o'brien.csv"
    path.write_text(H + "\n" + body(1))
    read(con, DeliveryFile(path, path.name, "awards"), contracts()["awards"], "raw_t")
    assert rows(con, "select source_file from raw_t") == [("awards_o'brien.csv",)]


def test_reader_refuses_a_symlink_itself(con, tmp_path):
    (tmp_path / "real.csv").write_text(H + "\n" + body(1))
    (tmp_path / "awards.csv").symlink_to(tmp_path / "real.csv")
    f = DeliveryFile(tmp_path / "awards.csv", "awards.csv", "awards")
    with pytest.raises(FileRejected, match="regular file") as info:
        read(con, f, contracts()["awards"], "raw_t")
    assert info.value.rows_in == 0


# --- a whole delivery through discover() and intake: links refused unread, accounting exact ---


@pytest.fixture
def delivery(tmp_path):
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    raw.mkdir()
    outside.mkdir()
    key = outside / "pseudonym.key"
    key.write_text(SECRET + "\n")
    (outside / "awards.csv").write_text(H + "\n" + body(3, "X"))
    (outside / "badge.json").write_text('{"type": ["VerifiableCredential"], "secret": "' + SECRET + '"}')
    (raw / "awards.csv").write_text(H + "\n" + body(3))
    (raw / "awards_bad.csv").write_text(H + "\n" + body(2, "B") + 'B9,"C1\n' + body(3, "D"))
    (raw / "awards_key.csv").symlink_to(key)
    (raw / "awards_ext.csv").symlink_to(outside / "awards.csv")
    (raw / "badge.json").symlink_to(outside / "badge.json")
    (raw / "awards_dangling.csv").symlink_to(outside / "missing.csv")
    (raw / "linked").symlink_to(outside, target_is_directory=True)
    (raw / "sub").mkdir()
    (raw / "sub" / "awards_sub.csv").write_text(H + "\n" + body(1, "S"))
    os.mkfifo(raw / "awards_fifo.csv")
    (raw / "learners.csv").write_text(f"{EMAIL},1990,F,3,NL32,employed\n")
    return raw


def test_discover_rejects_links_and_special_files_unread(delivery):
    found = {f.name: f.rejected for f in discover(delivery)}
    assert found["awards.csv"] is None and found["sub/awards_sub.csv"] is None
    for name in ("awards_key.csv", "awards_ext.csv", "badge.json", "awards_dangling.csv", "linked"):
        assert "symbolic link" in found[name], name
    assert "not a regular file" in found["awards_fifo.csv"]
    assert not any(n.startswith("linked/") for n in found)


def test_delivery_accounting_balances_and_nothing_leaks(delivery):
    con = duckdb.connect()
    pseudonymise.register(con, b"k" * 32)
    con.execute(QUARANTINE_DDL)
    report = load_deliveries(con, discover(delivery), lambda _m: None, skip_references=frozenset(contracts()))
    frame = file_report(con, report)  # raises when rows in != loaded + quarantined + rejected
    by = {r["source_file"]: r for r in frame.iter_rows(named=True)}
    for name in (
        "awards_key.csv",
        "awards_ext.csv",
        "badge.json",
        "awards_dangling.csv",
        "linked",
        "awards_fifo.csv",
    ):
        assert by[name]["status"] == "rejected" and by[name]["rows_in"] == 0, name
    assert by["awards.csv"]["rows_loaded"] == 3
    bad = by["awards_bad.csv"]
    assert (bad["rows_in"], bad["rows_loaded"], bad["rows_quarantined"]) == (6, 5, 1)
    assert rows(
        con, "select source_line, reason_code from quarantine where source_file = 'awards_bad.csv'"
    ) == [(4, "malformed_row")]
    assert by["learners.csv"]["status"] == "rejected"
    everything = str(frame.to_dicts()) + str(rows(con, "select * from quarantine"))
    everything += str(rows(con, "select * from stg_awards"))
    for needle in (SECRET, EMAIL, "X1"):
        assert needle not in everything, needle
