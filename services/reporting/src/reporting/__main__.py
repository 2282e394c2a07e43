"""`python -m reporting migrate|web|relay|consume|…`."""
from servicekit.runner import main

from reporting.entrypoints.runner import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
