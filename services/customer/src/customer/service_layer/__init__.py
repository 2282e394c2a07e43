"""The use cases of the customer archive, each one unit of work (one transaction, events included)."""
