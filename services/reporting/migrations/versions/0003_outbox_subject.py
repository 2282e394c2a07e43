"""outbox subject index: erasure finds a person's stored events without reading the whole outbox

Revision ID: 0003
Revises: 0002
"""
from servicekit.migrations import index_outbox_subject, unindex_outbox_subject

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    index_outbox_subject()


def downgrade() -> None:
    unindex_outbox_subject()
