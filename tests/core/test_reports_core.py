"""The report core: formats, redaction levels, the naskah dinas page (sizes, footer on every page, fixed
bytes), the registry, letter numbering and verification of issued files, codes and QR texts."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from pypdf import PdfReader
from report_world import HEAD_NIP, office_input
from sqlalchemy import func, select

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.models import ReportIssued
from atensi_desktop.errors import UserError
from atensi_desktop.paths import resolve_paths
from atensi_desktop.reports import numbering, redaction, registry, text, verification
from atensi_desktop.reports.document import (
    OfficeHeader,
    ReportContext,
    Signer,
    data_table,
    field_table,
    kop,
    make_context,
    para,
    parse_keywords,
    qr_payload,
    render,
    section_heading,
    short_code,
    signature_blocks,
    title_block,
)
from atensi_desktop.services.office import setup_installation

TODAY = dt.date(2026, 3, 5)
OFFICE = OfficeHeader(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                      lines=("PEMERINTAH KABUPATEN HULU SUNGAI SELATAN", "DINAS SOSIAL"),
                      address="Jl. Aluh Idut No. 12, Kandangan", postal_code="71211", phone="(0517) 21000",
                      email="dinsos@hulusungaiselatankab.go.id", city="Kandangan", head_name="Drs. H. Ahmad Fauzi",
                      head_title="Kepala Dinas Sosial", head_rank="Pembina Utama Muda (IV/c)", head_nip=HEAD_NIP,
                      code="DSHSS")
PEOPLE = [(f"Penerima Nomor {i}", 150_000 * i) for i in range(1, 121)]


def pages_text(pdf: bytes) -> list[str]:
    """The text of each page, runs of white space made one space (pypdf breaks table cells into lines)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _ctx(**kw) -> ReportContext:
    values = {"kind": "uji", "today": TODAY, "place": "Kandangan", "office": OFFICE} | kw
    return ReportContext(**values)


def _story(ctx: ReportContext, people=PEOPLE) -> list:
    rows = [[str(i), redaction.name_for(name, ctx.redaction, i), text.rupiah(value)]
            for i, (name, value) in enumerate(people, 1)]
    total = sum(v for _n, v in people)
    return [*kop(ctx), *title_block("Daftar Uji", number="001/UJI/DSHSS/III/2026", subtitle="Maret 2026"),
            section_heading("A. Identitas"),
            field_table([("NIK", redaction.nik_for("6306015203900001", ctx.redaction) or "-")]),
            data_table(["No", "Nama", "Nilai"], [*rows, ["", "Jumlah", text.rupiah(total)]],
                       col_widths=[0.1, 0.6, 0.3], align="CLR", total_row=True),
            para("Catatan penutup."),
            signature_blocks(ctx, Signer("Mengetahui,", "Kepala Dinas Sosial", "Drs. H. Ahmad Fauzi",
                                         "Pembina Utama Muda (IV/c)", HEAD_NIP),
                             Signer(None, "Pekerja Sosial", "Rina Hartati", None, "198609262015051001"))]


# --- formats ---------------------------------------------------------------------------------------------

def test_formats_follow_naskah_dinas_conventions():
    assert text.format_nip("198609262015051001") == "19860926 201505 1 001"
    assert text.format_nip("19860926 201505 1 001") == "19860926 201505 1 001"
    assert text.format_nip("12345") == "12345"  # not a NIP: printed as typed
    assert text.long_date(dt.date(2026, 3, 5)) == "5 Maret 2026"
    assert text.long_date(dt.date(2026, 12, 31)) == "31 Desember 2026"
    assert text.day_date(dt.date(2026, 3, 5)) == "Kamis, 5 Maret 2026"
    assert text.rupiah(1_500_000) == "Rp1.500.000"
    assert text.rupiah(0) == "Rp0"
    assert text.rupiah(-2500) == "-Rp2.500"
    assert text.rupiah(None) == "-"
    assert text.percent(12.5) == "12,50%"
    assert text.percent(100) == "100,00%"
    assert text.percent(2 / 3 * 100) == "66,67%"
    assert text.percent(0.125, 1) == "0,1%"  # half up at the last place: 0.125 -> 0.1 (one place)
    assert text.decimal_id(1234.5) == "1.234,50"
    assert text.thousands(999_999.5) == "1.000.000"
    assert [text.roman_month(m) for m in (1, 4, 9, 12)] == ["I", "IV", "IX", "XII"]


