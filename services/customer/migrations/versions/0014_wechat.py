"""WeChat (微信): the customer's openid with the dealership's official account, and consent to WeChat

- customers.wechat_openid: the openid (公众号) a WeChat template message is sent to; null until it is known.
- consent.wechat: no column; a customer stored before this revision names no WeChat consent and is read as
  not having granted it (opt-in, PIPL art. 14), so no row needs rewriting.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add customers.wechat_openid."""
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('wechat_openid', sa.String(length=128), nullable=True))


def downgrade() -> None:
    """Drop customers.wechat_openid."""
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('wechat_openid')
