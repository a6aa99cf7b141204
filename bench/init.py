"""`init --demo N` (default 100,000): time and database size, against a raw sqlite3 insert of the same rows."""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench.common import print_table, timed_run, write_json


def _raw_baseline(path: Path, clients: int) -> float:
    """Plain sqlite3 executemany of as many client-sized rows, no versions, no ORM: the floor."""
    started = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE c(id BLOB PRIMARY KEY, name TEXT, nik TEXT, sex TEXT, birth TEXT, desa TEXT,"
                " address TEXT, cluster TEXT, cats TEXT)")
    con.execute("CREATE INDEX c_name ON c(name)")
    con.execute("CREATE INDEX c_nik ON c(nik)")
    rows = ((os.urandom(16), f"Nama Klien {i}", f"630601{i:010d}", "L", "1980-01-01", "63.06.01.2001",
             "Jl. Ahmad Yani No. 1 RT 001 RW 001", "lanjut_usia", '["lanjut_usia_telantar"]')
            for i in range(clients))
    with con:
        con.executemany("INSERT INTO c VALUES (?,?,?,?,?,?,?,?,?)", rows)
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
        versions = con.execute("SELECT count(*) FROM version").fetchone()[0]
        con.close()
        baseline = _raw_baseline(Path(tmp) / "raw.db", clients)
    result = {"clients": clients, "init_demo_s": took, "db_bytes": size, "versions": versions,
              "raw_sqlite_insert_s": baseline, "ratio": took / baseline,
              "clients_per_s": clients / took}
    print_table(f"init --demo {clients:,}", [
        ("init --demo (process, incl. schema)", f"{took:.1f} s ({result['clients_per_s']:,.0f} clients/s)"),
        ("database size", f"{size / 1e6:.1f} MB ({size / clients:.0f} B/client)"),
        ("field versions written", f"{versions:,}"),
        ("raw sqlite3 insert of the client rows only", f"{baseline:.1f} s"),
        ("ratio (full init with households, cases, versions / raw rows)", f"{result['ratio']:.1f}x"),
    ])
    write_json("init", result)
    return result
