"""segment pages: customers keep their RFM frequency and monetary cell (fm = 10 × F + M), indexed with the
last visit day and id, so that a segment's customer list reads a few short index ranges (one per cell and
recency band) and pages on from the last customer shown (keyset) instead of an offset

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

#: reporting.domain.contributions.frequency_score and monetary_score, in SQL, for the rows already there
FM = ("(CASE WHEN visit_count <= 1 THEN 1 WHEN visit_count = 2 THEN 2 WHEN visit_count <= 4 THEN 3 "
      "WHEN visit_count <= 7 THEN 4 ELSE 5 END) * 10 + "
      "(CASE WHEN spend_fen < 100000 THEN 1 WHEN spend_fen < 300000 THEN 2 WHEN spend_fen < 800000 THEN 3 "
      "WHEN spend_fen < 2000000 THEN 4 ELSE 5 END)")


def upgrade() -> None:
    op.add_column('customers', sa.Column('fm', sa.SmallInteger(), nullable=True))
    # The index before the update: built after it, in the same transaction, PostgreSQL would not use it
    # while any transaction older than this one is open (the updated rows' old versions: indcheckxmin).
    op.create_index('ix_customers_fm_last_visit_day_id', 'customers', ['fm', 'last_visit_day', 'id'], unique=False)
    op.execute(f"UPDATE customers SET fm = {FM}")
    op.drop_index('ix_customers_last_visit_day', table_name='customers')  # read by nothing now


def downgrade() -> None:
    op.create_index('ix_customers_last_visit_day', 'customers', ['last_visit_day'], unique=False)
    op.drop_index('ix_customers_fm_last_visit_day_id', table_name='customers')
    op.drop_column('customers', 'fm')
