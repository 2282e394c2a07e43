"""The HTTP API under /api/v1/customers."""
from __future__ import annotations

from flask_smorest import Blueprint


def blueprints() -> list[Blueprint]:
    """Every blueprint of the API (imported here so nothing is built at package import)."""
    from customer.entrypoints.api import (
        assets,
        customers,
        grading,
        membership,
        merge,
        privacy,
        stores,
        transfer,
        visits,
    )
    return [customers.blp, assets.blp, visits.blp, merge.blp, membership.blp,
            privacy.blp, grading.blp, stores.blp, transfer.blp,
            merge.duplicates_blp]
