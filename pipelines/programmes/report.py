"""The one-page institution report: its programmes' figures beside their peers, as HTML and PDF.

HTML is self-contained (inline CSS and SVG charts from vl-convert), so it opens anywhere and prints on one
landscape A4 page. The PDF is drawn with fpdf2 (pure Python) from the same figures and the same charts
(as PNG); without fpdf2 the report is HTML only. `mco report --provider ID` and the dashboard's
Programmes page both call `institution_report`.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.errors import ObservatoryError
from pipelines.programmes import charts
from pipelines.programmes.compare import METRICS, funnel, programme_metrics
from pipelines.programmes.present import FLAG_NOTES, TABLE_LEGEND, field_label, programme_table
from pipelines.publish.settings import Disclosure, disclosure

FONT_CANDIDATES = (
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
)
FIRST_PAGE_ROWS = 15  # programmes on the first page (largest first); the rest follow in an appendix


def load_programmes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """mart_programme, or a clear error when the warehouse predates it."""
    try:
        return con.sql("select * from mart_programme order by credential_id").pl()
    except duckdb.CatalogException:
        raise ObservatoryError(
            "this warehouse has no programme metrics (mart_programme); rebuild it with `mco build`"
        ) from None


def load_build(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        found = con.sql("select build_id, data_cutoff from build_info limit 1").fetchall()
    except duckdb.CatalogException:
        return {}
    return {"build_id": str(found[0][0]), "data_cutoff": str(found[0][1])} if found else {}


@dataclass
class InstitutionReport:
    provider: dict
    programmes: pl.DataFrame  # mart rows of the provider, largest first
    published: pl.DataFrame  # compare.programme_metrics over all providers (peers need them all)
    stages: pl.DataFrame  # funnel of all the provider's programmes together
    build: dict[str, str] = field(default_factory=dict)
    rules: Disclosure = field(default_factory=disclosure)

    @property
    def title(self) -> str:
        return f"Institution report: {self.provider['provider_name']}"

    def subtitle(self) -> str:
        p = self.provider
        region = f", region {p['region_code']}" if p.get("region_code") else ""
        return (
            f"{p['provider_id']} · {p['provider_type'].replace('_', ' ')} · {p['country_code']}{region} · "
            f"{self.programmes.height} programme(s)"
        )

    def source_line(self) -> str:
        r = self.rules
        b = self.build
        build = f"Build {b.get('build_id', '?')}, data cut-off {b.get('data_cutoff', '?')}. " if b else ""
        return (
            f"{build}Source: Microcredential Observatory. Disclosure control: counts of people below "
            f"{r.min_people} and rates on denominators below {r.min_denominator} are suppressed (c); peer "
            f"medians and percentiles need {r.min_contributors} peers with a value."
        )

    def table(self) -> pl.DataFrame:
        return programme_table(self.programmes, self.published)

    def charts(self) -> dict[str, object]:
        return {
            "heatmap": charts.percentile_heatmap(
                self.published,
                self.programmes.head(FIRST_PAGE_ROWS),
                "Percentile among peers"
                + (
                    f" ({FIRST_PAGE_ROWS} largest programmes)"
                    if self.programmes.height > FIRST_PAGE_ROWS
                    else ""
                ),
            ),
            "funnel": charts.funnel_chart(
                self.stages, "Learner funnel, all programmes (summed per programme)"
            ),
        }

    def html(self) -> str:
        import vl_convert as vlc

        svgs = {name: vlc.vegalite_to_svg(chart.to_dict()) for name, chart in self.charts().items()}
        table = self.table()
        first = _html_table(table.head(FIRST_PAGE_ROWS), "programmes")
        appendix = ""
        if table.height > FIRST_PAGE_ROWS:
            appendix = (
                '<section class="appendix"><h2>Further programmes (smaller, by awards)</h2>'
                + _html_table(table.slice(FIRST_PAGE_ROWS), "more-programmes")
                + "</section>"
            )
        shown = (
            f"the {FIRST_PAGE_ROWS} largest of {table.height}, by awards; the rest follow below"
            if table.height > FIRST_PAGE_ROWS
            else "all, by awards"
        )
        definitions = "".join(
            f"<li><b>{html.escape(m.label)}</b>: {html.escape(m.definition)}</li>" for m in METRICS
        )
        flags = "".join(f"<li><b>{k}</b>: {html.escape(v)}</li>" for k, v in FLAG_NOTES.items())
        fields = ", ".join(
            sorted({field_label(f) for f in self.programmes["isced_f_broad"].to_list() if f is not None})
        )
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(self.title)}</title>
<style>
@page {{ size: A4 landscape; margin: 10mm; }}
body {{ font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 11px; color: #222;
       margin: 16px; }}
h1 {{ font-size: 20px; margin: 0 0 2px; }}
h2 {{ font-size: 14px; margin: 14px 0 4px; }}
.sub, .note, footer {{ color: #555; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 3px 5px; text-align: left; white-space: nowrap; }}
th {{ background: #f2f4f7; }}
td:nth-child(n+5) {{ text-align: right; }}
.charts {{ display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }}
footer ul {{ margin: 2px 0; padding-left: 16px; }}
.appendix {{ break-before: page; }}
</style>
</head>
<body>
<header>
<h1>{html.escape(self.title)}</h1>
<p class="sub">{html.escape(self.subtitle())}</p>
<p class="sub">Fields: {html.escape(fields or "unknown")}</p>
</header>
<section>
<h2>Programmes against their peers ({html.escape(shown)})</h2>
{first}
<p class="note">{html.escape(TABLE_LEGEND)}</p>
</section>
<section class="charts">
<figure id="heatmap">{svgs["heatmap"]}</figure>
<figure id="funnel">{svgs["funnel"]}</figure>
</section>
<footer>
<p>{html.escape(self.source_line())}</p>
<ul>{definitions}</ul>
<ul>{flags}</ul>
</footer>
{appendix}
</body>
</html>
"""

    def pdf(self) -> bytes | None:
        """The same report as a PDF (A4 landscape), or None when fpdf2 is not installed."""
        try:
            from fpdf import FPDF
        except ImportError:
            return None
        import vl_convert as vlc

        pdf = FPDF(orientation="L", unit="mm", format="A4")
        pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=UTC))
        pdf.set_title(self.title)
        pdf.set_author("Microcredential Observatory")
        pdf.set_margins(10, 10, 10)
        pdf.set_auto_page_break(True, margin=10)
        family, text = _font(pdf)
        pdf.add_page()
        pdf.set_font(family, "B", 15)
        pdf.cell(0, 8, text(self.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)
        pdf.set_text_color(85, 85, 85)
        pdf.cell(0, 5, text(self.subtitle()), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
        table = self.table()
        _pdf_table(pdf, table.head(FIRST_PAGE_ROWS), family, text)
        pdf.set_font(family, "", 7)
        pdf.set_text_color(85, 85, 85)
        pdf.multi_cell(0, 3.5, text(TABLE_LEGEND), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)
        images = {
            name: vlc.vegalite_to_png(chart.to_dict(), scale=2) for name, chart in self.charts().items()
        }
        _place_charts(pdf, [images["heatmap"], images["funnel"]], (0.62, 0.38))
        pdf.set_font(family, "", 6.5)
        pdf.set_text_color(85, 85, 85)
        pdf.multi_cell(0, 3.2, text(self.source_line()), new_x="LMARGIN", new_y="NEXT")
        for m in METRICS:
            pdf.multi_cell(0, 3.2, text(f"{m.label}: {m.definition}"), new_x="LMARGIN", new_y="NEXT")
        if table.height > FIRST_PAGE_ROWS:
            pdf.add_page()
            pdf.set_text_color(0, 0, 0)
            pdf.set_font(family, "B", 11)
            pdf.cell(0, 7, text("Further programmes (smaller, by awards)"), new_x="LMARGIN", new_y="NEXT")
            _pdf_table(pdf, table.slice(FIRST_PAGE_ROWS), family, text)
        return bytes(pdf.output())


def _html_table(table: pl.DataFrame, element_id: str) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in table.iter_rows()
    )
    return f'<table id="{element_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _pdf_table(pdf, table: pl.DataFrame, family: str, text) -> None:
    pdf.set_font(family, "", 6.5)
    widths = (62, 20, 10, 9, *([21.5] * len(METRICS)))
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        line_height=4,
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", *(["RIGHT"] * len(METRICS))),
        first_row_as_headings=True,
        headings_style=_headings(family),
    ) as t:
        t.row([text(c) for c in table.columns])
        for row in table.iter_rows():
            t.row([text("" if v is None else str(v)) for v in row])


