"""Field-level versions for every write to a synced table (sync-design.md §2.2–2.3).

A SQLAlchemy `before_flush` hook turns each changed column of a synced row into an immutable version
row stamped with one HLC tick per flush, this database's site and a per-site sequence number. Bulk
writers (demo data, imports) go through `bulk_insert`, which writes the same versions.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import case, event, insert, inspect, literal, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from atensi_desktop.db.base import is_synced, utcnow, versioned_columns
from atensi_desktop.db.models.sync_meta import ChangeSet, SyncState, Version
from atensi_desktop.errors import UserError
from atensi_desktop.i18n import _
from atensi_desktop.sync import hlc as hlc_mod
from atensi_desktop.sync.ids import uuid7

DAY_MS = 24 * 3600 * 1000
EXPLICIT_PARENTS = "version_parents"  # Session.info key, see capture_versions


_encode_str = json.JSONEncoder(ensure_ascii=False).encode
_encode_any = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def encode_value(value: Any) -> str | None:
    """JSON text of a register value (dates ISO, UUIDs as strings); a fast path for the common types."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is dt.date or kind is dt.datetime:
        return f'"{value.isoformat()}"'
    if kind is uuid.UUID:
        return f'"{value}"'
    if kind is Decimal:  # a Numeric column: the exact number, as a JSON number
        return str(value) if value.is_finite() else _encode_str(str(value))
    return _encode_any(_plain(value))


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


_VERSION_COLS = ("site", "seq", "tbl", "rid", "col", "hlc", "val", "parents")


def insert_versions(conn: Connection, rows: list[tuple]) -> None:
    """Append version rows (tuples in _VERSION_COLS order) with one driver-level executemany.

    Bypasses SQLAlchemy's per-value type processing, which dominated bulk writes: UUIDs are turned
    into what the driver wants (16 raw bytes for SQLite, uuid.UUID for psycopg) here, once.
    """
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        marks = ",".join("?" * len(_VERSION_COLS))
        rows = [(si, sq, t, r.bytes, c, h, v, p) for si, sq, t, r, c, h, v, p in rows]
    else:
        marks = ",".join(["%s"] * len(_VERSION_COLS))
    conn.exec_driver_sql(f"INSERT INTO version ({','.join(_VERSION_COLS)}) VALUES ({marks})", rows)


def record_change_set(conn: Connection, site: int, stamp: int, wall: int, user_id: uuid.UUID | None) -> None:
    conn.execute(insert(ChangeSet).values(site=site, hlc=stamp, wall_ms=wall, user_id=user_id))


def tick(conn: Connection, count: int, *, now_ms: int | None = None) -> tuple[int, int, int]:
    """Advance the HLC once and reserve `count` sequence numbers: returns (site, hlc, last_seq).

    A single UPDATE ... RETURNING, so two writers on one database (PostgreSQL) never share numbers.
    Refuses to write when the computer's date is more than a day behind the clock already seen.
    """
    now = hlc_mod.wall_ms() if now_ms is None else now_ms
    wall = hlc_mod.pack(now)
    stmt = (
        update(SyncState)
        .where(SyncState.id == 1)
        .values(
            hlc=case((literal(wall) > SyncState.hlc, literal(wall)), else_=SyncState.hlc + 1),
            seq=SyncState.seq + count,
        )
        .returning(SyncState.site, SyncState.hlc, SyncState.seq)
    )
    row = conn.execute(stmt).one_or_none()
    if row is None:
        raise RuntimeError("sync_state missing: the database was not initialised")
    site, new_hlc, last_seq = row
    if hlc_mod.physical_ms(new_hlc) - now > DAY_MS:
        raise UserError(
            _("Tanggal dan jam komputer ini lebih awal dari data yang sudah tersimpan."),
            hint=_("Betulkan tanggal dan jam komputer, lalu simpan lagi."),
        )
    return site, new_hlc, last_seq


def _latest_versions(conn: Connection, tbl: str, rid: uuid.UUID, cols: Iterable[str]) -> dict[str, list]:
    rows = conn.execute(
        select(Version.col, Version.hlc, Version.site)
        .where(Version.rid == rid, Version.col.in_(list(cols)), Version.tbl == tbl)
        .order_by(Version.col, Version.hlc.desc(), Version.site.desc())
    )
    latest: dict[str, list] = {}
    for col, h, s in rows:
        latest.setdefault(col, [[h, s]])
    return latest


