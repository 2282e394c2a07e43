"""The reminder service's tables (the kit's outbox and inbox come from its first migration)."""
from servicekit.db import NAMING_CONVENTION
from sqlalchemy import MetaData

metadata = MetaData(naming_convention=NAMING_CONVENTION)
