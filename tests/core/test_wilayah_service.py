"""Region list service: import (CSV and the cahyadsn/wilayah SQL dump), lookups, NIK region report.

Runs on SQLite, and on PostgreSQL too when ATENSI_TEST_PG_URL is set (the `db` fixture, conftest.py).
"""

from __future__ import annotations

import csv
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from atensi_desktop.db.engine import Database, read_meta
from atensi_desktop.db.models import Meta, Wilayah
from atensi_desktop.errors import Cancelled, UserError
from atensi_desktop.progress import Progress
from atensi_desktop.services import wilayah as svc

FULL_LIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wilayah" / "wilayah-2025.csv"
DEMO_ROWS = 2186
TODAY = date(2026, 11, 23)


def wilayah_rows(db: Database) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Wilayah)) or 0


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def assert_untouched(db: Database) -> None:
    assert svc.counts(db) == {1: 38, 2: 0, 3: 0, 4: 0}
    with db.session() as s:
        assert read_meta(s, "wilayah_source") is None


# ------------------------------------------------------------------------------------------ import


def test_fresh_database_has_the_provinces(db: Database) -> None:
    assert svc.counts(db) == {1: 38, 2: 0, 3: 0, 4: 0}
    provinces = svc.children(db, None)
    assert len(provinces) == 38
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert {"65", "92", "93", "94", "95", "96"} <= {p.code for p in provinces}


def test_import_demo_csv(db: Database) -> None:
    steps: list[tuple[int, int]] = []
    progress = Progress(on_update=lambda done, total, _msg: steps.append((done, total)))
    result = svc.load_demo_region(db, progress=progress)
    assert result.total == DEMO_ROWS
    assert result.per_level == {1: 1, 2: 13, 3: 156, 4: 2016}
    assert result.inserted == DEMO_ROWS - 1  # the province was already there
    assert result.updated == 0 and result.unchanged == 1
    assert svc.counts(db) == {1: 38, 2: 13, 3: 156, 4: 2016}
    assert steps[-1] == (DEMO_ROWS - 1, DEMO_ROWS - 1)
    with db.session() as s:
        source = read_meta(s, "wilayah_source")
    assert source == f"wilayah-kalsel.csv ({DEMO_ROWS} kode, {date.today().isoformat()})"

    again = svc.load_demo_region(db)
    assert (again.total, again.inserted, again.updated) == (DEMO_ROWS, 0, 0)
    assert wilayah_rows(db) == 38 + DEMO_ROWS - 1


def test_lookups_after_demo_import(db: Database) -> None:
    svc.load_demo_region(db)
    hamalau = svc.get(db, "6306012001")
    assert hamalau == svc.WilayahDTO("63.06.01.2001", "Hamalau", 4, "63.06.01")
    assert svc.get(db, "63.06.01.2999") is None
    assert svc.get(db, "not a code") is None
    assert svc.exists(db, "63 06") and not svc.exists(db, "63.99") and not svc.exists(db, "x")

    kab = svc.children(db, "63")
    assert len(kab) == 13 and kab[0].code == "63.01" and kab[-1].name == "Kota Banjarbaru"
    kec = svc.children(db, "63.06")
    assert [k.code for k in kec] == [f"63.06.{i:02d}" for i in range(1, 12)]
    assert kec[0].name == "Sungai Raya"
    assert svc.children(db, "63.06.01.2001") == []
    assert svc.children(db, "rubbish") == []

    assert svc.full_name(db, "63.06.01.2001") == (
        "Hamalau, Kec. Sungai Raya, Kabupaten Hulu Sungai Selatan, Kalimantan Selatan"
    )
    assert svc.full_name(db, "63.06.05") == "Kec. Kandangan, Kabupaten Hulu Sungai Selatan, Kalimantan Selatan"
    assert svc.full_name(db, "63") == "Kalimantan Selatan"
    assert svc.full_name(db, "63.06.01.2999") == (
        "63.06.01.2999, Kec. Sungai Raya, Kabupaten Hulu Sungai Selatan, Kalimantan Selatan"
    )
    assert svc.full_name(db, "33.73.04") == "33.73.04, Jawa Tengah"

    names = svc.names_for(db, ["63.06", "6306012001", "63.99", "junk", "63.06"])
    assert names == {"63.06": "Kabupaten Hulu Sungai Selatan", "6306012001": "Hamalau"}
    assert svc.names_for(db, []) == {}


