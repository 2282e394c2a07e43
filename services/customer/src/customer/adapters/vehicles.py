"""Vehicles in bulk: those of many customers at once (an export), and what an import compares its rows with."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from servicekit.db import among
from servicekit.timestamps import as_utc
from sqlalchemy import select
from sqlalchemy.orm import Session

from customer.adapters.tables import assets, odometer_readings


def vehicles_of(session: Session, customer_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """{customer id: its vehicles, oldest first, each with its latest odometer reading} for `customer_ids`."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(assets.c.id, assets.c.customer_id, assets.c.plate, assets.c.vin, assets.c.model,
               assets.c.delivered_on, assets.c.created_at)
        .where(among(session, assets.c.customer_id, list(customer_ids)), assets.c.kind == "vehicle")
        .order_by(assets.c.customer_id, assets.c.created_at, assets.c.id)).mappings().all()
    latest: dict[str, int] = {}
    if rows:
        for asset_id, km in session.execute(
                select(odometer_readings.c.asset_id, odometer_readings.c.km)
                .where(among(session, odometer_readings.c.asset_id, [row["id"] for row in rows]))
                .order_by(odometer_readings.c.asset_id, odometer_readings.c.read_on.desc(),
                          odometer_readings.c.id.desc())):
            latest.setdefault(asset_id, km)
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["customer_id"], []).append(
            {**row, "created_at": as_utc(row["created_at"]), "odometer_km": latest.get(row["id"])})
    return found


def vin_holders(session: Session, vins: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{vin: (asset id, customer id)} for those of `vins` already registered."""
    wanted = sorted(set(vins))
    if not wanted:
        return {}
    rows = session.execute(select(assets.c.vin, assets.c.id, assets.c.customer_id)
                           .where(among(session, assets.c.vin, wanted)))
    return {vin: (asset_id, customer_id) for vin, asset_id, customer_id in rows}


def plates_held(session: Session, customer_ids: Iterable[str]) -> dict[tuple[str, str], str]:
    """{(customer id, plate as compared): asset id} of the vehicles of `customer_ids` that have a plate."""
    wanted = sorted(set(customer_ids))
    if not wanted:
        return {}
    rows = session.execute(select(assets.c.customer_id, assets.c.plate_key, assets.c.id)
                           .where(among(session, assets.c.customer_id, wanted), assets.c.plate_key.is_not(None)))
    return {(customer_id, plate): asset_id for customer_id, plate, asset_id in rows}
