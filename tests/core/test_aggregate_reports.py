"""The aggregate reports as PDFs: the text pypdf reads back carries the hand-computed figures of the fixtures in
test_spm_stats.py, on A4 and F4 (page sizes read from the file); redaction levels hide what they must."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from report_world import HEAD_NIP, office_input
from test_spm_stats import TODAY, build_monthly_fixture, build_spm_fixture

from atensi_desktop.errors import UserError
from atensi_desktop.reports import aggregates, registry
from atensi_desktop.reports.document import make_context, render
from atensi_desktop.services import distribution as dist
from atensi_desktop.services import service_log as log
from atensi_desktop.services.clients import ClientQuery
from atensi_desktop.services.office import setup_installation
from atensi_desktop.services.workers import create_worker

D = dt.date
MM = 72 / 25.4
SIZES = {"A4": (210 * MM, 297 * MM), "F4": (215 * MM, 330 * MM)}


def _pdf(db, kind: str, *, paper: str = "A4", redaction: str = "lengkap", **values):
    ctx = make_context(db, kind, paper=paper, redaction=redaction, today=TODAY, **values)
    return registry.build_report(db, ctx)


def _text(pdf: bytes) -> str:
    """All pages' text, runs of white space made one space."""
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _sizes(pdf: bytes) -> set[tuple[float, float]]:
    return {(round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1))
            for p in PdfReader(io.BytesIO(pdf)).pages}


@pytest.fixture
def office(db):
    setup_installation(db, office_input())  # Dinas Sosial Kabupaten Hulu Sungai Selatan, wilayah 63.06
    return db


def test_the_four_kinds_are_registered():
    kinds = registry.load_all()
    assert {k: kinds[k].needs for k in ("spm", "bulanan", "penerima", "klien")} == {
        "spm": "period", "bulanan": "period", "penerima": "distribution",
        "klien": "list"}


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_spm_pdf_carries_the_hand_computed_figures(office, paper):
    build_spm_fixture(office)
    report = _pdf(office, "spm", paper=paper, year=2025)
    # the SPM recap is landscape unless asked otherwise: the paper turned
    assert _sizes(report.pdf) == {tuple(round(x, 1) for x in reversed(SIZES[paper]))}
    text = _text(report.pdf)
    assert "REKAPITULASI STANDAR PELAYANAN MINIMAL BIDANG SOSIAL" in text
    assert "Kabupaten Hulu Sungai Selatan Tahun 2025" in text
    # A. per group: PPKS, served, percentage; persons once
    for row in ("1 Penyandang Disabilitas Telantar 3 3 100,00%", "2 Anak Telantar 3 3 100,00%",
                "3 Lanjut Usia Telantar 3 1 33,33%", "4 Gelandangan dan Pengemis 3 1 33,33%",
                "Jumlah PPKS (orang) 11 7 63,64%"):
        assert row in text
    # B. per kecamatan, all groups
    assert "1 Sungai Raya 6 4 66,67%" in text and "2 Kandangan 5 3 60,00%" in text
    # C. kecamatan subtotal and desa rows: (PPKS, served, %) for disabilitas, anak, lansia, gepeng
    for row in ("1 Sungai Raya 2 2 100,00 2 2 100,00 2 1 50,00 1 0 0,00",
                "1.1 Hamalau 1 1 100,00 2 2 100,00 1 1 100,00 0 0 -",
                "1.2 Telaga Bidadari 1 1 100,00 0 0 - 1 0 0,00 1 0 0,00",
                "2 Kandangan 1 1 100,00 1 1 100,00 1 0 0,00 2 1 50,00",
                "2.1 Kandangan Kota 1 1 100,00 0 0 - 1 0 0,00 2 1 50,00",
                "2.2 (desa tidak tercatat) 0 0 - 1 1 100,00 0 0 - 0 0 -",
                "Jumlah 3 3 100,00 3 3 100,00 3 1 33,33 3 1 33,33"):
        assert row in text
    assert "2 PPKS yang tinggal di luar Kabupaten Hulu Sungai Selatan" in text
    assert "(1 di antaranya mendapat layanan SPM" in text
    assert "NIP. 19720315 199803 1 004" in text and HEAD_NIP not in text
    assert "Kandangan, 31 Maret 2026" in text
    assert report.meta["total"]["semua"] == [11, 7] and report.meta["area"] == "63.06"


