"""`python -m gateway migrate|web|relay` (the relay publishes the users to the services)."""

from servicekit.runner import ServiceDefinition, main

from gateway.app import create_app
from gateway.config import MIGRATIONS

if __name__ == "__main__":
    main(ServiceDefinition(name="gateway", migrations=MIGRATIONS, create_app=create_app))
