"""initial schema: the read model (records kept from events, pre-aggregated tallies, freshness), the
rebuild's state and backlog, and the kit's outbox, inbox and idempotency keys

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

TABLES = ('appointments', 'complaints', 'customers', 'freshness', 'merges', 'rebuild_backlog', 'rebuild_state',
          'reminders', 'tallies', 'vehicles', 'visits')


def upgrade() -> None:
    op.create_table('appointments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.Column('store_id', sa.String(length=100), nullable=True),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.Column('booked_day', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    op.create_index(op.f('ix_appointments_customer_id'), 'appointments', ['customer_id'], unique=False)
    op.create_table('complaints',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.Column('store_id', sa.String(length=100), nullable=True),
    sa.Column('category', sa.String(length=50), nullable=True),
    sa.Column('subcategory', sa.String(length=50), nullable=True),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('severity', sa.String(length=20), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('assignee', sa.String(length=100), nullable=True),
    sa.Column('responsible_party', sa.String(length=100), nullable=True),
    sa.Column('filed_day', sa.Date(), nullable=True),
    sa.Column('step_at', sa.String(length=40), nullable=True),
    sa.Column('working_minutes', sa.Integer(), nullable=True),
    sa.Column('reopens', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.String(length=20), nullable=True),
    sa.Column('remedy_fen', sa.BigInteger(), nullable=True),
    sa.Column('sla', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints'))
    )
    op.create_index(op.f('ix_complaints_customer_id'), 'complaints', ['customer_id'], unique=False)
    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('erased', sa.Boolean(), nullable=False),
    sa.Column('store_id', sa.String(length=100), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('first_kind', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('owner', sa.String(length=100), nullable=True),
    sa.Column('wanted_model', sa.String(length=200), nullable=True),
    sa.Column('province', sa.String(length=50), nullable=True),
    sa.Column('city', sa.String(length=50), nullable=True),
    sa.Column('district', sa.String(length=50), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('purchase_type', sa.String(length=50), nullable=True),
    sa.Column('intent_grade', sa.String(length=2), nullable=True),
    sa.Column('tier', sa.String(length=20), nullable=True),
    sa.Column('key_customer', sa.Boolean(), nullable=False),
    sa.Column('created_day', sa.Date(), nullable=True),
    sa.Column('owner_since', sa.Date(), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('vehicles', sa.Integer(), nullable=False),
    sa.Column('visit_count', sa.Integer(), nullable=False),
    sa.Column('spend_fen', sa.BigInteger(), nullable=False),
    sa.Column('last_visit_day', sa.Date(), nullable=True),
    sa.Column('merged_into', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    op.create_index('ix_customers_last_visit_day', 'customers', ['last_visit_day'], unique=False)
    op.create_table('freshness',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_event_time', sa.String(length=40), nullable=True),
    sa.Column('last_applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('events_applied', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_freshness'))
    )
    op.create_table('merges',
    sa.Column('merged_id', sa.String(length=36), nullable=False),
    sa.Column('survivor_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('merged_id', name=op.f('pk_merges'))
    )
    op.create_table('rebuild_backlog',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('queue', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_rebuild_backlog'))
    )
    op.create_table('rebuild_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rebuild_state'))
    )
    op.create_table('reminders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.Column('store_id', sa.String(length=100), nullable=True),
    sa.Column('rule', sa.String(length=100), nullable=True),
    sa.Column('due_day', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=True),
    sa.Column('outcome', sa.String(length=100), nullable=True),
    sa.Column('lost_reason', sa.String(length=200), nullable=True),
    sa.Column('completed_day', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders'))
    )
    op.create_index(op.f('ix_reminders_customer_id'), 'reminders', ['customer_id'], unique=False)
    op.create_table('tallies',
    sa.Column('report', sa.String(length=40), nullable=False),
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('store_id', sa.String(length=100), nullable=False),
    sa.Column('key1', sa.String(length=200), nullable=False),
    sa.Column('key2', sa.String(length=200), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('report', 'grain', 'day', 'store_id', 'key1', 'key2', name=op.f('pk_tallies'))
    )
    op.create_table('vehicles',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.Column('store_id', sa.String(length=100), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('delivered_day', sa.Date(), nullable=True),
    sa.Column('first_service_day', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicles'))
    )
    op.create_index(op.f('ix_vehicles_customer_id'), 'vehicles', ['customer_id'], unique=False)
    op.create_table('visits',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.Column('store_id', sa.String(length=100), nullable=True),
    sa.Column('asset_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('staff', sa.String(length=100), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('satisfaction', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    op.create_index(op.f('ix_visits_customer_id'), 'visits', ['customer_id'], unique=False)
    create_kit_tables()


def downgrade() -> None:
    drop_kit_tables()
    for table in reversed(TABLES):
        op.drop_table(table)
