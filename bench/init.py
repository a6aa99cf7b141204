"""`init --demo N` (default 100,000): time and database size, against raw sqlite3 inserts of the same rows."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from atensi_desktop.sync.ids import uuid7
from bench.common import print_table, timed_run, write_json


def _id() -> bytes:
    return uuid7().bytes  # the same time-ordered ids the app uses, so index locality is comparable


def _raw_baseline(path: Path, counts: dict[str, int]) -> float:
    """The floor: plain sqlite3 executemany of as many rows of each kind (clients, households, cases and
    field versions, with the same indexes), no ORM, no validation, no clock, one transaction."""
    started = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.executescript("""
        CREATE TABLE c(id BLOB PRIMARY KEY, name TEXT, name_norm TEXT, nik TEXT, sex TEXT, birth TEXT, desa TEXT,
                       hh BLOB, address TEXT, cluster TEXT, cats TEXT);
        CREATE INDEX c_name ON c(name_norm); CREATE INDEX c_nik ON c(nik); CREATE INDEX c_desa ON c(desa);
        CREATE INDEX c_hh ON c(hh); CREATE INDEX c_cluster ON c(cluster);
        CREATE TABLE h(id BLOB PRIMARY KEY, kk TEXT, address TEXT, desa TEXT);
        CREATE INDEX h_kk ON h(kk);
        CREATE TABLE k(id BLOB PRIMARY KEY, client BLOB, stage TEXT, opened TEXT, worker BLOB);
        CREATE INDEX k_client ON k(client); CREATE INDEX k_stage ON k(stage);
        CREATE TABLE v(site INT, seq INT, tbl TEXT, rid BLOB, col TEXT, hlc INT, val TEXT, parents TEXT,
                       PRIMARY KEY(site, seq)) WITHOUT ROWID;
        CREATE INDEX v_reg ON v(rid, col);
    """)
    with con:
        con.executemany("INSERT INTO c VALUES (?,?,?,?,?,?,?,?,?,?,?)", (
            (_id(), f"Nama Klien {i}", f"nama klien {i}", f"630601{i:010d}", "L", "1980-01-01",
             "63.06.01.2001", _id(), "Jl. Ahmad Yani No. 1 RT 001 RW 001", "lanjut_usia",
             '["lanjut_usia_telantar"]') for i in range(counts["clients"])))
        con.executemany("INSERT INTO h VALUES (?,?,?,?)", (
            (_id(), f"630601010120{i:04d}", "Jl. Kamboja No. 2", "63.06.01.2001")
            for i in range(counts["households"])))
        con.executemany("INSERT INTO k VALUES (?,?,?,?,?)", (
            (_id(), _id(), "asesmen", "2026-01-01", _id())
            for i in range(counts["cases"])))
        con.executemany("INSERT INTO v VALUES (?,?,?,?,?,?,?,?)", (
            (1, i, "client", _id(), "name", 1 << 40, '"Nama Klien"', None)
            for i in range(counts["versions"])))
    con.close()
    return time.perf_counter() - started


def run(clients: int = 100_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, ATENSI_HOME=tmp)
        env.pop("ATENSI_DB", None)
        db_file = Path(tmp) / "bench.db"
        took = timed_run([sys.executable, "-m", "atensi_desktop", "--db", f"sqlite:///{db_file}", "init",
                          "--office", "Dinas Sosial Kabupaten Hulu Sungai Selatan", "--kode-wilayah", "63.06",
                          "--demo", str(clients)], env=env)
        size = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
        con = sqlite3.connect(db_file)
        counts = {name: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for name, table in (
            ("clients", "client"), ("households", "household"), ("cases", "client_case"), ("versions", "version"))}
        con.close()
        versions = counts["versions"]
        baseline = _raw_baseline(Path(tmp) / "raw.db", counts)
    result = {"clients": clients, "init_demo_s": took, "db_bytes": size, "versions": versions,
              "raw_sqlite_insert_s": baseline, "ratio": took / baseline, "rows": counts,
              "clients_per_s": clients / took}
    print_table(f"init --demo {clients:,}", [
        ("init --demo (process, incl. schema)", f"{took:.1f} s ({result['clients_per_s']:,.0f} clients/s)"),
        ("database size", f"{size / 1e6:.1f} MB ({size / clients:.0f} B/client)"),
        ("field versions written", f"{versions:,}"),
        ("raw sqlite3 executemany of the same rows (baseline)", f"{baseline:.1f} s"),
        ("ratio init / baseline", f"{result['ratio']:.1f}x"),
    ])
    write_json("init", result)
    return result
