"""initial schema: the customer copy, complaints with their timeline, callbacks, surveys, rectification
notices, SLA policies (with the seed default), and the kit's outbox, inbox and idempotency keys

Revision ID: 0001
Revises:
"""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from servicekit.migrations import create_kit_tables, drop_kit_tables

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

#: One working day of the default calendar (8 hours), in minutes.
DAY = 8 * 60


def upgrade() -> None:
    op.create_table('complaints',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.Column('store_id', sa.String(length=100), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('subcategory', sa.String(length=50), nullable=True),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('assignee', sa.String(length=100), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('remedy_cost', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('responsible_party', sa.String(length=100), nullable=True),
    sa.Column('escalation_level', sa.String(length=20), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('callbacks_in_round', sa.Integer(), nullable=False),
    sa.Column('last_satisfaction', sa.String(length=20), nullable=True),
    sa.Column('surveyed_round', sa.Integer(), nullable=True),
    sa.Column('policy', sa.JSON(), nullable=False),
    sa.Column('clocks', sa.JSON(), nullable=False),
    sa.Column('breached', sa.Boolean(), nullable=False),
    sa.Column('waiting_on_customer', sa.Boolean(), nullable=False),
    sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filed_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_assignee', ['assignee'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_complaints_department', ['department'], unique=False)
        batch_op.create_index('ix_complaints_filed_at', ['filed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_merged_from'), ['merged_from'], unique=False)
        batch_op.create_index('ix_complaints_next_check_at', ['next_check_at'], unique=False)
        batch_op.create_index('ix_complaints_status_filed_at', ['status', 'filed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_store_id'), ['store_id'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('store_id', sa.String(length=100), nullable=True),
    sa.Column('tier', sa.String(length=20), nullable=True),
    sa.Column('key_customer', sa.Boolean(), nullable=False),
    sa.Column('blacklisted', sa.Boolean(), nullable=False),
    sa.Column('merged_into', sa.String(length=36), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_merged_into'), ['merged_into'], unique=False)

    op.create_table('sla_policies',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('acknowledge_minutes', sa.Integer(), nullable=False),
    sa.Column('respond_minutes', sa.Integer(), nullable=False),
    sa.Column('resolve_minutes', sa.Integer(), nullable=False),
    sa.Column('first_callback_minutes', sa.Integer(), nullable=False),
    sa.Column('warn_percent', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
    sa.UniqueConstraint('category', 'severity', name='uq_sla_policies_category_severity')
    )
    op.create_table('callbacks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('complaint_id', sa.String(length=36), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('satisfaction', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                            name=op.f('fk_callbacks_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callbacks'))
    )
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callbacks_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('rectifications',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('complaint_id', sa.String(length=36), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('required_action', sa.Text(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                            name=op.f('fk_rectifications_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectifications'))
    )
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectifications_complaint_id'), ['complaint_id'], unique=False)

    op.create_table('steps',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('complaint_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                            name=op.f('fk_steps_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_steps'))
    )
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.create_index('ix_steps_complaint_id_id', ['complaint_id', 'id'], unique=False)

    op.create_table('surveys',
    sa.Column('complaint_id', sa.String(length=36), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('attitude', sa.String(length=20), nullable=False),
    sa.Column('skill', sa.String(length=20), nullable=False),
    sa.Column('timeliness', sa.String(length=20), nullable=False),
    sa.Column('promise_kept', sa.String(length=20), nullable=False),
    sa.Column('staff', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'],
                            name=op.f('fk_surveys_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('complaint_id', 'round', name=op.f('pk_surveys'))
    )
    # The seed defaults [002 L1240], for every category and severity: acknowledge in 1 working day, the
    # department answers in 3, the customer has a reply in 5, first callback within 5 after the remedy.
    policies = sa.table('sla_policies', *(sa.column(name) for name in (
        'id', 'category', 'severity', 'acknowledge_minutes', 'respond_minutes', 'resolve_minutes',
        'first_callback_minutes', 'warn_percent', 'updated_by', 'updated_at')))
    op.bulk_insert(policies, [{
        'id': str(uuid.uuid4()), 'category': '*', 'severity': '*', 'acknowledge_minutes': 1 * DAY,
        'respond_minutes': 3 * DAY, 'resolve_minutes': 5 * DAY, 'first_callback_minutes': 5 * DAY,
        'warn_percent': 20, 'updated_by': 'seed', 'updated_at': datetime.now(UTC)}])
    create_kit_tables()


def downgrade() -> None:
    drop_kit_tables()
    op.drop_table('surveys')
    with op.batch_alter_table('steps', schema=None) as batch_op:
        batch_op.drop_index('ix_steps_complaint_id_id')

    op.drop_table('steps')
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectifications_complaint_id'))

    op.drop_table('rectifications')
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callbacks_complaint_id'))

    op.drop_table('callbacks')
    op.drop_table('sla_policies')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_merged_into'))

    op.drop_table('customers')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_store_id'))
        batch_op.drop_index('ix_complaints_status_filed_at')
        batch_op.drop_index('ix_complaints_next_check_at')
        batch_op.drop_index(batch_op.f('ix_complaints_merged_from'))
        batch_op.drop_index('ix_complaints_filed_at')
        batch_op.drop_index('ix_complaints_department')
        batch_op.drop_index(batch_op.f('ix_complaints_customer_id'))
        batch_op.drop_index('ix_complaints_assignee')

    op.drop_table('complaints')
