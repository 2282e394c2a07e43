"""outbox subject index: erasure finds a person's stored events without reading the whole outbox

Revision ID: 0004
Revises: 0003
"""
from servicekit.migrations import index_outbox_subject, unindex_outbox_subject

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    index_outbox_subject()


def downgrade() -> None:
    unindex_outbox_subject()
