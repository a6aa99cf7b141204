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
- **Lines of `versions.jsonl`**: one JSON array per version, `[site, seq, table, row id, column, hlc, value,
  parents]`, in (site, seq) order, where `site` is the origin site's UUID (local site ordinals never leave
  the database), `value` is the version's JSON text (or null) and `parents` is `[[hlc, site UUID], …]` or null.
- **Winner** of a register: the version with the greatest (hlc, site UUID as text); the same on every
  installation (local ordinals are not comparable across installations). **Conflict**: a register touched
  by an import that has more than one leaf (a version no other version names as parent).
- Rows are written with Core statements on the connection, never through the ORM flush hook, so
  applying a winner writes no new local version. Derived caches of `client` (`name_norm`, `alias_norm`) are
  recomputed; the asesmen section's derived check columns are left at their defaults for imported sections.
- **Attachments**: a bundle carries the blob of every `client_document.sha256` version it carries, when this
  installation has the file; the importer stores the blobs before the database transaction (a crash leaves
  only harmless, content-addressed files).
- Not built yet: one-case bundles (`--case`), passphrase bundles, the receiver's prerequisite check
  ("missing an earlier file"), an import log table and the conflict review screen.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, Numeric, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.base import GUID, Base, utcnow, versioned_columns
from atensi_desktop.db.engine import Database, read_meta
from atensi_desktop.db.models import SYNCED_BY_TABLE
from atensi_desktop.db.models.document import ClientDocument
from atensi_desktop.db.models.peer import PEER_ACTIVE
from atensi_desktop.db.models.sync_meta import Meta, Site, SyncState, Version, VersionVector
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _
from atensi_desktop.paths import AppPaths
from atensi_desktop.sync import hlc as hlc_mod
from atensi_desktop.sync.bundle import copy_blob, read_bundle, write_bundle
from atensi_desktop.sync.conflicts import record_conflicts
from atensi_desktop.sync.keys import office_keys
from atensi_desktop.sync.peers import PeerDTO, list_peers
from atensi_desktop.sync.reference import apply_parts, export_parts
from atensi_desktop.sync.versioning import insert_versions

Progress = Callable[[int, int], None]

PART = "versions.jsonl"
SENT, ACK = "sent:", "ack:"
WAITING = "sync_waiting_rows"  # meta: [[table, row id], …] whose versions arrived before rows they need
_IN_CHUNK = 500
_BATCH = 5000
_SKEW_MS = 24 * 3600 * 1000
_DOC_TABLE = ClientDocument.__tablename__


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
                  *, full: bool = False, progress: Progress | None = None) -> ExportResult:
    """Write a bundle of what the recipients are not known to hold (see the module docstring)."""
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
        since = _since(conn, peers, full)
        state = conn.execute(select(SyncState.site, SyncState.hlc)).one()
        ranges = [(s, since.get(s, 0), high) for s, high in sorted(vv.items()) if high > since.get(s, 0)]
        total = 0
        blobs: dict[str, Path] = {}
        missing: list[str] = []
        for site, low, high in ranges:
            total += _count(conn, site, low, high)
            for (val,) in conn.execute(select(Version.val).where(
                    Version.site == site, Version.seq > low, Version.seq <= high,
                    Version.tbl == _DOC_TABLE, Version.col == "sha256")):
                sha = json.loads(val) if val else None
                if isinstance(sha, str) and sha not in blobs:
                    try:
                        path = store.path_for(sha)
                    except ValueError:
                        continue
                    if path.is_file():
                        blobs[sha] = path
                    else:
                        missing.append(sha)
        manifest = {
            "source_office": str(keys.office_id),
            "source_site": sites.to_uuid[state.site],
            "created_hlc": state.hlc,
            "kind": "delta" if since else "full",
            "since": {sites.to_uuid[s]: q for s, q in sorted(since.items())},
            "vv": {sites.to_uuid[s]: q for s, q in sorted(vv.items())},
            "scope": None,
            "recipients": [p.name for p in peers],
            "recipient_offices": [str(p.office_id) for p in peers],
            "counts": {"versions": total, "blobs": len(blobs)},
            "blobs_referenced_missing": sorted(set(missing)),
        }
        recipients = [p.age_recipient for p in peers] + [keys.age_recipient]
        parts = {PART: _export_lines(conn, sites, ranges, progress, total), **export_parts(conn, full=not since)}
        written = write_bundle(target, manifest, parts,
                               blobs, keys, recipients=recipients, work_dir=paths.data)
    with db.engine.begin() as conn:
        for peer in peers:
            _merge_vv(conn, SENT + str(peer.office_id), vv)
    return ExportResult(path=target, bundle_id=written["bundle_id"], recipients=tuple(p.name for p in peers),
                        versions=total, blobs=len(blobs), full=not since)


