"""Export and import of sync bundles between installations (issue 7; sync-design.md §3.2, §4).

Export (`export_bundle`): the version rows each recipient office is not known to hold, written with
`bundle.write_bundle` as the part `versions.jsonl`, signed with this office's key and encrypted to the
recipients' age keys (and to this office's own key, so the sender can read its own file back).

Decisions where sync-design.md leaves a choice:
- **What a peer is known to hold** is kept in `version_vector` under two scopes per peer office, no new table:
  `ack:<office id>` = the sender's vector carried by the last bundle imported *from* that office (it holds
  all of that), and `sent:<office id>` = what was exported *to* it. An export uses `ack` when there is one,
  else `sent`, else nothing (a full export); with several recipients, the smallest per site. A lost bundle
  is re-sent as soon as the peer's own next bundle arrives (its `ack` is behind `sent`); `full=True`
  (`export --lengkap`) sends everything. Re-sent versions cost nothing on import.
- **What a bundle claims** (its `vv`, which becomes the receiver's `ack:` for us): this installation's own
  site in full, and for every other site only how far *all* of its changes are held: the scope `have`,
  moved only by a full or delta import whose `since` this database satisfied for that site. A one-case
  import (some changes of a site, with holes below them) or a bundle that follows a missing one does not
  move it, so the peer's next export to us carries the rest again (`_claimed_vv`, `_advance_have`).
- **Lines of `versions.jsonl`**: one JSON array per version, `[site, seq, table, row id, column, hlc, value,
  parents]`, in (site, seq) order, where `site` is the origin site's UUID (local site ordinals never leave
  the database), `value` is the version's JSON text (or null) and `parents` is `[[hlc, site UUID], …]` or null.
- **Winner** of a register: the version with the greatest (hlc, site UUID as text); the same on every
  installation (local ordinals are not comparable across installations). One exception, `referral.status`
  (sync-design §4.3, last row): the leaf with the highest state rank (dikirim < diterima < selesai = ditolak),
  ties by (hlc, site), so a concurrent "dikirim" never reopens a closed referral (`pick_winner`).
  **Conflict**: a register touched by an import that has more than one leaf (a version no other version
  names as parent).
- Rows are written with Core statements on the connection, never through the ORM flush hook, so
  applying a winner writes no new local version. Derived caches of `client` (`name_norm`, `alias_norm`) are
  recomputed; the asesmen section's derived check columns are left at their defaults for imported sections.
- **Attachments**: a bundle carries the blob of every `client_document.sha256` version it carries, when this
  installation has the file; the importer stores the blobs before the database transaction (a crash leaves
  only harmless, content-addressed files).

Import (`import_bundle`) — decisions:
- **Already imported**: `sync_import_log` holds every bundle applied here (not dry runs). A bundle whose
  `bundle_id` is there is recognised right after its manifest is verified, before any version is parsed, and
  returned as `ImportResult.already_imported_at`/`_by` with nothing applied (a note, not an error);
  `force=True` applies it again, which changes nothing.
- **Streaming**: `versions.jsonl` is read in blocks of about 1 MB of lines; each block is parsed, checked
  (known register, value type, clock skew), and the versions not held yet are inserted; only the set of
  registers touched is kept. Then the touched rows are read back per table in chunks of 500, their winners
  written, and new rows inserted chunk by chunk (rows that need a row of the same table from a later chunk
  are retried at the end of the table). Memory grows with the number of rows touched, not with versions.
- **Missing earlier file** (prerequisite check, sync-design §3.2): when the manifest's `since` says this
  database holds seq ≤ N of a site but it holds less, everything is still merged, the gap
  (first..last seq, origin office) is kept in `meta` (`sync_missing_ranges`), a warning naming the office
  and the range is returned and logged, `ack:` is not advanced for that site, and this installation's own
  exports claim that site only up to the gap, so the peer's next normal export carries the lost changes
  again. A later bundle whose range (since, vv] covers the gap closes it (`missing_files` is then empty).
- **One-case files** (`kind` "case" or `scope` {"case": …}) are patches: they neither reveal nor close
  gaps and never advance `ack:`. `passphrase=` opens a passphrase-locked file.
- **Log**: `sync_import_log` (counts, warnings) and `sync_import_change` are written in the import's own
  transaction: one change row per value that changed on an existing row (old → new JSON text), and one
  row per created row (`col` "" and `new_val` a JSON object of its values, stored once instead of one row
  per value: a full import of 265k versions would otherwise write 265k extra rows); `import_changes`
  expands both into one item per value. Exports are logged in `sync_export_log` (`record_export`, also for
  one-case files). `bundle_history` lists both directions, newest first.
- **Fault injection**: with ATENSI_TEST_PAUSE_IMPORT=FILE the importer creates FILE and waits just before
  its commit (tests/integration/test_sync_kill_import.py kills it there).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Numeric, String, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.base import GUID, Base, utcnow, versioned_columns
from atensi_desktop.db.engine import Database, read_meta
from atensi_desktop.db.models import BLOB_COLUMNS, SYNCED_BY_TABLE
from atensi_desktop.db.models.client import Client
from atensi_desktop.db.models.office import Office
from atensi_desktop.db.models.peer import PEER_ACTIVE, SyncPeer
from atensi_desktop.db.models.sync_log import SyncExportLog, SyncImportChange, SyncImportLog
from atensi_desktop.db.models.sync_meta import Meta, Site, SyncState, Version, VersionVector
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _
from atensi_desktop.paths import AppPaths
from atensi_desktop.security import guard
from atensi_desktop.security.roles import SYNC_EXPORT, SYNC_IMPORT
from atensi_desktop.services import audit, purge
from atensi_desktop.services.clients import SearchIndexPause
from atensi_desktop.sync import hlc as hlc_mod
from atensi_desktop.sync.bundle import copy_blob, read_bundle, write_bundle
from atensi_desktop.sync.conflicts import record_conflicts
from atensi_desktop.sync.keys import office_keys
from atensi_desktop.sync.peers import PeerDTO, list_peers
from atensi_desktop.sync.reference import apply_parts, export_parts
from atensi_desktop.sync.versioning import encode_value
from atensi_desktop.sync.winners import leaves, pick_winner

Progress = Callable[[int, int], None]

PART = "versions.jsonl"
SENT, ACK = "sent:", "ack:"
HAVE = "have"  # version_vector scope: per origin site, how far this database holds all of its changes
HAVE_READY = "sync_have_vector"  # meta: set once `have` is kept by the imports
WAITING = "sync_waiting_rows"  # meta: [[table, row id], …] whose versions arrived before rows they need
GAPS = "sync_missing_ranges"  # meta: {site uuid: [[first seq, last seq, office id], …]} known to be missing
SITE_OFFICES = "sync_site_offices"  # meta: {site uuid: office id}, learned from the manifests imported
_IN_CHUNK = 500
_BATCH = 5000
_BULK_CLIENTS = 1000
_SKEW_MS = 24 * 3600 * 1000


def add_blob(store: BlobStore, value: str | None, blobs: dict[str, Path], missing: set[str]) -> None:
    """Note the file a blob register's JSON value names: in `blobs` when this installation has it, else in
    `missing` (listed in the manifest as `blobs_referenced_missing`)."""
    try:
        sha = json.loads(value) if value else None
    except ValueError:
        return
    if not isinstance(sha, str) or sha in blobs:
        return
    try:
        path = store.path_for(sha)
    except ValueError:
        return
    if path.is_file():
        blobs[sha] = path
    else:
        missing.add(sha)
_VALUE_TYPES = frozenset({str, type(None)})


@dataclass(frozen=True)
class ExportResult:
    path: Path
    bundle_id: str
    recipients: tuple[str, ...]
    versions: int
    blobs: int
    full: bool


@dataclass(frozen=True)
class Conflict:
    """A register edited concurrently: the winner applied, the other leaves' values for review."""

    table: str
    row_id: uuid.UUID
    column: str
    winner: str | None
    others: tuple[str | None, ...]


