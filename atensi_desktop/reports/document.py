"""The report document: naskah dinas page, letterhead (kop surat), tables, signature blocks, footer, render.

Every report of issue 6 is a list of ReportLab flowables ("story") built from DTOs by a builder module
(case_reports, letters, aggregates) with the helpers below, then `render()` lays it out on A4 or F4 with:

- naskah dinas margins (domain.md §5: top 2.5 cm, bottom 3 cm, left 3 cm, right 2.5 cm);
- the embedded Liberation Sans font (metric-compatible with Arial, full Indonesian coverage);
- on every page a footer: the confidentiality line naming the redaction level, "Halaman X dari Y", the
  verification code and a QR code holding the report id and its content hash;
- deterministic bytes: ReportLab's invariant mode, the PDF creation date taken from `ctx.today`, and a report
  id derived from the content hash, so the same input gives the same file.

What is hashed (`RenderedReport.sha256`, printed in the QR): the *canonical content* of the report, i.e. a
JSON document holding the kind, title, paper, redaction level, issue date, letter number, the letterhead, the
builder's `meta` dict and the plain text of every flowable in the story (paragraph markup, table cell text;
flowables with their own content such as drawings may expose `verification_text()`). It is computed before
layout and does not depend on the PDF bytes, so the QR can carry it. The PDF file's own bytes are checked
separately: `registry.make_report` stores the SHA-256 of the whole file in `report_issued.file_sha256`, and
`verification.verify_file` reads the id from the file's metadata (/Keywords) and compares both hashes.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from atensi_desktop.i18n import _
from atensi_desktop.reports import redaction
from atensi_desktop.reports.text import format_nip, long_date

PAPERS = {"A4": (210 * mm, 297 * mm), "F4": (215 * mm, 330 * mm)}
ORIENTATIONS = ("portrait", "landscape")  # landscape: the same paper turned (wide recaps, long lists)
# Naskah dinas margins (domain.md §5, the Pemda rule most offices follow): top, bottom, left, right.
MARGINS = {"top": 2.5 * cm, "bottom": 3.0 * cm, "left": 3.0 * cm, "right": 2.5 * cm}
FONT = "LiberationSans"
HASH_VERSION = 1  # bump when the canonical content changes shape
KEYWORD_PREFIX = "atensi-report"
QR_PREFIX = "ATENSI-LAPORAN"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FOOTER_FONT_SIZE = 7.5
_QR_SIZE = 2.0 * cm


# ---------------------------------------------------------------------------------------------------- context


@dataclass(frozen=True)
class OfficeHeader:
    """What the letterhead and the head's signature block need, from the office settings."""

    name: str
    lines: tuple[str, ...] = ()  # letterhead lines, top to bottom ("PEMERINTAH KABUPATEN …", "DINAS SOSIAL")
    address: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    email: str | None = None
    logo_path: str | None = None
    city: str | None = None
    head_name: str | None = None
    head_title: str | None = None
    head_rank: str | None = None
    head_nip: str | None = None
    code: str | None = None
    office_id: uuid.UUID | None = None
    office_type: str | None = None

    @property
    def letterhead(self) -> tuple[str, ...]:
        return self.lines or (self.name.upper(),)


def office_header(db, *, logo_path: str | Path | None = None) -> OfficeHeader:
    """The installation office's letterhead (services.office); a neutral one before first-run set-up."""
    from atensi_desktop.services.office import installation_office

    office = installation_office(db)
    if office is None:
        return OfficeHeader(name=_("Kantor belum diatur"))
    return OfficeHeader(
        name=office.name,
        lines=tuple(office.letterhead_lines),
        address=office.address,
        postal_code=office.postal_code,
        phone=office.phone,
        email=office.email,
        logo_path=str(logo_path) if logo_path else None,
        city=office.city,
        head_name=office.head_name,
        head_title=office.head_title,
        head_rank=office.head_rank,
        head_nip=office.head_nip,
        code=office.code,
        office_id=office.id,
        office_type=office.office_type,
    )