def _count(conn: Connection, site: int, low: int, high: int) -> int:
    return conn.execute(select(func.count()).select_from(Version)
                        .where(Version.site == site, Version.seq > low, Version.seq <= high)).scalar_one()


# --- decoding register values ---------------------------------------------------------------------

def _decoder(column: Any) -> Callable[[str | None], Any]:
    kind = column.type
    if isinstance(kind, GUID):
        return lambda v: None if v is None else uuid.UUID(json.loads(v))
    if isinstance(kind, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(json.loads(v))
    if isinstance(kind, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(json.loads(v))
    if isinstance(kind, Numeric):
        return lambda v: None if v is None else Decimal(v.strip('"'))
    return lambda v: None if v is None else json.loads(v)


_DECODERS: dict[str, dict[str, Callable[[str | None], Any]]] = {}


def _decoders(model: type) -> dict[str, Callable[[str | None], Any]]:
    found = _DECODERS.get(model.__tablename__)
    if found is None:
        table = model.__table__  # type: ignore[attr-defined]
        found = {c: _decoder(table.c[c]) for c in versioned_columns(model)}
        _DECODERS[model.__tablename__] = found
    return found


# --- import --------------------------------------------------------------------------------------

@dataclass
class _Incoming:
    site: int
    seq: int
    tbl: str
    rid: uuid.UUID
    col: str
    hlc: int
    val: str | None
    parents: str | None


def _trusted(db: Database) -> dict[str, bytes]:
    return {str(p.office_id): p.ed25519_public for p in list_peers(db) if p.status == PEER_ACTIVE}


def _parse(bundle: Any, sites: _Sites) -> list[_Incoming]:
    now = hlc_mod.wall_ms()
    rows: list[_Incoming] = []
    for line in bundle.iter_json(PART):
        try:
            site_uuid, seq, tbl, rid, col, h, val, parents = line
            model = SYNCED_BY_TABLE.get(tbl)
            if model is None or col not in versioned_columns(model):
                raise ValueError(f"unknown register {tbl}.{col}")
            if val is not None and not isinstance(val, str):
                raise ValueError("value must be JSON text")
            local_parents = (json.dumps([[int(ph), sites.ordinal(str(uuid.UUID(ps)))] for ph, ps in parents])
                             if parents else None)
            item = _Incoming(sites.ordinal(str(uuid.UUID(site_uuid))), int(seq), tbl, uuid.UUID(rid), col,
                             int(h), val, local_parents)
        except (TypeError, ValueError) as err:
            raise UserError(_("Isi berkas sinkronisasi ini tidak bisa dibaca ({detail}).").format(detail=str(err)[:80]),
                            hint=_("Berkas mungkin dibuat oleh versi aplikasi lain. Perbarui aplikasi, atau minta "
                                   "pengirim mengekspor ulang.")) from None
        if hlc_mod.physical_ms(item.hlc) - now > _SKEW_MS:
            raise UserError(_("Tanggal komputer pengirim tampaknya salah: ada perubahan bertanggal lebih dari "
                              "sehari di masa depan."),
                            hint=_("Minta pengirim membetulkan tanggal dan jam komputernya, lalu mengekspor ulang."))
        rows.append(item)
    return rows


def _new_only(conn: Connection, rows: list[_Incoming]) -> list[_Incoming]:
    by_site: dict[int, list[_Incoming]] = defaultdict(list)
    for row in rows:
        by_site[row.site].append(row)
    fresh: list[_Incoming] = []
    for site, items in by_site.items():
        low, high = min(r.seq for r in items), max(r.seq for r in items)
        have = set(conn.execute(select(Version.seq).where(Version.site == site, Version.seq >= low,
                                                          Version.seq <= high)).scalars())
        seen: set[int] = set()
        for r in items:
            if r.seq not in have and r.seq not in seen:
                seen.add(r.seq)
                fresh.append(r)
    return fresh


def _chunks(items: list[Any], size: int = _IN_CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _apply(conn: Connection, sites: _Sites, fresh: list[_Incoming],
           retry: list[tuple[str, uuid.UUID]]) -> tuple[int, int, list[tuple[str, str]], list[Conflict]]:
    """Set every touched register to its winner; returns (rows created, values changed, rows waiting for
    versions still missing, conflicts). `retry`: rows that waited before, tried again."""
    touched: dict[str, dict[uuid.UUID, set[str]]] = defaultdict(lambda: defaultdict(set))
    for tbl, rid in retry:
        if tbl in SYNCED_BY_TABLE:
            touched[tbl][rid]  # noqa: B018 - creates the entry
    for r in fresh:
        touched[r.tbl][r.rid].add(r.col)
    created = changed = 0
    waiting: list[tuple[str, str]] = []
    conflicts: list[Conflict] = []
    now = utcnow()
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    for tbl in sorted(touched, key=lambda t: order.get(t, 0)):
        model = SYNCED_BY_TABLE[tbl]
        table = model.__table__  # type: ignore[attr-defined]
        decoders = _decoders(model)
        rows = touched[tbl]
        new_rows: dict[frozenset, list[dict[str, Any]]] = defaultdict(list)
        for chunk in _chunks(sorted(rows, key=lambda u: u.bytes)):
            versions: dict[tuple[uuid.UUID, str], list[tuple]] = defaultdict(list)
            for rid, col, h, site, val, parents in conn.execute(
                    select(Version.rid, Version.col, Version.hlc, Version.site, Version.val, Version.parents)
                    .where(Version.tbl == tbl, Version.rid.in_(chunk))):
                versions[(rid, col)].append((h, sites.to_uuid[site], val, parents, site))
            cols = list(decoders)
            current = {row[0]: row for row in conn.execute(
                select(table.c.id, *(table.c[c] for c in cols)).where(table.c.id.in_(chunk)))}
            for rid in chunk:
                winners: dict[str, str | None] = {}
                for col in decoders:
                    vs = versions.get((rid, col))
                    if vs:
                        winners[col] = max(vs, key=lambda v: (v[0], v[1]))[2]
                for col in rows[rid]:
                    vs = versions[(rid, col)]
                    if len(vs) > 1:
                        named = {(h, s) for v in vs if v[3] for h, s in json.loads(v[3])}
                        leaves = [v for v in vs if (v[0], v[4]) not in named]
                        if len(leaves) > 1:
                            best = max(leaves, key=lambda v: (v[0], v[1]))
                            conflicts.append(Conflict(tbl, rid, col, best[2],
                                                      tuple(v[2] for v in leaves if v is not best)))
                row = current.get(rid)
                if row is None:
                    values = {c: decoders[c](v) for c, v in winners.items()}
                    derive = getattr(model, "derive", None)
                    if derive is not None:
                        values = derive(values)
                    values.update(id=rid, created_at=now, updated_at=now)
                    new_rows[frozenset(values)].append(values)
                    continue
                have = dict(zip(cols, row[1:], strict=True))
                changes = {}
                for col in rows[rid]:
                    value = decoders[col](winners.get(col))
                    if value != have[col]:
                        changes[col] = value
                if changes:
                    changed += len(changes)
                    derive = getattr(model, "derive", None)
                    if derive is not None:
                        changes.update({k: v for k, v in derive({**have, **changes}).items()
                                        if k not in have and k in table.c})
                    conn.execute(update(table).where(table.c.id == rid).values(updated_at=now, **changes))
        ready = _complete_rows(conn, table, [r for group in new_rows.values() for r in group])
        ready_ids = {r["id"] for r in ready}
        waiting.extend((tbl, str(r["id"])) for g in new_rows.values() for r in g if r["id"] not in ready_ids)
        groups: dict[frozenset, list[dict[str, Any]]] = defaultdict(list)
        for values in ready:
            groups[frozenset(values)].append(values)
        for group in groups.values():
            conn.execute(insert(table), group)
            created += len(group)
    return created, changed, waiting, conflicts


def _complete_rows(conn: Connection, table: Any, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The new rows that can be written now: every required column has a value and every row they refer
    to exists. The others wait, their versions kept: a later bundle with the missing versions (a delta
    that arrived before the one it follows) touches them again and they are written then."""
    required = [c.key for c in table.columns if not c.nullable and c.default is None
                and c.server_default is None and not c.primary_key]
    rows = [r for r in candidates if all(r.get(k) is not None for k in required)]
    own = {r["id"] for r in rows}
    for column in table.columns:
        for fk in column.foreign_keys:
            target = fk.column.table
            wanted = sorted({r[column.key] for r in rows if r.get(column.key) is not None}, key=lambda u: u.bytes)
            found: set = set(own) if target is table else set()
            for chunk in _chunks(wanted):
                found.update(conn.execute(select(fk.column).where(fk.column.in_(chunk))).scalars())
            rows = [r for r in rows if r.get(column.key) is None or r[column.key] in found]
    return rows


def _meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(Meta.value).where(Meta.key == key)).scalar_one_or_none()


def _set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(Meta).where(Meta.key == key))
    conn.execute(insert(Meta).values(key=key, value=value))


def import_bundle(db: Database, paths: AppPaths, path: str | os.PathLike[str], *, dry_run: bool = False,
                  progress: Progress | None = None) -> ImportResult:
    """Merge a bundle from a peer office in one transaction (see the module docstring); idempotent."""
    keys = office_keys(db, paths)
    with read_bundle(path, identities=[keys.age_identity], trusted_signers=_trusted(db),
                     work_dir=paths.data) as bundle:
        manifest = bundle.manifest
        if PART not in bundle.parts:
            raise UserError(_("Berkas sinkronisasi ini tidak berisi data perubahan."),
                            hint=_("Minta pengirim mengekspor ulang dengan 'atensi-desktop export'."))
        source = str(manifest.get("source_office"))
        peer_name = next((p.name for p in list_peers(db) if str(p.office_id) == source), source)
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
        conn = db.engine.connect()
        try:
            trans = conn.begin()
            try:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
                sites = _Sites(conn)
                incoming = _parse(bundle, sites)
                fresh = _new_only(conn, incoming)
                if progress:
                    progress(0, len(fresh))
                for done, chunk in enumerate(_chunks(fresh, _BATCH)):
                    insert_versions(conn, [(r.site, r.seq, r.tbl, r.rid, r.col, r.hlc, r.val, r.parents)
                                           for r in chunk])
                    if progress:
                        progress(min((done + 1) * _BATCH, len(fresh)), len(fresh))
                retry = [(t, uuid.UUID(r)) for t, r in json.loads(_meta(conn, WAITING) or "[]")]
                created, changed, waiting, conflicts = _apply(conn, sites, fresh, retry)
                record_conflicts(conn, conflicts, bundle_id=manifest.get("bundle_id"))
                apply_parts(conn, bundle, dry_run=dry_run)
                _set_meta(conn, WAITING, json.dumps(sorted(waiting)))
                if fresh:
                    top = max(r.hlc for r in fresh)
                    conn.execute(update(SyncState).where(SyncState.id == 1, SyncState.hlc < top).values(hlc=top))
                sender_vv = {sites.ordinal(str(uuid.UUID(s))): int(q) for s, q in (manifest.get("vv") or {}).items()}
                _merge_vv(conn, ACK + source, sender_vv)
                _set_meta(conn, f"sync_last_import:{source}", json.dumps({
                    "bundle_id": manifest.get("bundle_id"), "at": utcnow().isoformat(timespec="seconds"),
                    "versions": len(incoming), "new": len(fresh)}))
                if dry_run:
                    trans.rollback()
                else:
                    trans.commit()
            except BaseException:
                if trans.is_active:
                    trans.rollback()
                raise
        finally:
            conn.close()
    return ImportResult(source_office=source, source_name=peer_name, bundle_id=str(manifest.get("bundle_id")),
                        versions_in_bundle=len(incoming), new_versions=len(fresh),
                        unchanged=len(incoming) - len(fresh), rows_created=created, values_changed=changed, rows_waiting=len(waiting),
                        conflicts=tuple(conflicts), blobs_stored=blobs_stored, dry_run=dry_run)


def last_import(db: Database, office_id: str) -> dict[str, Any] | None:
    """What was last received from this office (bundle id, when, counts), or None."""
    with db.session() as s:
        raw = read_meta(s, f"sync_last_import:{office_id}")
    return json.loads(raw) if raw else None
