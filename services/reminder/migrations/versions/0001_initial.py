"""initial schema: the copy of customers, assets, readings, visits and complaints; rules (with the
built-in ones), reminders, notifications, appointments, opt-outs, re-planning jobs; the kit's outbox,
inbox and idempotency keys

Revision ID: 0001
Revises:
"""
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from servicekit.migrations import create_kit_tables, drop_kit_tables

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

#: The built-in rules and their seed defaults (PRODUCT.md 2.3); managers change them through the API.
BUILTIN_RULES = [
    dict(id='delivery_callback_3d', kind='delivery_callback', enabled=True,
         name='三天回访 (callback 3 days after delivery)',
         params={'days': 3, 'months': 0}, task=True, channels=[],
         time_of_day='09:00', message=None),
    dict(id='delivery_callback_1m', kind='delivery_callback', enabled=True,
         name='首月回访 (callback one month after delivery)',
         params={'days': 0, 'months': 1}, task=True, channels=[],
         time_of_day='09:00', message=None),
    dict(id='first_maintenance', kind='first_maintenance', enabled=True,
         name='首保 (first maintenance: 3 months or 3,000 km)',
         params={'months': 3, 'km': 3000}, task=True, channels=['sms'],
         time_of_day='09:00', message=None),
    dict(id='next_maintenance', kind='next_maintenance', enabled=True,
         name='保养提醒 (next maintenance, predicted from mileage)',
         params={'months': 6, 'km': 5000}, task=True, channels=['sms'],
         time_of_day='09:00', message=None),
    dict(id='annual_inspection', kind='annual_inspection', enabled=True,
         name='年检提醒 (vehicle inspection)',
         params={'days_before': 30, 'every_years': 2, 'yearly_after_years': 10}, task=True, channels=['sms'],
         time_of_day='09:00', message=None),
    dict(id='renewal', kind='renewal', enabled=True,
         name='续保/续约 (contract renewal one month before expiry)',
         params={'months_before': 1}, task=True, channels=[],
         time_of_day='09:00', message=None),
    dict(id='insurance_renewal', enabled=True, kind='insurance_renewal',
         name='车险续保 (insurance renewal one month before the delivery anniversary)',
         params={'months_before': 1}, task=True, channels=[],
         time_of_day='09:00', message=None),
    dict(id='birthday', kind='birthday', enabled=True,
         name='生日祝福 (birthday greeting)',
         params={}, task=False, channels=['sms'],
         time_of_day='10:00', message='尊敬的{name}，祝您生日快乐！'),
    dict(id='vehicle_anniversary', kind='vehicle_anniversary', enabled=True,
         name='爱车周年 (您的爱车一岁了)',
         params={}, task=False, channels=['sms'],
         time_of_day='10:00', message='尊敬的{name}，{reason}。感谢您的信任！'),
    dict(id='holiday_greeting', kind='holiday_greeting', enabled=True,
         name='节日问候 (holiday greeting)',
         params={'festivals': ['spring_festival', 'dragon_boat', 'mid_autumn']}, task=False, channels=['sms'],
         time_of_day='10:00', message='尊敬的{name}，{reason}，祝您节日快乐！'),
    dict(id='complaint_callback', kind='complaint_callback', enabled=True,
         name='投诉回访 (callback after a complaint is resolved)',
         params={'hours': 24}, task=True, channels=[],
         time_of_day='09:00', message=None),
    dict(id='contact_cadence', kind='contact_cadence', enabled=True,
         name='定期联系 (no customer more than a month without contact)',
         params={'months': 1, 'tier_days': {}}, task=True, channels=[],
         time_of_day='09:00', message=None),
    dict(id='lost_customer', kind='lost_customer', enabled=True,
         name='流失客户挽回 (no visit in 6 months: win-back call)',
         params={'months': 6, 'customer_kinds': ['owner']}, task=True, channels=[],
         time_of_day='09:00', message=None),
    dict(id='no_show_follow_up', kind='no_show_follow_up', enabled=True,
         name='爽约跟进 (follow up a missed appointment)',
         params={'hours_before': 24, 'hours_after': 48}, task=True, channels=[],
         time_of_day='09:00', message=None),
    dict(id='broadcast', kind='broadcast', enabled=True,
         name='店外关怀通知 (a notice to many customers: bad weather, recalls, events)',
         params={}, task=False, channels=['sms'],
         time_of_day='10:00', message='尊敬的{name}，{reason}'),
]


def seed_rules() -> None:
    rules = sa.table('rules', *(sa.column(name) for name in (
        'id', 'kind', 'name', 'enabled', 'params', 'task', 'channels', 'time_of_day', 'owner', 'message', 'builtin',
        'version', 'created_at', 'updated_at', 'updated_by')))
    now = datetime.now(UTC)
    op.bulk_insert(rules, [{**row, 'params': json.dumps(row['params']),
                            'channels': json.dumps(row['channels']), 'owner': None, 'builtin': True, 'version': 1,
                            'created_at': now, 'updated_at': now,
                            'updated_by': None} for row in BUILTIN_RULES])


