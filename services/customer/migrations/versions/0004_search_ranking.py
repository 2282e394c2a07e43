"""search keys carry the customer's created_at; indexes that read one ranked page of a broad term in order

A writer of search keys may give created_at (the customer's); when it does not, a trigger copies it from
the customer, so every writer (the API, bulk import, this backfill) leaves the copy right.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_UTC = sa.DateTime(timezone=True)
_TABLE = 'customer_search_keys'
_TRIGGER = 'trg_customer_search_keys_created_at'
#: (name, predicate) of the indexes that read the keys of one rank newest first.
_IN_ORDER = (('ix_customer_search_keys_name_start', 'kind = 0 AND position = 0'),
             ('ix_customer_search_keys_sound_start', 'kind <> 0 AND position = 0'),
             ('ix_customer_search_keys_inside', 'position > 0'))
_POSTGRESQL_TRIGGER = (f"""
CREATE FUNCTION {_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT created_at INTO NEW.created_at FROM customers WHERE id = NEW.customer_id;
    RETURN NEW;
END $$""", f"""
CREATE TRIGGER {_TRIGGER} BEFORE INSERT ON {_TABLE}
FOR EACH ROW WHEN (NEW.created_at IS NULL) EXECUTE FUNCTION {_TRIGGER}()""")
_SQLITE_TRIGGER = (f"""
CREATE TRIGGER {_TRIGGER} AFTER INSERT ON {_TABLE} WHEN NEW.created_at IS NULL
BEGIN
    UPDATE {_TABLE} SET created_at = (SELECT created_at FROM customers WHERE id = NEW.customer_id)
    WHERE customer_id = NEW.customer_id AND kind = NEW.kind AND position = NEW.position;
END""",)


def upgrade() -> None:
    op.drop_index('ix_customer_search_keys_key', _TABLE)
    op.add_column(_TABLE, sa.Column('created_at', _UTC, nullable=True))
    op.execute(f"UPDATE {_TABLE} SET created_at = (SELECT customers.created_at FROM customers "
               f"WHERE customers.id = {_TABLE}.customer_id)")
    for statement in _POSTGRESQL_TRIGGER if op.get_bind().dialect.name == 'postgresql' else _SQLITE_TRIGGER:
        op.execute(statement)
    op.create_index('ix_customer_search_keys_key', _TABLE, ['key', 'position', 'kind', 'created_at', 'customer_id'])
    for name, predicate in _IN_ORDER:
        op.create_index(name, _TABLE, ['created_at', 'customer_id'], postgresql_include=['key'],
                        postgresql_where=sa.text(predicate), sqlite_where=sa.text(predicate))


def downgrade() -> None:
    for name, _ in _IN_ORDER:
        op.drop_index(name, _TABLE)
    op.drop_index('ix_customer_search_keys_key', _TABLE)
    op.execute(f"DROP TRIGGER {_TRIGGER}" + (f" ON {_TABLE}" if op.get_bind().dialect.name == 'postgresql' else ''))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP FUNCTION {_TRIGGER}()")
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column('created_at')
    op.create_index('ix_customer_search_keys_key', _TABLE, ['key'],
                    postgresql_include=['customer_id', 'kind', 'position'])