@dataclass(frozen=True)
class ReportContext:
    """Everything a builder needs besides the database: what, for whom, on what paper, how redacted."""

    kind: str
    paper: str = "A4"
    redaction: str = "lengkap"  # lengkap | mitra | statistik
    today: dt.date = field(default_factory=dt.date.today)
    place: str = ""  # city printed before the date: "Kandangan, 5 Maret 2026"
    office: OfficeHeader = field(default_factory=lambda: OfficeHeader(name=""))
    show_sensitive: bool = False  # mitra: print health/criminal details only when ticked
    case_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    distribution_id: uuid.UUID | None = None
    referral_id: uuid.UUID | None = None
    period: tuple[dt.date, dt.date] | None = None
    year: int | None = None
    letter_number: str | None = None
    filters: Any = None  # the client list's filters: a services.clients.ClientQuery (or None: no filter)
    orientation: str = "portrait"  # "portrait" | "landscape"

    @property
    def page_size(self) -> tuple[float, float]:
        """(width, height) in points: the paper, turned for landscape."""
        short, long = PAPERS[self.paper]
        return (long, short) if self.orientation == "landscape" else (short, long)

    @property
    def frame_width(self) -> float:
        return self.page_size[0] - MARGINS["left"] - MARGINS["right"]


def check_orientation(orientation: str) -> None:
    """Refuse an orientation other than portrait or landscape (UserError in Bahasa Indonesia)."""
    from atensi_desktop.errors import UserError

    if orientation not in ORIENTATIONS:
        raise UserError(_("Arah kertas {orientation} tidak dikenal.").format(orientation=repr(orientation)),
                        hint=_("Pilih portrait (tegak) atau landscape (mendatar)."))


def make_context(db, kind: str, **values: Any) -> ReportContext:
    """A ReportContext with the office letterhead and place filled from the database (values override).

    Without `orientation` (or with None) the page is turned as the kind prefers (ReportKind.orientation:
    the SPM recap is landscape, the rest portrait)."""
    from atensi_desktop.errors import UserError

    office = values.pop("office", None) or office_header(db, logo_path=values.pop("logo_path", None))
    paper = values.get("paper", "A4")
    if paper not in PAPERS:
        raise UserError(_("Ukuran kertas {paper} tidak dikenal.").format(paper=repr(paper)),
                        hint=_("Pilih A4 atau F4."))
    redaction.check_level(values.get("redaction", "lengkap"))
    if values.get("orientation") is None:
        values["orientation"] = _kind_orientation(kind)
    check_orientation(values["orientation"])
    place = values.pop("place", None) or office.city or ""
    return ReportContext(kind=kind, office=office, place=place, **values)


def _kind_orientation(kind: str) -> str:
    """The orientation the registered kind prefers ("portrait" for an unknown kind)."""
    from atensi_desktop.reports.registry import KINDS, load_all

    found = (KINDS if kind in KINDS else load_all()).get(kind)
    return getattr(found, "orientation", "portrait") if found is not None else "portrait"


# ----------------------------------------------------------------------------------------------------- fonts


@cache
def register_fonts() -> str:
    """Register Liberation Sans (regular, bold, italic, bold italic) once; returns the family name."""
    from reportlab.lib.fonts import addMapping

    from atensi_desktop.resources import resource_path

    faces = {"": "Regular", "-Bold": "Bold", "-Italic": "Italic", "-BoldItalic": "BoldItalic"}
    for suffix, face in faces.items():
        pdfmetrics.registerFont(TTFont(FONT + suffix, str(resource_path("fonts", f"LiberationSans-{face}.ttf"))))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT + "-Bold")
    addMapping(FONT, 0, 1, FONT + "-Italic")
    addMapping(FONT, 1, 1, FONT + "-BoldItalic")
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT + "-Bold", italic=FONT + "-Italic",
                                  boldItalic=FONT + "-BoldItalic")
    return FONT


