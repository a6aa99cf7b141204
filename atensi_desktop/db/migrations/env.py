"""Alembic environment: always run with a connection handed in by atensi_desktop.db.schema."""

from alembic import context

from atensi_desktop.db import models  # noqa: F401 - registers the tables
from atensi_desktop.db.base import Base
from atensi_desktop.db.schema import include_name

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via atensi_desktop.db.schema
    raise RuntimeError("run migrations through atensi_desktop.db.schema")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,  # the hand-made search index objects of migration 0004
)
with context.begin_transaction():
    context.run_migrations()
