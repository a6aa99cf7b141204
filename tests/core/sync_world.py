"""A small world of sync installations for the convergence property test and the sync benchmarks.

Each installation is its own data folder (keys, blobs) and SQLite database, opened the way the command
line opens one (`open_database`), with its own office set up and every other office of the world added as
a trusted peer (kartu kantor + fingerprint). Making keys and setting up offices takes a while, so
`build_templates` does it once and `clone_world` copies the folders for each example: a copied database
forks to a new site id on opening (db/bootstrap.py), which is what a real copied installation does too;
the office, its keys and its peers stay the same.

Clocks: `SkewedClock` replaces `sync.hlc.wall_ms` (the only wall clock the version stamps and the
import's skew guard read) with a deterministic fake one, shifted per installation while it is acting.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from atensi_desktop.db.bootstrap import open_database
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models.sync_meta import Site, Version
from atensi_desktop.paths import AppPaths, resolve_paths
from atensi_desktop.services.office import OfficeInput, setup_installation
from atensi_desktop.sync import hlc as hlc_mod
from atensi_desktop.sync.canonical import canonical_dump
from atensi_desktop.sync.keys import office_keys, read_card, write_card
from atensi_desktop.sync.peers import add_peer

OFFICES = (
    ("Dinas Sosial Kabupaten Hulu Sungai Selatan", "DINSOS", "dinas_sosial"),
    ("LKS Harapan Bunda", "LKSHB", "lks"),
    ("LKS Kasih Ibu", "LKSKI", "lks"),
    ("Panti Sosial Budi Luhur", "PSBL", "panti"),
    ("Sentra Terpadu Kandangan", "SENTRA", "sentra"),
)
HOUR_MS = 3600 * 1000


@dataclass
class Installation:
    name: str
    code: str
    db: Database
    paths: AppPaths
    office_id: uuid.UUID
    skew_ms: int = 0

    def dump(self) -> str:
        out = io.StringIO()
        canonical_dump(self.db, out)
        return out.getvalue()

    def versions(self) -> set[tuple]:
        """Every version this database holds, with the origin site as UUID (comparable across databases)."""
        with self.db.engine.connect() as conn:
            sites = dict(conn.execute(select(Site.ordinal, Site.site_uuid)).all())
            return {(str(sites[s]), q, t, str(r), c, h, v) for s, q, t, r, c, h, v in conn.execute(
                select(Version.site, Version.seq, Version.tbl, Version.rid, Version.col, Version.hlc, Version.val))}

    def version_count(self) -> int:
        with self.db.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Version)).scalar_one()


@dataclass(frozen=True)
class Template:
    name: str
    code: str
    office_id: uuid.UUID
    folder: Path


def open_installation(folder: Path, name: str, code: str, office_id: uuid.UUID) -> Installation:
    paths = resolve_paths(folder).ensure()
    db = open_database(paths.default_db_url, paths)
    return Installation(name, code, db, paths, office_id)


def new_installation(folder: Path, name: str, code: str, kind: str = "lks") -> Installation:
    """A fresh data folder with its office set up and its keys made."""
    paths = resolve_paths(folder).ensure()
    db = open_database(paths.default_db_url, paths)
    result = setup_installation(db, OfficeInput(name=name, office_type=kind, code=code, wilayah_code="63.06"))
    db.office_id = result.office.id
    office_keys(db, paths)
    return Installation(name, code, db, paths, result.office.id)


def trust(a: Installation, b: Installation, scratch: Path) -> None:
    """a and b add each other as peers, as two offices do after reading fingerprints over the phone."""
    for x, y in ((a, b), (b, a)):
        card = scratch / f"kartu-{x.code}.json"
        write_card(x.db, x.paths, card)
        parsed = read_card(card)
        add_peer(y.db, parsed, parsed.fingerprint)


def build_templates(root: Path, count: int = len(OFFICES)) -> list[Template]:
    """`count` installations that all trust each other, closed and ready to be copied by `clone_world`."""
    root.mkdir(parents=True, exist_ok=True)
    insts = [new_installation(root / code, name, code, kind) for name, code, kind in OFFICES[:count]]
    try:
        for a, b in itertools.combinations(insts, 2):
            trust(a, b, root)
    finally:
        for inst in insts:
            inst.db.dispose()
    return [Template(i.name, i.code, i.office_id, root / i.code) for i in insts]


def clone_world(templates: list[Template], dest: Path) -> list[Installation]:
    """Copies of the template installations under `dest`, opened (each forks to a new site id; the log
    warning that says so is expected here and kept out of the test output)."""
    out = []
    quiet = logging.getLogger("atensi_desktop.db.bootstrap")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        for t in templates:
            folder = dest / t.code
            shutil.copytree(t.folder, folder)
            out.append(open_installation(folder, t.name, t.code, t.office_id))
    finally:
        quiet.setLevel(level)
    return out


def close_world(insts: list[Installation]) -> None:
    for inst in insts:
        inst.db.dispose()


class SkewedClock:
    """A deterministic wall clock for `sync.hlc.wall_ms`: advances `step_ms` per reading, plus the skew of
    the installation that is acting (`acting(inst)`)."""

    def __init__(self, start_ms: int, step_ms: int = 1000) -> None:
        self.now = start_ms
        self.step = step_ms
        self.skew = 0

    def __call__(self) -> int:
        self.now += self.step
        return self.now + self.skew

    @contextlib.contextmanager
    def acting(self, inst: Installation) -> Iterator[None]:
        before, self.skew = self.skew, inst.skew_ms
        try:
            yield
        finally:
            self.skew = before


@contextlib.contextmanager
def fake_wall_clock(clock: SkewedClock) -> Iterator[SkewedClock]:
    real = hlc_mod.wall_ms
    hlc_mod.wall_ms = clock
    try:
        yield clock
    finally:
        hlc_mod.wall_ms = real