@cache
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles on the embedded font: Body (11 pt), Small, Title, Subtitle, Heading, table cells."""
    register_fonts()
    bold = FONT + "-Bold"
    body = ParagraphStyle("Body", fontName=FONT, fontSize=11, leading=14.5, alignment=TA_JUSTIFY, spaceAfter=4)
    return {
        "Body": body,
        "BodyLeft": ParagraphStyle("BodyLeft", parent=body, alignment=TA_LEFT),
        "Small": ParagraphStyle("Small", parent=body, fontSize=9, leading=11.5, spaceAfter=0, alignment=TA_LEFT),
        "Title": ParagraphStyle("Title", parent=body, fontName=bold, fontSize=13, leading=16, alignment=TA_CENTER,
                                spaceAfter=0),
        "Subtitle": ParagraphStyle("Subtitle", parent=body, fontSize=11, leading=14, alignment=TA_CENTER,
                                   spaceAfter=0),
        "Heading": ParagraphStyle("Heading", parent=body, fontName=bold, fontSize=11, leading=14, alignment=TA_LEFT,
                                  spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "TableHead": ParagraphStyle("TableHead", parent=body, fontName=bold, fontSize=9, leading=11,
                                    alignment=TA_CENTER, spaceAfter=0),
        "TableCell": ParagraphStyle("TableCell", parent=body, fontSize=9, leading=11, alignment=TA_LEFT,
                                    spaceAfter=0),
        "TableCellRight": ParagraphStyle("TableCellRight", parent=body, fontSize=9, leading=11, alignment=TA_RIGHT,
                                         spaceAfter=0),
        "TableCellCenter": ParagraphStyle("TableCellCenter", parent=body, fontSize=9, leading=11,
                                          alignment=TA_CENTER, spaceAfter=0),
        "Field": ParagraphStyle("Field", parent=body, alignment=TA_LEFT, spaceAfter=0, leading=13.5),
        "KopBig": ParagraphStyle("KopBig", parent=body, fontName=bold, fontSize=14, leading=17, alignment=TA_CENTER,
                                 spaceAfter=0),
        "KopMain": ParagraphStyle("KopMain", parent=body, fontName=bold, fontSize=16, leading=19,
                                  alignment=TA_CENTER, spaceAfter=0),
        "KopSmall": ParagraphStyle("KopSmall", parent=body, fontSize=9.5, leading=12, alignment=TA_CENTER,
                                   spaceAfter=0),
        "Signature": ParagraphStyle("Signature", parent=body, alignment=TA_LEFT, spaceAfter=0, leading=14),
    }


def para(text: str | None, style: str = "Body") -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    return Paragraph(escape(text or "").replace("\n", "<br/>"), styles()[style])


# ----------------------------------------------------------------------------------------------- flowables


class DoubleRule(Flowable):
    """The letterhead's closing rule: a thick line over a thin one, the full frame width."""

    def __init__(self, thick: float = 2.2, thin: float = 0.7, gap: float = 1.6) -> None:
        super().__init__()
        self.thick, self.thin, self.gap = thick, thin, gap
        self.width = 0.0

    def wrap(self, avail_width, avail_height):  # noqa: D102 - ReportLab API
        self.width = avail_width
        return avail_width, self.thick + self.gap + self.thin + 2

    def draw(self) -> None:  # noqa: D102 - ReportLab API
        c = self.canv
        c.setLineWidth(self.thick)
        top = self.thick + self.gap + self.thin + 1
        c.line(0, top - self.thick / 2, self.width, top - self.thick / 2)
        c.setLineWidth(self.thin)
        c.line(0, 1 + self.thin / 2, self.width, 1 + self.thin / 2)

    def verification_text(self) -> str:
        return "=="


def _fitted(text: str, style: ParagraphStyle, width: float, smallest: float = 10.0) -> ParagraphStyle:
    """The style, with a smaller font when needed so that a letterhead line stays on one line."""
    size = style.fontSize
    while size > smallest and pdfmetrics.stringWidth(text, style.fontName, size) > width:
        size -= 0.5
    if size == style.fontSize:
        return style
    return ParagraphStyle(f"{style.name}-{size}", parent=style, fontSize=size, leading=size * 1.2)


