"""What every service's OpenAPI document says beyond flask-smorest's own: who may call each operation."""
from __future__ import annotations

from typing import Any

from apispec import BasePlugin

from servicekit.auth import PERMISSION_EXTENSION, ROLES_EXTENSION


class PermissionsPlugin(BasePlugin):
    """Ends each operation's description with the roles that may call it (declared by `auth.requires`).

    The `x-permission` and `x-roles` extensions are for programs; this sentence is for the people
    reading the rendered document, where extensions are not shown.
    """

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        """Add the roles sentence to every operation that declares a permission."""
        for operation in (operations or {}).values():
            if not isinstance(operation, dict) or ROLES_EXTENSION not in operation:
                continue
            sentence = (f"Roles: {', '.join(operation[ROLES_EXTENSION])} "
                        f"(permission `{operation[PERMISSION_EXTENSION]}`).")
            described = operation.get("description")
            operation["description"] = f"{described}\n\n{sentence}" if described else sentence