def test_search(db: Database) -> None:
    svc.load_demo_region(db)
    found = svc.search(db, "kandangan")
    assert found[0].code == "63.06.05"  # the kecamatan named exactly so comes first
    assert {w.name for w in found} == {
        "Kandangan",
        "Kandangan Kota",
        "Kandangan Utara",
        "Kandangan Barat",
        "Kandangan Baru",
        "Kandangan Lama",
    }
    assert [w.code for w in svc.search(db, "KANDANGAN", level=3)] == ["63.06.05"]
    within = svc.search(db, "kandangan", within="63.06.05")
    assert {w.code for w in within} == {"63.06.05.1001", "63.06.05.1002", "63.06.05.1003"}
    # a word inside the name matches too, not only the start of the name
    assert "Sungai Raya Utara" in {w.name for w in svc.search(db, "raya", within="63.06.01")}
    assert svc.search(db, "andangan") == []
    assert len(svc.search(db, "sungai", limit=5)) == 5
    assert svc.search(db, "") == [] and svc.search(db, "  ,, ") == []

    by_code = svc.search(db, "63.06.01", limit=3)
    assert [w.code for w in by_code] == ["63.06.01", "63.06.01.2001", "63.06.01.2002"]
    assert [w.code for w in svc.search(db, "630601", limit=2)] == ["63.06.01", "63.06.01.2001"]
    assert [w.code for w in svc.search(db, "63", level=2, limit=2)] == ["63.01", "63.02"]


def test_nik_report(db: Database) -> None:
    report = svc.nik_report(db, "6306015205900001", today=TODAY)
    assert report.check.valid and report.check.warnings == ()
    assert report.province_name == "Kalimantan Selatan"
    assert report.kabkota_name is None  # only provinces loaded: kab/kota not judged, nothing said

    svc.load_demo_region(db)
    report = svc.nik_report(db, "6306015205900001", today=TODAY)
    assert report.check.valid and report.check.warnings == ()
    assert (report.province_name, report.kabkota_name, report.kecamatan_name) == (
        "Kalimantan Selatan",
        "Kabupaten Hulu Sungai Selatan",
        "Sungai Raya",
    )
    assert report.check.birth_date == date(1990, 5, 12) and report.check.sex == "P"

    unknown_kab = svc.nik_report(db, "6399015205900001", today=TODAY)
    assert unknown_kab.check.valid
    assert unknown_kab.check.warnings == (
        "Kode wilayah 63.99 di NIK tidak ada dalam daftar wilayah yang dimuat; NIK tetap bisa dipakai "
        "karena mencatat wilayah pertama kali terdaftar.",
    )
    # Kalimantan Utara's kab/kota are not in the demo list: nothing is said about 65.71
    tarakan = svc.nik_report(db, "6571011708850003", today=TODAY)
    assert tarakan.check.valid and tarakan.check.warnings == ()
    assert tarakan.province_name == "Kalimantan Utara"

    no_province = svc.nik_report(db, "2071011708850003", today=TODAY)
    assert no_province.check.valid
    assert no_province.check.warnings and "Kode wilayah 20 " in no_province.check.warnings[0]

    invalid = svc.nik_report(db, "12345", today=TODAY)
    assert not invalid.check.valid and invalid.province_name is None


# -------------------------------------------------------------------------------- import: formats


