"""The values an imported bundle changed, in words for the bundle-history screen: whose record, which part
and field (Indonesian labels), the old and the new value as people read them (no JSON quotes)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from atensi_desktop.db.engine import Database
from atensi_desktop.security import guard
from atensi_desktop.security.roles import SYNC_IMPORT
from atensi_desktop.sync.conflicts import _client_of, _Names, _subject, readable_value
from atensi_desktop.sync.exchange import import_changes
from atensi_desktop.sync.labels import column_label, table_label


@dataclass(frozen=True)
class ChangeLine:
    subject: str  # the client (or office, worker, KK) the record belongs to
    table_label: str
    field_label: str
    old: str  # "" for a record the import created
    new: str
    created: bool


def describe_import_changes(db: Database, bundle_id: str, *, limit: int | None = 2000) -> list[ChangeLine]:
    """The values the imported bundle `bundle_id` set (at most `limit` lines), readable."""
    guard.check(db, SYNC_IMPORT)
    changes = import_changes(db, bundle_id, limit=limit)
    out: list[ChangeLine] = []
    subjects: dict[tuple[str, uuid.UUID], str] = {}
    with db.engine.connect() as conn:
        names = _Names(conn)
        for change in changes:
            if limit is not None and len(out) >= limit:
                break
            key = (change.table, change.row_id)
            if key not in subjects:
                subjects[key] = _subject(conn, change.table, change.row_id,
                                         _client_of(conn, change.table, change.row_id))
            created = change.old_value is None
            out.append(ChangeLine(
                subject=subjects[key], table_label=table_label(change.table),
                field_label=column_label(change.table, change.column),
                old="" if created else readable_value(change.table, change.column, change.old_value, names),
                new=readable_value(change.table, change.column, change.new_value, names), created=created))
    return out
