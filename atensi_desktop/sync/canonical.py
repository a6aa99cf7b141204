"""The canonical dump: all synced data as sorted, deterministic JSON lines (issue 7, `dump --canonical`).

Two installations that hold the same data write the same bytes, whatever the order the rows were
inserted in, the database engine (SQLite or PostgreSQL) or the machine. It is used to compare
installations (the convergence tests, support) and to answer a data-subject request (`client_ids`).

Format: UTF-8, one line per row, `\\n` after every line. Lines are sorted by table name, then by row id
(the 16 bytes of the UUID, which is also the order of its lower-case text form). Each line is one JSON
object whose keys are, in this order, `table`, `id`, then every synced column (a register) sorted by
name; values are JSON as `sync.versioning.encode_value` writes a version's value (strings, numbers,
booleans, ISO dates, UUIDs as text), with `null` for an empty column, and two normalisations so that
every engine gives the same text for the same value:
- a JSON column (a list or an object) is written with its object keys sorted (PostgreSQL may hand them
  back in another order than they were written);
- a Numeric column is written as its exact number without trailing zeros (`2.500` → `2.5`, `3.000` → `3`),
  because the scale a database hands back is the column's, not the value's.

Columns left out, and why:
- `created_at`, `created_by`, `updated_at`, `updated_by`: local bookkeeping stamped by the installation
  that wrote the row; an imported row gets the receiver's own stamps, so they differ per installation.
  Who changed what and when is in the version history (`version`, `change_set`), not in the row.
- derived columns (`info={"derived": True}`: `client.name_norm`/`alias_norm`, `assessment_section.
  check_result`/`problems_count`/`completed`): caches recomputed from registers by each installation;
  a change of the normalisation rules would otherwise make equal data look different.
- the sync tables themselves (`version`, `change_set`, `site`, `sync_state`, `version_vector`, `meta`):
  site ordinals, sequence numbers and vectors differ per installation by design.
Everything else that is a register is included, `owner_office_id` and the `deleted` tombstone too.

The rows are read table by table in id order with a streaming cursor (`yield_per`), so a database of
100,000 clients is written without holding a table in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.engine import Connection

from atensi_desktop.db.base import versioned_columns
from atensi_desktop.db.engine import Database
from atensi_desktop.db.models import SYNCED_MODELS
from atensi_desktop.db.models.client import Client
from atensi_desktop.errors import NotFoundError
from atensi_desktop.i18n import _
from atensi_desktop.security import guard
from atensi_desktop.security.roles import EXPORT_DATA
from atensi_desktop.sync.versioning import _plain, encode_value

BATCH = 2000
_IN_CHUNK = 500
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
_encode_key = json.JSONEncoder(ensure_ascii=False).encode

# Tables a data-subject dump never walks into: shared directories, not the client's own records.
_NOT_OWNED_BY_CLIENT = frozenset({"office", "worker", "app_user", "household", "distribution",
                                  "duplicate_decision", "report_issued"})


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        return encode_value(value) or "null"
    return format(value.normalize(), "f")


def _json(value: Any) -> str:
    return _encode_json(_plain(value))


_FAST: dict[type, Any] = {
    type(None): lambda _v: "null",
    str: _encode_key,
    bool: lambda v: "true" if v else "false",
    int: str,
    uuid.UUID: lambda v: f'"{v}"',
    dt.date: lambda v: f'"{v.isoformat()}"',
    Decimal: _decimal,
    dict: _json,
    list: _json,
    tuple: _json,
}


def canonical_value(value: Any) -> str:
    """The JSON text of one column value in the canonical dump (see the module docstring)."""
    fast = _FAST.get(type(value))
    if fast is not None:
        return fast(value)
    return encode_value(value) or "null"


def _models_by_table() -> list[type]:
    return sorted(SYNCED_MODELS, key=lambda m: m.__tablename__)


def _line(table_key: str, keys: tuple[str, ...], row: Any, _fast: dict = _FAST) -> str:
    out = [table_key, '"id":"', str(row[0]), '"']
    for key, value in zip(keys, row[1:], strict=True):
        fast = _fast.get(type(value))
        out.append(key)
        out.append(fast(value) if fast is not None else canonical_value(value))
    out.append("}\n")
    return "".join(out)


def _layout(model: type) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    cols = tuple(sorted(versioned_columns(model)))
    table_key = '{"table":' + _encode_key(model.__tablename__) + ","
    keys = tuple("," + _encode_key(c) + ":" for c in cols)
    return table_key, cols, keys


def _stream_table(conn: Connection, model: type, include_deleted: bool) -> Iterator[str]:
    table = model.__table__  # type: ignore[attr-defined]
    table_key, cols, keys = _layout(model)
    stmt = select(table.c.id, *(table.c[c] for c in cols)).order_by(table.c.id)
    if not include_deleted:
        stmt = stmt.where(table.c.deleted.is_(False))
    result = conn.execution_options(yield_per=BATCH).execute(stmt)
    try:
        for row in result:
            yield _line(table_key, keys, row)
    finally:
        result.close()


def iter_canonical(db: Database, *, include_deleted: bool = True,
                   client_ids: Iterable[uuid.UUID] | None = None) -> Iterator[str]:
    """The canonical lines, one string each (with its newline); see `canonical_dump`."""
    with db.engine.connect() as conn:
        if client_ids is None:
            for model in _models_by_table():
                yield from _stream_table(conn, model, include_deleted)
            return
        selected = client_scope(conn, list(client_ids))
        for model in _models_by_table():
            ids = selected.get(model.__tablename__)
            if not ids:
                continue
            table = model.__table__  # type: ignore[attr-defined]
            table_key, cols, keys = _layout(model)
            rows: list[Any] = []
            for chunk in _chunks(sorted(ids, key=lambda u: u.bytes)):
                stmt = select(table.c.id, *(table.c[c] for c in cols)).where(table.c.id.in_(chunk))
                if not include_deleted:
                    stmt = stmt.where(table.c.deleted.is_(False))
                rows.extend(conn.execute(stmt))
            rows.sort(key=lambda r: r[0].bytes)
            for row in rows:
                yield _line(table_key, keys, row)


def canonical_dump(db: Database, out: TextIO, *, include_deleted: bool = True,
                   client_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Write all synced data (or one or more clients' records) to `out` as canonical JSON lines.

    `include_deleted=False` leaves out rows whose own tombstone is set (their children stay, as they do
    in the database). `client_ids`: only these clients and what belongs to them (see `client_scope`).
    Returns the number of lines written.
    """
    guard.check(db, EXPORT_DATA)
    count = 0
    for line in iter_canonical(db, include_deleted=include_deleted, client_ids=client_ids):
        out.write(line)
        count += 1
    return count