def test_csv_variants(db: Database, tmp_path: Path) -> None:
    semicolon = write(
        tmp_path,
        "kalsel.csv",
        "\ufeffCode;Name\r\n63.06;Kabupaten Hulu Sungai Selatan\r\n\r\n6306;Kabupaten Hulu Sungai Selatan\r\n"
        '63.06.01;"Sungai  Raya "\r\n63 06 01 2001;Hamalau\r\n',
    )
    result = svc.import_wilayah(db, semicolon)
    assert (result.total, result.inserted, result.per_level) == (3, 3, {1: 0, 2: 1, 3: 1, 4: 1})
    assert svc.get(db, "63.06.01").name == "Sungai Raya"  # spaces tidied

    no_header_cp1252 = write(tmp_path, "daftar.txt", "63.06.01.2002,Telaga Bidadari\n63.06.01.2001,Hamalau Baru\n", "cp1252")
    result = svc.import_wilayah(db, no_header_cp1252)
    assert (result.inserted, result.updated) == (1, 1)
    hamalau = svc.get(db, "63.06.01.2001")
    assert hamalau.name == "Hamalau Baru"
    assert svc.search(db, "hamalau baru")[0].code == "63.06.01.2001"  # name_norm updated too

    quoted = write(tmp_path, "q.csv", 'kode,nama,keterangan\n12.07.28,Lubuk Pakam,x\n12.07,"Kab, Deli",y\n12.07.28.1007,"Lubuk Pakam I,II",z\n')
    assert svc.import_wilayah(db, quoted).inserted == 3
    assert svc.get(db, "12.07.28.1007").name == "Lubuk Pakam I,II"

    utf16 = tmp_path / "excel.txt"
    utf16.write_bytes("kode\tnama\n63.06.01.2003\tKarasikan\n".encode("utf-16"))
    assert svc.import_wilayah(db, utf16).inserted == 1


SQL_DUMP = """/*
 filename : db/wilayah.sql  -- a header like the cahyadsn/wilayah one; INSERT INTO wilayah VALUES ('99','x');
*/
--
-- Table structure for table wilayah
--
DROP TABLE IF EXISTS wilayah;
CREATE TABLE IF NOT EXISTS wilayah (
    kode varchar(13) NOT NULL,
    nama varchar(255) NOT NULL,
    PRIMARY KEY (kode)
);
CREATE INDEX wilayah_name_idx ON wilayah (nama);
INSERT INTO other_table (kode, nama) VALUES ('xx','not a region');
-- Provinsi ACEH
INSERT INTO wilayah (kode, nama)
VALUES
('11','Aceh'),
('11.01','Kabupaten Aceh Selatan'),
('11.01.02','Kluet Utara'),
('11.01.02.2018','Pasi Kuala Ba''u'),
('11.01.02.2019','Kedai \\'Padang\\''), -- a comment between tuples
('11.01.02.2020','Kota; Fajar (Baru)');
INSERT INTO `wilayah` (`nama`, `kode`) VALUES ('Sumatera Utara', '12'),('Kabupaten Deli Serdang','12.07');
"""