def _headings(family: str):
    from fpdf.fonts import FontFace

    return FontFace(family=family, emphasis="BOLD", fill_color=(242, 244, 247))


def _font(pdf) -> tuple[str, callable]:
    """A Unicode TTF when the machine has one; else the core Helvetica with text folded to Latin-1."""
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            pdf.add_font("Report", "", regular)
            pdf.add_font("Report", "B", bold)
            return "Report", lambda s: s

    def latin1(s: str) -> str:
        s = s.replace("–", "-").replace("·", "-").replace("≤", "<=").replace("÷", "/")
        folded = unicodedata.normalize("NFKD", s).encode("latin-1", "ignore").decode("latin-1")
        return folded

    return "Helvetica", latin1


def _place_charts(pdf, pngs: list[bytes], shares: tuple[float, ...]) -> None:
    """Charts side by side, each in its share of the width, scaled to fit the rest of the page."""
    from io import BytesIO

    from PIL import Image

    gap = 6
    usable = pdf.w - pdf.l_margin - pdf.r_margin - gap * (len(pngs) - 1)
    room = pdf.h - pdf.b_margin - pdf.get_y() - 16
    if room < 50:
        pdf.add_page()
        room = pdf.h - pdf.b_margin - pdf.get_y() - 16
    x, y, bottom = pdf.l_margin, pdf.get_y(), pdf.get_y()
    for png, share in zip(pngs, shares, strict=True):
        w, h = Image.open(BytesIO(png)).size
        scale = min(usable * share / w, room / h)  # mm per pixel
        pdf.image(BytesIO(png), x=x, y=y, w=w * scale)
        x += usable * share + gap
        bottom = max(bottom, y + h * scale)
    pdf.set_y(bottom + 2)


