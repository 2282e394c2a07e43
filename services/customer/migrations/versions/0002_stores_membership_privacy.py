"""stores, membership and points, grading and lists, consent records, erasure

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)
_BIGID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('stores',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.JSON(), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('created_at', _UTC, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores'))
    )

    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('store_id', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('tier', sa.String(length=20), nullable=False, server_default='regular'))
        batch.add_column(sa.Column('points_balance', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('key_customer', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('blacklisted', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('blacklist_reason', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('credit_limit', sa.Numeric(14, 2), nullable=True))
        batch.add_column(sa.Column('erased_at', _UTC, nullable=True))
        batch.create_foreign_key(op.f('fk_customers_store_id_stores'), 'stores', ['store_id'], ['id'])
        batch.create_check_constraint('ck_customers_points_balance_not_negative', 'points_balance >= 0')
        batch.create_index('ix_customers_store_id', ['store_id'])
        batch.create_index('ix_customers_deputy_owner', ['deputy_owner'])

    # one row per change of a customer's points; their sum is the customer's points_balance
    op.create_table('points_ledger',
    sa.Column('id', _BIGID, autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('at', _UTC, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('ref', sa.String(length=120), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_points_ledger_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_ledger')),
    sa.UniqueConstraint('ref', name=op.f('uq_points_ledger_ref'))
    )
    op.create_index('ix_points_ledger_customer_id_id', 'points_ledger', ['customer_id', 'id'])

    # every grant or withdrawal of consent, with when and where it was given (PIPL art. 14)
    op.create_table('consent_records',
    sa.Column('id', _BIGID, autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('given_at', _UTC, nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', _UTC, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_consent_records_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records'))
    )
    op.create_index('ix_consent_records_customer_id_id', 'consent_records', ['customer_id', 'id'])


def downgrade() -> None:
    op.drop_table('consent_records')
    op.drop_table('points_ledger')
    with op.batch_alter_table('customers') as batch:
        batch.drop_index('ix_customers_deputy_owner')
        batch.drop_index('ix_customers_store_id')
        batch.drop_constraint('ck_customers_points_balance_not_negative', type_='check')
        batch.drop_constraint(op.f('fk_customers_store_id_stores'), type_='foreignkey')
        for column in ('erased_at', 'credit_limit', 'blacklist_reason', 'blacklisted', 'key_customer',
                       'points_balance', 'tier', 'store_id'):
            batch.drop_column(column)
    op.drop_table('stores')
