"""service date and merged-record indexes

Two indexes, no table changed: `service_entry(date_from)` for services per month (Beranda) and the Layanan
screen's period filter, which read the whole log without it (≈ 5 s at 10M entries); and a partial index on
`client(merged_into)` for the records merged into a client (its timeline, the duplicate review), which read
all clients without it (180-220 ms at 1M clients; 0.005 ms with it — bench services).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_service_entry_date_from", "service_entry", ["date_from"])
    op.create_index("ix_client_merged_into", "client", ["merged_into"],
                    sqlite_where=sa.text("merged_into IS NOT NULL"),
                    postgresql_where=sa.text("merged_into IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_client_merged_into", table_name="client")
    op.drop_index("ix_service_entry_date_from", table_name="service_entry")
