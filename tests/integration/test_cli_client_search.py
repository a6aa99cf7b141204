"""`client search`, `client show` and `client export` end to end, in process (atensi_desktop.cli.main)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import openpyxl
import pytest

from atensi_desktop.cli import main


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """One database with an office and 250 demo clients, shared by the tests that only read it."""
    db_file = tmp_path_factory.mktemp("cli-search") / "demo.db"
    assert main(["--db", f"sqlite:///{db_file}", "init", "--office", "Dinas Sosial Kabupaten Hulu Sungai Selatan",
                 "--kode-wilayah", "63.06", "--demo", "250", "--seed", "3"]) == 0
    return db_file


def run(db_file: Path, *argv: str) -> int:
    return main(["--db", f"sqlite:///{db_file}", *argv])


def _people(db_file: Path, sql: str, *params) -> list[tuple]:
    import sqlite3

    con = sqlite3.connect(db_file)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_search_prints_one_line_per_client_with_the_nik_masked(demo_db, capsys):
    capsys.readouterr()
    name, nik = _people(demo_db, "SELECT name, nik FROM client WHERE nik IS NOT NULL ORDER BY name LIMIT 1")[0]
    word = name.split()[0]
    assert run(demo_db, "client", "search", word.upper(), "--limit", "3") == 0
    lines = capsys.readouterr().out.splitlines()
    assert 1 <= len(lines) <= 3
    for line in lines:
        cid, display, found_name, masked, birth, _desa = line.split("\t")
        uuid.UUID(cid)
        assert display.startswith("DSKHSS-") and word.lower() in found_name.lower()
        assert masked == "-" or (masked[:6].isdigit() and masked[6:] == "*" * 10)
        assert birth == "-" or dt.datetime.strptime(birth, "%d-%m-%Y")
    assert nik not in "\n".join(lines)
    assert run(demo_db, "client", "search", nik[:12]) == 0
    out = capsys.readouterr().out
    assert nik[:6] + "*" * 10 in out and nik not in out


def test_search_json_has_the_same_fields_nik_masked_too(demo_db, capsys):
    capsys.readouterr()
    nik, name = _people(demo_db, "SELECT nik, name FROM client WHERE nik IS NOT NULL LIMIT 1")[0]
    assert run(demo_db, "client", "search", nik, "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == [name]
    assert set(rows[0]) == {"id", "display_id", "name", "nik", "birth_date", "desa"}
    assert rows[0]["nik"] == nik[:6] + "*" * 10 and rows[0]["desa"]
    dt.date.fromisoformat(rows[0]["birth_date"])


def test_search_without_a_match_says_so_and_succeeds(demo_db, capsys):
    capsys.readouterr()
    assert run(demo_db, "client", "search", "Qwertyuiop") == 0
    assert capsys.readouterr().out == "Tidak ada klien yang cocok dengan 'Qwertyuiop'.\n"
    assert run(demo_db, "client", "search", "Qwertyuiop", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    assert run(demo_db, "client", "search", "Nur'ainiyyah Qwerty") == 0
    assert capsys.readouterr().out == "Tidak ada klien yang cocok dengan 'Nur'ainiyyah Qwerty'.\n"


@pytest.mark.parametrize("argv, message", [
    (("client", "search", "  "), "Kata pencarian kosong"),
    (("client", "search", "siti", "--limit", "0"), "--limit harus 1 atau lebih"),
    (("client", "show", "DSKHSS-ZZZZZZ"), "tidak ditemukan"),
    (("client", "export", "klien.csv"), "berakhiran .xlsx"),
    (("client", "export", "x.xlsx", "--kelompok-umur", "bayi"), "anak, dewasa, lansia"),
    (("client", "export", "x.xlsx", "--klaster", "astronot"), "--klaster tidak dikenal"),
    (("client", "export", "x.xlsx", "--wilayah", "99.99.99.99.9"), "Kode wilayah tidak sah"),
    (("client", "export", "x.xlsx", "--pendamping", "budi"), "--pendamping harus id"),
])
def test_bad_input_is_one_line_exit_2(demo_db, capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert run(demo_db, *argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not list(tmp_path.iterdir())


def test_show_by_display_id_or_uuid_with_labels_household_desa_and_cases(demo_db, capsys):
    cid, display = _people(demo_db, """SELECT c.id, c.display_id FROM client c JOIN client_case k ON k.client_id = c.id
                                        WHERE c.nik IS NOT NULL AND c.household_id IS NOT NULL LIMIT 1""")[0]
    nik, no_kk = _people(demo_db, "SELECT c.nik, h.no_kk FROM client c JOIN household h ON h.id = c.household_id "
                                  "WHERE c.id = ?", cid)[0]
    capsys.readouterr()
    assert run(demo_db, "client", "show", display.lower()) == 0
    out = capsys.readouterr().out
    assert f"NIK                              {nik}" in out  # the record itself: the full NIK
    assert "No. KK" in out and no_kk in out and "Kabupaten Hulu Sungai Selatan, Kalimantan Selatan" in out
    assert "Status                           aktif" in out and "Kasus" in out and "dibuka" in out
    assert "Jenis kelamin" in out and ("Perempuan" in out or "Laki-laki" in out)
    assert run(demo_db, "client", "show", str(uuid.UUID(bytes=cid)), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["display_id"] == display and data["nik"] == nik and data["household_no_kk"] == no_kk
    assert data["status"] == "aktif" and data["cases"] and data["cases"][0]["stage_label"]
    assert data["labels"]["cluster"] and data["wilayah_name"].endswith("Kalimantan Selatan")


def test_show_archived_and_merged_and_an_ambiguous_display_id(tmp_path, capsys):
    from atensi_desktop.app_context import open_app
    from atensi_desktop.db.models import Client
    from atensi_desktop.services import clients as svc

    db_file = tmp_path / "x.db"
    ctx = open_app(f"sqlite:///{db_file}", str(tmp_path / "home"))
    try:
        a = svc.create_client(ctx.db, {"name": "Siti Aminah", "sex": "P"})
        b = svc.create_client(ctx.db, {"name": "Sitti Aminah", "sex": "P"})
        c = svc.create_client(ctx.db, {"name": "Budi", "sex": "L"})
        svc.archive_client(ctx.db, c.id)
        with ctx.db.session() as s:
            s.get(Client, b.id).merged_into = a.id
            s.get(Client, c.id).display_id = a.display_id
    finally:
        ctx.close()
    capsys.readouterr()
    assert run(db_file, "client", "show", str(b.id)) == 0
    assert f"digabung ke {a.display_id} ({a.id})" in capsys.readouterr().out
    assert run(db_file, "client", "show", str(c.id), "--json") == 0
    assert json.loads(capsys.readouterr().out)["status"] == "diarsipkan"
    assert run(db_file, "client", "show", a.display_id) == 2
    err = capsys.readouterr().err
    assert "dipakai 2 klien" in err and str(a.id) in err and str(c.id) in err and len(err.splitlines()) == 1
    assert run(db_file, "client", "search", "aminah") == 0  # the merged record is not listed
    assert capsys.readouterr().out.count("\n") == 1


def _read_xlsx(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    try:
        return [tuple(c for c in row) for row in wb.active.iter_rows()]
    finally:
        wb.close()


def test_export_writes_the_filtered_list_as_xlsx(demo_db, tmp_path, capsys):
    expected = _people(demo_db, """SELECT display_id, nik, birth_date FROM client
                                   WHERE cluster = 'lanjut_usia' AND sex = 'P' ORDER BY name_norm, id""")
    target = tmp_path / "lansia perempuan.xlsx"
    capsys.readouterr()
    assert run(demo_db, "client", "export", str(target), "--klaster", "lanjut_usia", "--jenis-kelamin", "P") == 0
    assert capsys.readouterr().out == f"{len(expected)} klien diekspor ke {target}.\n"
    rows = _read_xlsx(target)
    header, body = rows[0], rows[1:]
    assert header[0].value == "ID klien" and all(c.font.b for c in header)
    assert [(r[0].value, r[3].value) for r in body] == [(d, n) for d, n, _ in expected]
    nik_cell, birth_cell = body[0][3], body[0][7]
    assert nik_cell.data_type == "s" and nik_cell.number_format == "@"  # text: never 6,30601E+15
    assert birth_cell.is_date and birth_cell.value.date() == dt.date.fromisoformat(expected[0][2])
    assert all(r[12].value == "Lanjut Usia" for r in body)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temp file left
    assert (target.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_export_filters_match_the_engine_and_search_text(demo_db, tmp_path):
    from atensi_desktop.app_context import open_app
    from atensi_desktop.services.clients import ClientQuery, count_clients

    ctx = open_app(f"sqlite:///{demo_db}", str(tmp_path / "home"))
    try:
        wanted = count_clients(ctx.db, ClientQuery(text="a", wilayah="63.06.01", age_group="dewasa"))
        kecamatan_only = count_clients(ctx.db, ClientQuery(wilayah="63.06.01"))
    finally:
        ctx.close()
    target = tmp_path / "x.xlsx"
    assert run(demo_db, "client", "export", str(target), "--cari", "a", "--wilayah", "630601",
               "--kelompok-umur", "dewasa") == 0
    assert len(_read_xlsx(target)) - 1 == wanted < kecamatan_only


def test_export_to_a_missing_folder_or_a_folder_name_writes_nothing(demo_db, tmp_path, capsys):
    capsys.readouterr()
    assert run(demo_db, "client", "export", str(tmp_path / "tidak-ada" / "x.xlsx")) == 2
    assert "tidak ada" in capsys.readouterr().err
    (tmp_path / "dir.xlsx").mkdir()
    assert run(demo_db, "client", "export", str(tmp_path / "dir.xlsx")) == 2
    assert "adalah folder" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["dir.xlsx"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_export_into_a_read_only_folder_is_refused(demo_db, tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert run(demo_db, "client", "export", str(folder / "x.xlsx")) == 2
        assert "izin" in capsys.readouterr().err
        assert not list(folder.iterdir())
    finally:
        folder.chmod(0o700)


def test_a_failing_write_leaves_no_partial_file_and_keeps_the_old_one(demo_db, tmp_path, capsys, monkeypatch):
    target = tmp_path / "klien.xlsx"
    target.write_bytes(b"old export")

    def disk_full(self, filename):
        Path(filename).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", disk_full)
    capsys.readouterr()
    assert run(demo_db, "client", "export", str(target)) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and len(err.splitlines()) == 1
    assert target.read_bytes() == b"old export"
    assert [p.name for p in tmp_path.iterdir()] == ["klien.xlsx"]


@pytest.mark.skipif(shutil.which("libreoffice") is None and shutil.which("soffice") is None,
                    reason="LibreOffice is not installed")
def test_libreoffice_opens_the_export(demo_db, tmp_path):  # pragma: no cover - needs LibreOffice
    target = tmp_path / "x.xlsx"
    assert run(demo_db, "client", "export", str(target), "--klaster", "anak") == 0
    office = shutil.which("libreoffice") or shutil.which("soffice")
    subprocess.run([office, "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(target)],
                   check=True, capture_output=True, timeout=120)
    text = (tmp_path / "x.csv").read_text(encoding="utf-8", errors="replace")
    assert "E+" not in text and "ID klien" in text


def test_an_unwritable_folder_is_refused_even_for_root(demo_db, tmp_path, capsys, monkeypatch):
    import tempfile

    def refused(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    capsys.readouterr()
    assert run(demo_db, "client", "export", str(tmp_path / "x.xlsx")) == 2
    err = capsys.readouterr().err
    assert "Tidak bisa menulis" in err and "Permission denied" in err and len(err.splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_a_big_export_shows_progress_on_a_terminal(demo_db, tmp_path, capsys, monkeypatch):
    import sys

    from atensi_desktop import cli_client_search

    monkeypatch.setattr(cli_client_search, "_EXPORT_PROGRESS_FROM", 100)
    capsys.readouterr()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert run(demo_db, "client", "export", str(tmp_path / "x.xlsx")) == 0
    err = capsys.readouterr().err
    assert "Mengekspor klien: 250/250" in err and err.endswith("\n")