def test_redaction_levels():
    assert redaction.nik_for("6306015203900001", "lengkap") == "6306015203900001"
    assert redaction.nik_for("6306015203900001", "mitra") == "630601**********"
    assert redaction.nik_for("6306015203900001", "statistik") == ""
    assert redaction.nik_for(None, "mitra") == ""
    assert redaction.name_for("Siti Aminah", "lengkap", 3) == "Siti Aminah"
    assert redaction.name_for("Siti Aminah", "mitra", 3) == "Siti Aminah"
    assert redaction.name_for("Siti Aminah", "statistik", 3) == "Klien 3"
    assert redaction.text_for("RT 02", "statistik") == ""
    assert redaction.allows_sensitive(_ctx(redaction="lengkap"))
    assert not redaction.allows_sensitive(_ctx(redaction="mitra"))
    assert redaction.allows_sensitive(_ctx(redaction="mitra", show_sensitive=True))
    assert not redaction.allows_sensitive(_ctx(redaction="statistik", show_sensitive=True))
    assert redaction.sensitive_text(_ctx(redaction="mitra"), "Low vision") == "(dirahasiakan)"
    with pytest.raises(UserError, match="tidak dikenal"):
        redaction.check_level("publik")


# --- the page ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("paper", "size"), [("A4", (595.28, 841.89)), ("F4", (609.45, 935.43))])
def test_page_size_and_text_read_back(paper, size):
    ctx = _ctx(paper=paper)
    out = render(ctx, _story(ctx), title="Daftar Uji", meta={"n": len(PEOPLE)})
    reader = PdfReader(io.BytesIO(out.pdf))
    assert out.pages == len(reader.pages) >= 3
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width), 2), round(float(box.height), 2)) == size
    pages = pages_text(out.pdf)
    whole = "\n".join(pages)
    assert "PEMERINTAH KABUPATEN HULU SUNGAI SELATAN" in pages[0] and "DINAS SOSIAL" in pages[0]
    assert "Nomor: 001/UJI/DSHSS/III/2026" in pages[0]
    assert "1 Penerima Nomor 1 Rp150.000" in whole
    assert "120 Penerima Nomor 120 Rp18.000.000" in whole  # the last row: 120 × 150.000
    assert text.rupiah(sum(v for _n, v in PEOPLE)) == "Rp1.089.000.000"
    assert "Jumlah Rp1.089.000.000" in pages[-1]
    assert "Kandangan, 5 Maret 2026" in pages[-1]
    assert "NIP. 19720315 199803 1 004" in pages[-1] and "NIP. 19860926 201505 1 001" in pages[-1]
    for number, page in enumerate(pages, 1):  # the footer on every page
        assert f"Halaman {number} dari {len(pages)}" in page
        assert f"Kode verifikasi {out.code}" in page
        assert "Tingkat kerahasiaan: Lengkap (internal)" in page
    assert whole.count("No Nama Nilai") == len(pages)  # the header row repeats on every page


def test_the_same_input_gives_the_same_bytes_and_a_changed_one_other_ids():
    first = render(_ctx(), _story(_ctx()), title="Daftar Uji", meta={"n": 1})
    again = render(_ctx(), _story(_ctx()), title="Daftar Uji", meta={"n": 1})
    assert first.pdf == again.pdf
    assert (first.report_id, first.code, first.sha256) == (again.report_id, again.code, again.sha256)
    later = render(_ctx(today=TODAY + dt.timedelta(days=1)), _story(_ctx()), title="Daftar Uji", meta={"n": 1})
    fewer = render(_ctx(), _story(_ctx(), PEOPLE[:-1]), title="Daftar Uji", meta={"n": 1})
    assert len({first.sha256, later.sha256, fewer.sha256}) == 3
    assert len({first.report_id, later.report_id, fewer.report_id}) == 3
    assert first.report_id.version == 7
    # the time part of the id is the issue date, so ids sort by date like other synced rows
    assert first.report_id < later.report_id
    info = PdfReader(io.BytesIO(first.pdf)).metadata
    assert info["/CreationDate"].startswith("D:20260305")
    assert parse_keywords(info["/Keywords"]) == {"id": str(first.report_id), "sha256": first.sha256,
                                                 "code": first.code}
    assert info["/Title"] == "Daftar Uji" and info["/Author"] == OFFICE.name


