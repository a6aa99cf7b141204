"""Letters: Surat Rujukan (from a referral) and Berita Acara Terminasi (from a terminated case).

Both carry the letterhead, a letter number (numbering.py: template + per-year sequence; a reprint keeps the
number first given), the client's identity at the chosen redaction level and two signature blocks.

Subjects: `rujukan` takes a referral (ctx.referral_id) or a case (ctx.case_id: its latest outgoing
referral, by date sent); `terminasi` takes a case that has been terminated (closed).
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

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
    place_date,
    section_heading,
    signature_blocks,
    styles,
    title_block,
)
from atensi_desktop.reports.numbering import letter_number_for
from atensi_desktop.reports.registry import ReportKind, register
from atensi_desktop.reports.text import day_date, long_date, rupiah, short_date

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from reportlab.platypus import Flowable

    from atensi_desktop.db.engine import Database
    from atensi_desktop.reports.document import RenderedReport


# --- shared pieces --------------------------------------------------------------------------------------

def _client_rows(db: Database, ctx: ReportContext, client_id: uuid.UUID) -> list[tuple[str, str]]:
    """The client's identity as the redaction level allows."""
    from atensi_desktop.services.clients import get_client
    from atensi_desktop.services.wilayah import full_name

    client = get_client(db, client_id)
    v = client.values
    level = ctx.redaction
    rows: list[tuple[str, str]] = [(_("Nama"), red.name_for(v.get("name"), level, 1))]
    if level != "statistik":
        rows.append((_("NIK"), red.nik_for(v.get("nik"), level) or "-"))
        rows.append((_("ID klien"), client.display_id))
    sex = v.get("sex")
    rows.append((_("Jenis kelamin"), ref_list("sex").label(sex) if sex else "-"))
    birth = v.get("birth_date")
    if level == "statistik":
        if birth is not None:
            from atensi_desktop.domain.dates import age_on

            rows.append((_("Umur"), _("{n} tahun").format(n=age_on(birth, ctx.today))))
    else:
        place = (v.get("birth_place") or "").strip()
        when = long_date(birth) if birth else ""
        rows.append((_("Tempat, tanggal lahir"), ", ".join(x for x in (place, when) if x) or "-"))
        address = red.text_for(v.get("address"), level)
        wilayah = full_name(db, v["wilayah_code"]) if v.get("wilayah_code") else ""
        rows.append((_("Alamat"), ", ".join(x for x in (address, wilayah) if x) or "-"))
    if v.get("disability"):
        rows.append((_("Kondisi kesehatan"), red.sensitive_text(ctx, v.get("disability"))))
    return rows


def _worker_signer(db: Database, worker_id: uuid.UUID | None, role_line: str | None) -> Signer:
    """The worker's signature block (a dotted line for a name when the case has no worker)."""
    from atensi_desktop.services.workers import get_worker

    if worker_id is None:
        return Signer(role_line=role_line, title=_("Pekerja Sosial"), name=None)
    w = get_worker(db, worker_id)
    return Signer(role_line=role_line, title=w.position or w.worker_type_label, name=w.name, rank=w.rank, nip=w.nip)


def _letter_head(ctx: ReportContext, number: str, subject: str, recipient: str,
                 attachments: str = "-") -> list[Flowable]:
    """The head of a naskah dinas letter: place and date at the right; Nomor / Sifat / Lampiran / Perihal
    at the left with "Kepada Yth. … di Tempat" beside them."""
    sifat = _("Rahasia") if ctx.redaction != "statistik" else _("Biasa")
    fields = field_table([(_("Nomor"), number), (_("Sifat"), sifat), (_("Lampiran"), attachments),
                          (_("Perihal"), subject)], label_width=0.27)
    to = [para(_("Kepada"), "Field"), para(_("Yth. {recipient}").format(recipient=recipient), "Field"),
          para(_("di"), "Field"), Paragraph(escape(_("Tempat")), _indented())]
    table = FitTable([["", "", place_date(ctx)], [fields, "", to]], rel_widths=[0.55, 0.05, 0.40])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 8),
    ]))
    return [table, Spacer(0, 12)]


def _indented():
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle("FieldIndented", parent=styles()["Field"], leftIndent=18)


# --- Surat Rujukan --------------------------------------------------------------------------------------

