"""`python -m gateway migrate|web|relay` (the relay publishes the users to the services)."""

from servicekit.runner import main

from gateway.entrypoints.runner import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
