"""Each user's token version: session tokens carry it, and a token whose version is no longer the user's is refused.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add users.token_version, 0 for every existing user (their tokens issued before carry none: log in again)."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop users.token_version."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("token_version")
