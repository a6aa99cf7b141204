"""Application users: the synced user directory and this installation's local credentials (issue 8).

`app_user` is synced (sync-design.md §2.7): name, user name, office, worker, role, personal grants travel to
peer offices so every installation can say who changed what. `user_credential` is *local state*, never synced,
like `sync_peer` and `meta`: a password hash, failed attempts and the lockout belong to this installation only.
A user who arrives from another office through sync therefore cannot sign in here until an administrator of this
installation sets a password for them (`user passwd --reset NAME`, or the user-management screen).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced, utcnow


class User(Synced, Base):
    __tablename__ = "app_user"
    name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(60), index=True)
    office_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), index=True)
    worker_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    active: Mapped[bool] = mapped_column(default=True)
    # security.roles.ROLES; None: the installation placeholder user made before any login existed
    role: Mapped[str | None] = mapped_column(String(30))
    # extra permissions (security.roles constants) an administrator granted this person
    grants: Mapped[list[str] | None] = mapped_column(JSON)


class UserCredential(Base):
    """A user's password on this installation: local state, never synced (sync-design.md §2.7)."""

    __tablename__ = "user_credential"
    user_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    must_change: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
