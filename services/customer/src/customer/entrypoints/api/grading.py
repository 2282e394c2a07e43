"""Handing a departing consultant's customers to others in one call."""
from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from servicekit.auth import current_identity, requires
from servicekit.view_context import actor, sessions

from customer.service_layer import grading

blp = Blueprint("grading", __name__, url_prefix="/api/v1/customers",
                description="Owners and deputies: reassigning a departing consultant's customers.")


class ReassignmentArgs(Schema):
    """Who leaves, and who takes their customers."""

    from_owner = fields.String(required=True, validate=validate.Length(min=1, max=100))
    to_owners = fields.List(fields.String(validate=validate.Length(min=1, max=100)), required=True,
                            validate=validate.Length(min=1, max=100))
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Only show who would get whom."})


class Assignment(Schema):
    """Who owns a customer, and who stands in, after the reassignment."""

    customer_id = fields.String(required=True)
    owner = fields.String(allow_none=True)
    deputy_owner = fields.String(allow_none=True)


class ReassignmentData(Schema):
    """How many customers moved, and how many each successor took as owner and as deputy."""

    from_owner = fields.String(required=True)
    customers = fields.Integer(required=True)
    owners = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    deputies = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    dry_run = fields.Boolean(required=True)
    assignments = fields.List(fields.Nested(Assignment), required=True)


@blp.route("/reassignments", methods=["POST"])
@requires("manage")
@blp.arguments(ReassignmentArgs)
@blp.response(200, ReassignmentData)
def reassign(values: dict[str, Any]):
    """Give every customer of a departing consultant (as owner or deputy) to others, balanced by how many
    each already has; each change is kept in the customer's history. `dry_run` shows the plan only."""
    return grading.reassign(sessions(), values["from_owner"], values["to_owners"], actor(), current_identity(),
                            values["dry_run"])
