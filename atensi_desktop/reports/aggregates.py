"""Aggregate reports (issue 6): Rekapitulasi SPM, Laporan Bulanan, Daftar Penerima Bantuan, Daftar Klien.

The figures come from services/spm_stats.py (and services/clients.py for the client list); this module only
lays them out as naskah dinas documents with the helpers of reports/document.py.

- `spm` (needs a year or a period): "Persentase Rehabilitasi Sosial terhadap PPKS" for the four SPM groups,
  for the kabupaten/kota of this installation's office (clients elsewhere are left out and counted in a note):
  A. a summary per group, B. the indicator per kecamatan (all groups, each person once), C. per kecamatan and
  desa, each group's PPKS / served / percentage, kecamatan rows as subtotals, the area total last.
- `bulanan` (needs one calendar month): the monthly report of seed 003 — PPKS and PSKS identified, services
  delivered by kind and service, referrals by status, room for notes, signatures.
- `penerima` (needs a distribution): No, nama, NIK (per redaction level), alamat, jumlah, nilai and a
  signature column wide enough to sign (numbers staggered left and right, as on paper receipt lists), total.
- `klien` (needs "list": the filters of the Klien screen in `ctx.filters`, or a period, or nothing): the client
  list as the Klien screen filters it (services.clients.ClientQuery; the same rows as `client export`), or the
  clients registered in the period; at most MAX_CLIENT_ROWS.

The SPM recap is set landscape by default (its desa matrix has 14 columns: on a turned page they are set in
8 pt instead of 7 pt and the desa names do not wrap); the other kinds are portrait. `ctx.orientation` decides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, TableStyle

from atensi_desktop.errors import UserError
from atensi_desktop.i18n import N_, _
from atensi_desktop.refdata import ref_list
from atensi_desktop.reports import redaction as red
from atensi_desktop.reports.document import (
    FitTable,
    ReportContext,
    Signer,
    data_table,
    field_table,
    head_signer,
    kop,
    para,
    section_heading,
    signature_blocks,
    styles,
    title_block,
)
from atensi_desktop.reports.registry import ReportKind, register
from atensi_desktop.reports.text import decimal_id, long_date, month_year, percent, rupiah, thousands
from atensi_desktop.services import spm_stats

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from atensi_desktop.db.engine import Database

MAX_CLIENT_ROWS = 5_000
_GREY = colors.HexColor("#E6E6E6")
_LIGHT = colors.HexColor("#F2F2F2")


# --- shared pieces ----------------------------------------------------------------------------------------


def _cell_styles(size: float = 8) -> dict[str, ParagraphStyle]:
    """Smaller table type for the wide tables (the SPM matrix has 14 columns on portrait paper)."""
    st = styles()
    lead = size + 1.5
    return {
        "head": ParagraphStyle(f"AggHead{size}", parent=st["TableHead"], fontSize=size, leading=lead),
        "left": ParagraphStyle(f"AggLeft{size}", parent=st["TableCell"], fontSize=size, leading=lead),
        "right": ParagraphStyle(f"AggRight{size}", parent=st["TableCellRight"], fontSize=size, leading=lead),
        "center": ParagraphStyle(f"AggCenter{size}", parent=st["TableCellCenter"], fontSize=size, leading=lead),
    }


_ALIGNS = {"L": "left", "R": "right", "C": "center"}


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float], align: str, *,
           total_row: bool = False, size: float = 8) -> FitTable:
    """A ruled table in small type (the core's data_table is set at 9 pt): header repeated on every page, the
    last row bold and ruled above with `total_row`. Cells may be text or flowables."""
    cs = _cell_styles(size)
    data: list[list[Any]] = [[_p(h, cs["head"]) for h in headers]]
    for r, row in enumerate(rows):
        bold = total_row and r == len(rows) - 1
        data.append([cell if not isinstance(cell, str | int | None) else
                     _p(cell, cs[_ALIGNS[align[i]]], bold=bold) for i, cell in enumerate(row)])
    extra = [("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black)] if total_row and rows else []
    return _ruled(data, widths, extra, header_rows=1)


def _title(ctx: ReportContext, title: str, lines: Sequence[str]) -> list[Flowable]:
    """kop + the title (and the letter number) + one centred line per entry of `lines`."""
    out = [*kop(ctx), *title_block(title, ctx.letter_number)]
    out.pop()  # the spacer after the title: the lines below come first
    out += [para(line, "Subtitle") for line in lines if line]
    out.append(Spacer(0, 12))
    return out


def _p(text: Any, style: ParagraphStyle, *, bold: bool = False, indent: bool = False) -> Paragraph:
    body = escape("" if text is None else str(text)).replace("\n", "<br/>")
    if bold:
        body = f"<b>{body}</b>"
    if indent:
        body = "&nbsp;&nbsp;&nbsp;" + body
    return Paragraph(body, style)


def period_of(ctx: ReportContext) -> tuple[dt.date, dt.date]:
    """The report's period: ctx.period, else the whole of ctx.year."""
    if ctx.period is not None:
        start, end = ctx.period
    elif ctx.year is not None:
        start, end = spm_stats.year_period(ctx.year)
    else:
        raise UserError(_("Laporan ini memerlukan tahun atau periode."),
                        hint=_("Contoh: --year 2026 atau --period 2026-01-01..2026-06-30."))
    spm_stats.check_period(start, end)
    return start, end


def period_text(start: dt.date, end: dt.date) -> str:
    """'Tahun 2025', 'Bulan Maret 2026' or '1 Januari 2025 s.d. 30 Juni 2025'."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return _("Tahun {year}").format(year=start.year)
    if start.day == 1 and (start.year, start.month) == (end.year, end.month) \
            and end == spm_stats.month_bounds(end.year, end.month)[1]:
        return _("Bulan {month}").format(month=month_year(start.year, start.month))
    return _("{start} s.d. {end}").format(start=long_date(start), end=long_date(end))


def office_area(db: Database) -> str | None:
    """The kabupaten/kota of this installation's office (the SPM is the kabupaten/kota's), or None."""
    from atensi_desktop.services.office import installation_office

    office = installation_office(db)
    code = (office.wilayah_code or "").strip() if office is not None else ""
    parts = code.split(".") if code else []
    return ".".join(parts[:2]) if len(parts) >= 2 else None


def _count(n: int) -> str:
    return thousands(n)


def _pct(value: Decimal | None) -> str:
    return percent(value)


def _small_note(text: str) -> Paragraph:
    return para(text, "Small")


# --- spm: Rekapitulasi SPM --------------------------------------------------------------------------------


def _group_header(groups: Sequence[tuple[str, str]], first: Sequence[str], cs: Mapping[str, ParagraphStyle]
                  ) -> tuple[list[list[Any]], list[tuple]]:
    """Two header rows: the first columns spanning both rows, each group over its three columns."""
    top: list[Any] = [_p(h, cs["head"]) for h in first]
    sub: list[Any] = [""] * len(first)
    spans: list[tuple] = [("SPAN", (i, 0), (i, 1)) for i in range(len(first))]
    for gi, (_code, label) in enumerate(groups):
        col = len(first) + 3 * gi
        top += [_p(_(label), cs["head"]), "", ""]
        sub += [_p(_("PPKS"), cs["head"]), _p(_("Rehsos"), cs["head"]), _p("%", cs["head"])]
        spans.append(("SPAN", (col, 0), (col + 2, 0)))
    return [top, sub], spans


def _group_cells(figures: Mapping[str, spm_stats.SpmFigure], groups: Sequence[str],
                 cs: Mapping[str, ParagraphStyle], *, bold: bool = False) -> list[Paragraph]:
    """PPKS, served and the percentage (without its sign: the column head says %) of each group."""
    out = []
    for g in groups:
        f = figures[g]
        share = "-" if f.percent is None else decimal_id(f.percent)
        out += [_p(_count(f.registered), cs["right"], bold=bold), _p(_count(f.served), cs["right"], bold=bold),
                _p(share, cs["right"], bold=bold)]
    return out


def _ruled(data: list[list[Any]], widths: Sequence[float], extra: Sequence[tuple], *, header_rows: int,
           padding: float = 2) -> FitTable:
    table = FitTable(data, rel_widths=list(widths), repeatRows=header_rows)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), _GREY),
        ("VALIGN", (0, 0), (-1, header_rows - 1), "MIDDLE"),
        ("VALIGN", (0, header_rows), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        *extra,
    ]))
    return table


def spm_summary_table(recap: spm_stats.SpmRecap) -> FitTable:
    """A. per group: PPKS, served, percentage; the last row counts persons (a person in two groups once)."""
    rows = []
    for i, (code, label) in enumerate(recap.groups, start=1):
        f = recap.total[code]
        rows.append([str(i), _(label), _count(f.registered), _count(f.served), _pct(f.percent)])
    f = recap.total[spm_stats.ALL]
    rows.append(["", _("Jumlah PPKS (orang)"), _count(f.registered), _count(f.served), _pct(f.percent)])
    return data_table([_("No"), _("Kelompok PPKS"), _("Jumlah PPKS"), _("Mendapat rehabilitasi sosial dasar"),
                       _("Persentase")], rows, col_widths=[0.06, 0.38, 0.16, 0.24, 0.16], align="CLRRR",
                      total_row=True)


def spm_kecamatan_table(recap: spm_stats.SpmRecap) -> FitTable:
    """B. per kecamatan, all groups together (each person once)."""
    rows = []
    for i, kec in enumerate(recap.kecamatan, start=1):
        f = kec.figures[spm_stats.ALL]
        rows.append([str(i), kec.name, _count(f.registered), _count(f.served), _pct(f.percent)])
    f = recap.total[spm_stats.ALL]
    rows.append(["", _("Jumlah"), _count(f.registered), _count(f.served), _pct(f.percent)])
    return data_table([_("No"), _("Kecamatan"), _("Jumlah PPKS"), _("Mendapat rehabilitasi sosial dasar"),
                       _("Persentase")], rows, col_widths=[0.06, 0.38, 0.16, 0.24, 0.16], align="CLRRR",
                      total_row=True)


WIDE_FRAME = 600  # points: a frame at least this wide (landscape) sets the SPM matrix in 8 pt, else 7 pt


def spm_detail_table(recap: spm_stats.SpmRecap, frame_width: float = 0) -> FitTable:
    """C. per kecamatan (bold, shaded: the subtotal) and its desa, each group's PPKS / served / %."""
    cs = _cell_styles(8 if frame_width >= WIDE_FRAME else 7)
    codes = [code for code, _label in recap.groups]
    header, spans = _group_header(recap.groups, [_("No"), _("Kecamatan / Desa")], cs)
    data: list[list[Any]] = list(header)
    extra: list[tuple] = list(spans)
    for k, kec in enumerate(recap.kecamatan, start=1):
        row = len(data)
        data.append([_p(str(k), cs["center"], bold=True), _p(kec.name, cs["left"], bold=True),
                     *_group_cells(kec.figures, codes, cs, bold=True)])
        extra.append(("BACKGROUND", (0, row), (-1, row), _LIGHT))
        for d, desa in enumerate(kec.desa, start=1):
            data.append([_p(f"{k}.{d}", cs["center"]), _p(desa.name, cs["left"], indent=True),
                         *_group_cells(desa.figures, codes, cs)])
    row = len(data)
    data.append([_p(_("Jumlah"), cs["left"], bold=True), "", *_group_cells(recap.total, codes, cs, bold=True)])
    extra += [("SPAN", (0, row), (1, row)), ("LINEABOVE", (0, row), (-1, row), 1.2, colors.black),
              ("BACKGROUND", (0, row), (-1, row), _GREY)]
    # relative weights (points on portrait A4, 439 pt wide): numbers up to "688.331" in bold, percentages up to
    # "100,00"; a landscape frame gives the same shares, so the names column gains the most room
    widths = [18, 77] + [30, 30, 26] * len(codes)
    return _ruled(data, widths, extra, header_rows=2, padding=1.5)


