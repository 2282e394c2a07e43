"""Users gain a display name, contacts and a version; the gateway publishes user events.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add users.display_name, users.contacts, users.version (1 for every existing user) and
    users.announced_version (null: the gateway announces the user once, with user.updated.v1, at its start)."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("display_name", sa.String(100), nullable=True))
        batch.add_column(sa.Column("contacts", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("announced_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("announced_version")
        batch.drop_column("version")
        batch.drop_column("contacts")
        batch.drop_column("display_name")
