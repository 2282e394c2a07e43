"""segment pages: customers indexed by (last_visit_day, id), so that a segment's customer list reads one
index range per recency band and pages on from the last customer shown (keyset) instead of an offset

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_customers_last_visit_day_id', 'customers', ['last_visit_day', 'id'], unique=False)
    op.drop_index('ix_customers_last_visit_day', table_name='customers')


def downgrade() -> None:
    op.create_index('ix_customers_last_visit_day', 'customers', ['last_visit_day'], unique=False)
    op.drop_index('ix_customers_last_visit_day_id', table_name='customers')