def _chunks(items: list[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start:start + _IN_CHUNK]


def client_scope(conn: Connection, client_ids: list[uuid.UUID]) -> dict[str, set[uuid.UUID]]:
    """The ids of every synced row that belongs to these clients (a data-subject request).

    The clients themselves, the household each one is linked to (that row only, not the other
    members), and then, following foreign keys downwards until nothing new turns up, every row that
    refers to something already selected: cases and their stage history, asesmen and their sections,
    intervention plans, goals and activities, service entries and their attachments, referrals and
    their events, case notes, tasks and document metadata. Shared directories (offices, workers, users,
    distributions, duplicate decisions, issued reports) are not walked into.
    """
    table = Client.__table__
    found: dict[str, set[uuid.UUID]] = {"client": set()}
    households: set[uuid.UUID] = set()
    for cid in client_ids:
        row = conn.execute(select(table.c.id, table.c.household_id).where(table.c.id == cid)).first()
        if row is None:
            raise NotFoundError(_("Klien {id} tidak ditemukan.").format(id=cid),
                                hint=_("Periksa id klien (UUID) dengan 'client search'."))
        found["client"].add(row[0])
        if row[1] is not None:
            households.add(row[1])
    if households:
        found["household"] = households
    edges: list[tuple[type, str, str]] = []
    for model in SYNCED_MODELS:
        if model.__tablename__ in _NOT_OWNED_BY_CLIENT or model is Client:
            continue
        for col in model.__table__.columns:  # type: ignore[attr-defined]
            for fk in col.foreign_keys:
                edges.append((model, col.key, fk.column.table.name))
    changed = True
    while changed:
        changed = False
        for model, col, target in edges:
            targets = found.get(target)
            if not targets or target == "household":
                continue
            mtable = model.__table__  # type: ignore[attr-defined]
            mine = found.setdefault(model.__tablename__, set())
            for chunk in _chunks(sorted(targets, key=lambda u: u.bytes)):
                for (rid,) in conn.execute(select(mtable.c.id).where(mtable.c[col].in_(chunk))):
                    if rid not in mine:
                        mine.add(rid)
                        changed = True
    return {t: ids for t, ids in found.items() if ids}
