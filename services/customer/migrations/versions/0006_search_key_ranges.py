"""search keys indexed by where they start: a key range of one kind at the start of the name, or inside it,
is one tight index range (the one index on (key, position, kind) read every kind and position in a range)

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_TABLE = 'customer_search_keys'
#: (name, columns, predicate) of the indexes that find keys by their text.
_BY_KEY = (('ix_customer_search_keys_start_key', ['kind', 'key', 'created_at', 'customer_id'], 'position = 0'),
           ('ix_customer_search_keys_inside_key', ['key', 'created_at', 'customer_id'], 'position > 0'))


def upgrade() -> None:
    op.drop_index('ix_customer_search_keys_key', _TABLE)
    for name, columns, predicate in _BY_KEY:
        op.create_index(name, _TABLE, columns, postgresql_where=sa.text(predicate), sqlite_where=sa.text(predicate))


def downgrade() -> None:
    for name, _, _ in _BY_KEY:
        op.drop_index(name, _TABLE)
    op.create_index('ix_customer_search_keys_key', _TABLE, ['key', 'position', 'kind', 'created_at', 'customer_id'])