def test_spm_for_a_period_and_the_statistik_level_has_no_names(office):
    build_spm_fixture(office)
    report = _pdf(office, "spm", redaction="statistik", period=(D(2026, 1, 1), D(2026, 3, 31)))
    text = _text(report.pdf)
    assert "1 Januari 2026 s.d. 31 Maret 2026" in text
    assert "Jumlah PPKS (orang) 11 1 9,09%" in text  # Gita's corrected entry only
    for name in ("Ani", "Budi", "Citra", "Gita", "Rahmawati"):
        assert name not in text
    assert "tidak memuat identitas perorangan" in text


def test_spm_needs_a_year_or_period(office):
    ctx = make_context(office, "spm", today=TODAY)
    with pytest.raises(UserError):
        registry.build_report(office, ctx)


def test_bulanan_pdf_carries_the_hand_computed_figures(office):
    build_monthly_fixture(office)
    report = _pdf(office, "bulanan", paper="F4", period=(D(2026, 3, 1), D(2026, 3, 31)))
    assert _sizes(report.pdf) == {tuple(round(x, 1) for x in SIZES["F4"])}
    text = _text(report.pdf)
    assert "LAPORAN BULANAN Bulan Maret 2026" in text
    for row in ("2 Anak Telantar 1 2", "11 Gelandangan 1 1", "8 Lanjut Usia Telantar 0 1",
                "27 Tanpa kategori PPKS 1 1", "Jumlah PPKS (orang) 3 5"):
        assert row in text
    for row in ("1 Pekerja Sosial Profesional 1 1", "3 Lembaga Kesejahteraan Sosial 1 1",
                "5 Tenaga Kesejahteraan Sosial Kecamatan 1 2", "6 Tenaga Kesejahteraan Sosial (TKS) 1 1"):
        assert row in text
    for row in ("A Layanan ATENSI 1 1 Rp350.000", "B Layanan SPM 2 1 Rp210.000", "1 Permakanan 1 1 Rp60.000",
                "2 Sandang 1 1 Rp150.000", "C Bentuk rehabilitasi sosial 1 1 Rp0", "Jumlah 4 3 Rp560.000"):
        assert row in text
    for row in ("Dikirim 1 1 2", "Diterima 1 0 1", "Selesai 0 0 0", "Jumlah 2 1 3"):
        assert row in text
    assert "Mengetahui," in text and "Yang melaporkan," in text
    assert report.meta["services"] == [4, 3, 560_000]


def test_bulanan_needs_one_whole_month(office):
    for values in ({"year": 2026}, {"period": (D(2026, 3, 1), D(2026, 4, 30))},
                   {"period": (D(2026, 3, 2), D(2026, 3, 31))}):
        with pytest.raises(UserError, match="satu bulan penuh"):
            _pdf(office, "bulanan", **values)


@pytest.fixture
def distribution(office):
    c = build_spm_fixture(office)
    worker = create_worker(office, _worker_input())
    aid = {"title": "Bantuan Sandang Lansia Tahap I 2026", "service_kind": "spm", "service_code": "sandang",
           "date_from": D(2026, 3, 20), "value_rp": 250_000, "quantity": 1, "unit": "paket",
           "provider_worker_id": worker.id, "location": "Aula Dinas Sosial Kandangan"}
    result = dist.create_distribution(office, aid, [c["Budi"], c["Ani"], c["Citra"], c["Kiki"]], today=TODAY)
    entries = dict(zip((c["Budi"], c["Ani"], c["Citra"], c["Kiki"]), result.entry_ids, strict=True))
    log.amend_entry(office, entries[c["Citra"]], {"value_rp": 300_000}, "Nilai salah", today=TODAY)
    log.cancel_entry(office, entries[c["Kiki"]], "Tidak hadir")
    return result.distribution.id


def _worker_input():
    from atensi_desktop.services.office import WorkerInput

    return WorkerInput(name="Rina Hartati, S.Tr.Sos", nip="198609262015051001", rank="Penata (III/c)",
                       position="Pekerja Sosial Ahli Muda")


