"""Client (klien / PPKS / penerima manfaat)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from atensi_desktop.db.base import GUID, Base, Synced
from atensi_desktop.domain.names import normalize_name


class Client(Synced, Base):
    """NIK is validated and indexed, never UNIQUE (sync-design.md §2.6); duplicates are found and merged."""

    __tablename__ = "client"
    __table_args__ = (
        # The client list over live clients (not archived, not merged) in its default order, covering what a
        # search tests (name, alias, NIK, household, display id) and the filters on the client's own
        # columns: counting, paging, "jump to the last row" and a search walking the list read this index
        # only (services/clients.py). Its WHERE must match the list query's terms word for word, or
        # SQLite will not use it.
        Index("ix_client_live_name", "name_norm", "id", "alias_norm", "nik", "household_id", "display_id",
              "wilayah_code", "cluster", "sex", "birth_date",
              sqlite_where=text("deleted = 0 AND merged_into IS NULL"),
              postgresql_where=text("NOT deleted AND merged_into IS NULL")),
        # The records merged into a client (its timeline, the duplicate review): few rows, so a partial index.
        Index("ix_client_merged_into", "merged_into", sqlite_where=text("merged_into IS NOT NULL"),
              postgresql_where=text("merged_into IS NOT NULL")),
    )
    display_id: Mapped[str] = mapped_column(String(20), index=True)
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_norm: Mapped[str] = mapped_column(String(200), index=True, info={"derived": True})
    alias: Mapped[str | None] = mapped_column(String(200))
    alias_norm: Mapped[str | None] = mapped_column(String(200), info={"derived": True})
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_place: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    birth_date_estimated: Mapped[bool] = mapped_column(default=False)
    religion: Mapped[str | None] = mapped_column(String(30))
    education: Mapped[str | None] = mapped_column(String(30))
    marital_status: Mapped[str | None] = mapped_column(String(30))
    disability: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(Text)
    wilayah_code: Mapped[str | None] = mapped_column(String(13), index=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(
        GUID(), ForeignKey("household.id", deferrable=True, initially="DEFERRED"), index=True
    )
    relation_to_head: Mapped[str | None] = mapped_column(String(30))
    ppks_categories: Mapped[list[str] | None] = mapped_column(JSON)
    cluster: Mapped[str | None] = mapped_column(String(30), index=True)
    dtsen_desil: Mapped[int | None] = mapped_column(Integer)
    merged_into: Mapped[uuid.UUID | None] = mapped_column(GUID())

    @validates("name")
    def _set_name(self, _key: str, value: str) -> str:
        self.name_norm = normalize_name(value or "")
        return value

    @validates("alias")
    def _set_alias(self, _key: str, value: str | None) -> str | None:
        self.alias_norm = normalize_name(value or "") or None
        return value

    @classmethod
    def derive(cls, row: dict) -> dict:
        """Fill derived columns of a row dict for the bulk path (the ORM path uses the validator)."""
        row["name_norm"] = normalize_name(row.get("name") or "")
        row["alias_norm"] = normalize_name(row.get("alias") or "") or None
        return row
