"""RFC 9457 problem details: the one shape every error takes on the wire.

https://www.rfc-editor.org/rfc/rfc9457
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from servicekit.errors import Conflict, DomainError, Forbidden, InvalidFields, NotFound

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(Exception):
    """An error a view raises to answer with problem details."""

    def __init__(self, status: int, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem_response(status: int, title: str, detail: str | None = None, /, **extra: Any) -> Response:
    """Build an `application/problem+json` response; `extra` are extension members.

    An extension member never replaces a standard one (an extra `status` of a domain error stays out of
    the way of the HTTP status), so any domain detail can be passed through as it is.
    """
    body: dict[str, Any] = {**extra, "type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE)


def flatten_validation_messages(messages: Any) -> dict[str, list[str]]:
    """Turn webargs' {"json": {"field": ["msg"]}} into {"field": ["msg"]} (nested fields dotted)."""
    flat: dict[str, list[str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list) and all(isinstance(item, str) for item in node):
            flat.setdefault(path or "_body", []).extend(node)
        else:
            flat.setdefault(path or "_body", []).append(str(node))

    if isinstance(messages, dict):
        for location, fields in messages.items():
            prefix = "" if location in ("json", "form", "json_or_form", "query") else str(location)
            walk(fields, prefix)
    else:
        walk(messages, "")
    return flat


def http_exception_problem(error: HTTPException) -> Response:
    """Problem details for a werkzeug/flask-smorest HTTP error, keeping its headers."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    detail, extra = _detail(error, status, data)
    response = problem_response(status, error.name, detail, **extra)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if getattr(error, "response", None) is not None and error.response is not None:
        for name in ("Allow", "Retry-After", "WWW-Authenticate"):
            if name in error.response.headers:
                response.headers[name] = error.response.headers[name]
    for name, value in error.get_headers():
        if name == "Allow":  # a 405 names the methods that are allowed (RFC 9110 §15.5.6)
            response.headers[name] = value
    return response


def _detail(error: HTTPException, status: int, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The problem's detail for an HTTP error, and its `errors` member when the error lists messages."""
    if "messages" not in data:
        return data.get("message") or error.description or "", {}
    errors = flatten_validation_messages(data["messages"])
    if status == 422:
        return "The request body has invalid fields: " + ", ".join(sorted(errors)), {"errors": errors}
    # e.g. webargs' 400 for a body that is not JSON
    return "; ".join(message for messages in errors.values() for message in messages), {"errors": errors}


def domain_problem(error: DomainError) -> Response:
    """The answer to a broken domain rule (servicekit.errors): its base names the status, its message the
    detail, and a Conflict's details are members of the answer."""
    if isinstance(error, InvalidFields):
        return problem_response(422, "Unprocessable Entity",
                                "The request has invalid fields: " + ", ".join(sorted(error.errors)),
                                errors=error.errors)
    if isinstance(error, NotFound):
        return problem_response(404, "Not Found", str(error))
    if isinstance(error, Conflict):
        return problem_response(409, "Conflict", str(error), **error.details)
    if isinstance(error, Forbidden):
        return problem_response(403, "Forbidden", str(error))
    return problem_response(400, "Bad Request", str(error))


def register_problem_handlers(app: Flask) -> None:
    """Make every error leave the app as problem details; nothing escapes as an HTML page."""
    app.register_error_handler(DomainError, domain_problem)

    @app.errorhandler(Problem)
    def _problem(error: Problem) -> Response:
        return problem_response(error.status, error.title, error.detail, **error.extra)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return http_exception_problem(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem_response(500, "Internal Server Error", "An unexpected error occurred; it has been logged.")
