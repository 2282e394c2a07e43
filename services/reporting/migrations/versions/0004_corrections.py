"""corrections: visits keep their version, service type and whether they were voided; vehicles their
version and status (sold, scrapped, voided); appointments the reminder they were booked from and its due
day, so that a booking counts where the reminder service's KPIs count it

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visits') as batch:
        batch.add_column(sa.Column('service_type', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('version', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('voided', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index('ix_visits_asset_id', 'visits', ['asset_id'], unique=False)
    with op.batch_alter_table('vehicles') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('status', sa.String(length=20), nullable=True))
    with op.batch_alter_table('appointments') as batch:
        batch.add_column(sa.Column('reminder_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('reminder_day', sa.Date(), nullable=True))
    op.create_index('ix_appointments_reminder_id', 'appointments', ['reminder_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_appointments_reminder_id', table_name='appointments')
    with op.batch_alter_table('appointments') as batch:
        batch.drop_column('reminder_day')
        batch.drop_column('reminder_id')
    with op.batch_alter_table('vehicles') as batch:
        batch.drop_column('status')
        batch.drop_column('version')
    op.drop_index('ix_visits_asset_id', table_name='visits')
    with op.batch_alter_table('visits') as batch:
        batch.drop_column('voided')
        batch.drop_column('version')
        batch.drop_column('service_type')
