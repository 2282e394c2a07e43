"""an e-mail belongs to one customer; purchase type; plates found by their end, VINs by their last six

- customer_emails: each address (trimmed, lower case) of a live customer, its primary key the guard that a
  second customer never gets it, as customer_phones is for numbers. Addresses two live customers already
  share are given to the older one (the duplicates listing shows the pair, to be merged).
- customers.purchase_type: first (首次购车), additional (增购) or replacement (换购).
- assets: on PostgreSQL an index on the reversed plate key (byte order), so "the plate ends with B12345" is a
  range scan, and one on the VIN's last six characters; on SQLite the VIN's last six too.

Revision ID: 0012
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BATCH = 1000


def _backfill_emails() -> None:
    """Each address of a live customer to the oldest customer that has it."""
    connection = op.get_bind()
    customers = sa.table('customers', sa.column('id'), sa.column('email'), sa.column('created_at'),
                         sa.column('merged_into'), sa.column('erased_at'))
    emails = sa.table('customer_emails', sa.column('email'), sa.column('customer_id'))
    taken: set[str] = set()
    last = None
    while True:
        query = (sa.select(customers.c.id, customers.c.email, customers.c.created_at)
                 .where(customers.c.email.is_not(None), customers.c.merged_into.is_(None),
                        customers.c.erased_at.is_(None))
                 .order_by(customers.c.created_at, customers.c.id).limit(BATCH))
        if last is not None:
            query = query.where(sa.tuple_(customers.c.created_at, customers.c.id) > sa.tuple_(*last))
        rows = connection.execute(query).all()
        if not rows:
            return
        new = []
        for row in rows:
            key = row.email.strip().lower()
            if key and key not in taken:
                taken.add(key)
                new.append({'email': key, 'customer_id': row.id})
        if new:
            connection.execute(emails.insert(), new)
        last = (rows[-1].created_at, rows[-1].id)


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('purchase_type', sa.String(length=20), nullable=True))
    op.create_table('customer_emails',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_customer_emails_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('email', name=op.f('pk_customer_emails'))
    )
    op.create_index('ix_customer_emails_customer_id', 'customer_emails', ['customer_id'])
    _backfill_emails()
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE INDEX ix_assets_plate_key_reversed ON assets ((reverse(plate_key) COLLATE "C"))')
        op.execute('CREATE INDEX ix_assets_vin_tail ON assets ((right(vin, 6)))')
    else:
        op.execute('CREATE INDEX ix_assets_vin_tail ON assets (substr(vin, -6))')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_assets_plate_key_reversed')
    op.execute('DROP INDEX ix_assets_vin_tail')
    op.drop_index('ix_customer_emails_customer_id', table_name='customer_emails')
    op.drop_table('customer_emails')
    with op.batch_alter_table('customers') as batch:
        batch.drop_column('purchase_type')
