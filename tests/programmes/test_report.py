"""`mco report` writes an institution report that opens: the HTML parses and holds the programmes, the
PDF is a PDF that pdftoppm renders to a non-blank page (skipped when pdftoppm is not installed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app

pytestmark = pytest.mark.build
VOID = {"meta", "br", "img", "hr", "input", "link", "path", "rect", "line", "circle", "text", "use"}


class Structure(HTMLParser):
    """Collects tags and checks that every non-void element closes in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.count: dict[str, int] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1

    def handle_endtag(self, tag):
        if tag in VOID and (not self.stack or self.stack[-1] != tag):
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def provider(small_warehouse: Path) -> tuple[str, str, int]:
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        found = con.sql(
            "select provider_id, any_value(provider_name), count(*) from mart_programme "
            "group by 1 order by sum(awards) desc, 1 limit 1"
        ).fetchall()
    return found[0]


@pytest.fixture(scope="module")
def written(small_warehouse: Path, provider, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    result = CliRunner().invoke(
        app, ["report", "--provider", provider[0], "--warehouse", str(small_warehouse), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_html_report_parses_and_holds_the_programmes(written: Path, provider):
    pid, name, programmes = provider
    html = (written / f"institution_{pid}.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    parser = Structure()
    parser.feed(html)
    parser.close()
    assert not parser.errors, parser.errors[:5]
    assert parser.stack == [], parser.stack
    text = " ".join(parser.text)
    assert name in text and pid in text
    assert parser.count.get("svg", 0) == 2  # programmes against peers and funnel, inline
    assert parser.count.get("tr", 0) == programmes + 1 + (1 if programmes > 15 else 0)  # + header rows
    assert "Disclosure control" in text and "Annex I completeness" in text


def test_pdf_report_renders(written: Path, provider, tmp_path: Path):
    pdf = written / f"institution_{provider[0]}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.skip("pdftoppm (Debian's poppler-utils) is not installed")
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages, "pdftoppm wrote no page"
    from PIL import Image

    with Image.open(pages[0]) as image:
        assert image.width > image.height  # A4 landscape
        low, high = image.convert("L").getextrema()
        assert low < 100 < high  # text and charts on a white page, not a blank


def test_unknown_provider_is_one_clear_error(small_warehouse: Path, tmp_path: Path):
    result = CliRunner().invoke(
        app, ["report", "--provider", "NO-SUCH", "--warehouse", str(small_warehouse), "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert "NO-SUCH" in str(result.exception)
    assert not list(tmp_path.iterdir())


def _pdfinfo(pdf: Path) -> dict[str, str]:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        pytest.skip("pdfinfo (Debian's poppler-utils) is not installed")
    found = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in found.splitlines())}


def _provider_with(small_warehouse: Path, most: bool) -> tuple[str, int]:
    where = "> 15" if most else "<= 15"
    with duckdb.connect(str(small_warehouse), read_only=True) as con:
        found = con.sql(
            f"select provider_id, count(*) n from mart_programme group by 1 having n {where} "
            "order by n desc, 1 limit 1"
        ).fetchall()
    if not found:
        pytest.skip(f"no provider with {where} programmes in the small warehouse")
    return found[0]


@pytest.mark.parametrize("many", [False, True])
def test_one_page_for_up_to_15_programmes(small_warehouse: Path, tmp_path: Path, many: bool):
    pid, n = _provider_with(small_warehouse, many)
    result = CliRunner().invoke(
        app, ["report", "--provider", pid, "--warehouse", str(small_warehouse), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    info = _pdfinfo(tmp_path / f"institution_{pid}.pdf")
    assert info["Pages"] == ("2" if n > 15 else "1")


def test_pdf_metadata_has_the_real_date_and_tags(written: Path, provider):
    pdf = written / f"institution_{provider[0]}.pdf"
    data = pdf.read_bytes()
    today = datetime.now(UTC).strftime("%Y%m%d")
    assert b"/CreationDate (D:" + today.encode() in data  # not 2000-01-01
    assert b"/StructTreeRoot" in data and b"/Lang" in data and b"/Alt" in data  # charts carry their text
    info = _pdfinfo(pdf)
    assert info["Tagged"] == "yes" and provider[1] in info["Title"]
    assert not info["CreationDate"].startswith("Sat Jan  1")


def test_html_twin_is_accessible_and_opens_with_the_summary(written: Path, provider):
    html = (written / f"institution_{provider[0]}.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "<main>" in html and "<caption>" in html
    assert html.count('role="img" aria-label="') == 2 and html.count("<figcaption>") == 2
    assert 'scope="col"' in html and 'scope="row"' in html
    assert html.index("<h2>Summary</h2>") < html.index('<table id="programmes">')
    assert "data cut-off" in html and datetime.now(UTC).strftime("%d %B %Y") in html
    assert any(v in html for v in ("within the usual range", "above most peers", "below most peers"))


def test_providers_lists_ids_and_an_unknown_id_suggests_close_ones(small_warehouse: Path, provider):
    listed = CliRunner().invoke(app, ["providers", "--json", "--warehouse", str(small_warehouse)])
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert provider[0] in {r["provider_id"] for r in rows} and all(r["provider_name"] for r in rows)
    near = provider[0][:-2] + provider[0][-1]  # one digit dropped: PRV-00043 -> PRV-0003
    result = CliRunner().invoke(app, ["report", "--provider", near, "--warehouse", str(small_warehouse)])
    message = str(result.exception)
    assert result.exit_code != 0 and "did you mean" in message and "mco providers" in message
    assert message.count(".") <= 2 and "\n" not in message  # one sentence