@dataclass(frozen=True)
class ImportResult:
    source_office: str
    source_name: str
    bundle_id: str
    versions_in_bundle: int
    new_versions: int
    unchanged: int  # versions already held
    rows_created: int
    values_changed: int
    rows_waiting: int = 0
    conflicts: tuple[Conflict, ...] = field(default_factory=tuple)
    blobs_stored: int = 0
    dry_run: bool = False
    kind: str = ""  # full | delta | case
    warnings: tuple[str, ...] = ()  # e.g. an earlier file from the sender is missing
    already_imported_at: dt.datetime | None = None  # set when the file was imported before: nothing applied
    already_imported_by: str | None = None


# --- peers ---------------------------------------------------------------------------------------

def resolve_peer(db: Database, ref: str) -> PeerDTO:
    """A peer office by its office id or code (any case); unknown or revoked: UserError."""
    text = (ref or "").strip()
    peers = list_peers(db)
    found: list[PeerDTO] = []
    try:
        wanted = uuid.UUID(text)
        found = [p for p in peers if p.office_id == wanted]
    except ValueError:
        found = [p for p in peers if (p.code or "").casefold() == text.casefold()]
    if not found:
        raise UserError(_("Kantor mitra '{ref}' tidak ada di daftar mitra.").format(ref=text),
                        hint=_("Lihat daftarnya dengan 'atensi-desktop office peers'; tambahkan kantor itu "
                               "dengan 'office add-peer' lebih dulu."))
    if len(found) > 1:
        raise UserError(_("Kode kantor '{ref}' dipakai oleh beberapa kantor mitra.").format(ref=text),
                        hint=_("Sebut kantornya dengan ID kantor (lihat 'office peers')."))
    peer = found[0]
    if peer.status != PEER_ACTIVE:
        raise UserError(_("Kantor mitra {name} sudah dicabut; tidak ada data yang dikirim kepadanya.")
                        .format(name=peer.name),
                        hint=_("Tambahkan lagi dengan 'office add-peer FILE --ganti-kunci' bila memang "
                               "dipercaya lagi."))
    return peer


# --- site ordinals and version vectors --------------------------------------------------------------

class _Sites:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.to_uuid: dict[int, str] = {}
        self.to_ord: dict[str, int] = {}
        for ordinal, site_uuid in conn.execute(select(Site.ordinal, Site.site_uuid)):
            self.to_uuid[ordinal] = str(site_uuid)
            self.to_ord[str(site_uuid)] = ordinal

    def ordinal(self, site_uuid: str) -> int:
        found = self.to_ord.get(site_uuid)
        if found is None:
            found = self.conn.execute(insert(Site).values(site_uuid=uuid.UUID(site_uuid))
                                      .returning(Site.ordinal)).scalar_one()
            self.to_ord[site_uuid] = found
            self.to_uuid[found] = site_uuid
        return found


def _local_vv(conn: Connection) -> dict[int, int]:
    """This database's vector: the highest sequence number it holds per origin site."""
    return {s: q for s, q in conn.execute(select(Version.site, func.max(Version.seq)).group_by(Version.site))}


def _read_vv(conn: Connection, scope: str) -> dict[int, int]:
    return {s: q for s, q in conn.execute(select(VersionVector.site, VersionVector.seq)
                                          .where(VersionVector.scope == scope))}


def _merge_vv(conn: Connection, scope: str, vv: dict[int, int]) -> None:
    have = _read_vv(conn, scope)
    for site, seq in vv.items():
        if site not in have:
            conn.execute(insert(VersionVector).values(scope=scope, site=site, seq=seq))
        elif seq > have[site]:
            conn.execute(update(VersionVector).where(VersionVector.scope == scope, VersionVector.site == site)
                         .values(seq=seq))


# --- export --------------------------------------------------------------------------------------

def _since(conn: Connection, peers: list[PeerDTO], full: bool) -> dict[int, int]:
    if full:
        return {}
    vectors = []
    for peer in peers:
        vv = _read_vv(conn, ACK + str(peer.office_id)) or _read_vv(conn, SENT + str(peer.office_id))
        if not vv:
            return {}
        vectors.append(vv)
    sites = set.intersection(*(set(v) for v in vectors)) if vectors else set()
    return {s: min(v[s] for v in vectors) for s in sites}


def _parents_out(raw: str | None, sites: _Sites) -> Any:
    if not raw:
        return None
    return [[h, sites.to_uuid[s]] for h, s in json.loads(raw)]


def _export_lines(conn: Connection, sites: _Sites, ranges: list[tuple[int, int, int]],
                  progress: Progress | None, total: int) -> Iterator[bytes]:
    done = 0
    for site, low, high in ranges:
        site_uuid = sites.to_uuid[site]
        result = conn.execution_options(yield_per=_BATCH).execute(
            select(Version.seq, Version.tbl, Version.rid, Version.col, Version.hlc, Version.val, Version.parents)
            .where(Version.site == site, Version.seq > low, Version.seq <= high).order_by(Version.seq))
        chunk: list[str] = []
        for seq, tbl, rid, col, h, val, parents in result:
            chunk.append(json.dumps([site_uuid, seq, tbl, str(rid), col, h, val, _parents_out(parents, sites)],
                                    ensure_ascii=False, separators=(",", ":")))
            if len(chunk) >= _BATCH:
                done += len(chunk)
                yield ("\n".join(chunk) + "\n").encode("utf-8")
                chunk = []
                if progress:
                    progress(done, total)
        if chunk:
            done += len(chunk)
            yield ("\n".join(chunk) + "\n").encode("utf-8")
            if progress:
                progress(done, total)