def upgrade() -> None:
    op.create_table('appointments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('asset_id', sa.String(length=36), nullable=True),
    sa.Column('reminder_id', sa.String(length=36), nullable=True),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('booked_by', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('follow_up_reminder_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_booked', ['scheduled_at'], unique=False,
                              postgresql_where=sa.text("status = 'booked'"), sqlite_where=sa.text("status = 'booked'"))
        batch_op.create_index(batch_op.f('ix_appointments_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appointments_reminder_id'), ['reminder_id'], unique=False)

    op.create_table('assets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assets'))
    )
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assets_customer_id'), ['customer_id'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('assignee', sa.String(length=100), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('callback_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_customer_id'), ['customer_id'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('stage', sa.String(length=20), nullable=True),
    sa.Column('tier', sa.String(length=20), nullable=True),
    sa.Column('owner', sa.String(length=100), nullable=True),
    sa.Column('store_id', sa.String(length=100), nullable=True),
    sa.Column('key_customer', sa.Boolean(), nullable=False),
    sa.Column('blacklisted', sa.Boolean(), nullable=False),
    sa.Column('consent_sms', sa.Boolean(), nullable=False),
    sa.Column('consent_phone', sa.Boolean(), nullable=False),
    sa.Column('consent_email', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.String(length=5), nullable=True),
    sa.Column('quiet_end', sa.String(length=5), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=True),
    sa.Column('last_visit_on', sa.Date(), nullable=True),
    sa.Column('last_contact_on', sa.Date(), nullable=True),
    sa.Column('merged_into', sa.String(length=36), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_owner'), ['owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_store_id'), ['store_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('reminder_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=320), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('send_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('skip_reason', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_notifications_pending', ['next_attempt_at'], unique=False,
                              postgresql_where=sa.text("status = 'pending'"),
                              sqlite_where=sa.text("status = 'pending'"))
        batch_op.create_index(batch_op.f('ix_notifications_reminder_id'), ['reminder_id'], unique=False)

    op.create_table('opt_outs',
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', 'channel', name=op.f('pk_opt_outs'))
    )
    op.create_table('readings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('asset_id', sa.String(length=36), nullable=False),
    sa.Column('read_on', sa.Date(), nullable=False),
    sa.Column('km', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_readings')),
    sa.UniqueConstraint('asset_id', 'source', name=op.f('uq_readings_asset_id'))
    )
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.create_index('ix_readings_asset_day', ['asset_id', 'read_on'], unique=False)

    op.create_table('reminders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('rule_id', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('asset_id', sa.String(length=36), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('task', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('fired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sa.String(length=100), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('lost_reason', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('key', name=op.f('uq_reminders_key'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_reminders_fired', ['fired_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_owner'), ['owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_rule_id'), ['rule_id'], unique=False)
        batch_op.create_index('ix_reminders_snoozed', ['snoozed_until'], unique=False,
                              postgresql_where=sa.text("status = 'snoozed'"),
                              sqlite_where=sa.text("status = 'snoozed'"))
        batch_op.create_index('ix_reminders_scheduled_due', ['due_at'], unique=False,
                              postgresql_where=sa.text("status = 'scheduled'"),
                              sqlite_where=sa.text("status = 'scheduled'"))

    op.create_table('rules',
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('task', sa.Boolean(), nullable=False),
    sa.Column('channels', sa.Text(), nullable=False),
    sa.Column('time_of_day', sa.String(length=5), nullable=False),
    sa.Column('owner', sa.String(length=100), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rules'))
    )
    op.create_table('visits',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('asset_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('odometer_km', sa.Integer(), nullable=True),
    sa.Column('merged_from', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_asset_id'), ['asset_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_customer_id'), ['customer_id'], unique=False)

    op.create_table('replans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('cursor', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replans'))
    )
    create_kit_tables()
    seed_rules()


def downgrade() -> None:
    op.drop_table('replans')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_customer_id'))
        batch_op.drop_index(batch_op.f('ix_visits_asset_id'))

    op.drop_table('visits')
    op.drop_table('rules')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_snoozed', postgresql_where=sa.text("status = 'snoozed'"),
                            sqlite_where=sa.text("status = 'snoozed'"))
        batch_op.drop_index('ix_reminders_scheduled_due',
                              postgresql_where=sa.text("status = 'scheduled'"),
                              sqlite_where=sa.text("status = 'scheduled'"))
        batch_op.drop_index(batch_op.f('ix_reminders_rule_id'))
        batch_op.drop_index(batch_op.f('ix_reminders_owner'))
        batch_op.drop_index('ix_reminders_fired')
        batch_op.drop_index(batch_op.f('ix_reminders_customer_id'))

    op.drop_table('reminders')
    with op.batch_alter_table('readings', schema=None) as batch_op:
        batch_op.drop_index('ix_readings_asset_day')

    op.drop_table('readings')
    op.drop_table('opt_outs')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_reminder_id'))
        batch_op.drop_index('ix_notifications_pending',
                              postgresql_where=sa.text("status = 'pending'"),
                              sqlite_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_notifications_customer_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_store_id'))
        batch_op.drop_index(batch_op.f('ix_customers_owner'))

    op.drop_table('customers')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_customer_id'))

    op.drop_table('complaints')
    with op.batch_alter_table('assets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assets_customer_id'))

    op.drop_table('assets')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appointments_reminder_id'))
        batch_op.drop_index(batch_op.f('ix_appointments_customer_id'))
        batch_op.drop_index('ix_appointments_booked',
                              postgresql_where=sa.text("status = 'booked'"), sqlite_where=sa.text("status = 'booked'"))

    op.drop_table('appointments')
    drop_kit_tables()