def test_sql_dump(db: Database, tmp_path: Path) -> None:
    result = svc.import_wilayah(db, write(tmp_path, "wilayah.sql", SQL_DUMP))
    assert result.total == 8
    assert result.per_level == {1: 2, 2: 2, 3: 1, 4: 3}
    assert (result.inserted, result.updated) == (6, 0)  # 11 and 12 are built in with the same names
    assert svc.get(db, "11.01.02.2018").name == "Pasi Kuala Ba'u"
    assert svc.get(db, "11.01.02.2019").name == "Kedai 'Padang'"
    assert svc.get(db, "11.01.02.2020").name == "Kota; Fajar (Baru)"
    assert svc.get(db, "12.07").name == "Kabupaten Deli Serdang"
    assert not svc.exists(db, "99")
    # the same dump without the .sql suffix is recognised by its content
    again = svc.import_wilayah(db, write(tmp_path, "wilayah.dump", SQL_DUMP))
    assert (again.total, again.inserted) == (8, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("INSERT INTO wilayah (kode, nama) VALUES\n('11.01','Aceh Selatan),\n('11.02','x');", "Baris 2: perintah INSERT tidak lengkap"),
        ("INSERT INTO wilayah (kode, nama) VALUES\n('11.01','Aceh Selatan')\n('11.02','x');", "Baris 3: perintah INSERT tidak lengkap"),
        ("INSERT INTO wilayah (kode, nama) VALUES ('11.01');", "Baris 1: diharapkan 2 nilai"),
        ("INSERT INTO wilayah (id, label) VALUES ('11.01', 'x');", "tidak memuat kolom kode dan nama"),
    ],
)
def test_broken_sql_dump(db: Database, tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        svc.import_wilayah(db, write(tmp_path, "rusak.sql", text))
    assert_untouched(db)


# ------------------------------------------------------------------------------ import: rejections


def test_malformed_csv_names_the_lines_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "rusak.csv",
        "kode,nama\n"
        "63.06,Kabupaten Hulu Sungai Selatan\n"  # line 2: fine
        "63.06.01,Sungai Raya\n"  # 3: fine
        "63.6.01,Padang Batung\n"  # 4: bad code
        "63.06.01.2001,\n"  # 5: missing name
        "63.06.12.2001,Desa Tanpa Kecamatan\n"  # 6: kecamatan 63.06.12 nowhere
        "63.06.01,Sungai Raya Lain\n"  # 7: same code, another name
        "63.06.01,Sungai Raya\n"  # 8: same code, same name: fine
        "63.06.01.5001,Pulau\n",  # 9: not kelurahan/desa/desa adat
    )
    with pytest.raises(UserError) as info:
        svc.import_wilayah(db, bad)
    message = info.value.message
    assert "Baris 4: kode '63.6.01' tidak sah (contoh: 63.06.01.2001)." in message
    assert "Baris 5: nama untuk kode 63.06.01.2001 kosong." in message
    assert "Baris 6: desa/kelurahan 63.06.12.2001 (Desa Tanpa Kecamatan) tidak punya induk: kecamatan 63.06.12" in message
    assert "Baris 7: kode 63.06.01 sudah ada di baris 3 dengan nama 'Sungai Raya', di sini 'Sungai Raya Lain'" in message
    assert "Baris 9: kode '63.06.01.5001' tidak sah" in message
    assert "Baris 8" not in message and "Baris 2" not in message
    lines = message.splitlines()
    assert lines[0] == "Berkas rusak.csv tidak bisa dimuat: ditemukan 5 masalah."
    assert [line.split(":")[0] for line in lines[1:]] == ["Baris 4", "Baris 5", "Baris 6", "Baris 7", "Baris 9"]
    assert "database belum diubah" in str(info.value)
    assert_untouched(db)


def test_parent_in_database_is_enough(db: Database, tmp_path: Path) -> None:
    svc.load_demo_region(db)
    result = svc.import_wilayah(db, write(tmp_path, "tambah.csv", "kode,nama\n63.06.01.2099,Desa Baru\n"))
    assert result.inserted == 1
    assert svc.full_name(db, "63.06.01.2099").startswith("Desa Baru, Kec. Sungai Raya")


