"""Local sync bookkeeping: installation meta, site ordinals, the clock row, versions and version vectors."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base


class Meta(Base):
    """Key/value facts about this database: site id, machine fingerprint, this installation's office."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Site(Base):
    """Maps a site UUID (one installation's database) to a small local ordinal used inside versions."""

    __tablename__ = "site"
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_uuid: Mapped[uuid.UUID] = mapped_column(GUID(), unique=True)


class SyncState(Base):
    """One row: this database's current site, its HLC and its last version sequence number."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[int] = mapped_column(Integer)
    hlc: Mapped[int] = mapped_column(BigInteger, default=0)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Version(Base):
    """One immutable value of one register (table, row, column): append-only, never updated.

    Its identity is (origin site, seq): the primary key, so a delta export ("everything from site S
    after seq N") is one range scan and a re-imported version is recognised at once. `val` is JSON
    text; `parents` is JSON [[hlc, site], ...] naming the versions the editor saw (NULL for the first
    version of a register). Who and when (wall clock) live once per transaction in `change_set`.
    """

    __tablename__ = "version"
    site: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tbl: Mapped[str] = mapped_column(String(40))
    rid: Mapped[uuid.UUID] = mapped_column(GUID())
    col: Mapped[str] = mapped_column(String(40))
    hlc: Mapped[int] = mapped_column(BigInteger)
    val: Mapped[str | None] = mapped_column(Text)
    parents: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_version_register", "rid", "col"), {"sqlite_with_rowid": False})


class ChangeSet(Base):
    """One local transaction's writes: the same HLC stamp and site on all its versions, who and when."""

    __tablename__ = "change_set"
    site: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hlc: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    wall_ms: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[uuid.UUID | None] = mapped_column(GUID())

    __table_args__ = ({"sqlite_with_rowid": False},)


class VersionVector(Base):
    """vv[scope][site] = the highest sequence number of `site` whose versions this database holds."""

    __tablename__ = "version_vector"
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    site: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
