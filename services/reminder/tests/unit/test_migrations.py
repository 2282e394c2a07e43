"""The migrations build exactly the tables the code declares, and seed the built-in rules as the domain has them."""
import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from reminder.adapters.tables import metadata
from reminder.domain.builtin_rules import builtin_rules
from reminder.domain.reminder_rules import KINDS
from reminder.entrypoints.runner import MIGRATIONS
from servicekit.db import kit_metadata, make_engine
from sqlalchemy import text


def test_the_migrated_schema_matches_the_tables_in_code(migrated_sqlite):
    engine = make_engine(migrated_sqlite(MIGRATIONS, "reminder"))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, [metadata, kit_metadata]) == []
    engine.dispose()


def test_the_seeded_rules_are_the_built_in_rules_with_every_default(migrated_sqlite):
    engine = make_engine(migrated_sqlite(MIGRATIONS, "reminder"))
    with engine.connect() as connection:
        rows = {row.id: row for row in connection.execute(text("SELECT * FROM rules"))}
    engine.dispose()
    for rule in builtin_rules():
        row = rows.pop(rule.id)
        defaults = {name: spec.default for name, spec in KINDS[rule.kind].items()}
        assert (row.kind, row.name, bool(row.task), json.loads(row.channels), row.time_of_day, row.message) == (
            rule.kind, rule.name, rule.task, list(rule.channels), rule.time_of_day.strftime("%H:%M"), rule.message)
        assert json.loads(row.params) == {**defaults, **rule.params}
    assert rows == {}
