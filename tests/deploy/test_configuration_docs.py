"""docs/configuration.md is the one table of environment variables: complete, and nothing in it stale."""
from __future__ import annotations

import re
from pathlib import Path

from deployfiles import COMPOSE_FILE, ROOT, compose_variables, load_k8s_documents

DOC = ROOT / "docs" / "configuration.md"
NAME = re.compile(r"\b(?:CRM_[A-Z0-9_]*[A-Z0-9]|PROMETHEUS_MULTIPROC_DIR)\b")
# f"CRM_{service.upper()}_URL": a name built per service, documented as CRM_<SERVICE>_URL.
BUILT_NAME = re.compile(r"CRM_\{[^}]+\}_([A-Z0-9_]*[A-Z0-9])")
# prefix = f"CRM_{service.upper()}_" … prefix + "PORT": the same, in two steps.
BUILT_PREFIX = re.compile(r'(\w+) = f"CRM_\{[^}]+\}_"')


def runtime_sources() -> list[Path]:
    """The code of every process (libraries, services, gateway, local launcher), tests excluded."""
    roots = [ROOT / "servicekit" / "src", ROOT / "gateway" / "src", ROOT / "console" / "src", ROOT / "deploy",
             *(path / "src" for path in (ROOT / "services").iterdir())]
    return [path for root in roots if root.is_dir() for path in root.rglob("*")
            if path.suffix in (".py", ".sh") and path.is_file()]


def documented() -> list[str]:
    """The variable names in the first column of the table."""
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    return [re.match(r"\| `([^`]+)`", row)[1] for row in rows]


def as_pattern(name: str) -> re.Pattern:
    """A documented name as a pattern: `<SERVICE>` stands for any service name."""
    return re.compile("^" + re.escape(name).replace(re.escape("<SERVICE>"), "[A-Z]+") + "$")


def is_documented(name: str) -> bool:
    """True when a row of the table covers `name`."""
    return any(row == name or as_pattern(row).match(name) for row in documented())


def names_read_by_code() -> set[str]:
    """Every variable name the processes' code mentions, with per-service names as templates."""
    found = set()
    for path in runtime_sources():
        text = path.read_text(encoding="utf-8")
        found |= set(NAME.findall(text))
        found |= {f"CRM_<SERVICE>_{suffix}" for suffix in BUILT_NAME.findall(text)}
        for prefix in BUILT_PREFIX.findall(text):
            found |= {f"CRM_<SERVICE>_{suffix}" for suffix in re.findall(rf'\b{prefix} \+ "([A-Z0-9_]+)"', text)}
    return found


def names_set_by_deployments() -> set[str]:
    """Every variable docker-compose.yml and the Kubernetes manifests set or read."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    found = set(compose_variables(text)) | {name for name in NAME.findall(text)}
    for _, document in load_k8s_documents():
        found |= set(document.get("data", {})) if document["kind"] == "ConfigMap" else set()
        if document["kind"] in ("Deployment", "Job"):
            for container in document["spec"]["template"]["spec"]["containers"]:
                found |= {item["name"] for item in container.get("env", [])}
    return found


def test_the_table_has_one_row_per_variable() -> None:
    rows = documented()
    assert len(rows) == len(set(rows)), "a variable is documented twice"
    assert len(rows) > 20


def test_every_variable_the_code_reads_is_documented() -> None:
    missing = sorted(name for name in names_read_by_code() if not is_documented(name))
    assert missing == [], f"add these to docs/configuration.md: {missing}"


def test_every_variable_the_deployments_set_is_documented() -> None:
    missing = sorted(name for name in names_set_by_deployments() if not is_documented(name))
    assert missing == [], f"add these to docs/configuration.md: {missing}"


def test_no_row_documents_a_variable_nothing_reads() -> None:
    used = names_read_by_code() | names_set_by_deployments()
    stale = [row for row in documented() if row not in used and not any(as_pattern(row).match(name) for name in used)]
    assert stale == [], f"nothing reads these any more: {stale}"


def test_deployments_set_no_variable_nothing_reads() -> None:
    # A misspelt name (CRM_BORKER_URL) would be silently ignored and the default used instead.
    read = names_read_by_code()
    compose_only = {row for row in documented() if "compose" in _row_readers(row)}
    unknown = sorted(name for name in names_set_by_deployments()
                     if name not in read and not any(as_pattern(row).match(name) for row in read | compose_only))
    assert unknown == [], f"set but read by no process: {unknown}"


def _row_readers(name: str) -> str:
    row = next(line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith(f"| `{name}`"))
    return row.split("|")[3]
