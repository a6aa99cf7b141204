"""Office (kantor): an LKS, panti, Sentra or Dinas Sosial, with what its letterhead needs."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import Base, Synced


class Office(Synced, Base):
    __tablename__ = "office"
    code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))
    office_type: Mapped[str] = mapped_column(String(30))
    wilayah_code: Mapped[str | None] = mapped_column(String(13))
    address: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(String(80))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(120))
    letterhead_lines: Mapped[list[str] | None] = mapped_column(JSON)
    head_name: Mapped[str | None] = mapped_column(String(200))
    head_title: Mapped[str | None] = mapped_column(String(200))
    head_rank: Mapped[str | None] = mapped_column(String(80))
    head_nip: Mapped[str | None] = mapped_column(String(18))
    legal_basis: Mapped[str | None] = mapped_column(Text)
