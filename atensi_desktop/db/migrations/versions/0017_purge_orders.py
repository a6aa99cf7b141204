"""purge orders

New tables only: `purge_order` (synced: a signed order to erase or anonymise one client, UU PDP; it travels
in bundles and every installation executes it) and `purged_register` (local: the registers an executed
order erased or anonymised, so a stale bundle cannot bring them back). No existing table is altered.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

import atensi_desktop.db.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purge_order",
        sa.Column("client_id", atensi_desktop.db.base.GUID(length=16), nullable=False),
        sa.Column("client_display_id", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("legal_ref", sa.String(length=200), nullable=False),
        sa.Column("authorised_by", sa.String(length=200), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("signer_office_id", atensi_desktop.db.base.GUID(length=16), nullable=False),
        sa.Column("signature", sa.String(length=120), nullable=False),
        sa.Column("id", atensi_desktop.db.base.GUID(length=16), nullable=False),
        sa.Column("owner_office_id", atensi_desktop.db.base.GUID(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", atensi_desktop.db.base.GUID(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", atensi_desktop.db.base.GUID(length=16), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purge_order")),
    )
    with op.batch_alter_table("purge_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purge_order_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purge_order_owner_office_id"), ["owner_office_id"], unique=False)
    op.create_table(
        "purged_register",
        sa.Column("rid", atensi_desktop.db.base.GUID(length=16), nullable=False),
        sa.Column("col", sa.String(length=40), nullable=False),
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("order_id", atensi_desktop.db.base.GUID(length=16), nullable=False),
        sa.PrimaryKeyConstraint("rid", "col", name=op.f("pk_purged_register")),
    )


def downgrade() -> None:
    op.drop_table("purged_register")
    with op.batch_alter_table("purge_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purge_order_owner_office_id"))
        batch_op.drop_index(batch_op.f("ix_purge_order_client_id"))
    op.drop_table("purge_order")
