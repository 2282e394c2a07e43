"""escalation contacts (who is told at each level, per store, with a group-wide default), the username told
at a complaint's last escalation, group-wide workflow settings (survey required before closing), and an index
to list rectification notices per department

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
    op.add_column('complaints', sa.Column('escalated_to', sa.String(length=100), nullable=True))
    op.create_table('escalation_contacts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_contacts')),
    sa.UniqueConstraint('store_id', 'level', name='uq_escalation_contacts_store_id_level')
    )
    op.create_table('settings',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_settings'))
    )
    op.create_index('ix_rectifications_department_issued_at', 'rectifications', ['department', 'issued_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_rectifications_department_issued_at', table_name='rectifications')
    op.drop_table('settings')
    op.drop_table('escalation_contacts')
    op.drop_column('complaints', 'escalated_to')
