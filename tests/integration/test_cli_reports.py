"""`report KIND … -o FILE` and `report verify FILE` end to end, in process (atensi_desktop.cli.main)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from atensi_desktop.cli import main

TODAY = dt.date.today()
OFFICE = "Dinas Sosial Kabupaten Hulu Sungai Selatan"


def _init(db_file: Path) -> None:
    assert main(["--db", f"sqlite:///{db_file}", "init", "--office", OFFICE, "--kode-wilayah", "63.06",
                 "--kode-kantor", "DSHSS"]) == 0


@pytest.fixture
def world(tmp_path) -> dict:
    """An office database: Siti has an open case with an outgoing referral; Budi a terminated case."""
    from atensi_desktop.app_context import open_app
    from atensi_desktop.services import cases
    from atensi_desktop.services import referrals as refs
    from atensi_desktop.services.clients import create_client
    from atensi_desktop.services.office import WorkerInput
    from atensi_desktop.services.workers import create_worker

    db_file = tmp_path / "laporan.db"
    _init(db_file)
    ctx = open_app(f"sqlite:///{db_file}", str(tmp_path / "home"))
    try:
        worker = create_worker(ctx.db, WorkerInput(name="Rina Hartati", nip="198609262015051001"))
        siti = create_client(ctx.db, {"name": "Siti Aminah", "sex": "P", "nik": "6306015203900001"})
        budi = create_client(ctx.db, {"name": "Budi Santoso", "sex": "L"})
        case = cases.open_case(ctx.db, siti.id, worker_id=worker.id, opened_on=TODAY - dt.timedelta(days=30))
        referral = refs.create_referral(ctx.db, siti.id, {
            "case_id": case.id, "direction": "keluar", "counterpart_kind": "rumah_sakit",
            "counterpart_name": "RSUD Kandangan", "reason": "Pemeriksaan mata", "sent_on": TODAY})
        closed = cases.open_case(ctx.db, budi.id, worker_id=worker.id, opened_on=TODAY - dt.timedelta(days=20))
        cases.terminate(ctx.db, closed.id, "tujuan_tercapai", on=TODAY)
    finally:
        ctx.close()
    return {"db": db_file, "siti": siti, "case": case, "referral": referral, "closed": closed, "tmp": tmp_path}


def run(db_file: Path, *argv: str) -> int:
    return main(["--db", f"sqlite:///{db_file}", *argv])


def _issued(db_file: Path) -> int:
    con = sqlite3.connect(db_file)
    try:
        return con.execute("SELECT count(*) FROM report_issued").fetchone()[0]
    finally:
        con.close()


def _text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)


def test_a_letter_is_written_and_verified(world, capsys):
    out = world["tmp"] / "rujukan.pdf"
    assert run(world["db"], "report", "rujukan", world["case"].display_id, "--redaction", "mitra", "-o",
               str(out)) == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith("Surat Rujukan: 1 halaman, kode verifikasi ") and str(out) in stdout
    text = _text(out)
    assert "Siti Aminah" in text and "630601**********" in text and "6306015203900001" not in text
    assert "RSUD Kandangan" in text and "Pemeriksaan mata" in text

    assert run(world["db"], "report", "verify", str(out)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"cocok: laporan Surat Rujukan dibuat {_long(TODAY)} oleh {OFFICE}"
    assert lines[1].endswith("1 halaman, kertas A4, tingkat mitra.")

    changed = world["tmp"] / "diubah.pdf"
    changed.write_bytes(out.read_bytes() + b"%\n")
    assert run(world["db"], "report", "verify", str(changed)) == 3
    assert capsys.readouterr().out.startswith("isi berubah")


def test_the_same_command_gives_the_same_file_and_one_record(world):
    first, second = world["tmp"] / "a.pdf", world["tmp"] / "b.pdf"
    args = ("report", "terminasi", str(world["closed"].id), "--paper", "F4", "--tanggal", "05-03-2026")
    assert run(world["db"], *args, "-o", str(first)) == 0
    assert run(world["db"], *args, "-o", str(second)) == 0
    assert first.read_bytes() == second.read_bytes()
    assert _issued(world["db"]) == 1
    box = PdfReader(first).pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == (609.45, 935.43)
    assert "5 Maret 2026" in _text(first)


def test_a_file_from_another_database_is_unknown(world, tmp_path, capsys):
    out = world["tmp"] / "t.pdf"
    assert run(world["db"], "report", "terminasi", world["closed"].display_id, "-o", str(out)) == 0
    other = tmp_path / "lain.db"
    _init(other)
    capsys.readouterr()
    assert run(other, "report", "verify", str(out)) == 3
    assert capsys.readouterr().out.startswith("tidak dikenal")


@pytest.mark.parametrize(("argv", "message"), [
    (("report", "laporanku", "X", "-o", "x.pdf"),
     "Jenis laporan 'laporanku' tidak dikenal. Jenis yang ada: "),
    (("report", "terminasi", "-o", "x.pdf"), "Laporan terminasi memerlukan kasus"),
    (("report", "rujukan", "-o", "x.pdf"), "Laporan rujukan memerlukan rujukan atau kasus"),
    (("report", "terminasi", "TIDAK-ADA", "-o", "x.pdf"), "Kasus 'TIDAK-ADA' tidak ditemukan"),
    (("report", "terminasi", "{closed}", "--paper", "A3", "-o", "x.pdf"), "Ukuran kertas 'A3' tidak dikenal"),
    (("report", "terminasi", "{closed}", "--redaction", "publik", "-o", "x.pdf"), "Tingkat kerahasiaan 'publik'"),
    (("report", "terminasi", "{closed}", "--year", "2026", "-o", "x.pdf"), "tidak memakai --year"),
    (("report", "terminasi", "{closed}"), "Sebutkan file PDF"),
    (("report", "terminasi", "{open}", "-o", "x.pdf"), "belum diterminasi"),
    (("report", "terminasi", "{closed}", "--tanggal", "31-02-2026", "-o", "x.pdf"), "bukan tanggal"),
    (("report", "terminasi", "{closed}", "-o", "tidak-ada/x.pdf"), "Folder"),
    (("report", "verify"), "Sebutkan file PDF yang diperiksa"),
    (("report", "verify", "hilang.pdf"), "tidak ada"),
])
def test_bad_input_exits_2_with_one_indonesian_line_and_writes_nothing(world, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(world["tmp"])
    argv = [a.format(closed=world["closed"].display_id, open=world["case"].display_id) for a in argv]
    assert run(world["db"], *argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (world["tmp"] / "x.pdf").exists() and _issued(world["db"]) == 0


def test_unknown_kind_lists_the_kinds(world, capsys):
    assert run(world["db"], "report", "apa", "-o", "x.pdf") == 2
    err = capsys.readouterr().err
    for kind in ("rujukan", "terminasi"):
        assert kind in err


def _long(d: dt.date) -> str:
    from atensi_desktop.reports.text import long_date

    return long_date(d)


# --- report klien with the Klien screen's filters; --orientation (helper "reportgaps") ----------------------


def _size(path: Path) -> tuple[float, float]:
    box = PdfReader(path).pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def test_klien_list_with_the_filters_of_client_export(world, capsys):
    out = world["tmp"] / "klien.pdf"
    assert run(world["db"], "report", "klien", "--jenis-kelamin", "P", "--paper", "F4", "-o", str(out)) == 0
    assert capsys.readouterr().out.startswith("Daftar Klien: 1 halaman, kode verifikasi ")
    text = _text(out)
    assert "Siti Aminah" in text and "Budi Santoso" not in text
    assert "Jenis kelamin : Perempuan" in text and "Jumlah klien : 1" in text
    assert _size(out) == (609.45, 935.43)  # F4, portrait
    everyone = world["tmp"] / "semua.pdf"
    assert run(world["db"], "report", "klien", "--orientation", "landscape", "-o", str(everyone)) == 0
    text = _text(everyone)
    assert "Siti Aminah" in text and "Budi Santoso" in text and "Jumlah klien : 2" in text
    assert _size(everyone) == (841.89, 595.28)  # A4 turned
    search = world["tmp"] / "cari.pdf"
    assert run(world["db"], "report", "klien", "--cari", "budi", "-o", str(search)) == 0
    assert "Budi Santoso" in _text(search) and "Siti Aminah" not in _text(search)
    assert _issued(world["db"]) == 3


def test_klien_for_the_clients_registered_in_a_year(world):
    out = world["tmp"] / "tahun.pdf"
    assert run(world["db"], "report", "klien", "--year", str(TODAY.year), "-o", str(out)) == 0
    text = _text(out)
    assert f"Terdaftar Tahun {TODAY.year}" in text and "Jumlah klien : 2" in text


def test_spm_is_landscape_unless_asked_otherwise(world):
    wide, tall = world["tmp"] / "spm.pdf", world["tmp"] / "spm-tegak.pdf"
    assert run(world["db"], "report", "spm", "--year", str(TODAY.year), "--paper", "F4", "-o", str(wide)) == 0
    assert _size(wide) == (935.43, 609.45)
    assert run(world["db"], "report", "spm", "--year", str(TODAY.year), "--orientation", "portrait",
               "-o", str(tall)) == 0
    assert _size(tall) == (595.28, 841.89)


@pytest.mark.parametrize(("flags", "message"), [
    (("--kategori", "bukan_kategori"), "Nilai --kategori tidak dikenal: 'bukan_kategori'"),
    (("--klaster", "entah"), "Nilai --klaster tidak dikenal: 'entah'"),
    (("--wilayah", "63.xx"), "Kode wilayah tidak sah: '63.xx'"),
    (("--pendamping", "rina"), "--pendamping harus id (UUID) pendamping, bukan 'rina'"),
    (("--kelompok-umur", "remaja"), "--kelompok-umur harus salah satu dari: "),
    (("--tahap", "selesai_sekali"), "Nilai --tahap tidak dikenal: 'selesai_sekali'"),
])
def test_bad_klien_filters_exit_2_with_the_messages_of_client_export(world, capsys, monkeypatch, flags, message):
    monkeypatch.chdir(world["tmp"])
    assert run(world["db"], "client", "export", "x.xlsx", *flags) == 2
    export_err = capsys.readouterr().err
    assert run(world["db"], "report", "klien", *flags, "-o", "x.pdf") == 2
    err = capsys.readouterr().err
    assert message in err and err == export_err and err.count("\n") == 1
    assert not (world["tmp"] / "x.pdf").exists() and _issued(world["db"]) == 0


@pytest.mark.parametrize(("argv", "message"), [
    (("report", "klien", "--cari", "siti", "--year", "2026", "-o", "x.pdf"), "Pilih salah satu: saringan klien"),
    (("report", "klien", "SITI", "-o", "x.pdf"), "Laporan klien tidak memakai ID"),
    (("report", "terminasi", "{closed}", "--kategori", "anak_telantar", "-o", "x.pdf"),
     "tidak memakai saringan klien"),
    (("report", "spm", "--year", "2026", "--orientation", "miring", "-o", "x.pdf"), "Arah kertas 'miring'"),
])
def test_bad_klien_and_orientation_input_exits_2(world, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(world["tmp"])
    argv = [a.format(closed=world["closed"].display_id) for a in argv]
    assert run(world["db"], *argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not (world["tmp"] / "x.pdf").exists() and _issued(world["db"]) == 0


def test_a_bad_jenis_kelamin_is_refused_as_client_export_refuses_it(world, capsys, monkeypatch):
    monkeypatch.chdir(world["tmp"])
    with pytest.raises(SystemExit) as export_exit:
        run(world["db"], "client", "export", "x.xlsx", "--jenis-kelamin", "X")
    export_err = capsys.readouterr().err
    with pytest.raises(SystemExit) as report_exit:
        run(world["db"], "report", "klien", "--jenis-kelamin", "X", "-o", "x.pdf")
    err = capsys.readouterr().err
    assert export_exit.value.code == report_exit.value.code == 2
    assert "Pilihan untuk --jenis-kelamin tidak sah: 'X'" in err and err == export_err
    assert not (world["tmp"] / "x.pdf").exists() and _issued(world["db"]) == 0