def _referral_for(db: Database, ctx: ReportContext):
    from atensi_desktop.services.referrals import OUT, get_referral, list_referrals

    if ctx.referral_id is not None:
        referral = get_referral(db, ctx.referral_id)
    else:
        found = [r for r in list_referrals(db, case_id=ctx.case_id) if r.direction == OUT]
        if not found:
            raise UserError(_("Kasus ini belum punya rujukan keluar."),
                            hint=_("Catat rujukannya dulu di kartu kasus, lalu buat suratnya."))
        referral = get_referral(db, found[0].id)
    if referral.archived:
        raise UserError(_("Rujukan ini sudah diarsipkan."), hint=_("Pulihkan rujukannya bila surat masih perlu."))
    if referral.direction != OUT:
        raise UserError(_("Rujukan ini rujukan masuk; surat rujukan hanya dibuat untuk rujukan keluar."),
                        hint=_("Pilih rujukan keluar."))
    return referral


def build_rujukan(db: Database, ctx: ReportContext) -> tuple[list, str, dict]:
    referral = _referral_for(db, ctx)
    number = letter_number_for(db, "rujukan", referral.id, ctx.today,
                               explicit=ctx.letter_number, recorded=referral.letter_number,
                               office_code=ctx.office.code)
    title = _("Surat Rujukan")
    story: list = [*kop(ctx)]
    story += _letter_head(ctx, number.number, _("Rujukan Klien"), referral.counterpart_name)
    story.append(para(_("Dengan hormat,")))
    case = None
    if referral.case_id is not None:
        from atensi_desktop.services.cases import get_case

        case = get_case(db, referral.case_id)
    story.append(para(_("Bersama ini kami merujuk klien yang identitasnya tersebut di bawah ini ke {target} "
                        "({kind}) untuk mendapatkan layanan lebih lanjut:").format(
        target=referral.counterpart_name, kind=referral.counterpart_kind_label)))
    identity = _client_rows(db, ctx, referral.client_id)
    if case is not None and ctx.redaction != "statistik":
        identity.append((_("ID kasus"), case.display_id))
    story.append(field_table(identity))
    story.append(section_heading(_("Alasan rujukan")))
    story.append(para(referral.reason))
    story.append(section_heading(_("Layanan yang dimohonkan")))
    story.append(para(referral.services_requested or _("Sesuai hasil asesmen lembaga penerima.")))
    closing = para(_("Demikian surat rujukan ini kami sampaikan. Mohon kiranya Bapak/Ibu dapat memberikan layanan "
                     "yang dibutuhkan dan menyampaikan tanggapan kepada kami. Atas perhatian dan kerja samanya kami "
                     "ucapkan terima kasih."))
    worker_id = referral.worker_id or (case.worker_id if case is not None else None)
    story.append(KeepTogether([Spacer(0, 4), closing, signature_blocks(
        ctx, _worker_signer(db, worker_id, _("Pendamping,")), head_signer(ctx), dated=False)]))
    meta = {
        "subject_ids": [str(referral.id), str(referral.client_id)] + ([str(referral.case_id)] if referral.case_id
                                                                       else []),
        "referral": {"id": str(referral.id), "status": referral.status, "sent_on": referral.sent_on.isoformat()},
        "letter": number.as_meta(),
    }
    return story, title, meta


def _rujukan_issued(db: Database, ctx: ReportContext, rendered: RenderedReport) -> None:
    """Write the letter's number back to the referral when it has none yet."""
    from atensi_desktop.services.referrals import get_referral, update_referral

    referral_id = uuid.UUID(rendered.meta["referral"]["id"])
    number = rendered.meta["letter"]["number"]
    if get_referral(db, referral_id).letter_number:
        return
    try:  # a convenience: the letter is issued and recorded even if the referral refuses the change
        update_referral(db, referral_id, {"letter_number": number})
    except UserError:
        log.warning("letter number not written back to referral %s", referral_id, exc_info=True)


# --- Berita Acara Terminasi ------------------------------------------------------------------------------

def _service_summary(db: Database, case_id: uuid.UUID) -> tuple[list[list[str]], int, int]:
    """Services given in the case, one row per service: count, first and last date, value."""
    from atensi_desktop.services.service_log import list_entries

    groups: OrderedDict[str, list] = OrderedDict()
    entries = sorted(list_entries(db, case_id=case_id, limit=None), key=lambda e: (e.date_from, e.service_label))
    for e in entries:
        groups.setdefault(e.service_label, []).append(e)
    rows: list[list[str]] = []
    total_value = 0
    for i, (label, items) in enumerate(groups.items(), 1):
        value = sum(e.value_rp or 0 for e in items)
        total_value += value
        last = max((e.date_until or e.date_from) for e in items)
        rows.append([str(i), label, str(len(items)), short_date(items[0].date_from), short_date(last),
                     rupiah(value) if value else "-"])
    return rows, len(entries), total_value


