"""Duplicate check timings for the registry benchmark: `measure(db_url)` on a database made by init --demo.

`candidates_for` is timed for `samples` existing clients entered again with a spelling variant of their
name (no NIK, so the fuzzy path does the work), and `review_list(limit=200)` once.
Run alone: `python -m bench.registry_duplicates [--clients N] [--db URL]` builds a demo database in a
temporary folder (unless --db is given) and prints the figures.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

VARIANTS = (("u", "oe"), ("j", "dj"), ("c", "tj"), ("sy", "sj"), ("i", "ie"), ("y", "i"), ("k", "q"))


def perturb(name: str, rng: random.Random) -> str:
    """A spelling variant a worker could type: old spelling, a doubled, dropped or swapped letter."""
    olds = [(new, old) for new, old in VARIANTS if new in name.lower()]
    roll = rng.random()
    if olds and roll < 0.35:
        new, old = rng.choice(olds)
        at = name.lower().index(new)
        return name[:at] + old + name[at + len(new):]
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 4:
        return name + name[-1]
    i = rng.choice(letters[1:-1])
    if roll < 0.55:
        return name[:i] + name[i] + name[i:]  # doubled
    if roll < 0.8:
        return name[:i] + name[i + 1:]  # dropped
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]  # swapped


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def measure(db_url: str, samples: int = 50, *, seed: int = 7) -> dict[str, Any]:
    """Median and p95 of `candidates_for` over `samples` perturbed clients, and one `review_list` run."""
    from sqlalchemy import select

    from atensi_desktop.app_context import open_app
    from atensi_desktop.db.models import Client
    from atensi_desktop.services.duplicates import candidates_for, review_list

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="atensi-bench-dup-") as home:
        ctx = open_app(db_url, home)
        db = ctx.db
        try:
            with db.session() as s:
                live = (Client.deleted.is_(False), Client.merged_into.is_(None), Client.birth_date.is_not(None))
                ids = sorted(s.scalars(select(Client.id).where(*live)), key=lambda u: u.bytes)
                if not ids:
                    raise SystemExit("the database has no clients: make it with init --demo N")
                total = len(ids)
                chosen = rng.sample(ids, min(samples, total))
                fields = (Client.id, Client.name, Client.sex, Client.birth_date, Client.wilayah_code)
                rows = {r[0]: r for r in s.execute(select(*fields).where(Client.id.in_(chosen)))}
                picked = [rows[i] for i in chosen]
            entries = [({"name": perturb(name, rng), "sex": sex, "birth_date": birth, "wilayah_code": desa}, cid)
                       for cid, name, sex, birth, desa in picked]
            candidates_for(db, entries[0][0])  # warm-up (first query plans, caches)
            times, found, sizes = [], 0, []
            for values, cid in entries:
                started = time.perf_counter()
                result = candidates_for(db, values)
                times.append(time.perf_counter() - started)
                found += any(c.client.id == cid for c in result)
                sizes.append(len(result))
            started = time.perf_counter()
            pairs = review_list(db, limit=200)
            review_s = time.perf_counter() - started
        finally:
            ctx.close()
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {
        "clients": total,
        "samples": len(entries),
        "candidates_for_median_ms": _ms(statistics.median(times)),
        "candidates_for_p95_ms": _ms(p95),
        "candidates_for_max_ms": _ms(times[-1]),
        "original_found_pct": round(100 * found / len(entries), 1),
        "candidates_median": statistics.median(sizes),
        "review_list_200_ms": _ms(review_s),
        "review_list_pairs_shown": len(pairs),
    }


def run(sizes: list[int], *, samples: int = 50) -> dict:
    """`measure` on the cached demo database of each size (bench/registry.py), a copy of it (the app
    writes its site id on opening)."""
    from bench.common import write_json
    from bench.registry import CACHE, demo_database

    results = []
    for size in sizes:
        source = demo_database(size, 1)
        with tempfile.TemporaryDirectory(dir=CACHE, prefix="dup-") as tmp:
            copy = Path(tmp) / "demo.db"
            shutil.copyfile(source, copy)
            results.append({"demo_size": size, **measure(f"sqlite:///{copy}", samples)})
        r = results[-1]
        print(f"{size:>9,} clients: candidates_for median {r['candidates_for_median_ms']} ms, p95 "
              f"{r['candidates_for_p95_ms']} ms (target <= 100 ms at 1M); original found "
              f"{r['original_found_pct']}%; review_list(200) {r['review_list_200_ms'] / 1000:.1f} s", flush=True)
    data = {"results": results}
    write_json("registry_duplicates", data)
    return data


def _build(path: Path, clients: int) -> str:
    url = f"sqlite:///{path / 'registry.db'}"
    cmd = [sys.executable, "-m", "atensi_desktop", "--data-dir", str(path / "home"), "--db", url, "init",
           "--office", "Dinas Sosial Kabupaten Hulu Sungai Selatan", "--kode-wilayah", "63.06",
           "--demo", str(clients)]
    started = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    print(f"demo database: {clients:,} clients in {time.perf_counter() - started:.0f} s")
    return url


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.registry_duplicates")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--db", metavar="URL", help="use this database instead of building one")
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="atensi-bench-dupdb-") as tmp:
        url = args.db or _build(Path(tmp), args.clients)
        result = measure(url, args.samples)
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
