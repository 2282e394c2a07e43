"""What every service's OpenAPI document says of the kit's own behaviour, so that it says what is sent:
errors as RFC 9457 problem details, the X-Pagination header as the JSON text it is, PATCH bodies that must
name a field; and who may call each operation.
"""
from __future__ import annotations

import http
import re
from typing import Any

import marshmallow as ma
from apispec import BasePlugin
from flask import Response, current_app, g, request
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.spec import prepare_response

from servicekit.auth import PERMISSION_EXTENSION, ROLES_EXTENSION
from servicekit.problems import PROBLEM_TYPE, http_exception_problem, problem_response

WRITES = frozenset({"post", "put", "patch", "delete"})
#: A PATCH body that names nothing to change: no body, or an empty JSON object.
_EMPTY_BODY = re.compile(rb"^\s*(\{\s*\})?\s*$")


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details as every error is sent (extension members such as `limit_bytes` may follow)."""

    class Meta:
        unknown = ma.INCLUDE  # documented as additionalProperties: extension members are part of the contract

    type = ma.fields.String(required=True, metadata={"description": "A URI naming the kind of problem.",
                                                     "example": "about:blank"})
    title = ma.fields.String(required=True, metadata={"description": "The HTTP status's phrase."})
    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status code."})
    detail = ma.fields.String(metadata={"description": "What went wrong, for a person."})
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
                            metadata={"description": "Each invalid field (dotted when nested) and what is "
                                                     "wrong with it (422, and 400 for an unreadable body)."})


class WritesPlugin(BasePlugin):
    """Documents what the kit does to every write: a PATCH body names at least one field (`refuse_empty_patch`),
    and, with idempotency keys, a 409 while a request with the same key is still being processed."""

    def __init__(self, idempotency: bool) -> None:
        self.idempotency = idempotency

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        """minProperties: 1 on every PATCH's JSON body; a 409 on every write when keys are kept."""
        for method, operation in (operations or {}).items():
            if method == "patch":
                content = operation.get("requestBody", {}).get("content", {}).get("application/json")
                if content is not None and "schema" in content:
                    content["schema"] = {"allOf": [content["schema"]], "minProperties": 1}
            if self.idempotency and method in WRITES:
                operation.setdefault("responses", {}).setdefault("409", http.HTTPStatus.CONFLICT.name)



class PermissionsPlugin(BasePlugin):
    """Ends each operation's description with the roles that may call it (declared by `auth.requires`).

    The `x-permission` and `x-roles` extensions are for programs; this sentence is for the people
    reading the rendered document, where extensions are not shown.
    """

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        """Add the roles sentence to every operation that declares a permission."""
        for operation in (operations or {}).values():
            if not isinstance(operation, dict) or ROLES_EXTENSION not in operation:
                continue
            sentence = (f"Roles: {', '.join(operation[ROLES_EXTENSION])} "
                        f"(permission `{operation[PERMISSION_EXTENSION]}`).")
            described = operation.get("description")
            operation["description"] = f"{described}\n\n{sentence}" if described else sentence


def decimal_as_written(self, field: ma.fields.Field, **kwargs) -> dict:
    """An apispec attribute function: a Decimal field written as a string is documented as one."""
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
    return {}


class ProblemApi(Api):
    """flask-smorest's Api, answering errors as RFC 9457 problem details and documenting them so."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app=None, *, idempotency: bool = True, spec_kwargs=None, **kwargs) -> None:
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), WritesPlugin(idempotency),
                                       PermissionsPlugin()]
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    def handle_http_exception(self, error):
        return http_exception_problem(error)

    def _init_spec(self, **kwargs) -> None:
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(decimal_as_written)

    def _register_pagination_header(self) -> None:
        """X-Pagination as what it is: JSON text in a header (OpenAPI 3 `content`), not an object."""
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema, lazy=True)
        self.spec.components.header("PAGINATION", {
            "description": "Where this page sits in the listing, as a JSON object.",
            "content": {"application/json": {"schema": "PaginationMetadata"}}}, lazy=True)

    def _register_responses(self) -> None:
        """flask-smorest's error responses, each as application/problem+json with the Problem schema."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error, as problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def _may_call(view) -> bool:
    """False when the caller's role lacks the permission `auth.requires` declared on `view`."""
    view = getattr(getattr(view, "view_class", None), "patch", view)  # a MethodView's own PATCH
    permission = getattr(view, "_apidoc", {}).get("manual_doc", {}).get(PERMISSION_EXTENSION)
    identity = g.get("identity")
    return permission is None or identity is None or identity.may(permission)


def refuse_empty_patch() -> Response | None:
    """A before-request hook: a PATCH that sends nothing to change is a 422 saying so, not a silent 200.

    Only for the app's own API views (in blueprints): a route that only forwards leaves it to its upstream.
    """
    if request.method != "PATCH" or request.blueprint is None or not _EMPTY_BODY.match(request.get_data(cache=True)):
        return None
    if not _may_call(current_app.view_functions.get(request.endpoint or "")):
        return None  # the view refuses the caller (403) before it would look at the body
    return problem_response(422, "Unprocessable Entity", "The PATCH body names no field to change.",
                            errors={"_body": ["Send at least one field to change."]})
