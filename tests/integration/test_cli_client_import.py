"""`atensi-desktop client import FILE [--mapping FILE] [--dry-run]`: exit codes, report lines, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path

import openpyxl

from atensi_desktop.cli import main

HEADERS = ["NIK", "No KK", "Nama", "Jenis Kelamin", "Tanggal Lahir", "Kategori PPKS", "Keterangan"]
GOOD = [
    ["6306014509900001", "6306010101200001", "Siti Aminah", "P", "05-09-1990", "Lanjut Usia Terlantar", ""],
    ["6306011203150002", "6306010101200001", "Ahmad Rizki", "L", "12-03-2015", "Anak Terlantar", "cucu"],
    ["", "6306010101200002", "Budi Santoso", "L", "1 Januari 1950", "LUT", ""],
]


def write_csv(path: Path, rows, headers=HEADERS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def clients(db_file: Path) -> int:
    if not db_file.exists():
        return -1
    con = sqlite3.connect(db_file)
    try:
        return con.execute("SELECT count(*) FROM client").fetchone()[0]
    finally:
        con.close()


def run(db_file: Path, *argv: str) -> int:
    return main(["--db", f"sqlite:///{db_file}", "client", "import", *argv])


def test_good_csv_imports_and_prints_mapping_and_summary(tmp_path, capsys):
    db_file = tmp_path / "a.db"
    assert run(db_file, str(write_csv(tmp_path / "klien.csv", GOOD))) == 0
    out = capsys.readouterr().out
    assert "Pemetaan kolom (ditebak dari judul kolom" in out
    assert "Kategori PPKS  -> ppks_categories (Kategori PPKS)" in out
    assert "Kolom yang tidak dipakai: Keterangan" in out
    assert out.rstrip().endswith("3 klien diimpor (2 keluarga baru).")
    assert clients(db_file) == 3


def test_broken_rows_exit_2_name_each_row_and_field_and_import_nothing(tmp_path, capsys):
    db_file = tmp_path / "a.db"
    rows = GOOD + [
        ["630601450990001", "", "Rina", "P", "05-09-1990", "", ""],
        ["6306014509900004", "", "Siti Rahma", "P", "06-09-1990", "", ""],
        ["", "", "Rudi", "L", "", "Anak Hilang", ""],
        ["", "", "Dewi", "P", (dt.date.today() + dt.timedelta(days=30)).strftime("%d-%m-%Y"), "", ""],
        ["6,30601E+15", "", "Ali", "L", "", "", ""],
        ["", "", "", "L", "", "", ""],
    ]
    assert run(db_file, str(write_csv(tmp_path / "rusak.csv", rows))) == 2
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert "  Baris 5, NIK: NIK harus 16 angka; yang diisi 15 angka." in lines
    assert ("  Baris 6, Tanggal lahir: Tanggal lahir di NIK (05-09-1990) tidak sama dengan tanggal lahir "
            "(06-09-1990).") in lines
    assert "  Baris 7, Kategori PPKS: Kategori PPKS tidak dikenal: Anak Hilang." in lines
    assert "  Baris 8, Tanggal lahir: Tanggal lahir tidak boleh di masa depan." in lines
    assert ("  Baris 9, NIK: NIK rusak karena diubah Excel menjadi angka; format kolom sebagai Teks lalu ketik "
            "ulang.") in lines
    assert "  Baris 10, Nama: Nama wajib diisi (paling sedikit 2 huruf)." in lines
    assert "Masalah (6 baris, 6 masalah):" in lines
    assert "Tidak ada yang diimpor: 6 baris bermasalah. Perbaiki baris itu di file" in captured.err
    assert clients(db_file) == 0


def test_dry_run_checks_only(tmp_path, capsys):
    db_file = tmp_path / "a.db"
    good = write_csv(tmp_path / "klien.csv", GOOD)
    assert run(db_file, str(good), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "3 baris data: 3 siap diimpor, 0 bermasalah, 0 dikecualikan." in out
    assert "Pemeriksaan saja (--dry-run): tidak ada yang disimpan." in out and "diimpor (" not in out
    assert clients(db_file) == 0
    bad = write_csv(tmp_path / "rusak.csv", GOOD + [["123", "", "Rina", "P", "", "", ""]])
    assert run(db_file, str(bad), "--dry-run") == 2
    assert "Baris 5, NIK: NIK harus 16 angka; yang diisi 3 angka." in capsys.readouterr().out


def test_same_nik_twice_in_a_file_is_reported_and_imported(tmp_path, capsys):
    db_file = tmp_path / "a.db"
    assert run(db_file, str(write_csv(tmp_path / "b.csv", GOOD[:1] + GOOD[:1]))) == 0
    out = capsys.readouterr().out
    assert "  Baris 3: NIK sama dengan baris 2." in out
    assert "tetap diimpor, periksa nanti di daftar Kemungkinan duplikat" in out
    assert clients(db_file) == 2


def test_importing_the_same_file_twice_does_not_register_everyone_twice(tmp_path, capsys):
    db_file = tmp_path / "a.db"
    first = write_csv(tmp_path / "a.csv", GOOD)
    assert run(db_file, str(first)) == 0
    capsys.readouterr()
    assert run(db_file, str(first)) == 2
    assert "NIK di 2 baris sudah terdaftar" in capsys.readouterr().err
    assert clients(db_file) == 3
    more = write_csv(tmp_path / "b.csv", GOOD[:1] + [
        ["6306015203850003", "6306010101200003", "Rahmah", "P", "12-03-1985", "Fakir Miskin", ""]])
    assert run(db_file, str(more), "--lewati-terdaftar") == 0
    out = capsys.readouterr().out
    assert "1 klien diimpor" in out and "1 baris dilewati karena NIK-nya sudah terdaftar." in out
    assert clients(db_file) == 4


def test_mapping_file_is_used_and_bad_mappings_create_nothing(tmp_path, capsys):
    db_file = tmp_path / "a.db"
    data = write_csv(tmp_path / "lama.csv", [["Siti Aminah", "05/09/1990", "Perempuan"]],
                     headers=["Nama Penerima Bantuan", "Lahir", "Kelamin Ybs"])
    mapping = tmp_path / "pemetaan.json"
    mapping.write_text(json.dumps({"Nama Penerima Bantuan": "name", "Lahir": "birth_date", "Kelamin Ybs": "sex"}))
    assert run(db_file, str(data), "--mapping", str(mapping)) == 0
    out = capsys.readouterr().out
    assert f"Pemetaan kolom (dari {mapping}):" in out and "Lahir                  -> birth_date" in out
    assert "1 klien diimpor (0 keluarga baru)." in out

    other = tmp_path / "b.db"
    mapping.write_text(json.dumps({"Nama Penerima Bantuan": "nama", "Lahir": "tgl"}))
    assert run(other, str(data), "--mapping", str(mapping)) == 2
    err = capsys.readouterr().err
    assert "Isian tidak dikenal di pemetaan kolom: 'nama', 'tgl'." in err and "birth_date" in err
    assert not other.exists()  # the mapping is checked before the database is opened
    mapping.write_text(json.dumps({"Nama": "name"}))
    assert run(other, str(data), "--mapping", str(mapping)) == 2
    assert "Kolom 'Nama' tidak ada di lama.csv." in capsys.readouterr().err


def test_a_file_without_a_name_column_is_refused(tmp_path, capsys):
    data = write_csv(tmp_path / "x.csv", [["a", "b"]], headers=["Kolom1", "Kolom2"])
    assert run(tmp_path / "a.db", str(data)) == 2
    assert "Belum ada kolom untuk Nama." in capsys.readouterr().err


def test_long_reports_are_capped(tmp_path, capsys):
    rows = [[f"{i}", "", f"Klien {i}", "L", "", "", ""] for i in range(60)]
    assert run(tmp_path / "a.db", str(write_csv(tmp_path / "x.csv", rows))) == 2
    out = capsys.readouterr().out
    assert out.count("  Baris ") == 50 and "Masalah (60 baris, 60 masalah):" in out
    assert "  … dan 10 masalah lain." in out


def test_missing_file_exits_2_and_creates_nothing(tmp_path, capsys):
    home = tmp_path / "home"
    assert main(["--data-dir", str(home), "client", "import", str(tmp_path / "tidak-ada.xlsx")]) == 2
    assert "tidak ditemukan" in capsys.readouterr().err
    assert not home.exists()


def test_xlsx_import(tmp_path, capsys):
    path = tmp_path / "klien.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["NIK", "Nama Lengkap", "L/P", "Tgl Lahir"])
    book.active.append([6306014509900001, "Siti Aminah", "P", dt.date(1990, 9, 5)])
    book.save(path)
    db_file = tmp_path / "a.db"
    assert run(db_file, str(path)) == 0
    out = capsys.readouterr().out
    assert "Berkas: klien.xlsx (lembar Sheet), 1 baris data; judul kolom di baris 1." in out
    assert "1 klien diimpor (0 keluarga baru)." in out
    con = sqlite3.connect(db_file)
    assert con.execute("SELECT nik, birth_date FROM client").fetchone() == ("6306014509900001", "1990-09-05")
    con.close()
