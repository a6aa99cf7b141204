"""A data-subject request (UU 27/2022 Pasal 32): everything held on one client, for the client, in one folder.

`export(db, paths, client_id, out_dir)` writes a folder `data-klien-<ID>-<yyyymmdd>/` holding
- `data-klien-<ID>.pdf`: a naskah dinas document (kop surat, verification code and QR like every report):
  identity, cases and their stages, services, asesmen summary, referrals, case notes, consents, documents
  and the audit trail (who changed, viewed, printed or exported the data, and when);
- `data-klien-<ID>.jsonl`: the same data machine-readable: the canonical dump of the client's own records
  (`sync/canonical.py`, the format `dump --canonical --client` writes);
- `riwayat-akses.json`: the audit trail as JSON;
- `berkas/`: the client's documents and photos (archived ones too) as stored.
The folder is built under a temporary name and renamed when complete, so a failure leaves nothing
half-written. The PDF is recorded as an issued report (`report verify` knows it) and the export as a
"subject_export" audit event.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atensi_desktop.db.engine import Database
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import N_, _, format_date_short
from atensi_desktop.paths import AppPaths

KIND = "akses_data"
TITLE = N_("Salinan Data Pribadi Klien")
AUDIT_PDF_KIND = "riwayat_akses"
AUDIT_PDF_TITLE = N_("Riwayat Akses dan Perubahan Data Klien")
_CLIENT_FIELDS = (  # (field, label, reference list)
    ("name", N_("Nama"), None), ("alias", N_("Alias"), None), ("nik", N_("NIK"), None),
    ("household_no_kk", N_("No. KK"), None), ("sex", N_("Jenis kelamin"), "sex"),
    ("birth_place", N_("Tempat lahir"), None), ("birth_date", N_("Tanggal lahir"), None),
    ("religion", N_("Agama"), "religions"), ("education", N_("Pendidikan"), "education"),
    ("marital_status", N_("Status perkawinan"), "marital_status"), ("disability", N_("Disabilitas"), None),
    ("phone", N_("Telepon"), None), ("address", N_("Alamat"), None), ("wilayah", N_("Wilayah"), None),
    ("relation_to_head", N_("Hubungan dengan kepala keluarga"), "family_relations"),
    ("ppks_categories", N_("Kategori PPKS"), "ppks"), ("cluster", N_("Klaster ATENSI"), "clusters"),
    ("dtsen_desil", N_("Desil DTSEN"), None),
)


@dataclass(frozen=True)
class SubjectExport:
    folder: Path
    pdf: Path
    jsonl: Path
    audit_json: Path
    documents: tuple[Path, ...] = field(default=())
    pages: int = 0
    code: str = ""


# --- what the document holds ---------------------------------------------------------------------------------


def _label(list_name: str | None, value: Any) -> str:
    from atensi_desktop.refdata import ref_list

    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(_label(list_name, v) for v in value)
    if isinstance(value, dt.date):
        return format_date_short(value)
    if list_name:
        try:
            return ref_list(list_name).label(value)
        except (KeyError, LookupError):
            return str(value)
    return str(value)


def _story(db: Database, ctx: Any, client_id: uuid.UUID, *, audit_rows: list) -> tuple[list, str, dict]:
    from atensi_desktop.reports import document as doc
    from atensi_desktop.services import assessments, casenotes, cases, clients, consent, documents, referrals
    from atensi_desktop.services import service_log as services

    detail = clients.client_detail(db, client_id)
    dto = detail.client
    values = dict(dto.values)
    values["household_no_kk"] = dto.household_no_kk
    values["wilayah"] = detail.wilayah_full_name or dto.wilayah_name
    title = _(TITLE)
    story: list = [*doc.kop(ctx), *doc.title_block(title, subtitle=_("UU 27/2022 tentang Pelindungan Data "
                                                                       "Pribadi, Pasal 32"))]
    story.append(doc.para(_(
        "Dokumen ini memuat semua data pribadi tentang klien di bawah ini yang disimpan oleh {office} per {date}, "
        "beserta riwayat pemrosesannya: siapa yang membuat, mengubah, melihat, mencetak atau mengekspor data itu "
        "dan kapan. Salinan yang dapat dibaca mesin (JSON) dan berkas pindaian klien menyertai dokumen ini."
    ).format(office=ctx.office.name, date=format_date_short(ctx.today))))

    story.append(doc.section_heading(_("A. Identitas")))
    rows = [(_("ID klien"), dto.display_id)]
    rows += [(_(label), _label(ref, values.get(key))) for key, label, ref in _CLIENT_FIELDS]
    if dto.archived:
        rows.append((_("Status"), _("diarsipkan")))
    story.append(doc.field_table(rows))

    story.append(doc.section_heading(_("B. Kasus")))
    case_list = cases.list_cases(db, client_id=client_id, limit=None)
    if case_list:
        story.append(doc.data_table(
            [_("Nomor"), _("Tahap"), _("Dibuka"), _("Ditutup"), _("Pendamping")],
            [[c.display_id, c.stage_label, format_date_short(c.opened_on),
              format_date_short(c.closed_on) if c.closed_on else "-", c.worker_name or "-"] for c in case_list],
            col_widths=[21, 22, 13, 13, 31]))
    else:
        story.append(doc.para(_("Tidak ada.")))

    story.append(doc.section_heading(_("C. Layanan")))
    entries = services.list_entries(db, client_id=client_id, limit=None)
    if entries:
        story.append(doc.data_table(
            [_("Tanggal"), _("Layanan"), _("Jumlah"), _("Nilai (Rp)")],
            [[format_date_short(e.date_from) + (f" – {format_date_short(e.date_until)}" if e.date_until else ""),
              e.service_label, f"{e.quantity:g} {e.unit or ''}".strip() if e.quantity is not None else "-",
              f"{e.value_rp:,}".replace(",", ".") if e.value_rp is not None else "-"] for e in entries],
            col_widths=[20, 50, 14, 14], align="LLRR"))
    else:
        story.append(doc.para(_("Tidak ada.")))

    story.append(doc.section_heading(_("D. Asesmen (ringkasan)")))
    asesmen = assessments.list_assessments(db, client_id)
    if asesmen:
        story.append(doc.data_table(
            [_("Jenis"), _("Status"), _("Mulai"), _("Selesai"), _("Bagian terisi"), _("Masalah")],
            [[a.kind_label, a.status, format_date_short(a.started_on),
              format_date_short(a.finished_on) if a.finished_on else "-", str(a.sections_saved), str(a.problems)]
             for a in asesmen], col_widths=[18, 12, 14, 14, 14, 12], align="LLLLRR"))
        story.append(doc.para(_("Jawaban lengkap setiap asesmen ada di salinan JSON (tabel assessment_section)."),
                              "Small"))
    else:
        story.append(doc.para(_("Tidak ada.")))

    story.append(doc.section_heading(_("E. Rujukan")))
    refs = referrals.list_referrals(db, client_id=client_id, include_archived=True)
    if refs:
        story.append(doc.data_table(
            [_("Tanggal"), _("Arah"), _("Lembaga"), _("Alasan"), _("Status")],
            [[format_date_short(r.sent_on), r.direction, r.counterpart_name, r.reason, r.status_label]
             for r in refs], col_widths=[13, 10, 25, 35, 12]))
    else:
        story.append(doc.para(_("Tidak ada.")))

    story.append(doc.section_heading(_("F. Catatan kasus")))
    notes = casenotes.list_notes(db, client_id=client_id, include_archived=True)
    if notes:
        story.append(doc.data_table(
            [_("Tanggal"), _("Jenis"), _("Catatan"), _("Penulis")],
            [[format_date_short(n.written_on), n.kind_label, n.text, n.worker_name or "-"] for n in notes],
            col_widths=[13, 15, 55, 17]))
    else:
        story.append(doc.para(_("Tidak ada.")))

    story.append(doc.section_heading(_("G. Persetujuan pemrosesan data")))
    consents = consent.list_consents(db, client_id)
    if consents:
        story.append(doc.data_table(
            [_("Tanggal"), _("Tujuan"), _("Pemberi persetujuan"), _("Bukti"), _("Dicabut")],
            [[format_date_short(c.consent_date), c.purpose, c.consenter_text, c.proof_file_name or "-",
              format_date_short(c.withdrawn_on) if c.withdrawn_on else "-"] for c in consents],
            col_widths=[13, 32, 27, 16, 12]))
    else:
        story.append(doc.para(_("Belum ada persetujuan yang tercatat.")))

    story.append(doc.section_heading(_("H. Berkas yang disimpan")))
    docs = documents.list_documents(db, client_id, include_archived=True, photos=True)
    if docs:
        story.append(doc.data_table(
            [_("Jenis"), _("Nama berkas"), _("Ukuran"), _("Ditambahkan"), _("Status")],
            [[d.kind_label, d.export_name, d.size_text, format_date_short(d.added_at.date()),
              _("diarsipkan") if d.archived else _("aktif")] for d in docs], col_widths=[18, 40, 12, 15, 12]))
    else:
        story.append(doc.para(_("Tidak ada.")))

    story.append(doc.section_heading(_("I. Riwayat akses dan perubahan")))
    story.extend(_audit_table(audit_rows))
    story.append(doc.para(""))
    story.append(doc.place_date(ctx))
    meta = {"subject_ids": [str(client_id)], "client": str(client_id), "audit_rows": len(audit_rows)}
    return story, title, meta


def _audit_table(rows: list) -> list:
    from atensi_desktop.reports import document as doc
    from atensi_desktop.services.audit import format_time

    if not rows:
        return [doc.para(_("Tidak ada."))]
    return [doc.data_table(
        [_("Waktu"), _("Tindakan"), _("Oleh"), _("Data"), _("Keterangan")],
        [[format_time(r.at), r.action_label, r.who, r.what, r.detail or "-"] for r in rows],
        col_widths=[19, 13, 18, 17, 33])]


def _context(db: Database, kind: str, client_id: uuid.UUID, today: dt.date | None):
    from atensi_desktop.reports.document import make_context

    return make_context(db, kind, client_id=client_id, today=today or dt.date.today(), orientation="portrait")


# --- the export ---------------------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def export(db: Database, paths: AppPaths, client_id: uuid.UUID, out_dir: str | Path, *,
           today: dt.date | None = None) -> SubjectExport:
    """Write everything held on the client into a new folder inside `out_dir` (see the module docstring)."""
    from atensi_desktop.reports.document import render
    from atensi_desktop.reports.verification import record_issued
    from atensi_desktop.security.roles import EXPORT_DATA, require
    from atensi_desktop.services import audit, clients, documents
    from atensi_desktop.sync.canonical import canonical_dump

    require(db, EXPORT_DATA, client_id=client_id)
    out_dir = Path(out_dir).expanduser()
    if not out_dir.is_dir():
        raise UserError(_("Folder {folder} tidak ada.").format(folder=out_dir),
                        hint=_("Buat foldernya dulu atau pilih folder lain."))
    client = clients.get_client(db, client_id)
    today = today or dt.date.today()
    stem = f"data-klien-{client.display_id}"
    final = out_dir / f"{stem}-{today:%Y%m%d}"
    n = 2
    while final.exists():
        final = out_dir / f"{stem}-{today:%Y%m%d}-{n}"
        n += 1
    history = audit.client_history(db, client_id, limit=None)
    ctx = _context(db, KIND, client_id, today)
    story, title, meta = _story(db, ctx, client_id, audit_rows=list(history.rows))
    rendered = render(ctx, story, title=title, meta=meta)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{stem}.", dir=out_dir))
    except OSError as err:
        raise UserError(_("Folder {folder} tidak bisa ditulisi: {reason}.").format(
            folder=out_dir, reason=err.strerror), hint=_("Pilih folder lain.")) from err
    try:
        _write(tmp / f"{stem}.pdf", rendered.pdf)
        with open(tmp / f"{stem}.jsonl", "w", encoding="utf-8", newline="\n") as out:
            canonical_dump(db, out, client_ids=[client_id])
        trail = [{"waktu": r.at.isoformat(), "tindakan": r.action, "label": r.action_label,
                  "oleh": r.user_name, "pengguna_id": str(r.user_id) if r.user_id else None, "data": r.obj_table,
                  "data_id": str(r.obj_id) if r.obj_id else None, "keterangan": r.detail,
                  "dari_kantor_lain": r.received} for r in history.rows]
        (tmp / "riwayat-akses.json").write_text(json.dumps(trail, ensure_ascii=False, indent=1), encoding="utf-8")
        files: list[str] = []
        docs = documents.list_documents(db, client_id, include_archived=True, photos=True)
        if docs:
            (tmp / "berkas").mkdir()
        used: set[str] = set()
        for d in docs:
            name = d.export_name
            if name in used:
                name = f"{Path(name).stem}-{str(d.id)[:8]}{Path(name).suffix}"
            used.add(name)
            documents.export_document(db, paths.blobs, d.id, tmp / "berkas" / name)
            files.append(name)
        tmp.chmod(0o755)
        os.replace(tmp, final)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UserError(_("Salinan data tidak bisa ditulis: {reason}.").format(reason=err.strerror or err),
                        hint=_("Periksa ruang disk dan izin tulis folder itu.")) from err
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    record_issued(db, ctx, rendered)
    audit.record(db, audit.SUBJECT_EXPORT, client_id=client_id, obj=("client", client_id),
                 detail={"format": "pdf/jsonl", "files": len(files), "pages": rendered.pages,
                         "code": rendered.code})
    return SubjectExport(folder=final, pdf=final / f"{stem}.pdf", jsonl=final / f"{stem}.jsonl",
                         audit_json=final / "riwayat-akses.json",
                         documents=tuple(final / "berkas" / f for f in files), pages=rendered.pages,
                         code=rendered.code)


def audit_pdf(db: Database, client_id: uuid.UUID, path: str | Path, *, actions: Any = None,
              today: dt.date | None = None) -> int:
    """The client's audit trail alone as a naskah dinas PDF (the audit screen's "Ekspor… PDF"); written to a
    temporary file and renamed; recorded as an issued report and as an export. Returns the number of pages."""
    from atensi_desktop.reports import document as doc
    from atensi_desktop.reports.document import render
    from atensi_desktop.security.roles import EXPORT_DATA, require
    from atensi_desktop.services import audit, clients

    require(db, EXPORT_DATA, client_id=client_id)
    target = Path(path)
    audit._check_folder(target)
    client = clients.get_client(db, client_id)
    history = audit.client_history(db, client_id, actions=actions, limit=None)
    ctx = _context(db, AUDIT_PDF_KIND, client_id, today)
    title = _(AUDIT_PDF_TITLE)
    story = [*doc.kop(ctx), *doc.title_block(title, subtitle=f"{client.values.get('name')} ({client.display_id})")]
    story.extend(_audit_table(list(history.rows)))
    story.append(doc.para(""))
    story.append(doc.place_date(ctx))
    rendered = render(ctx, story, title=title, meta={"subject_ids": [str(client_id)],
                                                     "rows": len(history.rows)})
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        _write(tmp, rendered.pdf)
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise UserError(_("File {path} tidak bisa ditulis: {reason}.").format(path=target, reason=err.strerror),
                        hint=_("Periksa folder dan izin tulisnya, lalu coba lagi.")) from err
    from atensi_desktop.reports.verification import record_issued

    record_issued(db, ctx, rendered)  # its QR and code verify like any report's
    audit.record(db, audit.EXPORT, client_id=client_id, obj=("client", client_id),
                 detail={"kind": "riwayat", "format": "pdf", "rows": len(history.rows), "pages": rendered.pages})
    return rendered.pages
