"""`mco report` writes an institution report that opens: the HTML parses and holds the programmes, the
PDF is a PDF that pdftoppm renders to a non-blank page (skipped when pdftoppm is not installed)."""

from __future__ import annotations

import shutil
import subprocess
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
    assert parser.count.get("svg", 0) == 2  # percentile heat map and funnel, inline
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
