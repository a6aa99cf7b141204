"""Worker / pendamping: pekerja sosial, TKS, relawan sosial, penyuluh sosial, TKSK, PSM."""

from __future__ import annotations

import uuid

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class Worker(Synced, Base):
    __tablename__ = "worker"
    office_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), index=True)
    name: Mapped[str] = mapped_column(String(200))
    worker_type: Mapped[str] = mapped_column(String(30))
    nip: Mapped[str | None] = mapped_column(String(18))
    rank: Mapped[str | None] = mapped_column(String(80))
    position: Mapped[str | None] = mapped_column(String(120))
    certificate_no: Mapped[str | None] = mapped_column(String(80))
    str_no: Mapped[str | None] = mapped_column(String(80))
    sipps_no: Mapped[str | None] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
