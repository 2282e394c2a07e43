"""an import keeps the stores of the caller who started it: only callers who reach them all see it

An import's filename, counts and errors (which name customer ids) are as much the stores' business as
their customers are. Null: started by a caller of every store (an admin, a group manager), whom only such
callers see; imports kept before this migration are taken as such.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customer_imports', sa.Column('stores', sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table('customer_imports') as table:
        table.drop_column('stores')
