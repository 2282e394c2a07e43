"""Persistence of the customer archive: SQLAlchemy tables and repositories."""
