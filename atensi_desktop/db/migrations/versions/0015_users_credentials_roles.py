"""users credentials roles

`app_user` (synced) gains `role` (security.roles: administrator, kepala, pekerja_sosial, tks, operator; NULL for
the installation's placeholder user made before any login existed) and `grants` (JSON list of extra
permissions). New LOCAL table `user_credential` (never synced, sync-design.md §2.7): one argon2id password hash
per user of this installation, failed attempts, lockout time, must-change flag.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

import atensi_desktop.db.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("grants", sa.JSON(), nullable=True))
    op.create_table(
        "user_credential",
        sa.Column("user_id", atensi_desktop.db.base.GUID(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("must_change", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_credential")),
    )


def downgrade() -> None:
    op.drop_table("user_credential")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("grants")
        batch_op.drop_column("role")
