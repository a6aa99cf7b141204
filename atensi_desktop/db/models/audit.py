"""Local audit trail (issue 8, UU PDP Pasal 31): who viewed, printed, exported or imported what, and when.

Changes are not recorded here: every change is already a field-level version with its author and time
(`version` + `change_set`). This table holds the events that leave no version: a client record opened,
a report printed or saved, a list or a data-subject copy exported, a sync file imported. It is local to
this installation (never synced) and append-only. `detail` holds codes and counts only, never a personal
value (a name, a NIK, an address): `services.audit.record` refuses anything else.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_client_id_at", "client_id", "at"),
                      Index("ix_audit_event_at", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    user_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    username: Mapped[str | None] = mapped_column(String(60))
    office_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    action: Mapped[str] = mapped_column(String(20))
    client_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    obj_table: Mapped[str | None] = mapped_column(String(40))
    obj_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
