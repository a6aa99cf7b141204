"""The service log at scale (issue 5): add an entry, open a case timeline, a bulk distribution, on the cached
1,000,000-client demo database with 10,000,000 service entries.

Targets: adding a service entry (`services.service_log.add_entry`, committed) <= 50 ms; a case timeline with
2,000 events (`services.timeline.case_timeline`) <= 200 ms; bulk entry for 500 clients
(`services.distribution.create_distribution`) <= 5 s.

**The database.** `services_database(size, seed, entries)` caches
`demo-<size>-seed<seed>-rev<HEAD>-services<entries>.db` in bench/results/cache/: a copy of the cached demo
database (`bench.registry.demo_database`) with `entries` service entries bulk-inserted with plain sqlite3
`executemany` in transactions of 1,000,000 rows (the five secondary indexes of `service_entry` are dropped
first and made again with their own SQL at the end; the primary key stays). A lock file per (size, seed,
entries) makes a second process wait for the first one's file. After a new migration the newest older-revision
file is copied and upgraded by the app's migrations instead of filled again, and older-revision files of the
same kind are removed (9 GB each at 10M entries). Every row is what the ORM would write: all
NOT NULL and synced bookkeeping columns filled (UUIDv7 id carrying its `created_at`, owner office, created/
updated at and by, `deleted` 0), dates as ISO text, quantities as REAL, flags as the JSON the rule would
store. **No `version` rows are written for these entries** (about 15 per entry, 150M rows): the benchmark
reads and writes service entries, not their history; sync of this data is not what is measured.

How the entries are spread (seeded, so the same seed gives the same file): per live client a count drawn
from a mix (about a third of the clients none, 60 % 1-20, 7 % 21-50, 0.5 % 100-400), then trimmed or topped
up by one on random clients to exactly `entries`; dates over the last 3 years (a client's entries fall in
its case, from the day it opened to its terminasi, or to today for an open case or one in bimbingan lanjut,
80 % of the time, and before the case, without one, otherwise); services from the refdata lists (ATENSI 55 %
with a sub-item mostly, SPM 30 %, rehabilitation forms 15 %), SPM permakanan at most once per client for 1-7
days (so the 7-day rule holds), periods of 2-30 days for 12 % of the rest; quantities, units, values and
funding sources as a worker would record them; about 1 % of the entries are corrections or cancellations of
an earlier entry of the same client (`amends_id`), recorded up to 14 days later. The run checks a sample of
the filled entries with the app's own rule (`service_log.evaluate`): none may be refused.

**The timings** (on a temporary copy; the cached file is never written), each against a baseline measured in
the same run on the same file:
* add_entry for 100 random clients (a service of the same mix, dated in the last 30 days; a warm-up call
  first) and for the 20 clients with the most entries: median, p95, max. Baseline: plain sqlite3 inserting
  the row the service wrote (with a new id) into the same table and committing, with the app's pragmas.
* case_timeline of a case given exactly 2,000 events through the services themselves (stage changes, service
  entries with corrections and cancellations, notes and case conferences, tasks made and done, referrals and
  their statuses), median of 10 after a warm-up call. Baseline: the same SELECT statements the service ran
  (recorded through the engine's before_cursor_execute event) replayed with plain sqlite3, rows fetched.
* create_distribution to 500 random clients, 5 times (other clients each time; the first run is the first
  distribution of the process). Baseline: plain sqlite3 executemany of the 500 rows it wrote (new ids) +
  commit.

`python -m bench services [--size N] [--entries N]` (or `python -m bench.services`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from bench.common import print_table, write_json

TARGET_ADD_MS, TARGET_TIMELINE_MS, TARGET_DISTRIBUTION_S = 50, 200, 5
TX_ROWS = 1_000_000  # rows per transaction while filling
BATCH_ROWS = 50_000  # rows per executemany
COLUMNS = ("id", "client_id", "case_id", "entry_type", "service_kind", "service_code", "subitem_code", "date_from",
           "date_until", "approach", "quantity", "unit", "value_rp", "funding_source", "provider_worker_id",
           "provider_office_id", "location", "plan_activity_id", "note", "reason", "amends_id", "distribution_id",
           "flags", "entered_by", "owner_office_id", "created_at", "created_by", "updated_at", "updated_by",
           "deleted")
_COL = {name: i for i, name in enumerate(COLUMNS)}
# Services that hand something over (a value in Rupiah and a funding source are usual for these).
_AID = {("atensi", "kebutuhan_hidup_layak"), ("atensi", "bantuan_asistensi_sosial"),
        ("atensi", "dukungan_aksesibilitas"), ("spm", "sandang"), ("spm", "alat_bantu"),
        ("spm", "perbekalan_kesehatan"), ("spm", "permakanan"), ("rehab", "bantuan_asistensi_sosial"),
        ("rehab", "pelayanan_aksesibilitas")}
_KIND_WEIGHTS = (("atensi", 55), ("spm", 30), ("rehab", 15))
_LOCATIONS = ("Rumah klien", "Kantor Dinas Sosial", "Balai desa", "Puskesmas", "LKS mitra", "Panti")
_NOTES = ("Diterima langsung oleh klien.", "Diterima oleh keluarga klien.", "Kunjungan rumah bersama TKSK.",
          "Klien hadir bersama pendamping.", "Lanjutan dari bulan lalu.")
_REASONS_FIX = ("Jumlah salah ketik.", "Nilai bantuan salah ketik.", "Salah catat satuan.")
_REASONS_CANCEL = ("Tercatat dua kali.", "Klien tidak hadir; layanan tidak jadi diberikan.", "Salah klien.")
_EPOCH = dt.datetime(1970, 1, 1)
_MASK62 = (1 << 62) - 1


# --- the cached database with service entries -------------------------------------------------------------

def services_database(size: int, seed: int, entries: int) -> Path:
    """The cached demo database of (size, seed) at the current schema with `entries` service entries;
    built on first use (see the module docstring), a second process waits on the lock file."""
    from atensi_desktop.db.schema import HEAD_REVISION
    from bench.registry import CACHE, _upgrade_copy, demo_database

    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"demo-{size}-seed{seed}-rev{HEAD_REVISION}-services{entries}.db"
    if target.exists():
        return target
    with open(CACHE / f"demo-{size}-seed{seed}-services{entries}.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another process filling {entries:,} service entries ...", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.exists():  # else made by the process we waited for
                older = _older_services(size, seed, entries, HEAD_REVISION)
                if older is not None:  # a new migration: upgrade a copy of the last file (no new fill)
                    _need_space(older.stat().st_size)
                    _upgrade_copy(older, target)
                    target.with_suffix(".build.json").write_text(json.dumps(
                        {**build_info(older), "upgraded_from": older.name}, indent=2))
                else:
                    source = demo_database(size, seed)
                    _need_space(source.stat().st_size + entries * 500)
                    _build(source, target, entries, seed)
                for stale in CACHE.glob(f"demo-{size}-seed{seed}-rev*-services{entries}.*"):
                    if stale.suffix in (".db", ".json") and not stale.name.startswith(target.stem):
                        print(f"  removed {stale.name} (an older schema revision)", flush=True)
                        stale.unlink()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def _older_services(size: int, seed: int, entries: int, head: str) -> Path | None:
    """The newest cached services database of (size, seed, entries) at a schema revision before `head`."""
    from bench.registry import CACHE

    found = []
    for path in CACHE.glob(f"demo-{size}-seed{seed}-rev*-services{entries}.db"):
        rev = path.stem.rsplit("-rev", 1)[1].split("-", 1)[0]
        if rev.isdigit() and int(rev) < int(head):
            found.append((int(rev), path))
    return max(found)[1] if found else None


def _need_space(size: int) -> None:
    """Refuse to start a copy that would fill the disk (10 % and 1 GB to spare)."""
    from bench.registry import CACHE

    free = shutil.disk_usage(CACHE).free
    if free < size * 1.1 + 1e9:
        raise SystemExit(f"not enough disk space in {CACHE}: {free / 1e9:.1f} GB free, "
                         f"{(size * 1.1 + 1e9) / 1e9:.1f} GB needed")


def build_info(target: Path) -> dict:
    """What the build of a cached services database recorded (times, counts), or {}."""
    side = target.with_suffix(".build.json")
    return json.loads(side.read_text()) if side.exists() else {}


def _build(source: Path, target: Path, entries: int, seed: int) -> None:
    from bench.registry import CACHE

    with tempfile.TemporaryDirectory(dir=CACHE, prefix="build-services-") as tmp:
        db_file = Path(tmp) / "demo.db"
        print(f"{source.name} + {entries:,} service entries -> {target.name} ...", flush=True)
        started = time.perf_counter()
        shutil.copyfile(source, db_file)
        copied = time.perf_counter()
        print(f"  copied in {copied - started:.0f} s", flush=True)
        con = sqlite3.connect(db_file, isolation_level=None)
        try:
            # A throw-away file until it is renamed into the cache: no journal, no fsync.
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.execute("PRAGMA cache_size=-2000000")  # 2 GB: the primary key index stays in memory
            con.execute("PRAGMA threads=2")
            indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                                  "tbl_name = 'service_entry' AND sql IS NOT NULL").fetchall()
            for name, _sql in indexes:
                con.execute(f'DROP INDEX "{name}"')
            info = _fill(con, entries, seed)
            filled = time.perf_counter()
            for name, sql in indexes:
                t0 = time.perf_counter()
                con.execute(sql)
                print(f"  index {name}: {time.perf_counter() - t0:.0f} s", flush=True)
            indexed = time.perf_counter()
            bad = con.execute("PRAGMA foreign_key_check(service_entry)").fetchall()
            checked = time.perf_counter()
            if bad:
                raise SystemExit(f"filled rows break {len(bad)} foreign keys, e.g. {bad[:3]}")
            con.execute("PRAGMA journal_mode=WAL")  # as the app leaves its files
        finally:
            con.close()
        info.update(copy_s=round(copied - started, 1), fill_s=round(filled - copied, 1),
                    index_s=round(indexed - filled, 1), foreign_key_check_s=round(checked - indexed, 1),
                    build_s=round(checked - started, 1), file_bytes=db_file.stat().st_size,
                    source=source.name, source_bytes=source.stat().st_size, versions_written=False)
        os.replace(db_file, target)
        target.with_suffix(".build.json").write_text(json.dumps(info, indent=2))
    print(f"  built in {info['build_s']:.0f} s (copy {info['copy_s']:.0f}, fill {info['fill_s']:.0f}, indexes "
          f"{info['index_s']:.0f}, foreign key check {info['foreign_key_check_s']:.0f}); "
          f"{info['file_bytes'] / 1e9:.2f} GB ({(info['file_bytes'] - info['source_bytes']) / 1e9:.2f} GB more "
          f"than {source.name})", flush=True)


def _entry_counts(rng: random.Random, clients: int, entries: int) -> list[int]:
    """Entries per client: most 0-20, some 21-50, a few 100-400; exactly `entries` in all."""
    counts = []
    for _ in range(clients):
        roll = rng.random()
        if roll < 0.326:
            counts.append(0)
        elif roll < 0.926:
            counts.append(rng.randint(1, 20))
        elif roll < 0.995:
            counts.append(rng.randint(21, 50))
        else:
            counts.append(rng.randint(100, 400))
    diff = entries - sum(counts)
    if clients == 0:
        raise SystemExit("no live clients to give service entries to")
    if diff < 0 and sum(1 for c in counts if 2 <= c <= 20) < -diff:
        raise SystemExit(f"cannot spread only {entries:,} entries over {clients:,} clients")
    while diff != 0:  # trim or top up ordinary clients by one
        i = rng.randrange(clients)
        if diff > 0 and 1 <= counts[i] <= 20:
            counts[i] += 1
            diff -= 1
        elif diff < 0 and 2 <= counts[i] <= 20:
            counts[i] -= 1
            diff += 1
    return counts


class _Maker:
    """Draws the service entries of one client at a time (plain tuples in COLUMNS order)."""

    def __init__(self, rng: random.Random, office: bytes | None, user: bytes | None, workers: list[bytes],
                 now: dt.datetime) -> None:
        from atensi_desktop.refdata import ref_list

        self.rng, self.office, self.user, self.workers = rng, office, user, workers
        self.now = now
        self.today = now.date()
        self.start = self.today - dt.timedelta(days=3 * 365)
        self.services: dict[str, list[tuple[str, list[str]]]] = {}
        for kind, listname in (("atensi", "atensi_services"), ("spm", "spm_services"), ("rehab", "rehab_forms")):
            self.services[kind] = [(i.code, [s["code"] for s in i.extra.get("subitems", ())])
                                   for i in ref_list(listname).items]
        self.kinds = [k for k, _ in _KIND_WEIGHTS]
        self.kind_weights = [w for _, w in _KIND_WEIGHTS]
        self.approaches = [i.code for i in ref_list("approaches").items]
        self.funding = [i.code for i in ref_list("funding_sources").items]
        self.flag_texts = {key: json.dumps(flags) for key, flags in (
            ((True, False), {"outside_plan": True}),
            ((True, True), {"after_termination": True, "outside_plan": True}))}

    def service(self, had_permakanan: bool) -> tuple[str, str, str | None]:
        rng = self.rng
        kind = rng.choices(self.kinds, self.kind_weights)[0]
        code, subs = rng.choice(self.services[kind])
        if kind == "spm" and code == "permakanan" and had_permakanan:
            code = "sandang"  # SPM permakanan once per client: the 7-day rule holds for every case and stay
        sub = rng.choice(subs) if subs and rng.random() < 0.8 else None
        return kind, code, sub

    def created(self, last: dt.date) -> dt.datetime:
        """When an entry given on `last` was typed in: mostly that day, in office hours (UTC), sometimes later."""
        rng = self.rng
        roll = rng.random()
        lag = 0 if roll < 0.7 else rng.randint(1, 7) if roll < 0.95 else rng.randint(8, 30)
        at = dt.datetime(last.year, last.month, last.day) + dt.timedelta(
            days=lag, seconds=1800 + rng.randrange(9 * 3600), microseconds=rng.randrange(1, 1_000_000))
        if at > self.now:
            at = self.now - dt.timedelta(seconds=rng.randrange(1, 3600), microseconds=rng.randrange(1, 1_000_000))
        return at

    def row_id(self, at: dt.datetime) -> bytes:
        """A UUIDv7 carrying `at`, as uuid7() would have made it then."""
        ms = (at - _EPOCH) // dt.timedelta(milliseconds=1)
        rand = self.rng.getrandbits(74)
        value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & _MASK62)
        return value.to_bytes(16, "big")

    def client_rows(self, client: bytes, case: tuple | None, count: int) -> list[tuple]:
        rng = self.rng
        amend = sum(1 for _ in range(count - 1) if rng.random() < 0.01) if count >= 2 else 0
        amend = min(amend, count // 2)
        rows = []
        had_permakanan = False
        for _ in range(count - amend):
            row = self.new_row(client, case, had_permakanan)
            had_permakanan = had_permakanan or (row[4] == "spm" and row[5] == "permakanan")
            rows.append(row)
        for original in rng.sample(rows, amend):
            rows.append(self.amendment(original))
        return rows

    def new_row(self, client: bytes, case: tuple | None, had_permakanan: bool) -> tuple:
        rng = self.rng
        today = self.today
        case_id = approach = closed = None
        if case is not None and rng.random() < 0.8:  # within the case
            case_id, opened, closed, stage, approach, worker = case
            lo, hi = opened, today if closed is None or stage == "bimbingan_lanjut" else closed
        else:
            lo, hi = self.start, today
            if case is not None and case[1] - dt.timedelta(days=1) >= self.start:
                hi = case[1] - dt.timedelta(days=1)  # before the case was opened
            worker = rng.choice(self.workers) if self.workers else None
            approach = rng.choice(self.approaches) if rng.random() < 0.5 else None
        day = lo + dt.timedelta(days=rng.randint(0, max((hi - lo).days, 0)))
        kind, code, sub = self.service(had_permakanan)
        until = None
        quantity = unit = value = funding = None
        if (kind, code) == ("spm", "permakanan"):
            days = rng.randint(1, 7)
            if days > 1:
                until = min(day + dt.timedelta(days=days - 1), today)
                days = (until - day).days + 1
            quantity, unit = float(days), "hari"
        elif rng.random() < 0.12:
            until = min(day + dt.timedelta(days=rng.randint(1, 29)), today)
            if until == day:
                until = None
        if (kind, code) in _AID:
            if quantity is None:
                quantity, unit = float(rng.randint(1, 5)), "paket"
            if rng.random() < 0.8:
                value = rng.randint(5, 200) * 10_000
                funding = rng.choices(self.funding, (40, 50, 10))[0]
        elif rng.random() < 0.6:
            quantity, unit = float(rng.randint(1, 8)), rng.choice(("sesi", "kali"))
            if rng.random() < 0.2:
                funding = "apbd"
        last = until or day
        after = closed is not None and case_id is not None and last > closed
        provider = worker if rng.random() < 0.7 else None
        created = self.created(last)
        stamp = created.isoformat(" ", "microseconds")
        return (self.row_id(created), client, case_id, "baru", kind, code, sub, day.isoformat(),
                until.isoformat() if until else None, approach, quantity, unit, value, funding, provider,
                None if provider is not None else self.office,
                rng.choice(_LOCATIONS) if rng.random() < 0.3 else None, None,
                rng.choice(_NOTES) if rng.random() < 0.15 else None, None, None, None,
                self.flag_texts[(True, after)], worker if rng.random() < 0.9 else None, self.office, stamp,
                self.user, stamp, self.user, 0)

    def amendment(self, original: tuple) -> tuple:
        """A correction (60 %) or a cancellation of `original`, typed in 1 hour to 14 days after it."""
        rng = self.rng
        row = list(original)
        before = dt.datetime.fromisoformat(original[_COL["created_at"]])
        at = before + dt.timedelta(seconds=rng.randint(3600, 14 * 86400), microseconds=rng.randrange(1_000_000))
        if at > self.now:
            at = before + (self.now - before) * rng.uniform(0.1, 0.9)
        if rng.random() < 0.6:
            row[_COL["entry_type"]] = "koreksi"
            row[_COL["reason"]] = rng.choice(_REASONS_FIX)
            if row[_COL["value_rp"]] is not None:
                row[_COL["value_rp"]] += rng.randint(1, 5) * 10_000
            elif row[_COL["quantity"]] is not None and row[_COL["unit"]] != "hari":
                row[_COL["quantity"]] += 1.0
            else:
                row[_COL["location"]] = "Rumah klien" if row[_COL["location"]] != "Rumah klien" else "Balai desa"
        else:
            row[_COL["entry_type"]] = "batal"
            row[_COL["reason"]] = rng.choice(_REASONS_CANCEL)
            row[_COL["flags"]] = None  # cancel_entry stores no flags
        row[_COL["amends_id"]] = original[0]
        row[0] = self.row_id(at)
        stamp = at.isoformat(" ", "microseconds")
        row[_COL["created_at"]] = row[_COL["updated_at"]] = stamp
        return tuple(row)


def _fill(con: sqlite3.Connection, entries: int, seed: int) -> dict:
    """Insert `entries` service entries spread over the live clients (see the module docstring)."""
    started = time.perf_counter()
    rng = random.Random(f"services-{seed}-{entries}")
    meta = dict(con.execute("SELECT key, value FROM meta"))
    office = uuid.UUID(meta["office_id"]).bytes if meta.get("office_id") else None
    user = uuid.UUID(meta["user_id"]).bytes if meta.get("user_id") else None
    workers = [r[0] for r in con.execute("SELECT id FROM worker WHERE deleted = 0 ORDER BY rowid")]
    cases: dict[bytes, tuple] = {}
    clients: list[bytes] = []
    for cid, kid, opened, closed, stage, approach, worker in con.execute(
            "SELECT c.id, k.id, k.opened_on, k.closed_on, k.stage, k.approach, k.worker_id FROM client c "
            "LEFT JOIN client_case k ON k.client_id = c.id AND k.deleted = 0 "
            "WHERE c.deleted = 0 AND c.merged_into IS NULL ORDER BY c.rowid, k.opened_on DESC"):
        if cid in cases or (clients and clients[-1] == cid):
            continue  # a second case: the newest is the one entries go to
        clients.append(cid)
        if kid is not None:
            cases[cid] = (kid, dt.date.fromisoformat(opened), dt.date.fromisoformat(closed) if closed else None,
                          stage, approach, worker)
    counts = _entry_counts(rng, len(clients), entries)
    maker = _Maker(rng, office, user, workers, dt.datetime.now(dt.UTC).replace(tzinfo=None))
    print(f"  {len(clients):,} live clients ({len(cases):,} with a case) read in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    insert = f"INSERT INTO service_entry ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    batch: list[tuple] = []
    written = in_tx = amendments = 0
    con.execute("BEGIN")
    for client, count in zip(clients, counts, strict=True):
        if not count:
            continue
        rows = maker.client_rows(client, cases.get(client), count)
        amendments += sum(1 for r in rows if r[_COL["amends_id"]] is not None)
        batch.extend(rows)
        if len(batch) >= BATCH_ROWS:
            con.executemany(insert, batch)
            written += len(batch)
            in_tx += len(batch)
            batch = []
            if in_tx >= TX_ROWS:
                con.execute("COMMIT")
                con.execute("BEGIN")
                in_tx = 0
                took = time.perf_counter() - started
                print(f"  {written:,} entries, {written / took:,.0f} a second", flush=True)
    if batch:
        con.executemany(insert, batch)
        written += len(batch)
    con.execute("COMMIT")
    buckets = {"0": 0, "1-20": 0, "21-99": 0, "100+": 0}
    for c in counts:
        buckets["0" if c == 0 else "1-20" if c <= 20 else "21-99" if c < 100 else "100+"] += 1
    return {"entries": written, "amendments": amendments, "clients": len(clients), "clients_with_case": len(cases),
            "clients_by_entries": buckets, "max_entries_per_client": max(counts), "seed": seed}


# --- timing helpers ----------------------------------------------------------------------------------------

def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _summary(values: Sequence[float]) -> dict:
    return {"n": len(values), "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(_pct(values, 0.95), 2), "max_ms": round(max(values), 2)}


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _raw_connection(db_file: Path) -> sqlite3.Connection:
    """Plain sqlite3 on the same file with the app's pragmas (db/engine.py)."""
    con = sqlite3.connect(db_file, isolation_level=None)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA busy_timeout=10000")
    con.execute("PRAGMA synchronous=NORMAL")
    return con


