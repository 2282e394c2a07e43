"""moves: each complaint a customer merge moved, so an unmerge (even after a chain of merges) moves exactly
those back; replaces the complaints.merged_from column, which a second merge overwrote

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('moves',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('complaint_id', sa.String(length=36), nullable=False),
    sa.Column('from_customer', sa.String(length=36), nullable=False),
    sa.Column('to_customer', sa.String(length=36), nullable=False),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                            name=op.f('fk_moves_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moves'))
    )
    op.create_index('ix_moves_from_customer_to_customer', 'moves', ['from_customer', 'to_customer'], unique=False)
    op.execute("INSERT INTO moves (complaint_id, from_customer, to_customer, moved_at) "
               "SELECT id, merged_from, customer_id, updated_at FROM complaints WHERE merged_from IS NOT NULL")
    # Plain ALTER TABLE (SQLite 3.35+ drops a column in place). Not batch mode: on SQLite it rebuilds the
    # table, and dropping the old copy with foreign keys on would cascade-delete every step and callback.
    op.drop_index(op.f('ix_complaints_merged_from'), table_name='complaints')
    op.drop_column('complaints', 'merged_from')


def downgrade() -> None:
    op.add_column('complaints', sa.Column('merged_from', sa.String(length=36), nullable=True))
    op.create_index(op.f('ix_complaints_merged_from'), 'complaints', ['merged_from'], unique=False)
    op.drop_index('ix_moves_from_customer_to_customer', table_name='moves')
    op.drop_table('moves')