def spm_story(ctx: ReportContext, recap: spm_stats.SpmRecap) -> list[Flowable]:
    where = recap.area_name or (_("semua wilayah"))
    story = _title(ctx, _("Rekapitulasi Standar Pelayanan Minimal Bidang Sosial"),
                   [_("Persentase Rehabilitasi Sosial terhadap PPKS"), where, period_text(recap.start, recap.end)])
    story.append(_small_note(_(
        "Persentase = jumlah PPKS yang mendapat rehabilitasi sosial dasar ÷ jumlah PPKS × 100%, untuk empat "
        "kelompok PPKS yang dilayani di luar panti (PP 2/2018 Pasal 10). PPKS: klien terdaftar yang aktif "
        "menurut kategori PPKS-nya. Mendapat rehabilitasi sosial dasar: paling sedikit satu layanan SPM yang "
        "berlaku (tidak dibatalkan atau dikoreksi) dengan tanggal mulai dalam periode. Seorang klien yang "
        "termasuk dua kelompok dihitung pada keduanya, dan sekali pada jumlah orang. \"-\": tidak ada PPKS.")))
    story.append(Spacer(0, 6))
    story.append(section_heading(_("A. Ringkasan per kelompok PPKS")))
    story.append(spm_summary_table(recap))
    story.append(section_heading(_("B. Per kecamatan (semua kelompok)")))
    story.append(spm_kecamatan_table(recap))
    story.append(section_heading(_("C. Rincian per kecamatan dan desa/kelurahan")))
    story.append(_small_note(_("PPKS: jumlah PPKS; Rehsos: yang mendapat rehabilitasi sosial dasar; "
                               "%: persentase.")))
    story.append(Spacer(0, 3))
    story.append(spm_detail_table(recap, ctx.frame_width))
    outside = recap.outside[spm_stats.ALL]
    if recap.area is not None and outside.registered:
        story.append(Spacer(0, 4))
        story.append(_small_note(_(
            "Tidak termasuk dalam rekap ini: {n} PPKS yang tinggal di luar {area} atau belum tercatat wilayahnya "
            "({served} di antaranya mendapat layanan SPM dalam periode).").format(
                n=_count(outside.registered), area=where, served=_count(outside.served))))
    story.append(signature_blocks(ctx, None, head_signer(ctx)))
    return story


