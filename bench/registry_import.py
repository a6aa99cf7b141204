"""Client import of a 10,000-row spreadsheet (issue 3 target: <= 20 s), against openpyxl reading it alone.

`measure(rows)` writes a realistic XLSX (a Dinas Sosial's PPKS list: demo-generator names, NIKs that match
sex and birth date, households of 1-4 members sharing a No. KK, desa and kecamatan by name, labels and
the old spelling 'Terlantar'), imports it with read_table + preview + commit into a fresh SQLite
database, and returns the timings. `existing` first fills the database with that many demo clients, so
the duplicate check has a registry to search.

    python -m bench.registry_import [--rows 10000] [--existing 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.models import Client, Household, Wilayah
from atensi_desktop.paths import resolve_paths
from atensi_desktop.refdata import ref_list
from atensi_desktop.services.client_import import commit, guess_mapping, preview, read_table
from atensi_desktop.services.demo import _Maker, generate_demo
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.services.wilayah import load_demo_region
from bench.common import RESULTS, write_json

CACHE = RESULTS / "cache"

TARGET_S = 20.0
HEADERS = ("No", "NIK", "No KK", "Nama Lengkap", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir", "Alamat",
           "RT", "RW", "Kecamatan", "Desa/Kelurahan", "Agama", "Pendidikan", "Status Perkawinan",
           "Hubungan dalam Keluarga", "Jenis PPKS", "Desil", "No HP")
_PPKS_BY_AGE = ((5, "Anak Balita Terlantar"), (17, "Anak Terlantar"), (59, "Fakir Miskin"),
                (200, "Lanjut Usia Terlantar"))


def write_xlsx(path: Path, rows: int, places: list[tuple[str, str, str]], *, seed: int = 1,
               today: dt.date | None = None) -> None:
    """A spreadsheet like an office's PPKS list; `places` are (desa code, kecamatan name, desa name)."""
    import openpyxl

    today = today or dt.date.today()
    maker = _Maker(seed, [code for code, _k, _d in places], today)
    rng = maker.rng
    by_code = {code: (kec, desa) for code, kec, desa in places}
    labels = {name: ref_list(name) for name in ("religions", "marital_status", "family_relations")}
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Data PPKS")
    sheet.append(["DATA PPKS DINAS SOSIAL (contoh untuk uji kecepatan)"])
    sheet.append([])
    sheet.append(list(HEADERS))
    written = 0
    while written < rows:
        desa = rng.choice(places)[0]
        no_kk = maker.no_kk(desa)
        address = maker.address()
        street, rt_rw = address.split(" RT ")
        rt, rw = rt_rw.split(" RW ")
        for member in range(min(rows - written, rng.choice((1, 1, 2, 2, 3, 4)))):
            sex = "L" if rng.random() < 0.5 else "P"
            birth = maker.birth(0, 90) if member else maker.birth(25, 90)
            age = (today - birth).days // 365
            relation = "kepala_keluarga" if member == 0 else rng.choice(["istri", "anak", "anak", "orang_tua"])
            marital = "belum_kawin" if age < 18 else rng.choice(["kawin", "kawin", "cerai_mati", "belum_kawin"])
            ppks = next(label for limit, label in _PPKS_BY_AGE if age <= limit)
            kec, desa_name = by_code[desa]
            written += 1
            sheet.append([
                written, maker.nik(desa, birth, sex) if age >= 17 or rng.random() < 0.6 else None, no_kk,
                maker.name(sex), "Laki-laki" if sex == "L" else "Perempuan",
                rng.choice(maker.names["birth_places"]), birth, street, int(rt), int(rw), kec, desa_name,
                labels["religions"].label(rng.choices(["islam", "kristen", "katolik", "hindu"], [92, 4, 2, 2])[0]),
                rng.choice(["SD", "SMP", "SLTA/Sederajat", "Tidak/Belum Sekolah"]) if age >= 7
                else "Tidak/Belum Sekolah",
                labels["marital_status"].label(marital), labels["family_relations"].label(relation), ppks,
                rng.randint(1, 5), f"08{rng.randint(11, 59)}{rng.randint(10_000_000, 99_999_999)}"
                if rng.random() < 0.5 else None,
            ])
    book.save(path)


def _openpyxl_alone(path: Path) -> float:
    import openpyxl

    started = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for _row in book.worksheets[0].iter_rows(values_only=True):
        pass
    book.close()
    return time.perf_counter() - started


def _places(db) -> list[tuple[str, str, str]]:
    """Desa of Hulu Sungai Selatan whose name is unique there (so the name finds the code)."""
    with db.session() as s:
        kec = dict(s.execute(select(Wilayah.code, Wilayah.name).where(Wilayah.level == 3,
                                                                       Wilayah.code.like("63.06.%"))).all())
        desa = s.execute(select(Wilayah.code, Wilayah.name).where(Wilayah.level == 4,
                                                                   Wilayah.code.like("63.06.%"))).all()
    return [(code, kec[code[:8]], name) for code, name in desa]