def build_terminasi(db: Database, ctx: ReportContext) -> tuple[list, str, dict]:
    from atensi_desktop.services.cases import get_case

    if ctx.case_id is None:
        raise UserError(_("Berita acara terminasi memerlukan kasus."), hint=_("Sebutkan id kasus."))
    case = get_case(db, ctx.case_id)
    if case.archived:
        raise UserError(_("Kasus ini sudah diarsipkan."), hint=_("Pulihkan kasusnya bila berita acara masih perlu."))
    if case.closed_on is None:
        raise UserError(_("Kasus {case} belum diterminasi.").format(case=case.display_id),
                        hint=_("Lakukan terminasi di kartu kasus dulu, lalu buat berita acaranya."))
    number = letter_number_for(db, "terminasi", case.id, ctx.today, explicit=ctx.letter_number,
                               office_code=ctx.office.code)
    title = _("Berita Acara Terminasi")
    story: list = [*kop(ctx)]
    story += title_block(title, number=number.number)
    story.append(para(_("Pada hari ini {day}, bertempat di {office}, telah dilaksanakan terminasi (pengakhiran "
                        "layanan) Asistensi Rehabilitasi Sosial (ATENSI) terhadap klien:").format(
        day=day_date(case.closed_on), office=ctx.office.name)))
    story.append(field_table(_client_rows(db, ctx, case.client_id)))
    story.append(section_heading(_("Data kasus")))
    reason = case.termination_reason_label or _("(tidak dicatat)")
    case_rows = [(_("ID kasus"), case.display_id)] if ctx.redaction != "statistik" else []
    case_rows += [(_("Klaster"), case.cluster_label or "-"),
                 (_("Pendekatan"), case.approach_label or "-"), (_("Tanggal kasus dibuka"), long_date(case.opened_on)),
                 (_("Alasan terminasi"), reason)]  # the date of termination opens the record
    if case.termination_note:
        case_rows.append((_("Keterangan"), red.sensitive_text(ctx, case.termination_note)
                          if ctx.redaction != "lengkap" else case.termination_note))
    case_rows.append((_("Pendamping"), case.worker_name or "-"))  # the worker signs below: never hidden
    story.append(field_table(case_rows))
    story.append(section_heading(_("Ringkasan layanan")))
    rows, count, value = _service_summary(db, case.id)
    if rows:
        story.append(para(_("Selama pendampingan klien menerima {n} layanan tercatat dengan nilai seluruhnya "
                            "{value}:").format(n=count, value=rupiah(value))))
        story.append(data_table([_("No"), _("Layanan"), _("Kali"), _("Mulai"), _("Terakhir"), _("Nilai")], rows,
                                col_widths=[0.06, 0.4, 0.08, 0.14, 0.14, 0.18], align="CLRCCR"))
    else:
        story.append(para(_("Tidak ada layanan yang tercatat pada kasus ini.")))
    closing = para(_("Dengan berita acara ini layanan ATENSI bagi klien tersebut dinyatakan berakhir. Demikian "
                     "berita acara ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya."))
    story.append(KeepTogether([Spacer(0, 8), closing, signature_blocks(
        ctx, head_signer(ctx, _("Mengetahui,")), _worker_signer(db, case.worker_id, _("Yang membuat,")))]))
    meta = {
        "subject_ids": [str(case.id), str(case.client_id)],
        "case": {"id": str(case.id), "closed_on": case.closed_on.isoformat(), "reason": case.termination_reason,
                 "services": count, "value": value},
        "letter": number.as_meta(),
    }
    return story, title, meta


register(ReportKind("rujukan", N_("Surat Rujukan"), "referral", build_rujukan,
                    N_("Surat rujukan klien ke lembaga lain, dari satu rujukan keluar (atau rujukan keluar "
                      "terakhir sebuah kasus)."), on_issued=_rujukan_issued))
register(ReportKind("terminasi", N_("Berita Acara Terminasi"), "case", build_terminasi,
                    N_("Berita acara pengakhiran layanan sebuah kasus yang sudah diterminasi.")))
