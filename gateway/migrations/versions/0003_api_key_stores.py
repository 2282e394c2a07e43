"""The stores each API key works for (none: the whole dealer group).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add api_keys.stores, empty for every existing key (they keep seeing the whole group)."""
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("stores", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    """Drop api_keys.stores."""
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("stores")
