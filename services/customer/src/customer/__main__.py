"""`python -m customer migrate|web|relay|consume`."""
from servicekit.runner import main

from customer.entrypoints.runner import DEFINITION

if __name__ == "__main__":
    main(DEFINITION)
