"""How the kit runs this service (`python -m complaint …`): its name, default port,
migrations, app factory, consumer and SLA scanner."""
from pathlib import Path

from servicekit.runner import ServiceDefinition

from complaint.app import create_app
from complaint.entrypoints.consumer import subscriptions
from complaint.service_layer.scanner import run_scanner

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"

DEFINITION = ServiceDefinition(name="complaint", port=8002, migrations=MIGRATIONS, create_app=create_app,
                               subscriptions=subscriptions, workers={"scan": run_scanner})