def _copy_with_new_ids(con: sqlite3.Connection, where: str, params: Sequence[Any]) -> tuple[list[str], list[list]]:
    """The service_entry rows the service wrote, each with a fresh id (for the raw insert baseline)."""
    from atensi_desktop.sync.ids import uuid7

    cur = con.execute(f"SELECT * FROM service_entry WHERE {where}", params)
    names = [d[0] for d in cur.description]
    rows = [list(r) for r in cur.fetchall()]
    at = names.index("id")
    for r in rows:
        r[at] = uuid7().bytes
    return names, rows


def _raw_inserts(db_file: Path, entry_ids: Sequence[uuid.UUID]) -> list[float]:
    """Baseline of add_entry: one plain INSERT of the same row (new id) + COMMIT, per entry."""
    con = _raw_connection(db_file)
    try:
        times = []
        for eid in entry_ids:
            names, rows = _copy_with_new_ids(con, "id = ?", (eid.bytes,))
            sql = f"INSERT INTO service_entry ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            t0 = time.perf_counter()
            con.execute("BEGIN")
            con.execute(sql, rows[0])
            con.execute("COMMIT")
            times.append(_ms(t0))
        return times
    finally:
        con.close()


def _raw_distributions(db_file: Path, dist_ids: Sequence[uuid.UUID]) -> list[float]:
    """Baseline of create_distribution: plain executemany of the rows one distribution wrote (new ids) +
    COMMIT."""
    con = _raw_connection(db_file)
    try:
        times = []
        for did in dist_ids:
            names, rows = _copy_with_new_ids(con, "distribution_id = ?", (did.bytes,))
            sql = f"INSERT INTO service_entry ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            t0 = time.perf_counter()
            con.execute("BEGIN")
            con.executemany(sql, rows)
            con.execute("COMMIT")
            times.append(_ms(t0))
        return times
    finally:
        con.close()


