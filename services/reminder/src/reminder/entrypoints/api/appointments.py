"""Appointments (预约): book one (from a task or not), list them."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import RAISE
from servicekit.auth import requires
from servicekit.pagination import Blueprint

from reminder.entrypoints.api.appointment_schemas import (
    AppointmentArgs,
    AppointmentOut,
    AppointmentPage,
    AppointmentQuery,
    CancelArgs,
)
from reminder.entrypoints.api.context import actor, scope, sessions
from reminder.service_layer import appointments, queries

blp = Blueprint("appointments", __name__, url_prefix="/api/v1/appointments",
                description="Appointments: kept by a matching visit, or missed (a follow-up task).")


@blp.route("", methods=["POST"])
@requires("write")
@blp.arguments(AppointmentArgs)
@blp.response(201, AppointmentOut)
def book(values: dict[str, Any]):
    """Book an appointment (emits appointment.booked.v1)."""
    values = {name: str(value) if isinstance(value, UUID) else value for name, value in values.items()}
    return appointments.book(sessions(), values, actor(), scope())


@blp.route("", methods=["GET"])
@requires("read")
@blp.arguments(AppointmentQuery, location="query", unknown=RAISE)
@blp.response(200, AppointmentPage)
def listing(args: dict[str, Any]):
    """Appointments by customer, store, status, purpose, booker or time, soonest first."""
    filters = {"from" if name == "from_" else name: str(value) if isinstance(value, UUID) else value
               for name, value in args.items() if name not in ("page", "page_size")}
    return queries.appointments_page(sessions(), filters, args["page"], args["page_size"], scope())


@blp.route("/<uuid:appointment_id>", methods=["GET"])
@requires("read")
@blp.response(200, AppointmentOut)
def one(appointment_id: UUID):
    """One appointment."""
    return queries.get_appointment(sessions(), str(appointment_id), scope())


@blp.route("/<uuid:appointment_id>/cancel", methods=["POST"])
@requires("write")
@blp.arguments(CancelArgs)
@blp.response(200, AppointmentOut)
def cancel(values: dict[str, Any], appointment_id: UUID):
    """Call off a booked appointment (emits appointment.cancelled.v1); it counts neither as kept nor missed."""
    return appointments.cancel(sessions(), str(appointment_id), values.get("reason"), actor(), scope())
