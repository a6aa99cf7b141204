"""One-case bundles (issue 7, sync-design.md §3.2 "Single case"): one client's records, with their full
history, for a referral or a transfer to another office.

`export_case` writes a bundle in exactly the format `exchange.import_bundle` reads (the part
`versions.jsonl`, one line `[site, seq, table, row id, column, hlc, value, parents]` per version, written by
`bundle.write_bundle`), with `kind: "case"` and `scope: {"case": "<client id>"}` in the manifest.

What the bundle holds (decisions where the design leaves a choice):
- **Rows**: the client; the household row it is linked to (its `household_id` is the client's only foreign
  key; other household members are other clients and are not sent); everything that belongs to the client
  (`canonical.client_scope`: cases and stage changes, asesmen and sections, intervention plans, goals and
  activities, service entries and their attachments, referrals and their events, notes, tasks, documents);
  the reports issued whose subject is one of those rows; and the directory rows those rows name — the
  distributions its service entries belong to (that row only, not the other recipients' entries), the
  workers and the offices named by any version of any of those rows (so the receiver can show who did
  what, also in the history), and the office of each such worker. App users (accounts) are never sent.
- **Versions**: every version of every register of those rows (full history), so the receiver can show
  provenance and detect later conflicts; the parents of a version are versions of the same register, so
  every parent named is in the bundle too.
- **Version vectors**: a case bundle is a patch, not a complete delta. Its manifest carries `since: {}`
  and an empty `vv`, and exporting one records nothing in `version_vector` (`sent:` is untouched), so a
  later normal export to the same office still carries everything that office is not known to hold.
- **Attachments**: the blob of every `client_document`/`service_attachment` SHA-256 the bundle carries,
  when this installation has it (missing ones are listed in `blobs_referenced_missing`).
- **Wilayah**: the region codes the rows name, with their parents up to the province, as a part
  `reference.jsonl` (`reference.case_parts`), so an office without the region list can still show the
  client's desa/kelurahan. Loaded by `reference.apply_parts` on import (insert-only).
- **Encryption**: to the named peer offices' age keys and this office's own key, or with a passphrase
  (age scrypt: one stanza only, so never both). A passphrase must have at least 12 characters.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.base import GUID, versioned_columns
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import BLOB_COLUMNS, SYNCED_BY_TABLE
from atensi_desktop.db.models.case import ClientCase
from atensi_desktop.db.models.client import Client
from atensi_desktop.db.models.report import ReportIssued
from atensi_desktop.db.models.sync_meta import Site, SyncState, Version
from atensi_desktop.errors import NotFoundError, UserError
from atensi_desktop.i18n import _
from atensi_desktop.paths import AppPaths
from atensi_desktop.security import guard
from atensi_desktop.security.roles import SYNC_EXPORT
from atensi_desktop.sync.bundle import write_bundle
from atensi_desktop.sync.canonical import client_scope
from atensi_desktop.sync.exchange import add_blob, record_export, resolve_peer
from atensi_desktop.sync.keys import office_keys
from atensi_desktop.sync.peers import PeerDTO
from atensi_desktop.sync.reference import case_parts

Progress = Callable[[int, int], None]

PART = "versions.jsonl"  # the same part exchange.import_bundle reads
KIND = "case"
MIN_PASSPHRASE = 12
_IN_CHUNK = 500
# Directory tables a case's rows may name without a foreign key (worker ids, office ids, a distribution).
_DIRECTORY = ("worker", "office", "distribution")


@dataclass(frozen=True)
class CaseExportResult:
    path: Path
    bundle_id: str
    client_id: uuid.UUID
    client_display_id: str
    recipients: tuple[str, ...]  # office names; empty for a passphrase file
    passphrase: bool
    versions: int
    rows: int
    blobs: int
    size: int  # bytes of the written file
    blob_bytes: int  # bytes of the attachments inside it (before encryption)


def _chunks(items: list[Any], size: int = _IN_CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _unknown(ref: str) -> NotFoundError:
    return NotFoundError(_("Klien atau kasus '{ref}' tidak ditemukan.").format(ref=ref),
                         hint=_("Sebut klien dengan ID tampilannya (mis. DINSOS-7K2M9Q), ID kasusnya, atau "
                                "UUID-nya; cari dengan 'atensi-desktop client search' atau 'case list'."))


def resolve_client(conn: Connection, ref: str) -> tuple[uuid.UUID, str]:
    """The client a reference names: a client or case UUID, or a client's or case's display id (any case).
    Returns (client id, client display id); unknown or ambiguous: UserError."""
    text = (ref or "").strip()
    if not text:
        raise _unknown(text)
    client, case = Client.__table__, ClientCase.__table__
    found: set[uuid.UUID] = set()
    try:
        wanted = uuid.UUID(text)
    except ValueError:
        code = text.upper()
        found.update(conn.execute(select(client.c.id).where(client.c.display_id == code)).scalars())
        if not found:
            found.update(conn.execute(select(case.c.client_id).where(case.c.display_id == code)).scalars())
    else:
        found.update(conn.execute(select(client.c.id).where(client.c.id == wanted)).scalars())
        found.update(conn.execute(select(case.c.client_id).where(case.c.id == wanted)).scalars())
    if not found:
        raise _unknown(text)
    if len(found) > 1:
        raise UserError(_("ID '{ref}' dipakai oleh {n} klien.").format(ref=text, n=len(found)),
                        hint=_("Sebut kliennya dengan UUID (lihat 'atensi-desktop client search --json')."))
    (client_id,) = found
    display = conn.execute(select(client.c.display_id).where(client.c.id == client_id)).scalar_one()
    return client_id, display


def case_rows(conn: Connection, client_id: uuid.UUID) -> dict[str, set[uuid.UUID]]:
    """The ids of every synced row a one-case bundle of this client holds, per table (module docstring)."""
    scope = {t: set(ids) for t, ids in client_scope(conn, [client_id]).items()}
    own = [rid for ids in scope.values() for rid in ids]
    report = ReportIssued.__table__
    for chunk in _chunks(sorted(own, key=lambda u: u.bytes)):
        scope.setdefault("report_issued", set()).update(
            conn.execute(select(report.c.id).where(report.c.subject_id.in_(chunk))).scalars())
    return {t: ids for t, ids in scope.items() if ids}


def _guid_columns(tbl: str) -> set[str]:
    model = SYNCED_BY_TABLE[tbl]
    table = model.__table__  # type: ignore[attr-defined]
    return {c for c in versioned_columns(model) if isinstance(table.c[c].type, GUID)}


def _versions(conn: Connection, tbl: str, ids: set[uuid.UUID]) -> list[tuple]:
    out: list[tuple] = []
    for chunk in _chunks(sorted(ids, key=lambda u: u.bytes)):
        out.extend(conn.execute(
            select(Version.site, Version.seq, Version.tbl, Version.rid, Version.col, Version.hlc, Version.val,
                   Version.parents).where(Version.tbl == tbl, Version.rid.in_(chunk))))
    return out


def collect(conn: Connection, client_id: uuid.UUID) -> tuple[dict[str, set[uuid.UUID]], list[tuple]]:
    """(rows per table, every version of them): the client's own rows, then the directory rows their
    versions name, until nothing new turns up."""
    rows = case_rows(conn, client_id)
    versions: list[tuple] = []
    pending = {t: set(ids) for t, ids in rows.items()}
    while pending:
        named: set[uuid.UUID] = set()
        for tbl, ids in pending.items():
            got = _versions(conn, tbl, ids)
            versions.extend(got)
            guid_cols = _guid_columns(tbl)
            for v in got:
                if v[4] in guid_cols and v[6]:
                    try:
                        named.add(uuid.UUID(json.loads(v[6])))
                    except (TypeError, ValueError):
                        continue
        pending = {}
        wanted = sorted(named, key=lambda u: u.bytes)
        for tbl in _DIRECTORY:
            table = SYNCED_BY_TABLE[tbl].__table__  # type: ignore[attr-defined]
            have = rows.setdefault(tbl, set())
            for chunk in _chunks(wanted):
                for (rid,) in conn.execute(select(table.c.id).where(table.c.id.in_(chunk))):
                    if rid not in have:
                        have.add(rid)
                        pending.setdefault(tbl, set()).add(rid)
    return {t: ids for t, ids in rows.items() if ids}, versions


def _wilayah_codes(versions: list[tuple]) -> set[str]:
    codes: set[str] = set()
    for v in versions:
        if v[4] == "wilayah_code" and v[6]:
            try:
                value = json.loads(v[6])
            except ValueError:
                continue
            if isinstance(value, str):
                codes.add(value)
    return codes


def _lines(versions: list[tuple], site_uuid: dict[int, str], progress: Progress | None) -> Iterable[bytes]:
    chunk: list[str] = []
    total = len(versions)
    for done, (site, seq, tbl, rid, col, h, val, parents) in enumerate(versions, 1):
        parents_out = [[ph, site_uuid[ps]] for ph, ps in json.loads(parents)] if parents else None
        chunk.append(json.dumps([site_uuid[site], seq, tbl, str(rid), col, h, val, parents_out],
                                ensure_ascii=False, separators=(",", ":")))
        if len(chunk) >= 2000 or done == total:
            yield ("\n".join(chunk) + "\n").encode("utf-8")
            chunk = []
            if progress:
                progress(done, total)


def check_passphrase(passphrase: str) -> None:
    """A passphrase for a case file: at least MIN_PASSPHRASE characters, not only spaces."""
    if len(passphrase.strip()) < MIN_PASSPHRASE:
        raise UserError(_("Kata sandi berkas terlalu pendek: paling sedikit {n} karakter.").format(n=MIN_PASSPHRASE),
                        hint=_("Pakai kalimat pendek yang mudah dibacakan lewat telepon, mis. empat kata acak."))


def export_case(db: Database, paths: AppPaths, ref: str, out_path: str | os.PathLike[str], *,
                to_offices: Iterable[str | uuid.UUID] = (), passphrase: str | None = None,
                progress: Progress | None = None) -> CaseExportResult:
    """Write a one-case bundle of the client `ref` names (module docstring), encrypted to the peer offices
    `to_offices` (and this office) or with `passphrase`; records nothing about what any office holds."""
    guard.check(db, SYNC_EXPORT)
    refs = [str(r) for r in to_offices]
    if passphrase is not None and refs:
        raise UserError(_("Berkas satu kasus dikunci dengan kata sandi atau dengan kunci kantor tujuan, tidak "
                          "keduanya."),
                        hint=_("Pakai --to KANTOR untuk kantor mitra, atau --passphrase-file untuk kantor yang "
                               "belum menjadi mitra."))
    if passphrase is None and not refs:
        raise UserError(_("Berkas satu kasus belum punya penerima."),
                        hint=_("Sebut kantor mitra tujuan dengan --to KANTOR, atau kunci berkasnya dengan kata "
                               "sandi (--passphrase-file FILE)."))
    if passphrase is not None:
        check_passphrase(passphrase)
    peers: list[PeerDTO] = []
    for r in refs:
        peer = resolve_peer(db, r)
        if peer.office_id not in {p.office_id for p in peers}:
            peers.append(peer)
    target = Path(out_path)
    if not target.parent.is_dir():
        raise UserError(_("Folder {folder} tidak ada.").format(folder=target.parent),
                        hint=_("Buat foldernya dulu atau pilih folder lain."))
    keys = office_keys(db, paths)
    store = BlobStore(paths.blobs)
    with db.engine.connect() as conn:
        client_id, display = resolve_client(conn, ref)
        rows, versions = collect(conn, client_id)
        versions.sort(key=lambda v: (v[0], v[1]))
        site_uuid = {o: str(u) for o, u in conn.execute(select(Site.ordinal, Site.site_uuid))}
        state = conn.execute(select(SyncState.site, SyncState.hlc)).one()
        blobs: dict[str, Path] = {}
        missing: set[str] = set()
        for v in versions:
            if BLOB_COLUMNS.get(v[2]) == v[4]:
                add_blob(store, v[6], blobs, missing)
        reference = case_parts(conn, _wilayah_codes(versions))
        manifest = {
            "source_office": str(keys.office_id),
            "source_site": site_uuid[state.site],
            "created_hlc": state.hlc,
            "kind": KIND,
            "since": {},
            "vv": {},
            "scope": {"case": str(client_id)},
            "client_display_id": display,
            "recipients": [p.name for p in peers],
            "recipient_offices": [str(p.office_id) for p in peers],
            "passphrase": passphrase is not None,
            "counts": {"versions": len(versions), "rows": sum(len(ids) for ids in rows.values()),
                       "blobs": len(blobs), "tables": {t: len(ids) for t, ids in sorted(rows.items())}},
            "blobs_referenced_missing": sorted(missing),
        }
        parts: dict[str, Any] = {PART: _lines(versions, site_uuid, progress), **reference}
        if passphrase is not None:
            written = write_bundle(target, manifest, parts, blobs, keys, passphrase=passphrase, work_dir=paths.data)
        else:
            written = write_bundle(target, manifest, parts, blobs, keys,
                                   recipients=[p.age_recipient for p in peers] + [keys.age_recipient],
                                   work_dir=paths.data)
    record_export(db, bundle_id=written["bundle_id"], kind=KIND, recipients=[(p.name, str(p.office_id)) for p in peers],
                  path=target, versions=len(versions), blobs=len(blobs), scope=manifest["scope"])
    return CaseExportResult(path=target, bundle_id=written["bundle_id"], client_id=client_id,
                            client_display_id=display, recipients=tuple(p.name for p in peers),
                            passphrase=passphrase is not None, versions=len(versions),
                            rows=manifest["counts"]["rows"], blobs=len(blobs), size=target.stat().st_size,
                            blob_bytes=sum(p.stat().st_size for p in blobs.values()))


def version_counts(db: Database) -> dict[uuid.UUID, int]:
    """The number of versions of each client's own rows (`case_rows`), per client. One query per client:
    meant for the bench's demo databases (hundreds of clients), not for a district's."""
    with db.engine.connect() as conn:
        return {cid: sum(len(_versions(conn, t, ids)) for t, ids in case_rows(conn, cid).items())
                for (cid,) in conn.execute(select(Client.__table__.c.id))}


def measure_case_bundles(db: Database, paths: AppPaths, out_dir: str | os.PathLike[str],
                         to_office: str | None = None) -> dict[str, dict[str, Any]]:
    """For the bench (`python -m bench sync`): write the one-case bundle of the client with the median
    number of versions and of the one with the most, and return per label {client, versions, rows, blobs,
    bytes, bytes_without_attachments}. Encrypted to the peer `to_office`, or, without one, with a fixed
    passphrase (about the same header size). The issue's limit is 20 kB before attachments."""
    counts = version_counts(db)
    if not counts:
        raise UserError(_("Belum ada klien."), hint=_("Buat data contoh dengan 'atensi-desktop init --demo N'."))
    order = sorted(counts.items(), key=lambda kv: (kv[1], kv[0].bytes))
    out: dict[str, dict[str, Any]] = {}
    for label, (cid, _n) in (("median", order[len(order) // 2]), ("largest", order[-1])):
        target = Path(out_dir) / f"kasus-{label}.lkssync"
        result = (export_case(db, paths, str(cid), target, to_offices=[to_office]) if to_office else
                  export_case(db, paths, str(cid), target, passphrase="bench-kata-sandi-panjang"))
        out[label] = {"client": result.client_display_id, "versions": result.versions, "rows": result.rows,
                      "blobs": result.blobs, "bytes": result.size,
                      "bytes_without_attachments": result.size - result.blob_bytes}
    return out
