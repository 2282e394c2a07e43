"""tally_changes: changes to the tallies appended by the consumer and folded into them in the background,
instead of adding to the day's, month's and year's rows in place in the consumer's transaction

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tally_changes',
        sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('report', sa.String(length=40), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('store_id', sa.String(length=100), nullable=False),
        sa.Column('key1', sa.String(length=200), nullable=False),
        sa.Column('key2', sa.String(length=200), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_tally_changes')),
    )
    op.create_index(op.f('ix_tally_changes_report_day'), 'tally_changes', ['report', 'day'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_tally_changes_report_day'), table_name='tally_changes')
    op.drop_table('tally_changes')
