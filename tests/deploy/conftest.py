"""Fixtures of the deployment tests: the compose file and the Kubernetes manifests, loaded once."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

# The helpers live beside this file; pytest's importlib mode does not put test folders on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from deployfiles import COMPOSE_FILE, example_env, interpolate  # noqa: E402


@pytest.fixture(scope="session")
def compose_text() -> str:
    """docker-compose.yml as written."""
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def compose(compose_text: str) -> dict[str, Any]:
    """docker-compose.yml after interpolation with the example env file (YAML merge keys resolved)."""
    return yaml.safe_load(interpolate(compose_text, example_env()))


@pytest.fixture(scope="session")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The compose services by name."""
    return compose["services"]
