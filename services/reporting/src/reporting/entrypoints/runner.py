"""How the kit runs this service (`python -m reporting …`): its name, default port,
migrations and app factory."""
from pathlib import Path

from servicekit.runner import ServiceDefinition

from reporting.app import create_app
from reporting.entrypoints.consumer import CONSUMER_PREFETCH, CONSUMER_READER_PROCESS, subscriptions
from reporting.entrypoints.rebuild import run_rebuild

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"

DEFINITION = ServiceDefinition(name="reporting", port=8004, migrations=MIGRATIONS, create_app=create_app,
                               publishes_events=False, subscriptions=subscriptions, workers={"rebuild": run_rebuild},
                               consumer_prefetch=CONSUMER_PREFETCH, consumer_reader_process=CONSUMER_READER_PROCESS)
