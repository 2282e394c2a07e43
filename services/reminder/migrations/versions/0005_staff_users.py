"""The users copy (staff_users), kept from the gateway's user events: who may own a task, where staff are reached.

Revision ID: 0005
Revises: 0002
"""
from servicekit.staff import create_users_table, drop_users_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create staff_users (filled by the gateway, which publishes every user at its start)."""
    create_users_table()


def downgrade() -> None:
    """Drop staff_users."""
    drop_users_table()