def _figures_meta(figures: Mapping[str, spm_stats.SpmFigure]) -> dict[str, list[int]]:
    return {g: [f.registered, f.served] for g, f in figures.items()}


def build_spm(db: Database, ctx: ReportContext) -> tuple[list, str, dict]:
    start, end = period_of(ctx)
    recap = spm_stats.spm_recap(db, start, end, area=office_area(db))
    title = _("Rekapitulasi SPM Bidang Sosial — {period}").format(period=period_text(start, end))
    meta = {"period": [start.isoformat(), end.isoformat()], "area": recap.area,
            "total": _figures_meta(recap.total), "outside": _figures_meta(recap.outside),
            "kecamatan": {k.code or "-": _figures_meta(k.figures) for k in recap.kecamatan}}
    return spm_story(ctx, recap), title, meta


# --- bulanan: Laporan Bulanan ---------------------------------------------------------------------------


def month_of(ctx: ReportContext) -> tuple[int, int]:
    """The calendar month the report is for: ctx.period must be one whole month (the UI's 'Sebulan')."""
    if ctx.period is not None:
        start, end = ctx.period
        spm_stats.check_period(start, end)
        if start.day == 1 and (start.year, start.month) == (end.year, end.month) \
                and end == spm_stats.month_bounds(end.year, end.month)[1]:
            return start.year, start.month
    raise UserError(_("Laporan bulanan dibuat untuk satu bulan penuh."),
                    hint=_("Pilih satu bulan, mis. --period 2026-03-01..2026-03-31."))


