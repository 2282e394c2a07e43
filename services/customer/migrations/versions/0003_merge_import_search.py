"""merges (tombstones, moved rows), bulk imports, name search keys (pinyin, initials, any part)

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)
_BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
#: Byte-order collation on PostgreSQL so prefix searches on keys are range scans of the plain btree index.
KEY = sa.String(length=64).with_variant(sa.String(length=64, collation='C'), 'postgresql')
BATCH = 1000


def _backfill_search_keys() -> None:
    """Keys of the customers already there (new and edited ones get theirs when written)."""
    from customer.domain.pinyin import search_keys

    connection = op.get_bind()
    customers = sa.table('customers', sa.column('id'), sa.column('name'))
    keys = sa.table('customer_search_keys', sa.column('customer_id'), sa.column('kind'), sa.column('position'),
                    sa.column('key'))
    last = ''
    while True:
        rows = connection.execute(sa.select(customers.c.id, customers.c.name).where(customers.c.id > last)
                                  .order_by(customers.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(keys.insert(), [
            {'customer_id': row.id, 'kind': key.kind, 'position': key.position, 'key': key.key}
            for row in rows for key in search_keys(row.name)])
        last = rows[-1].id


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('merged_into', sa.String(length=36), nullable=True))
        batch.create_index('ix_customers_merged_into', ['merged_into'])
    op.create_index('ix_customers_email_lower', 'customers', [sa.text('lower(email)')])

    op.create_table('customer_search_keys',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.SmallInteger(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('key', KEY, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_customer_search_keys_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'kind', 'position', name=op.f('pk_customer_search_keys'))
    )
    op.create_index('ix_customer_search_keys_key', 'customer_search_keys', ['key'],
                    postgresql_include=['customer_id', 'kind', 'position'])
    _backfill_search_keys()

    op.create_table('customer_merges',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('survivor_id', sa.String(length=36), nullable=False),
    sa.Column('merged_id', sa.String(length=36), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('merged_at', _UTC, nullable=False),
    sa.Column('undo_until', _UTC, nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('survivor_before', sa.JSON(), nullable=False),
    sa.Column('merged_before', sa.JSON(), nullable=False),
    sa.Column('survivor_version', sa.Integer(), nullable=False),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('undone_at', _UTC, nullable=True),
    sa.Column('undone_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['survivor_id'], ['customers.id'],
                            name=op.f('fk_customer_merges_survivor_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_id'], ['customers.id'],
                            name=op.f('fk_customer_merges_merged_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_merges'))
    )
    op.create_index('ix_customer_merges_survivor_id', 'customer_merges', ['survivor_id'])
    op.create_index('ix_customer_merges_merged_id', 'customer_merges', ['merged_id'])

    op.create_table('merge_moves',
    sa.Column('merge_id', sa.String(length=36), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['merge_id'], ['customer_merges.id'],
                            name=op.f('fk_merge_moves_merge_id_customer_merges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('merge_id', 'table_name', 'row_id', name=op.f('pk_merge_moves'))
    )

    op.create_table('customer_imports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('created_at', _UTC, nullable=False),
    sa.Column('updated_at', _UTC, nullable=False),
    sa.Column('finished_at', _UTC, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_imports'))
    )

    op.create_table('import_errors',
    sa.Column('id', _BIGID, autoincrement=True, nullable=False),
    sa.Column('import_id', sa.String(length=36), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=100), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['customer_imports.id'],
                            name=op.f('fk_import_errors_import_id_customer_imports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_errors'))
    )
    op.create_index('ix_import_errors_import_id_id', 'import_errors', ['import_id', 'id'])


def downgrade() -> None:
    op.drop_table('import_errors')
    op.drop_table('customer_imports')
    op.drop_table('merge_moves')
    op.drop_table('customer_merges')
    op.drop_table('customer_search_keys')
    op.drop_index('ix_customers_email_lower', 'customers')
    with op.batch_alter_table('customers') as batch:
        batch.drop_index('ix_customers_merged_into')
        batch.drop_column('merged_into')