def export_bundle(db: Database, paths: AppPaths, to_offices: Iterable[str | uuid.UUID], out_path: str | os.PathLike[str],
                  *, full: bool = False, progress: Progress | None = None,
                  exported_by: str | None = None) -> ExportResult:
    """Write a bundle of what the recipients are not known to hold (see the module docstring); logged in
    `sync_export_log` (`exported_by`: default the operating-system user)."""
    guard.check(db, SYNC_EXPORT)
    peers: list[PeerDTO] = []
    for ref in to_offices:
        peer = resolve_peer(db, str(ref))
        if peer.office_id not in {p.office_id for p in peers}:
            peers.append(peer)
    if not peers:
        raise UserError(_("Belum ada kantor tujuan."), hint=_("Sebut kantor mitra tujuan dengan --to KANTOR."))
    target = Path(out_path)
    if not target.parent.is_dir():
        raise UserError(_("Folder {folder} tidak ada.").format(folder=target.parent),
                        hint=_("Buat foldernya dulu atau pilih folder lain."))
    keys = office_keys(db, paths)
    store = BlobStore(paths.blobs)
    with db.engine.connect() as conn:
        sites = _Sites(conn)
        vv = _local_vv(conn)
        claimed = _claimed_vv(conn, sites, vv)
        since = _since(conn, peers, full)
        state = conn.execute(select(SyncState.site, SyncState.hlc)).one()
        ranges = [(s, since.get(s, 0), high) for s, high in sorted(vv.items()) if high > since.get(s, 0)]
        total = 0
        blobs: dict[str, Path] = {}
        missing: set[str] = set()
        for site, low, high in ranges:
            total += _count(conn, site, low, high)
            for tbl, col, val in conn.execute(select(Version.tbl, Version.col, Version.val).where(
                    Version.site == site, Version.seq > low, Version.seq <= high,
                    Version.tbl.in_(BLOB_COLUMNS), Version.col == "sha256")):
                if BLOB_COLUMNS.get(tbl) == col:
                    add_blob(store, val, blobs, missing)
        manifest = {
            "source_office": str(keys.office_id),
            "source_site": sites.to_uuid[state.site],
            "created_hlc": state.hlc,
            "kind": "delta" if since else "full",
            "since": {sites.to_uuid[s]: q for s, q in sorted(since.items())},
            "vv": {sites.to_uuid[s]: q for s, q in sorted(claimed.items())},
            "scope": None,
            "recipients": [p.name for p in peers],
            "recipient_offices": [str(p.office_id) for p in peers],
            "counts": {"versions": total, "blobs": len(blobs)},
            "blobs_referenced_missing": sorted(set(missing)),
        }
        recipients = [p.age_recipient for p in peers] + [keys.age_recipient]
        parts = {PART: _export_lines(conn, sites, ranges, progress, total), **export_parts(conn, full=not since, recipients=[str(p.office_id) for p in peers])}
        written = write_bundle(target, manifest, parts,
                               blobs, keys, recipients=recipients, work_dir=paths.data)
    with db.engine.begin() as conn:
        for peer in peers:
            _merge_vv(conn, SENT + str(peer.office_id), claimed)
    record_export(db, bundle_id=written["bundle_id"], kind=manifest["kind"],
                  recipients=[(p.name, str(p.office_id)) for p in peers], path=target, versions=total,
                  blobs=len(blobs), by=exported_by)
    return ExportResult(path=target, bundle_id=written["bundle_id"], recipients=tuple(p.name for p in peers),
                        versions=total, blobs=len(blobs), full=not since)


def _gap_capped(conn: Connection, sites: _Sites, vv: dict[int, int]) -> dict[int, int]:
    """`vv` (highest seq held per site), but for a site with a known gap only up to the gap."""
    capped = dict(vv)
    for site_uuid, items in _gaps(conn).items():
        ordinal = sites.to_ord.get(site_uuid)
        if ordinal in capped and items:
            capped[ordinal] = min(capped[ordinal], min(first for first, _last, _o in items) - 1)
    return capped


def _have(conn: Connection, sites: _Sites, *, write: bool) -> dict[int, int]:
    """The `have` vector: per origin site other than this one, how far this database holds *all* of its
    changes. Kept by the imports (`_advance_have`). A database that imported before the vector existed
    starts from the highest seq held per site, capped at a known gap; `write` stores that start."""
    have = _read_vv(conn, HAVE)
    if _meta(conn, HAVE_READY):
        return have
    own = conn.execute(select(SyncState.site)).scalar_one()
    start = {s: q for s, q in _gap_capped(conn, sites, _local_vv(conn)).items() if s != own}
    if write:
        for site, seq in start.items():
            conn.execute(delete(VersionVector).where(VersionVector.scope == HAVE, VersionVector.site == site))
            conn.execute(insert(VersionVector).values(scope=HAVE, site=site, seq=seq))
        _set_meta(conn, HAVE_READY, "1")
    return start


def _claimed_vv(conn: Connection, sites: _Sites, vv: dict[int, int]) -> dict[int, int]:
    """The vector a bundle claims: this installation's own site in full; another site only as far as all of
    its changes are held (`have`), which stops below a missing earlier file and is not moved by one-case
    files (they bring only some changes). So a peer's next export to us carries again whatever we lack."""
    own = conn.execute(select(SyncState.site)).scalar_one()
    have = _have(conn, sites, write=False)
    return {s: high if s == own else min(high, have.get(s, 0)) for s, high in vv.items()}


def _advance_have(conn: Connection, sites: _Sites, manifest: dict[str, Any], have: dict[int, int]) -> None:
    """After a full or delta bundle: for each site whose `since` this database satisfied, everything up to the
    bundle's `vv` is held now. (A one-case file or a bundle after a missing one moves nothing.)"""
    since = {str(k): int(v) for k, v in (manifest.get("since") or {}).items()}
    own = conn.execute(select(SyncState.site)).scalar_one()
    for site_uuid, high in (manifest.get("vv") or {}).items():
        ordinal = sites.ordinal(str(uuid.UUID(str(site_uuid))))
        base = have.get(ordinal, 0)
        if ordinal != own and since.get(str(site_uuid), 0) <= base < int(high):
            conn.execute(delete(VersionVector).where(VersionVector.scope == HAVE, VersionVector.site == ordinal))
            conn.execute(insert(VersionVector).values(scope=HAVE, site=ordinal, seq=int(high)))


def _count(conn: Connection, site: int, low: int, high: int) -> int:
    return conn.execute(select(func.count()).select_from(Version)
                        .where(Version.site == site, Version.seq > low, Version.seq <= high)).scalar_one()


# --- decoding register values ---------------------------------------------------------------------

def _json_string(v: str) -> str:
    """The string a JSON string literal stands for; the common case (no escapes) without the parser."""
    return v[1:-1] if "\\" not in v else json.loads(v)


def _any(v: str | None) -> Any:
    if v is None:
        return None
    if v[0] == '"':
        return _json_string(v)
    if v == "true":
        return True
    if v == "false":
        return False
    return json.loads(v)


