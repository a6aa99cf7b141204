"""Surat Rujukan and Berita Acara Terminasi: the text read back from the PDFs, redaction levels, letter
numbers kept on reprint and written back to the referral, and refusals that record nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from report_world import SITI_NIK, TODAY, build_world
from sqlalchemy import func, select

from atensi_desktop.db.models import ReportIssued
from atensi_desktop.errors import UserError
from atensi_desktop.reports import registry
from atensi_desktop.reports.document import make_context
from atensi_desktop.reports.verification import verify_file
from atensi_desktop.services import cases
from atensi_desktop.services import referrals as refs


def pages_text(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def world(db):
    return build_world(db)


def _issued(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(ReportIssued))


def _make(db, kind, **kw):
    return registry.make_report(db, make_context(db, kind, today=TODAY, **kw))


def test_surat_rujukan_names_the_client_the_partner_the_reason_and_the_signers(db, world):
    out = _make(db, "rujukan", referral_id=world.referral)
    assert out.pages == 1
    page = pages_text(out.pdf)[0]
    for expected in (
        "PEMERINTAH KABUPATEN HULU SUNGAI SELATAN", "DINAS SOSIAL", "Kandangan, 5 Maret 2026",
        "Nomor : 001/RUJ/DSHSS/III/2026", "Perihal : Rujukan Klien",
        "Yth. RSUD Brigjend H. Hasan Basry Kandangan",
        "Nama : Siti Aminah", f"NIK : {SITI_NIK}", f"ID klien : {world.siti_display}",
        "Tempat, tanggal lahir : Kandangan, 12 Maret 1990", "Kondisi kesehatan : Gangguan penglihatan (low vision)",
        f"ID kasus : {world.case_display}", "Alasan rujukan Pemeriksaan mata lanjutan",
        "Layanan yang dimohonkan Pemeriksaan dan alat bantu penglihatan",
        "Rina Hartati, S.Tr.Sos", "Penata (III/c)", "NIP. 19860926 201505 1 001",
        "Drs. H. Ahmad Fauzi, M.Si", "Pembina Utama Muda (IV/c)", "NIP. 19720315 199803 1 004",
        "Halaman 1 dari 1", f"Kode verifikasi {out.code}",
    ):
        assert expected in page, expected
    # the number is kept on the referral, and a reprint prints the same number and the same bytes
    assert refs.get_referral(db, world.referral).letter_number == "001/RUJ/DSHSS/III/2026"
    again = _make(db, "rujukan", referral_id=world.referral)
    assert again.pdf == out.pdf and _issued(db) == 1


def test_rujukan_by_case_takes_the_latest_outgoing_referral(db, world):
    newer = refs.create_referral(db, world.siti, {
        "case_id": world.case, "direction": "keluar", "counterpart_kind": "puskesmas",
        "counterpart_name": "Puskesmas Kandangan", "reason": "Kontrol rutin", "sent_on": dt.date(2026, 3, 4)},
        today=TODAY)
    refs.create_referral(db, world.siti, {
        "case_id": world.case, "direction": "masuk", "counterpart_kind": "puskesmas",
        "counterpart_name": "Puskesmas Angkinang", "reason": "Rujukan balik", "sent_on": dt.date(2026, 3, 5)},
        today=TODAY)
    out = _make(db, "rujukan", case_id=world.case)
    page = pages_text(out.pdf)[0]
    assert "Yth. Puskesmas Kandangan" in page and "Kontrol rutin" in page
    assert out.meta["referral"]["id"] == str(newer.id)


def test_rujukan_for_a_partner_masks_the_nik_and_health_details_unless_ticked(db, world):
    page = pages_text(_make(db, "rujukan", referral_id=world.referral, redaction="mitra").pdf)[0]
    assert "NIK : 630601**********" in page and SITI_NIK not in page
    assert "Kondisi kesehatan : (dirahasiakan)" in page and "low vision" not in page
    assert "Siti Aminah" in page and "Tingkat kerahasiaan: Untuk mitra rujukan" in page
    ticked = pages_text(_make(db, "rujukan", referral_id=world.referral, redaction="mitra",
                              show_sensitive=True).pdf)[0]
    assert "Gangguan penglihatan (low vision)" in ticked and SITI_NIK not in ticked
    # every printing of the same letter carries the same number
    assert "Nomor : 001/RUJ/DSHSS/III/2026" in page and "Nomor : 001/RUJ/DSHSS/III/2026" in ticked


def test_rujukan_at_statistik_level_has_no_name_nik_or_address(db, world):
    page = pages_text(_make(db, "rujukan", referral_id=world.referral, redaction="statistik").pdf)[0]
    assert "Siti Aminah" not in page and "630601" not in page and "Hamalau" not in page
    assert "Nama : Klien 1" in page and "Umur : 35 tahun" in page


def test_rujukan_is_refused_without_an_outgoing_referral(db, world):
    incoming = refs.create_referral(db, world.budi, {
        "direction": "masuk", "counterpart_kind": "puskesmas", "counterpart_name": "Puskesmas Simpur",
        "reason": "Dirujuk ke dinas", "sent_on": dt.date(2026, 3, 1)}, today=TODAY)
    with pytest.raises(UserError, match="rujukan masuk"):
        _make(db, "rujukan", referral_id=incoming.id)
    with pytest.raises(UserError, match="belum punya rujukan keluar"):
        _make(db, "rujukan", case_id=world.closed_case)
    assert _issued(db) == 0


def test_berita_acara_terminasi_reads_back_reason_dates_services_and_signatures(db, world):
    out = _make(db, "terminasi", case_id=world.closed_case)
    whole = " ".join(pages_text(out.pdf))
    for expected in (
        "BERITA ACARA TERMINASI", "Nomor: 001/BA-TERM/DSHSS/III/2026",
        "Pada hari ini Selasa, 3 Maret 2026", "Nama : Budi Santoso", "Tempat, tanggal lahir : 1 Juli 1950",
        "Tanggal kasus dibuka : 6 Januari 2026",
        "Alasan terminasi : Tujuan Intervensi Tercapai", "Keterangan : Kebutuhan dasar terpenuhi",
        "menerima 3 layanan tercatat dengan nilai seluruhnya Rp625.000",
        "1 Permakanan 1 10-01-2026 16-01-2026 Rp350.000", "2 Sandang 2 01-02-2026 20-02-2026 Rp275.000",
        "Mengetahui,", "Yang membuat,", "NIP. 19720315 199803 1 004", "NIP. 19860926 201505 1 001",
        "Kandangan, 5 Maret 2026",
    ):
        assert expected in whole, expected
    pages = pages_text(out.pdf)
    assert all(f"Halaman {i} dari {len(pages)}" in p for i, p in enumerate(pages, 1))
    # the second letter of the year takes the next number; the first keeps its own
    rujukan = _make(db, "rujukan", referral_id=world.referral)
    assert rujukan.meta["letter"] == {"number": "002/RUJ/DSHSS/III/2026", "year": 2026, "seq": 2}
    assert _make(db, "terminasi", case_id=world.closed_case, paper="F4").meta["letter"]["number"] \
        == "001/BA-TERM/DSHSS/III/2026"


def test_terminasi_of_an_open_case_is_refused_and_records_nothing(db, world):
    with pytest.raises(UserError, match="belum diterminasi"):
        _make(db, "terminasi", case_id=world.case)
    assert _issued(db) == 0
    cases.terminate(db, world.case, "dirujuk", on=dt.date(2026, 3, 4), today=TODAY)
    assert "Alasan terminasi : Dirujuk ke Lembaga Lain" in pages_text(_make(db, "terminasi",
                                                                            case_id=world.case).pdf)[0]


@pytest.mark.parametrize(("paper", "size"), [("A4", (595.28, 841.89)), ("F4", (609.45, 935.43))])
def test_letters_on_both_papers_verify(db, world, tmp_path, paper, size):
    for kind, subject in (("rujukan", {"referral_id": world.referral}), ("terminasi", {"case_id": world.closed_case})):
        target = tmp_path / f"{kind}-{paper}.pdf"
        registry.save_report(db, make_context(db, kind, today=TODAY, paper=paper, **subject), target)
        box = PdfReader(target).pages[0].mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == size
        assert verify_file(db, target).ok


def test_terminasi_at_statistik_level_names_no_client_and_no_case_id(db, world):
    whole = " ".join(pages_text(_make(db, "terminasi", case_id=world.closed_case, redaction="statistik").pdf))
    assert "Budi Santoso" not in whole and world.closed_case_display not in whole
    assert "Nama : Klien 1" in whole and "Keterangan : (dirahasiakan)" in whole
    assert "Pendamping : Rina Hartati, S.Tr.Sos" in whole  # the worker signs the record: not hidden
