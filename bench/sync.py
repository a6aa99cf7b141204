"""`python -m bench sync [--clients 100000]`: the sync engine on `init --demo N` data (issue 7).

Setting: office A is a copy of the cached demo database (`init --demo N --seed S`, cached in
bench/results/cache/ keyed by size, seed, schema revision and a hash of the migration files, because the
revision number alone does not change while a placeholder migration is being filled in); office B is a new,
empty installation. A and B add each other as peers (kartu kantor + fingerprint), as two offices do.

Measured, each with the issue's target and PASS/MISS:
1. full export A → B: time, file size, field versions/s;
2. full import into B (empty): time, field versions/s (target >= 50,000/s), peak RSS — in a child process,
   so the RSS is the import's own;
3. re-import of the same file: time, ratio to the first import measured in this run (target <= 10 %), new
   versions (target 0) and B's version count unchanged; also the forced re-apply (`force=True`, the
   idempotent path that really reads every version), reported with its ratio for information;
4. one office-day on A: `--actions` (300) user actions through the services (new clients, field edits,
   archive/restore, cases opened, case notes), then the incremental export to B, which holds everything
   else: time (target <= 1 s) and size; then B imports it;
5. one-case bundles (sync.case_bundle.export_case) of the client with the median number of field versions,
   of the one with the most, and of that one again after a year of weekly visits (52 case notes, 48 field
   edits): size before attachments (target <= 20 kB = 20,000 bytes).
Results also go to bench/results/sync.json.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS, print_table, write_json

CACHE = RESULTS / "cache"
ROOT = Path(__file__).resolve().parent.parent
IMPORT_TARGET = 50_000  # field versions per second
REIMPORT_RATIO = 0.10
DELTA_EXPORT_S = 1.0
CASE_BYTES = 20_000
NAMES = ("Siti Aminah", "Budi Santoso", "Ayu Lestari", "Dewi Sartika", "Rahmat Hidayat", "Nur Aini", "Joko Susilo")


def _schema_key() -> str:
    from atensi_desktop.db.migrations import versions
    from atensi_desktop.db.schema import HEAD_REVISION

    digest = hashlib.sha256()
    for path in sorted(Path(versions.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"rev{HEAD_REVISION}-{digest.hexdigest()[:8]}"


def demo_database(size: int, seed: int) -> Path:
    """The cached demo database of `size` clients at this schema (made with `init --demo` when missing)."""
    from bench.registry import _build

    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / f"sync-demo-{size}-seed{seed}-{_schema_key()}.db"
    if target.exists():
        return target
    with open(CACHE / f"sync-demo-{size}-seed{seed}.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.exists():
                _build(size, seed, target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


# --- installations --------------------------------------------------------------------------------

def _open(folder: Path) -> Any:
    from atensi_desktop.db.bootstrap import open_database
    from atensi_desktop.paths import resolve_paths

    paths = resolve_paths(folder).ensure()
    return open_database(paths.default_db_url, paths), paths


def _trust(a: tuple, b: tuple, scratch: Path) -> None:
    from atensi_desktop.sync.keys import read_card, write_card
    from atensi_desktop.sync.peers import add_peer

    for (xdb, xpaths), (ydb, _yp) in ((a, b), (b, a)):
        card = scratch / f"kartu-{xdb.office_id}.json"
        write_card(xdb, xpaths, card)
        parsed = read_card(card)
        add_peer(ydb, parsed, parsed.fingerprint)


def _versions(db: Any) -> int:
    from sqlalchemy import func, select

    from atensi_desktop.db.models.sync_meta import Version

    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Version)).scalar_one()


# --- the import, in a child process (its own peak RSS) --------------------------------------------

def child_import(folder: str, bundle: str, force: bool) -> None:
    """Entry point of the child: import `bundle` into the installation in `folder`, print JSON."""
    from atensi_desktop.sync.exchange import import_bundle

    db, paths = _open(Path(folder))
    try:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, cpu = time.perf_counter(), time.process_time()
        res = import_bundle(db, paths, bundle, force=force)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"s": took, "cpu_s": cpu, "new_versions": res.new_versions, "versions_in_bundle": res.versions_in_bundle,
                          "rows_created": res.rows_created, "values_changed": res.values_changed,
                          "conflicts": len(res.conflicts), "already": res.already_imported_at is not None,
                          "peak_rss_mb": peak / 1024, "rss_before_mb": rss_before / 1024}))
    finally:
        db.dispose()


def _import_in_child(folder: Path, bundle: Path, *, force: bool = False) -> dict:
    code = f"from bench.sync import child_import; child_import({str(folder)!r}, {str(bundle)!r}, {force!r})"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"import failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- one office-day ----------------------------------------------------------------------------

def _office_day(db: Any, actions: int, seed: int) -> dict[str, int]:
    """`actions` user actions through the services, as one office's workers do in a day."""
    from sqlalchemy import select

    from atensi_desktop.db.models.client import Client
    from atensi_desktop.errors import UserError
    from atensi_desktop.services import casenotes, cases
    from atensi_desktop.services import clients as svc

    rng = random.Random(seed)
    with db.engine.connect() as conn:
        ids = list(conn.execute(select(Client.id).where(Client.deleted.is_(False)).order_by(Client.id)
                                .limit(5000)).scalars())
    plan = (["create"] * 10 + ["edit"] * 50 + ["note"] * 20 + ["case"] * 10 + ["archive"] * 5 + ["restore"] * 5)
    done: dict[str, int] = {}
    archived: list = []
    for _ in range(actions):
        op = rng.choice(plan)
        if op == "restore" and not archived:
            op = "edit"
        try:
            if op == "create":
                ids.append(svc.create_client(db, {"name": rng.choice(NAMES), "sex": rng.choice("LP"),
                                                  "birth_date": dt.date(rng.randint(1950, 2015), 1, 1)}).id)
            elif op == "edit":
                field, value = rng.choice([("phone", f"08{rng.randrange(10**9, 10**10)}"),
                                           ("address", f"Jl. Melati {rng.randint(1, 99)} RT 00{rng.randint(1, 9)}"),
                                           ("alias", rng.choice(("Ami", "Ucok", "Neng", "Iyus")))])
                svc.update_client(db, rng.choice(ids), {field: value})
            elif op == "note":
                casenotes.add_note(db, rng.choice(ids), "Kunjungan rumah: klien dan keluarga ditemui, kebutuhan "
                                   "dicatat, rencana tindak lanjut disepakati minggu depan.")
            elif op == "case":
                for attempt in range(5):  # a client without an open case, as a worker would pick
                    try:
                        cases.open_case(db, rng.choice(ids))
                        break
                    except UserError:
                        if attempt == 4:
                            raise
            elif op == "archive":
                cid = rng.choice(ids)
                svc.archive_client(db, cid)
                archived.append(cid)
            else:
                svc.restore_client(db, archived.pop())
        except UserError:
            op = "refused"  # e.g. a second open case: the worker is told so; still an action
        done[op] = done.get(op, 0) + 1
    return done


