"""Application user: enough to say who changed what (login and roles come with the security issue)."""

from __future__ import annotations

import uuid

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class User(Synced, Base):
    __tablename__ = "app_user"
    name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(60), index=True)
    office_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), index=True)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    active: Mapped[bool] = mapped_column(default=True)
