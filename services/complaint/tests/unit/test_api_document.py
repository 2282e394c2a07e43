"""The service's OpenAPI document lists every endpoint, and its migrations build exactly its tables."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from complaint.adapters.tables import metadata
from complaint.entrypoints.runner import MIGRATIONS
from servicekit.db import kit_metadata, make_engine

ACTIONS = ("acknowledge", "assign", "start", "resolve", "callbacks", "close", "reopen", "reject", "pause", "resume",
           "survey")


def _bounds(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
                yield f"{path}/{key}", value
            yield from _bounds(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _bounds(value, f"{path}/{index}")


def test_the_document_lists_every_endpoint_with_numeric_bounds(client):
    document = client.get("/openapi.json").json
    paths = document["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/complaints"])
    for action in ACTIONS:
        responses = paths[f"/api/v1/complaints/{{complaint_id}}/{action}"]["post"]["responses"]
        assert {"200", "404", "409"} <= set(responses), action  # a refused step is documented
    for path in ("/api/v1/complaints/{complaint_id}/timeline", "/api/v1/complaints/{complaint_id}/rectifications",
                 "/api/v1/complaints/sla-policies/{policy_id}"):
        assert path in paths
    wrong = {path: value for path, value in _bounds(document) if not isinstance(value, int | float)}
    assert wrong == {}


def test_the_migrations_build_exactly_the_tables_the_code_uses(migrated_sqlite):
    engine = make_engine(migrated_sqlite(MIGRATIONS, "complaint"))
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), [metadata, kit_metadata])
    engine.dispose()
    assert differences == []


def test_the_moves_migration_keeps_every_row_and_carries_the_merge_bookkeeping_over(tmp_path):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    command.upgrade(config, "0001")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO complaints (id, customer_id, merged_from, channel, category, severity, description, status,"
            " round, callbacks_in_round, policy, clocks, breached, waiting_on_customer, filed_at, filed_by,"
            " updated_at, version) VALUES ('c1', 'survivor', 'merged', 'phone', 'service', 'normal', 'd', 'filed',"
            " 1, 0, '{}', '{}', 0, 0, '2026-01-01', 'li.si', '2026-01-02', 1)"))
        connection.execute(text("INSERT INTO steps (complaint_id, at, actor, action, from_status, to_status, details)"
                                " VALUES ('c1', '2026-01-01', 'li.si', 'file', 'filed', 'filed', '{}')"))
    command.upgrade(config, "head")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT complaint_id, from_customer, to_customer FROM moves")).all() == [
            ("c1", "merged", "survivor")]
        assert connection.execute(text("SELECT count(*) FROM steps")).scalar() == 1  # nothing cascaded away
    engine.dispose()
