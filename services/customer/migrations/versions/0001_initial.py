"""initial schema: customers, phones, tags, assets, odometer, visits, history, outbox, inbox

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from servicekit.migrations import create_kit_tables, drop_kit_tables

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

#: Byte-order collation on PostgreSQL so suffix searches (prefix scans of reversed digits) use the index.
DIGITS = sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('region', sa.JSON(), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('employer', sa.String(length=200), nullable=True),
    sa.Column('job_title', sa.String(length=100), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('owner', sa.String(length=100), nullable=True),
    sa.Column('deputy_owner', sa.String(length=100), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('intent_grade', sa.String(length=1), nullable=True),
    sa.Column('wanted_model', sa.String(length=200), nullable=True),
    sa.Column('consent', sa.JSON(), nullable=False),
    sa.Column('quiet_hours', sa.JSON(), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    op.create_index('ix_customers_created_at', 'customers', ['created_at'])
    op.create_index('ix_customers_external_id', 'customers', ['external_id'])
    op.create_index('ix_customers_owner', 'customers', ['owner'])

    op.create_table('assets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('plate', sa.String(length=20), nullable=True),
    sa.Column('plate_key', sa.String(length=20), nullable=True),
    sa.Column('vin', sa.String(length=17), nullable=True),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_assets_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets')),
    sa.UniqueConstraint('vin', name=op.f('uq_assets_vin'))
    )
    op.create_index('ix_assets_customer_id', 'assets', ['customer_id'])
    op.create_index('ix_assets_plate_key', 'assets', ['plate_key'])

    op.create_table('customer_phones',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('digits_reversed', DIGITS, nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_phones_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('phone', name=op.f('pk_customer_phones'))
    )
    op.create_index('ix_customer_phones_customer_id', 'customer_phones', ['customer_id'])
    op.create_index('ix_customer_phones_digits_reversed', 'customer_phones', ['digits_reversed'])

    op.create_table('customer_tags',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('tag', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_tags_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'tag', name=op.f('pk_customer_tags'))
    )
    op.create_index('ix_customer_tags_tag', 'customer_tags', ['tag'])

    op.create_table('history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_history_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_history'))
    )
    op.create_index('ix_history_customer_id_id', 'history', ['customer_id', 'id'])

    op.create_table('odometer_readings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('asset_id', sa.String(length=36), nullable=False),
    sa.Column('km', sa.Integer(), nullable=False),
    sa.Column('read_on', sa.Date(), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_odometer_readings_asset_id_assets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_odometer_readings'))
    )
    op.create_index('ix_odometer_readings_asset_id', 'odometer_readings', ['asset_id'])

    op.create_table('visits',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('asset_id', sa.String(length=36), nullable=True),
    sa.Column('staff', sa.String(length=100), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['asset_id'], ['assets.id'], name=op.f('fk_visits_asset_id_assets')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_visits_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    op.create_index('ix_visits_customer_occurred', 'visits', ['customer_id', 'occurred_at'])

    # the kit's tables (servicekit.db.kit_metadata): events out, events applied
    create_kit_tables()


def downgrade() -> None:
    drop_kit_tables()
    op.drop_table('visits')
    op.drop_table('odometer_readings')
    op.drop_table('history')
    op.drop_table('customer_tags')
    op.drop_table('customer_phones')
    op.drop_table('assets')
    op.drop_table('customers')
