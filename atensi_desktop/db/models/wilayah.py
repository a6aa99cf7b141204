"""Kemendagri region codes (reference data, loaded by `wilayah import`; the 38 provinces ship built in)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import Base


class Wilayah(Base):
    """One region: provinsi (level 1), kab/kota (2), kecamatan (3), desa/kelurahan (4)."""

    __tablename__ = "wilayah"
    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(Integer, index=True)
    parent_code: Mapped[str | None] = mapped_column(String(13), index=True)
    name_norm: Mapped[str] = mapped_column(String(120), index=True)
