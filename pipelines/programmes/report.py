"""The one-page institution report (board report): summary sentences, the programmes against their peers
as a table with one-line verdicts and as a chart with intervals, the learner funnel; HTML and PDF.

The HTML is self-contained (inline CSS and SVG charts from vl-convert) and is the accessible twin of the
PDF: language, headings, a captioned table with header cells, and every chart with a text description.
The PDF is drawn with fpdf2 (pure Python) from the same figures and charts (as PNG) on one landscape A4
page for up to `FIRST_PAGE_ROWS` programmes (the rest follow on a second page); fpdf2 tags only the
charts (a structure tree with their alternative text, the document language), not the text, so the HTML
written beside it is the accessible version. Without fpdf2 the report is HTML only. Text is #222222 or
#4D4D4D on white or light grey (contrast at least 4.5:1). `mco report --provider ID` and the dashboard's
Programmes page both call `institution_report`.
"""

from __future__ import annotations

import difflib
import html
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import duckdb
import polars as pl
import vl_convert as vlc
from PIL import Image

from pipelines.disclosure import Disclosure
from pipelines.errors import ObservatoryError
from pipelines.programmes import charts
from pipelines.programmes.compare import (
    ABOVE,
    BASIS_FIELD,
    BASIS_FIELD_EQF,
    BELOW,
    BY_KEY,
    METRICS,
    NO_PEERS,
    TOO_FEW,
    WITHIN,
    funnel,
    programme_metrics,
)
from pipelines.programmes.present import FLAG_NOTES, field_label, value_text, verdict_counts
from pipelines.settings import settings

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
FIRST_PAGE_ROWS = 15  # programmes on the first page (largest first); the rest follow on a second page
# The verdict of a table cell as a mark (PDF) beside the value; the HTML writes the words.
MARKS = {ABOVE: "▲", WITHIN: "●", BELOW: "▼", TOO_FEW: "", NO_PEERS: "○"}
MARK_LEGEND = (
    f"▲ {ABOVE} (its 95 % interval lies above the peers' upper quartile), ● {WITHIN}, ▼ {BELOW} "
    f"(below their lower quartile), ○ {NO_PEERS}; c = suppressed, – = not applicable."
)
SUMMARY_METRICS = ("completion_rate", "employment_12m")
INK, MUTED, HEAD_FILL = (34, 34, 34), (77, 77, 77), (235, 238, 242)  # #222, #4D4D4D (≥ 4.5:1 on white)


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


def providers(programmes: pl.DataFrame) -> pl.DataFrame:
    """Providers with credential programmes: provider_id, provider_name, programmes, awards (true counts
    are not shown: programmes is a count of specifications, not people)."""
    return (
        programmes.group_by("provider_id")
        .agg(
            pl.col("provider_name").first(),
            pl.col("provider_type").first(),
            pl.col("country_code").first(),
            pl.len().cast(pl.Int64).alias("programmes"),
        )
        .sort("provider_id")
    )


def unknown_provider(provider_id: str, known: pl.DataFrame) -> ObservatoryError:
    """One sentence: the provider is not there, and the closest ids (by id, or by name)."""
    ids = known["provider_id"].to_list()
    names = {
        name.lower(): pid for name, pid in zip(known["provider_name"].to_list(), ids, strict=True) if name
    }
    close = difflib.get_close_matches(provider_id.strip().upper(), ids, n=3, cutoff=0.5)
    by_name = difflib.get_close_matches(provider_id.strip().lower(), list(names), n=3, cutoff=0.6)
    close = list(dict.fromkeys([names[n] for n in by_name] + close))[:3]
    hint = f"; did you mean {', '.join(close)}?" if close else "."
    return ObservatoryError(
        f"no provider {provider_id!r} with credential programmes in this warehouse "
        f"(`mco providers` lists them){hint}"
    )


