"""Case (kasus): one episode of service for a client, from pendekatan awal to bimbingan lanjut."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class ClientCase(Synced, Base):
    __tablename__ = "client_case"
    display_id: Mapped[str] = mapped_column(String(20), index=True)
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"), index=True
    )
    cluster: Mapped[str | None] = mapped_column(String(30))
    approach: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(30), index=True)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), index=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
