"""Erasure and anonymisation of one client on a legal request (issue 8, UU PDP 27/2022; sync-design.md §2.5).

A purge is a signed **order** (`purge_order`, synced data) that every installation executes when it holds the
order and trusts its signer (its own office, or an active peer office whose kartu kantor it confirmed):

- `hapus` (erase): every row that belongs to the client (`sync.canonical.client_scope`: the client, cases,
  stage history, asesmen, plans, services, referrals, notes, tasks, documents, consents; not the household,
  which other members share) is deleted with all of its versions, the document files are removed from the
  blob store unless another row still names them, and the import log's before/after values of those rows go
  too. Only the order remains: who authorised it, why, on what legal basis — never the personal data.
- `anonim` (anonymise, for statistics that must keep counting the service): the client row stays with its
  identifying fields replaced (`ANONYMISED_CLIENT_FIELDS`: name "(dianonimkan)", NIK, alias, birth place,
  phone, address, household link and relation emptied, birth date kept as its year, wilayah cut to the
  kecamatan); cases, stage history and service entries stay with their free-text fields emptied; everything
  else in the client's scope is erased as for `hapus`. The old values are rewritten inside the version
  history as well (the one case where a version is changed), so no copy of them remains here.

Execution is a pure function of the data: the same order on every installation gives the same result, in
any import order. `purged_register` remembers what is gone, and `filter_incoming` applies it to every
bundle imported later, so a stale file made before the order cannot bring the data back. An order whose
signature does not verify against a trusted office key is kept but not executed (`PurgeOrderDTO.verified`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Text, delete, insert, select, update
from sqlalchemy.engine import Connection

from atensi_desktop.blobstore import BlobStore
from atensi_desktop.db.base import Base, utcnow, versioned_columns
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import (
    BLOB_COLUMNS,
    SYNCED_BY_TABLE,
    Client,
    PurgedRegister,
    PurgeOrder,
    Version,
)
from atensi_desktop.errors import NotFoundError, UserError
from atensi_desktop.i18n import _
from atensi_desktop.paths import AppPaths
from atensi_desktop.sync.ids import uuid7

ERASE, ANONYMISE = "hapus", "anonim"
MODES = (ERASE, ANONYMISE)
WHOLE_ROW = "*"
ANON_NAME = "(dianonimkan)"
# client registers an anonymisation replaces (the rest — sex, categories, cluster, disability — stays for counting)
ANONYMISED_CLIENT_FIELDS = ("name", "nik", "alias", "birth_place", "birth_date", "birth_date_estimated", "phone",
                            "address", "wilayah_code", "household_id", "relation_to_head")
# tables whose rows an anonymisation keeps (free text emptied); every other row of the client is erased
KEPT_WHEN_ANONYMISED = frozenset({"client", "client_case", "case_stage_change", "service_entry"})
_SIGN_LABEL = b"atensi-perintah-hapus-v1\x00"
_IN_CHUNK = 500


@dataclass(frozen=True)
class PurgeOrderDTO:
    id: uuid.UUID
    client_id: uuid.UUID
    client_display_id: str
    mode: str
    reason: str
    legal_ref: str
    authorised_by: str
    ordered_on: dt.date
    signer_office_id: uuid.UUID
    verified: bool
    executed: bool


@dataclass(frozen=True)
class PurgeResult:
    rows_erased: int
    registers_anonymised: int
    versions_removed: int
    blobs_removed: int
    orphan_blobs: tuple[str, ...] = ()  # files no row names any more, for the caller to remove after commit


# --- the signed payload -------------------------------------------------------------------------------

def _payload(values: dict[str, Any]) -> bytes:
    body = {k: str(values[k]) for k in ("id", "client_id", "client_display_id", "mode", "reason", "legal_ref",
                                         "authorised_by", "ordered_on", "signer_office_id")}
    return _SIGN_LABEL + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def trusted_signers(db: Database, paths: AppPaths | None = None) -> dict[str, bytes]:
    """Office id → Ed25519 public key of the offices whose purge orders this installation executes:
    its own office and the active peers."""
    from atensi_desktop.db.engine import read_meta
    from atensi_desktop.db.models.peer import PEER_ACTIVE
    from atensi_desktop.sync.keys import recorded_public_keys
    from atensi_desktop.sync.peers import list_peers

    found = {str(p.office_id): p.ed25519_public for p in list_peers(db) if p.status == PEER_ACTIVE}
    with db.session() as s:
        own = read_meta(s, "office_id")
    if own:
        recorded = recorded_public_keys(db, uuid.UUID(own))
        if recorded is not None:
            found[own] = recorded[0]
    return found


def _verified(row: Any, trusted: dict[str, bytes]) -> bool:
    from atensi_desktop.sync.keys import verify

    key = trusted.get(str(row.signer_office_id))
    if key is None:
        return False
    try:
        signature = base64.b64decode(row.signature, validate=True)
    except (ValueError, TypeError):
        return False
    values = {c: getattr(row, c) for c in ("id", "client_id", "client_display_id", "mode", "reason", "legal_ref",
                                          "authorised_by", "signer_office_id")}
    values["ordered_on"] = row.ordered_on.isoformat()
    return verify(key, _payload(values), signature)


# --- issuing ---------------------------------------------------------------------------------------------

def _require(db: Database) -> None:
    from atensi_desktop.security.roles import PURGE_DATA, require

    require(db, PURGE_DATA)


def issue_purge_order(db: Database, paths: AppPaths, client_id: uuid.UUID, *, mode: str, reason: str,
                      legal_ref: str, authorised_by: str) -> tuple[PurgeOrderDTO, PurgeResult]:
    """Sign and record an order to erase (`hapus`) or anonymise (`anonim`) one client, and execute it here.

    The order then travels in the next sync bundles, and every office that trusts this one executes it too.
    """
    from atensi_desktop.sync.keys import office_keys, sign

    _require(db)
    mode = (mode or "").strip().casefold()
    if mode not in MODES:
        raise UserError(_("Jenis penghapusan '{mode}' tidak dikenal.").format(mode=mode),
                        hint=_("Pilih 'hapus' (hapus seluruh data klien) atau 'anonim' (hilangkan identitasnya, "
                               "data layanan tetap dihitung)."))
    reason, legal_ref, authorised_by = (reason or "").strip(), (legal_ref or "").strip(), (authorised_by or "").strip()
    if len(reason) < 10:
        raise UserError(_("Alasan penghapusan terlalu singkat."),
                        hint=_("Tulis alasannya (minimal 10 huruf), misalnya 'permintaan subjek data tanggal …'. "
                               "Jangan menulis data pribadi klien di sini."))
    if not legal_ref:
        raise UserError(_("Dasar hukum atau nomor surat permintaan belum diisi."),
                        hint=_("Isi nomor surat permintaan subjek data atau putusan yang mendasarinya."))
    if not authorised_by:
        raise UserError(_("Nama pejabat yang menyetujui belum diisi."),
                        hint=_("Isi nama kepala kantor atau pejabat yang menyetujui penghapusan."))
    keys = office_keys(db, paths)
    with db.session() as s:
        client = s.get(Client, client_id)
        if client is None:
            raise NotFoundError(_("Klien {id} tidak ditemukan.").format(id=client_id),
                                hint=_("Periksa id klien dengan 'client search'."))
        if s.scalar(select(PurgeOrder.id).where(PurgeOrder.client_id == client_id, PurgeOrder.deleted.is_(False))):
            raise UserError(_("Sudah ada perintah penghapusan untuk klien ini."),
                            hint=_("Lihat daftar perintah penghapusan; perintah yang sama tidak perlu dibuat lagi."))
        values: dict[str, Any] = {
            "id": uuid7(), "client_id": client_id, "client_display_id": client.display_id, "mode": mode,
            "reason": reason, "legal_ref": legal_ref, "authorised_by": authorised_by,
            "ordered_on": dt.date.today().isoformat(), "signer_office_id": keys.office_id,
        }
        signature = base64.b64encode(sign(keys, _payload(values))).decode("ascii")
        order = PurgeOrder(**{**values, "ordered_on": dt.date.fromisoformat(values["ordered_on"])},
                           signature=signature)
        s.add(order)
    trusted = trusted_signers(db, paths)
    with db.engine.begin() as conn:
        result = execute_orders(conn, trusted)
    removed = remove_blobs(BlobStore(paths.blobs), result.orphan_blobs)  # after the commit
    return _dto(order, True, True), replace(result, blobs_removed=removed)


# --- executing -------------------------------------------------------------------------------------------

def _scope_of(conn: Connection, client_id: uuid.UUID) -> dict[str, set[uuid.UUID]]:
    """Every row that belongs to the client, found from the client id alone (the client row may be gone
    already, or may never have reached this installation)."""
    from atensi_desktop.sync.canonical import client_scope

    exists = conn.execute(select(Client.id).where(Client.id == client_id)).first() is not None
    if exists:
        scope = client_scope(conn, [client_id])
        scope.pop("household", None)
        return scope
    # no client row: its children can still be here (FK-free tables, or rows waiting for their client)
    scope: dict[str, set[uuid.UUID]] = {}
    for tbl, model in SYNCED_BY_TABLE.items():
        table = model.__table__  # type: ignore[attr-defined]
        if "client_id" in table.c and tbl != "purge_order":
            ids = set(conn.execute(select(table.c.id).where(table.c.client_id == client_id)).scalars())
            if ids:
                scope[tbl] = ids
    # versions of rows that never became rows (waiting for the client that will not come)
    named = json.dumps(str(client_id))
    for tbl, rid in conn.execute(select(Version.tbl, Version.rid).distinct()
                                 .where(Version.col == "client_id", Version.val == named, Version.tbl != "purge_order")):
        scope.setdefault(tbl, set()).add(rid)
    return scope


def _targets(conn: Connection, row: Any) -> tuple[dict[str, set[uuid.UUID]], dict[tuple[str, uuid.UUID], tuple[str, ...]]]:
    """(whole rows to erase per table, registers to anonymise per (table, row))."""
    scope = _scope_of(conn, row.client_id)
    erase: dict[str, set[uuid.UUID]] = {}
    anon: dict[tuple[str, uuid.UUID], tuple[str, ...]] = {}
    if row.mode == ERASE:
        erase = scope
        erase.setdefault("client", set()).add(row.client_id)
        return erase, anon
    for tbl, ids in scope.items():
        if tbl not in KEPT_WHEN_ANONYMISED:
            erase[tbl] = ids
            continue
        model = SYNCED_BY_TABLE[tbl]
        if tbl == "client":
            cols = ANONYMISED_CLIENT_FIELDS
        else:
            table = model.__table__  # type: ignore[attr-defined]
            cols = tuple(c for c in versioned_columns(model) if isinstance(table.c[c].type, Text))
        if cols:
            for rid in ids:
                anon[(tbl, rid)] = cols
    anon.setdefault(("client", row.client_id), ANONYMISED_CLIENT_FIELDS)
    return erase, anon


def anonymised_value(tbl: str, col: str, val: str | None) -> str | None:
    """The JSON text an anonymised register holds instead of `val` (a pure function: the same everywhere)."""
    if tbl == "client":
        if col == "name":
            return json.dumps(ANON_NAME)
        if col == "birth_date_estimated":
            return "true"
        if col == "birth_date" and val:
            try:
                year = dt.date.fromisoformat(json.loads(val)).year
            except (TypeError, ValueError):
                return None
            return json.dumps(f"{year:04d}-07-01")
        if col == "wilayah_code" and val:
            try:
                code = json.loads(val)
            except ValueError:
                return None
            return json.dumps(code[:8]) if isinstance(code, str) else None
    return None


def _decode(tbl: str, col: str, val: str | None) -> Any:
    if val is None:
        return None
    value = json.loads(val)
    if tbl == "client" and col == "birth_date":
        return dt.date.fromisoformat(value)
    return value


def _remember(conn: Connection, rows: Iterable[tuple[uuid.UUID, str, str]], order_id: uuid.UUID) -> None:
    wanted = list(rows)
    have: set[tuple[uuid.UUID, str]] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start:start + _IN_CHUNK]
        have.update((r, c) for r, c in conn.execute(select(PurgedRegister.rid, PurgedRegister.col)
                                 .where(PurgedRegister.rid.in_({r for r, _c, _t in chunk}))).all())
    new = [{"rid": r, "col": c, "tbl": t, "order_id": order_id} for r, c, t in wanted if (r, c) not in have]
    if new:
        conn.execute(insert(PurgedRegister), new)


def execute_orders(conn: Connection, trusted: dict[str, bytes], blobs: BlobStore | None = None) -> PurgeResult:
    """Carry out every verified purge order on what this database holds now (idempotent). Document files no
    row names any more come back in `orphan_blobs`; with `blobs` they are removed at once (otherwise the
    caller removes them after its commit, so a rolled-back transaction never loses a file)."""
    orders = list(conn.execute(select(PurgeOrder).where(PurgeOrder.deleted.is_(False))).mappings())
    erased = anonymised = removed = 0
    orphans: set[str] = set()
    for mapping in orders:
        row = _Row(mapping)
        if not _verified(row, trusted):
            continue
        erase, anon = _targets(conn, row)
        _remember(conn, ((rid, WHOLE_ROW, tbl) for tbl, ids in erase.items() for rid in ids), row.id)
        _remember(conn, ((rid, col, tbl) for (tbl, rid), cols in anon.items() for col in cols), row.id)
        n, v, shas = _erase(conn, erase)
        erased, removed = erased + n, removed + v
        orphans |= shas
        anonymised += _anonymise(conn, anon)
    blobs_removed = remove_blobs(blobs, orphans) if blobs is not None else 0
    return PurgeResult(erased, anonymised, removed, blobs_removed, tuple(sorted(orphans)))


def remove_blobs(blobs: BlobStore, shas: Iterable[str]) -> int:
    """Delete these document files from the store; returns how many were there."""
    removed = 0
    for sha in shas:
        with _suppress():
            path = blobs.path_for(sha)
            if path.is_file():
                path.unlink()
                removed += 1
    return removed


class _Row:
    def __init__(self, mapping: Any) -> None:
        self.__dict__.update(dict(mapping))


def _erase(conn: Connection, erase: dict[str, set[uuid.UUID]]) -> tuple[int, int, set[str]]:
    from atensi_desktop.db.models import SyncImportChange

    rows = versions = 0
    shas: set[str] = set()
    order = [t.name for t in reversed(Base.metadata.sorted_tables)]
    for tbl in sorted(erase, key=lambda t: order.index(t) if t in order else -1):
        table = SYNCED_BY_TABLE[tbl].__table__  # type: ignore[attr-defined]
        ids = sorted(erase[tbl], key=lambda u: u.bytes)
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start:start + _IN_CHUNK]
            if tbl in BLOB_COLUMNS:
                col = BLOB_COLUMNS[tbl]
                shas.update(s for s in conn.execute(select(table.c[col]).where(table.c.id.in_(chunk))).scalars() if s)
                for (val,) in conn.execute(select(Version.val).where(Version.rid.in_(chunk), Version.col == col)):
                    with _suppress():
                        if val and isinstance(json.loads(val), str):
                            shas.add(json.loads(val))
            rows += conn.execute(delete(table).where(table.c.id.in_(chunk))).rowcount or 0
            versions += conn.execute(delete(Version).where(Version.rid.in_(chunk))).rowcount or 0
            conn.execute(delete(SyncImportChange).where(SyncImportChange.rid.in_(chunk)))
    for tbl, col in BLOB_COLUMNS.items():  # a file another row still names stays
        if shas:
            table = SYNCED_BY_TABLE[tbl].__table__  # type: ignore[attr-defined]
            shas -= set(conn.execute(select(table.c[col]).where(table.c[col].in_(shas))).scalars())
    return rows, versions, shas


def _anonymise(conn: Connection, anon: dict[tuple[str, uuid.UUID], tuple[str, ...]]) -> int:
    from atensi_desktop.db.models import SyncImportChange

    changed = 0
    now = utcnow()
    for (tbl, rid), cols in anon.items():
        table = SYNCED_BY_TABLE[tbl].__table__  # type: ignore[attr-defined]
        for col in cols:
            for site, seq, val in conn.execute(select(Version.site, Version.seq, Version.val)
                                               .where(Version.rid == rid, Version.col == col)).all():
                new = anonymised_value(tbl, col, val)
                if new != val:
                    conn.execute(update(Version).where(Version.site == site, Version.seq == seq).values(val=new))
                    changed += 1
        current = conn.execute(select(*(table.c[c] for c in cols)).where(table.c.id == rid)).first()
        if current is not None:
            values = {}
            for col, have in zip(cols, current, strict=True):
                encoded = _encode(have)
                want = _decode(tbl, col, anonymised_value(tbl, col, encoded))
                if want != have:
                    values[col] = want
            if values:
                model = SYNCED_BY_TABLE[tbl]
                derive = getattr(model, "derive", None)
                if derive is not None:
                    full = dict(zip(cols, current, strict=True)) | values
                    values.update({k: v for k, v in derive(full).items() if k in table.c and k not in cols})
                conn.execute(update(table).where(table.c.id == rid).values(updated_at=now, **values))
        conn.execute(delete(SyncImportChange).where(SyncImportChange.rid == rid, SyncImportChange.col.in_(cols)))
    return changed


def _encode(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    if isinstance(value, uuid.UUID):
        return json.dumps(str(value))
    return json.dumps(value)


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, err: Any, tb: Any) -> bool:
        return kind is not None and issubclass(kind, (ValueError, TypeError, OSError))


# --- imports -------------------------------------------------------------------------------------------

def purged_registers(conn: Connection) -> tuple[set[uuid.UUID], set[tuple[uuid.UUID, str]]]:
    """(rows erased, (row, column) registers anonymised) by the orders executed here."""
    whole: set[uuid.UUID] = set()
    cols: set[tuple[uuid.UUID, str]] = set()
    for rid, col in conn.execute(select(PurgedRegister.rid, PurgedRegister.col)):
        if col == WHOLE_ROW:
            whole.add(rid)
        else:
            cols.add((rid, col))
    return whole, cols


def filter_value(tbl: str, rid: uuid.UUID, col: str, val: str | None,
                 purged: tuple[set[uuid.UUID], set[tuple[uuid.UUID, str]]]) -> tuple[bool, str | None]:
    """For one incoming version: (keep it?, the value to store). Erased rows are dropped, anonymised
    registers get their anonymised value; everything else passes unchanged."""
    whole, cols = purged
    if rid in whole:
        return False, None
    if (rid, col) in cols:
        return True, anonymised_value(tbl, col, val)
    return True, val


def incoming_screen(conn: Connection, rid_key: Callable[[uuid.UUID], Any],
                    rid_of: Callable[[Any], uuid.UUID]) -> Callable[[list[tuple]], list[tuple]] | None:
    """For the importer: a function over batches of incoming version tuples
    `(site, seq, table, row key, column, hlc, value, parents)` that drops versions of erased rows (and of rows
    that name an erased row in a foreign key: a service or note written elsewhere for an erased client) and
    stores anonymised values for anonymised registers. `rid_key`/`rid_of` convert a row id to and from the
    importer's row key. None when nothing has been purged here (the usual case: no cost)."""
    whole, cols = purged_registers(conn)
    if not whole and not cols:
        return None
    dropped = {rid_key(u) for u in whole}
    named = {json.dumps(str(u)) for u in whole}
    anon = {(rid_key(u), c) for u, c in cols}
    fk = _fk_registers()

    def screen(rows: list[tuple]) -> list[tuple]:
        drop = {r[3] for r in rows if r[3] in dropped or ((r[2], r[4]) in fk and r[6] in named)}
        if drop:
            fresh = drop - dropped
            dropped.update(fresh)
            named.update(json.dumps(str(rid_of(k))) for k in fresh)
            rows = [r for r in rows if r[3] not in drop]
        if anon:
            rows = [r if (r[3], r[4]) not in anon else (*r[:6], anonymised_value(r[2], r[4], r[6]), r[7])
                    for r in rows]
        return rows

    return screen