# --- one-case bundles ------------------------------------------------------------------------------

def _case_clients(db_file: Path) -> tuple[str, str, int, int]:
    """(median client, largest client, their field-version counts): the client's own versions plus its
    cases' and notes' versions, counted with plain SQL."""
    con = sqlite3.connect(db_file)
    try:
        rows = con.execute("""
            WITH v AS (SELECT rid, count(*) n FROM version GROUP BY rid),
                 kids AS (SELECT client_id cid, id FROM client_case UNION ALL SELECT client_id, id FROM case_note),
                 k AS (SELECT kids.cid cid, sum(v.n) n FROM kids JOIN v ON v.rid = kids.id GROUP BY kids.cid)
            SELECT c.id, coalesce(v.n, 0) + coalesce(k.n, 0) AS total FROM client c
            LEFT JOIN v ON v.rid = c.id LEFT JOIN k ON k.cid = c.id ORDER BY total, c.id""").fetchall()
    finally:
        con.close()
    import uuid

    median, largest = rows[len(rows) // 2], rows[-1]
    return str(uuid.UUID(bytes=median[0])), str(uuid.UUID(bytes=largest[0])), median[1], largest[1]


def _year_of_work(db: Any, client_ref: str) -> None:
    """A heavy case: a year of weekly visits on one client (52 case notes of ~25 words, 48 field edits)."""
    import uuid

    from atensi_desktop.services import casenotes
    from atensi_desktop.services import clients as svc

    cid = uuid.UUID(client_ref)
    for week in range(52):
        casenotes.add_note(db, cid, f"Minggu {week + 1}: kunjungan rumah, klien dan keluarga ditemui; kebutuhan "
                           "makan dan obat dicatat, rujukan ke puskesmas dibicarakan, tindak lanjut minggu depan.")
    for i in range(48):
        svc.update_client(db, cid, {"phone": f"0812{i:08d}"} if i % 2 else {"address": f"Jl. Melati {i} RT 002"})


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def run(clients: int = 100_000, *, seed: int = 1, actions: int = 300) -> dict:
    from atensi_desktop.services.office import OfficeInput, setup_installation
    from atensi_desktop.sync.exchange import export_bundle

    source = demo_database(clients, seed)
    result: dict[str, Any] = {"clients": clients, "seed": seed, "source": source.name,
                              "load_average_at_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="atensi-bench-sync-") as tmp:
        root = Path(tmp)
        (root / "a").mkdir()
        shutil.copyfile(source, root / "a" / "atensi.db")
        a = _open(root / "a")
        b = _open(root / "b")
        try:
            from atensi_desktop.paths import resolve_paths

            assert resolve_paths(root / "a").default_db_file == root / "a" / "atensi.db"
            made = setup_installation(b[0], OfficeInput(name="Dinas Sosial Provinsi Kalimantan Selatan",
                                                        office_type="dinas_sosial", code="DSPROV", wilayah_code="63"))
            b[0].office_id = made.office.id
            _trust(a, b, root)
            a_db, a_paths = a
            b_db, _b_paths = b
            to_b = str(b_db.office_id)
            total = _versions(a_db)
            result["versions_in_a"] = total
            print(f"office A: {clients:,} demo clients, {total:,} field versions; office B: empty", flush=True)

            # 1. full export
            full = root / "lengkap.lkssync"
            started, cpu = time.perf_counter(), time.process_time()
            exp = export_bundle(a_db, a_paths, [to_b], full, full=True)
            export_s, cpu = time.perf_counter() - started, time.process_time() - cpu
            size = full.stat().st_size
            result["full_export"] = {"s": export_s, "cpu_s": cpu, "bytes": size, "versions": exp.versions,
                                     "versions_per_s": exp.versions / export_s}
            # 2. full import into the empty installation (child process)
            b_db.dispose()
            first = _import_in_child(root / "b", full)
            first["versions_per_s"] = first["new_versions"] / first["s"]
            result["full_import"] = first
            b = _open(root / "b")
            b_db = b[0]
            held = _versions(b_db)
            b_db.dispose()
            # 3. re-import: recognised, and forced (the idempotent path)
            again = _import_in_child(root / "b", full)
            forced = _import_in_child(root / "b", full, force=True)
            b = _open(root / "b")
            b_db = b[0]
            held_after = _versions(b_db)
            result["reimport"] = {**again, "ratio": again["s"] / first["s"]}
            result["forced_reapply"] = {**forced, "ratio": forced["s"] / first["s"]}
            result["b_versions_after_first_import"] = held
            result["b_versions_after_reimports"] = held_after

            # 4. one office-day on A, then the delta to B
            started = time.perf_counter()
            done = _office_day(a_db, actions, seed)
            day_s = time.perf_counter() - started
            delta = root / "harian.lkssync"
            started, cpu = time.perf_counter(), time.process_time()
            dexp = export_bundle(a_db, a_paths, [to_b], delta)
            delta_s, delta_cpu = time.perf_counter() - started, time.process_time() - cpu
            b_db.dispose()
            dimp = _import_in_child(root / "b", delta)
            result["office_day"] = {"actions": done, "edit_s": day_s, "export_s": delta_s, "export_cpu_s": delta_cpu,
                                    "bytes": delta.stat().st_size, "versions": dexp.versions,
                                    "kind": "full" if dexp.full else "delta", "import": dimp}

            # 5. one-case bundles
            result["one_case"] = _one_case(a, root, to_b)
        finally:
            a[0].dispose()
            b[0].dispose()
    _report(result)
    write_json("sync", result)
    return result


def _one_case(a: tuple, root: Path, to: str) -> dict:
    try:
        from atensi_desktop.sync.case_bundle import export_case
    except ImportError:
        return {"skipped": "sync.case_bundle.export_case does not exist yet"}
    db, paths = a
    db_file = paths.default_db_file
    with sqlite3.connect(db_file) as con:
        con.execute("PRAGMA wal_checkpoint(PASSIVE)")
    median, largest, n_median, n_largest = _case_clients(db_file)
    out = {}
    for label, cid, counted in (("median", median, n_median), ("largest", largest, n_largest),
                                ("largest + a year of work", largest, None)):
        if counted is None:
            _year_of_work(db, largest)
        started = time.perf_counter()
        res = export_case(db, paths, cid, root / f"kasus-{label}.lkssync", to_offices=[to])
        out[label] = {"client": res.client_display_id, "versions": res.versions, "rows": res.rows,
                      "blobs": res.blobs, "bytes": res.size, "bytes_without_attachments": res.size - res.blob_bytes,
                      "s": time.perf_counter() - started, "counted_versions": counted}
    return out


def _report(r: dict) -> None:
    fe, fi, ri, fr, day = r["full_export"], r["full_import"], r["reimport"], r["forced_reapply"], r["office_day"]
    reimport_ok = (ri["ratio"] <= REIMPORT_RATIO and ri["new_versions"] == 0 and ri["rows_created"] == 0
                   and ri["values_changed"] == 0 and r["b_versions_after_reimports"] == r["b_versions_after_first_import"])
    rows = [
        ("demo data", f"{r['clients']:,} clients, {r['versions_in_a']:,} field versions ({r['source']})"),
        ("full export A -> B", f"{fe['s']:.1f} s (CPU {fe['cpu_s']:.1f} s), {fe['bytes'] / 1e6:.1f} MB, "
                               f"{fe['versions_per_s']:,.0f} versions/s"),
        ("full import into an empty installation",
         f"{fi['s']:.1f} s (CPU {fi['cpu_s']:.1f} s), {fi['versions_per_s']:,.0f} versions/s (target >= {IMPORT_TARGET:,}/s) "
         f"{_verdict(fi['versions_per_s'] >= IMPORT_TARGET)}"),
        ("  peak RSS of the importing process", f"{fi['peak_rss_mb']:.0f} MB"),
        ("re-import of the same file",
         f"{ri['s']:.3f} s = {ri['ratio']:.1%} of the first import (target <= {REIMPORT_RATIO:.0%}), "
         f"{ri['new_versions']} new versions, {ri['values_changed']} values changed, "
         f"recognised as already imported: {'yes' if ri['already'] else 'no'} {_verdict(reimport_ok)}"),
        ("  forced re-apply (force=True, reads every version)",
         f"{fr['s']:.1f} s = {fr['ratio']:.0%} of the first import, {fr['new_versions']} new versions, "
         f"{fr['values_changed']} values changed (information)"),
        (f"one office-day on A ({sum(day['actions'].values())} actions)",
         f"{day['edit_s']:.1f} s through the services: " + ", ".join(f"{k} {v}" for k, v in sorted(day['actions'].items()))),
        ("  incremental export to B (holds everything else)",
         f"{day['export_s']:.3f} s (CPU {day['export_cpu_s']:.3f} s) (target <= {DELTA_EXPORT_S:.0f} s) {_verdict(day['export_s'] <= DELTA_EXPORT_S)}, "
         f"{day['bytes'] / 1e3:.1f} kB, {day['versions']} versions ({day['kind']})"),
        ("  B imports it", f"{day['import']['s']:.3f} s, {day['import']['new_versions']} new versions"),
    ]
    case = r["one_case"]
    if "skipped" in case:
        rows.append(("one-case bundles", case["skipped"]))
    else:
        for label in ("median", "largest", "largest + a year of work"):
            c = case[label]
            rows.append((f"one-case bundle, {label} client ({c['versions']} versions, {c['rows']} rows)",
                         f"{c['bytes_without_attachments'] / 1e3:.1f} kB before attachments (target <= "
                         f"{CASE_BYTES / 1e3:.0f} kB) {_verdict(c['bytes_without_attachments'] <= CASE_BYTES)}"))
    rows.append(("machine load (1-min average at the start)",
                 f"{r['load_average_at_start']:.1f} on {os.cpu_count()} CPUs: wall times include waiting for a CPU; "
                 "the CPU times do not"))
    print_table(f"sync on init --demo {r['clients']:,}", rows)
