"""Domain errors as problem details: each one a 4xx naming what is wrong."""
from __future__ import annotations

from flask import Flask, Response
from servicekit.problems import problem_response

from reminder.domain.errors import Conflict, DomainError, InvalidFields, NotFound, OutOfReach


def problem_for(error: DomainError) -> Response:
    """The HTTP answer to a broken rule."""
    if isinstance(error, InvalidFields):
        return problem_response(422, "Unprocessable Entity",
                                "The request has invalid fields: " + ", ".join(sorted(error.errors)),
                                errors=error.errors)
    if isinstance(error, NotFound):
        return problem_response(404, "Not Found", str(error))
    if isinstance(error, OutOfReach):
        return problem_response(403, "Forbidden", str(error))
    if isinstance(error, Conflict):
        return problem_response(409, "Conflict", str(error), **error.details)
    return problem_response(400, "Bad Request", str(error))


def register_domain_errors(app: Flask) -> None:
    """Answer every DomainError a view lets through with its problem details."""
    app.register_error_handler(DomainError, problem_for)