def test_the_code_and_qr_text_come_from_the_content_hash():
    digest = "0" * 10 + "f" * 54
    assert short_code(digest) == "0000-0000"
    assert short_code("ffffffffff" + "0" * 54) == "ZZZZ-ZZZZ"
    rid = uuid.UUID("019cbb4b-4c00-7d4b-9f76-698f07d9218f")
    assert qr_payload(rid, digest) == f"ATENSI-LAPORAN:1:{str(rid).upper()}:{digest.upper()}"


def test_statistik_level_prints_no_names_and_no_nik():
    ctx = _ctx(redaction="statistik")
    out = render(ctx, _story(ctx, PEOPLE[:5]), title="Daftar Uji", meta={})
    whole = "\n".join(pages_text(out.pdf))
    assert "Penerima Nomor" not in whole and "630601" not in whole
    assert "Klien 1" in whole and "Klien 5" in whole
    assert "Tingkat kerahasiaan: Statistik (tanpa nama)" in whole


def test_mitra_level_shows_six_nik_digits_and_says_so_in_the_footer():
    ctx = _ctx(redaction="mitra")
    whole = "\n".join(pages_text(render(ctx, _story(ctx, PEOPLE[:5]), title="Daftar Uji", meta={}).pdf))
    assert "630601**********" in whole and "6306015203900001" not in whole
    assert "RAHASIA — untuk mitra rujukan" in whole


def test_render_refuses_an_unknown_paper_or_level():
    with pytest.raises(UserError, match="A4 atau F4"):
        render(_ctx(paper="A3"), [para("x")], title="x", meta={})
    with pytest.raises(UserError, match="tidak dikenal"):
        render(_ctx(redaction="bebas"), [para("x")], title="x", meta={})


# --- registry, recording, verification -------------------------------------------------------------------

@pytest.fixture
def uji_kind():
    """A registered test kind 'uji' (needs a period) that prints the people list."""
    registry.load_all()

    def build(_db, ctx):
        return _story(ctx, PEOPLE[:8]), "Daftar Uji", {"year": ctx.year}

    kind = registry.register(registry.ReportKind("uji", "Daftar Uji", "period", build))
    yield kind
    registry.KINDS.pop("uji", None)


@pytest.fixture
def office_db(db):
    setup_installation(db, office_input())
    return db


def _count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(ReportIssued))


def test_make_context_reads_the_office_settings(office_db):
    ctx = make_context(office_db, "uji", year=2026, today=TODAY)
    assert ctx.place == "Kandangan"
    assert ctx.office.lines == ("PEMERINTAH KABUPATEN HULU SUNGAI SELATAN", "DINAS SOSIAL")
    assert (ctx.office.head_nip, ctx.office.code) == (HEAD_NIP, "DSHSS")
    with pytest.raises(UserError, match="A4 atau F4"):
        make_context(office_db, "uji", paper="Letter")


