"""`python -m reminder schedule`: the scheduler process (run as many replicas as you like)."""
from __future__ import annotations

import threading

from servicekit.config import Settings
from servicekit.db import make_engine, make_session_factory

from reminder.adapters.channels import senders
from reminder.config import ReminderSettings
from reminder.service_layer.delivery import deliver_due
from reminder.service_layer.scheduler import Scheduler


def build(settings: Settings) -> Scheduler:
    """A scheduler on the service's database, sending through the configured channels."""
    own = ReminderSettings.from_settings(settings)
    sessions = make_session_factory(make_engine(settings.database_url))
    channels = senders(own)
    return Scheduler(sessions, own, deliver=lambda moment: deliver_due(sessions, own, channels, moment))


def run_scheduler(settings: Settings, stop: threading.Event) -> None:
    """Fire due reminders, send notifications, call missed appointments, until stopped."""
    build(settings).run(stop)
