"""`python -m complaint migrate|web|relay|consume|…`."""
from servicekit.runner import main

from complaint.entrypoints.runner import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