def measure(rows: int = 10_000, *, existing: int = 0, seed: int = 1, demo_size: int = 0) -> dict:
    """`demo_size`: import into a copy of the cached `init --demo` database of that size (bench/registry.py,
    e.g. 1,000,000 clients) instead of a new database (`existing` is then ignored)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE if demo_size else None, prefix="import-") as tmp:
        paths = resolve_paths(Path(tmp) / "home").ensure()
        if demo_size:
            from bench.registry import demo_database

            source = demo_database(demo_size, 1)
            shutil.copyfile(source, Path(tmp) / "demo.db")
            db = open_database(f"sqlite:///{Path(tmp) / 'demo.db'}", paths)
        else:
            db = open_database(paths.default_db_url, paths)
        try:
            if demo_size:
                with db.session() as s:
                    existing = s.scalar(select(func.count()).select_from(Client))
            else:
                setup_installation(db, OfficeInput(name="Dinas Sosial Kabupaten Hulu Sungai Selatan",
                                                   office_type="dinas_sosial", code="DSHSS", wilayah_code="63.06"))
                load_demo_region(db)
            if existing and not demo_size:
                generate_demo(db, existing, seed=seed + 1)
            xlsx = Path(tmp) / "klien.xlsx"
            started = time.perf_counter()
            write_xlsx(xlsx, rows, _places(db), seed=seed)
            write_s = time.perf_counter() - started
            xlsx_bytes = xlsx.stat().st_size
            baseline = _openpyxl_alone(xlsx)

            t0 = time.perf_counter()
            table = read_table(xlsx)
            t1 = time.perf_counter()
            pv = preview(db, table, guess_mapping(table.headers))
            t2 = time.perf_counter()
            problems = len(pv.problems)
            if problems:
                raise SystemExit(f"benchmark file has {problems} problems, e.g. {pv.problems[0]}")
            result = commit(db, pv)
            t3 = time.perf_counter()
            with db.session() as s:
                clients = s.scalar(select(func.count()).select_from(Client))
                households = s.scalar(select(func.count()).select_from(Household))
        finally:
            db.dispose()
    total = t3 - t0
    return {
        "rows": rows, "existing_clients": existing, "xlsx_bytes": xlsx_bytes,
        "write_xlsx_s": write_s, "read_s": t1 - t0, "preview_s": t2 - t1, "commit_s": t3 - t2, "total_s": total,
        "openpyxl_read_alone_s": baseline, "ratio_total_to_openpyxl": total / baseline,
        "rows_per_s": rows / total, "target_s": TARGET_S, "within_target": total <= TARGET_S,
        "clients_imported": result.clients, "households_new": result.households_new,
        "duplicates_flagged": result.duplicates, "fuzzy_checked": pv.fuzzy_checked,
        "clients_in_db": clients, "households_in_db": households,
    }


def print_result(r: dict) -> None:
    print(f"\nImport {r['rows']:,} XLSX rows (database with {r['existing_clients']:,} clients before)")
    print("-" * 64)
    for key, label in (("read_s", "read_table (openpyxl + cells)"), ("preview_s", "preview (convert, validate, dup.)"),
                       ("commit_s", "commit (bulk_insert, one transaction)"), ("total_s", "total")):
        print(f"{label:<40} {r[key]:7.2f} s")
    print(f"{'openpyxl reading the file alone':<40} {r['openpyxl_read_alone_s']:7.2f} s")
    print(f"{'ratio total / openpyxl alone':<40} {r['ratio_total_to_openpyxl']:7.1f} x")
    print(f"{'target':<40} {r['target_s']:7.1f} s  -> {'OK' if r['within_target'] else 'MISSED'}")
    print(f"imported {r['clients_imported']:,} clients, {r['households_new']:,} new households; "
          f"{r['duplicates_flagged']:,} rows flagged as likely duplicates (fuzzy check: {r['fuzzy_checked']})")


def run(rows: int = 10_000, *, existing: int = 0, demo_sizes: list[int] | None = None) -> dict:
    """Import into a new database (with `existing` demo clients) and into each cached demo database."""
    results = [measure(rows, existing=existing)]
    print_result(results[-1])
    for size in demo_sizes or ():
        results.append(measure(rows, demo_size=size))
        print_result(results[-1])
    data = {"results": results}
    write_json("registry_import", data)
    return data


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.registry_import")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--existing", type=int, default=0, help="demo clients in the database first")
    parser.add_argument("--demo-size", type=int, default=0,
                        help="import into a copy of the cached init --demo database of this size")
    args = parser.parse_args()
    print_result(measure(args.rows, existing=args.existing, demo_size=args.demo_size))
