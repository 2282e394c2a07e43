"""Optimistic concurrency on the wire: an edit names the version it was made on, by If-Match (the ETag a read
answered with) or by a `version` field in its body."""
from __future__ import annotations

import re
from typing import Any

from flask import request

from servicekit.problems import Problem

_ETAG = re.compile(r'^(W/)?"?([0-9]{1,9})"?$')


def etag(version: int) -> dict[str, str]:
    """The ETag header of a record at `version`."""
    return {"ETag": f'"{version}"'}


def expected_version(header: str | None, body_version: int | None) -> int:
    """The version an edit was made on, from If-Match or the body; 428 when neither says, 422 if they differ."""
    header_version = None
    if header is not None:
        match = _ETAG.match(header.strip())
        if match is None:
            raise Problem(428, "Precondition Required", 'If-Match must name one version, like If-Match: "3".')
        header_version = int(match.group(2))
    if header_version is None and body_version is None:
        raise Problem(428, "Precondition Required",
                      'Send the version you edited: If-Match: "<version>" or a "version" field.')
    if header_version is not None and body_version is not None and header_version != body_version:
        raise Problem(422, "Unprocessable Entity", "If-Match and the body's version disagree.",
                      errors={"version": [f"Differs from If-Match ({header_version})."]})
    return header_version if header_version is not None else body_version  # type: ignore[return-value]


def edited_version(values: dict[str, Any]) -> int:
    """The version the request's edit was made on: its If-Match, or the `version` of its body (taken out of
    `values`); 428 when neither says, 422 if they differ."""
    return expected_version(request.headers.get("If-Match"), values.pop("version", None))
