"""The baseline a customer read is measured against: the least a Flask + SQLAlchemy Core service can do.

One route, `GET /api/v1/customers/<id>`: the same primary-key SELECT of the customers table on the same
database, its row answered as JSON, served by the same gunicorn set-up as the services (`run_web`: the
same workers and threads). No authentication, no problems, no metrics, no request ids, no retries: what
is left between this and the customer service is what the service adds.

    python -m bench.minimal_app <database url> <host:port>
"""
from __future__ import annotations

import sys

from flask import Flask, abort
from servicekit.runner import run_web
from sqlalchemy import MetaData, Table, create_engine, select


def create_app(database_url: str) -> Flask:
    """The minimal app over the customer database at `database_url`."""
    engine = create_engine(database_url)
    customers = Table("customers", MetaData(), autoload_with=engine)
    engine.dispose()  # before gunicorn forks: no worker inherits the connection the reflection used
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # as the services answer

    @app.get("/readyz")
    def ready():
        return {"status": "ready"}

    @app.get("/api/v1/customers/<customer_id>")
    def get(customer_id: str):
        with engine.connect() as connection:
            row = connection.execute(select(customers).where(customers.c.id == customer_id)).mappings().first()
        if row is None:
            abort(404)
        return dict(row)

    return app


if __name__ == "__main__":
    run_web(create_app(sys.argv[1]), None, int(sys.argv[3]) if len(sys.argv) > 3 else 2, sys.argv[2])
