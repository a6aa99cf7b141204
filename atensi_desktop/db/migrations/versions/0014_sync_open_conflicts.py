"""sync open conflicts

New table only: `sync_open_conflict`, the registers (table, row id, column) that have more than one leaf after
an import and wait for review (issue 7, sync-design.md §4.3), plus rows edited after their deletion (column
`_deleted`). A local cache derived from the version set, never synced; no existing table is altered.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

import atensi_desktop.db.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_open_conflict",
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("rid", atensi_desktop.db.base.GUID(length=16), nullable=False),
        sa.Column("col", sa.String(length=40), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("bundle_id", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("tbl", "rid", "col", name=op.f("pk_sync_open_conflict")),
    )


def downgrade() -> None:
    op.drop_table("sync_open_conflict")