def test_penerima_lists_the_recipients_that_count_with_a_signature_column(office, distribution):
    report = _pdf(office, "penerima", distribution_id=distribution)
    text = _text(report.pdf)
    assert "DAFTAR PENERIMA BANTUAN" in text and "Bantuan Sandang Lansia Tahap I 2026" in text
    assert "Tanda tangan" in text
    # by name; Kiki's entry was cancelled; Citra's value corrected; Ani has a NIK (shown whole at lengkap)
    assert re.search(r"1 Ani Rahmawati 6306015203150001 Hamalau 1 paket Rp250\.000 1\. \.+", text)
    assert re.search(r"2 Budi Santoso - Hamalau 1 paket Rp250\.000 2\. \.+", text)
    assert re.search(r"3 Citra Lestari - Hamalau 1 paket Rp300\.000 3\. \.+", text)
    assert "Kiki" not in text
    assert "Jumlah (3 penerima) 3 paket Rp800.000" in text
    assert "Petugas penyalur," in text and "Rina Hartati, S.Tr.Sos" in text and "NIP. 19860926 201505 1 001" in text
    assert report.meta["recipients"] == 3 and report.meta["value_rp"] == 800_000


def test_penerima_redaction_levels(office, distribution):
    mitra = _text(_pdf(office, "penerima", redaction="mitra", distribution_id=distribution).pdf)
    assert "630601**********" in mitra and "6306015203150001" not in mitra and "Ani Rahmawati" in mitra
    statistik = _text(_pdf(office, "penerima", redaction="statistik", distribution_id=distribution).pdf)
    for hidden in ("Ani", "Budi", "Citra", "630601", "Hamalau"):
        assert hidden not in statistik
    assert "1 Klien 1 1 paket Rp250.000" in statistik and "Jumlah (3 penerima) 3 paket Rp800.000" in statistik


def test_penerima_needs_a_distribution(office):
    with pytest.raises(UserError):
        _pdf(office, "penerima")


def test_klien_lists_the_clients_registered_in_the_period(office):
    build_monthly_fixture(office)
    report = _pdf(office, "klien", period=(D(2026, 3, 1), D(2026, 3, 31)))
    text = _text(report.pdf)
    assert "DAFTAR KLIEN Terdaftar Bulan Maret 2026" in text
    assert "Jumlah klien : 3" in text
    names = re.findall(r"DSHSS-\w+ (\w+) \w+", text)
    assert names == ["Citra", "Dedi", "Euis"]  # by name; Ani/Budi before March, Fajar after, Gani archived
    assert "Telaga Bidadari Anak Telantar" in text
    statistik = _text(_pdf(office, "klien", redaction="statistik", period=(D(2026, 3, 1), D(2026, 3, 31))).pdf)
    assert "Citra" not in statistik and "DSHSS-" not in statistik and "1 Klien 1 L - Telaga Bidadari" in statistik


def test_klien_follows_the_klien_screen_filters(office):
    build_spm_fixture(office)
    filtered = make_context(office, "klien", today=TODAY,
                            filters={"wilayah": "63.06.01", "ppks_category": "lanjut_usia_telantar"})
    assert aggregates.client_query_of(filtered) == ClientQuery(wilayah="63.06.01",
                                                               ppks_category="lanjut_usia_telantar")
    story, title, meta = aggregates.build_klien(office, filtered)
    report = render(filtered, story, title=title, meta=meta)
    text = _text(report.pdf)
    assert "Kategori PPKS : Lanjut Usia Telantar" in text and "Wilayah : Kec. Sungai Raya, Kabupaten Hulu Sungai Selatan" in text
    assert meta["count"] == 2 and "Citra Lestari" in text and "Euis Suryani" in text and "Gita" not in text
    with pytest.raises(UserError, match="tidak dikenal"):
        aggregates.client_query_of(dataclasses.replace(filtered, filters={"umur": 3}))


def test_klien_refuses_a_list_too_long_to_print(office, monkeypatch):
    build_monthly_fixture(office)
    monkeypatch.setattr(aggregates, "MAX_CLIENT_ROWS", 2)
    with pytest.raises(UserError, match="paling banyak 2"):
        _pdf(office, "klien", period=(D(2026, 3, 1), D(2026, 3, 31)))


def test_same_input_same_bytes(office):
    build_spm_fixture(office)
    first, second = _pdf(office, "spm", year=2025), _pdf(office, "spm", year=2025)
    assert first.pdf == second.pdf and first.code == second.code



# --- landscape and the client list's filters (helper "reportgaps") ----------------------------------------


def _page_sizes(pdf: bytes) -> set[tuple[float, float]]:
    return {(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2))
            for p in PdfReader(io.BytesIO(pdf)).pages}


