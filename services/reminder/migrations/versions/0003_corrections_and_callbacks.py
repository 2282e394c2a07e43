"""corrections and linked callbacks: a vehicle's plate, model, status and version; a visit's service type,
version and void; a rule's call script (话术), seeded for the built-in callback rules; the visit that closed a
task and the callback recorded with it

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

#: The call scripts of the built-in rules (as reminder.domain.rules.SCRIPTS had them at this revision).
SCRIPTS = {
    "delivery_callback_3d": ("您好，请问是{name}吗？我是门店的客服顾问。您的爱车（{plate}）提车已"
                             "经三天了，想了解一下您的用车感受：车辆使用是否顺利？交车时的讲解是否清楚？对我们"
                             "的服务还满意吗？有任何问题可以随时联系我们。"),
    "delivery_callback_1m": ("您好，请问是{name}吗？我是门店的客服顾问。您的爱车（{plate}）已经陪"
                             "伴您一个月了，想回访一下：车辆各项功能使用得还习惯吗？有没有需要我们协助的地方？"
                             "另外提醒您，首次保养在提车后3个月或3000公里内（以先到者为准），可以提前为您"
                             "预约。"),
    "complaint_callback": ("您好，请问是{name}吗？我是门店的客服顾问。关于您之前反映的问题，我们已经处"
                           "理完毕，想跟您确认一下：问题是否已经解决？您对处理的过程和结果是否满意？还有什么"
                           "需要我们改进的地方吗？"),
    "lost_customer": ("您好，请问是{name}吗？我是门店的客服顾问。好久没有在店里见到您了，想问一下"
                      "您的爱车最近使用情况如何？最近是在哪里做的保养？如果对我们有任何意见，欢迎告诉我"
                      "们，我们这边可以为您预约保养并介绍当前的优惠。"),
}


def upgrade() -> None:
    op.add_column('assets', sa.Column('plate', sa.String(length=32), nullable=True))
    op.add_column('assets', sa.Column('model', sa.String(length=200), nullable=True))
    op.add_column('assets', sa.Column('status', sa.String(length=20), nullable=True))
    op.add_column('assets', sa.Column('version', sa.Integer(), nullable=True))
    op.add_column('visits', sa.Column('service_type', sa.String(length=60), nullable=True))
    op.add_column('visits', sa.Column('version', sa.Integer(), nullable=True))
    op.add_column('visits', sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('rules', sa.Column('script', sa.Text(), nullable=True))
    op.add_column('reminders', sa.Column('visit_id', sa.String(length=36), nullable=True))
    op.create_index(op.f('ix_reminders_visit_id'), 'reminders', ['visit_id'], unique=False)
    op.add_column('reminders', sa.Column('callback', sa.Text(), nullable=True))
    rules = sa.table('rules', sa.column('id'), sa.column('script'))
    for rule_id, script in SCRIPTS.items():
        op.execute(rules.update().where(rules.c.id == rule_id, rules.c.script.is_(None)).values(script=script))


def downgrade() -> None:
    op.drop_index(op.f('ix_reminders_visit_id'), table_name='reminders')
    for table, column in (('reminders', 'callback'), ('reminders', 'visit_id'), ('rules', 'script'),
                          ('visits', 'voided_at'), ('visits', 'version'), ('visits', 'service_type'),
                          ('assets', 'version'), ('assets', 'status'), ('assets', 'model'), ('assets', 'plate')):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