def bulanan_story(ctx: ReportContext, m: spm_stats.MonthlyFigures) -> list[Flowable]:
    story = _title(ctx, _("Laporan Bulanan"), [_("Bulan {month}").format(month=month_year(m.year, m.month)),
                                               m.area_name or ctx.office.name])
    story.append(_small_note(_(
        "Laporan pelaksanaan tugas: identifikasi dan pendataan PPKS dan PSKS, layanan yang diberikan, dan "
        "rujukan, untuk {from_} sampai {until}. Baru: tercatat dalam bulan ini; jumlah: yang terdaftar pada "
        "akhir bulan.").format(from_=long_date(m.start), until=long_date(m.end))))
    story.append(Spacer(0, 4))

    story.append(section_heading(_("I. PPKS yang teridentifikasi")))
    rows = [[str(i), p.label, _count(p.new), _count(p.total)] for i, p in enumerate(m.ppks, start=1)]
    rows.append(["", _("Jumlah PPKS (orang)"), _count(m.ppks_new), _count(m.ppks_total)])
    story.append(_table([_("No"), _("Jenis PPKS"), _("Baru bulan ini"), _("Jumlah terdaftar")], rows,
                        [0.07, 0.57, 0.18, 0.18], "CLRR", total_row=True))
    story.append(Spacer(0, 2))
    story.append(_small_note(_("Seorang klien dengan dua kategori PPKS tercatat pada keduanya, dan sekali pada "
                               "jumlah orang.")))

    story.append(section_heading(_("II. PSKS yang teridentifikasi")))
    rows = [[str(i), p.label, _count(p.new), _count(p.total)] for i, p in enumerate(m.psks, start=1)]
    rows.append(["", _("Jumlah"), _count(sum(p.new for p in m.psks)), _count(sum(p.total for p in m.psks))])
    story.append(_table([_("No"), _("Jenis PSKS"), _("Baru bulan ini"), _("Jumlah terdaftar")], rows,
                        [0.07, 0.57, 0.18, 0.18], "CLRR", total_row=True))
    story.append(Spacer(0, 2))
    story.append(_small_note(_("PSKS yang tercatat di aplikasi: petugas (pekerja sosial, PSM, penyuluh sosial, "
                               "TKSK, TKS) dan lembaga kesejahteraan sosial (LKS) yang aktif.")))

    story.append(section_heading(_("III. Layanan yang diberikan")))
    story.append(_services_table(m))

    story.append(section_heading(_("IV. Rujukan")))
    story.append(_referrals_table(m))

    # the notes and the signatures stay together: never a page with the signatures alone
    lines = FitTable([[""], [""]], rel_widths=[1], rowHeights=[0.7 * cm, 0.7 * cm])
    lines.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#808080"))]))
    story.append(KeepTogether([section_heading(_("V. Permasalahan dan tindak lanjut")), lines,
                               signature_blocks(ctx, head_signer(ctx, _("Mengetahui,")),
                                                Signer(role_line=_("Yang melaporkan,"), title=None, name=None))]))
    return story


