"""Open conflicts of this installation: a local cache derived from the version set, never synced."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, utcnow


class SyncOpenConflict(Base):
    """One register (table, row, column) that has more than one leaf and waits for a person's review.

    `col` is a column name, or `_deleted` for "edited after deletion" (a row whose tombstone wins while
    another office edited it later, sync-design.md §2.5). The rows are a cache: every entry can be
    recomputed from `version`, and an entry goes away as soon as its register has one leaf again,
    whether resolved here or by a resolution imported from another office (atensi_desktop.sync.conflicts).
    """

    __tablename__ = "sync_open_conflict"
    tbl: Mapped[str] = mapped_column(String(40), primary_key=True)
    rid: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    col: Mapped[str] = mapped_column(String(40), primary_key=True)
    detected_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    bundle_id: Mapped[str | None] = mapped_column(String(80))
