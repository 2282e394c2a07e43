"""search keys indexed by where they start, and carrying the customer's store

A key range of one kind at the start of the name, or inside it, is one tight index range (the one index on
(key, position, kind) read every kind and position in a range). Each key carries its customer's store, in
every index on the keys, so a search limited to some stores filters the keys in the index instead of
looking each hit's customer up; a trigger follows a customer's change of store.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_TABLE = 'customer_search_keys'
_TRIGGER = 'trg_customers_store_to_search_keys'
#: (name, columns, included columns, predicate) of every index on the keys but the primary key, as it was
#: and as it becomes.
_IN_ORDER = ['created_at', 'customer_id']
_BEFORE = (('ix_customer_search_keys_key', ['key', 'position', 'kind', 'created_at', 'customer_id'], [], None),
           ('ix_customer_search_keys_name_start', _IN_ORDER, ['key'], 'kind = 0 AND position = 0'),
           ('ix_customer_search_keys_sound_start', _IN_ORDER, ['key'], 'kind <> 0 AND position = 0'),
           ('ix_customer_search_keys_inside', _IN_ORDER, ['key'], 'position > 0'))
_AFTER = (('ix_customer_search_keys_start_key', ['kind', 'key', 'created_at', 'customer_id'], ['store_id'],
           'position = 0'),
          ('ix_customer_search_keys_inside_key', ['key', 'created_at', 'customer_id'], ['store_id'], 'position > 0'),
          *((name, columns, ['key', 'store_id'], predicate) for name, columns, _, predicate in _BEFORE[1:]))
_POSTGRESQL_TRIGGER = (f"""
CREATE FUNCTION {_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {_TABLE} SET store_id = NEW.store_id WHERE customer_id = NEW.id;
    RETURN NULL;
END $$""", f"""
CREATE TRIGGER {_TRIGGER} AFTER UPDATE OF store_id ON customers
FOR EACH ROW WHEN (NEW.store_id IS DISTINCT FROM OLD.store_id) EXECUTE FUNCTION {_TRIGGER}()""")
_SQLITE_TRIGGER = (f"""
CREATE TRIGGER {_TRIGGER} AFTER UPDATE OF store_id ON customers WHEN NEW.store_id IS NOT OLD.store_id
BEGIN
    UPDATE {_TABLE} SET store_id = NEW.store_id WHERE customer_id = NEW.id;
END""",)


def _indexes(create: tuple, drop: tuple) -> None:
    for name, *_ in drop:
        op.drop_index(name, _TABLE)
    for name, columns, included, predicate in create:
        where = sa.text(predicate) if predicate else None
        op.create_index(name, _TABLE, columns, postgresql_include=included, postgresql_where=where,
                        sqlite_where=where)


def upgrade() -> None:
    op.add_column(_TABLE, sa.Column('store_id', sa.String(40), nullable=True))
    op.execute(f"UPDATE {_TABLE} SET store_id = (SELECT customers.store_id FROM customers "
               f"WHERE customers.id = {_TABLE}.customer_id) "
               f"WHERE customer_id IN (SELECT id FROM customers WHERE store_id IS NOT NULL)")
    for statement in _POSTGRESQL_TRIGGER if op.get_bind().dialect.name == 'postgresql' else _SQLITE_TRIGGER:
        op.execute(statement)
    _indexes(_AFTER, _BEFORE)


def downgrade() -> None:
    _indexes(_BEFORE, _AFTER)
    op.execute(f"DROP TRIGGER {_TRIGGER}" + (" ON customers" if op.get_bind().dialect.name == 'postgresql' else ''))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP FUNCTION {_TRIGGER}()")
    op.drop_column(_TABLE, 'store_id')  # not a batch rebuild: it would lose migration 0004's trigger on SQLite