def _services_table(m: spm_stats.MonthlyFigures) -> FitTable:
    cs = _cell_styles(8)
    data: list[list[Any]] = [[_p(h, cs["head"]) for h in
                              (_("No"), _("Layanan"), _("Jumlah layanan"), _("Penerima (orang)"), _("Nilai"))]]
    extra: list[tuple] = []

    def numbers(entries: int, clients: int, value: int, bold: bool = False) -> list[Paragraph]:
        return [_p(_count(entries), cs["right"], bold=bold), _p(_count(clients), cs["right"], bold=bold),
                _p(rupiah(value), cs["right"], bold=bold)]

    for letter, total in zip("ABCDEFGH", m.service_kinds, strict=False):
        row = len(data)
        data.append([_p(letter, cs["center"], bold=True), _p(total.label, cs["left"], bold=True),
                     *numbers(total.entries, total.clients, total.value_rp, bold=True)])
        extra.append(("BACKGROUND", (0, row), (-1, row), _LIGHT))
        for i, s in enumerate((s for s in m.services if s.kind == total.kind), start=1):
            data.append([_p(str(i), cs["center"]), _p(s.label, cs["left"], indent=True),
                         *numbers(s.entries, s.clients, s.value_rp)])
    t = m.services_total
    row = len(data)
    data.append([_p(_("Jumlah"), cs["left"], bold=True), "", *numbers(t.entries, t.clients, t.value_rp, bold=True)])
    extra += [("SPAN", (0, row), (1, row)), ("LINEABOVE", (0, row), (-1, row), 1.2, colors.black)]
    return _ruled(data, [0.07, 0.47, 0.14, 0.14, 0.18], extra, header_rows=1)