def institution_report(
    programmes: pl.DataFrame,
    provider_id: str,
    *,
    published: pl.DataFrame | None = None,
    build: dict[str, str] | None = None,
    rules: Disclosure | None = None,
) -> InstitutionReport:
    """The report of one provider, from all of mart_programme (peers come from every provider)."""
    rules = rules or disclosure()
    own = programmes.filter(pl.col("provider_id") == provider_id).sort(
        ["awards", "credential_id"], descending=[True, False]
    )
    if own.is_empty():
        raise ObservatoryError(f"no provider {provider_id!r} with credential programmes in this warehouse")
    published = published if published is not None else programme_metrics(programmes, rules)
    first = own.row(0, named=True)
    provider = {
        k: first[k] for k in ("provider_id", "provider_name", "provider_type", "country_code", "region_code")
    }
    return InstitutionReport(provider, own, published, funnel(own, rules), build or {}, rules)


def write_report(
    con: duckdb.DuckDBPyConnection, provider_id: str, out_dir: Path, *, pdf: bool = True
) -> list[Path]:
    """Write <out_dir>/institution_<provider>.html (and .pdf when fpdf2 is there); the paths written."""
    report = institution_report(load_programmes(con), provider_id, build=load_build(con))
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "institution_" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in provider_id)
    written = [out_dir / f"{stem}.html"]
    written[0].write_text(report.html(), encoding="utf-8")
    if pdf:
        data = report.pdf()
        if data is not None:
            written.append(out_dir / f"{stem}.pdf")
            written[1].write_bytes(data)
    return written