def test_at_most_ten_problems_are_listed(db: Database, tmp_path: Path) -> None:
    text = "kode,nama\n" + "".join(f"63.6.{i:02d},Salah {i}\n" for i in range(1, 26))
    with pytest.raises(UserError) as info:
        svc.import_wilayah(db, write(tmp_path, "banyak.csv", text))
    lines = info.value.message.splitlines()
    assert lines[0].endswith("ditemukan 25 masalah.")
    assert len(lines) == 1 + 10 + 1
    assert lines[1].startswith("Baris 2:") and lines[10].startswith("Baris 11:")
    assert lines[-1] == "… dan 15 masalah lain."
    assert_untouched(db)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kosong.csv", "", "Berkas kosong.csv kosong."),
        ("spasi.csv", "  \n\n", "Berkas spasi.csv kosong."),
        ("judul.csv", "kode,nama\n", "tidak berisi satu pun kode wilayah"),
        ("judul.sql", "CREATE TABLE wilayah (kode varchar(13), nama varchar(255));", "tidak berisi satu pun kode"),
        ("lain.csv", "nomor,keterangan\n1,a\n", "Baris 1: baris judul harus berisi kolom kode dan nama"),
        ("tanpanama.csv", "kode,keterangan\n63.06,a\n", "Baris 1: baris judul tidak punya kolom 'nama'"),
    ],
)
def test_empty_or_unusable_files(db: Database, tmp_path: Path, name: str, content: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        svc.import_wilayah(db, write(tmp_path, name, content))
    assert_untouched(db)


def test_missing_file(db: Database, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="tidak ditemukan"):
        svc.import_wilayah(db, tmp_path / "tidak-ada.csv")


def test_cancel_rolls_back(db: Database) -> None:
    progress = Progress()
    progress.cancel()
    with pytest.raises(Cancelled):
        svc.load_demo_region(db, progress=progress)
    assert_untouched(db)


def test_cancel_midway_rolls_back_written_chunks(db: Database, tmp_path: Path) -> None:
    # 12,000 new desa under the built-in provinces' children: three chunks; cancel after the first.
    lines = ["kode,nama", "63.06,Kabupaten Hulu Sungai Selatan"]
    lines += [f"63.06.{k:02d},Kec {k}" for k in range(1, 13)]
    lines += [f"63.06.{k:02d}.{2000 + d},Desa {k}-{d}" for k in range(1, 13) for d in range(1, 1001)]
    path = write(tmp_path, "besar.csv", "\n".join(lines) + "\n")
    seen: list[int] = []

    def on_update(done: int, _total: int, _msg: str) -> None:
        seen.append(done)
        if done >= svc.CHUNK:
            progress.cancel()

    progress = Progress(on_update=on_update)
    with pytest.raises(Cancelled):
        svc.import_wilayah(db, path, progress=progress)
    assert svc.CHUNK in seen
    assert_untouched(db)
    with db.session() as s:
        assert s.get(Meta, "wilayah_source") is None


# ------------------------------------------------------------------------------- the full list


@pytest.mark.shared
@pytest.mark.slow
def test_full_kemendagri_list(db: Database, tmp_path: Path) -> None:
    if not FULL_LIST.is_file():
        pytest.skip("../shared is not present beside the repo: skipping the full Kemendagri list test")
    started = time.perf_counter()
    result = svc.import_wilayah(db, FULL_LIST)
    elapsed = time.perf_counter() - started
    print(f"\nfull Kemendagri list ({db.dialect}): {result.total} codes imported in {elapsed:.2f} s")
    assert result.total == 91_599
    assert result.per_level == {1: 38, 2: 514, 3: 7285, 4: 83762}
    assert result.inserted == 91_599 - 38
    assert svc.counts(db) == {1: 38, 2: 514, 3: 7285, 4: 83762}
    assert elapsed < 20, f"import took {elapsed:.1f} s"

    assert svc.full_name(db, "63.06.01.2001") == (
        "Hamalau, Kec. Sungai Raya, Kabupaten Hulu Sungai Selatan, Kalimantan Selatan"
    )
    assert svc.get(db, "12.07.28.1007").name == "Lubuk Pakam I,II"
    assert len(svc.children(db, "63.06")) == 11
    tarakan = svc.nik_report(db, "6571011708850003", today=TODAY)
    assert tarakan.check.valid and tarakan.check.warnings == ()
    assert tarakan.kabkota_name == "Kota Tarakan"
    # the same list as a cahyadsn-style wilayah.sql dump (one INSERT per province) changes nothing
    dump = tmp_path / "wilayah.sql"
    dump.write_text(_as_sql_dump(FULL_LIST), encoding="utf-8")
    started = time.perf_counter()
    again = svc.import_wilayah(db, dump)
    print(f"same list as wilayah.sql: {time.perf_counter() - started:.2f} s")
    assert (again.total, again.inserted, again.updated) == (91_599, 0, 0)


def _as_sql_dump(csv_path: Path) -> str:
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    out = ["CREATE TABLE IF NOT EXISTS wilayah (kode varchar(13) NOT NULL, nama varchar(255) NOT NULL);"]
    by_province: dict[str, list[str]] = {}
    for code, name in rows:
        by_province.setdefault(code[:2], []).append("('{}','{}')".format(code, name.replace("'", "''")))
    for province, values in by_province.items():
        out.append(f"-- Provinsi {province}\nINSERT INTO wilayah (kode, nama)\nVALUES\n" + ",\n".join(values) + ";")
    return "\n".join(out) + "\n"
