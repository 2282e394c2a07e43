"""Use cases: every customer a search finds, or their vehicles, as CSV or XLSX, streamed in constant memory.

The matching ids come from a server-side cursor in batches; each batch is loaded, turned into rows and
written out before the next one is read, so memory does not grow with the number of customers.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from servicekit.db import unit_of_work
from sqlalchemy.orm import Session, sessionmaker

from customer.adapters.customers import CustomerRepository
from customer.adapters.search import matching_id_batches
from customer.adapters.spreadsheets import csv_chunks, xlsx_chunks
from customer.adapters.vehicles import vehicles_of
from customer.domain import vehicle_transfer
from customer.domain.search import Filters
from customer.domain.transfer import EXPORT_COLUMNS, export_row

BATCH = 1000


def export_rows(sessions: sessionmaker[Session], filters: Filters) -> Iterator[list[Any]]:
    """The header, then one row per matching customer, best match first."""
    yield list(EXPORT_COLUMNS)
    with unit_of_work(sessions) as session:
        repo = CustomerRepository(session)
        for batch in matching_id_batches(session, filters, BATCH):
            for customer in repo.many(batch):
                yield export_row(customer)


def export_chunks(sessions: sessionmaker[Session], filters: Filters, fmt: str) -> Iterator[bytes]:
    """The export file's bytes, chunk by chunk."""
    rows = export_rows(sessions, filters)
    return csv_chunks(rows) if fmt == "csv" else xlsx_chunks(rows, "customers")


def vehicle_export_rows(sessions: sessionmaker[Session], filters: Filters) -> Iterator[list[Any]]:
    """The header, then one row per vehicle of each matching customer (best match first, each customer's
    vehicles oldest first), with the customer's id, name, phone, external id and store."""
    yield list(vehicle_transfer.EXPORT_COLUMNS)
    with unit_of_work(sessions) as session:
        repo = CustomerRepository(session)
        for batch in matching_id_batches(session, filters, BATCH):
            found = repo.many(batch)
            vehicles = vehicles_of(session, [customer["id"] for customer in found])
            for customer in found:
                for vehicle in vehicles.get(customer["id"], []):
                    yield vehicle_transfer.export_row({
                        **vehicle, "asset_id": vehicle["id"], "customer_id": customer["id"],
                        "customer_name": customer["name"], "phone": customer["phone"],
                        "external_id": customer.get("external_id"), "store_id": customer.get("store_id")})


def vehicle_export_chunks(sessions: sessionmaker[Session], filters: Filters, fmt: str) -> Iterator[bytes]:
    """The vehicles export file's bytes, chunk by chunk."""
    rows = vehicle_export_rows(sessions, filters)
    return csv_chunks(rows) if fmt == "csv" else xlsx_chunks(rows, "vehicles")
