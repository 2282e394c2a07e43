"""tally keys in byte order: the key columns of tallies and tally_changes compared with COLLATE "C" on
PostgreSQL, whatever the database's collation (a fold looks up and sorts thousands of them; under a Chinese
ICU collation each comparison went through it, and the fold took a third longer)

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

#: Each table's key columns and their lengths.
KEYS = {
    'tallies': {'report': 40, 'grain': 1, 'store_id': 100, 'key1': 200, 'key2': 200},
    'tally_changes': {'report': 40, 'store_id': 100, 'key1': 200, 'key2': 200},
}


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite compares text byte by byte already
    for table, columns in KEYS.items():
        changes = ', '.join(f'ALTER COLUMN {name} TYPE varchar({length}) COLLATE "{collation}"'
                            for name, length in columns.items())
        op.execute(f'ALTER TABLE {table} {changes}')  # one pass: the indexes are rebuilt once


def upgrade() -> None:
    _collate('C')


def downgrade() -> None:
    _collate('default')
