"""Files the person uploads: sent to the API as multipart, and kept between an import's dry run and the import
itself (on this machine, for this person's session)."""
from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
from flask import session

from console.api import CLIENT_HEADER, ApiError, SignInNeeded, api, problem_of

#: Where an uploaded file waits between its dry run and its import (on this machine, for this person's session).
UPLOADS = Path(tempfile.gettempdir()) / "console-uploads"


def upload(path: str, filename: str, content: bytes, form: dict[str, str]) -> dict[str, Any]:
    """POST a file (multipart, field `file`) with its form fields to the API, as the person; the job it starts."""
    made = api()
    headers = {"Accept-Language": made.language}
    if made.token:
        headers["Authorization"] = f"Bearer {made.token}"
    if made.request_id:
        headers["X-Request-ID"] = made.request_id
    if made.vouched_client:
        headers[CLIENT_HEADER] = made.vouched_client
    try:
        response = made.client.client.post(path, files={"file": (filename, content)}, data=form, headers=headers)
    except httpx.HTTPError:  # no answer at all: the archive is unreachable
        raise ApiError(503, {"title": "Service Unavailable", "service": "customer",
                             "detail": "The API cannot be reached."}) from None
    finally:
        made.calls += 1
    if response.status_code == 401 and made.token:
        raise SignInNeeded(problem_of(response).get("detail"))
    if response.status_code >= 400:
        raise ApiError(response.status_code, problem_of(response))
    return response.json()


def keep_upload(content: bytes, filename: str) -> str:
    UPLOADS.mkdir(parents=True, exist_ok=True)
    key = uuid.uuid4().hex
    (UPLOADS / key).write_bytes(content)
    kept = dict(session.get("uploads") or {})
    kept[key] = filename
    session["uploads"] = dict(list(kept.items())[-10:])
    return key


def kept_upload(key: str) -> tuple[str, bytes] | None:
    filename = (session.get("uploads") or {}).get(key)
    if not filename or not (UPLOADS / key).is_file():
        return None
    return filename, (UPLOADS / key).read_bytes()


def forget_upload(key: str) -> None:
    kept = dict(session.get("uploads") or {})
    kept.pop(key, None)
    session["uploads"] = kept
    try:
        os.remove(UPLOADS / key)
    except OSError:
        pass
