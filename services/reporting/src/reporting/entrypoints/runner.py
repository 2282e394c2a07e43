"""How the kit runs this service (`python -m reporting …`): its name, default port,
migrations and app factory."""
from pathlib import Path

from servicekit.runner import ServiceDefinition

from reporting.app import create_app
from reporting.entrypoints.consumer import subscriptions
from reporting.entrypoints.rebuild import run_rebuild

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"

#: The consumer's (and the rebuild's) prefetch: batches of up to 2,000 events a transaction. A batch pays a
#: transaction's fixed cost once, and a customer's events in one batch save the customer's record once and
#: change the tallies once (bench.reports: 4,870 events a second at the kit's default of 200, 8,400 at 1,000,
#: 10,100 at 2,000, 10,500 at 4,000).
CONSUMER_PREFETCH = 4000

DEFINITION = ServiceDefinition(name="reporting", port=8004, migrations=MIGRATIONS, create_app=create_app,
                               publishes_events=False, subscriptions=subscriptions, workers={"rebuild": run_rebuild},
                               consumer_prefetch=CONSUMER_PREFETCH)
