"""search keys indexed by store first, for staff limited to their stores

A search by staff of one store read every key of the term in the key indexes and kept those of the
store (a given name like 勇 read 30,000 keys to find the 5,000 of one store of six, to count them and
again to gather a page). These partial indexes hold the keys of customers that belong to a store, led
by the store, so such a search reads that store's keys alone. Customers without a store add nothing.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_TABLE = 'customer_search_keys'
_INDEXES = (('ix_customer_search_keys_store_start_key', ['store_id', 'kind', 'key', 'created_at', 'customer_id'],
             'position = 0 AND store_id IS NOT NULL'),
            ('ix_customer_search_keys_store_inside_key', ['store_id', 'key', 'created_at', 'customer_id'],
             'position > 0 AND store_id IS NOT NULL'))


def upgrade() -> None:
    for name, columns, predicate in _INDEXES:
        op.create_index(name, _TABLE, columns, postgresql_where=sa.text(predicate), sqlite_where=sa.text(predicate))


def downgrade() -> None:
    for name, _, _ in _INDEXES:
        op.drop_index(name, _TABLE)
