"""`python -m reporting migrate|web|relay|consume|…`."""
from servicekit.runner import main

from reporting.service import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
