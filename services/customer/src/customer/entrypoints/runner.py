"""How the kit runs this service (`python -m customer …`): its name, default port,
migrations, app factory and consumer."""
from pathlib import Path

from servicekit.runner import ServiceDefinition

from customer.app import create_app
from customer.entrypoints.consumer import subscriptions

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"

DEFINITION = ServiceDefinition(name="customer", port=8001, migrations=MIGRATIONS, create_app=create_app,
                               subscriptions=subscriptions)