def _decoder(column: Any) -> Callable[[str | None], Any]:
    kind = column.type
    if isinstance(kind, GUID):  # the same ids recur (office, worker, client of child rows): parsed once
        seen: dict[str, uuid.UUID] = {}

        def guid(v: str | None) -> uuid.UUID | None:
            if v is None:
                return None
            found = seen.get(v)
            if found is None:
                if len(seen) > 50_000:
                    seen.clear()
                found = seen[v] = uuid.UUID(_json_string(v))
            return found

        return guid
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(_json_string(v))
    if isinstance(kind, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(_json_string(v))
    if isinstance(kind, Numeric):
        return lambda v: None if v is None else Decimal(v.strip('"'))
    if isinstance(kind, String):  # Text too; a string register holds a JSON string (or null)
        return lambda v: None if v is None else (v[1:-1] if v[0] == '"' and "\\" not in v else json.loads(v))
    return _any


_DECODERS: dict[str, dict[str, Callable[[str | None], Any]]] = {}


def _decoders(model: type) -> dict[str, Callable[[str | None], Any]]:
    found = _DECODERS.get(model.__tablename__)
    if found is None:
        table = model.__table__  # type: ignore[attr-defined]
        found = {c: _decoder(table.c[c]) for c in versioned_columns(model)}
        _DECODERS[model.__tablename__] = found
    return found


# --- import --------------------------------------------------------------------------------------

def _trusted(db: Database) -> dict[str, bytes]:
    return {str(p.office_id): p.ed25519_public for p in list_peers(db) if p.status == PEER_ACTIVE}


def _bad_content(detail: str) -> UserError:
    return UserError(_("Isi berkas sinkronisasi ini tidak bisa dibaca ({detail}).").format(detail=detail[:80]),
                     hint=_("Berkas mungkin dibuat oleh versi aplikasi lain. Perbarui aplikasi, atau minta "
                            "pengirim mengekspor ulang."))


def _skewed() -> UserError:
    return UserError(_("Tanggal komputer pengirim tampaknya salah: ada perubahan bertanggal lebih dari "
                       "sehari di masa depan."),
                     hint=_("Minta pengirim membetulkan tanggal dan jam komputernya, lalu mengekspor ulang."))


def _chunks(items: list[Any], size: int = _IN_CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _Raw:
    """Driver-level statements for the hot loops: no per-value SQLAlchemy type processing."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        self.mark = "?" if self.sqlite else "%s"
        self.cursor = conn.connection.cursor()  # the same DB-API connection, so the same transaction

    def rid(self, value: uuid.UUID) -> Any:
        return value.bytes if self.sqlite else value

    def rid_out(self, value: Any) -> uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=bytes(value))

    def marks(self, count: int) -> str:
        return ",".join([self.mark] * count)

    def rows(self, sql: str, params: tuple | list) -> list[tuple]:
        self.cursor.execute(sql if self.sqlite else sql.replace("?", self.mark), tuple(params))
        return self.cursor.fetchall()

    def many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            self.cursor.executemany(sql if self.sqlite else sql.replace("?", self.mark), rows)


@dataclass
class _Ingested:
    """What streaming the versions part left behind: counts and the registers it touched (not the versions)."""

    total: int = 0
    fresh: int = 0
    top_hlc: int = 0
    # table -> row id -> the columns touched; equal column sets share one frozenset (memory: a full import
    # touches every row, and most rows of a table have the same columns)
    touched: dict[str, dict[uuid.UUID, frozenset[str]]] = field(default_factory=lambda: defaultdict(dict))
    shared: dict[frozenset[str], frozenset[str]] = field(default_factory=dict)


def _ingest(conn: Connection, raw: _Raw, bundle: Any, sites: _Sites, *, total_hint: int,
            progress: Progress | None, screen: Callable[[list[tuple]], list[tuple]] | None = None) -> _Ingested:
    """Stream `versions.jsonl` in batches: parse and check each line, insert the versions not held yet,
    note the registers they touch. Only one batch of lines is in memory at a time."""
    out = _Ingested()
    limit = hlc_mod.wall_ms() + _SKEW_MS
    registers = {(tbl, col) for tbl, m in SYNCED_BY_TABLE.items() for col in versioned_columns(m)}
    site_of: dict[str, int] = {}

    def site(text: Any) -> int:
        found = site_of.get(text)
        if found is None:
            found = site_of[text] = sites.ordinal(str(uuid.UUID(text)))
        return found

    def parents_local(parents: Any) -> str:
        return json.dumps([[int(ph), site(ps)] for ph, ps in parents])

    def batch(block: bytes) -> None:
        # whole-batch checks as set comprehensions (much faster than one Python loop step per line)
        try:
            items = json.loads(b"[" + block.replace(b"\n", b",") + b"]")
            if {(type(it), len(it)) for it in items} != {(list, 8)}:
                raise ValueError("a line is not [site, seq, table, row, column, hlc, value, parents]")
            unknown = {(it[2], it[4]) for it in items} - registers
            if unknown:
                tbl, col = min(unknown, key=str)
                raise ValueError(f"unknown register {tbl}.{col}")
            if not {type(it[6]) for it in items} <= _VALUE_TYPES:
                raise ValueError("value must be JSON text")
            if {type(it[1]) for it in items} | {type(it[5]) for it in items} != {int}:
                raise ValueError("hlc and seq must be integers")
            uuids = {raw.rid(u): u for u in (uuid.UUID(t) for t in {it[3] for it in items})}
            keys = {str(u): k for k, u in uuids.items()}
            for text in {it[0] for it in items}:
                site_of.get(text) or site(text)
            rows = [(site_of[it[0]], it[1], it[2], keys.get(it[3]) or raw.rid(uuid.UUID(it[3])), it[4], it[5],
                     it[6], parents_local(it[7]) if it[7] else None) for it in items]
        except (TypeError, ValueError, AttributeError, KeyError) as err:
            raise _bad_content(str(err)) from None
        if (max(it[5] for it in items) >> hlc_mod.COUNTER_BITS) > limit:
            raise _skewed()
        out.total += len(rows)
        if screen is not None:  # registers erased or anonymised by a purge order (services/purge.py)
            rows = screen(rows)
            if not rows:
                return
        fresh = _new_only(raw, rows)
        raw.many(_VERSION_INSERT, fresh)
        out.fresh += len(fresh)
        if not fresh:
            return
        out.top_hlc = max(out.top_hlc, max(r[5] for r in fresh))
        shared = out.shared
        touched = out.touched
        for (tbl, key), group in groupby(fresh, key=itemgetter(2, 3)):  # a row's versions are mostly together
            cols = {r[4] for r in group}
            rows_of = touched[tbl]
            rid = uuids.get(key) or raw.rid_out(key)
            have = rows_of.get(rid)
            merged = frozenset(cols) if have is None else have | cols
            rows_of[rid] = shared.setdefault(merged, merged)
        if progress:
            progress(out.total, max(total_hint, out.total))

    for block in _line_blocks(bundle):
        batch(block)
    return out


def _line_blocks(bundle: Any, size: int = 1 << 20) -> Iterator[bytes]:
    """The versions part as blocks of whole lines (about `size` bytes each, joined by single newlines, no
    empty lines), read in large pieces rather than line by line."""
    with bundle.open_part(PART) as fh:
        rest = b""
        while True:
            piece = fh.read(size)
            if not piece:
                break
            piece = rest + piece
            cut = piece.rfind(b"\n")
            if cut < 0:
                rest = piece
                continue
            rest = piece[cut + 1:]
            block = piece[:cut].replace(b"\r", b"")
            if b"\n\n" in block or block.startswith(b"\n") or not block:
                block = b"\n".join(line for line in block.split(b"\n") if line.strip())
            if block:
                yield block
        rest = rest.replace(b"\r", b"").strip()
        if rest:
            yield rest


def _new_only(raw: _Raw, rows: list[tuple]) -> list[tuple]:
    """The rows whose (site, seq) this database does not hold yet (nor earlier in the same list)."""
    sites = {row[0] for row in rows}
    if len(sites) == 1:  # the usual case: one origin site per batch, often nothing held yet
        seqs = [row[1] for row in rows]
        low, high = min(seqs), max(seqs)
        have = {q for (q,) in raw.rows("SELECT seq FROM version WHERE site = ? AND seq >= ? AND seq <= ?",
                                       (rows[0][0], low, high))}
        if not have and len(set(seqs)) == len(seqs):
            return rows
    by_site: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        by_site[row[0]].append(row)
    fresh: list[tuple] = []
    for site, items in by_site.items():
        low, high = min(r[1] for r in items), max(r[1] for r in items)
        have = {q for (q,) in raw.rows("SELECT seq FROM version WHERE site = ? AND seq >= ? AND seq <= ?",
                                       (site, low, high))}
        for r in items:
            if r[1] not in have:
                have.add(r[1])
                fresh.append(r)
    return fresh


# --- applying winners ----------------------------------------------------------------------------

def _apply(conn: Connection, raw: _Raw, sites: _Sites, touched: dict[str, dict[uuid.UUID, frozenset[str]]],
           retry: list[tuple[str, uuid.UUID]], log: Callable[[list[tuple]], None]
           ) -> tuple[int, int, list[tuple[str, str]], list[Conflict]]:
    """Set every touched register to its winner; returns (rows created, values changed, rows waiting for
    versions still missing, conflicts). `retry`: rows that waited before, tried again. `log` receives
    (tbl, row id as the driver wants it, col, old JSON text, new JSON text) for every displayed value set."""
    for tbl, rid in retry:
        if tbl in SYNCED_BY_TABLE:
            touched[tbl].setdefault(rid, frozenset())
    created = changed = 0
    waiting: list[tuple[str, str]] = []
    conflicts: list[Conflict] = []
    known: dict[str, set[uuid.UUID]] = {}
    now = utcnow()
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    site_text = sites.to_uuid
    for tbl in sorted(touched, key=lambda t: order.get(t, 0)):
        model = SYNCED_BY_TABLE[tbl]
        table = model.__table__  # type: ignore[attr-defined]
        decoders = _decoders(model)
        cols = list(decoders)
        derive = getattr(model, "derive", None)
        rows = touched[tbl]
        sql = "SELECT rid, col, hlc, site, val, parents FROM version WHERE tbl = ? AND rid IN ({marks})"
        known.setdefault(tbl, set())
        pending: list[tuple[dict[str, Any], dict[str, str | None], Any]] = []  # new rows not written yet
        for chunk in _chunks(sorted(rows, key=lambda u: u.bytes)):
            new_rows: list[tuple[dict[str, Any], dict[str, str | None], Any]] = []
            keys = [raw.rid(r) for r in chunk]
            versions: dict[Any, dict[str, list[tuple]]] = {}
            for item in raw.rows(sql.format(marks=raw.marks(len(keys))), [tbl, *keys]):
                per = versions.get(item[0])
                if per is None:
                    per = versions[item[0]] = {}
                found = per.get(item[1])
                if found is None:
                    per[item[1]] = [item]
                else:
                    found.append(item)
            current = {}
            if raw.rows(f"SELECT 1 FROM {table.name} WHERE id IN ({raw.marks(len(keys))}) LIMIT 1", keys):
                current = {row[0]: row for row in conn.execute(
                    select(table.c.id, *(table.c[c] for c in cols)).where(table.c.id.in_(chunk)))}
            for key, rid in zip(keys, chunk, strict=True):
                mine = rows[rid]
                row = current.get(rid)
                winners: dict[str, str | None] = {}
                values: dict[str, Any] = {}
                for col, found in versions.get(key, {}).items():
                    decode = decoders.get(col)
                    if decode is None:
                        continue
                    if len(found) == 1:
                        text = found[0][4]
                    else:
                        # (hlc, site uuid text, value, parents, site ordinal), as pick_winner takes them
                        vs = [(h, site_text[site], val, parents, site) for _k, _c, h, site, val, parents in found]
                        best = pick_winner(tbl, col, vs)
                        text = best[2]
                        if col in mine:
                            tips = leaves(vs)
                            if len(tips) > 1:
                                conflicts.append(Conflict(tbl, rid, col, best[2],
                                                          tuple(v[2] for v in tips if v is not best)))
                    winners[col] = text
                    if row is None:
                        values[col] = decode(text)
                if row is None:
                    if derive is not None:
                        values = derive(values)
                    values.update(id=rid, created_at=now, updated_at=now)
                    new_rows.append((values, winners, key))
                    continue
                have = dict(zip(cols, row[1:], strict=True))
                changes = {}
                shown: list[tuple] = []
                for col in mine:
                    value = decoders[col](winners.get(col))
                    if value != have[col]:
                        changes[col] = value
                        shown.append((tbl, key, col, encode_value(have[col]), winners.get(col)))
                if changes:
                    changed += len(changes)
                    log(shown)
                    if derive is not None:
                        changes.update({k: v for k, v in derive({**have, **changes}).items()
                                        if k not in have and k in table.c})
                    conn.execute(update(table).where(table.c.id == rid).values(updated_at=now, **changes))
            # written chunk by chunk, so a table's new rows are never all in memory
            done, left = _write_rows(conn, raw, table, new_rows, known, log)
            created += done
            pending.extend(left)
        while pending:  # rows that need a row of the same table written in a later chunk
            done, pending = _write_rows(conn, raw, table, pending, known, log)
            created += done
            if not done:
                break
        waiting.extend((tbl, str(v["id"])) for v, _w, _k in pending)
    return created, changed, waiting, conflicts


def _write_rows(conn: Connection, raw: _Raw, table: Any, new_rows: list[tuple[dict[str, Any], dict[str, Any], Any]],
                known: dict[str, set[uuid.UUID]], log: Callable[[list[tuple]], None]
                ) -> tuple[int, list[tuple[dict[str, Any], dict[str, Any], Any]]]:
    """Insert the new rows that are complete (see _complete_rows) and log them; returns (how many, the rest)."""
    if not new_rows:
        return 0, []
    ready = _complete_rows(conn, raw, table, [values for values, _w, _k in new_rows], known)
    ready_ids = {r["id"] for r in ready}
    known[table.name].update(ready_ids)
    groups: dict[frozenset, list[dict[str, Any]]] = defaultdict(list)
    for values in ready:
        groups[frozenset(values)].append(values)
    for group in groups.values():
        _insert_rows(conn, raw, table, group)
    log([(table.name, k, ROW_CREATED, None, _row_json(w)) for v, w, k in new_rows if v["id"] in ready_ids])
    return len(ready), [item for item in new_rows if item[0]["id"] not in ready_ids]


def _guid_bytes(value: Any) -> bytes:
    """What GUID's bind processing gives SQLite (16 bytes), with the usual case (a UUID object) first."""
    return value.bytes if type(value) is uuid.UUID else uuid.UUID(str(value)).bytes


ROW_CREATED = ""  # sync_import_change.col of a row an import created; new_val = {column: JSON text} of its values


def _row_json(winners: dict[str, str | None]) -> str:
    """{column: value} of a created row, the values embedded as the JSON they are."""
    return "{" + ",".join([f'"{c}":{t}' for c, t in winners.items() if t is not None]) + "}"


_INSERT_PLANS: dict[tuple[str, str, frozenset], tuple[str, list[str], list[Any], dict[str, Any]] | None] = {}


def _insert_rows(conn: Connection, raw: _Raw, table: Any, group: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys. On SQLite one driver-level executemany with each column's own
    bind processing (what SQLAlchemy would do, without its per-row overhead); elsewhere, or when a missing
    column has a computed default, through SQLAlchemy."""
    names = frozenset(group[0])
    plan_key = (conn.dialect.name, table.name, names)
    if plan_key not in _INSERT_PLANS:
        plan = None
        if raw.sqlite:
            defaults: dict[str, Any] = {}
            for c in table.columns:
                if c.key in names or c.default is None:
                    continue
                if not c.default.is_scalar:
                    break
                defaults[c.key] = c.default.arg
            else:
                keys = [c.key for c in table.columns if c.key in names or c.key in defaults]
                procs = [_guid_bytes if isinstance(table.c[k].type, GUID)
                         else table.c[k].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for k in keys]
                sql = f"INSERT INTO {table.name} ({','.join(keys)}) VALUES ({raw.marks(len(keys))})"
                plan = (sql, keys, procs, defaults)
        _INSERT_PLANS[plan_key] = plan
    plan = _INSERT_PLANS[plan_key]
    if plan is None:
        conn.execute(insert(table), group)
        return
    sql, keys, procs, defaults = plan
    pairs = list(zip(keys, procs, strict=True))
    rows = []
    for values in group:
        row = []
        for key, proc in pairs:
            value = values[key] if key in values else defaults[key]
            row.append(value if proc is None or value is None else proc(value))
        rows.append(tuple(row))
    raw.many(sql, rows)


def _complete_rows(conn: Connection, raw: _Raw, table: Any, candidates: list[dict[str, Any]],
                   known: dict[str, set[uuid.UUID]]) -> list[dict[str, Any]]:
    """The new rows that can be written now: every required column has a value and every row they refer
    to exists. The others wait, their versions kept: a later bundle with the missing versions (a delta
    that arrived before the one it follows) touches them again and they are written then. `known`: ids
    per table written earlier in this import (tables go parents first), so they are not looked up."""
    required = [c.key for c in table.columns if not c.nullable and c.default is None
                and c.server_default is None and not c.primary_key]
    rows = [r for r in candidates if all(r.get(k) is not None for k in required)]
    own = {r["id"] for r in rows}
    for column in table.columns:
        for fk in column.foreign_keys:
            target = fk.column.table
            found: set = set(own) if target is table else set()
            found.update(known.get(target.name, ()))
            wanted = sorted({r[column.key] for r in rows if r.get(column.key) is not None} - found,
                            key=lambda u: u.bytes)
            sql = f"SELECT {fk.column.name} FROM {target.name} WHERE {fk.column.name} IN ({{marks}})"
            for chunk in _chunks(wanted):
                keys = {raw.rid(u): u for u in chunk}
                found.update(keys[k] for (k,) in raw.rows(sql.format(marks=raw.marks(len(keys))), list(keys)))
            rows = [r for r in rows if r.get(column.key) is None or r[column.key] in found]
    return rows


def _meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(Meta.value).where(Meta.key == key)).scalar_one_or_none()


def _set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(Meta).where(Meta.key == key))
    conn.execute(insert(Meta).values(key=key, value=value))


# --- prerequisites: a missing earlier file (sync-design §3.2) --------------------------------------

def _gaps(conn: Connection) -> dict[str, list[list[Any]]]:
    """Open gaps: {site uuid: [[first seq, last seq, office id or None], …]} this database knows it lacks."""
    return json.loads(_meta(conn, GAPS) or "{}")


def _subtract(gaps: list[list[Any]], low: int, high: int) -> list[list[Any]]:
    """The parts of `gaps` outside [low, high]."""
    out = []
    for first, last, office in gaps:
        if last < low or first > high:
            out.append([first, last, office])
            continue
        if first < low:
            out.append([first, low - 1, office])
        if last > high:
            out.append([high + 1, last, office])
    return out


def _check_prerequisites(conn: Connection, raw: _Raw, sites: _Sites, manifest: dict[str, Any], source: str
                         ) -> tuple[dict[str, list[list[Any]]], set[str], list[dict[str, Any]]]:
    """Before the versions go in: the gaps this bundle reveals (its `since` says this database holds more of a
    site than it does) merged with the open ones, minus what this bundle brings. Returns (gaps after this
    import, sites whose `ack` must not advance, warnings for this bundle)."""
    since = {str(k): int(v) for k, v in (manifest.get("since") or {}).items()}
    vv = {str(k): int(v) for k, v in (manifest.get("vv") or {}).items()}
    gaps = _gaps(conn)
    warnings: list[dict[str, Any]] = []
    learned = json.loads(_meta(conn, SITE_OFFICES) or "{}")
    source_site = str(manifest.get("source_site") or "")
    for site_uuid, wanted in sorted(since.items()):
        ordinal = sites.to_ord.get(site_uuid)
        held = 0
        if ordinal is not None:
            held = raw.rows("SELECT max(seq) FROM version WHERE site = ?", (ordinal,))[0][0] or 0
        if held < wanted:
            office = source if site_uuid == source_site else learned.get(site_uuid)
            gaps.setdefault(site_uuid, []).append([held + 1, wanted, office])
    for site_uuid, high in vv.items():  # what this bundle brings of each site: (since, vv]
        if site_uuid in gaps:
            gaps[site_uuid] = _subtract(gaps[site_uuid], since.get(site_uuid, 0) + 1, high)
    gaps = {s: sorted(g) for s, g in gaps.items() if g}
    for site_uuid, items in sorted(gaps.items()):
        for first, last, office in items:
            warnings.append({"kind": "missing_earlier", "site": site_uuid, "office": office,
                             "first": first, "last": last})
    return gaps, set(gaps), warnings


def _office_name(conn: Connection, office_id: str | None, site_uuid: str | None = None) -> str:
    """A peer's or a directory office's name for an office id; else the office that wrote the first office row
    of the site; else a neutral phrase."""
    if office_id:
        for peer in conn.execute(select(SyncPeer.office_id, SyncPeer.name)):
            if str(peer.office_id) == office_id:
                return peer.name
        try:
            name = conn.execute(select(Office.name).where(Office.id == uuid.UUID(office_id))).scalar_one_or_none()
        except ValueError:
            name = None
        if name:
            return name
    if site_uuid:
        ordinal = conn.execute(select(Site.ordinal).where(Site.site_uuid == uuid.UUID(site_uuid))).scalar_one_or_none()
        if ordinal is not None:
            first = conn.execute(select(Version.rid).where(Version.site == ordinal, Version.tbl == "office")
                                 .order_by(Version.seq).limit(1)).scalar_one_or_none()
            if first is not None:
                name = conn.execute(select(Office.name).where(Office.id == first)).scalar_one_or_none()
                if name:
                    return name
    return _("kantor lain")


def warning_text(conn: Connection, warning: dict[str, Any]) -> str:
    """The Bahasa Indonesia sentence for a stored warning."""
    if warning.get("kind") == "missing_earlier":
        return _("Ada berkas sebelumnya dari {office} yang belum diimpor (perubahan ke-{first} s.d. {last}). "
                 "Minta kantor itu mengirim ulang berkas itu atau mengirim semua data.").format(
            office=_office_name(conn, warning.get("office"), warning.get("site")),
            first=warning.get("first"), last=warning.get("last"))
    return str(warning.get("text") or warning)


@dataclass(frozen=True)
class MissingFileDTO:
    """Changes of one origin site this installation knows it lacks (an earlier file never imported)."""

    site: str
    office_id: str | None
    office_name: str
    first: int
    last: int
    text: str


def missing_files(db: Database) -> list[MissingFileDTO]:
    """The earlier files still missing, as the last imports found them (empty when everything arrived)."""
    out: list[MissingFileDTO] = []
    with db.engine.connect() as conn:
        for site_uuid, items in sorted(_gaps(conn).items()):
            for first, last, office in items:
                warning = {"kind": "missing_earlier", "site": site_uuid, "office": office, "first": first,
                           "last": last}
                out.append(MissingFileDTO(site_uuid, office, _office_name(conn, office, site_uuid), first, last,
                                          warning_text(conn, warning)))
    return out


# --- import ---------------------------------------------------------------------------------------

def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment (some Windows services)
        return None


def _is_case(manifest: dict[str, Any]) -> bool:
    scope = manifest.get("scope")
    return manifest.get("kind") == "case" or (isinstance(scope, dict) and "case" in scope)


def _pause_for_tests() -> None:
    """Fault-injection hook (tests/integration/test_sync_kill_import.py): with ATENSI_TEST_PAUSE_IMPORT=FILE
    the importer creates FILE and waits inside the open transaction, so a test can kill it there."""
    marker = os.environ.get("ATENSI_TEST_PAUSE_IMPORT")
    if marker:
        Path(marker).touch()
        time.sleep(float(os.environ.get("ATENSI_TEST_PAUSE_SECONDS", "60")))


def import_bundle(db: Database, paths: AppPaths, path: str | os.PathLike[str], *, dry_run: bool = False,
                  force: bool = False, passphrase: str | None = None, imported_by: str | None = None,
                  progress: Progress | None = None) -> ImportResult:
    """Merge a bundle from a peer office in one transaction (see the module docstring); idempotent.

    A bundle already in the import log is recognised from its manifest and not applied again: the result has
    `already_imported_at`/`already_imported_by` and changes nothing (`force=True` applies it anyway, which
    also changes nothing). `passphrase`: for a file locked with a passphrase (a one-case file).
    `imported_by`: the name written to the import log (default: the operating-system user).
    """
    guard.check(db, SYNC_IMPORT)
    keys = office_keys(db, paths)
    source_path = Path(path)
    opened = (read_bundle(source_path, passphrase=passphrase, trusted_signers=_trusted(db), work_dir=paths.data)
              if passphrase is not None else
              read_bundle(source_path, identities=[keys.age_identity], trusted_signers=_trusted(db),
                          work_dir=paths.data))
    with opened as bundle:
        manifest = bundle.manifest
        bundle_id = str(manifest.get("bundle_id"))
        source = str(manifest.get("source_office"))
        peer_name = next((p.name for p in list_peers(db) if str(p.office_id) == source), source)
        kind = str(manifest.get("kind") or ("case" if _is_case(manifest) else "delta"))
        counted = (manifest.get("counts") or {}).get("versions")
        counted = counted if isinstance(counted, int) else 0
        with db.engine.connect() as conn:
            before = conn.execute(select(SyncImportLog.imported_at, SyncImportLog.imported_by)
                                  .where(SyncImportLog.bundle_id == bundle_id)).one_or_none()
        if before is not None and not force:
            return ImportResult(source_office=source, source_name=peer_name, bundle_id=bundle_id,
                                versions_in_bundle=counted, new_versions=0, unchanged=counted, rows_created=0,
                                values_changed=0, dry_run=dry_run, kind=kind,
                                already_imported_at=before.imported_at, already_imported_by=before.imported_by)
        if PART not in bundle.parts:
            raise UserError(_("Berkas sinkronisasi ini tidak berisi data perubahan."),
                            hint=_("Minta pengirim mengekspor ulang dengan 'atensi-desktop export'."))
        blobs_stored = 0
        if not dry_run and bundle.blobs:
            store = BlobStore(paths.blobs)
            for sha in bundle.blobs:
                if store.has(sha) and store.verify(sha):
                    continue
                fd, tmp_name = tempfile.mkstemp(prefix="atensi-blob-", dir=paths.data)
                os.close(fd)
                tmp = Path(tmp_name)
                try:
                    copy_blob(bundle, sha, tmp)
                    store.put_file(tmp)
                    blobs_stored += 1
                finally:
                    tmp.unlink(missing_ok=True)
        is_case = _is_case(manifest)
        purge_signers = purge.trusted_signers(db, paths)
        conn = db.engine.connect()
        try:
            trans = conn.begin()
            try:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
                raw = _Raw(conn)
                sites = _Sites(conn)
                have = _have(conn, sites, write=True)  # before any version of this bundle goes in
                if is_case:  # a patch, not a complete delta: it neither reveals nor fills gaps
                    gaps, held_back, warnings = None, set(), []
                else:
                    gaps, held_back, warnings = _check_prerequisites(conn, raw, sites, manifest, source)
                if progress:
                    progress(0, counted)
                screen = purge.incoming_screen(conn, raw.rid, raw.rid_out)
                got = _ingest(conn, raw, bundle, sites, total_hint=counted, progress=progress, screen=screen)
                changes: list[tuple] = []
                log_rows = 0

                def log(shown: list[tuple]) -> None:
                    nonlocal log_rows
                    log_rows += len(shown)
                    if dry_run:
                        return
                    changes.extend((bundle_id, *item) for item in shown)
                    if len(changes) >= _BATCH:
                        raw.many(_CHANGE_INSERT, changes)
                        changes.clear()

                retry = [(t, uuid.UUID(r)) for t, r in json.loads(_meta(conn, WAITING) or "[]")]
                # many new clients (a first full import): the name search index is filled once at the end
                pause = (SearchIndexPause(conn) if len(got.touched.get(Client.__tablename__, ())) > _BULK_CLIENTS
                         else None)
                created, changed, waiting, conflicts = _apply(conn, raw, sites, got.touched, retry, log)
                if pause is not None:
                    pause.resume()
                raw.many(_CHANGE_INSERT, changes)
                purged = purge.execute_orders(conn, purge_signers)  # orders held or just arrived
                record_conflicts(conn, conflicts, bundle_id=manifest.get("bundle_id"))
                apply_parts(conn, bundle, dry_run=dry_run)
                _set_meta(conn, WAITING, json.dumps(sorted(waiting)))
                if got.top_hlc:
                    conn.execute(update(SyncState).where(SyncState.id == 1, SyncState.hlc < got.top_hlc)
                                 .values(hlc=got.top_hlc))
                if not is_case:
                    _advance_have(conn, sites, manifest, have)
                    sender_vv = {s: int(q) for s, q in (manifest.get("vv") or {}).items() if s not in held_back}
                    _merge_vv(conn, ACK + source, {sites.ordinal(str(uuid.UUID(s))): q for s, q in sender_vv.items()})
                    _set_meta(conn, GAPS, json.dumps(gaps, sort_keys=True))
                    source_site = manifest.get("source_site")
                    if source_site:
                        learned = json.loads(_meta(conn, SITE_OFFICES) or "{}")
                        if learned.get(str(source_site)) != source:
                            learned[str(source_site)] = source
                            _set_meta(conn, SITE_OFFICES, json.dumps(learned, sort_keys=True))
                _set_meta(conn, f"sync_last_import:{source}", json.dumps({
                    "bundle_id": bundle_id, "at": utcnow().isoformat(timespec="seconds"),
                    "versions": got.total, "new": got.fresh}))
                counts = {"versions": got.total, "new": got.fresh, "rows_created": created,
                          "values_changed": changed, "conflicts": len(conflicts), "waiting": len(waiting),
                          "blobs": blobs_stored, "logged_values": log_rows}
                texts = tuple(warning_text(conn, w) for w in warnings)
                if before is None:
                    conn.execute(insert(SyncImportLog).values(
                        bundle_id=bundle_id, file_sha256=_file_sha256(source_path), source_office=source,
                        source_site=str(manifest.get("source_site") or "") or None, signer=bundle.signer,
                        imported_by=imported_by or _os_user(), imported_at=utcnow(), kind=kind[:10],
                        counts=json.dumps(counts, sort_keys=True), warnings=json.dumps(warnings, sort_keys=True)))
                if dry_run:
                    trans.rollback()
                else:
                    _pause_for_tests()
                    trans.commit()
            except BaseException:
                if trans.is_active:
                    trans.rollback()
                raise
        finally:
            conn.close()
    if not dry_run and purged.orphan_blobs:
        purge.remove_blobs(BlobStore(paths.blobs), purged.orphan_blobs)  # after the commit
    if not dry_run:
        client_id = _case_client(manifest.get("scope"))
        audit.record(db, audit.IMPORT, client_id=client_id, obj=("client", client_id) if client_id else None,
                     detail={"kind": "sync_" + kind[:10], "count": got.fresh, "changes": changed, "rows": created})
    return ImportResult(source_office=source, source_name=peer_name, bundle_id=bundle_id,
                        versions_in_bundle=got.total, new_versions=got.fresh,
                        unchanged=got.total - got.fresh, rows_created=created, values_changed=changed,
                        rows_waiting=len(waiting), conflicts=tuple(conflicts), blobs_stored=blobs_stored,
                        dry_run=dry_run, kind=kind, warnings=texts)


_VERSION_INSERT = "INSERT INTO version (site, seq, tbl, rid, col, hlc, val, parents) VALUES (?,?,?,?,?,?,?,?)"
_CHANGE_INSERT = "INSERT INTO sync_import_change (bundle_id, tbl, rid, col, old_val, new_val) VALUES (?,?,?,?,?,?)"


def last_import(db: Database, office_id: str) -> dict[str, Any] | None:
    """What was last received from this office (bundle id, when, counts), or None."""
    with db.session() as s:
        raw = read_meta(s, f"sync_last_import:{office_id}")
    return json.loads(raw) if raw else None


# --- history -------------------------------------------------------------------------------------

RECEIVED, SENT_OUT = "masuk", "keluar"


@dataclass(frozen=True)
class BundleHistoryDTO:
    """One bundle received (`direction` "masuk") or sent ("keluar"), for the history list."""

    direction: str
    bundle_id: str
    at: dt.datetime
    by: str | None
    kind: str  # full | delta | case
    office_ids: tuple[str, ...]  # the sender, or the recipients
    office_names: tuple[str, ...]
    versions: int
    new_versions: int = 0
    rows_created: int = 0
    values_changed: int = 0
    conflicts: int = 0
    waiting: int = 0
    blobs: int = 0
    file_name: str | None = None
    size_bytes: int | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportChangeDTO:
    """One displayed value an import set: `old_value` None for a row the import created (JSON texts)."""

    table: str
    row_id: uuid.UUID
    column: str
    old_value: str | None
    new_value: str | None


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def bundle_history(db: Database, limit: int = 200) -> list[BundleHistoryDTO]:
    """Bundles received and sent, newest first, with office names and counts."""
    out: list[BundleHistoryDTO] = []
    with db.engine.connect() as conn:
        for row in conn.execute(select(SyncImportLog).order_by(SyncImportLog.imported_at.desc()).limit(limit)):
            counts = json.loads(row.counts or "{}")
            out.append(BundleHistoryDTO(
                direction=RECEIVED, bundle_id=row.bundle_id, at=_aware(row.imported_at), by=row.imported_by,
                kind=row.kind, office_ids=(row.source_office or "",),
                office_names=(_office_name(conn, row.source_office, row.source_site),),
                versions=int(counts.get("versions", 0)), new_versions=int(counts.get("new", 0)),
                rows_created=int(counts.get("rows_created", 0)), values_changed=int(counts.get("values_changed", 0)),
                conflicts=int(counts.get("conflicts", 0)), waiting=int(counts.get("waiting", 0)),
                blobs=int(counts.get("blobs", 0)),
                warnings=tuple(warning_text(conn, w) for w in json.loads(row.warnings or "[]"))))
        for row in conn.execute(select(SyncExportLog).order_by(SyncExportLog.exported_at.desc()).limit(limit)):
            recipients = json.loads(row.recipients or "[]")
            out.append(BundleHistoryDTO(
                direction=SENT_OUT, bundle_id=row.bundle_id, at=_aware(row.exported_at), by=row.exported_by,
                kind=row.kind, office_ids=tuple(str(r.get("office_id") or "") for r in recipients),
                office_names=tuple(str(r.get("name") or "") for r in recipients), versions=row.versions,
                blobs=row.blobs, file_name=row.file_name, size_bytes=row.size_bytes))
    out.sort(key=lambda h: (h.at, h.bundle_id), reverse=True)
    return out[:limit]


def import_changes(db: Database, bundle_id: str, *, limit: int | None = None) -> list[ImportChangeDTO]:
    """The values an imported bundle set, in table, row and column order."""
    stmt = (select(SyncImportChange.tbl, SyncImportChange.rid, SyncImportChange.col, SyncImportChange.old_val,
                   SyncImportChange.new_val).where(SyncImportChange.bundle_id == str(bundle_id))
            .order_by(SyncImportChange.tbl, SyncImportChange.rid, SyncImportChange.col))
    if limit is not None:
        stmt = stmt.limit(limit)
    out: list[ImportChangeDTO] = []
    with db.engine.connect() as conn:
        for tbl, rid, col, old, new in conn.execute(stmt):
            if col == ROW_CREATED:  # a created row is stored once, with all its values
                out.extend(ImportChangeDTO(tbl, rid, c, None, encode_value(v))
                           for c, v in json.loads(new or "{}").items())
            else:
                out.append(ImportChangeDTO(tbl, rid, col, old, new))
    return out


def record_export(db: Database, *, bundle_id: str, kind: str, recipients: Iterable[tuple[str, str]],
                  path: Path, versions: int, blobs: int, scope: Any = None, by: str | None = None) -> None:
    """Write the export log row of a bundle just written (also for one-case files: `recipients` may be
    empty for a passphrase file). `recipients`: (office name, office id) pairs."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0
    with db.engine.begin() as conn:
        conn.execute(insert(SyncExportLog).values(
            bundle_id=str(bundle_id), exported_at=utcnow(), exported_by=by or _os_user(), kind=kind[:10],
            recipients=json.dumps([{"name": n, "office_id": str(o)} for n, o in recipients], ensure_ascii=False),
            file_name=Path(path).name[:500], versions=versions, blobs=blobs, size_bytes=size,
            scope=None if scope is None else json.dumps(scope, sort_keys=True)))
    client_id = _case_client(scope)
    audit.record(db, audit.EXPORT, client_id=client_id, obj=("client", client_id) if client_id else None,
                 detail={"kind": "sync_" + kind[:10], "count": versions, "files": blobs})


def _case_client(scope: Any) -> uuid.UUID | None:
    """The client a one-case bundle's scope names (for the audit trail), else None."""
    try:
        return uuid.UUID(str(scope["case"])) if isinstance(scope, dict) and scope.get("case") else None
    except ValueError:
        return None
