"""search keys without a foreign key to customers, on PostgreSQL

The keys are an index of customers' names that only the customer service writes, always in the
transaction that writes their customer, and customers are never deleted (a merge keeps the merged one as
a tombstone, erasure masks it in place). Checking the customer of each of a dozen keys per customer was
about a sixth of PostgreSQL's work in a bulk import. On SQLite the constraint stays: dropping it means
rebuilding the table, which would lose the trigger of migration 0004.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_NAME = 'fk_customer_search_keys_customer_id_customers'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(_NAME, 'customer_search_keys', type_='foreignkey')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.create_foreign_key(_NAME, 'customer_search_keys', 'customers', ['customer_id'], ['id'], ondelete='CASCADE')
