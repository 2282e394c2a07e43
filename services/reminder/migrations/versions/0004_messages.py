"""messages: customer contacts for WeChat, vehicles' plate and model, rules' own templates, escalation tasks'
complaint, notifications written to the local outbox or addressed to a member of staff; the
complaint_escalation rule; built-in rules take their built-in templates instead of the old `{reason}` texts

Revision ID: 0004
Revises: 0002
"""
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

#: The built-in rules' old texts, which named the internal reason: their rules now take the built-in templates.
OLD_SEED_MESSAGES = {
    'birthday': '尊敬的{name}，祝您生日快乐！',
    'vehicle_anniversary': '尊敬的{name}，{reason}。感谢您的信任！',
    'holiday_greeting': '尊敬的{name}，{reason}，祝您节日快乐！',
    'broadcast': '尊敬的{name}，{reason}',
}
ESCALATION_RULE = dict(id='complaint_escalation', kind='complaint_escalation', enabled=True,
                       name='投诉升级 (a task for the person a complaint is escalated to)', params={}, task=True,
                       channels=[], time_of_day='09:00', message=None)


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('wechat_openid', sa.String(length=128), nullable=True))
        batch.add_column(sa.Column('consent_wechat', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('rules') as batch:
        batch.add_column(sa.Column('templates', sa.Text(), nullable=True))
    with op.batch_alter_table('reminders') as batch:
        batch.add_column(sa.Column('complaint_id', sa.String(length=36), nullable=True))
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('local', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('username', sa.String(length=100), nullable=True))
    op.create_index('ix_notifications_sent', 'notifications', ['sent_at'])
    rules = sa.table('rules', *(sa.column(name) for name in (
        'id', 'kind', 'name', 'enabled', 'params', 'task', 'channels', 'time_of_day', 'owner', 'message', 'builtin',
        'version', 'created_at', 'updated_at', 'updated_by')))
    for rule_id, message in OLD_SEED_MESSAGES.items():
        op.execute(rules.update().where(rules.c.id == rule_id, rules.c.builtin == sa.true(),
                                        rules.c.message == message).values(message=None))
    now = datetime.now(UTC)
    op.bulk_insert(rules, [{**ESCALATION_RULE, 'params': json.dumps(ESCALATION_RULE['params']),
                            'channels': json.dumps(ESCALATION_RULE['channels']), 'owner': None, 'builtin': True,
                            'version': 1, 'created_at': now, 'updated_at': now, 'updated_by': None}])


def downgrade() -> None:
    rules = sa.table('rules', sa.column('id'), sa.column('message'))
    op.execute(rules.delete().where(rules.c.id == ESCALATION_RULE['id']))
    for rule_id, message in OLD_SEED_MESSAGES.items():
        op.execute(rules.update().where(rules.c.id == rule_id, rules.c.message.is_(None)).values(message=message))
    op.drop_index('ix_notifications_sent', table_name='notifications')
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('username')
        batch.drop_column('local')
    with op.batch_alter_table('reminders') as batch:
        batch.drop_column('complaint_id')
    with op.batch_alter_table('rules') as batch:
        batch.drop_column('templates')
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('consent_wechat')
        batch.drop_column('wechat_openid')
