"""Verification of issued reports: record each one, then check a PDF file, a typed code or a scanned QR.

A report made by `registry.make_report` is recorded in the synced table `report_issued` with its id, short
code, content hash (also in its QR code) and the SHA-256 of the PDF file's bytes. Checking a file:

1. read the id and content hash from the PDF's /Keywords (written by `document.render`); a file without them
   is not an ATENSI report of this kind → "tidak dikenal";
2. look the id up in this database: not found (another database, or never made) → "tidak dikenal";
3. the file's bytes must hash to the recorded `file_sha256`, and the content hash in the file must be the
   recorded one; otherwise → "isi berubah" (the file was edited or re-saved after it was issued);
4. else → "cocok: laporan <title> dibuat <date> oleh <kantor>".

A printout is checked by its QR text (`verify_payload`) or its typed code (`lookup_code`): those prove the
report was issued here and show its title, date and office, to be compared with the paper by eye.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import false, select

from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _
from atensi_desktop.reports.document import (
    QR_PREFIX,
    RenderedReport,
    ReportContext,
    normalize_code,
    parse_keywords,
)
from atensi_desktop.reports.text import long_date

if TYPE_CHECKING:
    import datetime as dt

    from atensi_desktop.db.engine import Database

MATCH = "cocok"
UNKNOWN = "tidak_dikenal"
CHANGED = "isi_berubah"


@dataclass(frozen=True)
class IssuedReport:
    id: uuid.UUID
    kind: str
    code: str
    title: str
    issued_on: dt.date
    office_name: str | None
    content_sha256: str
    file_sha256: str | None
    pages: int
    paper: str
    redaction: str
    letter_number: str | None
    subject_ids: tuple[str, ...]


@dataclass(frozen=True)
class VerifyResult:
    status: str  # cocok | tidak_dikenal | isi_berubah
    message: str  # one line in Bahasa Indonesia
    report: IssuedReport | None = None

    @property
    def ok(self) -> bool:
        return self.status == MATCH


def record_issued(db: Database, ctx: ReportContext, rendered: RenderedReport) -> IssuedReport:
    """Record a report in report_issued (once: making the same report again finds the same row)."""
    from atensi_desktop.db.models import ReportIssued
    from atensi_desktop.reports.registry import subject_ids

    meta = rendered.meta
    ids = subject_ids(ctx, meta)
    letter = meta.get("letter") or {}
    with db.session() as s:
        row = s.get(ReportIssued, rendered.report_id)
        if row is None:
            subject = _first_uuid(ids)
            row = ReportIssued(
                id=rendered.report_id, kind=rendered.kind, code=rendered.code, title=rendered.title[:300],
                content_sha256=rendered.sha256, file_sha256=rendered.file_sha256, issued_on=ctx.today,
                paper=ctx.paper, redaction=ctx.redaction, pages=rendered.pages, subject_id=subject,
                subject_ids=ids or None, letter_number=letter.get("number") or ctx.letter_number,
                letter_year=letter.get("year"), letter_seq=letter.get("seq"),
                owner_office_id=db.office_id,
            )
            s.add(row)
        elif row.file_sha256 is None:
            row.file_sha256 = rendered.file_sha256
        s.flush()
        return _issued(s, row)


def _first_uuid(ids: list[str]) -> uuid.UUID | None:
    for value in ids:
        try:
            return uuid.UUID(str(value))
        except ValueError:
            continue
    return None


def _issued(s, row) -> IssuedReport:
    from atensi_desktop.db.models import Office

    office = s.get(Office, row.owner_office_id) if row.owner_office_id else None
    return IssuedReport(
        id=row.id, kind=row.kind, code=row.code, title=row.title, issued_on=row.issued_on,
        office_name=office.name if office is not None else None, content_sha256=row.content_sha256,
        file_sha256=row.file_sha256, pages=row.pages, paper=row.paper, redaction=row.redaction,
        letter_number=row.letter_number, subject_ids=tuple(row.subject_ids or ()),
    )


def get_issued(db: Database, report_id: uuid.UUID) -> IssuedReport | None:
    from atensi_desktop.db.models import ReportIssued

    with db.session() as s:
        row = s.get(ReportIssued, report_id)
        return _issued(s, row) if row is not None and not row.deleted else None


def _match_message(report: IssuedReport) -> str:
    office = report.office_name or _("kantor tidak diketahui")
    return _("cocok: laporan {title} dibuat {date} oleh {office}").format(
        title=report.title, date=long_date(report.issued_on), office=office)


def _unknown() -> VerifyResult:
    return VerifyResult(UNKNOWN, _("tidak dikenal: laporan ini tidak dibuat oleh database ini"))


def read_marks(path: str | Path) -> tuple[bytes, dict[str, str]]:
    """The file's bytes and the report marks in its metadata ({} when there are none)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    target = Path(path)
    try:
        data = target.read_bytes()
    except FileNotFoundError as err:
        raise UserError(_("File {path} tidak ada.").format(path=target), hint=_("Periksa nama dan foldernya.")) \
            from err
    except OSError as err:
        raise UserError(_("File {path} tidak bisa dibaca: {reason}.").format(path=target, reason=err.strerror),
                        hint=_("Periksa izin baca file itu.")) from err
    if not data.startswith(b"%PDF"):
        raise UserError(_("File {path} bukan PDF.").format(path=target),
                        hint=_("Pilih file laporan PDF yang dibuat ATENSI Desktop."))
    try:
        from io import BytesIO

        info = PdfReader(BytesIO(data)).metadata or {}
        keywords = str(info.get("/Keywords") or "")
    except (PyPdfError, ValueError, KeyError, TypeError):
        keywords = ""
    return data, parse_keywords(keywords)


