"""What the administration pages share: the blueprint, the roles in words, and reading their forms."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_babel import lazy_gettext as N_

from console.api import ApiError, Page, api
from console.people import current_person

blp = Blueprint("admin", "console.views.admin")

ROLES = {"admin": N_("Administrator"), "manager": N_("Store manager"), "agent": N_("Customer care agent"),
         "viewer": N_("Read only"), "integration": N_("Integration")}
PAGE_SIZE = 20
#: The password rules the gateway applies, said beside the field.
PASSWORD_RULES = N_("At least 10 characters, not one of the most common passwords, and without the username.")


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def listed(path: str) -> Page | ApiError:
    """The page of `path` an administration list shows (its number from the query string), or the API's refusal,
    which the page says in place of the list."""
    try:
        return api().page(path, page=page_number(), page_size=PAGE_SIZE)
    except ApiError as refused:
        return refused


def stores_of(typed: str) -> list[str]:
    """Store ids as typed: separated by commas (either width), semicolons or spaces."""
    for mark in ("，", ";", "；", " "):
        typed = typed.replace(mark, ",")
    return [part.strip() for part in typed.split(",") if part.strip()]


def text(name: str) -> str:
    return (request.form.get(name) or "").strip()


def vocabulary() -> dict[str, Any]:
    person = current_person()
    return {"roles": ROLES, "role_choices": [(code, str(label)) for code, label in ROLES.items()],
            "is_admin": bool(person and person.can("admin")), "password_rules": PASSWORD_RULES}
