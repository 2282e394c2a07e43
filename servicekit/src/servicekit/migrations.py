"""The body of every service's Alembic env.py, written once."""
from __future__ import annotations

import os

from sqlalchemy import MetaData

from servicekit.db import kit_metadata, make_engine


def run(target_metadata: MetaData, service: str) -> None:
    """Run migrations online against the service's database (kit tables included)."""
    from alembic import context

    url = context.config.attributes.get("database_url") or os.environ.get(f"CRM_{service.upper()}_DATABASE_URL")
    if not url:
        from servicekit.config import Settings
        url = Settings.from_env(service).database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=[target_metadata, kit_metadata],
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def create_kit_tables() -> None:
    """In a service's migration: create the kit's tables (outbox, inbox) as servicekit.db defines them now.

    When the kit's schema changes, a new function here carries the change, and each service's next
    migration calls it; such a function does nothing to a database whose kit tables were made already
    in the newer shape (by this function, in a service's first migration).
    """
    from alembic import op

    kit_metadata.create_all(op.get_bind(), checkfirst=False)


def drop_kit_tables() -> None:
    """In a service's migration downgrade: drop the kit's tables."""
    from alembic import op

    kit_metadata.drop_all(op.get_bind(), checkfirst=False)


def index_outbox_subject() -> None:
    """Kit schema 2: an index on the outbox's subject (erasure looks up a person's stored events by it)."""
    from alembic import op

    op.create_index("ix_outbox_subject", "outbox", ["subject"], if_not_exists=True)


def unindex_outbox_subject() -> None:
    """Undo index_outbox_subject."""
    from alembic import op

    op.drop_index("ix_outbox_subject", table_name="outbox", if_exists=True)
