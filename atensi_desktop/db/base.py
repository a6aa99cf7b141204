"""Declarative base, naming convention, the UUID column type and the mixin every synced table shares."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, LargeBinary, MetaData, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from atensi_desktop.sync.ids import uuid7

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class GUID(TypeDecorator[uuid.UUID]):
    """UUID stored as 16 raw bytes in SQLite and as native `uuid` in PostgreSQL."""

    impl = LargeBinary(16)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID(as_uuid=True))
        return dialect.type_descriptor(LargeBinary(16))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, uuid.UUID):
            value = uuid.UUID(str(value))
        return value if dialect.name == "postgresql" else value.bytes

    def process_result_value(self, value: Any, dialect: Dialect) -> uuid.UUID | None:
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(bytes=bytes(value))


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        uuid.UUID: GUID(),
        dt.datetime: DateTime(timezone=True),
        int: BigInteger().with_variant(BigInteger(), "postgresql"),
        bool: Boolean(),
        str: String(),
        list[str]: JSON(),
        dict[str, Any]: JSON(),
    }


# Columns every synced table carries but that are bookkeeping, not registers of their own:
# the version table already records who and when for every field.
UNVERSIONED_COLUMNS = frozenset({"id", "created_at", "created_by", "updated_at", "updated_by"})


class Synced:
    """Mixin for synced tables (sync-design.md §2): UUIDv7 id, owner office, who/when, tombstone.

    Every change to any other column becomes a field-level version (see `atensi_desktop.sync.versioning`).
    Columns marked `info={"derived": True}` are caches computed from other columns and are not versioned.
    Rows are never deleted: `deleted = True` is the tombstone.
    """

    __synced__: ClassVar[bool] = True

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True, default=uuid7)
    owner_office_id: Mapped[uuid.UUID | None] = mapped_column(GUID(), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[uuid.UUID | None] = mapped_column(GUID())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(GUID())
    deleted: Mapped[bool] = mapped_column(default=False)


def versioned_columns(model: type) -> tuple[str, ...]:
    """Names of the columns of a synced model that are registers (one version per change)."""
    cached = model.__dict__.get("_versioned_columns")
    if cached is not None:
        return cached
    cols = tuple(
        c.key
        for c in model.__table__.columns  # type: ignore[attr-defined]
        if c.key not in UNVERSIONED_COLUMNS and not c.info.get("derived")
    )
    model._versioned_columns = cols  # type: ignore[attr-defined]
    return cols


def is_synced(obj_or_cls: Any) -> bool:
    return bool(getattr(obj_or_cls, "__synced__", False))

