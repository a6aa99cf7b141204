"""Open conflicts and their review (issue 7; sync-design.md §2.3, §2.5, §4.3).

A **conflict** is a register (table, row, column) with more than one leaf: versions written concurrently at
different installations, none of which saw the other. The highest (hlc, site) leaf is shown meanwhile (the
winner); a person reviews and either accepts it or picks another leaf.

- `sync_open_conflict` is a local cache of the open ones, derived from the version set. `record_conflicts`
  (called by `exchange.import_bundle` inside the import transaction) adds the registers the import found
  with several leaves, rescans rows edited after their deletion and drops entries whose register has one
  leaf again (resolved here, or a resolution imported from another office). `refresh_registers` does the
  same for a given list of registers; listing and counting also drop stale entries, so the cache never
  shows a conflict that is gone.
- `resolve_conflict` writes **one** new version whose value is the chosen leaf's and whose parents name
  **all** current leaves, through the ordinary ORM path (so the domain row, its derived columns and the
  change set are written as for any edit). After the next exchange every installation holds one leaf with
  the same value. "Accept" writes the current winner's value the same way, so the other offices see the
  conflict closed too.
- **Edited after deletion** (`_deleted`, sync-design.md §2.5): a row whose `deleted` register's winner is
  true while a column's winner was written later, by another installation than the one that deleted it.
  HLCs order causally, so that edit was not seen by whoever deleted the row; the deletion stays in force
  until reviewed. Picking the edit restores the row (`deleted = false`, parents: the `deleted` leaves);
  accepting writes the deletion again with a newer clock, which closes the case everywhere. An edit made
  *before* the deletion (lower HLC) by an office the deleter had not yet heard from cannot be told from one
  the deleter saw: it is not listed (the versions alone do not say what the deleter had seen).
- **Who / where / when** of a leaf: who and the device wall clock come from `change_set` (local writes; and
  imported ones once bundles carry change sets); otherwise "when" is the HLC's physical time and "who" is
  unknown. "Where" is the office of the version's site: this installation's office for its own site, else
  the office the import learned from bundle manifests (meta `sync_site_offices`), else the office named by
  the `owner_office_id` of rows that site created, else "perangkat <site id>".
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Numeric, delete, insert, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm.attributes import flag_modified

from atensi_desktop.db.base import GUID, utcnow, versioned_columns
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import SYNCED_BY_TABLE, SYNCED_MODELS
from atensi_desktop.db.models.client import Client
from atensi_desktop.db.models.household import Household
from atensi_desktop.db.models.office import Office
from atensi_desktop.db.models.peer import SyncPeer
from atensi_desktop.db.models.sync_conflict import SyncOpenConflict
from atensi_desktop.db.models.sync_meta import ChangeSet, Meta, Site, SyncState, Version
from atensi_desktop.db.models.user import User
from atensi_desktop.db.models.wilayah import Wilayah
from atensi_desktop.db.models.worker import Worker
from atensi_desktop.errors import NotFoundError, UserError
from atensi_desktop.i18n import _, format_date_short, format_number
from atensi_desktop.security import guard
from atensi_desktop.security.roles import SYNC_IMPORT
from atensi_desktop.sync import hlc as hlc_mod
from atensi_desktop.sync.labels import column_label, table_label
from atensi_desktop.sync.versioning import EXPLICIT_PARENTS
from atensi_desktop.sync.winners import rank_of

ACCEPT = "accept"  # resolve_conflict: keep the value shown now
DELETED = "_deleted"  # the column name of an "edited after deletion" entry
KIND_EDIT, KIND_DELETED = "edit", "deleted"
SITE_OFFICES = "sync_site_offices"  # meta written by exchange.import_bundle: {site uuid: office id}
_IN_CHUNK = 500

# Code columns whose values have labels in a reference list.
_REF_COLUMNS = {"sex": "sex", "religion": "religions", "education": "education", "marital_status": "marital_status",
                "relation_to_head": "family_relations", "cluster": "clusters", "stage": "case_stages",
                "from_stage": "case_stages", "to_stage": "case_stages", "approach": "approaches",
                "office_type": "office_types", "worker_type": "worker_types",
                "termination_reason": "termination_reasons", "funding_source": "funding_sources",
                "ppks_categories": "ppks", "kind": "document_kinds"}
_REF_TABLES = {"kind": {"client_document"}}  # a list that applies to this column in these tables only


@dataclass(frozen=True)
class LeafDTO:
    """One concurrent value of a register, as the review shows it."""

    key: str  # "<hlc>:<site uuid>": the same on every installation; pass it to resolve_conflict
    column: str
    field_label: str
    value: str  # readable: dates dd-mm-yyyy, names for ids, "(kosong)" for nothing
    raw: str | None  # the version's JSON text
    who: str | None  # the user's name when known
    where: str  # office name, or "perangkat <8 hex>" when the office is not known
    device: str  # "perangkat <8 hex>"
    when: dt.datetime  # aware (UTC)
    when_text: str  # local time, "dd-mm-yyyy HH:MM"
    current: bool  # the value in use now (the winner)
    deletion: bool = False  # this leaf is the deletion of the row


@dataclass(frozen=True)
class ConflictDTO:
    """An open conflict: the register, whose record it is, and its leaves (the current one first)."""

    table: str
    row_id: uuid.UUID
    column: str  # a column, or DELETED for "edited after deletion"
    kind: str  # KIND_EDIT or KIND_DELETED
    table_label: str
    field_label: str
    client_id: uuid.UUID | None
    subject: str  # the client's name (or the record's own name for offices, workers, households)
    detected_at: dt.datetime | None
    bundle_id: str | None
    leaves: tuple[LeafDTO, ...]

    @property
    def key(self) -> tuple[str, uuid.UUID, str]:
        return self.table, self.row_id, self.column

    @property
    def current(self) -> LeafDTO:
        return next(leaf for leaf in self.leaves if leaf.current)


@dataclass(frozen=True)
class ConflictLine:
    """A conflict found by an import preview, in words: for the preview table."""

    subject: str
    table_label: str
    field_label: str
    winner: str
    others: str


# --- versions of registers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _V:
    hlc: int
    site: int  # local ordinal
    site_uuid: str
    val: str | None
    parents: str | None


def _site_uuids(conn: Connection) -> dict[int, str]:
    return {o: str(u) for o, u in conn.execute(select(Site.ordinal, Site.site_uuid))}


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _row_versions(conn: Connection, rows: Iterable[tuple[str, uuid.UUID]],
                  sites: dict[int, str]) -> dict[tuple[str, uuid.UUID], dict[str, list[_V]]]:
    """All versions of the given rows: {(table, row id): {column: [versions]}}."""
    by_table: dict[str, set[uuid.UUID]] = defaultdict(set)
    for tbl, rid in rows:
        by_table[tbl].add(rid)
    out: dict[tuple[str, uuid.UUID], dict[str, list[_V]]] = defaultdict(lambda: defaultdict(list))
    for tbl, rids in by_table.items():
        for chunk in _chunks(sorted(rids, key=lambda u: u.bytes)):
            for rid, col, h, site, val, parents in conn.execute(
                    select(Version.rid, Version.col, Version.hlc, Version.site, Version.val, Version.parents)
                    .where(Version.tbl == tbl, Version.rid.in_(chunk))):
                out[(tbl, rid)][col].append(_V(h, site, sites.get(site) or str(site), val, parents))
    return out


def _rank(v: _V) -> tuple[int, str]:
    return v.hlc, v.site_uuid


def _leaves(versions: Sequence[_V], tbl: str | None = None, col: str | None = None) -> list[_V]:
    """The versions no other version of the register names as a parent, the winner first (the import's rule,
    sync/winners.py: for a ranked register such as `referral.status`, the highest state wins)."""
    named = {(h, s) for v in versions if v.parents for h, s in json.loads(v.parents)}
    rank = rank_of(tbl, col) if tbl and col else None
    if rank is None:
        return sorted((v for v in versions if (v.hlc, v.site) not in named), key=_rank, reverse=True)
    return sorted((v for v in versions if (v.hlc, v.site) not in named),
                  key=lambda v: (rank(v.val), v.hlc, v.site_uuid), reverse=True)


def _winner(versions: Sequence[_V]) -> _V | None:
    return max(versions, key=_rank) if versions else None


def _deletion_edits(cols: dict[str, list[_V]]) -> tuple[_V, dict[str, _V]] | None:
    """(the winning deletion, {column: its winning edit}) when the row is deleted and edited after that by
    another installation than the one that deleted it; else None."""
    deletion = _winner(cols.get("deleted", ()))
    if deletion is None or deletion.val != "true":
        return None
    edits = {}
    for col, versions in cols.items():
        if col == "deleted":
            continue
        top = _winner(versions)
        if top is not None and top.site != deletion.site and top.hlc > deletion.hlc:
            edits[col] = top
    return (deletion, edits) if edits else None


def _is_open(tbl: str, col: str, cols: dict[str, list[_V]]) -> bool:
    if tbl not in SYNCED_BY_TABLE:
        return False
    if col == DELETED:
        return _deletion_edits(cols) is not None
    return len(_leaves(cols.get(col, ()))) > 1


# --- the cache of open conflicts -----------------------------------------------------------------------

def _open_keys(conn: Connection) -> set[tuple[str, uuid.UUID, str]]:
    return {(t, r, c) for t, r, c in conn.execute(select(SyncOpenConflict.tbl, SyncOpenConflict.rid,
                                                         SyncOpenConflict.col))}


def _drop(conn: Connection, keys: Iterable[tuple[str, uuid.UUID, str]]) -> None:
    for tbl, rid, col in keys:
        conn.execute(delete(SyncOpenConflict).where(SyncOpenConflict.tbl == tbl, SyncOpenConflict.rid == rid,
                                                    SyncOpenConflict.col == col))


def _add(conn: Connection, keys: Iterable[tuple[str, uuid.UUID, str]], bundle_id: str | None) -> None:
    now = utcnow()
    rows = [{"tbl": t, "rid": r, "col": c, "detected_at": now, "bundle_id": bundle_id} for t, r, c in keys]
    if rows:
        conn.execute(insert(SyncOpenConflict), rows)


def _deleted_rows(conn: Connection) -> list[tuple[str, uuid.UUID]]:
    found: list[tuple[str, uuid.UUID]] = []
    for model in SYNCED_MODELS:
        table = model.__table__  # type: ignore[attr-defined]
        found.extend((model.__tablename__, rid)
                     for rid in conn.execute(select(table.c.id).where(table.c.deleted == true())).scalars())
    return found


def refresh_registers(conn: Connection, registers: Iterable[tuple[str, uuid.UUID, str]], *,
                      bundle_id: str | None = None) -> None:
    """Recompute the given registers (table, row id, column): open the ones with several leaves, close the
    others; the rows' "edited after deletion" state is recomputed too. For the import, inside its
    transaction: it can pass every register it touched instead of relying on `record_conflicts` alone."""
    wanted: set[tuple[str, uuid.UUID, str]] = set()
    for tbl, rid, col in registers:
        wanted.add((tbl, rid, col))
        wanted.add((tbl, rid, DELETED))
    if not wanted:
        return
    versions = _row_versions(conn, {(t, r) for t, r, _c in wanted}, _site_uuids(conn))
    have = _open_keys(conn)
    opened = {k for k in wanted if _is_open(k[0], k[2], versions.get((k[0], k[1]), {}))}
    _drop(conn, (wanted - opened) & have)
    _add(conn, sorted(opened - have, key=lambda k: (k[0], k[1].bytes, k[2])), bundle_id)


def _prune(conn: Connection) -> set[tuple[str, uuid.UUID, str]]:
    """Drop the entries whose register has one leaf again; returns the open ones."""
    have = _open_keys(conn)
    if not have:
        return have
    versions = _row_versions(conn, {(t, r) for t, r, _c in have}, _site_uuids(conn))
    stale = {k for k in have if not _is_open(k[0], k[2], versions.get((k[0], k[1]), {}))}
    _drop(conn, stale)
    return have - stale


def record_conflicts(conn: Connection, conflicts: Iterable[Any], *, bundle_id: str | None) -> None:
    """Called by the import inside its transaction with the registers it found with several leaves
    (`exchange.Conflict`): remember them, find rows edited after their deletion, forget what is resolved."""
    found = {(c.table, c.row_id, c.column) for c in conflicts}
    sites = _site_uuids(conn)
    deleted = _deleted_rows(conn)
    versions = _row_versions(conn, deleted, sites)
    found.update((t, r, DELETED) for (t, r) in deleted if _deletion_edits(versions.get((t, r), {})) is not None)
    have = _prune(conn)
    # a "_deleted" entry no longer found by the scan is closed (the scan covers every deleted row)
    _drop(conn, {k for k in have if k[2] == DELETED and k not in found})
    _add(conn, sorted(found - have, key=lambda k: (k[0], k[1].bytes, k[2])), bundle_id)


def count_open_conflicts(db: Database) -> int:
    """How many conflicts wait for review (stale cache entries are dropped first)."""
    with db.engine.begin() as conn:
        return len(_prune(conn))


# --- reading values for people -------------------------------------------------------------------------

def decode_value(column: Any, raw: str | None) -> Any:
    """A version's JSON text as the Python value of the column's type."""
    if raw is None:
        return None
    kind = column.type
    if isinstance(kind, GUID):
        return uuid.UUID(json.loads(raw))
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat(json.loads(raw))
    if isinstance(kind, Date):
        return dt.date.fromisoformat(json.loads(raw))
    if isinstance(kind, Numeric):
        return Decimal(raw.strip('"'))
    return json.loads(raw)


class _Names:
    """Names for ids and codes met while describing conflicts, looked up once each."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._ids: dict[uuid.UUID, str | None] = {}
        self._wilayah: dict[str, str | None] = {}
        self._sites: dict[int, tuple[str, str]] = {}
        self._site_uuids = _site_uuids(conn)
        self._local_site = conn.execute(select(SyncState.site)).scalar_one_or_none()
        own = conn.execute(select(Meta.value).where(Meta.key == "office_id")).scalar_one_or_none()
        self._own_office = uuid.UUID(own) if own else None
        learned = conn.execute(select(Meta.value).where(Meta.key == SITE_OFFICES)).scalar_one_or_none()
        try:
            self._site_offices = {str(k): str(v) for k, v in json.loads(learned or "{}").items()}
        except (TypeError, ValueError, AttributeError):
            self._site_offices = {}
        self._users: dict[uuid.UUID, str | None] = {}

    def record(self, rid: uuid.UUID) -> str | None:
        """The name of a worker, user, office or client with this id, or the KK number of a household."""
        if rid not in self._ids:
            name = None
            for model, col in ((Worker, Worker.name), (User, User.name), (Office, Office.name),
                               (Client, Client.name), (Household, Household.no_kk), (SyncPeer, SyncPeer.name)):
                key = SyncPeer.office_id if model is SyncPeer else model.id
                name = self.conn.execute(select(col).where(key == rid)).scalar_one_or_none()
                if name:
                    break
            self._ids[rid] = name
        return self._ids[rid]

    def user(self, user_id: uuid.UUID | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self._users:
            self._users[user_id] = self.conn.execute(select(User.name).where(User.id == user_id)).scalar_one_or_none()
        return self._users[user_id]

    def wilayah(self, code: str) -> str | None:
        if code not in self._wilayah:
            self._wilayah[code] = self.conn.execute(select(Wilayah.name).where(Wilayah.code == code)
                                                    ).scalar_one_or_none()
        return self._wilayah[code]

    def site(self, site: int) -> tuple[str, str]:
        """(office name or device, device) of a site ordinal."""
        if site not in self._sites:
            site_uuid = self._site_uuids.get(site, "")
            device = _("perangkat {id}").format(id=site_uuid.replace("-", "")[:8] or "?")
            office_id = self._own_office if site == self._local_site else None
            if office_id is None and site_uuid in self._site_offices:
                try:
                    office_id = uuid.UUID(self._site_offices[site_uuid])
                except ValueError:
                    office_id = None
            if office_id is None:
                raw = self.conn.execute(select(Version.val).where(Version.site == site,
                                                                  Version.col == "owner_office_id")
                                        .limit(1)).scalar_one_or_none()
                try:
                    office_id = uuid.UUID(json.loads(raw)) if raw else None
                except (TypeError, ValueError):
                    office_id = None
            name = self.record(office_id) if office_id is not None else None
            self._sites[site] = (name or device, device)
        return self._sites[site]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def readable_value(table: str, column: str, raw: str | None, names: _Names | None = None) -> str:
    """A register value as people read it: dates dd-mm-yyyy, codes as labels, ids as names where known,
    "(kosong)" for nothing; no JSON quotes."""
    model = SYNCED_BY_TABLE.get(table)
    try:
        value = json.loads(raw) if raw is not None else None
    except ValueError:
        return raw or _("(kosong)")
    if column == "deleted":
        return _("dihapus") if value else _("aktif")
    if _empty(value):
        return _("(kosong)")
    sql_column = model.__table__.c.get(column) if model is not None else None  # type: ignore[attr-defined]
    kind = sql_column.type if sql_column is not None else None
    if isinstance(kind, Boolean) or isinstance(value, bool):
        return _("ya") if value else _("tidak")
    if isinstance(kind, Date) and isinstance(value, str):
        try:
            return format_date_short(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(kind, DateTime) and isinstance(value, str):
        try:
            return _local_text(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(kind, GUID) and isinstance(value, str):
        try:
            name = names.record(uuid.UUID(value)) if names is not None else None
        except ValueError:
            name = None
        return name or _("data {id}").format(id=value[:8])
    if column == "wilayah_code" and isinstance(value, str):
        name = names.wilayah(value) if names is not None else None
        return f"{name} ({value})" if name else value
    ref = _REF_COLUMNS.get(column)
    if ref and (column not in _REF_TABLES or table in _REF_TABLES[column]):
        from atensi_desktop.refdata import ref_list

        try:
            labels = ref_list(ref)
        except (KeyError, OSError, ValueError):
            labels = None
        if labels is not None:
            if isinstance(value, list):
                return "; ".join(labels.label(str(v)) for v in value)
            return labels.label(str(value))
    if column == "value_rp" and isinstance(value, int | float):
        return f"Rp {format_number(value)}"
    if isinstance(value, list):
        return "; ".join(_plain_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain_text(v)}" for k, v in value.items())
    if isinstance(value, int | float) and not isinstance(kind, JSON):
        return format_number(value) if column not in ("dtsen_desil", "position", "letter_year") else str(value)
    return str(value)


def _plain_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain_text(v) for v in value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    return str(value)


def _local_text(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%d-%m-%Y %H:%M")


# --- whose record --------------------------------------------------------------------------------------

_SUBJECT_NAMES = {"client": Client.name, "household": Household.no_kk, "office": Office.name,
                  "worker": Worker.name, "app_user": User.name}


def _client_of(conn: Connection, tbl: str, rid: uuid.UUID, depth: int = 0) -> uuid.UUID | None:
    """The client a row belongs to: itself, its client_id, or its parent row's (one or two steps up)."""
    if tbl == "client":
        return rid
    model = SYNCED_BY_TABLE.get(tbl)
    if model is None or depth > 3:
        return None
    table = model.__table__  # type: ignore[attr-defined]
    if "client_id" in table.c:
        return conn.execute(select(table.c.client_id).where(table.c.id == rid)).scalar_one_or_none()
    if tbl == "duplicate_decision":
        return conn.execute(select(table.c.client_a).where(table.c.id == rid)).scalar_one_or_none()
    for column in table.columns:
        for fk in column.foreign_keys:
            target = fk.column.table
            if target is table or target.name not in SYNCED_BY_TABLE:
                continue
            parent = conn.execute(select(column).where(table.c.id == rid)).scalar_one_or_none()
            if parent is not None:
                return _client_of(conn, target.name, parent, depth + 1)
    return None


def _subject(conn: Connection, tbl: str, rid: uuid.UUID, client_id: uuid.UUID | None) -> str:
    if client_id is not None:
        name = conn.execute(select(Client.name).where(Client.id == client_id)).scalar_one_or_none()
        if name:
            return name
    column = _SUBJECT_NAMES.get(tbl)
    if column is not None:
        name = conn.execute(select(column).where(column.class_.id == rid)).scalar_one_or_none()
        if name:
            return _("KK {no}").format(no=name) if tbl == "household" else name
    return table_label(tbl)


# --- listing -------------------------------------------------------------------------------------------

def _leaf_key(v: _V) -> str:
    return f"{v.hlc}:{v.site_uuid}"


def _leaf(names: _Names, change_sets: dict[tuple[int, int], tuple[int, uuid.UUID | None]], tbl: str, col: str,
          v: _V, *, current: bool, deletion: bool = False) -> LeafDTO:
    wall, user_id = change_sets.get((v.site, v.hlc), (hlc_mod.physical_ms(v.hlc), None))
    moment = dt.datetime.fromtimestamp(wall / 1000, dt.UTC)
    where, device = names.site(v.site)
    return LeafDTO(key=_leaf_key(v), column=col, field_label=column_label(tbl, col),
                   value=_("dihapus") if deletion else readable_value(tbl, col, v.val, names), raw=v.val,
                   who=names.user(user_id), where=where, device=device, when=moment, when_text=_local_text(moment),
                   current=current, deletion=deletion)


def _change_sets(conn: Connection, stamps: set[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, uuid.UUID | None]]:
    found: dict[tuple[int, int], tuple[int, uuid.UUID | None]] = {}
    by_site: dict[int, list[int]] = defaultdict(list)
    for site, h in stamps:
        by_site[site].append(h)
    for site, hlcs in by_site.items():
        for chunk in _chunks(sorted(set(hlcs))):
            for h, wall, user_id in conn.execute(select(ChangeSet.hlc, ChangeSet.wall_ms, ChangeSet.user_id)
                                                 .where(ChangeSet.site == site, ChangeSet.hlc.in_(chunk))):
                found[(site, h)] = (wall, user_id)
    return found


def list_conflicts(db: Database) -> list[ConflictDTO]:
    """Every open conflict with its leaves in words, ordered by client name, then table and field."""
    guard.check(db, SYNC_IMPORT)
    with db.engine.begin() as conn:
        keys = _prune(conn)
        if not keys:
            return []
        meta = {(t, r, c): (at, b) for t, r, c, at, b in conn.execute(
            select(SyncOpenConflict.tbl, SyncOpenConflict.rid, SyncOpenConflict.col, SyncOpenConflict.detected_at,
                   SyncOpenConflict.bundle_id))}
        versions = _row_versions(conn, {(t, r) for t, r, _c in keys}, _site_uuids(conn))
        stamps = {(v.site, v.hlc) for cols in versions.values() for vs in cols.values() for v in vs}
        change_sets = _change_sets(conn, stamps)
        names = _Names(conn)
        out: list[ConflictDTO] = []
        for tbl, rid, col in keys:
            cols = versions.get((tbl, rid), {})
            if col == DELETED:
                state = _deletion_edits(cols)
                if state is None:
                    continue
                deletion, edits = state
                leaves = [_leaf(names, change_sets, tbl, "deleted", deletion, current=True, deletion=True)]
                leaves += [_leaf(names, change_sets, tbl, c, v, current=False)
                           for c, v in sorted(edits.items(), key=lambda cv: _rank(cv[1]), reverse=True)]
                kind, field = KIND_DELETED, column_label(tbl, DELETED)
            else:
                found = _leaves(cols.get(col, ()), tbl, col)
                leaves = [_leaf(names, change_sets, tbl, col, v, current=i == 0) for i, v in enumerate(found)]
                kind, field = KIND_EDIT, column_label(tbl, col)
            client_id = _client_of(conn, tbl, rid)
            at, bundle = meta.get((tbl, rid, col), (None, None))
            if at is not None and at.tzinfo is None:
                at = at.replace(tzinfo=dt.UTC)
            out.append(ConflictDTO(table=tbl, row_id=rid, column=col, kind=kind, table_label=table_label(tbl),
                                   field_label=field, client_id=client_id,
                                   subject=_subject(conn, tbl, rid, client_id), detected_at=at, bundle_id=bundle,
                                   leaves=tuple(leaves)))
    order = {m.__tablename__: i for i, m in enumerate(SYNCED_MODELS)}
    out.sort(key=lambda c: (c.subject.casefold(), order.get(c.table, 99), c.field_label, c.row_id.bytes))
    return out


def describe_conflicts(db: Database, conflicts: Iterable[Any]) -> list[ConflictLine]:
    """The conflicts an import (or its dry run) reported (`exchange.Conflict`), in words for the preview."""
    lines: list[ConflictLine] = []
    with db.engine.connect() as conn:
        names = _Names(conn)
        for c in conflicts:
            client_id = _client_of(conn, c.table, c.row_id)
            lines.append(ConflictLine(
                subject=_subject(conn, c.table, c.row_id, client_id), table_label=table_label(c.table),
                field_label=column_label(c.table, c.column),
                winner=readable_value(c.table, c.column, c.winner, names),
                others="; ".join(readable_value(c.table, c.column, v, names) for v in c.others)))
    return lines


# --- resolving -----------------------------------------------------------------------------------------

def resolve_conflict(db: Database, tbl: str, rid: uuid.UUID, col: str, choose: str) -> bool:
    """Close a conflict: `choose` is a leaf's key (LeafDTO.key) or ACCEPT (keep the value in use).

    Writes one version of the register with the chosen value whose parents are all its current leaves
    (for "edited after deletion": the row's `deleted` register, false when an edit is chosen, true when
    the deletion is kept). Returns False, writing nothing, when the conflict was already closed (for
    instance by a resolution imported from another office).
    """
    guard.check(db, SYNC_IMPORT)
    model = SYNCED_BY_TABLE.get(tbl)
    if model is None or (col != DELETED and col not in versioned_columns(model)):
        raise NotFoundError(_("Konflik ini tidak dikenal."), hint=_("Tutup tinjauan konflik lalu buka lagi."))
    with db.session() as s:
        conn = s.connection()
        cols = _row_versions(conn, [(tbl, rid)], _site_uuids(conn)).get((tbl, rid), {})
        if col == DELETED:
            state = _deletion_edits(cols)
            if state is None:
                _drop(conn, [(tbl, rid, col)])
                return False
            deletion, edits = state
            keys = {_leaf_key(v) for v in edits.values()}
            if choose not in keys and choose not in (ACCEPT, _leaf_key(deletion)):
                raise _gone()
            target, leaves = "deleted", _leaves(cols.get("deleted", ()))
            value: Any = choose not in keys  # keep the deletion, or restore the row to keep the edit
        else:
            leaves = _leaves(cols.get(col, ()), tbl, col)
            if len(leaves) < 2:
                _drop(conn, [(tbl, rid, col)])
                return False
            chosen = leaves[0] if choose == ACCEPT else next((v for v in leaves if _leaf_key(v) == choose), None)
            if chosen is None:
                raise _gone()
            target = col
            value = decode_value(model.__table__.c[col], chosen.val)  # type: ignore[attr-defined]
        row = s.get(model, rid)
        if row is None:
            raise UserError(_("Data ini belum lengkap diterima di sini, jadi konfliknya belum bisa diselesaikan."),
                            hint=_("Terima dulu berkas sinkronisasi yang lebih awal dari kantor pengirim."))
        s.info[EXPLICIT_PARENTS] = {(tbl, rid, target): sorted([v.hlc, v.site] for v in leaves)}
        setattr(row, target, value)
        flag_modified(row, target)
        s.flush()
        s.info.pop(EXPLICIT_PARENTS, None)
        _drop(conn, [(tbl, rid, col)])
    return True


def _gone() -> UserError:
    return UserError(_("Nilai yang dipilih sudah tidak termasuk konflik ini."),
                     hint=_("Muat ulang daftar konflik, lalu pilih lagi."))