def _fk_registers() -> set[tuple[str, str]]:
    found = set()
    for tbl, model in SYNCED_BY_TABLE.items():
        if tbl == PurgeOrder.__tablename__:
            continue
        table = model.__table__  # type: ignore[attr-defined]
        found.update((tbl, col) for col in versioned_columns(model) if table.c[col].foreign_keys)
    return found


def list_orders(db: Database, paths: AppPaths | None = None) -> list[PurgeOrderDTO]:
    """Every purge order held here, newest first, with whether its signature verified and it was carried out."""
    trusted = trusted_signers(db, paths)
    with db.engine.connect() as conn:
        executed = set(conn.execute(select(PurgedRegister.order_id).distinct()).scalars())
        rows = [_Row(m) for m in conn.execute(select(PurgeOrder).where(PurgeOrder.deleted.is_(False))
                                              .order_by(PurgeOrder.ordered_on.desc(), PurgeOrder.id.desc()))
                .mappings()]
    return [_dto(r, _verified(r, trusted), r.id in executed) for r in rows]


def _dto(row: Any, verified: bool, executed: bool) -> PurgeOrderDTO:
    return PurgeOrderDTO(id=row.id, client_id=row.client_id, client_display_id=row.client_display_id,
                         mode=row.mode, reason=row.reason, legal_ref=row.legal_ref,
                         authorised_by=row.authorised_by, ordered_on=row.ordered_on,
                         signer_office_id=row.signer_office_id, verified=verified, executed=executed)