def test_a_saved_report_verifies_and_a_changed_file_does_not(office_db, uji_kind, tmp_path):
    ctx = make_context(office_db, "uji", year=2026, today=TODAY)
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "uji.pdf"
    out = registry.save_report(office_db, ctx, target)
    assert target.read_bytes() == out.pdf
    assert [p.name for p in target.parent.iterdir()] == ["uji.pdf"]  # no temporary file left behind
    result = verification.verify_file(office_db, target)
    assert result.ok and result.status == "cocok"
    assert result.message == ("cocok: laporan Daftar Uji dibuat 5 Maret 2026 oleh "
                              "Dinas Sosial Kabupaten Hulu Sungai Selatan")
    assert result.report.code == out.code and result.report.pages == out.pages

    # one byte changed (in the /Producer entry), then a copy with an update appended as a PDF editor does
    data = bytearray(out.pdf)
    at = data.find(b"/Producer")
    data[at + 1] = ord("p")
    edited = tmp_path / "diubah.pdf"
    edited.write_bytes(bytes(data))
    changed = verification.verify_file(office_db, edited)
    assert (changed.status, changed.ok) == ("isi_berubah", False)
    assert changed.message.startswith("isi berubah")
    appended = tmp_path / "ditambah.pdf"
    appended.write_bytes(out.pdf + b"\n% edited\n")
    assert verification.verify_file(office_db, appended).status == "isi_berubah"

    # making the same report again finds the same record and gives the same bytes
    assert registry.make_report(office_db, ctx).pdf == out.pdf
    assert _count(office_db) == 1


def test_a_report_from_another_database_or_not_from_atensi_is_unknown(office_db, uji_kind, tmp_path):
    target = tmp_path / "uji.pdf"
    registry.save_report(office_db, make_context(office_db, "uji", year=2026, today=TODAY), target)
    other_paths = resolve_paths(tmp_path / "lain").ensure()
    other = open_database(f"sqlite:///{tmp_path / 'lain.db'}", other_paths)
    try:
        setup_installation(other, office_input())  # the same office name, another database
        result = verification.verify_file(other, target)
    finally:
        other.dispose()
    assert (result.status, result.report) == ("tidak_dikenal", None)
    assert result.message.startswith("tidak dikenal")

    plain = tmp_path / "lain.pdf"
    plain.write_bytes(render(_ctx(), [para("x")], title="x", meta={}).pdf)  # never recorded
    assert verification.verify_file(office_db, plain).status == "tidak_dikenal"
    with pytest.raises(UserError, match="bukan PDF"):
        (tmp_path / "bukan.pdf").write_text("halo")
        verification.verify_file(office_db, tmp_path / "bukan.pdf")
    with pytest.raises(UserError, match="tidak ada"):
        verification.verify_file(office_db, tmp_path / "hilang.pdf")


def test_a_printout_is_checked_by_its_code_or_qr_text(office_db, uji_kind):
    out = registry.make_report(office_db, make_context(office_db, "uji", year=2026, today=TODAY))
    typed = out.code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert verification.verify_code(office_db, typed).report.id == out.report_id
    assert verification.verify_code(office_db, "ZZZZ-ZZZ0" if out.code != "ZZZZ-ZZZ0" else "0000-0000").status \
        == "tidak_dikenal"
    assert verification.verify_payload(office_db, qr_payload(out.report_id, out.sha256)).ok
    wrong = qr_payload(out.report_id, "0" * 64)
    assert verification.verify_payload(office_db, wrong).status == "isi_berubah"
    assert verification.verify_payload(office_db, "https://contoh.id").status == "tidak_dikenal"


def test_the_registry_refuses_unknown_kinds_and_missing_subjects(office_db, uji_kind, tmp_path):
    with pytest.raises(UserError) as err:
        registry.make_report(office_db, make_context(office_db, "tidakada", today=TODAY))
    assert "tidak dikenal" in err.value.message and "uji" in err.value.hint and "terminasi" in err.value.hint
    with pytest.raises(UserError, match="memerlukan tahun atau periode"):
        registry.make_report(office_db, make_context(office_db, "uji", today=TODAY))
    with pytest.raises(UserError, match="Awal periode sesudah"):
        registry.make_report(office_db, make_context(office_db, "uji", today=TODAY,
                                                     period=(dt.date(2026, 6, 1), dt.date(2026, 1, 1))))
    with pytest.raises(UserError, match="memerlukan kasus"):
        registry.make_report(office_db, make_context(office_db, "terminasi", today=TODAY))
    with pytest.raises(UserError, match="Folder"):
        registry.save_report(office_db, make_context(office_db, "uji", year=2026, today=TODAY),
                             tmp_path / "tidak-ada" / "x.pdf")
    assert _count(office_db) == 0 and not (tmp_path / "tidak-ada").exists()