def kop(ctx: ReportContext) -> list[Flowable]:
    """The letterhead: logo at the left (when set), institution lines centred (the last one largest, the
    name of the unit), address / phone / postal code / e-mail in small type, a double rule under it."""
    st = styles()
    office = ctx.office
    lines = list(office.letterhead)
    logo_w = 2.2 * cm
    width = ctx.frame_width
    text_w = width - 2 * logo_w
    rows: list[Paragraph] = []
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        rows.append(Paragraph(escape(line), _fitted(line, st["KopMain"] if last and len(lines) > 1
                                                    else st["KopBig"], text_w)))
    contact = []
    if office.address:
        contact.append(office.address)
    tel = []
    if office.phone:
        tel.append(_("Telp. {phone}").format(phone=office.phone))
    if office.postal_code:
        tel.append(_("Kode Pos {code}").format(code=office.postal_code))
    if tel:
        contact.append(" ".join(tel))
    if contact:
        rows.append(Paragraph(escape(", ".join(contact)), st["KopSmall"]))
    if office.email:
        rows.append(Paragraph(escape(_("Surel: {email}").format(email=office.email)), st["KopSmall"]))
    logo: Flowable | str = ""
    if office.logo_path and Path(office.logo_path).is_file():
        img = Image(office.logo_path)
        scale = min(logo_w / img.imageWidth, logo_w / img.imageHeight)
        logo = Image(office.logo_path, width=img.imageWidth * scale, height=img.imageHeight * scale)
    # The text column is centred on the page, not on what is left beside the logo: an empty column of the
    # logo's width on the right keeps the institution lines on the page's axis.
    table = Table([[logo, rows, ""]], colWidths=[logo_w, width - 2 * logo_w, logo_w])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (0, 0), "LEFT"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return [table, Spacer(0, 2), DoubleRule(), Spacer(0, 10)]


def title_block(title: str, number: str | None = None, subtitle: str | None = None) -> list[Flowable]:
    """The document title centred in capitals, underlined; "Nomor: …" and a subtitle under it."""
    st = styles()
    out: list[Flowable] = [Paragraph(f"<u>{escape(title.upper())}</u>", st["Title"])]
    if number:
        out.append(Paragraph(escape(_("Nomor: {number}").format(number=number)), st["Subtitle"]))
    if subtitle:
        out.append(Paragraph(escape(subtitle), st["Subtitle"]))
    out.append(Spacer(0, 12))
    return out


def section_heading(text: str) -> Paragraph:
    """A bold heading that keeps with the paragraph or table after it."""
    return Paragraph(escape(text), styles()["Heading"])


def field_table(rows: Sequence[tuple[str, Any]], *, label_width: float = 0.32,
                style: str = "Field") -> Table:
    """Label : value pairs (identity blocks, letter fields). A value may be text or a flowable."""
    st = styles()
    data = []
    for label, value in rows:
        cell = value if isinstance(value, Flowable | list) else Paragraph(
            escape("" if value is None else str(value)).replace("\n", "<br/>"), st[style])
        data.append([Paragraph(escape(label), st[style]), Paragraph(":", st[style]), cell])
    table = FitTable(data, rel_widths=[label_width, 0.03, 0.97 - label_width])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    return table


class FitTable(Table):
    """A Table whose column widths are fractions of the frame width, resolved when it is laid out, so the
    same story fits A4 and F4."""

    def __init__(self, data, *args, rel_widths: Sequence[float] | None = None, **kw) -> None:
        super().__init__(data, *args, **kw)
        self._rel_widths = list(rel_widths) if rel_widths else None

    def wrap(self, avail_width, avail_height):  # noqa: D102 - ReportLab API
        if self._rel_widths:
            total = sum(self._rel_widths)
            self._argW = [avail_width * w / total for w in self._rel_widths]
            self._rel_widths = None  # split pieces keep the resolved widths
        return super().wrap(avail_width, avail_height)


_ALIGN_STYLE = {"L": "TableCell", "R": "TableCellRight", "C": "TableCellCenter"}