def _changed_columns(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    changed: dict[str, Any] = {}
    for col in versioned_columns(type(obj)):
        hist = state.attrs[col].history
        if not hist.added:
            continue
        new = hist.added[0]
        if hist.deleted and hist.deleted[0] == new:
            continue
        changed[col] = new
    return changed


def capture_versions(session: Session, _flush_context: Any, _instances: Any) -> None:
    work: list[tuple[Any, dict[str, Any], bool]] = []
    for obj in session.deleted:
        if is_synced(obj):
            raise RuntimeError("synced rows are never deleted: set deleted=True (a tombstone)")
    office_id = session.info.get("office_id")
    for obj in session.new:
        if is_synced(obj):
            if obj.id is None:
                obj.id = uuid7()
            if obj.owner_office_id is None and office_id is not None:
                obj.owner_office_id = office_id
            values = {c: getattr(obj, c) for c in versioned_columns(type(obj))}
            work.append((obj, {c: v for c, v in values.items() if v is not None}, True))
    for obj in session.dirty:
        if is_synced(obj) and session.is_modified(obj, include_collections=False):
            changed = _changed_columns(obj)
            if changed:
                work.append((obj, changed, False))
    if not work:
        return
    conn = session.connection()
    total = sum(len(values) for _, values, _ in work) or 1
    site, stamp, last_seq = tick(conn, total)
    seq = last_seq - total
    now = utcnow()
    wall = int(now.timestamp() * 1000)
    user_id = session.info.get("user_id")
    # A conflict resolution names all the register's leaves as parents, not only the winner
    # (sync-design.md §2.3): {(table, row id, column): [[hlc, site], ...]}, set by sync.conflicts.
    explicit = session.info.get(EXPLICIT_PARENTS) or {}
    rows: list[tuple] = []
    for obj, values, is_new in work:
        tbl = obj.__tablename__
        parents = {} if is_new else _latest_versions(conn, tbl, obj.id, values)
        obj.updated_at, obj.updated_by = now, user_id
        if is_new:
            obj.created_at, obj.created_by = now, user_id
        for col, value in values.items():
            seq += 1
            parent = explicit.get((tbl, obj.id, col)) or parents.get(col)
            rows.append((site, seq, tbl, obj.id, col, stamp, encode_value(value),
                         json.dumps(parent) if parent else None))
    record_change_set(conn, site, stamp, wall, user_id)
    insert_versions(conn, rows)


def install(factory: Any) -> None:
    """Attach the version capture to a sessionmaker: every Session it makes records versions."""
    event.listen(factory, "before_flush", capture_versions)


def bulk_insert(session: Session, model: type, rows: Sequence[Mapping[str, Any]]) -> list[uuid.UUID]:
    """Insert many new rows of a synced model with their versions, in one statement each (fast path).

    The same versions the flush hook would write; used by demo data and imports. Returns the ids.
    """
    if not rows:
        return []
    cols = versioned_columns(model)
    now = utcnow()
    wall = int(now.timestamp() * 1000)
    user_id = session.info.get("user_id")
    office_id = session.info.get("office_id")
    prepared: list[dict[str, Any]] = []
    total = 0
    for row in rows:
        full = dict(row)
        derive = getattr(model, "derive", None)
        if derive is not None:
            full = derive(full)
        full.setdefault("id", uuid7())
        full.setdefault("deleted", False)
        if full.get("owner_office_id") is None:
            full["owner_office_id"] = office_id
        full.update(created_at=now, created_by=user_id, updated_at=now, updated_by=user_id)
        prepared.append(full)
        total += sum(1 for c in cols if full.get(c) is not None and not (c == "deleted" and not full[c]))
    conn = session.connection()
    site, stamp, last_seq = tick(conn, max(total, 1))
    seq = last_seq - total
    tbl = model.__tablename__
    versions: list[tuple] = []
    for full in prepared:
        rid = full["id"]
        for col in cols:
            value = full.get(col)
            if value is None or (col == "deleted" and not value):
                continue
            seq += 1
            versions.append((site, seq, tbl, rid, col, stamp, encode_value(value), None))
    session.execute(insert(model), prepared)
    record_change_set(conn, site, stamp, wall, user_id)
    insert_versions(conn, versions)
    return [full["id"] for full in prepared]
