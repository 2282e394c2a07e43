"""How the kit runs the gateway: its name, port, migrations and app factory, and the services' users queues its
relay declares before it publishes.

At its start the relay publishes every user once (docs/events/gateway.md); declaring the queues of the services
that keep a copy of the users first means a user announced before their consumer has started waits for it. Each
queue is bound as its service binds it (to servicekit.staff.USER_EVENTS).

The gateway's web process runs under granian unless CRM_WEB_SERVER says otherwise: its own work per request is
small, so the HTTP server's share counts, and granian's is about half gunicorn's (docs/benchmarks.md).
"""
from servicekit.runner import ServiceDefinition
from servicekit.staff import USER_EVENTS

from gateway.app import create_app
from gateway.config import MIGRATIONS

USERS_QUEUES = {queue: USER_EVENTS for queue in ("complaint.users", "reminder.users", "customer.users")}

DEFINITION = ServiceDefinition(name="gateway", port=8080, migrations=MIGRATIONS, create_app=create_app,
                               declares_before_publishing=USERS_QUEUES, web_server="granian")