def _guess_weights(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[float]:
    weights = [float(min(max(len(str(h)), 4), 30)) for h in headers]
    for row in rows[:200]:
        for i, cell in enumerate(row[: len(weights)]):
            text = "" if cell is None or isinstance(cell, Flowable) else str(cell)
            weights[i] = max(weights[i], float(min(len(text), 40)))
    return [max(w, 3.0) for w in weights]


def data_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], col_widths: Sequence[float] | None = None,
               align: Sequence[str] | str | None = None, repeat_header: bool = True,
               total_row: bool = False) -> Table:
    """A ruled table: header row bold on light grey, repeated on every page; cells wrap.

    `col_widths`: fractions (or any relative weights) of the frame width; None guesses from the text.
    `align`: one letter per column, "L" (default), "R" (numbers) or "C"; a string like "LRRC" works too.
    `total_row`: the last row is a total (bold, ruled above).
    Cells may be text, numbers (printed as given: format them with text.thousands etc.) or flowables.
    """
    st = styles()
    n = len(headers)
    aligns = list(align) if align else ["L"] * n
    aligns += ["L"] * (n - len(aligns))
    data: list[list[Any]] = [[Paragraph(escape(str(h)), st["TableHead"]) for h in headers]]
    for r, row in enumerate(rows):
        bold = total_row and r == len(rows) - 1
        out = []
        for i, cell in enumerate(row):
            if isinstance(cell, Flowable):
                out.append(cell)
                continue
            text = escape("" if cell is None else str(cell)).replace("\n", "<br/>")
            out.append(Paragraph(f"<b>{text}</b>" if bold else text, st[_ALIGN_STYLE[aligns[i] if i < n else "L"]]))
        data.append(out)
    weights = list(col_widths) if col_widths else _guess_weights(headers, rows)
    table = FitTable(data, rel_widths=weights, repeatRows=1 if repeat_header else 0)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E6E6E6")),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total_row and rows:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black))
    table.setStyle(TableStyle(commands))
    return table


def place_date(ctx: ReportContext) -> Paragraph:
    """'Kandangan, 5 Maret 2026' (no trailing period, domain.md §5)."""
    text = f"{ctx.place}, {long_date(ctx.today)}" if ctx.place else long_date(ctx.today)
    return Paragraph(escape(text), styles()["Signature"])


@dataclass(frozen=True)
class Signer:
    """One signature block: role_line ("Mengetahui," / "Yang membuat,"), title (jabatan), name, rank, NIP."""

    role_line: str | None
    title: str | None
    name: str | None
    rank: str | None = None
    nip: str | None = None


SIGNATURE_SPACE = 2.0 * cm  # room for the signature and the stamp


def _signer_lines(signer: Signer | None) -> tuple[list[str], list[str]]:
    """(lines above the signature space, markup lines under it) of one block."""
    if signer is None:
        return [], []
    above = [escape(line).replace("\n", "<br/>") for line in (signer.role_line, signer.title) if line]
    name = (signer.name or "").strip()
    below = [f"<b><u>{escape(name)}</u></b>" if name else "(" + "." * 40 + ")"]
    if signer.rank:
        below.append(escape(signer.rank))
    if signer.nip:
        below.append(escape(_("NIP. {nip}").format(nip=format_nip(signer.nip))))
    return above, below


class KeptTable(FitTable):
    """A table that is never split across pages: when it does not fit it moves to the next page whole.
    Unlike KeepTogether it can itself be put inside a KeepTogether (with a closing paragraph, say)."""

    def split(self, avail_width, avail_height):  # noqa: D102 - ReportLab API
        return []


