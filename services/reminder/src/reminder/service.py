"""How the kit runs this service: its name, migrations and app factory."""
from pathlib import Path

from servicekit.runner import ServiceDefinition

from reminder.app import create_app

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

DEFINITION = ServiceDefinition(name="reminder", migrations=MIGRATIONS, create_app=create_app)
