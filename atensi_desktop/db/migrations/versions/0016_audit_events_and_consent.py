"""audit events and consent

New tables only: `audit_event` (local, append-only: views, prints, exports, imports; changes stay in the
version history) and the synced `client_consent` (a client's consent with the consenter and the proof
document). No existing table is altered.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

import atensi_desktop.db.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    guid = atensi_desktop.db.base.GUID
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", guid(length=16), nullable=True),
        sa.Column("username", sa.String(length=60), nullable=True),
        sa.Column("office_id", guid(length=16), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("client_id", guid(length=16), nullable=True),
        sa.Column("obj_table", sa.String(length=40), nullable=True),
        sa.Column("obj_id", guid(length=16), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_event_client_id_at", ["client_id", "at"], unique=False)

    op.create_table(
        "client_consent",
        sa.Column("client_id", guid(length=16), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("consenter_kind", sa.String(length=20), nullable=False),
        sa.Column("consenter_name", sa.String(length=200), nullable=True),
        sa.Column("relationship", sa.String(length=100), nullable=True),
        sa.Column("proof_document_id", guid(length=16), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", guid(length=16), nullable=False),
        sa.Column("owner_office_id", guid(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", guid(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", guid(length=16), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["client.id"], name=op.f("fk_client_consent_client_id_client"),
                                initially="DEFERRED", deferrable=True),
        sa.ForeignKeyConstraint(["proof_document_id"], ["client_document.id"],
                                name=op.f("fk_client_consent_proof_document_id_client_document"),
                                initially="DEFERRED", deferrable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_consent")),
    )
    with op.batch_alter_table("client_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_consent_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_client_consent_owner_office_id"), ["owner_office_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("client_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_consent_owner_office_id"))
        batch_op.drop_index(batch_op.f("ix_client_consent_client_id"))
    op.drop_table("client_consent")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_client_id_at")
        batch_op.drop_index("ix_audit_event_at")
    op.drop_table("audit_event")
