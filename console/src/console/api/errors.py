"""What a failed API call becomes: an ApiError with the problem details the API answered with, or SignInNeeded
when the API no longer accepts the session's token."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

#: Statuses that mean a part of the system is down rather than that the request was wrong.
UNAVAILABLE = frozenset({502, 503, 504})


@dataclass
class ApiError(Exception):
    """A call the API refused or could not answer; `problem` is its RFC 9457 body."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """The API's own words: its detail, else its title."""
        return str(self.problem.get("detail") or self.problem.get("title") or self.status)

    @property
    def errors(self) -> dict[str, list[str]]:
        """A 422's messages by field (dotted for nested fields); `_body` for the request as a whole."""
        errors = self.problem.get("errors")
        return errors if isinstance(errors, dict) else {}

    @property
    def unavailable(self) -> bool:
        """True when the part of the system that answers this call is down (not a refusal)."""
        return self.status in UNAVAILABLE

    @property
    def shown_in_place(self) -> bool:
        """Whether a form shows this refusal beside itself (a part down, not allowed, gone, a conflict, invalid
        fields) rather than as a page of its own."""
        return self.unavailable or self.status in (403, 404, 409, 412, 422)

    @property
    def service(self) -> str | None:
        """The service that did not answer, as the gateway names it."""
        return self.problem.get("service")


class SignInNeeded(Exception):
    """The API no longer accepts the session's token (expired, or the person's standing changed). Not an
    ApiError: no page handles it in place (a form's refusal, a part unavailable); wherever a page's call meets
    it, the person is led to sign in again and back to where they were."""


def problem_of(response: httpx.Response) -> dict[str, Any]:
    """The problem details of a refused call (its reason phrase when the body is not one)."""
    try:
        body = response.json()
    except ValueError:
        return {"title": response.reason_phrase}
    return body if isinstance(body, dict) else {"title": response.reason_phrase}