class _Recorder:
    """The statements (SQL and driver parameters) a service call runs, to replay them with plain sqlite3."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements: list[tuple[str, Any]] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if self.on:
            self.statements.append((statement, parameters))

    def capture(self, call: Callable[[], Any]) -> tuple[Any, list[tuple[str, Any]]]:
        self.statements, self.on = [], True
        try:
            result = call()
        finally:
            self.on = False
        return result, self.statements


def _replay_ms(con: sqlite3.Connection, statements: Sequence[tuple[str, Any]]) -> float:
    t0 = time.perf_counter()
    con.execute("BEGIN")
    rows = 0
    for sql, params in statements:
        rows += len(con.execute(sql, params).fetchall())
    con.execute("COMMIT")
    return _ms(t0)


# --- sample data for the timings --------------------------------------------------------------------------

def _live_clients(con: sqlite3.Connection, rng: random.Random, count: int, *, exclude: Collection[bytes] = (),
                  no_open_case: bool = False) -> list[bytes]:
    top = con.execute("SELECT max(rowid) FROM client").fetchone()[0]
    extra = (" AND NOT EXISTS (SELECT 1 FROM client_case k WHERE k.client_id = client.id AND k.deleted = 0 "
             "AND k.closed_on IS NULL)") if no_open_case else ""
    found: list[bytes] = []
    seen = set(exclude)
    while len(found) < count:
        row = con.execute(f"SELECT id FROM client WHERE rowid = ? AND deleted = 0 AND merged_into IS NULL{extra}",
                          (rng.randint(1, top),)).fetchone()
        if row is not None and row[0] not in seen:
            seen.add(row[0])
            found.append(row[0])
    return found


def _entry_values(maker: _Maker, client: uuid.UUID, today: dt.date, *, case_id: Any = ...,
                  lo: dt.date | None = None) -> dict:
    """What a worker types for one service: a service of the fill's mix (no SPM permakanan, whose 7 days a
    client may have used), a date in the last 30 days (or from `lo`), quantity, value and fund as usual."""
    rng = maker.rng
    kind, code, sub = maker.service(had_permakanan=True)
    start = lo or today - dt.timedelta(days=30)
    values: dict[str, Any] = {"client_id": client, "service_kind": kind, "service_code": code, "subitem_code": sub,
                              "date_from": start + dt.timedelta(days=rng.randint(0, (today - start).days))}
    if case_id is not ...:
        values["case_id"] = case_id
    if (kind, code) in _AID:
        values.update(quantity=rng.randint(1, 5), unit="paket", value_rp=rng.randint(5, 200) * 10_000,
                      funding_source=rng.choice(("apbn", "apbd")))
    elif rng.random() < 0.6:
        values.update(quantity=rng.randint(1, 8), unit="sesi")
    if rng.random() < 0.3:
        values["location"] = rng.choice(_LOCATIONS)
    return values


def _check_sample(db: Any, db_file: Path, rng: random.Random, count: int = 200) -> dict:
    """Filled entries checked again by the app's own rule (as a correction of themselves, so their own days
    are not counted twice): how many would be refused (must be 0)."""
    from atensi_desktop.services import service_log as log

    con = sqlite3.connect(db_file)
    try:
        top = con.execute("SELECT max(rowid) FROM service_entry").fetchone()[0]
        picked = []
        while len(picked) < count:
            row = con.execute("SELECT id FROM service_entry WHERE rowid = ? AND entry_type = 'baru'",
                              (rng.randint(1, top),)).fetchone()
            if row is not None:
                picked.append(uuid.UUID(bytes=row[0]))
    finally:
        con.close()
    refused: list[dict] = []
    with db.session() as s:
        from atensi_desktop.db.models import ServiceEntry

        for eid in picked:
            entry = s.get(ServiceEntry, eid)
            values = {k: getattr(entry, k) for k in log.ENTRY_FIELDS}
            res = log.evaluate(s, values, replacing=entry.id)
            if res.errors:
                refused.append({"id": str(eid), "errors": res.errors})
    return {"checked": len(picked), "refused": len(refused), "examples": refused[:3]}


def _make_case_story(db: Any, client: uuid.UUID, worker: uuid.UUID, rng: random.Random, maker: _Maker,
                     today: dt.date, events: int) -> tuple[uuid.UUID, dict]:
    """Open a case ~700 days ago and give it exactly `events` timeline events through the services:
    5 % stage changes, 60 % service entries (of them 5 % corrected, 3.3 % cancelled), 15 % notes and case
    conferences, 7.5 % tasks (half of them done), 12.5 % referral events."""
    from atensi_desktop.services import casenotes, cases, referrals, service_log, tasks

    opened = today - dt.timedelta(days=700)
    stage_n = events // 20  # including the opening
    referral_n = events // 20  # each sent, then accepted (80 %) or declined; half of them also completed
    accepted_n = referral_n * 4 // 5
    completed_n = referral_n // 2
    note_n = events * 3 // 20
    task_n = events // 20
    done_n = task_n // 2
    amend_n = events // 20
    entry_n = events - stage_n - (referral_n * 2 + completed_n) - note_n - (task_n + done_n) - amend_n
    made: dict[str, float] = {}

    def day_between(lo: dt.date, hi: dt.date) -> dt.date:
        return lo + dt.timedelta(days=rng.randint(0, max((hi - lo).days, 0)))

    t0 = time.perf_counter()
    case = cases.open_case(db, client, approach="keluarga", worker_id=worker, opened_on=opened, today=today)
    path = ["asesmen", "rencana_intervensi", "pelaksanaan_intervensi"]
    while len(path) < stage_n - 1:
        path.append("monitoring_evaluasi" if path[-1] == "pelaksanaan_intervensi" else "pelaksanaan_intervensi")
    step = 690 // max(len(path), 1)
    for i, stage in enumerate(path):
        note = "Hasil monitoring: intervensi dilanjutkan." if stage == "pelaksanaan_intervensi" and i > 2 else None
        cases.change_stage(db, case.id, stage, on=opened + dt.timedelta(days=(i + 1) * step), worker_id=worker,
                           note=note, today=today)
    made["stage_changes"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    entry_ids = []
    for _ in range(entry_n):
        values = _entry_values(maker, client, today, case_id=case.id, lo=opened)
        values["provider_worker_id"] = worker
        entry_ids.append(service_log.add_entry(db, values, today=today).id)
    for i, eid in enumerate(rng.sample(entry_ids, amend_n)):
        if i < amend_n * 3 // 5:
            service_log.amend_entry(db, eid, {"location": "Balai desa", "note": "Tempat diperbaiki."},
                                    "Tempat layanan salah ketik.", today=today)
        else:
            service_log.cancel_entry(db, eid, "Tercatat dua kali.")
    made["service_entries"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    for i in range(note_n):
        on = day_between(opened, today)
        if i % 6 == 5:
            casenotes.add_conference(db, client, case_id=case.id, written_on=on, worker_id=worker,
                                     text="Pembahasan perkembangan klien bersama keluarga dan TKSK.",
                                     participants="Pekerja sosial, TKSK, keluarga klien",
                                     decisions="Intervensi dilanjutkan tiga bulan.", today=today)
        else:
            casenotes.add_note(db, client, "Kunjungan rumah: kondisi klien stabil, keluarga mendampingi.",
                               case_id=case.id, written_on=on, worker_id=worker, today=today)
    made["notes"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    task_ids = [tasks.add_task(db, client, {"title": "Kunjungan rumah lanjutan", "case_id": case.id,
                                            "due_on": day_between(today - dt.timedelta(days=300),
                                                                  today + dt.timedelta(days=60))},
                               today=today).id for _ in range(task_n)]
    for tid in task_ids[:done_n]:
        tasks.complete_task(db, tid, done_on=day_between(today - dt.timedelta(days=300), today), worker_id=worker,
                            today=today)
    made["tasks"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    for i in range(referral_n):
        sent = day_between(opened, today - dt.timedelta(days=20))
        ref = referrals.create_referral(db, client, {
            "case_id": case.id, "direction": referrals.OUT if i % 4 else referrals.IN,
            "counterpart_kind": rng.choice(("rumah_sakit", "puskesmas", "dukcapil", "panti", "lks")),
            "counterpart_name": "RSUD Hulu Sungai Selatan" if i % 2 else "LKS Harapan Bangsa",
            "reason": "Pemeriksaan lanjutan dan pendampingan.", "sent_on": sent, "worker_id": worker},
            today=today)
        if i < accepted_n:
            referrals.change_status(db, ref.id, referrals.ACCEPTED, on=sent + dt.timedelta(days=3),
                                    worker_id=worker, today=today)
            if i < completed_n:
                referrals.change_status(db, ref.id, referrals.COMPLETED, on=sent + dt.timedelta(days=15),
                                        worker_id=worker, today=today)
        else:
            referrals.change_status(db, ref.id, referrals.DECLINED, on=sent + dt.timedelta(days=5),
                                    worker_id=worker, note="Kuota penuh.", today=today)
    made["referrals"] = time.perf_counter() - t0
    return case.id, {k: round(v, 1) for k, v in made.items()}


# --- the benchmark ----------------------------------------------------------------------------------------

def run(size: int = 1_000_000, entries: int = 10_000_000, *, seed: int = 1, samples: int = 100, heavy: int = 20,
        events: int = 2_000, recipients: int = 500, distributions: int = 5, timeline_runs: int = 10) -> dict:
    from atensi_desktop.db.bootstrap import open_database
    from atensi_desktop.paths import resolve_paths
    from atensi_desktop.services import distribution as dist_svc
    from atensi_desktop.services import service_log as log
    from atensi_desktop.services import timeline
    from bench.registry import CACHE

    source = services_database(size, seed, entries)
    built = build_info(source)
    rng = random.Random(seed)
    today = dt.date.today()
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="services-") as tmp:
        db_file = Path(tmp) / "demo.db"
        _need_space(source.stat().st_size)
        started = time.perf_counter()
        shutil.copyfile(source, db_file)
        fd = os.open(db_file, os.O_RDONLY)  # flush the copy now, not in the first checkpoint (see bench.asesmen)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        print(f"copied {source.name} ({source.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - started:.0f} s",
              flush=True)
        con = sqlite3.connect(db_file)
        try:
            clients_n = con.execute("SELECT count(*) FROM client").fetchone()[0]
            entries_n = con.execute("SELECT count(*) FROM service_entry").fetchone()[0]
            sample = [uuid.UUID(bytes=c) for c in _live_clients(con, rng, samples + 1)]
            most = con.execute("SELECT client_id, count(*) FROM service_entry GROUP BY client_id "
                               "ORDER BY count(*) DESC LIMIT ?", (heavy,)).fetchall()
            heavy_clients = [uuid.UUID(bytes=r[0]) for r in most]
            heavy_counts = [r[1] for r in most]
            story_client = uuid.UUID(bytes=_live_clients(con, rng, 1, no_open_case=True)[0])
            worker = uuid.UUID(bytes=con.execute("SELECT id FROM worker WHERE deleted = 0 LIMIT 1").fetchone()[0])
            taken = {c.bytes for c in [*sample, *heavy_clients, story_client]}
            groups = [[uuid.UUID(bytes=c) for c in _live_clients(con, rng, recipients, exclude=taken)]
                      for _ in range(distributions)]
            for g in groups:
                taken.update(c.bytes for c in g)
        finally:
            con.close()
        print(f"{clients_n:,} clients, {entries_n:,} service entries", flush=True)
        maker = _Maker(rng, None, None, [], dt.datetime.now())
        db = open_database(f"sqlite:///{db_file}", resolve_paths(Path(tmp) / "home").ensure())
        try:
            rule_check = _check_sample(db, db_file, rng)
            print(f"rule check of {rule_check['checked']} filled entries: {rule_check['refused']} refused", flush=True)

            add_ms, added, warnings = [], [], 0
            for n, client in enumerate(sample):  # the first call is a warm-up
                values = _entry_values(maker, client, today)
                t0 = time.perf_counter()
                entry = log.add_entry(db, values)
                took = _ms(t0)
                warnings += bool(entry.warnings)
                if n:
                    add_ms.append(took)
                    added.append(entry.id)
            heavy_ms, heavy_added = [], []
            for client in heavy_clients:
                values = _entry_values(maker, client, today)
                t0 = time.perf_counter()
                entry = log.add_entry(db, values)
                heavy_ms.append(_ms(t0))
                heavy_added.append(entry.id)
            print(f"add_entry: median {statistics.median(add_ms):.1f} ms", flush=True)

            t0 = time.perf_counter()
            case_id, made = _make_case_story(db, story_client, worker, rng, maker, today, events)
            story_s = time.perf_counter() - t0
            recorder = _Recorder(db.engine)
            got, statements = recorder.capture(lambda: timeline.case_timeline(db, case_id=case_id))  # warm-up
            kinds: dict[str, int] = {}
            for e in got:
                kinds[e.kind] = kinds.get(e.kind, 0) + 1
            if len(got) != events:
                raise SystemExit(f"the case has {len(got)} timeline events, not {events}: {kinds}")
            timeline_ms = []
            for _ in range(timeline_runs):
                t0 = time.perf_counter()
                timeline.case_timeline(db, case_id=case_id)
                timeline_ms.append(_ms(t0))
            _got, client_statements = recorder.capture(lambda: timeline.case_timeline(db, client_id=story_client))
            client_events = len(_got)
            client_ms = []
            for _ in range(timeline_runs):
                t0 = time.perf_counter()
                timeline.case_timeline(db, client_id=story_client)
                client_ms.append(_ms(t0))
            print(f"case_timeline ({len(got)} events): median {statistics.median(timeline_ms):.1f} ms", flush=True)

            dist_s, dist_ids, dist_warned = [], [], []
            for i, group in enumerate(groups):
                values = {"title": f"Bantuan ATENSI sembako {i + 1}", "service_kind": "atensi",
                          "service_code": "bantuan_asistensi_sosial", "subitem_code": "sembako_nutrisi",
                          "date_from": today - dt.timedelta(days=1), "quantity": 1, "unit": "paket",
                          "value_rp": 300_000, "funding_source": "apbd", "location": "Balai desa"}
                t0 = time.perf_counter()
                result = dist_svc.create_distribution(db, values, group)
                dist_s.append(time.perf_counter() - t0)
                dist_ids.append(result.distribution.id)
                dist_warned.append(len(result.warnings))
                assert len(result.entry_ids) == len(group)
            print(f"create_distribution ({recipients}): median {statistics.median(dist_s):.2f} s", flush=True)
        finally:
            db.dispose()
        raw_add = _raw_inserts(db_file, added)
        raw_dist = _raw_distributions(db_file, dist_ids)
        raw = _raw_connection(db_file)
        try:
            for st in (statements, client_statements):
                _replay_ms(raw, st)  # warm-up
            raw_timeline = [_replay_ms(raw, statements) for _ in range(timeline_runs)]
            raw_client = [_replay_ms(raw, client_statements) for _ in range(timeline_runs)]
        finally:
            raw.close()

    result = {
        "clients": clients_n, "service_entries": entries_n, "seed": seed, "build": built,
        "rule_check": rule_check,
        "targets": {"add_entry_ms": TARGET_ADD_MS, "timeline_ms": TARGET_TIMELINE_MS,
                    "distribution_s": TARGET_DISTRIBUTION_S},
        "add_entry": _summary(add_ms), "add_entry_with_warnings": warnings,
        "raw_insert": _summary(raw_add),
        "add_entry_heavy_clients": {**_summary(heavy_ms), "entries_per_client": [min(heavy_counts),
                                                                                 max(heavy_counts)]},
        "timeline": {**_summary(timeline_ms), "events": len(got), "by_kind": kinds, "statements": len(statements),
                     "made_in_s": round(story_s, 1), "made_by_kind_s": made},
        "raw_timeline_selects": _summary(raw_timeline),
        "client_timeline": {**_summary(client_ms), "events": client_events},
        "raw_client_timeline_selects": _summary(raw_client),
        "distribution": {"recipients": recipients, "runs_s": [round(v, 3) for v in dist_s],
                         "median_s": round(statistics.median(dist_s), 3), "max_s": round(max(dist_s), 3),
                         "recipients_with_warnings": dist_warned},
        "raw_executemany": _summary(raw_dist),
    }
    result["add_entry_vs_raw"] = round(result["add_entry"]["median_ms"] / result["raw_insert"]["median_ms"], 1)
    result["timeline_vs_raw"] = round(result["timeline"]["median_ms"] / result["raw_timeline_selects"]["median_ms"], 2)
    result["distribution_vs_raw"] = round(result["distribution"]["median_s"] * 1000
                                          / result["raw_executemany"]["median_ms"], 1)
    _print(result)
    write_json("services", result)
    return result


def _line(s: dict) -> str:
    return f"median {s['median_ms']:8.2f} ms   p95 {s['p95_ms']:8.2f} ms   max {s['max_ms']:8.2f} ms   (n={s['n']})"


def _print(r: dict) -> None:
    b = r["build"]
    rows = []
    if b:
        rows.append(("build of the cached file", f"{b['build_s']:.0f} s (copy {b['copy_s']:.0f}, fill "
                     f"{b['fill_s']:.0f}, indexes {b['index_s']:.0f}, FK check {b['foreign_key_check_s']:.0f}); "
                     f"{b['file_bytes'] / 1e9:.2f} GB; no version rows"))
    rows += [
        ("rule check of filled entries", f"{r['rule_check']['refused']} of {r['rule_check']['checked']} refused"),
        ("add_entry (random clients)", _line(r["add_entry"])),
        ("  raw INSERT + COMMIT", _line(r["raw_insert"])),
        ("  ratio", f"{r['add_entry_vs_raw']}x   target <= {TARGET_ADD_MS} ms"),
        (f"add_entry ({r['add_entry_heavy_clients']['entries_per_client'][0]}-"
         f"{r['add_entry_heavy_clients']['entries_per_client'][1]} entries/client)", _line(r["add_entry_heavy_clients"])),
        (f"case_timeline ({r['timeline']['events']} events)", _line(r["timeline"])),
        ("  raw SELECTs, same statements", _line(r["raw_timeline_selects"])),
        ("  ratio", f"{r['timeline_vs_raw']}x   target <= {TARGET_TIMELINE_MS} ms; {r['timeline']['statements']} "
         f"statements; events made through the services in {r['timeline']['made_in_s']} s"),
        (f"client timeline ({r['client_timeline']['events']} events)", _line(r["client_timeline"])),
        ("  raw SELECTs, same statements", _line(r["raw_client_timeline_selects"])),
        (f"create_distribution ({r['distribution']['recipients']})",
         f"median {r['distribution']['median_s']:.3f} s   max {r['distribution']['max_s']:.3f} s   runs "
         f"{r['distribution']['runs_s']}"),
        ("  raw executemany + COMMIT", _line(r["raw_executemany"])),
        ("  ratio", f"{r['distribution_vs_raw']}x   target <= {TARGET_DISTRIBUTION_S} s"),
    ]
    print_table(f"service log on {r['clients']:,} clients and {r['service_entries']:,} service entries", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.services")
    parser.add_argument("--size", type=int, default=1_000_000, help="clients in the cached demo database")
    parser.add_argument("--entries", type=int, default=10_000_000, help="service entries filled into it")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run(args.size, args.entries, seed=args.seed)
