"""The workflow actions on a complaint: each a POST, each answered with the complaint after the step, or
409 naming the steps allowed from where the complaint is."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from servicekit.auth import requires
from servicekit.view_context import actor, sessions, stores

from complaint.entrypoints.api.context import config
from complaint.entrypoints.api.schemas import ComplaintOut
from complaint.entrypoints.api.step_schemas import (
    AssignArgs,
    CallbackArgs,
    CallbackOut,
    ReasonArgs,
    RejectArgs,
    ResolveArgs,
    SurveyArgs,
    SurveyOut,
)
from complaint.service_layer import complaints, queries

blp = Blueprint("complaint-steps", __name__, url_prefix="/api/v1/complaints",
                description="The seven steps: acknowledge, assign, start, resolve, call back, close — or reopen, "
                            "reject; pause the SLA clock while waiting on the customer.")


class StepProblem(Schema):
    """A refused step (RFC 9457 problem details) naming the steps allowed now."""

    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    complaint_status = fields.String()
    allowed_next = fields.List(fields.String())


def refusals(view):
    """Document the answers every step may give besides its success."""
    view = blp.alt_response(404, description="No such complaint.")(view)
    view = blp.alt_response(403, description="The caller's role or stores do not allow it.")(view)
    return blp.alt_response(409, schema=StepProblem, content_type="application/problem+json",
                            description="Not a step the complaint may take now; `allowed_next` names those it "
                                        "may.")(view)


def _act(complaint_id: UUID, action: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    return complaints.act(sessions(), config(), str(complaint_id), action, actor(), values or {}, stores())


@blp.route("/<uuid:complaint_id>/acknowledge", methods=["POST"])
@refusals
@requires("write")
@blp.response(200, ComplaintOut)
def acknowledge(complaint_id: UUID):
    """The complaint is taken in (filed → acknowledged); meets the acknowledgement target."""
    return _act(complaint_id, "acknowledge")


@blp.route("/<uuid:complaint_id>/assign", methods=["POST"])
@refusals
@requires("manage")
@blp.arguments(AssignArgs)
@blp.response(200, ComplaintOut)
def assign(values: dict[str, Any], complaint_id: UUID):
    """Make a department and person responsible (also a reassignment); starts the department's clock."""
    return _act(complaint_id, "assign", values)


@blp.route("/<uuid:complaint_id>/start", methods=["POST"])
@refusals
@requires("write")
@blp.response(200, ComplaintOut)
def start(complaint_id: UUID):
    """The department answered and began the remedy (assigned → in_progress); meets its response target."""
    return _act(complaint_id, "start")


@blp.route("/<uuid:complaint_id>/resolve", methods=["POST"])
@refusals
@requires("write")
@blp.arguments(ResolveArgs)
@blp.response(200, ComplaintOut)
def resolve(values: dict[str, Any], complaint_id: UUID):
    """Record the remedy (resolution, cost, responsible party); starts the first-callback clock."""
    return _act(complaint_id, "resolve", values)


@blp.route("/<uuid:complaint_id>/callbacks", methods=["POST"])
@refusals
@requires("write")
@blp.arguments(CallbackArgs)
@blp.response(200, ComplaintOut)
def record_callback(values: dict[str, Any], complaint_id: UUID):
    """Record a callback; an unsatisfied or very unsatisfied customer reopens the complaint."""
    return _act(complaint_id, "callbacks", values)


@blp.route("/<uuid:complaint_id>/callbacks", methods=["GET"])
@requires("read")
@blp.response(200, CallbackOut(many=True))
def list_callbacks(complaint_id: UUID):
    """Every callback of the complaint, oldest first."""
    return queries.callbacks(sessions(), str(complaint_id), stores())


@blp.route("/<uuid:complaint_id>/close", methods=["POST"])
@refusals
@requires("write")
@blp.response(200, ComplaintOut)
def close(complaint_id: UUID):
    """Close the loop: needs the category's number of callbacks, the last one satisfied or very satisfied."""
    return _act(complaint_id, "close")


@blp.route("/<uuid:complaint_id>/reopen", methods=["POST"])
@refusals
@requires("write")
@blp.arguments(ReasonArgs)
@blp.response(200, ComplaintOut)
def reopen(values: dict[str, Any], complaint_id: UUID):
    """Send a resolved complaint back to assignment."""
    return _act(complaint_id, "reopen", values)


@blp.route("/<uuid:complaint_id>/reject", methods=["POST"])
@refusals
@requires("write")
@blp.arguments(RejectArgs)
@blp.response(200, ComplaintOut)
def reject(values: dict[str, Any], complaint_id: UUID):
    """Not upheld: finish the complaint with the findings returned to the customer."""
    return _act(complaint_id, "reject", values)


@blp.route("/<uuid:complaint_id>/pause", methods=["POST"])
@refusals
@requires("write")
@blp.arguments(ReasonArgs)
@blp.response(200, ComplaintOut)
def pause(values: dict[str, Any], complaint_id: UUID):
    """Wait on the customer: every SLA clock stops until resume."""
    return _act(complaint_id, "pause", values)


@blp.route("/<uuid:complaint_id>/resume", methods=["POST"])
@refusals
@requires("write")
@blp.response(200, ComplaintOut)
def resume(complaint_id: UUID):
    """The customer answered: the clocks run again, each deadline later by the working time paused."""
    return _act(complaint_id, "resume")


@blp.route("/<uuid:complaint_id>/survey", methods=["POST"])
@refusals
@requires("write")
@blp.arguments(SurveyArgs)
@blp.response(200, ComplaintOut)
def survey(values: dict[str, Any], complaint_id: UUID):
    """Record the satisfaction survey of this resolution (attitude, skill, timeliness, promise kept)."""
    return _act(complaint_id, "survey", values)


@blp.route("/<uuid:complaint_id>/surveys", methods=["GET"])
@requires("read")
@blp.response(200, SurveyOut(many=True))
def list_surveys(complaint_id: UUID):
    """The complaint's surveys, one per resolution round."""
    return queries.surveys(sessions(), str(complaint_id), stores())
