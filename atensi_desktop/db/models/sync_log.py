"""What this installation imported and exported by sync file: local state, never synced (issue 7, sync-design §4.4).

- `sync_import_log`: one row per bundle applied here (not for dry runs): which file (its SHA-256), from which
  office and site, signed by whom, imported by whom and when, what kind (full, delta, case), the counts and
  the warnings (for example a missing earlier file). Its `bundle_id` is also how a second import of the same
  file is recognised from the manifest alone.
- `sync_import_change`: one row per displayed value an import changed or created (`old_val` NULL for a new
  row), the values as version JSON text; it answers "what did yesterday's file from LKS Sukamaju change?".
- `sync_export_log`: one row per bundle written here: to whom (names and office ids), the file name, counts,
  size and scope.

Like `sync_peer` these describe this installation's own history of exchanges; they differ per installation
by nature, so they are plain `Base` tables, left out of versions, bundles and the canonical dump.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, utcnow


class SyncImportLog(Base):
    """One bundle imported here. `counts` and `warnings` are JSON text (an object and a list of strings)."""

    __tablename__ = "sync_import_log"
    bundle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    source_office: Mapped[str | None] = mapped_column(String(64), index=True)
    source_site: Mapped[str | None] = mapped_column(String(64))
    signer: Mapped[str | None] = mapped_column(String(64))
    imported_by: Mapped[str | None] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(10))
    counts: Mapped[str] = mapped_column(Text)
    warnings: Mapped[str] = mapped_column(Text)


class SyncImportChange(Base):
    """One value an import changed (or set on a row it created): version JSON text before and after."""

    __tablename__ = "sync_import_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bundle_id: Mapped[str] = mapped_column(String(64), index=True)
    tbl: Mapped[str] = mapped_column(String(40))
    rid: Mapped[uuid.UUID] = mapped_column(GUID())
    col: Mapped[str] = mapped_column(String(40))
    old_val: Mapped[str | None] = mapped_column(Text)
    new_val: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_sync_import_change_tbl_rid", "tbl", "rid"),)


class SyncExportLog(Base):
    """One bundle written here. `recipients` and `scope` are JSON text."""

    __tablename__ = "sync_export_log"
    bundle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    exported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    exported_by: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    recipients: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(500))
    versions: Mapped[int] = mapped_column(BigInteger, default=0)
    blobs: Mapped[int] = mapped_column(Integer, default=0)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    scope: Mapped[str | None] = mapped_column(Text)
