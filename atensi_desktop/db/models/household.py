"""Household (keluarga, by Kartu Keluarga): members are clients with a relation to the head."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import Base, Synced


class Household(Synced, Base):
    __tablename__ = "household"
    no_kk: Mapped[str | None] = mapped_column(String(16), index=True)
    address: Mapped[str | None] = mapped_column(Text)
    wilayah_code: Mapped[str | None] = mapped_column(String(13), index=True)
