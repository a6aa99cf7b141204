"""Alembic migrations (run programmatically by atensi_desktop.db.schema; no alembic.ini needed)."""
