"""`python -m reminder migrate|web|relay|consume|…`."""
from servicekit.runner import main

from reminder.entrypoints.runner import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
