"""reminder_rules: the reminder service's rules as its reminder.rule_changed.v1 events say they stand, so that
the first-maintenance rate reads when first maintenance is due from the rule a manager sets there

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reminder_rules',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_rules')),
    )


def downgrade() -> None:
    op.drop_table('reminder_rules')
