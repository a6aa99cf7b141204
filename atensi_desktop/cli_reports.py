"""The `atensi-desktop report …` subcommand: write a PDF report, or verify one.

    report KIND (ID | --year Y | --period A..B) [--paper A4|F4] [--orientation portrait|landscape]
           [--redaction lengkap|mitra|statistik] [--sensitif] [--tanggal D] [--nomor TEKS] -o FILE
    report klien [--cari …] [--kategori …] [--klaster …] [--wilayah …] [--tahap …] [--pendamping …]
           [--kelompok-umur …] [--jenis-kelamin L|P] [--termasuk-arsip] [--year Y | --period A..B] … -o FILE
    report verify FILE

ID is a UUID or a display id. What it names depends on the kind:
- per case (asesmen, rencana, perkembangan, kasus, terminasi): a case (UUID or case display id), or a client
  (UUID or client display id) whose open case, else newest case, is taken;
- rujukan: a referral's UUID, or a case (as above): the case's latest outgoing referral;
- per client (klien when it takes one): a client's UUID or display id;
- penerima: a distribution's UUID;
- aggregates (spm, bulanan): --year or --period, no ID;
- klien: the client list with the filters of `client export` (the Klien screen's; parsed by the same function),
  or the clients registered in --year / --period; no ID.
--orientation turns the page (bawaan: the kind's own choice, landscape for spm, portrait for the rest).
Bad input exits 2 with one line in Bahasa Indonesia; `verify` exits 0 when the file matches and 3 when it
is unknown or changed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from atensi_desktop.cli_clients import add_filter_options
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _

EXIT_NOT_VERIFIED = 3
PAPERS = ("A4", "F4")
LEVELS = ("lengkap", "mitra", "statistik")
ORIENTATIONS = ("portrait", "landscape")


def add_report_commands(sub: argparse._SubParsersAction, global_options: Callable, parser_class: type) -> None:
    p = sub.add_parser("report", help="tulis laporan PDF (asesmen, rujukan, spm, …) atau periksa keasliannya")
    global_options(p, suppress=True)
    p.add_argument("kind", metavar="JENIS",
                   help="jenis laporan (asesmen, rencana, perkembangan, kasus, rujukan, terminasi, spm, bulanan, "
                        "penerima, klien) atau 'verify'")
    p.add_argument("subject", metavar="ID", nargs="?",
                   help="ID kasus, klien, rujukan atau penyaluran (UUID atau ID tampilan); untuk verify: file PDF")
    p.add_argument("--year", metavar="TAHUN", help="tahun laporan rekap, mis. 2026")
    p.add_argument("--period", metavar="A..B", help="periode laporan rekap, mis. 01-01-2026..30-06-2026")
    p.add_argument("--paper", metavar="A4|F4", default="A4", help="ukuran kertas (bawaan A4)")
    p.add_argument("--orientation", metavar="ARAH",
                   help="portrait (tegak) atau landscape (mendatar); bawaan: landscape untuk spm, tegak lainnya")
    p.add_argument("--redaction", metavar="TINGKAT", default="lengkap",
                   help="lengkap (internal), mitra (NIK 6 angka, tanpa data kesehatan) atau statistik (tanpa nama)")
    p.add_argument("--sensitif", action="store_true",
                   help="tingkat mitra: ikutkan data kesehatan dan catatan pidana")
    p.add_argument("--tanggal", metavar="TANGGAL", help="tanggal surat/laporan (bawaan hari ini)")
    p.add_argument("--nomor", metavar="TEKS", help="nomor surat (bawaan: dari pola nomor surat kantor)")
    p.add_argument("-o", "--output", metavar="FILE", help="file PDF yang ditulis")
    filters = p.add_argument_group("saringan daftar klien (laporan klien; sama dengan client export)")
    add_filter_options(filters)
    p.set_defaults(handler=cmd_report)


# --- parsing ---------------------------------------------------------------------------------------------

def _date(text: str, what: str) -> dt.date:
    from atensi_desktop.services.service_log import parse_date

    try:
        value = parse_date(text)
    except (ValueError, UserError):
        value = None
    if value is None:
        raise UserError(_("{what} {text} bukan tanggal; tulis dd-mm-yyyy atau yyyy-mm-dd.").format(
            what=what, text=repr(text)))
    return value


def _year(text: str) -> int:
    if not text.strip().isdigit() or not 2000 <= int(text) <= 2100:
        raise UserError(_("Tahun {text} tidak sah; tulis empat angka, mis. 2026.").format(text=repr(text)))
    return int(text)


def _period(text: str) -> tuple[dt.date, dt.date]:
    start, sep, end = text.partition("..")
    if not sep or not start.strip() or not end.strip():
        raise UserError(_("Periode {text} tidak sah; tulis AWAL..AKHIR, mis. 01-01-2026..30-06-2026.").format(
            text=repr(text)))
    first, last = _date(start.strip(), _("Awal periode")), _date(end.strip(), _("Akhir periode"))
    if first > last:
        raise UserError(_("Awal periode {first} sesudah akhirnya {last}.").format(first=start.strip(),
                                                                                   last=end.strip()))
    return first, last


def _uuid(text: str) -> uuid.UUID | None:
    with contextlib.suppress(ValueError):
        return uuid.UUID(text.strip())
    return None


def _exists(db, model, ident: uuid.UUID) -> bool:
    with db.session() as s:
        return s.get(model, ident) is not None


def _resolve_client(db, ref: str) -> uuid.UUID | None:
    from atensi_desktop.db.models import Client
    from atensi_desktop.services.clients import find_by_display_id

    ident = _uuid(ref)
    if ident is not None:
        return ident if _exists(db, Client, ident) else None
    found = find_by_display_id(db, ref)
    if len(found) > 1:
        raise UserError(_("ID klien {ref} dipakai {n} klien; sebutkan UUID salah satunya: {ids}.").format(
            ref=repr(ref.upper()), n=len(found), ids=", ".join(str(i) for i in found)))
    return found[0] if found else None


def _resolve_case(db, ref: str) -> uuid.UUID | None:
    """A case by UUID or case display id; else a client's open case, else the client's newest case."""
    from atensi_desktop.db.models import ClientCase
    from atensi_desktop.services.cases import find_by_display_id, list_cases

    ident = _uuid(ref)
    if ident is not None and _exists(db, ClientCase, ident):
        return ident
    if ident is None:
        found = find_by_display_id(db, ref)
        if len(found) > 1:
            raise UserError(_("ID kasus {ref} dipakai {n} kasus; sebutkan UUID salah satunya: {ids}.").format(
                ref=repr(ref.upper()), n=len(found), ids=", ".join(str(i) for i in found)))
        if found:
            return found[0]
    client = _resolve_client(db, ref)
    if client is None:
        return None
    cases = list_cases(db, client_id=client, limit=None)
    if not cases:
        raise UserError(_("Klien {ref} belum punya kasus.").format(ref=ref),
                        hint=_("Buka kasus untuk klien itu dulu."))
    open_cases = [c for c in cases if c.is_open]
    return (open_cases or cases)[0].id


def _client_of_case(db, ref: str) -> uuid.UUID | None:
    from atensi_desktop.db.models import ClientCase
    from atensi_desktop.services.cases import find_by_display_id

    ident = _uuid(ref)
    found = [ident] if ident is not None else find_by_display_id(db, ref)
    if len(found) != 1:
        return None
    with db.session() as s:
        case = s.get(ClientCase, found[0])
        return case.client_id if case is not None else None


_SUBJECT_WORDS = {"case": "kasus", "client": "klien", "referral": "rujukan atau kasus",
                  "distribution": "penyaluran bantuan"}
_SUBJECT_EXAMPLES = {"case": "ID kasus (mis. DSHSS-7K2M9Q) atau UUID",
                     "client": "ID klien (mis. DSHSS-7K2M9Q) atau UUID",
                     "referral": "UUID rujukan, atau ID kasus untuk rujukan keluar terakhirnya",
                     "distribution": "UUID penyaluran bantuan"}


def context_values(db, kind, args: argparse.Namespace) -> dict:
    """The ReportContext fields named on the command line (subject, period, paper, …), checked."""
    from atensi_desktop.db.models import Distribution
    from atensi_desktop.db.models.casework import Referral

    paper = (args.paper or "A4").upper()
    if paper not in PAPERS:
        raise UserError(_("Ukuran kertas {paper} tidak dikenal; pilih A4 atau F4.").format(paper=repr(args.paper)))
    level = (args.redaction or "lengkap").lower()
    if level not in LEVELS:
        raise UserError(_("Tingkat kerahasiaan {level} tidak dikenal; pilih lengkap, mitra atau statistik.").format(
            level=repr(args.redaction)))
    values: dict = {"paper": paper, "redaction": level, "show_sensitive": bool(args.sensitif)}
    if getattr(args, "orientation", None):
        orientation = args.orientation.strip().lower()
        if orientation not in ORIENTATIONS:
            raise UserError(_("Arah kertas {orientation} tidak dikenal; pilih portrait atau landscape.").format(
                orientation=repr(args.orientation)))
        values["orientation"] = orientation
    if args.tanggal:
        values["today"] = _date(args.tanggal, _("Tanggal"))
    if args.nomor:
        values["letter_number"] = args.nomor.strip()
    query = _client_filters(args)
    if kind.needs == "list":
        return values | _list_values(kind, args, query)
    if query is not None:
        raise UserError(_("Laporan {kind} tidak memakai saringan klien (--cari, --kategori, …); saringan itu "
                          "hanya untuk laporan klien.").format(kind=kind.kind))
    if kind.needs == "period":
        if args.subject:
            raise UserError(_("Laporan {kind} tidak memakai ID; sebutkan --year atau --period.").format(
                kind=kind.kind))
        if args.year and args.period:
            raise UserError(_("Pilih salah satu: --year atau --period."))
        if not args.year and not args.period:
            raise UserError(_("Laporan {kind} memerlukan --year TAHUN atau --period AWAL..AKHIR.").format(
                kind=kind.kind))
        if args.year:
            values["year"] = _year(args.year)
        else:
            values["period"] = _period(args.period)
        return values
    if args.year or args.period:
        raise UserError(_("Laporan {kind} tidak memakai --year atau --period; sebutkan {what}.").format(
            kind=kind.kind, what=_SUBJECT_EXAMPLES[kind.needs]))
    if not args.subject:
        raise UserError(_("Laporan {kind} memerlukan {what}: sebutkan {example}.").format(
            kind=kind.kind, what=_SUBJECT_WORDS[kind.needs], example=_SUBJECT_EXAMPLES[kind.needs]))
    ref = args.subject.strip()
    if kind.needs == "case":
        found = _resolve_case(db, ref)
        key = "case_id"
    elif kind.needs == "client":  # a client, or a case: its client
        found = _resolve_client(db, ref) or _client_of_case(db, ref)
        key = "client_id"
    elif kind.needs == "distribution":
        ident = _uuid(ref)
        found = ident if ident is not None and _exists(db, Distribution, ident) else None
        key = "distribution_id"
    else:  # referral: a referral's UUID, or a case
        ident = _uuid(ref)
        if ident is not None and _exists(db, Referral, ident):
            found, key = ident, "referral_id"
        else:
            found, key = _resolve_case(db, ref), "case_id"
    if found is None:
        raise UserError(_("{what} {ref} tidak ditemukan.").format(what=_SUBJECT_WORDS[kind.needs].capitalize(),
                                                                  ref=repr(ref)),
                        hint=_("Sebutkan {example}.").format(example=_SUBJECT_EXAMPLES[kind.needs]))
    values[key] = found
    return values


def _client_filters(args: argparse.Namespace):
    """The ClientQuery of the filter flags (parsed as `client export` parses them), or None when none is given."""
    from atensi_desktop.cli_client_search import query_from_filters
    from atensi_desktop.services.clients import ClientQuery

    query = query_from_filters(args)
    return None if query == ClientQuery() else query


def _list_values(kind, args: argparse.Namespace, query) -> dict:
    """The client list: the filters, or the clients registered in --year / --period, or every live client."""
    from atensi_desktop.services.clients import ClientQuery

    if args.subject:
        raise UserError(_("Laporan {kind} tidak memakai ID; pakai saringan (--cari, --kategori, --wilayah, …) "
                          "atau --year / --period.").format(kind=kind.kind))
    if args.year and args.period:
        raise UserError(_("Pilih salah satu: --year atau --period."))
    if (args.year or args.period) and query is not None:
        raise UserError(_("Pilih salah satu: saringan klien (--cari, --kategori, …) atau --year / --period "
                          "(klien yang terdaftar dalam periode)."))
    if args.year:
        return {"year": _year(args.year)}
    if args.period:
        return {"period": _period(args.period)}
    return {"filters": query or ClientQuery()}


# --- commands --------------------------------------------------------------------------------------------

def cmd_report(args: argparse.Namespace) -> int:
    if args.kind == "verify":
        return cmd_verify(args)
    from atensi_desktop.cli import _open
    from atensi_desktop.reports.document import make_context
    from atensi_desktop.reports.registry import get_kind, save_report

    kind = get_kind(args.kind)  # an unknown kind is refused before the database is opened
    if not args.output:
        raise UserError(_("Sebutkan file PDF yang ditulis dengan -o FILE."))
    target = Path(args.output)
    ctx = _open(args)
    try:
        values = context_values(ctx.db, kind, args)
        report_ctx = make_context(ctx.db, kind.kind, **values)
        rendered = save_report(ctx.db, report_ctx, target)
    finally:
        ctx.close()
    print(_("{title}: {pages} halaman, kode verifikasi {code}, ditulis ke {path}.").format(
        title=rendered.title, pages=rendered.pages, code=rendered.code, path=target))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from atensi_desktop.cli import _open
    from atensi_desktop.reports.verification import read_marks, verify_file

    if not args.subject:
        raise UserError(_("Sebutkan file PDF yang diperiksa: atensi-desktop report verify FILE."))
    read_marks(args.subject)  # a missing or non-PDF file is bad input (exit 2) before the database is opened
    ctx = _open(args)
    try:
        result = verify_file(ctx.db, args.subject)
    finally:
        ctx.close()
    print(result.message)
    if result.report is not None and result.ok:
        r = result.report
        print(_("Kode {code}, {pages} halaman, kertas {paper}, tingkat {level}.").format(
            code=r.code, pages=r.pages, paper=r.paper, level=r.redaction))
    sys.stdout.flush()
    return 0 if result.ok else EXIT_NOT_VERIFIED