def verify_file(db: Database, path: str | Path) -> VerifyResult:
    """Is this PDF a report this database issued, unchanged? (see the module docstring)"""
    data, marks = read_marks(path)
    try:
        report_id = uuid.UUID(marks.get("id", ""))
    except ValueError:
        return _unknown()
    report = get_issued(db, report_id)
    if report is None:
        return _unknown()
    file_hash = hashlib.sha256(data).hexdigest()
    if marks.get("sha256") != report.content_sha256 or (report.file_sha256 and file_hash != report.file_sha256):
        return VerifyResult(CHANGED, _("isi berubah: file ini tidak sama dengan laporan {title} yang dibuat "
                                       "{date}").format(title=report.title, date=long_date(report.issued_on)),
                            report)
    return VerifyResult(MATCH, _match_message(report), report)


def verify_payload(db: Database, payload: str) -> VerifyResult:
    """Check the text of a scanned QR code ('ATENSI-LAPORAN:1:<UUID>:<SHA-256>', any case)."""
    parts = payload.strip().split(":")
    if len(parts) != 4 or parts[0].upper() != QR_PREFIX:
        return _unknown()
    try:
        report_id = uuid.UUID(parts[2])
    except ValueError:
        return _unknown()
    report = get_issued(db, report_id)
    if report is None:
        return _unknown()
    if parts[3].lower() != report.content_sha256:
        return VerifyResult(CHANGED, _("isi berubah: kode QR tidak sama dengan laporan yang tercatat"), report)
    return VerifyResult(MATCH, _match_message(report), report)


def lookup_code(db: Database, code: str) -> list[IssuedReport]:
    """Reports with a typed short code ('7K3M-Q9XA'; case, O/0 and I/L/1 forgiven), newest first."""
    from atensi_desktop.db.models import ReportIssued

    wanted = normalize_code(code)
    with db.session() as s:
        rows = s.scalars(select(ReportIssued).where(ReportIssued.code == wanted, ReportIssued.deleted == false())
                         .order_by(ReportIssued.issued_on.desc(), ReportIssued.id)).all()
        return [_issued(s, r) for r in rows]


def verify_code(db: Database, code: str) -> VerifyResult:
    """A typed code: cocok (with the report's title, date and office) or tidak dikenal."""
    found = lookup_code(db, code)
    if not found:
        return _unknown()
    return VerifyResult(MATCH, _match_message(found[0]), found[0])
