"""Letter numbers (nomor surat) from a configurable template with a per-year sequence in the database.

Pemda numbering rules differ (domain.md §5: Permendagri 83/2022 classification-code first, the older
Kepmendagri 78/2012 "serial/unit-classification/Roman month/year", ministry patterns), and the classification
code for rehabilitasi sosial is not verified, so both the template and the code of each letter kind are
settings of the database (`meta` keys `letter.template` and `letter.code.<kind>`):

    template placeholders: {seq} (3 digits: 007), {seq_plain} (7), {kode} (the letter kind's code),
    {kantor} (the office code), {bulan} (03), {bulan_romawi} (III), {tahun} (2026)
    default: "{seq}/{kode}/{kantor}/{bulan_romawi}/{tahun}"  ->  "007/RUJ/DSKHSS/III/2026"

The sequence counts the letters this office issued in the year (all kinds together), kept in the synced
`report_issued` table (`letter_year`, `letter_seq`): the next number is the largest recorded one plus one.
A letter printed again for the same record (the same referral, the same terminated case) keeps the number
it was first given; see `letter_number_for`.
"""

from __future__ import annotations

import string
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import false, func, select

from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _
from atensi_desktop.reports.text import roman_month

if TYPE_CHECKING:
    import datetime as dt

    from atensi_desktop.db.engine import Database

TEMPLATE_KEY = "letter.template"
CODE_KEY = "letter.code.{kind}"
DEFAULT_TEMPLATE = "{seq}/{kode}/{kantor}/{bulan_romawi}/{tahun}"
DEFAULT_CODES = {"rujukan": "RUJ", "terminasi": "BA-TERM"}
PLACEHOLDERS = ("seq", "seq_plain", "kode", "kantor", "bulan", "bulan_romawi", "tahun")
MAX_LENGTH = 80  # referral.letter_number is String(80)


@dataclass(frozen=True)
class LetterNumber:
    number: str
    year: int
    seq: int | None  # None: a number kept from before or typed by the user (not from the sequence)

    def as_meta(self) -> dict:
        return {"number": self.number, "year": self.year, "seq": self.seq}


def check_template(template: str) -> str:
    """Refuse a template with unknown placeholders or without {seq} (numbers would repeat)."""
    template = (template or "").strip()
    try:
        names = [name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name is not None]
    except ValueError as err:
        raise UserError(_("Pola nomor surat tidak sah: {reason}.").format(reason=err),
                        hint=_("Contoh: {example}").format(example=DEFAULT_TEMPLATE)) from err
    unknown = [n for n in names if n not in PLACEHOLDERS]
    if unknown:
        raise UserError(_("Pola nomor surat memakai {names} yang tidak dikenal.").format(
            names=", ".join("{" + n + "}" for n in unknown)),
            hint=_("Yang bisa dipakai: {names}.").format(names=", ".join("{" + n + "}" for n in PLACEHOLDERS)))
    if "seq" not in names and "seq_plain" not in names:
        raise UserError(_("Pola nomor surat harus memuat {seq} (nomor urut)."),
                        hint=_("Contoh: {example}").format(example=DEFAULT_TEMPLATE))
    return template


def letter_settings(db: Database) -> tuple[str, dict[str, str]]:
    """(template, {kind: code}) as configured, defaults filled in."""
    from atensi_desktop.db.engine import read_meta

    with db.session() as s:
        template = read_meta(s, TEMPLATE_KEY) or DEFAULT_TEMPLATE
        codes = {kind: read_meta(s, CODE_KEY.format(kind=kind)) or code for kind, code in DEFAULT_CODES.items()}
    return template, codes


def set_letter_settings(db: Database, template: str | None = None, codes: dict[str, str] | None = None) -> None:
    """Save the numbering template and/or letter codes (checked first; nothing saved when one is wrong)."""
    from atensi_desktop.db.engine import write_meta

    clean_template = check_template(template) if template is not None else None
    clean_codes = {}
    for kind, code in (codes or {}).items():
        code = (code or "").strip()
        if not code or len(code) > 30 or any(ch.isspace() for ch in code):
            raise UserError(_("Kode surat {kind} tidak sah: tulis 1–30 karakter tanpa spasi.").format(kind=kind))
        clean_codes[kind] = code
    with db.session() as s:
        if clean_template is not None:
            write_meta(s, TEMPLATE_KEY, clean_template)
        for kind, code in clean_codes.items():
            write_meta(s, CODE_KEY.format(kind=kind), code)


def format_number(template: str, *, seq: int, kode: str, kantor: str, on: dt.date) -> str:
    return template.format(seq=f"{seq:03d}", seq_plain=str(seq), kode=kode, kantor=kantor, bulan=f"{on.month:02d}",
                           bulan_romawi=roman_month(on.month), tahun=str(on.year))


def next_seq(db: Database, year: int) -> int:
    """1 + the largest sequence number this office recorded for `year`."""
    from atensi_desktop.db.models import ReportIssued

    query = select(func.max(ReportIssued.letter_seq)).where(ReportIssued.letter_year == year,
                                                           ReportIssued.deleted == false())
    if db.office_id is not None:
        query = query.where(ReportIssued.owner_office_id == db.office_id)
    with db.session() as s:
        return int(s.scalar(query) or 0) + 1


def issued_number(db: Database, kind: str, subject_id: uuid.UUID) -> LetterNumber | None:
    """The number a letter of this kind about this record was first issued with, if any."""
    from atensi_desktop.db.models import ReportIssued

    with db.session() as s:
        row = s.execute(select(ReportIssued.letter_number, ReportIssued.letter_year, ReportIssued.letter_seq)
                        .where(ReportIssued.kind == kind, ReportIssued.subject_id == subject_id,
                               ReportIssued.letter_number.is_not(None), ReportIssued.deleted == false())
                        .order_by(ReportIssued.issued_on, ReportIssued.id).limit(1)).first()
    if row is None:
        return None
    return LetterNumber(row[0], int(row[1]) if row[1] is not None else 0, int(row[2]) if row[2] is not None else None)


def letter_number_for(db: Database, kind: str, subject_id: uuid.UUID, on: dt.date, *,
                      explicit: str | None = None, recorded: str | None = None,
                      office_code: str | None = None) -> LetterNumber:
    """The number to print on a letter, the first that applies:

    1. `explicit`: typed for this printing (ctx.letter_number);
    2. the number this letter got when it was first issued (a reprint keeps it);
    3. `recorded`: a number stored on the record itself (a referral's letter_number typed in its form);
    4. the next number of the year's sequence, formatted with the template.

    The sequence number is taken when the letter is recorded (make_report); a preview shows the number it
    would get."""
    if explicit and explicit.strip():
        return LetterNumber(explicit.strip(), on.year, None)
    earlier = issued_number(db, kind, subject_id)
    if earlier is not None:
        return earlier
    if recorded and recorded.strip():
        return LetterNumber(recorded.strip(), on.year, None)
    template, codes = letter_settings(db)
    seq = next_seq(db, on.year)
    number = format_number(template, seq=seq, kode=codes.get(kind, kind.upper()), kantor=office_code or "",
                           on=on)
    number = number.replace("//", "/").strip("/")  # an office without a code leaves no empty part
    if len(number) > MAX_LENGTH:
        raise UserError(_("Nomor surat terlalu panjang ({length} huruf).").format(length=len(number)),
                        hint=_("Persingkat pola nomor surat atau kode surat di pengaturan."))
    return LetterNumber(number, on.year, seq)