# --- letter numbers --------------------------------------------------------------------------------------

def test_letter_numbers_follow_the_template_and_a_per_year_sequence(office_db):
    subject = uuid.uuid4()
    first = numbering.letter_number_for(office_db, "rujukan", subject, TODAY, office_code="DSHSS")
    assert (first.number, first.seq) == ("001/RUJ/DSHSS/III/2026", 1)
    numbering.set_letter_settings(office_db, "400.9/{seq_plain}/{kode}/{tahun}", {"rujukan": "Dinsos-RJK"})
    assert numbering.letter_settings(office_db)[0] == "400.9/{seq_plain}/{kode}/{tahun}"
    again = numbering.letter_number_for(office_db, "rujukan", subject, TODAY)
    assert again.number == "400.9/1/Dinsos-RJK/2026"
    typed = numbering.letter_number_for(office_db, "rujukan", subject, TODAY, explicit=" 12/X/2026 ")
    assert (typed.number, typed.seq) == ("12/X/2026", None)
    with pytest.raises(UserError, match="tidak dikenal"):
        numbering.set_letter_settings(office_db, "{nomor}/{tahun}")
    with pytest.raises(UserError, match="seq"):
        numbering.set_letter_settings(office_db, "{kode}/{tahun}")
    with pytest.raises(UserError, match="tanpa spasi"):
        numbering.set_letter_settings(office_db, codes={"rujukan": "R J"})
    assert numbering.letter_settings(office_db)[1]["rujukan"] == "Dinsos-RJK"  # the refused change saved nothing


def test_the_sequence_counts_issued_letters_of_the_year(office_db):
    with office_db.session() as s:
        for year, seq in ((2026, 1), (2026, 7), (2025, 30)):
            s.add(ReportIssued(kind="rujukan", code="AAAA-AAAA", title="Surat Rujukan", content_sha256="0" * 64,
                               issued_on=dt.date(year, 1, 2), paper="A4", redaction="lengkap", pages=1,
                               letter_number=f"{seq}/RUJ", letter_year=year, letter_seq=seq,
                               owner_office_id=office_db.office_id))
    assert numbering.next_seq(office_db, 2026) == 8
    assert numbering.next_seq(office_db, 2025) == 31
    assert numbering.next_seq(office_db, 2027) == 1


def test_every_report_kind_registered_has_a_known_subject():
    kinds = registry.load_all()
    assert {"rujukan", "terminasi"} <= set(kinds)
    assert all(k.needs in registry.NEEDS for k in kinds.values())
    assert kinds["rujukan"].label == "Surat Rujukan"


def test_fonts_are_embedded(tmp_path):
    out = render(_ctx(), [para("Ujian: ā é — “kutip”")], title="x", meta={})
    reader = PdfReader(io.BytesIO(out.pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"] if "/DescendantFonts" in font \
                else font.get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                if "/FontFile2" in descriptor:
                    fonts.add(str(font["/BaseFont"]))
    assert any("LiberationSans" in f for f in fonts)
    assert "Ujian: ā é — “kutip”" in pages_text(out.pdf)[0]
    Path(tmp_path / "x.pdf").write_bytes(out.pdf)


@pytest.mark.skipif(not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
                    reason="needs zbarimg (zbar-tools) and pdftoppm (poppler-utils) to read the QR code back")
def test_the_qr_code_reads_back_from_a_100_dpi_image_and_verifies(office_db, uji_kind, tmp_path):
    out = registry.make_report(office_db, make_context(office_db, "uji", year=2026, today=TODAY))
    pdf = tmp_path / "uji.pdf"
    pdf.write_bytes(out.pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
                   check=True)
    image = next(tmp_path.glob("p*.png"))
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert scanned == qr_payload(out.report_id, out.sha256)
    assert verification.verify_payload(office_db, scanned).ok
