"""The migrations build exactly the tables the code declares (a rebuild's copy is made from the code's)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from reporting.adapters.tables import metadata
from reporting.entrypoints.runner import MIGRATIONS
from servicekit.db import kit_metadata, make_engine


def test_the_migrated_schema_matches_the_tables_in_code(migrated_sqlite):
    engine = make_engine(migrated_sqlite(MIGRATIONS, "reporting"))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, [metadata, kit_metadata]) == []
    engine.dispose()
