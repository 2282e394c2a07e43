"""The stores each user works for (none: the whole dealer group).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add users.stores, empty for every existing user (they keep seeing the whole group)."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("stores", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    """Drop users.stores."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("stores")