def signature_blocks(ctx: ReportContext, left: Signer | None, right: Signer | None, *,
                     dated: bool = True) -> KeptTable:
    """Two signature blocks side by side, kept on one page (one unsplittable table), names on one line.

    With `dated` (the default) the place and date ("Kandangan, 5 Maret 2026") are printed above the
    right-hand block: do not add place_date() as well. A block with an empty name leaves a dotted line
    for a handwritten one; a None block leaves its half empty.
    """
    st = styles()["Signature"]
    left_above, left_below = _signer_lines(left)
    right_above, right_below = _signer_lines(right)
    if dated:
        right_above.insert(0, escape(place_date(ctx).text))
    # Both halves get as many lines above and below the signature space, blank lines filling the top of
    # the shorter one above (so the jabatan lines end together) and the end of the shorter one below.
    n_above = max(len(left_above), len(right_above))
    n_below = max(len(left_below), len(right_below))
    left_above = [""] * (n_above - len(left_above)) + left_above
    right_above = [""] * (n_above - len(right_above)) + right_above
    left_below += [""] * (n_below - len(left_below))
    right_below += [""] * (n_below - len(right_below))
    rows = [[Paragraph(a, st), "", Paragraph(b, st)] for a, b in zip(left_above, right_above, strict=True)]
    rows.append(["", "", ""])
    space_row = len(rows) - 1
    rows += [[Paragraph(a, st), "", Paragraph(b, st)] for a, b in zip(left_below, right_below, strict=True)]
    heights: list[float | None] = [None] * len(rows)
    heights[space_row] = SIGNATURE_SPACE
    table = KeptTable(rows, rowHeights=heights, rel_widths=[0.47, 0.06, 0.47])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    table.spaceBefore = 10
    return table


def head_signer(ctx: ReportContext, role_line: str | None = None) -> Signer:
    """The office head as a signer (from the office settings)."""
    office = ctx.office
    return Signer(role_line=role_line, title=office.head_title or _("Kepala {office}").format(office=office.name),
                  name=office.head_name, rank=office.head_rank, nip=office.head_nip)


# ---------------------------------------------------------------------------------------------- verification


def _flowable_text(f: Any, out: list[str]) -> None:
    """Append the plain content of a flowable (recursively) to `out`."""
    if f is None:
        return
    if isinstance(f, str | int | float):
        out.append(str(f))
        return
    if isinstance(f, list | tuple):
        for item in f:
            _flowable_text(item, out)
        return
    hook = getattr(f, "verification_text", None)
    if callable(hook):
        out.append(str(hook()))
        return
    if isinstance(f, Paragraph):
        out.append(f.text)
        return
    if isinstance(f, Table):
        for row in f._cellvalues:
            for cell in row:
                _flowable_text(cell, out)
            out.append("\n")
        return
    content = getattr(f, "_content", None)  # KeepTogether and friends
    if content is not None:
        _flowable_text(content, out)
        return
    if isinstance(f, Spacer):
        return
    if isinstance(f, Image):  # the picture's bytes, not its path: the same logo anywhere hashes the same
        name = getattr(f, "filename", "")
        try:
            out.append("[image " + hashlib.sha256(Path(name).read_bytes()).hexdigest() + "]")
        except (OSError, TypeError):
            out.append("[image]")
        return
    out.append(f"[{type(f).__name__}]")


def content_document(ctx: ReportContext, story: Sequence[Any], title: str, meta: dict) -> bytes:
    """The canonical content that `sha256` covers (see the module docstring): deterministic JSON bytes."""
    texts: list[str] = []
    _flowable_text(list(story), texts)
    office = ctx.office
    doc = {
        "v": HASH_VERSION,
        "kind": ctx.kind,
        "title": title,
        "paper": ctx.paper,
        "redaction": ctx.redaction,
        "show_sensitive": ctx.show_sensitive,
        "today": ctx.today.isoformat(),
        "place": ctx.place,
        "letter_number": ctx.letter_number,
        "office": [office.name, list(office.letterhead), office.address, office.phone, office.email,
                   str(office.office_id) if office.office_id else None],
        "meta": meta,
        "text": texts,
    }
    if ctx.orientation != "portrait":  # portrait reports keep the content hash they had before landscape
        doc["orientation"] = ctx.orientation
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")).encode("utf-8")


