"""How the kit runs this service (`python -m reminder …`): its name, default port,
migrations, app factory, subscriptions and scheduler."""
from pathlib import Path

from servicekit.config import Settings
from servicekit.runner import ServiceDefinition

from reminder.app import create_app
from reminder.config import ReminderSettings
from reminder.entrypoints.consumer import subscriptions
from reminder.entrypoints.scheduler import run_scheduler

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"

DEFINITION = ServiceDefinition(
    name="reminder", port=8003, migrations=MIGRATIONS, create_app=create_app,
    subscriptions=lambda: subscriptions(ReminderSettings.from_settings(Settings.from_env("reminder"))),
    workers={"schedule": run_scheduler})
