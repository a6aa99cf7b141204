"""sync peers

New table only: `sync_peer`, the offices this installation accepts sync bundles from and encrypts to (their
kartu kantor: name, contact, Ed25519 public key, age recipient, fingerprint; who confirmed the fingerprint and
when; aktif/dicabut). A local table, never synced: trust is each installation's own decision (see
atensi_desktop/db/models/peer.py). This office's own public keys are kept in `meta`; private keys never enter
the database. No existing table is altered.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import atensi_desktop.db.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_peer",
        sa.Column("office_id", atensi_desktop.db.base.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("office_type", sa.String(length=30), nullable=True),
        sa.Column("code", sa.String(length=12), nullable=True),
        sa.Column("wilayah_code", sa.String(length=13), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("ed25519_public", sa.LargeBinary(length=32), nullable=False),
        sa.Column("age_recipient", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=24), nullable=False),
        sa.Column("card_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("previous_fingerprint", sa.String(length=24), nullable=True),
        sa.Column("keys_replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_sync_peer")),
    )


def downgrade() -> None:
    op.drop_table("sync_peer")