def _referrals_table(m: spm_stats.MonthlyFigures) -> FitTable:
    directions: list[tuple[str, str]] = []
    for r in m.referrals:
        if (r.direction, r.direction_label) not in directions:
            directions.append((r.direction, r.direction_label))
    counts = {(r.direction, r.status): r.count for r in m.referrals}
    rows = []
    for status, label in m.referral_statuses:
        per = [counts.get((d, status), 0) for d, _label in directions]
        rows.append([label, *(_count(n) for n in per), _count(sum(per))])
    sums = [sum(counts.get((d, st), 0) for st, _label in m.referral_statuses) for d, _label in directions]
    rows.append([_("Jumlah"), *(_count(n) for n in sums), _count(sum(sums))])
    headers = [_("Status"), *(label for _d, label in directions), _("Jumlah")]
    return _table(headers, rows, [0.34] + [0.22] * (len(directions) + 1), "L" + "R" * (len(directions) + 1),
                  total_row=True)


def build_bulanan(db: Database, ctx: ReportContext) -> tuple[list, str, dict]:
    year, month = month_of(ctx)
    m = spm_stats.monthly_figures(db, year, month)
    title = _("Laporan Bulanan — {month}").format(month=month_year(year, month))
    meta = {"month": f"{year:04d}-{month:02d}", "ppks": [m.ppks_new, m.ppks_total],
            "services": [m.services_total.entries, m.services_total.clients, m.services_total.value_rp],
            "referrals": sum(r.count for r in m.referrals)}
    return bulanan_story(ctx, m), title, meta


# --- penerima: Daftar Penerima Bantuan ------------------------------------------------------------------


def _quantity_text(quantity: Decimal | None, unit: str | None) -> str:
    if quantity is None:
        return "-"
    q = quantity.normalize()
    number = f"{q:f}".replace(".", ",") if q != q.to_integral() else thousands(q)
    return f"{number} {unit}".strip() if unit else number


def _signature_cell(n: int) -> list[Flowable]:
    """Room to sign (a row at least 1.1 cm high) and '1. ........' at the left on odd rows, '2. ........'
    at the right on even rows, as on paper receipt lists, so neighbouring signatures do not collide."""
    style = ParagraphStyle(f"Sign{n % 2}", parent=styles()["TableCell"], fontSize=8, leading=10,
                           leftIndent=0 if n % 2 else 1.3 * cm)
    return [Spacer(0, 0.75 * cm), Paragraph(f"{n}. " + "." * 12, style)]


def penerima_story(ctx: ReportContext, d: Any, recipients: Sequence[spm_stats.Recipient],
                   worker: Any | None) -> list[Flowable]:
    from atensi_desktop.services import service_log as log

    level = ctx.redaction
    story = _title(ctx, _("Daftar Penerima Bantuan"), [d.title])
    when = long_date(d.date_from) if not d.date_until or d.date_until == d.date_from else _(
        "{start} s.d. {end}").format(start=long_date(d.date_from), end=long_date(d.date_until))
    funding = ref_list("funding_sources").label(d.funding_source) if d.funding_source else "-"
    each = " · ".join(x for x in (_quantity_text(d.quantity, d.unit) if d.quantity else "",
                                  rupiah(d.value_rp) if d.value_rp is not None else "") if x)
    fields = [(_("Nama kegiatan"), d.title),
              (_("Jenis bantuan"), log.service_label(d.service_kind, d.service_code, d.subitem_code)),
              (_("Tanggal"), when), (_("Tempat"), d.location or "-"), (_("Sumber dana"), funding),
              (_("Per penerima"), each or "-")]
    story.append(field_table(fields, label_width=0.25))
    story.append(Spacer(0, 8))
    show_id = level != "statistik"
    headers = [_("No"), _("Nama"), *([_("NIK"), _("Alamat")] if show_id else []), _("Jumlah"), _("Nilai"),
               _("Tanda tangan")]
    widths = [0.045, 0.17, *([0.19, 0.14] if show_id else []), 0.085, 0.14, 0.23]
    rows: list[list[Any]] = []
    for r in recipients:
        address = red.text_for(", ".join(x for x in (r.address or "", r.desa or "") if x), level)
        rows.append([str(r.number), red.name_for(r.name, level, r.number),
                     *([red.nik_for(r.nik, level) or "-", address or "-"] if show_id else []),
                     _quantity_text(r.quantity, r.unit), rupiah(r.value_rp), _signature_cell(r.number)])
    total_value = sum(r.value_rp or 0 for r in recipients)
    units = {r.unit for r in recipients if r.quantity is not None}
    total_qty = _quantity_text(sum((r.quantity for r in recipients if r.quantity is not None), Decimal(0)),
                               next(iter(units))) if len(units) == 1 else ""
    label = _("Jumlah ({n} penerima)").format(n=_count(len(recipients)))
    rows.append([_p(label, _cell_styles(8)["left"], bold=True), "", *(["", ""] if show_id else []), total_qty,
                 rupiah(total_value), ""])
    align = "CL" + ("LL" if show_id else "") + "RRL"
    table = _table(headers, rows, widths, align, total_row=True)
    table.setStyle(TableStyle([("SPAN", (0, -1), (3 if show_id else 1, -1)),
                               ("VALIGN", (0, 1), (-2, -1), "MIDDLE")]))
    story.append(table)
    if not recipients:
        story.append(_small_note(_("Belum ada penerima yang tercatat pada penyaluran ini.")))
    right = Signer(role_line=_("Petugas penyalur,"), title=worker.position or worker.worker_type_label,
                   name=worker.name, rank=worker.rank, nip=worker.nip) if worker is not None else Signer(
        role_line=_("Petugas penyalur,"), title=None, name=None)
    story.append(signature_blocks(ctx, head_signer(ctx, _("Mengetahui,")), right))
    return story