@dataclass
class InstitutionReport:
    provider: dict
    programmes: pl.DataFrame  # mart rows of the provider, largest first
    published: pl.DataFrame  # compare.programme_metrics over all providers (peers need them all)
    stages: pl.DataFrame  # funnel of all the provider's programmes together
    build: dict[str, str] = field(default_factory=dict)
    rules: Disclosure = field(default_factory=lambda: settings().disclosure)
    generated: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def title(self) -> str:
        return f"Institution report: {self.provider['provider_name']}"

    def own(self) -> pl.DataFrame:
        """The published rows of the provider's programmes."""
        return self.published.filter(
            pl.col("credential_id").is_in(self.programmes["credential_id"].to_list())
        )

    def subtitle(self) -> str:
        p = self.provider
        region = f", region {p['region_code']}" if p.get("region_code") else ""
        return (
            f"{p['provider_id']} · {p['provider_type'].replace('_', ' ')} · {p['country_code']}{region} · "
            f"{self.programmes.height} programme(s)"
        )

    def date_line(self) -> str:
        b = self.build
        cutoff = f" · data cut-off {b['data_cutoff']}" if b.get("data_cutoff") else ""
        build = f" · build {b['build_id']}" if b.get("build_id") else ""
        return f"Report of {self.generated:%d %B %Y}{cutoff}{build}"

    def summary(self) -> list[str]:
        """The summary sentences that open the report."""
        own = self.own()
        n = self.programmes.height
        awards = own.filter(pl.col("metric") == "awards")["value"].drop_nulls().sum()
        cutoff = self.build.get("data_cutoff")
        until = f" up to the data cut-off ({cutoff})" if cutoff else ""
        out = [
            f"{self.provider['provider_name']} offers {n} programme{'s' if n != 1 else ''} with about "
            f"{awards:,.0f} awards issued{until}."
        ]
        for key in SUMMARY_METRICS:
            counts = verdict_counts(own, key)
            parts = [f"{counts[v]} {v}" for v in (ABOVE, WITHIN, BELOW) if counts.get(v)]
            rest = [
                f"{counts[v]} with {v}" if v == TOO_FEW else f"{counts[v]} with no peer group"
                for v in (TOO_FEW, NO_PEERS)
                if counts.get(v)
            ]
            if parts or rest:
                out.append(f"{BY_KEY[key].label}: " + "; ".join(parts + rest) + ".")
        basis = own.filter(pl.col("metric") == "completion_rate")["peer_basis"].to_list()
        exact, by_field = basis.count(BASIS_FIELD_EQF), basis.count(BASIS_FIELD)
        none = len(basis) - exact - by_field
        parts = [
            f"{exact} compared with programmes of every provider in the same field and EQF level"
            if exact
            else "",
            f"{by_field} with programmes of the same field only (too few peers at their EQF level, or the "
            "level unknown)"
            if by_field
            else "",
            f"{none} without a peer group (field unknown)" if none else "",
        ]
        out.append("Peers (completion rate): " + "; ".join(p for p in parts if p) + ".")
        return out

    def source_line(self) -> str:
        r = self.rules
        return (
            f"Source: Microcredential Observatory. Disclosure control: counts of people below "
            f"{r.min_people} and rates on denominators below {r.min_denominator} are suppressed (c); "
            f"published counts carry small cell-key noise; peer statistics need {r.min_contributors} "
            "peers with a published value."
        )

    def table(self, marks: bool = True) -> pl.DataFrame:
        """One row per programme: identification and one text cell per metric (value and verdict).
        Numbers as data: `present.programme_values`; this is the printed form."""
        cells = {(r["credential_id"], r["metric"]): r for r in self.own().iter_rows(named=True)}
        rows = []
        for p in self.programmes.iter_rows(named=True):
            basis = cells.get((p["credential_id"], "completion_rate"), {}).get("peer_basis")
            row = {
                "Programme": p["title"] or "(untitled)",
                "ID": p["credential_id"],
                "Field": p["isced_f_broad"] or "?",
                "EQF": "?" if p["eqf_level"] is None else str(p["eqf_level"]),
                "Peers": {BASIS_FIELD_EQF: "field + EQF", BASIS_FIELD: "field only"}.get(basis, "none"),
            }
            for m in METRICS:
                c = cells.get((p["credential_id"], m.key))
                row[m.short] = _cell(c, m.unit, marks) if c else "–"
            rows.append(row)
        columns = ["Programme", "ID", "Field", "EQF", "Peers", *[m.short for m in METRICS]]
        return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))

    def charts(self) -> dict[str, object]:
        first = self.programmes.head(FIRST_PAGE_ROWS)
        more = f" ({FIRST_PAGE_ROWS} largest programmes)" if self.programmes.height > FIRST_PAGE_ROWS else ""
        return {
            "peers": charts.programmes_chart(self.published, first, title=f"Against peers (%){more}"),
            "funnel": charts.funnel_chart(self.stages, "Learner funnel, all programmes")
            .properties(width=260)
            .configure(**charts.CHART_CONFIG),
        }

    def descriptions(self) -> dict[str, str]:
        """A one-sentence text description of each chart (ARIA label, PDF alternative text)."""
        own = self.own()
        parts = []
        for key in charts.REPORT_METRICS:
            counts = verdict_counts(own, key)
            parts.append(
                f"{BY_KEY[key].label.lower()}: {counts.get(ABOVE, 0)} above most peers, "
                f"{counts.get(WITHIN, 0)} within the usual range, {counts.get(BELOW, 0)} below most peers"
            )
        stages = {r["stage"]: r for r in self.stages.iter_rows(named=True)}
        enrolled = stages.get("enrolled", {}).get("learners")
        awarded = stages.get("awarded", {}).get("learners")
        return {
            "peers": "Chart of each programme's rate with its 95 % interval beside its peers' median and "
            "interquartile range; " + "; ".join(parts) + ".",
            "funnel": "Bar chart of learners at each stage of the funnel"
            + (f": {enrolled:,} enrolled, {awarded:,} awarded." if enrolled and awarded else "."),
        }

    def html(self) -> str:
        svgs = {name: vlc.vegalite_to_svg(chart.to_dict()) for name, chart in self.charts().items()}
        described = self.descriptions()
        table = self.table(marks=False)
        first = _html_table(
            table.head(FIRST_PAGE_ROWS),
            "programmes",
            "Published value of each metric (verdict against peers)",
        )
        appendix = ""
        if table.height > FIRST_PAGE_ROWS:
            appendix = (
                '<section class="appendix"><h2>Further programmes (smaller, by awards)</h2>'
                + _html_table(table.slice(FIRST_PAGE_ROWS), "more-programmes", "Further programmes")
                + "</section>"
            )
        shown = (
            f"the {FIRST_PAGE_ROWS} largest of {table.height}, by awards; the rest follow below"
            if table.height > FIRST_PAGE_ROWS
            else "all, by awards"
        )
        summary = "".join(f"<li>{html.escape(s)}</li>" for s in self.summary())
        definitions = "".join(
            f"<li><b>{html.escape(m.label)}</b>: {html.escape(m.definition)}</li>" for m in METRICS
        )
        flags = "".join(f"<li><b>{k}</b>: {html.escape(v)}</li>" for k, v in FLAG_NOTES.items())
        fields = ", ".join(
            sorted({field_label(f) for f in self.programmes["isced_f_broad"].to_list() if f is not None})
        )
        figures = "".join(
            f'<figure id="{name}"><div role="img" aria-label="{html.escape(described[name])}">{svg}</div>'
            f"<figcaption>{html.escape(described[name])}</figcaption></figure>"
            for name, svg in svgs.items()
        )
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="dcterms.created" content="{self.generated.isoformat(timespec="seconds")}">
<title>{html.escape(self.title)}</title>
<style>
@page {{ size: A4 landscape; margin: 10mm; }}
body {{ font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 11px; color: #222222;
       background: #ffffff; margin: 16px; }}
h1 {{ font-size: 20px; margin: 0 0 2px; }}
h2 {{ font-size: 14px; margin: 14px 0 4px; }}
.sub, .note, footer, figcaption {{ color: #4d4d4d; }}
.summary {{ font-size: 12px; margin: 6px 0; padding-left: 18px; }}
table {{ border-collapse: collapse; width: 100%; }}
caption {{ text-align: left; font-weight: bold; padding: 2px 0; }}
th, td {{ border-bottom: 1px solid #cccccc; padding: 3px 5px; text-align: left; }}
th {{ background: #ebeef2; color: #222222; }}
td:nth-child(n+6) {{ text-align: right; }}
.charts {{ display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }}
svg {{ max-width: 100%; height: auto; }}
footer ul {{ margin: 2px 0; padding-left: 16px; }}
.appendix {{ break-before: page; }}
</style>
</head>
<body>
<header>
<h1>{html.escape(self.title)}</h1>
<p class="sub">{html.escape(self.subtitle())}</p>
<p class="sub">{html.escape(self.date_line())}</p>
</header>
<main>
<section aria-label="Summary">
<h2>Summary</h2>
<ul class="summary">{summary}</ul>
</section>
<section>
<h2>Programmes against their peers ({html.escape(shown)})</h2>
{first}
<p class="note">Each cell: the published value and its verdict against the peers (programmes of every
provider in the same ISCED-F field and EQF level, or in the same field when that group is too small).
{html.escape(MARK_LEGEND.split(";")[1].strip())} Fields: {html.escape(fields or "unknown")}.</p>
</section>
<section class="charts">
{figures}
</section>
{appendix}
</main>
<footer>
<p>{html.escape(self.source_line())}</p>
<ul>{definitions}</ul>
<ul>{flags}</ul>
</footer>
</body>
</html>
"""

    def pdf(self) -> bytes | None:
        """The same report as a PDF (A4 landscape), or None when fpdf2 is not installed."""
        try:
            from fpdf import FPDF  # optional dependency: the report is HTML only without it
        except ImportError:
            return None

        pdf = FPDF(orientation="L", unit="mm", format="A4")
        pdf.set_creation_date(self.generated)
        pdf.set_title(self.title)
        pdf.set_subject(f"Programmes of {self.provider['provider_id']} against their peers")
        pdf.set_author("Microcredential Observatory")
        pdf.set_creator("Microcredential Observatory (mco report)")
        pdf.set_lang("en")
        pdf.set_margins(10, 8, 10)
        pdf.set_auto_page_break(True, margin=8)
        family, text = _font(pdf)
        pdf.add_page()
        pdf.set_text_color(*INK)
        pdf.set_font(family, "B", 14)
        pdf.cell(0, 7, text(self.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 4, text(f"{self.subtitle()} · {self.date_line()}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_text_color(*INK)
        pdf.set_font(family, "", 8.5)
        for sentence in self.summary():
            pdf.multi_cell(0, 4, text(f"• {sentence}"), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.ln(1.5)
        table = self.table()
        _pdf_table(pdf, table.head(FIRST_PAGE_ROWS), family, text)
        pdf.set_font(family, "", 6.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 3, text(MARK_LEGEND), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        made = self.charts()
        images = {name: vlc.vegalite_to_png(chart.to_dict(), scale=2) for name, chart in made.items()}
        described = self.descriptions()
        _place_charts(
            pdf,
            [(images["peers"], described["peers"]), (images["funnel"], described["funnel"])],
            (0.62, 0.38),
            footer=7,
        )
        pdf.set_font(family, "", 6)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(
            0,
            2.8,
            text(
                f"{self.source_line()} Definitions of every metric: the HTML report written beside this PDF."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if table.height > FIRST_PAGE_ROWS:
            pdf.add_page()
            pdf.set_text_color(*INK)
            pdf.set_font(family, "B", 11)
            pdf.cell(0, 7, text("Further programmes (smaller, by awards)"), new_x="LMARGIN", new_y="NEXT")
            _pdf_table(pdf, table.slice(FIRST_PAGE_ROWS), family, text)
        return bytes(pdf.output())


def _cell(row: dict, unit: str, marks: bool) -> str:
    if row["flag"] == "c":
        return "c"
    if row["flag"] == "z" or row["value"] is None:
        return "–"
    value = value_text(row["value"], unit)
    verdict = row.get("verdict")
    if not verdict or verdict == TOO_FEW:
        return value
    return f"{value} {MARKS[verdict]}" if marks else f"{value} ({verdict})"


def _html_table(table: pl.DataFrame, element_id: str, caption: str) -> str:
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in table.columns)
    body = "".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{html.escape(str(v))}</th>' if i == 0 else f"<td>{html.escape(str(v))}</td>")
            for i, v in enumerate("" if v is None else v for v in row)
        )
        + "</tr>"
        for row in table.iter_rows()
    )
    return (
        f'<table id="{element_id}"><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _pdf_table(pdf, table: pl.DataFrame, family: str, text) -> None:
    from fpdf.fonts import FontFace  # fpdf2 is optional: imported where the PDF is drawn

    pdf.set_font(family, "", 6.5)
    pdf.set_text_color(*INK)
    widths = (62, 19, 9, 8, 16, *([20.3] * len(METRICS)))
    titles = table["Programme"].to_list()
    table = table.with_columns(pl.Series("Programme", [t if len(t) <= 44 else t[:43] + "…" for t in titles]))
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        line_height=3.6,
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", "LEFT", *(["RIGHT"] * len(METRICS))),
        first_row_as_headings=True,
        headings_style=FontFace(family=family, emphasis="BOLD", color=INK, fill_color=HEAD_FILL),
        borders_layout="HORIZONTAL_LINES",
        padding=0.6,
    ) as t:
        t.row([text(c) for c in table.columns])
        for row in table.iter_rows():
            t.row([text("" if v is None else str(v)) for v in row])


def _font(pdf) -> tuple[str, callable]:
    """A Unicode TTF when the machine has one; else the core Helvetica with text folded to Latin-1."""
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            pdf.add_font("Report", "", regular)
            pdf.add_font("Report", "B", bold)
            return "Report", lambda s: s

    def latin1(s: str) -> str:
        for a, b in (("–", "-"), ("·", "-"), ("≤", "<="), ("÷", "/"), ("▲", "+"), ("▼", "-"), ("●", "="),
                     ("○", "o"), ("•", "-"), ("…", "...")):  # fmt: skip
            s = s.replace(a, b)
        return unicodedata.normalize("NFKD", s).encode("latin-1", "ignore").decode("latin-1")

    return "Helvetica", latin1


def _place_charts(pdf, charts_: list[tuple[bytes, str]], shares: tuple[float, ...], footer: float) -> None:
    """Charts side by side, each in its share of the width, scaled to fit the rest of the page above a
    footer of `footer` mm; each carries its description as alternative text."""
    gap = 6
    usable = pdf.w - pdf.l_margin - pdf.r_margin - gap * (len(charts_) - 1)
    room = pdf.h - pdf.b_margin - pdf.get_y() - footer
    if room < 40:
        pdf.add_page()
        room = pdf.h - pdf.b_margin - pdf.get_y() - footer
    x, y, bottom = pdf.l_margin, pdf.get_y(), pdf.get_y()
    for (png, alt_text), share in zip(charts_, shares, strict=True):
        w, h = Image.open(BytesIO(png)).size
        scale = min(usable * share / w, room / h)  # mm per pixel
        pdf.image(BytesIO(png), x=x, y=y, w=w * scale, alt_text=alt_text)
        x += usable * share + gap
        bottom = max(bottom, y + h * scale)
    pdf.set_y(bottom + 1)


def institution_report(
    programmes: pl.DataFrame,
    provider_id: str,
    *,
    published: pl.DataFrame | None = None,
    build: dict[str, str] | None = None,
    rules: Disclosure | None = None,
) -> InstitutionReport:
    """The report of one provider, from all of mart_programme (peers come from every provider)."""
    rules = rules or settings().disclosure
    own = programmes.filter(pl.col("provider_id") == provider_id).sort(
        ["awards", "credential_id"], descending=[True, False]
    )
    if own.is_empty():
        raise unknown_provider(provider_id, providers(programmes))
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
