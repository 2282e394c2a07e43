"""corrections of visits and assets, odometer readings on their own, the callback link

Visits and assets get a version (bumped by each correction) and may be voided with a reason; an asset
gets a status (active, sold, scrapped); a visit may name the reminder task it was recorded from; an
odometer reading says where it came from and may be set aside when found wrong.

A service visit's free-text `service_type` becomes one of the vocabulary (maintenance, repair,
inspection, check, warranty, recall, accident, other), read from the words staff typed; a visit without
one keeps none (readers count it as a maintenance, as before).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)
#: Words staff typed, first match wins (保修 before 修, 年检 before 检).
_WORDS = (("maintenance", ("maintenance", "保养", "首保", "定保", "二保")),
          ("warranty", ("warranty", "保修", "索赔", "三包")),
          ("recall", ("recall", "召回")),
          ("accident", ("accident", "事故", "钣喷", "出险")),
          ("inspection", ("inspection", "年检", "年审")),
          ("check", ("check", "检测", "检查", "诊断")),
          ("repair", ("repair", "维修", "修")))
_CODES = ("maintenance", "repair", "inspection", "check", "warranty", "recall", "accident", "other")


def service_type_of(text: str) -> str:
    """The vocabulary's code for what staff typed."""
    lowered = text.strip().lower()
    if lowered in _CODES:
        return lowered
    for code, words in _WORDS:
        if any(word in lowered for word in words):
            return code
    return "other"


def upgrade() -> None:
    with op.batch_alter_table('visits') as table:
        table.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        table.add_column(sa.Column('reminder_id', sa.String(36)))
        table.add_column(sa.Column('updated_at', _UTC))
        table.add_column(sa.Column('voided_at', _UTC))
        table.add_column(sa.Column('voided_by', sa.String(100)))
        table.add_column(sa.Column('void_reason', sa.String(500)))
        table.add_column(sa.Column('effects', sa.JSON()))
        table.create_index('ix_visits_reminder_id', ['reminder_id'])
    with op.batch_alter_table('assets') as table:
        table.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        table.add_column(sa.Column('status', sa.String(20), nullable=False, server_default='active'))
        table.add_column(sa.Column('updated_at', _UTC))
        table.add_column(sa.Column('voided_at', _UTC))
        table.add_column(sa.Column('voided_by', sa.String(100)))
        table.add_column(sa.Column('void_reason', sa.String(500)))
    with op.batch_alter_table('odometer_readings') as table:
        table.add_column(sa.Column('source', sa.String(20)))
        table.add_column(sa.Column('recorded_by', sa.String(100)))
        table.add_column(sa.Column('voided_at', _UTC))
    readings = sa.table('odometer_readings', sa.column('visit_id', sa.String), sa.column('source', sa.String))
    op.execute(readings.update().where(readings.c.visit_id.is_(None)).values(source='registration'))
    op.execute(readings.update().where(readings.c.visit_id.is_not(None)).values(source='visit'))
    visits = sa.table('visits', sa.column('id', sa.String), sa.column('kind', sa.String),
                      sa.column('details', sa.JSON))
    connection = op.get_bind()
    last = ''
    while True:  # in batches, so a large archive is never read at once
        rows = connection.execute(sa.select(visits.c.id, visits.c.details)
                                  .where(visits.c.kind == 'service', visits.c.id > last)
                                  .order_by(visits.c.id).limit(5000)).all()
        if not rows:
            break
        last = rows[-1][0]
        for visit_id, details in rows:
            text = (details or {}).get('service_type')
            if isinstance(text, str) and text not in _CODES:
                connection.execute(visits.update().where(visits.c.id == visit_id)
                                   .values(details={**details, 'service_type': service_type_of(text)}))


def downgrade() -> None:
    with op.batch_alter_table('odometer_readings') as table:
        for name in ('voided_at', 'recorded_by', 'source'):
            table.drop_column(name)
    with op.batch_alter_table('assets') as table:
        for name in ('void_reason', 'voided_by', 'voided_at', 'updated_at', 'status', 'version'):
            table.drop_column(name)
    with op.batch_alter_table('visits') as table:
        table.drop_index('ix_visits_reminder_id')
        for name in ('effects', 'void_reason', 'voided_by', 'voided_at', 'updated_at', 'reminder_id', 'version'):
            table.drop_column(name)