def report_id_for(sha256_hex: str, issued: dt.date) -> uuid.UUID:
    """A UUIDv7-shaped id made from the issue date (time part) and the content hash (the rest): the same
    report gives the same id, and ids still sort by issue date like the other synced rows."""
    ms = calendar.timegm(issued.timetuple()) * 1000
    rand = int(sha256_hex[:20], 16)  # 80 bits, of which 74 are used
    rand_a = (rand >> 62) & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def short_code(sha256_hex: str) -> str:
    """8 Crockford base-32 characters from the content hash, written 'XXXX-XXXX' (no I, L, O, U)."""
    bits = int(sha256_hex[:10], 16)  # 40 bits
    chars = "".join(_CROCKFORD[(bits >> (35 - 5 * i)) & 31] for i in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def normalize_code(code: str) -> str:
    """A typed code as stored: upper case, O->0, I/L->1, one dash in the middle."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(str.maketrans("OIL", "011"))
    return f"{cleaned[:4]}-{cleaned[4:]}" if len(cleaned) == 8 else cleaned


def qr_payload(report_id: uuid.UUID, sha256_hex: str) -> str:
    """What the QR code holds: 'ATENSI-LAPORAN:1:<UUID>:<SHA-256 HEX>', in capitals so that the QR uses its
    alphanumeric mode: a smaller symbol (37 modules instead of 45) that a phone reads from paper more easily."""
    return f"{QR_PREFIX}:{HASH_VERSION}:{report_id}:{sha256_hex}".upper()


def keywords_for(report_id: uuid.UUID, sha256_hex: str, code: str) -> str:
    """The PDF /Keywords entry that `verify_file` reads back."""
    return f"{KEYWORD_PREFIX}-id={report_id} {KEYWORD_PREFIX}-sha256={sha256_hex} {KEYWORD_PREFIX}-code={code}"


def parse_keywords(keywords: str | None) -> dict[str, str]:
    """{'id': …, 'sha256': …, 'code': …} from a /Keywords entry written by `keywords_for` ({} otherwise)."""
    out: dict[str, str] = {}
    for token in (keywords or "").split():
        key, sep, value = token.partition("=")
        if sep and key.startswith(KEYWORD_PREFIX + "-"):
            out[key[len(KEYWORD_PREFIX) + 1:]] = value
    return out


# ------------------------------------------------------------------------------------------------------ render


@dataclass
class RenderedReport:
    pdf: bytes
    report_id: uuid.UUID
    code: str
    sha256: str  # of the canonical content (see the module docstring); printed in the QR
    pages: int
    kind: str
    title: str
    meta: dict = field(default_factory=dict)

    @property
    def file_sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def _footer_maker(ctx: ReportContext, code: str, payload: str):
    """A canvas class that knows the page count before drawing the footers (Halaman X dari Y)."""
    level = redaction.level_label(ctx.redaction)
    confidential = {
        "lengkap": _("RAHASIA — untuk keperluan internal. Memuat data pribadi yang dilindungi UU 27/2022."),
        "mitra": _("RAHASIA — untuk mitra rujukan; jangan disebarkan. Memuat data pribadi yang dilindungi "
                   "UU 27/2022."),
        "statistik": _("Data statistik tanpa nama; tidak memuat identitas perorangan."),
    }[ctx.redaction]
    verify_line = _("Kode verifikasi {code} · periksa dengan: atensi-desktop report verify").format(code=code)
    level_line = _("Tingkat kerahasiaan: {level}").format(level=level)
    qr_done: list[bool] = []  # the QR is drawn once as a form XObject and placed on every page

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            ts = self._doc._timeStamp  # the creation date: the report's issue date, not the wall clock
            t = calendar.timegm(ctx.today.timetuple())
            ts.t, ts.lt = t, time.gmtime(t)
            ts.YMDhms = tuple(ts.lt)[:6]
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab API
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_qr(self) -> None:
            if not qr_done:
                self.beginForm("atensi-qr")
                # sized by the widget itself: getBounds() would encode the QR a second time (~50 ms)
                widget = QrCodeWidget(payload, barLevel="M", barWidth=_QR_SIZE, barHeight=_QR_SIZE)
                drawing = Drawing(_QR_SIZE, _QR_SIZE)
                drawing.add(widget)
                renderPDF.draw(drawing, self, 0, 0)
                self.endForm()
                qr_done.append(True)
            self.doForm("atensi-qr")

        def _draw_footer(self, total: int) -> None:
            width, _height = ctx.page_size
            left, right = MARGINS["left"], width - MARGINS["right"]
            top = MARGINS["bottom"] - 0.45 * cm  # the footer band sits inside the bottom margin
            self.saveState()
            self.setLineWidth(0.4)
            self.setStrokeColor(colors.HexColor("#808080"))
            self.line(left, top, right, top)
            self.setFillColor(colors.black)
            self.setFont(FONT, _FOOTER_FONT_SIZE)
            text_right = right - _QR_SIZE - 0.25 * cm
            y = top - 0.38 * cm
            self.drawString(left, y, confidential)
            self.drawString(left, y - 10, level_line)
            self.drawString(left, y - 20, verify_line)
            self.setFont(FONT + "-Bold", 9)
            page_text = _("Halaman {page} dari {total}").format(page=self._pageNumber, total=total)
            self.drawRightString(text_right, y - 10, page_text)
            self.translate(right - _QR_SIZE, top - _QR_SIZE - 0.1 * cm)
            self._draw_qr()
            self.restoreState()

    return FooterCanvas


def render(ctx: ReportContext, story: list, *, title: str, meta: dict | None = None) -> RenderedReport:
    """Lay the story out on ctx.paper and return the PDF bytes with its id, code and content hash.

    The story list is consumed by ReportLab; pass a fresh one for every call.
    """
    from io import BytesIO

    from atensi_desktop.errors import UserError

    if ctx.paper not in PAPERS:
        raise UserError(_("Ukuran kertas {paper} tidak dikenal.").format(paper=repr(ctx.paper)),
                        hint=_("Pilih A4 atau F4."))
    redaction.check_level(ctx.redaction)
    check_orientation(ctx.orientation)
    register_fonts()
    meta = dict(meta or {})
    digest = hashlib.sha256(content_document(ctx, story, title, meta)).hexdigest()
    report_id = report_id_for(digest, ctx.today)
    code = short_code(digest)
    buf = BytesIO()
    page_w, page_h = ctx.page_size
    doc = BaseDocTemplate(
        buf, pagesize=(page_w, page_h), leftMargin=MARGINS["left"], rightMargin=MARGINS["right"],
        topMargin=MARGINS["top"], bottomMargin=MARGINS["bottom"], title=title, author=ctx.office.name,
        subject=_("Laporan ATENSI: {kind}").format(kind=ctx.kind), creator="ATENSI Desktop",
        producer="ATENSI Desktop (ReportLab)", keywords=keywords_for(report_id, digest, code), invariant=1,
    )
    frame = Frame(MARGINS["left"], MARGINS["bottom"], page_w - MARGINS["left"] - MARGINS["right"],
                  page_h - MARGINS["top"] - MARGINS["bottom"], id="body", leftPadding=0, rightPadding=0,
                  topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="naskah", frames=[frame], pagesize=(page_w, page_h))])
    doc.build(list(story), canvasmaker=_footer_maker(ctx, code, qr_payload(report_id, digest)))
    pdf = buf.getvalue()
    return RenderedReport(pdf=pdf, report_id=report_id, code=code, sha256=digest, pages=doc.page,
                          kind=ctx.kind, title=title, meta=meta)


__all__ = [
    "MARGINS",
    "ORIENTATIONS",
    "PAPERS",
    "DoubleRule",
    "FitTable",
    "OfficeHeader",
    "RenderedReport",
    "ReportContext",
    "Signer",
    "content_document",
    "data_table",
    "field_table",
    "head_signer",
    "kop",
    "make_context",
    "office_header",
    "para",
    "place_date",
    "render",
    "section_heading",
    "signature_blocks",
    "styles",
    "title_block",
]