@pytest.mark.parametrize(("paper", "size"), [("A4", (841.89, 595.28)), ("F4", (935.43, 609.45))])
def test_landscape_turns_the_paper_and_keeps_the_footer_on_every_page(office, paper, size):
    build_spm_fixture(office)
    report = _pdf(office, "spm", paper=paper, year=2025)
    assert _page_sizes(report.pdf) == {size}
    reader = PdfReader(io.BytesIO(report.pdf))
    assert report.pages == len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join(page.extract_text().split())
        assert f"Halaman {number} dari {report.pages}" in text and report.code in text
    portrait = _pdf(office, "spm", paper=paper, year=2025, orientation="portrait")
    assert _page_sizes(portrait.pdf) == {size[::-1]}
    assert portrait.sha256 != report.sha256  # the orientation is part of what the QR vouches for


def test_footer_and_qr_sit_in_the_bottom_right_corner_of_a_landscape_page(office):
    """The 'Halaman X dari Y' line and the QR are placed from the turned page's width: both in the bottom margin,
    at the right-hand margin, not where a portrait page would have them."""
    build_spm_fixture(office)
    report = _pdf(office, "spm", paper="A4", year=2025)
    page = PdfReader(io.BytesIO(report.pdf)).pages[0]
    found: list[tuple[float, float]] = []

    def visitor(text, cm, tm, font, size):
        if text.startswith("Halaman"):
            found.append((tm[4], tm[5]))

    page.extract_text(visitor_text=visitor)
    assert len(found) == 1
    x, y = found[0]
    width = float(page.mediabox.width)
    right_margin, qr = 2.5 * 72 / 2.54, 2.0 * 72 / 2.54
    assert width / 2 < x < width - right_margin - qr and y < 3.0 * 72 / 2.54
    content = page.get_contents().get_data().decode("latin-1")
    placed = re.search(r"1 0 0 1 ([\d.]+) ([\d.]+) cm\s*/FormXob\.atensi-qr Do", content)
    assert placed is not None  # the QR's form, placed from the turned page's width
    assert float(placed.group(1)) == pytest.approx(width - right_margin - qr, abs=0.01)
    assert x + 10 < float(placed.group(1)) and float(placed.group(2)) + qr < y + 20


def test_orientation_must_be_portrait_or_landscape(office):
    with pytest.raises(UserError, match="Arah kertas 'miring' tidak dikenal"):
        make_context(office, "spm", year=2025, orientation="miring")


def test_klien_with_filters_prints_only_the_matching_clients_on_a4_and_f4(office):
    from atensi_desktop.services.clients import count_clients

    build_spm_fixture(office)
    everyone = _text(_pdf(office, "klien", filters=ClientQuery()).pdf)
    total = count_clients(office, ClientQuery(), today=TODAY)
    assert f"Jumlah klien : {total}" in everyone and "Saringan : tidak ada" in everyone
    for paper in ("A4", "F4"):
        query = ClientQuery(wilayah="63.06.01", ppks_category="lanjut_usia_telantar")
        report = _pdf(office, "klien", paper=paper, filters=query)
        assert _sizes(report.pdf) == {tuple(round(x, 1) for x in SIZES[paper])}  # portrait by default
        text = _text(report.pdf)
        ids = re.findall(r"DSHSS-\w{6}", text)
        assert len(ids) == count_clients(office, query, today=TODAY) == report.meta["count"] == 2
        assert "Jumlah klien : 2" in text and "Citra Lestari" in text and "Euis Suryani" in text
        for other in re.findall(r"DSHSS-\w{6} ([A-Z]\w+ \w+)", everyone):
            if other not in ("Citra Lestari", "Euis Suryani"):
                assert other not in text
        assert report.meta["filters"] == {"wilayah": "63.06.01", "ppks_category": "lanjut_usia_telantar"}
    by_sex = _pdf(office, "klien", filters=ClientQuery(sex="P"))
    assert by_sex.meta["count"] == count_clients(office, ClientQuery(sex="P"), today=TODAY)
    assert "Jenis kelamin : Perempuan" in _text(by_sex.pdf)


def test_klien_needs_neither_a_period_nor_filters(office):
    build_monthly_fixture(office)
    kind = registry.get_kind("klien")
    ctx = make_context(office, "klien", today=TODAY)
    registry.check_context(ctx, kind)  # nothing required
    with pytest.raises(UserError, match="Awal periode sesudah akhirnya"):
        registry.check_context(make_context(office, "klien", period=(D(2026, 3, 31), D(2026, 3, 1))), kind)
