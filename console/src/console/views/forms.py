"""A form's write: sent to the API, then on to the page that shows what it did; or, when the API refuses it in
a way the form shows beside itself (ApiError.shown_in_place), the form's page again with the refusal. Any other
refusal goes on to the error pages."""
from __future__ import annotations

from collections.abc import Callable

from flask import redirect
from flask.typing import ResponseReturnValue

from console.api import ApiError


def written(send: Callable[[], object], then: str, again: Callable[[ApiError], ResponseReturnValue],
            code: int = 302) -> ResponseReturnValue:
    """`send()`, then a redirect to `then`; `again(refused)` when the refusal is shown in place."""
    try:
        send()
    except ApiError as refused:
        if not refused.shown_in_place:
            raise
        return again(refused)
    return redirect(then, code)
