"""The deployment files, read as the tools that use them read them.

docker compose interpolates `${VAR}` from the operator's env file before it validates anything, so the
compose fixtures do the same with the values of deploy/compose.env.example (blanks filled in).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import referencing
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


def load_k8s_documents(folder: Path = K8S_DIR) -> list[tuple[str, dict[str, Any]]]:
    """(file name, document) for every non-empty YAML document in `folder` (deploy/k8s by default; its
    subfolders are applied on their own, as docs/deployment.md says)."""
    documents = []
    for path in sorted(folder.glob("*.yaml")):
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


# The Kubernetes 1.30 API's JSON schemas (strict: unknown fields are errors), vendored unchanged from the
# PyPI package kubernetes-validate 1.37.0 (kubernetes-json-schema/v1.30.0-local-strict); see README.md.
SCHEMA_DIR = Path(__file__).with_name("kubernetes-schema")
SCHEMA_FILES = {("apps/v1", "Deployment"): "deployment-apps-v1.json", ("batch/v1", "Job"): "job-batch-v1.json",
                ("v1", "Service"): "service-v1.json", ("v1", "ConfigMap"): "configmap-v1.json",
                ("autoscaling/v2", "HorizontalPodAutoscaler"): "horizontalpodautoscaler-autoscaling-v2.json",
                ("policy/v1", "PodDisruptionBudget"): "poddisruptionbudget-policy-v1.json"}
# The custom resources' definitions, vendored unchanged from their operators' repositories; see README.md.
CRD_DIR = Path(__file__).with_name("crd-schema")
CRD_FILES = {"ScaledObject": "keda.sh_scaledobjects.yaml", "RabbitmqCluster": "rabbitmq.com_rabbitmqclusters.yaml",
             "Cluster": "postgresql.cnpg.io_clusters.yaml", "Database": "postgresql.cnpg.io_databases.yaml"}


@cache
def validator(api_version: str, kind: str) -> jsonschema.Validator:
    """A validator for one kind: a built-in kind's schema with its shared definitions resolved from the vendored
    file, or a custom resource's schema from its definition (as closed as the API server's pruning: a field the
    definition does not name is an error here, where the server would drop it without a word)."""
    if (api_version, kind) in SCHEMA_FILES:
        definitions = json.loads((SCHEMA_DIR / "_definitions.json").read_text(encoding="utf-8"))
        registry = referencing.Registry().with_resource("/api/_definitions.json",
                                                        referencing.Resource.from_contents(definitions))
        schema = json.loads((SCHEMA_DIR / SCHEMA_FILES[api_version, kind]).read_text(encoding="utf-8"))
        return jsonschema.Draft202012Validator(schema, registry=registry)
    definition = yaml.safe_load((CRD_DIR / CRD_FILES[kind]).read_text(encoding="utf-8"))
    group, _, version = api_version.partition("/")
    assert definition["spec"]["group"] == group, f"{kind}: the definition is of group {definition['spec']['group']}"
    served = {entry["name"]: entry for entry in definition["spec"]["versions"] if entry.get("served")}
    assert version in served, f"{kind}: {api_version} is not served (served: {sorted(served)})"
    schema = _closed(served[version]["schema"]["openAPIV3Schema"])
    schema["properties"]["metadata"] = {"type": "object", "required": ["name"]}
    return jsonschema.Draft7Validator(schema)


def _closed(schema: Any) -> Any:
    """An OpenAPI schema in which every object that lists its properties allows no others (unless it says it keeps
    unknown fields), as a structural CRD schema means it."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if ("properties" in schema and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        closed["additionalProperties"] = False
    return closed


def api_errors(document: dict[str, Any]) -> list[str]:
    """Every way `document` breaks the schema of its kind, as 'path: message' lines."""
    checker = validator(document["apiVersion"], document["kind"])
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in checker.iter_errors(document)]
