"""Saved views: a list's filter kept under a name, shared with a store if its owner chooses.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create saved_views, one name per owner and screen, indexed for the views shared with a store."""
    op.create_table(
        "saved_views",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("screen", sa.String(20), nullable=False),
        sa.Column("query", sa.String(2000), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("store_id", sa.String(40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("owner", "screen", "name", name="uq_saved_views_owner_screen_name"),
    )
    op.create_index("ix_saved_views_store", "saved_views", ["shared", "store_id"])


def downgrade() -> None:
    """Drop saved_views."""
    op.drop_table("saved_views")
