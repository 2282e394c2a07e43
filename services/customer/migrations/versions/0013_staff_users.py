"""The users copy (staff_users), kept from the gateway's user events: who may own a customer or take them over.

Revision ID: 0013
Revises: 0010
"""
from servicekit.staff import create_users_table, drop_users_table

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create staff_users (filled by the gateway, which publishes every user at its start)."""
    create_users_table()


def downgrade() -> None:
    """Drop staff_users."""
    drop_users_table()
