"""What can go wrong, in the domain's own words: the kit's bases, which it maps to HTTP problems at the edge."""
from __future__ import annotations

from servicekit.errors import Conflict, DomainError, InvalidFields, NotFound

__all__ = ["Conflict", "DomainError", "InvalidFields", "NotFound"]
