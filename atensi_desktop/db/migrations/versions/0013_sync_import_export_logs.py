"""sync import export logs

New tables only, all local (never synced, like `sync_peer`): `sync_import_log` (one row per bundle imported:
file hash, source office and site, signer, who and when, kind, counts and warnings as JSON text),
`sync_import_change` (one row per displayed value an import changed or created, old and new value as version
JSON text; indexed by bundle and by (tbl, rid)) and `sync_export_log` (one row per bundle written: when, by
whom, kind, recipients, file name, counts, size, scope). See atensi_desktop/db/models/sync_log.py. No existing
table is altered.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import atensi_desktop.db.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_import_log",
        sa.Column("bundle_id", sa.String(length=64), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("source_office", sa.String(length=64), nullable=True),
        sa.Column("source_site", sa.String(length=64), nullable=True),
        sa.Column("signer", sa.String(length=64), nullable=True),
        sa.Column("imported_by", sa.String(length=200), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("bundle_id", name=op.f("pk_sync_import_log")),
    )
    op.create_index(op.f("ix_sync_import_log_imported_at"), "sync_import_log", ["imported_at"], unique=False)
    op.create_index(op.f("ix_sync_import_log_source_office"), "sync_import_log", ["source_office"], unique=False)
    op.create_table(
        "sync_import_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bundle_id", sa.String(length=64), nullable=False),
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("rid", atensi_desktop.db.base.GUID(length=16), nullable=False),
        sa.Column("col", sa.String(length=40), nullable=False),
        sa.Column("old_val", sa.Text(), nullable=True),
        sa.Column("new_val", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_import_change")),
    )
    op.create_index(op.f("ix_sync_import_change_bundle_id"), "sync_import_change", ["bundle_id"], unique=False)
    op.create_index("ix_sync_import_change_tbl_rid", "sync_import_change", ["tbl", "rid"], unique=False)
    op.create_table(
        "sync_export_log",
        sa.Column("bundle_id", sa.String(length=64), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_by", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("versions", sa.BigInteger(), nullable=False),
        sa.Column("blobs", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("bundle_id", name=op.f("pk_sync_export_log")),
    )
    op.create_index(op.f("ix_sync_export_log_exported_at"), "sync_export_log", ["exported_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_export_log_exported_at"), table_name="sync_export_log")
    op.drop_table("sync_export_log")
    op.drop_index("ix_sync_import_change_tbl_rid", table_name="sync_import_change")
    op.drop_index(op.f("ix_sync_import_change_bundle_id"), table_name="sync_import_change")
    op.drop_table("sync_import_change")
    op.drop_index(op.f("ix_sync_import_log_source_office"), table_name="sync_import_log")
    op.drop_index(op.f("ix_sync_import_log_imported_at"), table_name="sync_import_log")
    op.drop_table("sync_import_log")
