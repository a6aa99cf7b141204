"""A client's document or photo: a row that names a blob in the content-addressed store (blobstore.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atensi_desktop.db.base import GUID, Base, Synced


class ClientDocument(Synced, Base):
    """`kind` is a code of refdata `document_kinds` ("foto" is the client's photo, one live at a time).

    The content lives in the blob store under `sha256`; archiving a row (`deleted`) never removes it.
    """

    __tablename__ = "client_document"
    __table_args__ = (Index("ix_client_document_client_id_kind", "client_id", "kind"),)
    client_id: Mapped[uuid.UUID] = mapped_column(
        GUID(), ForeignKey("client.id", deferrable=True, initially="DEFERRED"))
    kind: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
