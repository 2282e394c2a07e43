"""The deployment files, read as the tools that use them read them.

docker compose interpolates `${VAR}` from the operator's env file before it validates anything, so the
compose fixtures do the same with the values of deploy/compose.env.example (blanks filled in).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "compose.env.example"
INIT_SCRIPT = ROOT / "deploy" / "postgres" / "init-databases.sh"
K8S_DIR = ROOT / "deploy" / "k8s"
#: Packages that are clients of the gateway's public API (the staff console): no database, migrations, metrics or
#: token secret of their own (only the console's live process reads the broker), so the checks of those pass them by.
API_CLIENTS = frozenset({"console"})

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; $$ is a literal $.
# https://github.com/compose-spec/compose-spec/blob/main/spec.md#interpolation
VARIABLE = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


class MissingVariable(KeyError):
    """A `${NAME:?message}` variable is not set: compose refuses to start."""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """`text` with every compose variable replaced from `env`, as `docker compose` does it."""

    def replace(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if name is None:
            return "$"
        value = env.get(name)
        empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op is None:
            return value or ""
        if op.endswith("-"):
            return arg if empty else value
        if empty:
            raise MissingVariable(f"{name}: {arg}")
        return value

    return VARIABLE.sub(replace, text)


def compose_variables(text: str) -> dict[str, str | None]:
    """Each variable the compose file reads -> its operator ('?', ':?', '-', ':-' or None)."""
    found: dict[str, str | None] = {}
    for match in VARIABLE.finditer(text):
        if match["name"]:
            found.setdefault(match["name"], match["op"])
    return found


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines of an env file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def example_env() -> dict[str, str]:
    """deploy/compose.env.example with every blank secret filled, as an operator would."""
    return {name: value or f"test-{name.lower().replace('_', '-')}" for name, value in
            read_env_file(ENV_EXAMPLE).items()}


def init_script_databases() -> dict[str, str]:
    """Database name -> the variable holding its role's password, from the postgres init script."""
    pattern = re.compile(r'^create_service_database\s+(\w+)\s+"\$\{(\w+)', re.MULTILINE)
    return dict(pattern.findall(INIT_SCRIPT.read_text(encoding="utf-8")))


def load_k8s_documents() -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) for every non-empty YAML document under deploy/k8s."""
    documents = []
    for path in sorted(K8S_DIR.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                documents.append((path.name, document))
    return documents


def is_one_shot(service: dict[str, Any]) -> bool:
    """A process that runs to completion (a migration), not one that should stay up."""
    command = guanxi_command(service)
    return command is not None and command[1] == "migrate"


def guanxi_command(service: dict[str, Any]) -> tuple[str, str] | None:
    """(package, process) of a `python -m <package> <process>` command, else None."""
    command = service.get("command")
    if isinstance(command, list) and command[:2] == ["python", "-m"] and len(command) == 4:
        return command[2], command[3]
    return None


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction, continuation lines joined."""

    keyword: str
    arguments: str


def dockerfile_instructions(path: Path) -> list[Instruction]:
    """The instructions of a Dockerfile, in order (comments dropped, `\\` continuations joined)."""
    instructions, pending = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form instruction (CMD, ENTRYPOINT, HEALTHCHECK … CMD)."""
    if arguments.startswith("--") or arguments.startswith("CMD "):
        arguments = arguments[arguments.index("CMD ") + 4:]
    value = json.loads(arguments)
    if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        raise ValueError(f"not an exec-form array: {arguments}")
    return value