def build_penerima(db: Database, ctx: ReportContext) -> tuple[list, str, dict]:
    from atensi_desktop.errors import NotFoundError
    from atensi_desktop.services import distribution as dist
    from atensi_desktop.services import workers

    if ctx.distribution_id is None:
        raise UserError(_("Pilih penyaluran bantuan untuk daftar penerima."))
    d = dist.get_distribution(db, ctx.distribution_id)
    recipients = spm_stats.distribution_recipients(db, ctx.distribution_id)
    worker = None
    if d.worker_id is not None:
        try:
            worker = workers.get_worker(db, d.worker_id)
        except NotFoundError:
            worker = None
    title = _("Daftar Penerima Bantuan — {title}").format(title=d.title)
    meta = {"subject_ids": [str(d.id)], "recipients": len(recipients),
            "value_rp": sum(r.value_rp or 0 for r in recipients)}
    return penerima_story(ctx, d, recipients, worker), title, meta


# --- klien: Daftar Klien --------------------------------------------------------------------------------


def client_query_of(ctx: ReportContext) -> Any:
    """The Klien screen's filters: ctx.filters (a ClientQuery or a mapping of its fields) when the context
    carries them, else every live client."""
    from atensi_desktop.services.clients import ClientQuery

    given = ctx.filters
    if given is None:
        return ClientQuery()
    if isinstance(given, ClientQuery):
        return given
    known = {f.name for f in dataclasses.fields(ClientQuery)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise UserError(_("Saringan daftar klien tidak dikenal: {names}.").format(names=", ".join(unknown)))
    return ClientQuery(**dict(given))


def filter_rows(db: Database, query: Any) -> list[tuple[str, str]]:
    """The filters in force, as label : value rows (what the list shows; the report dialog says them too)."""
    from atensi_desktop.services import wilayah

    rows: list[tuple[str, str]] = []
    if query.text:
        rows.append((_("Pencarian"), query.text))
    if query.ppks_category:
        rows.append((_("Kategori PPKS"), ref_list("ppks").label(query.ppks_category)))
    if query.cluster:
        rows.append((_("Klaster"), ref_list("clusters").label(query.cluster)))
    if query.wilayah:
        rows.append((_("Wilayah"), wilayah.full_name(db, query.wilayah)))
    if query.stage:
        rows.append((_("Tahap kasus"), ref_list("case_stages").label(query.stage)))
    if query.age_group:
        from atensi_desktop.services.clients import AGE_GROUP_LABELS

        rows.append((_("Kelompok umur"), _(dict(AGE_GROUP_LABELS)[query.age_group])))
    if query.sex:
        rows.append((_("Jenis kelamin"), ref_list("sex").label(query.sex)))
    if query.include_archived:
        rows.append((_("Termasuk arsip"), _("ya")))
    return rows


def klien_story(ctx: ReportContext, rows: Sequence[Any], filters: Sequence[tuple[str, str]],
                period: tuple[dt.date, dt.date] | None) -> list[Flowable]:
    level = ctx.redaction
    lines = [_("Terdaftar {period}").format(period=period_text(*period)) if period else ""]
    story = _title(ctx, _("Daftar Klien"), lines)
    shown = list(filters) or ([] if period else [(_("Saringan"), _("tidak ada — semua klien yang tidak diarsipkan"))])
    story.append(field_table([*shown, (_("Jumlah klien"), _count(len(rows)))], label_width=0.25))
    story.append(Spacer(0, 8))
    full = level != "statistik"
    headers = [_("No"), *([_("ID klien")] if full else []), _("Nama"), *([_("NIK")] if full else []), _("L/P"),
               _("Umur"), _("Desa/\nKelurahan"), _("Kategori PPKS")]
    widths = [0.04, *([0.175] if full else []), 0.185, *([0.17] if full else []), 0.045, 0.06, 0.155, 0.17]
    table_rows = []
    for i, r in enumerate(rows, start=1):
        name = red.name_for(r.name, level, i)
        if r.archived and full:
            name += " " + _("(diarsipkan)")
        table_rows.append([str(i), *([r.display_id] if full else []), name,
                           *([red.nik_for(r.nik, level) or "-"] if full else []), r.sex or "-",
                           "-" if r.age is None else str(r.age), r.wilayah_name or "-", r.ppks_labels or "-"])
    story.append(_table(headers, table_rows, widths, "C" + ("L" if full else "") + "L" + ("L" if full else "")
                        + "CRLL"))
    if not rows:
        story.append(_small_note(_("Tidak ada klien yang cocok dengan saringan ini.")))
    story.append(signature_blocks(ctx, None, head_signer(ctx)))
    return story


def build_klien(db: Database, ctx: ReportContext) -> tuple[list, str, dict]:
    """The Klien screen's list (ctx.filters), or without filters the clients registered in the period."""
    from atensi_desktop.services.clients import count_clients, iter_export_rows

    query = client_query_of(ctx)
    has_filters = ctx.filters is not None
    period = period_of(ctx) if not has_filters and (ctx.period is not None or ctx.year is not None) else None
    too_many = _("Daftar ini berisi {n} klien; yang bisa dicetak paling banyak {max}.")
    if period is not None:
        total, rows = spm_stats.clients_registered(db, *period, limit=MAX_CLIENT_ROWS + 1, today=ctx.today)
        hint = _("Pilih periode yang lebih pendek, atau ekspor daftar klien ke XLSX.")
    else:
        total = count_clients(db, query, today=ctx.today)
        rows = [] if total > MAX_CLIENT_ROWS else list(iter_export_rows(db, query, today=ctx.today))
        hint = _("Persempit dengan saringan (wilayah, kategori, tahap) atau ekspor ke XLSX.")
    if total > MAX_CLIENT_ROWS:
        raise UserError(too_many.format(n=_count(total), max=_count(MAX_CLIENT_ROWS)), hint=hint)
    title = _("Daftar Klien")
    if period is not None:
        title += " — " + period_text(*period)
    filters = {k: v for k, v in dataclasses.asdict(query).items()
               if v not in (None, "", False) and k not in ("order_by", "descending")}
    meta = {"count": len(rows), "filters": filters,
            "period": [period[0].isoformat(), period[1].isoformat()] if period else None}
    return klien_story(ctx, rows, filter_rows(db, query), period), title, meta


# --- registration ---------------------------------------------------------------------------------------

register(ReportKind("spm", N_("Rekapitulasi SPM"), "period", build_spm,
                    N_("Persentase Rehabilitasi Sosial terhadap PPKS per kelompok, kecamatan dan desa."),
                    orientation="landscape"))
register(ReportKind("bulanan", N_("Laporan Bulanan"), "period", build_bulanan,
                    N_("PPKS dan PSKS yang teridentifikasi, layanan yang diberikan, dan rujukan dalam satu bulan.")))
register(ReportKind("penerima", N_("Daftar Penerima Bantuan"), "distribution", build_penerima,
                    N_("Daftar penerima satu penyaluran bantuan dengan kolom tanda tangan.")))
register(ReportKind("klien", N_("Daftar Klien"), "list", build_klien,
                    N_("Daftar klien menurut saringan layar Klien (atau yang terdaftar dalam periode).")))
